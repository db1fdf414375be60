"""Provides ``kvm-workbench comments``: which written assumptions the swap breaks.

For a tree at a revision (default: the embedded demo), every comment of the claim catalog
(workbench/catalog.toml, plus ``--catalog FILE``) with its real location, and per call order
its verdict from the checker run on the tree's release and detected features: holds,
INVALIDATED (with the shortest counterexample printed below the table), vacuous, not modelled
or comment absent. ``--json`` prints ``CommentsReport.to_json()``, the objects the Comments
screen shows. Exit status 0 ran, 2 bad input (a malformed catalog names file and entry).
"""

from __future__ import annotations

import argparse
import sys

from sim.defaults import DEFAULT_USERSPACE
from workbench.cli import add_repo_options
from workbench.commands._common import open_kernel, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``comments``."""
    parser = sub.add_parser(
        "comments", help="the kernel comments the swap keeps or invalidates",
        description="Each catalogued kernel comment at a revision: its real location and,"
        " for the current and the reversed order, the verdict of the claims encoding it.")
    add_repo_options(parser)
    from workbench.comments import ALL_ARCHES

    parser.add_argument("--arch", default=ALL_ARCHES,
                        help="s390, x86, powerpc-e500, powerpc-book3s, arm64, riscv,"
                        " loongarch, or all (every arch rolled up, the default)")
    parser.add_argument("--userspace", default=DEFAULT_USERSPACE, metavar="NAME",
                        help="who drives teardown: any, qemu-8.2, qemu-8.1; NAME+async adds"
                        " QEMU's async-teardown helper (default %(default)s)")
    parser.add_argument("--catalog", default=None, metavar="FILE",
                        help="more catalog entries (TOML, as workbench/catalog.toml)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check, then print the table and each invalidated comment's trace."""
    from sim import render
    from workbench.comments import ORDERS, check_comments, load_catalog, verdict_cell

    catalog = load_catalog(args.catalog)
    src = open_kernel(args)
    report = check_comments(src, arch=args.arch, userspace=args.userspace, catalog=catalog)
    if args.json:
        print_json(report.to_json())
        return 0
    out = sys.stdout
    out.write(f"comments of {report.root} at {report.rev} — release {report.era},"
              f" arch {report.arches[0] if len(report.arches) == 1 else 'all'},"
              f" userspace {report.userspace}, {len(report.comments)} catalogued\n")
    for note in report.notes:
        out.write(f"note: {note}\n")
    rows = []
    for comment in report.comments:
        current, reversed_ = (comment.verdict(order) for order in ORDERS)
        why = reversed_.why if comment.changed_by_swap or reversed_.verdict == "invalidated" \
            else current.why
        rows.append((comment.entry.id, comment.where, verdict_cell(current),
                     verdict_cell(reversed_), why))
    out.write("\n" + "\n".join(render.table(rows, ("comment", "file:line", "current",
                                                     "reversed", "why"))) + "\n")
    for comment in report.comments:
        for order in ORDERS:
            verdict = comment.verdict(order)
            if verdict.verdict != "invalidated":
                continue
            out.write(f"\n{comment.entry.id} INVALIDATED in the {order} order on {verdict.arch}"
                      f" — {verdict.claim}, {verdict.step} steps\n")
            out.write(f"  assumes: {comment.entry.assumption}\n")
            for step in verdict.trace:
                out.write("\n".join(render.render_step(step)) + "\n")
            out.write(f"      ⇒ {verdict.why}\n")
    return 0
