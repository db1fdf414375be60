"""Provides the deterministic kernel steps: ``kvm_destroy_vm()``, arch teardown, the exit path.

A step is a string in ``State.pending``: ``vm:<step>`` (generic kvm_destroy_vm, F2.6),
``arch:<step>`` (sim.arches, F4.*), ``destroy:<kind>`` (kvm_destroy_devices' walk, F1.3),
``exit_mm`` / ``exit_task_work`` (do_exit, F7.5), ``exit_mmap`` (the last mm user went, F7.5),
``unlock:<lock>`` (a VFIO close path leaves its lock, F8.9) and the s390 PV steps
(F7.2-F7.6, F7.11). :func:`run_step` executes the head step; it branches only where the kernel
meets a nondeterministic outcome (queue resets, UV calls) or where the ``exit-fput-order``
toggle says the order of deferred ``__fput`` calls is open. An unknown step is an error, never
a silent no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sim.arches import ARCHES
from sim.catalog import Event
from sim.errors import ModelError
from sim.kernel import (
    WARN_GISA,
    Txs,
    cleanup_all,
    cpu_destroy_failed,
    cpus_from_pv,
    destroy_config,
    destroy_device,
    exit_candidates,
    release_file,
    release_function,
    run_hooks,
    set_aside,
)
from sim.profile import VM_STEP_BY_NAME, VM_STEPS, Profile
from sim.state import State
from sim.tx import Tx, begin

Outcome = tuple[Event, State]


def run_step(state: State, profile: Profile) -> list[Outcome]:
    """Run the head of ``state.pending``: every outcome of that one kernel step."""
    step, rest = state.pending[0], state.pending[1:]
    tx = begin(state, profile)
    tx.d.pending = rest
    prefix, _, arg = step.partition(":")
    handler = _HANDLERS.get(prefix)
    if handler is None:
        raise ModelError(f"unknown kernel step {step!r}: no handler for {prefix!r}")
    return handler(tx, arg)


# -- kvm_destroy_vm ------------------------------------------------------------------------
def _vm_step(tx: Tx, name: str) -> list[Outcome]:
    step = VM_STEP_BY_NAME.get(name)
    if step is None:
        raise ModelError(f"unknown kvm_destroy_vm step {name!r}")
    tx.access("kvm")
    _VM_EFFECTS[name](tx)
    branches = run_hooks(tx, "pre-destroy") if name == "kvm_arch_pre_destroy_vm" else [tx]
    return [t.done("vm-step", name, fact=step.fact) for t in branches]


def _sync_events(tx: Tx) -> None:
    """kvm_arch_sync_events: touches only the kvm (F1.6)."""


def _pre_destroy(tx: Tx) -> None:
    """kvm_arch_pre_destroy_vm (x86, F2.4): where the EOI-work cancel landed (F2.8)."""
    if tx.d.eoi_work == "pending" and tx.has("x86-eoi-cancel"):
        tx.d.eoi_work = "cancelled"  # cancel + flush the IOAPIC EOI work (F2.8, F8.16)
        tx.guard("eoi-work-cancelled")


def _io_bus_destroy(tx: Tx) -> None:
    """kvm_io_bus_destroy: the emulated I/O regions go first (F3.3)."""
    tx.free("io-buses")  # iodev destructors run here, before arch and devices (F3.3)


def _arch_destroy(tx: Tx) -> None:
    """kvm_arch_destroy_vm: the architecture's own steps run next (F2.6, sim.arches)."""
    tx.mark("arch_destroy")
    if tx.profile.arch == "s390":
        tx.mark("s390_arch_destroy")
    tx.push(*(f"arch:{step}" for step in tx.profile.arch_steps))


def _destroy_devices(tx: Tx) -> None:
    """kvm_destroy_devices: ops->destroy of every destroy-style device still live (F1.3)."""
    tx.mark("destroy_devices")
    live = [kind for kind, status in tx.d.devices
            if status == "live" and tx.profile.style(kind) == "destroy"]
    # list_add puts new devices at the head, so the walk meets the newest first
    tx.push(*(f"destroy:{kind}" for kind in reversed(live)))
    tx.note("devices: " + (", ".join(reversed(live)) or "none"))
    if "group_lock" in tx.d.held and "kvm-vfio" in tx.profile.devices \
            and tx.profile.style("kvm-vfio") == "release":
        tx.guard("no-vfio-callback-under-group-lock")


def _free_vm(tx: Tx) -> None:
    """kvm_arch_free_vm: struct kvm is freed (F2.6)."""
    tx.free("kvm")
    tx.d.kvm = "freed"
    tx.mark("kvm_freed")


_VM_EFFECTS: dict[str, Callable[[Tx], None]] = {
    "kvm_arch_sync_events": _sync_events,
    "kvm_arch_pre_destroy_vm": _pre_destroy,
    "kvm_io_bus_destroy": _io_bus_destroy,
    "kvm_arch_destroy_vm": _arch_destroy,
    "kvm_destroy_devices": _destroy_devices,
    "kvm_arch_free_vm": _free_vm,
}


def _device_step(tx: Tx, kind: str) -> list[Outcome]:
    spec = tx.profile.device_kind(kind)
    return [t.done("device-destroy", kind, function=spec.destroy_fn, fact=spec.fact)
            for t in destroy_device(tx, kind)]


# -- kvm_arch_destroy_vm -------------------------------------------------------------------
def _arch_step(tx: Tx, name: str) -> list[Outcome]:
    spec = next((s for s in tx.profile.arch_spec.steps if s.name == name
                 and set(s.requires) <= tx.profile.features
                 and not set(s.excludes) & tx.profile.features), None)
    effect = _ARCH_EFFECTS.get(name)
    if spec is None or effect is None:
        raise ModelError(f"unknown kvm_arch_destroy_vm step {name!r} on {tx.profile.arch}")
    return [t.done("arch-step", name, function=spec.function or name, fact=spec.fact)
            for t in effect(tx)]


def _gisa_destroy(tx: Tx) -> Txs:
    """kvm_s390_gisa_destroy (F7.7): an ISC still registered WARNs from v6.6 (f87ef5723536)."""
    tx.access("sie_page2")
    tx.mark("gisa_destroy")
    tx.d.gisa = "destroyed"
    if tx.has("gisa-destroy-warn"):
        tx.warn_site()
        if tx.d.queues.any(lambda q: q.irq):
            tx.warn(WARN_GISA)
    return [tx]


def _pv_deinit_vm(tx: Tx) -> Txs:
    """[6.1] kvm_arch_destroy_vm: if a handle exists, kvm_s390_pv_deinit_vm (F4.11)."""
    return destroy_config(tx, "pv", "normal")


def _notifier_unregister(tx: Tx) -> Txs:
    """mmu_notifier_unregister runs ->release itself if exit_mmap has not (F7.5)."""
    d = tx.d
    if d.pv_notifier == "registered":
        tx.push("pv_release:unregister")
    elif d.pv_notifier == "released":
        d.pv_notifier = "unregistered"
    return [tx]


def _free(obj: str) -> Callable[[Tx], Txs]:
    def effect(tx: Tx) -> Txs:
        tx.free(obj)
        return [tx]
    return effect


def _ioapic_destroy(tx: Tx) -> Txs:
    if tx.d.eoi_work == "pending":
        tx.d.eoi_work = "cancelled"
    tx.free("ioapic")
    return [tx]


def _core_destroy(tx: Tx) -> Txs:
    tx.access("kvm")
    if "xics" in tx.profile.devices and tx.profile.style("xics") == "release":
        tx.free("xics-state")  # the cached kvmppc_xics struct (F4.3, F4.6)
    return [tx]


def _touch(*objects: str) -> Callable[[Tx], Txs]:
    def effect(tx: Tx) -> Txs:
        tx.access(*objects)
        return [tx]
    return effect


def _destroy_vcpus(tx: Tx) -> Txs:
    """kvm_destroy_vcpus: each vCPU's arch teardown, then the vCPUs are freed (F4.*).

    What the teardown dereferences comes from the architecture table (sim.arches.VcpuRef):
    the state of the device the vCPUs are connected to, and VM-scope objects."""
    d = tx.d
    tx.access("vcpus", "kvm")
    results: Txs = [tx]
    kind = d.vcpu_irq
    refs = list(tx.profile.arch_spec.vcpu_refs)
    if kind:
        refs.extend(tx.profile.device_kind(kind).vcpu_refs)
    for ref in refs:
        if not set(ref.requires) <= tx.profile.features:
            continue
        if ref.when == "nested" and not d.nested:
            continue
        if ref.toggle and not tx.flag(ref.toggle):
            continue
        tx.access(ref.obj)
        if ref.mark:
            tx.mark(ref.mark)
        if ref.obj not in d.freed:
            tx.guard("vcpus-before-devices")
    if kind:
        d.vcpu_irq = ""
        if tx.profile.style(kind) == "refcount" and d.device(kind) == "live" \
                and f"dev:{kind}" not in d.files:  # the vCPUs held the last refs (F1.3)
            tx.note(f"last device reference: {tx.profile.device_kind(kind).destroy_fn}")
            results = destroy_device(tx, kind)
    out: Txs = []
    for branch in results:
        out.extend(cpus_from_pv(branch))  # kvm_s390_pv_destroy_cpu if still protected
    for branch in out:
        branch.d.vcpus_live = False
        branch.free("vcpus")
    return out


_ARCH_EFFECTS: dict[str, Callable[[Tx], Txs]] = {
    "kvm_destroy_vcpus": _destroy_vcpus,
    "kvm_s390_gisa_destroy": _gisa_destroy,
    "kvm_s390_pv_deinit_vm": _pv_deinit_vm,
    "kvm_s390_pv_deinit_cleanup_all": cleanup_all,
    "mmu_notifier_unregister": _notifier_unregister,
    "free_sie_page2": _free("sie_page2"),
    "kvm_pic_destroy": _free("pic"),
    "kvm_ioapic_destroy": _ioapic_destroy,
    "kvmppc_core_destroy_vm": _core_destroy,
    "kvm_vgic_destroy": _touch("kvm", "vcpus"),  # per-vCPU vgic state, kvm->arch.vgic (F4.9)
    "kvm_riscv_aia_destroy_vm": _touch("kvm"),  # APLIC state lives in kvm->arch (F4.14)
}


# -- do_exit -------------------------------------------------------------------------------
def _exit_mm(tx: Tx, _: str) -> list[Outcome]:
    """exit_mm → mmput: the VMM drops its mm_users; if it was the last user, exit_mmap →
    mmu_notifier_release runs before any fd is released (F7.5). QEMU's async-teardown helper
    keeps the mm alive past the fd releases (F7.12)."""
    tx.d.mm_users = tx.d.mm_users - {"vmm"}
    if tx.d.mm_users:
        return [tx.done("exit-mm-shared")]
    _mmap_release(tx, "exit_mmap")
    return [tx.done("exit-mm")]


def _exit_mmap(tx: Tx, _: str) -> list[Outcome]:
    """The helper was the last mm user: exit_mmap → mmu_notifier_release (F7.5, F7.12)."""
    _mmap_release(tx, "exit_mmap")
    return [tx.done("exit-mm", function="exit_mmap → mmu_notifier_release")]


def _mmap_release(tx: Tx, via: str) -> None:
    if tx.d.pv_notifier == "registered":
        tx.d.pv_notifier = "released"
        tx.push(f"pv_release:{via}")


def _exit_task_work(tx: Tx, _: str) -> list[Outcome]:
    """The deferred final __fput of each remaining file (F7.5); then the process is gone."""
    candidates = exit_candidates(tx)
    if not candidates:
        tx.d.proc = "gone"
        return [tx.done("exit-done")]
    order = tx.value("exit-fput-order")
    chosen = candidates if order == "any" else \
        [candidates[-1]] if order == "reverse" else [candidates[0]]
    out: list[Outcome] = []
    for name in chosen:
        branch = tx.fork()
        branch.push("exit_task_work")
        function = "exit_task_work → __fput → " + release_function(branch, name)
        out.extend(result.done("fput", name, function=function)
                   for result in release_file(branch, name))
    return out


def _unlock(tx: Tx, lock: str) -> list[Outcome]:
    tx.d.held = tx.d.held - {lock}
    return [tx.done("unlock", lock)]


# -- s390 PV -------------------------------------------------------------------------------
def _pv_release(tx: Tx, via: str) -> list[Outcome]:
    """kvm_s390_pv_mmu_notifier_release (F7.4): secure vCPUs out of PV; since 6.2, if that
    succeeded, the UV offers it and a handle exists, Destroy Secure Configuration Fast
    ([6.12] pv.c:549-551)."""
    tx.mark("pv_notifier_release")
    tx.access("kvm")
    if via == "unregister":
        tx.d.pv_notifier = "unregistered"
    out = []
    hooked = run_hooks(tx, "pv-teardown") if tx.d.protected() else [tx]
    for branch in (after for t in hooked for after in cpus_from_pv(t)):
        if branch.has("destroy-fast") and branch.d.protected() \
                and not cpu_destroy_failed(branch) and branch.flag("destroy-fast-available"):
            branch.push(f"pv_fast:{via}")
        out.append(branch.done("pv-release", via))
    return out


def _pv_fast(tx: Tx, via: str) -> list[Outcome]:
    return [t.done("pv-fast", via) for t in destroy_config(tx, "pv", "fast")]


def _pv_deinit(tx: Tx, _: str) -> list[Outcome]:
    """KVM_PV_DISABLE after the CPUs left PV: cleanup_all (6.2+, F7.6) or, before the async
    cleanup, kvm_s390_pv_deinit_vm (F7.1)."""
    if tx.has("pv-async-cleanup"):
        return [t.done("pv-cleanup-all") for t in cleanup_all(tx)]
    return [t.done("pv-deinit") for t in destroy_config(tx, "pv", "normal")]


def _pv_set_aside(tx: Tx, _: str) -> list[Outcome]:
    function = "kvm_s390_pv_set_aside → kvm_s390_pv_deinit_vm_fast" \
        if tx.has("destroy-fast") and tx.flag("destroy-fast-available") else ""
    return [t.done("pv-set-aside", function=function) for t in set_aside(tx)]


_HANDLERS: dict[str, Callable[[Tx, str], list[Outcome]]] = {
    "vm": _vm_step,
    "arch": _arch_step,
    "destroy": _device_step,
    "exit_mm": _exit_mm,
    "exit_mmap": _exit_mmap,
    "exit_task_work": _exit_task_work,
    "unlock": _unlock,
    "pv_release": _pv_release,
    "pv_fast": _pv_fast,
    "pv_deinit": _pv_deinit,
    "pv_set_aside": _pv_set_aside,
}


def require_effects(table: str, steps: Iterable[str], effects: Mapping[str, object]) -> None:
    """Raise ModelError naming every step of ``table`` that has no effect in ``effects``.

    Run once on the step tables when this module is imported: a step without an effect
    would run as a silent no-op."""
    missing = [f"{table} step {name!r} has no effect in sim.steps"
               for name in dict.fromkeys(steps) if name not in effects]
    if missing:
        raise ModelError("; ".join(missing))


require_effects("sim.profile.VM_STEPS", (step.name for step in VM_STEPS), _VM_EFFECTS)
require_effects("sim.arches.ARCHES", (step.name for arch in ARCHES.values() for step in arch.steps),
                _ARCH_EFFECTS)
