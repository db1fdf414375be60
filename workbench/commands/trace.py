"""``kvm-workbench trace``: the history of one C function (exact ``log -L`` range)."""

from __future__ import annotations

import argparse
import sys

from history.git import queries
from workbench.cli import add_repo_options, bounded_int
from workbench.commands._common import (
    add_function_options,
    commit_line,
    open_repo,
    print_json,
)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("trace", help="history of one function (git log -L, exact range)")
    add_repo_options(parser)
    add_function_options(parser, "file defining it")
    parser.add_argument("-n", "--max-count", type=bounded_int(0, 100_000_000), default=None,
                        help="at most N commits")
    parser.add_argument("--no-patch", action="store_true", help="list commits only")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    result = queries.trace(repo, args.rev, args.file, args.function, limit=args.max_count)
    if args.json:
        print_json(result.to_json())
        return 0
    where = result.range
    out = sys.stdout
    out.write(f"{where.name}() in {where.path}:{where.start}-{where.end} at {where.rev[:12]}"
              f" — {len(result.entries)} commits\n")
    for entry in result.entries:
        c = entry.commit
        out.write("\n" + commit_line(c.sha, c.date, c.author, c.subject) + "\n")
        if not args.no_patch and entry.patch:
            out.write(entry.patch + "\n")
    return 0
