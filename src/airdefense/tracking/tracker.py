"""The composed multi-target tracker: filter, gate, associator, initiator and manager passed in.

Detections of several radars feed one picture. Each step predicts every track once, to the
step's time; then all radars' detections are gated at once and assigned in one global nearest
neighbour problem whose rows are (track, radar) pairs, each track is updated with its detections
(at most one a radar) in time order, and tracks start on the unused ones (``onepass``; the
per-radar mode processes each radar in turn instead). A target seen by two radars is updated
twice. A detection taken before the step's time is compared with the track moved back to the
detection's own time at constant velocity (``Measurements.offset_s``), and a track started on it
is moved forward to the step's time. Misses are counted once per step, for steps that hold a scan
of the track (``scanned``: any detection, or a per-track mask such as where a radar looked).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

import numpy as np

from airdefense.errors import AirDefenseError
from airdefense.geo import G0_MPS2
from airdefense.tracking import _kernels as _k
from airdefense.tracking.base import Tracks
from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.gnn import GlobalNearestNeighbour
from airdefense.tracking.imm import IMMFilter, ManeuverLimit
from airdefense.tracking.jpda import JPDA
from airdefense.tracking.kalman import (
    RANGE_RATE_SPAN_MPS,
    ExtendedKalmanFilter,
    Measurements,
    UnscentedKalmanFilter,
    _densities,
    _spans,
)
from airdefense.tracking.management import (
    SinglePointInitiator,
    TrackManager,
    TwoPointInitiator,
    deletion_llr,
)
from airdefense.tracking.models import (
    Ballistic,
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
)

__all__ = ["MultiTargetTracker", "TrackerConfig", "build_tracker", "make_tracker", "maneuver_q"]


class MultiTargetTracker:
    """Multi-target tracker composed of parts (Stone Soup style), vectorised over tracks.

    Parameters
    ----------
    filter : ExtendedKalmanFilter, UnscentedKalmanFilter or IMMFilter
    associator : GlobalNearestNeighbour or JPDA
    gate : ChiSquareGate, optional
        Default ``ChiSquareGate(associator.pg)``.
    initiator : SinglePointInitiator or TwoPointInitiator, optional
        Default ``SinglePointInitiator()``. Any object with ``initiate(filter, meas)`` (a
        track on every unused row) or ``births(filter, meas, time_s, scan)`` (see
        :meth:`TwoPointInitiator.births`) works; one whose ``takes_rows`` is true gets the
        whole step's measurements and ``rows=`` the unused ones (not taken first).
    manager : TrackManager, optional
    detector : iterable of (time_s, detections), optional
        Source for iteration: ``for time_s, tracks in tracker``.
    onepass : bool, default True
        Process all radars' detections of a step together: one gate, one assignment whose rows
        are (track, radar) pairs (each track takes at most one detection of each radar, all
        compared with the same predicted tracks), each track updated with its detections in
        time order, then one births call on the unused ones. Needs an associator with
        ``associate_sensors`` (GNN); otherwise, or with False, each radar's detections are
        processed in turn (gate, associate, update, births), later radars seeing the tracks
        updated by earlier ones.
    range_rate_span_mps : float or array_like of shape (s,), default 3000
        Doppler span of each radar's false alarms (by sensor index; past the end, the last),
        m/s: radar detections with a range rate are compared with clutter of density
        ``clutter_density`` (per m^3) spread uniformly over this many m/s
        (:meth:`Measurements.from_detections`). Prepared measurements keep their own.
    false_alarm_density : float or array_like of shape (s,), optional
        Each radar's false alarms per scan per m rad^2 of its measurement space (by sensor
        index; past the end, the last; NaN: unknown), the radars' own figure: expected false
        alarms per scan over (range span x azimuth sector x elevation span), uniform there
        as the radars spread them. A detection of such a radar is compared with that density
        (over its Doppler span with a range rate) as it is, in measurement space; the others
        with the associator's Cartesian ``clutter_density`` times ``r^2 cos el``
        (:meth:`Measurements.clutter`). 3-D trackers only. Default: none known.

    Raises
    ------
    AirDefenseError
        If ``range_rate_span_mps`` or ``false_alarm_density`` breaks its rule.

    Examples
    --------
    >>> import numpy as np
    >>> from airdefense.tracking.kalman import Measurements
    >>> trk = MultiTargetTracker(ExtendedKalmanFilter(ConstantVelocity(1.0, ndim=2)),
    ...                          GlobalNearestNeighbour(pd=0.9, clutter_density=1e-6),
    ...                          manager=TrackManager(confirm=(2, 2)))
    >>> for t in range(3):
    ...     tracks = trk.step(t, Measurements.cartesian(t, [[10.0 * t, 0.0]], 1.0))
    >>> len(tracks), bool(tracks.confirmed[0])
    (1, True)
    """

    def __init__(self, filter, associator, gate=None, initiator=None, manager=None,
                 detector: Iterable | None = None, onepass: bool = True,
                 range_rate_span_mps=RANGE_RATE_SPAN_MPS, false_alarm_density=None) -> None:
        self.filter = filter
        self.associator = associator
        self.gate = gate if gate is not None else ChiSquareGate(getattr(associator, "pg", 0.999))
        self.initiator = initiator if initiator is not None else SinglePointInitiator()
        self.manager = manager if manager is not None else TrackManager()
        self.detector = detector
        self.onepass = bool(onepass)
        self.range_rate_span_mps = range_rate_span_mps
        self.ndim = filter.ndim
        self.false_alarm_density = false_alarm_density
        self.state = filter.initiate(np.zeros((0, filter.dim)), np.zeros((0, filter.dim,
                                                                          filter.dim)))
        self.time_s: float | None = None
        self.scan = 0  # scans recorded so far
        self.new_tracks: list[tuple[int, int, float]] = []
        names = filter.names
        axes = ("x", "y", "z", "vx", "vy", "vz")
        self._out = np.array([names.index(a) if a in names else -1 for a in axes])
        self._candidates = hasattr(self.initiator, "earlier_candidates")
        self._xyz = self._out[:3].tolist() == [0, 1, 2]  # positions are the first columns

    def __len__(self) -> int:
        return len(self.state)

    @property
    def range_rate_span_mps(self) -> np.ndarray:
        """Doppler span of each radar's false alarms, m/s, shape (s,) (see the class)."""
        return self._spans

    @range_rate_span_mps.setter
    def range_rate_span_mps(self, value) -> None:
        self._spans = _spans(value, None, "radar")  # checked once, not at every step

    @property
    def false_alarm_density(self) -> np.ndarray | None:
        """Each radar's false alarms per scan per m rad^2, shape (s,), or None (see the
        class)."""
        return self._fad

    @false_alarm_density.setter
    def false_alarm_density(self, value) -> None:
        self._fad = _densities(value, self.ndim)  # checked once, not at every step

    def __iter__(self) -> Iterator[tuple[float, Tracks]]:
        if self.detector is None:
            raise TypeError("MultiTargetTracker needs a detector to iterate; use step()")
        for time_s, det in self.detector:
            yield time_s, self.step(time_s, det)

    def _predict_to(self, t: float) -> None:
        if self.time_s is None:
            self.time_s = t
        dt = t - self.time_s
        if dt > 0:
            self.state = self.filter.predict(self.state, dt)
            self.time_s = t

    def step(self, time_s: float, detections, scanned=None, alive=None) -> Tracks:
        """Update the picture with one step's detections and return it at ``time_s``.

        Parameters
        ----------
        time_s : float
            Time of the picture, s; not before the previous call.
        detections : Detections or Measurements
            Radar detections (polar, see :mod:`airdefense.sensors.base`) or prepared
            measurements. Each row is compared with the tracks moved to its own time; see
            ``onepass`` for how the radars' rows are combined.
        scanned : bool, ndarray of shape (m0,) bool or callable, optional
            Which tracks this step scanned: a scanned track records a hit or a miss (M-of-N
            window, misses, quality, score), the others are left as they are (a track hit
            anyway records its hit). A bool: all tracks or none (default: whether there is any
            detection). An array: one entry per track held before the call (``len(self)``). A
            callable ``scanned(pos) -> mask``, ``pos`` (q, 3) ENU m (z 0 in 2-D), ``mask`` (q,)
            bool (e.g. :meth:`RadarNetwork.looked_at <airdefense.sensors.radar.RadarNetwork.
            looked_at>` after the scan) or (q, s) bool, which of the s radars (by sensor
            index) looked (:meth:`RadarNetwork.looked_by <airdefense.sensors.radar.
            RadarNetwork.looked_by>`; a track is scanned when any did, and with
            evidence-based deletion each look's Pd is predicted for the radars that made it,
            see :meth:`TrackManager.look_pd`): called once, after the births, with the positions of
            the tracks held before the call predicted to ``time_s``, then, with two-point
            initiation, those of the candidates of earlier calls, so that a candidate's age
            counts the scans that looked at it (:meth:`TwoPointInitiator.not_looked_at`). With
            an array or a callable every call counts as a scan of the tracker (candidates pair
            only with rows of later calls).
        alive : ignored
            Accepted for call compatibility with the truth tracker; this tracker never reads truth.

        Returns
        -------
        Tracks
            Every live track (tentative ones with ``confirmed`` false), at ``time_s``.

        Raises
        ------
        ValueError
            If ``time_s`` is before the previous call's, or a ``scanned`` array or mask does
            not have one entry per track.
        """
        if self.time_s is not None and time_s < self.time_s - 1e-9:
            raise ValueError(f"time_s must not go backwards: got {time_s} s after "
                             f"{self.time_s} s")
        given = isinstance(detections, Measurements)
        meas = detections if given else Measurements._from_detections(
            detections, self.ndim, self._spans, self._fad)
        looks = scanned if callable(scanned) else None
        if scanned is None:
            scanned = len(meas) > 0
        self.new_tracks = []
        prev = self.time_s
        self._predict_to(time_s)  # one prediction (one IMM cycle) per step
        m0 = len(self.state)
        mask = pos = pdl = by = None
        scored = self.manager.delete_llr is not None
        if looks is not None or (scored and m0):
            pos = self._positions()  # where the tracks are predicted, before the update
        if looks is None and not isinstance(scanned, bool | np.bool_):
            mask = np.asarray(scanned, bool)
            if mask.shape != (m0,):
                raise ValueError(f"scanned must hold one entry per track ({m0},), got shape "
                                 f"{mask.shape}")
        # Each track's hit, truth id of its detection (-1: none), scan LLR and (last)
        # detection this step (row of meas, -1: none), (m0,) each.
        if len(meas):
            t_meas = np.minimum(meas.time_s, time_s)
            if prev is not None:
                t_meas = np.maximum(t_meas, prev)
            if given:
                meas = copy.copy(meas)  # the caller's measurements stay as they were
            meas.offset_s = t_meas - time_s
            if self.onepass and hasattr(self.associator, "associate_sensors"):
                hit, truth, llr, src = self._one_pass(meas, time_s)
            else:
                hit, truth, llr, src = _no_hits(m0)
                meas = self._per_radar(meas, time_s, m0, hit, truth, llr, np.zeros(m0, bool),
                                       src)
        else:
            hit, truth, llr, src = _no_hits(m0)
        if looks is not None:
            mask, by, pos = self._looked_at(looks, pos)
        if scored:  # the predicted Pd of each track's look (evidence-based deletion), by the
            # radars that looked when ``looks`` tells them
            pdl = self.manager.look_pd(pos, by) if m0 else np.zeros(0)
        if mask is not None or scanned:
            new = self.manager.record(hit, truth, time_s, llr,
                                      None if mask is None else mask | hit, pdl)
            self.scan += 1
            for k in new.nonzero()[0].tolist():  # newly confirmed (most steps: none)
                self.new_tracks.append((int(self.manager.track_id[k]),
                                        int(self.manager.truth_id[k]), float(time_s)))
        if scored:  # the tracks hit (those with a detection) take its SNR
            got = (src >= 0).nonzero()[0]
            if got.size:
                self.manager.detected(got, meas, src[got])
        x, P = self.state.moments()
        X, PP, finite = _k.picture(x, P, self._out)
        keep = ~self.manager.doomed(P, self.ndim, time_s) & finite
        if np.count_nonzero(keep) < keep.shape[0]:  # (keep.all(), at a fifth of its cost)
            self.state = self.state.take(keep)
            self.manager.keep(keep)
            X, PP = X[keep], PP[keep]
        mg = self.manager
        return Tracks(time_s=float(time_s), track_id=mg.track_id.copy(), x=X, P=PP,
                      quality=mg.quality.copy(), confirmed=mg.confirmed.copy(),
                      truth_id=mg.truth_id.copy())

    def _positions(self) -> np.ndarray:
        """Positions of the tracks (their means) now, (m, 3) ENU, m (z 0 in 2-D)."""
        x = self.state.mean()
        idx = self._out[:3]
        if self._xyz:
            return x[:, :3]
        if idx[2] >= 0:
            return x[:, idx]
        pos = np.zeros((len(x), 3))
        pos[:, :2] = x[:, idx[:2]]
        return pos

    def _looked_at(self, looks, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray | None,
                                                          np.ndarray]:
        # One call of ``looks`` on the tracks' positions, then the candidates' of earlier scans
        # (whose unlooked ones move their scan index); returns the tracks' mask, when ``looks``
        # answers per radar the tracks' (m0, s) table (else None), and ``pos`` again (rows of
        # the positions passed to ``looks``: contiguous where the candidates joined them).
        m0 = pos.shape[0]
        if self._candidates:
            cpos = self.initiator.earlier_candidates(self.scan)
            if cpos.shape[0]:
                pos = np.concatenate([pos, cpos]) if m0 else cpos
        q = pos.shape[0]
        if not q:
            return np.zeros(0, bool), None, pos
        got = np.asarray(looks(pos), bool)
        by = None
        if got.ndim == 2 and got.shape[0] == q:
            by = got[:m0]
            got = np.logical_or.reduce(got, axis=1)  # any radar
        if got.shape != (q,):
            raise ValueError(f"scanned must return one entry per position ({q},) or one row "
                             f"per position ({q}, s), got shape {got.shape}")
        if q > m0:
            self.initiator.not_looked_at(got[m0:])
        return got[:m0], by, pos[:m0]

    def _one_pass(self, meas: Measurements, time_s: float) -> tuple[np.ndarray, ...]:
        # Every radar's rows in one gate, one assignment (rows: track x radar), one births call.
        # Returns the tracks' hit, truth id, scan LLR and last detection, as step's.
        sensors, rad = _k.unique_inverse(np.asarray(meas.sensor, np.int64))  # rad: (k,)
        inn = self.gate(self.filter, self.state, meas)
        self.state, h, used, mot, ll, _ = self.associator.associate_sensors(
            self.filter, self.state, inn, meas, rad, len(sensors))
        # (a track is hit exactly where it has a last detection: mot is -1 elsewhere, which
        # reads the last row, then masked)
        out = h, np.where(h, meas.truth_id[mot], -1), ll, mot
        fresh = (~used).nonzero()[0]
        if fresh.size:
            m1 = len(self.state)
            rows = self._births(meas, time_s, fresh)
            if rows.size and len(sensors) > 1:  # (the rows taken only now: most steps start
                # no track)
                born = meas if fresh.size == len(meas) else meas.rows(fresh)
                self._join_births(born, rad[fresh], rows, m1, len(sensors))
        return out

    def _join_births(self, born: Measurements, rad, rows, m1: int, nsensors: int) -> None:
        # Tracks just started on a radar's detection take the unused detections of the other
        # radars measured after it (as if the radars were processed in time order), and a track
        # whose starting detection is so taken by another new track is dropped (one target
        # seen by two radars starts one track, not two).
        new = self.state.take(slice(m1, None))
        inn = self.gate(self.filter, new, born)
        off, b = born.offset_s, rows[inn.ti]
        later = (rad[inn.mj] != rad[b]) & ((off[inn.mj] > off[b])
                                           | ((off[inn.mj] == off[b]) & (rad[inn.mj] > rad[b])))
        if not later.any():
            return
        inn = inn.take(np.flatnonzero(later))
        new, h, _, mot, ll, taken = self.associator.associate_sensors(self.filter, new, inn,
                                                                      born, rad, nsensors)
        mg = self.manager
        mg.score[m1:] += np.maximum(ll, 0.0)
        mg.truth_id[m1:] = np.where(h, born.truth_id[np.maximum(mot, 0)], mg.truth_id[m1:])
        self.state = self.state.take(slice(0, m1)).concat(new)
        dup = taken[rows]  # its starting detection was taken by another new track
        if dup.any():
            keep = np.r_[np.ones(m1, bool), ~dup]
            gone = set(mg.track_id[m1:][dup].tolist())
            self.state = self.state.take(keep)
            mg.keep(keep)
            self.new_tracks = [t for t in self.new_tracks if t[0] not in gone]

    def _per_radar(self, meas: Measurements, time_s: float, m0: int, hit, truth, llr,
                   seen, src) -> Measurements:
        # One pass per radar, in the order of their mean times: a radar's rows gate against
        # the tracks already updated (or started) by the radars before it. Returns the rows
        # in the order ``src`` (a track's last radar's row) refers to.
        order = np.argsort(meas.sensor, kind="stable")  # each radar's rows are then a slice
        t_meas = meas.offset_s[order] + time_s
        meas = meas.take(order)
        sensors, start, count = np.unique(meas.sensor, return_index=True, return_counts=True)
        times = np.add.reduceat(t_meas, start) / count
        for i in np.argsort(times, kind="stable"):
            g = meas.take(slice(start[i], start[i] + count[i]))
            inn = self.gate(self.filter, self.state, g)
            self.state, h, used, mot, ll = self.associator.associate(self.filter,
                                                                     self.state, inn, g)
            q = min(m0, len(h))
            # A track's scan score is its best radar's (radars do not add evidence twice).
            llr[:q] = np.where(seen[:q], np.maximum(llr[:q], ll[:q]), ll[:q])
            seen[:q] = True
            hit[:q] |= h[:q]
            tid = np.where(mot >= 0, g.truth_id[np.maximum(mot, 0)], -1)
            truth[:q] = np.where(h[:q], tid[:q], truth[:q])
            src[:q] = np.where(h[:q] & (mot[:q] >= 0), start[i] + mot[:q], src[:q])
            if len(h) > m0:  # tracks born earlier in this step
                self.manager.truth_id[m0:len(h)] = np.where(
                    h[m0:], tid[m0:], self.manager.truth_id[m0:len(h)])
                self.manager.score[m0:len(h)] += np.maximum(ll[m0:], 0.0)
            fresh = np.flatnonzero(~used)
            if fresh.size:
                self._births(g.take(fresh), time_s)
        return meas

    def _births(self, meas: Measurements, time_s: float, fresh: np.ndarray | None = None
                ) -> np.ndarray:
        # Tracks started on the unused rows ``fresh`` (int, default all) of ``meas``; returns
        # the rows (positions in ``fresh``) that started them. An initiator that ``takes_rows``
        # reads them in place; any other gets them taken.
        ini = self.initiator
        if fresh is not None and getattr(ini, "takes_rows", False):
            st, rows, ago, score = ini.births(self.filter, meas, time_s, self.scan, rows=fresh)
        else:
            born = meas if fresh is None or fresh.size == len(meas) else meas.rows(fresh)
            if hasattr(ini, "births"):
                st, rows, ago, score = ini.births(self.filter, born, time_s, self.scan)
            else:
                st, rows = ini.initiate(self.filter, born), np.arange(len(born))
                ago = score = None
        if len(rows):
            at = rows if fresh is None else fresh[rows]  # the rows of ``meas``
            self.state = self.state.concat(st)
            ids = self.manager.add(len(rows), meas.truth_id[at], ago, score, time_s, meas, at)
            mg = self.manager
            for k in np.flatnonzero(mg.confirmed[-len(rows):]):  # born confirmed
                self.new_tracks.append((int(ids[k]), int(mg.truth_id[len(mg) - len(rows) + k]),
                                        float(time_s)))
        return rows


def _no_hits(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A step's per-track results before any detection: hit (m,) False, truth id (m,) -1,
    scan LLR (m,) 0 and detection row (m,) -1."""
    return np.zeros(m, bool), np.full(m, -1, np.int64), np.zeros(m), np.full(m, -1, np.int64)


def _setting(name: str, value, kind: type, source: str):
    """A tracker setting of type ``kind`` (float, int or str), converted without loss: a bool is
    no number, 2.7 no integer, 1 no name (YAML reads ``1e-6`` as text: numbers in text are
    read)."""
    from airdefense.errors import InputFileError

    def bad(what: str):
        return InputFileError(source, f"{name}: must be {what}, got {value!r}")

    if kind is str:
        if not isinstance(value, str):
            raise bad("text")
        return value
    if isinstance(value, bool):
        raise bad("a number" if kind is float else "an integer")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise bad("a float" if kind is float else "an integer") from None
    if not isinstance(value, int | float):
        raise bad("a float" if kind is float else "an integer")
    if kind is int:
        if not float(value).is_integer():
            raise bad("an integer")
        return int(value)
    return float(value)


@dataclass
class TrackerConfig:
    """Settings of the standard tracker (CLI flags and ``tracker.yaml`` keys).

    Attributes
    ----------
    sigma_m : float, default 10
        Cartesian measurement noise per axis, m (Cartesian input).
    q : float, default 1.0
        Constant-velocity white-noise acceleration intensity, m^2/s^3.
    pd : float, default 0.9
    clutter_density : float, default 2.5e-6
        False alarms per m^2 (per m^3 in 3-D) per scan.
    confirm : str, default "3/3"
        M-of-N confirmation.
    delete_misses : int, default 3
        A confirmed track is deleted after this many missed looks in a row (unless
        ``delete_llr`` is set).
    delete_llr : float, default inf
        Evidence-based deletion: a confirmed track is deleted once its track score has fallen
        this many nats below its peak, each missed look costing ``-ln(1 - p)`` with ``p`` the
        look's detection probability predicted from the track's SNR (see
        :class:`~airdefense.tracking.management.TrackManager`); > 0, ``inf`` turns it off
        (``delete_misses`` then applies). ``delete_misses * -ln(1 - pd)`` is the old rule for
        a target seen at ``pd``: 6.9 for 3 misses at 0.9.
    pfa : float, default 1e-6
        False-alarm probability of the radars, in (0, 1), for the predicted Pd of
        ``delete_llr`` (``make_tracker`` takes each radar's from the scenario instead).
    gate_prob : float, default 0.999
    speed_sigma_mps : float, default 30
        Prior velocity standard deviation of new tracks, m/s.
    max_pos_sigma_m : float, default inf
        Delete tracks whose position standard deviation exceeds this, m.
    max_coast_s : float, default inf
        Delete tracks with no hit for longer than this, s (a track no radar looks at records
        no miss and coasts).
    filter : {"ekf", "ukf"}, default "ekf"
    motion : {"cv", "ca", "ct", "imm"}, default "cv"
        "imm" mixes constant velocity and coordinated turn (plus ballistic in 3-D).
    associator : {"gnn", "jpda"}, default "gnn"
    sigma_range_m, sigma_azimuth_deg, sigma_elevation_deg : float, default 10, 0.1, 0.1
        Polar measurement noise (polar input).
    confirm_llr : float, default 6.8
        Track score (log-likelihood ratio, target against false alarms) also needed for
        confirmation: Wald's ``log((1 - beta) / alpha)`` with alpha = 1e-3 false confirmations
        and beta = 0.1 missed ones. ``-inf`` turns it off (pure M-of-N).
    initiation : {"single", "two_point"}, default "single"
        "single" starts a tentative track on every unused detection
        (:class:`SinglePointInitiator`); "two_point" first holds it as a candidate and starts
        a track when a later detection falls within its velocity gate
        (:class:`TwoPointInitiator`).
    max_speed_mps : float, default 3000
        Velocity gate of two-point initiation, m/s.
    candidate_age_s : float, default 4
        Two-point candidates older than this are dropped, s.
    maneuver_q : float, default 0
        With ``motion: imm``, white-noise acceleration intensity of an extra constant-velocity
        *manoeuvre* mode, m^2/s^3 (0: no such mode). Size it from the targets' largest
        acceleration ``a`` and the update interval ``T`` as ``a^2 T`` (a velocity change of
        about ``a T`` per interval, Bar-Shalom et al. 2001, sec. 6.2.2; see
        :func:`maneuver_q`).
    maneuver_turn_rate_dps : float, default inf
        With ``maneuver_q``, the targets' largest turn rate, deg/s: each track's manoeuvre
        mode pulls at most its speed times this (at least 1 g, at most what ``maneuver_q``
        gives; :class:`~airdefense.tracking.imm.ManeuverLimit`), so a slow track (a drone)
        gets a drone's gate, not a ballistic missile's; ``inf``: every track gets
        ``maneuver_q``.

    Notes
    -----
    A configuration remembers which settings were given (:attr:`fields_set`: the constructor's
    arguments, the keys of :meth:`from_dict` and any setting assigned later), so that
    :func:`make_tracker` overrides only those; the rest keep its full-mode defaults.
    """

    sigma_m: float = 10.0
    q: float = 1.0
    pd: float = 0.9
    clutter_density: float = 2.5e-6
    confirm: str = "3/3"
    delete_misses: int = 3
    delete_llr: float = float("inf")
    pfa: float = 1e-6
    gate_prob: float = 0.999
    speed_sigma_mps: float = 30.0
    max_pos_sigma_m: float = float("inf")
    max_coast_s: float = float("inf")
    filter: str = "ekf"
    motion: str = "cv"
    associator: str = "gnn"
    sigma_range_m: float = 10.0
    sigma_azimuth_deg: float = 0.1
    sigma_elevation_deg: float = 0.1
    confirm_llr: float = 6.8
    initiation: str = "single"
    max_speed_mps: float = 3000.0
    candidate_age_s: float = 4.0
    maneuver_q: float = 0.0
    maneuver_turn_rate_dps: float = float("inf")

    _RULES = {
        "sigma_m": ("> 0 m", lambda v: v > 0),
        "q": (">= 0 m^2/s^3", lambda v: v >= 0),
        "pd": ("in (0, 1)", lambda v: 0 < v < 1),
        "clutter_density": ("> 0 per m^2 (m^3 in 3-D) per scan", lambda v: v > 0),
        "delete_misses": (">= 1 scans", lambda v: v >= 1),
        "delete_llr": ("> 0 nats (inf: off)", lambda v: v > 0),
        "pfa": ("in (0, 1)", lambda v: 0 < v < 1),
        "gate_prob": ("in (0, 1)", lambda v: 0 < v < 1),
        "speed_sigma_mps": ("> 0 m/s", lambda v: v > 0),
        "max_pos_sigma_m": ("> 0 m", lambda v: v > 0),
        "max_coast_s": ("> 0 s", lambda v: v > 0),
        "sigma_range_m": ("> 0 m", lambda v: v > 0),
        "sigma_azimuth_deg": ("> 0 deg", lambda v: v > 0),
        "sigma_elevation_deg": ("> 0 deg", lambda v: v > 0),
        "max_speed_mps": ("> 0 m/s and finite", lambda v: 0 < v < np.inf),
        "candidate_age_s": ("> 0 s and finite", lambda v: 0 < v < np.inf),
        "maneuver_q": (">= 0 m^2/s^3 and finite", lambda v: 0 <= v < np.inf),
        "maneuver_turn_rate_dps": ("> 0 deg/s (inf: off)", lambda v: v > 0),
    }
    _CHOICES = {"filter": ("ekf", "ukf"), "motion": ("cv", "ca", "ct", "imm"),
                "associator": ("gnn", "jpda"), "initiation": ("single", "two_point")}

    def __new__(cls, *args, **kwargs):
        # The settings given to the constructor (positional ones in field order), recorded
        # before the dataclass __init__ assigns every field.
        self = super().__new__(cls)
        names = [f.name for f in fields(cls)]
        object.__setattr__(self, "_given", frozenset(names[:len(args)]) | frozenset(kwargs))
        return self

    def __post_init__(self) -> None:
        object.__setattr__(self, "_built", True)

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        if self.__dict__.get("_built") and name in self.__dataclass_fields__:
            # a new frozenset, not an update: a copy of this configuration shares the old one
            object.__setattr__(self, "_given", self._given | {name})

    @property
    def fields_set(self) -> frozenset[str]:
        """Names of the settings given explicitly: to the constructor (a value equal to the
        default counts), by :meth:`from_dict`, or assigned since (``dataclasses.replace``
        passes every field, so all count as given)."""
        return self._given

    @classmethod
    def from_dict(cls, d: dict, source: str = "tracker config") -> TrackerConfig:
        """Validate a mapping of settings; unknown keys and bad values raise InputFileError."""
        from airdefense.errors import InputFileError

        names = {f.name for f in fields(cls)}
        for k in d:
            if k not in names:
                raise InputFileError(source, f"{k}: unknown setting; known: {sorted(names)}")
        cfg = cls()
        for k, v in d.items():
            setattr(cfg, k, _setting(k, v, type(getattr(cfg, k)), source))
        cfg.validate(source)
        return cfg

    def validate(self, source: str = "tracker config") -> None:
        """Check every setting against its rule; raises InputFileError naming the field."""
        from airdefense.errors import InputFileError

        for k, (rule, ok) in self._RULES.items():
            v = getattr(self, k)
            if not ok(v):
                raise InputFileError(source, f"{k}: must be {rule}, got {v}")
        for k, opts in self._CHOICES.items():
            if getattr(self, k) not in opts:
                raise InputFileError(source, f"{k}: must be one of {list(opts)}, "
                                             f"got {getattr(self, k)!r}")
        self.confirm_mn(source)

    def confirm_mn(self, source: str = "tracker config") -> tuple[int, int]:
        """The confirmation rule as (M, N)."""
        from airdefense.errors import InputFileError

        try:
            M, N = (int(p) for p in str(self.confirm).split("/"))
        except ValueError:
            raise InputFileError(source, f"confirm: must be M/N like 3/3, got "
                                         f"{self.confirm!r}") from None
        if not 1 <= M <= N <= 62:
            raise InputFileError(source, f"confirm: must be M/N with 1 <= M <= N <= 62, got "
                                         f"{self.confirm!r}")
        return M, N


def build_tracker(cfg: TrackerConfig, ndim: int = 3, pfa=None, snr_const=None,
                  sensor_enu=None, range_rate_span_mps=RANGE_RATE_SPAN_MPS,
                  false_alarm_density=None) -> MultiTargetTracker:
    """The standard tracker for a configuration.

    Parameters
    ----------
    cfg : TrackerConfig
    ndim : {2, 3}, default 3
    pfa : array_like of shape (s,), optional
        False-alarm probability of each radar (by sensor index); default ``cfg.pfa`` for all.
    snr_const, sensor_enu : array_like of shape (s,) and (s, 3), optional
        Each radar's radar-equation constant and antenna position (ENU, m), for the
        predicted Pd of a look by another radar than a track's own (see
        :class:`~airdefense.tracking.management.TrackManager`).
    range_rate_span_mps : float or array_like of shape (s,), default 3000
        Doppler span of each radar's false alarms, m/s (:class:`MultiTargetTracker`).
    false_alarm_density : float or array_like of shape (s,), optional
        Each radar's false alarms per scan per m rad^2 (:class:`MultiTargetTracker`); where
        given it replaces ``cfg.clutter_density`` for that radar's detections. 3-D only.
    """
    cfg.validate()
    fcls = UnscentedKalmanFilter if cfg.filter == "ukf" else ExtendedKalmanFilter
    cv = ConstantVelocity(cfg.q, ndim)
    if cfg.motion == "cv":
        filt = fcls(cv)
    elif cfg.motion == "ca":
        filt = fcls(ConstantAcceleration(cfg.q, ndim))
    elif cfg.motion == "ct":
        filt = fcls(CoordinatedTurn(cfg.q, 1e-4, ndim))
    else:
        models = [cv, CoordinatedTurn(cfg.q, 1e-4, ndim)]
        if ndim == 3:
            models.append(Ballistic(cfg.q))
        limit = None
        if cfg.maneuver_q > 0:
            models.append(ConstantVelocity(cfg.maneuver_q, ndim))
            if np.isfinite(cfg.maneuver_turn_rate_dps):
                limit = ManeuverLimit(len(models) - 1,
                                      float(np.radians(cfg.maneuver_turn_rate_dps)))
        r = len(models)
        Pi = np.full((r, r), 0.05 / (r - 1)) + np.eye(r) * (0.95 - 0.05 / (r - 1))
        filt = IMMFilter(models, Pi, fcls, maneuver=limit)
    assoc_cls = JPDA if cfg.associator == "jpda" else GlobalNearestNeighbour
    assoc = assoc_cls(cfg.pd, cfg.clutter_density, cfg.gate_prob)
    if cfg.initiation == "two_point":
        init = TwoPointInitiator(cfg.max_speed_mps, cfg.candidate_age_s,
                                 score=(cfg.pd, cfg.clutter_density, cfg.speed_sigma_mps,
                                        cfg.gate_prob))
    else:
        init = SinglePointInitiator(cfg.speed_sigma_mps)
    return MultiTargetTracker(filt, assoc, ChiSquareGate(cfg.gate_prob), init,
                              TrackManager(cfg.confirm_mn(), cfg.delete_misses,
                                           cfg.max_pos_sigma_m,
                                           confirm_llr=(None if cfg.confirm_llr == -np.inf
                                                        else cfg.confirm_llr),
                                           max_coast_s=cfg.max_coast_s,
                                           delete_llr=(None if cfg.delete_llr == np.inf
                                                       else cfg.delete_llr),
                                           pd=cfg.pd,
                                           pfa=cfg.pfa if pfa is None else pfa,
                                           snr_const=snr_const, sensor_enu=sensor_enu),
                              range_rate_span_mps=range_rate_span_mps,
                              false_alarm_density=false_alarm_density)


def maneuver_q(max_g: float, interval_s: float) -> float:
    """Intensity of a white-noise-acceleration manoeuvre mode for targets pulling ``max_g``.

    ``q = (max_g g0)^2 T``: over an update interval ``T`` the mode's velocity changes by about
    ``sqrt(q T) = max_g g0 T``, what a target pulling its largest acceleration does
    (Bar-Shalom, Li & Kirubarajan 2001, "Estimation with Applications to Tracking and
    Navigation", sec. 6.2.2).

    Parameters
    ----------
    max_g : float
        Largest target acceleration, g (> 0, finite).
    interval_s : float
        Update interval, s (> 0, finite).

    Returns
    -------
    float
        m^2/s^3.

    Raises
    ------
    AirDefenseError
        If ``max_g`` or ``interval_s`` is not a finite positive number.
    """
    for name, v, unit in (("max_g", max_g, "g"), ("interval_s", interval_s, "s")):
        if not (np.isfinite(v) and v > 0):
            raise AirDefenseError(f"{name}: must be finite and > 0 {unit}, got {v}")
    return float((max_g * G0_MPS2) ** 2 * interval_s)


def _threat_presets(sc) -> tuple[list, float]:
    """The scenario's threat classes and its step, s; without a scenario, the built-in
    catalog's threats and 1 s."""
    groups = getattr(sc, "groups", None)
    if groups:
        return [g.preset for g in groups], float(sc.config.step_s)
    from airdefense.catalog import load_catalog

    return list(load_catalog().threats.values()), 1.0


def _threat_max_g(sc) -> tuple[float, float]:
    """Largest ``max_g`` of the scenario's threat classes and its step, s (see
    :func:`_threat_presets`)."""
    presets, step = _threat_presets(sc)
    return max(float(p.max_g) for p in presets), step


def _threat_turn_rate_dps(sc) -> float:
    """Largest turn rate of the scenario's threat classes (:func:`_threat_presets`), deg/s:
    ``max_g g0 / speed_mps`` of each (its largest acceleration at its nominal speed)."""
    presets, _ = _threat_presets(sc)
    return float(np.degrees(max(float(p.max_g) * G0_MPS2 / float(p.speed_mps)
                                for p in presets)))


def _life_looks(sc) -> float:
    """Looks in the longest track life: the scenario's duration over its step (one look a
    step at most), without a scenario an hour at 1 s."""
    cfg = getattr(sc, "config", None)
    if cfg is None or not hasattr(cfg, "duration_s"):
        return 3600.0
    return max(float(cfg.duration_s) / float(cfg.step_s), 1.0)


def _radar_table(units, sc) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Radar-equation constants (s,), antenna positions (s, 3), ENU m, and false-alarm
    densities (s,), per m rad^2 per scan, of the scenario's radars, as the sensors compute
    them (:class:`~airdefense.sensors.radar.RadarNetwork`; see
    :func:`radar_false_alarm_density`)."""
    from airdefense.sensors.radar import RadarNetwork

    net = RadarNetwork(units, sc.frame, getattr(sc, "terrain", None))
    # (the radar-equation constant is the mean SNR of 1 m^2 at 1 m)
    return (np.asarray(net.mean_snr(np.arange(len(net)), 1.0, 1.0), float).reshape(len(net)),
            np.asarray(net.enu, float), radar_false_alarm_density(net))


def radar_false_alarm_density(net) -> np.ndarray:
    """False alarms per scan per m rad^2 of each radar's measurement space, shape (s,).

    The radars spread their false alarms uniformly over range, azimuth (the sector) and
    elevation (:func:`airdefense.sensors._kernels.false_alarms`; range rates over the Doppler
    span, which :class:`MultiTargetTracker` divides by): the density is the expected number
    per scan (:meth:`RadarNetwork.expected_false_alarms_per_scan
    <airdefense.sensors.radar.RadarNetwork.expected_false_alarms_per_scan>`, ``pfa`` times the
    resolution cells searched) over ``(max_range - min_range) x sector x (max_elevation -
    min_elevation)``, m rad^2. It is the density where the radar has swept, whatever part of a
    scan a step holds. A radar that makes no false alarms (a cued radar, which does not
    search) is given one cell's worth, ``pfa`` per scan over that volume: a look still tests
    a cell at its Pfa, and a zero density would give its detections an infinite gain.

    Parameters
    ----------
    net : RadarNetwork

    Returns
    -------
    ndarray of shape (s,)
        Per m rad^2 per scan.
    """
    cov = net.coverage
    volume = ((cov.max_range_m - cov.min_range_m) * cov.sector_rad
              * (cov.max_elevation_rad - cov.min_elevation_rad))
    n = np.maximum(net.expected_false_alarms_per_scan(), net.pfa)
    return np.asarray(n / volume, float).reshape(len(net))


def make_tracker(sc=None, rng: np.random.Generator | None = None,
                 config: TrackerConfig | dict | None = None) -> MultiTargetTracker:
    """The full tracker for a simulation (``tracking: full``): 3-D, polar radar detections.

    Defaults suit air-defence targets: IMM of constant velocity, coordinated turn and ballistic,
    q = 5 m^2/s^3, plus a constant-velocity manoeuvre mode with ``q = (max_g g0)^2 step_s``
    (:func:`maneuver_q`; the largest ``max_g`` of the scenario's threat classes, without a
    scenario the built-in catalog's threats over 1 s), limited per track to its speed times
    the classes' largest turn rate ``max_g g0 / speed_mps`` (``maneuver_turn_rate_dps``: a
    drone's track gets a drone's gate, a ballistic missile's the full one), Pd 0.9, each
    radar's own false-alarm density in its measurement space
    (:func:`radar_false_alarm_density`: expected false alarms per scan over range span x
    sector x elevation span, and over the Doppler span for a detection with a range rate;
    without a scenario, or where ``clutter_density`` is set by the scenario's
    ``clutter_density_per_m3`` or ``config``, that Cartesian density per m^3 for every
    radar, 1e-12 by default), 2-of-3 confirmation, evidence-based deletion when the track score falls ``delete_llr`` below
    its peak (each missed look costs ``-ln(1 - p)``, ``p`` the look's Pd predicted from the
    track's SNR for the radars that looked, with each radar's radar-equation constant, antenna
    and Pfa from the scenario, at most 0.9 a step); ``delete_llr`` is
    :func:`~airdefense.tracking.management.deletion_llr` of the scenario's duration over its
    step (a track on a live target is dropped by chance with probability at most 1 % in that
    many looks: 12.4 nats in example 2, six missed looks at a well-seen target, many more at a
    faint one; without a scenario an hour at 1 s, 12.8 nats), a 5 km position sigma or 20 s
    without a hit (a track no radar looks at, under
    the horizon or out of every sector, coasts at most that long), prior speed sigma 300 m/s,
    two-point initiation
    (velocity gate 3 km/s, candidates kept 4 s): a false alarm starts no track unless a later
    one falls within its velocity gate, which keeps the picture to the tracks of targets.

    Parameters
    ----------
    sc : Scenario, optional
        Its ``tracker`` section overrides the defaults (``config`` overrides both).
    rng : numpy.random.Generator, optional
        Not used: the tracker is deterministic.
    config : TrackerConfig or dict, optional
        Overrides of those defaults, merged over them and the scenario's section: a dict's
        keys, or a TrackerConfig's settings given explicitly
        (:attr:`TrackerConfig.fields_set`), so ``TrackerConfig(q=2)`` and ``{"q": 2}`` build
        the same tracker. Default: none.

    Raises
    ------
    AirDefenseError
        If a setting breaks its rule.
    """
    base = dict(q=5.0, pd=0.9, clutter_density=1e-12, confirm="2/3", delete_misses=3,
                delete_llr=deletion_llr(_life_looks(sc)),
                speed_sigma_mps=300.0, max_pos_sigma_m=5000.0, max_coast_s=20.0, motion="imm",
                initiation="two_point", max_speed_mps=3000.0, candidate_age_s=4.0,
                maneuver_q=maneuver_q(*_threat_max_g(sc)),
                maneuver_turn_rate_dps=_threat_turn_rate_dps(sc))
    if isinstance(config, TrackerConfig):  # only the settings given explicitly
        config = {k: getattr(config, k) for k in sorted(config.fields_set)}
    section = getattr(getattr(sc, "config", None), "tracker", None)
    scenario = section.overrides() if section is not None else {}
    cfg = TrackerConfig.from_dict({**base, **scenario, **(config or {})},
                                  source="scenario tracker")
    units = getattr(sc, "sensors", None)
    pfa = [float(u.preset.pfa) for u in units] if units else None
    # The false alarms' range rates are uniform over +-max_range_rate_mps of their radar.
    span = ([2.0 * float(u.preset.max_range_rate_mps) for u in units] if units
            else RANGE_RATE_SPAN_MPS)
    c = enu = fad = None
    if units and getattr(sc, "frame", None) is not None:
        c, enu, fad = _radar_table(units, sc)
        if "clutter_density" in scenario or "clutter_density" in (config or {}):
            fad = None  # a Cartesian density asked for: every radar's detections use it
    try:
        return build_tracker(cfg, ndim=3, pfa=pfa, snr_const=c, sensor_enu=enu,
                             range_rate_span_mps=span, false_alarm_density=fad)
    except ValueError as exc:
        if isinstance(exc, AirDefenseError):
            raise
        raise AirDefenseError(str(exc)) from None
