"""Two-point (velocity-gated) track initiation: candidates, the velocity gate, the two-point state."""

import numpy as np
import pytest

from airdefense.errors import InputFileError
from airdefense.tracking.gnn import GlobalNearestNeighbour
from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements
from airdefense.tracking.management import SinglePointInitiator, TrackManager, TwoPointInitiator
from airdefense.tracking.models import ConstantVelocity
from airdefense.tracking.tracker import MultiTargetTracker, TrackerConfig, make_tracker

SIGMA = 5.0


def _tracker(max_speed=100.0, max_age=4.0, confirm=(3, 3), **kw):
    return MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2)),
                              GlobalNearestNeighbour(pd=0.9, clutter_density=1e-6),
                              initiator=TwoPointInitiator(max_speed, max_age, **kw),
                              manager=TrackManager(confirm=confirm))


def _scan(t, pos, ids=None):
    return Measurements.cartesian(t, np.atleast_2d(pos), SIGMA, truth_id=ids)


def test_single_false_alarm_never_starts_a_track():
    """A lone detection is only a candidate; a later one far away (another false alarm) pairs
    with nothing and no track ever appears."""
    trk = _tracker()
    assert len(trk.step(0.0, _scan(0.0, [0.0, 0.0]))) == 0
    assert trk.initiator.candidates == 1
    assert len(trk.step(1.0, _scan(1.0, [5000.0, 0.0]))) == 0
    assert len(trk.step(2.0, _scan(2.0, [-5000.0, 3000.0]))) == 0
    assert trk.initiator.candidates == 3


def test_two_detections_start_a_track_with_the_two_point_velocity():
    """z1 = (0, 0) at t = 0 and z2 = (60, 80) at t = 2: one tentative track at z2 with velocity
    (30, 40) m/s, P_pv = R / dt and P_vv = 2 R / dt^2 (R = sigma^2 I)."""
    trk = _tracker()
    trk.step(0.0, _scan(0.0, [0.0, 0.0], [7]))
    tr = trk.step(2.0, _scan(2.0, [60.0, 80.0], [7]))
    assert len(tr) == 1 and not tr.confirmed[0] and tr.truth_id[0] == 7
    np.testing.assert_allclose(tr.x[0, :4], [60.0, 80.0, 0.0, 30.0], atol=1e-9)  # x y z vx
    np.testing.assert_allclose(tr.x[0, 4], 40.0, atol=1e-9)
    R = SIGMA**2
    x, P = trk.state.x[0], trk.state.P[0]
    np.testing.assert_allclose(x, [60.0, 80.0, 30.0, 40.0])
    np.testing.assert_allclose(np.diag(P), [R, R, 2 * R / 4, 2 * R / 4])
    np.testing.assert_allclose([P[0, 2], P[1, 3], P[0, 1], P[2, 3]], [R / 2, R / 2, 0, 0])
    # The first hit counts in the M-of-N window (one scan earlier): with 3-of-3, the next
    # scan's hit confirms it.
    assert trk.manager.history[0] == 0b11 and trk.manager.scans[0] == 2
    tr = trk.step(3.0, _scan(3.0, [90.0, 120.0]))
    assert tr.confirmed.tolist() == [True]
    assert trk.new_tracks == [(0, -1, 3.0)]


def test_velocity_gate_boundary():
    """|d| <= v_max dt + k sqrt(sigma_1^2 + sigma_2^2): just inside pairs, just outside does not
    (sigma_i^2 the trace of R, here 2 sigma^2)."""
    v, dt, k = 100.0, 2.0, 3.0
    edge = v * dt + k * np.sqrt(4 * SIGMA**2)
    for dist, pairs in ((edge - 0.01, True), (edge + 0.01, False)):
        trk = _tracker(max_speed=v)
        trk.step(0.0, _scan(0.0, [0.0, 0.0]))
        assert (len(trk.step(dt, _scan(dt, [dist, 0.0]))) == 1) is pairs


def test_too_fast_pairs_do_not_start_tracks_and_candidates_expire():
    """A pair implying 200 m/s with v_max = 100 m/s does not pair; a consistent second
    detection after the candidate's max age does not either, and the candidate is dropped."""
    trk = _tracker(max_speed=100.0, max_age=4.0)
    trk.step(0.0, _scan(0.0, [0.0, 0.0]))
    assert len(trk.step(1.0, _scan(1.0, [200.0, 0.0]))) == 0
    ini = TwoPointInitiator(max_speed_mps=100.0, max_age_s=4.0)
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2))
    ini.births(f, _scan(0.0, [0.0, 0.0]), 0.0, 0)
    st, rows, ago, _ = ini.births(f, _scan(5.0, [50.0, 0.0]), 5.0, 1)  # 10 m/s, but 5 s old
    assert rows.size == 0 and st is None
    assert ini.candidates == 1  # only the new one


def test_same_scan_detections_do_not_pair():
    """Two detections of one scan (one radar's pass or another's in the same step) never pair."""
    ini = TwoPointInitiator(max_speed_mps=1000.0)
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2))
    ini.births(f, _scan(0.0, [0.0, 0.0]), 1.0, 3)
    _, rows, _, _ = ini.births(f, _scan(1.0, [10.0, 0.0]), 1.0, 3)
    assert rows.size == 0
    _, rows, ago, _ = ini.births(f, _scan(2.0, [20.0, 0.0]), 2.0, 4)
    assert rows.tolist() == [0] and ago.tolist() == [1]


def test_each_detection_takes_its_nearest_candidate():
    """Two targets 1 km apart moving 50 m/s: each second detection pairs with its own first."""
    ini = TwoPointInitiator(max_speed_mps=3000.0)
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2))
    ini.births(f, _scan(0.0, [[0.0, 0.0], [1000.0, 0.0]]), 0.0, 0)
    st, rows, _, _ = ini.births(f, _scan(1.0, [[1000.0, 50.0], [0.0, 50.0]]), 1.0, 1)
    assert sorted(rows.tolist()) == [0, 1]
    np.testing.assert_allclose(st.x[:, 2:], [[0.0, 50.0], [0.0, 50.0]], atol=1e-9)


def _polar(t, pos, rr, sensor=(0.0, 0.0, 0.0), sig=(10.0, 1e-3, 1e-3, 2.0)):
    pos = np.atleast_2d(np.asarray(pos, float)) - np.asarray(sensor)
    r = np.linalg.norm(pos, axis=1)
    z = np.stack([r, np.mod(np.arctan2(pos[:, 0], pos[:, 1]), 2 * np.pi),
                  np.arcsin(pos[:, 2] / r), np.asarray(rr, float) * np.ones(len(r))], 1)
    R = np.broadcast_to(np.diag(np.square(sig)), (len(r), 4, 4)).copy()
    return Measurements.polar(t, z, R, np.asarray(sensor))


def test_range_rate_updates_the_two_point_velocity():
    """Target on the sensor's north axis (line of sight = y): the two-point y velocity
    (z2 - z1) / dt with variance (R1 + R2) / dt^2 is fused with the range rate by the scalar
    Kalman update written out by hand; the position moves through P_pv."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=3))
    ini = TwoPointInitiator(max_speed_mps=1000.0)
    m1 = _polar(0.0, [0.0, 10000.0, 0.0], -100.0)
    m2 = _polar(1.0, [0.0, 9905.0, 0.0], -100.0)
    ini.births(f, m1, 0.0, 0)
    st, rows, _, _ = ini.births(f, m2, 1.0, 1)
    assert rows.tolist() == [0]
    r1, r2 = m1.pos_cov[0, 1, 1], m2.pos_cov[0, 1, 1]  # range variances (10 m)^2
    y1, y2 = m1.pos[0, 1], m2.pos[0, 1]  # 10000 and 9905 m (unbiased: 1e-6 relative more)
    assert y2 == pytest.approx(9905.0, rel=2e-6) and m2.pos[0, 0] == 0.0
    vy, pvv, ppv = y2 - y1, r1 + r2, r2  # dt = 1
    S = pvv + 2.0**2
    nu = -100.0 - vy
    np.testing.assert_allclose(st.x[0, 4], vy + pvv / S * nu, rtol=1e-9)
    np.testing.assert_allclose(st.x[0, 1], y2 + ppv / S * nu, rtol=1e-9)
    np.testing.assert_allclose(st.P[0, 4, 4], pvv - pvv**2 / S, rtol=1e-9)


def test_range_rate_disagreeing_with_the_pair_rejects_it():
    """The same pair with a measured range rate of +300 m/s (the pair says -95 m/s) does not
    pair: the gap is far beyond k sigma + a_max dt / 2 = about 6 + 50 m/s."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=3))
    ini = TwoPointInitiator(max_speed_mps=1000.0)
    ini.births(f, _polar(0.0, [0.0, 10000.0, 0.0], np.nan), 0.0, 0)
    _, rows, _, _ = ini.births(f, _polar(1.0, [0.0, 9905.0, 0.0], 300.0), 1.0, 1)
    assert rows.size == 0
    # At t = 2, -55 m/s against the pairs' -95 m/s is inside k sigma + a_max dt / 2; the
    # t = 1 candidate's own +300 m/s is not, so the detection pairs with the t = 0 one.
    _, rows, ago, _ = ini.births(f, _polar(2.0, [0.0, 9810.0, 0.0], -95.0 + 40.0), 2.0, 2)
    assert rows.tolist() == [0] and ago.tolist() == [2]


def test_pair_score_is_the_single_point_association_gain():
    """The initial score equals log(Pd N(d; 0, R1 + R2 + dt^2 s_v^2 I)) - log(lambda)
    - log(1 - Pd Pg), computed here with scipy."""
    from scipy.stats import multivariate_normal

    pd, lam, sv, pg = 0.9, 1e-6, 30.0, 0.999
    ini = TwoPointInitiator(max_speed_mps=100.0, score=(pd, lam, sv, pg))
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2))
    ini.births(f, _scan(0.0, [0.0, 0.0]), 0.0, 0)
    _, _, _, llr = ini.births(f, _scan(2.0, [60.0, 80.0]), 2.0, 1)
    cov = 2 * SIGMA**2 * np.eye(2) + 4 * sv**2 * np.eye(2)
    ref = (np.log(pd) + multivariate_normal([0, 0], cov).logpdf([60.0, 80.0]) - np.log(lam)
           - np.log1p(-pd * pg))
    np.testing.assert_allclose(llr, [ref], rtol=1e-12)


def test_two_point_cuts_clutter_tracks_and_keeps_targets(rng):
    """Five 30 m/s targets in uniform clutter (50 false alarms a scan over 10 km x 10 km):
    two-point initiation holds a tenth of the tentative tracks single-point does, and confirms
    every target by scan 6 (single-point: by scan 5)."""
    n, scans = 5, 12
    start = np.stack([np.linspace(1000, 9000, n), np.full(n, 5000.0)], 1)
    vel = np.array([[0.0, 30.0]] * n)
    out = {}
    for method in ("single", "two_point"):
        cfg = TrackerConfig(sigma_m=SIGMA, q=1.0, clutter_density=5e-7, confirm="3/3",
                            initiation=method, max_speed_mps=100.0, candidate_age_s=1.5)
        from airdefense.tracking.tracker import build_tracker

        trk = build_tracker(cfg, ndim=2)
        r = np.random.default_rng(rng.integers(1 << 32))
        tentative, first = [], np.full(n, np.nan)
        for k in range(scans):
            truth = start + k * vel
            z = np.concatenate([truth + r.normal(0, SIGMA, truth.shape),
                                r.uniform(0, 10000, (50, 2))])
            ids = np.concatenate([np.arange(n), np.full(50, -1)])
            tr = trk.step(float(k), Measurements.cartesian(float(k), z, SIGMA, truth_id=ids))
            tentative.append(int((~tr.confirmed).sum()))
            got = np.unique(tr.truth_id[tr.confirmed & (tr.truth_id >= 0)])
            first[got[np.isnan(first[got])]] = k
        out[method] = (np.mean(tentative[2:]), first)
    assert out["two_point"][0] < 0.1 * out["single"][0]
    assert np.nanmax(out["single"][1]) <= 5 and np.nanmax(out["two_point"][1]) <= 6
    assert not np.isnan(out["two_point"][1]).any()


def test_config_initiation_choices():
    """`initiation` is one of single/two_point; make_tracker uses two_point; bad values name
    the field."""
    assert isinstance(make_tracker().initiator, TwoPointInitiator)
    assert not isinstance(make_tracker(config={"initiation": "single"}).initiator,
                          TwoPointInitiator)
    with pytest.raises(InputFileError, match="initiation: must be one of"):
        TrackerConfig.from_dict({"initiation": "three_point"})
    with pytest.raises(InputFileError, match="max_speed_mps: must be > 0 m/s"):
        TrackerConfig.from_dict({"max_speed_mps": 0})
    with pytest.raises(ValueError, match="max_age_s must be finite and > 0 s, got -1"):
        TwoPointInitiator(max_age_s=-1)


def test_same_input_same_tracks(rng):
    """The two-point tracker is deterministic: the same detections give the same tracks."""
    scans = [(float(k), rng.uniform(0, 2000, (20, 2))) for k in range(8)]
    res = []
    for _ in range(2):
        trk = _tracker(max_speed=300.0)
        for t, z in scans:
            tr = trk.step(t, _scan(t, z))
        res.append((tr.track_id.copy(), tr.x.copy()))
    assert len(res[0][0]) > 0
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


def test_first_hit_outside_the_window_is_not_counted():
    """A candidate N or more scans old adds no hit: the track is born with one, as a
    single-point track (2-of-3: deleted after two misses)."""
    mg = TrackManager(confirm=(2, 3), confirm_llr=100.0)  # no confirmation here
    mg.add(3, np.full(3, -1), ago=np.array([1, 2, 3]))
    assert mg.history.tolist() == [0b11, 0b101, 0b1] and mg.scans.tolist() == [2, 3, 1]
    P = np.zeros((3, 4, 4))
    mg.record(np.zeros(3, bool))  # windows 0b110, 0b010, 0b10
    assert mg.doomed(P, 2).tolist() == [False, True, False]
    mg.record(np.zeros(3, bool))  # 0b100, -, 0b100
    assert mg.doomed(P, 2).tolist() == [True, True, True]


def test_born_confirmed_when_hits_and_score_suffice():
    """With 2-of-3 and a score rule of 6.8, a two-point track of score 7 is born confirmed (at
    the given time); one of score 5 is born tentative; a single-point one needs more hits."""
    mg = TrackManager(confirm=(2, 3), confirm_llr=6.8)
    mg.add(2, np.array([4, 5]), ago=np.array([1, 1]), score=np.array([7.0, 5.0]), time_s=12.0)
    mg.add(1, np.array([6]), score=np.array([9.0]), time_s=12.0)
    assert mg.confirmed.tolist() == [True, False, False]
    np.testing.assert_array_equal(mg.confirm_time, [12.0, np.nan, np.nan])


def _cv_q(q: float, dt: float, n: int) -> np.ndarray:
    """Closed-form white-noise-acceleration Q over dt, (2n, 2n): q [dt^3/3, dt^2/2; dt^2/2, dt]
    per axis."""
    one = q * np.array([[dt ** 3 / 3, dt ** 2 / 2], [dt ** 2 / 2, dt]])
    return np.kron(one, np.eye(n))


def _two_point_at_step(filt, n: int, off: float):
    """A two-point track from Cartesian rows at 0 s and 0.6 s (sigma 5 m), the second with
    offset ``off`` from a step at 0.6 - off s; returns the state and the closed-form moments
    before the move's noise: ``F x0``, ``F P0 F'``."""
    ini = TwoPointInitiator(max_speed_mps=3000.0)
    p1, p2 = np.zeros(n), np.r_[600.0, 800.0, 100.0][:n]
    m1 = Measurements.cartesian(0.0, [p1], 5.0)
    m1.offset_s = np.zeros(1)
    ini.births(filt, m1, 0.0, 0)
    m2 = Measurements.cartesian(0.6, [p2], 5.0)
    m2.offset_s = np.array([off])
    st, rows, _, _ = ini.births(filt, m2, 0.6 - off, 1)
    assert rows.tolist() == [0]
    dt, E = 0.6, np.eye(n)
    P0 = np.block([[25 * E, 25 / dt * E], [25 / dt * E, 50 / dt ** 2 * E]])
    F = np.block([[E, -off * E], [0 * E, E]])
    v = (p2 - p1) / dt
    return st, np.r_[p2 - off * v, v], F @ P0 @ F.T


def test_two_point_track_moved_to_the_step_gets_q():
    """A new track moved forward by tau to the step's time: covariance ``F P0 F' + Q(tau)``
    with the model's closed-form white-noise-acceleration ``Q`` (before: ``F P0 F'`` only,
    113 m too little position sigma per axis for the 20 g manoeuvre mode over 1 s)."""
    q, tau = 50.0, 0.4
    st, x, P = _two_point_at_step(ExtendedKalmanFilter(ConstantVelocity(q, ndim=2)), 2, -tau)
    assert np.allclose(st.x[0], x)
    assert np.allclose(st.P[0], P + _cv_q(q, tau, 2), rtol=1e-12, atol=1e-9)
    st, x, P = _two_point_at_step(ExtendedKalmanFilter(ConstantVelocity(q, ndim=2)), 2, 0.0)
    assert np.allclose(st.P[0], P, rtol=1e-12, atol=1e-9)  # no move, no noise


def test_two_point_track_imm_models_each_get_their_q():
    """Full mode's IMM (CV, CT, ballistic at q = 5, manoeuvre mode at q_m): each model's
    position-velocity block is ``F P0 F' + Q_j(tau)``, the manoeuvre mode's scaled by its
    limit ``min(1, a^2 tau / q_m)``, ``a = max(omega_max (|v| + 2 sqrt(tr P_vv)), g0)``."""
    trk = make_tracker()
    filt, tau = trk.filter, 0.7
    st, x, P = _two_point_at_step(filt, 3, -tau)
    lim = filt.maneuver
    qm = filt.models[lim.model].q
    v = np.linalg.norm(x[3:6]) + 2 * np.sqrt(np.trace(P[3:6, 3:6]))
    a = max(lim.turn_rate_radps * v, 9.80665)
    for j, q in enumerate([5.0, 5.0, 5.0, qm * min(1.0, a * a * tau / qm)]):
        assert np.allclose(st.x[0, j, :6], x)
        assert np.allclose(st.P[0, j, :6, :6], P + _cv_q(q, tau, 3), rtol=1e-12, atol=1e-9), j


def test_single_point_track_moved_to_the_step_gets_q():
    """The one-point initiator's track moved by tau: ``F P0 F' + Q(tau)`` too."""
    q, tau, s = 2.0, 0.5, 30.0
    filt = ExtendedKalmanFilter(ConstantVelocity(q, ndim=2))
    m = Measurements.cartesian(1.5, [[100.0, 200.0]], 5.0)
    m.offset_s = np.array([-tau])
    st = SinglePointInitiator(speed_sigma_mps=s).initiate(filt, m)
    E = np.eye(2)
    P0 = np.block([[25 * E, 0 * E], [0 * E, s ** 2 * E]])
    F = np.block([[E, tau * E], [0 * E, E]])
    assert np.allclose(st.P[0], F @ P0 @ F.T + _cv_q(q, tau, 2), rtol=1e-12)
