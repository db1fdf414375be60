"""Provides every result type of history/: frozen dataclasses, never GitPython objects.

Two families: what git says about history (commits, traces, blame, landmarks) and what a
kernel tree says when it is read (step lists, detections, census, the RFC applied). Every
source answer names where it comes from (``Evidence``: path, line, revision) so the CLI, the
TUI and a mailing-list reply can cite it; ``rev`` is a full commit hash for a git tree and
``tree`` for a plain source directory. The CLI serialises these with ``to_json`` and the TUI
displays them; nothing is computed twice. Dates are kept as ISO 8601 strings with their
offset, exactly as git printed them, so every screen and snapshot shows the same text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"


@dataclass(frozen=True, slots=True)
class Landmark:
    """One upstream commit the review cares about."""

    key: str
    """Stable id users type (``kvm-workbench landmarks``, ``:landmark`` in the TUI)."""
    upstream: str
    """Upstream hash as printed by a primary source (12 or 40 hex digits)."""
    subject: str
    version: str
    """First release carrying it, e.g. ``v6.2``."""
    fact: str
    """Fact id in kernel-facts.md."""
    why: str
    """One line: why a reviewer of the RFC cares."""


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


# -- reading a kernel tree ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Which tree was read: ``git`` (a commit) or ``dir`` (a plain source tree)."""

    root: str
    kind: str
    rev: str

    @property
    def label(self) -> str:
        return self.rev[:12] if self.kind == "git" else self.rev

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A place in the source that supports an answer."""

    path: str
    line: int
    rev: str
    note: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Step:
    """One call in a function body: callee, line, ``#if`` branch, argument texts."""

    name: str
    line: int
    condition: str = ""
    args: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "line": self.line, "condition": self.condition,
                "args": list(self.args)}


@dataclass(frozen=True, slots=True)
class StepList:
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

    def to_json(self) -> dict[str, Any]:
        return {"function": self.function, "path": self.path, "rev": self.rev,
                "start": self.start, "end": self.end,
                "steps": [s.to_json() for s in self.steps]}


@dataclass(frozen=True, slots=True)
class Detection:
    """One era feature (or source check) as the tree shows it: present / absent / unknown."""

    feature: str
    """Feature name of the model's era table (``sim/eras.py``), or ``""`` for a source check."""
    fact: str
    """Fact id in kernel-facts.md."""
    title: str
    verdict: str
    evidence: tuple[Evidence, ...]
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "fact": self.fact, "title": self.title,
                "verdict": self.verdict, "reason": self.reason,
                "evidence": [e.to_json() for e in self.evidence]}


@dataclass(frozen=True, slots=True)
class TreeVersion:
    """``VERSION.PATCHLEVEL.SUBLEVEL`` from the top-level Makefile."""

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

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "full": self.full, "evidence": self.evidence.to_json()}


@dataclass(frozen=True, slots=True)
class DetectedProfile:
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

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source.to_json(),
                "version": None if self.version is None else self.version.to_json(),
                "features": [d.to_json() for d in self.features],
                "checks": [d.to_json() for d in self.checks],
                "files_read": self.files_read}


@dataclass(frozen=True, slots=True)
class DeviceType:
    """One ``struct kvm_device_ops`` initializer: a kvm_device kind and its free path."""

    arch: str
    """``powerpc``, ``s390``, ... or ``generic`` (virt/kvm)."""
    symbol: str
    name: str
    """The ``.name`` string, e.g. ``kvm-mpic``."""
    style: str
    """``release`` (freed at fd close), ``destroy`` (freed by kvm_destroy_devices) or ``none``."""
    destroy: str
    release: str
    create: str
    evidence: Evidence
    condition: str
    registrations: tuple[Evidence, ...]

    def to_json(self) -> dict[str, Any]:
        return {"arch": self.arch, "symbol": self.symbol, "name": self.name,
                "style": self.style, "destroy": self.destroy, "release": self.release,
                "create": self.create, "condition": self.condition,
                "evidence": self.evidence.to_json(),
                "registrations": [r.to_json() for r in self.registrations]}


@dataclass(frozen=True, slots=True)
class Holder:
    """A pointer into device memory stored outside the device (``vcpu->arch.mpic``)."""

    device: str
    field: str
    stored: Evidence
    cleared_by_destroy: bool

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "field": self.field, "stored": self.stored.to_json(),
                "cleared_by_destroy": self.cleared_by_destroy}


@dataclass(frozen=True, slots=True)
class DanglingUse:
    """Arch teardown reads a holder that the device's destroy leaves dangling."""

    device: str
    holder: str
    used: Evidence
    """Where ``kvm_arch_destroy_vm()`` (or the vCPU destroy it runs) reads the holder."""
    callee: str
    callee_def: Evidence | None
    freed: Evidence
    """Where the device's destroy callback frees the memory."""

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "holder": self.holder, "used": self.used.to_json(),
                "callee": self.callee,
                "callee_def": None if self.callee_def is None else self.callee_def.to_json(),
                "freed": self.freed.to_json()}


@dataclass(frozen=True, slots=True)
class ArchCensus:
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

    def to_json(self) -> dict[str, Any]:
        def steps(s: StepList | None) -> dict[str, Any] | None:
            return None if s is None else s.to_json()

        return {"arch": self.arch, "destroy_vm": steps(self.destroy_vm),
                "vcpu_destroy": steps(self.vcpu_destroy), "vcpu_free": steps(self.vcpu_free),
                "devices": [d.to_json() for d in self.devices],
                "holders": [h.to_json() for h in self.holders],
                "dangling": [d.to_json() for d in self.dangling], "verdict": self.verdict}


@dataclass(frozen=True, slots=True)
class Census:
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

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source.to_json(), "arches": [a.to_json() for a in self.arches],
                "generic": [d.to_json() for d in self.generic],
                "vfio_arches": [e.to_json() for e in self.vfio_arches],
                "vcpu_chain": [e.to_json() for e in self.vcpu_chain],
                "files_read": self.files_read}


@dataclass(frozen=True, slots=True)
class RfcResult:
    """The RFC swap applied to one revision's kvm_main.c, outside the user's repository."""

    source: SourceInfo
    path: str
    outcome: str
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

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source.to_json(), "path": self.path, "outcome": self.outcome,
                "reason": self.reason, "git_apply": self.git_apply,
                "before": None if self.before is None else self.before.to_json(),
                "after": None if self.after is None else self.after.to_json(),
                "diff": self.diff}
