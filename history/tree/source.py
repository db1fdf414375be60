"""Provides ``KernelSource``: the files of one kernel revision, from a git repo or a plain tree.

Why one type for both: every answer read from source (detectors, census, the RFC patch) only
needs "the bytes of path P at this revision" and "which .c files under these directories
mention X". A
git clone answers from blobs through the read-only chokepoint (``history/git/runner.py``: one
``cat-file --batch`` and one ``git grep`` per batch, never the work tree); an extracted
``linux-source-6.12`` directory answers from the file system, and its revision is the label
``tree``. Everything read and parsed is cached on the source object, and ``open_source``
hands back the same object for the same (tree, commit), so a second question in the same
process re-reads nothing.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from history.c.syntax import CFile, Unreadable
from history.errors import HistoryError
from history.git.repo import KernelRepo, expand
from history.git.runner import FILE_CAP, check_path, printable
from history.results import SourceKind

T = TypeVar("T")

#: A directory is a kernel source tree when this file exists in it (at the revision).
MARKER = "virt/kvm/kvm_main.c"
#: Label used as the revision of a plain directory.
TREE_REV = "tree"


def read_regular(root: Path, path: str) -> bytes | None:
    """The bytes of ``root/path`` if it is a regular file (after symlinks) of at most
    FILE_CAP bytes; None when absent; a one-line HistoryError for a FIFO, a device, a
    directory, a loop, an unreadable or an oversized file (opening a FIFO would block,
    /dev/zero never ends)."""
    full = root / path
    try:
        st = full.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise HistoryError(printable(f"{full}: {error.strerror}")) from None
    if stat.S_ISDIR(st.st_mode):
        raise HistoryError(printable(f"{full} is a directory, not a file"))
    if not stat.S_ISREG(st.st_mode):
        raise HistoryError(printable(f"{full} is not a regular file (a FIFO or a device):"
                                     f" refusing to read it"))
    if st.st_size > FILE_CAP:
        raise HistoryError(printable(f"{full} is {st.st_size:,} bytes, more than the"
                                     f" {FILE_CAP >> 20} MiB the workbench reads"))
    try:
        with open(full, "rb") as handle:
            data = handle.read(FILE_CAP + 1)
    except OSError as error:
        raise HistoryError(printable(f"{full}: {error.strerror}")) from None
    if len(data) > FILE_CAP:
        raise HistoryError(printable(f"{full} grew past {FILE_CAP >> 20} MiB while"
                                     f" being read"))
    return data


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _definition_pattern(name: str) -> str:
    """An extended regex (git grep -E and Python's re alike) for a line that may start a
    definition of ``name``: the name first, or after a return type, then ``(``."""
    return r"^([A-Za-z_][^;=(]*[^A-Za-z0-9_])?" + name + r" *\("


class KernelSource:
    """Files of one kernel revision; subclasses say where the bytes come from."""

    kind: SourceKind

    def __init__(self, root: Path, rev: str) -> None:
        self.root = root
        self.rev = rev
        self._blobs: dict[str, bytes | None] = {}
        self._cfiles: dict[str, CFile | None] = {}
        self._memo: dict[Hashable, object] = {}
        self._lock = threading.RLock()
        self.scanned: set[str] = set()
        """Paths whose bytes were read (parsed or only searched)."""

    # -- subclass hooks -------------------------------------------------------------------
    def _fetch(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        raise NotImplementedError

    def _grep(self, needles: Sequence[str], dirs: Sequence[str]) -> list[str]:
        raise NotImplementedError

    def _definition_files(self, names: Sequence[str]) -> dict[str, list[str]]:
        raise NotImplementedError

    # -- public ---------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """The revision as shown: 12 hex digits for a commit, ``tree`` for a directory."""
        return self.rev[:12] if self.kind == "git" else self.rev

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read ``paths`` in one batch (one git process for a repo); missing ones are noted."""
        with self._lock:
            wanted = [check_path(p) for p in dict.fromkeys(paths) if p not in self._blobs]
            if wanted:
                self._blobs.update(self._fetch(wanted))
                self.scanned.update(p for p in wanted if self._blobs.get(p) is not None)

    def read_optional(self, path: str) -> bytes | None:
        """The file's bytes, or None when the tree has no such file."""
        self.prefetch([path])
        return self._blobs[path]

    def where(self, path: str) -> str:
        """``path`` as an error names it: ``root/path`` in a tree, ``path at rev in root``."""
        if self.kind == "git":
            return f"{path} at {self.label} in {self.root}"
        return str(self.root / path)

    def read(self, path: str) -> bytes:
        """The file's bytes, or a one-line HistoryError naming the file and revision."""
        data = self.read_optional(path)
        if data is None:
            raise HistoryError(printable(f"{self.where(path)}: no such file"))
        return data

    def exists(self, path: str) -> bool:
        return self.read_optional(path) is not None

    def cfile(self, path: str) -> CFile | None:
        """The parsed file (tree-sitter-c), cached; None when the file is missing."""
        with self._lock:
            if path not in self._cfiles:
                data = self.read_optional(path)
                try:
                    self._cfiles[path] = None if data is None else CFile(data)
                except Unreadable as error:
                    raise HistoryError(printable(f"{self.where(path)} {error}")) from None
            return self._cfiles[path]

    def grep(self, needles: Sequence[str], dirs: Sequence[str]) -> tuple[str, ...]:
        """The ``.c`` files under ``dirs`` (``*`` matches one path component) that contain
        any of ``needles`` as plain text; a cheap filter before parsing, sorted."""
        key = ("grep", tuple(needles), tuple(dirs))
        return self.memo(key, lambda: tuple(sorted(self._grep(needles, dirs))))

    def definition_files(self, name: str) -> tuple[str, ...]:
        """The ``.c``/``.h`` files with a line that may begin a definition of function
        ``name`` (kernel style: the name at the start of a line, or after the return type),
        sorted; the caller confirms each with tree-sitter."""
        self.prime_definitions([name])
        return self.memo(("definition-files", name), tuple)

    def prime_definitions(self, names: Iterable[str]) -> None:
        """Look up the candidate files of several names in one pass over the tree (a call
        chain's names at once: a plain tree is read once, not once per name)."""
        wanted = [n for n in dict.fromkeys(names) if _IDENT.fullmatch(n)]
        with self._lock:
            wanted = [n for n in wanted if ("definition-files", n) not in self._memo]
        if not wanted:
            return
        found = self._definition_files(wanted)
        with self._lock:
            for name in wanted:
                self._memo[("definition-files", name)] = tuple(sorted(found.get(name, ())))

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Memoise a result derived from this revision (profile, census, ...)."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[return-value]

    @property
    def parsed(self) -> int:
        """How many files were parsed with tree-sitter."""
        return sum(1 for c in self._cfiles.values() if c is not None)


class GitSource(KernelSource):
    """A commit of a git repository, read through the chokepoint (blobs, never the work tree)."""

    kind: SourceKind = "git"

    def __init__(self, repo: KernelRepo, sha: str) -> None:
        super().__init__(repo.path, sha)
        self.repo = repo

    def _fetch(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        # Sizes first (--batch-check): an oversized blob is refused before its bytes are read.
        query = os.fsencode("".join(f"{self.rev}:{p}\n" for p in paths))
        checked, error = self.repo.git.run_noting_errors(
            ["cat-file", "--batch-check=%(objecttype) %(objectsize)"], input=query)
        kinds = checked.decode("ascii", "replace").splitlines()
        found: dict[str, bytes | None] = {}
        blobs = []
        for path, line in zip(paths, kinds, strict=True):
            fields = line.split()
            if len(fields) == 2 and fields[0] == "blob":
                if int(fields[1]) > FILE_CAP:
                    raise HistoryError(printable(
                        f"{path} at {self.label} is {int(fields[1]):,} bytes, more than the"
                        f" {FILE_CAP >> 20} MiB the workbench reads"))
                blobs.append((path, int(fields[1])))
            elif len(fields) == 2:
                found[path] = None  # a tree or another object, not a file
            elif error:  # "missing" because git could not read it
                raise HistoryError(printable(f"{path} at {self.label} cannot be read:"
                                             f" {error}"))
            elif self.repo.partial and self._in_tree(path):
                raise HistoryError(printable(
                    f"{path} at {self.label}: not in this partial clone (the workbench never"
                    f" fetches; fetch it with git, or use a full clone)"))
            else:
                found[path] = None
        if not blobs:
            return found
        query = os.fsencode("".join(f"{self.rev}:{p}\n" for p, _ in blobs))
        out, error = self.repo.git.run_noting_errors(
            ["cat-file", "--batch"], input=query,
            cap=sum(size for _, size in blobs) + 128 * len(blobs))
        pos = 0
        for path, _ in blobs:
            nl = out.index(b"\n", pos)
            header = out[pos:nl].split()
            pos = nl + 1
            if len(header) != 3 or header[1] != b"blob":
                raise HistoryError(printable(f"{path} at {self.label} cannot be read:"
                                             f" {error or 'it changed while being read'}"))
            size = int(header[2])
            found[path] = out[pos:pos + size]
            pos += size + 1
        return {path: found[path] for path in paths}

    def _in_tree(self, path: str) -> bool:
        """The commit's tree lists ``path`` (its blob may still be absent locally)."""
        out = self.repo.git.run(["ls-tree", "--name-only", "--end-of-options", self.rev,
                                 "--", path], ok=(0, 128))
        return bool(out.strip())

    def _grep(self, needles: Sequence[str], dirs: Sequence[str]) -> list[str]:
        args = ["grep", "-l", "-F", "--no-textconv", "--no-color"]
        for needle in needles:
            args += ["-e", needle]
        args += [self.rev, "--", *(f":(glob){check_path(d)}/**/*.c" for d in dirs)]
        out = self.repo.git.run(args, ok=(0, 1)).decode("utf-8", "replace")
        prefix = f"{self.rev}:"
        return [line[len(prefix):] for line in out.splitlines() if line.startswith(prefix)]

    def _definition_files(self, names: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        prefix = f"{self.rev}:"
        for name in names:  # git grep reads packed blobs itself, fast enough per name
            args = ["grep", "-l", "-E", "--no-textconv", "--no-color", "-e",
                    _definition_pattern(name), self.rev, "--", ":(glob)**/*.c",
                    ":(glob)**/*.h"]
            out = self.repo.git.run(args, ok=(0, 1)).decode("utf-8", "replace")
            found[name] = [line[len(prefix):] for line in out.splitlines()
                           if line.startswith(prefix)]
        return found


class DirSource(KernelSource):
    """A plain source tree (no git), e.g. Debian's extracted ``linux-source-6.12``."""

    kind: SourceKind = "dir"

    def __init__(self, root: Path) -> None:
        super().__init__(root, TREE_REV)

    def _fetch(self, paths: Sequence[str]) -> dict[str, bytes | None]:
        return {path: read_regular(self.root, path) for path in paths}

    def _grep(self, needles: Sequence[str], dirs: Sequence[str]) -> list[str]:
        raw = [n.encode() for n in needles]
        hits: list[str] = []
        for pattern in dirs:
            for base in sorted(self.root.glob(check_path(pattern))):
                for dirpath, dirnames, filenames in os.walk(base):
                    dirnames.sort()
                    for name in sorted(filenames):
                        if not name.endswith(".c"):
                            continue
                        rel = Path(dirpath, name).relative_to(self.root).as_posix()
                        self.prefetch([rel])
                        data = self._blobs[rel]
                        if data is not None and any(n in data for n in raw):
                            hits.append(rel)
        return hits

    def _definition_files(self, names: Sequence[str]) -> dict[str, list[str]]:
        # One walk for all names; each file is read once, tested against every name and not
        # kept: a whole kernel's sources must not be held in memory for one lookup.
        patterns = {name: re.compile(_definition_pattern(name).encode(), re.MULTILINE)
                    for name in names}
        hits: dict[str, list[str]] = {name: [] for name in names}
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for file in sorted(filenames):
                if file.endswith((".c", ".h")):
                    rel = Path(dirpath, file).relative_to(self.root).as_posix()
                    data = read_regular(self.root, rel)
                    for name, pattern in patterns.items():
                        if data is not None and pattern.search(data):
                            hits[name].append(rel)
        return hits


_SOURCES: OrderedDict[tuple[str, ...], KernelSource] = OrderedDict()
_SOURCES_LOCK = threading.Lock()
_KEEP = 8


def _remember(key: tuple[str, ...], make: Callable[[], KernelSource]) -> KernelSource:
    with _SOURCES_LOCK:
        if key in _SOURCES:
            _SOURCES.move_to_end(key)
            return _SOURCES[key]
    source = make()
    with _SOURCES_LOCK:
        _SOURCES[key] = source
        while len(_SOURCES) > _KEEP:
            _SOURCES.popitem(last=False)
    return source


def _stamp(root: Path) -> str:
    """Changes when the plain tree is edited where it matters (marker, Makefile)."""
    parts = []
    for name in (MARKER, "Makefile"):
        try:
            st = (root / name).stat()
            parts.append(f"{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append("-")
    return ",".join(parts)


def is_plain_tree(path: Path) -> bool:
    """A kernel source directory that is not itself a git work tree (the marker may be a
    special file: reading it then says so)."""
    return os.path.lexists(path / MARKER) and not os.path.lexists(path / ".git")


def open_source(path: str | os.PathLike[str] | None, rev: str | None = None,
                *, repo: KernelRepo | None = None) -> KernelSource:
    """The kernel at ``path`` (git clone, bare repo or plain source dir), or in ``repo``
    when it is already open (the demo: ``history.demo.open_demo()``).

    A plain directory has no revisions: ``rev`` must be None there. Either way the tree must
    contain ``virt/kvm/kvm_main.c``, else a one-line HistoryError says it is no kernel tree.
    """
    if repo is None and path is not None:
        resolved = expand(path)
        try:
            plain = resolved.is_dir() and is_plain_tree(resolved)
        except OSError as error:
            raise HistoryError(printable(f"{path}: {error.strerror or error}")) from None
        if plain:
            if rev is not None:
                raise HistoryError(f"{resolved} is a plain source tree (no git): --rev needs a"
                                   f" git clone")
            root = resolved.resolve()
            source = _remember(("dir", str(root), _stamp(root)), lambda: DirSource(root))
            source.read(MARKER)
            return source
    if repo is not None:
        kernel = repo
    elif path is None:
        raise ValueError("open_source needs a path or an open repository")
    else:
        try:
            kernel = KernelRepo.open(path)
        except HistoryError as error:
            if str(error).endswith(": not a git repository"):
                raise HistoryError(printable(f"{expand(str(path))}: neither a git repository"
                                             f" nor a kernel source tree (no {MARKER})")
                                   ) from None
            raise
    sha = kernel.resolve(rev)
    source = _remember(("git", str(kernel.path), sha), lambda: GitSource(kernel, sha))
    if not source.exists(MARKER):
        raise HistoryError(f"{kernel.path} is not a kernel tree: no {MARKER} at {sha[:12]}")
    return source
