"""Trajectories stored as samples and evaluated by vectorised interpolation.

:class:`HermiteTrajectory` holds positions and velocities of each threat on its own uniform time
grid and interpolates them with cubic Hermite polynomials, so evaluating every threat at one
instant is one compiled pass (:mod:`airdefense.threats._kernels`). :class:`CompositeTrajectory`
stitches the trajectories of several flight models (one per class) into the single ``states(t)``
of a ThreatSet; the compiled ones write their rows in place. Both also evaluate many instants in
one call (``states_many``), with the same bits as one call per instant.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airdefense.threats import _kernels as _k
from airdefense.threats.rcs import aspect_rcs_m2

__all__ = ["HermiteTrajectory", "CompositeTrajectory"]


class HermiteTrajectory:
    """Cubic Hermite interpolation of sampled states on per-threat uniform time grids.

    Parameters
    ----------
    t0_s : ndarray of shape (n,)
        Time of each threat's first sample (its launch), s.
    dt_s : ndarray of shape (n,)
        Sample spacing of each threat, s, > 0.
    end_s : ndarray of shape (n,)
        End of flight, s; must lie within the samples (``t0 + (count - 1) dt``).
    pos : ndarray of shape (n, k, 3)
        Sampled positions, ENU m. Rows with fewer samples repeat their last one as padding.
    vel : ndarray of shape (n, k, 3)
        Sampled velocities, m/s.
    count : ndarray of shape (n,), int, optional
        Number of valid samples in each row (default ``k``).

    Notes
    -----
    Before ``t0_s`` a row holds its first sample's position and after ``end_s`` the interpolated
    position at ``end_s``; its velocity is zero outside the flight, as for
    :class:`~airdefense.threats.base.PiecewiseLinearTrajectory`.
    """

    def __init__(self, t0_s, dt_s, end_s, pos, vel, count=None) -> None:
        self.t0 = np.asarray(t0_s, float)
        self.dt = np.asarray(dt_s, float)
        self.end = np.asarray(end_s, float)
        self.pos = np.asarray(pos, float)
        self.vel = np.asarray(vel, float)
        self.n = self.t0.shape[0]
        k = self.pos.shape[1] if self.pos.ndim == 3 else 1
        self.count = np.full(self.n, k) if count is None else np.asarray(count, int)
        c = np.ascontiguousarray
        self._args = (c(self.t0), c(self.dt), c(self.end), c(self.count, dtype=np.int64),
                      c(self.pos.reshape(self.n, k, 3)),
                      c(self.vel.reshape(self.n, k, 3)))

    def _fill(self, t: float, out: np.ndarray, rows: np.ndarray) -> None:
        """Write the states at ``t`` into ``out[rows]``."""
        if self.n:
            _k.hermite_states(float(t), *self._args, out, rows)

    def _fill_many(self, ts: np.ndarray, out: np.ndarray, rows: np.ndarray) -> None:
        """Write the states at each of ``ts`` (K,) into ``out[k, rows]`` (``out`` (K, N, 6))."""
        if self.n:
            _k.hermite_states_many(ts, *self._args, out, rows)

    def states(self, t: float) -> np.ndarray:
        """Return the states at time ``t``, shape (n, 6)."""
        out = np.empty((self.n, 6))
        self._fill(t, out, np.arange(self.n))
        return out

    def states_many(self, times: np.ndarray) -> np.ndarray:
        """Return the states at each of ``times``, shape (K, n, 6), m and m/s.

        Parameters
        ----------
        times : ndarray of shape (K,)
            Instants, s. Row ``k`` of the result equals ``states(times[k])`` bit for bit.
        """
        ts = _times(times)
        out = np.empty((ts.shape[0], self.n, 6))
        self._fill_many(ts, out, np.arange(self.n))
        return out


def _times(times) -> np.ndarray:
    """Instants as a contiguous float array of shape (K,)."""
    return np.ascontiguousarray(np.asarray(times, dtype=float).reshape(-1))


class CompositeTrajectory:
    """The trajectories of several flight models, as one trajectory over all threats.

    Parameters
    ----------
    n : int
        Number of threats.
    parts : sequence of (rows, trajectory)
        ``rows`` (ndarray of int) says which threats each part's trajectory holds, in its order.
    rcs_front_m2, rcs_side_m2, rcs_tail_m2 : ndarray of shape (n,)
        Nose-on, broadside and tail-on radar cross-sections for :meth:`rcs_m2`.
    """

    def __init__(
        self,
        n: int,
        parts: Sequence[tuple[np.ndarray, object]],
        rcs_front_m2: np.ndarray,
        rcs_side_m2: np.ndarray,
        rcs_tail_m2: np.ndarray,
    ) -> None:
        self.n = int(n)
        self.parts = [(np.ascontiguousarray(r, dtype=np.intp), tr) for r, tr in parts
                      if len(r)]
        self._fills = [(r, tr, getattr(tr, "_fill", None)) for r, tr in self.parts]
        self._where: tuple | None = None  # each threat's part and row in it (state_of)
        self._covered: bool | None = None  # every threat in some part (states_many)
        self.rcs_front_m2 = np.asarray(rcs_front_m2, float)
        self.rcs_side_m2 = np.asarray(rcs_side_m2, float)
        self.rcs_tail_m2 = np.asarray(rcs_tail_m2, float)

    def states(self, t: float) -> np.ndarray:
        """Return the states of all threats at time ``t``, shape (n, 6)."""
        t = float(t)
        out = np.zeros((self.n, 6))
        for rows, tr, fill in self._fills:
            if fill is None:
                out[rows] = tr.states(t)
            else:  # a compiled trajectory writes its rows in place
                fill(t, out, rows)
        return out

    def state_of(self, t: float, k: int) -> np.ndarray:
        """Row ``k`` of :meth:`states` at ``t``, shape (6,), the same numbers; only that
        threat's part computes it where the part can (``state_rows``)."""
        where = self._where
        if where is None:
            part = np.zeros(self.n, np.int64)
            local = np.zeros(self.n, np.int64)
            for j, (rows, _, _) in enumerate(self._fills):
                part[rows] = j
                local[rows] = np.arange(rows.shape[0])
            where = self._where = (part.tolist(), local.tolist())
        j = where[0][k]
        rows, tr, _ = self._fills[j]
        one = getattr(tr, "state_rows", None)
        if one is None or rows[where[1][k]] != k:  # (a threat in no part: zeros)
            return self.states(t)[k]
        return one(float(t), np.array([where[1][k]], np.intp))[0]

    def states_many(self, times: np.ndarray) -> np.ndarray:
        """Return the states of all threats at each of ``times``, shape (K, n, 6), m and m/s.

        Each compiled part fills its rows at every instant in one kernel call. A part without a
        batched path (no ``_fill_many`` or ``states_many``) is evaluated one instant at a time,
        so row ``k`` equals ``states(times[k])`` bit for bit whatever the parts.

        Parameters
        ----------
        times : ndarray of shape (K,)
            Instants, s.
        """
        ts = _times(times)
        # Every part writes all its rows at every instant: zeros only for rows in no part.
        covered = getattr(self, "_covered", None)
        if covered is None:
            covered = self._covered = bool(self.parts) and np.array_equal(
                np.unique(np.concatenate([r for r, _ in self.parts])), np.arange(self.n))
        out = (np.empty if covered else np.zeros)((ts.shape[0], self.n, 6))
        for rows, tr, fill in self._fills:
            many = getattr(tr, "_fill_many", None)
            if many is not None:
                many(ts, out, rows)
                continue
            batched = getattr(tr, "states_many", None)
            if batched is not None:
                out[:, rows] = batched(ts)
                continue
            for k in range(ts.shape[0]):  # fallback: one instant at a time, as in states()
                if fill is None:
                    out[k, rows] = tr.states(float(ts[k]))
                else:
                    fill(float(ts[k]), out[k], rows)
        return out

    def rcs_m2(self, t: float, observer_enu: np.ndarray) -> np.ndarray:
        """Aspect-dependent radar cross-section seen from an observer, shape (n,), m^2.

        Parameters
        ----------
        t : float
            Time, s.
        observer_enu : ndarray of shape (3,) or (n, 3)
            Observer (radar) position, m.
        """
        x = self.states(t)
        return aspect_rcs_m2(x[:, :3], x[:, 3:], observer_enu, self.rcs_front_m2,
                             self.rcs_side_m2, self.rcs_tail_m2)
