"""Provides the Simulator screen: pick a profile, check both call orders, step through traces.

The screen computes nothing: a thread worker calls ``sim.build_profile`` and ``sim.check`` (the
same calls as ``kvm-workbench sim``) and posts the ``CheckResult`` objects; the widgets show
them. Each counterexample step names the kernel function and fact it stands for; ``enter`` on
a step opens that function's ``git log -L`` history in the History mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from sim.defaults import DEFAULT_QUEUES, DEFAULT_VCPUS
from workbench.messages import CheckFailed, CheckFinished, StatesExplored

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from sim.result import CheckResult, ClaimResult, TraceStep

ORDERS = ("current", "reversed")
VERDICT_STYLE = {"holds": "green", "fails": "bold red", "unknown": "yellow"}


def verdict_text(claim: ClaimResult) -> Text:
    from sim.render import verdict_text as label

    return Text(label(claim), style=VERDICT_STYLE.get(claim.verdict, ""))


def userspace_choices() -> list[tuple[str, str]]:
    """The userspace picker: every profile, with and without QEMU's async-teardown helper."""
    from sim.userspace import USERSPACE_NAMES

    return [(label, label) for name in USERSPACE_NAMES for label in (name, f"{name}+async")]


def step_text(step: TraceStep) -> Text:
    """The state inspector: what the step stands for and what it changed."""
    from sim.facts import fact

    event = step.event
    about = fact(event.fact)
    text = Text()
    text.append(f"{step.index}. {event.name}\n", style="bold")
    text.append(f"   {event.function}()  {about.file}\n", style="cyan")
    text.append(f"   {event.fact}: {about.title}")
    text.append(f"  [{about.version}{' ' + about.commit[:12] if about.commit else ''}]\n",
                style="dim")
    if event.detail:
        text.append(f"   {event.detail}\n", style="italic")
    for warn in event.warns:
        text.append(f"   WARN: {warn}\n", style="bold yellow")
    if event.frees:
        text.append(f"   frees: {', '.join(sorted(event.frees))}\n", style="red")
    if event.accesses:
        text.append(f"   touches: {', '.join(sorted(event.accesses))}\n")
    text.append("\n")
    for change in step.changes:
        text.append(f"   {change.field}: ", style="bold")
        if change.delta:
            text.append(change.delta + "\n", style="yellow")
        else:
            text.append(f"{change.before} → {change.after}\n")
    return text


def why_text(claim: ClaimResult) -> Text:
    """The inspector for a claim that holds: why (the guards), or why it is vacuous."""
    from sim.render import render_why

    text = Text(f"{claim.title}\n\n", style="green")
    text.append("\n".join(render_why(claim)))
    return text


class SimulatorScreen(Screen[None]):
    """The Simulator mode: is the swap safe (no-uaf), is it enough (se-ap-reset)?"""

    CSS_PATH = "simulator.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run both orders", id="sim.run"),
        Binding("z", "cancel", "Cancel", id="sim.cancel"),
        Binding("t", "focus_toggles", "Toggles", show=False, id="sim.toggles"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: dict[str, CheckResult] = {}
        self.toggle_values: dict[str, str] = {}
        self._trace: tuple[TraceStep, ...] = ()

    def compose(self) -> ComposeResult:
        from sim.arches import ARCHES
        from sim.toggles import TOGGLES

        self.toggle_values = {t.name: t.default for t in TOGGLES}
        with Horizontal(id="picker"):
            yield Label("arch")
            yield Select([(name, name) for name in ARCHES], value="s390", allow_blank=False,
                         id="arch")
            yield Label("era")
            yield Input("6.12", id="era", restrict=r"[0-9.]*", max_length=5)
            yield Label("userspace")
            yield Select(userspace_choices(), value="any", allow_blank=False, id="userspace")
            yield Label("vCPUs")
            yield Input(str(DEFAULT_VCPUS), id="vcpus", type="integer", max_length=3)
            yield Label("queues")
            yield Input(str(DEFAULT_QUEUES), id="queues", type="integer", max_length=5)
            yield Button("Run (r)", id="run", variant="primary")
        yield Static("", id="sim-status")
        with Horizontal(id="upper"):
            with Vertical(id="toggle-box"):
                yield Static("Assumptions (enter cycles)", classes="title")
                yield OptionList(*self._toggle_options(), id="toggles")
            for order in ORDERS:
                with Vertical(classes="order"):
                    yield Static(order, id=f"title-{order}", classes="title")
                    table: DataTable[object] = DataTable(id=f"claims-{order}",
                                                         cursor_type="row")
                    table.add_columns("claim", "verdict")
                    yield table
        with Horizontal(id="lower"):
            with Vertical(id="trace-box"):
                yield Static("Counterexample — select a failing claim", id="trace-title",
                             classes="title")
                steps: DataTable[object] = DataTable(id="steps", cursor_type="row")
                steps.add_columns("#", "event", "function", "fact")
                yield steps
            with VerticalScroll(id="inspector"):
                yield Static("", id="step-body")
        yield Footer()

    def _toggle_options(self) -> list[Option]:
        from sim.toggles import TOGGLES

        return [Option(f"{t.name} = {self.toggle_values[t.name]}", id=t.name) for t in TOGGLES]

    def on_mount(self) -> None:
        self.action_run()

    # -- running -----------------------------------------------------------------------------
    def _request(self) -> tuple[str, str, str, int, int] | None:
        arch = str(self.query_one("#arch", Select).value)
        era = self.query_one("#era", Input).value.strip()
        userspace = str(self.query_one("#userspace", Select).value)
        try:
            vcpus = int(self.query_one("#vcpus", Input).value)
            queues = int(self.query_one("#queues", Input).value)
        except ValueError:
            self.notify("vCPUs and queues must be numbers", severity="error")
            return None
        return arch, era, userspace, vcpus, queues

    def action_run(self) -> None:
        request = self._request()
        if request is None:
            return
        self.results.clear()
        for order in ORDERS:
            self.query_one(f"#claims-{order}", DataTable).clear()
            self.query_one(f"#title-{order}", Static).update(f"{order}: checking…")
        self.query_one("#sim-status", Static).update("checking both orders…")
        self.run_check(*request, dict(self.toggle_values))

    @work(thread=True, exclusive=True, group="sim", exit_on_error=False,
          description="model checking both call orders")
    def run_check(self, arch: str, era: str, userspace: str, vcpus: int, queues: int,
                  toggles: dict[str, str]) -> None:
        import sim
        from sim.errors import CheckCancelled, SimError

        worker = get_current_worker()
        name, _, helper = userspace.partition("+")
        try:
            for order in ORDERS:
                profile = sim.build_profile(arch, era, order=order, vcpus=vcpus, queues=queues,
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

    def action_cancel(self) -> None:
        for worker in self.workers:
            if worker.group == "sim":
                worker.cancel()

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_run()

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self.action_run()

    @on(OptionList.OptionSelected, "#toggles")
    def _toggle_cycled(self, message: OptionList.OptionSelected) -> None:
        from sim.toggles import TOGGLE_BY_NAME

        name = message.option.id
        if name is None:
            return
        values = TOGGLE_BY_NAME[name].values
        current = self.toggle_values[name]
        self.toggle_values[name] = values[(values.index(current) + 1) % len(values)]
        options = self.query_one("#toggles", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(self._toggle_options())
        options.highlighted = highlighted

    def action_focus_toggles(self) -> None:
        self.query_one("#toggles", OptionList).focus()

    # -- facts arriving ----------------------------------------------------------------------
    def on_states_explored(self, message: StatesExplored) -> None:
        self.query_one(f"#title-{message.order}", Static).update(
            f"{message.order}: {message.states:,} states…")

    def on_check_failed(self, message: CheckFailed) -> None:
        self.query_one("#sim-status", Static).update(Text(message.reason))
        severity: SeverityLevel = "warning" if "cancel" in message.reason else "error"
        self.notify(message.reason, markup=False, severity=severity)

    def on_check_finished(self, message: CheckFinished) -> None:
        result = message.result
        self.results[message.order] = result
        stats = result.stats
        self.query_one(f"#title-{message.order}", Static).update(
            f"{message.order}: {stats.states:,} states, {stats.transitions:,} transitions, "
            f"depth {stats.depth}")
        table = self.query_one(f"#claims-{message.order}", DataTable)
        table.clear()
        for claim in result.claims:
            table.add_row(claim.id, verdict_text(claim), key=claim.id)
        if len(self.results) == len(ORDERS):
            profile = result.profile
            toggles = ", ".join(f"{k}={v}" for k, v in sorted(profile.toggle_values().items())
                                if v != "false")
            self.query_one("#sim-status", Static).update(
                f"{profile.arch} {self.query_one('#era', Input).value} "
                f"{profile.userspace_label} V={profile.vcpus} Q={profile.queues}"
                f"   toggles: {toggles}")
            self._show_first_failure()

    def _show_first_failure(self) -> None:
        """Open the failure with the shortest trace (the quickest to read), current first."""
        failures = [(len(claim.trace), index, order, claim)
                    for index, order in enumerate(ORDERS)
                    for claim in self.results[order].claims if claim.verdict == "fails"]
        if failures:
            _, _, order, claim = min(failures, key=lambda item: item[:2])
            self.show_trace(order, claim)
        elif self.results[ORDERS[0]].claims:  # nothing fails: why the first claim holds
            self.show_trace(ORDERS[0], self.results[ORDERS[0]].claims[0])

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        table_id = message.data_table.id or ""
        if table_id == "steps":
            if 0 <= message.cursor_row < len(self._trace):
                self.query_one("#step-body", Static).update(
                    step_text(self._trace[message.cursor_row]))
            return
        order = table_id.removeprefix("claims-")
        key = message.row_key.value
        if message.data_table.has_focus and order in self.results and key is not None:
            self.show_trace(order, self.results[order].claim(str(key)))

    def show_trace(self, order: str, claim: ClaimResult) -> None:
        """Show one claim's counterexample in the trace table and its first step's state."""
        self._trace = claim.trace
        steps_note = f", {len(claim.trace)} steps" if claim.trace else ""
        self.query_one("#trace-title", Static).update(
            f"{claim.id} under {order}: {claim.verdict}{steps_note}"
            f"   assumes: {', '.join(claim.assumes) or 'nothing'}")
        steps = self.query_one("#steps", DataTable)
        steps.clear()
        for step in claim.trace:
            steps.add_row(str(step.index), step.event.name, step.event.function,
                          step.event.fact)
        body = self.query_one("#step-body", Static)
        body.update(step_text(claim.trace[0]) if claim.trace else why_text(claim))

    @on(DataTable.RowSelected, "#steps")
    async def _step_selected(self, message: DataTable.RowSelected) -> None:
        """Open the history of the function this step stands for."""
        from sim.facts import fact

        if not 0 <= message.cursor_row < len(self._trace):
            return
        event = self._trace[message.cursor_row].event
        path = fact(event.fact).file
        await self.app.switch_mode("history")
        from workbench.screens.history import HistoryScreen

        screen = self.app.screen
        if isinstance(screen, HistoryScreen):
            await screen.show_trace(path, event.function)
