"""Matplotlib figures of a campaign, rendered to inline SVG text (no pyplot, no display)."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

__all__ = [
    "svg",
    "leakers_histogram",
    "interceptors_histogram",
    "value_lost_histogram",
    "expenditure_bars",
    "cost_exchange_histogram",
    "timeline",
    "saturation",
    "convergence_plot",
]

_C = ["#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#2e4057", "#b56576"]


def _figure(w: float = 6.4, h: float = 3.6):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _plain_log_formatter():
    from matplotlib.ticker import LogFormatter

    class PlainLog(LogFormatter):
        """Log-axis labels as plain numbers (``0.02``, ``300``), no mathtext."""

        def _num_to_string(self, x, vmin, vmax):
            return f"{x:g}"

    return PlainLog


def svg(fig, name: str) -> str:
    """Render a figure to an ``<svg>`` element (ids made unique with ``name``)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype
    # Make the ids unique across the figures of one page.
    text = re.sub(r'id="([^"]+)"', lambda m: f'id="{name}-{m.group(1)}"', text)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{name}-{m.group(2)}"',
                  text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{name}-{m.group(1)})", text)
    return text


def _count_histogram(values: np.ndarray, xlabel: str, what: str) -> object:
    fig, ax = _figure()
    a = np.asarray(values, float)
    a = a[np.isfinite(a)].astype(int)
    vals, counts = np.unique(a, return_counts=True)
    ax.bar(vals, counts / max(a.size, 1), width=0.8, color=_C[0])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of runs")
    ax.set_title(f"{what} per run ({a.size} runs; mean {a.mean():.2f})" if a.size else
                 f"{what} per run")
    if a.size:
        ax.axvline(a.mean(), color=_C[1], ls="--", lw=1.2, label="mean")
        ax.legend(frameon=False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def leakers_histogram(leaked: np.ndarray) -> object:
    """Bar chart of the number of leakers per replication (fraction of runs)."""
    return _count_histogram(leaked, "leakers (threats that reached their impact)", "Leakers")


def interceptors_histogram(fired: np.ndarray) -> object:
    """Bar chart of the number of interceptors fired per replication (fraction of runs)."""
    return _count_histogram(fired, "interceptors fired (all types)", "Interceptors fired")


def value_lost_histogram(value_lost: np.ndarray) -> object:
    """Histogram of the asset value destroyed per replication (fraction of runs)."""
    fig, ax = _figure()
    a = np.asarray(value_lost, float)
    a = a[np.isfinite(a)]
    if a.size and a.max() > a.min():
        counts, edges = np.histogram(a, bins=max(5, int(np.ceil(np.log2(a.size) + 1))))
        ax.bar(edges[:-1], counts / a.size, width=np.diff(edges), align="edge",
               color=_C[5], edgecolor="white")
    elif a.size:  # every run lost the same value
        ax.bar([a[0]], [1.0], width=max(abs(a[0]) * 0.05, 1.0), color=_C[5])
    if a.size:
        ax.axvline(a.mean(), color=_C[1], ls="--", lw=1.2, label="mean")
        ax.legend(frameon=False)
    ax.set_xlabel("value destroyed (asset value units)")
    ax.set_ylabel("fraction of runs")
    ax.set_title(f"Value destroyed per run ({a.size} runs; mean {a.mean():.4g})" if a.size
                 else "Value destroyed per run")
    return fig


def expenditure_bars(exp: pd.DataFrame) -> object:
    """Mean interceptors fired per run by type, with 95% CI error bars and hits."""
    fig, ax = _figure()
    if exp.empty:
        ax.text(0.5, 0.5, "no interceptor fired", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    x = np.arange(len(exp))
    m = exp.fired_mean.to_numpy(float)
    lo = np.nan_to_num(m - exp.fired_ci_low.to_numpy(float))
    hi = np.nan_to_num(exp.fired_ci_high.to_numpy(float) - m)
    ax.bar(x - 0.2, m, width=0.4, yerr=[lo, hi], capsize=3, color=_C[0], label="fired")
    ax.bar(x + 0.2, exp.hits_mean.to_numpy(float), width=0.4, color=_C[4], label="hits")
    ax.set_xticks(x, [str(t) for t in exp.index], rotation=20, ha="right")
    ax.set_ylabel("interceptors per run")
    ax.set_title("Interceptor expenditure by type (mean, 95% CI)")
    ax.legend(frameon=False)
    return fig


def cost_exchange_histogram(ce: np.ndarray, pooled: float) -> object:
    """Histogram of the attacker/defence cost ratio per run, with the pooled ratio."""
    fig, ax = _figure()
    a = np.asarray(ce, float)
    fin = a[np.isfinite(a)]
    if fin.size:
        ax.hist(fin, bins=max(5, int(np.ceil(np.log2(fin.size) + 1))), color=_C[3])
        if np.isfinite(pooled):
            ax.axvline(pooled, color=_C[1], ls="--", lw=1.2,
                       label=f"pooled {pooled:.3g} (total attack / total defence)")
            ax.legend(frameon=False)
    else:
        ax.text(0.5, 0.5, "no interceptor fired in any run", ha="center", va="center",
                transform=ax.transAxes)
    n_inf = int(a.size - fin.size)
    ax.set_xlabel("cost exchange: attacker spend / defence spend (>1 favours the defence)")
    ax.set_ylabel("runs")
    ax.set_title("Cost exchange per run" + (f" ({n_inf} runs fired nothing)" if n_inf else ""))
    return fig


def timeline(ev: pd.DataFrame, rep: int) -> object:
    """Cumulative launches, interceptors fired, intercepts and impacts of one run."""
    fig, ax = _figure(6.4, 3.8)
    series = [("launch", "threats launched", "#888888"), ("fire", "interceptors fired", _C[0]),
              ("intercept_hit", "intercepts", _C[4]), ("impact", "impacts (leakers)", _C[1])]
    tmax = float(ev.time_s.max()) if len(ev) else 1.0
    for kind, label, color in series:
        t = np.sort(ev.loc[ev.kind == kind, "time_s"].to_numpy(float))
        if t.size == 0:
            continue
        ax.step(np.r_[0.0, t, tmax], np.r_[0, np.arange(1, t.size + 1), t.size], where="post",
                label=f"{label} ({t.size})", color=color)
    ax.set_xlabel("time from raid start (s)")
    ax.set_ylabel("cumulative count")
    ax.set_title(f"Timeline of a typical run (replication {rep})")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def saturation(points: pd.DataFrame, group_cols: list[str]) -> object:
    """Mean leakers against raid size (threats launched) across a sweep, with 95% CIs.

    ``points`` has ``raid_size, leaked_mean, leaked_ci_low, leaked_ci_high`` and the
    ``group_cols`` (other varied paths: one line each).
    """
    fig, ax = _figure()
    groups = points.groupby(group_cols, sort=True) if group_cols else [((), points)]
    for i, (key, g) in enumerate(groups):
        g = g.sort_values("raid_size")
        m = g.leaked_mean.to_numpy(float)
        lo = np.nan_to_num(m - g.leaked_ci_low.to_numpy(float))
        hi = np.nan_to_num(g.leaked_ci_high.to_numpy(float) - m)
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{'.'.join(c.split('.')[-2:])}={v}"
                          for c, v in zip(group_cols, key, strict=True)) or None
        ax.errorbar(g.raid_size, m, yerr=[lo, hi], marker="o", capsize=3,
                    color=_C[i % len(_C)], label=label)
    x = points.raid_size.to_numpy(float)
    if x.size:
        ax.plot([0, x.max()], [0, x.max()], color="#999", lw=0.8, ls=":",
                label="every threat leaks")
    ax.set_xlabel("raid size (threats launched per run)")
    ax.set_ylabel("leakers per run (mean, 95% CI)")
    ax.set_title("Saturation: leakers against raid size")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=8)
    return fig


def convergence_plot(conv: dict[str, pd.DataFrame]) -> object:
    """Standard error of the mean against runs (log-log), with a 1/sqrt(n) guide."""
    fig, ax = _figure()
    drawn = False
    for i, (q, c) in enumerate(conv.items()):
        if c.empty:
            continue
        c = c.astype(float)
        c = c[(c.n >= 2) & np.isfinite(c["se"]) & (c["se"] > 0)]
        if c.empty:
            continue
        mean = np.abs(c["mean"].to_numpy(float))
        rel = c["se"].to_numpy(float) / np.where(mean > 0, mean, np.nan)
        ax.plot(c.n, rel, color=_C[i % len(_C)], label=q)
        if not drawn and np.isfinite(rel[0]):
            n = c.n.to_numpy(float)
            ax.plot(n, rel[0] * np.sqrt(n[0] / n), color="#999", ls=":", lw=0.8,
                    label="1/sqrt(n)")
        drawn = True
    if drawn:
        _PlainLog = _plain_log_formatter()
        ax.set_xscale("log")
        ax.set_yscale("log")
        # Plain tick labels ("0.1", "20"): the default's mathtext ("10^-1") needs the
        # STIX fonts, which a stale matplotlib font cache may not list (a warning per label).
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(_PlainLog(labelOnlyBase=False))
            axis.set_minor_formatter(_PlainLog(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
        ax.legend(frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, "too few runs (or no spread) to show convergence", ha="center",
                va="center", transform=ax.transAxes)
    ax.set_xlabel("runs")
    ax.set_ylabel("standard error / |mean|")
    ax.set_title("Convergence: relative standard error against runs")
    return fig
