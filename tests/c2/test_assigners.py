"""Contract test: every assigner obeys every constraint of the engagement options."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from c2_pictures import LAYERED, Picture, drone_wave, make_tracks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airdefense.c2 import ASSIGNERS, make_assigner
from airdefense.c2._options import engagement_options
from airdefense.c2.base import EngagementBook


def check_orders(orders, pic: Picture, opt) -> None:
    """Assert the orders respect the options, inventory, channels and reserve."""
    L = pic.launchers
    row = {int(t): i for i, t in enumerate(pic.tracks.track_id)}
    pairs = set()
    per_launcher = np.zeros(len(L), int)
    per_radar = np.zeros(len(pic.channels), int)
    nonballistic = np.zeros(len(pic.sc.batteries), int)
    per_battery: dict = {}  # rounds per (track, battery)
    for q in range(len(orders)):
        i, j, n = row[int(orders.track_id[q])], int(orders.launcher[q]), int(orders.rounds[q])
        assert (i, j) not in pairs
        pairs.add((i, j))
        assert opt.allowed[i, j]
        assert 1 <= n <= opt.pair_cap[i, j]
        assert orders.battery[q] == L.battery[j]
        per_launcher[j] += n
        per_radar[L.fire_control[j]] += n
        key = (i, int(L.battery[j]))
        per_battery[key] = per_battery.get(key, 0) + n
        if not opt.ballistic[i]:
            nonballistic[L.battery[j]] += n
    assert np.all(per_launcher <= opt.cap)
    assert np.all(per_launcher <= L.rounds)
    limited = pic.channels >= 0
    assert np.all(per_radar[limited] <= pic.channels[limited])
    assert np.all(nonballistic <= opt.nonballistic_cap)
    # A battery's rounds at a track, all its launchers together, within its salvo and rounds
    # left there (its launchers' pair cap at the track).
    for (i, b), n in per_battery.items():
        assert n <= opt.pair_cap[i, L.battery == b].max()


#: Batteries of different salvos without layers (so both may engage one track in a cycle):
#: the Patriot battery shoot-look-shoot with one round per threat from two launchers, the Tor
#: battery a salvo of 2; a 6-s cycle lets every launcher ripple three rounds.
MIXED_SALVO = copy.deepcopy(LAYERED)
MIXED_SALVO["batteries"]["outer"]["doctrine"] = {"mode": "shoot_look_shoot",
                                                 "max_rounds_per_threat": 1}
MIXED_SALVO["batteries"]["inner"]["doctrine"] = {"mode": "shoot_shoot_look", "salvo_size": 2,
                                                 "max_rounds_per_threat": 3}
MIXED_SALVO["c2"] = {"decision_period_s": 6.0}


@pytest.fixture(scope="module")
def mixed_salvo():
    from airdefense import load_scenario

    return load_scenario(MIXED_SALVO)


@pytest.mark.parametrize("scenario", ["layered", "mixed_salvo"])
@pytest.mark.parametrize("name", ASSIGNERS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=st.integers(1, 25), seed=st.integers(0, 2**31), fired=st.integers(0, 3),
       networked=st.booleans(), cost_weight=st.sampled_from([0.0, 0.2, 1.0]))
def test_orders_respect_every_constraint(request, scenario, name, m, seed, fired, networked,
                                         cost_weight):
    """Random raids, engagement books and doctrines: no order breaks a rule. With batteries
    of different salvos (``mixed_salvo``), no battery's launchers together exceed its salvo
    or rounds left at a track (before the fix the WTA solvers took one round from each of
    the shoot-look-shoot battery's launchers)."""
    layered = request.getfixturevalue(scenario)
    if scenario == "mixed_salvo":
        # Few tracks, one networked cost-blind problem: the batteries share some tracks.
        m, networked, cost_weight = 1 + m % 6, True, 0.0
    rng = np.random.default_rng(seed)
    tracks = drone_wave(m, rng)
    if m > 2:  # a ballistic track among them
        tracks.x[0] = [15000.0, 0.0, 12000.0, -600.0, 0.0, -900.0]
    book = EngagementBook()
    for tid in tracks.track_id[: min(fired, m)]:
        book.fired(int(tid), 1, battery=int(rng.integers(0, 2)))
        if rng.random() < 0.5:
            book.assessed(int(tid), False)
    pic = Picture(layered, tracks, book)
    # In half the cycles some launchers empty or just fired, in half the radars' channels
    # nearly used up (one left each), so that the orders are cut to them.
    if rng.random() < 0.5:
        pic.launchers.rounds[0] = int(rng.integers(0, 3))
        pic.launchers.last_fire_s[1] = tracks.time_s - float(rng.uniform(0, 4))
    if rng.random() < 0.5:
        pic.channels = np.where(pic.channels > 0, np.minimum(pic.channels, 1), pic.channels)
    kw = dict(networked=networked, cost_weight=cost_weight,
              decision_period_s=layered.config.c2.decision_period_s)
    orders = make_assigner(name, **kw).decide(*pic.args())
    # The WTA units also drop the pairs that cannot pay their cost (rule 5 of the options).
    opt = engagement_options(*pic.args(), **kw, profitable_only=name != "greedy")
    check_orders(orders, pic, opt)


def test_wta_saves_at_least_as_much_as_greedy(layered_dict, rng):
    """On the same options, the exact WTA's expected surviving value is never above greedy's."""
    from airdefense import load_scenario

    for b in ("outer", "inner"):
        layered_dict["batteries"][b]["doctrine"] = {}
    sc = load_scenario(layered_dict)
    for _ in range(5):
        tracks = drone_wave(10, rng)
        out = {}
        for name in ("greedy", "exact"):
            pic = Picture(sc, tracks)
            orders = make_assigner(name).decide(*pic.args())
            opt = engagement_options(*pic.args())
            surv = opt.value.copy()
            row = {int(t): i for i, t in enumerate(tracks.track_id)}
            for q in range(len(orders)):
                i, j = row[int(orders.track_id[q])], int(orders.launcher[q])
                surv[i] *= (1 - opt.pk[i, j]) ** int(orders.rounds[q])
            out[name] = surv.sum()
        assert out["exact"] <= out["greedy"] * (1 + 1e-9)


def test_empty_picture_gives_no_orders(layered):
    """No tracks, no orders."""
    tracks = make_tracks(np.zeros((0, 3)), np.zeros((0, 3)))
    for name in ASSIGNERS:
        pic = Picture(layered, tracks)
        assert len(make_assigner(name).decide(*pic.args())) == 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), cost_weight=st.floats(0.05, 2.0))
def test_unprofitable_pairs_are_in_no_optimal_assignment(seed, cost_weight):
    """The WTA control unit drops pairs with value x pk <= cost_weight x cost: same optimum."""
    from airdefense.assignment import WTAProblem, make_solver

    rng = np.random.default_rng(seed)
    W, T = 3, 4
    values = rng.uniform(0.5, 10.0, T)
    p = rng.uniform(0.1, 0.95, (W, T))
    cost = rng.uniform(0.5, 6.0, W)
    kw = dict(values=values, p=p, copies=rng.integers(1, 3, W), cost=cost,
              cost_weight=cost_weight)
    worth = p * values[None, :] > cost_weight * cost[:, None]
    solver = make_solver("exact")
    full = solver.solve(WTAProblem(**kw))
    pruned = solver.solve(WTAProblem(**kw, allowed=worth))
    assert pruned.objective == pytest.approx(full.objective, rel=2e-4, abs=1e-9)  # MIP gap
    assert not np.asarray(full.x)[~worth].any() or full.objective == pytest.approx(
        WTAProblem(**kw).objective(np.where(worth, full.x, 0)), rel=1e-9, abs=1e-9)
