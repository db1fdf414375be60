"""``kvm-workbench landmarks``: the commits the RFC question turns on, present or absent."""

from __future__ import annotations

import argparse
import sys

from history.git import queries
from workbench.cli import add_repo_options
from workbench.commands._common import open_repo, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("landmarks", help="landmark commits, resolved in this tree")
    add_repo_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    repo = open_repo(args)
    marks = queries.landmarks(repo, args.rev)
    if args.json:
        print_json({"repo": repo.info().to_json(),
                    "landmarks": [mark.to_json() for mark in marks]})
        return 0
    out = sys.stdout
    for m in marks:
        where = f"{m.sha[:12]} {m.date[:10] if m.date else '':10}" if m.sha else \
            f"{'absent':<12} {'':10}"
        out.write(f"{m.key:<22} {m.version:<6} {m.landmark.fact:<5} {where}  {m.subject}\n")
    return 0
