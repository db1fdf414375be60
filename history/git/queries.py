"""Provides the history queries the CLI and the History screen share.

Each returns frozen dataclasses from history.results. Lists stream (generators that kill git
when closed); single answers are cached per (full hash, query) on the KernelRepo. Every
diff-producing call passes ``--no-ext-diff --no-textconv``; every pickaxe needs a pathspec.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone

from history.errors import HistoryError
from history.git.landmarks import LANDMARKS
from history.git.repo import KernelRepo
from history.git.runner import check_path, check_revision, printable
from history.results import (
    Blame,
    BlameLine,
    Commit,
    CommitDetail,
    FunctionRange,
    FunctionTrace,
    LandmarkHow,
    ResolvedLandmark,
    TraceEntry,
)

Cancelled = Callable[[], bool] | None

_US = "\x1f"
_RS = "\x1e"
#: One commit per record: hash, parents, author, email, strict ISO author date, subject.
LOG_FORMAT = "%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s"
_DIFF_FLAGS = ("--no-ext-diff", "--no-textconv", "--no-color")

DEFAULT_FILE = "virt/kvm/kvm_main.c"
DEFAULT_FUNCTION = "kvm_destroy_vm"


def _commit(fields: Sequence[str]) -> Commit:
    sha, parents, author, email, date, subject = fields[:6]
    return Commit(sha=sha, parents=tuple(parents.split()), author=author, email=email,
                  date=date, subject=subject)


def log(
    repo: KernelRepo,
    rev: str | None = None,
    *,
    paths: Sequence[str] = (),
    limit: int | None = None,
    skip: int = 0,
    extra: Sequence[str] = (),
    cancelled: Cancelled = None,
) -> Iterator[Commit]:
    """Commits reachable from ``rev`` (default HEAD), newest first, optionally by path."""
    # git resolves the revision itself (one process less at launch); if it cannot,
    # ``resolve`` explains why in one line (bad name, or missing from a shallow clone).
    target = "HEAD" if rev is None else check_revision(rev)
    args = ["log", "-z", f"--format={LOG_FORMAT}", "--no-decorate", "--no-color", *extra]
    if limit is not None:
        args.append(f"--max-count={limit}")
    if skip:
        args.append(f"--skip={skip}")
    args += ["--end-of-options", target, "--", *(check_path(p) for p in paths)]
    try:
        for record in repo.git.stream_records(args, cancelled=cancelled):
            text = record.decode("utf-8", "replace").lstrip("\n")
            if text:
                yield _commit(text.split(_US))
    except HistoryError:
        repo.resolve(rev)  # raises the precise reason when the revision is the problem
        raise


def pickaxe(
    repo: KernelRepo,
    needle: str,
    *,
    paths: Sequence[str],
    regex: bool = False,
    rev: str | None = None,
    limit: int | None = None,
    cancelled: Cancelled = None,
) -> Iterator[Commit]:
    """``-S`` (occurrence count changed) or ``-G`` (changed lines match); always path-limited."""
    if not paths:
        raise HistoryError("pickaxe needs a pathspec (e.g. virt/kvm arch/s390/kvm)")
    if not needle:
        raise HistoryError("pickaxe needs a non-empty string")
    flag = f"-G{needle}" if regex else f"-S{needle}"
    yield from log(repo, rev, paths=paths, limit=limit, extra=(flag, *_DIFF_FLAGS),
                   cancelled=cancelled)


SearchHit = tuple[str, Commit]
"""How a commit matched a search (``hash``, ``message``, ``author``, ``pickaxe``) and the commit."""


def search(
    repo: KernelRepo,
    term: str,
    rev: str | None = None,
    *,
    paths: Sequence[str] = (),
    limit: int | None = None,
    cancelled: Cancelled = None,
) -> Iterator[SearchHit]:
    """Every commit reachable from ``rev`` that ``term`` names, streamed in four passes.

    A revision name (a hash of any length git can resolve, a tag) comes first; then commit
    messages, then authors (fixed strings, case-insensitive: a term is text, not a regular
    expression a user must escape), then, with a pathspec, the commits whose diffs add or
    remove ``term`` (``-S``). Each commit is reported once, by the first pass that found it;
    ``limit`` caps each pass, and ``cancelled`` stops the git of the running pass.
    """
    term = term.strip()
    if not term:
        raise HistoryError("search needs a non-empty term")
    if "\0" in term or "\n" in term:
        raise HistoryError("a search term is one line of text")
    seen: set[str] = set()
    if cancelled is not None and cancelled():
        return
    named = _revision_named(repo, term)
    if named is not None:
        seen.add(named.sha)
        yield "hash", named
    passes: list[tuple[str, tuple[str, ...], Sequence[str]]] = [
        ("message", ("--fixed-strings", "--regexp-ignore-case", f"--grep={term}"), ()),
        ("author", ("--fixed-strings", "--regexp-ignore-case", f"--author={term}"), ()),
    ]
    if paths:
        passes.append(("pickaxe", (f"-S{term}", *_DIFF_FLAGS), paths))
    for how, extra, pathspec in passes:
        for commit in log(repo, rev, paths=pathspec, limit=limit, extra=extra,
                          cancelled=cancelled):
            if commit.sha not in seen:
                seen.add(commit.sha)
                yield how, commit
            if cancelled is not None and cancelled():
                return


def _revision_named(repo: KernelRepo, term: str) -> Commit | None:
    """The commit ``term`` names as a revision (hash prefix ≥ 4 digits, tag, branch), else None."""
    if term.startswith("-") or any(ch.isspace() for ch in term):
        return None
    try:
        sha = repo.resolve(term)
    except HistoryError:
        return None
    return next(log(repo, sha, limit=1), None)


def commit_by_function(
    repo: KernelRepo, name: str, path: str, rev: str | None = None, *,
    limit: int | None = None, cancelled: Cancelled = None,
) -> Iterator[Commit]:
    """Commits that changed the body of ``name`` (the commits of its ``log -L`` trace)."""
    for entry in trace_entries(repo, function_range(repo, rev, path, name), limit=limit,
                               cancelled=cancelled):
        yield entry.commit


def show(repo: KernelRepo, rev: str, *, limit: int = 3000) -> CommitDetail:
    """A commit with message, trailers, touched files and its patch (cut at ``limit`` lines)."""
    sha = repo.resolve(rev)

    def compute() -> CommitDetail:
        header = repo.git.text([
            "log", "-1", "--no-patch", "--no-decorate",
            f"--format={LOG_FORMAT}%x1f%b%x1f%(trailers:only,unfold)", "--end-of-options", sha,
        ])
        fields = header.split(_US)
        commit = _commit(fields)
        body = fields[6].strip() if len(fields) > 6 else ""
        trailer_text = fields[7] if len(fields) > 7 else ""
        trailers = tuple(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in trailer_text.splitlines())
            if value
        )
        # The body from %b still contains the trailer block; show it once, in trailers.
        if trailer_text.strip() and body.endswith(trailer_text.strip()):
            body = body[: -len(trailer_text.strip())].rstrip()
        names = repo.git.run(["diff-tree", "-r", "-z", "--root", "--name-only", "--no-commit-id",
                              "-M", "--end-of-options", sha])
        files = tuple(n.decode("utf-8", "replace") for n in names.split(b"\0") if n)
        lines = repo.git.stream_lines(["diff-tree", "-p", "--root", "-M", "--no-commit-id",
                                       *_DIFF_FLAGS, "--end-of-options", sha])
        kept = list(itertools.islice(lines, limit + 1))
        lines.close()
        truncated = len(kept) > limit
        return CommitDetail(commit=commit, body=body, trailers=trailers, files=files,
                            patch="\n".join(kept[:limit]), truncated=truncated)

    return repo.cached(("show", sha, limit), compute)


def function_range(repo: KernelRepo, rev: str | None, path: str, name: str) -> FunctionRange:
    """Where ``name`` is defined in ``path`` at ``rev``: tree-sitter, not git's funcname regex."""
    sha = repo.resolve(rev)

    def compute() -> FunctionRange:
        from history.c import syntax  # tree-sitter loads on the first C question, not at launch

        try:
            definition = syntax.find_function(repo.read_file(sha, path), name)
        except syntax.Unreadable as error:
            raise HistoryError(printable(f"{path} at {sha[:12]} {error}")) from None
        if definition is None:
            raise HistoryError(f"{name}() is not defined in {path} at {sha[:12]}")
        return FunctionRange(rev=sha, path=path, name=name, start=definition.start,
                             end=definition.end)

    return repo.cached(("range", sha, path, name), compute)


def trace_entries(
    repo: KernelRepo, where: FunctionRange, *, limit: int | None = None,
    cancelled: Cancelled = None,
) -> Iterator[TraceEntry]:
    """Stream ``git log -L start,end:path`` as one TraceEntry per commit."""
    args = ["log", f"-L{where.start},{where.end}:{where.path}", "--no-decorate",
            f"--format={_RS}{LOG_FORMAT}", *_DIFF_FLAGS]
    if limit is not None:
        args.append(f"--max-count={limit}")
    args += ["--end-of-options", where.rev]
    header: list[str] | None = None
    patch: list[str] = []
    for line in repo.git.stream_lines(args, cancelled=cancelled):
        if line.startswith(_RS):
            if header is not None:
                yield TraceEntry(_commit(header), "\n".join(patch).strip("\n"))
            header, patch = line[1:].split(_US), []
        elif header is not None:
            patch.append(line)
    if header is not None:
        yield TraceEntry(_commit(header), "\n".join(patch).strip("\n"))


def trace(
    repo: KernelRepo, rev: str | None = None, path: str = DEFAULT_FILE,
    name: str = DEFAULT_FUNCTION, *, limit: int | None = None, cancelled: Cancelled = None,
) -> FunctionTrace:
    """The history of one function, every commit with the hunk that changed it."""
    where = function_range(repo, rev, path, name)

    def compute() -> FunctionTrace:
        return FunctionTrace(where, tuple(trace_entries(repo, where, limit=limit,
                                                        cancelled=cancelled)))

    if cancelled is not None:
        return compute()  # a cancelled run must not be cached as complete
    return repo.cached(("trace", where, limit), compute)


def _iso(epoch: str, tz: str) -> str:
    """An ISO date from blame's author-time/author-tz; '' when a malformed commit (an
    author line git could not parse) gives something else — a date is shown, never fatal."""
    try:
        sign = -1 if tz.startswith("-") else 1
        offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5])) * sign
        return datetime.fromtimestamp(int(epoch), timezone(offset)).isoformat()
    except (ValueError, OverflowError, OSError):
        return ""


def blame(
    repo: KernelRepo, rev: str | None, path: str, start: int, end: int, *,
    function: str | None = None,
) -> Blame:
    """``git blame --porcelain -L start,end`` at ``rev``: who last changed each line."""
    sha = repo.resolve(rev)
    check_path(path)

    def compute() -> Blame:
        # --no-ignore-revs-file: blame keeps config's ignore-revs files in a sorted list, so
        # the -c reset in the chokepoint sorts first and would not stop a file being read
        out = repo.git.text(["blame", "--porcelain", "--no-textconv", "--no-ignore-revs-file",
                             f"-L{start},{end}", sha, "--", path])
        info: dict[str, dict[str, str]] = {}
        lines: list[BlameLine] = []
        current: list[str] = []
        for raw in out.split("\n"):
            if raw.startswith("\t"):
                if len(current) < 3 or not current[1].isdigit() or not current[2].isdigit():
                    raise HistoryError(f"git blame printed an unexpected line for {path}")
                commit_sha, orig, final = current[0], current[1], current[2]
                meta = info[commit_sha]
                lines.append(BlameLine(
                    line=int(final), orig_line=int(orig), sha=commit_sha,
                    author=meta.get("author", ""),
                    date=_iso(meta.get("author-time", "0"), meta.get("author-tz", "+0000")),
                    summary=meta.get("summary", ""), text=raw[1:],
                    orig_path=meta.get("filename", path)))
                current = []
            elif not current:
                if raw:
                    current = raw.split()
                    info.setdefault(current[0], {})
            else:
                key, _, value = raw.partition(" ")
                info[current[0]][key] = value
        return Blame(rev=sha, path=path, start=start, end=end, lines=tuple(lines),
                     function=function)

    return repo.cached(("blame", sha, path, start, end, function), compute)


def blame_function(repo: KernelRepo, rev: str | None = None, path: str = DEFAULT_FILE,
                   name: str = DEFAULT_FUNCTION) -> Blame:
    """Blame of exactly the lines of one function at ``rev``."""
    where = function_range(repo, rev, path, name)
    return blame(repo, where.rev, path, where.start, where.end, function=name)


def blame_parent(repo: KernelRepo, line: BlameLine, name: str | None, path: str) -> Blame:
    """Blame as it was before ``line``'s commit (tig's ``,``): the same function at ``sha^``."""
    parents = repo.git.text(["rev-list", "--parents", "-n1", "--end-of-options",
                             line.sha]).split()[1:]
    if not parents:
        raise HistoryError(f"{line.sha[:12]} is a root commit: no parent to blame")
    parent = parents[0]
    orig_path = line.orig_path or path
    if name is not None:
        return blame_function(repo, parent, orig_path, name)
    return blame(repo, parent, orig_path, max(1, line.orig_line - 10), line.orig_line + 10)


def landmarks(repo: KernelRepo, rev: str | None = None) -> tuple[ResolvedLandmark, ...]:
    """Every landmark, present (with its commit) or absent: by trailer in the demo, else hash."""
    sha = repo.resolve(rev)

    def compute() -> tuple[ResolvedLandmark, ...]:
        found: dict[str, tuple[str, str]] = {}
        how: LandmarkHow = "trailer" if repo.demo else "hash"
        if repo.demo:
            out = repo.git.text(["log", "--no-decorate",
                                 f"--format=%H{_US}%aI{_US}%(trailers:key=Landmark,valueonly,"
                                 f"separator=%x2c){_RS}", "--end-of-options", sha])
            for record in out.split(_RS):
                parts = record.strip("\n").split(_US)
                if len(parts) == 3 and parts[2].strip():
                    found[parts[2].strip()] = (parts[0], parts[1])
        else:
            query = "".join(f"{mark.upstream}^{{commit}}\n" for mark in LANDMARKS).encode()
            out = repo.git.run(["cat-file", "--batch-check=%(objectname) %(objecttype)"],
                               input=query).decode()
            hits = {}
            for mark, answer in zip(LANDMARKS, out.splitlines(), strict=False):
                parts = answer.split()
                if len(parts) == 2 and parts[1] == "commit":
                    hits[mark.key] = parts[0]
            if hits:
                dates = repo.git.text(["show", "-s", "--no-walk=unsorted", "--format=%H %aI",
                                       "--end-of-options", *hits.values()])
                date_of = dict(line.split(" ", 1) for line in dates.splitlines() if line)
                found = {key: (full, date_of.get(full, "")) for key, full in hits.items()}
        return tuple(
            ResolvedLandmark(landmark=m, sha=found[m.key][0] if m.key in found else None,
                             date=found[m.key][1] if m.key in found else None,
                             how=how if m.key in found else "absent")
            for m in LANDMARKS
        )

    return repo.cached(("landmarks", sha), compute)
