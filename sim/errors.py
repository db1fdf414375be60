"""Provides the error types of sim/: bad profiles and bad requests, each a single line."""

from __future__ import annotations

from collections.abc import Sequence


class SimError(Exception):
    """Bad input to the simulator; the CLI prints it on one line and exits 2."""


class ProfileError(SimError):
    """A profile that failed validation; the message lists every offending id at once."""

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) \
            else tuple(problems)
        super().__init__("invalid profile: " + "; ".join(self.problems))


class ModelError(Exception):
    """The model contradicts itself (a table entry citing an unknown fact, a kernel step
    without an effect): a bug in sim/, never bad input, so it is not a SimError."""


class CheckCancelled(Exception):
    """The caller's ``cancelled()`` returned true; the search stopped early."""

    def __init__(self, states: int) -> None:
        self.states = states
        super().__init__(f"check cancelled after {states} states")
