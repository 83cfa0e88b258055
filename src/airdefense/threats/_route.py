"""Waypoint routes flown with turns limited by bank angle, and an altitude profile.

The horizontal path lies in the frame's surface-arc coordinates (azimuthal equidistant about the
origin; see :func:`airdefense.geo.sphere_coords`) and is a chain of straight legs joined by
fly-by turns: circular arcs of radius ``R = v^2 / (g tan(bank))``, where ``v`` is the greatest
ground speed (airspeed plus wind), so the load factor ``1 / cos(bank)`` is never exceeded. An
optional loiter adds whole orbits to the turn at the last route waypoint.

Three smooth functions make up a flight, each a piecewise-linear function whose corners are
rounded by parabolic blends (:func:`blend_eval`):

* ``s(t)``: distance flown along the horizontal path (the ground speed changes with the wind on
  each leg, and drops to ``v cos(gamma)`` on every climb, descent and dive of ``h(s)``, so
  they are flown at airspeed; see :func:`airdefense.threats.flight.fly_route_group`);
* ``h(s)``: height above a reference surface along the path: climb, waypoint heights or cruise
  clearance, optional pop-up, terminal dive; blends are sized for the class's load factor;
* ``G(s)``: the reference surface: 0 (the frame's sphere) or, for terrain-following, the
  slope-limited upper envelope of the terrain under the path, sampled along the path.

:class:`RouteTrajectory` evaluates all of them for every threat at once.
"""

from __future__ import annotations

import functools

import numpy as np

from airdefense.errors import ScenarioError
from airdefense.geo import G0_MPS2
from airdefense.threats import _kernels as _k

__all__ = [
    "blend_eval",
    "blend_knots",
    "blend_overflow",
    "PiecewiseQuadratic",
    "RouteGeometry",
    "plan_route",
    "RouteTrajectory",
    "terrain_envelope",
    "concat_routes",
    "arc_to_enu",
    "turn_radius_m",
    "break_turn_radius_m",
    "egress_turn",
    "join_geometry",
]

_EPS = 1e-9


def _diff(a) -> np.ndarray:
    """``np.diff(a, axis=1)`` of a float array (n, k, ...): the same numbers, without that
    function's Python layers (the route arrays are small: the calls are their cost)."""
    a = np.asarray(a)
    return a[:, 1:] - a[:, :-1]


def blend_eval(x, x0, y0, m0, xk, dm, b):
    """Evaluate piecewise-linear functions with parabolically blended corners.

    ``f(x) = y0 + m0 (x - x0) + sum_j dm_j ramp_bj(x - xk_j)`` with
    ``ramp_b(u) = 0 (u < -b), (u + b)^2 / (4 b) (|u| <= b), u (u > b)``, so away from the blends
    ``f`` is the polyline through its corners, and it is continuously differentiable.

    Parameters
    ----------
    x : ndarray of shape (n,) or (n, q)
        Where to evaluate each row.
    x0, y0, m0 : ndarray of shape (n,)
        Start, value there and first slope.
    xk, dm, b : ndarray of shape (n, J)
        Corner abscissae, slope changes and blend half-widths (>= 0).

    Returns
    -------
    f, df : ndarray shaped like ``x``
        Values and derivatives.
    """
    x = np.asarray(x, float)
    extra = x.ndim - 1
    if extra == 1 and _rows_of(x, x0, y0, m0, xk, dm, b):  # compiled: the same bits
        c = np.ascontiguousarray
        f, df = np.empty(x.shape), np.empty(x.shape)
        _k.blend_rows(c(x), c(x0), c(y0), c(m0), c(xk), c(dm), c(b), _EPS, f, df)
        return f, df
    ex = (slice(None),) + (None,) * extra
    u = x[..., None] - xk[ex]  # (n, [q,] J)
    bj = b[ex]
    inv = 1.0 / np.maximum(bj, _EPS)
    # ramp_b(u) = clip(u + b, 0, 2b)^2 / (4b) + max(u - b, 0); its slope clip((u + b)/(2b), 0, 1).
    q = np.clip(u + bj, 0.0, 2.0 * bj)
    ramp = 0.25 * q * q * inv + np.maximum(u - bj, 0.0)
    slope = np.clip(0.5 * (u + bj) * inv, 0.0, 1.0)
    if extra == 0:  # one query per row: einsum is much faster than sum over a short axis
        f = y0 + m0 * (x - x0) + np.einsum("ij,ij->i", dm, ramp)
        df = m0 + np.einsum("ij,ij->i", dm, slope)
        return f, df
    dmj = dm[ex]
    f = y0[ex] + m0[ex] * (x - x0[ex]) + np.sum(dmj * ramp, axis=-1)
    df = m0[ex] + np.sum(dmj * slope, axis=-1)
    return f, df


def _rows_of(x, x0, y0, m0, xk, dm, b) -> bool:
    """Whether :func:`blend_eval`'s arguments are one float64 function per row of ``x``
    (n, q): ``x0``, ``y0``, ``m0`` (n,) and ``xk``, ``dm``, ``b`` (n, J) arrays, no
    broadcasting (the compiled form's layout)."""
    n = x.shape[0]
    J = getattr(xk, "shape", (0, -1))[-1]
    return (all(isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == (n,)
                for v in (x0, y0, m0))
            and all(isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == (n, J)
                    for v in (xk, dm, b)))


def blend_knots(xs: np.ndarray, ys: np.ndarray, curv: np.ndarray, width: np.ndarray | None = None,
                clip: bool = True):
    """Corner representation of polylines, with blends sized for a curvature limit.

    Parameters
    ----------
    xs : ndarray of shape (n, k)
        Strictly increasing abscissae of each polyline (first and last are its ends).
    ys : ndarray of shape (n, k)
        Values at them.
    curv : ndarray of shape (n,)
        Largest ``|f''|`` wanted; a blend of half-width ``b`` at a slope change ``dm`` has
        ``|f''| = |dm| / (2 b)``.
    width : ndarray of shape (n, k - 2), optional
        Smallest half-width of each blend (a corner spread at least that wide).
    clip : bool, default True
        Shrink blends that do not fit (see :func:`blend_overflow`): the two blends of a piece
        that needs more than its length shrink in proportion until they meet (the first and
        last blend stay off the ends), where they then exceed the limit; with False they are
        left as sized (the caller checks them with :func:`blend_overflow` first).

    Returns
    -------
    x0, y0, m0, xk, dm, b
        Arguments of :func:`blend_eval`; ``xk`` etc. have shape (n, k - 2).
    """
    dx = _diff(xs)
    m = _diff(ys) / np.maximum(dx, _EPS)
    dm = _diff(m)
    b = np.abs(dm) / (2 * np.maximum(curv, _EPS))[:, None]
    if width is not None:
        b = np.maximum(b, width)
    if clip:  # both blends of a piece that needs more than it has shrink in proportion
        pad = np.zeros((b.shape[0], b.shape[1] + 2))  # b between zero columns (np.pad's)
        pad[:, 1:-1] = b
        need = pad[:, :-1] + pad[:, 1:]
        f = np.minimum(1.0, dx / np.maximum(need, _EPS))
        b = b * np.minimum(f[:, :-1], f[:, 1:])
    return xs[:, 0], ys[:, 0], m[:, 0], xs[:, 1:-1], dm, b


def blend_overflow(xs: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which blends do not fit their polyline: two neighbouring blends together need more
    than the distance between their corners, or a blend runs past an end of the polyline
    (knots without a slope change, ``b = 0``, are crossed freely).

    Parameters
    ----------
    xs : ndarray of shape (n, k)
        Knots of the polylines.
    b : ndarray of shape (n, k - 2)
        Half-widths of the blends at the inner knots.

    Returns
    -------
    ndarray of shape (n, k - 2), bool
        True for a blend that overlaps its neighbour or runs past an end.
    """
    # A knot without a blend (no slope change) lies on a straight line, which a blend may
    # cross: each blend is checked against the nearest blended knots (or ends) either side
    # (compiled, row by row: :func:`airdefense.threats._kernels.blend_overflow`).
    n, J = b.shape
    over = np.zeros((n, J), bool)
    if J:
        _k.blend_overflow(np.ascontiguousarray(xs, dtype=float),
                          np.ascontiguousarray(b, dtype=float), over)
    return over


class PiecewiseQuadratic:
    """A blended polyline (see :func:`blend_eval`) as quadratic pieces, for fast evaluation.

    The blended function is exactly quadratic between its breakpoints (each piece's start, and
    each blend's ends), so one comparison pass finds the piece and one gather its coefficients
    (compiled: :func:`airdefense.threats._kernels.pq_eval`).

    Parameters
    ----------
    blend : tuple
        ``(x0, y0, m0, xk, dm, b)`` as for :func:`blend_eval`.

    Attributes
    ----------
    breaks : ndarray of shape (n, p - 1)
        Start of every piece after the first, sorted per row (NaN last): a point's piece is
        the count of its row's breaks at or below it, which the order does not change, found
        by bisection.
    coef : ndarray of shape (n, p, 4)
        Per piece: its start, and the value, slope and second derivative there.
    """

    def __init__(self, blend: tuple) -> None:
        x0, _, _, xk, dm, b = blend
        n = x0.shape[0]
        brk = np.concatenate([x0[:, None], np.stack([xk - b, xk + b], axis=2).reshape(n, -1)],
                             axis=1)
        curv = np.zeros_like(brk)
        with np.errstate(invalid="ignore", divide="ignore"):
            curv[:, 1::2] = np.where(b > 0, dm / (2 * np.maximum(b, _EPS)), 0.0)
        finite = np.isfinite(brk)
        with np.errstate(invalid="ignore"):
            f, df = blend_eval(np.where(finite, brk, x0[:, None]), *blend)
        self.breaks = np.ascontiguousarray(np.sort(brk[:, 1:], axis=1))
        self.p = brk.shape[1]
        self.coef = np.ascontiguousarray(np.stack([brk, f, df, curv], axis=-1))
        self._all = np.arange(n)

    def __call__(self, x: np.ndarray, rows: np.ndarray | None = None):
        """Values and derivatives at ``x`` (shape (k,)), one per row (of ``rows``, default all)."""
        x = np.ascontiguousarray(x, dtype=float)
        rows = self._all if rows is None else np.asarray(rows, np.intp)
        f, df = np.empty(x.shape[0]), np.empty(x.shape[0])
        _k.pq_eval(x, rows, self.breaks, self.coef, f, df)
        return f, df


class RouteGeometry:
    """Horizontal path of n threats: constant-curvature segments in surface-arc coordinates.

    Attributes
    ----------
    s0 : ndarray of shape (n, S)
        Path distance at the start of each segment, m (non-decreasing).
    p0, d0 : ndarray of shape (n, S, 2)
        Start point (m) and unit direction of each segment.
    kappa : ndarray of shape (n, S)
        Signed curvature, 1/m (positive turns left); 0 on straight legs.
    length : ndarray of shape (n,)
        Total path length, m.
    """

    def __init__(self, s0, p0, d0, kappa, length) -> None:
        self.s0, self.p0, self.d0, self.kappa, self.length = s0, p0, d0, kappa, length
        self._packed = np.ascontiguousarray(
            np.concatenate([s0[..., None], p0, d0, kappa[..., None]], axis=-1), dtype=float)

    def _rows(self, s: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
        """Row of every entry of ``s`` (flattened)."""
        if np.ndim(s) == 1 and rows is not None:
            return np.asarray(rows, np.intp)
        n = self.s0.shape[0]
        return np.broadcast_to(np.arange(n).reshape((n,) + (1,) * (np.ndim(s) - 1)),
                               np.shape(s)).ravel()

    def at(self, s: np.ndarray, seg: np.ndarray | None = None, rows: np.ndarray | None = None):
        """Point and unit tangent at path distance ``s``, shapes (n, [q,] 2).

        Parameters
        ----------
        s : ndarray of shape (n,) or (n, q)
        seg : ndarray like ``s``, int, optional
            Segment indices, if already known.
        rows : ndarray of int, optional
            With 1-D ``s``: which rows ``s`` belongs to (default all).
        """
        s = np.asarray(s, float)
        flat = np.ascontiguousarray(s.ravel())
        segf = (np.full(flat.shape[0], -1, np.intp) if seg is None
                else np.ascontiguousarray(np.broadcast_to(seg, s.shape).ravel(), dtype=np.intp))
        out = np.empty((flat.shape[0], 4))
        _k.geo_at(flat, self._rows(s, rows), segf, self._packed, out)
        out = out.reshape(s.shape + (4,))
        return out[..., :2], out[..., 2:]

    def segment(self, s: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Segment index of path distance ``s`` (shape (n,) or (n, q)), int."""
        s = np.asarray(s, float)
        seg = np.empty(s.size, np.intp)
        _k.segments(np.ascontiguousarray(s.ravel()), self._rows(s, rows), self._packed, seg)
        return seg.reshape(s.shape)


def _unit(v):
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, _EPS), n[..., 0]


def plan_route(
    points: np.ndarray,
    turn_radius_m: np.ndarray,
    tail_m: np.ndarray,
    loiter_orbits: np.ndarray,
    group: str,
    check: bool = True,
) -> tuple[RouteGeometry, np.ndarray, np.ndarray]:
    """Fly-by route through waypoints with turns of a given radius.

    Parameters
    ----------
    points : ndarray of shape (n, r + 2, 2)
        Launch point, r route waypoints and the end point, surface-arc m.
    turn_radius_m : ndarray of shape (n,)
        Turn radius at every waypoint, m.
    tail_m : ndarray of shape (n,)
        Straight distance needed before the end point (terminal dive, pop-up), m.
    loiter_orbits : ndarray of shape (n,), int
        Whole orbits added to the turn at the last route waypoint (needs r >= 1).
    group : str
        Raid group name, for error messages.
    check : bool, default True
        Raise if a waypoint cannot be reached; otherwise report it in ``ok``.

    Returns
    -------
    geometry : RouteGeometry
    wp_s : ndarray of shape (n, r)
        Path distance at the middle of each waypoint's turn, m.
    ok : ndarray of shape (n,), bool
        Whether each row's route can be flown within its turn limits.

    Raises
    ------
    ScenarioError
        With ``raid.<group>.route[j]`` when a turn does not fit on its legs.
    """
    n, k, _ = points.shape
    r = k - 2
    u, L = _unit(_diff(points))  # (n, r+1, 2), (n, r+1)
    # Zero-length legs (a waypoint on top of the previous one) keep the previous direction.
    for j in range(1, r + 1):
        u[:, j] = np.where((L[:, j] < _EPS)[:, None], u[:, j - 1], u[:, j])
    u[:, 0] = np.where((L[:, 0] < _EPS)[:, None], np.array([0.0, 1.0]), u[:, 0])
    cross = u[:, :-1, 0] * u[:, 1:, 1] - u[:, :-1, 1] * u[:, 1:, 0]
    dot = np.sum(u[:, :-1] * u[:, 1:], axis=-1)
    dpsi = np.arctan2(cross, dot)  # (n, r) signed turn at each waypoint
    R = turn_radius_m[:, None]
    tang = R * np.tan(0.5 * np.abs(dpsi))
    tang = np.where(np.abs(dpsi) > np.radians(179.0), np.inf, tang)
    before = np.concatenate([np.zeros((n, 1)), tang], axis=1)  # used at the start of each leg
    after = np.concatenate([tang, tail_m[:, None]], axis=1)  # used at its end
    need = before + after
    ok_leg = need <= L + 1e-6
    ok = ok_leg.all(axis=1)
    if check and not ok.all():
        i, j = np.argwhere(~ok_leg)[0]
        if j < r:
            what = (f"the {np.degrees(abs(dpsi[i, j])):.0f} deg turn at route[{j}] needs "
                    f"{min(tang[i, j], 1e12) / 1000:.2f} km of each leg at a turn radius of "
                    f"{R[i, 0] / 1000:.2f} km")
            field = f"raid.{group}.route[{j}]"
        else:
            what = f"the terminal dive needs {tail_m[i] / 1000:.2f} km of straight final leg"
            field = f"raid.{group}.route[{j - 1}]" if r else f"raid.{group}.launch"
        raise ScenarioError(
            field,
            f"waypoint cannot be reached within the turn limits: {what}, but the leg "
            f"{'to' if j < r else 'from'} it is {L[i, j] / 1000:.2f} km long and "
            f"{need[i, j] / 1000:.2f} km is needed",
        )
    sign = np.where(dpsi >= 0, 1.0, -1.0)
    orbit = np.zeros((n, r))
    if r:
        orbit[:, -1] = 2 * np.pi * loiter_orbits
    arc_len = R * (np.abs(dpsi) + orbit)
    after_turn = np.concatenate([tang, np.zeros((n, 1))], axis=1)
    line_len = np.maximum(L - before - after_turn, 0.0)
    S = 2 * r + 1
    seg_len = np.zeros((n, S))
    seg_len[:, 0::2] = line_len
    seg_len[:, 1::2] = arc_len
    s0 = np.concatenate([np.zeros((n, 1)), np.cumsum(seg_len, axis=1)[:, :-1]], axis=1)
    p0 = np.empty((n, S, 2))
    d0 = np.empty((n, S, 2))
    kappa = np.zeros((n, S))
    p0[:, 0::2] = points[:, :-1] + u * before[..., None]
    d0[:, 0::2] = u
    p0[:, 1::2] = points[:, 1:-1] - u[:, :-1] * tang[..., None]
    d0[:, 1::2] = u[:, :-1]
    kappa[:, 1::2] = sign / R
    length = s0[:, -1] + seg_len[:, -1]
    wp_s = s0[:, 1::2] + 0.5 * arc_len if r else np.zeros((n, 0))
    return RouteGeometry(s0, p0, d0, kappa, length), wp_s, ok


def terrain_envelope(elev: np.ndarray, ds: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Slope-limited upper envelope of terrain profiles sampled along paths.

    ``G_i = max_j (T_j - slope |s_i - s_j|)``: the lowest surface above the terrain whose slope
    never exceeds ``slope``, so a flight ``clearance`` above it climbs before each ridge.

    Parameters
    ----------
    elev : ndarray of shape (n, M)
        Terrain heights at uniform path spacing, m.
    ds : ndarray of shape (n,)
        Spacing, m.
    slope : ndarray of shape (n,)
        Largest climb gradient (tan of the climb angle).
    """
    s = np.arange(elev.shape[1])[None, :] * ds[:, None]
    ms = slope[:, None] * s
    fwd = np.maximum.accumulate(elev + ms, axis=1) - ms
    bwd = np.maximum.accumulate((elev - ms)[:, ::-1], axis=1)[:, ::-1] + ms
    return np.maximum(fwd, bwd)


class RouteTrajectory:
    """Route flights of n threats (see the module docstring), evaluated at any time.

    Parameters
    ----------
    t_launch_s, t_end_s : ndarray of shape (n,)
    geometry : RouteGeometry
    speed : tuple
        ``(x0, y0, m0, xk, dm, b)`` of ``s(t - t_launch)`` for :func:`blend_eval`.
    height : tuple
        ``(x0, y0, m0, xk, dm, b)`` of the height over the reference surface, ``h(s)``.
    radius_m : float
        Radius of the frame's sphere.
    ground : tuple (ndarray (n, M), ndarray (n,)), optional
        Reference surface samples along the path and their spacing (terrain-following).
    t_release_s : ndarray of shape (n,), optional
        When each flight releases its weapon (before its egress), s; default ``t_end_s``.
    """

    def __init__(self, t_launch_s, t_end_s, geometry, speed, height, radius_m, ground=None,
                 t_release_s=None):
        self.t0 = np.asarray(t_launch_s, float)
        self.t1 = np.asarray(t_end_s, float)
        self.t_release = self.t1 if t_release_s is None else np.asarray(t_release_s, float)
        self.geo = geometry
        self.speed = speed
        self.height = height
        self.radius = float(radius_m)
        self.ground = ground
        self.n = self.t0.shape[0]
        if ground is None:
            self._ground = (np.zeros((self.n, 0)), np.ones(self.n))
        else:
            self._ground = (np.ascontiguousarray(ground[0], dtype=float),
                            np.ascontiguousarray(ground[1], dtype=float))
        # The evaluation tables (_speed, _height, _args, _hold) are built at first use: a raid
        # group's flights are usually only concatenated with the others' (concat_routes).

    @functools.cached_property
    def _speed(self) -> PiecewiseQuadratic:
        return PiecewiseQuadratic(self.speed)

    @functools.cached_property
    def _height(self) -> PiecewiseQuadratic:
        return PiecewiseQuadratic(self.height)

    @functools.cached_property
    def _args(self) -> tuple:
        c = np.ascontiguousarray
        return (c(self.t0), c(self.t1), c(self.geo.length, dtype=float), self._speed.breaks,
                self._speed.coef, self._height.breaks, self._height.coef, self.geo._packed,
                *self._ground)

    @functools.cached_property
    def _hold(self) -> tuple:
        """States at ``-inf`` and ``+inf`` (launch and end states), each (n, 6)."""
        none = np.zeros((0, 6))
        return (self._fill(-np.inf, np.empty((self.n, 6)), np.arange(self.n), none, none),
                self._fill(np.inf, np.empty((self.n, 6)), np.arange(self.n), none, none))

    def _fill(self, t, out, rows, hold0=None, hold1=None):
        if hold0 is None:
            hold0, hold1 = self._hold
        _k.route_states(float(t), *self._args, self.radius, hold0, hold1, out, rows)
        return out

    def _fill_many(self, ts: np.ndarray, out: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Write the states at each of ``ts`` (K,) into ``out[k, rows]`` (``out`` (K, N, 6))."""
        hold0, hold1 = self._hold
        _k.route_states_many(ts, *self._args, self.radius, hold0, hold1, out, rows)
        return out

    def state_rows(self, t: float, rows: np.ndarray) -> np.ndarray:
        """The rows ``rows`` (m,) of :meth:`states` at ``t``, shape (m, 6), the same numbers
        (only those rows computed)."""
        hold0, hold1 = self._hold
        out = np.empty((rows.shape[0], 6))
        _k.route_states_rows(float(t), rows, *self._args, self.radius, hold0, hold1, out)
        return out

    def path(self, t: float, rows: np.ndarray | None = None):
        """Arc position (k, 2), height above the sphere (k,), and their rates at ``t``.

        ``rows`` (default all) selects which threats; velocities are zero outside a flight.
        """
        rows = np.arange(self.n) if rows is None else np.asarray(rows, np.intp)
        out = np.empty((rows.shape[0], 6))
        _k.route_path(float(t), rows, *self._args, out)
        return out[:, :2], out[:, 2], out[:, 3:5], out[:, 5]

    def states(self, t: float) -> np.ndarray:
        """Return the states at time ``t``, shape (n, 6).

        Only threats in flight are computed; the others take their held launch or end state.
        """
        return self._fill(t, np.empty((self.n, 6)), np.arange(self.n))

    def states_many(self, times: np.ndarray) -> np.ndarray:
        """Return the states at each of ``times``, shape (K, n, 6), m and m/s.

        Parameters
        ----------
        times : ndarray of shape (K,)
            Instants, s. Row ``k`` of the result equals ``states(times[k])`` bit for bit.
        """
        ts = np.ascontiguousarray(np.asarray(times, dtype=float).reshape(-1))
        return self._fill_many(ts, np.empty((ts.shape[0], self.n, 6)), np.arange(self.n))


def arc_to_enu(pt, h, vxy, vh, radius_m):
    """ENU states from surface-arc positions, heights and their rates, shape (..., 6).

    The position is :func:`airdefense.geo.point_above_sphere`; the velocity is its exact
    derivative.
    """
    pt, vxy = np.asarray(pt, float), np.asarray(vxy, float)
    shape = np.broadcast_shapes(pt.shape[:-1], np.shape(h), vxy.shape[:-1], np.shape(vh))
    cols = [np.ascontiguousarray(np.broadcast_to(a, shape), dtype=float).ravel()
            for a in (pt[..., 0], pt[..., 1], h, vxy[..., 0], vxy[..., 1], vh)]
    out = np.empty((cols[0].shape[0], 6))
    _k.arc_to_enu(*cols, float(radius_m), out)
    return out.reshape(shape + (6,))


def turn_radius_m(speed_mps, bank_deg) -> np.ndarray:
    """Smallest level-turn radius at a bank angle, ``v^2 / (g tan(bank))``, m."""
    return np.asarray(speed_mps, float) ** 2 / (G0_MPS2 * np.tan(np.radians(bank_deg)))


def break_turn_radius_m(speed_mps, max_g, bank_limit_deg) -> np.ndarray:
    """Radius of a level break turn at load factor ``n = max_g``, m.

    A level turn at load factor ``n`` has a horizontal acceleration ``g sqrt(n^2 - 1)``
    (bank ``arccos(1 / n)``), so ``R = v^2 / (g sqrt(n^2 - 1))``; where ``bank_limit_deg``
    gives a tighter turn (``max_g`` near 1) that is used instead.

    Parameters
    ----------
    speed_mps : float or ndarray
        Ground speed in the turn, m/s.
    max_g : float
        Load factor limit, g.
    bank_limit_deg : float
        Bank limit, deg.
    """
    tan_bank = max(np.sqrt(max(float(max_g) ** 2 - 1.0, 0.0)),
                   float(np.tan(np.radians(bank_limit_deg))))
    return np.asarray(speed_mps, float) ** 2 / (G0_MPS2 * tan_bank)


def egress_turn(p: np.ndarray, u: np.ndarray, target: np.ndarray, radius_m: np.ndarray):
    """A turn at constant radius from ``p`` on heading ``u`` until heading straight at ``target``.

    The turn is toward the side ``target`` lies on (left when it lies astern within one turn
    radius of the track line), or the other way when ``target`` lies inside that turn circle;
    a target inside both circles is taken on the circle (the turn then ends pointing near it).

    Parameters
    ----------
    p, u, target : ndarray of shape (n, 2)
        Start point, unit heading and target, surface-arc m.
    radius_m : ndarray of shape (n,)
        Turn radius, m.

    Returns
    -------
    sign : ndarray of shape (n,)
        +1 for a left (counter-clockwise) turn, -1 for a right one.
    sweep : ndarray of shape (n,)
        Angle turned, rad, in [0, 2 pi).
    end : ndarray of shape (n, 2)
        Where the turn ends (the tangent point), surface-arc m.
    heading : ndarray of shape (n, 2)
        Unit heading at the end of the turn (toward ``target``).
    """
    p, u, target = (np.asarray(a, float) for a in (p, u, target))
    R = np.asarray(radius_m, float)
    left = np.stack([-u[:, 1], u[:, 0]], axis=1)
    rel = target - p
    cross = u[:, 0] * rel[:, 1] - u[:, 1] * rel[:, 0]
    astern = (np.sum(u * rel, axis=1) < 0.0) & (np.abs(cross) < R)
    sign = np.where((cross >= 0.0) | astern, 1.0, -1.0)

    def centre(sg):
        c = p + (sg * R)[:, None] * left
        return c, np.linalg.norm(target - c, axis=1)

    c, d = centre(sign)
    inside = d < R * (1.0 + 1e-9)
    sign = np.where(inside, -sign, sign)
    c, d = centre(sign)
    d = np.maximum(d, R)
    to_t = target - c
    phi = np.arctan2(to_t[:, 1], to_t[:, 0])
    alpha = np.arccos(np.clip(R / np.maximum(d, _EPS), -1.0, 1.0))
    theta_q = phi - sign * alpha
    start = p - c
    theta_p = np.arctan2(start[:, 1], start[:, 0])
    sweep = np.mod(sign * (theta_q - theta_p), 2.0 * np.pi)
    end = c + R[:, None] * np.stack([np.cos(theta_q), np.sin(theta_q)], axis=1)
    heading = sign[:, None] * np.stack([-np.sin(theta_q), np.cos(theta_q)], axis=1)
    return sign, sweep, end, heading


def join_geometry(first: RouteGeometry, second: RouteGeometry) -> RouteGeometry:
    """One path: ``second`` flown after ``first`` (its distances shifted by ``first``'s length)."""
    L1 = first.length[:, None]
    return RouteGeometry(np.concatenate([first.s0, second.s0 + L1], axis=1),
                         np.concatenate([first.p0, second.p0], axis=1),
                         np.concatenate([first.d0, second.d0], axis=1),
                         np.concatenate([first.kappa, second.kappa], axis=1),
                         first.length + second.length)


def _pad_last(a: np.ndarray, k: int, axis: int = 1) -> np.ndarray:
    extra = k - a.shape[axis]
    if extra <= 0:
        return a
    last = np.take(a, [-1], axis=axis)
    return np.concatenate([a, np.repeat(last, extra, axis=axis)], axis=axis)


def _pad_blend(parts: list[tuple], inf: float) -> tuple:
    j = max(p[3].shape[1] for p in parts)
    out = [np.concatenate([p[i] for p in parts]) for i in range(3)]
    for i, fill in ((3, inf), (4, 0.0), (5, 0.0)):
        out.append(np.concatenate([
            np.concatenate([p[i], np.full((p[i].shape[0], j - p[i].shape[1]), fill)], axis=1)
            for p in parts]))
    return tuple(out)


def concat_routes(trajs: list[RouteTrajectory]) -> RouteTrajectory:
    """One :class:`RouteTrajectory` over the rows of several (segments and knots padded)."""
    if len(trajs) == 1:
        return trajs[0]
    S = max(t.geo.s0.shape[1] for t in trajs)
    s0, p0, d0, ka = [], [], [], []
    for t in trajs:
        g = t.geo
        extra = S - g.s0.shape[1]
        end_pt, end_tan = g.at(g.length)
        s0.append(np.concatenate([g.s0, np.repeat(g.length[:, None], extra, axis=1)], axis=1))
        p0.append(np.concatenate([g.p0, np.repeat(end_pt[:, None], extra, axis=1)], axis=1))
        d0.append(np.concatenate([g.d0, np.repeat(end_tan[:, None], extra, axis=1)], axis=1))
        ka.append(np.concatenate([g.kappa, np.zeros((g.s0.shape[0], extra))], axis=1))
    geo = RouteGeometry(np.concatenate(s0), np.concatenate(p0), np.concatenate(d0),
                        np.concatenate(ka), np.concatenate([t.geo.length for t in trajs]))
    speed = _pad_blend([t.speed for t in trajs], np.inf)
    height = _pad_blend([t.height for t in trajs], np.inf)
    ground = None
    if any(t.ground is not None for t in trajs):
        m = max(t.ground[0].shape[1] for t in trajs if t.ground is not None)
        gs, ds = [], []
        for t in trajs:
            if t.ground is None:
                gs.append(np.zeros((t.n, m)))
                ds.append(np.maximum(t.geo.length, 1.0))
            else:
                gs.append(_pad_last(t.ground[0], m))
                ds.append(t.ground[1])
        ground = (np.concatenate(gs), np.concatenate(ds))
    return RouteTrajectory(np.concatenate([t.t0 for t in trajs]),
                           np.concatenate([t.t1 for t in trajs]), geo, speed, height,
                           trajs[0].radius, ground,
                           np.concatenate([t.t_release for t in trajs]))
