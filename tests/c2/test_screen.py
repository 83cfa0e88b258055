"""The decision cycle's screen (:func:`airdefense.c2.screen_cycle`) tells exactly what the
cycle built in steps would: whether any launcher can fire, and whether any pair is allowed."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from c2_pictures import LAYERED, Picture, drone_wave, make_tracks
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.c2 import firing_capacity, make_assigner, screen_cycle
from airdefense.c2._kernels import (
    _bound_ok,
    _bound_passes,
    _skip_factor,
    _skip_radii,
    _track_threat,
    _value_bound,
    screen_bounds,
    threat_values,
)
from airdefense.c2._options import _allowed_options, _launcher_rows
from airdefense.c2.evaluation import KINDS, TrackClasses, _asset_inputs, evaluate_threats
from airdefense.engagement._kernels import R_FIRE
from airdefense.engagement.damage import DAMAGED_VALUE_FRACTION

_LN2 = np.log(2.0)


@pytest.fixture(scope="module")
def scene():
    return load_scenario(LAYERED)


def _incoming(rng, m: int, r_max_m: float, heading_sd_rad: float) -> np.ndarray:
    """Random track states (m, 6) within ``r_max_m`` of the origin, headed roughly at it."""
    r = rng.uniform(0.0, r_max_m, m)
    az = rng.uniform(0, 2 * np.pi, m)
    head = az + np.pi + rng.normal(0, heading_sd_rad, m)
    speed = rng.uniform(20, 900, m)
    return np.column_stack([r * np.cos(az), r * np.sin(az), rng.uniform(10, 2e4, m),
                            speed * np.cos(head), speed * np.sin(head),
                            rng.uniform(-300, 50, m)])


def _picture(sc, seed: int, m: int) -> Picture:
    """A drone wave 8-30 km out and as many tracks 40-120 km out on random courses."""
    rng = np.random.default_rng(seed)
    near = drone_wave(m, rng)
    r = rng.uniform(4e4, 1.2e5, m)
    az = rng.uniform(0, 2 * np.pi, m)
    head = rng.uniform(0, 2 * np.pi, m)
    far = make_tracks(np.column_stack([r * np.cos(az), r * np.sin(az), np.full(m, 800.0)]),
                      np.column_stack([60 * np.cos(head), 60 * np.sin(head), np.zeros(m)]))
    x = np.vstack([near.x, far.x])
    tracks = make_tracks(x[:, :3], x[:, 3:])
    return Picture(sc, tracks)


def _assets(sc, alive=None, damaged=None) -> tuple:
    a = sc.assets
    alive = np.ones(len(a), bool) if alive is None else alive
    return (a.enu, a.value, alive, a.hardness, a.lethal_radius_m, a.radius_m, None, damaged)


def _in_steps(pic, asg, kind, assets, sensor_ok) -> int:
    """-2: no launcher can fire; 0: no pair allowed; 1: some pair (the cycle in steps)."""
    L, tr, sc = pic.launchers, pic.tracks, pic.sc
    saved = L.operational
    L.operational = saved & sensor_ok[L.fire_control]
    try:
        if not firing_capacity(tr.time_s, L, pic.channels, pic.battery_ok, sc.batteries,
                               asg.decision_period_s).any():
            return -2
        enu, value, alive, hard, radius, area, lethal, damaged = assets
        ev = evaluate_threats(tr.x, enu, value, alive, P=tr.P, asset_hardness=hard,
                              asset_radius_m=radius, asset_area_radius_m=area,
                              lethal_radius_m=lethal, kind_code=kind, asset_damaged=damaged)
        opt = _allowed_options(asg, tr.time_s, tr, ev, L, pic.book, sc.batteries, pic.channels,
                               pic.battery_ok, sc.frame.height_m,
                               profitable_only=asg.options_profitable_only)
        return 0 if opt is None else 1
    finally:
        L.operational = saved


def _screened(pic, asg, kind, assets, sensor_ok, cache=None) -> int:
    n = screen_cycle(asg, pic.tracks.time_s, pic.tracks, kind, pic.launchers, pic.book,
                     pic.sc.batteries, pic.channels, pic.battery_ok, pic.sc.frame.height_m,
                     sensor_ok, assets, cache=cache)
    assert n != -1
    return min(n, 1)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.sampled_from(["greedy", "heuristic"]),
       st.sampled_from([0.0, 0.01, 0.05, 1.0]), st.sampled_from([0.0, 0.5, 0.9, 1.0]),
       st.booleans(), st.booleans(), st.booleans())
def test_screen_agrees_with_the_cycle_in_steps(scene, seed, m, name, cost_weight, q,
                                               radar_down, networked, booked):
    """The same answer as the cycle in steps, with the least threat value at a track's
    exact value or just below it (where the value bound must not cut an eligible track),
    networked or autonomous, with shots booked (awaiting assessment by one battery,
    assessed misses, kills) or none."""
    layered = scene
    pic = _picture(layered, seed, m)
    rng = np.random.default_rng(seed)
    if booked:  # each track: nothing, a shot pending, a miss assessed or a kill
        B = len(layered.batteries)
        for i, what in zip(pic.tracks.track_id.tolist(), rng.integers(0, 4, 2 * m),
                           strict=True):
            b = int(rng.integers(0, B))
            if what > 0:
                pic.book.fired(i, 1, b)
            if what > 1:
                pic.book.assessed(i, what == 3, b)
    kind = rng.integers(0, len(KINDS), 2 * m)
    assets = _assets(layered)
    value = evaluate_threats(pic.tracks.x, *assets[:3], P=pic.tracks.P, asset_hardness=assets[3],
                             asset_radius_m=assets[4], asset_area_radius_m=assets[5],
                             kind_code=kind)["value"]
    v = float(np.quantile(value, q))
    sensor_ok = np.ones(len(layered.sensors), bool)
    if radar_down:
        sensor_ok[0] = False
    for floor in (v, np.nextafter(v, -np.inf), 0.0):
        asg = make_assigner(name, cost_weight=cost_weight, min_threat_value=floor,
                            networked=networked)
        assert _screened(pic, asg, kind, assets, sensor_ok) == _in_steps(pic, asg, kind, assets,
                                                                          sensor_ok)


def test_screen_sees_what_changes_between_cycles(layered):
    """Doctrines and launcher arrays changed in place, or replaced, between two screens are
    seen: the screen follows the cycle in steps through each change."""
    sc = copy.deepcopy(layered)
    pic = _picture(sc, 7, 10)
    kind = np.zeros(20, np.int64)  # drones
    assets = _assets(sc)
    ok = np.ones(len(sc.sensors), bool)
    asg = make_assigner("heuristic", cost_weight=0.05)
    answers = [_screened(pic, asg, kind, assets, ok)]
    assert answers[0] == 1
    L = pic.launchers
    changes = [
        lambda: [setattr(bu.doctrine, "hold_fire", True) for bu in sc.batteries],
        lambda: [setattr(bu.doctrine, "hold_fire", False) for bu in sc.batteries],
        lambda: [setattr(bu.doctrine, "engage", ["ballistic"]) for bu in sc.batteries],
        lambda: [setattr(bu.doctrine, "engage", list(KINDS)) for bu in sc.batteries],
        lambda: setattr(L, "pk", np.zeros_like(L.pk)),  # replaced: no round can pay
        lambda: setattr(L, "pk", np.ones_like(L.pk)),
        lambda: L.rounds.__setitem__(slice(None), 0),  # in place: nothing can fire
    ]
    for change in changes:
        change()
        got = _screened(pic, asg, kind, assets, ok)
        assert got == _in_steps(pic, asg, kind, assets, ok)
        answers.append(got)
    assert answers == [1, 0, 1, 0, 1, 0, 1, -2]


def test_screen_cache_sees_what_a_run_changes(layered):
    """With a cache kept from cycle to cycle (as the simulation keeps one a run), the screen
    follows the cycle in steps through what a run changes between cycles, each change
    flipping the answer: assets damaged (a new ``asset_damaged``: another damage law),
    values left and alive flags replaced, radars and batteries down (in place), shots
    awaiting assessment, rounds spent (in place), another assigner (its least threat
    value) and kill probabilities replaced."""
    sc = copy.deepcopy(layered)
    pic = _picture(sc, 7, 10)
    kind = np.zeros(20, np.int64)  # drones
    a = sc.assets
    n_a = len(a)
    run = {"value": np.asarray(a.value, float).copy(), "alive": np.ones(n_a, bool),
           "damaged": np.zeros(n_a, bool)}
    ok = np.ones(len(sc.sensors), bool)

    def assets():
        return (a.enu, run["value"], run["alive"], a.hardness, a.lethal_radius_m, a.radius_m,
                None, run["damaged"])

    def values(damaged):
        return evaluate_threats(pic.tracks.x, a.enu, run["value"], run["alive"],
                                P=pic.tracks.P, asset_hardness=a.hardness,
                                asset_radius_m=a.lethal_radius_m, asset_area_radius_m=a.radius_m,
                                kind_code=kind, asset_damaged=damaged)["value"]

    # A least threat value that only the damage of every asset lets the cycle reach (a
    # damaged asset's loss law values the tracks more).
    whole, hurt = values(np.zeros(n_a, bool)), values(np.ones(n_a, bool))
    run["damaged"] = np.ones(n_a, bool)
    asg = None
    for f in np.sort(hurt)[::-1] * 0.999:
        if f > whole.max():
            asg = make_assigner("heuristic", cost_weight=0.05, min_threat_value=float(f))
            if _in_steps(pic, asg, kind, assets(), ok) == 1:
                break
    assert asg is not None and _in_steps(pic, asg, kind, assets(), ok) == 1
    L = pic.launchers
    cache: dict = {}

    def track_ids_pending():
        for i in pic.tracks.track_id:
            pic.book.fired(int(i), 1, 0)

    def track_ids_assessed():
        for i in pic.tracks.track_id:
            pic.book.assessed(int(i), False, 0)

    def other_assigner():
        nonlocal asg
        asg = make_assigner("heuristic", cost_weight=0.05,
                            min_threat_value=float(whole.max()) * 2.0)

    changes = [
        lambda: run.__setitem__("damaged", np.zeros(n_a, bool)),  # replaced, as a run does
        lambda: run.__setitem__("damaged", np.ones(n_a, bool)),
        lambda: run.__setitem__("value", run["value"] * 1e-3),
        lambda: run.__setitem__("value", run["value"] * 1e3),
        lambda: run.__setitem__("alive", np.zeros(n_a, bool)),
        lambda: run.__setitem__("alive", np.ones(n_a, bool)),
        lambda: ok.__setitem__(slice(None), False),  # in place, as a run does
        lambda: ok.__setitem__(slice(None), True),
        lambda: pic.battery_ok.__setitem__(slice(None), False),
        lambda: pic.battery_ok.__setitem__(slice(None), True),
        track_ids_pending,
        track_ids_assessed,
        lambda: setattr(L, "pk", np.zeros_like(L.pk)),  # replaced: no round can pay
        lambda: setattr(L, "pk", np.ones_like(L.pk)),
        other_assigner,
        lambda: L.rounds.__setitem__(slice(None), 0),  # in place: nothing can fire
    ]
    answers = [_screened(pic, asg, kind, assets(), ok, cache)]
    for change in changes:
        change()
        got = _screened(pic, asg, kind, assets(), ok, cache)
        assert got == _in_steps(pic, asg, kind, assets(), ok)
        answers.append(got)
    assert answers == [1, 0, 1, 0, 1, 0, 1, -2, 1, -2, 1, 0, 1, 0, 1, 0, -2]
    assert cache  # it was kept


def test_screen_updates_the_classes_as_the_cycle_does(layered):
    """Given the control unit's memory of classes in place of the classes, the screen updates
    it as :meth:`TrackClasses.update` does (the same classes and memory, ids past the
    memory's rows included, where no launcher can fire and where it does not screen), and
    answers as it does with the classes given."""
    pic = _picture(layered, 3, 8)
    assets = _assets(layered)
    ok = np.ones(len(layered.sensors), bool)
    asg = make_assigner("heuristic", cost_weight=0.05)
    steps, fused = TrackClasses(), TrackClasses()
    tr = pic.tracks
    rng = np.random.default_rng(3)
    seen = []
    for cycle in range(8):
        t = tr.time_s + 2.0 * cycle
        x = tr.x.copy()
        x[:, :3] += 2.0 * cycle * x[:, 3:]
        x[:, 3:] *= rng.uniform(0.5, 30.0, (len(tr), 1))  # classes change
        ids = tr.track_id + (5000 if cycle >= 5 else 0)  # past the memory's rows
        pic.tracks = dataclasses.replace(tr, time_s=t, x=x, track_id=ids)
        none = cycle == 3  # no asset: not screened, the classes still updated
        pic.battery_ok[:] = cycle != 6  # no launcher can fire: the classes still updated
        a = assets if not none else (np.zeros((0, 3)),) + assets[1:]
        kind = steps.update(ids, x, t)
        want = _screened(pic, asg, kind, assets, ok) if not none else -1
        n = screen_cycle(asg, t, pic.tracks, fused, pic.launchers, pic.book,
                         layered.batteries, pic.channels, pic.battery_ok,
                         layered.frame.height_m, ok, a)
        assert min(n, 1) == want
        seen.append(min(n, 1))
        np.testing.assert_array_equal(fused.last_codes(), kind)
        np.testing.assert_array_equal(fused.held(ids), steps.held(ids))
        np.testing.assert_array_equal(fused._mem_i[:steps._mem_i.shape[0]], steps._mem_i)
        np.testing.assert_array_equal(fused._mem_f[:steps._mem_f.shape[0]], steps._mem_f)
    assert fused._mem_i.shape[0] > 5000
    assert len(set(steps.last_codes().tolist())) > 1
    assert seen[6] == -2 and seen[3] == -1 and {0, 1} & set(seen)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.booleans(), st.booleans())
def test_value_bound_is_above_every_threat_value(scene, seed, m, with_cov, some_damaged):
    """The bound the screen takes of a track's value is at least its exact value (the
    largest expected loss over the assets, Rice-law discs included), and far tracks' bounds
    are far below the assets' values."""
    rng = np.random.default_rng(seed)
    a = scene.assets
    n_a = len(a)
    enu = np.vstack([a.enu, rng.uniform(-2e4, 2e4, (5, 3)) * [1, 1, 0]])
    value = np.concatenate([a.value, rng.uniform(1e6, 1e9, 5)])
    area = np.concatenate([a.radius_m, rng.choice([0.0, 1e-4, 150.0, 2000.0], 5)])
    alive = rng.random(n_a + 5) < 0.8
    damaged = (rng.random(n_a + 5) < 0.5) if some_damaged else None
    law, enu, value, alive = _asset_inputs(enu, value, alive, None, None, area, None, damaged)
    x = _incoming(rng, m, 6e4, 0.3)
    P = np.zeros((m if with_cov else 0, 6, 6))
    if with_cov:
        P[:, [0, 1, 3, 4], [0, 1, 3, 4]] = rng.uniform(0, 1e5, (m, 4))
    kind = rng.integers(0, len(KINDS), m)
    ballistic = KINDS.index("ballistic")
    _, floats, _ = threat_values(x, P if with_cov else np.zeros((0, 6, 6)), ballistic, law,
                                 enu, value, alive, 0.05, DAMAGED_VALUE_FRACTION, 9.80665, kind,
                                 1.0)
    a_min = _LN2 / np.maximum(np.maximum(law[:, :, 1], law[:, :, 3]), 1e-9) ** 2
    area_max = np.maximum(np.maximum(law[:, :, 0], law[:, :, 2]), 0.0)
    for i in range(m):
        pv = 0.5 * (P[i, 0, 0] + P[i, 1, 1]) if with_cov else 0.0
        vw = 0.5 * (P[i, 3, 3] + P[i, 4, 4]) if with_cov else 0.0
        ub = _value_bound(x, i, pv, vw, kind[i] == ballistic, a_min[kind[i]],
                          area_max[kind[i]], enu, value, alive, 0.05, 9.80665)
        assert ub >= floats[2, i], (i, ub, floats[2, i])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 20), st.booleans(),
       st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0]), st.sampled_from([0.0, 1e-3, 1.0]))
def test_bound_test_stops_where_the_bound_would_pass(scene, seed, m, profit, q, scale):
    """The screen's test of a track's value bound, which stops at the first asset that makes
    it hold and spares the terms that the track's distance shows failing
    (:func:`_skip_factor`, :func:`_skip_radii`), answers as the test of the whole bound: at
    least ``min_value`` (a quantile of the bounds, one ULP below, and a thousandth of it),
    and with costs, some candidate launcher's round paid (kill probabilities 0, negative or
    NaN among them; NaN states and asset values, tracks still or all but still, and spreads
    of every sign, NaN and inf, too)."""
    rng = np.random.default_rng(seed)
    a = scene.assets
    law, enu, value, alive = _asset_inputs(a.enu, a.value, rng.random(len(a)) < 0.8,
                                           a.hardness, a.lethal_radius_m, a.radius_m)
    bounds = screen_bounds(law)
    value = np.where(rng.random(len(a)) < 0.15, np.nan, value)
    x = _incoming(rng, m, 4e4, 0.5)
    x[rng.random(m) < 0.1, 3] = np.nan
    x[rng.random(m) < 0.1, 3:5] *= rng.choice([0.0, 1e-7, 1e-3])  # still or all but still
    kind = rng.integers(0, len(KINDS), m)
    ballistic = KINDS.index("ballistic")
    n_l = 6
    pk = rng.choice([0.0, -0.1, np.nan, 0.3, 0.7, 0.95], (n_l, len(KINDS)))
    if rng.random() < 0.5:  # no negative or NaN kill probability: the costs bound the terms
        pk = np.abs(np.nan_to_num(pk, nan=0.5))
    cost = rng.uniform(1e4, 4e6, n_l)
    cand = rng.random(n_l) < 0.7
    # Spreads (m2, m2/s2): mostly usual, some odd.
    pos_var = np.where(rng.random(m) < 0.8, scale * rng.uniform(0, 1e6, m),
                       rng.choice([-1.0, np.nan, np.inf, 0.0], m))
    vel_var = np.where(rng.random(m) < 0.8, scale * rng.uniform(0, 1e3, m),
                       rng.choice([-1.0, np.nan, np.inf, 0.0], m))
    ub = np.array([_value_bound(x, i, pos_var[i], vel_var[i], kind[i] == ballistic,
                                bounds[0, kind[i]], bounds[1, kind[i]], enu, value, alive, 0.05,
                                9.80665)
                   for i in range(m)])
    v = float(np.nanquantile(np.where(np.isfinite(ub), ub, 0.0), q))
    for floor in (v, np.nextafter(v, -np.inf), 1e-3 * v):
        for i in range(m):
            k = kind[i]
            pk_k = np.ascontiguousarray(pk[:, k])
            want = _bound_ok(ub[i], floor, profit, cand, pk_k, 0.05, cost)
            radii = np.empty(len(value))
            _skip_radii(_skip_factor(floor, profit, pk_k, 0.05, cost), bounds[0, k],
                        bounds[1, k], value, radii)
            for r in (np.zeros(0), radii):
                got = _bound_passes(x, i, pos_var[i], vel_var[i], k == ballistic, bounds[0, k],
                                    bounds[1, k], enu, value, alive, 0.05, 9.80665, floor,
                                    profit, cand, pk_k, 0.05, cost, r)
                assert got == want, (i, ub[i], floor, r.size)


@pytest.mark.parametrize("profit", [False, True])
def test_skip_factor_is_the_least_bound_that_may_pass(profit):
    """:func:`_skip_factor`'s threshold: a bound just above it passes :func:`_bound_ok` with
    some launcher, none at it fails (the largest term it skips, ``value / (e c)``, is its
    threshold over the margins); NaN where no threshold is safe."""
    e_margin = (1.0 + 1e-6) * (1.0 + 1e-8) / np.e
    cost = np.array([1e6, 2.5e5, 4e6])
    pk = np.array([0.5, 0.05, 0.9])
    cand = np.ones(3, bool)
    for floor in (0.0, 1e3, 1e7):
        f = _skip_factor(floor, profit, pk, 0.05, cost)
        thr = max(floor, (0.05 * cost / pk).min()) if profit else floor
        if thr < 1e-6:
            assert np.isnan(f)
            continue
        assert f == pytest.approx(e_margin / thr, rel=1e-15)
        assert not _bound_ok(thr, floor, profit, cand, pk, 0.05, cost)
        assert _bound_ok(thr * (1 + 1e-12), floor, profit, cand, pk, 0.05, cost)
    # A kill probability NaN or negative, or no cost weight: every bound above the floor
    # may pass.
    for bad in (np.nan, -0.1):
        f = _skip_factor(1e3, profit, np.array([0.5, bad, 0.9]), 0.05, cost)
        assert f == pytest.approx(e_margin / 1e3, rel=1e-15)
    assert np.isnan(_skip_factor(np.nan, False, pk, 0.05, cost))
    assert np.isnan(_skip_factor(-1.0, profit, np.array([0.5, -0.1, 0.9]), 0.05, cost))
    assert np.isnan(_skip_factor(1e3, profit, pk, 0.05, np.full(3, np.inf))) == profit


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.booleans(),
       st.sampled_from([0.0, 0.5, 1.0, 1.5]), st.sampled_from([1e-3, 1.0, 100.0]))
def test_threat_with_the_screen_bounds_is_the_threat(scene, seed, m, with_cov, f_damaged,
                                                     scale):
    """A track's threat (:func:`_track_threat`) with the class's :func:`screen_bounds`, which
    pass over assets without their loss law's terms where a cheaper bound (the one at the
    track's spread too) shows them below the largest loss so far, is the threat without them,
    bit for bit: value, asset, time to go, miss and impact point (assets near one another,
    some twice, of values from 0 to 1e9, some NaN, dead or damaged; spreads from none to tens
    of km, some negative, NaN or inf; ``f_damaged`` outside [0, 1] too, where the bounds are
    not used)."""
    rng = np.random.default_rng(seed)
    n_a = 12
    enu = np.column_stack([rng.uniform(-1e4, 1e4, (n_a, 2)), np.zeros(n_a)])
    value = rng.choice([0.0, 1e3, 1e6, 1e9, np.nan], n_a) * rng.uniform(0.5, 1.5, n_a)
    area = rng.choice([0.0, 1e-4, 150.0, 2000.0], n_a)
    alive = rng.random(n_a) < 0.85
    damaged = rng.random(n_a) < 0.5
    twin = rng.integers(0, n_a, 4)  # some assets twice (equal losses: the first is taken)
    enu, value, area, alive, damaged = (np.concatenate([v, v[twin]])
                                        for v in (enu, value, area, alive, damaged))
    order = rng.permutation(n_a + 4)
    enu, value, area, alive, damaged = (v[order] for v in (enu, value, area, alive, damaged))
    law, enu, value, alive = _asset_inputs(enu, value, alive, None, None, area, None, damaged)
    bounds = screen_bounds(law)
    x = _incoming(rng, m, 3e4, 0.3)
    kind = rng.integers(0, len(KINDS), m)
    ballistic = KINDS.index("ballistic")
    out = [[np.zeros(m, np.int64), np.zeros(m), np.zeros(m), np.zeros(m), np.zeros((m, 3))]
           for _ in range(2)]
    for i in range(m):
        pv, vw = ((scale * rng.uniform(0, 1e6), scale * rng.uniform(0, 1e2)) if with_cov
                  else (0.0, 0.0))
        if with_cov and rng.random() < 0.1:  # odd spreads
            pv, vw = rng.choice([-1.0, np.nan, np.inf, 0.0], 2)
        k = kind[i]
        for o, rows in zip(out, ((np.zeros(0), np.zeros(0)), (bounds[0, k], bounds[1, k])),
                           strict=True):
            _track_threat(i, x, pv, vw, k, ballistic, law, enu, value, alive, 0.05, f_damaged,
                          9.80665, o[0], o[2], o[3], o[1], o[4], *rows)
    for a, b in zip(*out, strict=True):
        np.testing.assert_array_equal(a, b)


def test_value_bound_prunes_far_tracks(layered):
    """A track 50 km out flying away from every asset: its bound is below a dollar."""
    a = layered.assets
    law, enu, value, alive = _asset_inputs(a.enu, a.value, np.ones(len(a), bool), a.hardness,
                                           a.lethal_radius_m, a.radius_m)
    x = np.array([[5e4, 0.0, 500.0, 50.0, 0.0, 0.0]])
    a_min = _LN2 / np.maximum(np.maximum(law[:, :, 1], law[:, :, 3]), 1e-9) ** 2
    area_max = np.maximum(np.maximum(law[:, :, 0], law[:, :, 2]), 0.0)
    ub = _value_bound(x, 0, 900.0, 25.0, False, a_min[0], area_max[0], enu, value, alive, 0.05,
                      9.80665)
    assert ub < 1.0
    assert value.max() > 1e8


@pytest.mark.parametrize("name", ["greedy", "heuristic", "exact"])
def test_no_pair_orders_are_empty(name):
    """What an assigner does in a cycle with no allowed pair: no order."""
    asg = make_assigner(name)
    orders = asg.no_pair_orders(10.0)
    assert len(orders) == 0
    assert getattr(asg, "last_solutions", []) == []


def _free_reference(n, active, fire_control, channels, sensor_ok) -> np.ndarray:
    """Free channels per radar: its channels less the active rounds it guides (at least 0),
    -1 where it has no limit, 0 where it is down (counted here with a bincount)."""
    busy = np.bincount(fire_control[:n][active[:n]], minlength=len(channels))
    free = np.where(channels > 0, np.maximum(channels - busy, 0), -1)
    return np.where(sensor_ok, free, 0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["screened", "unscreened", "no fire"]))
def test_screen_writes_the_free_channels_given_the_rounds(scene, seed, case):
    """Given the engagement's rounds (``rounds``), the screen writes the free channels into
    its buffer, whatever its answer (screened, not screened: covariances of another shape,
    no launcher can fire), as a count of the active rounds each radar guides gives them; its
    answer is that of the screen given those channels."""
    rng = np.random.default_rng(seed)
    sc = scene
    pic = _picture(sc, seed % 1000, 6)  # its own launchers
    L = pic.launchers
    S = len(sc.sensors)
    assert (L.channels > 0).any()  # some radar has a channel limit
    n = int(rng.integers(0, 30))
    active = rng.random(n + 5) < 0.7
    fc = rng.integers(0, S, n + 5)
    ok = rng.random(S) < 0.8
    if case == "no fire":
        L.rounds[:] = 0
    tracks = pic.tracks
    if case == "unscreened":
        tracks = dataclasses.replace(tracks, P=np.zeros((len(tracks), 3, 3)))
    asg = make_assigner("heuristic", cost_weight=0.05)
    kind = np.zeros(len(tracks), np.int64)
    buf = np.full(S, 99, np.int64)
    n_got = screen_cycle(asg, tracks.time_s, tracks, kind, L, pic.book, sc.batteries, buf,
                         pic.battery_ok, sc.frame.height_m, ok, _assets(sc), cache={},
                         rounds=(n, active, fc))
    want = _free_reference(n, active, fc, L.channels, ok)
    np.testing.assert_array_equal(buf, want)
    given_chan = screen_cycle(asg, tracks.time_s, tracks, kind, L, pic.book, sc.batteries,
                              want.copy(), pic.battery_ok, sc.frame.height_m, ok, _assets(sc))
    assert n_got == given_chan
    assert (n_got == -1) == (case == "unscreened")
    if case == "no fire":
        assert n_got == -2


@pytest.mark.parametrize(("kind", "speed", "cost_weight"), [
    (0, 50.0, 0.0), (0, 50.0, 0.05), (3, 250.0, 0.05), (1, 800.0, 0.0)])
def test_screen_reach_keeps_every_pair_the_cycle_allows(layered, kind, speed, cost_weight):
    """The screen's reach test (:func:`airdefense.c2._kernels._reach`) drops no track whose
    pair the cycle in steps allows: tracks flying at the inner battery from ranges around
    its fire range plus its reach in time (the least of the launcher's horizon and the
    track's time to go) give the cycle's answer, one by one and all together; some of
    them more than half the horizon's flight beyond the fire range are allowed (a reach
    taken over a shorter time would drop them), the farthest not."""
    sc = copy.deepcopy(layered)
    for bu in sc.batteries:  # the outer layer's long reach would cover every track
        if bu.name == "outer":
            bu.doctrine.engage = ["ballistic"]
    pic = Picture(sc, drone_wave(1, np.random.default_rng(0)))
    lp = _launcher_rows(pic.launchers)
    j = int(np.flatnonzero(pic.launchers.battery == 1)[0])
    fire, horizon = lp[j, R_FIRE], lp[j, 15]
    ox, oy = lp[j, 0], lp[j, 1]
    edge = fire + speed * horizon  # the reach within the horizon from straight ahead
    far = ox + np.linspace(0.5 * fire, edge + 3000.0, 61)
    pos = np.column_stack([far, np.full(far.size, oy + 200.0), np.full(far.size, 300.0)])
    vel = np.tile([-speed, 0.0, 0.0], (far.size, 1))
    asg = make_assigner("heuristic", cost_weight=cost_weight)
    ok = np.ones(len(sc.sensors), bool)
    assets = _assets(sc)
    got = []
    for i in range(far.size):
        one = Picture(sc, make_tracks(pos[i:i + 1], vel[i:i + 1]))
        codes = np.full(1, kind)
        got.append(_screened(one, asg, codes, assets, ok))
        assert got[-1] == _in_steps(one, asg, codes, assets, ok), far[i] - ox
    got = np.array(got)
    every = Picture(sc, make_tracks(pos, vel))
    codes = np.full(far.size, kind)
    assert _screened(every, asg, codes, assets, ok) == _in_steps(every, asg, codes, assets, ok)
    if speed < 300.0:  # slow enough for the inner layer: some allowed only flying in
        assert got[far - ox > fire + 0.5 * speed * horizon].max() == 1
        assert got[far - ox > edge + 100.0].max() == 0
