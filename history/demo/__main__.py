"""``python -m history.demo build|edit|export`` (see history/demo/tool.py)."""

from __future__ import annotations

import sys

from history.demo.tool import main

if __name__ == "__main__":
    sys.exit(main())
