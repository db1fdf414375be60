"""Provides C source facts read with tree-sitter-c: functions, calls, comments, initializers.

Why not git's ``-L :funcname:`` regex: it matches the first funcname line that fits, and in
``virt/kvm/kvm_main.c`` ``kvm_destroy_vm_debugfs`` comes before ``kvm_destroy_vm`` (PEERS §1b).
Here the definition is found by its declarator name in the syntax tree, so the range is exact.
Definitions inside ``#ifdef`` blocks are found too; the first definition in file order wins.

Real kernel C is not all C to tree-sitter: iterator macros (``list_for_each_entry_safe(...)
{...}``), annotations (``__user``, ``__rcu``) and ``#ifdef`` inside initializer lists leave
ERROR nodes. Every node index here reaches into ERROR nodes, so functions, calls and
initializers around them are still found. Preprocessor conditions are not taken from the
tree's nesting (which breaks inside ERROR nodes) but from the directive tokens tree-sitter
emits in either case (history/cpp.py): ``CFile.condition(line)`` names the ``#if`` branch.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter
import tree_sitter_c

from history.cpp import DIRECTIVES, Branches, Directive, rest_of_line


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


@dataclass(frozen=True, slots=True)
class Call:
    """One call expression: callee text (``kvm_destroy_devices``, ``dev->ops->destroy``)."""

    callee: str
    line: int
    condition: str
    """The ``#if`` branch it sits in (``""`` when unconditional)."""
    args: tuple[str, ...]
    stmt_start: int
    """Byte range of the enclosing statement (for the RFC patch)."""
    stmt_end: int
    loop: str = ""
    """Condition of the nearest enclosing loop (``retry2--``, ``true``), ``""`` if none."""


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment block: its text and lines."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Field:
    """A struct member and the comment block directly above it."""

    name: str
    line: int
    comment: Comment | None


@dataclass(frozen=True, slots=True)
class Initializer:
    """``struct TYPE sym = { .field = value, ... }``: designated fields with their lines."""

    symbol: str
    line: int
    condition: str
    fields: tuple[tuple[str, str, int], ...]
    """(field, value text, line) in source order."""

    def value(self, name: str) -> str | None:
        return next((v for f, v, _ in self.fields if f == name), None)


@dataclass(frozen=True, slots=True)
class Assignment:
    """``left = right;`` inside a function (also ``type *left = right`` declarations)."""

    left: str
    right: str
    line: int


def _text(node: tree_sitter.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


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


def _definition(name: str, node: tree_sitter.Node) -> FunctionDef:
    body = node.child_by_field_name("body")
    assert body is not None
    return FunctionDef(name, node.start_point[0] + 1, node.end_point[0] + 1, body.start_byte,
                       body.end_byte)


_LOOPS = ("while_statement", "for_statement", "do_statement")


def _loop_of(node: tree_sitter.Node) -> str:
    """The condition of the nearest loop around ``node`` within its function."""
    current = node.parent
    while current is not None and current.type != "function_definition":
        if current.type in _LOOPS:
            cond = current.child_by_field_name("condition")
            if cond is None:  # for (a; b; c): show the header
                body = current.child_by_field_name("body")
                end = body.start_byte if body is not None else current.end_byte
                header = current.text[:end - current.start_byte] if current.text else b""
                return header.decode("utf-8", "replace").strip()
            return _text(cond).strip("()").strip()
        current = current.parent
    return ""


def _walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Every node below ``node`` (ERROR nodes included), pre-order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


_INDEX = """
(function_definition) @function
(declaration) @declaration
(call_expression) @call
(preproc_directive) @directive
["#if" "#ifdef" "#ifndef" "#elif" "#elifdef" "#elifndef" "#else" "#endif"] @directive
(initializer_list (assignment_expression) @entry)
(ERROR (assignment_expression) @entry)
(initializer_list (initializer_pair) @entry)
(ERROR (initializer_pair) @entry)
(struct_specifier body: (field_declaration_list)) @struct
"""


@functools.cache
def _index_query() -> tree_sitter.Query:
    return tree_sitter.Query(_language(), _INDEX)


@functools.cache
def _name_query(name: str) -> tree_sitter.Query:
    literal = name.replace("\\", "").replace('"', "")
    return tree_sitter.Query(_language(), "".join(
        f'(({kind}) @n (#eq? @n "{literal}"))' for kind in
        ("identifier", "field_identifier", "type_identifier")))


class CFile:
    """One parsed C file: parsed once, asked many questions (functions, calls, comments)."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.tree = parse(source)
        self._functions: dict[str, list[tree_sitter.Node]] = {}
        # One query (C speed) indexes every node kind the questions below start from;
        # query matches reach inside ERROR nodes like any other subtree.
        found = tree_sitter.QueryCursor(_index_query()).captures(self.tree.root_node)

        def nodes(kind: str) -> list[tree_sitter.Node]:
            return sorted(found.get(kind, []), key=lambda n: (n.start_byte, -n.end_byte))

        for node in nodes("function"):
            name = _declarator_name(node)
            if name and node.child_by_field_name("body") is not None:
                self._functions.setdefault(name, []).append(node)
        self._calls = nodes("call")
        self._call_starts = [n.start_byte for n in self._calls]
        self._declarations = nodes("declaration")
        self._structs = nodes("struct")
        self._entries = nodes("entry")
        directives: dict[int, Directive] = {}
        for node in nodes("directive"):
            kind = node.type if node.type in DIRECTIVES else \
                (_text(node).split(maxsplit=1) or [""])[0]
            # Recovery inserts zero-width MISSING #endif nodes; one directive can also
            # surface twice (a token inside an ERROR node and its parent).
            if kind in DIRECTIVES and not node.is_missing:
                directives[node.start_byte] = Directive(node.start_point[0] + 1, kind,
                                                        rest_of_line(source, node.end_byte))
        self._branches = Branches(source, sorted(directives.values()))

    def condition(self, line: int) -> str:
        """The ``#if`` branch ``line`` sits in, e.g. ``CONFIG_KVM_MPIC``; ``""`` if none."""
        return self._branches.at(line)

    # -- functions ------------------------------------------------------------------------
    def function_names(self) -> tuple[str, ...]:
        return tuple(self._functions)

    def function_node(self, name: str) -> tree_sitter.Node | None:
        nodes = self._functions.get(name)
        return nodes[0] if nodes else None

    def function(self, name: str) -> FunctionDef | None:
        """The first definition of ``name`` in file order, or None."""
        node = self.function_node(name)
        return None if node is None else _definition(name, node)

    def params(self, name: str) -> tuple[str, ...]:
        """The parameter declarations of ``name`` as written (``struct kvm_device *dev``)."""
        node = self.function_node(name)
        declarator = node.child_by_field_name("declarator") if node is not None else None
        while declarator is not None and declarator.type != "function_declarator":
            declarator = declarator.child_by_field_name("declarator")
        plist = declarator.child_by_field_name("parameters") if declarator is not None else None
        return tuple(" ".join(_text(p).split()) for p in (plist.named_children if plist else ())
                     if p.type == "parameter_declaration")

    def definitions(self) -> Iterator[FunctionDef]:
        """Every definition (a name defined in two ``#if`` branches appears twice)."""
        for name, nodes in self._functions.items():
            for node in nodes:
                yield _definition(name, node)

    def _call(self, sub: tree_sitter.Node) -> Call | None:
        fn = sub.child_by_field_name("function")
        if fn is None or fn.type not in ("identifier", "field_expression", "call_expression"):
            return None
        outer = sub.parent
        if outer is not None and outer.type == "call_expression" and \
                outer.child_by_field_name("function") == sub:
            return None  # kvm_x86_call(vm_destroy)(kvm) is one step, listed by the outer
        args = sub.child_by_field_name("arguments")
        arg_texts = tuple(_text(a) for a in (args.named_children if args else ())
                          if a.type != "comment")
        stmt = sub
        while stmt.parent is not None and not stmt.type.endswith("statement") \
                and stmt.type != "declaration":
            stmt = stmt.parent
        line = fn.start_point[0] + 1
        return Call(_text(fn), line, self.condition(line), arg_texts, stmt.start_byte,
                    stmt.end_byte, _loop_of(sub))

    def calls(self, name: str) -> tuple[Call, ...]:
        """Every call in the body of ``name`` in source order (identifier and ``a->b`` callees)."""
        node = self.function_node(name)
        if node is None:
            return ()
        lo = bisect.bisect_left(self._call_starts, node.start_byte)
        hi = bisect.bisect_left(self._call_starts, node.end_byte)
        found = (self._call(sub) for sub in self._calls[lo:hi])
        return tuple(c for c in found if c is not None)

    def calls_to(self, callee: str) -> tuple[tuple[str, Call], ...]:
        """Every call of ``callee`` anywhere in the file, with the function it sits in."""
        result = []
        for sub in self._calls:
            fn = sub.child_by_field_name("function")
            if fn is None or fn.text != callee.encode():
                continue
            call = self._call(sub)
            owner = sub.parent
            while owner is not None and owner.type != "function_definition":
                owner = owner.parent
            if call is not None:
                result.append(("" if owner is None else _declarator_name(owner) or "", call))
        return tuple(result)

    def assignments(self, name: str) -> tuple[Assignment, ...]:
        """``left = right`` pairs in ``name`` (assignments and initialised declarations)."""
        node = self.function_node(name)
        if node is None:
            return ()
        found = []
        for sub in _walk(node):
            if sub.type == "assignment_expression" and _text(
                    sub.child_by_field_name("operator")) == "=":
                left, right = sub.child_by_field_name("left"), sub.child_by_field_name("right")
            elif sub.type == "init_declarator":
                left, right = sub.child_by_field_name("declarator"), \
                    sub.child_by_field_name("value")
                while left is not None and left.type == "pointer_declarator":
                    left = left.child_by_field_name("declarator")
            else:
                continue
            if left is not None and right is not None:
                found.append(Assignment(_text(left), _text(right), sub.start_point[0] + 1))
        return tuple(found)

    def field_refs(self, name: str) -> tuple[tuple[str, int], ...]:
        """Every ``a->b.c`` expression in ``name`` (outermost only), with its line."""
        node = self.function_node(name)
        if node is None:
            return ()
        return tuple((_text(sub), sub.start_point[0] + 1) for sub in _walk(node)
                     if sub.type == "field_expression"
                     and (sub.parent is None or sub.parent.type != "field_expression"))

    # -- comments -------------------------------------------------------------------------
    @staticmethod
    def _block_above(node: tree_sitter.Node) -> Comment | None:
        """The comment lines directly above ``node`` (no blank line between), joined."""
        parts: list[tree_sitter.Node] = []
        prev, top = node.prev_sibling, node.start_point[0]
        while prev is not None and prev.type == "comment" and prev.end_point[0] >= top - 1:
            parts.insert(0, prev)
            top = prev.start_point[0]
            prev = prev.prev_sibling
        if not parts:
            return None
        return Comment("\n".join(_text(p) for p in parts), parts[0].start_point[0] + 1,
                       parts[-1].end_point[0] + 1)

    def function_comment(self, name: str) -> Comment | None:
        """The comment block directly above the definition of ``name``."""
        node = self.function_node(name)
        return None if node is None else self._block_above(node)

    def body_comments(self, name: str) -> tuple[Comment, ...]:
        """Every comment inside the body of ``name``, in order."""
        node = self.function_node(name)
        if node is None:
            return ()
        return tuple(Comment(_text(c), c.start_point[0] + 1, c.end_point[0] + 1)
                     for c in _walk(node) if c.type == "comment")

    def _struct(self, name: str) -> tree_sitter.Node | None:
        return next((n for n in self._structs
                     if _text(n.child_by_field_name("name")) == name), None)

    def struct_comment(self, name: str) -> Comment | None:
        """The comment block directly above ``struct name { ... }``."""
        node = self._struct(name)
        if node is None:
            return None
        holder = node.parent if node.parent is not None and \
            node.parent.type in ("declaration", "type_definition") else node
        return self._block_above(holder)

    def struct_fields(self, name: str) -> tuple[Field, ...]:
        """The members of ``struct name`` with the comment directly above each."""
        node = self._struct(name)
        body = node.child_by_field_name("body") if node is not None else None
        if body is None:
            return ()
        fields = []
        for member in body.named_children:
            if member.type != "field_declaration":
                continue
            ident = next((n for n in _walk(member) if n.type == "field_identifier"), None)
            if ident is not None:
                fields.append(Field(_text(ident), ident.start_point[0] + 1,
                                    self._block_above(member)))
        return tuple(fields)

    # -- initializers ---------------------------------------------------------------------
    def initializers(self, struct_type: str) -> tuple[Initializer, ...]:
        """Every ``struct struct_type sym = {...}`` in the file (filtered by declared type)."""
        found = []
        for node in self._declarations:
            kind = node.child_by_field_name("type")
            if kind is None or kind.type != "struct_specifier" or \
                    _text(kind.child_by_field_name("name")) != struct_type:
                continue
            for decl in node.children_by_field_name("declarator"):
                value = decl.child_by_field_name("value")
                target = decl.child_by_field_name("declarator")
                if decl.type != "init_declarator" or value is None or target is None or \
                        value.type != "initializer_list" or target.type != "identifier":
                    continue
                fields = []
                for pair in value.named_children:
                    designator = pair.child_by_field_name("designator")
                    if pair.type == "initializer_pair" and designator is not None:
                        fields.append((_text(designator).lstrip(".").strip(),
                                       _text(pair.child_by_field_name("value")),
                                       pair.start_point[0] + 1))
                line = node.start_point[0] + 1
                found.append(Initializer(_text(target), line, self.condition(line),
                                         tuple(fields)))
        return tuple(found)

    def array_entries(self) -> tuple[tuple[str, str, int, str], ...]:
        """``[INDEX] = &value`` entries of array initializers: index, value, line, ``#if``.

        tree-sitter has no rule for ``#ifdef`` inside an initializer list; it reads
        ``#ifdef X [I] = &v`` as ``X[I] = &v`` in an ERROR node, so the index node (not the
        statement) gives the line, and the condition comes from the directive table.
        """
        rows = []
        for node in self._entries:
            if node.type == "assignment_expression":
                left, value = node.child_by_field_name("left"), node.child_by_field_name("right")
                index = left.child_by_field_name("index") if left is not None and \
                    left.type == "subscript_expression" else None
            elif node.type == "initializer_pair":
                designator = node.child_by_field_name("designator")
                value = node.child_by_field_name("value")
                index = designator if designator is not None and \
                    designator.type == "subscript_designator" else None
            else:
                continue
            if index is None or value is None or not _text(value).startswith("&"):
                continue
            line = index.start_point[0] + 1
            rows.append((_text(index).strip("[]").strip(), _text(value), line,
                         self.condition(line)))
        return tuple(rows)

    def identifier_lines(self, name: str) -> tuple[int, ...]:
        """Lines where ``name`` occurs as an identifier token (not in comments/strings)."""
        found = tree_sitter.QueryCursor(_name_query(name)).captures(self.tree.root_node)
        return tuple(sorted(n.start_point[0] + 1 for n in found.get("n", [])))


def functions(source: bytes) -> Iterator[FunctionDef]:
    """Every function definition, in file order, including those nested in preprocessor blocks."""
    yield from sorted(CFile(source).definitions(), key=lambda f: f.start)


def find_function(source: bytes, name: str) -> FunctionDef | None:
    """The first definition of ``name`` in file order, or None."""
    return CFile(source).function(name)


def calls(source: bytes, name: str) -> tuple[str, ...]:
    """The direct calls (plain identifiers) in the body of ``name``, in source order."""
    return tuple(c.callee for c in CFile(source).calls(name) if "->" not in c.callee
                 and "." not in c.callee)
