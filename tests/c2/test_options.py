"""Doctrine rules of the engagement options, shown through the orders of every assigner."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from c2_pictures import Picture, drone_wave, make_tracks

from airdefense import load_scenario
from airdefense.c2 import make_assigner
from airdefense.c2._options import engagement_options
from airdefense.c2.evaluation import KINDS

ASSIGNERS = ["greedy", "heuristic", "exact"]


def _orders(sc, tracks, name="greedy", book=None, **kw):
    pic = Picture(sc, tracks, book)
    return make_assigner(name, **kw).decide(*pic.args()), pic


def _battery_of(sc, orders):
    return {sc.batteries[b].name for b in orders.battery}


@pytest.fixture
def wave(rng):
    return drone_wave(12, rng)


@pytest.mark.parametrize("name", ["heuristic", "exact"])
def test_unprofitable_outer_layer_does_not_hold_the_inner_back(layered, wave, name):
    """With cost weighed, a drone no outer round can pay for goes to the cheaper inner layer."""
    pic = Picture(layered, wave)
    L = pic.launchers
    outer = np.array([layered.batteries[b].name == "outer" for b in L.battery])
    kidx = KINDS.index("drone")
    value = pic.evaluation["value"]
    # Half again the weight at which the best outer round just pays for the most valuable drone.
    cw = 1.5 * value.max() * L.pk[outer, kidx].max() / L.unit_cost[outer].min()
    inner_pays = value.max() * L.pk[~outer, kidx].max() > cw * L.unit_cost[~outer].min()
    assert inner_pays  # the case is as intended: only the inner layer can pay
    orders, _ = _orders(layered, wave, name, cost_weight=cw)
    assert len(orders) > 0
    assert _battery_of(layered, orders) == {"inner"}


def test_layered_outer_first_inner_as_backup(layered, layered_dict, wave):
    """The inner layer never fires at a track the outer layer can reach now or later."""
    orders, pic = _orders(layered, wave)
    assert len(orders) > 0
    assert _battery_of(layered, orders) == {"outer"}
    # With the outer battery holding fire, the inner battery takes over.
    layered_dict["batteries"]["outer"]["doctrine"]["hold_fire"] = True
    orders2, _ = _orders(load_scenario(layered_dict), wave)
    assert _battery_of(layered, orders2) <= {"inner"}


@pytest.mark.parametrize("name", ASSIGNERS)
def test_hold_fire_and_engage_list(layered_dict, wave, name):
    """A battery that holds fire, or whose engage list omits the class, does not fire."""
    for b in ("outer", "inner"):
        layered_dict["batteries"][b]["doctrine"]["hold_fire"] = True
    orders, _ = _orders(load_scenario(layered_dict), wave, name)
    assert len(orders) == 0
    for b in ("outer", "inner"):
        layered_dict["batteries"][b]["doctrine"] = {"engage": ["ballistic", "cruise"]}
    orders, _ = _orders(load_scenario(layered_dict), wave, name)
    assert len(orders) == 0


@pytest.mark.parametrize(
    ("zones", "fires"),
    [
        ([{"position": {"bearing_deg": 0, "range_m": 0}, "radius_m": 60000,
           "rule": "hold_fire"}], False),
        ([{"position": {"bearing_deg": 180, "range_m": 80000}, "radius_m": 5000,
           "rule": "weapons_free"}], False),
        ([{"position": {"bearing_deg": 0, "range_m": 0}, "radius_m": 60000,
           "rule": "weapons_free"}], True),
        ([{"position": {"bearing_deg": 180, "range_m": 80000}, "radius_m": 5000,
           "rule": "hold_fire"}], True),
    ],
)
def test_zones(layered_dict, wave, zones, fires):
    """No intercept point inside a hold-fire zone; only inside weapons-free zones if any."""
    for b in ("outer", "inner"):
        layered_dict["batteries"][b]["doctrine"] = {"zones": zones}
    orders, _ = _orders(load_scenario(layered_dict), wave)
    assert (len(orders) > 0) == fires


def test_max_rounds_and_look(layered_dict, rng):
    """Rounds stop at the maximum per threat; a track with shots pending waits for the look."""
    layered_dict["batteries"]["outer"]["doctrine"] = {"max_rounds_per_threat": 2}
    sc = load_scenario(layered_dict)
    tracks = drone_wave(3, rng)
    from airdefense.c2.base import EngagementBook

    book = EngagementBook()
    book.fired(100, 2, battery=0)        # outer spent its two rounds at track 100...
    book.assessed(100, False, battery=0)
    book.assessed(100, False, battery=0)
    book.fired(101, 1, battery=0)        # ...and one round at track 101 is still in flight
    orders, _ = _orders(sc, tracks, book=book)
    engaged = set(orders.track_id.tolist())
    assert 101 not in engaged
    assert not ((orders.track_id == 100) & (orders.battery == 0)).any()
    assert 102 in engaged


def test_autonomous_batteries_do_not_wait_for_each_other(layered_dict, rng):
    """Autonomous batteries only look at their own shots (and so may double up)."""
    for b in ("outer", "inner"):
        layered_dict["batteries"][b]["doctrine"] = {}
    sc = load_scenario(layered_dict)
    tracks = make_tracks([[6000.0, 0.0, 500.0]], [[-50.0, 0.0, 0.0]])
    from airdefense.c2.base import EngagementBook

    book = EngagementBook()
    book.fired(100, 1, battery=0)
    net, _ = _orders(sc, tracks, book=book, networked=True)
    auto, _ = _orders(sc, tracks, book=book, networked=False)
    assert len(net) == 0
    assert set(auto.battery.tolist()) == {1}


def test_reserve_keeps_rounds_for_ballistic(layered_dict, rng):
    """A battery whose stock is all reserve fires only at ballistic tracks."""
    layered_dict["batteries"]["outer"]["doctrine"] = {"reserve_ballistic_rounds": 24}
    layered_dict["batteries"].pop("inner")
    sc = load_scenario(layered_dict)
    orders, _ = _orders(sc, drone_wave(6, rng))
    assert len(orders) == 0
    bal = make_tracks([[15000.0, 0.0, 12000.0]], [[-600.0, 0.0, -900.0]])
    orders, _ = _orders(sc, bal)
    assert len(orders) == 1


@pytest.mark.parametrize("name", ["heuristic", "exact"])
def test_cost_weight_stops_expensive_shots_at_cheap_threats(layered_dict, wave, name):
    """With interceptor cost weighed, a $4M round is not spent on a low-value drone."""
    for b in ("outer", "inner"):
        layered_dict["batteries"][b]["doctrine"] = {}
    sc = load_scenario(layered_dict)
    blind, _ = _orders(sc, wave, name, cost_weight=0.0)
    aware, pic = _orders(sc, wave, name, cost_weight=1.0)
    assert len(blind) > 0
    pac3 = np.flatnonzero(np.array(pic.launchers.interceptor) == "pac3")
    worth = pic.evaluation["value"].max() * pic.launchers.pk.max()
    assert worth < pic.launchers.unit_cost[pac3].min()  # no drone here is worth a PAC-3
    assert not np.isin(aware.launcher, pac3).any()


def test_options_shapes(layered, wave):
    """Options are arrays over tracks x launchers."""
    pic = Picture(layered, wave)
    opt = engagement_options(*pic.args())
    m, L = len(wave), len(pic.launchers)
    assert opt.allowed.shape == opt.pk.shape == opt.pair_cap.shape == (m, L)
    assert opt.cap.shape == (L,)
    assert np.all(opt.pair_cap[~opt.allowed] == 0)


def test_doctrine_changed_between_cycles_is_seen(layered, wave):
    """The doctrine arrays are kept between cycles by value: a battery ordered to hold fire
    in the middle of a run (the same scenario objects, changed in place) stops firing."""
    sc = copy.deepcopy(layered)
    orders, _ = _orders(sc, wave)
    assert len(orders) > 0
    for bu in sc.batteries:
        bu.doctrine.hold_fire = True
    orders, _ = _orders(sc, wave)
    assert len(orders) == 0
    for bu in sc.batteries:
        bu.doctrine.hold_fire = False
        bu.doctrine.engage = ["ballistic"]
    orders, _ = _orders(sc, wave)
    assert len(orders) == 0
