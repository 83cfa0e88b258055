"""The WTA control unit's one-call cycle problem and search (the heuristic's usual cycle)
against the steps it stands for: :func:`airdefense.c2._kernels.wta_problem`, the problem
object and the heuristic's state (:class:`airdefense.assignment.heuristic._State`), its
``solve`` and the channel cuts of :meth:`WTAAssigner._solve_steps`."""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.assignment import WTAProblem
from airdefense.assignment import _kernels as ak
from airdefense.assignment.heuristic import HeuristicSolver, _State
from airdefense.c2._kernels import wta_problem
from airdefense.c2._options import Options
from airdefense.c2.base import Orders
from airdefense.c2.greedy import orders_from_rounds
from airdefense.c2.wta import WTAAssigner, _cut_channels


def _options(rng, m, L):
    allowed = rng.random((m, L)) < 0.5
    pk = rng.choice([-0.0, 0.0, 0.3, 0.55, 0.97, 1.2, -0.1, np.nan], (m, L))
    value = rng.uniform(0, 1e7, m)
    cap = rng.integers(0, 4, L)
    pair_cap = rng.integers(0, 3, (m, L))
    unit_cost = rng.uniform(1e4, 4e6, L)
    return allowed, pk, value, cap, pair_cap, unit_cost


def _same(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    if got.dtype.kind == "f":
        assert np.array_equal(np.signbit(got), np.signbit(want))
    assert got.flags.c_contiguous == want.flags.c_contiguous
    assert got.flags.f_contiguous == want.flags.f_contiguous


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 7), st.integers(1, 6),
       st.sampled_from([0.0, 1e-6, 0.37]))
def test_cycle_problem_is_the_problem_and_state_of_the_steps(seed, m, L, lam):
    """The same targets, weapons, problem fields and state constants, bit for bit and in
    the same layouts, as the problem the control unit builds in steps and the heuristic's
    state of it; ``mixed`` as the control unit tests it."""
    rng = np.random.default_rng(seed)
    allowed, pk, value, cap, pair_cap, unit_cost = _options(rng, m, L)
    for cols in (np.arange(L), np.flatnonzero(rng.random(L) < 0.5)):
        got = ak.cycle_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols, lam)
        tg, w, qa, q, p, ub, values, c, mpt, copies, cost, k_max, mixed = got
        tg0, w0, values0, p_t, copies0, cost0, a_t, mpt0, pc_t = wta_problem(
            allowed, pk, value, cap, pair_cap, unit_cost, cols)
        _same(tg, tg0)
        _same(w, w0)
        if tg0.size == 0:
            continue
        prob = WTAProblem._of_fields(values0, p_t.T, copies0.copy(), cost0, lam, a_t.T, mpt0,
                                     np.array(pc_t.T, order="C"))
        state = _State(prob)
        for g, e in ((qa, prob._q), (q, state.q), (p, state.p), (ub, state.ub),
                     (values, state.V), (c, state.c), (mpt, state.mpt),
                     (copies, state.copies), (cost, prob.cost)):
            _same(g, e)
        assert max(1, k_max) == max(1, int(state.ub.max(initial=1)))
        assert mixed == (w0.size > 1 and bool(
            (np.where(a_t, pc_t, mpt0[:, None]) != mpt0[:, None]).any()))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9), st.integers(1, 4))
def test_solve_constants_is_solve(seed, m, L):
    """The same assignment, objective and draws as ``solve`` of the problem object."""
    rng = np.random.default_rng(seed)
    allowed, pk, value, cap, pair_cap, unit_cost = _options(rng, m, L)
    pk = np.nan_to_num(pk)
    cols = np.arange(L)
    lam = 1e-6
    tg, w, qa, q, p, ub, values, c, mpt, copies, cost, k_max, mixed = ak.cycle_problem(
        allowed, pk, value, cap, pair_cap, unit_cost, cols, lam)
    if tg.size == 0:
        return
    _, _, values0, p_t, copies0, cost0, a_t, mpt0, pc_t = wta_problem(
        allowed, pk, value, cap, pair_cap, unit_cost, cols)
    prob = WTAProblem._of_fields(values0, p_t.T, copies0.copy(), cost0, lam, a_t.T, mpt0,
                                 np.array(pc_t.T, order="C"))
    solver = HeuristicSolver(max_kicks=2)
    r1, r2 = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    want = solver.solve(prob, time_limit_s=60.0, rng=r1)
    got = solver._solve_constants(qa, q, p, ub, values, c, mpt, copies, cost, lam, k_max,
                                  60.0, r2)
    _same(got.x, want.x)
    assert got.objective == want.objective
    assert (got.status, got.solver) == (want.status, want.solver)
    assert r1.bit_generator.state == r2.bit_generator.state
    assert r1.random() == r2.random()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 5))
def test_over_channels_is_where_the_channels_are_cut(seed, W, T):
    """True exactly where :func:`_cut_channels` lowers some copies."""
    rng = np.random.default_rng(seed)
    L, S = W + 2, 3
    cols = np.arange(L)
    w = np.sort(rng.choice(L, W, replace=False))
    fc = rng.integers(0, S, L)
    chan = rng.integers(-1, 3, S)
    x = rng.integers(0, 3, (W, T))
    copies = np.full(W, 5, np.int64)
    want = _cut_channels(x.T, fc[cols[w]], chan, copies.copy())
    assert ak.over_channels(x, w, cols, fc, chan) == want


def _cycles(seed, networked):
    """Random cycles of a WTA control unit over three batteries of one or two launchers."""
    rng = np.random.default_rng(seed)
    m, L = int(rng.integers(1, 8)), 5

    class Launchers:
        battery = np.array([0, 0, 1, 2, 2])
        fire_control = np.array([0, 0, 1, 2, 2])
        unit_cost = rng.uniform(1e4, 1e6, L)

        def __len__(self):
            return L

    allowed = rng.random((m, L)) < 0.6
    pair_cap = np.repeat(rng.integers(1, 3, (m, 3)), [2, 1, 2], axis=1)
    if rng.random() < 0.3:  # a track whose batteries' salvos differ
        pair_cap[:, 2] = 1
        pair_cap[:, 0:2] = 2
    opt = Options(allowed=allowed, pk=rng.uniform(0.2, 0.95, (m, L)), pair_cap=pair_cap,
                  cap=rng.integers(1, 4, L), value=rng.uniform(1e5, 1e7, m),
                  tof=np.zeros((m, L)), pip=np.zeros((m, L, 3)),
                  nonballistic_cap=np.full(3, 9), ballistic=np.zeros(m, bool))
    chan = rng.integers(-1, 3, 3)
    wta = WTAAssigner("heuristic", networked=networked, cost_weight=1e-7,
                      rng=np.random.default_rng(seed))
    return wta, opt, Launchers(), chan


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_solve_is_the_steps(seed, networked):
    """:meth:`WTAAssigner._solve` (one call, the steps where a solution is cut) gives the
    rounds, solutions and draws of :meth:`WTAAssigner._solve_steps` (the problem object,
    ``solve`` and the cuts), also where the channels or a battery's salvo cut."""
    wta, opt, launchers, chan = _cycles(seed, networked)
    ref = copy.deepcopy(wta)
    batteries = [(0, 1), (2,), (3, 4)] if not networked else [np.arange(5)]
    for cols in (np.array(c, np.int64) for c in batteries):
        if not opt.allowed[:, cols].any():
            continue
        got = wta._solve(opt, cols, launchers, chan)
        want = ref._solve_steps(opt, cols, launchers, chan)
        _same(got, want)
        assert [s.objective for s in wta.last_solutions] == [
            s.objective for s in ref.last_solutions]
        for a, b in zip(wta.last_solutions, ref.last_solutions, strict=True):
            _same(a.x, b.x)
        assert wta.rng.bit_generator.state == ref.rng.bit_generator.state


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_solve_into_orders_is_the_steps_orders(seed):
    """:meth:`WTAAssigner._solve` with ``into`` (a networked cycle: its orders made in the
    solution's last call, :func:`airdefense.assignment._kernels.solution_orders`) gives the
    orders of :func:`orders_from_rounds` of the rounds of the steps, the same solutions and
    draws, also where the channels cut (the rounds then, as without ``into``)."""
    wta, opt, launchers, chan = _cycles(seed, True)
    m = opt.allowed.shape[0]
    rng = np.random.default_rng(seed + 1)
    if rng.random() < 0.7:  # (mostly the usual cycle: no channel or salvo cut)
        chan = np.where(rng.random(3) < 0.8, -1, chan + 3)
        opt.pair_cap[:] = opt.pair_cap[:, :1]  # (the same salvo at a track: not mixed)
    opt.tof[:] = rng.uniform(1, 30, opt.tof.shape)
    opt.pip[:] = rng.uniform(-1e4, 1e4, opt.pip.shape)

    class Tracks:
        track_id = rng.permutation(40)[:m]
        truth_id = rng.integers(-1, 9, m)

    ref = copy.deepcopy(wta)
    cols = np.arange(5)
    got = wta._solve(opt, cols, launchers, chan, (12.5, Tracks))
    x = ref._solve_steps(opt, cols, launchers, chan)
    want = orders_from_rounds(12.5, x, opt, Tracks, launchers, chan)
    if not isinstance(got, Orders):  # cut by the channels: the rounds of the steps
        _same(got, x)
        got = orders_from_rounds(12.5, got, opt, Tracks, launchers, chan)
    for name in ("track_id", "target", "battery", "launcher", "rounds", "intercept_time_s",
                 "intercept_enu"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
        assert getattr(got, name).dtype == getattr(want, name).dtype
    assert [s.objective for s in wta.last_solutions] == [
        s.objective for s in ref.last_solutions]
    assert wta.rng.bit_generator.state == ref.rng.bit_generator.state
