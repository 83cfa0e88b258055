"""A track counts only the scans that looked at it (``scanned`` as a mask or a callable)."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.sensors.radar import RadarNetwork
from airdefense.tracking import make_tracker
from airdefense.tracking.gnn import GlobalNearestNeighbour
from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements
from airdefense.tracking.management import TrackManager, TwoPointInitiator
from airdefense.tracking.models import ConstantVelocity
from airdefense.tracking.tracker import MultiTargetTracker
from tests.sensors.test_radar import FRAME, targets, unit


def _fields(mg, i):
    return (int(mg.history[i]), int(mg.scans[i]), int(mg.misses[i]), float(mg.quality[i]),
            float(mg.score[i]), int(mg.truth_id[i]))


def test_record_with_a_mask_leaves_unscanned_tracks_alone():
    """record(scanned=...) records a miss for the scanned track only; the other is unchanged."""
    mg = TrackManager(confirm=(2, 3))
    mg.add(2, np.array([4, 5]), score=np.array([1.0, 2.0]))
    before = _fields(mg, 1)
    mg.record(np.zeros(2, bool), np.array([-1, -1]), 1.0, np.array([-2.0, -2.0]),
              scanned=np.array([True, False]))
    assert _fields(mg, 0) == (0b10, 2, 1, pytest.approx(0.7 * 0.3), -1.0, 4)
    assert _fields(mg, 1) == before
    with pytest.raises(ValueError, match=r"scanned must have the shape of hit \(2,\)"):
        mg.record(np.zeros(2, bool), scanned=np.ones(3, bool))


def _two_track_tracker():
    trk = MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2)),
                             GlobalNearestNeighbour(pd=0.9, clutter_density=1e-9),
                             manager=TrackManager(confirm=(1, 1), delete_misses=2))
    trk.step(0.0, Measurements.cartesian(0.0, [[0.0, 0.0], [1e4, 0.0]], 1.0))
    return trk


def test_tracker_mask_records_scans_only_for_masked_tracks():
    """A per-track mask: the unscanned track keeps its misses; a hit counts even unmasked."""
    trk = _two_track_tracker()
    mg = trk.manager
    for t in (1.0, 2.0, 3.0):  # track 1 is never looked at: it is not deleted
        trk.step(t, Measurements.cartesian(t, [[0.0, 0.0]], 1.0),
                 scanned=np.array([False, False]))
    assert mg.track_id.tolist() == [0, 1]
    assert mg.scans.tolist() == [4, 1] and mg.misses.tolist() == [0, 0]
    trk.step(4.0, Measurements.cartesian(4.0, np.zeros((0, 2)), 1.0),
             scanned=np.array([False, True]))
    assert mg.scans.tolist() == [4, 2] and mg.misses.tolist() == [0, 1]
    trk.step(5.0, Measurements.cartesian(5.0, np.zeros((0, 2)), 1.0),
             scanned=np.array([True, True]))
    assert mg.track_id.tolist() == [0]  # two misses in a row: deleted
    with pytest.raises(ValueError, match=r"scanned must hold one entry per track \(1,\)"):
        trk.step(6.0, Measurements.cartesian(6.0, np.zeros((0, 2)), 1.0),
                 scanned=np.ones(2, bool))


def test_tracker_callable_gets_the_predicted_positions():
    """A callable ``scanned`` receives the tracks' positions at the step's time (z 0 in 2-D)."""
    trk = _two_track_tracker()
    trk.step(1.0, Measurements.cartesian(1.0, [[10.0, 0.0], [1e4, 20.0]], 1.0))
    seen = []

    def looks(pos):
        seen.append(pos.copy())
        return np.zeros(len(pos), bool)

    x_before = trk.state.moments()[0]
    trk.step(3.0, Measurements.cartesian(3.0, np.zeros((0, 2)), 1.0), scanned=looks)
    want = x_before[:, :2] + 2.0 * x_before[:, 2:4]
    np.testing.assert_allclose(seen[0][:, :2], want, rtol=1e-12)
    assert (seen[0][:, 2] == 0).all() and trk.manager.misses.tolist() == [0, 0]


def test_candidate_age_counts_the_scans_that_looked_at_it():
    """A candidate not looked at in a scan moves its scan index: ago counts looks at it."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2))
    ini = TwoPointInitiator(max_speed_mps=100.0)
    ini.births(f, Measurements.cartesian(0.0, [[3.0, 4.0]], 1.0), 0.0, 0)
    assert ini.earlier_candidates(0).shape == (0, 3)  # its own scan: not an earlier one
    for scan, looked in ((1, False), (2, True), (3, False)):
        np.testing.assert_array_equal(ini.earlier_candidates(scan), [[3.0, 4.0, 0.0]])
        ini.not_looked_at(np.array([looked]))
    _, rows, ago, _ = ini.births(f, Measurements.cartesian(4.0, [[63.0, 84.0]], 1.0), 4.0, 4)
    assert rows.tolist() == [0] and ago.tolist() == [2]  # its own look, then scan 2's
    # The new candidate of scan 4 is not an earlier one there; both are in scan 5.
    assert len(ini.earlier_candidates(4)) == 1 and len(ini.earlier_candidates(5)) == 2
    ini.births(f, Measurements.cartesian(4.0, [[900.0, 0.0]], 1.0), 4.0, 4)  # same scan
    assert len(ini.earlier_candidates(4)) == 1


def test_tracker_passes_candidates_to_the_callable_once_per_step():
    """Tracks and earlier candidates go to ``scanned`` in one call; a bad answer is refused."""
    trk = MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2)),
                             GlobalNearestNeighbour(pd=0.9, clutter_density=1e-9),
                             initiator=TwoPointInitiator(max_speed_mps=100.0))
    calls = []

    def looks(pos):
        calls.append(len(pos))
        return np.zeros(len(pos), bool)

    trk.step(0.0, Measurements.cartesian(0.0, [[0.0, 0.0], [5e3, 0.0]], 1.0), scanned=looks)
    trk.step(1.0, Measurements.cartesian(1.0, np.zeros((0, 2)), 1.0), scanned=looks)
    assert calls == [2]  # no track, two candidates of the first scan; nothing in the first
    with pytest.raises(ValueError, match=r"scanned must return one entry per position \(2,\)"):
        trk.step(2.0, Measurements.cartesian(2.0, np.zeros((0, 2)), 1.0),
                 scanned=lambda pos: np.zeros(1, bool))


def _slow_radar_run(scanned_mode, rng):
    """A target seen once per 3 s turn of a rotating radar, tracked in 1 s steps, 3-of-3."""
    net = RadarNetwork([unit("hawk_par", pfa=1e-12)], FRAME)
    trk = make_tracker(config={"confirm": "3/3"})
    st0 = targets(0.0, 30e3, 2000.0, vel=(100.0, 0.0, 0.0))
    starts, ids = [], []
    for k in range(1, 61):
        t = float(k)
        st_ = st0.copy()
        st_[:, :3] += st_[:, 3:] * t
        det = net.scan(t, st_, np.full(1, 50.0), np.ones(1, bool), rng)
        tracks = trk.step(t, det, scanned=net.looked_at if scanned_mode == "looks" else True)
        starts += trk.new_tracks
        ids.append(tracks.track_id[tracks.confirmed].tolist())
    return starts, ids


def test_three_second_radar_target_confirms_and_holds_its_track(rng):
    """Seen every 3rd step: with looked-at scans the track confirms once (3-of-3) and lives to
    the end; counting every step as a scan (the old behaviour) it never confirms."""
    starts, ids = _slow_radar_run("looks", rng)
    assert len(starts) == 1
    first = next(k for k, v in enumerate(ids) if v)
    assert first <= 12  # the third look at most
    assert all(v == [starts[0][0]] for v in ids[first:])
    starts, ids = _slow_radar_run("every step", rng)
    assert starts == [] and not any(ids)


def test_a_track_no_radar_looks_at_coasts_at_most_max_coast_s():
    """A track outside every look records no miss, so only its time since the last hit ends
    it: deleted once that passes max_coast_s, not before; a hit restarts the clock."""
    trk = MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2)),
                             GlobalNearestNeighbour(pd=0.9, clutter_density=1e-9),
                             manager=TrackManager(confirm=(1, 1), delete_misses=2,
                                                  max_coast_s=10.0))
    trk.step(0.0, Measurements.cartesian(0.0, [[0.0, 0.0]], 1.0))
    assert len(trk) == 1
    empty = Measurements.cartesian(0.0, np.zeros((0, 2)), 1.0)
    for t in (2.0, 6.0, 10.0):  # never looked at: coasting
        assert len(trk.step(t, empty, scanned=np.zeros(len(trk), bool))) == 1
    trk.step(10.5, Measurements.cartesian(10.5, [[0.0, 0.0]], 1.0), scanned=True)  # a hit
    assert len(trk.step(20.0, empty, scanned=np.zeros(1, bool))) == 1
    assert len(trk.step(20.6, empty, scanned=np.zeros(1, bool))) == 0  # 10.1 s since the hit
    with pytest.raises(ValueError, match="max_coast_s must be > 0 s, got 0"):
        TrackManager(max_coast_s=0)


def test_make_tracker_coasts_twenty_seconds_by_default(small_scenario_dict):
    """The simulation's full tracker deletes a track 20 s after its last hit; the scenario's
    tracker.max_coast_s changes it."""
    from airdefense import load_scenario

    assert make_tracker().manager.max_coast_s == 20.0
    small_scenario_dict["tracker"] = {"max_coast_s": 8.0}
    assert make_tracker(load_scenario(small_scenario_dict)).manager.max_coast_s == 8.0
