"""The scan's exact shortcuts decide as the computations they skip.

:func:`~airdefense.sensors._kernels.surely_inside_horizon` and
:func:`~airdefense.sensors._kernels.elevation_in_limits` decide coverage tests from bounds,
without the C library's ``atan``/``cos`` or ``cos``/``sin`` of the beam's bend;
:func:`~airdefense.sensors._kernels.far_look` skips the look time and geometry of a target
surely beyond a rotating radar's range. Each must agree with the test it replaces wherever it
decides (checked here against that test computed in full, near its boundary too), and decide
most cases away from it (else it saves nothing).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.sensors import _kernels as K


def _horizon_exact(cos_g, kf, horizon, u):
    """geometry_values' horizon test, computed in full."""
    return cos_g >= math.cos(min(kf * (horizon + math.atan(u)), math.pi))


@settings(max_examples=1500, deadline=None)
@given(kf=st.floats(0.5, 2.0), horizon=st.floats(0.0, 0.05), u=st.floats(0.0, 0.6),
       rel=st.floats(-1e-6, 1e-6), tiny=st.sampled_from([0.0, 1e-16, -1e-16, 1e-13, -1e-13]))
def test_surely_inside_horizon_only_when_inside(kf, horizon, u, rel, tiny):
    """True only where the full test holds, for cosines on and near its threshold."""
    thr = math.cos(min(kf * (horizon + math.atan(u)), math.pi))
    cos_g = thr + rel * (1.0 - thr) + tiny
    if K.surely_inside_horizon(cos_g, kf, horizon, u):
        assert _horizon_exact(cos_g, kf, horizon, u)


def test_surely_inside_horizon_decides_clear_cases():
    """A point well inside the horizon (its cosine 1e-9 over the threshold) is decided without
    the functions; one outside never is."""
    g = np.random.default_rng(3)
    for _ in range(2000):
        kf, horizon, u = g.uniform(1.0, 1.5), g.uniform(0.0, 0.01), g.uniform(0.0, 0.1)
        thr = math.cos(min(kf * (horizon + math.atan(u)), math.pi))
        assert K.surely_inside_horizon(thr + 1e-9, kf, horizon, u)
        assert not K.surely_inside_horizon(thr - 1e-15, kf, horizon, u)


def _elevation_exact(sin_le, cos_le, bend, lo, hi):
    v = sin_le * math.cos(bend) + cos_le * math.sin(bend)
    return lo <= v <= hi


@settings(max_examples=1500, deadline=None)
@given(sin_le=st.floats(-1.0, 1.0), bend=st.floats(-1e-3, 0.02),
       which=st.sampled_from(["lo", "hi"]), e=st.floats(-1e-9, 1e-9),
       tiny=st.sampled_from([0.0, 2e-16, -2e-16, 1e-13, -1e-13]), width=st.floats(0.0, 1.5))
def test_elevation_in_limits_is_the_full_test(sin_le, bend, which, e, tiny, width):
    """The same decision as the sine computed in full, with limits on and near it."""
    cos_le = math.sqrt(max(1.0 - sin_le * sin_le, 0.0))
    v = sin_le * math.cos(bend) + cos_le * math.sin(bend)
    edge = v + e + tiny
    lo, hi = (edge, edge + width) if which == "lo" else (edge - width, edge)
    assert K.elevation_in_limits(sin_le, cos_le, bend, lo, hi) == _elevation_exact(
        sin_le, cos_le, bend, lo, hi)


def _tor_row(t, t_last, start=0.4, phase=0.7, hi_range=32e3):
    """A rotating radar's rc row after a call that swept a whole turn (SW_FRAC 1)."""
    rc = np.zeros((1, K.RC_N))
    rc[0, K.G_ANT:K.G_ANT + 3] = (100.0, -50.0, 10.0)
    rc[0, K.G_HI + 2] = hi_range
    rc[0, K.RC_SWEEP_START] = start
    rc[0, K.RC_SWEEP] = 2 * np.pi
    rc[0, K.RC_T_LAST] = t_last
    rc[0, K.SW_RATE] = 1.0 / (t - t_last)
    rc[0, K.SW_PHASE] = phase
    rc[0, K.SW_FRAC] = 1.0
    return rc


@settings(max_examples=1500, deadline=None)
@given(r=st.floats(20e3, 60e3), az=st.floats(0.0, 2 * np.pi), z=st.floats(-500.0, 20e3),
       speed=st.floats(0.0, 3000.0), heading=st.floats(0.0, 2 * np.pi),
       turn=st.floats(-0.5, 0.5), t=st.floats(10.0, 2e3), curve=st.booleans(),
       edge=st.sampled_from([None, "start", "end"]), e=st.floats(-2e-6, 2e-6))
def test_far_look_is_a_look_beyond_range(r, az, z, speed, heading, turn, t, curve, edge, e):
    """Where far_look holds, search_look looks at the target and the look's position (on the
    Hermite curve or straight back, at its time) lies beyond the radar's range."""
    t_last, t0 = t - 1.0, t - 1.0
    rc = _tor_row(t, t_last)
    if edge is not None:  # near the sweep's start or end azimuth
        az = rc[0, K.RC_SWEEP_START] + (2 * np.pi * rc[0, K.SW_PHASE] if edge == "end" else 0)
        az += e
    ant = rc[0, K.G_ANT:K.G_ANT + 3]
    v1 = speed * np.array([math.sin(heading), math.cos(heading), 0.1])
    p1 = ant + np.array([r * math.sin(az), r * math.cos(az), z])
    states = np.array([[*p1, *v1]])
    v0 = speed * np.array([math.sin(heading - turn), math.cos(heading - turn), -0.1])
    states0 = np.array([[*(p1 - 0.5 * (v0 + v1)), *v0]]) if curve else np.empty((0, 6))
    dx, dy = p1[0] - ant[0], p1[1] - ant[1]
    ends = K.search_end(rc, 0)
    if not K.far_look(t, states, t0, states0, rc, 0, 0, dx, dy, ends):
        return
    look, tau = K.search_look(rc, 0, t, dx, dy)
    assert look
    x, y, zz = K.look_xyz(t, states, t0, states0, np.empty(0), 0, tau)
    assert math.dist((x, y, zz), ant) > rc[0, K.G_HI + 2]


def test_far_look_skips_far_targets_only():
    """A target 3 km beyond a 32 km range at 300 m/s is skipped (a look, no geometry); one
    inside the range, or beyond it near the sweep's end, is not."""
    t = 100.0
    rc = _tor_row(t, t - 1.0)
    ends = K.search_end(rc, 0)
    ant = rc[0, K.G_ANT:K.G_ANT + 3]
    for r, az, far in ((35e3, 2.0, True), (30e3, 2.0, False),
                       (35e3, rc[0, K.RC_SWEEP_START] + 2 * np.pi * rc[0, K.SW_PHASE], False)):
        p = ant + [r * math.sin(az), r * math.cos(az), 0.0]
        states = np.array([[*p, 300.0, 0.0, 0.0]])
        assert K.far_look(t, states, t - 1.0, np.empty((0, 6)), rc, 0, 0, p[0] - ant[0],
                          p[1] - ant[1], ends) == far
