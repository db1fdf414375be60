"""Provides preprocessor branches: which ``#if`` branch each line of a C file sits in.

Built from the directive tokens tree-sitter-c finds (``#ifdef`` inside a comment or a string
literal is therefore never taken for one), including those inside ERROR nodes, where the
tree's own nesting of ``preproc_if`` nodes is lost (``#ifdef`` in an initializer list).
A branch is the conjunction of every enclosing condition, negated for ``#else``/``#elif``
parts: ``!CONFIG_A && CONFIG_B``. An include guard (``#ifndef X`` / ``#define X`` around
the whole file) is not a branch.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

IF = frozenset({"#if", "#ifdef", "#ifndef"})
ELSE = frozenset({"#elif", "#elifdef", "#elifndef", "#else"})
DIRECTIVES = IF | ELSE | {"#endif"}


class Directive(NamedTuple):
    line: int
    kind: str
    """``#ifdef``, ``#else``, ..."""
    arg: str
    """The rest of the directive line, comments removed."""


def _strip_comments(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
            out.append(" ")
        elif text.startswith("//", i):
            break
        else:
            out.append(text[i])
            i += 1
    return " ".join("".join(out).split())


def rest_of_line(source: bytes, pos: int) -> str:
    """From ``pos`` to the end of the (backslash-continued) line, comments removed."""
    end = pos
    while True:
        nl = source.find(b"\n", end)
        if nl < 0:
            nl = len(source)
        if nl > 0 and source[nl - 1:nl] == b"\\":
            end = nl + 1
            continue
        break
    return _strip_comments(source[pos:nl].decode("utf-8", "replace").replace("\\\n", " "))


def negate(cond: str) -> str:
    return f"!{cond}" if cond.replace("_", "").isalnum() else f"!({cond})"


class Branches:
    """Line -> the conjunction of enclosing ``#if`` branches."""

    def __init__(self, source: bytes, directives: list[Directive]) -> None:
        frames: list[tuple[list[str], str | None]] = []
        self._starts: list[int] = [0]
        self._texts: list[str] = [""]
        guard = _include_guard(source, directives)
        for index, (line, kind, arg) in enumerate(directives):
            if kind in IF:
                cond = negate(arg) if kind == "#ifndef" else arg
                frames.append(([], None if index == guard else cond))
            elif kind in ELSE and frames:
                prior, current = frames[-1]
                if current is not None:
                    prior.append(current)
                frames[-1] = (prior, {"#elif": arg, "#elifdef": arg,
                                      "#elifndef": negate(arg)}.get(kind))
            elif kind == "#endif" and frames:
                frames.pop()
            clauses = [c for prior, cur in frames
                       for c in [*(negate(p) for p in prior), *([cur] if cur else [])]]
            self._starts.append(line + 1)  # the branch starts on the line after
            self._texts.append(" && ".join(clauses))

    def at(self, line: int) -> str:
        return self._texts[bisect.bisect_right(self._starts, line) - 1]


def _include_guard(source: bytes, directives: list[Directive]) -> int | None:
    """Index 0 when the file is wrapped in ``#ifndef X`` / ``#define X`` ... ``#endif``."""
    if not directives or directives[0].kind != "#ifndef":
        return None
    lines = source.split(b"\n", directives[0].line + 1)
    after = lines[directives[0].line].split() if len(lines) > directives[0].line else []
    if after[:2] != [b"#define", directives[0].arg.encode()]:
        return None
    depth = 0
    for index, directive in enumerate(directives):
        depth += 1 if directive.kind in IF else -1 if directive.kind == "#endif" else 0
        if depth == 0:
            return 0 if index == len(directives) - 1 else None
    return None
