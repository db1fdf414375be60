"""Provides the Comments mode's widgets: the comment list and the selected comment's panel.

``CommentList`` has one row per catalogued comment — ``comment | current | reversed |
file:line`` — so a verdict the swap changes reads across one line, and on a narrow terminal
the location (which the panel repeats) is what gets cut. ``CommentPanel`` shows the
selected comment's real text as the tree has it, what it assumes, and per call order the
verdict with, for an invalidated one, the shortest counterexample inline (the step that breaks
the claim marked ⇒). Both render workbench.comments result objects; nothing is computed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable, Static

from workbench.output import escape_controls
from workbench.widgets.table_fill import fill

if TYPE_CHECKING:
    from workbench.comments import CommentResult, CommentsReport, OrderVerdict

ORDERS = ("current", "reversed")
VERDICT_STYLE = {"holds": "green", "invalidated": "bold red", "vacuous": "yellow",
                 "not-modelled": "dim", "absent": "dim italic"}


def verdict_text(verdict: OrderVerdict) -> Text:
    """The verdict cell as the CLI words it (workbench.comments.verdict_cell), coloured."""
    from workbench.comments import verdict_cell

    return Text(verdict_cell(verdict), style=VERDICT_STYLE[verdict.verdict])


def cell(verdict: OrderVerdict) -> Text:
    """The list's cell: the label alone (the panel names the arch that decided it)."""
    return Text(verdict.label, style=VERDICT_STYLE[verdict.verdict])


def comment_lines(text: str) -> str:
    """The comment as written, its indentation (a tab inside a function) taken off, so
    that the ``*`` column lines up under ``/*`` however deep the comment sat."""
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line if line.startswith("/") else f" {line}" for line in lines)


class CommentList(Vertical):
    """Title over a comment | current | reversed | file:line table."""

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
        rows = [(c.entry.id, cell(c.verdict("current")), cell(c.verdict("reversed")), c.where)
                for c in report.comments]
        fill(self.table, ("comment", "current", "reversed", "file:line"), rows,
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


class CommentPanel(VerticalScroll):
    """The selected comment: where it is and both verdicts in one line, its real text and
    assumption, then the two orders side by side (stacked on a narrow screen), each with its
    verdict, why, and for an invalidated one the shortest trace."""

    ALLOW_MAXIMIZE = True
    comment: var[CommentResult | None] = var(None, init=False)

    def compose(self) -> ComposeResult:
        yield Static(Text("select a comment", style="dim"), id="comment-head")
        yield Static("", id="comment-text")
        with Horizontal(id="comment-orders"):
            for order in ORDERS:
                yield Static("", id=f"order-{order}", classes="order")

    def watch_comment(self, comment: CommentResult | None) -> None:
        head, body = render_comment(comment)
        self.query_one("#comment-head", Static).update(head)
        self.query_one("#comment-text", Static).update(body)
        for order in ORDERS:
            self.query_one(f"#order-{order}", Static).update(
                render_order(comment.verdict(order)) if comment is not None else "")
        self.scroll_home(animate=False)

    def plain(self) -> str:
        """Everything the panel shows, as plain text (what a test or a screen reader reads)."""
        return "\n".join(str(static.render()) for static in self.query(Static))


def render_comment(comment: CommentResult | None) -> tuple[Text, Text]:
    """The panel's head (id, location, both verdicts) and body (the comment as the tree has
    it, what it assumes, the claims encoding that)."""
    head, body = Text(), Text()
    if comment is None:
        head.append("select a comment", style="dim")
        return head, body
    entry = comment.entry
    head.append(f"{entry.id}", style="bold")
    head.append(f"  {comment.where}  {entry.anchor.symbol} [{', '.join(entry.facts)}]\n",
                style="dim")
    for number, verdict in enumerate(comment.verdicts):
        head.append(" · " if number else "")
        head.append(f"{verdict.order} ")
        head.append_text(verdict_text(verdict))
    if comment.found.text is None:
        body.append(f"the comment is missing at {comment.rev}: no '{entry.anchor.phrase}'"
                    f" at {entry.anchor.symbol} in {entry.anchor.path}\n", style="italic")
    else:
        body.append(escape_controls(comment_lines(comment.found.text)) + "\n", style="cyan")
    body.append("assumes: ", style="bold")
    body.append(entry.assumption)
    if entry.claims:
        body.append(f"\nclaims: {', '.join(entry.claims)}", style="dim")
    return head, body


def render_order(verdict: OrderVerdict) -> Text:
    """One order: its verdict and why, and an invalidated one's trace (⇒ the breaking step)."""
    text = Text()
    text.append(f"{verdict.order}: ", style="bold")
    text.append_text(verdict_text(verdict))
    text.append(f"\n{verdict.why}" if verdict.why != "-" else "")
    for step in verdict.trace:
        last = step.index == verdict.step
        text.append(f"\n{'⇒' if last else ' '}{step.index:>2}. {step.event.name}",
                    style="bold red" if last else "")
        text.append(f"  {step.event.function} [{step.event.fact}]", style="dim")
    if verdict.trace:
        text.append(f"\nenter (o) opens step {verdict.step} in the Simulator"
                    f" ({verdict.arch}, {verdict.claim})", style="dim")
    return text
