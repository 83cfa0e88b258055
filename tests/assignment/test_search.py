"""The heuristic's search kernel (:func:`airdefense.assignment._kernels.search`): its draws
from the caller's generator, its resumption, its time limit, and whole solves against the
NumPy reference over bit generators and limits.

The kernel draws inside with numba's ``Generator`` methods (rebuilt from
``generator_pointers(rng)``): ``integers(0, n)`` where the reference drew ``rng.integers(n)``
and ``rng.choice`` of ``n`` candidates, and ``random(n)``. Solutions equal the reference's only
while those give NumPy's numbers and leave the generator in NumPy's state, checked here for
each form on every bit generator NumPy ships, so that a release that diverges is caught.
"""

from __future__ import annotations

import copy
import pickle

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airdefense.assignment import HeuristicSolver, WTAProblem
from airdefense.assignment import _kernels as K
from airdefense.assignment import heuristic as H
from airdefense.sensors._kernels import generator, generator_pointers
from tests.assignment import _reference_heuristic as R
from tests.assignment.test_heuristic_kernels import PROPS, _problem, problems

BITGENS = [np.random.PCG64, np.random.Philox, np.random.SFC64, np.random.MT19937]


def _same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    """Bit generators of ``a`` and ``b`` in the same state (state dicts may hold arrays)."""
    def same(x, y):
        if isinstance(x, dict):
            return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
        return np.array_equal(x, y)
    return same(a.bit_generator.state, b.bit_generator.state)


@numba.njit
def _kernel_draws(ptrs, ns):
    """``integers(0, n)``, ``random(n % 5)`` and ``integers(0, n)`` again, for each ``n``."""
    rng = generator(ptrs)
    ints = np.empty((ns.size, 2), np.int64)
    floats = np.empty(0)
    for k in range(ns.size):
        ints[k, 0] = rng.integers(0, ns[k])
        floats = np.concatenate((floats, rng.random(ns[k] % 5)))
        ints[k, 1] = rng.integers(0, ns[k])
    return ints, floats


def _numpy_draws(rng, ns):
    """The same draws as the reference heuristic makes them."""
    ints = np.empty((ns.size, 2), np.int64)
    floats = []
    for k, n in enumerate(ns.tolist()):
        ints[k, 0] = rng.integers(n)
        floats.append(rng.random(n % 5))
        ints[k, 1] = rng.choice(np.arange(n))
    return ints, np.concatenate(floats)


@pytest.mark.parametrize("bitgen", BITGENS)
def test_kernel_draws_equal_numpy(bitgen):
    """integers and random as the kernels draw them: NumPy's numbers, bit for bit, and
    NumPy's generator state after (n = 1, which draws nothing, and n % 5 = 0 included)."""
    for seed in range(30):
        ns = np.random.default_rng(seed).integers(1, 60, 1 + seed % 17)
        ns[seed % ns.size] = 1
        a, b = np.random.Generator(bitgen(seed)), np.random.Generator(bitgen(seed))
        got, want = _kernel_draws(generator_pointers(a), ns), _numpy_draws(b, ns)
        for x, y in zip(got, want, strict=True):
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), seed
        assert _same_state(a, b)
        assert a.integers(1 << 40) == b.integers(1 << 40)


# ------------------------------------------------------------------------ whole solves
@PROPS
@given(prob=problems(), seed=st.integers(0, 2**32 - 1), kicks=st.integers(1, 5),
       bitgen=st.sampled_from(BITGENS), limit=st.sampled_from([np.inf, 60.0]))
def test_solver_equals_reference_on_every_bit_generator(prob, seed, kicks, bitgen, limit):
    """Same x and objective as the reference and the generator left in the same state, with
    no time limit and with one that does not bind, from any bit generator."""
    g_new, g_ref = np.random.Generator(bitgen(seed)), np.random.Generator(bitgen(seed))
    new = HeuristicSolver(max_kicks=kicks).solve(prob, time_limit_s=limit, rng=g_new)
    ref = R.HeuristicSolver(max_kicks=kicks).solve(prob, time_limit_s=limit, rng=g_ref)
    np.testing.assert_array_equal(new.x, ref.x)
    assert new.objective == ref.objective
    assert _same_state(g_new, g_ref)


def _search_args(prob, rng, kicks=3):
    s = H._State(prob)
    istat = np.zeros(3, np.int64)
    best_x, best = np.empty_like(s.x), np.empty(1)
    return s, istat, best_x, best, (*s.arrays, best_x, istat, best, generator_pointers(rng),
                                    kicks, 3)


@PROPS
@given(prob=problems(), seed=st.integers(0, 2**32 - 1), chunk=st.integers(1, 60))
def test_search_resumes_where_it_stopped(prob, seed, chunk):
    """Run in calls of a little work each, the search ends where one call ends it: same best
    x and value, same kicks, same generator state (the split never changes the result)."""
    g_one, g_many = np.random.default_rng(seed), np.random.default_rng(seed)
    _, one, x_one, b_one, args = _search_args(prob, g_one)
    K.search(*args, 1 << 62)
    _, many, x_many, b_many, args = _search_args(prob, g_many)
    calls = 0
    while many[0] != K.DONE:
        K.search(*args, chunk)
        calls += 1
    np.testing.assert_array_equal(x_many, x_one)
    assert b_many[0] == b_one[0] and many.tolist() == one.tolist()
    assert g_many.bit_generator.state == g_one.bit_generator.state
    assert one[0] == K.DONE and one[1] == 3 and calls >= 1


def test_search_finishes_the_kick_under_way():
    """With no work left (the deadline passed) a kick under way ends without its descents,
    the best kept (and the state set back to it if no better), no other kick started."""
    prob = _problem(4, 12, 30, 0, False, False, True)
    g = np.random.default_rng(1)
    s, istat, best_x, best, args = _search_args(prob, g, kicks=10**6)
    for _ in range(1000):                    # a little work a call, until a descent stops
        K.search(*args, 1)
        if istat[0] in (K.DESCENT, K.POLISH):
            break
    assert istat[0] in (K.DESCENT, K.POLISH) and istat[2] >= 1
    kicks, start = istat[2], best[0]
    K.search(*args, 0)
    assert istat[0] == K.KICK and istat[2] == kicks
    assert best[0] <= start and prob.violations(best_x) == []
    np.testing.assert_array_equal(s.x, best_x)
    before = g.bit_generator.state
    assert K.search(*args, 0) == 0 and istat[2] == kicks
    assert g.bit_generator.state == before


@pytest.mark.parametrize(("n_w", "limit_s", "low_s", "high_s"),
                         [(40, 0.05, 0.04, 0.5), (60, 0.2, 0.15, 0.6)])
def test_solver_stops_at_its_limit_with_kicks_to_go(n_w, limit_s, low_s, high_s):
    """With endless kicks, a time limit ends the solve near it (kicks run in chunks of work);
    no limit (0) still gives the greedy start and its descent, as the reference's first
    kick-less result."""
    prob = _problem(9, n_w, 2 * n_w, 0, False, False, False)
    prob = WTAProblem(values=prob.values, p=prob.p, copies=np.full(n_w, 3))
    sol = HeuristicSolver(max_kicks=10**9).solve(prob, time_limit_s=limit_s,
                                                 rng=np.random.default_rng(0))
    assert low_s < sol.seconds < high_s
    assert prob.violations(sol.x) == []
    zero = HeuristicSolver(max_kicks=10**9).solve(prob, time_limit_s=0.0,
                                                  rng=np.random.default_rng(0))
    ref = R.HeuristicSolver(max_kicks=0).solve(prob, time_limit_s=np.inf)
    np.testing.assert_array_equal(zero.x, ref.x)
    assert sol.objective <= zero.objective


@pytest.mark.parametrize("limit", [np.inf, 60.0, 0.0])
@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0, 0)])
def test_empty_problems_return_zeros(shape, limit):
    """No weapon types or no targets: x all zeros of the problem's shape, its objective."""
    prob = WTAProblem(values=np.full(shape[1], 2.0), p=np.full(shape, 0.5),
                      copies=np.ones(shape[0], int))
    sol = HeuristicSolver().solve(prob, time_limit_s=limit, rng=np.random.default_rng(0))
    assert sol.x.shape == shape and sol.x.dtype == np.int64 and not sol.x.any()
    assert sol.objective == 2.0 * shape[1]


def test_solver_links_each_generator_once():
    """The solver keeps the pointers of the last generator: a new generator is picked up, a
    copy or an unpickled solver makes its own (the pointers belong to this process)."""
    prob = _problem(3, 4, 6, 0, True, False, True)
    solver = HeuristicSolver(max_kicks=4)
    a = solver.solve(prob, time_limit_s=np.inf, rng=np.random.default_rng(5))
    g = np.random.default_rng(5)
    b = solver.solve(prob, time_limit_s=np.inf, rng=g)
    assert solver._rng_link[0] is g
    np.testing.assert_array_equal(a.x, b.x)
    for other in (copy.deepcopy(solver), pickle.loads(pickle.dumps(solver))):
        assert other._rng_link == (None, None)
        g2 = np.random.default_rng(5)
        np.testing.assert_array_equal(other.solve(prob, np.inf, g2).x, a.x)
        assert g2.bit_generator.state == g.bit_generator.state


# ------------------------------------------------------------------------ the state's set-up
@PROPS
@given(prob=problems(), order=st.sampled_from("CF"))
def test_state_constants_equal_numpy(prob, order):
    """q, p, the pair bounds (``upper_bounds()``, pair limits included) and the power table as
    the NumPy statements give them, in q's layout (which decides NumPy's power loop), for C-
    and Fortran-ordered fields."""
    prob = WTAProblem(values=prob.values, p=np.asarray(prob.p, order=order),
                      copies=prob.copies, cost=prob.cost, cost_weight=prob.cost_weight,
                      allowed=np.asarray(prob.allowed, order=order),
                      max_per_target=prob.max_per_target,
                      max_per_pair=(None if prob.max_per_pair is None
                                    else np.asarray(prob.max_per_pair, order=order)))
    s = H._State(prob)
    q = np.maximum(1.0 - prob.p_eff, H._QMIN)
    assert s.q.tobytes(order="A") == q.tobytes(order="A")
    assert s.q.flags.c_contiguous == q.flags.c_contiguous
    assert s.p.tobytes() == np.ascontiguousarray(1.0 - q).tobytes()
    ub = prob.upper_bounds()
    np.testing.assert_array_equal(s.ub, ub)
    k_max = max(1, int(ub.max(initial=1)))
    ks = np.repeat(np.arange(k_max + 1, dtype=np.int64), q.size)
    assert s.qpow.tobytes() == (q ** ks.reshape((k_max + 1,) + q.shape)).tobytes()
    assert s.c.tobytes() == (prob.cost_weight * prob.cost).tobytes()
