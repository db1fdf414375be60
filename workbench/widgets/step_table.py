"""Provides ``StepTable``: one claim's counterexample, a row per step in kernel vocabulary.

Each step names the event, the kernel function that performs it and the kernel-facts id it
rests on; enter on a step asks for that function's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
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

    ALLOW_MAXIMIZE = True
    """``O`` on the table maximizes it with its title."""

    shown: var[tuple[str, ClaimResult] | None] = var(None, always_update=True)
    """The order and claim whose counterexample is listed."""
    stale: var[bool] = var(False, init=False)
    """An input changed since this counterexample was found."""

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
        self._update_title()
        if shown is None:
            self.query_one(DataTable).clear(columns=True)
            return
        _, claim = shown
        last = len(claim.trace)
        rows = []
        for step in claim.trace:
            # the step whose state breaks the claim: the end of a shortest counterexample
            style = "bold red" if step.index == last else ""
            mark = "⇒" if step.index == last else " "
            rows.append((Text(f"{mark}{step.index}", style=style),
                         Text(step.event.name, style=style), step.event.function,
                         step.event.fact))
        fill(self.query_one(DataTable), ("#", "event", "function", "fact"), rows)

    def watch_stale(self) -> None:
        self._update_title()

    def _update_title(self) -> None:
        """Claim, order, verdict and the reason on the first line; what it assumes next."""
        from sim.render import verdict_text as verdict_label  # the CLI's words
        from sim.render import why_text

        title = Text()
        if self.shown is None:
            title.append("Counterexample — select a failing claim")
        else:
            order, claim = self.shown
            if self.stale:
                title.append("[stale] ", style="yellow")
            title.append(f"{claim.id} under {order}: ")
            title.append(verdict_label(claim),
                         style="bold red" if claim.verdict == "fails" else "green")
            title.append(f" — {why_text(claim)}")
            if claim.trace:
                title.append(f" ({len(claim.trace)} steps)")
            title.append(f"\nassumes: {', '.join(claim.assumes) or 'nothing'}", style="dim")
        self.query_one("#trace-title", Static).update(title)

    @property
    def breaks(self) -> str:
        """What the last step of the shown counterexample breaks, in the CLI's words."""
        if self.shown is None or not self.shown[1].trace:
            return ""
        return f"{self.shown[1].id}: {self.shown[1].reason}"

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
