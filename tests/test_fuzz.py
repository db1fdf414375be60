"""A fuzzer over every command's argument grammar and ``KVM_WORKBENCH_REPO``: whatever the
input, the CLI answers with exit status 0, 1 or 2, a status 2 is exactly one line on stderr,
and nothing raises (no traceback).

The grammar is read from the parser itself (every option of every subcommand), and values
mix well-formed ones with hostile ones: ``--``, ``~nosuchuser``, paths too long for the OS,
components over 255 bytes, newlines and escape sequences, undecodable bytes, huge and
negative numbers, special files. The model checker is stubbed with a precomputed result:
this test is about the front door, tests/sim is about the checker. ``make test`` runs a
bounded number of examples (FUZZ_EXAMPLES, default 120); ``make fuzz`` runs 100,000.
"""

from __future__ import annotations

import argparse
import os
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cli import build_parser, main

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
SKIP = {"tui", "screenshots"}  # they take over the terminal or write files; tested elsewhere

HOSTILE = [
    "--", "-", "=", "", " ", "~", "~nosuchuser/x", "~root/../x", "/", "/dev/null",
    "/dev/zero", "/proc/self/mem", ".", "..", "../../etc", "x" * 300, "/".join(["d" * 250] * 20),
    "a\nb", "\x1b]0;owned\x07", "[bold]x[/]", "é", "\udcff\udcfe", "HEAD", "HEAD~1",
    "HEAD~99999", "main", "0", "-1", "1", "2", "7", "99999999999", "9223372036854775808",
    "1e9", "nan", "6.12", "6.1", "3.9", "7.0", "s390", "x86", "powerpc-e500", "virt/kvm",
    "virt/kvm/kvm_main.c", "kvm_destroy_vm", "1,3", "3,1", "a,b", "s390=1", "NAME=",
    "exit-fput-order=any", "pv=off", "se-ap-reset", "no-uaf", "qemu-8.2", "any",
    "KVM_PV_DISABLE", "r" * 131_072,
]


@cache
def grammar() -> dict[str, list[tuple[str, bool]]]:
    """subcommand -> [(option string, takes a value)]."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: dict[str, list[tuple[str, bool]]] = {}
    for name, subparser in sub.choices.items():
        if name in SKIP:
            continue
        options = []
        for action in subparser._actions:
            takes = action.nargs != 0
            options.extend((flag, takes) for flag in action.option_strings)
        found[name] = options
    return found


values = st.one_of(st.sampled_from(HOSTILE),
                   st.text(st.characters(blacklist_categories=("Cs",),
                                         blacklist_characters="\0"), max_size=30),
                   st.integers(-10**20, 10**20).map(str))


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(grammar())))
    argv = [command]
    for _ in range(draw(st.integers(0, 6))):
        choice = draw(st.integers(0, 3))
        options = grammar()[command]
        if choice == 0 or not options:
            argv.append(draw(values))
            continue
        flag, takes = draw(st.sampled_from(options))
        if takes and choice == 1:
            argv += [flag, draw(values)]
        elif takes and flag.startswith("--"):
            argv.append(f"{flag}={draw(values)}")
        else:
            argv.append(flag)
    return argv


@pytest.fixture(autouse=True)
def fast_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.checker
    from sim.profile import build_profile

    result = sim.checker.check(build_profile("powerpc-e500", "6.12", order="reversed"))
    monkeypatch.setattr(sim.checker, "check", lambda profile, **_: result)


@settings(max_examples=EXAMPLES, deadline=None, derandomize="FUZZ_SEED" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=argvs(), repo=st.one_of(st.none(), st.sampled_from(HOSTILE)))
def test_any_arguments_get_an_answer_not_a_traceback(argv: list[str], repo: str | None,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    saved = os.environ.get("KVM_WORKBENCH_REPO")
    if repo is None:
        os.environ.pop("KVM_WORKBENCH_REPO", None)
    else:
        os.environ["KVM_WORKBENCH_REPO"] = repo
    try:
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse: usage errors and --help
            status = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        if saved is None:
            os.environ.pop("KVM_WORKBENCH_REPO", None)
        else:
            os.environ["KVM_WORKBENCH_REPO"] = saved
    _, err = capsys.readouterr()
    assert status in (0, 1, 2), (argv, status, err)
    assert "Traceback" not in err
    if status == 2 and err:
        lines = err.strip("\n").split("\n")
        assert len(lines) == 1 or lines[0].startswith("usage:"), (argv, err)
        assert lines[-1].startswith("kvm-workbench"), (argv, err)
