"""The measured position of a polar row: the unbiased converted measurement (Mo et al. 1998).

Checked against Monte Carlo (bias, covariance along and across the line of sight) and the
paper's closed forms written out here in its own frame (x along cos(azimuth)).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements
from airdefense.tracking.management import SinglePointInitiator
from airdefense.tracking.models import ConstantVelocity


def _mo_3d(r, th, ph, vr, vt, vp):
    """Mo, Song, Zhou, Sun & Bar-Shalom (1998), 3-D unbiased conversion, in the paper's frame
    ``x = r cos(ph) cos(th)``, ``y = r cos(ph) sin(th)``, ``z = r sin(ph)``: position (3,) and
    covariance (3, 3)."""
    lt, lp = np.exp(-vt / 2), np.exp(-vp / 2)
    lt2, lp2 = np.exp(-2 * vt), np.exp(-2 * vp)
    x = np.array([r * np.cos(ph) * np.cos(th) / (lt * lp),
                  r * np.cos(ph) * np.sin(th) / (lt * lp), r * np.sin(ph) / lp])
    k = r**2 + vr
    a = 1 / (lt**2 * lp**2) - 2
    R11 = (a * r**2 * np.cos(th)**2 * np.cos(ph)**2
           + 0.25 * k * (1 + lt2 * np.cos(2 * th)) * (1 + lp2 * np.cos(2 * ph)))
    R22 = (a * r**2 * np.sin(th)**2 * np.cos(ph)**2
           + 0.25 * k * (1 - lt2 * np.cos(2 * th)) * (1 + lp2 * np.cos(2 * ph)))
    R33 = (1 / lp**2 - 2) * r**2 * np.sin(ph)**2 + 0.5 * k * (1 - lp2 * np.cos(2 * ph))
    R12 = (a * r**2 * np.cos(th) * np.sin(th) * np.cos(ph)**2
           + 0.25 * k * lt2 * np.sin(2 * th) * (1 + lp2 * np.cos(2 * ph)))
    b = 1 / (lt * lp**2) - 1 / lt - lt
    R13 = (b * r**2 * np.cos(th) * np.sin(ph) * np.cos(ph)
           + 0.5 * k * lt * lp2 * np.cos(th) * np.sin(2 * ph))
    R23 = (b * r**2 * np.sin(th) * np.sin(ph) * np.cos(ph)
           + 0.5 * k * lt * lp2 * np.sin(th) * np.sin(2 * ph))
    return x, np.array([[R11, R12, R13], [R12, R22, R23], [R13, R23, R33]])


def _to_enu(x, C):
    # The paper's (x along cos(azimuth) = north, y = east, z = up) to ENU.
    p = np.array([1, 0, 2])
    return x[p], C[np.ix_(p, p)]


def _polar(z, R, sensor=None, ndim=3):
    k = len(z)
    sensor = np.zeros(3) if sensor is None else sensor
    return Measurements.polar(0.0, np.asarray(z, float), np.repeat(R[None], k, 0), sensor, ndim)


@settings(max_examples=60, deadline=None)
@given(r=st.floats(100.0, 2e5), th=st.floats(0.0, 2 * np.pi), ph=st.floats(-0.3, 1.5),
       sr=st.floats(0.1, 200.0), st_=st.floats(1e-4, 0.2), sp=st.floats(1e-4, 0.2))
def test_position_and_covariance_are_the_papers_closed_forms(r, th, ph, sr, st_, sp):
    """The converted position and covariance equal Mo et al.'s closed forms (the paper's
    frame mapped to ENU, the sensor's position added), for any geometry and noise."""
    sensor = np.array([100.0, -50.0, 7.0])
    R = np.diag([sr**2, st_**2, sp**2, np.nan])
    m = _polar([[r, th, ph, np.nan]], R, sensor)
    x, C = _to_enu(*_mo_3d(r, th, ph, sr**2, st_**2, sp**2))
    scale = r**2 + sr**2
    assert np.allclose(m.pos[0], x + sensor, rtol=1e-12, atol=1e-9 * r)
    assert np.allclose(m.pos_cov[0], C, rtol=1e-9, atol=1e-9 * scale)
    assert np.linalg.eigvalsh(m.pos_cov[0]).min() >= -1e-9 * scale


@settings(max_examples=30, deadline=None)
@given(r=st.floats(100.0, 2e5), th=st.floats(0.0, 2 * np.pi), sr=st.floats(0.1, 200.0),
       st_=st.floats(1e-4, 0.2))
def test_two_dimensional_form_is_the_three_dimensional_one_at_zero_elevation(r, th, sr, st_):
    """In 2-D (horizontal range and azimuth) the conversion is the 3-D one at elevation 0
    without elevation noise (the paper's 2-D case)."""
    m2 = _polar([[r, th, np.nan, np.nan]], np.diag([sr**2, st_**2, np.nan, np.nan]), ndim=2)
    x, C = _to_enu(*_mo_3d(r, th, 0.0, sr**2, st_**2, 0.0))
    assert np.allclose(m2.pos[0], x[:2], rtol=1e-12, atol=1e-9 * r)
    assert np.allclose(m2.pos_cov[0], C[:2, :2], rtol=1e-9, atol=1e-9 * (r**2 + sr**2))


def test_small_angle_noise_gives_the_linearised_conversion():
    """With small angular noise the conversion tends to ``(r cos el sin az, ...)`` and
    ``J R J'`` (the first-order terms)."""
    r, az, el = 30000.0, 2.0, 0.2
    R = np.diag([10.0**2, 1e-6**2, 1e-6**2, np.nan])
    m = _polar([[r, az, el, np.nan]], R)
    J = np.array([[np.cos(el) * np.sin(az), r * np.cos(el) * np.cos(az),
                   -r * np.sin(el) * np.sin(az)],
                  [np.cos(el) * np.cos(az), -r * np.cos(el) * np.sin(az),
                   -r * np.sin(el) * np.cos(az)],
                  [np.sin(el), 0.0, r * np.cos(el)]])
    plain = r * np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
    assert np.allclose(m.pos[0], plain, rtol=1e-12)
    assert np.allclose(m.pos_cov[0], J @ R[:3, :3] @ J.T, rtol=1e-6, atol=1e-6)


def _noisy(rng, n, ndim, r, az, el, sr, sa, se):
    # n polar rows about (r, az, el) with independent noise (no elevation in 2-D).
    z = np.column_stack([r + sr * rng.normal(size=n), az + sa * rng.normal(size=n),
                         el + se * rng.normal(size=n), np.full(n, np.nan)])
    if ndim == 2:
        z[:, 2] = np.nan
    return z


def _enu(z):
    # Plain conversion of rows (k, 4) (elevation NaN: 0).
    el = np.nan_to_num(z[:, 2])
    return z[:, :1] * np.column_stack([np.cos(el) * np.sin(z[:, 1]),
                                       np.cos(el) * np.cos(z[:, 1]), np.sin(el)])


_N = 200_000
_GEOM = dict(r=60000.0, az=1.1, sr=20.0, sa=0.03)  # 60 km, 30 mrad: r sa^2 / sr = 2.7


@pytest.mark.parametrize("ndim", [2, 3])
def test_monte_carlo_given_the_truth(ndim):
    """200,000 noisy rows of one target: the converted positions' mean error is within 4
    standard errors of 0 on every axis (the plain conversion is 51 m short along the line of
    sight in 3-D, 21 standard errors on the east axis), and the mean converted covariance
    matches the errors' covariance within 3 % across the line of sight; along it, being
    conditioned on the measurement, it is larger (conservative: terms in r^2 sa^4)."""
    rng = np.random.default_rng(20261126)
    el, se = (0.35, 0.03) if ndim == 3 else (0.0, 0.0)
    g = _GEOM
    z = _noisy(rng, _N, ndim, g["r"], g["az"], el, g["sr"], g["sa"], se)
    m = _polar(z, np.diag([g["sr"]**2, g["sa"]**2, se**2 if ndim == 3 else np.nan, np.nan]),
               ndim=ndim)
    u = np.array([np.cos(el) * np.sin(g["az"]), np.cos(el) * np.cos(g["az"]), np.sin(el)])
    e = m.pos - g["r"] * u[:ndim]
    assert np.all(np.abs(e.mean(0)) < 4 * e.std(0) / np.sqrt(_N))
    C, Cm = np.cov(e.T), m.pos_cov.mean(0)
    w = np.array([np.cos(g["az"]), -np.sin(g["az"]), 0.0])[:ndim]  # across, horizontal
    assert w @ Cm @ w == pytest.approx(w @ C @ w, rel=0.03)
    assert u[:ndim] @ Cm @ u[:ndim] >= u[:ndim] @ C @ u[:ndim]


@pytest.mark.parametrize("ndim", [2, 3])
def test_monte_carlo_given_the_measurement(ndim):
    """What the covariance is (Mo et al.): given one measurement, the mean square error of
    the converted position about the true positions (the measurement minus 200,000 noise
    draws), ``E[(x_u - x)(x_u - x)' | z]``, within 3 % along the line of sight (where
    ``J R J'`` claimed 400 m^2 against 5,600 about the plain conversion in 3-D) and across
    it, and 0.01 in every normalised entry."""
    rng = np.random.default_rng(7)
    el, se = (0.35, 0.03) if ndim == 3 else (0.0, 0.0)
    g = _GEOM
    zm = _noisy(rng, 1, ndim, g["r"], g["az"], el, g["sr"], g["sa"], se)
    R = np.diag([g["sr"]**2, g["sa"]**2, se**2 if ndim == 3 else np.nan, np.nan])
    m = _polar(zm, R, ndim=ndim)
    w = _noisy(rng, _N, ndim, 0.0, 0.0, 0.0, g["sr"], g["sa"], se)
    e = m.pos[0] - _enu(zm - np.nan_to_num(w))[:, :ndim]
    C, Cm = e.T @ e / _N, m.pos_cov[0]
    u = m.pos[0] / np.linalg.norm(m.pos[0])
    v = np.array([u[1], -u[0], 0.0][:ndim])
    assert u @ Cm @ u == pytest.approx(u @ C @ u, rel=0.03)
    assert v @ Cm @ v == pytest.approx(v @ C @ v, rel=0.03)
    sd = np.sqrt(np.diag(C))
    assert np.allclose(Cm / np.outer(sd, sd), C / np.outer(sd, sd), atol=0.01)


def test_single_point_initiation_starts_at_the_unbiased_position():
    """A track started on a row takes the converted position and covariance."""
    R = np.diag([20.0**2, 0.05**2, 0.05**2, 4.0])
    m = _polar([[50000.0, 0.4, 0.2, -100.0]], R)
    st_ = SinglePointInitiator(300.0).initiate(ExtendedKalmanFilter(ConstantVelocity(1.0)), m)
    x, C = _to_enu(*_mo_3d(50000.0, 0.4, 0.2, 400.0, 0.05**2, 0.05**2))
    assert np.allclose(st_.x[0, :3], x, rtol=1e-12)
    assert np.allclose(st_.P[0, :3, :3], C, rtol=1e-9)


def test_row_without_elevation_keeps_the_plain_conversion():
    """A 3-D row without an elevation (masked: 0 with unit variance) is not debiased by that
    unit variance: the plain conversion at elevation 0 and ``J R J'``."""
    m = _polar([[10000.0, 0.5, np.nan, np.nan]], np.diag([100.0, 1e-4, np.nan, np.nan]))
    assert np.allclose(m.pos[0], [10000 * np.sin(0.5), 10000 * np.cos(0.5), 0.0])
    assert m.pos_cov[0, 2, 2] == pytest.approx(10000.0**2)
