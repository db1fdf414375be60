"""Provides the Report: the verdict matrix and the answer to each question of the RFC thread.

The matrix is every architecture × era × userspace × order × claim, checked by
``workbench.checks`` (both cores, remembered between runs). The answer is four sections, one
per question the reviewers asked; every sentence in them is built from the matrix, the
tree's history (landmarks) and its source (the call order, the comments), so a changed rule
or tree changes the words. ``render_markdown`` gives the text a reply pastes,
``Report.to_json`` the same content for scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.eras import NEWEST, format_version
from workbench.checks import CheckRequest, Progress, check_many

if TYPE_CHECKING:
    from history.git.repo import KernelRepo
    from history.tree.source import KernelSource

#: The eras the matrix has, each a release where a verdict can change (the facts name why):
#: 3.10 devices on kvm->devices (07f0a7bdec5c, F1.2); 5.2 the release callback (F3.5);
#: 5.19 NULL destroy and the end of VFIO_GROUP_NOTIFY_SET_KVM (F3.6, F5.1); 6.1 and 6.12 the
#: Debian stable trees the facts were read in; 6.6 AP for Secure Execution guests and the
#: reworked vfio_ap reset (F6.9, F6.6); and the newest release the model knows.
REPORT_ERAS: tuple[str, ...] = ("3.10", "5.2", "5.19", "6.1", "6.6", "6.12",
                                format_version(NEWEST))
ORDERS = ("current", "reversed")
#: The claims the s390 Secure Execution question is about (the RFC's requirement and the
#: harm a host sees when the secure configuration is torn down with queues bound).
SE_CLAIMS = ("se-ap-reset", "no-warn", "no-leak", "no-hang")
#: Steps of a counterexample quoted in the answer (the matrix JSON has every step).
QUOTED_STEPS = 12


@dataclass(frozen=True, slots=True)
class Column:
    """One era column of the matrix: a release, or the opened tree's own profile."""

    label: str
    era: str
    features: tuple[tuple[str, bool], ...] = ()
    """Features the tree's detectors found (only for the tree's column)."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One claim under one arch, era and userspace, in both orders."""

    arch: str
    era: str
    userspace: str
    claim: str
    runs: tuple[dict[str, Any], dict[str, Any]]
    """The claim's JSON (``ClaimResult.to_json``) under current, then reversed."""

    @property
    def verdicts(self) -> tuple[str, str]:
        return (label(self.runs[0]), label(self.runs[1]))

    @property
    def order_neutral(self) -> bool:
        return self.verdicts[0] == self.verdicts[1]

    def to_json(self) -> dict[str, Any]:
        """The cell with each order's verdict and evidence; what every cell of a claim
        shares (title, facts) is in the report's ``claims`` table instead."""
        return {"arch": self.arch, "era": self.era, "userspace": self.userspace,
                "claim": self.claim, "order_neutral": self.order_neutral,
                **{order: {"label": label(run), "why": why(run),
                           **{k: v for k, v in run.items() if k not in _SHARED}}
                   for order, run in zip(ORDERS, self.runs, strict=True)}}


#: Claim fields the same in every cell (the ``claims`` table of the JSON carries them).
_SHARED = frozenset({"id", "title", "facts"})


def label(claim: dict[str, Any]) -> str:
    """The CLI's verdict words for a claim's JSON."""
    from sim.render import verdict_words

    return verdict_words(claim["verdict"], present=claim["comment_present"],
                         vacuous=claim["vacuous"])


def why(claim: dict[str, Any]) -> str:
    """The CLI's 'why' for a claim's JSON; a sentence where the CLI's table has '-'."""
    from sim.render import why_words

    return why_words(claim["reason"], vacuous=claim["vacuous"],
                     vacuous_reason=claim["vacuous_reason"],
                     prevented=[(p["guard"], p["count"]) for p in claim["prevented_by"]],
                     otherwise="no path breaks it")


@dataclass(frozen=True, slots=True)
class Section:
    """One answer: the thread's question and the paragraphs that answer it."""

    id: str
    question: str
    paragraphs: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "paragraphs": list(self.paragraphs)}


@dataclass(frozen=True, slots=True)
class TreeFacts:
    """What the report read from the tree: where, which release, the order, the history."""

    label: str
    rev: str
    release: str
    order: str
    """One sentence: the call order at ``rev`` with file:line, or why it is unknown."""
    landmarks: tuple[dict[str, Any], ...]
    """Each landmark's JSON (``ResolvedLandmark.to_json``), present or absent."""
    has_history: bool
    comments: tuple[dict[str, Any], ...] = ()
    """Comment claims' anchors read in the tree: id, claim, path, line, text (or absent)."""

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "rev": self.rev, "release": self.release,
                "order": self.order, "history": self.has_history,
                "landmarks": list(self.landmarks), "comments": list(self.comments)}


@dataclass(frozen=True, slots=True)
class Report:
    """The matrix, the answers and the facts they cite."""

    tree: TreeFacts
    arches: tuple[str, ...]
    columns: tuple[Column, ...]
    userspaces: tuple[str, ...]
    claims: tuple[str, ...]
    cells: tuple[Cell, ...]
    answers: tuple[Section, ...]
    toggles: tuple[tuple[str, str], ...] = ()
    facts: tuple[str, ...] = field(default=())
    fixes: tuple[dict[str, Any], ...] = ()
    """The thread's fixes ranked (``FixResult.to_json`` without the cells, in rank order)."""
    fix_eras: tuple[str, ...] = ()
    """The eras the fixes were judged in."""

    def to_json(self) -> dict[str, Any]:
        from sim.facts import FACTS

        return {
            "tree": self.tree.to_json(),
            "toggles": dict(self.toggles),
            "matrix": {"arches": list(self.arches),
                       "eras": [{"label": c.label, "era": c.era,
                                 "features": dict(c.features)} for c in self.columns],
                       "userspaces": list(self.userspaces),
                       "claims": [_claim_json(claim) for claim in self.claims],
                       "orders": list(ORDERS),
                       "cells": [cell.to_json() for cell in self.cells]},
            "answers": [section.to_json() for section in self.answers],
            "facts": [{"id": f, "title": FACTS[f].title, "commit": FACTS[f].commit}
                      for f in self.facts if f in FACTS],
            "fixes": {"eras": list(self.fix_eras), "ranked": list(self.fixes)},
        }


def _claim_json(claim_id: str) -> dict[str, Any]:
    from sim.claims import CLAIM_BY_ID

    claim = CLAIM_BY_ID[claim_id]
    return {"id": claim.id, "title": claim.title, "facts": list(claim.facts),
            "comment": claim.comment}


# -- building -----------------------------------------------------------------------------
def requests_for(arches: Sequence[str], columns: Sequence[Column], userspaces: Sequence[str],
                 toggles: Sequence[tuple[str, str]] = ()) -> list[CheckRequest]:
    """One check per arch × column × userspace × order, in that nesting."""
    return [CheckRequest(arch, column.era, order, userspace, tuple(toggles), column.features)
            for arch in arches for column in columns for userspace in userspaces
            for order in ORDERS]


def build_report(tree: TreeFacts, *, arches: Sequence[str] | None = None,
                 columns: Sequence[Column] | None = None,
                 userspaces: Sequence[str] | None = None,
                 toggles: Sequence[tuple[str, str]] = (), use_cache: bool = True,
                 workers: int | None = None, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> Report:
    """Check the matrix and write the answers."""
    from sim.arches import ARCHES
    from sim.userspace import USERSPACE_NAMES

    arches = tuple(arches or ARCHES)
    columns = tuple(columns or (Column(era, era) for era in REPORT_ERAS))
    userspaces = tuple(userspaces or USERSPACE_NAMES)
    requests = requests_for(arches, columns, userspaces, toggles)
    runs = check_many(requests, workers=workers, use_cache=use_cache, progress=progress,
                      cancelled=cancelled)
    claims = tuple(c["id"] for c in runs[0]["claims"]) if runs else ()
    cells: list[Cell] = []
    for index in range(0, len(requests), len(ORDERS)):
        request, pair = requests[index], runs[index:index + len(ORDERS)]
        column = next(c for c in columns if c.era == request.era
                      and c.features == request.features)
        by_id = [{c["id"]: c for c in run["claims"]} for run in pair]
        cells.extend(Cell(request.arch, column.label, request.userspace, claim,
                          (by_id[0][claim], by_id[1][claim])) for claim in claims)
    matrix = Matrix(arches, tuple(c.label for c in columns), userspaces, claims, tuple(cells))
    answers = (answer_why_order(tree), answer_safe(matrix), answer_enough(matrix),
               answer_comments(matrix, tree))
    fixes, fix_eras = _fixes(arches, columns, userspaces, toggles, use_cache, workers,
                             progress, cancelled)
    cited = sorted({f for cell in cells for run in cell.runs for f in run["facts"]}
                   | {m["fact"] for m in tree.landmarks}
                   | {f for fix in fixes for f in fix["facts"]}, key=_fact_order)
    return Report(tree, arches, columns, userspaces, claims, tuple(cells), answers,
                  tuple(toggles), tuple(cited), fixes, fix_eras)


def _fixes(arches: Sequence[str], columns: Sequence[Column], userspaces: Sequence[str],
           toggles: Sequence[tuple[str, str]], use_cache: bool, workers: int | None,
           progress: Progress | None, cancelled: Callable[[], bool] | None,
           ) -> tuple[tuple[dict[str, Any], ...], tuple[str, ...]]:
    """The shipped fixes judged on the report's arches and userspaces, in the report's
    release columns that the fix matrix has (workbench.fixes.FIX_ERAS)."""
    from sim.fixes import CATALOG
    from workbench.fixes import FIX_ERAS, judge

    eras = tuple(era for era in FIX_ERAS
                 if any(c.era == era and not c.features for c in columns))
    if not eras:
        return (), ()
    judged = judge(CATALOG, arches=arches, eras=eras, userspaces=userspaces, toggles=toggles,
                   use_cache=use_cache, workers=workers, progress=progress,
                   cancelled=cancelled)
    return tuple(r.to_json(cells=False) for r in judged.results), eras


def report_on_tree(src: KernelSource, repo: KernelRepo | None, label: str, *,
                   arches: Sequence[str] | None = None,
                   toggles: Sequence[tuple[str, str]] = (), use_cache: bool = True,
                   progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None) -> Report:
    """The report on one tree, as the CLI, the reply and the Report screen make it: the
    report's eras plus the tree's own profile."""
    columns = [Column(era, era) for era in REPORT_ERAS]
    own = tree_column(src)
    if own is not None:
        columns.append(own)
    return build_report(read_tree(src, repo, label), arches=arches, columns=columns,
                        toggles=toggles, use_cache=use_cache, progress=progress,
                        cancelled=cancelled)


def _fact_order(fact_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in fact_id[1:].split(".") if part.isdigit())


@dataclass(frozen=True, slots=True)
class Matrix:
    """The cells, with the lookups the answers need."""

    arches: tuple[str, ...]
    eras: tuple[str, ...]
    userspaces: tuple[str, ...]
    claims: tuple[str, ...]
    cells: tuple[Cell, ...]
    index: dict[tuple[str, str, str, str], Cell] = field(init=False, repr=False,
                                                         compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {(c.arch, c.era, c.userspace, c.claim): c
                                           for c in self.cells})

    def cell(self, arch: str, era: str, userspace: str, claim: str) -> Cell:
        return self.index[arch, era, userspace, claim]

    def where(self, arch: str, claim: str, test: Callable[[Cell], bool]) -> list[Cell]:
        """The cells of one arch and claim that pass ``test``, in era then userspace order."""
        return [self.cell(arch, era, userspace, claim) for era in self.eras
                for userspace in self.userspaces
                if test(self.cell(arch, era, userspace, claim))]


# -- the tree -----------------------------------------------------------------------------
def read_tree(src: KernelSource, repo: KernelRepo | None, label: str,
              catalog: str | None = None) -> TreeFacts:
    """The call order, the landmarks and the catalogued comments (``workbench.comments``,
    plus a user's ``catalog``), as ``src`` (and its git history, when ``repo`` is given)
    show them."""
    from history.git import queries
    from history.git.landmarks import LANDMARKS
    from history.results import ResolvedLandmark
    from history.tree import extract
    from workbench.comments import load_catalog, read_comments

    version = extract.read_version(src)
    listing = extract.steps(src, extract.KVM_MAIN, "kvm_destroy_vm")
    arch_step = listing.find("kvm_arch_destroy_vm") if listing else None
    dev_step = listing.find("kvm_destroy_devices") if listing else None
    if listing is None or arch_step is None or dev_step is None:
        order = (f"kvm_destroy_vm() in {extract.KVM_MAIN} does not call both "
                 "kvm_arch_destroy_vm() and kvm_destroy_devices() at this revision.")
    else:
        first, second = sorted((arch_step, dev_step), key=lambda step: step.line)
        order = (f"At this revision kvm_destroy_vm() ({extract.KVM_MAIN}:{listing.start}) "
                 f"calls {first.name}() (line {first.line}) before {second.name}() "
                 f"(line {second.line})" + (": the current order, the RFC not applied."
                                            if first.name == "kvm_arch_destroy_vm"
                                            else ": the RFC's order."))
    if repo is not None:
        marks = tuple(m.to_json() for m in queries.landmarks(repo, src.rev))
    else:
        marks = tuple(ResolvedLandmark(landmark=m, sha=None, how="absent").to_json()
                      for m in LANDMARKS)
    entries = load_catalog(catalog)
    comments = []
    for entry, found in zip(entries, read_comments(src, entries), strict=True):
        item: dict[str, Any] = {"id": entry.id, "claims": list(entry.claims),
                                "path": entry.anchor.path, "symbol": entry.anchor.symbol,
                                "facts": list(entry.facts), "assumption": entry.assumption,
                                "not_modelled": entry.not_modelled}
        if found.text is None:
            item["why"] = (f"{entry.anchor.path} is not in this tree"
                           if not src.exists(entry.anchor.path)
                           else f"no such comment at {entry.anchor.symbol}")
        else:
            item.update(line=found.start, text=found.text)
        comments.append(item)
    return TreeFacts(label, src.rev, version.full if version else "unknown", order, marks,
                     repo is not None, tuple(comments))


def tree_column(src: KernelSource) -> Column | None:
    """The tree's own profile as a matrix column: its release and the features its
    source shows (None when the release is outside the model's eras)."""
    from history.tree.detect import detect
    from workbench.treeprofile import compare_with_eras

    comparison = compare_with_eras(detect(src))
    if comparison.era is None:
        return None
    overrides = tuple(sorted(comparison.feature_overrides().items()))
    return Column(f"{comparison.era} tree", comparison.era, overrides)


# -- the answers --------------------------------------------------------------------------
def _fails(claim: dict[str, Any]) -> bool:
    return bool(claim["verdict"] == "fails")


def regressed(cell: Cell) -> bool:
    """Holds in the current order, fails after the swap."""
    return not _fails(cell.runs[0]) and _fails(cell.runs[1])


def fixed(cell: Cell) -> bool:
    """Fails in the current order, holds after the swap."""
    return _fails(cell.runs[0]) and not _fails(cell.runs[1])


def span(matrix: Matrix, cells: Iterable[Cell]) -> str:
    """Exactly where a set of cells lies: consecutive eras with the same userspaces as one
    range, e.g. "3.10–5.19 (every userspace), 6.6 (userspace any)"."""
    users_of: dict[str, set[str]] = {}
    for cell in cells:
        users_of.setdefault(cell.era, set()).add(cell.userspace)
    if len(users_of) == len(matrix.eras) and all(len(u) == len(matrix.userspaces)
                                                 for u in users_of.values()):
        return "every era and userspace checked"
    groups: list[tuple[list[str], frozenset[str]]] = []
    previous = -2
    for position, era in enumerate(matrix.eras):
        if era not in users_of:
            continue
        users = frozenset(users_of[era])
        if groups and previous == position - 1 and groups[-1][1] == users:
            groups[-1][0].append(era)
        else:
            groups.append(([era], users))
        previous = position
    parts = []
    for eras, users in groups:
        era_text = eras[0] if len(eras) == 1 else f"{eras[0]}–{eras[-1]}"
        user_text = "every userspace" if len(users) == len(matrix.userspaces) else \
            "userspace " + ", ".join(u for u in matrix.userspaces if u in users)
        parts.append(f"{era_text} ({user_text})")
    return ", ".join(parts)


def _steps(count: int) -> str:
    return f"{count} step" if count == 1 else f"{count} steps"


def trace_lines(claim: dict[str, Any]) -> list[str]:
    """A counterexample in kernel vocabulary: event, function, fact (commit)."""
    lines = []
    for step in claim["trace"][:QUOTED_STEPS]:
        commit = f" {step['commit'][:12]}" if step.get("commit") else ""
        lines.append(f"{step['step']:>2}. {step['event']} — {step['function']}"
                     f" [{step['fact']}{commit}]")
    hidden = len(claim["trace"]) - QUOTED_STEPS
    if hidden > 0:
        lines.append(f"    … {hidden} more steps (kvm-workbench report --format json)")
    return lines


def _shortest(cells: Sequence[Cell], order: int) -> Cell:
    """The cell whose counterexample under ``order`` is shortest (newest era on a tie)."""
    return min(reversed(cells), key=lambda c: len(c.runs[order]["trace"]))


def swapped_counterexample(claim: str, cells: Sequence[Cell]) -> str:
    """The shortest of ``cells``' counterexamples under the swap: where, why, each step."""
    shown = _shortest(cells, 1)
    run = shown.runs[1]
    return (f"{claim} under the swap ({shown.era}, userspace {shown.userspace}): {why(run)}. "
            f"Shortest counterexample, {_steps(len(run['trace']))}:\n"
            + "\n".join("    " + line for line in trace_lines(run)))


def answer_why_order(tree: TreeFacts) -> Section:
    """Why is the order what it is: the order in the tree, and the commits that made it."""
    marks = {m["key"]: m for m in tree.landmarks}
    paragraphs = [tree.order]
    born, swap = marks.get("device-api"), marks.get("destroy-devices")

    def cite(mark: dict[str, Any]) -> str:
        where = ("" if not tree.has_history
                 else f"; in this tree {mark['sha'][:12]}, {str(mark['date'])[:10]}"
                 if mark["present"] else "; not in this tree")
        return f"{mark['upstream'][:12]} \"{mark['subject']}\" ({mark['version']}{where})"

    if swap is not None and born is not None:
        paragraphs.append(
            f"The order dates from {cite(swap)}: {swap['why']}. Before it, {cite(born)} had "
            f"introduced devices whose lifetime followed reference counts ({born['why']}). "
            "Since then kvm_destroy_devices() has run after kvm_arch_destroy_vm(): no "
            "landmark below reorders the two.")
    if not tree.has_history:
        paragraphs.append("This tree has no git history: the commits below come from the "
                          "workbench's landmark table and were not looked up in it.")
    listed = [f"- {m['version']} {m['upstream'][:12]} {m['subject']} — {m['why']}"
              f" [{m['fact']}]" + ("" if m["present"] or not tree.has_history
                                   else " (not in this tree)")
              for m in tree.landmarks]
    paragraphs.append("Landmarks of the teardown path:\n" + "\n".join(listed))
    return Section("why-order", "Why is the order what it is?", tuple(paragraphs))


def answer_safe(matrix: Matrix) -> Section:
    """Is the swap safe: per arch, what it breaks (with the shortest counterexample)."""
    paragraphs = []
    for arch in matrix.arches:
        broken = {claim: matrix.where(arch, claim, regressed) for claim in matrix.claims}
        broken = {claim: cells for claim, cells in broken.items() if cells}
        if not broken:
            neutral = all(matrix.cell(arch, era, u, claim).order_neutral
                          for era in matrix.eras for u in matrix.userspaces
                          for claim in matrix.claims)
            paragraphs.append(
                f"**{arch}: safe in the model.** The swap breaks no claim that holds in the "
                "current order" + (", and changes no verdict at all (order-neutral)." if neutral
                                   else "; it changes verdicts only from FAILS to holds.")
                + " Checked in every era and userspace of the matrix.")
            continue
        parts = [f"**{arch}: not safe.** The swap breaks "
                 + ", ".join(f"{claim} in {span(matrix, cells)}"
                             for claim, cells in broken.items()) + "."]
        parts += [swapped_counterexample(claim, cells) for claim, cells in broken.items()]
        paragraphs.append("\n\n".join(parts))
    return Section("safe", "Is the swap safe on every architecture?", tuple(paragraphs))


def answer_enough(matrix: Matrix) -> Section:
    """Is it needed, is it enough: the SE claims on s390, per era and userspace."""
    arch = "s390"
    if arch not in matrix.arches:
        return Section("enough", "Is the swap needed, and is it enough, for SE AP queues?",
                       ("s390 is not in this report's architectures.",))
    claims = [c for c in SE_CLAIMS if c in matrix.claims]
    fixes = {claim: matrix.where(arch, claim, fixed) for claim in claims}
    fixes = {claim: cells for claim, cells in fixes.items() if cells}
    paragraphs = []
    if fixes:
        paragraphs.append("**Needed:** the swap makes "
                          + ", ".join(f"{claim} hold in {span(matrix, cells)}"
                                      for claim, cells in fixes.items())
                          + ", where the current order fails it.")
    else:
        paragraphs.append("**Not needed in the model:** no SE claim fails in the current "
                          "order and holds after the swap, in any era or userspace.")
    still = {claim: matrix.where(arch, claim, lambda c: _fails(c.runs[1])) for claim in claims}
    still = {claim: cells for claim, cells in still.items() if cells}
    if still:
        parts = ["**Not enough:** after the swap "
                 + "; ".join(f"{claim} still fails in {span(matrix, cells)}"
                             for claim, cells in still.items()) + "."]
        parts += [swapped_counterexample(claim, cells) for claim, cells in still.items()]
        paragraphs.append("\n\n".join(parts))
    else:
        paragraphs.append("**Enough in the model:** after the swap every SE claim holds in "
                          "every era and userspace checked.")
    holding: list[str] = []
    for claim in claims:
        cells = matrix.where(arch, claim, lambda c: not _fails(c.runs[1]))
        groups: dict[tuple[bool, str], list[Cell]] = {}
        for cell in cells:
            groups.setdefault((bool(cell.runs[1]["vacuous"]), why(cell.runs[1])),
                              []).append(cell)
        holding.extend(f"- {claim} holds{' vacuously' if vacuous else ''} after the swap in "
                       f"{span(matrix, group)}: {reason}"
                       for (vacuous, reason), group in groups.items())
    if holding:
        paragraphs.append("Why the rest holds (the rule that prevented each failure, "
                          "with how often it fired):\n" + "\n".join(holding))
    return Section("enough", "Is the swap needed, and is it enough, for SE AP queues?",
                   tuple(paragraphs))


def answer_comments(matrix: Matrix, tree: TreeFacts) -> Section:
    """Which comments the swap makes false: each catalogued comment, quoted from the tree,
    with the claims that encode it judged on the arches it speaks about."""
    from workbench.comments import arch_dir

    paragraphs = []
    unmodelled = []
    for comment in tree.comments:
        if not comment["claims"]:
            unmodelled.append(f"{comment['id']} ({comment['not_modelled']})")
            continue
        if comment.get("text"):
            source = (f"{comment['path']}:{comment['line']}:\n"
                      + quote_comment(str(comment["text"])))
        else:
            source = f"{comment['path']}: not in this tree at this revision ({comment['why']})"
        arches = [a for a in matrix.arches if _speaks_about(arch_dir(comment["path"]), a)]
        cells = [c for arch in arches for claim in comment["claims"]
                 if claim in matrix.claims for c in matrix.where(arch, claim, regressed)]
        encoded = ", ".join(comment["claims"])
        if not cells:
            paragraphs.append(f"- {comment['id']} ({encoded}): stays true after the swap on "
                              f"{_arch_list(arches, matrix)}. {source}")
            continue
        per_arch = []
        for arch in dict.fromkeys(c.arch for c in cells):
            mine = [c for c in cells if c.arch == arch]
            shown = _shortest(mine, 1)
            per_arch.append(f"on {arch} in {span(matrix, mine)}: {shown.claim} fails, "
                            f"{why(shown.runs[1])}")
        paragraphs.append(f"- {comment['id']} ({encoded}): **made false** by the swap "
                          + "; ".join(per_arch) + f". {source}")
    if unmodelled:
        paragraphs.append("Not judged (no claim of the model encodes what they assume): "
                          + "; ".join(unmodelled) + ".")
    return Section("comments", "Which code comments would the swap make false?",
                   tuple(paragraphs))


def _speaks_about(directory: str | None, arch: str) -> bool:
    """A comment in arch/<dir>/ speaks about that directory's arches only."""
    from sim.arches import ARCHES

    return directory is None or ARCHES[arch].kernel_dir == directory


def _arch_list(arches: Sequence[str], matrix: Matrix) -> str:
    if list(arches) == list(matrix.arches):
        return "every architecture checked"
    return ", ".join(arches) if arches else "no architecture of this report"


def quote_comment(text: str) -> str:
    """A comment as the source has it, indented four spaces, its own indentation (tabs
    after the first line) removed so that it reads as one block."""
    import textwrap

    lines = text.expandtabs(8).splitlines()
    body = textwrap.dedent("\n".join(lines[1:])).splitlines() if len(lines) > 1 else []
    if lines and lines[0].strip() == "/*":  # kernel style: the stars under the slash's star
        body = [" " + line if line.startswith("*") else line for line in body]
    return "\n".join("    " + line.rstrip() for line in [lines[0].strip(), *body])


# -- Markdown -----------------------------------------------------------------------------
def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
             + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines


def _short(verdict: str) -> str:
    return {"holds (vacuous)": "vacuous", "holds (comment absent)": "absent"}.get(verdict,
                                                                                 verdict)


def _cell_text(cell: Cell) -> str:
    current, swapped = (_short(v) for v in cell.verdicts)
    return current if current == swapped else f"{current} → {swapped}"


def render_markdown(report: Report) -> str:
    """The report as Markdown for a mailing-list reply (plain text reads the same)."""
    matrix = Matrix(report.arches, tuple(c.label for c in report.columns),
                    report.userspaces, report.claims, report.cells)
    tree = report.tree
    out = ["# kvm_destroy_vm(): kvm_arch_destroy_vm() before or after kvm_destroy_devices()",
           "",
           f"Tree: {tree.label} "
           + (f"at {tree.rev}" if tree.has_history else "(a source tree without git history)")
           + f" (release {tree.release}). Checked "
           f"{len(report.cells) // max(1, len(report.claims)) * len(ORDERS)} profiles: "
           f"{len(report.arches)} architectures × {len(report.columns)} eras × "
           f"{len(report.userspaces)} userspaces × both orders, every fd-close order and "
           "kill point, exhaustively."]
    if report.toggles:
        out.append("Assumptions changed from their defaults: "
                   + ", ".join(f"{k}={v}" for k, v in report.toggles) + ".")
    for section in report.answers:
        out += ["", f"## {section.question}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
        out.pop()
    out += _fixes_markdown(report)
    out += ["", "## Verdict matrix", "",
            "One verdict means both orders agree (order-neutral); \"a → b\" is current → "
            "reversed. vacuous: nothing the claim speaks about happens; absent: the comment "
            "is not in that era's tree."]
    own = [c.label for c in report.columns if c.label.endswith(" tree")]
    if own:
        out[-1] += (f" The column \"{own[0]}\" is this tree's own profile: its release with "
                    "the features its source shows (`kvm-workbench profile`).")
    for arch in report.arches:
        tables = _arch_tables(matrix, arch)
        for title, rows in tables:
            out += ["", f"### {arch}{title}", "", *_table(rows)]
    out += ["", "## What the verdicts rest on", ""]
    assumed = sorted({a for cell in report.cells for run in cell.runs for a in run["assumes"]})
    out.append("Assumptions (toggles) some verdict depends on: "
               + (", ".join(assumed) if assumed else "none") + ".")
    from sim.facts import FACTS

    out += ["", "Facts cited:"]
    out += [f"- {f}: {FACTS[f].title}" + (f" ({FACTS[f].commit[:12]})" if FACTS[f].commit
                                         else "") for f in report.facts if f in FACTS]
    return "\n".join(out) + "\n"


def _fixes_markdown(report: Report) -> list[str]:
    """The Fixes section: the ranked table and each rank's reasons."""
    if not report.fixes:
        return []
    out = ["", "## Which proposed fix closes every path?", "",
           "Each fix of the thread judged by the same claims on every architecture of this"
           f" report × era {', '.join(report.fix_eras)} × userspace (on s390), against no"
           " change: a claim that held and fails is a regression. Complete means no Secure"
           " Execution claim fails on any userspace and nothing regresses; then more paths"
           " closed, then smaller, ranks higher (`kvm-workbench fixes` has each matrix and"
           " trace, `--search` every placement).", ""]
    rows = [["#", "fix", "complete", "closes", "regresses", "size", "proposed by"]]
    rows += [[str(f["rank"]), f["name"], "yes" if f["complete"] else "no", str(f["closes"]),
              str(len(f["regressions"])), str(f["size"]), f["proposer"]]
             for f in report.fixes]
    out += _table(rows)
    out.append("")
    out += [f"- **#{f['rank']} {f['name']}** ({f['title']}): " + " ".join(f["explanation"])
            for f in report.fixes]
    return out


def _arch_tables(matrix: Matrix, arch: str) -> list[tuple[str, list[list[str]]]]:
    """One table for the arch when every userspace gives the same cells, else one each."""
    def rows(userspace: str) -> list[list[str]]:
        return [["claim", *matrix.eras]] + [
            [claim, *(_cell_text(matrix.cell(arch, era, userspace, claim))
                      for era in matrix.eras)] for claim in matrix.claims]

    per_user = {u: rows(u) for u in matrix.userspaces}
    if len({str(r) for r in per_user.values()}) == 1:
        return [(" (every userspace)", per_user[matrix.userspaces[0]])]
    return [(f" (userspace {u})", r) for u, r in per_user.items()]
