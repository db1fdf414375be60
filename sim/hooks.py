"""Provides the hook table: vfio_ap actions a proposed fix can place at a named teardown point.

No released kernel has any of these hooks; they exist so that the fixes the RFC thread
proposed (and those a search over placements finds) are real model behaviour, judged by the
same claims as the kernel's own rules. A hook is one *action* at one *point*:

- actions reuse the kernel's own helpers (sim.kernel), never a copy of them: ``unset-kvm`` is
  vfio_ap dropping its KVM association — ``vfio_ap_mdev_unset_kvm``, which clears the masks,
  resets every queue and puts vfio_ap's kvm reference (F6.3); ``reset-queues`` is
  ``vfio_ap_mdev_reset_queues`` alone (F6.5, F6.6, F6.8), the association kept;
- points are where teardown could call them: ``vm-release`` (``kvm_vm_release``, the final
  fput of the VM fd, F8.20), ``pre-destroy`` (``kvm_arch_pre_destroy_vm``, which only x86
  implements, F2.4) and ``pv-teardown`` (``KVM_PV_DISABLE``, ``KVM_PV_ASYNC_CLEANUP_PREPARE``
  and the PV mmu-notifier release, before the secure configuration is destroyed — today
  nothing in vfio_ap reacts to them, F6.10).

Either action acts only while the mdev is open and still associated with the kvm: after
``vfio_ap_mdev_unset_kvm`` the queues were reset already and the guest can no longer use them.
Every table entry cites the fact its point rests on; the table is checked on import.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import ModelError
from sim.facts import require_facts

#: Hook points -> (the kernel function that would call the hook, the fact it rests on).
POINTS: dict[str, tuple[str, str]] = {
    "vm-release": ("kvm_vm_release", "F8.20"),
    "pre-destroy": ("kvm_arch_pre_destroy_vm", "F2.4"),
    "pv-teardown": ("KVM_PV_DISABLE / KVM_PV_ASYNC_CLEANUP_PREPARE / PV mmu-notifier release",
                    "F6.10"),
}

#: Hook actions -> (the vfio_ap function it runs, the fact it rests on).
ACTIONS: dict[str, tuple[str, str]] = {
    "unset-kvm": ("vfio_ap_mdev_unset_kvm", "F6.3"),
    "reset-queues": ("vfio_ap_mdev_reset_queues", "F6.8"),
}


@dataclass(frozen=True, slots=True)
class Hook:
    """One action at one point, with the fact that makes it plausible there."""

    name: str
    action: str
    point: str
    fact: str
    title: str

    @property
    def function(self) -> str:
        """The call chain a trace shows, e.g. ``kvm_vm_release → vfio_ap_mdev_unset_kvm``."""
        return f"{POINTS[self.point][0]} → {ACTIONS[self.action][0]}"


HOOKS: tuple[Hook, ...] = (
    Hook("vfio-notify-at-vm-release", "unset-kvm", "vm-release", "F0.2",
         "vfio drivers that opt in drop their KVM association when the VM fd is released"
         " (vfio_ap: unset_kvm, queues reset)"),
    Hook("vfio-notify-at-pre-destroy", "unset-kvm", "pre-destroy", "F2.4",
         "vfio_ap drops its KVM association in kvm_arch_pre_destroy_vm"),
    Hook("vfio-notify-at-pv-teardown", "unset-kvm", "pv-teardown", "F6.10",
         "vfio_ap drops its KVM association when the guest leaves protected mode"),
    Hook("vfio-ap-reset-at-vm-release", "reset-queues", "vm-release", "F8.20",
         "vfio_ap resets the mdev's queues when the VM fd is released"),
    Hook("s390-pre-destroy-ap-reset", "reset-queues", "pre-destroy", "F2.4",
         "s390 implements kvm_arch_pre_destroy_vm and resets the mdev's queues there"),
    Hook("vfio-ap-reset-on-pv-teardown", "reset-queues", "pv-teardown", "F6.10",
         "vfio_ap resets the queues on KVM_PV_DISABLE, ASYNC_CLEANUP_PREPARE and the PV"
         " mmu-notifier release, before the secure configuration is destroyed"),
)

#: Hook name -> hook.
HOOK_BY_NAME: dict[str, Hook] = {hook.name: hook for hook in HOOKS}
HOOK_NAMES: tuple[str, ...] = tuple(HOOK_BY_NAME)

require_facts("sim.hooks.POINTS", ((repr(name), fact) for name, (_, fact) in POINTS.items()))
require_facts("sim.hooks.ACTIONS", ((repr(name), fact) for name, (_, fact) in ACTIONS.items()))
require_facts("sim.hooks.HOOKS", ((repr(hook.name), hook.fact) for hook in HOOKS))
_UNKNOWN = [f"sim.hooks.HOOKS entry {h.name!r} names an unknown action or point"
            for h in HOOKS if h.action not in ACTIONS or h.point not in POINTS]
if _UNKNOWN:
    raise ModelError("; ".join(_UNKNOWN))
