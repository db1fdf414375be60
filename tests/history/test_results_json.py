"""The one JSON encoder keeps every key scripts read (names are a contract; keys may be added)."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from history import results as r

COMMIT = r.Commit("a" * 40, ("b" * 40,), "Ann", "ann@example.org", "2020-01-02T03:04:05+00:00",
                  "kvm: subject")
EV = r.Evidence("virt/kvm/kvm_main.c", 10, "c" * 40, "note")
STEPS = r.StepList("kvm_destroy_vm", "virt/kvm/kvm_main.c", "c" * 40, 1, 9,
                   (r.Step("kvm_arch_destroy_vm", 3, "", ("kvm",)),))
MARK = r.Landmark("refcount", "07f0a7bdec5c", "subject", "v4.12", "F1.1", "why")
SOURCE = r.SourceInfo("/src", "git", "c" * 40)
DEVICE = r.DeviceType("powerpc", "kvm_mpic_ops", "kvm-mpic", "destroy", "mpic_destroy", "",
                      "mpic_create", EV, "", (EV,))

CASES: list[tuple[r.Result, set[str]]] = [
    (COMMIT, {"sha", "parents", "author", "email", "date", "subject"}),
    (r.CommitDetail(COMMIT, "body", (("Signed-off-by", "Ann"),), ("a.c",), "diff", False),
     {"sha", "parents", "author", "email", "date", "subject", "body", "trailers", "files",
      "patch", "truncated"}),
    (r.FunctionTrace(r.FunctionRange("c" * 40, "a.c", "f", 1, 2), (r.TraceEntry(COMMIT, "@@"),)),
     {"range", "commits"}),
    (r.Blame("c" * 40, "a.c", 1, 2, (r.BlameLine(1, 1, "a" * 40, "Ann", "d", "s", "x", "a.c"),),
             function="f"), {"rev", "path", "start", "end", "function", "lines"}),
    (r.ResolvedLandmark(MARK, "a" * 40, "2017", "hash"),
     {"key", "upstream", "subject", "version", "fact", "why", "sha", "date", "how", "present"}),
    (r.RepoInfo("/r", "a" * 40, True, False), {"path", "head", "demo", "shallow", "extras"}),
    (r.TreeVersion(6, 12, 1, "", EV), {"release", "full", "evidence"}),
    (r.Detection("f", "F1.1", "t", r.PRESENT, (EV,), "why"),
     {"feature", "fact", "title", "verdict", "reason", "evidence"}),
    (DEVICE, {"arch", "symbol", "name", "style", "destroy", "release", "create", "condition",
              "evidence", "registrations"}),
    (r.DanglingUse("kvm-mpic", "vcpu->arch.mpic", EV, "kvmppc_mpic_disconnect_vcpu", None, EV),
     {"device", "holder", "used", "callee", "callee_def", "freed"}),
    (r.ArchCensus("powerpc", STEPS, None, None, (DEVICE,), (), (), "unsafe"),
     {"arch", "destroy_vm", "vcpu_destroy", "vcpu_free", "devices", "holders", "dangling",
      "verdict"}),
    (r.RfcResult(SOURCE, "virt/kvm/kvm_main.c", "exact", "", "clean", STEPS, STEPS, "diff"),
     {"source", "path", "outcome", "reason", "git_apply", "before", "after", "diff"}),
]


@pytest.mark.parametrize("result,keys", CASES, ids=lambda v: type(v).__name__)
def test_keys_kept(result: r.Result, keys: set[str]) -> None:
    data = result.to_json()
    assert keys <= set(data), keys - set(data)
    json.dumps(data)  # tuples became lists, nested results dicts


def test_nested_values() -> None:
    detail = r.CommitDetail(COMMIT, "b", (("Acked-by", "X"),), ("a.c",), "p", True).to_json()
    assert detail["parents"] == ["b" * 40] and detail["trailers"] == [["Acked-by", "X"]]
    trace = CASES[2][0].to_json()
    assert trace["commits"][0]["sha"] == COMMIT.sha and trace["commits"][0]["patch"] == "@@"
    assert r.ResolvedLandmark(MARK, None, how="absent").to_json()["present"] is False
    assert r.TreeVersion(6, 1, 90, "-rc1", EV).to_json()["full"] == "6.1.90-rc1"


def test_every_result_type_is_covered() -> None:
    """A new result type must be added to CASES (with the keys it promises)."""
    types = {obj for obj in vars(r).values()
             if isinstance(obj, type) and issubclass(obj, r.Result) and obj is not r.Result}
    covered = {type(result) for result, _ in CASES}
    nested = {r.Landmark, r.FunctionRange, r.TraceEntry, r.BlameLine, r.SourceInfo, r.Evidence,
              r.Step, r.StepList, r.DetectedProfile, r.Holder, r.Census}
    assert types - covered - nested == set()
    for cls in types:
        assert fields(cls), cls
