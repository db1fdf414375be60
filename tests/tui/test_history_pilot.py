"""Pilot tests of the History screen's key flows: search, trace, blame and blame-parent."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher, DataTable, Static

from history.git import queries
from history.git.repo import KernelRepo
from workbench.app import make_app
from workbench.messages import CommitsLoaded
from workbench.scenes import settle
from workbench.screens.history import HistoryScreen
from workbench.widgets.blame_pane import BlamePane
from workbench.widgets.commit_list import CommitList
from workbench.widgets.diff_view import DiffView


def _body(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector, Static).render())


async def test_search_n_and_shift_n(kernel_like: Path) -> None:
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        commits = app.screen.query_one(CommitList)
        assert commits.rows[0].subject == "x86: arch destroy"
        await pilot.press("slash", *"kvm:", "enter")
        assert commits.current is not None
        assert commits.current.subject == "kvm: debugfs only"
        await pilot.press("n")
        assert commits.current.subject == "kvm: destroy emulated devices on VM exit"
        await pilot.press("N")
        assert commits.current.subject == "kvm: debugfs only"
        await pilot.press("slash", "ctrl+a", *"zzz-none", "enter")
        await pilot.pause()
        assert commits.current.subject == "kvm: debugfs only"  # not found: cursor stays


async def test_detail_follows_cursor(kernel_like: Path) -> None:
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        await settle(pilot)
        assert "kvm: destroy emulated devices on VM exit" in _body(app, "#detail-body")
        assert "+       kvm_destroy_devices(kvm);" in _body(app, "#detail-body")


async def test_first_rows_bring_their_detail_in_one_message(kernel_like: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The first batch carries the first commit's detail: one frame shows both, and the
    cursor starting on that row asks git for nothing more."""
    shown: list[str] = []
    original = queries.show

    def counted(repo: KernelRepo, rev: str, **kwargs: int) -> object:
        shown.append(rev)
        return original(repo, rev, **kwargs)

    monkeypatch.setattr(queries, "show", counted)
    messages: list[object] = []
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await settle(pilot)
        first = next(m for m in messages if isinstance(m, CommitsLoaded))
        commits = app.screen.query_one(CommitList)
        assert first.detail is not None and first.detail.commit == commits.rows[0]
        assert app.screen.query_one(DiffView).detail == first.detail
        assert "x86: arch destroy" in _body(app, "#detail-body")
        assert shown == [commits.rows[0].sha]
        await pilot.press("j")
        await settle(pilot)
        assert shown == [commits.rows[0].sha, commits.rows[1].sha]


async def test_trace_shows_exact_function_history(kernel_like: Path) -> None:
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        text = _body(app, "#trace-body")
        assert "kvm_destroy_vm() virt/kvm/kvm_main.c:6-12" in text
        assert "— 2 commits" in text
        assert "kvm: debugfs only" not in text  # the debugfs trap is avoided


async def test_blame_then_blame_parent_then_back(kernel_like: Path) -> None:
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one("#blame-table", DataTable)
        texts = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        row = next(i for i, t in enumerate(texts) if "kvm_destroy_devices" in t)
        head_blame = screen.query_one(BlamePane).blame
        assert head_blame is not None
        table.move_cursor(row=row)
        chosen = head_blame.lines[row]
        await pilot.press("comma")
        await settle(pilot)
        parent = screen.query_one(BlamePane).blame
        assert parent is not None and parent.rev != head_blame.rev
        assert all("kvm_destroy_devices" not in line.text for line in parent.lines)
        assert "before" in _body(app, "#blame-title")
        # the cursor stays at the place of the line (tig keeps it across `,` and `<`)
        assert abs(parent.lines[table.cursor_row].line - chosen.orig_line) <= 1
        await pilot.press("less_than_sign")
        await settle(pilot)
        assert screen.query_one(BlamePane).blame is head_blame
        assert table.cursor_row == row


async def test_log_streams_in_batches_and_pauses(make_repo) -> None:  # type: ignore[no-untyped-def]
    """A long log arrives in batches and stops ahead of the cursor (git waits on its pipe)."""
    import history.git.queries  # noqa: F401
    from workbench.screens import history as screen_module

    path = make_repo("""
        for i in $(seq 1 1200); do echo $i > f; git add f; git commit -qm "c$i"; done
    """)
    messages: list[object] = []
    original = (screen_module.LOAD_AHEAD, screen_module.BATCH)
    screen_module.LOAD_AHEAD, screen_module.BATCH = 350, 100
    try:
        app = make_app(KernelRepo.open(path))
        async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
            for _ in range(5):
                await pilot.pause(0.05)
            commits = app.screen.query_one(CommitList)
            for _ in range(40):  # paused ahead of the cursor, and no row of a batch held back
                if len(commits.rows) >= 350:
                    break
                await pilot.pause(0.05)
            assert len(commits.rows) == 350
            await pilot.press("G")  # to the last loaded row: loads more
            await pilot.pause(0.3)
            await pilot.press("G")
            await settle(pilot)
            await pilot.press("z")
    finally:
        screen_module.LOAD_AHEAD, screen_module.BATCH = original
    batches = [m for m in messages if isinstance(m, CommitsLoaded)]
    assert len(batches) >= 5 and len(commits.rows) > 350


async def test_a_linked_call_chain_traces_its_innermost_defined_function(
        kernel_like: Path) -> None:
    """A Simulator step's chain lands on the function the tree defines, found by tree-sitter
    in whatever file defines it; History's own keys keep tracing what they traced before."""
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await screen.show_linked_trace(("kvm_destroy_vm", "kvm_arch_destroy_vm"), "x86")
        await settle(pilot)
        assert "kvm_arch_destroy_vm() arch/x86/kvm/x86.c:1-1" in _body(app, "#trace-body")
        await screen.show_linked_trace(("no_such_caller", "qemu_only"), None)
        await settle(pilot)
        assert "no_such_caller(), qemu_only(): not defined in" in _body(app, "#trace-body")
        assert (screen.path, screen.function) == ("virt/kvm/kvm_main.c", "kvm_destroy_vm")
        await pilot.press("t")
        await settle(pilot)
        assert "kvm_destroy_vm() virt/kvm/kvm_main.c:6-12" in _body(app, "#trace-body")


async def test_z_stops_a_hung_git_and_the_pane_says_so(kernel_like: Path, tmp_path: Path,
                                                      monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """git hangs while tracing (a fake git that sleeps); `z` kills it and the pane says so."""
    import history.git.runner
    from tests.conftest import HUNG, hung_git, running

    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        before = set(running(HUNG))
        monkeypatch.setattr(history.git.runner, "_git_binary", str(hung_git(tmp_path / "bin")))
        await pilot.press("t")
        for _ in range(500):
            if set(running(HUNG)) - before:
                break
            await pilot.pause(0.02)
        assert set(running(HUNG)) - before, "the fake git never started"
        await pilot.press("z")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "git was stopped" in _body(app, "#trace-body")
        assert set(running(HUNG)) - before == set()


async def test_a_worker_that_dies_says_so_instead_of_loading_forever(
        kernel_like: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A bug in a parser (not a HistoryError) ends in a visible message, not 'tracing…'."""
    from history.git import queries

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("not enough values to unpack")

    monkeypatch.setattr(queries, "trace", broken)
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        body = _body(app, "#trace-body")
        assert "internal error: ValueError: not enough values to unpack" in body


@pytest.fixture
def long_history(make_repo, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    """900 commits c1..c900 and the oldest's hash; the log pauses after 100 rows."""
    from workbench.screens import history as screen_module

    path = make_repo("""
        for i in $(seq 1 900); do echo $i > f; git add f; git commit -qm "c$i"; done
    """)
    monkeypatch.setattr(screen_module, "LOAD_AHEAD", 100)
    monkeypatch.setattr(screen_module, "BATCH", 50)
    return path, [c.sha for c in queries.log(KernelRepo.open(path))][-1]


async def _until(pilot, commits: CommitList, subject: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        await pilot.pause(0.05)
        if commits.current is not None and commits.current.subject == subject:
            return


async def test_a_jump_to_a_commit_not_loaded_yet_streams_until_it_lands(
        long_history: tuple[Path, str]) -> None:
    """A landmark far down the history: its detail shows at once, the list streams on past
    the pause, and the cursor lands on it (before, the answer was dropped as stale)."""
    path, oldest = long_history
    app = make_app(KernelRepo.open(path))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        commits = screen.query_one(CommitList)
        assert commits.index_of(oldest) is None  # paused well before it
        screen.jump_when_loaded(commits, oldest, "oldest")
        await _until(pilot, commits, "c1")
        await settle(pilot)
        assert commits.current is not None and commits.current.subject == "c1"
        assert "c1" in _body(app, "#detail-body")


async def test_search_reaches_the_whole_history(long_history: tuple[Path, str]) -> None:
    """A term the loaded rows lack is asked of git: a message far down, then an old hash."""
    path, oldest = long_history
    app = make_app(KernelRepo.open(path))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        commits = app.screen.query_one(CommitList)
        for term, subject in (("C1", "c199"), (oldest[:10], "c1")):
            await pilot.press("slash", *term, "enter")
            await _until(pilot, commits, subject)
            assert commits.current is not None and commits.current.subject == subject


async def test_tig_keys_blame_enter_opens_the_commit_q_goes_back_j_scrolls(
        kernel_like: Path) -> None:
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(120, 12)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await pilot.press("b")
        await settle(pilot)
        table = screen.query_one("#blame-table", DataTable)
        texts = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        table.move_cursor(row=next(i for i, t in enumerate(texts) if "kvm_destroy_devices" in t))
        await pilot.press("enter")  # the commit that added that line
        await settle(pilot)
        commits = screen.query_one(CommitList)
        assert commits.current is not None
        assert commits.current.subject == "kvm: destroy emulated devices on VM exit"
        assert screen.query_one("#right", ContentSwitcher).current == "detail"
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("q")  # back from the trace to the detail and the list
        await settle(pilot)
        assert screen.query_one("#right", ContentSwitcher).current == "detail"
        assert commits.has_focus
        detail = screen.query_one("#detail", DiffView)
        detail.focus()
        await pilot.press("j", "j")
        await settle(pilot)
        assert detail.scroll_y == 2
        await pilot.press("k")
        await settle(pilot)
        assert detail.scroll_y == 1


async def test_colon_jumps_to_any_revision_and_says_why_not(
        long_history: tuple[Path, str]) -> None:
    """``:`` takes what ``git rev-parse`` takes: a short hash far below the loaded rows
    lands (the log streams on), ``HEAD~2`` lands, a bad name is one line."""
    path, oldest = long_history
    app = make_app(KernelRepo.open(path))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        commits = app.screen.query_one(CommitList)
        assert commits.index_of(oldest) is None
        await pilot.press("colon", *oldest[:9], "enter")
        await _until(pilot, commits, "c1")
        assert commits.current is not None and commits.current.subject == "c1"
        await pilot.press("colon", *"HEAD~2", "enter")
        await _until(pilot, commits, "c898")
        assert commits.current.subject == "c898"
        notes: list[str] = []
        app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
        await pilot.press("colon", *"no-such-rev", "enter")
        await settle(pilot)
        assert commits.current.subject == "c898"
        assert any("bad revision 'no-such-rev'" in note for note in notes), notes


async def test_80x24_puts_the_list_over_the_pane_with_readable_subjects(
        kernel_like: Path) -> None:
    from workbench.widgets.commit_list import MIN_SUBJECT

    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        commits = screen.query_one(CommitList)
        detail = screen.query_one("#detail", DiffView)
        assert commits.region.width >= 78 and detail.region.y > commits.region.bottom - 1
        row = "".join(segment.text for segment in commits.render_line(0))
        assert commits.rows[0].subject in row
        sha, author = CommitList.column_widths(commits.region.width)
        assert commits.region.width - (sha + 1 + 11 + (author + 1 if author else 0)) \
            >= MIN_SUBJECT
    app = make_app(KernelRepo.open(kernel_like))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        commits = app.screen.query_one(CommitList)
        detail = app.screen.query_one("#detail", DiffView)
        assert detail.region.x >= commits.region.right  # side by side when wide


def test_commit_columns_give_way_to_the_subject() -> None:
    assert CommitList.column_widths(120) == (12, 14)
    assert CommitList.column_widths(70) == (12, 0)   # the author goes first
    assert CommitList.column_widths(56) == (8, 0)    # then hash digits


async def test_long_lines_scroll_sideways_or_wrap_and_O_maximizes(make_repo) -> None:  # type: ignore[no-untyped-def]
    wide = "x" * 300
    path = make_repo(f"""
        echo "{wide}" > f; git add f; git commit -qm "long line"
    """)
    app = make_app(KernelRepo.open(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        detail = screen.query_one("#detail", DiffView)
        detail.focus()
        await settle(pilot)
        assert detail.max_scroll_x > 200  # the 300 columns are reachable
        await pilot.press("right", "right")
        await settle(pilot)
        assert detail.scroll_x > 0
        lines_before = detail.virtual_size.height
        await pilot.press("w")
        await settle(pilot)
        assert detail.max_scroll_x == 0 and detail.virtual_size.height > lines_before
        await pilot.press("w")
        await settle(pilot)
        assert detail.virtual_size.height == lines_before
        await pilot.press("O")
        await settle(pilot)
        assert screen.maximized is detail and detail.region.width == 100
        await pilot.press("O")
        await settle(pilot)
        assert screen.maximized is None
