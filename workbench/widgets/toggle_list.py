"""Provides ``ToggleList``: the model's assumptions, each cycled through its values by enter.

A toggle is a modelling choice the kernel facts leave open (``sim.toggles``); a verdict
names the toggles it depends on, so flipping one and re-running shows what rests on it.
"""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.reactive import var
from textual.widgets import OptionList
from textual.widgets.option_list import Option


def _defaults() -> dict[str, str]:
    from sim.toggles import TOGGLES

    return {t.name: t.default for t in TOGGLES}


class ToggleList(OptionList):
    """``name = value`` per toggle, in the model's order."""

    values: var[dict[str, str]] = var(_defaults)
    """The value of every toggle (a new dict on each change, so watchers fire)."""

    class ToggleMessage(Message):
        """A message about one toggle and its value."""

        def __init__(self, toggle_list: ToggleList, toggle: str, value: str) -> None:
            super().__init__()
            self.toggle_list = toggle_list
            self.toggle = toggle
            self.value = value

        @property
        def control(self) -> ToggleList:
            return self.toggle_list

    class Changed(ToggleMessage):
        """A toggle took its next value."""

    class Highlighted(ToggleMessage):
        """The cursor is on a toggle."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(*self._toggle_options(_defaults()), id=id)

    @staticmethod
    def _toggle_options(values: dict[str, str]) -> list[Option]:
        return [Option(f"{name} = {value}", id=name) for name, value in values.items()]

    def watch_values(self, values: dict[str, str]) -> None:
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(self._toggle_options(values))
        self.highlighted = highlighted

    def cycle(self, name: str) -> None:
        """Give toggle ``name`` its next value (after the last comes the first)."""
        from sim.toggles import TOGGLE_BY_NAME

        choices = TOGGLE_BY_NAME[name].values
        value = choices[(choices.index(self.values[name]) + 1) % len(choices)]
        self.values = {**self.values, name: value}
        self.post_message(self.Changed(self, name, value))
        self.post_message(self.Highlighted(self, name, value))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, message: OptionList.OptionHighlighted) -> None:
        message.stop()
        name = message.option.id
        if name is not None and self.has_focus:
            self.post_message(self.Highlighted(self, name, self.values[name]))

    @on(OptionList.OptionSelected)
    def _selected(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        if message.option.id is not None:
            self.cycle(message.option.id)
