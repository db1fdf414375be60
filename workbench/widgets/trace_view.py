"""Provides ``TraceView``: a function's ``git log -L`` history, newest commit first.

Each commit is a heading (short sha, day, subject) over the part of its patch that touched
the function's exact line range; lines are drawn as needed, so a long history scrolls freely.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import var

from history.results import FunctionTrace
from workbench.output import escape_controls
from workbench.widgets.diff_view import patch_text
from workbench.widgets.text_view import TextView


def trace_text(trace: FunctionTrace) -> Text:
    """The range traced, then every commit that changed it with its hunk."""
    where = trace.range
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{where.name}() {where.path}:{where.start}-{where.end} at {where.rev[:12]}"
                f" — {len(trace.entries)} commits\n\n", style="bold")
    for entry in trace.entries:
        c = entry.commit
        text.append(f"{c.short} {c.day} ", style="yellow")
        text.append(f"{escape_controls(c.subject)}\n", style="bold")
        text.append_text(patch_text(entry.patch))
        text.append("\n")
    return text


class TraceView(TextView):
    """The ``log -L`` trace of one function (or a one-line note while it runs or fails)."""

    trace: var[FunctionTrace | None] = var(None, always_update=True)
    """The trace shown (None until the first one is ready)."""

    class Shown(Message):
        """A function's trace is on screen."""

        def __init__(self, view: TraceView, trace: FunctionTrace) -> None:
            super().__init__()
            self.view = view
            self.trace = trace

        @property
        def control(self) -> TraceView:
            return self.view

    def watch_trace(self, trace: FunctionTrace | None) -> None:
        if trace is None:
            return
        self.text = trace_text(trace)
        self.post_message(self.Shown(self, trace))
