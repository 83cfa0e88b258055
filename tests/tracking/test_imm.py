"""IMM: reduces to the Kalman filter with one model; probabilities; consistency under turns."""

import numpy as np
import pytest

from airdefense.tracking.imm import IMMFilter, IMMState
from airdefense.tracking.kalman import ExtendedKalmanFilter, KalmanState, Measurements
from airdefense.tracking.metrics import chi2_interval, nees
from airdefense.tracking.models import ConstantVelocity, CoordinatedTurn
from tests.tracking.conftest import ct_truth


def test_single_model_imm_is_the_kalman_filter(rng):
    """An IMM of one model predicts and updates exactly like its filter."""
    cv = ConstantVelocity(2.0, 2)
    imm, kf = IMMFilter([cv], [[1.0]]), ExtendedKalmanFilter(cv)
    x = rng.normal(0, 100, (3, 4))
    P = np.broadcast_to(np.eye(4) * 50, (3, 4, 4)).copy()
    a, b = imm.predict(imm.initiate(x, P), 1.0), kf.predict(KalmanState(x, P), 1.0)
    m = Measurements.cartesian(1.0, rng.normal(0, 100, (3, 2)), 10.0)
    i = np.arange(3)
    a = imm.update(a, imm.innovations(a, i, m, i))
    b = kf.update(b, kf.innovations(b, i, m, i))
    xa, Pa = a.moments()
    assert np.allclose(xa, b.x) and np.allclose(Pa, b.P)


def test_transition_matrix_checked():
    """Rows of the Markov matrix must sum to one."""
    with pytest.raises(ValueError, match="rows summing to 1"):
        IMMFilter([ConstantVelocity(), ConstantVelocity()], [[0.9, 0.2], [0.1, 0.9]])


def test_turning_target_favours_turn_model(rng):
    """After tracking a 0.1 rad/s turn the turn model's probability dominates; they sum to 1."""
    imm = IMMFilter([ConstantVelocity(1.0, 2), CoordinatedTurn(1.0, 1e-4, 2)],
                    [[0.95, 0.05], [0.05, 0.95]])
    truth = ct_truth(rng, 1, 40, q=0.01, omega_sigma=0.0)
    truth[:, :, 4] = 0.1
    for k in range(1, 40):
        truth[k] = CoordinatedTurn(ndim=2).transition(truth[k - 1], 1.0)
    x0 = truth[0].copy()
    P0 = np.diag([100.0, 100, 400, 400, 0.01])[None]
    s = imm.initiate(x0, P0)
    i = np.arange(1)
    for k in range(1, 40):
        s = imm.predict(s, 1.0)
        m = Measurements.cartesian(k, truth[k, :, :2] + rng.normal(0, 10, (1, 2)), 10.0)
        s = imm.update(s, imm.innovations(s, i, m, i))
        assert np.allclose(s.mu.sum(1), 1.0)
    assert s.mu[0, 1] > 0.8
    assert abs(s.x[0, 1, 4] - 0.1) < 0.01


def test_imm_nees_consistent_on_coordinated_turns(rng):
    """CV/CT IMM NEES on targets switching between straight flight and turns is chi-square(4).

    The truth jumps between the two modes with the IMM's own Markov matrix. The ensemble mean
    NEES over 200 targets lies in the two-sided 95% chi-square interval at >= 80% of the steps
    (95% expected; steps are correlated) and its grand mean lies in that interval too. A single
    coordinated-turn filter fails this (mean NEES about 10).
    """
    n, steps, sigma = 200, 100, 10.0
    Pi = np.array([[0.9, 0.1], [0.1, 0.9]])
    truth = ct_truth(rng, n, steps, q=0.5, omega_sigma=0.05, switch=Pi)
    imm = IMMFilter([ConstantVelocity(0.5, 2), CoordinatedTurn(0.5, 1e-6, 2, 0.05)], Pi)
    x0 = truth[0].copy()
    x0[:, :2] += rng.normal(0, sigma, (n, 2))
    x0[:, 2:4] += rng.normal(0, 20, (n, 2))
    x0[:, 4] = 0.0
    P0 = np.broadcast_to(np.diag([sigma**2, sigma**2, 400, 400, 0.05**2]), (n, 5, 5)).copy()
    s = imm.initiate(x0, P0)
    idx = np.arange(n)
    avg = []
    for k in range(1, steps):
        s = imm.predict(s, 1.0)
        m = Measurements.cartesian(k, truth[k, :, :2] + rng.normal(0, sigma, (n, 2)), sigma)
        s = imm.update(s, imm.innovations(s, idx, m, idx))
        x, P = s.moments()
        avg.append(nees(truth[k, :, :4], x[:, :4], P[:, :4, :4]).mean())
    avg = np.array(avg[10:])
    lo, hi = chi2_interval(4, n)
    inside = np.mean((avg >= lo) & (avg <= hi))
    assert inside >= 0.8, (inside, avg.min(), avg.max(), lo, hi)
    assert lo <= avg.mean() <= hi



def _ct_reference(x, T):
    # Coordinated turn [x, y, vx, vy, omega] over T (Bar-Shalom, Li & Kirubarajan 2001, sec.
    # 11.7.2) and its Jacobian, written out here.
    px, py, vx, vy, w = x
    s, c = np.sin(w * T), np.cos(w * T)
    a, b = s / w, (1 - c) / w
    f = np.array([px + a * vx - b * vy, py + b * vx + a * vy, c * vx - s * vy, s * vx + c * vy,
                  w])
    da, db = (T * c - a) / w, (T * s - b) / w
    F = np.array([[1, 0, a, -b, da * vx - db * vy],
                  [0, 1, b, a, db * vx + da * vy],
                  [0, 0, c, -s, -T * s * vx - T * c * vy],
                  [0, 0, s, c, T * c * vx - T * s * vy],
                  [0, 0, 0, 0, 1.0]])
    return f, F


def test_imm_matches_a_textbook_implementation_on_a_manoeuvring_target(rng):
    """CV/CT IMM, step by step, equals a plain NumPy IMM (Bar-Shalom, Li & Kirubarajan 2001,
    sec. 11.6.6): mixing probabilities ``mu_i Pi_ij / c_j``, mixed moments, an EKF per model,
    mode probabilities ``c_j L_j / sum`` and the combined moments, on a target that flies
    straight, turns at 0.08 rad/s and flies straight again."""
    T, q, qw, sig = 1.0, 2.0, 1e-4, 15.0
    Pi = np.array([[0.9, 0.1], [0.2, 0.8]])
    imm = IMMFilter([ConstantVelocity(q, 2), CoordinatedTurn(q, qw, 2)], Pi)
    i2 = np.array([[T**3 / 3, T**2 / 2], [T**2 / 2, T]]) * q
    Qcv = np.zeros((5, 5))
    Qcv[np.ix_([0, 2], [0, 2])] = Qcv[np.ix_([1, 3], [1, 3])] = i2
    Qct = Qcv.copy()
    Qct[4, 4] = qw * T
    Fcv = np.eye(5)
    Fcv[0, 2] = Fcv[1, 3] = T
    H = np.eye(5)[:2]
    R = np.eye(2) * sig**2
    truth = np.array([0.0, 0.0, 200.0, 0.0, 0.0])
    xs = np.array([[0.0, 0.0, 190.0, 5.0, 0.01]] * 2)
    Ps = np.array([np.diag([400.0, 400.0, 900.0, 900.0, 0.02**2])] * 2)
    mu = np.array([0.6, 0.4])
    s = IMMState(xs[None].copy(), Ps[None].copy(), mu[None].copy())
    for k in range(1, 60):
        truth[4] = 0.08 if 20 <= k < 40 else 0.0
        truth = _ct_reference(truth, T)[0] if truth[4] else Fcv @ truth
        z = truth[:2] + rng.normal(0, sig, 2)
        # Reference IMM cycle.
        c = mu @ Pi
        w = mu[:, None] * Pi / c  # w[i, j] = P(model i before | model j now)
        x0 = w.T @ xs
        P0 = np.array([sum(w[i, j] * (Ps[i] + np.outer(xs[i] - x0[j], xs[i] - x0[j]))
                           for i in range(2)) for j in range(2)])
        lik = np.empty(2)
        for j in range(2):
            if j == 0:
                xp, F = Fcv @ x0[j], Fcv
            else:
                xp, F = _ct_reference(x0[j], T)
            Pp = F @ P0[j] @ F.T + (Qcv if j == 0 else Qct)
            S = H @ Pp @ H.T + R
            K = Pp @ H.T @ np.linalg.inv(S)
            nu = z - H @ xp
            lik[j] = np.exp(-0.5 * nu @ np.linalg.solve(S, nu)) / (2 * np.pi
                                                                   * np.sqrt(np.linalg.det(S)))
            xs[j], Ps[j] = xp + K @ nu, (np.eye(5) - K @ H) @ Pp
        mu = c * lik / (c @ lik)
        xc = mu @ xs
        Pc = sum(mu[j] * (Ps[j] + np.outer(xs[j] - xc, xs[j] - xc)) for j in range(2))
        # The package's IMM.
        s = imm.predict(s, T)
        assert np.allclose(s.mu[0], c, rtol=1e-9)
        m = Measurements.cartesian(float(k), z[None], sig)
        s = imm.update(s, imm.innovations(s, np.arange(1), m, np.arange(1)))
        assert np.allclose(s.mu[0], mu, rtol=1e-6, atol=1e-12), k
        assert np.allclose(s.mu.sum(), 1.0)
        x, P = s.moments()
        assert np.allclose(x[0], xc, rtol=1e-6, atol=1e-6), k
        assert np.allclose(P[0], Pc, rtol=1e-6, atol=1e-6), k
    assert mu[0] > 0.5  # straight again at the end: constant velocity favoured
