"""Benchmark of the timing model: ``python bench/timing.py``.

Goals: one run of 65,536 queues (256 adapters × 256 domains) with lognormal latency and 1 %
faults, for both reset algorithms and both orders, in under 1 s and 200 MiB each; a scaling
table for 1, 256, 4,096 and 65,536 queues; 1,000 Monte-Carlo runs of 256 queues in under 10 s
on both cores. A plain script: it prints the figures and their ratios, it asserts nothing.
Memory is the peak of Python allocations during a run (tracemalloc, measured in a separate
pass so that its overhead does not enter the times).
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FAULTS = ("assoc-fail:1%", "deconfig:1%@10")
LATENCY = "lognormal:2.3,1.0"


def machine(adapters: int, domains: int, faults: tuple[str, ...] = FAULTS):  # type: ignore[no-untyped-def]
    from sim.timing.spec import Hardware, parse_fault, parse_latency

    return Hardware(adapters=adapters, domains=domains, latency=parse_latency(LATENCY),
                    faults=tuple(parse_fault(f) for f in faults))


def one(era: str, order: str, adapters: int, domains: int, *, repeat: int = 3,
        faults: tuple[str, ...] = FAULTS) -> tuple[float, int, float]:
    """(median seconds, events, simulated ms) of one exit-path run."""
    from sim.profile import build_profile
    from sim.timing.result import simulate

    profile = build_profile("s390", era, order=order)
    hw = machine(adapters, domains, faults)
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = simulate(profile, hw, path="exit", seed=1, timeline=False)
        times.append(time.perf_counter() - started)
    assert result is not None
    return statistics.median(times), result.events, result.finished_us / 1000


def peak_mib(era: str, order: str) -> float:
    from sim.profile import build_profile
    from sim.timing.result import simulate

    profile = build_profile("s390", era, order=order)
    hw = machine(256, 256)
    tracemalloc.start()
    simulate(profile, hw, path="exit", seed=1, timeline=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def montecarlo(pool: bool, domains: int = 256, adapters: int = 1) -> float:
    from sim.profile import build_profile
    from sim.timing.montecarlo import monte_carlo
    from workbench.timing import _pool_map

    profile = build_profile("s390", "6.12")
    started = time.perf_counter()
    monte_carlo(profile, machine(adapters, domains), path="exit", seed=1, runs=1000, chunks=8,
                map_chunks=_pool_map if pool else None)
    return time.perf_counter() - started


def main() -> None:
    print(f"65,536 queues, latency {LATENCY}, faults {', '.join(FAULTS)} (goal < 1 s, < 200 MiB)")
    for era, algorithm in (("6.1", "bounded"), ("6.12", "unbounded")):
        for order in ("current", "reversed"):
            seconds, events, simulated = one(era, order, 256, 256)
            print(f"  {era:<5} {algorithm:<9} {order:<8} {seconds:6.3f} s  {events:7d} events"
                  f"  {events / seconds / 1e6:5.2f} M events/s  teardown {simulated / 1000:9.1f} s"
                  f"  peak {peak_mib(era, order):6.1f} MiB")
    seconds, events, _ = one("6.12", "current", 256, 256, faults=("stuck:1%",))
    print(f"  6.12  unbounded current with stuck:1% (hangs): {seconds:.3f} s, {events} events")
    print("\nscaling (exit path, current order): queues, seconds per run, events")
    print(f"  {'queues':>7}  {'6.1 s':>8} {'events':>8}  {'6.12 s':>8} {'events':>8}")
    for adapters, domains in ((1, 1), (1, 256), (16, 256), (256, 256)):
        a = one("6.1", "current", adapters, domains)
        b = one("6.12", "current", adapters, domains)
        print(f"  {adapters * domains:7d}  {a[0]:8.4f} {a[1]:8d}  {b[0]:8.4f} {b[1]:8d}")
    serial = montecarlo(pool=False)
    pooled = montecarlo(pool=True)
    print(f"\nMonte-Carlo 1,000 runs × 256 queues (6.12, goal < 10 s): one core {serial:.2f} s,"
          f" every core {pooled:.2f} s ({serial / pooled:.2f}x)")
    serial = montecarlo(pool=False, adapters=16)
    pooled = montecarlo(pool=True, adapters=16)
    print(f"Monte-Carlo 1,000 runs × 4,096 queues: one core {serial:.2f} s, every core"
          f" {pooled:.2f} s ({serial / pooled:.2f}x)")


if __name__ == "__main__":
    main()
