"""Provides the pre-flight check of a repository: find its git directory, refuse special files.

Why: git opens many files of a repository's git directory (config and its includes, HEAD,
packed-refs, refs, info/attributes, alternates, pack and index files, loose objects) with a
plain ``open()``. A FIFO there blocks git forever; ``/dev/zero`` there makes it read without
end. The chokepoint's ``-c`` overrides can redirect only the files config names; the files
the repository *is* can only be checked. So before the first git process, this module walks
what git may read and refuses, in one line, a repository in which any of it is not a regular
file of reasonable size (a symlink counts as what it points at). Config includes
(``include.path``, ``includeIf.*.path``) are listed without following them (``git config
--file F --no-includes``) and checked the same way, recursively.

Discovery is ours too (a ``.git`` directory, a ``.git`` file naming the git directory, or a
bare repository), so that no git process runs before the check.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from history.errors import HistoryError

#: The largest file of each kind git would read in a sane repository.
_CAPS = {
    "config": 1 << 20,
    "config.worktree": 1 << 20,
    "HEAD": 4096,
    "commondir": 4096,
    "shallow": 64 << 20,
    "packed-refs": 512 << 20,
    "info/attributes": 1 << 20,
    "objects/info/alternates": 64 << 10,
    "index": 1 << 30,
}
_GITFILE_CAP = 4096
_DEFAULT_CAP = 16 << 30
_INCLUDE_DEPTH = 10

#: Config keys the check reads: includes, file-valued keys, partial-clone markers.
_KEYS = r"^include(if\..*)?\.path$|^extensions\.partialclone$|^remote\..*\.promisor$"

_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _refuse(repo: Path, rel: str, why: str) -> HistoryError:
    from history.git.runner import printable

    return HistoryError(printable(f"{repo}: {rel} is {why}: refusing to read this repository"))


def _check_file(repo: Path, path: Path, rel: str, cap: int) -> None:
    """``path`` is absent, or (after symlinks) a regular file of at most ``cap`` bytes."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        if error.errno == 40:  # ELOOP
            raise _refuse(repo, rel, "a symlink loop") from None
        raise _refuse(repo, rel, f"unreadable ({error.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(repo, rel, _kind(st.st_mode))
    if st.st_size > cap:
        raise _refuse(repo, rel, f"{st.st_size:,} bytes (more than {cap:,})")


def _read_small(path: Path, cap: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(cap + 1)[:cap]


def find_git_dir(path: Path) -> tuple[Path, Path | None]:
    """(git directory, work tree or None for a bare repository) of the repository at
    ``path`` or above it, found without running git; a one-line HistoryError if none."""
    for top in (path, *path.parents):
        dotgit = top / ".git"
        try:
            st = dotgit.lstat()
        except FileNotFoundError:
            if _looks_bare(top):
                return top, None
            continue
        except OSError as error:
            raise HistoryError(f"{top}/.git: {error.strerror}") from None
        if stat.S_ISLNK(st.st_mode):
            try:
                st = dotgit.stat()
            except OSError:
                raise _refuse(top, ".git", "a broken or looping symlink") from None
        if stat.S_ISDIR(st.st_mode):
            return dotgit, top
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(top, ".git", _kind(st.st_mode))
        if st.st_size > _GITFILE_CAP:
            raise _refuse(top, ".git", f"a {st.st_size:,}-byte file (a gitfile is one line)")
        text = _read_small(dotgit, _GITFILE_CAP).decode("utf-8", "replace").strip()
        if not text.startswith("gitdir:"):
            raise _refuse(top, ".git", "a file that is not a gitfile")
        target = Path(text[len("gitdir:"):].strip())
        gitdir = target if target.is_absolute() else top / target
        if not gitdir.is_dir():
            raise _refuse(top, ".git", f"a gitfile naming {gitdir}, which is no directory")
        return gitdir, top
    raise HistoryError(f"{path}: not a git repository")


def _looks_bare(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() \
        and (path / "refs").is_dir()


@dataclass(frozen=True, slots=True)
class RepoShape:
    """What the check learned on the way."""

    partial: bool
    """A partial clone (extensions.partialClone or a promisor remote)."""


def check_repository(gitdir: Path, shown: Path) -> RepoShape:
    """Refuse (one HistoryError line naming ``shown``) a git directory git could hang or
    exhaust memory on; see the module docstring."""
    dirs = [gitdir]
    common = gitdir / "commondir"
    _check_file(shown, common, "commondir", _CAPS["commondir"])
    if common.is_file():
        text = _read_small(common, _CAPS["commondir"]).decode("utf-8", "replace").strip()
        other = Path(text) if Path(text).is_absolute() else gitdir / text
        if other.is_dir():
            dirs.append(other)
    partial = False
    for base in dirs:
        for rel, cap in _CAPS.items():
            _check_file(shown, base / rel, rel, cap)
        partial |= _check_includes(shown, base / "config", "config", 0)
        partial |= _check_includes(shown, base / "config.worktree", "config.worktree", 0)
        _check_tree(shown, base, "refs")
        _check_tree(shown, base, "objects")
    return RepoShape(partial=partial)


def _check_tree(shown: Path, base: Path, rel: str) -> None:
    """Every entry under ``base/rel`` that is not a directory is a regular file."""
    root = base / rel
    if not root.is_dir():
        return
    stack = [root]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as error:
            raise _refuse(shown, str(current.relative_to(base)),
                          f"unreadable ({error.strerror})") from None
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif not entry.is_file(follow_symlinks=False):
                relpath = str(Path(entry.path).relative_to(base))
                if entry.is_symlink():
                    _check_file(shown, Path(entry.path), relpath, _DEFAULT_CAP)
                else:
                    raise _refuse(shown, relpath, _kind(entry.stat(follow_symlinks=False)
                                                        .st_mode))


def _check_includes(shown: Path, config: Path, rel: str, depth: int) -> bool:
    """Each file a config includes (any condition) is absent or a small regular file;
    returns whether the config makes a partial clone. (Files that other keys name are not
    checked: the chokepoint's -c overrides keep git from reading them.)"""
    if not config.is_file():
        return False
    if depth > _INCLUDE_DEPTH:
        raise _refuse(shown, rel, f"an include chain deeper than {_INCLUDE_DEPTH}")
    from history.git.runner import Git

    try:
        out = Git(Path("/")).run(["config", "--file", str(config), "--no-includes", "-z",
                                  "--get-regexp", _KEYS], ok=(0, 1))
    except HistoryError as error:
        raise _refuse(shown, rel, f"a config git cannot parse ({error})") from None
    partial = False
    for item in out.split(b"\0"):
        if b"\n" not in item:
            continue
        key_bytes, value_bytes = item.split(b"\n", 1)
        key = key_bytes.decode("utf-8", "replace").lower()
        value = value_bytes.decode("utf-8", "replace")
        if key == "extensions.partialclone" or key.endswith(".promisor"):
            partial |= bool(value) and value.lower() not in ("false", "no", "off", "0")
            continue
        if not value or value.startswith("~"):
            continue  # the chokepoint's HOME does not exist: git finds no such file
        target = Path(value) if os.path.isabs(value) else config.parent / value
        label = f"{rel} include {value}"
        _check_file(shown, target, label, _CAPS["config"])
        partial |= _check_includes(shown, target, label, depth + 1)
    return partial
