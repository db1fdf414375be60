"""Provides ``DiffView``: one commit's header, message and patch, coloured as ``git show`` is.

Every repository string is shown escaped (``Text``, never markup; control characters as
``\\x1b``), so a hostile commit message cannot restyle or move the terminal.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import var

from history.results import CommitDetail
from workbench.output import escape_controls
from workbench.widgets.text_view import TextView


def patch_text(patch: str) -> Text:
    """A unified diff coloured line by line (no pager, no external diff)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for line in patch.splitlines():
        style = ""
        if line.startswith(("+++", "---", "diff --git", "index ")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        text.append(escape_controls(line.expandtabs(8)) + "\n", style=style)
    return text


def detail_text(detail: CommitDetail) -> Text:
    """A commit's header, message, trailers and patch."""
    c = detail.commit
    safe = escape_controls
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"commit {c.sha}\n", style="bold yellow")
    text.append(f"Author: {safe(c.author)} <{safe(c.email)}>\nDate:   {safe(c.date)}\n\n")
    text.append(f"    {safe(c.subject)}\n", style="bold")
    for line in detail.body.splitlines():
        text.append(f"    {safe(line)}\n")
    if detail.trailers:
        text.append("\n")
        for key, value in detail.trailers:
            text.append(f"    {safe(key)}: ", style="magenta")
            text.append(f"{safe(value)}\n")
    text.append("\n")
    text.append_text(patch_text(detail.patch))
    if detail.truncated:
        text.append("\n[patch cut here]\n", style="italic")
    return text


class DiffView(TextView):
    """The detail of one commit; a new commit scrolls back to its header."""

    detail: var[CommitDetail | None] = var(None, always_update=True)
    """The commit shown (None until the first one is read)."""

    class Shown(Message):
        """A commit's detail is on screen."""

        def __init__(self, view: DiffView, detail: CommitDetail) -> None:
            super().__init__()
            self.view = view
            self.detail = detail

        @property
        def control(self) -> DiffView:
            return self.view

    def watch_detail(self, detail: CommitDetail | None) -> None:
        if detail is None:
            return
        self.text = detail_text(detail)
        self.scroll_home(animate=False)
        self.post_message(self.Shown(self, detail))
