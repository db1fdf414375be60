"""Every source line the timing model cites holds what it is cited for, in the Debian tree it
names; and the response codes the model uses have the values the trees' ap_bus.h defines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.timing.ap import RESPONSE_CODES
from sim.timing.sources import CITATIONS, Citation
from tests.realsrc.fetch_kernels import tree_dir


def _lines(kernel_cache: Path, tree: str, path: str) -> list[str]:
    return (tree_dir(tree, kernel_cache) / path).read_text(errors="replace").splitlines()


@pytest.mark.parametrize("cite", CITATIONS, ids=lambda c: f"{c.tree}:{c.path}:{c.line}")
def test_cited_line_holds_its_token(kernel_cache: Path, cite: Citation) -> None:
    lines = _lines(kernel_cache, cite.tree, cite.path)
    assert cite.token in lines[cite.line - 1], (
        f"[{cite.tree}] {cite.path}:{cite.line} should hold {cite.token!r} ({cite.what});"
        f" it reads {lines[cite.line - 1].strip()!r}")


@pytest.mark.parametrize("tree", ["6.1", "6.12"])
def test_response_code_values(kernel_cache: Path, tree: str) -> None:
    text = "\n".join(_lines(kernel_cache, tree, "drivers/s390/crypto/ap_bus.h"))
    defined = {m.group(1): int(m.group(2), 16)
               for m in re.finditer(r"#define\s+(AP_RESPONSE_\w+)\s+0x([0-9A-Fa-f]+)", text)}
    for rc in RESPONSE_CODES:
        if any(t == tree for t, _ in rc.lines):
            assert defined[rc.name] == rc.value, rc.name
        else:
            assert rc.name not in defined, f"{rc.name} is new in [6.12] only"


def test_the_61_loop_reads_no_second_tapq(kernel_cache: Path) -> None:
    """The quirk the model encodes: the WARN condition is retry2 <= 0 after while(retry2--)."""
    body = "\n".join(_lines(kernel_cache, "6.1", "drivers/s390/crypto/vfio_ap_ops.c")[1648:1656])
    assert "while (retry2--)" in body and "retry2 <= 0" in body
