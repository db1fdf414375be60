"""Provides ``KeyFooter``: Textual's Footer, rebuilt only when the keys it shows change.

The stock Footer recomposes all its keys on every bindings signal of its screen: four times
before the History screen's first paint (mode switch, focus, the first workers' messages)
and again on every focus move, although what it shows is the same each time. Coalescing the
signals and comparing what would be shown keeps the look and makes those rebuilds free.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that recomposes once per burst of binding changes, and only on a change."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending = False
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        """The keys at once (the stock footer composes empty and waits for a signal)."""
        self._bindings_ready = True
        self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    def _keys(self) -> tuple[object, ...]:
        """Everything compose() reads, as one comparable value."""
        return (self.compact, self.show_command_palette, tuple(
            (binding.key, binding.action, binding.description, binding.show, binding.group,
             enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()))

    async def _rebuild(self) -> None:
        self._pending = False
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await self.recompose()
