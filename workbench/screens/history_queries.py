"""Provides ``HistoryQueries``: the History screen's thread workers around history/ queries.

Each worker makes ``history.git.queries`` calls and posts the answer (or the one-line
``HistoryError``) as a ``workbench.messages`` fact; the screen's handlers show it. Workers of
one group are exclusive: a new blame cancels the blame still running. Leaving the screen or
``z`` cancels them all and kills their git, a hung one included.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual import on, work
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from history.errors import HistoryError
from history.git import queries
from history.git.repo import KernelRepo
from history.results import BlameLine, Commit, CommitDetail
from workbench.messages import (
    BlameLoaded,
    CommitsLoaded,
    DetailLoaded,
    HistoryFailed,
    LandmarksLoaded,
    TraceLoaded,
)
from workbench.output import escape_controls
from workbench.widgets.blame_pane import BlamePane
from workbench.widgets.diff_view import DiffView
from workbench.widgets.text_view import TextView
from workbench.widgets.trace_view import TraceView

#: Which pane says that its query failed (log and landmarks fail in a notification only).
FAILURE_PANES: dict[str, type[TextView] | type[BlamePane]] = {
    "detail": DiffView, "trace": TraceView, "blame": BlamePane, "blame parent": BlamePane}


class HistoryQueries(Screen[None]):
    """A screen on one repository that streams its log and reads commits, traces, blame."""

    streaming: var[bool] = var(True)
    """The log is still streaming."""

    def __init__(self, repo: KernelRepo, rev: str | None, path: str, function: str,
                 load_ahead: int) -> None:
        super().__init__()
        self.repo = repo
        self.rev = rev
        self.path = path
        """The file traced and blamed."""
        self.function = function
        """The function ``t`` traces and ``b`` blames (a linked step never changes it)."""
        self._wanted = load_ahead
        self._load_ahead = load_ahead
        self._more = threading.Event()
        self._detail_timer: Timer | None = None
        self._detail_sha: str | None = None

    def load_more(self, wanted: int) -> None:
        """Let the paused log stream go on until ``wanted`` rows are loaded."""
        self._wanted = max(self._wanted, wanted)
        self._more.set()

    @work(thread=True, exclusive=True, group="log", exit_on_error=False,
          description="streaming git log")
    def load_commits(self, batch_size: int, first_batch: int) -> None:
        worker = get_current_worker()
        loaded = 0
        batch: list[Commit] = []

        def post(done: bool) -> None:
            """Post the batch; the first rows carry their first commit's detail."""
            first = loaded == len(batch) and batch and not worker.is_cancelled
            self.post_message(CommitsLoaded(batch, done, self._first_detail(batch[0])
                                            if first else None))

        try:
            for commit in queries.log(self.repo, self.rev, cancelled=lambda: worker.is_cancelled):
                batch.append(commit)
                loaded += 1
                if len(batch) >= (batch_size if loaded > first_batch else first_batch):
                    post(False)
                    batch = []
                if loaded >= self._wanted and batch:
                    post(False)  # no row held back
                    batch = []
                while loaded >= self._wanted and not worker.is_cancelled:
                    self._more.wait(0.2)
                    self._more.clear()
                if worker.is_cancelled:
                    break
        except HistoryError as error:
            self.post_message(HistoryFailed("log", str(error)))
        post(True)

    def _first_detail(self, commit: Commit) -> CommitDetail | None:
        """The detail of the first row, where the cursor starts, read before the first batch
        is posted: rows and detail then reach the screen in one message and are drawn in one
        frame, instead of the cursor asking for the detail once the rows are shown (a second
        git round trip and two more frames before the screen is still). The cursor landing
        on that row then reads nothing more (``detail_shown``). On an error the usual path
        (``load_detail``, asked by the cursor) reads it again and reports it."""
        try:
            return queries.show(self.repo, commit.sha)
        except HistoryError:
            return None

    def detail_shown(self, sha: str) -> None:
        """``sha``'s detail is on screen already: the cursor resting there reads nothing."""
        self._detail_sha = sha
    def load_detail_soon(self, sha: str, delay: float) -> None:
        """Read ``sha``'s detail now if the cursor was at rest, else once it rests for
        ``delay`` seconds: holding j/k must not start a git process per row passed."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = self.set_timer(delay, lambda: self._rested(sha))
            return
        if sha != self._detail_sha:
            self._detail_sha = sha
            self.load_detail(sha)
        self._detail_timer = self.set_timer(delay, lambda: self._rested(None))

    def _rested(self, sha: str | None) -> None:
        self._detail_timer = None
        if sha is not None and sha != self._detail_sha:
            self._detail_sha = sha
            self.load_detail(sha)

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
        try:
            trace = queries.trace(self.repo, rev, self.path, self.function,
                                  cancelled=lambda: worker.is_cancelled)
        except HistoryError as error:
            self.post_message(HistoryFailed("trace", str(error)))
            return
        if not worker.is_cancelled:
            self.post_message(TraceLoaded(trace))

    @work(thread=True, exclusive=True, group="trace", exit_on_error=False,
          description="git log -L of a linked function")
    def load_linked_trace(self, calls: tuple[str, ...], arch: str | None,
                          rev: str | None) -> None:
        """The innermost function of ``calls`` defined at ``rev`` (found with tree-sitter in
        that revision's files) — or, gone there, before the commit that removed it — traced;
        or one line saying why no link lands."""
        from history.tree.index import link_target_in_history

        worker = get_current_worker()
        try:
            where, why = link_target_in_history(self.repo, rev, calls, arch)
            if where is None:
                self.post_message(HistoryFailed("trace", why))
                return
            trace = queries.trace(self.repo, where.rev, where.path, where.name,
                                  cancelled=lambda: worker.is_cancelled)
        except HistoryError as error:
            self.post_message(HistoryFailed("trace", str(error)))
            return
        if not worker.is_cancelled:
            self.post_message(TraceLoaded(trace, why))

    @work(thread=True, exclusive=True, group="blame", exit_on_error=False)
    def load_blame(self, rev: str | None) -> None:
        try:
            self.post_message(BlameLoaded(queries.blame_function(self.repo, rev, self.path,
                                                                 self.function)))
        except HistoryError as error:
            self.post_message(HistoryFailed("blame", str(error)))

    @work(thread=True, exclusive=True, group="blame", exit_on_error=False)
    def load_blame_parent(self, function: str | None, path: str, line: BlameLine) -> None:
        try:
            parent = queries.blame_parent(self.repo, line, function, path)
        except HistoryError as error:
            self.post_message(HistoryFailed("blame parent", str(error)))
            return
        self.post_message(BlameLoaded(parent, parent_of=line.sha, near=line.orig_line))

    @work(thread=True, exclusive=True, group="landmarks", exit_on_error=False)
    def load_landmarks(self) -> None:
        try:
            self.post_message(LandmarksLoaded(queries.landmarks(self.repo, self.rev)))
        except HistoryError as error:
            self.post_message(HistoryFailed("landmarks", str(error)))

    def on_history_failed(self, message: HistoryFailed) -> None:
        reason = escape_controls(message.reason)
        self.notify(reason, title=f"{message.what} failed", severity="error", markup=False)
        if message.what == "log":
            self.streaming = False
        pane = FAILURE_PANES.get(message.what)
        for shown in self.query(pane) if pane is not None else ():
            shown.show_failure(Text(f"{message.what} failed: {reason}", style="red"))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        """A worker that died of something other than a HistoryError still says so."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.post_message(HistoryFailed(event.worker.group, "internal error: "
                                            f"{type(error).__name__}: {error}"))

    def on_unmount(self) -> None:
        for worker in self.workers:
            worker.cancel()
        self._more.set()  # wake a paused log worker so it sees the cancel and kills git

    def action_stop_loading(self) -> None:
        """Stop everything git is doing for this screen (``z``), a hung git included."""
        from history.git.runner import stop_all

        for worker in self.workers:
            worker.cancel()
        stop_all()
        self.streaming = False
