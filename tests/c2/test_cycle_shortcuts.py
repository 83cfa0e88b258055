"""The decision cycle's shortcuts change no result: the range bound that skips a pair's
geometry, and the damage law kept from one evaluation to the next."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.c2._kernels import _beyond
from airdefense.c2.evaluation import evaluate_threats
from airdefense.engagement import _kernels as ek
from airdefense.engagement.envelope import _launcher_rows, feasibility
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog

EXAMPLE_2 = Path(__file__).resolve().parents[2] / "examples" / "02_layered_city.yaml"


@pytest.fixture(scope="module")
def example_2():
    return load_scenario(EXAMPLE_2)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.floats(0.0, 400.0))
def test_range_bound_refuses_no_pair_that_rule_2_allows(example_2, seed, m, ttg_s):
    """Where the bound says the straight path stays beyond the fire range within the time
    to go, the full geometry (the public feasibility) finds no intercept inside the
    envelope at a time of flight within it; and the bound does skip pairs."""
    rng = np.random.default_rng(seed)
    L = Engagement(example_2, EventLog(), np.random.default_rng(0)).launchers
    lp = _launcher_rows(L)
    r = rng.uniform(2e3, 1.5e5, m)
    az = rng.uniform(0, 2 * np.pi, m)
    speed = rng.uniform(30.0, 700.0, m)
    head = az + np.pi + rng.normal(0, 0.8, m)
    x = np.column_stack([r * np.cos(az), r * np.sin(az), rng.uniform(30, 12000, m),
                         speed * np.cos(head), speed * np.sin(head), rng.uniform(-20, 20, m)])
    geo = feasibility(x, L, example_2.frame.height_m, 0.0, kind=np.ones(m, int),
                      windows=False)  # cruise: a straight path
    horizon = ek.horizons(x, np.zeros(m), example_2.frame.radius_m, 600.0)
    skipped = 0
    for i in range(m):
        for j in range(len(L)):
            if _beyond(x[i], 0.0, min(horizon[i], lp[j, 15]), lp, j, ttg_s):
                skipped += 1
                assert not (geo["inside"][i, j] and geo["tof"][i, j] <= ttg_s), (i, j)
    if m >= 20:
        assert skipped > 0


def test_range_bound_refuses_only_without_time(example_2):
    """No time of flight is short enough for a NaN or negative time to go; a path through
    the launcher is never beyond its range."""
    L = Engagement(example_2, EventLog(), np.random.default_rng(0)).launchers
    lp = _launcher_rows(L)
    x = np.array([lp[0, 0] - 5e3, lp[0, 1], 1000.0, 250.0, 0.0, 0.0])
    assert _beyond(x, 0.0, 600.0, lp, 0, np.nan)
    assert _beyond(x, 0.0, 600.0, lp, 0, -1.0)
    assert not _beyond(x, 0.0, 600.0, lp, 0, 60.0)
    assert not _beyond(x, 9.80665, 600.0, lp, 0, 60.0)  # a falling path: no bound taken


def test_damage_law_follows_asset_figures_changed_in_place(example_2):
    """The law kept from the last evaluation is not reused once an asset's figures change,
    even in the same arrays: each evaluation equals one made afresh."""
    a = example_2.assets
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.uniform(-3e4, 3e4, (8, 2)), np.full(8, 300.0),
                         rng.uniform(-200, 200, (8, 2)), np.zeros(8)])
    hard = np.array(a.hardness, float)
    area = np.array(a.radius_m, float)
    dmg = np.zeros(len(a), bool)

    def evaluate(**kw):
        return evaluate_threats(x, a.enu, a.value, np.ones(len(a), bool),
                                asset_hardness=hard, asset_area_radius_m=area,
                                asset_damaged=dmg, **kw)

    def fresh(**kw):
        return evaluate_threats(x, a.enu, a.value, np.ones(len(a), bool),
                                asset_hardness=hard.copy(), asset_area_radius_m=area.copy(),
                                asset_damaged=dmg.copy(), **kw)

    point = np.flatnonzero(area <= 0)
    near = point[np.argmin(np.hypot(*(a.enu[point, :2] - x[0, :2]).T))]
    radii = {"cruise": 400.0}
    for change in (lambda: hard.__setitem__(near, 0.9), lambda: area.__setitem__(near, 5e3),
                   lambda: dmg.__setitem__(near, True),
                   lambda: radii.__setitem__("cruise", 5.0)):
        before = evaluate(lethal_radius_m=radii)["value"].copy()
        change()  # in place: the same arrays and dict as the last evaluation's
        got = evaluate(lethal_radius_m=radii)["value"]
        assert not np.array_equal(got, before)  # the change matters
        np.testing.assert_array_equal(got, fresh(lethal_radius_m=dict(radii))["value"])
        area[near] = 0.0
