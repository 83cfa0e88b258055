"""The compiled cycle rules against a NumPy statement of the same rules (random cycles)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.c2._kernels import cycle_rules

SLACK_S = 5.0


def reference_rules(t, tof, inside, pk, ttg, value, kidx, ballistic, fired_b, look, profitable,
                    zones_ok, close, opens, lb, ready, operational, stocked, battery_ok, cost,
                    class_pk, engage, hold, max_rounds, salvo, nonballistic_cap, rank,
                    cost_weight, profitable_only, need_future):
    """Rules 2-6 as array operations over all (track, launcher) pairs at once."""
    geo_ok = inside & (tof <= ttg[:, None] + SLACK_S) & (pk > 0)
    doctrine_ok = engage[kidx][:, lb] & ~hold[lb][None, :] & zones_ok
    left = max_rounds[lb][None, :] - fired_b[:, lb]
    pair_cap = np.minimum(salvo[lb][None, :], left)
    reserve_ok = ballistic[:, None] | (nonballistic_cap[lb] > 0)[None, :]
    able = doctrine_ok & (left > 0) & reserve_ok
    allowed = able & geo_ok & ready[None, :] & look
    fit = (battery_ok[lb] & operational)[None, :]
    later = np.zeros_like(allowed)
    if need_future:
        later = np.isfinite(close) & (close > t) & (opens <= t + ttg[:, None])
        later &= fit & stocked[None, :] & able
    now_or_later = (geo_ok & able & fit) | later
    deferred = np.zeros_like(allowed)
    if cost_weight > 0:
        worth = (class_pk[:, kidx].T * value[:, None] - cost_weight * cost[None, :]) > 0
        future = later & ~geo_ok & worth
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


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 7), st.integers(1, 8), st.integers(1, 4),
       st.sampled_from([0.0, 0.05, 1.0]), st.booleans(), st.booleans())
def test_cycle_rules_match_the_array_statement(seed, m, L, B, cost_weight, profitable_only,
                                               need_future):
    """Every rule, random cycles: the kernel's allowed pairs and caps are the reference's."""
    rng = np.random.default_rng(seed)
    K = 5
    t = 100.0
    close = np.where(rng.random((m, L)) < 0.7, t + rng.uniform(-20, 200, (m, L)), np.nan)
    opens = np.where(np.isnan(close), np.nan, close - rng.uniform(0, 150, (m, L)))
    args = dict(
        t=t, tof=np.where(rng.random((m, L)) < 0.8, rng.uniform(1, 90, (m, L)), np.inf),
        inside=rng.random((m, L)) < 0.6, pk=np.where(rng.random((m, L)) < 0.9,
                                                     rng.uniform(0, 1, (m, L)), 0.0),
        ttg=rng.uniform(0, 120, m), value=rng.choice([0.0, 1e5, 1e7, 1e9], m),
        kidx=rng.integers(0, K, m), ballistic=rng.random(m) < 0.3,
        fired_b=rng.integers(0, 3, (m, B)), look=rng.random((m, L)) < 0.8,
        profitable=rng.random((m, L)) < 0.8, zones_ok=rng.random((m, L)) < 0.9,
        close=close, opens=opens, lb=rng.integers(0, B, L), ready=rng.random(L) < 0.8,
        operational=rng.random(L) < 0.9, stocked=rng.random(L) < 0.9,
        battery_ok=rng.random(B) < 0.9, cost=rng.choice([1e5, 1e6, 4e6], L),
        class_pk=rng.uniform(0, 1, (L, K)), engage=rng.random((K, B)) < 0.8,
        hold=rng.random(B) < 0.15, max_rounds=rng.integers(1, 4, B),
        salvo=rng.integers(1, 3, B), nonballistic_cap=rng.integers(0, 3, B),
        rank=rng.integers(-1, 3, L), cost_weight=cost_weight, profitable_only=profitable_only,
        need_future=need_future)
    want_allowed, want_cap = reference_rules(**args)
    got_allowed, got_cap = cycle_rules(*args.values(), SLACK_S)
    np.testing.assert_array_equal(got_allowed, want_allowed)
    np.testing.assert_array_equal(got_cap, want_cap)
