"""The call chains of the default matrix and where their links land in one tree.

Every step of every counterexample of the default matrix (each architecture in
``sim.arches.ARCHES``, both call orders, ``sim.defaults.DEFAULT_ERA``) names a call chain.
tests/realsrc/test_links.py walks them on the Debian trees, tests/history/test_demo_links.py
on the demo history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from history.results import FunctionRange
from history.tree.index import link_target
from history.tree.source import KernelSource
from sim.arches import ARCHES
from sim.checker import check
from sim.defaults import DEFAULT_ERA
from sim.profile import build_profile

Chain = tuple[str, tuple[str, ...]]
"""(architecture, call chain)."""


@cache
def matrix_chains() -> frozenset[Chain]:
    """(arch, call chain) of every step of every counterexample of the default matrix."""
    chains: set[Chain] = set()
    for arch in ARCHES:
        for order in ("current", "reversed"):
            for claim in check(build_profile(arch, DEFAULT_ERA, order=order)).claims:
                chains.update((arch, step.event.calls) for step in claim.trace)
    return frozenset(chains)


@dataclass
class Links:
    """Where each chain of the matrix lands in one tree."""

    landed: dict[Chain, FunctionRange] = field(default_factory=dict)
    missed: dict[Chain, str] = field(default_factory=dict)
    """The chains that land nowhere, with link_target's reason."""
    astray: dict[Chain, FunctionRange] = field(default_factory=dict)
    """Landed on a function the chain does not name, or in another architecture's arch/."""


def walk_links(src: KernelSource) -> Links:
    """Every chain of the matrix linked in ``src`` within its architecture's own arch/."""
    links = Links()
    for arch, calls in sorted(matrix_chains()):
        where, why = link_target(src, calls, ARCHES[arch].kernel_dir)
        if where is None:
            links.missed[arch, calls] = why
            continue
        own = f"arch/{ARCHES[arch].kernel_dir}/"
        if where.name not in calls or (where.path.startswith("arch/")
                                       and not where.path.startswith(own)):
            links.astray[arch, calls] = where
        links.landed[arch, calls] = where
    return links
