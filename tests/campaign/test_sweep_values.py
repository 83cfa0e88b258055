"""SweepResult.stats values against hand-worked figures on hand-built per-run summaries.

References: P(zero leakers) = (runs with no leaker) / runs with its Clopper-Pearson interval,
where the binomial tails ``P(X >= k)`` and ``P(X <= k)`` equal ``(1 - level)/2``; the mean's Student-t interval with ``t`` from
``scipy.stats.t``; the pooled cost exchange's Cochran (1977, eq. 6.9) interval.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from airdefense.campaign.sweep import SweepResult


def _clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    from scipy.optimize import brentq

    a = (1 - level) / 2
    lo = 0.0 if k == 0 else brentq(lambda p: st.binom.sf(k - 1, n, p) - a, 0.0, 1.0, xtol=1e-15)
    hi = 1.0 if k == n else brentq(lambda p: st.binom.cdf(k, n, p) - a, 0.0, 1.0, xtol=1e-15)
    return lo, hi


def _t(level: float, dof: int) -> float:
    return float(st.t.ppf(0.5 + level / 2, dof))


def _sweep() -> SweepResult:
    """Two points: 5 runs with leakers [0, 0, 1, 0, 2] (3 without), 4 runs with [1, 1, 1, 0]
    (1 without)."""
    a = pd.DataFrame({"rep": range(5), "leaked": [0, 0, 1, 0, 2],
                      "interceptors_fired": [4.0, 6.0, 5.0, 5.0, 10.0],
                      "attack_cost": [3.0, 5.0, 4.0, 8.0, 0.0],
                      "defence_cost": [1.0, 2.0, 2.0, 3.0, 0.0]})
    b = pd.DataFrame({"rep": range(4), "leaked": [1, 1, 1, 0],
                      "interceptors_fired": [2.0, 2.0, 2.0, 2.0],
                      "attack_cost": [1.0, 1.0, 1.0, 1.0],
                      "defence_cost": [1.0, 1.0, 1.0, 1.0]})
    points = pd.DataFrame({"point": [0, 1], "raid.drones.count": [5, 9],
                           "campaign_id": ["c0", "c1"]})
    return SweepResult(sweep_id="s", vary={"raid.drones.count": [5, 9]}, points=points,
                       campaigns=[SimpleNamespace(summaries=a), SimpleNamespace(summaries=b)])


def _row(tab: pd.DataFrame, point: int, quantity: str) -> pd.Series:
    got = tab[(tab.point == point) & (tab.quantity == quantity)]
    assert len(got) == 1
    return got.iloc[0]


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_p_zero_leakers_counts_the_runs_without_a_leaker(level):
    """3 of 5 and 1 of 4 runs have no leaker: 0.6 and 0.25, Clopper-Pearson intervals at the
    level."""
    tab = _sweep().stats(level=level)
    for point, k, n in ((0, 3, 5), (1, 1, 4)):
        r = _row(tab, point, "p_zero_leakers")
        assert r["mean"] == k / n and r["n"] == n and r["n_nonfinite"] == 0
        assert (r.ci_low, r.ci_high) == pytest.approx(_clopper_pearson(k, n, level), abs=1e-9)
        assert r["raid.drones.count"] == (5, 9)[point]


@pytest.mark.parametrize("level", [0.9, 0.99])
def test_means_and_pooled_cost_exchange_at_level(level):
    """Point 0: interceptors fired [4, 6, 5, 5, 10], mean 6, sum of squared deviations
    4 + 0 + 1 + 1 + 16 = 22: half-width t(level, 4) sqrt(22/4/5). Pooled cost exchange
    20/8 = 2.5 with residuals [0.5, 0, -1, 0.5, 0]: v = (1.5/4) / (5 (8/5)^2). Point 1: every
    run alike, a zero-width interval around 1 and 2."""
    tab = _sweep().stats(level=level)
    r = _row(tab, 0, "interceptors_fired")
    half = _t(level, 4) * np.sqrt(22.0 / 4.0 / 5.0)
    assert r["mean"] == 6.0 and r["n"] == 5
    assert (r.ci_low, r.ci_high) == pytest.approx((6.0 - half, 6.0 + half), rel=1e-12)
    r = _row(tab, 0, "cost_exchange_pooled")
    half = _t(level, 4) * np.sqrt(1.5 / 4.0 / (5.0 * (8.0 / 5.0) ** 2))
    assert r["mean"] == 2.5
    assert (r.ci_low, r.ci_high) == pytest.approx((2.5 - half, 2.5 + half), rel=1e-12)
    r = _row(tab, 1, "cost_exchange_pooled")
    assert (r["mean"], r.ci_low, r.ci_high) == pytest.approx((1.0, 1.0, 1.0))
    r = _row(tab, 1, "leaked")
    half = _t(level, 3) * np.sqrt(0.75 / 3.0 / 4.0)  # [1, 1, 1, 0]: mean 0.75, SS 0.75
    assert (r.ci_low, r.ci_high) == pytest.approx((0.75 - half, 0.75 + half), rel=1e-12)
