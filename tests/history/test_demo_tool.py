"""``python -m history.demo``: edit a commit's tree, export it back, build; bad input exits 2."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from history.demo import SPEC_DIR, load_spec
from history.demo.tool import MARKER, main

KVM_MAIN = "virt/kvm/kvm_main.c"
LINE = b"/* a line added by the round-trip test */\n"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    copy = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return copy


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _edit(spec: Path, which: str, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["--spec", str(spec), "edit", which]) == 0
    directory = Path(capsys.readouterr().out.strip())
    assert (directory / MARKER).is_file() and (directory / KVM_MAIN).is_file()
    return directory


def test_export_without_a_change_writes_nothing(spec: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(spec)
    for which in ("0", "7", "23-drop-sync-events"):
        directory = _edit(spec, which, capsys)
        assert main(["export", str(directory)]) == 0
        assert "no change" in capsys.readouterr().out
    assert _snapshot(spec) == before


@pytest.mark.parametrize("which", [0, 5, 23])
def test_an_edit_shows_in_its_commit_and_every_later_one(
        spec: Path, which: int, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _edit(spec, str(which), capsys)
    target = directory / KVM_MAIN
    target.write_bytes(LINE + target.read_bytes())
    (directory / "Documentation").mkdir()
    (directory / "Documentation" / "note.txt").write_bytes(b"added by the test\n")
    assert main(["export", str(directory)]) == 0
    assert "rewrote" in capsys.readouterr().out
    commits, proposals = load_spec(spec)
    for index, commit in enumerate(commits):
        tree = dict(commit.tree)
        assert tree[KVM_MAIN].startswith(LINE) == (index >= which), commit.slug
        assert ("Documentation/note.txt" in tree) == (index >= which), commit.slug
    assert dict(proposals[0].tree)[KVM_MAIN].startswith(LINE) == (which <= 10)
    unchanged = dict(load_spec()[0][-1].tree)[KVM_MAIN]
    assert dict(commits[-1].tree)[KVM_MAIN] == LINE + unchanged
    # The directory now matches the spec: a second export is a no-op.
    before = _snapshot(spec)
    assert main(["export", str(directory)]) == 0
    assert _snapshot(spec) == before


def test_a_later_patch_that_no_longer_applies_stops_naming_it(
        spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _edit(spec, "5", capsys)
    target = directory / KVM_MAIN
    text = target.read_bytes()
    assert b"\tkvm_destroy_devices(kvm);\n" in text
    target.write_bytes(text.replace(b"\tkvm_destroy_devices(kvm);\n",
                                    b"\tkvm_destroy_devices(kvm); /* moved */\n"))
    before = _snapshot(spec)
    assert main(["export", str(directory)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "demo commit 08-kvm-get-safe" in err and "hunk" in err
    assert _snapshot(spec) == before


def test_a_stale_edit_directory_is_refused(spec: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    first = _edit(spec, "3", capsys)
    second = _edit(spec, "3", capsys)
    (second / KVM_MAIN).write_bytes(LINE + (second / KVM_MAIN).read_bytes())
    assert main(["export", str(second)]) == 0
    capsys.readouterr()
    (first / KVM_MAIN).write_bytes(b"")
    assert main(["export", str(first)]) == 2
    assert "changed since" in capsys.readouterr().err


def test_build_into_a_directory_gives_the_pinned_head(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from tests.history.test_demo_build import HEAD

    out = tmp_path / "demo.git"
    assert main(["build", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    head = subprocess.run(["git", "-C", str(out), "rev-parse", "refs/heads/main"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert head == HEAD


@pytest.mark.parametrize("argv", [
    [], ["bogus"], ["edit"], ["edit", "99"], ["edit", "nope"], ["export", "/"],
    ["build", "--out", "/"], ["--spec", "/nonexistent", "edit", "1"],
])
def test_bad_input_is_one_line_and_exit_2(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "history.demo", *argv], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(SPEC_DIR.parents[1])},
                          timeout=120)
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
