"""Real Debian kernel trees (6.1.192, 6.12.117) for the source-fact tests, or a clear skip.

``make kernels`` (run by ``make test``) fills the cache with tests/realsrc/fetch_kernels.py.
The cache path is read at import time, before the hermetic seal swaps HOME for each test.
Sources are opened once per session (``open_source`` keeps them), so parsing is shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from history.tree.source import KernelSource, open_source
from tests.realsrc.fetch_kernels import cache_dir, git_dir, tree_dir

CACHE = cache_dir()
RELEASES = ("6.1", "6.12")
REASON = (f"kernel sources not cached in {CACHE}: run `make kernels` "
          f"(apt-get download linux-source-6.1 linux-source-6.12)")


def _have() -> bool:
    return all(tree_dir(r, CACHE).is_dir() for r in RELEASES) and git_dir(CACHE).is_dir()


@pytest.fixture(scope="session")
def kernel_cache() -> Path:
    if not _have():
        pytest.skip(REASON)
    return CACHE


def source(release: str, kind: str) -> KernelSource:
    """The tree of ``release`` as a plain directory or as a tagged commit of the git repo."""
    if kind == "dir":
        return open_source(tree_dir(release, CACHE))
    return open_source(git_dir(CACHE), f"deb-{release}")


@pytest.fixture(params=[(r, k) for r in RELEASES for k in ("dir", "git")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def kernel(request: pytest.FixtureRequest, kernel_cache: Path) -> tuple[str, KernelSource]:
    """Each release, once as a plain tree and once as a git commit."""
    release, kind = request.param
    return release, source(release, kind)


@pytest.fixture(params=RELEASES)
def tree(request: pytest.FixtureRequest, kernel_cache: Path) -> tuple[str, KernelSource]:
    """Each release as a plain tree (facts that do not depend on how the tree is read)."""
    return request.param, source(request.param, "dir")
