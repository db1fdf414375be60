"""Provides ``find_definition`` and ``link_target``: where a function is defined in one tree.

A counterexample step names a call chain (``kvm_s390_handle_pv → kvm_s390_cpus_from_pv``),
some of it in the kernel, some in userspace. A link from that step to history needs the file
that defines a function at the revision being read: candidate files come from a textual
search for a line that may start the definition, and tree-sitter confirms each, so a call or
a prototype is never taken for the definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from history.results import FunctionRange
from history.tree.source import KernelSource

if TYPE_CHECKING:
    from history.git.repo import KernelRepo


def find_definition(src: KernelSource, name: str, arch: str | None = None
                    ) -> FunctionRange | None:
    """The definition of ``name`` in ``src``, or None. With ``arch`` (a directory under
    ``arch/``), that architecture's files come first and other architectures' never count:
    ``kvm_arch_destroy_vm`` of s390 is not the one in arch/arm64. ``.c`` before headers."""

    def rank(path: str) -> tuple[int, bool, str]:
        mine = arch is not None and path.startswith(f"arch/{arch}/")
        return (0 if mine else 1, not path.endswith(".c"), path)

    def compute() -> FunctionRange | None:
        files = [p for p in src.definition_files(name)
                 if arch is None or not p.startswith("arch/") or p.startswith(f"arch/{arch}/")]
        for path in sorted(files, key=rank):
            cfile = src.cfile(path)
            found = cfile.function(name) if cfile is not None else None
            if found is not None:
                return FunctionRange(src.rev, path, name, found.start, found.end)
        return None

    return src.memo(("definition", name, arch), compute)


def link_target(src: KernelSource, calls: Sequence[str], arch: str | None = None
                ) -> tuple[FunctionRange | None, str]:
    """The innermost function of ``calls`` that ``src`` defines, and a one-line reason when
    none is (each name said once: a userspace function, or one this tree lacks)."""
    src.prime_definitions(calls)
    for name in reversed(calls):
        where = find_definition(src, name, arch)
        if where is not None:
            return where, ""
    names = ", ".join(f"{name}()" for name in dict.fromkeys(calls)) or "no function"
    return None, f"{names}: not defined in {src.root} at {src.label}"


def link_target_in_history(repo: KernelRepo, rev: str | None, calls: Sequence[str],
                           arch: str | None = None) -> tuple[FunctionRange | None, str]:
    """``link_target`` at ``rev``; when no function of ``calls`` is defined there, at the
    parent of the newest commit that removed the innermost one (a counterexample of an
    older era names functions a newer tree dropped, e.g. kvm_arch_sync_events in v6.15).

    The reason says which commit removed it, so the trace is read as history up to there.
    """
    from history.errors import HistoryError
    from history.git.queries import pickaxe
    from history.tree.source import open_source

    where, why = link_target(open_source(None, rev, repo=repo), calls, arch)
    if where is not None or not calls:
        return where, why
    paths = ["virt", "include"] + ([f"arch/{arch}"] if arch else ["arch"])
    for name in reversed(calls):
        try:
            removal = next(pickaxe(repo, f"{name}(", paths=paths, rev=rev, limit=1), None)
            if removal is None:
                continue
            parent = repo.resolve(f"{removal.sha}^")
        except HistoryError:
            continue
        found, _ = link_target(open_source(None, parent, repo=repo), (name,), arch)
        if found is not None:
            return found, (f"{name}() is gone at this revision: {removal.sha[:12]} "
                           f"\"{removal.subject}\" removed it; its history up to there")
    return None, why
