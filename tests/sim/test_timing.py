"""The timing model (layer 2): the clock, the hardware, both reset algorithms, the paths and
the Ultravisor, Monte-Carlo, and the link to the model checker. Each behaviour is pinned by a
case that shows it and a what-if under which it goes away."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from sim.errors import SimError
from sim.profile import build_profile
from sim.timing.ap import RESPONSE_CODES
from sim.timing.clock import HARDWARE, KERNEL, Clock
from sim.timing.link import check_linked
from sim.timing.montecarlo import monte_carlo, wilson
from sim.timing.result import TimingResult, simulate
from sim.timing.spec import Hardware, parse_fault, parse_latency


def hw(latency: str = "fixed:5", *faults: str, queues: tuple[int, int] = (1, 4),
       **kwargs: object) -> Hardware:
    return Hardware(adapters=queues[0], domains=queues[1], latency=parse_latency(latency),
                    faults=tuple(parse_fault(f) for f in faults), **kwargs)  # type: ignore[arg-type]


def timed(era: str, machine: Hardware, *, path: str = "exit", userspace: str = "any",
          order: str = "current", seed: int = 1, toggles: dict[str, str] | None = None,
          features: dict[str, bool] | None = None, async_teardown: bool = False
          ) -> TimingResult:
    profile = build_profile("s390", era, order=order, userspace=userspace, toggles=toggles,
                            features=features, async_teardown=async_teardown)
    return simulate(profile, machine, path=path, seed=seed)


def phase_names(r: TimingResult) -> list[str]:
    return [p.name for p in r.phases]


# -- the clock -------------------------------------------------------------------------------
def test_clock_orders_by_time_then_priority_then_sequence() -> None:
    clock, seen = Clock(), []
    clock.at(5, KERNEL, seen.append, "k5")
    clock.at(5, HARDWARE, seen.append, "h5")
    clock.at(1, KERNEL, seen.append, "k1")
    clock.at(5, KERNEL, seen.append, "k5b")
    assert clock.peek() == (1, KERNEL, 3)
    assert clock.step() and seen == ["k1"] and clock.now == 1
    assert clock.run(until=4) == 0 and clock.now == 4
    assert clock.run() == 3
    assert seen == ["k1", "h5", "k5", "k5b"]
    assert not clock.step() and clock.peek() is None


def test_clock_refuses_the_past() -> None:
    clock = Clock()
    clock.at(10, KERNEL, lambda _: None)
    clock.run()
    with pytest.raises(ValueError):
        clock.at(9, KERNEL, lambda _: None)


# -- determinism -----------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_run() -> None:
    machine = hw("lognormal:2.3,1.0", "stuck:1%", queues=(4, 16))
    one = json.dumps(timed("6.12", machine, path="exit").to_json(), sort_keys=True)
    two = json.dumps(timed("6.12", machine, path="exit").to_json(), sort_keys=True)
    other = json.dumps(timed("6.12", machine, path="exit", seed=2).to_json(), sort_keys=True)
    assert one == two
    assert one != other


# -- the bounded reset ([6.1]) ---------------------------------------------------------------
def test_61_reset_done_at_zapq_is_verified_without_warn() -> None:
    r = timed("6.1", hw("fixed:0"))
    assert r.counts["verified"] == 4 and r.warned == 0
    assert "warn" not in r.flags or not r.flags["warn"]
    assert r.classes == ("verified",)


def test_61_reset_seen_at_first_tapq_still_warns() -> None:
    """retry2 is 0 when the loop breaks on the first TAPQ: 'unable to verify' fires."""
    r = timed("6.1", hw("fixed:5"))
    assert r.counts["verified"] == 4 and r.warned == 4
    assert r.first is not None and "first TAPQ saw the reset done" in r.first.why
    assert any("unable to verify reset of queue 00.0000" in line for line in r.log_lines())
    assert len([line for line in r.log_lines() if "unable to verify" in line]) == 1  # ONCE
    assert r.classes == ("unverified",)


def test_61_warn_rests_on_what_the_zapq_status_shows() -> None:
    """The named firmware assumption: a ZAPQ status that already shows the reset done makes
    6.1's first check pass (no WARN) although the reset is still running."""
    r = timed("6.1", hw("fixed:5", zapq_status="reset-done"))
    assert r.counts["verified"] == 4 and r.warned == 0
    with pytest.raises(SimError, match="zapq-status"):
        hw("fixed:5", zapq_status="maybe")


def test_61_slow_reset_is_given_up_and_the_second_tapq_is_never_read() -> None:
    r = timed("6.1", hw("fixed:100"))
    assert r.counts["unverified"] == 4 and r.warned == 4
    assert r.first is not None
    events = [text for _, text in r.first.timeline]
    assert sum(text.startswith("TAPQ") for text in events) == 2
    assert events[-1].startswith("outcome unverified")


def test_61_idle_queue_without_interrupts_passes_at_once_whatever_the_latency() -> None:
    """The 6.1 check reads the status bits only: an empty queue with IRQs off is 'done'."""
    r = timed("6.1", hw("fixed:100", irq=False))
    assert r.counts["verified"] == 4 and r.warned == 0


def test_61_msleep_is_one_jiffy_longer_and_resets_run_one_after_another() -> None:
    one = timed("6.1", hw("fixed:100", queues=(1, 1)))
    four = timed("6.1", hw("fixed:100", queues=(1, 4)))
    reset_1 = next(p for p in one.phases if p.name.startswith("vfio_ap reset"))
    reset_4 = next(p for p in four.phases if p.name.startswith("vfio_ap reset"))
    # two msleep(20) at HZ=100 with the +1 jiffy of [6.1]: 20-30 ms each
    assert 40_000 < reset_1.end - reset_1.start <= 60_000
    assert reset_4.end - reset_4.start > 3 * (reset_1.end - reset_1.start)


def test_61_zapq_retry_when_a_reset_is_in_progress() -> None:
    r = timed("6.1", hw("fixed:5", "stuck:00.0000"), path="reboot", userspace="qemu-8.2")
    assert r.first is not None and r.first.apqn == "00.0000"
    answers = [text for _, text in r.first.timeline if text.startswith("ZAPQ")]
    assert answers[0].startswith("ZAPQ → NORMAL")
    assert answers[1:3] == [answers[1]] * 2 and "RESET_IN_PROGRESS" in answers[1]


# -- the unbounded reset ([6.12]) ------------------------------------------------------------
def test_612_fast_reset_is_verified_by_the_work_item() -> None:
    r = timed("6.12", hw("fixed:5"))
    assert r.counts["verified"] == 4 and not r.hung and r.warned == 0
    assert not any("Waited" in line for line in r.log_lines())


def test_612_slow_reset_prints_rate_limited_waited_notices() -> None:
    r = timed("6.12", hw("fixed:100", queues=(1, 32)))
    assert r.counts["verified"] == 32
    waited = [line for line in r.log_lines() if "for reset of queue" in line]
    assert len(waited) == 10  # burst of 10 per 5 s window
    assert r.warns["waited"] > 32
    assert "Waited 20ms for reset of queue 00.0000 (2, 1, 1)" in waited[0]
    assert r.log_lines()[-1].endswith(f"{r.warns['waited'] - 10} 'Waited' notices suppressed"
                                      " by the rate limit")


def test_612_a_stuck_queue_hangs_teardown() -> None:
    r = timed("6.12", hw("fixed:5", "stuck:00.0002"))
    assert r.hung and "flush_work on queue 00.0002 never returns" in r.hang
    assert r.counts["hung"] == 1 and r.classes == ("verified", "hung")
    assert r.first is not None and r.first.apqn == "00.0002"
    assert any(p.end < 0 for p in r.phases)
    assert "HANGS" in " ".join(__import__("sim.timing.render", fromlist=["x"]).summary(r))


def test_612_without_the_fault_the_same_machine_finishes() -> None:
    assert not timed("6.12", hw("fixed:5")).hung


def test_612_deconfigured_mid_reset_is_taken_as_done_but_stays_bound() -> None:
    """TAPQ DECONFIGURED counts as done ([6.12] :1918-1921); the reset never completed, the
    queue keeps its binding and the final Destroy Secure Configuration is refused."""
    r = timed("6.12", hw("fixed:50", "deconfig:00@10"))
    assert r.counts["unverified"] == 4 and not r.hung
    final = r.attempts[-1]
    assert final.uvc == "normal" and not final.ok and "leak" in final.harm
    assert r.flags["leak"] and r.flags["harmful-refusal"]
    assert r.classes == ("unverified",)
    # what-if: the same fault after every reset completed harms nothing
    late = timed("6.12", hw("fixed:5", "deconfig:00@500"))
    assert late.counts["verified"] == 4 and not late.flags["leak"]


def test_612_assoc_failure_is_reset_again() -> None:
    r = timed("6.12", hw("fixed:5", "assoc-fail:00.0001"))
    assert r.counts["verified"] == 4
    events = []
    again = timed("6.12", hw("fixed:5", "assoc-fail:00.0001", "stuck:00.0003"))
    assert again.first is not None  # the stuck queue; the assoc queue is traced separately
    from sim.timing.run import TimedTeardown

    t = TimedTeardown(build_profile("s390", "6.12"), hw("fixed:5", "assoc-fail:00.0001"),
                      path="exit", seed=1, trace_q=1).run()
    events = [text for _, text in t.tl.events]
    assert any("ASSOC_SECRET_NOT_UNIQUE (0x35)" in text for text in events)
    assert sum(text.startswith("ZAPQ") for text in events) == 2


def test_612_work_items_run_at_most_256_at_once() -> None:
    small = timed("6.12", hw("fixed:5", queues=(1, 256)))
    large = timed("6.12", hw("fixed:5", queues=(2, 256)))
    assert large.finished_us - small.finished_us >= 10_000  # a second batch of polls


def test_a_busy_queue_is_an_invalid_code_to_61_and_waited_for_by_612() -> None:
    """BUSY (05) has no case in [6.1]'s switch: WARN, -EIO, resources kept; [6.12] waits for
    it to clear and resets again (the 'wait for response code 05' rework, F6.6)."""
    old = timed("6.1", hw("fixed:5", "busy:00.0001@30"))
    assert old.counts["unverified"] == 1 and old.warns["zapq-invalid"] == 1
    assert any("invalid rc=5" in line for line in old.log_lines())
    assert any("NIB page stays pinned" in note for note in old.notes)
    new = timed("6.12", hw("fixed:5", "busy:00.0001@30"))
    assert new.counts["verified"] == 4 and "zapq-invalid" not in new.warns
    assert any("queue 00.0001 (5, 1, 1)" in line for line in new.log_lines())
    # what-if: not busy, nothing to tell apart
    assert timed("6.1", hw("fixed:0")).warns == {}


# -- paths and the Ultravisor ----------------------------------------------------------------
def test_612_exit_fast_refused_harmlessly_then_normal_destroy_after_reset() -> None:
    r = timed("6.12", hw("fixed:5"))
    fast, normal = r.attempts
    assert fast.uvc == "fast" and not fast.ok and fast.rc == "0x0104" and not fast.harm
    assert normal.uvc == "normal" and normal.ok and normal.bound == 0
    assert r.bound_at_destroy == 4 and not r.flags["warn"] and not r.flags["leak"]


def test_fast_refusal_warns_before_the_relaxation() -> None:
    """6.4 with AP for PV guests forced on: Destroy Fast's 0x104 still WARNs (F7.11)."""
    r = timed("6.4", hw("fixed:5"), features={"pv-ap": True})
    assert r.attempts[0].harm == "WARN" and r.flags["warn"]


def test_unbound_guest_is_never_refused() -> None:
    r = timed("6.12", hw("fixed:5", bound=False))
    assert all(a.ok for a in r.attempts) and r.attempts[0].uvc == "fast"


def test_reboot_qemu_82_resets_before_unprotect_81_does_not() -> None:
    new = timed("6.12", hw("fixed:5"), path="reboot", userspace="qemu-8.2")
    old = timed("6.12", hw("fixed:5"), path="reboot", userspace="qemu-8.1")
    assert all(a.ok for a in new.attempts) and not new.leaks
    assert old.flags["harmful-refusal"] and old.leaks
    assert old.first is not None and "KVM_PV_DISABLE" in old.first.why


def test_refusal_toggle_off_destroys_while_bound() -> None:
    r = timed("6.12", hw("fixed:5"), path="reboot", userspace="qemu-8.1",
              toggles={"uv-destroy-refused-while-bound": "false",
                       "uv-fast-destroy-refused-while-bound": "false"})
    assert r.attempts[0].ok and not r.leaks


def test_orders_differ_in_step_order_not_in_outcome() -> None:
    current = timed("6.12", hw("fixed:5"), order="current")
    reversed_ = timed("6.12", hw("fixed:5"), order="reversed")
    names_c, names_r = phase_names(current), phase_names(reversed_)
    assert names_c.index("kvm_arch_destroy_vm") < names_c.index("kvm_destroy_devices")
    assert names_r.index("kvm_destroy_devices") < names_r.index("kvm_arch_destroy_vm")
    assert current.counts == reversed_.counts and current.flags == reversed_.flags


def test_async_teardown_moves_the_notifier_after_the_fds() -> None:
    r = timed("6.12", hw("fixed:5"), userspace="qemu-8.2", async_teardown=True)
    names = phase_names(r)
    reset = next(i for i, n in enumerate(names) if n.startswith("vfio_ap reset"))
    notifier = next(i for i, n in enumerate(names) if n.startswith("PV mmu-notifier"))
    assert reset < notifier
    assert r.attempts[0].uvc == "normal" and r.attempts[0].ok


def test_a_fix_hook_at_pv_teardown_resets_before_the_configuration_goes() -> None:
    """The fix explorer's complete fix, timed: the reset moves into the PV teardown, Destroy
    Fast succeeds at once and the qemu-8.1 reboot no longer WARNs or leaks; a hook at VM fd
    release (Rosato's notifier) changes nothing on these paths."""
    fixed = build_profile("s390", "6.12", userspace="qemu-8.1",
                          hooks=("vfio-ap-reset-on-pv-teardown",))
    r = simulate(fixed, hw("fixed:5"), path="reboot", seed=1)
    assert [(a.uvc, a.ok) for a in r.attempts] == [("fast", True)] and not r.leaks
    names = phase_names(r)
    hook = next(i for i, n in enumerate(names) if n.startswith("hook vfio-ap-reset"))
    assert hook < names.index("Destroy Secure Configuration Fast (kvm_s390_pv_set_aside)")
    other = build_profile("s390", "6.12", userspace="qemu-8.1",
                          hooks=("vfio-notify-at-vm-release",))
    assert simulate(other, hw("fixed:5"), path="reboot", seed=1).flags["leak"]


def test_response_codes_carry_their_header_lines() -> None:
    values = {rc.value for rc in RESPONSE_CODES}
    assert {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0A, 0x35, 0x36} <= values
    assert all(rc.lines for rc in RESPONSE_CODES)


# -- Monte-Carlo -----------------------------------------------------------------------------
def test_wilson_interval() -> None:
    low, high = wilson(0, 100)
    assert low == 0 and 0.03 < high < 0.04
    low, high = wilson(50, 100)
    assert low < 0.5 < high
    assert wilson(0, 0) == (0.0, 1.0)


def test_montecarlo_61_gives_a_probability_of_giving_up() -> None:
    profile = build_profile("s390", "6.1")
    mc = monte_carlo(profile, hw("lognormal:3.0,0.6", queues=(1, 1)), path="exit", seed=7,
                     runs=200)
    p, low, high = mc.probability("unverified")
    assert 0 < low < p < high < 1
    assert mc.to_json()["probabilities"]["unverified"]["runs"] == mc.hits["unverified"]
    again = monte_carlo(profile, hw("lognormal:3.0,0.6", queues=(1, 1)), path="exit", seed=7,
                        runs=200, chunks=4)
    assert again.hits == mc.hits and again.durations_ms == mc.durations_ms


# -- the link to layer 1 ---------------------------------------------------------------------
def _verdicts(era: str, classes: Sequence[str]) -> dict[str, object]:
    result = check_linked(build_profile("s390", era), classes)
    return {c.id: c for c in result.claims}


def test_link_slow_61_latency_fails_no_warn_with_a_trace_fast_does_not() -> None:
    slow = timed("6.1", hw("fixed:100"))
    fast = timed("6.1", hw("fixed:0"))
    failing = _verdicts("6.1", slow.classes)["no-warn"]
    holding = _verdicts("6.1", fast.classes)["no-warn"]
    assert failing.verdict == "fails" and failing.trace  # type: ignore[attr-defined]
    assert "unable to verify" in json.dumps(
        [step.to_json() for step in failing.trace])  # type: ignore[attr-defined]
    assert holding.verdict == "holds"  # type: ignore[attr-defined]


def test_link_a_stuck_612_queue_fails_no_hang_a_fast_one_does_not() -> None:
    stuck = timed("6.12", hw("fixed:5", "stuck:00.0000"))
    fine = timed("6.12", hw("fixed:5"))
    assert _verdicts("6.12", stuck.classes)["no-hang"].verdict == "fails"  # type: ignore[attr-defined]
    assert _verdicts("6.12", fine.classes)["no-hang"].verdict == "holds"  # type: ignore[attr-defined]


def test_hung_class_is_refused_for_the_bounded_era() -> None:
    with pytest.raises(SimError, match="hung"):
        build_profile("s390", "6.1", reset_classes=("verified", "hung"))


# -- specs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["fixed:", "fixed:-1", "lognormal:1", "lognormal:1,-2",
                                  "worst:3", "gamma:1", "fixed:nan"])
def test_bad_latency(text: str) -> None:
    with pytest.raises(SimError, match="latency"):
        parse_latency(text)


@pytest.mark.parametrize("text", ["melt:00.0001", "stuck:", "stuck:00", "deconfig:00.0001",
                                  "busy:00",
                                  "stuck:00.0001@5", "stuck:0%", "stuck:101%", "deconfig:00@x",
                                  "stuck:zz.0001"])
def test_bad_fault(text: str) -> None:
    with pytest.raises(SimError, match="fault"):
        parse_fault(text)


def test_fault_outside_the_machine() -> None:
    with pytest.raises(SimError, match="adapter 03"):
        hw("fixed:5", "stuck:03.0000")
