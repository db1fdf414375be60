"""Provides plain-text renderings of check results and of the model's tables.

The CLI prints these; the Simulator screen renders the same result objects its own way. No
colour, no terminal library: a compact table per run, then every failing claim's shortest
trace, numbered, in kernel vocabulary, with the fact (and commit) of each step and its diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sim.claims import CLAIMS
from sim.eras import FEATURES, format_version
from sim.result import CheckResult, ClaimResult, TraceStep
from sim.toggles import TOGGLES
from sim.userspace import USERSPACES


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> list[str]:
    """Left-aligned columns separated by two spaces."""
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
             .rstrip() for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def verdict_text(result: ClaimResult) -> str:
    """'holds', 'FAILS', 'holds (vacuous)', 'holds (comment absent)'."""
    return verdict_words(result.verdict, present=result.present, vacuous=result.vacuous)


def verdict_words(verdict: str, *, present: bool, vacuous: bool) -> str:
    """The verdict label from a claim's fields (also what a remembered run's JSON has)."""
    if verdict == "fails":
        return "FAILS"
    if not present:
        return f"{verdict} (comment absent)"
    if vacuous:
        return f"{verdict} (vacuous)"
    return verdict


def why_text(result: ClaimResult) -> str:
    """The table's 'why': the failure, the guards that held it, or why it is vacuous."""
    return why_words(result.reason, vacuous=result.vacuous,
                     vacuous_reason=result.vacuous_reason,
                     prevented=[(p.guard, p.count) for p in result.prevented_by])


def why_words(reason: str, *, vacuous: bool, vacuous_reason: str,
              prevented: Sequence[tuple[str, int]], otherwise: str = "-") -> str:
    """The 'why' from a claim's fields; ``otherwise`` when nothing needed preventing."""
    if reason:
        return reason
    if vacuous:
        return vacuous_reason
    if prevented:
        return "prevented by " + ", ".join(f"{guard} ×{count:,}" for guard, count in prevented)
    return otherwise


def render_run(result: CheckResult) -> list[str]:
    """The summary table of one run, then each failing claim's trace."""
    profile, stats = result.profile, result.stats
    reduction = f"{result.reduction} reduction" + (
        f", cutoff {result.cutoff}" if result.reduction == "counter" else "")
    changed = {name: value for name, value in profile.toggles}
    lines = [
        f"== {profile.arch} {format_version(profile.era)}  userspace {profile.userspace_label}"
        f"  order {profile.order}  V={profile.vcpus} Q={profile.queues}  ({reduction})",
        "kvm_destroy_vm: " + " → ".join(profile.steps),
        f"{stats.states:,} states, {stats.transitions:,} transitions, depth {stats.depth},"
        f" {stats.seconds:.2f} s",
    ]
    if changed:
        lines.append("toggles set: " + ", ".join(f"{k}={v}" for k, v in sorted(changed.items())))
    if profile.excluded:
        lines.append("excluded events: " + ", ".join(sorted(profile.excluded)))
    if profile.reset_classes:
        lines.append("AP queue reset outcomes (from the timing model): "
                     + ", ".join(profile.reset_classes))
    lines.extend(f"note: {note}" for note in profile.notes)
    rows = [(claim.id, verdict_text(claim), str(len(claim.trace)) if claim.trace else "-",
             why_text(claim)) for claim in result.claims]
    lines.append("")
    lines.extend(table(rows, ("claim", "verdict", "steps", "why")))
    held = sorted({name for claim in result.claims if claim.verdict == "holds"
                   for name in claim.assumes})
    if held:
        lines.append("holding verdicts assume: " + ", ".join(held))
    guards = {p.guard: p for claim in result.claims for p in claim.prevented_by}
    for guard in guards.values():
        lines.append(f"guard {guard.guard} [{guard.fact}]: {guard.title}")
    for claim in result.claims:
        if claim.verdict == "fails":
            lines.append("")
            lines.extend(render_trace(claim))
    return lines


def render_trace(claim: ClaimResult) -> list[str]:
    """A failing claim's shortest counterexample, one numbered step per kernel event."""
    lines = [f"{claim.id} {verdict_text(claim)} — shortest counterexample,"
             f" {len(claim.trace)} steps",
             f"  claim: {claim.title}",
             "  assumes: " + (", ".join(claim.assumes) or "nothing")]
    for step in claim.trace:
        lines.extend(render_step(step))
    lines.append(f"      ⇒ {claim.reason}")
    return lines


def render_why(claim: ClaimResult) -> list[str]:
    """Why a claim holds: the guards that prevented its failure, or why it is vacuous."""
    lines = [f"{claim.id} holds — {claim.exercised:,} transitions checked"]
    if claim.vacuous:
        lines.append(f"  vacuous: {claim.vacuous_reason}")
    for p in claim.prevented_by:
        lines.append(f"  prevented by {p.guard} ({p.count:,}×) [{p.fact}]: {p.title}")
    lines.append("  assumes: " + (", ".join(claim.assumes) or "nothing"))
    return lines


def render_step(step: TraceStep) -> list[str]:
    """One trace step: event, kernel function, fact (commit), then its diff."""
    event = step.event
    fact = event.fact + (f" {event.commit[:12]}" if event.commit else "")
    lines = [f"  {step.index:>2}. {event.name}", f"      {event.function}  [{fact}]"]
    if event.detail:
        lines.append(f"      {event.detail}")
    for warn in event.warns:
        lines.append(f"      WARN: {warn}")
    for change in step.changes:
        after = change.delta or change.after
        shown = after if change.delta else f"{change.before} → {after}"
        lines.append(f"      {change.field}: {shown}")
    touched = sorted(event.accesses)
    if touched:
        lines.append("      touches: " + ", ".join(touched))
    return lines


def render_runs(results: Iterable[CheckResult]) -> str:
    """Every run, separated by a blank line."""
    return "\n\n".join("\n".join(render_run(result)) for result in results)


def render_features() -> str:
    """``sim --list-features``: feature, since, until, backports, fact, commit."""
    rows = []
    for feature in FEATURES:
        rows.append((
            feature.name,
            format_version(feature.since) if feature.since else "-",
            format_version(feature.until) if feature.until else "-",
            ", ".join(format_version(v) + ".y" for v in feature.backports) or "-",
            feature.fact,
            feature.commit[:12] or "-",
            feature.title + (" [UNVERIFIED boundary]" if feature.unverified else ""),
        ))
    return "\n".join(table(rows, ("feature", "since", "until", "stable", "fact", "commit",
                                  "what")))


def render_claims() -> str:
    """``sim --list-claims``: id, facts, the precise definition."""
    blocks = []
    for claim in CLAIMS:
        lines = [f"{claim.id}  [{', '.join(claim.facts)}]", f"  {claim.title}"]
        lines.extend(_wrap(claim.definition, "  definition: "))
        if claim.comment:
            lines.extend(_wrap(claim.comment, "  comment: "))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_toggles() -> str:
    """``sim --list-toggles``: name, default, values, fact, the question and the evidence."""
    blocks = []
    for t in TOGGLES:
        lines = [f"{t.name} = {t.default}  ({'|'.join(t.values)})  [{t.fact}]"]
        lines.extend(_wrap(t.question, "  assumption: "))
        lines.extend(_wrap(t.evidence, "  evidence: "))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_userspaces() -> str:
    """``sim --list-userspaces``: name, fact, what it does and where it was read."""
    blocks = []
    for space in USERSPACES.values():
        lines = [f"{space.name}  [{space.fact}]", f"  {space.title}"]
        lines.extend(_wrap(space.evidence, "  read in: "))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _wrap(text: str, prefix: str, width: int = 96) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, initial_indent=prefix,
                         subsequent_indent=" " * len(prefix)) or [prefix.rstrip()]
