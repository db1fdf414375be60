"""Benchmark of source facts: the full profile and census of a 6.12 tree, cold and warm.

* cold: a fresh Python process (interpreter, imports, reading, parsing, detecting), timed
  from outside, and the compute part alone timed inside it;
* warm: the same question asked again in that process (``open_source`` hands back the
  source with its parsed files and results).

Goals: cold < 3 s, warm < 0.3 s, reading only the files it needs; the file counts
are printed (read = bytes fetched, parsed = run through tree-sitter). Runs on the plain tree
and on the tagged commit of the git repo that ``make kernels`` caches, or on ``--repo``.

Run: ``.venv/bin/python bench/facts.py [--repo PATH [--rev REV]] [--runs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from history.tree.source import open_source
from history.tree.detect import detect
from history.tree.census import census
t1 = time.perf_counter()
repo, rev = sys.argv[1], (sys.argv[2] or None)
src = open_source(repo, rev)
profile, result = detect(src), census(src)
t2 = time.perf_counter()
again = open_source(repo, rev)
detect(again), census(again)
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "cold": t2 - t1, "warm": t3 - t2,
                  "read": len(src.scanned), "parsed": src.parsed,
                  "features": len(profile.features), "arches": len(result.arches)}))
"""


def run_once(repo: str, rev: str | None) -> dict[str, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, repo, rev or ""], cwd=ROOT,
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    data = json.loads(proc.stdout)
    data["process"] = time.perf_counter() - start
    return data


def report(label: str, repo: str, rev: str | None, runs: int) -> None:
    results = [run_once(repo, rev) for _ in range(runs)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    last = results[-1]
    print(f"{label}: {repo}{' @ ' + rev if rev else ''}")
    print(f"  cold, fresh process (start to exit): {med('process'):6.2f} s   goal < 3 s")
    print(f"    of which imports {med('imports'):.2f} s, profile + census {med('cold'):.2f} s")
    print(f"  warm, second call in-process:        {med('warm') * 1000:6.1f} ms  goal < 300 ms")
    print(f"  files read {int(last['read'])}, parsed {int(last['parsed'])}; "
          f"{int(last['features'])} features, {int(last['arches'])} arches "
          f"(median of {runs} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", help="kernel tree (default: the cached Debian 6.12 tree)")
    parser.add_argument("--rev", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.repo:
        report("tree", args.repo, args.rev, args.runs)
        return 0
    from tests.realsrc.fetch_kernels import git_dir, tree_dir

    plain, repo = tree_dir("6.12"), git_dir()
    if not plain.is_dir() or not repo.is_dir():
        print(f"no cached kernel trees ({plain}): run `make kernels` or pass --repo")
        return 0
    report("plain tree", str(plain), None, args.runs)
    report("git commit", str(repo), "deb-6.12", args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
