"""The Report: matrix, answers generated from results, Markdown and JSON, atomic --out."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli_run import run_cli as _cli
from workbench.checks import CheckRequest, check_many
from workbench.report import (
    Column,
    TreeFacts,
    build_report,
    render_markdown,
    span,
)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KVM_WORKBENCH_UPDATE_GOLDEN") == "1"


def _golden(name: str, text: str) -> None:
    """Compare with the pinned bytes (``.gz`` for the JSON, whose matrix is large); on a
    difference show the first lines that differ."""
    import difflib
    import gzip

    path = GOLDEN / name
    packed = path.suffix == ".gz"
    if UPDATE:
        data = text.encode()
        path.write_bytes(gzip.compress(data, 9, mtime=0) if packed else data)
    raw = path.read_bytes()
    pinned = (gzip.decompress(raw) if packed else raw).decode()
    if text != pinned:
        diff = list(difflib.unified_diff(pinned.splitlines(), text.splitlines(), "pinned",
                                         "now", n=1, lineterm=""))[:40]
        pytest.fail(f"{name} changed (KVM_WORKBENCH_UPDATE_GOLDEN=1 re-pins it):\n"
                    + "\n".join(diff))


@pytest.mark.parametrize(("fmt", "name"), [("md", "report-demo.md"),
                                           ("json", "report-demo.json.gz")])
def test_the_demo_report_is_pinned_byte_for_byte(capsys: pytest.CaptureFixture[str],
                                                 fmt: str, name: str) -> None:
    code, out, _ = _cli(capsys, "report", "--format", fmt)
    assert code == 0
    _golden(name, out)


def test_the_answers_name_what_the_thread_asked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "report", "--format", "json")
    assert code == 0
    data = json.loads(out)
    sections = {s["id"]: "\n".join(s["paragraphs"]) for s in data["answers"]}
    assert list(sections) == ["why-order", "safe", "enough", "comments"]
    assert "07f0a7bdec5c" in sections["why-order"]
    assert "calls kvm_arch_destroy_vm() (line" in sections["why-order"]
    assert "**powerpc-e500: not safe.**" in sections["safe"]
    assert "use after free: openpic" in sections["safe"]
    assert "**s390: safe in the model.**" in sections["safe"]
    assert "prevented by uv-refused-bound-destroy" in sections["enough"]
    assert "mpic-disconnect (comment-mpic-disconnect): **made false**" in sections["comments"]
    assert "This should only happen immediately before the mpic is destroyed" \
        in sections["comments"]
    cells = data["matrix"]["cells"]
    neutral = [c for c in cells if c["order_neutral"]]
    assert neutral and len(neutral) < len(cells)


def _s390_612(toggles: tuple[tuple[str, str], ...] = ()) -> str:
    tree = TreeFacts("t", "0" * 40, "6.12.0", "order", (), False)
    report = build_report(tree, arches=["s390"], columns=[Column("6.12", "6.12")],
                          userspaces=["any"], toggles=toggles)
    return "\n".join(report.answers[2].paragraphs)


def test_changing_one_rule_changes_the_answer() -> None:
    """With the Ultravisor no longer refusing to destroy a configuration whose queues are
    bound (F7.11), se-ap-reset fails in both orders, and the answer says so."""
    before = _s390_612()
    after = _s390_612((("uv-destroy-refused-while-bound", "false"),
                       ("uv-fast-destroy-refused-while-bound", "false")))
    assert "se-ap-reset holds after the swap in every era and userspace checked: prevented " \
           "by uv-refused-bound-destroy" in before
    assert "se-ap-reset still fails" not in before
    assert "se-ap-reset still fails in every era and userspace checked" in after
    assert before != after


def test_span_is_exact_about_eras_and_userspaces() -> None:
    from workbench.report import Matrix

    def cell(era: str, user: str) -> Any:
        from workbench.report import Cell

        return Cell("s390", era, user, "c", ({}, {}))

    eras, users = ("5.2", "5.19", "6.1", "6.6"), ("any", "qemu-8.2")
    cells = [cell(e, u) for e in eras for u in users]
    matrix = Matrix(("s390",), eras, users, ("c",), tuple(cells))
    assert span(matrix, cells) == "every era and userspace checked"
    picked = [c for c in cells if not (c.era == "6.1" and c.userspace == "any")]
    assert span(matrix, picked) == ("5.2–5.19 (every userspace), 6.1 (userspace qemu-8.2), "
                                    "6.6 (every userspace)")
    assert span(matrix, [cells[0], cells[6]]) == "5.2 (userspace any), 6.6 (userspace any)"


def test_out_is_written_atomically_and_a_failure_leaves_the_old_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.md"
    code, out, err = _cli(capsys, "report", "--arch", "x86", "--out", str(target))
    assert code == 0 and out == f"report written to {target}\n"
    written = target.read_text(encoding="utf-8")
    assert written.startswith("# kvm_destroy_vm()") and "**x86: safe in the model.**" in written
    target.write_text("old", encoding="utf-8")
    code, _, err = _cli(capsys, "report", "--arch", "vax", "--out", str(target))
    assert code == 2 and "--arch 'vax'" in err
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]  # no temporary left


@pytest.mark.parametrize("argv", [["--arch", "vax"], ["--toggle", "nosuch=1"],
                                  ["--toggle", "uv-destroy-faults=maybe"],
                                  ["--format", "pdf"], ["--repo", "/nonexistent/tree"]])
def test_bad_input_is_one_line_and_exit_2(argv: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "report", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err


def test_results_are_remembered_and_a_model_change_is_a_miss(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import workbench.checks as checks

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    requests = [CheckRequest("x86", "6.12", order) for order in ("current", "reversed")]
    first = check_many(requests, workers=1)
    assert "seconds" not in first[0]["stats"]  # the same bytes on every machine

    def no_checking(self: CheckRequest) -> dict[str, Any]:
        raise AssertionError("checked again although remembered")

    monkeypatch.setattr(CheckRequest, "run", no_checking)
    assert check_many(requests, workers=1) == first
    monkeypatch.setattr(checks, "model_fingerprint", lambda: "another-model")
    with pytest.raises(AssertionError, match="checked again"):
        check_many(requests, workers=1)


def test_the_pool_gives_what_one_process_gives(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    requests = [CheckRequest(arch, "6.12", order) for arch in ("x86", "powerpc-e500", "riscv")
                for order in ("current", "reversed")]
    done: list[tuple[int, int]] = []
    pooled = check_many(requests, workers=2, use_cache=False,
                        progress=lambda n, total: done.append((n, total)))
    assert pooled == check_many(requests, workers=1, use_cache=False)
    assert done[-1] == (6, 6)


def test_a_cancelled_matrix_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.errors import CheckCancelled

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    requests = [CheckRequest("x86", "6.12", "current")]
    with pytest.raises(CheckCancelled):
        check_many(requests, workers=1, cancelled=lambda: True)


def test_markdown_folds_identical_orders_and_userspaces() -> None:
    tree = TreeFacts("t", "0" * 40, "6.12.0", "order", (), False)
    report = build_report(tree, arches=["powerpc-e500"], columns=[Column("6.12", "6.12")])
    text = render_markdown(report)
    assert "### powerpc-e500 (every userspace)" in text
    assert "| no-uaf " in text and "holds → FAILS" in text
    assert "One verdict means both orders agree (order-neutral)" in text


def test_the_pool_starts_under_a_stderr_without_a_descriptor(tmp_path: Path) -> None:
    """Inside the TUI sys.stderr is Textual's capture (fileno() is -1); the pool's resource
    tracker must still start, in a fresh process where it is not running yet."""
    import subprocess
    import sys

    script = tmp_path / "under_capture.py"
    script.write_text(
        "import io, sys\n"
        "class Capture(io.TextIOBase):\n"
        "    def fileno(self): return -1\n"
        "    def write(self, text): return len(text)\n"
        "if __name__ == '__main__':\n"
        "    from workbench.checks import CheckRequest, check_many\n"
        "    sys.stderr = Capture()\n"
        "    runs = check_many([CheckRequest(a, '6.12', 'current') for a in ('x86', 'riscv')],\n"
        "                      workers=2, use_cache=False)\n"
        "    print(len(runs))\n", encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=120,
                          check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "2", proc.stderr[-2000:]
