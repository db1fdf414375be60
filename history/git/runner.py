"""Provides the one chokepoint through which history/ runs git: read-only, streamed, inert, bounded.

Why a chokepoint: a kernel maintainer opens trees they did not build. Nothing we run may write
to them (index, refs, config, objects, work tree), nothing the repository configures may
execute or fetch, nothing may hang or exhaust memory, and nothing in the repository's config
may change what our parsers read. Every invocation is built here, so those guarantees are
proved once (tests/history/test_readonly.py, tests/history/test_zoo.py).

How, in layers (each one alone would stop the known attacks; together they leave git nothing
to start):

- The environment is built from scratch, not inherited: ``PATH`` and ``GIT_EXEC_PATH`` name
  directories that cannot exist (under ``/dev/null``) and git is run by its absolute path, so
  git can start no program by name — no lazy-fetch ``git fetch`` child, no remote helper, no
  ssh, no hook, no pager. ``GIT_NO_LAZY_FETCH`` (git 2.44+) and ``GIT_ALLOW_PROTOCOL=none``
  (every transport refused whatever ``protocol.*.allow`` the repository sets) say the same
  again. No system or global config is read (``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_SYSTEM``,
  ``GIT_CONFIG_GLOBAL``), no system attributes, no graft file (``GIT_GRAFT_FILE``), no replace
  refs (``GIT_NO_REPLACE_OBJECTS`` plus ``--no-replace-objects`` and
  ``-c core.useReplaceRefs=false``, because the repository's own config can turn them back on).
- ``-c`` overrides (command-line config beats the repository's) for every key that could run
  something, read a file the repository names, or change an output we parse: colours, dates,
  decorations, prefixes, encodings, mailmaps, ignore-revs files, attributes files, order files.
- A repository is opened with its git directory named explicitly and an empty directory as
  work tree (``--git-dir``, ``--work-tree``), so no ``.mailmap`` or ``.gitattributes`` of the
  checkout is read; before the first git process, :mod:`history.git.preflight` refuses a
  repository whose git directory (or a config include) holds a FIFO, a device or an oversized
  file where git would read one.
- Every process has a deadline and an output cap: a git that runs too long is killed and the
  command says so in one line; output beyond the cap is refused, never buffered.

Streaming: ``stream_records`` yields NUL-separated records while git runs, so the first screen
of a 1.3M-commit log arrives at once; closing the generator kills git. No git process outlives
its caller. Plain subprocesses, not per-commit ``cat-file`` round trips (PEERS §4).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path

from history.errors import HistoryError

#: ``-c`` overrides: nothing runs, no file the repository names is read, outputs are ours.
SAFE_CONFIG: tuple[str, ...] = (
    # execution and writes
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.untrackedCache=false",
    "core.splitIndex=false",
    "core.sshCommand=false",
    "core.askPass=",
    "credential.helper=",
    "diff.external=",
    "log.showSignature=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "fetch.writeCommitGraph=false",
    "protocol.allow=never",
    "submodule.recurse=false",
    # history as recorded, not as the repository would rewrite it
    "core.useReplaceRefs=false",
    # files a repository's config could point at (a FIFO hangs, /dev/zero exhausts memory)
    "core.attributesFile=/dev/null",
    "core.excludesFile=/dev/null",
    "mailmap.file=/dev/null",
    "mailmap.blob=",
    "blame.ignoreRevsFile=",
    "diff.orderFile=/dev/null",
    # outputs the parsers read
    "log.mailmap=false",
    "log.decorate=false",
    "log.abbrevCommit=false",
    "log.follow=false",
    "log.showRoot=true",
    "color.ui=never",
    "color.diff=never",
    "color.grep=never",
    "color.blame.repeatedLines=",
    "core.quotePath=true",
    "core.abbrev=12",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "diff.suppressBlankEmpty=false",
    "i18n.logOutputEncoding=UTF-8",
    "blame.coloring=none",
    "blame.blankBoundary=false",
    "blame.showRoot=true",
    "blame.showEmail=false",
    "blame.markIgnoredLines=false",
    "blame.markUnblamableLines=false",
    "grep.lineNumber=false",
    "grep.column=false",
    "grep.fullName=false",
    "grep.fallbackToNoIndex=false",
    "grep.patternType=fixed",
)

#: A directory that cannot exist: git finds no program and no helper there.
NOWHERE = "/dev/null/kvm-workbench-no-programs"

#: The whole environment of every git process (nothing inherited).
_FIXED_ENV: dict[str, str] = {
    "PATH": NOWHERE,
    "GIT_EXEC_PATH": NOWHERE,
    "HOME": NOWHERE,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_SYSTEM": "/dev/null",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_ALLOW_PROTOCOL": "none",
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_GRAFT_FILE": f"{NOWHERE}/grafts",
    "GIT_PAGER": "",
    "PAGER": "",
    "LC_ALL": "C",
    "LANG": "C",
    "TZ": "UTC",
}

#: How much stderr to keep for the one-line error.
_ERR_LIMIT = 4096
#: Default cap on one git process's standard output (run) and on one streamed record.
OUTPUT_CAP = 256 << 20
RECORD_CAP = 16 << 20
#: The largest file the workbench reads, from a blob or a plain tree (kernel .c files it
#: reads are far below 1 MB).
FILE_CAP = 16 << 20
#: Seconds one git process may run when no command-wide deadline is set (the TUI).
DEFAULT_TIMEOUT = 600.0

_deadline: float | None = None
_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()
_stopped: set[int] = set()
_deadline_budget = 0.0
_git_binary: str | None = None
_empty_dir: str | None = None
_empty_lock = threading.Lock()


def set_deadline(seconds: float | None) -> None:
    """Give every later git process of this command ``seconds`` in total (None: per-process
    DEFAULT_TIMEOUT). The CLI sets it from ``KVM_WORKBENCH_DEADLINE``."""
    global _deadline, _deadline_budget
    _deadline = None if seconds is None else time.monotonic() + seconds
    _deadline_budget = seconds or 0.0


def stop_all() -> int:
    """Kill every git process this process is running (the TUI's ``z``, and quitting):
    each caller then fails with one 'stopped' line instead of waiting. Returns how many."""
    with _running_lock:
        procs = list(_running)
        _stopped.update(proc.pid for proc in procs)
    for proc in procs:
        with contextlib.suppress(OSError):
            proc.kill()
    return len(procs)


def _timeout() -> float:
    if _deadline is None:
        return DEFAULT_TIMEOUT
    return max(0.0, _deadline - time.monotonic())


def _timed_out() -> HistoryError:
    budget = f"the {_deadline_budget:g} s deadline" if _deadline is not None \
        else f"{DEFAULT_TIMEOUT:g} s"
    return HistoryError(f"git did not finish within {budget} (KVM_WORKBENCH_DEADLINE);"
                        f" it was stopped")


def git_binary() -> str:
    """The absolute path of git, found once on the caller's PATH."""
    global _git_binary
    if _git_binary is None:
        found = shutil.which("git")
        if found is None:
            raise HistoryError("git is not installed (not found on PATH)")
        _git_binary = os.path.abspath(found)
    return _git_binary


def empty_dir() -> str:
    """An empty directory of this process (the work tree git sees: no .mailmap, no
    .gitattributes); removed at exit."""
    global _empty_dir
    with _empty_lock:
        if _empty_dir is None or not os.path.isdir(_empty_dir):
            _empty_dir = tempfile.mkdtemp(prefix="kvm-workbench-empty-")
            atexit.register(shutil.rmtree, _empty_dir, True)
        return _empty_dir


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every git process: fixed, nothing inherited (see module doc)."""
    env = dict(_FIXED_ENV)
    if extra:
        env.update(extra)
    return env


def check_revision(rev: str) -> str:
    """Reject revisions that git would read as options (``--output=...``) or that are absurd."""
    if not rev or rev.startswith("-") or "\0" in rev or "\n" in rev or len(rev) > 4096:
        raise HistoryError(f"bad revision {printable(rev[:80])!r}")
    return rev


def check_path(path: str) -> str:
    """Reject repository paths that are empty, absolute or escape the tree."""
    parts = Path(path).parts
    if not path or path.startswith(("/", "-")) or ".." in parts or "\0" in path \
            or len(path) > 4096:
        raise HistoryError(f"bad path {printable(path[:80])!r}")
    return path


def printable(text: str) -> str:
    """``text`` with every control character escaped (``\\n``, ``\\x1b``) and undecodable
    bytes shown as ``\\xff``: safe on one line of any terminal."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7f or 0x80 <= code < 0xa0:
            out.append(f"\\x{code:02x}")
        elif 0xdc80 <= code <= 0xdcff:  # an undecodable byte of a path (surrogateescape)
            out.append(f"\\x{code - 0xdc00:02x}")
        elif 0xd800 <= code <= 0xdfff:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any("dubious ownership" in line for line in lines):
        return ("git refuses this repository: it is owned by another user (dubious ownership;"
                " the workbench reads no global safe.directory)")
    if any("promisor" in line for line in lines):
        return ("a needed object is not in this partial clone, and the workbench never fetches"
                " (fetch it with git, or use a full clone)")
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return printable(line.split(":", 1)[1].strip())[:300]
    return printable(lines[0])[:300] if lines else "git failed"


class Git:
    """Runs git read-only against one repository, never changing this process's cwd.

    With ``gitdir`` the repository's git directory is named explicitly and an empty
    directory is the work tree; without it (a plain directory, as ``git apply`` uses) git
    runs with ``-C path``.
    """

    def __init__(self, path: Path, *, gitdir: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.path = path
        self.gitdir = gitdir
        self._env = git_env(env)

    def argv(self, args: Sequence[str]) -> list[str]:
        """The full command line for ``args``: inert config first, no pager, no locks."""
        argv = [git_binary(), "--no-pager", "--no-optional-locks", "--no-replace-objects"]
        if self.gitdir is not None:
            argv += [f"--git-dir={self.gitdir}", f"--work-tree={empty_dir()}"]
        else:
            argv += ["-C", str(self.path)]
        for item in SAFE_CONFIG:
            argv += ["-c", item]
        return argv + list(args)

    def _popen(self, args: Sequence[str], stdin: int) -> tuple[subprocess.Popen[bytes], _Err]:
        cwd = empty_dir() if self.gitdir is not None else None
        err = _Err()
        try:
            proc = subprocess.Popen(self.argv(args), stdin=stdin, stdout=subprocess.PIPE,
                                    stderr=err.file, env=self._env, cwd=cwd, bufsize=0)
        except OSError as error:
            err.close()
            raise HistoryError(f"cannot run git: {error.strerror or error}") from None
        with _running_lock:
            _running.add(proc)
        return proc, err

    def _run(self, args: Sequence[str], input: bytes | None, cap: int
             ) -> tuple[int, bytes, bytes]:
        """(exit status, stdout, stderr head) of one git process, bounded in time and size."""
        proc, err = self._popen(args, subprocess.PIPE if input is not None
                                else subprocess.DEVNULL)
        writer = None
        if input is not None:
            writer = threading.Thread(target=_feed, args=(proc, input), daemon=True)
            writer.start()
        chunks: list[bytes] = []
        try:
            size = 0
            for data in _read(proc, _timeout()):
                size += len(data)
                if size > cap:
                    raise HistoryError(f"git output exceeds {cap >> 20} MiB: refusing it")
                chunks.append(data)
            proc.wait()
        finally:
            stopped = _reap(proc)
            if writer is not None:
                writer.join(timeout=1)
            message = err.read()
        if stopped:
            raise HistoryError("git was stopped")
        return proc.returncode, b"".join(chunks), message

    def run(self, args: Sequence[str], *, input: bytes | None = None, ok: tuple[int, ...] = (0,),
            cap: int = OUTPUT_CAP) -> bytes:
        """Run git to completion and return stdout (at most ``cap`` bytes, within the
        deadline); a failure becomes one HistoryError line."""
        status, out, message = self._run(args, input, cap)
        if status not in ok:
            raise HistoryError(_first_line(message))
        return out

    def run_noting_errors(self, args: Sequence[str], *, input: bytes | None = None,
                          cap: int = OUTPUT_CAP) -> tuple[bytes, str]:
        """Like ``run``, and also git's first error line on success ('' if none): batch
        commands report a corrupt object as "missing" on stdout and the cause on stderr."""
        status, out, message = self._run(args, input, cap)
        if status != 0:
            raise HistoryError(_first_line(message))
        errors = [line for line in message.decode("utf-8", "replace").splitlines()
                  if line.startswith(("error:", "fatal:"))]
        return out, _first_line("\n".join(errors).encode()) if errors else ""

    def text(self, args: Sequence[str]) -> str:
        """``run`` decoded as UTF-8 (kernel history has a few Latin-1 names: replace them)."""
        return self.run(args).decode("utf-8", "replace")

    def ok(self, args: Sequence[str]) -> bool:
        """True when git exits 0; for existence checks."""
        return self._run(args, None, 1 << 20)[0] == 0

    def stream_records(
        self,
        args: Sequence[str],
        *,
        sep: bytes = b"\0",
        cancelled: Callable[[], bool] | None = None,
        chunk: int = 1 << 16,
    ) -> Iterator[bytes]:
        """Yield ``sep``-separated records while git runs.

        Closing the generator (or ``cancelled()`` turning true between chunks) kills git and
        reaps it; a non-zero exit after complete output becomes a HistoryError, and so does a
        record over RECORD_CAP or the deadline.
        """
        proc, err = self._popen(args, subprocess.DEVNULL)
        finished = False
        try:
            pending = b""
            for data in _read(proc, _timeout(), cancelled, chunk):
                pending += data
                *records, pending = pending.split(sep)
                if len(pending) > RECORD_CAP:
                    raise HistoryError(f"a git output record exceeds {RECORD_CAP >> 20} MiB:"
                                       f" refusing it")
                yield from records
            if cancelled is not None and cancelled():
                return
            if pending:
                yield pending
            proc.wait()
            finished = True
        finally:
            stopped = _reap(proc)
            message = err.read()
        if stopped:
            raise HistoryError("git was stopped")
        if finished and proc.returncode != 0:
            raise HistoryError(_first_line(message))

    def stream_lines(self, args: Sequence[str], *, cancelled: Callable[[], bool] | None = None,
                     ) -> Generator[str, None, None]:
        """Yield decoded lines while git runs (for ``log -L`` and ``blame --incremental``)."""
        for record in self.stream_records(args, sep=b"\n", cancelled=cancelled):
            yield record.decode("utf-8", "replace")


class _Err:
    """git's stderr in an anonymous temporary file (never a pipe that could fill up)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in read/close)

    def read(self) -> bytes:
        try:
            self.file.seek(0)
            return self.file.read(_ERR_LIMIT)
        finally:
            self.close()

    def close(self) -> None:
        self.file.close()


def _read(proc: subprocess.Popen[bytes], timeout: float,
          cancelled: Callable[[], bool] | None = None, chunk: int = 1 << 16
          ) -> Iterator[bytes]:
    """Chunks of git's stdout until EOF; raises at the deadline, stops when cancelled."""
    assert proc.stdout is not None
    end = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            if cancelled is not None and cancelled():
                return
            left = end - time.monotonic()
            if left <= 0:
                raise _timed_out()
            if not selector.select(timeout=min(left, 0.25)):
                continue
            data = os.read(proc.stdout.fileno(), chunk)
            if not data:
                return
            yield data


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    with contextlib.suppress(OSError, ValueError):
        proc.stdin.write(data)
        proc.stdin.close()


def _reap(proc: subprocess.Popen[bytes]) -> bool:
    """Kill git if it still runs and wait for it: no git process outlives its caller.
    Returns whether ``stop_all`` killed it."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    with _running_lock:
        _running.discard(proc)
        stopped = proc.pid in _stopped
        _stopped.discard(proc.pid)
    for stream in (proc.stdout, proc.stdin):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    return stopped
