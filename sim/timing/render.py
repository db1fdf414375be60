"""Provides the words and the text pictures of timing results, for the CLI and the screen alike:
a phase timeline on a time axis, outcome counts, the destroys, the kernel log, the first
violating queue's events, and the Monte-Carlo table."""

from __future__ import annotations

from sim.timing.montecarlo import MonteCarlo
from sim.timing.result import FLAGS, TimingResult
from sim.timing.run import Phase

FLAG_WORDS = {
    "unverified": "a reset ends unverified (the kernel stopped without seeing it complete)",
    "unable-to-verify-warn": "6.1's WARN_ONCE 'unable to verify reset' fires",
    "hung": "teardown hangs (a reset never completes, flush_work waits forever)",
    "bound-at-destroy": "a queue is still bound when a Destroy Secure Configuration is issued",
    "refused": "the Ultravisor refuses a destroy",
    "harmful-refusal": "a refused destroy costs the host a WARN or a leak",
    "warn": "some WARN fires",
    "leak": "secure storage or a page table is leaked",
}


def fmt_ms(ms: float) -> str:
    """Milliseconds, readable at any scale (µs to hours)."""
    if ms >= 120_000:
        return f"{ms / 60_000:.1f} min"
    if ms >= 10_000:
        return f"{ms / 1000:.1f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    return f"{ms:.3g} ms"


def timeline(phases: tuple[Phase, ...], width: int = 40, name_width: int = 58,
             span_width: int = 24, horizon: int = 0) -> list[str]:
    """One line per phase: indented name, span, and a bar on a shared time axis (to
    ``horizon`` µs at least: a hung run's axis runs to its last event)."""
    if not phases:
        return []
    ends = [p.end for p in phases if p.end >= 0] + [p.start for p in phases] + [horizon]
    total = max(max(ends), 1)
    rows = []
    name_width = min(name_width, max(len(p.name) + 2 * (p.depth) for p in phases))
    for p in phases:
        lo = round(p.start / total * width)
        if p.end < 0:
            bar = " " * lo + "━" * max(1, width - lo) + "▶∞"
            span = f"{fmt_ms(p.start / 1000)} → never ends"
        else:
            hi = max(lo + (1 if p.end > p.start else 0), round(p.end / total * width))
            bar = " " * lo + ("━" * (hi - lo) if hi > lo else "│")
            span = f"{fmt_ms(p.start / 1000)} +{fmt_ms((p.end - p.start) / 1000)}"
        name = ("  " * p.depth + p.name)[:name_width]
        rows.append(f"{name:<{name_width}}  {span:<{span_width}} {bar}")
    return rows


def summary(r: TimingResult) -> list[str]:
    """The headline: duration, outcomes, destroys, harm."""
    c = r.counts
    lines = [f"{r.label}: {r.algorithm} reset, {r.queues} queue(s): teardown "
             f"{'HANGS' if r.hung else 'takes ' + fmt_ms(r.finished_us / 1000)}"]
    if r.hung:
        lines.append(f"  hang: {r.hang}")
    parts = [f"{c['verified']} verified", f"{c['unverified']} unverified", f"{c['hung']} hung"]
    if c["not verified"]:
        parts.append(f"{c['not verified']} not verified (never reset, or waiting for a worker)")
    lines.append("  queues: " + ", ".join(parts)
                 + (f"; {r.warned} printed 'unable to verify reset'" if r.warned else ""))
    for a in r.attempts:
        what = "ok" if a.ok else f"REFUSED (rc {a.rc}, {a.bound} queue(s) still bound)"
        harm = f" → {a.harm}" if a.harm else ("" if a.ok else " → no harm (handle kept)")
        lines.append(f"  {fmt_ms(a.time / 1000):>9}  Destroy Secure Configuration"
                     f"{' Fast' if a.uvc == 'fast' else ''}"
                     f"{' (leftover)' if a.uvc == 'leftover' else ''} in {a.site}: {what}{harm}")
    if not r.attempts:
        lines.append("  no Destroy Secure Configuration on this path")
    for leak in r.leaks:
        lines.append(f"  LEAK: {leak}")
    for note in r.notes:
        lines.append(f"  note: {note}")
    return lines


def violation(r: TimingResult) -> list[str]:
    """The first violating queue and its events."""
    if r.first is None:
        refused = any(not a.ok for a in r.attempts)
        if r.counts["verified"] == r.queues:
            return ["  no violation: every queue verified"
                    + ("; the refusals cost nothing" if refused else "; no destroy refused")]
        return ["  no violation: no queue reset on this path"
                + ("; the refusals cost nothing" if refused else ", no destroy refused")]
    lines = [f"  first violating queue {r.first.apqn}: {r.first.why}"]
    lines += [f"    {fmt_ms(t / 1000):>9}  {text}" for t, text in r.first.timeline]
    return lines


def montecarlo_table(mc: MonteCarlo) -> list[str]:
    """Probability of each outcome with its 95 % interval."""
    lines = [f"  Monte-Carlo: {mc.runs} runs from seed {mc.seed}"]
    for flag in FLAGS:
        p, low, high = mc.probability(flag)
        lines.append(f"    {100 * p:6.2f} %  [{100 * low:6.2f}, {100 * high:6.2f}]  "
                     f"{FLAG_WORDS[flag]}")
    med, p95 = mc.quantile(0.5), mc.quantile(0.95)
    if med is not None and p95 is not None:
        lines.append(f"    duration of the {len(mc.durations_ms)} finished runs: median"
                     f" {fmt_ms(med)}, p95 {fmt_ms(p95)}, max {fmt_ms(mc.durations_ms[-1])}")
    share = {k: v / (mc.runs * mc.queues) for k, v in mc.queue_totals.items()}
    lines.append(f"    per queue: {100 * share['unverified']:.3g} % unverified,"
                 f" {100 * share['hung']:.3g} % hung, {100 * share['bound']:.3g} % bound at a"
                 " destroy attempt")
    return lines
