"""Upstream hashes agree across the three tables that print them.

history/ (landmarks) and sim/ (facts, era boundaries) may not import each other, so each keeps
its own hashes; this test joins them: every landmark's hash and every era boundary's commit
is one of the commits of the fact it cites, and a hash written twice (abbreviated or full)
is the same commit both times.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from history.git.landmarks import LANDMARKS
from sim.eras import FEATURES
from sim.facts import FACTS, Fact


def _same(a: str, b: str) -> bool:
    n = min(len(a), len(b))
    return n >= 12 and a[:n] == b[:n]


def disagreements(cited: Iterable[tuple[str, str, str]], facts: dict[str, Fact]) -> list[str]:
    """One line per ``(entry, fact id, hash)`` whose hash is not among its fact's commits."""
    problems = []
    for entry, fact_id, sha in cited:
        known = facts.get(fact_id)
        if known is None:
            problems.append(f"{entry}: unknown fact {fact_id}")
        elif not any(_same(sha, c) for c in known.commits):
            problems.append(f"{entry}: {sha} is not a commit of {fact_id} {known.commits}")
    return problems


def _landmarks() -> list[tuple[str, str, str]]:
    return [(f"landmark {m.key}", m.fact, m.upstream) for m in LANDMARKS]


def _eras() -> list[tuple[str, str, str]]:
    return [(f"era feature {f.name}", f.fact, f.commit) for f in FEATURES if f.commit]


def test_landmarks_and_eras_cite_the_commits_of_their_facts() -> None:
    assert disagreements(_landmarks() + _eras(), FACTS) == []


def test_a_hash_written_twice_is_one_commit() -> None:
    every = [c for f in FACTS.values() for c in f.commits]
    every += [m.upstream for m in LANDMARKS] + [f.commit for f in FEATURES if f.commit]
    by_prefix: dict[str, set[str]] = {}
    for sha in every:
        by_prefix.setdefault(sha[:12], set()).add(sha)
    for prefix, forms in by_prefix.items():
        longest = max(forms, key=len)
        assert all(longest.startswith(form) for form in forms), (prefix, forms)


@pytest.mark.parametrize("typo", ["07f0a7bdec5d", "852b6d57dc7fa378019786fa84727036e56839eb"])
def test_a_mistyped_hash_is_caught(typo: str) -> None:
    """The what-if: one landmark with a wrong digit, or an era citing the wrong fact."""
    mark = next(m for m in LANDMARKS if m.upstream.startswith(typo[:11]))
    bad = [(f"landmark {mark.key}", mark.fact, typo)]
    assert disagreements(bad, FACTS) == [
        f"landmark {mark.key}: {typo} is not a commit of {mark.fact} "
        f"{FACTS[mark.fact].commits}"]
    wrong_fact = [("era feature pv-ap", "F6.2", "899e2206f46aece42d8194c350bc1de71344dbc7")]
    assert len(disagreements(wrong_fact, FACTS)) == 1
