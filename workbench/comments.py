"""Provides the comment panels' core: catalogued kernel comments judged by the checker's claims.

The catalog (``workbench/catalog.toml``, extended by ``--catalog FILE``) joins each comment
anchor (history/tree/anchors.py) to the claim ids (sim/claims.py) that encode the comment's
assumption. For one tree and revision, ``check_comments`` reads every comment's real text and
lines there, simulates the tree (its release and detected features, workbench/treeprofile.py)
in both call orders, and gives each comment per order one of: ``holds``, ``invalidated`` (a
claim fails: the shortest trace and its reason come along), ``vacuous``, ``not-modelled`` (no
claim encodes the assumption: never shown as holding) or ``absent`` (the comment is not in
this tree). No Textual here: the CLI and the Comments screen show the same objects.

``judge`` is the pure half: given the texts and check results someone already has (the
Report's matrix), it gives the verdicts without running the checker again.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from history.tree.anchors import ANCHORS, Anchor, find
from workbench.errors import UsageError

if TYPE_CHECKING:
    from history.tree.source import KernelSource
    from sim.result import CheckResult, ClaimResult, TraceStep

CATALOG_PATH: Final = Path(__file__).with_name("catalog.toml")
ORDERS: Final = ("current", "reversed")
"""The two call orders of kvm_destroy_vm() (sim.profile.ORDERS; F2.6 and the RFC)."""
ALL_ARCHES: Final = "all"
"""The default arch choice: the catalog's comments span arches (F8.14 powerpc, F8.11 s390),
so every arch is checked and rolled up unless one is asked for."""
KINDS: Final = ("above", "body", "struct", "field")
"""Anchor kinds history.tree.anchors.find understands."""

CommentVerdict = Literal["holds", "invalidated", "vacuous", "not-modelled", "absent"]
VERDICT_LABELS: Final[dict[str, str]] = {
    "holds": "holds", "invalidated": "INVALIDATED", "vacuous": "vacuous",
    "not-modelled": "not modelled", "absent": "comment absent"}
"""How people read a comment verdict (the CLI table, the Comments screen)."""

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_PATH = re.compile(r"[A-Za-z0-9_+][A-Za-z0-9_.+/-]{0,255}")
"""A kernel source path: no control character can reach git's batch protocol, no '..'."""
_SYMBOL = re.compile(r"[A-Za-z_]\w{0,127}(\.[A-Za-z_]\w{0,127})?", re.ASCII)
"""A C identifier, or ``struct.member`` for a field."""
_ANCHOR_FIELDS = ("file", "kind", "symbol", "phrase")
_KNOWN_FIELDS = frozenset({"id", "anchor", *_ANCHOR_FIELDS, "facts", "assumption", "claims",
                           "not_modelled"})


class CatalogError(UsageError):
    """A malformed catalog: one line naming the file, the entry and the problem (exit 2)."""


# -- the catalog ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One catalogued comment: where it is, what it assumes, which claims encode that."""

    id: str
    anchor: Anchor
    claims: tuple[str, ...]
    facts: tuple[str, ...]
    assumption: str
    not_modelled: str
    """Why no claim encodes the assumption ('' when ``claims`` is not empty)."""
    origin: str
    """The catalog file the entry came from."""

    def to_json(self) -> dict[str, Any]:
        """JSON form: the anchor's fields inline."""
        return {"id": self.id, "file": self.anchor.path, "kind": self.anchor.kind,
                "symbol": self.anchor.symbol, "phrase": self.anchor.phrase,
                "detector_anchor": self.anchor.key if _is_detector(self.anchor) else None,
                "claims": list(self.claims), "facts": list(self.facts),
                "assumption": self.assumption, "not_modelled": self.not_modelled,
                "catalog": self.origin}


def _is_detector(anchor: Anchor) -> bool:
    return any(a is anchor for a in ANCHORS)


def load_catalog(extra: str | Path | None = None) -> tuple[CatalogEntry, ...]:
    """The built-in catalog, then the entries of ``extra`` (a user's file), validated.

    Raises:
        CatalogError: a file cannot be read, is not TOML, or an entry is malformed.
    """
    entries = list(parse_catalog(CATALOG_PATH.read_text(encoding="utf-8"), str(CATALOG_PATH)))
    if extra is not None:
        path = Path(extra)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            raise CatalogError(f"{path}: cannot read the catalog: {reason}") from None
        entries += parse_catalog(text, str(path), known=tuple(e.id for e in entries))
    return tuple(entries)


def parse_catalog(text: str, origin: str, *,
                  known: Sequence[str] = ()) -> tuple[CatalogEntry, ...]:
    """The entries of one catalog file; ``known`` are ids earlier files already use."""
    from sim.claims import CLAIM_BY_ID
    from sim.facts import FACTS

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{origin}: not valid TOML: {error}") from None
    extra_keys = sorted(set(data) - {"comment"})
    if extra_keys:
        raise CatalogError(f"{origin}: unknown top-level key {extra_keys[0]!r}"
                           " (entries are [[comment]] tables)")
    tables = data.get("comment", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise CatalogError(f"{origin}: 'comment' must be an array of tables ([[comment]])")
    seen = set(known)
    out = []
    for number, table in enumerate(tables, 1):
        raw_id = table.get("id")
        where = f"{origin}: entry {raw_id!r}" if isinstance(raw_id, str) \
            else f"{origin}: entry #{number}"

        def bad(problem: str, where: str = where) -> CatalogError:
            return CatalogError(f"{where}: {problem}")

        unknown = sorted(set(table) - _KNOWN_FIELDS)
        if unknown:
            raise bad(f"unknown field {unknown[0]!r}")
        entry_id = _string(table, "id", bad)
        if not _ID.fullmatch(entry_id):
            raise bad("id must be lower-case letters, digits and '-' (at most 64)")
        if entry_id in seen:
            raise bad("id is used twice")
        seen.add(entry_id)
        anchor = _anchor(table, entry_id, bad)
        facts = _strings(table, "facts", bad)
        if not facts:
            raise bad("'facts' is empty: every entry names the evidence it rests on")
        for fact_id in facts:
            if fact_id not in FACTS:
                raise bad(f"unknown fact {fact_id!r} (see kvm-workbench sim --list-claims)")
        assumption = _string(table, "assumption", bad)
        claims = _strings(table, "claims", bad)
        for claim_id in claims:
            if claim_id not in CLAIM_BY_ID:
                raise bad(f"unknown claim id {claim_id!r} (kvm-workbench sim --list-claims)")
        not_modelled = ""
        if claims:
            if "not_modelled" in table:
                raise bad("'not_modelled' given although 'claims' encode the assumption")
        else:
            not_modelled = _string(table, "not_modelled", bad,
                                   missing="'claims' is empty: say why in 'not_modelled'")
        out.append(CatalogEntry(entry_id, anchor, claims, facts, assumption, not_modelled,
                                origin))
    return tuple(out)


def _string(table: Mapping[str, object], name: str, bad: Callable[[str], CatalogError], *,
            missing: str = "") -> str:
    if name not in table:
        raise bad(missing or f"missing field {name!r}")
    value = table[name]
    if not isinstance(value, str):
        raise bad(f"{name!r} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise bad(f"{name!r} is empty")
    return value.strip()


def _strings(table: Mapping[str, object], name: str,
             bad: Callable[[str], CatalogError]) -> tuple[str, ...]:
    if name not in table:
        raise bad(f"missing field {name!r}")
    value = table[name]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"{name!r} must be a list of strings")
    return tuple(value)


def _anchor(table: Mapping[str, object], entry_id: str,
            bad: Callable[[str], CatalogError]) -> Anchor:
    """The detector's anchor named by ``anchor``, or one built from file/kind/symbol/phrase."""
    given = [name for name in _ANCHOR_FIELDS if name in table]
    if "anchor" in table:
        if given:
            raise bad(f"give either 'anchor' or {'/'.join(_ANCHOR_FIELDS)}, not both")
        key = _string(table, "anchor", bad)
        known = next((a for a in ANCHORS if a.key == key), None)
        if known is None:
            raise bad(f"unknown anchor {key!r} (history/tree/anchors.py ANCHORS)")
        return known
    if not given:
        raise bad("missing field 'anchor' (or file, kind, symbol and phrase)")
    path, kind, symbol, phrase = (_string(table, name, bad) for name in _ANCHOR_FIELDS)
    if kind not in KINDS:
        raise bad(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    if kind == "field" and "." not in symbol:
        raise bad("kind 'field' needs symbol 'struct.member'")
    if not _PATH.fullmatch(path) or ".." in path.split("/"):
        raise bad(f"file {path!r} must be a relative path inside the kernel tree")
    if not _SYMBOL.fullmatch(symbol):
        raise bad(f"symbol {symbol!r} must be a C identifier (struct.member for a field)")
    facts = table.get("facts")
    fact = facts[0] if isinstance(facts, list) and facts and isinstance(facts[0], str) else ""
    return Anchor(entry_id, fact, path, kind, symbol, phrase)


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CommentText:
    """A comment as the tree has it: its real text and lines, or None where it is missing."""

    text: str | None
    start: int = 0
    end: int = 0

    @property
    def present(self) -> bool:
        return self.text is not None


@dataclass(frozen=True, slots=True)
class OrderVerdict:
    """A comment's verdict in one call order (rolled up over the arches checked)."""

    order: str
    verdict: CommentVerdict
    why: str
    """The failure, the guards that held, why it is vacuous, why not modelled, or absent."""
    claim: str = ""
    """The claim that decided it (the failing one with the shortest trace)."""
    arch: str = ""
    """The arch whose check decided it ('' for not-modelled and absent)."""
    trace: tuple[TraceStep, ...] = ()
    """For ``invalidated``: the shortest counterexample; its last step breaks the claim."""
    arches: tuple[tuple[str, str], ...] = ()
    """(arch, verdict) of every arch checked, when more than one was."""

    @property
    def label(self) -> str:
        """The verdict as people read it."""
        return VERDICT_LABELS[self.verdict]

    @property
    def step(self) -> int:
        """The 1-based violating step (0 when nothing is invalidated)."""
        return len(self.trace)

    def to_json(self) -> dict[str, Any]:
        """JSON form: sim's TraceStep.to_json for every step of the trace."""
        data: dict[str, Any] = {"order": self.order, "verdict": self.verdict, "why": self.why,
                                "claim": self.claim, "arch": self.arch, "step": self.step,
                                "trace": [step.to_json() for step in self.trace]}
        if self.arches:
            data["arches"] = {arch: verdict for arch, verdict in self.arches}
        return data


@dataclass(frozen=True, slots=True)
class CommentResult:
    """One catalogued comment at a revision, with its verdict per call order."""

    entry: CatalogEntry
    found: CommentText
    rev: str
    """The revision read (short hash, ``tree`` for a plain directory)."""
    verdicts: tuple[OrderVerdict, ...]
    """One per order of ORDERS, in that order."""

    @property
    def where(self) -> str:
        """``file:line`` of the comment, or ``missing at <rev>``."""
        if not self.found.present:
            return f"missing at {self.rev}"
        return f"{self.entry.anchor.path}:{self.found.start}"

    def verdict(self, order: str) -> OrderVerdict:
        """The verdict in ``order`` (KeyError for another name)."""
        for verdict in self.verdicts:
            if verdict.order == order:
                return verdict
        raise KeyError(order)

    @property
    def changed_by_swap(self) -> bool:
        """The reversed order gives another verdict than the current one."""
        return self.verdict("current").verdict != self.verdict("reversed").verdict

    def to_json(self) -> dict[str, Any]:
        """JSON form: the entry, the real text and lines, the verdicts."""
        return {**self.entry.to_json(), "where": self.where, "present": self.found.present,
                "text": self.found.text, "start": self.found.start or None,
                "end": self.found.end or None,
                "verdicts": {v.order: v.to_json() for v in self.verdicts}}


@dataclass(frozen=True, slots=True)
class CommentsReport:
    """Every catalogued comment of one tree at one revision, for an arch or all of them."""

    root: str
    rev: str
    era: str
    """The release the tree's Makefile gives: the era simulated."""
    arches: tuple[str, ...]
    userspace: str
    comments: tuple[CommentResult, ...]
    notes: tuple[str, ...] = ()
    """Where the tree and the era table disagree (the tree's verdict is simulated)."""

    def invalidated(self, order: str) -> tuple[CommentResult, ...]:
        """The comments a claim breaks in ``order``."""
        return tuple(c for c in self.comments if c.verdict(order).verdict == "invalidated")

    def comment(self, entry_id: str) -> CommentResult:
        """The result for one catalog id (KeyError otherwise)."""
        for result in self.comments:
            if result.entry.id == entry_id:
                return result
        raise KeyError(entry_id)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"root": self.root, "rev": self.rev, "era": self.era,
                "arches": list(self.arches), "userspace": self.userspace,
                "notes": list(self.notes),
                "invalidated": {order: [c.entry.id for c in self.invalidated(order)]
                                for order in ORDERS},
                "comments": [c.to_json() for c in self.comments]}


# -- reading and judging ----------------------------------------------------------------------
def read_comments(src: KernelSource,
                  entries: Sequence[CatalogEntry]) -> tuple[CommentText, ...]:
    """Each entry's comment as ``src`` has it (text None where the file, symbol or text is
    gone at this revision)."""
    src.prefetch(dict.fromkeys(e.anchor.path for e in entries))
    out = []
    for entry in entries:
        comment = find(src, entry.anchor)
        out.append(CommentText(None) if comment is None
                   else CommentText(comment.text, comment.start, comment.end))
    return tuple(out)


def judge(entries: Sequence[CatalogEntry], found: Sequence[CommentText], rev: str,
          results: Mapping[tuple[str, str], CheckResult]) -> tuple[CommentResult, ...]:
    """The verdicts of every entry from check results keyed by (arch, order).

    Arches roll up: invalidated when a claim fails on any arch (the shortest trace wins,
    ties to the first arch), holds when one holds non-vacuously, else vacuous. A comment in
    ``arch/<dir>/`` is judged only on the arches of that directory (``arch_dir``).
    """
    arches = tuple(dict.fromkeys(arch for arch, _ in results))
    out = []
    for entry, text in zip(entries, found, strict=True):
        verdicts = tuple(_order_verdict(entry, text, rev, order,
                                        [(arch, results[arch, order]) for arch in arches
                                         if (arch, order) in results])
                         for order in ORDERS)
        out.append(CommentResult(entry, text, rev, verdicts))
    return tuple(out)


def _order_verdict(entry: CatalogEntry, text: CommentText, rev: str, order: str,
                   runs: Sequence[tuple[str, CheckResult]]) -> OrderVerdict:
    if not text.present:
        return OrderVerdict(order, "absent", f"no such comment at {entry.anchor.symbol} in"
                            f" {entry.anchor.path} at {rev}")
    if not entry.claims:
        return OrderVerdict(order, "not-modelled", entry.not_modelled)
    home = arch_dir(entry.anchor.path)
    per_arch = [(arch, _arch_verdict(entry, order, arch, result)) for arch, result in runs
                if home is None or result.profile.arch_spec.kernel_dir == home]
    if not per_arch:
        checked = ", ".join(arch for arch, _ in runs) or "no arch"
        return OrderVerdict(order, "vacuous", f"an arch/{home} comment: not judged on {checked}"
                            if home is not None else "no check ran for this order")
    rollup = tuple((arch, v.verdict) for arch, v in per_arch) if len(per_arch) > 1 else ()
    failed = [v for _, v in per_arch if v.verdict == "invalidated"]
    chosen = min(failed, key=lambda v: len(v.trace)) if failed else next(
        (v for _, v in per_arch if v.verdict == "holds"), per_arch[0][1])
    return OrderVerdict(order, chosen.verdict, chosen.why, chosen.claim, chosen.arch,
                        chosen.trace, rollup)


def arch_dir(path: str) -> str | None:
    """The ``arch/<dir>`` a comment's file lives in, or None for common code.

    An arch/x86 comment speaks about x86 only: its claims are judged on the arches whose
    kernel directory it is (sim.arches.Arch.kernel_dir), so a generic claim such as
    ``no-uaf`` failing on powerpc does not invalidate it."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "arch" else None


def _arch_verdict(entry: CatalogEntry, order: str, arch: str,
                  result: CheckResult) -> OrderVerdict:
    from sim.render import why_text

    claims: list[ClaimResult] = [c for c in result.claims if c.id in entry.claims]
    if not claims:
        return OrderVerdict(order, "vacuous", "its claims were not checked", arch=arch)
    failing = [c for c in claims if c.verdict == "fails"]
    if failing:
        worst = min(failing, key=lambda c: len(c.trace))
        return OrderVerdict(order, "invalidated", why_text(worst), worst.id, arch, worst.trace)
    holding = [c for c in claims if c.present and not c.vacuous]
    if holding:
        return OrderVerdict(order, "holds", why_text(holding[0]), holding[0].id, arch)
    first = claims[0]
    why = why_text(first) if first.present else \
        f"the model's {arch} profile of this tree lacks the comment's feature"
    return OrderVerdict(order, "vacuous", why, first.id, arch)


ProgressFn = Callable[[str, str, int], None]
"""(arch, order, states explored so far)."""


def check_comments(src: KernelSource, *, arch: str = ALL_ARCHES, userspace: str = "any",
                   catalog: Sequence[CatalogEntry] | None = None,
                   features: Mapping[str, bool] | None = None,
                   toggles: Mapping[str, str] | None = None,
                   progress: ProgressFn | None = None,
                   cancelled: Callable[[], bool] | None = None) -> CommentsReport:
    """Read every catalogued comment at ``src``'s revision and judge it in both orders.

    Args:
        arch: an ARCHES key, or ``all`` (every arch, rolled up by ``judge``).
        userspace: a sim.userspace name; ``NAME+async`` adds QEMU's async-teardown helper
            (F7.12), as the Simulator's picker spells it.
        features, toggles: what-ifs over what the tree shows (as ``kvm-workbench sim``).

    Raises:
        UsageError: the tree gives no release the era table knows.
        SimError: a bad arch, userspace, feature or toggle (sim's one-line message).
        CheckCancelled: ``cancelled()`` returned true.
    """
    import sim
    from history.tree.detect import detect
    from sim.arches import ARCHES
    from workbench.treeprofile import compare_with_eras

    entries = tuple(load_catalog() if catalog is None else catalog)
    if arch != ALL_ARCHES and arch not in ARCHES:
        raise UsageError(f"unknown arch {arch!r} (one of {', '.join(ARCHES)}, or all)")
    arches = tuple(ARCHES) if arch == ALL_ARCHES else (arch,)
    name, _, helper = userspace.partition("+")
    if helper not in ("", "async"):
        raise UsageError(f"userspace {userspace!r}: only '+async' may follow the name")
    comparison = compare_with_eras(detect(src))
    if comparison.era is None:
        raise UsageError(f"cannot simulate {src.root} at {src.label}: {comparison.note}")
    notes = tuple(f"{row.name} is {row.detected} in the tree, the era table says "
                  f"{'present' if row.expected else 'absent'} for {comparison.era}"
                  for row in comparison.disagreements)
    found = read_comments(src, entries)
    what_if = {**comparison.feature_overrides(), **(features or {})}
    results: dict[tuple[str, str], CheckResult] = {}
    for one in arches:
        for order in ORDERS:
            profile = sim.build_profile(
                one, comparison.era, order=order,
                features=what_if,
                toggles=dict(toggles or {}), userspace=name, async_teardown=bool(helper))
            report: Callable[[int], None] | None = None
            if progress is not None:
                def report(states: int, one: str = one, order: str = order) -> None:
                    progress(one, order, states)
            results[one, order] = sim.check(profile, progress=report, cancelled=cancelled)
    return CommentsReport(str(src.root), src.label, comparison.era, arches, userspace,
                          judge(entries, found, src.label, results), notes)


def verdict_cell(verdict: OrderVerdict) -> str:
    """A table cell: the label, and for a roll-up the arch that decided it."""
    if verdict.arches and verdict.arch and verdict.verdict in ("invalidated", "holds"):
        return f"{verdict.label} ({verdict.arch})"
    return verdict.label
