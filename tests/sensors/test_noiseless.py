"""RadarNetwork.noiseless: reports without measurement noise and without false alarms.

A noiseless network makes the same looks, detector draws, detections and track tables as a
noisy one on the same generator (the draws it skips come after them); its detections carry
the true geometry of the look (checked against an independent NumPy conversion of the target
positions) and no false alarm.
"""

from __future__ import annotations

import pickle

import numpy as np

from airdefense.sensors.base import enu_to_polar
from airdefense.sensors.radar import RadarNetwork
from tests.sensors.test_radar import FRAME, targets, unit

UNITS = [unit("tor_m2_radar", max_tracks=40, pfa=1e-4),
         unit("mpq65", east=3e3, boresight_deg=60.0, pfa=1e-4),
         unit("hawk_hpi", north=-2e3, scan="electronic", pfa=1e-4)]


def _raid(g, n=60):
    # Stationary targets: a look sees the target where it is, whatever the look time.
    return targets(g.uniform(-25e3, 25e3, n), g.uniform(-25e3, 25e3, n), g.uniform(100, 5e3, n))


def test_noiseless_scan_reports_true_geometry_and_no_false_alarms(rng):
    st_ = _raid(rng)
    n = st_.shape[0]
    rcs, alive = np.full(n, 2.0), np.ones(n, bool)
    noisy, quiet = RadarNetwork(UNITS, FRAME), RadarNetwork(UNITS, FRAME)
    assert not noisy.noiseless
    quiet.noiseless = True
    assert quiet.noiseless
    n_fa = n_det = 0
    for k in range(1, 13):
        t = 0.5 * k
        # The same generator state before each scan: the noisy scan's extra draws come last.
        g1, g2 = np.random.default_rng(k), np.random.default_rng(k)
        d1 = noisy.scan(t, st_, rcs, alive, g1)
        d2 = quiet.scan(t, st_, rcs, alive, g2)
        real = d1.truth_id >= 0
        n_fa += int((~real).sum())
        assert (d2.truth_id >= 0).all()  # no false alarm
        # The same detections (order, times, radars, targets, covariances, detector output).
        for f in ("time_s", "sensor", "truth_id", "snr_db"):
            assert getattr(d1, f)[real].tobytes() == getattr(d2, f).tobytes(), f
        assert d1.R[real].tobytes() == d2.R.tobytes()
        assert noisy.tracked.tolist() == quiet.tracked.tolist()
        # The true geometry of each detection (unmerged: targets kilometres apart).
        ref = enu_to_polar(st_[d2.truth_id, :3], quiet.enu[d2.sensor])
        np.testing.assert_allclose(d2.z[:, 0], ref[:, 0], rtol=1e-12)
        np.testing.assert_allclose(np.cos(d2.z[:, 1:3] - ref[:, 1:3]), 1.0, atol=1e-20,
                                   rtol=1e-12)
        # The noisy ones differ from it by their noise: a few sigmas at most.
        sig = np.sqrt(d1.R[real][:, 0, 0])
        assert (np.abs(d1.z[real, 0] - ref[:, 0]) < 8 * sig).all()
        assert (d1.z[real, 0] != ref[:, 0]).all()
        n_det += len(d2)
    assert n_det > 50 and n_fa > 0
    s1, s2 = noisy.stats, quiet.stats
    assert s2["false_alarms"] == 0 and s1["false_alarms"] == n_fa
    assert {k: v for k, v in s1.items() if k != "false_alarms"} == \
        {k: v for k, v in s2.items() if k != "false_alarms"}


def test_noiseless_survives_a_copy(rng):
    net = RadarNetwork(UNITS, FRAME)
    net.noiseless = True
    st_ = _raid(rng)
    net.scan(1.0, st_, np.full(len(st_), 2.0), np.ones(len(st_), bool), rng)
    twin = pickle.loads(pickle.dumps(net))
    assert twin.noiseless
    d = twin.scan(2.0, st_, np.full(len(st_), 2.0), np.ones(len(st_), bool), rng)
    assert (d.truth_id >= 0).all() and len(d) > 0
    net.noiseless = False
    assert not net.noiseless
