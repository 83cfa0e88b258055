"""The search's arc test (sensors._kernels.outside_arc) never drops a look the sweep makes.

A rotating radar's search looks at a target when its sweep of the call passed the target's
azimuth (:func:`~airdefense.sensors._kernels.search_look`, an ``atan2`` per target). Before it,
:func:`~airdefense.sensors._kernels.outside_arc` skips the targets whose azimuth lies more than
``ARC_MARGIN`` outside the arc the sweep passed (a dot product): it must never skip one that
``search_look`` looks at, and it skips those well outside.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.sensors import _kernels as K


def _rotating(start, phase, period_s, dt, t_last):
    """One rotating radar's rc row after the call's sweep columns were set (as scan_looks
    sets them): boresight ``start`` (rad), phase before the call, period and step (s)."""
    rc = np.zeros((1, K.RC_N))
    rate = 1.0 / period_s
    swept = rate * dt
    rc[0, K.RC_SWEEP_START] = start
    rc[0, K.RC_SWEEP] = 2 * np.pi
    rc[0, K.RC_T_LAST] = t_last
    rc[0, K.SW_RATE] = rate
    rc[0, K.SW_PHASE] = (phase + swept) % 1.0
    rc[0, K.SW_FRAC] = min(swept, 1.0)
    return rc, swept


@settings(max_examples=400, deadline=None)
@given(start=st.floats(0.0, 2 * np.pi), phase=st.floats(0.0, 0.999999),
       period_s=st.floats(0.5, 12.0), dt=st.floats(1e-3, 2.0), t_last=st.floats(0.0, 1e4),
       edge=st.sampled_from(["start", "end", "any"]), e=st.floats(-1e-5, 1e-5),
       u=st.floats(0.0, 2 * np.pi), r=st.floats(1.0, 4e5))
def test_the_arc_test_skips_no_look(start, phase, period_s, dt, t_last, edge, e, u, r):
    """Near either edge of the swept arc (within 1e-5 rad) and anywhere: a point the arc test
    skips is one search_look does not look at; one clearly outside is skipped."""
    rc, swept = _rotating(start, phase, period_s, dt, t_last)
    end = start + 2 * np.pi * rc[0, K.SW_PHASE]  # the beam's azimuth at the call's end
    az = {"start": end - 2 * np.pi * swept + e, "end": end + e, "any": u}[edge]
    dx, dy = r * math.sin(az), r * math.cos(az)
    ms, mc, cl = K.search_arc(rc, 0)
    skipped = K.outside_arc(dx, dy, ms, mc, cl)
    look, _ = K.search_look(rc, 0, t_last + dt, dx, dy)
    assert not (skipped and look)
    # The angle from the arc's middle, wrapped: well outside the half width, skipped.
    mid = end - np.pi * swept
    off = abs(math.remainder(math.atan2(dx, dy) - mid, 2 * np.pi))
    if swept < 0.99 and off > np.pi * swept + 1e-4:
        assert skipped


def test_a_full_turn_or_an_electronic_sweep_skips_nothing():
    """No arc test for a call that swept (nearly) a whole turn, nor for an electronic radar
    (whose sector sweep wraps at its edges): every azimuth goes to search_look."""
    rc, _ = _rotating(0.3, 0.2, 1.0, 1.0, 10.0)
    assert K.search_arc(rc, 0)[2] == -2.0
    rc, _ = _rotating(0.3, 0.2, 4.0, 1.0, 10.0)
    rc[0, K.RC_ELECTRONIC] = 1.0
    ms, mc, cl = K.search_arc(rc, 0)
    az = np.linspace(0.0, 2 * np.pi, 73)
    assert not any(K.outside_arc(math.sin(a), math.cos(a), ms, mc, cl) for a in az)
