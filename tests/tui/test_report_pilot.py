"""Pilot tests of the Report mode: it fills with progress, shows what the CLI prints, copies
and writes it, and says when it was cancelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from workbench.app import make_app
from workbench.cli import main
from workbench.scenes import settle
from workbench.screens.report import ReportScreen
from workbench.widgets.text_view import TextView


async def test_report_mode_shows_the_cli_report_and_copies_and_writes_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["report"]) == 0
    printed = capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.markdown == printed  # the very bytes of `kvm-workbench report`
        status = str(screen.query_one("#report-status", Static).render())
        assert "336 profiles checked" in status
        body = screen.query_one(TextView).plain
        assert "Is the swap safe on every architecture?" in body
        assert "powerpc-e500: not safe." in body and "**" not in body
        await pilot.press("y")
        assert app.clipboard == printed
        await pilot.press("W")
        await settle(pilot)
        assert (tmp_path / "report.md").read_text(encoding="utf-8") == printed


async def test_a_cancelled_report_says_so(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # nothing remembered: it takes a while
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("R", "z")
        await settle(pilot)
        status = str(app.screen.query_one("#report-status", Static).render())
        assert status == "report cancelled"
