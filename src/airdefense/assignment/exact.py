"""Exact WTA solver: outer approximation of the log-transformed problem, solved by HiGHS.

With ``a_ij = -ln(1 - p_ij)`` and ``y_j = sum_i a_ij x_ij`` the surviving value of target ``j`` is
``V_j exp(-y_j)``, convex in ``y_j``. Every tangent ``s_j >= V_j e^{-t} (1 + t - y_j)`` is then a
valid lower bound, so the mixed-integer program::

    minimise  sum_j s_j + lambda sum_ij c_i x_ij
    s.t.      y_j = sum_i a_ij x_ij,  tangent cuts on (s_j, y_j),  the WTA constraints,

has an optimum that bounds the WTA optimum from below. The solver alternates: solve the MIP with
HiGHS (warm-started with the best assignment so far, first the heuristic's), evaluate its
assignment exactly, add a tangent where the MIP under-estimates a target, until the best exact
objective and the MIP bound agree within ``rel_gap``, or the time limit, where it reports the
bound and gap reached.

Rounds that can never help (``p = 0`` or not allowed) are fixed to zero, and a sure kill
(``p = 1``) is represented by ``a = 30`` (tangents stop at ``t = 29`` so that they stay valid).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from airdefense.assignment.base import WTAProblem, WTASolution, relative_gap
from airdefense.assignment.heuristic import HeuristicSolver, _ensure_compiled
from airdefense.errors import AirDefenseError

__all__ = ["ExactSolver"]

_A_CAP = 30.0


_BANNER_DONE = False


def _highs():
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("the exact WTA solver needs highspy (pip install highspy)") from exc
    return highspy


def _new_highs():
    """A fresh ``highspy.Highs``, without the banner HiGHS prints on its first construction."""
    global _BANNER_DONE
    hs = _highs()
    if _BANNER_DONE:
        return hs.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = hs.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_DONE = True
    return h


def _rows(h, lo, hi, starts, idx, val) -> None:
    """Add rows in CSR form to ``h``."""
    h.addRows(len(lo), np.asarray(lo, float), np.asarray(hi, float), len(idx),
              np.asarray(starts, np.int32), np.asarray(idx, np.int32), np.asarray(val, float))


class _Model:
    """The outer-approximation MIP of one problem, with cuts added as the solve goes.

    Each possible round is a binary item ``z_ijk`` (``k``-th round of type ``i`` on target ``j``,
    ``z_ij1 >= z_ij2 >= ...``), so ``x_ij = sum_k z_ijk``; a pair has ``upper_bounds()`` items,
    which keeps it within its copies and its pair limit. Two families of cuts bound
    ``s_j`` from below:

    * tangents of ``V_j exp(-y_j)``, ``y_j = sum a_ij x_ij`` (credit for rounds removed);
    * supermodular cuts at an assignment ``x0``: ``s_j >= g_j(x0) (1 - sum p_ij (x_ij - x0_ij)^+)``
      with ``g_j(x0) = V_j prod (1 - p_ij)^x0_ij``; valid because ``g_j`` is supermodular in the
      items (Nemhauser, Wolsey and Fisher 1978) and exact at ``x0``.
    """

    def __init__(self, prob: WTAProblem, threads: int | None, debug: bool = False) -> None:
        hs = _highs()
        self.prob = prob
        W, T = prob.p.shape
        self.W, self.T = W, T
        ub = prob.upper_bounds()
        # a target never needs more rounds than make it worthless: cap by the rounds that
        # cover it with the largest p's until V_j (1-p)^k is below a tiny fraction; keep simple
        ii, jj = np.nonzero(ub > 0)
        u = ub[ii, jj]
        it_i = np.repeat(ii, u)
        it_j = np.repeat(jj, u)
        first = np.concatenate([[0], np.cumsum(u)[:-1]])
        it_k = np.arange(it_i.size) - np.repeat(first, u) + 1     # 1-based round number
        order = np.lexsort((it_k, it_i, it_j))                       # group items by target
        self.it_i, self.it_j, self.it_k = it_i[order], it_j[order], it_k[order]
        M = self.M = self.it_i.size
        q = 1.0 - prob.p_eff
        self.q = q
        self.pm = prob.p_eff[self.it_i, self.it_j]
        with np.errstate(divide="ignore"):
            self.am = np.minimum(-np.log(1.0 - self.pm), _A_CAP)
        self.V = prob.values
        self.clock_stop = False  # a solve ended at its time limit
        self.h = h = _new_highs()
        h.setOptionValue("output_flag", bool(debug))
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        inf = hs.kHighsInf
        # columns: z (M), y (T), s (T)
        n_col = M + 2 * T
        h.addVars(n_col, np.zeros(n_col), np.concatenate([np.ones(M), np.full(2 * T, inf)]))
        cost = np.concatenate([prob.cost_weight * prob.cost[self.it_i], np.zeros(T),
                               np.ones(T)])
        h.changeColsCost(n_col, np.arange(n_col, dtype=np.int32), cost)
        h.changeColsIntegrality(M, np.arange(M, dtype=np.int32),
                                np.full(M, hs.HighsVarType.kInteger))
        # inventory rows
        by_i = np.argsort(self.it_i, kind="stable")
        cnt = np.bincount(self.it_i, minlength=W)
        has = cnt > 0
        starts = np.concatenate([[0], np.cumsum(cnt[has])[:-1]])
        _rows(h, np.full(int(has.sum()), -inf), prob.copies[has], starts, by_i, np.ones(M))
        # salvo limits where they bind
        cnt_t = np.bincount(self.it_j, minlength=T)
        self.t_start = np.concatenate([[0], np.cumsum(cnt_t)[:-1]])
        self.t_count = cnt_t
        bind = prob.max_per_target < cnt_t
        if bind.any():
            rows = [np.arange(self.t_start[j], self.t_start[j] + cnt_t[j])
                    for j in np.flatnonzero(bind)]
            lens = np.array([r.size for r in rows])
            _rows(h, np.full(lens.size, -inf), prob.max_per_target[bind],
                  np.concatenate([[0], np.cumsum(lens)[:-1]]), np.concatenate(rows),
                  np.ones(int(lens.sum())))
        # ordering of the copies: z_ijk - z_ij(k-1) <= 0
        later = np.flatnonzero(self.it_k > 1)
        if later.size:
            idx = np.column_stack([later, later - 1]).ravel()
            val = np.tile([1.0, -1.0], later.size)
            _rows(h, np.full(later.size, -inf), np.zeros(later.size),
                  np.arange(0, 2 * later.size, 2), idx, val)
        # y_j - sum a z = 0
        idx = np.concatenate([np.concatenate([[M + j], np.arange(self.t_start[j],
                                                                  self.t_start[j] + cnt_t[j])])
                              for j in range(T)])
        val = np.concatenate([np.concatenate([[1.0], -self.am[self.t_start[j]:
                                                               self.t_start[j] + cnt_t[j]]])
                              for j in range(T)])
        _rows(h, np.zeros(T), np.zeros(T), self.t_start + np.arange(T), idx, val)
        self.y_max = np.minimum(np.bincount(self.it_j, weights=self.am, minlength=T), _A_CAP)
        self.tangents: list[set] = [set() for _ in range(T)]
        self.subsets: list[set] = [set() for _ in range(T)]
        self.n_cuts = 0

    # --------------------------------------------------------------- conversion
    def x_of(self, z: np.ndarray) -> np.ndarray:
        x = np.zeros((self.W, self.T), np.int64)
        np.add.at(x, (self.it_i, self.it_j), np.round(z).astype(np.int64))
        return x

    def z_of(self, x: np.ndarray) -> np.ndarray:
        return (self.it_k <= x[self.it_i, self.it_j]).astype(float)

    def y_of(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self.it_j, weights=self.am * self.z_of(x), minlength=self.T)

    def full_solution(self, x: np.ndarray) -> np.ndarray:
        return np.concatenate([self.z_of(x), self.y_of(x), self.prob.surviving(x)])

    # --------------------------------------------------------------------- cuts
    def add_tangents(self, j: np.ndarray, t: np.ndarray) -> int:
        """Add tangents of ``V_j exp(-y)`` at ``y = t`` (new ones only); return how many."""
        t = np.clip(np.round(np.asarray(t, float), 9), 0.0, _A_CAP - 1.0)
        keep = []
        for jj, tt in zip(np.asarray(j).tolist(), t.tolist(), strict=True):
            if tt not in self.tangents[jj]:
                self.tangents[jj].add(tt)
                keep.append((jj, tt))
        if not keep:
            return 0
        jj = np.array([k[0] for k in keep])
        tt = np.array([k[1] for k in keep])
        g = self.V[jj] * np.exp(-tt)
        n = jj.size
        M, T = self.M, self.T
        idx = np.column_stack([M + T + jj, M + jj]).ravel()
        _rows(self.h, g * (1.0 + tt), np.full(n, _highs().kHighsInf), np.arange(0, 2 * n, 2),
              idx, np.column_stack([np.ones(n), g]).ravel())
        self.n_cuts += n
        return n

    def add_supermodular(self, j: np.ndarray, x0: np.ndarray) -> int:
        """Add the supermodular cut of target ``j[r]`` at column ``x0[:, r]`` (new ones only)."""
        idx, val, starts, rhs = [], [], [], []
        pos = 0
        M, T = self.M, self.T
        for r, jj in enumerate(np.asarray(j).tolist()):
            col = x0[:, r]
            key = col.tobytes()
            if key in self.subsets[jj]:
                continue
            self.subsets[jj].add(key)
            g0 = self.V[jj] * float(np.prod(self.q[:, jj] ** col))
            sl = slice(self.t_start[jj], self.t_start[jj] + self.t_count[jj])
            items = np.arange(sl.start, sl.stop)
            out = self.it_k[sl] > col[self.it_i[sl]]
            items = items[out]
            starts.append(pos)
            idx.append(np.concatenate([[M + T + jj], items]))
            val.append(np.concatenate([[1.0], g0 * self.pm[items]]))
            rhs.append(g0)
            pos += items.size + 1
        if not rhs:
            return 0
        n = len(rhs)
        _rows(self.h, rhs, np.full(n, _highs().kHighsInf), starts, np.concatenate(idx),
              np.concatenate(val))
        self.n_cuts += n
        return n

    def separate(self, z: np.ndarray, s: np.ndarray, tol: float) -> int:
        """Add cuts violated by the fractional point ``(z, s)``; return how many."""
        T = self.T
        y = np.bincount(self.it_j, weights=self.am * z, minlength=T)
        viol = self.V * np.exp(-np.minimum(y, _A_CAP)) - s > tol
        n = self.add_tangents(np.flatnonzero(viol), y[viol])
        for theta in (0.5, 0.9, 0.1):
            x0 = np.zeros((self.W, T), np.int64)
            np.add.at(x0, (self.it_i, self.it_j), (z >= theta).astype(np.int64))
            g0 = self.prob.surviving(x0)
            above = self.it_k > x0[self.it_i, self.it_j]
            lin = np.bincount(self.it_j, weights=np.where(above, self.pm * z, 0.0), minlength=T)
            viol = g0 * (1.0 - lin) - s > tol
            js = np.flatnonzero(viol)
            if js.size:
                n += self.add_supermodular(js, x0[:, js])
        return n

    # ------------------------------------------------------------------- solving
    def solve_lp(self, time_limit: float):
        h = self.h
        h.setOptionValue("solve_relaxation", True)
        h.setOptionValue("time_limit", max(float(time_limit), 1e-3))
        h.run()
        h.setOptionValue("solve_relaxation", False)
        vals = np.asarray(h.getSolution().col_value)
        info = h.getInfo()
        self.lp_optimal = h.getModelStatus() == _highs().HighsModelStatus.kOptimal
        self.clock_stop |= h.getModelStatus() == _highs().HighsModelStatus.kTimeLimit
        if vals.size < self.M + 2 * self.T:
            return None, -np.inf, None
        return vals[:self.M], float(info.objective_function_value), vals[self.M + self.T:]

    def solve(self, time_limit: float, gap: float, x_start: np.ndarray | None,
              node_limit: int | None = None):
        h = self.h
        h.setOptionValue("time_limit", max(float(time_limit), 1e-3))
        h.setOptionValue("mip_rel_gap", float(gap))
        if node_limit is not None:
            h.setOptionValue("mip_max_nodes", int(node_limit))
        if x_start is not None:
            sol = self.full_solution(x_start)
            h.setSolution(sol.size, np.arange(sol.size, dtype=np.int32), sol)
        h.run()
        self.clock_stop |= h.getModelStatus() == _highs().HighsModelStatus.kTimeLimit
        info = h.getInfo()
        vals = np.asarray(h.getSolution().col_value)
        bound = float(info.mip_dual_bound)
        if vals.size < self.M + 2 * self.T:
            return None, bound, None
        return self.x_of(vals[:self.M]), bound, vals[self.M + self.T:]


class ExactSolver:
    """Proves the WTA optimum (within ``rel_gap``), or reports the bound and gap at the limit.

    Parameters
    ----------
    rel_gap : float, default 1e-4
        Stop when ``(objective - bound) / objective <= rel_gap`` (1e-4 is the 0.01% of
        Andersen et al.).
    tangent_step : float, default 0.25
        Spacing of the tangents placed up front on ``y_j``, in units of ``-ln(1 - p)``.
    threads : int, optional
        HiGHS threads (default: HiGHS's choice; 1 when ``repeatable``).
    default_time_limit_s : float, default 60
        Time limit when :meth:`solve` gets none, s.
    root_rounds : int, default 20
        Rounds of cutting planes on the LP relaxation before the first MIP solve.
    debug : bool, default False
        Print HiGHS's log.
    node_limit : int, optional
        Branch-and-bound nodes of each MIP solve (HiGHS ``mip_max_nodes``; default: none).
    max_mip_solves : int, optional
        MIP solves (cut rounds) of one :meth:`solve` (default: none).
    repeatable : bool, default False
        Bound the work, not the time, wherever the solve is random or parallel: one HiGHS
        thread, and the incumbent heuristic stops by its kick rule only. Then the same problem
        and generator give the same solution on any machine unless the time limit binds
        (status ``'time_limit'``); a stop by ``node_limit`` or ``max_mip_solves`` has status
        ``'work_limit'``.

    Examples
    --------
    >>> from airdefense.assignment import WTAProblem, ExactSolver
    >>> sol = ExactSolver().solve(WTAProblem([10, 5], [[0.5, 0.9]], [1]))
    >>> sol.status, sol.x.tolist()
    ('optimal', [[1, 0]])
    """

    name = "exact"

    def __init__(self, rel_gap: float = 1e-4, tangent_step: float = 0.25,
                 threads: int | None = None, default_time_limit_s: float = 60.0,
                 root_rounds: int = 20, debug: bool = False, node_limit: int | None = None,
                 max_mip_solves: int | None = None, repeatable: bool = False) -> None:
        for name, v in (("node_limit", node_limit), ("max_mip_solves", max_mip_solves)):
            if v is not None and int(v) < 1:
                raise AirDefenseError(f"ExactSolver.{name} must be a positive count, got {v!r}")
        self.node_limit = None if node_limit is None else int(node_limit)
        self.max_mip_solves = None if max_mip_solves is None else int(max_mip_solves)
        self.repeatable = bool(repeatable)
        if repeatable and threads is None:
            threads = 1
        self.rel_gap = float(rel_gap)
        self.root_rounds = int(root_rounds)
        self.debug = bool(debug)
        self.tangent_step = float(tangent_step)
        self.threads = threads
        self.default_time_limit_s = float(default_time_limit_s)
        #: ``(seconds, bound, objective, cuts)`` after each MIP solve of the last :meth:`solve`.
        self.log: list[tuple[float, float, float, int]] = []

    def solve(self, problem: WTAProblem, time_limit_s: float | None = None,
              rng: np.random.Generator | None = None) -> WTASolution:
        """Solve ``problem`` to proven optimality within ``time_limit_s`` seconds.

        Parameters
        ----------
        problem : WTAProblem
        time_limit_s : float, optional
            Wall-time limit, s (default ``default_time_limit_s``).
        rng : numpy.random.Generator, optional
            Passed to the heuristic that gives the first incumbent.
        """
        _ensure_compiled()  # the heuristic's kernels: compiled before the clock starts
        t0 = time.perf_counter()
        limit = self.default_time_limit_s if time_limit_s is None else float(time_limit_s)
        deadline = t0 + limit
        start = HeuristicSolver(max_kicks=10).solve(
            problem, time_limit_s=np.inf if self.repeatable else min(0.05 * limit, 1.0),
            rng=rng)
        best_x, best = start.x, start.objective
        if not (problem.upper_bounds() > 0).any():     # no round can help: x = 0 is optimal
            zero = problem.objective(np.zeros(problem.p.shape))
            return self._done(problem, np.zeros(problem.p.shape, np.int64), zero, zero, t0)
        model = _Model(problem, self.threads, debug=self.debug)
        T = problem.n_targets
        # cuts up front: tangents on a grid of y, at y = 0 and at the incumbent; supermodular
        # cuts at the empty assignment and at the incumbent
        ymax = np.minimum(model.y_max, np.log(np.maximum(problem.values, 1e-300) /
                                              (1e-9 * max(problem.values.sum(), 1e-300))))
        step = self.tangent_step
        grids = [np.arange(0.0, max(ymax[j], 0.0) + step, step) for j in range(T)]
        model.add_tangents(np.repeat(np.arange(T), [g.size for g in grids]),
                           np.concatenate(grids))
        model.add_tangents(np.arange(T), model.y_of(best_x))
        model.add_supermodular(np.arange(T), np.zeros((problem.n_types, T), np.int64))
        model.add_supermodular(np.arange(T), best_x)
        bound = -np.inf
        self.log = [(time.perf_counter() - t0, -np.inf, best, model.n_cuts)]
        # root: cutting planes on the LP relaxation
        tol = 1e-6 * max(best, 1e-9)
        last = -np.inf
        for _ in range(self.root_rounds):
            left = deadline - time.perf_counter()
            if left <= 0:
                model.clock_stop = True
                break
            z, lp, s = model.solve_lp(left)
            if z is None:
                break
            self.log.append((time.perf_counter() - t0, lp, best, model.n_cuts))
            if model.lp_optimal:
                bound = max(bound, lp)
                if relative_gap(best, bound) <= self.rel_gap:
                    return self._done(problem, best_x, best, bound, t0)
            if lp < last + 1e-4 * abs(best - last) or model.separate(z, s, tol) == 0:
                break
            last = lp
        x_start = best_x
        n_mip = 0
        while self.max_mip_solves is None or n_mip < self.max_mip_solves:
            left = deadline - time.perf_counter()
            if left <= 0:
                model.clock_stop = True
                break
            x, b, s = model.solve(left, 0.5 * self.rel_gap, x_start, self.node_limit)
            n_mip += 1
            bound = max(bound, b)
            if x is None:
                break
            val = problem.objective(x)
            if val < best:
                best_x, best = x, val
            self.log.append((time.perf_counter() - t0, bound, best, model.n_cuts))
            if relative_gap(best, bound) <= self.rel_gap:
                break
            true_s = problem.surviving(x)
            under = np.flatnonzero(true_s - s > 1e-9 * max(1.0, best)
                                   + 0.05 * self.rel_gap * best / T)
            added = model.add_tangents(under, model.y_of(x)[under])
            added += model.add_supermodular(under, x[:, under])
            if added == 0:
                break          # the MIP stopped short of its own gap (a time or node limit)
            x_start = best_x
        return self._done(problem, best_x, best, bound, t0, model.clock_stop)

    def _done(self, problem, x, best, bound, t0, clock_stop: bool = False) -> WTASolution:
        bound = min(bound, best)
        gap = relative_gap(best, bound)
        status = ("optimal" if gap <= self.rel_gap
                  else "time_limit" if clock_stop or self.node_limit is None
                  and self.max_mip_solves is None else "work_limit")
        return WTASolution(x=np.asarray(x, np.int64), objective=float(best), bound=float(bound),
                           gap=float(gap), seconds=time.perf_counter() - t0, status=status,
                           solver=self.name)
