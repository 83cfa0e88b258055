"""The end game comes at the true closest approach, whatever the step.

References: the closest approach of two linear motions in closed form (relative position
``r``, relative velocity ``u``: ``t* = -r.u / |u|^2``, miss ``|r + u t*|``), written out here,
not through the kernels under test. Before the fix the closest approach was searched only
inside the step, so a round still closing inside its capture radius at a step's end had its
end game booked there with that separation as its miss (an 1100 m/s round against a head-on
target at 1,200 m: end game at 1.0 s, 50 m, for steps of 1, 0.5 and 0.1 s).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from airdefense.engagement.interceptors import CAPTURE_RADIUS_M, InterceptorState

STEPS = (1.0, 0.5, 0.1, 0.3)
#: Tolerances of the end game's time (s) and miss (m) against the closed form, for any step.
T_TOL, MISS_TOL = 1e-9, 1e-6


def _closed_form(p, v, q, w):
    """Time and distance of the closest approach of ``p + v t`` and ``q + w t`` (t >= 0)."""
    r, u = np.subtract(q, p), np.subtract(w, v)
    t = max(-float(r @ u) / float(u @ u), 0.0)
    return t, float(np.linalg.norm(r + u * t))


def _fly(dt, p, speed, aim, q, w, guidance, homing=False, t_max=10.0):
    """Fly one constant-speed round from ``p`` at ``aim`` against a target ``q + w t`` in
    steps ``dt`` until its end game: ``(t_end, miss)``."""
    ic = InterceptorState()
    i = ic.launch(pos=np.asarray(p, float), aim=np.asarray(aim, float), speed=speed, target=0,
                  track=0, launcher=0, battery=0, fire_control=0, pk=0.8, guidance=guidance,
                  t=0.0, max_tof=60.0)
    ids = np.array([i])
    q, w = np.asarray(q, float), np.asarray(w, float)
    t = 0.0
    while t < t_max:
        s0, s1 = (q + w * t)[None], (q + w * (t + dt))[None]
        if homing:  # the simulation's path: terminal homing on the true motion, then flight
            ended, t_end, miss = ic.guide_and_fly(ids, s0, s1, t, t + dt, 3.0)
        else:
            ended, t_end, miss = ic.fly(ids, s0, s1, t, dt)
        if ended[0]:
            return float(t_end[0]), float(miss[0])
        t += dt
    raise AssertionError("no end game")


@pytest.mark.parametrize("dt", STEPS)
@pytest.mark.parametrize("homing", [False, True])
def test_head_on_end_game_is_at_range_over_closing_speed(dt, homing):
    """An 1100 m/s round against a target 1,200 m away closing at 50 m/s: the end game is at
    1200 / 1150 s with a 0 m miss for every step (the capture radius, 60 m, is entered
    before the closest approach, at a step's end for steps of 1, 0.5 and 0.1 s)."""
    t_star = 1200.0 / 1150.0
    t_end, miss = _fly(dt, (0, 0, 0), 1100.0, (1100.0 * t_star, 0, 0), (1200.0, 0, 0),
                       (-50.0, 0, 0), "active", homing=homing)
    assert t_end == pytest.approx(t_star, abs=T_TOL)
    assert miss == pytest.approx(0.0, abs=MISS_TOL)


@pytest.mark.parametrize("dt", STEPS)
def test_crossing_end_game_has_the_closed_form_miss(dt):
    """A 1000 m/s round flying north from 1 km south of a target crossing east at 500 m/s,
    20 m above the round's path and 520 m west of it: closest approach at
    t* = (520 * 500 + 1000 * 1000) / (500^2 + 1000^2) = 1.008 s with a miss of
    sqrt(16^2 + 8^2 + 20^2) = 26.83 m, inside the 30 m capture radius (at t = 1 s the
    separation is 28.28 m and still closing)."""
    p, v = np.array([0.0, -1000.0, 0.0]), np.array([0.0, 1000.0, 0.0])
    q, w = np.array([-520.0, 0.0, 20.0]), np.array([500.0, 0.0, 0.0])
    t_star, want = _closed_form(p, v, q, w)
    assert t_star == pytest.approx(1.008) and want == pytest.approx(np.sqrt(720.0))
    assert want < np.linalg.norm(q + w - p - v) < CAPTURE_RADIUS_M["command"]
    t_end, miss = _fly(dt, p, 1000.0, (0.0, 4000.0, 0.0), q, w, "command")
    assert t_end == pytest.approx(t_star, abs=T_TOL)
    assert miss == pytest.approx(want, abs=MISS_TOL)


@settings(max_examples=60, deadline=None)
@given(st.floats(200.0, 1500.0), st.floats(-1.0, 1.0), st.floats(0.0, 25.0),
       st.floats(-300.0, 300.0), st.floats(-300.0, 300.0), st.floats(0.05, 2.0))
def test_end_game_is_the_closed_form_closest_approach_for_any_step(speed, lead, offset, wx, wy,
                                                                    dt):
    """Random linear geometries whose closest approach lies inside the 50 m capture radius,
    1-4 s ahead (relative speed 100 m/s or more): a round flying straight at a far aim point ends at the closed-form time and
    miss of the two linear motions, for any step from 0.05 to 2 s."""
    v = np.array([0.0, speed, 0.0])
    t_meet = 2.5 + 1.5 * lead
    w = np.array([wx, wy, 0.0])
    assume(np.hypot(wx, speed - wy) >= 100.0)  # closing at 100 m/s or more: starts >= 100 m off
    # The target passes ``offset`` m above the round's point at ``t_meet``.
    q = np.array([0.0, speed * t_meet, offset]) - w * t_meet
    t_star, want = _closed_form(np.zeros(3), v, q, w)
    assert want <= offset + 1e-9 < CAPTURE_RADIUS_M["track_via_missile"]
    t_end, miss = _fly(dt, (0, 0, 0), speed, (0.0, 100.0 * speed, 0.0), q, w,
                       "track_via_missile")
    assert t_end == pytest.approx(t_star, abs=T_TOL)
    assert miss == pytest.approx(want, abs=MISS_TOL)
