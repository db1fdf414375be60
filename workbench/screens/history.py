"""Provides the History screen: commit list, detail and diff, function trace, blame, landmarks.

The screen composes widgets and routes their messages; git runs in the workers of
``HistoryQueries``, so the UI thread never waits on git. The log streams in batches and
pauses (git blocks on its pipe) once enough rows are loaded beyond the cursor, as lazygit
does with its first 300 rows. Trace, blame, landmarks and the search box mount on first use.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static

from history.git import queries
from history.git.repo import KernelRepo
from history.results import ResolvedLandmark
from workbench.messages import (
    BlameLoaded,
    CommitsLoaded,
    DetailLoaded,
    HistoryFailed,
    LandmarksLoaded,
    TraceLoaded,
)
from workbench.output import escape_controls
from workbench.screens.history_navigation import HistoryNavigation
from workbench.screens.layout import apply_size_classes
from workbench.widgets.blame_pane import BlamePane
from workbench.widgets.commit_list import CommitList
from workbench.widgets.diff_view import DiffView
from workbench.widgets.key_footer import KeyFooter
from workbench.widgets.landmark_list import LandmarkList
from workbench.widgets.log_status import LogStatus
from workbench.widgets.trace_view import TraceView

#: Rows loaded ahead of the cursor before the log stream pauses.
LOAD_AHEAD = 2000
#: Rows per CommitsLoaded message; the first batch is small so the first screen paints early.
BATCH = 500
FIRST_BATCH = 100
#: Seconds a moving cursor must rest on a commit before its patch is read (a first move
#: after a rest reads at once).
DETAIL_DELAY = 0.05


class HistoryScreen(HistoryNavigation):
    """The History mode: what changed in the teardown path, when, and why."""

    CSS_PATH = "history.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "view('detail')", "Detail", show=False, id="history.detail"),
        Binding("q", "back", "Back", show=False, id="history.back-pane"),
        Binding("t", "trace", "Trace", id="history.trace"),
        Binding("b", "blame", "Blame", id="history.blame"),
        Binding("comma", "blame_parent", "Blame parent", show=False, id="history.blame-parent"),
        Binding("less_than_sign", "blame_back", "Back", show=False, id="history.back"),
        Binding("L", "landmarks", "Landmarks", id="history.landmarks"),
        Binding("slash", "search", "Search", id="history.search"),
        Binding("colon", "jump", "Jump", show=False, id="history.jump",
                tooltip="go to any revision: a hash of any length, a tag, a branch"),
        Binding("n", "search_next(1)", "Next", show=False, id="history.search-next"),
        Binding("N", "search_next(-1)", "Prev", show=False, id="history.search-prev"),
        Binding("z", "stop_loading", "Stop loading", show=False, id="history.stop"),
        Binding("escape", "cancel_search", "Close search", show=False, id="history.escape"),
    ]

    search_term: var[str] = var("")
    """The last search submitted; ``n`` and ``N`` repeat it."""

    def __init__(self, repo: KernelRepo, rev: str | None = None, *,
                 path: str = queries.DEFAULT_FILE,
                 function: str = queries.DEFAULT_FUNCTION) -> None:
        super().__init__(repo, rev, path, function, LOAD_AHEAD)

    def compose(self) -> ComposeResult:
        self.load_commits(BATCH, FIRST_BATCH)  # git starts while the widgets mount
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                where = "demo history" if self.repo.demo else str(self.repo.path)
                yield LogStatus(where, id="list-status").data_bind(HistoryScreen.streaming)
                yield CommitList(id="commits")
            with ContentSwitcher(initial="detail", id="right"):
                yield DiffView(id="detail")
        yield KeyFooter()

    def on_resize(self, event: events.Resize) -> None:
        """Narrow: the list above the pane instead of beside it."""
        apply_size_classes(self, event.size)

    def on_mount(self) -> None:
        self.query_one(CommitList).focus()
        self.call_after_refresh(self.load_landmarks)  # badges may follow the first paint

    async def action_view(self, name: str) -> None:
        """Show a right-hand pane, mounting it on first use (fewer widgets at launch)."""
        switcher = self.query_one("#right", ContentSwitcher)
        if not switcher.query(f"#{name}"):
            await switcher.mount(self._new_pane(name))
        switcher.current = name

    def _new_pane(self, name: str) -> Widget:
        if name == "trace":
            return TraceView(id="trace")
        if name == "blame":
            return BlamePane(id="blame")
        marks = LandmarkList(id="landmark-list")
        marks.landmarks = self.landmarks
        return Vertical(Static("Landmarks — enter jumps to the commit", id="landmarks-title"),
                        marks, id="landmarks")

    # -- facts arriving ----------------------------------------------------------------------
    def watch_landmarks(self, landmarks: tuple[ResolvedLandmark, ...]) -> None:
        self.query_one(CommitList).badges = {m.sha: m.key for m in landmarks if m.sha}
        for marks in self.query(LandmarkList):
            marks.landmarks = landmarks

    def on_commits_loaded(self, message: CommitsLoaded) -> None:
        commits = self.query_one(CommitList)
        if message.detail is not None and self._pending_jump is None:  # read with the rows
            self.query_one(DiffView).detail = message.detail
            self.detail_shown(message.detail.commit.sha)
        commits.append(message.commits)
        self.query_one(LogStatus).loaded = len(commits.rows)
        self.follow_jump(commits, message.done)
        if message.done:
            self.streaming = False

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        current = self.query_one(CommitList).current
        sha = message.detail.commit.sha
        if sha != self._pending_jump and (current is None or current.sha != sha):
            return  # a stale answer for a row the cursor already left
        self.query_one(DiffView).detail = message.detail

    def on_trace_loaded(self, message: TraceLoaded) -> None:
        self.query_one(TraceView).trace = message.trace
        if message.note:
            self.notify(escape_controls(message.note), markup=False)

    def on_blame_loaded(self, message: BlameLoaded) -> None:
        self.query_one(BlamePane).show(message.blame, message.parent_of, message.near)

    def on_landmarks_loaded(self, message: LandmarksLoaded) -> None:
        self.landmarks = message.landmarks

    @on(CommitList.Highlighted, "#commits")
    def _commit_highlighted(self, message: CommitList.Highlighted) -> None:
        self.load_detail_soon(message.commit.sha, DETAIL_DELAY)

    @on(CommitList.Selected, "#commits")
    async def _commit_selected(self) -> None:
        await self.action_view("detail")

    @on(CommitList.NearEnd, "#commits")
    def _near_end(self, message: CommitList.NearEnd) -> None:
        self.load_more(message.control.cursor + LOAD_AHEAD)

    @on(BlamePane.LineChosen, "#blame")
    async def _blame_line_chosen(self, message: BlamePane.LineChosen) -> None:
        """Enter on a blame line opens the commit that last changed it."""
        await self.jump_to_commit(message.line.sha, f"blame of line {message.line.line}")

    @on(LandmarkList.Chosen, "#landmark-list")
    async def _landmark_chosen(self, message: LandmarkList.Chosen) -> None:
        await self.jump_to_landmark(message.landmark.key)

    # -- actions -----------------------------------------------------------------------------
    async def show_linked_trace(self, calls: tuple[str, ...], arch: str | None) -> None:
        """Trace a step's call chain (the app routes a Simulator step's request here); the
        screen's own function and file, which ``t`` and ``b`` use, stay as they were."""
        await self.action_view("trace")
        self.query_one(TraceView).text = Text(f"tracing {' → '.join(calls)}…")
        self.load_linked_trace(calls, arch, self.rev)

    async def action_trace(self) -> None:
        await self.action_view("trace")
        self.query_one(TraceView).text = Text(f"tracing {self.function}()…")
        self.load_trace(self.rev)

    async def action_blame(self) -> None:
        await self.action_view("blame")
        pane = self.query_one(BlamePane)
        pane.restart()
        current = self.query_one(CommitList).current
        self.load_blame(current.sha if current is not None else self.rev)
        pane.table.focus()

    async def blame_lines(self, path: str, start: int, end: int, rev: str | None) -> None:
        """Blame lines ``start``-``end`` of ``path`` at ``rev`` (the app routes a comment's
        request here): which commit wrote them. ``,`` then blames before that commit."""
        from history.errors import HistoryError

        def load() -> None:
            try:
                self.post_message(BlameLoaded(queries.blame(self.repo, rev, path, start, end)))
            except HistoryError as error:
                self.post_message(HistoryFailed("blame", str(error)))

        await self.action_view("blame")
        pane = self.query_one(BlamePane)
        pane.restart()
        self.run_worker(load, thread=True, exclusive=True, group="blame",
                        exit_on_error=False, description=f"blame of {path}:{start}-{end}")
        pane.table.focus()

    async def action_blame_parent(self) -> None:
        pane = next(iter(self.query(BlamePane)), None)
        line = pane.line if pane is not None else None
        if pane is None or pane.blame is None or line is None:
            self.notify("blame first (b)", severity="warning")
            return
        await self.action_view("blame")
        self.load_blame_parent(pane.blame.function, pane.blame.path, line)

    def action_blame_back(self) -> None:
        for pane in self.query(BlamePane):
            pane.back()

    async def action_back(self) -> None:
        """``q``: from trace, blame or landmarks back to the commit's detail and the list."""
        if self.query_one("#right", ContentSwitcher).current != "detail":
            await self.action_view("detail")
        self.query_one(CommitList).focus()

    async def action_landmarks(self) -> None:
        await self.action_view("landmarks")
        self.query_one(LandmarkList).focus()

    async def _open_prompt(self, name: str, placeholder: str, value: str) -> None:
        """The one-line box at the bottom for ``/`` (search) and ``:`` (jump)."""
        if not self.query(f"#{name}"):
            await self.mount(Input(placeholder=placeholder, id=name, classes="prompt"),
                             before=self.query_one(KeyFooter))
        for other in self.query(".prompt.-open"):
            other.remove_class("-open")
        box = self.query_one(f"#{name}", Input)
        box.add_class("-open")
        box.value = value
        box.focus()

    async def action_search(self) -> None:
        await self._open_prompt("search", "search subject, author or hash; enter finds, "
                                "esc closes", self.search_term)

    async def action_jump(self) -> None:
        await self._open_prompt("jump", "revision (hash, tag, branch, HEAD~3); enter goes "
                                "there, esc closes", "")

    def action_cancel_search(self) -> None:
        for box in self.query(".prompt.-open"):
            box.remove_class("-open")
            self.query_one(CommitList).focus()

    @on(Input.Submitted, "#jump")
    def _jump_submitted(self, message: Input.Submitted) -> None:
        self.action_cancel_search()
        if message.value.strip():
            self.resolve_jump(message.value.strip())

    @on(Input.Submitted, "#search")
    def _search_submitted(self, message: Input.Submitted) -> None:
        self.search_term = message.value.strip()
        self.action_cancel_search()
        self.action_search_next(1)

    def action_search_next(self, direction: int) -> None:
        """Find the next (``n``) or previous (``N``) loaded commit matching the search."""
        if not self.search_term:
            return
        commits = self.query_one(CommitList)
        index = commits.find(self.search_term, direction)
        if index is not None:
            commits.cursor = index
            return
        self.notify(escape_controls(f"{self.search_term!r} not in the {len(commits.rows):,}"
                                    " loaded commits: searching the whole history…"),
                    markup=False)
        self.search_history(self.search_term)
