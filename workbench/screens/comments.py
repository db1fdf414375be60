"""Provides the Comments screen: which written assumptions the swap keeps or invalidates.

The screen computes nothing: a thread worker calls ``workbench.comments.check_comments`` (the
same call as ``kvm-workbench comments``) on the app's tree and revision and posts the report;
the list and the panel show it. ``enter`` (or ``o``) on a comment asks the app to open its shortest
counterexample in the Simulator at the violating step (``CounterexampleRequested``), ``b`` to
blame the comment's lines in History (``BlameRequested``): screens never call each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from workbench.messages import (
    BlameRequested,
    CommentsChecked,
    CommentsFailed,
    CommentsProgress,
    CounterexampleRequested,
)
from workbench.screens.layout import apply_size_classes
from workbench.widgets.comment_panel import CommentList, CommentPanel
from workbench.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from history.git.repo import KernelRepo
    from workbench.comments import CommentResult, CommentsReport, OrderVerdict

def counterexample(comment: CommentResult) -> OrderVerdict | None:
    """The invalidated order with the shortest trace (current first on a tie), or None."""
    broken = [v for v in comment.verdicts if v.verdict == "invalidated"]
    return min(broken, key=lambda v: len(v.trace)) if broken else None


class CommentsScreen(Screen[None]):
    """The Comments mode: each catalogued comment, per call order, holds or invalidated."""

    CSS_PATH = "comments.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", id="comments.run", tooltip="check every comment again"),
        Binding("z", "cancel", "Cancel", id="comments.cancel"),
        Binding("o", "open", "Open step", id="comments.open",
                tooltip="the shortest counterexample in the Simulator, at the violating step"
                " (enter on the list does the same)"),
        Binding("b", "blame", "Blame", id="comments.blame",
                tooltip="which commit wrote the comment's lines (History)"),
    ]

    def __init__(self, repo: KernelRepo, rev: str | None = None) -> None:
        super().__init__()
        self.repo = repo
        self.rev = rev

    def compose(self) -> ComposeResult:
        from sim.arches import ARCHES
        from sim.defaults import DEFAULT_USERSPACE
        from workbench.comments import ALL_ARCHES
        from workbench.widgets.profile_picker import userspace_choices

        with Horizontal(id="comments-picker"):
            yield Label("arch", id="arch-label")
            yield Select([(ALL_ARCHES, ALL_ARCHES), *((a, a) for a in ARCHES)], value=ALL_ARCHES,
                         allow_blank=False, id="comments-arch")
            yield Label("userspace", id="userspace-label")
            yield Select(userspace_choices(), value=DEFAULT_USERSPACE, allow_blank=False,
                         id="comments-userspace")
        yield Static("", id="comments-status")
        with Horizontal(id="comments-body"):
            yield CommentList(id="comments")
            yield CommentPanel(id="comment-panel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_run()

    def on_resize(self, event: events.Resize) -> None:
        """Narrow or short: the list over the panel, a one-line picker."""
        narrow, short = apply_size_classes(self, event.size)
        for select in self.query(Select):
            select.compact = narrow or short

    @property
    def report(self) -> CommentsReport | None:
        """The report on screen (None while checking)."""
        return self.query_one(CommentList).report

    # -- running -----------------------------------------------------------------------------
    _checked: tuple[str, str] | None = None
    """The (arch, userspace) of the check running or shown."""

    def _picked_inputs(self) -> tuple[str, str]:
        return (str(self.query_one("#comments-arch", Select).value),
                str(self.query_one("#comments-userspace", Select).value))

    def action_run(self) -> None:
        arch, userspace = self._checked = self._picked_inputs()
        listing = self.query_one(CommentList)
        listing.report = None
        listing.status = "checking…"
        self.query_one(CommentPanel).comment = None
        self.query_one("#comments-status", Static).update(
            f"reading the comments and checking both orders ({arch}, {userspace})…")
        self.run_comments(arch, userspace)

    @work(thread=True, exclusive=True, group="comments", exit_on_error=False,
          description="checking the catalogued comments in both call orders")
    def run_comments(self, arch: str, userspace: str) -> None:
        from history.errors import HistoryError
        from history.tree.source import open_source
        from sim.errors import CheckCancelled, SimError
        from workbench.comments import check_comments
        from workbench.errors import UsageError

        worker = get_current_worker()

        def progress(arch: str, order: str, states: int) -> None:
            self.post_message(CommentsProgress(arch, order, states))

        try:
            src = open_source(None, self.rev, repo=self.repo)
            report = check_comments(
                src, arch=arch, userspace=userspace,
                progress=progress,
                cancelled=lambda: worker.is_cancelled)
        except (HistoryError, SimError, UsageError) as error:
            self.post_message(CommentsFailed(str(error)))
        except CheckCancelled:
            self.post_message(CommentsFailed("check cancelled"))
        else:
            self.post_message(CommentsChecked(report))

    def action_cancel(self) -> None:
        for worker in self.workers:
            if worker.group == "comments":
                worker.cancel()

    @on(Select.Changed)
    def _picked(self) -> None:
        """Another arch or userspace: the verdicts on screen (or being computed) are not
        theirs; check again, cancelling a check still running."""
        if self._checked is not None and self._picked_inputs() != self._checked:
            self.action_run()

    def on_comments_progress(self, message: CommentsProgress) -> None:
        self.query_one(CommentList).status = \
            f"checking {message.arch} {message.order}: {message.states:,} states"

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        """A check that died of an unexpected error says so, like a failed one."""
        if event.worker.group == "comments" and event.state == WorkerState.ERROR:
            self.post_message(CommentsFailed(f"the check failed: {event.worker.error}"))

    def on_comments_failed(self, message: CommentsFailed) -> None:
        cancelled = "cancel" in message.reason
        self.query_one(CommentList).status = "cancelled" if cancelled else "no result"
        self.query_one("#comments-status", Static).update(
            Text(message.reason, style="yellow" if cancelled else "bold red"))
        self.notify(message.reason, markup=False, severity="warning" if cancelled else "error")

    def on_comments_checked(self, message: CommentsChecked) -> None:
        report = message.report
        listing = self.query_one(CommentList)
        listing.report = report
        arches = "all arches" if len(report.arches) > 1 else report.arches[0]
        notes = f" — {len(report.notes)} disagreement(s) with the era table" \
            if report.notes else ""
        self.query_one("#comments-status", Static).update(Text(
            f"{report.rev}: release {report.era}, {arches}, userspace {report.userspace},"
            f" {len(report.comments)} comments{notes}"))
        first = next((c for c in report.comments if counterexample(c) is not None),
                     report.comments[0] if report.comments else None)
        if first is not None:
            listing.select(first.entry.id)
            self.query_one(CommentPanel).comment = first
        listing.table.focus()

    @on(CommentList.Highlighted, "#comments")
    def _highlighted(self, message: CommentList.Highlighted) -> None:
        if type(message) is CommentList.Highlighted:
            self.query_one(CommentPanel).comment = message.comment

    @on(CommentList.Chosen, "#comments")
    def _chosen(self) -> None:
        self.action_open()

    # -- leaving for another mode -------------------------------------------------------------
    def action_open(self) -> None:
        """Ask the app to show the highlighted comment's counterexample in the Simulator."""
        comment = self.query_one(CommentList).current
        report = self.report
        verdict = counterexample(comment) if comment is not None else None
        if comment is None or report is None or verdict is None:
            self.notify("no counterexample: this comment is not invalidated", severity="warning")
            return
        self.app.post_message(CounterexampleRequested(
            verdict.arch, report.era, report.userspace, verdict.order, verdict.claim,
            verdict.step))

    def action_blame(self) -> None:
        """Ask the app to blame the highlighted comment's lines in History."""
        comment = self.query_one(CommentList).current
        if comment is None or not comment.found.present:
            self.notify("the comment is missing at this revision: nothing to blame",
                        severity="warning")
            return
        self.app.post_message(BlameRequested(comment.entry.anchor.path, comment.found.start,
                                             comment.found.end, self.rev))
