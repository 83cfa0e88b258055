"""Campaign statistics against closed forms, published values and coverage properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.errors import AirDefenseError
from airdefense.results.stats import (
    campaign_stats,
    convergence,
    describe,
    distribution,
    expenditure_stats,
    mean_ci,
    proportion_ci,
)


def test_mean_ci_closed_form():
    """[1, 2, 3]: mean 2, s = 1, t(0.975, 2) = 4.302653 (tables), so 2 -/+ 2.484138."""
    m, se, lo, hi, n = mean_ci([1.0, 2.0, 3.0])
    assert (m, n) == (2.0, 3)
    assert se == pytest.approx(1 / np.sqrt(3))
    assert hi - m == pytest.approx(4.302653 / np.sqrt(3), rel=1e-6)
    assert m - lo == pytest.approx(hi - m)


def test_mean_ci_ignores_nonfinite_and_small_samples():
    """Non-finite values are dropped; one value has no interval; none has no mean."""
    m, se, lo, hi, n = mean_ci([4.0, np.inf, np.nan])
    assert (m, n) == (4.0, 1) and np.isnan(se) and np.isnan(lo)
    assert np.isnan(mean_ci([])[0]) and mean_ci([])[4] == 0
    with pytest.raises(AirDefenseError, match=r"confidence level must be in \(0, 1\), got 1.5"):
        mean_ci([1, 2], level=1.5)


def test_mean_ci_coverage(rng):
    """Property: the 95% t-interval covers the true mean of normal samples ~95% of the time."""
    trials, n, mu = 2000, 8, 3.0
    x = rng.normal(mu, 2.0, size=(trials, n))
    cover = 0
    for row in x:
        _, _, lo, hi, _ = mean_ci(row)
        cover += lo <= mu <= hi
    # Binomial(2000, 0.95) has sd 0.0049: 4 sd either side.
    assert 0.93 <= cover / trials <= 0.97


@pytest.mark.parametrize("k, n, lo, hi", [
    # Wilson score intervals at 95% (z = 1.959964), computed by hand from the formula.
    (0, 10, 0.0, 0.277530),
    (5, 10, 0.236593, 0.763407),
    (10, 10, 0.722470, 1.0),
])
def test_proportion_ci_wilson(k, n, lo, hi):
    """Wilson interval values."""
    p, a, b = proportion_ci(k, n)
    assert p == pytest.approx(k / n)
    assert a == pytest.approx(lo, abs=1e-5) and b == pytest.approx(hi, abs=1e-5)


@given(st.integers(1, 500), st.data())
def test_proportion_ci_bounds_solve_score_equation(n, data):
    """Property: each bound p solves (k/n - p)^2 = z^2 p (1 - p) / n (the score test)."""
    k = data.draw(st.integers(0, n))
    phat, lo, hi = proportion_ci(k, n)
    z2 = 1.959963984540054 ** 2
    for p in (lo, hi):
        assert (phat - p) ** 2 == pytest.approx(z2 * p * (1 - p) / n, abs=1e-9)


@given(st.integers(1, 500), st.data())
def test_proportion_ci_contains_estimate(n, data):
    """Property: 0 <= low <= p <= high <= 1."""
    k = data.draw(st.integers(0, n))
    p, lo, hi = proportion_ci(k, n)
    assert 0.0 <= lo <= p + 1e-12 and p - 1e-12 <= hi <= 1.0
    # The bound at an edge is the edge itself, not a rounding residue.
    assert (lo == 0.0) == (k == 0) and (hi == 1.0) == (k == n)


def test_describe_table():
    """describe gives n, mean, CI and spread per quantity and counts non-finite values."""
    df = pd.DataFrame({"rep": [0, 1, 2, 3], "leaked": [0.0, 2.0, 2.0, 4.0],
                       "cost_exchange": [1.0, 3.0, np.inf, 2.0]})
    t = describe(df)
    assert list(t.index) == ["leaked", "cost_exchange"]
    assert t.loc["leaked", "mean"] == 2.0 and t.loc["leaked", "median"] == 2.0
    assert t.loc["leaked", "std"] == pytest.approx(np.std([0, 2, 2, 4], ddof=1))
    assert t.loc["cost_exchange", "n"] == 3 and t.loc["cost_exchange", "n_nonfinite"] == 1
    assert t.loc["cost_exchange", "max"] == 3.0


def test_distribution_integer_and_continuous():
    """Integers give a pmf; other values a histogram; fractions sum to 1."""
    d = distribution([0, 1, 1, 3, 3, 3])
    assert d.value.tolist() == [0, 1, 3] and d["count"].tolist() == [1, 2, 3]
    h = distribution(np.linspace(0, 1, 64) + 0.01)
    assert len(h) == 7 and h["count"].sum() == 64  # Sturges: ceil(log2(64) + 1) = 7
    assert h.fraction.sum() == pytest.approx(1.0)


def test_convergence_matches_prefix_statistics(rng):
    """Each row equals mean_ci of the prefix; the standard error falls like 1/sqrt(n)."""
    x = rng.normal(10.0, 3.0, size=400)
    c = convergence(x)
    for n in (2, 10, 57, 400):
        m, se, lo, hi, _ = mean_ci(x[:n])
        row = c.iloc[n - 1]
        assert row["n"] == n and row["mean"] == pytest.approx(m)
        assert row["se"] == pytest.approx(se) and row["ci_half"] == pytest.approx(hi - m)
    ratio = c['se'].iloc[399] / c['se'].iloc[99]
    assert ratio == pytest.approx(0.5, rel=0.15)  # 4x the runs, half the error
    assert len(convergence(x, points=10)) <= 10


@settings(max_examples=50)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=60))
def test_convergence_last_row_is_whole_sample(xs):
    """Property: the last row's standard error is s / sqrt(n) of the whole sample."""
    c = convergence(xs)
    a = np.asarray(xs)
    assert c['se'].iloc[-1] == pytest.approx(a.std(ddof=1) / np.sqrt(a.size), rel=1e-6,
                                           abs=1e-6 * (1 + np.abs(a).max()))


def test_expenditure_counts_absent_types_as_zero():
    """A type not fired in a replication counts 0 there."""
    exp = pd.DataFrame({"rep": [0, 0, 1], "type": ["pac3", "tor", "pac3"],
                        "fired": [4, 2, 2], "hits": [2, 1, 1], "cost": [16.0, 2.0, 8.0]})
    t = expenditure_stats(exp, reps=[0, 1, 2])
    assert t.loc["pac3", "fired_mean"] == pytest.approx(2.0)
    assert t.loc["tor", "fired_mean"] == pytest.approx(2 / 3)
    assert t.loc["tor", "cost_mean"] == pytest.approx(2 / 3)


def test_campaign_stats():
    """P(zero leakers), pooled cost exchange and the text table."""
    df = pd.DataFrame({"rep": range(4), "leaked": [0.0, 0.0, 1.0, 3.0],
                       "attack_cost": [10.0, 10.0, 10.0, 10.0],
                       "defence_cost": [5.0, 5.0, 0.0, 10.0],
                       "interceptors_fired": [2.0, 2.0, 0.0, 4.0],
                       "cost_exchange": [2.0, 2.0, np.inf, 1.0]})
    s = campaign_stats(df)
    assert s.p_zero_leakers[0] == 0.5
    assert s.pooled_cost_exchange == pytest.approx(2.0)
    assert set(s.distributions) == {"leaked", "interceptors_fired", "cost_exchange"}
    text = s.to_text()
    assert "P(zero leakers)      0.500" in text and "leaked" in text
