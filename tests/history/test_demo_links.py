"""Links from a counterexample step land on the demo history's model sources.

The chains of the default matrix (tests/matrix.py) are walked on two demo commits: the
newest whose Makefile names a release no later than the default era, the tree that era
reads, where every chain lands within its architecture's own ``arch/``; and the head, where
only the chains miss whose function a commit after the default era removed.
"""

from __future__ import annotations

from functools import cache

from history.demo import load_commits, open_demo
from history.git import queries
from history.tree.extract import read_version
from history.tree.index import find_definition
from history.tree.source import KernelSource, open_source
from sim.arches import ARCHES
from sim.defaults import DEFAULT_ERA
from sim.eras import parse_era
from tests.matrix import matrix_chains, walk_links

#: The demo commit the default era reads (newest with a Makefile release <= DEFAULT_ERA).
ERA_COMMIT = "21-rculist"
#: Chains that miss at the head, and the commit that removed their innermost function.
GONE_AT_HEAD = {
    ("s390", ("kvm_arch_sync_events",)): "23-drop-sync-events",
    ("powerpc-e500", ("kvm_arch_sync_events",)): "23-drop-sync-events",
}


@cache
def _sources() -> dict[str, KernelSource]:
    """Every demo commit by slug, oldest first."""
    repo = open_demo()
    shas = [commit.sha for commit in reversed(list(queries.log(repo)))]
    slugs = [commit.slug for commit in load_commits()]
    return {slug: open_source(None, sha, repo=repo)
            for slug, sha in zip(slugs, shas, strict=True)}


def _release(src: KernelSource) -> str:
    version = read_version(src)
    assert version is not None, f"{src.rev}: the Makefile gives no version"
    return version.release


def test_the_era_commit_is_the_newest_at_or_before_the_default_era() -> None:
    era = parse_era(DEFAULT_ERA)
    fitting = [slug for slug, src in _sources().items() if parse_era(_release(src)) <= era]
    assert fitting[-1] == ERA_COMMIT


def test_every_chain_lands_at_the_default_era_s_commit() -> None:
    links = walk_links(_sources()[ERA_COMMIT])
    assert links.missed == {}
    assert links.astray == {}
    assert len(links.landed) == len(matrix_chains()) == 36


def test_at_the_head_only_the_chains_of_removed_functions_miss() -> None:
    sources = _sources()
    links = walk_links(list(sources.values())[-1])
    assert set(links.missed) == set(GONE_AT_HEAD), set(links.missed) ^ set(GONE_AT_HEAD)
    assert all("not defined in" in why for why in links.missed.values())
    assert links.astray == {}
    assert len(links.landed) == len(matrix_chains()) - len(GONE_AT_HEAD) == 34
    slugs = list(sources)
    for (arch, calls), slug in GONE_AT_HEAD.items():
        before = sources[slugs[slugs.index(slug) - 1]]
        kernel_dir = ARCHES[arch].kernel_dir
        assert find_definition(before, calls[-1], kernel_dir) is not None
        assert find_definition(sources[slug], calls[-1], kernel_dir) is None


def test_with_history_every_chain_lands_at_the_head() -> None:
    """A link into a function the head lacks traces it before the commit that removed it,
    and says which commit that was: from the head, all 36 chains land."""
    from history.tree.index import link_target_in_history

    repo = open_demo()
    removed_by = {commit.slug: commit for commit in load_commits()}
    shas = [c.sha for c in reversed(list(queries.log(repo)))]
    sha_of = dict(zip(removed_by, shas, strict=True))
    for arch, calls in sorted(matrix_chains()):
        kernel_dir = ARCHES[arch].kernel_dir
        where, why = link_target_in_history(repo, None, calls, kernel_dir)
        assert where is not None, (arch, calls, why)
        assert where.name in calls
        assert not where.path.startswith("arch/") or where.path.startswith(
            f"arch/{kernel_dir}/")
        gone = GONE_AT_HEAD.get((arch, calls))
        if gone is None:
            assert why == ""
        else:
            assert why.startswith(f"{calls[-1]}() is gone at this revision: "
                                  f"{sha_of[gone][:12]} ")
            assert where.rev == repo.resolve(f"{sha_of[gone]}^")
