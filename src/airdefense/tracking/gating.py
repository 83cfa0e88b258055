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


def _position_spread(state, n: int) -> tuple[np.ndarray, np.ndarray]:
    # Mean position (m, n) and the trace of its covariance (m,), m^2.
    if hasattr(state, "position_spread"):
        return state.position_spread(n)
    x, P = state.moments()
    return x[:, :n], np.trace(P[:, :n, :n], axis1=1, axis2=2)


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
        self._cache: dict[int, np.ndarray] = {}

    def _thresholds(self, mz: int) -> np.ndarray:
        # Gate thresholds for 0..mz degrees of freedom (NaN for 0: nothing passes).
        thr = self._cache.get(mz)
        if thr is None:
            with np.errstate(invalid="ignore"):
                thr = gate_threshold(np.arange(mz + 1), self.pg)
            thr[0] = np.nan
            self._cache[mz] = thr
        return thr

    def __call__(self, filt, state, meas):
        """Innovations of the gated pairs of ``state``'s tracks and ``meas``'s measurements."""
        n = meas.ndim
        pos, tr = _position_spread(state, n)
        mz = meas.z.shape[1]
        thr = self._thresholds(mz)
        g_max = float(thr[mz])
        sig_t = np.sqrt(tr)
        sig_m = np.sqrt(np.trace(meas.pos_cov, axis1=1, axis2=2)).max() if len(meas) else 0.0
        ti, mj = candidate_pairs(pos, np.sqrt(g_max) * (sig_t + sig_m), meas.pos)
        inn = filt.innovations(state, ti, meas, mj)
        return inn.take(inn.d2 <= thr[inn.dof])
