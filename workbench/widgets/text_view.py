"""Provides ``TextView``: styled text that scrolls, drawn one line at a time (the Line API).

A patch can run to tens of thousands of lines. A ``Static`` lays out and renders all of them
on every update; here the text is split into lines once, and only the lines inside the
scroll window are rendered. Long lines scroll horizontally (``left``/``right``), or, after
``w``, wrap at the pane's width (wrapped once per width, not per frame).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
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
    TextLines { height: auto; width: auto; min-width: 100%; text-wrap: nowrap; }
    TextLines.-wrap { width: 100%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Content] = [Content()]
        self._widest = 0
        self._wrapped: tuple[int, list[Content]] | None = None
        """The lines wrapped at a width, kept until the width or the text changes."""

    @property
    def lines(self) -> list[Content]:
        """The text's lines as written (unwrapped)."""
        return self._lines

    @lines.setter
    def lines(self, lines: list[Content]) -> None:
        self._lines = lines
        self._widest = max((line.cell_length for line in lines), default=0)
        self._wrapped = None

    @property
    def wrap(self) -> bool:
        return self.has_class("-wrap")

    def shown(self, width: int) -> list[Content]:
        """The lines as drawn ``width`` wide: as written, or wrapped."""
        if not self.wrap or width <= 0:
            return self._lines
        if self._wrapped is None or self._wrapped[0] != width:
            wrapped = [part for line in self._lines
                       for part in (line.wrap(width) if line.cell_length > width else [line])]
            self._wrapped = (width, wrapped)
        return self._wrapped[1]

    def render(self) -> Content:
        """All the text as one ``Content`` (for readers; the screen is drawn line by line)."""
        return Content("\n").join(self._lines)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width if self.wrap else self._widest

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.shown(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self.shown(width)
        if y >= len(lines):
            return Strip.blank(width, self.visual_style.rich_style)
        line = lines[y]
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


class TextView(ScrollableContainer):
    """Read-only text that scrolls both ways; ``j``/``k`` and ``space``/``b`` scroll it as
    in tig and less, ``w`` wraps long lines instead."""

    DEFAULT_CSS = """
    TextView { overflow: auto auto; }
    """
    ALLOW_MAXIMIZE = True
    """``O`` gives a long patch or trace the whole screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "toggle_wrap", "Wrap", show=False, id="text.wrap"),
        Binding("j", "scroll_down", "Down", show=False, id="text.down"),
        Binding("k", "scroll_up", "Up", show=False, id="text.up"),
        Binding("space", "page_down", "Page down", show=False, id="text.pagedown"),
        Binding("b", "page_up", "Page up", show=False, id="text.pageup"),
    ]

    text: var[Text] = var(Text, always_update=True)
    """What the view shows; every assignment re-splits it into lines."""

    def __init__(self, *, id: str | None = None, wrap: bool = False) -> None:
        super().__init__(id=id)
        self._wrap = wrap

    def compose(self) -> ComposeResult:
        lines = TextLines(id=f"{self.id}-body" if self.id else None)
        lines.set_class(self._wrap, "-wrap")
        yield lines

    def watch_text(self, text: Text) -> None:
        lines = self.query_one(TextLines)
        content = Content.from_rich_text(text, console=self.app.console)
        # allow_blank: a trailing newline is a blank last line, as a Static shows it
        lines.lines = content.split("\n", allow_blank=True)
        lines.refresh(layout=True)

    def action_toggle_wrap(self) -> None:
        lines = self.query_one(TextLines)
        lines.toggle_class("-wrap")
        lines.refresh(layout=True)

    @property
    def plain(self) -> str:
        """The text without styles, as a reader of the screen sees it."""
        return "\n".join(line.plain for line in self.query_one(TextLines).lines)

    def show_failure(self, note: Text) -> None:
        """Replace the text with a one-line note saying why it could not be read."""
        self.text = note
