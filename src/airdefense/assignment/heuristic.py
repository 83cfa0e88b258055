"""Heuristic WTA solvers: greedy maximum marginal return, then local and very-large-neighbourhood
search.

- :class:`GreedySolver`: repeatedly fires the round with the largest marginal return
  ``S_j p_ij - lambda c_i`` (``S_j``: expected surviving value of target ``j`` so far) until
  no round returns more than it costs.
- :class:`HeuristicSolver`: greedy, then steepest descent over three neighbourhoods, all
  evaluated in compiled kernels (:mod:`airdefense.assignment._kernels`):

  * *shift*: move one round to another target, drop it, or add a spare round;
  * *swap*: exchange the targets of two rounds of different types;
  * *assignment* (very large, after Ahuja et al. 2007): take one round off every target and
    give them back optimally, at most one per target, by a linear assignment problem.

  Then iterated local search (random kicks, keep the best) until the time limit. The kicks
  draw from the caller's generator in NumPy.
"""

from __future__ import annotations

import time

import numpy as np

from airdefense.assignment import _kernels as _k
from airdefense.assignment.base import WTAProblem, WTASolution

__all__ = ["GreedySolver", "HeuristicSolver", "greedy_assignment", "local_search"]

_QMIN = 1e-12  # floor on 1 - p, so that removing a sure-kill round stays a division
_TABLE_MAX = 1 << 22  # most entries of the table of powers q ** k (32 MiB)
_WORK_PER_S = 1e7  # descent work units a second, a low first guess (about 5e8 measured)
_NO_LIMIT = 1 << 62
_compiled = False


def _ensure_compiled() -> None:
    """Compile (or load) the kernels once per process, before any solve starts its clock.

    A time limit bounds the search, not numba's first compilation (about 15 s on a cold
    cache): without this, a first solve on a fresh install would spend its limit compiling.
    """
    global _compiled
    if _compiled:
        return
    _compiled = True
    warm = WTAProblem(values=[3.0, 2.0, 1.0], p=[[0.5, 0.4, 0.3], [0.3, 0.6, 0.2]],
                      copies=[2, 2], cost=[0.1, 0.2], cost_weight=1.0,
                      allowed=[[True, True, False], [True, True, True]],
                      max_per_target=[2, 2, 2])
    HeuristicSolver(max_kicks=2).solve(warm, time_limit_s=np.inf,
                                       rng=np.random.default_rng(0))


class _State:
    """An assignment with its per-target surviving values, kept up to date by moves.

    The arrays are those of :mod:`airdefense.assignment._kernels` (which update them in place);
    ``qpow[k]`` is ``q ** k`` computed by NumPy, for every ``k`` up to the most rounds one
    (type, target) pair may get (``upper_bounds``), within ``_TABLE_MAX`` entries.
    """

    def __init__(self, prob: WTAProblem, x: np.ndarray) -> None:
        self.prob = prob
        self.q = np.maximum(1.0 - prob.p_eff, _QMIN)
        self.p = 1.0 - self.q
        ub = prob.upper_bounds()
        self.ok = ub > 0                                      # (W, T) may fire there
        self.c = prob.cost_weight * prob.cost                # (W,) weighted cost per round
        self.V = np.array(prob.values)
        self.mpt = np.array(prob.max_per_target)
        self.copies = np.array(prob.copies)
        k_max = int(ub.max(initial=1))
        k_max = max(1, min(k_max, _TABLE_MAX // max(self.q.size, 1) - 1))
        # the powers as NumPy's vectorised power gives them (int64 exponents, as q ** x)
        ks = np.repeat(np.arange(k_max + 1, dtype=np.int64), self.q.size)
        self.qpow = self.q ** ks.reshape((k_max + 1,) + self.q.shape)
        self.x = np.zeros(self.q.shape, np.int64)
        self.S = np.empty(self.q.shape[1])
        self.spare = np.empty(self.q.shape[0], np.int64)
        self.count = np.empty(self.q.shape[1], np.int64)
        #: State and constants, in the order the descent kernels take them (updated in place).
        self.arrays = (self.x, self.S, self.spare, self.count, self.V, self.q, self.p, self.ok,
                       self.c, self.mpt, self.copies, self.qpow)
        self.set(x)

    def set(self, x: np.ndarray) -> None:
        self.x[...] = x
        _k.refresh(self.x, self.S, self.spare, self.count, self.V, self.q, self.copies,
                   self.qpow)

    def value(self) -> float:
        return float(_k.value(self.x, self.S, self.c))


def greedy_assignment(problem: WTAProblem) -> np.ndarray:
    """Greedy maximum-marginal-return assignment.

    Parameters
    ----------
    problem : WTAProblem

    Returns
    -------
    ndarray of shape (W, T), int
        Rounds per (type, target).
    """
    st = _State(problem, np.zeros(problem.p.shape, np.int64))
    return _greedy_fill(st).x


def _greedy_fill(st: _State) -> _State:
    """Add rounds to ``st`` by maximum marginal return while any round gains."""
    _k.greedy_fill(st.x, st.S, st.spare, st.count, st.q, st.p, st.ok, st.c, st.mpt)
    return st


def _assignment_move(st: _State, rng: np.random.Generator | None = None) -> bool:
    """Very large neighbourhood: re-place one round per target (and spare rounds) by an LSA.

    The round taken off a target is the one with the largest ``p``, or with ``rng``, a random
    one (``rng.random`` of the number of assigned pairs). Returns True if the assignment
    improved.
    """
    n = int(np.count_nonzero(st.x))
    if n == 0 and not (st.spare > 0).any():
        return False
    keys = np.empty(0) if rng is None else rng.random(n)
    return bool(_k.assignment_move(*st.arrays, keys, rng is not None)[0])


def local_search(st: _State, deadline: float, use_lsa: bool = True) -> None:
    """Steepest descent over shift, swap and (when those stall) assignment moves.

    Stops when no move improves, or at ``deadline`` (a ``time.perf_counter()`` value). The
    compiled descent runs in chunks of work, each sized to a quarter of the time left at the
    rate the previous chunk achieved; an iteration started before the deadline finishes.
    """
    rate = _WORK_PER_S
    while True:
        t0 = time.perf_counter()
        if t0 >= deadline:
            return
        budget = _NO_LIMIT if deadline == np.inf else int(min(0.25 * (deadline - t0) * rate,
                                                              _NO_LIMIT))
        done, work = _k.descend(*st.arrays, max(budget, 1), use_lsa)
        if done:
            return
        rate = max(work / max(time.perf_counter() - t0, 1e-9), _WORK_PER_S)


def _kick(st: _State, rng: np.random.Generator, n_moves: int) -> None:
    """Random perturbation: move ``n_moves`` random rounds to random feasible targets."""
    for _ in range(n_moves):
        n = int(np.count_nonzero(st.x))
        if n == 0:
            return
        i, j, cand = _k.kick_candidates(st.x, st.ok, st.count, st.mpt, int(rng.integers(n)))
        if cand.size == 0:
            continue
        # rng.choice(cand) draws integers(0, cand.size): the same number, without its checks.
        _k.move(st.x, st.S, st.spare, st.count, st.V, st.q, st.qpow, i, j,
                int(cand[rng.integers(cand.size)]))


class GreedySolver:
    """Greedy maximum marginal return (no improvement step).

    Examples
    --------
    >>> from airdefense.assignment import WTAProblem, GreedySolver
    >>> GreedySolver().solve(WTAProblem([10, 5], [[0.5, 0.9]], [1])).objective
    10.5
    """

    name = "greedy"

    def solve(self, problem: WTAProblem, time_limit_s: float | None = None,
              rng: np.random.Generator | None = None) -> WTASolution:
        """Solve ``problem`` greedily (``time_limit_s`` and ``rng`` are not needed)."""
        _ensure_compiled()
        t0 = time.perf_counter()
        x = greedy_assignment(problem)
        return WTASolution(x=x, objective=problem.objective(x), bound=-np.inf, gap=np.inf,
                           seconds=time.perf_counter() - t0, status="heuristic", solver=self.name)


class HeuristicSolver:
    """Greedy, then local search and very-large-neighbourhood search until the time limit.

    Parameters
    ----------
    max_kicks : int, default 50
        Iterated-local-search kicks in a row without improvement after which it stops early
        (it also stops at the time limit).
    kick_size : int, default 3
        Rounds moved at random by one kick.
    default_time_limit_s : float, default 1.0
        Time limit when :meth:`solve` gets none, s.
    """

    name = "heuristic"

    def __init__(self, max_kicks: int = 50, kick_size: int = 3,
                 default_time_limit_s: float = 1.0) -> None:
        self.max_kicks = int(max_kicks)
        self.kick_size = int(kick_size)
        self.default_time_limit_s = float(default_time_limit_s)

    def solve(self, problem: WTAProblem, time_limit_s: float | None = None,
              rng: np.random.Generator | None = None) -> WTASolution:
        """Solve ``problem`` within ``time_limit_s`` seconds.

        Parameters
        ----------
        problem : WTAProblem
        time_limit_s : float, optional
            Wall-time limit, s (default ``default_time_limit_s``). The greedy start and the
            first descent always finish, however small the limit.
        rng : numpy.random.Generator, optional
            Randomness of the kicks (default: a generator seeded with 0, so runs repeat).
        """
        _ensure_compiled()
        t0 = time.perf_counter()
        limit = self.default_time_limit_s if time_limit_s is None else float(time_limit_s)
        deadline = t0 + max(limit, 0.0)
        rng = np.random.default_rng(0) if rng is None else rng
        st = _greedy_fill(_State(problem, np.zeros(problem.p.shape, np.int64)))
        local_search(st, deadline=np.inf)
        best_x, best = st.x.copy(), st.value()
        fails = 0
        est = 0.0          # expected duration of one kick + descent, s (a running maximum)
        while fails < self.max_kicks:
            t_it = time.perf_counter()
            if t_it + est > deadline:
                break
            _kick(st, rng, self.kick_size)
            local_search(st, deadline)
            _assignment_move(st, rng)
            local_search(st, deadline)
            est = max(0.8 * est, time.perf_counter() - t_it)
            val = st.value()
            if val < best - 1e-12 * max(1.0, best):
                best_x, best, fails = st.x.copy(), val, 0
            else:
                fails += 1
                st.set(best_x)
        x = best_x
        return WTASolution(x=x, objective=problem.objective(x), bound=-np.inf, gap=np.inf,
                           seconds=time.perf_counter() - t0, status="heuristic", solver=self.name)
