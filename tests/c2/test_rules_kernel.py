"""The compiled cycle rules against a NumPy statement of the same rules (random cycles)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _reference_options import SLACK_S, reference_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.c2._kernels import _NO, _UNKNOWN, _YES, _row_rules, cycle_rules
from airdefense.c2.evaluation import KINDS
from airdefense.engagement.envelope import feasibility

EXAMPLE_2 = Path(__file__).resolve().parents[2] / "examples" / "02_layered_city.yaml"



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
        operational=rng.random(L) < 0.9,
        stock_at=rng.choice([t, t, t - 3.0, t + 10.0, t + 100.0, np.inf], L),
        battery_ok=rng.random(B) < 0.9, cost=rng.choice([1e5, 1e6, 4e6], L),
        class_pk=rng.uniform(0, 1, (L, K)), engage=rng.random((K, B)) < 0.8,
        hold=rng.random(B) < 0.15, max_rounds=rng.integers(1, 4, B),
        salvo=rng.integers(1, 3, (K, B)), nonballistic_cap=rng.integers(0, 3, B),
        rank=rng.integers(-1, 3, L), min_pk=rng.choice([0.0, 0.0, 0.3, 0.7], B),
        cost_weight=cost_weight, profitable_only=profitable_only,
        need_future=need_future)
    want_allowed, want_cap = reference_rules(**args)
    x0 = np.zeros((1, 6))
    dummy = (x0, np.zeros(1), np.ones(1), np.zeros((1, 19)), np.inf, 2, 0)
    got_allowed, got_cap = cycle_rules(*args.values(), SLACK_S, False, dummy)
    np.testing.assert_array_equal(got_allowed, want_allowed)
    np.testing.assert_array_equal(got_cap, want_cap)


@pytest.fixture(scope="module")
def layered_launchers():
    """Example 2's launchers (PAC-3, PAC-2 GEM, HAWK, Tor) and its terrain."""
    from airdefense import load_scenario
    from airdefense.engagement.model import Engagement
    from airdefense.simulation.events import EventLog

    sc = load_scenario(EXAMPLE_2)
    return Engagement(sc, EventLog(), np.random.default_rng(0)).launchers, sc.frame.height_m


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9), st.sampled_from([0.0, 0.05]),
       st.booleans())
def test_windows_searched_in_the_kernel_give_the_same_rules(layered_launchers, seed, m,
                                                             cost_weight, profitable_only):
    """The rules with windows searched lazily in the kernel (only where a chance later can
    matter, stopping once a window in the time to go is shown) allow exactly the pairs the
    full window search allows, on random raids against example 2's launchers."""
    launchers, heights = layered_launchers
    rng = np.random.default_rng(seed)
    L, B, K = len(launchers), int(launchers.battery.max()) + 1, 5
    kind = rng.choice(["drone", "cruise", "ballistic"], m)
    r = rng.uniform(2e3, 9e4, m)
    az = rng.uniform(0, 2 * np.pi, m)
    speed = np.where(kind == "drone", 50.0, np.where(kind == "cruise", 230.0, 1800.0))
    head = az + np.pi + rng.normal(0, 0.6, m)  # roughly inbound
    x = np.column_stack([r * np.cos(az), r * np.sin(az),
                         np.where(kind == "ballistic", rng.uniform(5e3, 4e4, m),
                                  rng.uniform(30, 3000, m)),
                         speed * np.cos(head), speed * np.sin(head),
                         np.where(kind == "ballistic", -rng.uniform(300, 1500, m), 0.0)])
    kc = np.array([KINDS.index(k) for k in kind], np.int64)
    t = 500.0
    full = feasibility(x, launchers, heights, t, kind=kc)
    lazy = feasibility(x, launchers, heights, t, kind=kc, windows="deferred")
    for key in ("tof", "pip", "inside", "pk"):
        np.testing.assert_array_equal(lazy[key], full[key])
    # Half the threats' times to go fall on a window's opening: there the answer needs the
    # window's bisected edge, not the first grid point inside.
    ttg = rng.uniform(0, 400, m)
    opening = full["window_open_s"] - t
    for i in np.flatnonzero(rng.random(m) < 0.5):
        some = np.flatnonzero(np.isfinite(opening[i]))
        if some.size:
            ttg[i] = opening[i, rng.choice(some)]
    args = dict(
        t=t, tof=full["tof"], inside=full["inside"], pk=full["pk"], ttg=ttg, value=rng.choice([0.0, 3e4, 1e7, 1e9], m), kidx=kc,
        ballistic=kind == "ballistic", fired_b=rng.integers(0, 2, (m, B)),
        look=rng.random((m, L)) < 0.9, profitable=rng.random((m, L)) < 0.9,
        zones_ok=rng.random((m, L)) < 0.95, close=full["window_close_s"],
        opens=full["window_open_s"], lb=launchers.battery.astype(np.int64),
        ready=rng.random(L) < 0.8, operational=rng.random(L) < 0.95,
        stock_at=rng.choice([t, t, t, t + 20.0, t + 200.0, np.inf], L),
        battery_ok=rng.random(B) < 0.95,
        cost=launchers.unit_cost.astype(float), class_pk=np.ascontiguousarray(launchers.pk),
        engage=rng.random((K, B)) < 0.8, hold=rng.random(B) < 0.1,
        max_rounds=rng.integers(1, 3, B), salvo=rng.integers(1, 3, (K, B)),
        nonballistic_cap=rng.integers(0, 3, B),
        rank=np.array([0, 1, 2])[launchers.battery],  # outer, middle, inner batteries
        min_pk=rng.choice([0.0, 0.0, 0.4], B), cost_weight=cost_weight, profitable_only=profitable_only, need_future=True)
    want = cycle_rules(*args.values(), SLACK_S, False, lazy["window_search"])
    got = cycle_rules(*args.values(), SLACK_S, True, lazy["window_search"])
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    # The array statement agrees as well (the kernel's row skip is exact).
    ref = reference_rules(**args)
    np.testing.assert_array_equal(got[0], ref[0])


def _rows_5_and_6(allowed, now, future, later, profitable, pk, value, cost, rank, pair_cap,
                  cost_weight, profitable_only):
    """Rules 5 and 6 of one row with every window known, as array operations (L,)."""
    deferred = np.zeros_like(allowed)
    if cost_weight > 0:
        cheaper = cost[:, None] < cost[None, :]  # [jj, j]: jj cheaper than j
        deferred = ((future & later)[:, None] & cheaper).any(axis=0)
        allowed = allowed & ~deferred
        if profitable_only:
            allowed = allowed & (value * pk > cost_weight * cost)
    chance = (now | later) & ~deferred & profitable
    held = np.array([(chance & (rank >= 0) & (rank < rank[j])).any() for j in range(len(rank))])
    return allowed & ~((rank > 0) & held) & (pair_cap > 0)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9), st.sampled_from([0.0, 0.05, 1.0]),
       st.booleans(), st.booleans())
def test_row_rules_decide_with_the_windows_they_need(seed, L, cost_weight, profitable_only,
                                                     stop):
    """Rules 5 and 6 in three-valued logic (:func:`_row_rules`): with every window known they
    are the rules; with some not searched, every verdict they give is the verdict of the
    windows known; and the search of the kernel, the cheapest launcher's window first until
    no pair asked about is in doubt, ends with the rules' verdict on every such pair (with a
    stop, those of the launchers that can fire)."""
    rng = np.random.default_rng(seed)
    allowed = rng.random((1, L)) < 0.5
    now = rng.random(L) < 0.4
    worth = rng.random(L) < 0.7
    future = ~now & worth
    searched = rng.random(L) < 0.7  # the launchers whose window the kernel would search
    later = searched & (rng.random(L) < 0.6)
    profitable = rng.random((1, L)) < 0.85
    pk = rng.uniform(0, 1, (1, L))
    value = rng.choice([1e5, 1e7], 1)
    cost = rng.choice([2.5e5, 7.5e5, 3e6, 4e6], L)  # ties among them
    rank = rng.integers(-1, 3, L)
    pair_cap = rng.integers(0, 3, (1, L))
    stop_cap = rng.integers(0, 3, L) if stop else np.zeros(0, np.int64)
    asked = stop_cap > 0 if stop else np.ones(L, bool)
    want = _rows_5_and_6(allowed[0], now, future, later, profitable[0], pk[0], value[0], cost,
                         rank, pair_cap[0], cost_weight, profitable_only)
    verdict = np.zeros(L, np.int64)
    work = np.zeros((3, L), np.int64)

    def rules(known):
        return _row_rules(0, allowed, now, future, known, profitable, pk, value, cost, rank,
                          pair_cap, cost_weight, profitable_only, stop_cap, verdict, work)

    assert rules(np.where(later, _YES, _NO))
    np.testing.assert_array_equal(verdict[asked], np.where(want, _YES, _NO)[asked])
    for _ in range(5):  # some windows not searched: what is decided is right
        known = np.where(searched & (rng.random(L) < 0.5), _UNKNOWN, np.where(later, _YES, _NO))
        rules(known)
        sure = verdict != _UNKNOWN
        np.testing.assert_array_equal(verdict[sure] == _YES, want[sure])
    known = np.where(searched, _UNKNOWN, _NO)  # the kernel's search
    while not rules(known):
        left = np.flatnonzero(known == _UNKNOWN)
        j = left[np.argmin(cost[left])]  # the first of the cheapest
        known[j] = _YES if later[j] else _NO
    np.testing.assert_array_equal((verdict == _YES)[asked], want[asked])
