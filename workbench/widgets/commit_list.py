"""Provides ``CommitList``: a virtual commit list drawn with the Line API.

Why not a DataTable: a kernel log has 1.3M rows, and DataTable builds every row (PEERS §2,
textual#1892). Here rows are plain ``Commit`` values appended in batches while git streams;
only the visible lines are rendered, so appending and scrolling cost the same at any size.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from history.results import Commit
from workbench.output import escape_controls

#: Columns the subject keeps before the author and hash columns shrink.
MIN_SUBJECT = 40


class CommitList(ScrollView, can_focus=True):
    """Commits newest first; the cursor row is highlighted, landmarks carry a badge."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.pagedown"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.pageup"),
        Binding("home,g", "jump(0)", "First", show=False, id="list.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="list.last"),
        Binding("enter", "select", "Open", show=False, id="list.open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "commit-list--cursor",
        "commit-list--sha",
        "commit-list--date",
        "commit-list--author",
        "commit-list--landmark",
    }

    DEFAULT_CSS = """
    CommitList {
        background: $surface;
        overflow-x: hidden;
        & > .commit-list--cursor { background: $accent 40%; }
        &:focus > .commit-list--cursor { background: $accent; color: $text; }
        & > .commit-list--sha { color: $warning; }
        & > .commit-list--date { color: $text-muted; }
        & > .commit-list--author { color: $success; }
        & > .commit-list--landmark { color: $secondary; text-style: bold; }
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the highlighted row."""
    badges: var[dict[str, str]] = var(dict)
    """Short labels (landmark keys) shown before the subject of those commits, by sha."""

    class Highlighted(Message):
        """The cursor moved to a commit."""

        def __init__(self, commit_list: CommitList, commit: Commit, index: int) -> None:
            super().__init__()
            self.commit_list = commit_list
            self.commit = commit
            self.index = index

        @property
        def control(self) -> CommitList:
            return self.commit_list

    class Selected(Message):
        """Enter was pressed on a commit."""

        def __init__(self, commit_list: CommitList, commit: Commit) -> None:
            super().__init__()
            self.commit_list = commit_list
            self.commit = commit

        @property
        def control(self) -> CommitList:
            return self.commit_list

    class NearEnd(Message):
        """The cursor is close to the last loaded row: time to load more."""

        def __init__(self, commit_list: CommitList) -> None:
            super().__init__()
            self.commit_list = commit_list

        @property
        def control(self) -> CommitList:
            return self.commit_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Commit] = []
        """The loaded commits, newest first (appended in batches, never reactive: 1.3M rows)."""
        self._index_of: dict[str, int] = {}

    # -- data --------------------------------------------------------------------------------
    def clear(self) -> None:
        self.rows.clear()
        self._index_of.clear()
        self.virtual_size = Size(0, 0)
        self.cursor = 0
        self.refresh()

    def append(self, commits: list[Commit]) -> None:
        """Add a batch at the end; the cursor stays where it is."""
        first = not self.rows
        start = len(self.rows)
        self.rows.extend(commits)
        for offset, commit in enumerate(commits):
            self._index_of.setdefault(commit.sha, start + offset)
        self.virtual_size = Size(0, len(self.rows))  # rows fit the width: no x scroll
        self.refresh()
        if first and self.rows:
            self.cursor = 0

    def watch_badges(self) -> None:
        self.refresh()

    def find(self, term: str, direction: int) -> int | None:
        """The nearest row after (1) or before (-1) the cursor, wrapping around, whose
        subject or author contains ``term`` or whose sha starts with it (case-insensitive)."""
        term = term.lower()
        total = len(self.rows)
        for step in range(1, total + 1):
            index = (self.cursor + direction * step) % total
            row = self.rows[index]
            if term in row.subject.lower() or term in row.author.lower() \
                    or row.sha.startswith(term):
                return index
        return None

    def index_of(self, sha: str) -> int | None:
        return self._index_of.get(sha)

    @property
    def current(self) -> Commit | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # -- cursor ------------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1)) if self.rows else 0

    def watch_cursor(self, value: int) -> None:
        self.scroll_to_region(Region(0, value, 1, 1), animate=False, force=True)
        self.refresh()
        commit = self.current
        if commit is not None:
            self.post_message(self.Highlighted(self, commit, value))
        if len(self.rows) - value < max(200, 2 * self.size.height):
            self.post_message(self.NearEnd(self))

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.size.height - 1)

    def action_jump(self, where: int) -> None:
        self.cursor = 0 if where == 0 else len(self.rows) - 1

    def action_select(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self, self.current))

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int):
            self.cursor = self.scroll_offset.y + y

    # -- rendering ---------------------------------------------------------------------------
    @staticmethod
    def column_widths(width: int) -> tuple[int, int]:
        """Hash and author widths for a row ``width`` wide: the subject keeps at least
        ``MIN_SUBJECT`` columns by giving up the author, then hash digits (tig's rule of
        the subject first), down to 8 digits — still unique in a kernel clone."""
        sha, author = 12, 14
        if width - (sha + 1 + 11 + author + 1) < MIN_SUBJECT:
            author = 0
        if width - (sha + 1 + 11) < MIN_SUBJECT:
            sha = 8
        return sha, author

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        commit = self.rows[index]
        cursor = index == self.cursor
        row_style = base + self.get_component_rich_style("commit-list--cursor") if cursor \
            else base

        def part(text: str, component: str | None = None) -> Segment:
            style: Style = row_style
            if component is not None and not cursor:
                style = base + self.get_component_rich_style(component)
            return Segment(text, style)

        # author and subject come from the repository: control characters shown escaped
        sha_width, author_width = self.column_widths(width)
        segments = [
            part(commit.short[:sha_width] + " ", "commit-list--sha"),
            part(commit.day + " ", "commit-list--date"),
        ]
        if author_width:
            author = escape_controls(commit.author)[:author_width]
            segments.append(part(f"{author:<{author_width}} ", "commit-list--author"))
        badge = self.badges.get(commit.sha)
        if badge:
            segments.append(part(f"[{badge}] ", "commit-list--landmark"))
        segments.append(part(escape_controls(commit.subject)))
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, row_style)
