"""Provides the size classes every screen lays itself out by (Textual has no media queries).

A screen gets ``-narrow`` below ``NARROW`` columns and ``-short`` below ``SHORT`` rows; its
``.tcss`` rearranges panes under those classes, so an 80×24 terminal gets a layout made for
it rather than the wide one squeezed.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size
from textual.screen import Screen

NARROW = 120
SHORT = 32


def apply_size_classes(screen: Screen[Any], size: Size) -> tuple[bool, bool]:
    """Set ``-narrow`` and ``-short`` on ``screen`` for ``size``; return both."""
    narrow, short = size.width < NARROW, size.height < SHORT
    screen.set_class(narrow, "-narrow")
    screen.set_class(short, "-short")
    return narrow, short
