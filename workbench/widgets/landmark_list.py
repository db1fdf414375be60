"""Provides ``LandmarkList``: the commits the RFC question turns on, as this tree has them.

A landmark absent from the tree stays listed (disabled, "absent in this tree"): knowing
that a fix is missing is part of the answer.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.message import Message
from textual.reactive import var
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from history.results import ResolvedLandmark
from workbench.output import escape_controls


class LandmarkList(OptionList):
    """One row per landmark: key, version, sha and date (or absence), subject."""

    landmarks: var[tuple[ResolvedLandmark, ...]] = var(())
    """Every landmark, resolved in this tree."""

    class Chosen(Message):
        """Enter was pressed on a landmark present in the tree."""

        def __init__(self, landmark_list: LandmarkList, landmark: ResolvedLandmark) -> None:
            super().__init__()
            self.landmark_list = landmark_list
            self.landmark = landmark

        @property
        def control(self) -> LandmarkList:
            return self.landmark_list

    def watch_landmarks(self, landmarks: tuple[ResolvedLandmark, ...]) -> None:
        self.clear_options()
        for mark in landmarks:
            where = f"{mark.sha[:12]} {mark.date[:10] if mark.date else ''}" if mark.sha \
                else "absent in this tree"
            self.add_option(Option(Text(f"{mark.key:<20} {mark.version:<6} {where}  "
                                        f"{escape_controls(mark.subject)}"), id=mark.key,
                                   disabled=not mark.present))

    @on(OptionList.OptionSelected)
    def _chosen(self, message: OptionList.OptionSelected) -> None:
        message.stop()
        mark = next((m for m in self.landmarks if m.key == message.option.id), None)
        if mark is not None:
            self.post_message(self.Chosen(self, mark))
