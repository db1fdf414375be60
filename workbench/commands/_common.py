"""Provides what the history-reading commands share: opening the repo or tree, printing JSON."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from history.git.repo import KernelRepo

if TYPE_CHECKING:
    from history.tree.source import KernelSource


def open_repo(args: argparse.Namespace) -> KernelRepo:
    """The tree named by ``--repo`` / ``$KVM_WORKBENCH_REPO``, else the demo history."""
    return repo_or_demo(args.repo)


def repo_or_demo(path: str | None) -> KernelRepo:
    """The repository at ``path``, or the embedded demo history when there is none."""
    if path is None:
        from history.demo import open_demo

        return open_demo()
    return KernelRepo.open(path)


def add_function_options(parser: argparse.ArgumentParser, file_help: str) -> None:
    """The positional function and ``--file`` that trace and blame share, with one default."""
    from history.git import queries

    parser.add_argument("function", nargs="?", default=queries.DEFAULT_FUNCTION,
                        help="C function (default %(default)s)")
    parser.add_argument("--file", default=queries.DEFAULT_FILE,
                        help=f"{file_help} (default %(default)s)")


def print_json(data: Any) -> None:
    """One JSON object on stdout (the ``--json`` contract)."""
    from workbench.output import json_text

    sys.stdout.write(json_text(data) + "\n")


def commit_line(sha: str, date: str, author: str, subject: str) -> str:
    """The one-line commit format every listing uses (tig's main view columns)."""
    return f"{sha[:12]}  {date[:10]}  {author[:20]:<20}  {subject}"


def open_kernel(args: argparse.Namespace) -> KernelSource:
    """The kernel source named by ``--repo``/``--rev``: a git commit, a plain tree or the demo."""
    from history.tree.source import open_source

    if args.repo is None:
        return open_source(None, args.rev, repo=repo_or_demo(None))
    return open_source(args.repo, args.rev)
