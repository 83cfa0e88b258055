"""Compiled truth kernels against independent NumPy references of the same flight models.

The references evaluate the blended profiles as sums of ramps (:func:`blend_eval`), not as the
quadratic pieces the kernels use, and the segment geometry, Hermite samples, weave and
arc-to-ENU conversion with array formulas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from airdefense.scenario.loader import load_scenario
from airdefense.threats import build_threats
from airdefense.threats._route import RouteTrajectory, arc_to_enu, blend_eval, plan_route
from airdefense.threats.ballistic import BallisticTrajectory
from airdefense.threats.base import PiecewiseLinearTrajectory
from airdefense.threats.sampled import CompositeTrajectory, HermiteTrajectory

from .conftest import Ridge, scenario

MIXED = Path(__file__).parent / "data" / "mixed_raid.yaml"


def _ref_arc_to_enu(pt, h, vxy, vh, radius):
    e, nn = pt[:, 0], pt[:, 1]
    d = np.hypot(e, nn)
    th = d / radius
    safe = np.where(d > 0, d, 1.0)
    ue, un = np.where(d > 0, e / safe, 0.0), np.where(d > 0, nn / safe, 1.0)
    rr = radius + h
    st, ct = np.sin(th), np.cos(th)
    sinc = np.where(th > 0, st / np.where(th > 0, th, 1.0), 1.0)
    radial = vxy[:, 0] * ue + vxy[:, 1] * un
    thdot = radial / radius
    fac = rr * sinc / radius
    return np.stack([
        rr * st * ue, rr * st * un, rr * ct - radius,
        vh * st * ue + rr * ct * thdot * ue + fac * (vxy[:, 0] - ue * radial),
        vh * st * un + rr * ct * thdot * un + fac * (vxy[:, 1] - un * radial),
        vh * ct - rr * st * thdot], axis=1)


def _ref_route(tr: RouteTrajectory, t: float) -> np.ndarray:
    """Route states at ``t``: blends as ramp sums, segments by search, then arc to ENU."""
    g = tr.geo
    tau = np.clip(t, tr.t0, tr.t1) - tr.t0
    s, sdot = blend_eval(tau, *tr.speed)
    s = np.clip(s, 0.0, g.length)
    rows = np.arange(tr.n)
    seg = np.array([np.searchsorted(g.s0[i], s[i], side="right") - 1 for i in rows])
    sig = s - g.s0[rows, seg]
    k = g.kappa[rows, seg]
    a = k * sig
    kk = np.where(k == 0, 1.0, k)
    along = np.where(k == 0, sig, np.sin(a) / kk)
    side = np.where(k == 0, 0.0, (1 - np.cos(a)) / kk)
    d = g.d0[rows, seg]
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1)
    pt = g.p0[rows, seg] + along[:, None] * d + side[:, None] * nrm
    tan = np.cos(a)[:, None] * d + np.sin(a)[:, None] * nrm
    h, dh = blend_eval(s, *tr.height)
    if tr.ground is not None:
        gs, gds = tr.ground
        u = s / gds
        i = np.clip(np.floor(u).astype(int), 0, gs.shape[1] - 2)
        g0, g1 = gs[rows, i], gs[rows, i + 1]
        h = h + g0 + (u - i) * (g1 - g0)
        dh = dh + (g1 - g0) / gds
    sdot = np.where((t >= tr.t0) & (t <= tr.t1), sdot, 0.0)
    return _ref_arc_to_enu(pt, h, tan * sdot[:, None], dh * sdot, tr.radius)


def _ref_hermite(tr: HermiteTrajectory, t: float) -> np.ndarray:
    rows = np.arange(tr.n)
    u = (np.clip(t, tr.t0, tr.end) - tr.t0) / tr.dt
    i = np.maximum(np.minimum(np.floor(u).astype(int), np.maximum(tr.count - 2, 0)), 0)
    j = np.minimum(i + 1, tr.count - 1)
    s = (u - i)[:, None]
    h = tr.dt[:, None]
    p0, p1 = tr.pos[rows, i], tr.pos[rows, j]
    m0, m1 = tr.vel[rows, i] * h, tr.vel[rows, j] * h
    # Hermite basis, written out by its polynomial coefficients.
    pos = p0 + m0 * s + (3 * (p1 - p0) - 2 * m0 - m1) * s**2 + (2 * (p0 - p1) + m0 + m1) * s**3
    vel = (m0 + 2 * (3 * (p1 - p0) - 2 * m0 - m1) * s + 3 * (2 * (p0 - p1) + m0 + m1) * s**2) / h
    flying = (t >= tr.t0) & (t <= tr.end)
    out = np.concatenate([pos, np.where(flying[:, None], vel, 0.0)], axis=1)
    if isinstance(tr, BallisticTrajectory):
        span = np.maximum(tr.end - tr.w0, 1e-9)
        tau = np.clip((t - tr.w0) / span, 0.0, 1.0)[:, None]
        arg = np.pi * tr.k * tau
        # amp sin^2: rate amp (pi k / span) 2 sin cos
        disp = (tr.amp * np.sin(arg) ** 2).sum(axis=1)
        rate = (tr.amp * np.pi * tr.k / span[:, None] * 2 * np.sin(arg) * np.cos(arg)).sum(axis=1)
        rate = np.where((t >= tr.w0) & (t <= tr.end), rate, 0.0)
        out[:, :3] += disp[:, None] * tr.axis
        out[:, 3:] += rate[:, None] * tr.axis
    return out


def _ref_states(traj: CompositeTrajectory, t: float) -> np.ndarray:
    out = np.full((traj.n, 6), np.nan)
    for rows, tr in traj.parts:
        out[rows] = _ref_route(tr, t) if isinstance(tr, RouteTrajectory) else _ref_hermite(tr, t)
    return out


def _check_against_reference(ts, times):
    scale = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3])  # m against m/s
    for t in times:
        got, want = ts.trajectory.states(float(t)), _ref_states(ts.trajectory, float(t))
        np.testing.assert_allclose(got * scale, want * scale, rtol=1e-9, atol=1e-6)


def test_mixed_raid_matches_reference():
    """Every class of the mixed raid, before, during and after flight, and at +-inf."""
    sc = load_scenario(MIXED)
    ts = build_threats(sc, np.random.default_rng(sc.seed))
    kinds = {type(tr) for _, tr in ts.trajectory.parts}
    assert kinds == {RouteTrajectory, BallisticTrajectory}
    times = np.concatenate([np.linspace(-10.0, ts.end_time_s.max() + 10.0, 301),
                            ts.launch_time_s[:5], ts.end_time_s[:5], [np.inf, -np.inf]])
    _check_against_reference(ts, times)


def test_terrain_following_matches_reference():
    """Ground profiles under cruise missiles, padded beside drones that have none."""
    sc = scenario({
        "c": {"preset": "kh101", "count": 3, "target": {"asset": "city", "aim_spread_m": 800},
              "launch": {"bearing_deg": 90, "range_m": 150000}, "route_jitter_m": 500},
        "d": {"preset": "shahed136", "count": 2, "target": {"asset": "city"},
              "launch": {"bearing_deg": 60, "range_m": 90000},
              "route": [{"bearing_deg": 80, "range_m": 50000, "alt_m": 2500}]},
    }, terrain=Ridge(60000.0, 1500.0, 4000.0))
    ts = build_threats(sc, np.random.default_rng(5))
    route = next(tr for _, tr in ts.trajectory.parts if isinstance(tr, RouteTrajectory))
    assert route.ground is not None and route.ground[0].shape[1] > 2
    _check_against_reference(ts, np.linspace(-5.0, ts.end_time_s.max() + 5.0, 401))


def test_path_and_states_agree():
    """``path`` of a subset of rows, converted to ENU, is those rows of ``states``."""
    sc = load_scenario(MIXED)
    ts = build_threats(sc, np.random.default_rng(sc.seed))
    route = next(tr for _, tr in ts.trajectory.parts if isinstance(tr, RouteTrajectory))
    rows = np.arange(route.n)[::2][::-1]
    for t in (float(np.median(route.t0)), float(np.median(route.t1)), 1e9):
        x = arc_to_enu(*route.path(t, rows), route.radius)
        np.testing.assert_array_equal(x, route.states(t)[rows])


def test_geometry_lookups_by_shape():
    """2-D queries give what 1-D queries give column by column; segments match a search."""
    pts = np.array([[[0.0, 0.0], [0.0, 10000.0], [10000.0, 10000.0], [10000.0, 30000.0]],
                    [[0.0, 0.0], [5000.0, 5000.0], [5000.0, 20000.0], [0.0, 30000.0]]])
    geo, _, _ = plan_route(pts, np.array([1000.0, 2000.0]), np.zeros(2), np.zeros(2), "g")
    s = np.linspace(0.0, 1.0, 57)[None] * geo.length[:, None]
    seg = geo.segment(s)
    want = np.array([[np.searchsorted(geo.s0[i], x, side="right") - 1 for x in s[i]]
                     for i in range(2)])
    np.testing.assert_array_equal(seg, want)
    pt, tan = geo.at(s)
    assert pt.shape == tan.shape == (2, 57, 2)
    for q in (0, 20, 56):
        p1, t1 = geo.at(s[:, q])
        np.testing.assert_array_equal(p1, pt[:, q])
        np.testing.assert_array_equal(t1, tan[:, q])
    np.testing.assert_array_equal(geo.at(s, seg=seg)[0], pt)
    np.testing.assert_allclose(np.linalg.norm(tan, axis=-1), 1.0, rtol=1e-12)


def test_arc_to_enu_broadcasts_like_its_reference():
    """(n, q) batches and a shared height give the reference's values, shape (n, q, 6)."""
    rng = np.random.default_rng(3)
    pt = rng.uniform(-3e5, 3e5, (4, 5, 2))
    pt[0, 0] = 0.0  # the origin, where the direction is undefined
    v = rng.normal(0, 100, (4, 5, 2))
    got = arc_to_enu(pt, 500.0, v, 0.0, 6371000.0)
    assert got.shape == (4, 5, 6)
    want = _ref_arc_to_enu(pt.reshape(-1, 2), np.full(20, 500.0), v.reshape(-1, 2),
                           np.zeros(20), 6371000.0)
    np.testing.assert_allclose(got.reshape(-1, 6), want, rtol=1e-12, atol=1e-7)


def test_composite_writes_compiled_rows_in_place(rng):
    """Compiled parts land in their (shuffled) rows next to a NumPy part; row 0 is the latter."""
    n, k = 5, 12
    t0 = rng.uniform(0.0, 10.0, n)
    dt = rng.uniform(0.5, 2.0, n)
    count = rng.integers(2, k + 1, n)
    end = t0 + (count - 1) * dt * rng.uniform(0.5, 1.0, n)
    pos, vel = rng.normal(0, 1e3, (n, k, 3)), rng.normal(0, 50, (n, k, 3))
    herm = HermiteTrajectory(t0, dt, end, pos, vel, count)
    line = PiecewiseLinearTrajectory(np.array([[0.0, 10.0]]),
                                     np.array([[[0, 0, 0], [10, 0, 0.0]]]))
    rows = np.array([3, 1, 5, 2, 4])
    one = np.ones(n + 1)
    comp = CompositeTrajectory(n + 1, [(rows, herm), (np.array([0]), line)], one, one, one)
    for t in np.concatenate([rng.uniform(-5, 40, 30), [-np.inf, np.inf]]):
        x = comp.states(t)
        np.testing.assert_array_equal(x[rows], herm.states(t))
        np.testing.assert_allclose(x[rows], _ref_hermite(herm, t), rtol=1e-9, atol=1e-6)
        np.testing.assert_array_equal(x[0], line.states(t)[0])


@pytest.mark.parametrize("t", [-1.0, 3.0, 1e9])
def test_empty_trajectories(t):
    """No threats: (0, 6) states."""
    h = HermiteTrajectory(np.zeros(0), np.ones(0), np.zeros(0), np.zeros((0, 2, 3)),
                          np.zeros((0, 2, 3)))
    assert h.states(t).shape == (0, 6)


def _blend_numpy(x, x0, y0, m0, xk, dm, b):
    """blend_eval's NumPy form of one function per row of ``x`` (n, q), written out: the
    reference of the compiled form (the same operations, NumPy's sums over the corners)."""
    u = x[:, :, None] - xk[:, None, :]
    bj = b[:, None, :]
    inv = 1.0 / np.maximum(bj, 1e-9)
    w = np.clip(u + bj, 0.0, 2.0 * bj)
    ramp = 0.25 * w * w * inv + np.maximum(u - bj, 0.0)
    slope = np.clip(0.5 * (u + bj) * inv, 0.0, 1.0)
    f = y0[:, None] + m0[:, None] * (x - x0[:, None]) + np.sum(dm[:, None, :] * ramp, axis=-1)
    df = m0[:, None] + np.sum(dm[:, None, :] * slope, axis=-1)
    return f, df


@pytest.mark.parametrize("J", [0, 1, 5, 8, 13, 25, 130])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_blend_is_numpys_bit_for_bit(J, seed):
    """blend_eval of one function per row (the compiled form, with NumPy's pairwise sums over
    the corners) gives NumPy's numbers bit for bit: corners of every blend width (0 too), far
    away (+inf padding), slopes of all magnitudes, points on and between the corners."""
    rng = np.random.default_rng(seed)
    n, q = 7, 11
    x0 = rng.uniform(-50, 50, n)
    y0 = rng.normal(0, 1e3, n)
    m0 = rng.normal(0, 3, n)
    xk = np.sort(rng.uniform(0, 1e4, (n, J)), axis=1)
    b = rng.uniform(0, 300, (n, J)) * (rng.random((n, J)) < 0.8)
    dm = rng.normal(0, 1, (n, J)) * 10.0 ** rng.integers(-6, 3, (n, J))
    if J:
        xk[:, -1:] = np.inf  # padding corners
        dm[:, -1:] = 0.0
    x = rng.uniform(-100, 1.1e4, (n, q))
    x[:, :min(q, J)] = (xk - b)[:, :min(q, J)]  # on the blends' ends
    x[~np.isfinite(x)] = 0.0
    got = blend_eval(x, x0, y0, m0, xk, dm, b)
    want = _blend_numpy(x, x0, y0, m0, xk, dm, b)
    for g, w in zip(got, want, strict=True):
        assert g.tobytes() == w.tobytes()


@pytest.mark.parametrize("seed", range(6))
def test_strictly_increasing_is_numpys_column_loop_bit_for_bit(seed):
    """The knots' 1 mm spacing (``flight._strictly_increasing``, compiled) equals the NumPy
    column loop it stands for, ``x[:, j] = maximum(x[:, j], x[:, j - 1] + 1e-3)`` left to
    right, bit for bit: knots out of order, repeated, 0.5 mm apart, a NaN (which propagates
    to the columns after it), and the input left as it was."""
    from airdefense.threats.flight import _strictly_increasing

    rng = np.random.default_rng(seed)
    xs = np.sort(rng.uniform(0.0, 5e4, (7, 9)), axis=1)
    xs[:, 3] = xs[:, 2]  # repeated
    xs[:, 5] = xs[:, 4] + 5e-4  # closer than 1 mm
    xs[1, 6] = xs[1, 2] - 10.0  # out of order
    xs[2, 4] = np.nan
    want = xs.copy()
    for j in range(1, want.shape[1]):
        want[:, j] = np.maximum(want[:, j], want[:, j - 1] + 1e-3)
    before = xs.copy()
    got = _strictly_increasing(xs)
    assert got.tobytes() == want.tobytes()
    assert before.tobytes() == xs.tobytes()
    assert np.all(np.diff(got[[0, 1, 3, 4, 5, 6]], axis=1) >= 1e-3 - 1e-9)
    assert np.isnan(got[2, 4:]).all()
