"""Global nearest neighbour association: the best joint assignment, cluster by cluster.

The gain of a pair is the log-likelihood ratio of "this measurement is the track's" against
"the track was missed and the measurement is clutter":
``log(Pd N(nu; 0, S)) - log(lambda) - log(1 - Pd Pg)``. A pair with a gain <= 0 never belongs to
the best assignment, so it is dropped before clustering. Clusters with one track or one
measurement are solved in one vectorised pass; the others, each with
``scipy.optimize.linear_sum_assignment``.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.optimize import linear_sum_assignment

from airdefense.tracking import _kernels as _k

__all__ = ["association_gain", "GlobalNearestNeighbour"]


def association_gain(inn, meas, pd: float, clutter_density: float, pg: float) -> np.ndarray:
    """Log-likelihood ratio of each gated pair against miss-plus-clutter, shape (p,).

    ``lambda`` is each measurement's radar's own false-alarm density in measurement space
    where the measurements carry it (``Measurements.false_alarm_density``), else
    ``clutter_density`` (per m^2 in 2-D, m^3 in 3-D, per scan) carried into measurement space
    with each measurement's ``clutter_scale`` (:meth:`Measurements.clutter`).
    """
    lam = meas.clutter(inn.mj, clutter_density)
    log_pd, log_miss = _gain_terms(float(pd), float(pg))
    return log_pd + inn.loglik - np.log(lam) - log_miss


@functools.lru_cache(maxsize=64)
def _gain_terms(pd: float, pg: float) -> tuple[np.float64, np.float64]:
    # ln(Pd) and ln(1 - Pd Pg), NumPy scalars as association_gain took them at every call
    # (fixed per associator; two scalar ufunc calls a step saved).
    return np.log(pd), np.log1p(-pd * pg)


class GlobalNearestNeighbour:
    """GNN associator.

    Parameters
    ----------
    pd : float, default 0.9
        Probability of detection.
    clutter_density : float, default 2.5e-6
        False alarms per m^2 (per m^3 in 3-D) per scan, for measurements without their
        radar's own density (see :func:`association_gain`).
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
        return _best_assignment(inn.ti, inn.mj, g, m, len(meas))

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
        g = association_gain(inn, meas, self.pd, self.clutter_density, self.pg)
        sel = _best_assignment(inn.ti, inn.mj, g, m, len(meas))
        chosen = inn.take(sel)
        llr = np.full(m, np.log1p(-self.pd * self.pg))
        llr[chosen.ti] += g[sel]
        state = filt.update(state, chosen)
        hit = np.zeros(m, bool)
        hit[chosen.ti] = True
        used = np.zeros(len(meas), bool)
        used[inn.mj] = True
        mot = np.full(m, -1)
        mot[chosen.ti] = chosen.mj
        return state, hit, used, mot, llr


    def associate_sensors(self, filt, state, inn, meas, sensor, nsensors: int):
        """Assign every radar's measurements of a step at once and update each track with all of
        its measurements.

        The assignment has one row per (track, radar): a measurement is a candidate only for
        the rows of its own radar, so each track takes at most one measurement of each radar,
        as when each radar's measurements are assigned in turn against the same predicted
        tracks. A track's measurements then update it one after another in the order of their
        times (``meas.offset_s``), each against the state left by the previous one (for an
        IMM, the model probabilities take the product of the measurements' likelihoods).

        Parameters
        ----------
        filt : filter
        state : filter state of m tracks
        inn : Innovations
            Gated pairs, against ``state``.
        meas : Measurements
        sensor : ndarray of shape (k,), int
            Radar index of each measurement, in ``0 .. nsensors - 1``.
        nsensors : int

        Returns
        -------
        state, hit, used, meas_of_track, llr
            As :meth:`associate`; ``meas_of_track`` is a track's last measurement and ``llr``
            is ``log(1 - Pd Pg)`` plus the best gain among the track's pairs (a track's scan
            score is its best radar's: radars do not add evidence twice).
        assigned : ndarray of shape (k,), bool
            Measurements assigned to a track.
        """
        m, k = len(state), len(meas)
        g = association_gain(inn, meas, self.pd, self.clutter_density, self.pg)
        when = meas.offset_s if meas.offset_s is not None else meas.time_s
        pair_ti, pair_mj = np.asarray(inn.ti, np.int64), np.asarray(inn.mj, np.int64)
        args = (pair_ti, pair_mj, g, np.asarray(when, float), m, k,
                float(_gain_terms(self.pd, self.pg)[1]))
        # Rows of the assignment are (track, radar) pairs; then, by track and by time, rank r
        # is a track's r-th measurement (one kernel call when no cluster needs the solver).
        done, rows, chosen, conflicted, bounds, seq = _k.assign_sequence(
            np.asarray(sensor, np.int64), int(nsensors), *args)
        if not done:
            sel = _solve_conflicted(chosen, conflicted, bounds, rows, pair_mj, g)
            seq = _k.update_sequence(np.asarray(sel, np.int64), *args)
        sel, ti, mj, rank, llr, hit, used, mot, assigned = seq
        if ti.size and meas.kind == "polar" and getattr(filt, "fused_polar", False):
            state = filt.update_polar_sequence(state, inn, sel, ti, mj, rank, meas)
        elif ti.size:
            state = filt.update(state, inn.take(sel[rank == 0]))
            for r in range(1, int(rank.max()) + 1):  # a track's r-th measurement, all tracks
                s = rank == r
                state = filt.update(state, filt.innovations(state, ti[s], meas, mj[s]))
        return state, hit, used, mot, llr, assigned


def _best_assignment(ti, mj, g, m: int, k: int) -> np.ndarray:
    """Pairs of the best joint assignment (largest total gain, pairs with gain > 0 only).

    Clusters with one track or one measurement take their best pair; the others, each with
    ``linear_sum_assignment``. Most scans have no conflicted cluster.
    """
    chosen, conflicted, bounds = _k.assignment_clusters(
        np.asarray(ti, np.int64), np.asarray(mj, np.int64), np.asarray(g, float), int(m), int(k))
    return _solve_conflicted(chosen, conflicted, bounds, ti, mj, g)


def _solve_conflicted(chosen, conflicted, bounds, ti, mj, g) -> np.ndarray:
    # The pairs chosen in the simple clusters, then the best assignment of each conflicted
    # cluster (see _kernels.assignment_clusters), with linear_sum_assignment.
    if bounds.size == 0:
        return chosen
    out = [chosen]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):  # conflicted clusters only
        idx = conflicted[a:b]
        # np.unique(..., return_inverse=True) of a few pairs, compiled (a tenth of its cost)
        rows, ri = _k.unique_inverse(np.asarray(ti[idx], np.int64))
        cols, ci = _k.unique_inverse(np.asarray(mj[idx], np.int64))
        gain = np.zeros((rows.size, cols.size))
        pair = np.full((rows.size, cols.size), -1)
        gain[ri, ci] = g[idx]
        pair[ri, ci] = idx
        r, cc = linear_sum_assignment(gain, maximize=True)
        sel = pair[r, cc]
        out.append(sel[sel >= 0])
    return np.concatenate(out)
