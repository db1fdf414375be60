"""kvm_destroy_vm() and each arch's teardown, read from the real 6.1 and 6.12 trees.

Every expected line number is the one its fact cites (fact id in each test); where the
fact gives a range, the comment delimiters or closing brace may sit one line outside it.
"""

from __future__ import annotations

from history.results import StepList
from history.tree import extract
from history.tree.anchors import ANCHORS, find
from history.tree.extract import ARCH_FILES, KVM_HOST, KVM_MAIN, S390, X86
from history.tree.source import KernelSource

Kernel = tuple[str, KernelSource]


def _lines(listing: StepList, *names: str) -> list[int]:
    return [next(s.line for s in listing.steps if s.name == n) for n in names]


def test_destroy_vm_order_and_lines(kernel: Kernel) -> None:
    """F2.6 / F1.3: kvm_arch_destroy_vm() then kvm_destroy_devices(), at the cited lines."""
    release, src = kernel
    listing = extract.steps(src, KVM_MAIN, "kvm_destroy_vm")
    assert listing is not None and listing.rev == src.rev
    span, arch_dev = {"6.1": ((1298, 1349), [1336, 1337]),
                      "6.12": ((1308, 1368), [1353, 1354])}[release]
    assert (listing.start, listing.end) == span
    assert _lines(listing, "kvm_arch_destroy_vm", "kvm_destroy_devices") == arch_dev
    names = listing.names
    major = ["kvm_destroy_pm_notifier", "kvm_uevent_notify_change", "kvm_destroy_vm_debugfs",
             "kvm_arch_sync_events", "kvm_arch_pre_destroy_vm", "kvm_free_irq_routing",
             "kvm_io_bus_destroy", "kvm_coalesced_mmio_free", "mmu_notifier_unregister",
             "kvm_arch_destroy_vm", "kvm_destroy_devices", "kvm_free_memslots",
             "cleanup_srcu_struct", "kvm_arch_free_vm", "mmdrop"]
    assert _ordered(names, *major)
    destroy_devices = extract.function_line(src, KVM_MAIN, "kvm_destroy_devices")
    assert destroy_devices == {"6.1": 1283, "6.12": 1287}[release]


def test_destroy_vm_conditions_and_era_steps(tree: Kernel) -> None:
    """F2.5 / F2.6: #if branches of the MMU-notifier block, module_put and the renames."""
    release, src = tree
    listing = extract.steps(src, KVM_MAIN, "kvm_destroy_vm")
    assert listing is not None
    unregister, flush = listing.find("mmu_notifier_unregister"), listing.find("kvm_flush_shadow_all")
    assert unregister is not None and flush is not None
    if release == "6.1":
        assert unregister.condition == \
            "defined(CONFIG_MMU_NOTIFIER) && defined(KVM_ARCH_WANT_MMU_NOTIFIER)"
        assert flush.condition == f"!({unregister.condition})"
        assert listing.find("module_put") is not None and \
            listing.find("module_put").line == 1348  # type: ignore[union-attr]
        assert "hardware_disable_all" in listing.names
    else:
        assert unregister.condition == "CONFIG_KVM_GENERIC_MMU_NOTIFIER"
        assert flush.condition == "!CONFIG_KVM_GENERIC_MMU_NOTIFIER"
        xa = listing.find("xa_destroy")
        assert xa is not None and xa.condition == "CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES"
        assert "module_put" not in listing.names
        assert "kvm_disable_virtualization" in listing.names
        assert "kvm_arch_nr_memslot_as_ids" in listing.names


def test_pre_destroy_hook(tree: Kernel) -> None:
    """F2.4: a weak generic kvm_arch_pre_destroy_vm() and the call; x86 implements it."""
    release, src = tree
    assert extract.function_line(src, KVM_MAIN, "kvm_arch_pre_destroy_vm") == \
        {"6.1": 1132, "6.12": 1130}[release]
    assert extract.function_line(src, X86, "kvm_arch_pre_destroy_vm") == \
        {"6.1": 12698, "6.12": 12133}[release]


def test_comment_anchors(tree: Kernel) -> None:
    """F3.1-F3.4, F5.4, F7.8, F8.4, F8.5, F8.11, F8.12, F8.14-F8.16 at the cited lines."""
    release, src = tree
    found = {a.key: find(src, a) for a in ANCHORS}
    starts = {k: (c.start, c.end) if c else None for k, c in found.items()}
    expected = {
        "6.1": {"destroy-devices-lock": (1287, 1291), "destroy-devices-rculist": None,
                "ops-destroy": (2132, 2139), "vcpu-destroy-pid": (498, 502),
                "vfio-device-kvm": (46, 46), "s390-destroy-vm": (3300, 3305),
                "pv-cleanup-all": None, "mpic-disconnect": (1772, 1776),
                "x86-pre-destroy": None},
        "6.12": {"destroy-devices-lock": (1291, 1301), "destroy-devices-rculist": (1291, 1301),
                 "ops-destroy": (2278, 2285), "vcpu-destroy-pid": (509, 513),
                 "vfio-device-kvm": None, "s390-destroy-vm": (3466, 3470),
                 "pv-cleanup-all": (406, 421), "mpic-disconnect": (1772, 1776),
                 "x86-pre-destroy": (12135, 12144)},
    }[release]
    for key, span in expected.items():
        assert starts[key] == span, key
    for key in ("ops-release", "ops-mandatory", "destroy-vm-memslots", "pv-notifier",
                "xics-release"):
        assert found[key] is not None, key


def test_stale_device_refcount_declarations(tree: Kernel) -> None:
    """F1.4: kvm_device_get/put declared in 6.1 kvm_host.h:2159-2160, gone in 6.12."""
    release, src = tree
    cfile = src.cfile(KVM_HOST)
    assert cfile is not None
    lines = [*cfile.identifier_lines("kvm_device_get"), *cfile.identifier_lines("kvm_device_put")]
    assert lines == ([2159, 2160] if release == "6.1" else [])
    assert cfile.function("kvm_device_get") is None


def _names(src: KernelSource, path: str, fn: str) -> tuple[str, ...]:
    listing = extract.steps(src, path, fn)
    assert listing is not None, (path, fn)
    return listing.names


def _ordered(names: tuple[str, ...], *wanted: str) -> bool:
    positions = [names.index(w) for w in wanted]
    return positions == sorted(positions)


def test_x86_teardown(tree: Kernel) -> None:
    """F4.1 / F2.8: 6.1 frees PIC and IOAPIC before vCPUs; 6.12 (17bcd7144263) after."""
    release, src = tree
    names = _names(src, X86, "kvm_arch_destroy_vm")
    if release == "6.1":
        assert _ordered(names, "kvm_unload_vcpu_mmus", "kvm_pic_destroy", "kvm_ioapic_destroy",
                        "kvm_destroy_vcpus", "kvm_mmu_uninit_vm", "kvm_page_track_cleanup",
                        "kvm_xen_destroy_vm", "kvm_hv_destroy_vm")
    else:
        assert names[names.index("kvm_unload_vcpu_mmus") + 1] == "kvm_destroy_vcpus"
        assert _ordered(names, "kvm_destroy_vcpus", "kvm_x86_call(vm_destroy)",
                        "kvm_free_msr_filter", "kvm_pic_destroy", "kvm_ioapic_destroy")


def test_powerpc_teardown(tree: Kernel) -> None:
    """F4.3 / F4.4: vCPUs first, then core destroy; vCPU destroy disconnects the MPIC."""
    _, src = tree
    powerpc = ARCH_FILES["powerpc"]
    listing = extract.steps(src, powerpc, "kvm_arch_destroy_vm")
    assert listing is not None
    kick = listing.find("kick_all_cpus_sync")
    assert kick is not None and kick.condition == "CONFIG_KVM_XICS"
    assert _ordered(listing.names, "kvm_destroy_vcpus", "kvmppc_core_destroy_vm", "module_put")
    vcpu = _names(src, powerpc, "kvm_arch_vcpu_destroy")
    assert _ordered(vcpu, "hrtimer_cancel", "kvmppc_mpic_disconnect_vcpu",
                    "kvmppc_xics_free_icp", "kvmppc_xive_native_cleanup_vcpu",
                    "kvmppc_core_vcpu_free", "kvmppc_subarch_vcpu_uninit")
    assert extract.steps(src, powerpc, "kvm_arch_vcpu_free") is None  # gone since 5.x


def test_arm64_teardown(tree: Kernel) -> None:
    """F4.8: vgic torn down before vCPUs in both trees."""
    release, src = tree
    names = _names(src, ARCH_FILES["arm64"], "kvm_arch_destroy_vm")
    assert _ordered(names, "bitmap_free", "free_cpumask_var", "kvm_vgic_destroy",
                    "kvm_destroy_vcpus", "kvm_unshare_hyp")
    if release == "6.12":
        assert _ordered(names, "kvm_vgic_destroy", "pkvm_destroy_hyp_vm",
                        "kvm_destroy_mpidr_data", "kvm_destroy_vcpus", "kvm_unshare_hyp",
                        "kvm_destroy_nested", "kvm_arm_teardown_hypercalls")


def test_s390_teardown(tree: Kernel) -> None:
    """F4.11: vCPUs, SCA, GISA, PV config, notifier, sie_page2, gmap, adapters, float IRQs."""
    release, src = tree
    listing = extract.steps(src, S390, "kvm_arch_destroy_vm")
    assert listing is not None and listing.start == {"6.1": 3293, "6.12": 3459}[release]
    pv = "kvm_s390_pv_deinit_vm" if release == "6.1" else "kvm_s390_pv_deinit_cleanup_all"
    assert _ordered(listing.names, "kvm_destroy_vcpus", "sca_dispose", "kvm_s390_gisa_destroy",
                    pv, "mmu_notifier_unregister", "debug_unregister", "free_page",
                    "gmap_remove", "kvm_s390_destroy_adapters", "kvm_s390_clear_float_irqs",
                    "kvm_s390_vsie_destroy")
    free = listing.find("free_page")
    assert free is not None and "sie_page2" in free.args[0]
    gisa = extract.function_line(src, "arch/s390/kvm/interrupt.c", "kvm_s390_gisa_destroy")
    assert gisa == {"6.1": 3194, "6.12": 3205}[release]  # F7.7


def test_riscv_loongarch_mips_teardown(tree: Kernel) -> None:
    """F4.14-F4.16."""
    release, src = tree
    riscv = _names(src, ARCH_FILES["riscv"], "kvm_arch_destroy_vm")
    mips = _names(src, ARCH_FILES["mips"], "kvm_arch_destroy_vm")
    assert mips == ("kvm_destroy_vcpus", "kvm_mips_free_gpa_pt")
    if release == "6.1":
        assert riscv == ("kvm_destroy_vcpus",)
        assert not src.exists(ARCH_FILES["loongarch"])
    else:
        assert riscv == ("kvm_destroy_vcpus", "kvm_riscv_aia_destroy_vm")
        assert _names(src, ARCH_FILES["loongarch"], "kvm_arch_destroy_vm")[0] == \
            "kvm_destroy_vcpus"


def test_device_fd_pins_the_vm(tree: Kernel) -> None:
    """F3.7: kvm_get_kvm() before anon_inode_getfd(); kvm_device_release() ends with a put."""
    release, src = tree
    create = extract.steps(src, KVM_MAIN, "kvm_ioctl_create_device")
    release_fn = extract.steps(src, KVM_MAIN, "kvm_device_release")
    assert create is not None and release_fn is not None
    get = create.find("kvm_get_kvm")
    assert get is not None and get.line == {"6.1": 4479, "6.12": 4883}[release]
    assert _ordered(create.names, "kvm_get_kvm", "anon_inode_getfd")
    assert (release_fn.start, release_fn.end) == {"6.1": (4383, 4397),
                                                   "6.12": (4786, 4801)}[release]
    assert release_fn.names[-1] == "kvm_put_kvm"
