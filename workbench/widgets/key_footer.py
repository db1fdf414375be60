"""Provides ``KeyFooter``: the keys of the active bindings on one line, drawn as one Text.

Textual's Footer is a container of one widget per key (a dozen here), each styled, laid out
and rendered on its own, and recomposed on every bindings signal of its screen. At launch
that was the largest part of our cost above an empty app after git itself. This widget
draws the same line (Footer's look: the same theme variables, key and description padding,
the command palette key docked right behind a ``vkey`` border, disabled keys dim) as a
single Text, and repaints only when what it shows changes: a focus move that brings only
hidden bindings (the commit list's) costs a comparison. A click on a key presses it (a bell
if it is disabled), as on Footer; the mouse over a key highlights it and shows its tooltip.
Unlike Footer it does not scroll sideways: on a narrow terminal the disabled keys (the mode
on screen) and quit give way first, and what still does not fit is cut; it draws the keys of a
binding group (we have none) one by one, not under the group's description.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class FooterEntry(NamedTuple):
    """One key as shown: what a click presses, and the text of its two parts."""

    key: str
    """The key a click simulates (the binding's first key)."""
    display: str
    """The key as the app displays it (``^q``, ``/``), keymaps applied."""
    description: str
    action: str
    enabled: bool
    tooltip: str


def entry_width(entry: FooterEntry, compact: bool = False) -> int:
    """Cells one key takes as drawn: `` k desc `` (compact ``k desc ``) or the bare key."""
    if not entry.description:
        return cell_len(entry.display)
    return cell_len(entry.display) + cell_len(entry.description) + (2 if compact else 3)


#: Actions given up first when the keys do not fit: shown but disabled (the mode already on
#: screen), then quit (Q and ctrl+q are what every TUI uses; help lists them).
_GIVE_UP_FIRST = ("quit",)


def fit(keys: tuple[FooterEntry, ...], room: int) -> tuple[tuple[FooterEntry, ...], bool]:
    """The keys that fit ``room`` cells, in their order, and whether they are drawn compact
    (no space before the key): on an 80-column terminal the disabled keys and quit go, then
    the spacing, before anything is cut at the edge."""
    def total(entries: tuple[FooterEntry, ...], compact: bool = False) -> int:
        return sum(entry_width(entry, compact) for entry in entries)

    def disabled(entry: FooterEntry) -> bool:
        return not entry.enabled

    def given_up(entry: FooterEntry) -> bool:
        return entry.action in _GIVE_UP_FIRST

    for drop in (disabled, given_up):
        if total(keys) <= room:
            return keys, False
        keys = tuple(entry for entry in keys if not drop(entry))
    return keys, total(keys) > room


class KeyFooter(Widget, can_focus=False):
    """The active bindings' keys and descriptions, with the command palette key at the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--hover",
        "key-footer--palette-border",
    }
    # The rules of Footer and FooterKey (textual/widgets/_footer.py), non-compact, as
    # component classes of the one widget.
    DEFAULT_CSS = """
    KeyFooter {
        color: $footer-foreground;
        background: $footer-background;
        dock: bottom;
        height: 1;
        text-wrap: nowrap;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--hover {
            background: $block-hover-background;
        }
        & > .key-footer--palette-border {
            color: $foreground 20%;
            background: $footer-item-background;
        }
    }
    """

    def __init__(self, *, show_command_palette: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.show_command_palette = show_command_palette
        self._shown: tuple[tuple[FooterEntry, ...], FooterEntry | None] | None = None
        self._spans: list[tuple[int, int, FooterEntry]] = []
        """Cell ranges of the keys drawn last, for the mouse."""
        self._hover: FooterEntry | None = None

    @property
    def keys(self) -> tuple[FooterEntry, ...]:
        """The keys drawn last, the command palette's at the end."""
        if self._shown is None:
            return ()
        keys, palette = self._shown
        return keys if palette is None else (*keys, palette)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Repaint if the keys shown changed (a check_action answer, a focus move)."""
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._entries() != self._shown:
            self.refresh()

    def _entries(self) -> tuple[tuple[FooterEntry, ...], FooterEntry | None]:
        """The keys Footer would show, in its order (one per action), and the palette key."""
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        app = self.app
        keys = tuple(
            FooterEntry(binding.key, app.get_key_display(binding), binding.description,
                        binding.action, enabled, tooltip)
            for (binding, enabled, tooltip), *_others in by_action.values())
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            found = active.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                palette = FooterEntry(binding.key, app.get_key_display(binding),
                                      binding.description, binding.action, enabled,
                                      binding.tooltip or binding.description)
        return keys, palette

    def render(self) -> Text:
        self._shown = keys, palette = self._entries()
        width = self.size.width
        base = self.rich_style
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        hover = Style(bgcolor=self.get_component_rich_style("key-footer--hover").bgcolor)
        dim = Style(dim=True)
        spans: list[tuple[int, int, FooterEntry]] = []
        text = Text(no_wrap=True, overflow="crop", end="")

        def under(entry: FooterEntry) -> Style:
            """The style a FooterKey gives to all its cells: dim if disabled."""
            return base + dim if not entry.enabled else base

        def over(entry: FooterEntry) -> Style:
            """Footer's hover: the whole key on the hover background."""
            return hover if entry == self._hover else Style()

        def add(entry: FooterEntry, key: str, description: str) -> None:
            """One key as a FooterKey draws it: key part, then description part."""
            start = text.cell_len
            text.append(key, under(entry) + key_style + over(entry))
            text.append(description, under(entry) + description_style + over(entry))
            spans.append((start, text.cell_len, entry))

        shown, compact = fit(keys, width)
        if palette is not None:
            # the palette key gives way last: first its description, then itself (ctrl+p is
            # every Textual app's, and help names it)
            kept: str | None = None
            for kept in (palette.description, "", None):
                room = width if kept is None else width - cell_len(palette.display) - (
                    cell_len(kept) + 3 if kept else 2)
                shown, compact = fit(keys, room)
                if sum(entry_width(entry, compact) for entry in shown) <= room:
                    break
            palette = None if kept is None else palette._replace(description=kept)
        for entry in shown:  # padded, but a key without a description is drawn bare
            if entry.description:
                add(entry, f"{'' if compact else ' '}{entry.display} ", f"{entry.description} ")
            else:
                add(entry, entry.display, "")
        if palette is not None:  # docked right: "▏" border, key, " description", padding
            description = f" {palette.description}" if palette.description else ""
            left = max(0, width - cell_len(palette.display) - cell_len(description) - 2)
            text.truncate(left)
            spans = [span for span in spans if span[1] <= left]
            text.pad_right(left - text.cell_len)
            border = self.get_component_rich_style("key-footer--palette-border")
            text.append("▏", base + border + over(palette))
            add(palette, palette.display, description)
            text.append(" ", under(palette) + over(palette))
            spans[-1] = (left, text.cell_len, palette)
        self._spans = spans
        return text

    def _entry_at(self, x: int) -> FooterEntry | None:
        return next((entry for start, end, entry in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        entry = self._entry_at(event.x)
        if entry != self._hover:
            self._hover = entry
            self.tooltip = entry.tooltip if entry is not None and entry.tooltip else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        entry = self._entry_at(event.x)
        if entry is None:
            return
        if entry.enabled:
            self.app.simulate_key(entry.key)
        else:
            self.app.bell()
