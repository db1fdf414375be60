"""Golden shortest counterexamples: the outcomes kernel-facts predicts must come out of the search.

Nothing in sim/ names these verdicts; each expected trace below was read off the checker's
output and checked by hand against the facts it cites (F4.5, F7.10 cases 1 and 2, F4.2, F0.2).
"""

from __future__ import annotations

import pytest

from sim.checker import check
from sim.profile import build_profile
from sim.result import CheckResult, ClaimResult

PV_IOCTLS = ["KVM_PV_DISABLE", "KVM_PV_ASYNC_CLEANUP_PREPARE", "KVM_PV_ASYNC_CLEANUP_PERFORM"]


def run(arch: str, era: str, order: str, **kw: object) -> CheckResult:
    return check(build_profile(arch, era, order=order, **kw))  # type: ignore[arg-type]


def steps(claim: ClaimResult) -> list[tuple[str, str, str]]:
    return [(s.event.name, s.event.function, s.event.fact) for s in claim.trace]


KVM_DESTROY_HEAD = [
    ("kvm_destroy_vm: kvm_arch_sync_events", "kvm_arch_sync_events", "F1.6"),
    ("kvm_destroy_vm: kvm_arch_pre_destroy_vm", "kvm_arch_pre_destroy_vm", "F2.4"),
    ("kvm_destroy_vm: kvm_io_bus_destroy", "kvm_io_bus_destroy", "F3.3"),
]


@pytest.mark.parametrize("era", ["6.1", "6.12"])
def test_e500_reversed_uses_the_freed_openpic(era: str) -> None:
    """F4.5: with the swap, mpic_destroy frees openpic and every vCPU destroy then touches it."""
    result = run("powerpc-e500", era, "reversed")
    uaf = result.claim("no-uaf")
    assert uaf.verdict == "fails"
    assert steps(uaf) == [
        ("close(VM fd)", "kvm_vm_release", "F8.20"),
        ("close(vCPU fds)", "kvm_vcpu_release", "F8.20"),
        ("close(mpic device fd)", "kvm_device_release", "F3.7"),
        *KVM_DESTROY_HEAD,
        ("kvm_destroy_vm: kvm_destroy_devices", "kvm_destroy_devices", "F1.3"),
        ("kvm_destroy_devices: ops->destroy(mpic)", "mpic_destroy", "F4.5"),
        ("kvm_destroy_vm: kvm_arch_destroy_vm", "kvm_arch_destroy_vm", "F2.6"),
        ("kvm_arch_destroy_vm: kvm_destroy_vcpus", "kvm_destroy_vcpus", "F4.5"),
    ]
    assert uaf.reason == "use after free: openpic"
    assert "openpic" in uaf.trace[-1].event.accesses
    assert "openpic" in uaf.trace[7].event.frees
    assert uaf.assumes == ()
    # the comments that encode vCPUs-before-MPIC break at the same place (F8.2, F8.14)
    assert len(result.claim("comment-device-ops-destroy").trace) == 8
    assert steps(result.claim("comment-mpic-disconnect")) == steps(uaf)


@pytest.mark.parametrize("era", ["3.9", "6.1", "6.12"])
def test_e500_current_order_holds(era: str) -> None:
    result = run("powerpc-e500", era, "current")
    for claim_id in ("no-uaf", "comment-device-ops-destroy", "comment-mpic-disconnect"):
        claim = result.claim(claim_id)
        assert claim.verdict == "holds" and not claim.vacuous


@pytest.mark.parametrize("order", ["current", "reversed"])
def test_s390_6_12_case_2_pv_disable_without_reset(order: str) -> None:
    """F7.10 case 2: KVM_PV_DISABLE while the queues are in use, no VFIO_DEVICE_RESET first."""
    claim = run("s390", "6.12", order).claim("se-ap-reset")
    assert claim.verdict == "fails"
    assert steps(claim) == [
        ("ioctl(KVM_PV_DISABLE)", "kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.3"),
        ("Destroy Secure Configuration(s)", "kvm_s390_pv_deinit_cleanup_all", "F7.6"),
    ]
    assert "qemu-resets-ap-before-unprotect=false" in claim.assumes
    assert "uv-resets-queues-on-destroy=false" in claim.assumes


@pytest.mark.parametrize("order", ["current", "reversed"])
def test_s390_6_12_case_1_kill_with_the_mdev_open(order: str) -> None:
    """F7.10 case 1: exit_mm's PV notifier destroys the config (fast) before any fd closes."""
    claim = run("s390", "6.12", order, exclude=PV_IOCTLS).claim("se-ap-reset")
    assert claim.verdict == "fails"
    assert steps(claim) == [
        ("kill(SIGKILL)", "do_exit", "F7.5"),
        ("exit_mm", "exit_mm → mmput → exit_mmap → mmu_notifier_release", "F7.5"),
        ("PV mmu_notifier release",
         "kvm_s390_pv_mmu_notifier_release → kvm_s390_cpus_from_pv", "F7.4"),
        ("Destroy Secure Configuration Fast", "kvm_s390_pv_deinit_vm_fast", "F7.2"),
    ]
    assert "mdev" in claim.trace[-1].state.files  # the mdev fd is still open
    assert "destroy-fast-available=true" in claim.assumes


def test_s390_6_12_without_destroy_fast_only_the_binding_question_remains() -> None:
    """Without Destroy Fast the kill path resets first; what is left depends on whether the
    host's ZAPQ (F bit 0) dissolves a guest's SE binding, which F6.9 leaves open."""
    toggles = {"destroy-fast-available": "false", "zapq-dissolves-se-binding": "true"}
    assert run("s390", "6.12", "current", exclude=PV_IOCTLS,
               toggles=toggles).claim("se-ap-reset").verdict == "holds"
    toggles["zapq-dissolves-se-binding"] = "false"
    claim = run("s390", "6.12", "current", exclude=PV_IOCTLS,
                toggles=toggles).claim("se-ap-reset")
    assert claim.verdict == "fails"
    assert "zapq-dissolves-se-binding=false" in claim.assumes
    assert claim.reason.endswith("verified+bound}")
    assert "guest BAPQ: bind queues" in [step.event.name for step in claim.trace]


@pytest.mark.parametrize("order", ["current", "reversed"])
def test_s390_6_1_only_case_2_fails(order: str) -> None:
    """6.1 has the PV notifier but no destroy fast: killing QEMU is safe, PV_DISABLE is not."""
    claim = run("s390", "6.1", order).claim("se-ap-reset")
    assert steps(claim) == [
        ("ioctl(KVM_PV_DISABLE)", "kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.3"),
        ("Destroy Secure Configuration", "kvm_s390_pv_deinit_vm", "F7.1"),
    ]
    rest = run("s390", "6.1", order, exclude=PV_IOCTLS)
    assert rest.claim("se-ap-reset").verdict == "holds"
    assert rest.claim("se-ap-reset").exercised > 0


@pytest.mark.parametrize("era", ["6.1", "6.12"])
def test_s390_swap_changes_no_verdict(era: str) -> None:
    """F7.9: vfio_ap's kvm reference means kvm_destroy_vm never runs before its reset."""
    current, swapped = run("s390", era, "current"), run("s390", era, "reversed")
    assert [(c.id, c.verdict, len(c.trace)) for c in current.claims] == \
        [(c.id, c.verdict, len(c.trace)) for c in swapped.claims]
    assert current.claim("no-uaf").verdict == "holds"


def test_the_rfc_premise_world_is_where_the_swap_helps() -> None:
    """F0.2: before 5.19, without vfio_ap's own kvm reference, only kvm_vfio_destroy's NULL
    notification resets the queues, and the current order runs it after sie_page2 is gone."""
    kw = {"exclude": PV_IOCTLS, "features": {"vfio-ap-kvm-ref": False}}
    current, swapped = run("s390", "5.10", "current", **kw), run("s390", "5.10", "reversed", **kw)
    uaf = current.claim("no-uaf")
    assert uaf.reason == "use after free: sie_page2"
    assert uaf.trace[-1].event.function == "kvm_vfio_destroy"
    assert uaf.trace[-1].event.detail.startswith("VFIO_GROUP_NOTIFY_SET_KVM(NULL)")
    assert current.claim("se-ap-reset").verdict == "fails"
    assert swapped.claim("no-uaf").verdict == "holds"
    assert swapped.claim("se-ap-reset").verdict == "holds"


@pytest.mark.parametrize("era", ["6.2", "6.12", "6.18"])
def test_x86_orders_agree_from_6_2(era: str) -> None:
    """F4.2: kvm-vfio is release-style, so kvm_destroy_devices walks an empty list."""
    current, swapped = run("x86", era, "current"), run("x86", era, "reversed")
    assert [(c.id, c.verdict) for c in current.claims] == \
        [(c.id, c.verdict) for c in swapped.claims]
    step = next(s for s in swapped.claim("no-uaf").trace
                if s.event.function == "kvm_destroy_devices") \
        if swapped.claim("no-uaf").trace else None
    assert step is None or step.event.detail == "devices: none"


def test_x86_mainline_6_14_to_6_18_eoi_work_after_vcpus_freed() -> None:
    """F2.8: vCPUs-first without the pre_destroy EOI-work cancel (CVE-2026-74517)."""
    claim = run("x86", "6.15", "current").claim("no-uaf")
    assert claim.reason == "use after free: vcpus"
    assert steps(claim)[-2:] == [
        ("kvm_arch_destroy_vm: kvm_destroy_vcpus", "kvm_destroy_vcpus", "F2.8"),
        ("IOAPIC EOI work runs", "kvm_ioapic_eoi_inject_work", "F2.8"),
    ]
    assert run("x86", "6.12", "current").claim("no-uaf").verdict == "holds"


def test_trace_json_carries_event_function_fact_and_diff() -> None:
    claim = run("powerpc-e500", "6.12", "reversed").claim("no-uaf")
    data = claim.to_json()
    assert data["verdict"] == "fails" and data["id"] == "no-uaf"
    step = data["trace"][7]
    assert (step["event"], step["function"], step["fact"]) == \
        ("kvm_destroy_devices: ops->destroy(mpic)", "mpic_destroy", "F4.5")
    assert {"field": "devices", "before": "((mpic, live))",
            "after": "((mpic, destroyed))"} in step["diff"]
    assert data["trace"][0]["commit"] == ""
    assert data["trace"][2]["commit"] == "cfa39381173d"
