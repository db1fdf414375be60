"""Pilot tests of the Fixes mode: the ranking the CLI prints, a fix's matrix, a cell's trace
opened in the Simulator with the fix applied (or kept here when the Simulator cannot show the
fix's step list), and cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from workbench.app import make_app
from workbench.scenes import settle
from workbench.screens.fixes import FixesScreen
from workbench.widgets.text_view import TextView


async def test_fixes_mode_ranks_opens_a_matrix_and_a_trace_in_the_simulator() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FixesScreen) and screen.report is not None
        names = [r.fix.name for r in screen.report.results]
        assert names[0] == "vfio-ap-pv-teardown" and names[-1] == "rfc-swap"
        status = str(screen.query_one("#fixes-status", Static).render())
        assert status.startswith("complete: vfio-ap-pv-teardown")
        assert "Complete:" in screen.query_one("#fixes-why", TextView).plain
        table = screen.query_one("#fixes-list", DataTable)
        table.move_cursor(row=len(names) - 1)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.shown is not None and screen.shown.fix.name == "rfc-swap"
        first = screen.cells[0]
        assert first.status == "regression" and first.arch == "powerpc-e500"
        assert "mpic_destroy" in screen.query_one("#fixes-trace", TextView).plain
        await pilot.press("enter")  # the regression's trace, in the Simulator (reversed)
        await settle(pilot)
        assert app.current_mode == "simulator"


async def test_a_hook_fix_opens_in_the_simulator_with_its_hooks() -> None:
    from workbench.screens.simulator import SimulatorScreen
    from workbench.widgets.step_table import StepTable

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FixesScreen) and screen.report is not None
        row = next(r.rank for r in screen.report.results if r.fix.name == "rosato-notifier")
        screen.query_one("#fixes-list", DataTable).move_cursor(row=row - 1)
        await pilot.press("enter")
        await settle(pilot)
        cells = screen.query_one("#fixes-cells", DataTable)
        failing = next(i for i, c in enumerate(screen.cells) if c.verdict == "fails")
        cell = screen.cells[failing]
        cells.move_cursor(row=failing)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "simulator"
        sim = app.screen
        assert isinstance(sim, SimulatorScreen)
        profile = sim.results["current"].profile
        assert profile.hooks == ("vfio-notify-at-vm-release",)
        shown = sim.query_one(StepTable).shown
        assert shown is not None and shown[1].id == cell.claim and shown[1].verdict == "fails"
        assert "fix rosato-notifier applied" in str(sim.query_one("#sim-status", Static).render())
        # any input changed: the fix no longer applies, the next run is the kernel's own
        era = sim.query_one("#era", Input)
        era.value = "6.11" if era.value != "6.11" else "6.10"
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert sim.results["current"].profile.hooks == ()


def test_a_step_list_the_simulator_cannot_show_stays_on_the_fixes_screen() -> None:
    from types import SimpleNamespace

    from sim.fixes import CURRENT, SWAPPED
    from workbench.screens.fixes import simulator_order

    other = (*CURRENT[:2], CURRENT[3], CURRENT[2], *CURRENT[4:])
    assert other not in (CURRENT, SWAPPED)
    cell = SimpleNamespace()
    assert simulator_order(SimpleNamespace(fix=SimpleNamespace(steps=other)), cell) is None  # type: ignore[arg-type]
    assert simulator_order(SimpleNamespace(fix=SimpleNamespace(steps=SWAPPED)), cell) == "reversed"  # type: ignore[arg-type]
    assert simulator_order(SimpleNamespace(fix=SimpleNamespace(steps=())), cell) == "current"  # type: ignore[arg-type]


async def test_a_cancelled_search_says_so(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # nothing remembered: it takes a while
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("F", "z")
        await settle(pilot)
        await pilot.press("S", "z")
        await settle(pilot)
        status = str(app.screen.query_one("#fixes-status", Static).render())
        assert status == "checks cancelled"
