"""Provides the headless CLI, ``kvm-workbench COMMAND``: the same result objects the TUI shows.

Each command lives in ``workbench/commands/<name>.py`` and exposes ``add_parser(subparsers)``,
which registers the sub-parser and sets ``func`` to a ``run(args) -> int``. Exit status: 0 ran,
1 a checked claim failed (``--check``), 2 bad input, always as one line on stderr, never a
traceback. Commands import their heavy dependencies lazily so that ``history`` answers fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from history.errors import HistoryError
from sim.errors import SimError
from workbench.errors import UsageError

PROG = "kvm-workbench"

#: Command modules under workbench/commands, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "history",
    "trace",
    "blame",
    "landmarks",
    "profile",
    "census",
    "rfc",
    "sim",
    "tui",
    "screenshots",
)

#: Errors that are the user's input, not our bug: one line and exit status 2.
BAD_INPUT = (HistoryError, SimError, UsageError)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every registered command."""
    parser = _Parser(
        prog=PROG,
        description="Evidence for the KVM teardown-order RFC: history, model, comments.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"workbench.commands.{name}")
        module.add_parser(sub)
    return parser


def add_repo_options(parser: argparse.ArgumentParser, *, rev: bool = True) -> None:
    """The options every history-reading command shares."""
    parser.add_argument(
        "--repo",
        default=os.environ.get("KVM_WORKBENCH_REPO") or None,
        help="kernel tree (git clone or source dir); default $KVM_WORKBENCH_REPO, else the demo",
    )
    if rev:
        parser.add_argument("--rev", default=None, help="revision (default HEAD)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        args_list = ["tui"]
    parser = build_parser()
    args = parser.parse_args(args_list)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except BAD_INPUT as error:
        sys.stderr.write(f"{PROG}: error: {error}\n")
        return 2
    except BrokenPipeError:
        # `kvm-workbench history | head` is fine; silence the flush at exit too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
