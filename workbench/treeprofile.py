"""Provides the glue between a detected tree profile (history/) and the era table (sim/).

history/ reads features from source and may not import sim/; sim/ knows, per release, which
features an era has. This module puts the two side by side: for the tree's version (its
Makefile) every feature of the era table gets the detected verdict, and every disagreement is
reported, not hidden. ``feature_overrides`` turns the detected verdicts into the
``--feature NAME=on|off`` what-ifs a simulation of "this revision" needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from history.results import ABSENT, PRESENT, DetectedProfile, Detection, Result


@dataclass(frozen=True, slots=True)
class FeatureRow(Result):
    """One feature: what the tree shows and what the era table expects."""

    _json_properties = ("disagrees",)

    name: str = field(metadata={"json_name": "feature"})
    title: str
    fact: str
    detected: str
    """present / absent / unknown, or ``no detector``."""
    expected: bool | None
    """The era table's answer for this release; None when there is no era row."""
    detection: Detection | None
    in_table: bool = True
    """False for a detector whose feature the era table does not (yet) list."""

    @property
    def disagrees(self) -> bool:
        return self.expected is not None and self.detected in (PRESENT, ABSENT) and \
            (self.detected == PRESENT) != self.expected



@dataclass(frozen=True, slots=True)
class EraComparison(Result):
    """The detected profile against the era table row of the tree's release."""

    era: str | None
    note: str
    """Why there is no era row (no Makefile version, release outside the table), else ""."""
    rows: tuple[FeatureRow, ...]

    @property
    def disagreements(self) -> tuple[FeatureRow, ...]:
        return tuple(r for r in self.rows if r.disagrees)

    @property
    def unchecked(self) -> tuple[FeatureRow, ...]:
        return tuple(r for r in self.rows if r.detected not in (PRESENT, ABSENT))

    def to_json(self) -> dict[str, Any]:
        """The encoder's fields, plus the names (not the rows) that disagree or went unchecked."""
        data = Result.to_json(self)
        data["disagreements"] = [r.name for r in self.disagreements]
        data["unchecked"] = [r.name for r in self.unchecked]
        return data

    def feature_overrides(self) -> dict[str, bool]:
        """Detected present/absent verdicts, as ``build_profile(features=...)`` takes them."""
        return {r.name: r.detected == PRESENT for r in self.rows
                if r.in_table and r.detected in (PRESENT, ABSENT)}



def compare_with_eras(profile: DetectedProfile) -> EraComparison:
    """Every era-table feature with the tree's verdict; detectors the table lacks come last."""
    from sim.eras import FEATURES, features_for, parse_era
    from sim.errors import SimError

    era: str | None = None
    note = ""
    expected: frozenset[str] | None = None
    if profile.version is None:
        note = "the tree's Makefile gives no version"
    else:
        try:
            expected = features_for(parse_era(profile.version.release))
            era = profile.version.release
        except SimError as error:
            note = str(error)
    detected = {d.feature: d for d in profile.features}
    rows = [FeatureRow(f.name, f.title, f.fact,
                       detected[f.name].verdict if f.name in detected else "no detector",
                       None if expected is None else f.name in expected,
                       detected.get(f.name)) for f in FEATURES]
    known = {f.name for f in FEATURES}
    rows += [FeatureRow(d.feature, d.title, d.fact, d.verdict, None, d, in_table=False)
             for d in profile.features if d.feature not in known]
    return EraComparison(era, note, tuple(rows))

