"""Provides what one timing run is given: latency and fault specs, the hardware parameters, and
the parsers for their command-line spellings (a bad spelling is a SimError: one line, exit 2).

Latency is per queue reset, in milliseconds: ``fixed:MS``, ``lognormal:MU,SIGMA`` (the natural
log of the latency in ms is normal with mean MU and deviation SIGMA), or ``worst``. No public
source gives AP reset latencies; the architecture bounds none (dd174833e44e, kernel-facts
corrections to F6.6), so the default is an assumption printed with every result: a median of
10 ms with a long tail (``lognormal:2.3,1.0``). ``worst`` is the longest reset the host's own AP
bus tolerates before it gives up on a queue, ``AP_RESET_TIMEOUT`` = 0.7 s
(drivers/s390/crypto/ap_bus.h:25 in [6.1] and [6.12]).

Faults (``--fault``, repeatable), each ``KIND:TARGET[@MS]``:
``stuck`` (the queue's reset never completes), ``deconfig`` / ``checkstop`` / ``gone`` (the
adapter answers DECONFIGURED / CHECKSTOPPED / Q_NOT_AVAIL from MS on; default @10, i.e.
mid-reset), ``assoc-fail`` (an SE association failed asynchronously: TAPQ answers 0x35 after
the first reset until a second one completes, F6.6), ``busy`` (the queue answers BUSY to
every instruction until MS, default @10: [6.1] has no case for it, [6.12] waits for it).
TARGET is an APQN ``AA.DDDD`` (hex, as the kernel prints it), an adapter ``AA`` (hex) for the
adapter faults, or ``P%`` — each queue (adapter) faults with that probability, drawn from the
run's seed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from random import Random

from sim.errors import SimError

US_PER_MS = 1000

#: The AP bus's reset timeout, the ``worst`` latency (ap_bus.h:25, [6.1] and [6.12]).
AP_RESET_TIMEOUT_MS = 700.0
DEFAULT_LATENCY = "lognormal:2.3,1.0"
#: CONFIG_HZ_100=y in arch/s390/configs/defconfig ([6.1] :47, [6.12] :48); a distribution's own
#: config may differ, hence ``--hz``.
DEFAULT_HZ = 100
ZAPQ_STATUS = ("as-was", "reset-done")
MAX_ADAPTERS = 256
MAX_DOMAINS = 256


@dataclass(frozen=True, slots=True)
class Latency:
    """Per-reset latency: ``fixed``, ``lognormal`` or ``worst``."""

    kind: str
    a: float = 0.0
    b: float = 0.0

    def spelling(self) -> str:
        """The spec as the CLI spells it."""
        if self.kind == "fixed":
            return f"fixed:{self.a:g}"
        if self.kind == "lognormal":
            return f"lognormal:{self.a:g},{self.b:g}"
        return "worst"

    def describe(self) -> str:
        """One line for a report."""
        if self.kind == "fixed":
            return f"every reset takes {self.a:g} ms"
        if self.kind == "lognormal":
            median = math.exp(self.a)
            p_over = 0.5 * math.erfc((math.log(20.0) - self.a) / (self.b * math.sqrt(2))) \
                if self.b > 0 else float(median > 20.0)
            return (f"lognormal, median {median:.3g} ms, sigma {self.b:g}"
                    f" ({100 * p_over:.3g} % of resets exceed 20 ms)")
        return f"every reset takes AP_RESET_TIMEOUT, {AP_RESET_TIMEOUT_MS:g} ms"

    def draw(self, rng: Random) -> int:
        """One reset latency in microseconds (integers keep the clock exact)."""
        if self.kind == "fixed":
            return round(self.a * US_PER_MS)
        if self.kind == "lognormal":
            return round(rng.lognormvariate(self.a, self.b) * US_PER_MS)
        return round(AP_RESET_TIMEOUT_MS * US_PER_MS)


def parse_latency(text: str) -> Latency:
    """``fixed:MS`` | ``lognormal:MU,SIGMA`` | ``worst``."""
    kind, _, rest = text.strip().partition(":")
    try:
        if kind == "fixed" and rest:
            value = float(rest)
            if value >= 0 and math.isfinite(value):
                return Latency("fixed", value)
        elif kind == "lognormal" and rest.count(",") == 1:
            mu, sigma = (float(part) for part in rest.split(","))
            if math.isfinite(mu) and math.isfinite(sigma) and 0 <= sigma <= 5 and mu <= 12:
                return Latency("lognormal", mu, sigma)
        elif kind == "worst" and not rest:
            return Latency("worst")
    except ValueError:
        pass
    raise SimError(f"latency {text!r}: expected fixed:MS (MS >= 0), lognormal:MU,SIGMA"
                   " (MU <= 12, 0 <= SIGMA <= 5, of ln ms) or worst")


FAULT_KINDS = ("stuck", "deconfig", "checkstop", "gone", "assoc-fail", "busy")
ADAPTER_FAULTS = ("deconfig", "checkstop", "gone")
TIMED_FAULTS = (*ADAPTER_FAULTS, "busy")
"""Faults that take ``@MS``: when the adapter breaks, or until when the queue is busy."""
_APQN = re.compile(r"^([0-9a-fA-F]{1,2})\.([0-9a-fA-F]{1,4})$")
_ADAPTER = re.compile(r"^([0-9a-fA-F]{1,2})$")
_SHARE = re.compile(r"^(\d+(?:\.\d+)?)%$")


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault: a kind, its target and (adapter faults) when it strikes."""

    kind: str
    target: str
    """``AA.DDDD``, ``AA`` or ``P%`` as given."""
    at_ms: float = 10.0

    def spelling(self) -> str:
        """The spec as the CLI spells it."""
        when = f"@{self.at_ms:g}" if self.kind in TIMED_FAULTS else ""
        return f"{self.kind}:{self.target}{when}"

    def share(self) -> float | None:
        """The fraction for a ``P%`` target, else None."""
        match = _SHARE.match(self.target)
        return float(match.group(1)) / 100 if match else None


def parse_fault(text: str) -> Fault:
    """``KIND:TARGET[@MS]`` (see the module docstring)."""
    kind, _, rest = text.strip().partition(":")
    target, _, when = rest.partition("@")
    problem = ""
    if kind not in FAULT_KINDS:
        problem = f"unknown kind {kind!r} (known: {', '.join(FAULT_KINDS)})"
    elif not target:
        problem = "no target (AA.DDDD, AA or P%)"
    elif when and kind not in TIMED_FAULTS:
        problem = f"@MS applies to {', '.join(TIMED_FAULTS)} only"
    elif kind in ADAPTER_FAULTS and _APQN.match(target):
        problem = "an adapter fault targets an adapter AA (hex) or P%"
    elif kind not in ADAPTER_FAULTS and _ADAPTER.match(target):
        problem = "a queue fault targets an APQN AA.DDDD (hex) or P%"
    elif not (_APQN.match(target) or _ADAPTER.match(target) or _SHARE.match(target)):
        problem = f"target {target!r} is not AA.DDDD, AA or P%"
    else:
        share = _SHARE.match(target)
        if share and not 0 < float(share.group(1)) <= 100:
            problem = f"share {target!r} must be in (0, 100] %"
    at_ms = 10.0
    if not problem and when:
        try:
            at_ms = float(when)
        except ValueError:
            problem = f"@{when!r} is not a time in ms"
        else:
            if not (at_ms >= 0 and math.isfinite(at_ms)):
                problem = f"@{when!r} must be a time >= 0 ms"
    if problem:
        raise SimError(f"fault {text!r}: {problem}")
    return Fault(kind, target, at_ms)


@dataclass(frozen=True, slots=True)
class Hardware:
    """The machine one timing run simulates (everything but the kernel's era and order)."""

    adapters: int = 1
    domains: int = 4
    latency: Latency = field(default_factory=lambda: parse_latency(DEFAULT_LATENCY))
    faults: tuple[Fault, ...] = ()
    irq: bool = True
    """The guest enabled interrupts on its queues (PQAP AQIC, NIB pinned, F6.7)."""
    bound: bool = True
    """The SE guest bound and associated every queue (where its era allows it, F6.9, F7.13)."""
    hz: int = DEFAULT_HZ
    zapq_status: str = "as-was"
    """What the status word of a ZAPQ that starts a reset shows: ``as-was`` (the queue before
    the reset; its effect lands when it completes) or ``reset-done`` (already empty with
    interrupts off). Firmware-defined; the default is the side the kernel's own code supports:
    both trees poll TAPQ after the ZAPQ for that effect ([6.1] vfio_ap_ops.c:1649-1654, [6.12]
    :1948-1988), and [6.1] waits for the IR bit to clear after AQIC too (:235-262)."""
    uv_destroy_ms: float = 5.0
    """Destroy Secure Configuration (normal) latency: an assumption, no public figure."""
    uv_fast_ms: float = 1.0
    """Destroy Secure Configuration Fast latency: an assumption, no public figure."""
    uv_cpu_ms: float = 0.1
    """Destroy Secure CPU latency per vCPU: an assumption, no public figure."""

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.adapters <= MAX_ADAPTERS:
            problems.append(f"--adapters {self.adapters}: expected 1..{MAX_ADAPTERS}")
        if not 1 <= self.domains <= MAX_DOMAINS:
            problems.append(f"--domains {self.domains}: expected 1..{MAX_DOMAINS}")
        if self.zapq_status not in ZAPQ_STATUS:
            problems.append(f"--zapq-status {self.zapq_status!r}: expected"
                            f" {' or '.join(ZAPQ_STATUS)}")
        if self.hz not in (100, 250, 300, 1000):
            problems.append(f"--hz {self.hz}: expected 100, 250, 300 or 1000 (kernel/Kconfig.hz)")
        for fault in self.faults:
            match = _APQN.match(fault.target) or _ADAPTER.match(fault.target)
            if match and int(match.group(1), 16) >= self.adapters:
                problems.append(f"fault {fault.spelling()}: adapter {match.group(1)} is not one"
                                f" of the {self.adapters} adapter(s) 00..{self.adapters - 1:02x}")
            elif match and match.re is _APQN and int(match.group(2), 16) >= self.domains:
                problems.append(f"fault {fault.spelling()}: domain {match.group(2)} is not one"
                                f" of the {self.domains} domain(s)")
        if problems:
            raise SimError("; ".join(problems))

    @property
    def queues(self) -> int:
        """APQNs = adapters × domains."""
        return self.adapters * self.domains

    def apqn(self, index: int) -> str:
        """Queue index -> ``AA.DDDD`` as the kernel prints it (``%02x.%04x``)."""
        return f"{index // self.domains:02x}.{index % self.domains:04x}"
