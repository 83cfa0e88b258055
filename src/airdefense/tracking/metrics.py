"""Tracking metrics: GOSPA (with its parts), OSPA, track id switches, NEES and NIS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["GospaResult", "gospa", "ospa", "id_switches", "nees", "nis", "chi2_interval"]


@dataclass
class GospaResult:
    """GOSPA at one time.

    ``distance ** p == localisation + missed + false``; the parts are in m^p.

    Attributes
    ----------
    distance : float
        GOSPA, m.
    localisation : float
        Sum of ``d ** p`` over assigned pairs (d < c).
    missed : float
        ``c ** p / alpha`` times the number of missed truths.
    false : float
        ``c ** p / alpha`` times the number of false tracks.
    truth_index, track_index : ndarray of int
        The assigned pairs.
    """

    distance: float
    localisation: float
    missed: float
    false: float
    truth_index: np.ndarray
    track_index: np.ndarray


def _cut_assignment(truth: np.ndarray, est: np.ndarray, c: float, p: float) -> tuple:
    """Distances (n, m), cut costs ``min(d, c) ** p`` (n, m) and the optimal assignment of
    truths ``r`` to estimates ``k`` (both (min(n, m),)) of two non-empty sets of points."""
    d = np.linalg.norm(truth[:, None, :] - est[None, :, :], axis=2)
    cost = np.minimum(d, c) ** p
    r, k = linear_sum_assignment(cost)
    return d, cost, r, k


def gospa(truth: np.ndarray, est: np.ndarray, c: float = 50.0, p: float = 2.0,
          alpha: float = 2.0) -> GospaResult:
    """Generalised optimal sub-pattern assignment metric (Rahmathullah et al., 2017).

    Parameters
    ----------
    truth : ndarray of shape (n, q)
        True positions, m.
    est : ndarray of shape (m, q)
        Estimated positions, m.
    c : float, default 50
        Cut-off distance, m.
    p : float, default 2
        Order.
    alpha : float, default 2
        Only alpha = 2 has the missed/false decomposition; other values are refused.

    Returns
    -------
    GospaResult

    Examples
    --------
    >>> round(gospa(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])).distance, 6)
    5.0
    """
    if alpha != 2:
        raise ValueError(f"alpha must be 2 for the localisation/missed/false split, got {alpha}")
    truth = np.atleast_2d(np.asarray(truth, float))
    est = np.atleast_2d(np.asarray(est, float))
    n, m = len(truth), len(est)
    cp = c**p
    ti = np.zeros(0, int)
    ei = np.zeros(0, int)
    loc = 0.0
    if n and m:
        d, cost, r, k = _cut_assignment(truth, est, c, p)
        real = d[r, k] < c
        ti, ei = r[real], k[real]
        loc = float((d[ti, ei] ** p).sum())
    n_pairs = len(ti)
    missed = cp / alpha * (n - n_pairs)
    false = cp / alpha * (m - n_pairs)
    return GospaResult(float((loc + missed + false) ** (1 / p)), loc, missed, false, ti, ei)


def ospa(truth: np.ndarray, est: np.ndarray, c: float = 50.0, p: float = 2.0) -> float:
    """Optimal sub-pattern assignment metric (Schuhmacher, Vo and Vo, 2008).

    With ``n <= m`` points in the smaller set, ``(min over assignments of the sum of
    min(d, c)^p over the n pairs, plus c^p (m - n), all over m) ** (1/p)``: the mean per point
    of the larger set, so it stays within ``[0, c]`` (0 for two empty sets, ``c`` when only
    one is empty). Unlike :func:`gospa` it does not grow with the number of targets.

    Parameters
    ----------
    truth : ndarray of shape (n, q)
        True positions, m.
    est : ndarray of shape (m, q)
        Estimated positions, m.
    c : float, default 50
        Cut-off distance, m (> 0).
    p : float, default 2
        Order (>= 1).

    Returns
    -------
    float
        OSPA, m.

    Raises
    ------
    ValueError
        If ``c`` is not a finite distance > 0 m or ``p`` not a finite order >= 1.

    Examples
    --------
    >>> round(ospa(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [100.0, 0.0]])), 4)
    35.5317
    """
    if not 0.0 < c < np.inf:
        raise ValueError(f"c must be a finite cut-off distance > 0 m, got {c}")
    if not 1.0 <= p < np.inf:
        raise ValueError(f"p must be a finite order >= 1, got {p}")
    truth = np.asarray(truth, float).reshape(len(truth), -1) if len(truth) else np.zeros((0, 1))
    est = np.asarray(est, float).reshape(len(est), -1) if len(est) else np.zeros((0, 1))
    n, m = sorted((len(truth), len(est)))
    if m == 0:
        return 0.0
    loc = 0.0
    if n:
        _, cost, r, k = _cut_assignment(truth, est, c, p)
        loc = float(cost[r, k].sum())
    return float(((loc + c**p * (m - n)) / m) ** (1.0 / p))


def id_switches(time_s: np.ndarray, truth_id: np.ndarray, track_id: np.ndarray) -> int:
    """Number of times a truth's assigned track id changes from one assignment to the next.

    Parameters
    ----------
    time_s, truth_id, track_id : ndarray of shape (q,)
        One row per (time, truth, track) assignment, e.g. the GOSPA pairs of every scan.

    Examples
    --------
    >>> id_switches(np.array([0, 1, 2]), np.array([7, 7, 7]), np.array([1, 1, 2]))
    1
    """
    time_s, truth_id, track_id = (np.asarray(a) for a in (time_s, truth_id, track_id))
    o = np.lexsort((time_s, truth_id))
    tr, tk = truth_id[o], track_id[o]
    return int(np.count_nonzero((tr[1:] == tr[:-1]) & (tk[1:] != tk[:-1])))


def _mahalanobis(e: np.ndarray, C: np.ndarray) -> np.ndarray:
    e = np.asarray(e, float)
    return np.einsum("...i,...i->...", e, np.linalg.solve(C, e[..., None])[..., 0])


def nees(x_true: np.ndarray, x_est: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Normalised estimation error squared ``e^T P^-1 e`` for each row, shape (...,)."""
    return _mahalanobis(np.asarray(x_true) - np.asarray(x_est), P)


def nis(nu: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Normalised innovation squared ``nu^T S^-1 nu`` for each row, shape (...,)."""
    return _mahalanobis(nu, S)


def chi2_interval(dof: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Two-sided interval of the mean of ``n`` independent chi-square(``dof``) values."""
    from scipy.stats import chi2  # slow to import; only metrics need it

    a = (1 - conf) / 2
    return float(chi2.ppf(a, n * dof) / n), float(chi2.ppf(1 - a, n * dof) / n)
