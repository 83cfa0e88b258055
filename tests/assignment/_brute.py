"""Brute-force WTA optimum for tiny problems (independent of the solvers under test)."""

from __future__ import annotations

import itertools

import numpy as np


def _rows(copies: int, ub: np.ndarray):
    """Every row x_i (T,) with 0 <= x_ij <= ub_j and sum <= copies."""
    for row in itertools.product(*(range(int(u) + 1) for u in ub)):
        if sum(row) <= copies:
            yield row


def brute_force(prob) -> tuple[float, np.ndarray]:
    """Minimum objective over every feasible integer assignment, and an argmin."""
    W, T = prob.p.shape
    ub = np.where(prob.allowed, np.minimum(prob.copies[:, None],
                                           np.minimum(prob.max_per_target, 9)[None, :]), 0)
    if prob.max_per_pair is not None:
        ub = np.minimum(ub, prob.max_per_pair)
    best, arg = np.inf, None
    for rows in itertools.product(*(list(_rows(prob.copies[i], ub[i])) for i in range(W))):
        x = np.array(rows, dtype=np.int64).reshape(W, T)
        if (x.sum(axis=0) > prob.max_per_target).any():
            continue
        q = np.where(prob.allowed, 1.0 - prob.p, 1.0)
        val = float((prob.values * np.prod(q ** x, axis=0)).sum()
                    + prob.cost_weight * (prob.cost @ x.sum(axis=1)))
        if val < best:
            best, arg = val, x
    return best, arg
