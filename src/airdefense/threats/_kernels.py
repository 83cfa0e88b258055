"""Compiled kernels of the truth trajectories: route flights, Hermite samples, ballistic weave,
the ballistic free flight (gravity, drag, guided lift).

The loop asks for the truth states of every threat at a couple of thousand fresh instants per
replication, over tens of threats: NumPy's per-call overhead, not arithmetic, set the cost of the
vectorised form. These kernels loop over the threats in compiled code and write each threat's
state straight into its row of the caller's output. No fastmath and no parallelism, and every
sum runs in a fixed order, so a result is the same bits in every process.

Layouts (n threats):

* piecewise quadratic (:class:`~airdefense.threats._route.PiecewiseQuadratic`): ``breaks``
  (n, p - 1), the piece starts after the first, sorted per row; ``coef`` (n, p, 4), per piece
  its start, value, slope and second derivative there.
* route geometry (:class:`~airdefense.threats._route.RouteGeometry`): ``packed`` (n, S, 6), per
  segment its start distance, start point (2), unit direction (2) and signed curvature.
* ground (terrain-following): ``gs`` (n, M) heights of the reference surface at spacing ``gds``
  (n,) along the path; ``M = 0`` for none.
* Hermite samples (:class:`~airdefense.threats.sampled.HermiteTrajectory`): ``pos``, ``vel``
  (n, k, 3) on uniform grids from ``t0`` with spacing ``dt``, ``count`` valid samples per row.

Each ``*_states`` kernel (one instant, ``out`` (N, 6)) has a ``*_states_many`` twin (instants
``ts`` (K,), ``out`` (K, N, 6)) that calls it once per instant inside compiled code, so a batch
of instants costs one dispatch and gives the same bits as K single calls.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_EPS_SINC = float(np.finfo(float).eps)  # numpy.sinc's stand-in for a zero argument


# ---------------------------------------------------------------------------- route flights


@njit(cache=True)
def _clamp(t, lo, hi):
    """``t`` held inside ``[lo, hi]`` (NaN stays NaN)."""
    if t < lo:
        return lo
    if t > hi:
        return hi
    return t


@njit(cache=True)
def _pq(x, row, breaks, coef):
    """Value and derivative of row ``row`` of a piecewise quadratic at ``x``.

    The piece is the count of the row's breaks at or below ``x`` (none for a NaN ``x``),
    found by bisection: the breaks are sorted per row (NaN last, counting never)."""
    lo = 0
    hi = breaks.shape[1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if breaks[row, mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    dx = x - coef[row, lo, 0]
    c2 = coef[row, lo, 2]
    c3 = coef[row, lo, 3]
    return coef[row, lo, 1] + dx * (c2 + 0.5 * c3 * dx), c2 + c3 * dx


@njit(cache=True)
def _segment(s, row, packed):
    """Index of the segment of row ``row`` that holds path distance ``s``."""
    seg = 0
    for j in range(1, packed.shape[1]):
        if packed[row, j, 0] <= s:
            seg += 1
    return seg


@njit(cache=True)
def _geo_at(s, row, seg, packed):
    """Point (2) and unit tangent (2) of row ``row`` at path distance ``s`` on segment ``seg``."""
    g = packed[row, seg]
    sig = s - g[0]
    k = g[5]
    a = k * sig
    if a == 0.0:  # a straight leg: cos(+-0) = 1 and sin(+-0) = +-0 exactly, without the calls
        ca = 1.0
        sa = a
    else:
        ca = math.cos(a)
        sa = math.sin(a)
    if k == 0.0:
        along = sig
        side = 0.0
    else:
        along = sa / k
        side = (1.0 - ca) / k
    dx = g[3]
    dy = g[4]
    return (g[1] + along * dx - side * dy, g[2] + along * dy + side * dx,
            ca * dx - sa * dy, ca * dy + sa * dx)


@njit(cache=True)
def _arc_to_enu(pe, pn, h, ve, vn, vh, radius, out, r):
    """ENU state from an arc position, height and their rates, into ``out[r]``."""
    d = math.hypot(pe, pn)
    th = d / radius
    if d > 0.0:
        ue = pe / d
        un = pn / d
    else:
        ue = 0.0
        un = 1.0
    rr = radius + h
    st = math.sin(th)
    ct = math.cos(th)
    y = math.pi * (th / math.pi)  # numpy.sinc(th / pi), as numpy evaluates it
    if y == 0.0:
        y = _EPS_SINC
        sinc = math.sin(y) / y
    elif y == th:  # mostly: sin(y) is st, already computed
        sinc = st / y
    else:
        sinc = math.sin(y) / y
    out[r, 0] = rr * st * ue
    out[r, 1] = rr * st * un
    out[r, 2] = rr * ct - radius
    radial = ve * ue + vn * un
    thdot = radial / radius
    fac = rr * sinc / radius
    out[r, 3] = vh * st * ue + rr * ct * thdot * ue + fac * (ve - ue * radial)
    out[r, 4] = vh * st * un + rr * ct * thdot * un + fac * (vn - un * radial)
    out[r, 5] = vh * ct - rr * st * thdot


@njit(cache=True)
def route_path(t, rows, t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, out):
    """Arc position, height and their rates of rows ``rows`` at ``t``, into ``out[:k]`` (k, 6).

    Velocities are zero outside the flight ``[t0, t1]``. The whole route model is this loop's
    body: a per-row helper taking the twelve arrays cost about 60 ns a call (reference counts).
    """
    m = gs.shape[1]
    for q in range(rows.shape[0]):
        row = rows[q]
        a = t0[row]
        b = t1[row]
        tc = _clamp(t, a, b)
        s, sdot = _pq(tc - a, row, sp_b, sp_c)
        s = min(max(s, 0.0), length[row])
        px, py, tx, ty = _geo_at(s, row, _segment(s, row, packed), packed)
        h, dh = _pq(s, row, ht_b, ht_c)
        if m > 0:
            ds = gds[row]
            u = s / ds
            i = int(math.floor(u))
            i = min(max(i, 0), m - 2)
            f = u - i
            g0 = gs[row, i]
            g1 = gs[row, i + 1]
            h = h + g0 + f * (g1 - g0)
            dh = dh + (g1 - g0) / ds
        if not (t >= a and t <= b):
            sdot = 0.0
        out[q, 0] = px
        out[q, 1] = py
        out[q, 2] = h
        out[q, 3] = tx * sdot
        out[q, 4] = ty * sdot
        out[q, 5] = dh * sdot


@njit(cache=True)
def _route_states(t, t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, radius,
                  hold0, hold1, out, out_rows, fly, arc):
    """:func:`route_states` with scratch ``fly`` (n,) int and ``arc`` (n, 6)."""
    held = hold0.shape[0] > 0
    nf = 0
    for i in range(t0.shape[0]):
        if held and not (t >= t0[i] and t <= t1[i]):
            r = out_rows[i]
            src = hold0 if t < t0[i] else hold1
            for c in range(6):
                out[r, c] = src[i, c]
        else:
            fly[nf] = i
            nf += 1
    route_path(t, fly[:nf], t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, arc)
    for q in range(nf):
        _arc_to_enu(arc[q, 0], arc[q, 1], arc[q, 2], arc[q, 3], arc[q, 4], arc[q, 5], radius,
                    out, out_rows[fly[q]])


@njit(cache=True)
def route_states(t, t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, radius,
                 hold0, hold1, out, out_rows):
    """ENU states of route flights at ``t`` into ``out[out_rows]``.

    Rows before launch copy ``hold0`` and rows after the end ``hold1`` (their states at
    ``-inf`` and ``+inf``) where those are given (shape (n, 6); (0, 6) to compute every row).
    """
    n = t0.shape[0]
    _route_states(t, t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, radius,
                  hold0, hold1, out, out_rows, np.empty(n, np.intp), np.empty((n, 6)))


@njit(cache=True)
def route_states_rows(t, sel, t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, radius,
                      hold0, hold1, out):
    """:func:`route_states` of the rows ``sel`` (m,) only, row ``sel[q]`` into ``out[q]``
    (m, 6): each row's numbers as there (the rows do not interact)."""
    held = hold0.shape[0] > 0
    m = sel.shape[0]
    fly = np.empty(m, np.intp)
    dst = np.empty(m, np.intp)
    nf = 0
    for q in range(m):
        i = sel[q]
        if held and not (t >= t0[i] and t <= t1[i]):
            src = hold0 if t < t0[i] else hold1
            for c in range(6):
                out[q, c] = src[i, c]
        else:
            fly[nf] = i
            dst[nf] = q
            nf += 1
    arc = np.empty((nf, 6))
    route_path(t, fly[:nf], t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, arc)
    for q in range(nf):
        _arc_to_enu(arc[q, 0], arc[q, 1], arc[q, 2], arc[q, 3], arc[q, 4], arc[q, 5], radius,
                    out, dst[q])


@njit(cache=True)
def route_states_many(ts, t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, radius,
                      hold0, hold1, out, out_rows):
    """:func:`route_states` at each instant of ``ts`` (K,) into ``out[k, out_rows]`` (K, N, 6)."""
    n = t0.shape[0]
    fly = np.empty(n, np.intp)
    arc = np.empty((n, 6))
    for k in range(ts.shape[0]):
        _route_states(ts[k], t0, t1, length, sp_b, sp_c, ht_b, ht_c, packed, gs, gds, radius,
                      hold0, hold1, out[k], out_rows, fly, arc)


@njit(cache=True)
def arc_to_enu(pe, pn, h, ve, vn, vh, radius, out):
    """ENU states of flat arrays of arc positions, heights and rates, into ``out`` (m, 6)."""
    for r in range(pe.shape[0]):
        _arc_to_enu(pe[r], pn[r], h[r], ve[r], vn[r], vh[r], radius, out, r)


@njit(cache=True)
def _np_max(a, b):
    """``numpy.maximum(a, b)`` of two floats (a NaN propagates)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


#: Relative and absolute slack of :func:`blend_overflow`'s fit test.
OVERFLOW_REL = 1.0 + 1e-9
OVERFLOW_ABS = 1e-6


@njit(cache=True)
def blend_overflow(xs, b, over):
    """:func:`airdefense.threats._route.blend_overflow` of knots ``xs`` (n, k) and blend
    half-widths ``b`` (n, k - 2) into ``over`` (n, k - 2) bool (zeros on entry), row by
    row: the same tests on the same numbers as its NumPy column loop."""
    n, J = b.shape
    for r in range(n):
        prev_x = xs[r, 0]
        prev_b = 0.0
        for j in range(J):
            x = xs[r, j + 1]
            bj = b[r, j]
            has = bj > 0
            if has and prev_b + bj > (x - prev_x) * OVERFLOW_REL + OVERFLOW_ABS:
                over[r, j] = True
                # the previous blended knot is marked too (the pair overlaps)
                for q in range(j):
                    if xs[r, q + 1] == prev_x and b[r, q] > 0:
                        over[r, q] = True
            if has:
                prev_x = x
                prev_b = bj
        if prev_b > 0 and (xs[r, J + 1] - prev_x) * OVERFLOW_REL + OVERFLOW_ABS < prev_b:
            for j in range(J):
                if b[r, j] > 0 and xs[r, j + 1] == prev_x:
                    over[r, j] = True
    return over


@njit(cache=True)
def strictly_increasing(xs):
    """Raise each column of ``xs`` (n, k) in place to at least the one before it plus 1 mm,
    left to right: ``xs[:, j] = numpy.maximum(xs[:, j], xs[:, j - 1] + 1e-3)``, the same
    numbers (the column loop of NumPy calls cost about 2 us a column)."""
    for i in range(xs.shape[0]):
        for j in range(1, xs.shape[1]):
            xs[i, j] = _np_max(xs[i, j], xs[i, j - 1] + 1e-3)
    return xs


@njit(cache=True)
def _np_clip(x, lo, hi):
    """``numpy.clip(x, lo, hi)`` of floats, as NumPy evaluates it: ``min(max(x, lo), hi)``,
    each keeping a NaN first argument, else ``a > b ? a : b`` (``a < b ? a : b``)."""
    if x == x:
        x = x if x > lo else lo
    if x == x:
        x = x if x < hi else hi
    return x


@njit(cache=True)
def _pairwise(a, n):
    """NumPy's pairwise sum of ``a[:n]`` (``pairwise_sum`` of its add reduction): in order
    from 0.0 below 8 terms, eight partial sums up to 128, halves (the first a multiple of 8
    long) above."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    if n > 128:
        h = n // 2
        h -= h % 8
        return _pairwise(a, h) + _pairwise(a[h:], n - h)
    r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
    r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
    i = 8
    while i < n - (n % 8):
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return res


@njit(cache=True)
def _pairwise_sum(a, n):
    """``numpy.sum`` of ``a[:n]`` (a contiguous row): :func:`_pairwise` added to the
    identity 0.0, as NumPy's reduction does."""
    return 0.0 + _pairwise(a, n)


@njit(cache=True)
def blend_rows(x, x0, y0, m0, xk, dm, b, eps, f, df):
    """:func:`airdefense.threats._route.blend_eval` of ``x`` (n, q), one row per function
    (``x0``, ``y0``, ``m0`` (n,); ``xk``, ``dm``, ``b`` (n, J)), into ``f``, ``df`` (n, q):
    NumPy's operations in NumPy's order, each corner's terms then their sums as
    :func:`_pairwise_sum`, so the same bits."""
    n, q = x.shape
    J = xk.shape[1]
    tf = np.empty(J)
    td = np.empty(J)
    for i in range(n):
        for c in range(q):
            xv = x[i, c]
            for j in range(J):
                u = xv - xk[i, j]
                bj = b[i, j]
                inv = 1.0 / _np_max(bj, eps)
                w = _np_clip(u + bj, 0.0, 2.0 * bj)
                tf[j] = dm[i, j] * (0.25 * w * w * inv + _np_max(u - bj, 0.0))
                td[j] = dm[i, j] * _np_clip(0.5 * (u + bj) * inv, 0.0, 1.0)
            f[i, c] = y0[i] + m0[i] * (xv - x0[i]) + _pairwise_sum(tf, J)
            df[i, c] = m0[i] + _pairwise_sum(td, J)


@njit(cache=True)
def pq_eval(x, rows, breaks, coef, f, df):
    """Piecewise quadratics of rows ``rows`` at ``x`` (flat arrays) into ``f``, ``df``."""
    for k in range(x.shape[0]):
        f[k], df[k] = _pq(x[k], rows[k], breaks, coef)


@njit(cache=True)
def segments(s, rows, packed, seg):
    """Segment indices of path distances ``s`` of rows ``rows`` (flat arrays) into ``seg``."""
    for k in range(s.shape[0]):
        seg[k] = _segment(s[k], rows[k], packed)


@njit(cache=True)
def geo_at(s, rows, seg, packed, out):
    """Points and unit tangents at path distances ``s`` (flat arrays) into ``out`` (m, 4).

    ``seg`` holds each query's segment, or -1 to find it.
    """
    for k in range(s.shape[0]):
        j = seg[k]
        if j < 0:
            j = _segment(s[k], rows[k], packed)
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = _geo_at(s[k], rows[k], j, packed)


# ------------------------------------------------------------------- Hermite samples, weave


@njit(cache=True)
def hermite_states(t, t0, dt, end, count, pos, vel, out, out_rows):
    """Cubic Hermite states at ``t`` into ``out[out_rows]`` (zero velocity outside a flight).

    The model is this loop's body (as in :func:`route_path`, a per-row helper taking the arrays
    costs more than the arithmetic).
    """
    for row in range(t0.shape[0]):
        r = out_rows[row]
        a = t0[row]
        e = end[row]
        tc = _clamp(t, a, e)
        h = dt[row]
        u = (tc - a) / h
        i = min(int(math.floor(u)), max(count[row] - 2, 0))
        i = max(i, 0)
        j = min(i + 1, count[row] - 1)
        s = u - i
        s2 = s * s
        s3 = s2 * s
        a0 = 2 * s3 - 3 * s2 + 1
        b0 = s3 - 2 * s2 + s
        a1 = -2 * s3 + 3 * s2
        b1 = s3 - s2
        da0 = 6 * s2 - 6 * s
        db0 = 3 * s2 - 4 * s + 1
        da1 = -6 * s2 + 6 * s
        db1 = 3 * s2 - 2 * s
        flying = t >= a and t <= e
        for c in range(3):
            p0 = pos[row, i, c]
            p1 = pos[row, j, c]
            m0 = vel[row, i, c] * h
            m1 = vel[row, j, c] * h
            out[r, c] = a0 * p0 + b0 * m0 + a1 * p1 + b1 * m1
            if flying:
                out[r, 3 + c] = (da0 * p0 + db0 * m0 + da1 * p1 + db1 * m1) / h
            else:
                out[r, 3 + c] = 0.0


@njit(cache=True)
def hermite_states_many(ts, t0, dt, end, count, pos, vel, out, out_rows):
    """:func:`hermite_states` at each instant of ``ts`` (K,) into ``out[k, out_rows]``."""
    for k in range(ts.shape[0]):
        hermite_states(ts[k], t0, dt, end, count, pos, vel, out[k], out_rows)


@njit(cache=True)
def weave(t, w0, end, amp, k, disp, rate):
    """Weave displacements (m) and rates (m/s) of every row at ``t`` into ``disp``, ``rate``."""
    for row in range(w0.shape[0]):
        a = w0[row]
        e = end[row]
        span = max(e - a, 1e-9)
        tau = min(max((t - a) / span, 0.0), 1.0)
        inside = t >= a and t <= e
        d = 0.0
        v = 0.0
        for c in range(amp.shape[1]):
            # amp sin^2(pi k tau): displacement and rate both start and end at zero, so the
            # pull begins without a jump in velocity; |accel| <= 2 amp (pi k / span)^2.
            pk = math.pi * k[row, c]
            arg = pk * tau
            s = math.sin(arg)
            d += amp[row, c] * s * s
            if inside:
                v += amp[row, c] * (pk / span) * math.sin(2.0 * arg)
        disp[row] = d
        rate[row] = v


@njit(cache=True)
def _ballistic_states(t, t0, dt, end, count, pos, vel, w0, axis, amp, k, out, out_rows,
                      disp, rate):
    """:func:`ballistic_states` with scratch ``disp``, ``rate`` (n,)."""
    hermite_states(t, t0, dt, end, count, pos, vel, out, out_rows)
    weave(t, w0, end, amp, k, disp, rate)
    for i in range(t0.shape[0]):
        r = out_rows[i]
        for c in range(3):
            out[r, c] += disp[i] * axis[i, c]
            out[r, 3 + c] += rate[i] * axis[i, c]


@njit(cache=True)
def ballistic_states(t, t0, dt, end, count, pos, vel, w0, axis, amp, k, out, out_rows):
    """Hermite states plus the weave across the flight plane at ``t`` into ``out[out_rows]``."""
    n = t0.shape[0]
    _ballistic_states(t, t0, dt, end, count, pos, vel, w0, axis, amp, k, out, out_rows,
                      np.empty(n), np.empty(n))


@njit(cache=True)
def ballistic_states_many(ts, t0, dt, end, count, pos, vel, w0, axis, amp, k, out, out_rows):
    """:func:`ballistic_states` at each instant of ``ts`` (K,) into ``out[q, out_rows]``."""
    n = t0.shape[0]
    disp = np.empty(n)
    rate = np.empty(n)
    for q in range(ts.shape[0]):
        _ballistic_states(ts[q], t0, dt, end, count, pos, vel, w0, axis, amp, k, out[q],
                          out_rows, disp, rate)


@njit(cache=True)
def ballistic_states_rows(t, sel, t0, dt, end, count, pos, vel, w0, axis, amp, k, out):
    """:func:`ballistic_states` of the rows ``sel`` (m,) only, row ``sel[q]`` into ``out[q]``
    (m, 6): the same kernels on those rows' data (the rows do not interact)."""
    m = sel.shape[0]
    _ballistic_states(t, t0[sel], dt[sel], end[sel], count[sel], pos[sel], vel[sel], w0[sel],
                      axis[sel], amp[sel], k[sel], out, np.arange(m), np.empty(m),
                      np.empty(m))


# ------------------------------------------------------------------- planar free flight (RK4)


@njit(cache=True)
def _clip01(x):
    """``numpy.clip(x, 0.0, 1.0)`` of one float as NumPy's loop evaluates it (NaN stays NaN)."""
    if not math.isnan(x):
        x = x if x > 0.0 else 0.0
        x = x if x < 1.0 else 1.0
    return x


@njit(cache=True)
def _div(a, b):
    """``a / b`` as IEEE (and NumPy) divides: a zero ``b`` gives an infinity or NaN."""
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


@njit(cache=True)
def _hermite_arc(a, b, h, s):
    """Cubic Hermite position ``(x, z)`` and velocity ``(vx, vz)`` between planar states ``a``
    and ``b`` (4,) ``h`` s apart, at the fraction ``s`` of the step."""
    s2 = s * s
    s3 = s * s * s
    out = np.empty(4)
    for c in range(2):
        p0, p1, v0, v1 = a[c], b[c], a[2 + c], b[2 + c]
        out[c] = ((2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * v0 * h
                  + (-2 * s3 + 3 * s2) * p1 + (s3 - s2) * v1 * h)
        out[2 + c] = _div((6 * s2 - 6 * s) * p0 + (3 * s2 - 4 * s + 1) * v0 * h
                          + (-6 * s2 + 6 * s) * p1 + (3 * s2 - 2 * s) * v1 * h, h)
    return out


@njit(cache=True)
def find_impact(samples, dt, r_stop, g0, n_newton, t, state, apogee):
    """Impact time, state and apogee of planar flights; see
    :func:`airdefense.threats.ballistic.find_impact` (its statement, step by step, in the
    same floating-point operations).

    ``samples`` (m >= 2, 4, N), ``dt`` and ``r_stop`` (N,), ``g0`` surface gravity, m/s^2;
    ``n_newton`` Newton steps. Writes ``t`` (N,), ``state`` (4, N) and ``apogee`` (N,).
    """
    m = samples.shape[0]
    for f in range(samples.shape[2]):
        rs = r_stop[f]
        h = dt[f]
        k = 0  # first sample below the impact radius, descending (0: none)
        hit = False
        j = 0  # numpy.argmax of the radii: the first largest, or the first NaN
        rmax = math.hypot(samples[0, 0, f], samples[0, 1, f])
        nan_max = math.isnan(rmax)
        for i in range(m):
            x = samples[i, 0, f]
            z = samples[i, 1, f]
            r = math.hypot(x, z)
            if not hit:
                vr = _div(x * samples[i, 2, f] + z * samples[i, 3, f], r)
                if r < rs and vr < 0:
                    k = i
                    hit = True
            if i > 0 and not nan_max and not r <= rmax:
                rmax = r
                j = i
                nan_max = math.isnan(r)
        k = max(k, 1)
        a = samples[k - 1, :, f]
        b = samples[k, :, f]
        r0 = math.hypot(a[0], a[1])
        r1 = math.hypot(b[0], b[1])
        s = _clip01((r0 - rs) / (r0 - r1 if r0 > r1 else 1.0))
        for _ in range(n_newton):  # Newton on |p(s)| = r_stop along the Hermite arc
            pv = _hermite_arc(a, b, h, s)
            rr = math.hypot(pv[0], pv[1])
            drr = _div(pv[0] * pv[2] + pv[1] * pv[3], rr) * h
            s = _clip01(s - (rr - rs) / (drr if drr < 0 else -1.0))
        pv = _hermite_arc(a, b, h, s)
        t[f] = (k - 1 + s) * h if hit else math.nan
        for c in range(4):
            state[c, f] = pv[c]
        # Apogee: the highest sample plus the rise left at its radial speed under net radial
        # deceleration (gravity less the centripetal term), smooth in the flight's parameters.
        x = samples[j, 0, f]
        z = samples[j, 1, f]
        vx = samples[j, 2, f]
        vz = samples[j, 3, f]
        rj = math.hypot(x, z)
        vrj = _div(x * vx + z * vz, rj)
        vt2 = vx * vx + vz * vz - vrj * vrj
        q = _div(math.hypot(samples[0, 0, f], samples[0, 1, f]), rj)
        g = g0 * (q * q)
        a_r = g - _div(vt2, rj)
        if not (a_r >= 0.1 or math.isnan(a_r)):  # numpy.maximum(a_r, 0.1)
            a_r = 0.1
        apogee[f] = rj + vrj * vrj / (2 * a_r)


@njit(cache=True)
def _planar_rhs(x, z, vx, vz, mu, radius_m, kdrag, scale_height_m):
    """Derivative of a planar free flight ``[x, z, vx, vz]``: gravity and exponential drag."""
    r2 = x * x + z * z
    gr = mu / (r2 * math.sqrt(r2))
    kd = kdrag * math.exp(min(radius_m - math.sqrt(r2), 0.0) / scale_height_m) \
        * math.sqrt(vx * vx + vz * vz)
    return vx, vz, -gr * x - kd * vx, -gr * z - kd * vz


#: Rows of the guidance array of a lifting flight (:func:`fly_planar`'s ``guide``, (7, N)).
G_LD, G_AMAX, G_HPULL, G_HDIVE, G_GLIDE, G_DIVE, G_PHI = range(7)
GUIDE_ROWS = 7
TAU_S = 3.0  # s, time constant of the flight-path-angle command
BAND_M = 1000.0  # m, height over which the glide and the dive phase in
DIVE_GATE = (0.4, 0.5)  # fractions of the aim's range angle over which the dive is armed


@njit(cache=True)
def _ramp(x):
    """``clip(x, 0, 1)``."""
    return min(max(x, 0.0), 1.0)


@njit(cache=True)
def lift_accel(x, z, vx, vz, mu, radius_m, kdrag, scale_height_m, ld, amax, h_pull, h_dive,
               gam_glide, gam_dive, phi_aim):
    """Commanded lift of a quasi-ballistic flight, m/s^2 along the velocity's upward normal,
    and the zero-lift drag ``D0`` (m/s^2) of :func:`_planar_rhs`.

    The lift available is ``A = min(2 ld D0, amax)``: at most the lift at the best
    lift-to-drag ratio ``ld`` of a parabolic drag polar (where the drag is ``2 D0``). The
    flight-path angle ``gamma`` (above the local horizontal) is commanded to ``gam_glide``
    below ``h_pull`` and to ``gam_dive`` below ``h_dive`` (phased in over :data:`BAND_M`; the
    dive armed past :data:`DIVE_GATE` of ``phi_aim``, so the ascent is never pushed over)
    through ``a = (g - v^2 / r) cos(gamma) + v (gamma_c - gamma) / TAU_S`` (gravity, the
    earth's curvature, a first-order lag: ``d(gamma)/dt = (gamma_c - gamma) / TAU_S`` while
    ``a`` is not clipped), clipped to ``[-A w_dive, A max(w_glide, w_dive)]``: the glide only
    pulls up, the dive also pushes over. Continuous in the state (no latch), so the range is
    continuous in the burnout state. Positions in the flight plane, origin at the earth's
    centre, launch on the ``z`` axis; ``phi_aim`` the aim's range angle (rad; <= 0: the dive
    is always armed).
    """
    r2 = x * x + z * z
    r = math.sqrt(r2)
    v = math.sqrt(vx * vx + vz * vz)
    if v == 0.0:
        return 0.0, 0.0
    return _lift(x, z, vx, vz, mu, radius_m, r2, r, v,
                 kdrag * math.exp(min(radius_m - r, 0.0) / scale_height_m) * v * v, ld, amax,
                 h_pull, h_dive, gam_glide, gam_dive, phi_aim)


@njit(cache=True)
def _lift(x, z, vx, vz, mu, radius_m, r2, r, v, drag, ld, amax, h_pull, h_dive, gam_glide,
          gam_dive, phi_aim):
    """:func:`lift_accel` from ``r2 = x^2 + z^2``, ``r = sqrt(r2)``, the speed ``v`` (> 0) and
    the zero-lift drag ``drag``, as it computes them (the same numbers)."""
    h = r - radius_m
    w_g = _ramp((h_pull - h) / BAND_M)
    w_d = _ramp((h_dive - h) / BAND_M)
    # The dive gate only scales w_d, by a factor in [+0, 1] (never -0.0 or NaN for a finite
    # state): a zero w_d stays the same zero, so the atan2 is spared above the dive band.
    if phi_aim > 0.0 and w_d != 0.0:
        w_d *= _ramp((math.atan2(x, z) / phi_aim - DIVE_GATE[0])
                     / (DIVE_GATE[1] - DIVE_GATE[0]))
    hi = max(w_g, w_d)
    if hi == 0.0:
        return 0.0, drag
    avail = min(2.0 * ld * drag, amax)
    v_r = (x * vx + z * vz) / r
    v_t = (z * vx - x * vz) / r
    gam = math.atan2(v_r, v_t)
    cmd = gam_glide + w_d * (gam_dive - gam_glide)
    a = (mu / r2 - v * v / r) * (v_t / v) + v * (cmd - gam) / TAU_S
    return min(max(a, -avail * w_d), avail * hi), drag


@njit(cache=True)
def _lift_rhs(x, z, vx, vz, mu, radius_m, kf, scale_height_m, g):
    """:func:`_planar_rhs` plus the lift ``a`` of :func:`lift_accel` (``g`` the flight's
    guidance column, (7,)) along ``(-vz, vx) / v`` and its induced drag
    ``a^2 / (4 ld^2 D0)`` (parabolic polar ``C_D = C_D0 + K C_L^2``, ``ld`` its best L/D)."""
    # _planar_rhs and lift_accel share their radius, speed and density terms: each is
    # computed once here, in the same operations (lift_accel's drag ``k e v v`` is the
    # gravity-drag term's ``(k e v) v``).
    r2 = x * x + z * z
    sr = math.sqrt(r2)
    gr = mu / (r2 * sr)
    v = math.sqrt(vx * vx + vz * vz)
    kd = kf * math.exp(min(radius_m - sr, 0.0) / scale_height_m) * v
    d0, d1, d2, d3 = vx, vz, -gr * x - kd * vx, -gr * z - kd * vz
    ld = g[G_LD]
    if v == 0.0:
        return d0, d1, d2, d3
    a, drag = _lift(x, z, vx, vz, mu, radius_m, r2, sr, v, kd * v, ld, g[G_AMAX], g[G_HPULL],
                    g[G_HDIVE], g[G_GLIDE], g[G_DIVE], g[G_PHI])
    if a != 0.0:
        di = a * a / (4.0 * ld * ld * drag)
        d2 -= (a * vz + di * vx) / v
        d3 += (a * vx - di * vz) / v
    return d0, d1, d2, d3


@njit(cache=True)
def _rk4(x, z, vx, vz, h, mu, radius_m, kf, scale_height_m):
    """One RK4 step of :func:`_planar_rhs` (no lift)."""
    h2, h6 = 0.5 * h, h / 6.0
    a0, a1, a2, a3 = _planar_rhs(x, z, vx, vz, mu, radius_m, kf, scale_height_m)
    b0, b1, b2, b3 = _planar_rhs(x + h2 * a0, z + h2 * a1, vx + h2 * a2, vz + h2 * a3,
                                 mu, radius_m, kf, scale_height_m)
    c0, c1, c2, c3 = _planar_rhs(x + h2 * b0, z + h2 * b1, vx + h2 * b2, vz + h2 * b3,
                                 mu, radius_m, kf, scale_height_m)
    d0, d1, d2, d3 = _planar_rhs(x + h * c0, z + h * c1, vx + h * c2, vz + h * c3,
                                 mu, radius_m, kf, scale_height_m)
    return (x + h6 * (a0 + 2.0 * (b0 + c0) + d0), z + h6 * (a1 + 2.0 * (b1 + c1) + d1),
            vx + h6 * (a2 + 2.0 * (b2 + c2) + d2), vz + h6 * (a3 + 2.0 * (b3 + c3) + d3))


@njit(cache=True)
def _rk4_lift(x, z, vx, vz, h, mu, radius_m, kf, scale_height_m, g):
    """One RK4 step of :func:`_lift_rhs`."""
    h2, h6 = 0.5 * h, h / 6.0
    a0, a1, a2, a3 = _lift_rhs(x, z, vx, vz, mu, radius_m, kf, scale_height_m, g)
    b0, b1, b2, b3 = _lift_rhs(x + h2 * a0, z + h2 * a1, vx + h2 * a2, vz + h2 * a3,
                               mu, radius_m, kf, scale_height_m, g)
    c0, c1, c2, c3 = _lift_rhs(x + h2 * b0, z + h2 * b1, vx + h2 * b2, vz + h2 * b3,
                               mu, radius_m, kf, scale_height_m, g)
    d0, d1, d2, d3 = _lift_rhs(x + h * c0, z + h * c1, vx + h * c2, vz + h * c3,
                               mu, radius_m, kf, scale_height_m, g)
    return (x + h6 * (a0 + 2.0 * (b0 + c0) + d0), z + h6 * (a1 + 2.0 * (b1 + c1) + d1),
            vx + h6 * (a2 + 2.0 * (b2 + c2) + d2), vz + h6 * (a3 + 2.0 * (b3 + c3) + d3))


#: Steps :func:`fly_planar`'s states buffer first holds (doubled as needed).
_PLANAR_STEPS = 512


@njit(cache=True)
def fly_planar(y0, dt, r_stop, radius_m, kdrag, mu, scale_height_m, max_steps, check_every,
               guide):
    """Fixed-step RK4 of planar free flights until every one has come down.

    ``y0`` (4, N) initial ``[x, z, vx, vz]``; ``dt``, ``r_stop``, ``kdrag`` (N,); ``guide``
    (7, N) the lift guidance (rows ``G_*``; a flight whose ``G_LD`` is 0 flies without lift,
    in the same operations as before lift was modelled). Returns the states at every step,
    (m, 4, N); see :func:`airdefense.threats.ballistic.fly_planar`.
    """
    n = y0.shape[1]
    # The states buffer grows as the flights go on (most come down in a few hundred steps:
    # a buffer for max_steps would be megabytes, allocated and faulted in at each call).
    out = np.empty((min(max_steps, _PLANAR_STEPS) + 1, 4, n))
    out[0] = y0
    last = max_steps
    g = np.empty(GUIDE_ROWS)
    for step in range(1, max_steps + 1):
        if step == out.shape[0]:
            grown = np.empty((min(max_steps + 1, 2 * step), 4, n))
            grown[:step] = out
            out = grown
        for f in range(n):
            x, z, vx, vz = (out[step - 1, 0, f], out[step - 1, 1, f], out[step - 1, 2, f],
                            out[step - 1, 3, f])
            if guide[G_LD, f] > 0.0:
                for c in range(GUIDE_ROWS):
                    g[c] = guide[c, f]
                x, z, vx, vz = _rk4_lift(x, z, vx, vz, dt[f], mu, radius_m, kdrag[f],
                                         scale_height_m, g)
            else:
                x, z, vx, vz = _rk4(x, z, vx, vz, dt[f], mu, radius_m, kdrag[f],
                                    scale_height_m)
            out[step, 0, f] = x
            out[step, 1, f] = z
            out[step, 2, f] = vx
            out[step, 3, f] = vz
        if step % check_every == 0:
            down = True
            for f in range(n):
                x, z = out[step, 0, f], out[step, 1, f]
                if not (math.hypot(x, z) < r_stop[f]
                        and x * out[step, 2, f] + z * out[step, 3, f] < 0.0):
                    down = False
                    break
            if down:
                last = step
                break
    return out[: last + 1].copy()


# ---------------------------------------------------------------------------- interpolation


@njit(cache=True)
def barycentric(nodes, values, x, out):
    """Polynomials through ``(nodes, values[r])`` at ``x``: ``out[r, q]``; see
    :func:`airdefense.threats.ballistic._interpolate` (its NumPy statement, in the same
    floating-point operations and order).

    ``nodes`` (k,) distinct; ``values`` (m, k); ``x`` (n,); writes ``out`` (m, n). A point on a
    node takes that node's value (the last such node).
    """
    k = nodes.size
    w = np.ones(k)
    for j in range(k):
        for i in range(k):
            if i != j:
                w[j] /= nodes[j] - nodes[i]
    m = values.shape[0]
    for q in range(x.size):
        exact = -1
        den = 0.0
        for r in range(m):
            out[r, q] = 0.0
        for j in range(k):
            diff = x[q] - nodes[j]
            if diff == 0.0:
                exact = j
                c = w[j] / 1.0
            else:
                c = w[j] / diff
            for r in range(m):
                out[r, q] = out[r, q] + c * values[r, j]
            den = den + c
        for r in range(m):
            out[r, q] = values[r, exact] if exact >= 0 else out[r, q] / den
