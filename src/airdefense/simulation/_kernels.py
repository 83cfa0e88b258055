"""Compiled compositions of the packages' kernels for the simulation loop (numba).

The loop holds no physics: these kernels only chain the kernels of the packages that own it,
in one compiled call where the loop would make several (each kernel call costs the unboxing
of its arguments and the boxing of the arrays it returns, microseconds against a step's few
tens of microseconds of arithmetic).
"""

from __future__ import annotations

import numba
import numpy as np

from airdefense.sensors import _kernels as SK
from airdefense.tracking import _kernels as TK

__all__ = ["sense_truth", "first_reports", "alive_until"]


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
