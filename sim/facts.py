"""Provides the kernel-fact table: every model rule cites one of these ids.

Each fact is one checked statement about the kernel, firmware or QEMU, with its id, title,
file, function, release and upstream commits. The table exists so that every table of the
model can check, when its module is imported, that each feature, step, device, toggle, claim
and event rests on a fact that exists (:func:`require_facts`), and so that the trace of a
counterexample can name the commit behind each step. Hashes are written as a primary source
printed them: 40 hex digits where one did, else the abbreviated form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.errors import ModelError


@dataclass(frozen=True, slots=True)
class Fact:
    """One checked statement the model rests on."""

    id: str
    """``F<section>.<n>``: the id every rule, report and reply cites."""
    title: str
    file: str
    function: str
    version: str
    """Release (or tree) the fact is about; ``[6.1]``/``[6.12]`` are the Debian stable trees."""
    commit: str = ""
    also: tuple[str, ...] = ()
    """Further commits the fact rests on (a boundary, a rework, a removal): with ``commit``,
    the one table of upstream hashes that landmarks and era boundaries must agree with."""

    @property
    def commits(self) -> tuple[str, ...]:
        return tuple(c for c in (self.commit, *self.also) if c)


_K = "virt/kvm/kvm_main.c"
_S390 = "arch/s390/kvm/kvm-s390.c"
_PV = "arch/s390/kvm/pv.c"
_AP = "drivers/s390/crypto/vfio_ap_ops.c"

_TABLE: tuple[Fact, ...] = (
    Fact("F0.1", "RFC: move kvm_destroy_devices() above kvm_arch_destroy_vm()", _K,
         "kvm_destroy_vm", "RFC 2022-07-05"),
    Fact("F0.2", "old NULL-kvm notification to vfio_ap only from kvm_vfio_destroy()",
         "virt/kvm/vfio.c", "kvm_vfio_destroy", "<5.19"),
    Fact("F0.4", "the order traces to 07f0a7bdec5c; refcount dropped in mpic disconnect", _K,
         "kvm_destroy_vm", "RFC thread", "07f0a7bdec5c"),
    Fact("F0.6", "the RFC was not merged", _K, "kvm_destroy_vm", "RFC thread"),
    Fact("F0.7", "Gunthorpe: VFIO users should be told before kvm is partially destroyed", _K,
         "kvm_destroy_vm", "2022-04"),
    Fact("F1.1", "device control API: struct kvm_device, KVM_CREATE_DEVICE", _K,
         "kvm_ioctl_create_device", "v3.10", "852b6d57dc7fa378019786fa84727036e56839ea"),
    Fact("F1.2", "kvm: destroy emulated devices on VM exit", _K, "kvm_destroy_devices",
         "v3.10 (rc UNVERIFIED)", "07f0a7bdec5c"),
    Fact("F1.3", "refcounts replaced by kvm->devices; destroy after kvm_arch_destroy_vm()", _K,
         "kvm_destroy_devices", "v3.10", "07f0a7bdec5c"),
    Fact("F1.4", "leftover kvm_device_get/put declarations removed",
         "include/linux/kvm_host.h", "kvm_device_get", "v6.6", "1f8403953f05"),
    Fact("F1.5", "v3.10-era teardown shape", _K, "kvm_destroy_vm", "v3.10"),
    Fact("F1.6", "kvm_arch_sync_events(): first teardown step", _K, "kvm_arch_sync_events",
         "v2.6.29", "ba4cef31d5a397b64ba6d3ff713ce06c62f0c597",
         also=("b2aba529bf77ebdc1a1841b884ff841c1d21f6af",)),  # its removal (F2.8)
    Fact("F1.7", "kvm-vfio device, destroy-style at birth", "virt/kvm/vfio.c",
         "kvm_vfio_destroy", "v3.13", "ec53500fae421e07c5d035918ca454a429732ef4"),
    Fact("F2.1", "v3.10 kvm_destroy_vm step order", _K, "kvm_destroy_vm", "v3.10"),
    Fact("F2.2", "4.x kvm_destroy_vm additions (uevent, debugfs, refcount_t)", _K,
         "kvm_destroy_vm", "4.x"),
    Fact("F2.3", "kvm->lock comment in kvm_destroy_devices()", _K, "kvm_destroy_devices",
         "v4.11", "a28ebea2adc4a2bef5989a5a181ec238f59fbcad"),
    Fact("F2.4", "kvm_arch_pre_destroy_vm() hook (x86 only)", _K, "kvm_arch_pre_destroy_vm",
         "v5.4", "1aa9b9572b10529c2e64e2b8f44025d86e124308"),
    Fact("F2.5", "kvm_lock mutex, MMU-notifier block, pm notifier", _K, "kvm_destroy_vm", "5.x"),
    Fact("F2.6", "6.1/6.12 kvm_destroy_vm order: arch destroy, then destroy devices", _K,
         "kvm_destroy_vm", "[6.1] [6.12]"),
    Fact("F2.7", "newest upstream: still arch destroy, then destroy devices", _K,
         "kvm_destroy_vm", "[snap]"),
    Fact("F2.8", "2025 x86 teardown changes: vCPUs first, sync_events dropped, EOI work",
         "arch/x86/kvm/x86.c", "kvm_arch_destroy_vm", "v6.14/v6.15",
         "17bcd714426386fda741a4bccd96a2870179344b",
         also=("ea54dd374232cc3b6d0ac0a89d715d61ebb04bf6",
               "b2aba529bf77ebdc1a1841b884ff841c1d21f6af")),
    Fact("F2.9", "no upstream commit reordered the two steps", _K, "kvm_destroy_vm", "-"),
    Fact("F2.10", "Bonzini: everything after kvm_destroy_devices() is reclaiming", _K,
         "kvm_destroy_vm", "2024-09"),
    Fact("F3.1", "comment: no kvm->lock needed, nobody else has a reference", _K,
         "kvm_destroy_devices", "v4.11", "a28ebea2adc4a2bef5989a5a181ec238f59fbcad"),
    Fact("F3.2", "rculist, but plain list_del() in kvm_destroy_devices()", _K,
         "kvm_destroy_devices", "v6.10", "ea54dd374232cc3b6d0ac0a89d715d61ebb04bf6"),
    Fact("F3.3", "comment: destroy may run before or after emulated-I/O destructors",
         "include/linux/kvm_host.h", "kvm_device_ops.destroy", "v3.10",
         "852b6d57dc7fa378019786fa84727036e56839ea"),
    Fact("F3.4", "kvm_device_ops contract: release removes the device from the list",
         "include/linux/kvm_host.h", "kvm_device_release", "[6.12]"),
    Fact("F3.5", "kvm_device_ops.release: device freed on fd close", _K, "kvm_device_release",
         "v5.2", "2bde9b3ec8bdf60788e9e2ce8c07a2f8d6003dbd"),
    Fact("F3.6", "destroy may be NULL for release-style devices", _K, "kvm_destroy_devices",
         "v5.19", "17718410388f33716a53ed739a26d72c838d5a3e"),
    Fact("F3.7", "a device fd pins the VM: kvm_get_kvm at create, kvm_put_kvm at release", _K,
         "kvm_device_release", "all", "cfa39381173d"),
    Fact("F4.1", "x86 kvm_arch_destroy_vm: PIC, IOAPIC, vCPUs (order per era)",
         "arch/x86/kvm/x86.c", "kvm_arch_destroy_vm", "[6.1] [6.12]",
         "17bcd714426386fda741a4bccd96a2870179344b"),
    Fact("F4.2", "x86 kvm_devices: only kvm-vfio", "virt/kvm/vfio.c", "kvm_vfio_destroy",
         "[6.1] [6.12]"),
    Fact("F4.3", "powerpc kvm_arch_destroy_vm: vCPUs, then core destroy",
         "arch/powerpc/kvm/powerpc.c", "kvm_arch_destroy_vm", "[6.1] [6.12]"),
    Fact("F4.4", "powerpc vCPU teardown by irq_type", "arch/powerpc/kvm/powerpc.c",
         "kvm_arch_vcpu_destroy", "[6.1] [6.12]"),
    Fact("F4.5", "MPIC: vCPU disconnect touches openpic; mpic_destroy frees it",
         "arch/powerpc/kvm/mpic.c", "kvmppc_mpic_disconnect_vcpu", "[6.12]"),
    Fact("F4.6", "XICS/XIVE are release-style; struct cached until core destroy",
         "arch/powerpc/kvm/book3s_xics.c", "kvmppc_xics_release", "[6.1] [6.12]"),
    Fact("F4.7", "ppc kvm-vfio and SPAPR TCE", "arch/powerpc/kvm/book3s.c",
         "kvmppc_core_destroy_vm", "[6.1]"),
    Fact("F4.8", "arm64 kvm_arch_destroy_vm: vgic before vCPUs", "arch/arm64/kvm/arm.c",
         "kvm_arch_destroy_vm", "[6.1] [6.12]"),
    Fact("F4.9", "vgic kvm_devices: destroy only frees the shell",
         "arch/arm64/kvm/vgic/vgic-kvm-device.c", "vgic_destroy", "[6.12]"),
    Fact("F4.10", "ITS destroy touches kvm->arch.vgic (embedded in struct kvm)",
         "arch/arm64/kvm/vgic/vgic-its.c", "vgic_its_destroy", "[6.12]"),
    Fact("F4.11", "s390 kvm_arch_destroy_vm: vCPUs, GISA, PV deinit, notifier, sie_page2", _S390,
         "kvm_arch_destroy_vm", "[6.1] [6.12]"),
    Fact("F4.12", "FLIC: destroy-style, nothing in arch destroy touches it", _S390,
         "flic_destroy", "[6.12]"),
    Fact("F4.13", "vfio_ap and zPCI are not kvm_devices; each holds a kvm reference", _AP,
         "vfio_ap_mdev_set_kvm", "[6.12]"),
    Fact("F4.14", "RISC-V: vCPUs, then AIA; AIA device only frees the shell",
         "arch/riscv/kvm/vm.c", "kvm_arch_destroy_vm", "[6.1] [6.12]"),
    Fact("F4.15", "LoongArch: no kvm_devices in 6.12; 2025 irqchip devices",
         "arch/loongarch/kvm/vm.c", "kvm_arch_destroy_vm", "[6.12] [snap]"),
    Fact("F4.16", "MIPS: vCPUs, then GPA page table", "arch/mips/kvm/mips.c",
         "kvm_arch_destroy_vm", "[6.12]"),
    Fact("F5.1", "vfio: remove VFIO_GROUP_NOTIFY_SET_KVM", "drivers/vfio/vfio.c",
         "vfio_group_set_kvm", "v5.19", "421cfe6596f6cb316991c02bf30a93bd81092853"),
    Fact("F5.2", "vfio_file_set_kvm(); kvm-vfio talks to VFIO through files",
         "drivers/vfio/vfio.c", "vfio_file_set_kvm", "v5.19",
         "ba70a89f3c2a8279809ea0fc7684857c91938b8a"),
    Fact("F5.3", "VFIO core holds a kvm reference while a device is open",
         "drivers/vfio/vfio_main.c", "vfio_device_put_kvm", "v6.3",
         "2b48f52f2bff8e8926165983f3a3d7b89b33de08",
         also=("605c713023e3925d0444f495a42c903cb6ce875f",)),  # kvm_get_kvm_safe()
    Fact("F5.4", "kvm pointer flow: FILE/GROUP_ADD -> group->kvm -> device->kvm",
         "virt/kvm/vfio.c", "kvm_vfio_file_set_kvm", "[6.1] [6.12]"),
    Fact("F5.5", "kvm-vfio becomes release-style (6.2; 6.1.y backport)", "virt/kvm/vfio.c",
         "kvm_vfio_release", "v6.2", "51cdc8bc120ef6e42f6fb758341f5d91bc955952"),
    Fact("F5.6", "kvm_vfio_release clears the file's kvm, never closes a device fd",
         "virt/kvm/vfio.c", "kvm_vfio_release", "[6.1] [6.12]"),
    Fact("F5.7", "6.1.y lock order kvm->lock vs group_lock", "virt/kvm/vfio.c",
         "kvm_vfio_release", "[6.1]"),
    Fact("F5.8", "6.0/6.1.0 self-deadlock on the final put under group_lock",
         "virt/kvm/vfio.c", "kvm_vfio_destroy", "6.0/6.1.0",
         also=("421cfe6596f6cb316991c02bf30a93bd81092853",)),  # the 5.19 set_kvm rework (F5.1)
    Fact("F6.1", "vfio_ap open_device/close_device", _AP, "vfio_ap_mdev_close_device",
         "[6.1] [6.12]"),
    Fact("F6.2", "vfio_ap_mdev_set_kvm takes its own kvm reference", _AP,
         "vfio_ap_mdev_set_kvm", "v4.20 era (first commit UNVERIFIED)", "258287c994de"),
    Fact("F6.3", "unset_kvm: clear masks, reset queues, clear kvm, put kvm", _AP,
         "vfio_ap_mdev_unset_kvm", "[6.1] [6.12]"),
    Fact("F6.4", "CRYCB and GISA live in sie_page2, freed in kvm_arch_destroy_vm", _S390,
         "kvm_arch_crypto_clear_masks", "[6.12]"),
    Fact("F6.5", "reset, bounded: 1 retry after 20 ms, 2 TAPQ polls", _AP,
         "vfio_ap_mdev_reset_queue", "[6.1]"),
    Fact("F6.6", "reset, unbounded work item polling every 20 ms", _AP, "apq_reset_check",
         "v6.6", "dd174833e44e7717f88f0925b1f78e9ba1d2626e"),
    Fact("F6.7", "PQAP(AQIC): pin NIB, register GISC; disable frees them", _AP,
         "vfio_ap_irq_enable", "[6.1] [6.12]"),
    Fact("F6.8", "VFIO_DEVICE_RESET resets all queues of the mdev", _AP,
         "vfio_ap_mdev_reset_queues", "[6.1] [6.12]"),
    Fact("F6.9", "SE bind/associate are guest actions (BAPQ/AAPQ); AP for PV guests",
         "drivers/s390/crypto/ap_queue.c", "ap_bapq", "v6.4 / v6.6",
         "2d72eaf036d2f2b7ec16cda2d0e7ce292537dad9",
         also=("899e2206f46aece42d8194c350bc1de71344dbc7",)),  # host: AP for PV guests
    Fact("F6.10", "nothing in vfio_ap reacts to PV state changes", _AP,
         "vfio_ap_mdev_reset_queues", "[6.12]"),
    # PV lifecycle (29b40f105ec8d55, as the Fixes: tags of later pv.c patches on the kvm list
    # print it) and the ASCE leak on failure (faa2f72cb356, full hash from its stable backport).
    Fact("F7.1", "Destroy Secure Configuration; leak on failure", _PV, "kvm_s390_pv_deinit_vm",
         "[6.1] [6.12]", also=("29b40f105ec8d55", "faa2f72cb3569256480c5540d242c84e99965160")),
    Fact("F7.2", "Destroy Secure Configuration Fast (UV bit 23)", _PV,
         "kvm_s390_pv_deinit_vm_fast", "v6.2", "f7866f582b1c9d80d1a3bd0953170185668c52ca"),
    Fact("F7.3", "KVM_PV_DISABLE and asynchronous cleanup PREPARE/PERFORM", _S390,
         "kvm_s390_handle_pv", "v6.2", also=("f7866f582b1c9d80d1a3bd0953170185668c52ca",)),
    Fact("F7.4", "PV mmu_notifier release: secure vCPUs out, then destroy-fast (6.2+)", _PV,
         "kvm_s390_pv_mmu_notifier_release", "v6.0",
         "ca2fd0609b5ddd15fe57c917a41508a7a9fc17e1",
         also=("f7866f582b1c9d80d1a3bd0953170185668c52ca",)),  # destroy-fast in the notifier
    Fact("F7.5", "do_exit: exit_mm (notifier release) before fds are released",
         "kernel/exit.c", "do_exit", "[6.1] [6.12]"),
    Fact("F7.6", "kvm_s390_pv_deinit_cleanup_all: current + set-aside configurations", _PV,
         "kvm_s390_pv_deinit_cleanup_all", "[6.12]"),
    Fact("F7.7", "GISA destroy; WARN if an ISC is still registered",
         "arch/s390/kvm/interrupt.c", "kvm_s390_gisa_destroy", "[6.1] [6.12]",
         # the 6.6 WARN, as the kvm-s390-master-6.6-1 pull request names it
         also=("f87ef5723536a6545ed9c43e18b13a9faceb3c80",)),
    Fact("F7.8", "comment: end of life, fd closed, nobody can change PV state", _S390,
         "kvm_arch_destroy_vm", "[6.1] [6.12]"),
    Fact("F7.9", "kvm_destroy_vm() is unreachable while vfio_ap holds its kvm", _K,
         "kvm_destroy_vm", "all"),
    Fact("F7.10", "scenarios where the SE config goes before the AP reset", _PV,
         "kvm_s390_pv_mmu_notifier_release", "[6.12]"),
    Fact("F7.11", "the Ultravisor refuses to destroy a configuration with bound APQNs", _PV,
         "kvm_s390_pv_deinit_vm_fast", "v6.6", "b1e428615f154c87a94267b67e819644b50948f8"),
    Fact("F7.12", "QEMU: AP reset before unprotect (8.2); async-teardown helper",
         "hw/s390x/s390-virtio-ccw.c (QEMU)", "s390_machine_reset", "QEMU 8.2",
         "ef1535901a0"),
    Fact("F7.13", "AP for PV guests only from v6.6; an unbound queue is unusable", _PV,
         "kvm_s390_pv_init_vm", "v6.6", "899e2206f46aece42d8194c350bc1de71344dbc7"),
    Fact("F8.1", "kvm_destroy_devices: no kvm->lock needed", _K, "kvm_destroy_devices",
         "v4.11", "a28ebea2adc4a2bef5989a5a181ec238f59fbcad"),
    Fact("F8.2", "kvm_device_ops.destroy: before or after I/O destructors",
         "include/linux/kvm_host.h", "kvm_device_ops.destroy", "v3.10"),
    Fact("F8.3", "kvm_device_ops header: release-style never reaches destroy",
         "include/linux/kvm_host.h", "kvm_device_ops", "[6.12]"),
    Fact("F8.4", "MMU-notifier block: last reference gone", _K, "kvm_destroy_vm", "[6.12]"),
    Fact("F8.5", "kvm_vcpu_destroy: all fds gone at destruction", _K, "kvm_vcpu_destroy",
         "[6.1] [6.12]"),
    Fact("F8.6", "kvm_put_kvm_no_destroy never drops the last reference", _K,
         "kvm_put_kvm_no_destroy", "[6.12]"),
    Fact("F8.7", "vfio_ap lock order guests_lock -> kvm->lock -> rwsem -> mdevs_lock", _AP,
         "get_update_locks_for_kvm", "[6.1]"),
    Fact("F8.8", "vfio_device.kvm: driver must take its own reference (6.1 only)",
         "include/linux/vfio.h", "vfio_device", "[6.1]"),
    Fact("F8.9", "final kvm put may run under VFIO locks (6.12)", "drivers/vfio/group.c",
         "vfio_df_group_close", "[6.12]"),
    Fact("F8.10", "s390 kvm_arch_destroy_vm: end of life, no kvm->lock", _S390,
         "kvm_arch_destroy_vm", "[6.1] [6.12]"),
    Fact("F8.11", "PV notifier: last thread of the last mm user; kvm valid if it runs", _PV,
         "kvm_s390_pv_mmu_notifier_release", "v6.0",
         "ca2fd0609b5ddd15fe57c917a41508a7a9fc17e1"),
    Fact("F8.12", "cleanup_all needs kvm->lock unless called from arch destroy", _PV,
         "kvm_s390_pv_deinit_cleanup_all", "[6.12]"),
    Fact("F8.13", "failed secure-CPU destroy leaks its storage on purpose", _S390,
         "kvm_s390_cpus_from_pv", "[6.1] [6.12]"),
    Fact("F8.14", "mpic disconnect should only happen right before the mpic is destroyed",
         "arch/powerpc/kvm/mpic.c", "kvmppc_mpic_disconnect_vcpu", "v3.10",
         "07f0a7bdec5c"),
    Fact("F8.15", "XICS/XIVE release: no fd refers to the device", "arch/powerpc/kvm/book3s_xics.c",
         "kvmppc_xics_release", "[6.1] [6.12]"),
    Fact("F8.16", "x86 pre_destroy: cancel IOAPIC EOI work before vCPUs die",
         "arch/x86/kvm/x86.c", "kvm_arch_pre_destroy_vm", "[6.12]"),
    Fact("F8.17", "vgic: redistributor unregistration deferred to kvm_vgic_destroy",
         "arch/arm64/kvm/vgic/vgic-init.c", "__kvm_vgic_vcpu_destroy", "[6.12]"),
    Fact("F8.18", "kvm_irqfd_release waits for irqfd shutdown", "virt/kvm/eventfd.c",
         "kvm_irqfd_release", "[6.1] [6.12]"),
    Fact("F8.19", "vfio-ap.rst still describes the SET_KVM notifier",
         "Documentation/arch/s390/vfio-ap.rst", "-", "[6.12]"),
    Fact("F8.20", "a VM lives until the last reference to it is gone",
         "Documentation/virt/kvm/api.rst", "kvm_vm_release", "[6.12]"),
)

#: Fact id -> fact.
FACTS: dict[str, Fact] = {fact.id: fact for fact in _TABLE}


def fact(fact_id: str) -> Fact:
    """The fact with this id (KeyError if there is none)."""
    return FACTS[fact_id]


def commit_of(fact_id: str) -> str:
    """The commit a fact names, or '' (unknown ids give '' too: validation reports them)."""
    known = FACTS.get(fact_id)
    return known.commit if known else ""


def require_facts(table: str, cited: Iterable[tuple[str, str]]) -> None:
    """Raise ModelError naming every ``(entry, fact id)`` of ``table`` whose fact is unknown.

    Each table module calls this once, when it is imported, so a rule never rests on a fact
    the table lacks and no profile has to check the tables again."""
    unknown = [f"{table} entry {entry} cites unknown fact {fact_id!r}"
               for entry, fact_id in cited if fact_id not in FACTS]
    if unknown:
        raise ModelError("; ".join(unknown))
