"""Provides ``StepTable``: one claim's counterexample, a row per step in kernel vocabulary.

Each step names the event, the kernel function that performs it and the kernel-facts id it
rests on; enter on a step asks for that function's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Static

from workbench.widgets.table_fill import fill

if TYPE_CHECKING:
    from sim.result import ClaimResult, TraceStep


class StepTable(Vertical):
    """Title (claim, order, verdict, assumptions) over a # | event | function | fact table."""

    shown: var[tuple[str, ClaimResult] | None] = var(None, always_update=True)
    """The order and claim whose counterexample is listed."""

    class StepMessage(Message):
        """A message about one step of the table's counterexample."""

        def __init__(self, table: StepTable, step: TraceStep) -> None:
            super().__init__()
            self.table = table
            self.step = step

        @property
        def control(self) -> StepTable:
            return self.table

    class Highlighted(StepMessage):
        """The cursor moved to a step."""

    class Opened(StepMessage):
        """Enter was pressed on a step: show the history of its function."""

    def compose(self) -> ComposeResult:
        yield Static("Counterexample — select a failing claim", id="trace-title",
                     classes="title")
        steps: DataTable[object] = DataTable(id="steps", cursor_type="row")
        yield steps

    @property
    def trace(self) -> tuple[TraceStep, ...]:
        return self.shown[1].trace if self.shown is not None else ()

    def watch_shown(self, shown: tuple[str, ClaimResult] | None) -> None:
        from sim.render import verdict_text as verdict_label  # the CLI's words

        if shown is None:
            self.query_one("#trace-title", Static).update(
                "Counterexample — select a failing claim")
            self.query_one(DataTable).clear()
            return
        order, claim = shown
        steps_note = f", {len(claim.trace)} steps" if claim.trace else ""
        self.query_one("#trace-title", Static).update(
            f"{claim.id} under {order}: {verdict_label(claim)}{steps_note}"
            f"   assumes: {', '.join(claim.assumes) or 'nothing'}")
        fill(self.query_one(DataTable), ("#", "event", "function", "fact"),
             [(str(step.index), step.event.name, step.event.function, step.event.fact)
              for step in claim.trace])

    def _step(self, row: int) -> TraceStep | None:
        return self.trace[row] if 0 <= row < len(self.trace) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, message: DataTable.RowHighlighted) -> None:
        message.stop()
        step = self._step(message.cursor_row)
        if step is not None:
            self.post_message(self.Highlighted(self, step))

    @on(DataTable.RowSelected)
    def _selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        step = self._step(message.cursor_row)
        if step is not None:
            self.post_message(self.Opened(self, step))
