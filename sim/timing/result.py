"""Provides the result of a timed teardown and the runs the CLI and the Simulator screen show.

:func:`simulate` runs one seeded teardown per (profile, hardware, path) and condenses it into a
:class:`TimingResult`: the duration (total and per phase), the per-queue outcomes — verified,
unverified, hung — the queues still bound when a Destroy Secure Configuration was attempted,
every UVC with its answer, the WARNs and leaks with the log lines the kernel would print, and
the first violating queue with its event timeline. The timeline comes from a second run of the
same seed that records that one queue: the run is deterministic, so it is the same run.

Layer 1 link: :attr:`TimingResult.classes` is the set of reset outcome classes this run
produced, in the checker's vocabulary; ``Profile.reset_classes`` takes it, so the checker's
nondeterministic reset choices are the ones the timing model found possible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.eras import format_version
from sim.profile import Profile
from sim.timing.run import (
    HUNG,
    OUTCOME_NAMES,
    PENDING,
    UNVERIFIED,
    VERIFIED,
    Attempt,
    Phase,
    TimedTeardown,
)
from sim.timing.spec import Hardware

FLAGS = ("unverified", "unable-to-verify-warn", "hung", "bound-at-destroy", "refused",
         "harmful-refusal", "warn", "leak")
"""Per-run outcome flags the Monte-Carlo mode counts."""


def _ms(us: int) -> float:
    return round(us / 1000, 3)


def _stamp(us: int) -> str:
    return f"[{us // 1_000_000:5d}.{us % 1_000_000:06d}]"


@dataclass(frozen=True, slots=True)
class Violation:
    """The first queue that breaks the SE requirement or ends without a verified reset."""

    apqn: str
    why: str
    timeline: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class TimingResult:
    """Everything one timed teardown showed."""

    label: str
    era: str
    order: str
    path: str
    userspace: str
    algorithm: str
    queues: int
    finished_us: int
    """-1 when teardown hangs."""
    hang: str
    phases: tuple[Phase, ...]
    counts: dict[str, int]
    warned: int
    bound_at_destroy: int
    attempts: tuple[Attempt, ...]
    warns: dict[str, int]
    leaks: tuple[str, ...]
    log: tuple[tuple[int, str], ...]
    notes: tuple[str, ...]
    first: Violation | None
    classes: tuple[str, ...]
    events: int
    flags: dict[str, bool] = field(default_factory=dict)
    last_event_us: int = 0
    """When the clock last moved (for a hung run: when nothing could change any more)."""

    @property
    def hung(self) -> bool:
        """Teardown never finishes."""
        return self.finished_us < 0

    def duration_text(self) -> str:
        """e.g. ``117.2 ms`` or ``hangs after 40 ms``."""
        if self.hung:
            last = max((p.start for p in self.phases), default=0)
            return f"hangs (in {self.hang_phase()} from {_ms(last):g} ms)"
        return f"{_ms(self.finished_us):g} ms"

    def hang_phase(self) -> str:
        """The innermost phase that never ends."""
        open_ = [p for p in self.phases if p.end < 0]
        return max(open_, key=lambda p: p.depth).name if open_ else ""

    def log_lines(self) -> list[str]:
        """The kernel log as dmesg would show it (seconds since teardown began)."""
        return [f"{_stamp(t)} {text}" for t, text in self.log]

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` shape of one run."""
        return {
            "label": self.label, "era": self.era, "order": self.order, "path": self.path,
            "userspace": self.userspace, "algorithm": self.algorithm, "queues": self.queues,
            "duration_ms": None if self.hung else _ms(self.finished_us),
            "hung": self.hung, "hang": self.hang or None,
            "phases": [{"name": p.name, "start_ms": _ms(p.start),
                        "end_ms": None if p.end < 0 else _ms(p.end),
                        "ms": None if p.end < 0 else _ms(p.end - p.start), "depth": p.depth,
                        "cite": p.cite} for p in self.phases],
            "outcomes": dict(self.counts),
            "warned_unable_to_verify": self.warned,
            "bound_at_destroy": self.bound_at_destroy,
            "destroys": [{"time_ms": _ms(a.time), "uvc": a.uvc, "site": a.site, "ok": a.ok,
                          "rc": a.rc, "bound": a.bound, "harm": a.harm or None}
                         for a in self.attempts],
            "refused": sum(not a.ok for a in self.attempts),
            "warns": dict(self.warns), "leaks": list(self.leaks),
            "log": self.log_lines(), "notes": list(self.notes),
            "first_violation": None if self.first is None else {
                "apqn": self.first.apqn, "why": self.first.why,
                "timeline": [{"time_ms": _ms(t), "event": text}
                             for t, text in self.first.timeline]},
            "layer1_classes": list(self.classes),
            "flags": dict(self.flags), "events": self.events,
        }


def _classes(t: TimedTeardown) -> tuple[str, ...]:
    """Outcome classes in the checker's vocabulary (sim.kernel.reset_outcomes). A bounded reset
    that printed 'unable to verify' counts as unverified even when its first TAPQ saw the
    queue done: what the checker's 'unverified' stands for is the WARN and the missing
    assurance."""
    seen: set[str] = set()
    for q, outcome in enumerate(t.outcome):
        if outcome == HUNG:
            seen.add("hung")
        elif outcome == UNVERIFIED or (outcome == VERIFIED and t.warned[q]):
            seen.add("unverified")
        elif outcome == VERIFIED:
            seen.add("verified")
    return tuple(name for name in ("verified", "unverified", "hung") if name in seen)


def _first(t: TimedTeardown) -> tuple[int, str] | None:
    """The queue to show first: one that hangs teardown, then one still bound at a refusal
    that cost the host something, then one whose reset ended unverified or warned. A refused
    Destroy Fast that costs nothing (RC 0x104 from v6.6, F7.11) is the firmware doing its job,
    reported with the destroys but not as a violation."""
    for q, outcome in enumerate(t.outcome):
        if outcome == HUNG:
            return q, "its reset never completes: teardown hangs in flush_work"
    for a in t.attempts:
        if a.harm and a.first_bound >= 0:
            return a.first_bound, (
                f"still bound when Destroy Secure Configuration"
                f"{' Fast' if a.uvc == 'fast' else ''} ran at {_ms(a.time):g} ms ({a.site}):"
                f" refused (rc {a.rc}) → {a.harm}")
    for q, outcome in enumerate(t.outcome):
        if outcome == UNVERIFIED:
            return q, "its reset ended unverified"
    for q, warned in enumerate(t.warned):
        if warned:
            return q, "'unable to verify reset' although its first TAPQ saw the reset done"
    return None


def simulate(profile: Profile, hw: Hardware, *, path: str, seed: int = 1,
             timeline: bool = True) -> TimingResult:
    """One timed teardown (and, with ``timeline``, the first violating queue's events)."""
    t = TimedTeardown(profile, hw, path=path, seed=seed).run()
    first = _first(t)
    violation = None
    if first is not None:
        q, why = first
        events: tuple[tuple[int, str], ...] = ()
        if timeline:
            events = tuple(TimedTeardown(profile, hw, path=path, seed=seed, trace_q=q)
                           .run().tl.events)
        violation = Violation(hw.apqn(q), why, events)
    counts = {OUTCOME_NAMES[code]: t.outcome.count(code)
              for code in (VERIFIED, UNVERIFIED, HUNG, PENDING)}
    bound = sum(t.bound_at_attempt)
    flags = {
        "unverified": counts["unverified"] > 0,
        "unable-to-verify-warn": any(t.warned),
        "hung": t.finished < 0,
        "bound-at-destroy": bound > 0,
        "refused": any(not a.ok for a in t.attempts),
        "harmful-refusal": any(a.harm for a in t.attempts),
        "warn": bool(t.tl.counts.keys() - {"waited"}),
        "leak": bool(t.leaks),
    }
    return TimingResult(
        label=f"{format_version(profile.era)} {profile.order} {path} {profile.userspace_label}",
        era=format_version(profile.era), order=profile.order, path=path,
        userspace=profile.userspace_label,
        algorithm="unbounded ([6.12])" if t.unbounded else "bounded ([6.1])",
        queues=hw.queues, finished_us=t.finished, hang=t.hang,
        phases=tuple(sorted(t.phases, key=lambda p: (p.start, p.depth))), counts=counts,
        warned=sum(t.warned), bound_at_destroy=bound, attempts=tuple(t.attempts),
        warns=dict(t.tl.counts), leaks=tuple(t.leaks),
        log=tuple(t.tl.log), notes=tuple(dict.fromkeys(t.notes)), first=violation,
        classes=_classes(t), events=t.clock.events, flags=flags, last_event_us=t.clock.now)
