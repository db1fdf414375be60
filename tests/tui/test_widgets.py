"""Each widget on its own, in a tiny app that hosts just that widget: state in, messages out."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.geometry import Offset
from textual.message import Message
from textual.selection import Selection
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input

from history.results import (
    Blame,
    BlameLine,
    Commit,
    CommitDetail,
    FunctionRange,
    FunctionTrace,
    Landmark,
    ResolvedLandmark,
    TraceEntry,
)
from workbench.widgets.blame_pane import BlamePane
from workbench.widgets.claim_table import ClaimTable
from workbench.widgets.commit_list import CommitList
from workbench.widgets.diff_view import DiffView
from workbench.widgets.landmark_list import LandmarkList
from workbench.widgets.log_status import LogStatus
from workbench.widgets.profile_picker import ProfilePicker, ProfileRequest
from workbench.widgets.step_inspector import StepInspector
from workbench.widgets.step_table import StepTable
from workbench.widgets.text_view import TextLines
from workbench.widgets.toggle_list import ToggleList
from workbench.widgets.trace_view import TraceView


class Host(App[None]):
    """Hosts one widget, focused, and nothing else."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def commit(n: int, subject: str = "") -> Commit:
    return Commit(f"{n:040x}", (), f"author{n}", "a@example.invalid",
                  f"2024-01-{n % 28 + 1:02}T00:00:00+00:00", subject or f"change {n}")


def sent(messages: list[Message], kind: type[Any]) -> list[Any]:
    return [m for m in messages if isinstance(m, kind)]


async def test_commit_list_moves_selects_and_searches() -> None:
    """j moves the cursor (Highlighted), enter selects, find wraps, a badge shows."""
    commits = CommitList(id="commits")
    messages: list[Message] = []
    async with Host(commits).run_test(size=(80, 10), message_hook=messages.append) as pilot:
        commits.append([commit(n, "kvm: fix" if n == 7 else "") for n in range(20)])
        commits.focus()
        await pilot.press("j", "enter")
        highlighted = sent(messages, CommitList.Highlighted)[-1]
        assert highlighted.control is commits and highlighted.index == 1
        assert sent(messages, CommitList.Selected)[-1].commit == commits.rows[1]
        assert commits.find("KVM:", 1) == 7 and commits.find("nothing", -1) is None
        commits.badges = {commits.rows[0].sha: "mark"}
        await pilot.pause()
        assert "[mark] change 0" in "".join(s.text for s in commits.render_line(0))


async def test_log_status_counts_then_says_when_the_log_is_complete() -> None:
    status = LogStatus("demo history", id="list-status")
    async with Host(status).run_test() as pilot:
        assert str(status.render()) == "loading…"
        status.loaded = 2500
        assert str(status.render()) == "demo history — 2,500 commits, loading…"
        status.streaming = False
        await pilot.pause()
        assert str(status.render()) == "demo history — 2,500 commits, all loaded"
        status.loaded = 0
        assert str(status.render()).endswith("0 commits, empty")


async def test_diff_view_draws_only_the_lines_on_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 5,000-line patch: coloured, drawn whole (the view scrolls sideways to its long
    lines), and only the visible lines rendered."""
    view = DiffView(id="detail")
    patch = "diff --git a/f b/f\n@@ -1 +1 @@\n" + "".join(f"+line {i} " + "x" * 200 + "\n"
                                                        for i in range(5000))
    detail = CommitDetail(commit(1, "kvm: big"), "body", (("Fact", "F1"),), ("f",), patch,
                          False)
    rendered: list[int] = []
    original = TextLines.render_line

    def counting(self: TextLines, y: int) -> Any:
        rendered.append(y)
        return original(self, y)

    monkeypatch.setattr(TextLines, "render_line", counting)
    messages: list[Message] = []
    async with Host(view).run_test(size=(60, 20), message_hook=messages.append) as pilot:
        view.detail = detail
        await pilot.pause()
        assert sent(messages, DiffView.Shown)[-1].control is view
        assert "    kvm: big" in view.plain and "+line 4999 " in view.plain
        assert 0 < len(set(rendered)) <= 20
        lines = view.query_one(TextLines)
        first = next(i for i, line in enumerate(lines.lines) if line.plain.startswith("+line 0"))
        drawn = "".join(s.text for s in lines.render_line(first)).rstrip()
        assert drawn.endswith("x" * 200) and view.max_scroll_x >= len(drawn) - 60


async def test_trace_view_shows_the_range_and_each_commit() -> None:
    view = TraceView(id="trace")
    where = FunctionRange("a" * 40, "virt/kvm/kvm_main.c", "kvm_destroy_vm", 6, 12)
    trace = FunctionTrace(where, (TraceEntry(commit(3, "kvm: reorder"), "@@ -6 +6 @@\n-a\n+b\n"),))
    messages: list[Message] = []
    app = Host(view)
    async with app.run_test(message_hook=messages.append) as pilot:
        view.trace = trace
        await pilot.pause()
        assert "kvm_destroy_vm() virt/kvm/kvm_main.c:6-12 at aaaaaaaaaaaa — 1 commits" in view.plain
        assert f"{commit(3).short} 2024-01-04 kvm: reorder" in view.plain
        assert sent(messages, TraceView.Shown)[-1].trace is trace
        lines = view.query_one(TextLines)
        app.screen.selections = {lines: Selection(Offset(0, 2), Offset(12, 2))}
        await pilot.pause()
        assert app.screen.get_selected_text() == commit(3).short  # mouse copy works
        view.show_failure(Text("trace failed: git was stopped"))
        assert view.plain == "trace failed: git was stopped"


def blame(rev: str, texts: list[str]) -> Blame:
    lines = tuple(BlameLine(i + 1, i + 1, f"{i:040x}", "a", "2020-01-01", "s", text, "f.c")
                  for i, text in enumerate(texts))
    return Blame(rev, "f.c", 1, len(texts), lines, "f")


async def test_blame_pane_walks_to_the_parent_and_back() -> None:
    pane = BlamePane(id="blame")
    head, parent = blame("b" * 40, ["one", "two"]), blame("c" * 40, ["one"])
    messages: list[Message] = []
    async with Host(pane).run_test(size=(100, 10), message_hook=messages.append) as pilot:
        pane.show(head)
        await pilot.pause()
        pane.table.move_cursor(row=1)
        assert pane.line is not None and pane.line.text == "two"
        pane.show(parent, parent_of=pane.line.sha)
        await pilot.pause()
        assert pane.blame is parent and sent(messages, BlamePane.Shown)[-1].parent_of
        assert "before 000000000000" in str(pane.query_one("#blame-title").render())
        assert pane.back() and pane.blame is head and not pane.back()


async def test_landmark_list_lists_absent_ones_disabled_and_reports_a_choice() -> None:
    marks = LandmarkList(id="landmark-list")
    found = ResolvedLandmark(Landmark("devices", "abc", "kvm: devices", "v3.10", "F1", ""),
                             "d" * 40, "2013-04-25")
    absent = ResolvedLandmark(Landmark("later", "def", "kvm: later", "v6.9", "F2", ""), None)
    messages: list[Message] = []
    async with Host(marks).run_test(message_hook=messages.append) as pilot:
        marks.landmarks = (found, absent)
        marks.focus()
        await pilot.pause()
        assert marks.option_count == 2 and marks.get_option_at_index(1).disabled
        marks.highlighted = 0
        await pilot.press("enter")
        assert sent(messages, LandmarkList.Chosen)[-1].landmark is found


async def test_profile_picker_reads_its_fields_and_asks_to_run() -> None:
    picker = ProfilePicker(id="picker")
    messages: list[Message] = []
    async with Host(picker).run_test(size=(132, 5), message_hook=messages.append) as pilot:
        assert picker.request() == ProfileRequest("s390", "6.12", "any", 2, 4)
        picker.query_one("#era", Input).focus()
        await pilot.press("enter")
        assert sent(messages, ProfilePicker.RunPressed)[-1].control is picker
        picker.query_one("#vcpus", Input).value = ""
        assert picker.request() is None  # and a notification says why


async def test_toggle_list_cycles_a_value() -> None:
    toggles = ToggleList(id="toggles")
    messages: list[Message] = []
    async with Host(toggles).run_test(message_hook=messages.append) as pilot:
        toggles.focus()
        first = next(iter(toggles.values))
        before = toggles.values[first]
        await pilot.press("enter")
        changed = sent(messages, ToggleList.Changed)[-1]
        assert changed.toggle == first and changed.value != before
        assert toggles.values[first] == changed.value
        assert str(toggles.get_option_at_index(0).prompt) == f"{first} = {changed.value}"


@pytest.fixture(scope="module")
def s390_result() -> Any:
    import sim

    return sim.check(sim.build_profile("s390", "6.12", order="current"))


async def test_claim_table_titles_progress_then_lists_verdicts(s390_result: Any) -> None:
    """One row per claim with both orders' verdicts and the CLI's why; the cursor's column
    picks the order, and a stale table says so in its title."""
    import sim
    from sim.render import why_text

    swapped = sim.check(sim.build_profile("s390", "6.12", order="reversed"))
    claims = ClaimTable(id="verdicts")
    messages: list[Message] = []
    async with Host(claims).run_test(size=(160, 30), message_hook=messages.append) as pilot:
        claims.start()
        claims.explored("current", 1234)
        title = claims.query_one("#claims-title")
        assert "current: 1,234 states…" in str(title.render())
        assert "reversed: checking…" in str(title.render())
        claims.finished(s390_result)
        claims.finished(swapped)
        table = claims.query_one(DataTable)
        table.focus()
        await pilot.pause()
        assert table.row_count == len(s390_result.claims)
        assert "depth" in str(title.render())
        no_leak = next(i for i, c in enumerate(s390_result.claims) if c.id == "no-leak")
        row = [str(cell) for cell in table.get_row_at(no_leak)]
        assert row[:3] == ["no-leak", "FAILS", "FAILS"]
        assert row[3] == why_text(s390_result.claims[no_leak])
        table.move_cursor(row=1, column=2)
        await pilot.pause()
        last = sent(messages, ClaimTable.Highlighted)[-1]
        assert (last.order, last.claim) == ("reversed", swapped.claims[1])
        claims.stale = True
        await pilot.pause()
        assert "stale: inputs changed, r re-runs" in str(title.render())
        claims.stop("cancelled")
        assert "cancelled" not in str(title.render())  # both orders had finished


async def test_step_table_and_inspector_follow_a_counterexample(s390_result: Any) -> None:
    failing = next(c for c in s390_result.claims if c.verdict == "fails")
    steps, inspector = StepTable(id="trace-box"), StepInspector(id="step-body")

    class Pair(App[None]):
        def compose(self) -> ComposeResult:
            yield steps
            yield inspector

    messages: list[Message] = []
    async with Pair().run_test(size=(120, 40), message_hook=messages.append) as pilot:
        steps.shown = ("current", failing)
        table = steps.query_one(DataTable)
        table.focus()
        await pilot.pause()
        assert table.row_count == len(failing.trace)
        await pilot.press("down", "enter")
        assert sent(messages, StepTable.Highlighted)[-1].step == failing.trace[1]
        assert sent(messages, StepTable.Opened)[-1].step == failing.trace[1]
        inspector.subject = failing.trace[1]
        assert failing.trace[1].event.name in str(inspector.render())
        holds = next(c for c in s390_result.claims if c.verdict == "holds")
        inspector.subject = holds
        assert holds.title in str(inspector.render())


class FooterHost(App[None]):
    """A footer under a key whose enabled state the test flips, and two focusable buttons."""

    BINDINGS: ClassVar[list[BindingType]] = [("x", "flip", "Flip")]
    enabled = True

    def compose(self) -> ComposeResult:
        from workbench.widgets.key_footer import KeyFooter

        yield Button("a", id="a")
        yield Button("b", id="b")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return True if action != "flip" or self.enabled else None

    def action_flip(self) -> None:
        pass


async def test_key_footer_repaints_only_when_its_keys_change() -> None:
    from workbench.widgets.key_footer import KeyFooter

    app = FooterHost()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeyFooter)
        renders = 0
        original = footer.render

        def counted() -> Text:
            nonlocal renders
            renders += 1
            return original()

        footer.render = counted  # type: ignore[method-assign]  # counting the repaints
        flip = next(k for k in footer.keys if k.action == "flip")
        assert (flip.display, flip.description, flip.enabled) == ("x", "Flip", True)
        assert [k.description for k in footer.keys] == ["Flip", "palette"]
        line = str(original())
        assert line.startswith(" x Flip ") and line.endswith("▏^p palette ")
        assert len(line) == footer.size.width
        for target in ("#b", "#a", "#b"):  # focus moves: same keys, no repaint
            app.query_one(target).focus()
            await pilot.pause()
        assert renders == 0
        app.enabled = False
        app.refresh_bindings()
        await pilot.pause()
        assert renders == 1
        flip = next(k for k in footer.keys if k.action == "flip")
        assert not flip.enabled
        assert original().spans[0].style.dim  # type: ignore[union-attr]  # a Style here


async def test_key_footer_click_presses_the_key() -> None:
    from workbench.widgets.key_footer import KeyFooter

    app = FooterHost()
    pressed: list[str] = []
    app.action_flip = lambda: pressed.append("flip")  # type: ignore[method-assign]
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        await pilot.click(KeyFooter, offset=(2, 0))  # " x Flip "
        await pilot.pause()
        assert pressed == ["flip"]
        footer = app.query_one(KeyFooter)
        await pilot.hover(KeyFooter, offset=(4, 0))
        await pilot.pause()
        assert footer.tooltip is None  # Flip has no tooltip
        palette = footer.keys[-1]
        await pilot.hover(KeyFooter, offset=(footer.size.width - 4, 0))
        await pilot.pause()
        assert palette.tooltip and footer.tooltip == palette.tooltip


def test_footer_keys_give_way_in_order_on_a_narrow_terminal() -> None:
    from workbench.widgets.key_footer import FooterEntry, entry_width, fit

    def key(display: str, description: str, action: str = "", enabled: bool = True
            ) -> FooterEntry:
        return FooterEntry(display, display, description, action or display, enabled, "")

    keys = (key("t", "Trace"), key("^q", "Quit", "quit"), key("h", "History", enabled=False),
            key("?", "Help"))
    wide = sum(entry_width(k) for k in keys)
    assert fit(keys, wide) == (keys, False)
    assert fit(keys, wide - 1) == ((keys[0], keys[1], keys[3]), False)  # the disabled first
    without_quit = (keys[0], keys[3])
    assert fit(keys, sum(entry_width(k) for k in without_quit)) == (without_quit, False)
    assert fit(keys, sum(entry_width(k) for k in without_quit) - 1) == (without_quit, True)


@pytest.mark.parametrize("mode", ["", "s", "c", "R"])
async def test_at_80_columns_no_mode_key_or_help_is_cut(mode: str) -> None:
    from workbench.app import make_app
    from workbench.scenes import settle
    from workbench.widgets.key_footer import KeyFooter

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if mode:
            await pilot.press(mode)
            await settle(pilot)
        line = str(app.screen.query_one(KeyFooter).render())
        assert "? Help" in line and line.rstrip().endswith("^p"), line
        for other in ("h History", "s Simulator", "c Comments", "R Report"):
            if other[0] != (mode or "h"):
                assert other in line, line
