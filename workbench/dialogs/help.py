"""Provides the help screen: what the workbench is for, and the keys of the screen below."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown

from workbench.dialogs.frame import Dialog

INTRO = """\
# kvm-teardown workbench

Evidence for the RFC *"kvm: reverse call order of kvm_arch_destroy_vm() and
kvm_destroy_devices()"*: why the order is what it is (history back to `07f0a7bdec5c`),
whether the swap is safe on every architecture, whether it is enough for s390 Secure
Execution guests with AP queues, and which code comments it would make false.

**History** lists the commits of the tree (the embedded demo when no `--repo` is given).
`t` traces `kvm_destroy_vm()` with an exact tree-sitter range (`git log -L`), `b` blames it
at the highlighted commit (`enter` on a line opens its commit), `,` blames the parent of the
line's commit (as tig does), `<` goes back, `q` returns to the detail, `L` lists the landmark
commits, `/` searches the loaded commits and then the whole history, `n`/`N` repeat, `:` goes
to any revision (a hash of any length, a tag, `HEAD~3`). In a text pane `left`/`right` scroll
long lines and `w` wraps them. Below 120 columns the list sits above the pane.

`O` maximizes the focused pane (`O` or `escape` restores it), on every screen.

**Simulator** model-checks VM teardown for the chosen architecture and kernel era in both
call orders (`r`), every fd-close order and kill point included. A failing claim shows its
shortest counterexample; each step names the kernel function and the fact it rests on, `f`
shows that fact, and `enter` on a step opens the history of its function.

**Comments** reads each catalogued code comment at the revision (its real text and line, or
*missing at* it) and marks it per call order: **holds**, **INVALIDATED** (a claim encoding
its assumption fails; the shortest trace is shown, `enter` or `o` opens it in the Simulator
at the violating step), **vacuous**, **not modelled** (no claim encodes the assumption) or
**comment absent**. `b` blames the comment's lines in History.

**Fixes** (`F`) judges every fix the thread proposed on every claim, architecture, era and
userspace against no change, ranks them (complete first, then paths closed, then size) and
says why; `enter` opens a fix's matrix, `enter` on a cell its trace in the Simulator, `S`
searches every step order and hook placement.

## Notation

- **FAILS**: some order of events breaks the claim; the shortest such trace is shown.
- **holds**: no order breaks it; *prevented by G ×N* names the rule G that stopped the
  failure on N transitions (e.g. the Ultravisor refusing to destroy a configuration
  with bound queues).
- **holds (vacuous)**: nothing the claim speaks about happens in this profile (say, no AP
  queues on this architecture); the reason is shown with it.
- **holds (comment absent)**: the comment the claim encodes is not in this era's tree.
- **{16× verified}**: a population: 16 vCPUs or AP queues in the state *verified*;
  **{≥2× none}** means two or more, because the reduced search counts identical objects only
  up to a cap, which stays exact for any number of them.
- **files: -vm** in a step's changes: a set that changed, `+x` added and `-x` removed (here
  the VM's file descriptor was closed).
- **Toggles** are assumptions about firmware or hardware that nobody outside IBM can check;
  each defaults to the side the evidence supports. `t` goes to them; the highlighted one
  shows its assumption, values and evidence (`kvm-workbench sim --list-toggles` prints all).
- **Era features** are the kernel switches an era stands for (`e` lists them, present or
  absent, with the release, fact and commit of each boundary).
- **⇒** marks the step of a counterexample whose state breaks the claim; **bold** claims
  have a verdict the swap changes; **stale** verdicts were computed for other inputs.
- **F7.11** and the like are fact ids: `f` opens the fact, with its commits and what cites it.
"""


class HelpScreen(Dialog):
    """Help for the screen underneath; any of escape, q, ? or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen > VerticalScroll { max-width: 100; height: 90%; }
    """

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        rows = ["| key | does |", "|---|---|"]
        seen: set[str] = set()
        for node in (self.under, self.app):
            for binding in node.BINDINGS:
                if not isinstance(binding, Binding) or binding.id in seen:
                    continue
                seen.add(binding.id or binding.key)
                keys = binding.key.replace("question_mark", "?").replace("comma", ",") \
                    .replace("less_than_sign", "<").replace("slash", "/").replace("colon", ":")
                rows.append(f"| `{keys}` | {binding.description} |")
        with VerticalScroll():
            yield Markdown(INTRO + "\n## Keys\n\n" + "\n".join(rows)
                           + "\n\n`ctrl+p` opens the command palette.\n")
