"""Provides the user's settings file: the theme the app remembers and a keymap by binding id.

``$XDG_CONFIG_HOME/kvm-workbench/config.toml`` (``~/.config/...`` by default)::

    theme = "textual-light"
    [keymap]
    "history.trace" = "T"        # binding id = key(s), comma-separated

Only ``kvm-workbench tui`` reads it: tests, snapshots and screenshots render the defaults. A
malformed file is one line naming it and the problem (exit 2). The app writes the file only
to remember a theme chosen in it, atomically, keeping the keymap.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import UsageError
from workbench.output import write_atomic


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kvm-workbench" / "config.toml"


@dataclass(frozen=True)
class Config:
    """What the file says; ``path`` is where it was read from (and is written back to)."""

    path: Path
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)

    def with_theme(self, theme: str) -> Config:
        return Config(self.path, theme, dict(self.keymap))

    def save(self) -> None:
        """Write the file whole (temporary file and rename): never half a config."""
        lines = [] if self.theme is None else [f"theme = {json.dumps(self.theme)}"]
        if self.keymap:
            lines += ["", "[keymap]"]
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in sorted(self.keymap.items())]
        write_atomic(self.path, "\n".join(lines) + "\n")


def load(binding_ids: Callable[[], Iterable[str]], themes: Iterable[str],
         path: Path | None = None) -> Config:
    """The settings at ``path`` (default ``config_path()``); absent file: the defaults.
    ``binding_ids`` is called only for a keymap: listing them imports every screen, which a
    launch without one must not pay for."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config(path)
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot be read: {getattr(error, 'strerror', None) or error}"
                         ) from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not TOML: {error}") from None
    unknown = sorted(set(data) - {"theme", "keymap"})
    if unknown:
        raise UsageError(f"{path}: unknown setting {unknown[0]!r} (theme, keymap)")
    theme = data.get("theme")
    if theme is not None and (not isinstance(theme, str) or theme not in set(themes)):
        raise UsageError(f"{path}: theme {theme!r} is not one of the app's themes")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        raise UsageError(f"{path}: keymap must be a table of binding id = keys")
    known = set(binding_ids()) if keymap else set()
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            raise UsageError(f"{path}: keymap names no binding {binding_id!r}")
        if not isinstance(keys, str) or not keys.strip():
            raise UsageError(f"{path}: keymap {binding_id!r} must be keys as a string")
    return Config(path, theme, dict(keymap))
