"""Provides ``check_many``: many model checks on every core, remembered between runs.

The Report judges every architecture × era × userspace × order: a few hundred checks, most
tiny, a dozen of s390's near 15,000 states. They run in a process pool (the checker is pure
Python: threads would share one core) and each result is kept as the JSON the CLI prints,
under a key made of the model's own source and the check's inputs — so a change of rule,
toggle, feature or tree (which changes the features) is a different key, never a stale hit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

from sim.defaults import DEFAULT_QUEUES, DEFAULT_USERSPACE, DEFAULT_VCPUS

#: Bump when the JSON kept per check changes shape.
CACHE_FORMAT = 1

Progress = Callable[[int, int], None]
"""Called with (checks done, checks in all) as results arrive."""


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """The inputs of one check, as ``sim.build_profile`` takes them."""

    arch: str
    era: str
    order: str
    userspace: str = DEFAULT_USERSPACE
    toggles: tuple[tuple[str, str], ...] = ()
    features: tuple[tuple[str, bool], ...] = ()
    vcpus: int = DEFAULT_VCPUS
    queues: int = DEFAULT_QUEUES
    steps: tuple[str, ...] = ()
    """An explicit kvm_destroy_vm() step list (a fix's order); () runs ``order``."""
    hooks: tuple[str, ...] = ()
    """sim.hooks names a fix adds."""

    def run(self) -> dict[str, Any]:
        """Check it here and now: the CLI's JSON of the run (``CheckResult.to_json``)
        without the time it took, so that a result is the same bytes on every machine."""
        from sim.checker import check
        from sim.profile import build_profile

        profile = build_profile(self.arch, self.era, order=self.order, vcpus=self.vcpus,
                                queues=self.queues, toggles=dict(self.toggles),
                                features=dict(self.features), userspace=self.userspace,
                                steps=self.steps or None, hooks=self.hooks)
        run = check(profile).to_json()
        run["stats"].pop("seconds", None)
        return run


@cache
def model_fingerprint() -> str:
    """A digest of every source file of sim/: any change of a rule is a new model."""
    import sim

    root = Path(sim.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def cache_dir() -> Path:
    """Where results are kept: ``$XDG_CACHE_HOME/kvm-workbench/checks/<model>``."""
    from history.demo import cache_root

    return cache_root() / "checks" / f"v{CACHE_FORMAT}-{model_fingerprint()}"


def _key(request: CheckRequest) -> str:
    fields = asdict(request)
    for name in ("steps", "hooks"):  # a request without them keeps the key it always had
        if not fields[name]:
            del fields[name]
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _load(directory: Path, request: CheckRequest) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / f"{_key(request)}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent or damaged: checked again
    return data if isinstance(data, dict) else None


def _store(directory: Path, request: CheckRequest, run: dict[str, Any]) -> None:
    """Best effort and atomic: a full disk costs the next launch time, not a wrong result."""
    from workbench.output import write_atomic

    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(directory / f"{_key(request)}.json",
                     json.dumps(run, sort_keys=True, separators=(",", ":")))
    except OSError:
        pass


def _run_job(job: Job) -> dict[str, Any]:
    """The pool's task (a module-level function: the spawned worker imports it)."""
    return job.run()


def check_many(requests: Sequence[CheckRequest], *, workers: int | None = None,
               use_cache: bool = True, progress: Progress | None = None,
               cancelled: Callable[[], bool] | None = None,
               counts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Every request's run JSON, in request order: from the cache, else checked on up to
    ``workers`` processes (default: every core). A ``SimError`` of any request is raised;
    ``cancelled`` stops the pool and raises ``CheckCancelled`` (with the number of checks
    done, for its ``states``). ``counts``, when given, receives how many results came from
    the cache (``cached``) and how many were checked (``checked``)."""
    directory = cache_dir() if use_cache else None
    results: dict[int, dict[str, Any]] = {}
    for index, request in enumerate(requests):
        found = _load(directory, request) if directory is not None else None
        if found is not None:
            results[index] = found
    missing = [index for index in range(len(requests)) if index not in results]
    total = len(requests)
    if counts is not None:
        counts["cached"] = len(results)
        counts["checked"] = len(missing)

    def arrived(index: int, run: dict[str, Any]) -> None:
        results[index] = run
        if directory is not None:
            _store(directory, requests[index], run)
        if progress is not None:
            progress(len(results), total)

    if progress is not None:
        progress(len(results), total)
    run_jobs([requests[index] for index in missing], workers=workers,
             arrived=lambda i, run: arrived(missing[i], run), cancelled=cancelled)
    return [results[index] for index in range(total)]


class Job(Protocol):
    """A unit of pool work: picklable, with a module-level class, returning JSON-able data."""

    @property
    def arch(self) -> str:
        """s390 jobs are the long ones (they start first)."""
        ...

    def run(self) -> dict[str, Any]:
        """Do the work (in a spawned process or in this one)."""
        ...


def run_jobs(jobs: Sequence[Job], *, workers: int | None = None,
             arrived: Callable[[int, dict[str, Any]], None],
             cancelled: Callable[[], bool] | None = None) -> None:
    """Run every job on up to ``workers`` spawned processes (default: every core), handing
    each result to ``arrived(index, result)`` as it comes; what the platform refuses to run in
    worker processes runs in this one, with the same results. ``cancelled`` stops the pool and
    raises ``CheckCancelled``."""
    from sim.errors import CheckCancelled

    done: set[int] = set()

    def got(index: int, result: dict[str, Any]) -> None:
        done.add(index)
        arrived(index, result)

    count = min(workers or os.cpu_count() or 1, len(jobs))
    if count > 1:
        # the platform may refuse worker processes (descriptors, limits, a sandbox): then
        # the jobs not done yet run in this process below
        with contextlib.suppress(OSError, ValueError, BrokenProcessPool):
            _run_pooled(jobs, count, got, cancelled)
    for index, job in enumerate(jobs):
        if index in done:
            continue
        if cancelled is not None and cancelled():
            raise CheckCancelled(len(done))
        got(index, job.run())


_TRACKER_LOCK = threading.Lock()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a real stderr.

    The tracker is spawned with ``sys.stderr.fileno()`` among the descriptors it keeps. Inside
    a Textual app ``sys.stderr`` is the app's capture, whose ``fileno()`` is -1, and the spawn
    then fails ("bad value(s) in fds_to_keep"): the first Report of a TUI session would. For
    the moment of the start, the interpreter's own stderr stands in.
    """
    from multiprocessing import resource_tracker

    with _TRACKER_LOCK:
        saved = sys.stderr
        try:
            if _fileno(saved) < 0 and sys.__stderr__ is not None:
                sys.stderr = sys.__stderr__
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved


def _fileno(stream: object) -> int:
    try:
        return int(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return -1


def _run_pooled(jobs: Sequence[Job], count: int,
                arrived: Callable[[int, dict[str, Any]], None],
                cancelled: Callable[[], bool] | None) -> None:
    """The jobs on ``count`` spawned processes, each result handed to ``arrived`` as it comes
    (spawn, not fork: the TUI calls this from a thread, and forking a threaded process can
    copy a held lock into the child)."""
    from sim.errors import CheckCancelled

    _start_resource_tracker()
    with ProcessPoolExecutor(count, mp_context=get_context("spawn")) as pool:
        pending: dict[Future[dict[str, Any]], int] = {
            pool.submit(_run_job, jobs[index]): index
            for index in _largest_first(jobs, range(len(jobs)))}
        while pending:
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            if cancelled is not None and cancelled():
                pool.shutdown(wait=False, cancel_futures=True)
                raise CheckCancelled(0)
            for future in done:
                arrived(pending.pop(future), future.result())


def _largest_first(jobs: Sequence[Job], indexes: Iterable[int]) -> list[int]:
    """s390 checks are a hundred times the others: start them first so the cores end
    together."""
    return sorted(indexes, key=lambda index: jobs[index].arch != "s390")
