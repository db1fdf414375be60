"""Provides populations of identical objects (vCPUs, AP queues) in three representations.

Why: 248 vCPUs and 65,536 AP queues must cost what 1 of each costs. Every kernel action acts on
all objects of a population at once (``kvm_destroy_vcpus``, ``vfio_ap_mdev_reset_queues``, the
guest's AP bus); objects only diverge through a nondeterministic per-object outcome (a queue's
reset ends verified, unverified or hung; a secure vCPU's destroy succeeds or leaks). So a
population is a multiset of local states, and three representations share one API:

- :class:`Concrete` — a tuple, one local state per object, positions kept (no reduction: the
  reference semantics the tests compare against);
- :class:`Counted` with ``cap == 0`` — sorted ``(local, count)`` pairs: symmetry reduction,
  exact, because no rule ever looks at an object's position;
- :class:`Counted` with ``cap == K`` — the counter abstraction: counts are capped at K, and K
  means "K or more". Splitting a capped class allows every split consistent with *some* count
  of at least K. Every concrete transition therefore has an abstract image (the abstraction
  over-approximates, so a violation can never be missed); and since every claim and guard only
  asks *which* local states are occupied (``any``/``all``), never how many objects are in one,
  the abstract and concrete searches see the same occupancy sequences: same verdicts, same
  shortest trace lengths. tests/sim/test_reduction.py checks both facts with hypothesis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import Any

Local = Any
"""A local state: hashable and totally ordered (a str or an ordered frozen dataclass)."""

Branch = Callable[[Local], tuple[Local, ...]]
"""Per-object nondeterminism: the local states an object may end in (distinct, ordered)."""


def _dedupe(values: tuple[Local, ...]) -> tuple[Local, ...]:
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True, slots=True)
class Concrete:
    """One local state per object, in object order."""

    items: tuple[Local, ...]

    def size(self) -> int:
        """Number of objects."""
        return len(self.items)

    def classes(self) -> tuple[tuple[Local, int], ...]:
        """Occupied local states with exact counts, sorted."""
        return tuple(sorted(Counter(self.items).items()))

    def locals(self) -> Iterator[Local]:
        """Each occupied local state once."""
        return iter(dict.fromkeys(self.items))

    def any(self, pred: Callable[[Local], bool]) -> bool:
        """Some object satisfies pred."""
        return any(pred(item) for item in self.items)

    def all(self, pred: Callable[[Local], bool]) -> bool:
        """Every object satisfies pred (true for an empty population)."""
        return all(pred(item) for item in self.items)

    def map(self, f: Callable[[Local], Local]) -> Concrete:
        """Apply a deterministic change to every object."""
        return Concrete(tuple(f(item) for item in self.items))

    def branch(self, f: Branch) -> list[Concrete]:
        """Every combination of per-object outcomes."""
        options = [_dedupe(f(item)) for item in self.items]
        return sorted({Concrete(combo) for combo in product(*options)}, key=_key)

    def describe(self) -> str:
        """Readable form for diffs, e.g. ``[verified, hung]``."""
        return "[" + ", ".join(str(item) for item in self.items) + "]"


@dataclass(frozen=True, slots=True)
class Counted:
    """Sorted (local, count) pairs; with ``cap > 0`` a count equal to cap means 'cap or more'."""

    items: tuple[tuple[Local, int], ...]
    cap: int = 0

    def size(self) -> int:
        """Number of objects (a lower bound when a class is capped)."""
        return sum(count for _, count in self.items)

    def classes(self) -> tuple[tuple[Local, int], ...]:
        """Occupied local states with their (possibly capped) counts."""
        return self.items

    def locals(self) -> Iterator[Local]:
        """Each occupied local state once."""
        return (local for local, _ in self.items)

    def any(self, pred: Callable[[Local], bool]) -> bool:
        """Some object satisfies pred."""
        return any(pred(local) for local, _ in self.items)

    def all(self, pred: Callable[[Local], bool]) -> bool:
        """Every object satisfies pred (true for an empty population)."""
        return all(pred(local) for local, _ in self.items)

    def _add(self, a: int, b: int) -> int:
        return a + b if not self.cap else min(a + b, self.cap)

    def _build(self, pairs: Iterator[tuple[Local, int]]) -> Counted:
        merged: dict[Local, int] = {}
        for local, count in pairs:
            if count:
                merged[local] = self._add(merged.get(local, 0), count)
        return Counted(tuple(sorted(merged.items())), self.cap)

    def map(self, f: Callable[[Local], Local]) -> Counted:
        """Apply a deterministic change to every object (classes may merge)."""
        return self._build((f(local), count) for local, count in self.items)

    def _splits(self, count: int, ways: int) -> tuple[tuple[int, ...], ...]:
        return _splits(count, ways, self.cap)

    def branch(self, f: Branch) -> list[Counted]:
        """Every way of distributing each class over its objects' outcomes.

        Classes are folded in one at a time and equal partial results merged as they appear,
        so the work grows with the number of *distinct* results, not with their product.
        """
        partials: set[tuple[tuple[Local, int], ...]] = {()}
        for local, count in self.items:
            outs = _dedupe(f(local))
            grown = set()
            for parts in self._splits(count, len(outs)):
                for partial in partials:
                    merged = dict(partial)
                    for out, n in zip(outs, parts, strict=True):
                        if n:
                            merged[out] = self._add(merged.get(out, 0), n)
                    grown.add(tuple(sorted(merged.items())))
            partials = grown
        return sorted((Counted(items, self.cap) for items in partials), key=_key)

    def describe(self) -> str:
        """Readable form for diffs, e.g. ``{16× verified}`` or ``{≥2× verified}``."""
        parts = []
        for local, count in self.items:
            shown = f"≥{count}" if self.cap and count == self.cap else str(count)
            parts.append(f"{shown}× {local}")
        return "{" + ", ".join(parts) + "}"


@cache
def _splits(count: int, ways: int, cap: int) -> tuple[tuple[int, ...], ...]:
    """Ways to split a class of ``count`` objects over ``ways`` outcomes (counts, capped).

    An exact class splits into exact parts summing to its count. A capped class ('cap or
    more') splits in every way that *some* count of at least ``cap`` allows: a part may be
    capped (then the total is unbounded), or all parts are exact and add up to ``cap`` or
    more. So the abstraction of every concrete split is one of these (the abstraction
    commutes with the step function, which the random-walk test checks state by state).
    """
    if not cap or count < cap:
        return tuple(parts for parts in product(range(count + 1), repeat=ways)
                     if sum(parts) == count)
    return tuple(parts for parts in product(range(cap + 1), repeat=ways)
                 if cap in parts or sum(parts) >= cap)


Pop = Concrete | Counted
"""A population in any representation."""


def _key(pop: Pop) -> tuple[Hashable, ...]:
    """A deterministic sort key: local states are totally ordered, counts are ints."""
    return pop.items


def make(local: Local, count: int, *, reduction: str, cap: int) -> Pop:
    """``count`` objects all in ``local``, in the representation ``reduction`` asks for."""
    if reduction == "none":
        return Concrete((local,) * count)
    if count == 0:
        return Counted((), cap if reduction == "counter" else 0)
    if reduction == "counter":
        return Counted(((local, min(count, cap)),), cap)
    return Counted(((local, count),), 0)


def abstract(pop: Pop, cap: int) -> Counted:
    """The canonical (symmetry-reduced, capped at ``cap``; 0 = exact) form of a population."""
    counted = Counted((), cap)
    return counted._build(iter(pop.classes()))
