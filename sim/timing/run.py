"""Provides one timed teardown: the kernel's AP queue reset and the PV teardown on the clock.

The kernel's behaviour comes from the same :class:`sim.profile.Profile` the checker runs — its
era features (``reset-unbounded``, ``pv-mmu-notifier``, ``destroy-fast``, ``pv-async-cleanup``,
``pv-ap``, ``destroy-fast-warn-relaxed``, ``pv-leak-asce``, ``vfio-ap-kvm-ref``,
``vfio-core-kvm-ref``), its toggles (the Ultravisor's refusals, Destroy Fast availability, the
order of deferred ``__fput`` calls), its ``kvm_destroy_vm()`` step list and arch steps, its
files, its userspace and a proposed fix's hooks (sim.hooks, at the checker's points) — so no
era is decided here a second time.

The two reset algorithms, as the Debian trees have them:

- bounded ([6.1] drivers/s390/crypto/vfio_ap_ops.c:1607-1680, F6.5): one queue after the
  other, ZAPQ; on RESET_IN_PROGRESS one retry after ``msleep(20)`` (:1624-1626); on
  Q_NOT_AVAIL / DECONFIGURED / CHECKSTOPPED a WARN_ONCE if interrupts were on and the IRQ
  resources freed (:1630-1638); any other code a WARN and -EIO with the resources kept
  (:1639-1645). Then ``while (retry2--)`` with retry2 = 2 (:1612, :1649-1654) checks the
  status for queue empty and IRQ off, sleeping 20 ms and issuing TAPQ between checks: the
  ZAPQ's own status and the first TAPQ's are checked, the second TAPQ's never is, and
  ``WARN_ONCE(retry2 <= 0, "unable to verify reset …")`` (:1655) fires whenever the ZAPQ's
  own status did not already show the reset done — also when the first TAPQ verified it;
- unbounded ([6.12] vfio_ap_ops.c:1915-2034, F6.6): ZAPQ every queue (:1996), queue a work
  item on ``system_long_wq`` for NORMAL / RESET_IN_PROGRESS / BUSY / STATE_CHANGE (:2000-2006),
  free the IRQ resources for DECONFIGURED / CHECKSTOPPED / Q_NOT_AVAIL (:2008-2011), WARN
  otherwise; then ``flush_work`` on each (:2030) and -EIO if a stored code is non-zero. The work
  item (:1948-1988) sleeps ``AP_RESET_INTERVAL`` = 20 ms (:33, :1957) before each TAPQ, without
  bound; ``apq_status_check`` (:1915-1944) takes NORMAL, DECONFIGURED and CHECKSTOPPED as done,
  RESET_IN_PROGRESS and BUSY as busy (a rate-limited "Waited Nms" notice, :1946, :1968), 0x35 /
  0x36 as "reset again", Q_NOT_AVAIL as gone, anything else as a WARN; a re-ZAPQ follows when
  the first ZAPQ found a reset in progress, busy or a state change, or on 0x35 / 0x36 (:1976).
  ``system_long_wq`` is a per-CPU workqueue with the default ``max_active`` of 256
  ([6.12] kernel/workqueue.c:7876, :5757; include/linux/workqueue.h:416-418), so at most 256
  work items of one reset run at once.

``msleep(ms)`` sleeps to a jiffy boundary: ``msecs_to_jiffies(ms) + 1`` jiffies in [6.1]
(kernel/time/timer.c:2321), ``msecs_to_jiffies(ms)`` in [6.12] (:2770); each algorithm uses the
msleep of the tree it was read in. The run's first jiffy boundary is drawn from the seed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from random import Random
from typing import Any

from sim.kernel import WARN_DESTROY, WARN_FAST, WARN_LEFTOVER
from sim.profile import Profile
from sim.timing.ap import (
    ASSOC_FAILED,
    ASSOC_SECRET_NOT_UNIQUE,
    BUSY,
    CHECKSTOPPED,
    DECONFIGURED,
    NEVER,
    NORMAL,
    Q_NOT_AVAIL,
    RC_NAME,
    RESET_IN_PROGRESS,
    STATE_CHANGE_IN_PROGRESS,
    ApBus,
    Ultravisor,
)
from sim.timing.clock import KERNEL, Clock
from sim.timing.spec import US_PER_MS, Hardware

PENDING, VERIFIED, UNVERIFIED, HUNG = 0, 1, 2, 3
OUTCOME_NAMES = ("not verified", "verified", "unverified", "hung")
"""Per queue: 'not verified' — never reset, or its verification never ran (every worker slot
of the reset is taken, or teardown stopped first)."""
AP_RESET_INTERVAL_MS = 20  # [6.12] vfio_ap_ops.c:33; [6.1] msleep(20) at :1625, :1652
WQ_DFL_ACTIVE = 256  # [6.12] include/linux/workqueue.h:416-418, kernel/workqueue.c:5757
RATELIMIT_INTERVAL_S = 5  # DEFAULT_RATELIMIT_INTERVAL = 5 * HZ, ratelimit_types.h:9
RATELIMIT_BURST = 10  # DEFAULT_RATELIMIT_BURST, ratelimit_types.h:10
PATHS = ("exit", "reboot")
"""``exit``: the VMM process ends (quit, crash and SIGKILL alike, F7.12); ``reboot``: the
userspace's unprotect sequence (QEMU's reboot script, or — under ``any`` — an unprotect with no
reset before it)."""

Step = Generator[tuple[str, int], None, None]


@dataclass(frozen=True, slots=True)
class Phase:
    """One named stretch of teardown on the time axis (microseconds)."""

    name: str
    start: int
    end: int
    depth: int
    cite: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One Destroy Secure Configuration UVC."""

    time: int
    uvc: str
    """'normal', 'fast' or 'leftover'."""
    site: str
    ok: bool
    rc: str
    bound: int
    first_bound: int
    """Index of the first queue still bound at the call (-1: none)."""
    harm: str
    """What the refusal cost the host: '' (nothing, e.g. Fast's 0x104 from v6.6), 'WARN',
    'WARN, leak' or 'leak'."""


class Timeline:
    """A kernel log and the per-queue event list of one traced queue."""

    def __init__(self, trace_q: int) -> None:
        self.trace_q = trace_q
        self.events: list[tuple[int, str]] = []
        self.log: list[tuple[int, str]] = []
        self.counts: dict[str, int] = {}
        self._once: set[str] = set()
        self._window = -1
        self._printed = 0
        self.suppressed = 0

    def warn(self, t: int, site: str, text: str, *, once: bool) -> None:
        """A WARN (every time) or WARN_ONCE (printed the first time only, counted always)."""
        self.counts[site] = self.counts.get(site, 0) + 1
        if once and site in self._once:
            return
        self._once.add(site)
        self.log.append((t, f"WARNING: {text}"))

    def notice_ratelimited(self, t: int, text: str) -> None:
        """pr_notice_ratelimited: at most 10 lines per 5 s window (ratelimit_types.h:9-10)."""
        window = t // (RATELIMIT_INTERVAL_S * 1_000_000)
        if window != self._window:
            self.flush(t)
            self._window, self._printed = window, 0
        self.counts["waited"] = self.counts.get("waited", 0) + 1
        if self._printed < RATELIMIT_BURST:
            self._printed += 1
            self.log.append((t, text))
        else:
            self.suppressed += 1

    def flush(self, t: int) -> None:
        """The rate limit's count of what it swallowed in the last window."""
        if self.suppressed:
            self.log.append((t, f"vfio_ap: {self.suppressed} 'Waited' notices suppressed by"
                             " the rate limit"))
            self.suppressed = 0


class TimedTeardown:
    """One seeded run: build with a profile and hardware, then :meth:`run`."""

    def __init__(self, profile: Profile, hw: Hardware, *, path: str, seed: int,
                 trace_q: int = -1) -> None:
        if path not in PATHS:
            raise ValueError(f"unknown path {path!r}")
        self.profile = profile
        self.hw = hw
        self.path = path
        f = self.features = profile.features
        self.rng = Random(seed)
        tick = self.tick = 1_000_000 // hw.hz
        self.phase0 = self.rng.randrange(tick)
        self.clock = Clock()
        self.se_bound = hw.bound and "pv-ap" in f
        self.bus = ApBus(hw, self.rng, bound=self.se_bound)
        self.uv = Ultravisor(self.bus,
                             refuse_normal=profile.toggle("uv-destroy-refused-while-bound")
                             == "true",
                             refuse_fast=profile.toggle("uv-fast-destroy-refused-while-bound")
                             == "true")
        self.unbounded = "reset-unbounded" in f
        self.jiffies_20 = -(-AP_RESET_INTERVAL_MS * hw.hz // 1000) + (0 if self.unbounded else 1)
        self.tl = Timeline(trace_q)
        n = hw.queues
        self.outcome = [PENDING] * n
        self.warned = [False] * n
        self.reset_rc = [0] * n
        self.elapsed = [0] * n
        self.phases: list[Phase] = []
        self._open: list[tuple[str, int, str]] = []
        self.attempts: list[Attempt] = []
        self.bound_at_attempt = [False] * n
        self.leaks: list[str] = []
        self.notes: list[str] = []
        self.config = "live" if profile.arch_spec.pv and "pv" in f else "none"
        self.cpus_secure = self.config == "live"
        self.notifier = "registered" if self.config == "live" and "pv-mmu-notifier" in f \
            else "none"
        self.hang = ""
        self.finished = -1
        self.fast_ok = "destroy-fast" in f and profile.toggle("destroy-fast-available") == "true"
        self._work_left = 0
        self._work_queue: deque[int] = deque()
        self._work_active = 0
        self._task: Step | None = None
        self._waiting = False
        self.mdev_open = profile.vfio_present and profile.arch == "s390"
        self.mdev_kvm = self.mdev_open
        """vfio_ap still holds the KVM association (cleared by vfio_ap_mdev_unset_kvm)."""
        for q in range(n if self.mdev_open else 0):
            if hw.irq:
                self.bus.aqic_enable(q)

    # -- the clock's view of sleeping ----------------------------------------------------
    def wake_after_ms(self, t: int, ms: int, *, plus_one: bool) -> int:
        """When msleep(ms) called at t returns (a jiffy boundary, see the module docstring)."""
        jiffies = -(-ms * self.hw.hz // 1000) + (1 if plus_one else 0)
        last_tick = t - ((t - self.phase0) % self.tick)
        return last_tick + jiffies * self.tick

    # -- task driver ---------------------------------------------------------------------
    def run(self) -> TimedTeardown:
        """Run to the end (or until teardown hangs) and return self."""
        self._task = self._teardown()
        self.clock.at(0, KERNEL, self._resume)
        self.clock.run()
        self.tl.flush(self.clock.now)
        if self._task is not None and not self.hang:
            self.hang = "the teardown task waits forever"
        while self._open:  # phases a hang never lets end
            name, start, cite = self._open.pop()
            self.phases.append(Phase(name, start, -1, len(self._open), cite))
        return self

    def _resume(self, _: Any = None) -> None:
        task = self._task
        if task is None:
            return
        try:
            kind, arg = next(task)
        except StopIteration:
            self._task = None
            self.finished = self.clock.now
            return
        if kind == "sleep":
            self.clock.at(arg, KERNEL, self._resume)
        elif kind == "flush":
            self._waiting = True
            if self._work_left == 0:
                self._waiting = False
                self.clock.at(self.clock.now, KERNEL, self._resume)

    # -- phases ----------------------------------------------------------------------------
    def _begin(self, name: str, cite: str = "") -> None:
        self._open.append((name, self.clock.now, cite))

    def _end(self) -> None:
        name, start, cite = self._open.pop()
        self.phases.append(Phase(name, start, self.clock.now, len(self._open), cite))

    def _event(self, q: int, text: str) -> None:
        if q == self.tl.trace_q:
            self.tl.events.append((self.clock.now, text))

    def _pqap(self, q: int, fn: str) -> tuple[int, bool, bool]:
        t = self.clock.now
        rc, empty, irq = self.bus.zapq(q, t) if fn == "ZAPQ" else self.bus.tapq(q, t)
        if q == self.tl.trace_q:
            self.tl.events.append((t, f"{fn} → {RC_NAME.get(rc, hex(rc))} (0x{rc:02x}),"
                                      f" empty={int(empty)} irq={int(irq)}"))
        return rc, empty, irq

    # -- the bounded reset ([6.1]) ---------------------------------------------------------
    def _reset_bounded(self, q: int) -> Step:
        apqn = self.hw.apqn(q)
        retry, retry2 = 1, 2
        while True:
            rc, empty, irq = self._pqap(q, "ZAPQ")
            self.reset_rc[q] = rc
            if rc == RESET_IN_PROGRESS:
                if retry:
                    retry -= 1
                    yield ("sleep", self.wake_after_ms(self.clock.now, 20, plus_one=True))
                    continue
                break
            if rc == NORMAL:
                break
            if rc in (Q_NOT_AVAIL, DECONFIGURED, CHECKSTOPPED):
                if irq:
                    self.tl.warn(self.clock.now, "zapq-rc-irq",
                                 f"PQAP/ZAPQ for {apqn} failed with rc={rc} while IRQ"
                                 " enabled ([6.1] vfio_ap_ops.c:1633)", once=True)
                self._finish(q, UNVERIFIED, "IRQ resources freed after a fault code")
                return
            self.tl.warn(self.clock.now, "zapq-invalid",
                         f"PQAP/ZAPQ for {apqn} failed with invalid rc={rc}"
                         " ([6.1] vfio_ap_ops.c:1641)", once=False)
            self._finish(q, UNVERIFIED, "-EIO; IRQ resources kept (NIB stays pinned)")
            if self.bus.irq[q]:
                self.notes.append(f"queue {apqn}'s NIB page stays pinned and its guest ISC"
                                  " registered past close_device: -EIO returns before"
                                  " vfio_ap_free_aqic_resources ([6.1] vfio_ap_ops.c:1645)")
            return
        verified = False
        while True:
            value, retry2 = retry2, retry2 - 1
            if value == 0:
                break
            if empty and not irq:
                verified = True
                break
            yield ("sleep", self.wake_after_ms(self.clock.now, 20, plus_one=True))
            rc, empty, irq = self._pqap(q, "TAPQ")
        if retry2 <= 0:
            self.warned[q] = True
            self.tl.warn(self.clock.now, "unable-to-verify",
                         f"unable to verify reset of queue {apqn} ([6.1] vfio_ap_ops.c:1655)",
                         once=True)
        self._finish(q, VERIFIED if verified else UNVERIFIED,
                     "kernel saw the queue empty, IRQ off" if verified
                     else "the kernel stopped looking")

    def _finish(self, q: int, outcome: int, why: str) -> None:
        self.outcome[q] = outcome
        self._event(q, f"outcome {OUTCOME_NAMES[outcome]}: {why}")

    # -- the unbounded reset ([6.12]) ------------------------------------------------------
    def _zapq_unbounded(self, q: int) -> None:
        rc, _, _ = self._pqap(q, "ZAPQ")
        self.reset_rc[q] = rc
        self.elapsed[q] = 0
        if rc in (NORMAL, RESET_IN_PROGRESS, BUSY, STATE_CHANGE_IN_PROGRESS):
            self._work_left += 1
            if self._work_active < WQ_DFL_ACTIVE:
                self._start_work(q)
            else:
                self._work_queue.append(q)
        elif rc in (DECONFIGURED, CHECKSTOPPED, Q_NOT_AVAIL):
            self._finish(q, UNVERIFIED, "IRQ resources freed after a fault code")
        else:
            self.tl.warn(self.clock.now, "zapq-invalid",
                         f"PQAP/ZAPQ for {self.hw.apqn(q)} failed with invalid rc={rc}"
                         " ([6.12] vfio_ap_ops.c:2015)", once=False)
            self._finish(q, UNVERIFIED, "WARN: invalid ZAPQ response code")

    def _start_work(self, q: int) -> None:
        self._work_active += 1
        self._event(q, "reset work item starts on system_long_wq")
        self.clock.at(self.wake_after_ms(self.clock.now, AP_RESET_INTERVAL_MS, plus_one=False),
                      KERNEL, self._poll, q)

    def _work_done(self, q: int) -> None:
        self._work_active -= 1
        self._work_left -= 1
        if self._work_queue:
            self._start_work(self._work_queue.popleft())
        if self._work_left == 0 and self._waiting:
            self._waiting = False
            self.clock.at(self.clock.now, KERNEL, self._resume)

    def _poll(self, q: int) -> None:
        now = self.clock.now
        self.elapsed[q] += AP_RESET_INTERVAL_MS
        rc, empty, irq = self._pqap(q, "TAPQ")
        if rc in (NORMAL, DECONFIGURED, CHECKSTOPPED):
            ret = 0
        elif rc in (RESET_IN_PROGRESS, BUSY):
            ret = -1
        elif rc in (ASSOC_SECRET_NOT_UNIQUE, ASSOC_FAILED):
            ret = -2
        elif rc == Q_NOT_AVAIL:
            self._finish(q, UNVERIFIED, "TAPQ: queue not available, IRQ resources freed")
            self._work_done(q)
            return
        else:
            self.tl.warn(now, "verify-rc", f"failed to verify reset of queue"
                         f" {self.hw.apqn(q)}: TAPQ rc={rc} ([6.12] vfio_ap_ops.c:1939)",
                         once=False)
            self._finish(q, UNVERIFIED, "WARN: unknown TAPQ response code")
            self._work_done(q)
            return
        if ret == -1:
            self.tl.notice_ratelimited(
                now, f"vfio_ap: Waited {self.elapsed[q]}ms for reset of queue"
                f" {self.hw.apqn(q)} ({rc}, {int(empty)}, {int(irq)})")
            bus = self.bus
            if bus.done_at[q] == NEVER and bus.adapter_at[q // self.hw.domains] == NEVER:
                # Nothing can change the queue's answer again: the work polls forever.
                self.outcome[q] = HUNG
                self._event(q, "outcome hung: the reset never completes and the work item"
                               " polls TAPQ every 20 ms forever")
                if not self.hang:
                    self.hang = (f"vfio_ap_mdev_reset_queues: flush_work on queue"
                                 f" {self.hw.apqn(q)} never returns ([6.12] vfio_ap_ops.c:2030)")
                return
            self.clock.at(self.wake_after_ms(now, AP_RESET_INTERVAL_MS, plus_one=False),
                          KERNEL, self._poll, q)
            return
        if self.reset_rc[q] in (RESET_IN_PROGRESS, BUSY, STATE_CHANGE_IN_PROGRESS) or ret == -2:
            rc2, _, _ = self._pqap(q, "ZAPQ")
            self.reset_rc[q] = rc2
            self.clock.at(self.wake_after_ms(now, AP_RESET_INTERVAL_MS, plus_one=False),
                          KERNEL, self._poll, q)
            return
        if rc == NORMAL:
            self._finish(q, VERIFIED, "TAPQ answered NORMAL")
        else:
            self._finish(q, UNVERIFIED, f"TAPQ answered {RC_NAME[rc]}, which the kernel takes"
                         " as done ([6.12] vfio_ap_ops.c:1918-1921)")
        self._work_done(q)

    # -- resets ----------------------------------------------------------------------------
    def _reset_queues(self, why: str) -> Step:
        n = self.hw.queues if self.mdev_open else 0
        if not n:
            return
        if self.unbounded:
            self._begin(f"vfio_ap reset: ZAPQ all {n} queues ({why})",
                        "[6.12] vfio_ap_ops.c:2021-2027")
            for q in range(n):
                self._zapq_unbounded(q)
            self._end()
            self._begin("vfio_ap reset: flush_work, TAPQ every 20 ms",
                        "[6.12] vfio_ap_ops.c:1948-1988, :2029-2034")
            yield ("flush", 0)
            self._end()
        else:
            self._begin(f"vfio_ap reset: {n} queues one by one ({why})",
                        "[6.1] vfio_ap_ops.c:1607-1680")
            for q in range(n):
                yield from self._reset_bounded(q)
            self._end()

    def _unset_kvm(self, where: str = "release of the mdev fd") -> Step:
        """vfio_ap_mdev_unset_kvm (F6.3): masks cleared, queues reset, then the kvm put; a
        second call finds no association and does nothing."""
        if not self.mdev_kvm:
            return
        self.mdev_kvm = False
        self._begin(f"{where}: vfio_ap_mdev_unset_kvm", "F6.3")
        yield from self._reset_queues("close_device" if where.startswith("release")
                                      else where)
        self._end()

    def _hooks(self, point: str) -> Step:
        """A proposed fix's hooks at ``point`` (sim.hooks, the checker's own table and rule:
        each acts while the mdev is open and still associated with the kvm)."""
        from sim.hooks import HOOK_BY_NAME

        for hook in (HOOK_BY_NAME[name] for name in self.profile.hooks):
            if hook.point != point or not self.mdev_kvm:
                continue
            self._begin(f"hook {hook.name}: {hook.function}", hook.fact)
            if hook.action == "unset-kvm":
                yield from self._unset_kvm(f"hook at {point}")
            else:
                yield from self._reset_queues(f"hook at {point}")
            self._end()

    # -- PV and the Ultravisor ---------------------------------------------------------------
    def _cpus_from_pv(self, site: str) -> Step:
        if not self.cpus_secure:
            return
        self._begin(f"Destroy Secure CPU ×{self.profile.vcpus} ({site})", "F8.13")
        yield ("sleep", self.clock.now + round(self.hw.uv_cpu_ms * US_PER_MS)
               * self.profile.vcpus)
        self.cpus_secure = False
        self._end()

    def _uvc(self, uvc: str, site: str) -> Step:
        fast = uvc == "fast"
        ms = self.hw.uv_fast_ms if fast else self.hw.uv_destroy_ms
        self._begin(f"Destroy Secure Configuration{' Fast' if fast else ''} ({site})",
                    "F7.2" if fast else "F7.1")
        yield ("sleep", self.clock.now + round(ms * US_PER_MS))
        now = self.clock.now
        answer = self.uv.destroy(now, fast=fast)
        bound = self.bus.bound_at(now) if answer.bound else []
        for q in bound:
            self.bound_at_attempt[q] = True
            self._event(q, f"still bound at Destroy Secure Configuration"
                           f"{' Fast' if fast else ''} ({site})")
        self._end()
        harm = []
        if answer.ok:
            self.config = "destroyed"
        elif fast:
            if "destroy-fast-warn-relaxed" not in self.features:
                self.tl.warn(now, "fast", WARN_FAST, once=True)
                harm.append("WARN")
            self.notes.append("Destroy Fast refused (RC 0x104): the handle is kept for a later"
                              " normal destroy ([6.12] pv.c:288-293)")
        elif uvc == "leftover":
            self.tl.warn(now, "leftover", WARN_LEFTOVER, once=True)
            self.config = "leaked"
            self.leaks.append("the set-aside secure configuration and its donated storage,"
                              " for good ([6.12] pv.c:218-227)")
            harm += ["WARN", "leak"]
        else:
            self.tl.warn(now, "destroy", WARN_DESTROY, once=True)
            harm.append("WARN")
            if "pv-leak-asce" in self.features:
                self.leaks.append("the guest's top-level page table (s390_replace_asce,"
                                  " [6.12] pv.c:386-401)")
                harm.append("leak")
        self.attempts.append(Attempt(now, uvc, site, answer.ok, answer.rc, answer.bound,
                                     bound[0] if bound else -1, ", ".join(harm)))

    def _notifier_release(self, where: str) -> Step:
        """kvm_s390_pv_mmu_notifier_release (F7.4): CPUs out of PV, then Destroy Fast."""
        if self.notifier != "registered":
            return
        self.notifier = "released"
        self._begin(f"PV mmu-notifier release ({where})", "F7.4, F7.5")
        if self.config == "live":
            yield from self._hooks("pv-teardown")
        yield from self._cpus_from_pv("notifier")
        if self.fast_ok and self.config == "live":
            yield from self._uvc("fast", "kvm_s390_pv_mmu_notifier_release")
        self._end()

    def _pv_disable(self) -> Step:
        """KVM_PV_DISABLE: CPUs out of PV, then cleanup_all / deinit_vm (F7.3, F7.11)."""
        self._begin("ioctl KVM_PV_DISABLE", "F7.3")
        yield from self._hooks("pv-teardown")
        yield from self._cpus_from_pv("KVM_PV_DISABLE")
        yield from self._uvc("normal", "KVM_PV_DISABLE")
        self._end()
        return None

    # -- the paths ---------------------------------------------------------------------------
    def _teardown(self) -> Step:
        self._begin(f"teardown ({self.path})", "F7.5" if self.path == "exit" else "F7.12")
        if self.path == "exit":
            yield from self._exit()
        else:
            yield from self._reboot()
        self._end()

    def _exit(self) -> Step:
        """do_exit (F7.5): exit_mm, then the deferred final fputs in exit_task_work."""
        p = self.profile
        self._begin("exit_mm", "F7.5")
        if not p.async_teardown:
            yield from self._notifier_release("exit_mm → exit_mmap")
        self._end()
        files = list(p.files)
        order = p.toggle("exit-fput-order")
        if order != "fd":
            files.reverse()
        if order == "any":
            self.notes.append("exit-fput-order=any: the timed run uses highest fd first")
        refs = {name for name in files if name not in ("vfio-group", "vfio-container")}
        if self.mdev_open:
            refs.discard("mdev")
            if "vfio-ap-kvm-ref" in self.features:
                refs.add("vfio_ap")
            if "vfio-core-kvm-ref" in self.features:
                refs.add("vfio-core")
        self._begin("exit_task_work: deferred __fput, " + ("highest fd first" if order != "fd"
                    else "lowest fd first"), "F7.5")
        vm_gone = False
        for name in files:
            if name == "mdev" and self.mdev_open:
                yield from self._unset_kvm()
                refs.discard("vfio-core")
            elif name == "vm":
                yield from self._hooks("vm-release")  # kvm_vm_release, before its kvm put
                refs.discard(name)
            else:
                refs.discard(name)
            if not self.mdev_kvm:
                refs.discard("vfio_ap")  # unset_kvm puts vfio_ap's kvm reference (F6.3)
            if not refs and not vm_gone:  # the last kvm reference went: kvm_destroy_vm
                vm_gone = True
                yield from self._destroy_vm()
        self._end()
        if p.async_teardown:
            self._begin("async-teardown helper exits: exit_mmap", "F7.12")
            yield from self._notifier_release("helper's exit_mmap")
            self._end()
        if self.config == "live":
            self.config = "leaked"
            self.leaks.append("the secure configuration: no destroy succeeded")

    def _destroy_vm(self) -> Step:
        p = self.profile
        self._begin(f"kvm_destroy_vm ({p.order})", "F2.6")
        for step in p.steps:
            if step != "kvm_arch_destroy_vm":
                self._begin(step, "F2.6")
                if step == "kvm_arch_pre_destroy_vm":
                    yield from self._hooks("pre-destroy")
                self._end()
                continue
            self._begin("kvm_arch_destroy_vm", "F4.11")
            for arch_step in p.arch_steps:
                if arch_step == "kvm_destroy_vcpus":
                    yield from self._cpus_from_pv("kvm_destroy_vcpus")
                elif arch_step in ("kvm_s390_pv_deinit_vm", "kvm_s390_pv_deinit_cleanup_all"):
                    if self.config == "live":
                        yield from self._uvc("normal", arch_step)
                    if self.config == "aside":
                        yield from self._uvc("leftover", arch_step)
                elif arch_step == "mmu_notifier_unregister":
                    yield from self._notifier_release("mmu_notifier_unregister")
            self._end()
        self._end()

    def _reboot(self) -> Step:
        """The userspace's reboot of the protected guest (sim.userspace, F7.12)."""
        p = self.profile
        script = p.userspace_spec.reboot or ("unprotect",)
        for step in script:
            if step == "reset-ap":
                self._begin("ioctl VFIO_DEVICE_RESET", "F6.8")
                yield from self._reset_queues("VFIO_DEVICE_RESET")
                self._end()
                continue
            ok = yield from self._unprotect()
            if not ok:
                self.notes.append("the unprotect failed: QEMU exits (s390_pv_cmd_exit,"
                                  " target/s390x/kvm/pv.c) and the exit path follows")
                yield from self._exit()
                return

    def _unprotect(self) -> Generator[tuple[str, int], None, bool]:
        p = self.profile
        if self.config != "live":
            return True
        if not p.userspace_spec.free and "pv-async-cleanup" in self.features:
            self._begin("ioctl KVM_PV_ASYNC_CLEANUP_PREPARE", "F7.3")
            yield from self._hooks("pv-teardown")
            yield from self._cpus_from_pv("PREPARE")
            if self.fast_ok:
                yield from self._uvc("fast", "kvm_s390_pv_set_aside")
                self._end()
                if self.config == "live":
                    self.notes.append("PREPARE failed (-EIO, nothing set aside): QEMU falls"
                                      " back to KVM_PV_DISABLE (s390_pv_vm_try_disable_async)")
                    yield from self._pv_disable()
            else:
                self.config = "aside"
                self._end()
                self._begin("ioctl KVM_PV_ASYNC_CLEANUP_PERFORM", "F7.3")
                yield from self._uvc("leftover", "kvm_s390_pv_dispose_one_leftover")
                self._end()
                return self.config != "leaked"
        else:
            yield from self._pv_disable()
        return self.config != "live"
