"""Track management: M-of-N confirmation, deletion rules, ids, quality, initiation."""

import numpy as np
import pytest

from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements
from airdefense.tracking.management import SinglePointInitiator, TrackManager
from airdefense.tracking.models import ConstantVelocity


def test_m_of_n_confirmation():
    """2-of-3: hit, miss, hit confirms at the third scan; hit, miss, miss is deleted."""
    mg = TrackManager(confirm=(2, 3), delete_misses=2)
    mg.add(2, np.array([-1, -1]))
    P = np.zeros((2, 4, 4))
    mg.record(np.array([False, False]))
    assert not mg.confirmed.any() and not mg.doomed(P, 2).any()
    new = mg.record(np.array([True, False]))
    assert new.tolist() == [True, False]
    assert mg.doomed(P, 2).tolist() == [False, True]


def test_confirmed_deleted_after_misses_or_covariance():
    """A confirmed track goes after delete_misses misses, or when its sigma is too large."""
    mg = TrackManager(confirm=(1, 1), delete_misses=3, max_pos_sigma_m=100.0)
    mg.add(2, np.array([5, 6]))
    P = np.zeros((2, 4, 4))
    for _ in range(2):
        mg.record(np.array([False, True]))
    assert not mg.doomed(P, 2).any()
    mg.record(np.array([False, True]))
    assert mg.doomed(P, 2).tolist() == [True, False]
    P[1, 0, 0] = P[1, 1, 1] = 100.0**2
    assert mg.doomed(P, 2)[1]


def test_ids_stable_and_unique():
    """Ids never repeat, even after deletions, and follow their tracks."""
    mg = TrackManager()
    mg.add(3, np.full(3, -1))
    mg.keep(np.array([True, False, True]))
    mg.add(2, np.full(2, -1))
    assert mg.track_id.tolist() == [0, 2, 3, 4]


def test_quality_rises_with_hits_and_falls_with_misses():
    """Quality is an exponential hit average within [0, 1]."""
    mg = TrackManager(alpha=0.5)
    mg.add(1, np.array([-1]))
    mg.record(np.array([True]))
    assert np.isclose(mg.quality[0], 0.75)
    mg.record(np.array([False]))
    assert np.isclose(mg.quality[0], 0.375)


@pytest.mark.parametrize(("confirm", "misses", "match"), [
    ((3, 2), 3, "1 <= M <= N <= 62, got 3/2"), ((1, 1), 0, "delete_misses must be >= 1, got 0")])
def test_manager_rules(confirm, misses, match):
    """Bad confirmation or deletion settings are refused with the value."""
    with pytest.raises(ValueError, match=match):
        TrackManager(confirm=confirm, delete_misses=misses)


def test_initiator_uses_range_rate():
    """With a range rate, the new velocity lies along the line of sight with sigma_rr there."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    z = np.array([[1000.0, 0.0, 0.0, -50.0]])
    R = np.diag([100.0, 1e-6, 1e-6, 4.0])[None]
    st = SinglePointInitiator(200.0).initiate(f, Measurements.polar(0.0, z, R, np.zeros(3)))
    assert np.allclose(st.x[0, :3], [0, 1000, 0], atol=1e-9)
    assert np.allclose(st.x[0, 3:], [0, -50, 0])
    assert np.isclose(st.P[0, 4, 4], 4.0) and np.isclose(st.P[0, 3, 3], 200.0**2)


def test_initiator_checks_speed():
    """A non-positive prior speed sigma is refused."""
    with pytest.raises(ValueError, match="speed_sigma_mps must be > 0 m/s, got 0"):
        SinglePointInitiator(0)


def test_score_gates_confirmation():
    """With confirm_llr, M-of-N hits confirm only once the summed score reaches it."""
    mg = TrackManager(confirm=(2, 3), confirm_llr=5.0)
    mg.add(2, np.array([-1, -1]))
    new = mg.record(np.array([True, True]), llr=np.array([6.0, 1.0]))
    assert new.tolist() == [True, False]
    assert not mg.doomed(np.zeros((2, 4, 4)), 2).any()
    new = mg.record(np.array([True, True]), llr=np.array([1.0, 4.5]))
    assert new.tolist() == [False, True] and np.allclose(mg.score, [7.0, 5.5])


def test_record_follows_a_changed_pd():
    """ln(pd), kept between steps, follows a new ``pd``: a hit moves the deletion score's drop
    by ``llr - ln(pd) + ln(p)`` with the new ``pd``."""
    mg = TrackManager((1, 1), delete_llr=50.0, pd=0.9)
    mg.add(1, np.array([-1]))
    mg.record(np.array([False]), time_s=1.0, pd=np.array([0.8]))  # a miss: drop ln(1 / 0.2)
    drop = mg.drop[0]
    assert np.isclose(drop, -np.log(0.2))
    mg.pd = 0.5
    mg.record(np.array([True]), llr=np.array([0.1]), time_s=2.0, pd=np.array([0.8]))
    assert np.isclose(mg.drop[0], drop - (0.1 - np.log(0.5) + np.log(0.8)))
