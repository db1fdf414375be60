"""``kvm-workbench tui`` (the default command): open the Textual app."""

from __future__ import annotations

import argparse
import shutil

from workbench.cli import add_repo_options
from workbench.errors import UsageError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("tui", help="open the workbench (default)")
    add_repo_options(parser)
    parser.set_defaults(func=run)


#: The smallest terminal the screens are laid out for.
MIN_SIZE = (80, 24)


def check_terminal(size: tuple[int, int]) -> None:
    """Refuse a terminal the screens cannot be drawn in, before taking it over."""
    cols, rows = size
    if cols < MIN_SIZE[0] or rows < MIN_SIZE[1]:
        raise UsageError(f"terminal too small: {cols}x{rows}, need at least "
                         f"{MIN_SIZE[0]}x{MIN_SIZE[1]}")


def binding_ids() -> set[str]:
    """Every binding id a keymap may name: the app's, each screen's and each widget's."""
    import importlib
    import pkgutil

    from textual.binding import Binding

    from workbench import widgets
    from workbench.app import WorkbenchApp
    from workbench.screens.history import HistoryScreen
    from workbench.screens.simulator import SimulatorScreen

    classes: list[type] = [WorkbenchApp, HistoryScreen, SimulatorScreen]
    for info in pkgutil.iter_modules(widgets.__path__):
        module = importlib.import_module(f"workbench.widgets.{info.name}")
        classes += [v for v in vars(module).values() if isinstance(v, type)]
    return {b.id for cls in classes for b in getattr(cls, "BINDINGS", ())
            if isinstance(b, Binding) and b.id}


def run(args: argparse.Namespace) -> int:
    from workbench.app import make_app
    from workbench.commands._common import open_repo
    from workbench.config import load

    size = shutil.get_terminal_size((MIN_SIZE[0], MIN_SIZE[1]))
    check_terminal((size.columns, size.lines))
    repo = open_repo(args)  # bad input fails here, before the screen opens
    app = make_app(repo=repo, rev=args.rev)
    app.use_config(load(binding_ids, app.available_themes))  # a bad file fails here too
    app.run()
    return 0
