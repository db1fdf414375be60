"""Provides the model state (DESIGN layer 1): one immutable, hashable snapshot of a VM's teardown.

The state holds exactly what a rule or a claim reads: the VMM process, who still uses its
address space (the VMM and, with QEMU's async teardown, a CLONE_VM helper), its unreleased
files (the fds while it runs; the deferred final ``__fput`` calls while it exits), who holds a
reference on ``kvm->users_count``, the device list, the vCPUs and what they point at, the VFIO
group's and the mdev's kvm pointers, every AP queue, the SE secure configuration, the GISA, the
set of freed objects (for use-after-free), what was leaked on purpose, the locks the running
kernel path holds, the userspace script in progress (a QEMU reboot), and the kernel steps still
to run. Populations of identical objects (vCPUs, AP queues) are :mod:`sim.population` values,
so the same state type serves the concrete and the reduced searches.

``pending`` is how deterministic kernel reactions are modelled: a user event pushes the kernel
steps it causes (``kvm_destroy_vm``'s step list when the last reference drops, the exit
sequence after a kill), and while any is pending only the head step (and asynchronous work) may
run. So a trace shows each kernel function as its own step, with its own diff.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING

from sim.population import Concrete, Counted, Pop, abstract, make

if TYPE_CHECKING:
    from sim.profile import Profile


@dataclass(frozen=True, slots=True, order=True)
class Queue:
    """One AP queue (APQN) of the vfio_ap mdev, as the host and the SE firmware see it.

    How its last reset ended is not part of the state: no rule reads it afterwards (a
    verified reset shows in ``bound``/``assoc`` being cleared, F7.11), so keeping it would
    only split equal futures. The reset step names the outcome in its detail instead."""

    irq: bool = False
    """IRQ enabled: NIB pinned and guest ISC registered in the GISA (F6.7)."""
    bound: bool = False
    """SE-bound by the guest (BAPQ, F6.9)."""
    assoc: bool = False
    """SE-associated by the guest (AAPQ, F6.9)."""

    def __str__(self) -> str:
        flags = [name for name in ("irq", "bound", "assoc") if getattr(self, name)]
        return "+".join(flags) or "idle"


@dataclass(frozen=True, slots=True)
class State:
    """A snapshot of the modelled world; see the module docstring for what each part is for."""

    proc: str
    """VMM process: 'alive', 'exiting' (in do_exit) or 'gone'."""
    mm_users: frozenset[str]
    """Who holds mm_users: 'vmm' until its exit_mm, 'helper' (QEMU's CLONE_VM async-teardown
    helper, F7.12). Empty: exit_mmap ran and the address space is gone (F7.5)."""
    blocked: str
    """'' or the kernel function blocked forever (terminal: nothing else ever runs)."""
    files: frozenset[str]
    """Unreleased files other than vCPU fds ('vm', 'dev:<kind>', 'mdev', 'vfio-group', ...)."""
    vcpu_fds: bool
    """The vCPU fds are unreleased (closing one that is not the last only drops a reference)."""
    vcpus_live: bool
    """vCPUs not yet destroyed (kvm_destroy_vcpus frees them all, F4.*)."""
    vcpus: Pop
    """Per-vCPU PV state: 'clear', 'secure' or 'leaked' (F4.11, F8.13)."""
    vcpu_irq: str
    """Device kind the vCPUs keep a pointer into (vcpu->arch.mpic, ICP), or ''."""
    nested: bool
    """x86: a vCPU runs a nested (L2) guest, so its destruction touches the PIC (F2.8)."""
    kvm: str
    """struct kvm: 'alive', 'destroying' (kvm_destroy_vm running) or 'freed'."""
    refs: frozenset[str]
    """Non-file kvm references: 'vfio_ap' (F6.2), 'vfio-core' (F5.3)."""
    devices: tuple[tuple[str, str], ...]
    """(kind, 'live' | 'released' | 'destroyed') in creation order."""
    freed: frozenset[str]
    """Objects whose memory is freed (kvm, vcpus, openpic, sie_page2, dev:<kind>, ...)."""
    group_kvm: bool
    """VFIO group->kvm is set (unreferenced pointer, F5.4)."""
    mdev_kvm: bool
    """matrix_mdev->kvm set: masks in the CRYCB, PQAP hook installed (F6.2)."""
    queues: Pop
    """Every AP queue of the mdev (:class:`Queue`)."""
    pv: str
    """Current secure configuration: 'none', 'live', 'refused' (a destroy was refused, the
    handle is kept and the configuration lives on, F7.11), 'destroyed' or 'leaked' (F7.1)."""
    pv_aside: str
    """Set-aside configuration (async cleanup, F7.3): 'none', 'aside', 'destroyed', 'leaked'."""
    pv_notifier: str
    """PV mmu_notifier: 'none', 'registered', 'released' or 'unregistered' (F7.4)."""
    gisa: str
    """'none' (not s390), 'alive' or 'destroyed' (F7.7)."""
    eoi_work: str
    """x86 IOAPIC eoi_inject delayed work: 'none', 'pending', 'ran' or 'cancelled' (F2.8)."""
    leaks: frozenset[str]
    """Memory leaked on purpose and never recovered: 'top-level table' (s390_replace_asce
    after a failed destroy, faa2f72cb356)."""
    held: frozenset[str]
    """Locks the running kernel path holds ('group_lock' while VFIO closes a device, F5.8)."""
    script: tuple[str, ...]
    """Userspace steps of a QEMU sequence in progress (a reboot), head first."""
    pending: tuple[str, ...]
    """Kernel steps still to run, head first."""

    def users(self) -> tuple[str, ...]:
        """Who holds a reference on kvm->users_count (empty: the count is zero)."""
        holders = [f"{name} fd" for name in sorted(self.files) if _pins_kvm(name)]
        if self.vcpu_fds:
            holders.append("vCPU fds")
        holders.extend(sorted(self.refs))
        return tuple(holders)

    def users_zero(self) -> bool:
        """kvm->users_count is zero."""
        return not self.vcpu_fds and not self.refs and not any(map(_pins_kvm, self.files))

    def device(self, kind: str) -> str:
        """Status of a device kind ('' if the VM has none)."""
        return device_status(self.devices, kind)

    def protected(self) -> bool:
        """The VM still has a secure configuration handle (kvm_s390_pv_is_protected)."""
        return self.pv in CONFIG_LIVE

    def mm_gone(self) -> bool:
        """exit_mmap ran: nobody uses the address space any more."""
        return not self.mm_users


CONFIG_LIVE = ("live", "refused")
"""Values of State.pv for which the Ultravisor still holds the configuration."""


def device_status(devices: tuple[tuple[str, str], ...], kind: str) -> str:
    """Status of a device kind in a device list ('' if the VM has none)."""
    return next((status for name, status in devices if name == kind), "")


def _pins_kvm(name: str) -> bool:
    """Files whose release ends with kvm_put_kvm (F3.7, F8.20)."""
    return name == "vm" or name.startswith("dev:")


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(State))
_values = attrgetter(*FIELDS)
"""All field values of a State or a Draft, in field order (one C call)."""


@dataclass(slots=True)
class Draft:
    """A mutable copy of a :class:`State` that one transition edits (same fields)."""

    proc: str
    mm_users: frozenset[str]
    blocked: str
    files: frozenset[str]
    vcpu_fds: bool
    vcpus_live: bool
    vcpus: Pop
    vcpu_irq: str
    nested: bool
    kvm: str
    refs: frozenset[str]
    devices: tuple[tuple[str, str], ...]
    freed: frozenset[str]
    group_kvm: bool
    mdev_kvm: bool
    queues: Pop
    pv: str
    pv_aside: str
    pv_notifier: str
    gisa: str
    eoi_work: str
    leaks: frozenset[str]
    held: frozenset[str]
    script: tuple[str, ...]
    pending: tuple[str, ...]

    @classmethod
    def of(cls, state: State) -> Draft:
        """A draft equal to ``state``."""
        return cls(*_values(state))

    def copy(self) -> Draft:
        """An independent copy (for branching outcomes)."""
        return Draft(*_values(self))

    def freeze(self) -> State:
        """The immutable state."""
        return State(*_values(self))

    def device(self, kind: str) -> str:
        """Status of a device kind ('' if the VM has none)."""
        return device_status(self.devices, kind)

    def protected(self) -> bool:
        """The VM still has a secure configuration handle (kvm_s390_pv_is_protected)."""
        return self.pv in CONFIG_LIVE

    def set_device(self, kind: str, status: str) -> None:
        """Change one device's status."""
        self.devices = tuple((name, status if name == kind else old)
                             for name, old in self.devices)


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


def canonical(state: State, cap: int) -> State:
    """The reduced form of a state: populations symmetry-reduced and capped at ``cap``."""
    if isinstance(state.vcpus, Counted) and isinstance(state.queues, Counted) \
            and state.vcpus.cap == cap and state.queues.cap == cap:
        return state
    draft = Draft.of(state)
    draft.vcpus = abstract(state.vcpus, cap)
    draft.queues = abstract(state.queues, cap)
    return draft.freeze()


def show(value: object) -> str:
    """A field value as the trace shows it."""
    if isinstance(value, Concrete | Counted):
        return value.describe()
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(map(str, value))) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(show(item) for item in value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value != "" else "—"


def diff(before: State, after: State) -> tuple[tuple[str, str, str, str], ...]:
    """(field, before, after, delta) for every field a step changed; delta is '+x -y' for set
    fields, else ''. 'pending' is left out: it is the program counter, which the next steps
    show by being the next steps."""
    changes = []
    for name in FIELDS:
        if name in ("pending", "script"):
            continue
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        delta = ""
        if isinstance(old, frozenset) and isinstance(new, frozenset):
            delta = " ".join([*(f"+{x}" for x in sorted(new - old)),
                              *(f"-{x}" for x in sorted(old - new))])
        changes.append((name, show(old), show(new), delta))
    return tuple(changes)


# Draft is built positionally from State's values (and back): the two field lists must match.
if tuple(f.name for f in fields(Draft)) != FIELDS:
    raise AssertionError("sim.state.Draft must list State's fields in the same order")
