"""Provides the workbench's own bad-input error (flags that do not fit together, ...)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad command-line input detected by workbench/; printed on one line, exit status 2."""
