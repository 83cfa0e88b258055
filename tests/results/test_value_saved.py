"""Value saved: the expected loss undefended less the expected loss of the impacts that came.

References: the simulation's own damage draws (``apply_impacts`` and the area losses, as
the loop applies them) averaged over 20,000 draws, and monotonicity (more impacts never lose
less). Before, ``value_saved`` was the undefended expectation less this run's one draw of the
damage, so an unlucky draw read as a defence that did harm (example 1: value at risk $459.69M,
value lost $460.00M, value saved -$314.66k).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario, simulate
from airdefense.engagement.damage import (
    DAMAGED,
    DAMAGED_VALUE_FRACTION,
    DESTROYED,
    INTACT,
    AreaDamage,
    apply_impacts,
)
from airdefense.results.summary import expected_loss, format_summary
from airdefense.simulation.loop import RNG_STREAMS
from airdefense.threats import build_threats

EXAMPLE_1 = Path(__file__).resolve().parents[2] / "examples" / "01_drone_wave.yaml"

class _Assets(SimpleNamespace):
    """The asset table's fields the damage functions read."""

    def __len__(self) -> int:
        return len(self.value)


#: Three point assets (one hardened, one with its own lethal radius) and a 300 m area.
ASSETS = _Assets(
    enu=np.array([[0.0, 0.0, 0.0], [400.0, 0.0, 0.0], [0.0, 500.0, 0.0], [2000.0, 0.0, 0.0]]),
    hardness=np.array([0.0, 0.5, 0.0, 0.0]), lethal_radius_m=np.array([np.nan, np.nan, 30.0,
                                                                       np.nan]),
    radius_m=np.array([0.0, 0.0, 0.0, 300.0]), value=np.array([1e6, 4e6, 2e6, 5e7]))
#: Impacts around them: several near asset 0, so that damage accumulates.
IMPACTS = np.array([[25.0, 0.0, 0.0], [0.0, -30.0, 0.0], [-20.0, 20.0, 0.0], [420.0, 10.0, 0.0],
                    [0.0, 540.0, 0.0], [2100.0, 50.0, 0.0], [1800.0, 0.0, 0.0]])
RADII = np.array([20.0, 20.0, 20.0, 40.0, 15.0, 60.0, 60.0])


def _stand_ins(impacts=IMPACTS, radii=RADII):
    scenario = SimpleNamespace(assets=ASSETS, config=SimpleNamespace(duration_s=1e9))
    truth = SimpleNamespace(impact_enu=impacts, lethal_radius_m=radii,
                            end_time_s=np.zeros(len(impacts)))
    return scenario, truth


def test_expected_loss_is_the_mean_of_the_simulations_damage_draws():
    """20,000 draws of the damage the loop applies (a damaged point asset damaged again is
    destroyed; an area loses what AreaDamage says its impacts take): their mean value lost
    equals the expected loss within 4 standard errors."""
    scenario, truth = _stand_ins()
    rng = np.random.default_rng(3)
    n = 20_000
    point = ASSETS.radius_m == 0
    area = AreaDamage(ASSETS).hit(IMPACTS, RADII).sum(axis=0)
    lost = np.empty(n)
    for r in range(n):
        state = apply_impacts(np.full(4, INTACT), IMPACTS, RADII, ASSETS, rng)
        frac = np.where(state == DESTROYED, 1.0,
                        np.where(state == DAMAGED, DAMAGED_VALUE_FRACTION, 0.0))
        lost[r] = np.sum(ASSETS.value * np.where(point, frac, area))
    want = expected_loss(scenario, truth)
    assert abs(lost.mean() - want) < 4 * lost.std() / np.sqrt(n)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=7, max_size=7))
def test_fewer_impacts_never_lose_more(keep):
    """The expected loss of any subset of the impacts is at most that of all of them, so the
    value saved is never negative."""
    scenario, truth = _stand_ins()
    ids = np.flatnonzero(keep)
    assert 0.0 <= expected_loss(scenario, truth, ids) <= expected_loss(scenario, truth) + 1e-6
    assert expected_loss(scenario, truth, np.arange(7)) == expected_loss(scenario, truth)


@pytest.fixture(scope="module")
def example_1():
    sc = load_scenario(EXAMPLE_1)
    seed = 1
    res = simulate(sc, seed=seed, tracking="truth")
    stream = np.random.SeedSequence(seed).spawn(len(RNG_STREAMS))[RNG_STREAMS.index("threats")]
    return sc, res, build_threats(sc, np.random.default_rng(stream))


def test_value_saved_compares_two_expectations(example_1):
    """Example 1: the value saved is the expected loss undefended less that of the run's
    impacts (the ``impact`` events), both at the run's impact points; it is not negative,
    and the printed summary names what each figure is."""
    sc, res, truth = example_1
    s = res.summary
    ev = res.events
    hits = ev.loc[ev["kind"] == "impact", "threat_id"].to_numpy()
    assert len(hits) > 0
    defended = expected_loss(sc, truth, hits)
    assert s["value_at_risk"] == pytest.approx(expected_loss(sc, truth), rel=1e-12)
    assert s["value_saved"] == pytest.approx(s["value_at_risk"] - defended, rel=1e-12)
    assert s["value_saved"] >= 0.0
    text = format_summary(res)
    for label in ("value lost (this run)", "expected loss, defended",
                  "expected loss, undefended", "value saved (expected)"):
        assert label in text


def test_a_runs_area_shares_stand_in_only_for_the_same_impacts_in_order():
    """The run's own area shares (``area_rows``: ids in the order its AreaDamage took them,
    and the fractions it returned) give the expected loss bit for bit where the ids are the
    chosen impacts in end-time order, and are ignored otherwise (wrong order, another set):
    the loss is then recomputed, as without them."""
    from airdefense.results.summary import _expected_loss

    scenario, truth = _stand_ins()
    truth.end_time_s = np.array([5.0, 1.0, 3.0, 2.0, 4.0, 0.5, 6.0])
    ids = np.array([0, 2, 5, 6])
    order = ids[np.argsort(truth.end_time_s[ids], kind="stable")]  # 5, 2, 0, 6
    want = expected_loss(scenario, truth, ids)
    # Shares in two batches, as a run adds its impacts step by step.
    dmg = AreaDamage(ASSETS)
    frac = np.vstack([dmg.hit(IMPACTS[order[:2]], RADII[order[:2]]),
                      dmg.hit(IMPACTS[order[2:]], RADII[order[2:]])])
    assert frac[:, 3].any()  # the area asset takes some
    assert _expected_loss(scenario, truth, ids, (order, frac)) == want
    # Doctored shares are used for the right ids (so the right ones are read)...
    assert _expected_loss(scenario, truth, ids, (order, 0.5 * frac)) < want
    # ... and ignored for the wrong order or another set of impacts.
    for other in (ids, order[::-1], order[:3]):
        assert _expected_loss(scenario, truth, ids, (other, 0.5 * frac[:other.size])) == want


def test_a_runs_value_saved_is_its_recomputed_expectation(example_1):
    """A run passes its area shares to the summary: the value saved equals the undefended
    expectation less the defended one computed afresh, exactly."""
    sc, res, truth = example_1
    ev = res.events
    hits = ev.loc[ev["kind"] == "impact", "threat_id"].to_numpy()
    s = res.summary
    assert s["value_saved"] == s["value_at_risk"] - expected_loss(sc, truth, hits)
