"""Every command on every hostile repository of the zoo (tests/zoo.py): nothing runs, nothing
hangs, nothing changes, no traceback; the exit status is 0, 1 or 2 and a 2 is one line.

The zoo is built once per session. A watchdog (faulthandler) turns a hang into a failing
test with every thread's stack instead of a stuck ``make test``; git's own deadline is set low
so that a hang inside git would surface as a one-line error first.
"""

from __future__ import annotations

import faulthandler
import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from tests.zoo import ESC_SUBJECT, FORGED, Case, build
from workbench.cli import main

GIT_COMMANDS = [
    ["history", "-n", "3"],
    ["history", "--json", "-n", "2"],
    ["history", "--function", "kvm_destroy_vm"],
    ["history", "-S", "kvm_destroy_devices", "virt"],
    ["trace"],
    ["blame"],
    ["landmarks"],
    ["profile"],
    ["census"],
    ["rfc"],
    ["sim", "--arch", "s390", "--order", "current", "--claim", "no-uaf"],
    ["comments", "--arch", "s390"],
]
DIR_COMMANDS = [["profile"], ["census"], ["rfc"], ["history"],
                ["sim", "--arch", "s390", "--order", "current", "--claim", "no-uaf"],
                ["comments", "--arch", "s390", "--json"]]


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Case], Path]:
    root = tmp_path_factory.mktemp("zoo")
    marks = root / "_marks"
    return build(root, marks), marks


def fingerprint(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under ``root`` without following links or opening special files:
    digest of regular files, mode, mtime (ns)."""
    result: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            if stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                digest = "link:" + os.readlink(path)
            else:
                digest = stat.filemode(st.st_mode)
            result[str(path.relative_to(root))] = (digest, st.st_mode, st.st_mtime_ns)
    return result


def git_children() -> list[str]:
    """git processes whose parent is this test process."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if fields[1] == me and comm.startswith("git"):
            found.append(entry.name)
    return found


def our_temp_files() -> set[str]:
    return {name for name in os.listdir(tempfile.gettempdir())
            if name.startswith("kvm-workbench-") and not name.startswith("kvm-workbench-empty-")}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


NAMES = [
    "classic", "partial-ext", "partial-ssh", "include-fifo", "includeif-fifo",
    "attributesfile-fifo", "ignorerevs-fifo", "mailmapfile-fifo", "orderfile-fifo",
    "include-zero", "mailmap-fifo", "gitattributes-fifo", "subdir-gitattributes-fifo",
    "info-attributes-fifo", "packed-refs-fifo", "alternates-fifo", "info-attributes-zero",
    "gitfile-zero", "dotgit-symlink-zero", "dotgit-loop", "gitfile-elsewhere",
    "submodule-ext", "linked-worktree", "shared-alternates", "unborn", "bare",
    "corrupt-loose", "truncated-pack", "ignorerevs-passwd", "blob-huge", "dubious-owner",
    "utf16-output", "bad-author", "replace-ref", "grafts", "blob-deep",
    "escape-subject", "markup-path-[stable]-[/]", "tree-zero", "tree-fifo", "tree-huge",
    "tree-deep", "tree-deep-calls", "tree-big-c", "tree-flat-args", "tree-unclosed",
    "tree-binary", "tree-empty", "tree-dir", "tree-loop", "tree-passwd", "tree-makefile-fifo",
    "tree-makefile-escape", "tree-other-zero",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_command_on_the_zoo(name: str, zoo: tuple[list[Case], Path],
                                  capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cases, marks = zoo
    case = next((c for c in cases if c.name == name), None)
    if case is None:
        pytest.skip(f"{name} needs root to build (chown)")
    monkeypatch.setenv("KVM_WORKBENCH_DEADLINE", "30")
    before = fingerprint(case.path)
    temps = our_temp_files()
    faulthandler.dump_traceback_later(120, exit=True, file=sys.__stderr__)
    try:
        commands = DIR_COMMANDS if case.kind == "dir" else GIT_COMMANDS
        for argv in commands:
            status, out, err = run([*argv[:1], "--repo", str(case.path), *argv[1:]], capsys)
            assert status in (0, 1, 2), (argv, status, err)
            assert "Traceback" not in err and "Traceback" not in out
            assert "did not finish within" not in err, (argv, err)  # no hang, not even in git
            if status == 2:
                lines = err.strip().splitlines()
                assert len(lines) == 1 and lines[0].startswith("kvm-workbench: error: "), \
                    (argv, err)
            if case.works is False:
                assert status == 2, (argv, out)
            for stream in (out, err):
                assert "\x1b" not in stream and "\x9b" not in stream and "\x07" not in stream
            if "--json" in argv and status == 0:
                import json

                json.loads(out)
            if name == "replace-ref" and argv[0] == "history":
                assert FORGED not in out
            if name in ("blob-deep", "tree-deep", "tree-deep-calls") and argv[0] in (
                    "trace", "profile"):
                assert "nests more than 1024 levels deep" in err, err
            if name == "tree-big-c" and argv[0] == "profile":
                assert "more than the 2 MiB of C the workbench parses" in err, err
            if name in ("ignorerevs-passwd", "tree-passwd"):
                assert "root:" not in out and "root:" not in err
            if name == "blob-huge" and argv[0] in ("trace", "profile"):
                assert "more than the 16 MiB the workbench reads" in err, err
            if name == "escape-subject" and argv == ["history", "-n", "3"]:
                assert "\\x1b]0;owned\\x07" in out and "[bold]markup[/]" in out
            assert not git_children(), argv
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert sorted(p.name for p in marks.iterdir() if not p.name.endswith(".sh")) == []
    assert fingerprint(case.path) == before
    assert our_temp_files() == temps
    if case.works is True and case.kind == "git":
        status, out, _ = run(["history", "--repo", str(case.path), "-n", "5"], capsys)
        # grafts would make HEAD a root (1 commit); the forged-author commit sits on top
        expected = {"bad-author": 3, "blob-huge": 3, "escape-subject": 3, "submodule-ext": 3,
                    "blob-deep": 3}.get(name, 2)
        assert status == 0 and out.count("\n") == expected, out


def test_the_subject_is_shown_escaped_not_lost(zoo: tuple[list[Case], Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """JSON keeps the untrusted subject exactly (escaped as JSON), text shows it escaped."""
    import json

    cases, _ = zoo
    case = next(c for c in cases if c.name == "escape-subject")
    status, out, _ = run(["history", "--repo", str(case.path), "--json", "-n", "1"], capsys)
    assert status == 0
    assert json.loads(out)["commits"][0]["subject"] == ESC_SUBJECT


@pytest.mark.parametrize("name", NAMES)
async def test_history_screen_on_the_zoo(name: str, zoo: tuple[list[Case], Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The TUI's workers go through the same chokepoint; repository text is never markup. A
    repository the workbench refuses is refused before the screen opens (one line, exit 2)."""
    from textual.widgets import Static

    from history.errors import HistoryError
    from history.git.repo import KernelRepo
    from workbench.app import make_app

    cases, marks = zoo
    case = next((c for c in cases if c.name == name), None)
    if case is None:
        pytest.skip(f"{name} needs root to build (chown)")
    before = fingerprint(case.path)
    try:
        repo = KernelRepo.open(case.path)
    except HistoryError:
        assert case.works is False or case.kind == "dir"
        status, _, err = run(["tui", "--repo", str(case.path)], capsys)
        assert status == 2 and len(err.strip().splitlines()) == 1, err
        assert fingerprint(case.path) == before
        return
    app = make_app(repo)
    faulthandler.dump_traceback_later(120, exit=True, file=sys.__stderr__)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            for key in ("d", "t", "b", "down", "comma", "L", "d"):
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
            status = str(app.screen.query_one("#list-status", Static).render())
            assert str(case.path) in status  # brackets in the path are text, not markup
            assert app.is_running
            if name == "escape-subject":  # shown escaped, never sent to the terminal raw
                from workbench.widgets.commit_list import CommitList

                row = "".join(seg.text for seg in app.screen.query_one(CommitList)
                              .render_line(0))
                detail = str(app.screen.query_one("#detail-body", Static).render())
                for shown in (row, detail):
                    assert "\x1b" not in shown and "\x07" not in shown
                assert "\\x1b" in row and "\\x1b]0;owned\\x07" in detail
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert sorted(p.name for p in marks.iterdir() if not p.name.endswith(".sh")) == []
    assert fingerprint(case.path) == before
    assert not git_children()
