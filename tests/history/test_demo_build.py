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
    ("02-destroy-devices", "d41b1cfb3db1d5d9e2e94bfa6e3ca53b3ec74935"),
    ("03-kvm-vfio", "51d43a6b7007a79c9266637ad983758ffcc36bad"),
    ("04-lock-comment", "c8fc1e29e065904b34156dd5103284f4cfed8b3b"),
    ("05-kvm-4x", "6e61054976bff731795746f14199af5b2a654074"),
    ("06-release-callback", "b33adbd2b8d660f83cd8188166d44d940f9cec34"),
    ("07-pre-destroy", "1f2acb7da9f0daa68ea8d965d6d1e7d49a0a4db1"),
    ("08-kvm-get-safe", "347906d6ab7209cd736d61eb80ca788f32586b7b"),
    ("09-set-kvm-removal", "c9ed80d69bb08c828f8de53569c70bc9d67c2e97"),
    ("10-null-destroy", "20524cf427f7a8849791ebf5d9804daa7f72233e"),
    ("11-pv-notifier", "13bd9abbdffe365d14da4b85f98a31ccf89d13ad"),
    ("12-destroy-fast", "1ab28f5921ba205faff8a5f434654fd6135970cf"),
    ("13-kvm-vfio-release", "72dfd885b38c793c5157824d0fa30836ca6abad9"),
    ("14-vfio-core-kvm-ref", "94c960ce16c8a1c3ecf0e81f971f31c4bcfac192"),
    ("15-se-ap-bind", "e314270e0e871d50a44f931f1c8a6bc4bc4ca840"),
    ("16-riscv-aia", "8faf3c16e47d627648c2087754a61ab709c8d8fe"),
    ("17-pv-ap-allow", "cbb8578a98e88a49306a82ec75293bd91f5b836a"),
    ("18-unused-decls", "82568e7c2461085c2cca41b3ca7317d557d3e552"),
    ("19-vfio-ap-reset-rework", "34682b1169d30094631b19f9af8f022d03cd0b40"),
    ("20-s390-warns", "cffd84b4f174a4a5865aa39694853ccc4aab8e76"),
    ("21-rculist", "84a71b45fff5b4fd7bb2dc6aed43e2374ad308b3"),
    ("22-x86-vcpus-first", "aa7f2f751d5f58d9334bf914e8a672f92b2e9193"),
    ("23-drop-sync-events", "0bab554527184071778cf8407bff114ce6ab5936"),
)
HEAD = COMMIT_IDS[-1][1]
RFC_ID = "5643323fdec0bfe9a53cbf8538973bfccf99abc0"


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
