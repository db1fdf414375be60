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
    ("00-baseline", "8d9d8be3ec5cf31ccf010d7559fd6ca7b24bbac5"),
    ("01-device-api", "11305219e129f6276a1e704ace12b2c4fe4c3f5f"),
    ("02-destroy-devices", "df9bc8f7b5a8519e7c7ef01c15a2f277fc0b50f5"),
    ("03-kvm-vfio", "0b28b7b488063dfebded6be95b1019f81a21eb63"),
    ("04-lock-comment", "56d2713d3977865b456f46ae5dea5c2a651b3662"),
    ("05-kvm-4x", "ff0d6084ad5bc4772feebf8e154769b7e6cc62ad"),
    ("06-release-callback", "a4ea7f213ceccb400e2e47c0d50c04f5ddc6ec63"),
    ("07-pre-destroy", "23711e92b4bc4417b36e594d7d318c0eb1a4cd6f"),
    ("08-kvm-get-safe", "1aec85777aa858398a70c46f95ecca3612c8975d"),
    ("09-set-kvm-removal", "8ae896ea1aec54ab46b747ae078fafd9a5582cde"),
    ("10-null-destroy", "d497990acfc957fd10f7732f3d946981805e1970"),
    ("11-pv-notifier", "0b3fbc57fb6d8682d48e007ad61b372506cff4ad"),
    ("12-destroy-fast", "5a245aeecaa1aa9fb834a285e24878e25f7c4a9b"),
    ("13-kvm-vfio-release", "e73f23833e21640c387f3fe5a67589abf08ff6ac"),
    ("14-vfio-core-kvm-ref", "833d7feae46ea81f5b30b47393ae23552e90e3d7"),
    ("15-se-ap-bind", "ee926a14566a0e40c41bf36c4e8eb32c11aea2c1"),
    ("16-riscv-aia", "3698b6b714bf9e83e90e26bf5e44935623af39c3"),
    ("17-pv-ap-allow", "4cc86f992ab02d336d6d7976de1d15eaef343fc8"),
    ("18-unused-decls", "ed0d4b55d2b2d9fc977a1fd0f9d48c6691c75367"),
    ("19-vfio-ap-reset-rework", "a99faf7bc3ca2500277c58746ae9f2ca6e3ba2f9"),
    ("20-s390-warns", "174ae3d977fa631620715df0f598ebc785372ab8"),
    ("21-rculist", "272565f384affb133c33227cc79cce20d09074eb"),
    ("22-x86-vcpus-first", "77e5ae86cf6e9362db22d9be230de086b22e28b0"),
    ("23-drop-sync-events", "84b1b12bf26552860b322f9bb543d9e1bfc60196"),
)
HEAD = COMMIT_IDS[-1][1]
RFC_ID = "29206b8deeaebfb310191a470a4a3340a1e69e54"


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
