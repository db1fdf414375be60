"""Keep the README true: every kvm-workbench command it shows runs and exits 0."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
#: The user's home as the README means it (read before the hermetic seal replaces HOME).
REAL_HOME = str(Path.home())
KERNEL_CACHE = Path(REAL_HOME) / ".cache" / "kvm-workbench" / "kernel-src"


def _commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("make ")]


def test_readme_shows_the_two_commands() -> None:
    assert "make run" in README and "make test" in README


@pytest.mark.parametrize("command", _commands())
def test_readme_command_runs(command: str, tmp_path: Path) -> None:
    if "~/.cache/kvm-workbench/kernel-src" in command and not (KERNEL_CACHE / "linux-git").is_dir():
        pytest.skip(f"kernel sources not cached in {KERNEL_CACHE}: run `make kernels`")
    # ~ is the user's home; tests/... names a file of this checkout (the cwd is scratch)
    argv = [arg.replace("~", REAL_HOME, 1) if arg.startswith("~/")
            else str(ROOT / arg) if arg.startswith("tests/") else arg
            for arg in shlex.split(command)]
    if argv[0] == ".venv/bin/kvm-workbench":
        argv = [sys.executable, "-m", "workbench", *argv[1:]]
    elif argv[0] == "python":
        argv[0] = sys.executable
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
