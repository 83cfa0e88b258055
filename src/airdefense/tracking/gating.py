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
    tree = cKDTree(meas_pos)
    hits = tree.query_ball_point(track_pos, r=radius, return_sorted=False)
    counts = np.fromiter(map(len, hits), int, count=m)
    mj = np.fromiter(itertools.chain.from_iterable(hits), int, count=int(counts.sum()))
    ti = np.repeat(np.arange(m), counts)
    return ti, mj


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

    def __call__(self, filt, state, meas):
        """Innovations of the gated pairs of ``state``'s tracks and ``meas``'s measurements."""
        n = meas.ndim
        x, P = state.moments()
        mz = meas.z.shape[1]
        g_max = float(gate_threshold(mz, self.pg))
        sig_t = np.sqrt(np.trace(P[:, :n, :n], axis1=1, axis2=2))
        sig_m = np.sqrt(np.trace(meas.pos_cov, axis1=1, axis2=2)).max() if len(meas) else 0.0
        ti, mj = candidate_pairs(x[:, :n], np.sqrt(g_max) * (sig_t + sig_m), meas.pos)
        inn = filt.innovations(state, ti, meas, mj)
        return inn.take(inn.d2 <= gate_threshold(inn.dof, self.pg))
