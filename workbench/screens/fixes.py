"""Provides the Fixes screen: the thread's fixes ranked, each one's matrix, each cell's trace.

The screen computes nothing: a thread worker calls ``workbench.fixes.judge`` (``S``:
``search``) — the same calls as ``kvm-workbench fixes`` — with a progress bar and ``z`` to
cancel, and posts the ``FixReport``. The ranked list is on top; the highlighted fix's
explanation beside it; ``enter`` opens its matrix below: every cell that fails under the fix
or under no-change (the rest hold in both and are counted, not listed). The highlighted cell's
shortest trace is shown; ``enter`` on it asks the app to open it in the Simulator
(``CounterexampleRequested``) when the Simulator can run that profile — a current or reversed
order, no hook, no feature change — and otherwise says why not, the trace staying here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from workbench.messages import CounterexampleRequested
from workbench.screens.layout import apply_size_classes
from workbench.widgets.key_footer import KeyFooter
from workbench.widgets.text_view import TextView

if TYPE_CHECKING:
    from workbench.fixes import FixCell, FixReport, FixResult


@dataclass
class FixesProgress(Message):
    """Checks done so far."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FixesProgress)


@dataclass
class FixesReady(Message):
    """Every fix judged and ranked (``conclusion`` is the search's, '' for the catalog)."""

    report: FixReport
    conclusion: str


@dataclass
class FixesFailed(Message):
    """The checks could not run (one line), or were cancelled."""

    reason: str


_STATUS_STYLE = {"regression": "bold red", "closed": "green", "same": ""}
_VERDICT_STYLE = {"fails": "bold red", "holds": "green", "vacuous": "yellow"}


def simulator_order(result: FixResult, cell: FixCell) -> str | None:
    """The Simulator order that runs ``cell`` under ``result``'s fix (its hooks, features and
    toggles go with the request), or None when the Simulator cannot express the fix's step
    list (an order other than the kernel's or the swap)."""
    from sim.fixes import SWAPPED

    fix = result.fix
    if not fix.steps:
        return "current"
    return "reversed" if fix.steps == SWAPPED else None


class FixesScreen(Screen[None]):
    """The Fixes mode: which proposal closes every SE path without breaking anything."""

    CSS_PATH = "fixes.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", id="fixes.run", tooltip="judge the shipped fixes again"),
        Binding("S", "search", "Search", id="fixes.search",
                tooltip="every step order and hook placement (minutes on two cores)"),
        Binding("z", "cancel", "Cancel", id="fixes.cancel"),
        Binding("escape", "back", "Back", id="fixes.back", tooltip="from the matrix to the list"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: FixReport | None = None
        self.shown: FixResult | None = None
        self.cells: list[FixCell] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="fixes-status")
        yield ProgressBar(id="fixes-progress", show_eta=False)
        with Horizontal(id="fixes-top"):
            yield DataTable(id="fixes-list", cursor_type="row")
            yield TextView(id="fixes-why", wrap=True)
        with Horizontal(id="fixes-bottom"):
            yield DataTable(id="fixes-cells", cursor_type="row")
            yield TextView(id="fixes-trace", wrap=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#fixes-list", DataTable)
        table.add_columns("#", "fix", "complete", "closes", "regress", "size")
        cells = self.query_one("#fixes-cells", DataTable)
        cells.add_columns("arch era userspace", "claim", "no-change → fix", "status")
        self.action_run()
        table.focus()

    def on_resize(self, event: events.Resize) -> None:
        apply_size_classes(self, event.size)

    # -- running -------------------------------------------------------------------------------
    def action_run(self) -> None:
        self._start("judging the shipped fixes…")
        self.judge_fixes(False)

    def action_search(self) -> None:
        self._start("searching every placement…")
        self.judge_fixes(True)

    def _start(self, status: str) -> None:
        self.query_one("#fixes-status", Static).update(status)
        self.query_one(ProgressBar).update(total=None, progress=0)

    def action_cancel(self) -> None:
        for worker in self.workers:
            if worker.group == "fixes":
                worker.cancel()

    @work(thread=True, exclusive=True, group="fixes", exit_on_error=False,
          description="judging fixes")
    def judge_fixes(self, searching: bool) -> None:
        from sim.errors import CheckCancelled, SimError
        from sim.fixes import CATALOG
        from workbench.fixes import judge, search

        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            self.post_message(FixesProgress(done, total))

        try:
            if searching:
                found = search(progress=progress, cancelled=lambda: worker.is_cancelled)
                self.post_message(FixesReady(found.report, found.conclusion()))
            else:
                report = judge(CATALOG, progress=progress,
                               cancelled=lambda: worker.is_cancelled)
                self.post_message(FixesReady(report, ""))
        except CheckCancelled:
            self.post_message(FixesFailed("checks cancelled"))
        except SimError as error:
            self.post_message(FixesFailed(str(error)))

    def on_fixes_progress(self, message: FixesProgress) -> None:
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)
        self.query_one("#fixes-status", Static).update(
            f"checking: {message.done:,} of {message.total:,} profiles")

    def on_fixes_ready(self, message: FixesReady) -> None:
        report = self.report = message.report
        figures = report.figures
        complete = report.complete()
        summary = (message.conclusion or (
            f"complete: {', '.join(r.fix.name for r in complete)}" if complete
            else "no fix is complete"))
        self.query_one("#fixes-status", Static).update(
            f"{summary} — {figures.candidates} fixes, {figures.requests:,} checks"
            f" ({figures.unique:,} distinct); enter opens a fix's matrix")
        self.query_one(ProgressBar).update(total=1, progress=1)
        table = self.query_one("#fixes-list", DataTable)
        table.clear()
        for result in report.results:
            table.add_row(str(result.rank), result.fix.name,
                          Text("yes", style="bold green") if result.complete
                          else Text("no", style="red"),
                          str(len(result.closed)),
                          Text(str(len(result.regressions)),
                               style="bold red" if result.regressions else ""),
                          str(result.fix.size), key=result.fix.name)
        if report.results:
            self._explain(report.results[0])
            self._fill_cells(report.results[0])

    def on_fixes_failed(self, message: FixesFailed) -> None:
        cancelled = "cancel" in message.reason
        self.query_one("#fixes-status", Static).update(
            Text(message.reason, style="yellow" if cancelled else "bold red"))
        self.notify(message.reason, markup=False, severity="warning" if cancelled else "error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected error ends the run on screen, not in a stuck status line."""
        if event.worker.group == "fixes" and event.state == WorkerState.ERROR:
            self.post_message(FixesFailed(f"the checks failed: {event.worker.error}"))

    # -- the list, the explanation and the matrix ---------------------------------------------
    def _result(self, key: str | None) -> FixResult | None:
        return self.report.result(key) if self.report is not None and key else None

    @on(DataTable.RowHighlighted, "#fixes-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        result = self._result(event.row_key.value)
        if result is not None:
            self._explain(result)
            self._fill_cells(result)

    @on(DataTable.RowSelected, "#fixes-list")
    def _selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a fix opens its matrix."""
        cells = self.query_one("#fixes-cells", DataTable)
        self.add_class("-matrix")
        cells.focus()
        if not self.cells:
            self.notify("every cell holds under this fix and under no-change")

    def _explain(self, result: FixResult) -> None:
        fix = result.fix
        text = Text()
        text.append(f"#{result.rank} {fix.name}", style="bold")
        text.append(f" — {fix.title}\n")
        text.append(f"proposed by {fix.proposer}; rests on {', '.join(fix.facts)}\n",
                    style="dim")
        text.append("changes: " + "; ".join(fix.changes()) + "\n")
        for sentence in result.explanation:
            style = "green" if sentence.startswith("Complete") else \
                "red" if sentence.startswith("Not complete") else ""
            text.append(sentence + "\n", style=style)
        if fix.evidence:
            text.append(fix.evidence + "\n", style="dim")
        self.query_one("#fixes-why", TextView).text = text

    def _fill_cells(self, result: FixResult) -> None:
        """The matrix rows worth reading: a failure under either, regressions first."""
        self.shown = result
        order = {"regression": 0, "closed": 1, "same": 2}
        eras = {era: index for index, era in enumerate(self.report.eras if self.report else ())}
        self.cells = sorted((c for c in result.cells
                             if c.verdict == "fails" or c.baseline == "fails"),
                            key=lambda c: (order[c.status], c.arch != "s390", c.arch,
                                           c.claim, c.userspace, eras.get(c.era, 0)))
        table = self.query_one("#fixes-cells", DataTable)
        table.clear()
        for index, cell in enumerate(self.cells):
            verdicts = Text(cell.baseline, style=_VERDICT_STYLE[cell.baseline])
            verdicts.append(" → ")
            verdicts.append(cell.verdict, style=_VERDICT_STYLE[cell.verdict])
            where = cell.where() + (f" (as {cell.ran_as})" if cell.ran_as else "")
            table.add_row(where, cell.claim, verdicts,
                          Text(cell.status, style=_STATUS_STYLE[cell.status]),
                          key=str(index))
        quiet = len(result.cells) - len(self.cells)
        self.query_one("#fixes-cells", DataTable).border_title = (
            f"{result.fix.name}: {len(self.cells)} cells fail under it or no-change;"
            f" {quiet} hold in both")
        self._show_trace(self.cells[0] if self.cells else None)

    @on(DataTable.RowHighlighted, "#fixes-cells")
    def _cell_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_trace(self._cell(event.row_key.value))

    def _cell(self, key: str | None) -> FixCell | None:
        return self.cells[int(key)] if key is not None and key.isdigit() \
            and int(key) < len(self.cells) else None

    def _show_trace(self, cell: FixCell | None) -> None:
        from workbench.report import trace_lines

        view = self.query_one("#fixes-trace", TextView)
        if cell is None:
            view.text = Text("no failing cell", style="dim")
            return
        failing = cell.run if cell.verdict == "fails" else cell.base
        whose = "the fix" if cell.verdict == "fails" else "no-change"
        text = Text()
        text.append(f"{cell.claim} on {cell.where()} under {whose}: ", style="bold")
        text.append((failing["reason"] or "fails") + "\n", style="red")
        text.append("\n".join(trace_lines(failing)) + "\n")
        view.text = text

    @on(DataTable.RowSelected, "#fixes-cells")
    def _cell_selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a cell: its trace in the Simulator, at the step that breaks it."""
        cell = self._cell(event.row_key.value)
        result = self.shown
        if cell is None or result is None:
            return
        if cell.verdict == "fails":
            order = simulator_order(result, cell)
            run, userspace = cell.run, cell.ran_as or cell.userspace
        else:  # a closed path: the failure no-change has
            order, run, userspace = "current", cell.base, cell.userspace
        if order is None:
            self.notify(f"the Simulator shows the kernel's order and the swap, not"
                        f" {result.fix.name}'s step list: its trace is shown here",
                        severity="warning", markup=False)
            return
        fix = result.fix if cell.verdict == "fails" else None
        self.app.post_message(CounterexampleRequested(
            cell.arch, cell.era, userspace, order, cell.claim, len(run["trace"]),
            fix=fix.name if fix is not None and (fix.hooks or fix.features or fix.toggles)
            else "", hooks=fix.hooks if fix else (), features=fix.features if fix else (),
            toggles=fix.toggles if fix else ()))

    def action_back(self) -> None:
        self.remove_class("-matrix")
        self.query_one("#fixes-list", DataTable).focus()
