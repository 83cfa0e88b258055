"""Campaign statistics against references worked out in the test, at levels other than 95%.

* Student-t interval ``mean -/+ t_{(1+level)/2, n-1} s / sqrt(n)``, with ``t`` from
  ``scipy.stats.t`` (checked here against printed tables);
* Clopper-Pearson interval, where the binomial tails equal (1 - level)/2 (solved with brentq);
* Wilson score interval, as the roots of the score equation
  ``(p_hat - p)^2 = z^2 p (1 - p) / n`` (Wilson 1927), solved with ``numpy.roots``;
* ratio of totals with Cochran's (1977) eq. 6.9 variance
  ``v(R) = sum (y_i - R x_i)^2 / ((n - 1) n xbar^2)``, on numbers small enough to do by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from airdefense.results.stats import (
    campaign_stats,
    convergence,
    describe,
    expenditure_stats,
    mean_ci,
    proportion_ci,
    ratio_ci,
)

LEVELS = [0.9, 0.99]
SAMPLE = np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])  # mean 5, sum of squares 32


def _t(level: float, dof: int) -> float:
    return float(st.t.ppf(0.5 + level / 2, dof))


def _clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    """The p at which the binomial tails P(X >= k) and P(X <= k) equal (1 - level)/2 (Clopper
    and Pearson 1934), solved with brentq on scipy.stats.binom."""
    from scipy.optimize import brentq

    a = (1 - level) / 2
    lo = 0.0 if k == 0 else brentq(lambda p: st.binom.sf(k - 1, n, p) - a, 0.0, 1.0, xtol=1e-15)
    hi = 1.0 if k == n else brentq(lambda p: st.binom.cdf(k, n, p) - a, 0.0, 1.0, xtol=1e-15)
    return lo, hi


def _wilson(k: int, n: int, level: float) -> tuple[float, float]:
    """Roots of (1 + z^2/n) p^2 - (2 p_hat + z^2/n) p + p_hat^2 = 0."""
    z2 = float(st.norm.ppf(0.5 + level / 2)) ** 2
    ph = k / n
    roots = np.sort(np.roots([1 + z2 / n, -(2 * ph + z2 / n), ph * ph]).real)
    return float(roots[0]), float(roots[1])


def test_reference_quantiles_match_printed_tables():
    """scipy's t and normal quantiles agree with the printed tables (3 decimals)."""
    assert _t(0.9, 7) == pytest.approx(1.895, abs=5e-4)
    assert _t(0.99, 7) == pytest.approx(3.499, abs=5e-4)
    assert _t(0.9, 3) == pytest.approx(2.353, abs=5e-4)
    assert _t(0.99, 3) == pytest.approx(5.841, abs=5e-4)
    assert st.norm.ppf(0.95) == pytest.approx(1.645, abs=5e-4)
    assert st.norm.ppf(0.995) == pytest.approx(2.576, abs=5e-4)


@pytest.mark.parametrize("level", LEVELS)
def test_mean_ci_at_level(level):
    """[2, 4, 4, 4, 5, 5, 7, 9]: mean 5, s^2 = 32/7, se = sqrt(32/7/8); half t(level, 7) se."""
    m, se, lo, hi, n = mean_ci(SAMPLE, level)
    half = _t(level, 7) * np.sqrt(32.0 / 7.0 / 8.0)
    assert (m, n) == (5.0, 8)
    assert se == pytest.approx(np.sqrt(32.0 / 7.0 / 8.0), rel=1e-12)
    assert (lo, hi) == pytest.approx((5.0 - half, 5.0 + half), rel=1e-12)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("k,n", [(0, 7), (3, 5), (1, 4), (11, 12), (9, 9)])
def test_proportion_ci_at_level(k, n, level):
    """Wilson bounds at 90% and 99% are the roots of the score equation (0 and 1 exactly at
    k = 0 and k = n)."""
    p, lo, hi = proportion_ci(k, n, level, method="wilson")
    rlo, rhi = _wilson(k, n, level)
    assert p == k / n
    assert lo == pytest.approx(rlo, abs=1e-12) and hi == pytest.approx(rhi, abs=1e-12)
    assert (lo == 0.0) == (k == 0) and (hi == 1.0) == (k == n)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_ratio_ci_by_hand(level):
    """y = [3, 5, 4, 8], x = [1, 2, 2, 3]: R = 20/8 = 2.5; residuals y - R x = [0.5, 0, -1,
    0.5], sum of squares 1.5, s_z^2 = 1.5/3 = 0.5; xbar = 2: v(R) = 0.5 / (4 x 4) = 1/32."""
    r, lo, hi, n = ratio_ci([3.0, 5.0, 4.0, 8.0], [1.0, 2.0, 2.0, 3.0], level)
    half = _t(level, 3) * np.sqrt(1.0 / 32.0)
    assert (r, n) == (2.5, 4)
    assert (lo, hi) == pytest.approx((2.5 - half, 2.5 + half), rel=1e-12)


def test_ratio_ci_drops_nonfinite_pairs_before_the_sums():
    """A pair with a non-finite value is left out: the hand example above plus (inf, 1) and
    (1, nan) gives the same interval."""
    a = ratio_ci([3.0, 5.0, 4.0, 8.0], [1.0, 2.0, 2.0, 3.0], 0.9)
    b = ratio_ci([3.0, 5.0, np.inf, 4.0, 8.0, 1.0], [1.0, 2.0, 1.0, 2.0, 3.0, np.nan], 0.9)
    assert b == pytest.approx(a, rel=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_describe_convergence_and_expenditure_at_level(level):
    """describe, convergence (last row) and expenditure_stats use the interval of the level
    they are given."""
    half = _t(level, 7) * np.sqrt(32.0 / 7.0 / 8.0)
    t = describe(pd.DataFrame({"rep": range(8), "q": SAMPLE}), level)
    assert (t.loc["q", "ci_low"], t.loc["q", "ci_high"]) == pytest.approx((5 - half, 5 + half))
    c = convergence(SAMPLE, level)
    assert c.ci_half.iloc[-1] == pytest.approx(half, rel=1e-9)
    # fired per rep = SAMPLE, spread over two rows in some reps
    exp = pd.DataFrame({"rep": [*range(8), 0], "type": "pac3",
                        "fired": [*(SAMPLE - [1, 0, 0, 0, 0, 0, 0, 0]), 1.0],
                        "hits": 0, "cost": 0.0})
    e = expenditure_stats(exp, range(8), level)
    assert (e.loc["pac3", "fired_ci_low"], e.loc["pac3", "fired_ci_high"]) == pytest.approx(
        (5 - half, 5 + half), rel=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_campaign_stats_at_level(level):
    """Five runs, three without a leaker: P(zero leakers) 3/5 with its Clopper-Pearson interval
    at the level; the mean leakers' t-interval; the pooled cost exchange's Cochran interval."""
    s = pd.DataFrame({"rep": range(5), "leaked": [0, 2, 0, 1, 0],
                      "attack_cost": [3.0, 5.0, 4.0, 8.0, 0.0],
                      "defence_cost": [1.0, 2.0, 2.0, 3.0, 0.0]})
    cs = campaign_stats(s, level=level)
    assert cs.level == level and cs.runs == 5
    p, lo, hi = cs.p_zero_leakers
    assert p == 0.6 and (lo, hi) == pytest.approx(_clopper_pearson(3, 5, level), abs=1e-9)
    # leaked: mean 0.6, sum of squares of deviations 0.36 x 3 + 1.96 + 0.16 = 3.2
    half = _t(level, 4) * np.sqrt(3.2 / 4 / 5)
    row = cs.table.loc["leaked"]
    assert (row.ci_low, row.ci_high) == pytest.approx((0.6 - half, 0.6 + half), rel=1e-12)
    # pooled: R = 20/8 = 2.5; residuals [0.5, 0, -1, 0.5, 0], sum of squares 1.5, n = 5:
    # s_z^2 = 1.5/4, xbar = 8/5: v = (1.5/4) / (5 x 64/25) = 0.375 / 12.8
    half = _t(level, 4) * np.sqrt(0.375 / 12.8)
    assert cs.pooled_cost_exchange == 2.5
    assert cs.pooled_cost_exchange_ci == pytest.approx((2.5 - half, 2.5 + half), rel=1e-12)
