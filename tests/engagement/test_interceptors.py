"""Interceptor stepping: terminal homing then flight, against its statement with the
public pieces (flyout speed in NumPy, reaim, fly)."""

from __future__ import annotations

import copy

import numpy as np
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


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 12), st.floats(0.5, 5.0))
def test_guide_and_fly_is_terminal_reaim_then_fly(seed, n, terminal_s):
    """Rounds launched by t0 whose time to go (distance to the target over their current
    speed) is within the terminal time are re-aimed at the target's true motion, then all fly."""
    rng = np.random.default_rng(seed)
    ic = _rounds(rng, n)
    ids = np.arange(n)
    t0, t1 = 10.0, 11.0
    s0 = ic.pos[:n] + rng.normal(0, 1500, (n, 3))
    s1 = s0 + rng.normal(0, 300, (n, 3))
    ref = copy.deepcopy(ic)
    speed = ref.flyout(ids).speed(np.maximum(t0 - ref.launch_t[ids], 0.0))
    ttg = np.linalg.norm(s0 - ref.pos[ids], axis=1) / np.maximum(speed, 1.0)
    term = (ttg <= terminal_s) & (ref.launch_t[ids] <= t0)
    ref.reaim(ids[term], s0[term], (s1 - s0)[term] / (t1 - t0), t=t0)
    want = ref.fly(ids, s0, s1, t0, t1 - t0)
    got = ic.guide_and_fly(ids, s0, s1, t0, t1, terminal_s)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ic.pos, ref.pos)
    np.testing.assert_array_equal(ic.aim, ref.aim)
    np.testing.assert_array_equal(ic.aim_t, ref.aim_t)


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
