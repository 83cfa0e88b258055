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


def test_a_full_turn_skips_nothing():
    """No arc test for a call that swept (nearly) a whole turn: every azimuth goes to
    search_look."""
    rc, _ = _rotating(0.3, 0.2, 1.0, 1.0, 10.0)
    assert K.search_arc(rc, 0)[2] == -2.0


def _electronic(start, sector, phase, period_s, dt, t_last):
    """An electronic radar's rc row after the call's sweep columns were set: its frame sweeps
    the sector ``[start, start + sector]`` (rad) in ``period_s``."""
    rc, swept = _rotating(start, phase, period_s, dt, t_last)
    rc[0, K.RC_ELECTRONIC] = 1.0
    rc[0, K.RC_SWEEP] = sector
    return rc, swept


@settings(max_examples=600, deadline=None)
@given(start=st.floats(0.0, 2 * np.pi), sector=st.floats(0.05, 2 * np.pi),
       phase=st.one_of(st.just(0.0), st.floats(0.0, 0.999999)), period_s=st.floats(0.5, 12.0), dt=st.floats(1e-3, 3.0),
       t_last=st.floats(0.0, 1e4), edge=st.sampled_from(["lo", "hi", "start", "end", "any"]),
       e=st.floats(-1e-5, 1e-5), u=st.floats(0.0, 2 * np.pi), r=st.floats(1.0, 4e5))
def test_an_electronic_frame_skips_no_look(start, sector, phase, period_s, dt, t_last, edge,
                                          e, u, r):
    """An electronic radar's arc (the swept part of its sector, or the whole sector when the
    frame wrapped) never skips a point search_look looks at, near the swept part's ends, the
    sector's ends or anywhere; a point outside the sector by more than 1e-4 rad is skipped
    when the sector is less than a turn."""
    rc, swept = _electronic(start, sector, phase, period_s, dt, t_last)
    ph = rc[0, K.SW_PHASE]
    az = {"lo": start + sector * (ph - swept) + e, "hi": start + sector * ph + e,
          "start": start + e, "end": start + sector + e, "any": u}[edge]
    dx, dy = r * math.sin(az), r * math.cos(az)
    ms, mc, cl = K.search_arc(rc, 0)
    skipped = K.outside_arc(dx, dy, ms, mc, cl)
    look, _ = K.search_look(rc, 0, t_last + dt, dx, dy)
    assert not (skipped and look)
    off = math.remainder(math.atan2(dx, dy) - (start + 0.5 * sector), 2 * np.pi)
    if sector < 2 * np.pi - 1e-3 and abs(off) > 0.5 * sector + 1e-4:
        assert skipped


def test_an_electronic_frame_skips_most_of_its_sector():
    """A frame that swept a fifth of a 120 deg sector without wrapping skips the azimuths of
    the sector it did not sweep (the arc is the swept part, not the whole sector); one that
    wrapped keeps the whole sector."""
    rc, swept = _electronic(0.0, 2 * np.pi / 3, 0.1, 5.0, 1.0, 10.0)
    assert rc[0, K.SW_PHASE] - swept >= 0.0
    ms, mc, cl = K.search_arc(rc, 0)
    # The frame swept sweep fractions (0.1, 0.3], azimuths (0.21, 0.63] rad: the rest of the
    # sector is outside.
    az = np.linspace(0.7, 2.0, 27)
    assert all(K.outside_arc(math.sin(a), math.cos(a), ms, mc, cl) for a in az)
    rc, swept = _electronic(0.0, 2 * np.pi / 3, 0.9, 5.0, 1.0, 10.0)  # wraps: (0.9, 1.1]
    ms, mc, cl = K.search_arc(rc, 0)
    assert not any(K.outside_arc(math.sin(a), math.cos(a), ms, mc, cl) for a in az)


def test_a_frame_from_its_start_keeps_its_end():
    """A frame whose swept part starts at the frame's start (phase 0 before the call): its
    end f = 1 is its start to the sweep phase, and search_look may look there by rounding;
    the arc test keeps that azimuth (the whole sector)."""
    g = np.random.default_rng(1)
    for _ in range(3000):
        start, sector = g.uniform(0, 2 * np.pi), g.uniform(0.05, 2 * np.pi)
        period_s, dt, t_last = g.uniform(0.5, 12), g.uniform(1e-3, 3), g.uniform(0, 1e4)
        rc, _ = _electronic(start, sector, 0.0, period_s, dt, t_last)
        ms, mc, cl = K.search_arc(rc, 0)
        for e in (-1e-9, 0.0, 1e-9, -1e-7, 1e-7):
            az = start + sector + e
            dx, dy = 1e4 * math.sin(az), 1e4 * math.cos(az)
            look, _ = K.search_look(rc, 0, t_last + dt, dx, dy)
            assert not (look and K.outside_arc(dx, dy, ms, mc, cl))
