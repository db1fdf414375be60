"""Provides the Monte-Carlo mode: many seeded runs of one timed teardown, and the probability
of each outcome with a 95 % Wilson score interval.

Run i uses the i-th 63-bit number of ``Random(seed)``, so a result is reproducible from
(profile, hardware, path, seed, runs) alone. Runs are independent: :func:`monte_carlo` takes a
``map_chunks`` function so that the caller decides where they run (in this process, or on a
process pool: workbench.timing spreads the chunks over every core).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

from sim.profile import Profile
from sim.timing.result import FLAGS, simulate
from sim.timing.spec import Hardware

Z95 = 1.959963984540054


def wilson(hits: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion (it stays inside [0, 1] and is
    honest at 0 or n hits, where the normal approximation collapses to a point)."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    denom = 1 + Z95 * Z95 / n
    centre = (p + Z95 * Z95 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 * Z95 / (4 * n * n)) / denom
    low = 0.0 if hits == 0 else max(0.0, centre - half)
    high = 1.0 if hits == n else min(1.0, centre + half)
    return low, high


def run_seeds(seed: int, runs: int) -> list[int]:
    """The per-run seeds."""
    rng = Random(seed)
    return [rng.getrandbits(63) for _ in range(runs)]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Some runs of one teardown (a picklable unit of work for a process pool)."""

    profile: Profile
    hw: Hardware
    path: str
    seeds: tuple[int, ...]
    arch: str = "s390"

    def run(self) -> dict[str, Any]:
        """Each run's flags, duration (µs, -1 hung) and reset classes."""
        out = []
        for seed in self.seeds:
            r = simulate(self.profile, self.hw, path=self.path, seed=seed, timeline=False)
            out.append({"flags": r.flags, "us": r.finished_us, "classes": list(r.classes),
                        "unverified": r.counts["unverified"], "hung": r.counts["hung"],
                        "bound": r.bound_at_destroy})
        return {"runs": out}


def _in_process(chunks: Sequence[Chunk]) -> list[dict[str, Any]]:
    return [chunk.run() for chunk in chunks]


@dataclass(frozen=True, slots=True)
class MonteCarlo:
    """The aggregate of many runs."""

    runs: int
    seed: int
    hits: dict[str, int]
    durations_ms: tuple[float, ...]
    """Sorted durations of the runs that finished."""
    classes: tuple[str, ...]
    queue_totals: dict[str, int]
    """Queues over all runs that ended unverified, hung, or bound at a destroy attempt."""
    queues: int

    def probability(self, flag: str) -> tuple[float, float, float]:
        """(p, low, high) for one outcome flag."""
        low, high = wilson(self.hits[flag], self.runs)
        return self.hits[flag] / self.runs, low, high

    def quantile(self, q: float) -> float | None:
        """A duration quantile over the finished runs (None if every run hung)."""
        if not self.durations_ms:
            return None
        index = min(len(self.durations_ms) - 1, max(0, math.ceil(q * len(self.durations_ms)) - 1))
        return self.durations_ms[index]

    def to_json(self) -> dict[str, Any]:
        """The ``probabilities`` object of ``timing --runs N --json``."""
        probs = {}
        for flag in FLAGS:
            p, low, high = self.probability(flag)
            probs[flag] = {"runs": self.hits[flag], "p": round(p, 6),
                           "ci95": [round(low, 6), round(high, 6)]}
        return {"runs": self.runs, "seed": self.seed, "probabilities": probs,
                "duration_ms": {"finished_runs": len(self.durations_ms),
                                "min": self.quantile(0.0), "median": self.quantile(0.5),
                                "p95": self.quantile(0.95),
                                "max": self.durations_ms[-1] if self.durations_ms else None},
                "per_queue": {name: round(count / (self.runs * self.queues), 6)
                              for name, count in self.queue_totals.items()},
                "layer1_classes": list(self.classes)}


def monte_carlo(profile: Profile, hw: Hardware, *, path: str, seed: int, runs: int,
                chunks: int = 1,
                map_chunks: Callable[[Sequence[Chunk]], list[dict[str, Any]]] | None = None,
                ) -> MonteCarlo:
    """``runs`` seeded runs, split into ``chunks`` pieces handed to ``map_chunks``."""
    seeds = run_seeds(seed, runs)
    size = max(1, math.ceil(runs / max(1, chunks)))
    pieces = [Chunk(profile, hw, path, tuple(seeds[i:i + size])) for i in range(0, runs, size)]
    results = (map_chunks or _in_process)(pieces)
    hits = dict.fromkeys(FLAGS, 0)
    durations = []
    seen: set[str] = set()
    totals = {"unverified": 0, "hung": 0, "bound": 0}
    for result in results:
        for one in result["runs"]:
            for flag in FLAGS:
                hits[flag] += bool(one["flags"].get(flag))
            if one["us"] >= 0:
                durations.append(round(one["us"] / 1000, 3))
            seen.update(one["classes"])
            for name in totals:
                totals[name] += one[name]
    classes = tuple(name for name in ("verified", "unverified", "hung") if name in seen)
    return MonteCarlo(runs, seed, hits, tuple(sorted(durations)), classes, totals, hw.queues)
