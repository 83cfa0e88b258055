"""Scenario loading: validation errors name the path, the value, the rule and the unit."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from airdefense import ScenarioError, load_scenario
from tests.conftest import SMALL_SCENARIO


def _with(path: str, value):
    d = copy.deepcopy(SMALL_SCENARIO)
    keys = path.split(".")
    cur = d
    for k in keys[:-1]:
        cur = cur[k]
    if value is _DELETE:
        del cur[keys[-1]]
    else:
        cur[keys[-1]] = value
    return d


_DELETE = object()

BAD = [
    # (path, value, expected message pattern)
    ("duration_s", _DELETE, r"duration_s: is required but missing"),
    ("raid.drones.overrides", {"weapon_cost": 1000},
     r"raid\.drones\.overrides: weapon_cost \(1000\.0 US dollars\) applies to a reusable "
     r"platform only"),
    ("raid.drones.overrides", {"weapon_cost": -1},
     r"raid\.drones\.overrides\.weapon_cost: must be >= 0, got -1"),
    ("raid.drones.colour", "red", r"raid\.drones\.colour: unknown key"),
    ("raid.drones.count", "many", r"raid\.drones\.count: .*integer.*got 'many'"),
    ("raid.drones.count", 0, r"raid\.drones\.count: must be >= 1, got 0"),
    ("duration_s", -5, r"duration_s: must be > 0, got -5 \(unit: s\)"),
    ("origin.lat_deg", 95.0, r"origin\.lat_deg: must be <= 90, got 95\.0 \(unit: deg\)"),
    ("raid.drones.preset", "shahed999", r"raid\.drones\.preset: unknown threat preset 'shahed999'"),
    ("batteries.srb.sensors", {"preset": "nope"}, r"batteries\.srb\.sensors\[0\]\.preset: unknown sensor preset 'nope'"),
    ("raid.drones.target", {"asset": "palace"}, r"raid\.drones\.target\.asset: names no asset: 'palace'"),
    ("raid.drones.target", {"asset": "plant", "point": {"bearing_deg": 0, "range_m": 5}}, r"raid\.drones\.target: give exactly one of asset or point"),
    ("raid.drones.launch", {"bearing_deg": 90, "range_m": 4_000_000}, r"raid\.drones\.launch: launch point is 4000\.0 km from the target, beyond .*max_range_m of 2000\.0 km"),
    ("step_s", 10.0, None),  # valid
    ("batteries.srb.launchers", {"preset": "tor_m2_tlar", "count": -2}, r"batteries\.srb\.launchers\[0\]\.count: must be >= 1, got -2"),
    ("raid.drones.overrides", {"speed_mps": -3}, r"raid\.drones\.overrides\.speed_mps: must be "
     r">= 1 \(slower than 1 m/s nothing flies a route\), got -3 \(unit: m/s\)"),
    ("batteries.srb.sensors", {"preset": "mpq65", "boresight_deg": 720}, r"boresight_deg: must be <= 360, got 720"),
    ("assets.plant.position", {"lat_deg": 50.0}, r"assets\.plant\.position: lat_deg and lon_deg must be given together"),
    ("raid.drones.leg_speed_mps", [50.0, 40.0], r"raid\.drones: leg_speed_mps needs len\(route\) \+ 1 = 1 values, got 2"),
    ("raid.drones.loiter_s", 60.0, r"raid\.drones: loiter_s \(60\.0 s\) needs at least one route waypoint"),
    ("wind", {"speed_mps": -1, "from_deg": 0}, r"wind\.speed_mps: must be >= 0, got -1 \(unit: m/s\)"),
    ("c2", {"solver": "exact", "solver_node_limit": 0}, r"c2\.solver_node_limit: must be >= 1, got 0"),
    ("c2", {"solver_time_limit_s": 0}, r"c2\.solver_time_limit_s: must be > 0, got 0 \(unit: s\)"),
    ("duration_s", float("nan"), r"duration_s: input should be a finite number, got nan \(unit: s\)"),
    ("batteries.srb.launchers", {"preset": "tor_m2_tlar", "interceptor_overrides":
                                 {"max_range_m": float("inf")}},
     r"launchers\[0\]\.interceptor_overrides\.max_range_m: input should be a finite number, "
     r"got inf \(unit: m\)"),
    ("tracker", {"confirm_llr": float("-inf")}, None),  # -inf: M-of-N only
    ("c2", {"decision_period_s": 0.2}, r"c2\.decision_period_s \(0\.2 s\) must not be below "
                                       r"step_s \(0\.5 s\): the control unit decides at the ends"),
    ("batteries.srb.doctrine", {"engage": ["drone", "drone"]}, r"doctrine: engage lists drone more "
                                                                r"than once"),
    ("batteries.srb.doctrine", {"zones": [
        {"name": "a", "position": {"bearing_deg": 0, "range_m": 0}, "radius_m": 100,
         "rule": "hold_fire"},
        {"name": "a", "position": {"bearing_deg": 90, "range_m": 500}, "radius_m": 100,
         "rule": "weapons_free"}]}, r"doctrine: zone names must differ, got 'a' twice"),
    ("batteries.srb.doctrine", {"zones": [
        {"position": {"bearing_deg": 0, "range_m": 0, "alt_m": 300}, "radius_m": 100,
         "rule": "hold_fire"}]}, r"doctrine: a zone is a circle on the ground: its position "
                                 r"takes no alt_m"),
]


def test_wind_resolves_to_enu(small_scenario_dict):
    """A wind from the west (270 deg) blows toward the east: +x in ENU."""
    small_scenario_dict["wind"] = {"speed_mps": 10.0, "from_deg": 270.0}
    sc = load_scenario(small_scenario_dict)
    np.testing.assert_allclose(sc.wind_enu_mps, [10.0, 0.0], atol=1e-9)


@pytest.mark.parametrize(("path", "value", "pattern"), BAD)
def test_bad_field_is_named(path, value, pattern):
    """Each malformed field raises a ScenarioError naming its path, value and rule."""
    data = _with(path, value)
    if pattern is None:
        load_scenario(data)
        return
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(data)


@pytest.mark.parametrize(("wrong", "right", "pattern"), [
    ("duration_min", "duration_s",
     r"duration_min: unknown key \(not allowed here\); did you mean 'duration_s' \(unit: s\)\?"),
    ("duration", "duration_s",
     r"duration: unknown key \(not allowed here\); did you mean 'duration_s' \(unit: s\)\?"),
    ("length_s", "duration_s", r"duration_s: is required but missing"),  # another name
])
def test_key_in_a_wrong_unit_names_the_field_it_stands_for(wrong, right, pattern):
    """A required field written with another unit suffix, or none, is reported as the unknown
    key with the field meant, not only as the missing field."""
    data = copy.deepcopy(SMALL_SCENARIO)
    data[wrong] = data.pop(right)
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(data)


@pytest.mark.parametrize(("path", "value", "pattern"), [
    # the field meant has a default (nothing is missing beside the key)
    ("step_ms", 500, r"step_ms: unknown key \(not allowed here\); did you mean 'step_s' \(unit: s\)\?"),
    ("step", 0.5, r"step: unknown key \(not allowed here\); did you mean 'step_s' \(unit: s\)\?"),
    ("raid.drones.launch_time", 10, r"raid\.drones\.launch_time: unknown key \(not allowed here\); "
     r"did you mean 'launch_time_s' \(unit: s\)\?"),
    ("raid.drones.launch.range_km", 40, r"raid\.drones\.launch\.range_km: unknown key .*; "
     r"did you mean 'range_m' \(unit: m\)\?"),
    ("assets.plant.radius_ft", 300, r"assets\.plant\.radius_ft: .*did you mean 'radius_m' \(unit: m\)\?"),
    ("batteries.srb.position.range_km", 2, r"batteries\.srb\.position\.range_km: .*"
     r"did you mean 'range_m' \(unit: m\)\?"),
    ("raid.drones.overrides", {"speed_kts": 100},
     r"raid\.drones\.overrides\.speed_kts: .*did you mean 'speed_mps' \(unit: m/s\)\?"),
    ("batteries.srb.sensors", {"preset": "tor_m2_radar", "overrides": {"max_range_km": 30}},
     r"sensors\[0\]\.overrides\.max_range_km: .*did you mean 'max_range_m' \(unit: m\)\?"),
    # no field of that name with a unit: no guess
    ("raid.drones.colour", "red", r"raid\.drones\.colour: unknown key \(not allowed here\)$"),
    ("raid.drones.count_km", 3, r"raid\.drones\.count_km: unknown key \(not allowed here\)$"),
    ("raid.drones.launch_km", 3, r"raid\.drones\.launch_km: unknown key \(not allowed here\)$"),
])
def test_unknown_key_in_a_wrong_unit_names_the_field_with_a_unit(path, value, pattern):
    """An unknown key named as a field but for its unit suffix (or without one) suggests that
    field and its unit even where the field has a default; other unknown keys get no guess."""
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(_with(path, value))


def test_catalog_key_in_a_wrong_unit_names_the_field(tmp_path, small_scenario_dict):
    """The same suggestion for a preset in an added catalog file, with its line."""
    cat = tmp_path / "extra.yaml"
    cat.write_text("sensors:\n  my_radar:\n    role: search\n    scan: rotating\n"
                   "    source: notional\n    unit_cost: 1\n    ref_range_m: 1000\n"
                   "    max_range_m: 2000\n    scan_period_s: 1\n    beamwidth_mrad: 30\n")
    small_scenario_dict["catalog"] = [str(cat)]
    with pytest.raises(ScenarioError, match=r"extra\.yaml: sensors\.my_radar\.beamwidth_mrad: "
                       r"unknown key .*did you mean 'beamwidth_deg' \(unit: deg\)\? \[line 10\]"):
        load_scenario(small_scenario_dict)


@pytest.mark.parametrize(("field", "value", "pattern"), [
    ("route", [{"bearing_deg": 80, "range_m": 20000}],
     r"raid\.bm\.route: a ballistic group flies no route .*got 1 waypoint\(s\)$"),
    ("route_jitter_m", 500.0, r"raid\.bm\.route_jitter_m: a ballistic group flies no route .*"
     r"got 500\.0"),
    ("leg_speed_mps", [900.0], r"raid\.bm\.leg_speed_mps: a ballistic group flies no route"),
    ("depressed", True, None),  # valid for a ballistic group
])
def test_ballistic_group_refuses_route_fields(field, value, pattern, small_scenario_dict):
    """Route fields of a ballistic group would be ignored: they are refused, naming the field."""
    # 120 km: within the Iskander's depressed reach (about 150 km since its lifting flight of
    # 2026-11-26, 220 km before).
    small_scenario_dict["raid"]["bm"] = {
        "preset": "iskander_m", "count": 1, "launch": {"bearing_deg": 90, "range_m": 120000},
        "target": {"asset": "plant"}, field: value}
    if pattern is None:
        load_scenario(small_scenario_dict)
        return
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(small_scenario_dict)


def test_route_longer_than_the_preset_range_is_refused(small_scenario_dict):
    """The range limit holds for the route flown, not only the launch-to-target distance: a
    detour through a waypoint 1,500 km out is beyond a 2,000 km drone from 40 km away."""
    g = small_scenario_dict["raid"]["drones"]
    g["route"] = [{"bearing_deg": 270, "range_m": 1_000_000}]
    with pytest.raises(ScenarioError, match=r"raid\.drones\.route: the route from launch through "
                       r"1 waypoint\(s\) to the target is 2040\.0 km, beyond the shahed136 "
                       r"preset's max_range_m of 2000\.0 km"):
        load_scenario(small_scenario_dict)
    # 901 + 900 = 1801 km: within range (off the launch-target axis: the flight models refuse
    # an exact 180 deg reversal at a waypoint, which the load now checks too)
    g["route"] = [{"bearing_deg": 0, "range_m": 900_000}]
    load_scenario(small_scenario_dict)


def test_depressed_needs_a_ballistic_group(small_scenario_dict):
    """A depressed trajectory is for ballistic threats only."""
    small_scenario_dict["raid"]["drones"]["depressed"] = True
    with pytest.raises(ScenarioError, match=r"raid\.drones\.depressed: only a ballistic group "
                                            r"flies a depressed trajectory; .*a drone threat"):
        load_scenario(small_scenario_dict)


def test_yaml_syntax_error_gives_line(tmp_path):
    """A YAML syntax error names the file and the line."""
    f = tmp_path / "bad.yaml"
    f.write_text("name: x\norigin: {lat_deg: 1, lon_deg: 2\nduration_s: 10\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: YAML syntax error at line \d+, column \d+"):
        load_scenario(f)


def test_field_error_in_file_gives_line(tmp_path):
    """A field error in a YAML file carries the file name and the line of the field."""
    f = tmp_path / "s.yaml"
    f.write_text("origin: {lat_deg: 50, lon_deg: 30}\nduration_s: 100\nraid:\n  d:\n"
                 "    preset: shahed136\n    count: 0\n    launch: {bearing_deg: 0, range_m: 1000}\n"
                 "    target: {point: {bearing_deg: 0, range_m: 0}}\n")
    with pytest.raises(ScenarioError, match=r"s\.yaml: raid\.d\.count: must be >= 1, got 0 \[line 6\]"):
        load_scenario(f)


@pytest.mark.parametrize(("body", "pattern"), [
    ("    target: {asset: palace}\n",
     r"s\.yaml: raid\.d\.target\.asset: names no asset: 'palace'; .* \[line 8\]$"),
    ("    target: {point: {bearing_deg: 0, range_m: 0}}\n    route_jitter_m: 10\n"
     "    preset_note: x\n", r"s\.yaml: raid\.d\.preset_note: unknown key .*\[line 10\]$"),
])
def test_rule_error_in_file_gives_line(tmp_path, body, pattern):
    """Errors found after validation (resolving names, flight rules) carry the line too."""
    f = tmp_path / "s.yaml"
    f.write_text("origin: {lat_deg: 50, lon_deg: 30}\nduration_s: 100\nraid:\n  d:\n"
                 "    preset: shahed136\n    count: 2\n    launch: {bearing_deg: 0, range_m: 1000}\n"
                 + body)
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(f)


def test_ballistic_route_error_in_file_gives_line(tmp_path):
    """A rule of the resolved scenario names the line of the field in the file."""
    f = tmp_path / "s.yaml"
    f.write_text("origin: {lat_deg: 50, lon_deg: 30}\nduration_s: 100\nraid:\n  b:\n"
                 "    preset: iskander_m\n    count: 1\n"
                 "    launch: {bearing_deg: 0, range_m: 200000}\n"
                 "    target: {point: {bearing_deg: 0, range_m: 0}}\n    route_jitter_m: 300\n")
    with pytest.raises(ScenarioError, match=r"raid\.b\.route_jitter_m: a ballistic group flies "
                                            r"no route .*got 300\.0 \[line 9\]$"):
        load_scenario(f)


def test_missing_file():
    """A scenario path that does not exist is reported as such."""
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario("/nonexistent/scenario.yaml")


def test_not_a_mapping(tmp_path):
    """A YAML file holding a list is rejected with the rule."""
    f = tmp_path / "l.yaml"
    f.write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match=r"l\.yaml: the top level of a scenario file must be "
                       r"a mapping of keys to values .*, got a list"):
        load_scenario(f)


def test_battery_components_are_assets(small_scenario):
    """Every battery radar and launcher is a defended asset with its battery recorded."""
    a = small_scenario.assets
    assert a.name == ["plant", "srb.radar", "srb.tor_m2_tlar.0", "srb.tor_m2_tlar.1"]
    assert a.role == ["asset", "radar", "launcher", "launcher"]
    np.testing.assert_array_equal(a.battery, [-1, 0, 0, 0])


def test_bearing_range_geometry(small_scenario):
    """A position given as bearing 90 deg, 2 km lies 2 km east of the origin at ground level."""
    enu = small_scenario.batteries[0].enu
    np.testing.assert_allclose(enu[:2], [2000.0, 0.0], atol=0.01)
    assert abs(small_scenario.frame.height_m(enu[None])[0]) < 1e-6


def test_overrides_apply(small_scenario_dict):
    """Preset overrides change only the named field and are validated."""
    small_scenario_dict["raid"]["drones"]["overrides"] = {"speed_mps": 60.0}
    sc = load_scenario(small_scenario_dict)
    assert sc.groups[0].preset.speed_mps == 60.0
    assert sc.groups[0].preset.rcs_m2 == sc.catalog.threats["shahed136"].rcs_m2


def test_user_catalog(tmp_path, small_scenario_dict):
    """A user catalog file adds presets that scenarios can use."""
    cat = tmp_path / "mine.yaml"
    cat.write_text(
        "threats:\n  slowdrone:\n    kind: drone\n    source: test figures\n    unit_cost: 1000\n"
        "    speed_mps: 30\n    cruise_altitude_m: 200\n    max_range_m: 100000\n    rcs_m2: 0.05\n"
        "    warhead_kg: 5\n    lethal_radius_m: 5\n"
    )
    small_scenario_dict["catalog"] = [str(cat)]
    small_scenario_dict["raid"]["drones"]["preset"] = "slowdrone"
    sc = load_scenario(small_scenario_dict)
    assert sc.groups[0].preset.speed_mps == 30.0


def test_bad_user_catalog(tmp_path, small_scenario_dict):
    """A user catalog entry that breaks a rule names the file, section, entry and field."""
    cat = tmp_path / "mine.yaml"
    cat.write_text("sensors:\n  r:\n    role: search\n    scan: rotating\n    source: s\n"
                   "    unit_cost: 1\n    ref_range_m: -5\n    max_range_m: 100\n    scan_period_s: 1\n")
    small_scenario_dict["catalog"] = [str(cat)]
    with pytest.raises(ScenarioError, match=r"mine\.yaml: sensors\.r\.ref_range_m: must be > 0, got -5 \(unit: m\)"):
        load_scenario(small_scenario_dict)


def test_catalog_entries_carry_sources():
    """Every built-in preset has a source note and a unit cost."""
    from airdefense.catalog import SECTIONS, load_catalog

    cat = load_catalog()
    for sec in SECTIONS:
        for name, p in cat.section(sec).items():
            assert p.source.strip(), f"{sec}.{name} has no source"
            assert p.unit_cost >= 0
    for k in ("shahed136", "kh101", "iskander_m", "fighter", "attack_helicopter"):
        assert k in cat.threats
    for k in ("mpq65", "tor_m2_radar", "hawk_par", "hawk_hpi"):
        assert k in cat.sensors
    for k in ("pac3", "pac2_gem", "hawk_mim23", "tor_9m338", "gun_35mm"):
        assert k in cat.interceptors


def test_launcher_names_number_on_across_groups(small_scenario_dict):
    """Launchers are named battery.preset.number, numbered on across groups of one preset."""
    d = small_scenario_dict
    d["batteries"]["srb"]["launchers"] = [{"preset": "tor_m2_tlar", "count": 2},
                                          {"preset": "patriot_m903_pac3", "count": 1},
                                          {"preset": "tor_m2_tlar", "count": 1}]
    names = [n for n, r in zip(load_scenario(d).assets.name, load_scenario(d).assets.role,
                               strict=True) if r == "launcher"]
    assert names == ["srb.tor_m2_tlar.0", "srb.tor_m2_tlar.1", "srb.patriot_m903_pac3.0",
                     "srb.tor_m2_tlar.2"]


_JETS = {"preset": "fighter", "count": 2, "launch": {"bearing_deg": 90, "range_m": 150000},
         "target": {"asset": "plant"}}


@pytest.mark.parametrize(("group", "pattern"), [
    ({**_JETS, "overrides": {"weapon": "nope"}},
     r"raid\.jets\.overrides\.weapon: unknown threat preset 'nope'"),
    ({**_JETS, "overrides": {"weapon": "iskander_m"}},
     r"raid\.jets\.overrides\.weapon: weapon 'iskander_m' cannot be released: it is a "
     r"ballistic preset; a released weapon is a drone or cruise preset"),
    ({**_JETS, "overrides": {"weapon": "fighter"}},
     r"weapon 'fighter' cannot be released: it releases a weapon of its own"),
    ({**_JETS, "overrides": {"weapon_cost": 5}},
     r"raid\.jets\.overrides: give weapon \('glide_bomb', .*\) or weapon_cost \(5\.0 US "
     r"dollars\), not both"),
    ({**_JETS, "overrides": {"weapon": None, "weapon_count": 1}},
     r"raid\.jets\.overrides: release_range_m \(50000\.0 m\) needs a weapon preset"),
    ({**_JETS, "overrides": {"weapon": None, "release_range_m": 0}},
     r"raid\.jets\.overrides: weapon_count \(2\) needs a weapon preset"),
    ({**_JETS, "launch": {"bearing_deg": 90, "range_m": 30000}},
     r"raid\.jets\.preset: release_range_m \(50000 m\) must be shorter than the last leg, "
     r"\d+ m from the launch point to the target"),
    ({**_JETS, "route": [{"bearing_deg": 80, "range_m": 25000}],
      "overrides": {"release_range_m": 30000}},
     r"raid\.jets\.overrides\.release_range_m: release_range_m \(30000 m\) must be shorter "
     r"than the last leg, \d+ m from the last waypoint"),
    ({**_JETS, "overrides": {"release_range_m": 80000}},
     r"raid\.jets\.overrides\.release_range_m: release_range_m \(80000 m\) is beyond the "
     r"max_range_m \(70000 m\) of weapon 'glide_bomb'"),
    ({**_JETS, "preset": "shahed136", "launch": {"bearing_deg": 90, "range_m": 40000},
      "overrides": {"weapon": "kh101"}},
     r"raid\.jets\.overrides: weapon \('kh101'\) applies to aircraft and helicopter presets "
     r"only, not to a drone preset"),
])
def test_released_weapon_rules(small_scenario_dict, group, pattern):
    """A platform's weapon must be a known drone or cruise preset it can release on its last
    leg, within the weapon's range; the weapon fields need a weapon."""
    small_scenario_dict["raid"] = {"jets": group}
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(small_scenario_dict)


def test_released_weapon_resolved(small_scenario_dict):
    small_scenario_dict["raid"] = {"jets": _JETS}
    g = load_scenario(small_scenario_dict).groups[0]
    assert g.preset.weapon == "glide_bomb" and g.weapon_preset.kind == "cruise"
    assert g.weapon_preset.unit_cost == 30000.0
