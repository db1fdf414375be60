"""The fix explorer: matrices against no-change, regressions with traces, the ranking and its
words, the search, and the ``fixes`` command (JSON, user fixes, bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.fixes import CATALOG_BY_NAME
from tests.cli_run import run_cli
from workbench.checks import CheckRequest, _key
from workbench.fixes import FixReport, judge, request_for, search, userspaces_of


def _judge(*names: str, arches: tuple[str, ...], eras: tuple[str, ...] = ("6.12",)
           ) -> FixReport:
    return judge([CATALOG_BY_NAME[name] for name in names], arches=arches, eras=eras,
                 workers=1)


def test_the_swap_regresses_powerpc_e500_through_the_mpic() -> None:
    report = _judge("rfc-swap", arches=("powerpc-e500", "x86"))
    swap = report.result("rfc-swap")
    uaf = [c for c in swap.regressions if c.claim == "no-uaf"]
    assert [c.arch for c in uaf] == ["powerpc-e500"]
    assert "openpic" in uaf[0].run["reason"]
    assert any(step["function"] == "kvm_destroy_devices" for step in uaf[0].run["trace"])
    assert not swap.complete and "regresses" in swap.blocker()
    assert report.result("no-change").regressions == []


def test_no_change_is_not_complete_on_s390_6_12_under_any() -> None:
    report = _judge("no-change", arches=("s390",))
    base = report.result("no-change")
    assert not base.complete
    failing = {(c.claim, c.userspace) for c in base.se_failures}
    assert ("no-warn", "any") in failing and ("no-warn", "qemu-8.2") not in failing


def test_a_hook_fix_closes_a_path_no_change_leaves_open_and_is_complete() -> None:
    report = _judge("vfio-ap-pv-teardown", "rosato-notifier", "qemu-reset-first",
                    arches=("s390",))
    fix = report.result("vfio-ap-pv-teardown")
    assert fix.complete and fix.rank == 1 and fix.hooks_fired > 0
    assert {(c.claim, c.userspace) for c in fix.closed} >= {("no-warn", "any"),
                                                             ("no-warn", "qemu-8.1")}
    assert fix.explanation[0].startswith("Complete")
    qemu = report.result("qemu-reset-first")
    assert {c.userspace for c in qemu.closed} == {"qemu-8.1"}
    assert {c.userspace for c in qemu.se_failures} == {"any"}
    assert "#1 is complete" in qemu.explanation[-1]
    assert not report.result("rosato-notifier").complete


def test_a_hook_that_never_acts_says_why() -> None:
    report = _judge("s390-pre-destroy", arches=("s390",))
    fix = report.result("s390-pre-destroy")
    assert fix.hooks_fired == 0 and not fix.closed
    assert any("F7.9" in sentence for sentence in fix.explanation)


def test_equal_profiles_share_one_check() -> None:
    swap, hook = CATALOG_BY_NAME["rfc-swap"], CATALOG_BY_NAME["vfio-ap-pv-teardown"]
    base = CATALOG_BY_NAME["no-change"]
    # a vfio_ap hook cannot act on x86: the same request as no-change
    assert request_for(hook, "x86", "6.12", "any") == request_for(base, "x86", "6.12", "any")
    assert request_for(hook, "s390", "6.12", "any") != request_for(base, "s390", "6.12", "any")
    # the refcount era has no kvm_destroy_devices(): the swap changes nothing there
    assert request_for(swap, "x86", "3.9", "any") == request_for(base, "x86", "3.9", "any")
    report = _judge("rfc-swap", "vfio-ap-pv-teardown", arches=("x86",))
    assert report.figures.unique < report.figures.requests
    assert userspaces_of("x86") == ("any",) and len(userspaces_of("s390")) == 3


def test_the_cache_key_of_a_request_without_a_fix_is_unchanged() -> None:
    import hashlib

    plain = CheckRequest("s390", "6.12", "current")
    before = {"arch": "s390", "era": "6.12", "order": "current", "userspace": "any",
              "toggles": [], "features": [], "vcpus": 2, "queues": 4}
    text = json.dumps(before, sort_keys=True, separators=(",", ":"))
    assert _key(plain) == hashlib.sha256(text.encode()).hexdigest()[:32]
    hooked = CheckRequest("s390", "6.12", "current", hooks=("vfio-ap-reset-on-pv-teardown",))
    assert _key(hooked) != _key(plain)


def test_the_search_finds_the_minimal_complete_placements_on_s390() -> None:
    found = search(max_hooks=1, arches=("s390",), eras=("6.12",), workers=1)
    names = {r.fix.name for r in found.minimal}
    assert "vfio-ap-reset-on-pv-teardown" in names
    assert all(r.fix.size == 1 for r in found.minimal)
    blocked = [r for r in found.report.results if not r.complete]
    assert blocked and all(r.blocker() for r in blocked)
    assert found.report.figures.candidates == 35
    assert "vfio-ap-reset-on-pv-teardown (the catalog's vfio-ap-pv-teardown)" \
        in found.conclusion()


def test_the_search_proves_none_when_the_hooks_are_left_out() -> None:
    found = search(max_hooks=0, arches=("s390",), eras=("6.12",), workers=1)
    assert found.minimal == []
    assert found.conclusion().startswith("Searched 5 candidates")
    assert "none is complete" in found.conclusion()
    assert all("no-warn" in r.blocker() or "no-leak" in r.blocker()
               for r in found.report.results)


def test_cli_json_is_one_object_with_ranked_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "fixes", "--fix", "rfc-swap", "--arch", "powerpc-e500",
                             "--era", "6.12", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [f["name"] for f in data["fixes"]] == ["no-change", "rfc-swap"]
    swap = data["fixes"][1]
    assert swap["rank"] == 2 and swap["complete"] is False and swap["explanation"]
    assert any(r["claim"] == "no-uaf" and r["trace"] for r in swap["regressions"])
    assert {"requests", "unique", "cached", "checked", "states", "cache_hit_rate"} \
        <= set(data["figures"])
    assert "checks" in err


def test_cli_text_ranks_and_shows_the_regression_trace(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "fixes", "--fix", "rfc-swap", "--arch", "powerpc-e500",
                           "--era", "6.12")
    assert code == 0
    assert "regression no-uaf on powerpc-e500 6.12 any: use after free: openpic" in out
    assert "mpic" in out


def test_cli_loads_user_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[fix]]\nname = "mine"\nproposer = "me"\nfacts = ["F6.10"]\n'
                    'hooks = ["vfio-notify-at-pv-teardown"]\n')
    code, out, err = run_cli(capsys, "fixes", "--fixes", str(path), "--fix", "mine",
                             "--arch", "s390", "--era", "6.12", "--json")
    assert code == 0, err
    assert [f["name"] for f in json.loads(out)["fixes"]].count("mine") == 1


@pytest.mark.parametrize(("argv", "message"), [
    (["--fix", "nope"], "unknown fix(es) nope"),
    (["--arch", "vax"], "--arch 'vax'"),
    (["--era", "9.9"], "9.9"),
    (["--search", "--fix", "rfc-swap"], "do not combine"),
    (["--fixes", "/nonexistent/fixes.toml"], "/nonexistent/fixes.toml"),
])
def test_cli_bad_input_is_one_line_and_exit_2(argv: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "fixes", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_malformed_fix_file_is_one_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[fix]]\nname = 'x'\nproposer = 'p'\nfacts = ['F2.6']\nhooks = ['nope']\n")
    code, _, err = run_cli(capsys, "fixes", "--fixes", str(path))
    assert code == 2 and err.count("\n") == 1 and "unknown hook 'nope'" in err


def test_cli_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "fixes", "--list")
    assert code == 0 and "vfio-ap-reset-on-pv-teardown" in out and "F3.3" in out


def test_sim_runs_a_hook(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "sim", "--arch", "s390", "--era", "6.12", "--order",
                             "current", "--claim", "no-warn", "--hook",
                             "vfio-ap-reset-on-pv-teardown", "--json")
    assert code == 0, err
    run = json.loads(out)["runs"][0]
    assert run["hooks"] == ["vfio-ap-reset-on-pv-teardown"] and run["hooks_fired"] > 0
    assert run["claims"][0]["verdict"] == "holds"
    code, _, err = run_cli(capsys, "sim", "--hook", "nope")
    assert code == 2 and err.count("\n") == 1 and "unknown hook 'nope'" in err


def test_a_slow_reset_warn_before_6_6_is_no_se_harm() -> None:
    """6.1 WARNs on an unverified reset (F6.5), but no secure guest can bind a queue before
    v6.6 (F7.13): no-change fails no-warn there, and that is no SE failure."""
    base = _judge("no-change", arches=("s390",), eras=("6.1",)).result("no-change")
    warns = [c for c in base.cells if c.claim == "no-warn" and c.verdict == "fails"]
    assert warns and not any(c.se_failure for c in warns)
    assert base.complete
