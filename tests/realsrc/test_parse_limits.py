"""The parser's limits leave real kernel code far inside them: every C file under the
directories the workbench reads parses, none is near the size cap, none near the depth cap."""

from __future__ import annotations

from pathlib import Path

from history.c.syntax import MAX_DEPTH, PARSE_CAP, parse
from tests.realsrc.conftest import CACHE
from tests.realsrc.fetch_kernels import tree_dir

DIRS = ("virt/kvm", "arch/*/kvm", "drivers/vfio", "drivers/s390/crypto")


def _depth(path: Path) -> int:
    cursor, depth, deepest = parse(path.read_bytes()).root_node.walk(), 0, 0
    while True:
        if cursor.goto_first_child():
            depth += 1
            deepest = max(deepest, depth)
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return deepest
            depth -= 1


def test_real_kernel_code_is_far_inside_the_parse_limits(kernel_cache: Path) -> None:
    root = tree_dir("6.12", CACHE)
    files = [f for d in DIRS for f in root.glob(f"{d}/**/*.c")]
    assert len(files) > 150
    biggest = max(f.stat().st_size for f in files)
    deepest = max(_depth(f) for f in files)
    assert biggest * 4 < PARSE_CAP, biggest      # x86.c: 365 kB
    assert deepest * 4 < MAX_DEPTH, deepest      # arch/arm64/kvm/sys_regs.c: 168
