"""Provides the headless CLI, ``kvm-workbench COMMAND``: the same result objects the TUI shows.

Each command lives in ``workbench/commands/<name>.py`` and exposes ``add_parser(subparsers)``,
which registers the sub-parser and sets ``func`` to a ``run(args) -> int``. Exit status: 0 ran,
1 a checked claim failed (``--check``), 2 bad input, always as one line on stderr (control
characters escaped), never a traceback. What the operating system refuses (a path too long,
permission denied, a full disk) is bad input too. Commands import their heavy dependencies
lazily so that ``history`` answers fast.

Every command's git processes share one deadline (``KVM_WORKBENCH_DEADLINE`` seconds, default
600); SIGTERM and SIGHUP end the command like Ctrl-C does, so git children are killed and
temporary directories removed on the way out.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import NoReturn

from history.errors import HistoryError
from history.git.runner import printable, set_deadline
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
    "timing",
    "comments",
    "report",
    "fixes",
    "reply",
    "tui",
    "screenshots",
    "config",
)

#: Errors that are the user's input, not our bug: one line and exit status 2.
BAD_INPUT = (HistoryError, SimError, UsageError)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {printable(message)}\n")
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


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high] (one line naming the range otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}..{high:,}")
        return value

    parse.__name__ = "integer"
    return parse


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived: unwind like KeyboardInterrupt (finally blocks run)."""


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


def _deadline() -> float:
    text = os.environ.get("KVM_WORKBENCH_DEADLINE", "")
    try:
        value = float(text) if text else 600.0
    except ValueError:
        raise UsageError(f"KVM_WORKBENCH_DEADLINE={text!r} is not a number of seconds") \
            from None
    if not 0 < value <= 86_400:
        raise UsageError("KVM_WORKBENCH_DEADLINE must be between 0 and 86400 seconds")
    return value


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
    from workbench.output import command_output

    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        args_list = ["tui"]
    parser = build_parser()
    for token in args_list:
        # argparse turns the value of --opt=-- into a list (it strips '--' from values)
        if token.startswith("-") and token.endswith("=--") and token.count("=") == 1:
            parser.error(f"{token}: '--' is not a value")
    args = parser.parse_args(args_list)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    if sys.stdout is None or sys.stderr is None:  # started with fd 1 or 2 closed
        return _closed_output()
    interactive = args.command in ("tui", "screenshots")
    previous = {}
    if not interactive and _main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, _terminate)
    try:
        if not interactive:
            set_deadline(_deadline())
        if interactive:
            return int(args.func(args))
        with command_output(bool(getattr(args, "json", False))):
            return int(args.func(args))
    except BAD_INPUT as error:
        return _fail(str(error))
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            # `kvm-workbench history | head` is fine; silence the flush at exit too.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{error.strerror or error}")
    except MemoryError:
        return _fail("out of memory (the input is too large for this machine)")
    except KeyboardInterrupt:
        return 130
    except Terminated as signal_number:
        return 128 + int(signal_number.args[0])
    finally:
        set_deadline(None)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _closed_output() -> int:
    if sys.stderr is not None:
        sys.stderr.write(f"{PROG}: error: standard output is closed\n")
    return 2


def _fail(message: str) -> int:
    with contextlib.suppress(OSError):
        sys.stderr.write(f"{PROG}: error: {printable(message)}\n")
    return 2


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    raise SystemExit(main())
