"""``kvm-workbench rfc``: the RFC swap applied to a revision outside the repository.

Shows whether it applied (``exact``: the RFC hunk itself applies; ``drift``: applied at the
calls located by syntax although the context moved; ``already``; ``not-applied``), what
``git apply --check`` said in a temporary directory, the step list of ``kvm_destroy_vm()``
before and after side by side, and the change as a diff. Nothing in the user's repository is
written: the blob is read, and patched in a temporary non-repository.
"""

from __future__ import annotations

import argparse
import sys

from history.git.landmarks import RFC_MESSAGE_ID
from history.results import Step
from workbench.cli import add_repo_options
from workbench.commands._common import open_kernel, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("rfc", help="apply the RFC swap outside the repo; steps before/after")
    add_repo_options(parser)
    parser.add_argument("--no-diff", action="store_true", help="leave the diff out")
    parser.set_defaults(func=run)


def _cell(step: Step | None) -> str:
    if step is None:
        return ""
    cond = f" [{step.condition}]" if step.condition else ""
    return f"{step.line:>5} {step.name}{cond}"


def run(args: argparse.Namespace) -> int:
    from history.tree.rfc import apply_rfc

    src = open_kernel(args)
    result = apply_rfc(src)
    if args.json:
        print_json(result.to_json())
        return 0
    out = sys.stdout
    out.write(f"RFC <{RFC_MESSAGE_ID}>\non {src.root} at {src.label}: {result.path}\n")
    out.write(f"applied: {result.outcome} — {result.reason}\n")
    out.write(f"git apply --check (temporary directory): {result.git_apply}\n")
    before = result.before.steps if result.before else ()
    after = result.after.steps if result.after else ()
    if before:
        width = max(len(_cell(s)) for s in before) + 2
        out.write(f"\n   {'kvm_destroy_vm() before':<{width}} after\n")
        for index in range(max(len(before), len(after))):
            old = before[index] if index < len(before) else None
            new = after[index] if index < len(after) else None
            mark = "*" if (old and old.name) != (new and new.name) else " "
            out.write(f" {mark} {_cell(old):<{width}} {_cell(new)}\n")
    if result.diff and not args.no_diff:
        out.write("\n" + result.diff)
    return 0
