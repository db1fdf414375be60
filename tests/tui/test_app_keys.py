"""App-wide keys: ctrl+s saves a screenshot somewhere writable, never into the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from history.git.repo import KernelRepo
from workbench.app import make_app
from workbench.scenes import settle


async def _save(repo: KernelRepo) -> str:
    app = make_app(repo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        [note] = [n.message for n in app._notifications]
    return note


async def test_ctrl_s_saves_to_the_current_directory_and_says_where(
        kernel_like: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    note = await _save(KernelRepo.open(kernel_like))
    [svg] = list(tmp_path.glob("kvm-workbench-history-*.svg"))
    assert note == f"screenshot saved to {svg}" and svg.read_text().startswith("<svg")


async def test_ctrl_s_never_writes_into_the_repository_being_read(
        kernel_like: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(kernel_like)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    before = sorted(p.name for p in kernel_like.iterdir())
    note = await _save(KernelRepo.open(kernel_like))
    assert sorted(p.name for p in kernel_like.iterdir()) == before
    [svg] = list((tmp_path / "data" / "kvm-workbench" / "screenshots").glob("*.svg"))
    assert note == f"screenshot saved to {svg}"
