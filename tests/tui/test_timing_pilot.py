"""Pilot test of the Simulator's timing panel: time both orders, inject a fault, follow the
link to the counterexample the reset outcomes cause, and report a bad size on one line."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from workbench.app import make_app
from workbench.scenes import settle
from workbench.screens.simulator import SimulatorScreen
from workbench.widgets.step_table import StepTable
from workbench.widgets.text_view import TextView


async def open_timing(pilot) -> SimulatorScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("T")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SimulatorScreen) and screen.has_class("-timing")
    return screen


def column(screen: SimulatorScreen, order: str) -> str:
    return screen.query_one(f"#timing-{order}", TextView).plain


def status(screen: SimulatorScreen) -> str:
    return str(screen.query_one("#timing-status", Static).render())


async def test_time_both_orders_then_a_stuck_queue_links_to_no_hang() -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_timing(pilot)
        assert "teardown takes" in column(screen, "current")
        assert "kvm_destroy_devices" in column(screen, "reversed")
        assert "reset outcomes {verified}" in status(screen)
        # a queue whose reset never completes: 6.12 waits for it forever
        screen.query_one("#fault", Select).value = "stuck:00.0000"
        screen.query_one("#latency", Select).value = "fixed:5"
        await pilot.click("#time")
        await settle(pilot)
        assert "HANGS" in column(screen, "current") and "HANGS" in column(screen, "reversed")
        assert "{verified, hung}" in status(screen) and "no-hang" in status(screen)
        await pilot.press("l")
        await settle(pilot)
        assert not screen.has_class("-timing")
        shown = screen.query_one(StepTable).shown
        assert shown is not None and shown[1].id == "no-hang" and shown[1].verdict == "fails"
        assert "timing model's reset outcomes" in str(
            screen.query_one("#sim-status", Static).render())
        # T again shows the panel with the last run kept
        await pilot.press("T")
        await settle(pilot)
        assert screen.has_class("-timing") and "HANGS" in column(screen, "current")


async def test_61_slow_reset_links_to_no_warn_and_a_bad_size_is_one_line() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_timing(pilot)
        era = screen.query_one("#era", Input)
        era.value = "6.1"
        screen.query_one("#latency", Select).value = "fixed:100"
        await pilot.click("#time")
        await settle(pilot)
        assert "unable to verify reset" in column(screen, "current")
        assert "{unverified}" in status(screen)
        await pilot.press("l")
        await settle(pilot)
        shown = screen.query_one(StepTable).shown
        assert shown is not None and shown[1].id == "no-warn"
        await pilot.press("T")
        screen.query_one("#adapters", Input).value = "0"
        await pilot.click("#time")
        await settle(pilot)
        assert "--adapters 0: expected 1..256" in status(screen)
        assert "no result" in column(screen, "current")
