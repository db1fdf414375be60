"""Provides every result type of history/: frozen dataclasses, never GitPython objects.

Two families: what git says about history (commits, traces, blame, landmarks) and what a
kernel tree says when it is read (step lists, detections, census, the RFC applied). Every
source answer names where it comes from (``Evidence``: path, line, revision) so the CLI, the
TUI and a mailing-list reply can cite it; ``rev`` is a full commit hash for a git tree and
``tree`` for a plain source directory. The CLI serialises these with one encoder
(``Result.to_json``) and the TUI displays them; nothing is computed twice. Dates are kept as
ISO 8601 strings with their offset, exactly as git printed them, so every screen and
snapshot shows the same text.

The second family is defined in ``history.tree_results`` and loaded from here on first use:
import every result type from this module. The History screen's launch reads only git, and
creating those thirteen frozen dataclasses took half of this module's 14 ms import.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

Verdict = Literal["present", "absent", "unknown"]
"""What a tree shows of a feature or a check; ``unknown`` always comes with its reason."""
PRESENT: Final = "present"
ABSENT: Final = "absent"
UNKNOWN: Final = "unknown"
SourceKind = Literal["git", "dir"]
DeviceStyle = Literal["release", "destroy", "none"]
RfcOutcome = Literal["exact", "drift", "already", "not-applied"]
LandmarkHow = Literal["hash", "trailer", "absent"]

FLATTEN = {"json": "flatten"}
"""Field metadata: the field's object is merged into its parent's JSON object."""


def encode(value: Any) -> Any:
    """JSON value of a result, a tuple, a dict or a scalar: the CLI's one encoder."""
    if isinstance(value, Result):
        return value.to_json()
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value


class Result:
    """Base of every result dataclass: fields in declaration order, tuples as lists.

    A field's metadata may say ``json="flatten"`` (merge the nested object's keys) or
    ``json_name=...`` (the key differs from the attribute); ``_json_properties`` appends
    computed values after the fields, so a script needs no second parse of the text.
    """

    __slots__ = ()
    _json_properties: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for spec in fields(self):  # type: ignore[arg-type]  # every subclass is a dataclass
            value = encode(getattr(self, spec.name))
            if spec.metadata.get("json") == "flatten":
                data.update(value)
            else:
                data[spec.metadata.get("json_name", spec.name)] = value
        for name in self._json_properties:
            data[name] = encode(getattr(self, name))
        return data


@dataclass(frozen=True, slots=True)
class Landmark(Result):
    """One upstream commit the review cares about."""

    key: str
    """Stable id users type (``kvm-workbench landmarks``, ``:landmark`` in the TUI)."""
    upstream: str
    """Upstream hash as printed by a primary source (12 or 40 hex digits)."""
    subject: str
    version: str
    """First release carrying it, e.g. ``v6.2``."""
    fact: str
    """Fact id it rests on (the ids of ``sim.facts``)."""
    why: str
    """One line: why a reviewer of the RFC cares."""


@dataclass(frozen=True, slots=True)
class Commit(Result):
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


@dataclass(frozen=True, slots=True)
class CommitDetail(Result):
    """A commit with its message and patch (the patch may be cut at ``limit`` lines)."""

    commit: Commit = field(metadata=FLATTEN)
    body: str
    trailers: tuple[tuple[str, str], ...]
    files: tuple[str, ...]
    patch: str
    truncated: bool


@dataclass(frozen=True, slots=True)
class FunctionRange(Result):
    """Where a C function is defined at one revision, found with tree-sitter-c."""

    rev: str
    path: str
    name: str
    start: int
    """First line (1-based) of the definition."""
    end: int
    """Last line (1-based, inclusive)."""


@dataclass(frozen=True, slots=True)
class TraceEntry(Result):
    """One commit of a function's history with the hunk that touched it."""

    commit: Commit = field(metadata=FLATTEN)
    patch: str


@dataclass(frozen=True, slots=True)
class FunctionTrace(Result):
    """``git log -L`` of an exact tree-sitter range."""

    range: FunctionRange
    entries: tuple[TraceEntry, ...] = field(metadata={"json_name": "commits"})


@dataclass(frozen=True, slots=True)
class BlameLine(Result):
    """One line of blame: who last changed it, and where it was in that commit."""

    line: int
    orig_line: int
    sha: str
    author: str
    date: str
    summary: str
    text: str
    orig_path: str


@dataclass(frozen=True, slots=True)
class Blame(Result):
    """Blame of a line range at a revision."""

    rev: str
    path: str
    start: int
    end: int
    lines: tuple[BlameLine, ...]
    function: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedLandmark(Result):
    """A landmark looked up in one tree: present with its commit, or absent (never dropped)."""

    _json_properties = ("present",)

    landmark: Landmark = field(metadata=FLATTEN)
    sha: str | None
    date: str | None = None
    how: LandmarkHow | Literal[""] = ""
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


@dataclass(frozen=True, slots=True)
class RepoInfo(Result):
    """What was opened: path, HEAD, whether it is the demo or a shallow clone."""

    path: str
    head: str
    demo: bool
    shallow: bool
    extras: dict[str, str] = field(default_factory=dict)


# -- reading a kernel tree ----------------------------------------------------------------
# Defined in history.tree_results and loaded on first use (``__getattr__``): a frozen
# dataclass costs about half a millisecond to create, and the TUI's launch reads only git.
_TREE_RESULTS = frozenset({
    "SourceInfo",
    "Evidence",
    "Step",
    "StepList",
    "Detection",
    "TreeVersion",
    "DetectedProfile",
    "DeviceType",
    "Holder",
    "DanglingUse",
    "ArchCensus",
    "Census",
    "RfcResult",
})

if TYPE_CHECKING:  # the names as mypy sees them; at run time, __getattr__ below
    from history.tree_results import ArchCensus as ArchCensus
    from history.tree_results import Census as Census
    from history.tree_results import DanglingUse as DanglingUse
    from history.tree_results import DetectedProfile as DetectedProfile
    from history.tree_results import Detection as Detection
    from history.tree_results import DeviceType as DeviceType
    from history.tree_results import Evidence as Evidence
    from history.tree_results import Holder as Holder
    from history.tree_results import RfcResult as RfcResult
    from history.tree_results import SourceInfo as SourceInfo
    from history.tree_results import Step as Step
    from history.tree_results import StepList as StepList
    from history.tree_results import TreeVersion as TreeVersion
else:
    def __getattr__(name: str) -> Any:
        if name in _TREE_RESULTS:
            from history import tree_results

            return getattr(tree_results, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
