"""Provides every result type of history/: frozen dataclasses, never GitPython objects.

Two families: what git says about history (commits, traces, blame, landmarks) and what a
kernel tree says when it is read (step lists, detections, census, the RFC applied). Every
source answer names where it comes from (``Evidence``: path, line, revision) so the CLI, the
TUI and a mailing-list reply can cite it; ``rev`` is a full commit hash for a git tree and
``tree`` for a plain source directory. The CLI serialises these with one encoder
(``Result.to_json``) and the TUI displays them; nothing is computed twice. Dates are kept as
ISO 8601 strings with their offset, exactly as git printed them, so every screen and
snapshot shows the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Final, Literal

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
@dataclass(frozen=True, slots=True)
class SourceInfo(Result):
    """Which tree was read: ``git`` (a commit) or ``dir`` (a plain source tree)."""

    root: str
    kind: SourceKind
    rev: str

    @property
    def label(self) -> str:
        return self.rev[:12] if self.kind == "git" else self.rev


@dataclass(frozen=True, slots=True)
class Evidence(Result):
    """A place in the source that supports an answer."""

    path: str
    line: int
    rev: str
    note: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Step(Result):
    """One call in a function body: callee, line, ``#if`` branch, argument texts."""

    name: str
    line: int
    condition: str = ""
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StepList(Result):
    """The calls of one function at one revision, in source order."""

    function: str
    path: str
    rev: str
    start: int
    end: int
    steps: tuple[Step, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    def find(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def index(self, name: str) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.name == name), None)


@dataclass(frozen=True, slots=True)
class Detection(Result):
    """One era feature (or source check) as the tree shows it: present / absent / unknown."""

    feature: str
    """Feature name of the model's era table (``sim/eras.py``), or ``""`` for a source check."""
    fact: str
    """Fact id it rests on (the ids of ``sim.facts``)."""
    title: str
    verdict: Verdict
    evidence: tuple[Evidence, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class TreeVersion(Result):
    """``VERSION.PATCHLEVEL.SUBLEVEL`` from the top-level Makefile."""

    _json_properties = ("release", "full")

    version: int
    patchlevel: int
    sublevel: int
    extraversion: str
    evidence: Evidence

    @property
    def release(self) -> str:
        """``6.12``: the era the model knows it by."""
        return f"{self.version}.{self.patchlevel}"

    @property
    def full(self) -> str:
        return f"{self.version}.{self.patchlevel}.{self.sublevel}{self.extraversion}"


@dataclass(frozen=True, slots=True)
class DetectedProfile(Result):
    """What a tree shows of every era feature, plus the comment and source checks."""

    source: SourceInfo
    version: TreeVersion | None
    features: tuple[Detection, ...]
    checks: tuple[Detection, ...]
    files_read: int

    def present(self) -> frozenset[str]:
        return frozenset(d.feature for d in self.features if d.verdict == PRESENT)

    def absent(self) -> frozenset[str]:
        return frozenset(d.feature for d in self.features if d.verdict == ABSENT)

    def feature(self, name: str) -> Detection | None:
        return next((d for d in self.features if d.feature == name), None)


@dataclass(frozen=True, slots=True)
class DeviceType(Result):
    """One ``struct kvm_device_ops`` initializer: a kvm_device kind and its free path."""

    arch: str
    """``powerpc``, ``s390``, ... or ``generic`` (virt/kvm)."""
    symbol: str
    name: str
    """The ``.name`` string, e.g. ``kvm-mpic``."""
    style: DeviceStyle
    """``release`` (freed at fd close), ``destroy`` (freed by kvm_destroy_devices) or ``none``."""
    destroy: str
    release: str
    create: str
    evidence: Evidence
    condition: str
    registrations: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Holder(Result):
    """A pointer into device memory stored outside the device (``vcpu->arch.mpic``)."""

    device: str
    field: str
    stored: Evidence
    cleared_by_destroy: bool


@dataclass(frozen=True, slots=True)
class DanglingUse(Result):
    """Arch teardown reads a holder that the device's destroy leaves dangling."""

    device: str
    holder: str
    used: Evidence
    """Where ``kvm_arch_destroy_vm()`` (or the vCPU destroy it runs) reads the holder."""
    callee: str
    callee_def: Evidence | None
    freed: Evidence
    """Where the device's destroy callback frees the memory."""


@dataclass(frozen=True, slots=True)
class ArchCensus(Result):
    """One architecture: its device kinds and what its teardown still points at."""

    arch: str
    destroy_vm: StepList | None
    vcpu_destroy: StepList | None
    vcpu_free: StepList | None
    devices: tuple[DeviceType, ...]
    holders: tuple[Holder, ...]
    dangling: tuple[DanglingUse, ...]
    verdict: str
    """One line: what the RFC swap does on this arch, derived from the above."""


@dataclass(frozen=True, slots=True)
class Census(Result):
    """Every kvm_device kind per architecture, and the teardown evidence for the swap."""

    source: SourceInfo
    arches: tuple[ArchCensus, ...]
    generic: tuple[DeviceType, ...]
    """Devices in virt/kvm (kvm-vfio), with the arches whose Kconfig selects them."""
    vfio_arches: tuple[Evidence, ...]
    vcpu_chain: tuple[Evidence, ...]
    """kvm_destroy_vcpus -> kvm_vcpu_destroy -> kvm_arch_vcpu_destroy, as the tree has it."""
    files_read: int

    def arch(self, name: str) -> ArchCensus | None:
        return next((a for a in self.arches if a.arch == name), None)


@dataclass(frozen=True, slots=True)
class RfcResult(Result):
    """The RFC swap applied to one revision's kvm_main.c, outside the user's repository."""

    source: SourceInfo
    path: str
    outcome: RfcOutcome
    """``exact`` (the RFC's own hunk applies), ``drift`` (applied at the located calls although
    the context moved), ``already`` (the tree already has the swapped order) or ``not-applied``."""
    reason: str
    git_apply: str
    """``git apply --check`` of the RFC diff in a temporary directory: ``clean``, ``fails``
    or ``unavailable``, with git's first line."""
    before: StepList | None
    after: StepList | None
    diff: str
    """The change actually made, as a unified diff against the tree's file."""

