"""One tracker pass a step for all radars: (track, radar) assignment, sequential updates, births."""

import copy

import numpy as np

from airdefense.sensors.base import Detections
from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.gnn import GlobalNearestNeighbour
from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements
from airdefense.tracking.management import SinglePointInitiator, TrackManager
from airdefense.tracking.models import ConstantVelocity
from airdefense.tracking.tracker import MultiTargetTracker, make_tracker
from tests.tracking.test_tracker import _detections

POS_VEL = [0, 1, 3, 4]  # x, y, vx, vy in the Tracks layout


def _tracker(onepass: bool = True, sigma0: float = 30.0) -> MultiTargetTracker:
    return MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, 2)),
                              GlobalNearestNeighbour(pd=0.9, clutter_density=1e-8),
                              initiator=SinglePointInitiator(sigma0),
                              manager=TrackManager((2, 2), 3), onepass=onepass)


def _meas(t, pos, sigma, sensor):
    pos = np.atleast_2d(np.asarray(pos, float))
    sigma = np.broadcast_to(np.asarray(sigma, float), (len(pos),))
    R = np.eye(2)[None] * (sigma**2)[:, None, None]
    return Measurements.cartesian(t, pos, R, sensor=sensor)


def _established(rng):
    """A tracker holding one track of a target at (10 t, 0), after 5 scans of radar 0."""
    trk = _tracker()
    for k in range(5):
        trk.step(float(k), _meas(k, [[10.0 * k, 0.0]] + rng.normal(0, 5, (1, 2)), 5.0, [0]))
    assert len(trk) == 1
    return trk


def test_two_radars_in_one_step_update_one_track_with_both(rng):
    """Both radars' detections update the one track: the information adds up exactly.

    For a linear measurement model the two sequential updates equal the joint update, whose
    inverse covariance is the prior's plus ``H' R_0^-1 H + H' R_1^-1 H`` (closed form); the
    result is tighter than with either detection alone, and no track is started.
    """
    trk = _established(rng)
    prior = copy.deepcopy(trk).step(5.0, _meas(5.0, np.zeros((0, 2)), 1.0, []), scanned=False)
    z = np.array([[50.0, 3.0], [52.0, -4.0]])
    sig = np.array([5.0, 20.0])
    both = copy.deepcopy(trk).step(5.0, _meas(5.0, z, sig, [0, 1]))
    one = [copy.deepcopy(trk).step(5.0, _meas(5.0, z[[i]], sig[i], [i])) for i in (0, 1)]
    assert len(both) == 1
    P0 = prior.P[0][np.ix_(POS_VEL, POS_VEL)]
    P = both.P[0][np.ix_(POS_VEL, POS_VEL)]
    H = np.eye(4)[:2]
    info = np.linalg.inv(P0) + sum(H.T @ H / s**2 for s in sig)
    np.testing.assert_allclose(P, np.linalg.inv(info), rtol=1e-8, atol=1e-10)
    x0 = prior.x[0, POS_VEL]
    x_ref = np.linalg.inv(info) @ (np.linalg.inv(P0) @ x0
                                   + sum(H.T @ z[i] / sig[i] ** 2 for i in (0, 1)))
    np.testing.assert_allclose(both.x[0, POS_VEL], x_ref, rtol=1e-8, atol=1e-6)
    for o in one:
        assert np.trace(P[:2, :2]) < np.trace(o.P[0][:2, :2])


def test_a_track_takes_at_most_one_detection_of_a_radar(rng):
    """Two detections of radar 0 in the gate: the track takes the nearer one only."""
    trk = _established(rng)
    near, far = [50.0, 1.0], [58.0, 6.0]
    two = copy.deepcopy(trk).step(5.0, _meas(5.0, [near, far], 5.0, [0, 0]))
    ref = copy.deepcopy(trk).step(5.0, _meas(5.0, [near], 5.0, [0]))
    assert len(two) == 1  # the other one fell in the gate: no track started on it
    np.testing.assert_allclose(two.x, ref.x, rtol=1e-12)
    np.testing.assert_allclose(two.P, ref.P, rtol=1e-12)


def test_assignment_equals_the_radars_assignments_against_the_same_tracks(rng):
    """(track, radar) rows give each radar's own GNN solution (random dense pictures)."""
    filt = ExtendedKalmanFilter(ConstantVelocity(1.0, 2))
    gnn = GlobalNearestNeighbour(pd=0.9, clutter_density=1e-5)
    gate = ChiSquareGate(0.999)
    conflicts = 0
    for _ in range(20):
        m, k, ns = 30, 60, 3
        x = np.zeros((m, 4))
        x[:, :2] = rng.uniform(0, 2000, (m, 2))
        x[:, 2:] = rng.normal(0, 10, (m, 2))
        P = np.broadcast_to(np.diag([400.0, 400, 100, 100]), (m, 4, 4)).copy()
        state = filt.initiate(x, P)
        sensor = rng.integers(0, ns, k)
        meas = _meas(0.0, rng.uniform(0, 2000, (k, 2)), 15.0, sensor)
        inn = gate(filt, state, meas)
        _, hit, used, _, llr, assigned = gnn.associate_sensors(filt, state, inn, meas, sensor,
                                                               ns)
        hit_ref = np.zeros(m, bool)
        assigned_ref = np.zeros(k, bool)
        per_track = np.zeros(m, int)
        best = np.full(m, np.log1p(-0.9 * 0.999))
        for s in range(ns):
            rows = np.flatnonzero(sensor == s)
            g = meas.take(rows)
            ii = gate(filt, state, g)
            _, h, _, mot, ll = gnn.associate(filt, state, ii, g)
            hit_ref |= h
            assigned_ref[rows[mot[mot >= 0]]] = True
            per_track += h
            best = np.maximum(best, ll)
        conflicts += int((per_track > 1).sum())
        np.testing.assert_array_equal(hit, hit_ref)
        np.testing.assert_array_equal(assigned, assigned_ref)
        np.testing.assert_allclose(llr, best, rtol=1e-12)
        assert assigned.sum() == per_track.sum()  # at most one detection per (track, radar)
        assert (used >= assigned).all()
    assert conflicts > 0  # some tracks took detections of two or three radars


def test_equal_to_per_radar_passes_when_radars_do_not_interact(rng):
    """Radars watching separate targets: one pass and per-radar passes give the same picture."""
    trackers = [_tracker(True), _tracker(False)]
    n = 12
    x0 = np.c_[np.arange(n) * 5000.0, np.zeros(n)]
    v = rng.normal(0, 20, (n, 2))
    sensor = (np.arange(n) >= n // 2).astype(int)  # radar 0: targets 0-5, radar 1: 6-11
    for k in range(15):
        keep = rng.random(n) < 0.9
        z = (x0 + v * k + rng.normal(0, 10, (n, 2)))[keep]
        meas = _meas(float(k), z, 10.0, sensor[keep])
        out = [t.step(float(k), meas) for t in trackers]
        np.testing.assert_array_equal(out[0].track_id, out[1].track_id)
        np.testing.assert_array_equal(out[0].confirmed, out[1].confirmed)
        np.testing.assert_allclose(out[0].x, out[1].x, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(out[0].P, out[1].P, rtol=1e-12, atol=1e-9)
    assert len(out[0]) == n


def test_one_target_first_seen_by_two_radars_starts_one_track():
    """A new target detected by two radars in the same step starts one track, not two."""
    for onepass in (True, False):
        trk = _tracker(onepass, sigma0=50.0)
        tr = trk.step(0.0, _meas(0.0, [[1000.0, 0.0], [1003.0, 2.0]], 10.0, [0, 1]))
        assert len(tr) == 1, onepass
        assert tr.P[0, 0, 0] < 100.0  # both detections: variance below one detection's 100 m^2


def test_same_detections_same_tracks_and_multi_radar_tracks_confirm(rng):
    """The full tracker is deterministic and holds every target seen by three radars.

    (The per-radar mode starts some duplicate tracks here too: the angle noise, 1 mrad, is
    large at 40 km; one pass must not start more.)
    """
    p0 = rng.uniform(-30000, 30000, (6, 3))
    p0[:, 2] = rng.uniform(1000, 8000, 6)
    v = rng.normal(0, 150, (6, 3))
    v[:, 2] = 0
    sensors = np.array([[0.0, 0, 10], [40000, 0, 10], [0, 40000, 10]])
    scans = []
    for k in range(10):
        pos = p0 + v * k
        dets = []
        for i, s in enumerate(sensors):
            d = _detections(pos, s, rng, vel=v)
            d.sensor[:] = i
            d.time_s[:] = k - 0.3 * i  # radars measure at different times within the step
            dets.append(d)
        scans.append(Detections.concatenate(dets))
    out = []
    for onepass in (True, True, False):
        trk = make_tracker(config={"clutter_density": 1e-13})
        trk.onepass = onepass
        out.append([trk.step(float(k), d) for k, d in enumerate(scans)])
    for a, b in zip(out[0], out[1], strict=True):
        np.testing.assert_array_equal(a.track_id, b.track_id)
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.P, b.P)
    last, per_radar = out[0][-1], out[2][-1]
    assert last.confirmed.all()
    assert set(last.truth_id.tolist()) == set(range(6))  # every target held
    assert len(last) <= len(per_radar)  # no more (duplicate) tracks than radar by radar
