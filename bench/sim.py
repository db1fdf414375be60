"""Benchmark of the teardown model checker: ``python bench/sim.py``.

Goals (s390, both call orders, default toggles): V=248 Q=65,536 (every APQN of 256 x 256)
in under 2 s and 200 MiB for era 6.1 and 6.12 and each userspace; V=4 Q=16 on 6.1 in under
0.5 s and 100 MiB (the first benchmark's goal). It prints states and time for Q = 1 .. 65,536
so that the (absent) growth with Q is visible, the what-if runs with the AP hardware faults
on, and the whole verdict matrix: every architecture x every release 3.9..6.18 x both orders x
each userspace (``any``, ``qemu-8.2``, ``qemu-8.1``), once without and once with QEMU's
async-teardown helper. Time is measured without tracing; peak memory in a second, traced run
(tracemalloc); the process's peak RSS is printed at the end. A plain script, not a test:
nothing here asserts on time.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.arches import ARCHES
from sim.checker import check
from sim.eras import RELEASES, format_version
from sim.profile import build_profile
from sim.userspace import USERSPACE_NAMES

MIB = 1024 * 1024


def run(era: str, vcpus: int, queues: int, userspace: str = "any",
        toggles: dict[str, str] | None = None) -> tuple[int, float, float, str]:
    """Both orders: (states of both runs, seconds, peak traced MiB, failing claims)."""
    profiles = [build_profile("s390", era, order=order, vcpus=vcpus, queues=queues,
                              userspace=userspace, toggles=toggles or {})
                for order in ("current", "reversed")]
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


def line(label: str, era: str, userspace: str, vcpus: int, queues: int,
         figures: tuple[int, float, float, str], goal: str = "") -> str:
    states, seconds, peak, failing = figures
    return (f"{label:<18} {era:>4} {userspace:<9} {vcpus:>4} {queues:>7,} {states:>8,}"
            f" {seconds:>8.3f} {peak:>9.1f}  {goal:<19} {failing}")


def matrix(async_teardown: bool) -> tuple[int, int, float]:
    """Every arch x release x order x userspace: (runs, states, seconds)."""
    runs = states = 0
    started = time.perf_counter()
    for arch in ARCHES:
        for release in RELEASES:
            for userspace in USERSPACE_NAMES:
                for order in ("current", "reversed"):
                    result = check(build_profile(arch, format_version(release), order=order,
                                                 userspace=userspace,
                                                 async_teardown=async_teardown))
                    runs += 1
                    states += result.stats.states
    return runs, states, time.perf_counter() - started


def main() -> int:
    print("s390, both orders (current + reversed); states summed over the two runs")
    print(f"{'run':<18} {'era':>4} {'userspace':<9} {'V':>4} {'Q':>7} {'states':>8}"
          f" {'seconds':>8} {'peak MiB':>9}  {'goal':<19} failing claims")
    for era in ("6.1", "6.12"):
        for userspace in USERSPACE_NAMES:
            print(line("goal run" if era == "6.1" else "run", era, userspace, 4, 16,
                       run(era, 4, 16, userspace), "< 0.5 s, < 100 MiB" if era == "6.1" else ""))
            print(line("goal run", era, userspace, 248, 65_536,
                       run(era, 248, 65_536, userspace), "< 2 s, < 200 MiB"))
    for queues in (1, 16, 256, 4_096, 65_536):
        print(line("growth", "6.12", "any", 4, queues, run("6.12", 4, queues)))
    faults = {"ap-reset-faults": "true"}
    for era, userspace in (("6.1", "any"), ("6.12", "qemu-8.2"), ("6.12", "any")):
        print(line("what-if AP faults", era, userspace, 4, 16,
                   run(era, 4, 16, userspace, faults)))
    for async_teardown in (False, True):
        runs, states, seconds = matrix(async_teardown)
        label = "matrix +async" if async_teardown else "matrix"
        print(f"{label}: {runs} runs ({len(ARCHES)} arches x {len(RELEASES)} releases x 2"
              f" orders x {len(USERSPACE_NAMES)} userspaces), {states:,} states,"
              f" {seconds:.1f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
