"""Provides the named screen scenes shared by snapshot tests and ``kvm-workbench screenshots``.

A scene is a terminal size plus the keys pressed after the app settles. The snapshot tests
and the README screenshots render the very same scenes, through the same ``make_app``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.pilot import Pilot


@dataclass(frozen=True, slots=True)
class Scene:
    """One screen state worth a picture."""

    name: str
    keys: tuple[str, ...]
    size: tuple[int, int] = (132, 36)
    about: str = ""


#: Terminal sizes every screen is pictured at: the smallest a reviewer's tmux pane has, and a
#: large one (the default size sits between them).
SMALL = (80, 24)
LARGE = (160, 48)
#: Keys that put a wrong era into the Simulator's era box and run it.
BAD_ERA = ("s", "tab", "2", "full_stop", "0", "enter")

SCENES: tuple[Scene, ...] = (
    Scene("history", (), about="commit list of the demo history with the newest commit's detail"),
    Scene("history-trace", ("t",), about="git log -L of kvm_destroy_vm(), exact range"),
    Scene("history-blame", ("b",), about="blame of kvm_destroy_vm() at HEAD"),
    Scene("history-landmarks", ("L",), about="landmark commits resolved by Upstream: trailer"),
    Scene("simulator", ("s",), about="s390 6.12, both call orders, first counterexample"),
    Scene("simulator-powerpc-e500", ("s", "enter", "down", "down", "enter", "r"),
          about="powerpc-e500 6.12: the swap is a use after free of the MPIC"),
    Scene("history-80x24", (), SMALL, "the list over the detail, subjects readable"),
    Scene("history-trace-80x24", ("t",), SMALL, "the function's history under the list"),
    Scene("history-blame-80x24", ("b",), SMALL, "blame under the list"),
    Scene("history-landmarks-80x24", ("L",), SMALL, "landmarks under the list"),
    Scene("history-160x48", (), LARGE, "list and detail side by side"),
    Scene("simulator-80x24", ("s",), SMALL, "one-line picker, every verdict, the trace"),
    Scene("simulator-toggles-80x24", ("s", "t", "down"), SMALL,
          "the assumptions in the verdicts' place, the highlighted one explained"),
    Scene("simulator-160x48", ("s",), LARGE, "toggles, verdicts, trace and inspector"),
    Scene("simulator-error-80x24", BAD_ERA, SMALL, "a wrong era: one line, no result"),
    Scene("simulator-timing-80x24", ("s", "T"), SMALL,
          "the timing panel: both orders' teardown on the clock, 6.12, lognormal latency"),
    # the fault box, its second entry (a queue that never finishes), enter in a size box runs
    # it; T T leaves the focus on the latency box (a text box's cursor blinks)
    Scene("simulator-timing-160x48", ("s", "T", "tab", "enter", "down", "enter", "tab",
                                      "enter", "T", "T"), LARGE,
          "a stuck queue: 6.12's unbounded wait hangs teardown; l links to no-hang"),
    Scene("comments-80x24", ("c",), SMALL,
          "the list over the panel: an invalidated comment's text and trace"),
    Scene("comments-160x48", ("c",), LARGE,
          "list and panel side by side, the shortest invalidated comment open"),
    Scene("report-80x24", ("R",), SMALL, "the answers to the thread, wrapped"),
    Scene("report-160x48", ("R",), LARGE, "the answers and the start of the matrix"),
    Scene("fixes-80x24", ("F",), SMALL, "the ranked fixes over the first one's explanation"),
    Scene("fixes-matrix-80x24", ("F", "enter"), SMALL,
          "the complete fix's matrix: the paths it closes, and no-change's trace of one"),
    Scene("fixes-160x48", ("F", "down", "down", "down", "down", "down", "down", "enter"),
          LARGE, "the swap's matrix open: its e500 regressions and the shortest trace"),
    Scene("help-80x24", ("question_mark",), SMALL, "keys and notation"),
    Scene("help-160x48", ("question_mark",), LARGE, "keys and notation"),
    # a query only the History provider answers: two providers' hits would tie at score 0
    # and arrive in either order
    Scene("palette-80x24", ("ctrl+p", *"landmark"), SMALL, "the command palette"),
)

BY_NAME = {scene.name: scene for scene in SCENES}


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the workers finished and the screen has repainted.

    The log worker is left out: on a long history it pauses ahead of the cursor by design.
    """
    app: App[Any] = pilot.app
    for _ in range(3):
        await pilot.pause(0.07)  # longer than the History detail debounce (DETAIL_DELAY)
        others = [w for w in app.workers if w.group != "log"]
        if others:  # an empty list would mean "all workers" to Textual
            await app.workers.wait_for_complete(others)
    await pilot.pause()


async def play(pilot: Pilot[Any], scene: Scene) -> None:
    """Settle, press the scene's keys one by one (settling after each), settle again."""
    await settle(pilot)
    for key in scene.keys:
        await pilot.press(key)
        await settle(pilot)
