"""Provides the claims: named predicates over transitions, with stable ids users script against.

A claim is checked on every transition it speaks about — one whose event carries one of its
trigger marks and, where the claim says so, that meets its relevance condition (``no-uaf``
speaks about every step that touches or frees memory): ``check(before, event, after)`` says
whether the claim holds for that step. Harm is judged as a host observes it: a use after free,
a WARN, leaked memory, a hang, a secure configuration destroyed over queues the guest bound.
The ``comment-*`` claims encode the *assumption* a kernel comment makes (facts F8.x), so
that a failing one means "this comment is false in this order/era/userspace".

Every claim can fail: tests/sim/test_sim_whatif.py runs, for each id, a what-if (a feature, a
toggle, a userspace) under which it fails with a shortest trace. A claim that holds names the
guards (sim.catalog.GUARDS) that prevented its failure; a claim that nothing ever exercises is
vacuous, with the reason (``scope``) when the profile rules it out.

Ids are a contract: ``se-ap-reset``, ``no-uaf``, ``no-leak``, ``no-warn``, ``no-hang``,
``comment-destroy-devices-lock``, ``comment-device-ops-destroy``, ``comment-s390-arch-destroy``,
``comment-pv-notifier``, ``comment-mpic-disconnect`` and ``gisa-alert-mask-clear`` never change
meaning.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sim.arches import Arch
from sim.catalog import Event
from sim.errors import ModelError
from sim.facts import require_facts
from sim.state import Queue, State


class ProfileView(Protocol):
    """What a claim's scope reads of a profile. A protocol, not sim.profile.Profile (which
    satisfies it), so that the claims sit below the profile that validates a choice of them."""

    @property
    def arch(self) -> str: ...
    @property
    def arch_spec(self) -> Arch: ...
    @property
    def features(self) -> frozenset[str]: ...
    @property
    def vfio_present(self) -> bool: ...
    @property
    def queues(self) -> int: ...

Check = Callable[[State, Event, State], str]
"""(before, event, after) -> '' if the claim holds for the step, else why it does not."""

Relevant = Callable[[State, Event], bool]
"""(before, event) -> whether a triggered step is one the claim speaks about."""

Scope = Callable[[ProfileView], str]
"""profile -> '' if the claim can be exercised in it, else why it cannot (vacuity reason)."""


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable statement about teardown."""

    id: str
    title: str
    facts: tuple[str, ...]
    triggers: frozenset[str]
    """Event marks that make the claim applicable to a transition."""
    check: Check
    definition: str = ""
    """The precise statement (``sim --list-claims``)."""
    comment: str = ""
    """For comment claims: where the comment is and what it says (paraphrased, F8.*)."""
    requires: str = ""
    """Feature without which the comment does not exist in the tree."""
    relevant: Relevant | None = None
    scope: Scope | None = None
    unexercised: str = ""
    """What 'nothing it speaks about happens' means for this claim (vacuity reason)."""


def _bound(q: Queue) -> bool:
    return q.bound or q.assoc


def _arch_destroy_running(state: State) -> bool:
    """kvm_arch_destroy_vm has started and not finished (its steps are pending)."""
    return any(step.startswith("arch:") for step in state.pending)


def _foreign_pv_change(before: State, event: Event) -> bool:
    """PV state changed by another mm user's exit_mmap while kvm_arch_destroy_vm runs."""
    return event.target == "exit_mmap" and _arch_destroy_running(before)


# -- se-ap-reset ---------------------------------------------------------------------------
def _se_ap_reset(before: State, event: Event, after: State) -> str:
    if "pv_config_destroyed" in event.marks and before.queues.any(_bound):
        return ("secure configuration destroyed while AP queues are "
                f"{before.queues.describe()}")
    return ""


def _se_ap_relevant(before: State, event: Event) -> bool:
    return before.queues.any(_bound)


def _se_ap_scope(profile: ProfileView) -> str:
    if not profile.arch_spec.pv:
        return f"no secure guest on {profile.arch}"
    if "pv" not in profile.features:
        return "no Protected Virtualization in this era"
    if not profile.vfio_present or not profile.queues:
        return "no AP queue is passed through"
    if "pv-ap" not in profile.features or "guest-se-bind" not in profile.features:
        return ("a secure guest cannot use AP before v6.6 (F7.13, 899e2206f46a):"
                " no queue is ever bound or associated")
    return ""


# -- no-uaf --------------------------------------------------------------------------------
#: Objects whose owner pointer is cleared before they are freed: a later access through it is
#: a NULL dereference, not a use after free (F2.8 correction: [6.1] i8259.c:653-654).
CLEARED_BEFORE_FREE = {"pic": "kvm->arch.vpic"}


def _no_uaf(before: State, event: Event, after: State) -> str:
    """Nothing freed is dereferenced or freed again; no live object keeps a kvm pointer that
    it will dereference (the mdev's, F6.3) or hand out (the VFIO group's, F5.4)."""
    used = sorted(event.accesses & before.freed)
    nulls = [obj for obj in used if obj in CLEARED_BEFORE_FREE]
    if nulls:
        return "NULL dereference: " + ", ".join(CLEARED_BEFORE_FREE[obj] for obj in nulls) + \
            " (cleared before it was freed)"
    if used:
        return "use after free: " + ", ".join(used)
    again = sorted(event.frees & before.freed)
    if again:
        return "double free: " + ", ".join(again)
    if "kvm_freed" in event.marks and (after.group_kvm or after.mdev_kvm):
        holder = "vfio_ap matrix_mdev->kvm" if after.mdev_kvm else "VFIO group->kvm"
        return f"struct kvm freed while {holder} still points at it"
    return ""


# -- no-leak -------------------------------------------------------------------------------
def _no_leak(before: State, event: Event, after: State) -> str:
    """When nothing of the VMM is left, everything is freed or destroyed."""
    if after.kvm != "freed":
        return f"struct kvm not freed ({after.kvm}); holders: {', '.join(after.users())}"
    shells = [kind for kind, _ in after.devices if f"dev:{kind}" not in after.freed]
    if shells:
        return "kvm_device not freed: " + ", ".join(shells)
    if after.pv in ("live", "refused", "leaked"):
        return f"secure configuration {after.pv}: its donated storage is never freed"
    if after.pv_aside in ("aside", "leaked"):
        return f"set-aside secure configuration {after.pv_aside}: leaked for good"
    if after.vcpus.any(lambda v: v == "leaked"):
        return "secure vCPU storage leaked"
    if after.leaks:
        return "leaked: " + ", ".join(sorted(after.leaks)) + \
            " (s390_replace_asce after a failed destroy, faa2f72cb356)"
    if after.queues.any(lambda q: q.irq):
        return "an AP queue still pins its NIB page (IRQ resources not freed)"
    return ""


# -- no-warn / no-hang ---------------------------------------------------------------------
def _no_warn(before: State, event: Event, after: State) -> str:
    return "; ".join(event.warns)


def _no_hang(before: State, event: Event, after: State) -> str:
    return f"teardown never finishes: {after.blocked}" if after.blocked else ""


# -- comment claims ------------------------------------------------------------------------
def _destroy_devices_lock(before: State, event: Event, after: State) -> str:
    """kvm_destroy_devices runs when nobody else has a reference and nobody can reach the kvm."""
    if not before.users_zero():
        return "references held: " + ", ".join(before.users())
    if before.mdev_kvm and "mdev" in before.files:
        return ("the open vfio_ap mdev still reaches the kvm (matrix_mdev->kvm, PQAP hook)"
                " without holding a reference")
    return ""


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
    """End of life: the fd is closed and nobody else can touch the PV state."""
    if _foreign_pv_change(before, event):
        return (f"{event.name} ({event.function}) changes the PV state while"
                " kvm_arch_destroy_vm tears it down without kvm->lock")
    if "s390_arch_destroy" not in event.marks:
        return ""
    if not before.users_zero() or "vm" in before.files:
        return "references held: " + ", ".join(before.users())
    if before.mdev_kvm and "mdev" in before.files:
        return "the open vfio_ap mdev still reaches the kvm without holding a reference"
    return ""


def _s390_arch_relevant(before: State, event: Event) -> bool:
    return "s390_arch_destroy" in event.marks or _foreign_pv_change(before, event)


def _pv_notifier(before: State, event: Event, after: State) -> str:
    """The release runs on the last thread of the last mm user (no locking needed) or from
    kvm_arch_destroy_vm's unregister, and the kvm is still valid."""
    if "kvm" in before.freed:
        return "runs after struct kvm was freed"
    if _foreign_pv_change(before, event):
        return ("runs from another mm user's exit_mmap while kvm_arch_destroy_vm tears the PV"
                " state down: both without kvm->lock")
    return ""


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


def _gisa_scope(profile: ProfileView) -> str:
    return "" if profile.arch == "s390" else f"no GISA on {profile.arch}"


def _pv_scope(profile: ProfileView) -> str:
    if not profile.arch_spec.pv or "pv" not in profile.features:
        return "no secure guest in this profile"
    return ""


CLAIMS: tuple[Claim, ...] = (
    Claim("se-ap-reset", "no secure configuration is destroyed while an AP queue of the guest"
          " is still SE-bound or associated", ("F7.11", "F7.13", "F6.9"),
          frozenset({"pv_destroy_attempt"}), _se_ap_reset,
          definition="Every Destroy Secure Configuration that succeeds — normal, fast, or of"
          " a set-aside leftover — finds no AP queue of the guest still SE-bound or"
          " associated (each queue the guest bound was reset with a verified reset, which"
          " unbinds it, or unbound by the guest). Judged at destroy attempts that meet a"
          " bound or associated queue; vacuous before v6.6, where a secure guest cannot use"
          " AP (F7.13).", relevant=_se_ap_relevant, scope=_se_ap_scope,
          unexercised="no destroy attempt meets a bound or associated queue"),
    Claim("no-uaf", "nothing is used after it is freed (vCPU→irqchip, vfio_ap/VFIO kvm"
          " pointers, sie_page2, vCPUs)", ("F4.5", "F6.4", "F2.8", "F5.4"),
          frozenset({"kvm_freed"}), _no_uaf,
          definition="No step dereferences or frees memory that is already freed (a NULL"
          " dereference where the owner pointer was cleared first), and struct kvm is not"
          " freed while the vfio_ap mdev or the VFIO group still points at it."),
    Claim("no-leak", "when nothing of the VMM is left, the VM, its devices and all secure"
          " storage are freed", ("F7.1", "F7.11", "F6.7", "F8.13"),
          frozenset({"process_end"}), _no_leak,
          definition="When the process and its async-teardown helper are gone and no kernel"
          " step is pending: struct kvm and every kvm_device are freed; no secure"
          " configuration, set-aside leftover or secure-CPU storage is alive or leaked; no"
          " top-level page table was leaked by s390_replace_asce; no AP queue still pins its"
          " NIB page."),
    Claim("no-warn", "no WARN or WARN_ONCE fires on any teardown path",
          ("F6.5", "F7.1", "F7.2", "F7.7", "F7.11"), frozenset({"warn_site"}), _no_warn,
          definition="No WARN/WARN_ONCE fires: 6.1's 'unable to verify reset of queue', the"
          " Destroy Secure Configuration, Fast (before v6.6 also on RC 0x104), leftover and"
          " Secure CPU WARN_ONCEs, and (v6.6+) the GISA alert-mask WARN. Exercised wherever"
          " such a condition is evaluated."),
    Claim("no-hang", "teardown finishes: no path blocks forever", ("F5.8", "F6.6"),
          frozenset({"blocked", "process_end"}), _no_hang,
          definition="Every path ends with the VMM gone: no self-deadlock on VFIO's"
          " group_lock (a final kvm put under it reaching kvm_vfio_destroy), no queue reset"
          " waited for without bound that never completes."),
    Claim("comment-destroy-devices-lock", "kvm_destroy_devices() needs no kvm->lock: nobody"
          " else has a reference to struct kvm", ("F3.1", "F8.1"),
          frozenset({"destroy_devices"}), _destroy_devices_lock,
          definition="When kvm_destroy_devices() runs, users_count is zero and nothing that"
          " could reach struct kvm (and its device list) is still live: no open vfio_ap mdev"
          " keeps a kvm pointer without a reference.",
          comment="virt/kvm/kvm_main.c kvm_destroy_devices(): 'We do not need to take the"
          " kvm->lock here, because nobody else has a reference to the struct kvm at this"
          " point'", requires="destroy-devices-comment"),
    Claim("comment-device-ops-destroy", "ops->destroy runs before or after the I/O"
          " destructors depending on who holds references: never while a vCPU still points"
          " into the device", ("F3.3", "F8.2"), frozenset({"device_destroy"}),
          _device_ops_destroy,
          definition="When ops->destroy frees a device, no live vCPU is still connected to it.",
          comment="include/linux/kvm_host.h kvm_device_ops.destroy: 'Destroy is responsible"
          " for freeing dev.' (before/after destructors, depending on references held)",
          requires="device-api"),
    Claim("comment-s390-arch-destroy", "s390 kvm_arch_destroy_vm() runs at end of life: fd"
          " closed, no kvm->lock, nobody can change PV state", ("F7.8", "F8.10"),
          frozenset({"s390_arch_destroy", "pv_state_change"}), _s390_arch_destroy,
          definition="When s390 kvm_arch_destroy_vm() starts, the VM fd is closed and"
          " users_count is zero, nothing reaches the kvm without a reference, and while it"
          " runs no other path (another mm user's exit_mmap running the PV notifier) changes"
          " the PV state.",
          comment="arch/s390/kvm/kvm-s390.c kvm_arch_destroy_vm(): end of life, the fd is"
          " closed, nobody can change the PV state (paraphrase)",
          relevant=_s390_arch_relevant, scope=_pv_scope),
    Claim("comment-pv-notifier", "the PV mmu-notifier release runs on the last thread of the"
          " last mm user (no locking) and the kvm is valid", ("F8.11", "F7.4", "F7.5"),
          frozenset({"pv_notifier_release"}), _pv_notifier,
          definition="Whenever kvm_s390_pv_mmu_notifier_release runs, struct kvm is not freed"
          " and nothing else tears the PV state down at the same time (it does not run from"
          " exit_mmap while kvm_arch_destroy_vm is in progress).",
          comment="arch/s390/kvm/pv.c kvm_s390_pv_mmu_notifier_release(): 'No locking is"
          " needed since this is the last thread of the last user of this struct mm.'",
          requires="pv-mmu-notifier", scope=_pv_scope),
    Claim("comment-mpic-disconnect", "kvmppc_mpic_disconnect_vcpu() happens only right before"
          " the mpic is destroyed", ("F8.14", "F4.5"), frozenset({"mpic_disconnect"}),
          _mpic_disconnect,
          definition="When a vCPU is disconnected from the MPIC, the openpic is still"
          " allocated and the MPIC device live.",
          comment="arch/powerpc/kvm/mpic.c kvmppc_mpic_disconnect_vcpu(): 'This should only"
          " happen immediately before the mpic is destroyed'", requires="device-api"),
    Claim("gisa-alert-mask-clear", "at kvm_s390_gisa_destroy no guest ISC is registered"
          " (6.6+ WARNs otherwise)", ("F7.7",), frozenset({"gisa_destroy"}), _gisa_mask,
          definition="When kvm_s390_gisa_destroy runs, no AP queue still has interrupts"
          " enabled (its guest ISC registered in the GISA).", scope=_gisa_scope),
)

CLAIM_BY_ID: dict[str, Claim] = {claim.id: claim for claim in CLAIMS}
CLAIM_IDS: tuple[str, ...] = tuple(CLAIM_BY_ID)


def validate(claims: Sequence[Claim]) -> None:
    """Raise ModelError for a duplicate id or a citation of an unknown fact.

    Run once on CLAIMS when this module is imported: users may add claims, and ids are what
    scripts select them by."""
    duplicates = [f"sim.claims.CLAIMS entry {claim_id!r} is defined {n} times"
                  for claim_id, n in Counter(claim.id for claim in claims).items() if n > 1]
    if duplicates:
        raise ModelError("; ".join(duplicates))
    require_facts("sim.claims.CLAIMS",
                  ((repr(claim.id), fact_id) for claim in claims for fact_id in claim.facts))


validate(CLAIMS)


def applies(claim: Claim, before: State, event: Event) -> bool:
    """Whether the transition labelled ``event`` is one the claim speaks about."""
    if claim.triggers & event.marks:
        return claim.relevant is None or claim.relevant(before, event)
    return claim.id == "no-uaf" and bool(event.accesses or event.frees)


def vacuity_reason(claim: Claim, profile: ProfileView) -> str:
    """Why a claim that nothing exercised is vacuous in this profile."""
    reason = claim.scope(profile) if claim.scope is not None else ""
    return reason or claim.unexercised or "nothing it speaks about happens in any reachable state"
