"""profile, census and rfc on the real trees: the era table agrees, the RFC applies as it
should, plain trees work, git-only commands say why not, and the real repo stays unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from history.tree.detect import detect
from history.tree.rfc import apply_rfc
from history.tree.source import KernelSource
from tests.history.test_readonly import fingerprint
from tests.realsrc.conftest import source
from tests.realsrc.fetch_kernels import git_dir, tree_dir
from workbench.cli import main
from workbench.treeprofile import compare_with_eras

Kernel = tuple[str, KernelSource]


def test_profile_matches_the_era_table(kernel: Kernel) -> None:
    """Every feature decided from source, and none disagrees with sim/eras.py for 6.1/6.12."""
    release, src = kernel
    profile = detect(src)
    assert profile.version is not None and profile.version.release == release
    assert profile.version.full == {"6.1": "6.1.192", "6.12": "6.12.117"}[release]
    era = compare_with_eras(profile)
    assert era.era == release
    assert [r.name for r in era.disagreements] == []
    assert [r.name for r in era.rows if r.in_table and r.detected not in
            ("present", "absent")] == []
    for detection in profile.features:
        assert detection.fact.startswith("F")
        if detection.verdict == "present":
            assert detection.evidence and all(e.rev == src.rev for e in detection.evidence)
    present = profile.present()
    assert ("destroy-fast" in present) == (release == "6.12")  # F7.4
    assert ("device-rculist" in present) == (release == "6.12")  # F3.2
    assert ("vfio-core-kvm-ref" in present) == (release == "6.12")  # F5.3
    assert "kvm-vfio-release" in present  # F5.5, backported to 6.1.y


def test_git_commit_and_plain_tree_give_the_same_profile(kernel_cache: Path) -> None:
    for release in ("6.1", "6.12"):
        a, b = detect(source(release, "dir")), detect(source(release, "git"))
        assert [(d.feature, d.verdict, [e.where for e in d.evidence]) for d in a.features] == \
            [(d.feature, d.verdict, [e.where for e in d.evidence]) for d in b.features]
        assert [(d.fact, d.verdict) for d in a.checks] == [(d.fact, d.verdict) for d in b.checks]


def test_rfc_applies_exactly_to_6_1_and_with_drift_to_6_12(kernel: Kernel) -> None:
    """F0.1: the RFC hunk has 6.1's context; 6.12 changed the memslot loop below it."""
    release, src = kernel
    result = apply_rfc(src)
    assert result.before is not None and result.after is not None
    if release == "6.1":
        assert (result.outcome, result.git_apply) == ("exact", "clean")
    else:
        assert result.outcome == "drift" and result.git_apply.startswith("fails:")
    before, after = result.before.names, result.after.names
    assert before.index("kvm_arch_destroy_vm") == after.index("kvm_destroy_devices")
    assert after.index("kvm_destroy_devices") + 1 == after.index("kvm_arch_destroy_vm")
    assert sorted(before) == sorted(after)
    assert result.diff.count("\n+\t") == 1 and result.diff.count("\n-\t") == 1


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_commands_on_plain_trees_and_the_repo(kernel_cache: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Each command on a directory and on a commit; the repository is left as it was."""
    repo = git_dir(kernel_cache)
    before = fingerprint(repo)
    plain = str(tree_dir("6.12", kernel_cache))
    status, out, _ = _run(["profile", "--repo", plain], capsys)
    assert status == 0 and "Linux 6.12.117 (Makefile:2)" in out and "0 disagreement(s)" in out
    status, out, _ = _run(["census", "--repo", plain], capsys)
    assert status == 0 and "UAF with the swap" in out and "arch/powerpc/kvm/powerpc.c:803" in out
    status, out, _ = _run(["rfc", "--repo", plain], capsys)
    assert status == 0 and "applied: drift" in out
    for command in ("profile", "census", "rfc"):
        status, out, _ = _run([command, "--repo", str(repo), "--rev", "deb-6.1", "--json"],
                              capsys)
        assert status == 0
        data = json.loads(out)
        assert data  # one JSON object
    status, out, _ = _run(["rfc", "--repo", str(repo), "--rev", "deb-6.1"], capsys)
    assert "applied: exact" in out and "clean" in out
    status, out, _ = _run(["trace", "--repo", str(repo), "--no-patch"], capsys)
    assert status == 0 and "kvm_destroy_vm() in virt/kvm/kvm_main.c:1308-1368" in out
    assert fingerprint(repo) == before


def test_git_only_commands_refuse_a_plain_tree(kernel_cache: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    plain = str(tree_dir("6.1", kernel_cache))
    for argv in (["trace"], ["blame"], ["history"], ["profile", "--rev", "HEAD"]):
        status, out, err = _run([argv[0], "--repo", plain, *argv[1:]], capsys)
        assert status == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "plain source tree" in err


def test_sim_simulates_a_revision_from_its_source(kernel_cache: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`sim --repo R --rev X`: the tree's release and detected features drive the model."""
    import json

    from tests.realsrc.fetch_kernels import git_dir, tree_dir
    from workbench.cli import main

    assert main(["sim", "--repo", str(git_dir(kernel_cache)), "--rev", "deb-6.1",
                 "--arch", "powerpc-e500", "--claim", "no-uaf", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tree"]["era"] == "6.1" and data["tree"]["disagreements"] == []
    assert data["tree"]["detected"]["destroy-fast"] is False
    verdicts = {run["order"]: run["claims"][0]["verdict"] for run in data["runs"]}
    assert verdicts == {"current": "holds", "reversed": "fails"}
    assert main(["sim", "--repo", str(tree_dir("6.12", kernel_cache)), "--arch", "s390",
                 "--userspace", "qemu-8.2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    detected = data["tree"]["detected"]
    assert detected["destroy-fast"] is True and detected["destroy-fast-warn-relaxed"] is True
    # 6.12 with QEMU 8.2: a kill with bound queues meets a refused Destroy Fast (RC 0x104,
    # not warned, read from pv.c), the normal destroy later succeeds: nothing fails (F7.11)
    for run in data["runs"]:
        claims = {claim["id"]: claim for claim in run["claims"]}
        assert [c for c in claims.values() if c["verdict"] == "fails"] == []
        assert [p["guard"] for p in claims["no-warn"]["prevented_by"]] == \
            ["fast-0x104-not-warned"]
    # the same tree read as if pv.c still warned on 0x104 (a what-if over the detection)
    assert main(["sim", "--repo", str(tree_dir("6.12", kernel_cache)), "--arch", "s390",
                 "--userspace", "qemu-8.2", "--feature", "destroy-fast-warn-relaxed=off",
                 "--claim", "no-warn", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for run in data["runs"]:
        assert run["claims"][0]["trace"][-1]["function"] == "kvm_s390_pv_deinit_vm_fast"
