"""The reductions are sound, and exact where it matters.

1. Property: for small V and Q, the concrete search (one local state per vCPU and per queue,
   positions kept) and the reduced ones (exact symmetry, and the counter abstraction with
   cutoff 1 or 2) give the same verdict and the same shortest-trace length for every claim.
   The hardware-fault toggles are on, so vCPUs and queues really diverge; both the ``any``
   userspace and QEMU's scripted one, with and without the async-teardown helper.
2. A Hypothesis random walk over the concrete step function: every visited state,
   canonicalised, is in the reduced BFS's visited set; every concrete transition has an
   abstract twin (same event) — the simulation lemma the counter abstraction rests on — and
   every claim judges the two transitions alike.
"""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sim.catalog import Event
from sim.checker import check, reachable
from sim.claims import CLAIMS, applies
from sim.events import successors
from sim.population import Concrete, Counted, abstract, make
from sim.profile import Profile, build_profile, initial_state
from sim.result import CheckResult
from sim.state import State, canonical

# Closing the VFIO container/group fds and a few guest/ioctl events only multiply states;
# leaving them out keeps each concrete search under a second without losing divergence.
SLIM = ("close:vfio-container", "close:vfio-group", "close:dev:flic", "guest-aqic",
        "guest-unbind", "KVM_DEV_VFIO_GROUP_DEL", "KVM_PV_ASYNC_CLEANUP_PERFORM")
FAULTS = ("ap-reset-faults", "uv-destroy-faults")
CONFIGS = [("s390", "5.10"), ("s390", "6.1"), ("s390", "6.12"), ("powerpc-e500", "3.9"),
           ("powerpc-e500", "6.12"), ("x86", "6.1"), ("x86", "6.15"), ("powerpc-book3s", "5.1"),
           ("arm64", "6.12")]


def make_profile(arch: str, era: str, order: str, vcpus: int, queues: int,
                 faults: tuple[bool, bool] = (True, True), qemu: bool = False,
                 helper: bool = False) -> Profile:
    toggles = {name: str(on).lower() for name, on in zip(FAULTS, faults, strict=True)}
    return build_profile(arch, era, order=order, vcpus=vcpus, queues=queues, toggles=toggles,
                         exclude=SLIM if arch == "s390" else (),
                         userspace="qemu-8.1" if qemu else "any", async_teardown=helper)


def verdicts(result: CheckResult) -> list[tuple[str, str, int]]:
    return [(claim.id, claim.verdict, len(claim.trace)) for claim in result.claims]


@st.composite
def small_profiles(draw: st.DrawFn) -> Profile:
    arch, era = draw(st.sampled_from(CONFIGS))
    limit = 2 if era == "6.12" else 3
    # 6.12 with AP faults under `any` has ~10^5 concrete states: keep the examples quick
    ap_faults = draw(st.booleans()) and era != "6.12"
    return make_profile(arch, era, draw(st.sampled_from(["current", "reversed"])),
                        draw(st.integers(1, limit)), draw(st.integers(1, limit)),
                        (ap_faults, draw(st.booleans())), draw(st.booleans()),
                        draw(st.booleans()))


@settings(max_examples=14, deadline=None)
@given(profile=small_profiles(), cutoff=st.sampled_from([1, 2]))
def test_concrete_and_reduced_searches_agree(profile: Profile, cutoff: int) -> None:
    concrete = check(profile, reduction="none")
    assert verdicts(check(profile, reduction="symmetry")) == verdicts(concrete)
    assert verdicts(check(profile, reduction="counter", cutoff=cutoff)) == verdicts(concrete)


def test_the_reduced_search_does_not_grow_with_v_and_q() -> None:
    small = check(make_profile("s390", "6.1", "current", 2, 2))
    huge = check(make_profile("s390", "6.1", "current", 248, 65_536))
    assert small.stats.states == huge.stats.states
    assert verdicts(small) == verdicts(huge)


def test_a_capped_class_splits_into_every_occupancy() -> None:
    many = make("q", 65_536, reduction="counter", cap=2)
    assert isinstance(many, Counted) and many.items == (("q", 2),)
    outcomes = {tuple(local for local, _ in pop.items)
                for pop in many.branch(lambda _: ("a", "b", "c"))}
    assert outcomes == {("a",), ("b",), ("c",), ("a", "b"), ("a", "c"), ("b", "c"),
                        ("a", "b", "c")}
    one = make("q", 1, reduction="counter", cap=2)
    assert len(one.branch(lambda _: ("a", "b", "c"))) == 3  # one object, one outcome


def test_abstraction_of_a_concrete_population() -> None:
    pop = Concrete(("b", "a", "b", "b"))
    assert abstract(pop, 0).items == (("a", 1), ("b", 3))
    assert abstract(pop, 2).items == (("a", 1), ("b", 2))


# -- the random walk --------------------------------------------------------------------
WALK_PROFILES = [make_profile("s390", "6.12", "reversed", 2, 2, (False, True)),
                 make_profile("s390", "6.12", "current", 2, 2, (False, True), helper=True),
                 make_profile("s390", "6.12", "current", 3, 2, qemu=True),
                 make_profile("s390", "5.10", "current", 3, 2),
                 make_profile("powerpc-e500", "6.12", "reversed", 3, 1),
                 make_profile("x86", "6.15", "current", 2, 1)]


@cache
def visited(index: int) -> frozenset[State]:
    return reachable(WALK_PROFILES[index], reduction="counter", cutoff=2)


@cache
def bfs(index: int) -> CheckResult:
    return check(WALK_PROFILES[index])


def same_event(a: Event, b: Event) -> bool:
    return (a.name, a.function, a.fact, a.marks, a.accesses, a.frees) == \
        (b.name, b.function, b.fact, b.marks, b.accesses, b.frees)


class ConcreteWalk(RuleBasedStateMachine):
    """Walks the concrete model and checks it against the reduced breadth-first search."""

    def __init__(self) -> None:
        super().__init__()
        self.index = 0
        self.state: State | None = None
        self.depth = 0

    @initialize(index=st.integers(0, len(WALK_PROFILES) - 1))
    def start(self, index: int) -> None:
        self.index = index
        self.state = initial_state(WALK_PROFILES[index], reduction="none")
        self.depth = 0

    @rule(choice=st.integers(0, 10_000))
    def step(self, choice: int) -> None:
        assert self.state is not None
        profile = WALK_PROFILES[self.index]
        options = successors(self.state, profile)
        if not options:
            return
        event, after = options[choice % len(options)]
        before_abs, after_abs = canonical(self.state, 2), canonical(after, 2)
        twins = [e for e, t in successors(before_abs, profile)
                 if t == after_abs and same_event(e, event)]
        assert twins, f"no abstract twin for {event.name}"
        self.depth += 1
        for claim in CLAIMS:
            if not applies(claim, self.state, event):
                continue
            assert applies(claim, before_abs, twins[0])
            concrete_ok = not claim.check(self.state, event, after)
            assert concrete_ok == (not claim.check(before_abs, twins[0], after_abs))
            if not concrete_ok:
                found = bfs(self.index).claim(claim.id)
                assert found.verdict == "fails"
                assert len(found.trace) <= self.depth
        self.state = after

    @invariant()
    def visited_by_the_bfs(self) -> None:
        if self.state is not None:
            assert canonical(self.state, 2) in visited(self.index)


ConcreteWalk.TestCase.settings = settings(max_examples=25, stateful_step_count=40,
                                          deadline=None)
TestConcreteWalk = ConcreteWalk.TestCase
