"""Provides ``check()``: the breadth-first model checker every front end calls.

The loop is the textbook one (a frontier, a visited map that doubles as the parent map for
trace reconstruction, claims checked on every transition), with two decisions that matter:

- Breadth-first, level by level: the first violating transition found for a claim leaves from
  the shallowest possible state, so its trace is a *shortest* counterexample (as TLC's).
- Reduction happens in the representation, not in a separate pass: with ``reduction="counter"``
  (the default) populations are counted and capped (sim.population), so the state itself is
  canonical and the visited check needs no extra ``canonical()`` call. ``"symmetry"`` counts
  exactly; ``"none"`` keeps one local state per object (the reference the tests compare with).

All claims are transition predicates (a state is only ever wrong *when something happens*), so
the initial state has nothing to check. The core takes plain callables for progress and
cancellation so that a Textual worker can drive it without this package importing Textual.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sim.catalog import GUARDS, Event
from sim.claims import CLAIM_BY_ID, Claim, applies, vacuity_reason
from sim.errors import CheckCancelled, ProfileError
from sim.events import successors
from sim.profile import Profile, initial_state
from sim.result import Change, CheckResult, ClaimResult, Prevention, Stats, TraceStep
from sim.state import State, diff

REDUCTIONS = ("counter", "symmetry", "none")
DEFAULT_CUTOFF = 2

Parent = dict[State, tuple[State, Event] | None]
"""Every visited state -> the state and event it was first reached by (None: the initial)."""

Visit = Callable[[State, Event, State], None]
"""Called with (before, event, after) for every transition, in search order."""


def check(
    profile: Profile,
    *,
    claims: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    reduction: str = "counter",
    cutoff: int = DEFAULT_CUTOFF,
    every: int = 4096,
) -> CheckResult:
    """Explore every reachable state of ``profile`` and judge each claim.

    Args:
        profile: what to simulate (sim.profile.build_profile).
        claims: claim ids to judge (default: the profile's, i.e. all).
        progress: called with the number of distinct states every ``every`` expansions.
        cancelled: polled as often as ``progress``; when it returns true the search stops.
        reduction: 'counter', 'symmetry' or 'none' (see the module docstring).
        cutoff: the counter abstraction's cap (>= 1).

    Raises:
        ProfileError: unknown claim id, reduction or cutoff.
        CheckCancelled: ``cancelled()`` returned true.
    """
    chosen = _claims(profile, claims, reduction, cutoff)
    started = time.perf_counter()
    failures: dict[str, tuple[State, Event, State, str]] = {}
    exercised = dict.fromkeys((claim.id for claim in chosen), 0)
    guarded: dict[str, int] = {}
    reads: set[str] = set(profile.init_reads)
    hooked = [0]

    def judge(state: State, event: Event, after: State) -> None:
        if "hook" in event.marks:
            hooked[0] += 1
        if event.reads:
            reads.update(event.reads)
        for guard in event.guards:
            guarded[guard] = guarded.get(guard, 0) + 1
        if event.marks or event.accesses or event.frees:
            for claim in chosen:
                if applies(claim, state, event):
                    exercised[claim.id] += 1
                    if claim.id not in failures:
                        why = claim.check(state, event, after)
                        if why:
                            failures[claim.id] = (state, event, after, why)

    init, parent, transitions, depth = _search(
        profile, reduction, cutoff, judge, progress=progress, cancelled=cancelled, every=every)
    stats = Stats(len(parent), transitions, depth, time.perf_counter() - started)
    results = tuple(_judge(profile, claim, failures.get(claim.id), parent, reads,
                           exercised[claim.id], guarded) for claim in chosen)
    return CheckResult(profile, init, stats, results, reduction, cutoff, hooked[0])


def _search(profile: Profile, reduction: str, cutoff: int, visit: Visit | None, *,
            progress: Callable[[int], None] | None = None,
            cancelled: Callable[[], bool] | None = None, every: int = 4096,
            ) -> tuple[State, Parent, int, int]:
    """Breadth-first search from the initial state: (initial, parent map, transitions, depth).

    Level by level, so the first path to a state is a shortest one; ``visit`` sees every
    transition, including those into states already seen."""
    cap = cutoff if reduction == "counter" else 0
    init = initial_state(profile, reduction=reduction, cap=cap)
    parent: Parent = {init: None}
    transitions = depth = expanded = 0
    frontier = [init]
    while frontier:
        following: list[State] = []
        for state in frontier:
            for event, after in successors(state, profile):
                transitions += 1
                if visit is not None:
                    visit(state, event, after)
                if after not in parent:
                    parent[after] = (state, event)
                    following.append(after)
            expanded += 1
            if expanded % every == 0:
                if progress is not None:
                    progress(len(parent))
                if cancelled is not None and cancelled():
                    raise CheckCancelled(len(parent))
        if following:
            depth += 1
        frontier = following
    if progress is not None:
        progress(len(parent))
    return init, parent, transitions, depth


def _claims(profile: Profile, ids: Sequence[str] | None, reduction: str, cutoff: int
            ) -> list[Claim]:
    """The claims one search judges: ``ids`` if given (checked here), else the profile's
    (checked when the profile was built)."""
    wanted = tuple(ids) if ids is not None else profile.claim_ids()
    problems = [f"unknown claim {claim_id!r}" for claim_id in wanted
                if ids is not None and claim_id not in CLAIM_BY_ID]
    if reduction not in REDUCTIONS:
        problems.append(f"unknown reduction {reduction!r} ({', '.join(REDUCTIONS)})")
    if cutoff < 1:
        problems.append(f"cutoff must be at least 1 (got {cutoff})")
    if problems:
        raise ProfileError(problems)
    return [CLAIM_BY_ID[claim_id] for claim_id in dict.fromkeys(wanted)]


def _judge(profile: Profile, claim: Claim, failure: tuple[State, Event, State, str] | None,
           parent: Parent, reads: set[str], exercised: int, guarded: dict[str, int]
           ) -> ClaimResult:
    present = not claim.requires or claim.requires in profile.features
    if failure is None:
        prevented = tuple(Prevention(guard.id, guard.title, guard.fact, guarded[guard.id])
                          for guard in GUARDS.values()
                          if claim.id in guard.protects and guarded.get(guard.id))
        return ClaimResult(claim.id, claim.title, "holds", _assumes(profile, reads),
                           exercised=exercised, present=present, facts=claim.facts,
                           prevented_by=prevented,
                           vacuous_reason="" if exercised else vacuity_reason(claim, profile))
    state, event, after, why = failure
    trace = trace_to(parent, state, event, after)
    used = set(profile.init_reads).union(*(step.event.reads for step in trace))
    return ClaimResult(claim.id, claim.title, "fails", _assumes(profile, used), trace,
                       exercised=exercised, present=present, facts=claim.facts, reason=why)


def _assumes(profile: Profile, names: set[str]) -> tuple[str, ...]:
    return tuple(f"{name}={profile.toggle(name)}" for name in sorted(names))


def trace_to(parent: Parent, state: State, event: Event, after: State) -> tuple[TraceStep, ...]:
    """The path from the initial state to ``state``, then ``event`` to ``after``."""
    path: list[tuple[Event, State]] = [(event, after)]
    node = state
    link = parent[node]
    while link is not None:
        before, label = link
        path.append((label, node))
        node, link = before, parent[before]
    path.reverse()
    steps = []
    previous = node
    for index, (label, current) in enumerate(path, start=1):
        changes = tuple(Change(*change) for change in diff(previous, current))
        steps.append(TraceStep(index, label, changes, current))
        previous = current
    return tuple(steps)


def reachable(profile: Profile, *, reduction: str = "counter", cutoff: int = DEFAULT_CUTOFF
              ) -> frozenset[State]:
    """Every state the search visits (for cross-checks such as the random-walk test)."""
    return frozenset(_search(profile, reduction, cutoff, None)[1])
