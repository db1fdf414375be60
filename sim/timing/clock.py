"""Provides the deterministic clock of the timing model: a discrete-event queue on ``heapq``.

Events are ordered by (time, priority, sequence): two events at the same microsecond run in
priority order (hardware before the kernel code that observes it), and events of equal
priority in the order they were scheduled. Times are integer microseconds, so no floating
point rounding can reorder two events on another machine; randomness never enters here (it
comes from the seeded generator a run is given). ``run(until=…)``, ``step()`` and ``peek()``
let a caller drive the clock one event at a time (tests) or to the end (a run).

A plain heap was measured against nothing heavier: the timing model schedules at most a few
events per AP queue, and a 65,536-queue teardown fits in one heap (bench/timing.py).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

Action = Callable[[Any], None]

#: Priorities: what the hardware does at an instant is visible to kernel code at that instant.
HARDWARE = 0
KERNEL = 1


class Clock:
    """A simulated clock with an event queue (microseconds since teardown began)."""

    __slots__ = ("_heap", "_seq", "events", "now")

    def __init__(self) -> None:
        self.now = 0
        self._heap: list[tuple[int, int, int, Action, Any]] = []
        self._seq = 0
        self.events = 0
        """Events run so far (bench/timing.py reports events per second)."""

    def at(self, time: int, priority: int, action: Action, arg: Any = None) -> None:
        """Schedule ``action(arg)`` at absolute ``time`` (never in the past)."""
        if time < self.now:
            raise ValueError(f"event at {time} µs is before now ({self.now} µs)")
        self._seq += 1
        heappush(self._heap, (time, priority, self._seq, action, arg))

    def after(self, delay: int, priority: int, action: Action, arg: Any = None) -> None:
        """Schedule ``action(arg)`` ``delay`` microseconds from now."""
        self.at(self.now + delay, priority, action, arg)

    def peek(self) -> tuple[int, int, int] | None:
        """(time, priority, sequence) of the next event, or None when nothing is scheduled."""
        if not self._heap:
            return None
        time, priority, seq, _, _ = self._heap[0]
        return time, priority, seq

    def step(self) -> bool:
        """Run the next event; False when nothing is scheduled."""
        if not self._heap:
            return False
        time, _, _, action, arg = heappop(self._heap)
        self.now = time
        self.events += 1
        action(arg)
        return True

    def run(self, until: int | None = None) -> int:
        """Run events up to and including ``until`` (all of them when None); returns how many
        ran. With ``until``, the clock stands at ``until`` afterwards unless it ran dry first."""
        heap = self._heap
        ran = 0
        while heap and (until is None or heap[0][0] <= until):
            time, _, _, action, arg = heappop(heap)
            self.now = time
            action(arg)
            ran += 1
        self.events += ran
        if until is not None and until > self.now and heap:
            self.now = until
        return ran

    def __len__(self) -> int:
        return len(self._heap)
