"""Provides ``kvm-workbench sim``: the teardown model checker from the command line.

One run per call order requested (``--order both`` gives ``current`` and ``reversed``, the
RFC), for the userspace chosen with ``--userspace`` (``any``, ``qemu-8.2``, ``qemu-8.1``;
``--async-teardown`` adds QEMU's CLONE_VM helper); each prints a compact table and the shortest
counterexample of every failing claim, or with ``--json`` one object ``{"runs": [...]}`` built
by ``CheckResult.to_json()`` — the same result objects the Simulator screen shows. Exit status:
0 ran; 1 with ``--check`` when a claim fails; 2 bad input (a SimError/ProfileError, printed on
one line by workbench.cli).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.defaults import (
    DEFAULT_ARCH,
    DEFAULT_ERA,
    DEFAULT_QUEUES,
    DEFAULT_USERSPACE,
    DEFAULT_VCPUS,
)
from sim.errors import SimError
from workbench.cli import bounded_int


def add_parser(subparsers: Any) -> None:
    """Register ``sim``."""
    parser = subparsers.add_parser(
        "sim", help="model-check VM teardown in both call orders",
        description="Exhaustively explore VM teardown (fd closes, ioctls, kill at every point)"
        " for one architecture and kernel era, and judge each claim.")
    parser.add_argument("--arch", default=DEFAULT_ARCH, help="s390, x86, powerpc-e500,"
                        " powerpc-book3s, arm64, riscv, loongarch (default s390)")
    parser.add_argument("--era", default=None, help="kernel release X.Y, 3.9..6.18"
                        " (6.1 and 6.12 are the stable trees kernel-facts read; default 6.12)")
    parser.add_argument("--repo", default=None,
                        help="simulate this kernel tree: its release and the features detected"
                        " in its source replace --era (see `kvm-workbench profile`)")
    parser.add_argument("--rev", default=None, help="revision of --repo (default HEAD)")
    parser.add_argument("--order", choices=("current", "reversed", "both"), default=None,
                        help="kvm_destroy_vm() order (default both)")
    parser.add_argument("--userspace", default=DEFAULT_USERSPACE, metavar="NAME",
                        help="who drives teardown: any (every sequence, the default),"
                        " qemu-8.2, qemu-8.1 (see --list-userspaces)")
    parser.add_argument("--async-teardown", action="store_true",
                        help="QEMU's async-teardown helper shares the address space (F7.12)")
    parser.add_argument("--steps", default=None,
                        help="explicit kvm_destroy_vm() step list, comma-separated")
    parser.add_argument("--hook", action="append", default=[], metavar="NAME",
                        help="add a proposed fix's vfio_ap hook at its teardown point"
                        " (repeatable; see `kvm-workbench fixes --list`)")
    parser.add_argument("--vcpus", type=bounded_int(1, 4096), default=DEFAULT_VCPUS,
                        help="vCPUs, 1..4096 (default 2)")
    parser.add_argument("--queues", type=bounded_int(0, 65_536), default=DEFAULT_QUEUES,
                        help="AP queues of the mdev (s390), 0..65536 (256 adapters x 256"
                        " domains)")
    parser.add_argument("--claim", action="append", default=[], metavar="ID",
                        help="check only this claim (repeatable)")
    parser.add_argument("--toggle", action="append", default=[], metavar="NAME=VALUE",
                        help="set an assumption (repeatable; see --list-toggles)")
    parser.add_argument("--feature", action="append", default=[], metavar="NAME=on|off",
                        help="override one feature of the era (a what-if; repeatable)")
    parser.add_argument("--reset-outcomes", default=None, metavar="LIST",
                        help="the AP queue reset outcomes the checker may choose, e.g."
                        " verified,unverified (what `kvm-workbench timing` found; default:"
                        " the era's)")
    parser.add_argument("--exclude", action="append", default=[], metavar="EVENT",
                        help="leave a user/guest event out, e.g. KVM_PV_DISABLE (repeatable)")
    parser.add_argument("--reduction", choices=("counter", "symmetry", "none"),
                        default="counter", help="state reduction (default counter)")
    parser.add_argument("--cutoff", type=bounded_int(1, 8), default=2,
                        help="counter abstraction cap, 1..8")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--check", action="store_true", help="exit 1 when a claim fails")
    parser.add_argument("--list-features", action="store_true", help="list the era features")
    parser.add_argument("--list-claims", action="store_true", help="list the claims")
    parser.add_argument("--list-toggles", action="store_true",
                        help="list the toggles with the evidence for each default")
    parser.add_argument("--list-userspaces", action="store_true",
                        help="list the userspace profiles and where they were read")
    parser.set_defaults(func=run)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise SimError(f"--{what} {item!r}: expected NAME=VALUE")
        pairs[name.strip()] = value.strip()
    return pairs


def _features(items: list[str]) -> dict[str, bool]:
    out = {}
    for name, value in _pairs(items, "feature").items():
        if value not in ("on", "off", "true", "false"):
            raise SimError(f"--feature {name}={value}: expected on or off")
        out[name] = value in ("on", "true")
    return out


def _lists(args: argparse.Namespace) -> int | None:
    from sim import render
    from sim.claims import CLAIMS
    from sim.eras import FEATURES, format_version
    from sim.toggles import TOGGLES
    from sim.userspace import USERSPACES

    if not (args.list_features or args.list_claims or args.list_toggles
            or args.list_userspaces):
        return None
    if args.json:
        data: dict[str, Any] = {}
        if args.list_features:
            data["features"] = [{
                "feature": f.name, "since": format_version(f.since) if f.since else None,
                "until": format_version(f.until) if f.until else None,
                "backports": [format_version(v) for v in f.backports], "fact": f.fact,
                "commit": f.commit, "title": f.title, "unverified": f.unverified,
            } for f in FEATURES]
        if args.list_claims:
            data["claims"] = [{"id": c.id, "title": c.title, "facts": list(c.facts),
                               "definition": c.definition, "comment": c.comment}
                              for c in CLAIMS]
        if args.list_toggles:
            data["toggles"] = [{"name": t.name, "default": t.default, "values": list(t.values),
                                "fact": t.fact, "question": t.question,
                                "evidence": t.evidence} for t in TOGGLES]
        if args.list_userspaces:
            data["userspaces"] = [{"name": u.name, "title": u.title, "fact": u.fact,
                                   "evidence": u.evidence} for u in USERSPACES.values()]
        from workbench.output import json_text

        print(json_text(data))
        return 0
    blocks = []
    if args.list_features:
        blocks.append(render.render_features())
    if args.list_claims:
        blocks.append(render.render_claims())
    if args.list_toggles:
        blocks.append(render.render_toggles())
    if args.list_userspaces:
        blocks.append(render.render_userspaces())
    print("\n\n".join(blocks))
    return 0


def _era_and_features(args: argparse.Namespace,
                      ) -> tuple[str, dict[str, bool], dict[str, Any] | None]:
    """``--era`` and ``--feature``, or for ``--repo`` the tree's release and detected features.

    Explicit ``--feature`` what-ifs still win over what the tree shows.
    """
    if args.repo is None:
        if args.rev is not None:
            raise SimError("--rev needs --repo")
        return args.era or DEFAULT_ERA, _features(args.feature), None
    if args.era is not None:
        raise SimError("--repo takes its release from the tree: do not combine it with --era")
    from history.tree.detect import detect
    from history.tree.source import open_source
    from workbench.treeprofile import compare_with_eras

    comparison = compare_with_eras(detect(open_source(args.repo, args.rev)))
    if comparison.era is None:
        raise SimError(f"cannot simulate {args.repo}: {comparison.note}")
    for row in comparison.disagreements:
        sys.stderr.write(f"note: {row.name} is {row.detected} in the tree, the era table says "
                         f"{'present' if row.expected else 'absent'} for {comparison.era}\n")
    detected = comparison.feature_overrides()
    tree = {"repo": str(args.repo), "rev": args.rev or "HEAD", "era": comparison.era,
            "detected": detected,
            "disagreements": [row.name for row in comparison.disagreements]}
    return comparison.era, {**detected, **_features(args.feature)}, tree


def run(args: argparse.Namespace) -> int:
    """Build the profile(s), check them, print; the exit status follows --check."""
    listed = _lists(args)
    if listed is not None:
        return listed
    from sim import render
    from sim.checker import check
    from sim.profile import build_profile

    if args.reduction == "none" and (args.vcpus > 4 or args.queues > 4):
        raise SimError("--reduction none keeps one local state per object (2^N reset"
                       " outcomes for N queues): use at most 4 vCPUs and 4 queues (the reduced"
                       " searches are exact for any size)")
    if args.steps is not None and args.order is not None:
        raise SimError("--steps is an explicit order: do not combine it with --order")
    steps = [s.strip() for s in args.steps.split(",") if s.strip()] if args.steps else None
    orders = ["custom"] if steps else (
        ["current", "reversed"] if args.order in (None, "both") else [args.order])
    toggles = _pairs(args.toggle, "toggle")
    era, features, tree = _era_and_features(args)
    results = []
    for order in orders:
        profile = build_profile(
            args.arch, era, order=order if order != "custom" else "current", steps=steps,
            vcpus=args.vcpus, queues=args.queues, toggles=toggles, features=features,
            claims=args.claim, exclude=args.exclude, userspace=args.userspace,
            async_teardown=args.async_teardown, hooks=args.hook,
            reset_classes=[c.strip() for c in (args.reset_outcomes or "").split(",")
                           if c.strip()])
        results.append(check(profile, reduction=args.reduction, cutoff=args.cutoff))
    if args.json:
        data: dict[str, Any] = {"runs": [result.to_json() for result in results]}
        if tree is not None:
            data["tree"] = tree
        from workbench.output import json_text

        print(json_text(data))
    else:
        if tree is not None:
            sys.stdout.write(f"simulating {tree['repo']} at {tree['rev']}: release "
                             f"{tree['era']}, {len(tree['detected'])} features read from "
                             f"source\n\n")
        sys.stdout.write(render.render_runs(results) + "\n")
    failed = any(result.failed for result in results)
    return 1 if args.check and failed else 0
