"""history/ queries against small scenario repositories, with GitPython as the oracle."""

from __future__ import annotations

from pathlib import Path

import git as gitpython
import pytest

from history.errors import HistoryError
from history.git import queries
from history.git.repo import KernelRepo


def test_log_matches_gitpython(kernel_like: Path) -> None:
    """The streamed log lists the same commits, in the same order, as GitPython's rev-list."""
    repo = KernelRepo.open(kernel_like)
    ours = [c.sha for c in queries.log(repo)]
    oracle = [c.hexsha for c in gitpython.Repo(kernel_like).iter_commits("HEAD")]
    assert ours == oracle and len(ours) == 4


def test_log_by_path(kernel_like: Path) -> None:
    repo = KernelRepo.open(kernel_like)
    subjects = [c.subject for c in queries.log(repo, paths=["arch/x86"])]
    assert subjects == ["x86: arch destroy"]


def test_function_range_avoids_debugfs_trap(kernel_like: Path) -> None:
    """git's ``:kvm_destroy_vm:`` regex would hit kvm_destroy_vm_debugfs first; we do not."""
    repo = KernelRepo.open(kernel_like)
    where = queries.function_range(repo, None, "virt/kvm/kvm_main.c", "kvm_destroy_vm")
    lines = repo.read_file(where.rev, where.path).decode().splitlines()
    assert lines[where.start - 1].startswith("static void kvm_destroy_vm(struct kvm *kvm)")
    assert lines[where.end - 1] == "}"


def test_trace_lists_only_commits_that_touched_the_function(kernel_like: Path) -> None:
    repo = KernelRepo.open(kernel_like)
    trace = queries.trace(repo)
    assert [e.commit.subject for e in trace.entries] == [
        "kvm: destroy emulated devices on VM exit", "kvm: teardown skeleton"]
    assert "+\tkvm_destroy_devices(kvm);" in trace.entries[0].patch
    by_function = [c.subject for c in queries.commit_by_function(
        repo, "kvm_destroy_vm", "virt/kvm/kvm_main.c")]
    assert by_function == [e.commit.subject for e in trace.entries]


def test_blame_and_blame_parent(kernel_like: Path) -> None:
    repo = KernelRepo.open(kernel_like)
    blame = queries.blame_function(repo)
    devices = next(b for b in blame.lines if "kvm_destroy_devices" in b.text)
    assert devices.summary == "kvm: destroy emulated devices on VM exit"
    parent = queries.blame_parent(repo, devices, blame.function, blame.path)
    assert parent.rev == repo.resolve(f"{devices.sha}^")
    assert all("kvm_destroy_devices" not in b.text for b in parent.lines)
    root = parent.lines[0]
    with pytest.raises(HistoryError, match="root commit"):
        queries.blame_parent(repo, root, parent.function, parent.path)


def test_pickaxe_needs_a_pathspec(kernel_like: Path) -> None:
    repo = KernelRepo.open(kernel_like)
    with pytest.raises(HistoryError, match="pathspec"):
        list(queries.pickaxe(repo, "kvm_destroy_devices", paths=[]))
    hits = [c.subject for c in queries.pickaxe(repo, "kvm_destroy_devices", paths=["virt"])]
    assert hits == ["kvm: destroy emulated devices on VM exit"]
    regex = [c.subject for c in queries.pickaxe(repo, r"debugfs_remove\(", paths=["virt"],
                                                regex=True)]
    assert regex == ["kvm: debugfs only"]


def test_show_separates_trailers(make_repo) -> None:  # type: ignore[no-untyped-def]
    path = make_repo("""
        echo a > f && git add f
        git commit -qm "subject" -m "body line" -m "Upstream: 07f0a7bdec5c"
    """)
    detail = queries.show(KernelRepo.open(path), "HEAD")
    assert detail.body == "body line"
    assert detail.trailers == (("Upstream", "07f0a7bdec5c"),)
    assert detail.files == ("f",)


def test_landmarks_absent_in_unrelated_tree(kernel_like: Path) -> None:
    """Landmarks missing from a tree are listed as absent, never dropped."""
    marks = queries.landmarks(KernelRepo.open(kernel_like))
    assert len(marks) >= 20 and all(not m.present and m.how == "absent" for m in marks)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: r.resolve("no-such-rev"), "bad revision"),
        (lambda r: r.resolve("--output=/tmp/x"), "bad revision"),
        (lambda r: r.read_file(r.resolve(None), "nope.c"), "no such file"),
        (lambda r: r.read_file(r.resolve(None), "../etc/passwd"), "bad path"),
        (lambda r: queries.function_range(r, None, "virt/kvm/kvm_main.c", "nope"),
         "not defined"),
    ],
)
def test_bad_input_is_one_line(kernel_like: Path, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(HistoryError, match=message) as caught:
        call(KernelRepo.open(kernel_like))
    assert "\n" not in str(caught.value)


def test_not_a_repo(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="not a git repository"):
        KernelRepo.open(tmp_path)
    with pytest.raises(HistoryError, match="no such directory"):
        KernelRepo.open(tmp_path / "missing")


def test_shallow_clone_without_the_commit(kernel_like: Path, tmp_path: Path) -> None:
    from tests.conftest import bash

    first = bash("git rev-list --max-parents=0 HEAD", kernel_like).strip()
    bash(f"git clone -q --depth 1 file://{kernel_like} shallow", tmp_path)
    repo = KernelRepo.open(tmp_path / "shallow")
    assert repo.shallow
    with pytest.raises(HistoryError, match="shallow clone"):
        repo.resolve(first)


def _git_children() -> list[int]:
    import os

    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid() and "(git)" in stat:
                pids.append(int(entry.name))
    return pids


def test_closing_a_stream_kills_git(make_repo) -> None:  # type: ignore[no-untyped-def]
    """No git process outlives its caller: closing the generator reaps git."""
    path = make_repo("""
        for i in $(seq 1 300); do echo $i > f; git add f; git commit -qm "c$i"; done
    """)
    stream = queries.log(KernelRepo.open(path))
    assert next(stream).subject == "c300"
    stream.close()
    assert _git_children() == []
    cancelled = list(queries.log(KernelRepo.open(path), cancelled=lambda: True))
    assert cancelled == [] and _git_children() == []


def test_search_by_hash_message_author_and_pickaxe(kernel_like: Path) -> None:
    """Each pass finds what the others cannot, and a commit is reported once, first pass wins."""
    repo = KernelRepo.open(kernel_like)
    commits = list(queries.log(repo))
    oldest = commits[-1]
    hits = list(queries.search(repo, oldest.sha[:7]))
    assert hits[0] == ("hash", oldest)
    assert [(how, c.subject) for how, c in queries.search(repo, "DESTROY emulated")] == [
        ("message", "kvm: destroy emulated devices on VM exit")]
    by_author = list(queries.search(repo, oldest.author.upper()))
    assert {how for how, _ in by_author} == {"author"} and len(by_author) == len(commits)
    # "debugfs_remove(" appears only in the diff of the third commit, in no message
    assert list(queries.search(repo, "debugfs_remove(")) == []
    hits = list(queries.search(repo, "debugfs_remove(", paths=["virt/kvm"]))
    assert [(how, c.subject) for how, c in hits] == [("pickaxe", "kvm: debugfs only")]
    # a term is text: regex metacharacters match themselves
    assert list(queries.search(repo, "kvm: .*")) == []


def test_search_refuses_bad_terms_and_stops_when_cancelled(kernel_like: Path) -> None:
    repo = KernelRepo.open(kernel_like)
    for bad in ("", "   ", "a\nb"):
        with pytest.raises(HistoryError):
            list(queries.search(repo, bad))
    assert len(list(queries.search(repo, "kvm"))) == 3
    stopped = list(queries.search(repo, "kvm", cancelled=lambda: True))
    assert stopped == []  # a cancelled search starts no git and reports nothing
    # an option-like term is never a revision or an option to git: only text to find
    assert list(queries.search(repo, "--all")) == []
