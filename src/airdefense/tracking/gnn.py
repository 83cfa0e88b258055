"""Global nearest neighbour association: the best joint assignment, cluster by cluster.

The gain of a pair is the log-likelihood ratio of "this measurement is the track's" against
"the track was missed and the measurement is clutter":
``log(Pd N(nu; 0, S)) - log(lambda) - log(1 - Pd Pg)``. A pair with a gain <= 0 never belongs to
the best assignment, so it is dropped before clustering. Clusters with one track or one
measurement are solved in one vectorised pass; the others, each with
``scipy.optimize.linear_sum_assignment``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from airdefense.tracking.clustering import cluster_pairs

__all__ = ["association_gain", "GlobalNearestNeighbour"]


def association_gain(inn, meas, pd: float, clutter_density: float, pg: float) -> np.ndarray:
    """Log-likelihood ratio of each gated pair against miss-plus-clutter, shape (p,).

    ``clutter_density`` is per m^2 (2-D) or m^3 (3-D) per scan; it is carried into measurement
    space with each measurement's ``clutter_scale``.
    """
    lam = clutter_density * meas.clutter_scale[inn.mj]
    return np.log(pd) + inn.loglik - np.log(lam) - np.log1p(-pd * pg)


class GlobalNearestNeighbour:
    """GNN associator.

    Parameters
    ----------
    pd : float, default 0.9
        Probability of detection.
    clutter_density : float, default 2.5e-6
        False alarms per m^2 (per m^3 in 3-D) per scan.
    pg : float, default 0.999
        Gate probability (as in the gate).
    """

    def __init__(self, pd: float = 0.9, clutter_density: float = 2.5e-6,
                 pg: float = 0.999) -> None:
        self.pd = float(pd)
        self.clutter_density = float(clutter_density)
        self.pg = float(pg)

    def assign(self, inn, meas, m: int) -> np.ndarray:
        """Indices of the chosen pairs: each track and each measurement at most once.

        Parameters
        ----------
        inn : Innovations
            Gated pairs.
        meas : Measurements
        m : int
            Number of tracks.

        Returns
        -------
        ndarray of int
            Indices into the pairs of ``inn``.
        """
        g = association_gain(inn, meas, self.pd, self.clutter_density, self.pg)
        keep = np.flatnonzero(g > 0)
        if keep.size == 0:
            return keep
        ti, mj, g = inn.ti[keep], inn.mj[keep], g[keep]
        pc, tc, mc, n = cluster_pairs(ti, mj, m, len(meas))
        nt = np.bincount(tc[np.unique(ti)], minlength=n)
        nk = np.bincount(mc[np.unique(mj)], minlength=n)
        simple = (nt[pc] == 1) | (nk[pc] == 1)
        chosen = []
        s = np.flatnonzero(simple)
        if s.size:
            # One track or one measurement: the best pair of the cluster wins.
            order = s[np.lexsort((-g[s], pc[s]))]
            first = np.r_[True, pc[order][1:] != pc[order][:-1]]
            chosen.append(order[first])
        c = np.flatnonzero(~simple)
        if c.size:
            c = c[np.argsort(pc[c], kind="stable")]
            bounds = np.flatnonzero(np.r_[True, pc[c][1:] != pc[c][:-1], True])
            for a, b in zip(bounds[:-1], bounds[1:], strict=True):  # conflicted clusters only
                idx = c[a:b]
                rows, ri = np.unique(ti[idx], return_inverse=True)
                cols, ci = np.unique(mj[idx], return_inverse=True)
                gain = np.zeros((rows.size, cols.size))
                pair = np.full((rows.size, cols.size), -1)
                gain[ri, ci] = g[idx]
                pair[ri, ci] = idx
                r, cc = linear_sum_assignment(gain, maximize=True)
                sel = pair[r, cc]
                chosen.append(sel[sel >= 0])
        return keep[np.concatenate(chosen)]

    def associate(self, filt, state, inn, meas):
        """Assign and update.

        Returns
        -------
        state : the updated filter state
        hit : ndarray of shape (m,), bool
            Tracks that got a measurement.
        used : ndarray of shape (k,), bool
            Measurements that were assigned or fell in a gate (not used to start tracks).
        meas_of_track : ndarray of shape (m,), int
            Measurement assigned to each track, -1 if none.
        llr : ndarray of shape (m,)
            Log-likelihood ratio of the scan for each track (target against false alarm):
            ``log(1 - Pd Pg)`` plus the gain of its pair if it has one.
        """
        m = len(state)
        sel = self.assign(inn, meas, m)
        chosen = inn.take(sel)
        llr = np.full(m, np.log1p(-self.pd * self.pg))
        llr[chosen.ti] += association_gain(chosen, meas, self.pd, self.clutter_density, self.pg)
        state = filt.update(state, chosen)
        hit = np.zeros(m, bool)
        hit[chosen.ti] = True
        used = np.zeros(len(meas), bool)
        used[inn.mj] = True
        mot = np.full(m, -1)
        mot[chosen.ti] = chosen.mj
        return state, hit, used, mot, llr
