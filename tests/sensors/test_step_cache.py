"""RadarNetwork.step keeps the truth's per-run arrays between calls: never a stale copy.

``step`` caches the trajectory's aspect RCS arrays and the launch times while their sources are
the same objects (and already contiguous float64, so the kernels read the sources themselves).
Each test runs one network on a truth that changes between calls and a second one that gets a
new truth object (new arrays, nothing cacheable) every call: the detections and track tables
must be the same bits.
"""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.sensors.radar import RadarNetwork
from tests.sensors.test_radar import FRAME, targets, unit

UNITS = [unit("tor_m2_radar", max_tracks=6), unit("mpq65", east=3e3, boresight_deg=60.0),
         unit("hawk_hpi", north=-2e3, max_tracks=2, scan="electronic")]
FIELDS = ("time_s", "sensor", "z", "R", "sensor_enu", "snr_db", "truth_id")


class _Traj:
    def __init__(self, rcs):
        self.rcs_front_m2, self.rcs_side_m2, self.rcs_tail_m2 = rcs


class _Truth:
    """A stand-in ThreatSet: straight flights with aspect RCS figures and launch times."""

    def __init__(self, st_, launch, rcs):
        self.st_, self.launch_time_s = st_, launch
        self.trajectory = _Traj(rcs)

    def states(self, t):
        out = self.st_.copy()
        out[:, :3] += self.st_[:, 3:] * t
        return out


def _fresh(truth):
    """A new truth with copies of every array of ``truth`` (what the cache must equal)."""
    tr = truth.trajectory
    return _Truth(truth.st_.copy(), np.array(truth.launch_time_s, float),
                  [np.array(a, float) for a in (tr.rcs_front_m2, tr.rcs_side_m2,
                                                tr.rcs_tail_m2)])


def _raid(g, n=80):
    st_ = targets(g.uniform(-30e3, 30e3, n), g.uniform(-30e3, 30e3, n), g.uniform(50, 6e3, n))
    st_[:, 3:] = g.normal(0, 150, (n, 3))
    return st_, g.uniform(0, 6, n), g.uniform(0.05, 3, (3, n))


def _assert_same(da, db, a, b):
    for f in FIELDS:
        assert getattr(da, f).tobytes() == getattr(db, f).tobytes(), f
    assert a.tracked.tolist() == b.tracked.tolist()
    assert a.misses.tolist() == b.misses.tolist()
    assert a.stats == b.stats


def _changes(g, truth, k):
    """Change the truth between calls in each way the cache must notice (one at a time)."""
    tr = truth.trajectory
    n = truth.st_.shape[0]
    if k == 4:  # a new array of each kind, one call apart
        tr.rcs_front_m2 = g.uniform(0.01, 0.2, n)
    elif k == 6:
        tr.rcs_side_m2 = g.uniform(5.0, 9.0, n)
    elif k == 8:
        tr.rcs_tail_m2 = g.uniform(0.001, 0.01, n)
    elif k == 10:
        truth.launch_time_s = truth.launch_time_s + 2.0
    elif k == 12:  # values changed in place (contiguous float64: read as they are)
        tr.rcs_side_m2[:] = 0.01
    elif k == 14:
        truth.launch_time_s[:] = 0.0
    elif k == 16:  # a new trajectory object with new arrays
        truth.trajectory = _Traj(g.uniform(0.05, 3, (3, n)))
    elif k == 18:  # sources that need a copy (strided, float32): not cached ...
        truth.launch_time_s = np.repeat(truth.launch_time_s, 2)[::2]
    elif k == 20:  # ... so that their changes in place are seen
        truth.launch_time_s[:] = 30.0
    elif k == 22:
        truth.launch_time_s = np.zeros(n)
    elif k == 24:
        tr.rcs_tail_m2 = g.uniform(0.05, 3, n).astype(np.float32)
    elif k == 26:
        tr.rcs_tail_m2[:] = 40.0


@pytest.mark.parametrize("seed", [1, 2])
def test_cached_truth_inputs_equal_fresh_ones(seed):
    """A network stepping one (changing) truth = one given a fresh truth each call."""
    g = np.random.default_rng(seed)
    truth = _Truth(*_raid(g))
    appear = truth.launch_time_s.copy()  # alive from then on (launch times change below)
    a, b = RadarNetwork(UNITS, FRAME), RadarNetwork(UNITS, FRAME)
    ra, rb = np.random.default_rng(seed + 10), np.random.default_rng(seed + 10)
    hits = 0
    for k in range(1, 29):
        _changes(g, truth, k)
        t0, t1 = 0.5 * (k - 1), 0.5 * k
        alive = appear <= t1
        da = a.step(t0, t1, truth, lambda t, al=alive: al, ra)
        db = b.step(t0, t1, _fresh(truth), lambda t, al=alive: al, rb)
        _assert_same(da, db, a, b)
        hits += len(da)
    assert hits > 50  # the scans see something


def test_a_new_truth_object_is_not_confused_with_the_last():
    """Two truths stepped by turns through one network use each its own arrays."""
    g = np.random.default_rng(3)
    st_, launch, rcs = _raid(g)
    t1, t2 = _Truth(st_, launch, rcs), _Truth(st_, launch, rcs[::-1].copy() * 4.0)
    a, b = RadarNetwork(UNITS, FRAME), RadarNetwork(UNITS, FRAME)
    ra, rb = np.random.default_rng(4), np.random.default_rng(4)
    for k in range(1, 16):
        truth = t1 if k % 2 else t2
        alive = launch <= 0.5 * k
        da = a.step(0.0, 0.5 * k, truth, lambda t, al=alive: al, ra)
        db = b.step(0.0, 0.5 * k, _fresh(truth), lambda t, al=alive: al, rb)
        _assert_same(da, db, a, b)


def test_stats_is_a_snapshot_of_the_running_counts(rng):
    """``stats`` counts looks and detections across calls, as plain ints in a new dict."""
    net = RadarNetwork(UNITS, FRAME)
    st_ = targets(np.linspace(-8e3, 8e3, 9), np.full(9, 6e3), np.full(9, 1e3))
    s0 = net.stats
    assert s0 == dict(looks=0, detections=0, false_alarms=0, merged=0, dropped_capacity=0)
    total = 0
    for k in range(1, 6):
        total += len(net.scan(float(k), st_, np.full(9, 1.0), np.ones(9, bool), rng))
    s1 = net.stats
    assert s1["looks"] > 0 and s1["detections"] + s1["false_alarms"] == total
    assert all(type(v) is int for v in s1.values())
    assert s0["looks"] == 0  # earlier snapshots do not change


@pytest.mark.parametrize("terrain", [False, True])
def test_reported_pairs_and_first_reports(terrain):
    """``reported`` is the union of the (radar, target) pairs of the detections so far and
    ``first_reports`` its count: unchanged exactly by the scans that report no new pair."""
    from tests.sensors.test_radar import _ridge_terrain

    g = np.random.default_rng(8)
    n = 60
    st_ = targets(g.uniform(-25e3, 25e3, n), g.uniform(-25e3, 25e3, n), g.uniform(50, 3e3, n))
    st_[:, 3:] = g.normal(0, 120, (n, 3))
    launch = g.uniform(0, 8, n)
    truth = _Truth(st_, launch, g.uniform(0.02, 2, (3, n)))
    net = RadarNetwork(UNITS, FRAME, _ridge_terrain(800.0) if terrain else None)
    union = np.zeros((len(UNITS), n), bool)
    changed = same = 0
    for k in range(1, 31):
        before = net.first_reports
        alive = launch - 3.0 <= 0.5 * k  # looks before launch: kept out of the output
        det = net.step(0.0, 0.5 * k, truth, lambda t, al=alive: al, g)
        ok = det.truth_id >= 0
        new = ~union[det.sensor[ok], det.truth_id[ok]]
        union[det.sensor[ok], det.truth_id[ok]] = True
        assert net.reported.tolist() == union.tolist()
        assert net.first_reports == int(union.sum())
        assert (net.first_reports != before) == bool(new.any())
        changed += bool(new.any())
        same += not new.any()
    assert changed >= 3 and same >= 3
    # A new number of targets clears the table (the count runs on).
    total = net.first_reports
    net.scan(20.0, st_[:5], np.ones(5), np.ones(5, bool), g)
    assert net.reported.shape == (len(UNITS), 5)
    assert net.first_reports - total == int(net.reported.sum())
