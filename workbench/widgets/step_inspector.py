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
    from sim.toggles import Toggle



def step_text(step: TraceStep, breaks: str = "") -> Text:
    """The step's event, function, fact, warnings, frees and touches, then its changes;
    ``breaks`` names the claim this step's state violates (the trace's last step)."""
    from sim.facts import fact

    event = step.event
    about = fact(event.fact)
    text = Text()
    if breaks:
        text.append(f"⇒ breaks {breaks}\n", style="bold red")
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


def toggle_text(toggle: Toggle, value: str) -> Text:
    """What a toggle assumes, its values, and the evidence for its default."""
    from sim.facts import fact

    about = fact(toggle.fact)
    text = Text(f"{toggle.name} = {value}\n", style="bold")
    text.append(f"   {toggle.question}\n\n")
    text.append(f"   values: {' | '.join(toggle.values)}   default: {toggle.default}\n")
    text.append(f"   {toggle.fact}: {about.title}\n", style="cyan")
    text.append(f"   evidence for the default: {toggle.evidence}\n", style="italic")
    return text


def why_text(claim: ClaimResult) -> Text:
    """Why a claim holds (the guards), or why it is vacuous."""
    from sim.render import render_why

    text = Text(f"{claim.title}\n\n", style="green")
    text.append("\n".join(render_why(claim)))
    return text


class StepInspector(Static):
    """A few dozen lines at most, so one Static is the right widget here."""

    subject: var[TraceStep | ClaimResult | tuple[Toggle, str] | None] = var(
        None, always_update=True)
    """A step (its state and changes), a claim without a trace (why it holds), or a
    toggle with its value (what it assumes and why its default)."""
    breaks: str = ""
    """Set before ``subject``: the claim a step's state violates, and why ('' for none)."""

    def watch_subject(self, subject: TraceStep | ClaimResult | tuple[Toggle, str] | None
                      ) -> None:
        from sim.result import ClaimResult

        if subject is None:
            self.update("")
        elif isinstance(subject, tuple):
            self.update(toggle_text(*subject))
        elif isinstance(subject, ClaimResult):
            self.update(why_text(subject))
        else:
            self.update(step_text(subject, self.breaks))

    @property
    def facts(self) -> tuple[str, ...]:
        """The fact ids what is shown rests on."""
        from sim.result import ClaimResult

        subject = self.subject
        if subject is None:
            return ()
        if isinstance(subject, tuple):
            return (subject[0].fact,)
        if isinstance(subject, ClaimResult):
            return subject.facts
        return (subject.event.fact,)
