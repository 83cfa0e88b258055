"""The IMM manoeuvre mode sized per track from what the track could be (``ManeuverLimit``): a
drone's track gets a drone's gate, a ballistic missile's the raid's 20 g one."""

import math

import numpy as np
import pytest

from airdefense.errors import InputFileError
from airdefense.tracking import _kernels as _k
from airdefense.tracking.imm import ManeuverLimit
from airdefense.tracking.kalman import Measurements
from airdefense.tracking.models import ConstantVelocity
from airdefense.tracking.tracker import TrackerConfig, build_tracker, make_tracker, maneuver_q

G0 = 9.80665  # m/s^2, independent of airdefense.geo
OMEGA = 2 * G0 / 51.0  # a Shahed-136-class drone's turn rate: 2 g at 51 m/s, rad/s
OMEGA_DPS = math.degrees(OMEGA)


def _config(turn_rate_dps=OMEGA_DPS):
    """Full-mode-like IMM (CV, CT, ballistic, manoeuvre mode of 20 g over 1 s)."""
    return TrackerConfig(motion="imm", q=5.0, maneuver_q=maneuver_q(20.0, 1.0),
                         maneuver_turn_rate_dps=turn_rate_dps, confirm="2/3",
                         speed_sigma_mps=300.0, clutter_density=1e-12)


def _state(imm, v, sigma_v, m=1):
    """m IMM tracks at the origin flying east at v m/s, velocity sigma sigma_v per axis."""
    x = np.zeros((m, imm.dim))
    x[:, 3] = v
    P = np.tile(np.diag([100.0] * 3 + [sigma_v**2] * 3 + [1.0] * (imm.dim - 6)), (m, 1, 1))
    return imm.initiate(x, P)


@pytest.mark.parametrize(("v", "sigma_v"), [(51.0, 2.0), (51.0, 60.0), (250.0, 5.0),
                                            (1700.0, 20.0), (2.0, 0.5)])
def test_scale_is_the_closed_form(v, sigma_v):
    """Scale of Q: min(1, max(g0, omega (v + 2 sqrt(3 sigma_v^2)))^2 dt / q)."""
    imm = build_tracker(_config(), ndim=3).filter
    st = _state(imm, v, sigma_v)
    q = imm.models[imm.maneuver.model].q
    a = max(G0, OMEGA * (v + 2 * math.sqrt(3 * sigma_v**2)))
    want = min(1.0, a * a * 0.5 / q)
    assert imm.maneuver.scale(st, q, 0.5, 3)[0] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("ndim", [2, 3])
def test_predict_kernel_scale_is_maneuver_limit_scale(rng, ndim):
    """The scale imm_predict computes in the kernel equals ManeuverLimit.scale bit for bit
    (same |v|^2 summation order as NumPy's einsum), and so does the whole prediction."""
    imm = build_tracker(_config(), ndim=ndim).filter
    m, r, d = 300, len(imm.models), imm.dim
    x = rng.normal(0, 1, (m, r, d)) * rng.lognormal(3, 3, (m, 1, 1))
    A = rng.normal(0, 1, (m, r, d, d)) * rng.lognormal(1, 2, (m, 1, 1, 1))
    st = imm.initiate(np.zeros((m, d)), np.zeros((m, d, d)))
    st.x[:] = x
    st.P[:] = A @ np.swapaxes(A, -1, -2)
    st.mu[:] = rng.dirichlet(np.ones(r), m)
    j, dt = imm.maneuver.model, 0.7
    want = imm.maneuver.scale(st, imm.models[j].q, dt, ndim)
    assert 0 < (want < 1).sum() < m  # both sides of the clip
    got = _k.maneuver_scale(st.x, st.P, st.mu, ndim, imm._limit_args(dt))
    np.testing.assert_array_equal(got, want)
    pred = imm.predict(st, dt)
    np.testing.assert_array_equal(pred.qscale, want)
    ref = _k.imm_predict(st.x, st.P, st.mu, imm.Pi, dt, *imm._fused_spec(dt), want, j,
                         np.zeros(0))  # the scales passed in, as before the fold
    for a, b in zip((pred.x, pred.P, pred.mu, pred.qscale), ref, strict=True):
        np.testing.assert_array_equal(a, b)


def test_drone_and_ballistic_tracks_predicted_covariances():
    """One prediction of a settled drone track (51 m/s) and a ballistic one (1700 m/s): the
    manoeuvre mode's predicted covariance is the mixed covariance propagated with q = a^2 T,
    a = 2.6 g-ish for the drone, 20 g for the missile (independent NumPy reference of the
    mode, mixing included)."""
    imm = build_tracker(_config(), ndim=3).filter
    j = imm.maneuver.model
    drone, ballistic = _state(imm, 51.0, 2.0), _state(imm, 1700.0, 2.0)
    st = drone.concat(ballistic)
    pred = imm.predict(st, 1.0)
    full = build_tracker(_config(np.inf), ndim=3).filter.predict(st, 1.0)
    # Reference: the mixed state of model j (all models equal here: the mix is the state).
    F = np.eye(6)
    F[:3, 3:] = np.eye(3)
    for i, v in enumerate((51.0, 1700.0)):
        a = min(20 * G0, max(G0, OMEGA * (v + 2 * math.sqrt(3 * 4.0))))
        q = a * a * 1.0
        Q = np.zeros((6, 6))
        Q[:3, :3] = np.eye(3) * q / 3
        Q[:3, 3:] = Q[3:, :3] = np.eye(3) * q / 2
        Q[3:, 3:] = np.eye(3) * q
        P0 = st.P[i, j, :6, :6]
        want = F @ P0 @ F.T + Q
        np.testing.assert_allclose(pred.P[i, j, :6, :6], want, rtol=1e-9)
    # The drone's gate shrinks (position sigma of the mode), the missile's is the full one.
    sig = np.sqrt(pred.P[:, j, 0, 0])
    sig_full = np.sqrt(full.P[:, j, 0, 0])
    assert sig[0] < 0.2 * sig_full[0]
    assert sig[1] == pytest.approx(sig_full[1], rel=1e-12)
    # The other models are untouched.
    for k in range(len(imm.models)):
        if k != j:
            np.testing.assert_array_equal(pred.P[:, k], full.P[:, k])


def _drone_track(trk, rng, steps=40):
    """Track a 51 m/s drone flying east at 1 km height, 20 km north of a radar; returns the
    truth position at each step (the last is the next step's)."""
    sig = np.array([10.0, 1e-3, 1e-3])
    R = np.diag([sig[0] ** 2, sig[1] ** 2, sig[2] ** 2, np.nan])[None]
    truth = []
    for k in range(steps + 1):
        p = np.array([-1000.0 + 51.0 * k, 20_000.0, 1000.0])
        truth.append(p)
        if k == steps:
            break
        r = np.linalg.norm(p)
        z = np.array([r, math.atan2(p[0], p[1]), math.asin(p[2] / r), np.nan])
        z[:3] += rng.normal(0.0, sig)
        trk.step(float(k), Measurements.polar(float(k), z[None], R, np.zeros(3)))
    return np.array(truth), R


@pytest.mark.parametrize("limited", [True, False])
def test_dense_raid_drone_gate_no_longer_captures_a_neighbour(limited, rng):
    """A settled drone track, a raid with 20 g ballistic missiles: the next scan's return of
    the drone falls in its gate either way; a neighbour drone 300 m across its path falls in
    it only with the raid-wide 20 g manoeuvre mode."""
    trk = build_tracker(_config(OMEGA_DPS if limited else np.inf), ndim=3)
    truth, R = _drone_track(trk, rng)
    assert len(trk) == 1
    pred = trk.filter.predict(trk.state, 1.0)
    here = truth[-1]
    pts = np.array([here, here + [0.0, 300.0, 0.0], here + [0.0, -300.0, 0.0]])
    r = np.linalg.norm(pts, axis=1)
    z = np.column_stack([r, np.arctan2(pts[:, 0], pts[:, 1]), np.arcsin(pts[:, 2] / r),
                         np.full(3, np.nan)])
    meas = Measurements.polar(40.0, z, np.repeat(R, 3, 0), np.zeros(3))
    meas.offset_s = np.zeros(3)
    inn = trk.gate(trk.filter, pred, meas)
    gated = set(np.asarray(inn.mj).tolist())
    assert 0 in gated
    assert bool(gated & {1, 2}) == (not limited)


def test_make_tracker_takes_the_classes_largest_turn_rate(small_scenario_dict):
    """Full mode: the turn rate is the largest max_g g0 / speed_mps of the raid's classes (the
    drones' here, with or without ballistic missiles); off with ``inf``."""
    from airdefense import load_scenario

    sc = load_scenario(small_scenario_dict)
    want = max(g.preset.max_g * G0 / g.preset.speed_mps for g in sc.groups)
    lim = make_tracker(sc).filter.maneuver
    assert lim.turn_rate_radps == pytest.approx(want, rel=1e-12)
    assert make_tracker(sc, config={"maneuver_turn_rate_dps": np.inf}).filter.maneuver is None


@pytest.mark.parametrize(("kw", "match"), [
    ({"turn_rate_radps": 0.0}, r"turn_rate_radps must be > 0 rad/s, got 0.0"),
    ({"turn_rate_radps": 1.0, "min_accel_mps2": -1.0},
     r"min_accel_mps2 must be >= 0 and finite, got -1.0"),
    ({"turn_rate_radps": 1.0, "speed_sigmas": np.inf},
     r"speed_sigmas must be >= 0 and finite, got inf"),
])
def test_limit_settings_refused(kw, match):
    with pytest.raises(ValueError, match=match):
        ManeuverLimit(3, **kw)


def test_limit_needs_a_constant_velocity_mode():
    from airdefense.tracking.imm import IMMFilter

    with pytest.raises(ValueError, match=r"maneuver.model must be the index of a "
                                         r"ConstantVelocity model of q > 0 among the 2 models"):
        IMMFilter([ConstantVelocity(1.0), ConstantVelocity(0.0)], np.eye(2),
                  maneuver=ManeuverLimit(1, 1.0))


def test_config_refuses_a_bad_turn_rate():
    with pytest.raises(InputFileError, match=r"maneuver_turn_rate_dps: must be > 0 deg/s "
                                             r"\(inf: off\), got 0"):
        TrackerConfig.from_dict({"maneuver_turn_rate_dps": 0})

