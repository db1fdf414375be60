"""The embedded demo history's spec, checked without git.

Materializes the tree of each commit of ``history/demo/commits/NN-slug`` in memory (the
baseline's stored tree, then each ``patch.diff`` applied by the demo's own strict applier,
no git) and checks what the rest of the workbench relies on: every C file parses cleanly at
every commit, one commit per landmark, increasing dates, the teardown order in
``kvm_destroy_vm()`` (and its reversal in the RFC proposal, built by ``history.tree.rfc``), the
``kvm_destroy_vm_debugfs()`` trap, and no licence boilerplate copied in.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tree_sitter
import tree_sitter_c

from history.demo import DemoCommit, load_spec
from history.git.landmarks import LANDMARKS, RFC_MESSAGE_ID, RFC_SUBJECT

DEMO = Path(__file__).resolve().parents[2] / "history" / "demo"
COMMITS_DIR = DEMO / "commits"
PROPOSALS_DIR = DEMO / "proposals"
KVM_MAIN = "virt/kvm/kvm_main.c"
C_SUFFIXES = (".c", ".h")


@dataclass(frozen=True)
class Step:
    """One commit (or proposal) of the spec and the full tree it produces."""

    slug: str
    directory: Path
    meta: dict[str, Any]
    changed: frozenset[str]
    deleted: frozenset[str]
    tree: dict[str, str]


def _steps(loaded: tuple[DemoCommit, ...], parent: Path) -> tuple[Step, ...]:
    steps = []
    for commit in loaded:
        directory = parent / commit.slug
        meta = tomllib.loads((directory / "meta.toml").read_text(encoding="utf-8"))
        tree = {path: data.decode("utf-8") for path, data in commit.tree}
        steps.append(Step(commit.slug, directory, meta, frozenset(p for p, _ in commit.files),
                          frozenset(commit.delete), tree))
    return tuple(steps)


@cache
def commits() -> tuple[Step, ...]:
    return _steps(load_spec()[0], COMMITS_DIR)


@cache
def proposals() -> tuple[Step, ...]:
    return _steps(load_spec()[1], PROPOSALS_DIR)


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


@cache
def _parse(text: str) -> tree_sitter.Tree:
    return _parser().parse(text.encode("utf-8"))


def _error_lines(text: str) -> list[int]:
    lines: list[int] = []
    stack = [_parse(text).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            lines.append(node.start_point[0] + 1)
        elif node.has_error:
            stack.extend(node.children)
    return sorted(lines)


def _function_name(definition: tree_sitter.Node) -> str | None:
    declarator = definition.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    if declarator is None:
        return None
    name = declarator.child_by_field_name("declarator")
    if name is None or name.text is None:
        return None
    return name.text.decode()


def functions(text: str) -> dict[str, tree_sitter.Node]:
    """Top-level function definitions by name (first definition wins)."""
    found: dict[str, tree_sitter.Node] = {}
    for node in _parse(text).root_node.children:
        if node.type == "function_definition":
            name = _function_name(node)
            if name is not None:
                found.setdefault(name, node)
    return found


def calls_in(function: tree_sitter.Node) -> list[str]:
    """Names of the plainly named callees in a function body, in source order."""
    names: list[tuple[int, str]] = []
    body = function.child_by_field_name("body")
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "identifier" and callee.text is not None:
                names.append((node.start_byte, callee.text.decode()))
        stack.extend(node.children)
    return [name for _, name in sorted(names)]


def teardown_calls(tree: dict[str, str]) -> list[str]:
    destroy_vm = functions(tree[KVM_MAIN]).get("kvm_destroy_vm")
    assert destroy_vm is not None, "kvm_destroy_vm() is missing"
    return calls_in(destroy_vm)


def _all_steps() -> list[Step]:
    return [*commits(), *proposals()]


def _step_id(step: Step) -> str:
    return step.slug


# --- shape of the spec -----------------------------------------------------------------------

def test_commit_directories_are_numbered_in_order() -> None:
    slugs = [step.slug for step in commits()]
    assert slugs, "no demo commits"
    for index, slug in enumerate(slugs):
        assert slug.startswith(f"{index:02d}-"), slug


def test_every_commit_has_the_fields_the_builder_reads() -> None:
    for step in commits():
        meta = step.meta
        assert meta["subject"].strip(), step.slug
        assert meta["body"].strip(), step.slug
        assert "Upstream:" not in meta["body"], f"{step.slug}: trailers belong in meta fields"
        assert meta["fact"].startswith("F"), step.slug
        assert meta["version"].startswith("v"), step.slug
        assert step.changed or step.deleted, f"{step.slug} changes nothing"
        assert ("landmark" in meta) == ("upstream" in meta), step.slug


def test_dates_strictly_increase() -> None:
    dates = [datetime.fromisoformat(step.meta["date"]) for step in commits()]
    for earlier, later, step in zip(dates, dates[1:], commits()[1:], strict=False):
        assert earlier < later, f"{step.slug} is not later than its parent"


def test_every_landmark_has_exactly_one_commit() -> None:
    for landmark in LANDMARKS:
        matches = [step for step in commits() if step.meta.get("landmark") == landmark.key]
        assert len(matches) == 1, f"{landmark.key}: {len(matches)} commits"
        meta = matches[0].meta
        assert meta["upstream"] == landmark.upstream, landmark.key
        assert meta["subject"] == landmark.subject, landmark.key
        assert meta["fact"] == landmark.fact, landmark.key
        assert meta["version"] == landmark.version, landmark.key
    keys = {landmark.key for landmark in LANDMARKS}
    for step in commits():
        if "landmark" in step.meta:
            assert step.meta["landmark"] in keys, f"{step.slug}: unknown landmark"


# --- the C sources ---------------------------------------------------------------------------

@pytest.mark.parametrize("step", _all_steps(), ids=_step_id)
def test_every_c_file_parses_without_errors(step: Step) -> None:
    broken = {
        path: _error_lines(text)
        for path, text in step.tree.items()
        if path.endswith(C_SUFFIXES) and _parse(text).root_node.has_error
    }
    assert not broken, f"{step.slug}: tree-sitter-c errors at {broken}"


def test_no_licence_boilerplate_anywhere_in_the_demo() -> None:
    for step in _all_steps():
        for path, text in step.tree.items():
            for word in ("SPDX", "Copyright"):
                assert word not in text, f"{step.slug}: {path} contains {word}"
    for path in DEMO.rglob("*"):
        if path.is_file() and path.suffix in (".c", ".h", ".toml", ".md", ".diff"):
            text = path.read_text(encoding="utf-8")
            assert "SPDX" not in text and "Copyright" not in text, path


def test_arch_destroy_precedes_destroy_devices_from_07f0a7bdec5c_on() -> None:
    seen = False
    for step in commits():
        seen = seen or step.meta.get("landmark") == "destroy-devices"
        calls = teardown_calls(step.tree)
        if not seen:
            assert "kvm_destroy_devices" not in calls, step.slug
            continue
        assert calls.count("kvm_arch_destroy_vm") == 1, step.slug
        assert calls.count("kvm_destroy_devices") == 1, step.slug
        assert calls.index("kvm_arch_destroy_vm") < calls.index("kvm_destroy_devices"), step.slug
        assert "kvm_destroy_devices" in functions(step.tree[KVM_MAIN]), step.slug


def test_debugfs_trap_is_defined_above_kvm_destroy_vm() -> None:
    appeared = False
    for step in commits():
        defined = functions(step.tree[KVM_MAIN])
        if "kvm_destroy_vm_debugfs" not in defined:
            assert not appeared, f"{step.slug}: kvm_destroy_vm_debugfs() disappeared"
            continue
        appeared = True
        trap, target = defined["kvm_destroy_vm_debugfs"], defined["kvm_destroy_vm"]
        assert trap.start_byte < target.start_byte, step.slug
        assert "kvm_destroy_vm_debugfs" in teardown_calls(step.tree), step.slug
    assert appeared, "kvm_destroy_vm_debugfs() never appears"


# --- the RFC proposal ------------------------------------------------------------------------

def test_rfc_proposal_swaps_the_two_calls_and_nothing_else() -> None:
    (rfc,) = proposals()
    assert rfc.meta["subject"] == RFC_SUBJECT
    assert rfc.meta["message_id"] == RFC_MESSAGE_ID
    assert rfc.changed == {KVM_MAIN}

    calls = teardown_calls(rfc.tree)
    assert calls.index("kvm_destroy_devices") < calls.index("kvm_arch_destroy_vm")

    base = next(step for step in commits() if step.slug == rfc.meta["base"])
    new_lines = rfc.tree[KVM_MAIN].splitlines()
    old_lines = base.tree[KVM_MAIN].splitlines()
    assert len(new_lines) == len(old_lines)
    differing = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert len(differing) == 2 and differing[1] == differing[0] + 1
    first, second = differing
    assert old_lines[first] == new_lines[second] == "\tkvm_arch_destroy_vm(kvm);"
    assert old_lines[second] == new_lines[first] == "\tkvm_destroy_devices(kvm);"


def test_rfc_proposal_sits_on_the_last_commit_before_it() -> None:
    (rfc,) = proposals()
    posted = datetime.fromisoformat(rfc.meta["date"])
    before = [step for step in commits() if datetime.fromisoformat(step.meta["date"]) < posted]
    assert before[-1].slug == rfc.meta["base"]
