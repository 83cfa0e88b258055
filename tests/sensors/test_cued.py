"""Cued radars (``scan: cued``): no search, looks only at the targets they are cued on."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from airdefense.sensors.radar import RadarNetwork
from tests.sensors.test_radar import FRAME, targets, unit


def hpi(**upd):
    """A HAWK illuminator, cued (whatever the catalog says), at the origin."""
    return unit("hawk_hpi", **{"scan": "cued", **upd})


def _ring(n, r0, r1, h, seed):
    """``n`` targets at ranges ``r0..r1`` m and height ``h`` m on random bearings, at rest."""
    g = np.random.default_rng(seed)
    brg = g.uniform(0, 2 * np.pi, n)
    r = g.uniform(r0, r1, n)
    return targets(r * np.sin(brg), r * np.cos(brg), h)


def test_uncued_radar_makes_no_look_and_draws_nothing():
    """Without a cue a cued radar makes no look, detection or false alarm, and draws no random
    number (the generator's state is unchanged), even with a high false-alarm probability."""
    net = RadarNetwork([hpi(pfa=1e-2)], FRAME)
    assert net.cued.tolist() == [True] and not net.electronic.any()
    assert net.false_alarm_cells()[0] == 0.0
    assert net.expected_false_alarms_per_scan()[0] == 0.0
    st_ = _ring(50, 5e3, 60e3, 2e3, 1)
    assert net.detection_probability(st_[:, :3], 1.0).min() > 0.3  # all of them in reach
    rng = np.random.default_rng(3)
    before = copy.deepcopy(rng.bit_generator.state)
    for k in range(1, 201):
        d = net.scan(0.5 * k, st_, np.ones(50), np.ones(50, bool), rng)
        assert len(d) == 0
    assert rng.bit_generator.state == before
    assert net.stats == {"looks": 0, "detections": 0, "false_alarms": 0, "merged": 0,
                         "dropped_capacity": 0}
    assert net.sweep_rate()[0] == 0.0 and net.occupancy()[0] == 0.0


def test_cued_target_is_acquired_revisited_dropped_and_reacquired():
    """A strong cued target is detected at the first call, then every ``track_revisit_s``;
    uncued, it leaves the track table and gets no look; cued again, it is looked at once at
    the next call."""
    u = hpi(track_revisit_s=0.5)
    net = RadarNetwork([u], FRAME)
    st_ = targets(np.array([20e3, -15e3]), np.array([0.0, 10e3]), 1000.0)
    rcs = np.full(2, 100.0)  # about 55 dB: Pd 1 - 1e-5 a look
    alive = np.ones(2, bool)
    rng = np.random.default_rng(7)
    net.set_cues([0], [0], n_targets=2)
    times = []
    for k in range(1, 21):  # 0.1 .. 2.0 s
        d = net.scan(0.1 * k, st_, rcs, alive, rng)
        assert d.truth_id.tolist() in ([], [0])
        times += d.time_s.tolist()
    assert np.allclose(times, [0.1, 0.6, 1.1, 1.6], rtol=0, atol=1e-9)
    assert net.tracked.tolist() == [[True, False]]
    occ = u.preset.track_dwell_s / u.preset.track_revisit_s
    assert net.occupancy()[0] == pytest.approx(occ) and net.sweep_rate()[0] == 0.0
    looks = net.stats["looks"]
    assert looks == 4
    net.set_cues([], [])
    for k in range(21, 30):
        assert len(net.scan(0.1 * k, st_, rcs, alive, rng)) == 0
    assert not net.tracked.any() and net.stats["looks"] == looks
    net.set_cues([0, 0], [1, 0])
    d = net.scan(3.05, st_, rcs, alive, rng)
    assert d.truth_id.tolist() == [0, 1] and np.allclose(d.time_s, 3.05, rtol=0, atol=0)
    assert net.tracked.tolist() == [[True, True]]
    assert net.stats["false_alarms"] == 0


def test_cued_detections_follow_the_single_look_pd():
    """One scan cued on half of 3000 targets detects each at the single-look Swerling Pd (sum
    within 5 binomial sigmas) and reports none of the others, with no false alarm."""
    u = hpi(max_tracks=10_000, track_dwell_s=1e-6, range_resolution_m=0.01, beamwidth_deg=0.01)
    net = RadarNetwork([u], FRAME)
    assert net.capacity[0] == 10_000
    n = 3000
    st_ = _ring(n, 20e3, 70e3, 1500.0, 2)
    rcs = np.full(n, 0.1)
    pd = net.detection_probability(st_[:, :3], rcs)[0]
    cued = np.arange(0, n, 2)
    assert 0.2 < pd[cued].mean() < 0.8
    net.set_cues(np.zeros(cued.size, int), cued, n_targets=n)
    d = net.scan(1.0, st_, rcs, np.ones(n, bool), np.random.default_rng(11))
    assert (d.truth_id >= 0).all() and (d.truth_id % 2 == 0).all()
    assert np.unique(d.truth_id).size == len(d)
    sd = np.sqrt((pd[cued] * (1 - pd[cued])).sum())
    assert abs(len(d) - pd[cued].sum()) < 5 * sd
    assert net.stats["looks"] == cued.size and net.stats["false_alarms"] == 0


def test_cued_radar_reports_only_its_cues_and_no_false_alarm():
    """Over 300 calls with random cues (some dead targets, some beyond its reach), a cued radar
    next to a search radar reports only live targets it is cued on, never a false alarm, and
    holds no more than its capacity; the search radar keeps its false alarms."""
    units = [hpi(pfa=1e-3, max_tracks=3), unit("tor_m2_radar", east=2e3, pfa=1e-5)]
    net = RadarNetwork(units, FRAME)
    n = 40
    st_ = _ring(n, 3e3, 100e3, 1000.0, 4)  # some beyond the HPI's 80 km
    g = np.random.default_rng(5)
    rng = np.random.default_rng(6)
    n_cued_det = 0
    n_fa = np.zeros(2, int)
    for k in range(1, 301):
        alive = g.random(n) < 0.8
        cues = g.choice(n, g.integers(0, 6), replace=False)
        net.set_cues(np.r_[np.zeros(cues.size, int), 1, 1], np.r_[cues, 0, 1], n_targets=n)
        d = net.scan(0.25 * k, st_, np.ones(n), alive, rng)
        mine = d.sensor == 0
        assert set(d.truth_id[mine].tolist()) <= set(cues[alive[cues]].tolist())
        assert net.tracked[0].sum() <= 3
        n_cued_det += int(mine.sum())
        n_fa += np.bincount(d.sensor[d.truth_id < 0], minlength=2)
    assert n_cued_det > 100 and net.stats["dropped_capacity"] > 0
    assert n_fa[0] == 0 and n_fa[1] > 0 and n_fa.sum() == net.stats["false_alarms"]


def test_set_cues_ignores_false_tracks_and_checks_radars():
    """set_cues ignores negative and out-of-range targets, clears the previous cues, resizes
    the tables on request, and refuses a bad radar index or unequal lengths."""
    net = RadarNetwork([unit("tor_m2_radar"), hpi()], FRAME)
    net.set_cues([1, 1, 1, 0], [2, -1, 9, 0], n_targets=5)
    assert net.cue.shape == (2, 5)
    assert np.argwhere(net.cue).tolist() == [[0, 0], [1, 2]]
    net.set_cues([1], [4])
    assert np.argwhere(net.cue).tolist() == [[1, 4]]
    net.set_cues([1], [4], n_targets=5)  # same size: the tables are kept
    assert net.cue.shape == (2, 5)
    with pytest.raises(ValueError, match="radar and target must have the same length, got 2 "
                                         "and 1"):
        net.set_cues([1, 1], [0])
    with pytest.raises(IndexError, match="radar index 2 is out of range for 2 radars"):
        net.set_cues([2], [0])
    with pytest.raises(IndexError, match="radar index -1 is out of range for 2 radars"):
        net.set_cues([-1], [0])
    # A scan with another number of targets resizes the tables: the cues go with them.
    net.scan(1.0, _ring(3, 5e3, 9e3, 500.0, 1), np.ones(3), np.ones(3, bool),
             np.random.default_rng(0))
    assert net.cue.shape == (2, 3) and not net.cue.any()


def test_catalog_illuminator_is_cued():
    """The catalog's HAWK illuminator is a cued radar: no search cells, tracks as electronic
    (capacity within its time budget)."""
    u = unit("hawk_hpi")
    assert u.preset.scan == "cued" and u.preset.role == "fire_control"
    net = RadarNetwork([u], FRAME)
    assert net.cued.tolist() == [True] and net.false_alarm_cells().tolist() == [0.0]
    p = u.preset
    budget = int(np.floor(p.track_budget_fraction * p.track_revisit_s / p.track_dwell_s))
    assert net.capacity.tolist() == [min(p.max_tracks, budget)]


def test_a_refused_cue_leaves_the_cues_as_they_were():
    """A radar index out of range anywhere in the pairs raises before any cue changes."""
    net = RadarNetwork([unit("tor_m2_radar"), hpi()], FRAME)
    net.set_cues([1, 0], [4, 2], n_targets=5)
    for radar in ([1, 5], [-3, 1]):
        with pytest.raises(IndexError, match=f"radar index {radar[0] if radar[0] < 0 else 5} "
                                             "is out of range for 2 radars"):
            net.set_cues(radar, [0, 1])
        assert np.argwhere(net.cue).tolist() == [[0, 2], [1, 4]]
