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


def run(args: argparse.Namespace) -> int:
    from workbench.app import make_app
    from workbench.commands._common import open_repo

    size = shutil.get_terminal_size((MIN_SIZE[0], MIN_SIZE[1]))
    check_terminal((size.columns, size.lines))
    repo = open_repo(args)  # bad input fails here, before the screen opens
    make_app(repo=repo, rev=args.rev).run()
    return 0
