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
from history.git import Git, check_path, check_revision
from history.model import RepoInfo

T = TypeVar("T")

_CACHE_SIZE = 256


class KernelRepo:
    """A read-only view of one git repository."""

    def __init__(self, path: Path, *, demo: bool = False) -> None:
        self.path = path
        self.demo = demo
        self.git = Git(path)
        self._cache: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str] | None) -> KernelRepo:
        """Open ``path`` (a git work tree or bare repo), or the demo history when None."""
        if path is None:
            from history.demo import ensure_demo

            return cls(ensure_demo(), demo=True)
        resolved = Path(path).expanduser()
        if not resolved.exists():
            raise HistoryError(f"{resolved}: no such directory")
        if not resolved.is_dir():
            raise HistoryError(f"{resolved}: not a directory")
        if (resolved / "virt/kvm/kvm_main.c").is_file() and not (resolved / ".git").exists():
            raise HistoryError(f"{resolved} is a plain source tree (no git): history, trace and"
                               f" blame need a git clone")
        repo = cls(resolved.resolve())
        # One git process answers all three questions (launch cost matters on big repos).
        out = repo.git.run(["rev-parse", "--is-inside-work-tree", "--is-bare-repository",
                            "--is-shallow-repository", "--verify", "-q", "HEAD^{commit}"],
                           ok=(0, 1, 128)).decode().split()
        if len(out) < 3 or "true" not in out[:2]:
            raise HistoryError(f"{resolved}: not a git repository")
        repo._cache[("shallow",)] = out[2] == "true"
        if len(out) < 4:
            raise HistoryError(f"{resolved}: repository has no commits")
        return repo

    # -- revisions and files -----------------------------------------------------------------
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
            out = self.git.run(["cat-file", "blob", f"{rev}:{path}"], ok=(0, 128))
            if not out and not self.git.ok(["cat-file", "-e", f"{rev}:{path}"]):
                raise HistoryError(f"{path}: no such file at {rev[:12]}")
            return out

        return self.cached(("blob", rev, path), read)

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
