"""Provides ``TimingPanel``: the timing model (layer 2) in the Simulator screen.

One line of pickers — reset latency, a fault, adapters × domains, the teardown path, the
Monte-Carlo runs — and, per call order, the run's teardown: duration, queue outcomes, the
Destroy Secure Configuration calls, the phases on a time axis, the first violating queue's
events, the kernel log, and the verdicts of the model checker given this run's reset outcomes.
The words are ``sim.timing.render``'s, the same the ``timing`` command prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from workbench.widgets.profile_picker import NumberInput
from workbench.widgets.text_view import TextView

if TYPE_CHECKING:
    from sim.timing.spec import Hardware
    from workbench.timing import TimingReport, TimingRun

LATENCIES = ("fixed:0", "fixed:5", "fixed:30", "fixed:100", "lognormal:2.3,1.0",
             "lognormal:3.0,1.0", "worst")
FAULTS = ("no fault", "stuck:00.0000", "stuck:1%", "deconfig:00@10", "checkstop:00@10",
          "gone:00@10", "assoc-fail:00.0000", "busy:00.0000@30")
#: A line holding the first of these words gets its colour (the first match wins).
_LINE_STYLES = (("HANGS", "bold red"), ("LEAK", "bold red"), ("→ WARN", "red"),
                ("WARNING:", "red"), ("FAILS", "red"), ("REFUSED", "yellow"),
                ("first violating", "bold"), ("── ", "bold"))


class TimingPanel(Vertical):
    """Pickers and the per-order results of the timing model."""

    class RunPressed(Message):
        """Time was pressed (or enter in a number box)."""

    def compose(self) -> ComposeResult:
        from sim.timing.spec import DEFAULT_LATENCY

        with Horizontal(id="timing-picker"):
            yield Label("latency", classes="wide")
            yield Select([(v, v) for v in LATENCIES], value=DEFAULT_LATENCY, allow_blank=False,
                         id="latency", compact=True)
            yield Label("fault", classes="wide")
            yield Select([(v, v) for v in FAULTS], value="no fault", allow_blank=False,
                         id="fault", compact=True)
            yield Label("A")
            yield NumberInput("1", id="adapters", max_length=3, compact=True)
            yield Label("D")
            yield NumberInput("4", id="domains", max_length=3, compact=True)
            yield Select([("exit", "exit"), ("reboot", "reboot")], value="exit",
                         allow_blank=False, id="path", compact=True)
            yield Label("N")
            yield NumberInput("0", id="runs", max_length=5, compact=True)
            yield Button("Time", id="time", variant="primary", compact=True)
        yield Static("T shows the trace again · l opens the counterexample a queue causes",
                     id="timing-status")
        with Horizontal(id="timing-orders"):
            yield TextView(id="timing-current")
            yield TextView(id="timing-reversed")

    def hardware(self) -> Hardware:
        """The machine picked (SimError on a size out of range)."""
        from sim.errors import SimError
        from sim.timing.spec import Hardware, parse_fault, parse_latency

        try:
            adapters = int(self.query_one("#adapters", Input).value)
            domains = int(self.query_one("#domains", Input).value)
        except ValueError:
            raise SimError("adapters and domains must be numbers") from None
        fault = str(self.query_one("#fault", Select).value)
        return Hardware(adapters=adapters, domains=domains,
                        latency=parse_latency(str(self.query_one("#latency", Select).value)),
                        faults=() if fault == "no fault" else (parse_fault(fault),))

    @property
    def path(self) -> str:
        return str(self.query_one("#path", Select).value)

    @property
    def runs(self) -> int:
        try:
            return min(100_000, int(self.query_one("#runs", Input).value or "0"))
        except ValueError:
            return 0

    def status(self, text: Text | str) -> None:
        self.query_one("#timing-status", Static).update(text)

    def show(self, report: TimingReport) -> None:
        """Each order's run in its column."""
        for run in report.runs:
            self.query_one(f"#timing-{run.result.order}", TextView).text = run_text(run)

    def clear(self, note: str) -> None:
        for view in self.query(TextView):
            view.text = Text(note, style="dim")

    @on(Button.Pressed, "#time")
    @on(Input.Submitted)
    def _time(self, message: Message) -> None:
        message.stop()
        self.post_message(self.RunPressed())


def run_text(run: TimingRun) -> Text:
    """One order's run as styled text (the ``timing`` command's words)."""
    lines = [f"── {run.result.order} ──", *run.text_lines(narrow=True)]
    text = Text()
    for index, line in enumerate(lines):
        style = next((style for word, style in _LINE_STYLES if word in line), "")
        text.append(("\n" if index else "") + line, style=style)
    return text


def linked_claim(run: TimingRun) -> str | None:
    """The linked claim whose counterexample the run's first violation leads to: a hang to
    no-hang, a refusal that leaked to no-leak, a WARN to no-warn; else the first that fails."""
    if run.layer1 is None:
        return None
    failing = [c.id for c in run.layer1.claims if c.verdict == "fails"]
    if not failing:
        return None
    r = run.result
    if r.flags.get("hung"):
        wanted = ["no-hang"]
    elif r.flags.get("leak"):
        wanted = ["no-leak", "no-warn"]
    else:
        wanted = ["no-warn", "no-leak", "se-ap-reset"]
    return next((c for c in wanted if c in failing), failing[0])
