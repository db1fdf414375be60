"""Provides the RFC patch applied to any revision, outside the user's repository.

Why outside: applying through the user's repo (a worktree, an index, objects written through
alternates) writes to it; git even "freshens" pack files it could have reused (PEERS §4).
So the blob of ``virt/kvm/kvm_main.c`` at the revision is read through the read-only
chokepoint, written into a fresh temporary directory that is no repository, and patched there.

Two appliers, reported side by side:

* ``git apply --check`` of the RFC's own one-hunk diff (``history/tree/rfc.diff``), then with
  reduced context (``-C1``, what ``patch`` calls fuzz): *exact* where git takes it;
* a tree-sitter locator that tolerates any drift: it finds ``kvm_destroy_vm()`` and its two
  call statements by syntax, not line numbers, and moves the ``kvm_destroy_devices(kvm);``
  line directly above ``kvm_arch_destroy_vm(kvm);``. It refuses, saying why, when a call is
  missing, appears twice, shares its line, or the order is already the RFC's.
"""

from __future__ import annotations

import difflib
import tempfile
from importlib import resources
from pathlib import Path

from history.c.syntax import CFile
from history.errors import HistoryError
from history.git.runner import Git
from history.results import RfcOutcome, RfcResult, SourceInfo, Step, StepList
from history.tree import extract
from history.tree.extract import KVM_MAIN
from history.tree.source import KernelSource

PATH = KVM_MAIN
FUNCTION = "kvm_destroy_vm"
ARCH, DEVICES = "kvm_arch_destroy_vm", "kvm_destroy_devices"


def rfc_diff() -> str:
    """The RFC as a unified diff (with its explanatory header)."""
    return resources.files("history.tree").joinpath("rfc.diff").read_text(encoding="utf-8")


def _steps(text: bytes, rev: str) -> StepList | None:
    cfile = CFile(text)
    definition = cfile.function(FUNCTION)
    if definition is None:
        return None
    return StepList(FUNCTION, PATH, rev, definition.start, definition.end,
                    tuple(Step(c.callee, c.line, c.condition, c.args)
                          for c in cfile.calls(FUNCTION)))


def _line_span(text: bytes, start: int, end: int) -> tuple[int, int] | None:
    """The whole lines holding bytes [start, end), if nothing else code-like shares them."""
    line_start = text.rfind(b"\n", 0, start) + 1
    line_end = text.find(b"\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    before, after = text[line_start:start], text[end:line_end].strip()
    if before.strip() or (after and not after.startswith((b"/*", b"//"))):
        return None
    return line_start, line_end


def locate_and_swap(text: bytes, cfile: CFile | None = None
                    ) -> tuple[bytes | None, RfcOutcome, str]:
    """Apply the swap by syntax: (patched text or None, outcome, reason); ``cfile`` is
    ``text`` already parsed."""
    cfile = cfile if cfile is not None else CFile(text)
    if cfile.function(FUNCTION) is None:
        return None, "not-applied", f"{FUNCTION}() is not defined in {PATH}"
    calls = cfile.calls(FUNCTION)
    found = {name: [c for c in calls if c.callee == name] for name in (ARCH, DEVICES)}
    for name, hits in found.items():
        if not hits:
            return None, "not-applied", f"{FUNCTION}() has no {name}() call"
        if len(hits) > 1:
            lines = ", ".join(str(h.line) for h in hits)
            return None, "not-applied", f"{name}() is called {len(hits)} times (lines {lines})"
    arch, dev = found[ARCH][0], found[DEVICES][0]
    if dev.line < arch.line:
        return None, "already", (f"{DEVICES}() (line {dev.line}) already precedes {ARCH}() "
                                 f"(line {arch.line})")
    if arch.condition != dev.condition:
        return None, "not-applied", (f"the calls sit under different #if branches "
                                     f"({arch.condition or 'none'} vs {dev.condition or 'none'})")
    arch_span = _line_span(text, arch.stmt_start, arch.stmt_end)
    dev_span = _line_span(text, dev.stmt_start, dev.stmt_end)
    if arch_span is None or dev_span is None:
        return None, "not-applied", "a call statement shares its line with other code"
    moved = text[dev_span[0]:dev_span[1]]
    patched = (text[:arch_span[0]] + moved + text[arch_span[0]:dev_span[0]]
               + text[dev_span[1]:])
    between = dev.line - arch.line - 1
    reason = (f"moved {DEVICES}() from line {dev.line} above {ARCH}() at line {arch.line}"
              + (f" ({between} lines between them)" if between else ""))
    return patched, "drift", reason


def _git_apply(text: bytes) -> tuple[str, bytes | None]:
    """``git apply --check`` (then ``-C1``) of rfc.diff in a temporary non-repository."""
    with tempfile.TemporaryDirectory(prefix="kvm-workbench-rfc-") as tmp:
        root = Path(tmp)
        target = root / PATH
        target.parent.mkdir(parents=True)
        target.write_bytes(text)
        (root / "rfc.diff").write_text(rfc_diff(), encoding="utf-8")
        # No repository discovery above the temp dir: git apply works on plain files here.
        git = Git(root, env={"GIT_CEILING_DIRECTORIES": str(root.parent)})
        messages = []
        for flags, label in (((), "clean"), (("-C1",), "clean with reduced context (-C1)")):
            try:
                git.run(["apply", "--check", *flags, "rfc.diff"])
            except HistoryError as error:
                messages.append(str(error))
                continue
            except OSError as error:  # no git binary
                return f"unavailable: {error}", None
            git.run(["apply", *flags, "rfc.diff"])
            return label, target.read_bytes()
        return f"fails: {messages[0]}", None


def apply_rfc(src: KernelSource) -> RfcResult:
    """The RFC applied to ``src``'s kvm_main.c, and the step list before and after."""

    def compute() -> RfcResult:
        info = SourceInfo(str(src.root), src.kind, src.rev)
        text = src.read(PATH)
        before = extract.steps(src, PATH, FUNCTION)
        git_status, git_text = _git_apply(text)
        patched, outcome, reason = locate_and_swap(text, src.cfile(PATH))
        if git_text is not None:
            if patched is not None and patched != git_text:
                reason += "; git's result differs from the located swap (git's is shown)"
            patched, outcome = git_text, "exact"
            reason = f"the RFC hunk applies ({git_status}); " + reason
        after = _steps(patched, f"{src.rev}+rfc") if patched is not None else None
        diff = "" if patched is None else "".join(difflib.unified_diff(
            text.decode("utf-8", "replace").splitlines(keepends=True),
            patched.decode("utf-8", "replace").splitlines(keepends=True),
            f"a/{PATH}", f"b/{PATH}", n=3))
        return RfcResult(source=info, path=PATH, outcome=outcome, reason=reason,
                         git_apply=git_status, before=before, after=after, diff=diff)

    return src.memo(("rfc",), compute)
