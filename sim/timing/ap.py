"""Provides the AP hardware and the Ultravisor of the timing model.

AP queues (APQN = adapter × domain) answer the PQAP functions the kernel issues at teardown —
ZAPQ (reset and zeroize, function code 2) and TAPQ (test) — and AQIC (interrupt control, which
the guest issues through KVM's intercept when it enables interrupts, F6.7) with a status word:
the response code and the queue-empty and IRQ-enabled bits. The rules:

- the status word reflects the queue at the instant of the instruction;
- a ZAPQ on a queue that is not resetting starts a reset and answers NORMAL; its effect — the
  queue emptied, interrupts disabled, and (F7.11) its SE binding and association dissolved —
  lands when the reset completes, after the queue's drawn latency (0: at once, so the ZAPQ's
  own status already shows it);
- while a reset is in progress ZAPQ and TAPQ answer RESET_IN_PROGRESS;
- an adapter fault makes every later instruction on its queues answer DECONFIGURED,
  CHECKSTOPPED or Q_NOT_AVAIL, and the interrupted reset never completes (so the queue keeps
  its binding: nothing says a broken adapter unbinds);
- a ``busy`` queue answers BUSY (and starts no reset) until its time;
- an ``assoc-fail`` queue answers 0x35 after its first reset until a later reset completes
  ([6.12] vfio_ap_ops.c:1924-1933 says every AP instruction ends with that code until reset).

Completion is evaluated when a queue is observed, so a 65,536-queue run schedules no event per
completion. The Ultravisor refuses Destroy Secure Configuration — normal and fast — while any
queue of the guest is bound or associated, when the layer-1 toggles say so (F7.11); the fast
UVC's refusal is RC 0x104 (b1e428615f15), the normal one's code is not public.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sim.timing.spec import ADAPTER_FAULTS, US_PER_MS, Hardware

NEVER = 1 << 62
"""done_at of a reset that never completes."""


@dataclass(frozen=True, slots=True)
class ResponseCode:
    """An AP response code as drivers/s390/crypto/ap_bus.h defines it."""

    value: int
    name: str
    meaning: str
    lines: tuple[tuple[str, int], ...]
    """(tree, line in drivers/s390/crypto/ap_bus.h) for each Debian tree that defines it."""


RESPONSE_CODES: tuple[ResponseCode, ...] = (
    ResponseCode(0x00, "AP_RESPONSE_NORMAL", "normal", (("6.1", 42), ("6.12", 42))),
    ResponseCode(0x01, "AP_RESPONSE_Q_NOT_AVAIL", "queue not available",
                 (("6.1", 43), ("6.12", 43))),
    ResponseCode(0x02, "AP_RESPONSE_RESET_IN_PROGRESS", "reset in progress",
                 (("6.1", 44), ("6.12", 44))),
    ResponseCode(0x03, "AP_RESPONSE_DECONFIGURED", "adapter deconfigured",
                 (("6.1", 45), ("6.12", 45))),
    ResponseCode(0x04, "AP_RESPONSE_CHECKSTOPPED", "adapter checkstopped",
                 (("6.1", 46), ("6.12", 46))),
    ResponseCode(0x05, "AP_RESPONSE_BUSY", "busy", (("6.1", 47), ("6.12", 47))),
    ResponseCode(0x0A, "AP_RESPONSE_STATE_CHANGE_IN_PROGRESS", "state change in progress",
                 (("6.12", 52),)),
    ResponseCode(0x35, "AP_RESPONSE_ASSOC_SECRET_NOT_UNIQUE",
                 "SE association failed: secret not unique", (("6.12", 65),)),
    ResponseCode(0x36, "AP_RESPONSE_ASSOC_FAILED", "SE association failed", (("6.12", 66),)),
)
RC_BY_NAME = {rc.name.removeprefix("AP_RESPONSE_"): rc.value for rc in RESPONSE_CODES}
RC_NAME = {rc.value: rc.name.removeprefix("AP_RESPONSE_") for rc in RESPONSE_CODES}

NORMAL = RC_BY_NAME["NORMAL"]
Q_NOT_AVAIL = RC_BY_NAME["Q_NOT_AVAIL"]
RESET_IN_PROGRESS = RC_BY_NAME["RESET_IN_PROGRESS"]
DECONFIGURED = RC_BY_NAME["DECONFIGURED"]
CHECKSTOPPED = RC_BY_NAME["CHECKSTOPPED"]
BUSY = RC_BY_NAME["BUSY"]
STATE_CHANGE_IN_PROGRESS = RC_BY_NAME["STATE_CHANGE_IN_PROGRESS"]
ASSOC_SECRET_NOT_UNIQUE = RC_BY_NAME["ASSOC_SECRET_NOT_UNIQUE"]
ASSOC_FAILED = RC_BY_NAME["ASSOC_FAILED"]

_ADAPTER_RC = {"deconfig": DECONFIGURED, "checkstop": CHECKSTOPPED, "gone": Q_NOT_AVAIL}


class ApBus:
    """Every queue of the guest's mdev, as parallel lists indexed by queue number."""

    __slots__ = (
        "adapter_at",
        "adapter_rc",
        "assoc_fail",
        "async_rc",
        "bound",
        "busy_until",
        "done_at",
        "empty",
        "hw",
        "irq",
        "n",
        "resets",
        "rng",
        "stuck",
    )

    def __init__(self, hw: Hardware, rng: Random, *, bound: bool) -> None:
        self.hw = hw
        self.rng = rng
        n = self.n = hw.queues
        self.empty = [True] * n
        self.irq = [hw.irq] * n
        self.bound = [bound] * n
        self.done_at = [-1] * n
        """When the reset in progress completes; -1 none issued or applied; NEVER stuck."""
        self.resets = [0] * n
        self.async_rc = [0] * n
        self.assoc_fail = [False] * n
        self.stuck = [False] * n
        """The queue's resets never complete (the ``stuck`` fault)."""
        self.busy_until = [0] * n
        """The queue answers BUSY to every instruction before this time (``busy``)."""
        self.adapter_rc = [0] * hw.adapters
        self.adapter_at = [NEVER] * hw.adapters
        self._inject()

    def _pick(self, count: int, share: float) -> list[int]:
        """Each of ``count`` targets independently with probability ``share`` (so a share of
        one adapter is a chance, not a certainty)."""
        draw = self.rng.random
        return [i for i in range(count) if draw() < share]

    def _inject(self) -> None:
        hw = self.hw
        for fault in hw.faults:
            share = fault.share()
            if fault.kind in ADAPTER_FAULTS:
                adapters = self._pick(hw.adapters, share) if share is not None \
                    else [int(fault.target, 16)]
                for a in adapters:
                    if round(fault.at_ms * US_PER_MS) < self.adapter_at[a]:
                        self.adapter_at[a] = round(fault.at_ms * US_PER_MS)
                        self.adapter_rc[a] = _ADAPTER_RC[fault.kind]
                continue
            if share is not None:
                queues = self._pick(self.n, share)
            else:
                card, _, dom = fault.target.partition(".")
                queues = [int(card, 16) * hw.domains + int(dom, 16)]
            for q in queues:
                if fault.kind == "stuck":
                    self.stuck[q] = True
                elif fault.kind == "busy":
                    self.busy_until[q] = max(self.busy_until[q], round(fault.at_ms * US_PER_MS))
                else:
                    self.assoc_fail[q] = True

    # Completion is applied lazily, when a queue is observed.
    def _settle(self, q: int, t: int) -> None:
        done = self.done_at[q]
        if 0 <= done <= t:
            self.done_at[q] = -1
            self.empty[q] = True
            self.irq[q] = False
            self.bound[q] = False
            self.async_rc[q] = 0
            if self.assoc_fail[q] and self.resets[q] == 1:
                self.async_rc[q] = ASSOC_SECRET_NOT_UNIQUE

    def _adapter_rc(self, q: int, t: int) -> int:
        a = q // self.hw.domains
        return self.adapter_rc[a] if self.adapter_at[a] <= t else 0

    def zapq(self, q: int, t: int) -> tuple[int, bool, bool]:
        """PQAP(ZAPQ) at time t: (response code, queue empty, IRQ enabled)."""
        rc = self._adapter_rc(q, t)
        if rc:
            if self.done_at[q] > t:  # the adapter broke mid-reset: it never completes
                self.done_at[q] = -1
            return rc, self.empty[q], self.irq[q]
        self._settle(q, t)
        if self.done_at[q] > t:
            return RESET_IN_PROGRESS, self.empty[q], self.irq[q]
        if t < self.busy_until[q]:  # refused: no reset starts
            return BUSY, self.empty[q], self.irq[q]
        self.resets[q] += 1
        if self.stuck[q]:
            self.done_at[q] = NEVER
        else:
            latency = self.hw.latency.draw(self.rng)
            self.done_at[q] = t + latency
            if self.adapter_at[q // self.hw.domains] <= t + latency:
                self.done_at[q] = NEVER  # the adapter fails before this reset completes
        self._settle(q, t)
        if self.hw.zapq_status == "reset-done":
            return NORMAL, True, False
        return NORMAL, self.empty[q], self.irq[q]

    def tapq(self, q: int, t: int) -> tuple[int, bool, bool]:
        """PQAP(TAPQ) at time t: (response code, queue empty, IRQ enabled)."""
        rc = self._adapter_rc(q, t)
        if rc:
            return rc, self.empty[q], self.irq[q]
        self._settle(q, t)
        if self.done_at[q] > t:
            return RESET_IN_PROGRESS, self.empty[q], self.irq[q]
        if t < self.busy_until[q]:
            return BUSY, self.empty[q], self.irq[q]
        if self.async_rc[q]:
            return self.async_rc[q], self.empty[q], self.irq[q]
        return NORMAL, self.empty[q], self.irq[q]

    def aqic_enable(self, q: int) -> None:
        """PQAP(AQIC) enabling interrupts (the guest's, before teardown, F6.7)."""
        self.irq[q] = True

    def bound_at(self, t: int) -> list[int]:
        """Queues still SE-bound or associated at time t (what the Ultravisor checks)."""
        for q in range(self.n):
            self._settle(q, t)
        return [q for q in range(self.n) if self.bound[q]]


@dataclass(frozen=True, slots=True)
class UvAnswer:
    """What one Destroy Secure Configuration UVC answered."""

    ok: bool
    rc: str
    """'0x0001' success, '0x0104' fast refused (b1e428615f15), 'not public' normal refused."""
    bound: int
    """Queues still bound or associated when it was issued."""


class Ultravisor:
    """The firmware's Destroy Secure Configuration (normal and fast), F7.1, F7.2, F7.11."""

    def __init__(self, bus: ApBus, *, refuse_normal: bool, refuse_fast: bool) -> None:
        self.bus = bus
        self.refuse_normal = refuse_normal
        self.refuse_fast = refuse_fast

    def destroy(self, t: int, *, fast: bool) -> UvAnswer:
        """Destroy the configuration at time t, or refuse while a queue is bound."""
        bound = len(self.bus.bound_at(t))
        refuse = self.refuse_fast if fast else self.refuse_normal
        if bound and refuse:
            return UvAnswer(False, "0x0104" if fast else "not public", bound)
        return UvAnswer(True, "0x0001", bound)
