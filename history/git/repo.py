"""Provides ``KernelRepo``: a kernel git tree opened read-only, or the embedded demo history.

Opening checks what a user can get wrong (not a repo, a bad revision, a shallow clone that
lacks a commit, a missing file) and turns each into one HistoryError line. Revisions are
resolved once to full hashes, so every later query is keyed by an immutable id and can be
cached per (commit, query).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from history.errors import HistoryError
from history.git.preflight import check_repository, find_git_dir
from history.git.runner import FILE_CAP, Git, check_path, check_revision, printable
from history.results import RepoInfo

T = TypeVar("T")

_CACHE_SIZE = 256


def expand(path: str | os.PathLike[str]) -> Path:
    """``path`` with ``~`` / ``~user`` expanded; an unknown user is a one-line error."""
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise HistoryError("a repository path must be a non-empty string")
    if "\0" in text:
        raise HistoryError(printable(f"{text}: a path cannot contain NUL"))
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise HistoryError(printable(f"{text}: no such user for ~")) from None


class KernelRepo:
    """A read-only view of one git repository."""

    def __init__(self, path: Path, *, demo: bool = False, gitdir: Path | None = None) -> None:
        self.path = path
        self.demo = demo
        self.git = Git(path, gitdir=gitdir)
        self._cache: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> KernelRepo:
        """Open ``path`` (a git work tree or bare repo; the demo is ``history.demo.open_demo``).

        The repository is found and checked without running git (history.git.preflight); git
        then reads it with its git directory named and an empty work tree."""
        resolved = expand(path)
        try:
            if not resolved.exists():
                raise HistoryError(printable(f"{resolved}: no such directory"))
            if not resolved.is_dir():
                raise HistoryError(printable(f"{resolved}: not a directory"))
            if (resolved / "virt/kvm/kvm_main.c").is_file() and \
                    not (resolved / ".git").exists():
                raise HistoryError(printable(
                    f"{resolved} is a plain source tree (no git): history, trace and blame"
                    f" need a git clone"))
            return cls.checked(resolved.resolve())
        except OSError as error:
            raise HistoryError(printable(f"{path}: {error.strerror or error}")) from None

    @classmethod
    def checked(cls, top: Path, *, demo: bool = False) -> KernelRepo:
        """Open the repository at ``top`` (resolved, known to exist)."""
        gitdir, worktree = find_git_dir(top)
        shown = worktree or gitdir
        shape = check_repository(gitdir, shown)
        repo = cls(shown, demo=demo, gitdir=gitdir)
        repo._cache[("partial",)] = shape.partial
        # One git process answers both questions (launch cost matters on big repos).
        out = repo.git.run(["rev-parse", "--is-shallow-repository", "--verify", "-q",
                            "HEAD^{commit}"], ok=(0, 1)).decode().split()
        if not out:
            raise HistoryError(printable(f"{shown}: not a git repository"))
        repo._cache[("shallow",)] = out[0] == "true"
        repo._cache[("head",)] = out[1] if len(out) > 1 else ""
        if len(out) < 2:
            raise HistoryError(printable(repo._why_no_head()))
        return repo

    def _why_no_head(self) -> str:
        """Why HEAD names no readable commit: unborn, or an object git cannot read."""
        named = self.git.run(["rev-parse", "--verify", "-q", "HEAD"], ok=(0, 1)).strip()
        if not named:
            return f"{self.path}: repository has no commits (HEAD is unborn)"
        sha = named.decode("ascii", "replace")
        _, error = self.git.run_noting_errors(["cat-file", "--batch-check"],
                                              input=os.fsencode(f"{sha}\n"))
        cause = error or "the object is missing"
        return f"{self.path}: HEAD commit {sha[:12]} cannot be read: {cause}"

    # -- revisions and files -----------------------------------------------------------------
    @property
    def head(self) -> str:
        """HEAD's commit hash as read when the repository was opened."""
        return str(self._cache.get(("head",), ""))

    @property
    def shallow(self) -> bool:
        return self.cached(("shallow",), lambda: self.git.text(
            ["rev-parse", "--is-shallow-repository"]).strip() == "true")

    def resolve(self, rev: str | None) -> str:
        """The full commit hash of ``rev`` (default HEAD), or a one-line error saying why not."""
        rev = "HEAD" if rev is None else check_revision(rev)

        def lookup() -> str:
            out = self.git.run(["rev-parse", "--verify", "-q", "--end-of-options",
                                f"{rev}^{{commit}}"], ok=(0, 1)).decode().strip()
            if out:
                return out
            if self.shallow:
                raise HistoryError(f"revision {rev!r} is not in this shallow clone "
                                   f"(git fetch --unshallow to get it)")
            raise HistoryError(f"bad revision {rev!r} in {self.path}")

        return self.cached(("resolve", rev), lookup) if rev != "HEAD" else lookup()

    def has_commit(self, sha: str) -> bool:
        """True when the object exists here and is a commit (a landmark check, no error)."""
        return self.git.ok(["cat-file", "-e", f"{check_revision(sha)}^{{commit}}"])

    def read_file(self, rev: str, path: str) -> bytes:
        """A file's bytes at ``rev`` (full hash) without filters or textconv."""
        check_path(path)

        def read() -> bytes:
            try:
                out, error = self.git.run_noting_errors(["cat-file", "--batch"],
                                                        input=os.fsencode(f"{rev}:{path}\n"),
                                                        cap=FILE_CAP + 4096)
            except HistoryError as failure:
                if "output exceeds" not in str(failure):
                    raise
                raise HistoryError(printable(
                    f"{path} at {rev[:12]} is more than the {FILE_CAP >> 20} MiB the workbench"
                    f" reads")) from None
            header, _, body = out.partition(b"\n")
            fields = header.split()
            if len(fields) == 3 and fields[1] == b"blob":
                return body[:int(fields[2])]
            if error:
                raise HistoryError(printable(f"{path} at {rev[:12]} cannot be read: {error}"))
            if self.partial:
                raise HistoryError(printable(
                    f"{path} at {rev[:12]}: not in this partial clone (the workbench never"
                    f" fetches; fetch it with git, or use a full clone)"))
            raise HistoryError(printable(f"{path}: no such file at {rev[:12]}"))

        return self.cached(("blob", rev, path), read)

    @property
    def partial(self) -> bool:
        """A partial clone (blobs may be left out and live at a promisor remote)."""
        return bool(self._cache.get(("partial",), False))

    def info(self) -> RepoInfo:
        return RepoInfo(path=str(self.path), head=self.resolve(None), demo=self.demo,
                        shallow=self.shallow)

    # -- cache -------------------------------------------------------------------------------
    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Memoise ``compute`` under ``key``; keys must name immutable things (full hashes)."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return value
