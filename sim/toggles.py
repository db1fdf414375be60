"""Provides the named toggles: assumptions nobody outside IBM (or the dossier) can check.

Where kernel-facts says UNVERIFIED about *behaviour* (not about a release date), the model does
not pick an answer silently: it reads a toggle, records the read, and every verdict lists the
toggles its counterexample (or, for a verdict that holds, its explored transitions) read.
Era boundaries that are uncertain are features with an ``unverified`` note instead (sim.eras).
"""

from __future__ import annotations

from dataclasses import dataclass

BOOL = ("true", "false")


@dataclass(frozen=True, slots=True)
class Toggle:
    """One named assumption with its default and the fact that leaves it open."""

    name: str
    default: str
    fact: str
    question: str
    values: tuple[str, ...] = BOOL


TOGGLES: tuple[Toggle, ...] = (
    Toggle("destroy-fast-available", "true", "F7.2",
           "the machine's ultravisor offers Destroy Secure Configuration Fast (bit 23)"),
    Toggle("zapq-dissolves-se-binding", "false", "F6.9",
           "a verified host ZAPQ (F bit 0) dissolves the SE bind/association (UNVERIFIED)"),
    Toggle("uv-resets-queues-on-destroy", "false", "F7.10",
           "Destroy Secure Configuration itself resets and unbinds the guest's AP queues"
           " (UNVERIFIED)"),
    Toggle("qemu-resets-ap-before-unprotect", "false", "F7.10",
           "userspace always issues VFIO_DEVICE_RESET before KVM_PV_DISABLE / ASYNC_PREPARE"
           " (UNVERIFIED for QEMU)"),
    Toggle("ap-reset-faults", "false", "F6.5",
           "AP hardware may be slow or faulty during a reset: outcome classes unverified"
           " (and hung, with the unbounded algorithm) besides verified"),
    Toggle("uv-destroy-faults", "false", "F7.1",
           "a Destroy Secure Configuration / secure-CPU destroy UVC may fail (storage leaked)"),
    Toggle("exit-fput-order", "fd", "F7.5",
           "order of the deferred final __fput() calls in exit_task_work (the dossier gives"
           " none): fd order, reverse fd order, or any order", ("fd", "reverse", "any")),
    Toggle("xics-icp-free-touches-device", "false", "F4.4",
           "before v5.2 (destroy-style XICS) kvmppc_xics_free_icp() at vCPU destroy touches"
           " the XICS state (not stated)"),
    Toggle("loongarch-irqchip-devices", "false", "F4.15",
           "the 2025 destroy-style ipi/eiointc/pch-pic devices exist (release UNVERIFIED)"),
    Toggle("loongarch-vcpu-uses-irqchip", "false", "F4.15",
           "LoongArch vCPU teardown dereferences the irqchip state (UNVERIFIED)"),
)

#: Toggle name -> toggle.
TOGGLE_BY_NAME: dict[str, Toggle] = {toggle.name: toggle for toggle in TOGGLES}


def defaults() -> dict[str, str]:
    """Every toggle at its default value."""
    return {toggle.name: toggle.default for toggle in TOGGLES}
