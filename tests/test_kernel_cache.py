"""The guard that drops numba's cached kernels when any kernel module changes."""

from __future__ import annotations

import re
from pathlib import Path

import airdefense
from airdefense._kernel_cache import KERNEL_MODULES, check_kernel_caches

PKG = Path(airdefense.__file__).resolve().parent


def test_every_module_with_kernels_is_hashed():
    """A module that imports numba is in the list (else its edits would not be seen)."""
    uses = {str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
            if re.search(r"^(from numba|import numba)", p.read_text(), re.M)}
    assert uses == set(KERNEL_MODULES)


def _package(tmp_path: Path) -> Path:
    for rel in KERNEL_MODULES:
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"# {rel}\n")
        cache = f.parent / "__pycache__"
        cache.mkdir(exist_ok=True)
        (cache / "_kernels.f-1.py311.nbi").write_text("index")
        (cache / "_kernels.f-1.py311.1.nbc").write_text("code")
        (cache / "_kernels.cpython-311.pyc").write_text("bytecode")
    return tmp_path


def test_caches_dropped_once_after_any_kernel_module_changes(tmp_path):
    """No record yet: caches dropped and the sources' hash recorded; unchanged sources keep
    the caches; an edit to one module drops every module's cached kernels (not bytecode)."""
    root = _package(tmp_path)
    assert check_kernel_caches(root)
    assert not list(root.rglob("*.nb[ic]"))
    for rel in KERNEL_MODULES:  # numba caches again
        (root / rel).parent.joinpath("__pycache__", "k.nbi").write_text("index")
    assert not check_kernel_caches(root)
    assert len(list(root.rglob("*.nbi"))) == len({Path(r).parent for r in KERNEL_MODULES})
    (root / "engagement/_kernels.py").write_text("# edited\n")
    assert check_kernel_caches(root)
    assert not list(root.rglob("*.nb[ic]"))
    assert list(root.rglob("*.pyc"))
    assert not check_kernel_caches(root)
