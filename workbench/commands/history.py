"""``kvm-workbench history``: commits by path, by function or by pickaxe, streamed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from history.git import queries
from history.results import Commit
from workbench.cli import add_repo_options, bounded_int
from workbench.commands._common import commit_line, open_repo
from workbench.errors import UsageError
from workbench.output import json_text


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("history", help="list commits (by path, function or pickaxe)")
    add_repo_options(parser)
    parser.add_argument("paths", nargs="*", help="limit to these paths")
    parser.add_argument("-n", "--max-count", type=bounded_int(0, 100_000_000), default=None,
                        help="at most N commits (default: all)")
    parser.add_argument("--skip", type=bounded_int(0, 100_000_000), default=0,
                        help="skip the first N commits")
    parser.add_argument("--function", metavar="NAME",
                        help="commits that changed this C function (exact, via tree-sitter)")
    parser.add_argument("--file", default=queries.DEFAULT_FILE,
                        help="file holding --function (default %(default)s)")
    parser.add_argument("-S", dest="pickaxe", metavar="STRING",
                        help="pickaxe: commits changing the number of occurrences of STRING")
    parser.add_argument("-G", dest="pickaxe_regex", metavar="REGEX",
                        help="pickaxe: commits whose changed lines match REGEX")
    parser.set_defaults(func=run)


def _commits(args: argparse.Namespace) -> Iterator[Commit]:
    repo = open_repo(args)
    if args.max_count is not None and args.max_count < 0:
        raise UsageError("--max-count must be >= 0")
    chosen = [flag for flag in ("function", "pickaxe", "pickaxe_regex") if getattr(args, flag)]
    if len(chosen) > 1:
        raise UsageError("use one of --function, -S, -G")
    if args.function:
        if args.paths:
            raise UsageError("--function takes --file, not paths")
        return queries.commit_by_function(repo, args.function, args.file, args.rev,
                                          limit=args.max_count)
    if args.pickaxe or args.pickaxe_regex:
        return queries.pickaxe(repo, args.pickaxe or args.pickaxe_regex, paths=args.paths,
                               regex=bool(args.pickaxe_regex), rev=args.rev,
                               limit=args.max_count)
    return queries.log(repo, args.rev, paths=args.paths, limit=args.max_count, skip=args.skip)


def run(args: argparse.Namespace) -> int:
    commits = _commits(args)
    out = sys.stdout
    if args.json:
        # Streamed as one JSON object into the command's spool (workbench.output), so a
        # whole kernel log never sits in memory and a failure prints no half object.
        out.write('{"commits": [')
        for index, commit in enumerate(commits):
            out.write(("," if index else "") + "\n  " + json_text(commit.to_json(),
                                                                  indent=None))
        out.write("\n]}\n")
        return 0
    for commit in commits:
        out.write(commit_line(commit.sha, commit.date, commit.author, commit.subject) + "\n")
    return 0
