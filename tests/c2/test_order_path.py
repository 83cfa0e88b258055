"""The ordering cycle's shortcuts change no result: options built without counting the pairs
first (``some_pair``, where the cycle's screen found some pair allowed), and the cycle's WTA
problem built from the options kernel's fields without checks or copies."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from c2_pictures import LAYERED, Picture, drone_wave
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.assignment import WTAProblem, make_solver
from airdefense.c2 import make_assigner
from airdefense.c2._kernels import wta_problem
from airdefense.c2._options import _allowed_options


@pytest.fixture(scope="module")
def scene():
    return load_scenario(LAYERED)


def _orders(o) -> tuple:
    return tuple(np.asarray(getattr(o, f)).tobytes() for f in (
        "track_id", "target", "battery", "launcher", "rounds", "intercept_time_s",
        "intercept_enu"))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 10),
       st.sampled_from(["greedy", "heuristic", "exact"]), st.sampled_from([0.0, 0.05]),
       st.booleans())
def test_some_pair_gives_the_options_and_orders_of_the_count(scene, seed, m, name,
                                                             cost_weight, networked):
    """Options and orders are the same, bit for bit, whether the pairs are counted first
    or not; where no pair is allowed (no rounds left) both give no options and no order."""
    pic = Picture(scene, drone_wave(m, np.random.default_rng(seed)))
    asg = make_assigner(name, cost_weight=cost_weight, networked=networked)
    assert asg.decide_some_pair
    prof = bool(asg.options_profitable_only)
    for empty in (False, True):
        if empty:
            pic.launchers.rounds[:] = 0
        a = _allowed_options(asg, *pic.args(), profitable_only=prof)
        b = _allowed_options(asg, *pic.args(), profitable_only=prof, some_pair=True)
        assert (a is None) == (b is None)
        if empty:
            assert a is None
        if a is not None:
            for f in a.__dataclass_fields__:
                x, y = getattr(a, f), getattr(b, f)
                assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), f
        u, v = copy.deepcopy(asg), copy.deepcopy(asg)
        o1 = u.decide(*pic.args())
        o2 = v.decide(*pic.args(), some_pair=True)
        assert _orders(o1) == _orders(o2)
        if empty:
            assert len(o2) == 0


def test_some_pair_picture_orders_something(scene):
    """The pictures above do give orders (the comparison is not only of empty orders)."""
    pic = Picture(scene, drone_wave(6, np.random.default_rng(1)))
    asg = make_assigner("heuristic")
    assert len(asg.decide(*pic.args(), some_pair=True)) > 0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 5), st.booleans())
def test_problem_of_the_kernel_fields_is_the_constructed_one(seed, m, n_l, mixed_caps):
    """The cycle's problem from the kernel's fields (transposed views, no checks or copies)
    holds the constructor's fields (values, dtypes, layouts, ``_q``), read-only, and the
    heuristic solves both to the same assignment, objective and generator state."""
    rng = np.random.default_rng(seed)
    allowed = rng.random((m, n_l)) < 0.6
    allowed[0, 0] = True
    pk = rng.uniform(0.0, 1.0, (m, n_l))
    value = rng.uniform(0.0, 1e6, m)
    cap = rng.integers(0, 4, n_l)
    pair_cap = (rng.integers(1, 4, (m, n_l)) if mixed_caps
                else np.repeat(rng.integers(1, 4, (m, 1)), n_l, axis=1))
    cost = rng.uniform(0.0, 1e5, n_l)
    tg, w, values, p_t, copies, cost_w, a_t, mpt, pc_t = wta_problem(
        allowed, pk, value, cap, pair_cap, cost, np.arange(n_l))
    lam = float(rng.choice([0.0, 1e-3]))
    built = WTAProblem(values=values, p=p_t.T, copies=copies, cost=cost_w, cost_weight=lam,
                       allowed=a_t.T, max_per_target=mpt, max_per_pair=pc_t.T)
    fast = WTAProblem._of_fields(values.copy(), p_t.T, copies[:], cost_w.copy(), lam, a_t.T,
                                 mpt.copy(), np.ascontiguousarray(pc_t.T))
    for f in ("values", "p", "copies", "cost", "allowed", "max_per_target", "max_per_pair",
              "_q"):
        a, b = getattr(built, f), getattr(fast, f)
        assert a.dtype == b.dtype and a.shape == b.shape, f
        assert a.flags.c_contiguous == b.flags.c_contiguous, f
        assert a.flags.f_contiguous == b.flags.f_contiguous, f
        assert a.tobytes(order="A") == b.tobytes(order="A"), f
        assert not b.flags.writeable, f
    assert fast.cost_weight == built.cost_weight
    # The caller's arrays behind the views stay writable (the cycle's cuts change them).
    assert p_t.flags.writeable and a_t.flags.writeable and copies.flags.writeable
    solver = make_solver("heuristic", max_kicks=2)
    r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
    s1 = solver.solve(built, time_limit_s=60.0, rng=r1)
    s2 = solver.solve(fast, time_limit_s=60.0, rng=r2)
    assert s1.x.tobytes() == s2.x.tobytes() and s1.objective == s2.objective
    assert r1.bit_generator.state == r2.bit_generator.state
