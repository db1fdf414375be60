"""Provides the claims: named predicates over transitions, with stable ids users script against.

A claim is checked on every transition whose event carries one of its trigger marks (or, for
``no-uaf``, touches or frees memory): ``check(before, event, after)`` says whether the claim
holds for that step. The ``comment-*`` claims encode the *assumption* a kernel comment makes
(kernel-facts §8), so that a failing one means "this comment is false in this order/era".

Ids are a contract: ``se-ap-reset``, ``no-uaf``, ``no-leak``, ``comment-destroy-devices-lock``,
``comment-device-ops-destroy``, ``comment-s390-arch-destroy``, ``comment-pv-notifier``,
``comment-mpic-disconnect`` and ``gisa-alert-mask-clear`` never change meaning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sim.catalog import Event
from sim.state import Queue, State

Check = Callable[[State, Event, State], str]
"""(before, event, after) -> '' if the claim holds for the step, else why it does not."""


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable statement about teardown."""

    id: str
    title: str
    facts: tuple[str, ...]
    triggers: frozenset[str]
    """Event marks that make the claim applicable to a transition."""
    check: Check
    comment: str = ""
    """For comment claims: where the comment is and what it says (paraphrased, F8.*)."""
    requires: str = ""
    """Feature without which the comment does not exist in the tree."""


def _se_ap_reset(before: State, event: Event, after: State) -> str:
    """Every queue has a verified reset and is neither bound nor associated (F7.9, F7.10)."""
    if "uv_reset_queues" in event.marks or before.queues.all(Queue.clean):
        return ""
    return f"secure configuration destroyed while AP queues are {before.queues.describe()}"


def _no_uaf(before: State, event: Event, after: State) -> str:
    """Nothing freed is dereferenced or freed again; no live object keeps a kvm pointer that
    it will dereference (the mdev's, F6.3) or hand out (the VFIO group's, F5.4)."""
    used = sorted(event.accesses & before.freed)
    if used:
        return "use after free: " + ", ".join(used)
    again = sorted(event.frees & before.freed)
    if again:
        return "double free: " + ", ".join(again)
    if "kvm_freed" in event.marks and (after.group_kvm or after.mdev_kvm):
        holder = "vfio_ap matrix_mdev->kvm" if after.mdev_kvm else "VFIO group->kvm"
        return f"struct kvm freed while {holder} still points at it"
    return ""


def _no_leak(before: State, event: Event, after: State) -> str:
    """When the process is gone (or stuck forever), everything is freed, destroyed, reset."""
    if after.blocked:
        return f"process never exits: {after.blocked}"
    if after.kvm != "freed":
        return f"struct kvm not freed ({after.kvm}); holders: {', '.join(after.users())}"
    shells = [kind for kind, _ in after.devices if f"dev:{kind}" not in after.freed]
    if shells:
        return "kvm_device not freed: " + ", ".join(shells)
    if after.pv in ("live", "leaked") or after.pv_aside in ("aside", "leaked"):
        return f"secure configuration {after.pv}/{after.pv_aside}"
    if after.vcpus.any(lambda v: v == "leaked"):
        return "secure vCPU storage leaked"
    if not after.queues.all(lambda q: q.reset == "verified" and not q.irq):
        return f"AP queues left {after.queues.describe()}"
    return ""


def _destroy_devices_lock(before: State, event: Event, after: State) -> str:
    """kvm_destroy_devices runs with users_count zero: nobody else can reach the list."""
    return "" if before.users_zero() else "references held: " + ", ".join(before.users())


def _device_ops_destroy(before: State, event: Event, after: State) -> str:
    """When ops->destroy frees a device, no vCPU still points into it: destroy timing still
    follows the references vCPUs/components hold, as the comment says."""
    destroyed = [kind for kind, status in after.devices
                 if status == "destroyed" and before.device(kind) == "live"]
    for kind in destroyed:
        if after.vcpus_live and after.vcpu_irq == kind:
            return f"{kind} destroyed while live vCPUs still point into it"
    return ""


def _s390_arch_destroy(before: State, event: Event, after: State) -> str:
    """End of life: users_count zero, the VM fd released, nobody can change PV state."""
    if before.users_zero() and "vm" not in before.files:
        return ""
    return "references held: " + ", ".join(before.users())


def _pv_notifier(before: State, event: Event, after: State) -> str:
    """The release runs on the last thread of the last mm user (exit_mmap) or from
    kvm_arch_destroy_vm with users_count zero, and the kvm is still valid."""
    if "kvm" in before.freed:
        return "runs after struct kvm was freed"
    if (before.proc == "exiting" and before.mm == "gone") or before.users_zero():
        return ""
    return "runs while the mm and the kvm have other users"


def _mpic_disconnect(before: State, event: Event, after: State) -> str:
    """The disconnect happens right before the mpic is destroyed: the openpic is still live."""
    if "openpic" not in before.freed and before.device("mpic") == "live":
        return ""
    return "disconnect runs after mpic_destroy freed the openpic"


def _gisa_mask(before: State, event: Event, after: State) -> str:
    """No guest ISC is still registered (no queue with IRQs enabled) at GISA destroy."""
    if before.queues.any(lambda q: q.irq):
        return "guest ISC still registered by AP queue interrupts"
    return ""


CLAIMS: tuple[Claim, ...] = (
    Claim("se-ap-reset", "the SE config is destroyed only after every AP queue of the guest"
          " has a verified reset and is neither bound nor associated",
          ("F7.9", "F7.10", "F6.9"), frozenset({"pv_config_destroyed"}), _se_ap_reset),
    Claim("no-uaf", "nothing is used after it is freed (vCPU→irqchip, vfio_ap/VFIO kvm"
          " pointers, sie_page2, vCPUs)", ("F4.5", "F6.4", "F2.8", "F5.4"),
          frozenset({"kvm_freed"}), _no_uaf),
    Claim("no-leak", "when the process is gone, the VM, its devices and the secure"
          " configuration are freed and every queue is reset",
          ("F7.1", "F6.3", "F6.6", "F8.13"), frozenset({"process_end", "blocked"}), _no_leak),
    Claim("comment-destroy-devices-lock", "kvm_destroy_devices() needs no kvm->lock: nobody"
          " else has a reference to struct kvm", ("F3.1", "F8.1"),
          frozenset({"destroy_devices"}), _destroy_devices_lock,
          "virt/kvm/kvm_main.c kvm_destroy_devices(): 'We do not need to take the kvm->lock"
          " here, because nobody else has a reference to the struct kvm at this point'",
          requires="destroy-devices-comment"),
    Claim("comment-device-ops-destroy", "ops->destroy runs before or after the I/O"
          " destructors depending on who holds references: never while a vCPU still points"
          " into the device", ("F3.3", "F8.2"), frozenset({"device_destroy"}),
          _device_ops_destroy,
          "include/linux/kvm_host.h kvm_device_ops.destroy: 'Destroy is responsible for"
          " freeing dev.' (before/after destructors, depending on references held)",
          requires="device-api"),
    Claim("comment-s390-arch-destroy", "s390 kvm_arch_destroy_vm() runs at end of life: fd"
          " closed, no kvm->lock, nobody can change PV state", ("F7.8", "F8.10"),
          frozenset({"s390_arch_destroy"}), _s390_arch_destroy,
          "arch/s390/kvm/kvm-s390.c kvm_arch_destroy_vm(): end of life, the fd is closed,"
          " nobody can change the PV state (paraphrase)"),
    Claim("comment-pv-notifier", "the PV mmu-notifier release runs on the last thread of the"
          " last mm user (no locking) and the kvm is valid", ("F8.11", "F7.4", "F7.5"),
          frozenset({"pv_notifier_release"}), _pv_notifier,
          "arch/s390/kvm/pv.c kvm_s390_pv_mmu_notifier_release(): 'No locking is needed since"
          " this is the last thread of the last user of this struct mm.'",
          requires="pv-mmu-notifier"),
    Claim("comment-mpic-disconnect", "kvmppc_mpic_disconnect_vcpu() happens only right before"
          " the mpic is destroyed", ("F8.14", "F4.5"), frozenset({"mpic_disconnect"}),
          _mpic_disconnect,
          "arch/powerpc/kvm/mpic.c kvmppc_mpic_disconnect_vcpu(): 'This should only happen"
          " immediately before the mpic is destroyed'", requires="device-api"),
    Claim("gisa-alert-mask-clear", "at kvm_s390_gisa_destroy no guest ISC is registered"
          " (6.12 WARNs otherwise)", ("F7.7",), frozenset({"gisa_destroy"}), _gisa_mask),
)

CLAIM_BY_ID: dict[str, Claim] = {claim.id: claim for claim in CLAIMS}
CLAIM_IDS: tuple[str, ...] = tuple(CLAIM_BY_ID)


def registry_problems() -> list[str]:
    """Duplicate ids in the claim registry (users may add claims; ids must stay unique)."""
    return [f"duplicate claim id {claim_id!r} in the registry"
            for claim_id, n in Counter(claim.id for claim in CLAIMS).items() if n > 1]


def applies(claim: Claim, event: Event) -> bool:
    """Whether the transition labelled ``event`` is one the claim speaks about."""
    if claim.triggers & event.marks:
        return True
    return claim.id == "no-uaf" and bool(event.accesses or event.frees)
