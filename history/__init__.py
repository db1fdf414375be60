"""history: what git and a kernel tree say about the teardown order, read inertly.

Sub-packages, top to bottom (each imports only those below it; import-linter checks it):

- ``history.demo`` — the embedded demo history: a kernel-shaped repository built from the
  patch series in ``demo/commits`` with byte-identical commit ids on every machine.
- ``history.tree`` — one kernel revision as files (``KernelSource``: a git commit or a plain
  source directory) and what is read from it: step lists and comments (``extract``), era
  detectors (``detect``), the device census, comment anchors and the RFC applied (``rfc``).
- ``history.git`` — git, run through one read-only, inert chokepoint (``runner``), the
  pre-flight check of a repository (``preflight``), opening it (``repo``), the history
  queries (``queries``: log, pickaxe, ``log -L`` traces, blame) and the landmark table.
- ``history.c`` — C read with tree-sitter-c (``syntax``) and the preprocessor branches
  (``cpp``); knows nothing of git or trees.

Shared by all: ``history.results`` (every result type and its JSON shape) and
``history.errors`` (the one error type: a single line a user can act on). "Fact" is kept for
the fact ids every model rule cites (F1.2, …); what the code reads from source is evidence.
"""
