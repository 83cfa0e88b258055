"""Predicted intercept points, envelope limits and launch windows against hand computations."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.engagement import _kernels
from airdefense.engagement.envelope import (
    FAR_EDGE_MARGIN,
    LOW_EDGE_MARGIN_M,
    _launcher_rows,
    envelope_margin,
    feasibility,
    kind_codes,
    launch_window_delays,
    track_gravity,
    window_times,
)
from airdefense.engagement.flyout import GRAVITY_MPS2, Flyout
from airdefense.errors import AirDefenseError
from airdefense.geo import SphereHeight

from .conftest import CATALOG, flat, make_launchers


def _hand_distance(tau, vb, tb, k):
    """Distance flown from rest: uniform boost, then coast against dv/dt = -k v^2."""
    if tau <= tb:
        return 0.5 * vb / tb * tau * tau
    return 0.5 * vb * tb + np.log(1.0 + k * vb * (tau - tb)) / k


def _k(name):
    return Flyout.from_preset(CATALOG.interceptors[name]).k[0]


def test_pip_head_on_ballistic():
    """A head-on ballistic target is met where gravity puts it, not on its tangent line."""
    L = make_launchers(["pac3"])
    p = CATALOG.interceptors["pac3"]
    u_star = 12.0
    s = _hand_distance(u_star, p.burnout_speed_mps, p.burn_time_s, _k("pac3"))
    el = np.radians(30.0)
    pip = s * np.array([np.cos(el), 0.0, np.sin(el)])
    v_pip = np.array([-1800.0, 0.0, -900.0])  # coming straight at the launcher, descending
    v0 = v_pip + np.array([0.0, 0.0, GRAVITY_MPS2 * u_star])
    p0 = pip - v0 * u_star + np.array([0.0, 0.0, 0.5 * GRAVITY_MPS2 * u_star ** 2])
    x = np.hstack([p0, v0])[None]
    res = feasibility(x, L, flat, 100.0, kind=["ballistic"])
    assert res["tof"][0, 0] == pytest.approx(u_star, abs=1e-4)
    np.testing.assert_allclose(res["pip"][0, 0], pip, atol=0.2)
    assert res["intercept_time_s"][0, 0] == pytest.approx(100.0 + u_star, abs=1e-4)
    assert res["inside"][0, 0]
    # The straight-line prediction misses the gravity drop by hundreds of metres.
    lin = feasibility(x, L, flat, 100.0, kind=["ballistic"], predict="linear")
    assert np.linalg.norm(lin["pip"][0, 0] - pip) > 300.0


def test_pip_crossing_cruise_constant_speed():
    """A crossing cruise missile: the PIP solves |d + v u| = w u (quadratic by hand)."""
    L = make_launchers(["hawk_mim23"], burnout_speed_mps=None, burn_time_s=None)
    w = 750.0
    p0 = np.array([-8000.0, 6000.0, 100.0])
    v = np.array([250.0, 0.0, 0.0])
    a = 250.0 ** 2 - w ** 2
    b = 2.0 * (-8000.0 * 250.0)
    c = 8000.0 ** 2 + 6000.0 ** 2 + 100.0 ** 2
    u_star = (-b - np.sqrt(b * b - 4 * a * c)) / (2 * a)
    assert u_star > 0
    res = feasibility(np.hstack([p0, v])[None], L, flat, 0.0, kind=["cruise"])
    assert res["tof"][0, 0] == pytest.approx(u_star, rel=1e-7)
    np.testing.assert_allclose(res["pip"][0, 0], p0 + v * u_star, atol=1e-3)
    assert res["crossing_m"][0, 0] == pytest.approx(6000.0)
    assert res["inside"][0, 0]


def test_pip_drone_boost_coast():
    """A slow drone: the boost-coast round meets it at the hand-built point and time."""
    L = make_launchers(["tor_9m338"], positions=[[100.0, -200.0, 5.0]])
    p = CATALOG.interceptors["tor_9m338"]
    u_star = 8.0
    s = _hand_distance(u_star, p.burnout_speed_mps, p.burn_time_s, _k("tor_9m338"))
    d = np.array([0.6, 0.79, 0.1])
    pip = np.array([100.0, -200.0, 5.0]) + s * d / np.linalg.norm(d)
    v = np.array([-40.0, -30.0, 0.0])
    x = np.hstack([pip - v * u_star, v])[None]
    res = feasibility(x, L, flat, 0.0, kind=["drone"])
    assert res["tof"][0, 0] == pytest.approx(u_star, abs=1e-6)
    np.testing.assert_allclose(res["pip"][0, 0], pip, atol=1e-3)
    assert res["inside"][0, 0]
    assert 0.0 < res["pk"][0, 0] <= p.pk["drone"]


CASES = {
    # name: (interceptor, overrides, state, kind, inside)
    "nominal": ("pac3", {}, [15000, 0, 5000, -300, 0, 0], "cruise", True),
    "beyond max range": ("pac3", {}, [40000, 0, 5000, -100, 0, 0], "cruise", False),
    "above max altitude": ("pac3", {}, [10000, 0, 25000, -100, 0, 0], "aircraft", False),
    "below min altitude": ("pac3", {}, [10000, 0, 20, -100, 0, 0], "cruise", False),
    "too fast": ("pac3", {}, [30000, 0, 10000, -3500, 0, 0], "aircraft", False),
    "too much crossing": ("pac3", {}, [-20000, 18000, 5000, 300, 0, 0], "aircraft", False),
    "crossing inside": ("pac3", {}, [-20000, 12000, 5000, 300, 0, 0], "aircraft", True),
    "dead zone: min range": ("pac3", {}, [1500, 0, 500, -10, 0, 0], "drone", False),
    "dead zone: unguided boost": ("pac3", {"min_flight_time_s": 8.0},
                                  [5000, 0, 1000, -50, 0, 0], "drone", False),
    "dead zone: overhead cone": ("gun_35mm", {}, [50, 0, 2000, -1, 0, 0], "drone", False),
    "gun below the cone": ("gun_35mm", {}, [1500, 0, 1000, -1, 0, 0], "drone", True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_envelope_limits(case):
    """Each envelope limit alone puts an otherwise good intercept outside."""
    name, over, state, kind, want = CASES[case]
    L = make_launchers([name], **over)
    res = feasibility(np.array([state], float), L, flat, 0.0, kind=[kind])
    assert bool(res["inside"][0, 0]) is want
    assert bool(res["margin"][0, 0] >= 0) is want
    assert bool(res["pk"][0, 0] > 0) is (want and CATALOG.interceptors[name].pk[kind] > 0)


def test_window_edges_hand_computed():
    """Inbound drone over a Tor: the window opens when the PIP reaches 16 km less the far-edge
    margin, closes on exit there."""
    L = make_launchers(["tor_9m338"])
    x = np.array([[30000.0, 0.0, 1000.0, -50.0, 0.0, 0.0]])
    t = 10.0
    res = feasibility(x, L, flat, t, kind=["drone"], horizon_s=1200.0)
    r_fire = 16000.0 * (1.0 - FAR_EDGE_MARGIN)
    xr = np.sqrt(r_fire ** 2 - 1000.0 ** 2)
    tof_max = float(L.flyout.time_to(np.array([r_fire]))[0])
    open_ = t + (30000.0 - xr) / 50.0 - tof_max
    close = t + (30000.0 + xr) / 50.0 - tof_max
    assert res["window_open_s"][0, 0] == pytest.approx(open_, abs=0.1)
    assert res["window_close_s"][0, 0] == pytest.approx(close, abs=0.1)
    assert not res["inside"][0, 0]


@pytest.mark.parametrize("edge,sign", [("window_open_s", -1), ("window_open_s", 1),
                                       ("window_close_s", -1), ("window_close_s", 1)])
def test_launching_at_window_edges(edge, sign):
    """A launch just inside the window is feasible and one just outside is not."""
    L = make_launchers(["pac3"])
    x = np.array([[60000.0, 8000.0, 3000.0, -250.0, 0.0, 0.0]])
    res = feasibility(x, L, flat, 0.0, kind=["cruise"])
    te = res[edge][0, 0]
    assert np.isfinite(te) and te > 0
    tl = te + sign * 0.5
    xl = x.copy()
    xl[0, :3] += x[0, 3:] * tl
    later = feasibility(xl, L, flat, tl, kind=["cruise"], windows=False)
    inside_window = (sign > 0) == (edge == "window_open_s")
    assert bool(later["inside"][0, 0]) is inside_window


def test_window_none_for_receding_target():
    """A target flying away out of reach has no launch window (NaN) and is not inside."""
    L = make_launchers(["tor_9m338"])
    res = feasibility(np.array([[20000.0, 0, 500, 200, 0, 0]]), L, flat, 0.0, kind=["cruise"])
    assert np.isnan(res["window_open_s"][0, 0]) and np.isnan(res["window_close_s"][0, 0])
    assert not res["inside"][0, 0]


def test_launch_now_is_in_window_when_inside():
    """Wherever the PIP is inside, the window contains the decision time."""
    rng = np.random.default_rng(3)
    L = make_launchers(["pac3", "tor_9m338", "hawk_mim23", "gun_35mm"],
                       positions=[[0, 0, 0], [2000, 0, 0], [0, 3000, 0], [500, 500, 0]])
    x = np.column_stack([rng.uniform(-40000, 40000, (200, 2)), rng.uniform(50, 9000, 200),
                         rng.normal(0, 250, (200, 2)), rng.normal(0, 20, 200)])
    t = 50.0
    res = feasibility(x, L, flat, t, kind=["cruise"] * 200)
    ins = res["inside"]
    assert ins.any()
    assert (res["window_open_s"][ins] <= t).all() and (res["window_close_s"][ins] >= t).all()
    assert (res["pk"][~ins] == 0).all()


def test_empty_inputs():
    """No tracks or no launchers give empty (m, L) arrays."""
    L = make_launchers(["pac3"])
    res = feasibility(np.zeros((0, 6)), L, flat, 0.0)
    assert res["tof"].shape == (0, 1) and res["pip"].shape == (0, 1, 3)


def test_prediction_model_choice():
    """Ballistic tracks fall under gravity; a bad predict name is an error naming it."""
    x = np.array([[0, 0, 30000, 1500, 0, -800], [0, 0, 100, 50, 0, 0]], float)
    np.testing.assert_allclose(track_gravity(x, ["ballistic", "drone"]), [GRAVITY_MPS2, 0])
    np.testing.assert_allclose(track_gravity(x), [GRAVITY_MPS2, 0])  # inferred
    np.testing.assert_array_equal(kind_codes(["drone", "ballistic"]), [0, 2])
    with pytest.raises(AirDefenseError, match="predict must be 'linear' or 'ballistic'.*'orbit'"):
        track_gravity(x, predict="orbit")
    # A string array per track (the fire control's form), and the same error from it.
    np.testing.assert_array_equal(track_gravity(x, predict=np.array(["linear", "ballistic"])),
                                  [0.0, GRAVITY_MPS2])
    with pytest.raises(AirDefenseError, match="predict must be 'linear' or 'ballistic'.*'orbit'"):
        track_gravity(x, predict=np.array(["linear", "orbit"]))


def _fine_grid_windows(x, g, L, heights, horizon_s, n=40001):
    """Reference windows: the NumPy envelope margin on a fine grid of intercept times."""
    u = np.linspace(0.0, horizon_s, n)
    pos = x[None, :3] + x[None, 3:] * u[:, None]
    pos[:, 2] -= 0.5 * g * u * u
    vel = np.broadcast_to(x[3:], pos.shape).copy()
    vel[:, 2] -= g * u
    d = np.linalg.norm(pos[:, None, :] - L.enu[None], axis=-1)  # (n, L)
    tof = L.flyout.time_to(d)
    margin, _ = envelope_margin(L, pos[:, None], vel[:, None], tof, heights(pos)[:, None])
    # The fire decision's far edge: inside the maximum range by the margin; its low edge:
    # above a floor above the surface by the low-edge margin.
    floor = np.where(L.min_alt > 0, L.min_alt + LOW_EDGE_MARGIN_M, L.min_alt)
    ok = ((margin >= 0) & (d <= L.max_range[None] * (1.0 - FAR_EDGE_MARGIN))
          & (heights(pos)[:, None] >= floor[None]))
    delta = u[:, None] - tof
    lo = np.where(ok, delta, np.inf).min(axis=0)
    hi = np.where(ok, delta, -np.inf).max(axis=0)
    return np.where(np.isfinite(lo), lo, np.nan), np.where(np.isfinite(hi), hi, np.nan)


@settings(max_examples=25, deadline=None)
@given(st.floats(-40000, 40000), st.floats(-40000, 40000), st.floats(30, 12000),
       st.floats(-300, 300), st.floats(-300, 300), st.sampled_from(["drone", "cruise",
                                                                  "ballistic"]),
       st.sampled_from([np.inf, 6.4e6]))
def test_launch_windows_match_a_fine_grid_of_the_envelope_margin(px, py, pz, vx, vy, kind,
                                                                 radius):
    """The compiled window search agrees with the margin test on a 10 ms grid (spheres too)."""
    L = make_launchers(["pac3", "hawk_mim23", "tor_9m338"],
                       positions=[[0, 0, 0], [8000, -3000, 50], [-5000, 6000, 0]])
    vz = -1200.0 if kind == "ballistic" else 0.0
    x = np.array([px, py, pz, vx, vy, vz])
    g = GRAVITY_MPS2 if kind == "ballistic" else 0.0
    heights = SphereHeight(radius)
    horizon = 400.0
    lo, hi = launch_window_delays(x[None], L, heights, kind=[kind], horizon_s=horizon)
    if kind == "ballistic":  # the search stops where the track reaches the ground
        h0 = max(float(heights(x[None, :3])[0]), 0.0)
        horizon = min(horizon, (vz + np.sqrt(vz * vz + 2 * g * h0)) / g)
    ref_lo, ref_hi = _fine_grid_windows(x, g, L, heights, horizon)
    # A window narrower than the coarse grid can be missed; any window found is real.
    found = np.isfinite(lo[0])
    assert not (found & ~np.isfinite(ref_lo)).any()
    wide = np.isfinite(ref_lo) & (ref_hi - ref_lo > horizon / 31 * 2)
    assert found[wide].all()
    # Edges to the bisection tolerance, 0.1 s of intercept time u, plus the grid step. The
    # launch delay u - tof(u) moves by (1 - dtof/du) times u, and for a target closing on the
    # launcher -dtof/du is up to its speed over the interceptor's (a ballistic missile falling
    # on the PAC-3 at 1,200 m/s: an edge 0.15 s off, hypothesis found).
    tol = 0.1 * (1.0 + np.linalg.norm(x[3:]) / L.speed.min()) + 0.05
    np.testing.assert_allclose(lo[0, found], ref_lo[found], atol=tol)
    np.testing.assert_allclose(hi[0, found], ref_hi[found], atol=tol)


def test_heights_must_carry_their_sphere():
    """The compiled windows need the radius: an arbitrary callable is refused by name."""
    L = make_launchers(["pac3"])
    x = np.array([[30000.0, 0.0, 1000.0, -200.0, 0.0, 0.0]])
    with pytest.raises(TypeError, match="heights_fn must be a SphereHeight or a Frame's "
                                        "height_m"):
        launch_window_delays(x, L, lambda p: p[:, 2], kind=["cruise"])


_delays = st.one_of(st.just(np.nan), st.floats(-500, 500))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_delays, _delays, st.booleans()), min_size=1, max_size=12),
       st.floats(0, 3000))
def test_window_times_follow_their_definition(rows, t):
    """Windows in absolute time: clipped to start now, launch-now pairs contain now, NaN where
    no launch delay is left (the statement in NumPy, NaN rules included)."""
    lo, hi, ins = (np.array(c).reshape(-1, 1) for c in zip(*rows, strict=True))
    res = window_times(t, lo.astype(float), hi.astype(float), ins.astype(bool))
    w_lo = np.where(ins, np.fmin(lo, 0.0), lo)
    w_hi = np.where(ins, np.fmax(hi, 0.0), hi)
    none = ~(w_hi >= 0.0)
    np.testing.assert_array_equal(res["window_open_s"],
                                  np.where(none, np.nan, t + np.maximum(w_lo, 0.0)))
    np.testing.assert_array_equal(res["window_close_s"], np.where(none, np.nan, t + w_hi))


@settings(max_examples=40, deadline=None)
@given(st.floats(-50000, 50000), st.floats(0, 60000), st.floats(-2500, 2500),
       st.sampled_from([0.0, GRAVITY_MPS2]), st.sampled_from([np.inf, 6.4e6]))
def test_search_horizon_is_the_time_to_the_ground(px, pz, vz, g, radius):
    """A falling track is searched until it reaches the ground (the root of the height
    equation on flat ground; at most the horizon)."""
    x = np.array([[px, 0.0, pz, 300.0, 0.0, vz]])
    U = _kernels.horizons(x, np.array([g]), radius, 600.0)[0]
    if g == 0.0:
        assert U == 600.0
        return
    h0 = max(float(SphereHeight(radius)(x[:, :3])[0]), 0.0)
    t_ground = (vz + np.sqrt(vz * vz + 2 * g * h0)) / g  # h0 + vz t - g t^2 / 2 = 0
    assert U == pytest.approx(max(min(600.0, t_ground), 1e-3), rel=1e-12)
    if np.isinf(radius) and 1e-3 < U < 600.0:
        assert h0 + vz * U - 0.5 * g * U * U == pytest.approx(0.0, abs=1e-6 * max(h0, 1.0))


def test_launcher_table_is_rebuilt_when_an_array_is_replaced():
    """The kernels' launcher table is kept, but a replaced figure is seen at once."""
    L = make_launchers(["pac3", "tor_9m338"])
    first = _launcher_rows(L)
    assert _launcher_rows(L) is first
    x = np.array([[30000.0, 0.0, 1000.0, -200.0, 0.0, 0.0]])
    before = feasibility(x, L, flat, 0.0, kind=["cruise"])["inside"][0, 0]
    L.max_range = np.array([1000.0, L.max_range[1]])  # PAC-3 now reaches only 1 km
    assert _launcher_rows(L)[0, 4] == 1000.0
    assert before and not feasibility(x, L, flat, 0.0, kind=["cruise"])["inside"][0, 0]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from(["drone", "cruise", "ballistic"]))
def test_skipped_searches_are_those_that_find_nothing(seed, kind):
    """Pairs whose search is skipped (the path stays beyond reach or beyond the maximum range)
    get what the full search gives: the same times of flight as the unskipped intercept
    solver, bit for bit, and windows only where the path comes within range."""
    rng = np.random.default_rng(seed)
    L = make_launchers(["pac3", "hawk_mim23", "tor_9m338", "gun_35mm"],
                       positions=[[0, 0, 0], [8000, -3000, 50], [-5000, 6000, 0], [300, 200, 0]])
    m = 30
    x = np.column_stack([rng.uniform(-120000, 120000, (m, 2)), rng.uniform(30, 12000, m),
                         rng.normal(0, 250, (m, 2)), np.zeros(m)])
    if kind == "ballistic":
        x[:, 5] = -rng.uniform(200, 1500, m)
    res = feasibility(x, L, flat, 0.0, kind=[kind] * m)
    g = track_gravity(x, [kind] * m)
    U = _kernels.horizons(x, g, np.inf, 600.0)
    H = np.minimum(U[:, None], L.max_tof[None, :])
    fl = L.flyout
    ref = _kernels.solve_intercepts(x, g, L.enu[None], fl.vb[None], fl.tb[None], fl.v0[None],
                                    fl.k[None], H, np.zeros((1, 1)), np.full((1, 1), np.nan),
                                    16, 5, 0.01)
    np.testing.assert_array_equal(res["tof"], ref)
    # Windows only where some point of the searched path is within the maximum range.
    u = np.linspace(0.0, 1.0, 2001)[None, :] * U[:, None]
    pos = x[:, None, :3] + x[:, None, 3:] * u[..., None]
    pos[..., 2] -= 0.5 * g[:, None] * u * u
    d = np.linalg.norm(pos[:, :, None, :] - L.enu[None, None], axis=-1).min(axis=1)
    has = np.isfinite(res["window_close_s"])
    assert not (has & (d > L.max_range[None, :] * (1 + 1e-6))).any()


def test_deferred_windows_give_the_search_and_refuse_other_words():
    """``windows="deferred"`` returns the launch-now figures unchanged and the arguments of
    the compiled window search instead of the windows; another word is refused by name."""
    L = make_launchers(["pac3", "hawk_mim23"], positions=[[0, 0, 0], [8000, -3000, 50]])
    x = np.array([[30000.0, 2000.0, 1000.0, -200.0, 0.0, 0.0]])
    full = feasibility(x, L, flat, 10.0, kind=["cruise"])
    lazy = feasibility(x, L, flat, 10.0, kind=["cruise"], windows="deferred")
    assert "window_open_s" not in lazy
    for key in ("tof", "pip", "inside", "pk", "margin"):
        np.testing.assert_array_equal(lazy[key], full[key])
    xs, g, U, lp, radius, n, n_refine = lazy["window_search"]
    assert xs.shape == (1, 6) and U.shape == (1,) and n == 32
    assert lp.shape == (2, _kernels.N_LAUNCHER_COLS) == (2, _kernels.GUN + 5)
    with pytest.raises(ValueError, match="windows must be True, False or 'deferred', got 'lazy'"):
        feasibility(x, L, flat, 10.0, kind=["cruise"], windows="lazy")


def _three_launchers_and_tracks(rng, m: int, half_width_m: float):
    """PAC-3, HAWK and Tor launchers, and m random tracks within ``half_width_m`` (a third
    of them falling, classed ballistic; the others level, cruise): (launchers, x (m, 6),
    kind (m,))."""
    L = make_launchers(["pac3", "hawk_mim23", "tor_9m338"],
                       positions=[[0, 0, 0], [8000, -3000, 50], [-5000, 6000, 0]])
    falling = rng.random(m) < 0.3
    x = np.column_stack([rng.uniform(-half_width_m, half_width_m, (m, 2)),
                         np.where(falling, rng.uniform(8e3, 3e4, m), rng.uniform(50, 3e3, m)),
                         rng.uniform(-300, 300, (m, 2)),
                         np.where(falling, -rng.uniform(300, 1200, m), 0.0)])
    return L, x, np.where(falling, "ballistic", "cruise")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.sampled_from([np.inf, 6.4e6]))
def test_one_pair_window_equals_the_full_search(seed, m, radius):
    """The window of one pair, searched alone (deferred geometry), closes when the full search
    says, bit for bit, for every pair of random tracks (falling ones too)."""
    from airdefense.engagement.envelope import window_close

    rng = np.random.default_rng(seed)
    L, x, kind = _three_launchers_and_tracks(rng, m, 6e4)
    heights = SphereHeight(radius)
    full = feasibility(x, L, heights, 50.0, kind=kind)
    lazy = feasibility(x, L, heights, 50.0, kind=kind, windows="deferred")
    for i in range(m):
        for j in range(len(L)):
            want = full["window_close_s"][i, j]
            got = window_close(lazy, 50.0, i, j)
            assert (np.isnan(want) and np.isnan(got)) or got == want
            from_full = window_close(full, 50.0, i, j)
            assert (np.isnan(want) and np.isnan(from_full)) or from_full == want


def test_fire_control_radar_must_cover_the_intercept_point():
    """An intercept point below the fire-control radar's horizon or elevation limits is
    outside the envelope, though within the launcher's range and the radar's range and
    sector: the envelope's answer equals the radar coverage of an independent NumPy model
    (tests/sensors/reference_radar.py) at every point of a grid."""
    from airdefense import load_scenario
    from airdefense.engagement import _kernels as K
    from airdefense.engagement.model import Engagement
    from airdefense.geo import point_above_sphere, sphere_coords
    from airdefense.sensors.coverage import Coverage
    from airdefense.simulation.events import EventLog
    from tests.conftest import EXAMPLES
    from tests.sensors.reference_radar import ref_pairs

    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    E = Engagement(sc, EventLog(), np.random.default_rng(0))
    L = E.launchers
    lp = _launcher_rows(L)
    r = sc.frame.radius_m
    checked = {True: 0, False: 0}
    for j in (0, 4, 7):  # PAC-3 (MPQ-65), HAWK (illuminator), Tor
        fc = sc.sensors[L.fire_control[j]]
        cov = Coverage([fc.preset], fc.enu[None], sc.frame, sc.terrain)
        site = sphere_coords(L.enu[j][None], r)[0]
        for az, d, h in itertools.product(
                L.fc_bore[j] + np.radians([0.0, 55.0, 70.0, 130.0]),
                np.linspace(0.2, 0.95, 9) * L.max_range[j],
                (1.0, 2.0, 4.0, 8.0, 20.0, 60.0, 200.0, 1500.0)):
            q = point_above_sphere(np.array([site[0] + d * np.sin(az)]),
                                   np.array([site[1] + d * np.cos(az)]), np.array([h]), r)
            with np.errstate(all="ignore"):
                _, _, seen = ref_pairs(cov, np.zeros(1, np.intp), q)
            # A slow target flying at the launcher (no crossing range), a time of flight
            # inside every limit.
            u = (L.enu[j, :2] - q[0, :2]) / np.linalg.norm(L.enu[j, :2] - q[0, :2])
            tof = max(float(L.min_tof[j]), 1.0) + 5.0
            margin = K.envelope_at(q[0, 0], q[0, 1], q[0, 2], 30.0 * u[0], 30.0 * u[1],
                                   0.0, tof, h, lp, j)[0]
            launcher_ok = (L.min_alt[j] <= h <= L.max_alt[j])
            if launcher_ok:
                assert (margin >= 0.0) == bool(seen[0]), (j, d, h, margin)
                checked[bool(seen[0])] += 1
    assert checked[True] > 20 and checked[False] > 20  # both sides of the rule are tested


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.sampled_from([np.inf, 6.4e6]))
def test_ordered_pairs_are_the_deferred_geometry_of_those_pairs(seed, m, radius):
    """The fire control's figures of chosen pairs, in one call (:func:`_order_pairs`), are
    those of the deferred geometry of every pair and the pair's own window search, bit for
    bit: envelope test, intercept point, Pk, window close and the Pk's other inputs, pairs in
    any order, repeated."""
    from airdefense.engagement.envelope import _order_pairs, _solve, kernel_inputs, window_close

    rng = np.random.default_rng(seed)
    L, x, kind = _three_launchers_and_tracks(rng, m, 3e4)
    k = kernel_inputs(x, kind, L, SphereHeight(radius), quality=rng.uniform(0.5, 1.0, m),
                      target_g=rng.uniform(1.0, 9.0, m))
    geo = _solve(50.0, k, "deferred")
    p = int(rng.integers(1, 2 * m * len(L) + 1))
    rows = rng.integers(0, m, p).astype(np.int64)
    cols = rng.integers(0, len(L), p).astype(np.int64)
    fig = _order_pairs(50.0, k, rows, cols)
    assert fig.shape == (p, 10)
    for q, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        assert fig[q, 0] == float(geo["inside"][i, j])
        assert fig[q, 1:4].tobytes() == geo["pip"][i, j].tobytes()
        assert fig[q, 4] == geo["pk"][i, j]
        want = window_close(geo, 50.0, i, j)
        assert (np.isnan(want) and np.isnan(fig[q, 5])) or fig[q, 5] == want
        assert fig[q, 6:].tolist() == [k["pk_table"][j, k["kc"][i]], k["target_g"][i],
                                       k["sigma"][i], k["quality"][i]]
    assert (fig[:, 0] > 0).any() or not geo["inside"][rows, cols].any()
