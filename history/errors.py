"""Provides the one error type of history/: every message is a single line a user can act on."""

from __future__ import annotations


class HistoryError(Exception):
    """Bad input to history/ (not a repo, bad revision, missing path, shallow clone, ...).

    The CLI prints ``str(error)`` on one line and exits 2; nothing else is shown.
    """
