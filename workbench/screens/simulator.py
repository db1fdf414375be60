"""Provides the Simulator screen: pick a profile, check both call orders, step through traces.

The screen computes nothing: a thread worker calls ``sim.build_profile`` and ``sim.check`` (the
same calls as ``kvm-workbench sim``) and posts the ``CheckResult`` objects; the widgets show
them. Each counterexample step names the kernel function and fact it stands for; ``enter`` on
a step asks the app (``TraceRequested``) to open that function's ``git log -L`` history.

``T`` puts the timing panel (layer 2, ``workbench.timing.run_timing``, the calls of
``kvm-workbench timing``) in the trace's place: the era, userspace and toggles on screen with
the latency, fault and machine picked there; ``l`` opens the counterexample the timed run's
reset outcomes give the model checker.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import Worker, WorkerCancelled, WorkerState, get_current_worker

from workbench.messages import (
    CheckFailed,
    CheckFinished,
    StatesExplored,
    TimingFailed,
    TimingFinished,
    TraceRequested,
)
from workbench.screens.layout import apply_size_classes
from workbench.widgets.claim_table import ORDERS, ClaimTable
from workbench.widgets.key_footer import KeyFooter
from workbench.widgets.profile_picker import ProfilePicker, ProfileRequest
from workbench.widgets.step_inspector import StepInspector
from workbench.widgets.step_table import StepTable
from workbench.widgets.timing_panel import TimingPanel, linked_claim
from workbench.widgets.toggle_list import ToggleList

if TYPE_CHECKING:
    from sim.result import CheckResult, ClaimResult
    from workbench.timing import TimingReport, TimingRequest

@dataclass(frozen=True, slots=True)
class FixOverlay:
    """A proposed fix the Fixes mode asked to see: applied to both orders' checks until an
    input on screen changes."""

    name: str
    hooks: tuple[str, ...] = ()
    features: tuple[tuple[str, bool], ...] = ()
    toggles: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        parts = [f"hooks {', '.join(self.hooks)}"] if self.hooks else []
        parts += [f"{name}={'on' if on else 'off'}" for name, on in self.features]
        parts += [f"{name}={value}" for name, value in self.toggles]
        return f"fix {self.name} applied" + (f" ({'; '.join(parts)})" if parts else "")


class SimulatorScreen(Screen[None]):
    """The Simulator mode: is the swap safe (no-uaf), is it enough (se-ap-reset)?"""

    CSS_PATH = "simulator.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "facts", "Facts", id="sim.facts"),
        Binding("r", "run", "Run", id="sim.run", tooltip="model-check both call orders"),
        # shown in the status line while something runs (the footer keeps the modes at 80)
        Binding("z", "cancel", "Cancel", show=False, id="sim.cancel"),
        Binding("t", "toggles", "Toggles", id="sim.toggles",
                tooltip="the model's assumptions; enter cycles one"),
        Binding("i", "inspect", "Inspect", show=False, id="sim.inspect"),
        Binding("e", "features", "Era features", show=False, id="sim.features"),
        Binding("T", "timing", "Timing", id="sim.timing",
                tooltip="the AP hardware and the Ultravisor on a clock (layer 2)"),
        Binding("l", "link", "Link", show=False, id="sim.link",
                tooltip="the counterexample the timed run's reset outcomes cause"),
    ]

    _opening: tuple[str, str, int] | None = None
    """(order, claim id, step) that ``open_counterexample`` shows when its run finishes."""
    _fix: FixOverlay | None = None
    """The fix ``open_counterexample`` was asked to apply (until an input changes)."""

    def compose(self) -> ComposeResult:
        yield ProfilePicker(id="picker")
        yield Static("", id="sim-status")
        with Horizontal(id="upper"):
            with Vertical(id="toggle-box"):
                yield Static("Assumptions (enter cycles, t returns)", classes="title")
                yield ToggleList(id="toggles")
            yield ClaimTable(id="verdicts")
        with Horizontal(id="lower"):
            yield StepTable(id="trace-box")
            with VerticalScroll(id="inspector", can_maximize=True):
                yield StepInspector("", id="step-body")
        yield TimingPanel(id="timing")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._checked: tuple[ProfileRequest, dict[str, str]] | None = None
        self._timed: TimingReport | None = None
        self.action_run()

    def on_resize(self, event: events.Resize) -> None:
        """Narrow: the toggles and the step inspector give their place to the verdicts and
        the trace (``t`` and ``i`` call them in); narrow or short: a one-line picker."""
        narrow, short = apply_size_classes(self, event.size)
        self.query_one(ProfilePicker).compact = narrow or short

    @property
    def results(self) -> dict[str, CheckResult]:
        """The finished checks of this run, by call order."""
        return self.query_one(ClaimTable).results

    # -- running -----------------------------------------------------------------------------
    def _inputs(self) -> tuple[ProfileRequest, dict[str, str]] | None:
        request = self.query_one(ProfilePicker).request(quiet=True)
        return None if request is None else (request, dict(self.query_one(ToggleList).values))

    def action_run(self) -> None:
        request = self.query_one(ProfilePicker).request()
        if request is None:
            return
        toggles = dict(self.query_one(ToggleList).values)
        self._checked = (request, toggles)
        self.query_one(ClaimTable).start()
        steps = self.query_one(StepTable)
        steps.shown = None  # the old counterexample is not this run's
        steps.stale = False
        self.query_one(StepInspector).subject = None
        self.query_one("#sim-status", Static).update("checking both orders… (z cancels)")
        self.run_check(request, toggles, self._fix)

    @work(thread=True, exclusive=True, group="sim", exit_on_error=False,
          description="model checking both call orders")
    def run_check(self, request: ProfileRequest, toggles: dict[str, str],
                  fix: FixOverlay | None = None) -> None:
        import sim
        from sim.errors import CheckCancelled, SimError

        worker = get_current_worker()
        name, _, helper = request.userspace.partition("+")
        try:
            for order in ORDERS:
                profile = sim.build_profile(
                    request.arch, request.era, order=order, vcpus=request.vcpus,
                    queues=request.queues, toggles={**toggles, **dict(fix.toggles if fix else ())},
                    features=dict(fix.features) if fix else None, userspace=name,
                    async_teardown=helper == "async", hooks=fix.hooks if fix else ())
                result = sim.check(
                    profile,
                    progress=lambda n, order=order: self.post_message(StatesExplored(order, n)),
                    cancelled=lambda: worker.is_cancelled,
                )
                self.post_message(CheckFinished(order, result))
        except SimError as error:
            self.post_message(CheckFailed(str(error)))
        except CheckCancelled:
            self.post_message(CheckFailed("check cancelled"))

    @on(Select.Changed)
    @on(Input.Changed)
    @on(ToggleList.Changed)
    def _input_changed(self) -> None:
        """Verdicts of other inputs than those on screen say so, until re-run (or until the
        inputs are back to what was checked)."""
        if self._fix is not None:  # the fix was for the profile it came with
            self._fix = None
            self.notify("the fix from the Fixes mode no longer applies: r checks the kernel"
                        " as released", severity="information")
        if not self.results or self._checked is None:
            return
        stale = self._inputs() != self._checked
        self.query_one(ClaimTable).stale = stale
        self.query_one(StepTable).stale = stale

    def action_facts(self) -> None:
        """The facts the highlighted step (or the claim shown) rests on, in a viewer."""
        from workbench.dialogs.fact import FactScreen

        facts = self.query_one(StepInspector).facts
        if not facts:
            self.notify("select a claim, a step or a toggle first", severity="warning")
            return
        self.app.push_screen(FactScreen(facts))

    def action_features(self) -> None:
        """The era features of the checked profile: present or absent, each with its fact,
        release boundary and commit."""
        from workbench.dialogs.features import FeatureScreen

        results = self.results
        if not results:
            self.notify("no check has finished yet", severity="warning")
            return
        self.app.push_screen(FeatureScreen(next(iter(results.values())).profile))

    def action_cancel(self) -> None:
        for worker in self.workers:
            if worker.group in ("sim", "timing"):
                worker.cancel()

    @on(ProfilePicker.RunPressed, "#picker")
    def _run_pressed(self) -> None:
        self.action_run()

    def action_toggles(self) -> None:
        """Focus the assumptions; on a narrow screen show them in the verdicts' place (and
        ``t`` again gives the place back)."""
        if self.has_class("-narrow") and self.has_class("-toggles"):
            self.remove_class("-toggles")
            self.query_one("#claims").focus()
            return
        self.add_class("-toggles")
        self.query_one(ToggleList).focus()

    def action_inspect(self) -> None:
        """Focus the step inspector; on a narrow screen show it in the trace's place."""
        if self.has_class("-narrow") and self.has_class("-inspect"):
            self.remove_class("-inspect")
            self.query_one("#steps").focus()
            return
        self.add_class("-inspect")
        self.query_one("#inspector").focus()

    # -- the timing panel ------------------------------------------------------------------
    def action_timing(self) -> None:
        """Show the timing panel in the trace's place (``T`` again gives the place back); the
        first time it runs the timing model."""
        if self.has_class("-timing"):
            self.remove_class("-timing")
            self.query_one("#steps").focus()
            return
        self.add_class("-timing")
        self.query_one("#latency").focus()
        if self._timed is None and not any(w.group == "timing" for w in self.workers):
            self.action_time()

    @on(TimingPanel.RunPressed)
    def action_time(self) -> None:
        """Run the timing model for the profile on screen and the machine in the panel."""
        from sim.errors import SimError
        from workbench.timing import TimingRequest

        picker = self.query_one(ProfilePicker).request(quiet=True)
        panel = self.query_one(TimingPanel)
        name, _, helper = (picker.userspace if picker else "any").partition("+")
        try:
            request = TimingRequest(
                era=self.query_one(ProfilePicker).era, paths=(panel.path,), userspace=name,
                async_teardown=helper == "async", hw=panel.hardware(),
                toggles=tuple(sorted(self.query_one(ToggleList).values.items())),
                runs=panel.runs)
            request.profile("current")
        except SimError as error:
            self.post_message(TimingFailed(str(error)))
            return
        note = "" if picker is None or picker.arch == "s390" else \
            f" (the AP hardware is s390's: {picker.arch} is not timed)"
        panel.status(f"timing {request.hw.queues} queue(s), {request.hw.latency.spelling()},"
                     f" both orders… (z cancels){note}")
        panel.clear("timing…")
        self.run_timing(request)

    @work(thread=True, exclusive=True, group="timing", exit_on_error=False,
          description="timing the AP reset and the PV teardown")
    def run_timing(self, request: TimingRequest) -> None:
        from sim.errors import CheckCancelled, SimError
        from workbench.timing import run_timing

        worker = get_current_worker()
        try:
            self.post_message(TimingFinished(run_timing(
                request, cancelled=lambda: worker.is_cancelled)))
        except CheckCancelled:
            self.post_message(TimingFailed("timing cancelled"))
        except SimError as error:
            self.post_message(TimingFailed(str(error)))

    def on_timing_finished(self, message: TimingFinished) -> None:
        from sim.timing import render

        self._timed = message.report
        panel = self.query_one(TimingPanel)
        panel.show(message.report)
        first = message.report.runs[0]
        r = first.result
        claim = linked_claim(first)
        link = f"; l opens {claim}'s counterexample" if claim else ""
        panel.status(Text(
            f"{r.era} {r.userspace} {r.path}: {r.queues} queue(s), teardown "
            f"{'HANGS' if r.hung else render.fmt_ms(r.finished_us / 1000)};"
            f" reset outcomes {{{', '.join(first.classes)}}}{link}   T: the trace"))

    def on_timing_failed(self, message: TimingFailed) -> None:
        panel = self.query_one(TimingPanel)
        panel.status(Text(message.reason, style="bold red"))
        panel.clear("no result")
        self.notify(message.reason, markup=False, severity="error")

    def action_link(self) -> None:
        """The counterexample the timed run's reset outcomes give the model checker, in the
        trace (the panel gives the trace its place back)."""
        report = self._timed
        found = None
        for run in report.runs if report else ():
            claim_id = linked_claim(run)
            if claim_id is not None and run.layer1 is not None:
                found = (run, next(c for c in run.layer1.claims if c.id == claim_id))
                break
        if found is None:
            self.notify("no timed run whose reset outcomes make a claim fail: run the timing"
                        " model (T) with a slower latency or a fault", severity="warning")
            return
        run, claim = found
        assert report is not None
        self.remove_class("-timing")
        self.show_claim(run.result.order, claim)
        self.query_one("#sim-status", Static).update(Text(
            f"{claim.id} under {run.result.order} with the timing model's reset outcomes"
            f" {{{', '.join(run.classes)}}} ({report.request.hw.latency.spelling()}"
            f"{''.join(' ' + f.spelling() for f in report.request.hw.faults)}):"
            " the trace below"))
        self.query_one("#steps").focus()

    # -- facts arriving ----------------------------------------------------------------------
    def on_states_explored(self, message: StatesExplored) -> None:
        self.query_one(ClaimTable).explored(message.order, message.states)

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        """A check that died of an unexpected error ends like any failed check: it says so."""
        if event.worker.group == "sim" and event.state == WorkerState.ERROR:
            self.post_message(CheckFailed(f"the check failed: {event.worker.error}"))
        if event.worker.group == "timing" and event.state == WorkerState.ERROR:
            self.post_message(TimingFailed(f"the timing run failed: {event.worker.error}"))

    def on_check_failed(self, message: CheckFailed) -> None:
        self.query_one(ClaimTable).stop("cancelled" if "cancel" in message.reason
                                         else "no result")
        cancelled = "cancel" in message.reason
        self.query_one("#sim-status", Static).update(
            Text(message.reason, style="yellow" if cancelled else "bold red"))
        self.notify(message.reason, markup=False, severity="warning" if cancelled else "error")

    def on_check_finished(self, message: CheckFinished) -> None:
        from sim.eras import format_version

        claims = self.query_one(ClaimTable)
        claims.finished(message.result)
        results = self.results
        if len(results) == len(ORDERS):
            profile = message.result.profile
            differ = claims.differing()
            swap = (f"the swap changes {', '.join(differ)}" if differ
                    else "order-neutral: the swap changes no verdict")
            toggles = ", ".join(f"{k}={v}" for k, v in sorted(profile.toggle_values().items())
                                if v != "false")
            applied = f" — {self._fix.describe()}" if self._fix is not None else ""
            self.query_one("#sim-status", Static).update(Text(
                f"{profile.arch} {format_version(profile.era)} "
                f"{profile.userspace_label} V={profile.vcpus} Q={profile.queues} — {swap}"
                f"{applied}   toggles: {toggles}"))
            opening, self._opening = self._opening, None
            if opening is None or not self._open_step(*opening):
                self._show_first_failure(results)

    # -- opening a counterexample another mode asked for ------------------------------------
    async def open_counterexample(self, arch: str, era: str, userspace: str, order: str,
                                  claim: str, step: int, *, fix: FixOverlay | None = None
                                  ) -> None:
        """Check ``arch`` at ``era`` with ``userspace`` (the app routes a comment's or a fix's
        request here), with ``fix`` applied if given, and, when both orders are in, show
        ``claim`` under ``order`` at ``step``.

        The check uses the era table's features and the toggles on screen: a counterexample
        found on a tree whose features disagree with the table may not recur, and then the
        screen says so and shows its own first failure."""
        running = [w for w in self.workers if w.group == "sim"]
        for worker in running:
            worker.cancel()
        if running:  # let the cancelled run report itself before the new one starts
            with contextlib.suppress(WorkerCancelled):
                await self.app.workers.wait_for_complete(running)
            await asyncio.sleep(0)
        picker = self.query_one(ProfilePicker)
        with self.prevent(Select.Changed, Input.Changed):
            picker.query_one("#arch", Select).value = arch
            picker.query_one("#era", Input).value = era
            picker.query_one("#userspace", Select).value = userspace
        self._fix = fix
        self._opening = (order, claim, step)
        self.action_run()

    def _open_step(self, order: str, claim_id: str, step: int) -> bool:
        found = next((c for c in self.results[order].claims
                      if c.id == claim_id and c.verdict == "fails"), None) \
            if order in self.results else None
        if found is None:
            self.notify(f"{claim_id} does not fail under {order} here: the Simulator checks"
                        " the era table's features and the toggles on screen",
                        severity="warning", markup=False)
            return False
        self.show_claim(order, found)
        table = self.query_one("#steps")
        row = max(0, min(step, len(found.trace)) - 1)
        if isinstance(table, DataTable):
            table.move_cursor(row=row)
            table.focus()
        return True

    def _show_first_failure(self, results: dict[str, CheckResult]) -> None:
        """Open the failure with the shortest trace (the quickest to read), current first."""
        failures = [(len(claim.trace), index, order, claim)
                    for index, order in enumerate(ORDERS)
                    for claim in results[order].claims if claim.verdict == "fails"]
        if failures:
            _, _, order, claim = min(failures, key=lambda item: item[:2])
            self.show_claim(order, claim)
        elif results[ORDERS[0]].claims:  # nothing fails: why the first claim holds
            self.show_claim(ORDERS[0], results[ORDERS[0]].claims[0])

    def show_claim(self, order: str, claim: ClaimResult) -> None:
        """Show one claim's counterexample in the step table and its first step's state."""
        steps = self.query_one(StepTable)
        steps.shown = (order, claim)
        steps.stale = self.query_one(ClaimTable).stale
        inspector = self.query_one(StepInspector)
        inspector.breaks = steps.breaks if len(claim.trace) == 1 else ""
        inspector.subject = claim.trace[0] if claim.trace else claim

    @on(ClaimTable.Highlighted)
    def _claim_highlighted(self, message: ClaimTable.Highlighted) -> None:
        if message.control.has_focus_within:  # the user's choice, not the table filling
            self.show_claim(message.order, message.claim)

    @on(ToggleList.Highlighted)
    def _toggle_highlighted(self, message: ToggleList.Highlighted) -> None:
        from sim.toggles import TOGGLE_BY_NAME

        self.query_one(StepInspector).subject = (TOGGLE_BY_NAME[message.toggle], message.value)

    @on(StepTable.Highlighted, "#trace-box")
    def _step_highlighted(self, message: StepTable.Highlighted) -> None:
        inspector = self.query_one(StepInspector)
        last = message.step.index == len(message.control.trace)
        inspector.breaks = message.control.breaks if last else ""
        inspector.subject = message.step

    @on(StepTable.Opened, "#trace-box")
    def _step_opened(self, message: StepTable.Opened) -> None:
        """Ask the app for the history of the functions this step stands for, in the
        architecture of the check that found it (not whatever the picker says now)."""
        shown = message.control.shown
        result = self.results.get(shown[0]) if shown is not None else None
        arch = result.profile.arch_spec.kernel_dir if result is not None else None
        self.app.post_message(TraceRequested(message.step.event.calls, arch))
