"""Retrodiction of a predicted state to a detection's time inside the step.

The tracker predicts once a step; a row measured ``tau`` s before the step's time is compared
with the state moved back along the motion, ``F(tau) (P - Q(|tau|)) F(tau)'`` (the step's
process noise after the row has not happened yet at its time). References: a plain NumPy
Kalman filter predicted to the row's own time, and NEES/NIS over Monte Carlo runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.imm import IMMFilter, IMMState, ManeuverLimit
from airdefense.tracking.kalman import (
    ExtendedKalmanFilter,
    KalmanState,
    Measurements,
    UnscentedKalmanFilter,
)
from airdefense.tracking.metrics import chi2_interval
from airdefense.tracking.models import (
    Ballistic,
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
    Embedded,
    MotionModel,
)

_THR, _ = ChiSquareGate(0.999)._thresholds(4)
_ALL = np.r_[np.nan, np.full(4, 1e300)]  # a gate that keeps every pair


def _cv(q: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    # Textbook NCV (white-noise acceleration) F and Q over h s, 3-D, [p, v] per axis.
    F = np.eye(6)
    F[:3, 3:] = h * np.eye(3)
    Q = np.zeros((6, 6))
    for a in range(3):
        Q[a, a] = q * h**3 / 3
        Q[a, a + 3] = Q[a + 3, a] = q * h**2 / 2
        Q[a + 3, a + 3] = q * h
    return F, Q


def _h(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    # Polar measurement [range, azimuth clockwise from north, elevation, range rate].
    d = x[:3] - s
    r = np.linalg.norm(d)
    return np.array([r, np.mod(np.arctan2(d[0], d[1]), 2 * np.pi),
                     np.arcsin(d[2] / r), d @ x[3:6] / r])


def _jac(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    # Central differences of _h over the state (6 components).
    H = np.zeros((4, len(x)))
    for c in range(6):
        e = np.zeros(len(x))
        e[c] = 1e-4 * max(1.0, abs(x[c]))
        dz = _h(x + e, s) - _h(x - e, s)
        dz[1] = (dz[1] + np.pi) % (2 * np.pi) - np.pi
        H[:, c] = dz / (2 * e[c])
    return H


def _reference(x0, P0, q, dt, tau, z, R, s):
    """Kalman filter predicted to the row's time ``dt + tau``, updated, then predicted to
    ``dt``: returns the NIS, the log-likelihood and the state at ``dt``."""
    F1, Q1 = _cv(q, dt + tau)
    xa, Pa = F1 @ x0, F1 @ P0 @ F1.T + Q1
    H = _jac(xa, s)
    nu = z - _h(xa, s)
    nu[1] = (nu[1] + np.pi) % (2 * np.pi) - np.pi
    S = H @ Pa @ H.T + R
    K = Pa @ H.T @ np.linalg.inv(S)
    xa, Pa = xa + K @ nu, Pa - K @ S @ K.T
    d2 = nu @ np.linalg.solve(S, nu)
    ll = -0.5 * (d2 + np.linalg.slogdet(2 * np.pi * S)[1])
    F2, Q2 = _cv(q, -tau)
    return d2, ll, F2 @ xa, F2 @ Pa @ F2.T + Q2


def _row(rng, x, sensor, tau, R):
    # A polar row near the state x moved by tau, with noise of R.
    xm = x.copy()
    xm[:3] += tau * x[3:6]
    z = _h(xm, sensor) + rng.multivariate_normal(np.zeros(4), R)
    return z


def _prior(rng):
    x0 = np.array([12000.0, -8000.0, 3000.0, -150.0, 90.0, -20.0])
    A = rng.normal(size=(6, 6))
    P0 = A @ A.T + np.diag([400.0, 400, 400, 900, 900, 900])
    return x0, P0


@pytest.mark.parametrize("tau", [-0.9, -0.37, 0.0])
def test_single_row_equals_filter_predicted_to_row_time(rng, tau):
    """One row at offset tau inside a 1.2 s step: the fused gate's distance and likelihood
    and the updated state equal a Kalman filter predicted to the row's own time, updated,
    then predicted to the step's time (CV, q = 2000: the noise over the step is large)."""
    q, dt = 2000.0, 1.2
    x0, P0 = _prior(rng)
    sensor = np.array([500.0, -300.0, 20.0])
    R = np.diag([15.0**2, 1e-3**2, 1.5e-3**2, 2.0**2])
    F1, _ = _cv(q, dt + tau)
    z = _row(rng, F1 @ x0, sensor, 0.0, R)
    d2, ll, xr, Pr = _reference(x0, P0, q, dt, tau, z, R, sensor)
    f = ExtendedKalmanFilter(ConstantVelocity(q, 3))
    st = f.predict(KalmanState(x0[None], P0[None]), dt)
    meas = Measurements.polar(dt + tau, z[None], R[None], sensor)
    meas.offset_s = np.array([tau])
    inn = f.gate_polar(st, meas, _ALL, -1.0, np.array([0]), np.array([0]))
    assert inn.d2[0] == pytest.approx(d2, rel=1e-6)
    assert inn.loglik[0] == pytest.approx(ll, rel=1e-6)
    new = f.update(st, inn)
    assert np.allclose(new.x[0], xr, rtol=1e-7, atol=1e-5)
    assert np.allclose(new.P[0], Pr, rtol=1e-6, atol=1e-5)
    # The same through the non-fused innovations and the sequence kernel.
    inn2 = f.innovations(st, np.array([0]), meas, np.array([0]))
    assert np.allclose(inn2.S, inn.S, rtol=1e-12) and np.allclose(inn2.PHt, inn.PHt)
    seq = f.update_polar_sequence(st, inn, np.array([0]), np.array([0]), np.array([0]),
                                  np.array([0]), meas)
    assert np.allclose(seq.x, new.x) and np.allclose(seq.P, new.P)
    assert new.noise_s[0] == pytest.approx(abs(tau)) and seq.noise_s[0] == new.noise_s[0]


def test_imm_models_each_retrodict_with_their_own_noise(rng):
    """An IMM without switching (identity Markov matrix): each model's gate row and update
    equal its own Kalman filter predicted to the row's time, the manoeuvre model's ``q``
    scaled per track by its limit."""
    q1, q2, dt, tau = 5.0, 38468.0, 1.0, -0.7
    lim = ManeuverLimit(1, np.deg2rad(7.0))
    imm = IMMFilter([ConstantVelocity(q1, 3), ConstantVelocity(q2, 3)], np.eye(2),
                    maneuver=lim)
    x0, P0 = _prior(rng)
    sensor = np.zeros(3)
    R = np.diag([10.0**2, 2e-3**2, 2e-3**2, 1.0**2])
    st = imm.predict(imm.initiate(x0[None], P0[None]), dt)
    scale = st.qscale[0]
    assert 0 < scale < 1  # the limit binds: the model's q is scaled
    F1, _ = _cv(1.0, dt + tau)
    z = _row(rng, F1 @ x0, sensor, 0.0, R)
    meas = Measurements.polar(dt + tau, z[None], R[None], sensor)
    meas.offset_s = np.array([tau])
    inn = imm.gate_polar(st, meas, _ALL, -1.0, np.array([0]), np.array([0]))
    new = imm.update(st, inn)
    for j, q in enumerate((q1, q2 * scale)):
        d2, ll, xr, Pr = _reference(x0, P0, q, dt, tau, z, R, sensor)
        assert inn.flat.d2[j] == pytest.approx(d2, rel=1e-6)
        assert inn.flat.loglik[j] == pytest.approx(ll, rel=1e-6)
        assert np.allclose(new.x[0, j], xr, rtol=1e-7, atol=1e-5)
        assert np.allclose(new.P[0, j], Pr, rtol=1e-6, atol=1e-5)


def _pos_def(A: np.ndarray) -> bool:
    return bool(np.linalg.eigvalsh(0.5 * (A + A.T)).min() > 0)


def test_rows_out_of_time_order_keep_a_covariance(rng):
    """A row earlier than one the track already took (the per-radar mode) takes out only the
    noise since that row: ``P - Q`` would lose definiteness there, ``P - Q(horizon)`` is the
    state's covariance without the noise since its latest measurement."""
    q, dt = 3000.0, 1.0
    x0, P0 = _prior(rng)
    f = ExtendedKalmanFilter(ConstantVelocity(q, 3))
    st = f.predict(KalmanState(x0[None], P0[None]), dt)
    sensor = np.zeros(3)
    R = np.diag([1.0, 1e-5**2, 1e-5**2, 0.05**2])  # a sharp first row
    z1 = _row(rng, st.x[0], sensor, -0.1, R)
    m1 = Measurements.polar(0.9, z1[None], R[None], sensor)
    m1.offset_s = np.array([-0.1])
    st1 = f.update(st, f.gate_polar(st, m1, _ALL, -1.0, np.array([0]), np.array([0])))
    assert st1.noise_s[0] == pytest.approx(0.1)
    _, Q9 = _cv(q, 0.9)
    _, Q1 = _cv(q, 0.1)
    assert not _pos_def(st1.P[0] - Q9)  # the full noise back to the second row: no covariance
    assert _pos_def(st1.P[0] - Q1)
    R2 = np.diag([20.0**2, 1e-3**2, 1e-3**2, 2.0**2])
    z2 = _row(rng, st1.x[0], sensor, -0.9, R2)
    m2 = Measurements.polar(0.1, z2[None], R2[None], sensor)
    m2.offset_s = np.array([-0.9])
    inn = f.gate_polar(st1, m2, _ALL, -1.0, np.array([0]), np.array([0]))
    F = np.eye(6)
    F[:3, 3:] = -0.9 * np.eye(3)
    xm = F @ st1.x[0]
    H = _jac(xm, sensor) @ F
    S = H @ (st1.P[0] - Q1) @ H.T + R2
    assert np.allclose(inn.S[0], S, rtol=1e-6)
    assert _pos_def(inn.S[0])
    st2 = f.update(st1, inn)
    assert _pos_def(st2.P[0]) and st2.noise_s[0] == pytest.approx(0.1)


def _imm_all(q_man: float = 38468.0):
    models = [ConstantVelocity(5.0), CoordinatedTurn(5.0), Ballistic(5.0),
              ConstantVelocity(q_man)]
    return IMMFilter(models, np.full((4, 4), 0.05 / 3) + np.eye(4) * (0.95 - 0.05 / 3),
                     maneuver=ManeuverLimit(3, np.deg2rad(22.0)))


def _imm_scene(rng):
    """The full-mode IMM, three tracks' states (m, r, d) and covariances, their IMMState
    (horizons and manoeuvre scales), a sensor and a polar noise R (range, angles, rate)."""
    imm = _imm_all()
    m, r, d = 3, 4, imm.dim
    x = np.zeros((m, r, d))
    x[:, :, :3] = rng.normal([9000.0, 4000.0, 2000.0], 500.0, (m, r, 3))
    x[:, :, 3:6] = rng.normal(0.0, 200.0, (m, r, 3))
    x[:, :, 6] = 0.02
    x[:, :, 7] = 1e-4
    A = rng.normal(size=(m, r, d, d))
    P = A @ np.swapaxes(A, -1, -2) + np.diag([900.0] * 3 + [400.0] * 3 + [1e-2, 1e-6])
    st = IMMState(x, P, np.full((m, r), 0.25), noise_s=np.array([1.0, 0.3, 0.0]),
                  qscale=np.array([0.2, 1.0, 0.5]))
    sensor = np.array([100.0, 200.0, 10.0])
    R = np.diag([20.0**2, 1e-3**2, 1e-3**2, 3.0**2])
    return imm, x, P, st, sensor, R


def test_gate_takes_out_each_models_noise(rng):
    """Every model of the full-mode IMM (CV, CT, ballistic, manoeuvre CV) is compared with
    ``H F(tau) (P_j - s_j Q_j(h)) F(tau)' H' + R``, ``Q_j`` the model's own noise in the
    common state (``Embedded.noise``), ``s_j`` the manoeuvre limit's scale, ``h`` the lesser
    of ``|tau|`` and the track's horizon."""
    imm, x, P, st, sensor, R = _imm_scene(rng)
    m, r, d = x.shape
    tau = -0.6
    z = np.array([_row(rng, x[i, 0], sensor, tau, R) for i in range(m)])
    meas = Measurements.polar(0.4, z, np.repeat(R[None], m, 0), sensor)
    meas.offset_s = np.full(m, tau)
    ti = mj = np.arange(m)
    inn = imm.gate_polar(st, meas, _ALL, -1.0, ti, mj)
    assert np.array_equal(inn.ti, ti)
    F = np.eye(d)
    F[:3, 3:6] = tau * np.eye(3)
    for i in range(m):
        h = min(abs(tau), st.noise_s[i])
        for j, filt in enumerate(imm.filters):
            Q = filt.motion.noise(x[i, j][None], h) if h > 0 else np.zeros((d, d))
            Q = Q * (st.qscale[i] if j == 3 else 1.0)
            H = np.zeros((4, d))
            H[:, :6] = _jac(F @ x[i, j], sensor)[:, :6]
            H = H @ F
            S = H @ (P[i, j] - Q) @ H.T + R
            PHt = (P[i, j] - Q) @ H.T
            assert np.allclose(inn.flat.S[i * r + j], S, rtol=1e-6)
            assert np.allclose(inn.flat.PHt[i * r + j], PHt, rtol=1e-6, atol=1e-6)
    # The composed path (IMMFilter.innovations) takes out the same.
    ref = imm.innovations(st, ti, meas, mj)
    assert np.allclose(ref.flat.S, inn.flat.S, rtol=1e-12)


def test_gate_keeps_a_pair_whose_range_term_is_the_threshold(rng):
    """The polar gate's range pre-test (a pair fails when every model's range term alone
    exceeds the threshold) rounds as the full test: with range-only rows (distance = range
    term) a threshold equal to a pair's least distance keeps it and the next float below drops
    it, with retrodiction (offsets, horizons, the manoeuvre model's scale) and the coarse
    gate's candidates alike."""
    imm, x, P, st, sensor, R = _imm_scene(rng)
    m, r, d = x.shape
    k = 4
    z = np.full((k, 4), np.nan)  # range only: the distance is the range term
    z[:, 0] = np.linalg.norm(x[rng.integers(0, m, k), 0, :3] - sensor, axis=1) \
        + rng.normal(0.0, 30.0, k)
    meas = Measurements.polar(0.4, z, np.repeat(R[None], k, 0), sensor)
    meas.offset_s = np.array([-0.6, -0.1, 0.0, -0.9])
    ti, mj = np.repeat(np.arange(m), k), np.tile(np.arange(k), m)
    ref = imm.gate_polar(st, meas, _ALL, -1.0, ti, mj)
    assert np.array_equal(ref.dof, np.ones(m * k)) and np.isfinite(ref.d2).all()
    for q in range(m * k):
        for thr, kept in ((ref.d2[q], True), (np.nextafter(ref.d2[q], -np.inf), False)):
            gate = np.r_[np.nan, thr, np.full(3, 1e300)]
            got = imm.gate_polar(st, meas, gate, -1.0, ti[q:q + 1], mj[q:q + 1])
            assert len(got.ti) == kept
            if kept:
                assert got.d2[0] == ref.d2[q] and got.loglik[0] == ref.loglik[q]
            # The coarse gate's candidates (every pair here) meet the same test.
            got = imm.gate_polar(st, meas, gate, 1e9)
            same = (ref.d2 <= thr) & (np.arange(m * k) != q) | kept & (np.arange(m * k) == q)
            assert np.array_equal(got.ti, ti[same]) and np.array_equal(got.mj, mj[same])

def test_ukf_retrodicts_like_the_ekf(rng):
    """The unscented filter's innovations come from sigma points of the retrodicted
    covariance: for a nearly linear case they match the EKF's."""
    q, dt, tau = 1000.0, 1.0, -0.5
    x0, P0 = _prior(rng)
    P0 = P0 * 1e-2
    sensor = np.zeros(3)
    R = np.diag([5.0**2, 1e-4**2, 1e-4**2, 0.5**2])
    z = _row(rng, x0, sensor, 0.0, R)
    meas = Measurements.polar(0.5, z[None], R[None], sensor)
    meas.offset_s = np.array([tau])
    e = ExtendedKalmanFilter(ConstantVelocity(q, 3))
    u = UnscentedKalmanFilter(ConstantVelocity(q, 3))
    a = e.innovations(e.predict(KalmanState(x0[None], P0[None]), dt), [0], meas, [0])
    b = u.innovations(u.predict(KalmanState(x0[None], P0[None]), dt), [0], meas, [0])
    assert np.allclose(b.S[0], a.S[0], rtol=2e-3)
    old = e.innovations(KalmanState(*(lambda s: (s.x, s.P))(e.predict(
        KalmanState(x0[None], P0[None]), dt))), [0], meas, [0])
    assert not np.allclose(old.S[0], a.S[0], rtol=2e-2)  # without the horizon: no noise out


@pytest.mark.parametrize("model", [ConstantVelocity(3.0), ConstantAcceleration(0.5),
                                   CoordinatedTurn(2.0, 1e-3), Ballistic(4.0, 1e-7),
                                   ConstantVelocity(7.0, ndim=2)])
def test_noise_coefficients_reproduce_the_noise(rng, model):
    """``Q(dt) = sum_k C[k] dt^(k+1)`` at intervals other than the fit's, for every built-in
    model and embedded in a larger state."""
    C = model.noise_coefficients()
    assert C is not None and C.shape == (5, model.dim, model.dim)
    for dt in rng.uniform(0.01, 6.0, 4):
        Q = model.noise(np.zeros((1, model.dim)), dt)
        assert np.allclose(np.einsum("k,kij->ij", dt ** np.arange(1, 6), C), Q,
                           rtol=1e-9, atol=1e-12)
    names = model.names + ("extra",)
    emb = Embedded(model, names)
    Ce = emb.noise_coefficients()
    assert np.array_equal(Ce[:, :model.dim, :model.dim] != 0, C != 0)
    assert not Ce[:, -1].any() and not Ce[:, :, -1].any()


class _StateNoise(ConstantVelocity):
    constant_noise = False  # declared state-dependent: not fitted


class _ExpNoise(ConstantVelocity):
    def noise(self, x, dt):
        return super().noise(x, 1.0) * np.expm1(dt)


@pytest.mark.parametrize("cls", [_StateNoise, _ExpNoise])
def test_noise_that_is_no_polynomial_is_not_retrodicted(cls):
    """A state-dependent or non-polynomial noise has no coefficients: nothing is taken out
    (the comparison keeps ``F(tau) P F(tau)'``)."""
    model: MotionModel = cls(3.0)
    assert model.noise_coefficients() is None
    f = ExtendedKalmanFilter(model)
    x0 = np.array([[5000.0, 0, 0, 10, 0, 0]])
    st = f.predict(KalmanState(x0, np.eye(6)[None] * 100), 1.0)
    meas = Measurements.polar(0.5, np.array([[5005.0, 1.5707, 0.0, 10.0]]),
                              np.diag([25.0, 1e-6, 1e-6, 1.0])[None], np.zeros(3))
    meas.offset_s = np.array([-0.5])
    a = f.innovations(st, [0], meas, [0])
    b = f.innovations(KalmanState(st.x, st.P), [0], meas, [0])
    assert np.array_equal(a.S, b.S)


def _cv_steps(rng, x, q, h):
    # Exact NCV motion of every row of x (p, 6) over its own interval h (p,) >= 0.
    out = x.copy()
    out[:, :3] += h[:, None] * x[:, 3:]
    c = np.stack([np.stack([h**3 / 3, h**2 / 2], -1), np.stack([h**2 / 2, h], -1)], -2) * q
    L = np.linalg.cholesky(c + 1e-300 * np.eye(2))
    w = np.einsum("pij,pjk->pik", L, rng.normal(size=(len(x), 2, 3)))
    out[:, :3] += w[:, 0]
    out[:, 3:] += w[:, 1]
    return out


def _nis_nees(rng, q=1000.0, runs=300, steps=30, burn=10):
    # One polar row a step at a uniform time inside each 1 s step; NIS of every kept pair
    # and NEES of every run's state at every step after ``burn``, then the last step's.
    f = ExtendedKalmanFilter(ConstantVelocity(q, 3))
    az = rng.uniform(0, 2 * np.pi, runs)
    x = np.column_stack([20000 * np.sin(az), 20000 * np.cos(az), np.full(runs, 3000.0),
                         rng.normal(0, 100, (runs, 3))])
    P0 = np.diag([100.0, 100, 100, 400, 400, 400])
    est = KalmanState(x + rng.multivariate_normal(np.zeros(6), P0, runs),
                      np.repeat(P0[None], runs, 0))
    R = np.diag([5.0**2, 2e-4**2, 2e-4**2, 1.0**2])
    nis, nees = [], []
    for k in range(steps):
        u = rng.uniform(0.0, 1.0, runs)
        xr = _cv_steps(rng, x, q, u)
        z = np.array([_h(xr[i], np.zeros(3)) for i in range(runs)])
        z += rng.normal(size=(runs, 4)) * np.sqrt(np.diag(R))
        x = _cv_steps(rng, xr, q, 1.0 - u)
        est = f.predict(est, 1.0)
        meas = Measurements.polar(k + u, z, np.repeat(R[None], runs, 0), np.zeros(3))
        meas.offset_s = u - 1.0
        inn = f.gate_polar(est, meas, _ALL, -1.0, np.arange(runs), np.arange(runs))
        est = f.update(est, inn)
        if k >= burn:
            e = x - est.x
            nis.append(inn.d2)
            nees.append(np.einsum("pi,pi->p", e, np.linalg.solve(est.P, e[..., None])[..., 0]))
    return np.concatenate(nis), np.array(nees)


def test_rows_spread_over_the_step_are_consistent(rng):
    """Monte Carlo, CV truth (q = 1000 m^2/s^3), one row a step at a uniform time inside it:
    the mean NIS (4 components) and the NEES (6) of the runs lie in their chi-square
    intervals (99.9 %; NEES over the independent runs at the last step, and its mean over
    the steps within 10 %). Without the retrodiction the NIS mean was 6.0 and the NEES 525:
    the update took the whole step's noise as measured, and the tracks became overconfident."""
    nis, nees = _nis_nees(rng)
    lo, hi = chi2_interval(4, len(nis), 0.999)
    assert lo <= nis.mean() <= hi
    lo, hi = chi2_interval(6, nees.shape[1], 0.999)
    assert lo <= nees[-1].mean() <= hi
    assert abs(nees.mean() / 6 - 1) < 0.1
