"""Provides ``kvm-workbench timing``: the s390 AP hardware and the Ultravisor on a clock.

For each call order and teardown path it prints how long teardown takes for the given queues
(total and per phase), each queue's outcome (verified, unverified, hung), the Destroy Secure
Configuration calls with the queues still bound at each, the WARNs and leaks with the kernel's
log lines, and the first violating queue's events; ``--runs N`` adds a Monte-Carlo series with
the probability of each outcome and its 95 % interval; every run's outcome classes are then
model-checked (layer 1) for the same profile. ``--json`` prints one object ``{"runs": [...]}``.
Exit status: 0 ran, 1 with ``--check`` when a linked claim fails, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.defaults import DEFAULT_ERA, DEFAULT_USERSPACE
from workbench.cli import bounded_int
from workbench.output import stderr_progress


def add_parser(subparsers: Any) -> None:
    """Register ``timing``."""
    parser = subparsers.add_parser(
        "timing", help="time the s390 AP queue reset and PV teardown (layer 2)",
        description="Simulate the AP hardware, the Ultravisor and the kernel's reset and PV"
        " teardown on a deterministic clock, for both call orders.")
    parser.add_argument("--era", default=DEFAULT_ERA, help="kernel release X.Y (default 6.12;"
                        " the reset algorithm follows the era's features)")
    parser.add_argument("--order", choices=("current", "reversed", "both"), default="both",
                        help="kvm_destroy_vm() order (default both)")
    parser.add_argument("--path", choices=("exit", "reboot", "both"), default="both",
                        help="exit: the VMM process ends (quit, crash, kill); reboot: the"
                        " userspace's unprotect sequence (default both)")
    parser.add_argument("--adapters", type=bounded_int(1, 256), default=1,
                        help="AP adapters of the mdev, 1..256 (default 1)")
    parser.add_argument("--domains", type=bounded_int(1, 256), default=4,
                        help="AP domains of the mdev, 1..256 (default 4)")
    parser.add_argument("--userspace", default=DEFAULT_USERSPACE, metavar="NAME",
                        help="any (default), qemu-8.2, qemu-8.1")
    parser.add_argument("--async-teardown", action="store_true",
                        help="QEMU's async-teardown helper holds the address space (F7.12)")
    parser.add_argument("--latency", default=None, metavar="SPEC",
                        help="fixed:MS | lognormal:MU,SIGMA (of ln ms) | worst (700 ms);"
                        " default lognormal:2.3,1.0 (an assumption: no public figures)")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC",
                        help="KIND:TARGET[@MS], KIND stuck | deconfig | checkstop | gone |"
                        " assoc-fail | busy, TARGET AA.DDDD | AA | P%% (repeatable)")
    parser.add_argument("--irq", choices=("on", "off"), default="on",
                        help="the guest enabled interrupts on its queues (default on)")
    parser.add_argument("--unbound", action="store_true",
                        help="the SE guest bound no queue (default: every queue bound)")
    parser.add_argument("--hz", type=int, default=None, help="kernel HZ (default 100)")
    parser.add_argument("--zapq-status", choices=("as-was", "reset-done"), default="as-was",
                        help="what a reset-starting ZAPQ's status shows (firmware-defined;"
                        " default as-was: the queue before the reset)")
    parser.add_argument("--hook", action="append", default=[], metavar="NAME",
                        help="time a proposed fix's vfio_ap hook at its teardown point"
                        " (repeatable; see `kvm-workbench fixes --list`)")
    parser.add_argument("--toggle", action="append", default=[], metavar="NAME=VALUE",
                        help="a firmware assumption (see `sim --list-toggles`)")
    parser.add_argument("--seed", type=bounded_int(0, 2**63 - 1), default=1,
                        help="seed of the latency and fault draws (default 1)")
    parser.add_argument("--runs", type=bounded_int(0, 1_000_000), default=0,
                        help="Monte-Carlo runs per order and path (default 0: one run)")
    parser.add_argument("--no-check", action="store_true",
                        help="do not model-check the runs' outcome classes (layer 1)")
    parser.add_argument("--check", action="store_true",
                        help="exit status 1 when a model-checked claim fails")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(func=run)


def request_from(args: argparse.Namespace) -> Any:
    """The TimingRequest the arguments describe (SimError on a bad spec)."""
    from sim.timing.spec import DEFAULT_HZ, DEFAULT_LATENCY, Hardware, parse_fault, parse_latency
    from workbench.commands.report import parse_toggles
    from workbench.timing import TimingRequest

    hw = Hardware(adapters=args.adapters, domains=args.domains,
                  latency=parse_latency(args.latency or DEFAULT_LATENCY),
                  faults=tuple(parse_fault(spec) for spec in args.fault),
                  irq=args.irq == "on", bound=not args.unbound,
                  hz=DEFAULT_HZ if args.hz is None else args.hz,
                  zapq_status=args.zapq_status)
    request = TimingRequest(
        era=args.era, orders=("current", "reversed") if args.order == "both" else (args.order,),
        paths=("exit", "reboot") if args.path == "both" else (args.path,),
        userspace=args.userspace, async_teardown=args.async_teardown, hw=hw,
        toggles=tuple(parse_toggles(args.toggle)), seed=args.seed, runs=args.runs,
        check=not args.no_check, hooks=tuple(args.hook))
    request.profile(request.orders[0])  # validate era, userspace, toggles now: one line
    return request


def run(args: argparse.Namespace) -> int:
    """Run, print, and exit 1 under --check when a linked claim fails."""
    from workbench.timing import run_timing

    request = request_from(args)
    progress = stderr_progress("timing", "order×path runs") if request.runs else None
    report = run_timing(request, progress=progress)
    if args.json:
        from workbench.output import json_text

        print(json_text(report.to_json()))
    else:
        sys.stdout.write(render_report(report) + "\n")
    failed = any(run.layer1 is not None and run.layer1.failed for run in report.runs)
    return 1 if args.check and failed else 0


def render_report(report: Any) -> str:
    """The text form: the assumptions, then each run in words."""
    lines = ["assumptions:"] + [f"  {a}" for a in report.assumptions()]
    for timed in report.runs:
        lines += ["", *timed.text_lines()]
    return "\n".join(lines)
