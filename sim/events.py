"""Provides the step function: every transition enabled in a state (``successors``).

While kernel steps are pending only the head step runs (plus asynchronous kernel work, which a
workqueue may run at any moment); otherwise userspace may close any unreleased fd, issue the
teardown-relevant ioctls, be killed, and the guest may act on its AP queues. The order of the
returned transitions is fixed (ioctls, closes in fd order, guest actions, kill), which makes the
breadth-first search, and therefore every shortest trace, deterministic.

Modelling choices (each keeps verdicts while bounding the state space, see DESIGN layer 1):
- closing one vCPU fd that is not the last only drops a reference (the vCPU lives on in
  kvm->vcpus until kvm_destroy_vcpus, F8.5), so the vCPU fds are closed as one event;
- guest AP actions apply to every queue of the mdev: queues never interact and every claim
  quantifies over all of them, so per-queue guest choices would add states, not verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.kernel import Txs, cpus_from_pv, destroy_config, release_file, reset_queues, unset_kvm
from sim.state import Queue, State
from sim.steps import Outcome, run_step
from sim.tx import Tx, begin

if TYPE_CHECKING:
    from sim.profile import Profile


def successors(state: State, profile: Profile) -> list[Outcome]:
    """Every (event, next state) pair enabled in ``state``."""
    if state.blocked:
        return []
    out: list[Outcome] = []
    if state.pending:
        out.extend(run_step(state, profile))
    elif state.proc == "alive":
        out.extend(_user_events(state, profile))
        out.extend(_guest_events(state, profile))
    if state.eoi_work == "pending" and "eoi-work" not in profile.excluded:
        tx = begin(state, profile)
        tx.access("vcpus", "ioapic", "kvm")  # EOI injection delivers to vCPU APICs (F2.8)
        tx.d.eoi_work = "ran"
        out.append(tx.done("eoi-work"))
    return out


def _enabled(profile: Profile, event: str) -> bool:
    return event not in profile.excluded


def _unprotect_allowed(tx: Tx) -> bool:
    """The qemu-resets-ap-before-unprotect toggle: PV teardown only after VFIO_DEVICE_RESET."""
    queues = tx.d.queues
    if not queues.size() or "mdev" not in tx.d.files:
        return True
    if not tx.flag("qemu-resets-ap-before-unprotect"):
        return True
    return queues.all(lambda q: q.reset != "none")


def _user_events(state: State, profile: Profile) -> list[Outcome]:
    out: list[Outcome] = []
    files = state.files
    pv_ok = "vm" in files and state.kvm == "alive"
    if pv_ok and state.pv == "live" and _enabled(profile, "KVM_PV_DISABLE"):
        tx = begin(state, profile)
        if _unprotect_allowed(tx):
            for branch in cpus_from_pv(tx):
                branch.push("pv_deinit")
                out.append(branch.done("pv-disable"))
    if pv_ok and state.pv == "live" and state.pv_aside == "none" \
            and "pv-async-cleanup" in profile.features \
            and _enabled(profile, "KVM_PV_ASYNC_CLEANUP_PREPARE"):
        tx = begin(state, profile)
        if _unprotect_allowed(tx):
            for branch in cpus_from_pv(tx):
                branch.push("pv_set_aside")
                out.append(branch.done("pv-prepare"))
    if pv_ok and state.pv_aside == "aside" and _enabled(profile, "KVM_PV_ASYNC_CLEANUP_PERFORM"):
        out.extend(t.done("pv-perform") for t in destroy_config(begin(state, profile), "pv_aside"))
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
        tx = begin(state, profile)
        tx.d.proc = "exiting"
        tx.push("exit_mm", "exit_task_work")
        out.append(tx.done("kill"))
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
        txs = unset_kvm(tx) if tx.d.mdev_kvm and "mdev" in tx.d.files else [tx]
        return [t.done("group-del-notifier") for t in txs]
    return [tx.done("group-del")]


def _guest_events(state: State, profile: Profile) -> list[Outcome]:
    """What the running guest does that teardown cares about (F6.7, F6.9, F2.8)."""
    if not (state.vcpu_fds and state.vcpus_live and state.kvm == "alive"):
        return []
    out: list[Outcome] = []
    queues, feats = state.queues, profile.features
    secure_ap = state.pv == "live" and "pv-ap" in feats and "guest-se-bind" in feats
    if state.mdev_kvm and queues.size():
        may_use_ap = state.pv != "live" or "pv-ap" in feats
        if may_use_ap and queues.any(lambda q: not q.irq) and _enabled(profile, "guest-aqic"):
            out.append(_map_queues(state, profile, "guest-aqic",
                                   lambda q: Queue("none", True, q.bound, q.assoc),
                                   access=("kvm", "sie_page2")))
        if secure_ap and queues.any(lambda q: not q.bound) and _enabled(profile, "guest-bind"):
            out.append(_map_queues(state, profile, "guest-bind",
                                   lambda q: Queue("none", q.irq, True, q.assoc)))
        if secure_ap and queues.any(lambda q: q.bound and not q.assoc) \
                and _enabled(profile, "guest-associate"):
            out.append(_map_queues(state, profile, "guest-associate",
                                   lambda q: Queue(q.reset, q.irq, q.bound, q.bound)))
        if secure_ap and queues.any(lambda q: q.bound) and _enabled(profile, "guest-unbind"):
            out.append(_map_queues(state, profile, "guest-unbind",
                                   lambda q: Queue("none", q.irq) if q.bound else q))
    if profile.arch_spec.ioapic and not state.nested and _enabled(profile, "guest-nested"):
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
