"""Provides ``run_cli``: a CLI call as a test sees it, whether argparse exits or main returns."""

from __future__ import annotations

import pytest

from workbench.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit status (argparse's errors exit, the others return), stdout, stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exit_info:
        code = int(exit_info.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
