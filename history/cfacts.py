"""Provides C source facts read with tree-sitter-c: where functions are, and what they call.

Why not git's ``-L :funcname:`` regex: it matches the first funcname line that fits, and in
``virt/kvm/kvm_main.c`` ``kvm_destroy_vm_debugfs`` comes before ``kvm_destroy_vm`` (PEERS §1b).
Here the definition is found by its declarator name in the syntax tree, so the range is exact.
Definitions inside ``#ifdef`` blocks are found too; the first definition in file order wins.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter
import tree_sitter_c


@functools.cache
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_c.language())


def parse(source: bytes) -> tree_sitter.Tree:
    """Parse C source; a fresh Parser per call keeps this safe in worker threads."""
    return tree_sitter.Parser(_language()).parse(source)


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A function definition in one file."""

    name: str
    start: int
    """First line, 1-based."""
    end: int
    """Last line, 1-based, inclusive."""
    body_start_byte: int
    body_end_byte: int


def _declarator_name(node: tree_sitter.Node) -> str | None:
    """The identifier a (possibly pointer/parenthesised) function declarator declares."""
    current: tree_sitter.Node | None = node.child_by_field_name("declarator")
    while current is not None:
        if current.type == "identifier":
            return current.text.decode() if current.text else None
        if current.type == "function_declarator":
            inner = current.child_by_field_name("declarator")
            if inner is not None and inner.type == "identifier":
                return inner.text.decode() if inner.text else None
            current = inner
            continue
        current = current.child_by_field_name("declarator")
    return None


def functions(source: bytes) -> Iterator[FunctionDef]:
    """Every function definition, in file order, including those nested in preprocessor blocks."""
    tree = parse(source)
    stack = [tree.root_node]
    found: list[FunctionDef] = []
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            name = _declarator_name(node)
            body = node.child_by_field_name("body")
            if name and body is not None:
                found.append(FunctionDef(name, node.start_point[0] + 1, node.end_point[0] + 1,
                                         body.start_byte, body.end_byte))
            continue
        stack.extend(node.children)
    found.sort(key=lambda f: f.start)
    yield from found


def find_function(source: bytes, name: str) -> FunctionDef | None:
    """The first definition of ``name`` in file order, or None."""
    for definition in functions(source):
        if definition.name == name:
            return definition
    return None


def calls(source: bytes, name: str) -> tuple[str, ...]:
    """The direct calls in the body of ``name``, in source order (its step list)."""
    definition = find_function(source, name)
    if definition is None:
        return ()
    tree = parse(source)
    body = tree.root_node.descendant_for_byte_range(definition.body_start_byte,
                                                    definition.body_end_byte - 1)
    result: list[tuple[int, str]] = []
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type == "identifier" and fn.text:
                result.append((fn.start_byte, fn.text.decode()))
        stack.extend(node.children)
    return tuple(callee for _, callee in sorted(result))
