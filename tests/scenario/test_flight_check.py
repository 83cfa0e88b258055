"""The load flies each raid group once: a scenario that cannot fly is refused at load, with the
file, the line and the field to blame (not at simulate time, without them)."""

from __future__ import annotations

import copy

import pytest
import yaml
from click.testing import CliRunner

from airdefense.cli import main
from airdefense.errors import ScenarioError
from airdefense.scenario import load_scenario
from tests.conftest import EXAMPLES, SMALL_SCENARIO, scatter_cruise_dict


def _write(tmp_path, data, name="s.yaml"):
    f = tmp_path / name
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    return f


def _line_of(f, text):
    return next(i for i, ln in enumerate(f.read_text().splitlines(), 1) if text in ln)


def test_two_identical_waypoints_are_refused_at_load_with_file_and_line(tmp_path):
    """A zero-length leg cannot hold a turn: the load (and `validate`) refuses it, naming the
    file, the waypoint and its line."""
    d = copy.deepcopy(SMALL_SCENARIO)
    wp = {"bearing_deg": 60, "range_m": 20000}
    d["raid"]["drones"]["route"] = [wp, dict(wp)]
    f = _write(tmp_path, d)
    with pytest.raises(ScenarioError, match=r"s\.yaml: raid\.drones\.route\[1\]: waypoint cannot "
                       r"be reached within the turn limits: .* the leg to it is 0\.00 km long"):
        load_scenario(f)
    r = CliRunner().invoke(main, ["validate", str(f)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "s.yaml: raid.drones.route[1]" in r.output and "[line " in r.output


def test_a_wind_too_strong_for_a_group_is_refused_at_load(tmp_path):
    """Wind of 60 m/s against a 51 m/s drone: refused at load with the wind field and line."""
    d = copy.deepcopy(SMALL_SCENARIO)
    d["wind"] = {"speed_mps": 60, "from_deg": 95}
    f = _write(tmp_path, d)
    line = _line_of(f, "speed_mps: 60")
    with pytest.raises(ScenarioError, match=rf"s\.yaml: wind\.speed_mps: wind of 60\.0 m/s must "
                       rf"be below 90% of the airspeed .*\[line {line}\]"):
        load_scenario(f)


@pytest.mark.parametrize(("key", "value", "unit"), [
    ("speed_mps", 1.0e4, "m/s"),       # turn radius v^2 / (g tan bank) of 17,700 km
    ("dive_angle_deg", 0.001, "deg"),  # a dive of 0.001 deg needs 57,000 km of final leg
])
def test_an_override_that_cannot_fly_is_blamed_not_the_route(small_scenario_dict, key, value,
                                                             unit):
    """The flight fails only with the override: the override is named, with value and unit."""
    g = small_scenario_dict["raid"]["drones"]
    g["route"] = [{"bearing_deg": 60, "range_m": 20000}]
    g["overrides"] = {key: value}
    with pytest.raises(ScenarioError, match=rf"raid\.drones\.overrides\.{key}: {key} = {value!r} "
                       rf"{unit} makes this group's flight impossible \(the shahed136 preset's "
                       rf"own .* flies\): "):
        load_scenario(small_scenario_dict)


def test_a_ballistic_override_that_reaches_nothing_is_blamed():
    """An apogee of 1 m reaches no aim point 250 km away: the apogee override is named, not the
    group's target."""
    d = yaml.safe_load((EXAMPLES / "03_battery_strike.yaml").read_text())
    d["raid"]["ballistic_radar"]["overrides"] = {"apogee_m": 1}
    with pytest.raises(ScenarioError, match=r"raid\.ballistic_radar\.overrides\.apogee_m: "
                       r"apogee_m = 1 m makes this group's flight impossible .*no boost"):
        load_scenario(d)


@pytest.mark.parametrize(("alt", "below"), [(-400.0, 500.0), (50.0, 50.0)])
def test_a_waypoint_below_the_ground_is_refused(small_scenario_dict, alt, below):
    """alt_m is above sea level: with the ground (the origin) at 100 m, a waypoint at ``alt``
    lies ``100 - alt`` m underground; refused with both heights."""
    g = small_scenario_dict["raid"]["drones"]
    g["route"] = [{"bearing_deg": 60, "range_m": 20000, "alt_m": alt}]
    with pytest.raises(ScenarioError, match=rf"raid\.drones\.route\[0\]\.alt_m: the waypoint "
                       rf"route\[0\]'s alt_m = {alt:g} m is {below:.0f} m below the ground under "
                       rf"it \(100 m above sea level"):
        load_scenario(small_scenario_dict)
    g["route"][0]["alt_m"] = 100.0 + 300.0  # 300 m above the ground: flies
    load_scenario(small_scenario_dict)


def test_a_drone_launched_above_the_class_ceiling_is_refused(small_scenario_dict):
    """900 km up is no drone's launch point (20 km ceiling of the class)."""
    g = small_scenario_dict["raid"]["drones"]
    g["launch"]["alt_m"] = 900_000.0
    with pytest.raises(ScenarioError, match=r"raid\.drones\.launch\.alt_m: the launch point's "
                       r"alt_m = 900000 m is 899\.9 km above the ground, above the 20 km ceiling "
                       r"of a drone"):
        load_scenario(small_scenario_dict)


def test_a_cruise_altitude_above_the_ceiling_is_refused(small_scenario_dict):
    """An override of cruise_altitude_m to 50 km is named (not the route it makes unflyable)."""
    small_scenario_dict["raid"]["drones"]["overrides"] = {"cruise_altitude_m": 50_000}
    with pytest.raises(ScenarioError, match=r"raid\.drones\.overrides\.cruise_altitude_m: "
                       r"cruise_altitude_m = 50000 m is above the 20 km ceiling of a drone"):
        load_scenario(small_scenario_dict)


def test_a_route_that_some_seeds_scatter_out_of_reach_is_refused_at_load():
    """Kh-101s turning 12 km from the target with 1 km of route jitter and 3 km of aim spread:
    the nominal route flies, but the terminal dive of a scattered missile needs a longer final
    leg for about half the seeds (the run failed for seeds 1, 3, 9, ...). The load flies the
    scatter of 256 threats, and refuses it, saying so."""
    d = scatter_cruise_dict()
    g = d["raid"]["cruise"]
    with pytest.raises(ScenarioError, match=r"raid\.cruise\.route\[1\]: waypoint cannot be "
                       r"reached within the turn limits: the terminal dive needs .* \(the nominal "
                       r"geometry flies, but not every threat of the group scattered by "
                       r"route_jitter_m = 1000 m and aim_spread_m = 3000 m: a run would fail for "
                       r"some seeds; .*\)$"):
        load_scenario(d)
    g["target"]["aim_spread_m"] = 0.0  # without the spread every scattered route flies
    load_scenario(d)
