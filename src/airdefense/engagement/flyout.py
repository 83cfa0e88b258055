"""Interceptor flyout: predicted intercept points and time of flight (constant speed)."""

from __future__ import annotations

import numpy as np

__all__ = ["intercept_time", "closest_approach"]


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
    out = np.full(a.shape, np.inf)
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
    r = np.asarray(q0, float) - np.asarray(p0, float)
    w = np.asarray(w0, float) - np.asarray(v0, float)
    ww = np.sum(w * w, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(ww > 0, -np.sum(r * w, axis=-1) / np.where(ww > 0, ww, 1.0), 0.0)
    tau = np.clip(tau, 0.0, dt)
    miss = np.linalg.norm(r + w * tau[..., None], axis=-1)
    return tau, miss
