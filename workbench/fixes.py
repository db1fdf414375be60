"""Provides the fix explorer: every fix judged on every claim, arch, era and userspace, ranked.

Each fix (sim.fixes) becomes one check per architecture × era × userspace (userspace only on
s390, the one architecture whose teardown it drives differently), all run through
``workbench.checks.check_many`` — both cores, remembered between runs — after equal checks
were merged, so fixes that share a profile (a hook that cannot act on x86, an order that an
era cannot tell apart) share its result. Every cell is compared with ``no-change``: a claim
that held there and fails under the fix is a *regression*, one that failed there and holds is
a *closed* path.

The ranking: a fix is *complete* when no Secure Execution claim fails on s390 in any era or
userspace and nothing regresses on any architecture; then the more failing paths it closes,
the better; then the smaller (steps moved, hooks added). Every rank comes with the sentences
that justify it. :func:`search` does the same for every placement sim.fixes can express.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.eras import NEWEST, format_version
from sim.fixes import BASELINE, CATALOG, CATALOG_BY_NAME, CONSTRAINTS, Fix
from workbench.checks import CheckRequest, Progress, check_many

#: The eras of a fix's matrix, each a release where a verdict can change: 5.19 the end of
#: the SET_KVM notifier (F5.1); 6.1 and 6.12 the Debian trees of the facts; 6.6 AP for SE
#: guests and the unbounded reset (F6.9, F6.6); and the newest release the model knows.
FIX_ERAS: tuple[str, ...] = ("5.19", "6.1", "6.6", "6.12", format_version(NEWEST))
#: The architecture whose teardown depends on the userspace (QEMU's reboot scripts, F7.12).
SE_ARCH = "s390"
#: Claims about the harm a destroyed-while-bound secure configuration causes (F7.11).
SE_CLAIMS = ("se-ap-reset", "no-warn", "no-leak", "no-hang")
#: The features without which a secure guest cannot bind an AP queue (F7.13, F6.9).
BIND_FEATURES = frozenset({"pv", "pv-ap", "guest-se-bind"})

Verdict = str
"""'holds', 'fails' or 'vacuous'."""


def verdict_of(claim: dict[str, Any]) -> Verdict:
    """A claim JSON's verdict in three words."""
    if claim["verdict"] == "fails":
        return "fails"
    return "vacuous" if claim["vacuous"] else "holds"


def se_caused(arch: str, claim: dict[str, Any], bindable: bool) -> bool:
    """A failing SE claim on s390: se-ap-reset itself, or a WARN, leak or hang where the
    secure guest can bind queues (``bindable``, v6.6+, F7.13). Where it can, every such
    failure counts: the shortest trace may show another cause while a longer one goes through
    the Ultravisor's refusal (F7.11), so none is waved through; where it cannot, the refusal
    never happens and a slow reset's WARN (F6.5) is no SE harm."""
    if arch != SE_ARCH or claim["verdict"] != "fails" or claim["id"] not in SE_CLAIMS:
        return False
    return claim["id"] == "se-ap-reset" or bindable


@dataclass(frozen=True, slots=True)
class FixCell:
    """One claim under one arch, era and userspace: the fix's verdict next to no-change's."""

    arch: str
    era: str
    userspace: str
    claim: str
    run: dict[str, Any]
    """The claim's JSON under the fix (``ClaimResult.to_json``)."""
    base: dict[str, Any]
    """The same under no-change."""
    ran_as: str = ""
    """The userspace the fix ran where the matrix says ``userspace`` ('' = the same)."""
    bindable: bool = False
    """The secure guest can bind AP queues in this profile (:data:`BIND_FEATURES`)."""

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.run)

    @property
    def baseline(self) -> Verdict:
        return verdict_of(self.base)

    @property
    def status(self) -> str:
        """'regression', 'closed' or 'same'."""
        if self.verdict == "fails" and self.baseline != "fails":
            return "regression"
        if self.verdict != "fails" and self.baseline == "fails":
            return "closed"
        return "same"

    @property
    def se_failure(self) -> bool:
        return se_caused(self.arch, self.run, self.bindable)

    def where(self) -> str:
        return f"{self.arch} {self.era} {self.userspace}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"arch": self.arch, "era": self.era,
                                "userspace": self.userspace, "claim": self.claim,
                                "verdict": self.verdict, "baseline": self.baseline,
                                "status": self.status, "se": self.se_failure,
                                "reason": self.run["reason"]}
        if self.ran_as:
            data["ran_as"] = self.ran_as
        if self.verdict == "fails":
            data["trace"] = self.run["trace"]
        return data


@dataclass(frozen=True, slots=True)
class FixResult:
    """One fix's matrix, its rank and the words that explain the rank."""

    fix: Fix
    cells: tuple[FixCell, ...]
    hooks_fired: int = 0
    """Transitions, over every profile of the matrix, in which one of the fix's hooks acted."""
    rank: int = 0
    explanation: tuple[str, ...] = ()

    @property
    def regressions(self) -> list[FixCell]:
        return [c for c in self.cells if c.status == "regression"]

    @property
    def closed(self) -> list[FixCell]:
        return [c for c in self.cells if c.status == "closed"]

    @property
    def se_failures(self) -> list[FixCell]:
        return [c for c in self.cells if c.se_failure]

    @property
    def complete(self) -> bool:
        return not self.se_failures and not self.regressions

    def blocker(self) -> str:
        """What keeps the fix from being complete, in one phrase ('' when it is)."""
        if self.se_failures:
            cell = _first(self.se_failures)
            return f"{cell.claim} fails on {cell.where()} ({_reason(cell)})"
        if self.regressions:
            cell = _first(self.regressions)
            return f"regresses {cell.claim} on {cell.where()} ({_reason(cell)})"
        return ""

    def to_json(self, *, cells: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            **self.fix.to_json(), "rank": self.rank, "complete": self.complete,
            "closes": len(self.closed), "explanation": list(self.explanation),
            "hooks_fired": self.hooks_fired,
            "blocker": self.blocker(),
            "regressions": [c.to_json() for c in self.regressions],
            "se_failures": len(self.se_failures)}
        if cells:
            data["cells"] = [c.to_json() for c in self.cells]
        return data


def _first(cells: Sequence[FixCell]) -> FixCell:
    """The cell with the shortest trace (newest era on a tie): the one to show."""
    return min(reversed(cells), key=lambda c: len(c.run["trace"]))


def _reason(cell: FixCell) -> str:
    return cell.run["reason"] or "fails"


@dataclass(frozen=True, slots=True)
class Figures:
    """What the checks cost: requests, merged duplicates, cache hits, states."""

    candidates: int
    requests: int
    """Checks the matrices ask for (fix × arch × era × userspace)."""
    unique: int
    """After merging equal checks."""
    cached: int
    """Of the unique ones, found in the disk cache."""
    checked: int
    states: int
    """Distinct states explored over the unique checks."""
    seconds: float = 0.0

    @property
    def hit_rate(self) -> float:
        """Share of requested checks that needed no new search (merged or cached)."""
        return 1 - self.checked / self.requests if self.requests else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"candidates": self.candidates, "requests": self.requests,
                "unique": self.unique, "cached": self.cached, "checked": self.checked,
                "states": self.states, "cache_hit_rate": round(self.hit_rate, 4),
                "seconds": round(self.seconds, 2)}


@dataclass(frozen=True, slots=True)
class FixReport:
    """Every judged fix, ranked, with the matrix axes and the figures."""

    results: tuple[FixResult, ...]
    arches: tuple[str, ...]
    eras: tuple[str, ...]
    claims: tuple[str, ...]
    figures: Figures
    index: dict[str, FixResult] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {r.fix.name: r for r in self.results})

    def result(self, name: str) -> FixResult:
        return self.index[name]

    def complete(self) -> list[FixResult]:
        return [r for r in self.results if r.complete]

    def to_json(self, *, cells: bool = True) -> dict[str, Any]:
        return {"arches": list(self.arches), "eras": list(self.eras),
                "userspaces": {arch: list(userspaces_of(arch)) for arch in self.arches},
                "claims": list(self.claims), "figures": self.figures.to_json(),
                "fixes": [r.to_json(cells=cells) for r in self.results]}


def userspaces_of(arch: str) -> tuple[str, ...]:
    """The userspaces a matrix runs on ``arch``: all on s390, ``any`` elsewhere (the QEMU
    profiles differ from ``any`` only by what a protected guest's reboot does, F7.12)."""
    from sim.userspace import USERSPACE_NAMES

    return USERSPACE_NAMES if arch == SE_ARCH else ("any",)


def request_for(fix: Fix, arch: str, era: str, userspace: str,
                toggles: Sequence[tuple[str, str]] = ()) -> CheckRequest:
    """The check of one matrix cell under ``fix`` (with the caller's ``toggles`` under the
    fix's own), normalised so that equal profiles are equal requests — the Report's among
    them: no steps where the era's order is the kernel's or the RFC's, no hook that cannot
    act."""
    from sim.profile import ordered_steps

    frozen = _features(era, fix.features)
    steps = fix.steps_for(frozen)
    order = "custom" if steps else "current"
    if steps and steps == ordered_steps(frozen, "reversed"):
        order, steps = "reversed", ()
    merged = tuple(sorted((dict(toggles) | dict(fix.toggles)).items()))
    return CheckRequest(arch, era, order, fix.userspace_for(userspace), merged,
                        tuple(sorted(fix.features)), steps=steps,
                        hooks=fix.hooks_for(arch, frozen))


def judge(fixes: Sequence[Fix], *, arches: Sequence[str] | None = None,
          eras: Sequence[str] | None = None, userspaces: Sequence[str] | None = None,
          toggles: Sequence[tuple[str, str]] = (), use_cache: bool = True,
          workers: int | None = None, progress: Progress | None = None,
          cancelled: Callable[[], bool] | None = None) -> FixReport:
    """Check every fix's matrix (no-change is added when missing) and rank the fixes.
    ``userspaces`` narrows each arch's (:func:`userspaces_of`); ``toggles`` apply to every
    check, under a fix's own."""
    import time

    from sim.arches import ARCHES
    from sim.fixes import CATALOG_BY_NAME

    started = time.perf_counter()
    arches = tuple(arches or ARCHES)
    eras = tuple(eras or FIX_ERAS)
    chosen = list(fixes)
    if all(f.name != BASELINE for f in chosen):
        chosen.insert(0, CATALOG_BY_NAME[BASELINE])
    axes = [(arch, era, user) for arch in arches for era in eras for user in userspaces_of(arch)
            if userspaces is None or user in userspaces]
    wanted = [[request_for(fix, *axis, toggles) for axis in axes] for fix in chosen]
    unique = list(dict.fromkeys(r for row in wanted for r in row))
    counts: dict[str, int] = {}
    runs = check_many(unique, workers=workers, use_cache=use_cache, progress=progress,
                      cancelled=cancelled, counts=counts)
    by_request = dict(zip(unique, runs, strict=True))
    claims = tuple(c["id"] for c in runs[0]["claims"]) if runs else ()

    def claim_map(request: CheckRequest) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in by_request[request]["claims"]}

    base_row = wanted[next(i for i, f in enumerate(chosen) if f.name == BASELINE)]
    base = [claim_map(r) for r in base_row]
    results = []
    for fix, row in zip(chosen, wanted, strict=True):
        cells: list[FixCell] = []
        for (arch, era, user), request, before in zip(axes, row, base, strict=True):
            mine = claim_map(request)
            ran_as = request.userspace if request.userspace != user else ""
            bindable = BIND_FEATURES.issubset(_features(era, request.features))
            cells.extend(FixCell(arch, era, user, claim, mine[claim], before[claim], ran_as,
                                 bindable) for claim in claims)
        fired = sum(int(by_request[r].get("hooks_fired", 0)) for r in dict.fromkeys(row))
        results.append(FixResult(fix, tuple(cells), fired))
    figures = Figures(len(chosen), len(axes) * len(chosen), len(unique),
                      counts.get("cached", 0), counts.get("checked", 0),
                      sum(int(run["stats"]["states"]) for run in runs),
                      time.perf_counter() - started)
    return FixReport(rank(results), arches, eras, claims, figures)


def _features(era: str, overrides: Sequence[tuple[str, bool]]) -> frozenset[str]:
    from sim.eras import features_for, parse_era

    features = set(features_for(parse_era(era)))
    for name, on in overrides:
        (features.add if on else features.discard)(name)
    return frozenset(features)


# -- ranking ------------------------------------------------------------------------------
def _key(result: FixResult) -> tuple[bool, int, int, int, str]:
    return (not result.complete, -len(result.closed), len(result.regressions),
            result.fix.size, result.fix.name)


def rank(results: Sequence[FixResult]) -> tuple[FixResult, ...]:
    """Complete first, then more closed paths, then fewer regressions (which only an
    incomplete fix has), then smaller; each with its explanation."""
    ordered = sorted(results, key=_key)
    out: list[FixResult] = []
    for position, result in enumerate(ordered, start=1):
        above = ordered[position - 2] if position > 1 else None
        out.append(FixResult(result.fix, result.cells, result.hooks_fired, position,
                             tuple(explain(result, position, above))))
    return tuple(out)


def explain(result: FixResult, position: int, above: FixResult | None) -> list[str]:
    """Why the fix ranks where it does, in sentences built from its matrix."""
    words = []
    if result.complete:
        words.append("Complete: no Secure Execution claim fails on s390 in any era or"
                     " userspace, and no claim regresses on any architecture.")
    else:
        parts = []
        if result.se_failures:
            parts.append("SE claims still fail — " + spans(result.se_failures))
        if result.regressions:
            parts.append("it regresses " + spans(result.regressions))
        words.append("Not complete: " + "; ".join(parts) + f". First: {result.blocker()}.")
    closed = result.closed
    if result.fix.name == BASELINE:
        words.append("The baseline: every other fix is compared with it.")
    elif closed:
        words.append(f"Closes {_paths(len(closed))} that no-change leaves open — "
                     + spans(closed) + ".")
    else:
        words.append("Closes no path that no-change leaves open.")
    fix = result.fix
    if fix.hooks and not result.hooks_fired:
        words.append(_never_fired(fix))
    elif fix.name != BASELINE and all(c.status == "same" and c.verdict == c.baseline
                                      for c in result.cells):
        words.append("It changes no verdict in any cell of the matrix."
                     + _already(fix, sorted({c.era for c in result.cells}, key=_era_key)))
    from sim.fixes import moved

    words.append(f"Size {fix.size}: {moved(fix.steps) if fix.steps else 0} step(s) moved,"
                 f" {len(fix.hooks)} hook(s) added"
                 + (f", {len(fix.userspace) + len(fix.toggles) + len(fix.features)} other"
                    " change(s)" if fix.userspace or fix.toggles or fix.features else "")
                 + ".")
    if above is None:
        words.append("Ranked first: " + ("complete, and no complete fix closes more paths."
                                        if result.complete else
                                        "no fix is complete, and none closes more paths."))
    else:
        if above.complete and not result.complete:
            why = f"#{position - 1} is complete, this one is not"
        elif len(above.closed) != len(closed):
            why = (f"#{position - 1} closes more paths ({len(above.closed)} against"
                   f" {len(closed)})")
        elif len(above.regressions) != len(result.regressions):
            why = (f"as many paths as #{position - 1}, but more regressions"
                   f" ({len(result.regressions)} against {len(above.regressions)})")
        elif above.fix.size != fix.size:
            why = (f"as many paths as #{position - 1}, but larger (size {fix.size} against"
                   f" {above.fix.size})")
        else:
            why = f"tied with #{position - 1} on completeness, paths and size: by name"
        words.append(f"Ranked #{position}: {why}.")
    return words


def _never_fired(fix: Fix) -> str:
    """Why a fix whose hooks never act changes nothing."""
    from sim.hooks import HOOK_BY_NAME

    points = {HOOK_BY_NAME[name].point for name in fix.hooks}
    why = ""
    if "pre-destroy" in points:
        why = (": by kvm_arch_pre_destroy_vm() the mdev has always dropped the kvm, because"
               " vfio_ap's kvm reference keeps kvm_destroy_vm() from starting until its"
               " unset_kvm reset the queues (F7.9)")
    return ("Its hook" + ("s" if len(fix.hooks) > 1 else "") + " never act"
            + ("" if len(fix.hooks) > 1 else "s") + " in any reachable state of any profile"
            + why + ".")


def _era_key(era: str) -> tuple[int, ...]:
    return tuple(int(part) for part in era.split("."))


def _already(fix: Fix, eras: Sequence[str]) -> str:
    """For a feature what-if: the eras that have it already (where it cannot change a
    thing)."""
    from sim.eras import features_for, parse_era

    out = []
    for name, on in fix.features:
        have = [era for era in eras if (name in features_for(parse_era(era))) == on]
        rest = [era for era in eras if era not in have]
        unbound = rest and all(not BIND_FEATURES.issubset(features_for(parse_era(era)))
                               for era in rest)
        if have:
            out.append(f" {name} is {'in' if on else 'absent from'} {', '.join(have)}"
                       " already" + (f"; in {', '.join(rest)}"
                                     + (", where no secure guest can bind a queue (F7.13),"
                                        if unbound else "") + " it changes nothing either"
                                     if rest else ""))
    return "".join(f"{part}." for part in out)


def _paths(count: int) -> str:
    return f"{count} failing path" + ("" if count == 1 else "s")


def spans(cells: Sequence[FixCell]) -> str:
    """Cells grouped by claim, then by arch and userspace, with their eras."""
    by_claim: dict[str, dict[tuple[str, str], list[str]]] = {}
    for cell in cells:
        by_claim.setdefault(cell.claim, {}).setdefault((cell.arch, cell.userspace),
                                                       []).append(cell.era)
    out = []
    for claim, groups in by_claim.items():
        places = ", ".join(f"{arch} {'/'.join(eras)}"
                           + (f" ({user})" if arch == SE_ARCH else "")
                           for (arch, user), eras in groups.items())
        out.append(f"{claim} on {places}")
    return "; ".join(out)


# -- the search ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SearchResult:
    """Every placement judged: the minimal complete ones, or the proof that none is."""

    report: FixReport
    max_hooks: int

    @property
    def minimal(self) -> list[FixResult]:
        complete = self.report.complete()
        if not complete:
            return []
        least = min(r.fix.size for r in complete)
        return [r for r in complete if r.fix.size == least]

    def conclusion(self) -> str:
        figures = self.report.figures
        space = (f"{figures.candidates} candidates (every kvm_destroy_vm() order that keeps"
                 " the hard ordering constraints × every set of at most"
                 f" {self.max_hooks} hook{'' if self.max_hooks == 1 else 's'})")
        minimal = self.minimal
        if minimal:
            return (f"Searched {space}: {len(self.report.complete())} are complete; the"
                    f" minimal (size {minimal[0].fix.size}): "
                    + ", ".join(f"{r.fix.name} ({catalog_twin(r.fix)})" for r in minimal)
                    + ".")
        return (f"Searched {space}: none is complete; each is blocked by the claim listed"
                " with it.")

    def to_json(self) -> dict[str, Any]:
        return {"max_hooks": self.max_hooks, "conclusion": self.conclusion(),
                "constraints": [{"before": c.before, "after": c.after, "fact": c.fact,
                                 "why": c.why} for c in CONSTRAINTS],
                "figures": self.report.figures.to_json(),
                "minimal": [r.fix.name for r in self.minimal],
                "minimal_twins": {r.fix.name: catalog_twin(r.fix) for r in self.minimal},
                "candidates": [{"name": r.fix.name, "rank": r.rank, "size": r.fix.size,
                                "complete": r.complete, "closes": len(r.closed),
                                "blocker": r.blocker(), "changes": r.fix.changes()}
                               for r in self.report.results]}


def catalog_twin(fix: Fix) -> str:
    """Which shipped fix makes the same change, or that the thread proposed none."""
    twin = next((f for f in CATALOG if f.name != BASELINE and f.hooks == fix.hooks
                 and f.steps == fix.steps and not (f.userspace or f.toggles or f.features)),
                None)
    return f"the catalog's {twin.name}" if twin else "proposed by nobody in the thread"


def search(*, max_hooks: int = 2, arches: Sequence[str] | None = None,
           eras: Sequence[str] | None = None, use_cache: bool = True,
           workers: int | None = None, progress: Progress | None = None,
           cancelled: Callable[[], bool] | None = None) -> SearchResult:
    """Judge every placement sim.fixes.search_space expresses."""
    from sim.fixes import search_space

    report = judge(search_space(max_hooks), arches=arches, eras=eras, use_cache=use_cache,
                   workers=workers, progress=progress, cancelled=cancelled)
    return SearchResult(report, max_hooks)


# -- choosing fixes -----------------------------------------------------------------------
def load_fix_file(path: str) -> tuple[Fix, ...]:
    """User fixes from a TOML file (sim.fixes.parse_fixes); bad input is one SimError."""
    from sim.errors import SimError
    from sim.fixes import parse_fixes

    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SimError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise SimError(f"{path}: {error.strerror or error}") from None
    return parse_fixes(text, path)


def choose(names: Sequence[str], extra: Sequence[Fix] = ()) -> list[Fix]:
    """The fixes named (every shipped and loaded one when none is), catalog order."""
    from sim.errors import SimError

    known = {**CATALOG_BY_NAME, **{fix.name: fix for fix in extra}}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SimError(f"unknown fix(es) {', '.join(unknown)} (known: {', '.join(known)})")
    if not names:
        return [*CATALOG, *extra]
    return [known[name] for name in dict.fromkeys(names)]


# -- text ---------------------------------------------------------------------------------
def ranked_table(report: FixReport) -> list[str]:
    """The ranked list as an aligned text table."""
    rows = [["#", "fix", "complete", "closes", "regress", "size", "proposed by"]]
    rows += [[str(r.rank), r.fix.name, "yes" if r.complete else "no", str(len(r.closed)),
              str(len(r.regressions)), str(r.fix.size), r.fix.proposer]
             for r in report.results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             .rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def render_text(report: FixReport, *, details: bool = True) -> str:
    """The ranking, then per fix its explanation and its regressions' shortest traces."""
    from workbench.report import trace_lines

    out = ranked_table(report)
    if details:
        for result in report.results:
            out += ["", f"#{result.rank} {result.fix.name}: {result.fix.title}",
                    f"   proposed by {result.fix.proposer}; rests on "
                    + ", ".join(result.fix.facts),
                    "   changes: " + "; ".join(result.fix.changes())]
            out += [f"   {sentence}" for sentence in result.explanation]
            if result.fix.evidence:
                out.append(f"   evidence: {result.fix.evidence}")
            for cell in _shown_regressions(result):
                out.append(f"   regression {cell.claim} on {cell.where()}: {_reason(cell)};"
                           f" shortest trace, {len(cell.run['trace'])} steps:")
                out += ["      " + line for line in trace_lines(cell.run)]
    figures = report.figures
    out += ["", f"{figures.requests} checks asked for, {figures.unique} distinct,"
            f" {figures.cached} from the cache, {figures.checked} checked;"
            f" {figures.states:,} states; {figures.seconds:.1f} s"]
    return "\n".join(out) + "\n"


def _shown_regressions(result: FixResult) -> list[FixCell]:
    """One regression per claim and arch (the shortest trace)."""
    groups: dict[tuple[str, str], list[FixCell]] = {}
    for cell in result.regressions:
        groups.setdefault((cell.claim, cell.arch), []).append(cell)
    return [_first(cells) for cells in groups.values()]
