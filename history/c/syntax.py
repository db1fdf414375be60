"""Provides what C source says, read with tree-sitter-c: functions, calls, comments, tables.

Why not git's ``-L :funcname:`` regex: it matches the first funcname line that fits, and in
``virt/kvm/kvm_main.c`` ``kvm_destroy_vm_debugfs`` comes before ``kvm_destroy_vm`` (PEERS §1b).
Here the definition is found by its declarator name in the syntax tree, so the range is exact.
Definitions inside ``#ifdef`` blocks are found too; the first definition in file order wins.

Real kernel C is not all C to tree-sitter: iterator macros (``list_for_each_entry_safe(...)
{...}``), annotations (``__user``, ``__rcu``) and ``#ifdef`` inside initializer lists leave
ERROR nodes. Every node index here reaches into ERROR nodes, so functions, calls and
initializers around them are still found. Preprocessor conditions are not taken from the
tree's nesting (which breaks inside ERROR nodes) but from the directive tokens tree-sitter
emits in either case (history/c/cpp.py): ``CFile.condition(line)`` names the ``#if`` branch.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter
import tree_sitter_c

from history.c.cpp import DIRECTIVES, Branches, Directive, rest_of_line
from history.errors import HistoryError

#: The deepest syntax tree the workbench reads. Kernel C stays far below it (the deepest of
#: arch/x86/kvm/x86.c in 6.12 is 18); tree-sitter's queries and ``Node.parent`` slow down
#: with the square of the depth, so a file nested thousands of levels deep (a hostile tree)
#: would take minutes to index.
MAX_DEPTH = 1024
#: The largest C file the workbench parses: tree-sitter takes about 150 bytes of memory and
#: 0.7 µs per byte of adversarial input; the largest file it reads (arch/x86/kvm/x86.c in
#: 6.12) is 365 kB.
PARSE_CAP = 2 << 20
#: The longest expression text kept (an argument, a condition, a right-hand side); nested
#: expressions would otherwise keep the square of their size.
EXPR_CAP = 1024
#: The most arguments of one call that are kept.
ARGS_CAP = 64


class Unreadable(HistoryError):
    """C source too big or nested too deep to parse; the caller adds which file it was."""


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


def _expr(node: tree_sitter.Node | None) -> str:
    """An expression's text, at most EXPR_CAP characters (longer ones end in ``…``)."""
    if node is None or not node.text:
        return ""
    if node.end_byte - node.start_byte <= EXPR_CAP:
        return node.text.decode("utf-8", "replace")
    return node.text[:EXPR_CAP].decode("utf-8", "replace") + "…"


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


def _loop_text(loop: tree_sitter.Node) -> str:
    """A loop's condition, or its header when it has none (``for (a; b; c)``)."""
    cond = loop.child_by_field_name("condition")
    if cond is None:
        body = loop.child_by_field_name("body")
        end = body.start_byte if body is not None else loop.end_byte
        header = loop.text[:min(end - loop.start_byte, EXPR_CAP)] if loop.text else b""
        return header.decode("utf-8", "replace").strip()
    return _expr(cond).strip("()").strip()


def _walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Every node below ``node`` (ERROR nodes included), pre-order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _walk_parents(node: tree_sitter.Node) -> Iterator[tuple[tree_sitter.Node, tree_sitter.Node
                                                            | None, str | None, int]]:
    """Every node below ``node``, pre-order, with its parent, its field name in the parent
    and its depth. ``Node.parent`` costs a walk down from the root, so climbing from a node
    deep in the tree is quadratic in its depth; a cursor knows the path for free."""
    cursor = node.walk()
    parents: list[tree_sitter.Node] = []
    while True:
        current = cursor.node
        assert current is not None
        yield current, (parents[-1] if parents else None), cursor.field_name, len(parents)
        if cursor.goto_first_child():
            parents.append(current)
            continue
        while True:
            if not parents:
                return
            if cursor.goto_next_sibling():
                break
            cursor.goto_parent()
            parents.pop()


@dataclass(frozen=True, slots=True)
class _Site:
    """Where a call sits: its function, the nearest loop in that function, its statement."""

    owner: str
    loop: str
    stmt_start: int
    stmt_end: int
    inner: bool
    """The callee expression of an outer call (``kvm_x86_call(vm_destroy)`` in
    ``kvm_x86_call(vm_destroy)(kvm)``)."""


def _call_sites(root: tree_sitter.Node) -> dict[tuple[int, int], _Site]:
    """Every call below ``root`` keyed by its byte span, found in one pass (linear in the
    size of ``root`` however deep the code nests)."""
    sites: dict[tuple[int, int], _Site] = {}
    # (depth, node) of the open enclosing functions, loops and statements
    functions: list[tuple[int, tree_sitter.Node]] = []
    loops: list[tuple[int, tree_sitter.Node]] = []
    stmts: list[tuple[int, tree_sitter.Node]] = []
    for node, parent, field, depth in _walk_parents(root):
        for stack in (functions, loops, stmts):
            while stack and stack[-1][0] >= depth:
                stack.pop()
        kind = node.type
        if kind == "function_definition":
            functions.append((depth, node))
        if kind.endswith("statement") or kind == "declaration":
            stmts.append((depth, node))
        if kind == "call_expression":
            func_depth = functions[-1][0] if functions else -1
            loop = _loop_text(loops[-1][1]) if loops and loops[-1][0] > func_depth else ""
            stmt = stmts[-1][1] if stmts else root
            owner = _declarator_name(functions[-1][1]) or "" if functions else ""
            sites[(node.start_byte, node.end_byte)] = _Site(
                owner, loop, stmt.start_byte, stmt.end_byte,
                parent is not None and parent.type == "call_expression" and field == "function")
        if kind in _LOOPS:
            loops.append((depth, node))
    return sites


_DIRECTIVE_TOKENS = frozenset(("#if", "#ifdef", "#ifndef", "#elif", "#elifdef",
                               "#elifndef", "#else", "#endif"))
_IDENTIFIERS = frozenset(("identifier", "field_identifier", "type_identifier"))
_INDEXED = frozenset(("function_definition", "declaration", "call_expression",
                      "preproc_directive", "assignment_expression", "initializer_pair",
                      "struct_specifier", *_DIRECTIVE_TOKENS))


def _kind(node: tree_sitter.Node, parent: str) -> str:
    """Which index of CFile a node belongs to ("" for none)."""
    kind = node.type
    if kind == "function_definition":
        return "function"
    if kind in ("declaration", "call_expression"):
        return "declaration" if kind == "declaration" else "call"
    if kind == "preproc_directive" or kind in _DIRECTIVE_TOKENS:
        return "directive"
    if kind in ("assignment_expression", "initializer_pair") and \
            parent in ("initializer_list", "ERROR"):
        return "entry"
    if kind == "struct_specifier":
        body = node.child_by_field_name("body")
        if body is not None and body.type == "field_declaration_list":
            return "struct"
    return ""


class CFile:
    """One parsed C file: parsed once, asked many questions (functions, calls, comments)."""

    def __init__(self, source: bytes) -> None:
        if len(source) > PARSE_CAP:
            raise Unreadable(f"is {len(source):,} bytes, more than the {PARSE_CAP >> 20} MiB"
                             f" of C the workbench parses")
        self.source = source
        self.tree = parse(source)
        self._functions: dict[str, list[tree_sitter.Node]] = {}
        self._site_cache: dict[tuple[int, int], dict[tuple[int, int], _Site]] = {}
        # One pass indexes every node kind the questions below start from (ERROR nodes
        # included) and refuses code nested too deep to ask about in reasonable time.
        found: dict[str, list[tree_sitter.Node]] = {}
        cursor = self.tree.root_node.walk()
        above = [""]  # the types of the nodes above the cursor, innermost last
        while True:
            node = cursor.node
            assert node is not None
            kind = node.type
            if kind in _INDEXED and (index := _kind(node, above[-1])):
                found.setdefault(index, []).append(node)
            if cursor.goto_first_child():
                above.append(kind)
                if len(above) > MAX_DEPTH:
                    raise Unreadable(f"nests more than {MAX_DEPTH} levels deep at line"
                                  f" {node.start_point[0] + 1}: the workbench does not"
                                  f" read it")
                continue
            while not cursor.goto_next_sibling():
                if not cursor.goto_parent():
                    break
                above.pop()
            else:
                continue
            break

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

    def _call(self, sub: tree_sitter.Node, site: _Site | None) -> Call | None:
        fn = sub.child_by_field_name("function")
        if site is None or site.inner or fn is None or \
                fn.type not in ("identifier", "field_expression", "call_expression"):
            return None  # an inner callee is one step with its outer call, listed by it
        args = sub.child_by_field_name("arguments")
        arg_nodes = (args.named_child(i) for i in range(args.named_child_count)) if args \
            else iter(())
        arg_texts = tuple(itertools.islice((_expr(a) for a in arg_nodes
                                            if a is not None and a.type != "comment"),
                                           ARGS_CAP))
        line = fn.start_point[0] + 1
        return Call(_expr(fn), line, self.condition(line), arg_texts, site.stmt_start,
                    site.stmt_end, site.loop)

    def _sites(self, node: tree_sitter.Node) -> dict[tuple[int, int], _Site]:
        key = (node.start_byte, node.end_byte)
        if key not in self._site_cache:
            self._site_cache[key] = _call_sites(node)
        return self._site_cache[key]

    def calls(self, name: str) -> tuple[Call, ...]:
        """Every call in the body of ``name`` in source order (identifier and ``a->b`` callees)."""
        node = self.function_node(name)
        if node is None:
            return ()
        sites = self._sites(node)
        lo = bisect.bisect_left(self._call_starts, node.start_byte)
        hi = bisect.bisect_left(self._call_starts, node.end_byte)
        found = (self._call(sub, sites.get((sub.start_byte, sub.end_byte)))
                 for sub in self._calls[lo:hi])
        return tuple(c for c in found if c is not None)

    def calls_to(self, callee: str) -> tuple[tuple[str, Call], ...]:
        """Every call of ``callee`` anywhere in the file, with the function it sits in."""
        matches = [sub for sub in self._calls if (fn := sub.child_by_field_name("function"))
                   is not None and fn.text == callee.encode()]
        if not matches:
            return ()
        sites = self._sites(self.tree.root_node)
        result = []
        for sub in matches:
            site = sites.get((sub.start_byte, sub.end_byte))
            call = self._call(sub, site)
            if site is not None and call is not None:
                result.append((site.owner, call))
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
                found.append(Assignment(_expr(left), _expr(right), sub.start_point[0] + 1))
        return tuple(found)

    def field_refs(self, name: str) -> tuple[tuple[str, int], ...]:
        """Every ``a->b.c`` expression in ``name`` (outermost only), with its line."""
        node = self.function_node(name)
        if node is None:
            return ()
        return tuple((_expr(sub), sub.start_point[0] + 1)
                     for sub, parent, _, _ in _walk_parents(node)
                     if sub.type == "field_expression"
                     and (parent is None or parent.type != "field_expression"))

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
                                       _expr(pair.child_by_field_name("value")),
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
            rows.append((_expr(index).strip("[]").strip(), _expr(value), line,
                         self.condition(line)))
        return tuple(rows)

    @functools.cached_property
    def _identifier_list(self) -> tuple[tuple[int, int], ...]:
        """Byte spans of every identifier token (few questions need them: built on demand)."""
        return tuple((n.start_byte, n.end_byte) for n in _walk(self.tree.root_node)
                     if n.type in _IDENTIFIERS)

    def identifier_lines(self, name: str) -> tuple[int, ...]:
        """Lines where ``name`` occurs as an identifier token (not in comments/strings)."""
        want = name.encode()
        return tuple(sorted(self.source.count(b"\n", 0, start) + 1
                            for start, end in self._identifier_list
                            if end - start == len(want) and self.source[start:end] == want))


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
