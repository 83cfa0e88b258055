"""Compiled kernels of threat evaluation: the expected loss of every (track, asset) pair.

Run every decision cycle on tens of tracks and assets, where NumPy's per-call overhead, not
arithmetic, would set the cost. No fastmath and no parallelism: the same bits in every
process.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from airdefense.assignment._kernels import targets_weapons
from airdefense.engagement._kernels import (  # the damage law's kernels: the engagement's
    _LN2,
    _SKIP_ABS_M,
    _SKIP_REL,
    R_FIRE,
    _nan_max,
    _nan_min,
    _nearest_on_line,
    class_gravities,
    class_gravity,
    free_channels,
    horizons,
    launch_pair,
    loss_bound,
    loss_fraction,
    loss_fractions,  # noqa: F401 (evaluation.expected_loss_fraction calls it from here)
    pair_geometry,
    pair_window,
    refinements,
    window_edge,
    window_grid,
    window_work,
)
from airdefense.engagement.pk import _position_sigmas


@njit(cache=True, inline="always")
def _spreads(P, i, m):
    """Track ``i``'s position and velocity variances, m^2 and (m/s)^2: the means of the
    horizontal diagonal terms of its covariance ``P[i]`` ((m, 6, 6)), or (0, 0) where ``P``
    has not ``m`` rows (no covariances)."""
    if P.shape[0] == m:
        return 0.5 * (P[i, 0, 0] + P[i, 1, 1]), 0.5 * (P[i, 3, 3] + P[i, 4, 4])
    return 0.0, 0.0


@njit(cache=True)
def threat_values(x, P, ballistic_code, law, asset_enu, asset_value, asset_alive,
                  route_uncertainty, f_damaged, gravity, codes, radius):
    """Class, threatened asset, time to go, miss, value and impact point of every track.

    ``x`` (m, 6); ``P`` (m, 6, 6) covariances (their per-axis horizontal position and velocity
    variances widen the miss), or (0, 6, 6) for none; ``ballistic_code`` the ballistic
    class's code; ``law`` (K, a, 4) damage-law parameters ``(a1, w1, a2, w2)`` of each track
    class (:func:`classify_codes`) against each asset; ``asset_enu`` (a, 3), ``asset_value``
    (a,), ``asset_alive`` (a,) bool. Returns ``ints`` (2, m): the class ``code`` and the
    ``asset`` (-1: no value at risk) of each track; ``floats`` (3, m): ``tgo``, ``miss`` and
    ``value``; and ``impact`` (m, 3) (three arrays, not six: returning an array to Python
    costs about a microsecond). ``codes`` (m,) int are the tracks' classes, or (0,) for those
    of :func:`classify_codes` (heights above the sphere of ``radius``, m; inf: flat); where
    one of them is not a class of ``law`` (outside ``[0, K)``), every output has no track.
    """
    m = x.shape[0]
    if codes.shape[0] == m:
        for i in range(m):
            if not 0 <= codes[i] < law.shape[0]:  # no such class: nothing (the caller refuses)
                return np.zeros((2, 0), np.int64), np.zeros((3, 0)), np.zeros((0, 3))
    ints = np.empty((2, m), np.int64)
    floats = np.empty((3, m))
    law_row = ints[0]
    if codes.shape[0] == m:
        law_row[:] = codes
    else:
        law_row[:] = classify_codes(x, radius)
    pos_var = np.zeros(m)
    vel_var = np.zeros(m)
    if P.shape[0] == m:
        for i in range(m):
            pos_var[i], vel_var[i] = _spreads(P, i, m)
    best_a = ints[1]
    best_a[:] = 0
    tgo_out = floats[0]
    miss_out = floats[1]
    value = floats[2]
    impact = np.empty((m, 3))
    no_bounds = np.zeros(0)
    for i in range(m):
        _track_threat(i, x, pos_var[i], vel_var[i], law_row[i], ballistic_code, law, asset_enu,
                      asset_value, asset_alive, route_uncertainty, f_damaged, gravity, best_a,
                      tgo_out, miss_out, value, impact, no_bounds, no_bounds)
    return ints, floats, impact


@njit(cache=True)
def _track_threat(i, x, pos_var, vel_var, k, ballistic_code, law, asset_enu, asset_value,
                  asset_alive, route_uncertainty, f_damaged, gravity, best_a, tgo_out, miss_out,
                  value, impact, a_min, area_max):
    """:func:`threat_values` of track ``i`` (class ``k``, horizontal position and velocity
    variances per axis ``pos_var`` and ``vel_var``), written into row ``i`` of its outputs.

    ``a_min`` and ``area_max`` (na,): the class's rows of :func:`screen_bounds` of ``law``, or
    (0,): none. With them, an asset is passed over without its loss bound
    (:func:`loss_bound`) where a cheaper bound of that bound, ``value / (e c)`` for a kernel
    exponent ``c = a_min d^2`` at least 1 (``d`` the miss from the larger disc's edge; see
    :func:`airdefense.engagement._kernels.disc_mean_bound`: each term is at most
    ``1 / (e a d^2)`` for its width and disc, the widest and largest the most) shows it
    below the largest loss so far, with a slack far above rounding, or where the bound at the
    track's spread does (:func:`_asset_bound`'s ``value exp(-c / s) / s``, ``s = 1 + 2 a_min
    sigma^2``, with :func:`_value_bound`'s margin of 1e-6, which the screen's bound of the
    whole value takes too): it spares about half the Rice terms of the loss law
    (:func:`loss_fraction`), the cost here, and leaves :func:`loss_bound` (two exponentials)
    too little to spare to be worth it. Without them, an asset is passed over where its
    :func:`loss_bound` shows it below the largest loss so far. An asset passed over loses
    less than the largest loss so far, so it is not the first largest: the same outputs."""
    na = asset_enu.shape[0]
    pre = a_min.shape[0] == na and 0.0 <= f_damaged <= 1.0
    lim = (1.0 + 1e-9) * (1.0 + _SKIP_SLACK) / math.e
    px, py, vx, vy = x[i, 0], x[i, 1], x[i, 3], x[i, 4]
    z0, vz = x[i, 2], x[i, 5]
    t_imp = (vz + math.sqrt(max(vz * vz + 2.0 * gravity * max(z0, 0.0), 0.0))) / gravity
    vv = max(vx * vx + vy * vy, 1e-9)
    ballistic = k == ballistic_code
    ru = 0.02 if ballistic else route_uncertainty
    speed = math.sqrt(vv)
    best = -math.inf
    best_a[i] = 0
    for a in range(na):
        rx, ry = asset_enu[a, 0] - px, asset_enu[a, 1] - py
        tgo = t_imp if ballistic else max((rx * vx + ry * vy) / vv, 0.0)
        qx, qy = px + vx * tgo, py + vy * tgo
        dx, dy = asset_enu[a, 0] - qx, asset_enu[a, 1] - qy
        # An asset whose loss cannot reach the largest so far is passed over: it cannot
        # be the first largest (the bound holds for any spread; 1e-9 covers rounding).
        if pre and best > 1e-200 and asset_alive[a]:  # (no underflow in the test)
            dd = max(math.sqrt(dx * dx + dy * dy) - area_max[a], 0.0)
            c = a_min[a] * dd * dd
            if 1.0 <= c < math.inf and c * best > max(asset_value[a], 0.0) * lim:
                continue  # below loss_bound's bound, itself below the largest so far
            # The bound at the track's spread (_asset_bound's, with _value_bound's margin).
            dist = speed * tgo
            spread = 1.0 + 2.0 * a_min[a] * (pos_var + vel_var * tgo ** 2 + ru ** 2 * dist ** 2)
            if (max(asset_value[a], 0.0) * math.exp(-c / spread) / spread * (1.0 + 1e-6)
                    < best):
                continue
        # (With the bounds above, seldom lower: not taken.)
        if not pre and best > 0.0 and not (asset_alive[a] and loss_bound(
                dx * dx + dy * dy, asset_value[a], law[k, a, 0], law[k, a, 1],
                law[k, a, 2], law[k, a, 3], f_damaged) * (1.0 + 1e-9) >= best):
            continue
        miss = math.sqrt(dx * dx + dy * dy)
        dist = speed * tgo
        sigma = math.sqrt(pos_var + vel_var * tgo ** 2 + ru ** 2 * dist ** 2)
        loss = 0.0
        if asset_alive[a]:
            loss = asset_value[a] * loss_fraction(miss ** 2, sigma ** 2, law[k, a, 0],
                                                  law[k, a, 1], law[k, a, 2], law[k, a, 3],
                                                  f_damaged)
        if loss > best:  # the first largest, as argmax
            best = loss
            best_a[i] = a
            tgo_out[i] = tgo
            miss_out[i] = miss
            impact[i, 0], impact[i, 1], impact[i, 2] = qx, qy, asset_enu[a, 2]
    value[i] = best
    if not best > 0.0:
        best_a[i] = -1


@njit(cache=True)
def classify_codes(x, radius):
    """Class codes (indices into ``evaluation.KINDS``) of track states ``x`` (m, 6), (m,).

    The memoryless rules of :func:`airdefense.c2.evaluation.classify`
    (:func:`state_class` with no class held), heights above the sphere of ``radius`` (m;
    inf: flat ground).
    """
    m = x.shape[0]
    out = np.empty(m, np.int64)
    for i in range(m):
        out[i] = state_class(x, i, -1, radius)
    return out


#: Class codes of ``evaluation.KINDS``, for the kernels.
_DRONE, _CRUISE, _BALLISTIC, _AIRCRAFT, _HELICOPTER = 0, 1, 2, 3, 4
#: Radius of the sphere the heights are measured above by default (the mean Earth radius,
#: :data:`airdefense.geo.EARTH_RADIUS_M`), m: a scenario's is its frame's.
R_EARTH_M = 6371008.8
#: sin of the flight-path angles of the rules: steep (35 deg), glide (-4 deg), dive (-20 deg).
_SIN_STEEP = math.sin(math.radians(35.0))
_SIN_GLIDE = math.sin(math.radians(-4.0))
_SIN_DIVE = math.sin(math.radians(-20.0))


@njit(cache=True)
def state_class(x, i, held, radius):
    """Class code of the state ``x[i]`` (``x`` (m, 6) ENU m, m/s) for a track that holds
    class ``held`` (-1: none): the rules of :func:`airdefense.c2.evaluation.classify`, with
    the held class's band widened (hysteresis; see :func:`track_classes`).

    Features: speed ``v``; height ``h`` above the sphere of ``radius`` (m; inf: flat ground,
    ``h`` is ``z``) tangent at the origin, and vertical speed ``vz`` along the local vertical
    there (a level flight far from the origin stays level); the flight-path angle ``gamma``
    (``sin gamma = vz / v``).
    """
    vx, vy, vz0 = x[i, 3], x[i, 4], x[i, 5]
    v = math.sqrt(vx * vx + vy * vy + vz0 * vz0)
    if math.isfinite(radius):
        px, py, pz = x[i, 0], x[i, 1], x[i, 2] + radius
        r = math.sqrt(px * px + py * py + pz * pz)
        h = r - radius
        vz = (px * vx + py * vy + pz * vz0) / r
    else:  # flat ground
        h = x[i, 2]
        vz = vz0
    s = vz / v if v > 0.0 else 0.0  # sin of the flight-path angle
    # Ballistic: very fast, or fast and very high (above any aircraft's ceiling), or fast and
    # steep; a held ballistic track stays so while fast or high (apogee, a noisy estimate).
    if (v > 1200.0 or (v > 300.0 and h > 25000.0)
            or (abs(vz) > 300.0 and abs(s) > _SIN_STEEP)):
        return _BALLISTIC
    if held == _BALLISTIC and (v > 300.0 or h > 15000.0):
        return _BALLISTIC
    # Slow: a held helicopter hovers (up to 30 m/s) and stays one up to 160 m/s out of a steep
    # dive, a drone's speeds between (30-60 m/s) aside; a held drone stays one up to 70 m/s.
    dive = s < _SIN_DIVE
    if held == _HELICOPTER and (v <= 30.0 or (60.0 < v <= 160.0 and not dive)):
        return _HELICOPTER
    if v <= (70.0 if held == _DRONE else 60.0):
        return _DRONE
    if v <= (120.0 if held == _CRUISE or held == _AIRCRAFT else 140.0):
        # A steep dive at these speeds is a one-way drone's terminal dive, not a helicopter.
        return _DRONE if dive else _HELICOPTER
    # Jet speeds: a cruise missile low (held: up to 3,500 m, terrain), an aircraft high (held:
    # down to 1,000 m) unless it glides down (a released munition: the cruise class).
    if held == _CRUISE and h < 3500.0:
        return _CRUISE
    low = h < (1000.0 if held == _AIRCRAFT else 2000.0)
    return _CRUISE if low or s < _SIN_GLIDE else _AIRCRAFT


@njit(cache=True)
def track_classes(x, track_id, t, need, n_established, gate_m, gate_mps2, mem_i, mem_f,
                  radius):
    """Class codes (m,) of the tracks ``x`` (m, 6) with ids ``track_id`` (m,) at time ``t``
    (s), from each track's memory, which this updates in place; (0,) and nothing changed
    where an id is past the memory's rows (the caller grows it and calls again).

    The memory, by track id (rows; a negative id is classed by the memoryless rules and not
    remembered): ``mem_i`` (n, 4) int the class held (-1: none), ``age`` the states that
    supported it (capped at 1000), the challenger and its run of consecutive states;
    ``mem_f`` (n, 7) the time (s) and state of the track when last seen.

    Each state is classed by :func:`state_class` (heights above the sphere of ``radius``, m;
    inf: flat) with the track's held class once established
    (``n_established`` states; before, with none: the memoryless rules). A state of the held
    class adds to its age; a state of another class extends the challenger's run (or starts a
    new one) and the challenger takes over when its run reaches ``need[held, c]`` ((K, K)
    int), or 1 while the held class is not established. A track seen again at the same time
    (or earlier) keeps its class with no new evidence; one whose state is more than
    ``gate_m + gate_mps2 * dt^2 / 2`` from its last state's straight prediction is another
    object (an id reused) and starts afresh.
    """
    m = x.shape[0]
    n = mem_i.shape[0]
    for i in range(m):
        if track_id[i] >= n:
            return np.zeros(0, np.int64)
    out = np.empty(m, np.int64)
    for i in range(m):
        r = track_id[i]
        if r < 0:
            out[i] = state_class(x, i, -1, radius)
            continue
        held, age, cand, streak = mem_i[r, 0], mem_i[r, 1], mem_i[r, 2], mem_i[r, 3]
        if held >= 0:
            dt = t - mem_f[r, 0]
            if not dt > 0.0:
                out[i] = held
                continue
            e2 = 0.0
            for d in range(3):
                e = x[i, d] - mem_f[r, 1 + d] - mem_f[r, 4 + d] * dt
                e2 += e * e
            gate = gate_m + 0.5 * gate_mps2 * dt * dt
            if e2 > gate * gate:
                held = -1
        c = state_class(x, i, held if age >= n_established else -1, radius)
        if held < 0:
            held, age, cand, streak = c, 1, -1, 0
        elif c == held:
            age, cand, streak = min(age + 1, 1000), -1, 0
        else:
            if c == cand:
                streak += 1
            else:
                cand, streak = c, 1
            if streak >= (need[held, c] if age >= n_established else 1):
                held, age, cand, streak = c, streak, -1, 0
        mem_i[r, 0], mem_i[r, 1], mem_i[r, 2], mem_i[r, 3] = held, age, cand, streak
        mem_f[r, 0] = t
        for d in range(6):
            mem_f[r, 1 + d] = x[i, d]
        out[i] = held
    return out


@njit(cache=True)
def cycle_rules(t, tof, inside, pk, ttg, value, kidx, ballistic, fired_b, look, profitable,
                zones_ok, close, opens, lb, ready, operational, stock_at, battery_ok, unit_cost,
                class_pk, engage, hold, max_rounds, salvo, nonballistic_cap, rank, min_pk,
                cost_weight, profitable_only, need_future, ttg_slack_s, lazy, search):
    """Rules 2-6 of a decision cycle (see :mod:`airdefense.c2._options`) for eligible tracks.

    Pairs (m, L): ``tof``, ``inside``, ``pk`` (launch now), ``look``, ``profitable``,
    ``zones_ok``, window ``close``/``opens`` (absolute s, NaN: none). Tracks (m,): ``ttg``,
    ``value``, ``kidx`` class index, ``ballistic``; ``fired_b`` (m, B). Launchers (L,):
    battery ``lb``, ``ready``, ``operational``, ``stock_at`` (when each next holds a round,
    absolute s: ``t`` or earlier with rounds now, a scheduled reload's completion, inf: none
    coming), ``unit_cost``, ``rank`` (layer, -1 none); ``class_pk`` (L, K). Batteries (B,):
    ``battery_ok``, ``hold``, ``max_rounds``, ``nonballistic_cap``, ``min_pk``; ``salvo`` and
    ``engage`` (K, B). Returns ``allowed`` (m, L)
    bool and ``pair_cap`` (m, L) int.

    With ``lazy``, ``close`` and ``opens`` are not read: the windows are searched here with
    ``search`` (``feasibility(..., windows="deferred")["window_search"]``; any tuple of those
    types otherwise), only for the pairs whose chance later can matter, one at a time (the
    cheapest launcher's first) until rules 5 and 6 leave no pair of the row in doubt
    (:func:`_row_rules`), and each search stops once it has shown a window open in the
    threat's time to go. The result is the same as with the full windows.

    Either way a pair's later window is read only where it can change the row: not in a row
    where rules 2-4 allow nothing (rules 5 and 6 only withdraw pairs), nor for a launcher that
    can fire now, nor for one whose chance counts against no inner layer's allowed pair and
    whose deferral (it must pay its cost) spares no dearer launcher that is allowed or whose
    chance counts.

    A launcher's chance for rules 5 and 6 needs a round: one now for a chance now, else a
    window still open when its reload completes (``stock_at``) and opening within the threat's
    time to go.
    """
    m, L = tof.shape
    B = battery_ok.shape[0]
    # Every pair's geometry is given: the lazy geometry's arguments are never read.
    no_need = np.zeros((0, 0), np.bool_)
    geo = (search[0], search[1], search[2], search[3], search[4], class_pk,
           np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0), 0, 0, 0.0, no_need,
           np.zeros((0, 2)), np.zeros(0), np.zeros(0, np.bool_), np.zeros(0, np.int64),
           np.zeros(B, np.bool_), lb, np.ones(B, np.bool_))
    return _rules(t, tof, np.zeros((m, L, 3)), inside, np.ascontiguousarray(pk),
                  np.ascontiguousarray(zones_ok), np.ones((m, L), np.bool_), geo, ttg, value,
                  kidx, ballistic, fired_b, look, profitable, close, opens, lb, ready,
                  operational, stock_at, battery_ok, unit_cost, class_pk, engage, hold,
                  max_rounds, salvo, nonballistic_cap, rank, min_pk, cost_weight,
                  profitable_only, need_future, ttg_slack_s, lazy, search,
                  np.zeros(0, np.int64))


@njit(cache=True)
def _ensure(a, j, have, tof, pip, inside, pk, zok, geo):
    """Fill the launch-now geometry of pair ``(a, j)`` (:func:`launch_pair`) and its zones
    (:func:`zone_ok`), and set ``have[a, j]``: ``tof``, ``pip``, ``inside``, ``pk`` and ``zok``
    as :func:`cycle_options` computes them for every pair (no intercept where ``need`` leaves
    the pair out). ``geo``: see :func:`_rules`."""
    (x, g, U, lp, radius, pk_table, kc, target_g, sigma, quality, n_grid, n_iter, tol_m, need,
     zone_xy, zone_r, zone_hold, zone_b, free_b, lb, _) = geo
    if need.shape[0] == 0 or need[a, j]:
        u, px, py, pz, _, _, margin, _, _, _, p = launch_pair(
            x[a], g[a], lp, j, radius, _nan_min(U[a], lp[j, 15]), pk_table[j, kc[a]],
            target_g[a], sigma[a], quality[a], n_grid, n_iter, tol_m)
        ins = math.isfinite(u) and margin >= 0.0
    else:  # no geometry (see launch_now's need)
        u, px, py, pz, p, ins = math.inf, 0.0, 0.0, 0.0, 0.0, False
    tof[a, j] = u
    pip[a, j, 0], pip[a, j, 1], pip[a, j, 2] = px, py, pz
    inside[a, j] = ins
    pk[a, j] = p
    zok[a, j] = zone_ok(px, py, lb[j], zone_xy, zone_r, zone_hold, zone_b, free_b)
    have[a, j] = True


@njit(cache=True)
def _beyond(xi, gi, H, lp, j, ttg_max):
    """Whether a pair's rule 2 fails whatever its geometry: no time of flight is short enough
    (``ttg_max`` below 0, or NaN), or the track's path over ``min(H, ttg_max)`` seconds (a
    straight one; ``H`` the pair's horizon) stays beyond launcher ``j``'s fire range (column
    ``R_FIRE``) by more than rounding, so that any intercept point the geometry finds at such
    a time of flight fails the envelope's range test."""
    if not ttg_max >= 0.0:
        return True
    near = _nearest_on_line(xi, gi, lp[j, 0], lp[j, 1], lp[j, 2], min(H, ttg_max))
    return near > lp[j, R_FIRE] * (1.0 + _SKIP_REL) + _SKIP_ABS_M


#: Three-valued logic of :func:`_row_rules`: no, yes, not known (a window not searched).
_NO, _YES, _UNKNOWN = 0, 1, 2


@njit(cache=True)
def _and3(a, b):
    """Three-valued (Kleene) ``a and b``."""
    if a == _NO or b == _NO:
        return _NO
    return _YES if a == _YES and b == _YES else _UNKNOWN


@njit(cache=True)
def _or3(a, b):
    """Three-valued (Kleene) ``a or b``."""
    if a == _YES or b == _YES:
        return _YES
    return _NO if a == _NO and b == _NO else _UNKNOWN


@njit(cache=True)
def _not3(a):
    """Three-valued (Kleene) ``not a``."""
    return _UNKNOWN if a == _UNKNOWN else _YES - a


@njit(cache=True)
def _row_rules(i, allowed, now, future, later, profitable, pk, value, unit_cost, rank,
               pair_cap, cost_weight, profitable_only, stop_cap, verdict, work):
    """Rules 5 and 6 of :func:`_rules` for row ``i`` in three-valued (Kleene) logic, each
    launcher's later window ``later`` (L,) known (``_YES``, ``_NO``) or not yet searched
    (``_UNKNOWN``): ``verdict`` (L,) gets whether each pair stays allowed (``_UNKNOWN``
    where that depends on a window not searched). Returns whether no pair is in doubt (with
    ``stop_cap`` (L,), only the launchers with ``stop_cap`` above 0 are asked about: the
    others' pairs are not counted). Kleene logic is sound: a pair's verdict that it gives is
    the verdict of every answer of the windows not searched.

    ``allowed[i]`` the pairs allowed by rules 2-4, ``now`` (L,) the chances now, ``future``
    (L,) where a window would be a future chance (none now, the class's return worth the
    round); ``work`` (3, L) int is scratch."""
    L = later.shape[0]
    fut, ch = work[0], work[1]
    for j in range(L):
        fut[j] = later[j] if future[j] else _NO
    for j in range(L):
        # 5. Cost-aware deferral: not while a cheaper launcher has a worthwhile chance later.
        d = _NO
        if cost_weight > 0.0:
            for jj in range(L):
                if unit_cost[jj] < unit_cost[j]:
                    d = _or3(d, fut[jj])
                    if d == _YES:
                        break
        kept = _not3(d)
        a = kept if allowed[i, j] else _NO
        if (a != _NO and cost_weight > 0.0 and profitable_only
                and not value[i] * pk[i, j] > cost_weight * unit_cost[j]):
            a = _NO
        verdict[j] = a
        # A deferred or unprofitable outer launcher does not hold the inner layers back.
        ch[j] = _and3(_YES if now[j] else later[j], kept) if profitable[i, j] else _NO
    done = True
    for j in range(L):
        # 6. Layered defence: a layer engages only what no outer layer can engage now or later.
        a = verdict[j]
        if a != _NO and rank[j] > 0:
            held = _NO
            for jj in range(L):
                if 0 <= rank[jj] < rank[j]:
                    held = _or3(held, ch[jj])
                    if held == _YES:
                        break
            a = _and3(a, _not3(held))
        if pair_cap[i, j] <= 0:
            a = _NO
        verdict[j] = a
        if a == _UNKNOWN and (stop_cap.shape[0] == 0 or stop_cap[j] > 0):
            done = False
    return done


@njit(cache=True)
def _rules(t, tof, pip, inside, pk, zok, have, geo, ttg, value, kidx, ballistic, fired_b, look,
           profitable, close, opens, lb, ready, operational, stock_at, battery_ok, unit_cost,
           class_pk, engage, hold, max_rounds, salvo, nonballistic_cap, rank, min_pk,
           cost_weight, profitable_only, need_future, ttg_slack_s, lazy, search, stop_cap):
    """:func:`cycle_rules` with the geometry of each pair computed when a rule first reads it
    (:func:`_ensure`), where ``have`` (m, L) is False; the pairs the rules
    never read keep theirs unfilled. ``pip`` (m, L, 3) and ``zok`` (m, L) (``zones_ok``) are
    filled with them.

    ``geo``: ``(x, g, U, lp, radius, pk_table, kc, target_g, sigma, quality, n_grid, n_iter,
    tol_m, need, zone_xy, zone_r, zone_hold, zone_b, free_b, lb, zoned)``, the arguments of
    :func:`launch_pair` by track row and of :func:`zone_ok`; ``zoned`` (B,): the batteries
    with a zone (the others' pairs obey the zones without their geometry). ``stop_cap`` (L,)
    int, or (0,): the rows after the first with an allowed pair whose launcher's
    ``stop_cap`` is above 0 are left empty, and the pairs of launchers whose ``stop_cap`` is
    not above 0 may be left out (not allowed) where a window would be needed to tell (for a
    caller that asks only whether some pair with ``stop_cap`` is, and how many in that row).

    A pair's geometry is read where it decides whether the pair is allowed (its launcher
    ready, the track looked at and the doctrine's class, hold fire, rounds and reserve
    allowing it), and, in a row with an allowed pair, where the launcher's chance or
    deferral can change the row (as for the windows, see :func:`cycle_rules`); not where
    rule 2 fails whatever it is (:func:`_beyond`; a pair ``need`` leaves out has none).
    """
    m, L = tof.shape
    need, zoned = geo[13], geo[20]
    allowed = np.zeros((m, L), np.bool_)
    pair_cap = np.zeros((m, L), np.int64)
    geo_ok = np.zeros(L, np.bool_)
    able = np.zeros(L, np.bool_)
    base = np.zeros(L, np.bool_)  # the doctrine without the zones: class, hold, rounds, reserve
    geo_known = np.zeros(L, np.bool_)
    able_known = np.zeros(L, np.bool_)
    chance = np.zeros(L, np.bool_)  # a chance now
    future = np.zeros(L, np.bool_)  # a window would be a future chance (none now, worth it)
    later = np.zeros(L, np.int64)  # a window (three-valued: see _row_rules)
    verdict = np.zeros(L, np.int64)
    work = np.zeros((3, L), np.int64)
    x, g, horizon, lp, radius, n, n_refine = search
    u, pos, vel, h, okw = window_work(0)  # the window search's, made at its first use
    for i in range(m):
        k = kidx[i]
        any_allowed = False
        for j in range(L):
            b = lb[j]
            # 3. Doctrine (class, hold fire, zones, rounds left), 4. reserve.
            left = max_rounds[b] - fired_b[i, b]
            pair_cap[i, j] = min(salvo[k, b], left)
            base[j] = (engage[k, b] and not hold[b] and left > 0
                       and (ballistic[i] or nonballistic_cap[b] > 0))
            geo_known[j] = False
            able_known[j] = not base[j] or not zoned[b]
            able[j] = base[j]
            if base[j] and ready[j] and look[i, j]:
                # 2. Geometry: inside the envelope before the threat's time to go, some chance
                # (at least the battery's least Pk: below it, the pair waits for a later
                # window).
                tmax = ttg[i] + ttg_slack_s
                if not have[i, j] and ((need.shape[0] > 0 and not need[i, j])
                                       or _beyond(x[i], g[i], _nan_min(horizon[i], lp[j, 15]),
                                                  lp, j, tmax)):
                    geo_ok[j] = False  # whatever its geometry: none is computed
                else:
                    if not have[i, j]:
                        _ensure(i, j, have, tof, pip, inside, pk, zok, geo)
                    geo_ok[j] = (inside[i, j] and tof[i, j] <= tmax and pk[i, j] > 0.0
                                 and pk[i, j] >= min_pk[b])
                geo_known[j] = True
                if geo_ok[j] and not able_known[j]:  # the zones read the intercept point
                    able[j] = zok[i, j]
                    able_known[j] = True
                allowed[i, j] = geo_ok[j] and able[j]
                any_allowed = any_allowed or allowed[i, j]
        if not any_allowed:  # rules 5 and 6 only withdraw: the row stays empty
            for j in range(L):
                pair_cap[i, j] = 0
            continue
        # Which later windows can change the row: a launcher's chance counts only against an
        # inner layer's allowed pair (rule 6), its deferral of others only against a dearer
        # launcher that is allowed or whose chance counts (rule 5); a launcher that can fire
        # now needs no window. The windows left out change nothing; so do the chances now
        # left out, whose geometry is not read.
        top_rank = -1
        for j in range(L):
            if allowed[i, j]:
                top_rank = max(top_rank, rank[j])
        top_cost = -math.inf
        for j in range(L):
            if allowed[i, j] or (profitable[i, j] and 0 <= rank[j] < top_rank):
                top_cost = max(top_cost, unit_cost[j])
        gridded = False
        for j in range(L):
            b = lb[j]
            # Future chances (windows along the predicted path), for layering and deferral.
            fit = battery_ok[b] and operational[j]
            s = stock_at[j]  # a round now (s <= t) or once its reload completes
            # A later window counts only for a pair that may pay its cost: its chance needs
            # ``profitable``, a deferral the class kill probability's return.
            worth = class_pk[j, k] * value[i] - cost_weight * unit_cost[j] > 0.0
            matters = ((profitable[i, j] and 0 <= rank[j] < top_rank)
                       or (cost_weight > 0.0 and worth and unit_cost[j] < top_cost))
            now = False
            if matters and base[j] and fit and s <= t:
                if not geo_known[j]:
                    tmax = ttg[i] + ttg_slack_s
                    if not have[i, j] and ((need.shape[0] > 0 and not need[i, j])
                                           or _beyond(x[i], g[i],
                                                      _nan_min(horizon[i], lp[j, 15]), lp, j,
                                                      tmax)):
                        geo_ok[j] = False
                    else:
                        if not have[i, j]:
                            _ensure(i, j, have, tof, pip, inside, pk, zok, geo)
                        geo_ok[j] = (inside[i, j] and tof[i, j] <= tmax and pk[i, j] > 0.0
                                     and pk[i, j] >= min_pk[b])
                    geo_known[j] = True
                if geo_ok[j] and not able_known[j]:
                    if not have[i, j]:
                        _ensure(i, j, have, tof, pip, inside, pk, zok, geo)
                    able[j] = zok[i, j]
                    able_known[j] = True
                now = geo_ok[j] and able[j]
            later[j] = _NO
            # Nor a launcher whose least Pk its class Pk (every factor <= 1) cannot reach.
            if (matters and not now and need_future and fit and s <= t + ttg[i] and base[j]
                    and class_pk[j, k] >= min_pk[b] and (profitable[i, j] or worth)):
                if not able_known[j]:  # the zones read the intercept point
                    if not have[i, j]:
                        _ensure(i, j, have, tof, pip, inside, pk, zok, geo)
                    able[j] = zok[i, j]
                    able_known[j] = True
                if not able[j]:
                    later[j] = _NO
                elif lazy:  # searched below, where the row's answer needs it
                    later[j] = _UNKNOWN
                else:
                    c, o = close[i, j], opens[i, j]
                    later[j] = (_YES if (math.isfinite(c) and c > t and c >= s
                                         and max(o, s) <= t + ttg[i]) else _NO)
            chance[j] = now
            future[j] = not now and worth
        # Rules 5 and 6 on what is known, the windows searched one at a time (the cheapest
        # launcher's first) until they leave no pair of the row in doubt (:func:`_row_rules`):
        # the windows left out change nothing.
        while not _row_rules(i, allowed, chance, future, later, profitable, pk, value,
                             unit_cost, rank, pair_cap, cost_weight, profitable_only, stop_cap,
                             verdict, work):
            j = -1
            for jj in range(L):
                if later[jj] == _UNKNOWN and (j < 0 or unit_cost[jj] < unit_cost[j]):
                    j = jj
            s = stock_at[j]
            if u.shape[0] == 0:
                u, pos, vel, h, okw = window_work(n)
            if not gridded:
                window_grid(x[i], g[i], horizon[i], radius, u, pos, vel, h)
                gridded = True
            if s > t:  # reloading: the whole window, to see it open at s
                a, z, _ = pair_window(x[i], g[i], horizon[i], lp, j, radius, n_refine,
                                      u, pos, vel, h, okw, False, 0.0, 0.0)
                if not have[i, j]:
                    _ensure(i, j, have, tof, pip, inside, pk, zok, geo)
                o, c = window_edge(t, a if math.isfinite(a) else math.nan,
                                   z if math.isfinite(z) else math.nan, inside[i, j])
                ok = (math.isfinite(c) and c > t and c >= s and max(o, s) <= t + ttg[i])
            else:
                a, z, ok = pair_window(x[i], g[i], horizon[i], lp, j, radius, n_refine,
                                       u, pos, vel, h, okw, True, t, ttg[i])
                if not ok:
                    if not have[i, j]:
                        _ensure(i, j, have, tof, pip, inside, pk, zok, geo)
                    o, c = window_edge(t, a if math.isfinite(a) else math.nan,
                                       z if math.isfinite(z) else math.nan, inside[i, j])
                    ok = math.isfinite(c) and c > t and o <= t + ttg[i]
            later[j] = _YES if ok else _NO
        for j in range(L):
            allowed[i, j] = verdict[j] == _YES
        stop = False
        for j in range(L):
            if not allowed[i, j] or pair_cap[i, j] <= 0:
                allowed[i, j] = False
                pair_cap[i, j] = 0
            elif stop_cap.shape[0] > 0 and stop_cap[j] > 0:
                stop = True
        if stop:
            break
    return allowed, pair_cap


@njit(cache=True)
def zone_ok(px, py, b, zone_xy, zone_r, zone_hold, zone_b, free_b):
    """Rule 3's zones for one intercept point ``(px, py)`` (ENU, m) of a launcher of battery
    ``b``: see :func:`zones_ok`."""
    hold = False
    free = False
    for z in range(zone_b.shape[0]):
        if zone_b[z] != b:
            continue
        dx = px - zone_xy[z, 0]
        dy = py - zone_xy[z, 1]
        if math.sqrt(dx * dx + dy * dy) <= zone_r[z]:
            if zone_hold[z]:
                hold = True
            else:
                free = True
    return not hold and (free or not free_b[b])


@njit(cache=True)
def zones_ok(pip, lb, zone_xy, zone_r, zone_hold, zone_b, free_b):
    """Rule 3's zones for every (track, launcher) pair, (m, L) bool: no predicted intercept
    point ``pip`` (m, L, 3) inside a hold-fire zone of the launcher's battery, and inside one
    of its weapons-free zones where the battery has any (``free_b`` (B,)). Zones (Z,): centre
    ``zone_xy`` (Z, 2), radius ``zone_r``, ``zone_hold``, battery ``zone_b``."""
    m, L = pip.shape[0], pip.shape[1]
    ok = np.ones((m, L), np.bool_)
    for j in range(L):
        for i in range(m):
            ok[i, j] = zone_ok(pip[i, j, 0], pip[i, j, 1], lb[j], zone_xy, zone_r, zone_hold,
                               zone_b, free_b)
    return ok


@njit(cache=True)
def launcher_capacity(t, lb, operational, rounds, last_fire_s, min_interval_s,
                      channels_free, fire_control, battery_ok, reserve, decision_period_s,
                      salvo):
    """Launchers ready (L,), the rounds each may
    ripple this cycle (L,) and each battery's rounds above its ballistic reserve (B,); the
    arguments as in :func:`cycle_options` (``salvo`` (K, B): the rounds per look of each
    class and battery; (0, B): none).

    A ready launcher ripples one round each minimum launch interval from the decision (the
    fire control's ripple, :meth:`airdefense.engagement.model.Engagement.fire`): as many as
    leave before the next decision, ``floor(decision_period_s / min_launch_interval_s)``, or
    its battery's largest salvo where that is more (a salvo's rounds leave one interval
    apart, not one look apart), at least one; no more than its rounds and its radar's free
    channels."""
    L = lb.shape[0]
    B = battery_ok.shape[0]
    ready = np.empty(L, np.bool_)
    cap = np.empty(L, np.int64)
    stock = np.zeros(B, np.int64)
    for j in range(L):
        ready[j] = (operational[j] and rounds[j] > 0
                    and t - last_fire_s[j] >= min_interval_s[j] - 1e-9 and battery_ok[lb[j]])
        if operational[j]:
            stock[lb[j]] += rounds[j]
        ripple = max(1.0, math.floor(decision_period_s / max(min_interval_s[j], 1e-3)))
        for k in range(salvo.shape[0]):
            ripple = max(ripple, float(salvo[k, lb[j]]))
        c = min(rounds[j], int(ripple)) if ready[j] else 0
        chan = channels_free[fire_control[j]]
        if chan >= 0:
            c = min(c, max(chan, 0))
        cap[j] = c
    nonballistic_cap = np.empty(B, np.int64)
    for b in range(B):
        nonballistic_cap[b] = max(stock[b] - reserve[b], 0)
    return ready, cap, nonballistic_cap


@njit(cache=True)
def launcher_caps(t, lb, operational, rounds, last_fire_s, min_interval_s,
                  channels_free, fire_control, battery_ok, decision_period_s, salvo):
    """The rounds each launcher may ripple before the next decision (L,): the ``cap`` of
    :func:`launcher_capacity` (which no ballistic reserve changes), alone."""
    no_reserve = np.zeros(battery_ok.shape[0], np.int64)
    return launcher_capacity(t, lb, operational, rounds, last_fire_s, min_interval_s,
                             channels_free, fire_control, battery_ok, no_reserve,
                             decision_period_s, salvo)[1]


@njit(cache=True)
def cycle_options(t, x, P, quality, kidx, ballistic_code, confirmed, ttg, value, track_row,
                  book_killed, book_rounds, book_pending, lp, radius, pk_table, class_g,
                  horizon_s, n_window, tol_s, n_grid, n_iter, tol_m, lb, operational, rounds,
                  last_fire_s, min_interval_s, reload_done_s, channels_free,
                  fire_control, battery_ok, unit_cost, engage, hold, max_rounds, salvo, reserve,
                  rank, min_pk, zone_xy, zone_r, zone_hold, zone_b, free_b, networked, cost_weight,
                  profitable_only, need_future, decision_period_s, ttg_slack_s, min_value,
                  allowed_only, first_only=False, allowed_geometry=False):
    """The engagement options of one decision cycle (rules 1-6 of :mod:`airdefense.c2._options`)
    in one call.

    Tracks (m,): states ``x`` (m, 6), covariances ``P`` (m, 6, 6) (or (0, 6, 6): none), track
    ``quality``, class ``kidx`` (its ``ballistic_code`` marks the ballistic tracks), ``confirmed``,
    time to go ``ttg`` (clipped at 0 here), ``value``, ``track_row`` (m,) the row of each track in
    the book's arrays ``book_killed`` (n,), ``book_rounds``, ``book_pending`` (n, B') (rounds
    fired and awaiting assessment by battery; rows past ``n`` and columns past ``B'`` read as
    nothing: see :meth:`airdefense.c2.base.EngagementBook.arrays`). The geometry's inputs of
    each track (path gravity, manoeuvre limit ``class_g[kidx]``, g, RMS position error) are
    those of :func:`airdefense.engagement.envelope.kernel_inputs`, computed here for the
    eligible tracks only. Launchers (L,): rows ``lp``, ``pk_table`` (L, K), battery ``lb``,
    ``operational``, ``rounds``, ``last_fire_s``, ``min_interval_s``,
    ``reload_done_s`` (a scheduled reload's completion, inf: none), fire-control
    radar ``fire_control`` and free guidance channels ``channels_free`` (S,) per radar (-1: no
    limit), ``unit_cost``; layer ``rank`` (B,) per battery. Batteries (B,): ``battery_ok``,
    doctrine (``engage`` and ``salvo`` (K, B), ``hold``, ``max_rounds``, ``reserve``,
    ``min_pk``), zones (see
    :func:`zones_ok`).

    A track is eligible only with a ``value`` above ``min_value`` (rule 1: a threat worth a
    round).

    Returns ``allowed``, ``pk``, ``pair_cap``, ``tof`` (m, L), ``pip`` (m, L, 3), the
    launchers' ``cap`` (L,), the batteries' ``nonballistic_cap`` (B,), ``ballistic`` (m,) and the
    number of allowed pairs; that number is -1 (and nothing else computed) where a
    ``track_row`` is negative. With ``allowed_only``, for a caller that reads the options only
    where some pair is allowed: where none is (the count 0), the (m, L) arrays have no row,
    and only the geometry the rules read is computed (none where the rules that do not need
    it, rule 1, the launcher's capacity, the doctrine's class, hold fire, rounds left and
    reserve, leave no pair). With ``first_only`` too, the rules stop at the first track with
    an allowed pair: the count is above 0 where some pair is allowed (not their number), and
    the (m, L) arrays have no row. With ``allowed_geometry`` (and ``allowed_only``), for a
    caller that reads the geometry of the allowed pairs only: ``tof`` (inf), ``pk`` and
    ``pip`` (0) of a pair not allowed are those of no intercept unless the rules read them
    (the same numbers at the allowed pairs).
    """
    m = x.shape[0]
    L = lb.shape[0]
    B = battery_ok.shape[0]
    n_book = book_killed.shape[0]
    nb_book = book_rounds.shape[1]
    ballistic = np.empty(m, np.bool_)
    killed = np.zeros(m, np.bool_)
    fired_b = np.zeros((m, B), np.int64)
    pending_b = np.zeros((m, B), np.int64)
    for i in range(m):
        r = track_row[i]
        if r < 0:
            return (np.zeros((0, 0), np.bool_), np.zeros((0, 0)), np.zeros((0, 0), np.int64),
                    np.zeros((0, 0)), np.zeros((0, 0, 3)), np.zeros(0, np.int64),
                    np.zeros(0, np.int64), ballistic, -1)
        ballistic[i] = kidx[i] == ballistic_code
        if r < n_book:
            killed[i] = book_killed[r]
            for b in range(min(B, nb_book)):
                fired_b[i, b] = book_rounds[r, b]
                pending_b[i, b] = book_pending[r, b]
    ready, cap, nonballistic_cap = launcher_capacity(
        t, lb, operational, rounds, last_fire_s, min_interval_s, channels_free,
        fire_control, battery_ok, reserve, decision_period_s, salvo)
    # When each launcher next holds a round: now, or when its scheduled reload completes.
    stock_at = np.empty(L)
    for j in range(L):
        stock_at[j] = t if rounds[j] > 0 else reload_done_s[j]
    # 1. Track eligibility; the geometry only for tracks some launcher may engage (the
    # geometry only lowers the class kill probability: every Pk factor is <= 1).
    look = np.empty((m, L), np.bool_)
    profitable = np.ones((m, L), np.bool_)
    take = np.zeros(m, np.bool_)
    r = 0
    for i in range(m):
        waiting = 0
        for b in range(B):
            waiting += pending_b[i, b]
        some = False
        for j in range(L):
            look[i, j] = waiting == 0 if networked else pending_b[i, lb[j]] == 0
            if profitable_only and cost_weight > 0:
                profitable[i, j] = (value[i] * pk_table[j, kidx[i]]
                                    > cost_weight * unit_cost[j])
            # With profitable_only, a row matters only where a launcher that can fire this
            # cycle may pay to engage it: any allowed pair is such a pair, and the rules
            # treat the rows apart.
            some = some or (look[i, j] and profitable[i, j]
                            and (cap[j] > 0 or not profitable_only))
        take[i] = confirmed[i] and not killed[i] and value[i] > min_value and some
        r += take[i]
    if r == 0 or L == 0 or (allowed_only and not _some_pair_left(
            take, kidx, ballistic, fired_b, look, profitable, lb, cap, engage, hold,
            max_rounds, salvo, nonballistic_cap)):
        allowed, pk, pair_cap, tof, pip = _no_options(0 if allowed_only else m, L)
        return allowed, pk, pair_cap, tof, pip, cap, nonballistic_cap, ballistic, 0
    rows = np.flatnonzero(take)
    every = r == m  # every track taken (as the screen's): the arrays themselves, no copies
    xs = np.ascontiguousarray(x) if every else np.ascontiguousarray(x[rows])
    ks = np.ascontiguousarray(kidx) if every else kidx[rows]
    gs = class_gravities(ks)
    tg = np.empty(r)
    ttg_s = np.empty(r)
    for a in range(r):
        tg[a] = class_g[ks[a]]
        v = ttg[rows[a]]
        ttg_s[a] = 0.0 if v < 0.0 else v  # np.maximum(v, 0.0), NaN kept
    sigma = (np.zeros(r) if P.shape[0] != m else _position_sigmas(P) if every
             else _position_sigmas(P[rows]))
    # A pair that cannot pay its cost even at the class kill probability is in no rule's
    # reach (not allowed, no chance for rule 6, no deferral for rule 5): no geometry.
    prof_s = profitable if every else np.ascontiguousarray(profitable[rows])
    need = prof_s if profitable_only and cost_weight > 0 else np.zeros((0, 0), np.bool_)
    U = horizons(xs, gs, radius, horizon_s)
    search = (xs, gs, U, lp, radius, n_window, refinements(U, n_window, tol_s))
    zoned = np.zeros(B, np.bool_)
    for z in range(zone_b.shape[0]):
        zoned[zone_b[z]] = True
    # The geometry of a pair is computed when the rules first read it: where no pair ends up
    # allowed and the caller reads the options only where some is (``allowed_only``), the
    # other pairs' is never computed.
    qs = np.ascontiguousarray(quality) if every else np.ascontiguousarray(quality[rows])
    geo = (xs, gs, U, lp, radius, pk_table, ks, tg, sigma, qs, n_grid, n_iter, tol_m, need, zone_xy, zone_r, zone_hold, zone_b, free_b, lb, zoned)
    if allowed_only:  # the rules compute the geometry they read
        have = np.zeros((r, L), np.bool_)
        tof_s = np.empty((r, L))
        pip_s = np.empty((r, L, 3))
        inside = np.empty((r, L), np.bool_)
        pk_s = np.empty((r, L))
        zok = np.empty((r, L), np.bool_)
    else:  # every pair's, in one pass
        tof_s, pip_s, _, parts, inside, _, _ = pair_geometry(
            t, xs, gs, lp, radius, horizon_s, pk_table, ks, tg, sigma, qs, False, n_window,
            tol_s, n_grid, n_iter, tol_m, need)
        pk_s = np.ascontiguousarray(parts[5])
        zok = zones_ok(pip_s, lb, zone_xy, zone_r, zone_hold, zone_b, free_b)
        have = np.ones((r, L), np.bool_)
    rank_l = np.empty(L, np.int64)
    for j in range(L):
        rank_l[j] = rank[lb[j]]
    no_windows = np.zeros((0, 0))
    stop_cap = cap if first_only else np.zeros(0, np.int64)
    value_s = np.ascontiguousarray(value) if every else value[rows]
    ballistic_s = ballistic if every else ballistic[rows]
    fired_s = fired_b if every else fired_b[rows]
    look_s = look if every else look[rows]
    allowed_s, cap_s = _rules(
        t, tof_s, pip_s, inside, pk_s, zok, have, geo, ttg_s, value_s, ks, ballistic_s,
        fired_s, look_s, prof_s, no_windows, no_windows, lb, ready,
        operational, stock_at, battery_ok, unit_cost, pk_table, engage, hold, max_rounds, salvo,
        nonballistic_cap, rank_l, min_pk, cost_weight, profitable_only, need_future, ttg_slack_s,
        True, search, stop_cap)
    n_allowed = 0
    for a in range(r):
        for j in range(L):
            n_allowed += allowed_s[a, j] and cap[j] > 0
    if first_only or (allowed_only and n_allowed == 0):  # no more geometry is read
        allowed, pk, pair_cap, tof, pip = _no_options(0, L)
        return allowed, pk, pair_cap, tof, pip, cap, nonballistic_cap, ballistic, n_allowed
    # The geometry the rules did not read (launch_now's, pair by pair).
    allowed, pk, pair_cap, tof, pip = _no_options(m, L)
    for a in range(r):
        i = rows[a]
        for j in range(L):
            allowed[i, j] = allowed_s[a, j] and cap[j] > 0
            pair_cap[i, j] = cap_s[a, j]
            if have[a, j]:
                u, p = tof_s[a, j], pk_s[a, j]
                px, py, pz = pip_s[a, j, 0], pip_s[a, j, 1], pip_s[a, j, 2]
            elif allowed_geometry and not allowed[i, j]:  # (not read)
                u, px, py, pz, p = math.inf, 0.0, 0.0, 0.0, 0.0
            elif need.shape[0] == 0 or need[a, j]:
                u, px, py, pz, _, _, _, _, _, _, p = launch_pair(
                    xs[a], gs[a], lp, j, radius, _nan_min(U[a], lp[j, 15]), pk_table[j, ks[a]],
                    tg[a], sigma[a], qs[a], n_grid, n_iter, tol_m)
            else:  # no geometry (see launch_now's need)
                u, px, py, pz, p = math.inf, 0.0, 0.0, 0.0, 0.0
            tof[i, j] = u
            pk[i, j] = p
            pip[i, j, 0], pip[i, j, 1], pip[i, j, 2] = px, py, pz
    return allowed, pk, pair_cap, tof, pip, cap, nonballistic_cap, ballistic, n_allowed


@njit(cache=True)
def _no_options(m, L):
    """The arrays of :func:`cycle_options` where no pair is allowed (m tracks, L launchers):
    ``allowed``, ``pk``, ``pair_cap``, ``tof`` (inf) and ``pip``."""
    return (np.zeros((m, L), np.bool_), np.zeros((m, L)), np.zeros((m, L), np.int64),
            np.full((m, L), np.inf), np.zeros((m, L, 3)))


@njit(cache=True)
def allowed_count(t, x, P, quality, kidx, ballistic_code, confirmed, ttg, value, track_row,
                  book_killed, book_rounds, book_pending, lp, radius, pk_table, class_g,
                  horizon_s, n_window, tol_s, n_grid, n_iter, tol_m, lb, operational, rounds,
                  last_fire_s, min_interval_s, reload_done_s, channels_free,
                  fire_control, battery_ok, unit_cost, engage, hold, max_rounds, salvo, reserve,
                  rank, min_pk, zone_xy, zone_r, zone_hold, zone_b, free_b, networked, cost_weight,
                  profitable_only, need_future, decision_period_s, ttg_slack_s, min_value):
    """Whether :func:`cycle_options` (the same arguments, without ``allowed_only``) allows
    some pair: a number above 0 where it does (not their number), 0 where it does not, -1
    where a ``track_row`` is negative; without its arrays.

    A caller that reads the options only where some pair is allowed asks for them then: in
    most cycles none is, and the rules then read the geometry of few pairs, while returning
    the arrays to Python costs more than the rules themselves.
    """
    return cycle_options(
        t, x, P, quality, kidx, ballistic_code, confirmed, ttg, value, track_row, book_killed,
        book_rounds, book_pending, lp, radius, pk_table, class_g, horizon_s, n_window, tol_s,
        n_grid, n_iter, tol_m, lb, operational, rounds, last_fire_s, min_interval_s,
        reload_done_s, channels_free, fire_control, battery_ok, unit_cost, engage, hold,
        max_rounds, salvo, reserve, rank, min_pk, zone_xy, zone_r, zone_hold, zone_b, free_b,
        networked, cost_weight, profitable_only, need_future, decision_period_s, ttg_slack_s,
        min_value, True, True)[8]


@njit(cache=True)
def _some_pair_left(take, kidx, ballistic, fired_b, look, profitable, lb, cap, engage, hold,
                    max_rounds, salvo, nonballistic_cap):
    """Whether some pair of an eligible track passes the rules that need no geometry: the
    launcher can fire this cycle, the track is looked at and may pay (rule 1), and the
    battery's doctrine allows a round at its class (rule 3, zones aside) and its reserve (rule
    4). :func:`cycle_rules` allows no other pair (a pair with rounds left and a positive
    salvo; the other rules only withdraw)."""
    for i in range(take.shape[0]):
        if not take[i]:
            continue
        k = kidx[i]
        for j in range(lb.shape[0]):
            b = lb[j]
            if (cap[j] > 0 and look[i, j] and profitable[i, j]
                    and _doctrine_allows(k, b, fired_b[i, b], ballistic[i], engage, hold,
                                         salvo, max_rounds, nonballistic_cap)):
                return True
    return False


@njit(cache=True, inline="always")
def _doctrine_allows(k, b, fired, ballistic, engage, hold, salvo, max_rounds,
                     nonballistic_cap):
    """Whether battery ``b``'s doctrine allows a round at a track of class ``k`` at which it
    has fired ``fired`` rounds (``ballistic``: the track's class is): it engages the class,
    holds no fire, has a salvo within its rounds per threat, and a reserve left for a
    non-ballistic track (rules 3, zones aside, and 4)."""
    return (engage[k, b] and not hold[b] and min(salvo[k, b], max_rounds[b] - fired) > 0
            and (ballistic or nonballistic_cap[b] > 0))


@njit(cache=True)
def evaluated_options(t, x, P, quality, kidx, confirmed, track_row, book_killed, book_rounds,
                      book_pending, operational, rounds, last_fire_s, reload_done_s,
                      channels_free, battery_ok, asset_value, asset_alive, fs, ns, bs, fl):
    """The threat values of every track (:func:`threat_values` of classes ``kidx``) and the
    options built on them (:func:`cycle_options`, every field), in one call: the cycle of a
    control unit whose screen (:func:`cycle_screen`) found some pair allowed.

    The arguments are :func:`cycle_screen`'s (the same packed figures ``fs``, ``ns``, ``bs``
    and assets' figures ``fl``; the class memory's, packed or not, unread), but
    ``operational`` (L,) is the launchers' with the fire-control radars' state applied, and
    no class memory: ``kidx`` (m,) are the tracks' classes. Returns :func:`cycle_options`'
    ``allowed``, ``pk``, ``pair_cap``, ``tof``, ``pip``, ``cap``, ``nonballistic_cap``,
    ``ballistic``, then the threat ``value`` (m,) and the number of allowed pairs: -1 (the
    arrays unread) where a ``track_row`` is negative, -2 where a class is out of range (the
    caller then builds the cycle in steps). The same numbers as
    :func:`airdefense.c2.evaluation.evaluate_threats` then
    :func:`airdefense.c2._options._allowed_options` (``some_pair``), but for the value of a
    track that rule 1 leaves out whatever its value (unconfirmed, assessed killed, or no
    launcher looks at it: its shots await assessment), which is not computed: NaN (no rule
    reads it), and the geometry of the pairs not allowed, computed only where the rules read
    it (``allowed_geometry``; where none is allowed, the (m, L) arrays have no row).
    """
    (L, B, K, ballistic_code, networked, profitable_only, need_future, n_window, n_grid,
     n_iter, lb, fire_control, max_rounds, salvo, reserve, rank, zone_b, engage, hold,
     zone_hold, free_b, radius, horizon_s, tol_s, tol_m, cost_weight, decision_period_s,
     ttg_slack_s, min_value, route_uncertainty, f_damaged, gravity, pk_table, class_g,
     min_interval_s, unit_cost, min_pk, zone_xy, zone_r, lp, _, _, _, _, _,
     _) = _screen_unpack(fs, ns, bs)
    law, bounds, asset_enu = _screen_assets(fl)
    m = x.shape[0]
    value = np.empty(m)
    ttg = np.empty(m)
    for i in range(m):
        if not 0 <= kidx[i] < law.shape[0]:
            allowed, pk, pair_cap, tof, pip = _no_options(0, 0)
            return (allowed, pk, pair_cap, tof, pip, np.zeros(0, np.int64),
                    np.zeros(0, np.int64), np.zeros(0, np.bool_), value, -2)
    miss = np.empty(m)
    best_a = np.empty(m, np.int64)
    impact = np.empty((m, 3))
    n_book = book_killed.shape[0]
    nb = min(B, book_pending.shape[1])
    for i in range(m):  # threat_values' (the exact value of every track that may be taken)
        # Rule 1 without the value (cycle_options' ``take``): a track unconfirmed, assessed
        # killed or that no launcher looks at is not taken, whatever its value: NaN.
        r = track_row[i]
        skip = not confirmed[i]
        if not skip and 0 <= r < n_book:
            if book_killed[r]:
                skip = True
            elif networked:
                waiting = 0
                for b in range(nb):
                    waiting += book_pending[r, b]
                skip = waiting != 0
            else:
                skip = True
                for j in range(L):
                    if not (lb[j] < nb and book_pending[r, lb[j]] != 0):
                        skip = False
                        break
        if skip:
            value[i] = ttg[i] = np.nan
            continue
        pv, vw = _spreads(P, i, m)
        k = kidx[i]
        _track_threat(i, x, pv, vw, k, ballistic_code, law, asset_enu, asset_value,
                      asset_alive, route_uncertainty, f_damaged, gravity, best_a, ttg, miss,
                      value, impact, bounds[0, k], bounds[1, k])
    allowed, pk, pair_cap, tof, pip, cap, nonballistic_cap, ballistic, n = cycle_options(
        t, x, P, quality, kidx, ballistic_code, confirmed, ttg, value, track_row, book_killed,
        book_rounds, book_pending, lp, radius, pk_table, class_g, horizon_s, n_window, tol_s,
        n_grid, n_iter, tol_m, lb, operational, rounds, last_fire_s, min_interval_s,
        reload_done_s, channels_free, fire_control, battery_ok, unit_cost, engage, hold,
        max_rounds, salvo, reserve, rank, min_pk, zone_xy, zone_r, zone_hold, zone_b, free_b,
        networked, cost_weight, profitable_only, need_future, decision_period_s, ttg_slack_s,
        min_value, True, False, True)
    return allowed, pk, pair_cap, tof, pip, cap, nonballistic_cap, ballistic, value, n


@njit(cache=True)
def wta_problem(allowed, pk, value, cap, pair_cap, unit_cost, cols):
    """The WTA problem of launchers ``cols`` (k,) over the tracks of the options (``allowed``,
    ``pk``, ``pair_cap`` (m, L), ``value`` (m,), ``cap`` and ``unit_cost`` (L,)).

    Targets are the tracks with an allowed pair among ``cols``, weapons the positions in
    ``cols`` of the launchers with one. Returns the target rows ``tg`` (T,), the weapon
    positions ``w`` (W,), ``values`` (T,), the kill probabilities clipped to [0, 1] where
    allowed and 0 elsewhere and the allowed pairs, both (T, W) (their transposes are the
    problem's (W, T) arrays), ``copies`` and ``cost`` (W,), the most rounds per target (T,)
    over the weapons' pair caps, and the pair caps (T, W) (the transpose: the problem's
    ``max_per_pair``).
    """
    tg, w = targets_weapons(allowed, cols)
    T, W = tg.size, w.size
    values = np.empty(T)
    p_t = np.empty((T, W))
    a_t = np.empty((T, W), np.bool_)
    mpt = np.empty(T, np.int64)
    pc_t = np.empty((T, W), np.int64)
    for a in range(T):
        i = tg[a]
        values[a] = value[i]
        most = pair_cap[i, cols[w[0]]] if W else 0
        for b in range(W):
            j = cols[w[b]]
            ok = allowed[i, j]
            a_t[a, b] = ok
            v = pk[i, j] if ok else 0.0
            if v < 0.0:  # np.clip: NaN and -0.0 kept
                v = 0.0
            elif v > 1.0:
                v = 1.0
            p_t[a, b] = v
            pc_t[a, b] = pair_cap[i, j]
            most = max(most, pair_cap[i, j])
        mpt[a] = most
    copies = np.empty(W, np.int64)
    cost = np.empty(W)
    for b in range(W):
        copies[b] = cap[cols[w[b]]]
        cost[b] = unit_cost[cols[w[b]]]
    return tg, w, values, p_t, copies, cost, a_t, mpt, pc_t


@njit(cache=True)
def _skip_radii(skip, a_min, area_max, asset_value, out):
    """:func:`_bound_passes`' cheap test of each asset's term as a squared distance, written
    into ``out`` (na,): a miss ``d`` from the disc's edge with ``a_min d^2`` at least
    ``max(1, value x skip)`` (:func:`_skip_factor`'s ``skip``) is a predicted impact point
    at least ``D + area_max`` from the asset, ``D = sqrt(max(1, value x skip) / a_min)``;
    ``out`` is its square with a slack of 1e-8 on the distance, inf where the test is not
    taken (``skip`` NaN; a value, kernel or disc not finite, a kernel not above 0 or above
    1e90)."""
    for a in range(out.shape[0]):
        v, am, ar = asset_value[a], a_min[a], area_max[a]
        if (math.isnan(skip) or not math.isfinite(v) or not 0.0 < am <= 1e90
                or not 0.0 <= ar < math.inf):
            out[a] = math.inf
            continue
        lo = max(1.0, max(v, 0.0) * skip)
        r = (math.sqrt(lo / am) + ar) * (1.0 + _SKIP_SLACK)
        out[a] = r * r


#: Relative slack (of the squared distance to the asset) of :func:`_bound_passes`' distance
#: to the track's line against the miss its terms compute: far above their rounding.
_LINE_SLACK = 1e-10


@njit(cache=True)
def _value_bound(x, i, pos_var, vel_var, ballistic, a_min, area_max, asset_enu, asset_value,
                 asset_alive, route_uncertainty, gravity):
    """An upper bound of :func:`_track_threat`'s value of track ``i`` (with a margin of 1e-6
    of it for rounding): over the assets alive, the value times the largest kernel of its law
    at the track's spread, ``exp(-a d^2 / s) / s``, ``s = 1 + 2 a sigma^2``, for the widest
    kernel ``a_min`` (na,) (``ln 2 / w^2``) and ``d`` the predicted miss from the edge of the
    largest disc ``area_max`` (na,) (0 inside it). A disc's mean of the spread kernel is at
    most its largest value, the loss fraction at most the larger of its destroy and damage
    terms (``0 <= f_damaged <= 1``), and the kernel grows with its width."""
    path = _bound_path(x, i, ballistic, route_uncertainty, gravity)
    ub = 0.0
    for a in range(asset_enu.shape[0]):
        if not asset_alive[a]:
            continue
        u = _asset_bound(path, a, pos_var, vel_var, ballistic, a_min, area_max, asset_enu,
                         asset_value)
        if not u <= ub:  # the largest (NaN kept)
            ub = u
    return ub * (1.0 + 1e-6)


@njit(cache=True)
def _bound_path(x, i, ballistic, route_uncertainty, gravity):
    """Track ``i``'s figures of :func:`_asset_bound`: position and velocity (ENU, m, m/s),
    squared ground speed (at least 1e-9), ground speed, time to impact (s) and route
    uncertainty."""
    px, py, vx, vy = x[i, 0], x[i, 1], x[i, 3], x[i, 4]
    z0, vz = x[i, 2], x[i, 5]
    t_imp = (vz + math.sqrt(max(vz * vz + 2.0 * gravity * max(z0, 0.0), 0.0))) / gravity
    vv = max(vx * vx + vy * vy, 1e-9)
    ru = 0.02 if ballistic else route_uncertainty
    return px, py, vx, vy, vv, math.sqrt(vv), t_imp, ru


@njit(cache=True)
def _asset_bound(path, a, pos_var, vel_var, ballistic, a_min, area_max, asset_enu, asset_value):
    """:func:`_value_bound`'s term of asset ``a`` (without its margin) for a track's
    :func:`_bound_path`."""
    px, py, vx, vy, vv, speed, t_imp, ru = path
    rx, ry = asset_enu[a, 0] - px, asset_enu[a, 1] - py
    tgo = t_imp if ballistic else max((rx * vx + ry * vy) / vv, 0.0)
    dx, dy = rx - vx * tgo, ry - vy * tgo
    d = max(math.sqrt(dx * dx + dy * dy) - area_max[a], 0.0)
    dist = speed * tgo
    s = 1.0 + 2.0 * a_min[a] * (pos_var + vel_var * tgo ** 2 + ru ** 2 * dist ** 2)
    return max(asset_value[a], 0.0) * math.exp(-a_min[a] * d * d / s) / s


#: Slack of :func:`_skip_factor` on the margin of the bound and the rounding of the terms: far
#: above rounding, so that a term skipped is one that the test would have found failing.
_SKIP_SLACK = 1e-8


@njit(cache=True)
def _skip_factor(min_value, profit, pk_row, cost_weight, unit_cost):
    """The factor ``f`` of :func:`_bound_passes`' cheap test of a class's asset terms
    (through :func:`_skip_radii`): a term whose kernel exponent ``c = a_min d^2`` is at least
    1 and at least ``f`` times the asset's value is at most ``value / (e c)``, a bound (with
    its margin) that :func:`_bound_ok` fails with every candidate launcher; NaN where the
    test is not taken.

    A term ``value exp(-c / s) / s`` at any spread ``s >= 1`` is at most its largest over
    ``s``, ``value / (e c)`` (at ``s = c``) for ``c >= 1``. :func:`_bound_ok` fails for every
    bound ``ub`` (margin included) at most ``T = max(min_value, min_j cost_j / pk_j)`` over
    every launcher ``j`` of the class's column ``pk_row`` (L,) (``profit``; a candidate set is
    some of them, whose least ratio is no smaller; ``pk_j`` 0 with ``cost_j >= 0``: none;
    ``pk_j`` negative or NaN, or ``cost_j`` NaN: -inf, every bound may pass), else
    ``min_value``: so ``f = (1 + 1e-6)(1 + slack) / (e T)``. Taken only for ``T`` finite and at
    least 1e-6 (the terms' rounding, underflow included, far below the slack of ``T``)."""
    thr = min_value
    if profit:
        q = math.inf
        for j in range(pk_row.shape[0]):
            c = cost_weight * unit_cost[j]
            p = pk_row[j]
            if p > 0.0 and not math.isnan(c):
                r = c / p
            elif p == 0.0 and c >= 0.0:
                r = math.inf
            else:
                r = -math.inf
            if r < q:
                q = r
        if not q <= min_value:  # min_value NaN: the launchers' figures alone
            thr = q
    if not 1e-6 <= thr < math.inf:
        return math.nan
    return (1.0 + 1e-6) * (1.0 + _SKIP_SLACK) / (math.e * thr)


@njit(cache=True)
def _bound_passes(x, i, pos_var, vel_var, ballistic, a_min, area_max, asset_enu, asset_value,
                  asset_alive, route_uncertainty, gravity, min_value, profit, cand, pk_row,
                  cost_weight, unit_cost, radii):
    """Whether :func:`_value_bound` of track ``i`` (the same arguments) leaves it eligible:
    above ``min_value`` and, with ``profit``, able to pay some candidate launcher's round
    (``cand`` (L,) bool; ``pk_row`` (L,) the launchers' class kill probabilities, a pair
    with ``bound x pk <= cost_weight x unit_cost`` and ``pk >= 0`` cannot pay): the same
    answer as :func:`_bound_ok` of the bound, sooner.

    The assets are read last to first. The bound is the largest asset term after the last
    NaN term (NaN where that is the last term): a NaN term ends the reading, and the test,
    which holds for any larger bound, ends it where it holds for the largest term so far
    (every term read so far comes after the last NaN one).

    ``radii`` (na,) (:func:`_skip_radii` of :func:`_skip_factor`'s factor for these
    figures), or (0,): none, spares a term that the track's distance alone shows failing:
    its squared distance to the asset from the track's path (the line ahead of it, a
    ballistic track's impact point) at least ``radii``, with a slack of 1e-10 of the squared
    distance to the track (the rounding of the term's own miss). Such a term's exponent ``c
    = a_min d^2`` is at least 1 and at least the factor times the asset's value, so the
    term is at most ``value / (e c)``, below the least bound that may pass; nor is it NaN
    (its exponent is finite and its spread at least 1 or inf, with ``pos_var`` and
    ``vel_var`` finite and at least 0, the ground speed and the route uncertainty finite, a
    distance to the track below 1e100 m, which the skip needs): the answer is the same."""
    path = _bound_path(x, i, ballistic, route_uncertainty, gravity)
    px, py, vx, vy, vv, speed, t_imp, ru = path
    cut = (radii.shape[0] == asset_enu.shape[0] and 0.0 <= pos_var < math.inf
           and 0.0 <= vel_var < math.inf and speed < math.inf and math.isfinite(ru))
    inv_vv = 1.0 / vv
    ub = 0.0
    seen = False
    for a in range(asset_enu.shape[0] - 1, -1, -1):
        if not asset_alive[a]:
            continue
        if cut:
            rx, ry = asset_enu[a, 0] - px, asset_enu[a, 1] - py
            r2 = rx * rx + ry * ry
            if ballistic:  # the impact point's distance, as the term's miss
                dx, dy = rx - vx * t_imp, ry - vy * t_imp
                d2 = dx * dx + dy * dy
            elif rx * vx + ry * vy > 0.0:  # ahead: at least the distance to the line
                cr = rx * vy - ry * vx
                d2 = cr * cr * inv_vv
            else:  # behind: the track's position
                d2 = r2
            if d2 >= radii[a] + _LINE_SLACK * r2 and r2 < 1e200:
                seen = True  # a term below the least that may pass, not NaN
                continue
        u = _asset_bound(path, a, pos_var, vel_var, ballistic, a_min, area_max, asset_enu,
                         asset_value)
        if math.isnan(u):  # the last NaN term: the bound is the largest after it
            if not seen:
                ub = math.nan
            break
        seen = True
        if u > ub:
            ub = u
            if _bound_ok(ub * (1.0 + 1e-6), min_value, profit, cand, pk_row, cost_weight,
                         unit_cost):
                return True
    return _bound_ok(ub * (1.0 + 1e-6), min_value, profit, cand, pk_row, cost_weight, unit_cost)


@njit(cache=True)
def _bound_ok(ub, min_value, profit, cand, pk_row, cost_weight, unit_cost):
    """The screen's test of a track's value bound ``ub`` (see :func:`_bound_passes`)."""
    if ub <= min_value:
        return False
    for j in range(cand.shape[0]):
        if cand[j] and not (profit and ub * pk_row[j] <= cost_weight * unit_cost[j]
                            and pk_row[j] >= 0.0):
            return True
    return False


@njit(cache=True)
def _reach(i, x, k, ttg, cand, value, profit, pk_table, cost_weight, unit_cost, cap, lb, r,
           n_book, nb, book_rounds, engage, hold, salvo, max_rounds, ballistic_code,
           nonballistic_cap, horizon_s, ttg_slack_s, lp):
    """Whether track ``i`` (states ``x`` (m, 6), class ``k``, time to go ``ttg`` s, exact
    ``value``) of :func:`cycle_screen` has a pair whose rules need its geometry: a launcher
    ``j`` that looks at it and can fire (``cand`` (L,)), that it pays (``profit``), with
    ``cap[j]`` above 0 and its battery's doctrine allowing a round (class, hold fire, rounds
    left, salvo, reserve: :func:`_doctrine_allows`), whose rule 2 :func:`_beyond` does
    not fail whatever the geometry.

    Where it has none, :func:`cycle_options` (``allowed_only``) allows no pair of its row
    that its count reads (a pair with ``cap`` above 0): :func:`_rules` computes a pair's
    geometry, and may allow it, only for such a pair; it tests ``_beyond`` with these very
    figures (the row's state, :func:`class_gravity`, ``min(horizon, lp[j, 15])`` and
    ``max(ttg, 0) + ttg_slack_s``, NaN kept) before it computes any; and rules 5 and 6 only
    withdraw pairs of a row that has an allowed one. The track's horizon is
    :func:`airdefense.engagement._kernels.horizons`' for a straight path (``gi`` 0: the
    horizon ``horizon_s``, at least 1 ms); a falling track's (``gi`` > 0) is not read, as
    :func:`_nearest_on_line` gives 0 for it whatever the horizon. The rows are treated
    apart, so the count, its first row with an allowed pair included, is the same without
    the row."""
    tmax = (0.0 if ttg < 0.0 else ttg) + ttg_slack_s  # cycle_options' (NaN kept)
    gi = class_gravity(k)
    U = _nan_max(horizon_s, 1e-3)
    for j in range(lb.shape[0]):
        if not cand[j] or cap[j] <= 0:
            continue
        if profit and not value * pk_table[j, k] > cost_weight * unit_cost[j]:
            continue
        b = lb[j]
        fired = book_rounds[r, b] if r < n_book and b < nb else 0
        if (_doctrine_allows(k, b, fired, k == ballistic_code, engage, hold, salvo,
                             max_rounds, nonballistic_cap)
                and not _beyond(x[i], gi, _nan_min(U, lp[j, 15]), lp, j, tmax)):
            return True
    return False


@njit(cache=True)
def cycle_screen(t, x, P, quality, kidx, confirmed, track_row, book_killed, book_rounds,
                 book_pending, operational, sensor_ok, rounds, last_fire_s, reload_done_s,
                 channels_free, battery_ok, asset_value, asset_alive, fs, ns, bs, fl, mem_i,
                 mem_f, n_rounds, active, round_fc):
    """Whether a decision cycle can order anything, in one call: the launchers' capacity
    (:func:`launcher_caps`), the tracks' threat values (:func:`threat_values` of classes
    ``kidx``) and :func:`allowed_count` of the options built on them.

    The tracks' and launchers' arguments that change from cycle to cycle are
    :func:`cycle_options`', with the launchers' ``operational`` (L,) before the fire-control
    radars' state ``sensor_ok`` (S,) is applied (a launcher fires only with its radar
    working), then :func:`threat_values`' ``asset_value`` and ``asset_alive``; those fixed for
    a run come packed (one array argument costs a call about 0.1 us): the floats ``fs``,
    integers ``ns`` and booleans ``bs`` of :func:`airdefense.c2._options._screen_pack` (the
    launcher rows ``lp`` and the class memory's figures among them; their layout is
    :func:`_screen_unpack`'s) and the assets' ``fl`` of :func:`airdefense.c2._options.
    _screen_law` (:func:`_screen_assets`' layout: the damage ``law`` (K, a, 4), its
    ``bounds`` (2, K, a) (each class's widest kernel ``ln 2 / w^2`` and largest disc against
    each asset: :func:`_value_bound`'s) and ``asset_enu`` (a, 3)). Where the packed ``need``
    has rows, the tracks' classes are first :func:`track_classes` of the tracks (ids
    ``track_row``) at ``t`` with the memory ``mem_i``, ``mem_f`` (updated in place) and the
    other figures of that kernel, written into ``kidx`` (at least m long); otherwise
    ``kidx`` (m,) holds them (and the memory is unused). Where ``n_rounds`` >= 0, the free
    channels ``channels_free`` (S,) int64 are then written first (in place), as
    :func:`airdefense.engagement._kernels.free_channels` gives them from the packed
    ``channels`` (S,) and the first ``n_rounds`` rows of the rounds' ``active`` and
    ``round_fc`` (their fire-control radars); otherwise ``channels_free`` holds them. Returns
    -3 (nothing
    changed) where a track id is past the memory's rows (the caller grows it and calls
    again), -2 where no launcher can fire this cycle (every capacity 0), else
    :func:`allowed_count`'s number (above 0: some pair is allowed; 0: none), or -1 where a
    ``track_row`` is negative or a class is out of range (the caller then builds the cycle in
    steps). Nothing else is changed in place (the free channels are written before any
    other answer than -3).

    Rule 1 is applied here, track by track, before any value is computed where it can be:
    a track unconfirmed, assessed killed or with no launcher that looks at it (and can fire,
    with ``profitable_only``) is not eligible, whatever its value; nor one whose value bound
    (:func:`_value_bound`) is at most ``min_value``, or (``profitable_only`` with a cost
    weight) cannot pay the round of any such launcher. The exact value
    (:func:`_track_threat`) is computed for the others only. Where no eligible track has a
    pair that the rules needing no geometry allow (:func:`_some_pair_left`), the answer is 0;
    otherwise :func:`cycle_options` runs on the eligible tracks alone, in their order: the
    same tracks it would take from the whole picture, whose rows it treats apart, so the
    same answer. Rule 2's reach (:func:`_reach`) is tested here too: a track none of whose
    pairs left can reach its launcher's fire range in time is not taken (its row would
    have no pair the count reads), and where no track is taken, the answer is 0 without
    :func:`cycle_options`.
    """
    (L, B, K, ballistic_code, networked, profitable_only, need_future, n_window, n_grid,
     n_iter, lb, fire_control, max_rounds, salvo, reserve, rank, zone_b, engage, hold,
     zone_hold, free_b, radius, horizon_s, tol_s, tol_m, cost_weight, decision_period_s,
     ttg_slack_s, min_value, route_uncertainty, f_damaged, gravity, pk_table, class_g,
     min_interval_s, unit_cost, min_pk, zone_xy, zone_r, lp, need, n_established, gate_m,
     gate_mps2, class_radius, channels) = _screen_unpack(fs, ns, bs)
    law, bounds, asset_enu = _screen_assets(fl)
    m = x.shape[0]
    if need.shape[0] > 0:  # the control unit's classes, remembered (every cycle)
        codes = track_classes(x, track_row, t, need, n_established, gate_m, gate_mps2, mem_i,
                              mem_f, class_radius)
        if codes.shape[0] != m:
            return -3
        kidx[:m] = codes
    if n_rounds >= 0:
        channels_free[:] = free_channels(n_rounds, active, round_fc, channels, sensor_ok)
    op = np.empty(L, np.bool_)
    for j in range(L):
        op[j] = operational[j] and sensor_ok[fire_control[j]]
    ready, cap, nonballistic_cap = launcher_capacity(
        t, lb, op, rounds, last_fire_s, min_interval_s, channels_free, fire_control,
        battery_ok, reserve, decision_period_s, salvo)
    some = False
    for j in range(L):
        some = some or cap[j] != 0
    if not some:
        return -2
    Kl = law.shape[0]
    for i in range(m):
        if not 0 <= kidx[i] < Kl or track_row[i] < 0:
            return -1
    cheap = 0.0 <= f_damaged <= 1.0
    profit = profitable_only and cost_weight > 0
    n_book = book_killed.shape[0]
    nb = min(B, book_rounds.shape[1])
    value = np.empty(m)
    ttg = np.zeros(m)
    best_a = np.empty(m, np.int64)
    miss = np.empty(m)
    impact = np.empty((m, 3))
    take = np.zeros(m, np.bool_)
    cand = np.empty(L, np.bool_)
    n_a = asset_enu.shape[0]
    radii = np.empty((K, n_a))  # each class's _skip_radii, made at its first track
    have_radii = np.zeros(K, np.bool_)
    left = False  # some eligible track's pair passes the rules that need no geometry
    for i in range(m):
        r = track_row[i]
        if not confirmed[i] or (r < n_book and book_killed[r]):
            continue
        # Rule 1 without the value: the launchers that look at the track (and can fire).
        waiting = 0
        if r < n_book:
            for b in range(nb):
                waiting += book_pending[r, b]
        any_cand = False
        for j in range(L):
            if networked:
                look = waiting == 0
            else:
                look = r >= n_book or lb[j] >= nb or book_pending[r, lb[j]] == 0
            cand[j] = look and (cap[j] > 0 or not profitable_only)
            any_cand = any_cand or cand[j]
        if not any_cand:
            continue
        pv, vw = _spreads(P, i, m)
        k = kidx[i]
        # An upper bound of the track's value (its largest loss over the assets): a track
        # it leaves ineligible needs no exact value (the loss law's Rice terms).
        if cheap and not have_radii[k]:
            _skip_radii(_skip_factor(min_value, profit, pk_table[:, k], cost_weight, unit_cost),
                        bounds[0, k], bounds[1, k], asset_value, radii[k])
            have_radii[k] = True
        if cheap and not _bound_passes(
                x, i, pv, vw, k == ballistic_code, bounds[0, k], bounds[1, k], asset_enu,
                asset_value, asset_alive, route_uncertainty, gravity, min_value, profit, cand,
                pk_table[:, k], cost_weight, unit_cost, radii[k]):
            continue
        _track_threat(i, x, pv, vw, k, ballistic_code, law, asset_enu, asset_value,
                      asset_alive, route_uncertainty, f_damaged, gravity, best_a, ttg, miss,
                      value, impact, bounds[0, k], bounds[1, k])
        if not value[i] > min_value:
            continue
        # Rule 1 (cycle_options' ``take``), _some_pair_left's test of its pairs and rule 2's
        # reach (_reach): a row without such a pair has no pair the count reads.
        if _reach(i, x, k, ttg[i], cand, value[i], profit, pk_table, cost_weight, unit_cost,
                  cap, lb, r, n_book, nb, book_rounds, engage, hold, salvo, max_rounds,
                  ballistic_code, nonballistic_cap, horizon_s, ttg_slack_s, lp):
            take[i] = True
            left = True
    if not left:
        return 0
    rows = np.flatnonzero(take)
    Ps = P[rows] if P.shape[0] == m else P
    return cycle_options(
        t, x[rows], Ps, quality[rows], kidx[rows], ballistic_code, confirmed[rows],
        ttg[rows], value[rows], track_row[rows], book_killed, book_rounds, book_pending, lp,
        radius, pk_table, class_g, horizon_s, n_window, tol_s, n_grid, n_iter, tol_m, lb, op,
        rounds, last_fire_s, min_interval_s, reload_done_s, channels_free, fire_control,
        battery_ok, unit_cost, engage, hold, max_rounds, salvo, reserve, rank, min_pk, zone_xy,
        zone_r, zone_hold, zone_b, free_b, networked, cost_weight, profitable_only,
        need_future, decision_period_s, ttg_slack_s, min_value, True, True)[8]


#: Leading entries of the screen's packed integers and floats (:func:`_screen_unpack`).
SCREEN_NS_HEAD = 16
SCREEN_FS_HEAD = 14


@njit(cache=True)
def _screen_unpack(fs, ns, bs):
    """The arguments of :func:`cycle_screen` packed in ``fs``, ``ns`` and ``bs``, as
    views.

    ``ns`` (int64): ``L``, ``B``, ``K`` (rows of ``pk_table``'s columns, ``engage`` and
    ``salvo``), ``Kg`` (``class_g``), ``Z`` (zones), ``ballistic_code``, ``networked``,
    ``profitable_only``, ``need_future`` (0/1), ``n_window``, ``n_grid``, ``n_iter``,
    ``C`` (columns of ``lp``), ``Kn`` (rows of ``need``: 0 without a class memory),
    ``n_established``, ``S`` (radars), then ``lb`` (L), ``fire_control`` (L), ``max_rounds``
    (B), ``salvo`` (K x B), ``reserve`` (B), ``rank`` (B), ``zone_b`` (Z), ``need``
    (Kn x Kn), ``channels`` (S: each radar's guidance channels, 0 or less: no limit). ``bs``
    (bool): ``engage`` (K x B), ``hold`` (B), ``zone_hold`` (Z), ``free_b`` (B). ``fs``
    (float64): ``radius``, ``horizon_s``, ``tol_s``, ``tol_m``, ``cost_weight``,
    ``decision_period_s``, ``ttg_slack_s``, ``min_value``, ``route_uncertainty``,
    ``f_damaged``, ``gravity``, the class memory's ``gate_m``, ``gate_mps2`` and
    ``class_radius`` (m, m/s^2, m), then ``pk_table`` (L x K), ``class_g`` (Kg),
    ``min_interval_s`` (L), ``unit_cost`` (L), ``min_pk`` (B), ``zone_xy`` (Z x 2),
    ``zone_r`` (Z), ``lp`` (L x C)."""
    L, B, K, Kg, Z = ns[0], ns[1], ns[2], ns[3], ns[4]
    ballistic_code = ns[5]
    networked, profitable_only, need_future = ns[6] != 0, ns[7] != 0, ns[8] != 0
    n_window, n_grid, n_iter = ns[9], ns[10], ns[11]
    C, Kn, n_established, S = ns[12], ns[13], ns[14], ns[15]
    o = SCREEN_NS_HEAD
    lb = ns[o:o + L]
    o += L
    fire_control = ns[o:o + L]
    o += L
    max_rounds = ns[o:o + B]
    o += B
    salvo = ns[o:o + K * B].reshape(K, B)
    o += K * B
    reserve = ns[o:o + B]
    o += B
    rank = ns[o:o + B]
    o += B
    zone_b = ns[o:o + Z]
    o += Z
    need = ns[o:o + Kn * Kn].reshape(Kn, Kn)
    o += Kn * Kn
    channels = ns[o:o + S]
    engage = bs[:K * B].reshape(K, B)
    o = K * B
    hold = bs[o:o + B]
    o += B
    zone_hold = bs[o:o + Z]
    o += Z
    free_b = bs[o:o + B]
    radius, horizon_s, tol_s, tol_m, cost_weight = fs[0], fs[1], fs[2], fs[3], fs[4]
    decision_period_s, ttg_slack_s, min_value = fs[5], fs[6], fs[7]
    route_uncertainty, f_damaged, gravity = fs[8], fs[9], fs[10]
    gate_m, gate_mps2, class_radius = fs[11], fs[12], fs[13]
    o = SCREEN_FS_HEAD
    pk_table = fs[o:o + L * K].reshape(L, K)
    o += L * K
    class_g = fs[o:o + Kg]
    o += Kg
    min_interval_s = fs[o:o + L]
    o += L
    unit_cost = fs[o:o + L]
    o += L
    min_pk = fs[o:o + B]
    o += B
    zone_xy = fs[o:o + 2 * Z].reshape(Z, 2)
    o += 2 * Z
    zone_r = fs[o:o + Z]
    o += Z
    lp = fs[o:o + L * C].reshape(L, C)
    return (L, B, K, ballistic_code, networked, profitable_only, need_future, n_window,
            n_grid, n_iter, lb, fire_control, max_rounds, salvo, reserve, rank, zone_b, engage,
            hold, zone_hold, free_b, radius, horizon_s, tol_s, tol_m, cost_weight,
            decision_period_s, ttg_slack_s, min_value, route_uncertainty, f_damaged, gravity,
            pk_table, class_g, min_interval_s, unit_cost, min_pk, zone_xy, zone_r, lp, need,
            n_established, gate_m, gate_mps2, class_radius, channels)


@njit(cache=True)
def _screen_assets(fl):
    """The assets' figures of :func:`cycle_screen` packed in ``fl`` (float64), as views:
    ``K`` and ``a`` (whole numbers), then the damage ``law`` (K x a x 4), its ``bounds``
    (2 x K x a, :func:`screen_bounds`) and ``asset_enu`` (a x 3)."""
    K, na = int(fl[0]), int(fl[1])
    o = 2
    law = fl[o:o + K * na * 4].reshape(K, na, 4)
    o += K * na * 4
    bounds = fl[o:o + 2 * K * na].reshape(2, K, na)
    o += 2 * K * na
    return law, bounds, fl[o:o + 3 * na].reshape(na, 3)


@njit(cache=True)
def screen_bounds(law):
    """The damage law's ``law`` (K, a, 4) figures of :func:`_value_bound`, shape (2, K, a):
    each class's widest kernel against each asset, ``ln 2 / w^2`` (``w`` the larger width,
    at least 1e-9 m), and its largest disc (the larger radius, at least 0), m."""
    K, na = law.shape[0], law.shape[1]
    out = np.empty((2, K, na))
    for k in range(K):
        for a in range(na):
            out[0, k, a] = _LN2 / max(law[k, a, 1], law[k, a, 3], 1e-9) ** 2
            out[1, k, a] = max(law[k, a, 0], law[k, a, 2], 0.0)
    return out
