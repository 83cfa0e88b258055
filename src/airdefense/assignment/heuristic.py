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

  Then iterated local search (random kicks, keep the best) until ``max_kicks`` kicks in a row
  bring nothing or the time limit. The whole search is one resumable kernel
  (:func:`~airdefense.assignment._kernels.search`) that draws its random numbers from the
  caller's generator itself (numba's ``Generator`` methods give NumPy's numbers and leave the
  generator in NumPy's state; ``tests/assignment/test_search.py`` checks each form used on
  every bit generator); Python looks at the clock between calls only when a finite limit is
  set, so a limit that does not bind leaves the result alone.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from airdefense.assignment import _kernels as _k
from airdefense.assignment.base import WTAProblem, WTASolution
from airdefense.sensors._kernels import generator_pointers

__all__ = ["GreedySolver", "HeuristicSolver", "greedy_assignment", "local_search"]

_QMIN = 1e-12  # floor on 1 - p, so that removing a sure-kill round stays a division
_TABLE_MAX = 1 << 22  # most entries of the table of powers q ** k (32 MiB)
_WORK_PER_S = 1e7  # descent work units a second, a low first guess (about 5e8 measured)
_NO_LIMIT = 1 << 62
_NO_PAIR_LIMIT = np.zeros((0, 0), np.int64)  # max_per_pair None, as the kernels take it
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
                      max_per_target=[2, 2, 2], max_per_pair=[[1, 2, 2], [2, 1, 2]])
    HeuristicSolver(max_kicks=2).solve(warm, time_limit_s=np.inf,
                                       rng=np.random.default_rng(0))


@functools.lru_cache(maxsize=64)
def _exponents(n: int, shape: tuple[int, int]) -> np.ndarray:
    """``k`` at ``[k, i, j]``, shape ``(n,) + shape``, int64, read-only (the power table's)."""
    ks = np.repeat(np.arange(n, dtype=np.int64), shape[0] * shape[1]).reshape((n,) + shape)
    ks.setflags(write=False)
    return ks


class _State:
    """An assignment with its per-target surviving values, kept up to date by moves.

    The arrays are those of :mod:`airdefense.assignment._kernels` (which update them in place);
    ``qpow[k]`` is ``q ** k`` computed by NumPy, for every ``k`` up to the most rounds one
    (type, target) pair may get (``upper_bounds``), within ``_TABLE_MAX`` entries.
    """

    def __init__(self, prob: WTAProblem, x: np.ndarray | None = None) -> None:
        self.prob = prob
        # q as np.maximum(1.0 - prob.p_eff, _QMIN) gives it, in the layout it would have (the
        # layout decides whether NumPy's power below runs its vectorised loop)
        self.q = np.empty_like(prob._q)
        self.p = np.empty_like(self.q)
        self.ub = np.empty_like(self.q, np.int64)          # (W, T) upper_bounds()
        mpp = _NO_PAIR_LIMIT if prob.max_per_pair is None else prob.max_per_pair
        k_max = _k.prepare(prob._q, prob.allowed, prob.p, prob.copies, prob.max_per_target,
                           mpp, self.q, self.p, self.ub)   # upper_bounds().max(initial=1)
        self.c = prob.cost_weight * prob.cost                # (W,) weighted cost per round
        self.V = np.array(prob.values)
        self.mpt = np.array(prob.max_per_target)
        self.copies = np.array(prob.copies)
        k_max = max(1, min(k_max, _TABLE_MAX // max(self.q.size, 1) - 1))
        # the powers as NumPy's vectorised power gives them (int64 exponents, as q ** x)
        self.qpow = self.q ** _exponents(k_max + 1, self.q.shape)
        self.x = np.zeros(self.q.shape, np.int64)
        self.S = np.empty(self.q.shape[1])
        self.spare = np.empty(self.q.shape[0], np.int64)
        self.count = np.empty(self.q.shape[1], np.int64)
        #: State and constants, in the order the descent kernels take them (updated in place).
        self.arrays = (self.x, self.S, self.spare, self.count, self.V, self.q, self.p, self.ub,
                       self.c, self.mpt, self.copies, self.qpow)
        if x is not None:
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
    _k.greedy_fill(st.x, st.S, st.spare, st.count, st.q, st.p, st.ub, st.c, st.mpt)
    return st


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


def _search_until(args: tuple, istat: np.ndarray, deadline: float) -> None:
    """Run :func:`~airdefense.assignment._kernels.search` with ``args`` (all but its work
    budget) until it is done or the ``deadline`` (a ``time.perf_counter()`` value) is near.

    Each call gets a quarter of the time left in work, at the rate the previous call achieved
    (the search resumes where a call stopped, so the split does not change the result). No
    kick starts when the time of one (a running estimate) would overrun the deadline; a kick
    under way at the deadline finishes without its descents.
    """
    rate = _WORK_PER_S
    est = 0.0          # expected duration of one kick and its descents, s
    while istat[0] != _k.DONE:
        t = time.perf_counter()
        if istat[0] != _k.START:
            if istat[0] == _k.KICK and t + est > deadline:
                return
            if t >= deadline:
                _k.search(*args, 0)
                return
        kicks = istat[2]
        budget = max(int(min(0.25 * (deadline - t) * rate, _NO_LIMIT)), 1)
        work = _k.search(*args, budget)
        dt = time.perf_counter() - t
        rate = max(work / max(dt, 1e-9), _WORK_PER_S)
        if istat[2] > kicks:
            est = max(0.8 * est, dt / (istat[2] - kicks))


class GreedySolver:
    """Greedy maximum marginal return (no improvement step).

    Examples
    --------
    >>> from airdefense.assignment import WTAProblem, GreedySolver
    >>> GreedySolver().solve(WTAProblem([10, 5], [[0.5, 0.9]], [1])).objective
    10.0

    The one round goes where it saves most, target 0 (10 x 0.5 = 5 > 5 x 0.9 = 4.5):
    5 of target 0 and all 5 of target 1 survive.
    """

    name = "greedy"

    def solve(self, problem: WTAProblem, time_limit_s: float | None = None,
              rng: np.random.Generator | None = None) -> WTASolution:
        """Solve ``problem`` greedily (``time_limit_s`` and ``rng`` are not needed)."""
        _ensure_compiled()
        t0 = time.perf_counter()
        x = greedy_assignment(problem)
        return WTASolution(x=x, objective=problem._objective_of(x), bound=-np.inf, gap=np.inf,
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
        # the last generator and its generator_pointers (valid while it is linked here)
        self._rng_link: tuple = (None, None)

    def __getstate__(self) -> dict:
        # pointers are valid in this process only: a copy or an unpickled solver makes its own
        state = self.__dict__.copy()
        state["_rng_link"] = (None, None)
        return state

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
        if rng is None:
            rng = np.random.default_rng(0)
        link = self._rng_link
        if rng is not link[0]:             # another generator: its pointers, once
            link = self._rng_link = (rng, generator_pointers(rng))
        st = _State(problem)
        best_x = self._search(st.arrays, link[1], deadline)
        return WTASolution(x=best_x, objective=problem._objective_of(best_x), bound=-np.inf,
                           gap=np.inf, seconds=time.perf_counter() - t0, status="heuristic",
                           solver=self.name)

    def _search(self, arrays: tuple, ptrs: np.ndarray, deadline: float) -> np.ndarray:
        """The search from the state ``arrays`` (:attr:`_State.arrays`) with the generator of
        the pointers ``ptrs``, until done or the ``deadline``; its best assignment (W, T)."""
        best_x = np.empty_like(arrays[0])
        istat = np.zeros(3, np.int64)      # phase, kicks in a row without gain, kicks made
        best = np.empty(1)
        args = (*arrays, best_x, istat, best, ptrs, self.max_kicks, self.kick_size)
        if deadline == np.inf:
            _k.search(*args, _NO_LIMIT)
        else:
            _search_until(args, istat, deadline)
        return best_x

    def _solve_constants(self, qa: np.ndarray, q: np.ndarray, p: np.ndarray, ub: np.ndarray,
                         values: np.ndarray, c: np.ndarray, mpt: np.ndarray,
                         copies: np.ndarray, cost: np.ndarray, cost_weight: float, k_max: int,
                         time_limit_s: float, rng: np.random.Generator) -> WTASolution:
        """:meth:`solve` of a problem given by its state constants, as
        :func:`~airdefense.assignment._kernels.cycle_problem` returns them (``qa`` the
        problem's ``_q``, ``q``, ``p``, ``ub`` (W, T) in its layout, ``values`` (T,), ``c``
        the weighted costs, ``copies``, ``cost`` (W,), ``mpt`` (T,), ``k_max`` the most
        rounds of a pair): the same search, draws and solution, without the problem object
        (the control unit's cycle; ``time_limit_s`` and ``rng`` given). The arrays are the
        search's: give arrays that nothing else changes."""
        _ensure_compiled()
        t0 = time.perf_counter()
        deadline = t0 + max(float(time_limit_s), 0.0)
        link = self._rng_link
        if rng is not link[0]:             # another generator: its pointers, once
            link = self._rng_link = (rng, generator_pointers(rng))
        W, T = q.shape
        k_max = max(1, min(k_max, _TABLE_MAX // max(W * T, 1) - 1))
        # (_State's arrays, the table as NumPy's vectorised power gives it)
        arrays = (np.zeros((W, T), np.int64), np.empty(T), np.empty(W, np.int64),
                  np.empty(T, np.int64), values, q, p, ub, c, mpt, copies,
                  q ** _exponents(k_max + 1, (W, T)))
        best_x = self._search(arrays, link[1], deadline)
        objective = float(_k.objective(qa ** best_x, values, cost, best_x, cost_weight))
        return WTASolution(x=best_x, objective=objective, bound=-np.inf, gap=np.inf,
                           seconds=time.perf_counter() - t0, status="heuristic",
                           solver=self.name)
