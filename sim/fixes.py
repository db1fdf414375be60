"""Provides the fixes: named, documented changes to a profile, and the shipped catalog.

A fix is data, like a profile: a different ``kvm_destroy_vm()`` step order, vfio_ap hooks at
named teardown points (sim.hooks), a userspace that replaces another (QEMU 8.1 upgraded to
8.2), toggles (a firmware assumption) and feature what-ifs (a backport). Each fix names who
proposed it — a commit, a message-id, or "found by the search" — and the facts it rests on, so
the explorer judges the thread's proposals by the same claims as the kernel itself.

A step order is a permutation of every modelled step (sim.profile.VM_STEPS); each era runs
its projection onto the steps it has, so "devices before arch destroy" means the same in every
era. :data:`CONSTRAINTS` are the orderings the kernel cannot give up, each with its fact: the
search only explores orders that keep them. :func:`parse_fixes` reads user fixes from TOML text
and reports every problem as one SimError line (the caller reads the file).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, permutations
from typing import Any

from sim.arches import ARCHES
from sim.errors import SimError
from sim.facts import FACTS, require_facts
from sim.hooks import HOOK_BY_NAME, HOOK_NAMES
from sim.profile import VM_STEPS, era_steps
from sim.toggles import TOGGLE_BY_NAME
from sim.userspace import USERSPACE_NAMES

#: Every modelled kvm_destroy_vm() step, in the kernel's order (F2.6).
CURRENT: tuple[str, ...] = tuple(step.name for step in VM_STEPS)
#: The RFC (F0.1): kvm_destroy_devices() moved above kvm_arch_destroy_vm().
SWAPPED: tuple[str, ...] = ("kvm_arch_sync_events", "kvm_arch_pre_destroy_vm",
                            "kvm_io_bus_destroy", "kvm_destroy_devices", "kvm_arch_destroy_vm",
                            "kvm_arch_free_vm")


@dataclass(frozen=True, slots=True)
class Constraint:
    """A hard ordering of kvm_destroy_vm(): ``before`` runs before ``after``."""

    before: str
    after: str
    fact: str
    why: str


CONSTRAINTS: tuple[Constraint, ...] = (
    *(Constraint("kvm_arch_sync_events", name, "F1.6", "the first teardown step: arch events"
                 " are synced before anything is torn down")
      for name in CURRENT if name != "kvm_arch_sync_events"),
    *(Constraint(name, "kvm_arch_free_vm", "F2.6", "struct kvm is freed last: every other step"
                 " dereferences it")
      for name in CURRENT if name not in ("kvm_arch_free_vm", "kvm_arch_sync_events")),
    Constraint("kvm_arch_pre_destroy_vm", "kvm_arch_destroy_vm", "F2.4",
               "a pre-destroy hook runs before the arch destroy it prepares"),
    Constraint("kvm_io_bus_destroy", "kvm_destroy_devices", "F3.3",
               "bus entries point into device memory: the buses go before the devices"),
    Constraint("kvm_io_bus_destroy", "kvm_arch_destroy_vm", "F3.3",
               "arch destroy frees iodevs on the buses (PIC, IOAPIC): the buses go first"),
)

require_facts("sim.fixes.CONSTRAINTS", ((f"{c.before}<{c.after}", c.fact)
                                        for c in CONSTRAINTS))


def valid_orders() -> list[tuple[str, ...]]:
    """Every permutation of the steps that keeps :data:`CONSTRAINTS`, the current one first."""
    orders = [order for order in permutations(CURRENT) if not broken(order)]
    return sorted(orders, key=lambda order: (order != CURRENT, moved(order), order))


def broken(order: Sequence[str]) -> list[Constraint]:
    """The constraints ``order`` breaks."""
    where = {name: index for index, name in enumerate(order)}
    return [c for c in CONSTRAINTS if where[c.before] > where[c.after]]


def moved(order: Sequence[str]) -> int:
    """How many steps must move to turn the current order into ``order`` (the steps outside
    their longest common subsequence)."""
    a, b = list(CURRENT), [name for name in order if name in CURRENT]
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1],
                                                                     table[i + 1][j])
    return len(b) - table[len(a)][len(b)]


@dataclass(frozen=True, slots=True)
class Fix:
    """One proposed change to a profile, with who proposed it and what it rests on."""

    name: str
    title: str
    proposer: str
    """A commit, a message-id, or "found by the search"."""
    facts: tuple[str, ...]
    evidence: str = ""
    """What the proposal says and what the model had to read into it."""
    steps: tuple[str, ...] = ()
    """A permutation of :data:`CURRENT`; () keeps the kernel's order."""
    hooks: tuple[str, ...] = ()
    userspace: tuple[tuple[str, str], ...] = ()
    """(old, new) pairs: where the matrix says ``old``, the fix runs ``new``."""
    toggles: tuple[tuple[str, str], ...] = ()
    features: tuple[tuple[str, bool], ...] = ()

    @property
    def size(self) -> int:
        """Steps moved + hooks added + one per userspace, toggle or feature change."""
        return (moved(self.steps) if self.steps else 0) + len(self.hooks) \
            + len(self.userspace) + len(self.toggles) + len(self.features)

    def steps_for(self, features: frozenset[str]) -> tuple[str, ...]:
        """The era's step list under this fix; () where it equals the kernel's own."""
        if not self.steps:
            return ()
        own = era_steps(features)
        projected = tuple(name for name in self.steps if name in own)
        return () if projected == own else projected

    def hooks_for(self, arch: str, features: frozenset[str]) -> tuple[str, ...]:
        """The hooks that can act in this profile: vfio_ap's act only where an mdev is passed
        through, and a pre-destroy hook only where the era has kvm_arch_pre_destroy_vm (F2.4);
        the others would be no-ops, and leaving them out lets equal checks share a result."""
        if ARCHES[arch].vfio != "mdev" or "vfio-ap" not in features:
            return ()
        return tuple(name for name in self.hooks
                     if HOOK_BY_NAME[name].point != "pre-destroy"
                     or "pre-destroy-hook" in features)

    def userspace_for(self, userspace: str) -> str:
        """The userspace this fix runs where the matrix says ``userspace``."""
        return dict(self.userspace).get(userspace, userspace)

    def changes(self) -> list[str]:
        """The fix's changes to a profile, one phrase each."""
        out = []
        if self.steps:
            out.append("kvm_destroy_vm: " + " → ".join(self.steps))
        out += [f"hook {name} ({HOOK_BY_NAME[name].function})" for name in self.hooks]
        out += [f"userspace {old} runs as {new}" for old, new in self.userspace]
        out += [f"toggle {name}={value}" for name, value in self.toggles]
        out += [f"feature {name}={'on' if on else 'off'}" for name, on in self.features]
        return out or ["nothing: the kernel as it is"]

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "title": self.title, "proposer": self.proposer,
                "facts": list(self.facts), "evidence": self.evidence,
                "steps": list(self.steps), "hooks": list(self.hooks),
                "userspace": dict(self.userspace), "toggles": dict(self.toggles),
                "features": dict(self.features), "size": self.size,
                "changes": self.changes()}


def problems(fix: Fix) -> list[str]:
    """Everything wrong with a fix, as one list."""
    out = []
    if not fix.name or not fix.name.replace("-", "").replace("_", "").isalnum():
        out.append(f"fix name {fix.name!r}: use letters, digits, '-' and '_'")
    if fix.steps:
        if sorted(fix.steps) != sorted(CURRENT):
            out.append(f"fix {fix.name}: steps must be a permutation of {', '.join(CURRENT)}")
        else:
            out += [f"fix {fix.name}: {c.before} must run before {c.after} ({c.fact}: {c.why})"
                    for c in broken(fix.steps)]
    for name in fix.hooks:
        if name not in HOOK_BY_NAME:
            out.append(f"fix {fix.name}: unknown hook {name!r} (known: {', '.join(HOOK_NAMES)})")
    if len(set(fix.hooks)) != len(fix.hooks):
        out.append(f"fix {fix.name}: a hook is listed twice")
    for old, new in fix.userspace:
        for name in (old, new):
            if name not in USERSPACE_NAMES:
                out.append(f"fix {fix.name}: unknown userspace {name!r}"
                           f" (known: {', '.join(USERSPACE_NAMES)})")
    for name, value in fix.toggles:
        toggle = TOGGLE_BY_NAME.get(name)
        if toggle is None or value not in toggle.values:
            out.append(f"fix {fix.name}: toggle {name}={value!r} is not a known toggle value")
    from sim.eras import FEATURE_BY_NAME

    for name, _ in fix.features:
        if name not in FEATURE_BY_NAME:
            out.append(f"fix {fix.name}: unknown feature {name!r}")
    for fact in fix.facts:
        if fact not in FACTS:
            out.append(f"fix {fix.name}: unknown fact {fact!r}")
    if not fix.facts:
        out.append(f"fix {fix.name}: name the facts it rests on (facts = [\"F…\"])")
    return out


# -- the shipped catalog ------------------------------------------------------------------
CATALOG: tuple[Fix, ...] = (
    Fix("no-change", "no change: the kernel as it is", "the kernel as released", ("F2.6",),
        "The baseline every other fix is compared with: a claim that holds here and fails"
        " under a fix is a regression."),
    Fix("rfc-swap", "the RFC: kvm_destroy_devices() before kvm_arch_destroy_vm()",
        "20220705185430.499688-1-akrowiak@linux.ibm.com", ("F0.1", "F0.4", "F4.5", "F7.9"),
        "One hunk moving the device teardown above the arch teardown, on the premise that"
        " the mdev fd is closed when the devices are destroyed (F0.1); F7.9 finds no path"
        " where it is, and F4.5 a vCPU teardown that still points into an MPIC.",
        steps=SWAPPED),
    Fix("rosato-notifier", "an opt-in notifier: vfio drivers drop their KVM association at"
        " VM release", "c4062e02-4b35-e130-b653-e467bef2eb4f@linux.ibm.com", ("F0.2", "F6.3"),
        "Matthew Rosato suggested, if the swap is not doable, an opt-in notifier that clears"
        " a vfio driver's KVM association earlier than the old NULL-kvm notification (F0.2)."
        " The message does not say where it would fire: the model places it at"
        " kvm_vm_release, the first teardown point userspace causes, and lets vfio_ap"
        " (the only driver that opts in) run its unset_kvm there. The message-id is the one"
        " kernel-facts F0.2 gives; a search of the stored archive did not find the message"
        " again, so it is not verified twice.",
        hooks=("vfio-notify-at-vm-release",)),
    Fix("s390-pre-destroy", "s390 resets the mdev's AP queues in kvm_arch_pre_destroy_vm()",
        "the thread's alternatives (no patch or message found)", ("F2.4", "F6.8", "F7.9"),
        "kvm_arch_pre_destroy_vm() runs before kvm_arch_destroy_vm() and only x86"
        " implements it (F2.4); an s390 one would reset the queues before the secure"
        " configuration goes in arch destroy.",
        hooks=("s390-pre-destroy-ap-reset",)),
    Fix("vfio-ap-pv-teardown", "vfio_ap resets its queues when the guest leaves protected"
        " mode", "the thread's alternatives (no patch or message found)",
        ("F6.10", "F7.10", "F7.11"),
        "Nothing in vfio_ap reacts to KVM_PV_DISABLE, the async cleanup or the PV"
        " mmu-notifier (F6.10), which are the paths where the configuration goes before the"
        " reset (F7.10); the fix resets the queues there first. Not modelled: whether vfio_ap"
        " can take its locks from the mmu-notifier release, which runs in exit_mmap.",
        hooks=("vfio-ap-reset-on-pv-teardown",)),
    Fix("qemu-reset-first", "QEMU resets the AP queues before unprotecting on reboot",
        "QEMU ef1535901a0 (20230901114851.154357-1-frankja@linux.ibm.com)", ("F7.12", "F7.11"),
        "A userspace fix: QEMU 8.2 issues VFIO_DEVICE_RESET before it unprotects (F7.12);"
        " where the matrix says qemu-8.1 the fix runs qemu-8.2. It cannot change what any"
        " other userspace does.",
        userspace=(("qemu-8.1", "qemu-8.2"),)),
    Fix("relaxed-warn", "Destroy Fast refused with RC 0x104 does not WARN (backported)",
        "b1e428615f15 (20230815151415.379760-2-seiden@linux.ibm.com)", ("F7.11",),
        "The kernel fix of v6.6 that stops warning when Destroy Fast is refused because"
        " APQNs are still bound (F7.11), applied to every era as a backport.",
        features=(("destroy-fast-warn-relaxed", True),)),
)

CATALOG_BY_NAME: dict[str, Fix] = {fix.name: fix for fix in CATALOG}
BASELINE = "no-change"

require_facts("sim.fixes.CATALOG", ((repr(fix.name), fact) for fix in CATALOG
                                    for fact in fix.facts))
_BAD = [problem for fix in CATALOG for problem in problems(fix)]
if _BAD:
    from sim.errors import ModelError

    raise ModelError("; ".join(_BAD))


# -- the search space ---------------------------------------------------------------------
def search_space(max_hooks: int = 2, hooks: Sequence[str] = HOOK_NAMES) -> list[Fix]:
    """Every step order that keeps :data:`CONSTRAINTS` × every set of at most ``max_hooks``
    hooks, smallest first; each named by its changes, proposed by the search."""
    out = []
    for order in valid_orders():
        for count in range(max_hooks + 1):
            for chosen in combinations(hooks, count):
                steps = () if order == CURRENT else order
                parts = ([_order_name(order)] if steps else []) + list(chosen)
                out.append(Fix("+".join(parts) or BASELINE,
                               "search: " + (", ".join(parts) or "no change"),
                               "found by the search", _search_facts(steps, chosen),
                               steps=steps, hooks=chosen))
    return sorted(out, key=lambda fix: (fix.size, fix.name))


def _order_name(order: Sequence[str]) -> str:
    short = {"kvm_arch_sync_events": "sync", "kvm_arch_pre_destroy_vm": "pre",
             "kvm_io_bus_destroy": "bus", "kvm_arch_destroy_vm": "arch",
             "kvm_destroy_devices": "devices", "kvm_arch_free_vm": "free"}
    return "order:" + ",".join(short[name] for name in order)


def _search_facts(steps: Sequence[str], hooks: Iterable[str]) -> tuple[str, ...]:
    facts = ["F2.6"] if steps else []
    facts += [HOOK_BY_NAME[name].fact for name in hooks]
    return tuple(dict.fromkeys(facts or ["F2.6"]))


# -- user fixes ---------------------------------------------------------------------------
_KEYS = frozenset({"name", "title", "proposer", "facts", "evidence", "steps", "hooks",
                   "userspace", "toggles", "features"})


def parse_fixes(text: str, source: str) -> tuple[Fix, ...]:
    """The ``[[fix]]`` tables of a TOML document; SimError (one line) for anything wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SimError(f"{source}: not valid TOML: {error}") from None
    tables = data.get("fix")
    unknown = sorted(set(data) - {"fix"})
    if unknown:
        raise SimError(f"{source}: unknown top-level key(s) {', '.join(unknown)};"
                       " write each fix as a [[fix]] table")
    if not isinstance(tables, list) or not tables:
        raise SimError(f"{source}: no [[fix]] table")
    fixes = []
    for number, table in enumerate(tables, start=1):
        where = f"{source}: fix #{number}"
        if not isinstance(table, dict):
            raise SimError(f"{where}: not a table")
        extra = sorted(set(table) - _KEYS)
        if extra:
            raise SimError(f"{where}: unknown key(s) {', '.join(extra)}"
                           f" (known: {', '.join(sorted(_KEYS))})")
        fix = Fix(_text(table, "name", where, required=True),
                  _text(table, "title", where) or _text(table, "name", where),
                  _text(table, "proposer", where, required=True),
                  _strings(table, "facts", where), _text(table, "evidence", where),
                  _strings(table, "steps", where), _strings(table, "hooks", where),
                  tuple(_mapping(table, "userspace", where, str).items()),
                  tuple(_mapping(table, "toggles", where, str).items()),
                  tuple(_mapping(table, "features", where, bool).items()))
        found = problems(fix)
        if found:
            raise SimError(f"{where}: " + "; ".join(found))
        fixes.append(fix)
    names = [fix.name for fix in fixes]
    clash = sorted({n for n in names if names.count(n) > 1 or n in CATALOG_BY_NAME})
    if clash:
        raise SimError(f"{source}: fix name(s) {', '.join(clash)} used twice or by the"
                       " shipped catalog")
    return tuple(fixes)


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise SimError(f"{where}: {key} must be a string")
    if required and not value.strip():
        raise SimError(f"{where}: {key} is required")
    return value.strip()


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SimError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _mapping(table: Mapping[str, Any], key: str, where: str, kind: type) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, kind) for v in value.values()):
        raise SimError(f"{where}: {key} must be a table of {kind.__name__} values")
    return dict(sorted(value.items()))
