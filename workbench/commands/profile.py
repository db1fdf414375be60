"""``kvm-workbench profile``: which era features a kernel tree has, read from its source.

Each feature of the model's era table gets the detector's verdict (present / absent /
unknown) with file:line evidence, next to what the era table expects for the tree's release
(top-level Makefile). Disagreements are listed, never hidden. The comment anchors and fact
checks follow. Works on a git clone (``--rev``) and on a plain source directory.
"""

from __future__ import annotations

import argparse
import sys

from workbench.cli import add_repo_options
from workbench.commands._common import open_kernel, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("profile", help="era features of a kernel tree, from its source")
    add_repo_options(parser)
    parser.set_defaults(func=run)


def _expected(value: bool | None) -> str:
    return "-" if value is None else "present" if value else "absent"


def run(args: argparse.Namespace) -> int:
    from history.tree.detect import detect
    from workbench.treeprofile import compare_with_eras

    src = open_kernel(args)
    profile = detect(src)
    era = compare_with_eras(profile)
    if args.json:
        print_json({"profile": profile.to_json(), "era": era.to_json()})
        return 0
    out = sys.stdout
    version = profile.version
    release = f"Linux {version.full} ({version.evidence.where})" if version else "no version"
    out.write(f"profile of {src.root} at {src.label} — {release}\n")
    if era.era is None:
        out.write(f"era table: none ({era.note})\n")
    else:
        out.write(f"era table {era.era}: {len(era.disagreements)} disagreement(s), "
                  f"{len(era.unchecked)} unchecked\n")
    out.write(f"\n{'feature':<24} {'tree':<11} {'era':<8} {'fact':<6} evidence\n")
    for row in era.rows:
        mark = "≠" if row.disagrees else " "
        ev = row.detection.evidence if row.detection else ()
        first = ev[0].where if ev else (row.detection.reason if row.detection else "")
        out.write(f"{row.name:<24}{mark}{row.detected:<11} {_expected(row.expected):<8} "
                  f"{row.fact:<6} {first}\n")
    if era.disagreements:
        out.write("\ndisagreements with the era table:\n")
        for row in era.disagreements:
            reason = row.detection.reason if row.detection else ""
            wh = ", ".join(e.where for e in row.detection.evidence) if row.detection else ""
            out.write(f"  {row.name}: tree {row.detected}, era {era.era} expects "
                      f"{_expected(row.expected)} — {reason} [{wh}]\n")
    if era.unchecked:
        out.write("\nnot decided from this tree:\n")
        for row in era.unchecked:
            out.write(f"  {row.name}: {row.detection.reason if row.detection else row.detected}"
                      "\n")
    out.write("\ncomments and fact checks:\n")
    for check in profile.checks:
        wh = check.evidence[0].where if check.evidence else "-"
        out.write(f"  {check.verdict:<8} {check.fact:<6} {wh:<40} {check.title}\n")
    out.write(f"\n{profile.files_read} files read\n")
    return 0
