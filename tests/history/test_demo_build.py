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
    ("00-baseline", "99709cef361b0df5c8a38faa2c66b8d96ccb020b"),
    ("01-device-api", "b720b36fef2bba80ce7c0f77623b70b88813718d"),
    ("02-destroy-devices", "f5ee3af22f0a74aae10b32c6d682be0b05fc9219"),
    ("03-kvm-vfio", "399616341c7e4d9245fb44635ecfede8a87a14a8"),
    ("04-lock-comment", "9b160c277691f774b13ddeb66dbc9a9ec967d4fc"),
    ("05-kvm-4x", "ad7f2d4233ba18b08bf81ee181cc6f42a0250599"),
    ("06-release-callback", "e85ec4b3725f39316a391ec62f87bcbdab0830b3"),
    ("07-pre-destroy", "0c6a4e85179ce032e7afacdf5c4a8e92c27e5147"),
    ("08-kvm-get-safe", "7be432314da045d0649a8d910659bc47a2c54464"),
    ("09-set-kvm-removal", "fb6270f239db09958dd4e2696bd5356eda534ff8"),
    ("10-null-destroy", "ce2f033dacf3d70499b4af0b3c3e9dbbd532e26c"),
    ("11-pv-notifier", "8e45f54b81617aa20ac503cc6eaa806ebce9ec7b"),
    ("12-destroy-fast", "fb86e9380e13c7d5fa3c7acd3fb31f35799462e6"),
    ("13-kvm-vfio-release", "8ae3dc298e2063a645020b32a560f6b1fcb8ffbd"),
    ("14-vfio-core-kvm-ref", "3a2e07903f1805d02d877bc87997a56828426ca0"),
    ("15-se-ap-bind", "1b2f8c6635ce13c91764d8b5ee98348668efbf45"),
    ("16-riscv-aia", "39b0345246db611edb2f32a0809649880ce7c857"),
    ("17-pv-ap-allow", "ecff64757d871c880b184a571f37edc33b92ef36"),
    ("18-unused-decls", "40625fb7adad0f19cb612004f9ae3576b8405747"),
    ("19-vfio-ap-reset-rework", "14a46318f30b80afcf3e705ae01e2a65cda1a309"),
    ("20-s390-warns", "bb1b75cb9b67869096108df0e3be95e6cc00022b"),
    ("21-rculist", "8d9888b168b91fdf43bfbf2824a51cdbf9b02208"),
    ("22-x86-vcpus-first", "c943a15372cf8cfc795c7e4a1f156a4167927391"),
    ("23-drop-sync-events", "c339a61e98651d9bc20b6a6a0b68206a8cbebb5c"),
)
HEAD = COMMIT_IDS[-1][1]
RFC_ID = "d54636f60933450fdc38f4abdab3762d7deb864c"


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
