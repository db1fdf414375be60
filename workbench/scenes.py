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


SCENES: tuple[Scene, ...] = (
    Scene("history", (), about="commit list of the demo history with the newest commit's detail"),
    Scene("history-trace", ("t",), about="git log -L of kvm_destroy_vm(), exact range"),
    Scene("history-blame", ("b",), about="blame of kvm_destroy_vm() at HEAD"),
    Scene("history-landmarks", ("L",), about="landmark commits resolved by Upstream: trailer"),
    Scene("simulator", ("s",), about="s390 6.12, both call orders, first counterexample"),
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
