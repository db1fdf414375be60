"""The app routes requests between modes: a screen never calls into another screen."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import ContentSwitcher

from workbench.app import make_app
from workbench.messages import TraceRequested
from workbench.scenes import settle
from workbench.screens.history import HistoryScreen
from workbench.screens.simulator import SimulatorScreen


async def test_a_step_asks_the_app_which_traces_in_history() -> None:
    """enter on a Simulator step posts one TraceRequested; History then traces that function."""
    messages: list[Message] = []
    app = make_app()
    async with app.run_test(size=(132, 36), message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SimulatorScreen)
        app.screen.query_one("#steps").focus()
        await pilot.press("enter")
        await settle(pilot)
        [request] = [m for m in messages if isinstance(m, TraceRequested)]
        assert request.calls and request.arch == "s390"
        history = app.screen
        assert isinstance(history, HistoryScreen)
        assert history.query_one("#right", ContentSwitcher).current == "trace"
        body = str(history.query_one("#trace-body").render())
        assert any(f"{name}() " in body for name in request.calls) or "not defined" in body
