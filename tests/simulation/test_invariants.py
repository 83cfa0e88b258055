"""Simulation invariants: terminal states, inventory, causality, determinism, step size."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airdefense import load_scenario, simulate
from airdefense.simulation import THREAT_STATES
from tests.conftest import EXAMPLES, SMALL_SCENARIO


def check_invariants(res, sc) -> None:
    """Assert every invariant of one run (shared by the tests below)."""
    ev = res.events
    th = res.threats
    # Every threat ends in exactly one terminal state, consistent with the event log.
    assert th.state.isin(THREAT_STATES).all()
    assert th.threat_id.is_unique
    hits = ev[ev.kind == "intercept_hit"].groupby("threat_id").size()
    impacts = ev[ev.kind == "impact"].groupby("threat_id").size()
    assert (hits <= 1).all() and (impacts <= 1).all()
    assert set(hits.index).isdisjoint(impacts.index)
    intercepted = set(th.threat_id[th.state == "intercepted"])
    impacted = set(th.threat_id[th.state == "impacted"])
    assert intercepted == set(hits.index)
    assert impacted == set(impacts.index)
    # A threat never launched has no event; a released munition whose platform was shot down
    # before the release never launches.
    assert th.threat_id[th.state == "not_launched"].isin(ev.threat_id).sum() == 0
    kids = th[th.parent >= 0]
    if len(kids):
        par = th.set_index("threat_id").loc[kids.parent]
        shot = ((par.state.to_numpy() == "intercepted")
                & (par.end_time_s.to_numpy() <= kids.launch_time_s.to_numpy()))
        assert (kids.state.to_numpy()[shot] == "not_launched").all()
        assert set(kids.threat_id[~shot & (kids.launch_time_s < sc.config.duration_s)]) <= set(
            ev.threat_id[ev.kind == "launch"])
    # A platform that flew home after its release (returned) was neither hit nor impacted,
    # and it released its munitions first; the summary counts munitions and platforms.
    ret = th[th.state == "returned"]
    assert ret.reusable.all() and not ret.threat_id.isin(hits.index).any()
    assert not ret.threat_id.isin(impacts.index).any()
    assert (ret.release_time_s < ret.end_time_s).all()
    assert res.summary["platforms_returned"] == len(ret)
    went = kids.state != "not_launched"
    par_state = th.state.to_numpy()[kids.parent.to_numpy()]
    assert res.summary["munitions_released"] == int(went.sum())
    assert res.summary["munitions_cancelled"] == int(
        ((~went).to_numpy() & (par_state == "intercepted")).sum())
    # No launcher fires more interceptors than it holds.
    cap = np.array([u.rounds for u in sc.launchers])
    for j in range(len(sc.launchers)):
        evj = ev[ev.launcher_id == j]
        fires = evj[evj.kind == "fire"]
        reloads = evj[evj.kind == "reload"]
        assert len(fires) <= cap[j] * (1 + len(reloads))
        # Between reloads, at most one load's worth.
        edges = np.concatenate([[-np.inf], reloads.time_s.to_numpy(), [np.inf]])
        counts = np.histogram(fires.time_s, bins=edges)[0]
        assert (counts <= cap[j]).all()
        # Its rounds leave at least one minimum launch interval apart (a cycle's ripple too).
        gap = sc.launchers[j].preset.min_launch_interval_s
        assert (np.diff(fires.time_s.to_numpy()) >= gap - 1e-9).all()
    assert len(res.interceptors) == int((ev.kind == "fire").sum())
    # No event comes before its cause.
    first = ev.groupby(["threat_id", "kind"], observed=True).time_s.min().unstack()
    launched = first.get("launch")
    for later in ("detection", "track_start", "assignment", "fire", "intercept_hit",
                  "intercept_miss", "impact"):
        if later in first and launched is not None:
            both = first[[later]].join(launched.rename("launch")).dropna()
            assert (both[later] >= both["launch"] - 1e-9).all(), later
    if "detection" in first and "track_start" in first:
        both = first[["detection", "track_start"]].dropna()
        assert (both.track_start >= both.detection - 1e-9).all()
    fire = ev[ev.kind == "fire"].set_index("interceptor_id").time_s
    end = ev[ev.kind.isin(["intercept_hit", "intercept_miss", "interceptor_lost"])]
    end = end.set_index("interceptor_id").time_s
    assert end.index.is_unique
    assert (end >= fire.reindex(end.index) - 1e-9).all()
    if (ev.kind.isin(["asset_damaged", "asset_destroyed"])).any():
        first_impact = ev[ev.kind == "impact"].time_s.min()
        dmg = ev[ev.kind.isin(["asset_damaged", "asset_destroyed"])].time_s
        assert (dmg >= first_impact - 1e-9).all()
    assert ev.time_s.is_monotonic_increasing
    # Refused orders fire nothing, and the summary counts them.
    assert res.summary["orders_refused"] == len(res.refused)
    assert list(res.refused.columns) == ["time_s", "track_id", "launcher", "reason"]
    # A disabled battery neither sees (its radars stop) nor fires afterwards.
    for _, d in ev[ev.kind == "battery_disabled"].iterrows():
        b = int(d.battery_id)
        after = ev[(ev.time_s > d.time_s + 1e-9) & (ev.battery_id == b)]
        assert not after.kind.isin(["detection", "fire", "assignment"]).any()


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_keep_invariants(example):
    """Each example run keeps every invariant."""
    sc = load_scenario(EXAMPLES / example)
    res = simulate(sc)
    check_invariants(res, sc)


def test_same_seed_same_event_log(small_scenario):
    """The same seed gives an identical event log; another seed gives a different one."""
    a = simulate(small_scenario, seed=5).events
    b = simulate(small_scenario, seed=5).events
    c = simulate(small_scenario, seed=6).events
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(1, 12),
    interval=st.floats(0.0, 30.0),
    launchers=st.integers(1, 3),
    rounds=st.integers(0, 4),
    salvo=st.integers(1, 2),
    seed=st.integers(0, 2**31),
)
def test_invariants_hold_on_random_raids(count, interval, launchers, rounds, salvo, seed):
    """Random raid sizes, inventories and salvo doctrines never break an invariant."""
    d = copy.deepcopy(SMALL_SCENARIO)
    d["duration_s"] = 900.0
    d["step_s"] = 1.0
    d["raid"]["drones"].update(count=count, salvo_interval_s=interval,
                               launch={"bearing_deg": 90, "range_m": 25000})
    d["batteries"]["srb"]["launchers"] = {"preset": "tor_m2_tlar", "count": launchers,
                                          "interceptors_per_launcher": rounds,
                                          "reload_time_s": 60.0}
    d["batteries"]["srb"]["doctrine"] = {"salvo_size": salvo, "max_rounds_per_threat": 2,
                                         "mode": "shoot_shoot_look"}
    sc = load_scenario(d)
    res = simulate(sc, seed=seed)
    check_invariants(res, sc)
    assert res.summary["threats_launched"] == count


def test_step_size_does_not_change_results(small_scenario_dict):
    """Intercepts over 12 seeds agree within noise at steps of 0.25 s and 1 s."""
    out = {}
    n = 12
    for step in (0.25, 1.0):
        d = copy.deepcopy(small_scenario_dict)
        d["step_s"] = step
        d["duration_s"] = 600.0
        d["raid"]["drones"]["launch"] = {"bearing_deg": 90, "range_m": 16000}
        sc = load_scenario(d)
        out[step] = np.array([simulate(sc, seed=s).summary["intercepted"] for s in range(n)])
    assert out[1.0].mean() > 2  # the battery does engage
    diff = out[0.25].mean() - out[1.0].mean()
    se = np.sqrt(out[0.25].var(ddof=1) / n + out[1.0].var(ddof=1) / n) + 0.1
    assert abs(diff) < 3 * se, (out[0.25], out[1.0])


@pytest.mark.parametrize(("tracking", "solver"), [("full", "greedy"), ("truth", "heuristic"),
                                                  ("full", "heuristic"), ("truth", "exact")])
def test_invariants_with_every_tracker_and_solver(small_scenario_dict, tracking, solver):
    """The full tracker and every assignment solver keep the invariants, and repeat."""
    d = small_scenario_dict
    d["duration_s"] = 700.0
    d["step_s"] = 1.0
    d["raid"]["drones"].update(count=6, launch={"bearing_deg": 90, "range_m": 20000})
    sc = load_scenario(d)
    res = simulate(sc, seed=3, tracking=tracking, solver=solver)
    check_invariants(res, sc)
    assert res.summary["interceptors_fired"] > 0
    # Every solver stops on work limits; the exact solver's clock is only a safety stop.
    assert res.summary["solver_clock_stops"] == 0
    again = simulate(sc, seed=3, tracking=tracking, solver=solver)
    pd.testing.assert_frame_equal(res.events, again.events)


def test_refused_orders_are_listed_and_counted(small_scenario):
    """Orders the fire control turns down (a track out of reach) fire nothing and are reported."""
    from airdefense.c2.base import Orders
    from airdefense.simulation.loop import _Run

    class Reckless:
        """Orders one round from launcher 0 at every confirmed track, every cycle."""

        def decide(self, t, tracks, evaluation, launchers, book, *rest):
            rows = [(int(i), int(k), int(launchers.battery[0]), 0, 1, t + 10.0, np.zeros(3))
                    for i, k, c in zip(tracks.track_id, tracks.truth_id, tracks.confirmed,
                                       strict=True) if c]
            return Orders.from_rows(rows)

    run = _Run(small_scenario, 3, "truth", None)
    run.assigner = Reckless()
    res = run.run()
    assert len(res.refused) > 0
    assert res.summary["orders_refused"] == len(res.refused)
    assert set(res.refused.reason) <= {
        "outside launch window", "minimum launch interval", "no rounds", "no guidance channel",
        "launcher or fire-control radar down", "no track",
        "cancelled before launch: target gone", "cancelled before launch: run ended",
        "cancelled before launch: launcher or fire-control radar down"}
    assert "outside launch window" in set(res.refused.reason)
    fired = res.events[res.events.kind == "fire"]
    assert len(fired) == len(res.interceptors) <= small_scenario.launchers[0].rounds * 4
    assert "orders refused (fire control)" in res.summary_table()


@pytest.mark.parametrize("solver", ["greedy", "heuristic"])
def test_skipping_cycles_where_nothing_can_fire_changes_nothing(small_scenario_dict, solver):
    """The loop skips a decision cycle when no launcher can fire before the next one: the run
    is the same, event for event, as one that decides every cycle (few rounds and a slow
    launch rate, so that such cycles are many)."""
    from airdefense.simulation.loop import _Run

    d = copy.deepcopy(small_scenario_dict)
    for bat in d["batteries"].values():
        launchers = bat["launchers"]
        for ln in launchers if isinstance(launchers, list) else [launchers]:
            ln["count"] = 1
    sc = load_scenario(d)
    runs = []
    for skip in (True, False):
        run = _Run(sc, 4, "truth", solver)
        run.assigner.fires_within_capacity = skip
        runs.append(run.run())
    pd.testing.assert_frame_equal(runs[0].events, runs[1].events)
    pd.testing.assert_frame_equal(runs[0].interceptors, runs[1].interceptors)
    assert len(runs[0].interceptors) > 0


def test_shared_alive_mask_is_the_alive_mask_at_every_step():
    """The alive mask the loop shares between steps (until a launch, an end of flight or a
    kill) equals the mask computed afresh at every step of example 2 (kills and launches
    throughout)."""
    from airdefense.simulation.loop import _Run

    run = _Run(load_scenario(EXAMPLES / "02_layered_city.yaml"), 3, "truth", None)
    shared = run._alive_step
    checked = []

    def check(t):
        got = shared(t).copy()
        np.testing.assert_array_equal(got, run.alive(t))
        checked.append(got.sum())
        return shared(t)

    run._alive_step = check
    res = run.run()
    assert len(checked) > 1000 and (res.threats.state == "intercepted").sum() > 10
    assert len(set(checked)) > 20  # the mask changed many times
