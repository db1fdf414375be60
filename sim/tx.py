"""Provides Tx: one transition under construction (a draft state plus what the step did).

Rules edit a :class:`~sim.state.Draft` and record, as they go, the objects they dereference or
free, the marks claims look for, and every toggle they read. Branching outcomes fork the
transaction. ``done()`` freezes the state and labels the transition with an Event built from
the rule catalogue, so fact ids and function names live in one table (sim.catalog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.catalog import RULES, Event
from sim.state import Draft, State

if TYPE_CHECKING:
    from sim.profile import Profile


class Tx:
    """A transition being built on ``draft`` (a copy of the source state) under ``profile``."""

    __slots__ = ("accesses", "d", "details", "frees", "marks", "profile", "reads")

    def __init__(self, draft: Draft, profile: Profile) -> None:
        self.profile = profile
        self.d = draft
        self.reads: set[str] = set()
        self.accesses: set[str] = set()
        self.frees: set[str] = set()
        self.marks: set[str] = set()
        self.details: list[str] = []

    def fork(self) -> Tx:
        """An independent copy, for one branch of a nondeterministic outcome."""
        other = Tx(self.d.copy(), self.profile)
        other.reads, other.accesses = set(self.reads), set(self.accesses)
        other.frees, other.marks = set(self.frees), set(self.marks)
        other.details = list(self.details)
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
        if self.d.kvm == "alive" and self.users_zero():
            self.d.kvm = "destroying"
            self.mark("users_zero")
            self.push(*(f"vm:{name}" for name in self.profile.steps))

    # -- finishing -------------------------------------------------------------------------
    def done(self, key: str, target: str = "", *, function: str = "", fact: str = ""
             ) -> tuple[Event, State]:
        """Freeze the state and label the transition with rule ``key``."""
        rule = RULES[key]
        event = Event(
            name=rule.name.format(target),
            function=function or rule.function.format(target),
            fact=fact or rule.fact,
            kind=rule.kind,
            target=target,
            detail="; ".join(self.details),
            accesses=frozenset(self.accesses),
            frees=frozenset(self.frees),
            marks=frozenset(self.marks),
            reads=frozenset(self.reads),
        )
        return event, self.d.freeze()


def begin(state: State, profile: Profile) -> Tx:
    """A transaction starting from ``state``."""
    return Tx(Draft.of(state), profile)
