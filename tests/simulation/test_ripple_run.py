"""End to end: a launcher's rounds of one decision cycle ripple one launch interval apart
(over several tracks with a long decision period; a shoot-shoot-look salvo from one launcher
at the default 2-s period), and the look comes after the whole salvo."""

from __future__ import annotations

import copy

import numpy as np

from airdefense import load_scenario, simulate
from tests.conftest import SMALL_SCENARIO

from .test_invariants import check_invariants


def _one_tor(period_s: float, doctrine: dict, count: int = 6, spacing_s: float = 3.0):
    """The small scenario with one Tor-class launcher (2-s launch interval) and ``count``
    drones launched ``spacing_s`` apart."""
    d = copy.deepcopy(SMALL_SCENARIO)
    d["duration_s"] = 900.0
    d["step_s"] = 1.0
    d["c2"] = {"decision_period_s": period_s, "solver": "greedy"}
    d["batteries"]["srb"]["launchers"] = {"preset": "tor_m2_tlar", "count": 1}
    d["batteries"]["srb"]["doctrine"] = doctrine
    d["raid"]["drones"].update(count=count, salvo_interval_s=spacing_s,
                               launch={"bearing_deg": 90, "range_m": 25000})
    return load_scenario(d)


def test_a_shoot_shoot_look_salvo_from_one_launcher_ripples_at_a_2s_period():
    """Shoot-shoot-look, salvo 2, one launcher, 2-s decisions: each order's two rounds leave
    2 s apart (one launch interval; before, one round, a look of some 20 s, then the next),
    and the track is engaged again only after both rounds are assessed (Tor: 2 s after the
    end game). The drones come 20 s apart, so that the fire-control radar's four channels
    are free for each salvo (a busy radar rightly cuts a salvo to the channels left)."""
    sc = _one_tor(2.0, {"mode": "shoot_shoot_look", "salvo_size": 2,
                        "max_rounds_per_threat": 4}, spacing_s=20.0)
    res = simulate(sc, seed=1)
    check_invariants(res, sc)
    ev = res.events
    dt = sc.launchers[0].preset.min_launch_interval_s
    delay = sc.launchers[0].interceptor.kill_assessment_delay_s
    fires = ev[ev.kind == "fire"]
    ends = ev[ev.kind.isin(["intercept_hit", "intercept_miss", "interceptor_lost"])]
    end_of = dict(zip(ends.interceptor_id, ends.time_s, strict=True))
    pairs = 0
    for _, a in ev[ev.kind == "assignment"].iterrows():
        f = fires[(fires.track_id == a.track_id) & (fires.time_s >= a.time_s - 1e-9)
                  & (fires.time_s <= a.time_s + dt + 1e-9)].time_s.tolist()
        assert f[0] == a.time_s and f[1:] in ([], [a.time_s + dt])
        pairs += len(f) == 2
        # The look: every earlier round at the track was assessed before this order.
        before = fires[(fires.track_id == a.track_id) & (fires.time_s < a.time_s - 1e-9)]
        for i in before.interceptor_id:
            assert end_of[i] + delay <= a.time_s + 1e-9
    assert pairs >= 3


def test_a_long_decision_period_ripples_a_launcher_over_several_tracks():
    """6-s decisions, one launcher (capacity 3 a cycle), shoot-look-shoot: the greedy unit
    gives the launcher rounds at several tracks in one cycle and every one leaves, one
    interval apart (before, all but the first were refused for the minimum launch
    interval)."""
    sc = _one_tor(6.0, {"mode": "shoot_look_shoot", "max_rounds_per_threat": 2}, count=8)
    res = simulate(sc, seed=2)
    check_invariants(res, sc)
    assert "minimum launch interval" not in set(res.refused.reason)
    fires = res.events[res.events.kind == "fire"]
    orders = res.events[res.events.kind == "assignment"]
    dt = sc.launchers[0].preset.min_launch_interval_s
    several = 0
    for t, cycle in orders.groupby("time_s"):
        n = len(cycle)
        got = fires[(fires.time_s >= t - 1e-9) & (fires.time_s < t + 6.0 - 1e-9)]
        # One round per track in this doctrine: the k-th order's round leaves at t + k dt,
        # or was cancelled (its target gone first).
        assert set(got.time_s.round(9)) <= {round(t + k * dt, 9) for k in range(n)}
        several += len(got) >= 2
    assert several >= 2
    assert len(res.interceptors) + (res.refused.reason.str.startswith("cancelled")).sum() \
        >= len(orders)
    assert np.isfinite(res.interceptors.launch_time_s).all()
