"""The hostile-repository zoo: one small repository or tree per way an attacker (or an accident)
can make a reader of a repository run code, hang, exhaust memory, crash, lie or inject.

Each case is built by a short shell script (``bash``) from a tiny kernel-shaped history
(``virt/kvm/kvm_main.c`` with ``kvm_destroy_vm``). Programs the repository configures are
scripts that touch a marker file named after the case, so "nothing ran" is "no marker".
Cases that name special files (FIFOs, /dev/zero) are how the git-level attacks look; cases
that change content (escape sequences, forged history) check what the workbench shows.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

KVM_MAIN = """\
static void kvm_destroy_vm(struct kvm *kvm)
{
\tkvm_arch_sync_events(kvm);
\tkvm_arch_destroy_vm(kvm);
\tkvm_destroy_devices(kvm);
\tkvm_free_physmem(kvm);
}
"""

ESC_SUBJECT = "kvm: \x1b]0;owned\x07\x1b[31mred\x1b[0m [bold]markup[/] \x9b2J"
"""A subject with an OSC title escape, a colour escape, Rich markup and a C1 CSI."""

FORGED = "FORGED: this subject is not in the commit"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    about: str
    kind: str = "git"
    """'git' (a repository) or 'dir' (a plain source tree)."""
    works: bool | None = True
    """True: reading commands succeed (``history`` exits 0); False: every command refuses
    in one line (exit 2); None: some commands work, the others refuse."""


#: The zoo is built with a fixed identity and no user or system git config, whatever runs it.
_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_AUTHOR_NAME": "Zoo Keeper", "GIT_AUTHOR_EMAIL": "zoo@example.invalid",
        "GIT_COMMITTER_NAME": "Zoo Keeper", "GIT_COMMITTER_EMAIL": "zoo@example.invalid",
        "GIT_AUTHOR_DATE": "2022-07-05T18:54:30+00:00",
        "GIT_COMMITTER_DATE": "2022-07-05T18:54:30+00:00"}


def bash(script: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", textwrap.dedent(script)],
                          cwd=cwd, capture_output=True, text=True, check=False,
                          env={**clean, **_ENV, **(env or {})})
    if proc.returncode != 0:
        raise AssertionError(f"zoo script failed in {cwd}: {proc.stderr}")


def _base(path: Path) -> Path:
    """Two commits of a kernel-shaped tree (the second adds kvm_destroy_devices)."""
    path.mkdir(parents=True)
    (path / "virt/kvm").mkdir(parents=True)
    (path / "virt/kvm/kvm_main.c").write_text(KVM_MAIN.replace("\tkvm_destroy_devices(kvm);\n",
                                                               ""))
    bash("""
        git init -q -b main .
        git add -A && git commit -qm "kvm: teardown skeleton"
    """, path)
    (path / "virt/kvm/kvm_main.c").write_text(KVM_MAIN)
    bash('git commit -qam "kvm: destroy emulated devices on VM exit"', path)
    return path


def _marker(marks: Path, name: str) -> str:
    """A script that leaves ``marks/name`` behind when anything runs it."""
    script = marks / f"{name}.sh"
    script.write_text(f"#!/bin/sh\ntouch {marks}/{name}\ncat >/dev/null 2>&1\nexit 0\n")
    script.chmod(0o755)
    return str(script)


def _append_config(repo: Path, text: str) -> None:
    """Raw lines at the end of .git/config (after this, git config may hang on purpose)."""
    with open(repo / ".git/config", "a", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(text))


def build(root: Path, marks: Path) -> list[Case]:
    """Every case of the zoo under ``root``; markers go to ``marks``."""
    root.mkdir(parents=True, exist_ok=True)
    marks.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def case(name: str, about: str, **kw: object) -> Path:
        path = root / name
        cases.append(Case(name, path, about, **kw))  # type: ignore[arg-type]
        return path

    # -- code execution ------------------------------------------------------------------
    repo = _base(case("classic", "fsmonitor, hooks, external diff, textconv, pagers, gpg,"
                      " filters: each a marker script"))
    m = _marker(marks, "classic")
    (repo / "hooks").mkdir()
    for hook in ("pre-commit", "post-checkout", "post-index-change", "reference-transaction",
                 "pre-auto-gc", "fsmonitor-watchman"):
        (repo / "hooks" / hook).write_text(f"#!/bin/sh\n{m}\n")
        (repo / "hooks" / hook).chmod(0o755)
    bash(f"""
        git config core.fsmonitor {m}
        git config core.hooksPath {repo}/hooks
        git config diff.external {m}
        git config diff.evil.textconv {m}
        git config core.pager {m}
        git config pager.log {m}
        git config pager.blame {m}
        git config log.showSignature true
        git config gpg.program {m}
        git config filter.evil.clean {m}
        git config filter.evil.smudge {m}
        git config filter.evil.process {m}
        printf '*.c diff=evil filter=evil\\n' > .git/info/attributes
    """, repo)

    server = _base(root / "_server")
    bash("git config uploadpack.allowFilter true", server)
    for name, url, extra in (
            ("partial-ext", "ext::sh -c touch% {marks}/partial-ext% >&2",
             "[protocol \"ext\"]\n\tallow = always\n"),
            ("partial-ssh", "ssh://attacker.invalid/repo",
             "[core]\n\tsshCommand = {marker}\n")):
        path = case(name, f"partial clone, blobs left out, promisor remote {url.split(':')[0]}")
        bash(f"git clone -q --no-checkout --filter=blob:none file://{server} {path}", root)
        marker = _marker(marks, name)
        bash(f"git config remote.origin.url '{url.format(marks=marks)}'", path)
        _append_config(path, extra.format(marker=marker))

    # -- hangs and memory through config and files git opens -------------------------------
    for name, key in (("include-fifo", "include.path"),
                      ("includeif-fifo", "includeIf.gitdir:/.path"),
                      ("attributesfile-fifo", "core.attributesFile"),
                      ("ignorerevs-fifo", "blame.ignoreRevsFile"),
                      ("mailmapfile-fifo", "mailmap.file"),
                      ("orderfile-fifo", "diff.orderFile")):
        refused = key.startswith("include")  # includes are checked; -c overrides the rest
        repo = _base(case(name, f"{key} names a FIFO", works=not refused))
        os.mkfifo(repo / "fifo")
        section, _, field = key.rpartition(".")
        head, _, sub = section.partition(".")
        header = f'[{head} "{sub}"]' if sub else f"[{head}]"
        _append_config(repo, f"{header}\n\t{field} = {repo}/fifo\n")
    repo = _base(case("include-zero", "include.path = /dev/zero", works=False))
    _append_config(repo, "[include]\n\tpath = /dev/zero\n")
    for name, rel in (("mailmap-fifo", ".mailmap"), ("gitattributes-fifo", ".gitattributes"),
                      ("subdir-gitattributes-fifo", "virt/kvm/.gitattributes"),
                      ("info-attributes-fifo", ".git/info/attributes"),
                      ("packed-refs-fifo", ".git/packed-refs"),
                      ("alternates-fifo", ".git/objects/info/alternates")):
        in_gitdir = rel.startswith(".git/")  # refused; the work tree is never read
        repo = _base(case(name, f"{rel} is a FIFO", works=not in_gitdir))
        os.mkfifo(repo / rel)
    repo = _base(case("info-attributes-zero", ".git/info/attributes -> /dev/zero",
                      works=False))
    os.symlink("/dev/zero", repo / ".git/info/attributes")

    # -- repository shapes ---------------------------------------------------------------
    path = case("gitfile-zero", ".git is a gitfile naming /dev/zero", works=False)
    path.mkdir()
    (path / ".git").write_text("gitdir: /dev/zero\n")
    path = case("dotgit-symlink-zero", ".git -> /dev/zero", works=False)
    path.mkdir()
    os.symlink("/dev/zero", path / ".git")
    path = case("dotgit-loop", ".git is a symlink loop", works=False)
    path.mkdir()
    os.symlink(".git", path / ".git")
    real = _base(root / "_elsewhere")
    path = case("gitfile-elsewhere", ".git is a gitfile naming a real repository elsewhere")
    path.mkdir()
    (path / ".git").write_text(f"gitdir: {real}/.git\n")
    repo = _base(case("submodule-ext", "a submodule whose URL is ext:: (recurse, summaries on)"))
    m = _marker(marks, "submodule-ext")
    bash(f"""
        printf '[submodule "sub"]\\n\\tpath = sub\\n\\turl = ext::sh -c {m}\\n' > .gitmodules
        git add .gitmodules
        git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),virt/kvm/sub
        git commit -qm "kvm: add a submodule"
        git config submodule.recurse true
        git config diff.submodule log
        git config status.submoduleSummary true
        git config fetch.recurseSubmodules true
        git config protocol.ext.allow always
    """, repo)
    main_repo = _base(root / "_worktree-main")
    path = case("linked-worktree", "a linked worktree (gitfile, commondir)")
    bash(f"git worktree add -q {path} -b wt", main_repo)
    path = case("shared-alternates", "objects only in an alternate (git clone --shared)")
    bash(f"git clone -q --shared {server} {path}", root)
    path = case("unborn", "git init, no commits", works=False)
    path.mkdir()
    bash("git init -q -b main .", path)
    path = case("bare", "a bare clone")
    bash(f"git clone -q --bare {server} {path}", root)
    repo = _base(case("corrupt-loose", "a loose object overwritten with garbage",
                      works=None))
    head_blob = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD:virt/kvm/kvm_main.c"],
                               capture_output=True, text=True, check=True,
                               env={**os.environ, **_ENV}).stdout.strip()
    obj = repo / ".git/objects" / head_blob[:2] / head_blob[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"garbage, not zlib")
    repo = _base(case("truncated-pack", "the only pack cut in half", works=False))
    bash("git repack -adq", repo)
    pack = next((repo / ".git/objects/pack").glob("*.pack"))
    pack.chmod(0o644)
    pack.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])

    # -- parsers and forged history -------------------------------------------------------
    repo = _base(case("ignorerevs-passwd", "blame.ignoreRevsFile = /etc/passwd (never read,"
                      " never echoed)"))
    bash("git config blame.ignoreRevsFile /etc/passwd", repo)
    repo = _base(case("blob-huge", "the newest kvm_main.c is a 20 MB blob", works=None))
    with open(repo / "virt/kvm/kvm_main.c", "ab") as handle:
        handle.write(b"/* " + b"x" * (20 << 20) + b" */\n")
    bash('git commit -qam "kvm: a huge comment"', repo)
    if os.geteuid() == 0:
        # git's safe.directory check guards discovery; the workbench names the git directory
        # and is inert anyway, so a colleague's clone is read (and nothing of it runs)
        repo = _base(case("dubious-owner", "the repository belongs to another user"))
        os.chown(repo, 65534, 65534)
    repo = _base(case("utf16-output", "i18n.logOutputEncoding = UTF-16"))
    bash("git config i18n.logOutputEncoding UTF-16", repo)
    repo = _base(case("bad-author", "a commit with a malformed author line changes"
                      " kvm_destroy_vm (blame meets it)"))
    bash("""
        sed -i 's/kvm_free_physmem/kvm_free_memslots/' virt/kvm/kvm_main.c
        git add virt/kvm/kvm_main.c
        tree=$(git write-tree)
        parent=$(git rev-parse HEAD)
        printf 'tree %s\\nparent %s\\nauthor un <x> un +0000\\ncommitter c <c@x> 1 +0000\\n\\nbroken author\\n' \\
            "$tree" "$parent" > commit.txt
        sha=$(git hash-object -t commit -w --literally commit.txt)
        git update-ref HEAD "$sha"
        rm commit.txt
        git reset -q --hard
    """, repo)
    repo = _base(case("replace-ref", "a replace ref forges HEAD's subject, useReplaceRefs=true"))
    bash(f"""
        git cat-file commit HEAD | sed 's/^kvm: destroy emulated devices on VM exit$/{FORGED}/' \\
            > forged.txt
        git replace HEAD $(git hash-object -t commit -w forged.txt)
        rm forged.txt
        git config core.useReplaceRefs true
    """, repo)
    repo = _base(case("grafts", "info/grafts makes HEAD a root commit"))
    bash("echo $(git rev-parse HEAD) > .git/info/grafts", repo)

    # -- terminal and markup injection ----------------------------------------------------
    repo = _base(case("escape-subject", "escape sequences and Rich markup in a subject and"
                      " in the source"))
    (repo / "virt/kvm/kvm_main.c").write_text(
        KVM_MAIN.replace("{\n", "{\n\t/* \x1b]0;owned\x07 [red]x[/] */\n", 1))
    bash(f"git commit -qam $'{ESC_SUBJECT}'", repo,
         env={"GIT_AUTHOR_NAME": "\x1b[5mblink [/] author"})
    repo = _base(case("markup-path-[stable]-[/]", "a repository path with Rich markup in it"))

    repo = _base(case("blob-deep", "the newest kvm_main.c nests 5,000 braces deep",
                      works=None))
    (repo / "virt/kvm/kvm_main.c").write_text(KVM_MAIN.replace(
        "{\n", "{\n" + "{" * 5000 + "f();" + "}" * 5000 + "\n", 1))
    bash('git commit -qam "kvm: deep"', repo)

    # -- plain trees ----------------------------------------------------------------------
    tree = case("tree-zero", "a plain tree whose kvm_main.c -> /dev/zero", kind="dir",
                works=False)
    (tree / "virt/kvm").mkdir(parents=True)
    os.symlink("/dev/zero", tree / "virt/kvm/kvm_main.c")
    tree = case("tree-fifo", "a plain tree whose kvm_main.c is a FIFO", kind="dir",
                works=False)
    (tree / "virt/kvm").mkdir(parents=True)
    os.mkfifo(tree / "virt/kvm/kvm_main.c")
    tree = case("tree-huge", "a plain tree whose kvm_main.c is 20 MB", kind="dir",
                works=False)
    (tree / "virt/kvm").mkdir(parents=True)
    with open(tree / "virt/kvm/kvm_main.c", "wb") as handle:
        handle.write(KVM_MAIN.encode() + b"/* " + b"x" * (20 << 20) + b" */\n")
    trees: list[tuple[str, str, bool | None, str | bytes | None]] = [
        ("tree-deep", "kvm_main.c nests 5,000 braces deep", False,
         KVM_MAIN.replace("{\n", "{\n" + "{" * 5000 + "f();" + "}" * 5000 + "\n", 1)),
        ("tree-deep-calls", "kvm_main.c nests 100,000 calls deep", False,
         KVM_MAIN.replace("kvm_free_physmem(kvm)", "f(" * 100_000 + "kvm" + ")" * 100_000)),
        ("tree-big-c", "kvm_main.c is 3 MB of code", False,
         KVM_MAIN + "int x = 0;\n" * 300_000),
        ("tree-flat-args", "one call with 600,000 arguments (just under the parse cap)", None,
         KVM_MAIN.replace("kvm_free_physmem(kvm)", "f(" + "a," * 600_000 + "kvm)")),
        ("tree-unclosed", "kvm_main.c opens 300,000 braces and never closes them", None,
         KVM_MAIN + "{" * 300_000),
        ("tree-binary", "kvm_main.c holds NULs, invalid UTF-8 and escapes", None,
         KVM_MAIN.encode() + b"\0\xff\xfe\x1b]0;owned\x07 [red]x[/] \x9b2J\n"),
        ("tree-empty", "kvm_main.c is empty", None, ""),
        ("tree-dir", "kvm_main.c is a directory", None, None),
    ]
    for name, about, works, body in trees:
        tree = case(name, about, kind="dir", works=works)
        (tree / "virt/kvm").mkdir(parents=True)
        target = tree / "virt/kvm/kvm_main.c"
        if body is None:
            target.mkdir()
        else:
            target.write_bytes(body if isinstance(body, bytes) else body.encode())
    tree = case("tree-loop", "kvm_main.c is a symlink loop", kind="dir", works=False)
    (tree / "virt/kvm").mkdir(parents=True)
    os.symlink("kvm_main.c", tree / "virt/kvm/kvm_main.c")
    tree = case("tree-passwd", "kvm_main.c -> /etc/passwd (never echoed)", kind="dir",
                works=None)
    (tree / "virt/kvm").mkdir(parents=True)
    os.symlink("/etc/passwd", tree / "virt/kvm/kvm_main.c")
    tree = case("tree-makefile-fifo", "the top-level Makefile is a FIFO", kind="dir",
                works=None)
    (tree / "virt/kvm").mkdir(parents=True)
    (tree / "virt/kvm/kvm_main.c").write_text(KVM_MAIN)
    os.mkfifo(tree / "Makefile")
    tree = case("tree-makefile-escape", "the Makefile's version holds escapes and markup",
                kind="dir", works=None)
    (tree / "virt/kvm").mkdir(parents=True)
    (tree / "virt/kvm/kvm_main.c").write_text(KVM_MAIN)
    (tree / "Makefile").write_text("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n"
                                   "EXTRAVERSION = -\x1b]0;owned\x07[bold]x[/]\n")
    tree = case("tree-other-zero", "arch/s390/kvm/kvm-s390.c -> /dev/zero", kind="dir",
                works=None)
    (tree / "virt/kvm").mkdir(parents=True)
    (tree / "arch/s390/kvm").mkdir(parents=True)
    (tree / "virt/kvm/kvm_main.c").write_text(KVM_MAIN)
    os.symlink("/dev/zero", tree / "arch/s390/kvm/kvm-s390.c")
    return cases
