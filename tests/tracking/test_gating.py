"""Gating: the k-d tree finds exactly the pairs a brute-force chi-square test accepts."""

import numpy as np
import pytest

from airdefense.tracking.gating import ChiSquareGate, candidate_pairs, gate_threshold
from airdefense.tracking.kalman import ExtendedKalmanFilter, KalmanState, Measurements, polar_h
from airdefense.tracking.models import ConstantVelocity


def _polar(pos):
    """Polar detections (range, azimuth, elevation; no range rate) of ENU points, from 0."""
    full = np.zeros((len(pos), 6))
    full[:, :3] = pos
    z = polar_h(full, np.zeros((len(pos), 3)), 3)
    z[:, 3] = np.nan
    R = np.broadcast_to(np.diag([400.0, 1e-6, 1e-6, np.nan]), (len(pos), 4, 4))
    return Measurements.polar(0.0, z, R, np.zeros(3))


def _brute_force_pairs(f, s, meas, m) -> set:
    """Every (track, detection) pair whose chi-square distance passes the 0.999 gate."""
    ti, mj = np.meshgrid(np.arange(m), np.arange(len(meas)), indexing="ij")
    every = f.innovations(s, ti.ravel(), meas, mj.ravel())
    ok = every.d2 <= gate_threshold(every.dof, 0.999)
    return set(zip(every.ti[ok].tolist(), every.mj[ok].tolist(), strict=True))


@pytest.mark.parametrize("n_t,n_m,dim,size,radius,min_pairs", [
    (50, 80, 2, 1000, (10, 100), 1),      # brute force
    (200, 150, 3, 5000, (200, 800), 100),  # above the brute-force size: the k-d tree
])
def test_candidate_pairs_match_brute_force(rng, n_t, n_m, dim, size, radius, min_pairs):
    """candidate_pairs returns every (track, measurement) within the radius and no other."""
    t = rng.uniform(0, size, (n_t, dim))
    m = rng.uniform(0, size, (n_m, dim))
    r = rng.uniform(*radius, n_t)
    ti, mj = candidate_pairs(t, r, m)
    d = np.linalg.norm(t[:, None] - m[None], axis=2)
    want = set(zip(*np.nonzero(d <= r[:, None]), strict=True))
    assert set(zip(ti.tolist(), mj.tolist(), strict=True)) == want and len(want) >= min_pairs


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
    meas = Measurements.cartesian(0.0, pos, 20.0) if kind == "cartesian" else _polar(pos)
    inn = ChiSquareGate(0.999)(f, s, meas)
    want = _brute_force_pairs(f, s, meas, m)
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
    meas = _polar(pos)
    meas.offset_s = np.concatenate([tau, rng.uniform(-1.0, 0.0, 60)])
    inn = ChiSquareGate(0.999)(f, s, meas)
    want = _brute_force_pairs(f, s, meas, m)
    assert set(zip(inn.ti.tolist(), inn.mj.tolist(), strict=True)) == want
    assert {(i, i) for i in range(m)} <= want  # each track gates its own detection
