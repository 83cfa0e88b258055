"""Clustering against a union-find reference."""

import numpy as np

from airdefense.tracking.clustering import cluster_pairs


def _union_find(ti, mj, m, k):
    parent = list(range(m + k))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(ti, mj, strict=True):
        parent[find(a)] = find(m + b)
    return [find(i) for i in range(m + k)]


def test_clusters_match_union_find(rng):
    """Two nodes share a cluster exactly when union-find joins them."""
    m, k = 30, 40
    ti = rng.integers(0, m, 35)
    mj = rng.integers(0, k, 35)
    pc, tc, mc, n = cluster_pairs(ti, mj, m, k)
    labels = np.concatenate([tc, mc])
    ref = np.array(_union_find(ti, mj, m, k))
    same = labels[:, None] == labels[None, :]
    assert (same == (ref[:, None] == ref[None, :])).all()
    assert n == len(set(ref.tolist()))
    assert (pc == tc[ti]).all() and (pc == mc[mj]).all()
