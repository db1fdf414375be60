"""Provides ``python -m history.demo``: build the demo, and edit one commit's tree in place.

Why a round trip instead of editing patches by hand: a change to commit N must show in N and
in every later commit, and every later patch must still apply strictly. ``edit N`` writes
commit N's full tree into a scratch directory; ``export DIR`` turns that directory back into
commit N's patch (or, for the baseline, its stored tree) and replays each later commit's
patch onto the new predecessor (hunks may move, context may not change), re-diffing it. Nothing
is written unless every commit and the proposals still build; each file is written to a
temporary name and renamed over the old one.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from history.demo import (
    BASELINE_TREE,
    PATCH,
    SPEC_DIR,
    DemoCommit,
    build_demo,
    ensure_demo,
    load_commits,
    load_proposals,
    patch,
    read_tree,
)
from history.errors import HistoryError

#: The file in an edit directory naming the commit, the spec and the tree it was taken from.
MARKER = ".kvm-demo-edit"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def tree_digest(tree: Mapping[str, bytes]) -> str:
    """A digest of a whole tree (paths and bytes), to notice a spec changed under an edit."""
    digest = hashlib.sha256()
    for path in sorted(tree):
        digest.update(b"%d:%s\0%d:" % (len(path.encode()), path.encode(), len(tree[path])))
        digest.update(tree[path])
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` or its old content, never a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _select(commits: Sequence[DemoCommit], which: str) -> int:
    for index, commit in enumerate(commits):
        if which in (commit.slug, commit.slug.split("-", 1)[0]) or \
                (which.isdigit() and int(which) == index):
            return index
    raise HistoryError(f"no demo commit {which!r}: give its number (0-{len(commits) - 1})"
                       " or its directory name")


def _read_marker(directory: Path) -> dict[str, str]:
    try:
        text = (directory / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise HistoryError(f"{directory} is not a demo edit directory (no {MARKER}); make one"
                           " with: python -m history.demo edit N") from None
    fields = dict(line.split(" = ", 1) for line in text.splitlines() if " = " in line)
    if not {"commit", "spec", "tree"} <= set(fields):
        raise HistoryError(f"{directory / MARKER} is damaged; make a new edit directory")
    return fields


def _marker(commit: str, spec: Path, tree: Mapping[str, bytes]) -> bytes:
    return (f"commit = {commit}\nspec = {spec}\ntree = {tree_digest(tree)}\n").encode()


def edit(which: str, spec: Path, directory: Path | None) -> Path:
    """Commit ``which``'s full tree in a fresh directory (returned) holding a marker file."""
    commits = load_commits(spec)
    commit = commits[_select(commits, which)]
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix=f"kvm-demo-edit-{commit.slug}-"))
    else:
        try:
            directory.mkdir(parents=True)
        except OSError as error:
            raise HistoryError(f"cannot make edit directory {directory}: "
                               f"{error.strerror or error}") from None
    for path, data in commit.tree:
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    write_atomic(directory / MARKER, _marker(commit.slug, spec.resolve(), dict(commit.tree)))
    return directory


def _edited_tree(directory: Path) -> dict[str, bytes]:
    tree = read_tree(directory)
    tree.pop(MARKER, None)
    for path, data in tree.items():
        if b"\0" in data:
            raise HistoryError(f"{directory / path}: binary files cannot go in the demo")
    return tree


def export(directory: Path, spec: Path | None = None) -> list[str]:
    """Write the edit in ``directory`` back into the spec; returns the files rewritten
    (empty when nothing changed)."""
    fields = _read_marker(directory)
    spec = spec if spec is not None else Path(fields["spec"])
    commits = load_commits(spec)
    index = _select(commits, fields["commit"])
    trees = [dict(commit.tree) for commit in commits]
    if tree_digest(trees[index]) != fields["tree"]:
        raise HistoryError(f"demo commit {commits[index].slug} changed since {directory} was"
                           " made; make a new edit directory")
    edited = _edited_tree(directory)
    if edited == trees[index]:
        return []
    new = [*trees[:index], edited]
    for later in commits[index + 1:]:
        data = (spec / "commits" / later.slug / PATCH).read_bytes()
        try:
            new.append(patch.apply(new[-1], data, f"demo commit {later.slug}", exact=False))
        except patch.PatchError as error:
            raise HistoryError(f"{error} (after the edit to {commits[index].slug}); nothing"
                               " was written") from None
    writes: dict[Path, bytes | None] = {}
    if index == 0:
        root = spec / "commits" / commits[0].slug / BASELINE_TREE
        for path in sorted(set(trees[0]) | set(edited)):
            if trees[0].get(path) != edited.get(path):
                writes[root / path] = edited.get(path)
    for position in range(max(index, 1), len(commits)):
        data = patch.diff_trees(new[position - 1], new[position])
        if not data:
            raise HistoryError(f"demo commit {commits[position].slug} would change nothing"
                               f" after the edit to {commits[index].slug}; nothing was written")
        target = spec / "commits" / commits[position].slug / PATCH
        if target.read_bytes() != data:
            writes[target] = data
    rebuilt = tuple(dataclasses.replace(commit, tree=tuple(sorted(tree.items())))
                    for commit, tree in zip(commits, new, strict=True))
    load_proposals(rebuilt, spec)
    for target, content in writes.items():
        if content is None:
            target.unlink()
            _prune(target.parent, stop=spec / "commits" / commits[0].slug / BASELINE_TREE)
        else:
            write_atomic(target, content)
    write_atomic(directory / MARKER, _marker(commits[index].slug, spec.resolve(), edited))
    return [str(target.relative_to(spec)) for target in writes]


def _prune(directory: Path, stop: Path) -> None:
    while directory != stop and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def build(out: Path | None, spec: Path) -> Path:
    """The demo repository: at ``out`` (which must not exist), else the user's cache."""
    if out is None:
        if spec.resolve() != SPEC_DIR.resolve():
            raise HistoryError("--spec needs --out: the cache holds the packaged spec only")
        return ensure_demo()
    if out.exists():
        raise HistoryError(f"{out} exists; build into a new directory")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".demo-build-", dir=out.parent))
    except OSError as error:
        raise HistoryError(f"cannot build the demo at {out}: {error.strerror or error}") \
            from None
    try:
        built = build_demo(scratch / "repo.git", spec)
        os.rename(built, out)
    except OSError as error:
        raise HistoryError(f"cannot build the demo at {out}: {error.strerror or error}") \
            from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 done, 2 bad input or a patch that no longer applies (one line on stderr)."""
    parser = _Parser(prog="python -m history.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=SPEC_DIR,
                        help="the spec directory (default: the packaged history/demo)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p_build = sub.add_parser("build", help="build the demo repository, print its path")
    p_build.add_argument("--out", type=Path, default=None,
                         help="new directory for the bare repository (default: the cache)")
    p_edit = sub.add_parser("edit", help="write commit N's full tree into a scratch directory")
    p_edit.add_argument("commit", help="number (0, 7, 22) or directory name (07-pre-destroy)")
    p_edit.add_argument("--dir", type=Path, default=None, help="new directory to use")
    p_export = sub.add_parser("export", help="write an edit directory back into the patches")
    p_export.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            print(build(args.out, args.spec))
        elif args.command == "edit":
            print(edit(args.commit, args.spec, args.dir))
        else:
            spec = args.spec if args.spec != SPEC_DIR else None
            written = export(args.directory, spec)
            print("\n".join(f"rewrote {name}" for name in written) if written
                  else "no change: nothing written")
    except HistoryError as error:
        sys.stderr.write(f"{parser.prog}: error: {error}\n")
        return 2
    except OSError as error:
        sys.stderr.write(f"{parser.prog}: error: {error.filename or ''}: "
                         f"{error.strerror or error}\n")
        return 2
    return 0
