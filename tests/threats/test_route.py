"""Route geometry, blended profiles, terrain envelope and the arc-to-ENU conversion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.errors import ScenarioError
from airdefense.geo import G0_MPS2, point_above_sphere
from airdefense.threats import build_threats
from airdefense.threats._route import (
    arc_to_enu,
    blend_eval,
    blend_knots,
    plan_route,
    terrain_envelope,
)

from .conftest import scenario

R = 6371000.0


@settings(max_examples=30, deadline=None)
@given(ys=st.lists(st.floats(-1000, 1000), min_size=3, max_size=6),
       curv=st.floats(1e-4, 1e-1))
def test_blends_follow_polyline_and_bound_curvature(ys, curv):
    """Blended polylines pass through the ends, keep C1 and never bend more than asked."""
    k = len(ys)
    xs = np.linspace(0.0, 1000.0 * (k - 1), k)[None]
    y = np.array(ys)[None]
    args = blend_knots(xs, y, np.array([curv]))
    x = np.linspace(0, xs[0, -1], 4001)[None]
    f, df = blend_eval(x, *args)
    assert f[0, 0] == pytest.approx(y[0, 0]) and f[0, -1] == pytest.approx(y[0, -1], abs=1e-6)
    h = x[0, 1] - x[0, 0]
    assert np.all(np.abs(np.diff(df[0])) <= np.abs(args[4]).max() * 1.0 + 1e-12)
    # df is the derivative of f: its running integral reproduces f.
    integral = f[0, 0] + np.concatenate([[0.0], np.cumsum(0.5 * (df[0, 1:] + df[0, :-1]) * h)])
    assert np.allclose(integral, f[0], atol=1e-6 + h * np.abs(args[4]).sum())
    # Where the blends were not shrunk, |f''| stays within the limit.
    unshrunk = np.isclose(args[5], np.abs(args[4]) / (2 * curv))
    if unshrunk.all():
        assert np.all(np.abs(np.diff(df[0])) / h <= curv * 1.001)


def test_fly_by_turn_geometry():
    """A 90 deg fly-by turn is an arc of the given radius tangent to both legs."""
    pts = np.array([[[0.0, 0.0], [0.0, 10000.0], [10000.0, 10000.0]]])
    geo, wp_s, ok = plan_route(pts, np.array([1000.0]), np.zeros(1), np.zeros(1), "g")
    assert ok.all()
    assert geo.length[0] == pytest.approx(2 * 9000 + 0.5 * np.pi * 1000)
    p, t = geo.at(np.array([wp_s[0, 0]]))
    centre = np.array([1000.0, 9000.0])
    assert np.linalg.norm(p[0] - centre) == pytest.approx(1000.0)
    assert np.allclose(t[0], np.array([1.0, 1.0]) / np.sqrt(2))
    end, _ = geo.at(geo.length)
    assert np.allclose(end[0], [10000.0, 10000.0])


def test_arc_to_enu_velocity_is_the_derivative():
    """ENU velocities from arc rates equal the numerical derivative of the positions."""
    rng = np.random.default_rng(0)
    pt = rng.uniform(-4e5, 4e5, (50, 2))
    h = rng.uniform(0, 1e4, 50)
    v = rng.normal(0, 200, (50, 2))
    vh = rng.normal(0, 50, 50)
    x = arc_to_enu(pt, h, v, vh, R)
    assert np.allclose(x[:, :3], point_above_sphere(pt[:, 0], pt[:, 1], h, R))
    dt = 1e-3
    x2 = arc_to_enu(pt + v * dt, h + vh * dt, v, vh, R)
    x1 = arc_to_enu(pt - v * dt, h - vh * dt, v, vh, R)
    assert np.allclose((x2[:, :3] - x1[:, :3]) / (2 * dt), x[:, 3:], atol=1e-4)


def test_terrain_envelope_is_slope_limited_cover():
    """The envelope is above the terrain, never steeper than allowed, and touches its peak."""
    rng = np.random.default_rng(1)
    elev = np.cumsum(rng.normal(0, 30, (3, 500)), axis=1)
    ds = np.full(3, 100.0)
    env = terrain_envelope(elev, ds, np.full(3, 0.1))
    assert np.all(env >= elev - 1e-9)
    assert np.all(np.abs(np.diff(env, axis=1)) <= 0.1 * 100.0 + 1e-9)
    assert np.allclose(env.max(axis=1), elev.max(axis=1))


def _turny(speed_ovr=None, **kw):
    g = {"preset": "shahed136", "count": 5, "launch": {"bearing_deg": 90, "range_m": 60000},
         "target": {"asset": "city"},
         "route": [{"bearing_deg": 60, "range_m": 40000}, {"bearing_deg": 20, "range_m": 50000},
                   {"bearing_deg": 330, "range_m": 20000}],
         "route_jitter_m": 1500}
    g.update(kw)
    if speed_ovr:
        g["overrides"] = speed_ovr
    return scenario({"d": g})


@pytest.mark.parametrize("ovr", [None, {"bank_limit_deg": 15, "speed_mps": 80},
                                 {"wind_speed_mps": 15, "wind_from_deg": 250}])
def test_turn_radius_respects_bank_limit(ovr):
    """Every turn's radius is at least v^2 / (g tan(bank)), on the path and in the states."""
    sc = _turny(ovr)
    p = sc.groups[0].preset
    r_min = p.speed_mps**2 / (G0_MPS2 * np.tan(np.radians(p.bank_limit_deg)))
    ts = build_threats(sc, np.random.default_rng(2))
    tr = ts.trajectory.parts[0][1]
    assert np.all(1.0 / np.abs(tr.geo.kappa[tr.geo.kappa != 0]) >= r_min * (1 - 1e-12))
    # Horizontal curvature of the flown states |v x a| / |v|^3 by central differences.
    t = np.linspace(ts.launch_time_s.max() + 1, ts.end_time_s.min() - 200, 1200)
    x = np.stack([ts.states(float(tt)) for tt in t])
    dt = 1e-2
    xp = np.stack([ts.states(float(tt) + dt) for tt in t])
    xm = np.stack([ts.states(float(tt) - dt) for tt in t])
    v = x[..., 3:5]
    a = (xp[..., 3:5] - xm[..., 3:5]) / (2 * dt)
    curv = np.abs(v[..., 0] * a[..., 1] - v[..., 1] * a[..., 0]) / np.linalg.norm(v, axis=-1) ** 3
    assert curv.max() > 0.5 / r_min  # the route does turn
    assert np.all(1.0 / curv >= r_min * 0.995)


def test_unreachable_waypoint_is_an_error():
    """A hairpin between close waypoints names the group and the waypoint."""
    # The load flies each group once (scenario._flight): it refuses the scenario.
    with pytest.raises(ScenarioError, match=r"raid\.d\.route\[0\]: waypoint cannot be reached "
                                            r"within the turn limits: the 1\d\d deg turn"):
        sc = scenario({"d": {"preset": "shahed136", "count": 1,
                             "launch": {"bearing_deg": 90, "range_m": 30000},
                             "target": {"asset": "city"},
                             "route": [{"bearing_deg": 90, "range_m": 10000},
                                       {"bearing_deg": 89, "range_m": 30500}]}})
        build_threats(sc, np.random.default_rng(0))


def test_dive_too_close_to_last_waypoint_is_an_error():
    """A last waypoint too near the target for the terminal dive names that waypoint."""
    # The load flies each group once (scenario._flight): it refuses the scenario.
    with pytest.raises(ScenarioError, match=r"raid\.d\.route\[0\]: .*terminal dive needs"):
        sc = scenario({"d": {"preset": "shahed136", "count": 1,
                             "launch": {"bearing_deg": 90, "range_m": 30000},
                             "target": {"asset": "city"},
                             "route": [{"bearing_deg": 180, "range_m": 600}]}})
        build_threats(sc, np.random.default_rng(0))


def test_piecewise_quadratic_piece_is_the_count_of_breaks_below_even_where_blends_overlap():
    """The compiled evaluation finds each point's piece by bisection over the row's sorted
    breaks; the piece is the count of the breaks at or below the point, as a full pass over
    the breaks in their own order counts it (here blends that overlap, so the breaks
    ``xk - b, xk + b`` are out of order, infinite pads, ties and NaN points)."""
    from airdefense.threats._route import PiecewiseQuadratic

    rng = np.random.default_rng(3)
    n, J = 5, 6
    xk = np.sort(rng.uniform(0.0, 100.0, (n, J)), axis=1)
    xk[1, 2] = xk[1, 1]  # a tie
    b = rng.uniform(0.0, 30.0, (n, J))  # wide: neighbouring blends overlap
    xk[2, 4:] = np.inf  # padded knots
    b[2, 4:] = 0.0
    blend = (np.zeros(n), rng.normal(size=n), rng.normal(size=n), xk,
             rng.normal(size=(n, J)), b)
    pq = PiecewiseQuadratic(blend)
    raw = np.concatenate([np.zeros((n, 1)), np.stack([xk - b, xk + b], axis=2).reshape(n, -1)],
                         axis=1)[:, 1:]
    with np.errstate(invalid="ignore"):  # (inf - inf between the padded breaks)
        assert (np.diff(raw, axis=1) < 0).any()  # the breaks in their own order are unsorted
    x = np.concatenate([rng.uniform(-20.0, 140.0, 400), raw[:, :4].ravel(), [np.nan]])
    rows = np.arange(x.size) % n
    f, df = pq(x, rows)
    j = np.sum(raw[rows] <= x[:, None], axis=1)  # the count, in the breaks' own order
    c = pq.coef[rows, j]
    dx = x - c[:, 0]
    np.testing.assert_array_equal(f, c[:, 1] + dx * (c[:, 2] + 0.5 * c[:, 3] * dx))
    np.testing.assert_array_equal(df, c[:, 2] + c[:, 3] * dx)


def test_nominal_route_is_planned_once_and_a_changed_one_again(monkeypatch):
    """A group's nominal route is planned once per process; any changed input (a point, the
    turn radius, the tail, the orbits, the group) is planned again, and one that cannot be
    flown raises every time (it is never kept)."""
    from airdefense.threats import flight

    calls = []
    real = flight.plan_route
    monkeypatch.setattr(flight, "plan_route", lambda *a, **k: (calls.append(a), real(*a, **k)))
    monkeypatch.setattr(flight, "_NOMINAL_OK", set())
    pts = np.array([[[0.0, 0.0], [10000.0, 0.0], [20000.0, 5000.0]]])
    args = (pts, 1000.0, np.zeros(1), 0, "g")
    flight._check_nominal(*args)
    flight._check_nominal(*args)
    assert len(calls) == 1
    for changed in ((pts + 1.0, 1000.0, np.zeros(1), 0, "g"), (pts, 1001.0, np.zeros(1), 0, "g"),
                    (pts, 1000.0, np.ones(1), 0, "g"), (pts, 1000.0, np.zeros(1), 1, "g"),
                    (pts, 1000.0, np.zeros(1), 0, "h")):
        flight._check_nominal(*changed)
    assert len(calls) == 6
    hairpin = np.array([[[0.0, 0.0], [10000.0, 0.0], [9000.0, 100.0]]])  # a 170 deg turn
    for _ in range(2):
        with pytest.raises(ScenarioError, match=r"raid\.g\.route\[0\]: waypoint cannot be "
                                                r"reached within the turn limits"):
            flight._check_nominal(hairpin, 3000.0, np.zeros(1), 0, "g")
    assert len(calls) == 8
