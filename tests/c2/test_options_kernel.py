"""The engagement options of the compiled cycle against their NumPy statement, on random
cycles of example 2's defence (zones, books, launcher states and doctrines drawn at random)."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from _reference_options import reference_options, reference_zones_ok
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.c2._kernels import zones_ok
from airdefense.c2._options import (
    _allowed_options,
    _battery_tables,
    _doctrine_table,
    _zone_table,
    engagement_options,
    firing_capacity,
)
from airdefense.c2.base import EngagementBook
from airdefense.c2.evaluation import evaluate_threats
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog
from airdefense.tracking.base import Tracks

EXAMPLE_2 = Path(__file__).resolve().parents[2] / "examples" / "02_layered_city.yaml"


@pytest.fixture(scope="module")
def example_2():
    return load_scenario(EXAMPLE_2)


def _random_zones(batteries, rng):
    for bu in batteries:
        k = int(rng.integers(0, 4))
        bu.zone_enu = np.column_stack([rng.uniform(-3e4, 3e4, (k, 2)), np.zeros(k)])
        bu.zone_radius_m = rng.uniform(2e3, 2e4, k)
        bu.zone_hold = rng.random(k) < 0.5


def _random_tracks(m, rng, t, negative_ids=False):
    kind = rng.choice(["drone", "cruise", "ballistic"], m)
    r = rng.uniform(2e3, 9e4, m)
    az = rng.uniform(0, 2 * np.pi, m)
    speed = np.where(kind == "drone", 50.0, np.where(kind == "cruise", 230.0, 1800.0))
    head = az + np.pi + rng.normal(0, 0.6, m)
    x = np.column_stack([r * np.cos(az), r * np.sin(az),
                         np.where(kind == "ballistic", rng.uniform(5e3, 4e4, m),
                                  rng.uniform(30, 3000, m)),
                         speed * np.cos(head), speed * np.sin(head),
                         np.where(kind == "ballistic", -rng.uniform(300, 1500, m), 0.0)])
    P = np.zeros((m, 6, 6))
    P[:, [0, 1, 2], [0, 1, 2]] = rng.uniform(10, 400, (m, 1)) ** 2
    P[:, [3, 4, 5], [3, 4, 5]] = 25.0
    ids = np.arange(m) * 3 + 7
    if negative_ids:  # ids the book keeps in its dictionaries only
        ids = np.where(rng.random(m) < 0.5, -ids, ids)
    return Tracks(time_s=t, track_id=ids, x=x, P=P,
                  quality=rng.uniform(0.5, 1, m), confirmed=rng.random(m) < 0.9,
                  truth_id=np.arange(m))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.booleans(),
       st.sampled_from([0.0, 0.05, 1.0]), st.booleans(), st.booleans())
def test_options_match_their_numpy_statement(example_2, seed, m, networked, cost_weight,
                                              profitable_only, negative_ids):
    """Every field of the options (allowed pairs, kill probabilities, caps, times of flight,
    intercept points, launcher and reserve caps, values, ballistic tracks) equals the
    reference's, bit for bit, whatever the track ids (negative ones included)."""
    rng = np.random.default_rng(seed)
    sc = copy.deepcopy(example_2)
    _random_zones(sc.batteries, rng)
    for bu in sc.batteries:
        bu.doctrine.reserve_ballistic_rounds = int(rng.integers(0, 3))
    t = 400.0
    tracks = _random_tracks(m, rng, t, negative_ids)
    a = sc.assets
    ev = evaluate_threats(tracks.x, a.enu, a.value, rng.random(len(a)) < 0.9, P=tracks.P,
                          asset_hardness=a.hardness, asset_radius_m=a.lethal_radius_m)
    L = Engagement(sc, EventLog(), np.random.default_rng(0)).launchers
    nL, B = len(L), len(sc.batteries)
    L.rounds[:] = rng.integers(0, 5, nL)
    L.operational[:] = rng.random(nL) < 0.9
    L.last_fire_s[:] = np.where(rng.random(nL) < 0.5, t - rng.uniform(0, 10, nL), -np.inf)
    book = EngagementBook()
    for _ in range(int(rng.integers(0, 3 * m))):
        track, battery = int(rng.choice(tracks.track_id)), int(rng.integers(0, B))
        if rng.random() < 0.6:
            book.fired(track, int(rng.integers(1, 3)), battery)
        else:
            book.assessed(track, bool(rng.random() < 0.3), battery)
    chan = rng.integers(-1, 3, len(sc.sensors))
    battery_ok = rng.random(B) < 0.9
    kw = dict(networked=networked, cost_weight=cost_weight, decision_period_s=2.0,
              profitable_only=profitable_only)
    got = engagement_options(t, tracks, ev, L, book, sc.batteries, chan, battery_ok,
                             sc.frame.height_m, **kw)
    want = reference_options(t, tracks, ev, L, book, sc.batteries, chan, battery_ok,
                             sc.frame.height_m, **kw)
    assert set(want) == set(vars(got))
    for key, arr in want.items():
        np.testing.assert_array_equal(getattr(got, key), arr, err_msg=key)
    # The options of the assigners: the same where some pair is allowed, None otherwise.
    unit = SimpleNamespace(networked=networked, cost_weight=cost_weight, decision_period_s=2.0)
    only = _allowed_options(unit, t, tracks, ev, L, book, sc.batteries, chan, battery_ok,
                            sc.frame.height_m, profitable_only=profitable_only)
    if want["allowed"].any():
        for key, arr in want.items():
            np.testing.assert_array_equal(getattr(only, key), arr, err_msg=key)
    else:
        assert only is None
    # The capacity alone (what lets the loop skip a cycle where nothing can fire).
    np.testing.assert_array_equal(
        firing_capacity(t, L, chan, battery_ok, sc.batteries, 2.0), want["cap"])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 5))
def test_zones_kernel_matches_the_battery_by_battery_statement(example_2, seed, m, L):
    """Hold-fire zones forbid, weapons-free zones (where a battery has any) are required."""
    rng = np.random.default_rng(seed)
    sc = copy.deepcopy(example_2)
    _random_zones(sc.batteries, rng)
    lb = rng.integers(0, len(sc.batteries), L)
    pip = np.concatenate([rng.uniform(-4e4, 4e4, (m, L, 2)), np.zeros((m, L, 1))], axis=2)
    want = reference_zones_ok(pip, sc.batteries, lb)
    np.testing.assert_array_equal(zones_ok(pip, lb, *_zone_table(sc.batteries)), want)


def _assert_tables_fresh(batteries):
    """The kept tables equal those built from the batteries' figures now."""
    doc, zones = _battery_tables(batteries)
    want_doc = _doctrine_table(batteries)
    assert set(doc) == set(want_doc)
    for key, arr in want_doc.items():
        np.testing.assert_array_equal(doc[key], arr, err_msg=key)
    for got, want in zip(zones, _zone_table(batteries), strict=True):
        np.testing.assert_array_equal(got, want)


def test_battery_tables_follow_changes_made_in_place(example_2, rng):
    """The doctrine and zone tables kept between cycles follow every change of the same
    battery objects: fields assigned, the engage list changed in place, a doctrine replaced,
    zones added, changed in place and removed."""
    sc = copy.deepcopy(example_2)
    bats = sc.batteries
    _assert_tables_fresh(bats)
    assert _battery_tables(bats)[0]["hold"].sum() == 0
    bats[0].doctrine.hold_fire = True
    _assert_tables_fresh(bats)
    assert _battery_tables(bats)[0]["hold"].tolist()[0]
    bats[1].doctrine.engage.remove("drone")  # in place: the same list object
    _assert_tables_fresh(bats)
    assert not _battery_tables(bats)[0]["engage"][0, 1]
    bats[1].doctrine.engage.append("drone")
    _assert_tables_fresh(bats)
    assert _battery_tables(bats)[0]["engage"][0, 1]
    bats[2].doctrine = bats[2].doctrine.model_copy(update={"reserve_ballistic_rounds": 3})
    _assert_tables_fresh(bats)
    assert _battery_tables(bats)[0]["reserve"][2] == 3
    _random_zones(bats, rng)
    bats[0].zone_enu = np.array([[1e3, 2e3, 0.0]])
    bats[0].zone_radius_m = np.array([5e3])
    bats[0].zone_hold = np.array([True])
    _assert_tables_fresh(bats)
    bats[0].zone_radius_m *= 2.0  # in place
    _assert_tables_fresh(bats)
    assert _battery_tables(bats)[1][1].tolist()[0] == 1e4
    for bu in bats:
        bu.zone_enu, bu.zone_radius_m, bu.zone_hold = np.zeros((0, 3)), np.zeros(0), np.zeros(
            0, bool)
    _assert_tables_fresh(bats)
    assert _battery_tables(bats)[1][0].shape == (0, 2)
    _assert_tables_fresh(bats[:2])  # fewer batteries
    assert _battery_tables(bats[:2])[0]["hold"].shape == (2,)
