"""Independent reference for the compiled WTA heuristic: the NumPy implementation as it stood
before the kernels (``src/airdefense/assignment/heuristic.py`` at commit 02207c9), verbatim
except for this docstring and the pair limits (``WTAProblem.max_per_pair``, added later): where
it asked ``ok`` (may a round of type ``i`` go to target ``k``) it asks ``x < ub`` (is the pair
under its ``upper_bounds()``), the lines marked ``# pair limit``. Without pair limits the two
are the same wherever they are asked (the other conditions there imply ``x < min(copies,
max_per_target)`` on an allowed pair).

The tests check that :mod:`airdefense.assignment.heuristic` gives the same ``x`` as this module
for the same problem and the same generator state. Do not "fix" it: it is the specification.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from airdefense.assignment.base import WTAProblem, WTASolution

__all__ = ["GreedySolver", "HeuristicSolver", "greedy_assignment", "local_search"]

_QMIN = 1e-12  # floor on 1 - p, so that removing a sure-kill round stays a division


class _State:
    """An assignment with its per-target surviving values, kept up to date by moves."""

    def __init__(self, prob: WTAProblem, x: np.ndarray) -> None:
        self.prob = prob
        self.q = np.maximum(1.0 - prob.p_eff, _QMIN)
        self.p = 1.0 - self.q
        self.ub = prob.upper_bounds()                         # (W, T) pair limit
        self.c = prob.cost_weight * prob.cost                # (W,) weighted cost per round
        self.V = prob.values
        self.mpt = prob.max_per_target
        self.copies = prob.copies
        self.set(x)

    def set(self, x: np.ndarray) -> None:
        self.x = np.array(x, dtype=np.int64)
        self.S = self.V * np.prod(self.q ** self.x, axis=0)
        self.spare = self.copies - self.x.sum(axis=1)
        self.count = self.x.sum(axis=0)

    def value(self) -> float:
        return float(self.S.sum() + self.c @ self.x.sum(axis=1))

    def add(self, i: int, j: int, k: int = 1) -> None:
        self.x[i, j] += k
        self.S[j] *= self.q[i, j] ** k
        self.spare[i] -= k
        self.count[j] += k

    def remove(self, i: int, j: int) -> None:
        self.x[i, j] -= 1
        self.S[j] = self.V[j] * np.prod(self.q[:, j] ** self.x[:, j])
        self.spare[i] += 1
        self.count[j] -= 1


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
    W, T = st.x.shape
    feas = ((st.x < st.ub)  # pair limit
            & (st.spare > 0)[:, None] & (st.count < st.mpt)[None, :])
    gain = np.where(feas, st.S[None, :] * st.p - st.c[:, None], -np.inf)
    while True:
        k = int(np.argmax(gain))
        i, j = divmod(k, T)
        g = gain[i, j]
        if not g > 1e-13 * (1.0 + st.S[j]):
            return st
        st.add(i, j)
        if st.count[j] >= st.mpt[j]:
            gain[:, j] = -np.inf
        else:
            col = st.S[j] * st.p[:, j] - st.c
            gain[:, j] = np.where((st.x[:, j] < st.ub[:, j]) & (st.spare > 0), col,  # pair limit
                                  -np.inf)
        if st.spare[i] <= 0:
            gain[i, :] = -np.inf


def _best_shift(st: _State):
    """Best single-round move: (delta, kind, i, j, k) with kind 'shift'|'drop'|'add'."""
    best = (0.0, None, -1, -1, -1)
    ii, jj = np.nonzero(st.x)
    open_t = st.count < st.mpt
    # removal change of each assigned round: + S_j (1/q - 1) - c_i
    if ii.size:
        rem = st.S[jj] * (1.0 / st.q[ii, jj] - 1.0)
        gain_to = st.S[None, :] * st.p[ii, :]                # (R, T) gain at the new target
        delta = rem[:, None] - gain_to
        delta[~((st.x[ii, :] < st.ub[ii, :]) & open_t[None, :])] = np.inf  # pair limit
        delta[np.arange(ii.size), jj] = np.inf
        r, k = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[r, k] < best[0]:
            best = (float(delta[r, k]), "shift", int(ii[r]), int(jj[r]), int(k))
        drop = rem - st.c[ii]
        r = int(np.argmin(drop))
        if drop[r] < best[0]:
            best = (float(drop[r]), "drop", int(ii[r]), int(jj[r]), -1)
    sp = np.flatnonzero(st.spare > 0)
    if sp.size:
        add = st.c[sp, None] - st.S[None, :] * st.p[sp, :]
        add[~((st.x[sp, :] < st.ub[sp, :]) & open_t[None, :])] = np.inf  # pair limit
        r, k = np.unravel_index(int(np.argmin(add)), add.shape)
        if add[r, k] < best[0]:
            best = (float(add[r, k]), "add", int(sp[r]), -1, int(k))
    return best


def _best_swap(st: _State):
    """Best exchange of the targets of two rounds: (delta, i, j, i2, j2)."""
    ii, jj = np.nonzero(st.x)
    R = ii.size
    if R < 2:
        return (0.0, -1, -1, -1, -1)
    # A[r, s]: change at target j_r when round r leaves it and a round of type i_s arrives
    Sq = st.S[jj] / st.q[ii, jj]
    A = Sq[:, None] * st.q[ii[None, :], jj[:, None]] - st.S[jj][:, None]
    D = A + A.T
    full = st.x[ii[None, :], jj[:, None]] >= st.ub[ii[None, :], jj[:, None]]  # pair limit
    bad = full | (jj[:, None] == jj[None, :]) | (ii[:, None] == ii[None, :])
    D[bad | bad.T] = np.inf
    r, s = np.unravel_index(int(np.argmin(D)), D.shape)
    return (float(D[r, s]), int(ii[r]), int(jj[r]), int(ii[s]), int(jj[s]))


def _assignment_move(st: _State, rng: np.random.Generator | None = None) -> bool:
    """Very large neighbourhood: re-place one round per target (and spare rounds) by an LSA.

    Returns True if the assignment improved.
    """
    ii, jj = np.nonzero(st.x)
    if ii.size == 0 and not (st.spare > 0).any():
        return False
    before = st.value()
    # pick one assigned (type, target) pair per target: the one with the largest p (or random)
    key = st.p[ii, jj] if rng is None else rng.random(ii.size)
    order = np.lexsort((-key, jj))
    first = np.ones(order.size, bool)
    first[1:] = jj[order][1:] != jj[order][:-1]
    take = order[first]
    ti, tj = ii[take], jj[take]
    x_new = st.x.copy()
    x_new[ti, tj] -= 1
    S_base = st.V * np.prod(st.q ** x_new, axis=0)
    count = x_new.sum(axis=0)
    # rows: the removed rounds plus the spare rounds (at most T per type)
    spare = st.copies - x_new.sum(axis=1)
    spare -= np.bincount(ti, minlength=spare.size)
    extra = np.repeat(np.arange(spare.size), np.minimum(np.maximum(spare, 0), st.x.shape[1]))
    rows = np.concatenate([ti, extra])
    n_r, T = rows.size, st.x.shape[1]
    gain = S_base[None, :] * st.p[rows, :] - st.c[rows, None]
    feas = ((x_new[rows, :] < st.ub[rows, :])  # pair limit
            & (count < st.mpt)[None, :] & (gain > 0))
    cost = np.where(feas, -gain, 1e18)
    if n_r <= T and feas.all():
        r_idx, c_idx = linear_sum_assignment(cost)                 # every round fires
    else:
        full = np.concatenate([cost, np.zeros((n_r, n_r))], axis=1)   # dummies: not fired
        r_idx, c_idx = linear_sum_assignment(full)
    fired = c_idx < T
    np.add.at(x_new, (rows[r_idx[fired]], c_idx[fired]), 1)
    if not (cost[r_idx[fired], c_idx[fired]] < 1e17).all():
        return False
    st_x_old = st.x
    st.set(x_new)
    if st.value() < before - 1e-12 * max(1.0, abs(before)):
        return True
    st.set(st_x_old)
    return False


def local_search(st: _State, deadline: float, use_lsa: bool = True) -> None:
    """Steepest descent over shift, swap and (when those stall) assignment moves."""
    while time.perf_counter() < deadline:
        tol = 1e-12 * max(1.0, st.S.sum())
        d1, kind, i, j, k = _best_shift(st)
        d2, a, ja, b, jb = _best_swap(st)
        if d1 < -tol and d1 <= d2:
            if kind in ("shift", "drop"):
                st.remove(i, j)
            if kind in ("shift", "add"):
                st.add(i, k)
            continue
        if d2 < -tol:
            st.remove(a, ja)
            st.remove(b, jb)
            st.add(a, jb)
            st.add(b, ja)
            continue
        if use_lsa and _assignment_move(st):
            continue
        return


def _kick(st: _State, rng: np.random.Generator, n_moves: int) -> None:
    """Random perturbation: move ``n_moves`` random rounds to random feasible targets."""
    for _ in range(n_moves):
        ii, jj = np.nonzero(st.x)
        if ii.size == 0:
            return
        r = int(rng.integers(ii.size))
        i, j = int(ii[r]), int(jj[r])
        cand = np.flatnonzero((st.x[i] < st.ub[i]) & (st.count < st.mpt))  # pair limit
        cand = cand[cand != j]
        if cand.size == 0:
            continue
        st.remove(i, j)
        st.add(i, int(rng.choice(cand)))


class GreedySolver:
    """Greedy maximum marginal return (no improvement step).

    Examples
    --------
    >>> from airdefense.assignment import WTAProblem, GreedySolver
    >>> GreedySolver().solve(WTAProblem([10, 5], [[0.5, 0.9]], [1])).objective
    10.0
    """

    name = "greedy"

    def solve(self, problem: WTAProblem, time_limit_s: float | None = None,
              rng: np.random.Generator | None = None) -> WTASolution:
        """Solve ``problem`` greedily (``time_limit_s`` and ``rng`` are not needed)."""
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
