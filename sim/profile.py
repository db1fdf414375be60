"""Provides the Profile: the data that decides every kernel reaction of one model run.

A profile is an architecture, a kernel era (its feature set, sim.eras), the call order of
``kvm_destroy_vm()`` (``current``, ``reversed`` — the RFC — or an explicit ``--steps`` list),
the userspace that drives teardown (sim.userspace: ``any``, ``qemu-8.2``, ``qemu-8.1``, with or
without QEMU's async-teardown helper), the toggles (sim.toggles), the hooks a proposed fix
adds (sim.hooks), the population sizes, the claims to check and the user events to leave out.
It validates the user's choices when it is built, like a state machine definition does: every
problem (unknown step, missing step, unknown toggle or value, unknown or duplicate claim or
hook, unknown event or feature) is collected and raised as one ProfileError, so the user fixes
everything in one go. The tables themselves (every rule
cites a known fact, every step has an effect) are checked once, when their modules are
imported. :func:`initial_state` builds the state every search of a profile starts from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sim.arches import ARCHES, Arch, DeviceKind
from sim.catalog import EXCLUDABLE
from sim.claims import CLAIM_IDS
from sim.defaults import DEFAULT_QUEUES, DEFAULT_USERSPACE, DEFAULT_VCPUS
from sim.eras import (
    FEATURE_BY_NAME,
    NEWEST,
    OLDEST,
    Version,
    features_for,
    format_version,
    parse_era,
)
from sim.errors import ProfileError, SimError
from sim.facts import require_facts
from sim.hooks import HOOK_BY_NAME, HOOK_NAMES
from sim.population import make
from sim.state import Queue, State
from sim.toggles import RETIRED, TOGGLE_BY_NAME, TOGGLES
from sim.userspace import USERSPACE_NAMES, USERSPACES, Userspace


@dataclass(frozen=True, slots=True)
class VmStep:
    """One modelled step of the generic ``kvm_destroy_vm()`` (F2.1, F2.6)."""

    name: str
    fact: str
    requires: tuple[str, ...] = ()


VM_STEPS: tuple[VmStep, ...] = (
    VmStep("kvm_arch_sync_events", "F1.6", ("sync-events",)),
    VmStep("kvm_arch_pre_destroy_vm", "F2.4", ("pre-destroy-hook",)),
    VmStep("kvm_io_bus_destroy", "F3.3"),
    VmStep("kvm_arch_destroy_vm", "F2.6"),
    VmStep("kvm_destroy_devices", "F1.3", ("destroy-devices",)),
    VmStep("kvm_arch_free_vm", "F2.6"),
)
VM_STEP_BY_NAME: dict[str, VmStep] = {step.name: step for step in VM_STEPS}

require_facts("sim.profile.VM_STEPS", ((repr(step.name), step.fact) for step in VM_STEPS))

ORDERS = ("current", "reversed")
RESET_CLASSES = ("verified", "unverified", "hung")
"""Outcome classes of one AP queue reset (DESIGN layer 2 → layer 1)."""

Style = Literal["refcount", "release", "destroy"]
"""How a device of a kind is freed in an era (Profile.style)."""

#: Features whose boundary matters to an architecture's rules (for the notes of a run).
_RELEVANT: dict[str, tuple[str, ...]] = {
    "s390": ("kvm-vfio", "vfio-ap", "vfio-ap-kvm-ref", "pv", "set-kvm-notifier",
             "pv-mmu-notifier", "destroy-fast", "pv-async-cleanup", "kvm-vfio-release",
             "vfio-core-kvm-ref", "guest-se-bind", "reset-unbounded", "pv-ap", "pv-leak-asce",
             "vfio-group-lock", "destroy-fast-warn-relaxed", "gisa-destroy-warn"),
    "x86": ("kvm-vfio", "kvm-vfio-release", "vfio-core-kvm-ref", "x86-vcpus-first",
            "x86-eoi-cancel", "x86-nested-exit-reads-pic", "vfio-group-lock"),
    "riscv": ("riscv-aia",),
}
_COMMON = ("device-api", "device-refcount", "destroy-devices", "destroy-devices-comment",
           "release-callback")


def excludable_events() -> tuple[str, ...]:
    """Event names ``--exclude`` accepts: the rules' names, and ``close:<fd>`` per fd kind."""
    closes = (f"close:{spec.name}" for arch in ARCHES.values() for spec in arch.files)
    return (*EXCLUDABLE, *dict.fromkeys(closes))


def era_steps(features: frozenset[str]) -> tuple[str, ...]:
    """The era's ``kvm_destroy_vm`` step list in the kernel's (current) order."""
    return tuple(step.name for step in VM_STEPS if set(step.requires) <= features)


def ordered_steps(features: frozenset[str], order: str) -> tuple[str, ...]:
    """The step list for ``current`` or ``reversed`` (the RFC: devices before arch destroy)."""
    steps = list(era_steps(features))
    if order == "reversed" and "kvm_destroy_devices" in steps:
        i, j = steps.index("kvm_arch_destroy_vm"), steps.index("kvm_destroy_devices")
        steps[i], steps[j] = steps[j], steps[i]
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything one search needs; derived fields are computed and checked on construction."""

    arch: str
    era: Version
    order: str
    """'current', 'reversed' or 'custom' (an explicit step list)."""
    steps: tuple[str, ...]
    """kvm_destroy_vm() steps in the order this profile runs them."""
    features: frozenset[str]
    toggles: tuple[tuple[str, str], ...] = ()
    """(name, value) pairs overriding the defaults."""
    vcpus: int = DEFAULT_VCPUS
    queues: int = DEFAULT_QUEUES
    claims: tuple[str, ...] = ()
    """Claim ids to check; () means every claim."""
    excluded: frozenset[str] = frozenset()
    """User/guest/async event names left out of the search (``--exclude``)."""
    userspace: str = DEFAULT_USERSPACE
    """sim.userspace name: who drives teardown (``any`` = every sequence)."""
    async_teardown: bool = False
    """QEMU's CLONE_VM async-teardown helper holds mm_users (F7.12)."""
    hooks: tuple[str, ...] = ()
    """sim.hooks names: vfio_ap actions a proposed fix places at a teardown point (none in
    any released kernel)."""
    reset_classes: tuple[str, ...] = ()
    """The AP queue reset outcomes the checker may choose (``verified``, ``unverified``,
    ``hung``), as the timing model (sim.timing) found them for a latency and fault profile;
    () lets the era decide (sim.kernel.reset_outcomes)."""
    arch_steps: tuple[str, ...] = field(init=False)
    files: tuple[str, ...] = field(init=False)
    devices: tuple[str, ...] = field(init=False)
    irqchip: str = field(init=False)
    vfio_present: bool = field(init=False)
    init_reads: frozenset[str] = field(init=False)
    notes: tuple[str, ...] = field(init=False)
    _toggles: dict[str, str] = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ProfileError(problems)
        arch = ARCHES[self.arch]
        values = {t.name: t.default for t in TOGGLES} | dict(self.toggles)
        reads: set[str] = set()
        kinds = []
        for kind in arch.devices:
            if kind.toggle:
                reads.add(kind.toggle)
            if _device_present(kind, self.features, values):
                kinds.append(kind.kind)
        files = tuple(spec.name for spec in arch.files
                      if set(spec.requires) <= self.features
                      and (not spec.name.startswith("dev:") or spec.name[4:] in kinds))
        irqchip = next((k.kind for k in arch.devices if k.irqchip and k.kind in kinds), "")
        vfio = bool(arch.vfio) and (arch.vfio != "mdev" or "vfio-ap" in self.features)
        setter = object.__setattr__
        setter(self, "_toggles", values)
        setter(self, "arch_steps", tuple(step.name for step in arch.steps
                                         if set(step.requires) <= self.features
                                         and not set(step.excludes) & self.features))
        setter(self, "devices", tuple(kinds))
        setter(self, "files", files)
        setter(self, "irqchip", irqchip)
        setter(self, "vfio_present", vfio)
        setter(self, "init_reads", frozenset(reads))
        setter(self, "notes", _notes(self, arch))

    @property
    def arch_spec(self) -> Arch:
        """The architecture table entry."""
        return ARCHES[self.arch]

    @property
    def userspace_spec(self) -> Userspace:
        """The userspace table entry."""
        return USERSPACES[self.userspace]

    @property
    def userspace_label(self) -> str:
        """e.g. ``qemu-8.2+async``."""
        return self.userspace + ("+async" if self.async_teardown else "")

    def toggle(self, name: str) -> str:
        """A toggle's value in this profile (its default unless overridden)."""
        return self._toggles[name]

    def toggle_values(self) -> dict[str, str]:
        """Every toggle with its value."""
        return dict(self._toggles)

    def device_kind(self, kind: str) -> DeviceKind:
        """The device table entry of a kind this VM has."""
        return next(k for k in self.arch_spec.devices if k.kind == kind)

    def style(self, kind: str) -> Style:
        """'refcount', 'release' or 'destroy': how a device of this kind is freed in this era."""
        if "device-refcount" in self.features:
            return "refcount"
        spec = self.device_kind(kind)
        if spec.release_feature and spec.release_feature in self.features \
                and "release-callback" in self.features:
            return "release"
        return "destroy"

    def claim_ids(self) -> tuple[str, ...]:
        """The claims this run checks."""
        return self.claims or CLAIM_IDS

    def label(self) -> str:
        """e.g. ``s390 6.12 qemu-8.2 reversed``."""
        return f"{self.arch} {format_version(self.era)} {self.userspace_label} {self.order}"


def _device_present(kind: DeviceKind, features: frozenset[str], toggles: Mapping[str, str]
                    ) -> bool:
    return set(kind.requires) <= features and (not kind.toggle or toggles[kind.toggle] == "true")


def _problems(profile: Profile) -> list[str]:
    """Everything wrong with the user's choices in a profile, as one list (the tables were
    checked when their modules were imported)."""
    problems: list[str] = []
    if profile.arch not in ARCHES:
        problems.append(f"unknown arch {profile.arch!r} (known: {', '.join(ARCHES)})")
    if not OLDEST <= profile.era <= NEWEST:
        problems.append(f"era {format_version(profile.era)} outside 3.9..6.18")
    if profile.vcpus < 1:
        problems.append(f"vcpus must be at least 1 (got {profile.vcpus})")
    if profile.queues < 0:
        problems.append(f"queues must not be negative (got {profile.queues})")
    if profile.order not in (*ORDERS, "custom"):
        problems.append(f"unknown order {profile.order!r} (current, reversed or --steps)")
    for name in sorted(profile.features - FEATURE_BY_NAME.keys()):
        problems.append(f"unknown feature {name!r}")
    known = era_steps(profile.features)
    counts = Counter(profile.steps)
    for name in profile.steps:
        if name not in VM_STEP_BY_NAME:
            problems.append(f"unknown step {name!r}")
        elif name not in known:
            problems.append(f"step {name!r} does not exist in this era")
    for name, count in sorted(counts.items()):
        if count > 1:
            problems.append(f"duplicate step {name!r}")
    missing = [name for name in known if name not in counts]
    if missing:
        problems.append("missing step(s) " + ", ".join(missing))
    if profile.userspace not in USERSPACES:
        problems.append(f"unknown userspace {profile.userspace!r}"
                        f" (known: {', '.join(USERSPACE_NAMES)})")
    for name, value in profile.toggles:
        toggle = TOGGLE_BY_NAME.get(name)
        if name in RETIRED:
            problems.append(f"toggle {name!r} was retired: {RETIRED[name]}")
        elif toggle is None:
            problems.append(f"unknown toggle {name!r}")
        elif value not in toggle.values:
            problems.append(f"toggle {name}={value!r}: expected {'|'.join(toggle.values)}")
    for claim_id, count in Counter(profile.claims).items():
        if claim_id not in CLAIM_IDS:
            problems.append(f"unknown claim {claim_id!r}")
        elif count > 1:
            problems.append(f"duplicate claim {claim_id!r}")
    for name, count in Counter(profile.hooks).items():
        if name not in HOOK_BY_NAME:
            problems.append(f"unknown hook {name!r} (known: {', '.join(HOOK_NAMES)})")
        elif count > 1:
            problems.append(f"duplicate hook {name!r}")
    for name in profile.reset_classes:
        if name not in RESET_CLASSES:
            problems.append(f"unknown reset outcome {name!r} (known: {', '.join(RESET_CLASSES)})")
    if "hung" in profile.reset_classes and "reset-unbounded" not in profile.features:
        problems.append("reset outcome 'hung' needs the unbounded reset (reset-unbounded, v6.6,"
                        " F6.6): the bounded one gives up instead")
    if profile.reset_classes and not set(profile.reset_classes) - {"hung"}:
        problems.append("reset outcomes need 'verified' or 'unverified' besides 'hung'")
    known_events = excludable_events()
    for name in sorted(profile.excluded - set(known_events)):
        problems.append(f"unknown event {name!r} (excludable: {', '.join(known_events)})")
    return problems


def _notes(profile: Profile, arch: Arch) -> tuple[str, ...]:
    notes = []
    if profile.era not in arch.documented:
        docs = ", ".join(f"[{format_version(v)}]" for v in arch.documented)
        notes.append(f"kernel-facts §4 reads {arch.name} teardown only in {docs}; era "
                     f"{format_version(profile.era)} applies the same feature rules")
    if profile.order == "reversed" and "kvm_destroy_devices" not in profile.steps:
        notes.append("no kvm_destroy_devices() in this era: 'reversed' equals 'current'")
    if profile.arch_spec.pv and profile.userspace != "any":
        notes.append(f"{profile.userspace}: a reboot unprotects the guest once; re-entering"
                     " protected mode (S390_RESET_PV) starts a new configuration whose"
                     " teardown is the same, so it is not modelled")
    if profile.async_teardown and profile.userspace == "any":
        notes.append("any+async: the CLONE_VM helper may be killed at any moment, also while"
                     " the VMM's fds are being released")
    for name in profile.hooks:
        hook = HOOK_BY_NAME[name]
        notes.append(f"hook {name} ({hook.function}): a proposed fix, in no released kernel")
        if hook.point == "pre-destroy" and "pre-destroy-hook" not in profile.features:
            notes.append(f"hook {name}: no kvm_arch_pre_destroy_vm() in this era (F2.4),"
                         " so it never runs")
    relevant = (*_COMMON, *_RELEVANT.get(profile.arch, ()))
    for name in relevant:
        feature = FEATURE_BY_NAME[name]
        if feature.unverified and feature.near(profile.era) \
                and (name in profile.features or not feature.everywhere):
            notes.append(f"{name}: {feature.unverified}")
    return tuple(notes)


def build_profile(
    arch: str,
    era: str | Version,
    *,
    order: str = "current",
    steps: Sequence[str] | None = None,
    vcpus: int = DEFAULT_VCPUS,
    queues: int = DEFAULT_QUEUES,
    toggles: Mapping[str, str] | None = None,
    features: Mapping[str, bool] | None = None,
    claims: Sequence[str] = (),
    exclude: Iterable[str] = (),
    userspace: str = DEFAULT_USERSPACE,
    async_teardown: bool = False,
    hooks: Sequence[str] = (),
    reset_classes: Sequence[str] = (),
) -> Profile:
    """Build (and validate) a profile from user-level choices.

    Args:
        arch: an ARCHES key.
        era: "X.Y" or (X, Y); the feature set is derived from it (sim.eras).
        order: "current" or "reversed"; ignored when ``steps`` is given ("custom").
        steps: an explicit kvm_destroy_vm step list (a permutation of the era's steps).
        toggles: overrides of toggle defaults.
        features: per-feature overrides of the era's set (a what-if, e.g. 6.1 + destroy-fast).
        claims: claim ids to check (default: all).
        exclude: user/guest/async event names to leave out.
        userspace: who drives teardown (sim.userspace).
        async_teardown: QEMU's async-teardown helper shares the address space.
        hooks: sim.hooks names a proposed fix adds (default: none, as in every kernel).
        reset_classes: the reset outcomes the timing model found possible (() = the era's).

    Raises:
        SimError: the era is not a known release.
        ProfileError: anything else; one error listing every problem.
    """
    version = parse_era(era) if isinstance(era, str) else era
    feature_set = set(features_for(version))
    for name, on in (features or {}).items():
        (feature_set.add if on else feature_set.discard)(name)
    frozen = frozenset(feature_set)
    if steps is not None:
        chosen, order = tuple(steps), "custom"
    elif order in ORDERS:
        chosen = ordered_steps(frozen, order)
    else:
        raise SimError(f"unknown order {order!r} (current, reversed or both)")
    return Profile(arch=arch, era=version, order=order, steps=chosen, features=frozen,
                   toggles=tuple(sorted((toggles or {}).items())), vcpus=vcpus,
                   queues=queues, claims=tuple(claims), excluded=frozenset(exclude),
                   userspace=userspace, async_teardown=async_teardown,
                   reset_classes=tuple(reset_classes), hooks=tuple(hooks))


def initial_state(profile: Profile, *, reduction: str = "counter", cap: int = 2) -> State:
    """The fully set-up VM every search starts from.

    The VMM process runs a guest: VM fd, vCPU fds and one fd per kvm_device are open; on s390
    the guest is a Secure Execution guest (secure vCPUs, PV notifier registered where the era
    has it) with a vfio_ap mdev open whose queues are in use (reset 'none'), with the kvm
    reference(s) the era's vfio_ap and VFIO core take; kvm-vfio has the VFIO group attached.
    """
    feats = profile.features
    pv = profile.arch_spec.pv and "pv" in feats
    vfio = profile.arch_spec.vfio if profile.vfio_present else ""
    refs = set()
    if vfio == "mdev" and "vfio-ap-kvm-ref" in feats:
        refs.add("vfio_ap")
    if vfio and "vfio-core-kvm-ref" in feats:
        refs.add("vfio-core")
    queues = profile.queues if vfio == "mdev" else 0
    return State(
        proc="alive",
        mm_users=frozenset({"vmm", "helper"} if profile.async_teardown else {"vmm"}),
        blocked="",
        files=frozenset(name for name in profile.files if name != "vcpus"),
        vcpu_fds=True,
        vcpus_live=True,
        vcpus=make("secure" if pv else "clear", profile.vcpus, reduction=reduction, cap=cap),
        vcpu_irq=profile.irqchip,
        nested=False,
        kvm="alive",
        refs=frozenset(refs),
        devices=tuple((kind, "live") for kind in profile.devices),
        freed=frozenset(),
        group_kvm="kvm-vfio" in profile.devices,
        mdev_kvm=vfio == "mdev",
        queues=make(Queue(), queues, reduction=reduction, cap=cap),
        pv="live" if pv else "none",
        pv_aside="none",
        pv_notifier="registered" if pv and "pv-mmu-notifier" in feats else "none",
        gisa="alive" if profile.arch == "s390" else "none",
        eoi_work="pending" if profile.arch_spec.ioapic else "none",
        leaks=frozenset(),
        held=frozenset(),
        script=(),
        pending=(),
    )
