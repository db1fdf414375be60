"""The claim catalog on the Debian trees: each comment at the line kernel-facts cites (or
missing where that release lacks it), and the what-ifs for the entries the demo does not
write (tests/test_comments.py has the others)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from history.tree.source import KernelSource
from workbench.comments import check_comments, load_catalog, read_comments

Kernel = tuple[str, KernelSource]

#: Entry id -> first line of the comment; None: missing in that release.
STARTS: dict[str, dict[str, int | None]] = {
    "6.1": {"destroy-devices-lock": 1287, "destroy-devices-rculist": None,
            "ops-destroy": 2132, "vfio-device-kvm": 46, "s390-destroy-vm": 3300,
            "pv-cleanup-all": None, "mpic-disconnect": 1772, "x86-pre-destroy": None,
            "put-kvm-no-destroy": 1374, "vfio-group-open-kvm": None,
            "vgic-vcpu-destroy": None, "s390-cpus-from-pv": 2365},
    "6.12": {"destroy-devices-lock": 1291, "destroy-devices-rculist": 1291,
             "ops-destroy": 2278, "vfio-device-kvm": None, "s390-destroy-vm": 3466,
             "pv-cleanup-all": 406, "mpic-disconnect": 1772, "x86-pre-destroy": 12135,
             "put-kvm-no-destroy": 1393, "vfio-ap-lock-order": 41,
             "vfio-group-open-kvm": 180, "s390-cpus-from-pv": 2453,
             "s390-vcpu-destroy-mutex": 3453, "vgic-vcpu-destroy": 421,
             "irqfd-release": 607, "xics-release": 1376, "pv-notifier": 542},
}


def test_catalog_lines(tree: Kernel) -> None:
    """F3.1-F3.4 and F8.1-F8.18 at the cited lines; everything not pinned is present."""
    release, src = tree
    entries = load_catalog()
    found = dict(zip((e.id for e in entries), read_comments(src, entries), strict=True))
    for entry_id, start in STARTS[release].items():
        assert (found[entry_id].start if found[entry_id].present else None) == start, entry_id
    for entry in entries:
        if entry.id not in STARTS[release]:
            assert found[entry.id].present, entry.id


@dataclass(frozen=True)
class WhatIf:
    entry: str
    change: dict[str, object]
    order: str = "current"
    base: dict[str, object] = field(default_factory=dict)


TREE_WHAT_IFS = [
    WhatIf("destroy-devices-rculist",
           {"features": {"vfio-ap-kvm-ref": False, "vfio-core-kvm-ref": False}}),
    WhatIf("s390-destroy-vm", {"userspace": "any+async"}),
    WhatIf("pv-cleanup-all", {"userspace": "any+async"}),
    WhatIf("x86-pre-destroy", {"features": {"x86-eoi-cancel": False}}),
]


@pytest.mark.parametrize("whatif", TREE_WHAT_IFS, ids=lambda w: w.entry)
def test_tree_what_if_invalidates(kernel_cache: object, whatif: WhatIf) -> None:
    from tests.realsrc.conftest import source

    src = source("6.12", "dir")
    assert check_comments(src).comment(whatif.entry).verdict("current").verdict == "holds"
    verdict = check_comments(src, **whatif.change).comment(  # type: ignore[arg-type]
        whatif.entry).verdict(whatif.order)
    assert verdict.verdict == "invalidated" and verdict.trace, verdict
