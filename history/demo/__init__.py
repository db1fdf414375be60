"""Provides the embedded demo history: hand-written model sources, one commit per landmark.

The spec lives beside this file as a patch series: ``commits/00-baseline/{meta.toml,tree/...}``
stores the first tree whole, every later ``commits/NN-slug/{meta.toml,patch.diff}`` is a
unified diff against its parent, applied by the strict applier of ``history.demo.patch`` (a
mismatch fails naming the commit, file and hunk; nothing is stored twice).
``proposals/<name>/meta.toml`` names a base commit; the proposal's tree is that commit's with
the RFC's swap applied by ``history.tree.rfc``, never a stored copy. ``ensure_demo()`` builds
it with ``git fast-import`` into the user's cache directory on first use. Identities, dates
and messages are fixed and fast-import writes objects verbatim, so two builds on any machine
give the same commit ids; the directory name carries a digest of the spec, so a changed spec
builds a fresh repository next to the old one. A build happens in a scratch directory that is
always removed and is renamed into place only when complete, with a stamp naming its head
commit; a cached copy whose head does not match its stamp (a corrupted or half-deleted cache)
is rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from history.demo import patch
from history.errors import HistoryError
from history.git.runner import Git

if TYPE_CHECKING:
    from history.git.repo import KernelRepo

SPEC_DIR = Path(__file__).parent
IDENTITY = ("kvm-workbench demo", "demo@kvm-workbench.invalid")
BRANCH = "refs/heads/main"
PROPOSAL_REF = "refs/proposals/{name}"
#: The baseline commit's stored tree, and every later commit's diff against its parent.
BASELINE_TREE = "tree"
PATCH = "patch.diff"


@dataclass(frozen=True, slots=True)
class DemoCommit:
    """One commit of the demo spec."""

    slug: str
    subject: str
    body: str
    date: datetime
    files: tuple[tuple[str, bytes], ...]
    delete: tuple[str, ...] = ()
    landmark: str | None = None
    upstream: str | None = None
    fact: str | None = None
    version: str | None = None
    base: str | None = None
    """For proposals: the slug of the commit they apply on."""
    message_id: str | None = None
    tree: tuple[tuple[str, bytes], ...] = ()
    """Every file of the commit's tree (``files`` holds only those it adds or changes)."""

    @property
    def message(self) -> str:
        trailers = [
            f"{key}: {value}"
            for key, value in (("Upstream", self.upstream), ("Landmark", self.landmark),
                               ("Fact", self.fact), ("Release", self.version),
                               ("Message-Id", f"<{self.message_id}>" if self.message_id else None))
            if value
        ]
        text = self.subject.strip() + "\n"
        if self.body.strip():
            text += "\n" + self.body.strip() + "\n"
        if trailers:
            text += "\n" + "\n".join(trailers) + "\n"
        return text


def _meta(directory: Path) -> dict[str, Any]:
    try:
        return tomllib.loads((directory / "meta.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise HistoryError(f"demo spec {directory.name}/meta.toml: {error}") from None


def read_tree(root: Path) -> dict[str, bytes]:
    """Every regular file under ``root`` by POSIX path (the baseline, an edit directory)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def _commit(directory: Path, meta: dict[str, Any], parent: dict[str, bytes],
            tree: dict[str, bytes]) -> DemoCommit:
    changed = tuple((path, data) for path, data in sorted(tree.items())
                    if parent.get(path) != data)
    try:
        return DemoCommit(
            slug=directory.name,
            subject=meta["subject"],
            body=meta.get("body", ""),
            date=datetime.fromisoformat(meta["date"]),
            files=changed,
            delete=tuple(sorted(set(parent) - set(tree))),
            landmark=meta.get("landmark"),
            upstream=meta.get("upstream"),
            fact=meta.get("fact"),
            version=meta.get("version"),
            base=meta.get("base"),
            message_id=meta.get("message_id"),
            tree=tuple(sorted(tree.items())),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise HistoryError(f"demo spec {directory.name}/meta.toml: bad or missing field"
                           f" {error}") from None


def commit_dirs(spec_dir: Path = SPEC_DIR) -> list[Path]:
    """The commit directories, in order (``NN-slug``)."""
    root = spec_dir / "commits"
    if not root.is_dir():
        raise HistoryError(f"demo spec is empty: {root}")
    return sorted(d for d in root.iterdir() if d.is_dir())


def load_commits(spec_dir: Path = SPEC_DIR) -> tuple[DemoCommit, ...]:
    """The main line: the baseline's stored tree, then each patch applied strictly."""
    commits: list[DemoCommit] = []
    tree: dict[str, bytes] = {}
    for index, directory in enumerate(commit_dirs(spec_dir)):
        meta = _meta(directory)
        patch_file, tree_dir = directory / PATCH, directory / BASELINE_TREE
        if index == 0:
            if not tree_dir.is_dir() or patch_file.exists():
                raise HistoryError(f"demo spec {directory.name}: the first commit stores its"
                                   f" whole tree under {BASELINE_TREE}/ and has no {PATCH}")
            new = read_tree(tree_dir)
        else:
            if tree_dir.exists() or not patch_file.is_file():
                raise HistoryError(f"demo spec {directory.name}: a later commit is one"
                                   f" {PATCH}, with no {BASELINE_TREE}/")
            new = patch.apply(tree, patch_file.read_bytes(), f"demo commit {directory.name}")
        commits.append(_commit(directory, meta, tree, new))
        tree = new
    if not commits:
        raise HistoryError(f"demo spec is empty: {spec_dir / 'commits'}")
    return tuple(commits)


def load_proposals(commits: tuple[DemoCommit, ...], spec_dir: Path = SPEC_DIR,
                   ) -> tuple[DemoCommit, ...]:
    """The proposals: each is the RFC's swap (``history.tree.rfc``) applied to its base."""
    from history.tree.rfc import PATH, locate_and_swap

    root = spec_dir / "proposals"
    by_slug = {commit.slug: commit for commit in commits}
    proposals: list[DemoCommit] = []
    for directory in sorted(d for d in root.iterdir() if d.is_dir()) if root.is_dir() else ():
        meta = _meta(directory)
        base = by_slug.get(meta.get("base", ""))
        if base is None:
            raise HistoryError(f"demo proposal {directory.name}: unknown base"
                               f" {meta.get('base')!r}")
        tree = dict(base.tree)
        if PATH not in tree:
            raise HistoryError(f"demo proposal {directory.name}: {base.slug} has no {PATH}")
        patched, outcome, reason = locate_and_swap(tree[PATH])
        if patched is None:
            raise HistoryError(f"demo proposal {directory.name}: the RFC swap does not apply"
                               f" to {base.slug} ({outcome}: {reason})")
        tree[PATH] = patched
        proposals.append(_commit(directory, meta, dict(base.tree), tree))
    return tuple(proposals)


def load_spec(spec_dir: Path = SPEC_DIR) -> tuple[tuple[DemoCommit, ...], tuple[DemoCommit, ...]]:
    """The main-line commits in order, and the proposals (the RFC), from the package data."""
    commits = load_commits(spec_dir)
    return commits, load_proposals(commits, spec_dir)


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _stamp(when: datetime) -> bytes:
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{int(when.timestamp())} {sign}{minutes // 60:02d}{minutes % 60:02d}".encode()


def fast_import_stream(commits: tuple[DemoCommit, ...], proposals: tuple[DemoCommit, ...]) -> bytes:
    """The ``git fast-import`` input for the whole demo (deterministic bytes)."""
    who = f"{IDENTITY[0]} <{IDENTITY[1]}>".encode()
    out: list[bytes] = []
    marks: dict[str, int] = {}

    def emit(commit: DemoCommit, ref: str, mark: int, parent: int | None) -> None:
        stamp = _stamp(commit.date)
        out.append(b"commit " + ref.encode() + b"\n")
        out.append(b"mark :%d\n" % mark)
        out.append(b"author " + who + b" " + stamp + b"\n")
        out.append(b"committer " + who + b" " + stamp + b"\n")
        out.append(_data(commit.message.encode()))
        if parent is not None:
            out.append(b"from :%d\n" % parent)
        for path in commit.delete:
            out.append(b"D " + path.encode() + b"\n")
        for path, content in commit.files:
            out.append(b"M 100644 inline " + path.encode() + b"\n" + _data(content))
        out.append(b"\n")

    previous: int | None = None
    for index, commit in enumerate(commits, start=1):
        emit(commit, BRANCH, index, previous)
        marks[commit.slug] = index
        previous = index
    for offset, proposal in enumerate(proposals, start=len(commits) + 1):
        if proposal.base not in marks:
            raise HistoryError(f"demo proposal {proposal.slug}: unknown base {proposal.base!r}")
        emit(proposal, PROPOSAL_REF.format(name=proposal.slug), offset, marks[proposal.base])
    out.append(b"done\n")
    return b"".join(out)


def spec_digest(spec_dir: Path = SPEC_DIR) -> str:
    """A digest of the builder's input; names the cache directory."""
    commits, proposals = load_spec(spec_dir)
    return hashlib.sha256(fast_import_stream(commits, proposals)).hexdigest()[:16]


def build_demo(dest: Path, spec_dir: Path = SPEC_DIR) -> Path:
    """Build the demo repository at ``dest`` (which must not exist). Returns ``dest``."""
    commits, proposals = load_spec(spec_dir)
    stream = fast_import_stream(commits, proposals)
    dest.mkdir(parents=True)
    git = Git(dest)

    def run(*args: str, data: bytes | None = None) -> bytes:
        try:
            return git.run(args, input=data)
        except HistoryError as error:
            raise HistoryError(f"building demo history failed: git {args[0]}: {error}") \
                from None

    run("init", "-q", "--bare", "--initial-branch=main")
    run("fast-import", "--quiet", "--done", data=stream)
    run("symbolic-ref", "HEAD", BRANCH)
    head = run("rev-parse", "--verify", BRANCH).decode().strip()
    (dest / STAMP).write_text(head + "\n", encoding="ascii")
    return dest


#: File in the built repository naming its head commit (written last).
STAMP = "kvm-workbench-demo"


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/kvm-workbench`` (``~/.cache/kvm-workbench`` by default); a relative
    XDG_CACHE_HOME is invalid (XDG base directory spec) and ignored."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            raise HistoryError("no cache directory: HOME is not an absolute path and"
                               " XDG_CACHE_HOME is not set to one")
        base = os.path.join(home, ".cache")
    return Path(base) / "kvm-workbench"


def demo_path() -> Path:
    """Where the demo repository for this spec lives (built or not)."""
    return cache_root() / f"demo-{spec_digest()}.git"


def stamped_head(target: Path) -> str:
    """The head commit the build recorded, or '' when the stamp is missing or damaged."""
    try:
        text = (target / STAMP).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return text if len(text) == 40 else ""


def ensure_demo(*, rebuild: bool = False) -> Path:
    """The demo repository, built on first use (or when ``rebuild``: a damaged cache);
    concurrent first uses are safe (atomic rename)."""
    target = demo_path()
    if not rebuild and stamped_head(target):
        return target
    root = target.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".demo-build-", dir=root))
    except OSError as error:
        raise HistoryError(f"cannot build the demo history in {root}: {error.strerror}") \
            from None
    try:
        built = build_demo(scratch / "repo.git")
        if not rebuild and stamped_head(target):
            return target  # another process published first; readers may be inside it
        if target.exists():  # damaged: moved aside in one rename, never deleted in place
            with contextlib.suppress(OSError):
                os.rename(target, scratch / "damaged.git")
        try:
            os.rename(built, target)
        except OSError:
            if not stamped_head(target):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def open_demo() -> KernelRepo:
    """The demo history, built on first use; a cache whose head is not the one its build
    recorded is rebuilt."""
    from history.git.repo import KernelRepo

    target = ensure_demo()
    try:
        repo = KernelRepo.checked(target, demo=True)
        if repo.head == stamped_head(target):
            return repo
    except HistoryError:
        pass
    return KernelRepo.checked(ensure_demo(rebuild=True), demo=True)
