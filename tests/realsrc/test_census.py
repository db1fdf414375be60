"""The device census of the real trees against kernel-facts §3-§4 (the §4.6 table from code)."""

from __future__ import annotations

from history.tree import extract
from history.tree.census import census
from history.tree.extract import ARCH_FILES
from history.tree.source import KernelSource

Kernel = tuple[str, KernelSource]

DEVICES = {
    ("arm64", "kvm-arm-vgic-v2", "destroy"), ("arm64", "kvm-arm-vgic-v3", "destroy"),
    ("arm64", "kvm-arm-vgic-its", "destroy"), ("powerpc", "kvm-mpic", "destroy"),
    ("powerpc", "kvm-xics", "release"), ("powerpc", "kvm-xive", "release"),
    ("powerpc", "kvm-xive-native", "release"), ("s390", "kvm-flic", "destroy"),
    ("generic", "kvm-vfio", "release"),
}


def test_every_device_kind_and_its_style(kernel: Kernel) -> None:
    """F3.5 / F5.5: release-style are XICS, XIVE, XIVE-native and kvm-vfio (6.1.192 too)."""
    release, src = kernel
    kinds = {(d.arch, d.name, d.style) for d in extract.device_types(src)}
    expected = DEVICES | ({("riscv", "kvm-riscv-aia", "destroy")} if release == "6.12" else set())
    assert kinds == expected
    for device in extract.device_types(src):
        assert device.evidence.rev == src.rev and device.registrations, device.symbol


def test_registration_sites_6_12(kernel_cache: object) -> None:
    """§4 header: where each ops table is registered in 6.12, MPIC under CONFIG_KVM_MPIC."""
    from tests.realsrc.conftest import source

    src = source("6.12", "dir")
    sites = {d.symbol: [(r.where, r.note) for r in d.registrations] for d in extract.device_types(src)}
    assert sites["kvm_flic_ops"] == [("arch/s390/kvm/kvm-s390.c:497", "KVM_DEV_TYPE_FLIC")]
    assert sites["kvm_arm_vgic_v2_ops"][0][0] == "arch/arm64/kvm/vgic/vgic-kvm-device.c:327"
    assert sites["kvm_arm_vgic_v3_ops"][0][0] == "arch/arm64/kvm/vgic/vgic-kvm-device.c:331"
    assert sites["kvm_arm_vgic_its_ops"][0][0] == "arch/arm64/kvm/vgic/vgic-its.c:2859"
    assert sites["kvm_vfio_ops"][0][0] == "virt/kvm/vfio.c:386"
    assert sites["kvm_riscv_aia_device_ops"][0][0] == "arch/riscv/kvm/aia.c:667"
    book3s = [w for sym in ("kvm_xive_ops", "kvm_xive_native_ops", "kvm_xics_ops")
              for w, _ in sites[sym]]
    assert book3s == ["arch/powerpc/kvm/book3s.c:1078", "arch/powerpc/kvm/book3s.c:1080",
                      "arch/powerpc/kvm/book3s.c:1084"]
    assert sites["kvm_mpic_ops"] == [
        ("virt/kvm/kvm_main.c:4820", "KVM_DEV_TYPE_FSL_MPIC_20 under CONFIG_KVM_MPIC"),
        ("virt/kvm/kvm_main.c:4821", "KVM_DEV_TYPE_FSL_MPIC_42 under CONFIG_KVM_MPIC")]


def test_swap_table_from_code(kernel: Kernel) -> None:
    """§4.6: only ppc e500 (MPIC) has arch teardown pointing into a destroy-style device."""
    release, src = kernel
    result = census(src)
    rows = {a.arch: a for a in result.arches}
    assert set(rows) == {"x86", "powerpc", "arm64", "s390", "riscv", "mips"} | (
        {"loongarch"} if release == "6.12" else set())
    ppc = rows["powerpc"]
    assert [(d.holder, d.callee) for d in ppc.dangling] == [
        ("vcpu->arch.mpic", "kvmppc_mpic_disconnect_vcpu")]
    use = ppc.dangling[0]
    assert use.used.path == ARCH_FILES["powerpc"]
    assert use.used.line == {"6.1": 820, "6.12": 803}[release]
    assert use.callee_def is not None and use.callee_def.where == "arch/powerpc/kvm/mpic.c:1777"
    assert use.freed.where == "arch/powerpc/kvm/mpic.c:1636"  # kfree(opp) in mpic_destroy
    assert ppc.verdict.startswith("UAF with the swap")
    holders = {(h.field, h.cleared_by_destroy) for h in ppc.holders}
    assert holders == {("kvm->arch.mpic", True), ("vcpu->arch.mpic", False)}  # F4.5
    s390 = rows["s390"]
    assert {(h.field, h.cleared_by_destroy) for h in s390.holders} == {("kvm->arch.flic", True)}
    for arch in ("x86", "arm64", "s390", "riscv", "mips"):
        assert rows[arch].dangling == (), arch
    assert "swap is a no-op" in rows["x86"].verdict  # F4.2: kvm-vfio only, release-style
    assert "swap looks safe" in rows["arm64"].verdict  # F4.9 / F4.10
    assert "swap looks safe" in rows["s390"].verdict  # F4.12
    assert ("no-op" if release == "6.1" else "safe") in rows["riscv"].verdict  # F4.14
    assert [e.note for e in result.vfio_arches] == ["x86", "powerpc", "arm64", "s390"]
    assert [e.note for e in result.vcpu_chain] == [
        "kvm_destroy_vcpus() calls kvm_vcpu_destroy()",
        "kvm_vcpu_destroy() calls kvm_arch_vcpu_destroy()"]


def test_destroy_callbacks_free_only_the_shell(tree: Kernel) -> None:
    """F4.9 / F4.12 / F4.14: vgic, FLIC and AIA destroy callbacks free the kvm_device only."""
    release, src = tree
    vgic = extract.steps(src, "arch/arm64/kvm/vgic/vgic-kvm-device.c", "vgic_destroy")
    flic = extract.steps(src, "arch/s390/kvm/interrupt.c", "flic_destroy")
    assert vgic is not None and vgic.names == ("kfree",) and vgic.steps[0].args == ("dev",)
    assert flic is not None and flic.names == ("kfree",)
    if release == "6.12":
        aia = extract.steps(src, "arch/riscv/kvm/aia_device.c", "aia_destroy")
        assert aia is not None and aia.names == ("kfree",)
