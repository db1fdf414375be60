"""Provides ``LogStatus``: one line saying where the log comes from and how much is loaded.

It changes with every batch of a streaming log, so it only repaints (its height is fixed):
``Static.update`` would ask for a new layout of the whole screen on each batch. It is still
a ``Static``, so code reading it as one (``render()``) gets the line.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from workbench.output import escape_controls


class LogStatus(Static):
    """``<repository> — N commits, loading…`` (or ``all loaded``, or ``empty``)."""

    loaded: reactive[int | None] = reactive(None)
    """Commits loaded so far (None before the first batch)."""
    streaming: reactive[bool] = reactive(True)
    """git is still sending the log."""

    def __init__(self, where: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.where = where
        """The repository path, or "demo history"."""

    def render(self) -> Text:
        if self.loaded is None and self.streaming:
            return Text("loading…")
        loaded = self.loaded or 0
        state = "loading…" if self.streaming else "all loaded" if loaded else "empty"
        return Text(f"{escape_controls(self.where)} — {loaded:,} commits, {state}")
