"""Independent statement of the engagement options in NumPy (the tests' reference).

The capacity, eligibility and zone rules as array operations, the geometry from the public
:func:`airdefense.engagement.envelope.feasibility` with every launch window searched in full,
and rules 2-6 as the array statement :func:`reference_rules`.
"""

from __future__ import annotations

import numpy as np

from airdefense.c2._options import LAYER_RANK
from airdefense.c2.evaluation import KINDS
from airdefense.engagement.envelope import feasibility

#: The time-to-go test's slack, s: none (rule 2).
SLACK_S = 0.0


def reference_rules(t, tof, inside, pk, ttg, value, kidx, ballistic, fired_b, look, profitable,
                    zones_ok, close, opens, lb, ready, operational, stock_at, battery_ok, cost,
                    class_pk, engage, hold, max_rounds, salvo, nonballistic_cap, rank, min_pk,
                    cost_weight, profitable_only, need_future):
    """Rules 2-6 as array operations over all (track, launcher) pairs at once.

    ``stock_at`` (L,): when each launcher next holds a round (absolute s; inf: never)."""
    geo_ok = inside & (tof <= ttg[:, None] + SLACK_S) & (pk > 0) & (pk >= min_pk[lb][None, :])
    doctrine_ok = engage[kidx][:, lb] & ~hold[lb][None, :] & zones_ok
    left = max_rounds[lb][None, :] - fired_b[:, lb]
    pair_cap = np.minimum(salvo[kidx][:, lb], left)  # salvo (K, B): per class and battery
    reserve_ok = ballistic[:, None] | (nonballistic_cap[lb] > 0)[None, :]
    able = doctrine_ok & (left > 0) & reserve_ok
    allowed = able & geo_ok & ready[None, :] & look
    fit = (battery_ok[lb] & operational)[None, :]
    # A chance needs a round: now, or once the reload completes inside the open window and
    # the threat's time to go.
    s = stock_at[None, :]
    now = geo_ok & able & fit & (s <= t)
    later = np.zeros_like(allowed)
    if need_future:
        later = (np.isfinite(close) & (close > t) & (close >= s)
                 & (np.maximum(opens, s) <= t + ttg[:, None]))
        later &= fit & able & (s <= t + ttg[:, None])
        later &= class_pk[:, kidx].T >= min_pk[lb][None, :]  # the least Pk is within reach
    now_or_later = now | later
    deferred = np.zeros_like(allowed)
    if cost_weight > 0:
        worth = (class_pk[:, kidx].T * value[:, None] - cost_weight * cost[None, :]) > 0
        future = later & ~now & worth
        cheaper = cost[:, None] < cost[None, :]
        deferred = (future.astype(np.int64) @ cheaper.astype(np.int64)) > 0
        allowed &= ~deferred
        if profitable_only:
            allowed &= value[:, None] * pk > cost_weight * cost[None, :]
    if (rank >= 0).any():
        chance = now_or_later & ~deferred & profitable
        for r in np.unique(rank[rank > 0]):
            outer = (rank >= 0) & (rank < r)
            allowed[:, rank == r] &= ~chance[:, outer].any(axis=1)[:, None]
    pair_cap = np.where(allowed, np.maximum(pair_cap, 0), 0)
    return allowed & (pair_cap > 0), pair_cap


def reference_zones_ok(pip, batteries, launcher_battery):
    """Rule 3's zones, (m, L) bool, battery by battery."""
    m, L = pip.shape[:2]
    ok = np.ones((m, L), bool)
    for b, bu in enumerate(batteries):
        if bu.zone_enu.shape[0] == 0:
            continue
        cols = np.flatnonzero(launcher_battery == b)
        d = np.linalg.norm(pip[:, cols, None, :2] - bu.zone_enu[None, None, :, :2], axis=-1)
        inside = d <= bu.zone_radius_m[None, None, :]
        hold = (inside & bu.zone_hold[None, None, :]).any(axis=-1)
        free = (inside & ~bu.zone_hold[None, None, :]).any(axis=-1)
        ok[:, cols] = ~hold & (free if (~bu.zone_hold).any() else True)
    return ok


def reference_options(t, tracks, evaluation, launchers, book, batteries, channels_free,
                      battery_ok, heights_fn, *, networked, cost_weight, decision_period_s,
                      profitable_only, min_threat_value=0.0) -> dict:
    """The options of one cycle: ``allowed``, ``pk``, ``pair_cap``, ``tof``, ``pip``, ``cap``,
    ``nonballistic_cap``, ``value``, ``ballistic``."""
    m, L, B = len(tracks), len(launchers), len(batteries)
    docs = [bu.doctrine for bu in batteries]
    kidx = np.array([KINDS.index(k) for k in evaluation["kind"]], np.int64)
    ttg = np.maximum(evaluation["time_to_go_s"], 0.0)
    value = np.asarray(evaluation["value"], float)
    ballistic = evaluation["kind"] == "ballistic"
    lb = launchers.battery
    # Capacity.
    ready = (launchers.operational & (launchers.rounds > 0)
             & (t - launchers.last_fire_s >= launchers.min_interval_s - 1e-9) & battery_ok[lb])
    reserve = np.array([d.reserve_ballistic_rounds for d in docs], int)
    stock = np.array([launchers.rounds[(lb == b) & launchers.operational].sum()
                      for b in range(B)], int)
    nonballistic_cap = np.maximum(stock - reserve, 0)
    ripple = np.maximum(1, np.floor(decision_period_s
                                    / np.maximum(launchers.min_interval_s, 1e-3))).astype(int)
    # A salvo ripples from one launcher: its largest salvo (1 for shoot-look-shoot) at least.
    most_salvo = np.array([1 if d.mode == "shoot_look_shoot" else max(d.salvo_by_class())
                           for d in docs], int)
    ripple = np.maximum(ripple, most_salvo[lb])
    cap = np.where(ready, np.minimum(launchers.rounds, ripple), 0)
    chan = channels_free[launchers.fire_control]
    cap = np.where(chan >= 0, np.minimum(cap, np.maximum(chan, 0)), cap)
    # Rule 1.
    ids = tracks.track_id
    killed = np.array([int(i) in book.killed for i in ids], bool)
    fired_b = book.rounds_by_battery(ids, B)
    pending_b = book.pending_by_battery(ids, B)
    elig = tracks.confirmed & ~killed & (value > min_threat_value)
    look = (np.repeat((pending_b.sum(axis=1) == 0)[:, None], L, axis=1) if networked
            else pending_b[:, lb] == 0)
    profitable = np.ones((m, L), bool)
    if profitable_only and cost_weight > 0:
        profitable = value[:, None] * launchers.pk[:, kidx].T > cost_weight * launchers.unit_cost
    rows = np.flatnonzero(elig & (look & profitable).any(axis=1))
    out = {"allowed": np.zeros((m, L), bool), "pk": np.zeros((m, L)),
           "pair_cap": np.zeros((m, L), int), "tof": np.full((m, L), np.inf),
           "pip": np.zeros((m, L, 3)), "cap": cap, "nonballistic_cap": nonballistic_cap,
           "value": value, "ballistic": ballistic}
    if rows.size == 0:
        return out
    sub = tracks.select(rows)
    geo = feasibility(sub.x, launchers, heights_fn, t, quality=sub.quality, kind=kidx[rows],
                      cov=sub.P)
    engage = np.array([[k in d.engage for d in docs] for k in KINDS], bool)
    allowed, pair_cap = reference_rules(
        t, geo["tof"], geo["inside"], geo["pk"], ttg[rows], value[rows], kidx[rows],
        ballistic[rows], fired_b[rows], look[rows], profitable[rows],
        reference_zones_ok(geo["pip"], batteries, lb), geo["window_close_s"],
        geo["window_open_s"], lb, ready, launchers.operational,
        np.where(launchers.rounds > 0, t, launchers.reload_done_s), battery_ok,
        launchers.unit_cost, launchers.pk, engage, np.array([d.hold_fire for d in docs]),
        np.array([d.max_rounds_per_threat for d in docs]),
        np.array([[1 if d.mode == "shoot_look_shoot" else d.salvo_by_class()[k] for d in docs]
                  for k in range(len(KINDS))]),
        nonballistic_cap, np.array([LAYER_RANK.get(d.layer, -1) if d.layer else -1
                                    for d in docs])[lb],
        np.array([d.min_pk for d in docs], float), cost_weight, profitable_only, bool(any(d.layer for d in docs) or cost_weight > 0))
    out["allowed"][rows] = allowed & (cap > 0)[None, :]
    out["pair_cap"][rows] = pair_cap
    for key in ("pk", "tof", "pip"):
        out[key][rows] = geo[key]
    # The geometry of a pair that cannot pay its cost is not reported (nor computed), nor,
    # with profitable_only, that of a track no launcher able to fire this cycle may pay to
    # engage.
    skip = np.zeros((m, L), bool)
    skip[rows] = ~profitable[rows]
    if profitable_only:  # such a track is not taken at all: no pair cap either
        dead = ~(look & profitable & (cap > 0)[None, :]).any(axis=1)
        skip[dead] = True
        out["pair_cap"][dead] = 0
    out["pk"][skip], out["tof"][skip], out["pip"][skip] = 0.0, np.inf, 0.0
    return out
