"""A self-contained HTML report of a campaign: tables and inline SVG plots, no network.

The page loads nothing from outside (no scripts, fonts, styles or images from the web), so it
opens offline. A short inline script checks on load that every plot has a non-zero size and
writes the result to ``#render-check`` (``data-plots-ok`` / ``data-plots-total``) and to
``body[data-report-ready]``; the tests read it back from a headless browser.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from airdefense.errors import AirDefenseError
from airdefense.reports import _plots
from airdefense.results.stats import NO_FIRE, campaign_stats, mean_ci, ratio_ci
from airdefense.results.store import ResultStore

__all__ = ["build_report", "write_report", "typical_replication", "sweep_table"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:1000px;color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.6em;
border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0;display:block;
overflow-x:auto;max-width:100%}
td,th{padding:.2em .7em;border-bottom:1px solid #eee;text-align:right}
th{background:#f4f6f8}td:first-child,th:first-child{text-align:left}
figure.plot{margin:1em 0}figure.plot svg{max-width:100%;height:auto;display:block}
figcaption{font-size:.85em;color:#555}.note{color:#666;font-style:italic}
.meta td{text-align:left}#render-check{font-size:.8em;color:#888}
"""

_CHECK = """
<script>
(function () {
  function check() {
    var figs = document.querySelectorAll('figure.plot');
    var ok = 0, bad = [];
    for (var i = 0; i < figs.length; i++) {
      var g = figs[i].querySelector('svg, img');
      var r = g ? g.getBoundingClientRect() : null;
      var drawn = g && (g.tagName.toLowerCase() !== 'img' || g.naturalWidth > 0) &&
                  (g.tagName.toLowerCase() !== 'svg' || g.querySelectorAll('path').length > 0);
      if (r && r.width > 0 && r.height > 0 && drawn) { ok++; } else { bad.push(figs[i].id); }
    }
    var m = document.getElementById('render-check');
    m.setAttribute('data-plots-ok', String(ok));
    m.setAttribute('data-plots-total', String(figs.length));
    m.textContent = 'plots rendered: ' + ok + ' of ' + figs.length;
    // Whether the page fits its window's width (a wide table scrolls in its own box).
    var de = document.documentElement;
    m.setAttribute('data-fits-width', de.scrollWidth <= de.clientWidth ? 'yes' : 'no');
    document.body.setAttribute('data-report-ready',
                               bad.length ? 'missing:' + bad.join(',') : 'ok');
  }
  check();
  window.addEventListener('load', check);
})();
</script>
"""


def _s(x) -> str | None:
    return x if isinstance(x, str) and x else None


def _e(x) -> str:
    return html.escape(str(x))


def _num(x: float) -> str:
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return f"{int(x):,}"
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "&ndash;"
    if not np.isfinite(x):
        return "&infin;"
    ax = abs(x)
    if ax >= 1e9:
        return f"{x / 1e9:,.3f}&nbsp;B"
    if ax >= 1e6:
        return f"{x / 1e6:,.3f}&nbsp;M"
    if ax >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3f}"


def typical_replication(summaries: pd.DataFrame) -> int:
    """The replication closest to the median run: leakers, then value lost, then fired.

    Returns the ``rep`` of the run with the smallest distance to the medians (scaled by each
    quantity's spread), ties to the lowest index.
    """
    if summaries.empty:
        raise AirDefenseError("the campaign has no finished replication")
    cols = [c for c in ("leaked", "value_lost", "interceptors_fired") if c in summaries]
    d = np.zeros(len(summaries))
    for w, c in zip((100.0, 10.0, 1.0), cols, strict=False):
        a = summaries[c].to_numpy(float)
        scale = np.nanstd(a) or 1.0
        d += w * np.abs(a - np.nanmedian(a)) / scale
    order = np.lexsort((summaries.rep.to_numpy(), d))
    return int(summaries.rep.iloc[order[0]])


def sweep_table(store: ResultStore, sweep_id: str, level: float = 0.95) -> pd.DataFrame:
    """One row per sweep point: its varied values, raid size, leakers (mean, CI) and the pooled
    cost exchange (total attack / total defence cost, delta-method CI)."""
    pts = store.sweep_points(sweep_id)
    rows = []
    for _, p in pts.iterrows():
        s = store.summaries(p.campaign_id)
        if s.empty:
            continue
        s = s[s.rep < int(p.runs)] if "runs" in p else s
        m, _, lo, hi, n = mean_ci(s.leaked, level)
        ce = (ratio_ci(s.attack_cost, s.defence_cost, level) if
              {"attack_cost", "defence_cost"} <= set(s.columns) else (np.nan,) * 4)
        rows.append({**p.to_dict(), "runs_done": n,
                     "raid_size": float(s.threats_launched.mean()),
                     "leaked_mean": m, "leaked_ci_low": lo, "leaked_ci_high": hi,
                     "p_zero_leakers": float((s.leaked == 0).mean()),
                     "cost_exchange_pooled": ce[0], "cost_exchange_ci_low": ce[1],
                     "cost_exchange_ci_high": ce[2]})
    return pd.DataFrame(rows)


def _figure(name: str, fig, caption: str) -> str:
    return (f'<figure class="plot" id="plot-{name}">{_plots.svg(fig, name)}'
            f"<figcaption>{caption}</figcaption></figure>")


def build_report(db: str | Path, campaign_id: str | None = None,
                 sweep_id: str | None = None) -> str:
    """Build the HTML text of a campaign's report.

    Parameters
    ----------
    db : path
        A results database written by ``airdefense campaign`` or ``sweep``.
    campaign_id : str, optional
        The campaign (an id or a unique prefix); optional when the database holds one.
    sweep_id : str, optional
        The sweep whose saturation curve to show; defaults to the campaign's own sweep, or
        the database's only sweep.

    Returns
    -------
    str

    Raises
    ------
    AirDefenseError
        If the database or the campaign does not exist or has no finished replication.
    """
    with ResultStore(db, create=False, read_only=True) as st:
        camps = st.campaigns()
        if campaign_id is None:
            if len(camps) != 1:
                have = ", ".join(camps.campaign_id) or "none"
                raise AirDefenseError(f"{db}: holds {len(camps)} campaigns ({have}); "
                                      "choose one with --campaign ID")
            campaign_id = str(camps.campaign_id.iloc[0])
        ids = camps.campaign_id.astype(str)
        if not (ids == str(campaign_id)).any():
            hits = ids[ids.str.startswith(str(campaign_id))].tolist()
            if len(hits) > 1:
                raise AirDefenseError(f"{db}: campaign {campaign_id!r} is ambiguous: matches "
                                      f"{', '.join(hits)}; give more of the id")
        info = st.campaign(campaign_id)
        cid = info["campaign_id"]
        summ = st.summaries(cid)
        summ = summ[summ.rep < int(info["runs"])]
        if summ.empty:
            raise AirDefenseError(f"{db}: campaign {cid} has no finished replication")
        exp = st.table("expenditure", cid)
        out = st.table("outcomes", cid)
        typical = typical_replication(summ)
        ev = st.table("events", cid, reps=[typical])
        sweeps = st.sweeps()
        if sweep_id is not None and sweep_id not in set(sweeps.sweep_id):
            hits = [x for x in sweeps.sweep_id if str(x).startswith(str(sweep_id))]
            if len(hits) != 1:
                have = ", ".join(sweeps.sweep_id) or "none"
                what = (f"is ambiguous: matches {', '.join(hits)}" if hits else
                        "is not there")
                raise AirDefenseError(f"{db}: sweep {sweep_id!r} {what}; sweeps there: {have}")
            sweep_id = hits[0]
        if sweep_id is None:
            sweep_id = info.get("sweep_id")
            sweep_id = sweep_id if isinstance(sweep_id, str) and sweep_id else None
            if sweep_id is None:
                sweep_id = str(sweeps.sweep_id.iloc[0]) if len(sweeps) == 1 else None
        sweep = sweep_table(st, sweep_id) if sweep_id else pd.DataFrame()
        vary = {}
        if sweep_id:
            row = sweeps[sweeps.sweep_id == sweep_id]
            vary = json.loads(row.vary_json.iloc[0]) if len(row) else {}
    stats = campaign_stats(summ, exp)
    return _render(info, summ, exp, out, stats, typical, ev, sweep, vary, sweep_id)


def _render(info, summ, exp, out, stats, typical, ev, sweep, vary, sweep_id) -> str:
    cid = info["campaign_id"]
    n = len(summ)
    parts: list[str] = []
    title = f"Campaign {cid}: {info['scenario_name']}"
    parts.append(f"<h1>{_e(title)}</h1>")
    pj = info.get("point_json")
    point = json.loads(pj) if isinstance(pj, str) and pj else {}
    meta = [("scenario", info["scenario_name"]), ("source", info.get("source") or "-"),
            ("scenario hash", str(info["scenario_hash"])[:16]), ("seed", info["seed"]),
            ("replications", f"{n} of {info['runs']}"),
            ("tracking", _s(info.get("tracking")) or "as in the scenario"),
            ("solver", _s(info.get("solver")) or "as in the scenario"),
            ("created", info.get("created_at")), ("airdefense", info.get("version"))]
    if point:
        meta.append(("sweep point", ", ".join(f"{k} = {v}" for k, v in point.items())))
    parts.append('<table class="meta">' + "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in meta) + "</table>")

    # Statistics table.
    p, lo, hi = stats.p_zero_leakers
    parts.append("<h2>Statistics</h2>")
    parts.append(f"<p><b>P(zero leakers)</b> = {p:.3f} (95% CI {lo:.3f} to {hi:.3f}, exact "
                 "Clopper-Pearson). "
                 f"Means with 95% Student-t confidence intervals over {n} runs.</p>")
    rows = "".join(
        f"<tr><td>{_e(q)}</td><td>{_num(r['mean'])}</td><td>{_num(r.ci_low)}</td>"
        f"<td>{_num(r.ci_high)}</td><td>{_num(r['std'])}</td><td>{_num(r['min'])}</td>"
        f"<td>{_num(r['median'])}</td><td>{_num(r['max'])}</td><td>{int(r.n)}</td>"
        f"<td>{int(r.get('n_nonfinite', 0))}</td></tr>"
        for q, r in stats.table.iterrows())
    parts.append("<table><tr><th>quantity</th><th>mean</th><th>95% CI low</th>"
                 "<th>95% CI high</th><th>std</th><th>min</th><th>median</th><th>max</th>"
                 f"<th>n</th><th>runs left out</th></tr>{rows}</table>")
    for q, note in stats.notes().items():
        parts.append(f'<p class="note">{_e(q)}: {_e(note)}.</p>')
    ce, (clo, chi) = stats.pooled_cost_exchange, stats.pooled_cost_exchange_ci
    if np.isfinite(ce):
        parts.append(f"<p><b>Pooled cost exchange</b> (total attacker spend / total defence "
                     f"spend) = {_num(ce)} (95% CI {_num(clo)} to {_num(chi)}, delta method "
                     "for a ratio estimator, Cochran 1977 &sect;6.4).</p>")
    if len(out):
        bt = (out.groupby(["kind", "preset"])[["launched", "intercepted", "leaked", "other"]]
              .sum() / n).reset_index()
        parts.append("<p>Threats by type, mean per run (other: flights ended without an "
                     "impact, platforms returned home after their release, threats still "
                     "airborne at the end):</p><table><tr><th>kind</th>"
                     "<th>preset</th><th>launched</th><th>intercepted</th><th>leaked</th>"
                     "<th>other</th></tr>" + "".join(
                         f"<tr><td>{_e(r.kind)}</td><td>{_e(r.preset)}</td>"
                         f"<td>{_num(r.launched)}</td><td>{_num(r.intercepted)}</td>"
                         f"<td>{_num(r.leaked)}</td><td>{_num(r.other)}</td></tr>"
                         for r in bt.itertuples()) + "</table>")

    parts.append("<h2>Leakers</h2>")
    parts.append(_figure("leakers", _plots.leakers_histogram(summ.leaked.to_numpy()),
                         "Distribution of the number of threats that reached their impact "
                         "point, over all runs."))
    parts.append("<h2>Interceptor expenditure</h2>")
    parts.append(_figure("expenditure", _plots.expenditure_bars(stats.expenditure),
                         "Interceptors fired per run by type (mean and 95% CI) and hits."))
    if "interceptors_fired" in summ:
        parts.append(_figure("interceptors",
                             _plots.interceptors_histogram(summ.interceptors_fired.to_numpy()),
                             "Distribution of the number of interceptors fired (all types) "
                             "per run."))
    if "value_lost" in summ:
        parts.append("<h2>Value destroyed</h2>")
        parts.append(_figure("value-lost",
                             _plots.value_lost_histogram(summ.value_lost.to_numpy()),
                             "Distribution of the asset value destroyed per run."))
    parts.append("<h2>Cost exchange</h2>")
    if np.isinf(stats.pooled_cost_exchange):
        parts.append(f'<p class="note">Cost exchange: {_e(NO_FIRE)}.</p>')
    ce = summ.cost_exchange.to_numpy(float) if "cost_exchange" in summ else np.array([])
    parts.append(_figure("cost-exchange",
                         _plots.cost_exchange_histogram(ce, stats.pooled_cost_exchange),
                         "Attacker spend (missiles and drones launched, aircraft lost, "
                         "munitions released) over defence spend on interceptors, per run."))
    parts.append("<h2>Timeline of a typical run</h2>")
    if len(ev):
        parts.append(_figure("timeline", _plots.timeline(ev, typical),
                             f"Replication {typical}: the run closest to the median leakers, "
                             "value lost and interceptors fired."))
    else:
        parts.append('<p class="note">No event log was kept for this campaign '
                     "(run without --no-events to get the timeline).</p>")
    parts.append("<h2>Saturation</h2>")
    if len(sweep) >= 2:
        varied = [c for c in vary if c in sweep.columns]
        # Raid-size paths set the x axis (through the threats launched); any other varied
        # path (launchers, doctrine, ...) gets a line of its own.
        size_like = [c for c in varied if c.startswith("raid.") and c.endswith("count")]
        group = [c for c in varied if c not in size_like]
        parts.append(_figure("saturation", _plots.saturation(sweep, group),
                             f"Sweep {_e(sweep_id)}: mean leakers per run against raid size "
                             f"over {len(sweep)} grid points; varied: "
                             f"{_e(', '.join(varied))}."))
        show = [c for c in varied] + ["raid_size", "leaked_mean", "leaked_ci_low",
                                      "leaked_ci_high", "p_zero_leakers",
                                      "cost_exchange_pooled", "cost_exchange_ci_low",
                                      "cost_exchange_ci_high", "runs_done"]
        parts.append("<table><tr>" + "".join(f"<th>{_e(c)}</th>" for c in show) + "</tr>"
                     + "".join("<tr>" + "".join(
                         f"<td>{_num(v) if isinstance(v, (int, float, np.number)) else _e(v)}"
                         "</td>" for v in r) + "</tr>"
                         for r in sweep[show].itertuples(index=False)) + "</table>")
    else:
        parts.append('<p class="note">No sweep in this database: run '
                     "<code>airdefense sweep SCENARIO --vary raid.GROUP.count=10..100:10 "
                     "--db THIS.duckdb</code> to get the saturation curve.</p>")
    parts.append("<h2>Convergence</h2>")
    parts.append(_figure("convergence", _plots.convergence_plot(stats.convergence),
                         "Standard error of the mean over |mean| against the number of runs; "
                         "it should fall as 1/sqrt(n)."))
    last = {q: c.iloc[-1] for q, c in stats.convergence.items() if len(c)}
    if last:
        parts.append("<table><tr><th>quantity</th><th>runs</th><th>standard error</th>"
                     "<th>95% CI half-width / |mean|</th></tr>" + "".join(
                         f"<tr><td>{_e(q)}</td><td>{int(c.n)}</td><td>{_num(c.se)}</td>"
                         f"<td>{_num(c.rel_half_width)}</td></tr>" for q, c in last.items())
                     + "</table>")
    now = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts.append(f'<p class="note">Generated {now} by airdefense. Notional parameters from '
                 'public sources; not fire-control software. '
                 '<span id="render-check">plots not checked</span></p>')
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n"
            f"<body>\n{body}\n{_CHECK}</body></html>\n")


def write_report(db: str | Path, out: str | Path, campaign_id: str | None = None,
                 sweep_id: str | None = None) -> Path:
    """Write a campaign's self-contained HTML report to ``out`` and return its path.

    See :func:`build_report` for the parameters.

    Examples
    --------
    >>> write_report("results.duckdb", "report.html", campaign_id="3f2a")  # doctest: +SKIP
    """
    text = build_report(db, campaign_id, sweep_id)
    out = Path(out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
