"""The WTA control unit's problem of one cycle, against the NumPy statement it replaces (with
the pair caps, the problem's ``max_per_pair``, added since)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.c2._kernels import wta_problem


def _numpy_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols):
    """The problem as the control unit built it with NumPy (weapons x targets)."""
    rows = np.arange(allowed.shape[0])
    sub = allowed[np.ix_(rows, cols)]
    tg = np.flatnonzero(sub.any(axis=1))
    w = np.flatnonzero(sub.any(axis=0))
    r, c = rows[tg], cols[w]
    a = sub[np.ix_(tg, w)].T
    pick = np.ix_(r, c)
    p = np.clip(np.where(a, pk[pick].T, 0.0), 0.0, 1.0)
    mpt = pair_cap[pick].max(axis=1) if tg.size else np.zeros(0, np.int64)
    return tg, w, value[r], p, cap[c], unit_cost[c], a, mpt, pair_cap[pick].T


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 7), st.integers(1, 6))
def test_problem_matches_the_numpy_statement(seed, m, L):
    """Same targets, weapons and numbers, bit for bit (NaN, -0.0 and values outside [0, 1]
    clipped as np.clip does), and the (W, T) arrays in the same memory layout."""
    rng = np.random.default_rng(seed)
    allowed = rng.random((m, L)) < 0.4
    pk = rng.choice([-0.0, 0.0, 0.3, 0.97, 1.2, -0.1, np.nan], (m, L))
    value = rng.uniform(0, 1e7, m)
    cap = rng.integers(0, 4, L)
    pair_cap = rng.integers(0, 3, (m, L))
    unit_cost = rng.uniform(1e4, 4e6, L)
    for cols in (np.arange(L), np.flatnonzero(rng.random(L) < 0.5)):
        got = wta_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols)
        tg, w, values, p_t, copies, cost, a_t, mpt, pc_t = got
        want = _numpy_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols)
        if want[0].size == 0:
            assert tg.size == 0
            continue
        for g, e in zip((tg, w, values, p_t.T, copies, cost, a_t.T, mpt, pc_t.T), want,
                        strict=True):
            assert g.shape == e.shape and g.dtype == e.dtype
            np.testing.assert_array_equal(g, e)
            assert np.array_equal(np.signbit(g), np.signbit(e))
        assert p_t.T.flags.f_contiguous == want[3].flags.f_contiguous
        assert a_t.T.flags.f_contiguous == want[6].flags.f_contiguous
