"""Threat values of damaged point assets against the simulation's own damage draws.

A damaged point asset that is damaged again is destroyed
(:func:`airdefense.engagement.damage.apply_impacts`): the value it still holds (half its
value) is lost to any damage, so a threat's value against it is that value times the damage
probability, not the intact asset's law. The reference is a Monte Carlo of the simulation's
damage: impact points drawn about the predicted point with the documented spread, each
damage drawn by ``apply_impacts``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from airdefense.c2.evaluation import evaluate_threats
from airdefense.engagement.damage import (
    DAMAGED,
    DAMAGED_VALUE_FRACTION,
    DESTROYED,
    INTACT,
    apply_impacts,
)

RU = 0.05  # route uncertainty: the spread is 5% of the distance to go


def _monte_carlo_loss(state, value, offset_m, dist_m, R, rng, n=200_000):
    """Mean value the simulation's damage draw takes from a point asset in ``state`` when a
    threat aimed ``offset_m`` from it lands with the spread ``RU * dist_m`` per axis, and its
    standard error. One impact, ``n`` copies of the asset each moved by minus one draw of the
    impact error: the same miss distances as ``n`` impacts on one asset."""
    err = RU * dist_m * rng.normal(size=(n, 2))
    enu = np.zeros((n, 3))
    enu[:, :2] = -np.asarray(offset_m) - err
    assets = SimpleNamespace(enu=enu, hardness=np.zeros(n), lethal_radius_m=np.full(n, R),
                             radius_m=np.zeros(n))
    before = np.full(n, state)
    after = apply_impacts(before, np.zeros((1, 3)), np.array([R]), assets, rng)
    held = value * np.select([before == DAMAGED], [1.0 - DAMAGED_VALUE_FRACTION], 1.0)
    left = value * np.select([after == DESTROYED, after == DAMAGED],
                             [0.0, 1.0 - DAMAGED_VALUE_FRACTION], 1.0)
    loss = held - left
    return loss.mean(), loss.std(ddof=1) / np.sqrt(n)


@pytest.mark.parametrize("state", [INTACT, DAMAGED])
@pytest.mark.parametrize(("offset_m", "dist_m", "R"), [
    ((0.0, 0.0), 2000.0, 40.0),     # aimed at it, 100 m spread
    ((0.0, 67.0), 1000.0, 25.0),    # a near miss, 50 m spread
    ((0.0, 150.0), 6000.0, 60.0),   # wide spread (300 m): the damage law's outer tail
])
def test_value_is_the_simulations_expected_loss(state, offset_m, dist_m, R, rng):
    value = 4e8
    # A drone (45 m/s, level) flying along x, whose closest approach to the asset at the
    # origin is ``offset_m`` (across its path) away and ``dist_m`` ahead.
    x = np.array([[-dist_m, offset_m[1], 300.0, 45.0, 0.0, 0.0]])
    held = value * (1.0 - DAMAGED_VALUE_FRACTION if state == DAMAGED else 1.0)
    ev = evaluate_threats(x, np.zeros((1, 3)), np.array([held]), np.array([True]),
                          asset_radius_m=np.array([R]), route_uncertainty=RU,
                          asset_damaged=np.array([state == DAMAGED]))
    assert ev["kind"][0] == "drone"
    np.testing.assert_allclose(ev["time_to_go_s"][0], dist_m / 45.0, rtol=1e-12)
    want, se = _monte_carlo_loss(state, value, offset_m, dist_m, R, rng)
    assert abs(ev["value"][0] - want) < 4.5 * se + 1e-9 * value


def test_a_damaged_point_asset_is_threatened_more_than_its_share_of_the_intact_law():
    # Far out in the spread the damage probability (width 2R) is about four times the
    # destroy probability: the intact law, applied to the half the asset still holds,
    # takes (p + q)/2 of it where the simulation takes q, ~ 5/8 of it.
    x = np.array([[-20e3, 0.0, 300.0, 45.0, 0.0, 0.0]])
    args = (x, np.zeros((1, 3)), np.array([2e8]), np.array([True]))
    kw = {"asset_radius_m": np.array([20.0])}
    old = evaluate_threats(*args, **kw)["value"][0]
    new = evaluate_threats(*args, **kw, asset_damaged=np.array([True]))["value"][0]
    assert 1.55 < new / old < 1.6


def test_damage_does_not_change_an_area_assets_law():
    x = np.array([[-8e3, 100.0, 300.0, 45.0, 0.0, 0.0]])
    args = (x, np.zeros((1, 3)), np.array([1e9]), np.array([True]))
    kw = {"asset_radius_m": np.array([50.0]), "asset_area_radius_m": np.array([1500.0])}
    assert (evaluate_threats(*args, **kw)["value"][0]
            == evaluate_threats(*args, **kw, asset_damaged=np.array([True]))["value"][0])


def test_asset_damaged_of_the_wrong_shape_is_refused():
    x = np.array([[-8e3, 0.0, 300.0, 45.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match=r"asset_damaged must have shape \(2,\)"):
        evaluate_threats(x, np.zeros((2, 3)), np.ones(2), np.ones(2, bool),
                         asset_damaged=np.array([True]))
