"""Provides the demo's unified diffs: a generator and a strict applier, both in bytes.

Why our own: the builder must not depend on ``patch`` (or its fuzz) being installed, and a
demo commit that no longer matches its parent must fail loudly rather than apply somewhere
near. ``apply`` in exact mode (the builder) takes every hunk at the line its header names,
with every context and removed line byte-equal; rebase mode (``history.demo edit``/``export``)
lets a hunk move (offset) when earlier text grew or shrank, but never drops context.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from history.errors import HistoryError

NO_EOL = b"\\ No newline at end of file"
CONTEXT = 3
_HUNK_RE = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(HistoryError):
    """A demo patch that does not parse or does not apply (one line, naming where)."""


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: tuple[bytes, ...]
    """Each line is its marker (`` ``, ``-``, ``+``) and its text, newline included when the
    line has one."""

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"

    def old(self) -> list[bytes]:
        return [line[1:] for line in self.lines if line[:1] in (b" ", b"-")]

    def new(self) -> list[bytes]:
        return [line[1:] for line in self.lines if line[:1] in (b" ", b"+")]


@dataclass(frozen=True, slots=True)
class FilePatch:
    path: str
    kind: str
    """``modify``, ``add`` or ``delete``."""
    hunks: tuple[Hunk, ...]


def split_lines(data: bytes) -> list[bytes]:
    """Lines with their newlines; a last line without one stays as it is."""
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


# -- generating -----------------------------------------------------------------------------

def _emit(marker: bytes, line: bytes) -> bytes:
    return marker + line if line.endswith(b"\n") else marker + line + b"\n" + NO_EOL + b"\n"


def _range(start: int, length: int) -> str:
    if length == 0:
        return f"{start},0"
    return f"{start + 1}" if length == 1 else f"{start + 1},{length}"


def diff_file(path: str, old: bytes | None, new: bytes | None) -> bytes:
    """One file's section of a git-style unified diff (``b""`` when nothing changed)."""
    if old == new:
        return b""
    for data in (old, new):
        if data is not None and b"\0" in data:
            raise PatchError(f"{path}: binary content (a NUL byte) cannot go in a demo patch")
    a, b = split_lines(old or b""), split_lines(new or b"")
    out = [f"diff --git a/{path} b/{path}\n".encode()]
    if old is None:
        out.append(b"new file mode 100644\n")
    elif new is None:
        out.append(b"deleted file mode 100644\n")
    out.append(b"--- " + (b"/dev/null" if old is None else f"a/{path}".encode()) + b"\n")
    out.append(b"+++ " + (b"/dev/null" if new is None else f"b/{path}".encode()) + b"\n")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n".encode())
        for tag, o1, o2, n1, n2 in group:
            if tag == "equal":
                out.extend(_emit(b" ", line) for line in a[o1:o2])
                continue
            out.extend(_emit(b"-", line) for line in a[o1:o2])
            out.extend(_emit(b"+", line) for line in b[n1:n2])
    return b"".join(out)


def diff_trees(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> bytes:
    """The patch that turns tree ``old`` into tree ``new`` (paths sorted)."""
    return b"".join(diff_file(path, old.get(path), new.get(path))
                    for path in sorted(set(old) | set(new)))


# -- parsing --------------------------------------------------------------------------------

def _path(raw: bytes, prefix: bytes, where: str) -> str | None:
    if raw == b"/dev/null":
        return None
    if not raw.startswith(prefix):
        raise PatchError(f"{where}: header path {raw.decode(errors='replace')!r} lacks"
                         f" {prefix.decode()}")
    path = raw[len(prefix):].decode("utf-8", "strict")
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise PatchError(f"{where}: unsafe path {path!r}")
    return path


def parse(data: bytes, where: str) -> tuple[FilePatch, ...]:
    """The file sections of a patch; any line that is not part of the format is an error."""
    lines = split_lines(data)
    if data and not data.endswith(b"\n"):
        raise PatchError(f"{where}: the patch does not end with a newline")
    files: list[FilePatch] = []
    i = 0

    def fail(message: str) -> PatchError:
        return PatchError(f"{where}: line {i + 1}: {message}")

    while i < len(lines):
        if not lines[i].startswith(b"diff --git "):
            raise fail("expected 'diff --git a/PATH b/PATH'")
        i += 1
        while i < len(lines) and lines[i].startswith((b"new file mode ", b"deleted file mode ",
                                                       b"index ")):
            i += 1
        if i + 1 >= len(lines) or not lines[i].startswith(b"--- ") \
                or not lines[i + 1].startswith(b"+++ "):
            raise fail("expected '--- ' and '+++ ' header lines")
        old = _path(lines[i][4:].rstrip(b"\n"), b"a/", where)
        new = _path(lines[i + 1][4:].rstrip(b"\n"), b"b/", where)
        i += 2
        if old is not None and new is not None and old != new:
            raise fail(f"renames are not supported ({old} -> {new})")
        path = old or new
        if path is None:
            raise fail("both sides are /dev/null")
        kind = "add" if old is None else "delete" if new is None else "modify"
        hunks: list[Hunk] = []
        while i < len(lines) and lines[i].startswith(b"@@ "):
            match = _HUNK_RE.match(lines[i])
            if not match:
                raise fail(f"malformed hunk header {lines[i].rstrip().decode(errors='replace')!r}")
            old_start, new_start = int(match.group(1)), int(match.group(3))
            old_len = int(match.group(2)) if match.group(2) is not None else 1
            new_len = int(match.group(4)) if match.group(4) is not None else 1
            i += 1
            body: list[bytes] = []
            seen_old = seen_new = 0
            while seen_old < old_len or seen_new < new_len:
                if i >= len(lines):
                    raise fail(f"{path}: hunk {len(hunks) + 1} ends early")
                line = lines[i]
                marker = line[:1]
                if marker not in (b" ", b"-", b"+") or not line.endswith(b"\n"):
                    raise fail(f"{path}: hunk {len(hunks) + 1}: line is not ' ', '-' or '+'")
                seen_old += marker in (b" ", b"-")
                seen_new += marker in (b" ", b"+")
                i += 1
                if i < len(lines) and lines[i].rstrip(b"\n") == NO_EOL:
                    line = line[:-1]
                    i += 1
                body.append(line)
            if seen_old != old_len or seen_new != new_len:
                raise fail(f"{path}: hunk {len(hunks) + 1}: line counts do not match its header")
            hunks.append(Hunk(old_start, old_len, new_start, new_len, tuple(body)))
        if kind != "modify" and any(h.old_len if kind == "add" else h.new_len for h in hunks):
            raise fail(f"{path}: a {'new' if kind == 'add' else 'deleted'} file's hunk has"
                       f" {'old' if kind == 'add' else 'new'} lines")
        if any(f.path == path for f in files):
            raise fail(f"{path} appears twice")
        files.append(FilePatch(path, kind, tuple(hunks)))
    return tuple(files)


# -- applying -------------------------------------------------------------------------------

def _apply_file(lines: list[bytes], patch: FilePatch, where: str, exact: bool) -> list[bytes]:
    out: list[bytes] = []
    cursor = 0
    shift = 0
    for number, hunk in enumerate(patch.hunks, start=1):
        old = hunk.old()
        label = f"{where}: {patch.path}: hunk {number} ({hunk.header})"
        stated = hunk.old_start if hunk.old_len == 0 else hunk.old_start - 1
        if exact:
            pos = stated
            if pos < cursor:
                raise PatchError(f"{label} overlaps the hunk before it")
            if lines[pos:pos + len(old)] != old:
                bad = next((pos + k + 1 for k, line in enumerate(old)
                            if pos + k >= len(lines) or lines[pos + k] != line), pos + 1)
                raise PatchError(f"{label} does not apply: line {bad} differs from the"
                                 " patch's context")
            expected_new = pos + len(out) - cursor + (0 if hunk.new_len == 0 else 1)
            if hunk.new_start != expected_new:
                raise PatchError(f"{label}: new start {hunk.new_start} should be {expected_new}")
        else:
            found = _find(lines, old, cursor, stated + shift)
            if found is None:
                raise PatchError(f"{label} does not apply: its context is not in the file")
            pos = found
            shift = pos - stated
        out.extend(lines[cursor:pos])
        out.extend(hunk.new())
        cursor = pos + len(old)
    out.extend(lines[cursor:])
    return out


def _find(lines: list[bytes], old: list[bytes], start: int, near: int) -> int | None:
    """The position >= start nearest to ``near`` where ``old`` matches exactly."""
    if not old:
        return max(start, min(near, len(lines)))
    hits = [p for p in range(start, len(lines) - len(old) + 1)
            if lines[p] == old[0] and lines[p:p + len(old)] == old]
    return min(hits, key=lambda p: (abs(p - near), p)) if hits else None


def apply(tree: Mapping[str, bytes], data: bytes, where: str, *, exact: bool = True,
          ) -> dict[str, bytes]:
    """``tree`` with the patch ``data`` applied (a new dict); PatchError names the commit
    (``where``), file and hunk at the first mismatch."""
    result = dict(tree)
    for patch in parse(data, where):
        if patch.kind == "add":
            if patch.path in result:
                raise PatchError(f"{where}: {patch.path}: new file already exists")
            lines: list[bytes] = []
        else:
            if patch.path not in result:
                raise PatchError(f"{where}: {patch.path}: file to patch does not exist")
            lines = split_lines(result[patch.path])
        patched = b"".join(_apply_file(lines, patch, where, exact))
        if patch.kind == "delete":
            if patched:
                raise PatchError(f"{where}: {patch.path}: deleting hunk leaves lines behind")
            del result[patch.path]
        else:
            result[patch.path] = patched
    return result
