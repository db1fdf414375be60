"""Source facts on small hand-written C: the shapes real kernel files have, in a few lines each.

Each test names the kernel shape it stands for (an iterator macro that leaves an ERROR node,
``#ifdef`` inside an initializer list, ``.release`` of a non-device ops struct, ...). The
real-source counterparts live in tests/realsrc.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from history.c.syntax import CFile
from history.errors import HistoryError
from history.tree.rfc import locate_and_swap
from history.tree.source import open_source

CONDITIONS = b"""\
#ifndef __GUARD_H
#define __GUARD_H
void teardown(struct kvm *kvm)
{
\tfirst(kvm);
#if defined(CONFIG_A) && defined(CONFIG_B)
\ta_and_b(kvm);
#elif defined(CONFIG_C)
\tc_only(kvm);
#else
\tneither(kvm);
#endif
#ifndef CONFIG_D
\tno_d(kvm);
#endif
\tlast(kvm);
}
#endif
"""


def test_call_conditions_name_the_branch() -> None:
    """#if/#elif/#else/#ifndef: each call says which branch it sits in; the guard is dropped."""
    calls = {c.callee: c.condition for c in CFile(CONDITIONS).calls("teardown")}
    assert calls == {
        "first": "",
        "a_and_b": "defined(CONFIG_A) && defined(CONFIG_B)",
        "c_only": "!(defined(CONFIG_A) && defined(CONFIG_B)) && defined(CONFIG_C)",
        "neither": "!(defined(CONFIG_A) && defined(CONFIG_B)) && !(defined(CONFIG_C))",
        "no_d": "!CONFIG_D",
        "last": "",
    }


ITERATOR = b"""\
static void kvm_destroy_devices(struct kvm *kvm)
{
\tstruct kvm_device *dev, *tmp;

\t/*
\t * We do not need to take the kvm->lock here.
\t */
\tlist_for_each_entry_safe(dev, tmp, &kvm->devices, vm_node) {
\t\tlist_del(&dev->vm_node);
\t\tdev->ops->destroy(dev);
\t}
}

static int after(struct kvm __user *u)
{
\tkvm_for_each_vcpu(i, vcpu, kvm)
\t\tkvm_vcpu_destroy(vcpu);
\treturn 0;
}
"""


def test_iterator_macros_do_not_hide_calls_or_functions() -> None:
    """list_for_each_entry_safe(...) { } and __user parse with ERROR nodes; calls survive."""
    cfile = CFile(ITERATOR)
    assert [c.callee for c in cfile.calls("kvm_destroy_devices")] == [
        "list_for_each_entry_safe", "list_del", "dev->ops->destroy"]
    assert "kvm_vcpu_destroy" in [c.callee for c in cfile.calls("after")]
    assert cfile.body_comments("kvm_destroy_devices")[0].start == 5


OPS = b"""\
/* create, destroy, and name are mandatory */
struct kvm_device_ops {
\tconst char *name;

\t/*
\t * Destroy is responsible for freeing dev.
\t */
\tvoid (*destroy)(struct kvm_device *dev);
\tvoid (*release)(struct kvm_device *dev);
};

static const struct mmu_notifier_ops pv_ops = {
\t.release = pv_release,
};

#ifdef CONFIG_KVM_X
struct kvm_device_ops kvm_x_ops = {
\t.name = "kvm-x",
\t.release = x_release,
};
#endif

static const struct kvm_device_ops *table[4] = {
#ifdef CONFIG_KVM_MPIC
\t[KVM_DEV_TYPE_FSL_MPIC_20]\t= &kvm_mpic_ops,
\t[KVM_DEV_TYPE_FSL_MPIC_42]\t= &kvm_mpic_ops,
#endif
};
"""


def test_initializers_are_filtered_by_declared_type() -> None:
    """mmu_notifier_ops has .release too; only struct kvm_device_ops counts as a device."""
    cfile = CFile(OPS)
    inits = cfile.initializers("kvm_device_ops")
    assert [(i.symbol, i.value("name"), i.value("release"), i.condition) for i in inits] == [
        ("kvm_x_ops", '"kvm-x"', "x_release", "CONFIG_KVM_X")]
    assert [i.symbol for i in cfile.initializers("mmu_notifier_ops")] == ["pv_ops"]


def test_ifdef_inside_an_initializer_list_keeps_entries_and_condition() -> None:
    """tree-sitter reads '#ifdef X [I] = &v' as an ERROR; entries and #if still come out."""
    entries = CFile(OPS).array_entries()
    assert [(i, v, line, c) for i, v, line, c in entries] == [
        ("KVM_DEV_TYPE_FSL_MPIC_20", "&kvm_mpic_ops", 25, "CONFIG_KVM_MPIC"),
        ("KVM_DEV_TYPE_FSL_MPIC_42", "&kvm_mpic_ops", 26, "CONFIG_KVM_MPIC")]


def test_comments_attach_to_struct_and_member() -> None:
    cfile = CFile(OPS)
    fields = {f.name: f for f in cfile.struct_fields("kvm_device_ops")}
    assert fields["destroy"].comment is not None
    assert "responsible for freeing dev" in fields["destroy"].comment.text
    assert fields["release"].comment is None
    comment = cfile.struct_comment("kvm_device_ops")
    assert comment is not None and comment.start == 1


def _teardown(body: str) -> bytes:
    return ("static void kvm_destroy_vm(struct kvm *kvm)\n{\n" + body + "}\n").encode()


@pytest.mark.parametrize(("body", "outcome", "why"), [
    ("\tkvm_arch_destroy_vm(kvm);\n\tkvm_destroy_devices(kvm);\n", "drift", "moved"),
    ("\tkvm_arch_destroy_vm(kvm);\n\tfree(kvm);\n\tkvm_destroy_devices(kvm);\n", "drift",
     "1 lines between"),
    ("\tkvm_destroy_devices(kvm);\n\tkvm_arch_destroy_vm(kvm);\n", "already", "already"),
    ("\tkvm_arch_destroy_vm(kvm);\n", "not-applied", "no kvm_destroy_devices"),
    ("\tkvm_arch_destroy_vm(kvm); kvm_destroy_devices(kvm);\n", "not-applied", "shares"),
    ("\tkvm_arch_destroy_vm(kvm);\n#ifdef X\n\tkvm_destroy_devices(kvm);\n#endif\n",
     "not-applied", "different #if"),
])
def test_rfc_locator(body: str, outcome: str, why: str) -> None:
    """The swap by syntax: where it applies and each reason it refuses."""
    patched, got, reason = locate_and_swap(_teardown(body))
    assert got == outcome and why in reason
    if outcome == "drift":
        assert patched is not None
        calls = [c.callee for c in CFile(patched).calls("kvm_destroy_vm")]
        assert calls.index("kvm_destroy_devices") < calls.index("kvm_arch_destroy_vm")


def test_open_source_errors(tmp_path: Path, make_repo: Callable[[str], Path]) -> None:
    """Neither repo nor kernel tree, a plain tree with --rev, a repo without kvm_main.c."""
    with pytest.raises(HistoryError, match="neither a git repository nor a kernel source"):
        open_source(tmp_path)
    plain = tmp_path / "plain"
    (plain / "virt/kvm").mkdir(parents=True)
    (plain / "virt/kvm/kvm_main.c").write_text("void f(void) {}\n")
    with pytest.raises(HistoryError, match="plain source tree"):
        open_source(plain, "HEAD")
    assert open_source(plain).kind == "dir"
    repo = make_repo("echo x > README && git add -A && git commit -qm x")
    with pytest.raises(HistoryError, match="not a kernel tree"):
        open_source(repo)


def test_trace_on_a_plain_tree_says_why(tmp_path: Path) -> None:
    from history.git.repo import KernelRepo

    (tmp_path / "virt/kvm").mkdir(parents=True)
    (tmp_path / "virt/kvm/kvm_main.c").write_text("void f(void) {}\n")
    with pytest.raises(HistoryError, match=r"plain source tree .* need a git clone"):
        KernelRepo.open(tmp_path)


def test_git_and_dir_sources_agree(make_repo: Callable[[str], Path]) -> None:
    """The same files read from blobs and from the work tree give the same facts."""
    from history.tree.detect import detect

    repo = make_repo("""
        mkdir -p virt/kvm arch/s390/kvm
        printf 'VERSION = 6\\nPATCHLEVEL = 12\\nSUBLEVEL = 1\\n' > Makefile
        printf 'void kvm_destroy_vm(struct kvm *kvm)\\n{\\n\\tkvm_arch_destroy_vm(kvm);\\n\\tkvm_destroy_devices(kvm);\\n}\\n' > virt/kvm/kvm_main.c
        printf 'struct kvm_device_ops kvm_flic_ops = {\\n\\t.name = "kvm-flic",\\n\\t.destroy = flic_destroy,\\n};\\n' > arch/s390/kvm/interrupt.c
        git add -A && git commit -qm tree
    """)
    git = detect(open_source(repo))
    import shutil

    plain = repo.parent / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    tree = detect(open_source(plain))
    assert [(d.feature, d.verdict, [e.where for e in d.evidence]) for d in git.features] == \
        [(d.feature, d.verdict, [e.where for e in d.evidence]) for d in tree.features]
    assert git.version is not None and git.version.release == "6.12"
    destroy = git.feature("destroy-devices")
    assert destroy is not None and destroy.verdict == "present"
    assert git.feature("pv") is not None and git.feature("pv").verdict == "unknown"  # type: ignore[union-attr]


def test_calls_know_their_loop_statement_and_function_without_climbing() -> None:
    """Loop conditions, the enclosing statement and the owning function come from one pass;
    an inner callee (``ops(x)(kvm)``) is one step with its outer call."""
    src = (b"static void outer(struct kvm *kvm)\n{\n\twhile (retry--) {\n"
           b"\t\tfor (i = 0; i < n; i++)\n\t\t\tzap(i);\n\t\tpoll(kvm);\n\t}\n"
           b"\tops(x)(kvm);\n}\n"
           b"static void later(void) { register_ops(&a); }\n"
           b"static int table = register_ops(&b);\n")
    cfile = CFile(src)
    calls = {c.callee: c for c in cfile.calls("outer")}
    assert list(calls) == ["zap", "poll", "ops(x)"]
    assert calls["zap"].loop == "i < n"
    assert calls["poll"].loop == "retry--"
    assert calls["ops(x)"].loop == ""
    assert src[calls["poll"].stmt_start:calls["poll"].stmt_end] == b"poll(kvm);"
    assert [(owner, c.args) for owner, c in cfile.calls_to("register_ops")] == [
        ("later", ("&a",)), ("", ("&b",))]


def test_hostile_c_is_capped_not_quadratic() -> None:
    """Nested and huge expressions keep at most EXPR_CAP characters and ARGS_CAP arguments;
    code nested past MAX_DEPTH and files past PARSE_CAP are refused in one line."""
    from history.c.syntax import ARGS_CAP, EXPR_CAP, MAX_DEPTH, PARSE_CAP, Unreadable

    nested = b"f(" * 400 + b"x" * 50_000 + b")" * 400
    wide = b"g(" + b"a," * 100 + b"a)"
    cfile = CFile(b"void h(void)\n{\n\t" + nested + b";\n\t" + wide + b";\n}\n")
    calls = cfile.calls("h")
    assert len(calls) == 401
    assert all(len(a) <= EXPR_CAP + 1 for c in calls for a in c.args)
    assert calls[0].args[0].endswith("…")
    assert len(calls[-1].args) == ARGS_CAP
    with pytest.raises(Unreadable, match=f"nests more than {MAX_DEPTH} levels deep at line 3"):
        CFile(b"void h(void)\n{\n" + b"{" * (MAX_DEPTH + 1) + b"}" * (MAX_DEPTH + 1) + b"}\n")
    with pytest.raises(Unreadable, match="of C the workbench parses"):
        CFile(b" " * (PARSE_CAP + 1))
