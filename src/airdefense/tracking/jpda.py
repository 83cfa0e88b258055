"""Joint probabilistic data association (JPDA), cluster by cluster.

Each joint event assigns every track at most one gated measurement and every measurement at most
one track. Its weight is the product of ``exp(gain)`` over the pairs it uses (gains as in
:func:`airdefense.tracking.gnn.association_gain`). Clusters where at most one pair can be chosen
(one track or one measurement) are solved in closed form, vectorised; the others by exact
enumeration, or by Fitzgerald's "cheap JPDA" when the events outnumber ``max_events``.
"""

from __future__ import annotations

import numpy as np

from airdefense.tracking.clustering import cluster_pairs
from airdefense.tracking.gnn import association_gain

__all__ = ["JPDA", "enumerate_marginals"]


def enumerate_marginals(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n_rows: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Exact marginal probabilities of pairs over all feasible joint events of one cluster.

    Parameters
    ----------
    rows, cols : ndarray of shape (p,), int
        Local track and measurement index of each pair.
    w : ndarray of shape (p,)
        Pair weights ``exp(gain)``.
    n_rows : int
        Tracks in the cluster.

    Returns
    -------
    beta : ndarray of shape (p,)
        P(pair in the event).
    beta0 : ndarray of shape (n_rows,)
        P(track gets no measurement).
    """
    by_row = [np.flatnonzero(rows == r) for r in range(n_rows)]
    beta = np.zeros(len(w))
    total = 0.0
    used: set[int] = set()
    chosen: list[int] = []

    def rec(r: int, weight: float) -> None:
        nonlocal total
        if r == n_rows:
            total += weight
            for p in chosen:
                beta[p] += weight
            return
        rec(r + 1, weight)
        for p in by_row[r]:
            c = int(cols[p])
            if c not in used:
                used.add(c)
                chosen.append(p)
                rec(r + 1, weight * w[p])
                chosen.pop()
                used.discard(c)

    rec(0, 1.0)
    beta /= total
    beta0 = 1.0 - np.bincount(rows, weights=beta, minlength=n_rows)
    return beta, beta0


class JPDA:
    """JPDA associator (same parameters as :class:`GlobalNearestNeighbour`).

    Parameters
    ----------
    pd : float, default 0.9
    clutter_density : float, default 2.5e-6
        False alarms per m^2 (m^3 in 3-D) per scan, for measurements without their radar's
        own density (:func:`~airdefense.tracking.gnn.association_gain`).
    pg : float, default 0.999
    max_events : int, default 20000
        Above this many joint events in a cluster, use the cheap-JPDA approximation.
    """

    def __init__(self, pd: float = 0.9, clutter_density: float = 2.5e-6, pg: float = 0.999,
                 max_events: int = 20000) -> None:
        self.pd = float(pd)
        self.clutter_density = float(clutter_density)
        self.pg = float(pg)
        self.max_events = int(max_events)

    def weights(self, inn, meas, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Association probabilities of the pairs (p,) and of "no measurement" per track (m,)."""
        g = association_gain(inn, meas, self.pd, self.clutter_density, self.pg)
        g = np.minimum(g, 700.0)
        beta = np.zeros(len(g))
        beta0 = np.ones(m)
        if len(g) == 0:
            return beta, beta0
        ti, mj = inn.ti, inn.mj
        pc, tc, mc, n = cluster_pairs(ti, mj, m, len(meas))
        nt = np.bincount(tc[np.unique(ti)], minlength=n)
        nk = np.bincount(mc[np.unique(mj)], minlength=n)
        w = np.exp(g)
        simple = (nt[pc] == 1) | (nk[pc] == 1)
        s = np.flatnonzero(simple)
        # At most one pair per event: P(pair) = w / (1 + sum of the cluster's w).
        denom = 1.0 + np.bincount(pc[s], weights=w[s], minlength=n)
        beta[s] = w[s] / denom[pc[s]]
        c = np.flatnonzero(~simple)
        if c.size:
            c = c[np.argsort(pc[c], kind="stable")]
            bounds = np.flatnonzero(np.r_[True, pc[c][1:] != pc[c][:-1], True])
            for a, b in zip(bounds[:-1], bounds[1:], strict=True):  # conflicted clusters only
                idx = c[a:b]
                rows_id, ri = np.unique(ti[idx], return_inverse=True)
                _, ci = np.unique(mj[idx], return_inverse=True)
                deg = np.bincount(ri, minlength=rows_id.size)
                if np.prod(deg + 1.0) <= self.max_events:
                    beta[idx], _ = enumerate_marginals(ri, ci, w[idx], rows_id.size)
                else:
                    beta[idx] = _cheap_jpda(ri, ci, w[idx])
        beta0 = 1.0 - np.bincount(ti, weights=beta, minlength=m)
        return beta, np.clip(beta0, 0.0, 1.0)

    def associate(self, filt, state, inn, meas):
        """Weights and update; same returns as :meth:`GlobalNearestNeighbour.associate`.

        A track counts as hit when ``1 - beta0 >= 0.5``; its scan log-likelihood ratio is the
        PDA one, ``log(1 - Pd Pg + sum of Pd N / lambda)``.
        """
        m = len(state)
        g = association_gain(inn, meas, self.pd, self.clutter_density, self.pg)
        llr = np.log1p(-self.pd * self.pg) + np.log1p(
            np.bincount(inn.ti, weights=np.exp(np.minimum(g, 700.0)), minlength=m))
        beta, beta0 = self.weights(inn, meas, m)
        state = filt.update_weighted(state, inn, beta, beta0)
        hit = (1.0 - beta0) >= 0.5
        used = np.zeros(len(meas), bool)
        used[inn.mj] = True
        mot = np.full(m, -1)
        if len(beta):
            order = np.lexsort((-beta, inn.ti))
            first = order[np.r_[True, inn.ti[order][1:] != inn.ti[order][:-1]]]
            mot[inn.ti[first]] = inn.mj[first]
        mot[~hit] = -1
        return state, hit, used, mot, llr


def _cheap_jpda(ri, ci, w):
    # Fitzgerald (1985): beta_ij = G_ij / (G_i. + G_.j - G_ij + B), here with B = 1 in the
    # normalised weights; then each track's weights are scaled to sum with beta0 to 1.
    gt = np.bincount(ri, weights=w)
    gm = np.bincount(ci, weights=w)
    b = w / (gt[ri] + gm[ci] - w + 1.0)
    tot = np.bincount(ri, weights=b)
    scale = np.where(tot > 1.0, 1.0 / np.maximum(tot, 1e-300), 1.0)
    return b * scale[ri]
