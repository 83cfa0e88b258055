"""Compiled kernels of the intercept geometry: flyout, intercept solving and launch windows.

The control unit solves intercepts for every (track, launcher) pair every decision cycle, and
the arrays are small (tens of rows): per-call overhead, not arithmetic, set the cost of the NumPy
form. These kernels loop over the pairs in compiled code. No fastmath and no parallelism, so a
result is the same bits in every process.

Flyout figures per entry: ``vb`` burnout speed (m/s), ``tb`` burn time (s), ``v0`` launch
speed (m/s), ``k`` coast drag constant (1/m); see :mod:`airdefense.engagement.flyout`.
Target paths are constant acceleration from a state ``[x, y, z, vx, vy, vz]`` with a downward
acceleration ``g`` (0 for a straight line).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from airdefense.engagement.pk import _position_sigmas, burst_pk_one, pk_one
from airdefense.sensors._kernels import G_N as _G_N
from airdefense.sensors._kernels import G_RADIUS as _G_RADIUS
from airdefense.sensors._kernels import pair_geometry as _radar_geometry


@njit(cache=True)
def fly_distance(tau, vb, tb, v0, k):
    """Distance flown ``tau`` seconds after launch, m (0 before launch)."""
    if tau < 0.0:
        tau = 0.0
    tt = min(tau, tb)
    s = v0 * tt
    if tb > 0.0:
        s += 0.5 * (vb - v0) * tt * tt / tb
    c = tau - tb
    if c > 0.0:
        if k > 0.0:
            s += math.log1p(k * vb * c) / k
        else:
            s += vb * c
    return s


@njit(cache=True)
def fly_speed(tau, vb, tb, v0, k):
    """Speed ``tau`` seconds after launch, m/s."""
    if tau < tb:
        return v0 + (vb - v0) * (tau / tb if tb > 0.0 else 1.0)
    return vb / (1.0 + k * vb * max(tau - tb, 0.0))


@njit(cache=True)
def fly_time_to(dist, vb, tb, v0, k):
    """Time of flight to ``dist`` metres, s: the inverse of :func:`fly_distance`."""
    s = max(dist, 0.0)
    sb = 0.5 * (v0 + vb) * tb
    if s <= sb:
        a = 0.5 * (vb - v0) / (tb if tb > 0.0 else 1.0)
        if a > 1e-12:
            return (-v0 + math.sqrt(v0 * v0 + 4.0 * a * s)) / (2.0 * a)
        return s / max(v0, 1e-9)
    rest = s - sb
    if k > 0.0:
        e = k * rest
        if e > 700.0:  # beyond any reach: exp overflows
            return math.inf
        return tb + math.expm1(e) / (k * vb)
    return tb + rest / vb


@njit(cache=True)
def _gap(u, x, g, ox, oy, oz, t0, s0, vb, tb, v0, k):
    dx = x[0] + x[3] * u - ox
    dy = x[1] + x[4] * u - oy
    dz = x[2] + x[5] * u - 0.5 * g * u * u - oz
    return fly_distance(t0 + u, vb, tb, v0, k) - s0 - math.sqrt(dx * dx + dy * dy + dz * dz)


@njit(cache=True)
def _gap_slope(u, x, g, ox, oy, oz, t0, s0, vb, tb, v0, k):
    dx = x[0] + x[3] * u - ox
    dy = x[1] + x[4] * u - oy
    dz = x[2] + x[5] * u - 0.5 * g * u * u - oz
    d = math.sqrt(dx * dx + dy * dy + dz * dz)
    f = fly_distance(t0 + u, vb, tb, v0, k) - s0 - d
    rr = dx * x[3] + dy * x[4] + dz * (x[5] - g * u)
    return f, fly_speed(t0 + u, vb, tb, v0, k) - rr / max(d, 1e-9)


@njit(cache=True)
def _at(a, i, j):
    """``a[i, j]`` of a 2-D array broadcast along its axes of length 1."""
    return a[min(i, a.shape[0] - 1), min(j, a.shape[1] - 1)]


@njit(cache=True)
def _solve_pair(xi, gi, ox, oy, oz, vb, tb, v0, k, t0, H, w0, n_grid, n_iter, tol_m):
    """First intercept time of one pair, s (inf where none): see :func:`solve_intercepts`."""
    s0 = fly_distance(t0, vb, tb, v0, k)
    has = False
    lo = hi = glo = ghi = 0.0
    if math.isfinite(w0):
        w = max(2.0, 0.05 * abs(w0))
        lo = min(max(w0 - w, 0.0), H)
        hi = min(max(w0 + w, 0.0), H)
        glo = _gap(lo, xi, gi, ox, oy, oz, t0, s0, vb, tb, v0, k)
        ghi = _gap(hi, xi, gi, ox, oy, oz, t0, s0, vb, tb, v0, k)
        has = glo < 0.0 and ghi >= 0.0
    if not has:
        prev_u = 0.0
        prev_g = 0.0
        for q in range(n_grid):
            uq = H * ((q + 1) / n_grid) ** 1.5
            gq = _gap(uq, xi, gi, ox, oy, oz, t0, s0, vb, tb, v0, k)
            if gq >= 0.0:
                has = True
                if q == 0:
                    lo = 0.0
                    glo = _gap(0.0, xi, gi, ox, oy, oz, t0, s0, vb, tb, v0, k)
                else:
                    lo, glo = prev_u, prev_g
                hi, ghi = uq, gq
                break
            prev_u, prev_g = uq, gq
    if not has:
        return math.inf
    u = lo - glo * (hi - lo) / (ghi - glo) if ghi != glo else math.nan
    if not math.isfinite(u):
        u = 0.5 * (lo + hi)
    for _ in range(n_iter):
        f, df = _gap_slope(u, xi, gi, ox, oy, oz, t0, s0, vb, tb, v0, k)
        if abs(f) <= tol_m:
            break
        if f >= 0.0:
            hi = u
        else:
            lo = u
        un = u - f / df if df != 0.0 else math.nan
        if not math.isfinite(un) or un < lo or un > hi:
            un = 0.5 * (lo + hi)
        u = un
    return u


@njit(cache=True)
def solve_intercepts(x, g, origin, vb, tb, v0, k, horizon, tau0, u0, n_grid, n_iter, tol_m):
    """First intercept time of every (track, interceptor) pair, (m, L), s; inf where none.

    ``x`` (m, 6), ``g`` (m,), ``origin`` (m or 1, L or 1, 3) and the arrays ``vb, tb, v0, k,
    horizon, tau0, u0`` (NaN: no previous solution), each of shape (m or 1, L or 1): axes of
    length 1 broadcast. The pairs are (m, L) with L the longest second axis. A warm start
    brackets ``u0`` by ``max(2 s, 5%)`` either side; otherwise a grid of ``n_grid`` points,
    finer near launch, finds the first sign change of the gap. Then safeguarded Newton steps
    from the secant point, until the gap is under ``tol_m`` or after ``n_iter`` steps.
    """
    m = x.shape[0]
    L = max(origin.shape[1], vb.shape[1], tb.shape[1], v0.shape[1], k.shape[1],
            horizon.shape[1], tau0.shape[1], u0.shape[1])
    out = np.empty((m, L))
    for i in range(m):
        io = min(i, origin.shape[0] - 1)
        for j in range(L):
            jo = min(j, origin.shape[1] - 1)
            out[i, j] = _solve_pair(x[i], g[i], origin[io, jo, 0], origin[io, jo, 1],
                                    origin[io, jo, 2], _at(vb, i, j), _at(tb, i, j),
                                    _at(v0, i, j), _at(k, i, j), _at(tau0, i, j),
                                    _at(horizon, i, j), _at(u0, i, j), n_grid, n_iter, tol_m)
    return out


@njit(cache=True)
def _height(px, py, pz, radius):
    if not math.isfinite(radius):  # flat ground
        return pz
    zr = pz + radius
    return math.sqrt(px * px + py * py + zr * zr) - radius


#: Rounding forgiven in the envelope's height limits, m. A height above the Earth's sphere
#: comes from ENU coordinates some 6.4e6 m from the sphere's centre, whose unit in the last
#: place is 9.3e-10 m: a target that flies at the minimum altitude itself (a cruise missile
#: whose clearance is an interceptor's floor) reads a few such units below it or above it.
#: 1e-6 m is a thousand of them, and far below any height that matters.
HEIGHT_TOL_M = 1e-6


@njit(cache=True)
def _height_slack(s):
    """Slack ``s`` (m) of a height limit with its rounding forgiven: 0 where it is short by no
    more than :data:`HEIGHT_TOL_M` (at the limit itself), else ``s``."""
    return 0.0 if -HEIGHT_TOL_M <= s < 0.0 else s


#: Columns of the launcher rows (envelope._launcher_rows) with the fire-control radar's site
#: (x, y, z), boresight (rad), half sector (rad, inf: full circle) and maximum range (m, inf:
#: none), then its coverage row (``FC_GEO_N`` columns ``sensors._kernels.G_*``; NaN: none).
FC_SITE, FC_BORE, FC_HALF, FC_RANGE = 19, 22, 23, 24
FC_GEO = 25
FC_GEO_N = _G_N
#: Then: whether the fire-control radar must see the target itself at launch (1.0: rounds it
#: guides, ``interceptors.RADAR_GUIDED``, and guns, laid from its track; 0.0: active homing),
#: the fire decision's maximum range, m: the maximum range less the far-edge margin
#: (:data:`airdefense.engagement.envelope.FAR_EDGE_MARGIN`), and its minimum altitude, m: the
#: minimum altitude plus the low-edge margin
#: (:data:`airdefense.engagement.envelope.LOW_EDGE_MARGIN_M`; none for a floor at the surface).
FC_NEEDS_TARGET = FC_GEO + FC_GEO_N
R_FIRE = FC_NEEDS_TARGET + 1
H_FIRE = R_FIRE + 1
#: Then the gun columns (``guns.GUN_FIELDS``; rounds per burst 0: not a gun).
GUN = H_FIRE + 1
N_LAUNCHER_COLS = GUN + 5


@njit(cache=True)
def _fire_control_sees(px, py, pz, lp, j):
    """Whether launcher ``j``'s fire-control radar covers the point: its height, elevation
    and range limits and its 4/3-earth horizon, by the radar model's own test
    (:func:`airdefense.sensors._kernels.pair_geometry`); True without a coverage row."""
    if not lp[j, FC_GEO + _G_RADIUS] > 0.0:  # NaN: no radar, or no frame
        return True
    seen, _ = _radar_geometry(lp[j:j + 1, FC_GEO:FC_GEO + FC_GEO_N], 0, px, py, pz,
                              np.empty(5), False)
    return seen


@njit(cache=True)
def fire_control_covers(px, py, pz, lp, j):
    """Whether launcher ``j``'s fire-control radar covers the point ``(px, py, pz)`` (ENU, m):
    within its range and azimuth sector (columns ``FC_*``) and, where it has a coverage row,
    its height and elevation limits and its 4/3-earth horizon (:func:`_fire_control_sees`).
    The same tests as :func:`envelope_at` makes at an intercept point; True without a radar.

    The one rule of what a fire-control radar sees: the fire decision (target and intercept
    point, :func:`launch_now`, :func:`pair_window`) and the flight of the rounds it guides
    (:func:`fly_step`) ask it here, so the control unit's options and the fire control agree.
    """
    fr = lp[j, FC_RANGE]
    if fr < math.inf:
        ex, ey, ez = px - lp[j, FC_SITE], py - lp[j, FC_SITE + 1], pz - lp[j, FC_SITE + 2]
        if not (fr - math.sqrt(ex * ex + ey * ey + ez * ez)) / fr >= 0.0:
            return False
        half = lp[j, FC_HALF]
        if half < math.inf:
            off = math.atan2(ex, ey) - lp[j, FC_BORE]
            off -= 2.0 * math.pi * math.floor((off + math.pi) / (2.0 * math.pi))
            if not (half - abs(off)) / math.pi >= 0.0:
                return False
    return _fire_control_sees(px, py, pz, lp, j)


@njit(cache=True)
def target_seen_at_launch(px, py, pz, lp, j):
    """Whether launcher ``j`` may launch with its target at ``(px, py, pz)`` (ENU, m): its
    fire-control radar covers the target (:func:`fire_control_covers`) where the launcher's
    guidance needs it to (column ``FC_NEEDS_TARGET``); True otherwise."""
    return not lp[j, FC_NEEDS_TARGET] > 0.0 or fire_control_covers(px, py, pz, lp, j)


@njit(cache=True)
def envelope_at(px, py, pz, vx, vy, vz, tof, h, lp, j, stop_outside=False, fire=False):
    """Envelope margin of launcher ``j`` (row ``j`` of ``lp``) at one intercept point.

    Returns ``(margin, range_m, crossing_m, speed_mps)``; the margin is the smallest of the
    constraints' slacks, each over its scale (``>= 0`` is inside; ``-inf`` without a time of
    flight). See :func:`airdefense.engagement.envelope.envelope_margin`. With
    ``stop_outside`` it returns at the first violated group of constraints (only the margin's
    sign is then meaningful, and the other figures may be NaN): the window search asks only
    inside or not, and most of its points fail the range test. With ``fire``, the fire
    decision's envelope: the range's upper bound is ``R_FIRE`` (the maximum range less the
    far-edge margin) instead of the maximum range, and the height's lower bound ``H_FIRE``
    (the minimum altitude plus the low-edge margin) instead of the minimum altitude; without,
    the envelope itself (the end game).
    """
    dx, dy, dz = px - lp[j, 0], py - lp[j, 1], pz - lp[j, 2]
    dh2 = dx * dx + dy * dy
    r = math.sqrt(dh2 + dz * dz)
    rmax, amax = lp[j, 4], lp[j, 6]
    rtop = lp[j, R_FIRE] if fire else rmax
    margin = min((r - lp[j, 3]) / rmax, (rtop - r) / rmax)
    if stop_outside and (margin < 0.0 or not math.isfinite(tof)):
        return min(margin, -1.0), r, math.nan, math.nan
    # The fire-control radar must see the point: within its range and its azimuth sector
    # (columns FC_*; an infinite range and half sector: no such limit).
    fr = lp[j, FC_RANGE]
    if fr < math.inf:
        ex, ey, ez = px - lp[j, FC_SITE], py - lp[j, FC_SITE + 1], pz - lp[j, FC_SITE + 2]
        margin = min(margin, (fr - math.sqrt(ex * ex + ey * ey + ez * ez)) / fr)
        half = lp[j, FC_HALF]
        if half < math.inf:
            off = math.atan2(ex, ey) - lp[j, FC_BORE]
            off -= 2.0 * math.pi * math.floor((off + math.pi) / (2.0 * math.pi))
            margin = min(margin, (half - abs(off)) / math.pi)
        # Above its horizon and within its elevation limits too (a yes or no: the margin
        # only turns negative; its size stays the other constraints').
        if margin >= 0.0 and not _fire_control_sees(px, py, pz, lp, j):
            margin = -1e-9
        if stop_outside and margin < 0.0:
            return margin, r, math.nan, math.nan
    # Heights at a limit itself are inside, whatever their rounding (HEIGHT_TOL_M).
    hbot = lp[j, H_FIRE] if fire else lp[j, 5]
    margin = min(margin, _height_slack(h - hbot) / amax, _height_slack(amax - h) / amax)
    margin = min(margin, (tof - lp[j, 9]) / lp[j, 15])
    vxy = math.sqrt(vx * vx + vy * vy)
    speed = math.sqrt(vxy * vxy + vz * vz)
    margin = min(margin, (lp[j, 7] - speed) / lp[j, 7])
    if stop_outside and margin < 0.0:
        return margin, r, math.nan, speed
    cross = abs(dx * vy - dy * vx) / vxy if vxy > 1e-6 else math.sqrt(dh2)
    cm = lp[j, 8]
    if math.isfinite(cm):
        margin = min(margin, (cm - cross) / cm)
    tan_e = lp[j, 16]  # overhead dead cone (inf: none)
    if tan_e < math.inf:
        margin = min(margin, (tan_e * math.sqrt(dh2) - dz) / rmax)
    if not math.isfinite(tof):
        margin = -math.inf
    return margin, r, cross, speed


@njit(cache=True)
def envelope_margins(pos, vel, tof, h, jj, lp):
    """:func:`envelope_at` of flat arrays: ``pos``, ``vel`` (n, 3), ``tof``, ``h``, launcher
    index ``jj`` (n,); returns margin, range, crossing and speed, each (n,)."""
    n = tof.shape[0]
    out = np.empty((4, n))
    for q in range(n):
        res = envelope_at(pos[q, 0], pos[q, 1], pos[q, 2], vel[q, 0], vel[q, 1], vel[q, 2],
                          tof[q], h[q], lp, jj[q])
        for c in range(4):
            out[c, q] = res[c]
    return out


@njit(cache=True)
def _nearest_on_line(xi, gi, ox, oy, oz, H):
    """Least distance from ``(ox, oy, oz)`` to a straight path ``xi`` over ``[0, H]`` s, m; 0
    for a falling path (``gi`` > 0: no bound is taken)."""
    if gi != 0.0 or not math.isfinite(H):
        return 0.0
    rx, ry, rz = xi[0] - ox, xi[1] - oy, xi[2] - oz
    vv = xi[3] * xi[3] + xi[4] * xi[4] + xi[5] * xi[5]
    u = -(rx * xi[3] + ry * xi[4] + rz * xi[5]) / vv if vv > 0.0 else 0.0
    u = min(max(u, 0.0), H)
    dx, dy, dz = rx + xi[3] * u, ry + xi[4] * u, rz + xi[5] * u
    return math.sqrt(dx * dx + dy * dy + dz * dz)


# Relative and absolute slack of the reach tests that skip a pair's search: far above
# rounding, so that a skipped search is one that would have found nothing.
_SKIP_REL = 1e-9
_SKIP_ABS_M = 1e-6


@njit(cache=True)
def launch_pair(xi, gi, lp, j, radius, horizon, pk_base, target_g, sigma_m, quality, n_grid,
                n_iter, tol_m):
    """:func:`launch_now` of one pair: track state ``xi`` (6,) with downward acceleration
    ``gi``, launcher ``j`` of ``lp``, the pair's ``horizon`` (s) and ``pk_base``, the track's
    ``target_g``, ``sigma_m`` and ``quality``. Returns ``(tof, px, py, pz, vz, h, margin,
    range, crossing, speed, pk)``: the time of flight (inf: none), the PIP (m) and the target's
    vertical speed there (m/s), then the parts of :func:`launch_now`."""
    # A target that stays beyond the round's reach over the horizon has no intercept.
    reach = fly_distance(horizon, lp[j, 11], lp[j, 12], lp[j, 13], lp[j, 14])
    near = _nearest_on_line(xi, gi, lp[j, 0], lp[j, 1], lp[j, 2], horizon)
    if reach < near * (1.0 - _SKIP_REL) - _SKIP_ABS_M:
        u = math.inf
    else:
        u = _solve_pair(xi, gi, lp[j, 0], lp[j, 1], lp[j, 2], lp[j, 11], lp[j, 12],
                        lp[j, 13], lp[j, 14], 0.0, horizon, math.nan, n_grid,
                        n_iter, tol_m)
    ue = u if math.isfinite(u) else 0.0
    px = xi[0] + xi[3] * ue
    py = xi[1] + xi[4] * ue
    pz = xi[2] + xi[5] * ue - 0.5 * gi * ue * ue
    vz = xi[5] - gi * ue
    hh = _height(px, py, pz, radius)
    margin, r, cross, speed, pk = point_pk(px, py, pz, xi[3], xi[4], vz, u, hh, lp, j,
                                           pk_base, target_g, sigma_m,
                                           quality, True)
    # A round its radar guides needs the target in that radar's coverage now, not
    # only the intercept point (a yes or no, as the radar's horizon in envelope_at).
    if margin >= 0.0 and not target_seen_at_launch(xi[0], xi[1], xi[2], lp, j):
        margin = -1e-9
        pk = 0.0
    return u, px, py, pz, vz, hh, margin, r, cross, speed, pk


@njit(cache=True)
def launch_now(x, g, lp, radius, horizon, pk_base, target_g, sigma_m, quality, n_grid, n_iter,
               tol_m, need):
    """Intercepts of rounds launched now at every (track, launcher) pair, envelope and Pk.

    ``x`` (m, 6), ``g`` (m,), ``lp`` (L, 19) launcher rows (see :func:`launch_windows`),
    ``radius`` of the height sphere (inf: flat), ``horizon`` (m, L) s, ``pk_base`` (m, L) the
    class table values, ``target_g``, ``sigma_m``, ``quality`` (m,) per track. Returns ``tof``
    (m, L) (inf where none), the PIP ``pip`` and the target velocity there ``vpip`` (m, L, 3),
    and ``parts`` (6, m, L): height, margin, range, crossing, speed (as :func:`envelope_at`
    with ``fire``; a pair without intercept is evaluated at the track's position) and the
    kill probability (:func:`airdefense.engagement.pk.pk_one`; 0 outside the envelope). A
    launcher whose guidance needs its fire-control radar on the target
    (:func:`target_seen_at_launch`) is outside (margin ``-1e-9``, Pk 0) while the radar does
    not cover the track's position ``x``, whatever the PIP. ``need`` (m, L) bool
    names the pairs to evaluate; the others get no intercept (``tof`` inf, zero PIP and
    parts, margin -inf); an empty ``need`` (0, 0) evaluates every pair.
    """
    m = x.shape[0]
    L = lp.shape[0]
    every = need.shape[0] == 0
    tof = np.empty((m, L))
    pip = np.empty((m, L, 3))
    vpip = np.empty((m, L, 3))
    parts = np.empty((6, m, L))
    for i in range(m):
        xi = x[i]
        gi = g[i]
        for j in range(L):
            if not every and not need[i, j]:
                tof[i, j] = math.inf
                for c in range(3):
                    pip[i, j, c] = 0.0
                    vpip[i, j, c] = 0.0
                for c in range(6):
                    parts[c, i, j] = 0.0
                parts[1, i, j] = -math.inf
                continue
            u, px, py, pz, vz, hh, margin, r, cross, speed, pk = launch_pair(
                xi, gi, lp, j, radius, horizon[i, j], pk_base[i, j], target_g[i], sigma_m[i],
                quality[i], n_grid, n_iter, tol_m)
            tof[i, j] = u
            pip[i, j, 0], pip[i, j, 1], pip[i, j, 2] = px, py, pz
            vpip[i, j, 0], vpip[i, j, 1], vpip[i, j, 2] = xi[3], xi[4], vz
            parts[0, i, j] = hh
            parts[1, i, j] = margin
            parts[2, i, j] = r
            parts[3, i, j] = cross
            parts[4, i, j] = speed
            parts[5, i, j] = pk
    return tof, pip, vpip, parts


@njit(cache=True)
def point_pk(px, py, pz, vx, vy, vz, tof, h, lp, j, pk_base, target_g, sigma_m, quality,
             fire=False):
    """Envelope of launcher ``j`` and kill probability at one intercept point: the single
    definition the fire control (:func:`launch_now`) and the end game (:func:`end_game_pks`)
    share.

    The point ``(px, py, pz)`` (m) with the target's velocity ``(vx, vy, vz)`` (m/s) there,
    time of flight ``tof`` (s) and height ``h`` (m); ``pk_base`` the table value of the pair,
    ``target_g`` the target's manoeuvre limit (g), ``sigma_m`` and ``quality`` the track's RMS
    position error (m) and quality score. Returns ``(margin, range_m, crossing_m, speed_mps,
    pk)``: :func:`envelope_at`'s figures and :func:`airdefense.engagement.pk.pk_one` of the
    geometry, 0 outside the envelope (``margin < 0``, or no time of flight). ``fire``: the fire
    decision's envelope (:func:`envelope_at`; the end game evaluates the envelope itself).
    """
    margin, r, cross, speed = envelope_at(px, py, pz, vx, vy, vz, tof, h, lp, j, False, fire)
    pk = 0.0
    if margin >= 0.0:  # envelope_at gives -inf without a finite time of flight
        base, rf, af = pk_base, r / lp[j, 4], h / lp[j, 6]
        if lp[j, GUN] > 0.0:  # a gun's burst law (pk.burst_pk_one) replaces the edge factor
            base = burst_pk_one(pk_base, r, tof, lp[j, GUN], lp[j, GUN + 1], lp[j, GUN + 2],
                                lp[j, GUN + 3], lp[j, GUN + 4])
            rf, af = 0.0, 0.0
        pk = pk_one(base, rf, af, cross / lp[j, 8], speed / lp[j, 7],
                    target_g / lp[j, 17], sigma_m, lp[j, 18], quality)
    return margin, r, cross, speed, pk


@njit(cache=True)
def end_game_pks(states, tof, jj, lp, radius, pk_base, target_g, sigma_m, quality):
    """Kill probability of end games at the target's true state, each (n,).

    ``states`` (n, 6): the target's true state at each end game (ENU m, m/s); ``tof`` (n,) the
    round's time of flight there, s; ``jj`` (n,) its launcher (row of ``lp``); ``radius`` the
    height sphere's (inf: flat); ``pk_base``, ``target_g``, ``sigma_m``, ``quality`` (n,) the
    inputs of the fire decision's Pk (table value, target's manoeuvre limit, track error and
    quality at launch). Returns the envelope margins and the Pk (:func:`point_pk`: 0 outside
    the envelope).
    """
    n = tof.shape[0]
    margin = np.empty(n)
    pk = np.empty(n)
    for q in range(n):
        s = states[q]
        h = _height(s[0], s[1], s[2], radius)
        margin[q], _, _, _, pk[q] = point_pk(s[0], s[1], s[2], s[3], s[4], s[5], tof[q], h, lp,
                                             jj[q], pk_base[q], target_g[q], sigma_m[q],
                                             quality[q])
    return margin, pk


@njit(cache=True)
def window_grid(xi, gi, horizon, radius, u, pos, vel, h):
    """Fill the grid of one track's path for :func:`pair_window`: intercept times ``u`` (n,)
    over ``[0, horizon]`` s, positions ``pos``, velocities ``vel`` (n, 3) and heights ``h``
    (n,) (work arrays of the caller)."""
    n = u.shape[0]
    for q in range(n):
        uq = horizon * q / (n - 1)
        u[q] = uq
        pos[q, 0] = xi[0] + xi[3] * uq
        pos[q, 1] = xi[1] + xi[4] * uq
        pos[q, 2] = xi[2] + xi[5] * uq - 0.5 * gi * uq * uq
        vel[q, 0] = xi[3]
        vel[q, 1] = xi[4]
        vel[q, 2] = xi[5] - gi * uq
        h[q] = _height(pos[q, 0], pos[q, 1], pos[q, 2], radius)


@njit(cache=True)
def window_work(n):
    """Work arrays of a window search over ``n`` grid points: intercept times ``u`` (n,),
    positions and velocities (n, 3), heights (n,) and inside flags (n,)."""
    return np.empty(n), np.empty((n, 3)), np.empty((n, 3)), np.empty(n), np.empty(n, np.bool_)


@njit(cache=True)
def _sees_at_launch(xi, gi, de, lp, j):
    """:func:`target_seen_at_launch` of a launch ``de`` seconds after the time of the track
    ``xi`` (its predicted path, downward acceleration ``gi``; a past launch: its position
    now)."""
    if not lp[j, FC_NEEDS_TARGET] > 0.0:
        return True
    w = de if de > 0.0 else 0.0
    return fire_control_covers(xi[0] + xi[3] * w, xi[1] + xi[4] * w,
                               xi[2] + xi[5] * w - 0.5 * gi * w * w, lp, j)


@njit(cache=True)
def pair_window(xi, gi, horizon, lp, j, radius, n_refine, u, pos, vel, h, ok, query, t, ttg):
    """Launch delays of one (track, launcher ``j``) pair: the least and greatest delay whose
    intercept is inside the envelope, ``(a, b, stopped)``; ``(inf, -inf)`` where none.

    The grid comes from :func:`window_grid` (``ok`` (n,) is a work array). With ``query`` the
    search stops at the first inside grid point whose delay ``d`` gives a window open in
    ``(t, t + ttg]`` (``t + d > t`` and ``t + max(d, 0) <= t + ttg``), returning
    ``(d, d, True)``: the full window contains that delay, so the full search would find such
    a window too (the control unit's question, answered without the edges).

    An intercept time is inside where the fire decision's envelope holds at its intercept
    point (:func:`envelope_at` with ``fire``: the far-edge and low-edge margins) and, for a
    launcher whose guidance needs it, the fire-control radar covers the target at the launch
    (:func:`target_seen_at_launch` of the predicted position then): the same tests as a
    launch now (:func:`launch_now`).
    """
    n = u.shape[0]
    rtop = lp[j, R_FIRE]
    # A path that stays beyond the maximum range has no window: no grid needed.
    near = _nearest_on_line(xi, gi, lp[j, 0], lp[j, 1], lp[j, 2], horizon)
    if near > rtop * (1.0 + _SKIP_REL) + _SKIP_ABS_M:
        return math.inf, -math.inf, False
    vb, tb, v0, kk = lp[j, 11], lp[j, 12], lp[j, 13], lp[j, 14]
    a = math.inf
    b = -math.inf
    any_flip = False
    k_first = -1
    k_last = -1
    for q in range(n):
        dx = pos[q, 0] - lp[j, 0]
        dy = pos[q, 1] - lp[j, 1]
        dz = pos[q, 2] - lp[j, 2]
        d = math.sqrt(dx * dx + dy * dy + dz * dz)
        # Out of range (envelope_at's first test) needs no time of flight.
        ok[q] = lp[j, 3] <= d <= rtop
        if ok[q]:
            tof = fly_time_to(d, vb, tb, v0, kk)
            ok[q] = envelope_at(pos[q, 0], pos[q, 1], pos[q, 2], vel[q, 0], vel[q, 1],
                                vel[q, 2], tof, h[q], lp, j, True, True)[0] >= 0.0
            de = u[q] - tof
            ok[q] = ok[q] and _sees_at_launch(xi, gi, de, lp, j)
            if ok[q]:
                if query and t + de > t and t + max(de, 0.0) <= t + ttg:
                    return de, de, True
                a = min(a, de)
                b = max(b, de)
        if q > 0 and ok[q] != ok[q - 1]:
            if not any_flip:
                k_first = q - 1
                any_flip = True
            k_last = q - 1
    if any_flip:
        for e in range(2):
            kq = k_first if e == 0 else k_last
            ua, ub = u[kq], u[kq + 1]
            in_a = ok[kq]
            for _ in range(n_refine):
                mid = 0.5 * (ua + ub)
                px = xi[0] + xi[3] * mid
                py = xi[1] + xi[4] * mid
                pz = xi[2] + xi[5] * mid - 0.5 * gi * mid * mid
                dx, dy, dz = px - lp[j, 0], py - lp[j, 1], pz - lp[j, 2]
                d = math.sqrt(dx * dx + dy * dy + dz * dz)
                im = False
                if lp[j, 3] <= d <= rtop:
                    tof = fly_time_to(d, vb, tb, v0, kk)
                    im = envelope_at(px, py, pz, xi[3], xi[4], xi[5] - gi * mid, tof,
                                     _height(px, py, pz, radius), lp, j, True,
                                     True)[0] >= 0.0 and _sees_at_launch(xi, gi, mid - tof,
                                                                        lp, j)
                if im == in_a:
                    ua = mid
                else:
                    ub = mid
            edge = ua if in_a else ub
            px = xi[0] + xi[3] * edge
            py = xi[1] + xi[4] * edge
            pz = xi[2] + xi[5] * edge - 0.5 * gi * edge * edge
            dx, dy, dz = px - lp[j, 0], py - lp[j, 1], pz - lp[j, 2]
            de = edge - fly_time_to(math.sqrt(dx * dx + dy * dy + dz * dz), vb, tb, v0, kk)
            a = min(a, de)
            b = max(b, de)
    return a, b, False


@njit(cache=True)
def launch_windows(x, g, horizon, lp, radius, n, n_refine):
    """Earliest and latest launch delays whose intercept stays inside the envelope, each (m, L).

    ``x`` (m, 6), ``g`` (m,), ``horizon`` (m,) s; ``lp`` (L, 19) launcher rows ``[x, y, z,
    min_range, max_range, min_alt, max_alt, max_tgt_speed, max_cross, min_tof, max_elev, vb,
    tb, v0, k, max_tof, tan_max_elev, max_g, basket]`` (``tan_max_elev`` inf where no
    overhead cone, ``max_cross`` inf where no crossing limit); ``radius`` of the height sphere
    (inf: flat). The envelope is sampled at ``n`` intercept times over the horizon, then its
    first entry and last exit are bisected ``n_refine`` times. NaN where no intercept is
    inside.
    """
    m = x.shape[0]
    L = lp.shape[0]
    lo = np.full((m, L), np.nan)
    hi = np.full((m, L), np.nan)
    u, pos, vel, h, ok = window_work(n)
    for i in range(m):
        window_grid(x[i], g[i], horizon[i], radius, u, pos, vel, h)
        for j in range(L):
            a, b, _ = pair_window(x[i], g[i], horizon[i], lp, j, radius, n_refine, u, pos, vel,
                                  h, ok, False, 0.0, 0.0)
            if math.isfinite(a):
                lo[i, j] = a
            if math.isfinite(b):
                hi[i, j] = b
    return lo, hi


@njit(cache=True)
def horizons(x, g, radius, horizon_s):
    """Time ahead to search per track, (m,): ``horizon_s``, or a falling track's time to the
    ground (``g`` > 0) if sooner; at least 1 ms."""
    m = x.shape[0]
    U = np.empty(m)
    for i in range(m):
        u = horizon_s
        gi = g[i]
        if gi > 0.0:
            h0 = _height(x[i, 0], x[i, 1], x[i, 2], radius)
            h0 = h0 if h0 > 0.0 or math.isnan(h0) else 0.0
            vz = x[i, 5]
            u = _nan_min(u, (vz + math.sqrt(vz * vz + 2.0 * gi * h0)) / gi)
        U[i] = _nan_max(u, 1e-3)
    return U


@njit(cache=True)
def _nan_min(a, b):
    # np.minimum of two floats (NaN propagates).
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return a if a <= b else b


@njit(cache=True)
def _nan_max(a, b):
    # np.maximum of two floats (NaN propagates).
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return a if a >= b else b


@njit(cache=True)
def window_edge(t, lo, hi, inside):
    """Launch window ``(open, close)`` in absolute time of one pair from its raw delays ``lo``,
    ``hi`` (s, NaN: none) and the launch-now envelope test; ``(nan, nan)`` where none."""
    if inside:  # np.fmin / np.fmax against 0: NaN gives way
        lo = 0.0 if math.isnan(lo) else min(lo, 0.0)
        hi = 0.0 if math.isnan(hi) else max(hi, 0.0)
    if not hi >= 0.0:
        return math.nan, math.nan
    return t + _nan_max(lo, 0.0), t + hi


@njit(cache=True)
def window_edges(t, delay_open, delay_close, inside):
    """Launch windows in absolute time, each (m, L): see
    :func:`airdefense.engagement.envelope.window_times`."""
    m, L = delay_open.shape
    w_open = np.empty((m, L))
    w_close = np.empty((m, L))
    for i in range(m):
        for j in range(L):
            w_open[i, j], w_close[i, j] = window_edge(t, delay_open[i, j], delay_close[i, j],
                                                      inside[i, j])
    return w_open, w_close


@njit(cache=True)
def refinements(U, n, tol_s):
    """Bisections that bring the longest of ``n - 1`` grid intervals over the horizons ``U``
    down to ``tol_s``, in [0, 30]."""
    umax = -math.inf
    for i in range(U.shape[0]):
        umax = max(umax, U[i])
    v = math.ceil(math.log2(max(umax / (n - 1), 1e-9) / max(tol_s, 1e-6)))
    return int(min(max(v, 0.0), 30.0))


@njit(cache=True)
def pair_geometry(t, x, g, lp, radius, horizon_s, pk_table, kc, target_g, sigma_m, quality,
                  windows, n_window, tol_s, n_grid, n_iter, tol_m, need):
    """Everything :func:`airdefense.engagement.envelope.feasibility` gives, in one call.

    ``pk_table`` (L, classes) and the class codes ``kc`` (m,) give the base kill
    probabilities; the other arguments are those of :func:`horizons`, :func:`launch_now` and
    :func:`launch_windows`. Returns ``tof``, ``pip``, ``vpip``, ``parts`` (as
    :func:`launch_now`), ``inside`` (m, L) and the windows ``w_open``, ``w_close`` (m, L),
    NaN where none (all NaN without ``windows``). ``need`` (m, L) bool, or (0, 0) for every
    pair: the pairs evaluated (see :func:`launch_now`).
    """
    m = x.shape[0]
    L = lp.shape[0]
    U = horizons(x, g, radius, horizon_s)
    H = np.empty((m, L))
    pk_base = np.empty((m, L))
    for i in range(m):
        for j in range(L):
            H[i, j] = _nan_min(U[i], lp[j, 15])
            pk_base[i, j] = pk_table[j, kc[i]]
    tof, pip, vpip, parts = launch_now(x, g, lp, radius, H, pk_base, target_g, sigma_m,
                                       quality, n_grid, n_iter, tol_m, need)
    inside = np.empty((m, L), np.bool_)
    for i in range(m):
        for j in range(L):
            inside[i, j] = math.isfinite(tof[i, j]) and parts[1, i, j] >= 0.0
    if windows:
        lo, hi = launch_windows(x, g, U, lp, radius, n_window,
                                refinements(U, n_window, tol_s))
        w_open, w_close = window_edges(t, lo, hi, inside)
    else:
        w_open = np.full((m, L), math.nan)
        w_close = np.full((m, L), math.nan)
    return tof, pip, vpip, parts, inside, w_open, w_close


@njit(cache=True)
def _closest(px, py, pz, vx, vy, vz, qx, qy, qz, wx, wy, wz, dt):
    """Time in ``[0, dt]`` and distance of the closest approach of two linear motions."""
    rx, ry, rz = qx - px, qy - py, qz - pz
    ux, uy, uz = wx - vx, wy - vy, wz - vz
    ww = ux * ux + uy * uy + uz * uz
    tau = -(rx * ux + ry * uy + rz * uz) / ww if ww > 0.0 else 0.0
    tau = min(max(tau, 0.0), dt)
    mx, my, mz = rx + ux * tau, ry + uy * tau, rz + uz * tau
    return tau, math.sqrt(mx * mx + my * my + mz * mz)


@njit(cache=True)
def closest_approaches(p0, v0, q0, w0, dt):
    """:func:`_closest` of rows: positions and velocities (n, 3), step ``dt`` (n,)."""
    n = p0.shape[0]
    tau = np.empty(n)
    miss = np.empty(n)
    for i in range(n):
        tau[i], miss[i] = _closest(p0[i, 0], p0[i, 1], p0[i, 2], v0[i, 0], v0[i, 1], v0[i, 2],
                                   q0[i, 0], q0[i, 1], q0[i, 2], w0[i, 0], w0[i, 1], w0[i, 2],
                                   dt[i])
    return tau, miss


@njit(cache=True)
def fly_rounds(ids, pos, aim, launch_t, max_tof, capture, vb, tb, v0, k, truth0, truth1, t, dt):
    """Fly interceptors ``ids`` straight at their aim points over ``[t, t + dt]``.

    ``pos`` (N, 3) is updated in place; the other per-interceptor arrays are indexed by
    ``ids``; ``truth0``, ``truth1`` (f, 3) are the targets' true positions at ``t`` and
    ``t + dt``. Returns ``ended`` (f,) bool (end game, overshoot or out of energy), ``t_end``
    and ``miss`` (f,): see :meth:`airdefense.engagement.interceptors.InterceptorState.fly`. A
    round's end game (closest approach within its capture radius) comes no later than
    ``max_tof`` after its launch: a step that outlives it is searched only up to then. A
    round within its capture radius at the step's end but still closing on its target is not
    ended: its closest approach (the end game) comes in a later step.
    """
    f = ids.size
    ended = np.zeros(f, np.bool_)
    t_end = np.empty(f)
    miss_out = np.empty(f)
    for r in range(f):
        ended[r], t_end[r], miss_out[r] = fly_round(
            ids[r], truth0[r, 0], truth0[r, 1], truth0[r, 2], truth1[r, 0], truth1[r, 1],
            truth1[r, 2], t, dt, pos, aim, launch_t, max_tof, capture, vb, tb, v0, k)
    return ended, t_end, miss_out


@njit(cache=True)
def reaim_rounds(ids, xs, g, t_ref, tau0, pos, max_tof, vb, tb, v0, k, aim, aim_t, n_grid,
                 n_iter, tol_m):
    """Re-aim interceptors ``ids`` at the intercepts of targets on predicted paths.

    ``xs`` (f, 6) target states at ``t_ref`` (f,) s, ``g`` (f,) their downward acceleration,
    ``tau0`` (f,) the rounds' time since launch; the per-interceptor arrays are indexed by
    ``ids``. Sets ``aim`` (N, 3) and ``aim_t`` (N,) in place: the intercept point and time, or
    the target's position and NaN where the round cannot reach it. Each solve starts near the
    last intercept (:func:`_solve_pair`).
    """
    for r in range(ids.size):
        reaim_round(ids[r], xs, r, g[r], t_ref[r], tau0[r], pos, max_tof, vb, tb, v0, k, aim,
                    aim_t, n_grid, n_iter, tol_m)


@njit(cache=True)
def guide_and_fly(ids, s0, s1, t0, t1, terminal_s, pos, aim, aim_t, launch_t, max_tof,
                  capture, vb, tb, v0, k, n_grid, n_iter, tol_m):
    """One step of interceptors ``ids``: terminal homing, then :func:`fly_rounds`.

    A round within ``terminal_s`` seconds of its target (distance to the target's true
    position ``s0`` at ``t0`` over its current speed), and launched by ``t0``, is re-aimed
    (:func:`reaim_rounds`) at the target's true motion over the step, ``s0`` to ``s1`` (f, 3).
    Returns those of :func:`fly_rounds`.
    """
    dt = t1 - t0
    xs = np.empty((1, 6))
    for r in range(ids.size):
        home_round(ids[r], s0[r, 0], s0[r, 1], s0[r, 2], s1[r, 0], s1[r, 1], s1[r, 2], t0, dt,
                   terminal_s, pos, aim, aim_t, launch_t, max_tof, vb, tb, v0, k, xs, n_grid,
                   n_iter, tol_m)
    return fly_rounds(ids, pos, aim, launch_t, max_tof, capture, vb, tb, v0, k, s0, s1, t0, dt)


# --- Damage law: the point law's expected loss, spread over an impact's miss and an area ----

_LN2 = math.log(2.0)
#: Gauss-Legendre nodes and weights on [-1, 1] of the Rice-law integral (:func:`_rice_cdf`).
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
#: Half-width of the Rice density kept about its centre (exp(-8.5^2 / 2) = 2e-16), and the
#: quadrature panel (the density's unit standard deviation).
_RICE_HALF, _RICE_PANEL = 8.5, 1.0
#: Largest ``beta`` (disc radius over the spread) of the Rice law's Poisson series, and the
#: reciprocals ``1 / i`` of its terms.
_RICE_SERIES = 6.0
_INV = 1.0 / np.maximum(np.arange(128.0), 1.0)
#: ``ln 2 (A / width)^2`` below which a disc is taken for a point (a relative difference of
#: the order of this in the law near the disc).
_POINT_AREA = 1e-10


@njit(cache=True)
def _i0e(z):
    """``exp(-z) I0(z)`` for ``z >= 0`` (the scaled modified Bessel function of order 0): its
    power series below 15, its asymptotic series above (relative error ~1e-15)."""
    if z < 15.0:
        q = 0.25 * z * z
        term = 1.0
        total = 1.0
        k = 1.0
        while term > 1e-17 * total:
            term *= q / (k * k)
            total += term
            k += 1.0
        return total * math.exp(-z)
    u = 1.0 / (8.0 * z)
    term = 1.0
    total = 1.0
    for k in range(1, 40):
        nxt = term * (2.0 * k - 1.0) ** 2 * u / k
        if nxt >= term or nxt < 1e-17:
            break
        term = nxt
        total += term
    return total / math.sqrt(2.0 * math.pi * z)


@njit(cache=True)
def _rice_cdf_series(alpha, beta):
    """:func:`_rice_cdf` as ``P(N_b > N_a)`` for independent Poisson counts of means
    ``beta^2 / 2`` and ``alpha^2 / 2`` (``|X|^2`` is a noncentral chi-square of 2 degrees of
    freedom, a Poisson mixture of central ones): ``sum_i P(N_b = i) P(N_a < i)``, positive
    terms summed until the rest (at most ``P(N_b > i)``) is below 1e-16 of the sum. Quick for
    small ``beta``."""
    mu = 0.5 * beta * beta
    lam = 0.5 * alpha * alpha
    pa = math.exp(-lam)  # P(N_a = i - 1)
    ca = pa  # P(N_a <= i - 1)
    pb = math.exp(-mu)  # P(N_b = i)
    total = 0.0
    n = min(int(mu + 12.0 * math.sqrt(mu)) + 40, _INV.size)
    for i in range(1, n):
        pb *= mu * _INV[i]
        total += pb * ca
        if i > mu + 1.0 and pb < 1e-16 * total:
            break
        pa *= lam * _INV[i]
        ca += pa
    return min(total, 1.0)


@njit(cache=True)
def _rice_cdf(alpha, beta):
    """``P(|X| <= beta)`` for ``X ~ N(m, I_2)``, ``|m| = alpha`` (Rice law, unit sigma; one
    minus Marcum's ``Q1(alpha, beta)``): for ``beta <= 6`` a Poisson series
    (:func:`_rice_cdf_series`), above it Gauss-Legendre panels over the density
    ``x exp(-(x - alpha)^2 / 2) I0e(alpha x)`` where it is above 2e-16 of its peak."""
    if not beta > 0.0:
        return 0.0
    if alpha == 0.0:  # the Rayleigh law
        return -math.expm1(-0.5 * beta * beta)
    if beta <= _RICE_SERIES:
        return _rice_cdf_series(alpha, beta)
    lo = max(alpha - _RICE_HALF, 0.0)
    if beta <= lo:
        return 0.0
    if beta >= alpha + _RICE_HALF:
        return 1.0
    n = int(math.ceil((beta - lo) / _RICE_PANEL))
    h = (beta - lo) / n
    total = 0.0
    for p in range(n):
        c = lo + (p + 0.5) * h
        for q in range(_GL_X.size):
            x = c + 0.5 * h * _GL_X[q]
            total += _GL_W[q] * x * math.exp(-0.5 * (x - alpha) ** 2) * _i0e(alpha * x)
    return min(0.5 * h * total, 1.0)


@njit(cache=True)
def disc_mean_exp2(mu2, sigma2, width, area):
    """Mean of ``2^-(r/width)^2`` over a disc of radius ``area`` (m; 0: a point) and over an
    impact point ``N(mu, sigma2 I_2)``, ``mu2 = |mu|^2`` (m^2) from the disc's centre.

    The kernel is a Gaussian of variance ``s^2 = width^2 / (2 ln 2)``; spread by the impact's,
    one of ``S^2 = s^2 + sigma2`` and height ``s^2 / S^2`` (the point's closed form). Its mean
    over a uniform disc is ``(2 s^2 / A^2) P(|N(mu, S^2 I_2)| <= A)``, a Rice-law probability
    (:func:`_rice_cdf`): ``(R/A)^2 / ln 2`` deep inside a large disc, the point's law as
    ``A -> 0`` (taken for ``ln 2 (A / width)^2 <= 1e-10``).
    """
    a = _LN2 / max(width, 1e-9) ** 2
    s = 1.0 + 2.0 * a * sigma2
    c = a * area * area
    if not c > _POINT_AREA:  # a point, or a disc too small to tell from one
        return math.exp(-a * mu2 / s) / s
    S = math.sqrt(s / (2.0 * a))
    p = _rice_cdf(math.sqrt(mu2) / S, area / S)
    return min(p / c, 1.0 / s)


@njit(cache=True)
def _spread_bound(u):
    """The largest ``exp(-u/s)/s`` over ``s >= 1`` (``u >= 0``): a point's
    :func:`disc_mean_exp2` over every spread of the miss, ``u`` its exponent without spread."""
    return math.exp(-u) if u <= 1.0 else 1.0 / (math.e * u)


@njit(cache=True)
def disc_mean_bound(mu2, width, area):
    """An upper bound of :func:`disc_mean_exp2` over every spread ``sigma2 >= 0``.

    A point: :func:`_spread_bound`. A disc: no more than a point at its nearest edge
    (``max(|mu| - A, 0)``), nor than the mean without spread about its centre,
    ``(1 - exp(-a A^2)) / (a A^2)`` with ``a = ln 2 / width^2`` (a centred kernel holds the
    most of the disc, Anderson's inequality, and spreading lowers it).
    """
    a = _LN2 / max(width, 1e-9) ** 2
    c = a * area * area
    if not c > _POINT_AREA:
        return _spread_bound(a * mu2)
    d = max(math.sqrt(mu2) - area, 0.0)
    return min(_spread_bound(a * d * d), -math.expm1(-c) / c)


@njit(cache=True)
def loss_fraction(mu2, s2, a1, w1, a2, w2, f_damaged):
    """Expected value fraction lost under the damage law ``(a1, w1, a2, w2)``
    (:func:`airdefense.engagement.damage.loss_law`: area radius and width of the destroy
    and damage terms), at a miss ``N(mu, s2 I_2)``, ``mu2 = |mu|^2``; see
    :func:`airdefense.c2.evaluation.expected_loss_fraction`."""
    p_des = disc_mean_exp2(mu2, s2, w1, a1)
    p_dam = disc_mean_exp2(mu2, s2, w2, a2)
    return p_des + f_damaged * (p_dam - p_des)


@njit(cache=True)
def loss_bound(mu2, value, a1, w1, a2, w2, f_damaged):
    """An upper bound of ``value * loss_fraction(mu2, s2, ...)`` over every ``s2 >= 0``
    (``0 <= f_damaged <= 1``), for a negative ``value`` too (then 0)."""
    return max(value, 0.0) * ((1.0 - f_damaged) * disc_mean_bound(mu2, w1, a1)
                              + f_damaged * disc_mean_bound(mu2, w2, a2))


@njit(cache=True)
def loss_fractions(mu2, s2, a1, w1, a2, w2, f_damaged):
    """:func:`loss_fraction` of flat arrays of equal length."""
    out = np.empty(mu2.size)
    for q in range(mu2.size):
        out[q] = loss_fraction(mu2[q], s2[q], a1[q], w1[q], a2[q], w2[q], f_damaged)
    return out


@njit(cache=True)
def _point_loss(d2, R, f_damaged):
    """The point damage law's expected value fraction lost at squared miss ``d2`` (m^2) from
    an impact of lethal radius ``R`` (m): destroyed ``2^-(d/R)^2`` plus ``f_damaged`` of
    damaged-only ``2^-(d/2R)^2``."""
    des = math.exp(-_LN2 * d2 / (R * R))
    return des + f_damaged * (math.exp(-_LN2 * d2 / (4.0 * R * R)) - des)


_LN2 = math.log(2.0)


@njit(cache=True)
def area_overlap(cx, cy, R, near, ax, ay, A, x0, dx, nx, y0, dy, ny, f_damaged):
    """Sums of :func:`airdefense.engagement.damage.AreaDamage`'s overlap integral on a grid
    inside the disc.

    An impact at ``(cx, cy)`` of lethal radius ``R`` (m), the earlier impacts ``near`` (h, 3:
    x, y, R), the disc of centre ``(ax, ay)`` and radius ``A``; the grid ``x0 + i dx``
    (``i < nx``) by ``y0 + j dy`` (``j < ny``), each node the centre of its cell, all inside
    the disc (the caller's). Returns the means over the disc of ``l (1 - prod_j (1 - l_j))``
    (value taken before) and ``l prod_j (1 - l_j)`` (value left), ``l`` the impact's point
    law.
    """
    taken = 0.0
    left = 0.0
    for i in range(nx):
        x = x0 + i * dx
        for j in range(ny):
            t, lf = _overlap_point(x, y0 + j * dy, 1.0, cx, cy, R, near, f_damaged)
            taken += t
            left += lf
    scale = dx * dy / (math.pi * A * A)
    return taken * scale, left * scale


@njit(cache=True)
def _overlap_point(x, y, w, cx, cy, R, near, f_damaged):
    """``w l (1 - keep)`` and ``w l keep`` at ``(x, y)`` (:func:`area_overlap`)."""
    d2 = (x - cx) ** 2 + (y - cy) ** 2
    if d2 > _REACH2 * R * R:  # the impact's kernel is below 1e-9 here
        return 0.0, 0.0
    mine = w * _point_loss(d2, R, f_damaged)
    keep = 1.0
    for k in range(near.shape[0]):
        d2k = (x - near[k, 0]) ** 2 + (y - near[k, 1]) ** 2
        if d2k < _REACH2 * near[k, 2] * near[k, 2]:
            keep *= 1.0 - _point_loss(d2k, near[k, 2], f_damaged)
    return mine * (1.0 - keep), mine * keep


_REACH2 = 11.0**2  # squared reach of the point law's kernels in lethal radii (2^-30.25)


@njit(cache=True)
def area_overlap_polar(cx, cy, R, near, ax, ay, A, r_lo, r_hi, u, wu, th_lo, th_hi, n_theta,
                       f_damaged):
    """:func:`area_overlap` by a polar product rule about the disc's centre, for kernels that
    reach its rim (a coordinate line here, so the rule keeps its order): Gauss-Legendre nodes
    ``u`` (weights ``wu``, on [-1, 1]) in the radius over ``[r_lo, r_hi]`` (``r_hi <= A``)
    and ``n_theta`` midpoints in the angle over ``[th_lo, th_hi]`` (the whole circle, or an
    arc beyond which the kernels vanish)."""
    taken = 0.0
    left = 0.0
    dth = (th_hi - th_lo) / n_theta
    # The angles' cosines and sines, once (the same numbers at every radius).
    cth = np.empty(n_theta)
    sth = np.empty(n_theta)
    for k in range(n_theta):
        th = th_lo + (k + 0.5) * dth
        cth[k] = math.cos(th)
        sth[k] = math.sin(th)
    for i in range(u.size):
        r = r_lo + 0.5 * (r_hi - r_lo) * (u[i] + 1.0)
        w = 0.5 * (r_hi - r_lo) * wu[i] * r * dth
        for k in range(n_theta):
            t, lf = _overlap_point(ax + r * cth[k], ay + r * sth[k], w, cx, cy, R, near,
                                   f_damaged)
            taken += t
            left += lf
    scale = 1.0 / (math.pi * A * A)
    return taken * scale, left * scale


# --- AreaDamage.hit's loop ---------------------------------------------------------------
# One call takes a batch of impacts on the area assets: for each asset and each impact with a
# share, the earlier impacts whose kernels reach it, the overlap integral (area_overlap or
# area_overlap_polar) and the share's update, in the order and with the arithmetic of the loop
# in Python it replaced (the same bits). The polar rule's Gauss-Legendre nodes come from
# NumPy's leggauss: a call that needs a table the caller has not given stops before the impact
# and says which (the caller adds it and resumes there).


@njit(cache=True, inline="always")
def grid_nodes(half, step, max_nodes):
    """Nodes per axis of :func:`area_hits`' grid rule over a window of half width ``half``
    (m) at a spacing of ``step`` (m) at most: ``ceil(2 half / step) + 1``, capped at
    ``max_nodes`` (a needle-thin warhead beside a large one would ask for millions)."""
    n = int(np.ceil(2.0 * half / step)) + 1
    return max_nodes if n > max_nodes else n


@njit(cache=True)
def area_hits(xy, R, frac, lost, hits, n_hits, centre, area, th0, dth, leg_at, leg_u, leg_w,
              j0, i0, near, reach_r, sigma_div, step_sigma, max_nodes, f_damaged):
    """Add impacts to the area assets' hit lists and correct their shares for overlaps.

    Parameters
    ----------
    xy : ndarray of shape (k, 2)
        Impact points (east, north), m, in time order.
    R : ndarray of shape (k, a)
        Lethal radius of each impact against each asset, m (> 0).
    frac : ndarray of shape (k, a)
        Closed-form value fractions of each impact; corrected in place where earlier
        impacts' kernels reach it (assets and impacts with ``frac > 0`` only).
    lost : ndarray of shape (a,)
        Value fraction each asset has lost; updated in place.
    hits : ndarray of shape (a, cap, 3)
        Each asset's impacts so far (x, y, lethal radius), ``n_hits`` (a,) of them (int64);
        appended to in place (``cap >= n_hits + k``).
    centre : ndarray of shape (a, 2)
        Asset centres, m.
    area : ndarray of shape (a,)
        Asset radii, m.
    th0, dth : ndarray of shape (k, a)
        Bearing (rad) of each impact from each asset's centre, and the half-angle of the arc
        that holds its window, ``arcsin(reach / rho)`` (NumPy's, read where ``rho > reach``).
    leg_at : ndarray of shape (max_nodes + 1,), int64
        Start in ``leg_u``, ``leg_w`` of the Gauss-Legendre table of each order (-1: none).
    j0, i0 : int
        Asset and impact to start at (0, 0; a resumed call: where the last one stopped).
    near : ndarray of shape (cap, 3)
        Scratch.
    reach_r, sigma_div, step_sigma : float
        The kernels' reach in lethal radii, ``sqrt(2 ln 2)`` (a lethal radius over its
        kernel's sigma) and the grid step in sigmas.
    max_nodes : int
        Nodes per axis, at most.
    f_damaged : float
        ``DAMAGED_VALUE_FRACTION``.

    Returns
    -------
    order, j, i : int
        0, -1, -1 when done; else the Gauss-Legendre order needed at asset ``j``, impact
        ``i`` (nothing of that impact done yet).
    """
    k, a = frac.shape
    sq2 = math.sqrt(2.0)
    for j in range(j0, a):
        cx, cy, A = centre[j, 0], centre[j, 1], area[j]
        for i in range(i0 if j == j0 else 0, k):
            if not frac[i, j] > 0.0:
                continue
            c0, c1, r = xy[i, 0], xy[i, 1], R[i, j]
            h = n_hits[j]
            m = 0
            for q in range(h):
                if (math.hypot(hits[j, q, 0] - c0, hits[j, q, 1] - c1)
                        < reach_r * math.hypot(r, hits[j, q, 2])):
                    near[m, 0], near[m, 1], near[m, 2] = hits[j, q, 0], hits[j, q, 1], \
                        hits[j, q, 2]
                    m += 1
            if m:
                nb = near[:m]
                half = reach_r * r
                low = nb[0, 2]
                for q in range(1, m):
                    if nb[q, 2] < low:
                        low = nb[q, 2]
                sigma = (low if low < r else r) / sigma_div
                step = step_sigma * sigma
                rho = math.hypot(c0 - cx, c1 - cy)
                reach = half * sq2
                if rho + reach + step <= A:  # inside: the grid
                    n = grid_nodes(half, step, max_nodes)
                    d = 2.0 * half / (n - 1)
                    taken, left = area_overlap(c0, c1, r, nb, cx, cy, A, c0 - half, d, n,
                                               c1 - half, d, n, f_damaged)
                else:
                    r_lo = rho - reach
                    if 0.0 > r_lo:
                        r_lo = 0.0
                    r_hi = A
                    if r_lo >= r_hi:
                        taken, left = 0.0, 0.0
                    else:
                        if rho > reach:
                            t0, dt = th0[i, j], dth[i, j]
                        else:
                            t0, dt = 0.0, np.pi
                        n_r = int(np.ceil(0.5 * np.pi * (r_hi - r_lo) / step)) + 4
                        n_r = max(16, n_r)
                        n_th = int(np.ceil(2.0 * dt * r_hi / step)) + 4
                        n_th = max(16, n_th)
                        nr = min(n_r, max_nodes)
                        s = leg_at[nr]
                        if s < 0:
                            return nr, j, i
                        taken, left = area_overlap_polar(
                            c0, c1, r, nb, cx, cy, A, r_lo, r_hi, leg_u[s:s + nr],
                            leg_w[s:s + nr], t0 - dt, t0 + dt, min(n_th, 4 * max_nodes),
                            f_damaged)
                share = frac[i, j] - taken if taken <= left else left
                if 0.0 > share:
                    share = 0.0
                cap = 1.0 - lost[j]
                frac[i, j] = cap if cap < share else share
            hits[j, h, 0], hits[j, h, 1], hits[j, h, 2] = c0, c1, r
            n_hits[j] = h + 1
            v = lost[j] + frac[i, j]
            lost[j] = 1.0 if 1.0 < v else v
    return 0, -1, -1


# --- Interceptor flight step: the pieces of one step in compiled code ----------------------

# Resolved when the kernels compile (these modules import this one).
from airdefense.c2 import _kernels as _c2_kernels  # noqa: E402
from airdefense.engagement import flyout as _flyout  # noqa: E402
from airdefense.engagement.presets import THREAT_CLASSES  # noqa: E402

_BALLISTIC = THREAT_CLASSES.index("ballistic")


@njit(cache=True)
def path_at(x, r, g, u):
    """State ``u`` seconds along the predicted path of row ``r`` of states ``x`` (m, 6).

    Constant acceleration ``g`` (m/s^2) downward: returns ``(px, py, pz, vx, vy, vz)``, m and
    m/s. The one statement of :func:`airdefense.engagement.flyout.ballistic_path`.
    """
    return (x[r, 0] + x[r, 3] * u, x[r, 1] + x[r, 4] * u,
            x[r, 2] + x[r, 5] * u - 0.5 * g * u * u, x[r, 3], x[r, 4], x[r, 5] - g * u)


@njit(cache=True)
def path_states(x, g, u, with_vel):
    """:func:`path_at` of rows ``x`` (m, 6), ``g`` (m,) at times ``u`` (m, K) ahead.

    Returns positions (m, K, 3) and, with ``with_vel``, velocities (m, K, 3) (else (0, K, 3)).
    """
    m, K = u.shape
    pos = np.empty((m, K, 3))
    vel = np.empty((m if with_vel else 0, K, 3))
    for i in range(m):
        for q in range(K):
            px, py, pz, vx, vy, vz = path_at(x, i, g[i], u[i, q])
            pos[i, q, 0], pos[i, q, 1], pos[i, q, 2] = px, py, pz
            if with_vel:
                vel[i, q, 0], vel[i, q, 1], vel[i, q, 2] = vx, vy, vz
    return pos, vel


@njit(cache=True)
def propagate_row(x, r, g, dt):
    """Row ``r`` of track states ``x`` ``dt`` seconds later on its path (unchanged if 0)."""
    if dt == 0.0:
        return x[r, 0], x[r, 1], x[r, 2], x[r, 3], x[r, 4], x[r, 5]
    return path_at(x, r, g, dt)


@njit(cache=True)
def propagate_states(x, g, dt):
    """:func:`propagate_row` of every row of ``x`` (m, 6) with ``g`` (m,): (m, 6)."""
    m = x.shape[0]
    out = np.empty((m, 6))
    for i in range(m):
        (out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4],
         out[i, 5]) = propagate_row(x, i, g[i], dt)
    return out


@njit(cache=True)
def class_gravity(code):
    """Downward acceleration of the predicted path of a track of class ``code``, m/s^2.

    Ballistic tracks fall under gravity; the others fly straight lines.
    """
    return _flyout.GRAVITY_MPS2 if code == _BALLISTIC else 0.0


@njit(cache=True)
def class_gravities(codes):
    """:func:`class_gravity` of class codes (m,), m/s^2."""
    out = np.empty(codes.size)
    for i in range(codes.size):
        out[i] = class_gravity(codes[i])
    return out


@njit(cache=True)
def reaim_round(i, xs, r, g, t_ref, tau0, pos, max_tof, vb, tb, v0, k, aim, aim_t, n_grid,
                n_iter, tol_m):
    """Re-aim interceptor ``i`` at row ``r`` of target states ``xs`` (see :func:`reaim_rounds`).

    ``g`` the path's downward acceleration, ``t_ref`` the states' time, ``tau0`` the round's
    time since launch, s.
    """
    x = xs[r]
    u = _solve_pair(x, g, pos[i, 0], pos[i, 1], pos[i, 2], vb[i], tb[i], v0[i], k[i], tau0,
                    max(max_tof[i] - tau0, 0.5), aim_t[i] - t_ref, n_grid, n_iter, tol_m)
    if math.isfinite(u):
        aim_t[i] = t_ref + u
        aim[i, 0], aim[i, 1], aim[i, 2], _, _, _ = path_at(xs, r, g, u)
    else:  # the target outruns the round: keep pointing at it
        aim_t[i] = math.nan
        aim[i, 0], aim[i, 1], aim[i, 2] = x[0], x[1], x[2]


@njit(cache=True)
def home_round(i, ax, ay, az, bx, by, bz, t0, dt, terminal_s, pos, aim, aim_t, launch_t,
               max_tof, vb, tb, v0, k, xs, n_grid, n_iter, tol_m):
    """Terminal homing of interceptor ``i`` (see :func:`guide_and_fly`).

    Its target moves from ``(ax, ay, az)`` at ``t0`` to ``(bx, by, bz)`` at ``t0 + dt``;
    ``xs`` (1, 6) is scratch for the target's state.
    """
    spd = fly_speed(max(t0 - launch_t[i], 0.0), vb[i], tb[i], v0[i], k[i])
    dx, dy, dz = ax - pos[i, 0], ay - pos[i, 1], az - pos[i, 2]
    ttg = math.sqrt(dx * dx + dy * dy + dz * dz) / max(spd, 1.0)
    if ttg <= terminal_s and launch_t[i] <= t0:
        xs[0, 0], xs[0, 1], xs[0, 2] = ax, ay, az
        xs[0, 3], xs[0, 4], xs[0, 5] = (bx - ax) / dt, (by - ay) / dt, (bz - az) / dt
        reaim_round(i, xs, 0, 0.0, t0, max(t0 - launch_t[i], 0.0), pos, max_tof, vb, tb, v0,
                    k, aim, aim_t, n_grid, n_iter, tol_m)


@njit(cache=True)
def fly_round(i, ax, ay, az, bx, by, bz, t, dt, pos, aim, launch_t, max_tof, capture, vb, tb,
              v0, k):
    """Fly interceptor ``i`` over ``[t, t + dt]`` (see :func:`fly_rounds`).

    Its target moves from ``(ax, ay, az)`` at ``t`` to ``(bx, by, bz)`` at ``t + dt``. Returns
    ``(ended, t_end, miss)``.
    """
    t1 = t + dt
    ts = min(max(launch_t[i], t), t1)
    span = t1 - ts
    flying = span > 1e-12
    tau0 = ts - launch_t[i]
    tau1 = t1 - launch_t[i]
    step = (fly_distance(tau1, vb[i], tb[i], v0[i], k[i])
            - fly_distance(tau0, vb[i], tb[i], v0[i], k[i]))
    ux, uy, uz = aim[i, 0] - pos[i, 0], aim[i, 1] - pos[i, 1], aim[i, 2] - pos[i, 2]
    dist = math.sqrt(ux * ux + uy * uy + uz * uz)
    den = max(dist, 1e-9)
    spd = step / span if flying else 0.0
    vx, vy, vz = ux / den * spd, uy / den * spd, uz / den * spd
    wx = (bx - ax) / dt
    wy = (by - ay) / dt
    wz = (bz - az) / dt
    lag = ts - t
    # The round lives ``max_tof`` seconds: no closest approach is sought after that.
    qx, qy, qz = ax + wx * lag, ay + wy * lag, az + wz * lag
    tau, miss = _closest(pos[i, 0], pos[i, 1], pos[i, 2], vx, vy, vz, qx, qy, qz, wx, wy, wz,
                         min(span, max(max_tof[i] - tau0, 0.0)))
    expired = flying and tau1 >= max_tof[i]
    # Within the capture radius at the step's end but still closing (the relative position
    # there against the relative velocity): the closest approach comes in a later step, and
    # the round flies on to it, so the end game's time and miss do not depend on the step.
    closing = ((qx - pos[i, 0] + (wx - vx) * span) * (wx - vx)
               + (qy - pos[i, 1] + (wy - vy) * span) * (wy - vy)
               + (qz - pos[i, 2] + (wz - vz) * span) * (wz - vz)) < 0.0
    later = flying and not expired and closing and miss <= capture[i]
    hit = flying and miss <= capture[i] and not later
    # Passing the aim point without capture, or running out of energy, is a miss.
    overshoot = flying and dist <= step and not later
    if hit:
        t_end = ts + tau
    elif overshoot:
        t_end = ts + min(dist / spd if spd > 0.0 else span, span)
    else:
        t_end = ts + span
    pos[i, 0] += vx * span
    pos[i, 1] += vy * span
    pos[i, 2] += vz * span
    return hit or overshoot or expired, t_end, miss if hit else max(miss, capture[i])


@njit(cache=True)
def _after(a, b):
    """Whether ``a`` sorts after ``b`` in NumPy's order of floats (NaN last)."""
    return b < a or (math.isnan(a) and not math.isnan(b))


#: Columns of the packed interceptor arrays (:class:`~airdefense.engagement.interceptors.
#: InterceptorState`): floats (positions and aim points take three from theirs), integers,
#: booleans.
F_POS, F_AIM, F_AIM_T, F_SPEED, F_PK, F_CAPTURE, F_LAUNCH_T, F_MAX_TOF = 0, 3, 6, 7, 8, 9, 10, 11
F_VB, F_TB, F_V0, F_K = 12, 13, 14, 15
#: The fire decision's Pk inputs (table value, target g, track error m, quality) and the
#: end game's Pk (:func:`end_game_pks`; not read by the flight kernels).
F_PK_BASE, F_TARGET_G, F_SIGMA, F_QUALITY, F_PK_END = 16, 17, 18, 19, 20
#: Since when a radar-guided round's radar has not covered its target, s (NaN: it does).
F_UNSEEN_T, N_FLOAT = 21, 22
I_TARGET, I_TRACK, I_FIRE_CONTROL, I_LAUNCHER = 0, 1, 2, 3
B_COMMAND, B_ACTIVE = 0, 1


@njit(cache=True)
def fly_step(n, rf, ri, rb, sensor_ok, track_id, track_x, track_dt, truth0, truth1, t0, t1,
             terminal_s, out_i, out_f, n_grid, n_iter, tol_m, lp, grace_s, held_by_id,
             radius_m):
    """One flight step of the interceptors ``0..n-1`` over ``[t0, t1]``.

    The interceptors' fields are the columns of ``rf`` (float), ``ri`` (int) and ``rb``
    (bool) named by ``F_*``, ``I_*``, ``B_*``. Of the active rounds, radar-guided ones
    (``command``) whose fire-control radar is down (``sensor_ok`` (S,) False) are lost, and
    so are those in flight (launched by ``t0``) whose radar has not covered their target's
    true position (:func:`fire_control_covers` with their launcher's row of ``lp``, (L, cols);
    a round without a target, or ``lp`` with no row, is not checked) at any step start for
    ``grace_s`` seconds or more (``F_UNSEEN_T`` holds since when; a grace of 0: at the first
    step start that finds it uncovered); the
    others launched before ``t1`` fly, each in turn: mid-course update from its track (the
    first row of ``track_id`` (m,) naming it, states ``track_x`` (m, 6) ``track_dt`` s old,
    taken to the step's start, or to the round's launch where it leaves within the step,
    predicted with :func:`class_gravity` of its class, ``held_by_id[track_id]`` where that is
    a class code (the control unit's, indexed by track id; -1 or an id past its end: the class
    its state shows, :func:`classify_codes` above the sphere of ``radius_m``, m), and
    :func:`propagate_row`;
    :func:`reaim_round`), then :func:`home_round` and :func:`fly_round`
    (:func:`guide_and_fly`) against its target's true positions (rows of ``truth0``,
    ``truth1`` (n_threats, 6) at ``t0``, ``t1``; a round with no target, ``target < 0``,
    against its aim point). A round touches only its own rows, so this equals the steps one
    after the other over all rounds.

    Writes the lost rounds into ``out_i[0]`` and the rounds whose end game came into
    ``out_i[1]``, in order of end time (stable), with their end times (s) and misses (m) in
    ``out_f[0]`` and ``out_f[1]`` (buffers (2, >= n)); returns the counts ``(b, e)``.
    """
    pos, aim, aim_t = rf[:, F_POS:F_POS + 3], rf[:, F_AIM:F_AIM + 3], rf[:, F_AIM_T]
    capture, launch_t, max_tof = rf[:, F_CAPTURE], rf[:, F_LAUNCH_T], rf[:, F_MAX_TOF]
    vb, tb, v0, k = rf[:, F_VB], rf[:, F_TB], rf[:, F_V0], rf[:, F_K]
    target, track, fire_control = ri[:, I_TARGET], ri[:, I_TRACK], ri[:, I_FIRE_CONTROL]
    launcher, unseen = ri[:, I_LAUNCHER], rf[:, F_UNSEEN_T]
    command, active = rb[:, B_COMMAND], rb[:, B_ACTIVE]
    check = lp.shape[0] > 0
    lost, ended, t_end, miss = out_i[0], out_i[1], out_f[0], out_f[1]
    nb = 0
    ne = 0
    m = track_id.size
    xs = np.empty((1, 6))
    dt = t1 - t0
    for i in range(n):
        if not active[i]:
            continue
        if command[i] and not sensor_ok[fire_control[i]]:
            lost[nb] = i
            nb += 1
            continue
        q = target[i]
        if command[i] and check and q >= 0 and launch_t[i] <= t0:
            # Its radar must keep the target in coverage: lost after the grace without it.
            if fire_control_covers(truth0[q, 0], truth0[q, 1], truth0[q, 2], lp, launcher[i]):
                unseen[i] = math.nan
            else:
                if math.isnan(unseen[i]):
                    unseen[i] = t0
                if t0 - unseen[i] >= grace_s:
                    lost[nb] = i
                    nb += 1
                    continue
        if not launch_t[i] < t1:
            continue
        for j in range(m):
            if track_id[j] == track[i]:
                # The control unit's class, where it holds one, else the class the state
                # shows (classified here: only the tracks of the rounds flying).
                tj = track_id[j]
                if 0 <= tj < held_by_id.shape[0] and held_by_id[tj] >= 0:
                    code = held_by_id[tj]
                else:
                    code = _c2_kernels.state_class(track_x, j, -1, radius_m)
                g = class_gravity(code)
                # From the round's launch where it leaves within the step (its flight starts
                # there), else from the step's start.
                t_ref = max(t0, launch_t[i])
                (xs[0, 0], xs[0, 1], xs[0, 2], xs[0, 3], xs[0, 4],
                 xs[0, 5]) = propagate_row(track_x, j, g, track_dt + (t_ref - t0))
                reaim_round(i, xs, 0, g, t_ref, max(t0 - launch_t[i], 0.0), pos, max_tof, vb,
                            tb, v0, k, aim, aim_t, n_grid, n_iter, tol_m)
                break
        if q < 0:
            ax, ay, az = aim[i, 0], aim[i, 1], aim[i, 2]
            bx, by, bz = ax, ay, az
        else:
            ax, ay, az = truth0[q, 0], truth0[q, 1], truth0[q, 2]
            bx, by, bz = truth1[q, 0], truth1[q, 1], truth1[q, 2]
        home_round(i, ax, ay, az, bx, by, bz, t0, dt, terminal_s, pos, aim, aim_t, launch_t,
                   max_tof, vb, tb, v0, k, xs, n_grid, n_iter, tol_m)
        done, te, ms = fly_round(i, ax, ay, az, bx, by, bz, t0, dt, pos, aim, launch_t,
                                 max_tof, capture, vb, tb, v0, k)
        if done:
            e = ne
            while e > 0 and _after(t_end[e - 1], te):
                ended[e], t_end[e], miss[e] = ended[e - 1], t_end[e - 1], miss[e - 1]
                e -= 1
            ended[e], t_end[e], miss[e] = i, te, ms
            ne += 1
    return nb, ne


@njit(cache=True)
def end_game_rows(ended, t_end, states, rf, ri, lp, radius, pk):
    """:func:`end_game_pks`'s kill probabilities of the rounds ``ended`` (e,) int, read from
    the packed interceptor arrays (``rf``, ``ri``, as :func:`fly_step`): each round's time of
    flight ``t_end - F_LAUNCH_T`` (``t_end`` (e,), s), launcher ``I_LAUNCHER`` and Pk inputs
    ``F_PK_BASE``, ``F_TARGET_G``, ``F_SIGMA``, ``F_QUALITY``, its target's true state
    ``states[q]`` (e, 6) and the height sphere's ``radius`` (m); into ``pk[:e]``. The same
    numbers as :func:`end_game_pks` of those rows."""
    for q in range(ended.shape[0]):
        i = ended[q]
        s = states[q]
        h = _height(s[0], s[1], s[2], radius)
        pk[q] = point_pk(s[0], s[1], s[2], s[3], s[4], s[5], t_end[q] - rf[i, F_LAUNCH_T], h,
                         lp, ri[i, I_LAUNCHER], rf[i, F_PK_BASE], rf[i, F_TARGET_G],
                         rf[i, F_SIGMA], rf[i, F_QUALITY])[4]


@njit(cache=True)
def pair_figures(t, x, g, lp, radius, horizon_s, pk_table, kc, target_g, sigma_m, quality,
                 n_window, tol_s, n_grid, n_iter, tol_m, rows, cols):
    """The fire control's figures of chosen pairs ``rows``, ``cols`` (p,) int64 (track,
    launcher): :func:`pair_geometry` of those pairs (``need``) without windows, then
    :func:`pair_window_times` of them over the tracks' horizons; the other arguments are
    :func:`pair_geometry`'s. Returns (p, 10): the launch-now envelope test (1.0 inside, else
    0.0), the PIP (3), the kill probability, the latest launch time (NaN: no window), then the
    class table's kill probability, ``target_g``, ``sigma_m`` and ``quality`` of the pair
    (see :func:`airdefense.engagement.envelope._order_pairs`)."""
    m = x.shape[0]
    L = lp.shape[0]
    p = rows.shape[0]
    need = np.zeros((m, L), np.bool_)
    for q in range(p):
        need[rows[q], cols[q]] = True
    tof, pip, vpip, parts, inside, w_open, w_close = pair_geometry(
        t, x, g, lp, radius, horizon_s, pk_table, kc, target_g, sigma_m, quality, False,
        n_window, tol_s, n_grid, n_iter, tol_m, need)
    U = horizons(x, g, radius, horizon_s)
    ins = np.empty(p, np.bool_)
    for q in range(p):
        ins[q] = inside[rows[q], cols[q]]
    w_open, close = pair_window_times(t, x, g, U, lp, radius, n_window,
                                      refinements(U, n_window, tol_s), ins, rows, cols)
    out = np.empty((p, 10))
    for q in range(p):
        i, j = rows[q], cols[q]
        out[q, 0] = 1.0 if ins[q] else 0.0
        out[q, 1] = pip[i, j, 0]
        out[q, 2] = pip[i, j, 1]
        out[q, 3] = pip[i, j, 2]
        out[q, 4] = parts[5, i, j]
        out[q, 5] = close[q]
        out[q, 6] = pk_table[j, kc[i]]
        out[q, 7] = target_g[i]
        out[q, 8] = sigma_m[i]
        out[q, 9] = quality[i]
    return out


@njit(cache=True)
def pair_window_times(t, x, g, horizon, lp, radius, n, n_refine, inside, rows, cols):
    """Launch windows ``(open, close)`` in absolute time of chosen (track, launcher) pairs,
    each (p,): the same numbers as :func:`launch_windows` and :func:`window_edges` give for
    those pairs, without searching the others. ``rows``, ``cols`` (p,) index the tracks of
    ``x`` (m, 6) and the launchers of ``lp``; ``inside`` (p,) is each pair's launch-now
    envelope test; the other arguments are those of :func:`launch_windows`."""
    p = rows.shape[0]
    w_open = np.empty(p)
    w_close = np.empty(p)
    u, pos, vel, h, ok = window_work(n)
    for q in range(p):
        i, j = rows[q], cols[q]
        window_grid(x[i], g[i], horizon[i], radius, u, pos, vel, h)
        a, b, _ = pair_window(x[i], g[i], horizon[i], lp, j, radius, n_refine, u, pos, vel, h,
                              ok, False, 0.0, 0.0)
        w_open[q], w_close[q] = window_edge(t, a if math.isfinite(a) else math.nan,
                                            b if math.isfinite(b) else math.nan, inside[q])
    return w_open, w_close


@njit(cache=True)
def guided_rounds(n, ri, rb):
    """The active radar-guided rounds with a target among the first ``n`` rows of the packed
    integer and boolean rows ``ri``, ``rb`` (:class:`~airdefense.engagement.interceptors.
    InterceptorState`'s): the number of active rounds, then each such round's fire-control
    radar and target (g,) int64, in row order."""
    active = 0
    g = 0
    for r in range(n):
        if rb[r, B_ACTIVE]:
            active += 1
            if rb[r, B_COMMAND] and ri[r, I_TARGET] >= 0:
                g += 1
    fc = np.empty(g, np.int64)
    tg = np.empty(g, np.int64)
    g = 0
    for r in range(n):
        if rb[r, B_ACTIVE] and rb[r, B_COMMAND] and ri[r, I_TARGET] >= 0:
            fc[g] = ri[r, I_FIRE_CONTROL]
            tg[g] = ri[r, I_TARGET]
            g += 1
    return active, fc, tg


@njit(cache=True)
def free_channels(n, active, fire_control, channels, sensor_ok):
    """Free guidance channels per radar (S,): ``channels`` (S,) less the rounds in flight
    (``active`` of the first ``n`` rows) that radar ``fire_control`` guides; -1 where a radar
    has no channel limit (``channels`` <= 0), 0 where it is down (``sensor_ok`` false)."""
    S = channels.shape[0]
    busy = np.zeros(S, np.int64)
    for i in range(n):
        if active[i]:
            busy[fire_control[i]] += 1
    out = np.empty(S, np.int64)
    for s in range(S):
        if not sensor_ok[s]:
            out[s] = 0
        elif channels[s] > 0:
            out[s] = max(channels[s] - busy[s], 0)
        else:
            out[s] = -1
    return out


@njit(cache=True)
def fired_pair_figures(t, x, cov, quality, dt, path, kc, target_g, lp, radius, horizon_s,
                       pk_table, n_window, tol_s, n_grid, n_iter, tol_m, rows, cols):
    """:func:`pair_figures` of track states ``x`` (m, 6) moved ``dt`` seconds along the
    paths of classes ``path`` (m,) (:func:`class_gravities`, :func:`propagate_states`), with
    the RMS position errors of covariances ``cov`` (m, 6, 6)
    (:func:`airdefense.engagement.pk.position_sigma`); the other arguments are
    :func:`pair_figures`'. In one call: the fire control's figures of its ordered pairs
    (:func:`airdefense.engagement.envelope._fired_pairs`)."""
    g = class_gravities(path)
    xs = propagate_states(x, g, dt)
    return pair_figures(t, xs, g, lp, radius, horizon_s, pk_table, kc, target_g,
                        _position_sigmas(cov), quality, n_window, tol_s, n_grid, n_iter, tol_m,
                        rows, cols)
