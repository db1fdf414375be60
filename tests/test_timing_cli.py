"""``kvm-workbench timing``: the JSON contract, the text form, Monte-Carlo, and --check."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run_cli


def timing_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run_cli(capsys, "timing", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_json_has_a_run_per_order_and_path(capsys: pytest.CaptureFixture[str]) -> None:
    data = timing_json(capsys, "--era", "6.12", "--latency", "fixed:5", "--no-check")
    runs = data["runs"]
    assert [(r["order"], r["path"]) for r in runs] == [
        ("current", "exit"), ("current", "reboot"), ("reversed", "exit"), ("reversed", "reboot")]
    first = runs[0]
    for key in ("duration_ms", "phases", "outcomes", "destroys", "warns", "leaks", "log",
                "first_violation", "layer1_classes", "bound_at_destroy", "hung"):
        assert key in first
    assert first["outcomes"]["verified"] == 4
    assert data["hardware"]["queues"] == 4 and data["assumptions"]


def test_json_first_violation_timeline_and_layer1(capsys: pytest.CaptureFixture[str]) -> None:
    data = timing_json(capsys, "--era", "6.12", "--order", "current", "--path", "exit",
                       "--adapters", "2", "--domains", "8", "--latency", "fixed:5",
                       "--fault", "stuck:01.0003")
    run = data["runs"][0]
    assert run["hung"] and run["duration_ms"] is None
    violation = run["first_violation"]
    assert violation["apqn"] == "01.0003" and violation["timeline"]
    claims = {c["id"]: c["verdict"] for c in run["layer1"]["claims"]}
    assert run["layer1"]["reset_classes"] == ["verified", "hung"]
    assert claims["no-hang"] == "fails"


def test_montecarlo_probabilities(capsys: pytest.CaptureFixture[str]) -> None:
    data = timing_json(capsys, "--era", "6.1", "--order", "current", "--path", "exit",
                       "--domains", "1", "--latency", "lognormal:3.0,0.6", "--runs", "100",
                       "--no-check")
    mc = data["runs"][0]["montecarlo"]
    assert mc["runs"] == 100
    unverified = mc["probabilities"]["unverified"]
    assert 0 < unverified["p"] < 1 and unverified["ci95"][0] < unverified["p"]


def test_text_names_the_phases_and_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "timing", "--era", "6.12", "--userspace", "qemu-8.1",
                           "--path", "reboot", "--order", "current", "--latency", "fixed:5")
    assert code == 0
    assert "KVM_PV_DISABLE" in out and "protvirt destroy vm failed" in out
    assert "LEAK" in out and "model checker with reset outcomes {verified}" in out


def test_check_exits_1_when_a_linked_claim_fails(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("timing", "--era", "6.1", "--order", "current", "--path", "exit", "--check")
    assert run_cli(capsys, *args, "--latency", "fixed:100")[0] == 1
    assert run_cli(capsys, *args, "--latency", "fixed:0")[0] == 0


def test_sim_takes_the_timing_models_reset_outcomes(capsys: pytest.CaptureFixture[str]) -> None:
    base = ("sim", "--era", "6.1", "--order", "current", "--claim", "no-warn", "--json")
    code, out, _ = run_cli(capsys, *base, "--reset-outcomes", "verified")
    assert code == 0 and json.loads(out)["runs"][0]["claims"][0]["verdict"] == "holds"
    code, out, _ = run_cli(capsys, *base, "--reset-outcomes", "verified,unverified")
    run = json.loads(out)["runs"][0]
    assert run["claims"][0]["verdict"] == "fails" and run["reset_outcomes"] == [
        "verified", "unverified"]
    code, _, err = run_cli(capsys, *base, "--reset-outcomes", "verified,hung")
    assert code == 2 and "needs the unbounded reset" in err


def test_timing_a_fix_hook(capsys: pytest.CaptureFixture[str]) -> None:
    data = timing_json(capsys, "--era", "6.12", "--order", "current", "--path", "exit",
                       "--latency", "fixed:5", "--hook", "vfio-ap-reset-on-pv-teardown")
    run = data["runs"][0]
    assert data["hooks"] == ["vfio-ap-reset-on-pv-teardown"]
    assert [d["ok"] for d in run["destroys"]] == [True] and run["bound_at_destroy"] == 0
    code, _, err = run_cli(capsys, "timing", "--hook", "nope")
    assert code == 2 and "nope" in err
