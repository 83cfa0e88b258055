"""Compiled kernels of the tracker's per-step arithmetic (numba, no fastmath, no parallel).

The public modules (``kalman``, ``imm``, ``models``, ``gating``, ``management``) keep their
signatures and call these; each kernel loops over tracks or track-measurement pairs, so a step
costs a few kernel calls instead of hundreds of NumPy calls on small arrays. Results are
repeatable across processes (no fastmath, no threads); they may differ from NumPy's batched
ufuncs in the last bits (summation order).

Conventions: states are rows of ``x`` (N, d) with covariances ``P`` (N, d, d); a pair's state
is chosen by an index array (``rows``) so that callers need not gather copies. Polar
measurements are ``[range, azimuth, elevation, range_rate]`` with azimuth clockwise from north.

The per-row helpers address a vector or matrix inside a larger array by that array and a tuple
of leading indices (``S, s`` is the matrix ``S[s]``; ``()`` the array itself), so that the hot
loops create no array views: each view costs two atomic reference counts.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from airdefense.sensors._kernels import generator as _generator
from airdefense.sensors._kernels import standard_normal as _standard_normal

_LOG2PI = math.log(2.0 * math.pi)
_TWO_PI = 2.0 * math.pi

GRAVITY_MPS2 = 9.80665
RHO0_KGPM3 = 1.225
SCALE_HEIGHT_M = 7200.0
K_MAX_M2PKG = 0.02
MAX_DRAG_MPS2 = 300.0


# --------------------------------------------------------------------------------------------
# Small dense linear algebra (one matrix at a time)


@numba.njit(cache=True, inline="always")
def _sparse_product(A, ia, B, ib, out, rows, inner, cols):
    """``out[:rows, :cols] = A[ia][:rows, :inner] @ B[ib][:inner, :cols]``, skipping zeros of
    ``A`` (``ia``, ``ib``: tuples of leading indices)."""
    for a in range(rows):
        for r in range(cols):
            out[a, r] = 0.0
        for c in range(inner):
            h = A[ia + (a, c)]
            if h != 0.0:
                for r in range(cols):
                    out[a, r] += h * B[ib + (c, r)]


@numba.njit(cache=True, inline="always")
def _cholesky_into(S, si, L):
    # Lower Cholesky factor of the symmetric S[si] into L (k, k); False if a pivot is <= 0
    # (as LAPACK).
    k = L.shape[0]
    for j in range(k):
        s = S[si + (j, j)]
        for c in range(j):
            s -= L[j, c] * L[j, c]
        if s <= 0.0:
            return False
        ljj = math.sqrt(s)
        L[j, j] = ljj
        for i in range(j + 1, k):
            a = S[si + (i, j)]
            for c in range(j):
                a -= L[i, c] * L[j, c]
            L[i, j] = a / ljj
        for i in range(j):
            L[i, j] = 0.0
    return True


@numba.njit(cache=True, inline="always")
def _cholesky_floored_at(S, si, L):
    # cholesky_floored of the matrix S[si] (si: tuple of leading indices).
    if not _cholesky_into(S, si, L):
        _cholesky_floor(S, si, L)


@numba.njit(cache=True, inline="always")
def cholesky_floored(S, L):
    """Cholesky factor of ``S`` (k, k) into ``L``.

    Round-off can leave an innovation covariance barely indefinite: then ``S`` is symmetrised
    and its eigenvalues floored at ``max(1e-12 max|w|, 1e-12)`` (a tiny change, on that matrix
    only) before factorising.
    """
    _cholesky_floored_at(S, (), L)


@numba.njit(cache=True)
def _cholesky_floor(S, si, L):
    # cholesky_floored of an S[si] whose plain factorisation failed.
    k = L.shape[0]
    Ss = np.empty((k, k))
    for a in range(k):
        for b in range(k):
            Ss[a, b] = 0.5 * (S[si + (a, b)] + S[si + (b, a)])
    w, V = np.linalg.eigh(Ss)
    floor = max(np.abs(w).max() * 1e-12, 1e-12)
    for i in range(k):
        w[i] = max(w[i], floor)
    A = (V * w) @ V.T
    A = 0.5 * (A + A.T)
    if not _cholesky_into(A, (), L):  # pragma: no cover - the floor makes A positive definite
        L[:] = np.nan


@numba.njit(cache=True, inline="always")
def _forward(L, b, bi, w):
    # w = L^-1 b[bi] (forward substitution).
    k = L.shape[0]
    for i in range(k):
        a = b[bi + (i,)]
        for c in range(i):
            a -= L[i, c] * w[c]
        w[i] = a / L[i, i]


@numba.njit(cache=True, inline="always")
def _stats_row(nu, S, q, dof, L, w):
    # Squared Mahalanobis distance and Gaussian log-likelihood of the innovation nu[q] with
    # covariance S[q] (q: tuple of leading indices).
    _cholesky_floored_at(S, q, L)
    _forward(L, nu, q, w)
    d2 = 0.0
    logdet = 0.0
    for i in range(L.shape[0]):
        d2 += w[i] * w[i]
        logdet += math.log(L[i, i])
    return d2, -0.5 * (d2 + 2.0 * logdet + dof * _LOG2PI)


@numba.njit(cache=True)
def innovation_stats(nu, S, dof):
    """Squared Mahalanobis distances and log-likelihoods of innovations.

    Parameters
    ----------
    nu : ndarray of shape (p, k)
    S : ndarray of shape (p, k, k)
        Symmetric innovation covariances.
    dof : ndarray of shape (p,), int
        Valid components (the Gaussian's dimension).

    Returns
    -------
    d2, loglik : ndarray of shape (p,)
    """
    p, k = nu.shape
    d2 = np.empty(p)
    ll = np.empty(p)
    L = np.zeros((k, k))
    w = np.empty(k)
    for q in range(p):
        d2[q], ll[q] = _stats_row(nu, S, (q,), dof[q], L, w)
    return d2, ll


@numba.njit(cache=True, inline="always")
def _gain_row(x, P, xi, nu, S, PHt, o, L, w, A):
    # Kalman update in place of one state x[xi] (d,), P[xi] (d, d) with innovation nu[o] (k,),
    # S[o] (k, k), PHt[o] (d, k) (xi, o: tuples of leading indices); L, w, A: scratch of
    # _gain_scratch.
    k = L.shape[0]
    d = A.shape[1]
    _cholesky_floored_at(S, o, L)
    _forward(L, nu, o, w)
    # A = L^-1 PHt' by forward substitution, row by row over all d columns at once (each
    # column's operations in the order of _forward).
    for a in range(k):
        for c in range(d):
            A[a, c] = PHt[o + (c, a)]
        for b in range(a):
            lab = L[a, b]
            for c in range(d):
                A[a, c] -= lab * A[b, c]
        laa = L[a, a]
        for c in range(d):
            A[a, c] /= laa
    for c in range(d):
        dx = 0.0
        for a in range(k):
            dx += A[a, c] * w[a]
        x[xi + (c,)] += dx
    for r in range(d):
        for c in range(r, d):
            acc = 0.0
            for a in range(k):
                acc += A[a, r] * A[a, c]
            v = 0.5 * ((P[xi + (r, c)] - acc) + (P[xi + (c, r)] - acc))
            P[xi + (r, c)] = v
            P[xi + (c, r)] = v


@numba.njit(cache=True)
def _gain_scratch(k, d):
    return np.zeros((k, k)), np.empty(k), np.empty((k, d))


@numba.njit(cache=True)
def gain_update(x, P, rows, nu, S, PHt, sel):
    """Kalman update in place of the states ``rows`` with the innovations ``sel``.

    ``x[rows[q]] += K nu``, ``P[rows[q]] = sym(P - K S K')`` with ``K = PHt S^-1`` of innovation
    ``sel[q]``, through the Cholesky factor of S (``K S K' = A' A``, ``A = L^-1 PHt'``).

    Parameters
    ----------
    x : ndarray of shape (N, d)
    P : ndarray of shape (N, d, d)
    rows : ndarray of shape (p,), int
        State row of each update; each row at most once.
    nu, S, PHt : ndarrays of shapes (n, k), (n, k, k), (n, d, k)
    sel : ndarray of shape (p,), int
        Innovation of each update.
    """
    L, w, A = _gain_scratch(nu.shape[1], x.shape[1])
    for q in range(rows.shape[0]):
        _gain_row(x, P, (rows[q],), nu, S, PHt, (sel[q],), L, w, A)


# --------------------------------------------------------------------------------------------
# Polar measurement model


@numba.njit(cache=True, inline="always")
def _polar_row(x, xi, sensor, si, n, tau, zhat, H, zi, dd, v, rows):
    # Predicted polar measurement zhat[zi] (4,) of the state x[xi] (d,) moved by tau at
    # constant velocity, seen from sensor[si] (3,), and its Jacobian H[zi] (4, d) with respect
    # to x (zeroed beyond the positions and velocities); dd and v (3,) are scratch. rows 1:
    # the range and its row of H alone (zhat[zi][1:] and H[zi][1:] are left as they were).
    d = H.shape[-1]
    for a in range(n):
        v[a] = x[xi + (n + a,)]
        dd[a] = x[xi + (a,)] + tau * v[a] - sensor[si + (a,)]
    r2 = 0.0
    for a in range(n):
        r2 += dd[a] * dd[a]
    r2 = max(r2, 1e-18)
    r = math.sqrt(r2)
    zhat[zi + (0,)] = r
    for i in range(rows):
        for c in range(d):
            H[zi + (i, c)] = 0.0
    if rows == 1:
        for a in range(n):
            H[zi + (0, a)] = dd[a] / r
        return
    rho2 = max(dd[0] * dd[0] + dd[1] * dd[1], 1e-18)
    rho = math.sqrt(rho2)
    rr = 0.0
    for a in range(n):
        rr += dd[a] / r * v[a]
    az = math.atan2(dd[0], dd[1])
    if az < 0.0:
        az += _TWO_PI
    zhat[zi + (1,)] = az
    zhat[zi + (2,)] = math.atan2(dd[2], rho) if n == 3 else 0.0
    zhat[zi + (3,)] = rr
    for a in range(n):
        u = dd[a] / r
        H[zi + (0, a)] = u
        H[zi + (3, a)] = (v[a] - rr * u) / r
        H[zi + (3, n + a)] = u
    H[zi + (1, 0)] = dd[1] / rho2
    H[zi + (1, 1)] = -dd[0] / rho2
    if n == 3:
        b = -dd[2] / (r2 * rho)
        H[zi + (2, 0)] = b * dd[0]
        H[zi + (2, 1)] = b * dd[1]
        H[zi + (2, 2)] = rho / r2


@numba.njit(cache=True)
def polar_h_jacobian(x, sensor, n):
    """Polar measurement (p, 4) and its Jacobian (p, 4, d) of states ``x`` (p, d) seen from
    ``sensor`` (p, 3); ``n`` spatial axes (elevation 0 in 2-D)."""
    p, d = x.shape
    zhat = np.empty((p, 4))
    H = np.empty((p, 4, d))
    dd = np.zeros(3)
    v = np.zeros(3)
    for q in range(p):
        _polar_row(x, (q,), sensor, (q,), n, 0.0, zhat, H, (q,), dd, v, 4)
    return zhat, H


@numba.njit(cache=True, inline="always")
def _wrap_pi(e):
    # (e + pi) % 2 pi - pi, without the remainder where e + pi is already in [0, 2 pi).
    y = e + math.pi
    if not 0.0 <= y < _TWO_PI:
        y = y % _TWO_PI
    return y - math.pi


@numba.njit(cache=True, inline="always")
def _retro_poly(qcoef, qm, u, scale, s, s2, s3):
    # Distinct polynomial u of model qm's noise (see _retro_row) at s (s2 = s^2, s3 = s^3),
    # times scale.
    return scale * (qcoef[qm, u, 0] * s + qcoef[qm, u, 1] * s2 + qcoef[qm, u, 2] * s3
                    + (qcoef[qm, u, 3] * s3 * s + qcoef[qm, u, 4] * s3 * s2))


@numba.njit(cache=True, inline="always")
def _retro_entry(qidx, qcoef, qm, k, vals, scale, s, s2, s3):
    # Entry k of model qm's sparse noise (see _retro_row): its row c < 2n, its column and its
    # value at s (vals: _retro_vals' first four polynomials; a later one evaluated here).
    u = qidx[qm, k, 2]
    v = vals[u] if u < 4 else _retro_poly(qcoef, qm, u, scale, s, s2, s3)
    return qidx[qm, k, 0], qidx[qm, k, 1], v


@numba.njit(cache=True, inline="always")
def _retro_vals(qcoef, qcount, qm, scale, s, s2, s3):
    # The first four distinct polynomials of model qm's noise (see _retro_row) at s (s2 = s^2,
    # s3 = s^3), times scale; zeros past the model's own.
    npoly = qcount[qm, 1]
    vals = (0.0, 0.0, 0.0, 0.0)
    for u in range(min(npoly, 4)):
        v = _retro_poly(qcoef, qm, u, scale, s, s2, s3)
        if u == 0:
            vals = (v, vals[1], vals[2], vals[3])
        elif u == 1:
            vals = (vals[0], v, vals[2], vals[3])
        elif u == 2:
            vals = (vals[0], vals[1], v, vals[3])
        else:
            vals = (vals[0], vals[1], vals[2], v)
    return vals


@numba.njit(cache=True, inline="always")
def _retro_row(H, HP, qidx, qcoef, qcount, qm, scale, s, rows):
    # HP -= H scale Q_qm(s) (the first ``rows`` rows of H P, (4, d)): the process noise of
    # model qm over the last s seconds taken out of the covariance the row is compared with.
    # Q_qm is held sparse (see retro_tables): its distinct polynomials qcoef[qm, u]
    # (coefficients of s, s^2, .., s^5) and entries qidx[qm, e] = (row < 2n, column,
    # polynomial).
    if s <= 0.0 or scale == 0.0:
        return
    s2 = s * s
    s3 = s2 * s
    vals = _retro_vals(qcoef, qcount, qm, scale, s, s2, s3)
    for k in range(qcount[qm, 0]):
        c, col, v = _retro_entry(qidx, qcoef, qm, k, vals, scale, s, s2, s3)
        for a in range(rows):
            HP[a, col] -= H[a, c] * v


@numba.njit(cache=True, inline="always")
def _offset_row(H, a, n, t):
    # Row a of H for a measurement t s after the state's time: the velocity columns take t
    # times the position columns (the state moved at constant velocity).
    for c in range(n):
        H[a, n + c] += t * H[a, c]


@numba.njit(cache=True, inline="always")
def _s_entry(H, HP, R, j, a, b, m2):
    # Entry (a, b) of S = H (P - Q) H' + R from HP = H (P - Q) (rows of H, (4, d); H zero
    # beyond its first m2 columns) and row j of R (symmetrised).
    acc = 0.0
    for c in range(m2):
        acc += H[a, c] * HP[b, c]
    return acc + 0.5 * (R[j, a, b] + R[j, b, a])


@numba.njit(cache=True, inline="always")
def _polar_innov_row(x, P, xi, z, R, valid, sensor, j, t, n, nu, S, PHt, o, zhat, H, L, w, dd,
                     vs, HP, qidx, qcoef, qcount, qm, scale, s):
    # Innovation of one pair (state x[xi] (d,), P[xi] (d, d); polar measurement row j of z, R,
    # valid, sensor, offset t) into nu[o] (4,), S[o] (4, 4), PHt[o] (d, 4) (xi, o: tuples of
    # leading indices); returns the squared distance, the log-likelihood and the number of
    # valid components. zhat .. HP: scratch of _polar_scratch. The state is retrodicted to
    # the row's time: P - scale Q_qm(s) (model qm's noise, see _retro_row) moved back by t,
    # PHt = (P - Q) F(t)' H', S = H F(t) (P - Q) F(t)' H' + R.
    d = H.shape[1]
    m2 = 2 * n
    _polar_row(x, xi, sensor, (j,), n, t, zhat, H, (), dd, vs, 4)
    nv = 0
    for a in range(4):
        if valid[j, a]:
            nv += 1
            _offset_row(H, a, n, t)
        else:
            for c in range(m2):
                H[a, c] = 0.0
    for a in range(4):
        e = z[j, a] - zhat[a]
        if a == 1:
            e = _wrap_pi(e)
        nu[o + (a,)] = e if valid[j, a] else 0.0
    # PHt = P H' (H is zero beyond the first 2n columns, and often within them), as
    # rows HP = H P of the symmetric P (contiguous inner loops).
    _sparse_product(H, (), P, xi, HP, 4, m2, d)
    _retro_row(H, HP, qidx, qcoef, qcount, qm, scale, s, 4)
    for r in range(d):
        for a in range(4):
            PHt[o + (r, a)] = HP[a, r]
    for a in range(4):
        for b in range(a, 4):
            v = _s_entry(H, HP, R, j, a, b, m2)
            S[o + (a, b)] = v
            S[o + (b, a)] = v
    d2, ll = _stats_row(nu, S, o, nv, L, w)
    return d2, ll, nv


@numba.njit(cache=True, inline="always")
def _range_w2(x, P, i, e, z, R, sensor, j, t, n, qidx, qcoef, qcount, scale, s, zhat, H, dd,
              vs, HP):
    # The first term w0^2 = nu_0^2 / S_00 (range) of the squared distance that
    # _polar_innov_row gives state x[i, e] against the polar row j (offset t, valid range):
    # its steps on the first row alone, so the same bits; NaN where S_00 is not positive (the
    # floored factorisation decides there). zhat .. HP: scratch of _polar_scratch.
    # _stats_row sums d2 = ((0 + w0^2) + w1^2) + ..., non-negative terms in a monotone
    # rounding: the distance is at least w0^2 (or NaN) when the plain factorisation holds.
    m2 = 2 * n
    _polar_row(x, (i, e), sensor, (j,), n, t, zhat, H, (), dd, vs, 1)
    _offset_row(H, 0, n, t)
    _sparse_product(H, (), P, (i, e), HP, 1, m2, x.shape[2])
    _retro_row(H, HP, qidx, qcoef, qcount, e, scale, s, 1)
    s00 = _s_entry(H, HP, R, j, 0, 0, m2)
    if not s00 > 0.0:
        return np.nan
    w0 = (z[j, 0] - zhat[0]) / math.sqrt(s00)
    return w0 * w0


@numba.njit(cache=True, inline="always")
def _range_rejects(x, P, i, z, R, valid, sensor, j, t, n, thr, qidx, qcoef, qcount, qscale,
                   jq, s, zhat, H, dd, vs, HP):
    # Whether pair (track i, polar row j) fails the gate of polar_gate on its range alone:
    # under every model the range term of the distance exceeds thr[valid components]
    # (_range_w2), so the least distance over the models does too: about half the coarse
    # candidates fail here, before their full innovations. Exact where the full test
    # factorises each S plainly (S positive definite: a retrodicted covariance that is one
    # plus the noise); where a later pivot fails, the floored S (cholesky_floored) has its
    # own S_00 and the pair could differ (never in example 2's candidates).
    if not valid[j, 0]:
        return False
    nv = 0
    for a in range(4):
        if valid[j, a]:
            nv += 1
    th = thr[nv]
    for e in range(x.shape[1]):
        w2 = _range_w2(x, P, i, e, z, R, sensor, j, t, n, qidx, qcoef, qcount,
                       qscale[i] if e == jq else 1.0, s, zhat, H, dd, vs, HP)
        if not w2 > th:
            return False
    return True


@numba.njit(cache=True)
def _polar_scratch(d):
    # Scratch arrays of _polar_innov_row for states of dimension d.
    return (np.empty(4), np.empty((4, d)), np.zeros((4, 4)), np.empty(4), np.zeros(3),
            np.zeros(3), np.empty((4, d)))


@numba.njit(cache=True)
def polar_innovations(x, P, rows, z, R, valid, sensor, tau, mj, n, qidx, qcoef, qcount, qe,
                      qscale, qs):
    """Innovations of pairs (state ``rows[q]``, polar measurement ``mj[q]``), EKF.

    The state is moved by the measurement's offset ``tau[mj]`` at constant velocity inside
    the measurement function (Jacobian ``H [[I, tau I], [0, I]]``) and its covariance is
    retrodicted there, ``F(tau) (P - Q) F(tau)'``, ``Q`` the process noise of model
    ``qe[q]`` over ``qs[q]`` s (>= 0) scaled by ``qscale[q]`` (see :func:`retro_tables`);
    masked components have a zero Jacobian row and innovation.

    Parameters
    ----------
    x : ndarray of shape (N, d)
    P : ndarray of shape (N, d, d)
    rows, mj : ndarray of shape (p,), int
    z, R, valid : ndarrays of shapes (k, 4), (k, 4, 4), (k, 4)
    sensor : ndarray of shape (k, 3)
    tau : ndarray of shape (k,)
    n : int
        Spatial axes.
    qidx, qcoef, qcount : the models' noises (:func:`retro_tables`)
    qe : ndarray of shape (p,), int
        Model of each pair.
    qscale, qs : ndarray of shape (p,)
        Scale of each pair's ``Q`` and the seconds it covers (0: none taken out).

    Returns
    -------
    nu (p, 4), S (p, 4, 4), PHt (p, d, 4), d2 (p,), loglik (p,), dof (p,)
    """
    p = rows.shape[0]
    d = x.shape[1]
    nu = np.empty((p, 4))
    S = np.empty((p, 4, 4))
    PHt = np.empty((p, d, 4))
    d2 = np.empty(p)
    ll = np.empty(p)
    dof = np.empty(p, np.int64)
    zhat, H, L, w, dd, vs, HP = _polar_scratch(d)
    for q in range(p):
        j = mj[q]
        d2[q], ll[q], dof[q] = _polar_innov_row(x, P, (rows[q],), z, R, valid, sensor, j,
                                                tau[j], n, nu, S, PHt, (q,), zhat, H, L, w,
                                                dd, vs, HP, qidx, qcoef, qcount, qe[q],
                                                qscale[q], qs[q])
    return nu, S, PHt, d2, ll, dof


@numba.njit(cache=True)
def retro_tables(C, n):
    """The models' process noises, sparse, for the retrodiction of the polar kernels.

    Parameters
    ----------
    C : ndarray of shape (r, 5, d, d)
        Each model's noise as a polynomial in the interval, ``Q_j(s) = sum_k C[j, k]
        s^(k+1)`` (:meth:`~airdefense.tracking.models.MotionModel.noise_coefficients`; zeros
        for a model without one: nothing is taken out).
    n : int
        Spatial axes: only rows ``< 2n`` of ``Q`` meet the measurement Jacobian.

    Returns
    -------
    qidx : ndarray of shape (r, E, 3), int
        (row, column, polynomial) of each model's nonzero entries in rows ``< 2n``.
    qcoef : ndarray of shape (r, E, 5)
        Each model's distinct polynomials (a CV model's three: ``q s^3 / 3``, ``q s^2 / 2``,
        ``q s``), coefficients of ``s`` .. ``s^5``.
    qcount : ndarray of shape (r, 2), int
        Entries and distinct polynomials of each model.
    """
    r, K, d = C.shape[0], C.shape[1], C.shape[2]
    m2 = min(2 * n, d)
    qidx = np.zeros((r, m2 * d, 3), np.int64)
    qcoef = np.zeros((r, m2 * d, 5))
    qcount = np.zeros((r, 2), np.int64)
    for j in range(r):
        e = 0
        npoly = 0
        for a in range(m2):
            for b in range(d):
                nz = False
                for k in range(K):
                    nz = nz or C[j, k, a, b] != 0.0
                if not nz:
                    continue
                u = -1
                for w in range(npoly):  # the same polynomial already held?
                    same = True
                    for k in range(K):
                        same = same and qcoef[j, w, k] == C[j, k, a, b]
                    if same:
                        u = w
                        break
                if u < 0:
                    u = npoly
                    for k in range(K):
                        qcoef[j, u, k] = C[j, k, a, b]
                    npoly += 1
                qidx[j, e, 0] = a
                qidx[j, e, 1] = b
                qidx[j, e, 2] = u
                e += 1
        qcount[j, 0] = e
        qcount[j, 1] = npoly
    return qidx, qcoef, qcount


_FMAX = np.finfo(np.float64).max


@numba.njit(cache=True, inline="always")
def _unbiased_row(r, az, el, vr, va, ve, sensor, q, n, pos, cov):
    # Unbiased converted position pos[q] (n,) and its covariance cov[q] (n, n) of one polar
    # row (range r, azimuth az clockwise from north, elevation el; noise variances vr, va,
    # ve, independent; ve 0 in 2-D) seen from sensor[q]: Mo, Song, Zhou, Sun and Bar-Shalom
    # (1998), "Unbiased converted measurements for tracking", IEEE T-AES 34(3), with
    # lambda = E[cos w] = exp(-var / 2) and lambda' = E[cos 2w] = lambda^4 of each angle's
    # noise w. Their x (along cos az) is north here, their y (along sin az) east.
    la = math.exp(-0.5 * va)
    le = math.exp(-0.5 * ve)
    la4 = la * la * la * la
    le4 = le * le * le * le
    ca, sa = math.cos(az), math.sin(az)
    ce, se = math.cos(el), math.sin(el)
    r2 = r * r
    m2 = r2 + vr
    c2a, s2a = math.cos(2.0 * az), math.sin(2.0 * az)
    c2e, s2e = math.cos(2.0 * el), math.sin(2.0 * el)
    if n == 3:
        h = r * ce / (la * le)
        pos[q, 0] = h * sa + sensor[q, 0]
        pos[q, 1] = h * ca + sensor[q, 1]
        pos[q, 2] = r * se / le + sensor[q, 2]
        a = 1.0 / (la * la * le * le) - 2.0
        b = 1.0 / (la * le * le) - 1.0 / la - la
        v = 0.25 * m2 * (1.0 + le4 * c2e)
        cov[q, 0, 0] = a * r2 * sa * sa * ce * ce + v * (1.0 - la4 * c2a)
        cov[q, 1, 1] = a * r2 * ca * ca * ce * ce + v * (1.0 + la4 * c2a)
        cov[q, 0, 1] = cov[q, 1, 0] = a * r2 * ca * sa * ce * ce + v * la4 * s2a
        cov[q, 2, 2] = (1.0 / (le * le) - 2.0) * r2 * se * se + 0.5 * m2 * (1.0 - le4 * c2e)
        w = 0.5 * m2 * la * le4 * s2e
        cov[q, 0, 2] = cov[q, 2, 0] = b * r2 * sa * se * ce + w * sa
        cov[q, 1, 2] = cov[q, 2, 1] = b * r2 * ca * se * ce + w * ca
    else:
        pos[q, 0] = r * sa / la + sensor[q, 0]
        pos[q, 1] = r * ca / la + sensor[q, 1]
        a = 1.0 / (la * la) - 2.0
        cov[q, 0, 0] = a * r2 * sa * sa + 0.5 * m2 * (1.0 - la4 * c2a)
        cov[q, 1, 1] = a * r2 * ca * ca + 0.5 * m2 * (1.0 + la4 * c2a)
        cov[q, 0, 1] = cov[q, 1, 0] = a * r2 * ca * sa + 0.5 * m2 * la4 * s2a


@numba.njit(cache=True)
def polar_prepare(z_in, R_in, sensor, n, span):
    """Masked polar measurements and their Cartesian positions.

    A component is valid where it and its noise variance are finite (the elevation never in
    2-D); masked components get 0 in ``z``, zero rows and columns in ``R`` and a unit
    variance. Positions (k, n) and their covariances (k, n, n), and the clutter scales (k,)
    (``r^2 |cos el|`` in 3-D, ``r`` in 2-D, at least 1e-9, divided by ``span`` where the
    range rate is valid) follow; in 2-D the range is horizontal and the elevation ignored.
    The position is the unbiased converted measurement of Mo et al. (1998) with its
    covariance (see :func:`_unbiased_row`; the plain conversion ``r cos(el) sin(az)`` ... is
    biased towards the sensor by about ``r (var_az + var_el) / 2``), from the variances of
    ``R`` (its correlations between range and angles ignored; the radars' are zero); a row
    without a valid range, azimuth or (3-D) elevation gets the plain conversion and the
    linearised ``J R J'`` with ``J = d(pos)/d(r, az, el)``.

    Parameters
    ----------
    z_in : ndarray of shape (k, 4)
        NaN where absent.
    R_in : ndarray of shape (k, 4, 4)
    sensor : ndarray of shape (k, 3)
    n : int
    span : ndarray of shape (k,)
        Doppler span of each row's false alarms, m/s (> 0).

    Returns
    -------
    z (k, 4), R (k, 4, 4), valid (k, 4), pos (k, n), pos_cov (k, n, n), scale (k,)
    """
    k = z_in.shape[0]
    z = np.empty((k, 4))
    R = np.empty((k, 4, 4))
    valid = np.empty((k, 4), np.bool_)
    pos = np.empty((k, n))
    cov = np.empty((k, n, n))
    scale = np.empty(k)
    J = np.zeros((3, 3))
    for q in range(k):
        for a in range(4):
            ok = np.isfinite(z_in[q, a]) and np.isfinite(R_in[q, a, a])
            valid[q, a] = ok and not (n == 2 and a == 2)
            z[q, a] = z_in[q, a] if valid[q, a] else 0.0
        for a in range(4):
            for b in range(4):
                v = 0.0
                if valid[q, a] and valid[q, b]:
                    v = R_in[q, a, b]
                    if np.isnan(v):
                        v = 0.0
                    elif np.isinf(v):
                        v = _FMAX if v > 0 else -_FMAX
                elif a == b:
                    v = 1.0
                R[q, a, b] = v
        r, az, el = z[q, 0], z[q, 1], z[q, 2]
        ca, sa = math.cos(az), math.sin(az)
        if valid[q, 0] and valid[q, 1] and (n == 2 or valid[q, 2]):
            _unbiased_row(r, az, el, R[q, 0, 0], R[q, 1, 1], R[q, 2, 2] if n == 3 else 0.0,
                          sensor, q, n, pos, cov)
            scale[q] = max(r * r * abs(math.cos(el)), 1e-9) if n == 3 else max(r, 1e-9)
            if valid[q, 3]:
                scale[q] /= span[q]
            continue
        if n == 3:
            ce, se = math.cos(el), math.sin(el)
            pos[q, 0] = r * ce * sa + sensor[q, 0]
            pos[q, 1] = r * ce * ca + sensor[q, 1]
            pos[q, 2] = r * se + sensor[q, 2]
            J[0, 0], J[0, 1], J[0, 2] = ce * sa, r * ce * ca, -r * se * sa
            J[1, 0], J[1, 1], J[1, 2] = ce * ca, -r * ce * sa, -r * se * ca
            J[2, 0], J[2, 1], J[2, 2] = se, 0.0, r * ce
            scale[q] = max(r * r * abs(ce), 1e-9)
        else:
            pos[q, 0] = r * sa + sensor[q, 0]
            pos[q, 1] = r * ca + sensor[q, 1]
            J[0, 0], J[0, 1] = sa, r * ca
            J[1, 0], J[1, 1] = ca, -r * sa
            scale[q] = max(r, 1e-9)
        if valid[q, 3]:  # the likelihood is then a density per m/s too
            scale[q] /= span[q]
        m = 3 if n == 3 else 2
        for a in range(n):
            for b in range(n):
                acc = 0.0
                for c in range(m):
                    t = 0.0
                    for e in range(m):
                        t += R[q, c, e] * J[b, e]
                    acc += J[a, c] * t
                cov[q, a, b] = acc
    return z, R, valid, pos, cov, scale


@numba.njit(cache=True)
def polar_detections(z_in, R_in, sensor_enu, n, sensor, spans, dens):
    """:func:`polar_prepare` of detections, each row's Doppler span and false-alarm density
    taken from its radar's (``Measurements.from_detections``), in one call.

    Parameters
    ----------
    z_in, R_in, sensor_enu, n : as :func:`polar_prepare`
    sensor : ndarray of shape (k,), int
        Radar index of each row (>= 0).
    spans : ndarray of shape (s,)
        Doppler spans of the radars, m/s (by radar index; past the end, the last).
    dens : ndarray of shape (s,) or (0,)
        False-alarm densities of the radars per m rad^2 (by radar index; past the end, the
        last; NaN: unknown); empty: none.

    Returns
    -------
    z, R, valid, pos, pos_cov, scale : as :func:`polar_prepare`
    fad : ndarray of shape (k,) or (0,)
        Each row's radar's density, divided by the row's span where its range rate is valid
        (empty without ``dens``).
    """
    k = z_in.shape[0]
    ns = spans.shape[0]
    span = np.empty(k)
    for q in range(k):
        span[q] = spans[0] if ns == 1 else spans[min(sensor[q], ns - 1)]
    z, R, valid, pos, cov, scale = polar_prepare(z_in, R_in, sensor_enu, n, span)
    nd = dens.shape[0]
    fad = np.empty(k if nd > 0 else 0)
    for q in range(fad.shape[0]):
        d = dens[min(sensor[q], nd - 1)]
        fad[q] = d / span[q] if valid[q, 3] else d
    return z, R, valid, pos, cov, scale, fad


@numba.njit(cache=True)
def clutter_rows(scale, fad, mj, density):
    """False-alarm density of rows ``mj`` (p,): ``fad[mj]`` where known (not NaN), else
    ``density * scale[mj]`` (``Measurements.clutter``); ``fad`` empty: unknown for all."""
    p = mj.shape[0]
    out = np.empty(p)
    known = fad.shape[0] > 0
    for q in range(p):
        j = mj[q]
        lam = density * scale[j]
        if known:
            own = fad[j]
            out[q] = lam if np.isnan(own) else own
        else:
            out[q] = lam
    return out


# --------------------------------------------------------------------------------------------
# Motion models (each writes the model's components ``idx`` of a larger state; the others are
# held constant, with identity rows in the Jacobian)


@numba.njit(cache=True)
def _embed_start(x, jac):
    m, d = x.shape
    out = x.copy()
    J = np.zeros((m if jac else 0, d, d))
    for i in range(J.shape[0]):
        for c in range(d):
            J[i, c, c] = 1.0
    return out, J


@numba.njit(cache=True)
def ct_transition(x, dt, n, idx, jac):
    """Coordinated turn of the components ``idx`` of ``x`` (m, D) over ``dt``.

    ``idx`` lists the model's components ``[x, y, (z), vx, vy, (vz), omega]`` in ``x``.
    Returns the states (m, D) and, with ``jac``, the Jacobians (m, D, D) (else (0, D, D)).
    ``sin(wT)/w`` and ``(1 - cos wT)/w`` use their series below ``|wT| < 1e-4``.
    """
    out, J = _embed_start(x, jac)
    ix, iy, ivx, ivy, iw = idx[0], idx[1], idx[n], idx[n + 1], idx[2 * n]
    for i in range(x.shape[0]):
        vx, vy, w = x[i, ivx], x[i, ivy], x[i, iw]
        wt = w * dt
        s, c = math.sin(wt), math.cos(wt)
        if abs(wt) < 1e-4:
            a = dt - w * w * dt ** 3 / 6
            b = w * dt * dt / 2 - w ** 3 * dt ** 4 / 24
            da = -w * dt ** 3 / 3
            db = dt * dt / 2 - w * w * dt ** 4 / 8
        else:
            a = s / w
            b = (1 - c) / w
            da = (dt * c - a) / w
            db = (dt * s - b) / w
        out[i, ix] = x[i, ix] + a * vx - b * vy
        out[i, iy] = x[i, iy] + b * vx + a * vy
        out[i, ivx] = c * vx - s * vy
        out[i, ivy] = s * vx + c * vy
        if n == 3:
            out[i, idx[2]] = x[i, idx[2]] + dt * x[i, idx[5]]
        if jac:
            J[i, ix, ivx], J[i, ix, ivy], J[i, ix, iw] = a, -b, da * vx - db * vy
            J[i, iy, ivx], J[i, iy, ivy], J[i, iy, iw] = b, a, db * vx + da * vy
            J[i, ivx, ivx], J[i, ivx, ivy], J[i, ivx, iw] = c, -s, -dt * s * vx - dt * c * vy
            J[i, ivy, ivx], J[i, ivy, ivy] = s, c
            J[i, ivy, iw] = dt * c * vx - dt * s * vy
            if n == 3:
                J[i, idx[2], idx[5]] = dt
    return out, J


@numba.njit(cache=True, inline="always")
def _ballistic_flow(Y, out, kc, jac, c0):
    # Right-hand side of the state (column 0) and, with jac, of the variational equations
    # dPhi/dt = A Phi (columns c0..7 of 1..7) of the ballistic model; Y, out (7, 8). Rows: p
    # (0-2), v (3-5), k (6, constant). Drag acceleration -c |v| v, c = min(rho(z) k / 2,
    # MAX_DRAG / |v|^2), rho = rho0 exp(-max(z, -5 km) / H); the drag coefficient kc is the
    # clipped k, constant in a step. Returns whether the coefficients of A are finite.
    ncol = 8 if jac else 1
    vx, vy, vz = Y[3, 0], Y[4, 0], Y[5, 0]
    half_rho = 0.5 * RHO0_KGPM3 * math.exp(max(Y[2, 0], -5e3) * (-1.0 / SCALE_HEIGHT_M))
    sp2 = max(vx * vx + vy * vy + vz * vz, 1e-18)
    sp = math.sqrt(sp2)
    c = min(half_rho * kc, MAX_DRAG_MPS2 / sp2)
    csp = c * sp
    for a in range(3):
        out[a, 0] = Y[3 + a, 0]
        for col in range(c0, ncol):
            out[a, col] = Y[3 + a, col]
    out[6, 0] = 0.0
    v = (vx, vy, vz)
    for a in range(3):
        out[3 + a, 0] = -csp * v[a]
    out[5, 0] -= GRAVITY_MPS2
    finite = True
    if jac:
        g = -c / sp
        for a in range(3):
            mz = v[a] * csp * (1.0 / SCALE_HEIGHT_M)
            m0 = g * v[a] * v[0] - (csp if a == 0 else 0.0)
            m1 = g * v[a] * v[1] - (csp if a == 1 else 0.0)
            m2 = g * v[a] * v[2] - (csp if a == 2 else 0.0)
            finite = (finite and math.isfinite(mz) and math.isfinite(m0)
                      and math.isfinite(m1) and math.isfinite(m2))
            for col in range(c0, 8):
                out[3 + a, col] = (mz * Y[2, col] + m0 * Y[3, col] + m1 * Y[4, col]
                                   + m2 * Y[5, col])
            out[3 + a, 7] -= half_rho * sp * v[a]
        for col in range(c0, 8):
            out[6, col] = 0.0
    return finite


@numba.njit(cache=True, inline="always")
def _rk_stage(T, Y, f, k, c0, ncol):
    # An RK4 stage's state T = Y + f k (7, 8): column 0 and columns c0 .. ncol - 1.
    for a in range(7):
        T[a, 0] = Y[a, 0] + f * k[a, 0]
        for col in range(c0, ncol):
            T[a, col] = Y[a, col] + f * k[a, col]


@numba.njit(cache=True, inline="always")
def _ballistic_track(x, i, idx, nsub, h, jac, c0, Y, T, k1, k2, k3, k4):
    # RK4 of track i (see ballistic_transition) into Y (7, 8): the state (column 0) and, with
    # jac, the columns c0..7 of the Jacobian (columns below c0 stay those of the identity);
    # T, k1 .. k4 (7, 8) are scratch. Returns whether every step's coefficients and h were
    # finite.
    ncol = 8 if jac else 1
    Y[:] = 0.0
    for a in range(7):
        Y[a, 0] = x[i, idx[a]]
        Y[a, a + 1] = 1.0
    kc = min(max(Y[6, 0], 0.0), K_MAX_M2PKG)
    finite = math.isfinite(h)
    for _ in range(nsub):
        finite = _ballistic_flow(Y, k1, kc, jac, c0) and finite
        _rk_stage(T, Y, 0.5 * h, k1, c0, ncol)
        finite = _ballistic_flow(T, k2, kc, jac, c0) and finite
        _rk_stage(T, Y, 0.5 * h, k2, c0, ncol)
        finite = _ballistic_flow(T, k3, kc, jac, c0) and finite
        _rk_stage(T, Y, h, k3, c0, ncol)
        finite = _ballistic_flow(T, k4, kc, jac, c0) and finite
        for a in range(7):
            Y[a, 0] += (k1[a, 0] + 2.0 * (k2[a, 0] + k3[a, 0]) + k4[a, 0]) * (h / 6)
            for col in range(c0, ncol):
                Y[a, col] += (k1[a, col] + 2.0 * (k2[a, col] + k3[a, col]) + k4[a, col]) \
                    * (h / 6)
    return finite


@numba.njit(cache=True)
def ballistic_transition(x, dt, max_substep, idx, jac):
    """Ballistic flow (gravity and drag, RK4 in sub-steps of at most ``max_substep`` s) of the
    components ``idx`` (``[x, y, z, vx, vy, vz, k]``) of ``x`` (m, D) over ``dt``.

    With ``jac``, the Jacobians (m, D, D) from the variational equations integrated with the
    same RK4 sub-steps (else (0, D, D)). The drag coefficient is clipped to [0, K_MAX].
    """
    out, J = _embed_start(x, jac)
    nsub = max(1, int(math.ceil(abs(dt) / max_substep)))
    h = dt / nsub
    Y = np.zeros((7, 8))
    T = np.zeros((7, 8))
    k1 = np.zeros((7, 8))
    k2 = np.zeros((7, 8))
    k3 = np.zeros((7, 8))
    k4 = np.zeros((7, 8))
    for i in range(x.shape[0]):
        # The flow does not depend on x and y: their Jacobian columns (1, 2) stay those of
        # the identity, exactly (sums of zero products, added to 0 or 1) while A's coefficients
        # and h are finite; else the track runs again with every column.
        if not _ballistic_track(x, i, idx, nsub, h, jac, 3, Y, T, k1, k2, k3, k4):
            _ballistic_track(x, i, idx, nsub, h, jac, 1, Y, T, k1, k2, k3, k4)
        for a in range(7):
            out[i, idx[a]] = Y[a, 0]
        out[i, idx[6]] = min(max(Y[6, 0], 0.0), K_MAX_M2PKG)
        if jac:
            for a in range(7):
                for b in range(7):
                    J[i, idx[a], idx[b]] = Y[a, b + 1]
    return out, J


# --------------------------------------------------------------------------------------------
# Prediction


@numba.njit(cache=True)
def propagate_cov(F, P0, Q, out, j, qs):
    """``out[:, j] = F P0 F' + s sym(Q)`` for every track, exactly symmetric (the upper
    triangle of ``F P0 F'``, mirrored).

    Parameters
    ----------
    F : ndarray of shape (m, d, d) or (1, d, d)
        Jacobians (one shared when the first axis is 1).
    P0 : ndarray of shape (m, d, d)
    Q : ndarray of shape (d, d)
    out : ndarray of shape (m, r, d, d)
    j : int
    qs : ndarray of shape (m,) or (0,)
        Each track's scale ``s`` of ``Q``; empty: 1 (``Q`` as it is).
    """
    m, d = P0.shape[0], P0.shape[1]
    FP = np.empty((d, d))
    scaled = qs.shape[0] > 0
    for i in range(m):
        fi = 0 if F.shape[0] == 1 else i
        _sparse_product(F, (fi,), P0, (i,), FP, d, d, d)
        for a in range(d):
            for b in range(a, d):
                acc = 0.0
                for c in range(d):
                    acc += FP[a, c] * F[fi, b, c]
                if scaled:
                    v = acc + qs[i] * (0.5 * (Q[a, b] + Q[b, a]))
                else:
                    v = acc + 0.5 * (Q[a, b] + Q[b, a])
                out[i, j, a, b] = v
                out[i, j, b, a] = v


@numba.njit(cache=True)
def maneuver_scale(x, P, mu, n, lim):
    """Scale of the manoeuvre mode's ``Q`` per track (m,), as
    :meth:`airdefense.tracking.imm.ManeuverLimit.scale` computes it, same bits.

    Parameters
    ----------
    x, P, mu : IMM states (m, r, d), (m, r, d, d), (m, r)
    n : int
        Spatial axes, at most 4.
    lim : ndarray of shape (4,)
        Turn rate (rad/s), least acceleration (m/s^2), speed sigmas, and ``dt / q`` (s per
        unit of the mode's ``q``).
    """
    m = x.shape[0]
    pos = np.empty((m, n))
    vel = np.empty((m, n))
    out = np.empty(m)
    p = np.zeros(4)
    for i in range(m):
        trv = _spread_row(x, P, mu, i, n, pos, vel)[1]
        for a in range(n):
            p[a] = vel[i, a] * vel[i, a]
        # |v|^2 summed as NumPy's einsum("ij,ij->i") sums n <= 4 products (SIMD lanes 0+2,
        # then 1+3), so that the scale keeps ManeuverLimit.scale's bits.
        s = (p[0] + p[2]) + (p[1] + p[3])
        v = math.sqrt(s) + lim[2] * math.sqrt(trv)
        t = lim[0] * v
        acc = t if not t < lim[1] else lim[1]  # np.maximum: NaN stays NaN
        w = acc * acc * lim[3]
        out[i] = w if not w > 1.0 else 1.0  # np.minimum
    return out


@numba.njit(cache=True)
def imm_predict(x, P, mu, Pi, dt, kind, F, Q, idx, substep, n, qs, jq, lim):
    """One IMM prediction of EKF models in one call: mixing (:func:`imm_mix`), every model's
    flow and Jacobian, and ``F P F' + Q`` (:func:`propagate_cov`; model ``jq``'s ``Q``
    scaled by ``qs`` (m,) per track, none when ``jq`` is -1).

    Parameters
    ----------
    x, P, mu, Pi : as :func:`imm_mix`
    dt : float
        Time step, s.
    kind : ndarray of shape (r,), int
        Model kinds: 0 linear (``F[j]``), 1 coordinated turn (:func:`ct_transition`), 2
        ballistic (:func:`ballistic_transition`).
    F : ndarray of shape (r, d, d)
        Transition matrices of the linear models (others unused).
    Q : ndarray of shape (r, d, d)
        Process noise of every model.
    idx : ndarray of shape (r, d), int
        Components of the nonlinear models in the common state (first 2n + 1 used).
    substep : ndarray of shape (r,)
        Largest RK4 sub-step of the ballistic models, s.
    n : int
        Spatial axes.
    qs : ndarray of shape (m,) or (0,)
        Scale of model ``jq``'s process noise for each track (a manoeuvre mode sized per
        track, :class:`airdefense.tracking.imm.ManeuverLimit`).
    jq : int
        The model ``qs`` scales; -1: none.
    lim : ndarray of shape (4,) or (0,)
        When ``qs`` is empty and ``jq`` >= 0: the manoeuvre limit (see
        :func:`maneuver_scale`) from which the kernel computes ``qs`` of the states before
        the mixing.

    Returns
    -------
    x (m, r, d), P (m, r, d, d), mu (m, r)
        Predicted states and model probabilities.
    qs : ndarray of shape (m,) or (0,)
        The scales used (``qs`` itself unless computed here).
    """
    m, r, d = x.shape
    if jq >= 0 and qs.shape[0] == 0 and lim.shape[0] == 4:
        qs = maneuver_scale(x, P, mu, n, lim)
    x0, P0, mup = imm_mix(x, P, mu, Pi)
    xs = np.empty((m, r, d))
    Ps = np.empty((m, r, d, d))
    none = np.empty(0)
    for j in range(r):
        if kind[j] == 0:
            Fj = F[j]
            for i in range(m):
                for a in range(d):
                    acc = 0.0
                    for c in range(d):
                        acc += Fj[a, c] * x0[j, i, c]
                    xs[i, j, a] = acc
            propagate_cov(F[j:j + 1], P0[j], Q[j], Ps, j, qs if j == jq else none)
        else:
            if kind[j] == 1:
                out, J = ct_transition(x0[j], dt, n, idx[j, :2 * n + 1], True)
            else:
                out, J = ballistic_transition(x0[j], dt, substep[j], idx[j, :7], True)
            xs[:, j] = out
            propagate_cov(J, P0[j], Q[j], Ps, j, qs if j == jq else none)
    return xs, Ps, mup, qs


@numba.njit(cache=True)
def imm_mix(x, P, mu, Pi):
    """IMM mixing: mixed means (r, m, d) and covariances (r, m, d, d) of every model, and the
    predicted model probabilities (m, r).

    Parameters
    ----------
    x : ndarray of shape (m, r, d)
    P : ndarray of shape (m, r, d, d)
    mu : ndarray of shape (m, r)
    Pi : ndarray of shape (r, r)
        Markov matrix.
    """
    m, r, d = x.shape
    x0 = np.zeros((r, m, d))
    P0 = np.zeros((r, m, d, d))
    mup = np.empty((m, r))
    c = np.empty(r)
    dx = np.empty(d)
    for i in range(m):
        tot = 0.0
        for j in range(r):
            a = 0.0
            for k in range(r):
                a += mu[i, k] * Pi[k, j]
            c[j] = max(a, 1e-300)
            tot += c[j]
        for j in range(r):
            mup[i, j] = c[j] / tot
            for k in range(r):
                w = mu[i, k] * Pi[k, j] / c[j]
                for a in range(d):
                    x0[j, i, a] += w * x[i, k, a]
            for k in range(r):
                w = mu[i, k] * Pi[k, j] / c[j]
                if w == 0.0:
                    continue
                for a in range(d):
                    dx[a] = x[i, k, a] - x0[j, i, a]
                for a in range(d):
                    wa = w * dx[a]
                    for b in range(d):
                        P0[j, i, a, b] += w * P[i, k, a, b] + wa * dx[b]
    return x0, P0, mup


# --------------------------------------------------------------------------------------------
# IMM mixtures


@numba.njit(cache=True)
def _logsumexp(a):
    mx = -np.inf
    for v in a:
        mx = max(mx, v)
    if not np.isfinite(mx):
        mx = 0.0
    s = 0.0
    for v in a:
        s += math.exp(v - mx)
    return math.log(s) + mx


@numba.njit(cache=True)
def logsumexp_rows(a):
    """``log(sum(exp(a), axis=1))`` of a (p, r) array without overflow."""
    out = np.empty(a.shape[0])
    for q in range(a.shape[0]):
        out[q] = _logsumexp(a[q])
    return out


@numba.njit(cache=True, inline="always")
def _pair_mix(ll, d2, q, mu, i, a):
    # One pair: log of the mu[i]-weighted mixture of the per-model likelihoods ll[q] (r,) and
    # the least of the distances d2[q] (r,); a (r,) is scratch.
    r = a.shape[0]
    dm = np.inf
    for j in range(r):
        a[j] = ll[q, j] + math.log(max(mu[i, j], 1e-300))
        dm = min(dm, d2[q, j])
    return _logsumexp(a), dm


@numba.njit(cache=True)
def imm_pair_mixture(ll, d2, mu, ti):
    """Per pair: log of the model-weighted mixture likelihood and the least distance over
    models.

    Parameters
    ----------
    ll, d2 : ndarray of shape (p, r)
        Log-likelihoods and squared distances of each pair under each model.
    mu : ndarray of shape (m, r)
    ti : ndarray of shape (p,), int
    """
    p, r = ll.shape
    out = np.empty(p)
    dmin = np.empty(p)
    a = np.empty(r)
    for q in range(p):
        out[q], dmin[q] = _pair_mix(ll, d2, q, mu, ti[q], a)
    return out, dmin


@numba.njit(cache=True, inline="always")
def _mode_row(mu, i, ll, q, a):
    # Model probabilities mu[i] (r,) updated in place with per-model log-likelihoods ll[q]
    # (r,) (q: tuple of leading indices); a (r,) is scratch.
    r = a.shape[0]
    for j in range(r):
        a[j] = ll[q + (j,)] + math.log(max(mu[i, j], 1e-300))
    s = _logsumexp(a)
    for j in range(r):
        mu[i, j] = math.exp(a[j] - s)


@numba.njit(cache=True)
def imm_mode_update(mu, ti, ll):
    """Model probabilities of tracks ``ti`` updated in place with their pairs' per-model
    log-likelihoods ``ll`` (p, r): ``mu_j L_j / sum_i mu_i L_i``."""
    p, r = ll.shape
    a = np.empty(r)
    for q in range(p):
        _mode_row(mu, ti[q], ll, (q,), a)


@numba.njit(cache=True, inline="always")
def _spread_row(x, P, mu, i, n, pos, vel):
    # Mixture means of positions pos[i] (n,) and velocities vel[i] (n,) of track i, and the
    # traces of their mixture covariances.
    r = x.shape[1]
    trp = 0.0
    trv = 0.0
    for a in range(2 * n):
        xm = 0.0
        for j in range(r):
            xm += mu[i, j] * x[i, j, a]
        pa = 0.0
        for j in range(r):
            e = x[i, j, a] - xm
            pa += mu[i, j] * (P[i, j, a, a] + e * e)
        if a < n:
            pos[i, a] = xm
            trp += pa
        else:
            vel[i, a - n] = xm
            trv += pa
    return trp, trv


@numba.njit(cache=True)
def imm_spread(x, P, mu, n):
    """Mixture means of positions and velocities (m, n) and the traces of their covariances
    (m,), (m,) of IMM states ``x`` (m, r, d), ``P`` (m, r, d, d), ``mu`` (m, r)."""
    m = x.shape[0]
    pos = np.empty((m, n))
    vel = np.empty((m, n))
    trp = np.empty(m)
    trv = np.empty(m)
    for i in range(m):
        trp[i], trv[i] = _spread_row(x, P, mu, i, n, pos, vel)
    return pos, vel, trp, trv


@numba.njit(cache=True)
def imm_mean(x, mu):
    """Mixture mean of each track's models (m, d): the mean of :func:`imm_moments`, same bits."""
    m, r, d = x.shape
    xm = np.zeros((m, d))
    for i in range(m):
        for j in range(r):
            for a in range(d):
                xm[i, a] += mu[i, j] * x[i, j, a]
    return xm


@numba.njit(cache=True)
def imm_moments(x, P, mu):
    """Moment-matched mixture of each track's models: means (m, d) and covariances (m, d, d)."""
    m, r, d = x.shape
    xm = np.zeros((m, d))
    Pm = np.zeros((m, d, d))
    dx = np.empty(d)
    for i in range(m):
        for j in range(r):
            for a in range(d):
                xm[i, a] += mu[i, j] * x[i, j, a]
        for j in range(r):
            w = mu[i, j]
            for a in range(d):
                dx[a] = x[i, j, a] - xm[i, a]
            for a in range(d):
                for b in range(d):
                    Pm[i, a, b] += w * (P[i, j, a, b] + dx[a] * dx[b])
    return xm, Pm


# --------------------------------------------------------------------------------------------
# Gating and two-point initiation


@numba.njit(cache=True, inline="always")
def _near(pos, vel, i, sig_t, sig_v, mpos, j, sig_m, t, g):
    # Whether measurement j at mpos[j] (n,) with offset t lies within
    # g (sig_t + |t| sig_v + sig_m) of track i at pos[i] (n,) moved by t at velocity vel[i].
    d2 = 0.0
    for a in range(pos.shape[1]):
        e = pos[i, a] + t * vel[i, a] - mpos[j, a]
        d2 += e * e
    bound = g * (sig_t + abs(t) * sig_v + sig_m)
    return d2 <= bound * bound


@numba.njit(cache=True)
def gate_pairs(pos, vel, sig_t, sig_v, mpos, sig_m, tau, g):
    """Candidate pairs (track, measurement) whose distance, with the track moved by the
    measurement's offset ``tau``, is within ``g (sig_t + |tau| sig_v + sig_m)``.

    Returns ``ti, mj`` (p,), track-major.
    """
    m = pos.shape[0]
    k = mpos.shape[0]
    ti = np.empty(m * k, np.int64)
    mj = np.empty(m * k, np.int64)
    p = 0
    for i in range(m):
        for j in range(k):
            if _near(pos, vel, i, sig_t[i], sig_v[i], mpos, j, sig_m[j], tau[j], g):
                ti[p] = i
                mj[p] = j
                p += 1
    return ti[:p], mj[:p]


@numba.njit(cache=True)
def polar_gate(x, P, mu, ti, mj, z, R, valid, sensor, tau, mpos, mcov, thr, g, n, qidx, qcoef,
               qcount, qscale, jq, hor):
    """Gated EKF polar innovations of IMM states (an EKF is one model with ``mu`` = 1).

    Candidate pairs are every (track, measurement) within the coarse gate of
    :func:`gate_pairs` (mixture positions, velocities and the traces of their covariances,
    factor ``g``), or the given ``ti, mj`` when ``g`` is negative. Each candidate gets its
    innovation under every model (:func:`polar_innovations`), the least distance over the
    models and the log of the mode-weighted mixture likelihood (:func:`imm_pair_mixture`);
    pairs with that distance within ``thr[dof]`` are kept, in order. Each model's state is
    retrodicted to the row's time: its own process noise over ``min(|tau|, hor[i])`` s
    (model ``jq``'s scaled by ``qscale[i]``) is taken out of its covariance before the move (see
    :func:`polar_innovations`).

    Parameters
    ----------
    x : ndarray of shape (m, r, d)
    P : ndarray of shape (m, r, d, d)
    mu : ndarray of shape (m, r)
    ti, mj : ndarray of shape (c,), int
        Candidate pairs (used when ``g`` < 0).
    z, R, valid, sensor, tau : the polar measurements (see :func:`polar_innovations`)
    mpos : ndarray of shape (k, n)
    mcov : ndarray of shape (k, n, n)
        Measured positions and their covariances.
    thr : ndarray of shape (5,)
        Gate threshold for 0..4 valid components (NaN for 0).
    g : float
        Coarse-gate factor; negative: use ``ti, mj`` as the candidates.
    n : int
    qidx, qcoef, qcount : the models' noises (:func:`retro_tables`)
    qscale : ndarray of shape (m,) or (0,)
        Scale of model ``jq``'s noise for each track (the manoeuvre mode's limit).
    jq : int
        The model ``qscale`` scales; -1: none (every model's noise as it is).
    hor : ndarray of shape (m,)
        How far back, s, each track's covariance holds its models' noise untouched by a
        measurement (the retrodiction takes out at most that much; 0: none).

    Returns
    -------
    ti, mj : ndarray of shape (p,), int
        Kept pairs.
    tir, mjr : ndarray of shape (p * r,), int
        The same per pair-model row (pair-major).
    nu (p r, 4), S (p r, 4, 4), PHt (p r, d, 4), d2f (p r,), llf (p r,), dofr (p r,)
        Per-model innovations (as :func:`polar_innovations`).
    d2, loglik : ndarray of shape (p,)
        Least distance over the models and the mixture log-likelihood.
    """
    m, r, d = x.shape
    k = z.shape[0]
    if g >= 0.0:  # the coarse gate
        pos = np.empty((m, n))
        vel = np.empty((m, n))
        sig_t = np.empty(m)
        sig_v = np.empty(m)
        for i in range(m):
            trp, trv = _spread_row(x, P, mu, i, n, pos, vel)
            sig_t[i] = math.sqrt(trp)
            sig_v[i] = math.sqrt(trv)
        sig_m = np.empty(k)
        for j in range(k):
            tr = 0.0
            for a in range(n):
                tr += mcov[j, a, a]
            sig_m[j] = math.sqrt(tr)
        ti, mj = gate_pairs(pos, vel, sig_t, sig_v, mpos, sig_m, tau, g)
    c = ti.shape[0]
    nu = np.empty((c * r, 4))
    S = np.empty((c * r, 4, 4))
    PHt = np.empty((c * r, d, 4))
    d2f = np.empty(c * r)
    llf = np.empty(c * r)
    ti_o = np.empty(c, np.int64)
    mj_o = np.empty(c, np.int64)
    dof = np.empty(c, np.int64)
    d2 = np.empty(c)
    ll = np.empty(c)
    d2p = d2f.reshape((c, r))  # per pair
    llp = llf.reshape((c, r))
    a = np.empty(r)
    zhat, H, L, w, dd, vs, HP = _polar_scratch(d)
    p = 0
    for q in range(c):
        i = ti[q]
        j = mj[q]
        nv = 0
        sq = min(abs(tau[j]), hor[i])
        if _range_rejects(x, P, i, z, R, valid, sensor, j, tau[j], n, thr, qidx, qcoef,
                          qcount, qscale, jq, sq, zhat, H, dd, vs, HP):
            continue
        for e in range(r):
            o = p * r + e
            d2f[o], llf[o], nv = _polar_innov_row(x, P, (i, e), z, R, valid, sensor, j,
                                                  tau[j], n, nu, S, PHt, (o,), zhat, H, L, w,
                                                  dd, vs, HP, qidx, qcoef, qcount, e,
                                                  qscale[i] if e == jq else 1.0, sq)
        lq, dq = _pair_mix(llp, d2p, p, mu, i, a)
        if dq <= thr[nv]:  # kept: the next candidate writes after it
            ti_o[p] = i
            mj_o[p] = j
            dof[p] = nv
            d2[p] = dq
            ll[p] = lq
            p += 1
    tir = np.empty(p * r, np.int64)
    mjr = np.empty(p * r, np.int64)
    dofr = np.empty(p * r, np.int64)
    for q in range(p):
        for e in range(r):
            tir[q * r + e] = ti_o[q]
            mjr[q * r + e] = mj_o[q]
            dofr[q * r + e] = dof[q]
    pr = p * r
    return (ti_o[:p], mj_o[:p], tir, mjr, nu[:pr], S[:pr], PHt[:pr], d2f[:pr], llf[:pr],
            dofr, d2[:p], ll[:p])


@numba.njit(cache=True)
def polar_sequence(x, P, mu, base, ti, mj, rank, nu, S, PHt, loglik, z, R, valid, sensor,
                   tau, n, qidx, qcoef, qcount, qscale, jq, hor):
    """Kalman updates of IMM states by their pairs in order (an EKF: one model, ``mu`` = 1),
    on copies.

    Pair q updates every model of track ``ti[q]``: its first pair (``rank[q]`` 0) with the
    precomputed innovation rows ``base[q] + j`` (j the model), a later one with the
    innovation of polar measurement ``mj[q]`` against the state its earlier pairs left
    (:func:`polar_innovations`); the model probabilities take the per-model likelihoods.
    The retrodiction (see :func:`polar_gate`, ``qidx`` .. ``hor``) takes out at most the
    noise since the track's latest measurement so far: after a row at offset ``tau`` a
    track's horizon is ``min(hor, |tau|)`` (a row earlier than one already taken, out of
    time order, keeps the noise between them, so ``P - Q`` stays a covariance).

    Returns
    -------
    x, P, mu : the updated copies
    hor : ndarray of shape (m,)
        The tracks' horizons after their rows.
    """
    m, r, d = x.shape
    xn = x.copy()
    Pn = P.copy()
    mun = mu.copy()
    p = ti.shape[0]
    ll = np.empty(r)
    a = np.empty(r)
    nu1 = np.empty(4)
    S1 = np.empty((4, 4))
    PHt1 = np.empty((d, 4))
    zhat, H, Lp, wp, dd, vs, HP = _polar_scratch(d)
    L, w, A = _gain_scratch(4, d)
    hn = hor.copy()
    for q in range(p):
        i = ti[q]
        j = mj[q]
        at = abs(tau[j])
        sq = min(at, hn[i])
        for e in range(r):
            if rank[q] == 0:
                o = base[q] + e
                ll[e] = loglik[o]
                _gain_row(xn, Pn, (i, e), nu, S, PHt, (o,), L, w, A)
            else:
                ll[e] = _polar_innov_row(xn, Pn, (i, e), z, R, valid, sensor, j, tau[j], n,
                                         nu1, S1, PHt1, (), zhat, H, Lp, wp, dd, vs, HP, qidx,
                                         qcoef, qcount, e,
                                         qscale[i] if e == jq else 1.0, sq)[1]
                _gain_row(xn, Pn, (i, e), nu1, S1, PHt1, (), L, w, A)
        _mode_row(mun, i, ll, (), a)
        hn[i] = sq
    return xn, Pn, mun, hn


@numba.njit(cache=True)
def _rate_agrees(d, dt, r1, r2, ru, n, k, max_accel):
    # The two-point velocity d / dt agrees with the range rate seen along the line of sight
    # of candidate row ru (True if it has none): |u . d / dt - rr| <= k sqrt(var(rr) +
    # u' (R_1 + R_2) u / dt^2) + max_accel dt / 2. r1, r2: the rows of the two measurements.
    o = n + n * n
    rr = ru[o + 1 + n]
    if not np.isfinite(rr):
        return True
    inv = 1.0 / dt
    uRu = 0.0
    du = 0.0
    for a in range(n):
        ua = ru[o + 1 + a]
        du += d[a] * ua
        for b in range(n):
            uRu += ua * (r1[n + a * n + b] + r2[n + a * n + b]) * ru[o + 1 + b]
    s = math.sqrt(ru[o + 2 + n] + uRu * inv * inv)
    return abs(du * inv - rr) <= k * s + 0.5 * max_accel * dt


@numba.njit(cache=True, inline="always")
def _candidate_row(out, q, i, pos, cov, sensor, z, R, valid, tq, polar):
    # Row q of :func:`candidate_rows` from measurement row i at time tq.
    n = pos.shape[1]
    o = n + n * n
    var = 0.0
    for a in range(n):
        out[q, a] = pos[i, a]
        var += cov[i, a, a]
        for b in range(n):
            out[q, n + a * n + b] = cov[i, a, b]
    out[q, o] = var
    norm = 0.0
    if polar:
        for a in range(n):
            norm += (pos[i, a] - sensor[i, a]) ** 2
        norm = max(math.sqrt(norm), 1e-9)
    for a in range(n):
        out[q, o + 1 + a] = (pos[i, a] - sensor[i, a]) / norm if polar else 0.0
    out[q, o + 1 + n] = z[i, 3] if polar and valid[i, 3] else np.nan
    out[q, o + 2 + n] = R[i, 3, 3] if polar else 1.0
    out[q, o + 3 + n] = tq


@numba.njit(cache=True)
def candidate_rows(pos, cov, sensor, z, R, valid, t, polar):
    """Two-point initiation candidates of measurements, one row each (k, 2n + n^2 + 4):
    position (n), its covariance (n * n), the covariance's trace, the unit line of sight from
    the sensor (n; zeros if not ``polar``), the range rate (NaN where absent), its variance
    (1 if not polar) and the time."""
    k, n = pos.shape
    out = np.empty((k, 2 * n + n * n + 4))
    for q in range(k):
        _candidate_row(out, q, q, pos, cov, sensor, z, R, valid, t[q], polar)
    return out


@numba.njit(cache=True)
def candidate_rows_at(idx, pos, cov, sensor, z, R, valid, offset, time_s, polar):
    """:func:`candidate_rows` of measurement rows ``idx`` (p,) of the full arrays (k rows),
    gathered here: row ``idx[q]`` at time ``offset[idx[q]] + time_s`` (``time_s`` where
    ``offset`` is empty: no offsets), shape (p, 2n + n^2 + 4)."""
    n = pos.shape[1]
    out = np.empty((idx.shape[0], 2 * n + n * n + 4))
    timed = offset.shape[0] > 0
    for q in range(idx.shape[0]):
        i = idx[q]
        tq = offset[i] + time_s if timed else time_s
        _candidate_row(out, q, i, pos, cov, sensor, z, R, valid, tq, polar)
    return out


@numba.njit(cache=True)
def keep_candidates(c, cscan, new, scan, time_s, max_age):
    """Two-point candidates after a scan: those of ``c`` (nc, w) not older than ``max_age`` at
    ``time_s`` (their scans ``cscan``), then the rows ``new`` (km, w) of scan ``scan``.

    Returns the rows (n, w) and their scans (n,).
    """
    nc, w = c.shape
    km = new.shape[0]
    keep = np.empty(nc, np.bool_)
    n = km
    for q in range(nc):
        keep[q] = time_s - c[q, w - 1] <= max_age
        if keep[q]:
            n += 1
    out = np.empty((n, new.shape[1]))
    osc = np.empty(n, np.int64)
    p = 0
    for q in range(nc):
        if keep[q]:
            out[p] = c[q]
            osc[p] = cscan[q]
            p += 1
    for q in range(km):
        out[p] = new[q]
        osc[p] = scan
        p += 1
    return out, osc


@numba.njit(cache=True)
def pair_candidates(c, cscan, new, n, scan, max_speed, k, min_dt, max_accel):
    """Best candidate of each new measurement for two-point initiation.

    ``c`` (nc, w) and ``new`` (km, w) are rows of :func:`candidate_rows`. A pair passes when
    the candidate is of an earlier scan than ``scan``, at least ``min_dt`` older, within the
    velocity gate ``max_speed dt + k sqrt(var_1 + var_2)`` and its two-point velocity agrees
    with both range rates; each measurement keeps the passing candidate of least
    ``|z_2 - z_1| / gate`` (the first on ties).

    Returns ``ci, mj`` (p,), in increasing ``mj``.
    """
    w = c.shape[1]
    o = n + n * n
    nc = c.shape[0]
    km = new.shape[0]
    ci = np.empty(km, np.int64)
    mj = np.empty(km, np.int64)
    p = 0
    d = np.empty(n)
    for j in range(km):
        best = -1
        best_cost = np.inf
        for q in range(nc):
            if cscan[q] >= scan:
                continue
            dt = new[j, w - 1] - c[q, w - 1]
            if not dt >= min_dt:
                continue
            dist2 = 0.0
            for a in range(n):
                d[a] = new[j, a] - c[q, a]
                dist2 += d[a] * d[a]
            gate = max_speed * dt + k * math.sqrt(c[q, o] + new[j, o])
            if not dist2 <= gate * gate:
                continue
            if not (_rate_agrees(d, dt, c[q], new[j], new[j], n, k, max_accel)
                    and _rate_agrees(d, dt, c[q], new[j], c[q], n, k, max_accel)):
                continue
            cost = math.sqrt(dist2) / gate
            if cost < best_cost:
                best_cost = cost
                best = q
        if best >= 0:
            ci[p] = best
            mj[p] = j
            p += 1
    return ci[:p], mj[:p]


@numba.njit(cache=True, inline="always")
def _scan_candidates(new, c, cscan, n, scan, time_s, max_age, max_speed, k, min_dt, max_accel):
    # The scan's candidates once its new rows are built: those kept (keep_candidates) and
    # each new row's best earlier one (pair_candidates; none when there was no candidate).
    kept, kscan = keep_candidates(c, cscan, new, scan, time_s, max_age)
    if new.shape[0] and cscan.shape[0]:
        ci, mj = pair_candidates(kept, kscan, new, n, scan, max_speed, k, min_dt, max_accel)
    else:
        ci = np.zeros(0, np.int64)
        mj = np.zeros(0, np.int64)
    return new, kept, kscan, ci, mj


@numba.njit(cache=True)
def candidate_scan(pos, cov, sensor, z, R, valid, t, polar, c, cscan, scan, time_s, max_age,
                   max_speed, k, min_dt, max_accel):
    """One scan of two-point initiation's candidates in one call: the rows of the new
    measurements (:func:`candidate_rows`), the candidates kept after the scan
    (:func:`keep_candidates`) and each new measurement's best earlier candidate
    (:func:`pair_candidates`, none when there was no candidate before).

    Returns the new rows, the kept rows and their scans, and ``ci, mj``.
    """
    n = pos.shape[1]
    new = candidate_rows(pos, cov, sensor, z, R, valid, t, polar)
    return _scan_candidates(new, c, cscan, n, scan, time_s, max_age, max_speed, k, min_dt,
                            max_accel)


@numba.njit(cache=True)
def candidate_scan_at(idx, pos, cov, sensor, z, R, valid, offset, polar, c, cscan, scan, time_s,
                      max_age, max_speed, k, min_dt, max_accel):
    """:func:`candidate_scan` of measurement rows ``idx`` (p,) of the full arrays, gathered
    here (:func:`candidate_rows_at`; ``offset`` empty: no offsets), without taking the rows
    first; ``mj`` counts in ``idx``."""
    n = pos.shape[1]
    new = candidate_rows_at(idx, pos, cov, sensor, z, R, valid, offset, time_s, polar)
    return _scan_candidates(new, c, cscan, n, scan, time_s, max_age, max_speed, k, min_dt,
                            max_accel)


@numba.njit(cache=True)
def two_point_tracks(c1, c2, n, D):
    """States of tracks started on candidate rows ``c1`` and measurement rows ``c2`` (p, w)
    (:func:`candidate_rows`), at the second one's time.

    Position ``z_2``, velocity ``(z_2 - z_1) / dt``; ``P_pp = R_2``, ``P_pv = R_2 / dt``,
    ``P_vv = (R_1 + R_2) / dt^2``; a range rate of the second measurement then updates
    positions and velocities (range rate = ``u . v``, a linear update). Components after
    ``2n`` are left zero.

    Returns x (p, D), P (p, D, D).
    """
    p, w = c2.shape
    o = n + n * n
    x = np.zeros((p, D))
    P = np.zeros((p, D, D))
    m2 = 2 * n
    PHt = np.empty(m2)
    K = np.empty(m2)
    for q in range(p):
        dt = c2[q, w - 1] - c1[q, w - 1]
        inv = 1.0 / dt
        for a in range(n):
            x[q, a] = c2[q, a]
            x[q, n + a] = (c2[q, a] - c1[q, a]) * inv
            for b in range(n):
                r2 = c2[q, n + a * n + b]
                P[q, a, b] = r2
                P[q, a, n + b] = r2 * inv
                P[q, n + a, b] = r2 * inv
                P[q, n + a, n + b] = (c1[q, n + a * n + b] + r2) * (inv * inv)
        rr = c2[q, o + 1 + n]
        if np.isfinite(rr):
            u = c2[q, o + 1:o + 1 + n]
            for a in range(m2):
                acc = 0.0
                for b in range(n):
                    acc += P[q, a, n + b] * u[b]
                PHt[a] = acc
            S = c2[q, o + 2 + n]
            pred = 0.0
            for a in range(n):
                S += u[a] * PHt[n + a]
                pred += u[a] * x[q, n + a]
            nu = rr - pred
            for a in range(m2):
                K[a] = PHt[a] / S
            for a in range(m2):
                x[q, a] += K[a] * nu
                for b in range(m2):
                    P[q, a, b] -= S * K[a] * K[b]
    return x, P


@numba.njit(cache=True)
def shift_states(x, P, offset, n):
    """Move states measured at ``offset`` (their time minus the tracker's, s) to the tracker's
    time at constant velocity, in place: ``x = F(-tau) x``, ``P = F(-tau) P F(-tau)'`` with
    ``F(t) = [[I, t I], [0, I]]`` on the first ``2n`` components (rows first, then columns);
    nothing when every offset is 0.

    Parameters
    ----------
    x : ndarray of shape (p, D)
    P : ndarray of shape (p, D, D)
    offset : ndarray of shape (p,)
    n : int
        Spatial axes.
    """
    p, D = x.shape
    moved = False
    for q in range(p):
        moved = moved or offset[q] != 0.0
    if not moved:
        return
    for q in range(p):
        t = -offset[q]
        for a in range(n):
            x[q, a] += t * x[q, n + a]
        for a in range(n):
            for c in range(D):
                P[q, a, c] += t * P[q, n + a, c]
        for r in range(D):
            for a in range(n):
                P[q, r, a] += t * P[q, r, n + a]


@numba.njit(cache=True)
def two_point_loglik(c1, c2, n, sv):
    """Log-likelihood of each pair's ``z_2 - z_1`` under ``N(0, R_1 + R_2 + dt^2 sv^2 I)``
    (a track started on ``z_1`` with a velocity prior ``N(0, sv^2)`` per axis), rows of
    :func:`candidate_rows`, shape (p,)."""
    p, w = c2.shape
    out = np.empty(p)
    S = np.empty((n, n))
    L = np.zeros((n, n))
    d = np.empty(n)
    wv = np.empty(n)
    for q in range(p):
        dt = c2[q, w - 1] - c1[q, w - 1]
        for a in range(n):
            d[a] = c2[q, a] - c1[q, a]
            for b in range(n):
                S[a, b] = c1[q, n + a * n + b] + c2[q, n + a * n + b]
            S[a, a] += dt * dt * sv * sv
        out[q] = _stats_row(d, S, (), n, L, wv)[1]
    return out


# --------------------------------------------------------------------------------------------
# Association


@numba.njit(cache=True)
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@numba.njit(cache=True)
def cluster_labels(ti, mj, m, k):
    """Connected components of the bipartite graph of pairs (track ``ti``, measurement ``mj``).

    Returns the label of each of the m tracks then k measurements (m + k,), numbered in the
    order of each component's first node, and the number of components.
    """
    N = m + k
    parent = np.arange(N)
    for q in range(ti.shape[0]):
        a = _find(parent, ti[q])
        b = _find(parent, m + mj[q])
        if a != b:
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
    labels = np.empty(N, np.int64)
    root_label = np.full(N, -1)
    n = 0
    for v in range(N):
        r = _find(parent, v)
        if root_label[r] < 0:
            root_label[r] = n
            n += 1
        labels[v] = root_label[r]
    return labels, n


@numba.njit(cache=True)
def assignment_clusters(ti, mj, g, m, k):
    """Split the best-assignment problem of pairs with gain ``g`` > 0 into clusters.

    Clusters (connected components of the kept pairs) with one track or one measurement take
    their best pair (the first on ties); the others are returned for an exact solver.

    Returns
    -------
    chosen : ndarray of int
        Pairs chosen in the simple clusters, increasing.
    conflicted : ndarray of int
        Pairs of the other clusters, grouped by cluster (increasing within a cluster).
    bounds : ndarray of int
        Start of each conflicted cluster in ``conflicted``, then its length.
    """
    p = ti.shape[0]
    keep = np.empty(p, np.int64)
    nk = 0
    for q in range(p):
        if g[q] > 0:
            keep[nk] = q
            nk += 1
    keep = keep[:nk]
    labels, n = cluster_labels(ti[keep], mj[keep], m, k)
    ntr = np.zeros(n, np.int64)
    nme = np.zeros(n, np.int64)
    seen = np.zeros(m + k, np.bool_)
    best = np.full(n, -1)
    npairs = np.zeros(n, np.int64)
    for q in keep:
        c = labels[ti[q]]
        npairs[c] += 1
        if not seen[ti[q]]:
            seen[ti[q]] = True
            ntr[c] += 1
        if not seen[m + mj[q]]:
            seen[m + mj[q]] = True
            nme[c] += 1
        if best[c] < 0 or g[q] > g[best[c]]:
            best[c] = q
    chosen = np.empty(nk, np.int64)
    nc = 0
    start = np.zeros(n + 1, np.int64)
    for c in range(n):
        hard = ntr[c] > 1 and nme[c] > 1
        start[c + 1] = start[c] + (npairs[c] if hard else 0)
    conflicted = np.empty(start[n], np.int64)
    fill = start[:n].copy()
    for q in keep:
        c = labels[ti[q]]
        if ntr[c] > 1 and nme[c] > 1:
            conflicted[fill[c]] = q
            fill[c] += 1
        elif best[c] == q:
            chosen[nc] = q
            nc += 1
    nb = 0
    for c in range(n):
        if start[c + 1] > start[c]:
            nb += 1
    bounds = np.empty(nb + 1 if nb else 0, np.int64)
    b = 0
    for c in range(n):
        if start[c + 1] > start[c]:
            bounds[b] = start[c]
            b += 1
    if nb:
        bounds[nb] = start[n]
    return chosen[:nc], conflicted, bounds


@numba.njit(cache=True)
def update_sequence(sel, ti_all, mj_all, g, when, m, k, miss_llr):
    """Bookkeeping of a multi-radar assignment: the chosen pairs ``sel`` ordered by track, then
    by measurement time ``when`` (stable), with each pair's rank among its track's pairs.

    Returns
    -------
    sel, ti, mj, rank : ndarray of shape (p,), int
        The chosen pairs in update order, their tracks, measurements and ranks.
    llr : ndarray of shape (m,)
        ``miss_llr`` plus the best gain ``g`` among each track's chosen pairs (0 if none).
    hit : ndarray of shape (m,), bool
    used : ndarray of shape (k,), bool
        Measurements in any pair of ``mj_all``.
    last : ndarray of shape (m,), int
        Each track's latest measurement (-1 if none).
    assigned : ndarray of shape (k,), bool
    """
    p = sel.shape[0]
    w = np.empty(p)
    for q in range(p):
        w[q] = when[mj_all[sel[q]]]
    o1 = np.argsort(w, kind="mergesort")
    t1 = np.empty(p, np.int64)
    for q in range(p):
        t1[q] = ti_all[sel[o1[q]]]
    o2 = np.argsort(t1, kind="mergesort")
    out = np.empty(p, np.int64)
    ti = np.empty(p, np.int64)
    mj = np.empty(p, np.int64)
    rank = np.empty(p, np.int64)
    best = np.zeros(m)
    hit = np.zeros(m, np.bool_)
    last = np.full(m, -1)
    assigned = np.zeros(k, np.bool_)
    for q in range(p):
        s = sel[o1[o2[q]]]
        out[q] = s
        ti[q] = ti_all[s]
        mj[q] = mj_all[s]
        rank[q] = rank[q - 1] + 1 if q > 0 and ti[q] == ti[q - 1] else 0
        best[ti[q]] = max(best[ti[q]], g[s])
        hit[ti[q]] = True
        last[ti[q]] = mj[q]
        assigned[mj[q]] = True
    used = np.zeros(k, np.bool_)
    for q in range(mj_all.shape[0]):
        used[mj_all[q]] = True
    for i in range(m):
        best[i] += miss_llr
    return out, ti, mj, rank, best, hit, used, last, assigned


@numba.njit(cache=True)
def assign_sequence(sensor, nsensors, ti, mj, g, when, m, k, miss_llr):
    """Multi-radar assignment and its update order in one call.

    The assignment's rows are (track, radar) pairs ``ti * nsensors + sensor[mj]``, split by
    :func:`assignment_clusters`; when no cluster is conflicted, its pairs go through
    :func:`update_sequence` (arguments ``ti .. miss_llr`` as there).

    Returns
    -------
    done : bool
        False when some cluster needs an exact solver: then ``seq`` is that of no pair.
    rows : ndarray of shape (p,), int
        Assignment row of each pair.
    chosen, conflicted, bounds
        As :func:`assignment_clusters`.
    seq : tuple
        The outputs of :func:`update_sequence`.
    """
    p = ti.shape[0]
    rows = np.empty(p, np.int64)
    for q in range(p):
        rows[q] = ti[q] * nsensors + sensor[mj[q]]
    chosen, conflicted, bounds = assignment_clusters(rows, mj, g, m * nsensors, k)
    done = bounds.shape[0] == 0
    seq = update_sequence(chosen if done else chosen[:0], ti, mj, g, when, m, k, miss_llr)
    return done, rows, chosen, conflicted, bounds, seq


@numba.njit(cache=True)
def imm_update(x, P, mu, ti, nu, S, PHt, loglik, sel):
    """IMM update of the tracks ``ti`` (each at most once), on copies of the states.

    Every model of track ``ti[q]`` takes the Kalman update of innovation row
    ``sel[q * r + j]`` (j the model), and its model probabilities the likelihoods of those rows.

    Parameters
    ----------
    x : ndarray of shape (m, r, d)
    P : ndarray of shape (m, r, d, d)
    mu : ndarray of shape (m, r)
    ti : ndarray of shape (p,), int
    nu, S, PHt, loglik : innovation rows, shapes (n, k), (n, k, k), (n, d, k), (n,)
    sel : ndarray of shape (p * r,), int

    Returns
    -------
    x, P, mu : the updated copies
    """
    m, r, d = x.shape
    p = ti.shape[0]
    xn = x.copy()
    Pn = P.copy()
    mun = mu.copy()
    rows = np.empty(p * r, np.int64)
    ll = np.empty((p, r))
    for q in range(p):
        for j in range(r):
            rows[q * r + j] = ti[q] * r + j
            ll[q, j] = loglik[sel[q * r + j]]
    gain_update(xn.reshape(m * r, d), Pn.reshape(m * r, d, d), rows, nu, S, PHt, sel)
    imm_mode_update(mun, ti, ll)
    return xn, Pn, mun


# --------------------------------------------------------------------------------------------
# Tracker bookkeeping


@numba.njit(cache=True)
def unique_inverse(a):
    """Sorted distinct values of the int array ``a`` and the index of each element among them
    (``np.unique(a, return_inverse=True)``)."""
    k = a.shape[0]
    o = np.argsort(a, kind="mergesort")
    inv = np.empty(k, np.int64)
    uniq = np.empty(k, a.dtype)
    n = 0
    for q in range(k):
        v = a[o[q]]
        if n == 0 or v != uniq[n - 1]:
            uniq[n] = v
            n += 1
        inv[o[q]] = n - 1
    return uniq[:n], inv


@numba.njit(cache=True)
def picture(x, P, sel):
    """Components ``sel`` of the means (m, d) and covariances (m, d, d) (zeros where ``sel``
    is -1), shapes (m, s) and (m, s, s), and whether each track's mean and covariance are
    finite (m,)."""
    m, d = x.shape
    ns = sel.shape[0]
    X = np.zeros((m, ns))
    PP = np.zeros((m, ns, ns))
    finite = np.ones(m, np.bool_)
    for i in range(m):
        ok = True
        for a in range(d):
            if not np.isfinite(x[i, a]):
                ok = False
            for b in range(d):
                if not np.isfinite(P[i, a, b]):
                    ok = False
        finite[i] = ok
        for a in range(ns):
            if sel[a] < 0:
                continue
            X[i, a] = x[i, sel[a]]
            for b in range(ns):
                if sel[b] >= 0:
                    PP[i, a, b] = P[i, sel[a], sel[b]]
    return X, PP, finite


@numba.njit(cache=True)
def _popcount(v):
    c = 0
    while v:
        v &= v - 1
        c += 1
    return c


@numba.njit(cache=True)
def record_scan(history, scans, misses, quality, truth_id, score, confirmed, confirm_time, hit,
                truth, llr, N, M, alpha, confirm_llr, time_s, scanned, drop, pd_look, ln_pd):
    """One scan of M-of-N bookkeeping for the first ``len(hit)`` tracks, in place; returns the
    newly confirmed mask. ``truth`` (q,) or empty (not recorded); ``confirm_llr`` NaN: no
    score rule; ``scanned`` (q,) or empty (all): tracks whose scan is recorded, the others are
    left as they are. ``pd_look`` (q,) or empty (no deletion score): the predicted detection
    probability ``p`` of each track's look; the drop of its deletion score below its peak,
    ``drop`` (m,), grows by ``-ln(1 - p)`` on a miss and falls (not below 0) by the hit's gain
    ``llr - ln_pd + ln(p)`` on a hit (``llr`` holds ``ln(Pd_design) + loglik - ln(lambda)``,
    ``ln_pd`` is ``ln(Pd_design)``)."""
    q = hit.shape[0]
    mask = (1 << N) - 1
    new = np.zeros(q, np.bool_)
    every = scanned.shape[0] == 0
    for i in range(q):
        if not (every or scanned[i]):
            continue
        h = 1 if hit[i] else 0
        history[i] = ((history[i] << 1) | h) & mask
        scans[i] += 1
        misses[i] = 0 if h else misses[i] + 1
        quality[i] = (1 - alpha) * quality[i] + alpha * h
        if h and truth.shape[0]:
            truth_id[i] = truth[i]
        score[i] += llr[i]
        if pd_look.shape[0]:
            if h:
                drop[i] = max(0.0, drop[i] - (llr[i] - ln_pd + math.log(pd_look[i])))
            else:
                drop[i] -= math.log1p(-pd_look[i])
        ok = not confirmed[i] and _popcount(history[i]) >= M
        if ok and not np.isnan(confirm_llr):
            ok = score[i] >= confirm_llr
        if ok:
            confirmed[i] = True
            confirm_time[i] = time_s
            new[i] = True
    return new


@numba.njit(cache=True)
def born_tracks(ago, score, N, M, confirm_llr):
    """M-of-N state of tracks born with a hit, their first one ``ago`` (k,) scans before (0:
    none), with initial scores ``score`` (k,): hit histories, scan counts and whether each is
    born confirmed (M hits in its window and, unless ``confirm_llr`` is NaN, the score; always
    when M is 1)."""
    k = ago.shape[0]
    hist = np.ones(k, np.int64)
    scans = np.ones(k, np.int64)
    conf = np.empty(k, np.bool_)
    for i in range(k):
        if ago[i] < N:
            hist[i] |= 1 << max(ago[i], 0)
            scans[i] += ago[i]
        ok = _popcount(hist[i]) >= M
        if not np.isnan(confirm_llr):
            ok = ok and score[i] >= confirm_llr
        conf[i] = ok or M == 1
    return hist, scans, conf


SNR_FLOOR = 1.0
"""Least mean SNR a track's detections give, linear (0 dB). :func:`swerling1_snr` averaged can
fall to 0 or below (a faint target, or noise); one detection's estimate scatters by ``1 + S``
(>= 1), so a mean below 0 dB is not told apart from noise-like detections. Believing it
(``Pd ~ Pfa``) would make misses free and a hit cost ``ln(Pfa / pd)`` (-13.7 nats at 1e-6):
the track's next hit deletes it (full mode, floor 1e-3: 37 % more confirmed starts per drone
in example 2, 18 % in example 1). At 0 dB a hit costs at most ``ln(Pfa^(1/2) / pd)``."""


def swerling1_snr(det, threshold):
    """Unbiased estimate of a Swerling-1 target's mean SNR from one detection, (k,) each.

    ``det`` is the detection's square-law detector output ``z = |s + n|^2`` (noise powers;
    ``s ~ CN(0, S)``, ``n ~ CN(0, 1)``), reported because it crossed ``threshold`` ``T``.
    ``z`` is exponential with mean ``1 + S``; memoryless, so ``E[z | z > T] = T + 1 + S``:
    the estimate is ``z - T - 1`` (may be negative; linear, so a mean of estimates is the
    estimate of the mean detector output; clip the mean, e.g. at :data:`SNR_FLOOR`).
    """
    return np.asarray(det, np.float64) - np.asarray(threshold, np.float64) - 1.0


@numba.njit(cache=True)
def _look_pd(pos, enu, k, pfa):
    """Swerling-1 Pd ``Pfa^(1 / (1 + S))`` of a look from a radar at ``enu`` at a target at
    ``pos`` whose ``S R^4`` (at least 1 m from the radar) is ``k``."""
    d2 = 0.0
    for a in range(3):
        e = pos[a] - enu[a]
        d2 += e * e
    d2 = max(d2, 1.0)
    snr = max(k / (d2 * d2), 0.0)
    return math.exp(math.log(pfa) / (1.0 + snr))


@numba.njit(cache=True)
def look_pds(pos, looked, snr_ref, ref_n, ref_range, ref_enu, ref_pfa, ref_sensor, radar_c,
             radar_enu, radar_pfa, pd, radar_k, radar_n):
    """:meth:`airdefense.tracking.management.TrackManager.look_pd` of the first q tracks:
    ``pos`` (q, 3) predicted positions; ``looked`` (q, s) the radars that looked at each
    track, or (0, 0): the track's own radar; the tracks' SNR tables (``snr_ref`` S R^4,
    ``ref_n``, ``ref_range``, ``ref_enu`` (m, 3), ``ref_pfa``, ``ref_sensor``; per radar of
    the table ``radar_k`` (m, t) S R^4 and ``radar_n`` (m, t) its detections); the radars'
    radar-equation constants ``radar_c`` (t,) (``SNR = c rcs / R^4``), antenna positions
    ``radar_enu`` (t, 3) and Pfa ``radar_pfa`` (t,) (t may be 0); ``pd`` the cap of a step's
    Pd and its value without SNR. A look by radar ``r`` of the table that has detected the
    track sees its own ``S R^4`` (``radar_k``); one that has not, ``S R^4 c_r / c_o`` of the
    own radar ``o`` (the last to detect it); both from ``radar_enu[r]`` at ``radar_pfa[r]``
    (the first with its ``S`` at least :data:`SNR_FLOOR` at the look's range);
    any other look is taken as the own radar's. Several radars: ``min(pd, max p_r)``; none:
    the own radar's look. The Swerling-1 law ``Pd = exp(-T / (1 + S'))``, ``T = -ln Pfa`` (as
    :func:`airdefense.sensors.detection.pd_swerling`), one track at a time (a step's handful
    of tracks: NumPy's per-call overhead was most of the cost)."""
    q = pos.shape[0]
    t = radar_c.shape[0]
    per = looked.shape[0] > 0
    out = np.empty(q)
    for i in range(q):
        k = 0.0
        if ref_n[i] > 0:
            k = _floored(snr_ref[i], ref_range[i])
        o = ref_sensor[i]
        miss = 1.0  # of the best look
        any_look = False
        if per:
            for j in range(looked.shape[1]):
                if not looked[i, j]:
                    continue
                any_look = True
                if ref_n[i] <= 0:
                    p = pd
                elif j < t and radar_n[i, j] > 0:  # floored at the look's range
                    p = _look_pd(pos[i], radar_enu[j],
                                 _floored(radar_k[i, j], _distance(pos[i], radar_enu[j])),
                                 radar_pfa[j])
                elif j != o and 0 <= o < t and j < t:
                    p = _look_pd(pos[i], radar_enu[j], k * (radar_c[j] / radar_c[o]),
                                 radar_pfa[j])
                else:
                    p = _look_pd(pos[i], ref_enu[i], k, ref_pfa[i])
                miss = min(miss, 1.0 - p)
        if any_look:
            out[i] = min(1.0 - miss, pd)
        elif ref_n[i] <= 0:
            out[i] = pd
        else:
            out[i] = min(_look_pd(pos[i], ref_enu[i], k, ref_pfa[i]), pd)
    return out


@numba.njit(cache=True)
def _distance(a, b):
    """Distance between the 3-D points ``a`` and ``b``, at least 1 m."""
    d2 = 0.0
    for x in range(3):
        e = a[x] - b[x]
        d2 += e * e
    return max(math.sqrt(d2), 1.0)


@numba.njit(cache=True)
def _floored(k, r):
    """``S R^4`` ``k`` with ``S`` at ``R = r`` at least :data:`SNR_FLOOR`."""
    r2 = r * r
    r4 = r2 * r2
    return max(k / r4, SNR_FLOOR) * r4


#: Detections in a track's running mean of ``S R^4`` (per radar): one Swerling-1 detection's
#: estimate scatters by ``1 + S`` (its own size), the mean of ``n`` by ``(1 + S) / sqrt(n)``.
SNR_MEMORY = 16


@numba.njit(cache=True)
def snr_detected(tracks, det_db, r, enu, pfa, sensor, snr_ref, ref_n, ref_range, ref_enu,
                 ref_pfa, ref_sensor, radar_k, radar_n):
    """:meth:`airdefense.tracking.management.TrackManager.detected` on its tables, in place:
    tracks ``tracks`` (p,) (distinct) detected with detector outputs ``det_db`` (p,) dB at
    ranges ``r`` (p,) m from radars ``sensor`` (p,) at ``enu`` (p, 3) of false-alarm
    probability ``pfa`` (p,). ``S R^4`` (S from :func:`swerling1_snr`) enters a running mean
    over the last :data:`SNR_MEMORY` detections while the same radar detects the track, and
    restarts it when another does; a radar of the table (``sensor < radar_k.shape[1]``) also
    keeps its own running mean in ``radar_k``/``radar_n`` (m, t), which other radars'
    detections leave as it is. A non-finite estimate leaves the track as it is."""
    t = radar_k.shape[1]
    w = 1.0 / SNR_MEMORY
    for q in range(tracks.size):
        r2 = r[q] * r[q]
        k = (10.0 ** (det_db[q] / 10.0) + math.log(pfa[q]) - 1.0) * (r2 * r2)
        if not math.isfinite(k):
            continue
        tr = tracks[q]
        same = ref_n[tr] > 0
        for a in range(3):
            same = same and ref_enu[tr, a] == enu[q, a]
        n = ref_n[tr] + 1 if same else 1
        if same:
            snr_ref[tr] = snr_ref[tr] + max(1.0 / n, w) * (k - snr_ref[tr])
        else:
            snr_ref[tr] = k
        ref_n[tr] = n
        ref_range[tr] = r[q]
        for a in range(3):
            ref_enu[tr, a] = enu[q, a]
        ref_pfa[tr] = pfa[q]
        ref_sensor[tr] = sensor[q]
        j = sensor[q]
        if 0 <= j < t:
            nj = radar_n[tr, j] + 1
            radar_k[tr, j] = radar_k[tr, j] + max(1.0 / nj, w) * (k - radar_k[tr, j])
            radar_n[tr, j] = nj


@numba.njit(cache=True)
def snr_detected_at(tracks, rows, snr_db, rng, ridx, enu, sensor, pfa, snr_ref, ref_n,
                    ref_range, ref_enu, ref_pfa, ref_sensor, radar_k, radar_n):
    """:func:`snr_detected` of tracks ``tracks`` (p,) detected by measurement rows ``rows``
    (p,) of the full arrays, gathered here: detector outputs ``snr_db[rows]``, radar positions
    ``enu[rows]``, radars ``sensor[rows]``, ranges ``max(rng[ridx, 0], 1)`` (``ridx`` (p,):
    ``rows`` for polar ranges ``rng = z``, else ``0..p-1`` of ranges computed apart) and
    false-alarm probabilities ``pfa[min(sensor, pfa.size - 1)]`` (the last for radars past
    the end)."""
    p = tracks.shape[0]
    det = np.empty(p)
    r = np.empty(p)
    e = np.empty((p, 3))
    pf = np.empty(p)
    s = np.empty(p, np.int64)
    npf = pfa.shape[0]
    for q in range(p):
        i = rows[q]
        det[q] = snr_db[i]
        rq = rng[ridx[q], 0]
        r[q] = 1.0 if rq < 1.0 else rq  # (np.maximum: NaN stays NaN)
        for a in range(3):
            e[q, a] = enu[i, a]
        s[q] = sensor[i]
        j = min(s[q], npf - 1)
        pf[q] = pfa[j + npf if j < 0 else j]  # (a negative index counts from the end)
    snr_detected(tracks, det, r, e, pf, s, snr_ref, ref_n, ref_range, ref_enu, ref_pfa,
                 ref_sensor, radar_k, radar_n)


@numba.njit(cache=True)
def doomed_tracks(history, scans, misses, confirmed, P, n, N, M, delete_misses, max_sigma,
                  last_hit_s, time_s, max_coast_s, drop, delete_llr):
    """Tracks to delete (m,): tentative ones that can no longer reach M hits in their window,
    confirmed ones with ``delete_misses`` misses in a row (``delete_llr`` NaN) or whose
    deletion score has dropped ``delete_llr`` below its peak (``drop`` (m,)), those whose
    position sigma
    (square root of the trace of the first ``n`` axes' covariance) exceeds ``max_sigma``, and
    those whose last hit (``last_hit_s`` (m,)) is more than ``max_coast_s`` before ``time_s``."""
    m = history.shape[0]
    out = np.empty(m, np.bool_)
    for i in range(m):
        if time_s - last_hit_s[i] > max_coast_s:
            out[i] = True
            continue
        left = max(N - scans[i], 0)
        tr = 0.0
        for a in range(n):
            tr += P[i, a, a]
        if confirmed[i]:
            if np.isnan(delete_llr):
                out[i] = misses[i] >= delete_misses
            else:
                out[i] = drop[i] >= delete_llr
        else:
            out[i] = _popcount(history[i]) + left < M
        out[i] = out[i] or math.sqrt(tr) > max_sigma
    return out


@numba.njit(cache=True)
def popcount(a):
    """Number of set bits of each element of the int array ``a``."""
    out = np.empty(a.shape[0], np.int64)
    for i in range(a.shape[0]):
        out[i] = _popcount(a[i])
    return out


# -- truth tracker (tracking/truth.py) ---------------------------------------------------


@numba.njit(cache=True)
def truth_take_detections(tid, z, R, time_s, hits, sigma_m, last_seen, track_of, confirm_hits,
                          fresh):
    """Count detections, set each detected threat's error scale, list threats to confirm.

    ``tid`` (k,) threat ids (rows with ``tid < 0``, false alarms, are skipped), ``z`` (k, 4),
    ``R`` (k, 4, 4), ``time_s`` (k,); updates ``hits``, ``sigma_m`` (n, 2), ``last_seen`` in
    place. Writes the increasing ids of threats without a track that reach ``confirm_hits``
    into the first entries of ``fresh`` (n,) and returns their number.

    :func:`truth_take_rows` of the range ``z[:, 0]`` and the variances ``R[:, a, a]``.
    """
    return truth_take_rows(tid, z[:, 0], R[:, 0, 0], R[:, 1, 1], R[:, 2, 2], time_s, hits,
                           sigma_m, last_seen, track_of, confirm_hits, fresh)


@numba.njit(cache=True)
def truth_take_rows(tid, range_m, var_range, var_az, var_el, time_s, hits, sigma_m, last_seen,
                    track_of, confirm_hits, fresh):
    """:func:`truth_take_detections` from the columns it reads, each (k,): measured range (m)
    and the variances of range (m^2), azimuth and elevation (rad^2)."""
    for r in range(tid.size):
        if tid[r] >= 0:
            hits[tid[r]] += 1
    # The smallest scales of each detected threat's rows, into sigma_m (from inf).
    for r in range(tid.size):
        k = tid[r]
        if k >= 0:
            sigma_m[k, 0] = np.inf
            sigma_m[k, 1] = np.inf
    for r in range(tid.size):
        k = tid[r]
        if k < 0:
            continue
        sr = np.sqrt(var_range[r])
        shrink = np.sqrt(min(hits[k], 10))
        sigma_m[k, 0] = min(sigma_m[k, 0], max(sr, range_m[r] * np.sqrt(var_az[r])) / shrink)
        sigma_m[k, 1] = min(sigma_m[k, 1], max(sr, range_m[r] * np.sqrt(var_el[r])) / shrink)
        last_seen[k] = max(last_seen[k], time_s[r])
    q = 0
    for r in range(tid.size):
        k = tid[r]
        if k < 0 or not (track_of[k] < 0 and hits[k] >= confirm_hits):
            continue
        b = q  # insert k in increasing order, once
        while b > 0 and fresh[b - 1] > k:
            b -= 1
        if b > 0 and fresh[b - 1] == k:
            continue
        for e in range(q, b, -1):
            fresh[e] = fresh[e - 1]
        fresh[b] = k
        q += 1
    return q


@numba.njit(cache=True)
def truth_keep_tracks(time_s, last_seen, drop_after_s, alive, track_of, hits):
    """Drop the tracks of threats unseen for ``drop_after_s`` or no longer ``alive``.

    Updates ``track_of`` (-1: no track) and ``hits`` (0 once dropped, and for a threat without
    a track once its detections are ``drop_after_s`` old: the hits that confirm a track come
    within that time of each other) in place; returns the threats that keep a track, in
    increasing order.
    """
    n = track_of.size
    m = 0
    for i in range(n):
        stale = (time_s - last_seen[i]) > drop_after_s
        if track_of[i] >= 0 and (stale or not alive[i]):
            track_of[i] = -1
            hits[i] = 0
        elif track_of[i] < 0 and stale:
            hits[i] = 0
        if track_of[i] >= 0:
            m += 1
    keep = np.empty(m, np.int64)
    m = 0
    for i in range(n):
        if track_of[i] >= 0:
            keep[m] = i
            m += 1
    return keep


@numba.njit(cache=True)
def truth_picture(states, idx, err, sigma_m, vel_sigma, track_of, pic, off):
    """The picture of threats ``idx`` (m,) into rows ``off`` to ``off + m`` of the picture's
    buffer ``pic`` (45 r,) float64 for r rows: estimates ``x`` (r, 6), covariances ``P``
    (r, 6, 6) (each block written whole), ``quality`` (r,), then (the same bytes as int64)
    the track ids from ``track_of`` (r,) and the threats ``idx`` (r,). Returns ``m``; raises
    ``ValueError`` when the rows do not fit."""
    m = idx.size
    rows = pic.size // 45
    if pic.size != 45 * rows or off < 0 or off + m > rows:
        raise ValueError("truth_picture: the picture's rows do not fit its buffer")
    x = pic[:6 * rows].reshape((rows, 6))
    P = pic[6 * rows:42 * rows].reshape((rows, 6, 6))
    quality = pic[42 * rows:43 * rows]
    pid = pic[43 * rows:].view(np.int64).reshape((2, rows))
    for r in range(m):
        k = idx[r]
        o = off + r
        for a in range(6):
            for b in range(6):
                P[o, a, b] = 0.0
        for a in range(3):
            s = sigma_m[k, 0] if a < 2 else sigma_m[k, 1]
            x[o, a] = states[k, a] + err[k, a] * s
            x[o, 3 + a] = states[k, 3 + a] + err[k, 3 + a] * vel_sigma
            P[o, a, a] = s * s
            P[o, 3 + a, 3 + a] = vel_sigma * vel_sigma
        quality[o] = min(max(1.0 - sigma_m[k, 0] / 1000.0, 0.0), 1.0)
        pid[0, o] = track_of[k]
        pid[1, o] = k
    return m


@numba.njit(cache=True)
def truth_step(time_s, rho, c, tf, ti, tid, z, R, det_time, confirm_hits, drop_after_s, alive,
               states, vel_sigma, pic, off):
    """One step of the truth tracker: the error process, the detections, the tracks kept.

    The tracker's state comes in two arrays (:meth:`TruthTracker._bind
    <airdefense.tracking.truth.TruthTracker._bind>`) for n threats: floats ``tf`` (9 n,) =
    ``err`` (n, 6), ``sigma_m`` (n, 2), ``last_seen`` (n,); integers ``ti`` (4 n + 6,) =
    ``hits``, ``track_of``, ``last_id``, ``fresh`` (each (n,)), ``ids`` (1,) and the
    :func:`~airdefense.sensors._kernels.generator_pointers` of the caller's generator (5, as
    int64 bits).

    ``err`` of the ``alive`` threats becomes ``rho * err + c * noise`` in place, ``noise`` the
    standard normals ``rng.standard_normal((a, 6))`` would give for the ``a`` alive threats,
    drawn here from the caller's generator through its pointers (in row-major order over the
    alive rows: numba's ``standard_normal`` gives NumPy's numbers and leaves the generator in
    NumPy's state, tested); the other rows keep their error. Detections (k,) go to
    :func:`truth_take_detections` (false alarms, ``tid < 0``, are skipped); threats reaching
    confirmation get their id in ``track_of``: the one they had before (``last_id``, -1: none;
    a perfect tracker knows the threat again) or the next free one from ``ids[0]`` (advanced in
    place); their threat ids are the first entries of ``fresh``; then
    :func:`truth_keep_tracks`, and :func:`truth_picture` of ``states`` (n, 6) into the rows
    from ``off`` of the picture's buffer ``pic`` (see
    :meth:`TruthTracker._picture <airdefense.tracking.truth.TruthTracker._picture>`).

    Returns (number of tracks m, number of new tracks).
    """
    return truth_step_rows(time_s, rho, c, tf, ti, tid, z[:, 0], R[:, 0, 0], R[:, 1, 1],
                           R[:, 2, 2], det_time, confirm_hits, drop_after_s, alive, states,
                           vel_sigma, pic, off)


@numba.njit(cache=True)
def truth_step_rows(time_s, rho, c, tf, ti, tid, range_m, var_range, var_az, var_el, det_time,
                    confirm_hits, drop_after_s, alive, states, vel_sigma, pic, off):
    """:func:`truth_step` with the detections' columns it reads, each (k,) (see
    :func:`truth_take_rows`)."""
    n = tf.size // 9
    err = tf[:6 * n].reshape((n, 6))
    sigma_m = tf[6 * n:8 * n].reshape((n, 2))
    last_seen = tf[8 * n:]
    hits = ti[:n]
    track_of = ti[n:2 * n]
    last_id = ti[2 * n:3 * n]
    fresh = ti[3 * n:4 * n]
    next_id = ti[4 * n:4 * n + 1]
    bits = _generator(ti[4 * n + 1:4 * n + 6].view(np.uintp)).bit_generator
    for k in range(n):
        if alive[k]:  # a threat not in flight keeps its error (stationary: see TruthTracker)
            for a in range(6):
                err[k, a] = rho * err[k, a] + c * _standard_normal(bits)
    n_fresh = truth_take_rows(tid, range_m, var_range, var_az, var_el, det_time, hits, sigma_m,
                              last_seen, track_of, confirm_hits, fresh)
    for q in range(n_fresh):
        k = fresh[q]
        if last_id[k] >= 0:
            track_of[k] = last_id[k]
        else:
            track_of[k] = next_id[0]
            last_id[k] = next_id[0]
            next_id[0] += 1
    idx = truth_keep_tracks(time_s, last_seen, drop_after_s, alive, track_of, hits)
    m = truth_picture(states, idx, err, sigma_m, vel_sigma, track_of, pic, off)
    return m, n_fresh
