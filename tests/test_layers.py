"""The layer rule at run time: sim and history load without Textual or Rich (DESIGN, Layout)."""

from __future__ import annotations

import subprocess
import sys


def test_cores_import_without_ui() -> None:
    code = (
        "import sys, sim, history, history.git.queries, history.git.repo, history.demo;"
        "import importlib, pkgutil\n"
        "for pkg in (sim, history):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'rich', 'workbench'))\n"
        "print(','.join(bad))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == ""
