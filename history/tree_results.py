"""Provides the result types of reading a kernel tree: step lists, detections, the device
census, the RFC applied (the second family of ``history.results``).

Import them from ``history.results``, which loads this module on first use: creating these
thirteen frozen dataclasses costs ~7 ms, and the History screen's launch, which only reads
git, needs none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from history.results import (
    ABSENT,
    PRESENT,
    DeviceStyle,
    Result,
    RfcOutcome,
    SourceKind,
    Verdict,
)


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

