"""Provides the Textual app and ``make_app``, the one factory for users, tests and screenshots.

Top-level areas are modes (one letter each). Only the modes that work are registered (History,
Simulator and Comments); the others arrive when they work, never as placeholders. Screens never call
into each other: a request for another mode is a message to the app, which routes it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from history.git.repo import KernelRepo
from workbench.commands_palette import HistoryCommands
from workbench.messages import BlameRequested, CounterexampleRequested, TraceRequested
from workbench.output import escape_controls
from workbench.screens.history import HistoryScreen

if TYPE_CHECKING:
    from textual.theme import Theme

    from workbench.config import Config

# The modules imported by now (Textual's and ours: some 50,000 objects) live as long as the
# process. Frozen, the garbage collector stops scanning them: the full collection that the
# launch's allocations trigger took 13-17 ms, nearly all of it spent on these objects.
gc.freeze()

class WorkbenchApp(App[None]):
    """kvm-teardown workbench."""

    TITLE = "kvm-teardown workbench"
    DEFAULT_MODE = "history"
    """The app starts in History: no blank default screen is built and switched away from."""
    COMMANDS: ClassVar = App.COMMANDS | {HistoryCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "switch_mode('history')", "History", id="app.mode-history",
                tooltip="commits, function trace, blame, landmarks"),
        Binding("s", "switch_mode('simulator')", "Simulator", id="app.mode-simulator",
                tooltip="model-check both call orders for an era and architecture"),
        Binding("c", "switch_mode('comments')", "Comments", id="app.mode-comments",
                tooltip="the kernel comments the swap keeps or invalidates"),
        Binding("R", "switch_mode('report')", "Report", id="app.mode-report",
                tooltip="every verdict and the answers to the RFC thread"),
        Binding("F", "switch_mode('fixes')", "Fixes", id="app.mode-fixes", show=False,
                tooltip="every proposed fix judged on every arch, era and userspace, ranked"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("Q,ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+s", "screenshot", "Screenshot", show=False, id="app.screenshot"),
        Binding("O", "toggle_maximize", "Maximize", show=False, id="app.maximize",
                tooltip="the focused pane fills the screen (O or escape restores)"),
    ]
    ALLOW_IN_MAXIMIZED_VIEW: ClassVar[str] = "Footer"
    """The key footer (a Footer) stays under a maximized pane."""

    def __init__(self, repo: KernelRepo, rev: str | None = None) -> None:
        super().__init__()
        self.repo = repo
        self.rev = rev
        self.config: Config | None = None
        """The user's settings file; None for tests and pictures, which use the defaults."""
        # Modes are added per instance because each screen needs the repository.
        self.add_mode("history", lambda: HistoryScreen(repo, rev))
        self.add_mode("simulator", _simulator_screen)
        self.add_mode("comments", lambda: _comments_screen(repo, rev))
        self.add_mode("report", lambda: _report_screen(repo, rev))
        self.add_mode("fixes", _fixes_screen)
        self.sub_title = "demo history" if repo.demo else escape_controls(str(repo.path))

    def use_config(self, config: Config) -> None:
        """Take the user's theme and keymap, and remember a theme chosen from now on."""
        self.config = config
        if config.theme is not None:
            self.theme = config.theme
        self.set_keymap(config.keymap)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme: Theme) -> None:
        """A theme chosen in the app is the next session's theme too."""
        if self.config is not None and theme.name != self.config.theme:
            self.config = self.config.with_theme(theme.name)
            try:
                self.config.save()
            except OSError as error:
                self.notify(f"theme not remembered: {error.strerror or error}",
                            severity="warning", markup=False)

    def on_unmount(self) -> None:
        """Quitting kills every git still running, so no worker thread keeps us alive."""
        from history.git.runner import stop_all

        stop_all()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return None  # shown disabled: that mode is already on screen
        return True

    async def on_trace_requested(self, message: TraceRequested) -> None:
        """A screen asked for a function's history: switch to History and trace it there."""
        await self.switch_mode("history")
        screen = self.screen
        if isinstance(screen, HistoryScreen):
            await screen.show_linked_trace(message.calls, message.arch)

    # -- routing the Comments mode's requests ---------------------------------------------------
    async def on_counterexample_requested(self, message: CounterexampleRequested) -> None:
        """A comment's counterexample: check its profile in the Simulator and open the step."""
        from workbench.screens.simulator import FixOverlay, SimulatorScreen

        await self.switch_mode("simulator")
        screen = self.screen
        if isinstance(screen, SimulatorScreen):
            await screen.open_counterexample(message.arch, message.era, message.userspace,
                                             message.order, message.claim, message.step,
                                             fix=FixOverlay(message.fix, message.hooks,
                                                            message.features, message.toggles)
                                             if message.fix else None)

    async def on_blame_requested(self, message: BlameRequested) -> None:
        """A comment's lines: blame them in History (which commit wrote them)."""
        await self.switch_mode("history")
        screen = self.screen
        if isinstance(screen, HistoryScreen):
            await screen.blame_lines(message.path, message.start, message.end, message.rev)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Save the screen as SVG (``ctrl+s``) and say where: the current directory, unless
        that is inside the repository being read (never written) or not writable, then
        ``$XDG_DATA_HOME/kvm-workbench/screenshots``."""
        from workbench.output import screenshot_dir, write_atomic

        directory = Path(path) if path else screenshot_dir(self.repo.path)
        name = filename or time.strftime(f"kvm-workbench-{self.current_mode}-%Y%m%d-%H%M%S.svg")
        try:
            target = write_atomic(directory / name, self.export_screenshot())
        except OSError as error:
            self.notify(f"screenshot not saved: {error.strerror or error}", severity="error",
                        markup=False)
            return
        self.notify(f"screenshot saved to {target}", markup=False)

    def action_toggle_maximize(self) -> None:
        """tig's ``O``: the focused pane (with its title) fills the screen, or comes back."""
        from textual.widgets import Input, Select

        screen = self.screen
        focused = screen.focused
        if screen.maximized is not None:
            screen.minimize()
        elif focused is None or isinstance(focused, Input | Select) \
                or not screen.maximize(focused):
            self.notify("nothing here to maximize: focus a pane first", severity="warning")

    def action_help(self) -> None:
        from workbench.dialogs.help import HelpScreen  # Markdown is slow to import: on demand

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys of this screen and what the workbench answers",
                            self.action_help)


def _simulator_screen() -> Screen[None]:
    """The Simulator, imported when first opened (its widgets and the model load then)."""
    from workbench.screens.simulator import SimulatorScreen

    return SimulatorScreen()


def _report_screen(repo: KernelRepo, rev: str | None) -> Screen[None]:
    """The Report, imported when first opened."""
    from workbench.screens.report import ReportScreen

    return ReportScreen(repo, rev)


def _fixes_screen() -> Screen[None]:
    """The Fixes mode, imported when first opened."""
    from workbench.screens.fixes import FixesScreen

    return FixesScreen()


def _comments_screen(repo: KernelRepo, rev: str | None) -> Screen[None]:
    """The Comments mode, imported when first opened (it loads the model and the catalog)."""
    from workbench.screens.comments import CommentsScreen

    return CommentsScreen(repo, rev)


def make_app(repo: KernelRepo | None = None, rev: str | None = None) -> WorkbenchApp:
    """Build the app on ``repo`` (default: the embedded demo history) at ``rev``."""
    if repo is None:
        from history.demo import open_demo

        repo = open_demo()
    return WorkbenchApp(repo, rev)
