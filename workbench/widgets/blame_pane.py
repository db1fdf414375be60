"""Provides ``BlamePane``: blame of a function's lines, with tig's "blame the parent" walk.

The pane keeps the walk itself: each parent blame pushes the one before it, and ``back``
returns to it, so the screen only asks git and hands over what git answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import var
from textual.widgets import Static

from history.results import Blame, BlameLine
from workbench.output import escape_controls
from workbench.widgets.table_fill import fill

if TYPE_CHECKING:  # imported when the pane is first composed: not at the History launch
    from textual.widgets import DataTable


class BlamePane(Vertical):
    """A title (range, revision, keys) over a table of commit, date, line and text."""

    ALLOW_MAXIMIZE = True
    """``O`` on the table maximizes it with its title."""

    blame: var[Blame | None] = var(None, always_update=True)
    """The blame shown; set through ``show`` so the title knows which commit it precedes."""

    class Shown(Message):
        """A blame is on screen; ``parent_of`` is set when it is the blame before that sha."""

        def __init__(self, pane: BlamePane, blame: Blame, parent_of: str | None) -> None:
            super().__init__()
            self.pane = pane
            self.blame = blame
            self.parent_of = parent_of

        @property
        def control(self) -> BlamePane:
            return self.pane

    class LineChosen(Message):
        """Enter on a line: show the commit that last changed it."""

        def __init__(self, pane: BlamePane, line: BlameLine) -> None:
            super().__init__()
            self.pane = pane
            self.line = line

        @property
        def control(self) -> BlamePane:
            return self.pane

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.parent_of: str | None = None
        self._before: list[tuple[Blame, int]] = []
        """The walk: each blame left by ``,``, with the row its cursor was on."""
        self._near: int | None = None

    def compose(self) -> ComposeResult:
        from textual.widgets import DataTable

        yield Static("", id="blame-title")
        table: DataTable[object] = DataTable(id="blame-table", cursor_type="row",
                                             zebra_stripes=True)
        yield table

    @property
    def table(self) -> DataTable[object]:
        from textual.widgets import DataTable

        return self.query_one("#blame-table", DataTable)

    def show(self, blame: Blame, parent_of: str | None = None, near: int | None = None) -> None:
        """Show ``blame``; with ``parent_of`` the one shown now is kept for ``back``, and the
        cursor goes to the line nearest ``near`` (tig keeps the line across ``,``)."""
        if parent_of is not None and self.blame is not None:
            self._before.append((self.blame, self.table.cursor_row))
        self.parent_of = parent_of
        self._near = near
        self.blame = blame

    def restart(self) -> None:
        """A fresh blame is coming: forget the walk."""
        self._before.clear()

    def back(self) -> bool:
        """Return to the blame before the last parent step (False when there is none)."""
        if not self._before:
            return False
        self.parent_of = None
        blame, row = self._before.pop()
        self._near = blame.lines[row].line if 0 <= row < len(blame.lines) else None
        self.blame = blame
        return True

    @property
    def line(self) -> BlameLine | None:
        """The line under the cursor."""
        if self.blame is None or not self.blame.lines:
            return None
        row = max(0, min(self.table.cursor_row, len(self.blame.lines) - 1))
        return self.blame.lines[row]

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        """Enter on a line (a handler by name: ``@on`` would need DataTable at import)."""
        message.stop()
        line = self.line
        if line is not None:
            self.post_message(self.LineChosen(self, line))

    def show_failure(self, text: Text) -> None:
        self.query_one("#blame-title", Static).update(text)

    def watch_blame(self, blame: Blame | None) -> None:
        if blame is None:
            return
        label = f"{blame.function}() " if blame.function else ""
        before = f" — before {self.parent_of[:12]}" if self.parent_of else ""
        self.query_one("#blame-title", Static).update(Text(escape_controls(
            f"{label}{blame.path}:{blame.start}-{blame.end} at {blame.rev[:12]}{before}"
            "   , parent  < back")))
        fill(self.table, ("commit", "date", "line", "text"),
             [(line.sha[:12], line.date[:10], str(line.line),
               Text(escape_controls(line.text.expandtabs(8)), no_wrap=True))
              for line in blame.lines], fixed={"text": 100})
        if self._near is not None and blame.lines:
            near = self._near
            row = min(range(len(blame.lines)), key=lambda i: abs(blame.lines[i].line - near))
            self.table.move_cursor(row=row, animate=False)
        self.post_message(self.Shown(self, blame, self.parent_of))
