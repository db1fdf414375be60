"""Fixes as model data: hooks are real behaviour, orders keep the kernel's constraints, user
fixes are validated."""

from __future__ import annotations

import re

import pytest

from sim.checker import check
from sim.errors import ProfileError, SimError
from sim.fixes import (
    CATALOG,
    CONSTRAINTS,
    CURRENT,
    SWAPPED,
    Fix,
    broken,
    moved,
    parse_fixes,
    search_space,
    valid_orders,
)
from sim.hooks import HOOKS
from sim.profile import build_profile


def _verdicts(**kw: object) -> tuple[dict[str, str], int]:
    result = check(build_profile("s390", "6.12", **kw))  # type: ignore[arg-type]
    return {c.id: c.verdict for c in result.claims}, result.hooks_fired


def test_the_pv_teardown_reset_removes_the_warn_and_leak_of_an_unprotect() -> None:
    before, fired_before = _verdicts()
    after, fired = _verdicts(hooks=("vfio-ap-reset-on-pv-teardown",))
    assert before["no-warn"] == before["no-leak"] == "fails"
    assert after["no-warn"] == after["no-leak"] == "holds"
    assert fired_before == 0 and fired > 0


def test_the_hook_shows_in_the_trace_where_it_acts() -> None:
    result = check(build_profile("s390", "6.12", hooks=("vfio-notify-at-vm-release",),
                                 claims=("no-warn",)))
    assert result.hooks_fired > 0
    # the unprotect path still WARNs: the VM fd is open while KVM_PV_DISABLE runs
    assert result.claim("no-warn").verdict == "fails"


def test_the_pre_destroy_reset_acts_only_in_the_rfc_premise_world() -> None:
    """With vfio_ap's kvm reference (F7.9) the hook never meets an associated mdev; without
    it (the RFC's premise) it resets the queues before arch destroy and the GISA WARN goes."""
    hook = ("s390-pre-destroy-ap-reset",)
    _, fired = _verdicts(hooks=hook)
    assert fired == 0
    premise = {"vfio-ap-kvm-ref": False, "vfio-core-kvm-ref": False}
    plain, _ = _verdicts(features=premise)
    hooked, fired = _verdicts(features=premise, hooks=hook)
    assert fired > 0
    assert plain["gisa-alert-mask-clear"] == "fails"
    assert hooked["gisa-alert-mask-clear"] == "holds"


def test_unknown_and_duplicate_hooks_are_one_profile_error() -> None:
    with pytest.raises(ProfileError, match=r"unknown hook 'nope'.*duplicate hook"):
        build_profile("s390", "6.12", hooks=("nope", "s390-pre-destroy-ap-reset",
                                             "s390-pre-destroy-ap-reset"))


def test_every_hook_cites_a_fact_and_every_action_point_pair_is_there() -> None:
    pairs = {(h.action, h.point) for h in HOOKS}
    assert len(pairs) == len(HOOKS) == 6


def test_orders_keep_the_hard_constraints() -> None:
    orders = valid_orders()
    assert orders[0] == CURRENT and SWAPPED in orders
    assert len(orders) == 5
    assert all(not broken(order) for order in orders)
    assert moved(SWAPPED) == 1 and moved(CURRENT) == 0
    devices_first = ("kvm_arch_sync_events", "kvm_destroy_devices", "kvm_arch_pre_destroy_vm",
                     "kvm_io_bus_destroy", "kvm_arch_destroy_vm", "kvm_arch_free_vm")
    assert {c.fact for c in broken(devices_first)} == {"F3.3"}
    assert all(c.fact for c in CONSTRAINTS)


def test_the_swap_projects_onto_each_era() -> None:
    swap = next(fix for fix in CATALOG if fix.name == "rfc-swap")
    old = build_profile("x86", "3.9").features  # the refcount era: no kvm_destroy_devices
    assert swap.steps_for(old) == ()
    new = build_profile("x86", "6.12").features
    assert swap.steps_for(new) == build_profile("x86", "6.12", order="reversed").steps


def test_the_search_space_is_orders_times_hook_sets() -> None:
    assert len(search_space(0)) == 5
    assert len(search_space(1)) == 5 * 7
    assert search_space(1)[0].name == "no-change"


def test_catalog_names_its_proposers_and_facts() -> None:
    names = {fix.name for fix in CATALOG}
    assert {"no-change", "rfc-swap", "rosato-notifier", "s390-pre-destroy",
            "vfio-ap-pv-teardown", "qemu-reset-first", "relaxed-warn"} <= names
    assert all(fix.proposer and fix.facts for fix in CATALOG)


GOOD = """
[[fix]]
name = "reset-everywhere"
proposer = "a reviewer"
facts = ["F6.10"]
hooks = ["vfio-ap-reset-on-pv-teardown", "vfio-ap-reset-at-vm-release"]
userspace = { "qemu-8.1" = "qemu-8.2" }
"""


def test_a_user_fix_parses() -> None:
    (fix,) = parse_fixes(GOOD, "mine.toml")
    assert fix == Fix("reset-everywhere", "reset-everywhere", "a reviewer", ("F6.10",),
                      hooks=("vfio-ap-reset-on-pv-teardown", "vfio-ap-reset-at-vm-release"),
                      userspace=(("qemu-8.1", "qemu-8.2"),))
    assert fix.size == 3


@pytest.mark.parametrize(("text", "message"), [
    ("[[fix]\nname = 1", "not valid TOML"),
    ("name = 'x'", "unknown top-level key"),
    ("[[fix]]\nname = 'x'\nproposer = 'p'\nfacts = ['F6.10']\nhooks = ['nope']",
     "unknown hook 'nope'"),
    ("[[fix]]\nname = 'x'\nproposer = 'p'\nfacts = ['F9.99']", "unknown fact 'F9.99'"),
    ("[[fix]]\nname = 'x'\nproposer = 'p'\nfacts = ['F2.6']\nsteps = ['kvm_arch_free_vm']",
     "permutation"),
    ("[[fix]]\nname = 'x'\nproposer = 'p'\nfacts = ['F2.6']\nsteps = ["
     + ", ".join(f"'{s}'" for s in reversed(CURRENT)) + "]", "must run before"),
    ("[[fix]]\nname = 'rfc-swap'\nproposer = 'p'\nfacts = ['F2.6']", "shipped catalog"),
    ("[[fix]]\nname = 'x'\nfacts = ['F2.6']", "proposer is required"),
    ("[[fix]]\nname = 'x'\nproposer = 'p'\nfacts = ['F2.6']\ncolour = 'red'",
     "unknown key"),
])
def test_a_malformed_fix_is_one_line(text: str, message: str) -> None:
    with pytest.raises(SimError, match=re.escape(message)) as info:
        parse_fixes(text, "bad.toml")
    assert "\n" not in str(info.value) and str(info.value).startswith("bad.toml")
