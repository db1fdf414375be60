"""Provides ``fill``: a DataTable's columns sized from the rows it is given, at once.

An auto-width DataTable column is measured on the table's next idle, so a screen painted
before that idle shows each column at its label's width (6-digit hashes, year-only dates).
Measuring here, with the same rule (widest cell or label), makes the first paint final.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:  # DataTable loads with the first table (the History launch shows none)
    from rich.console import RenderableType
    from textual.widgets import DataTable


def _width(cell: RenderableType) -> int:
    if isinstance(cell, Text):
        return cell.cell_len
    return Text(str(cell)).cell_len


def fill(table: DataTable[object], labels: Sequence[str], rows: Sequence[Sequence[RenderableType]],
         *, fixed: Mapping[str, int] | None = None, keys: Sequence[str] | None = None) -> None:
    """Replace ``table``'s columns and rows; ``fixed`` gives columns a width of their own."""
    fixed = fixed or {}
    table.clear(columns=True)
    for index, label in enumerate(labels):
        width = fixed.get(label)
        if width is None:
            width = max([_width(label), *(_width(row[index]) for row in rows)])
        table.add_column(label, width=width)
    for number, row in enumerate(rows):
        table.add_row(*row, key=None if keys is None else keys[number])
