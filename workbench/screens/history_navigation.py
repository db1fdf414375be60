"""Provides ``HistoryNavigation``: reaching commits the log has not streamed yet.

A landmark or a search hit may lie far below the loaded rows (07f0a7bdec5c is a million
commits deep in a kernel clone): its detail shows at once, and the log streams on until the
cursor can land on it. A search asks git only after the loaded rows had no match.
"""

from __future__ import annotations

from textual import work
from textual.reactive import var
from textual.worker import get_current_worker

from history.errors import HistoryError
from history.git import queries
from history.results import ResolvedLandmark
from workbench.messages import HistoryFailed, SearchHit
from workbench.output import escape_controls
from workbench.screens.history_queries import HistoryQueries
from workbench.widgets.commit_list import CommitList


class HistoryNavigation(HistoryQueries):
    """Jumps to any commit of the history, loaded or not, and the whole-history search."""

    _pending_jump: str | None = None
    """A commit to put the cursor on once the log stream reaches it."""

    landmarks: var[tuple[ResolvedLandmark, ...]] = var(())
    """Every landmark resolved in this tree (empty until the landmarks worker answers)."""

    async def action_view(self, name: str) -> None:
        """Show a right-hand pane (the screen composes them)."""
        raise NotImplementedError

    async def jump_to_landmark(self, key: str) -> None:
        """Show a landmark's commit (and move the cursor there if it is loaded)."""
        mark = next((m for m in self.landmarks if m.key == key), None)
        if mark is None or mark.sha is None:
            self.notify(f"landmark {key} is absent in this tree", severity="warning")
            return
        await self.jump_to_commit(mark.sha, key)

    async def jump_to_commit(self, sha: str, label: str) -> None:
        """The commit's detail, with the cursor on it as soon as the log has loaded it."""
        commits = self.query_one(CommitList)
        index = commits.index_of(sha)
        if index is not None:
            commits.cursor = index
        else:  # shown at once; the list streams on until it reaches it, then the cursor goes
            self.jump_when_loaded(commits, sha, label)
        await self.action_view("detail")
        commits.focus()

    def jump_when_loaded(self, commits: CommitList, sha: str, label: str) -> None:
        """Show ``sha`` now and stream the log on until it is loaded (``follow_jump``)."""
        self._pending_jump = sha
        self.load_detail(sha)
        self.load_more(len(commits.rows) + self._load_ahead)
        self.notify(f"loading history up to {label} ({sha[:12]})…", markup=False)

    def follow_jump(self, commits: CommitList, done: bool) -> None:
        """After a batch: the cursor goes to the pending jump once it is loaded."""
        sha = self._pending_jump
        if sha is None:
            return
        index = commits.index_of(sha)
        if index is not None:
            self._pending_jump = None
            commits.cursor = index
        elif done:
            self._pending_jump = None
            self.notify(f"{sha[:12]} is not reachable from this revision", markup=False,
                        severity="warning")
        else:
            self.load_more(len(commits.rows) + self._load_ahead)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False,
          description="searching the whole history")
    def search_history(self, term: str) -> None:
        """Ask git for the first commit ``term`` names (hash, message, author, then the
        traced file's diffs); ``z`` or a new search stops it."""
        worker = get_current_worker()
        try:
            for how, commit in queries.search(self.repo, term, self.rev, paths=(self.path,),
                                              limit=1, cancelled=lambda: worker.is_cancelled):
                self.post_message(SearchHit(term, how, commit))
                return
        except HistoryError as error:
            self.post_message(HistoryFailed("search", str(error)))
            return
        if not worker.is_cancelled:
            self.post_message(SearchHit(term, "", None))

    @work(thread=True, exclusive=True, group="jump", exit_on_error=False,
          description="resolving a revision")
    def resolve_jump(self, name: str) -> None:
        """``:`` — the commit a revision name (hash of any length, tag, branch, ``HEAD~3``)
        names, as ``git rev-parse`` resolves it; the jump follows in ``on_search_hit``."""
        try:
            sha = self.repo.resolve(name)
            commit = next(queries.log(self.repo, sha, limit=1), None)
        except HistoryError as error:
            self.post_message(HistoryFailed("jump", str(error)))
            return
        self.post_message(SearchHit(name, "revision", commit))

    async def on_search_hit(self, message: SearchHit) -> None:
        if message.commit is None:
            self.notify(escape_controls(f"{message.term!r} names no commit of this history "
                                        f"(hash, message, author or {self.path})"),
                        markup=False, severity="warning")
            return
        label = message.term if message.how == "revision" else \
            f"{message.how} match for {message.term!r}"
        await self.jump_to_commit(message.commit.sha, escape_controls(label))
