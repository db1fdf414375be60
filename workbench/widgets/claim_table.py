"""Provides ``ClaimTable``: every claim's verdict under both call orders, side by side.

One row per claim — ``claim | current | reversed | why`` — so a verdict the swap changes is
read across one line instead of compared between two tables, and the reason (the failure,
the rule that held, or why it is vacuous) is on screen as the CLI prints it. A claim whose
verdict differs between the orders is drawn bold. The title says how far each order's check
is, and that the verdicts are stale once an input changed after they were computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
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

ORDERS = ("current", "reversed")
VERDICT_STYLE = {"holds": "green", "fails": "bold red", "unknown": "yellow"}
#: Columns of the table; the verdict columns are named after the orders they show.
COLUMNS = ("claim", *ORDERS, "why")


def verdict_text(claim: ClaimResult) -> Text:
    """The verdict as the CLI words it, coloured by outcome."""
    from sim.render import verdict_text as label

    return Text(label(claim), style=VERDICT_STYLE.get(claim.verdict, ""))


def why_cell(claims: dict[str, ClaimResult]) -> str:
    """The CLI's 'why' of a claim, once when both orders agree, else per order."""
    from sim.render import why_text

    whys = {order: why_text(claim) for order, claim in claims.items()}
    if len(set(whys.values())) == 1:
        return next(iter(whys.values()))
    return " · ".join(f"{order}: {why}" for order, why in whys.items())


class ClaimTable(Vertical):
    """Title over a claim | current | reversed | why table."""

    ALLOW_MAXIMIZE = True
    """``O`` on the table maximizes it with its title."""

    results: var[dict[str, CheckResult]] = var(dict, always_update=True, init=False)
    """The finished checks of this run, by call order (a new dict on each arrival)."""
    stale: var[bool] = var(False, init=False)
    """An input changed since these verdicts were computed."""

    class Highlighted(Message):
        """The cursor is on a claim of one order (also when the table fills;
        ``has_focus_within`` tells whether the user put it there)."""

        def __init__(self, table: ClaimTable, order: str, claim: ClaimResult) -> None:
            super().__init__()
            self.table = table
            self.order = order
            self.claim = claim

        @property
        def control(self) -> ClaimTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.progress: dict[str, str] = {order: "not run" for order in ORDERS}

    def compose(self) -> ComposeResult:
        yield Static(self._title_text(), id="claims-title", classes="title")
        table: DataTable[object] = DataTable(id="claims", cursor_type="cell")
        yield table

    # -- a run's life ------------------------------------------------------------------------
    def start(self) -> None:
        """A new check of both orders began: empty table, "checking…" titles."""
        self.progress = {order: "checking…" for order in ORDERS}
        self.stale = False
        self.results = {}
        self.query_one(DataTable).clear(columns=True)

    def explored(self, order: str, states: int) -> None:
        """Progress of one order's running check."""
        self.progress[order] = f"{states:,} states…"
        self._update_title()

    def stop(self, why: str) -> None:
        """The check ended without (all) results: say why instead of "checking…"."""
        for order in ORDERS:
            if order not in self.results:
                self.progress[order] = why
        self._update_title()

    def finished(self, result: CheckResult) -> None:
        """One order's check finished."""
        stats = result.stats
        self.progress[result.profile.order] = f"{stats.states:,} states, depth {stats.depth}"
        self.results = {**self.results, result.profile.order: result}

    # -- drawing -----------------------------------------------------------------------------
    def _title_text(self) -> str:
        title = "   ".join(f"{order}: {self.progress[order]}" for order in ORDERS)
        return title + ("   — stale: inputs changed, r re-runs" if self.stale else "")

    def _update_title(self) -> None:
        self.query_one("#claims-title", Static).update(self._title_text())

    def watch_stale(self) -> None:
        self._update_title()

    def watch_results(self, results: dict[str, CheckResult]) -> None:
        self._update_title()
        if not results:
            return
        rows: list[tuple[RenderableType, ...]] = []
        ids = [claim.id for claim in next(iter(results.values())).claims]
        for claim_id in ids:
            claims = {order: results[order].claim(claim_id)
                      for order in ORDERS if order in results}
            verdicts = {claim.verdict for claim in claims.values()}
            differs = len(claims) == len(ORDERS) and len(verdicts) > 1
            verdicts_shown = [verdict_text(claims[order]) if order in claims else Text("…")
                              for order in ORDERS]
            rows.append((Text(claim_id, style="bold" if differs else ""), *verdicts_shown,
                         why_cell(claims)))
        table = self.query_one(DataTable)
        cursor = table.cursor_coordinate
        fill(table, COLUMNS, rows, keys=ids)
        table.cursor_coordinate = cursor

    def differing(self) -> list[str]:
        """The claims whose verdict the swap changes (both orders checked)."""
        if len(self.results) < len(ORDERS):
            return []
        current, swapped = (self.results[order] for order in ORDERS)
        return [claim.id for claim in current.claims
                if claim.verdict != swapped.claim(claim.id).verdict]

    def choice(self, row: int, column: int) -> tuple[str, ClaimResult] | None:
        """The order and claim a cell stands for: a verdict cell's own order; the claim and
        why cells pick the order that fails (the current one first), else the current."""
        if not self.results or row < 0:
            return None
        ids = [claim.id for claim in next(iter(self.results.values())).claims]
        if row >= len(ids):
            return None
        claims = {order: self.results[order].claim(ids[row])
                  for order in ORDERS if order in self.results}
        if 1 <= column <= len(ORDERS) and ORDERS[column - 1] in claims:
            order = ORDERS[column - 1]
        else:
            failing = [order for order, claim in claims.items() if claim.verdict == "fails"]
            order = (failing or list(claims))[0]
        return order, claims[order]

    @on(DataTable.CellHighlighted)
    def _highlighted(self, message: DataTable.CellHighlighted) -> None:
        message.stop()
        picked = self.choice(message.coordinate.row, message.coordinate.column)
        if picked is not None:
            self.post_message(self.Highlighted(self, *picked))
