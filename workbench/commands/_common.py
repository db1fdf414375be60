"""Provides what the history-reading commands share: opening the repo, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from history.repo import KernelRepo


def open_repo(args: argparse.Namespace) -> KernelRepo:
    """The tree named by ``--repo`` / ``$KVM_WORKBENCH_REPO``, else the demo history."""
    return KernelRepo.open(args.repo)


def print_json(data: Any) -> None:
    """One JSON object on stdout (the ``--json`` contract)."""
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def commit_line(sha: str, date: str, author: str, subject: str) -> str:
    """The one-line commit format every listing uses (tig's main view columns)."""
    return f"{sha[:12]}  {date[:10]}  {author[:20]:<20}  {subject}"
