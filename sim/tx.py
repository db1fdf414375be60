"""Provides Tx: one transition under construction (a draft state plus what the step did).

Rules edit a :class:`~sim.state.Draft` and record, as they go, the objects they dereference or
free, the marks claims look for, the WARNs they fire, the guards that protected something, and
every toggle they read. Branching outcomes fork the transaction. ``done()`` freezes the state
and labels the transition with an Event built from the rule catalogue, so fact ids and function
names live in one table (sim.catalog). It also marks ``process_end`` on the transition after
which nothing of the VMM is left (the process and its async-teardown helper gone, no kernel
step pending), which is where ``no-leak`` looks.
"""

from __future__ import annotations

from sim.catalog import GUARDS, RULES, Event
from sim.facts import commit_of
from sim.profile import Profile
from sim.state import Draft, State


class Tx:
    """A transition being built on ``draft`` (a copy of the source state) under ``profile``."""

    __slots__ = ("accesses", "d", "details", "ended", "frees", "guards", "marks", "profile",
                 "reads", "warns")

    def __init__(self, draft: Draft, profile: Profile, ended: bool = False) -> None:
        self.profile = profile
        self.d = draft
        self.ended = ended
        """The source state had nothing of the VMM left already."""
        self.reads: set[str] = set()
        self.accesses: set[str] = set()
        self.frees: set[str] = set()
        self.marks: set[str] = set()
        self.details: list[str] = []
        self.warns: list[str] = []
        self.guards: set[str] = set()

    def fork(self) -> Tx:
        """An independent copy, for one branch of a nondeterministic outcome."""
        other = Tx(self.d.copy(), self.profile, self.ended)
        other.reads, other.accesses = set(self.reads), set(self.accesses)
        other.frees, other.marks = set(self.frees), set(self.marks)
        other.details, other.warns = list(self.details), list(self.warns)
        other.guards = set(self.guards)
        return other

    # -- reading the profile ---------------------------------------------------------------
    def flag(self, name: str) -> bool:
        """A boolean toggle (the read is recorded for the verdict's ``assumes``)."""
        self.reads.add(name)
        return self.profile.toggle(name) == "true"

    def value(self, name: str) -> str:
        """A toggle's value (recorded)."""
        self.reads.add(name)
        return self.profile.toggle(name)

    def has(self, feature: str) -> bool:
        """The era (or an override) has this feature."""
        return feature in self.profile.features

    # -- recording effects -----------------------------------------------------------------
    def access(self, *objects: str) -> None:
        """The step dereferences these objects."""
        self.accesses.update(objects)

    def free(self, *objects: str) -> None:
        """The step frees these objects."""
        self.frees.update(objects)
        self.d.freed = self.d.freed | frozenset(objects)

    def mark(self, *marks: str) -> None:
        """Record what happened, for the claims."""
        self.marks.update(marks)

    def note(self, text: str) -> None:
        """A short detail shown next to the step (e.g. reset outcomes)."""
        self.details.append(text)

    def warn(self, text: str) -> None:
        """The step fires a WARN/WARN_ONCE (``text`` names the splat and its file:line)."""
        self.warns.append(text)
        self.marks.add("warn")

    def warn_site(self) -> None:
        """The step evaluates a WARN condition (so ``no-warn`` is exercised here)."""
        self.marks.add("warn_site")

    def guard(self, guard_id: str) -> None:
        """A protective rule fired (sim.catalog.GUARDS)."""
        if guard_id not in GUARDS:
            raise AssertionError(f"unknown guard {guard_id!r}")
        self.guards.add(guard_id)

    def push(self, *steps: str) -> None:
        """Run these kernel steps next, before anything already pending."""
        self.d.pending = steps + self.d.pending

    # -- kvm->users_count ------------------------------------------------------------------
    def users_zero(self) -> bool:
        """kvm->users_count is zero in the draft."""
        d = self.d
        return not d.vcpu_fds and not d.refs and not any(
            name == "vm" or name.startswith("dev:") for name in d.files)

    def put_kvm(self, holder: str = "") -> None:
        """kvm_put_kvm(): drop ``holder``'s reference (if a non-file one); at zero run
        kvm_destroy_vm() right here, i.e. its steps go before anything already pending."""
        if holder:
            self.d.refs = self.d.refs - {holder}
        if self.d.kvm != "alive":
            return
        if self.users_zero():
            self.d.kvm = "destroying"
            self.mark("users_zero")
            if "group_lock" in self.d.held and self.profile.devices:
                self.mark("destroy_under_group_lock")
            self.push(*(f"vm:{name}" for name in self.profile.steps))
            return
        d = self.d
        if not d.vcpu_fds and not any(n == "vm" or n.startswith("dev:") for n in d.files):
            # every fd that pins the VM is gone: only a non-file reference keeps it alive
            if "vfio_ap" in d.refs and d.mdev_kvm:
                self.guard("vfio-ap-kvm-ref")
            elif "vfio-core" in d.refs and d.mdev_kvm:
                self.guard("vfio-core-kvm-ref")

    # -- finishing -------------------------------------------------------------------------
    def done(self, key: str, target: str = "", *, function: str = "", fact: str = "",
             commit: str | None = None) -> tuple[Event, State]:
        """Freeze the state and label the transition with rule ``key``."""
        rule = RULES[key]
        d = self.d
        if not self.ended and _ended(d.proc, d.mm_users, d.pending):
            self.marks.add("process_end")
        fact = fact or rule.fact
        if commit is None:
            commit = rule.commit if rule.commit is not None else commit_of(fact)
        event = Event(
            name=rule.name.format(target),
            function=function or rule.function.format(target),
            fact=fact,
            kind=rule.kind,
            target=target,
            detail="; ".join(self.details),
            accesses=frozenset(self.accesses),
            frees=frozenset(self.frees),
            marks=frozenset(self.marks),
            reads=frozenset(self.reads),
            commit=commit,
            warns=tuple(self.warns),
            guards=frozenset(self.guards),
        )
        return event, d.freeze()


def _ended(proc: str, mm_users: frozenset[str], pending: tuple[str, ...]) -> bool:
    """Nothing of the VMM is left: process gone, no helper, no kernel step pending."""
    return proc == "gone" and not mm_users and not pending


def begin(state: State, profile: Profile) -> Tx:
    """A transaction starting from ``state``."""
    return Tx(Draft.of(state), profile, _ended(state.proc, state.mm_users, state.pending))
