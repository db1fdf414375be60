"""SVG snapshots of every screen scene, rendered through the same make_app as users get."""

from __future__ import annotations

import pytest

from workbench.app import make_app
from workbench.scenes import SCENES, Scene, play


class TestHistory:
    """The History mode on the embedded demo history."""

    @pytest.mark.parametrize("scene", [s for s in SCENES if s.name.startswith("history")],
                             ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """Each scene as described in workbench/scenes.py (the README screenshots too)."""

        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await play(pilot, scene)

        assert snap_compare(make_app(), terminal_size=scene.size, run_before=run_before)


class TestSimulator:
    """The Simulator mode: default profile checked in both orders."""

    @pytest.mark.parametrize("scene", [s for s in SCENES if s.name.startswith("simulator")],
                             ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """Verdict tables of both orders and the first failing claim's trace."""

        async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
            await play(pilot, scene)

        assert snap_compare(make_app(), terminal_size=scene.size, run_before=run_before)
