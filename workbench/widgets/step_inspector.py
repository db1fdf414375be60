"""Provides ``StepInspector``: what a counterexample step stands for and what it changed,
or, for a claim that holds, why (the guards that prevented a failure, or why it is vacuous).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import var
from textual.widgets import Static

if TYPE_CHECKING:
    from sim.result import ClaimResult, TraceStep


def step_text(step: TraceStep) -> Text:
    """The step's event, function, fact, warnings, frees and touches, then its changes."""
    from sim.facts import fact

    event = step.event
    about = fact(event.fact)
    text = Text()
    text.append(f"{step.index}. {event.name}\n", style="bold")
    text.append(f"   {event.function}()  {about.file}\n", style="cyan")
    text.append(f"   {event.fact}: {about.title}")
    text.append(f"  [{about.version}{' ' + about.commit[:12] if about.commit else ''}]\n",
                style="dim")
    if event.detail:
        text.append(f"   {event.detail}\n", style="italic")
    for warn in event.warns:
        text.append(f"   WARN: {warn}\n", style="bold yellow")
    if event.frees:
        text.append(f"   frees: {', '.join(sorted(event.frees))}\n", style="red")
    if event.accesses:
        text.append(f"   touches: {', '.join(sorted(event.accesses))}\n")
    text.append("\n")
    for change in step.changes:
        text.append(f"   {change.field}: ", style="bold")
        if change.delta:
            text.append(change.delta + "\n", style="yellow")
        else:
            text.append(f"{change.before} → {change.after}\n")
    return text


def why_text(claim: ClaimResult) -> Text:
    """Why a claim holds (the guards), or why it is vacuous."""
    from sim.render import render_why

    text = Text(f"{claim.title}\n\n", style="green")
    text.append("\n".join(render_why(claim)))
    return text


class StepInspector(Static):
    """A few dozen lines at most, so one Static is the right widget here."""

    subject: var[TraceStep | ClaimResult | None] = var(None, always_update=True)
    """A step (its state and changes) or a claim without a trace (why it holds)."""

    def watch_subject(self, subject: TraceStep | ClaimResult | None) -> None:
        from sim.result import ClaimResult

        if subject is None:
            self.update("")
        elif isinstance(subject, ClaimResult):
            self.update(why_text(subject))
        elif subject is not None:
            self.update(step_text(subject))
