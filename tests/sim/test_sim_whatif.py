"""Every claim can fail: for each id, a what-if under which it fails with a shortest trace.

A claim that nothing in the model could ever break would be a defect (it would report
"holds" whatever the kernel did). Each entry below names the profile where the claim holds
and the one change — a feature, a toggle, a userspace — that makes it fail, and the test
checks both sides, so the what-if is shown to be the cause.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from sim.checker import check
from sim.claims import CLAIM_IDS
from sim.profile import build_profile


@dataclass(frozen=True)
class WhatIf:
    claim: str
    arch: str
    era: str
    change: dict[str, object]
    """build_profile keywords of the what-if (merged over ``base``)."""
    reason: str
    """A fragment of the failure reason."""
    base: dict[str, object] = field(default_factory=dict)
    order: str = "current"


NO_VFIO_REFS = {"vfio-ap-kvm-ref": False, "vfio-core-kvm-ref": False}

WHAT_IFS = [
    WhatIf("se-ap-reset", "s390", "6.12",
           {"toggles": {"uv-destroy-refused-while-bound": "false"}},
           "secure configuration destroyed while AP queues are"),
    WhatIf("se-ap-reset", "s390", "6.12",
           {"toggles": {"uv-fast-destroy-refused-while-bound": "false"}},
           "secure configuration destroyed while AP queues are",
           base={"userspace": "qemu-8.2"}),
    WhatIf("no-uaf", "powerpc-e500", "6.12", {"order": "reversed"}, "use after free: openpic"),
    WhatIf("no-leak", "s390", "6.12", {"toggles": {"uv-destroy-faults": "true"}},
           "secure", base={"userspace": "qemu-8.2"}),
    WhatIf("no-warn", "s390", "6.12", {"features": {"destroy-fast-warn-relaxed": False}},
           "protvirt destroy vm fast failed", base={"userspace": "qemu-8.2"}),
    WhatIf("no-hang", "s390", "6.12", {"toggles": {"ap-reset-faults": "true"}},
           "flush_work never returns", base={"userspace": "qemu-8.2"}),
    WhatIf("comment-destroy-devices-lock", "s390", "6.12", {"features": NO_VFIO_REFS},
           "still reaches the kvm"),
    WhatIf("comment-device-ops-destroy", "powerpc-e500", "6.12", {"order": "reversed"},
           "mpic destroyed while live vCPUs still point into it"),
    WhatIf("comment-s390-arch-destroy", "s390", "6.12", {"async_teardown": True},
           "changes the PV state while kvm_arch_destroy_vm tears it down"),
    WhatIf("comment-pv-notifier", "s390", "6.12", {"async_teardown": True},
           "runs from another mm user's exit_mmap"),
    WhatIf("comment-mpic-disconnect", "powerpc-e500", "6.12", {"order": "reversed"},
           "disconnect runs after mpic_destroy freed the openpic"),
    WhatIf("gisa-alert-mask-clear", "s390", "6.12", {"features": NO_VFIO_REFS},
           "guest ISC still registered"),
]


def test_every_claim_has_a_what_if() -> None:
    assert {w.claim for w in WHAT_IFS} == set(CLAIM_IDS)


@pytest.mark.parametrize("whatif", WHAT_IFS, ids=lambda w: f"{w.claim}-{sorted(w.change)[0]}")
def test_the_what_if_breaks_the_claim(whatif: WhatIf) -> None:
    def verdict(**kw: object):  # type: ignore[no-untyped-def]
        args = {"order": whatif.order, **whatif.base, **kw}
        return check(build_profile(whatif.arch, whatif.era, **args),  # type: ignore[arg-type]
                     claims=[whatif.claim]).claim(whatif.claim)

    held = verdict()
    assert held.verdict == "holds", f"{whatif.claim} already fails without the what-if"
    broken = verdict(**whatif.change)
    assert broken.verdict == "fails"
    assert broken.trace and whatif.reason in broken.reason
