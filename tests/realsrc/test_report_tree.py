"""The Report on the Debian trees: the order, the comments and the tree's own profile read
from the real source, and a plain tree said to have no history."""

from __future__ import annotations

from history.tree.source import KernelSource
from workbench.report import render_markdown, report_on_tree

#: Where kvm_destroy_vm() and its two calls are, and the mpic comment, in each Debian tree.
LINES = {"6.1": (1298, None), "6.12": (1308, "arch/powerpc/kvm/mpic.c:1772")}


def test_the_report_reads_the_order_and_the_comments_in_the_tree(
        tree: tuple[str, KernelSource]) -> None:
    release, src = tree
    report = report_on_tree(src, None, f"linux-source-{release}", arches=["powerpc-e500"])
    text = render_markdown(report)
    start, mpic = LINES[release]
    assert f"kvm_destroy_vm() (virt/kvm/kvm_main.c:{start}) calls kvm_arch_destroy_vm()" in text
    assert "(a source tree without git history)" in text
    assert '"kvm: destroy emulated devices on VM exit" (v3.10):' in text  # no "not in tree"
    assert "| claim " in text and f"{release} tree" in text
    # the rculist paragraph of kvm_destroy_devices()'s comment came with v6.10 (F3.2)
    rculist = next(line for line in text.splitlines() if line.startswith("- destroy-devices-rc"))
    assert ("not in this tree at this revision" in rculist) == (release == "6.1")
    if mpic is not None:
        assert "**made false** by the swap on powerpc-e500" in text and mpic in text
