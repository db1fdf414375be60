"""Provides the result model of history/: frozen dataclasses, never GitPython objects.

The CLI serialises these with ``to_json`` and the TUI displays them; nothing is computed twice.
Dates are kept as ISO 8601 strings with their offset, exactly as git printed them, so every
screen and every snapshot shows the same text on every machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from history.landmarks import Landmark


@dataclass(frozen=True, slots=True)
class Commit:
    """One line of a log: enough to list it, not its diff."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: str
    """Author date, ISO 8601 strict, e.g. ``2013-04-12T12:00:00+00:00``."""
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:12]

    @property
    def day(self) -> str:
        return self.date[:10]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["parents"] = list(self.parents)
        return data


@dataclass(frozen=True, slots=True)
class CommitDetail:
    """A commit with its message and patch (the patch may be cut at ``limit`` lines)."""

    commit: Commit
    body: str
    trailers: tuple[tuple[str, str], ...]
    files: tuple[str, ...]
    patch: str
    truncated: bool

    def to_json(self) -> dict[str, Any]:
        return {
            **self.commit.to_json(),
            "body": self.body,
            "trailers": [list(t) for t in self.trailers],
            "files": list(self.files),
            "patch": self.patch,
            "truncated": self.truncated,
        }


@dataclass(frozen=True, slots=True)
class FunctionRange:
    """Where a C function is defined at one revision, found with tree-sitter-c."""

    rev: str
    path: str
    name: str
    start: int
    """First line (1-based) of the definition."""
    end: int
    """Last line (1-based, inclusive)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One commit of a function's history with the hunk that touched it."""

    commit: Commit
    patch: str

    def to_json(self) -> dict[str, Any]:
        return {**self.commit.to_json(), "patch": self.patch}


@dataclass(frozen=True, slots=True)
class FunctionTrace:
    """``git log -L`` of an exact tree-sitter range."""

    range: FunctionRange
    entries: tuple[TraceEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json(), "commits": [e.to_json() for e in self.entries]}


@dataclass(frozen=True, slots=True)
class BlameLine:
    """One line of blame: who last changed it, and where it was in that commit."""

    line: int
    orig_line: int
    sha: str
    author: str
    date: str
    summary: str
    text: str
    orig_path: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Blame:
    """Blame of a line range at a revision."""

    rev: str
    path: str
    start: int
    end: int
    lines: tuple[BlameLine, ...]
    function: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rev": self.rev,
            "path": self.path,
            "start": self.start,
            "end": self.end,
            "function": self.function,
            "lines": [line.to_json() for line in self.lines],
        }


@dataclass(frozen=True, slots=True)
class ResolvedLandmark:
    """A landmark looked up in one tree: present with its commit, or absent (never dropped)."""

    landmark: Landmark
    sha: str | None
    date: str | None = None
    how: str = ""
    """``hash`` (real tree), ``trailer`` (demo) or ``absent``."""

    @property
    def present(self) -> bool:
        return self.sha is not None

    @property
    def key(self) -> str:
        return self.landmark.key

    @property
    def subject(self) -> str:
        return self.landmark.subject

    @property
    def version(self) -> str:
        return self.landmark.version

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self.landmark), "sha": self.sha, "date": self.date, "how": self.how,
                "present": self.present}


@dataclass(frozen=True, slots=True)
class RepoInfo:
    """What was opened: path, HEAD, whether it is the demo or a shallow clone."""

    path: str
    head: str
    demo: bool
    shallow: bool
    extras: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
