"""Provides the result objects of a check: what the CLI prints and the Simulator screen shows.

One :class:`CheckResult` per profile (one call order): search statistics, and per claim a
:class:`ClaimResult` with its verdict, the toggles it depends on, and for a failure the shortest
counterexample as :class:`TraceStep` s. Each step keeps the state after it, so a screen can step
through a trace and inspect every state, and carries its diff in kernel vocabulary. Nothing here
computes anything: ``to_json()`` is the one serialisation both front ends use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sim.catalog import Event
from sim.eras import format_version
from sim.profile import Profile
from sim.state import State

Verdict = Literal["holds", "fails"]
"""A claim's verdict; sim.render.verdict_text is the one place that labels it for people."""


@dataclass(frozen=True, slots=True)
class Change:
    """One field a step changed."""

    field: str
    before: str
    after: str
    delta: str = ""
    """For set-valued fields: '+added -removed'."""

    def to_json(self) -> dict[str, str]:
        """JSON form."""
        data = {"field": self.field, "before": self.before, "after": self.after}
        if self.delta:
            data["delta"] = self.delta
        return data


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One step of a counterexample."""

    index: int
    """1-based position in the trace."""
    event: Event
    changes: tuple[Change, ...]
    state: State
    """The state after this step (the screen's state inspector shows it)."""

    def to_json(self) -> dict[str, Any]:
        """JSON form: event, function, fact, commit, kind and the diff."""
        event = self.event
        data: dict[str, Any] = {
            "step": self.index,
            "event": event.name,
            "function": event.function,
            "fact": event.fact,
            "commit": event.commit,
            "kind": event.kind,
        }
        if event.detail:
            data["detail"] = event.detail
        if event.warns:
            data["warns"] = list(event.warns)
        if event.guards:
            data["guards"] = sorted(event.guards)
        if event.accesses:
            data["accesses"] = sorted(event.accesses)
        if event.frees:
            data["frees"] = sorted(event.frees)
        data["diff"] = [change.to_json() for change in self.changes]
        return data


@dataclass(frozen=True, slots=True)
class Prevention:
    """A guard (sim.catalog.GUARDS) that prevented a claim's failure, and how often."""

    guard: str
    title: str
    fact: str
    count: int
    """Transitions in which the guard fired."""

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"guard": self.guard, "title": self.title, "fact": self.fact,
                "count": self.count}


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """The verdict on one claim under one profile."""

    id: str
    title: str
    verdict: Verdict
    assumes: tuple[str, ...]
    """'toggle=value' for every toggle the verdict depends on."""
    trace: tuple[TraceStep, ...] = ()
    """The shortest counterexample (empty when the claim holds)."""
    exercised: int = 0
    """Transitions the claim spoke about; 0 means it holds vacuously."""
    present: bool = True
    """False for a comment claim whose comment does not exist in the era's tree."""
    facts: tuple[str, ...] = ()
    reason: str = ""
    """Why the last step of the trace breaks the claim ('' when it holds)."""
    prevented_by: tuple[Prevention, ...] = ()
    """For a holding claim: the guards that prevented its failure."""
    vacuous_reason: str = ""
    """For a vacuous claim: why nothing it speaks about happens."""

    @property
    def vacuous(self) -> bool:
        """Holds only because nothing it speaks about ever happened."""
        return self.verdict == "holds" and self.exercised == 0

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "verdict": self.verdict,
            "assumes": list(self.assumes),
            "trace": [step.to_json() for step in self.trace],
            "reason": self.reason,
            "title": self.title,
            "facts": list(self.facts),
            "exercised": self.exercised,
            "vacuous": self.vacuous,
            "vacuous_reason": self.vacuous_reason,
            "prevented_by": [p.to_json() for p in self.prevented_by],
            "comment_present": self.present,
        }


@dataclass(frozen=True, slots=True)
class Stats:
    """How much the search covered."""

    states: int
    transitions: int
    depth: int
    """Length of the longest shortest path (BFS levels below the initial state)."""
    seconds: float

    def to_json(self) -> dict[str, int | float]:
        """JSON form."""
        return {"states": self.states, "transitions": self.transitions, "depth": self.depth,
                "seconds": round(self.seconds, 4)}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Everything one search found for one profile."""

    profile: Profile
    initial: State
    stats: Stats
    claims: tuple[ClaimResult, ...]
    reduction: str
    """'counter' (default), 'symmetry' or 'none'."""
    cutoff: int
    hooks_fired: int = 0
    """Transitions in which one of the profile's hooks (a fix's, sim.hooks) acted."""

    def claim(self, claim_id: str) -> ClaimResult:
        """The result for one claim id (KeyError if it was not checked)."""
        for result in self.claims:
            if result.id == claim_id:
                return result
        raise KeyError(claim_id)

    @property
    def failed(self) -> bool:
        """Some checked claim fails."""
        return any(result.verdict == "fails" for result in self.claims)

    def to_json(self) -> dict[str, Any]:
        """One entry of the CLI's ``runs`` list."""
        profile = self.profile
        return {
            "arch": profile.arch,
            "era": format_version(profile.era),
            "order": profile.order,
            "userspace": profile.userspace,
            "async_teardown": profile.async_teardown,
            "reset_outcomes": list(profile.reset_classes) or None,
            "steps": list(profile.steps),
            "vcpus": profile.vcpus,
            "queues": profile.queues,
            "toggles": profile.toggle_values(),
            "features": sorted(profile.features),
            "excluded": sorted(profile.excluded),
            "notes": list(profile.notes),
            "reduction": self.reduction,
            "cutoff": self.cutoff,
            "stats": self.stats.to_json(),
            "claims": [result.to_json() for result in self.claims],
            **({"hooks": list(profile.hooks), "hooks_fired": self.hooks_fired}
               if profile.hooks else {}),
        }
