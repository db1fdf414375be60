"""Provides ``Dialog``: the framed, centred, scrolling box every modal of the app uses."""

from __future__ import annotations

from textual.screen import ModalScreen


class Dialog(ModalScreen[None]):
    """A modal whose content sits in one framed ``VerticalScroll``; subclasses size it."""

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        & > VerticalScroll {
            width: 90%; border: thick $primary; background: $surface; padding: 0 1;
        }
    }
    """
