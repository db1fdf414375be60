"""Provides the link from layer 2 to layer 1: the reset outcome classes a timed run (or a
Monte-Carlo series) produced become the checker's nondeterministic choices for the same
profile, so a latency profile under which 6.1's bounded wait gives up makes ``no-warn`` fail
with a trace, and one under which every reset is verified at once does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sim.checker import check
from sim.profile import Profile
from sim.result import CheckResult

#: The claims a reset outcome can decide (DESIGN layer 2: "faults reach the claims").
LINKED_CLAIMS = ("se-ap-reset", "no-warn", "no-leak", "no-hang")


def linked_profile(profile: Profile, classes: Sequence[str]) -> Profile:
    """The same profile with the timing model's reset outcomes as the checker's choices."""
    return dataclasses.replace(profile, reset_classes=tuple(classes),
                               claims=profile.claims or LINKED_CLAIMS)


def check_linked(profile: Profile, classes: Sequence[str]) -> CheckResult:
    """Model-check the profile with exactly these reset outcomes possible."""
    return check(linked_profile(profile, classes))
