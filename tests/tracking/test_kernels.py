"""Compiled tracker kernels against independent NumPy references (the batched formulas the
kernels replaced): polar innovations, Kalman and IMM updates and predictions, the ballistic
flow, polar measurements, two-point pairing, cluster splitting of the assignment."""

import numpy as np
import pytest

from airdefense.tracking import _kernels as K
from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.gnn import _best_assignment
from airdefense.tracking.imm import IMMFilter, IMMState
from airdefense.tracking.kalman import ExtendedKalmanFilter, KalmanState, Measurements
from airdefense.tracking.management import TwoPointInitiator
from airdefense.tracking.models import Ballistic, ConstantVelocity, CoordinatedTurn

LOG2PI = np.log(2 * np.pi)


def _wrap(a):
    return (a + np.pi) % (2 * np.pi) - np.pi


def _sym(P):
    return 0.5 * (P + np.swapaxes(P, -1, -2))


def _ref_polar(x, sensor, n):
    # h and its Jacobian, batched NumPy.
    p, D = x.shape
    d = x[:, :n] - sensor[:, :n]
    v = x[:, n:2 * n]
    r2 = np.maximum((d * d).sum(1), 1e-18)
    r = np.sqrt(r2)
    rho2 = np.maximum(d[:, 0] ** 2 + d[:, 1] ** 2, 1e-18)
    rho = np.sqrt(rho2)
    u = d / r[:, None]
    rr = (u * v).sum(1)
    z = np.stack([r, np.mod(np.arctan2(d[:, 0], d[:, 1]), 2 * np.pi),
                  np.arctan2(d[:, 2], rho) if n == 3 else np.zeros(p), rr], 1)
    H = np.zeros((p, 4, D))
    H[:, 0, :n] = u
    H[:, 1, 0] = d[:, 1] / rho2
    H[:, 1, 1] = -d[:, 0] / rho2
    if n == 3:
        a = -d[:, 2] / (r2 * rho)
        H[:, 2, 0], H[:, 2, 1], H[:, 2, 2] = a * d[:, 0], a * d[:, 1], rho / r2
    H[:, 3, :n] = (v - rr[:, None] * u) / r[:, None]
    H[:, 3, n:2 * n] = u
    return z, H


def _ref_innovations(x, P, meas, mj):
    # EKF innovations of pairs (x[q], meas row mj[q]) with time offsets, NumPy.
    n = meas.ndim
    tau = meas.offset_s[mj]
    xe = x.copy()
    xe[:, :n] += tau[:, None] * x[:, n:2 * n]
    zhat, H = _ref_polar(xe, meas.sensor_enu[mj], n)
    valid = meas.valid[mj]
    H *= valid[:, :, None]
    H[:, :, n:2 * n] += tau[:, None, None] * H[:, :, :n]
    nu = meas.z[mj] - zhat
    nu[:, 1] = _wrap(nu[:, 1])
    nu *= valid
    PHt = P @ np.swapaxes(H, 1, 2)
    S = _sym(H @ PHt + meas.R[mj])
    Si = np.linalg.inv(S)
    d2 = np.einsum("pi,pij,pj->p", nu, Si, nu)
    dof = valid.sum(1)
    ll = -0.5 * (d2 + np.linalg.slogdet(S)[1] + dof * LOG2PI)
    return nu, S, PHt, d2, ll


def _states(rng, m, d, spread=5000.0):
    x = rng.normal(0, spread, (m, d))
    x[:, 2] = np.abs(x[:, 2]) + 500
    x[:, 3:6] = rng.normal(0, 200, (m, 3))
    A = rng.normal(size=(m, d, d))
    return x, A @ np.swapaxes(A, 1, 2) + np.eye(d) * 50


def _polar_meas(rng, k, ndim=3):
    z = np.column_stack([rng.uniform(1e3, 5e4, k), rng.uniform(0, 2 * np.pi, k),
                         rng.uniform(-0.2, 0.8, k), rng.normal(0, 200, k)])
    z[rng.random(k) < 0.3, 3] = np.nan  # some without range rate
    R = np.broadcast_to(np.diag([25.0, 1e-5, 1e-5, 4.0]), (k, 4, 4)).copy()
    R[np.isnan(z[:, 3]), 3, :] = np.nan
    R[np.isnan(z[:, 3]), :, 3] = np.nan
    meas = Measurements.polar(rng.uniform(-1, 0, k), z, R, rng.normal(0, 500, (k, 3)), ndim)
    meas.offset_s = meas.time_s.copy()
    return meas


@pytest.mark.parametrize("ndim", [2, 3])
def test_polar_innovations_match_numpy(rng, ndim):
    """EKF polar innovations (offsets, masked components) equal the batched NumPy formulas."""
    d = 2 * ndim + 2
    x, P = _states(rng, 6, d)
    meas = _polar_meas(rng, 5, ndim)
    ti, mj = np.repeat(np.arange(6), 5), np.tile(np.arange(5), 6)
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim))
    inn = f._innovations(x, P, ti, ti, meas, mj)
    ref = _ref_innovations(x[ti], P[ti], meas, mj)
    for got, want in zip((inn.nu, inn.S, inn.PHt, inn.d2, inn.loglik), ref, strict=True):
        assert np.allclose(got, want, rtol=1e-9, atol=1e-9)
    assert np.array_equal(inn.dof, meas.valid[mj].sum(1))


def test_gain_update_matches_solve(rng):
    """The Cholesky form of the update equals x + K nu, P - K S K' with K = PHt S^-1."""
    x, P = _states(rng, 4, 8)
    meas = _polar_meas(rng, 4)
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    ti = np.arange(4)
    inn = f._innovations(x, P, ti, ti, meas, ti)
    K_ = np.swapaxes(np.linalg.solve(inn.S, np.swapaxes(inn.PHt, 1, 2)), 1, 2)
    xw = x + np.einsum("pij,pj->pi", K_, inn.nu)
    Pw = _sym(P - K_ @ inn.S @ np.swapaxes(K_, 1, 2))
    xg, Pg = x.copy(), P.copy()
    K.gain_update(xg, Pg, ti, inn.nu, inn.S, inn.PHt, ti)
    assert np.allclose(xg, xw, rtol=1e-9, atol=1e-6)
    assert np.allclose(Pg, Pw, rtol=1e-8, atol=1e-6)
    assert np.array_equal(Pg, np.swapaxes(Pg, 1, 2))


def test_barely_indefinite_covariance_is_floored():
    """An innovation covariance with a tiny negative eigenvalue gets finite statistics, and a
    positive definite one is factorised as by LAPACK."""
    S = np.diag([4.0, 1.0, 1e-300, 1.0])
    S[2, 2] = -1e-14
    d2, ll = K.innovation_stats(np.array([[1.0, 1.0, 0.0, 1.0]]), S[None], np.array([4]))
    assert np.isfinite(d2[0]) and np.isfinite(ll[0])
    assert d2[0] == pytest.approx(0.25 + 1 + 1)
    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    L = np.zeros((2, 2))
    K.cholesky_floored(A, L)
    assert np.allclose(L, np.linalg.cholesky(A))


def _ref_imm_predict(imm, x, P, mu, dt):
    # Mixing and per-model EKF prediction, NumPy (the models' own transition_jacobian).
    m, r, d = x.shape
    c = np.maximum(mu @ imm.Pi, 1e-300)
    w = mu[:, :, None] * imm.Pi[None] / c[:, None, :]  # (m, i, j)
    xs, Ps = np.empty_like(x), np.empty_like(P)
    for j, f in enumerate(imm.filters):
        x0 = np.einsum("mi,mid->md", w[:, :, j], x)
        dx = x - x0[:, None]
        P0 = np.einsum("mi,mide->mde", w[:, :, j], P + dx[..., :, None] * dx[..., None, :])
        xj, F = f.motion.transition_jacobian(x0, dt)
        F = np.broadcast_to(F, (m, d, d))
        xs[:, j] = xj
        Ps[:, j] = _sym(F @ P0 @ np.swapaxes(F, 1, 2) + f.motion.noise(x0, dt))
    return xs, Ps, c / c.sum(1, keepdims=True)


def test_imm_predict_matches_numpy(rng):
    """IMM mixing and prediction (CV, CT, ballistic) equal the NumPy mixture formulas."""
    imm = IMMFilter([ConstantVelocity(5.0), CoordinatedTurn(5.0), Ballistic(5.0)],
                    np.full((3, 3), 0.025) + np.eye(3) * 0.925)
    m = 7
    x0, P0 = _states(rng, m, imm.dim)
    x = np.repeat(x0[:, None], 3, 1) + rng.normal(0, 20, (m, 3, imm.dim))
    x[:, :, 6] = rng.normal(0, 0.05, (m, 3))  # turn rate
    x[:, :, 7] = np.abs(rng.normal(1e-4, 1e-4, (m, 3)))  # drag coefficient
    P = np.repeat(P0[:, None], 3, 1)
    mu = rng.dirichlet(np.ones(3), m)
    assert imm._fused_spec(1.3) is not None  # EKF models: one imm_predict call
    got = imm.predict(IMMState(x, P, mu), 1.3)
    want = _ref_imm_predict(imm, x, P, mu, 1.3)
    assert np.allclose(got.x, want[0], rtol=1e-10, atol=1e-8)
    assert np.allclose(got.P, want[1], rtol=1e-9, atol=1e-6)
    assert np.allclose(got.mu, want[2], rtol=1e-12)


def _ref_ballistic(x, dt, sub=0.25):
    # RK4 of gravity plus drag, NumPy.
    n = max(1, int(np.ceil(abs(dt) / sub)))
    h = dt / n

    def deriv(s):
        v, k = s[:, 3:6], np.clip(s[:, 6:7], 0.0, 0.02)
        rho = 1.225 * np.exp(-np.clip(s[:, 2:3], -5e3, None) / 7200.0)
        sp = np.linalg.norm(v, axis=1, keepdims=True)
        c = np.minimum(0.5 * rho * k, 300.0 / np.maximum(sp * sp, 1e-9))
        acc = -c * sp * v
        acc[:, 2] -= 9.80665
        return np.concatenate([v, acc, np.zeros_like(k)], axis=1)

    s = x.copy()
    for _ in range(n):
        k1 = deriv(s)
        k2 = deriv(s + 0.5 * h * k1)
        k3 = deriv(s + 0.5 * h * k2)
        k4 = deriv(s + h * k3)
        s = s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    s[:, 6] = np.clip(s[:, 6], 0.0, 0.02)
    return s


def test_wrap_pi_is_the_remainder_form():
    """The angle wrap equals (e + pi) % 2 pi - pi bit for bit, inside and outside [-pi, pi)."""
    e = np.r_[np.linspace(-20.0, 20.0, 4001), -np.pi, np.pi, 0.0, -0.0, np.nextafter(np.pi, 0)]
    got = np.array([K._wrap_pi(v) for v in e])
    want = (e + np.pi) % (2 * np.pi) - np.pi
    assert np.array_equal(got, want)
    assert np.isnan(K._wrap_pi(np.nan))


def test_ballistic_flow_matches_numpy_rk4(rng):
    """The compiled ballistic flow equals a NumPy RK4 of the same dynamics, with and without
    the variational equations, and its Jacobian equals central differences (drag below its
    300 m/s^2 cap, where the cap's kink would make differences one-sided)."""
    x = np.column_stack([rng.normal(0, 1e4, (5, 2)), rng.uniform(1e3, 3e4, 5),
                         rng.normal(0, 200, (5, 3)), rng.uniform(0, 1e-3, 5)])
    model = Ballistic()
    want = _ref_ballistic(x, 1.7)
    assert np.allclose(model.transition(x, 1.7), want, rtol=1e-12, atol=1e-9)
    s, J = model.transition_jacobian(x, 1.7)
    assert np.allclose(s, want, rtol=1e-12, atol=1e-9)
    h = np.array([1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 1e-6])
    for c in range(7):
        e = np.zeros(7)
        e[c] = h[c]
        fd = (_ref_ballistic(x + e, 1.7) - _ref_ballistic(x - e, 1.7)) / (2 * h[c])
        assert np.allclose(J[:, :, c], fd, rtol=1e-5, atol=1e-6)



def _ballistic_every_column(x, dt, sub):
    # ballistic_transition's states and Jacobians (7, 7 of the model's own components) with
    # every Jacobian column integrated (no shortcut).
    nsub = max(1, int(np.ceil(abs(dt) / sub)))
    Y, T, k1, k2, k3, k4 = (np.zeros((7, 8)) for _ in range(6))
    idx = np.arange(7)
    out = np.empty((len(x), 7, 8))
    for i in range(len(x)):
        K._ballistic_track(x, i, idx, nsub, dt / nsub, True, 1, Y, T, k1, k2, k3, k4)
        out[i] = Y
    return out


def test_ballistic_jacobian_equals_every_column_integrated(rng):
    """The ballistic flow's Jacobian, whose x and y columns are not integrated (the flow does
    not depend on them), equals the RK4 of every column bit for bit, and a state whose drag
    coefficients are not finite (a huge speed) takes every column: the same NaNs."""
    x = np.column_stack([rng.normal(0, 1e4, (6, 2)), rng.uniform(-6e3, 3e4, 6),
                         rng.normal(0, 300, (6, 3)), rng.uniform(0, 3e-2, 6)])
    x[4, 3:6] = 1e200  # |v|^2 overflows: c |v| is NaN
    x[5, 3:6] = 1e-12  # the speed's floor
    for dt in (1.0, 0.3, -0.7):
        s, J = K.ballistic_transition(x, dt, 0.25, np.arange(7), True)
        Y = _ballistic_every_column(x, dt, 0.25)
        assert np.array_equal(J, Y[:, :, 1:], equal_nan=True)
        assert np.array_equal(s[:, :6], Y[:, :6, 0], equal_nan=True)
        assert np.isnan(J[4]).any() and np.array_equal(J[:4, :, :2], np.broadcast_to(
            np.eye(7)[:, :2], (4, 7, 2)))


def test_propagate_cov_of_a_shared_transition_equals_per_track(rng):
    """``F P F' + Q`` with one shared linear F equals the same F given per track, bit for bit,
    also for a covariance with infinite or NaN entries (a zero of F times infinity is NaN)."""
    m, d = 5, 8
    F = np.eye(d)
    F[:3, 3:6] = 1.3 * np.eye(3)
    F[6, 7] = -0.0
    A = rng.normal(size=(m, d, d))
    P0 = A @ np.swapaxes(A, 1, 2)
    P0[1, 2, 4] = np.inf
    P0[3, 6, 6] = np.nan
    Q = np.diag(rng.uniform(0.1, 1.0, d))
    qs = rng.uniform(0.2, 1.0, m)
    for scale in (qs, np.empty(0)):
        got = np.empty((m, 2, d, d))
        want = np.empty((m, 2, d, d))
        K.propagate_cov(F[None], P0, Q, got, 1, scale)
        K.propagate_cov(np.repeat(F[None], m, 0), P0, Q, want, 1, scale)
        assert np.array_equal(got[:, 1], want[:, 1], equal_nan=True)
        assert np.isnan(got[1, 1]).any() and np.isfinite(got[0, 1]).all()

@pytest.mark.parametrize("ndim", [2, 3])
def test_polar_measurements_match_numpy(rng, ndim):
    """Masking, positions, covariances and clutter scales of polar measurements (the
    Jacobian r^2 |cos el| or r, over the default 3000 m/s Doppler span where a row has a range
    rate). Positions and covariances are the unbiased conversion (Mo et al. 1998, whose closed
    forms test_conversion checks): at these sigmas (3.2 mrad) within 2e-5 (positions) and 1e-4
    (covariances) relative of the
    plain conversion and ``J R J'``."""
    meas = _polar_meas(rng, 6, ndim)
    z = meas.z
    r, az, el = z[:, 0], z[:, 1], z[:, 2]
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    if ndim == 3:
        pos = np.stack([r * ce * sa, r * ce * ca, r * se], 1)
        J = np.stack([np.stack([ce * sa, r * ce * ca, -r * se * sa], 1),
                      np.stack([ce * ca, -r * ce * sa, -r * se * ca], 1),
                      np.stack([se, np.zeros(6), r * ce], 1)], 1)
        scale = r**2 * np.abs(ce)
    else:
        pos = np.stack([r * sa, r * ca], 1)
        J = np.stack([np.stack([sa, r * ca], 1), np.stack([ca, -r * sa], 1)], 1)
        scale = r
    m = 3 if ndim == 3 else 2
    lam = np.exp(-0.5 * 1e-5 * (2 if ndim == 3 else 1))
    assert np.allclose(meas.pos, pos + meas.sensor_enu[:, :ndim], rtol=0, atol=2e-5 * r.max())
    assert np.allclose(np.linalg.norm(meas.pos - meas.sensor_enu[:, :ndim], axis=1), r / lam)
    JRJ = J @ meas.R[:, :m, :m] @ np.swapaxes(J, 1, 2)
    assert np.allclose(meas.pos_cov, JRJ, rtol=1e-4, atol=1e-4 * np.abs(JRJ).max())
    assert np.allclose(meas.clutter_scale, np.where(meas.valid[:, 3], scale / 3000.0, scale))
    assert not meas.valid[:, 2].any() if ndim == 2 else meas.valid[:, 2].all()
    assert np.array_equal(meas.valid[:, 3], np.isfinite(meas.z[:, 3]) & (meas.z[:, 3] != 0))
    missing = ~meas.valid
    assert (meas.z[missing] == 0).all()
    assert np.allclose(meas.R[missing[:, :, None] & np.eye(4, dtype=bool)], 1.0)


def _ref_pairs(ini, c, cscan, new, scan):
    # Two-point pairing of candidates c and new rows (candidate_rows layout), NumPy.
    n = 3
    o = n + n * n
    cov = lambda a: a[:, n:o].reshape(-1, n, n)  # noqa: E731
    dt = new[None, :, -1] - c[:, None, -1]
    d = new[None, :, :n] - c[:, None, :n]
    dist2 = (d * d).sum(-1)
    gate = ini.max_speed * dt + ini.k * np.sqrt(c[:, None, o] + new[None, :, o])
    ok = (cscan[:, None] < scan) & (dt >= ini.min_dt) & (dist2 <= gate * gate)
    ci, mj = np.nonzero(ok)

    def agrees(row_u):
        u, rr, rv = row_u[:, o + 1:o + 1 + n], row_u[:, o + 1 + n], row_u[:, o + 2 + n]
        tt = dt[ci, mj]
        uRu = np.einsum("pi,pij,pj->p", u, cov(c)[ci] + cov(new)[mj], u)
        s = np.sqrt(rv + uRu / tt**2)
        gap = np.abs(np.einsum("pi,pi->p", d[ci, mj], u) / tt - rr)
        return ~np.isfinite(rr) | (gap <= ini.k * s + 0.5 * ini.max_accel * tt)

    keep = agrees(new[mj]) & agrees(c[ci])
    ci, mj = ci[keep], mj[keep]
    cost = np.sqrt(dist2[ci, mj]) / gate[ci, mj]
    o2 = np.lexsort((cost, mj))
    ci, mj = ci[o2], mj[o2]
    first = np.r_[True, mj[1:] != mj[:-1]] if mj.size else np.zeros(0, bool)
    return ci[first], mj[first]


def test_two_point_pairing_matches_numpy(rng):
    """Each detection's best candidate (velocity gate, range-rate agreement, least normalised
    distance) equals the all-pairs NumPy selection."""
    ini = TwoPointInitiator(max_speed_mps=400.0, gate_sigmas=3.0)
    old = _polar_meas(rng, 40)
    new_meas = _polar_meas(rng, 40)
    new_meas.sensor_enu[:] = old.sensor_enu  # the same radars
    t0, t1 = old.offset_s - 2.0, new_meas.offset_s
    # detections near the candidates, some moving at the range rate
    c = K.candidate_rows(old.pos, old.pos_cov, old.sensor_enu, old.z, old.R, old.valid, t0, True)
    nw = K.candidate_rows(old.pos + rng.normal(0, 300, old.pos.shape), new_meas.pos_cov,
                          new_meas.sensor_enu, new_meas.z, new_meas.R, new_meas.valid, t1, True)
    cscan = rng.integers(0, 3, len(c))
    got = K.pair_candidates(c, cscan, nw, 3, 2, ini.max_speed, ini.k, ini.min_dt, ini.max_accel)
    want = _ref_pairs(ini, c, cscan, nw, 2)
    assert len(want[0]) > 3
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_assignment_clusters_split_as_by_components(rng):
    """Simple clusters take their best pair; conflicted ones (two tracks and two measurements
    or more) are returned whole; the full solution is optimal on small random problems."""
    import itertools

    for _ in range(30):
        m, k = rng.integers(1, 5), rng.integers(1, 5)
        pairs = [(i, j) for i in range(m) for j in range(k) if rng.random() < 0.5]
        if not pairs:
            continue
        ti, mj = (np.array(a) for a in zip(*pairs, strict=True))
        g = rng.normal(1.0, 2.0, len(ti))
        sel = _best_assignment(ti, mj, g, m, k)
        assert len(set(ti[sel])) == len(sel) == len(set(mj[sel]))
        assert (g[sel] > 0).all()
        best = 0.0
        for r in range(1, len(ti) + 1):
            for comb in itertools.combinations(range(len(ti)), r):
                c = list(comb)
                if len(set(ti[c])) == r == len(set(mj[c])):
                    best = max(best, np.maximum(g[c], 0).sum() if (g[c] > 0).all() else 0)
        assert g[sel].sum() == pytest.approx(best)


def test_unique_inverse_and_picture(rng):
    """unique_inverse is np.unique(return_inverse=True); picture selects components and flags
    non-finite tracks."""
    a = rng.integers(0, 5, 30)
    u, inv = K.unique_inverse(a)
    wu, winv = np.unique(a, return_inverse=True)
    assert np.array_equal(u, wu) and np.array_equal(inv, winv.ravel())
    x, P = _states(rng, 4, 8)
    P[2, 7, 7] = np.nan
    sel = np.array([0, 1, 2, 3, 4, -1])
    X, PP, finite = K.picture(x, P, sel)
    assert np.array_equal(X[:, :5], x[:, :5]) and (X[:, 5] == 0).all()
    assert np.array_equal(PP[:, :5, :5], P[:, :5, :5]) and (PP[:, 5] == 0).all()
    assert finite.tolist() == [True, True, False, True]


def test_kernels_are_repeatable(rng):
    """The same inputs give bit-identical outputs (no fastmath, no threads)."""
    x, P = _states(rng, 5, 8)
    meas = _polar_meas(rng, 5)
    ti = np.repeat(np.arange(5), 5)
    mj = np.tile(np.arange(5), 5)
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    a = f._innovations(x, P, ti, ti, meas, mj)
    b = f._innovations(x.copy(), P.copy(), ti, ti, meas, mj)
    assert np.array_equal(a.S, b.S) and np.array_equal(a.loglik, b.loglik)
    s1 = f.update(KalmanState(x, P), a.take(np.arange(0, 25, 5)))
    s2 = f.update(KalmanState(x, P), b.take(np.arange(0, 25, 5)))
    assert np.array_equal(s1.x, s2.x) and np.array_equal(s1.P, s2.P)


def _imm_states(rng, m):
    imm = IMMFilter([ConstantVelocity(5.0), CoordinatedTurn(5.0), Ballistic(5.0)],
                    np.full((3, 3), 0.025) + np.eye(3) * 0.925)
    x0, P0 = _states(rng, m, imm.dim, spread=2000.0)
    x = np.repeat(x0[:, None], 3, 1) + rng.normal(0, 50, (m, 3, imm.dim))
    P = np.repeat(P0[:, None], 3, 1) * rng.uniform(0.5, 2.0, (m, 3, 1, 1))
    return imm, IMMState(x, P, rng.dirichlet(np.ones(3), m))


def test_fused_polar_gate_equals_composed_gate(rng):
    """The one-pass polar gate gives the pairs, innovations and mixture figures of
    innovations-then-test on every candidate (IMM and EKF), and its coarse gate keeps them."""
    imm, st = _imm_states(rng, 6)
    meas = _polar_meas(rng, 8)
    # Measurements near the tracks, so that some pairs pass the gate.
    near = Measurements.polar(0.0, np.column_stack([
        np.linalg.norm(st.x[:, 0, :3] - meas.sensor_enu[:6], axis=1),
        np.mod(np.arctan2(*(st.x[:, 0, :2] - meas.sensor_enu[:6, :2]).T), 2 * np.pi),
        np.arcsin((st.x[:, 0, 2] - meas.sensor_enu[:6, 2])
                  / np.linalg.norm(st.x[:, 0, :3] - meas.sensor_enu[:6], axis=1)),
        np.full(6, np.nan)]), meas.R[:6] * 1e4, meas.sensor_enu[:6])
    near.offset_s = np.zeros(6)
    thr = ChiSquareGate(0.999)._thresholds(4)[0]
    for m in (meas, near):
        ti, mj = np.repeat(np.arange(6), len(m)), np.tile(np.arange(len(m)), 6)
        ref = imm.innovations(st, ti, m, mj)
        ref = ref.take(ref.d2 <= thr[ref.dof])
        for got in (imm.gate_polar(st, m, thr, -1.0, ti, mj), imm.gate_polar(st, m, thr, 1e9)):
            assert np.array_equal(got.ti, ref.ti) and np.array_equal(got.mj, ref.mj)
            assert np.array_equal(got.d2, ref.d2) and np.array_equal(got.loglik, ref.loglik)
            assert np.array_equal(got.dof, ref.dof)
            for a, b in zip(got.per_model, ref.per_model, strict=True):
                assert np.array_equal(a.nu, b.nu) and np.array_equal(a.PHt, b.PHt)
                assert np.array_equal(a.ti, b.ti) and np.array_equal(a.loglik, b.loglik)
    assert len(imm.gate_polar(st, near, thr, 1e9).ti) > 0
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    ks = KalmanState(st.x[:, 0, :6].copy(), st.P[:, 0, :6, :6].copy())
    ti, mj = np.repeat(np.arange(6), 6), np.tile(np.arange(6), 6)
    ref = f.innovations(ks, ti, near, mj)
    ref = ref.take(ref.d2 <= thr[ref.dof])
    got = f.gate_polar(ks, near, thr, -1.0, ti, mj)
    assert len(ref.ti) > 0 and np.array_equal(got.ti, ref.ti)
    assert np.array_equal(got.S, ref.S) and np.array_equal(got.loglik, ref.loglik)


def test_polar_sequence_equals_update_loop(rng):
    """Ordered updates in one kernel equal update-then-recompute-innovations, rank by rank."""
    imm, st = _imm_states(rng, 4)
    meas = _polar_meas(rng, 5)
    ti_all, mj_all = np.repeat(np.arange(4), 5), np.tile(np.arange(5), 4)
    inn = imm.innovations(st, ti_all, meas, mj_all).take(np.arange(20))
    # Track 0: rows 0 then 3 then 4; track 2: row 1; track 3: row 2.
    ti = np.array([0, 0, 0, 2, 3])
    mj = np.array([0, 3, 4, 1, 2])
    rank = np.array([0, 1, 2, 0, 0])
    order_sel = np.array([0, 0, 0, 11, 17])
    got = imm.update_polar_sequence(st, inn, order_sel, ti, mj, rank, meas)
    want = imm.update(st, inn.take(np.array([0, 11, 17])))
    for r in (1, 2):
        s = rank == r
        want = imm.update(want, imm.innovations(want, ti[s], meas, mj[s]))
    assert np.array_equal(got.x, want.x) and np.array_equal(got.P, want.P)
    assert np.array_equal(got.mu, want.mu)
    assert not np.array_equal(got.x[0], st.x[0]) and np.array_equal(got.x[1], st.x[1])


def test_shift_states_is_f_p_f_transposed(rng):
    """shift_states moves states by -tau at constant velocity: x = F x, P = F P F' with
    F = [[I, -tau I], [0, I]] (the batched NumPy product; same bits), and leaves every row
    alone when all offsets are 0."""
    p, n, D = 5, 3, 8
    x = rng.normal(size=(p, D))
    A = rng.normal(size=(p, D, D))
    P = A @ np.swapaxes(A, 1, 2)
    tau = rng.uniform(-1.0, 0.0, p)
    tau[1] = 0.0
    F = np.broadcast_to(np.eye(D), (p, D, D)).copy()
    F[:, np.arange(n), n + np.arange(n)] = -tau[:, None]
    xs, Ps = x.copy(), P.copy()
    K.shift_states(xs, Ps, tau, n)
    assert np.allclose(xs, np.einsum("pij,pj->pi", F, x), rtol=0, atol=1e-12)
    assert np.allclose(Ps, F @ P @ np.swapaxes(F, 1, 2), rtol=1e-12, atol=1e-9)
    assert np.array_equal(xs[1], x[1]) and np.array_equal(Ps[1], P[1])
    xs, Ps = x.copy(), P.copy()
    K.shift_states(xs, Ps, np.zeros(p), n)
    assert np.array_equal(xs, x) and np.array_equal(Ps, P)


def test_born_tracks_m_of_n():
    """Born tracks hold their hit now and, when inside the window (ago < N), the first one
    ago scans before; confirmed with M hits (and the score unless NaN), always when M is 1."""
    ago = np.array([0, 1, 2, 3, 5])
    score = np.array([10.0, 10.0, 1.0, 10.0, 10.0])
    hist, scans, conf = K.born_tracks(ago, score, 3, 2, 6.8)
    assert hist.tolist() == [1, 0b11, 0b101, 1, 1]
    assert scans.tolist() == [1, 2, 3, 1, 1]
    assert conf.tolist() == [False, True, False, False, False]
    assert K.born_tracks(ago, score, 3, 2, np.nan)[2].tolist() == [False, True, True, False,
                                                                   False]
    assert K.born_tracks(ago, score, 3, 1, 6.8)[2].all()


def test_assign_sequence_is_clusters_then_order(rng):
    """assign_sequence gives the pairs and update order of _best_assignment (rows: track x
    radar) followed by update_sequence; with a conflicted cluster it reports not done."""
    for _ in range(30):
        m, k, ns = rng.integers(1, 5), rng.integers(1, 7), 2
        sensor = rng.integers(0, ns, k)
        pairs = [(i, j) for i in range(m) for j in range(k) if rng.random() < 0.5]
        if not pairs:
            continue
        ti, mj = (np.array(a, np.int64) for a in zip(*pairs, strict=True))
        g = rng.normal(1.0, 2.0, len(ti))
        when = rng.uniform(-1.0, 0.0, k)
        done, rows, chosen, conflicted, bounds, seq = K.assign_sequence(
            sensor, ns, ti, mj, g, when, int(m), int(k), -0.5)
        assert np.array_equal(rows, ti * ns + sensor[mj])
        if not done:
            assert bounds.size and conflicted.size
            continue
        sel = _best_assignment(rows, mj, g, m * ns, k)
        want = K.update_sequence(np.asarray(sel, np.int64), ti, mj, g, when, int(m), int(k),
                                 -0.5)
        for a, b in zip(seq, want, strict=True):
            assert np.array_equal(a, b)
