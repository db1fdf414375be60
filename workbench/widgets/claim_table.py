"""Provides ``ClaimTable``: the verdict of every claim under one call order.

The title says how far the check is (states explored so far, then the search's size); the
table fills when the check of that order finishes.
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
    from sim.result import CheckResult, ClaimResult

VERDICT_STYLE = {"holds": "green", "fails": "bold red", "unknown": "yellow"}


def verdict_text(claim: ClaimResult) -> Text:
    """The verdict as the CLI words it, coloured by outcome."""
    from sim.render import verdict_text as label

    return Text(label(claim), style=VERDICT_STYLE.get(claim.verdict, ""))


class ClaimTable(Vertical):
    """Title over a claim | verdict table for the order ``order``."""

    result: var[CheckResult | None] = var(None, always_update=True)
    """The finished check of this order (None while it runs or before the first run)."""
    explored: var[int] = var(0, always_update=True)
    """States explored so far by the running check."""

    class Highlighted(Message):
        """The cursor is on a claim (also when the table fills; ``has_focus_within`` tells
        whether the user put it there)."""

        def __init__(self, table: ClaimTable, claim: ClaimResult) -> None:
            super().__init__()
            self.table = table
            self.claim = claim

        @property
        def control(self) -> ClaimTable:
            return self.table

    def __init__(self, order: str) -> None:
        super().__init__(classes="order")
        self.order = order

    def compose(self) -> ComposeResult:
        yield Static(self.order, id=f"title-{self.order}", classes="title")
        table: DataTable[object] = DataTable(id=f"claims-{self.order}", cursor_type="row")
        yield table

    def start(self) -> None:
        """A new check of this order began: empty table, "checking…" title."""
        self.result = None
        self.query_one(DataTable).clear()
        self._title(f"{self.order}: checking…")

    def stop(self, why: str) -> None:
        """The check of this order ended without a result: say why instead of "checking…"."""
        if self.result is None:
            self._title(f"{self.order}: {why}")

    def watch_explored(self, states: int) -> None:
        self._title(f"{self.order}: {states:,} states…")

    def watch_result(self, result: CheckResult | None) -> None:
        if result is None:
            return
        stats = result.stats
        self._title(f"{self.order}: {stats.states:,} states, {stats.transitions:,} transitions, "
                    f"depth {stats.depth}")
        fill(self.query_one(DataTable), ("claim", "verdict"),
             [(claim.id, verdict_text(claim)) for claim in result.claims],
             keys=[claim.id for claim in result.claims])

    def _title(self, text: str) -> None:
        self.query_one(f"#title-{self.order}", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, message: DataTable.RowHighlighted) -> None:
        message.stop()
        key = message.row_key.value
        if self.result is not None and key is not None:
            self.post_message(self.Highlighted(self, self.result.claim(str(key))))
