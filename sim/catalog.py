"""Provides the rule catalogue, the guards, and the Event a transition is labelled with.

Every transition of the model is an instance of one rule here: a user event (a close, an
ioctl, a kill, a step of a QEMU sequence), a guest action, a deterministic kernel step, or
asynchronous work. A rule names the kernel (or QEMU) function it stands for and the fact it
rests on, so that a trace reads in kernel vocabulary and every step can be checked against
its fact (sim.facts). Rules whose function depends on data (a device's ``ops->destroy``, an
architecture's teardown step) take function and fact from that data entry, which cites its own.

A *guard* is a rule that prevents a harm when it fires — the Ultravisor refusing a destroy, a
kvm reference keeping ``kvm_destroy_vm()`` waiting, a relaxed WARN condition. Transitions
record the guards that fired, and a claim that holds names the guards that protected it and
how often they did: a reviewer sees *why* it holds, not only that it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sim.facts import require_facts


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of transition."""

    key: str
    name: str
    """Event name; ``{0}`` is replaced by the rule's target (a fd, device, step)."""
    function: str
    """Kernel function it stands for; ``{0}`` as in name."""
    fact: str
    kind: str
    """'user', 'guest', 'kernel' or 'async'."""
    event: str = ""
    """The name ``--exclude`` uses to switch this (user/guest/async) rule off."""
    commit: str | None = None
    """The commit behind this rule when it is not the fact's own ('' = none known)."""


_C_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Event:
    """The label of one transition: what happened, in kernel terms, and what it touched."""

    name: str
    function: str
    fact: str
    kind: str
    target: str = ""
    detail: str = ""
    accesses: frozenset[str] = frozenset()
    """Objects the step dereferences (a freed one is a use-after-free)."""
    frees: frozenset[str] = frozenset()
    marks: frozenset[str] = frozenset()
    """What the step did, for claims: 'pv_config_destroyed', 'mpic_disconnect', ..."""
    reads: frozenset[str] = frozenset()
    """Toggles whose value the step read."""
    commit: str = ""
    """The commit the step rests on (the rule's, else its fact's; '' if none is known)."""
    warns: tuple[str, ...] = ()
    """WARN/WARN_ONCE splats the step fires, each with its file:line."""
    guards: frozenset[str] = frozenset()
    """Guards (GUARDS ids) that fired in this step."""

    @property
    def calls(self) -> tuple[str, ...]:
        """The call chain ``function`` names, outermost first, as C identifiers (the words
        after a name, such as ``(guest se_bind)``, are the model's notes, not calls)."""
        return tuple(match.group(0) for part in self.function.split("→")
                     if (match := _C_NAME.match(part.strip())))


@dataclass(frozen=True, slots=True)
class Guard:
    """A rule that prevents a harm when it fires."""

    id: str
    title: str
    fact: str
    protects: tuple[str, ...]
    """Claim ids whose failure it prevents."""


_GUARDS = (
    Guard("uv-refused-bound-destroy", "the Ultravisor refused to destroy a secure configuration"
          " with bound or associated APQNs", "F7.11", ("se-ap-reset",)),
    Guard("fast-0x104-not-warned", "Destroy Fast refused with RC 0x104 does not WARN"
          " (b1e428615f15, v6.6)", "F7.11", ("no-warn",)),
    Guard("refused-config-destroyed-later", "a refused configuration kept its handle and was"
          " destroyed once its queues were reset", "F7.11", ("no-leak",)),
    Guard("vfio-ap-kvm-ref", "vfio_ap's kvm reference kept kvm_destroy_vm() waiting until"
          " close_device had reset the queues", "F7.9",
          ("no-uaf", "comment-destroy-devices-lock", "comment-s390-arch-destroy",
           "gisa-alert-mask-clear")),
    Guard("vfio-core-kvm-ref", "the VFIO core's kvm reference kept kvm_destroy_vm() waiting"
          " until the device was closed", "F5.3",
          ("no-uaf", "comment-destroy-devices-lock", "comment-s390-arch-destroy",
           "gisa-alert-mask-clear")),
    Guard("no-vfio-callback-under-group-lock", "kvm_destroy_vm() ran under VFIO's group_lock,"
          " and nothing on its path calls back into VFIO (kvm-vfio is release-style)", "F8.9",
          ("no-hang",)),
    Guard("helper-waits-for-parent", "QEMU's async-teardown helper exited only after QEMU"
          " had gone (PR_SET_PDEATHSIG, then reparenting)", "F7.12",
          ("comment-pv-notifier", "comment-s390-arch-destroy")),
    Guard("vcpus-before-devices", "kvm_arch_destroy_vm() destroyed the vCPUs while the device"
          " state they point into was still allocated", "F1.3",
          ("no-uaf", "comment-device-ops-destroy", "comment-mpic-disconnect")),
    Guard("eoi-work-cancelled", "the IOAPIC EOI work was cancelled in"
          " kvm_arch_pre_destroy_vm() before the vCPUs were freed", "F8.16", ("no-uaf",)),
)

#: Guard id -> guard.
GUARDS: dict[str, Guard] = {guard.id: guard for guard in _GUARDS}

require_facts("sim.catalog.GUARDS", ((repr(g.id), g.fact) for g in _GUARDS))


_RULES = (
    Rule("close-vm", "close(VM fd)", "kvm_vm_release", "F8.20", "user", "close"),
    Rule("close-vcpus", "close(vCPU fds)", "kvm_vcpu_release", "F8.20", "user", "close"),
    Rule("close-device", "close({0} device fd)", "kvm_device_release", "F3.7", "user", "close"),
    Rule("close-container", "close(VFIO container fd)", "vfio_fops_release", "F5.4", "user",
         "close"),
    Rule("close-group", "close(VFIO group fd)", "vfio_group_fops_release", "F5.6", "user",
         "close"),
    Rule("close-mdev", "close(vfio_ap mdev fd)", "vfio_ap_mdev_close_device", "F6.1", "user",
         "close"),
    Rule("close-mdev-notifier", "close(vfio_ap mdev fd)", "vfio_ap_mdev_release", "F5.1",
         "user", "close"),
    Rule("close-vfio-dev", "close(vfio-pci device fd)", "vfio_device_fops_release", "F5.3",
         "user", "close"),
    Rule("group-del", "ioctl(KVM_DEV_VFIO_GROUP_DEL)", "kvm_vfio_file_del → vfio_file_set_kvm",
         "F5.4", "user", "KVM_DEV_VFIO_GROUP_DEL"),
    Rule("group-del-notifier", "ioctl(KVM_DEV_VFIO_GROUP_DEL)",
         "kvm_vfio_group_del → vfio_group_set_kvm(NULL) → vfio_ap notifier", "F0.2", "user",
         "KVM_DEV_VFIO_GROUP_DEL"),
    Rule("device-reset", "ioctl(VFIO_DEVICE_RESET)", "vfio_ap_mdev_reset_queues", "F6.8",
         "user", "VFIO_DEVICE_RESET"),
    Rule("pv-disable", "ioctl(KVM_PV_DISABLE)", "kvm_s390_handle_pv → kvm_s390_cpus_from_pv",
         "F7.3", "user", "KVM_PV_DISABLE"),
    Rule("pv-disable-deinit", "ioctl(KVM_PV_DISABLE)",
         "kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.1", "user", "KVM_PV_DISABLE",
         commit="29b40f105ec8d55"),
    Rule("pv-disable-stopped", "KVM_PV_DISABLE stops: a secure CPU could not be destroyed",
         "kvm_s390_handle_pv", "F8.13", "kernel"),
    Rule("pv-prepare", "ioctl(KVM_PV_ASYNC_CLEANUP_PREPARE)",
         "kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.3", "user",
         "KVM_PV_ASYNC_CLEANUP_PREPARE"),
    Rule("pv-perform", "ioctl(KVM_PV_ASYNC_CLEANUP_PERFORM)", "kvm_s390_pv_deinit_aside_vm",
         "F7.3", "user", "KVM_PV_ASYNC_CLEANUP_PERFORM"),
    Rule("kill", "the VMM exits or is killed (SIGKILL)", "do_exit", "F7.5", "user", "kill"),
    Rule("qemu-reboot", "QEMU reboots the protected guest (vCPUs paused)",
         "s390_machine_reset (S390_RESET_REIPL)", "F7.12", "user", "qemu-reboot", commit=""),
    Rule("qemu-reset-ap", "QEMU: ioctl(VFIO_DEVICE_RESET)",
         "subsystem_reset → vfio_ap_reset → vfio_ap_mdev_reset_queues", "F7.12", "user",
         commit=""),
    Rule("qemu-prepare", "QEMU: ioctl(KVM_PV_ASYNC_CLEANUP_PREPARE) (guest above 2 GiB)",
         "s390_pv_vm_try_disable_async → kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.12",
         "user", commit=""),
    Rule("qemu-disable", "QEMU: ioctl(KVM_PV_DISABLE)",
         "s390_pv_vm_disable → kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.12", "user",
         commit=""),
    Rule("qemu-exit-on-error", "QEMU exit(1): the KVM PV command failed",
         "s390_pv_cmd_exit → exit → do_exit", "F7.12", "user", commit=""),
    Rule("helper-exit", "async-teardown helper exits", "async_teardown_fn → _exit → exit_mm",
         "F7.12", "user", "helper-exit", commit=""),
    Rule("guest-aqic", "guest PQAP(AQIC): enable queue interrupts",
         "handle_pqap → vfio_ap_irq_enable", "F6.7", "guest", "guest-aqic"),
    Rule("guest-bind", "guest BAPQ: bind queues", "ap_bapq (guest se_bind)", "F6.9", "guest",
         "guest-bind"),
    Rule("guest-associate", "guest AAPQ: associate queues", "ap_aapq (guest se_associate)",
         "F6.9", "guest", "guest-associate"),
    Rule("guest-unbind", "guest RAPQ(F=1): unbind queues", "ap_rapq (guest se_bind=0)", "F6.9",
         "guest", "guest-unbind"),
    Rule("guest-nested", "guest enters nested (L2) mode", "nested VMX/SVM state", "F2.8",
         "guest", "guest-nested"),
    Rule("exit-mm", "exit_mm", "exit_mm → mmput → exit_mmap → mmu_notifier_release", "F7.5",
         "kernel"),
    Rule("exit-mm-shared", "exit_mm (the helper still uses the mm: no exit_mmap)",
         "exit_mm → mmput", "F7.12", "kernel", commit=""),
    Rule("unlock", "vfio_df_group_close: mutex_unlock({0})", "vfio_df_group_close", "F8.9",
         "kernel"),
    Rule("pv-release", "PV mmu_notifier release",
         "kvm_s390_pv_mmu_notifier_release → kvm_s390_cpus_from_pv", "F7.4", "kernel"),
    Rule("pv-fast", "Destroy Secure Configuration Fast", "kvm_s390_pv_deinit_vm_fast", "F7.2",
         "kernel"),

    Rule("pv-deinit", "Destroy Secure Configuration", "kvm_s390_pv_deinit_vm", "F7.1",
         "kernel"),
    Rule("pv-cleanup-all", "Destroy Secure Configuration(s)", "kvm_s390_pv_deinit_cleanup_all",
         "F7.6", "kernel"),
    Rule("pv-set-aside", "set aside the secure configuration", "kvm_s390_pv_set_aside",
         "F7.3", "kernel"),
    Rule("fput", "exit_task_work: __fput({0})", "{0}", "F7.5", "kernel"),
    Rule("exit-done", "process exits", "do_exit → exit_notify", "F7.5", "kernel"),
    Rule("vm-step", "kvm_destroy_vm: {0}", "{0}", "F2.6", "kernel"),
    Rule("arch-step", "kvm_arch_destroy_vm: {0}", "{0}", "F4.11", "kernel"),
    Rule("device-destroy", "kvm_destroy_devices: ops->destroy({0})", "{0}", "F1.3", "kernel"),
    Rule("device-put", "kvm_device_put: ops->destroy({0})", "{0}", "F1.3", "kernel"),
    Rule("eoi-work", "IOAPIC EOI work runs", "kvm_ioapic_eoi_inject_work", "F2.8", "async",
         "eoi-work"),
)

#: Rule key -> rule.
RULES: dict[str, Rule] = {rule.key: rule for rule in _RULES}

require_facts("sim.catalog.RULES", ((repr(r.key), r.fact) for r in _RULES))

#: Names ``--exclude`` accepts (user, guest and asynchronous events).
EXCLUDABLE: tuple[str, ...] = tuple(dict.fromkeys(rule.event for rule in _RULES if rule.event))
