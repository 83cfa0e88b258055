"""EKF and UKF against the linear Kalman filter and finite differences."""

import numpy as np
import pytest

from airdefense.sensors.base import enu_to_polar, polar_to_enu
from airdefense.tracking.kalman import (
    ExtendedKalmanFilter,
    KalmanState,
    Measurements,
    UnscentedKalmanFilter,
    polar_h,
    polar_jacobian,
)
from airdefense.tracking.metrics import chi2_interval, nees, nis
from airdefense.tracking.models import ConstantVelocity


def _state(rng, m, d=6):
    x = rng.normal(0, 1000, (m, d))
    x[:, 2] = np.abs(x[:, 2]) + 500
    A = rng.normal(size=(m, d, d))
    return KalmanState(x, A @ np.swapaxes(A, 1, 2) + np.eye(d) * 10)


def test_ekf_cartesian_matches_textbook_kalman(rng):
    """A CV predict plus Cartesian update equals x + K(z - Hx), (I - KH)P computed by hand."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2))
    s = _state(rng, 3, 4)
    z = rng.normal(0, 1000, (3, 2))
    meas = Measurements.cartesian(0.0, z, 5.0)
    pred = f.predict(s, 2.0)
    inn = f.innovations(pred, np.arange(3), meas, np.arange(3))
    post = f.update(pred, inn)
    H = np.hstack([np.eye(2), np.zeros((2, 2))])
    for i in range(3):
        F = np.block([[np.eye(2), 2 * np.eye(2)], [np.zeros((2, 2)), np.eye(2)]])
        P = F @ s.P[i] @ F.T + ConstantVelocity(1.0, 2).noise(None, 2.0)
        x = F @ s.x[i]
        S = H @ P @ H.T + 25 * np.eye(2)
        K = P @ H.T @ np.linalg.inv(S)
        assert np.allclose(post.x[i], x + K @ (z[i] - H @ x))
        assert np.allclose(post.P[i], (np.eye(4) - K @ H) @ P, atol=1e-6)


def test_polar_h_matches_sensor_conversion(rng):
    """polar_h agrees with airdefense.sensors.base.enu_to_polar and inverts polar_to_enu."""
    x = _state(rng, 5).x
    s = rng.normal(0, 100, (5, 3))
    z = polar_h(x, s, 3)
    assert np.allclose(z[:, :3], enu_to_polar(x[:, :3], s))
    assert np.allclose(polar_to_enu(z, s), x[:, :3])
    R = np.diag([1.0, 1e-14, 1e-14, 1.0])  # angles exact enough: no debiasing to speak of
    meas = Measurements.polar(0.0, z, np.broadcast_to(R, (5, 4, 4)), s)
    assert np.allclose(meas.pos, x[:, :3])


@pytest.mark.parametrize("ndim", [2, 3])
def test_polar_jacobian_matches_finite_differences(rng, ndim):
    """The polar Jacobian equals central differences of polar_h."""
    x = _state(rng, 4, 2 * ndim).x
    s = rng.normal(0, 100, (4, 3))
    H = polar_jacobian(x, s, ndim)
    h = 1e-3
    for j in range(2 * ndim):
        e = np.zeros(2 * ndim)
        e[j] = h
        num = (polar_h(x + e, s, ndim) - polar_h(x - e, s, ndim)) / (2 * h)
        num[:, 1] = (np.mod(num[:, 1] * 2 * h + np.pi, 2 * np.pi) - np.pi) / (2 * h)
        assert np.allclose(H[:, :, j], num, rtol=1e-5, atol=1e-8)


def test_missing_range_rate_adds_nothing(rng):
    """A NaN range rate gives the same update as a measurement without that component."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    s = _state(rng, 2)
    z = polar_h(s.x, np.zeros((2, 3)), 3) + 1.0
    R = np.broadcast_to(np.diag([100.0, 1e-6, 1e-6, 4.0]), (2, 4, 4)).copy()
    z_nan, R_nan = z.copy(), R.copy()
    z_nan[:, 3] = np.nan
    R_nan[:, 3, :] = np.nan
    R_nan[:, :, 3] = np.nan
    m_nan = Measurements.polar(0.0, z_nan, R_nan, np.zeros(3))
    m_big = Measurements.polar(0.0, z, np.where(np.eye(4) * [0, 0, 0, 1], 1e30, R), np.zeros(3))
    idx = np.arange(2)
    a = f.update(s, f.innovations(s, idx, m_nan, idx))
    b = f.update(s, f.innovations(s, idx, m_big, idx))
    assert np.allclose(a.x, b.x, rtol=1e-6) and np.allclose(a.P, b.P, rtol=1e-5)
    assert (f.innovations(s, idx, m_nan, idx).dof == 3).all()


def test_ukf_equals_kf_on_linear_problem(rng):
    """On a linear model with Cartesian data the UKF reproduces the Kalman filter."""
    cv = ConstantVelocity(1.0, 2)
    s = _state(rng, 4, 4)
    ek, uk = ExtendedKalmanFilter(cv), UnscentedKalmanFilter(cv)
    pe, pu = ek.predict(s, 1.5), uk.predict(s, 1.5)
    assert np.allclose(pe.x, pu.x) and np.allclose(pe.P, pu.P, rtol=1e-6, atol=1e-6)


def test_ukf_close_to_ekf_for_accurate_polar(rng):
    """With small polar noise and tight priors the UKF and EKF updates agree."""
    cv = ConstantVelocity(1.0, 3)
    x = np.array([[10000.0, 20000.0, 3000.0, -100.0, 50.0, 0.0]])
    s = KalmanState(x, np.diag([25.0, 25, 25, 4, 4, 4])[None])
    z = polar_h(x + 3.0, np.zeros((1, 3)), 3)
    m = Measurements.polar(0.0, z, np.diag([25.0, 1e-6, 1e-6, 1.0])[None], np.zeros(3))
    i = np.arange(1)
    ea = ExtendedKalmanFilter(cv).update(s, ExtendedKalmanFilter(cv).innovations(s, i, m, i))
    ua = UnscentedKalmanFilter(cv).update(s, UnscentedKalmanFilter(cv).innovations(s, i, m, i))
    assert np.allclose(ea.x, ua.x, atol=0.05)
    assert np.allclose(ea.P, ua.P, rtol=0.02, atol=0.01)


def test_azimuth_innovation_wraps(rng):
    """A target just west of north measured just east of north gets a small innovation."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    s = KalmanState(np.array([[-1.0, 1000.0, 0, 0, 0, 0]]), np.eye(6)[None] * 100)
    z = np.array([[1000.0, 0.001, 0.0, np.nan]])
    m = Measurements.polar(0.0, z, np.diag([1.0, 1e-4, 1e-4, np.nan])[None], np.zeros(3))
    inn = f.innovations(s, np.arange(1), m, np.arange(1))
    assert abs(inn.nu[0, 1]) < 0.01


@pytest.mark.parametrize("kind", ["cartesian", "polar"])
def test_time_offset_innovations_are_those_of_the_moved_state(rng, kind):
    """An offset tau gives the innovation of x moved by tau, and H times [[I, tau I], [0, I]]."""
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    s = _state(rng, 5, 6)
    tau = rng.uniform(-1.0, 0.0, 5)
    moved = s.x.copy()
    moved[:, :3] += tau[:, None] * s.x[:, 3:]
    F = np.broadcast_to(np.eye(6), (5, 6, 6)).copy()
    F[:, [0, 1, 2], [3, 4, 5]] = tau[:, None]
    if kind == "cartesian":
        meas = Measurements.cartesian(0.0, moved[:, :3] + rng.normal(0, 10, (5, 3)), 10.0)
    else:
        z = polar_h(moved, np.zeros((5, 3)), 3) + rng.normal(0, 1e-3, (5, 4))
        meas = Measurements.polar(0.0, z, np.broadcast_to(np.eye(4) * 1e-2, (5, 4, 4)),
                                  np.zeros(3))
    i = np.arange(5)
    # Reference: the state moved by tau with covariance F P F', no offset.
    ref = f.innovations(KalmanState(moved, F @ s.P @ np.swapaxes(F, 1, 2)), i, meas, i)
    meas.offset_s = tau
    got = f.innovations(s, i, meas, i)
    assert np.allclose(got.nu, ref.nu, atol=1e-9) and np.allclose(got.S, ref.S)
    assert np.allclose(got.d2, ref.d2) and np.allclose(got.loglik, ref.loglik)
    # The cross-covariance is with the unmoved state: F^-1 times the moved one's.
    assert np.allclose(F @ got.PHt, ref.PHt)


def test_detections_take_their_radars_doppler_span():
    """Rows with a range rate get the clutter scale over their own radar's Doppler span (by
    sensor index, past the end the last); rows without keep the Jacobian; bad spans refused."""
    from airdefense.errors import AirDefenseError
    from airdefense.sensors.base import Detections

    k = 4
    z = np.array([[1e4, 0.3, 0.1, 50.0], [2e4, 1.0, 0.2, np.nan], [3e4, 2.0, 0.05, -20.0],
                  [4e4, 3.0, 0.3, 10.0]])
    R = np.broadcast_to(np.diag([25.0, 1e-6, 1e-6, 4.0]), (k, 4, 4)).copy()
    R[1, 3, :] = R[1, :, 3] = np.nan
    det = Detections(time_s=np.zeros(k), sensor=np.array([0, 1, 1, 2]), z=z, R=R,
                     sensor_enu=np.zeros((k, 3)), snr_db=np.full(k, 20.0),
                     truth_id=np.full(k, -1))
    m = Measurements.from_detections(det, 3, [1000.0, 2000.0])
    jac = z[:, 0] ** 2 * np.cos(z[:, 2])
    assert np.allclose(m.clutter_scale, jac / np.array([1000.0, 1.0, 2000.0, 2000.0]))
    for bad in (0.0, [100.0, np.inf], []):
        with pytest.raises(AirDefenseError, match="range_rate_span_mps: must be finite and > 0"):
            Measurements.from_detections(det, 3, bad)


@pytest.mark.parametrize("cls", [ExtendedKalmanFilter, UnscentedKalmanFilter])
def test_polar_filter_nees_and_nis_consistent(rng, cls):
    """The standard consistency check (Bar-Shalom, Li & Kirubarajan 2001, sec. 5.4): 200 Monte
    Carlo runs of a 3-D nearly-constant-velocity target (q = 1 m^2/s^3, the matched model)
    measured by a radar off the origin in range, azimuth, elevation and range rate. The mean
    NEES (6 dof) and NIS (4 dof) over the runs lie in their two-sided 95% chi-square intervals
    at >= 85% of the steps (95% expected; steps are correlated), and their grand means too."""
    n, steps, dt = 200, 40, 1.0
    cv = ConstantVelocity(1.0, 3)
    site = np.array([2000.0, -3000.0, 20.0])
    L = np.linalg.cholesky(cv.noise(None, dt))
    sig = np.array([20.0, np.radians(0.3), np.radians(0.3), 2.0])
    R = np.broadcast_to(np.diag(sig**2), (n, 4, 4))
    x = np.tile([30000.0, 40000.0, 3000.0, -200.0, 50.0, 0.0], (n, 1))
    P0 = np.diag([200.0**2] * 3 + [50.0**2] * 3)
    f = cls(cv)
    s = KalmanState(x + rng.multivariate_normal(np.zeros(6), P0, n),
                    np.broadcast_to(P0, (n, 6, 6)).copy())
    idx = np.arange(n)
    ne, ni = [], []
    for k in range(steps):
        x = cv.transition(x, dt) + rng.normal(size=(n, 6)) @ L.T
        s = f.predict(s, dt)
        z = polar_h(x, np.broadcast_to(site, (n, 3)), 3) + rng.normal(size=(n, 4)) * sig
        inn = f.innovations(s, idx, Measurements.polar(float(k), z, R.copy(), site), idx)
        ni.append(nis(inn.nu, inn.S).mean())
        s = f.update(s, inn)
        ne.append(nees(x, s.x, s.P).mean())
    for avg, dof in ((np.array(ne[3:]), 6), (np.array(ni[3:]), 4)):
        lo, hi = chi2_interval(dof, n)
        assert np.mean((avg >= lo) & (avg <= hi)) >= 0.85, (dof, avg)
        assert lo <= avg.mean() <= hi, (dof, avg.mean(), lo, hi)


def test_2d_tracker_takes_horizontal_range_from_detections():
    """A 2-D tracker reads a radar detection (slant range and range rate) as the horizontal
    range ``r cos el`` and range rate ``(d_h . v_h) / rho`` of a level target: its measured
    position is the target's east and north, its range-rate residual zero, and the range
    variance ``cos^2 el s_r^2 + r^2 sin^2 el s_el^2`` (closed form). Taking the slant range
    as horizontal put a target 10 km up and 20 km out 2.4 km too far."""
    from airdefense.sensors.base import Detections

    site = np.array([0.0, 0.0, 10.0])
    x = np.array([[12000.0, 16000.0, 10010.0, -150.0, 80.0, 0.0]])
    z = polar_h(x, site[None], 3)
    sr, sa, se, sv = 10.0, 1e-3, 2e-3, 2.0
    R = np.diag([sr**2, sa**2, se**2, sv**2])[None]
    det = Detections(time_s=np.zeros(1), sensor=np.zeros(1, int), z=z, R=R,
                     sensor_enu=site[None], snr_db=np.full(1, 20.0), truth_id=np.zeros(1, int))
    m = Measurements.from_detections(det, 2)
    assert np.allclose(m.pos[0], x[0, :2], atol=1e-6)
    rho = np.hypot(*x[0, :2])
    assert np.isclose(m.z[0, 3], x[0, :2] @ x[0, 3:5] / rho)
    el = z[0, 2]
    assert np.isclose(m.R[0, 0, 0], np.cos(el) ** 2 * sr**2 + z[0, 0] ** 2 * np.sin(el) ** 2
                      * se**2)
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 2))
    s = KalmanState(x[:, [0, 1, 3, 4]], np.eye(4)[None] * 100.0)
    inn = f.innovations(s, np.arange(1), m, np.arange(1))
    assert np.allclose(inn.nu[0], 0.0, atol=1e-9)


@pytest.mark.parametrize("offsets", [True, False])
def test_rows_are_take_field_by_field(offsets):
    """Measurements.rows holds what take holds, field by field and bit for bit (the fields
    taken when first read too), without and with offsets, SNR and radar densities."""
    from dataclasses import fields

    from airdefense.sensors.base import Detections

    k = 5
    z = np.array([[1e4, 0.3, 0.1, 50.0], [2e4, 1.0, 0.2, np.nan], [3e4, 2.0, 0.05, -20.0],
                  [4e4, 3.0, 0.3, 10.0], [5e4, -1.0, 0.02, 5.0]])
    R = np.broadcast_to(np.diag([25.0, 1e-6, 1e-6, 4.0]), (k, 4, 4)).copy()
    R[1, 3, :] = R[1, :, 3] = np.nan
    det = Detections(time_s=np.arange(k) * 0.1, sensor=np.array([0, 1, 1, 2, 0]), z=z, R=R,
                     sensor_enu=np.arange(k * 3.0).reshape(k, 3), snr_db=np.arange(k) + 20.0,
                     truth_id=np.array([3, -1, 4, -1, 5]))
    m = Measurements.from_detections(det, 3, [1000.0, 2000.0], [1e-9, 2e-9, 3e-9])
    if offsets:
        m.offset_s = -np.arange(k) * 0.05
    idx = np.array([4, 1, 3])
    got, want = m.rows(idx), m.take(idx)
    assert isinstance(got, Measurements) and len(got) == 3
    for f in fields(Measurements):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if b is None or isinstance(b, str | int):
            assert a == b, f.name
        else:
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), f.name
