"""Keep numba's on-disk kernel caches consistent across the package's modules.

numba invalidates a cached kernel when the source file of that kernel changes, but not when a
kernel it calls lives in another file and changes (the callee's code is compiled into the
caller's cache entry). The control unit's kernels call the engagement's, the flight step calls
the control unit's class rule, and so on: editing one module could leave another's cache with
the old code. So at import the sources of every module with kernels are hashed together; when
the hash differs from the one recorded next to the caches, every cached kernel of the package
is dropped (they recompile on first use, about a minute).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["KERNEL_MODULES", "check_kernel_caches"]

#: Modules (relative to the package) whose functions numba compiles and caches.
KERNEL_MODULES = (
    "_terrain_kernels.py",
    "assignment/_kernels.py",
    "c2/_kernels.py",
    "engagement/_kernels.py",
    "engagement/pk.py",
    "sensors/_kernels.py",
    "simulation/_kernels.py",
    "threats/_kernels.py",
    "tracking/_kernels.py",
)
_MARKER = "kernel-sources.sha256"


def check_kernel_caches(root: Path | None = None) -> bool:
    """Drop the package's cached kernels if any kernel module changed since they were made.

    Parameters
    ----------
    root : Path, optional
        The package folder (default: this package's).

    Returns
    -------
    bool
        True when caches were dropped (or none were recorded yet). A read-only installation
        is left as it is (numba then caches elsewhere or not at all).
    """
    root = Path(__file__).resolve().parent if root is None else Path(root)
    h = hashlib.sha256()
    for rel in KERNEL_MODULES:
        p = root / rel
        h.update(rel.encode() + b"\0")
        if p.is_file():
            h.update(p.read_bytes())
    digest = h.hexdigest()
    marker = root / "__pycache__" / _MARKER
    try:
        if marker.read_text().strip() == digest:
            return False
    except OSError:
        pass
    try:
        for f in root.rglob("__pycache__/*.nb[ic]"):
            f.unlink(missing_ok=True)
        marker.parent.mkdir(exist_ok=True)
        tmp = marker.with_name(f"{_MARKER}.{os.getpid()}")
        tmp.write_text(digest + "\n")
        os.replace(tmp, marker)  # atomic: concurrent imports see the old or the new hash
    except OSError:
        pass
    return True
