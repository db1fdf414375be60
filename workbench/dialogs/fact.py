"""Provides the fact viewer: what a fact id stands for, from the product's own tables.

Every step, claim, feature and landmark cites a fact id (``F7.11``). The viewer shows that
fact's title, the file and function it is about, the release, the upstream commits it rests
on, and what in the workbench cites it (era features, landmarks), so a reader never needs a
document outside the tool to follow a citation.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.dialogs.frame import Dialog


def fact_text(fact_ids: tuple[str, ...]) -> str:
    """Plain text about each fact id (an unknown id is said to be unknown)."""
    from history.git.landmarks import LANDMARKS
    from sim.eras import FEATURES, format_version
    from sim.facts import FACTS

    parts = []
    for fact_id in dict.fromkeys(fact_ids):
        fact = FACTS.get(fact_id)
        if fact is None:
            parts.append(f"{fact_id}: no such fact in this workbench")
            continue
        lines = [f"{fact.id}  {fact.title}",
                 f"  where:    {fact.file}, {fact.function}()",
                 f"  release:  {fact.version}"]
        lines += [f"  commit:   {commit}" for commit in fact.commits]
        lines += [f"  era:      {f.name} — {f.title}"
                  f" (since {format_version(f.since) if f.since else 'no mainline release'})"
                  for f in FEATURES if f.fact == fact.id]
        lines += [f"  landmark: {m.key} {m.upstream[:12]} {m.subject} ({m.version})"
                  for m in LANDMARKS if m.fact == fact.id]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) or "no fact cited here"


class FactScreen(Dialog):
    """The facts a step or claim cites; escape, q or f closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f", "dismiss", "Close", id="fact.close"),
    ]

    DEFAULT_CSS = """
    FactScreen > VerticalScroll { max-width: 110; height: auto; max-height: 90%; }
    """

    def __init__(self, fact_ids: tuple[str, ...]) -> None:
        super().__init__()
        self.fact_ids = fact_ids

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(fact_text(self.fact_ids), id="fact-body", markup=False)
