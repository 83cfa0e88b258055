"""Fly one raid group of route-following threats (drone, cruise missile, aircraft, helicopter).

The class modules (:mod:`~airdefense.threats.drone`, :mod:`~airdefense.threats.cruise`,
:mod:`~airdefense.threats.aircraft`) only say how their class climbs, cruises and ends its flight
(a :class:`Profile`); this module turns that and the group's geometry into a
:class:`~airdefense.threats._route.RouteTrajectory`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from airdefense.errors import ScenarioError
from airdefense.geo import G0_MPS2, sphere_coords
from airdefense.threats import _kernels as _k
from airdefense.threats._route import (
    PiecewiseQuadratic,
    RouteGeometry,
    RouteTrajectory,
    _diff,
    blend_eval,
    blend_knots,
    blend_overflow,
    break_turn_radius_m,
    egress_turn,
    join_geometry,
    plan_route,
    terrain_envelope,
    turn_radius_m,
)

__all__ = ["Profile", "RouteGroup", "fly_route_group", "release_accel_mps2", "TERRAIN_STEP_M"]

TERRAIN_STEP_M = 200.0  # spacing of terrain samples along a path
_LONG_ACCEL_G = 0.3  # longitudinal acceleration when the ground speed changes
_MIN_GAP_M = 1e-3  # knots of the distance profile closer than this are one
_SUB_BLENDS = 8  # chords a steep corner's ground speed follows (see _refine_blends)
_SUB_COS = 0.005  # a corner is steep where cos(gamma) changes by more than this


@dataclass
class Profile:
    """How a class flies its route vertically.

    Attributes
    ----------
    climb_angle_rad : float
        Climb (and descent) angle between launch height and cruise height.
    waypoint_heights : bool
        Fly at each route waypoint's own height (aircraft, drones); else at ``clearance_m``.
    clearance_m : float
        Cruise height over the reference surface (the sphere, or the terrain envelope).
    dive_angle_rad : float or None
        Terminal dive onto the aim point; None to end level over it (weapon release).
    popup_m : float or None
        Pop-up height over the reference surface before the dive.
    terrain_following : bool
        Fly over the slope-limited terrain envelope when the scenario has terrain.
    vertical_accel_g : float
        Vertical acceleration that sizes the rounding of the altitude profile's corners, g.
    """

    climb_angle_rad: float
    waypoint_heights: bool
    clearance_m: float
    dive_angle_rad: float | None
    popup_m: float | None
    terrain_following: bool
    vertical_accel_g: float


@dataclass
class RouteGroup:
    """What :func:`fly_route_group` needs of one raid group.

    Attributes
    ----------
    name, preset_name : str
    preset : ThreatPreset
    launch, aim : ndarray of shape (n, 3)
        ENU m.
    route : ndarray of shape (n, r, 3)
        Jittered waypoints, ENU m.
    nominal_route : ndarray of shape (r, 3)
    nominal_aim : ndarray of shape (3,)
    launch_t : ndarray of shape (n,)
    leg_speed_mps : ndarray of shape (r + 1,) or None
        Airspeed on each leg (default the preset's speed).
    loiter_s : float
        Loiter time at the last route waypoint, s (rounded to whole orbits).
    wind_enu_mps : ndarray of shape (2,)
        Steady wind (east, north), m/s.
    wind_field : str, default "raid.<name>.overrides.wind_speed_mps"
        The scenario field the wind comes from (named by a wind error).
    field, label : str, optional
        For munitions released by a group: the scenario field every flight error names (its
        platform's preset, which names the weapon) and how messages call the flights (default:
        the fields of ``raid.<name>`` and "raid group '<name>'", threat by index).
    hold_launch_height : bool, default False
        Cruise at each flight's own launch height instead of ``prof.clearance_m`` (a glide
        munition: no climb after its release); needs no route and no terrain following.
    egress : bool, default False
        After reaching ``aim`` (its release point) the flight turns and flies home (see
        :func:`fly_route_group`); needs a profile that ends level (no terminal dive).
    initial_speed_mps : ndarray of shape (n,), optional
        Ground speed along the path at launch, m/s (a munition: its platform's at release);
        the flight then changes to its own speed at :func:`release_accel_mps2` of its preset
        (default: it starts at its own speed).
    """

    name: str
    preset_name: str
    preset: object
    launch: np.ndarray
    aim: np.ndarray
    route: np.ndarray
    nominal_route: np.ndarray
    nominal_aim: np.ndarray
    launch_t: np.ndarray
    leg_speed_mps: np.ndarray | None
    loiter_s: float
    wind_enu_mps: np.ndarray
    wind_field: str | None = None
    field: str | None = None
    label: str | None = None
    hold_launch_height: bool = False
    egress: bool = False
    initial_speed_mps: np.ndarray | None = None


def _ground_speed(u: np.ndarray, va: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Ground speed along unit tracks ``u`` (..., 2) at airspeeds ``va`` in wind ``w`` (2,)."""
    along = u @ w
    cross = u[..., 0] * w[1] - u[..., 1] * w[0]
    return along + np.sqrt(np.maximum(va * va - cross * cross, 0.0))


def _terrain_heights(terrain, frame_alt_m: float, radius_m: float, arc_pts: np.ndarray):
    """Terrain height above the frame's sphere under surface-arc points, m (0 m MSL off-grid)."""
    elev = np.asarray(terrain.elevation_m(arc_pts[..., 0], arc_pts[..., 1]), float)
    return np.nan_to_num(elev, nan=0.0) - frame_alt_m


def _strictly_increasing(xs: np.ndarray) -> np.ndarray:
    """A copy of the knots ``xs`` (n, k), each at least 1 mm past the one before it."""
    return _k.strictly_increasing(np.array(xs, dtype=float, order="C"))


#: Nominal routes found flyable, by their :func:`plan_route` inputs' bytes: a raid group's
#: nominal route (scenario values only) is planned once, not at every replication.
_NOMINAL_OK: set[bytes] = set()
_NOMINAL_MAX = 256  # keys kept (all dropped when full)


def _check_nominal(points: np.ndarray, turn_radius_m: float, tail_m: np.ndarray, orbits: int,
                   group: str) -> None:
    """Raise the ScenarioError of :func:`plan_route` if a group's nominal route (``points``
    (1, r + 2, 2), m) cannot be flown; routes found flyable before are not planned again."""
    rt, orb = np.array([turn_radius_m], float), np.array([orbits], np.int64)
    tail = np.asarray(tail_m, float).reshape(1)
    key = b"\0".join([group.encode(), np.ascontiguousarray(points, float).tobytes(),
                      rt.tobytes(), tail.tobytes(), orb.tobytes()])
    if key in _NOMINAL_OK:
        return
    plan_route(points, rt, tail, orb, group)
    if len(_NOMINAL_OK) >= _NOMINAL_MAX:
        _NOMINAL_OK.clear()
    _NOMINAL_OK.add(key)


def fly_route_group(
    g: RouteGroup, prof: Profile, radius_m: float, terrain=None, frame_alt_m: float = 0.0
) -> RouteTrajectory:
    """Fly every threat of a route-following raid group.

    Parameters
    ----------
    g : RouteGroup
    prof : Profile
    radius_m : float
        Radius of the frame's sphere, m.
    terrain : object with ``elevation_m(east_m, north_m)``, optional
        Terrain elevation above mean sea level (the datum of the origin's ``alt_m``) at
        surface-arc offsets, m; NaN off the grid (taken as sea level), as
        :class:`airdefense.terrain.Terrain`.
    frame_alt_m : float
        The frame origin's ellipsoidal height (terrain heights are shifted by it).

    Returns
    -------
    RouteTrajectory

    Raises
    ------
    ScenarioError
        If a waypoint cannot be reached within the turn limits, the wind is too strong, a loiter
        has no waypoint, or a fixed cruise height is below the terrain.
    """
    p = g.preset
    n, r = g.route.shape[0], g.route.shape[1]
    path = f"raid.{g.name}"
    a0 = sphere_coords(g.launch, radius_m)
    a1 = sphere_coords(g.aim, radius_m)
    ar = sphere_coords(g.route.reshape(-1, 3), radius_m).reshape(n, r, 3)
    va = (np.full(r + 1, p.speed_mps) if g.leg_speed_mps is None
          else np.asarray(g.leg_speed_mps, float))
    w = np.asarray(g.wind_enu_mps, float)
    wmag = float(np.hypot(*w))
    if wmag >= 0.9 * va.min():
        raise ScenarioError(g.wind_field or g.field or f"{path}.overrides.wind_speed_mps",
                            f"wind of {wmag:.1f} m/s must be below 90% of the airspeed "
                            f"({va.min():.1f} m/s) of {g.label or f'raid group {g.name!r}'}")
    if g.hold_launch_height and (r or (terrain is not None and prof.terrain_following)):
        raise ValueError("hold_launch_height needs a flight with no route over no terrain")
    if g.loiter_s > 0 and r == 0:
        raise ScenarioError(f"{path}.route", f"loiter_s = {g.loiter_s:g} s needs at least one "
                            "route waypoint to orbit; the route is empty")
    radius_turn = float(turn_radius_m(va.max() + wmag, p.bank_limit_deg))
    orbits = 0 if g.loiter_s <= 0 else max(1, int(round(
        g.loiter_s * va[-1] / (2 * np.pi * radius_turn))))
    tan_c = np.tan(prof.climb_angle_rad)
    # The corners of the height profile are blended at the class's vertical acceleration at
    # the greatest ground speed (a released munition's platform's speed included).
    v_max = va.max() + wmag
    if g.initial_speed_mps is not None:
        v_max = max(v_max, float(np.max(g.initial_speed_mps)) + wmag)
    curv = prof.vertical_accel_g * G0_MPS2 / v_max**2  # largest |h''(s)| of the blends

    # Heights over the reference surface at the waypoints, and what the tail needs.
    use_terrain = terrain is not None and prof.terrain_following
    clear = prof.clearance_m

    def tail_len(h_last, h_aim):
        if prof.dive_angle_rad is None:
            return np.zeros_like(h_aim)
        tan_d = np.tan(prof.dive_angle_rad)
        if prof.popup_m is not None:
            top = popup_top(h_last)
            return (top - h_last) / tan_c + np.maximum(top - h_aim, 0.0) / tan_d
        return np.maximum(h_last - h_aim, 0.0) / tan_d

    def popup_top(h_last):
        # The corner of the pop-up's polyline: above the pop-up height by what the blend into
        # the dive cuts off, tan(c) tan(d) / (2 curv), so the flown apex is the pop-up height.
        cut = tan_c * np.tan(prof.dive_angle_rad) / (2 * curv)
        return np.maximum(prof.popup_m + cut, h_last)

    def tail_need(h_last, h_aim):
        # The straight final leg also holds the first half of the blend into the tail, so
        # that corner is not flown in the last turn.
        if prof.dive_angle_rad is None:
            return tail_len(h_last, h_aim)
        slope = tan_c if prof.popup_m is not None else np.tan(prof.dive_angle_rad)
        return tail_len(h_last, h_aim) + slope / (2 * curv)

    def way_heights(route_arc):
        if prof.waypoint_heights and r:
            return route_arc[..., 2]
        return np.full(route_arc.shape[:-1], clear)

    def aim_over_ref(aim_arc):
        if use_terrain:
            return aim_arc[..., 2] - _terrain_heights(terrain, frame_alt_m, radius_m,
                                                      aim_arc[..., :2])
        return aim_arc[..., 2]

    def last_height(route_arc):
        hw = way_heights(route_arc)
        return hw[..., -1] if r else np.full(route_arc.shape[:-2], clear)

    # Validate the nominal route (un-jittered) with errors; rows whose jitter breaks the turn
    # limits fly the nominal waypoints instead.
    nom_arc = sphere_coords(g.nominal_route.reshape(-1, 3), radius_m).reshape(1, r, 3)
    nom_aim = sphere_coords(g.nominal_aim[None], radius_m)
    nom_pts = np.concatenate([a0[:1, None, :2], nom_arc[..., :2], nom_aim[:, None, :2]], axis=1)
    tail_nom = tail_need(last_height(nom_arc), aim_over_ref(nom_aim))
    _check_nominal(nom_pts, radius_turn, tail_nom, orbits, g.name)

    def rows_last(route_arc):
        # A flight that holds its launch height (no route, no terrain) cruises at it.
        return a0[:, 2] if g.hold_launch_height else last_height(route_arc)

    pts = np.concatenate([a0[:, None, :2], ar[..., :2], a1[:, None, :2]], axis=1)
    tail = tail_need(rows_last(ar), aim_over_ref(a1))
    rt = np.full(n, radius_turn)
    orb = np.full(n, orbits)
    geo, wp_s, ok = plan_route(pts, rt, tail, orb, g.name, check=False)
    if not ok.all():
        ar = np.where(ok[:, None, None], ar, nom_arc)
        pts = np.concatenate([a0[:, None, :2], ar[..., :2], a1[:, None, :2]], axis=1)
        tail = tail_need(rows_last(ar), aim_over_ref(a1))
        geo, wp_s, _ = plan_route(pts, rt, tail, orb, g.name, check=True)
    tail = tail_len(rows_last(ar), aim_over_ref(a1))
    L = L_in = geo.length
    if g.egress:
        if prof.dive_angle_rad is not None:
            raise ValueError("egress needs a flight that ends level (no terminal dive)")
        geo, egress = _egress(g, geo, ar, a0, va.max(), w, wmag)
        L = geo.length

    # Reference surface along the path.
    ground = None
    if use_terrain:
        m = int(np.ceil(L.max() / TERRAIN_STEP_M)) + 1
        ds = np.maximum(L / (m - 1), 1e-3)
        sq = np.arange(m)[None, :] * ds[:, None]
        pt, _ = geo.at(sq)
        elev = _terrain_heights(terrain, frame_alt_m, radius_m, pt)
        env = terrain_envelope(elev, ds, np.full(n, tan_c))
        ground = (env, ds)
        g0, g1 = env[:, 0], env[:, -1]
    else:
        g0 = g1 = np.zeros(n)

    # Altitude profile knots (path distance, height over the reference surface).
    hw = way_heights(ar)
    h_first = hw[:, 0] if r else np.full(n, clear)
    h_last = hw[:, -1] if r else np.full(n, clear)
    if g.hold_launch_height:
        h_first = h_last = rows_last(ar)
    h_launch = a0[:, 2] - g0
    h_aim = a1[:, 2] - g1
    s_tail = L_in - tail
    s_next = wp_s[:, 0] if r else s_tail
    xs, ys = [np.zeros(n)], [h_launch]
    # What each knot is, for errors: (scenario field, description).
    own = g.field or f"{path}.overrides"
    labels = [None]
    s_lvl = np.zeros(n)
    if g.initial_speed_mps is not None and not g.hold_launch_height:
        # A released munition leaves level, on its platform's (level) flight path: a level
        # run of twice the blend half-width tan_c / (2 curv), so the corner into its climb or
        # descent is rounded after its release, not before it.
        s_lvl = np.minimum(tan_c / curv, 0.25 * s_next)
        xs.append(s_lvl)
        ys.append(h_launch)
        labels.append((g.field or f"{path}.launch", "the end of the level run after the release"))
    # A small height change is flown at a shallower angle, where the climb angle would leave
    # its two corners too little room: |dh| / slope >= 2 slope / (2 curv).
    dh = np.abs(h_first - h_launch)
    slope = np.maximum(np.minimum(tan_c, np.sqrt(dh * curv)), 1e-9)
    xs.append(s_lvl + np.minimum(dh / slope, 0.5 * (s_next - s_lvl)))
    ys.append(h_first)
    labels.append((f"{path}.route[0].alt_m" if r and prof.waypoint_heights
                   else g.field or f"{path}.launch", "the end of the climb after the launch"))
    for j in range(r):
        xs.append(wp_s[:, j])
        ys.append(hw[:, j])
        labels.append((f"{path}.route[{j}]", f"route waypoint {j}"))
    tail_what = (f"{own}.popup_height_m" if g.field is None else own, "the start of the pop-up")
    if prof.dive_angle_rad is None:
        xs.append(L_in)
        ys.append(h_last)
        if g.egress:  # after the turn, to the cruise height at the climb angle, and home
            s_turn = L_in + egress[0][:, 0] * 2.0
            dh = np.abs(clear - h_last)
            slope = np.maximum(np.minimum(tan_c, np.sqrt(dh * curv)), 1e-9)
            s_cru = s_turn + np.minimum(dh / slope, 0.5 * (L - s_turn))
            xs += [s_turn, s_cru, L]
            ys += [h_last, np.full(n, clear), np.full(n, clear)]
            lab = (g.field or f"{path}.overrides.cruise_altitude_m", "the climb after the egress")
            labels += [("", "the release"), lab, lab]
    elif prof.popup_m is not None:
        top = popup_top(h_last)
        s_top = s_tail + (top - h_last) / tan_c
        xs += [s_tail, s_top, L]
        ys += [h_last, top, h_aim]
        labels += [tail_what, ((f"{own}.popup_height_m" if g.field is None else own),
                               "the pull-over from the pop-up into the dive")]
    else:
        xs += [s_tail, L]
        ys += [h_last, h_aim]
        labels += [((f"{own}.dive_angle_deg" if g.field is None else own),
                    "the start of the terminal dive")]
    xs = _strictly_increasing(np.stack(xs, axis=1))
    xs[:, -1] = np.maximum(xs[:, -1], L)
    ys = np.stack(ys, axis=1)
    height = blend_knots(xs, ys, np.full(n, curv), clip=False)
    _check_blends(g, prof, xs, ys, height, labels, v_max)

    if terrain is not None and not prof.terrain_following:
        _check_clearance(g, geo, height, xs, terrain, frame_alt_m, radius_m, r)

    # Ground-speed profile s(t): the airspeed along the flight path, at its angle gamma to the
    # horizon (the slope of the height profile h(s): climb, descent, pop-up, dive), is
    # va cos(gamma) horizontally, plus the wind leg by leg (from mid-turn).
    u = _diff(pts)
    u = u / np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), 1e-9)
    gs = _ground_speed(u, va[None, :], w)  # (n, r+1)
    s_knots = [np.zeros(n)] + [wp_s[:, j] for j in range(r)]
    speeds = [gs[:, j] for j in range(r + 1)]
    dirs = [u[:, j] for j in range(r + 1)]
    airs = [np.full(n, va[j]) for j in range(r + 1)]
    if g.egress:  # each egress leg's ground speed from the middle of the turn before it
        s_knots += [L_in + s_e for s_e in egress[0].T]
        speeds += list(egress[1].T)
        dirs += list(egress[2].transpose(1, 0, 2))
        airs += [np.full(n, float(p.speed_mps))] * (r + 1)
    accel = _LONG_ACCEL_G * G0_MPS2
    ramp = None
    s_ramp = np.zeros(n)
    if g.initial_speed_mps is not None:
        # From the speed at launch to the first leg's, a constant acceleration ``a`` (the
        # preset's release acceleration) over ``|dv| / a``: a corner at half that time blended
        # over its whole width (to ``s_ramp``); a climb within it keeps the ramp's speeds.
        v0 = np.asarray(g.initial_speed_mps, float)
        ramp = 0.5 * np.abs(v0 - speeds[0]) / release_accel_mps2(p)
        s_ramp = ramp * (v0 + speeds[0])
        s_knots.insert(1, v0 * ramp)
        speeds.insert(0, v0)
        dirs.insert(0, dirs[0])
        airs.insert(0, np.full(n, np.nan))
    s_knots.append(L)
    sk = _strictly_increasing(np.stack(s_knots, axis=1))
    sk[:, -1] = np.maximum(sk[:, -1], L)
    xv, yv, b_h = _refine_blends(xs, ys, height)
    sk, sp, end = _slope_speeds(sk, np.stack(speeds, axis=1), np.stack(dirs, axis=1),
                                np.stack(airs, axis=1), xv, yv, w, s_ramp)
    tk = np.concatenate([np.zeros((n, 1)), np.cumsum(_diff(sk) / sp, axis=1)], axis=1)
    # A ground-speed change at a corner of the height profile is flown over that corner's
    # blend (so the airspeed stays near ``va``), at least at ``_LONG_ACCEL_G``.
    xk_h = xv[:, 1:-1]
    near = np.abs(sk[:, 1:-1, None] - xk_h[:, None, :]) < 10 * _MIN_GAP_M
    b_s = np.where(near, b_h[:, None, :], 0.0).max(axis=-1, initial=0.0)
    width = 2.0 * b_s / np.maximum(sp[:, :-1] + sp[:, 1:], 1e-9)
    speed = blend_knots(tk, sk, np.full(n, accel), width=width)
    if ramp is not None and tk.shape[1] > 2:
        b = speed[5]
        nxt = b[:, 1] if b.shape[1] > 1 else np.zeros(n)
        b[:, 0] = np.minimum(ramp, np.maximum(tk[:, 2] - tk[:, 1] - nxt, 0.0))
    t_end = g.launch_t + tk[np.arange(n), end]
    t_rel = None
    if g.egress:
        t_rel = g.launch_t + _time_at(speed, L_in, tk[:, -1])
    return RouteTrajectory(g.launch_t, t_end, geo, speed, height, radius_m, ground, t_rel)


@functools.lru_cache(maxsize=8)
def _sub_points(n_sub: int) -> tuple[np.ndarray, np.ndarray]:
    """The middles of ``n_sub`` equal parts of [-1, 1] and their inner ends (read-only; made
    once: :func:`_refine_blends` splits corners of every replication with them)."""
    frac = (2.0 * np.arange(n_sub) + 1.0) / n_sub - 1.0
    ends = np.linspace(-1.0, 1.0, n_sub + 1)[1:-1]
    frac.flags.writeable = ends.flags.writeable = False
    return frac, ends


def _refine_blends(xs, ys, height, n_sub=_SUB_BLENDS, tol=_SUB_COS):
    """A polyline whose slopes give the ground speeds ``va cos(gamma)`` along the height
    profile ``xs``, ``ys`` (n, k), blended by ``height``.

    A corner whose ``cos(gamma)`` changes by more than ``tol`` (in some row) is split: its
    blend ``[x - b, x + b]`` into ``n_sub`` equal parts, with a knot at the middle of each and,
    between them, the blended curve's slope at the parts' ends; the ground speed, blended at
    each knot over its part, then runs from the speed before the corner to the one after it
    through the curve's own speeds at those ends, and the airspeed stays near ``va`` through
    the corner. Other corners keep their knot.

    Returns the knots and the values of the polyline (n, K) (only its slopes matter) and the
    half-width, in path distance, of the ground speed's blend at each inner knot (n, K - 2):
    a split corner's ``b / n_sub`` (the parts' blends meet), another corner's own ``b``.
    """
    m = _diff(ys) / _diff(xs)
    cos = 1.0 / np.sqrt(1.0 + m * m)
    b = height[5]
    steep = np.abs(_diff(cos)).max(axis=0, initial=0.0) > tol  # per corner
    if not steep.any():
        return xs, ys, b
    cols_x, cols_m, cols_b = [xs[:, :1]], [m[:, :1]], []
    frac, ends = _sub_points(n_sub)
    for j in range(xs.shape[1] - 2):
        if steep[j]:
            bj = np.maximum(b[:, j], 1e-3)[:, None]
            cols_x.append(xs[:, j + 1, None] + bj * frac[None, :])
            cols_m.append(blend_eval(xs[:, j + 1, None] + bj * ends[None, :], *height)[1])
            cols_b.append(np.repeat(bj / n_sub, n_sub, axis=1))
        else:
            cols_x.append(xs[:, j + 1:j + 2])
            cols_b.append(b[:, j:j + 1])
        cols_m.append(m[:, j + 1:j + 2])
    cols_x.append(xs[:, -1:])
    xv = np.concatenate(cols_x, axis=1)
    mv = np.concatenate(cols_m, axis=1)
    yv = np.concatenate([ys[:, :1], ys[:, :1] + np.cumsum(mv * _diff(xv), axis=1)],
                        axis=1)
    return xv, yv, np.concatenate(cols_b, axis=1)


def _slope_speeds(sk, sp, u, va, xs, ys, w, s_from):
    """Ground speeds along the path with the height profile's slopes: on each piece of the
    polyline ``h(s)`` (knots ``xs``, ``ys`` (n, k)) of slope ``m``, ``cos(gamma) =
    1 / sqrt(1 + m^2)`` and the horizontal airspeed is ``va cos(gamma)``, plus the wind ``w``
    (2,) along the leg's direction.

    ``sk`` (n, a) are the leg knots (the last the path's end), ``sp`` (n, a - 1) the level
    ground speeds on them, ``u`` (n, a - 1, 2) their directions and ``va`` (n, a - 1) their
    airspeeds (NaN: a speed kept as it is, a launch ramp). Slopes start to count after
    ``s_from`` (n,) (the end of a launch ramp; at ``s_from`` itself where a slope runs
    through it); a level piece keeps its level ground speed bit for bit.

    Returns the knots (n, K) (every row's slope changes added; rows with fewer continue past
    the end of the path 1 m apart at their last speed), the speeds (n, K - 1) and the index of
    each row's end-of-path knot (n,).
    """
    n = sk.shape[0]
    rows = np.arange(n)
    end = sk[:, -1]
    m = _diff(ys) / _diff(xs)  # (n, k - 1)
    if not m.any():  # level throughout
        return sk, sp, np.full(n, sk.shape[1] - 1)
    inner = xs[:, 1:-1]
    turn = (m[:, 1:] != m[:, :-1]) & (inner > s_from[:, None]) & (inner < end[:, None])
    i_from = np.minimum((xs[:, 1:-1] <= s_from[:, None]).sum(axis=1), m.shape[1] - 1)
    at_from = (s_from > 0) & (m[rows, i_from] != 0) & (s_from < end)
    at_from &= np.all(np.abs(inner - s_from[:, None]) >= _MIN_GAP_M, axis=1)
    cand = np.concatenate([np.where(turn, inner, np.inf),
                           np.where(at_from, s_from, np.inf)[:, None]], axis=1)
    # A slope change on (or next to) a leg knot, such as a waypoint's, is that knot. (The
    # least gap over the few leg knots, one knot at a time: a reduction over a short last
    # axis costs more than these whole-array minima; the same values, NaN kept.)
    gap = np.abs(cand - sk[:, :1])
    for c in range(1, sk.shape[1]):
        gap = np.minimum(gap, np.abs(cand - sk[:, c:c + 1]))
    near = gap < _MIN_GAP_M
    cand = np.where(near, np.inf, cand)
    knots = np.sort(np.concatenate([sk, cand], axis=1), axis=1)
    width = int(np.isfinite(knots).sum(axis=1).max())
    knots = knots[:, :width]
    pad = ~np.isfinite(knots)
    knots = np.where(pad, end[:, None] + np.cumsum(pad, axis=1), knots)
    last = width - 1 - pad.sum(axis=1)  # the end-of-path knot
    mid = 0.5 * (knots[:, :-1] + knots[:, 1:])
    j = np.minimum((sk[:, None, 1:-1] <= mid[..., None]).sum(axis=-1), sp.shape[1] - 1)
    i = np.minimum((xs[:, None, 1:-1] <= mid[..., None]).sum(axis=-1), m.shape[1] - 1)
    at = rows[:, None]  # each row's own pieces (plain fancy indexing: the same elements)
    sp_j, va_j, u_j, m_i = sp[at, j], va[at, j], u[at, j], m[at, i]
    use = (m_i != 0) & np.isfinite(va_j) & (knots[:, :-1] >= s_from[:, None])
    cos_g = 1.0 / np.sqrt(1.0 + m_i * m_i)
    speed = np.where(use, _ground_speed(u_j, np.where(use, va_j, 0.0) * cos_g, w), sp_j)
    # Past the end: the last speed on (no speed change at the end of the path).
    after = np.arange(width - 1)[None, :] >= last[:, None]
    speed = np.where(after, speed[rows, np.maximum(last - 1, 0)][:, None], speed)
    return knots, speed, last


def release_accel_mps2(preset) -> float:
    """Longitudinal acceleration of a released munition of ``preset`` from its platform's
    speed to its own, m/s^2: its ``release_accel_g`` (a rocket motor's boost), by default
    ``_LONG_ACCEL_G`` (0.3 g)."""
    g = getattr(preset, "release_accel_g", None)
    return (_LONG_ACCEL_G if g is None else float(g)) * G0_MPS2


def _time_at(speed: tuple, s: np.ndarray, t_max: np.ndarray) -> np.ndarray:
    """Flight time at which each row's distance profile ``speed`` reaches ``s`` (n,), s, by
    bisection (the profile is non-decreasing) within ``[0, t_max]``."""
    pq = PiecewiseQuadratic(speed)
    lo, hi = np.zeros_like(t_max), np.asarray(t_max, float).copy()
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        short = pq(mid)[0] < s
        lo = np.where(short, mid, lo)
        hi = np.where(short, hi, mid)
    return hi


def _egress(g: RouteGroup, geo: RouteGeometry, ar: np.ndarray, a0: np.ndarray, va_max: float,
            w: np.ndarray, wmag: float):
    """The path home after the release: a level break turn (:func:`break_turn_radius_m` at the
    preset's ``max_g``) toward the last route waypoint, then back through the route waypoints
    in reverse (fly-by turns at ``bank_limit_deg``, as the ingress) to the launch point, at the
    preset's cruise speed (and, after the turn, its cruise height: see the caller). A row
    whose reversed route does not fit the turn limits flies straight home instead (the turn
    toward the launch point, then one leg).

    Returns the whole path (ingress and egress) and ``(s, gs, u)``: the egress distances
    (from the release) where each egress leg's ground speed starts (the middle of the turn
    before it), (n, r + 1), those ground speeds, m/s, and the legs' unit directions,
    (n, r + 1, 2).
    """
    p = g.preset
    n, r = ar.shape[0], ar.shape[1]
    end_pt, end_u = geo.at(geo.length)
    v = float(p.speed_mps)
    r_brk = np.full(n, float(break_turn_radius_m(v + wmag, p.max_g, p.bank_limit_deg)))
    r_fly = np.full(n, float(turn_radius_m(max(va_max, v) + wmag, p.bank_limit_deg)))
    home = a0[:, :2]
    wps = ar[:, ::-1, :2]
    zero, none = np.zeros(n), np.zeros(n, int)

    def plan(target, ways):
        sign, sweep, q, _ = egress_turn(end_pt, end_u, target, r_brk)
        pts = np.concatenate([q[:, None], ways, home[:, None]], axis=1)
        return sign, sweep, pts, plan_route(pts, r_fly, zero, none, g.name, check=False)

    sign, sweep, pts, (geo_e, wp_e, ok) = plan(wps[:, 0] if r else home, wps)
    if r and not ok.all():  # straight home: waypoints spread along the one leg
        f = (np.arange(1, r + 1) / (r + 1))[None, :, None]
        q2 = egress_turn(end_pt, end_u, home, r_brk)[2]
        bad = ~ok
        ways = np.where(bad[:, None, None], q2[:, None] + f * (home - q2)[:, None], wps)
        sign, sweep, pts, (geo_e, wp_e, _) = plan(np.where(bad[:, None], home, wps[:, 0]), ways)
    arc = r_brk * sweep
    turn = RouteGeometry(np.zeros((n, 1)), end_pt[:, None], end_u[:, None],
                         (sign / r_brk)[:, None], arc)
    u = _diff(pts)
    u = u / np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), 1e-9)
    gs = _ground_speed(u, np.full(r + 1, v)[None, :], w)
    s = np.concatenate([0.5 * arc[:, None], arc[:, None] + wp_e], axis=1)
    return join_geometry(geo, join_geometry(turn, geo_e)), (s, gs, u)


def _check_blends(g, prof, xs, ys, height, labels, v_max) -> None:
    """Raise if a corner of the height profile has no room for the blend its slope change
    needs at the class's vertical acceleration (it would be flown at a higher load)."""
    b = height[5]
    over = blend_overflow(xs, b)
    if not over.any():
        return
    i, j = np.argwhere(over)[0]
    field, what = labels[j + 1]
    who = f"{g.label}, flight {i}" if g.label else f"threat {i} of raid group {g.name!r}"
    acc = prof.vertical_accel_g
    free = xs[i, j + 2] - xs[i, j]
    msg = (f"{who}: the corner of the height profile at {what} "
           f"({xs[i, j + 1] / 1000:.2f} km along the path, {ys[i, j + 1]:.0f} m) changes the "
           f"slope by {abs(height[4][i, j]):.3f} and needs {2 * b[i, j]:.0f} m of path to fly at "
           f"the class's vertical acceleration of {acc:.2f} g (max(max_g - 1, 0.5)) at "
           f"{v_max:.0f} m/s, but its neighbouring corners leave only about {free:.0f} m")
    if prof.dive_angle_rad is not None and j + 2 >= xs.shape[1] - 1:
        tan_c, tan_d = np.tan(prof.climb_angle_rad), np.tan(prof.dive_angle_rad)
        curv = acc * G0_MPS2 / v_max**2
        if prof.popup_m is not None:
            b_top = (tan_c + tan_d) / (2 * curv)
            need = max(ys[i, -1] + tan_d * b_top, ys[i, -3] + tan_c * (tan_c / (2 * curv) + b_top))
            need -= tan_c * tan_d / (2 * curv)  # the flown apex below the corner
            msg += (f"; a pop-up into a {np.degrees(prof.dive_angle_rad):.0f} deg dive needs a "
                    f"popup_height_m of at least {need:.0f} m (or a shallower dive_angle_deg)")
        else:
            need = tan_d * tan_d / (2 * curv)
            msg += (f"; a {np.degrees(prof.dive_angle_rad):.0f} deg dive needs a start at least "
                    f"{need:.0f} m above the aim point (or a shallower dive_angle_deg)")
    else:
        msg += "; lengthen the legs or reduce the height changes between them"
    raise ScenarioError(field or g.field or f"raid.{g.name}", msg)


def _check_clearance(g, geo, height, xs, terrain, frame_alt_m, radius_m, r) -> None:
    """Raise if a fixed cruise height passes below the terrain between climb and descent."""
    from airdefense.threats._route import blend_eval

    lo, hi = xs[:, 1], xs[:, -2]
    m = 64
    sq = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, m)[None, :]
    pt, _ = geo.at(sq)
    h, _ = blend_eval(sq, *height)
    elev = _terrain_heights(terrain, frame_alt_m, radius_m, pt)
    below = h < elev
    if below.any():
        i, k = np.argwhere(below)[0]
        wp = xs[i, 2:2 + r]
        j = int(np.searchsorted(wp, sq[i, k]))
        field = g.field or (f"raid.{g.name}.route[{min(j, r - 1)}].alt_m"
                            if r and g.preset.kind != "cruise"
                            else f"raid.{g.name}.overrides.cruise_altitude_m")
        who = f"{g.label}, flight {i}" if g.label else f"threat {i}"
        raise ScenarioError(
            field,
            f"cruise height {h[i, k]:.0f} m is below the terrain ({elev[i, k]:.0f} m) "
            f"{sq[i, k] / 1000:.1f} km along the route of {who}; the {g.preset.kind} does "
            "not follow the terrain, so its heights must clear it",
        )
