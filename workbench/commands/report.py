"""``kvm-workbench report``: the verdict matrix and the answers to the RFC thread's questions.

Markdown for a reply (``--format md``, the default) or the same content as one JSON object
(``--format json``). ``--out FILE`` writes it atomically (a temporary file renamed into place:
never a half-written report). The matrix runs on every core and is remembered between runs
(``--no-cache`` checks everything again).
"""

from __future__ import annotations

import argparse
import sys

from workbench.cli import add_repo_options


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="verdict matrix and the answers to the thread",
                            description="Check every architecture, era, userspace and order,"
                            " then answer the RFC thread's questions from the results.")
    add_repo_options(parser)
    parser.add_argument("--format", choices=("md", "json"), default="md",
                        help="Markdown (default) or JSON")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="write the report here (atomically) instead of stdout")
    parser.add_argument("--arch", action="append", default=[], metavar="ARCH",
                        help="only these architectures (repeatable; default all)")
    parser.add_argument("--toggle", action="append", default=[], metavar="NAME=VALUE",
                        help="set an assumption for every check (repeatable)")
    parser.add_argument("--no-cache", action="store_true",
                        help="check everything again instead of reusing remembered results")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sim.arches import ARCHES
    from sim.errors import SimError
    from sim.toggles import TOGGLE_BY_NAME
    from workbench.commands._common import open_kernel, repo_or_demo
    from workbench.output import json_text, write_atomic
    from workbench.report import (
        REPORT_ERAS,
        Column,
        build_report,
        read_tree,
        render_markdown,
        tree_column,
    )

    if args.json:
        args.format = "json"
    for arch in args.arch:
        if arch not in ARCHES:
            raise SimError(f"--arch {arch!r}: not one of {', '.join(ARCHES)}")
    toggles = []
    for item in args.toggle:
        name, sep, value = item.partition("=")
        if not sep or name not in TOGGLE_BY_NAME or value not in TOGGLE_BY_NAME[name].values:
            raise SimError(f"--toggle {item!r}: expected NAME=VALUE with a toggle of"
                           " `kvm-workbench sim --list-toggles` and one of its values")
        toggles.append((name, value))
    src = open_kernel(args)
    repo = None if src.kind == "dir" else (getattr(src, "repo", None) or repo_or_demo(None))
    label = "the embedded demo history" if args.repo is None else str(args.repo)
    tree = read_tree(src, repo, label)
    columns = [Column(era, era) for era in REPORT_ERAS]
    own = tree_column(src)
    if own is not None:
        columns.append(own)
    report = build_report(tree, arches=args.arch or None, columns=columns,
                          toggles=toggles, use_cache=not args.no_cache)
    text = json_text(report.to_json()) + "\n" if args.format == "json" \
        else render_markdown(report)
    if args.out is None:
        sys.stdout.write(text)
    else:
        target = write_atomic(Path(args.out), text)
        sys.stdout.write(f"report written to {target}\n")
    return 0
