"""``kvm-workbench fixes``: every proposed fix judged by the same claims, ranked.

Without options it judges the shipped catalog (sim.fixes.CATALOG) on every architecture, era
and userspace and prints the ranking with the words that explain it and each regression's
shortest trace; ``--fix NAME`` picks fixes, ``--fixes FILE`` adds a user's from TOML, and
``--search`` explores every placement the model can express instead. ``--json`` prints one
object. Progress goes to stderr; the checks run on every core and are remembered between runs
(``--no-cache`` checks again).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.cli import bounded_int
from workbench.output import stderr_progress


def add_parser(subparsers: Any) -> None:
    """Register ``fixes``."""
    parser = subparsers.add_parser(
        "fixes", help="judge and rank the fixes the thread proposed, or search for one",
        description="Check each fix on every claim, architecture, era and userspace against"
        " no-change, rank them (complete, paths closed, size) and say why.")
    parser.add_argument("--fix", action="append", default=[], metavar="NAME",
                        help="judge this fix (repeatable; default: every shipped and loaded"
                        " fix)")
    parser.add_argument("--fixes", default=None, metavar="FILE",
                        help="load more fixes from a TOML file of [[fix]] tables")
    parser.add_argument("--search", action="store_true",
                        help="search every step order and hook placement for complete fixes")
    parser.add_argument("--max-hooks", type=bounded_int(0, 3), default=2,
                        help="largest number of hooks a searched candidate combines (0..3,"
                        " default 2)")
    parser.add_argument("--arch", action="append", default=[], metavar="ARCH",
                        help="only these architectures (repeatable; default all)")
    parser.add_argument("--era", action="append", default=[], metavar="X.Y",
                        help="only these eras (repeatable; default 5.19 6.1 6.6 6.12 6.18)")
    parser.add_argument("--brief", action="store_true",
                        help="only the ranked table (and the search's conclusion)")
    parser.add_argument("--list", action="store_true",
                        help="list the shipped fixes, the hooks and the ordering constraints")
    parser.add_argument("--no-cache", action="store_true",
                        help="check everything again instead of reusing remembered results")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _axes(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    from sim.arches import ARCHES
    from sim.eras import parse_era
    from sim.errors import SimError

    for arch in args.arch:
        if arch not in ARCHES:
            raise SimError(f"--arch {arch!r}: not one of {', '.join(ARCHES)}")
    for era in args.era:
        parse_era(era)
    return args.arch, args.era


def _list(as_json: bool) -> int:
    from sim.fixes import CATALOG, CONSTRAINTS
    from sim.hooks import HOOKS
    from workbench.commands._common import print_json

    if as_json:
        print_json({"fixes": [fix.to_json() for fix in CATALOG],
                    "hooks": [{"name": h.name, "action": h.action, "point": h.point,
                               "function": h.function, "fact": h.fact, "title": h.title}
                              for h in HOOKS],
                    "constraints": [{"before": c.before, "after": c.after, "fact": c.fact,
                                     "why": c.why} for c in CONSTRAINTS]})
        return 0
    lines = ["fixes:"]
    lines += [f"  {fix.name:<20} {fix.title} [{', '.join(fix.facts)}] — {fix.proposer}"
              for fix in CATALOG]
    lines += ["", "hooks (action at point):"]
    lines += [f"  {h.name:<29} {h.function} [{h.fact}]" for h in HOOKS]
    lines += ["", "ordering constraints the search keeps:"]
    lines += [f"  {c.before} before {c.after} [{c.fact}]: {c.why}" for c in CONSTRAINTS]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """Judge (or search), then print the ranking or one JSON object."""
    from sim.errors import SimError
    from workbench.commands._common import print_json
    from workbench.fixes import choose, judge, load_fix_file, ranked_table, render_text, search

    if args.list:
        return _list(args.json)
    arches, eras = _axes(args)
    loaded = load_fix_file(args.fixes) if args.fixes else ()
    if args.search:
        if args.fix or args.fixes:
            raise SimError("--search explores its own candidates: do not combine it with"
                           " --fix or --fixes")
        found = search(max_hooks=args.max_hooks, arches=arches, eras=eras,
                       use_cache=not args.no_cache, progress=stderr_progress("fixes", "checks"))
        if args.json:
            print_json({"search": found.to_json()})
            return 0
        report = found.report
        lines = [found.conclusion(), ""]
        lines += ranked_table(report) if not args.brief else \
            [f"  {r.fix.name}" for r in found.minimal]
        blocked = [r for r in report.results if not r.complete]
        if blocked and not args.brief:
            lines += ["", "what blocks each incomplete candidate:"]
            lines += [f"  {r.fix.name}: {r.blocker()}" for r in blocked]
        f = report.figures
        lines += ["", f"{f.candidates} candidates, {f.requests} checks asked for,"
                  f" {f.unique} distinct, {f.cached} from the cache, {f.checked} checked;"
                  f" {f.states:,} states; cache hit rate {f.hit_rate:.0%}; {f.seconds:.1f} s"]
        sys.stdout.write("\n".join(lines) + "\n")
        return 0
    report = judge(choose(args.fix, loaded), arches=arches, eras=eras,
                   use_cache=not args.no_cache, progress=stderr_progress("fixes", "checks"))
    if args.json:
        print_json(report.to_json())
    else:
        sys.stdout.write(render_text(report, details=not args.brief))
    return 0
