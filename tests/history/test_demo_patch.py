"""The demo's patch format: generated diffs round-trip, and the strict applier fails loudly."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from history.demo import load_spec, patch
from history.demo.patch import PatchError

OLD = {"a.c": b"one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n", "gone.h": b"x\n"}
NEW = {"a.c": b"one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine", "new.h": b"y\n"}


def test_diff_then_apply_gives_the_new_tree() -> None:
    diff = patch.diff_trees(OLD, NEW)
    assert b"new file mode 100644" in diff and b"deleted file mode 100644" in diff
    assert patch.NO_EOL in diff
    assert patch.apply(OLD, diff, "t") == NEW
    assert patch.diff_trees(NEW, NEW) == b""


_lines = st.lists(st.sampled_from([b"a\n", b"b\n", b"c\n", b"\n", b"d"]), max_size=12)


@given(_lines, _lines)
def test_any_pair_of_files_round_trips(old: list[bytes], new: list[bytes]) -> None:
    def text(lines: list[bytes]) -> bytes:
        return b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines[:-1]) \
            + (lines[-1] if lines else b"")

    before, after = {"f": text(old)}, {"f": text(new)}
    assert patch.apply(before, patch.diff_trees(before, after), "t") == after


def test_a_changed_context_line_names_commit_file_and_hunk() -> None:
    diff = patch.diff_trees(OLD, NEW)
    drifted = dict(OLD, **{"a.c": OLD["a.c"].replace(b"two", b"TWO")})
    with pytest.raises(PatchError) as error:
        patch.apply(drifted, diff, "demo commit 07-x")
    message = str(error.value)
    assert message.startswith("demo commit 07-x: a.c: hunk 1 (@@ -1,8 +1,9 @@)")
    assert "line 2 differs" in message and "\n" not in message


def test_exact_mode_takes_no_offset_but_rebase_mode_does() -> None:
    diff = patch.diff_trees(OLD, NEW)
    shifted = dict(OLD, **{"a.c": b"zero\n" + OLD["a.c"]})
    with pytest.raises(PatchError, match="hunk 1"):
        patch.apply(shifted, diff, "t")
    rebased = patch.apply(shifted, diff, "t", exact=False)
    assert rebased["a.c"] == b"zero\n" + NEW["a.c"]


@pytest.mark.parametrize(("text", "needle"), [
    (b"garbage\n", "expected 'diff --git"),
    (b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n x\n", "ends early"),
    (b"diff --git a/f b/f\n--- a/f\n+++ b/g\n", "renames"),
    (b"diff --git a/f b/f\n--- a/../f\n+++ b/../f\n", "unsafe path"),
    (b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n?x\n", "is not ' ', '-' or '+'"),
    (b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -x +1 @@\n", "malformed hunk header"),
])
def test_malformed_patches_are_refused_in_one_line(text: bytes, needle: str) -> None:
    with pytest.raises(PatchError, match="^t: .*" + re.escape(needle)):
        patch.apply({"f": b"x\n"}, text, "t")


def test_a_new_file_that_exists_and_a_missing_file_are_refused() -> None:
    with pytest.raises(PatchError, match="new file already exists"):
        patch.apply({"f": b"x\n"}, patch.diff_file("f", None, b"x\n"), "t")
    with pytest.raises(PatchError, match="does not exist"):
        patch.apply({}, patch.diff_file("f", b"x\n", b"y\n"), "t")


def test_the_stored_patches_are_in_the_generator_s_own_form() -> None:
    """Regenerating every patch from the built trees reproduces the stored bytes (so an
    export that changes nothing writes nothing)."""
    from history.demo import PATCH, SPEC_DIR

    commits, _ = load_spec()
    for parent, commit in itertools.pairwise(commits):
        stored = (SPEC_DIR / "commits" / commit.slug / PATCH).read_bytes()
        assert patch.diff_trees(dict(parent.tree), dict(commit.tree)) == stored, commit.slug


def test_a_damaged_spec_fails_the_build_naming_commit_file_and_hunk(tmp_path: Path) -> None:
    import shutil

    from history.demo import PATCH, SPEC_DIR, build_demo

    spec = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, spec, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    target = spec / "commits" / "07-pre-destroy" / PATCH
    lines = target.read_bytes().splitlines(keepends=True)
    context = next(i for i, line in enumerate(lines) if line.startswith(b" ") and len(line) > 3)
    lines[context] = b" " + lines[context][1:].upper()
    target.write_bytes(b"".join(lines))
    with pytest.raises(PatchError, match=r"^demo commit 07-pre-destroy: \S+: hunk \d+ \(@@ .*"
                                         r"does not apply: line \d+ differs"):
        build_demo(tmp_path / "demo.git", spec)
    assert not (tmp_path / "demo.git").exists()
