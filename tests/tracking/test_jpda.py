"""JPDA: exact marginals against brute-force event enumeration; probability bookkeeping."""

import itertools

import numpy as np

from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.jpda import JPDA, enumerate_marginals
from airdefense.tracking.kalman import ExtendedKalmanFilter, KalmanState, Measurements
from airdefense.tracking.models import ConstantVelocity


def test_enumerate_marginals_brute_force(rng):
    """Marginals equal a direct sum over all feasible joint events."""
    rows = np.array([0, 0, 1, 1, 2])
    cols = np.array([0, 1, 1, 2, 2])
    w = rng.uniform(0.1, 5, 5)
    beta, beta0 = enumerate_marginals(rows, cols, w, 3)
    total, marg = 0.0, np.zeros(5)
    options = [[None] + list(np.flatnonzero(rows == r)) for r in range(3)]
    for ev in itertools.product(*options):
        chosen = [p for p in ev if p is not None]
        if len({cols[p] for p in chosen}) < len(chosen):
            continue
        wt = np.prod([w[p] for p in chosen]) if chosen else 1.0
        total += wt
        marg[chosen] += wt
    assert np.allclose(beta, marg / total)
    assert np.allclose(beta0 + np.bincount(rows, weights=beta), 1.0)


def test_jpda_probabilities_sum_to_one(rng):
    """Per track beta0 + sum(beta) = 1; per measurement sum(beta) <= 1."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 2))
    t = rng.uniform(0, 300, (8, 2))
    x = np.zeros((8, 4))
    x[:, :2] = t
    s = KalmanState(x, np.broadcast_to(np.eye(4) * 400.0, (8, 4, 4)).copy())
    meas = Measurements.cartesian(0.0, rng.uniform(0, 300, (12, 2)), 10.0)
    inn = ChiSquareGate()(f, s, meas)
    j = JPDA(0.9, 1e-5)
    beta, beta0 = j.weights(inn, meas, 8)
    assert len(inn.ti) > 8
    assert np.allclose(beta0 + np.bincount(inn.ti, weights=beta, minlength=8), 1.0)
    assert (np.bincount(inn.mj, weights=beta, minlength=12) <= 1 + 1e-12).all()
    out, hit, used, mot, llr = j.associate(f, s, inn, meas)
    assert np.isfinite(out.P).all()
    assert (np.linalg.eigvalsh(out.P) > 0).all()


def test_single_track_jpda_is_pda():
    """One track with one measurement at its prediction: beta = w / (1 + w)."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 2))
    s = KalmanState(np.zeros((1, 4)), np.eye(4)[None] * 100.0)
    meas = Measurements.cartesian(0.0, np.zeros((1, 2)), 10.0)
    inn = ChiSquareGate()(f, s, meas)
    beta, beta0 = JPDA(0.9, 1e-4).weights(inn, meas, 1)
    S = 200.0
    w = 0.9 / (2 * np.pi * S) / 1e-4 / (1 - 0.9 * 0.999)
    assert np.isclose(beta[0], w / (1 + w)) and np.isclose(beta0[0], 1 / (1 + w))
