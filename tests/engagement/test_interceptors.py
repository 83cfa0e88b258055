"""Interceptor stepping: terminal homing then flight, against constant-speed closed forms
(the first root of |d + w t| = u t, straight flight at u)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.engagement.flyout import Flyout
from airdefense.engagement.interceptors import InterceptorState

from .conftest import CATALOG


def _rounds(rng, n):
    ic = InterceptorState()
    for _ in range(n):
        name = rng.choice(["pac3", "hawk_mim23", "tor_9m338"])
        fl = Flyout.from_preset(CATALOG.interceptors[name])
        pos = rng.uniform(-3000, 3000, 3) + [0, 0, 1500]
        ic.launch(pos=pos, aim=pos + rng.normal(0, 2000, 3), speed=500.0, target=0, track=0,
                  launcher=0, battery=0, fire_control=0, pk=0.8, guidance="semi_active",
                  t=float(rng.uniform(0, 12)), max_tof=60.0, flyout=fl)
    return ic


def _first_intercept(d, w, u):
    """Smallest positive root of |d + w t| = u t for |w| < u (the target at d from the round,
    moving at w; the round at constant speed u): the quadratic's one positive root."""
    a, b, c = w @ w - u * u, 2.0 * (d @ w), d @ d
    return (-b - np.sqrt(b * b - 4.0 * a * c)) / (2.0 * a)


def _unit(v):
    return v / np.linalg.norm(v)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 6), st.floats(0.5, 4.0))
def test_guide_and_fly_against_constant_speed_closed_forms(seed, n, dt):
    """Constant-speed rounds (no flyout) against constant-velocity targets, over [t0, t0 + dt]:

    * a round launched by t0 within its terminal time of the target (distance / speed) is
      re-aimed at the intercept point s0 + w tau, tau the first root of |d + w tau| = u tau;
      its end game comes at t0 + tau with a miss of 0 when tau <= dt, otherwise it has flown
      u dt towards that point;
    * a round outside its terminal time keeps its aim and flies u dt straight at it;
    * a round launched during the step keeps its aim and flies u (t1 - launch time).
    """
    rng = np.random.default_rng(seed)
    ic = InterceptorState()
    t0 = 10.0
    t1 = t0 + dt
    role = rng.integers(0, 3, n)  # 0 terminal, 1 outside the terminal time, 2 launched late
    s0, w, speed, start, aim0, launch_t = (np.zeros((n, 3)), np.zeros((n, 3)), np.zeros(n),
                                           np.zeros((n, 3)), np.zeros((n, 3)), np.zeros(n))
    terminal_s = 6.0
    for i in range(n):
        u = rng.uniform(300.0, 1200.0)
        p = rng.uniform(-3000, 3000, 3) + [0.0, 0.0, 3000.0]
        off = _unit(rng.normal(size=3))
        dist = u * (rng.uniform(0.3, 0.9) if role[i] != 1 else rng.uniform(1.5, 3.0)) * terminal_s
        s0[i] = p + off * dist
        w[i] = rng.normal(size=3) * 0.15 * u  # |w| < u: one intercept
        # aimed away from the target: no end game unless re-aimed
        aim0[i] = p - off * (u * 10.0 * dt) + rng.normal(0, 100, 3)
        launch_t[i] = t0 - 1.0 if role[i] != 2 else t0 + rng.uniform(0.1, 0.9) * dt
        speed[i], start[i] = u, p
        ic.launch(pos=p, aim=aim0[i], speed=u, target=i, track=i, launcher=0, battery=0,
                  fire_control=0, pk=0.8, guidance="semi_active", t=float(launch_t[i]),
                  max_tof=600.0)
    ids = np.arange(n)
    ended, t_end, miss = ic.guide_and_fly(ids, s0, s0 + w * dt, t0, t1, terminal_s)
    for i in range(n):
        u = speed[i]
        if role[i] == 0:
            tau = _first_intercept(s0[i] - start[i], w[i], u)
            pip = s0[i] + w[i] * tau
            assert np.linalg.norm(ic.aim[i] - pip) < 0.05
            assert ic.aim_t[i] == pytest.approx(t0 + tau, abs=1e-4)  # when it meets it there
            if tau < dt - 1e-3:
                assert ended[i] and t_end[i] == pytest.approx(t0 + tau, abs=1e-4)
                assert miss[i] < 0.05
            elif tau > dt + 1e-3:
                assert not ended[i]
                want = start[i] + u * dt * _unit(pip - start[i])
                np.testing.assert_allclose(ic.pos[i], want, atol=0.05)
        else:
            flown = u * (t1 - max(t0, launch_t[i]))
            assert not ended[i] and np.isnan(ic.aim_t[i])
            np.testing.assert_array_equal(ic.aim[i], aim0[i])
            want = start[i] + flown * _unit(aim0[i] - start[i])
            np.testing.assert_allclose(ic.pos[i], want, rtol=1e-9, atol=1e-6)


def test_any_active_follows_launches_and_retirements(rng):
    """``any_active`` is ``active[:n].any()`` through launches and retirements (and after an
    unpickling), including while its idle answer is kept."""
    import pickle

    ic = InterceptorState()
    assert not ic.any_active() and not ic.any_active()
    ic2 = _rounds(rng, 3)
    for ic in (ic2, pickle.loads(pickle.dumps(ic2))):
        assert ic.any_active()
        ic.active[[0, 2]] = False
        assert ic.any_active() == bool(ic.active[: ic.n].any()) is True
        ic.active[1] = False
        assert not ic.any_active() and not ic.any_active()
        ic.launch(pos=np.zeros(3), aim=np.ones(3), speed=300.0, target=0, track=0, launcher=0,
                  battery=0, fire_control=0, pk=0.5, guidance="active", t=1.0, max_tof=9.0)
        assert ic.any_active()
        ic.active[3] = False
        assert not ic.any_active()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.25, 2.0))
def test_mid_course_updates_fly_the_collision_course_proportional_navigation_holds(seed, dt):
    """Re-aimed every step from the target's exact state, a constant-speed round flies the
    collision course against a non-manoeuvring target: the line of sight keeps its direction
    (parallel navigation, so proportional navigation's command ``N' Vc dlambda/dt`` is 0 on
    it), the range falls at the closing speed ``-(r . (w - v_m)) / |r|``, and the end game comes
    at the quadratic's intercept time with no miss (Zarchan, *Tactical and Strategic Missile
    Guidance*, ch. 2: a collision triangle needs no acceleration)."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(400.0, 1200.0)
    start = np.array([0.0, 0.0, 0.0])
    s0 = rng.uniform(4000.0, 15000.0) * _unit(rng.normal(size=3) * [1, 1, 0.2] + [0, 0, 0.3])
    w = rng.normal(size=3) * [1, 1, 0.1] * 0.2 * u
    ic = InterceptorState()
    ic.launch(pos=start, aim=s0, speed=u, target=0, track=0, launcher=0, battery=0,
              fire_control=0, pk=0.8, guidance="command", t=0.0, max_tof=600.0)
    tau = _first_intercept(s0 - start, w, u)
    los0 = None
    t = 0.0
    ids = np.array([0])
    for _ in range(int(tau / dt) + 3):
        x = s0 + w * t
        ic.reaim(ids, x[None], w[None], t=t)
        r = x - ic.pos[0]
        los = _unit(r)
        if los0 is None:
            los0 = los
        v_m = u * _unit(ic.aim[0] - ic.pos[0])
        # The line of sight holds its direction (the target stays on the first line of sight
        # to the aim solve's 1 cm tolerance), and PN's command with N' = 4 on the line of
        # sight's rate is under 0.01 g.
        assert np.linalg.norm(np.cross(los, los0)) * np.linalg.norm(r) < 0.05
        lam_dot = np.linalg.norm(np.cross(r, w - v_m)) / (r @ r)
        vc = -(r @ (w - v_m)) / np.linalg.norm(r)
        assert vc > 0 and 4.0 * vc * lam_dot < 0.01 * 9.80665
        ended, t_end, miss = ic.fly(ids, x[None], (x + w * dt)[None], t, dt)
        if ended[0]:
            break
        t += dt
    assert ended[0] and t_end[0] == pytest.approx(tau, abs=1e-4) and miss[0] < 0.05
