"""Provides the screen-level messages: past-tense facts that workers post to the UI thread.

Workers only call history/ or sim/ and post one of these (``post_message`` is thread-safe);
handlers on the screen update widgets. ``CommitsLoaded`` may arrive hundreds of times while a
kernel log streams, so each carries a batch, not a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from history.results import Blame, Commit, CommitDetail, FunctionTrace, ResolvedLandmark

if TYPE_CHECKING:  # the model loads only when the Simulator runs
    from sim.result import CheckResult
    from workbench.comments import CommentsReport
    from workbench.timing import TimingReport


@dataclass
class CommitsLoaded(Message):
    """A batch of log rows arrived; ``done`` when git finished (or loading was stopped)."""

    commits: list[Commit]
    done: bool
    detail: CommitDetail | None = None
    """The first row's detail, read with the first batch so that one frame shows both."""


@dataclass
class DetailLoaded(Message):
    """The message and patch of one commit are ready."""

    detail: CommitDetail


@dataclass
class TraceLoaded(Message):
    """A function's ``log -L`` history is ready."""

    trace: FunctionTrace
    note: str = ""
    """Said once with it (a linked function traced at an older revision, and why)."""


@dataclass
class BlameLoaded(Message):
    """Blame of a function (or of its parent revision) is ready."""

    blame: Blame
    parent_of: str | None = None
    """Set when this is the blame before that commit (tig's ``,``)."""
    near: int | None = None
    """The line (in this blame's file) the cursor should land nearest to."""


@dataclass
class LandmarksLoaded(Message):
    """Every landmark, resolved in this tree (absent ones included)."""

    landmarks: tuple[ResolvedLandmark, ...]


@dataclass
class HistoryFailed(Message):
    """A git query failed with a one-line reason (bad revision, missing file, ...)."""

    what: str
    reason: str


@dataclass
class StatesExplored(Message):
    """Progress of a running check; a newer one replaces an unprocessed older one."""

    order: str
    states: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatesExplored) and message.order == self.order


@dataclass
class CheckFinished(Message):
    """One call order has been checked exhaustively."""

    order: str
    result: CheckResult


@dataclass
class TimingFinished(Message):
    """The timing model ran both call orders."""

    report: TimingReport


@dataclass
class TimingFailed(Message):
    """The timing model could not run (a bad spec or size: one line)."""

    reason: str


@dataclass
class CheckFailed(Message):
    """A check could not run: bad profile (one line) or cancelled."""

    reason: str


@dataclass
class TraceRequested(Message):
    """A screen asks for the ``log -L`` history of a step's call chain; the app shows it in
    History, which traces the innermost function the open tree defines (for ``arch``, in its
    own ``arch/`` directory) or says in one line why none is.

    Posted to the app, never to another screen: the app owns the modes and routes it.
    """

    calls: tuple[str, ...]
    arch: str | None = None


@dataclass
class SearchHit(Message):
    """The first commit of the whole history that a search term names (None: no commit)."""

    term: str
    how: str
    """``hash``, ``message``, ``author`` or ``pickaxe`` (the pass of ``queries.search``)."""
    commit: Commit | None


# -- Comments mode ------------------------------------------------------------------------------
@dataclass
class CommentsProgress(Message):
    """Progress of the comments check: states explored for one arch and order so far."""

    arch: str
    order: str
    states: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CommentsProgress)


@dataclass
class CommentsChecked(Message):
    """Every catalogued comment has been read and judged in both orders."""

    report: CommentsReport


@dataclass
class CommentsFailed(Message):
    """The comments check could not run (one line) or was cancelled."""

    reason: str


@dataclass
class CounterexampleRequested(Message):
    """A screen asks to see a counterexample in the Simulator: the app checks ``arch`` at
    ``era`` with ``userspace`` there and opens ``claim`` under ``order`` at ``step``.

    Posted to the app, never to another screen: the app owns the modes and routes it.
    """

    arch: str
    era: str
    userspace: str
    order: str
    claim: str
    step: int
    fix: str = ""
    """A proposed fix to apply (sim.fixes): its name, hooks, feature and toggle changes."""
    hooks: tuple[str, ...] = ()
    features: tuple[tuple[str, bool], ...] = ()
    toggles: tuple[tuple[str, str], ...] = ()


@dataclass
class BlameRequested(Message):
    """A screen asks History to blame lines ``start``-``end`` of ``path`` at ``rev`` (which
    commit wrote them). Posted to the app, which routes it."""

    path: str
    start: int
    end: int
    rev: str | None = None
