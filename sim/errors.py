"""Provides the error types of sim/: bad profiles and bad requests, each a single line."""

from __future__ import annotations


class SimError(Exception):
    """Bad input to the simulator; the CLI prints it on one line and exits 2."""


class ProfileError(SimError):
    """A profile that failed validation; the message lists every offending id at once."""
