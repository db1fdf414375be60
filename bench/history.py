"""Benchmark of history/ on a generated 200,000-commit repository (a script, not a test).

Figures (median of several runs, warm cache, same machine):
  * first 200 commits: our CLI and our library vs plain ``git log -200``;
  * function trace: ours (tree-sitter range + ``log -L``) vs git's own ``log -L`` of that range;
  * launch to the first painted History screen (200 rows) vs an empty Textual app, headless.

Run: ``.venv/bin/python bench/history.py [--commits N]``. The repo is cached in bench/out/.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from history.git import queries  # noqa: E402
from history.git.repo import KernelRepo  # noqa: E402

KVM_MAIN = """\
static void kvm_destroy_vm_debugfs(struct kvm *kvm)
{{
\tdebugfs_remove_recursive(kvm->debugfs_dentry);
}}

static void kvm_destroy_vm(struct kvm *kvm)
{{
\tkvm_arch_sync_events(kvm);
\tkvm_arch_destroy_vm(kvm);
\tkvm_destroy_devices(kvm);
\t/* generation {n} */
\tkvm_free_memslots(kvm);
}}
"""


def generate(path: Path, commits: int) -> None:
    """A linear history via git fast-import; every 1,000th commit touches kvm_destroy_vm."""
    if (path / "HEAD").exists():
        return
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    proc = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"],
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    write = proc.stdin.write
    for i in range(commits):
        stamp = 1_300_000_000 + i * 60
        message = f"subsystem{i % 50}: change {i}\n".encode()
        write(b"commit refs/heads/main\n")
        write(b"committer Bench <bench@example.invalid> %d +0000\n" % stamp)
        write(b"data %d\n%s\n" % (len(message), message))
        if i % 1000 == 0:
            body = KVM_MAIN.format(n=i).encode()
            write(b"M 100644 inline virt/kvm/kvm_main.c\ndata %d\n%s\n" % (len(body), body))
        body = f"{i}\n".encode()
        write(b"M 100644 inline drivers/f%d.c\ndata %d\n%s\n" % (i % 100, len(body), body))
        write(b"\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("fast-import failed")
    subprocess.run(["git", "-C", str(path), "symbolic-ref", "HEAD", "refs/heads/main"],
                   check=True)


def timed(fn, runs: int = 7) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def timed_pair(first, second, runs: int = 11) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Medians of two commands run alternately, so drift in the machine's speed hits both."""
    a, b = [], []
    for _ in range(runs):
        for fn, samples in ((first, a), (second, b)):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def run_quiet(argv: list[str]) -> None:
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


LAUNCH_EMPTY = """
import asyncio, time
t0 = time.perf_counter()
from textual.app import App
from textual.widgets import Static
class Empty(App):
    def compose(self):
        yield Static("ready")
async def main():
    app = Empty()
    async with app.run_test(size=(132, 36)) as pilot:
        await pilot.pause()
asyncio.run(main())
"""

LAUNCH_OURS = """
import asyncio, sys, time
from history.git.repo import KernelRepo
from workbench.app import make_app
from workbench.widgets.commit_list import CommitList
async def main():
    app = make_app(KernelRepo.open(sys.argv[1]))
    async with app.run_test(size=(132, 36)) as pilot:
        await pilot.pause()  # first paint, as for the empty app
        if sys.argv[2] == "rows":
            start = time.perf_counter()
            while len(app.screen.query_one(CommitList).rows) < 200:
                await pilot.pause()
            print(time.perf_counter() - start)
asyncio.run(main())
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=200_000)
    args = parser.parse_args()
    repo_path = ROOT / "bench" / "out" / f"linear-{args.commits}.git"
    start = time.perf_counter()
    generate(repo_path, args.commits)
    print(f"repo: {repo_path} ({args.commits:,} commits, ready in "
          f"{time.perf_counter() - start:.1f}s)")
    git = ["git", "-C", str(repo_path)]
    fmt = f"--format={queries.LOG_FORMAT}"

    plain_log = timed(lambda: run_quiet([*git, "log", "-z", fmt, "-200"]))
    cli_log = timed(lambda: run_quiet([sys.executable, "-m", "workbench", "history",
                                       "--repo", str(repo_path), "-n", "200"]))

    def first_200(repo: KernelRepo) -> None:
        stream = queries.log(repo)
        rows = list(itertools.islice(stream, 200))
        stream.close()
        assert len(rows) == 200

    lib_log = timed(lambda: first_200(KernelRepo.open(repo_path)))
    repo = KernelRepo.open(repo_path)
    lib_stream = timed(lambda: first_200(repo))

    where = queries.function_range(repo, None, "virt/kvm/kvm_main.c", "kvm_destroy_vm")
    plain_trace = timed(lambda: run_quiet([*git, "log", f"-L{where.start},{where.end}:"
                                           f"{where.path}", fmt, "--no-ext-diff",
                                           "--no-textconv", "HEAD"]), runs=3)

    def library_trace() -> None:
        fresh = KernelRepo.open(repo_path)  # no cache: range lookup + log -L every time
        assert len(queries.trace(fresh).entries) == args.commits // 1000

    lib_trace = timed(library_trace, runs=3)
    cli_trace = timed(lambda: run_quiet([sys.executable, "-m", "workbench", "trace",
                                         "--repo", str(repo_path)]), runs=3)

    # Bytecode may be written: Textual's modules come byte-compiled from pip, and ours must
    # be compared on the same footing (an editable install compiles on every launch when the
    # environment forbids writing .pyc files, which a user's normally does not).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", LAUNCH_OURS, str(repo_path), "paint"], env=env,
                   check=True)  # writes the .pyc files once
    empty, first_paint = timed_pair(
        lambda: subprocess.run([sys.executable, "-c", LAUNCH_EMPTY], env=env, check=True),
        lambda: subprocess.run([sys.executable, "-c", LAUNCH_OURS, str(repo_path), "paint"],
                               env=env, check=True))
    with_rows = timed(lambda: subprocess.run(
        [sys.executable, "-c", LAUNCH_OURS, str(repo_path), "rows"], env=env, check=True,
        stdout=subprocess.DEVNULL), runs=5)
    after_paint = statistics.median(float(subprocess.run(
        [sys.executable, "-c", LAUNCH_OURS, str(repo_path), "rows"], env=env, check=True,
        capture_output=True, text=True).stdout) for _ in range(5))

    rows = [
        ("first 200 commits: git log -200", plain_log, None),
        ("first 200 commits: library (open + stream)", lib_log, lib_log / plain_log),
        ("first 200 commits: library (repo already open)", lib_stream, lib_stream / plain_log),
        ("first 200 commits: CLI process", cli_log, cli_log / plain_log),
        ("trace kvm_destroy_vm: git log -L", plain_trace, None),
        ("trace kvm_destroy_vm: library", lib_trace, lib_trace / plain_trace),
        ("trace kvm_destroy_vm: CLI process", cli_trace, cli_trace / plain_trace),
        ("launch: empty Textual app (headless)", empty, None),
        ("launch: first painted History screen", first_paint, first_paint / empty),
        ("launch: History screen with 200 rows", with_rows, with_rows / empty),
        ("200 rows on screen after first paint", after_paint, after_paint / plain_log),
    ]
    print(f"{'measure':<46} {'seconds':>9} {'ratio':>7}")
    for name, seconds, ratio in rows:
        print(f"{name:<46} {seconds:>9.4f} {'' if ratio is None else f'{ratio:.2f}x':>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
