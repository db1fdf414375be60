"""``kvm-workbench config --path``: where the settings file (theme, keymap) lives."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("config", help="the settings file (theme, keymap)")
    parser.add_argument("--path", action="store_true", required=True,
                        help="print the settings file's path")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.config import config_path

    sys.stdout.write(f"{config_path()}\n")
    return 0
