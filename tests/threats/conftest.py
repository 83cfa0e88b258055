"""Fixtures for the flight-model tests: scenario builders and a stand-in terrain."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.scenario.loader import load_scenario

ORIGIN = {"lat_deg": 50.0, "lon_deg": 30.0}


def scenario(groups: dict, terrain=None, **extra):
    """Load a scenario with one city at the origin and the given raid groups."""
    sc = load_scenario({
        "name": "t", "origin": ORIGIN, "duration_s": 7200,
        "assets": {"city": {"kind": "city_district",
                            "position": {"bearing_deg": 0, "range_m": 0}, "value": 1e9}},
        "raid": groups, **extra,
    })
    sc.terrain = terrain
    return sc


def blended_time(xk, hk, v, accel_g, s_end=None):
    """Time to fly a height polyline (knots ``xk``, ``hk``, m) at airspeed ``v`` (m/s) up to
    ground distance ``s_end`` (default its end), each corner rounded by a parabola of
    ``|h''| = accel_g g / v^2`` over ``|dm| / (2 |h''|)`` each side (an independent reference
    for the flight model's corner blends): the integral of ``sqrt(1 + h'^2) / v``."""
    xk, hk = np.asarray(xk, float), np.asarray(hk, float)
    curv = accel_g * 9.80665 / v**2
    m = np.diff(hk) / np.diff(xk)
    s = np.linspace(xk[0], xk[-1] if s_end is None else s_end, 400001)
    slope = np.full_like(s, m[0])
    for j in range(1, len(m)):
        dm = m[j] - m[j - 1]
        b = abs(dm) / (2 * curv)
        slope += dm * np.clip((s - xk[j] + b) / (2 * b), 0.0, 1.0) if b > 0 else 0.0
    f = np.sqrt(1.0 + slope * slope) / v
    return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(s)))


class Ridge:
    """Stand-in terrain: a Gaussian ridge running north-south at ``east_m``."""

    def __init__(self, east_m: float, height_m: float, width_m: float) -> None:
        self.east_m, self.height_m, self.width_m = east_m, height_m, width_m

    def elevation_m(self, east_m, north_m):
        """Elevation above sea level at surface-arc offsets, m."""
        e = np.asarray(east_m, float)
        return self.height_m * np.exp(-0.5 * ((e - self.east_m) / self.width_m) ** 2) + 0 * north_m


@pytest.fixture
def ridge() -> Ridge:
    """A 1500 m ridge 60 km east of the origin."""
    return Ridge(60000.0, 1500.0, 4000.0)
