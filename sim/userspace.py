"""Provides the userspace dimension of a profile: which VMM drives the teardown, and how.

The kernel cannot trust userspace, so the default, ``any``, lets userspace issue every
teardown-relevant ioctl and close every fd in every order, and be killed at any point. The
QEMU profiles restrict userspace to what QEMU's own code does (read in QEMU's tree; each
behaviour names the function):

- reboot of a protected guest, ``s390_machine_reset`` (hw/s390x/s390-virtio-ccw.c) for
  S390_RESET_REIPL / S390_RESET_EXTERNAL: since ef1535901a0 (QEMU 8.2) ``subsystem_reset()``
  — which resets the AP bridge, i.e. ``vfio_ap_reset`` issues VFIO_DEVICE_RESET (hw/vfio/ap.c)
  — runs *before* ``s390_machine_unprotect``; before it (8.1) unprotect came first and the AP
  reset only with ``qemu_devices_reset`` after it. All vCPUs are paused during the reset, so
  the guest cannot act in between;
- ``s390_machine_unprotect``: ``s390_pv_vm_try_disable_async`` issues
  KVM_PV_ASYNC_CLEANUP_PREPARE when the guest has more than 2 GiB and the kernel offers
  KVM_CAP_S390_PROTECTED_ASYNC_DISABLE, and on success starts a detached thread that issues
  KVM_PV_ASYNC_CLEANUP_PERFORM; otherwise (or when PREPARE fails) ``s390_pv_vm_disable``
  issues KVM_PV_DISABLE. A failing DISABLE or PERFORM ends QEMU with ``exit(1)``
  (``s390_pv_cmd_exit``, target/s390x/kvm/pv.c);
- QEMU never issues KVM_PV_DISABLE, VFIO_DEVICE_RESET or KVM_DEV_VFIO_FILE_DEL on its own at
  exit: a quit, a crash and a SIGKILL all leave teardown to the kernel's exit path;
- ``device_del`` of the vfio-ap device (``vfio_ap_unrealize``) closes the mdev fd, removes the
  group from kvm-vfio and closes the group and container;
- ``-run-with async-teardown=on`` (util/async-teardown.c, ``init_async_teardown``): a
  ``clone(CLONE_VM)`` helper that closes every inherited fd and sleeps until SIGHUP from
  PR_SET_PDEATHSIG, then waits until it is reparented — i.e. until QEMU has exited completely
  — before ``_exit``. It holds ``mm_users``, so QEMU's own exit_mm tears nothing down and the
  PV notifier runs only when the helper exits (F7.12).

Under ``any`` the helper may be killed at any moment (it is a process like any other), which
the QEMU profiles exclude.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.facts import require_facts


@dataclass(frozen=True, slots=True)
class Userspace:
    """One VMM behaviour profile."""

    name: str
    title: str
    fact: str
    evidence: str
    """QEMU functions and commits the profile was read from."""
    free: bool
    """Every ioctl and close in every order (the kernel's worst case)."""
    reboot: tuple[str, ...] = ()
    """QEMU's reboot script for a protected guest (steps of sim.events._script_step)."""


USERSPACES: dict[str, Userspace] = {
    space.name: space
    for space in (
        Userspace("any", "any userspace: every ioctl and close in every order, killed at any"
                  " point", "F8.20", "the kernel may not trust userspace", free=True),
        Userspace("qemu-8.2", "QEMU from 8.2: AP reset before unprotect on reboot", "F7.12",
                  "hw/s390x/s390-virtio-ccw.c s390_machine_reset (ef1535901a0,"
                  " 20230901114851.154357-1-frankja@linux.ibm.com), s390_machine_unprotect;"
                  " target/s390x/kvm/pv.c s390_pv_vm_try_disable_async, s390_pv_vm_disable;"
                  " hw/vfio/ap.c vfio_ap_reset; util/async-teardown.c",
                  free=False, reboot=("reset-ap", "unprotect", "reset-ap")),
        Userspace("qemu-8.1", "QEMU before 8.2: unprotect first, AP reset after", "F7.12",
                  "hw/s390x/s390-virtio-ccw.c s390_machine_reset before ef1535901a0"
                  " (unprotect, then qemu_devices_reset); target/s390x/kvm/pv.c",
                  free=False, reboot=("unprotect", "reset-ap")),
    )
}

USERSPACE_NAMES: tuple[str, ...] = tuple(USERSPACES)

require_facts("sim.userspace.USERSPACES", ((repr(u.name), u.fact) for u in USERSPACES.values()))
