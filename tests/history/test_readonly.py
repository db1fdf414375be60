"""Read-only proof: a hostile repository runs nothing, and no command changes any repository.

The hostile repo configures every hook git has for running code on read paths: fsmonitor,
hooksPath, an external diff, a textconv driver, a pager, a signature program, clean/smudge
filters. Each would create a marker file. We run every CLI command and the History screen on
it, then compare a full fingerprint of ``.git`` and the work tree (paths, bytes, modes, mtimes).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import KVM_MAIN_V1, bash
from workbench.cli import main

MARKERS = ("fsmonitor", "hook", "extdiff", "textconv", "pager", "gpg", "filter", "pagerlog")


def fingerprint(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file and directory under ``root``: content digest, mode and mtime (ns)."""
    result: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            result[str(path.relative_to(root))] = (digest, st.st_mode, st.st_mtime_ns)
    st = root.lstat()
    result["."] = ("dir", st.st_mode, st.st_mtime_ns)
    return result


@pytest.fixture
def hostile(make_repo: Callable[[str], Path], tmp_path: Path) -> tuple[Path, Path]:
    marks = tmp_path / "marks"
    marks.mkdir()
    repo = make_repo(f"""
        mkdir -p virt/kvm evil/hooks
        cat > virt/kvm/kvm_main.c <<'C'
{KVM_MAIN_V1}C
        git add -A && git commit -qm "kvm: teardown skeleton"
        sed -i 's/\\tkvm_arch_destroy_vm(kvm);/\\tkvm_arch_destroy_vm(kvm);\\n\\tkvm_destroy_devices(kvm);/' virt/kvm/kvm_main.c
        git commit -qam "kvm: destroy emulated devices on VM exit"
    """)
    scripts = {name: repo / "evil" / f"{name}.sh" for name in MARKERS}
    for name, script in scripts.items():
        script.write_text(f"#!/bin/sh\ntouch {marks}/{name}\ncat\n")
        script.chmod(0o755)
    for hook in ("pre-commit", "post-checkout", "post-index-change", "reference-transaction",
                 "pre-auto-gc", "post-rewrite", "fsmonitor-watchman"):
        target = repo / "evil" / "hooks" / hook
        target.write_text(f"#!/bin/sh\ntouch {marks}/hook\n")
        target.chmod(0o755)
    bash(f"""
        git config core.fsmonitor {scripts['fsmonitor']}
        git config core.hooksPath {repo}/evil/hooks
        git config diff.external {scripts['extdiff']}
        git config diff.evil.textconv {scripts['textconv']}
        git config core.pager {scripts['pager']}
        git config pager.log {scripts['pagerlog']}
        git config pager.blame {scripts['pagerlog']}
        git config log.showSignature true
        git config gpg.program {scripts['gpg']}
        git config filter.evil.clean {scripts['filter']}
        git config filter.evil.smudge {scripts['filter']}
        git config filter.evil.process {scripts['filter']}
        printf '*.c diff=evil filter=evil\\n' > .git/info/attributes
    """, repo)
    for leftover in marks.iterdir():
        leftover.unlink()  # setting up ran some of them; only our commands count
    return repo, marks


COMMANDS = [
    ["history"],
    ["history", "--json", "-n", "1"],
    ["history", "virt/kvm"],
    ["history", "--function", "kvm_destroy_vm"],
    ["history", "-S", "kvm_destroy_devices", "virt"],
    ["history", "-G", "destroy", "virt"],
    ["trace"],
    ["trace", "--json"],
    ["blame"],
    ["blame", "--json", "-L", "1,3"],
    ["blame", "--parent-of", "9"],
    ["landmarks"],
    ["landmarks", "--json"],
    ["history", "--rev", "no-such-rev"],
    ["profile"],
    ["profile", "--json", "--rev", "HEAD~1"],
    ["census"],
    ["census", "--json"],
    ["rfc"],
    ["rfc", "--json", "--rev", "HEAD~1"],
]


def test_hostile_repo_runs_nothing_and_stays_unchanged(hostile: tuple[Path, Path],
                                                        capsys: pytest.CaptureFixture[str],
                                                        ) -> None:
    repo, marks = hostile
    before = fingerprint(repo)
    for argv in COMMANDS:
        status = main([*argv[:1], "--repo", str(repo), *argv[1:]])
        assert status in (0, 2), argv
    capsys.readouterr()
    assert sorted(p.name for p in marks.iterdir()) == []
    assert fingerprint(repo) == before


async def test_history_screen_on_hostile_repo(hostile: tuple[Path, Path]) -> None:
    """The TUI's workers go through the same chokepoint: still nothing runs or changes."""
    from history.git.repo import KernelRepo
    from workbench.app import make_app

    repo, marks = hostile
    before = fingerprint(repo)
    app = make_app(KernelRepo.open(repo))
    async with app.run_test(size=(120, 36)) as pilot:
        for key in ("t", "b", "down", "comma", "L", "d"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
    assert sorted(p.name for p in marks.iterdir()) == []
    assert fingerprint(repo) == before


def test_the_trap_is_armed(hostile: tuple[Path, Path]) -> None:
    """Control: plain git on the same repo does run the hostile programs."""
    repo, marks = hostile
    import subprocess

    for argv in (["status"], ["diff", "HEAD~1"], ["blame", "virt/kvm/kvm_main.c"],
                 ["-p", "log", "-1"]):
        subprocess.run(["git", "-C", str(repo), *argv], capture_output=True, check=False,
                       stdin=subprocess.DEVNULL)
    # (the pager needs a terminal, so plain git skips it here too)
    assert {"fsmonitor", "extdiff", "textconv"} <= {p.name for p in marks.iterdir()}
