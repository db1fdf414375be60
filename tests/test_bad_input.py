"""Bad input and a hostile environment, through the real console entry point: one line on
stderr, exit status 2, no traceback; signals leave no git process and no temporary file.

These run ``python -m workbench`` as a subprocess because they are about the process: its
environment (no git on PATH, a cache path that is a file), its file descriptors (stdout
closed, /dev/full) and its signals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import HUNG, hung_git, running

ROOT = Path(__file__).resolve().parents[1]


def workbench(*args: str, env: dict[str, str] | None = None, **kw: object
              ) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.run([sys.executable, "-m", "workbench", *args], env=full, timeout=120,
                          check=False, **streams)  # type: ignore[call-overload]


def one_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kvm-workbench") \
        and " error: " in lines[0], err
    return lines[0]


@pytest.mark.parametrize(("args", "expected"), [
    (["history", "--repo", "/tmp/" + "x" * 300], "File name too long"),
    (["history", "--repo", "/" + "/".join(["d" * 250] * 20)], "File name too long"),
    (["history", "--repo", "~nosuchuser-kvm/x"], "no such user for ~"),
    (["history", "--repo=--"], "'--' is not a value"),
    (["history", "-n=--"], "'--' is not a value"),
    (["history", "--rev", "r" * 100_000], "bad revision"),
    (["history", "--repo", "/dev/null"], "not a directory"),
    (["history", "--repo", "bad\npath\x1b[31m"], "bad\\npath\\x1b[31m"),
    (["sim", "--vcpus", "9223372036854775808"], "not in 1..4,096"),
    (["sim", "--reduction", "none", "--vcpus", "100000000"], "not in 1..4,096"),
    (["sim", "--reduction", "none", "--queues", "16"], "at most 4 vCPUs and 4 queues"),
    (["history", "-n", "-5"], "not in 0..100,000,000"),
    (["timing", "--latency", "gamma:2"], "latency 'gamma:2'"),
    (["timing", "--fault", "stuck:07.0000"], "adapter 07 is not one"),
    (["timing", "--fault", "melt:00.0000"], "unknown kind 'melt'"),
    (["timing", "--adapters", "257"], "not in 1..256"),
    (["timing", "--era", "7.1"], "era '7.1'"),
    (["timing", "--userspace", "qemu-1.0"], "unknown userspace"),
    (["timing", "--toggle", "nope=1"], "--toggle 'nope=1'"),
    (["timing", "--hz", "123"], "--hz 123"),
])
def test_bad_arguments_are_one_line(args: list[str], expected: str) -> None:
    assert expected in one_line(workbench(*args))


def test_undecodable_path_bytes_are_escaped() -> None:
    proc = subprocess.run([sys.executable, "-m", "workbench", "history", "--repo",
                           os.fsdecode(b"/tmp/\xff\xfe-nowhere")], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert "\\xff\\xfe-nowhere" in one_line(proc)


def test_git_missing_from_path() -> None:
    assert "git is not installed" in one_line(workbench("history", env={"PATH": "/nonexistent"}))


def test_stdout_full_and_closed() -> None:
    with open("/dev/full", "wb") as full:
        line = one_line(workbench("history", stdout=full))
    assert "No space left on device" in line
    proc = subprocess.run(f"{sys.executable} -m workbench history >&-", shell=True,
                          capture_output=False, stderr=subprocess.PIPE, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "kvm-workbench: error: standard output is closed"


def test_a_cache_path_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("not a directory")
    line = one_line(workbench("history", env={"XDG_CACHE_HOME": str(blocker)}))
    assert "cannot build the demo history" in line


def test_a_relative_cache_home_is_ignored(tmp_path: Path) -> None:
    """XDG base directories must be absolute: a relative one is not used (no demo in cwd)."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    proc = workbench("history", "-n", "1", env={"XDG_CACHE_HOME": "rel-cache",
                                                "HOME": str(home)}, cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert not (work / "rel-cache").exists()
    assert list((home / ".cache/kvm-workbench").glob("demo-*.git"))


def test_a_damaged_demo_cache_is_rebuilt(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert workbench("history", "-n", "1", env=env).returncode == 0
    (demo,) = (tmp_path / "kvm-workbench").glob("demo-*.git")
    for pack in (demo / "objects").rglob("*"):
        if pack.is_file():
            pack.chmod(0o644)
            pack.write_bytes(b"")
    proc = workbench("history", "-n", "1", env=env)
    assert proc.returncode == 0, proc.stderr
    assert not list((tmp_path / "kvm-workbench").glob(".demo-build-*"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["TERM", "INT", "HUP"])
def test_a_signal_kills_git_and_leaves_no_temp_files(tmp_path: Path, signum: int) -> None:
    """git hangs (a fake git that sleeps) when the signal arrives: git dies with us, exit
    128+signal, no traceback, no temporary file left."""
    fake = hung_git(tmp_path / "bin")
    # a private temporary directory: the shared one gains files of whatever else runs
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    before = set(running(HUNG))
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "history"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch),
                                 "PATH": f"{fake.parent}:{os.environ['PATH']}"})
    deadline = time.monotonic() + 30
    while not set(running(HUNG)) - before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert set(running(HUNG)) - before, "the fake git never started"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, err
    assert b"Traceback" not in err
    time.sleep(0.1)
    assert set(running(HUNG)) - before == set()
    assert os.listdir(scratch) == []


def test_parallel_runs_share_one_demo_build(tmp_path: Path) -> None:
    """Four commands start at once on an empty cache: each builds or waits, all succeed with
    the same history, one demo repository remains and no build scratch."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-m", "workbench", "history", "-n", "3"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for _ in range(4)]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, [err for _, err in results]
    assert len({out for out, _ in results}) == 1
    cache = tmp_path / "kvm-workbench"
    assert len(list(cache.glob("demo-*.git"))) == 1
    assert not list(cache.glob(".demo-build-*"))
