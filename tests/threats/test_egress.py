"""Egress of stand-off platforms after their release, and the munitions' speed at release."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.geo import G0_MPS2, sphere_coords
from airdefense.threats import build_threats
from airdefense.threats._route import break_turn_radius_m, egress_turn, turn_radius_m
from airdefense.threats.build import wind_vector
from tests.threats.conftest import scenario

_JETS = {"preset": "fighter", "count": 1, "launch": {"bearing_deg": 90, "range_m": 150000},
         "target": {"asset": "city"}}


def _arc(sc, ts, k, t):
    """Surface-arc position (east, north, height) of threat ``k`` at each of ``t``."""
    x = np.stack([ts.states(float(u))[k] for u in np.atleast_1d(t)])
    return sphere_coords(x[:, :3], sc.frame.radius_m), x


def test_break_turn_radius_is_the_level_turn_at_max_g():
    """R = v^2 / (g sqrt(n^2 - 1)) at load factor n = max_g; the bank limit where tighter."""
    n = 7.0
    assert float(break_turn_radius_m(250.0, n, 70.0)) == pytest.approx(
        250.0**2 / (G0_MPS2 * np.sqrt(n * n - 1.0)))
    assert float(break_turn_radius_m(250.0, 1.0, 45.0)) == pytest.approx(250.0**2 / G0_MPS2)


def test_egress_turn_to_a_target_dead_astern_closed_form():
    """From P heading away from T at distance d, the turn (left) sweeps pi + 2 atan(R / d)
    and ends on the circle at the tangent point, heading at T, d from it."""
    R, d = 900.0, 50000.0
    sign, sweep, end, head = egress_turn(np.zeros((1, 2)), np.array([[-1.0, 0.0]]),
                                         np.array([[d, 0.0]]), np.array([R]))
    assert sign[0] == 1.0
    assert sweep[0] == pytest.approx(np.pi + 2 * np.arctan(R / d), rel=1e-12)
    centre = np.array([0.0, -R])  # left of a westbound heading is south
    assert np.linalg.norm(end[0] - centre) == pytest.approx(R, rel=1e-12)
    assert np.linalg.norm(np.array([d, 0.0]) - end[0]) == pytest.approx(d, rel=1e-12)
    np.testing.assert_allclose(head[0], (np.array([d, 0.0]) - end[0]) / d, atol=1e-12)


@pytest.mark.parametrize("side", [1.0, -1.0])
def test_egress_turn_toward_the_side_of_its_target(side):
    """A target well off to one side is turned toward; the turn ends heading at it."""
    sign, sweep, end, head = egress_turn(np.zeros((1, 2)), np.array([[0.0, 1.0]]),
                                         np.array([[-side * 20000.0, -5000.0]]),
                                         np.array([1000.0]))
    assert sign[0] == side and 0.0 < sweep[0] < 2 * np.pi
    to_t = np.array([-side * 20000.0, -5000.0]) - end[0]
    np.testing.assert_allclose(head[0], to_t / np.linalg.norm(to_t), atol=1e-12)


def _turn(sc, ts):
    """Fighter 0's release and end times, release and launch points, speed, level turn radius
    R = v^2 / (g sqrt(n^2 - 1)), distance home d from the release point and the turn's sweep
    pi + 2 atan(R / d) (the closed forms of a turn back at a point dead astern)."""
    p = sc.groups[0].preset
    t_rel, t_end = ts.release_time_s[0], ts.end_time_s[0]
    (a_rel, a_launch), _ = _arc(sc, ts, 0, [t_rel, ts.launch_time_s[0]])
    v = p.speed_mps
    R = v * v / (G0_MPS2 * np.sqrt(p.max_g**2 - 1.0))
    d = np.linalg.norm(a_launch[:2] - a_rel[:2])
    return t_rel, t_end, a_rel, a_launch, v, R, d, np.pi + 2 * np.arctan(R / d)


def test_physical_egress_against_closed_form_geometry():
    """After the release the fighter turns at R = v^2 / (g sqrt(n^2 - 1)) about a centre R to
    its left, then flies straight home: its time home is (R (pi + 2 atan(R / d)) + d) / v, it
    ends over its launch point at its cruise height."""
    sc = scenario({"jets": _JETS})
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0))
    assert ts.egress[0] and not ts.egress[1:].any()
    t_rel, t_end, a_rel, a_launch, v, R, d, sweep = _turn(sc, ts)
    assert t_end - t_rel == pytest.approx((R * sweep + d) / v, rel=1e-6)
    # The turn: on the circle of radius R centred R to the left of the release point.
    _, x_before = _arc(sc, ts, 0, t_rel - 1.0)
    u = x_before[0, 3:5] / np.linalg.norm(x_before[0, 3:5])
    centre = a_rel[:2] + R * np.array([-u[1], u[0]])
    tt = t_rel + np.linspace(0.0, R * sweep / v, 40)
    arc, x = _arc(sc, ts, 0, tt)
    np.testing.assert_allclose(np.linalg.norm(arc[:, :2] - centre, axis=1), R, rtol=2e-3)
    # Level, at the release height, at speed v (lateral acceleration v^2 / R).
    np.testing.assert_allclose(arc[:, 2], a_rel[2], atol=1.0)
    np.testing.assert_allclose(np.linalg.norm(x[:, 3:], axis=1), v, rtol=2e-3)
    # Home: over the launch point at the cruise height, then no longer flying.
    (a_end,), _ = _arc(sc, ts, 0, [t_end])
    np.testing.assert_allclose(a_end[:2], a_launch[:2], atol=1.0)
    assert a_end[2] == pytest.approx(p.cruise_altitude_m, abs=1.0)
    assert not ts.in_flight(t_end + 1.0)[0] and ts.in_flight(t_end - 1.0)[0]


def test_straight_egress_against_closed_form_geometry():
    """The straight-leg model flies the same turn as chords of at most 15 deg whose ends lie
    on the turn circle, then one leg home: time home = (chords + d) / v."""
    sc = scenario({"jets": _JETS})
    ts = build_threats(sc, np.random.default_rng(0), model="straight")
    t_rel, t_end, a_rel, a_launch, v, R, d, sweep = _turn(sc, ts)
    m = int(np.ceil(sweep / np.radians(15.0)))
    chords = 2 * m * R * np.sin(sweep / (2 * m))
    # ENU legs at cruise height are (1 + h / radius) longer than their ground arcs.
    assert t_end - t_rel == pytest.approx((chords + d) / v, rel=2e-3)
    kt = ts.trajectory.knot_t[0]
    corners = kt[(kt > t_rel) & (kt <= t_rel + chords / v + 1e-6)]
    arc, _ = _arc(sc, ts, 0, corners)
    _, x_before = _arc(sc, ts, 0, t_rel - 1.0)
    u = x_before[0, 3:5] / np.linalg.norm(x_before[0, 3:5])
    centre = a_rel[:2] + R * np.array([-u[1], u[0]])
    np.testing.assert_allclose(np.linalg.norm(arc[:, :2] - centre, axis=1), R, rtol=1e-3)
    (a_end,), _ = _arc(sc, ts, 0, [t_end])
    np.testing.assert_allclose(a_end[:2], a_launch[:2], atol=1.0)
    assert a_end[2] == pytest.approx(sc.groups[0].preset.cruise_altitude_m, abs=1.0)


@pytest.mark.parametrize("model", ["physical", "straight"])
def test_egress_retraces_the_route_and_climbs_to_cruise(model):
    """With a route, the way home passes back over the route waypoint (within a turn radius)
    and, after a release above the cruise height, descends to it (flies level at it)."""
    group = dict(_JETS, route=[{"bearing_deg": 60, "range_m": 100000, "alt_m": 11000}])
    sc = scenario({"jets": group})
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0), model=model)
    t = np.linspace(ts.release_time_s[0], ts.end_time_s[0], 800)
    arc, _ = _arc(sc, ts, 0, t)
    wp = sphere_coords(sc.groups[0].route_enu, sc.frame.radius_m)[0]
    miss = np.min(np.linalg.norm(arc[:, :2] - wp[:2], axis=1))
    # A fly-by turn of less than 120 deg passes within one turn radius of its waypoint.
    assert miss < turn_radius_m(p.speed_mps, p.bank_limit_deg)
    # Released at the waypoint's height (the straight-leg model flies at its cruise height).
    h_rel = wp[2] if model == "physical" else p.cruise_altitude_m
    assert arc[0, 2] == pytest.approx(h_rel, abs=5.0)
    np.testing.assert_allclose(arc[-100:, 2], p.cruise_altitude_m, atol=1.0)
    assert np.all(np.diff(arc[:, 2]) < 1.0)  # it only descends


def test_a_platform_without_weapon_keeps_its_flight():
    """An attack helicopter made a platform without a weapon (reusable, its own row stands
    for the attack) still ends at its aim: no egress."""
    sc = scenario({"helis": {"preset": "attack_helicopter", "count": 2,
                             "launch": {"bearing_deg": 180, "range_m": 30000},
                             "target": {"asset": "city"},
                             "overrides": {"weapon": None, "weapon_count": 1,
                                           "release_range_m": 0}}})
    ts = build_threats(sc, np.random.default_rng(0))
    assert not ts.egress.any()
    np.testing.assert_array_equal(ts.release_time_s, ts.end_time_s)


def test_an_expendable_carrier_does_not_egress():
    """A carrier with a weapon but reusable: false ends at its release (no way home)."""
    sc = scenario({"jets": dict(_JETS, overrides={"reusable": False})})
    ts = build_threats(sc, np.random.default_rng(0))
    assert not ts.egress.any()
    kids = ts.parent >= 0
    np.testing.assert_array_equal(ts.launch_time_s[kids], ts.end_time_s[ts.parent[kids]])


@pytest.mark.parametrize("model", ["physical", "straight"])
@pytest.mark.parametrize("windy", [False, True])
def test_munition_velocity_is_continuous_at_release(model, windy):
    """A munition leaves with its platform's velocity and changes to its own speed at 0.3 g
    (the physical model continuously; the straight-leg model in 8 legs, so its first leg is
    within |dv| / 16 of the platform's speed), then flies at its own speed; a glide bomb
    holds its own release height (no climb or sink at the release), also in a wind and after
    a jittered route (the straight-leg model flies no wind)."""
    group = dict(_JETS, count=2, launch_jitter_s=30)
    extra = {}
    if windy:
        group.update(route=[{"bearing_deg": 45, "range_m": 100000}], route_jitter_m=2000)
        extra = {"wind": {"speed_mps": 30, "from_deg": 270}}
    sc = scenario({"jets": group}, **extra)
    ts = build_threats(sc, np.random.default_rng(4), model=model)
    va_jet = sc.groups[0].preset.speed_mps
    va_bomb = sc.groups[0].weapon_preset.speed_mps
    for k in np.flatnonzero(ts.parent >= 0):
        t0 = ts.launch_time_s[k]
        plat = ts.states(t0 - 1e-6)[ts.parent[k]]
        bomb = ts.states(t0 + 1e-6)[k]
        v_jet, v_bomb = va_jet, va_bomb
        if model == "physical" and not windy:  # ENU speeds at height: (1 + h / radius) times
            v_jet = np.linalg.norm(plat[3:])
            v_bomb = va_bomb * v_jet / va_jet
        if windy and model == "physical":  # ground speeds along the last leg, in the wind
            u = plat[3:5] / np.linalg.norm(plat[3:5])
            w = wind_vector(30.0, 270.0)
            cross = u[0] * w[1] - u[1] * w[0]
            # (ENU speeds at cruise height are (1 + h / radius) times the ground-arc speeds)
            scale = np.linalg.norm(plat[3:5]) / (u @ w + np.sqrt(va_jet**2 - cross**2))
            v_jet = np.linalg.norm(plat[3:])
            v_bomb = scale * (u @ w + np.sqrt(va_bomb**2 - cross**2))
        ramp = abs(v_jet - v_bomb) / (0.3 * G0_MPS2)
        # (a munition heads at its own aim point, scattered by its CEP: ~10 m in 40 km)
        tol = 0.2 if model == "physical" else abs(v_jet - v_bomb) / 16 + 0.5
        np.testing.assert_allclose(bomb[:3], plat[:3], atol=0.01)
        assert np.linalg.norm(bomb[3:] - plat[3:]) < tol
        assert np.linalg.norm(ts.states(t0 + ramp + 1.0)[k][3:]) == pytest.approx(
            v_bomb, abs=1.0)
        if model == "physical":  # a linear change: half way at half the time
            assert np.linalg.norm(ts.states(t0 + ramp / 2)[k][3:]) == pytest.approx(
                0.5 * (v_jet + v_bomb), abs=0.3)
