"""State and Draft share one field declaration; check() and reachable() share one search."""

from __future__ import annotations

import dataclasses

import pytest

from sim.checker import check, reachable
from sim.profile import build_profile, initial_state
from sim.state import FIELDS, Draft, State


def test_draft_and_state_have_the_same_fields_in_the_same_order() -> None:
    assert tuple(f.name for f in dataclasses.fields(Draft)) == FIELDS
    assert tuple(f.name for f in dataclasses.fields(State)) == FIELDS
    assert not isinstance(Draft.of(initial_state(build_profile("x86", "6.12"))), State)


def test_a_state_is_frozen_hashable_and_slotted_and_a_draft_edits_a_copy() -> None:
    state = initial_state(build_profile("s390", "6.12"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.kvm = "freed"  # type: ignore[misc]  # the point: a State refuses edits
    assert not hasattr(state, "__dict__") and hash(state) == hash(Draft.of(state).freeze())
    draft = Draft.of(state)
    draft.kvm = "freed"
    assert draft.freeze().kvm == "freed" and state.kvm == "alive"
    assert Draft.of(state).freeze() == state


@pytest.mark.parametrize("arch", ["s390", "powerpc-e500", "x86"])
def test_reachable_visits_exactly_the_states_check_counts(arch: str) -> None:
    profile = build_profile(arch, "6.1", order="reversed")
    assert len(reachable(profile)) == check(profile).stats.states


def test_an_event_carries_its_call_chain_as_names() -> None:
    """Links use the names, never the display text: notes after a name are dropped."""
    from sim.catalog import Event

    chain = Event("x", "s390_pv_vm_disable → kvm_s390_handle_pv → kvm_s390_cpus_from_pv",
                  "F7.12", "user")
    assert chain.calls == ("s390_pv_vm_disable", "kvm_s390_handle_pv", "kvm_s390_cpus_from_pv")
    assert Event("y", "ap_bapq (guest se_bind)", "F6.9", "guest").calls == ("ap_bapq",)
    assert Event("z", "vfio_group_set_kvm(NULL)", "F5.1", "user").calls == ("vfio_group_set_kvm",)
