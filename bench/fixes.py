"""Benchmark of the fix explorer: ``python bench/fixes.py [--no-search] [--max-hooks N]``.

Goals on two cores, nothing remembered: the full matrix of the shipped catalog (every fix ×
claim × architecture × era × userspace) in under 30 s, and the search (every kvm_destroy_vm()
order that keeps the hard constraints × every set of at most two hooks) in under 5 min. For
each it prints the number of candidates, the checks asked for and how many were distinct,
cached or checked, the states explored and the cache hit rate (checks that needed no new
search: merged with an equal one or found on disk); then the catalog once more, warm. A plain
script, not a test: nothing here asserts on time; the cache lives in a temporary directory so
the user's is neither used nor touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.fixes import Figures

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _line(label: str, seconds: float, figures: Figures) -> str:
    return (f"  {label:<16} {seconds:7.1f} s  {figures.candidates} candidates,"
            f" {figures.requests:,} checks asked for, {figures.unique:,} distinct,"
            f" {figures.cached:,} cached, {figures.checked:,} checked,"
            f" {figures.states:,} states, cache hit rate {figures.hit_rate:.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-search", action="store_true", help="only the catalog")
    parser.add_argument("--max-hooks", type=int, default=2)
    args = parser.parse_args()
    from sim.fixes import CATALOG
    from workbench.fixes import judge, search

    cores = os.cpu_count() or 1
    print(f"fix explorer ({cores} cores), nothing remembered at the start:")
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["XDG_CACHE_HOME"] = scratch
        started = time.perf_counter()
        report = judge(CATALOG)
        print(_line("catalog, cold", time.perf_counter() - started, report.figures))
        started = time.perf_counter()
        report = judge(CATALOG)
        print(_line("catalog, warm", time.perf_counter() - started, report.figures))
        complete = [r.fix.name for r in report.complete()]
        print(f"  complete: {', '.join(complete) or 'none'}")
        if not args.no_search:
            started = time.perf_counter()
            found = search(max_hooks=args.max_hooks)
            print(_line("search", time.perf_counter() - started, found.report.figures))
            print(f"  {found.conclusion()}")
    print("goals: catalog under 30 s, search under 5 min (cold, two cores)")


if __name__ == "__main__":
    main()
