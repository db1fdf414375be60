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

import inspect
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Literal, cast, dataclass_transform

from sim.population import Concrete, Counted, Pop, abstract

Proc = Literal["alive", "exiting", "gone"]
KvmStatus = Literal["alive", "destroying", "freed"]
DeviceStatus = Literal["live", "released", "destroyed"]
Config = Literal["none", "live", "refused", "destroyed", "leaked"]
Aside = Literal["none", "aside", "destroyed", "leaked"]
Notifier = Literal["none", "registered", "released", "unregistered"]
Gisa = Literal["none", "alive", "destroyed"]
EoiWork = Literal["none", "pending", "ran", "cancelled"]
Devices = tuple[tuple[str, DeviceStatus], ...]


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


class _RecordMeta(type):
    """Builds State and Draft over the fields of one base, so a field is declared once.

    The base (a direct subclass of :class:`_Record`) only holds the slots; each class below it
    becomes a dataclass — frozen or not — over the base's annotations, so both stay slotted
    and share one field order."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                *, frozen: bool = False) -> _RecordMeta:
        if not bases or bases[0] is _Record:
            namespace["__slots__"] = tuple(namespace.get("__annotations__", {}))
            return super().__new__(mcs, name, bases, namespace)
        if namespace.get("__annotations__"):
            raise TypeError(f"{name}: declare fields in {bases[0].__name__}, not here")
        namespace["__annotations__"] = inspect.get_annotations(bases[0])
        namespace["__slots__"] = ()
        cls = super().__new__(mcs, name, bases, namespace)
        dataclass(frozen=frozen)(cast("type[object]", cls))
        return cls


@dataclass_transform()
class _Record(metaclass=_RecordMeta):
    """Type checkers read its subclasses as dataclasses (fields, constructor, frozen)."""

    __slots__ = ()


class StateFields(_Record):
    """The fields of a :class:`State` and of its :class:`Draft`; see the module docstring for
    what each part is for."""

    proc: Proc
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
    kvm: KvmStatus
    """struct kvm: 'alive', 'destroying' (kvm_destroy_vm running) or 'freed'."""
    refs: frozenset[str]
    """Non-file kvm references: 'vfio_ap' (F6.2), 'vfio-core' (F5.3)."""
    devices: Devices
    """(kind, 'live' | 'released' | 'destroyed') in creation order."""
    freed: frozenset[str]
    """Objects whose memory is freed (kvm, vcpus, openpic, sie_page2, dev:<kind>, ...)."""
    group_kvm: bool
    """VFIO group->kvm is set (unreferenced pointer, F5.4)."""
    mdev_kvm: bool
    """matrix_mdev->kvm set: masks in the CRYCB, PQAP hook installed (F6.2)."""
    queues: Pop
    """Every AP queue of the mdev (:class:`Queue`)."""
    pv: Config
    """Current secure configuration: 'none', 'live', 'refused' (a destroy was refused, the
    handle is kept and the configuration lives on, F7.11), 'destroyed' or 'leaked' (F7.1)."""
    pv_aside: Aside
    """Set-aside configuration (async cleanup, F7.3): 'none', 'aside', 'destroyed', 'leaked'."""
    pv_notifier: Notifier
    """PV mmu_notifier: 'none', 'registered', 'released' or 'unregistered' (F7.4)."""
    gisa: Gisa
    """'none' (not s390), 'alive' or 'destroyed' (F7.7)."""
    eoi_work: EoiWork
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

    def device(self, kind: str) -> DeviceStatus | Literal[""]:
        """Status of a device kind ('' if the VM has none)."""
        return device_status(self.devices, kind)

    def protected(self) -> bool:
        """The VM still has a secure configuration handle (kvm_s390_pv_is_protected)."""
        return self.pv in CONFIG_LIVE


# type checkers forbid a frozen dataclass over a non-frozen one; StateFields is no dataclass
# at run time, only the slots
class State(StateFields, frozen=True):  # type: ignore[misc]
    """A snapshot of the modelled world: immutable and hashable (the search's visited set)."""

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

    def mm_gone(self) -> bool:
        """exit_mmap ran: nobody uses the address space any more."""
        return not self.mm_users


CONFIG_LIVE: tuple[Config, ...] = ("live", "refused")
"""Values of State.pv for which the Ultravisor still holds the configuration."""


def device_status(devices: Devices, kind: str) -> DeviceStatus | Literal[""]:
    """Status of a device kind in a device list ('' if the VM has none)."""
    return next((status for name, status in devices if name == kind), "")


def _pins_kvm(name: str) -> bool:
    """Files whose release ends with kvm_put_kvm (F3.7, F8.20)."""
    return name == "vm" or name.startswith("dev:")


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(State))
_values = attrgetter(*FIELDS)
"""All field values of a State or a Draft, in field order (one C call)."""


class Draft(StateFields):
    """A mutable copy of a :class:`State` that one transition edits."""

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

    def set_device(self, kind: str, status: DeviceStatus) -> None:
        """Change one device's status."""
        self.devices = tuple((name, status if name == kind else old)
                             for name, old in self.devices)


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
