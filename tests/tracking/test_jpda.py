"""JPDA: exact marginals against brute-force event enumeration; probability bookkeeping."""

import itertools

import numpy as np

from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.imm import IMMFilter, IMMState
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


def _kf(x, P, z, R):
    # Textbook Kalman update of a 2-D CV state by a position z, and the likelihood N(nu; 0, S).
    H = np.hstack([np.eye(2), np.zeros((2, 2))])
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    nu = z - H @ x
    lik = np.exp(-0.5 * nu @ np.linalg.solve(S, nu)) / (2 * np.pi * np.sqrt(np.linalg.det(S)))
    return x + K @ nu, (np.eye(4) - K @ H) @ P, lik


def test_imm_jpda_matches_brute_force_over_events_and_models(rng):
    """IMM-JPDA of two tracks sharing three measurements equals the exact posterior: every
    joint association event times every pair of models, weighted ``prod c_{t,m_t}`` times
    ``Pd L / lambda`` per assigned pair and ``1 - Pd Pg`` per missed track, then each track's
    model mixture moment-matched per model. Model j of a track takes measurement i with
    probability ``P(i | model j)``, not the mixture's ``P(i)``: the old update gave both models
    the mixture's weights (a measurement only the manoeuvre model explains pulled the
    constant-velocity model as hard)."""
    pd, lam, pg = 0.9, 1e-4, 0.999
    imm = IMMFilter([ConstantVelocity(0.1, 2), ConstantVelocity(20.0, 2)],
                    [[0.9, 0.1], [0.1, 0.9]])
    x = np.zeros((2, 2, 4))
    x[0, 0, :2], x[0, 1, :2] = [0.0, 0.0], [25.0, 5.0]  # the models disagree
    x[1, 0, :2], x[1, 1, :2] = [40.0, 0.0], [30.0, -10.0]
    P = np.empty((2, 2, 4, 4))
    for t in range(2):
        for j, v in enumerate((30.0, 300.0)):
            A = rng.normal(size=(4, 4))
            P[t, j] = np.diag([v, v, 50.0, 50.0]) + 3.0 * A @ A.T
    mu = np.array([[0.7, 0.3], [0.5, 0.5]])
    s = IMMState(x, P, mu)
    z = np.array([[3.0, 1.0], [22.0, 4.0], [35.0, -4.0]])
    R = np.eye(2) * 16.0
    meas = Measurements.cartesian(0.0, z, 4.0)
    ti = np.array([0, 0, 0, 1, 1, 1])
    mj = np.array([0, 1, 2, 0, 1, 2])
    inn = imm.innovations(s, ti, meas, mj)
    beta, beta0 = JPDA(pd, lam, pg).weights(inn, meas, 2)
    got = imm.update_weighted(s, inn, beta, beta0)
    # Reference: joint events (each track: none or one measurement, no measurement twice)
    # times models (m0, m1).
    upd = {(t, j, i): _kf(x[t, j], P[t, j], z[i], R) for t in range(2) for j in range(2)
           for i in range(3)}
    comps = {(t, j): [] for t in range(2) for j in range(2)}  # (weight, mean, cov)
    for a0, a1 in itertools.product([None, 0, 1, 2], repeat=2):
        if a0 is not None and a0 == a1:
            continue
        for m0, m1 in itertools.product(range(2), repeat=2):
            w = 1.0
            parts = []
            for t, a, j in ((0, a0, m0), (1, a1, m1)):
                w *= mu[t, j]
                if a is None:
                    w *= 1 - pd * pg
                    parts.append((t, j, x[t, j], P[t, j]))
                else:
                    xu, Pu, lik = upd[(t, j, a)]
                    w *= pd * lik / lam
                    parts.append((t, j, xu, Pu))
            for t, j, xm, Pm in parts:
                comps[(t, j)].append((w, xm, Pm))
    for t in range(2):
        tot = sum(w for j in range(2) for w, _, _ in comps[(t, j)])
        for j in range(2):
            w = np.array([c[0] for c in comps[(t, j)]])
            xs = np.array([c[1] for c in comps[(t, j)]])
            Ps = np.array([c[2] for c in comps[(t, j)]])
            assert np.isclose(got.mu[t, j], w.sum() / tot, rtol=1e-9)
            w = w / w.sum()
            xm = w @ xs
            d = xs - xm
            Pm = np.einsum("k,kab->ab", w, Ps) + np.einsum("k,ka,kb->ab", w, d, d)
            assert np.allclose(got.x[t, j], xm, rtol=1e-9, atol=1e-9), (t, j)
            assert np.allclose(got.P[t, j], Pm, rtol=1e-8, atol=1e-8), (t, j)
