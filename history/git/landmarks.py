"""Provides the landmark table: the upstream commits the teardown-order question turns on.

Each landmark names its upstream hash exactly as a primary source printed it (full or
abbreviated, as that source printed it), the subject, the release it landed in and the fact
id it rests on (the same ids as ``sim.facts``; a test holds the two tables to one hash). In a
real tree a landmark is resolved by hash; in the demo history by the ``Upstream:`` trailer of
the demo commit that models it.
"""

from __future__ import annotations

from history.results import Landmark

LANDMARKS: tuple[Landmark, ...] = (
    Landmark("device-api", "852b6d57dc7fa378019786fa84727036e56839ea",
             "kvm: add device control API", "v3.10", "F1.1",
             "struct kvm_device, kvm_device_ops and device fds are born (refcounted)"),
    Landmark("destroy-devices", "07f0a7bdec5c",
             "kvm: destroy emulated devices on VM exit", "v3.10", "F1.2",
             "refcounts replaced by kvm->devices; kvm_destroy_devices() after arch destroy"),
    Landmark("kvm-vfio", "ec53500fae421e07c5d035918ca454a429732ef4",
             "kvm: Add VFIO device", "v3.13", "F1.7",
             "kvm-vfio pseudo device, destroy-style at birth"),
    Landmark("lock-comment", "a28ebea2adc4a2bef5989a5a181ec238f59fbcad",
             "KVM: Protect device ops->create and list_add with kvm->lock", "v4.11", "F2.3",
             "adds the 'no kvm->lock needed' comment in kvm_destroy_devices()"),
    Landmark("release-callback", "2bde9b3ec8bdf60788e9e2ce8c07a2f8d6003dbd",
             "KVM: Introduce a 'release' method for KVM devices", "v5.2", "F3.5",
             "devices freed at fd close never reach kvm_destroy_devices()"),
    Landmark("pre-destroy", "1aa9b9572b10529c2e64e2b8f44025d86e124308",
             "kvm: x86: mmu: Recovery of shattered NX large pages", "v5.4", "F2.4",
             "kvm_arch_pre_destroy_vm() hook, x86 only"),
    Landmark("kvm-get-safe", "605c713023e3925d0444f495a42c903cb6ce875f",
             "KVM: Introduce kvm_get_kvm_safe()", "v5.15", "F5.3",
             "a reference that must not resurrect a dying VM"),
    Landmark("null-destroy", "17718410388f33716a53ed739a26d72c838d5a3e",
             "KVM: Don't null dereference ops->destroy", "v5.19", "F3.6",
             "destroy may be NULL for release-style devices"),
    Landmark("set-kvm-removal", "421cfe6596f6cb316991c02bf30a93bd81092853",
             "vfio: remove VFIO_GROUP_NOTIFY_SET_KVM", "v5.19", "F5.1",
             "vfio drivers get device->kvm at open instead of a notifier"),
    Landmark("pv-notifier", "ca2fd0609b5ddd15fe57c917a41508a7a9fc17e1",
             "KVM: s390: pv: add mmu_notifier", "v6.0", "F7.4",
             "PV vCPUs destroyed at exit_mm, before any fd is released"),
    Landmark("kvm-vfio-release", "51cdc8bc120ef6e42f6fb758341f5d91bc955952",
             "kvm/vfio: Fix potential deadlock on vfio group_lock", "v6.2", "F5.5",
             "kvm-vfio becomes release-style: off the kvm_destroy_devices() path"),
    Landmark("destroy-fast", "f7866f582b1c9d80d1a3bd0953170185668c52ca",
             "KVM: s390: pv: support for Destroy fast UVC", "v6.2", "F7.3",
             "the PV notifier destroys the secure configuration itself"),
    Landmark("vfio-core-kvm-ref", "2b48f52f2bff8e8926165983f3a3d7b89b33de08",
             "vfio: fix deadlock between group lock and kvm lock", "v6.3", "F5.3",
             "the VFIO core holds a kvm reference while a device is open"),
    Landmark("se-ap-bind", "2d72eaf036d2f2b7ec16cda2d0e7ce292537dad9",
             "s390/ap: implement SE AP bind, unbind and associate", "v6.4", "F6.9",
             "guest-side SE bind/associate of AP queues"),
    Landmark("pv-ap-allow", "899e2206f46aece42d8194c350bc1de71344dbc7",
             "KVM: s390: pv: Allow AP-instructions for pv-guests", "v6.6", "F6.9",
             "AP pass-through to Secure Execution guests"),
    Landmark("vfio-ap-reset-rework", "dd174833e44e7717f88f0925b1f78e9ba1d2626e",
             "s390/vfio-ap: remove upper limit on wait for queue reset to complete", "v6.6",
             "F6.6",
             "the 2023 vfio_ap reset series: unbounded wait, work items, 0x35/0x36"),
    Landmark("unused-decls", "1f8403953f05",
             "KVM: Remove unused kvm_device_{get,put}() declarations", "v6.6", "F1.4",
             "the last trace of device refcounting goes"),
    Landmark("rculist", "ea54dd374232cc3b6d0ac0a89d715d61ebb04bf6",
             "KVM: Treat the device list as an rculist", "v6.10", "F2.8",
             "second paragraph of the kvm_destroy_devices() comment"),
    Landmark("x86-vcpus-first", "17bcd714426386fda741a4bccd96a2870179344b",
             "KVM: x86: Free vCPUs before freeing VM state", "v6.14", "F2.8",
             "x86 frees vCPUs before VM-scoped irqchip state"),
    Landmark("drop-sync-events", "b2aba529bf77ebdc1a1841b884ff841c1d21f6af",
             "KVM: Drop kvm_arch_sync_events() now that all implementations are nops",
             "v6.15", "F2.8", "first step of kvm_destroy_vm() for 16 years goes away"),
)

#: The RFC itself: a proposal, never a commit upstream (kernel-facts F0.1, F0.6).
RFC_MESSAGE_ID = "20220705185430.499688-1-akrowiak@linux.ibm.com"
RFC_SUBJECT = "[RFC] kvm: reverse call order of kvm_arch_destroy_vm() and kvm_destroy_devices()"

BY_KEY: dict[str, Landmark] = {landmark.key: landmark for landmark in LANDMARKS}
