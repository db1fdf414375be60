"""Provides the source lines the timing model cites, as data: each citation names a Debian
tree, a file, a line and a token that line must hold, so the real-source tests can check that
every kernel behaviour of layer 2 points at the line that shows it."""

from __future__ import annotations

from dataclasses import dataclass

from sim.timing.ap import RESPONSE_CODES


@dataclass(frozen=True, slots=True)
class Citation:
    """``[tree] path:line`` holds ``token``; ``what`` says which model rule rests on it."""

    tree: str
    path: str
    line: int
    token: str
    what: str


_VFIO_AP = "drivers/s390/crypto/vfio_ap_ops.c"

CITATIONS: tuple[Citation, ...] = (
    *(Citation(tree, "drivers/s390/crypto/ap_bus.h", line, rc.name, f"response code {rc.name}"
               f" = 0x{rc.value:02x}") for rc in RESPONSE_CODES for tree, line in rc.lines),
    Citation("6.1", "drivers/s390/crypto/ap_bus.h", 25, "AP_RESET_TIMEOUT",
             "the 'worst' latency: the AP bus's own reset timeout, 0.7 s"),
    Citation("6.12", "drivers/s390/crypto/ap_bus.h", 25, "AP_RESET_TIMEOUT",
             "the 'worst' latency: the AP bus's own reset timeout, 0.7 s"),
    Citation("6.1", _VFIO_AP, 235, "vfio_ap_wait_for_irqclear",
             "the IR bit clears asynchronously: the kernel polls TAPQ for it (zapq-status)"),
    Citation("6.1", _VFIO_AP, 1607, "vfio_ap_mdev_reset_queue", "the bounded reset"),
    Citation("6.1", _VFIO_AP, 1612, "retry2 = 2", "two status checks"),
    Citation("6.1", _VFIO_AP, 1625, "msleep(20)", "one ZAPQ retry after 20 ms"),
    Citation("6.1", _VFIO_AP, 1633, "WARN_ONCE(status.irq_enabled",
             "a fault code while interrupts are on WARNs once"),
    Citation("6.1", _VFIO_AP, 1642, "invalid rc", "any other ZAPQ code: WARN, -EIO"),
    Citation("6.1", _VFIO_AP, 1645, "return -EIO", "… before the IRQ resources are freed"),
    Citation("6.1", _VFIO_AP, 1649, "while (retry2--)", "the verification loop"),
    Citation("6.1", _VFIO_AP, 1652, "msleep(20)", "20 ms between checks"),
    Citation("6.1", _VFIO_AP, 1655, "retry2 <= 0", "'unable to verify reset' WARN_ONCE"),
    Citation("6.1", _VFIO_AP, 1670, "vfio_ap_mdev_reset_queue(q, 1)",
             "queues reset one after another, one retry each"),
    Citation("6.12", _VFIO_AP, 33, "AP_RESET_INTERVAL", "20 ms between TAPQs"),
    Citation("6.12", _VFIO_AP, 1915, "apq_status_check", "how a TAPQ answer is judged"),
    Citation("6.12", _VFIO_AP, 1921, "return 0", "NORMAL, DECONFIGURED, CHECKSTOPPED: done"),
    Citation("6.12", _VFIO_AP, 1939, "failed to verify reset", "unknown TAPQ code: WARN"),
    Citation("6.12", _VFIO_AP, 1946, "Waited %dms", "the rate-limited notice"),
    Citation("6.12", _VFIO_AP, 1957, "msleep(AP_RESET_INTERVAL)", "sleep before each TAPQ"),
    Citation("6.12", _VFIO_AP, 1968, "pr_notice_ratelimited", "busy: notice, poll again"),
    Citation("6.12", _VFIO_AP, 1979, "ap_zapq(q->apqn, 0)", "re-ZAPQ"),
    Citation("6.12", _VFIO_AP, 1996, "ap_zapq(q->apqn, 0)", "the first ZAPQ of each queue"),
    Citation("6.12", _VFIO_AP, 2006, "system_long_wq", "one work item per queue"),
    Citation("6.12", _VFIO_AP, 2015, "invalid rc", "any other ZAPQ code: WARN"),
    Citation("6.12", _VFIO_AP, 2030, "flush_work", "wait for every work item"),
    Citation("6.1", "kernel/time/timer.c", 2321, "msecs_to_jiffies(msecs) + 1",
             "[6.1] msleep sleeps one jiffy more"),
    Citation("6.12", "kernel/time/timer.c", 2770, "msecs_to_jiffies(msecs);",
             "[6.12] msleep sleeps whole jiffies"),
    Citation("6.1", "include/linux/workqueue.h", 352, "WQ_MAX_ACTIVE", "512"),
    Citation("6.1", "include/linux/workqueue.h", 354, "WQ_DFL_ACTIVE", "WQ_MAX_ACTIVE / 2"),
    Citation("6.12", "include/linux/workqueue.h", 416, "WQ_MAX_ACTIVE", "512"),
    Citation("6.12", "include/linux/workqueue.h", 418, "WQ_DFL_ACTIVE", "WQ_MAX_ACTIVE / 2"),
    Citation("6.12", "kernel/workqueue.c", 5757, "WQ_DFL_ACTIVE",
             "max_active 0 means the default"),
    Citation("6.12", "kernel/workqueue.c", 7876, "\"events_long\", 0, 0",
             "system_long_wq: per-CPU, default max_active"),
    Citation("6.1", "kernel/workqueue.c", 4337, "WQ_DFL_ACTIVE",
             "max_active 0 means the default"),
    Citation("6.1", "kernel/workqueue.c", 6069, "\"events_long\", 0, 0",
             "system_long_wq: per-CPU, default max_active"),
    Citation("6.12", "include/linux/ratelimit_types.h", 9, "5 * HZ", "5 s rate-limit window"),
    Citation("6.12", "include/linux/ratelimit_types.h", 10, "10", "burst of 10"),
    Citation("6.1", "arch/s390/configs/defconfig", 47, "CONFIG_HZ_100=y", "HZ=100"),
    Citation("6.12", "arch/s390/configs/defconfig", 48, "CONFIG_HZ_100=y", "HZ=100"),
    Citation("6.12", "arch/s390/kvm/pv.c", 288, "0x104", "Destroy Fast: no WARN on 0x104"),
    Citation("6.12", "arch/s390/kvm/pv.c", 401, "protvirt destroy vm failed",
             "refused normal destroy: WARN_ONCE"),
    Citation("6.12", "arch/s390/kvm/pv.c", 225, "protvirt destroy leftover vm failed",
             "refused leftover destroy: WARN_ONCE, leaked for good"),
)

#: The files the citations point into.
SOURCES: tuple[str, ...] = tuple(dict.fromkeys(c.path for c in CITATIONS))
