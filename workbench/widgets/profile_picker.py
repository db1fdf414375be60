"""Provides ``ProfilePicker``: the architecture, era, userspace and sizes of one check.

The picker only reads its fields; ``sim.build_profile`` validates them when the check runs,
so a bad era is reported in one line by the model, not second-guessed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Select

from sim.defaults import (
    DEFAULT_ARCH,
    DEFAULT_ERA,
    DEFAULT_QUEUES,
    DEFAULT_USERSPACE,
    DEFAULT_VCPUS,
)


def userspace_choices() -> list[tuple[str, str]]:
    """Every userspace profile, with and without QEMU's async-teardown helper."""
    from sim.userspace import USERSPACE_NAMES

    return [(label, label) for name in USERSPACE_NAMES for label in (name, f"{name}+async")]


@dataclass(frozen=True, slots=True)
class ProfileRequest:
    """What to check, as picked (``userspace`` may end in ``+async``)."""

    arch: str
    era: str
    userspace: str
    vcpus: int
    queues: int


class NumberInput(Input):
    """An Input of digits (and the era's dot) that leaves every other key to the app: with
    the era box focused, ``h``, ``s``, ``r``, ``?`` and ``Q`` still do what the footer says."""

    def __init__(self, value: str, *, accept: str = "0123456789", **kwargs: Any) -> None:
        super().__init__(value, restrict=f"[{re.escape(accept)}]*", **kwargs)
        self.accept = accept

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in self.accept

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and (event.character or "") not in self.accept:
            # Not ours: Input's own handler must not swallow it (prevent_default skips the
            # base classes' handlers), and it bubbles on to the screen's and app's bindings.
            event.prevent_default()


class ProfilePicker(Horizontal):
    """One row: arch, era, userspace, vCPUs, queues and the Run button."""

    class RunPressed(Message):
        """Run was pressed, or enter in one of the fields."""

        def __init__(self, picker: ProfilePicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> ProfilePicker:
            return self.picker

    def compose(self) -> ComposeResult:
        from sim.arches import ARCHES

        yield Label("arch")
        yield Select([(name, name) for name in ARCHES], value=DEFAULT_ARCH, allow_blank=False,
                     id="arch")
        yield Label("era")
        yield NumberInput(DEFAULT_ERA, accept="0123456789.", id="era", max_length=5)
        yield Label("userspace")
        yield Select(userspace_choices(), value=DEFAULT_USERSPACE, allow_blank=False,
                     id="userspace")
        yield Label("vCPUs")
        yield NumberInput(str(DEFAULT_VCPUS), id="vcpus", max_length=3)
        yield Label("queues")
        yield NumberInput(str(DEFAULT_QUEUES), id="queues", max_length=5)
        yield Button("Run (r)", id="run", variant="primary")

    @property
    def era(self) -> str:
        return self.query_one("#era", Input).value.strip()

    def request(self) -> ProfileRequest | None:
        """The fields as a request, or None (and a notification) when a size is no number."""
        try:
            vcpus = int(self.query_one("#vcpus", Input).value)
            queues = int(self.query_one("#queues", Input).value)
        except ValueError:
            self.notify("vCPUs and queues must be numbers", severity="error")
            return None
        return ProfileRequest(str(self.query_one("#arch", Select).value), self.era,
                              str(self.query_one("#userspace", Select).value), vcpus, queues)

    @on(Button.Pressed, "#run")
    @on(Input.Submitted)
    def _run(self, message: Message) -> None:
        message.stop()
        self.post_message(self.RunPressed(self))
