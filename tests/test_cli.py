"""The CLI contract: exit 0 ran, 2 bad input with exactly one line on stderr, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.commands.tui import check_terminal
from workbench.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent


def test_history_json_is_one_object(kernel_like: Path, capsys: pytest.CaptureFixture[str],
                                    ) -> None:
    assert main(["history", "--repo", str(kernel_like), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["subject"] for c in data["commits"]][-1] == "kvm: teardown skeleton"
    assert set(data["commits"][0]) >= {"sha", "parents", "author", "email", "date", "subject"}


def test_trace_and_blame_json(kernel_like: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--repo", str(kernel_like), "--json"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["range"]["name"] == "kvm_destroy_vm" and len(trace["commits"]) == 2
    assert main(["blame", "--repo", str(kernel_like), "--json"]) == 0
    blame = json.loads(capsys.readouterr().out)
    assert blame["function"] == "kvm_destroy_vm"
    assert any("kvm_destroy_devices" in line["text"] for line in blame["lines"])


def test_repo_from_environment(kernel_like: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KVM_WORKBENCH_REPO", str(kernel_like))
    assert main(["history", "-n", "1"]) == 0
    assert "x86: arch destroy" in capsys.readouterr().out


BAD = [
    (["history", "--repo", "/no/such/dir"], "no such directory"),
    (["history", "--repo", "{file}"], "not a directory"),
    (["history", "--repo", "{plain}"], "not a git repository"),
    (["history", "--repo", "{repo}", "--rev", "bogus"], "bad revision"),
    (["history", "--repo", "{repo}", "--rev=--output=x"], "bad revision"),
    (["history", "--repo", "{repo}", "-S", "x"], "pathspec"),
    (["history", "--repo", "{repo}", "-S", "x", "-G", "y", "virt"], "one of"),
    (["trace", "--repo", "{repo}", "--file", "missing.c"], "no such file"),
    (["trace", "--repo", "{repo}", "no_such_function"], "not defined"),
    (["blame", "--repo", "{repo}", "-L", "x"], "bad -L"),
    (["blame", "--repo", "{repo}", "--parent-of", "1"], "not in"),
    (["history", "--bogus-flag"], "unrecognized arguments"),
    (["screenshots", "--only", "nope"], "unknown scene"),
]


@pytest.mark.parametrize(("argv", "message"), BAD)
def test_bad_input_exits_2_with_one_line(argv: list[str], message: str, kernel_like: Path,
                                         tmp_path: Path) -> None:
    """Run the real console entry in a subprocess: nothing but one line, status 2."""
    (tmp_path / "afile").write_text("x")
    (tmp_path / "plain").mkdir()
    args = [a.format(repo=kernel_like, file=tmp_path / "afile", plain=tmp_path / "plain")
            for a in argv]
    proc = subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True,
                          text=True, cwd=tmp_path, env=os.environ.copy(), check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_terminal_too_small() -> None:
    with pytest.raises(UsageError, match="terminal too small: 60x20"):
        check_terminal((60, 20))
    check_terminal((80, 24))


def test_console_script_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "workbench", "--help"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0
    for command in ("history", "trace", "blame", "landmarks", "screenshots"):
        assert command in proc.stdout


# --- the four tree commands on the embedded demo (its Makefile names each commit's release) ---

def test_demo_profile_maps_the_head_to_its_era(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"]["version"]["release"] == "6.15"
    assert data["profile"]["version"]["evidence"]["path"] == "Makefile"
    assert data["era"]["era"] == "6.15" and data["era"]["note"] == ""
    assert data["era"]["disagreements"] == []
    rows = {row["feature"]: row for row in data["era"]["rows"]}
    assert rows["destroy-devices"]["detected"] == "present" and rows["destroy-devices"]["expected"]
    assert rows["sync-events"]["detected"] == "absent" and not rows["sync-events"]["expected"]


def test_demo_census_lists_every_modelled_arch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["census", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    arches = {arch["arch"]: arch for arch in data["arches"]}
    assert set(arches) == {"x86", "powerpc", "arm64", "s390", "riscv"}
    assert all(arch["destroy_vm"]["function"] == "kvm_arch_destroy_vm"
               for arch in arches.values())


def test_demo_rfc_swaps_the_two_calls(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rfc", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] in ("exact", "drift")
    before = [step["name"] for step in data["before"]["steps"]]
    after = [step["name"] for step in data["after"]["steps"]]
    assert before.index("kvm_arch_destroy_vm") < before.index("kvm_destroy_devices")
    assert after.index("kvm_destroy_devices") < after.index("kvm_arch_destroy_vm")


@pytest.mark.parametrize(("rev", "era"), [("HEAD", "6.15"), ("HEAD~11", "6.2")])
def test_demo_sim_takes_the_era_from_the_makefile(rev: str, era: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from history.demo import ensure_demo

    demo = ensure_demo()
    assert main(["sim", "--repo", str(demo), "--rev", rev, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tree"]["era"] == era and data["tree"]["rev"] == rev
    assert data["runs"] and all(run["era"] == era for run in data["runs"])
    assert all(run["claims"] for run in data["runs"])
