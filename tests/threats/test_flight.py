"""Class flight profiles: drone dive and wind, cruise terrain-following and pop-up, aircraft."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.errors import ScenarioError
from airdefense.threats import build_threats

from .conftest import scenario


def _sample(ts, row, n=3000):
    t = np.linspace(ts.launch_time_s[row], ts.end_time_s[row], n)
    return t, np.stack([ts.states(float(tt))[row] for tt in t])


def test_drone_dives_at_its_dive_angle_onto_the_aim():
    """A drone ends at its aim point, diving at the preset's dive angle, at about airspeed."""
    sc = scenario({"d": {"preset": "shahed136", "count": 1, "target": {"asset": "city"},
                         "launch": {"bearing_deg": 90, "range_m": 40000}}})
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0))
    t, x = _sample(ts, 0)
    assert np.allclose(x[-1, :3], ts.impact_enu[0], atol=1e-6)
    h = sc.frame.height_m(x[:, :3])
    assert h.max() == pytest.approx(p.cruise_altitude_m, rel=0.01)
    # Mid-dive: flight-path angle and speed.
    late = t > 0.5 * (t[0] + t[-1])
    k = np.flatnonzero(late)[np.argmin(np.abs(h[late] - 0.4 * p.cruise_altitude_m))]
    v = x[k, 3:]
    assert np.degrees(np.arctan2(-v[2], np.hypot(v[0], v[1]))) == pytest.approx(
        p.dive_angle_deg, abs=0.5)
    assert np.linalg.norm(v) == pytest.approx(p.speed_mps, rel=0.02)


def test_wind_changes_ground_speed_leg_by_leg():
    """A tailwind adds its speed to the ground speed and a headwind takes it away."""
    def leg_speed(wind_from):
        sc = scenario({"d": {"preset": "shahed136", "count": 1, "target": {"asset": "city"},
                             "launch": {"bearing_deg": 90, "range_m": 60000},
                             "overrides": {"wind_speed_mps": 10, "wind_from_deg": wind_from}}})
        ts = build_threats(sc, np.random.default_rng(0))
        mid = 0.5 * (ts.launch_time_s[0] + ts.end_time_s[0])
        return np.hypot(*ts.states(float(mid))[0, 3:5])

    # The drone flies west: a wind from the east is a tailwind.
    assert leg_speed(90.0) == pytest.approx(51.0 + 10.0, rel=1e-3)
    assert leg_speed(270.0) == pytest.approx(51.0 - 10.0, rel=1e-3)
    assert leg_speed(0.0) == pytest.approx(np.sqrt(51.0**2 - 10.0**2), rel=1e-3)


@pytest.mark.parametrize(("where", "pattern"), [
    ("overrides", r"raid\.d\.overrides\.wind_speed_mps: wind of 50\.0 m/s must be below 90% of the "
                  r"airspeed \(51\.0 m/s\) of raid group 'd'"),
    ("scenario", r"wind\.speed_mps: wind of 50\.0 m/s must be below 90% of the airspeed "
                 r"\(51\.0 m/s\) of raid group 'd'"),
])
def test_too_strong_wind_is_an_error(where, pattern):
    """Wind near the airspeed names the group and the field it comes from: the group's
    preset override or the scenario's wind."""
    group = {"preset": "shahed136", "count": 1, "target": {"asset": "city"},
             "launch": {"bearing_deg": 90, "range_m": 60000}}
    # The load flies each group once (scenario._flight): it refuses the scenario.
    with pytest.raises(ScenarioError, match=pattern):
        if where == "overrides":
            sc = scenario({"d": {**group, "overrides": {"wind_speed_mps": 50}}})
        else:
            sc = scenario({"d": group}, wind={"speed_mps": 50, "from_deg": 0})
        build_threats(sc, np.random.default_rng(0))


def test_cruise_missile_follows_terrain(ridge):
    """Over a ridge the cruise missile keeps its clearance and climbs no steeper than allowed."""
    sc = scenario({"c": {"preset": "kh101", "count": 2, "target": {"asset": "city"},
                         "launch": {"bearing_deg": 90, "range_m": 150000}}}, terrain=ridge)
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0))
    t, x = _sample(ts, 0, 6000)
    from airdefense.geo import sphere_coords

    arc = sphere_coords(x[:, :3], sc.frame.radius_m)
    ground = ridge.elevation_m(arc[:, 0], arc[:, 1])
    above = arc[:, 2] - ground
    cruise = (arc[:, 0] > 20000) & (arc[:, 0] < 120000)
    assert above[cruise].min() >= p.cruise_altitude_m - 1.0
    assert arc[cruise, 2].max() > ridge.height_m  # it went over the ridge
    # Flight-path angle over the local horizontal, from surface-arc positions.
    grad = np.diff(arc[:, 2]) / np.hypot(np.diff(arc[:, 0]), np.diff(arc[:, 1]))
    climb = np.degrees(np.arctan(grad[cruise[1:]]))
    assert climb.max() <= p.climb_angle_deg + 0.2


def test_cruise_pop_up_before_dive():
    """A cruise missile with a pop-up climbs to its pop-up height near the target, then dives."""
    sc = scenario({"c": {"preset": "kh101", "count": 1, "target": {"asset": "city"},
                         "launch": {"bearing_deg": 90, "range_m": 200000}}})
    p = sc.groups[0].preset
    ts = build_threats(sc, np.random.default_rng(0))
    t, x = _sample(ts, 0)
    h = sc.frame.height_m(x[:, :3])
    assert h[t > t[-1] - 60].max() == pytest.approx(p.popup_height_m, rel=0.05)
    assert h[(t > t[0] + 300) & (t < t[-1] - 200)].max() == pytest.approx(p.cruise_altitude_m,
                                                                          abs=1.0)


def test_cruise_height_below_terrain_is_an_error(ridge):
    """A drone's fixed height below a ridge names the group and the waypoint's altitude."""
    sc = scenario({"d": {"preset": "shahed136", "count": 1, "target": {"asset": "city"},
                         "launch": {"bearing_deg": 90, "range_m": 120000},
                         "route": [{"bearing_deg": 90, "range_m": 80000, "alt_m": 900}]}},
                  terrain=ridge)
    with pytest.raises(ScenarioError, match=r"raid\.d\.route\[0\]\.alt_m: cruise height \d+ m "
                                            r"is below the terrain"):
        build_threats(sc, np.random.default_rng(0))


def test_aircraft_legs_heights_and_loiter():
    """An aircraft flies its waypoint heights, orbits whole loiters and ends over the aim
    (without a weapon flown on its own, the release is over the aim point)."""
    g = {"preset": "fighter", "count": 1, "target": {"asset": "city"},
         "launch": {"bearing_deg": 90, "range_m": 200000},
         "route": [{"bearing_deg": 90, "range_m": 100000, "alt_m": 3000}],
         "overrides": {"weapon": None, "weapon_count": 1, "release_range_m": 0}}
    plain = build_threats(scenario({"a": g}), np.random.default_rng(0))
    g2 = dict(g, overrides={**g["overrides"], "loiter_s": 600})
    sc = scenario({"a": g2})
    loit = build_threats(sc, np.random.default_rng(0))
    p = sc.groups[0].preset
    r = p.speed_mps**2 / (9.80665 * np.tan(np.radians(p.bank_limit_deg)))
    orbit_s = 2 * np.pi * r / p.speed_mps
    extra = (loit.end_time_s - plain.end_time_s)[0]
    assert extra == pytest.approx(round(600 / orbit_s) * orbit_s, rel=1e-3)
    t, x = _sample(loit, 0)
    h = sc.frame.height_m(x[:, :3])
    assert h[-1] == pytest.approx(3000.0, abs=1.0)
    from airdefense.geo import sphere_coords

    end = sphere_coords(x[-1:, :3], sc.frame.radius_m)[0, :2]
    assert np.allclose(end, sphere_coords(loit.impact_enu, sc.frame.radius_m)[0, :2], atol=1e-6)
    assert np.isnan(loit.impact_enu).sum() == 0  # the fighter's weapon impacts


def test_loiter_without_waypoint_is_an_error():
    """A loiter time with an empty route names the group's route."""
    # The load flies each group once (scenario._flight): it refuses the scenario.
    with pytest.raises(ScenarioError, match=r"raid\.a\.route: loiter_s = 60 s needs"):
        sc = scenario({"a": {"preset": "fighter", "count": 1, "target": {"asset": "city"},
                             "launch": {"bearing_deg": 90, "range_m": 100000},
                             "overrides": {"loiter_s": 60}}})
        build_threats(sc, np.random.default_rng(0))


def test_helicopter_follows_terrain(ridge):
    """A helicopter flies nap-of-the-earth over the ridge by default."""
    sc = scenario({"h": {"preset": "attack_helicopter", "count": 1, "target": {"asset": "city"},
                         "launch": {"bearing_deg": 90, "range_m": 100000}}}, terrain=ridge)
    ts = build_threats(sc, np.random.default_rng(0))
    t, x = _sample(ts, 0)
    assert sc.frame.height_m(x[:, :3]).max() > ridge.height_m
