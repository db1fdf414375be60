"""Provides the Report screen: the answers to the RFC thread and the verdict matrix.

The screen computes nothing: a thread worker reads the open tree (``workbench.report
.read_tree``), checks the matrix (``build_report``, every core, remembered results) and posts
the ``Report``; the text shown is ``render_markdown`` of it, the very bytes ``kvm-workbench
report`` prints, so what a reviewer copies (``y``) or writes (``W``) is what the CLI gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from workbench.screens.layout import apply_size_classes
from workbench.widgets.key_footer import KeyFooter
from workbench.widgets.text_view import TextView

if TYPE_CHECKING:
    from history.git.repo import KernelRepo
    from workbench.report import Report


@dataclass
class ReportProgress(Message):
    """Checks of the matrix done so far."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ReportProgress)


@dataclass
class ReportReady(Message):
    """The matrix is checked and the answers written."""

    report: Report
    markdown: str


@dataclass
class ReportFailed(Message):
    """The report could not be made (one line), or was cancelled."""

    reason: str


#: Words coloured anywhere (they are the report's own), and in the matrix tables only.
_ALARM = re.compile(r"\bFAILS\b|\bmade false\b|\bnot safe\b")
_VERDICT = re.compile(r"\bholds\b|\bvacuous\b|\babsent\b")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def styled(markdown: str) -> Text:
    """The Markdown as it reads in a terminal: headings bold, FAILS red, the table's holds
    green, the ``**`` of bold kept out of sight."""
    text = Text()
    for line in markdown.splitlines():
        if line.startswith("#"):
            text.append(line.lstrip("#").strip() + "\n",
                        style="bold underline" if line.startswith("# ") else "bold cyan")
            continue
        start = len(text)
        shown = _BOLD.sub(r"\1", line)
        text.append(shown + "\n")
        for match in _BOLD.finditer(line):
            at = shown.find(match.group(1))
            if at >= 0:
                text.stylize("bold", start + at, start + at + len(match.group(1)))
        for match in _ALARM.finditer(shown):
            text.stylize("bold red", start + match.start(), start + match.end())
        if line.startswith("|"):
            for match in _VERDICT.finditer(shown):
                style = "green" if match.group(0) == "holds" else "yellow"
                text.stylize(style, start + match.start(), start + match.end())
    return text


class ReportScreen(Screen[None]):
    """The Report mode: every verdict, and the reply's answers built from them."""

    CSS_PATH = "report.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", id="report.run", tooltip="check the matrix again"),
        Binding("z", "cancel", "Cancel", id="report.cancel"),
        Binding("y", "copy", "Copy", id="report.copy",
                tooltip="the Markdown report to the clipboard"),
        Binding("W", "write", "Write", id="report.write",
                tooltip="report.md in the current directory"),
    ]

    def __init__(self, repo: KernelRepo, rev: str | None) -> None:
        super().__init__()
        self.repo = repo
        self.rev = rev
        self.markdown = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="report-status")
        yield ProgressBar(id="report-progress", show_eta=False)
        yield TextView(id="report-body", wrap=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_run()
        self.query_one("#report-body").focus()

    def on_resize(self, event: events.Resize) -> None:
        apply_size_classes(self, event.size)

    def action_run(self) -> None:
        self.query_one("#report-status", Static).update("reading the tree…")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.make_report()

    def action_cancel(self) -> None:
        for worker in self.workers:
            if worker.group == "report":
                worker.cancel()

    @work(thread=True, exclusive=True, group="report", exit_on_error=False,
          description="checking the report's matrix")
    def make_report(self) -> None:
        from history.errors import HistoryError
        from history.tree.source import open_source
        from sim.errors import CheckCancelled, SimError
        from workbench.report import render_markdown, report_on_tree

        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            self.post_message(ReportProgress(done, total))

        try:
            src = open_source(None, self.rev, repo=self.repo)
            label = "the embedded demo history" if self.repo.demo else str(self.repo.path)
            report = report_on_tree(src, self.repo, label, progress=progress,
                                    cancelled=lambda: worker.is_cancelled)
        except CheckCancelled:
            self.post_message(ReportFailed("report cancelled"))
            return
        except (HistoryError, SimError) as error:
            self.post_message(ReportFailed(str(error)))
            return
        self.post_message(ReportReady(report, render_markdown(report)))

    def on_report_progress(self, message: ReportProgress) -> None:
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)
        self.query_one("#report-status", Static).update(
            f"checking the matrix: {message.done:,} of {message.total:,} profiles")

    def on_report_ready(self, message: ReportReady) -> None:
        report = message.report
        self.markdown = message.markdown
        failing = sum(1 for cell in report.cells if not cell.order_neutral)
        self.query_one("#report-status", Static).update(
            f"{len(report.cells) // max(1, len(report.claims)) * 2:,} profiles checked; "
            f"{failing:,} verdicts differ between the orders — y copies, W writes report.md")
        self.query_one(ProgressBar).update(total=1, progress=1)
        self.query_one(TextView).text = styled(message.markdown)

    def on_report_failed(self, message: ReportFailed) -> None:
        cancelled = "cancel" in message.reason
        self.query_one("#report-status", Static).update(
            Text(message.reason, style="yellow" if cancelled else "bold red"))
        self.notify(message.reason, markup=False, severity="warning" if cancelled else "error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error ends the run on screen, not in a stuck status line."""
        if event.worker.group == "report" and event.state == WorkerState.ERROR:
            self.post_message(ReportFailed(f"the report failed: {event.worker.error}"))

    def action_copy(self) -> None:
        if not self.markdown:
            self.notify("no report yet", severity="warning")
            return
        self.app.copy_to_clipboard(self.markdown)
        self.notify(f"report copied ({len(self.markdown.splitlines()):,} lines of Markdown)")

    def action_write(self) -> None:
        """``report.md`` in the current directory (never inside the repository being read;
        then ``$XDG_DATA_HOME/kvm-workbench``), written atomically."""
        from workbench.output import screenshot_dir, write_atomic

        if not self.markdown:
            self.notify("no report yet", severity="warning")
            return
        try:
            target = write_atomic(screenshot_dir(self.repo.path) / "report.md", self.markdown)
        except OSError as error:
            self.notify(f"report not written: {error.strerror or error}", severity="error",
                        markup=False)
            return
        self.notify(f"report written to {target}", markup=False)
