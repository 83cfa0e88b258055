"""Compiled kernels of the WTA heuristic (:mod:`airdefense.assignment.heuristic`).

The control unit solves about a hundred small assignment problems a replication (one or two
weapon rows, a few targets), where NumPy's per-call overhead, not arithmetic, set the cost.
These kernels run the deterministic parts (greedy fill, steepest descent over shift, swap and
assignment moves, and the linear assignment inside the latter) in compiled loops, and the whole
search with its random kicks in one call (:func:`search`), which draws from the caller's
generator through its :func:`~airdefense.sensors._kernels.generator_pointers` (the draws of the
NumPy form, in its order and amounts: ``integers(0, n)`` for ``rng.integers(n)`` and
``rng.choice``, ``random(n)``). No fastmath and no parallelism.

Every floating-point result is computed by the formula, and in the order, of the NumPy form
that came before (kept in ``tests/assignment/_reference_heuristic.py``), so that every argmin,
argmax and tie comes out the same and so does the assignment:

- ``q ** x`` is read from a table that NumPy computes (``qpow``): NumPy's vectorised power
  (SVML on AVX-512 machines) and libm's ``pow`` differ in the last bit for exponents >= 2;
- products over weapon types run in row order, as ``np.prod(..., axis=0)`` does;
- ``S.sum()`` is NumPy's pairwise sum (:func:`pairwise_sum`);
- the round cost ``c @ used`` is summed in the order of OpenBLAS's AVX-512 ``ddot``
  (:func:`blas_dot`), on every machine (``WTAProblem.round_cost`` sums with it too: NumPy's
  ``@`` would follow the CPU's own BLAS kernel);
- argmin and argmax keep the first extremum in C order;
- :func:`linear_sum_assignment` is SciPy's shortest augmenting path (Crouse 2016), with its
  transposition and its tie-breaking.

An assignment's state, updated in place by the moves: ``x`` (W, T) int64 rounds of type ``i``
at target ``j``; ``S`` (T,) expected surviving value ``V_j prod_i q_ij^x_ij``; ``spare`` (W,)
rounds left per type; ``count`` (T,) rounds per target. The problem's constants: ``V`` (T,)
values; ``q`` (W, T) survival probability of one round (floored at 1e-12), ``p = 1 - q``; ``ub``
(W, T) int64, the most rounds of type ``i`` at target ``j`` (the problem's ``upper_bounds()``:
0 where a round may not go, and the pair's salvo limit); ``c`` (W,) weighted cost of a round;
``mpt`` (T,) salvo limits; ``copies`` (W,) inventories; ``qpow`` (K, W, T) ``q ** k`` for
``k < K``. A round of type ``i`` may go to target ``k`` while ``x[i, k] < ub[i, k]`` and
``count[k] < mpt[k]`` (without pair limits the first is where the problem allows a round: the
others imply ``x[i, k] < min(copies[i], mpt[k])``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

from airdefense.sensors._kernels import generator as _generator

_INF = np.inf
#: Cost of a forbidden (round, target) pair in the assignment move.
_FORBIDDEN = 1e18

# kinds of single-round move returned by best_shift
NONE, SHIFT, DROP, ADD = 0, 1, 2, 3


@intrinsic
def _fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (LLVM ``llvm.fma.f64``)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


# ---------------------------------------------------------------- NumPy's reductions
@njit(cache=True)
def _pairwise_leaf(a, lo, n):
    """NumPy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 128``."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, inline="always")
def _half(n):
    n2 = n // 2
    return n2 - n2 % 8


@njit(cache=True)
def pairwise_sum(a):
    """``a.sum()`` of a contiguous float64 vector, as NumPy sums it: pairwise, halves rounded
    down to multiples of 8 while longer than 128, then leaves in eight running sums.

    NumPy recurses; the same tree is walked here with an explicit stack.
    """
    n = a.size
    if n <= 128:
        return _pairwise_leaf(a, 0, n)
    los = np.empty(64, np.int64)
    ns = np.empty(64, np.int64)
    right = np.zeros(64, np.bool_)       # the left half is done and stored
    lefts = np.empty(64)
    top = 0
    los[0], ns[0], right[0] = 0, n, False
    while True:
        if ns[top] > 128:                 # expand: the left half first
            n2 = _half(ns[top])
            los[top + 1], ns[top + 1], right[top + 1] = los[top], n2, False
            top += 1
            continue
        val = _pairwise_leaf(a, los[top], ns[top])
        top -= 1
        while top >= 0:
            if not right[top]:            # a left half: store it, then do the right half
                lefts[top] = val
                right[top] = True
                n2 = _half(ns[top])
                los[top + 1], ns[top + 1], right[top + 1] = los[top] + n2, ns[top] - n2, False
                top += 1
                break
            val = lefts[top] + val        # a right half: combine and go up
            top -= 1
        if top < 0:
            return val


@njit(cache=True)
def blas_dot(x, y):
    """``x @ y`` of two float64 vectors in the order of OpenBLAS's x86-64 AVX-512 ``ddot``
    kernel (blocks of 32 in four 8-lane fused accumulators, then blocks of 16 in four 4-lane
    ones, a fixed reduction tree, and a fused tail for the last ``n % 16``), on any CPU.

    The package's one dot order for round costs: NumPy's ``@`` on an AMD CPU (OpenBLAS's Zen
    kernel) sums in another order from 11 elements on, so results would depend on the machine.
    """
    n = x.size
    n1 = n & -16
    dot = 0.0
    if n1:
        acc = np.zeros((4, 8))
        i = 0
        n32 = n1 & -32
        while i < n32:
            for b in range(4):
                for lane in range(8):
                    k = i + 8 * b + lane
                    acc[b, lane] = _fma(x[k], y[k], acc[b, lane])
            i += 32
        a4 = np.empty((4, 4))
        for b in range(4):
            for lane in range(4):
                a4[b, lane] = acc[b, lane] + acc[b, lane + 4]
        while i < n1:
            for b in range(4):
                for lane in range(4):
                    k = i + 4 * b + lane
                    a4[b, lane] = _fma(x[k], y[k], a4[b, lane])
            i += 16
        s0 = ((a4[0, 0] + a4[1, 0]) + a4[2, 0]) + a4[3, 0]
        s1 = ((a4[0, 1] + a4[1, 1]) + a4[2, 1]) + a4[3, 1]
        s2 = ((a4[0, 2] + a4[1, 2]) + a4[2, 2]) + a4[3, 2]
        s3 = ((a4[0, 3] + a4[1, 3]) + a4[2, 3]) + a4[3, 3]
        dot = (s0 + s2) + (s1 + s3)
    for i in range(n1, n):
        dot = _fma(y[i], x[i], dot)
    return dot



@njit(cache=True)
def objective(qx, values, cost, x, lam):
    """:meth:`~airdefense.assignment.base.WTAProblem.objective` from ``qx = problem._q ** x``
    (computed by NumPy, whose power it is), to the bit: ``values * np.prod(qx, axis=0)`` (the
    products in row order), NumPy's pairwise sum of that, plus ``lam * (cost @ x.sum(axis=1))``
    (``@`` as OpenBLAS's ``ddot`` sums it). ``qx``, ``x`` (W, T); ``values`` (T,); ``cost`` (W,).
    """
    W, T = qx.shape
    S = np.empty(T)
    for j in range(T):
        acc = 1.0
        for i in range(W):
            acc *= qx[i, j]
        S[j] = values[j] * acc
    return pairwise_sum(S) + lam * blas_dot(cost, _rounds_by_type(x))


@njit(cache=True)
def _rounds_by_type(x):
    """Rounds of each type, ``x.sum(axis=1)`` as floats, shape (W,)."""
    W, T = x.shape
    used = np.empty(W)
    for i in range(W):
        n = 0
        for j in range(T):
            n += x[i, j]
        used[i] = n
    return used

# ---------------------------------------------------------------- the state
@njit(cache=True, inline="always")
def _qpow(qpow, q, k, i, j):
    """``q[i, j] ** k`` as NumPy's vectorised power gives it (from the table while it lasts)."""
    if k < qpow.shape[0]:
        return qpow[k, i, j]
    return q[i, j] ** float(k)


@njit(cache=True)
def _column_value(x, V, q, qpow, j):
    """``V_j prod_i q_ij^x_ij``, the product in row order."""
    acc = 1.0
    for i in range(x.shape[0]):
        acc *= _qpow(qpow, q, x[i, j], i, j)
    return V[j] * acc


@njit(cache=True)
def refresh(x, S, spare, count, V, q, copies, qpow):
    """Recompute ``S``, ``spare`` and ``count`` from ``x`` (the state's ``set``)."""
    W, T = x.shape
    for j in range(T):
        S[j] = _column_value(x, V, q, qpow, j)
        n = 0
        for i in range(W):
            n += x[i, j]
        count[j] = n
    for i in range(W):
        n = 0
        for j in range(T):
            n += x[i, j]
        spare[i] = copies[i] - n


@njit(cache=True)
def value(x, S, c):
    """Objective of the state: ``S.sum() + c @ x.sum(axis=1)``."""
    W, T = x.shape
    if W < 16:     # blas_dot is its fused tail loop then: no array of rounds needed
        dot = 0.0
        for i in range(W):
            n = 0
            for j in range(T):
                n += x[i, j]
            dot = _fma(float(n), c[i], dot)
        return pairwise_sum(S) + dot
    return pairwise_sum(S) + blas_dot(c, _rounds_by_type(x))


@njit(cache=True)
def add(x, S, spare, count, q, i, j):
    """Fire one more round of type ``i`` at target ``j``."""
    x[i, j] += 1
    S[j] *= q[i, j]
    spare[i] -= 1
    count[j] += 1


@njit(cache=True)
def remove(x, S, spare, count, V, q, qpow, i, j):
    """Take one round of type ``i`` off target ``j``."""
    x[i, j] -= 1
    S[j] = _column_value(x, V, q, qpow, j)
    spare[i] += 1
    count[j] -= 1


@njit(cache=True)
def move(x, S, spare, count, V, q, qpow, i, j, k):
    """Move one round of type ``i`` from target ``j`` to target ``k``."""
    remove(x, S, spare, count, V, q, qpow, i, j)
    add(x, S, spare, count, q, i, k)


@njit(cache=True)
def kick_candidates(x, ub, count, mpt, r):
    """The ``r``-th assigned pair ``(i, j)`` of ``x`` (C order) and the targets its round may
    move to: ``np.flatnonzero((x[i] < ub[i]) & (count < mpt))`` less ``j``."""
    W, T = x.shape
    n = -1
    for i in range(W):
        for j in range(T):
            if x[i, j] != 0:
                n += 1
                if n == r:
                    m = 0
                    for k in range(T):
                        if k != j and x[i, k] < ub[i, k] and count[k] < mpt[k]:
                            m += 1
                    cand = np.empty(m, np.int64)
                    m = 0
                    for k in range(T):
                        if k != j and x[i, k] < ub[i, k] and count[k] < mpt[k]:
                            cand[m] = k
                            m += 1
                    return i, j, cand
    raise IndexError("kick_candidates: r is beyond the assigned pairs")


@njit(cache=True)
def _any_positive(a):
    """Whether any entry of the 1-D array ``a`` is > 0."""
    for v in a:
        if v > 0:
            return True
    return False


@njit(cache=True)
def count_nonzero(x):
    """``np.count_nonzero(x)`` of a 2-D array."""
    W, T = x.shape
    n = 0
    for i in range(W):
        for j in range(T):
            if x[i, j] != 0:
                n += 1
    return n


@njit(cache=True)
def nonzero(x):
    """``np.nonzero(x)`` of a 2-D array: rows and columns of the nonzero entries, C order."""
    W, T = x.shape
    n = count_nonzero(x)
    ii = np.empty(n, np.int64)
    jj = np.empty(n, np.int64)
    n = 0
    for i in range(W):
        for j in range(T):
            if x[i, j] != 0:
                ii[n] = i
                jj[n] = j
                n += 1
    return ii, jj


# ---------------------------------------------------------------- greedy
@njit(cache=True, inline="always")
def _column_best(gain, j):
    """First maximum of column ``j``: (value, row)."""
    best = gain[0, j]
    arg = 0
    for r in range(1, gain.shape[0]):
        if gain[r, j] > best:
            best = gain[r, j]
            arg = r
    return best, arg


@njit(cache=True)
def greedy_fill(x, S, spare, count, q, p, ub, c, mpt):
    """Add rounds by maximum marginal return ``S_j p_ij - c_i`` while any round gains.

    Picks the round NumPy's ``argmax`` over the gain matrix would (first maximum in C order),
    from per-column maxima kept up to date.
    """
    W, T = x.shape
    if W == 0 or T == 0:
        return
    gain = np.empty((W, T))
    for i in range(W):
        for j in range(T):
            if x[i, j] < ub[i, j] and spare[i] > 0 and count[j] < mpt[j]:
                gain[i, j] = S[j] * p[i, j] - c[i]
            else:
                gain[i, j] = -_INF
    colmax = np.empty(T)
    colarg = np.empty(T, np.int64)
    for j in range(T):
        colmax[j], colarg[j] = _column_best(gain, j)
    while True:
        bi, bj, bv = colarg[0], 0, colmax[0]
        for j in range(1, T):
            v = colmax[j]
            if v > bv or (v == bv and colarg[j] < bi):
                bi, bj, bv = colarg[j], j, v
        if not bv > 1e-13 * (1.0 + S[bj]):
            return
        add(x, S, spare, count, q, bi, bj)
        if count[bj] >= mpt[bj]:
            for r in range(W):
                gain[r, bj] = -_INF
        else:
            for r in range(W):
                if x[r, bj] < ub[r, bj] and spare[r] > 0:
                    gain[r, bj] = S[bj] * p[r, bj] - c[r]
                else:
                    gain[r, bj] = -_INF
        colmax[bj], colarg[bj] = _column_best(gain, bj)
        if spare[bi] <= 0:
            for j in range(T):
                gain[bi, j] = -_INF
            for j in range(T):
                if colarg[j] == bi:
                    colmax[j], colarg[j] = _column_best(gain, j)


# ---------------------------------------------------------------- descent moves
@njit(cache=True)
def best_shift(x, S, spare, count, q, p, ub, c, mpt, ii, jj):
    """Best single-round move: ``(delta, kind, i, j, k)``, kind SHIFT (round ``i`` from target
    ``j`` to ``k``), DROP (off ``j``), ADD (a spare round of type ``i`` at ``k``) or NONE.

    ``ii``, ``jj``: :func:`nonzero` of ``x``. Ties go to the first pair in C order, then to
    shift over drop over add.
    """
    W, T = x.shape
    best = 0.0
    kind, bi, bj, bk = NONE, -1, -1, -1
    R = ii.size
    if R:
        # removal change of each assigned round: + S_j (1/q - 1); shifted: - S_k p_ik
        dmin, ri, rk = _INF, -1, -1
        for r in range(R):
            i, j = ii[r], jj[r]
            rem = S[j] * (1.0 / q[i, j] - 1.0)
            for k in range(T):
                if k == j or not (x[i, k] < ub[i, k] and count[k] < mpt[k]):
                    continue
                d = rem - S[k] * p[i, k]
                if d < dmin:
                    dmin, ri, rk = d, r, k
        if dmin < best:
            best, kind, bi, bj, bk = dmin, SHIFT, ii[ri], jj[ri], rk
        dmin, ri = _INF, -1
        for r in range(R):
            i, j = ii[r], jj[r]
            d = S[j] * (1.0 / q[i, j] - 1.0) - c[i]
            if d < dmin:
                dmin, ri = d, r
        if dmin < best:
            best, kind, bi, bj, bk = dmin, DROP, ii[ri], jj[ri], -1
    dmin, si, sk = _INF, -1, -1
    for i in range(W):
        if spare[i] <= 0:
            continue
        for k in range(T):
            if not (x[i, k] < ub[i, k] and count[k] < mpt[k]):
                continue
            d = c[i] - S[k] * p[i, k]
            if d < dmin:
                dmin, si, sk = d, i, k
    if dmin < best:
        best, kind, bi, bj, bk = dmin, ADD, si, -1, sk
    return best, kind, bi, bj, bk


@njit(cache=True)
def best_swap(x, S, q, ub, ii, jj):
    """Best exchange of the targets of two rounds of different types at different targets:
    ``(delta, i, j, i2, j2)``, delta 0 with fewer than two rounds and inf with no pair.

    ``delta = A[r, s] + A[s, r]``, ``A[r, s] = S_jr / q_(ir, jr) * q_(is, jr) - S_jr`` (the
    change at target ``j_r`` when round ``r`` leaves and one of type ``i_s`` arrives); the
    first minimum in C order of the symmetric matrix lies above its diagonal. Each round must
    fit under the other's pair: ``x[i_s, j_r] < ub[i_s, j_r]`` and ``x[i_r, j_s] < ub[i_r, j_s]``.
    """
    R = ii.size
    if R < 2:
        return 0.0, -1, -1, -1, -1
    best, br, bs = _INF, 0, 0
    for r in range(R):
        ir, jr = ii[r], jj[r]
        sq_r = S[jr] / q[ir, jr]
        for s in range(r + 1, R):
            i_s, js = ii[s], jj[s]
            if (ir == i_s or jr == js or not x[i_s, jr] < ub[i_s, jr]
                    or not x[ir, js] < ub[ir, js]):
                continue
            d = (sq_r * q[i_s, jr] - S[jr]) + (S[js] / q[i_s, js] * q[ir, js] - S[js])
            if d < best:
                best, br, bs = d, r, s
    return best, ii[br], jj[br], ii[bs], jj[bs]


# ---------------------------------------------------------------- linear assignment
@njit(cache=True)
def linear_sum_assignment(cost):
    """``scipy.optimize.linear_sum_assignment(cost)`` (minimise), the same algorithm: shortest
    augmenting paths after Crouse (2016), as in SciPy's ``rectangular_lsap.cpp``, including
    the transposition of tall matrices and the tie-breaking (remaining columns scanned in
    reverse, a free column preferred among equal path costs). Returns (rows, cols), int64.

    Raises ValueError for NaN or -inf entries, or when no complete assignment has finite cost.
    """
    rows, cols, _ = _lsa(cost)
    return rows, cols


@njit(cache=True)
def _lsa(cost):
    """:func:`linear_sum_assignment`, and the work done (matrix entries read)."""
    nr, nc = cost.shape
    work = nr * nc
    if nr == 0 or nc == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), work
    transpose = nc < nr
    if transpose:
        cm = np.ascontiguousarray(cost.T)
        nr, nc = nc, nr
    else:
        cm = cost
    for i in range(nr):
        for j in range(nc):
            v = cm[i, j]
            if v != v or v == -_INF:
                raise ValueError("matrix contains invalid numeric entries")
    u = np.zeros(nr)
    v = np.zeros(nc)
    spc = np.empty(nc)
    path = np.full(nc, -1, np.int64)
    col4row = np.full(nr, -1, np.int64)
    row4col = np.full(nc, -1, np.int64)
    SR = np.zeros(nr, np.bool_)
    SC = np.zeros(nc, np.bool_)
    remaining = np.empty(nc, np.int64)
    for cur in range(nr):
        # shortest augmenting path from row cur
        min_val = 0.0
        n_rem = nc
        for it in range(nc):
            remaining[it] = nc - it - 1
        SR[:] = False
        SC[:] = False
        spc[:] = _INF
        sink = -1
        i = cur
        while sink == -1:
            index = -1
            lowest = _INF
            SR[i] = True
            work += n_rem
            row = cm[i]
            ui = u[i]
            for it in range(n_rem):
                j = remaining[it]
                r = min_val + row[j] - ui - v[j]
                sj = spc[j]
                if r < sj:
                    path[j] = i
                    spc[j] = r
                    sj = r
                if sj < lowest or (sj == lowest and row4col[j] == -1):
                    lowest = sj
                    index = it
            min_val = lowest
            if min_val == _INF:
                raise ValueError("cost matrix is infeasible")
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            SC[j] = True
            n_rem -= 1
            remaining[index] = remaining[n_rem]
        # update the dual variables
        u[cur] += min_val
        for i in range(nr):
            if SR[i] and i != cur:
                u[i] += min_val - spc[col4row[i]]
        for j in range(nc):
            if SC[j]:
                v[j] -= min_val - spc[j]
        # augment the previous solution
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            col4row[i], j = j, col4row[i]
            if i == cur:
                break
    if transpose:
        order = np.argsort(col4row)
        return col4row[order].copy(), order.astype(np.int64), work
    return np.arange(nr), col4row, work


# ---------------------------------------------------------------- assignment move
@njit(cache=True)
def assignment_move(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow, keys, use_keys):
    """Very large neighbourhood: take one round off every target and give the rounds (and the
    spare rounds, at most T of a type) back optimally, at most one per target, by a linear
    assignment. Keeps the result if it lowers the objective. Returns whether it did, and the
    work done (matrix entries read).

    The round taken off a target is the one with the largest key: ``keys[r]`` of the ``r``-th
    nonzero of ``x`` (C order) if ``use_keys``, else its ``p``; ties go to the first.
    """
    W, T = x.shape
    ii, jj = nonzero(x)
    R = ii.size
    if R == 0 and not _any_positive(spare):
        return False, 1
    before = value(x, S, c)
    ibuf = np.zeros(2 * T + 2 * W, np.int64)  # one allocation for the four int arrays
    pick, cnt = ibuf[:T], ibuf[T:2 * T]
    removed, n_extra = ibuf[2 * T:2 * T + W], ibuf[2 * T + W:]
    pick[:] = -1
    fbuf = np.empty(2 * T)
    best_key, S_base = fbuf[:T], fbuf[T:]
    for r in range(R):
        j = jj[r]
        key = keys[r] if use_keys else p[ii[r], j]
        if pick[j] < 0 or key > best_key[j]:
            pick[j] = r
            best_key[j] = key
    x_new = x.copy()
    n_take = 0
    for j in range(T):
        if pick[j] >= 0:
            i = ii[pick[j]]
            x_new[i, j] -= 1
            removed[i] += 1
            n_take += 1
    for j in range(T):
        S_base[j] = _column_value(x_new, V, q, qpow, j)
    n_r = n_take
    for i in range(W):
        n = 0
        for j in range(T):
            n += x_new[i, j]
            cnt[j] += x_new[i, j]
        left = copies[i] - n - removed[i]
        n_extra[i] = min(max(left, 0), T)
        n_r += n_extra[i]
    rows = np.empty(n_r, np.int64)          # the rounds taken off, by target, then spares
    r = 0
    for j in range(T):
        if pick[j] >= 0:
            rows[r] = ii[pick[j]]
            r += 1
    for i in range(W):
        for _ in range(n_extra[i]):
            rows[r] = i
            r += 1
    cost = np.empty((n_r, T))
    all_feas = True
    for r in range(n_r):
        i = rows[r]
        for k in range(T):
            g = S_base[k] * p[i, k] - c[i]
            if x_new[i, k] < ub[i, k] and cnt[k] < mpt[k] and g > 0:
                cost[r, k] = -g
            else:
                cost[r, k] = _FORBIDDEN
                all_feas = False
    if n_r <= T and all_feas:
        a, b, work = _lsa(cost)                              # every round fires
    else:
        full = np.zeros((n_r, T + n_r))                      # dummies: not fired
        full[:, :T] = cost
        a, b, work = _lsa(full)
    work += W * T
    fine = True
    for t in range(a.size):
        if b[t] < T:
            x_new[rows[a[t]], b[t]] += 1
            if not cost[a[t], b[t]] < 1e17:
                fine = False
    if not fine:
        return False, work
    for j in range(T):                      # S of x_new, as refresh computes it
        S_base[j] = _column_value(x_new, V, q, qpow, j)
    if value(x_new, S_base, c) < before - 1e-12 * max(1.0, abs(before)):
        x[:, :] = x_new
        refresh(x, S, spare, count, V, q, copies, qpow)
        return True, work
    refresh(x, S, spare, count, V, q, copies, qpow)          # x stays; S recomputed, as before
    return False, work


# ---------------------------------------------------------------- descent
@njit(cache=True)
def descend(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow, max_work, use_lsa):
    """Steepest descent over shift and swap moves, and (when those stall and ``use_lsa``) the
    deterministic assignment move, while the work done stays below ``max_work``.

    Work counts the (round, target) pairs scanned and the matrix entries read by the linear
    assignments, so that a caller can turn time into work. Every iteration starts below the
    budget and finishes. Returns ``(converged, work)``: converged when no move improves.
    """
    W, T = x.shape
    work = 0
    no_keys = np.empty(0)
    while work < max_work:
        tol = 1e-12 * max(1.0, pairwise_sum(S))
        ii, jj = nonzero(x)
        R = ii.size
        work += (R + W) * T + R * R // 2 + 1
        d1, kind, i, j, k = best_shift(x, S, spare, count, q, p, ub, c, mpt, ii, jj)
        d2, a, ja, b, jb = best_swap(x, S, q, ub, ii, jj)
        if d1 < -tol and d1 <= d2:
            if kind == SHIFT or kind == DROP:
                remove(x, S, spare, count, V, q, qpow, i, j)
            if kind == SHIFT or kind == ADD:
                add(x, S, spare, count, q, i, k)
            continue
        if d2 < -tol:
            remove(x, S, spare, count, V, q, qpow, a, ja)
            remove(x, S, spare, count, V, q, qpow, b, jb)
            add(x, S, spare, count, q, a, jb)
            add(x, S, spare, count, q, b, ja)
            continue
        if use_lsa:
            better, w = assignment_move(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow,
                                        no_keys, False)
            work += w
            if better:
                continue
        return True, work
    return False, work


# ---------------------------------------------------------------- orders of a solution
@njit(cache=True)
def trimmed_rounds(x, allowed, pair_cap, value, pk, cap, chan, nb, ballistic, fc, lb):
    """:func:`airdefense.c2.greedy.orders_from_rounds`' orders (the rounds ``x`` of an
    assignment trimmed to every cycle limit) as rows (3, k) int64: track rows, launchers and
    rounds, in the order taken (decreasing value x pk, ties in row-major order, NumPy's stable
    argsort of its negative). ``x``, ``allowed``, ``pair_cap``, ``pk`` (m, L); ``value``,
    ``ballistic`` (m,); ``cap``, ``fc``, ``lb`` (L,); ``chan`` (S,); ``nb`` (B,) (``chan``,
    ``nb`` and ``cap`` are not changed)."""
    m, L = x.shape
    ii = np.empty(m * L, np.int64)
    jj = np.empty(m * L, np.int64)
    p = 0
    for i in range(m):
        for j in range(L):
            if allowed[i, j] and min(x[i, j], pair_cap[i, j]) != 0:
                ii[p] = i
                jj[p] = j
                p += 1
    key = np.empty(p)
    for q in range(p):
        key[q] = -(value[ii[q]] * pk[ii[q], jj[q]])
    order = np.argsort(key, kind="mergesort")
    cap = cap.copy()
    chan = chan.copy()
    nb = nb.copy()
    b0 = 0
    b1 = 0
    for j in range(L):
        b0 = min(b0, lb[j])
        b1 = max(b1, lb[j])
    at_track = np.zeros((m, b1 - b0 + 1), np.int64)  # rounds ordered per (track, battery)
    out = np.empty((3, p), np.int64)
    k = 0
    for q in range(p):
        i = ii[order[q]]
        j = jj[order[q]]
        b = lb[j]
        f = fc[j]
        n = min(min(x[i, j], pair_cap[i, j]), cap[j], pair_cap[i, j] - at_track[i, b - b0])
        if chan[f] >= 0:
            n = min(n, chan[f])
        if not ballistic[i]:
            n = min(n, nb[b])
        if n <= 0:
            continue
        at_track[i, b - b0] += n
        cap[j] -= n
        if chan[f] >= 0:
            chan[f] -= n
        if not ballistic[i]:
            nb[b] -= n
        out[0, k] = i
        out[1, k] = j
        out[2, k] = n
        k += 1
    return out[:, :k]


# ---------------------------------------------------------------- problem set-up
@njit(cache=True)
def fields_ok(values, p, copies, cost, mpt, mpp):
    """Whether the numbers of a problem's fields keep their rules: ``values`` and ``cost``
    finite and >= 0, ``p`` in [0, 1], ``copies``, ``mpt`` and ``mpp`` whole and >= 0 (float64,
    any shape, flattened). The :class:`~airdefense.assignment.base.WTAProblem` check; where one
    breaks, the problem's own checks find which and say so."""
    for a in (values, cost):
        for v in a:
            if not (0.0 <= v < _INF):
                return False
    for v in p:
        if not (0.0 <= v <= 1.0):
            return False
    for a in (copies, mpt, mpp):
        for v in a:
            if not (0.0 <= v < _INF) or math.floor(v) != v:
                return False
    return True


@njit(cache=True)
def prepare(qa, allowed, p_in, copies, mpt, mpp, q, p, ub):
    """The state's constants from a problem's fields: ``q = max(1 - (1 - qa), 1e-12)`` and
    ``p = 1 - q`` (as ``np.maximum(1.0 - prob.p_eff, 1e-12)`` gives them), ``ub`` the
    problem's ``upper_bounds()``, all filled in place; returns ``ub.max(initial=1)``.

    ``qa`` (W, T): the problem's ``1 - p`` where allowed, else 1; ``allowed``, ``p_in`` (W, T);
    ``copies`` (W,), ``mpt`` (T,) int64; ``mpp`` (W, T) int64 pair limits, or shape (0, 0)
    for none.
    """
    W, T = qa.shape
    pairs = mpp.shape[0] > 0
    k_max = 1
    for i in range(W):
        for j in range(T):
            qq = 1.0 - (1.0 - qa[i, j])
            if not qq >= 1e-12:
                qq = 1e-12
            q[i, j] = qq
            p[i, j] = 1.0 - qq
            u = min(copies[i], mpt[j]) if allowed[i, j] and p_in[i, j] > 0 else 0
            if pairs and mpp[i, j] < u:
                u = mpp[i, j]
            ub[i, j] = u
            if u > k_max:
                k_max = u
    return k_max


@njit(cache=True, inline="always")
def targets_weapons(allowed, cols):
    """The targets and weapons of a cycle problem over the launchers ``cols`` (k,): the rows
    of ``allowed`` (m, L) with an allowed pair among ``cols`` (T,) and the positions in
    ``cols`` of the launchers with one (W,), each in increasing order."""
    m = allowed.shape[0]
    k = cols.size
    row_any = np.zeros(m, np.bool_)
    col_any = np.zeros(k, np.bool_)
    for i in range(m):
        for q in range(k):
            if allowed[i, cols[q]]:
                row_any[i] = True
                col_any[q] = True
    return np.flatnonzero(row_any), np.flatnonzero(col_any)


@njit(cache=True)
def cycle_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols, cost_weight):
    """A control unit's cycle problem (:class:`airdefense.c2.wta.WTAAssigner`) and the
    heuristic's state constants in one call: the fields of
    :func:`airdefense.c2._kernels.wta_problem` as :meth:`~airdefense.assignment.base.
    WTAProblem._of_fields` holds them, then :func:`prepare`'s (the same numbers).

    The options' ``allowed``, ``pk``, ``pair_cap`` (m, L), ``value`` (m,), ``cap`` and
    ``unit_cost`` (L,); the launchers ``cols`` (k,); the cost weight. Returns the target rows
    ``tg`` (T,) and weapon positions ``w`` (W,) in ``cols``, the problem's ``1 - p`` where
    allowed (1 elsewhere; its ``_q``), the state's ``q``, ``p`` and ``ub`` (each (W, T), in
    the transposed layout the problem's fields have: Fortran order), the values (T,), the
    weighted costs ``cost_weight * cost`` (W,), the most rounds per target (T,), the copies
    (W,), the unit costs (W,), ``ub.max(initial=1)`` and whether the pair caps at a target
    differ among its allowed weapons (more than one weapon; ``mixed``: the caller then checks
    each battery's rounds at a target).
    """
    tg, w = targets_weapons(allowed, cols)
    T, W = tg.size, w.size
    values = np.empty(T)
    mpt = np.empty(T, np.int64)
    copies = np.empty(W, np.int64)
    cost = np.empty(W)
    c = np.empty(W)
    for b in range(W):
        copies[b] = cap[cols[w[b]]]
        cost[b] = unit_cost[cols[w[b]]]
        c[b] = cost_weight * cost[b]
    # (T, W) in C order: their transposes are the problem's (W, T) arrays (Fortran order)
    qa = np.empty((T, W))
    qs = np.empty((T, W))
    ps = np.empty((T, W))
    ub = np.empty((T, W), np.int64)
    mixed = False
    k_max = 1
    for a in range(T):
        i = tg[a]
        values[a] = value[i]
        most = pair_cap[i, cols[w[0]]] if W else 0
        for b in range(W):
            most = max(most, pair_cap[i, cols[w[b]]])
        mpt[a] = most
        for b in range(W):
            j = cols[w[b]]
            ok = allowed[i, j]
            v = pk[i, j] if ok else 0.0
            if v < 0.0:  # np.clip: NaN and -0.0 kept
                v = 0.0
            elif v > 1.0:
                v = 1.0
            if ok and pair_cap[i, j] != most:
                mixed = W > 1
            qa[a, b] = 1.0 - (v if ok else 0.0)
            # prepare's
            qq = 1.0 - (1.0 - qa[a, b])
            if not qq >= 1e-12:
                qq = 1e-12
            qs[a, b] = qq
            ps[a, b] = 1.0 - qq
            u = min(copies[b], most) if ok and v > 0 else 0
            if pair_cap[i, j] < u:
                u = pair_cap[i, j]
            ub[a, b] = u
            if u > k_max:
                k_max = u
    return (tg, w, qa.T, qs.T, ps.T, ub.T, values, c, mpt, copies, cost, k_max, mixed)


@njit(cache=True)
def over_channels(x, w, cols, fire_control, chan):
    """Whether the rounds ``x`` (W, T) of weapons ``cols[w]`` go over some fire-control
    radar's free channels ``chan`` (S,) (-1: no limit): :func:`airdefense.c2.wta.
    _cut_channels` would cut. True also where a weapon's radar is not one of ``chan``'s
    (the caller then takes the steps that tell)."""
    W, T = x.shape
    load = np.zeros(chan.size, np.int64)
    for b in range(W):
        r = fire_control[cols[w[b]]]
        if not 0 <= r < chan.size:
            return True
        n = 0
        for a in range(T):
            n += x[b, a]
        load[r] += n
    for r in range(chan.size):
        if chan[r] >= 0 and load[r] > chan[r]:
            return True
    return False


@njit(cache=True)
def solution_orders(xs, tg, w, cols, fire_control, chan, allowed, pair_cap, value, pk, cap, nb,
                    ballistic, lb):
    """The orders of a networked cycle problem's solution in one call: where the rounds
    ``xs`` (W, T) of the weapons ``w`` at the target rows ``tg`` (T,) go over no fire-control
    radar's free channels (not :func:`over_channels`; ``cols`` every launcher, in order),
    ``(True, rows)``, ``rows`` (3, k) the :func:`trimmed_rounds` of the options' rounds
    matrix (m, L) holding ``xs`` at ``(tg, w)`` and 0 elsewhere (its other arguments,
    ``fire_control`` its ``fc``); otherwise ``(False, rows of no column)`` (the caller cuts
    the solution)."""
    if over_channels(xs, w, cols, fire_control, chan):
        return False, np.empty((3, 0), np.int64)
    W, T = xs.shape
    x = np.zeros((allowed.shape[0], cols.size), np.int64)
    for b in range(W):
        for a in range(T):
            x[tg[a], w[b]] = xs[b, a]
    return True, trimmed_rounds(x, allowed, pair_cap, value, pk, cap, chan, nb, ballistic,
                                fire_control, lb)


# ---------------------------------------------------------------- iterated local search
#: Phases of :func:`search` (``istat[0]``).
START, KICK, DESCENT, POLISH, DONE = 0, 1, 2, 3, 4


@njit(cache=True)
def kick(x, S, spare, count, V, q, ub, mpt, qpow, rng, n_moves):
    """Random perturbation: move ``n_moves`` random rounds to random feasible targets.

    Each move draws ``rng.integers(n)`` (``n`` assigned pairs), the pair's round, then, if it
    may go elsewhere, ``rng.integers(m)`` of its ``m`` candidate targets (what ``rng.choice``
    of them draws). Returns the work done.
    """
    W, T = x.shape
    work = 0
    for _ in range(n_moves):
        n = count_nonzero(x)
        work += W * T
        if n == 0:
            break
        i, j, cand = kick_candidates(x, ub, count, mpt, rng.integers(0, n))
        if cand.size == 0:
            continue
        move(x, S, spare, count, V, q, qpow, i, j, cand[rng.integers(0, cand.size)])
    return work


@njit(cache=True)
def random_assignment_move(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow, rng):
    """:func:`assignment_move` with random keys: ``rng.random(n)`` of the ``n`` assigned
    pairs (no draw when there is no round to move). Returns whether it improved, and the
    work done."""
    n = count_nonzero(x)
    if n == 0 and not _any_positive(spare):
        return False, 1
    keys = rng.random(n)
    return assignment_move(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow, keys, True)


@njit(cache=True)
def search(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow, best_x, istat, best,
           rng_ptrs, max_kicks, kick_size, max_work):
    """The heuristic's search, resumable: greedy fill and steepest descent from ``x = 0``,
    then iterated local search (a kick, descent, a random assignment move, descent; keep the
    best, else go back to it) until ``max_kicks`` kicks in a row bring no improvement.

    The state is left where the search stopped: ``istat`` (int64) holds the phase (``START``
    before the first call, ``DONE`` at the end), the kicks in a row without improvement and
    the kicks started; ``best_x`` and ``best[0]`` the best assignment and its value; random
    numbers are drawn from the generator of the pointers ``rng_ptrs``
    (:func:`airdefense.sensors._kernels.generator_pointers`), with the calls and amounts of
    :func:`kick` and :func:`random_assignment_move`.

    ``max_work`` bounds the work of one call (as :func:`descend` counts it, plus ``W T`` a
    kick draw): a descent stops once it is spent and the next call resumes it, so the
    result does not depend on how the work is split between calls. The greedy start and its
    descent always finish. With ``max_work <= 0`` the kick under way finishes without its
    descents and no other starts. Returns the work done.
    """
    W, T = x.shape
    phase = istat[0]
    work = 0
    if phase == START:
        refresh(x, S, spare, count, V, q, copies, qpow)
        greedy_fill(x, S, spare, count, q, p, ub, c, mpt)
        work += descend(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow, 1 << 62,
                        True)[1]
        best_x[:, :] = x
        best[0] = value(x, S, c)
        phase = KICK
    rng = _generator(rng_ptrs)
    finish = max_work <= 0
    while phase != DONE:
        if phase == KICK:
            if istat[1] >= max_kicks:
                phase = DONE
            if phase == DONE or work >= max_work:
                break
            work += kick(x, S, spare, count, V, q, ub, mpt, qpow, rng, kick_size)
            istat[2] += 1
            phase = DESCENT
        # DESCENT: descend, random move, then POLISH: descend again; either descent may run
        # out of work, and the next call resumes it (the phase says which).
        if not finish:
            done, w = descend(x, S, spare, count, V, q, p, ub, c, mpt, copies, qpow,
                              max(max_work - work, 1), True)
            work += w
            if not done:
                break
        if phase == DESCENT:
            work += random_assignment_move(x, S, spare, count, V, q, p, ub, c, mpt, copies,
                                           qpow, rng)[1]
            phase = POLISH
            continue
        val = value(x, S, c)
        b = best[0]
        if val < b - 1e-12 * max(1.0, b):
            best_x[:, :] = x
            best[0] = val
            istat[1] = 0
        else:
            istat[1] += 1
            x[:, :] = best_x
            refresh(x, S, spare, count, V, q, copies, qpow)
        phase = KICK
        if finish:
            break
    istat[0] = phase
    return work
