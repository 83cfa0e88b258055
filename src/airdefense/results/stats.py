"""Statistics of a campaign: means with confidence intervals, distributions, convergence.

Every function takes the per-replication summaries (one row per replication, one column per
quantity) or one column of them. Non-finite values (a cost exchange ratio with no interceptor
fired is ``inf``) are left out of means and counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _st

from airdefense.errors import AirDefenseError

__all__ = [
    "mean_ci",
    "proportion_ci",
    "ratio_ci",
    "describe",
    "distribution",
    "convergence",
    "expenditure_stats",
    "campaign_stats",
    "CampaignStats",
    "DISTRIBUTION_QUANTITIES",
    "NO_FIRE",
    "PROPORTION_METHODS",
]

#: Quantities whose distributions a campaign reports.
DISTRIBUTION_QUANTITIES = ("leaked", "interceptors_fired", "cost_exchange", "value_lost")


def _check_level(level: float) -> float:
    if not 0.0 < float(level) < 1.0:
        raise AirDefenseError(f"confidence level must be in (0, 1), got {level}")
    return float(level)


def mean_ci(x, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """Mean of a sample and its Student-t confidence interval.

    Parameters
    ----------
    x : array-like of shape (n,)
        Values; non-finite ones are ignored.
    level : float, default 0.95

    Returns
    -------
    mean, sem, low, high : float
        ``sem = s / sqrt(n)`` with the n-1 sample standard deviation; the interval is
        ``mean -/+ t_{(1+level)/2, n-1} * sem``. NaN where n < 2 (sem, interval) or n = 0.
    n : int
        Finite values used.

    Examples
    --------
    >>> m, se, lo, hi, n = mean_ci([1.0, 2.0, 3.0])
    >>> round(lo, 4), round(hi, 4)
    (-0.4841, 4.4841)
    """
    level = _check_level(level)
    a = np.asarray(x, float)
    a = a[np.isfinite(a)]
    n = a.size
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan, 0
    m = float(a.mean())
    if n < 2:
        return m, np.nan, np.nan, np.nan, 1
    se = float(a.std(ddof=1) / np.sqrt(n))
    h = float(_st.t.ppf(0.5 + level / 2, n - 1)) * se
    return m, se, m - h, m + h, n


#: Intervals :func:`proportion_ci` computes.
PROPORTION_METHODS = ("exact", "wilson")


def proportion_ci(k: int, n: int, level: float = 0.95,
                  method: str = "exact") -> tuple[float, float, float]:
    """Proportion ``k/n`` with its confidence interval.

    Parameters
    ----------
    k : int
        Successes (e.g. runs with no leaker), 0 <= k <= n.
    n : int
        Trials (runs).
    level : float, default 0.95
    method : {"exact", "wilson"}, default "exact"
        ``"exact"``: the Clopper-Pearson interval (Clopper and Pearson 1934), the quantiles
        ``Beta((1-level)/2; k, n-k+1)`` and ``Beta((1+level)/2; k+1, n-k)``: its coverage is
        at least ``level`` for every true proportion and ``n``, and it is what P(zero leakers)
        uses, whose runs are often few and whose value is often near 0 or 1. ``"wilson"``: the
        Wilson score interval, narrower and about ``level`` on average, but its coverage falls
        to 83-86% for some proportions near 0 or 1 (e.g. n = 8 and p = 0.98).

    Returns
    -------
    p, low, high : float
        NaN for n = 0; ``low`` is 0 at k = 0 and ``high`` 1 at k = n.

    Examples
    --------
    >>> [round(v, 4) for v in proportion_ci(0, 10)]
    [0.0, 0.0, 0.3085]
    >>> [round(v, 4) for v in proportion_ci(0, 10, method="wilson")]
    [0.0, 0.0, 0.2775]
    """
    level = _check_level(level)
    if method not in PROPORTION_METHODS:
        raise AirDefenseError(f"method must be one of {', '.join(PROPORTION_METHODS)}, "
                              f"got {method!r}")
    if n <= 0:
        return np.nan, np.nan, np.nan
    if not 0 <= k <= n:
        raise AirDefenseError(f"proportion_ci: k must be in [0, n] = [0, {n}], got {k}")
    p = k / n
    if method == "exact":
        a = (1.0 - level) / 2
        low = 0.0 if k <= 0 else float(_st.beta.ppf(a, k, n - k + 1))
        high = 1.0 if k >= n else float(_st.beta.ppf(1.0 - a, k + 1, n - k))
        return p, low, high
    z = float(_st.norm.ppf(0.5 + level / 2))
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    # The interval reaches 0 (or 1) exactly at k = 0 (k = n); rounding would leave 5.6e-17.
    low = 0.0 if k <= 0 else max(0.0, float(centre - half))
    high = 1.0 if k >= n else min(1.0, float(centre + half))
    return p, low, high


def ratio_ci(num, den, level: float = 0.95) -> tuple[float, float, float, int]:
    """Ratio of totals ``sum(num) / sum(den)`` with its delta-method confidence interval.

    The ratio estimator ``R = sum(y) / sum(x)`` over ``n`` independent replications has the
    first-order (delta-method) variance ``Var(R) ~ s_z^2 / (n xbar^2)`` with the residuals
    ``z_i = y_i - R x_i`` and ``s_z^2`` their n-1 sample variance (Cochran, *Sampling
    Techniques*, 3rd ed., 1977, section 6.3-6.4, eq. 6.9 with no finite-population correction).
    The interval is ``R -/+ t_{(1+level)/2, n-1} * sqrt(Var(R))``.

    Parameters
    ----------
    num, den : array-like of shape (n,)
        Per-replication numerator and denominator (attack and defence spend); pairs with a
        non-finite value are left out.
    level : float, default 0.95

    Returns
    -------
    ratio, low, high : float
        ``inf`` (and a NaN interval) when the denominators sum to 0; NaN interval for n < 2.
    n : int
        Replications used.

    Examples
    --------
    >>> r, lo, hi, n = ratio_ci([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    >>> r, lo, hi, n
    (2.0, 2.0, 2.0, 3)
    """
    level = _check_level(level)
    y = np.asarray(num, float)
    x = np.asarray(den, float)
    if y.shape != x.shape:
        raise AirDefenseError(f"ratio_ci: numerator and denominator differ in length "
                              f"({y.size} and {x.size})")
    ok = np.isfinite(y) & np.isfinite(x)
    y, x = y[ok], x[ok]
    n = int(y.size)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    sx = float(x.sum())
    if sx <= 0:
        return (np.inf if y.sum() > 0 else np.nan), np.nan, np.nan, n
    r = float(y.sum()) / sx
    if n < 2:
        return r, np.nan, np.nan, n
    z = y - r * x
    se = float(np.sqrt(z.var(ddof=1) / n)) / (sx / n)
    h = float(_st.t.ppf(0.5 + level / 2, n - 1)) * se
    return r, r - h, r + h, n


def describe(summaries: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean with a confidence interval, and spread, of every quantity.

    Parameters
    ----------
    summaries : DataFrame
        One row per replication; every numeric column except ``rep`` is a quantity.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Indexed by quantity, columns ``n, mean, std, se, ci_low, ci_high, min, median, max,
        n_nonfinite`` (``se``: standard error of the mean).
    """
    rows = {}
    for q in summaries.columns:
        if q == "rep" or not pd.api.types.is_numeric_dtype(summaries[q]):
            continue
        a = summaries[q].to_numpy(float)
        fin = a[np.isfinite(a)]
        m, se, lo, hi, n = mean_ci(fin, level)
        rows[q] = {
            "n": n, "mean": m, "std": float(fin.std(ddof=1)) if n > 1 else np.nan, "se": se,
            "ci_low": lo, "ci_high": hi,
            "min": float(fin.min()) if n else np.nan,
            "median": float(np.median(fin)) if n else np.nan,
            "max": float(fin.max()) if n else np.nan,
            "n_nonfinite": int(a.size - n),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "quantity"
    return out


def distribution(x, bins: int | None = None) -> pd.DataFrame:
    """Empirical distribution of one quantity.

    Integer-valued samples give one row per value (``value, count, fraction``); others a
    histogram of ``bins`` (default: Sturges' rule) with ``low, high, count, fraction``.
    Non-finite values are left out.
    """
    a = np.asarray(x, float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return pd.DataFrame({"value": np.zeros(0), "count": np.zeros(0, int),
                             "fraction": np.zeros(0)})
    if np.all(a == np.round(a)) and bins is None:
        vals, counts = np.unique(a, return_counts=True)
        return pd.DataFrame({"value": vals, "count": counts, "fraction": counts / a.size})
    nb = bins or int(np.ceil(np.log2(a.size) + 1))
    counts, edges = np.histogram(a, bins=nb)
    return pd.DataFrame({"low": edges[:-1], "high": edges[1:], "count": counts,
                         "fraction": counts / a.size})


def convergence(x, level: float = 0.95, points: int | None = None) -> pd.DataFrame:
    """Running mean and standard error against the number of runs.

    The standard error should fall as ``1/sqrt(n)``; ``rel_half_width`` (half the confidence
    interval over the absolute mean) says how many runs a given precision needs.

    Parameters
    ----------
    x : array-like of shape (n,)
        Values in replication order; non-finite ones are left out.
    level : float, default 0.95
    points : int, optional
        Number of ``n`` to report (log-spaced from 2 to n); default all.

    Returns
    -------
    DataFrame
        ``n, mean, se, ci_half, rel_half_width`` (``se``: standard error of the mean).
    """
    level = _check_level(level)
    a = np.asarray(x, float)
    a = a[np.isfinite(a)]
    n = np.arange(1, a.size + 1)
    if a.size == 0:
        return pd.DataFrame({"n": np.zeros(0, int), **{c: np.zeros(0) for c in
                                                       ("mean", "se", "ci_half",
                                                        "rel_half_width")}})
    # Prefix sums of values shifted by the first one (less cancellation in the variance).
    b = a - a[0]
    csum = np.cumsum(b)
    mb = csum / n
    mean = mb + a[0]
    csq = np.cumsum(b * b)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, (csq - n * mb * mb) / np.maximum(n - 1, 1), np.nan)
        var = np.maximum(var, 0.0)
        sem = np.sqrt(var / n)
        t = np.where(n > 1, _st.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * sem
        rel = np.where(mean != 0, half / np.abs(mean), np.nan)
    df = pd.DataFrame({"n": n, "mean": mean, "se": sem, "ci_half": half,
                       "rel_half_width": rel})
    if points is not None and a.size > points:
        idx = np.unique(np.geomspace(2, a.size, points).round().astype(int)) - 1
        df = df.iloc[idx].reset_index(drop=True)
    return df


def expenditure_stats(expenditure: pd.DataFrame, reps, level: float = 0.95) -> pd.DataFrame:
    """Interceptors fired per replication by type: mean with confidence interval.

    Parameters
    ----------
    expenditure : DataFrame
        ``rep, type, fired, hits, cost`` (a type not fired in a replication counts 0 there).
    reps : array-like
        Every replication index of the campaign.
    level : float, default 0.95
        Confidence level of the interval of ``fired`` (Student t, :func:`mean_ci`), in (0, 1).

    Returns
    -------
    DataFrame
        Indexed by type: ``fired_mean, fired_ci_low, fired_ci_high, hits_mean, cost_mean``.
    """
    reps = np.asarray(list(reps))
    if expenditure is None or expenditure.empty or reps.size == 0:
        return pd.DataFrame(columns=["fired_mean", "fired_ci_low", "fired_ci_high",
                                     "hits_mean", "cost_mean"])
    rows = {}
    for typ, g in expenditure.groupby("type"):
        g = g.groupby("rep")[["fired", "hits", "cost"]].sum().reindex(reps, fill_value=0)
        m, _, lo, hi, _ = mean_ci(g.fired.to_numpy(float), level)
        rows[typ] = {"fired_mean": m, "fired_ci_low": lo, "fired_ci_high": hi,
                     "hits_mean": float(g.hits.mean()), "cost_mean": float(g.cost.mean())}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "type"
    return out


@dataclass
class CampaignStats:
    """Statistics of a campaign.

    Attributes
    ----------
    table : DataFrame
        :func:`describe` of every quantity (mean, 95% CI, spread).
    p_zero_leakers : tuple of float
        ``(p, low, high)``: fraction of replications with no leaker, with its exact
        (Clopper-Pearson) interval (:func:`proportion_ci`).
    distributions : dict of str to DataFrame
        :func:`distribution` of leakers, interceptors fired, cost exchange and value lost.
    convergence : dict of str to DataFrame
        :func:`convergence` of the same quantities.
    expenditure : DataFrame
        :func:`expenditure_stats`: interceptors fired by type.
    pooled_cost_exchange : float
        Total attacker spend over total defence spend across all replications (``inf`` when
        no interceptor fired in any run).
    pooled_cost_exchange_ci : tuple of float
        ``(low, high)``: its delta-method confidence interval (:func:`ratio_ci`).
    level : float
    runs : int
    quantiles : dict of str to tuple of float
        Min, 5%, median, 95% and max of interceptors fired and value lost per run.
    """

    table: pd.DataFrame
    p_zero_leakers: tuple[float, float, float]
    distributions: dict[str, pd.DataFrame] = field(default_factory=dict)
    convergence: dict[str, pd.DataFrame] = field(default_factory=dict)
    expenditure: pd.DataFrame = field(default_factory=pd.DataFrame)
    pooled_cost_exchange: float = np.nan
    pooled_cost_exchange_ci: tuple[float, float] = (np.nan, np.nan)
    level: float = 0.95
    runs: int = 0
    quantiles: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def notes(self) -> dict[str, str]:
        """Per quantity, why some runs are left out of its mean (empty when none are)."""
        out = {}
        for q, r in self.table.iterrows():
            k = int(r.get("n_nonfinite", 0) or 0)
            if not k:
                continue
            if q == "cost_exchange":
                out[q] = (NO_FIRE if int(r.n) == 0 else
                          f"{k} of {k + int(r.n)} runs fired no interceptor (no defence spend) "
                          "and are left out of the per-run mean")
            else:
                out[q] = f"{k} of {k + int(r.n)} runs have no finite value and are left out"
        return out

    def to_text(self) -> str:
        """Plain-text tables: mean and CI of every quantity, P(zero leakers), the pooled cost
        exchange with its CI, the spread of interceptors fired and value lost, and the
        interceptors fired by type."""
        pct = f"{100 * self.level:g}%"
        t = self.table
        notes = self.notes()
        lines = [f"{'quantity':<20} {'mean':>14} {pct + ' CI':>31} {'n':>6}"]
        for q, r in t.iterrows():
            if int(r.n) == 0 and q in notes:
                lines.append(f"{q:<20} {notes[q]}")
                continue
            lines.append(f"{q:<20} {_fmt(r['mean']):>14} "
                         f"[{_fmt(r['ci_low']):>13}, {_fmt(r['ci_high']):>13}] {int(r['n']):>6}")
        for q, note in notes.items():
            if int(t.loc[q, "n"]) > 0:
                lines.append(f"  {q}: {note}")
        p, lo, hi = self.p_zero_leakers
        lines.append("")
        lines.append(f"P(zero leakers)      {p:.3f}   {pct} CI [{lo:.3f}, {hi:.3f}] (exact)")
        ce = self.pooled_cost_exchange
        if np.isfinite(ce):
            clo, chi = self.pooled_cost_exchange_ci
            lines.append(f"cost exchange (pooled: total attack / total defence cost) "
                         f"{_fmt(ce)}   {pct} CI [{_fmt(clo)}, {_fmt(chi)}] (delta method)")
        elif np.isinf(ce):
            lines.append(f"cost exchange (pooled): {NO_FIRE}")
        spread = [q for q in ("interceptors_fired", "value_lost") if q in t.index
                  and int(t.loc[q, "n"]) > 0]
        if spread:
            lines.append("")
            lines.append(f"{'distribution':<20} {'min':>10} {'5%':>10} {'median':>10} "
                         f"{'95%':>10} {'max':>10}")
            for q in spread:
                d = self.quantiles.get(q)
                if d is not None:
                    lines.append(f"{q:<20} " + " ".join(f"{_fmt(v):>10}" for v in d))
        if len(self.expenditure):
            lines.append("")
            lines.append("interceptors fired per run, by type")
            for typ, r in self.expenditure.iterrows():
                lines.append(f"  {typ:<18} {_fmt(r.fired_mean):>10} "
                             f"[{_fmt(r.fired_ci_low)}, {_fmt(r.fired_ci_high)}]")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


#: What a campaign with no defence spend in any run says about its cost exchange.
NO_FIRE = "no interceptor fired in any run (no defence spend): the cost exchange is undefined"


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "nan" if np.isnan(x) else "inf"
    if abs(x) >= 1e6:
        return f"{x:.4g}"
    return f"{x:.3f}" if abs(x) < 1000 else f"{x:,.0f}"


def campaign_stats(summaries: pd.DataFrame, expenditure: pd.DataFrame | None = None,
                   level: float = 0.95) -> CampaignStats:
    """All the statistics of a campaign (see :class:`CampaignStats`).

    Parameters
    ----------
    summaries : DataFrame
        One row per replication (``rep`` plus the quantities).
    expenditure : DataFrame, optional
        ``rep, type, fired, hits, cost``.
    level : float, default 0.95
    """
    level = _check_level(level)
    table = describe(summaries, level)
    n = len(summaries)
    if "leaked" in summaries and n:
        k = int((summaries["leaked"].to_numpy(float) == 0).sum())
        pz = proportion_ci(k, n, level)
    else:
        pz = (np.nan, np.nan, np.nan)
    order = summaries.sort_values("rep") if "rep" in summaries else summaries
    dists = {q: distribution(summaries[q]) for q in DISTRIBUTION_QUANTITIES if q in summaries}
    conv = {q: convergence(order[q], level) for q in DISTRIBUTION_QUANTITIES if q in summaries}
    reps = summaries["rep"] if "rep" in summaries else range(n)
    exp = expenditure_stats(expenditure, reps, level)
    pooled, pci = np.nan, (np.nan, np.nan)
    if {"attack_cost", "defence_cost"} <= set(summaries.columns) and n:
        pooled, lo, hi, _ = ratio_ci(summaries["attack_cost"], summaries["defence_cost"], level)
        pci = (lo, hi)
    quant = {}
    for q in ("interceptors_fired", "value_lost"):
        if q in summaries:
            a = summaries[q].to_numpy(float)
            a = a[np.isfinite(a)]
            if a.size:
                quant[q] = tuple(float(v) for v in np.quantile(a, [0, 0.05, 0.5, 0.95, 1]))
    return CampaignStats(table=table, p_zero_leakers=pz, distributions=dists, convergence=conv,
                         expenditure=exp, pooled_cost_exchange=pooled,
                         pooled_cost_exchange_ci=pci, level=level, runs=n, quantiles=quant)
