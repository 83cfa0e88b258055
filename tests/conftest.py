"""Shared fixtures: a seeded rng and a small scenario."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (CI must not depend on luck); set
# HYPOTHESIS_PROFILE=explore to draw fresh ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"

SMALL_SCENARIO = {
    "name": "small",
    "origin": {"lat_deg": 50.0, "lon_deg": 30.0, "alt_m": 100.0},
    "duration_s": 1200.0,
    "step_s": 0.5,
    "seed": 11,
    "assets": {
        "plant": {"kind": "power_plant", "position": {"bearing_deg": 0, "range_m": 0},
                  "value": 1.0e8},
    },
    "batteries": {
        "srb": {
            "position": {"bearing_deg": 90, "range_m": 2000},
            "sensors": {"preset": "tor_m2_radar", "name": "radar"},
            "launchers": {"preset": "tor_m2_tlar", "count": 2},
        }
    },
    "raid": {
        "drones": {
            "preset": "shahed136", "count": 8,
            "launch": {"bearing_deg": 90, "range_m": 40000},
            "target": {"asset": "plant"}, "salvo_interval_s": 15.0,
        }
    },
}


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator."""
    return np.random.default_rng(12345)


@pytest.fixture
def small_scenario_dict() -> dict:
    """A small scenario as a dict (a deep copy each time)."""
    return copy.deepcopy(SMALL_SCENARIO)


@pytest.fixture
def small_scenario(small_scenario_dict):
    """The small scenario, loaded."""
    from airdefense import load_scenario

    return load_scenario(small_scenario_dict)


def scatter_cruise_dict() -> dict:
    """Example 2 with only its Kh-101s, turning 12 km from the target with 1 km of route jitter
    and 3 km of aim spread: the nominal route flies, a share of the scattered ones cannot (the
    terminal dive needs a longer final leg). The load refuses it
    (tests/scenario/test_flight_check.py); a run fails for some seeds."""
    import yaml

    d = yaml.safe_load((EXAMPLES / "02_layered_city.yaml").read_text())
    g = d["raid"]["cruise"]
    d["raid"] = {"cruise": g}
    g.update(count=3, route_jitter_m=1000.0, route=[{"bearing_deg": 194, "range_m": 32000},
                                                     {"bearing_deg": 222, "range_m": 12000}])
    g["target"]["aim_spread_m"] = 3000.0
    return d
