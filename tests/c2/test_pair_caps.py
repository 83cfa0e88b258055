"""The WTA control unit's pair caps: the solver gives no launcher more rounds at a track than
its battery's salvo and rounds left allow, so the orders fire the solver's plan as it is."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from c2_pictures import LAYERED, Picture, drone_wave, make_tracks

from airdefense import load_scenario
from airdefense.c2 import make_assigner, wta
from airdefense.c2.base import EngagementBook

#: Two batteries without layers whose pair caps differ: the Patriot battery fires one round a
#: look (pair cap 1), the Tor battery a salvo of two (pair cap 2, so a track they share may
#: get two rounds); a 6-s decision period lets every launcher ripple three rounds.
MIXED = copy.deepcopy(LAYERED)
MIXED["batteries"]["outer"]["launchers"]["count"] = 1
MIXED["batteries"]["outer"]["doctrine"] = {"mode": "shoot_look_shoot", "max_rounds_per_threat": 2}
MIXED["batteries"]["inner"]["doctrine"] = {"mode": "shoot_shoot_look", "salvo_size": 2,
                                           "max_rounds_per_threat": 2}
MIXED["c2"] = {"decision_period_s": 6.0}


def _decide(name, pic, **kw):
    unit = make_assigner(name, decision_period_s=6.0, cost_weight=0.0, **kw)
    return unit, unit.decide(*pic.args())


@pytest.mark.parametrize("name", ["heuristic", "exact"])
def test_lone_track_gets_its_rounds_from_two_launchers(spy, name):
    """One drone within reach of both batteries: two rounds (its most, the Tor salvo), one
    from the Patriot (its pair cap) and one from a Tor launcher, all of them ordered. Without
    the pair cap the solver gave the Patriot, the best single shot, both, and the orders cut
    one of them."""
    pic = Picture(load_scenario(MIXED), make_tracks([[3000.0, 500.0, 600.0]],
                                                    [[-50.0, 0.0, 0.0]]))
    unit, orders = _decide(name, pic)
    (x, opt), = spy
    assert opt.allowed.all() and opt.pair_cap.tolist() == [[1, 2, 2]]
    assert x.tolist() in ([[1, 1, 0]], [[1, 0, 1]])
    sol, = unit.last_solutions
    assert sol.x.sum() == 2 and (sol.x.T <= opt.pair_cap).all()
    ordered = dict(zip(orders.launcher.tolist(), orders.rounds.tolist(), strict=True))
    assert ordered == {j: 1 for j in np.flatnonzero(x[0]).tolist()}


@pytest.mark.parametrize("name", ["heuristic", "exact"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_round_is_cut_by_a_pair_cap(spy, name, seed):
    """Three drones over both batteries, one already fired at: the solver's rounds are within
    every pair cap, so ``orders_from_rounds`` orders each pair's rounds as they are (no
    channel limit here; the launchers' ripple and the reserve do not bind). Without the pair
    caps the solver gave the Patriot two rounds at a track in each of these cycles."""
    rng = np.random.default_rng(seed)
    tracks = drone_wave(3, rng)
    book = EngagementBook()
    book.fired(int(tracks.track_id[0]), 1, battery=int(rng.integers(0, 2)))
    pic = Picture(load_scenario(MIXED), tracks, book)
    pic.channels[:] = -1                       # no channel limit: the orders are x itself
    unit, orders = _decide(name, pic, rng=np.random.default_rng(seed))
    (x, opt), = spy
    assert (x <= opt.pair_cap).all()
    row = {int(t): i for i, t in enumerate(tracks.track_id)}
    fired = np.zeros_like(x)
    for t, j, n in zip(orders.track_id.tolist(), orders.launcher.tolist(),
                       orders.rounds.tolist(), strict=True):
        fired[row[t], j] = n
    np.testing.assert_array_equal(fired, x)


#: A shoot-look-shoot battery of two launchers that may fire one round per threat, next to a
#: shoot-shoot-look battery (salvo 2) with no layers: a track both reach may get two rounds,
#: but never two from the first battery (docs/c2.md rule 3: its salvo and
#: max_rounds_per_threat bound the battery's rounds, all its launchers together).
SLS_PAIR = copy.deepcopy(LAYERED)
SLS_PAIR["batteries"]["outer"]["launchers"]["count"] = 2
SLS_PAIR["batteries"]["outer"]["doctrine"] = {"mode": "shoot_look_shoot",
                                              "max_rounds_per_threat": 1}
SLS_PAIR["batteries"]["inner"]["doctrine"] = {"mode": "shoot_shoot_look", "salvo_size": 2,
                                              "max_rounds_per_threat": 2}
SLS_PAIR["c2"] = {"decision_period_s": 6.0}


def _per_battery(orders) -> dict:
    """Rounds ordered per (track id, battery)."""
    out: dict = {}
    for t, b, n in zip(orders.track_id.tolist(), orders.battery.tolist(),
                       orders.rounds.tolist(), strict=True):
        out[t, b] = out.get((t, b), 0) + n
    return out


@pytest.mark.parametrize("name", ["greedy", "heuristic", "exact", "wta-greedy"])
def test_a_battery_keeps_its_salvo_over_its_launchers(name):
    """One drone both batteries reach: the Patriot battery (shoot-look-shoot, one round per
    threat) fires at most one round, whichever launchers the solver would pick; the track's
    second round, if any, comes from the Tor battery. Before the fix the heuristic and exact
    solvers gave it one round from each Patriot launcher (the audit's paircap.py)."""
    pic = Picture(load_scenario(SLS_PAIR), make_tracks([[3000.0, 500.0, 600.0]],
                                                       [[-50.0, 0.0, 0.0]]))
    pic.channels[:] = -1
    if name == "wta-greedy":  # the assignment package's greedy solver in the WTA unit
        unit = wta.WTAAssigner("greedy", decision_period_s=6.0)
    else:
        unit = make_assigner(name, decision_period_s=6.0, cost_weight=0.0)
    orders = unit.decide(*pic.args())
    assert len(orders) > 0
    per = _per_battery(orders)
    assert per.get((100, 0), 0) <= 1
    assert per.get((100, 1), 0) <= 2
    if name in ("heuristic", "exact"):  # the best plan: the Patriot's round and a Tor's
        assert per == {(100, 0): 1, (100, 1): 1}


@pytest.mark.parametrize("solver", ["heuristic", "exact"])
def test_mixed_doctrines_end_to_end(solver):
    """Two Tor batteries on one site, one shoot-look-shoot (two launchers, one round per
    threat), one shoot-shoot-look (one launcher, salvo 2), networked, against 12 drones: in
    the event log no battery fires more rounds at a track than its max_rounds_per_threat, and
    no decision orders more of a battery's launchers at a track than its salvo (the audit's
    mixed4.yaml: the first battery fired two rounds at three tracks, one from each launcher)."""
    from airdefense import simulate

    d = copy.deepcopy(LAYERED)
    tor = {"position": {"bearing_deg": 90, "range_m": 1000},
           "sensors": {"preset": "tor_m2_radar", "name": "radar"}}
    d["batteries"] = {
        "a_sls": {**tor, "launchers": {"preset": "tor_m2_tlar", "count": 2},
                  "doctrine": {"mode": "shoot_look_shoot", "max_rounds_per_threat": 1}},
        "b_ssl": {**tor, "launchers": {"preset": "tor_m2_tlar", "count": 1},
                  "doctrine": {"mode": "shoot_shoot_look", "salvo_size": 2,
                               "max_rounds_per_threat": 2}}}
    d["raid"]["drones"].update(count=12, salvo_interval_s=20)
    d["c2"] = {"solver": solver, "decision_period_s": 2.0}
    d["duration_s"] = 1500.0
    res = simulate(load_scenario(d), seed=1, tracking="truth")
    ev = res.events
    fire = ev[ev.kind == "fire"]
    assert len(fire) >= 12
    per = fire.groupby(["track_id", "battery_id"]).size()
    limit = {0: 1, 1: 2}
    over = [(t, b, n) for (t, b), n in per.items() if n > limit[int(b)]]
    assert over == []
    # Per decision: the orders of one cycle (assignment events at one time, each one
    # launcher's rounds) per battery and track.
    asg = ev[ev.kind == "assignment"]
    salvo = {0: 1, 1: 2}
    for (t, trk, b), g in asg.groupby(["time_s", "track_id", "battery_id"]):
        assert len(g) <= salvo[int(b)], (t, trk, b)
