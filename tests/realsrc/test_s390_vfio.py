"""vfio_ap, VFIO core and s390 PV facts (kernel-facts §5-§7) in the real trees."""

from __future__ import annotations

from history.tree import extract
from history.tree.extract import KVM_VFIO, PV, S390, VFIO_AP, VFIO_MAIN
from history.tree.source import KernelSource

Kernel = tuple[str, KernelSource]


def _span(src: KernelSource, path: str, fn: str) -> int | None:
    return extract.function_line(src, path, fn)


def test_vfio_ap_entry_points(tree: Kernel) -> None:
    """F6.1-F6.3: open/close, set_kvm (with its own kvm_get_kvm) and unset_kvm."""
    release, src = tree
    lines = {fn: _span(src, VFIO_AP, fn) for fn in (
        "vfio_ap_mdev_open_device", "vfio_ap_mdev_close_device", "vfio_ap_mdev_set_kvm",
        "vfio_ap_mdev_unset_kvm")}
    assert lines == {
        "6.1": {"vfio_ap_mdev_open_device": 1683, "vfio_ap_mdev_close_device": 1694,
                "vfio_ap_mdev_set_kvm": 1538, "vfio_ap_mdev_unset_kvm": 1573},
        "6.12": {"vfio_ap_mdev_open_device": 2057, "vfio_ap_mdev_close_device": 2068,
                 "vfio_ap_mdev_set_kvm": 1830, "vfio_ap_mdev_unset_kvm": 1881}}[release]
    set_kvm = extract.steps(src, VFIO_AP, "vfio_ap_mdev_set_kvm")
    unset = extract.steps(src, VFIO_AP, "vfio_ap_mdev_unset_kvm")
    assert set_kvm is not None and "kvm_get_kvm" in set_kvm.names
    assert unset is not None and unset.names[-1] == "kvm_put_kvm"  # after the locks (F6.3)
    assert "kvm_arch_crypto_clear_masks" in unset.names


def test_vfio_ap_reset_algorithms(tree: Kernel) -> None:
    """F6.5 (6.1: inline, two bounded TAPQ polls) vs F6.6 (6.12: work item, no bound)."""
    release, src = tree
    cfile = src.cfile(VFIO_AP)
    assert cfile is not None
    reset = cfile.calls("vfio_ap_mdev_reset_queue")
    if release == "6.1":
        assert _span(src, VFIO_AP, "vfio_ap_mdev_reset_queue") == 1607
        tapq = [c for c in reset if c.callee == "ap_tapq"]
        assert [(c.line, c.loop) for c in tapq] == [(1653, "retry2--")]
        assert cfile.function("apq_reset_check") is None
        assert cfile.params("vfio_ap_mdev_reset_queue")[-1] == "unsigned int retry"
    else:
        assert {fn: _span(src, VFIO_AP, fn) for fn in (
            "vfio_ap_mdev_reset_queue", "apq_reset_check", "apq_status_check")} == {
            "vfio_ap_mdev_reset_queue": 1990, "apq_reset_check": 1948, "apq_status_check": 1915}
        work = [c for c in reset if c.callee == "queue_work"]
        assert work and work[0].args[0] == "system_long_wq"
        check = cfile.calls("apq_reset_check")
        assert [(c.line, c.loop) for c in check if c.callee == "ap_tapq"] == [(1959, "true")]
        zapq = sorted(c.line for fn in ("apq_reset_check", "vfio_ap_mdev_reset_queue")
                      for c in cfile.calls(fn) if c.callee == "ap_zapq")
        assert zapq == [1979, 1996]  # F6.9: host ZAPQ with F=0
        assert all(c.args[-1] == "0" for c in check + reset if c.callee == "ap_zapq")


def test_vfio_ap_irq_paths(tree: Kernel) -> None:
    """F6.7: AQIC enable/disable and the PQAP hook."""
    release, src = tree
    got = {fn: _span(src, VFIO_AP, fn) for fn in (
        "vfio_ap_irq_enable", "vfio_ap_irq_disable", "handle_pqap")}
    if release == "6.1":
        assert got["vfio_ap_irq_disable"] == 306
    else:
        assert (got["vfio_ap_irq_enable"], got["handle_pqap"]) == (412, 576)


def test_vfio_core_kvm_reference(tree: Kernel) -> None:
    """F5.3: vfio_device_get_kvm_safe/put_kvm at vfio_main.c:439-487 in 6.12, absent in 6.1."""
    release, src = tree
    cfile = src.cfile(VFIO_MAIN)
    assert cfile is not None
    get, put = cfile.function("vfio_device_get_kvm_safe"), cfile.function("vfio_device_put_kvm")
    if release == "6.1":
        assert get is None and put is None
    else:
        assert get is not None and put is not None
        assert (get.start, put.end) == (439, 487)
        assert any("kvm_get_kvm_safe" in c.args for c in
                   cfile.calls("vfio_device_get_kvm_safe") if c.callee == "symbol_get")


def test_kvm_vfio_release(tree: Kernel) -> None:
    """F5.5 / F5.6: kvm_vfio_release at vfio.c:340 (6.1) / 328 (6.12), registered as .release."""
    release, src = tree
    assert _span(src, KVM_VFIO, "kvm_vfio_release") == {"6.1": 340, "6.12": 328}[release]
    assert _span(src, KVM_VFIO, "kvm_vfio_destroy") is None
    listing = extract.steps(src, KVM_VFIO, "kvm_vfio_release")
    assert listing is not None and "kvm_vfio_file_set_kvm" in listing.names


def test_pv_teardown_functions(tree: Kernel) -> None:
    """F7.1, F7.2, F7.4, F7.6: where PV configs are destroyed, and what the notifier does."""
    release, src = tree
    lines = {fn: _span(src, PV, fn) for fn in (
        "kvm_s390_pv_deinit_vm", "kvm_s390_pv_deinit_vm_fast", "kvm_s390_pv_deinit_cleanup_all")}
    listing = extract.steps(src, PV, "kvm_s390_pv_mmu_notifier_release")
    assert listing is not None and listing.names[0] == "container_of"
    notifier = listing.names[1:]
    if release == "6.1":
        assert lines == {"kvm_s390_pv_deinit_vm": 163, "kvm_s390_pv_deinit_vm_fast": None,
                         "kvm_s390_pv_deinit_cleanup_all": None}
        assert notifier == ("kvm_s390_cpus_from_pv",)
    else:
        assert lines == {"kvm_s390_pv_deinit_vm": 386, "kvm_s390_pv_deinit_vm_fast": 271,
                         "kvm_s390_pv_deinit_cleanup_all": 422}
        assert notifier == ("kvm_s390_cpus_from_pv", "is_destroy_fast_available",
                                  "kvm_s390_pv_get_handle", "kvm_s390_pv_deinit_vm_fast")


def test_pv_ap_flags_and_handle_pv(tree: Kernel) -> None:
    """F6.9 (pv.c:579-580 AP flags in 6.12) and F7.3 (kvm_s390_handle_pv at 2620)."""
    release, src = tree
    cfile = src.cfile(PV)
    assert cfile is not None
    flags = [(t.rsplit(".", 1)[-1], line) for t, line in cfile.field_refs("kvm_s390_pv_init_vm")
             if t.startswith("uvcb.flags.ap_")]
    if release == "6.1":
        assert flags == []
    else:
        assert flags == [("ap_allow_instr", 579), ("ap_instr_intr", 580)]
        assert _span(src, S390, "kvm_s390_handle_pv") == 2620
        assert _span(src, S390, "kvm_arch_crypto_set_masks") == 3189  # F6.4
        assert _span(src, S390, "kvm_arch_crypto_clear_masks") == 3239
