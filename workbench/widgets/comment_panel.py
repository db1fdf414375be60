"""Provides the Comments mode's widgets: the comment list and the selected comment's panel.

``CommentList`` has one row per catalogued comment — ``comment | file:line | current |
reversed`` — so a verdict the swap changes reads across one line. ``CommentPanel`` shows the
selected comment's real text as the tree has it, what it assumes, and per call order the
verdict with, for an invalidated one, the shortest counterexample inline (the step that breaks
the claim marked ⇒). Both render workbench.comments result objects; nothing is computed here.
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

from workbench.output import escape_controls
from workbench.widgets.table_fill import fill

if TYPE_CHECKING:
    from workbench.comments import CommentResult, CommentsReport, OrderVerdict

VERDICT_STYLE = {"holds": "green", "invalidated": "bold red", "vacuous": "yellow",
                 "not-modelled": "dim", "absent": "dim italic"}


def verdict_text(verdict: OrderVerdict) -> Text:
    """The verdict cell as the CLI words it (workbench.comments.verdict_cell), coloured."""
    from workbench.comments import verdict_cell

    return Text(verdict_cell(verdict), style=VERDICT_STYLE[verdict.verdict])


class CommentList(Vertical):
    """Title over a comment | file:line | current | reversed table."""

    ALLOW_MAXIMIZE = True

    report: var[CommentsReport | None] = var(None, init=False)
    status: var[str] = var("checking…", init=False)
    """What the title says while no report is shown (progress, cancelled, failure)."""

    class Highlighted(Message):
        """The cursor moved to a comment."""

        def __init__(self, widget: CommentList, comment: CommentResult) -> None:
            super().__init__()
            self.widget = widget
            self.comment = comment

        @property
        def control(self) -> CommentList:
            return self.widget

    class Chosen(Highlighted):
        """Enter on a comment: open its counterexample."""

    def compose(self) -> ComposeResult:
        yield Static("Comments — checking…", id="comments-title", classes="title")
        table: DataTable[object] = DataTable(id="comment-table", cursor_type="row")
        yield table

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#comment-table", DataTable)

    @property
    def current(self) -> CommentResult | None:
        """The highlighted comment."""
        report = self.report
        row = self.table.cursor_row
        if report is None or not 0 <= row < len(report.comments):
            return None
        return report.comments[row]

    def watch_status(self) -> None:
        self._title()

    def watch_report(self, report: CommentsReport | None) -> None:
        self._title()
        if report is None:
            self.table.clear(columns=True)
            return
        rows = [(c.entry.id, c.where, verdict_text(c.verdict("current")),
                 verdict_text(c.verdict("reversed"))) for c in report.comments]
        fill(self.table, ("comment", "file:line", "current", "reversed"), rows,
             keys=[c.entry.id for c in report.comments])

    def _title(self) -> None:
        report = self.report
        if report is None:
            text = f"Comments — {self.status}"
        else:
            broken = {o: len(report.invalidated(o)) for o in ("current", "reversed")}
            text = (f"Comments at {report.rev} ({report.era}): invalidated current"
                    f" {broken['current']}, reversed {broken['reversed']}")
        self.query_one("#comments-title", Static).update(Text(text))

    def select(self, entry_id: str) -> bool:
        """Move the cursor to one catalog id; False when it is not listed."""
        report = self.report
        ids = [c.entry.id for c in report.comments] if report is not None else []
        if entry_id not in ids:
            return False
        self.table.move_cursor(row=ids.index(entry_id))
        return True

    @on(DataTable.RowHighlighted, "#comment-table")
    def _highlighted(self, message: DataTable.RowHighlighted) -> None:
        message.stop()
        comment = self.current
        if comment is not None:
            self.post_message(self.Highlighted(self, comment))

    @on(DataTable.RowSelected, "#comment-table")
    def _selected(self, message: DataTable.RowSelected) -> None:
        message.stop()
        comment = self.current
        if comment is not None:
            self.post_message(self.Chosen(self, comment))


class CommentPanel(Static):
    """The selected comment: real text and location, assumption, verdict per order."""

    comment: var[CommentResult | None] = var(None, init=False)

    def watch_comment(self, comment: CommentResult | None) -> None:
        self.update(render_comment(comment))


def render_comment(comment: CommentResult | None) -> Text:
    """The panel's text: header, the comment as the tree has it, then both orders."""
    text = Text()
    if comment is None:
        text.append("select a comment", style="dim")
        return text
    entry = comment.entry
    text.append(f"{entry.id}", style="bold")
    text.append(f"  {comment.where}  {entry.anchor.symbol} [{', '.join(entry.facts)}]\n",
                style="dim")
    if comment.found.text is None:
        text.append(f"the comment is missing at {comment.rev}: no '{entry.anchor.phrase}'"
                    f" at {entry.anchor.symbol} in {entry.anchor.path}\n", style="italic")
    else:
        text.append(escape_controls(comment.found.text) + "\n", style="cyan")
    text.append("assumes: ", style="bold")
    text.append(entry.assumption + "\n")
    if entry.claims:
        text.append(f"claims: {', '.join(entry.claims)}\n", style="dim")
    for verdict in comment.verdicts:
        text.append(f"\n{verdict.order}: ", style="bold")
        text.append_text(verdict_text(verdict))
        text.append(f" — {verdict.why}\n")
        for step in verdict.trace:
            last = step.index == verdict.step
            style = "bold red" if last else ""
            text.append(f" {'⇒' if last else ' '}{step.index:>2}. {step.event.name}",
                        style=style)
            text.append(f"  {step.event.function} [{step.event.fact}]\n", style="dim")
        if verdict.trace:
            text.append(f"    enter opens step {verdict.step} in the Simulator"
                        f" ({verdict.arch}, {verdict.claim})\n", style="dim")
    return text
