"""Hermetic seal for every test: private HOME and caches, fixed git identity and dates.

Scenario repositories are built from short shell scripts inside the tests (``make_repo``),
so each test reads as the situation it checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXED_DATE = "2022-07-05T18:54:30+00:00"


def pytest_configure(config: pytest.Config) -> None:
    """A private temporary directory for the whole session (TMPDIR, inherited by every
    subprocess): the no-temp-file-left checks see only this session's files, even while
    another checkout runs its tests at the same time. The settings file lives there too: no
    test reads or writes the user's own."""
    private = tempfile.mkdtemp(prefix="kvm-wb-tests-")
    os.environ["TMPDIR"] = private
    os.environ["XDG_CONFIG_HOME"] = os.path.join(private, "config")
    tempfile.tempdir = private
    config.stash[_PRIVATE_TMP] = private


def pytest_unconfigure(config: pytest.Config) -> None:
    private = config.stash.get(_PRIVATE_TMP, None)
    if private:
        shutil.rmtree(private, ignore_errors=True)


_PRIVATE_TMP = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache dir per test session, so the demo history is built once."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def hermetic_seal(tmp_path_factory: pytest.TempPathFactory, session_cache: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test Author\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n"
    )
    for key in list(os.environ):
        if key.startswith("GIT_") or key == "KVM_WORKBENCH_REPO":
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(session_cache))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_DATE", FIXED_DATE)
    monkeypatch.setenv("GIT_COMMITTER_DATE", FIXED_DATE)
    monkeypatch.setenv("GIT_EDITOR", "false")
    yield


def bash(script: str, cwd: Path) -> str:
    """Run a dedented shell script in ``cwd`` and return its stdout; fail loudly."""
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", textwrap.dedent(script)],
                          cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"script failed: {proc.stderr}")
    return proc.stdout


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[str], Path]:
    """Build a repository from a script run in a fresh ``git init`` directory."""
    counter = iter(range(1000))

    def make(script: str) -> Path:
        repo = tmp_path / f"repo{next(counter)}"
        repo.mkdir()
        bash("git init -q .\n" + textwrap.dedent(script), repo)
        return repo

    return make


KVM_MAIN_V1 = """\
static void kvm_destroy_vm_debugfs(struct kvm *kvm)
{
\tdebugfs_remove_recursive(kvm->debugfs_dentry);
}

static void kvm_destroy_vm(struct kvm *kvm)
{
\tkvm_arch_sync_events(kvm);
\tkvm_arch_destroy_vm(kvm);
\tkvm_free_physmem(kvm);
}
"""


@pytest.fixture
def kernel_like(make_repo: Callable[[str], Path]) -> Path:
    """Four commits: add kvm_destroy_vm, add destroy_devices, touch only debugfs, touch x86."""
    return make_repo(f"""
        mkdir -p virt/kvm arch/x86/kvm
        cat > virt/kvm/kvm_main.c <<'C'
{KVM_MAIN_V1}C
        git add -A && git commit -qm "kvm: teardown skeleton"
        sed -i 's/\\tkvm_arch_destroy_vm(kvm);/\\tkvm_arch_destroy_vm(kvm);\\n\\tkvm_destroy_devices(kvm);/' virt/kvm/kvm_main.c
        GIT_AUTHOR_DATE=2022-07-06T00:00:00+00:00 git commit -qam "kvm: destroy emulated devices on VM exit"
        sed -i 's/debugfs_remove_recursive(kvm->debugfs_dentry);/debugfs_remove(kvm->debugfs_dentry);/' virt/kvm/kvm_main.c
        GIT_AUTHOR_DATE=2022-07-07T00:00:00+00:00 git commit -qam "kvm: debugfs only"
        echo 'void kvm_arch_destroy_vm(struct kvm *kvm) {{}}' > arch/x86/kvm/x86.c
        GIT_AUTHOR_DATE=2022-07-08T00:00:00+00:00 git add -A
        GIT_AUTHOR_DATE=2022-07-08T00:00:00+00:00 git commit -qm "x86: arch destroy"
    """)


#: The command line a hung fake git shows in /proc (see hung_git); unique to this test
#: session, so test runs in two checkouts at once never count each other's processes.
HUNG = f"/bin/sleep 317.{os.getpid()}"


def hung_git(directory: Path) -> Path:
    """A directory with a ``git`` that never finishes (``exec`` of HUNG by absolute path: the
    chokepoint gives git no PATH): put it first on PATH, or point history.git.runner at it,
    to test that a hung git can always be stopped."""
    directory.mkdir(parents=True, exist_ok=True)
    fake = directory / "git"
    fake.write_text(f"#!/bin/sh\nexec {HUNG}\n")
    fake.chmod(0o755)
    return fake


def running(command_line: str) -> list[str]:
    """Processes whose command line is exactly ``command_line``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        if cmdline == command_line:
            found.append(entry.name)
    return found
