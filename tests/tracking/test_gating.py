"""Gating: the k-d tree finds exactly the pairs a brute-force chi-square test accepts."""

import numpy as np
import pytest

from airdefense.tracking.gating import ChiSquareGate, candidate_pairs, gate_threshold
from airdefense.tracking.kalman import ExtendedKalmanFilter, KalmanState, Measurements, polar_h
from airdefense.tracking.models import ConstantVelocity


def test_candidate_pairs_match_brute_force(rng):
    """candidate_pairs returns every (track, measurement) within the radius and no other."""
    t = rng.uniform(0, 1000, (50, 2))
    m = rng.uniform(0, 1000, (80, 2))
    r = rng.uniform(10, 100, 50)
    ti, mj = candidate_pairs(t, r, m)
    d = np.linalg.norm(t[:, None] - m[None], axis=2)
    want = set(zip(*np.nonzero(d <= r[:, None]), strict=True))
    assert set(zip(ti.tolist(), mj.tolist(), strict=True)) == want


@pytest.mark.parametrize("kind", ["cartesian", "polar"])
def test_gate_equals_brute_force_chi_square(rng, kind):
    """The gated pairs are exactly those whose Mahalanobis distance is under the threshold."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    m = 40
    x = np.zeros((m, 6))
    x[:, :3] = rng.uniform([-5000, 5000, 500], [5000, 15000, 3000], (m, 3))
    x[:, 3:] = rng.normal(0, 50, (m, 3))
    P = np.broadcast_to(np.diag([400.0, 400, 400, 100, 100, 100]), (m, 6, 6)).copy()
    s = KalmanState(x, P)
    pos = np.concatenate([x[:, :3] + rng.normal(0, 30, (m, 3)),
                          rng.uniform([-5000, 5000, 500], [5000, 15000, 3000], (200, 3))])
    if kind == "cartesian":
        meas = Measurements.cartesian(0.0, pos, 20.0)
    else:
        full = np.zeros((len(pos), 6))
        full[:, :3] = pos
        z = polar_h(full, np.zeros((len(pos), 3)), 3)
        z[:, 3] = np.nan
        R = np.broadcast_to(np.diag([400.0, 1e-6, 1e-6, np.nan]), (len(pos), 4, 4))
        meas = Measurements.polar(0.0, z, R, np.zeros(3))
    gate = ChiSquareGate(0.999)
    inn = gate(f, s, meas)
    ti, mj = np.meshgrid(np.arange(m), np.arange(len(meas)), indexing="ij")
    full = f.innovations(s, ti.ravel(), meas, mj.ravel())
    ok = full.d2 <= gate_threshold(full.dof, 0.999)
    want = set(zip(full.ti[ok].tolist(), full.mj[ok].tolist(), strict=True))
    assert set(zip(inn.ti.tolist(), inn.mj.tolist(), strict=True)) == want
    assert len(want) >= m * 0.9


def test_gate_probability_checked():
    """A gate probability outside (0, 1) is refused."""
    with pytest.raises(ValueError, match=r"pg must be in \(0, 1\), got 1.5"):
        ChiSquareGate(1.5)


def test_gate_threshold_is_chi_square_quantile():
    """gate_threshold equals scipy.stats.chi2.ppf."""
    from scipy.stats import chi2

    assert np.allclose(gate_threshold(np.array([1, 2, 3, 4]), 0.999),
                       chi2.ppf(0.999, [1, 2, 3, 4]))


def test_candidate_pairs_tree_matches_brute_force(rng):
    """Above the brute-force size, the k-d tree path returns the same pairs."""
    t = rng.uniform(0, 5000, (200, 3))
    m = rng.uniform(0, 5000, (150, 3))
    r = rng.uniform(200, 800, 200)
    ti, mj = candidate_pairs(t, r, m)
    d = np.linalg.norm(t[:, None] - m[None], axis=2)
    want = set(zip(*np.nonzero(d <= r[:, None]), strict=True))
    assert set(zip(ti.tolist(), mj.tolist(), strict=True)) == want and len(want) > 100


@pytest.mark.parametrize("m", [40, 400])  # per-pair bound, then the k-d tree
def test_gate_with_time_offsets_equals_brute_force(rng, m):
    """With detections off the state's time, the gate still keeps every pair that passes."""
    from airdefense.tracking.imm import IMMFilter
    from airdefense.tracking.models import Ballistic, CoordinatedTurn

    f = IMMFilter([ConstantVelocity(5.0, 3), CoordinatedTurn(5.0), Ballistic(5.0)],
                  np.full((3, 3), 0.05) + np.eye(3) * 0.85)
    x = np.zeros((m, 8))
    x[:, :3] = rng.uniform([-20000, 10000, 500], [20000, 50000, 9000], (m, 3))
    x[:, 3:6] = rng.normal(0, 400, (m, 3))
    P = np.broadcast_to(np.diag([900.0, 900, 900, 1e4, 1e4, 1e4, 1e-2, 1e-6]), (m, 8, 8))
    s = f.predict(f.initiate(x, P.copy()), 1.0)
    tau = rng.uniform(-1.0, 0.0, m)
    truth = x[:, :3] + (1.0 + tau)[:, None] * x[:, 3:6]
    pos = np.concatenate([truth, rng.uniform([-20000, 10000, 500], [20000, 50000, 9000],
                                             (60, 3))])
    full = np.zeros((len(pos), 6))
    full[:, :3] = pos
    z = polar_h(full, np.zeros((len(pos), 3)), 3)
    z[:, 3] = np.nan
    R = np.broadcast_to(np.diag([400.0, 1e-6, 1e-6, np.nan]), (len(pos), 4, 4))
    meas = Measurements.polar(0.0, z, R, np.zeros(3))
    meas.offset_s = np.concatenate([tau, rng.uniform(-1.0, 0.0, 60)])
    inn = ChiSquareGate(0.999)(f, s, meas)
    ti, mj = np.meshgrid(np.arange(m), np.arange(len(meas)), indexing="ij")
    every = f.innovations(s, ti.ravel(), meas, mj.ravel())
    ok = every.d2 <= gate_threshold(every.dof, 0.999)
    want = set(zip(every.ti[ok].tolist(), every.mj[ok].tolist(), strict=True))
    assert set(zip(inn.ti.tolist(), inn.mj.tolist(), strict=True)) == want
    assert {(i, i) for i in range(m)} <= want  # each track gates its own detection
