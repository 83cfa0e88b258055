"""The compiled interceptor flight step and the path kernels, against NumPy references.

The references are the NumPy forms these kernels replaced: the constant-acceleration path in
closed form, the kinematic class rule of ballistic tracks, and the step as it was composed
from the public pieces (track lookup by sorted ids, prediction, :meth:`reaim`,
:meth:`guide_and_fly`, stable sort of the end games). Results must be the same bits.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.engagement import _kernels
from airdefense.engagement.envelope import track_gravity
from airdefense.engagement.flyout import GRAVITY_MPS2, Flyout, ballistic_path
from airdefense.engagement.interceptors import CAPTURE_RADIUS_M, InterceptorState
from airdefense.engagement.model import _propagate

from .conftest import CATALOG

G = 9.80665  # standard gravity, m/s^2


def _ref_path(x, g, u):
    """Closed form: ``p + v u - g u^2 / 2 z``, ``v - g u z``; ``u`` (m, ...) (shape rule of
    ``ballistic_path``)."""
    u = np.asarray(u, float)
    extra = (1,) * (u.ndim - 1)
    p = x[:, :3].reshape((-1,) + extra + (3,))
    v = x[:, 3:].reshape((-1,) + extra + (3,))
    gg = g.reshape((-1,) + extra)
    pos = p + v * u[..., None]
    pos[..., 2] -= 0.5 * gg * u * u
    vel = np.broadcast_to(v, pos.shape).copy()
    vel[..., 2] -= gg * u
    return pos, vel


def _ref_gravity(x):
    """Gravity of the path of tracks the kinematics call ballistic: faster than 1,200 m/s,
    faster than 300 m/s above 25 km, or climbing or diving faster than 300 m/s steeper than
    35 deg (height and vertical speed along the local vertical of the mean-radius sphere)."""
    R = 6371008.8
    up = x[:, :3] + [0.0, 0.0, R]
    r = np.linalg.norm(up, axis=1)
    v = np.linalg.norm(x[:, 3:], axis=1)
    vz = np.einsum("ij,ij->i", up, x[:, 3:]) / r
    steep = (np.abs(vz) > 300.0) & (np.abs(vz) > np.sin(np.radians(35.0)) * v)
    ballistic = (v > 1200.0) | ((v > 300.0) & (r - R > 25000.0)) | steep
    return np.where(ballistic, G, 0.0)


def _states(rng, m):
    """Track states of every class: slow, fast and high, ballistic (fast or steep)."""
    x = np.empty((m, 6))
    x[:, :2] = rng.uniform(-30000, 30000, (m, 2))
    x[:, 2] = rng.uniform(50, 30000, m)
    speed = rng.choice([40.0, 100.0, 250.0, 650.0, 701.0, 1500.0], m)
    d = rng.normal(size=(m, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    x[:, 3:] = d * speed[:, None]
    steep = rng.random(m) < 0.2
    x[steep, 5] = rng.choice([-1.0, 1.0], steep.sum()) * rng.uniform(250, 400, steep.sum())
    return x


floats = st.floats(-5e4, 5e4, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 6), st.integers(1, 4),
       st.sampled_from(["2d", "scalar", "1d", "3d", "row"]))
def test_path_is_the_closed_form(seed, m, K, shape):
    """``ballistic_path`` (the compiled path) equals the closed form, bit for bit."""
    rng = np.random.default_rng(seed)
    x = _states(rng, m)
    g = np.where(rng.random(m) < 0.5, G, 0.0)
    u = {"2d": rng.uniform(-5, 60, (m, K)), "scalar": np.float64(rng.uniform(0, 30)),
         "1d": rng.uniform(0, 30, m), "3d": rng.uniform(0, 30, (m, K, 2)),
         "row": rng.uniform(0, 30, (1, K))}[shape]
    pos, vel = ballistic_path(x, g)(u)
    want_pos, want_vel = _ref_path(x, g, u)
    np.testing.assert_array_equal(pos, want_pos)
    np.testing.assert_array_equal(vel, want_vel)
    pos_only, none = ballistic_path(x, g)(u, with_vel=False)
    assert none is None
    np.testing.assert_array_equal(pos_only, want_pos)


def test_path_of_one_track_at_several_times():
    """One track and a 1-D time vector broadcast as in NumPy: one row per time."""
    x = np.array([[0.0, 0.0, 1000.0, 100.0, 0.0, 50.0]])
    pos, vel = ballistic_path(x, np.array([G]))(np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(pos[:, 2], 1000.0 + 50.0 * np.arange(3) - 0.5 * G * np.arange(3)
                               ** 2)
    np.testing.assert_allclose(vel[:, 2], 50.0 - G * np.arange(3))
    with pytest.raises(ValueError, match="shape mismatch"):
        ballistic_path(np.zeros((2, 6)))(np.zeros(3))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(0, 8), st.sampled_from([0.0, 0.5, -0.25, 3.7]))
def test_propagation_is_the_closed_form(seed, m, dt):
    """Track prediction ``dt`` ahead: the closed form, and the states unchanged for 0."""
    rng = np.random.default_rng(seed)
    x = _states(rng, m)
    g = _ref_gravity(x)
    got = _propagate(x, g, dt)
    if dt == 0.0:
        np.testing.assert_array_equal(got, x)
        assert got is not x
    else:
        pos, vel = _ref_path(x, g, np.full((m, 1), dt))
        np.testing.assert_array_equal(got, np.hstack([pos[:, 0], vel[:, 0]]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(floats, floats, st.floats(0, 3e4), st.floats(-1500, 1500),
                          st.floats(-1500, 1500), st.floats(-600, 600)), max_size=8))
def test_inferred_path_gravity_follows_the_class_rule(rows):
    """Tracks moving like ballistic missiles fall under gravity; the others fly straight."""
    x = np.array(rows, float).reshape(-1, 6)
    np.testing.assert_array_equal(track_gravity(x), _ref_gravity(x))


def test_path_gravity_of_named_classes():
    """Named or coded classes: only ballistic ones fall; the shape follows the classes."""
    names = ["drone", "cruise", "ballistic", "aircraft", "helicopter"]
    x = np.zeros((5, 6))
    np.testing.assert_array_equal(track_gravity(x, names), [0, 0, GRAVITY_MPS2, 0, 0])
    np.testing.assert_array_equal(track_gravity(x, np.arange(5)), [0, 0, GRAVITY_MPS2, 0, 0])
    assert track_gravity(x[:1], "ballistic").shape == ()
    assert _kernels.class_gravity(2) == GRAVITY_MPS2 and _kernels.class_gravity(0) == 0.0


def _rounds(rng, n, n_threats, n_tracks, n_radars):
    """Interceptors of every guidance, some waiting for their launch, some retired."""
    ic = InterceptorState()
    for _ in range(n):
        name = rng.choice(["pac3", "hawk_mim23", "tor_9m338", "pac2_gem"])
        fl = Flyout.from_preset(CATALOG.interceptors[name])
        pos = rng.uniform(-8000, 8000, 3) + [0, 0, 3000]
        ic.launch(pos=pos, aim=pos + rng.normal(0, 4000, 3), speed=600.0,
                  target=int(rng.integers(-1, n_threats)), track=int(rng.integers(0, n_tracks)),
                  launcher=0, battery=0, fire_control=int(rng.integers(0, n_radars)), pk=0.8,
                  guidance=str(rng.choice(list(CAPTURE_RADIUS_M))),
                  t=float(rng.uniform(0, 14)), max_tof=float(rng.choice([3.0, 12.0, 60.0])),
                  flyout=fl)
    ic.active[: ic.n] = rng.random(ic.n) < 0.9
    return ic


def _reference_step(ic, t0, t1, sensor_ok, track_id, track_x, age, truth0, truth1,
                    terminal_s):
    """The step as composed from the public pieces in NumPy (the glue the kernel replaced)."""
    empty = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    ids = ic.in_flight()
    blind = ic.command[ids] & ~sensor_ok[ic.fire_control[ids]]
    lost = ids[blind]
    ids = ids[~blind]
    ids = ids[ic.launch_t[ids] < t1]
    if ids.size == 0:
        return (lost,) + empty
    if len(track_id):
        order = np.argsort(track_id, kind="stable")
        sorted_ids = track_id[order]
        pos = np.minimum(np.searchsorted(sorted_ids, ic.track[ids]), sorted_ids.size - 1)
        have = sorted_ids[pos] == ic.track[ids]
        if have.any():
            x = track_x[order[pos[have]]]
            g = _ref_gravity(x)
            # each round from the step's start, or from its launch within the step
            t_ref = np.maximum(t0, ic.launch_t[ids[have]])
            dt = age + (t_ref - t0)
            p, v = _ref_path(x, g, dt[:, None])
            x0 = np.where((dt == 0)[:, None], x, np.hstack([p[:, 0], v[:, 0]]))
            for tr in np.unique(t_ref):
                q = t_ref == tr
                ic.reaim(ids[have][q], x0[q, :3], x0[q, 3:], t=float(tr), gravity=g[q])
    tgt = ic.target[ids]
    phantom = tgt < 0
    s0 = truth0[np.maximum(tgt, 0), :3]
    s1 = truth1[np.maximum(tgt, 0), :3]
    s0[phantom] = s1[phantom] = ic.aim[ids[phantom]]
    ended, t_end, miss = ic.guide_and_fly(ids, s0, s1, t0, t1, terminal_s)
    order = np.argsort(t_end[ended], kind="stable")
    return lost, ids[ended][order], t_end[ended][order], miss[ended][order]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 14), st.integers(0, 9),
       st.sampled_from([0.0, 0.5, 1.3]), st.floats(0.5, 6.0))
def test_flight_step_equals_the_public_pieces(seed, n, m, age, terminal_s):
    """Lost rounds, end games (in time order), positions and aim points over three steps
    equal the NumPy composition's, bit for bit; duplicate and missing track ids, phantom
    targets, rounds not yet launched and expired rounds included."""
    rng = np.random.default_rng(seed)
    n_threats = 4
    ic = _rounds(rng, n, n_threats, 6, 3)
    ref = copy.deepcopy(ic)
    sensor_ok = rng.random(3) < 0.7
    track_id = rng.integers(0, 8, m).astype(np.int64)  # duplicates and missing ids
    track_x = _states(rng, m)
    truth = _states(rng, n_threats)
    t0 = 10.0
    for _ in range(3):
        t1 = t0 + 0.5
        truth0, truth1 = truth.copy(), truth.copy()
        truth1[:, :3] += 0.5 * truth[:, 3:]
        got = ic.step(t0, t1, sensor_ok, track_id, track_x, age, truth0, truth1, terminal_s)
        want = _reference_step(ref, t0, t1, sensor_ok, track_id, track_x, age, truth0,
                               truth1, terminal_s)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
        for name in ("pos", "aim", "aim_t", "active"):
            np.testing.assert_array_equal(getattr(ic, name), getattr(ref, name))
        for i in np.concatenate([got[0], got[1]]):
            ic.active[i] = ref.active[i] = False
        truth = np.hstack([truth1[:, :3], truth[:, 3:]])
        track_x = track_x.copy()
        track_x[:, :3] += 0.5 * track_x[:, 3:]
        t0 = t1


def test_end_games_at_the_same_time_keep_id_order():
    """Rounds that run out of energy in the same step all end at its end, in id order."""
    ic = InterceptorState()
    for j in range(3):
        ic.launch(pos=np.array([0.0, 1000.0 * j, 500.0]), aim=np.array([5e4, 0, 500.0]),
                  speed=500.0, target=0, track=0, launcher=0, battery=0, fire_control=0,
                  pk=0.8, guidance="active", t=0.0, max_tof=10.2)
    truth = np.array([[-5e4, 0.0, 500.0, 0.0, 0.0, 0.0]])
    lost, ended, t_end, miss = ic.step(10.0, 10.5, np.ones(1, bool), np.zeros(0, np.int64),
                                       np.zeros((0, 6)), 0.0, truth, truth, 3.0)
    assert lost.size == 0
    np.testing.assert_array_equal(ended, [0, 1, 2])
    np.testing.assert_array_equal(t_end, [10.5, 10.5, 10.5])
    assert (miss > 1e4).all()


def test_step_buffers_follow_growth():
    """More rounds than the first capacity: every one can be lost in one step."""
    ic = InterceptorState()
    for _ in range(70):
        ic.launch(pos=np.zeros(3), aim=np.ones(3), speed=500.0, target=0, track=0, launcher=0,
                  battery=0, fire_control=0, pk=0.8, guidance="command", t=0.0, max_tof=60.0)
    truth = np.zeros((1, 6))
    lost, ended, _, _ = ic.step(0.0, 0.5, np.zeros(1, bool), np.zeros(0, np.int64),
                                np.zeros((0, 6)), 0.0, truth, truth, 3.0)
    np.testing.assert_array_equal(lost, np.arange(70))
    assert ended.size == 0


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda ic: pickle.loads(pickle.dumps(ic))])
def test_copies_fly_on_their_own(clone):
    """A copied (or pickled) state flies its own rounds: its fields follow its steps, the
    original's stay put."""
    ic = InterceptorState()
    ic.launch(pos=np.zeros(3), aim=np.array([1e4, 0.0, 0.0]), speed=500.0, target=0, track=0,
              launcher=0, battery=0, fire_control=0, pk=0.8, guidance="active", t=0.0,
              max_tof=60.0)
    twin = clone(ic)
    truth = np.array([[2e4, 0.0, 0.0, 0.0, 0.0, 0.0]])
    twin.step(0.0, 1.0, np.ones(1, bool), np.zeros(0, np.int64), np.zeros((0, 6)), 0.0, truth,
              truth, 3.0)
    assert twin.pos[0, 0] == pytest.approx(500.0)
    np.testing.assert_array_equal(ic.pos[0], [0.0, 0.0, 0.0])
    twin.active[0] = False
    assert ic.active[0] and twin.in_flight().size == 0


@pytest.mark.parametrize("delay", [0.3, 0.5, 0.9])
def test_a_round_launched_within_a_step_aims_from_its_launch(delay):
    """A round that leaves ``delay`` seconds into a step is aimed, at its mid-course update,
    at the intercept of a flight that starts at its launch: constant speed ``u`` from the
    launcher against a straight target, ``|P(t_l + tau) - L| = u tau`` (the quadratic), so
    the aim point is ``P(t_l + tau)`` and its time ``t_l + tau``. Before 2026-11-26 it was
    solved as if the round had left at the step's start, ``delay`` seconds early: the aim
    point lay ``delay`` seconds of the target's motion (here 250 m/s) short of the intercept.
    """
    ic = InterceptorState()
    u = 900.0
    t0, t1 = 10.0, 11.0
    t_l = t0 + delay
    ic.launch(pos=np.zeros(3), aim=np.array([1.0, 0.0, 0.0]), speed=u, target=0, track=5,
              launcher=0, battery=0, fire_control=0, pk=0.8, guidance="active", t=t_l,
              max_tof=60.0)
    x = np.array([[12000.0, 3000.0, 2000.0, -250.0, 40.0, 0.0]])  # track and truth at t0
    truth1 = x.copy()
    truth1[0, :3] += x[0, 3:] * (t1 - t0)
    ic.step(t0, t1, np.ones(1, bool), np.array([5], np.int64), x, 0.0, x, truth1, 3.0)
    d = x[0, :3] + x[0, 3:] * delay  # the target at the launch
    w = x[0, 3:]
    a, b, c = w @ w - u * u, 2.0 * (d @ w), d @ d
    tau = (-b - np.sqrt(b * b - 4.0 * a * c)) / (2.0 * a)
    np.testing.assert_allclose(ic.aim[0], d + w * tau, atol=0.05)
    assert ic.aim_t[0] == pytest.approx(t_l + tau, abs=1e-4)
