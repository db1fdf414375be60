"""Links from a counterexample step to history land on the function the tree defines.

Every step of every counterexample of the default matrix (each architecture, both call
orders, 6.12) names a call chain; the link traces the innermost function of it that the tree
defines, found by text search and confirmed by tree-sitter, within that architecture's own
``arch/`` directory. The plain tree and its git commit must answer alike.
"""

from __future__ import annotations

import pytest

from history.tree.index import find_definition
from history.tree.source import KernelSource
from tests.matrix import matrix_chains, walk_links

#: Lines (1-based) where the definitions start, as each Debian tree has them.
DEFINITIONS = {
    ("6.1", "kvm_destroy_vm", None): ("virt/kvm/kvm_main.c", 1298),
    ("6.12", "kvm_destroy_vm", None): ("virt/kvm/kvm_main.c", 1308),
    ("6.1", "kvm_arch_destroy_vm", "s390"): ("arch/s390/kvm/kvm-s390.c", 3293),
    ("6.12", "kvm_arch_destroy_vm", "s390"): ("arch/s390/kvm/kvm-s390.c", 3459),
}

#: Where the chains land whose files tests/realsrc/fetch_kernels.py extracts for the links
#: alone (LINK_FILES and each architecture's asm/kvm_host.h): the exit path, the mm
#: teardown, the vfio container, the AP and kvm_host.h inlines.
LINK_FILE_LANDINGS = {
    ("s390", ("ap_bapq",)): "arch/s390/include/asm/ap.h",
    ("s390", ("do_exit",)): "kernel/exit.c",
    ("s390", ("do_exit", "exit_notify")): "kernel/exit.c",
    ("s390", ("exit_mm", "mmput", "exit_mmap", "mmu_notifier_release")):
        "include/linux/mmu_notifier.h",
    ("s390", ("mmu_notifier_unregister",)): "mm/mmu_notifier.c",
    ("s390", ("vfio_fops_release",)): "drivers/vfio/container.c",
    ("s390", ("kvm_arch_sync_events",)): "arch/s390/include/asm/kvm_host.h",
    ("powerpc-e500", ("kvm_arch_sync_events",)): "arch/powerpc/include/asm/kvm_host.h",
}


@pytest.mark.parametrize(("name", "arch"), [("kvm_destroy_vm", None),
                                            ("kvm_arch_destroy_vm", "s390")])
def test_definitions_found_by_tree_sitter(kernel: tuple[str, KernelSource], name: str,
                                          arch: str | None) -> None:
    release, src = kernel
    where = find_definition(src, name, arch)
    assert where is not None and (where.path, where.start) == DEFINITIONS[release, name, arch]
    assert where.end > where.start


def test_other_architectures_and_prototypes_never_count(kernel: tuple[str, KernelSource]
                                                        ) -> None:
    """include/linux/kvm_host.h declares kvm_arch_destroy_vm(); a declaration is no
    definition, and arm64's definition is not the one of an architecture the tree lacks."""
    _, src = kernel
    assert find_definition(src, "kvm_arch_destroy_vm", "openrisc") is None
    assert "include/linux/kvm_host.h" in src.definition_files("kvm_arch_destroy_vm")
    assert find_definition(src, "kvm_arch_destroy_vm", "arm64").path == "arch/arm64/kvm/arm.c"


def test_every_step_of_the_default_matrix_links(tree: tuple[str, KernelSource]) -> None:
    release, src = tree
    if release != "6.12":
        pytest.skip("the default matrix is the 6.12 era")
    links = walk_links(src)
    assert links.missed == {}
    assert links.astray == {}
    landed = {chain: links.landed[chain].path for chain in LINK_FILE_LANDINGS}
    assert landed == LINK_FILE_LANDINGS
    assert len(links.landed) == len(matrix_chains()) == 36
