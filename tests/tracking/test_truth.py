"""The truth-plus-noise tracker: error size per axis, correlation in time, track life."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.sensors.base import Detections
from airdefense.tracking.truth import TruthTracker


class _Still:
    """n threats at rest at the origin."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def states(self, t: float) -> np.ndarray:
        return np.zeros((self.n, 6))


def _detections(n: int, t: float, range_m: float, sig_az_rad: float, sig_el_rad: float,
                sensor: int = 0) -> Detections:
    R = np.zeros((n, 4, 4))
    R[:, 0, 0] = 10.0**2
    R[:, 1, 1] = sig_az_rad**2
    R[:, 2, 2] = sig_el_rad**2
    return Detections(time_s=np.full(n, t), sensor=np.full(n, sensor),
                      z=np.tile([range_m, 0.0, 0.0, np.nan], (n, 1)), R=R,
                      sensor_enu=np.zeros((n, 3)), snr_db=np.full(n, 20.0),
                      truth_id=np.arange(n))


def test_error_size_per_axis_and_fusion(rng):
    """Each axis errs as the best radar measures it, shrunk by sqrt(hits) up to sqrt(10)."""
    n = 20000
    trk = TruthTracker(_Still(n), rng, confirm_hits=1)
    for k in range(12):
        det = Detections.concatenate([
            _detections(n, float(k), 50000.0, 1e-3, 20e-3, sensor=0),  # a 2-D-like radar
            _detections(n, float(k), 50000.0, 4e-3, 2e-3, sensor=1),   # a fire-control radar
        ])
        tracks = trk.step(float(k), det)
    err = tracks.x[:, :3]
    # Best horizontal: 50 m (radar 0); best vertical: 100 m (radar 1); both / sqrt(10).
    assert err[:, 0].std() == pytest.approx(50.0 / np.sqrt(10), rel=0.03)
    assert err[:, 2].std() == pytest.approx(100.0 / np.sqrt(10), rel=0.03)
    assert np.allclose(np.sqrt(tracks.P[:, 2, 2]), 100.0 / np.sqrt(10))


def test_error_is_correlated_in_time(rng):
    """The estimate error is a Gauss-Markov process: lag-1 s correlation exp(-1/10)."""
    n = 20000
    trk = TruthTracker(_Still(n), rng, confirm_hits=1, correlation_time_s=10.0)
    a = b = None
    for k in range(3):
        tracks = trk.step(float(k), _detections(n, float(k), 1000.0, 1e-3, 1e-3))
        a, b = b, tracks.x[:, 0]
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(np.exp(-0.1), abs=0.02)


def test_tracks_start_after_hits_and_drop_when_unseen(rng):
    """A track exists after confirm_hits detections and is dropped after drop_after_s."""
    trk = TruthTracker(_Still(1), rng, confirm_hits=2, drop_after_s=5.0)
    assert len(trk.step(0.0, _detections(1, 0.0, 1000.0, 1e-3, 1e-3))) == 0
    t = trk.step(1.0, _detections(1, 1.0, 1000.0, 1e-3, 1e-3))
    assert len(t) == 1 and trk.new_tracks == [(0, 0, 1.0)]
    assert len(trk.step(5.0, Detections.empty())) == 1
    assert len(trk.step(7.0, Detections.empty())) == 0


def test_false_alarms_ignored_ids_in_order_and_ended_threats_dropped(rng):
    """False alarms (no threat) start nothing; threats confirmed in the same step get
    consecutive ids in threat order; a threat no longer alive loses its track."""
    trk = TruthTracker(_Still(3), rng, confirm_hits=1)
    det = _detections(4, 0.0, 1000.0, 1e-3, 1e-3)
    det.truth_id[:] = [-1, 2, -1, 0]
    tracks = trk.step(0.0, det)
    assert trk.new_tracks == [(0, 0, 0.0), (1, 2, 0.0)]
    np.testing.assert_array_equal(tracks.truth_id, [0, 2])
    np.testing.assert_array_equal(tracks.track_id, [0, 1])
    tracks = trk.step(1.0, Detections.empty(), alive=np.array([True, True, False]))
    np.testing.assert_array_equal(tracks.truth_id, [0])
    assert trk.new_tracks == []
    det = _detections(2, 2.0, 1000.0, 1e-3, 1e-3)
    det.truth_id[:] = [2, 1]
    trk.step(2.0, det)
    assert trk.new_tracks == [(2, 1, 2.0), (3, 2, 2.0)]
