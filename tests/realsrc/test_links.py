"""Links from a counterexample step to history land on the function the tree defines.

Every step of every counterexample of the default matrix (each architecture, both call
orders, 6.12) names a call chain; the link traces the innermost function of it that the tree
defines, found by text search and confirmed by tree-sitter, within that architecture's own
``arch/`` directory. The plain tree and its git commit must answer alike.
"""

from __future__ import annotations

from functools import cache

import pytest

from history.tree.index import find_definition, link_target
from history.tree.source import KernelSource
from sim.arches import ARCHES
from sim.checker import check
from sim.defaults import DEFAULT_ERA
from sim.profile import build_profile

#: Lines (1-based) where the definitions start, as each Debian tree has them.
DEFINITIONS = {
    ("6.1", "kvm_destroy_vm", None): ("virt/kvm/kvm_main.c", 1298),
    ("6.12", "kvm_destroy_vm", None): ("virt/kvm/kvm_main.c", 1308),
    ("6.1", "kvm_arch_destroy_vm", "s390"): ("arch/s390/kvm/kvm-s390.c", 3293),
    ("6.12", "kvm_arch_destroy_vm", "s390"): ("arch/s390/kvm/kvm-s390.c", 3459),
}

#: Chains of the default matrix whose link cannot land in the extracted Debian trees, and why.
NOT_LANDING = {
    ("s390", ("ap_bapq",)): "an inline in arch/s390/include/asm/ap.h, which is not extracted",
    ("s390", ("do_exit",)): "kernel/exit.c is not extracted",
    ("s390", ("do_exit", "exit_notify")): "kernel/exit.c is not extracted",
    ("s390", ("exit_mm", "mmput", "exit_mmap", "mmu_notifier_release")):
        "kernel/exit.c, kernel/fork.c, mm/mmap.c and mm/mmu_notifier.c are not extracted",
    ("s390", ("mmu_notifier_unregister",)): "mm/mmu_notifier.c is not extracted",
    ("s390", ("vfio_fops_release",)): "drivers/vfio/container.c is not extracted",
    ("s390", ("kvm_arch_sync_events",)):
        "an empty inline in arch/s390/include/asm/kvm_host.h, which is not extracted",
    ("powerpc-e500", ("kvm_arch_sync_events",)):
        "an empty inline in arch/powerpc/include/asm/kvm_host.h, which is not extracted",
}


@cache
def matrix_chains() -> frozenset[tuple[str, tuple[str, ...]]]:
    """(arch, call chain) of every step of every counterexample of the default matrix."""
    chains = set()
    for arch in ARCHES:
        for order in ("current", "reversed"):
            for claim in check(build_profile(arch, DEFAULT_ERA, order=order)).claims:
                chains.update((arch, step.event.calls) for step in claim.trace)
    return frozenset(chains)


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
    landed, missed = [], {}
    for arch, calls in sorted(matrix_chains()):
        where, why = link_target(src, calls, ARCHES[arch].kernel_dir)
        if where is None:
            missed[arch, calls] = why
            continue
        own = f"arch/{ARCHES[arch].kernel_dir}/"
        assert where.name in calls
        assert not where.path.startswith("arch/") or where.path.startswith(own)
        landed.append((arch, calls))
    assert set(missed) == set(NOT_LANDING), set(missed) ^ set(NOT_LANDING)
    assert all("not defined in" in why for why in missed.values())
    assert len(landed) == len(matrix_chains()) - len(NOT_LANDING) == 28
