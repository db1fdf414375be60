"""``python -m workbench`` is the console script."""

from workbench.cli import main

raise SystemExit(main())
