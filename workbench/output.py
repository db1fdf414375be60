"""Provides how commands write: untrusted text as data, JSON whole or not at all.

Everything a command prints may come from a repository (subjects, names, paths, file
contents, comments). On a terminal an escape sequence in a commit subject is an instruction
(retitle the window, move the cursor, ...), so human output goes through :class:`Printable`,
which escapes every control character but newline and tab. JSON escapes C0 controls itself;
:func:`json_text` also escapes DEL and the C1 range, which JSON leaves raw.

``--json`` output is spooled and written only when the command succeeds, so a script never
sees half an object followed by an error (the spool goes to disk beyond a few MiB, so a whole
kernel log does not sit in memory either).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_C1 = re.compile("[\x7f-\x9f\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def escape_controls(text: str) -> str:
    """``text`` with control characters escaped (``\\x1b``), newlines and tabs kept."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(_escape_one, text)


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xdc80 <= code <= 0xdcff:  # an undecodable byte (surrogateescape)
        return f"\\x{code - 0xdc00:02x}"
    return f"\\u{code:04x}" if code > 0xff else f"\\x{code:02x}"


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as JSON with every control character escaped (C1 and DEL too)."""
    import json  # only the CLI's --json output needs it: not imported at TUI launch

    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class Printable(io.TextIOBase):
    """A text stream that escapes control characters on their way to ``target``."""

    def __init__(self, target: Any) -> None:
        super().__init__()
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._target.write(escape_controls(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def fileno(self) -> int:
        return int(self._target.fileno())

    def isatty(self) -> bool:
        return bool(self._target.isatty())


@contextmanager
def command_output(json_mode: bool) -> Iterator[None]:
    """Route ``sys.stdout`` for one command: spooled JSON, or escaped text."""
    real = sys.stdout
    if not json_mode:
        sys.stdout = Printable(real)
        try:
            yield
        finally:
            sys.stdout = real
        return
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8") as spool:
        sys.stdout = spool
        try:
            yield
        finally:
            sys.stdout = real
        spool.seek(0)
        shutil.copyfileobj(spool, real)
        real.flush()


def screenshot_dir(repo: Path) -> Path:
    """Where ``ctrl+s`` writes: the current directory, unless it lies inside the repository
    being read or cannot be written; then ``$XDG_DATA_HOME/kvm-workbench/screenshots``."""
    cwd = Path.cwd().resolve()
    inside = cwd == repo.resolve() or repo.resolve() in cwd.parents
    if not inside and os.access(cwd, os.W_OK):
        return cwd
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kvm-workbench" / "screenshots"


def write_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` through a temporary file and a rename: all or nothing."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def stderr_progress(command: str, unit: str) -> Callable[[int, int], None]:
    """A progress callback that writes ``command: done/total unit`` to stderr at every tenth
    of the work and at its end (a long CLI run says it is alive without flooding a log)."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        step = max(1, total // 10)
        if done == total or done // step != shown[0]:
            shown[0] = done // step
            sys.stderr.write(f"{command}: {done}/{total} {unit}\n")
    return report
