"""Pilot tests of the Comments mode: open it, select an invalidated comment, jump to the
Simulator at the violating step, blame the comment's lines in History, cancel a check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import DataTable, Select, Static

from workbench.app import make_app
from workbench.scenes import settle
from workbench.screens.comments import CommentsScreen
from workbench.screens.history import HistoryScreen
from workbench.screens.simulator import SimulatorScreen
from workbench.widgets.blame_pane import BlamePane
from workbench.widgets.comment_panel import CommentList, CommentPanel


async def open_comments(pilot) -> CommentsScreen:  # type: ignore[no-untyped-def]
    """From launch to the Comments mode with its first check (all arches) finished."""
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CommentsScreen)
    assert screen.report is not None
    return screen


async def test_select_invalidated_and_jump_to_the_simulator_step() -> None:
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_comments(pilot)
        listing = screen.query_one(CommentList)
        assert screen.report is not None
        assert {c.entry.id for c in screen.report.invalidated("reversed")} == \
            {"ops-destroy", "mpic-disconnect"}
        assert listing.select("mpic-disconnect")
        await settle(pilot)
        panel = screen.query_one(CommentPanel).plain()
        assert "This should only happen immediately before the mpic is destroyed" in panel
        assert "reversed: INVALIDATED (powerpc-e500)" in panel
        assert "kvm_destroy_vcpus" in panel  # the violating step, inline
        wanted = screen.report.comment("mpic-disconnect").verdict("reversed")
        await pilot.press("enter")
        await settle(pilot)
        simulator = app.screen
        assert isinstance(simulator, SimulatorScreen)
        assert simulator.query_one("#arch", Select).value == "powerpc-e500"
        shown = simulator.query_one("#trace-box").shown  # type: ignore[attr-defined]
        assert shown is not None and shown[0] == "reversed"
        assert shown[1].id == "comment-mpic-disconnect"
        steps = simulator.query_one("#steps", DataTable)
        assert steps.cursor_row == wanted.step - 1
        body = str(simulator.query_one("#step-body", Static).render())
        assert wanted.trace[-1].event.name in body


async def test_blame_the_comment_in_history() -> None:
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_comments(pilot)
        assert screen.query_one(CommentList).select("destroy-devices-lock")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        history = app.screen
        assert isinstance(history, HistoryScreen)
        blame = history.query_one(BlamePane).blame
        lock = screen.report.comment("destroy-devices-lock")  # type: ignore[union-attr]
        assert blame is not None and blame.path == "virt/kvm/kvm_main.c"
        assert (blame.start, blame.end) == (lock.found.start, lock.found.end)
        # the demo wrote it with a28ebea2adc4 (F2.3: "Protect device ops->create and list_add
        # with kvm->lock"), its rculist commit (F3.2) touched a line since
        assert {line.sha[:12] for line in blame.lines} == {"56d2713d3977", "272565f384af"}


async def test_missing_comment_cannot_be_blamed_or_opened() -> None:
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_comments(pilot)
        assert screen.query_one(CommentList).select("ops-release")
        await settle(pilot)
        assert "missing at" in screen.query_one(CommentPanel).plain()
        await pilot.press("b", "enter")
        await settle(pilot)
        assert app.screen is screen


async def test_cancel_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """z stops a running check: the list and the status say it was cancelled."""
    import time

    import workbench.comments
    from sim.errors import CheckCancelled

    def endless(*_args: object, cancelled: Callable[[], bool], **_kw: object) -> None:
        while not cancelled():  # a check on a large tree, until z
            time.sleep(0.01)
        raise CheckCancelled(0)

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_comments(pilot)
        monkeypatch.setattr(workbench.comments, "check_comments", endless)
        screen.action_run()
        await pilot.pause(0.05)
        assert screen.report is None
        await pilot.press("z")
        await settle(pilot)
        assert "check cancelled" in str(screen.query_one("#comments-status", Static).render())
        assert screen.report is None


async def test_another_arch_checks_again() -> None:
    app = make_app()
    async with app.run_test(size=(132, 36)) as pilot:
        screen = await open_comments(pilot)
        screen.query_one("#comments-arch", Select).value = "powerpc-e500"
        await settle(pilot)
        assert screen.report is not None and screen.report.arches == ("powerpc-e500",)
