"""Provides the step function: every transition enabled in a state (``successors``).

While kernel steps are pending only the head step runs (plus asynchronous work, which may run
at any moment: a workqueue item, or — under the ``any`` userspace — the death of the
async-teardown helper, another task that shares the address space). Otherwise the userspace
of the profile acts (sim.userspace): under ``any`` it may close any unreleased fd, issue the
teardown-relevant ioctls and be killed; under a QEMU profile it runs QEMU's own sequences —
a reboot of the protected guest as a script of steps, the PERFORM thread after a successful
PREPARE, an exit or kill at any point. The guest may act on its AP queues while its vCPUs run
and no QEMU script has them paused. The order of the returned transitions is fixed (ioctls,
closes in fd order, guest actions, kill, async work), which makes the breadth-first search,
and therefore every shortest trace, deterministic.

Modelling choices (each keeps verdicts while bounding the state space, see DESIGN layer 1):
- closing one vCPU fd that is not the last only drops a reference (the vCPU lives on in
  kvm->vcpus until kvm_destroy_vcpus, F8.5), so the vCPU fds are closed as one event;
- guest AP actions apply to every queue of the mdev: queues never interact and every claim
  quantifies over all of them, so per-queue guest choices would add states, not verdicts;
- a QEMU reboot unprotects once; re-entering protected mode afterwards starts a new
  configuration whose teardown is the same and is not modelled.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.kernel import (
    Txs,
    cpu_destroy_failed,
    cpus_from_pv,
    destroy_config,
    release_file,
    reset_queues,
    run_hooks,
)
from sim.profile import Profile
from sim.state import Queue, State
from sim.steps import Outcome, run_step
from sim.tx import Tx, begin


def successors(state: State, profile: Profile) -> list[Outcome]:
    """Every (event, next state) pair enabled in ``state``."""
    if state.blocked:
        return []
    out: list[Outcome] = []
    if state.pending:
        out.extend(run_step(state, profile))
    elif state.proc == "alive":
        if state.script:
            out.extend(_script_step(state, profile))
        else:
            out.extend(_user_events(state, profile) if profile.userspace_spec.free
                       else _qemu_events(state, profile))
            out.extend(_guest_events(state, profile))
        if not profile.userspace_spec.free:
            out.extend(_perform_thread(state, profile))
            if _enabled(profile, "kill"):
                out.append(_kill(begin(state, profile)).done("kill"))
    out.extend(_async_events(state, profile))
    return out


def _enabled(profile: Profile, event: str) -> bool:
    return event not in profile.excluded


def _kill(tx: Tx) -> Tx:
    """do_exit: exit_mm, then exit_files / exit_task_work (F7.5); any script is abandoned."""
    tx.d.proc = "exiting"
    tx.d.script = ()
    tx.push("exit_mm", "exit_task_work")
    return tx


# -- the any userspace ---------------------------------------------------------------------
def _user_events(state: State, profile: Profile) -> list[Outcome]:
    out: list[Outcome] = []
    files = state.files
    pv_ok = "vm" in files and state.kvm == "alive" and state.protected()
    if pv_ok and _enabled(profile, "KVM_PV_DISABLE"):
        out.extend(_pv_disable(begin(state, profile)))
    if pv_ok and state.pv_aside == "none" and "pv-async-cleanup" in profile.features \
            and _enabled(profile, "KVM_PV_ASYNC_CLEANUP_PREPARE"):
        out.extend(_pv_prepare(begin(state, profile), "pv-prepare"))
    if "vm" in files and state.pv_aside == "aside" \
            and _enabled(profile, "KVM_PV_ASYNC_CLEANUP_PERFORM"):
        out.extend(t.done("pv-perform")
                   for t in destroy_config(begin(state, profile), "pv_aside", "leftover"))
    if "dev:kvm-vfio" in files and state.group_kvm and _enabled(profile, "KVM_DEV_VFIO_GROUP_DEL"):
        out.extend(_group_del(begin(state, profile)))
    if "mdev" in files and _enabled(profile, "VFIO_DEVICE_RESET"):
        out.extend(t.done("device-reset") for t in reset_queues(begin(state, profile)))
    if _enabled(profile, "close"):
        for name in profile.files:
            if ((name == "vcpus" and state.vcpu_fds) or name in files) \
                    and _enabled(profile, f"close:{name}"):
                out.extend(_close(state, profile, name))
    if _enabled(profile, "kill"):
        out.append(_kill(begin(state, profile)).done("kill"))
    return out


def _pv_disable(tx: Tx, key: str = "") -> list[Outcome]:
    """KVM_PV_DISABLE (kvm_s390_handle_pv, [6.12] kvm-s390.c:2685-2702, [6.1] :2570-2587):
    every secure CPU out of PV, then the configuration(s) are destroyed."""
    key = key or ("pv-disable" if tx.has("pv-async-cleanup") else "pv-disable-deinit")
    return _pv_ioctl(tx, key, "pv_deinit")


def _pv_prepare(tx: Tx, key: str) -> list[Outcome]:
    """KVM_PV_ASYNC_CLEANUP_PREPARE ([6.12] kvm-s390.c:2660-2677): CPUs out of PV, then the
    configuration is set aside (F7.3)."""
    return _pv_ioctl(tx, key, "pv_set_aside")


def _pv_ioctl(tx: Tx, key: str, then: str) -> list[Outcome]:
    """The CPUs leave PV; if one could not be destroyed the ioctl stops there ("destroy VM
    will also fail"), else the kernel step ``then`` follows."""
    out = []
    # a fix's pv-teardown hooks run first: before the CPUs and the configuration go
    for branch in (after for t in run_hooks(tx, "pv-teardown") for after in cpus_from_pv(t)):
        if cpu_destroy_failed(branch):
            branch.note("stops: a secure CPU could not be destroyed")
        else:
            branch.push(then)
        out.append(branch.done(key))
    return out


def _close(state: State, profile: Profile, name: str) -> list[Outcome]:
    tx = begin(state, profile)
    txs: Txs = release_file(tx, name)
    if name == "vcpus":
        key, target = "close-vcpus", ""
    elif name.startswith("dev:"):
        key, target = "close-device", name[4:]
    elif name == "mdev":
        key, target = ("close-mdev-notifier" if "set-kvm-notifier" in profile.features
                       else "close-mdev"), ""
    else:
        key, target = {"vm": "close-vm", "vfio-container": "close-container",
                       "vfio-group": "close-group", "vfio-dev": "close-vfio-dev"}[name], ""
    function = ""
    if key == "close-device" and profile.style(target) == "release":
        function = "kvm_device_release → " + profile.device_kind(target).release_fn
    return [t.done(key, target, function=function) for t in txs]


def _group_del(tx: Tx) -> list[Outcome]:
    """KVM_DEV_VFIO_GROUP_DEL: kvm-vfio drops the group and clears its kvm (F5.4); in the
    notifier era the NULL notification makes vfio_ap unset its kvm right away (F0.2, F5.1)."""
    tx.access("kvm")
    tx.d.group_kvm = False
    if "set-kvm-notifier" in tx.profile.features:
        txs = unset_kvm_now(tx)
        return [t.done("group-del-notifier") for t in txs]
    return [tx.done("group-del")]


def unset_kvm_now(tx: Tx) -> Txs:
    """The notifier's vfio_ap_mdev_unset_kvm, if the mdev is open with a kvm (F0.2)."""
    from sim.kernel import unset_kvm

    return unset_kvm(tx) if tx.d.mdev_kvm and "mdev" in tx.d.files else [tx]


# -- QEMU ----------------------------------------------------------------------------------
def _qemu_events(state: State, profile: Profile) -> list[Outcome]:
    """What QEMU starts on its own: a reboot of the protected guest (F7.12)."""
    out: list[Outcome] = []
    running = state.vcpu_fds and state.vcpus_live and state.kvm == "alive"
    if profile.arch_spec.pv and running and state.protected() \
            and state.vcpus.any(lambda v: v == "secure") and _enabled(profile, "qemu-reboot"):
        tx = begin(state, profile)
        steps = profile.userspace_spec.reboot
        if "mdev" not in state.files:
            steps = tuple(step for step in steps if step != "reset-ap")
        tx.d.script = (*steps, "devices-reset")
        out.append(tx.done("qemu-reboot"))
    return out


def _script_step(state: State, profile: Profile) -> list[Outcome]:
    """The next step of the QEMU sequence in progress (hw/s390x/s390-virtio-ccw.c)."""
    tx = begin(state, profile)
    step, rest = tx.d.script[0], tx.d.script[1:]
    while step in ("after-prepare", "after-disable") and not tx.d.protected() and rest:
        step, rest = rest[0], rest[1:]  # the ioctl succeeded: QEMU goes on
    tx.d.script = rest
    if step in ("reset-ap", "devices-reset"):
        if "mdev" not in tx.d.files:
            return [tx.done("qemu-reset-ap", function="qemu_devices_reset",
                            commit="") if step == "devices-reset" else tx.done("qemu-reset-ap")]
        function = "qemu_devices_reset → vfio_ap_reset → vfio_ap_mdev_reset_queues" \
            if step == "devices-reset" else ""
        return [t.done("qemu-reset-ap", function=function) for t in reset_queues(tx)]
    if step == "unprotect":
        out: list[Outcome] = []
        if "pv-async-cleanup" in tx.profile.features:
            prepare = tx.fork()
            prepare.d.script = ("after-prepare", *rest)
            out.extend(_pv_prepare(prepare, "qemu-prepare"))
        disable = tx.fork()
        disable.d.script = ("after-disable", *rest)
        out.extend(_pv_disable(disable, "qemu-disable"))
        return out
    if step == "after-prepare":  # PREPARE failed: s390_pv_vm_disable
        tx.d.script = ("after-disable", *rest)
        return _pv_disable(tx, "qemu-disable")
    if step == "after-disable":
        if tx.d.protected():  # DISABLE failed: s390_pv_cmd_exit → exit(1)
            return [_kill(tx).done("qemu-exit-on-error")]
        return [tx.done("qemu-reset-ap", function="qemu_devices_reset", commit="")]
    raise AssertionError(f"unknown QEMU script step {step!r}")


def _perform_thread(state: State, profile: Profile) -> list[Outcome]:
    """QEMU's async_cleanup thread (s390_pv_do_unprot_async_fn): PERFORM, exit(1) on error."""
    if state.pv_aside != "aside" or "vm" not in state.files \
            or not _enabled(profile, "KVM_PV_ASYNC_CLEANUP_PERFORM"):
        return []
    out = []
    for tx in destroy_config(begin(state, profile), "pv_aside", "leftover"):
        if tx.d.pv_aside == "leaked":
            tx.note("PERFORM failed: QEMU exit(1)")
            _kill(tx)
        out.append(tx.done("pv-perform"))
    return out


# -- the guest -----------------------------------------------------------------------------
def _guest_events(state: State, profile: Profile) -> list[Outcome]:
    """What the running guest does that teardown cares about (F6.7, F6.9, F7.13, F2.8)."""
    if not (state.vcpu_fds and state.vcpus_live and state.kvm == "alive"):
        return []
    out: list[Outcome] = []
    queues, feats = state.queues, profile.features
    secure = state.pv == "live" and state.vcpus.any(lambda v: v == "secure")
    secure_ap = secure and "pv-ap" in feats and "guest-se-bind" in feats
    if state.mdev_kvm and queues.size():
        may_use_ap = not secure or "pv-ap" in feats
        if may_use_ap and queues.any(lambda q: not q.irq) and _enabled(profile, "guest-aqic"):
            out.append(_map_queues(state, profile, "guest-aqic",
                                   lambda q: Queue(True, q.bound, q.assoc),
                                   access=("kvm", "sie_page2")))
        if secure_ap and queues.any(lambda q: not q.bound) and _enabled(profile, "guest-bind"):
            out.append(_map_queues(state, profile, "guest-bind",
                                   lambda q: Queue(q.irq, True, q.assoc)))
        if secure_ap and queues.any(lambda q: q.bound and not q.assoc) \
                and _enabled(profile, "guest-associate"):
            out.append(_map_queues(state, profile, "guest-associate",
                                   lambda q: Queue(q.irq, q.bound, q.bound)))
        if secure_ap and queues.any(lambda q: q.bound) and _enabled(profile, "guest-unbind"):
            out.append(_map_queues(state, profile, "guest-unbind",
                                   lambda q: Queue(q.irq) if q.bound else q))
    if profile.arch_spec.ioapic and not state.nested and "x86-nested-exit-reads-pic" in feats \
            and _enabled(profile, "guest-nested"):
        tx = begin(state, profile)
        tx.d.nested = True
        out.append(tx.done("guest-nested"))
    return out


def _map_queues(state: State, profile: Profile, key: str, f: Callable[[Queue], Queue],
                access: tuple[str, ...] = ()) -> Outcome:
    tx = begin(state, profile)
    tx.access(*access)
    tx.d.queues = tx.d.queues.map(f)
    return tx.done(key)


# -- asynchronous work ---------------------------------------------------------------------
def _async_events(state: State, profile: Profile) -> list[Outcome]:
    out: list[Outcome] = []
    if state.eoi_work == "pending" and _enabled(profile, "eoi-work"):
        tx = begin(state, profile)
        tx.access("vcpus", "ioapic", "kvm")  # EOI injection delivers to vCPU APICs (F2.8)
        tx.d.eoi_work = "ran"
        out.append(tx.done("eoi-work"))
    if "helper" in state.mm_users and _enabled(profile, "helper-exit"):
        free = profile.userspace_spec.free
        if free or state.proc == "gone":
            tx = begin(state, profile)
            tx.d.mm_users = tx.d.mm_users - {"helper"}
            if not free:
                tx.guard("helper-waits-for-parent")
            if not tx.d.mm_users:
                tx.push("exit_mmap")
            out.append(tx.done("helper-exit"))
    return out
