"""Climbs, descents and dives are flown at the airspeed: ground speed = va cos(gamma)."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.geo import sphere_coords
from airdefense.threats import build_threats
from airdefense.threats.build import wind_vector
from tests.threats.conftest import blended_time, scenario


def _group(preset, **kw):
    return {"preset": preset, "count": 1, "launch": {"bearing_deg": 90, "range_m": 60000},
            "target": {"asset": "city"}, **kw}


def test_drone_flight_time_closed_form():
    """A drone launched at the ground climbs at c to its cruise height h, cruises and dives at
    d onto its aim: with sharp corners T = (h / tan c) / (v cos c) + (L - h / tan c - h / tan d)
    / v + (h / tan d) / (v cos d), L the ground distance (the climb and the dive at airspeed
    v); its corners are rounded at max(max_g - 1, 0.5) g, which shortens the path a little
    (the reference integrates the rounded profile at airspeed v)."""
    sc = scenario({"d": _group("shahed136")})
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0))
    a0, a1 = sphere_coords(np.stack([sc.groups[0].launch_enu, ts.impact_enu[0]]),
                           sc.frame.radius_m)
    L = np.linalg.norm(a1[:2] - a0[:2])
    h = p.cruise_altitude_m
    c, d, v = np.radians(p.climb_angle_deg), np.radians(p.dive_angle_deg), p.speed_mps
    climb, dive = (h - a0[2]) / np.tan(c), (h - a1[2]) / np.tan(d)
    want = climb / (v * np.cos(c)) + (L - climb - dive) / v + dive / (v * np.cos(d))
    rounded = blended_time([0, climb, L - dive, L], [a0[2], h, h, a1[2]], v,
                           max(p.max_g - 1, 0.5))
    got = ts.end_time_s[0] - ts.launch_time_s[0]
    assert got == pytest.approx(rounded, abs=5e-3)  # the speed follows chords of the corner
    assert 0.05 < want - got < 1.0  # the rounding is seen, and it is small
    # The old (horizontal = airspeed) time is measurably shorter: the test can fail.
    assert want - (L - dive) / v - dive / (v * np.cos(d)) > 1.0


@pytest.mark.parametrize("model", ["physical", "straight"])
@pytest.mark.parametrize("preset,launch_alt,frac", [
    ("shahed136", 0.0, 0.5),      # climb after a ground launch
    ("kh101", 3000.0, 0.5),       # descent after an air launch
    ("fighter", 0.0, 0.5),        # climb to the route waypoint's height
    ("shahed136", 0.0, -0.5),     # terminal dive (fraction from the end)
])
def test_speed_along_a_climb_is_the_airspeed(model, preset, launch_alt, frac):
    """Half way along a climb, a descent or a dive the speed along the flight path is the
    airspeed (not va / cos(gamma)), and the path is inclined (|vz| > 5% of v)."""
    kw = {}
    if preset == "fighter":
        kw = {"route": [{"bearing_deg": 90, "range_m": 20000, "alt_m": 3000}],
              "overrides": {"weapon": None, "weapon_count": 1, "release_range_m": 0}}
    g = _group(preset, **kw)
    if launch_alt:
        g["launch"] = dict(g["launch"], alt_m=launch_alt)
    sc = scenario({"g": g})
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0), model=model)
    t0, t1 = ts.launch_time_s[0], ts.end_time_s[0]
    t = np.linspace(t0, t1, 4001)
    x = np.stack([ts.states(u)[0] for u in t])
    vz = x[:, 5]
    steep = np.abs(vz) > 0.05 * p.speed_mps
    runs = np.flatnonzero(np.diff(np.concatenate([[0], steep.astype(int), [0]])))
    assert runs.size >= 2
    lo, hi = (runs[0], runs[1]) if frac > 0 else (runs[-2], runs[-1])
    k = (lo + hi) // 2
    assert np.linalg.norm(x[k, 3:]) == pytest.approx(p.speed_mps, rel=2e-3)


def test_climb_in_a_crosswind_closed_form():
    """In a steady wind the horizontal ground speed on a climb at c is the wind along the
    track plus sqrt((va cos c)^2 - crosswind^2)."""
    sc = scenario({"d": _group("shahed136")}, wind={"speed_mps": 15, "from_deg": 0})
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0))
    w = wind_vector(15.0, 0.0)
    c = np.radians(p.climb_angle_deg)
    t_mid = ts.launch_time_s[0] + 20.0  # well inside the climb (~94 s)
    x = ts.states(t_mid)[0]
    u = -np.array([1.0, 0.0])  # westbound toward the city
    cross = u[0] * w[1] - u[1] * w[0]
    want = u @ w + np.sqrt((p.speed_mps * np.cos(c)) ** 2 - cross**2)
    up = x[:3] + np.array([0.0, 0.0, sc.frame.radius_m])  # the local vertical
    up /= np.linalg.norm(up)
    vz = x[3:] @ up
    assert vz > 0.1 * p.speed_mps  # still climbing
    assert np.linalg.norm(x[3:] - vz * up) == pytest.approx(want, rel=1e-4)
