"""Every era detector on every demo commit, against an explicit table and the era table.

Why: the demo is what the workbench shows when no kernel is given, so each commit should look
like the release its Makefile names. ``EXPECTED`` is what the detectors answer (``P`` present,
``-`` absent, ``?`` unknown; one column per commit, 00 first); a detector without a row, a
changed answer or a new unknown fails. Where a known answer differs from ``sim/eras.py`` at the
commit's release, or an answer is unknown where the era table says present, ``WHY`` says
why; an unknown where the era table says absent is a file or function the demo does not model
yet (a partial tree is not an old kernel).
"""

from __future__ import annotations

from functools import cache

import pytest

from history.demo import load_commits, open_demo
from history.git import queries
from history.tree.detect import FEATURES, Detector, detect_feature
from history.tree.extract import read_version
from history.tree.source import KernelSource, open_source
from sim.eras import FEATURE_BY_NAME, parse_era

EXPECTED: dict[str, str] = {
    #                            000000000011111111112222
    #                            012345678901234567890123
    "device-api":                "-PPPPPPPPPPPPPPPPPPPPPPP",
    "device-refcount":           "-P----------------------",
    "destroy-devices":           "--PPPPPPPPPPPPPPPPPPPPPP",
    "sync-events":               "PPPPPPPPPPPPPPPPPPPPPPP-",
    "pre-destroy-hook":          "-------PPPPPPPPPPPPPPPPP",
    "destroy-devices-comment":   "----PPPPPPPPPPPPPPPPPPPP",
    "release-callback":          "------PPPPPPPPPPPPPPPPPP",
    "device-rculist":            "?--------------------PPP",
    "kvm-vfio":                  "???PPPPPPPPPPPPPPPPPPPPP",
    "kvm-vfio-release":          "???----------PPPPPPPPPPP",
    "set-kvm-notifier":          "?????????---------------",
    "vfio-core-kvm-ref":         "??????????????PPPPPPPPPP",
    "vfio-ap":                   "?????????PPPPPPPPPPPPPPP",
    "vfio-ap-kvm-ref":           "?????????PPPPPPPPPPPPPPP",
    "reset-unbounded":           "?????????----------PPPPP",
    "guest-se-bind":             "???????????????PPPPPPPPP",
    "pv":                        "???????????PPPPPPPPPPPPP",
    "pv-mmu-notifier":           "???????????PPPPPPPPPPPPP",
    "destroy-fast":              "???????????-PPPPPPPPPPPP",
    "pv-async-cleanup":          "???????????-PPPPPPPPPPPP",
    "pv-ap":                     "???????????------PPPPPPP",
    "pv-leak-asce":              "???????????PPPPPPPPPPPPP",
    "destroy-fast-warn-relaxed": "???????????---------PPPP",
    "gisa-destroy-warn":         "???????????---------PPPP",
    "vfio-group-lock":           "??????????????PPPPPPPPPP",
    "x86-nested-exit-reads-pic": "????????????????????????",
    "riscv-aia":                 "????????????????PPPPPPPP",
    "x86-vcpus-first":           "??????????????????????PP",
    "x86-eoi-cancel":            "???????-----------------",
}

_BASELINE = ("00 is mainline 3.9, before the device API; the era table's 3.9 stands for the"
             " kvm-ppc tree after it (01)")
_MID_62 = "12 is early in the v6.2 cycle; the kvm-vfio fix that makes it release-style is 13"
_MID_66_RESET = "early in the v6.6 cycle; the vfio_ap reset rework is 19"
_MID_66_WARN = "early in the v6.6 cycle; the s390 WARN changes are the model commit 20"
_AIA = ("the demo adds AIA with v6.5 (16); the era table dates it 6.12 and marks its first"
        " release UNVERIFIED")
_NO_VFIO_H = "include/linux/vfio.h is first modelled in 09, the notifier's removal"
_NO_VFIO_AP = "drivers/s390/crypto/vfio_ap_ops.c is first modelled in 09"
_NO_PV = "arch/s390/kvm/pv.c is first modelled in 11, the PV mmu_notifier"
_OLD_VFIO = ("the demo's VFIO core is drivers/vfio/vfio.c until 14; the detector reads only"
             " vfio_main.c and group.c")
_NO_NESTED = "arch/x86/kvm/vmx/nested.c is not modelled"

#: (feature, commit) -> why the answer differs from the era table or is unknown where the era
#: table says present.
WHY: dict[tuple[str, int], str] = {
    ("device-api", 0): _BASELINE,
    ("device-refcount", 0): _BASELINE,
    ("kvm-vfio-release", 12): _MID_62,
    **{("reset-unbounded", n): _MID_66_RESET for n in (17, 18)},
    **{(feature, n): _MID_66_WARN for n in (17, 18, 19)
       for feature in ("destroy-fast-warn-relaxed", "gisa-destroy-warn")},
    **{("riscv-aia", n): _AIA for n in range(16, 22)},
    **{("set-kvm-notifier", n): _NO_VFIO_H for n in range(9)},
    **{(feature, n): _NO_VFIO_AP for n in (6, 7, 8) for feature in ("vfio-ap", "vfio-ap-kvm-ref")},
    **{("pv", n): _NO_PV for n in (8, 9, 10)},
    **{("vfio-group-lock", n): _OLD_VFIO for n in range(9, 14)},
    ("x86-nested-exit-reads-pic", 23): _NO_NESTED,
}

_MARK = {"present": "P", "absent": "-", "unknown": "?"}


@cache
def _sources() -> tuple[KernelSource, ...]:
    repo = open_demo()
    shas = [commit.sha for commit in reversed(list(queries.log(repo)))]
    return tuple(open_source(None, sha, repo=repo) for sha in shas)


@cache
def _releases() -> tuple[str, ...]:
    releases = []
    for src in _sources():
        version = read_version(src)
        assert version is not None, f"{src.rev}: the Makefile gives no version"
        releases.append(version.release)
    return tuple(releases)


def test_every_detector_has_a_row_and_every_row_a_detector() -> None:
    assert set(EXPECTED) == {detector.feature for detector in FEATURES}
    count = len(load_commits())
    assert len(_sources()) == count
    assert all(len(row) == count and set(row) <= set("P-?") for row in EXPECTED.values())


def test_the_makefile_names_each_commit_s_release() -> None:
    """Each commit's Makefile says its Release: trailer, except 01: the era table's 3.9."""
    for index, (commit, release) in enumerate(zip(load_commits(), _releases(), strict=True)):
        wanted = "3.9" if index == 1 else (commit.version or "").removeprefix("v")
        assert release == wanted, commit.slug


@pytest.mark.parametrize("detector", FEATURES, ids=lambda d: d.feature)
def test_the_detector_answers_the_table_at_every_commit(detector: Detector) -> None:
    got = "".join(_MARK[detect_feature(src, detector).verdict] for src in _sources())
    assert got == EXPECTED[detector.feature], (
        f"{detector.feature}: detected {got}, table {EXPECTED[detector.feature]}")


def test_the_table_follows_the_era_table_or_says_why() -> None:
    unexplained, stale = [], []
    for name, row in EXPECTED.items():
        era_feature = FEATURE_BY_NAME[name]
        for index, (mark, release) in enumerate(zip(row, _releases(), strict=True)):
            era_says = era_feature.present(parse_era(release))
            differs = (mark == "?" and era_says) or \
                (mark != "?" and (mark == "P") != era_says)
            if differs and (name, index) not in WHY:
                unexplained.append(f"{name}@{index:02d} ({release}: {mark})")
            if not differs and (name, index) in WHY:
                stale.append(f"{name}@{index:02d}")
    assert not unexplained, f"differs from sim/eras.py without a reason: {unexplained}"
    assert not stale, f"WHY names cells that agree with sim/eras.py: {stale}"
