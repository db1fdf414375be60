"""Provides the command palette entries of the History mode (ctrl+p)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from history.git.landmarks import LANDMARKS


class HistoryCommands(Provider):
    """Trace, blame and landmark jumps, by name."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from workbench.screens.history import HistoryScreen

        screen = self.screen
        if not isinstance(screen, HistoryScreen):
            return []
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("History: trace kvm_destroy_vm()", "git log -L over the exact function range",
             screen.action_trace),
            ("History: blame kvm_destroy_vm()", "blame at the highlighted commit",
             screen.action_blame),
            ("History: landmarks", "the commits the RFC question turns on",
             screen.action_landmarks),
            ("History: search commits", "the loaded commits, then the whole history (/)",
             screen.action_search),
            ("History: jump to a revision", "a hash of any length, a tag, a branch (:)",
             screen.action_jump),
        ]
        for mark in LANDMARKS:
            commands.append((f"Landmark: {mark.key} ({mark.version})", mark.subject,
                             partial(screen.jump_to_landmark, mark.key)))
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands()[:5]:
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
