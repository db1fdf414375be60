"""Profiles are data: eras derive feature sets, orders derive step lists, and a profile that is
wrong in several ways says so in one error (DESIGN "sim/", STYLE lesson 6)."""

from __future__ import annotations

import dataclasses

import pytest

from sim.arches import ARCHES, ArchStep, cited_facts
from sim.catalog import GUARDS, RULES
from sim.claims import CLAIM_IDS, CLAIMS, validate
from sim.eras import FEATURES, RELEASES, features_for, parse_era
from sim.errors import ModelError, ProfileError, SimError
from sim.facts import FACTS, require_facts
from sim.profile import VM_STEPS, build_profile, era_steps
from sim.steps import _ARCH_EFFECTS, require_effects
from sim.toggles import TOGGLES
from sim.userspace import USERSPACES


def test_every_rule_cites_a_known_fact() -> None:
    """The tables validated themselves on import; here is what they cite, all of it known."""
    cited = [*cited_facts(ARCHES), *((f.name, f.fact) for f in FEATURES),
             *((t.name, t.fact) for t in TOGGLES), *((r.key, r.fact) for r in RULES.values()),
             *((g.id, g.fact) for g in GUARDS.values()), *((s.name, s.fact) for s in VM_STEPS),
             *((u.name, u.fact) for u in USERSPACES.values()),
             *((c.id, fact) for c in CLAIMS for fact in c.facts)]
    assert len(cited) > 80
    assert all(fact in FACTS for _, fact in cited)


def test_an_unknown_fact_id_is_reported_with_the_table_entry() -> None:
    with pytest.raises(ModelError) as caught:
        require_facts("sim.toggles.TOGGLES", [("'made-up'", "F9.99"), ("'ok'", "F7.5")])
    assert str(caught.value) == "sim.toggles.TOGGLES entry 'made-up' cites unknown fact 'F9.99'"


def test_a_broken_arch_entry_is_named() -> None:
    s390 = ARCHES["s390"]
    bad = dataclasses.replace(s390, steps=(*s390.steps, ArchStep("kvm_frob", "F9.1")))
    with pytest.raises(ModelError, match=r"'s390' step 'kvm_frob' cites unknown fact 'F9.1'"):
        require_facts("sim.arches.ARCHES", cited_facts({"s390": bad}))


def test_an_arch_step_without_an_effect_is_named() -> None:
    with pytest.raises(ModelError, match=r"sim.arches.ARCHES step 'kvm_frob' has no effect"):
        require_effects("sim.arches.ARCHES", ["kvm_destroy_vcpus", "kvm_frob"], _ARCH_EFFECTS)


def test_a_broken_claim_entry_is_named() -> None:
    bad = dataclasses.replace(CLAIMS[0], facts=("F7.11", "F0.0"))
    with pytest.raises(ModelError, match=r"CLAIMS entry 'se-ap-reset' cites unknown fact 'F0.0'"):
        validate([bad, *CLAIMS[1:]])
    with pytest.raises(ModelError, match=r"entry 'no-uaf' is defined 2 times"):
        validate([*CLAIMS, CLAIMS[1]])


def test_fact_table_carries_the_landmark_commits() -> None:
    assert FACTS["F5.5"].commit.startswith("51cdc8bc120e")
    assert FACTS["F7.4"].commit.startswith("ca2fd0609b5d")
    assert FACTS["F1.2"].commit == "07f0a7bdec5c"


def test_ids_are_unique_across_tables() -> None:
    for names in ([f.name for f in FEATURES], [t.name for t in TOGGLES], list(RULES),
                  list(CLAIM_IDS), list(ARCHES)):
        assert len(names) == len(set(names))
    validate(CLAIMS)


def test_claim_ids_are_the_contract() -> None:
    assert {"se-ap-reset", "no-uaf", "no-leak", "comment-destroy-devices-lock",
            "comment-device-ops-destroy", "comment-s390-arch-destroy", "comment-pv-notifier",
            "comment-mpic-disconnect"} <= set(CLAIM_IDS)


@pytest.mark.parametrize(("era", "present", "absent"), [
    ("3.9", {"device-refcount", "device-api"}, {"destroy-devices", "kvm-vfio"}),
    ("5.10", {"destroy-devices", "set-kvm-notifier", "vfio-ap-kvm-ref", "pv"},
     {"pv-mmu-notifier", "kvm-vfio-release"}),
    # 6.1 is Debian's 6.1.192 stable tree: it has the kvm-vfio release backport (F5.5) but
    # not the VFIO core kvm reference (F5.3).
    ("6.1", {"pv-mmu-notifier", "kvm-vfio-release"},
     {"destroy-fast", "vfio-core-kvm-ref", "set-kvm-notifier", "x86-vcpus-first"}),
    ("6.2", {"destroy-fast", "kvm-vfio-release", "pv-async-cleanup"}, {"vfio-core-kvm-ref"}),
    # 6.12.117 carries the x86 vCPUs-first reorder and the EOI-work cancel (F2.8).
    ("6.12", {"vfio-core-kvm-ref", "reset-unbounded", "pv-ap", "x86-vcpus-first",
              "x86-eoi-cancel", "sync-events"}, set()),
    ("6.15", {"x86-vcpus-first"}, {"sync-events", "x86-eoi-cancel"}),
])
def test_era_feature_sets(era: str, present: set[str], absent: set[str]) -> None:
    features = features_for(parse_era(era))
    assert present <= features
    assert not absent & features


def test_every_release_from_3_9_to_6_18_parses() -> None:
    assert RELEASES[0] == (3, 9) and RELEASES[-1] == (6, 18)
    assert len(RELEASES) == 11 + 21 + 20 + 19
    for bad in ("3.8", "4.21", "7.0", "6", "six.one", "6.19"):
        with pytest.raises(SimError):
            parse_era(bad)


def test_reversed_swaps_only_the_two_steps() -> None:
    current = build_profile("s390", "6.12")
    swapped = build_profile("s390", "6.12", order="reversed")
    assert current.steps.index("kvm_arch_destroy_vm") + 1 == \
        current.steps.index("kvm_destroy_devices")
    assert swapped.steps.index("kvm_destroy_devices") + 1 == \
        swapped.steps.index("kvm_arch_destroy_vm")
    assert sorted(current.steps) == sorted(swapped.steps)


def test_refcount_era_has_no_destroy_devices_and_says_reversed_is_current() -> None:
    profile = build_profile("powerpc-e500", "3.9", order="reversed")
    assert "kvm_destroy_devices" not in profile.steps
    assert profile.steps == build_profile("powerpc-e500", "3.9").steps
    assert any("'reversed' equals 'current'" in note for note in profile.notes)
    assert profile.style("mpic") == "refcount"


def test_device_styles_follow_the_era() -> None:
    assert build_profile("x86", "6.0").style("kvm-vfio") == "destroy"
    assert build_profile("x86", "6.1").style("kvm-vfio") == "release"
    assert build_profile("powerpc-book3s", "5.1").style("xics") == "destroy"
    assert build_profile("powerpc-book3s", "5.2").style("xics") == "release"


def test_s390_arch_steps_per_era() -> None:
    assert build_profile("s390", "5.10").arch_steps == (
        "kvm_destroy_vcpus", "kvm_s390_gisa_destroy", "kvm_s390_pv_deinit_vm",
        "free_sie_page2")
    assert build_profile("s390", "6.1").arch_steps == (
        "kvm_destroy_vcpus", "kvm_s390_gisa_destroy", "kvm_s390_pv_deinit_vm",
        "mmu_notifier_unregister", "free_sie_page2")
    assert "kvm_s390_pv_deinit_cleanup_all" in build_profile("s390", "6.12").arch_steps


def test_x86_vcpus_first_moves_vcpu_destruction() -> None:
    assert build_profile("x86", "6.1").arch_steps[-1] == "kvm_destroy_vcpus"
    assert build_profile("x86", "6.12").arch_steps[0] == "kvm_destroy_vcpus"


def test_a_custom_step_list_must_be_a_permutation() -> None:
    steps = list(reversed(era_steps(features_for((6, 12)))))
    profile = build_profile("s390", "6.12", steps=steps)
    assert profile.order == "custom" and list(profile.steps) == steps


def test_one_error_lists_every_problem() -> None:
    with pytest.raises(ProfileError) as caught:
        build_profile("s390", "6.12", steps=["kvm_arch_destroy_vm", "kvm_arch_destroy_vm",
                                              "kvm_frobnicate"],
                      toggles={"no-such-toggle": "true", "exit-fput-order": "sideways"},
                      claims=["no-uaf", "no-uaf", "no-such-claim"],
                      exclude=["KVM_PV_FROB"], features={"warp-drive": True})
    problems = caught.value.problems
    text = str(caught.value)
    assert "\n" not in text
    for expected in ("unknown step 'kvm_frobnicate'", "duplicate step 'kvm_arch_destroy_vm'",
                     "missing step(s)", "unknown toggle 'no-such-toggle'",
                     "toggle exit-fput-order='sideways'", "duplicate claim 'no-uaf'",
                     "unknown claim 'no-such-claim'", "unknown event 'KVM_PV_FROB'",
                     "unknown feature 'warp-drive'"):
        assert any(expected in problem for problem in problems), expected


def test_unknown_arch_and_bad_sizes() -> None:
    with pytest.raises(ProfileError) as caught:
        build_profile("sparc", "6.12", vcpus=0, queues=-1)
    assert len(caught.value.problems) == 3


def test_a_step_from_another_era_is_rejected() -> None:
    with pytest.raises(ProfileError, match="does not exist in this era"):
        build_profile("s390", "6.15", steps=era_steps(features_for((6, 12))))


def test_notes_name_uncertain_boundaries_near_the_era() -> None:
    assert any(note.startswith("pv:") for note in build_profile("s390", "5.7").notes)
    assert not any(note.startswith("pv:") for note in build_profile("s390", "6.12").notes)
    assert any("[6.12]" in note for note in build_profile("loongarch", "6.1").notes)


def test_an_unknown_kernel_step_is_an_error_naming_it() -> None:
    from sim.profile import initial_state
    from sim.steps import run_step

    profile = build_profile("s390", "6.12")
    state = initial_state(profile)
    for step, named in (("vm:kvm_frobnicate", "kvm_destroy_vm step 'kvm_frobnicate'"),
                        ("arch:kvm_frob", "kvm_arch_destroy_vm step 'kvm_frob' on s390"),
                        ("frob:x", "kernel step 'frob:x'")):
        with pytest.raises(ModelError, match=named):
            run_step(dataclasses.replace(state, pending=(step,)), profile)
