"""Golden verdicts and shortest counterexamples: what kernel-facts and QEMU's source predict
must come out of the search.

Nothing in sim/ names these verdicts; each expected trace below was read off the checker's
output and checked by hand against the facts it cites: F4.5 (the MPIC use after free of the
swap), F7.11 (the Ultravisor refuses to destroy a configuration with bound APQNs, and what the
kernel does then), F7.12 (QEMU's reboot and exit sequences), F7.13 (no AP for secure guests
before v6.6), F5.8 (the 5.19/6.0 self-deadlock), F2.8 (x86).
"""

from __future__ import annotations

import pytest

from sim.checker import check
from sim.profile import build_profile
from sim.result import CheckResult, ClaimResult
from sim.userspace import USERSPACE_NAMES


def run(arch: str, era: str, order: str = "current", **kw: object) -> CheckResult:
    return check(build_profile(arch, era, order=order, **kw))  # type: ignore[arg-type]


def steps(claim: ClaimResult) -> list[tuple[str, str, str]]:
    return [(s.event.name, s.event.function, s.event.fact) for s in claim.trace]


def guards(claim: ClaimResult) -> dict[str, int]:
    return {p.guard: p.count for p in claim.prevented_by}


KVM_DESTROY_HEAD = [
    ("kvm_destroy_vm: kvm_arch_sync_events", "kvm_arch_sync_events", "F1.6"),
    ("kvm_destroy_vm: kvm_arch_pre_destroy_vm", "kvm_arch_pre_destroy_vm", "F2.4"),
    ("kvm_destroy_vm: kvm_io_bus_destroy", "kvm_io_bus_destroy", "F3.3"),
]
BIND = ("guest BAPQ: bind queues", "ap_bapq (guest se_bind)", "F6.9")
REFUSED_CLEANUP = ("Destroy Secure Configuration(s)", "kvm_s390_pv_deinit_cleanup_all", "F7.6")
WARN_DESTROY = "kvm_s390_pv_deinit_vm: WARN_ONCE 'protvirt destroy vm failed' ([6.12] pv.c:401)"


# -- the swap on powerpc e500: a use after free (F4.5) --------------------------------------
@pytest.mark.parametrize("era", ["6.1", "6.12"])
def test_e500_reversed_uses_the_freed_openpic(era: str) -> None:
    """With the swap, mpic_destroy frees openpic and every vCPU destroy then touches it."""
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


@pytest.mark.parametrize("userspace", ["qemu-8.2", "qemu-8.1"])
def test_e500_swap_is_a_use_after_free_when_qemu_just_exits(userspace: str) -> None:
    """QEMU's exit releases the fds highest first (mpic, vCPUs, VM: F7.5): the last put runs
    kvm_destroy_vm, and the swap frees the openpic before the vCPUs let go of it."""
    uaf = run("powerpc-e500", "6.12", "reversed", userspace=userspace).claim("no-uaf")
    assert uaf.reason == "use after free: openpic"
    assert [s.event.name for s in uaf.trace[:5]] == [
        "the VMM exits or is killed (SIGKILL)", "exit_mm", "exit_task_work: __fput(dev:mpic)",
        "exit_task_work: __fput(vcpus)", "exit_task_work: __fput(vm)"]
    assert uaf.trace[-1].event.function == "kvm_destroy_vcpus"


@pytest.mark.parametrize("era", ["3.9", "6.1", "6.12"])
def test_e500_current_order_holds_because_vcpus_go_first(era: str) -> None:
    result = run("powerpc-e500", era, "current")
    for claim_id in ("no-uaf", "comment-device-ops-destroy", "comment-mpic-disconnect"):
        claim = result.claim(claim_id)
        assert claim.verdict == "holds" and not claim.vacuous
    assert "vcpus-before-devices" in guards(result.claim("no-uaf"))


# -- s390 6.6+: the Ultravisor refuses, the kernel WARNs or leaks (F7.11) --------------------
@pytest.mark.parametrize("order", ["current", "reversed"])
def test_s390_6_12_any_userspace_unprotect_without_reset_warns_and_leaks(order: str) -> None:
    """KVM_PV_DISABLE while the guest's queues are bound: the UV refuses, the kernel WARNs,
    replaces the ASCE (the old top-level table leaks) and keeps the handle; kvm_arch_destroy_vm
    later destroys the configuration after close_device reset the queues (F7.11)."""
    result = run("s390", "6.12", order)
    warn = result.claim("no-warn")
    assert steps(warn) == [
        BIND,
        ("ioctl(KVM_PV_DISABLE)", "kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.3"),
        REFUSED_CLEANUP,
    ]
    assert warn.reason == WARN_DESTROY
    assert warn.trace[-1].event.warns == (WARN_DESTROY,)
    assert "uv-destroy-refused-while-bound=true" in warn.assumes
    assert "uv-refused-bound-destroy" in warn.trace[-1].event.guards
    leak = result.claim("no-leak")
    assert leak.reason.startswith("leaked: top-level table")
    assert any(s.event.name == "kvm_arch_destroy_vm: kvm_s390_pv_deinit_cleanup_all"
               and ("pv", "refused", "destroyed") in [(c.field, c.before, c.after)
                                                      for c in s.changes]
               for s in leak.trace)
    se = result.claim("se-ap-reset")
    assert se.verdict == "holds" and se.exercised > 0
    assert guards(se)["uv-refused-bound-destroy"] > 0


@pytest.mark.parametrize("order", ["current", "reversed"])
def test_s390_6_12_qemu_8_1_reboot_unprotects_first(order: str) -> None:
    """QEMU before ef1535901a0 unprotects before the AP reset: refused, WARN, then QEMU exits
    with exit(1) and the exit path finishes the job (F7.12)."""
    result = run("s390", "6.12", order, userspace="qemu-8.1")
    warn = result.claim("no-warn")
    assert steps(warn) == [
        BIND,
        ("QEMU reboots the protected guest (vCPUs paused)",
         "s390_machine_reset (S390_RESET_REIPL)", "F7.12"),
        ("QEMU: ioctl(KVM_PV_DISABLE)",
         "s390_pv_vm_disable → kvm_s390_handle_pv → kvm_s390_cpus_from_pv", "F7.12"),
        REFUSED_CLEANUP,
    ]
    leak = result.claim("no-leak")
    assert leak.reason.startswith("leaked: top-level table")
    names = [s.event.name for s in leak.trace]
    assert "QEMU exit(1): the KVM PV command failed" in names
    assert result.claim("se-ap-reset").verdict == "holds"


@pytest.mark.parametrize("order", ["current", "reversed"])
def test_s390_6_12_qemu_8_2_every_claim_holds_and_says_why(order: str) -> None:
    """QEMU 8.2 resets AP before it unprotects; a kill with bound queues meets a refused
    Destroy Fast (RC 0x104, not warned since b1e428615f15) and the normal destroy in
    kvm_arch_destroy_vm succeeds once close_device reset the queues (F7.11, F7.12)."""
    result = run("s390", "6.12", order, userspace="qemu-8.2")
    assert [c.id for c in result.claims if c.verdict == "fails"] == []
    assert guards(result.claim("se-ap-reset")) == {"uv-refused-bound-destroy": 4}
    assert guards(result.claim("no-warn")) == {"fast-0x104-not-warned": 4}
    assert guards(result.claim("no-leak")) == {"refused-config-destroyed-later": 1}


def test_s390_6_12_qemu_8_2_async_teardown_never_meets_a_bound_queue() -> None:
    """With the helper the fds (and the vfio_ap reset) go before the notifier runs (F7.12):
    no destroy attempt ever meets a bound queue, and the helper waits for QEMU's death."""
    result = run("s390", "6.12", userspace="qemu-8.2", async_teardown=True)
    assert [c.id for c in result.claims if c.verdict == "fails"] == []
    se = result.claim("se-ap-reset")
    assert se.vacuous and se.vacuous_reason == \
        "no destroy attempt meets a bound or associated queue"
    assert "helper-waits-for-parent" in guards(result.claim("comment-pv-notifier"))


# -- eras: no AP for secure guests before 6.6 (F7.13); 6.1's bounded reset WARNs (F6.5) ------
@pytest.mark.parametrize("userspace", USERSPACE_NAMES)
def test_s390_6_1_se_ap_reset_is_vacuous_with_the_reason(userspace: str) -> None:
    se = run("s390", "6.1", userspace=userspace).claim("se-ap-reset")
    assert se.vacuous
    assert se.vacuous_reason.startswith("a secure guest cannot use AP before v6.6 (F7.13")


def test_s390_6_1_a_slow_queue_reset_warns() -> None:
    """6.1's bounded wait gives up on a slow queue with WARN_ONCE (F6.5 and its correction)."""
    warn = run("s390", "6.1").claim("no-warn")
    assert steps(warn) == [("ioctl(VFIO_DEVICE_RESET)", "vfio_ap_mdev_reset_queues", "F6.8")]
    assert "unable to verify reset" in warn.reason and "[6.1] vfio_ap_ops.c:1655" in warn.reason
    qemu = run("s390", "6.1", userspace="qemu-8.2").claim("no-warn")
    assert [s.event.name for s in qemu.trace] == [
        "QEMU reboots the protected guest (vCPUs paused)", "QEMU: ioctl(VFIO_DEVICE_RESET)"]
    assert run("s390", "6.12").claim("no-warn").reason != warn.reason  # 6.6+: unbounded


@pytest.mark.parametrize("era", ["6.1", "6.6", "6.12"])
@pytest.mark.parametrize("userspace", USERSPACE_NAMES)
def test_s390_swap_changes_no_verdict(era: str, userspace: str) -> None:
    """F7.9: vfio_ap's kvm reference means kvm_destroy_vm never runs before its reset."""
    current = run("s390", era, "current", userspace=userspace)
    swapped = run("s390", era, "reversed", userspace=userspace)
    assert [(c.id, c.verdict, len(c.trace)) for c in current.claims] == \
        [(c.id, c.verdict, len(c.trace)) for c in swapped.claims]
    assert current.claim("no-uaf").verdict == "holds"


# -- 5.19 / 6.0: the final put under group_lock deadlocks (F5.8) -----------------------------
@pytest.mark.parametrize("era", ["5.19", "6.0"])
def test_s390_final_put_from_the_mdev_close_self_deadlocks(era: str) -> None:
    hang = run("s390", era).claim("no-hang")
    assert hang.reason.startswith("teardown never finishes: kvm_vfio_destroy → "
                                  "vfio_file_set_kvm: group_lock is already held")
    names = [s.event.name for s in hang.trace]
    assert names[:5] == ["close(VM fd)", "close(vCPU fds)", "close(flic device fd)",
                         "close(kvm-vfio device fd)", "close(vfio_ap mdev fd)"]
    assert names[-1] == "kvm_destroy_devices: ops->destroy(kvm-vfio)"
    # QEMU's exit releases the mdev fd first (highest fd), so its put is never the last
    assert run("s390", era, userspace="qemu-8.2").claim("no-hang").verdict == "holds"


def test_s390_6_1_and_later_no_deadlock_because_kvm_vfio_is_release_style() -> None:
    """6.1.y carries 51cdc8bc120e: kvm_destroy_vm may still run under group_lock, but nothing
    on its path calls back into VFIO (F5.5, F8.9)."""
    for era in ("6.1", "6.12"):
        hang = run("s390", era).claim("no-hang")
        assert hang.verdict == "holds"
        assert "no-vfio-callback-under-group-lock" in guards(hang)


# -- the RFC's premise: a world without vfio_ap's own kvm reference (F0.2, F7.9) --------------
def test_the_rfc_premise_world_is_where_the_swap_helps() -> None:
    """Before 5.19, without vfio_ap's own kvm reference, only kvm_vfio_destroy's NULL
    notification resets the queues, and the current order runs it after sie_page2 is gone."""
    pv_ioctls = ["KVM_PV_DISABLE", "KVM_PV_ASYNC_CLEANUP_PREPARE", "KVM_PV_ASYNC_CLEANUP_PERFORM"]
    kw = {"exclude": pv_ioctls, "features": {"vfio-ap-kvm-ref": False}}
    current, swapped = run("s390", "5.10", "current", **kw), run("s390", "5.10", "reversed", **kw)
    uaf = current.claim("no-uaf")
    assert uaf.reason == "use after free: sie_page2"
    assert uaf.trace[-1].event.function == "kvm_vfio_destroy"
    assert uaf.trace[-1].event.detail.startswith("VFIO_GROUP_NOTIFY_SET_KVM(NULL)")
    assert swapped.claim("no-uaf").verdict == "holds"
    # and still no secure guest can bind a queue in 5.10 (F7.13)
    assert current.claim("se-ap-reset").vacuous


# -- x86 (F2.8, F4.2) -------------------------------------------------------------------------
@pytest.mark.parametrize("era", ["6.2", "6.12", "6.18"])
def test_x86_orders_agree_from_6_2(era: str) -> None:
    """F4.2: kvm-vfio is release-style, so kvm_destroy_devices walks an empty list."""
    current, swapped = run("x86", era, "current"), run("x86", era, "reversed")
    assert [(c.id, c.verdict) for c in current.claims] == \
        [(c.id, c.verdict) for c in swapped.claims]


def test_x86_mainline_6_14_to_6_18_eoi_work_after_vcpus_freed() -> None:
    """F2.8: vCPUs-first without the pre_destroy EOI-work cancel (CVE-2026-74517)."""
    claim = run("x86", "6.15", "current").claim("no-uaf")
    assert claim.reason == "use after free: vcpus"
    assert steps(claim)[-2:] == [
        ("kvm_arch_destroy_vm: kvm_destroy_vcpus", "kvm_destroy_vcpus", "F2.8"),
        ("IOAPIC EOI work runs", "kvm_ioapic_eoi_inject_work", "F2.8"),
    ]
    held = run("x86", "6.12", "current").claim("no-uaf")
    assert held.verdict == "holds" and "eoi-work-cancelled" in guards(held)


def test_x86_6_1_nested_teardown_reads_no_pic() -> None:
    """F2.8 correction: 6.1's nested vCPU teardown does not query the PIC, so freeing it
    before the vCPUs is harmless there; the read exists only in newer code, where the vCPUs
    go first. Without vcpus-first it would be a NULL dereference, not a use after free."""
    assert run("x86", "6.1").claim("no-uaf").verdict == "holds"
    whatif = run("x86", "6.15", features={"x86-vcpus-first": False},
                 exclude=["eoi-work"]).claim("no-uaf")
    assert whatif.reason.startswith("NULL dereference: kvm->arch.vpic")
    assert "guest enters nested (L2) mode" in [s.event.name for s in whatif.trace]


def test_trace_json_carries_event_function_fact_commit_and_diff() -> None:
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


def test_6_1_pv_disable_cites_the_commit_that_added_it() -> None:
    """In 6.1 KVM_PV_DISABLE is 29b40f105ec8's (v5.7) kvm_s390_pv_deinit_vm, not a 6.2 one."""
    warn = run("s390", "6.1", toggles={"uv-destroy-faults": "true"},
               exclude=["VFIO_DEVICE_RESET", "close", "kill"]).claim("no-warn")
    disable = next(s for s in warn.trace if s.event.name == "ioctl(KVM_PV_DISABLE)")
    assert (disable.event.fact, disable.event.commit) == ("F7.1", "29b40f105ec8d55")
    new = run("s390", "6.12", toggles={"uv-destroy-faults": "true"},
              exclude=["VFIO_DEVICE_RESET", "close", "kill"]).claim("no-warn")
    assert next(s for s in new.trace if s.event.name == "ioctl(KVM_PV_DISABLE)").event.fact \
        == "F7.3"


def test_pv_disable_stops_after_a_failed_cpu_destroy() -> None:
    """kvm_s390_handle_pv: if a CPU could not be destroyed, destroy VM would fail too — the
    ioctl stops ([6.12] kvm-s390.c:2685-2702)."""
    result = run("s390", "6.12", toggles={"uv-destroy-faults": "true"},
                 exclude=["VFIO_DEVICE_RESET", "close", "kill", "guest-bind", "guest-aqic",
                          "KVM_PV_ASYNC_CLEANUP_PREPARE"])
    warn = result.claim("no-warn")
    assert [s.event.name for s in warn.trace] == ["ioctl(KVM_PV_DISABLE)"]
    assert "stops: a secure CPU could not be destroyed" in warn.trace[0].event.detail
    assert warn.trace[0].state.pending == ()
