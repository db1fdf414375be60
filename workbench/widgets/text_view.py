"""Provides ``TextView``: styled text that scrolls, drawn one line at a time (the Line API).

A patch can run to tens of thousands of lines. A ``Static`` lays out and renders all of them
on every update; here the text is split into lines once, and only the lines inside the
scroll window are rendered, with the same look (no wrapping, an ellipsis where a line is cut).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.reactive import var
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widgets import Static


class TextLines(Static):
    """The text's lines; the scrolling parent asks only for the ones it shows.

    A ``Static`` only so that code reading a pane as a ``Static`` (``render()``) still gets
    its text: drawing never goes through ``render()``, ``update()`` is never called.
    """

    DEFAULT_CSS = """
    TextLines { height: auto; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Content] = [Content()]

    def render(self) -> Content:
        """All the text as one ``Content`` (for readers; the screen is drawn line by line)."""
        return Content("\n").join(self.lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self.lines):
            return Strip.blank(width, self.visual_style.rich_style)
        line = self.lines[y]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            selected = Style.from_styles(self.screen.get_component_styles("screen--selection"))
            line = line.stylize(selected, start, len(line) if end == -1 else end)
        strips = Visual.to_strips(self, line, width, 1, self.visual_style, apply_selection=False)
        if not strips:
            return Strip.blank(width, self.visual_style.rich_style)
        return strips[0].apply_offsets(0, y)  # where a mouse selection starts and ends

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract("\n".join(line.plain for line in self.lines)), "\n"


class TextView(VerticalScroll):
    """Read-only text that scrolls vertically; long lines end in an ellipsis. ``j``/``k``
    and ``space``/``b`` scroll it as in tig and less."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False, id="text.down"),
        Binding("k", "scroll_up", "Up", show=False, id="text.up"),
        Binding("space", "page_down", "Page down", show=False, id="text.pagedown"),
        Binding("b", "page_up", "Page up", show=False, id="text.pageup"),
    ]

    text: var[Text] = var(Text, always_update=True)
    """What the view shows; every assignment re-splits it into lines."""

    def compose(self) -> ComposeResult:
        yield TextLines(id=f"{self.id}-body" if self.id else None)

    def watch_text(self, text: Text) -> None:
        lines = self.query_one(TextLines)
        content = Content.from_rich_text(text, console=self.app.console)
        # allow_blank: a trailing newline is a blank last line, as a Static shows it
        lines.lines = content.split("\n", allow_blank=True)
        lines.refresh(layout=True)

    @property
    def plain(self) -> str:
        """The text without styles, as a reader of the screen sees it."""
        return "\n".join(line.plain for line in self.query_one(TextLines).lines)

    def show_failure(self, note: Text) -> None:
        """Replace the text with a one-line note saying why it could not be read."""
        self.text = note
