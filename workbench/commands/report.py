"""``kvm-workbench report``: the verdict matrix and the answers to the RFC thread's questions.

Markdown for a reply (``--format md``, the default) or the same content as one JSON object
(``--format json``). ``--out FILE`` writes it atomically (a temporary file renamed into place:
never a half-written report). The matrix runs on every core and is remembered between runs
(``--no-cache`` checks everything again).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from workbench.cli import add_repo_options

if TYPE_CHECKING:
    from workbench.report import Report


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="verdict matrix and the answers to the thread",
                            description="Check every architecture, era, userspace and order,"
                            " then answer the RFC thread's questions from the results.")
    add_repo_options(parser)
    parser.add_argument("--format", choices=("md", "json"), default="md",
                        help="Markdown (default) or JSON")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="write the report here (atomically) instead of stdout")
    add_matrix_options(parser)
    parser.set_defaults(func=run)


def add_matrix_options(parser: argparse.ArgumentParser) -> None:
    """The options of the matrix the report (and the reply) rest on."""
    parser.add_argument("--arch", action="append", default=[], metavar="ARCH",
                        help="only these architectures (repeatable; default all)")
    parser.add_argument("--toggle", action="append", default=[], metavar="NAME=VALUE",
                        help="set an assumption for every check (repeatable)")
    parser.add_argument("--no-cache", action="store_true",
                        help="check everything again instead of reusing remembered results")


def parse_toggles(items: list[str]) -> list[tuple[str, str]]:
    """``--toggle NAME=VALUE`` items, each a known toggle and one of its values."""
    from sim.errors import SimError
    from sim.toggles import TOGGLE_BY_NAME

    toggles = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in TOGGLE_BY_NAME or value not in TOGGLE_BY_NAME[name].values:
            raise SimError(f"--toggle {item!r}: expected NAME=VALUE with a toggle of"
                           " `kvm-workbench sim --list-toggles` and one of its values")
        toggles.append((name, value))
    return toggles


def make_report(args: argparse.Namespace) -> Report:
    """The report on ``--repo``/``--rev`` (the demo by default) for ``--arch``/``--toggle``."""
    from sim.arches import ARCHES
    from sim.errors import SimError
    from workbench.commands._common import open_kernel, repo_or_demo
    from workbench.report import report_on_tree

    for arch in args.arch:
        if arch not in ARCHES:
            raise SimError(f"--arch {arch!r}: not one of {', '.join(ARCHES)}")
    toggles = parse_toggles(args.toggle)
    src = open_kernel(args)
    repo = None if src.kind == "dir" else (getattr(src, "repo", None) or repo_or_demo(None))
    label = "the embedded demo history" if args.repo is None else str(args.repo)
    return report_on_tree(src, repo, label, arches=args.arch or None, toggles=toggles,
                          use_cache=not args.no_cache)


def write_or_print(text: str, out: str | None, what: str) -> None:
    """``text`` on stdout, or atomically into ``out`` with one line saying where."""
    from pathlib import Path

    from workbench.output import write_atomic

    if out is None:
        sys.stdout.write(text)
        return
    target = write_atomic(Path(out), text)
    sys.stdout.write(f"{what} written to {target}\n")


def run(args: argparse.Namespace) -> int:
    from workbench.output import json_text
    from workbench.report import render_markdown

    report = make_report(args)
    text = json_text(report.to_json()) + "\n" if args.json or args.format == "json" \
        else render_markdown(report)
    write_or_print(text, args.out, "report")
    return 0
