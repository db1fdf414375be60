"""The claim catalog and the comments core on the demo history: every catalogued comment the
demo has is found with its real text, a comment is missing where the history had not written
it yet, every entry with claims turns invalidated under a what-if (and holds without it), and
each kind of malformed catalog is one line naming file, entry and problem, exit status 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from history.demo import open_demo
from history.tree.anchors import ANCHORS
from history.tree.source import KernelSource, open_source
from workbench.cli import main
from workbench.comments import (
    CatalogError,
    check_comments,
    load_catalog,
    parse_catalog,
    read_comments,
)

BASELINE = "8d9d8be3ec5cf31ccf010d7559fd6ca7b24bbac5"
"""The demo's first commit (tests/history/test_demo_build.py): no device API, no comment."""
DEMO_PRESENT = ("destroy-devices-lock", "ops-destroy", "pv-notifier", "mpic-disconnect")
"""The catalogued comments the demo's model sources write at HEAD."""
NO_VFIO_REFS = {"vfio-ap-kvm-ref": False, "vfio-core-kvm-ref": False}


def demo(rev: str | None = None) -> KernelSource:
    return open_source(None, rev, repo=open_demo())


def test_catalog_covers_every_claimed_comment_and_section() -> None:
    """Every comment claim of sim.claims has an entry, every detector anchor is catalogued
    once (no second copy: the entry points at it), and §3 and §8 facts are all cited."""
    from sim.claims import CLAIMS

    entries = load_catalog()
    claimed = {c for e in entries for c in e.claims}
    assert {c.id for c in CLAIMS if c.id.startswith("comment-")} <= claimed
    by_anchor = [e.anchor for e in entries if any(e.anchor is a for a in ANCHORS)]
    assert sorted(a.key for a in by_anchor) == sorted(a.key for a in ANCHORS)
    cited = {f for e in entries for f in e.facts}
    wanted = {"F3.1", "F3.2", "F3.3", "F3.4", *(f"F8.{n}" for n in range(1, 19))}
    assert wanted <= cited, sorted(wanted - cited)
    for entry in entries:
        assert bool(entry.claims) != bool(entry.not_modelled), entry.id


def test_demo_comments_found_with_their_real_text() -> None:
    src = demo()
    entries = load_catalog()
    found = dict(zip((e.id for e in entries), read_comments(src, entries), strict=True))
    for entry in entries:
        text = found[entry.id]
        assert text.present == (entry.id in DEMO_PRESENT), entry.id
        if not text.present:
            continue
        lines = src.read(entry.anchor.path).decode().splitlines()
        assert text.text is not None
        assert " ".join(" ".join(lines[text.start - 1:text.end]).split()) \
            == " ".join(text.text.split()), entry.id
        assert " ".join(entry.anchor.phrase.split()) in " ".join(
            text.text.replace("*", " ").split()), entry.id


def test_missing_at_the_baseline() -> None:
    report = check_comments(demo(BASELINE), arch="s390")
    lock = report.comment("destroy-devices-lock")
    assert not lock.found.present
    assert lock.where == f"missing at {BASELINE[:12]}"
    assert {v.verdict for v in lock.verdicts} == {"absent"}
    assert all(c.verdict(o).verdict == "absent" for c in report.comments
               for o in ("current", "reversed"))


def test_not_modelled_is_never_holds(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[[comment]]\nid = "demo-lock-again"\nfile = "virt/kvm/kvm_main.c"\n'
                     'kind = "body"\nsymbol = "kvm_destroy_devices"\n'
                     'phrase = "We do not need to take the kvm->lock here"\n'
                     'facts = ["F3.1"]\nassumption = "a user entry"\nclaims = []\n'
                     'not_modelled = "left to the reviewer"\n')
    report = check_comments(demo(), catalog=load_catalog(extra))
    mine = report.comment("demo-lock-again")
    assert mine.where == "virt/kvm/kvm_main.c:52"
    assert [v.label for v in mine.verdicts] == ["not modelled", "not modelled"]
    assert mine.verdict("current").why == "left to the reviewer"


@dataclass(frozen=True)
class WhatIf:
    entry: str
    arch: str
    change: dict[str, object]
    """check_comments keywords of the what-if."""
    order: str = "current"
    base: dict[str, object] = field(default_factory=dict)


DEMO_WHAT_IFS = [
    WhatIf("destroy-devices-lock", "s390", {"features": NO_VFIO_REFS}),
    WhatIf("ops-destroy", "powerpc-e500", {}, order="reversed"),
    WhatIf("pv-notifier", "s390", {"userspace": "any+async"}),
    WhatIf("mpic-disconnect", "powerpc-e500", {}, order="reversed"),
]


@pytest.mark.parametrize("whatif", DEMO_WHAT_IFS, ids=lambda w: w.entry)
def test_demo_what_if_invalidates(whatif: WhatIf) -> None:
    """The entry holds in the current order without the change and is invalidated with it,
    with a trace whose last step is the violation."""
    src = demo()
    before = check_comments(src, arch=whatif.arch, **whatif.base)  # type: ignore[arg-type]
    assert before.comment(whatif.entry).verdict("current").verdict == "holds"
    after = check_comments(src, arch=whatif.arch,
                           **{**whatif.base, **whatif.change})  # type: ignore[arg-type]
    verdict = after.comment(whatif.entry).verdict(whatif.order)
    assert verdict.verdict == "invalidated", verdict
    assert verdict.trace and verdict.step == len(verdict.trace) and verdict.why
    assert verdict.claim in after.comment(whatif.entry).entry.claims


def test_every_claimed_entry_has_a_what_if() -> None:
    from tests.realsrc.test_comments import TREE_WHAT_IFS

    covered = {w.entry for w in DEMO_WHAT_IFS} | {w.entry for w in TREE_WHAT_IFS}
    assert covered == {e.id for e in load_catalog() if e.claims}


def test_all_arches_roll_up_to_the_shortest_trace() -> None:
    report = check_comments(demo(), arch="all")
    mpic = report.comment("mpic-disconnect").verdict("reversed")
    assert (mpic.verdict, mpic.arch) == ("invalidated", "powerpc-e500")
    # an arch/powerpc comment is judged on the powerpc flavours only; common code on all
    assert {arch for arch, _ in mpic.arches} == {"powerpc-e500", "powerpc-book3s"}
    assert report.comment("mpic-disconnect").verdict("current").verdict == "holds"
    ops = report.comment("ops-destroy").verdict("reversed")
    assert dict(ops.arches)["s390"] == "holds" and ops.arch == "powerpc-e500"


def test_an_arch_comment_is_not_judged_elsewhere() -> None:
    mpic = check_comments(demo(), arch="s390").comment("mpic-disconnect")
    assert [v.verdict for v in mpic.verdicts] == ["vacuous", "vacuous"]
    assert mpic.verdict("reversed").why == "an arch/powerpc comment: not judged on s390"


def test_cli_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["comments", "--arch", "powerpc-e500", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["invalidated"] == {"current": [], "reversed": ["ops-destroy",
                                                               "mpic-disconnect"]}
    mpic = next(c for c in data["comments"] if c["id"] == "mpic-disconnect")
    assert mpic["where"] == "arch/powerpc/kvm/mpic.c:70"
    assert "immediately before the mpic is destroyed" in mpic["text"]
    assert mpic["verdicts"]["reversed"]["trace"][-1]["function"] == "kvm_destroy_vcpus"
    assert main(["comments", "--arch", "powerpc-e500"]) == 0
    out = capsys.readouterr().out
    assert "mpic-disconnect INVALIDATED in the reversed order on powerpc-e500" in out
    assert "ops-release              missing at" in out


GOOD = ('[[comment]]\nid = "mine"\nanchor = "mpic-disconnect"\nfacts = ["F8.14"]\n'
        'assumption = "x"\nclaims = ["comment-mpic-disconnect"]\n')


@pytest.mark.parametrize(("text", "problem"), [
    ("[[comment]\nid = 1", "not valid TOML"),
    (GOOD.replace('"comment-mpic-disconnect"', '"no-such-claim"'),
     "entry 'mine': unknown claim id 'no-such-claim'"),
    (GOOD.replace('assumption = "x"\n', ""), "entry 'mine': missing field 'assumption'"),
    (GOOD.replace('facts = ["F8.14"]', 'facts = "F8.14"'),
     "entry 'mine': 'facts' must be a list of strings"),
    (GOOD.replace('id = "mine"', "id = 7"), "entry #1: 'id' must be a string, not int"),
    (GOOD.replace('anchor = "mpic-disconnect"', 'file = "a.c"\nkind = "inline"\n'
                  'symbol = "f"\nphrase = "p"'), "entry 'mine': unknown kind 'inline'"),
    (GOOD.replace('anchor = "mpic-disconnect"', 'anchor = "nope"'),
     "entry 'mine': unknown anchor 'nope'"),
    (GOOD.replace('"F8.14"', '"F99.1"'), "entry 'mine': unknown fact 'F99.1'"),
    (GOOD.replace('["comment-mpic-disconnect"]', "[]"),
     "entry 'mine': 'claims' is empty: say why in 'not_modelled'"),
    (GOOD.replace('"mine"', '"mpic-disconnect"'), "entry 'mpic-disconnect': id is used twice"),
    (GOOD + 'colour = "red"\n', "entry 'mine': unknown field 'colour'"),
    (GOOD.replace('anchor = "mpic-disconnect"\n', ""), "entry 'mine': missing field 'anchor'"),
    (GOOD.replace('anchor = "mpic-disconnect"', 'file = "../etc/passwd"\nkind = "body"\n'
                  'symbol = "f"\nphrase = "p"'), "entry 'mine': file '../etc/passwd' must be"),
    (GOOD.replace('anchor = "mpic-disconnect"', 'file = "a.c\\nb.c"\nkind = "body"\n'
                  'symbol = "f"\nphrase = "p"'), "must be a relative path"),
    (GOOD.replace('anchor = "mpic-disconnect"', 'file = "a.c"\nkind = "body"\n'
                  'symbol = "f()"\nphrase = "p"'), "entry 'mine': symbol 'f()' must be"),
])
def test_malformed_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                           problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["comments", "--catalog", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    assert err[0].startswith(f"kvm-workbench: error: {path}: "), err[0]
    assert problem in err[0], err[0]


def test_unreadable_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["comments", "--catalog", str(tmp_path / "none.toml")]) == 2
    err = capsys.readouterr().err
    assert "none.toml: cannot read the catalog" in err and err.count("\n") == 1


def test_parse_catalog_accepts_a_good_entry() -> None:
    (entry,) = parse_catalog(GOOD, "mine.toml")
    assert entry.anchor.key == "mpic-disconnect" and entry.origin == "mine.toml"
    with pytest.raises(CatalogError, match="used twice"):
        parse_catalog(GOOD, "again.toml", known=("mine",))
