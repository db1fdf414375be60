"""``kvm-workbench screenshots``: render every scene of the demo to SVG (the README pictures)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.errors import UsageError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("screenshots", help="render each screen of the demo to SVG")
    parser.add_argument("--out", default="screenshots", help="directory (default %(default)s)")
    parser.add_argument("--only", action="append", default=None, metavar="SCENE",
                        help="render only this scene (repeatable)")
    parser.set_defaults(func=run)


async def _render(out: Path, names: list[str]) -> list[Path]:
    from workbench.app import make_app
    from workbench.output import write_atomic
    from workbench.scenes import BY_NAME, play

    written = []
    for name in names:
        scene = BY_NAME[name]
        app = make_app()
        async with app.run_test(size=scene.size) as pilot:
            await play(pilot, scene)
            svg = app.export_screenshot(title=f"kvm-workbench — {scene.name}")
        written.append(write_atomic(out / f"{scene.name}.svg", svg))  # never half-written
    return written


def run(args: argparse.Namespace) -> int:
    from workbench.scenes import BY_NAME

    names = args.only or list(BY_NAME)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise UsageError(f"unknown scene {', '.join(unknown)} (have: {', '.join(BY_NAME)})")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: not a directory")
    out.mkdir(parents=True, exist_ok=True)
    import asyncio

    for path in asyncio.run(_render(out, names)):
        sys.stdout.write(f"{path}\n")
    return 0
