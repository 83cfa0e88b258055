"""Campaign statistics against closed forms, published values and coverage properties."""

from __future__ import annotations

import re

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
    ratio_ci,
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
    p, a, b = proportion_ci(k, n, method="wilson")
    assert p == pytest.approx(k / n)
    assert a == pytest.approx(lo, abs=1e-5) and b == pytest.approx(hi, abs=1e-5)


@given(st.integers(1, 500), st.data())
def test_proportion_ci_bounds_solve_score_equation(n, data):
    """Property: each bound p solves (k/n - p)^2 = z^2 p (1 - p) / n (the score test)."""
    k = data.draw(st.integers(0, n))
    phat, lo, hi = proportion_ci(k, n, method="wilson")
    z2 = 1.959963984540054 ** 2
    for p in (lo, hi):
        assert (phat - p) ** 2 == pytest.approx(z2 * p * (1 - p) / n, abs=1e-9)


@given(st.integers(1, 500), st.data(), st.sampled_from(["exact", "wilson"]))
def test_proportion_ci_contains_estimate(n, data, method):
    """Property: 0 <= low <= p <= high <= 1."""
    k = data.draw(st.integers(0, n))
    p, lo, hi = proportion_ci(k, n, method=method)
    assert 0.0 <= lo <= p + 1e-12 and p - 1e-12 <= hi <= 1.0
    # The bound at an edge is the edge itself, not a rounding residue.
    assert (lo == 0.0) == (k == 0) and (hi == 1.0) == (k == n)


@pytest.mark.parametrize("k, n, lo, hi", [
    # Clopper-Pearson 95% intervals as printed in tables (e.g. Hollander, Wolfe and Chicken,
    # Nonparametric Statistical Methods, 3rd ed., table A.2), and the closed forms
    # 1 - 0.025^(1/n) at k = 0 and 0.025^(1/n) at k = n.
    (0, 10, 0.0, 0.3085),
    (5, 10, 0.1871, 0.8129),
    (10, 10, 0.6915, 1.0),
    (0, 4, 0.0, 1 - 0.025 ** 0.25),
    (8, 8, 0.025 ** 0.125, 1.0),
])
def test_proportion_ci_exact_values(k, n, lo, hi):
    """The default (exact, Clopper-Pearson) interval values."""
    p, a, b = proportion_ci(k, n)
    assert p == k / n
    assert a == pytest.approx(lo, abs=5e-5) and b == pytest.approx(hi, abs=5e-5)


@given(st.integers(1, 300), st.data(), st.sampled_from([0.9, 0.95, 0.99]))
@settings(max_examples=60, deadline=None)
def test_proportion_ci_exact_bounds_solve_the_binomial_tails(n, data, level):
    """Property: the bounds solve P(X >= k | low) = P(X <= k | high) = (1 - level)/2, with the
    binomial tails from scipy.stats.binom (not the beta quantiles the code uses)."""
    from scipy import stats as sst

    k = data.draw(st.integers(0, n))
    _, lo, hi = proportion_ci(k, n, level)
    a = (1 - level) / 2
    if k > 0:
        assert sst.binom.sf(k - 1, n, lo) == pytest.approx(a, rel=1e-6)
    if k < n:
        assert sst.binom.cdf(k, n, hi) == pytest.approx(a, rel=1e-6)


@pytest.mark.parametrize("n", [4, 8, 20, 50])
def test_p_zero_leakers_interval_covers_at_least_its_level(n):
    """The interval of P(zero leakers) covers the true probability with probability >= 95% for
    every p (exact coverage: the binomial probabilities of the k whose interval holds p), near
    0 and 1 too, where few runs often land. Wilson's falls to 0.83-0.86 there."""
    from scipy import stats as sst

    ps = np.linspace(0.0005, 0.9995, 2000)
    ks = np.arange(n + 1)
    bounds = np.array([campaign_stats(pd.DataFrame({"rep": range(n), "leaked": [0] * k + [1] *
                                                    (n - k)})).p_zero_leakers[1:] for k in ks])
    inside = (bounds[None, :, 0] <= ps[:, None]) & (ps[:, None] <= bounds[None, :, 1])
    coverage = (sst.binom.pmf(ks[None, :], n, ps[:, None]) * inside).sum(axis=1)
    assert coverage.min() >= 0.95 - 1e-9, (ps[coverage.argmin()], coverage.min())


def test_proportion_ci_refuses_a_bad_method_or_count():
    with pytest.raises(AirDefenseError, match=r"method must be one of exact, wilson, got 'wald'"):
        proportion_ci(1, 2, method="wald")
    with pytest.raises(AirDefenseError, match=r"k must be in \[0, n\] = \[0, 2\], got 3"):
        proportion_ci(3, 2)


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


def test_ratio_ci_exact_ratio_and_edge_cases():
    """An exact proportion has a zero-width interval; no defence spend gives inf, no CI."""
    r, lo, hi, n = ratio_ci([3.0, 6.0, 9.0, 1.5], [1.0, 2.0, 3.0, 0.5])
    assert (r, lo, hi, n) == (3.0, 3.0, 3.0, 4)
    r, lo, hi, n = ratio_ci([1.0, 2.0], [0.0, 0.0])
    assert np.isinf(r) and np.isnan(lo) and np.isnan(hi) and n == 2
    r, lo, hi, n = ratio_ci([4.0], [2.0])
    assert r == 2.0 and np.isnan(lo) and n == 1
    with pytest.raises(AirDefenseError, match=r"ratio_ci: numerator and denominator differ "
                                              r"in length \(2 and 3\)"):
        ratio_ci([1.0, 2.0], [1.0, 2.0, 3.0])


def test_ratio_ci_matches_bootstrap_and_covers(rng):
    """The delta-method half-width agrees with an independent bootstrap of the ratio of sums
    (large n), and the interval covers the true ratio of means about 95% of the time."""
    n = 400
    x = rng.gamma(2.0, 3.0, n)
    y = 2.5 * x + rng.normal(0.0, 2.0, n)
    r, lo, hi, _ = ratio_ci(y, x)
    idx = rng.integers(0, n, (4000, n))
    boot = y[idx].sum(1) / x[idx].sum(1)
    assert (hi - lo) / 2 == pytest.approx(1.96 * boot.std(ddof=1), rel=0.08)
    # Coverage: true ratio E[y]/E[x] = 2.5 (the noise has mean 0).
    cover = 0
    trials = 1000
    for _ in range(trials):
        xs = rng.gamma(2.0, 3.0, 60)
        ys = 2.5 * xs + rng.normal(0.0, 2.0, 60)
        _, a, b, _ = ratio_ci(ys, xs)
        cover += a <= 2.5 <= b
    assert 0.92 <= cover / trials <= 0.975


def test_campaign_stats_no_interceptor_fired():
    """Every cost exchange inf: the table and text say no interceptor fired, the convergence
    frame is empty but numeric, the pooled ratio is inf."""
    df = pd.DataFrame({"rep": range(3), "leaked": [1.0, 2.0, 2.0],
                       "attack_cost": [10.0, 10.0, 10.0], "defence_cost": [0.0, 0.0, 0.0],
                       "interceptors_fired": [0.0, 0.0, 0.0],
                       "value_lost": [1e6, 2e6, 3e6],
                       "cost_exchange": [np.inf, np.inf, np.inf]})
    s = campaign_stats(df)
    assert np.isinf(s.pooled_cost_exchange)
    c = s.convergence["cost_exchange"]
    assert c.empty and all(pd.api.types.is_numeric_dtype(c[k]) for k in c)
    text = s.to_text()
    assert "cost_exchange        no interceptor fired in any run" in text
    assert "cost exchange (pooled): no interceptor fired in any run" in text
    assert "nan [" not in text


def test_campaign_stats_text_counts_dropped_runs_and_pooled_ci():
    """Runs with no defence spend are counted apart; the pooled ratio has its CI; interceptors
    fired and value lost are summarised by quantiles."""
    df = pd.DataFrame({"rep": range(4), "leaked": [0.0, 0.0, 1.0, 3.0],
                       "attack_cost": [10.0, 12.0, 10.0, 10.0],
                       "defence_cost": [5.0, 4.0, 0.0, 10.0],
                       "interceptors_fired": [2.0, 2.0, 0.0, 4.0],
                       "value_lost": [0.0, 0.0, 5.0, 9.0],
                       "cost_exchange": [2.0, 3.0, np.inf, 1.0]})
    s = campaign_stats(df)
    r, lo, hi, n = ratio_ci(df.attack_cost, df.defence_cost)
    assert s.pooled_cost_exchange == pytest.approx(42 / 19)
    assert s.pooled_cost_exchange_ci == (lo, hi) and lo < r < hi
    text = s.to_text()
    assert "cost_exchange: 1 of 4 runs fired no interceptor" in text
    assert f"[{lo:.3f}, {hi:.3f}] (delta method)" in text
    assert s.quantiles["value_lost"] == pytest.approx(
        tuple(np.quantile([0, 0, 5, 9], [0, 0.05, 0.5, 0.95, 1])))
    assert re.search(r"interceptors_fired +0\.000 +0\.300 +2\.000 +3\.700 +4\.000", text)
