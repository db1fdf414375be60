"""Benchmark of the teardown model checker (issue 4 item 7): ``python bench/sim.py``.

Goals (s390, era 6.1, both call orders): V=4 Q=16 in < 0.5 s and < 100 MiB; V=248 Q=65,536
(every APQN of 256 x 256) in < 2 s and < 200 MiB. It also prints states and time for
Q = 1, 16, 256, 4,096, 65,536 so that the (absent) growth is visible, with the hardware-fault
outcome classes off (the default) and on. Time is measured without tracing; peak memory is
measured in a second, traced run (tracemalloc), and the process's peak RSS is printed at the end.
A plain script, not a test: nothing here asserts on time.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.checker import check
from sim.profile import build_profile

MIB = 1024 * 1024


def run(vcpus: int, queues: int, toggles: dict[str, str] | None = None
        ) -> tuple[int, float, float, str]:
    """Both orders: (states of both runs, seconds, peak traced MiB, verdict summary)."""
    profiles = [build_profile("s390", "6.1", order=order, vcpus=vcpus, queues=queues,
                              toggles=toggles or {}) for order in ("current", "reversed")]
    started = time.perf_counter()
    results = [check(profile) for profile in profiles]
    seconds = time.perf_counter() - started
    tracemalloc.start()
    for profile in profiles:
        check(profile)
    peak = tracemalloc.get_traced_memory()[1] / MIB
    tracemalloc.stop()
    failing = sorted({claim.id for result in results for claim in result.claims
                      if claim.verdict == "fails"})
    states = sum(result.stats.states for result in results)
    return states, seconds, peak, ", ".join(failing) or "none"


def line(label: str, vcpus: int, queues: int, figures: tuple[int, float, float, str],
         goal: str = "") -> str:
    states, seconds, peak, failing = figures
    return (f"{label:<18} {vcpus:>4} {queues:>7,} {states:>8,} {seconds:>8.3f} {peak:>9.1f}"
            f"  {goal:<22} {failing}")


def main() -> int:
    print("s390 6.1, both orders (current + reversed); states summed over the two runs")
    print(f"{'run':<18} {'V':>4} {'Q':>7} {'states':>8} {'seconds':>8} {'peak MiB':>9}"
          f"  {'goal':<22} failing claims")
    print(line("goal run", 4, 16, run(4, 16), "< 0.5 s, < 100 MiB"))
    print(line("goal run", 248, 65_536, run(248, 65_536), "< 2 s, < 200 MiB"))
    for queues in (1, 16, 256, 4_096, 65_536):
        print(line("growth", 4, queues, run(4, queues)))
    faults = {"ap-reset-faults": "true"}
    for queues in (1, 16, 65_536):
        print(line("growth, AP faults", 4, queues, run(4, queues, faults)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
