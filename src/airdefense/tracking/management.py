"""Track management: birth from unused measurements, M-of-N confirmation, deletion, ids, quality.

All bookkeeping lives in arrays aligned with the rows of the filter state.
"""

from __future__ import annotations

import numpy as np

from airdefense.tracking import _kernels as _k

__all__ = ["SinglePointInitiator", "TrackManager", "TwoPointInitiator", "deletion_llr",
           "looks_to_deletion"]


class SinglePointInitiator:
    """Start a tentative track on each unused measurement.

    Position and its covariance come from the measurement; velocity is zero with standard
    deviation ``speed_sigma_mps`` per axis, except along the line of sight when the measurement
    carries a range rate, which then sets that component. Extra components (turn rate, drag, ...)
    take the filter's prior. A measurement with an offset (``Measurements.offset_s``, its time
    minus the tracker's) starts a track moved to the tracker's time at constant velocity, with
    the filter's process noise over that interval added to its covariance (``F P F' + Q``; each
    IMM model its own ``Q``: the filter's ``add_noise``).

    Parameters
    ----------
    speed_sigma_mps : float, default 100
        Prior standard deviation of each velocity component, m/s.
    """

    def __init__(self, speed_sigma_mps: float = 100.0) -> None:
        if not speed_sigma_mps > 0:
            raise ValueError(f"speed_sigma_mps must be > 0 m/s, got {speed_sigma_mps}")
        self.speed_sigma = float(speed_sigma_mps)

    def initiate(self, filt, meas):
        """Filter states of new tracks, one per row of ``meas``."""
        n = meas.ndim
        k = len(meas)
        D = filt.dim
        x = np.zeros((k, D))
        P = np.zeros((k, D, D))
        x[:, :n] = meas.pos
        P[:, :n, :n] = meas.pos_cov
        Pv = np.broadcast_to(np.eye(n) * self.speed_sigma**2, (k, n, n)).copy()
        if meas.kind == "polar":
            has_rr = meas.valid[:, 3]
            u = meas.pos - meas.sensor_enu[:, :n]
            u = u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-9)
            rr = meas.z[:, 3]
            x[:, n:2 * n] = np.where(has_rr[:, None], rr[:, None] * u, 0.0)
            uu = u[:, :, None] * u[:, None, :]
            Pv_rr = self.speed_sigma**2 * (np.eye(n) - uu) + meas.R[:, 3, 3][:, None, None] * uu
            Pv = np.where(has_rr[:, None, None], Pv_rr, Pv)
        P[:, n:2 * n, n:2 * n] = Pv
        mean, var = filt.prior()
        if D > 2 * n:
            x[:, 2 * n:] = mean
            idx = np.arange(2 * n, D)
            P[:, idx, idx] = var
        _to_tracker_time(x, P, meas.offset_s, n)
        return _moved_noise(filt, filt.initiate(x, P), meas.offset_s)

    def births(self, filt, meas, time_s: float, scan: int):
        """New tracks from unused measurements: one per row here.

        Returns
        -------
        state
            Filter state of the new tracks.
        rows : ndarray of int
            Rows of ``meas`` that started them.
        ago, score : None
            No earlier hit, no initial score (see :meth:`TwoPointInitiator.births`).
        """
        return self.initiate(filt, meas), np.arange(len(meas)), None, None


class TwoPointInitiator:
    """Two-point (velocity-gated) track initiation.

    Logic-based initiation (Blackman & Popoli 1999, "Design and Analysis of Modern Tracking
    Systems", sec. 3.5 and 6.2): an unused measurement first becomes a *candidate*, held as a
    position and its covariance only (no filter). A tentative track starts when an unused
    measurement of a later scan (any radar) lies within the velocity gate of a candidate,

        ``|z_2 - z_1| <= v_max (t_2 - t_1) + k sqrt(sigma_1^2 + sigma_2^2)``,

    with ``sigma_i^2`` the trace of each position covariance. Where a measurement carries a range
    rate (``rdot``, radial speed seen from its radar along the line of sight ``u``), the
    two-point velocity ``v`` must agree with it:
    ``|u . v - rdot| <= k sqrt(var(rdot) + u' (R_1 + R_2) u / dt^2) + a_max dt / 2``
    (the last term bounds the gap between the mean and the end velocity of a target
    accelerating at up to ``a_max``); false alarms, whose range rates are spread over the
    radar's Doppler span, rarely pass. Each measurement pairs with at most one candidate, the
    one of least normalised distance ``|z_2 - z_1| / gate``; a candidate may pair with several
    measurements (each pair is a hypothesis, M-of-N confirmation sorts them out) and stays
    until it is older than ``max_age_s``. Every unused measurement becomes a candidate, paired
    or not, so that one wrong pair (a false alarm inside a wide gate) does not cost a real
    target its start.

    The track takes the second position and the two-point velocity ``(z_2 - z_1) / dt`` with
    covariances ``P_pp = R_2``, ``P_pv = R_2 / dt``, ``P_vv = (R_1 + R_2) / dt^2``; a range
    rate carried by the second measurement then updates it (a linear update along the line of
    sight). Extra components (turn rate, drag, ...) take the filter's prior, and the track is
    moved to the tracker's time as with :class:`SinglePointInitiator`. Everything is
    vectorised over candidates x measurements.

    Parameters
    ----------
    max_speed_mps : float, default 3000
        Largest target speed, m/s (3 km/s covers short- and medium-range ballistic missiles).
    max_age_s : float, default 4
        Candidates older than this are dropped, s (a few scan periods).
    gate_sigmas : float, default 3
        k, the number of standard deviations of the measurement noise added to the gates.
    min_dt_s : float, default 0.25
        Least time between the two measurements, s: a shorter pair would give a velocity with a
        huge covariance.
    max_accel_mps2 : float, default 100
        Largest target acceleration, m/s^2, for the range-rate test (10 g).
    score : tuple of (pd, clutter_density, speed_sigma_mps, pg), optional
        With it, a new track's score (:class:`TrackManager` ``confirm_llr``) starts at the
        log-likelihood ratio of its second measurement given the first, target against false
        alarm, as the association gain of a track started by :class:`SinglePointInitiator`
        on the first (velocity prior ``N(0, speed_sigma^2)`` per axis):
        ``log(Pd N(z_2 - z_1; 0, R_1 + R_2 + dt^2 speed_sigma^2 I)) - log(clutter_density)
        - log(1 - Pd Pg)``, clutter density per m^2 (2-D) or m^3 (3-D); where the second
        measurement carries its radar's own density (``Measurements.false_alarm_density``,
        uniform in measurement space), that density over ``clutter_scale`` (``r^2 cos el``,
        the Jacobian) instead: the false alarms per m^3 at that point
        (:meth:`Measurements.cartesian_clutter`). Without it the score starts at 0 and
        confirmation needs later measurements.

    Examples
    --------
    >>> from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements
    >>> from airdefense.tracking.models import ConstantVelocity
    >>> f = ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2))
    >>> ini = TwoPointInitiator(max_speed_mps=100.0)
    >>> st, rows, ago, _ = ini.births(f, Measurements.cartesian(0.0, [[0.0, 0.0]], 1.0), 0.0, 0)
    >>> len(rows), ini.candidates
    (0, 1)
    >>> st, rows, ago, _ = ini.births(f, Measurements.cartesian(2.0, [[60.0, 80.0]], 1.0), 2.0, 1)
    >>> rows.tolist(), st.x[0, 2:].tolist()
    ([0], [30.0, 40.0])
    """

    def __init__(self, max_speed_mps: float = 3000.0, max_age_s: float = 4.0,
                 gate_sigmas: float = 3.0, min_dt_s: float = 0.25,
                 max_accel_mps2: float = 100.0,
                 score: tuple[float, float, float, float] | None = None) -> None:
        for name, v, rule in (("max_speed_mps", max_speed_mps, "> 0 m/s"),
                              ("max_age_s", max_age_s, "> 0 s"),
                              ("gate_sigmas", gate_sigmas, ">= 0"),
                              ("min_dt_s", min_dt_s, "> 0 s"),
                              ("max_accel_mps2", max_accel_mps2, "> 0 m/s^2")):
            ok = v >= 0 if name == "gate_sigmas" else v > 0
            if not (ok and np.isfinite(v)):
                raise ValueError(f"{name} must be finite and {rule}, got {v}")
        self.max_speed = float(max_speed_mps)
        self.max_age = float(max_age_s)
        self.k = float(gate_sigmas)
        self.min_dt = float(min_dt_s)
        self.max_accel = float(max_accel_mps2)
        self.score = None if score is None else tuple(float(v) for v in score)
        self._n = 0
        # One row per candidate: position (n), covariance (n * n), its trace, line of sight
        # (n), range rate (NaN if none), its variance, time; and the scan index apart.
        self._c = np.zeros((0, 0))
        self._scan = np.zeros(0, np.int64)
        self._new_scan, self._new_rows = -1, 0  # the last births call's scan and new rows

    @property
    def candidates(self) -> int:
        """Number of candidates held."""
        return int(self._scan.shape[0])

    takes_rows = True  # births takes ``rows`` (the tracker then passes its full measurements)

    def births(self, filt, meas, time_s: float, scan: int, rows: np.ndarray | None = None):
        """Pair unused measurements with candidates; start tracks on the pairs.

        Parameters
        ----------
        filt : filter
            The tracker's filter (for ``initiate`` and the prior of extra components).
        meas : Measurements
            Unused measurements of one radar's pass; ``offset_s`` (time minus ``time_s``) gives
            each row's own time.
        time_s : float
            The tracker's time, s.
        scan : int
            Index of the tracker's current scan: only candidates of earlier scans pair.
        rows : ndarray of int, shape (k,), optional
            The unused rows of ``meas`` (default: every row): as ``meas.take(rows)`` but read
            in place (most calls start no track, and then take no copy of the rows).

        Returns
        -------
        state or None
            Filter state of the new tracks, at ``time_s`` (None when there is none).
        rows : ndarray of int, shape (p,)
            Rows of ``meas`` that started them (their second measurement); with ``rows``,
            positions in ``rows``.
        ago : ndarray of int, shape (p,)
            How many scans before ``scan`` each track's candidate was measured.
        score : ndarray of shape (p,) or None
            Initial track scores (see ``score``), None without ``score``.
        """
        n = meas.ndim
        if n != self._n:
            self._n = n
            self._c = np.zeros((0, 2 * n + n * n + 4))
            self._scan = np.zeros(0, np.int64)
        # The new rows; the candidates still young enough, then the new rows (which pair only
        # in later scans); each measurement's best candidate (least normalised distance) among
        # those of earlier scans, in its velocity gate, whose velocity agrees with the range
        # rates.
        if rows is None:
            k = len(meas)
            t = (np.full(k, float(time_s)) if meas.offset_s is None
                 else meas.offset_s + float(time_s))
            new, self._c, self._scan, ci, mj = _k.candidate_scan(
                meas.pos, meas.pos_cov, meas.sensor_enu, meas.z, meas.R, meas.valid, t,
                meas.kind == "polar", self._c, self._scan, int(scan), float(time_s),
                self.max_age, self.max_speed, self.k, self.min_dt, self.max_accel)
        else:  # the same, the rows gathered in the kernel (offset + time_s there as here)
            rows = np.asarray(rows, np.int64)
            new, self._c, self._scan, ci, mj = _k.candidate_scan_at(
                rows, meas.pos, meas.pos_cov, meas.sensor_enu, meas.z, meas.R, meas.valid,
                _NO_OFFSETS if meas.offset_s is None else meas.offset_s,
                meas.kind == "polar", self._c, self._scan, int(scan), float(time_s),
                self.max_age, self.max_speed, self.k, self.min_dt, self.max_accel)
        # This scan's new rows (several births calls of one scan: the per-radar mode).
        self._new_rows = new.shape[0] + (self._new_rows if self._new_scan == scan else 0)
        self._new_scan = int(scan)
        state = llr = None
        if ci.size:
            at = mj if rows is None else rows[mj]  # the rows of ``meas``
            c1, c2 = self._c[ci], new[mj]
            x, P = _k.two_point_tracks(c1, c2, n, filt.dim)
            if filt.dim > 2 * n:  # extra components (turn rate, drag, ...): the prior
                mean, pvar = filt.prior()
                x[:, 2 * n:] = mean
                idx = np.arange(2 * n, filt.dim)
                P[:, idx, idx] = pvar
            off = None if meas.offset_s is None else meas.offset_s[at]
            _to_tracker_time(x, P, off, n)
            state = _moved_noise(filt, filt.initiate(x, P), off)
            if self.score is not None:
                pd, lam, sv, pg = self.score
                lam = meas.cartesian_clutter(at, lam)  # per m^3 (m^2) at the second row
                llr = (np.log(pd) + _k.two_point_loglik(c1, c2, n, sv) - np.log(lam)
                       - np.log1p(-pd * pg))
        # (no pair, most calls: the empty ``mj`` stands for the empty ``ago``)
        ago = scan - self._scan[ci] if ci.size else mj
        return state, mj, ago, llr

    def earlier_candidates(self, scan: int) -> np.ndarray:
        """Positions (q, 3), m (z 0 in 2-D), of the candidates of scans before ``scan``: the
        first q candidates (rows are kept in order, each scan's new ones last), for
        :meth:`not_looked_at`."""
        q = self._scan.shape[0]
        if self._new_scan == scan:
            q -= self._new_rows
        if self._n == 3:
            return self._c[:q, :3]
        pos = np.zeros((q, 3))
        pos[:, :self._n] = self._c[:q, :self._n]
        return pos

    def not_looked_at(self, looked: np.ndarray) -> None:
        """Which candidates of :meth:`earlier_candidates` this scan looked at, (q,) bool.

        A track's M-of-N window counts the scans that looked at it (see
        :class:`MultiTargetTracker` ``scanned``); so does a candidate's ``ago``: the scan index
        of each candidate not looked at moves one later, so that ``ago`` of a track it starts
        is one plus the scans that looked at its position between its measurement and the
        track's (not the tracker's steps). Call after the scan's :meth:`births`; a candidate
        still pairs only in later scans.
        """
        looked = np.asarray(looked, bool)
        self._scan[:looked.shape[0]] += ~looked


_NO_OFFSETS = np.zeros(0)  # (candidate_scan_at: measurements without offsets)


def _to_tracker_time(x: np.ndarray, P: np.ndarray, offset_s: np.ndarray | None, n: int) -> None:
    """Move states measured at ``offset_s`` (their time minus the tracker's) to the tracker's
    time at constant velocity, in place."""
    if offset_s is not None:
        # x(t - tau) = F(-tau) x(t): positions minus tau times velocities; P = F P F'.
        _k.shift_states(x, P, offset_s, n)


def _moved_noise(filt, state, offset_s: np.ndarray | None):
    """``state`` moved forward by ``-offset_s`` (s) with the filter's process noise over that
    interval added (:meth:`~airdefense.tracking.kalman.ExtendedKalmanFilter.add_noise`; a
    filter without ``add_noise`` adds none)."""
    if offset_s is None or not hasattr(filt, "add_noise"):
        return state
    return filt.add_noise(state, -np.asarray(offset_s, float))


def looks_to_deletion(pd: float, delete_llr: float) -> float:
    """Mean number of looks before evidence-based deletion drops a track on a live target.

    The target is seen at each look with probability ``pd``, independently, and the track
    predicts exactly ``pd`` (calibrated): a miss costs ``c = -ln(1 - pd)`` and a hit, whose
    gain (target against a false alarm of density ``lambda``, tens of nats) exceeds
    ``delete_llr``, resets the drop below the peak, so the track is deleted at the first run of
    ``k = ceil(delete_llr / c)`` misses in a row. The mean wait for a run of ``k`` failures in
    Bernoulli trials of success probability ``pd`` (Feller, "An Introduction to Probability
    Theory", vol. 1, XIII.7) is ``((1 - pd)^-k - 1) / pd``: at least ``(exp(delete_llr) - 1) /
    pd``, whatever ``pd`` (equal when ``delete_llr`` is a multiple of ``c``).

    Parameters
    ----------
    pd : float
        Detection probability of a look, in (0, 1).
    delete_llr : float
        Deletion threshold, nats (> 0).

    Returns
    -------
    float
        Mean number of looks to deletion (the first look counts as 1).

    Raises
    ------
    ValueError
        If ``pd`` is not in (0, 1) or ``delete_llr`` not finite and > 0.

    Examples
    --------
    >>> round(looks_to_deletion(0.9, 6.9))  # 3 misses in a row at 0.9
    1110
    """
    if not 0 < pd < 1:
        raise ValueError(f"pd must be in the open interval (0, 1), got {pd}")
    if not 0 < delete_llr < np.inf:
        raise ValueError(f"delete_llr must be finite and > 0 nats, got {delete_llr}")
    k = np.ceil(delete_llr / -np.log1p(-pd) - 1e-12)
    return float(((1.0 - pd) ** -k - 1.0) / pd)


def deletion_llr(looks: float, false_deletion: float = 0.01) -> float:
    """Deletion threshold (nats) that keeps a track on a live target for ``looks`` looks.

    By :func:`looks_to_deletion` a calibrated track is dropped by chance about once in
    ``exp(delete_llr) / pd`` looks, so over a life of ``looks`` looks the chance is at most
    about ``looks * pd * exp(-delete_llr)``; ``ln(looks / false_deletion)`` bounds it by
    ``false_deletion`` for every ``pd``. A fixed threshold does not: 6.9 nats (3 misses at
    0.9) drops a track about once in 1,100 looks, once or more in the 1,400 one-second
    looks of a drone's flight in example 2.

    Parameters
    ----------
    looks : float
        Looks in the longest track life, e.g. the scenario's duration over its step (>= 1).
    false_deletion : float, default 0.01
        Largest chance that a track on a live target is deleted in that life, in (0, 1).

    Returns
    -------
    float
        ``ln(looks / false_deletion)``, nats.

    Raises
    ------
    ValueError
        If ``looks`` is below 1 or not finite, or ``false_deletion`` not in (0, 1).

    Examples
    --------
    >>> round(deletion_llr(2400), 2)  # example 2: 2,400 s at 1 s
    12.39
    """
    if not 1 <= looks < np.inf:
        raise ValueError(f"looks must be finite and >= 1, got {looks}")
    if not 0 < false_deletion < 1:
        raise ValueError(f"false_deletion must be in the open interval (0, 1), got "
                         f"{false_deletion}")
    return float(np.log(looks / false_deletion))


class TrackManager:
    """M-of-N confirmation, deletion, stable ids and a quality score.

    A tentative track is confirmed once it has at least M hits in its last N scans; it is deleted
    when it can no longer reach M hits within its first N scans. A confirmed track is deleted
    after ``delete_misses`` consecutive misses (or, with ``delete_llr``, when its track score
    has fallen that far below its peak: see below), or when the standard deviation of its position
    (square root of the largest eigenvalue bound, the trace) exceeds ``max_pos_sigma_m``. Any
    track is deleted once its last hit is more than ``max_coast_s`` old (a track no radar looks
    at records no miss: it coasts, at most this long). Quality
    is an exponential average of hits (``alpha`` per scan), in [0, 1].

    With ``confirm_llr`` set, confirmation also needs the track's log-likelihood-ratio score
    (target against false alarms, summed over its scans: Blackman's sequential track score)
    to reach that value, and a tentative track older than N scans survives while its last N
    scans hold M hits.

    **Evidence-based deletion** (``delete_llr`` set; Blackman & Popoli 1999, "Design and
    Analysis of Modern Tracking Systems", sec. 6.2). Each look at a confirmed track changes its
    log-likelihood-ratio score by ``ln(1 - p)`` on a miss and by ``ln(p / lambda)`` plus the
    innovation term on a hit, ``p`` being the predicted detection probability of that look; the
    track is deleted once its score has fallen ``delete_llr`` (nats) below its peak (Page's
    CUSUM: ``drop = max(0, drop - gain)``, kept in :attr:`drop`). A miss where the radar was
    unlikely to see the target costs little (``p`` = 0.2: 0.22 nats), one where it should have
    seen it a lot (``p`` = 0.9: 2.3 nats): ``k`` misses in a row at ``p`` delete the track iff
    ``-k ln(1 - p) >= delete_llr``.

    ``p`` comes from the signal-to-noise ratio of the track's detections, not from its hit
    count: a track's own history is a poor estimate of its Pd (a track is born from hits, so a
    young track's rate is biased high; and estimating Pd from the very run of misses under
    test is circular: a run of misses would make misses cheap and keep a dead track). A
    detection's SNR (``Measurements.snr_db``: the radar's square-law detector output ``z``,
    signal plus noise over the noise power) is biased high too, being a look that crossed the
    threshold ``T = -ln Pfa``: for a Swerling-1 target of mean SNR ``S``, ``z`` is
    exponential of mean ``1 + S``, so past ``T`` its mean is ``T + 1 + S`` (memoryless), and
    each detection gives the unbiased estimate ``z - T - 1`` of ``S``
    (:func:`~airdefense.tracking._kernels.swerling1_snr`; a faint target's detections read
    about ``T + 1``, whatever its mean). The track keeps a running mean of that estimate
    times ``R^4`` (``S R^4`` is constant by the radar equation; ``z R^4`` is not) over its
    detections by one radar (the mean of the first ``_kernels.SNR_MEMORY`` = 16, then an
    exponential average of that weight; restarted when another radar detects it); at a look
    the mean over the last detection's ``R^4`` gives ``S`` there (at least
    ``_kernels.SNR_FLOOR``), scaled to the predicted range ``R'`` by the radar equation,
    ``S (R / R')^4``, and turned into ``p`` by the Swerling-1 relation
    ``Pd = Pfa^(1 / (1 + S'))`` with that radar's false-alarm probability
    (:func:`airdefense.sensors.detection.pd_swerling`).
    ``p`` is capped at ``pd``, the design Pd (the SNR ignores the losses of a real look: beam
    edge, terrain, eclipsing, association), so a well-seen target's miss costs
    ``-ln(1 - pd)`` as before and ``delete_llr`` just under ``delete_misses * -ln(1 - pd)``
    keeps the old rule for it; a track without SNR (Cartesian or prepared measurements) uses
    ``pd``.

    **The threshold.** A hit's gain (target against a false alarm, tens of nats) resets the
    drop, so a calibrated track on a live target is deleted at its first run of
    ``ceil(delete_llr / -ln(1 - p))`` misses: once in about ``exp(delete_llr) / p`` looks,
    whatever ``p`` (:func:`looks_to_deletion`). The threshold is therefore set by the length
    of a track's life, not by a number of misses: :func:`deletion_llr` ``ln(looks / alpha)``
    keeps the chance of a false deletion over ``looks`` looks below ``alpha``. 6.9 nats (three
    misses at 0.9) dropped a track once in about 1,100 looks: in example 2 in full mode,
    where a drone's track lives about 1,400 one-second looks, 1.64 track starts per drone (8
    seeds), 1.18 at ``deletion_llr(2400)`` = 12.4 nats.

    **The radar that looked.** Radars differ (power, aperture, losses, Pfa): a track held by a
    long-range radar and looked at by a short-range one at close range has another ``p``.
    Given which radars looked at each track (``look_pd(pos, looked)``, e.g. from
    :meth:`RadarNetwork.looked_by <airdefense.sensors.radar.RadarNetwork.looked_by>`) and
    each radar's radar-equation constant ``c`` (``SNR = c rcs / R^4``, from
    :func:`~airdefense.sensors.detection.snr_radar_equation`), antenna position and Pfa
    (``snr_const``, ``sensor_enu``, ``pfa``), the track's ``S R^4`` measured by its own radar
    ``o`` is ``c_o rcs``: radar ``r`` sees ``S R^4 c_r / c_o`` at its range ``R_r'`` from
    its antenna, at its own Pfa. A step in which several radars looked counts as its best
    look, ``min(pd, max p_r)``, not as independent looks (``1 - prod(1 - p_r)``, all missing
    costing the sum of their ``-ln(1 - p_r)``): every radar's ``p_r`` comes from the same
    estimate of the target's RCS (running means of the radars' few detections, noisy and
    read through a convex inversion), so their errors are common, not independent; and the
    losses the cap stands for (association, eclipsing) strike every radar's look alike.
    Counted as independent looks (capped per step at ``pd``), example 2 in full mode made
    1.74 confirmed track starts per drone against 1.62 (8 seeds, 6.9 nats; own radar only:
    1.50). **Each radar's own memory.** A radar of the table that has detected the track
    predicts its look from its own running mean of ``S R^4`` (``radar_k``, ``radar_n``;
    ``S`` at least ``_kernels.SNR_FLOOR`` at the look's range), which other radars'
    detections leave as it is: each radar sees the target at its own aspect, and restarting
    the estimate at every other radar's detection left it at one or two detections (one
    Swerling-1 detection's estimate scatters by its own size), the predicted Pd swinging
    from 0.01 to the cap between steps (example 2, 6.9 nats: 1.64 -> 1.53 starts per drone).
    A radar of the table that has not detected it sees ``S R^4 c_r / c_o`` of the own radar
    ``o`` (the last to detect it). A look by a radar not in the table is taken as one of the
    own radar; without ``looked`` (or no radar flagged) the look is the own radar's.

    Parameters
    ----------
    confirm : tuple of int, default (3, 3)
        (M, N) with 1 <= M <= N <= 62.
    delete_misses : int, default 3
    max_pos_sigma_m : float, default inf
    alpha : float, default 0.3
    max_coast_s : float, default inf
        Longest time since a track's last hit (its birth counts as one), s.
    confirm_llr : float, optional
        Score needed for confirmation, e.g. ``log((1 - beta) / alpha_false)``; off by default.
    delete_llr : float, optional
        Evidence-based deletion: a confirmed track is deleted when its score falls this many
        nats below its peak (> 0, finite); ``delete_misses`` then no longer applies to
        confirmed tracks. Off by default (None).
    pd : float, default 0.9
        Design detection probability, in (0, 1): the cap of a look's predicted Pd, the Pd of a
        track without SNR, and the Pd the associator's hit scores (``llr``) assume.
    pfa : float or array_like of shape (s,), default 1e-6
        False-alarm probability of each radar (indexed by ``Measurements.sensor``; indices past
        the end take the last), in (0, 1).
    snr_const : array_like of shape (s,), optional
        Each radar's radar-equation constant ``c`` (> 0, finite): a target of mean RCS ``rcs``
        (m^2) at range ``R`` (m) has mean SNR ``c rcs / R^4`` (linear), as
        ``snr_radar_equation(1, 1, ref_range_m, ref_rcs_m2, ref_snr_db, losses_db)``. With
        ``sensor_enu``, a look by another radar than the track's own is predicted for that
        radar (see above); without them, as the own radar's.
    sensor_enu : array_like of shape (s, 3), optional
        Each radar's antenna position, ENU, m (as ``Measurements.sensor_enu`` of its rows).

    Raises
    ------
    ValueError
        If a setting breaks its rule (the message names it).
    """

    #: The per-track arrays, one row per track (dtype, trailing shape): ids; M-of-N history
    #: (bit i set: a hit i scans ago), scans, misses in a row, confirmed, quality, truth id,
    #: confirmation time; LLR score; time of the last hit (birth: its first); the deletion
    #: score's fall below its peak, nats; the track's SNR: running mean of S R^4 (m^4) over its
    #: detections by one radar, their number (0: none), the last one's range (m), the radar's
    #: position (ENU, m), Pfa and index (-1: none); per radar of the table (trailing "t":
    #: ``snr_const.size``) its own running mean of S R^4 and its number of detections.
    #: :meth:`add` and :meth:`keep` keep them in step.
    _PER_TRACK = {
        "track_id": (np.int64, ()), "history": (np.int64, ()), "scans": (np.int64, ()),
        "misses": (np.int64, ()), "confirmed": (bool, ()), "quality": (float, ()),
        "truth_id": (np.int64, ()), "confirm_time": (float, ()), "score": (float, ()),
        "last_hit_s": (float, ()), "drop": (float, ()), "snr_ref": (float, ()),
        "ref_n": (np.int64, ()), "ref_range": (float, ()), "ref_enu": (float, (3,)),
        "ref_pfa": (float, ()), "ref_sensor": (np.int64, ()),
        "radar_k": (float, ("t",)), "radar_n": (np.int64, ("t",)),
    }

    def __init__(self, confirm: tuple[int, int] = (3, 3), delete_misses: int = 3,
                 max_pos_sigma_m: float = np.inf, alpha: float = 0.3,
                 confirm_llr: float | None = None, max_coast_s: float = np.inf,
                 delete_llr: float | None = None, pd: float = 0.9,
                 pfa: float | np.ndarray = 1e-6, snr_const=None, sensor_enu=None) -> None:
        M, N = (int(v) for v in confirm)
        if not 1 <= M <= N <= 62:
            raise ValueError(f"confirm M/N must have 1 <= M <= N <= 62, got {M}/{N}")
        if delete_misses < 1:
            raise ValueError(f"delete_misses must be >= 1, got {delete_misses}")
        if delete_llr is not None and not 0 < delete_llr < np.inf:
            raise ValueError(f"delete_llr must be finite and > 0 nats, got {delete_llr}")
        if not 0 < pd < 1:
            raise ValueError(f"pd must be in the open interval (0, 1), got {pd}")
        pfa = np.atleast_1d(np.asarray(pfa, float))
        if pfa.ndim != 1 or not pfa.size or not np.all((pfa > 0) & (pfa < 1)):
            raise ValueError(f"pfa must be a number or a 1-D array of numbers in the open "
                             f"interval (0, 1), got {pfa.tolist()}")
        if (snr_const is None) != (sensor_enu is None):
            raise ValueError("snr_const and sensor_enu must be given together (each radar's "
                             "radar-equation constant and antenna position)")
        if snr_const is None:
            self.snr_const, self.sensor_enu = np.zeros(0), np.zeros((0, 3))
        else:
            c = np.atleast_1d(np.asarray(snr_const, float))
            enu = np.asarray(sensor_enu, float)
            if c.ndim != 1 or not np.all((c > 0) & np.isfinite(c)):
                raise ValueError(f"snr_const must be a 1-D array of finite numbers > 0 (SNR "
                                 f"of 1 m^2 at 1 m), got {c.tolist()}")
            if enu.shape != (c.size, 3) or not np.isfinite(enu).all():
                raise ValueError(f"sensor_enu must be finite, of shape ({c.size}, 3) (one "
                                 f"antenna position per radar, m), got shape {enu.shape}")
            self.snr_const, self.sensor_enu = c, np.ascontiguousarray(enu)
        self.delete_llr = None if delete_llr is None else float(delete_llr)
        self.pd = float(pd)
        self.pfa = pfa
        self.M, self.N = M, N
        self.delete_misses = int(delete_misses)
        self.max_pos_sigma = float(max_pos_sigma_m)
        if not max_coast_s > 0:
            raise ValueError(f"max_coast_s must be > 0 s, got {max_coast_s}")
        self.max_coast_s = float(max_coast_s)
        self.alpha = float(alpha)
        self.confirm_llr = confirm_llr
        self.next_id = 0
        for f, (dtype, tail) in self._PER_TRACK.items():
            setattr(self, f, np.zeros((0,) + self._tail(tail), dtype))

    def _tail(self, tail: tuple) -> tuple:
        """A per-track array's trailing shape, ``"t"`` read as the number of radars of the
        table (``snr_const``)."""
        return tuple(self.snr_const.size if d == "t" else d for d in tail)

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def add(self, k: int, truth_id: np.ndarray, ago: np.ndarray | None = None,
            score: np.ndarray | None = None, time_s: float = np.nan,
            meas=None, rows: np.ndarray | None = None) -> np.ndarray:
        """Append ``k`` tracks born with a hit; returns their new ids.

        ``ago`` (k,), optional: a track started from two measurements also holds the hit of its
        first one, ``ago`` scans before (counted in its M-of-N window and its age when inside
        the last N scans). ``score`` (k,), optional: initial track scores (default 0). A track
        that already meets the confirmation rule (M hits in its window and, with
        ``confirm_llr``, the score) is born confirmed, at ``time_s``. ``meas`` and ``rows``
        (k,), optional: the measurements and the rows that started the tracks, whose SNR
        (``meas.snr_db``) becomes their SNR reference (see :meth:`detected`).
        """
        ids = np.arange(self.next_id, self.next_id + k)
        self.next_id += k
        score = np.zeros(k) if score is None else np.asarray(score, float)
        # An older first hit (ago >= N) is outside the window: born as one hit.
        hist, scans, conf = _k.born_tracks(
            np.zeros(k, np.int64) if ago is None else np.asarray(ago, np.int64), score, self.N,
            self.M, np.nan if self.confirm_llr is None else float(self.confirm_llr))
        new = {"track_id": ids, "history": hist, "scans": scans,
               "misses": np.zeros(k, np.int64), "confirmed": conf,
               "quality": np.full(k, self.alpha), "truth_id": np.asarray(truth_id, np.int64),
               "confirm_time": np.where(conf, time_s, np.nan), "score": score,
               "last_hit_s": np.full(k, float(time_s)), "drop": np.zeros(k),
               "snr_ref": np.zeros(k), "ref_n": np.zeros(k, np.int64), "ref_range": np.ones(k),
               "ref_enu": np.zeros((k, 3)), "ref_pfa": np.full(k, self.pfa[-1]),
               "ref_sensor": np.full(k, -1, np.int64),
               "radar_k": np.zeros((k, self.snr_const.size)),
               "radar_n": np.zeros((k, self.snr_const.size), np.int64)}
        for f in self._PER_TRACK:
            setattr(self, f, np.concatenate([getattr(self, f), new[f]]))
        if meas is not None and rows is not None and k:
            m = len(self)
            self.detected(np.arange(m - k, m), meas, np.asarray(rows, np.int64))
        return ids

    def detected(self, tracks: np.ndarray, meas, rows: np.ndarray) -> None:
        """Take the SNR of tracks ``tracks`` (p,) from their detections ``rows`` (p,) of
        ``meas``: ``S R^4`` (S the detection's estimate of the mean SNR,
        ``_kernels.swerling1_snr`` of its detector output ``meas.snr_db`` and its radar's
        threshold; R its range, m) enters a running mean (see the class docstring) while the
        same radar (position) detects the track, and restarts it when another radar does; a
        radar of the table (``sensor`` below ``snr_const.size``) also enters it into its own
        running mean, which other radars leave as it is. Rows without SNR (``meas.snr_db`` None
        or NaN) leave the track's as it is."""
        if self.delete_llr is None or meas.snr_db is None or not len(tracks):
            return
        tracks = np.asarray(tracks, np.int64)
        rows = np.asarray(rows, np.int64)
        if meas.kind == "polar":  # the ranges: column 0 of the rows (read in the kernel)
            rng, ridx = meas.z, rows
        else:
            enu = meas.sensor_enu[rows]
            r = np.linalg.norm(meas.pos[rows] - enu[:, :meas.ndim], axis=1)
            rng, ridx = r[:, None], np.arange(r.shape[0])
        _k.snr_detected_at(tracks, rows, np.asarray(meas.snr_db, float), rng, ridx,
                           meas.sensor_enu, np.asarray(meas.sensor, np.int64), self.pfa,
                           self.snr_ref, self.ref_n, self.ref_range, self.ref_enu,
                           self.ref_pfa, self.ref_sensor, self.radar_k, self.radar_n)

    def look_pd(self, pos: np.ndarray, looked: np.ndarray | None = None) -> np.ndarray:
        """Predicted detection probability of a look at each of the first q tracks.

        Parameters
        ----------
        pos : ndarray of shape (q, 3)
            The tracks' predicted positions, ENU, m.
        looked : ndarray of shape (q, s), bool, optional
            Which radars (by sensor index) looked at each track this step (e.g.
            :meth:`RadarNetwork.looked_by <airdefense.sensors.radar.RadarNetwork.looked_by>`);
            default: each track's own radar (that of its last detection).

        Returns
        -------
        ndarray of shape (q,)
            ``min(pd, max p_r)`` over the radars ``r`` that looked, ``p_r =
            Pd_swerling1(S')``: ``S`` the track's mean SNR (see the class docstring; at
            least ``_kernels.SNR_FLOOR``) at its last detection's range ``R``, ``S' = S (R /
            R')^4 c_r / c_o`` at the range ``R'`` from radar ``r`` (``c_r / c_o`` = 1 for the
            own radar ``o``), or, for a radar of the table that has detected the track, from
            its own running mean of ``S R^4`` (at least the floor at ``R'``); ``pd`` for
            tracks without SNR.

        Raises
        ------
        ValueError
            If ``looked`` is not of shape (q, s).
        """
        q = pos.shape[0]
        if pos.shape[1] == 3:  # (the kernel only reads it)
            p = np.ascontiguousarray(pos, float)
        else:
            p = np.zeros((q, 3))
            p[:, :pos.shape[1]] = pos
        if looked is None:
            lk = np.zeros((0, 0), bool)
        else:
            lk = np.ascontiguousarray(looked, bool)
            if lk.ndim != 2 or lk.shape[0] != q:
                raise ValueError(f"looked must have shape ({q}, s) (tracks, radars), got "
                                 f"{lk.shape}")
        return _k.look_pds(p, lk, self.snr_ref, self.ref_n, self.ref_range, self.ref_enu,
                           self.ref_pfa, self.ref_sensor, self.snr_const, self.sensor_enu,
                           self._table_pfa(), self.pd, self.radar_k, self.radar_n)

    def _table_pfa(self) -> np.ndarray:
        # Pfa of each radar of the table (s,) (past the end of ``pfa``, its last), made once
        # per (pfa, snr_const) pair of arrays: look_pd needs it at every step.
        key = (self.pfa, self.snr_const)
        got = self.__dict__.get("_pfa_table")
        if got is None or got[0][0] is not key[0] or got[0][1] is not key[1]:
            pfa = self.pfa[np.minimum(np.arange(self.snr_const.size), self.pfa.size - 1)]
            got = self._pfa_table = (key, pfa)
        return got[1]

    def record(self, hit: np.ndarray, truth_id: np.ndarray | None = None,
               time_s: float = np.nan, llr: np.ndarray | None = None,
               scanned: np.ndarray | None = None, pd: np.ndarray | None = None) -> np.ndarray:
        """Record one scan for the first ``len(hit)`` tracks; returns the newly confirmed mask.

        Parameters
        ----------
        hit : ndarray of shape (q,), bool
            Whether each of the first q tracks got a measurement this scan.
        truth_id : ndarray of shape (q,), int, optional
            Truth id of the measurement that hit (-1 if none/unknown); metrics only.
        time_s : float, optional
            Scan time, kept as the confirmation time.
        llr : ndarray of shape (q,), optional
            Log-likelihood-ratio increment of this scan for each track.
        scanned : ndarray of shape (q,), bool, optional
            Tracks this scan looked at (default: all). Only those record it: the others keep
            their history, scan count, misses, quality, truth id and score.
        pd : ndarray of shape (q,), optional
            Predicted detection probability of each track's look (:meth:`look_pd`), in (0, 1):
            with ``delete_llr`` the deletion score moves by ``ln(1 - pd)`` on a miss and by
            ``llr - ln(self.pd) + ln(pd)`` on a hit (default: ``self.pd`` for every track).

        Raises
        ------
        ValueError
            If ``scanned`` or ``pd`` does not have the shape of ``hit``.
        """
        hit = np.asarray(hit, bool)
        if scanned is None:
            sc = np.zeros(0, bool)
        else:
            sc = np.asarray(scanned, bool)
            if sc.shape != hit.shape:
                raise ValueError(f"scanned must have the shape of hit {hit.shape}, got "
                                 f"{sc.shape}")
        if self.delete_llr is None:
            pdl = np.zeros(0)
        elif pd is None:
            pdl = np.full(hit.shape[0], self.pd)
        else:
            pdl = np.asarray(pd, float)
            if pdl.shape != hit.shape:
                raise ValueError(f"pd must have the shape of hit {hit.shape}, got {pdl.shape}")
        self.last_hit_s[:hit.shape[0]][hit] = float(time_s)  # (most steps hit some track)
        return _k.record_scan(
            self.history, self.scans, self.misses, self.quality, self.truth_id, self.score,
            self.confirmed, self.confirm_time, hit,
            np.zeros(0, np.int64) if truth_id is None else np.asarray(truth_id, np.int64),
            np.zeros(len(hit)) if llr is None else np.asarray(llr, float), self.N, self.M,
            self.alpha, np.nan if self.confirm_llr is None else float(self.confirm_llr),
            float(time_s), sc, self.drop, pdl, self._log_pd())

    def _log_pd(self) -> float:
        # ln(pd), kept for the value of pd it was taken from (record needs it at every step).
        got = self.__dict__.get("_lpd")
        if got is None or got[0] != self.pd:
            got = self._lpd = (self.pd, float(np.log(self.pd)))
        return got[1]

    def doomed(self, P: np.ndarray, ndim: int, time_s: float = np.nan) -> np.ndarray:
        """Tracks to delete now, shape (m,), given their covariances (m, d, d) at ``time_s``.

        Past N scans a tentative track lives while its window holds M hits. Without
        ``time_s`` no track is deleted for coasting.
        """
        return _k.doomed_tracks(self.history, self.scans, self.misses, self.confirmed, P,
                                int(ndim), self.N, self.M, self.delete_misses,
                                self.max_pos_sigma, self.last_hit_s, float(time_s),
                                self.max_coast_s, self.drop,
                                np.nan if self.delete_llr is None else self.delete_llr)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the tracks where ``mask`` is true."""
        for f in self._PER_TRACK:
            setattr(self, f, getattr(self, f)[mask])
