"""build_threats: the ThreatSet contract over a mixed raid, determinism, the baseline, the CLI."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from airdefense.cli import main
from airdefense.errors import ScenarioError
from airdefense.scenario.loader import load_scenario
from airdefense.threats import build_threats

MIXED = Path(__file__).parent / "data" / "mixed_raid.yaml"


@pytest.fixture(scope="module")
def mixed():
    """The mixed raid, loaded and flown."""
    sc = load_scenario(MIXED)
    return sc, build_threats(sc, np.random.default_rng(sc.seed))


def test_contract(mixed):
    """Fields have their shapes; states hold launch and end states outside each flight."""
    sc, ts = mixed
    n_groups = sum(g.count for g in sc.groups)
    # The fighters release their glide bombs: threats of their own after the groups' rows.
    n = n_groups + sum(g.count * g.preset.weapon_count for g in sc.groups if g.preset.weapon)
    assert n > n_groups
    assert len(ts) == n and ts.states(0.0).shape == (n, 6)
    assert set(ts.kind) == {"drone", "cruise", "ballistic", "aircraft", "helicopter"}
    assert np.all(ts.end_time_s > ts.launch_time_s)
    before = np.stack([ts.states(float(t) - 5.0)[i] for i, t in enumerate(ts.launch_time_s)])
    at = np.stack([ts.states(float(t))[i] for i, t in enumerate(ts.launch_time_s)])
    assert np.allclose(before[:, :3], at[:, :3]) and np.all(before[:, 3:] == 0)
    assert np.allclose(at[:n_groups, :3], np.stack([g.launch_enu for g in sc.groups for _ in
                                                    range(g.count)]), atol=1e-6)
    # A munition leaves from its platform's release point, at that instant; the (reusable)
    # platform flies home after it.
    assert np.all(ts.parent[:n_groups] == -1) and np.all(ts.parent[n_groups:] >= 0)
    par = ts.parent[n_groups:]
    assert np.array_equal(ts.launch_time_s[n_groups:], ts.release_time_s[par])
    assert np.all(ts.egress[par]) and np.all(ts.end_time_s[par] > ts.release_time_s[par])
    ends = np.stack([ts.states(float(ts.release_time_s[p]))[p] for p in par])
    assert np.allclose(at[n_groups:, :3], ends[:, :3], atol=1e-6)
    assert np.all(np.isnan(ts.impact_enu[np.unique(par)]))  # platforms do not impact
    after = ts.states(1e9)
    hits = np.isfinite(ts.impact_enu[:, 0]) & np.isin(ts.kind, ["drone", "cruise", "ballistic"])
    assert np.allclose(after[hits, :3], ts.impact_enu[hits], atol=1e-6)
    assert np.all(after[:, 3:] == 0)
    speeds = np.linalg.norm(ts.states(1800.0)[:, 3:], axis=1)
    flying = ts.in_flight(1800.0)
    assert np.all(speeds[flying] > 10) and np.all(speeds[~flying] == 0)
    r = ts.trajectory.rcs_m2(1800.0, np.zeros(3))
    assert r.shape == (n,) and np.all(r > 0)


def test_deterministic_for_a_seed(mixed):
    """The same seed gives the same raid; another seed changes it."""
    sc, ts = mixed
    again = build_threats(sc, np.random.default_rng(sc.seed))
    other = build_threats(sc, np.random.default_rng(sc.seed + 1))
    # Equal to rounding: LAPACK (the burnout-angle fit) may sum in a different order.
    assert np.allclose(again.states(1500.0), ts.states(1500.0), rtol=0, atol=1e-9)
    assert not np.allclose(other.states(1500.0), ts.states(1500.0))


def test_straight_baseline_still_available(mixed):
    """The straight-leg baseline flies the same raid to the same kind of ThreatSet."""
    sc, ts = mixed
    base = build_threats(sc, np.random.default_rng(sc.seed), model="straight")
    assert len(base) == len(ts) and np.array_equal(base.kind, ts.kind)
    assert np.array_equal(base.parent, ts.parent)
    top = ts.parent < 0  # munitions leave at their platform's release, flown by each model
    assert np.allclose(base.launch_time_s[top], ts.launch_time_s[top])
    assert np.array_equal(base.launch_time_s[~top], base.release_time_s[base.parent[~top]])


def test_plot_threats_cli(tmp_path):
    """plot-threats writes a PNG image and reports what it drew."""
    out = tmp_path / "threats.png"
    res = CliRunner().invoke(main, ["plot-threats", str(MIXED), "--out", str(out),
                                    "--per-group", "3"])
    assert res.exit_code == 0, res.output
    # 37 in the groups, 8 glide bombs, 12 ATGMs
    assert "57 threats, 6 raid groups" in res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_threats_cli_bad_route(tmp_path):
    """A route that cannot be flown is one error line naming the group and waypoint."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(MIXED.read_text().replace("{bearing_deg: 80, range_m: 40000, alt_m: 600}",
                                             "{bearing_deg: 150.3, range_m: 90000}"))
    res = CliRunner().invoke(main, ["plot-threats", str(bad), "--out", str(tmp_path / "x.png")])
    assert res.exit_code == 1
    assert "airdefense: error:" in res.output and "raid.drones.route[" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(("kind", "reusable", "want"), [
    ("aircraft", None, True), ("helicopter", None, True), ("drone", None, False),
    ("cruise", None, False), ("ballistic", None, False), ("aircraft", False, False),
    ("drone", True, True),
])
def test_reusable_defaults_by_kind(kind, reusable, want):
    from airdefense.threats.presets import ThreatPreset

    p = ThreatPreset(kind=kind, source="test", unit_cost=1.0, speed_mps=50.0,
                     cruise_altitude_m=100.0, max_range_m=1e5, rcs_m2=1.0, warhead_kg=1.0,
                     lethal_radius_m=10.0, reusable=reusable)
    assert p.is_reusable is want


def test_weapon_cost_on_an_expendable_preset_is_refused():
    from pydantic import ValidationError

    from airdefense.threats.presets import ThreatPreset

    with pytest.raises(ValidationError, match=r"weapon_cost \(1000.0 US dollars\) applies to a "
                       r"reusable platform only; a cruise preset"):
        ThreatPreset(kind="cruise", source="test", unit_cost=1.0, speed_mps=200.0,
                     cruise_altitude_m=50.0, max_range_m=1e6, rcs_m2=0.1, warhead_kg=400.0,
                     lethal_radius_m=50.0, weapon_cost=1000.0)


def _strike(**extra):
    """A fighter group releasing glide bombs at the plant of the small scenario."""
    from tests.conftest import SMALL_SCENARIO

    d = copy.deepcopy(SMALL_SCENARIO)
    d["raid"] = {"jets": {"preset": "fighter", "count": 2, "launch_jitter_s": 10,
                          "launch": {"bearing_deg": 90, "range_m": 150000},
                          "target": {"asset": "plant"}}}
    d.update(extra)
    return d


@pytest.mark.parametrize("model", ["physical", "straight"])
def test_glide_bombs_glide_down_one_slope(model):
    """A released glide bomb flies a short level run, then one straight slope from its
    release height to its aim point: height falls at a constant rate, at the angle
    atan(drop / (0.9 release range)), and the speed stays the preset's."""
    sc = load_scenario(_strike())
    ts = build_threats(sc, np.random.default_rng(1), model=model)
    bombs = np.flatnonzero(ts.parent >= 0)
    assert bombs.size == 4
    wp = sc.groups[0].weapon_preset
    for k in bombs:
        t0, t1 = ts.launch_time_s[k], ts.end_time_s[k]
        ts_ = np.linspace(t0, t1, 401)[1:-1]
        x = np.stack([ts.states(float(t))[k] for t in ts_])
        h = sc.frame.height_m(x[:, :3])
        drop = h[0] - sc.frame.height_m(ts.impact_enu[k][None])[0]
        want = np.degrees(np.arctan2(drop, 0.9 * sc.groups[0].preset.release_range_m))
        glide = (ts_ > t0 + 0.15 * (t1 - t0)) & (ts_ < t0 + 0.9 * (t1 - t0))
        sink = -x[glide, 5]
        ground = np.hypot(x[glide, 3], x[glide, 4])
        np.testing.assert_allclose(np.degrees(np.arctan2(sink, ground)), want, atol=0.6)
        assert np.all(np.diff(h[glide]) < 0)  # no level flight in the glide
        np.testing.assert_allclose(np.linalg.norm(x[glide, 3:], axis=1), wp.speed_mps, rtol=0.02)


def test_a_munition_flight_error_names_the_platform_preset_and_the_weapon(tmp_path):
    """A wind too strong for the released munitions (not for the fighters) names the wind
    field and the munitions of the raid group, not the group's own flight."""
    cat = tmp_path / "slow.yaml"
    cat.write_text("threats:\n  slow_glider:\n    kind: cruise\n    source: test figures\n"
                   "    unit_cost: 1000\n    speed_mps: 60\n    cruise_altitude_m: 300\n"
                   "    max_range_m: 70000\n    rcs_m2: 0.1\n    warhead_kg: 100\n"
                   "    lethal_radius_m: 30\n    glide: true\n    terrain_following: false\n")
    d = _strike(wind={"speed_mps": 60, "from_deg": 90}, catalog=[str(cat)])
    d["raid"]["jets"]["overrides"] = {"weapon": "slow_glider"}
    # The load flies each group once (scenario._flight), so it is refused there already.
    with pytest.raises(ScenarioError, match=r"wind\.speed_mps: wind of 60\.0 m/s must be below "
                       r"90% of the airspeed \(60\.0 m/s\) of the slow_glider munitions "
                       r"released by raid group 'jets'"):
        build_threats(load_scenario(d), np.random.default_rng(1))


@pytest.mark.parametrize(("group", "pattern"), [
    ({"preset": "glide_bomb", "count": 1, "launch": {"bearing_deg": 90, "range_m": 30000},
      "target": {"asset": "plant"}},
     r"raid\.b\.preset: 'glide_bomb' glides \(glide: true\): it flies only as a weapon released"),
    ({"preset": "fighter", "count": 1, "launch": {"bearing_deg": 90, "range_m": 150000},
      "target": {"asset": "plant"}, "overrides": {"glide": True}},
     r"raid\.b\.overrides: glide applies to drone and cruise presets \(a released weapon\), "
     r"not to a aircraft preset"),
])
def test_glide_rules(group, pattern):
    from tests.conftest import SMALL_SCENARIO

    d = copy.deepcopy(SMALL_SCENARIO)
    d["raid"] = {"b": group}
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(d)
