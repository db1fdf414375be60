"""Provides the deterministic kernel steps: ``kvm_destroy_vm()``, arch teardown, the exit path.

A step is a string in ``State.pending``: ``vm:<step>`` (generic kvm_destroy_vm, F2.6),
``arch:<step>`` (sim.arches, F4.*), ``destroy:<kind>`` (kvm_destroy_devices' walk, F1.3),
``exit_mm`` / ``exit_task_work`` (do_exit, F7.5) and the s390 PV steps (F7.2-F7.6).
:func:`run_step` executes the head step; it branches only where the kernel meets a
nondeterministic outcome (queue resets, UV calls) or where the ``exit-fput-order`` toggle
says the order of deferred ``__fput`` calls is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.catalog import Event
from sim.kernel import (
    Txs,
    cpus_from_pv,
    destroy_config,
    destroy_device,
    exit_candidates,
    release_file,
    release_function,
)
from sim.state import State
from sim.tx import Tx, begin

if TYPE_CHECKING:
    from sim.profile import Profile

Outcome = tuple[Event, State]


def run_step(state: State, profile: Profile) -> list[Outcome]:
    """Run the head of ``state.pending``: every outcome of that one kernel step."""
    step, rest = state.pending[0], state.pending[1:]
    tx = begin(state, profile)
    tx.d.pending = rest
    prefix, _, arg = step.partition(":")
    if prefix == "vm":
        return _vm_step(tx, arg)
    if prefix == "arch":
        return _arch_step(tx, arg)
    if prefix == "destroy":
        spec = profile.device_kind(arg)
        return [t.done("device-destroy", arg, function=spec.destroy_fn, fact=spec.fact)
                for t in destroy_device(tx, arg)]
    if step == "exit_mm":
        return [_exit_mm(tx)]
    if step == "exit_task_work":
        return _exit_task_work(tx)
    if prefix == "pv_release":
        return _pv_release(tx, arg)
    if step == "pv_fast":
        return [t.done("pv-fast") for t in destroy_config(tx, "pv")]
    if step == "pv_deinit":
        if tx.has("pv-async-cleanup"):
            txs = [a for t in destroy_config(tx, "pv") for a in destroy_config(t, "pv_aside")]
            return [t.done("pv-cleanup-all") for t in txs]
        return [t.done("pv-deinit") for t in destroy_config(tx, "pv")]
    if step == "pv_set_aside":
        return _set_aside(tx)
    raise AssertionError(f"unknown kernel step {step!r}")


# -- kvm_destroy_vm ------------------------------------------------------------------------
def _vm_step(tx: Tx, name: str) -> list[Outcome]:
    from sim.profile import VM_STEP_BY_NAME

    fact = VM_STEP_BY_NAME[name].fact
    tx.access("kvm")
    if name == "kvm_arch_pre_destroy_vm" and tx.d.eoi_work == "pending" \
            and tx.has("x86-eoi-cancel"):
        tx.d.eoi_work = "cancelled"  # cancel + flush the IOAPIC EOI work (F2.8, F8.16)
    elif name == "kvm_io_bus_destroy":
        tx.free("io-buses")  # iodev destructors run here, before arch and devices (F3.3)
    elif name == "kvm_arch_destroy_vm":
        tx.mark("arch_destroy")
        if tx.profile.arch == "s390":
            tx.mark("s390_arch_destroy")
        tx.push(*(f"arch:{step}" for step in tx.profile.arch_steps))
    elif name == "kvm_destroy_devices":
        tx.mark("destroy_devices")
        live = [kind for kind, status in tx.d.devices
                if status == "live" and tx.profile.style(kind) == "destroy"]
        # list_add puts new devices at the head, so the walk meets the newest first
        tx.push(*(f"destroy:{kind}" for kind in reversed(live)))
        tx.note("devices: " + (", ".join(reversed(live)) or "none"))
    elif name == "kvm_arch_free_vm":
        tx.free("kvm")
        tx.d.kvm = "freed"
        tx.mark("kvm_freed")
    return [tx.done("vm-step", name, fact=fact)]


# -- kvm_arch_destroy_vm -------------------------------------------------------------------
def _arch_step(tx: Tx, name: str) -> list[Outcome]:
    spec = next(s for s in tx.profile.arch_spec.steps if s.name == name
                and set(s.requires) <= tx.profile.features
                and not set(s.excludes) & tx.profile.features)
    txs: Txs = [tx]
    d = tx.d
    if name == "kvm_destroy_vcpus":
        txs = _destroy_vcpus(tx)
    elif name == "kvm_s390_gisa_destroy":
        tx.access("sie_page2")
        tx.mark("gisa_destroy")
        d.gisa = "destroyed"
    elif name == "kvm_s390_pv_deinit_vm":
        txs = destroy_config(tx, "pv")
    elif name == "kvm_s390_pv_deinit_cleanup_all":
        txs = [a for t in destroy_config(tx, "pv") for a in destroy_config(t, "pv_aside")]
    elif name == "mmu_notifier_unregister":
        if d.pv_notifier == "registered":  # ->release runs from unregister if not yet (F7.5)
            tx.push("pv_release:unregister")
        elif d.pv_notifier == "released":
            d.pv_notifier = "unregistered"
    elif name == "free_sie_page2":
        tx.free("sie_page2")
    elif name == "kvm_pic_destroy":
        tx.free("pic")
    elif name == "kvm_ioapic_destroy":
        if d.eoi_work == "pending":
            d.eoi_work = "cancelled"
        tx.free("ioapic")
    elif name == "kvmppc_core_destroy_vm":
        tx.access("kvm")
        if "xics" in tx.profile.devices and tx.profile.style("xics") == "release":
            tx.free("xics-state")  # the cached kvmppc_xics struct (F4.3, F4.6)
    elif name == "kvm_vgic_destroy":  # per-vCPU vgic state and kvm->arch.vgic (F4.9)
        tx.access("kvm", "vcpus")
    elif name == "kvm_riscv_aia_destroy_vm":  # APLIC state lives in kvm->arch (F4.14)
        tx.access("kvm")
    return [t.done("arch-step", name, fact=spec.fact) for t in txs]


def _destroy_vcpus(tx: Tx) -> Txs:
    """kvm_destroy_vcpus: each vCPU's arch teardown, then the vCPUs are freed (F4.*)."""
    d = tx.d
    tx.access("vcpus", "kvm")
    results: Txs = [tx]
    kind = d.vcpu_irq
    if kind == "mpic":  # kvmppc_mpic_disconnect_vcpu: BUG_ON + store in opp->dst[] (F4.5)
        tx.access("openpic")
        tx.mark("mpic_disconnect")
    elif kind:
        spec = tx.profile.device_kind(kind)
        if spec.irqchip_toggle and tx.flag(spec.irqchip_toggle) and spec.state:
            tx.access(spec.state)
    if kind:
        d.vcpu_irq = ""
        if tx.profile.style(kind) == "refcount" and d.device(kind) == "live" \
                and f"dev:{kind}" not in d.files:  # the vCPUs held the last refs (F1.3)
            tx.note(f"last device reference: {tx.profile.device_kind(kind).destroy_fn}")
            results = destroy_device(tx, kind)
    if tx.d.nested:  # nested state teardown reads VM-scope interrupt state (F2.8)
        for branch in results:
            branch.access("pic")
    out: Txs = []
    for branch in results:
        out.extend(cpus_from_pv(branch))  # kvm_s390_pv_destroy_cpu if still protected
    for branch in out:
        branch.d.vcpus_live = False
        branch.free("vcpus")
    return out


# -- do_exit -------------------------------------------------------------------------------
def _exit_mm(tx: Tx) -> Outcome:
    """exit_mm → exit_mmap → mmu_notifier_release, before any fd is released (F7.5)."""
    tx.d.mm = "gone"
    if tx.d.pv_notifier == "registered":
        tx.d.pv_notifier = "released"
        tx.push("pv_release:exit_mmap")
    return tx.done("exit-mm")


def _exit_task_work(tx: Tx) -> list[Outcome]:
    """The deferred final __fput of each remaining file (F7.5); then the process is gone."""
    candidates = exit_candidates(tx)
    if not candidates:
        tx.d.proc = "gone"
        tx.mark("process_end")
        return [tx.done("exit-done")]
    order = tx.value("exit-fput-order")
    chosen = candidates if order == "any" else \
        [candidates[-1]] if order == "reverse" else [candidates[0]]
    out = []
    for name in chosen:
        branch = tx.fork()
        branch.push("exit_task_work")
        function = "exit_task_work → __fput → " + release_function(branch, name)
        out.extend(result.done("fput", name, function=function)
                   for result in release_file(branch, name))
    return out


def _pv_release(tx: Tx, via: str) -> list[Outcome]:
    """kvm_s390_pv_mmu_notifier_release (F7.4): secure vCPUs out of PV; since 6.2, if that
    succeeded and the UV offers it, Destroy Secure Configuration Fast (F7.2)."""
    tx.mark("pv_notifier_release")
    tx.access("kvm")
    if via == "unregister":
        tx.d.pv_notifier = "unregistered"
    out = []
    for branch in cpus_from_pv(tx):
        ok = not branch.d.vcpus.any(lambda v: v == "leaked")
        if branch.has("destroy-fast") and branch.d.pv == "live" and ok \
                and branch.flag("destroy-fast-available"):
            branch.push("pv_fast")
        out.append(branch.done("pv-release", via))
    return out


def _set_aside(tx: Tx) -> list[Outcome]:
    """kvm_s390_pv_set_aside (F7.3): with Destroy Fast the config is destroyed at once;
    otherwise it is stashed for ASYNC_CLEANUP_PERFORM and the VM continues non-protected."""
    if tx.has("destroy-fast") and tx.flag("destroy-fast-available"):
        return [t.done("pv-set-aside", function="kvm_s390_pv_set_aside → "
                       "kvm_s390_pv_deinit_vm_fast") for t in destroy_config(tx, "pv")]
    tx.d.pv, tx.d.pv_aside = "none", "aside"
    return [tx.done("pv-set-aside")]
