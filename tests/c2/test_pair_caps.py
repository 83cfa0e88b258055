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


@pytest.fixture
def spy(monkeypatch):
    """Every rounds matrix the WTA units hand to ``orders_from_rounds``, with its options."""
    seen = []
    real = wta.orders_from_rounds

    def record(t, x, opt, tracks, launchers, channels_free):
        seen.append((x.copy(), opt))
        return real(t, x, opt, tracks, launchers, channels_free)

    monkeypatch.setattr(wta, "orders_from_rounds", record)
    return seen


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
