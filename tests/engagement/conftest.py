"""Fixtures for the engagement tests: launchers built from catalog presets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from airdefense.catalog import load_catalog
from airdefense.engagement.launchers import LauncherState
from airdefense.geo import SphereHeight


@dataclass
class _Preset:
    min_launch_interval_s: float = 2.0


@dataclass
class _Launcher:
    """The fields of a scenario LauncherUnit that LauncherState reads."""

    interceptor: object
    interceptor_name: str
    enu: np.ndarray
    battery: int = 0
    rounds: int = 8
    reload_time_s: float = 600.0
    fire_control: int = 0
    preset: _Preset = None

    def __post_init__(self):
        if self.preset is None:
            self.preset = _Preset()


@dataclass
class _SensorPreset:
    guidance_channels: int = 0


@dataclass
class _Sensor:
    preset: _SensorPreset


CATALOG = load_catalog()


def make_launchers(names, positions=None, channels=0, **overrides) -> LauncherState:
    """LauncherState of catalog interceptors ``names`` (optionally with figures overridden)."""
    units = []
    for i, name in enumerate(names):
        p = CATALOG.interceptors[name]
        if overrides:
            p = p.model_copy(update=overrides)
        pos = np.zeros(3) if positions is None else np.asarray(positions[i], float)
        units.append(_Launcher(interceptor=p, interceptor_name=name, enu=pos))
    return LauncherState(units, [_Sensor(_SensorPreset(channels))])


#: Heights over a flat earth: the ENU up coordinate.
flat = SphereHeight(np.inf)


@pytest.fixture
def catalog():
    """The built-in catalog."""
    return CATALOG


@pytest.fixture
def layered_straight():
    """A PAC-3 and a Tor battery against drones flying straight at a city (no waypoints)."""
    import copy

    from airdefense import load_scenario
    from tests.c2.c2_pictures import LAYERED

    d = copy.deepcopy(LAYERED)
    d["duration_s"] = 1400.0
    return load_scenario(d)
