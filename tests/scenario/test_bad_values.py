"""Values pydantic's lax mode would take: booleans for counts, NaN/+inf confirm_llr; and the
message nits (value printed once, the --set path named, a non-path argument)."""

from __future__ import annotations

import pytest

from airdefense.errors import ScenarioError
from airdefense.scenario import load_scenario
from airdefense.scenario.edit import parse_assignment


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_count_is_refused(small_scenario_dict, value):
    """`count: true` is not 1 drone."""
    small_scenario_dict["raid"]["drones"]["count"] = value
    with pytest.raises(ScenarioError, match=rf"raid\.drones\.count: must be an integer, not "
                       rf"true/false \(a boolean is not a count or a quantity\), got {value}$"):
        load_scenario(small_scenario_dict)


def test_a_boolean_quantity_is_refused_with_its_unit(small_scenario_dict):
    small_scenario_dict["duration_s"] = True
    with pytest.raises(ScenarioError, match=r"duration_s: must be a number, not true/false .*, "
                       r"got True \(unit: s\)$"):
        load_scenario(small_scenario_dict)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_confirm_llr_must_be_a_number_or_minus_inf(small_scenario_dict, value):
    small_scenario_dict["tracker"] = {"confirm_llr": value}
    with pytest.raises(ScenarioError, match=r"tracker\.confirm_llr: must be a number of nats or "
                       r"-inf .*, got (nan|inf)"):
        load_scenario(small_scenario_dict)
    small_scenario_dict["tracker"] = {"confirm_llr": float("-inf")}
    load_scenario(small_scenario_dict)


def test_a_bad_confirm_prints_its_value_once(small_scenario_dict):
    small_scenario_dict["tracker"] = {"confirm": "3/2"}
    with pytest.raises(ScenarioError, match=r"tracker\.confirm: must be M/N with M <= N <= 62 "
                       r"\(scans\), got '3/2'") as info:
        load_scenario(small_scenario_dict)
    assert str(info.value).count("3/2") == 1


def test_a_set_value_that_is_not_yaml_names_its_path():
    with pytest.raises(ScenarioError, match=r"raid\.drones\.count: value '\{' is not a valid YAML "
                       r"value"):
        parse_assignment("raid.drones.count={")


@pytest.mark.parametrize("arg", [None, 123])
def test_load_scenario_of_neither_file_nor_mapping_is_refused(arg):
    with pytest.raises(ScenarioError, match=rf"load_scenario needs a scenario file \(str or Path\) "
                       rf"or a mapping \(dict\), got {type(arg).__name__}"):
        load_scenario(arg)


def test_an_aim_spread_beyond_the_range_is_refused(small_scenario_dict):
    """40 km from launch to target plus 3 sigma of 1e6 m is beyond a 2,000 km drone; 3 sigma
    of 600 km (1,840 km in all) is within it."""
    g = small_scenario_dict["raid"]["drones"]
    g["target"]["aim_spread_m"] = 1.0e6
    with pytest.raises(ScenarioError, match=r"raid\.drones\.target\.aim_spread_m: aim_spread_m = "
                       r"1e\+06 m scatters aim points beyond the shahed136 preset's max_range_m: "
                       r"the target is 40\.0 km from the launch point, plus 3 sigma "
                       r"\(3000\.0 km\) is more than 2000\.0 km"):
        load_scenario(small_scenario_dict)
    g["target"]["aim_spread_m"] = 600_000.0
    sc = load_scenario(small_scenario_dict)
    assert sc.groups[0].aim_spread_m == 600_000.0
