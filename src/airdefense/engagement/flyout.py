"""Interceptor flyout: boost-coast speed profiles, time of flight and intercept solving.

An interceptor accelerates uniformly from its launch speed ``v0`` to its burnout speed ``vb``
during the burn time ``tb``, then coasts against quadratic drag, ``dv/dt = -k v^2``:

* boost (``tau <= tb``): ``v = v0 + (vb - v0) tau / tb``,
  ``s = v0 tau + (vb - v0) tau^2 / (2 tb)``;
* coast: ``v = vb / (1 + k vb (tau - tb))``, ``s = s_b + ln(1 + k vb (tau - tb)) / k``.

Both the distance flown and its inverse (the time of flight to a given distance) are closed
forms, so intercepts solve quickly for many pairs at once. The drag constant ``k`` of a type is
calibrated so that the interceptor reaches its maximum range at its catalog average speed
(``max_range_m / speed_mps`` seconds), which keeps the catalog's figures consistent. A gun
round has no boost (``tb = 0``, ``v0 = vb`` = muzzle velocity).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from airdefense.engagement import _kernels

__all__ = ["Flyout", "calibrate_drag", "intercept_time", "closest_approach", "solve_intercept",
           "ballistic_path", "GRAVITY_MPS2"]

GRAVITY_MPS2 = 9.80665


def calibrate_drag(burnout_speed_mps: float, burn_time_s: float, launch_speed_mps: float,
                   max_range_m: float, mean_speed_mps: float) -> float:
    """Drag constant ``k`` (1/m) that flies ``max_range_m`` in ``max_range_m / mean_speed_mps``.

    Parameters
    ----------
    burnout_speed_mps, burn_time_s, launch_speed_mps : float
        Boost figures (m/s, s, m/s).
    max_range_m : float
        Range to reach, m.
    mean_speed_mps : float
        Average speed over that range, m/s.

    Returns
    -------
    float
        ``k`` in 1/m; 0 when even a drag-free coast is not faster than the mean speed.

    Examples
    --------
    >>> k = calibrate_drag(1000.0, 3.0, 0.0, 16000.0, 850.0)
    >>> f = Flyout.single(1000.0, 3.0, 0.0, k)
    >>> round(float(f.time_to(16000.0)[0]), 3)
    18.824
    """
    return _calibrate_drag(float(burnout_speed_mps), float(burn_time_s),
                           float(launch_speed_mps), float(max_range_m), float(mean_speed_mps))


@functools.lru_cache(maxsize=256)
def _calibrate_drag(vb: float, tb: float, v0: float, max_range_m: float,
                    mean_speed_mps: float) -> float:
    """:func:`calibrate_drag` of floats, kept by value: each run's launchers calibrate the
    same few interceptor types again (a bisection of about 50 steps each, most of the cost of
    a run's launcher state), and the result depends on these five numbers only."""
    T = max_range_m / mean_speed_mps
    sb = 0.5 * (v0 + vb) * tb
    if T <= tb:  # the range is reached during the boost
        return 0.0
    D = max_range_m - sb
    c = T - tb
    if vb * c <= D:
        return 0.0
    lo, hi = 1e-12, 1.0
    while np.log1p(hi * vb * c) / hi > D and hi < 1e12:  # a short coast: a steep drag
        lo, hi = hi, 16.0 * hi
    for _ in range(200):  # ln(1 + k vb c) / k falls monotonically with k
        mid = np.sqrt(lo * hi)
        if np.log1p(mid * vb * c) / mid > D:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-12:
            break
    return float(np.sqrt(lo * hi))


@dataclass
class Flyout:
    """Boost-coast flyout figures of one or more interceptors (arrays broadcast together).

    Attributes
    ----------
    vb : ndarray
        Burnout speed (muzzle velocity for a gun), m/s.
    tb : ndarray
        Burn time, s (0 for a gun).
    v0 : ndarray
        Speed at launch, m/s.
    k : ndarray
        Coast drag constant, 1/m (``dv/dt = -k v^2``).
    """

    vb: np.ndarray
    tb: np.ndarray
    v0: np.ndarray
    k: np.ndarray

    @classmethod
    def single(cls, vb: float, tb: float, v0: float, k: float) -> Flyout:
        """One interceptor's flyout (arrays of shape (1,))."""
        return cls(np.array([vb], float), np.array([tb], float), np.array([v0], float),
                   np.array([k], float))

    @classmethod
    def from_preset(cls, preset) -> Flyout:
        """Flyout of an :class:`~airdefense.engagement.presets.InterceptorPreset`."""
        vb = preset.burnout_speed_mps or preset.speed_mps
        tb = preset.burn_time_s or 0.0
        v0 = vb if tb == 0.0 else 0.0
        if preset.burnout_speed_mps is None:  # constant speed
            return cls.single(vb, 0.0, vb, 0.0)
        k = calibrate_drag(vb, tb, v0, preset.max_range_m, preset.speed_mps)
        return cls.single(vb, tb, v0, k)

    @classmethod
    def stack(cls, flyouts: list[Flyout]) -> Flyout:
        """Concatenate single flyouts into arrays of shape (n,)."""
        if not flyouts:
            z = np.zeros(0)
            return cls(z, z, z, z)
        return cls(*(np.concatenate([getattr(f, a) for f in flyouts]) for a in
                     ("vb", "tb", "v0", "k")))

    def take(self, idx) -> Flyout:
        """Flyout figures of the entries ``idx`` (fancy indexing)."""
        return Flyout(self.vb[idx], self.tb[idx], self.v0[idx], self.k[idx])

    # -- kinematics -------------------------------------------------------------------
    def _coast(self, tau):
        c = np.maximum(tau - self.tb, 0.0)
        x = self.k * self.vb * c
        return c, x

    def speed(self, tau) -> np.ndarray:
        """Speed at time ``tau`` since launch, m/s (broadcast with the figures)."""
        tau = np.asarray(tau, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            boost = self.v0 + (self.vb - self.v0) * np.where(self.tb > 0, tau / self.tb, 1.0)
        _, x = self._coast(tau)
        coast = self.vb / (1.0 + x)
        return np.where(tau < self.tb, boost, coast)

    def distance(self, tau) -> np.ndarray:
        """Distance flown by time ``tau`` since launch, m (0 before launch)."""
        tau = np.maximum(np.asarray(tau, float), 0.0)
        tb_ = np.minimum(tau, self.tb)
        with np.errstate(divide="ignore", invalid="ignore"):
            s_boost = self.v0 * tb_ + 0.5 * (self.vb - self.v0) * np.where(
                self.tb > 0, tb_ * tb_ / self.tb, 0.0)
            c, x = self._coast(tau)
            s_coast = np.where(self.k > 0, np.log1p(x) / np.where(self.k > 0, self.k, 1.0),
                               self.vb * c)
        return s_boost + s_coast

    def time_to(self, dist) -> np.ndarray:
        """Time of flight to distance ``dist`` (m), s: the inverse of :meth:`distance`."""
        s = np.maximum(np.asarray(dist, float), 0.0)
        sb = 0.5 * (self.v0 + self.vb) * self.tb
        a = 0.5 * (self.vb - self.v0) / np.where(self.tb > 0, self.tb, 1.0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            quad = np.where(a > 1e-12,
                            (-self.v0 + np.sqrt(self.v0 ** 2 + 4.0 * a * s)) / (2.0 * a),
                            s / np.maximum(self.v0, 1e-9))
            rest = s - sb
            coast = self.tb + np.where(self.k > 0,
                                       np.expm1(self.k * rest) / (self.k * self.vb),
                                       rest / self.vb)
        return np.where(s <= sb, quad, coast)

    def mean_speed(self, dist) -> np.ndarray:
        """Average speed over a flight of ``dist`` metres, m/s."""
        d = np.asarray(dist, float)
        return d / np.maximum(self.time_to(d), 1e-12)


def ballistic_path(x: np.ndarray, gravity: np.ndarray | None = None
                   ) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Predicted path of tracks: constant acceleration from state ``x``.

    Parameters
    ----------
    x : ndarray of shape (m, 6)
        Track states at the prediction origin.
    gravity : ndarray of shape (m,) or None
        Downward acceleration of each track, m/s^2 (``GRAVITY_MPS2`` for a ballistic track,
        0 for a straight-line one); None is all straight-line.

    Returns
    -------
    callable
        ``path(u (m, ...), with_vel=True) -> (pos (m, ..., 3), vel (m, ..., 3) or None)`` at
        times ``u`` ahead, s (compiled: :func:`airdefense.engagement._kernels.path_at`).
    """
    x = np.asarray(x, float)
    g = np.zeros(x.shape[0]) if gravity is None else np.asarray(gravity, float)

    def path(u, with_vel: bool = True):
        u = np.asarray(u, float)
        m = x.shape[0]
        lead = np.broadcast_shapes((m,) + (1,) * (u.ndim - 1), u.shape) if u.ndim else (m,)
        K = int(np.prod(lead[1:], dtype=np.int64))
        uu = np.ascontiguousarray(np.broadcast_to(u, lead)).reshape(lead[0], K)
        xs = np.ascontiguousarray(np.broadcast_to(x, (lead[0], 6)))
        gs = np.ascontiguousarray(np.broadcast_to(g, lead[:1]))
        pos, vel = _kernels.path_states(xs, gs, uu, bool(with_vel))
        return pos.reshape(lead + (3,)), (vel.reshape(lead + (3,)) if with_vel else None)

    # The intercept kernels take the path as its state and gravity.
    path.state = np.ascontiguousarray(x)
    path.gravity = np.ascontiguousarray(g, dtype=float)
    return path


def solve_intercept(path, origin: np.ndarray, flyout: Flyout, horizon_s: np.ndarray,
                    tau0: np.ndarray | float = 0.0, n_grid: int = 16, n_iter: int = 5,
                    tol_m: float = 0.01, u0: np.ndarray | None = None) -> np.ndarray:
    """First time at which an interceptor meets a target on its predicted path.

    Solves ``f(u) = s(tau0 + u) - s(tau0) - |P(u) - origin| = 0`` for the smallest ``u > 0``
    (straight flight from ``origin`` to the intercept point): a grid search for the first sign
    change, then safeguarded Newton steps inside that bracket, pair by pair in compiled code.
    Shapes: ``path`` holds m targets; ``origin`` is (L, 3) or (m, L, 3); flyout figures,
    ``horizon_s`` and ``tau0`` broadcast to (m, L).

    Parameters
    ----------
    path : callable
        The targets' predicted path, from :func:`ballistic_path`.
    origin : ndarray
        Interceptor positions, m.
    flyout : Flyout
        Figures broadcasting to (m, L).
    horizon_s : ndarray
        Longest time ahead searched, s.
    tau0 : float or ndarray, default 0
        Time since launch of interceptors already in flight, s.
    n_grid, n_iter : int
        Grid points, and most Newton/bisection steps.
    tol_m : float, default 0.01
        A pair's steps stop once its gap ``|f(u)|`` is below this, m.
    u0 : ndarray, optional
        A previous solution broadcasting to (m, L), s (NaN: none): searched near it first.

    Returns
    -------
    ndarray of shape (m, L)
        Time to intercept ``u``, s; ``inf`` where none within the horizon.
    """
    x = getattr(path, "state", None)
    if x is None:
        raise TypeError(f"path must come from ballistic_path, got {path!r}")
    m = x.shape[0]
    origin = np.asarray(origin, float)
    origin = origin.reshape((1,) * (3 - origin.ndim) + origin.shape)
    args = [_grid2(a) for a in (flyout.vb, flyout.tb, flyout.v0, flyout.k, horizon_s, tau0,
                                np.nan if u0 is None else u0)]
    shape = np.broadcast_shapes((m, 1), origin.shape[:-1], *(a.shape for a in args))
    if len(shape) != 2:
        raise ValueError(f"solve_intercept: the pairs must form (m, L), got shape {shape}")
    return _kernels.solve_intercepts(
        x, path.gravity, np.ascontiguousarray(origin), *args,
        int(n_grid), int(n_iter), float(tol_m))


def _grid2(a) -> np.ndarray:
    """``a`` as a contiguous 2-D float array (leading axes of length 1 added)."""
    a = np.asarray(a, float)
    return np.ascontiguousarray(a.reshape((1,) * (2 - a.ndim) + a.shape))


def intercept_time(shooter_enu, speed_mps, target_pos, target_vel) -> np.ndarray:
    """Time for a constant-speed interceptor to meet a constant-velocity target.

    Solves ``|p + v tau - s| = u tau`` for the smallest positive ``tau``. Arrays broadcast, so
    ``shooter_enu`` of shape (1, m, 3) against targets of shape (q, 1, 3) gives (q, m).

    Parameters
    ----------
    shooter_enu : array_like of shape (..., 3)
        Launch points, m.
    speed_mps : array_like of shape (...)
        Interceptor average speeds, m/s.
    target_pos, target_vel : array_like of shape (..., 3)
        Target position (m) and velocity (m/s) at launch time.

    Returns
    -------
    ndarray
        Time of flight, s; ``inf`` where no intercept exists.
    """
    d = np.asarray(target_pos, float) - np.asarray(shooter_enu, float)
    v = np.asarray(target_vel, float)
    u = np.asarray(speed_mps, float)
    a = np.sum(v * v, axis=-1) - u * u
    b = 2.0 * np.sum(d * v, axis=-1)
    c = np.sum(d * d, axis=-1)
    a, b, c = np.broadcast_arrays(a, b, c)
    lin = np.abs(a) < 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        t_lin = np.where(lin & (b < 0), -c / np.where(b != 0, b, 1.0), np.inf)
        disc = b * b - 4.0 * a * c
        sq = np.sqrt(np.maximum(disc, 0.0))
        r1 = (-b - sq) / (2.0 * np.where(lin, 1.0, a))
        r2 = (-b + sq) / (2.0 * np.where(lin, 1.0, a))
    r1 = np.where(r1 > 0, r1, np.inf)
    r2 = np.where(r2 > 0, r2, np.inf)
    quad = np.where(disc >= 0, np.minimum(r1, r2), np.inf)
    out = np.where(lin, t_lin, quad)
    out = np.where(c < 1e-12, 0.0, out)
    return out


def closest_approach(p0, v0, q0, w0, dt) -> tuple[np.ndarray, np.ndarray]:
    """Closest approach of two points moving linearly over ``[0, dt]``.

    Parameters
    ----------
    p0, v0 : ndarray of shape (m, 3)
        First point's position (m) and velocity (m/s) at the start of the step.
    q0, w0 : ndarray of shape (m, 3)
        Second point's position and velocity.
    dt : float or ndarray of shape (m,)
        Step length, s.

    Returns
    -------
    tau : ndarray of shape (m,)
        Time of closest approach within the step, s.
    miss : ndarray of shape (m,)
        Distance at that time, m.
    """
    arrs = np.broadcast_arrays(*(np.asarray(a, float) for a in (p0, v0, q0, w0)))
    shape = arrs[0].shape[:-1]
    flat = [np.ascontiguousarray(a.reshape(-1, 3)) for a in arrs]
    dt = np.ascontiguousarray(np.broadcast_to(np.asarray(dt, float), shape).ravel())
    tau, miss = _kernels.closest_approaches(*flat, dt)
    return tau.reshape(shape), miss.reshape(shape)
