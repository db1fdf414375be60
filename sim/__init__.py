"""sim package.

The teardown model checker (DESIGN.md layer 1), pure standard library. The public API:

- ``build_profile(arch, era, order=..., ...)`` -> :class:`sim.profile.Profile`
- ``check(profile, *, claims=None, progress=None, cancelled=None)`` -> :class:`CheckResult`
- ``CLAIMS``, ``FEATURES``, ``TOGGLES``, ``ARCHES``, ``FACTS``: the tables the model rests on.

Names are resolved lazily (PEP 562) so that importing ``sim.errors`` — which every CLI command
does — does not load the model.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ARCHES": "sim.arches",
    "CLAIMS": "sim.claims",
    "CheckResult": "sim.result",
    "ClaimResult": "sim.result",
    "FACTS": "sim.facts",
    "FEATURES": "sim.eras",
    "Profile": "sim.profile",
    "TOGGLES": "sim.toggles",
    "build_profile": "sim.profile",
    "check": "sim.checker",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    return getattr(import_module(module), name)
