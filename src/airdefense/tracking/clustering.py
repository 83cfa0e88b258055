"""Clustering of tracks and measurements into independent groups linked by gated pairs."""

from __future__ import annotations

import numpy as np

from airdefense.tracking import _kernels as _k

__all__ = ["cluster_pairs"]


def cluster_pairs(ti: np.ndarray, mj: np.ndarray, m: int, k: int):
    """Connected components of the bipartite graph of gated pairs.

    Parameters
    ----------
    ti, mj : ndarray of shape (p,), int
        Track and measurement of each gated pair.
    m, k : int
        Number of tracks and of measurements.

    Returns
    -------
    pair_cluster : ndarray of shape (p,), int
    track_cluster : ndarray of shape (m,), int
    meas_cluster : ndarray of shape (k,), int
    n_clusters : int
        Every track and measurement belongs to exactly one cluster; lone ones form their own.

    Examples
    --------
    >>> import numpy as np
    >>> pc, tc, mc, n = cluster_pairs(np.array([0, 1]), np.array([0, 0]), 3, 2)
    >>> n, bool(tc[0] == tc[1]), bool(tc[0] == tc[2])
    (3, True, False)
    """
    ti = np.asarray(ti, np.int64)
    labels, n = _k.cluster_labels(ti, np.asarray(mj, np.int64), int(m), int(k))
    return labels[ti], labels[:m], labels[m:], int(n)
