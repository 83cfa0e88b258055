"""Chi-square gating with a spatial index, so the work grows with the local density.

A k-d tree of the measured positions finds, for each track, the measurements within a ball that
contains its chi-square gate; only those pairs get a Mahalanobis distance. The ball's radius is
``sqrt(gamma) * (sigma_track + sigma_meas_max)`` with sigma the square root of the trace of a
position covariance, which bounds the gate's largest axis.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import gammaincinv

from airdefense.tracking import _kernels as _k

__all__ = ["gate_threshold", "candidate_pairs", "ChiSquareGate"]


def gate_threshold(dof, pg: float) -> np.ndarray:
    """Chi-square gate threshold with ``dof`` degrees of freedom and gate probability ``pg``.

    The chi-square quantile through the regularised incomplete gamma function (importing
    scipy.stats would cost seconds at start-up).
    """
    return 2.0 * gammaincinv(np.asarray(dof, float) / 2.0, pg)


def candidate_pairs(track_pos: np.ndarray, radius: np.ndarray, meas_pos: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (track, measurement) closer than the track's radius, through a k-d tree.

    Parameters
    ----------
    track_pos : ndarray of shape (m, n)
        Predicted track positions, m.
    radius : ndarray of shape (m,)
        Search radius of each track, m.
    meas_pos : ndarray of shape (k, n)
        Measured positions, m.

    Returns
    -------
    ti, mj : ndarray of shape (p,), int
    """
    m, k = len(track_pos), len(meas_pos)
    if m == 0 or k == 0:
        return np.zeros(0, int), np.zeros(0, int)
    if m * k <= _BRUTE_FORCE_PAIRS:
        # Few tracks and measurements: every distance at once costs less than a tree.
        diff = track_pos[:, None, :] - meas_pos[None, :, :]
        d2 = np.einsum("mkn,mkn->mk", diff, diff)
        ti, mj = np.nonzero(d2 <= (radius * radius)[:, None])
        return ti, mj
    tree = cKDTree(meas_pos)
    hits = tree.query_ball_point(track_pos, r=radius, return_sorted=False)
    counts = np.fromiter(map(len, hits), int, count=m)
    mj = np.fromiter(itertools.chain.from_iterable(hits), int, count=int(counts.sum()))
    ti = np.repeat(np.arange(m), counts)
    return ti, mj


#: Up to this many track-measurement pairs, candidate_pairs tests them all (no k-d tree).
_BRUTE_FORCE_PAIRS = 20_000


def _spread(state, n: int):
    # Means of positions and velocities (m, n) and the traces of their covariances (m,).
    if hasattr(state, "spread"):
        return state.spread(n)
    x, P = state.moments()
    tr = np.einsum("mii->mi", P[:, :2 * n, :2 * n])
    return x[:, :n], x[:, n:2 * n], tr[:, :n].sum(1), tr[:, n:].sum(1)


class ChiSquareGate:
    """Chi-square gate on the innovation of each track-measurement pair.

    Parameters
    ----------
    pg : float, default 0.999
        Gate probability: a true measurement falls inside with this probability.
    """

    def __init__(self, pg: float = 0.999) -> None:
        if not 0.0 < pg < 1.0:
            raise ValueError(f"gate probability pg must be in (0, 1), got {pg}")
        self.pg = float(pg)
        self._cache: dict[int, tuple[np.ndarray, float]] = {}

    def _thresholds(self, mz: int) -> tuple[np.ndarray, float]:
        # Gate thresholds for 0..mz degrees of freedom (NaN for 0: nothing passes) and the
        # coarse-gate factor, the square root of the mz one.
        got = self._cache.get(mz)
        if got is None:
            with np.errstate(invalid="ignore"):
                thr = gate_threshold(np.arange(mz + 1), self.pg)
            thr[0] = np.nan
            got = self._cache[mz] = (thr, np.sqrt(float(thr[mz])))
        return got

    def __call__(self, filt, state, meas):
        """Innovations of the gated pairs of ``state``'s tracks and ``meas``'s measurements."""
        n = meas.ndim
        m, k = len(state), len(meas)
        mz = meas.z.shape[1]
        thr, g = self._thresholds(mz)
        tau = meas.offset_s if meas.offset_s is not None else np.zeros(k)
        # EKF (or IMM of EKFs) with polar data: coarse gate, innovations and the test in one
        # compiled pass (see _kernels.polar_gate).
        fused = meas.kind == "polar" and getattr(filt, "fused_polar", False)
        brute = 0 < m * k <= _BRUTE_FORCE_PAIRS
        if fused and (brute or m * k == 0):
            return filt.gate_polar(state, meas, thr, g)
        pos, vel, tr_p, tr_v = _spread(state, n)
        sig_m = np.sqrt(np.einsum("kii->k", meas.pos_cov))
        sig_t = np.sqrt(tr_p)
        if brute:
            # Every pair: the gate lies within g (sigma_track(tau) + sigma_meas) of the track's
            # position moved by the pair's offset tau, sigma(tau) <= sigma_p + |tau| sigma_v.
            ti, mj = _k.gate_pairs(np.ascontiguousarray(pos), np.ascontiguousarray(vel), sig_t,
                                   np.sqrt(tr_v), meas.pos, sig_m, np.asarray(tau, float), g)
        else:
            radius = g * (sig_t + (sig_m.max() if k else 0.0))
            tmax = np.abs(tau).max() if k else 0.0
            if tmax > 0:  # measurements off the state's time: the track moves up to tau |v|
                radius += tmax * (np.sqrt(np.einsum("mi,mi->m", vel, vel)) + g * np.sqrt(tr_v))
            ti, mj = candidate_pairs(pos, radius, meas.pos)
            if fused:
                return filt.gate_polar(state, meas, thr, -1.0, ti, mj)
        inn = filt.innovations(state, ti, meas, mj)
        return inn.take(inn.d2 <= thr[inn.dof])
