"""Provides the timing report the ``timing`` command prints and the Simulator's timing panel
shows: one timed run per (order, path), optionally a Monte-Carlo series for each on every core,
and each run's reset outcome classes checked by the model checker (layer 1) for the same
profile — the link from an unverified or hung queue to the counterexample it causes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.defaults import DEFAULT_ERA, DEFAULT_USERSPACE
from sim.profile import Profile, build_profile
from sim.render import verdict_text, why_text
from sim.result import CheckResult
from sim.timing.montecarlo import Chunk, MonteCarlo, monte_carlo
from sim.timing.result import TimingResult, simulate
from sim.timing.run import PATHS
from sim.timing.spec import Hardware
from workbench.checks import Progress


@dataclass(frozen=True, slots=True)
class TimingRequest:
    """What the user asked: the profile dimensions, the machine, the seed and the series."""

    era: str = DEFAULT_ERA
    orders: tuple[str, ...] = ("current", "reversed")
    paths: tuple[str, ...] = PATHS
    userspace: str = DEFAULT_USERSPACE
    async_teardown: bool = False
    hw: Hardware = field(default_factory=Hardware)
    toggles: tuple[tuple[str, str], ...] = ()
    features: tuple[tuple[str, bool], ...] = ()
    seed: int = 1
    runs: int = 0
    """Monte-Carlo runs per (order, path); 0: the single seeded run only."""
    check: bool = True
    """Model-check each run's reset outcome classes (layer 1)."""
    hooks: tuple[str, ...] = ()
    """A proposed fix's hooks (sim.hooks), timed and checked with the kernel."""

    def profile(self, order: str) -> Profile:
        """The checker's profile for one order (validates every choice); its queues are the
        machine's APQNs (the checker's symmetry reduction makes their number cost nothing)."""
        return build_profile("s390", self.era, order=order, toggles=dict(self.toggles),
                             features=dict(self.features), userspace=self.userspace,
                             async_teardown=self.async_teardown, queues=self.hw.queues,
                             hooks=self.hooks)


@dataclass(frozen=True, slots=True)
class TimingRun:
    """One (order, path): the seeded run, its Monte-Carlo series, its layer-1 verdicts."""

    result: TimingResult
    montecarlo: MonteCarlo | None
    layer1: CheckResult | None

    @property
    def classes(self) -> tuple[str, ...]:
        """The reset outcomes layer 1 was given (the series' if there is one)."""
        return self.montecarlo.classes if self.montecarlo else self.result.classes

    def text_lines(self, *, narrow: bool = False) -> list[str]:
        """The run in words, for the CLI and (``narrow``: a shorter time axis and log) the
        Simulator's timing panel: summary, phases, first violation, log, Monte-Carlo, and the
        model checker's verdicts with this run's reset outcomes."""
        from sim.timing import render

        r = self.result
        widths = {"width": 18, "name_width": 34, "span_width": 17} if narrow else {}
        rows = render.timeline(r.phases, horizon=r.last_event_us, **widths)
        lines = [*render.summary(r), "  phases:", *("    " + row for row in rows)]
        lines += render.violation(r)
        log, limit = r.log_lines(), 8 if narrow else 12
        if log:
            lines.append(f"  kernel log ({len(log)} line(s)):")
            lines += [f"    {line}" for line in log[:limit]]
            if len(log) > limit:
                lines.append(f"    … {len(log) - limit} more (--json has all)")
        if self.montecarlo is not None:
            lines += render.montecarlo_table(self.montecarlo)
        if self.layer1 is not None:
            lines.append(f"  model checker with reset outcomes {{{', '.join(self.classes)}}}:")
            lines += [f"    {claim.id:<13} {verdict_text(claim):<8} {why_text(claim)}"
                      for claim in self.layer1.claims]
        return lines

    def to_json(self) -> dict[str, Any]:
        """One entry of ``runs``."""
        data = self.result.to_json()
        if self.montecarlo is not None:
            data["montecarlo"] = self.montecarlo.to_json()
        if self.layer1 is not None:
            data["layer1"] = {
                "reset_classes": list(self.classes),
                "claims": [{"id": c.id, "verdict": c.verdict, "label": verdict_text(c),
                            "why": why_text(c), "trace_steps": len(c.trace)}
                           for c in self.layer1.claims]}
        return data


@dataclass(frozen=True, slots=True)
class TimingReport:
    """Every run of a request."""

    request: TimingRequest
    runs: tuple[TimingRun, ...]

    def assumptions(self) -> list[str]:
        """The parameters no public source fixes, printed with every result."""
        hw = self.request.hw
        return [
            f"reset latency: {hw.latency.describe()} ({hw.latency.spelling()})",
            f"HZ={hw.hz}: msleep(20) returns on a jiffy boundary",
            f"Ultravisor latencies: Destroy {hw.uv_destroy_ms:g} ms, Destroy Fast"
            f" {hw.uv_fast_ms:g} ms, Destroy Secure CPU {hw.uv_cpu_ms:g} ms per vCPU",
            "a reset's effect (queue emptied, IRQ off, SE binding dissolved) lands when it"
            " completes; until then TAPQ reports RESET_IN_PROGRESS and the queue as it was;"
            f" --zapq-status {hw.zapq_status}: a reset-starting ZAPQ shows "
            + ("the queue as it was (both trees poll TAPQ after ZAPQ for the effect: [6.1]"
               " vfio_ap_ops.c:1649-1654, [6.12] :1948-1988)" if hw.zapq_status == "as-was"
               else "it already reset (a what-if against the kernel's own polling)"),
            f"guest: interrupts {'enabled' if hw.irq else 'disabled'} on every queue;"
            f" {'every queue bound and associated' if hw.bound else 'no queue bound'}"
            " where the era lets an SE guest use AP (pv-ap, v6.6, F7.13)",
        ]

    def to_json(self) -> dict[str, Any]:
        """The ``timing --json`` object."""
        hw, req = self.request.hw, self.request
        return {
            "hardware": {"adapters": hw.adapters, "domains": hw.domains, "queues": hw.queues,
                         "latency": hw.latency.spelling(),
                         "faults": [f.spelling() for f in hw.faults], "irq": hw.irq,
                         "bound": hw.bound, "hz": hw.hz, "zapq_status": hw.zapq_status},
            "seed": req.seed, "runs_per_order": req.runs, "hooks": list(req.hooks),
            "assumptions": self.assumptions(),
            "runs": [run.to_json() for run in self.runs],
        }


def _pool_map(chunks: Sequence[Chunk], *, pool: bool = True,
              cancelled: Callable[[], bool] | None = None) -> list[dict[str, Any]]:
    """The chunks on every core (``pool``) or in this process, stopping when cancelled."""
    from workbench.checks import run_jobs

    out: dict[int, dict[str, Any]] = {}
    run_jobs(chunks, workers=None if pool else 1, arrived=out.__setitem__,
             cancelled=cancelled)
    return [out[i] for i in range(len(chunks))]


def run_timing(request: TimingRequest, *, progress: Progress | None = None,
               pool: bool = True, cancelled: Callable[[], bool] | None = None
               ) -> TimingReport:
    """Every (order, path) of the request; Monte-Carlo chunks spread over every core.
    ``cancelled`` stops between runs and chunks (``CheckCancelled``)."""
    from sim.errors import CheckCancelled
    from sim.timing.link import check_linked

    total = len(request.orders) * len(request.paths)
    runs: list[TimingRun] = []
    checked: dict[tuple[str, tuple[str, ...]], CheckResult] = {}
    for order in request.orders:
        profile = request.profile(order)
        for path in request.paths:
            if cancelled is not None and cancelled():
                raise CheckCancelled(len(runs))
            result = simulate(profile, request.hw, path=path, seed=request.seed)
            mc = None
            if request.runs:
                chunks = max(1, min(16, request.runs // 50))
                mc = monte_carlo(profile, request.hw, path=path, seed=request.seed,
                                 runs=request.runs, chunks=chunks,
                                 map_chunks=lambda pieces: _pool_map(
                                     pieces, pool=pool and len(pieces) > 1,
                                     cancelled=cancelled))
            classes = mc.classes if mc else result.classes
            layer1 = None
            if request.check and classes:
                key = (order, classes)
                if key not in checked:
                    checked[key] = check_linked(profile, classes)
                layer1 = checked[key]
            runs.append(TimingRun(result, mc, layer1))
            if progress is not None:
                progress(len(runs), total)
    return TimingReport(request, tuple(runs))
