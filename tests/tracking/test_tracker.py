"""The composed tracker: consistency, the Tracks contract, polar and multi-radar input."""

import numpy as np
import pytest

from airdefense.errors import InputFileError
from airdefense.sensors.base import Detections, enu_to_polar
from airdefense.tracking.base import Tracks
from airdefense.tracking.gnn import GlobalNearestNeighbour
from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements
from airdefense.tracking.management import SinglePointInitiator, TrackManager
from airdefense.tracking.metrics import chi2_interval, nees
from airdefense.tracking.models import ConstantVelocity
from airdefense.tracking.tracker import (
    MultiTargetTracker,
    TrackerConfig,
    build_tracker,
    make_tracker,
)
from tests.tracking.conftest import cartesian_scan, cv_truth


def test_nees_consistent_on_constant_velocity_scenario(rng):
    """Through the whole tracker (birth, gating, GNN), CV NEES lies in the 95% chi-square bounds.

    150 separated NCV targets (q = 1), sigma = 10 m, Pd = 1, no clutter; velocities drawn from
    the initiator's prior; a wide gate so that no detection falls outside and starts a new track. The ensemble mean NEES (4 dof) is inside the 95% interval at >= 85%
    of the steps, and the grand mean inside it too.
    """
    n, steps, sigma = 150, 60, 10.0
    truth = cv_truth(rng, n, steps, q=1.0, speed_sigma=30.0)
    trk = MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, 2)),
                             GlobalNearestNeighbour(pd=0.99, clutter_density=1e-9, pg=1 - 1e-7),
                             initiator=SinglePointInitiator(30.0),
                             manager=TrackManager((2, 2), 3))
    avg = []
    for k in range(steps):
        tr = trk.step(float(k), cartesian_scan(rng, float(k), truth[k, :, :2], sigma,
                                               np.arange(n)))
        if k >= 5:
            assert (np.sort(tr.truth_id) == np.arange(n)).all()
            xt = truth[k, tr.truth_id]
            est = tr.x[:, [0, 1, 3, 4]]
            P = tr.P[:, [0, 1, 3, 4]][:, :, [0, 1, 3, 4]]
            avg.append(nees(xt, est, P).mean())
    avg = np.array(avg)
    lo, hi = chi2_interval(4, n)
    assert np.mean((avg >= lo) & (avg <= hi)) >= 0.85, avg
    assert lo <= avg.mean() <= hi


def test_tracks_all_targets_in_clutter(rng):
    """With Pd 0.9 and 1,000 clutter points a scan, every target ends with a confirmed track.

    Each 3/3-confirmed clutter track dies after 3 misses; a few are alive at any time.
    """
    n, steps, sigma, side = 20, 30, 10.0, 20000.0
    truth = cv_truth(rng, n, steps, q=1.0, spacing=1000.0, speed_sigma=10.0)
    cfg = TrackerConfig(sigma_m=sigma, clutter_density=2.5e-6, speed_sigma_mps=30.0)
    trk = build_tracker(cfg, ndim=2)
    for k in range(steps):
        det = rng.random(n) < 0.9
        nc = rng.poisson(2.5e-6 * side**2)
        pos = np.concatenate([truth[k, det, :2], rng.uniform(0, side, (nc, 2))])
        ids = np.concatenate([np.flatnonzero(det), np.full(nc, -1)])
        z = pos + rng.normal(0, sigma, pos.shape) * (ids >= 0)[:, None]
        tr = trk.step(float(k), Measurements.cartesian(float(k), z, sigma, truth_id=ids))
    conf = tr.select(tr.confirmed)
    assert set(conf.truth_id[conf.truth_id >= 0].tolist()) == set(range(n))
    assert (conf.truth_id < 0).sum() <= n
    assert len(np.unique(conf.track_id)) == len(conf)


def _detections(pos, sensors, rng, sig=(100.0, 1e-6, 1e-6, 1.0), vel=None):
    """Polar detections of positions (k, 3) from one radar; sig holds the noise variances."""
    k = len(pos)
    pol = enu_to_polar(pos, sensors)
    rr = np.full(k, np.nan) if vel is None else np.einsum(
        "ki,ki->k", pos - sensors, vel) / pol[:, 0]
    z = np.column_stack([pol, rr]) + rng.normal(size=(k, 4)) * np.sqrt(sig)
    R = np.broadcast_to(np.diag(sig), (k, 4, 4)).copy()
    if vel is None:
        R[:, 3, :] = R[:, :, 3] = np.nan
    return Detections(time_s=np.zeros(k), sensor=np.zeros(k, int), z=z, R=R,
                      sensor_enu=np.broadcast_to(sensors, (k, 3)).copy(), snr_db=np.full(k, 20.0),
                      truth_id=np.arange(k))


def test_polar_detections_and_contract(rng):
    """Radar detections give Tracks with the documented shapes and ENU states near the truth."""
    trk = make_tracker()
    p0 = np.array([[20000.0, 30000, 3000], [-15000, 25000, 500]])
    v = np.array([[-200.0, 0, 0], [0, -50, 0]])
    for k in range(6):
        pos = p0 + v * k
        d = _detections(pos, np.zeros(3), rng, vel=v)
        d.time_s[:] = k
        tr = trk.step(float(k), d)
    assert isinstance(tr, Tracks) and tr.x.shape == (2, 6) and tr.P.shape == (2, 6, 6)
    assert tr.confirmed.all() and (tr.quality >= 0).all() and (tr.quality <= 1).all()
    o = np.argsort(tr.truth_id)
    assert np.allclose(tr.x[o, :3], p0 + v * 5, atol=150)
    assert np.allclose(tr.x[o, 3:], v, atol=30)
    assert [t[0] for t in trk.new_tracks] == [] and trk.manager.next_id == 2


def test_two_radars_fuse_into_one_picture(rng):
    """Two radars seeing the same targets update the same tracks, with no duplicates."""
    trk = make_tracker(config={"clutter_density": 1e-13})
    p0 = np.array([[20000.0, 30000, 3000], [-15000, 25000, 500], [0, 40000, 8000]])
    v = np.array([[-200.0, 0, 0], [0, -50, 0], [100, 100, 0]])
    s1, s2 = np.array([0.0, 0, 10]), np.array([30000.0, 0, 10])
    for k in range(8):
        pos = p0 + v * k
        a, b = _detections(pos, s1, rng), _detections(pos, s2, rng)
        b.sensor[:] = 1
        a.time_s[:] = b.time_s[:] = k
        tr = trk.step(float(k), Detections.concatenate([a, b]))
    assert len(tr) == 3 and tr.confirmed.all()
    assert sorted(tr.truth_id.tolist()) == [0, 1, 2]


def test_steps_without_scan_count_no_miss(rng):
    """Steps with no detections predict but do not count misses, unless scanned=True."""
    trk = build_tracker(TrackerConfig(confirm="1/1", delete_misses=1), ndim=2)
    trk.step(0.0, Measurements.cartesian(0.0, [[0.0, 0.0]], 10.0))
    tr = trk.step(0.5, Detections.empty())
    assert len(tr) == 1 and tr.time_s == 0.5
    assert len(trk.step(1.0, Measurements.cartesian(1.0, np.zeros((0, 2)), 10.0),
                        scanned=True)) == 0


def test_time_must_not_go_backwards():
    """A step before the previous one is refused with both times."""
    trk = build_tracker(TrackerConfig(), ndim=2)
    trk.step(5.0, Measurements.cartesian(5.0, [[0.0, 0.0]], 10.0))
    with pytest.raises(ValueError, match=r"time_s must not go backwards: got 4.0 s after 5.0 s"):
        trk.step(4.0, Measurements.cartesian(4.0, [[0.0, 0.0]], 10.0))


def test_iterates_over_a_detector(rng):
    """Iterating a tracker with a detector yields (time, Tracks) per scan."""
    scans = [(float(t), Measurements.cartesian(float(t), [[5.0 * t, 0.0]], 5.0))
             for t in range(4)]
    trk = MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, 2)),
                             GlobalNearestNeighbour(0.9, 1e-6), detector=scans)
    out = list(trk)
    assert [t for t, _ in out] == [0.0, 1.0, 2.0, 3.0]
    assert out[-1][1].confirmed.tolist() == [True]


@pytest.mark.parametrize("motion,assoc,filt", [("imm", "jpda", "ukf"), ("ca", "gnn", "ekf"),
                                               ("ct", "jpda", "ekf")])
def test_other_configurations_track(rng, motion, assoc, filt):
    """Every filter/motion/associator choice tracks separated targets to within a few sigma."""
    n = 5
    truth = cv_truth(rng, n, 15, q=1.0, speed_sigma=20.0)
    trk = build_tracker(TrackerConfig(motion=motion, associator=assoc, filter=filt,
                                      clutter_density=1e-8), ndim=2)
    for k in range(15):
        tr = trk.step(float(k), cartesian_scan(rng, float(k), truth[k, :, :2], 10.0,
                                               np.arange(n)))
    assert tr.confirmed.sum() == n
    err = np.linalg.norm(tr.x[:, :2] - truth[-1, tr.truth_id, :2], axis=1)
    assert (err < 40).all()


@pytest.mark.parametrize(("key", "value", "match"), [
    ("pd", 1.5, r"pd: must be in \(0, 1\), got 1.5"),
    ("confirm", "4/3", "confirm: must be M/N with 1 <= M <= N <= 62, got '4/3'"),
    ("motion", "zigzag", "motion: must be one of"),
    ("q", "fast", "q: must be a float, got 'fast'"),
    ("q", True, "q: must be a number, got True"),
    ("delete_misses", 2.7, "delete_misses: must be an integer, got 2.7"),
    ("delete_misses", "x", "delete_misses: must be an integer, got 'x'"),
    ("delete_misses", False, "delete_misses: must be an integer, got False"),
    ("confirm", 3, "confirm: must be text, got 3"),
    ("filter", ["ekf"], r"filter: must be text, got \['ekf'\]"),
    ("colour", 1, "colour: unknown setting"),
])
def test_config_rules(key, value, match):
    """Each bad setting is refused naming the field, the rule and the value."""
    with pytest.raises(InputFileError, match=match):
        TrackerConfig.from_dict({key: value}, source="t.yaml")


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("delete_misses", 4.0, 4), ("delete_misses", "5", 5), ("q", 2, 2.0), ("pd", "0.8", 0.8),
    ("confirm_llr", "-inf", -np.inf), ("clutter_density", "1e-6", 1e-6),
])
def test_config_reads_numbers_without_loss(key, value, expected):
    """Whole floats are integers, numbers written as text (YAML's 1e-6) are read."""
    cfg = TrackerConfig.from_dict({key: value})
    got = getattr(cfg, key)
    assert got == expected and type(got) is type(expected)


def test_detections_before_the_step_time_are_placed_in_time(rng):
    """Fast targets seen at different times within a step are tracked where they are then.

    One radar sees target 0 0.9 s and target 1 0.1 s before each step time. Taking both at the
    radar's mean time would misplace each by 0.4 s, about 600 m at 1.5 km/s.
    """
    trk = make_tracker()
    p0 = np.array([[60000.0, 40000, 20000], [-50000.0, 45000, 15000]])
    v = -1500.0 * p0 / np.linalg.norm(p0, axis=1, keepdims=True) + np.array([0.0, 50, -30])
    lag = np.array([0.9, 0.1])
    for k in range(1, 12):
        d = _detections(p0 + v * (k - lag)[:, None], np.zeros(3), rng, vel=v)
        d.time_s[:] = k - lag
        tr = trk.step(float(k), d)
    assert len(tr) == 2 and tr.confirmed.all()
    o = np.argsort(tr.truth_id)
    assert (np.linalg.norm(tr.x[o, :3] - (p0 + v * 11), axis=1) < 200.0).all()
    assert (np.linalg.norm(tr.x[o, 3:] - v, axis=1) < 100.0).all()


@pytest.mark.parametrize("section,initiator,confirm", [
    ({}, "TwoPointInitiator", (2, 3)),
    ({"initiation": "single", "confirm": "3/4"}, "SinglePointInitiator", (3, 4)),
])
def test_scenario_tracker_section_sets_the_full_tracker(small_scenario_dict, section,
                                                        initiator, confirm):
    """The scenario's tracker section overrides make_tracker's defaults."""
    from airdefense import load_scenario
    from airdefense.tracking import make_tracker

    small_scenario_dict["tracker"] = section
    trk = make_tracker(load_scenario(small_scenario_dict))
    assert type(trk.initiator).__name__ == initiator
    assert (trk.manager.M, trk.manager.N) == confirm


def test_scenario_tracker_section_reaches_every_model_setting(small_scenario_dict, monkeypatch):
    """Motion, filter, associator and the model figures (scenario names with units) reach the
    tracker's configuration; others keep make_tracker's defaults."""
    import airdefense.tracking.tracker as tmod
    from airdefense import load_scenario
    from airdefense.tracking import make_tracker

    seen = {}
    monkeypatch.setattr(tmod, "build_tracker",
                        lambda cfg, ndim=3, pfa=None, **kw: seen.update(cfg=cfg, pfa=pfa, **kw))
    small_scenario_dict["tracker"] = {
        "motion": "ct", "filter": "ukf", "associator": "jpda", "process_noise_m2ps3": 20.0,
        "detection_probability": 0.8, "clutter_density_per_m3": 1e-10,
        "gate_probability": 0.99, "confirm_llr": -np.inf, "speed_sigma_mps": 150.0,
        "max_position_sigma_m": 2000.0, "delete_llr": 4.0}
    sc = load_scenario(small_scenario_dict)
    make_tracker(sc)
    c = seen["cfg"]
    assert (c.motion, c.filter, c.associator) == ("ct", "ukf", "jpda")
    assert (c.q, c.pd, c.clutter_density, c.gate_prob) == (20.0, 0.8, 1e-10, 0.99)
    assert (c.confirm_llr, c.speed_sigma_mps, c.max_pos_sigma_m) == (-np.inf, 150.0, 2000.0)
    assert (c.confirm, c.initiation) == ("2/3", "two_point")  # make_tracker's defaults
    assert c.delete_llr == 4.0
    assert seen["pfa"] == [u.preset.pfa for u in sc.sensors] and seen["pfa"]  # each radar's
    assert seen["snr_const"].shape == (len(sc.sensors),)  # and its radar-equation constant
    assert seen["sensor_enu"].shape == (len(sc.sensors), 3)


@pytest.mark.parametrize("section,match", [
    ({"initiation": "three_point"},
     r"tracker\.initiation: must be one of 'single' or 'two_point', got 'three_point'"),
    ({"max_speed_mps": -5}, r"tracker\.max_speed_mps: must be > 0, got -5 \(unit: m/s\)"),
    ({"confirm": "2of3"}, r"tracker\.confirm: string should match pattern .*, got '2of3'"),
    ({"gate": 3}, r"tracker\.gate: unknown key"),
    ({"motion": "zigzag"}, r"tracker\.motion: must be one of 'cv', 'ct' or 'imm', got 'zigzag'"),
    ({"motion": "ca"}, r"tracker\.motion: must be one of 'cv', 'ct' or 'imm', got 'ca'"),
    ({"detection_probability": 1.0}, r"tracker\.detection_probability: must be < 1, got 1"),
    ({"process_noise": 5}, r"tracker\.process_noise: unknown key .*did you mean "
                           r"'process_noise_m2ps3' \(unit: m\^2/s\^3\)"),
    ({"confirm": "4/3"}, r"tracker\.confirm: .*must be M/N with M <= N <= 62 \(scans\), got '4/3'"),
])
def test_scenario_tracker_section_rejects_bad_settings(small_scenario_dict, section, match):
    """A bad tracker setting names the field, the rule and the value."""
    from airdefense import load_scenario
    from airdefense.errors import ScenarioError

    small_scenario_dict["tracker"] = section
    with pytest.raises(ScenarioError, match=match):
        load_scenario(small_scenario_dict)


def test_full_tracker_takes_each_radars_doppler_span(small_scenario):
    """make_tracker spreads each radar's false-alarm range rates over +-max_range_rate_mps."""
    from airdefense.tracking.tracker import make_tracker

    want = [2.0 * u.preset.max_range_rate_mps for u in small_scenario.sensors]
    assert make_tracker(small_scenario).range_rate_span_mps.tolist() == want
