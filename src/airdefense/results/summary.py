"""Summary figures of one run: outcomes per threat type, interceptors, damage, cost exchange."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from airdefense.engagement.damage import (
    DAMAGED_VALUE_FRACTION,
    AreaDamage,
    damage_probabilities,
)

__all__ = ["attack_costs", "summarize", "format_summary", "expected_loss",
           "undefended_expected_loss"]


def expected_loss(scenario, truth, threats=None) -> float:
    """Expected value lost if the threats ``threats`` hit their drawn impact points.

    The expectation over the damage draws the simulation makes at those impact points (given
    the points): a point asset is destroyed by an impact with ``p_k`` and at least damaged
    with ``d_k`` (:func:`~airdefense.engagement.damage.damage_probabilities`), a damaged asset
    damaged again is destroyed, and a damaged asset loses ``DAMAGED_VALUE_FRACTION`` of its
    value, so its expected loss fraction is ``1 - prod_k (1 - d_k) - (1 - f) sum_k (d_k - p_k)
    prod_{j != k} (1 - d_j)`` (intact: no impact damages it; damaged: exactly one damages it
    and none destroys it); an area asset loses what its impacts take, overlaps once
    (:class:`~airdefense.engagement.damage.AreaDamage`, impacts in end-time order), as in a
    run.

    Parameters
    ----------
    scenario : Scenario
    truth : ThreatSet
        The run's threats (their impact points and lethal radii).
    threats : array_like of int, optional
        Threat ids (rows of ``truth``). Default: every threat whose flight ends on an impact
        within the scenario's ``duration_s`` (one launched too late, or still flying at the
        end, would not have hit within the run).

    Returns
    -------
    float
        US dollars (the asset values' unit).
    """
    return _expected_loss(scenario, truth, threats)


def _expected_loss(scenario, truth, threats=None, area_rows=None, area_table=None) -> float:
    """:func:`expected_loss`; ``area_rows``, optional: ``(ids, fractions)``, threat ids
    (k,) in the order a run's :class:`~airdefense.engagement.damage.AreaDamage` took their
    impacts and the value fractions it returned for them (k, a), used where ``ids`` are the
    chosen impacts in end-time order (the shares then are these, bit for bit: each impact's
    depend only on the impacts before it). ``area_table``, optional: (n, a), each threat's
    impact's closed-form shares of the area assets,
    :func:`~airdefense.engagement.damage.area_loss_fractions` of its impact alone (a run's
    table, whose rows are those numbers: elementwise arithmetic), given to the overlap rule
    instead of computing them again."""
    imp = np.isfinite(truth.impact_enu[:, 0])
    if threats is None:
        duration = getattr(getattr(scenario, "config", None), "duration_s", None)
        if duration is not None:
            imp &= np.asarray(truth.end_time_s, float) <= float(duration) + 1e-9
    else:
        chosen = np.zeros(imp.size, bool)
        chosen[np.asarray(threats, np.int64)] = True
        imp &= chosen
    a = scenario.assets
    if not imp.any() or len(a) == 0:
        return 0.0
    pk, pd_ = damage_probabilities(truth.impact_enu[imp], truth.lethal_radius_m[imp], a.enu,
                                   a.hardness, a.lethal_radius_m)
    q = 1.0 - pd_
    # prod_{j != k} (1 - d_j): the products before and after each impact.
    ones = np.ones((1, q.shape[1]))
    before = np.cumprod(np.vstack([ones, q[:-1]]), axis=0)
    after = np.cumprod(np.vstack([ones, q[:0:-1]]), axis=0)[::-1]
    damaged_once = np.sum((pd_ - pk) * before * after, axis=0)
    point = 1.0 - np.prod(q, axis=0) - (1.0 - DAMAGED_VALUE_FRACTION) * damaged_once
    # Impacts in end-time order, as the simulation adds them (overlaps taken once).
    order = np.argsort(np.asarray(truth.end_time_s, float)[imp], kind="stable")
    if area_rows is not None and np.array_equal(area_rows[0], np.flatnonzero(imp)[order]):
        area = area_rows[1]  # the same impacts in the same order: the run's own shares
    else:
        rows = np.flatnonzero(imp)[order]
        frac = None if area_table is None else area_table[rows]
        area = AreaDamage(a).hit(truth.impact_enu[rows], truth.lethal_radius_m[rows],
                                 fractions=frac)
    area = np.minimum(area.sum(axis=0), 1.0)
    return float(np.sum(a.value * np.where(a.radius_m > 0, area, point)))


def undefended_expected_loss(scenario, truth) -> float:
    """Expected value lost if every threat leaked and hit its drawn impact point: the
    :func:`expected_loss` of every threat whose flight ends within the scenario's
    ``duration_s``."""
    return expected_loss(scenario, truth)


def attack_costs(state, unit_cost, reusable, weapon_cost) -> np.ndarray:
    """What each threat cost the attacker, US dollars.

    An expendable threat (a missile, a one-way drone) is spent once launched: its
    ``unit_cost``. A reusable platform (an aircraft or helicopter that flies home) costs its
    ``unit_cost`` only when it is shot down (``intercepted``), and its ``weapon_cost`` when it
    reaches its release (``impacted``, ``completed``, or ``returned``: flown home after it); one
    not launched, or still airborne at the end of the run, has cost nothing yet. (The munitions
    a platform releases as threats of their own, ``weapon``, cost their own ``unit_cost``.)

    Parameters
    ----------
    state : array_like of shape (n,), str
        Terminal states (``simulation.loop.THREAT_STATES``).
    unit_cost, weapon_cost : array_like of shape (n,), float
        US dollars.
    reusable : array_like of shape (n,), bool

    Returns
    -------
    ndarray of shape (n,), float
    """
    state = np.asarray(state, object)
    unit_cost = np.asarray(unit_cost, float)
    lost = state == "intercepted"
    released = (state == "impacted") | (state == "completed") | (state == "returned")
    platform = np.where(lost, unit_cost, 0.0) + np.where(released, weapon_cost, 0.0)
    return np.where(np.asarray(reusable, bool), platform,
                    np.where(state != "not_launched", unit_cost, 0.0))


def summarize(res, scenario, truth) -> dict:
    """Scalar figures and small tables of one run.

    Returns
    -------
    dict
        ``threats_launched``, ``intercepted``, ``leaked`` (impacts), ``interceptors_fired``,
        ``defence_cost``, ``attack_cost`` (threats expended, platforms lost and munitions
        released: :func:`attack_costs`; a threats table without a ``reusable`` column is all
        expendable), ``value_lost``,
        ``value_at_risk`` (the expected loss with no defence: every threat whose flight ends
        in the run on its impact point, :func:`undefended_expected_loss`), ``value_saved``
        (``value_at_risk`` less the expected loss of the impacts that happened,
        :func:`expected_loss`: both expectations over the damage draws at the same impact
        points, so it is never negative; ``value_lost`` is this run's draw), ``cost_exchange``
        (attack cost / defence cost), ``by_type`` (DataFrame), ``by_interceptor`` (DataFrame),
        ``batteries_disabled``, ``orders_refused`` (rows of ``refused``: fire orders the fire
        control turned down, and queued launches it cancelled before they left),
        ``solver_clock_stops`` (assignment solves stopped by their time limit: a run with any
        is not repeatable on another machine), ``munitions_released`` (threats released by a
        platform, ``parent >= 0``, that launched), ``munitions_cancelled`` (those whose
        platform was shot down before their release, so never launched), and
        ``platforms_returned`` (platforms that flew home after their release: ``returned``).
        A threats table without a ``parent`` column has no munitions.
    """
    th, ic, ev = res.threats, res.interceptors, res.events
    cols = {c: th[c].to_numpy() for c in _THREAT_COLUMNS if c in th}
    icols = {c: ic[c].to_numpy() for c in ("type", "unit_cost", "outcome")}
    impacts = ev["threat_id"].to_numpy()[np.asarray(ev["kind"] == "impact", bool)]
    return _summary(scenario, truth, cols, icols, res.assets["value_lost"].to_numpy(),
                    impacts, _count_kind(ev["kind"], "battery_disabled"),
                    int(len(getattr(res, "refused", ()))),
                    int(getattr(res, "solver_clock_stops", 0)))


#: The threats table's columns :func:`summarize` reads (those after ``unit_cost`` optional).
_THREAT_COLUMNS = ("state", "kind", "preset", "unit_cost", "reusable", "weapon_cost", "parent")


def _summary(scenario, truth, th: dict, ic: dict, value_lost: np.ndarray, impacts: np.ndarray,
             n_disabled: int, n_refused: int, clock_stops: int, area_rows=None,
             frames: bool = True, area_table=None) -> dict:
    """:func:`summarize` of the tables' columns: ``th`` the threats table's
    (:data:`_THREAT_COLUMNS`), ``ic`` the interceptors table's (``type``, ``unit_cost``,
    ``outcome``), as arrays; the assets' ``value_lost``, the threat ids of the impact events,
    the counts of ``battery_disabled`` events and refused orders, and the solver's clock stops.
    (The simulation passes the arrays it builds its tables from, and ``area_rows``, the area
    shares its impacts took, and ``area_table``, its table of every impact's closed-form
    shares, when it made one: see :func:`_expected_loss`.) Without ``frames``, ``by_type``
    and ``by_interceptor`` are dicts of the columns the DataFrames would hold (a campaign's
    replication keeps only those; no interceptor fired: an empty dict)."""
    # Column arrays, not pandas operations: a run's tables are small, so pandas' per-call
    # overhead would be most of the cost. Sums skip NaN as pandas' do.
    state = th["state"]
    keep = state != "not_launched"
    state = state[keep]
    intercepted, leaked = state == "intercepted", state == "impacted"
    threat_cost = th["unit_cost"][keep]
    groups, first, sizes, idx = _groups(th["kind"][keep], th["preset"][keep])
    by_type = {
        "kind": groups[0], "preset": groups[1], "launched": sizes,
        "intercepted": np.bincount(idx, intercepted, len(first)).astype(np.int64),
        "leaked": np.bincount(idx, leaked, len(first)).astype(np.int64),
        "other": np.bincount(idx, ~(intercepted | leaked), len(first)).astype(np.int64),
        "unit_cost": threat_cost.astype(float)[first],
    }
    n_ic = len(ic["type"])
    if n_ic:
        (types,), _, fired, idx = _groups(np.asarray(ic["type"]))
        cost = np.asarray(ic["unit_cost"], float)
        by_icpt = {
            "type": types, "fired": fired,
            "hits": np.bincount(idx, np.asarray(ic["outcome"]) == "hit",
                                len(types)).astype(np.int64),
            # Exactly rounded sums (the same as a running sum of one type's equal costs).
            "cost": np.array([math.fsum(cost[idx == g]) for g in range(len(types))], float),
        }
    else:
        by_icpt = {}
    if frames:
        by_type = pd.DataFrame(by_type)
        by_icpt = (pd.DataFrame(by_icpt) if by_icpt else
                   pd.DataFrame(columns=["type", "fired", "hits", "cost"]))
    defence_cost = float(np.nansum(ic["unit_cost"])) if n_ic else 0.0
    if "reusable" in th:
        spent = attack_costs(state, threat_cost, np.asarray(th["reusable"], bool)[keep],
                             np.asarray(th["weapon_cost"], float)[keep])
    else:
        spent = threat_cost
    attack_cost = float(np.nansum(spent))
    value_lost = float(np.nansum(value_lost))
    # undefended_expected_loss, with the run's closed-form shares where it has them.
    at_risk = _expected_loss(scenario, truth, area_table=area_table)
    defended = (_expected_loss(scenario, truth, impacts, area_rows, area_table)
                if impacts.size else 0.0)
    released, cancelled = _munition_counts(th)
    return {
        "threats_launched": int(state.size),
        "intercepted": int(np.count_nonzero(intercepted)),
        "leaked": int(np.count_nonzero(leaked)),
        "interceptors_fired": int(n_ic),
        "defence_cost": defence_cost,
        "attack_cost": attack_cost,
        "value_lost": value_lost,
        "value_at_risk": at_risk,
        "value_saved": at_risk - defended,
        "cost_exchange": attack_cost / defence_cost if defence_cost > 0 else float("inf"),
        "batteries_disabled": n_disabled,
        "orders_refused": n_refused,
        "solver_clock_stops": clock_stops,
        "munitions_released": released,
        "munitions_cancelled": cancelled,
        "platforms_returned": int(np.count_nonzero(state == "returned")),
        "by_type": by_type,
        "by_interceptor": by_icpt,
    }


def _count_kind(kind: pd.Series, name: str) -> int:
    """Events of one kind (on the codes of a categorical column: no strings compared)."""
    if isinstance(kind.dtype, pd.CategoricalDtype):
        cats = kind.dtype.categories
        if name not in cats:
            return 0
        return int(np.count_nonzero(kind.array.codes == cats.get_loc(name)))
    return int(np.count_nonzero(kind.to_numpy() == name))


def _munition_counts(th: dict) -> tuple[int, int]:
    """Munitions released (launched) and cancelled (not launched, their platform shot down),
    of the threats table's columns (``parent``, ``state``)."""
    if "parent" not in th:
        return 0, 0
    parent = np.asarray(th["parent"], np.int64)
    child = parent >= 0
    if not child.any():
        return 0, 0
    state = th["state"]
    gone = state[child] == "not_launched"
    # Threat ids are the table's rows (``threat_id = arange(n)``).
    shot = state[parent[child]] == "intercepted"
    return int(np.count_nonzero(~gone)), int(np.count_nonzero(gone & shot))


def _groups(*keys: np.ndarray) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """Groups of rows by string keys, in sorted key order: the keys of each group, the first
    row of each, the group sizes (int64) and each row's group."""
    n = len(keys[0])
    if n == 0:
        return [np.array([], object) for _ in keys], np.zeros(0, int), np.zeros(0, np.int64), \
            np.zeros(0, int)
    codes = [np.unique(k.astype(str), return_inverse=True) for k in keys]
    combined = np.zeros(n, np.int64)
    for uniq, inv in codes:
        combined = combined * len(uniq) + inv
    _, first, idx, sizes = np.unique(combined, return_index=True, return_inverse=True,
                                     return_counts=True)
    return ([np.asarray(k, object)[first] for k in keys], first, sizes.astype(np.int64),
            idx.ravel())


def _money(x: float) -> str:
    if not np.isfinite(x):
        return "inf"
    sign = "-" if x < 0 else ""
    x = abs(x)
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= div:
            return f"{sign}${x / div:,.2f}{unit}"
    return f"{sign}${x:,.0f}"


def format_summary(res) -> str:
    """Plain-text summary tables of one run."""
    s = res.summary
    out = [f"Scenario: {res.scenario}   seed: {res.seed}", ""]
    bt = s["by_type"].copy()
    out.append("Threats by type")
    out.append(bt[["kind", "preset", "launched", "intercepted", "leaked", "other"]]
               .to_string(index=False))
    out.append("")
    out.append("Interceptors fired")
    bi = s["by_interceptor"].copy()
    if len(bi):
        bi["cost"] = bi["cost"].map(_money)
        out.append(bi.to_string(index=False))
    else:
        out.append("  none")
    out.append("")
    out.append("Damage to assets")
    a = res.assets
    hit = a[a.state != "intact"]
    if len(hit):
        hit = hit.assign(value=hit.value.map(_money), value_lost=hit.value_lost.map(_money))
        out.append(hit[["asset", "kind", "state", "value", "value_lost"]].to_string(index=False))
    else:
        out.append("  none")
    out.append("")
    out.append("Cost exchange")
    ce = s["cost_exchange"]
    out += [
        f"  defence spend (interceptors): {_money(s['defence_cost'])}",
        f"  attacker spend (threats):     {_money(s['attack_cost'])}",
    ]
    th = res.threats
    if "reusable" in th and bool(th["reusable"].to_numpy(bool).any()):
        out.append("    (a reusable platform counts when shot down; its munitions when released)")
    out += [
        f"  attacker/defence cost ratio:  {ce:.2f}" if np.isfinite(ce) else
        "  attacker/defence cost ratio:  n/a (no interceptor fired)",
        f"  value lost (this run):        {_money(s['value_lost'])}",
        f"  expected loss, defended:      {_money(s['value_at_risk'] - s['value_saved'])}",
        f"  expected loss, undefended:    {_money(s['value_at_risk'])}",
        f"  value saved (expected):       {_money(s['value_saved'])}",
        "    (expected: over the damage draws at the leakers' / every threat's impact point)",
        f"  batteries disabled:           {s['batteries_disabled']}",
    ]
    if "parent" in th and bool((th["parent"].to_numpy() >= 0).any()):
        out.append(f"  munitions released:           {s['munitions_released']} "
                   f"(cancelled, platform shot down first: {s['munitions_cancelled']})")
    if s.get("platforms_returned"):
        out.append(f"  platforms returned home:      {s['platforms_returned']}")
    if s.get("orders_refused"):
        out.append(f"  orders refused (fire control): {s['orders_refused']}")
    if s.get("solver_clock_stops"):
        out.append(f"  assignment solves stopped by the clock: {s['solver_clock_stops']} "
                   "(this run may differ on another machine)")
    return "\n".join(out)
