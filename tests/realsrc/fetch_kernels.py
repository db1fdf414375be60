"""Fetch the two Debian kernel source packages the real-source tests read, once, into a cache.

``make kernels`` (and so ``make test``) runs this before pytest. It downloads
``linux-source-6.1`` and ``linux-source-6.12`` with ``apt-get download`` (the exact versions
the fact ids cite), extracts *only* the files the workbench reads (the member patterns
below, derived from history/'s own file lists, plus the files where the functions of the
simulator's call chains are defined) into
``${KVM_WORKBENCH_KERNEL_CACHE:-~/.cache/kvm-workbench/kernel-src}`` and builds a two-commit
git repository from them (6.1, then 6.12; fixed identity and dates; tags ``deb-6.1`` and
``deb-6.12``). Every product is built in a temporary directory beside its target and renamed
into place, so an interrupted run leaves nothing half-made; a second run only checks stamps.

When apt is unavailable (no apt-get, no network, version gone) it prints one line saying why
and exits 0: the tests then skip with that reason. Kernel source never enters the repository.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: release -> (Debian package, exact version kernel-facts read, fixed commit date).
PACKAGES: dict[str, tuple[str, str, str]] = {
    "6.1": ("linux-source-6.1", "6.1.192-2", "2022-12-11T12:00:00+00:00"),
    "6.12": ("linux-source-6.12", "6.12.117-1~deb12u1", "2024-11-17T12:00:00+00:00"),
}
#: Directory patterns the census scans (every .c file under them) plus their Kconfig.
TREE_PATTERNS = ("Makefile", "virt/kvm/*", "arch/*/kvm/*")
#: Files defining the functions a counterexample step's call chain names outside the files
#: above (tests/realsrc/test_links.py): the exit path, the mm teardown, the vfio container,
#: the AP inline instructions; each architecture's ``asm/kvm_host.h`` is added by members().
LINK_FILES = ("kernel/exit.c", "kernel/fork.c", "mm/mmap.c", "mm/mmu_notifier.c",
              "include/linux/mmu_notifier.h", "drivers/vfio/container.c",
              "arch/s390/include/asm/ap.h")
IDENTITY = {"GIT_AUTHOR_NAME": "kvm-workbench", "GIT_AUTHOR_EMAIL": "kvm-workbench@example.invalid",
            "GIT_COMMITTER_NAME": "kvm-workbench",
            "GIT_COMMITTER_EMAIL": "kvm-workbench@example.invalid"}


def cache_dir() -> Path:
    configured = os.environ.get("KVM_WORKBENCH_KERNEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache/kvm-workbench/kernel-src"


def tree_dir(release: str, cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / f"linux-source-{release}"


def git_dir(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / "linux-git"


def members() -> list[str]:
    """Tar member patterns: the census directories, every file history/ names, the files the
    links of the simulator's call chains land in (one ``asm/kvm_host.h`` per architecture the
    simulator models), and the files the timing model cites."""
    sys.path.insert(0, str(ROOT))
    from history.tree.detect import files_needed  # the workbench's own list, not a copy
    from sim.arches import ARCHES
    from sim.timing.sources import SOURCES as TIMING_SOURCES

    hosts = [f"arch/{d}/include/asm/kvm_host.h"
             for d in sorted({arch.kernel_dir for arch in ARCHES.values()})]
    extra = [p for p in dict.fromkeys([*files_needed(), *LINK_FILES, *hosts, *TIMING_SOURCES])
             if not any(fnmatch.fnmatch(p, t) for t in TREE_PATTERNS)]
    return [*TREE_PATTERNS, *extra]


def stamp_for(release: str | None, patterns: list[str]) -> str:
    versions = [PACKAGES[release][1]] if release else [v for _, v, _ in PACKAGES.values()]
    return hashlib.sha256("\n".join([*versions, *patterns]).encode()).hexdigest()[:16]


class Unavailable(Exception):
    """apt cannot give us the package here: skip, do not fail the build."""


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, capture_output=True, check=False, **kwargs)  # type: ignore[call-overload]


def _download(release: str, into: Path) -> Path:
    package, version, _ = PACKAGES[release]
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise Unavailable("apt-get/dpkg-deb not found (not a Debian system)")
    spec = f"{package}={version}"
    proc = _run(["apt-get", "download", "-q", spec], cwd=into)
    if proc.returncode != 0 and os.geteuid() == 0:
        _run(["apt-get", "update", "-qq"])  # fresh machine: empty package lists
        proc = _run(["apt-get", "download", "-q", spec], cwd=into)
    debs = sorted(into.glob(f"{package}_*.deb"))
    if proc.returncode != 0 or not debs:
        last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no .deb"])[-1]
        raise Unavailable(f"apt-get download {spec} failed: {last}")
    return debs[0]


def _extract(release: str, deb: Path, into: Path, patterns: list[str]) -> None:
    """dpkg-deb's data tar -> the inner linux-source-X.tar.xz -> only ``patterns``."""
    top = f"linux-source-{release}"
    outer = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    inner = subprocess.Popen(["tar", "-xOf", "-", f"./usr/src/{top}.tar.xz"],
                             stdin=outer.stdout, stdout=subprocess.PIPE)
    assert outer.stdout is not None and inner.stdout is not None
    outer.stdout.close()
    final = subprocess.run(["tar", "-xJf", "-", "-C", str(into), "--strip-components=1",
                            "--wildcards", *(f"{top}/{p}" for p in patterns)],
                           stdin=inner.stdout, capture_output=True, check=False)
    inner.stdout.close()
    # a file the workbench reads may not exist in every release (drivers/vfio/group.c is
    # 6.2+): tar reports it as "Not found in archive", which is not an extraction failure
    errors = [line for line in final.stderr.decode(errors="replace").splitlines()
              if "Not found in archive" not in line and "Exiting with failure status" not in line]
    if inner.wait() != 0 or outer.wait() != 0 or (final.returncode != 0 and errors):
        raise RuntimeError(f"extracting {deb.name} failed: {' '.join(errors)[:300]}")


def ensure_tree(release: str, cache: Path, patterns: list[str]) -> bool:
    """The plain tree for ``release``; True when it had to be (re)built."""
    target = tree_dir(release, cache)
    stamp = target.with_name(target.name + ".stamp")
    want = stamp_for(release, patterns)
    if target.is_dir() and stamp.is_file() and stamp.read_text().strip() == want:
        return False
    with tempfile.TemporaryDirectory(dir=cache, prefix=".tmp-") as tmp:
        work = Path(tmp)
        deb = _download(release, work)
        tree = work / "tree"
        tree.mkdir()
        _extract(release, deb, tree, patterns)
        if target.exists():
            shutil.rmtree(target)
        tree.rename(target)
    stamp.write_text(want + "\n")
    return True


def _git(repo: Path, *args: str, env: dict[str, str]) -> None:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=env,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")


def ensure_git(cache: Path, patterns: list[str], rebuilt: bool) -> bool:
    """The two-commit repo (6.1 then 6.12) built from the plain trees."""
    target = git_dir(cache)
    stamp = target.with_name(target.name + ".stamp")
    want = stamp_for(None, patterns)
    if not rebuilt and target.is_dir() and stamp.is_file() and \
            stamp.read_text().strip() == want:
        return False
    with tempfile.TemporaryDirectory(dir=cache, prefix=".tmp-") as tmp:
        home = Path(tmp, "home")
        home.mkdir()
        repo = Path(tmp, "repo")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(IDENTITY, HOME=str(home), GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
        _git(Path(tmp), "init", "-q", "-b", "main", str(repo), env=env)
        for release, (package, version, date) in PACKAGES.items():
            for child in repo.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            shutil.copytree(tree_dir(release, cache), repo, dirs_exist_ok=True)
            _git(repo, "add", "-A", env=env)
            dated = {**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
            _git(repo, "commit", "-q", "-m", f"Debian {package} {version} (the files the "
                 "workbench reads)", env=dated)
            _git(repo, "tag", f"deb-{release}", env=env)
        if target.exists():
            shutil.rmtree(target)
        repo.rename(target)
    stamp.write_text(want + "\n")
    return True


def main() -> int:
    start = time.monotonic()
    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        patterns = members()
        rebuilt = False
        for release in PACKAGES:
            rebuilt |= ensure_tree(release, cache, patterns)
        rebuilt |= ensure_git(cache, patterns, rebuilt)
    except Unavailable as reason:
        print(f"kernels: skipped ({reason}); real-source tests will skip")
        return 0
    except OSError as error:
        print(f"kernels: skipped (cache {cache} not usable: {error}); real-source tests will skip")
        return 0
    state = "built" if rebuilt else "cached"
    print(f"kernels: {state} in {cache} ({time.monotonic() - start:.1f} s): "
          + json.dumps({r: v for r, (_, v, _) in PACKAGES.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
