"""Provides the Simulator screen: pick a profile, check both call orders, step through traces.

The screen computes nothing: a thread worker calls ``sim.build_profile`` and ``sim.check`` (the
same calls as ``kvm-workbench sim``) and posts the ``CheckResult`` objects; the widgets show
them. Each counterexample step names the kernel function and fact it stands for; ``enter`` on
a step asks the app (``TraceRequested``) to open that function's ``git log -L`` history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from workbench.messages import CheckFailed, CheckFinished, StatesExplored, TraceRequested
from workbench.widgets.claim_table import ClaimTable
from workbench.widgets.key_footer import KeyFooter
from workbench.widgets.profile_picker import ProfilePicker, ProfileRequest
from workbench.widgets.step_inspector import StepInspector
from workbench.widgets.step_table import StepTable
from workbench.widgets.toggle_list import ToggleList

if TYPE_CHECKING:
    from sim.result import CheckResult, ClaimResult

ORDERS = ("current", "reversed")


class SimulatorScreen(Screen[None]):
    """The Simulator mode: is the swap safe (no-uaf), is it enough (se-ap-reset)?"""

    CSS_PATH = "simulator.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "facts", "Facts", id="sim.facts"),
        Binding("r", "run", "Run both orders", id="sim.run"),
        Binding("z", "cancel", "Cancel", id="sim.cancel"),
        Binding("t", "focus_toggles", "Toggles", show=False, id="sim.toggles"),
    ]

    def compose(self) -> ComposeResult:
        yield ProfilePicker(id="picker")
        yield Static("", id="sim-status")
        with Horizontal(id="upper"):
            with Vertical(id="toggle-box"):
                yield Static("Assumptions (enter cycles)", classes="title")
                yield ToggleList(id="toggles")
            for order in ORDERS:
                yield ClaimTable(order)
        with Horizontal(id="lower"):
            yield StepTable(id="trace-box")
            with VerticalScroll(id="inspector"):
                yield StepInspector("", id="step-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_run()

    @property
    def results(self) -> dict[str, CheckResult]:
        """The finished checks of this run, by call order."""
        return {table.order: table.result for table in self.query(ClaimTable)
                if table.result is not None}

    def _claims(self, order: str) -> ClaimTable:
        return next(table for table in self.query(ClaimTable) if table.order == order)

    # -- running -----------------------------------------------------------------------------
    def action_run(self) -> None:
        request = self.query_one(ProfilePicker).request()
        if request is None:
            return
        for table in self.query(ClaimTable):
            table.start()
        self.query_one(StepTable).shown = None  # the old counterexample is not this run's
        self.query_one(StepInspector).subject = None
        self.query_one("#sim-status", Static).update("checking both orders…")
        self.run_check(request, dict(self.query_one(ToggleList).values))

    @work(thread=True, exclusive=True, group="sim", exit_on_error=False,
          description="model checking both call orders")
    def run_check(self, request: ProfileRequest, toggles: dict[str, str]) -> None:
        import sim
        from sim.errors import CheckCancelled, SimError

        worker = get_current_worker()
        name, _, helper = request.userspace.partition("+")
        try:
            for order in ORDERS:
                profile = sim.build_profile(request.arch, request.era, order=order,
                                            vcpus=request.vcpus, queues=request.queues,
                                            toggles=toggles, userspace=name,
                                            async_teardown=helper == "async")
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

    def action_facts(self) -> None:
        """The facts the highlighted step (or the claim shown) rests on, in a viewer."""
        from sim.result import ClaimResult
        from workbench.dialogs.fact import FactScreen

        subject = self.query_one(StepInspector).subject
        if subject is None:
            self.notify("select a claim or a step first", severity="warning")
            return
        facts = subject.facts if isinstance(subject, ClaimResult) else (subject.event.fact,)
        self.app.push_screen(FactScreen(facts))

    def action_cancel(self) -> None:
        for worker in self.workers:
            if worker.group == "sim":
                worker.cancel()

    @on(ProfilePicker.RunPressed, "#picker")
    def _run_pressed(self) -> None:
        self.action_run()

    def action_focus_toggles(self) -> None:
        self.query_one(ToggleList).focus()

    # -- facts arriving ----------------------------------------------------------------------
    def on_states_explored(self, message: StatesExplored) -> None:
        self._claims(message.order).explored = message.states

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        """A check that died of an unexpected error ends like any failed check: it says so."""
        if event.worker.group == "sim" and event.state == WorkerState.ERROR:
            self.post_message(CheckFailed(f"the check failed: {event.worker.error}"))

    def on_check_failed(self, message: CheckFailed) -> None:
        for table in self.query(ClaimTable):
            table.stop("cancelled" if "cancel" in message.reason else "no result")
        self.query_one("#sim-status", Static).update(Text(message.reason))
        self.notify(message.reason, markup=False,
                    severity="warning" if "cancel" in message.reason else "error")

    def on_check_finished(self, message: CheckFinished) -> None:
        from sim.eras import format_version

        self._claims(message.order).result = message.result
        results = self.results
        if len(results) == len(ORDERS):
            profile = message.result.profile
            toggles = ", ".join(f"{k}={v}" for k, v in sorted(profile.toggle_values().items())
                                if v != "false")
            self.query_one("#sim-status", Static).update(
                f"{profile.arch} {format_version(profile.era)} "
                f"{profile.userspace_label} V={profile.vcpus} Q={profile.queues}"
                f"   toggles: {toggles}")
            self._show_first_failure(results)

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
        self.query_one(StepTable).shown = (order, claim)
        self.query_one(StepInspector).subject = claim.trace[0] if claim.trace else claim

    @on(ClaimTable.Highlighted)
    def _claim_highlighted(self, message: ClaimTable.Highlighted) -> None:
        if message.control.has_focus_within:  # the user's choice, not the table filling
            self.show_claim(message.control.order, message.claim)

    @on(StepTable.Highlighted, "#trace-box")
    def _step_highlighted(self, message: StepTable.Highlighted) -> None:
        self.query_one(StepInspector).subject = message.step

    @on(StepTable.Opened, "#trace-box")
    def _step_opened(self, message: StepTable.Opened) -> None:
        """Ask the app for the history of the functions this step stands for, in the
        architecture of the check that found it (not whatever the picker says now)."""
        shown = message.control.shown
        result = self.results.get(shown[0]) if shown is not None else None
        arch = result.profile.arch_spec.kernel_dir if result is not None else None
        self.app.post_message(TraceRequested(message.step.event.calls, arch))
