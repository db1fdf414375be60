"""Provides the era-features viewer: which kernel features the checked profile has, and why.

A profile is the era's feature set (``sim.eras.FEATURES``) plus what a tree's detectors or
``--feature`` changed. The viewer lists every feature with its state in the profile, the
fact and commit of its boundary, and what the facts could not confirm about it, so
"6.12" on screen can be read as the switches it stands for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.dialogs.frame import Dialog

if TYPE_CHECKING:
    from sim.profile import Profile


def features_text(profile: Profile) -> str:
    """One entry per era feature: present / absent (or excluded), boundary, fact, commit."""
    from sim.eras import FEATURES, format_version

    lines = [f"Era features of {profile.arch} {format_version(profile.era)}"
             f" ({len(profile.features)} present)", ""]
    for feature in FEATURES:
        state = ("excluded" if feature.name in profile.excluded
                 else "present" if feature.name in profile.features else "absent")
        since = format_version(feature.since) if feature.since else "no mainline release"
        until = f", removed in {format_version(feature.until)}" if feature.until else ""
        commit = f"  commit {feature.commit[:12]}" if feature.commit else ""
        lines.append(f"{state:<8} {feature.name} — {feature.title}")
        lines.append(f"         since {since}{until}  [{feature.fact}]{commit}")
        if feature.unverified:
            lines.append(f"         unverified: {feature.unverified}")
    return "\n".join(lines)


class FeatureScreen(Dialog):
    """The era features of one profile; escape, q or e closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,e", "dismiss", "Close", id="features.close"),
    ]

    DEFAULT_CSS = """
    FeatureScreen > VerticalScroll { max-width: 120; height: 90%; }
    """

    def __init__(self, profile: Profile) -> None:
        super().__init__()
        self.profile = profile

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(features_text(self.profile), id="features-body", markup=False)
