"""Boost-coast flyout: closed forms, inverse, calibration, and the intercept solver."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.engagement.flyout import (
    Flyout,
    ballistic_path,
    calibrate_drag,
    closest_approach,
    intercept_time,
    solve_intercept,
)

from .conftest import CATALOG


def _hand_distance(tau, vb, tb, k):
    """Distance flown from rest: uniform boost, then coast against dv/dt = -k v^2."""
    if tau <= tb:
        return 0.5 * vb / tb * tau * tau
    return 0.5 * vb * tb + np.log(1.0 + k * vb * (tau - tb)) / k


def test_distance_matches_hand_formula():
    """Distance and speed equal the textbook boost and drag-coast closed forms."""
    f = Flyout.single(1600.0, 6.0, 0.0, 1.3e-5)
    for tau in (1.0, 6.0, 10.0, 30.0):
        assert f.distance(tau)[0] == pytest.approx(_hand_distance(tau, 1600.0, 6.0, 1.3e-5))
    assert f.speed(3.0)[0] == pytest.approx(800.0)
    assert f.speed(16.0)[0] == pytest.approx(1600.0 / (1.0 + 1.3e-5 * 1600.0 * 10.0))


def test_speed_is_derivative_of_distance():
    """Speed equals the finite-difference derivative of distance, boost and coast."""
    f = Flyout.single(1000.0, 3.0, 0.0, 2e-5)
    tau = np.array([0.5, 2.0, 4.0, 10.0, 25.0])
    h = 1e-5
    fd = (f.distance(tau + h) - f.distance(tau - h)) / (2 * h)
    np.testing.assert_allclose(f.speed(tau), fd, rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 80000.0), st.sampled_from(["pac3", "pac2_gem", "hawk_mim23",
                                                  "tor_9m338", "gun_35mm"]))
def test_time_to_inverts_distance(dist, name):
    """time_to is the inverse of distance for every catalog interceptor."""
    f = Flyout.from_preset(CATALOG.interceptors[name])
    assert f.distance(f.time_to(dist))[0] == pytest.approx(dist, rel=1e-9)


@pytest.mark.parametrize("name", ["pac3", "pac2_gem", "hawk_mim23", "tor_9m338", "gun_35mm"])
def test_calibration_reaches_max_range_at_average_speed(name):
    """Each catalog flyout reaches max range in max_range / speed_mps seconds."""
    p = CATALOG.interceptors[name]
    f = Flyout.from_preset(p)
    assert f.time_to(p.max_range_m)[0] == pytest.approx(p.max_range_m / p.speed_mps, rel=1e-6)
    assert f.k[0] > 0


def test_calibrate_drag_zero_when_drag_free_is_too_slow():
    """No drag is calibrated when even a drag-free coast cannot beat the mean speed."""
    assert calibrate_drag(800.0, 2.0, 0.0, 10000.0, 800.0) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([(1000.0, 3.0, 0.0, 16000.0), (1600.0, 6.0, 0.0, 40000.0),
                        (900.0, 2.5, 30.0, 12000.0)]),
       st.lists(st.floats(0.55, 0.95), min_size=2, max_size=4))
def test_calibrate_drag_kept_by_value(boost, fractions):
    """A calibration kept from an earlier call is the one of the same five numbers: each of
    several mean speeds, asked for in turn and again (also as integers where they are), flies
    its own max range in max_range / mean_speed seconds."""
    vb, tb, v0, rng = boost
    means = [f * vb for f in fractions]
    ks = [calibrate_drag(vb, tb, v0, rng, m) for m in means]
    for m, k in zip(means * 2, ks * 2, strict=True):
        assert calibrate_drag(vb, tb, v0, rng, m) == k
        f = Flyout.single(vb, tb, v0, k)
        if k > 0:
            assert f.time_to(rng)[0] == pytest.approx(rng / m, rel=1e-6)
    assert calibrate_drag(int(vb), tb, int(v0), int(rng), means[0]) == ks[0]


def test_preset_rejects_unreachable_range(catalog):
    """A burnout speed too low for the average speed is a validation error naming the fields."""
    from pydantic import ValidationError

    data = catalog.interceptors["pac3"].model_dump()
    data["burnout_speed_mps"] = 1000.0
    with pytest.raises(ValidationError, match="burnout_speed_mps .* cannot reach max_range_m"):
        type(catalog.interceptors["pac3"]).model_validate(data)


def _boost_preset(catalog, **figures):
    """A Tor-class preset with the given flyout figures (validated)."""
    data = catalog.interceptors["tor_9m338"].model_dump()
    data.update(min_range_m=100.0, **figures)
    return type(catalog.interceptors["tor_9m338"]).model_validate(data)


def test_preset_rejects_a_range_the_boost_reaches_too_late(catalog):
    """The catalog's mean speed reached during the boost: a uniform boost from rest covers
    ``vb T^2 / (2 tb)`` in ``T < tb`` (1,000 m/s in 10 s: 1,250 m in 5 s), too short for
    2,000 m at 400 m/s, and no drag calibration can help. (The old check took the whole
    boost's mean speed ``vb / 2`` over the ``T`` seconds, 2,500 m, and let it through.)"""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"cannot reach max_range_m \(2000.0 m\).*1250 m "
                                              r"in 5.0 s"):
        _boost_preset(catalog, burnout_speed_mps=1000.0, burn_time_s=10.0, speed_mps=400.0,
                      max_range_m=2000.0)


def test_preset_rejects_a_range_the_boost_passes_too_soon(catalog):
    """A range reached during the boost before ``max_range / speed_mps`` (1,000 m/s in 10 s:
    1,000 m at 4.47 s, not 5 s at 200 m/s): drag acts only in the coast, so no ``k`` gives the
    catalog's mean speed."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"reach max_range_m \(1000.0 m\) during the "
                                              r"boost, in 4.5 s"):
        _boost_preset(catalog, burnout_speed_mps=1000.0, burn_time_s=10.0, speed_mps=200.0,
                      max_range_m=1000.0)


@settings(max_examples=80, deadline=None)
@given(st.floats(100.0, 3000.0), st.floats(0.5, 30.0), st.floats(0.05, 1.0),
       st.floats(1000.0, 100000.0))
def test_every_accepted_boost_preset_flies_its_catalog_figures(vb, tb, frac, max_range):
    """Any preset the catalog accepts reaches its maximum range at its mean speed, ``T =
    max_range / speed_mps`` (the calibration the docs promise); the others are refused."""
    from pydantic import ValidationError

    speed = max(frac * vb, 10.0)
    try:
        p = _boost_preset(CATALOG, burnout_speed_mps=vb, burn_time_s=tb, speed_mps=speed,
                          max_range_m=max_range)
    except ValidationError:
        return
    f = Flyout.from_preset(p)
    assert f.time_to(max_range)[0] == pytest.approx(max_range / speed, rel=1e-6)


def _first_intercept(p, v, u):
    """Smallest positive root of |p + v t| = u t (shooter at the origin): the quadratic
    (v.v - u^2) t^2 + 2 (p.v) t + p.p = 0, written out here (inf if there is none)."""
    a, b, c = v @ v - u * u, 2.0 * (p @ v), p @ p
    if abs(a) < 1e-12:
        roots = [-c / b] if b < 0 else []
    else:
        disc = b * b - 4.0 * a * c
        roots = [] if disc < 0 else [(-b - np.sqrt(disc)) / (2 * a),
                                     (-b + np.sqrt(disc)) / (2 * a)]
    pos = [r for r in roots if r > 0]
    return min(pos) if pos else np.inf


@settings(max_examples=40, deadline=None)
@given(st.floats(-30000, 30000), st.floats(-30000, 30000), st.floats(0, 10000),
       st.floats(-300, 300), st.floats(-300, 300), st.floats(-50, 50))
def test_solver_matches_constant_speed_closed_form(x, y, z, vx, vy, vz):
    """With constant speed and a straight target the solver equals the quadratic's root."""
    X = np.array([[x, y, z, vx, vy, vz]])
    speed = 900.0
    f = Flyout(*(np.full((1, 1), v) for v in (speed, 0.0, speed, 0.0)))
    u = solve_intercept(ballistic_path(X), np.zeros((1, 3)), f, np.full((1, 1), 400.0))[0, 0]
    ref = _first_intercept(X[0, :3], X[0, 3:], speed)
    if np.isfinite(ref) and ref < 400.0 and ref > 0.05:
        # The solver stops once its gap is below tol_m = 0.01 m; the gap grows at least at
        # speed - |v| m/s in time, so the time is within 0.01 / (speed - |v|) s of the root.
        assert u == pytest.approx(ref, rel=0, abs=0.01 / (speed - np.linalg.norm(X[0, 3:])))


@settings(max_examples=60, deadline=None)
@given(st.floats(-30000, 30000), st.floats(-30000, 30000), st.floats(-5000, 10000),
       st.floats(-1500, 1500), st.floats(-1500, 1500), st.floats(-300, 300),
       st.floats(200, 1200))
def test_intercept_time_meets_the_target_first(x, y, z, vx, vy, vz, speed):
    """intercept_time: at the time it returns the round (flown u tau from the shooter) is
    where the target is, |p + v tau - s| = u tau, and it is the first such time (the
    quadratic's smallest positive root); inf where the target outruns the round."""
    s = np.array([100.0, -200.0, 50.0])
    p, v = np.array([x, y, z]), np.array([vx, vy, vz])
    tau = float(intercept_time(s, speed, p, v))
    ref = _first_intercept(p - s, v, speed)
    if np.isinf(ref):
        assert np.isinf(tau)
        return
    assert tau == pytest.approx(ref, rel=1e-9, abs=1e-9)
    d = float(np.linalg.norm(p + v * tau - s))
    assert d == pytest.approx(speed * tau, rel=1e-7, abs=1e-6)


def test_intercept_time_textbook_cases():
    """Head-on: closing at u + w from D, tau = D / (u + w); tail chase: D / (u - w); a
    receding target faster than the round: inf; broadcasting (q, 1) against (1, m)."""
    assert intercept_time(np.zeros(3), 800.0, [10000.0, 0, 0], [-200.0, 0, 0]) == \
        pytest.approx(10.0)
    assert intercept_time(np.zeros(3), 800.0, [6000.0, 0, 0], [200.0, 0, 0]) == \
        pytest.approx(10.0)
    assert np.isinf(intercept_time(np.zeros(3), 300.0, [6000.0, 0, 0], [400.0, 0, 0]))
    # crossing: target 4 km out, flying 300 m/s across the line of sight:
    # 4000^2 + (300 t)^2 = (500 t)^2 gives t = 10 s
    assert intercept_time(np.zeros(3), 500.0, [4000.0, 0, 0], [0.0, 300.0, 0]) == \
        pytest.approx(10.0)
    shooters = np.array([[[0.0, 0, 0], [2000.0, 0, 0]]])  # (1, 2, 3)
    tgt = np.array([[[10000.0, 0, 0]], [[12000.0, 0, 0]]])  # (2, 1, 3)
    got = intercept_time(shooters, 800.0, tgt, np.array([-200.0, 0, 0]))
    np.testing.assert_allclose(got, [[10.0, 8.0], [12.0, 10.0]])


@settings(max_examples=40, deadline=None)
@given(st.floats(-60000, 60000), st.floats(-60000, 60000), st.floats(50, 15000),
       st.floats(-800, 800), st.floats(-800, 800), st.floats(-300, 300),
       st.sampled_from([np.nan, -0.7, 0.0, 0.4, 30.0, -500.0]))
def test_warm_started_solver_finds_the_cold_solution(x, y, z, vx, vy, vz, shift):
    """A guess near the last intercept, a bad guess or none: the same first intercept."""
    X = np.array([[x, y, z, vx, vy, vz], [0.7 * x, y, 0.5 * z, -vx, vy, 0.0]])
    f = Flyout.from_preset(CATALOG.interceptors["pac2_gem"])
    f = Flyout(*(getattr(f, a)[:, None] for a in ("vb", "tb", "v0", "k")))
    H = np.full((2, 1), 200.0)
    path = ballistic_path(X, np.array([9.80665, 0.0]))
    cold = solve_intercept(path, np.zeros((1, 3)), f, H)
    warm = solve_intercept(path, np.zeros((1, 3)), f, H, u0=cold + shift)
    np.testing.assert_array_equal(np.isfinite(warm), np.isfinite(cold))
    fin = np.isfinite(cold)
    # Away from grazing geometries the first sign change is the one found near the guess.
    np.testing.assert_allclose(warm[fin], cold[fin], atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(st.floats(-5000, 5000), st.floats(-5000, 5000), st.floats(-300, 300),
       st.floats(-300, 300), st.floats(0.1, 20.0))
def test_closest_approach_matches_the_closed_form(rx, ry, wx, wy, dt):
    """Relative motion r + w t: the minimum of |r + w t| over [0, dt] in closed form."""
    p0 = np.zeros((1, 3))
    v0 = np.zeros((1, 3))
    q0 = np.array([[rx, ry, 100.0]])
    w0 = np.array([[wx, wy, 0.0]])
    tau, miss = closest_approach(p0, v0, q0, w0, dt)
    ww = wx * wx + wy * wy
    t_star = 0.0 if ww == 0 else min(max(-(rx * wx + ry * wy) / ww, 0.0), dt)
    assert tau[0] == pytest.approx(t_star, abs=1e-9)
    want = np.hypot(rx + wx * t_star, ry + wy * t_star)
    assert miss[0] == pytest.approx(np.hypot(want, 100.0), rel=1e-12, abs=1e-9)


_NAMES = ["pac3", "pac2_gem", "hawk_mim23", "tor_9m338", "gun_35mm"]


def _integrated_flight(p, k, t_end):
    """The flyout integrated numerically (scipy's ``solve_ivp``, not the closed forms): uniform
    acceleration to the burnout speed over the burn time, then ``dv/dt = -k v^2``; returns the
    dense solution of ``(s, v)`` over ``[0, t_end]``."""
    from scipy.integrate import solve_ivp

    vb = p.burnout_speed_mps
    tb = p.burn_time_s or 0.0
    v0 = vb if tb == 0.0 else 0.0

    def rhs(t, y):
        a = (vb - v0) / tb if t < tb else -k * y[1] * y[1]
        return [y[1], a]

    return solve_ivp(rhs, (0.0, t_end), [0.0, v0], method="DOP853", rtol=1e-11, atol=1e-9,
                     dense_output=True, max_step=0.05 if tb else np.inf).sol


@pytest.mark.parametrize("name", _NAMES)
def test_flyout_is_the_integrated_equation_of_motion(name):
    """Distance and speed equal the equation of motion integrated numerically, and the round
    reaches its maximum range at the catalog's ``max_range / speed_mps`` (found on the
    integrated flight by root finding)."""
    from scipy.optimize import brentq

    p = CATALOG.interceptors[name]
    f = Flyout.from_preset(p)
    T = p.max_range_m / p.speed_mps
    sol = _integrated_flight(p, float(f.k[0]), 1.5 * T)
    for tau in np.linspace(0.1, 1.5 * T, 13):
        s, v = sol(tau)
        assert f.distance(tau)[0] == pytest.approx(s, rel=1e-7, abs=1e-6)
        assert f.speed(tau)[0] == pytest.approx(v, rel=1e-7)
    t_max = brentq(lambda u: sol(u)[0] - p.max_range_m, 1e-3, 1.5 * T, xtol=1e-10)
    assert t_max == pytest.approx(T, rel=1e-6)


def _doc_table():
    """The flyout table of docs/engagement.md: name -> its cells."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "engagement.md").read_text()
    rows = {}
    for line in text.split("## Interceptor flyout", 1)[1].split("##", 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in _NAMES:
            rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize("name", _NAMES)
def test_the_docs_flyout_table_is_the_integrated_flight(name):
    """docs/engagement.md's flyout table (burnout speed, burn time, k, time to maximum range,
    speed there, max g, minimum flight time) is the catalog's and the integrated flight's, to
    its rounding."""
    p = CATALOG.interceptors[name]
    cells = _doc_table()[name]
    f = Flyout.from_preset(p)
    T = p.max_range_m / p.speed_mps
    _, v_T = _integrated_flight(p, float(f.k[0]), T)(T)
    assert cells[1] == p.guidance
    assert float(cells[2].split()[0]) == p.burnout_speed_mps
    assert float(cells[3]) == (p.burn_time_s or 0.0)
    assert float(cells[4]) == pytest.approx(f.k[0] * 1e3, abs=5e-5)
    assert float(cells[5]) == pytest.approx(T, abs=0.05)
    assert float(cells[6]) == pytest.approx(v_T, abs=0.5)
    assert float(cells[7]) == p.max_g and float(cells[8]) == p.min_flight_time_s
