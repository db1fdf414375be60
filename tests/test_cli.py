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
