"""Rows read in place: two-point births and the SNR bookkeeping take the full measurement
arrays and the row indices (gathered in the kernels) and give, bit for bit, what they give on
the rows taken first."""

import math
from pathlib import Path

import numpy as np
import pytest

from airdefense.scenario import load_scenario
from airdefense.sensors.base import Detections
from airdefense.tracking import _kernels as _k
from airdefense.tracking.kalman import Measurements
from airdefense.tracking.management import TrackManager, TwoPointInitiator
from airdefense.tracking.tracker import make_tracker

EXAMPLE_2 = Path(__file__).resolve().parents[2] / "examples" / "02_layered_city.yaml"
RADARS = np.array([[0.0, 0.0, 10.0], [5000.0, -3000.0, 20.0], [-4000.0, 6000.0, 15.0]])


def _scene(rng, n=6):
    """n constant-velocity targets (positions (n, 3), velocities (n, 3)) 8-40 km out."""
    r, az = rng.uniform(8e3, 4e4, n), rng.uniform(0, 2 * np.pi, n)
    pos = np.c_[r * np.sin(az), r * np.cos(az), rng.uniform(200.0, 3000.0, n)]
    head = az + np.pi + rng.normal(0, 0.5, n)
    vel = np.c_[250.0 * np.sin(head), 250.0 * np.cos(head), np.zeros(n)]
    return pos, vel


def _detections(rng, pos, vel, t, seen=None):
    """Each radar's detections of the targets (``seen`` (n,) bool, default all; Pd 0.8, the
    scan's own times up to 1 s before ``t``) and two false alarms each, with range rates and
    SNRs."""
    rows = []
    for j, enu in enumerate(RADARS):
        for i in range(-2, len(pos)):
            if i >= 0 and (rng.random() > 0.8 or (seen is not None and not seen[i])):
                continue
            tau = rng.uniform(0.0, 1.0)
            if i >= 0:
                d, v = pos[i] + vel[i] * (t - tau) - enu, vel[i]
            else:  # a false alarm
                d, v = rng.uniform(-3e4, 3e4, 3) * [1, 1, 0.05], rng.normal(0, 300, 3)
            r = float(np.linalg.norm(d))
            z = [r, math.atan2(d[0], d[1]) % (2 * np.pi), math.asin(d[2] / r), d @ v / r]
            rows.append((t - tau, j, z, enu, rng.uniform(12.0, 25.0), i))
    z = np.array([x[2] for x in rows]) + rng.normal(0, 1, (len(rows), 4)) * [25, 2e-3, 2e-3, 2]
    R = np.zeros((len(rows), 4, 4))
    R[:] = np.diag([25.0**2, 2e-3**2, 2e-3**2, 2.0**2])
    return Detections(time_s=np.array([x[0] for x in rows]),
                      sensor=np.array([x[1] for x in rows]), z=z, R=R,
                      sensor_enu=np.array([x[3] for x in rows]),
                      snr_db=np.array([x[4] for x in rows]),
                      truth_id=np.array([x[5] for x in rows]))


class _Taken(TwoPointInitiator):
    """Two-point initiation the general way: the tracker takes the unused rows first."""

    takes_rows = False


def _same(a, b):
    """Bit for bit, NaN included (None alike)."""
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_tracker_births_in_place_equal_the_rows_taken_first():
    """Example 2's full tracker on three radars' detections of six targets and false alarms
    (tracks started, joined across radars, confirmed): the pictures, ids and new tracks equal
    step for step those of the same tracker whose initiator gets the unused rows taken, and
    each new track holds the truth id of its target."""
    rng = np.random.default_rng(3)
    sc = load_scenario(EXAMPLE_2)
    a, b = make_tracker(sc), make_tracker(sc)
    b.initiator.__class__ = _Taken
    pos, vel = _scene(rng)
    new, births = [], set()
    for step in range(1, 16):  # a target appears every other step
        det = _detections(rng, pos, vel, float(step), np.arange(len(pos)) <= step // 2)
        n0 = a.manager.next_id
        ta, tb = a.step(float(step), det), b.step(float(step), det)
        for f in ("track_id", "x", "P", "quality", "confirmed", "truth_id"):
            assert _same(getattr(ta, f), getattr(tb, f)), (step, f)
        for f in ("snr_ref", "ref_n", "ref_range", "ref_pfa", "ref_sensor", "score"):
            assert _same(getattr(a.manager, f), getattr(b.manager, f)), (step, f)
        assert a.new_tracks == b.new_tracks and a.manager.next_id == b.manager.next_id
        new += a.new_tracks
        if a.manager.next_id > n0:
            births.add(step)
    assert len(births) >= 4
    # each new track took the truth id of the row that started it: one per target, in the
    # order they appear
    assert [tid for _, tid, _ in new] == list(range(len(pos)))


@pytest.mark.parametrize("polar", [True, False])
def test_births_of_rows_equal_births_of_the_rows_taken(polar):
    """TwoPointInitiator.births(meas, rows=idx) and births(meas.take(idx)) over ten scans of
    random rows (polar with offsets, range rates and radars' false-alarm densities; Cartesian
    without offsets): the same states, rows, ago, scores and candidates, bit for bit; the
    returned rows count in ``idx``."""
    rng = np.random.default_rng(11)
    filt = make_tracker().filter
    score = (0.9, 1e-9, 300.0, 0.99)
    a, b = TwoPointInitiator(score=score), TwoPointInitiator(score=score)
    pos, vel = _scene(rng, 8)
    paired = 0
    for scan in range(10):
        t = float(scan)
        if polar:
            meas = Measurements.from_detections(_detections(rng, pos, vel, t))
            meas.offset_s = meas.time_s - t
            meas.false_alarm_density = np.where(rng.random(len(meas)) < 0.3, np.nan,
                                                rng.uniform(1e-6, 1e-4, len(meas)))
        else:
            p = np.concatenate([pos + vel * t, rng.uniform(-3e4, 3e4, (4, 3))])
            meas = Measurements.cartesian(t, p + rng.normal(0, 20, p.shape), 20.0)
        idx = np.sort(rng.choice(len(meas), size=len(meas) - 2, replace=False))
        sa, ra, ga, la = a.births(filt, meas, t, scan, rows=idx)
        sb, rb, gb, lb = b.births(filt, meas.take(idx), t, scan)
        assert _same(ra, rb) and _same(ga, gb) and _same(la, lb)
        assert _same(a._c, b._c) and _same(a._scan, b._scan)
        if sb is None:
            assert sa is None
            continue
        paired += len(rb)
        assert _same(sa.x, sb.x) and _same(sa.P, sb.P)
    assert paired >= 5


def _reference_detected(mg, tracks, meas, rows):
    # TrackManager.detected as it was: the rows gathered in NumPy, then the kernel.
    enu = np.ascontiguousarray(meas.sensor_enu[rows], float)
    if meas.kind == "polar":
        r = meas.z[rows, 0]
    else:
        r = np.linalg.norm(meas.pos[rows] - enu[:, :meas.ndim], axis=1)
    sensor = np.asarray(meas.sensor, np.int64)[rows]
    _k.snr_detected(tracks, np.ascontiguousarray(meas.snr_db[rows], float), np.maximum(r, 1.0),
                    enu, mg.pfa[np.minimum(sensor, mg.pfa.size - 1)], sensor, mg.snr_ref,
                    mg.ref_n, mg.ref_range, mg.ref_enu, mg.ref_pfa, mg.ref_sensor, mg.radar_k,
                    mg.radar_n)


@pytest.mark.parametrize("polar", [True, False])
def test_detected_in_place_equals_the_rows_gathered_first(polar):
    """TrackManager.detected over twenty rounds of random tracks and rows (radars past the
    end of ``pfa`` and of the table, a range under 1 m, NaN SNRs) leaves the tables as the
    NumPy gathering of the rows before the kernel does, bit for bit."""
    rng = np.random.default_rng(5)
    kw = dict(delete_llr=10.0, pfa=np.array([1e-6, 1e-4, 1e-8]),
              snr_const=np.array([1e20, 2e20]), sensor_enu=RADARS[:2])
    a, b = TrackManager(**kw), TrackManager(**kw)
    a.add(12, np.full(12, -1))
    b.add(12, np.full(12, -1))
    for _ in range(20):
        k = 15
        sensor = rng.integers(0, 5, k)
        enu = np.where(sensor[:, None] < 3, RADARS[np.minimum(sensor, 2)], 7.0)
        if polar:
            z = np.c_[rng.uniform(0.0, 4e4, k), rng.uniform(0, 6, k), rng.uniform(0, 1, k),
                      np.full(k, np.nan)]
            z[0, 0] = 0.5  # under 1 m: the range is floored at 1 m
            meas = Measurements.polar(0.0, z, np.tile(np.eye(4), (k, 1, 1)), enu,
                                      sensor=sensor)
        else:
            p = enu + rng.uniform(-3e4, 3e4, (k, 3))
            p[0] = enu[0] + 0.2
            meas = Measurements.cartesian(0.0, p, 10.0, sensor=sensor)
            meas.sensor_enu = enu
        meas.snr_db = np.where(rng.random(k) < 0.2, np.nan, rng.uniform(5.0, 30.0, k))
        tracks = rng.choice(12, size=6, replace=False).astype(np.int64)
        rows = rng.choice(k, size=6, replace=False).astype(np.int64)
        rows[0] = 0
        a.detected(tracks, meas, rows)
        _reference_detected(b, tracks, meas, rows)
        for f in ("snr_ref", "ref_n", "ref_range", "ref_enu", "ref_pfa", "ref_sensor",
                  "radar_k", "radar_n"):
            assert _same(getattr(a, f), getattr(b, f)), f
    assert (a.ref_sensor >= 3).any() and (a.ref_range == 1.0).any()
