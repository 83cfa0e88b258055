"""Straight-leg flight: the simplest honest threat model (constant speed between waypoints).

Legs follow the curved earth at a constant height, climb at a fixed angle after launch and end in
a terminal dive. Ballistic threats fly two straight legs through an apogee point. The threat
flight-model issue replaces these with physical models; this one stays as a baseline.
"""

from __future__ import annotations

import numpy as np

from airdefense.geo import point_above_sphere, sphere_coords
from airdefense.threats._route import egress_turn
from airdefense.threats.base import PiecewiseLinearTrajectory

__all__ = ["straight_knots", "egress_knots", "speed_ramp_knots"]

_CLIMB_DEG = 15.0
_MAX_LEG_M = 5000.0  # sagitta of a 5 km chord on the earth is 0.5 m
_TURN_CHORD_RAD = np.radians(15.0)  # an egress turn flown as chords of at most 15 deg of arc
_RAMP_STEPS = 8  # a speed change flown as this many legs


def _subdivide(ctrl_pts: np.ndarray) -> np.ndarray:
    """Control points (n, c, 3) with long legs split so that chords stay close to the curved
    path (every row the same number of points)."""
    seg = np.linalg.norm(np.diff(ctrl_pts, axis=1), axis=2)  # (n, c-1)
    nsub = np.maximum(1, np.ceil(seg.max(axis=0) / _MAX_LEG_M).astype(int))
    pts = [ctrl_pts[:, :1]]
    for j, m in enumerate(nsub):
        f = (np.arange(1, m + 1) / m)[None, :, None]
        pts.append(ctrl_pts[:, j : j + 1] + f * (ctrl_pts[:, j + 1 : j + 2] - ctrl_pts[:, j : j + 1]))
    return np.concatenate(pts, axis=1)


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
    arc = _subdivide(ctrl_pts)
    knot_p = point_above_sphere(arc[..., 0], arc[..., 1], arc[..., 2], radius_m)
    knot_p[:, 0] = launch_enu
    if apogee_m is not None or dive_angle_deg is not None:
        knot_p[:, -1] = aim_enu
    dist = np.linalg.norm(np.diff(knot_p, axis=1), axis=2)
    knot_t = launch_time_s[:, None] + np.concatenate(
        [np.zeros((n, 1)), np.cumsum(dist, axis=1) / speed_mps], axis=1
    )
    return knot_t, knot_p


def egress_knots(
    knot_t: np.ndarray,
    knot_p: np.ndarray,
    route_enu: np.ndarray,
    launch_enu: np.ndarray,
    speed_mps: float,
    turn_radius_m: float,
    cruise_height_m: float,
    radius_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Straight-leg flights extended by their way home after their last knot (the release).

    From the last knot, on the heading of the last leg, the flight turns level at
    ``turn_radius_m`` (the turn of :func:`airdefense.threats._route.egress_turn`, flown as
    chords of at most 15 deg of arc whose ends lie on the turn circle) toward the last route
    waypoint, then flies back through the route waypoints in reverse to its launch point at
    ``speed_mps``, climbing or descending at 15 deg after the turn to ``cruise_height_m``.

    Parameters
    ----------
    knot_t : ndarray of shape (n, k)
        Knot times of the flights to the release, s.
    knot_p : ndarray of shape (n, k, 3)
        Their knot positions, ENU m (k >= 2).
    route_enu : ndarray of shape (n, r, 3)
        The route waypoints flown on the way in, ENU m.
    launch_enu : ndarray of shape (n, 3)
        Launch points, ENU m (the flights end over them).
    speed_mps : float
        Speed home, m/s.
    turn_radius_m : float
        Radius of the turn after the release, m.
    cruise_height_m : float
        Height above the local sphere on the way home, m.
    radius_m : float
        Radius of the local sphere.

    Returns
    -------
    knot_t : ndarray of shape (n, k + e)
    knot_p : ndarray of shape (n, k + e, 3)
    """
    n = knot_t.shape[0]
    a_end = sphere_coords(knot_p[:, -1], radius_m)
    a_prev = sphere_coords(knot_p[:, -2], radius_m)
    u = a_end[:, :2] - a_prev[:, :2]
    u = u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-9)
    home = sphere_coords(launch_enu, radius_m)[:, :2]
    ways = sphere_coords(route_enu.reshape(-1, 3), radius_m).reshape(n, -1, 3)[:, ::-1, :2]
    target = ways[:, 0] if ways.shape[1] else home
    R = np.full(n, float(turn_radius_m))
    sign, sweep, _, _ = egress_turn(a_end[:, :2], u, target, R)
    left = np.stack([-u[:, 1], u[:, 0]], axis=1)
    centre = a_end[:, :2] + (sign * R)[:, None] * left
    th0 = np.arctan2(a_end[:, 1] - centre[:, 1], a_end[:, 0] - centre[:, 0])
    m = max(1, int(np.ceil(sweep.max() / _TURN_CHORD_RAD)))
    th = th0[:, None] + (sign * sweep)[:, None] * (np.arange(1, m + 1) / m)[None, :]
    turn = centre[:, None] + R[:, None, None] * np.stack([np.cos(th), np.sin(th)], axis=2)
    xy = np.concatenate([a_end[:, None, :2], turn, ways, home[:, None]], axis=1)
    # A knot where the climb (or descent) to the cruise height ends, on the way home.
    s = np.concatenate([np.zeros((n, 1)), np.cumsum(
        np.linalg.norm(np.diff(xy, axis=1), axis=2), axis=1)], axis=1)
    s_turn = s[:, m]
    s_cru = np.minimum(s_turn + np.abs(cruise_height_m - a_end[:, 2])
                       / np.tan(np.radians(_CLIMB_DEG)), s[:, -1])
    s_all = np.sort(np.concatenate([s, s_cru[:, None]], axis=1), axis=1)
    ctrl = np.empty(s_all.shape + (3,))
    for i in range(n):  # build time, a few flights
        ctrl[i, :, 0] = np.interp(s_all[i], s[i], xy[i, :, 0])
        ctrl[i, :, 1] = np.interp(s_all[i], s[i], xy[i, :, 1])
        ctrl[i, :, 2] = np.interp(s_all[i], [s_turn[i], s_cru[i] + 1e-9],
                                  [a_end[i, 2], cruise_height_m])
    arc = _subdivide(ctrl)[:, 1:]
    p = point_above_sphere(arc[..., 0], arc[..., 1], arc[..., 2], radius_m)
    dist = np.linalg.norm(np.diff(np.concatenate([knot_p[:, -1:], p], axis=1), axis=1), axis=2)
    t = knot_t[:, -1:] + np.cumsum(dist, axis=1) / speed_mps
    return np.concatenate([knot_t, t], axis=1), np.concatenate([knot_p, p], axis=1)


def speed_ramp_knots(
    knot_t: np.ndarray, knot_p: np.ndarray, v0_mps: np.ndarray, accel_mps2: float
) -> tuple[np.ndarray, np.ndarray]:
    """Re-time constant-speed flights so that they start at ``v0_mps`` and reach their own
    speed at a constant ``accel_mps2``.

    The speed ``v`` is the flights' own (their first leg's); the change lasts
    ``T = |v - v0| / accel``, flown as 8 legs of equal time (knots inserted on the path), each
    at the mean speed of the ramp over it, so the first leg's speed is within
    ``|v - v0| / 16`` of ``v0``.

    Parameters
    ----------
    knot_t : ndarray of shape (n, k)
        Knot times of flights at one constant speed each, s.
    knot_p : ndarray of shape (n, k, 3)
        Knot positions, ENU m.
    v0_mps : ndarray of shape (n,)
        Speed at launch, m/s.
    accel_mps2 : float
        Acceleration (or deceleration) of the change, m/s^2, > 0.

    Returns
    -------
    knot_t : ndarray of shape (n, k + 8)
    knot_p : ndarray of shape (n, k + 8, 3)
    """
    n, k = knot_t.shape
    d = np.linalg.norm(np.diff(knot_p, axis=1), axis=2)
    s = np.concatenate([np.zeros((n, 1)), np.cumsum(d, axis=1)], axis=1)
    v = s[:, -1] / np.maximum(knot_t[:, -1] - knot_t[:, 0], 1e-12)
    v0 = np.asarray(v0_mps, float)
    T = np.abs(v - v0) / accel_mps2
    a = np.where(T > 0, (v - v0) / np.maximum(T, 1e-12), 0.0)
    tj = T[:, None] * (np.arange(1, _RAMP_STEPS + 1) / _RAMP_STEPS)[None, :]
    sj = np.minimum(v0[:, None] * tj + 0.5 * a[:, None] * tj * tj, s[:, -1:])
    s_all = np.sort(np.concatenate([s, sj], axis=1), axis=1, kind="stable")
    p = np.empty((n, s_all.shape[1], 3))
    for i in range(n):  # build time, a few flights: interpolate each along its polyline
        for c in range(3):
            p[i, :, c] = np.interp(s_all[i], s[i], knot_p[i, :, c])
    s_T = v0 * T + 0.5 * a * T * T
    with np.errstate(invalid="ignore", divide="ignore"):
        in_ramp = np.where(a[:, None] != 0,
                           (np.sqrt(np.maximum(v0[:, None] ** 2 + 2 * a[:, None] * s_all, 0.0))
                            - v0[:, None]) / np.where(a != 0, a, 1.0)[:, None],
                           s_all / v[:, None])
    after = T[:, None] + (s_all - s_T[:, None]) / v[:, None]
    t = knot_t[:, :1] + np.where(s_all < s_T[:, None], in_ramp, after)
    t = np.maximum.accumulate(t, axis=1)
    return t, p


def straight_trajectory(*args, **kwargs) -> PiecewiseLinearTrajectory:
    """Build a :class:`PiecewiseLinearTrajectory` from :func:`straight_knots` arguments."""
    return PiecewiseLinearTrajectory(*straight_knots(*args, **kwargs))
