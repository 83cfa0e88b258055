"""Trajectories stored as samples and evaluated by vectorised interpolation.

:class:`HermiteTrajectory` holds positions and velocities of each threat on its own uniform time
grid and interpolates them with cubic Hermite polynomials, so evaluating every threat at one
instant costs a handful of gathers. :class:`CompositeTrajectory` stitches the trajectories of
several flight models (one per class) into the single ``states(t)`` of a ThreatSet.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
        self._rows = np.arange(self.n)

    def states(self, t: float) -> np.ndarray:
        """Return the states at time ``t``, shape (n, 6)."""
        out = np.empty((self.n, 6))
        if self.n == 0:
            return out
        tc = np.clip(t, self.t0, self.end)
        u = (tc - self.t0) / self.dt
        i = np.minimum(np.floor(u).astype(int), np.maximum(self.count - 2, 0))
        i = np.maximum(i, 0)
        s = (u - i)[:, None]
        j = np.minimum(i + 1, self.count - 1)
        p0, p1 = self.pos[self._rows, i], self.pos[self._rows, j]
        h = self.dt[:, None]
        m0, m1 = self.vel[self._rows, i] * h, self.vel[self._rows, j] * h
        s2 = s * s
        s3 = s2 * s
        out[:, :3] = (
            (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * m0
            + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * m1
        )
        vel = ((6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * m0
               + (-6 * s2 + 6 * s) * p1 + (3 * s2 - 2 * s) * m1) / h
        flying = (t >= self.t0) & (t <= self.end)
        out[:, 3:] = np.where(flying[:, None], vel, 0.0)
        return out


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
        self.parts = [(np.asarray(r, int), tr) for r, tr in parts if len(r)]
        self.rcs_front_m2 = np.asarray(rcs_front_m2, float)
        self.rcs_side_m2 = np.asarray(rcs_side_m2, float)
        self.rcs_tail_m2 = np.asarray(rcs_tail_m2, float)

    def states(self, t: float) -> np.ndarray:
        """Return the states of all threats at time ``t``, shape (n, 6)."""
        out = np.zeros((self.n, 6))
        for rows, tr in self.parts:
            out[rows] = tr.states(t)
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
