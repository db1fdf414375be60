"""Provides the History screen: commit list, detail and diff, function trace, blame, landmarks.

Every git call runs in a thread worker that posts a ``workbench.messages`` fact back; the UI
thread never waits on git. The log streams in batches and pauses (git blocks on its pipe)
once enough rows are loaded beyond the cursor, as lazygit does with its first 300 rows.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

if TYPE_CHECKING:  # secondary panes import their widgets when first mounted
    from textual.widgets import DataTable, OptionList

from history.errors import HistoryError
from history.git import queries
from history.git.repo import KernelRepo
from history.results import Blame, CommitDetail, FunctionTrace, ResolvedLandmark
from workbench.messages import (
    BlameLoaded,
    CommitsLoaded,
    DetailLoaded,
    HistoryFailed,
    LandmarksLoaded,
    TraceLoaded,
)
from workbench.output import escape_controls
from workbench.widgets.commit_list import CommitList

#: Rows loaded ahead of the cursor before the log stream pauses.
LOAD_AHEAD = 2000
#: Rows per CommitsLoaded message; the first batch is small so the first screen paints early.
BATCH = 500
FIRST_BATCH = 100
#: Seconds the cursor must rest on a commit before its patch is read.
DETAIL_DELAY = 0.05


def patch_text(patch: str) -> Text:
    """A unified diff coloured line by line (no pager, no external diff)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for line in patch.splitlines():
        style = ""
        if line.startswith(("+++", "---", "diff --git", "index ")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        text.append(escape_controls(line.expandtabs(8)) + "\n", style=style)
    return text


def detail_text(detail: CommitDetail) -> Text:
    """A commit's header, message and patch; every repository string shown escaped (Text,
    never markup; control characters as \\x1b)."""
    c = detail.commit
    safe = escape_controls
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"commit {c.sha}\n", style="bold yellow")
    text.append(f"Author: {safe(c.author)} <{safe(c.email)}>\nDate:   {safe(c.date)}\n\n")
    text.append(f"    {safe(c.subject)}\n", style="bold")
    for line in detail.body.splitlines():
        text.append(f"    {safe(line)}\n")
    if detail.trailers:
        text.append("\n")
        for key, value in detail.trailers:
            text.append(f"    {safe(key)}: ", style="magenta")
            text.append(f"{safe(value)}\n")
    text.append("\n")
    text.append_text(patch_text(detail.patch))
    if detail.truncated:
        text.append("\n[patch cut here]\n", style="italic")
    return text


def trace_text(trace: FunctionTrace) -> Text:
    where = trace.range
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{where.name}() {where.path}:{where.start}-{where.end} at {where.rev[:12]}"
                f" — {len(trace.entries)} commits\n\n", style="bold")
    for entry in trace.entries:
        c = entry.commit
        text.append(f"{c.short} {c.day} ", style="yellow")
        text.append(f"{escape_controls(c.subject)}\n", style="bold")
        text.append_text(patch_text(entry.patch))
        text.append("\n")
    return text


class HistoryScreen(Screen[None]):
    """The History mode: what changed in the teardown path, when, and why."""

    CSS_PATH = "history.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "view('detail')", "Detail", show=False, id="history.detail"),
        Binding("t", "trace", "Trace", id="history.trace"),
        Binding("b", "blame", "Blame", id="history.blame"),
        Binding("comma", "blame_parent", "Blame parent", show=False, id="history.blame-parent"),
        Binding("less_than_sign", "blame_back", "Back", show=False, id="history.back"),
        Binding("L", "landmarks", "Landmarks", id="history.landmarks"),
        Binding("slash", "search", "Search", id="history.search"),
        Binding("n", "search_next(1)", "Next", show=False, id="history.search-next"),
        Binding("N", "search_next(-1)", "Prev", show=False, id="history.search-prev"),
        Binding("z", "stop_loading", "Stop loading", show=False, id="history.stop"),
        Binding("escape", "cancel_search", "Close search", show=False, id="history.escape"),
    ]

    def __init__(self, repo: KernelRepo, rev: str | None = None, *,
                 path: str = queries.DEFAULT_FILE,
                 function: str = queries.DEFAULT_FUNCTION) -> None:
        super().__init__()
        self.repo = repo
        self.rev = rev
        self.path = path
        self.function = function
        self.search_term = ""
        self._wanted = LOAD_AHEAD
        self._more = threading.Event()
        self._loading = True
        self._blame: Blame | None = None
        self._blame_stack: list[Blame] = []
        self._landmarks: tuple[ResolvedLandmark, ...] = ()
        self._detail_timer: Timer | None = None

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self.load_commits()  # git starts while the widgets mount
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield Static("loading…", id="list-status")
                yield CommitList(id="commits")
            with ContentSwitcher(initial="detail", id="right"), VerticalScroll(id="detail"):
                yield Static("", id="detail-body")
        yield Input(placeholder="search subject, author or hash; enter finds, esc closes",
                    id="search")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CommitList).focus()
        self.call_after_refresh(self.load_landmarks)  # badges may follow the first paint

    def on_unmount(self) -> None:
        for worker in self.workers:
            worker.cancel()
        self._more.set()  # wake a paused log worker so it sees the cancel and kills git

    async def _pane(self, name: str) -> None:
        """Mount a right-hand pane on first use (fewer widgets to mount at launch)."""
        from textual.widgets import DataTable, OptionList

        switcher = self.query_one("#right", ContentSwitcher)
        if not switcher.query(f"#{name}"):
            pane: Widget
            if name == "trace":
                pane = VerticalScroll(Static("", id="trace-body"), id="trace")
            elif name == "blame":
                table: DataTable[object] = DataTable(id="blame-table", cursor_type="row",
                                                     zebra_stripes=True)
                pane = Vertical(Static("", id="blame-title"), table, id="blame")
            else:
                pane = Vertical(Static("Landmarks — enter jumps to the commit",
                                       id="landmarks-title"),
                                OptionList(id="landmark-list"), id="landmarks")
            await switcher.mount(pane)
            if name == "landmarks":
                self._fill_landmarks()
        switcher.current = name

    # -- workers (git runs only here) --------------------------------------------------------
    @work(thread=True, exclusive=True, group="log", exit_on_error=False,
          description="streaming git log")
    def load_commits(self) -> None:
        worker = get_current_worker()
        loaded = 0
        batch = []
        try:
            for commit in queries.log(self.repo, self.rev, cancelled=lambda: worker.is_cancelled):
                batch.append(commit)
                loaded += 1
                if len(batch) >= (BATCH if loaded > FIRST_BATCH else FIRST_BATCH):
                    self.post_message(CommitsLoaded(batch, False))
                    batch = []
                while loaded >= self._wanted and not worker.is_cancelled:
                    self._more.wait(0.2)
                    self._more.clear()
                if worker.is_cancelled:
                    break
        except HistoryError as error:
            self.post_message(HistoryFailed("log", str(error)))
        self.post_message(CommitsLoaded(batch, True))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, sha: str) -> None:
        try:
            self.post_message(DetailLoaded(queries.show(self.repo, sha)))
        except HistoryError as error:
            self.post_message(HistoryFailed("detail", str(error)))

    @work(thread=True, exclusive=True, group="trace", exit_on_error=False,
          description="git log -L")
    def load_trace(self, rev: str | None) -> None:
        worker = get_current_worker()
        # A model step may stand for a call chain ("a → b"): trace the callee first.
        names = [name.strip() for name in reversed(self.function.split("→")) if name.strip()]
        error: HistoryError | None = None
        for name in names:
            try:
                trace = queries.trace(self.repo, rev, self.path, name,
                                      cancelled=lambda: worker.is_cancelled)
            except HistoryError as failure:
                error = error or failure
                continue
            if not worker.is_cancelled:
                self.post_message(TraceLoaded(trace))
            return
        if error is not None:
            self.post_message(HistoryFailed("trace", str(error)))

    @work(thread=True, exclusive=True, group="blame", exit_on_error=False)
    def load_blame(self, rev: str | None) -> None:
        try:
            self.post_message(BlameLoaded(queries.blame_function(self.repo, rev, self.path,
                                                                 self.function)))
        except HistoryError as error:
            self.post_message(HistoryFailed("blame", str(error)))

    @work(thread=True, exclusive=True, group="blame", exit_on_error=False)
    def load_blame_parent(self, current: Blame, row: int) -> None:
        line = current.lines[row]
        try:
            parent = queries.blame_parent(self.repo, line, current.function, current.path)
        except HistoryError as error:
            self.post_message(HistoryFailed("blame parent", str(error)))
            return
        self.post_message(BlameLoaded(parent, parent_of=line.sha))

    @work(thread=True, exclusive=True, group="landmarks", exit_on_error=False)
    def load_landmarks(self) -> None:
        try:
            self.post_message(LandmarksLoaded(queries.landmarks(self.repo, self.rev)))
        except HistoryError as error:
            self.post_message(HistoryFailed("landmarks", str(error)))

    # -- facts arriving ----------------------------------------------------------------------
    def _status(self) -> None:
        commits = self.query_one(CommitList)
        state = "loading…" if self._loading else "all loaded" if commits.rows else "empty"
        where = "demo history" if self.repo.demo else str(self.repo.path)
        self.query_one("#list-status", Static).update(
            Text(f"{escape_controls(where)} — {len(commits.rows):,} commits, {state}"))

    def on_commits_loaded(self, message: CommitsLoaded) -> None:
        self.query_one(CommitList).append(message.commits)
        if message.done:
            self._loading = False
        self._status()

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        current = self.query_one(CommitList).current
        if current is None or current.sha != message.detail.commit.sha:
            return  # a stale answer for a row the cursor already left
        self.query_one("#detail-body", Static).update(detail_text(message.detail))
        self.query_one("#detail", VerticalScroll).scroll_home(animate=False)

    def on_trace_loaded(self, message: TraceLoaded) -> None:
        self.query_one("#trace-body", Static).update(trace_text(message.trace))

    def on_blame_loaded(self, message: BlameLoaded) -> None:
        blame = message.blame
        if message.parent_of is not None and self._blame is not None:
            self._blame_stack.append(self._blame)
        self._show_blame(blame, message.parent_of)

    def _show_blame(self, blame: Blame, parent_of: str | None = None) -> None:
        from textual.widgets import DataTable

        self._blame = blame
        label = f"{blame.function}() " if blame.function else ""
        before = f" — before {parent_of[:12]}" if parent_of else ""
        self.query_one("#blame-title", Static).update(Text(escape_controls(
            f"{label}{blame.path}:{blame.start}-{blame.end} at {blame.rev[:12]}{before}"
            "   , parent  < back")))
        table = self.query_one("#blame-table", DataTable)
        # Widths fixed from the data: auto-width columns are sized on a later refresh, and a
        # screen painted before it showed 6-digit hashes and year-only dates.
        table.clear(columns=True)
        table.add_column("commit", width=12)
        table.add_column("date", width=10)
        table.add_column("line", width=max(4, len(str(blame.end))))
        table.add_column("text", width=100)
        for line in blame.lines:
            table.add_row(line.sha[:12], line.date[:10], str(line.line),
                          Text(escape_controls(line.text.expandtabs(8)), no_wrap=True))

    def on_landmarks_loaded(self, message: LandmarksLoaded) -> None:
        self._landmarks = message.landmarks
        self.query_one(CommitList).set_badges(
            {mark.sha: mark.key for mark in message.landmarks if mark.sha})
        if self.query("#landmark-list"):
            self._fill_landmarks()

    def _fill_landmarks(self) -> None:
        from textual.widgets import OptionList
        from textual.widgets.option_list import Option

        options = self.query_one("#landmark-list", OptionList)
        options.clear_options()
        for mark in self._landmarks:
            where = f"{mark.sha[:12]} {mark.date[:10] if mark.date else ''}" if mark.sha \
                else "absent in this tree"
            options.add_option(Option(Text(f"{mark.key:<20} {mark.version:<6} {where}  "
                                           f"{escape_controls(mark.subject)}"), id=mark.key,
                                      disabled=not mark.present))

    def on_history_failed(self, message: HistoryFailed) -> None:
        reason = escape_controls(message.reason)
        self.notify(reason, title=f"{message.what} failed", severity="error", markup=False)
        if message.what == "log":
            self._loading = False
            self._status()
        pane = {"trace": "#trace-body", "detail": "#detail-body",
                "blame": "#blame-title", "blame parent": "#blame-title"}.get(message.what)
        if pane is not None and self.query(pane):
            self.query_one(pane, Static).update(Text(f"{message.what} failed: {reason}",
                                                     style="red"))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        """A worker that died of something other than a HistoryError still says so."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            what = {"log": "log", "detail": "detail", "trace": "trace", "blame": "blame",
                    "landmarks": "landmarks"}.get(event.worker.group, event.worker.group)
            self.post_message(HistoryFailed(what, f"internal error: {type(error).__name__}:"
                                                  f" {error}"))

    @on(CommitList.Highlighted)
    def _commit_highlighted(self, message: CommitList.Highlighted) -> None:
        # Debounced: holding j/k must not start a git process per row passed.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        sha = message.commit.sha
        self._detail_timer = self.set_timer(DETAIL_DELAY, lambda: self.load_detail(sha))

    @on(CommitList.Selected)
    async def _commit_selected(self) -> None:
        await self.action_view("detail")

    @on(CommitList.NearEnd)
    def _near_end(self) -> None:
        commits = self.query_one(CommitList)
        self._wanted = max(self._wanted, commits.cursor + LOAD_AHEAD)
        self._more.set()

    async def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        if message.option_list.id == "landmark-list" and message.option.id is not None:
            await self.jump_to_landmark(message.option.id)

    async def jump_to_landmark(self, key: str) -> None:
        """Show a landmark's commit (and move the cursor there if it is loaded)."""
        mark = next((m for m in self._landmarks if m.key == key), None)
        if mark is None or mark.sha is None:
            self.notify(f"landmark {key} is absent in this tree", severity="warning")
            return
        commits = self.query_one(CommitList)
        index = commits.index_of(mark.sha)
        if index is not None:
            commits.cursor = index
        else:
            self.load_detail(mark.sha)
        await self.action_view("detail")
        commits.focus()

    # -- actions -----------------------------------------------------------------------------
    async def action_view(self, name: str) -> None:
        await self._pane(name)

    def _rev_at_cursor(self) -> str | None:
        current = self.query_one(CommitList).current
        return current.sha if current is not None else self.rev

    async def show_trace(self, path: str, function: str) -> None:
        """Trace another function (a Simulator trace step links here)."""
        self.path, self.function = path, function
        await self.action_trace()

    async def action_trace(self) -> None:
        await self._pane("trace")
        self.query_one("#trace-body", Static).update(Text(f"tracing {self.function}()…"))
        self.load_trace(self.rev)

    async def action_blame(self) -> None:
        from textual.widgets import DataTable

        await self._pane("blame")
        self._blame_stack.clear()
        self.load_blame(self._rev_at_cursor())
        self.query_one("#blame-table", DataTable).focus()

    async def action_blame_parent(self) -> None:
        from textual.widgets import DataTable

        if self._blame is None or not self._blame.lines:
            self.notify("blame first (b)", severity="warning")
            return
        await self._pane("blame")
        row = self.query_one("#blame-table", DataTable).cursor_row
        self.load_blame_parent(self._blame, max(0, min(row, len(self._blame.lines) - 1)))

    def action_blame_back(self) -> None:
        if self._blame_stack:
            self._show_blame(self._blame_stack.pop())

    async def action_landmarks(self) -> None:
        from textual.widgets import OptionList

        await self._pane("landmarks")
        self.query_one("#landmark-list", OptionList).focus()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("-open")
        search.value = self.search_term
        search.focus()

    def action_cancel_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_class("-open"):
            search.remove_class("-open")
            self.query_one(CommitList).focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, message: Input.Submitted) -> None:
        self.search_term = message.value.strip()
        self.action_cancel_search()
        self.action_search_next(1)

    def action_search_next(self, direction: int) -> None:
        """Find the next (``n``) or previous (``N``) loaded commit matching the search."""
        term = self.search_term.lower()
        if not term:
            return
        commits = self.query_one(CommitList)
        total = len(commits.rows)
        for step in range(1, total + 1):
            index = (commits.cursor + direction * step) % total
            row = commits.rows[index]
            if term in row.subject.lower() or term in row.author.lower() \
                    or row.sha.startswith(term):
                commits.cursor = index
                return
        self.notify(escape_controls(f"{self.search_term!r} not found in {total:,} loaded"
                                    " commits"), markup=False,
                    severity="warning")

    def action_stop_loading(self) -> None:
        """Stop everything git is doing for this screen (``z``), a hung git included."""
        from history.git.runner import stop_all

        for worker in self.workers:
            worker.cancel()
        stop_all()
        self._loading = False
        self._status()
