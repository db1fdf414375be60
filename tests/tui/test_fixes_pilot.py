"""Pilot tests of the Fixes mode: the ranking the CLI prints, a fix's matrix, a cell's trace
opened in the Simulator (or kept here when the Simulator cannot run the fix), and cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

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


async def test_a_hook_fix_keeps_its_trace_here() -> None:
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
        cells.move_cursor(row=failing)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "fixes"  # the Simulator cannot add a hook
        await pilot.press("escape")
        assert screen.query_one("#fixes-list", DataTable).has_focus


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
