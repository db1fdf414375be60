"""Benchmark of the Report's matrix: ``python bench/report.py``.

Goals: the demo report's matrix (every architecture × the report's eras and the tree's own
profile × each userspace × both orders) cold — nothing remembered — in under 10 s on two
cores, and warm — every result remembered — in under 0.2 s, rendered to Markdown included.
It prints each figure with its ratio: cold on all cores against cold on one, warm against
cold. A plain script, not a test: nothing here asserts on time; the cache lives in a
temporary directory so the user's is neither used nor touched.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(workers: int | None) -> float:
    """Seconds for one report of the demo: tree read, matrix, answers, Markdown."""
    from history.demo import open_demo
    from history.tree.source import open_source
    from workbench.report import (
        REPORT_ERAS,
        Column,
        build_report,
        read_tree,
        render_markdown,
        tree_column,
    )

    started = time.perf_counter()
    repo = open_demo()
    src = open_source(None, None, repo=repo)
    columns = [Column(era, era) for era in REPORT_ERAS]
    own = tree_column(src)
    if own is not None:
        columns.append(own)
    report = build_report(read_tree(src, repo, "demo"), columns=columns, workers=workers)
    render_markdown(report)
    return time.perf_counter() - started


def main() -> None:
    import shutil

    from workbench import checks

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["XDG_CACHE_HOME"] = scratch
        build(1)  # the demo history is built once, outside the timings
        figures: dict[str, list[float]] = {"cold, 1 core": [], "cold, all cores": [],
                                           "warm": []}
        for _ in range(3):
            for label, workers in (("cold, 1 core", 1), ("cold, all cores", None)):
                shutil.rmtree(checks.cache_dir(), ignore_errors=True)
                figures[label].append(build(workers))
            figures["warm"].append(min(build(None) for _ in range(5)))
    medians = {label: statistics.median(values) for label, values in figures.items()}
    cores = os.cpu_count() or 1
    print(f"report matrix of the demo ({cores} cores), medians of 3:")
    for label, value in medians.items():
        print(f"  {label:<16} {value:8.3f} s")
    print(f"  all cores / one core: {medians['cold, all cores'] / medians['cold, 1 core']:.2f}×"
          f"   warm / cold: {medians['warm'] / medians['cold, all cores']:.3f}×")
    print("goals: cold under 10 s, warm under 0.2 s")


if __name__ == "__main__":
    main()
