"""The compiled WTA heuristic against its NumPy reference and SciPy: the same solutions, the
same bits.

``tests/assignment/_reference_heuristic.py`` is the NumPy implementation that came before the
kernels; every test here checks that :mod:`airdefense.assignment.heuristic` gives the same
assignment (and the same surviving values, to the bit) from the same problem and generator
state, or that a kernel equals the NumPy or SciPy routine it replaces.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment as scipy_lsa

from airdefense.assignment import GreedySolver, HeuristicSolver, WTAProblem, read_andersen
from airdefense.assignment import _kernels as K
from airdefense.assignment import heuristic as H
from tests.assignment import _reference_heuristic as R
from tests.assignment._reference_dot import dot_spec
from tests.assignment.test_instances import DATA, needs_data
from tests.conftest import EXAMPLES

AVX512 = Path("/proc/cpuinfo").is_file() and "avx512f" in Path("/proc/cpuinfo").read_text()
PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------- problems
def _problem(seed: int, W: int, T: int, ties: int, mask: bool, limits: bool,
             cost: bool, pairs: bool = False) -> WTAProblem:
    """A random problem. ``ties`` 1: p and values on a coarse grid; 2: also types and targets
    in identical pairs (many moves of equal gain, where tie-breaking decides). ``pairs``:
    pair limits of 0 to 3 rounds (drawn last, so the rest is the problem without them)."""
    g = np.random.default_rng(seed)
    if ties:
        p = g.choice([0.0, 0.25, 0.5, 0.75, 1.0], (W, T))
        values = g.choice([1.0, 2.0, 5.0], T)
        if ties == 2:
            p = np.repeat(np.repeat(p[: (W + 1) // 2, : (T + 1) // 2], 2, 0), 2, 1)[:W, :T]
            values = np.repeat(values[: (T + 1) // 2], 2)[:T]
    else:
        p = g.uniform(0.0, 0.95, (W, T))
        values = g.uniform(1.0, 100.0, T)
    kw = {}
    if mask:
        kw["allowed"] = g.random((W, T)) < 0.6
    if limits:
        kw["max_per_target"] = g.integers(0, 4, T)
    if cost:
        kw["cost"] = (np.repeat(g.choice([0.0, 1.0, 2.0], (W + 1) // 2), 2)[:W] if ties
                      else g.uniform(0.0, 5.0, W))
        kw["cost_weight"] = 0.5
    copies = g.integers(0, 5, W)
    if pairs:
        kw["max_per_pair"] = g.integers(0, 4, (W, T))
    return WTAProblem(values=values, p=p, copies=copies, **kw)


@st.composite
def problems(draw, max_w: int = 8, max_t: int = 12):
    """Problems with masks, salvo limits, pair limits, several copies, cost weight > 0 and
    = 0."""
    return _problem(draw(st.integers(0, 2**32 - 1)), draw(st.integers(1, max_w)),
                    draw(st.integers(1, max_t)), draw(st.integers(0, 2)), draw(st.booleans()),
                    draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))


def _random_feasible_x(prob: WTAProblem, g: np.random.Generator) -> np.ndarray:
    """A random feasible assignment, rounds placed one by one where allowed and open."""
    ub = prob.upper_bounds()
    x = np.zeros(prob.p.shape, np.int64)
    left = prob.copies.copy()
    for _ in range(int(prob.copies.sum())):
        i = int(g.integers(prob.n_types))
        open_t = np.flatnonzero((x[i] < ub[i]) & (x.sum(axis=0) < prob.max_per_target))
        if left[i] > 0 and open_t.size and g.random() < 0.7:
            x[i, g.choice(open_t)] += 1
            left[i] -= 1
    return x


def _pair(prob: WTAProblem, x: np.ndarray):
    return H._State(prob, x), R._State(prob, x)


def _same_state(new: H._State, ref: R._State) -> None:
    np.testing.assert_array_equal(new.x, ref.x)
    assert new.S.tobytes() == ref.S.tobytes()
    np.testing.assert_array_equal(new.spare, ref.spare)
    np.testing.assert_array_equal(new.count, ref.count)


# ------------------------------------------------------------------------ NumPy's arithmetic
def test_power_table_is_numpys_power(rng):
    """``qpow[x, i, j]`` is ``(q ** x)[i, j]`` bit for bit, for whole arrays and for the column
    slices the reference takes (NumPy's power and libm's differ in the last bit for x >= 2 on
    AVX-512 machines, so the kernels read NumPy's)."""
    W, T = 7, 9
    prob = WTAProblem(values=np.ones(T), p=np.concatenate([rng.random((W - 1, T)),
                                                           np.ones((1, T))]),
                      copies=np.full(W, 6))
    s = H._State(prob, np.zeros((W, T), np.int64))
    assert s.qpow.shape[0] == 7
    for _ in range(20):
        x = rng.integers(0, 7, (W, T))
        table = s.qpow[x, np.arange(W)[:, None], np.arange(T)[None, :]]
        assert table.tobytes() == (s.q ** x).tobytes()
        for j in range(T):
            assert table[:, j].tobytes() == (s.q[:, j] ** x[:, j]).tobytes()


@pytest.mark.parametrize("n", [0, 1, 5, 7, 8, 9, 16, 127, 128, 129, 136, 257, 400, 1000, 3001])
def test_pairwise_sum_is_numpys_sum(n, rng):
    """``pairwise_sum(a)`` is ``a.sum()`` to the bit (NumPy's pairwise tree and leaves)."""
    for _ in range(20):
        a = rng.random(n) * 10.0 ** rng.integers(-6, 6, n)
        assert K.pairwise_sum(a) == a.sum()


@pytest.mark.parametrize("n", [0, 1, 3, 15, 16, 17, 31, 32, 33, 48, 50, 64, 100])
def test_blas_dot_follows_the_openblas_kernel(n, rng):
    """``blas_dot`` computes OpenBLAS's AVX-512 ``ddot`` order (checked in exact arithmetic)."""
    for _ in range(10):
        c, k = rng.uniform(0, 5, n) * 0.05, rng.integers(0, 4, n).astype(float)
        assert K.blas_dot(c, k) == dot_spec(c, k)


@pytest.mark.parametrize("W", [3, 11, 16, 17, 40])
def test_round_cost_sums_in_the_fixed_order_on_any_cpu(W, rng):
    """``WTAProblem.round_cost`` (so ``objective``) sums in ``blas_dot``'s order on every CPU,
    as the solvers' compiled objective does; NumPy's ``@`` follows the CPU's own BLAS kernel
    (on AMD's Zen it differs from 11 types on)."""
    for _ in range(20):
        prob = WTAProblem(values=rng.uniform(0, 100, 3), p=rng.uniform(0, 1, (W, 3)),
                          copies=np.full(W, 9), cost=rng.uniform(0, 5, W) * 0.05,
                          cost_weight=0.5)
        x = rng.integers(0, 4, (W, 3))
        want = dot_spec(prob.cost, x.sum(axis=1).astype(float))
        assert prob.round_cost(x) == want
        assert prob.round_cost(x.astype(float)) == want


@pytest.mark.skipif(not AVX512, reason="OpenBLAS picks its AVX-512 ddot kernel on AVX-512 CPUs")
@pytest.mark.parametrize("n", [1, 2, 3, 7, 15, 16, 17, 31, 32, 48, 50, 64, 100, 200])
def test_blas_dot_is_numpys_matmul(n, rng):
    """``blas_dot(c, used)`` is ``c @ used`` (int counts) to the bit, as ``value()`` needs."""
    for _ in range(50):
        c, k = rng.uniform(0, 5, n) * 0.05, rng.integers(0, 4, n)
        assert K.blas_dot(c, k.astype(float)) == c @ k


# --------------------------------------------------------------------------- SciPy's LSA
@st.composite
def cost_matrices(draw):
    """Wide and tall matrices: small integers (many ties), floats, forbidden 1e18 and inf."""
    nr, nc = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    g = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["int", "float", "neg"]))
    c = (g.integers(0, 4, (nr, nc)).astype(float) if kind == "int"
         else g.random((nr, nc)) if kind == "float" else -g.random((nr, nc)) * 100)
    if draw(st.booleans()):
        c[g.random((nr, nc)) < 0.3] = 1e18
    if draw(st.booleans()):
        c[g.random((nr, nc)) < 0.1] = np.inf
    if draw(st.booleans()):            # the heuristic's dummy columns: "not fired" costs 0
        c = np.concatenate([c, np.zeros((nr, nr))], axis=1)
    return c


@settings(max_examples=400, deadline=None)
@given(cost=cost_matrices())
def test_lsa_equals_scipy(cost):
    """The ported LSA returns SciPy's rows and columns (same tie-breaking, both shapes), and
    refuses the same matrices with the same message."""
    try:
        want = scipy_lsa(cost)
    except ValueError as err:
        with pytest.raises(ValueError, match=str(err)):
            K.linear_sum_assignment(cost)
        return
    got = K.linear_sum_assignment(cost)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_lsa_large_and_tied(rng):
    """Larger wide and tall matrices, integer-valued with heavy ties, equal SciPy's answer."""
    for shape in [(40, 60), (60, 40), (50, 50), (30, 90)]:
        for hi in (2, 5, 1000):
            c = rng.integers(0, hi, shape).astype(float)
            for got, want in zip(K.linear_sum_assignment(c), scipy_lsa(c), strict=True):
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("bad", "match"), [
    (np.nan, "matrix contains invalid numeric entries"),
    (-np.inf, "matrix contains invalid numeric entries"),
])
def test_lsa_invalid_entries(bad, match):
    """NaN and -inf are refused, as SciPy refuses them."""
    c = np.ones((3, 4))
    c[1, 2] = bad
    with pytest.raises(ValueError, match=match):
        K.linear_sum_assignment(c)


def test_lsa_infeasible():
    """A row that can go nowhere at finite cost makes the matrix infeasible, as in SciPy."""
    c = np.ones((3, 3))
    c[1, :] = np.inf
    with pytest.raises(ValueError, match="cost matrix is infeasible"):
        K.linear_sum_assignment(c)


# ------------------------------------------------------------------ the moves, one by one
@PROPS
@given(prob=problems(), seed=st.integers(0, 2**32 - 1))
def test_state_and_value_equal_reference(prob, seed):
    """From any feasible x: the same surviving values to the bit, and the same objective (to
    the bit where NumPy's ``c @ used`` runs OpenBLAS's AVX-512 kernel, or costs nothing)."""
    new, ref = _pair(prob, _random_feasible_x(prob, np.random.default_rng(seed)))
    _same_state(new, ref)
    if prob.cost_weight == 0 or AVX512:
        assert new.value() == ref.value()
    else:                                 # another BLAS kernel may round the cost otherwise
        assert new.value() == pytest.approx(ref.value(), rel=1e-15)


@PROPS
@given(prob=problems())
def test_greedy_equals_reference(prob):
    """The greedy fill picks the same rounds in the same order (first maximum in C order)."""
    np.testing.assert_array_equal(H.greedy_assignment(prob), R.greedy_assignment(prob))
    np.testing.assert_array_equal(GreedySolver().solve(prob).x, R.GreedySolver().solve(prob).x)


@PROPS
@given(prob=problems(), seed=st.integers(0, 2**32 - 1))
def test_best_moves_equal_reference(prob, seed):
    """Best shift / drop / add and best swap from a random state: same delta and rounds."""
    new, ref = _pair(prob, _random_feasible_x(prob, np.random.default_rng(seed)))
    ii, jj = K.nonzero(new.x)
    d, kind, i, j, k = K.best_shift(new.x, new.S, new.spare, new.count, new.q, new.p, new.ub,
                                    new.c, new.mpt, ii, jj)
    names = {K.NONE: None, K.SHIFT: "shift", K.DROP: "drop", K.ADD: "add"}
    assert (d, names[kind], i, j, k) == R._best_shift(ref)
    d2, a, ja, b, jb = K.best_swap(new.x, new.S, new.q, new.ub, ii, jj)
    rd2, ra, rja, rb, rjb = R._best_swap(ref)
    assert d2 == rd2
    if np.isfinite(d2) and ii.size >= 2:
        assert (a, ja, b, jb) == (ra, rja, rb, rjb)


@PROPS
@given(prob=problems(), seed=st.integers(0, 2**32 - 1))
def test_descent_equals_reference(prob, seed):
    """Steepest descent (shift, swap, deterministic assignment move) from a random state ends
    in the same state, bit for bit; so does the descent without the assignment move."""
    x0 = _random_feasible_x(prob, np.random.default_rng(seed))
    for use_lsa in (True, False):
        new, ref = _pair(prob, x0)
        H.local_search(new, np.inf, use_lsa)
        R.local_search(ref, np.inf, use_lsa)
        _same_state(new, ref)


# States where the best single-round move and the best swap gain exactly the same (found by a
# search over grid problems): the single-round move goes first.
TIED = [
    ([[0.5, 1.0, 0.25], [1.0, 0.25, 0.5], [0.25, 0.75, 1.0]], [2.0, 2.0, 2.0], [4, 0, 3],
     [0.0, 0.0, 0.0], 0.0, [0, 3, 2], [[0, 0, 1], [0, 0, 0], [0, 1, 1]]),
    ([[0.75, 0.75, 0.25], [0.25, 0.25, 0.5], [0.0, 0.25, 0.5]], [5.0, 5.0, 5.0], [4, 3, 0],
     [0.0, 0.0, 0.0], 0.0, None, [[0, 0, 1], [0, 1, 0], [0, 0, 0]]),
    ([[1.0, 1.0, 0.5], [0.25, 1.0, 1.0], [1.0, 0.75, 0.5]], [2.0, 2.0, 1.0], [4, 4, 1],
     [0.0, 0.0, 1.0], 0.5, None, [[0, 0, 0], [1, 2, 1], [0, 0, 1]]),
    ([[0.5, 0.5], [0.5, 0.5], [1.0, 1.0]], [2.0, 2.0], [3, 2, 3], [1.0, 1.0, 1.0], 0.5, None,
     [[0, 0], [1, 1], [0, 1]]),
]


@pytest.mark.parametrize(("p", "values", "copies", "cost", "weight", "mpt", "x0"), TIED)
def test_descent_breaks_shift_swap_ties_as_reference(p, values, copies, cost, weight, mpt, x0):
    """Where a single-round move and a swap tie, the descent ends where the reference does."""
    prob = WTAProblem(values=values, p=p, copies=copies, cost=cost, cost_weight=weight,
                      max_per_target=mpt)
    new, ref = _pair(prob, np.array(x0))
    ii, jj = K.nonzero(new.x)
    d1 = K.best_shift(new.x, new.S, new.spare, new.count, new.q, new.p, new.ub, new.c,
                      new.mpt, ii, jj)[0]
    assert d1 < 0 and d1 == K.best_swap(new.x, new.S, new.q, new.ub, ii, jj)[0]
    for use_lsa in (False, True):
        new, ref = _pair(prob, np.array(x0))
        H.local_search(new, np.inf, use_lsa)
        R.local_search(ref, np.inf, use_lsa)
        _same_state(new, ref)


@PROPS
@given(prob=problems(), seed=st.integers(0, 2**32 - 1))
def test_random_moves_equal_reference(prob, seed):
    """The random assignment move and the kick, drawing inside the kernels from the caller's
    generator: same result, same state, same draws as the reference's NumPy draws."""
    x0 = _random_feasible_x(prob, np.random.default_rng(seed))
    new, ref = _pair(prob, x0)
    g_new, g_ref = np.random.default_rng(seed), np.random.default_rng(seed)
    assert K.random_assignment_move(*new.arrays, g_new)[0] == R._assignment_move(ref, g_ref)
    _same_state(new, ref)
    assert g_new.bit_generator.state == g_ref.bit_generator.state
    K.kick(new.x, new.S, new.spare, new.count, new.V, new.q, new.ub, new.mpt, new.qpow, g_new,
           3)
    R._kick(ref, g_ref, 3)
    _same_state(new, ref)
    assert g_new.bit_generator.state == g_ref.bit_generator.state


# ------------------------------------------------------------------------ whole solves
@PROPS
@given(prob=problems(), seed=st.integers(0, 2**32 - 1), kicks=st.integers(1, 6))
def test_solver_equals_reference(prob, seed, kicks):
    """The heuristic (kick rule, no time limit) returns the reference's x and objective, and
    leaves the caller's generator in the same state."""
    g_new, g_ref = np.random.default_rng(seed), np.random.default_rng(seed)
    new = HeuristicSolver(max_kicks=kicks).solve(prob, time_limit_s=np.inf, rng=g_new)
    ref = R.HeuristicSolver(max_kicks=kicks).solve(prob, time_limit_s=np.inf, rng=g_ref)
    np.testing.assert_array_equal(new.x, ref.x)
    assert new.objective == ref.objective
    assert g_new.bit_generator.state == g_ref.bit_generator.state


@needs_data
@pytest.mark.parametrize("name", ["50x100x1", "50x100x2", "50x100x3", "100x200x1"])
def test_andersen_instances_equal_reference(name):
    """Published instances (1 to 3 copies a type): the same x as the reference, kick rule."""
    prob = read_andersen(DATA / f"wta_{name}.txt")
    new = HeuristicSolver(max_kicks=2).solve(prob, time_limit_s=np.inf,
                                             rng=np.random.default_rng(3))
    ref = R.HeuristicSolver(max_kicks=2).solve(prob, time_limit_s=np.inf,
                                               rng=np.random.default_rng(3))
    np.testing.assert_array_equal(new.x, ref.x)


def test_simulation_cycle_problems_equal_reference(monkeypatch):
    """Every WTA problem the control unit solves in an example-2 replication: the reference,
    from the same generator state, returns the same x (so the run is the reference's run).
    The control unit's usual cycle solves from the state constants of one compiled call
    (``_solve_constants``): its problem is built in steps here, as the control unit builds
    it otherwise (:func:`airdefense.c2._kernels.wta_problem`, the problem's fields)."""
    from airdefense import simulate
    from airdefense.c2 import wta
    from airdefense.c2._kernels import wta_problem

    seen = []
    solve, constants, cycle_problem = (H.HeuristicSolver.solve,
                                       H.HeuristicSolver._solve_constants,
                                       wta._ak.cycle_problem)
    last = []

    def spy(self, problem, time_limit_s=None, rng=None):
        state = rng.bit_generator.state
        sol = solve(self, problem, time_limit_s, rng)
        seen.append((problem, self.max_kicks, state, sol.x, rng.bit_generator.state))
        return sol

    def spy_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols, lam):
        last[:] = [(allowed, pk, value, cap, pair_cap, unit_cost, cols), lam]
        return cycle_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols, lam)

    def spy_constants(self, *args):
        _, _, values, p_t, copies, cost, a_t, mpt, pc_t = wta_problem(*last[0])
        problem = WTAProblem._of_fields(values, p_t.T, copies, cost, last[1], a_t.T, mpt,
                                        np.array(pc_t.T, order="C"))
        rng = args[-1]
        state = rng.bit_generator.state
        sol = constants(self, *args)
        seen.append((problem, self.max_kicks, state, sol.x, rng.bit_generator.state))
        return sol

    monkeypatch.setattr(H.HeuristicSolver, "solve", spy)
    monkeypatch.setattr(H.HeuristicSolver, "_solve_constants", spy_constants)
    monkeypatch.setattr(wta._ak, "cycle_problem", spy_problem)
    simulate(EXAMPLES / "02_layered_city.yaml", seed=2, tracking="truth")
    assert len(seen) > 50
    for problem, kicks, state, x, after in seen:
        g = np.random.default_rng()
        g.bit_generator.state = state
        ref = R.HeuristicSolver(max_kicks=kicks).solve(problem, time_limit_s=60.0, rng=g)
        np.testing.assert_array_equal(x, ref.x)
        assert g.bit_generator.state == after


# ------------------------------------------------------------------------ limits
def test_descent_stops_at_its_deadline(rng):
    """A deadline already passed leaves the state alone; a far one converges as no limit."""
    prob = _problem(5, 20, 40, 0, True, True, True)
    x0 = _random_feasible_x(prob, rng)
    st0 = H._State(prob, x0)
    H.local_search(st0, deadline=0.0)
    np.testing.assert_array_equal(st0.x, x0)
    far, free = H._State(prob, x0), H._State(prob, x0)
    H.local_search(far, deadline=H.time.perf_counter() + 60.0)
    H.local_search(free, deadline=np.inf)
    _same_state(far, free)


def test_powers_beyond_the_table(monkeypatch):
    """Past the table's size the kernels compute ``q ** k`` with libm: still a consistent
    state (S equals the problem's surviving values to rounding) and a feasible solution."""
    prob = _problem(2, 4, 6, 0, False, False, False)
    prob = WTAProblem(values=prob.values, p=prob.p, copies=np.full(4, 9))
    monkeypatch.setattr(H, "_TABLE_MAX", 2 * 4 * 6)
    st_ = H._State(prob, np.zeros((4, 6), np.int64))
    assert st_.qpow.shape[0] == 2
    H.local_search(H._greedy_fill(st_), np.inf)
    assert st_.x.max() >= 2
    np.testing.assert_allclose(st_.S, prob.surviving(st_.x), rtol=1e-13)
    sol = HeuristicSolver().solve(prob, time_limit_s=np.inf, rng=np.random.default_rng(0))
    assert prob.violations(sol.x) == []


@pytest.mark.parametrize("shape", [(0, 3), (2, 0)])
def test_empty_problems(shape):
    """No weapon types or no targets: nothing to fire (the NumPy form raised on these)."""
    prob = WTAProblem(values=np.ones(shape[1]), p=np.full(shape, 0.5),
                      copies=np.ones(shape[0], int))
    for solver in (GreedySolver(), HeuristicSolver()):
        assert solver.solve(prob).x.shape == shape
