"""Scenario: the declared, validated description of a raid and its defence."""

from airdefense.scenario.edit import drop_path, load_edited, parse_assignment, set_path
from airdefense.scenario.loader import (
    AssetTable,
    BatteryUnit,
    LauncherUnit,
    Scenario,
    SensorUnit,
    ThreatGroup,
    load_scenario,
    scenario_from_dict,
)
from airdefense.scenario.model import ScenarioConfig

__all__ = [
    "AssetTable",
    "BatteryUnit",
    "LauncherUnit",
    "Scenario",
    "ScenarioConfig",
    "SensorUnit",
    "ThreatGroup",
    "load_scenario",
    "scenario_from_dict",
    "drop_path",
    "load_edited",
    "parse_assignment",
    "set_path",
]
