"""``kvm-workbench blame``: who last changed each line of a function (or a range)."""

from __future__ import annotations

import argparse
import sys

from history.git import queries
from workbench.cli import add_repo_options, bounded_int
from workbench.commands._common import add_function_options, open_repo, print_json
from workbench.errors import UsageError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("blame", help="blame a function or line range at a revision")
    add_repo_options(parser)
    add_function_options(parser, "file")
    parser.add_argument("-L", dest="lines", metavar="START,END",
                        help="blame this line range instead of a function")
    parser.add_argument("--parent-of", type=bounded_int(1, 10_000_000), metavar="LINE",
                        help="blame as before the commit that last changed LINE (tig's ',')")
    parser.set_defaults(func=run)


def _range(text: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"bad -L {text!r}: expected START,END") from None
    if start < 1 or end < start:
        raise UsageError(f"bad -L {text!r}: need 1 <= START <= END")
    return start, end


def run(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    if args.lines:
        start, end = _range(args.lines)
        result = queries.blame(repo, args.rev, args.file, start, end)
        name = None
    else:
        result = queries.blame_function(repo, args.rev, args.file, args.function)
        name = args.function
    if args.parent_of is not None:
        line = next((b for b in result.lines if b.line == args.parent_of), None)
        if line is None:
            raise UsageError(f"line {args.parent_of} is not in {result.start}-{result.end}")
        result = queries.blame_parent(repo, line, name, args.file)
    if args.json:
        print_json(result.to_json())
        return 0
    out = sys.stdout
    label = f"{result.function}() " if result.function else ""
    out.write(f"{label}{result.path}:{result.start}-{result.end} at {result.rev[:12]}\n")
    for b in result.lines:
        out.write(f"{b.sha[:12]} {b.date[:10]} {b.author[:16]:<16} {b.line:>5}  {b.text}\n")
    return 0
