"""A round's packed rows written in one go (:meth:`InterceptorState._add`, the fire control's
launch) against :meth:`InterceptorState.launch`, and the guided rounds' pairs of one compiled
pass (:func:`airdefense.engagement._kernels.guided_rounds`) against the NumPy statement."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.engagement import _kernels
from airdefense.engagement.flyout import Flyout
from airdefense.engagement.interceptors import CAPTURE_RADIUS_M, RADAR_GUIDED, InterceptorState
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog
from tests.conftest import EXAMPLES


def _same_rows(a: InterceptorState, b: InterceptorState) -> None:
    assert a.n == b.n
    for name in ("_f", "_i", "_b"):
        x, y = getattr(a, name)[:a.n], getattr(b, name)[:b.n]
        np.testing.assert_array_equal(x, y)
        assert np.array_equal(np.isnan(x), np.isnan(y)) if x.dtype.kind == "f" else True


def test_add_writes_the_row_launch_writes():
    """Every field of every round (70 of them: the arrays grow past their first 64 rows),
    bit for bit, as launch writes them from the same figures."""
    rng = np.random.default_rng(4)
    a, b = InterceptorState(), InterceptorState()
    guidance = list(CAPTURE_RADIUS_M)
    for r in range(70):
        pos, aim = rng.normal(0, 1e4, 3), rng.normal(0, 1e4, 3)
        speed, pk, t, max_tof = rng.uniform(300, 1500), rng.random(), rng.uniform(0, 900), 40.0
        vb, tb, v0, k = rng.uniform(500, 1500), rng.uniform(1, 5), rng.uniform(0, 50), 1e-4
        pk_in = tuple(rng.random(4).tolist())
        g = guidance[r % len(guidance)]
        tgt, trk, fc, lau, bat = (int(v) for v in rng.integers(-1, 9, 5))
        i = a.launch(pos=pos, aim=aim, speed=speed, target=tgt, track=trk, launcher=lau,
                     battery=bat, fire_control=fc, pk=pk, guidance=g, t=t, max_tof=max_tof,
                     flyout=Flyout(np.array([vb]), np.array([tb]), np.array([v0]),
                                   np.array([k])), pk_inputs=pk_in)
        j = b._add([*pos.tolist(), *aim.tolist(), np.nan, speed, pk, CAPTURE_RADIUS_M[g], t,
                    max_tof, vb, tb, v0, k, *pk_in, np.nan, np.nan],
                   (tgt, trk, fc, lau, bat), g in RADAR_GUIDED)
        assert i == j == r
    _same_rows(a, b)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_guided_rounds_is_the_numpy_statement(seed, n):
    """The active count and the (fire control, target) pairs of the active radar-guided
    rounds with a target, in row order."""
    rng = np.random.default_rng(seed)
    ri = rng.integers(-2, 6, (n + 3, 5))
    rb = rng.random((n + 3, 2)) < 0.5
    active, fc, tg = _kernels.guided_rounds(n, ri, rb)
    act, cmd, target = rb[:n, _kernels.B_ACTIVE], rb[:n, _kernels.B_COMMAND], ri[:n, 0]
    i = np.flatnonzero(act & cmd & (target >= 0))
    assert active == np.count_nonzero(act)
    np.testing.assert_array_equal(fc, ri[:n, _kernels.I_FIRE_CONTROL][i])
    np.testing.assert_array_equal(tg, target[i])
    assert fc.dtype == tg.dtype == np.int64


def test_guided_targets_follow_the_rounds():
    """The engagement's pairs change with the rounds (a launch, a round ended) and are the
    same arrays while they do not."""
    sc = load_scenario(EXAMPLES / "03_battery_strike.yaml")
    eng = Engagement(sc, EventLog(), np.random.default_rng(0))
    L = eng.launchers
    guided = [j for j in range(len(L)) if L.guidance[j] in RADAR_GUIDED]
    assert guided
    j = guided[0]
    fc0, tg0 = eng.guided_targets()
    assert fc0.size == tg0.size == 0
    eng._launch((0.0, j, 3, 7, [1.0, 2.0, 3.0], 0.5, (0.5, 0.0, 0.0, 1.0)))
    fc1, tg1 = pairs = eng.guided_targets()
    assert fc1.tolist() == [int(L.fire_control[j])] and tg1.tolist() == [3]
    assert eng.guided_targets() is pairs
    eng.icpt.active[0] = False  # the round ended
    fc2, tg2 = eng.guided_targets()
    assert fc2.size == tg2.size == 0
