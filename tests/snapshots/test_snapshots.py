"""SVG snapshots of every screen scene, rendered through the same make_app as users get."""

from __future__ import annotations

import pytest

from workbench.app import make_app
from workbench.scenes import SCENES, Scene, play


def scenes(prefix: str) -> list[Scene]:
    return [scene for scene in SCENES if scene.name.startswith(prefix)]


def render(scene: Scene, snap_compare) -> bool:  # type: ignore[no-untyped-def]
    """Play the scene exactly as ``kvm-workbench screenshots`` does, then compare."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await play(pilot, scene)

    return bool(snap_compare(make_app(), terminal_size=scene.size, run_before=run_before))


class TestHistory:
    """The History mode on the embedded demo history."""

    @pytest.mark.parametrize("scene", scenes("history"), ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """Commit list with detail, trace, blame and landmarks (workbench/scenes.py)."""
        assert render(scene, snap_compare)


class TestSimulator:
    """The Simulator mode: default profile checked in both orders."""

    @pytest.mark.parametrize("scene", scenes("simulator"), ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """Verdict tables of both orders and the first failing claim's trace."""
        assert render(scene, snap_compare)


class TestReport:
    """The Report mode: the demo's matrix checked, the answers shown."""

    @pytest.mark.parametrize("scene", scenes("report"), ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """Status, progress and the Markdown report as it reads in a terminal."""
        assert render(scene, snap_compare)


class TestComments:
    """The Comments mode: every catalogued comment of the demo, all arches, both orders."""

    @pytest.mark.parametrize("scene", scenes("comments"), ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """The list, the selected comment's real text and both orders' verdicts."""
        assert render(scene, snap_compare)


class TestFixes:
    """The Fixes mode: the shipped fixes ranked, the complete one explained, a matrix open."""

    @pytest.mark.parametrize("scene", scenes("fixes"), ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """The ranked list, the explanation, the failing cells and a shortest trace."""
        assert render(scene, snap_compare)


class TestDialogs:
    """Help and the command palette over the History screen."""

    @pytest.mark.parametrize("scene", [s for s in SCENES if s.name.startswith(("help", "palette"))],
                             ids=lambda s: s.name)
    def test_scene(self, scene: Scene, snap_compare) -> None:  # type: ignore[no-untyped-def]
        """The modal over the screen at both sizes."""
        assert render(scene, snap_compare)


def test_every_screen_has_a_small_and_a_large_scene() -> None:
    """Every mode and help are pictured at 80×24 and 160×48."""
    from workbench.scenes import LARGE, SMALL

    for prefix in ("history", "simulator", "comments", "report", "fixes", "help"):
        sizes = {scene.size for scene in SCENES if scene.name.startswith(prefix)}
        assert {SMALL, LARGE} <= sizes, prefix


def test_no_saved_picture_shows_an_accidental_failure() -> None:
    """A scene that failed when its snapshot was saved would go on matching its own failure:
    only the error scene may picture one."""
    import html
    import re
    from pathlib import Path

    folder = Path(__file__).parent / "__snapshots__" / "test_snapshots"
    for svg in sorted(folder.glob("*.svg")):
        if "error" in svg.name:
            continue
        text = html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg.read_text())))
        text = text.replace("\xa0", " ")
        assert not re.search(r"\bfailed: |Traceback|no result\b", text), svg.name
