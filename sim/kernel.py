"""Provides the kernel's effects: releases, vfio_ap, PV and the Ultravisor, device teardown.

Each helper applies one kernel function's effect to a transaction and cites the fact it rests
on in its docstring. Helpers that meet a nondeterministic outcome (an AP queue's reset, a UV
call that may fail) return one transaction per outcome; all others edit in place.

The Ultravisor is part of the model (F7.11): it refuses to destroy a secure configuration —
normally or fast — while an APQN of the guest is still bound or associated, and a reset that
completed (verified) unbinds a queue. What the kernel does with each refusal is era data: the
WARN (relaxed for RC 0x104 from v6.6), the kept handle, the replaced ASCE, the leftover that
is leaked for good.
"""

from __future__ import annotations

from sim.state import Queue
from sim.tx import Tx

Txs = list[Tx]

#: WARN sites, as the trees print them (file:line in [6.1] / [6.12]).
WARN_VERIFY_61 = ("vfio_ap_mdev_reset_queue: WARN_ONCE 'unable to verify reset of queue'"
                  " ([6.1] vfio_ap_ops.c:1655)")
WARN_DESTROY = "kvm_s390_pv_deinit_vm: WARN_ONCE 'protvirt destroy vm failed' ([6.12] pv.c:401)"
WARN_FAST = ("kvm_s390_pv_deinit_vm_fast: WARN_ONCE 'protvirt destroy vm fast failed'"
             " ([6.12] pv.c:288)")
WARN_LEFTOVER = ("kvm_s390_pv_dispose_one_leftover: WARN_ONCE 'protvirt destroy leftover vm"
                 " failed' ([6.12] pv.c:225)")
WARN_CPU = "kvm_s390_pv_destroy_cpu: WARN_ONCE 'protvirt destroy cpu failed' ([6.12] pv.c:77)"
WARN_GISA = ("kvm_s390_gisa_destroy: WARN 'unexpected non zero alert.mask'"
             " ([6.12] interrupt.c:3212)")


def _bound(q: Queue) -> bool:
    return q.bound or q.assoc


# -- AP queues (vfio_ap) -------------------------------------------------------------------
def reset_outcomes(tx: Tx) -> tuple[str, ...]:
    """Per-queue outcome classes of a reset that returns.

    6.1's bounded algorithm (F6.5): one ZAPQ retry after 20 ms, then the status is checked at
    most twice (the ZAPQ's own, then the first TAPQ; the second TAPQ's result is never read),
    and ``WARN_ONCE(retry2 <= 0)`` fires unless the ZAPQ's own status already showed the reset
    done ([6.1] vfio_ap_ops.c:1649-1656) — a slow queue ends 'unverified' with a WARN_ONCE.
    That is ordinary behaviour, the architecture bounds no reset (dd174833e44e). 6.6+ (F6.6)
    waits without bound, so a returning reset is verified unless the hardware faults
    (DECONFIGURED / CHECKSTOPPED / Q_NOT_AVAIL: resources freed, not verified).

    When the profile carries the timing model's classes (``Profile.reset_classes``, from a
    latency and fault profile, sim.timing), those are the choices instead."""
    given = tx.profile.reset_classes
    if given:
        return tuple(name for name in given if name != "hung")
    if not tx.has("reset-unbounded"):
        return ("verified", "unverified")
    if tx.flag("ap-reset-faults"):
        return ("verified", "unverified")
    return ("verified",)


def reset_hangs(tx: Tx) -> bool:
    """Whether a reset may never return (6.6+ only: a queue whose reset never completes keeps
    flush_work waiting, F6.6) — from the timing model's classes, or the ap-reset-faults toggle."""
    if not tx.has("reset-unbounded"):
        return False
    if tx.profile.reset_classes:
        return "hung" in tx.profile.reset_classes
    return tx.flag("ap-reset-faults")


def reset_queues(tx: Tx) -> Txs:
    """vfio_ap_mdev_reset_queues: ZAPQ every queue of the mdev (F6.5, F6.6, F6.8).

    A reset that completed — verified — dissolves the queue's SE binding and association
    (F7.11); an unverified one gives no such assurance, so the queue stays bound. Either way
    the queue's IRQ resources (GISC, NIB pin) are freed (F6.7; [6.1] frees them at the end,
    [6.12] on completion or on a fault code). With the unbounded algorithm a queue whose reset
    never completes leaves the caller in flush_work forever ('hung': nothing else happens)."""
    queues = tx.d.queues
    if queues.size() == 0:
        return [tx]
    outcomes = reset_outcomes(tx)
    if queues.any(lambda q: q.irq):
        tx.access("sie_page2")  # kvm_s390_gisc_unregister: the GISA lives in sie_page2 (F6.4)
    if not tx.has("reset-unbounded"):
        tx.warn_site()

    def after(q: Queue) -> tuple[tuple[str, Queue], ...]:
        return tuple((outcome, Queue(False, q.bound and outcome != "verified",
                                     q.assoc and outcome != "verified"))
                     for outcome in outcomes)

    results = []
    for pop in queues.branch(after):
        branch = tx.fork()
        branch.d.queues = pop.map(lambda local: local[1])
        ends = sorted({outcome for outcome, _ in pop.locals()})
        branch.note("reset " + "/".join(ends) + f": queues {branch.d.queues.describe()}")
        if not tx.has("reset-unbounded") and "unverified" in ends:
            branch.warn(WARN_VERIFY_61)
        results.append(branch)
    if reset_hangs(tx):
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


def run_hooks(tx: Tx, point: str) -> Txs:
    """The profile's hooks at ``point`` (sim.hooks), in table order: each runs the kernel's
    own vfio_ap helper — :func:`unset_kvm` or :func:`reset_queues` — while the mdev is open
    and still associated with the kvm (after an unset the queues were reset already)."""
    from sim.hooks import HOOK_BY_NAME

    hooks = [HOOK_BY_NAME[name] for name in tx.profile.hooks]
    results = [tx]
    for hook in (h for h in hooks if h.point == point):
        after: Txs = []
        for branch in results:
            if branch.d.blocked or not (branch.d.mdev_kvm and "mdev" in branch.d.files):
                after.append(branch)
                continue
            branch.note(f"hook {hook.name}: {hook.function}")
            branch.mark("hook")
            after.extend(unset_kvm(branch) if hook.action == "unset-kvm"
                         else reset_queues(branch))
        results = after
    return results


# -- s390 Protected Virtualization and the Ultravisor --------------------------------------
def cpus_from_pv(tx: Tx) -> Txs:
    """kvm_s390_cpus_from_pv / kvm_s390_pv_destroy_cpu (F8.13, F4.11): every secure vCPU
    leaves PV. A failed Destroy Secure CPU is ignored (the vCPU's PV state is cleared anyway),
    but its storage is leaked on purpose and WARN_ONCE fires ([6.12] pv.c:66-97). Whether the
    UV refuses CPU destroys while APQNs are bound is a toggle (no evidence says so)."""
    pop = tx.d.vcpus
    if not pop.any(lambda v: v == "secure"):
        return [tx]
    tx.access("kvm")
    tx.mark("pv_state_change")
    tx.warn_site()
    fails = tx.flag("uv-destroy-faults")
    if tx.d.queues.any(_bound) and tx.flag("uv-cpu-destroy-refused-while-bound"):
        fails = True
    results = []
    for new in pop.branch(lambda v: ("clear", "failed") if v == "secure" and fails
                          else ("clear",) if v == "secure" else (v,)):
        branch = tx.fork()
        failed = new.any(lambda v: v == "failed")
        branch.d.vcpus = new.map(lambda v: "leaked" if v == "failed" else v)
        if failed:
            branch.note(f"vCPUs {branch.d.vcpus.describe()}")
            branch.warn(WARN_CPU)
            branch.mark("cpu_destroy_failed")
        results.append(branch)
    return results


def cpu_destroy_failed(tx: Tx) -> bool:
    """kvm_s390_cpus_from_pv returned an error in this step: a secure CPU's destroy failed."""
    return "cpu_destroy_failed" in tx.marks


def destroy_config(tx: Tx, which: str, uvc: str) -> Txs:
    """One Destroy Secure Configuration UVC and the kernel's reaction to its outcome.

    ``which`` is 'pv' (the current configuration) or 'pv_aside' (a leftover); ``uvc`` is
    'normal' (kvm_s390_pv_deinit_vm, F7.1), 'fast' (kvm_s390_pv_deinit_vm_fast, F7.2) or
    'leftover' (kvm_s390_pv_dispose_one_leftover, F7.6). The Ultravisor refuses while an APQN
    is bound or associated (F7.11); the kernel then, per call ([6.12] pv.c):
    - normal: keeps the handle, replaces the ASCE and leaks the old top-level table (6.0+,
      faa2f72cb356), WARN_ONCE (pv.c:386-401);
    - fast: keeps handle and storage; WARN_ONCE unless the RC is 0x104 and the era has
      b1e428615f15 (pv.c:271-294);
    - leftover: WARN_ONCE and the leftover is freed from the list — leaked for good
      (pv.c:214-239, 450-467).
    A UV failure for any other reason (toggle uv-destroy-faults) takes the same paths with an
    RC other than 0x104."""
    current = getattr(tx.d, which)
    if current not in ("live", "refused", "aside"):
        return [tx]
    tx.access("kvm")
    tx.mark("pv_destroy_attempt", "pv_state_change")
    tx.warn_site()
    refusal = "uv-fast-destroy-refused-while-bound" if uvc == "fast" \
        else "uv-destroy-refused-while-bound"
    refused = tx.d.queues.any(_bound) and tx.flag(refusal)
    outcomes = ["refused"] if refused else ["destroyed"]
    if not refused and tx.flag("uv-destroy-faults"):
        outcomes.append("failed")
    results = []
    for outcome in outcomes:
        branch = tx.fork()
        if outcome == "destroyed":
            setattr(branch.d, which, "destroyed")
            branch.mark("pv_config_destroyed")
            if current == "refused":
                branch.guard("refused-config-destroyed-later")
        else:
            _destroy_failed(branch, which, uvc, outcome)
        results.append(branch)
    return results


def _destroy_failed(tx: Tx, which: str, uvc: str, outcome: str) -> None:
    if outcome == "refused":
        tx.guard("uv-refused-bound-destroy")
        tx.note("UV refused: APQNs still bound" + (" (RC 0x104)" if uvc == "fast" else ""))
    else:
        tx.note("UVC failed")
    if uvc == "leftover":
        tx.warn(WARN_LEFTOVER)
        setattr(tx.d, which, "leaked")
        tx.note("leftover configuration leaked for good")
        return
    setattr(tx.d, which, "refused")
    if uvc == "fast":
        if outcome == "refused" and tx.has("destroy-fast-warn-relaxed"):
            tx.guard("fast-0x104-not-warned")
        else:
            tx.warn(WARN_FAST)
        return
    tx.warn(WARN_DESTROY)
    if tx.has("pv-leak-asce"):
        tx.d.leaks = tx.d.leaks | {"top-level table"}
        tx.note("s390_replace_asce: old top-level table leaked")


def cleanup_all(tx: Tx) -> Txs:
    """kvm_s390_pv_deinit_cleanup_all (F7.6): destroy the current configuration (normal
    UVC), then every set-aside leftover; leftovers whose destroy fails are leaked for good."""
    return [after for branch in destroy_config(tx, "pv", "normal")
            for after in destroy_config(branch, "pv_aside", "leftover")]


def set_aside(tx: Tx) -> Txs:
    """kvm_s390_pv_set_aside (F7.3, [6.12] pv.c:320-365): with Destroy Fast the configuration
    is destroyed at once — a refusal fails the ioctl and nothing is set aside; otherwise it is
    stashed (handle, storage, old ASCE) for ASYNC_CLEANUP_PERFORM and the VM continues
    non-protected."""
    if tx.has("destroy-fast") and tx.flag("destroy-fast-available"):
        return destroy_config(tx, "pv", "fast")
    tx.d.pv, tx.d.pv_aside = "none", "aside"
    tx.mark("pv_state_change")
    return [tx]


# -- devices -------------------------------------------------------------------------------
def destroy_device(tx: Tx, kind: str) -> Txs:
    """ops->destroy of one device (F1.3 list walk, or the last device put in the refcount
    era): free the device-private state and the kvm_device (F4.5, F4.9-F4.12, F4.14, F4.15)."""
    spec = tx.profile.device_kind(kind)
    tx.access(f"dev:{kind}")
    tx.mark("device_destroy")
    tx.d.set_device(kind, "destroyed")
    if spec.touches_kvm:
        tx.access("kvm")
    if spec.state:
        tx.access(spec.state)
        tx.free(spec.state)
    if spec.frees_shell:
        tx.free(f"dev:{kind}")
    if kind != "kvm-vfio":
        return [tx]
    # kvm_vfio_destroy (destroy-style kvm-vfio, F1.7): drop the group file's kvm (F5.4). In
    # the notifier era that NULL notification reaches vfio_ap, which unsets its kvm (F0.2).
    # From 5.19 it is vfio_file_set_kvm, which takes group_lock: if this very path already
    # holds it (the final put came from a VFIO device close), it never returns (F5.8).
    if tx.has("vfio-group-lock") and "group_lock" in tx.d.held:
        tx.d.blocked = "kvm_vfio_destroy → vfio_file_set_kvm: group_lock is already held by" \
            " this task (VFIO device close → kvm_put_kvm → kvm_destroy_vm): self-deadlock"
        tx.mark("blocked")
        return [tx]
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
        if not branch.d.blocked:
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
        results = run_hooks(tx, "vm-release")  # kvm_vm_release, before its kvm put
        for branch in results:
            if not branch.d.blocked:
                branch.put_kvm()
        return results
    if name.startswith("dev:"):
        return release_device(tx, name[4:])
    if name in ("mdev", "vfio-dev"):
        if tx.has("vfio-group-lock"):
            # close_device and the VFIO core's kvm put run under group_lock ([6.1]
            # vfio_main.c:1031-1044, [6.12] group.c:239-249): a final put runs the whole
            # kvm_destroy_vm() inside it (F8.9)
            tx.d.held = tx.d.held | {"group_lock"}
            tx.push("unlock:group_lock")
        if name == "vfio-dev":  # vfio-pci close_device does not use kvm; VFIO core put (F5.3)
            return [_vfio_core_put(tx)]
        # close_device → unset_kvm (F6.1, F6.3); then the VFIO core put (F5.3)
        results = unset_kvm(tx) if tx.d.mdev_kvm else [tx]
        return [_vfio_core_put(branch) for branch in results]
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
    "cleanup_all",
    "cpu_destroy_failed",
    "cpus_from_pv",
    "destroy_config",
    "destroy_device",
    "exit_candidates",
    "release_device",
    "release_file",
    "release_function",
    "reset_queues",
    "run_hooks",
    "set_aside",
    "unset_kvm",
]
