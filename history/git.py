"""Provides the one chokepoint through which history/ runs git: read-only, streamed, inert.

Why a chokepoint: a kernel maintainer opens *their* clone. Nothing we run may write to it
(index, refs, config, objects, work tree) and nothing the repository configures may execute
(fsmonitor, hooks, pager, external diff, textconv, signature programs). Every invocation is
built here, so those guarantees are proved once (tests/history/test_readonly.py).

Streaming: ``stream_records`` yields NUL-separated records while git runs, so the first
screen of a 1.3M-commit log arrives at once; closing the generator kills git. No git process
outlives its caller. Plain subprocesses, not per-commit ``cat-file`` round trips (PEERS §4).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from history.errors import HistoryError

#: ``-c`` overrides that neutralise repository-controlled execution and writes.
SAFE_CONFIG: tuple[str, ...] = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.untrackedCache=false",
    "core.splitIndex=false",
    "diff.external=",
    "log.showSignature=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "fetch.writeCommitGraph=false",
    "protocol.allow=never",
)

#: Environment variables git reads that could redirect it or make it prompt or write.
_DROP_ENV_PREFIXES = ("GIT_",)
_FIXED_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "LC_ALL": "C",
    "LANG": "C",
}

#: How much stderr to keep for the one-line error.
_ERR_LIMIT = 4096


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every git process: the caller's, minus GIT_*, plus safe fixed values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_ENV_PREFIXES)}
    env.update(_FIXED_ENV)
    if extra:
        env.update(extra)
    return env


def check_revision(rev: str) -> str:
    """Reject revisions that git would read as options (``--output=...``)."""
    if not rev or rev.startswith("-") or "\0" in rev or "\n" in rev:
        raise HistoryError(f"bad revision {rev!r}")
    return rev


def check_path(path: str) -> str:
    """Reject repository paths that are empty, absolute or escape the tree."""
    parts = Path(path).parts
    if not path or path.startswith(("/", "-")) or ".." in parts or "\0" in path:
        raise HistoryError(f"bad path {path!r}")
    return path


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    return lines[0] if lines else "git failed"


class Git:
    """Runs git read-only against one repository (``git -C <path>``), never changing cwd."""

    def __init__(self, path: Path, *, env: dict[str, str] | None = None) -> None:
        self.path = path
        self._env = git_env(env)

    def argv(self, args: Sequence[str]) -> list[str]:
        """The full command line for ``args``: inert config first, no pager, no locks."""
        argv = ["git", "--no-pager", "--no-optional-locks", "-C", str(self.path)]
        for item in SAFE_CONFIG:
            argv += ["-c", item]
        return argv + list(args)

    def run(self, args: Sequence[str], *, input: bytes | None = None, ok: tuple[int, ...] = (0,),
            ) -> bytes:
        """Run git to completion and return stdout; a failure becomes one HistoryError line."""
        proc = subprocess.run(
            self.argv(args),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            env=self._env,
            check=False,
        )
        if proc.returncode not in ok:
            raise HistoryError(_first_line(proc.stderr))
        return proc.stdout

    def text(self, args: Sequence[str]) -> str:
        """``run`` decoded as UTF-8 (kernel history has a few Latin-1 names: replace them)."""
        return self.run(args).decode("utf-8", "replace")

    def ok(self, args: Sequence[str]) -> bool:
        """True when git exits 0; for existence checks."""
        proc = subprocess.run(self.argv(args), stdin=subprocess.DEVNULL, capture_output=True,
                              env=self._env, check=False)
        return proc.returncode == 0

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
        reaps it; a non-zero exit after complete output becomes a HistoryError.
        """
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                self.argv(args),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                env=self._env,
            )
            finished = False
            try:
                assert proc.stdout is not None
                pending = b""
                while True:
                    if cancelled is not None and cancelled():
                        return
                    data = proc.stdout.read1(chunk)
                    if not data:
                        break
                    pending += data
                    *records, pending = pending.split(sep)
                    yield from records
                if pending:
                    yield pending
                finished = True
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
            if finished and proc.returncode != 0:
                err.seek(0)
                raise HistoryError(_first_line(err.read(_ERR_LIMIT)))

    def stream_lines(self, args: Sequence[str], *, cancelled: Callable[[], bool] | None = None,
                     ) -> Iterator[str]:
        """Yield decoded lines while git runs (for ``log -L`` and ``blame --incremental``)."""
        for record in self.stream_records(args, sep=b"\n", cancelled=cancelled):
            yield record.decode("utf-8", "replace")
