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
from textual.reactive import var
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


#: (id, label, compact label) of each field's label: a compact row names the sizes as the
#: status line does (V=2 Q=4).
LABELS = (("arch", "arch", "arch"), ("era", "era", "era"), ("userspace", "userspace", "user"),
          ("vcpus", "vCPUs", "V"), ("queues", "queues", "Q"))


class ProfilePicker(Horizontal):
    """One row: arch, era, userspace, vCPUs, queues and the Run button; ``compact`` draws it
    one line high with short labels, for a narrow or short terminal."""

    compact: var[bool] = var(False)

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

        fields = {
            "arch": Select([(name, name) for name in ARCHES], value=DEFAULT_ARCH,
                           allow_blank=False, id="arch"),
            "era": NumberInput(DEFAULT_ERA, accept="0123456789.", id="era", max_length=5),
            "userspace": Select(userspace_choices(), value=DEFAULT_USERSPACE,
                                allow_blank=False, id="userspace"),
            "vcpus": NumberInput(str(DEFAULT_VCPUS), id="vcpus", max_length=3),
            "queues": NumberInput(str(DEFAULT_QUEUES), id="queues", max_length=5),
        }
        for key, label, _ in LABELS:
            yield Label(label, id=f"{key}-label")
            yield fields[key]
        yield Button("Run (r)", id="run", variant="primary")

    def watch_compact(self, compact: bool) -> None:
        self.set_class(compact, "-compact")
        for key, label, short in LABELS:
            self.query_one(f"#{key}-label", Label).update(short if compact else label)
        for select in self.query(Select):
            select.compact = compact
        for box in self.query(Input):
            box.compact = compact
        self.query_one(Button).compact = compact

    @property
    def era(self) -> str:
        return self.query_one("#era", Input).value.strip()

    def request(self, *, quiet: bool = False) -> ProfileRequest | None:
        """The fields as a request, or None (and, unless ``quiet``, a notification) when a
        size is no number."""
        try:
            vcpus = int(self.query_one("#vcpus", Input).value)
            queues = int(self.query_one("#queues", Input).value)
        except ValueError:
            if not quiet:
                self.notify("vCPUs and queues must be numbers", severity="error")
            return None
        return ProfileRequest(str(self.query_one("#arch", Select).value), self.era,
                              str(self.query_one("#userspace", Select).value), vcpus, queues)

    @on(Button.Pressed, "#run")
    @on(Input.Submitted)
    def _run(self, message: Message) -> None:
        message.stop()
        self.post_message(self.RunPressed(self))
