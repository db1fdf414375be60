"""``kvm-workbench sim`` and the core API the Simulator screen calls from a worker."""

from __future__ import annotations

import json

import pytest

import sim
from sim.errors import CheckCancelled
from workbench.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = main(["sim", *args, "--json"])
    out = capsys.readouterr().out
    return status, json.loads(out)


def test_json_has_one_run_per_order(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "--arch", "powerpc-e500", "--era", "6.12",
                            "--order", "both", "--vcpus", "3")
    assert status == 0
    assert list(data) == ["runs"]
    runs = data["runs"]
    assert [run["order"] for run in runs] == ["current", "reversed"]
    for run in runs:
        assert {"arch", "era", "order", "userspace", "async_teardown", "vcpus", "queues",
                "toggles", "stats", "claims"} <= set(run)
        assert (run["arch"], run["era"], run["vcpus"]) == ("powerpc-e500", "6.12", 3)
        assert (run["userspace"], run["async_teardown"]) == ("any", False)
        assert set(run["stats"]) == {"states", "transitions", "depth", "seconds"}
        assert run["toggles"]["exit-fput-order"] == "reverse"
        for claim in run["claims"]:
            assert {"id", "verdict", "assumes", "trace", "prevented_by",
                    "vacuous_reason"} <= set(claim)
            assert claim["verdict"] in ("holds", "fails")
    uaf = next(c for c in runs[1]["claims"] if c["id"] == "no-uaf")
    assert uaf["verdict"] == "fails"
    assert {"event", "function", "fact"} <= set(uaf["trace"][0])
    assert uaf["trace"][-1]["function"] == "kvm_destroy_vcpus"


def test_check_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--arch", "powerpc-e500", "--order", "reversed", "--check"]) == 1
    assert main(["sim", "--arch", "powerpc-e500", "--order", "current", "--check"]) == 0
    assert main(["sim", "--arch", "powerpc-e500", "--order", "reversed"]) == 0
    capsys.readouterr()


def test_userspace_and_async_teardown_are_carried_in_each_run(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "--arch", "s390", "--era", "6.12", "--userspace",
                            "qemu-8.2", "--async-teardown")
    assert status == 0
    assert [(r["userspace"], r["async_teardown"]) for r in data["runs"]] == \
        [("qemu-8.2", True)] * 2
    guards = {p["guard"] for r in data["runs"] for c in r["claims"] for p in c["prevented_by"]}
    assert "helper-waits-for-parent" in guards


def test_one_claim_and_toggles(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "--arch", "s390", "--era", "6.12", "--order", "current",
                            "--claim", "se-ap-reset", "--toggle",
                            "destroy-fast-available=false", "--exclude", "KVM_PV_DISABLE")
    assert status == 0
    (run,) = data["runs"]
    assert [c["id"] for c in run["claims"]] == ["se-ap-reset"]
    assert run["toggles"]["destroy-fast-available"] == "false"
    assert run["excluded"] == ["KVM_PV_DISABLE"]


def test_human_output_numbers_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--arch", "powerpc-e500", "--order", "reversed"]) == 0
    out = capsys.readouterr().out
    assert "no-uaf FAILS — shortest counterexample, 10 steps" in out
    assert "   8. kvm_destroy_devices: ops->destroy(mpic)" in out
    assert "mpic_destroy  [F4.5]" in out
    assert "⇒ use after free: openpic" in out


def test_explicit_steps(capsys: pytest.CaptureFixture[str]) -> None:
    steps = "kvm_arch_sync_events,kvm_arch_pre_destroy_vm,kvm_io_bus_destroy," \
            "kvm_destroy_devices,kvm_arch_destroy_vm,kvm_arch_free_vm"
    status, data = run_json(capsys, "--arch", "powerpc-e500", "--era", "6.1", "--steps", steps)
    assert status == 0
    assert [run["order"] for run in data["runs"]] == ["custom"]
    assert data["runs"][0]["steps"] == steps.split(",")


@pytest.mark.parametrize("args", [
    ["--arch", "sparc"],
    ["--era", "7.1"],
    ["--toggle", "no-equals-sign"],
    ["--toggle", "ap-reset-faults=maybe", "--claim", "nope"],
    ["--feature", "pv=sometimes"],
    ["--steps", "kvm_arch_destroy_vm", "--order", "current"],
    ["--exclude", "KVM_PV_FROB"],
    ["--userspace", "qemu-7.0"],
    ["--toggle", "zapq-dissolves-se-binding=true"],
    ["--toggle", "qemu-resets-ap-before-unprotect=true"],
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                          args: list[str]) -> None:
    assert main(["sim", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kvm-workbench: error: ")
    assert "Traceback" not in captured.err


def test_list_features_claims_toggles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "--list-features"]) == 0
    out = capsys.readouterr().out
    assert "kvm-vfio-release" in out and "6.1.y" in out and "F5.5" in out
    assert main(["sim", "--list-claims"]) == 0
    out = capsys.readouterr().out
    for claim_id in ("comment-mpic-disconnect", "no-warn", "no-hang", "se-ap-reset"):
        assert f"\n{claim_id}  [" in f"\n{out}"
    assert "definition: Every Destroy Secure Configuration that succeeds" in out
    assert main(["sim", "--list-toggles", "--json"]) == 0
    toggles = {t["name"]: t for t in json.loads(capsys.readouterr().out)["toggles"]}
    assert toggles["uv-destroy-refused-while-bound"]["default"] == "true"
    assert "ef1535901a0" in toggles["uv-destroy-refused-while-bound"]["evidence"]
    assert toggles["uv-fast-destroy-refused-while-bound"]["default"] == "true"
    assert "b1e428615f15" in toggles["uv-fast-destroy-refused-while-bound"]["evidence"]
    assert toggles["exit-fput-order"]["default"] == "reverse"
    assert all(t["evidence"] for t in toggles.values())
    assert not {"zapq-dissolves-se-binding", "uv-resets-queues-on-destroy",
                "qemu-resets-ap-before-unprotect"} & set(toggles)
    assert main(["sim", "--list-toggles"]) == 0
    assert "evidence: QEMU ef1535901a0" in capsys.readouterr().out
    assert main(["sim", "--list-userspaces"]) == 0
    out = capsys.readouterr().out
    assert "qemu-8.2  [F7.12]" in out and "s390_machine_reset" in out


def test_core_api_reports_progress_and_can_be_cancelled() -> None:
    profile = sim.build_profile("s390", "6.1", vcpus=4, queues=16)
    seen: list[int] = []
    result = sim.check(profile, progress=seen.append, every=256)
    assert seen and seen[-1] == result.stats.states
    assert seen == sorted(seen)
    with pytest.raises(CheckCancelled):
        sim.check(profile, cancelled=lambda: True, every=16)


def test_results_expose_states_for_stepping() -> None:
    result = sim.check(sim.build_profile("powerpc-e500", "6.12", order="reversed"))
    trace = result.claim("no-uaf").trace
    assert trace[0].state != result.initial
    assert trace[-1].state.vcpus_live is False
    assert [step.index for step in trace] == list(range(1, len(trace) + 1))
