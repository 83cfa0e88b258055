"""Clustering of tracks and measurements into independent groups linked by gated pairs."""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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
    >>> n, tc[0] == tc[1], tc[0] == tc[2]
    (3, True, False)
    """
    N = m + k
    g = coo_matrix((np.ones(len(ti)), (ti, m + mj)), shape=(N, N))
    n, labels = connected_components(g, directed=False)
    return labels[ti], labels[:m], labels[m:], int(n)
