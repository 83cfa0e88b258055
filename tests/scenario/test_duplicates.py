"""Duplicate names are refused: a key repeated in a YAML mapping (YAML would keep only the
last), an asset named like a battery's radar, two radars of one battery with one name."""

from __future__ import annotations

import copy

import pytest
import yaml

from airdefense.errors import ScenarioError
from airdefense.scenario import load_scenario
from tests.conftest import SMALL_SCENARIO


def test_a_repeated_battery_key_names_the_key_and_both_lines(tmp_path):
    """Two `srb:` batteries: the first would vanish silently."""
    text = yaml.safe_dump(SMALL_SCENARIO, sort_keys=False)
    block = text[text.index("  srb:"):text.index("raid:")]
    text = text.replace(block, block + block)
    f = tmp_path / "s.yaml"
    f.write_text(text)
    rows = [i for i, ln in enumerate(text.splitlines(), 1) if ln == "  srb:"]
    assert len(rows) == 2
    with pytest.raises(ScenarioError, match=rf"s\.yaml: batteries\.srb: key 'srb' appears twice "
                       rf"in this mapping, at lines {rows[0]} and {rows[1]}"):
        load_scenario(f)


def test_an_asset_named_like_a_battery_radar_is_refused(small_scenario_dict):
    d = small_scenario_dict
    d["assets"]["srb.radar"] = copy.deepcopy(d["assets"]["plant"])
    with pytest.raises(ScenarioError, match=r"assets\.srb\.radar: asset name 'srb\.radar' is also "
                       r"the name of a radar of battery 'srb'"):
        load_scenario(d)


def test_two_radars_of_one_battery_with_one_name_are_refused(small_scenario_dict):
    """Named or unnamed (an unnamed radar takes its preset's name)."""
    b = small_scenario_dict["batteries"]["srb"]
    b["sensors"] = [{"preset": "tor_m2_radar", "name": "radar"},
                    {"preset": "tor_m2_radar", "name": "radar"}]
    b["launchers"]["fire_control"] = "radar"
    with pytest.raises(ScenarioError, match=r"batteries\.srb\.sensors\[1\]\.name: radar name "
                       r"'radar' is already that of sensors\[0\] of this battery"):
        load_scenario(small_scenario_dict)
    b["sensors"] = [{"preset": "tor_m2_radar"}, {"preset": "tor_m2_radar"}]
    del b["launchers"]["fire_control"]
    with pytest.raises(ScenarioError, match=r"batteries\.srb\.sensors\[1\]\.preset: radar name "
                       r"'tor_m2_radar' is already that of sensors\[0\]"):
        load_scenario(small_scenario_dict)
