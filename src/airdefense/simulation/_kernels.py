"""Compiled compositions of the packages' kernels for the simulation loop (numba).

The loop holds no physics: these kernels only chain the kernels of the packages that own it,
in one compiled call where the loop would make several (each kernel call costs the unboxing
of its arguments and the boxing of the arrays it returns, microseconds against a step's few
tens of microseconds of arithmetic).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from airdefense.c2 import _kernels as CK
from airdefense.engagement import _kernels as EK
from airdefense.sensors import _kernels as SK
from airdefense.tracking import _kernels as TK

__all__ = ["sense_truth", "first_reports", "alive_until", "quiet_steps"]


@numba.njit(cache=True, error_model="numpy")
def sense_truth(t, t0, states, states0, alive, rho, c, off, truth_rows, rc, operational, tf,
                ti, tb, ci, ttf, tti, confirm_hits, drop_after_s, vel_sigma, seen, first, pic):
    """One step of sensing and truth tracking: the radar scan, then the truth tracker.

    The scan is :func:`airdefense.sensors._kernels.scan`'s of the aspect RCS (no RCS table)
    ``front, side, tail = truth_rows[:3]`` and the launch times ``truth_rows[3]`` (none when
    ``truth_rows`` has three rows) at ``t``, with the truth ``states`` at ``t`` and
    ``states0`` at ``t0``, ``alive`` and the network's arrays ``rc`` to ``ci``
    (:meth:`RadarNetwork._step_args <airdefense.sensors.radar.RadarNetwork._step_args>` gives
    them all). Its detections go to :func:`airdefense.tracking._kernels.truth_step` with
    ``t`` as the picture's time, ``alive`` and ``states``, the tracker's state arrays
    ``ttf``, ``tti``, its constants and its picture's buffer ``pic`` from row ``off``
    (:meth:`TruthTracker._begin <airdefense.tracking.truth.TruthTracker._begin>` gives the
    decay ``rho``, ``c``). The random draws are the two kernels', in that order, each from
    its own generator.

    Between them, when the scan reported a (radar, target) pair for the first time (its count
    ``ST_FIRST`` in ``ci`` grew), :func:`first_reports` of its detections with ``seen`` and
    the buffer ``first`` (6 r,) float64 = ``first_f`` (r, 4), then ``first_i`` (r, 2) int64
    (the same bytes); ``n_first`` is their number (0 when the count did not grow).

    A noiseless network (``ci[CI_NOISELESS]``, as the truth mode makes it) scans with
    :func:`~airdefense.sensors._kernels.scan_truth` and the tracker takes its columns
    (:func:`~airdefense.tracking._kernels.truth_step_rows`): the same draws, tables and
    picture as :func:`~airdefense.sensors._kernels.scan` and
    :func:`~airdefense.tracking._kernels.truth_step`, without the measurement arrays the
    tracker does not read.

    Returns (number of tracks, number of new tracks, n_first), the first two as
    :func:`~airdefense.tracking._kernels.truth_step`'s.
    """
    front = truth_rows[0]
    side = truth_rows[1]
    tail = truth_rows[2]
    launch = truth_rows[3] if truth_rows.shape[0] > 3 else np.empty(0)
    cap = first.size // 6
    first_f = first[:4 * cap].reshape((cap, 4))
    first_i = first[4 * cap:6 * cap].view(np.int64).reshape((cap, 2))
    rcs_table = np.empty((1, 0))  # (the aspect RCS: no table)
    before = ci[SK.CI_COUNTS + SK.ST_FIRST]
    if ci[SK.CI_NOISELESS] != 0:  # (truth mode) the columns the tracker reads, the same bits
        fo, io = SK.scan_truth(t, t0, True, states, states0, alive, rcs_table, front, side,
                               tail, launch, rc, operational, tf, ti, tb, ci)
        time_s = fo[:, SK.TD_TIME]
        sensor = io[:, SK.TI_SENSOR]
        truth_id = io[:, SK.TI_TARGET]
        n_first = 0
        if ci[SK.CI_COUNTS + SK.ST_FIRST] != before:
            enu = np.empty((sensor.size, 3))
            for r in range(sensor.size):
                for a in range(3):
                    enu[r, a] = rc[sensor[r], SK.G_ANT + a]
            n_first = first_reports(time_s, sensor, truth_id, fo[:, SK.TD_Z:SK.TD_Z + 3], enu,
                                    seen, first_f, first_i)
        m, n_fresh = TK.truth_step_rows(
            t, rho, c, ttf, tti, truth_id, fo[:, SK.TD_Z], fo[:, SK.TD_VAR],
            fo[:, SK.TD_VAR + 1], fo[:, SK.TD_VAR + 2], time_s, confirm_hits, drop_after_s,
            alive, states, vel_sigma, pic, off)
        return m, n_fresh, n_first
    time_s, sensor, z, R, enu, _, truth_id = SK.scan(
        t, t0, True, states, states0, alive, rcs_table, front, side, tail, launch, rc,
        operational, tf, ti, tb, ci)
    n_first = 0
    if ci[SK.CI_COUNTS + SK.ST_FIRST] != before:
        n_first = first_reports(time_s, sensor, truth_id, z, enu, seen, first_f, first_i)
    m, n_fresh = TK.truth_step(t, rho, c, ttf, tti, truth_id, z, R, time_s, confirm_hits,
                               drop_after_s, alive, states, vel_sigma, pic, off)
    return m, n_fresh, n_first


@numba.njit(cache=True, error_model="numpy")
def first_reports(time_s, sensor, truth_id, z, sensor_enu, seen, first_f, first_i):
    """The detections that first report a threat to a radar, in time order.

    Rows ``(k,)`` of a scan's detections (``time_s`` non-decreasing, ``sensor``,
    ``truth_id`` (-1: a false alarm), ``z`` (k, >= 3) and ``sensor_enu`` (k, 3) as in
    :class:`~airdefense.sensors.base.Detections`): the first row of each (threat, radar) pair
    not marked in ``seen`` (n, >= n_radars) bool is marked, and the rows found are written
    out ordered by time, then by the pair's key ``threat x seen.shape[1] + radar``:
    ``first_f`` (>= rows, 4) float its time, s, and measured position (ENU, m;
    :func:`~airdefense.sensors._kernels.polar_rows_to_enu` of the row, as
    ``Detections.enu``), ``first_i`` (>= rows, 2) int64 its threat and radar. Returns their
    number.
    """
    width = seen.shape[1]
    rows = np.empty(truth_id.size, np.int64)
    n_first = 0
    for r in range(truth_id.size):
        k = truth_id[r]
        if k >= 0 and not seen[k, sensor[r]]:
            seen[k, sensor[r]] = True
            # Insert by (time, pair key) (rows come in time order: few moves).
            key = k * width + sensor[r]
            q = n_first
            while q > 0:
                p = rows[q - 1]
                if time_s[p] < time_s[r] or (time_s[p] == time_s[r]
                                             and truth_id[p] * width + sensor[p] < key):
                    break
                rows[q] = p
                q -= 1
            rows[q] = r
            n_first += 1
    if n_first:
        pos = SK.polar_rows_to_enu(z, sensor_enu)
        for q in range(n_first):
            r = rows[q]
            first_f[q, 0] = time_s[r]
            for a in range(3):
                first_f[q, 1 + a] = pos[r, a]
            first_i[q, 0] = truth_id[r]
            first_i[q, 1] = sensor[r]
    return n_first


@numba.njit(cache=True, error_model="numpy")
def alive_until(t, launch, end, kill):
    """The threats alive at ``t`` (s) and the next instant that can change it.

    ``launch``, ``end`` and ``kill`` (n,) are the launch, end-of-flight and kill times, s.
    Returns the mask ``(launch <= t) & (t < end) & (t < kill)`` (n,) bool and the earliest
    launch or end time later than ``t`` (inf when none; NaN times are never later).
    """
    n = launch.size
    alive = np.empty(n, np.bool_)
    until = np.inf
    for k in range(n):
        alive[k] = launch[k] <= t and t < end[k] and t < kill[k]
        if launch[k] > t and launch[k] < until:
            until = launch[k]
        if end[k] > t and end[k] < until:
            until = end[k]
    return alive, until


# The layout of quiet_steps' integer state ``iv`` (in: given by the caller; out: written back).
#: in/out: the step index; in: the first step not to run (the next prefetch boundary).
QI_K, QI_K_END = 0, 1
#: in: whether the rounds fly (some active), their rows, the truth's threats.
QI_FLY, QI_ROUNDS, QI_N = 2, 3, 4
#: in/out: the picture buffer's next row; in: the last row a picture may start at.
QI_PIC_OFF, QI_PIC_LAST = 5, 6
#: out: where the call stopped (QS_*), the steps sensed, the buffered events.
QI_PHASE, QI_SENSED, QI_EVENTS = 8, 9, 10
#: out: the last sensed step's tracks and new tracks, the buffer's next row; in: the rows of
#: the picture before the first step (0: none, its arrays given apart); out: the picture's
#: after the call, its rows and first row (-1: the one before the first step).
QI_M, QI_FRESH, QI_OFF, QI_PM, QI_POFF = 11, 12, 13, 14, 15
#: out: the tracks of the last screen (-1: none), the screens that allowed no pair, the
#: answer of the screen that stopped the call, the lost and ended rounds of its flight.
QI_SCREEN_M, QI_NO_PAIR, QI_SCREEN_N, QI_NB, QI_NE = 16, 17, 18, 19, 20
#: out: some first report; in: the re-aim solver's grid points and iterations.
QI_FIRST, QI_GRID, QI_ITER = 21, 22, 23
#: out: the picture the last flight read: its rows and first row (-1: the one before the
#: first step; -2: no step flew).
QI_FM, QI_FOFF = 24, 25
#: out: whether the threats alive were found again (into the buffer given).
QI_ALIVE = 26
QI_SIZE = 27
# Its float state ``fv``.
#: in/out: the step's start; in: the step, the run's end and the loop's stop, s.
QF_T, QF_DT, QF_END, QF_STOP = 0, 1, 2, 3
#: in: the next launch and the earliest end of flight, s.
QF_LAUNCH, QF_LIMIT = 4, 5
#: in/out: the next decision; in: the decision period, s.
QF_DECISION, QF_PERIOD = 6, 7
#: in/out: the tracker's clock; in: its step, decay and noise factor.
QF_TRACKER, QF_DECAY_DT, QF_RHO, QF_C = 8, 9, 10, 11
#: in: the rounds' coverage grace, s, the classes' sphere, m, terminal phase, s, solver tol, m.
QF_GRACE, QF_RADIUS, QF_TERMINAL, QF_TOL = 12, 13, 14, 15
#: out: the end of the step where the call stopped; the last screen's time, s.
QF_T1, QF_SCREEN_T = 16, 17
#: in: the time of the picture before the first step; out: the picture's after the call
#: (the last sensed step's), s.
QF_PREV_TIME = 18
#: out: the time of the picture the last flight read, s.
QF_FTIME = 19
#: in/out: the threats alive hold from and until (alive_until), s.
QF_ALIVE_FROM, QF_ALIVE_TO = 20, 21
#: in: the earliest kill assessment or reload due, s.
QF_DUE = 22
QF_SIZE = 23
#: Where quiet_steps stopped: before a step (the caller runs it whole); after its flight
#: with rounds lost or ended; after its scan and tracker with a picture that takes a new
#: buffer; after its picture with an assessment or reload due; after its screen with some
#: pair allowed or not screened; before its decision.
QS_BEFORE, QS_FLOWN, QS_SENSED, QS_DUE, QS_SCREENED, QS_DECIDE = 0, 1, 2, 3, 4, 5


@numba.njit(cache=True, error_model="numpy")
def quiet_steps(iv, fv, block, k0, alive, times, fly, sense, pic, screen, ev_f, ev_i):
    """The loop's quiet steps in one call: each step's flight (:func:`airdefense.engagement.
    _kernels.fly_step`), scan and truth tracker (:func:`sense_truth`) and, on the decision
    cycle, the decision screen (:func:`airdefense.c2._kernels.cycle_screen`), the same
    calls on the same arguments as the loop's step by step (see ``_Run._quiet``).

    A step runs only while nothing else is due in it: ``t1 <= fv[QF_LAUNCH]``,
    ``t1 < fv[QF_LIMIT]``, the step index below ``iv[QI_K_END]``, ``t < fv[QF_STOP]`` and
    the tracker's step ``t1 - fv[QF_TRACKER] == fv[QF_DECAY_DT]``; otherwise the call stops
    before it (``QS_BEFORE``). The threats ``alive`` hold until ``fv[QF_ALIVE_TO]``; at a
    step's end ``t1`` past it they are found again (:func:`alive_until` of the launch, end
    and kill times ``times[:3]``, as ``_Run._alive_step``), written into ``times[3]`` at the
    end of the call with ``iv[QI_ALIVE]`` set and the new bounds in ``fv``. It stops inside
    a step where the loop has more to do there: rounds lost or ended (``QS_FLOWN``, the
    counts in ``iv[QI_NB]``, ``iv[QI_NE]``), a picture past the buffer's last row
    (``QS_SENSED``, ``iv[QI_M]``, ``iv[QI_FRESH]``), a kill assessment or reload due by
    ``t1`` (``t1 >= fv[QF_DUE]``: ``QS_DUE``, after the picture; they come before the
    decision), a screen that allows some pair or does not screen (``QS_SCREENED``, its
    answer in ``iv[QI_SCREEN_N]``), a picture larger than the class codes' buffer or a track id past
    the class memory (``QS_DECIDE``, before the screen). The first reports and new tracks
    are written out in order into ``ev_f`` (r, 4) (time, s, and position, m; the time for a
    new track) and ``ev_i`` (r, 3) int64 (0, threat, radar or 1, track id, threat).

    ``block`` (K, n, 6) holds the truth states at the ends of steps ``k0 .. k0 + K - 1``
    (the loop's prefetch); a step ``k > k0`` reads its start's at row ``k - k0 - 1``.
    ``fly`` = (rows f, i, b, out_i, out_f, sensor_ok, launcher rows, held classes, the
    picture before the first step's track ids and states), ``sense`` = the arguments of
    :func:`sense_truth` after ``off`` but ``pic``, ``screen`` = :func:`~airdefense.c2.
    _kernels.cycle_screen`'s arguments but the tracks' and the rounds' count.
    """
    t = fv[QF_T]
    dt = fv[QF_DT]
    end = fv[QF_END]
    k = iv[QI_K]
    n = iv[QI_N]
    ic_f, ic_i, ic_b, out_i, out_f, ok, lp, held, prev_tid, prev_tx = fly
    (kidx, killed, rounds_a, pending_a, l_op, sensor_ok, l_rounds, l_last, l_reload, chan,
     battery_ok, value, asset_alive, fs, ns, bs, law, mem_i, mem_f, active, round_fc) = screen
    tti = sense[8]
    first = sense[13]
    cap = first.size // 6
    first_f = first[:4 * cap].reshape((cap, 4))
    first_i = first[4 * cap:6 * cap].view(np.int64).reshape((cap, 2))
    rows = (pic.size // 45)
    pic_x = pic[:6 * rows].reshape((rows, 6))
    pic_p = pic[6 * rows:42 * rows].reshape((rows, 6, 6))
    pic_q = pic[42 * rows:43 * rows]
    pic_ids = pic[43 * rows:].view(np.int64)
    pic_tid = pic_ids[:rows]
    confirmed = np.ones(rows, np.bool_)
    off = iv[QI_PIC_OFF]
    pic_last = iv[QI_PIC_LAST]
    # The picture the next step's flight reads: the given one, then the last step's rows.
    pm = iv[QI_PM]
    poff = -1
    ptime = fv[QF_PREV_TIME]
    next_decision = fv[QF_DECISION]
    period = fv[QF_PERIOD]
    tr_time = fv[QF_TRACKER]
    n_ev = 0
    sensed = 0
    screen_m = -1
    no_pair = 0
    any_first = 0
    last_m = 0
    last_fresh = 0
    fm, foff, ftime = 0, -2, 0.0
    alive_to = fv[QF_ALIVE_TO]
    alive_from = fv[QF_ALIVE_FROM]
    new_alive = False
    phase = QS_BEFORE
    t1 = t
    while True:
        if k >= iv[QI_K_END] or not t < fv[QF_STOP]:
            break
        t1 = (k + 1) * dt
        if t1 > end:
            t1 = end
        if t1 > fv[QF_LAUNCH] or t1 >= fv[QF_LIMIT] or t1 - tr_time != fv[QF_DECAY_DT]:
            break
        due = t1 >= fv[QF_DUE]
        if not alive_from <= t1 < alive_to:  # (_Run._alive_step)
            alive, alive_to = alive_until(t1, times[0], times[1], times[2])
            alive_from = t1
            new_alive = True
        st0 = block[k - k0 - 1]
        st1 = block[k - k0]
        fm, foff, ftime = pm, poff, ptime
        # The flight (Engagement.fly), on the picture of the step's start.
        if iv[QI_FLY] != 0:
            if poff < 0:  # the picture before the first step
                age = t - ptime if pm > 0 else 0.0
                nb, ne = EK.fly_step(iv[QI_ROUNDS], ic_f, ic_i, ic_b, ok, prev_tid, prev_tx,
                                     age, st0, st1, t, t1, fv[QF_TERMINAL], out_i, out_f,
                                     iv[QI_GRID], iv[QI_ITER], fv[QF_TOL], lp,
                                     fv[QF_GRACE], held, fv[QF_RADIUS])
            else:
                nb, ne = EK.fly_step(iv[QI_ROUNDS], ic_f, ic_i, ic_b, ok,
                                     pic_tid[poff:poff + pm], pic_x[poff:poff + pm],
                                     t - ptime if pm > 0 else 0.0, st0, st1, t, t1,
                                     fv[QF_TERMINAL], out_i, out_f, iv[QI_GRID],
                                     iv[QI_ITER], fv[QF_TOL], lp, fv[QF_GRACE], held,
                                     fv[QF_RADIUS])
            if nb != 0 or ne != 0:
                iv[QI_NB] = nb
                iv[QI_NE] = ne
                phase = QS_FLOWN
                break
        # The scan and the truth tracker (_Run._sense_truth).
        m, n_fresh, n_first = sense_truth(
            t1, t, st1, st0, alive, fv[QF_RHO], fv[QF_C], off, sense[0], sense[1], sense[2],
            sense[3], sense[4], sense[5], sense[6], sense[7], tti, sense[9], sense[10],
            sense[11], sense[12], first, pic)
        tr_time = t1
        sensed += 1
        for q in range(n_first):
            for a in range(4):
                ev_f[n_ev, a] = first_f[q, a]
            ev_i[n_ev, 0] = 0
            ev_i[n_ev, 1] = first_i[q, 0]
            ev_i[n_ev, 2] = first_i[q, 1]
            n_ev += 1
        if n_first:
            any_first = 1
        for q in range(n_fresh):  # TruthTracker._picture's new tracks
            kk = tti[3 * n + q]
            ev_f[n_ev, 0] = t1
            ev_i[n_ev, 0] = 1
            ev_i[n_ev, 1] = tti[2 * n + kk]
            ev_i[n_ev, 2] = kk
            n_ev += 1
        last_m = m
        last_fresh = n_fresh
        if m > 0 and off + m > pic_last:  # the picture takes a new buffer
            phase = QS_SENSED
            break
        o = off
        if m > 0:
            off = o + m
        pm, poff, ptime = m, o, t1
        if due:  # the loop's assessments or reloads, then its decision
            phase = QS_DUE
            break
        # The decision (_Run.decide), on the cycle.
        if t1 + 1e-9 >= next_decision:
            if m > 0:
                if m > kidx.size:
                    phase = QS_DECIDE
                    break
                ns_ = CK.cycle_screen(
                    t1, pic_x[o:off], pic_p[o:off], pic_q[o:off], kidx, confirmed[:m],
                    pic_tid[o:off], killed, rounds_a, pending_a, l_op, sensor_ok, l_rounds,
                    l_last, l_reload, chan, battery_ok, value, asset_alive, fs, ns, bs, law,
                    mem_i, mem_f, iv[QI_ROUNDS], active, round_fc)
                if ns_ == -3:  # (nothing changed) the loop grows the memory
                    phase = QS_DECIDE
                    break
                screen_m = m
                fv[QF_SCREEN_T] = t1
                if ns_ == -1 or ns_ > 0:
                    iv[QI_SCREEN_N] = ns_
                    phase = QS_SCREENED
                    break
                if ns_ == 0:
                    no_pair += 1
            late = math.floor((t1 + 1e-9 - next_decision) / period)
            next_decision += period * max(1, late + 1)
        t = t1
        k += 1
    iv[QI_K] = k
    iv[QI_PHASE] = phase
    iv[QI_SENSED] = sensed
    iv[QI_EVENTS] = n_ev
    iv[QI_M] = last_m
    iv[QI_FRESH] = last_fresh
    iv[QI_OFF] = off
    iv[QI_PM] = pm
    iv[QI_POFF] = poff
    iv[QI_SCREEN_M] = screen_m
    iv[QI_NO_PAIR] = no_pair
    iv[QI_FIRST] = any_first
    if new_alive:
        times[3][:] = alive
        iv[QI_ALIVE] = 1
        fv[QF_ALIVE_FROM] = alive_from
        fv[QF_ALIVE_TO] = alive_to
    else:
        iv[QI_ALIVE] = 0
    iv[QI_FM] = fm
    iv[QI_FOFF] = foff
    fv[QF_FTIME] = ftime
    fv[QF_T] = t
    fv[QF_T1] = t1
    fv[QF_DECISION] = next_decision
    fv[QF_TRACKER] = tr_time
    fv[QF_PREV_TIME] = ptime
    return sensed
