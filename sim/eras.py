"""Provides kernel eras: version parsing and the feature table an era's feature set derives from.

A profile never branches on a version number: it asks whether a *feature* is present, and the
feature table below says, for each feature, since which release it exists (and until which,
if it was removed), the kernel fact it rests on and the commit that introduced it.

Stable backports. ``--era X.Y`` means the mainline release X.Y, except for the two trees
the facts were read in, which are Debian *stable* trees: 6.1 is 6.1.192 and 6.12 is
6.12.117. A feature backported to one of those (kvm-vfio release-style in 6.1.y, F5.5; the x86
vCPUs-first reorder and the IOAPIC EOI-work cancel in 6.12.y, F2.8) is therefore present in
``--era 6.1`` / ``--era 6.12``; other stable trees are not modelled.

The refcount era. 852b6d57dc7f (device API) and 07f0a7bdec5c (device list) both landed for
v3.10, so no release had refcounted devices. ``--era 3.9`` stands for the kvm-ppc tree between
the two (the only place device refcounting existed); every feature marked so says it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sim.errors import SimError
from sim.facts import commit_of, require_facts

Version = tuple[int, int]
"""(major, minor) of a mainline release."""

#: Highest minor number of each major release the model knows (3.9 .. 6.18).
_LAST_MINOR = {3: 19, 4: 20, 5: 19, 6: 18}
OLDEST: Version = (3, 9)
NEWEST: Version = (6, 18)

#: Every release the model accepts, oldest first.
RELEASES: tuple[Version, ...] = tuple(
    (major, minor) for major, last in _LAST_MINOR.items() for minor in range(last + 1)
    if OLDEST <= (major, minor) <= NEWEST)

_ERA_RE = re.compile(r"^v?(\d+)\.(\d+)$")


def parse_era(text: str) -> Version:
    """``"6.12"`` (or ``"v6.12"``) -> (6, 12); SimError for anything outside 3.9 .. 6.18."""
    match = _ERA_RE.match(text.strip())
    if not match:
        raise SimError(f"era {text!r} is not X.Y (e.g. 6.12)")
    version = (int(match.group(1)), int(match.group(2)))
    last = _LAST_MINOR.get(version[0])
    if last is None or version[1] > last or not OLDEST <= version <= NEWEST:
        raise SimError(f"era {text!r} is not a release between 3.9 and 6.18")
    return version


def format_version(version: Version) -> str:
    """(6, 12) -> "6.12"."""
    return f"{version[0]}.{version[1]}"


@dataclass(frozen=True, slots=True)
class Feature:
    """One era switch of the kernel, tied to a fact and (where known) its commit."""

    name: str
    title: str
    fact: str
    since: Version | None
    """First mainline release with it; None: in no mainline release the model covers."""
    until: Version | None = None
    """First mainline release without it (removed), or None."""
    commit: str = ""
    """The boundary's upstream commit; left out, the commit of ``fact`` (one table of hashes),
    ``NO_COMMIT`` where none is known although the fact names one."""
    backports: tuple[Version, ...] = ()
    """Stable trees (as the facts read them) that carry it although mainline X.Y does not."""
    unverified: str = ""
    """What the facts could not confirm about this boundary; shown with every run near it."""
    everywhere: bool = False
    """The uncertainty is not about a date but about the feature itself: note it in every era."""

    def __post_init__(self) -> None:
        if not self.commit:
            object.__setattr__(self, "commit", commit_of(self.fact))
        elif self.commit == NO_COMMIT:
            object.__setattr__(self, "commit", "")

    def near(self, era: Version) -> bool:
        """The era is within one release of a boundary (where an uncertain date matters)."""
        if self.everywhere:
            return True
        index = RELEASES.index(era)
        bounds = [v for v in (self.since, self.until) if v is not None and v in RELEASES]
        return any(abs(RELEASES.index(v) - index) <= 1 for v in bounds)

    def present(self, era: Version) -> bool:
        """Whether the era's tree has this feature."""
        if era in self.backports:
            return True
        if self.since is None or era < self.since:
            return False
        return self.until is None or era < self.until


NO_COMMIT = "-"
"""A feature's ``commit`` when its boundary has no known commit although its fact has one."""

_PRE = "3.9 stands for the kvm-ppc tree between 852b6d57dc7f and 07f0a7bdec5c (F1.1, F1.2)"

FEATURES: tuple[Feature, ...] = (
    Feature("device-api", "KVM_CREATE_DEVICE, struct kvm_device, device fds", "F1.1", (3, 9),
            unverified=_PRE),
    Feature("device-refcount", "devices refcounted; the last vCPU's put destroys them", "F1.3",
            (3, 9), until=(3, 10),
            unverified=_PRE + "; the rc of 07f0a7bdec5c is UNVERIFIED"),
    Feature("destroy-devices", "kvm->devices; kvm_destroy_devices() after arch destroy", "F1.3",
            (3, 10)),
    Feature("sync-events", "kvm_arch_sync_events() is the first teardown step", "F1.6",
            (3, 9), until=(6, 15), commit="b2aba529bf77ebdc1a1841b884ff841c1d21f6af"),
    Feature("kvm-vfio", "kvm-vfio pseudo device (destroy-style at birth)", "F1.7", (3, 13),
            unverified="release v3.13 UNVERIFIED (F1.7)"),
    Feature("destroy-devices-comment", "the 'no kvm->lock needed' comment exists", "F2.3",
            (4, 11),
            unverified="release v4.11 UNVERIFIED (F2.3)"),
    Feature("vfio-ap", "vfio_ap mediated device passes AP queues to a guest", "F6.2", (4, 20),
            unverified="v4.20 era, exact release UNVERIFIED (F6.2)"),
    Feature("vfio-ap-kvm-ref", "vfio_ap takes its own kvm reference in set_kvm", "F6.2",
            (4, 20),
            unverified="first commit UNVERIFIED: 258287c994de or the 2020/2021 rework (F6.2);"
            " --feature vfio-ap-kvm-ref=off models the RFC's premise", everywhere=True),
    Feature("release-callback", "kvm_device_ops.release: freed on fd close", "F3.5", (5, 2)),
    Feature("pre-destroy-hook", "kvm_arch_pre_destroy_vm() (x86 only)", "F2.4", (5, 4)),
    Feature("pv", "s390 Protected Virtualization: a secure configuration per guest", "F7.1",
            (5, 7), commit="29b40f105ec8d55",
            unverified="kernel-facts does not date KVM PV itself; 29b40f105ec8 (KVM_PV_ENABLE/"
            "DISABLE) is named by faa2f72cb356's Fixes: tag, v5.7 is assumed"),
    Feature("pv-leak-asce", "a failed Destroy Secure Configuration replaces the ASCE and leaks"
            " the old top-level table", "F7.1", (6, 0),
            commit="faa2f72cb3569256480c5540d242c84e99965160",
            unverified="v5.20/6.0 merge window, with stable backports (F7.1)"),
    Feature("set-kvm-notifier", "VFIO_GROUP_NOTIFY_SET_KVM hands kvm to vfio drivers", "F5.1",
            (3, 9), until=(5, 19)),
    Feature("vfio-group-lock", "VFIO device close runs close_device (and the kvm put) under"
            " group_lock; vfio_file_set_kvm takes it", "F5.8", (5, 19),
            commit="421cfe6596f6cb316991c02bf30a93bd81092853"),
    Feature("pv-mmu-notifier", "PV mmu_notifier: exit_mm converts secure vCPUs", "F7.4",
            (6, 0)),
    Feature("destroy-fast", "the PV notifier destroys the secure config (Destroy Fast)", "F7.4",
            (6, 2), commit="f7866f582b1c9d80d1a3bd0953170185668c52ca"),
    Feature("pv-async-cleanup", "KVM_PV_ASYNC_CLEANUP_PREPARE/PERFORM, cleanup_all", "F7.3",
            (6, 2), commit="f7866f582b1c9d80d1a3bd0953170185668c52ca",
            unverified="the async-destroy commits are pinned only by the 6.2 pull (F7.3)"),
    Feature("kvm-vfio-release", "kvm-vfio is release-style: never in kvm_destroy_devices",
            "F5.5", (6, 2),
            backports=((6, 1),)),
    Feature("vfio-core-kvm-ref", "VFIO core holds a kvm reference while a device is open",
            "F5.3", (6, 3)),
    Feature("guest-se-bind", "guest AP bus: SE bind/associate (BAPQ/AAPQ)", "F6.9", (6, 4)),
    Feature("reset-unbounded", "vfio_ap reset waits without bound in a work item", "F6.6",
            (6, 6)),
    Feature("destroy-fast-warn-relaxed", "Destroy Fast refused with RC 0x104 does not WARN",
            "F7.11", (6, 6)),
    Feature("gisa-destroy-warn", "kvm_s390_gisa_destroy WARNs on a non-zero alert mask",
            "F7.7", (6, 6), commit="f87ef5723536a6545ed9c43e18b13a9faceb3c80"),
    Feature("pv-ap", "AP instructions allowed for PV guests", "F6.9", (6, 6),
            commit="899e2206f46aece42d8194c350bc1de71344dbc7"),
    Feature("device-rculist", "kvm->devices is an rculist (no effect on the model)", "F3.2",
            (6, 10)),
    Feature("riscv-aia", "RISC-V AIA kvm_device and kvm_riscv_aia_destroy_vm()", "F4.14",
            (6, 12), unverified="present in [6.12], absent in [6.1]; first release UNVERIFIED"),
    Feature("x86-vcpus-first", "x86 frees vCPUs before PIC/IOAPIC", "F2.8", (6, 14),
            backports=((6, 12),)),
    Feature("x86-nested-exit-reads-pic", "leaving nested mode at vCPU free reads the PIC",
            "F2.8", (6, 15), commit=NO_COMMIT,
            unverified="[6.1] and [6.12] vmx/nested.c nested_vmx_vmexit reads no PIC state on"
            " teardown; the CVE-2026-74517 fix says newer code does (the 20250224235542 nVMX"
            " patch, v6.15 assumed)"),
    Feature("x86-eoi-cancel", "IOAPIC EOI work cancelled in kvm_arch_pre_destroy_vm()",
            "F2.8", None, backports=((6, 12),), commit=NO_COMMIT,
            unverified="2026 fix (CVE-2026-74517): mainline hash and release not seen;"
            " stable 6.12.105+", everywhere=True),
)

#: Feature name -> feature.
FEATURE_BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}

require_facts("sim.eras.FEATURES", ((repr(f.name), f.fact) for f in FEATURES))


def features_for(era: Version) -> frozenset[str]:
    """The names of the features present in the era's tree."""
    return frozenset(feature.name for feature in FEATURES if feature.present(era))
