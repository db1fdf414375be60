"""The settings file: theme and keymap by binding id, remembered, and refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.app import make_app
from workbench.commands.tui import binding_ids
from workbench.config import Config, config_path, load
from workbench.errors import UsageError
from workbench.scenes import settle

THEMES = ("textual-dark", "textual-light", "nord")


def test_config_path_follows_xdg_and_the_cli_prints_it(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "kvm-workbench" / "config.toml"
    out = subprocess.run([sys.executable, "-m", "workbench", "config", "--path"], check=True,
                         capture_output=True, text=True, env={**os.environ}).stdout
    assert out == f"{tmp_path / 'kvm-workbench' / 'config.toml'}\n"


@pytest.mark.parametrize(("text", "problem"), [
    ("theme = ", "not TOML"),
    ("colour = 'red'", "unknown setting 'colour'"),
    ("theme = 'no-such-theme'", "theme 'no-such-theme' is not one of the app's themes"),
    ("[keymap]\n'history.nope' = 'x'", "keymap names no binding 'history.nope'"),
    ("[keymap]\n'history.trace' = 3", "keymap 'history.trace' must be keys as a string"),
    ("keymap = 'T'", "keymap must be a table"),
])
def test_a_malformed_file_is_one_line_naming_it(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as error:
        load(binding_ids, THEMES, path)
    assert str(error.value).startswith(f"{path}: ") and problem in str(error.value)
    assert "\n" not in str(error.value)


def test_every_binding_has_an_id_a_keymap_can_name() -> None:
    ids = binding_ids()
    assert {"app.quit", "history.trace", "history.blame", "sim.run", "list.down"} <= ids


async def test_keymap_rebinds_and_a_chosen_theme_is_remembered(tmp_path: Path) -> None:
    path = tmp_path / "kvm-workbench" / "config.toml"
    path.parent.mkdir()
    path.write_text("[keymap]\n'history.trace' = 'T'\n")
    app = make_app()
    app.use_config(load(binding_ids, app.available_themes, path))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        assert app.screen.query_one("#right").current == "trace"  # type: ignore[attr-defined]
        app.theme = "textual-light"
        await settle(pilot)
    again = load(binding_ids, app.available_themes, path)
    assert again == Config(path, "textual-light", {"history.trace": "T"})


def test_tui_refuses_a_malformed_file_before_taking_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "kvm-workbench" / "config.toml"
    path.parent.mkdir()
    path.write_text("theme = [")
    done = subprocess.run([sys.executable, "-m", "workbench", "tui"], capture_output=True,
                          text=True, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
                          timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"kvm-workbench: error: {path}: not TOML")
    assert done.stderr.count("\n") == 1
