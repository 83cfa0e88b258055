"""Straight-leg flight: the simplest honest threat model (constant speed between waypoints).

Legs follow the curved earth at a constant height, climb at a fixed angle after launch and end in
a terminal dive. Ballistic threats fly two straight legs through an apogee point. The threat
flight-model issue replaces these with physical models; this one stays as a baseline.
"""

from __future__ import annotations

import numpy as np

from airdefense.geo import point_above_sphere, sphere_coords
from airdefense.threats.base import PiecewiseLinearTrajectory

__all__ = ["straight_knots"]

_CLIMB_DEG = 15.0
_MAX_LEG_M = 5000.0  # sagitta of a 5 km chord on the earth is 0.5 m


def straight_knots(
    launch_enu: np.ndarray,
    aim_enu: np.ndarray,
    route_enu: np.ndarray,
    launch_time_s: np.ndarray,
    speed_mps: float,
    cruise_height_m: float,
    dive_angle_deg: float | None,
    radius_m: float,
    apogee_m: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Knot times and positions of straight-leg flights.

    Parameters
    ----------
    launch_enu, aim_enu : ndarray of shape (n, 3)
        Launch and aim points, m.
    route_enu : ndarray of shape (n, r, 3)
        Intermediate waypoints (their heights are ignored: legs fly at ``cruise_height_m``).
    launch_time_s : ndarray of shape (n,)
    speed_mps : float
        Constant speed along the path.
    cruise_height_m : float
        Height above the local sphere in cruise.
    dive_angle_deg : float or None
        Terminal dive angle below the horizon; None for a level arrival over the aim point.
    radius_m : float
        Radius of the local sphere (``Frame.radius_m``).
    apogee_m : float, optional
        If given, the flight is two legs through a point at this height over mid-range.

    Returns
    -------
    knot_t : ndarray of shape (n, k)
    knot_p : ndarray of shape (n, k, 3)
    """
    n = launch_enu.shape[0]
    a0 = sphere_coords(launch_enu, radius_m)  # (n, 3) arc-east, arc-north, height
    a1 = sphere_coords(aim_enu, radius_m)
    ar = sphere_coords(route_enu.reshape(-1, 3), radius_m).reshape(n, -1, 3)
    if apogee_m is not None:
        mid = 0.5 * (a0 + a1)
        mid[:, 2] = apogee_m
        ctrl = [a0[:, None], mid[:, None], a1[:, None]]
    else:
        h = cruise_height_m
        first = ar[:, 0, :2] if ar.shape[1] else a1[:, :2]
        # Climb (or descend, from an air launch or a release) to the cruise height.
        climb_d = np.abs(h - a0[:, 2]) / np.tan(np.radians(_CLIMB_DEG))
        d0 = first - a0[:, :2]
        u0 = d0 / np.maximum(np.linalg.norm(d0, axis=1, keepdims=True), 1e-9)
        top = np.concatenate([a0[:, :2] + u0 * climb_d[:, None], np.full((n, 1), h)], axis=1)
        legs = [a0[:, None], top[:, None]]
        if ar.shape[1]:
            legs.append(np.concatenate([ar[..., :2], np.full(ar.shape[:2] + (1,), h)], axis=2))
        last = ar[:, -1, :2] if ar.shape[1] else a0[:, :2]
        if dive_angle_deg is not None:
            d1 = a1[:, :2] - last
            u1 = d1 / np.maximum(np.linalg.norm(d1, axis=1, keepdims=True), 1e-9)
            dive_d = (h - a1[:, 2]) / np.tan(np.radians(dive_angle_deg))
            dive = np.concatenate([a1[:, :2] - u1 * dive_d[:, None], np.full((n, 1), h)], axis=1)
            legs += [dive[:, None], a1[:, None]]
        else:
            over = np.concatenate([a1[:, :2], np.full((n, 1), h)], axis=1)
            legs.append(over[:, None])
        ctrl = legs
    ctrl_pts = np.concatenate(ctrl, axis=1)  # (n, c, 3) in arc coordinates
    # Subdivide long legs so that chords stay close to the curved path.
    seg = np.linalg.norm(np.diff(ctrl_pts, axis=1), axis=2)  # (n, c-1)
    nsub = np.maximum(1, np.ceil(seg.max(axis=0) / _MAX_LEG_M).astype(int))
    pts = [ctrl_pts[:, :1]]
    for j, m in enumerate(nsub):
        f = (np.arange(1, m + 1) / m)[None, :, None]
        pts.append(ctrl_pts[:, j : j + 1] + f * (ctrl_pts[:, j + 1 : j + 2] - ctrl_pts[:, j : j + 1]))
    arc = np.concatenate(pts, axis=1)
    knot_p = point_above_sphere(arc[..., 0], arc[..., 1], arc[..., 2], radius_m)
    knot_p[:, 0] = launch_enu
    if apogee_m is not None or dive_angle_deg is not None:
        knot_p[:, -1] = aim_enu
    dist = np.linalg.norm(np.diff(knot_p, axis=1), axis=2)
    knot_t = launch_time_s[:, None] + np.concatenate(
        [np.zeros((n, 1)), np.cumsum(dist, axis=1) / speed_mps], axis=1
    )
    return knot_t, knot_p


def straight_trajectory(*args, **kwargs) -> PiecewiseLinearTrajectory:
    """Build a :class:`PiecewiseLinearTrajectory` from :func:`straight_knots` arguments."""
    return PiecewiseLinearTrajectory(*straight_knots(*args, **kwargs))
