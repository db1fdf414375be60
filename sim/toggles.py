"""Provides the named toggles: behaviour nobody outside IBM can check.

Where the evidence leaves *behaviour* open (not a release date), the model does not pick an
answer silently: it reads a toggle, records the read, and every verdict lists the toggles its
counterexample (or, for a verdict that holds, its explored transitions) read. Each default is
the side the evidence supports, and the evidence is part of the table (``sim --list-toggles``
prints it), so a reviewer can see why the model assumes what it does. Era boundaries that are
uncertain are features with an ``unverified`` note instead (sim.eras).

Toggles that the evidence has since settled are *retired*: naming one is an error that says
which fact settled it, so an old script fails loudly instead of silently meaning something else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.facts import require_facts

BOOL = ("true", "false")


@dataclass(frozen=True, slots=True)
class Toggle:
    """One named assumption with its default, the fact that leaves it open, and the evidence
    for the default."""

    name: str
    default: str
    fact: str
    question: str
    evidence: str
    """Why the default is the side the evidence supports (commit, file:line, message-id)."""
    values: tuple[str, ...] = BOOL


TOGGLES: tuple[Toggle, ...] = (
    Toggle("destroy-fast-available", "true", "F7.2",
           "the machine's Ultravisor offers Destroy Secure Configuration Fast (bit 23)",
           "b1e428615f15 (v6.6, the series that enables AP for PV guests) relaxes the WARN of"
           " Destroy Fast because that UVC answers 0x104 on AP-capable machines: they offer"
           " it; false models an older machine"),
    Toggle("uv-fast-destroy-refused-while-bound", "true", "F7.11",
           "Destroy Secure Configuration Fast is refused (RC 0x104) while an APQN of the guest"
           " is bound or associated",
           "b1e428615f15 (Viktor Mihajlovski, 20230815151415.379760-2-seiden@linux.ibm.com):"
           " RC 0x104 while bound APQNs remain, the final cleanup is done by the normal"
           " destroy after every APQN was reset; [6.12] pv.c:288"),
    Toggle("uv-destroy-refused-while-bound", "true", "F7.11",
           "the normal Destroy Secure Configuration is refused while an APQN of the guest is"
           " bound or associated (which RC: not public; the kernel treats every non-zero"
           " condition code alike, [6.12] pv.c:390-401)",
           "QEMU ef1535901a0 (Janosch Frank, 20230901114851.154357-1-frankja@linux.ibm.com):"
           " bound APQNs must be reset before unprotect, otherwise the Ultravisor returns an"
           " error code"),
    Toggle("uv-cpu-destroy-refused-while-bound", "false", "F7.11",
           "Destroy Secure CPU is refused too while an APQN of the guest is bound",
           "nobody states it; the PV notifier tries Destroy Fast only when every secure-CPU"
           " destroy succeeded ([6.12] pv.c:549-551), and b1e428615f15 reports RC 0x104 from"
           " that Destroy Fast: the CPU destroys before it were accepted"),
    Toggle("uv-destroy-faults", "false", "F7.1",
           "a Destroy Secure Configuration / Secure CPU UVC fails for a reason other than a"
           " bound APQN (storage leaked on purpose)",
           "faa2f72cb356: such a failure 'should not happen unless the hardware is broken or"
           " KVM has some unknown serious bug'"),
    Toggle("ap-reset-faults", "false", "F6.6",
           "AP hardware faults during a reset: a queue deconfigured or checkstopped mid-reset"
           " (the reset ends unverified) and, with the unbounded algorithm, a queue whose reset"
           " never completes (teardown hangs)",
           "dd174833e44e removed the wait bound because the architecture sets none, not because"
           " resets fail to finish; a queue that never completes is broken hardware. A slow"
           " queue under 6.1's bounded wait is ordinary behaviour and needs no toggle"),
    Toggle("exit-fput-order", "reverse", "F7.5",
           "order of the deferred final __fput() calls in exit_task_work: highest fd first"
           " (reverse), lowest first (fd), or any order (a userspace that renumbers its fds)",
           "[6.12] fs/file.c:405-432 close_files walks the fds upward; fs/file_table.c:517-528"
           " fput queues ____fput with task_work_add, kernel/task_work.c:89-90 pushes it onto"
           " the head, task_work_run runs the list from the head: highest fd first",
           ("reverse", "fd", "any")),
    Toggle("xics-icp-free-touches-device", "false", "F4.4",
           "before v5.2 (destroy-style XICS) kvmppc_xics_free_icp() at vCPU destroy touches"
           " the XICS state",
           "not stated in kernel-facts; F4.6 says the presenter state lives in the vCPU"),
    Toggle("loongarch-irqchip-devices", "false", "F4.15",
           "the 2025 destroy-style ipi/eiointc/pch-pic devices exist",
           "absent from [6.12]; release of the later snapshots UNVERIFIED"),
    Toggle("loongarch-vcpu-uses-irqchip", "false", "F4.15",
           "LoongArch vCPU teardown dereferences the irqchip state",
           "not seen in the stored vcpu.c (UNVERIFIED either way)"),
)

#: Toggle name -> toggle.
TOGGLE_BY_NAME: dict[str, Toggle] = {toggle.name: toggle for toggle in TOGGLES}

require_facts("sim.toggles.TOGGLES", ((repr(t.name), t.fact) for t in TOGGLES))

#: Toggles the evidence settled, with what settled them (naming one is an error).
RETIRED: dict[str, str] = {
    "zapq-dissolves-se-binding": "a verified reset dissolves binding and association (F7.11,"
    " b1e428615f15): a model rule now",
    "uv-resets-queues-on-destroy": "the Ultravisor refuses instead (F7.11): see"
    " uv-destroy-refused-while-bound and uv-fast-destroy-refused-while-bound",
    "qemu-resets-ap-before-unprotect": "userspace is a profile dimension now: --userspace"
    " qemu-8.2 (resets first, ef1535901a0) or qemu-8.1 (F7.12)",
}


def defaults() -> dict[str, str]:
    """Every toggle at its default value."""
    return {toggle.name: toggle.default for toggle in TOGGLES}
