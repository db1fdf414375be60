"""The embedded demo history: reproducible bytes, every landmark present, the RFC aside."""

from __future__ import annotations

import subprocess
from pathlib import Path

from history.demo import PROPOSAL_REF, build_demo, ensure_demo, load_spec, open_demo
from history.git import queries
from history.git.landmarks import LANDMARKS


def _refs(path: Path) -> str:
    return subprocess.run(["git", "-C", str(path), "for-each-ref",
                           "--format=%(objectname) %(refname)"],
                          capture_output=True, text=True, check=True).stdout


def test_two_builds_give_the_same_commit_ids(tmp_path: Path) -> None:
    one = build_demo(tmp_path / "one.git")
    two = build_demo(tmp_path / "two.git")
    assert _refs(one) == _refs(two) and "refs/heads/main" in _refs(one)


def test_ensure_demo_is_cached(tmp_path: Path) -> None:
    first = ensure_demo()
    assert ensure_demo() == first and (first / "HEAD").exists()
    assert first.parent.name == "kvm-workbench"


def test_every_landmark_resolves_by_trailer() -> None:
    repo = open_demo()
    marks = queries.landmarks(repo)
    assert [m.key for m in marks] == [m.key for m in LANDMARKS]
    assert all(m.present and m.how == "trailer" for m in marks), \
        [m.key for m in marks if not m.present]


def test_rfc_is_kept_aside_as_a_proposal() -> None:
    repo = open_demo()
    _, proposals = load_spec()
    assert proposals, "the RFC patch must be in the demo as a proposal"
    rfc = repo.resolve(PROPOSAL_REF.format(name=proposals[0].slug))
    main_line = {c.sha for c in queries.log(repo)}
    assert rfc not in main_line
    from history.c import syntax

    source = repo.read_file(rfc, "virt/kvm/kvm_main.c")
    steps = syntax.calls(source, "kvm_destroy_vm")
    assert steps.index("kvm_destroy_devices") < steps.index("kvm_arch_destroy_vm")


def test_trace_of_kvm_destroy_vm_spans_the_landmarks() -> None:
    repo = open_demo()
    trace = queries.trace(repo)
    subjects = {e.commit.subject for e in trace.entries}
    assert "kvm: destroy emulated devices on VM exit" in subjects
    head = repo.read_file(repo.resolve(None), "virt/kvm/kvm_main.c")
    from history.c import syntax

    steps = syntax.calls(head, "kvm_destroy_vm")
    assert steps.index("kvm_arch_destroy_vm") < steps.index("kvm_destroy_devices")
