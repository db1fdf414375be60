"""Provides the kernel's effects: releases, vfio_ap, PV, device teardown (shared by all rules).

Each helper applies one kernel function's effect to a transaction and cites the fact it rests
on in its docstring. Helpers that meet a nondeterministic outcome (an AP queue's reset, a UV
call that may fail) return one transaction per outcome; all others edit in place.
"""

from __future__ import annotations

from sim.state import Queue
from sim.tx import Tx

Txs = list[Tx]


# -- AP queues (vfio_ap) -------------------------------------------------------------------
def reset_outcomes(tx: Tx) -> tuple[str, ...]:
    """Per-queue outcome classes of a reset that completes: F6.5 (bounded: 1 retry after
    20 ms, 2 TAPQ polls, else WARN 'unable to verify reset') and F6.6 (unbounded: codes such as
    DECONFIGURED / CHECKSTOPPED / Q_NOT_AVAIL end it unverified)."""
    if not tx.flag("ap-reset-faults"):
        return ("verified",)
    return ("verified", "unverified")


def reset_queues(tx: Tx) -> Txs:
    """vfio_ap_mdev_reset_queues: ZAPQ every queue of the mdev (F6.5, F6.6, F6.8). A completed
    reset frees the queue's IRQ resources (GISC, NIB pin: F6.7). With the unbounded algorithm
    (F6.6) a queue whose reset never completes leaves the caller in flush_work forever: that is
    one more outcome, 'hung', where nothing else ever happens (which queue hangs does not
    matter then, so the queues are left as they were)."""
    queues = tx.d.queues
    if queues.size() == 0:
        return [tx]
    outcomes = reset_outcomes(tx)
    dissolve = False
    if queues.any(lambda q: q.bound or q.assoc):
        dissolve = tx.flag("zapq-dissolves-se-binding")
    if queues.any(lambda q: q.irq):
        tx.access("sie_page2")  # kvm_s390_gisc_unregister: the GISA lives in sie_page2 (F6.4)

    def after(q: Queue) -> tuple[Queue, ...]:
        keep = not dissolve
        return tuple(Queue(outcome, False, q.bound and (keep or outcome != "verified"),
                           q.assoc and (keep or outcome != "verified"))
                     for outcome in outcomes)

    results = []
    for pop in queues.branch(after):
        branch = tx.fork()
        branch.d.queues = pop
        branch.note(f"queues {pop.describe()}")
        results.append(branch)
    if len(outcomes) > 1 and tx.has("reset-unbounded"):
        hung = tx.fork()
        hung.d.blocked = "vfio_ap_mdev_reset_queues: flush_work never returns (a queue's" \
            " reset never completes)"
        hung.note("a queue hangs")
        hung.mark("blocked")
        results.append(hung)
    return results


def unset_kvm(tx: Tx) -> Txs:
    """vfio_ap_mdev_unset_kvm (F6.3): clear the PQAP hook and the CRYCB masks (CRYCB is in
    sie_page2, F6.4), reset every queue, clear matrix_mdev->kvm, then kvm_put_kvm (F6.2)."""
    tx.access("kvm", "sie_page2")
    tx.d.mdev_kvm = False
    out = []
    for branch in reset_queues(tx):
        if not branch.d.blocked and "vfio_ap" in branch.d.refs:
            branch.put_kvm("vfio_ap")
        out.append(branch)
    return out


# -- s390 Protected Virtualization ---------------------------------------------------------
def cpus_from_pv(tx: Tx) -> Txs:
    """kvm_s390_cpus_from_pv / kvm_s390_pv_destroy_cpu: every secure vCPU leaves PV; a failed
    destroy leaks that CPU's storage on purpose and is otherwise ignored (F8.13, F4.11)."""
    pop = tx.d.vcpus
    if not pop.any(lambda v: v == "secure"):
        return [tx]
    tx.access("kvm")
    fails = tx.flag("uv-destroy-faults")
    results = []
    for new in pop.branch(lambda v: ("clear", "leaked") if v == "secure" and fails
                          else ("clear",) if v == "secure" else (v,)):
        branch = tx.fork()
        branch.d.vcpus = new
        if new.any(lambda v: v == "leaked"):
            branch.note(f"vCPUs {new.describe()}")
        results.append(branch)
    return results


def destroy_config(tx: Tx, which: str) -> Txs:
    """Destroy Secure Configuration (F7.1), Fast (F7.2) or of the set-aside one (F7.6): on
    failure the donated storage is leaked on purpose. Whether the UV also resets the guest's
    AP queues is unknown (toggle, F7.10)."""
    current = tx.d.pv if which == "pv" else tx.d.pv_aside
    if current not in ("live", "aside"):
        return [tx]
    tx.access("kvm")
    outcomes = ("destroyed", "leaked") if tx.flag("uv-destroy-faults") else ("destroyed",)
    results = []
    for outcome in outcomes:
        branch = tx.fork()
        setattr(branch.d, which, outcome)
        if outcome == "destroyed":
            branch.mark("pv_config_destroyed")
            if branch.d.queues.size() and branch.flag("uv-resets-queues-on-destroy"):
                branch.mark("uv_reset_queues")
                branch.d.queues = branch.d.queues.map(lambda q: Queue("verified", q.irq))
        else:
            branch.note("UVC failed: storage leaked")
        results.append(branch)
    return results


# -- devices -------------------------------------------------------------------------------
def destroy_device(tx: Tx, kind: str) -> Txs:
    """ops->destroy of one device (F1.3 list walk, or the last device put in the refcount
    era): free the device-private state and the kvm_device (F4.5, F4.9-F4.12, F4.14, F4.15)."""
    spec = tx.profile.device_kind(kind)
    tx.access(f"dev:{kind}")
    tx.mark("device_destroy")
    tx.d.set_device(kind, "destroyed")
    if kind in ("mpic", "flic", "its", "kvm-vfio"):
        tx.access("kvm")  # kvm->arch.mpic/flic cleared, kvm->arch.vgic, assignment counters
    if spec.state:
        tx.access(spec.state)
        tx.free(spec.state)
    if spec.frees_shell:
        tx.free(f"dev:{kind}")
    if kind != "kvm-vfio":
        return [tx]
    # kvm_vfio_destroy (destroy-style kvm-vfio, F1.7): drop the group file's kvm (F5.4). In
    # the notifier era that NULL notification reaches vfio_ap, which unsets its kvm (F0.2).
    tx.d.group_kvm = False
    if tx.has("set-kvm-notifier") and tx.d.mdev_kvm and "mdev" in tx.d.files:
        tx.note("VFIO_GROUP_NOTIFY_SET_KVM(NULL) → vfio_ap_mdev_unset_kvm")
        return unset_kvm(tx)
    return [tx]


def release_device(tx: Tx, kind: str) -> Txs:
    """kvm_device_release (F3.7): ops->release for release-style devices (F3.4, F3.5), the
    fd's device reference in the refcount era (F1.3), then kvm_put_kvm."""
    style = tx.profile.style(kind)
    results = [tx]
    if style == "release":
        tx.d.set_device(kind, "released")
        tx.mark("device_release")
        if kind == "kvm-vfio":  # kvm_vfio_release: clear the file's kvm, fput it (F5.6)
            tx.access("kvm")
            tx.d.group_kvm = False
        else:  # kvmppc_xics_release: clean every vCPU presenter (F4.6)
            tx.access("vcpus")
            if tx.d.vcpu_irq == kind:
                tx.d.vcpu_irq = ""
        tx.free(f"dev:{kind}")
    elif style == "refcount" and not (tx.d.vcpus_live and tx.d.vcpu_irq == kind):
        tx.note(f"last device reference: {tx.profile.device_kind(kind).destroy_fn}")
        results = destroy_device(tx, kind)
    for branch in results:
        branch.put_kvm()
    return results


# -- files ---------------------------------------------------------------------------------
def release_function(tx: Tx, name: str) -> str:
    """The kernel function that runs when the last reference to file ``name`` goes."""
    if name.startswith("dev:"):
        kind = name[4:]
        if tx.profile.style(kind) == "release":
            return f"kvm_device_release → {tx.profile.device_kind(kind).release_fn}"
        return "kvm_device_release"
    return {
        "vm": "kvm_vm_release",
        "vcpus": "kvm_vcpu_release",
        "vfio-container": "vfio_fops_release",
        "vfio-group": "vfio_group_fops_release",
        "vfio-dev": "vfio_device_fops_release",
        "mdev": "vfio_ap_mdev_release" if tx.has("set-kvm-notifier")
        else "vfio_device_fops_release → vfio_ap_mdev_close_device",
    }[name]


def release_file(tx: Tx, name: str) -> Txs:
    """The final fput of one file (a close while the process runs, or exit_task_work)."""
    if name == "vcpus":
        tx.d.vcpu_fds = False
        tx.put_kvm()
        return [tx]
    tx.d.files = tx.d.files - {name}
    if name == "vm":
        tx.put_kvm()
        return [tx]
    if name.startswith("dev:"):
        return release_device(tx, name[4:])
    if name == "mdev":  # close_device → unset_kvm (F6.1, F6.3); VFIO core put after (F5.3)
        results = unset_kvm(tx) if tx.d.mdev_kvm else [tx]
        return [_vfio_core_put(branch) for branch in results]
    if name == "vfio-dev":  # vfio-pci close_device does not use kvm; VFIO core put (F5.3)
        return [_vfio_core_put(tx)]
    return [tx]  # container, group: kvm-vfio holds its own group file reference (F5.6)


def _vfio_core_put(tx: Tx) -> Tx:
    if not tx.d.blocked and "vfio-core" in tx.d.refs:
        tx.put_kvm("vfio-core")
    return tx


def exit_candidates(tx: Tx) -> list[str]:
    """Unreleased files in fd order (vCPU fds as one entry)."""
    d = tx.d
    return [name for name in tx.profile.files
            if (name == "vcpus" and d.vcpu_fds) or name in d.files]


__all__ = [
    "Txs",
    "cpus_from_pv",
    "destroy_config",
    "destroy_device",
    "exit_candidates",
    "release_device",
    "release_file",
    "release_function",
    "reset_queues",
    "unset_kvm",
]
