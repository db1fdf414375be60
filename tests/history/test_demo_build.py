"""The embedded demo history: reproducible bytes, every landmark present, the RFC aside."""

from __future__ import annotations

import subprocess
from pathlib import Path

from history.demo import PROPOSAL_REF, build_demo, ensure_demo, load_spec, open_demo
from history.git import queries
from history.git.landmarks import LANDMARKS

#: Every main-line commit id of the demo, oldest first: the spec's storage format may change,
#: the commits it builds may not (caches, snapshots and users' notes name them).
COMMIT_IDS = (
    ("00-baseline", "0a57a97185015014114efe5040cd1cb2f2213115"),
    ("01-device-api", "390629de05a9e60f6aaafd6c8f9d27a4f9478a07"),
    ("02-destroy-devices", "3837850e5d40b9928d461f1e4c8aac07205a0bcd"),
    ("03-kvm-vfio", "bb600b4e2646945e633e0bdcd1c5f8dab37369e3"),
    ("04-lock-comment", "46d425f5e2ebc6e61d9adcd8e8920c30642c0563"),
    ("05-kvm-4x", "98b771aaab46d28b0b592c35b747c3e3d42d2490"),
    ("06-release-callback", "681d213cb5fb7aa2d36382ca39fcefd178e6e2c5"),
    ("07-pre-destroy", "04986cad3c70d114ed2e5dbf1bda13bad6e19f54"),
    ("08-kvm-get-safe", "869ef818fb8250b9a1b82169fc922d3bd8aaf3a6"),
    ("09-set-kvm-removal", "2ab20d119e45285c288fa738a0dc232cbe80be25"),
    ("10-null-destroy", "ff454832f78b919f9ee461110bb4e3163dd7025f"),
    ("11-pv-notifier", "64d115d72ad71c3cbcff6d5689fdd87717aece41"),
    ("12-destroy-fast", "358f022d4688e5ccac04d3594d16054af64c405b"),
    ("13-kvm-vfio-release", "9a1e88b72eb1e4d86001e4de1d888fc01e450fe6"),
    ("14-vfio-core-kvm-ref", "8378936ba209541228e463d5d8fc63ae9bf076d3"),
    ("15-se-ap-bind", "3fca6ee1c6c7c2cd87b773625e9bc588abf81975"),
    ("16-riscv-aia", "20537d79cfa2a53c1608ac4a839950c59b39379a"),
    ("17-pv-ap-allow", "59f3c742c62b7f206ee12416d76012e3a5c8b81f"),
    ("18-unused-decls", "47c96bea1fd28a8c7f87af4a6a939c2c10a6f12d"),
    ("19-vfio-ap-reset-rework", "a7bb34ce1acbaf3bfb102c06881f85c8c01d1ca5"),
    ("20-rculist", "9b8118c704b91d9fa57caa19e844e6bac548e096"),
    ("21-x86-vcpus-first", "76b4b782a59eb3a9d4f20897e0557c9ee3ca30ac"),
    ("22-drop-sync-events", "277ca1e29512774d051a68d9cbc6281e45ca9409"),
)
HEAD = COMMIT_IDS[-1][1]
RFC_ID = "56df0125daa17aeffa1fa6c316a066bf76643c14"


def _refs(path: Path) -> str:
    return subprocess.run(["git", "-C", str(path), "for-each-ref",
                           "--format=%(objectname) %(refname)"],
                          capture_output=True, text=True, check=True).stdout


def test_two_builds_give_the_same_commit_ids(tmp_path: Path) -> None:
    one = build_demo(tmp_path / "one.git")
    two = build_demo(tmp_path / "two.git")
    assert _refs(one) == _refs(two) and "refs/heads/main" in _refs(one)


def test_every_commit_id_is_pinned(tmp_path: Path) -> None:
    built = build_demo(tmp_path / "demo.git")
    listing = subprocess.run(["git", "-C", str(built), "log", "--reverse", "--format=%H",
                              "refs/heads/main"],
                             capture_output=True, text=True, check=True).stdout.split()
    commits, _ = load_spec()
    assert list(zip([c.slug for c in commits], listing, strict=True)) == list(COMMIT_IDS)
    assert listing[-1] == HEAD
    assert f"{RFC_ID} {PROPOSAL_REF.format(name='rfc-v1')}" in _refs(built)


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
