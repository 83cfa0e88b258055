"""Extended and unscented Kalman filters for Cartesian and polar measurements, batched over tracks.

Measurements of one scan are held in :class:`Measurements`. Polar rows are
``[range_m, azimuth_rad, elevation_rad, range_rate_mps]`` with azimuth clockwise from north, seen
from each row's sensor position; a missing component (NaN range rate, or the elevation of a 2-D
tracker) is masked: its Jacobian row and innovation are zero and its noise variance is one, so it
adds nothing to the update and nothing to the chi-square.

Filters work on a state ``(x (m, d), P (m, d, d))`` held in :class:`KalmanState`; every method
handles all tracks (or all track-detection pairs) at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airdefense.errors import AirDefenseError
from airdefense.tracking import _kernels as _k
from airdefense.tracking.models import MotionModel, process_noise

__all__ = [
    "RANGE_RATE_SPAN_MPS",
    "Measurements",
    "KalmanState",
    "Innovations",
    "ExtendedKalmanFilter",
    "UnscentedKalmanFilter",
    "polar_h",
    "polar_jacobian",
    "wrap_angle",
    "kalman_update",
    "weighted_update",
]


#: Doppler span of false alarms' range rates where a radar's is not given, m/s: the catalog's
#: default ``max_range_rate_mps`` (1500 m/s) of either sign.
RANGE_RATE_SPAN_MPS = 3000.0


def _spans(span, k: int | None, per: str) -> np.ndarray:
    # Range-rate spans (a number, or (k,) one per ``per``; k None: any length, a number one)
    # as a 1-D array (k,), checked finite and > 0 m/s.
    if isinstance(span, float | int) and not isinstance(span, bool) and 0 < span < np.inf:
        return np.full(1 if k is None else k, float(span))
    s = np.asarray(span, float)
    if s.ndim == 0 and k is not None:
        s = np.broadcast_to(s, (k,))
    s = np.atleast_1d(s)
    if (s.ndim != 1 or (k is not None and s.shape != (k,)) or (k is None and not s.size)
            or not np.all((s > 0) & np.isfinite(s))):
        raise AirDefenseError(f"range_rate_span_mps: must be finite and > 0 m/s, a number or "
                              f"one per {per}, got {np.asarray(span).tolist()}")
    return np.ascontiguousarray(s)


def _densities(dens, ndim: int) -> np.ndarray | None:
    # Radars' false-alarm densities (None, a number, or (s,) one per radar) as a 1-D array
    # (s,), or None; each finite and > 0 per m rad^2, or NaN (unknown); 3-D trackers only.
    if dens is None:
        return None
    d = np.atleast_1d(np.asarray(dens, float))
    if d.ndim != 1 or not d.size or not np.all(np.isnan(d) | ((d > 0) & np.isfinite(d))):
        raise AirDefenseError(f"false_alarm_density: must be finite and > 0 per m rad^2 (NaN: "
                              f"unknown), a number or one per radar, got "
                              f"{np.asarray(dens).tolist()}")
    if ndim != 3 and not np.isnan(d).all():
        raise AirDefenseError(f"false_alarm_density: per m rad^2 of range, azimuth and "
                              f"elevation needs a 3-D tracker, got ndim {ndim}")
    return None if np.isnan(d).all() else np.ascontiguousarray(d)


def wrap_angle(a: np.ndarray) -> np.ndarray:
    """Wrap angles to [-pi, pi)."""
    return (a + np.pi) % (2 * np.pi) - np.pi


@dataclass
class Measurements:
    """One scan's measurements, ready for filtering.

    Attributes
    ----------
    kind : {"cartesian", "polar"}
    ndim : int
        Spatial axes of the tracker (2 or 3).
    z : ndarray of shape (k, mz)
        Measurements; masked components hold 0. ``mz`` is ``ndim`` (Cartesian) or 4 (polar).
    R : ndarray of shape (k, mz, mz)
        Noise covariance; masked rows/columns are those of the identity.
    valid : ndarray of shape (k, mz), bool
    pos : ndarray of shape (k, ndim)
        Measured position in the tracker's Cartesian frame, m.
    pos_cov : ndarray of shape (k, ndim, ndim)
        Linearised covariance of ``pos``, m^2.
    sensor_enu : ndarray of shape (k, 3)
    time_s, sensor, truth_id : ndarray of shape (k,)
    clutter_scale : ndarray of shape (k,)
        A Cartesian clutter density times this is the false-alarm density in the row's
        measurement space: the Jacobian of the map from measurement space to Cartesian space
        (1, r or r^2 cos(el)), divided, where the row carries a range rate, by the Doppler span
        the false alarms' range rates are spread over (uniform, m/s), since the likelihood
        ``N(nu; 0, S)`` it is compared with is then a density per m/s too.
    false_alarm_density : ndarray of shape (k,), optional
        False alarms per scan per unit of the row's own measurement space, as its radar
        produces them (uniform in range, azimuth, elevation and range rate: per m rad^2,
        divided by the Doppler span where the row carries a range rate), used as it is (no
        Jacobian); NaN where the radar's figure is unknown. None (the default): unknown for
        every row. Where unknown, the clutter is a Cartesian density times
        ``clutter_scale`` (:meth:`clutter`).
    offset_s : ndarray of shape (k,), optional
        Time of each row minus the time of the states it is compared with, s: the filters
        move the state by it at constant velocity inside the measurement function (see
        :meth:`ExtendedKalmanFilter.innovations`). None (the default) means 0.
    snr_db : ndarray of shape (k,), optional
        Signal-to-noise ratio of each detection, dB (:class:`~airdefense.sensors.base.
        Detections` ``snr_db``): the track manager's evidence-based deletion predicts the
        detection probability of a track's next look from it. None (the default): unknown.
    """

    kind: str
    ndim: int
    z: np.ndarray
    R: np.ndarray
    valid: np.ndarray
    pos: np.ndarray
    pos_cov: np.ndarray
    sensor_enu: np.ndarray
    time_s: np.ndarray
    sensor: np.ndarray
    truth_id: np.ndarray
    clutter_scale: np.ndarray
    offset_s: np.ndarray | None = None
    snr_db: np.ndarray | None = None
    false_alarm_density: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.z.shape[0])

    def take(self, idx) -> Measurements:
        """Rows ``idx`` (index array or boolean mask)."""
        return Measurements(self.kind, self.ndim, self.z[idx], self.R[idx], self.valid[idx],
                            self.pos[idx], self.pos_cov[idx], self.sensor_enu[idx],
                            self.time_s[idx], self.sensor[idx], self.truth_id[idx],
                            self.clutter_scale[idx],
                            None if self.offset_s is None else self.offset_s[idx],
                            None if self.snr_db is None else self.snr_db[idx],
                            None if self.false_alarm_density is None
                            else self.false_alarm_density[idx])

    def rows(self, idx) -> Measurements:
        """Rows ``idx`` (index array), as :meth:`take`, each field taken when first read.

        A births call that starts no track (most) reads about half of the fields (the
        measurements, their noise, positions and offsets); the others are taken only when
        read.
        """
        return _Rows(self, idx)

    def clutter(self, mj, clutter_density: float) -> np.ndarray:
        """False-alarm density per scan in the measurement space of rows ``mj``, shape (p,).

        A row's radar's own density (``false_alarm_density``) where known; elsewhere the
        Cartesian ``clutter_density`` (per m^2 in 2-D, m^3 in 3-D) times the row's
        ``clutter_scale``.
        """
        if type(mj) is np.ndarray and mj.dtype == np.int64 and mj.ndim == 1:  # one call
            own = self.false_alarm_density
            return _k.clutter_rows(self.clutter_scale, _NONE if own is None else own, mj,
                                   float(clutter_density))
        lam = clutter_density * self.clutter_scale[mj]
        if self.false_alarm_density is None:
            return lam
        own = self.false_alarm_density[mj]
        return np.where(np.isnan(own), lam, own)

    def cartesian_clutter(self, mj, clutter_density: float) -> np.ndarray:
        """:meth:`clutter` of rows ``mj`` as a density per m^2 (2-D) or m^3 (3-D) at the
        measured position (over ``clutter_scale``: a radar's density uniform in measurement
        space is ``lambda / (r^2 cos el)`` per m^3 there), shape (p,)."""
        if self.false_alarm_density is None:
            return np.full(np.shape(mj), float(clutter_density))
        own = self.false_alarm_density[mj]
        return np.where(np.isnan(own), clutter_density, own / self.clutter_scale[mj])

    def pair_offsets(self, mj) -> np.ndarray | None:
        """Offsets ``offset_s`` of rows ``mj``, or None where every one is 0."""
        if self.offset_s is None:
            return None
        tau = self.offset_s[mj]
        return tau if tau.any() else None

    @classmethod
    def cartesian(cls, time_s, pos, R, sensor=None, truth_id=None) -> Measurements:
        """Cartesian position measurements.

        Parameters
        ----------
        time_s : array_like of shape (k,) or float
        pos : array_like of shape (k, ndim)
            Positions, m.
        R : float or array_like of shape (k, ndim, ndim)
            Noise: a standard deviation in m for every axis, or full covariances in m^2.
        sensor : array_like of shape (k,), int, optional
            Index of the radar of each measurement. Default: 0 for all.
        truth_id : array_like of shape (k,), int, optional
            Threat behind each measurement, -1 for a false alarm (metrics only). Default: -1.
        """
        pos = np.asarray(pos, float)
        k, n = pos.shape
        R = np.asarray(R, float)
        if R.ndim == 0:
            R = np.broadcast_to(np.eye(n) * float(R) ** 2, (k, n, n)).copy()
        return cls(kind="cartesian", ndim=n, z=pos.copy(), R=R, valid=np.ones((k, n), bool),
                   pos=pos, pos_cov=R, sensor_enu=np.zeros((k, 3)),
                   time_s=np.broadcast_to(np.asarray(time_s, float), (k,)).copy(),
                   sensor=np.zeros(k, int) if sensor is None else np.asarray(sensor, int),
                   truth_id=np.full(k, -1) if truth_id is None else np.asarray(truth_id, int),
                   clutter_scale=np.ones(k))

    @classmethod
    def polar(cls, time_s, z, R, sensor_enu, ndim: int = 3, sensor=None, truth_id=None,
              range_rate_span_mps=RANGE_RATE_SPAN_MPS) -> Measurements:
        """Polar measurements ``[range, azimuth, elevation, range_rate]`` (NaN where absent).

        With ``ndim=2`` the range is the horizontal range and the elevation is ignored.

        Parameters
        ----------
        time_s : array_like of shape (k,) or float
        z : array_like of shape (k, 4)
            m, rad, rad, m/s.
        R : array_like of shape (k, 4, 4)
            Noise covariance (NaN rows/columns for missing components).
        sensor_enu : array_like of shape (k, 3) or (3,)
            Antenna position of each measurement's radar (or one for all), ENU m.
        ndim : {2, 3}, default 3
        sensor : array_like of shape (k,), int, optional
            Index of the radar of each measurement. Default: 0 for all.
        truth_id : array_like of shape (k,), int, optional
            Threat behind each measurement, -1 for a false alarm (metrics only). Default: -1.
        range_rate_span_mps : float or array_like of shape (k,), default 3000
            Width of the interval the false alarms' range rates are spread over uniformly
            (``2 max_range_rate_mps`` of the radar), m/s, for the ``clutter_scale`` of rows that
            carry a range rate (> 0, finite).

        Raises
        ------
        AirDefenseError
            If ``range_rate_span_mps`` is not finite and > 0 or not one per row.
        """
        z = np.ascontiguousarray(z, float)
        k = z.shape[0]
        return cls._polar(time_s, z, R, sensor_enu, ndim, sensor, truth_id,
                          _spans(range_rate_span_mps, k, f"row ({k},)"))

    @classmethod
    def _polar(cls, time_s, z, R, sensor_enu, ndim, sensor, truth_id, span, radar=None,
               dens=None) -> Measurements:
        # polar() with z (k, 4) float and the rows' checked spans (k,); or, given each row's
        # radar (k,) int, span the radars' checked spans (s,) and dens their densities (s,)
        # or None, taken per row in the same call (from_detections).
        k = z.shape[0]
        s = np.asarray(sensor_enu, float)
        s = s.copy() if s.shape == (k, 3) else np.broadcast_to(s, (k, 3)).copy()
        t = np.asarray(time_s, float)
        t = t.copy() if t.shape == (k,) else np.broadcast_to(t, (k,)).copy()
        R = np.ascontiguousarray(R, float)  # only read
        fad = None
        if radar is None:
            z, R, valid, pos, pos_cov, scale = _k.polar_prepare(z, R, s, int(ndim), span)
        else:
            z, R, valid, pos, pos_cov, scale, fad = _k.polar_detections(
                z, R, s, int(ndim), radar, span, _NONE if dens is None else dens)
            fad = None if dens is None else fad
        return cls(kind="polar", ndim=ndim, z=z, R=R, valid=valid, pos=pos, pos_cov=pos_cov,
                   sensor_enu=s, time_s=t,
                   sensor=np.zeros(k, int) if sensor is None else np.asarray(sensor, int),
                   truth_id=np.full(k, -1) if truth_id is None else np.asarray(truth_id, int),
                   clutter_scale=scale, false_alarm_density=fad)

    @classmethod
    def from_detections(cls, det, ndim: int = 3, range_rate_span_mps=RANGE_RATE_SPAN_MPS,
                        false_alarm_density=None) -> Measurements:
        """Build from :class:`airdefense.sensors.base.Detections`.

        A detection's range and range rate are slant ones. For a 2-D tracker (``ndim=2``,
        whose polar rows hold the horizontal range), a row with an elevation is turned into the
        horizontal range ``r cos(el)`` and range rate ``rdot / cos(el)`` (exact for a target in
        level flight), its covariance by the Jacobian of that map (the elevation's noise enters
        the horizontal range); a row without one is taken as it is.

        Parameters
        ----------
        det : Detections
        ndim : {2, 3}, default 3
        range_rate_span_mps : float or array_like of shape (s,), default 3000
            Doppler span of each radar's false alarms (by sensor index; indices past the end
            take the last), m/s: see :meth:`polar`.
        false_alarm_density : float or array_like of shape (s,), optional
            Each radar's false alarms per scan per m rad^2 of range, azimuth and elevation (by
            sensor index; past the end, the last; NaN: unknown), uniform there as the radars
            spread them; a row's ``false_alarm_density`` is its radar's, divided by the
            Doppler span where the row carries a range rate. 3-D only. Default: unknown (the
            Cartesian clutter density through ``clutter_scale``).

        Raises
        ------
        AirDefenseError
            If a span or a density breaks its rule, or densities are given with ``ndim`` 2.
        """
        return cls._from_detections(det, ndim, _spans(range_rate_span_mps, None, "radar"),
                                    _densities(false_alarm_density, ndim))

    @classmethod
    def _from_detections(cls, det, ndim: int, spans: np.ndarray,
                         dens: np.ndarray | None = None) -> Measurements:
        # from_detections() with the radars' checked spans (s,) and densities (s,) or None.
        sensor = np.asarray(det.sensor, np.int64)
        z, R = (det.z, det.R) if ndim == 3 else _horizontal(det.z, det.R)
        z = np.ascontiguousarray(z, float)
        if sensor.shape != (z.shape[0],):
            raise AirDefenseError(f"detections: one radar index per row, got {sensor.shape} "
                                  f"for {z.shape[0]} rows")
        m = cls._polar(det.time_s, z, R, det.sensor_enu, ndim, sensor, det.truth_id, spans,
                       sensor, dens)
        snr = getattr(det, "snr_db", None)
        if snr is not None and len(snr) == len(m):
            m.snr_db = np.asarray(snr, float)
        return m


class _Field:
    # A field of _Rows: the base's rows, taken at the first read and kept in the instance
    # (a non-data descriptor: the instance's own value then shadows it).

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        v = getattr(obj._base, self.name)
        if v is not None:
            v = v[obj._idx]
        obj.__dict__[self.name] = v
        return v


class _Rows(Measurements):
    # Measurements.rows: rows ``idx`` of ``base``; the fields every initiator reads (the
    # measurements, their noise, positions, radar positions and offsets) taken at once, the
    # others when first read (the dataclass __init__ is not called).

    time_s, sensor, truth_id = _Field(), _Field(), _Field()
    clutter_scale, snr_db, false_alarm_density = _Field(), _Field(), _Field()

    def __init__(self, base: Measurements, idx) -> None:
        self.kind, self.ndim = base.kind, base.ndim
        self._base, self._idx = base, idx
        self.z, self.R, self.valid = base.z[idx], base.R[idx], base.valid[idx]
        self.pos, self.pos_cov = base.pos[idx], base.pos_cov[idx]
        self.sensor_enu = base.sensor_enu[idx]
        self.offset_s = None if base.offset_s is None else base.offset_s[idx]


def _horizontal(z: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Slant polar rows z (k, 4), R (k, 4, 4) with an elevation to horizontal range
    # r cos(el) and range rate rdot / cos(el) (level flight), R through the Jacobian of that
    # map; NaN (absent) components stay NaN. cos(el) at least 1e-3.
    z = np.array(z, float)
    R = np.array(R, float)
    ok = np.isfinite(z[:, 2]) & np.isfinite(R[:, 2, 2])
    if not ok.any():
        return z, R
    r, el, rr = z[ok, 0], z[ok, 2], z[ok, 3]
    ce = np.maximum(np.cos(el), 1e-3)
    J = np.broadcast_to(np.eye(4), (len(r), 4, 4)).copy()
    J[:, 0, 0], J[:, 0, 2] = ce, -r * np.sin(el)
    J[:, 3, 2] = np.where(np.isfinite(rr), rr * np.sin(el) / ce**2, 0.0)
    J[:, 3, 3] = 1.0 / ce
    Rk = R[ok]
    nan = np.isnan(Rk)
    Rk = J @ np.where(nan, 0.0, Rk) @ np.swapaxes(J, 1, 2)
    Rk[nan] = np.nan
    R[ok] = Rk
    z[ok, 0] = r * ce
    z[ok, 3] = rr / ce
    return z, R


def polar_h(x: np.ndarray, sensor_enu: np.ndarray, ndim: int) -> np.ndarray:
    """Predicted polar measurement of states ``x`` (p, d) seen from ``sensor_enu`` (p, 3).

    Returns (p, 4): range, azimuth (clockwise from north), elevation (0 in 2-D), range rate.
    """
    return _polar_h_jacobian(x, sensor_enu, ndim)[0]


def polar_jacobian(x: np.ndarray, sensor_enu: np.ndarray, ndim: int) -> np.ndarray:
    """Jacobian of :func:`polar_h` with respect to the state, shape (p, 4, d)."""
    return _polar_h_jacobian(x, sensor_enu, ndim)[1]


def _polar_h_jacobian(x: np.ndarray, sensor_enu: np.ndarray, ndim: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    # polar_h (p, 4) and polar_jacobian (p, 4, d) together, sharing the geometry.
    return _k.polar_h_jacobian(np.ascontiguousarray(x, float),
                               np.ascontiguousarray(sensor_enu, float), int(ndim))


def _h(x, meas: Measurements, j):
    if meas.kind == "cartesian":
        return x[:, :meas.ndim]
    return polar_h(x, meas.sensor_enu[j], meas.ndim)


def _residual(z, zhat, kind):
    nu = z - zhat
    if kind == "polar":
        nu[..., 1] = wrap_angle(nu[..., 1])
    return nu


def _take_opt(a: np.ndarray | None, idx) -> np.ndarray | None:
    return None if a is None else a[idx]


def _concat_opt(a: np.ndarray | None, b: np.ndarray | None, na: int, nb: int,
                fill: float) -> np.ndarray | None:
    # Per-track arrays of two states joined; a missing one (None) reads as ``fill``.
    if a is None and b is None:
        return None
    return np.concatenate([np.full(na, fill) if a is None else a,
                           np.full(nb, fill) if b is None else b])


def _horizon_after(noise_s: np.ndarray | None, ti, tau, m: int) -> np.ndarray | None:
    # Horizons (m,) of a state whose tracks ``ti`` were updated by rows at offsets ``tau``:
    # each at most the least |tau| of its rows (noise before a row is no longer separable).
    if noise_s is None or tau is None or len(ti) == 0:
        return noise_s
    out = np.array(noise_s, float)
    np.minimum.at(out, np.asarray(ti, np.int64), np.abs(np.asarray(tau, float)))
    return out


@dataclass
class KalmanState:
    """Gaussian states of m tracks: ``x`` (m, d) and ``P`` (m, d, d).

    ``noise_s`` (m,), s, optional: how far back from the state's time its covariance holds
    the motion model's process noise untouched by any measurement (set by
    :meth:`ExtendedKalmanFilter.predict` to the step, lowered by each update to the offset of
    its row). A row at offset ``tau`` is compared with the state retrodicted to its time,
    ``F(tau) (P - Q(s)) F(tau)'`` with ``s = min(|tau|, noise_s)``. None: 0 (no noise taken
    out: ``F(tau) P F(tau)'``).
    """

    x: np.ndarray
    P: np.ndarray
    noise_s: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, idx) -> KalmanState:
        """Tracks ``idx``."""
        return KalmanState(self.x[idx], self.P[idx], _take_opt(self.noise_s, idx))

    def concat(self, other: KalmanState) -> KalmanState:
        """This state followed by ``other``."""
        return KalmanState(np.concatenate([self.x, other.x]), np.concatenate([self.P, other.P]),
                           _concat_opt(self.noise_s, other.noise_s, len(self), len(other), 0.0))

    def mean(self) -> np.ndarray:
        """Mean (m, d)."""
        return self.x

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean (m, d) and covariance (m, d, d)."""
        return self.x, self.P

    def spread(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Means of positions and velocities (m, n) and the traces of their covariances (m,).

        Parameters
        ----------
        n : int
            Spatial axes: positions are components ``:n``, velocities ``n:2n``.
        """
        tr = np.einsum("mii->mi", self.P[:, :2 * n, :2 * n])
        return self.x[:, :n], self.x[:, n:2 * n], tr[:, :n].sum(1), tr[:, n:].sum(1)


@dataclass
class Innovations:
    """Innovations of p track-measurement pairs.

    Attributes
    ----------
    ti, mj : ndarray of shape (p,), int
        Track and measurement index of each pair.
    nu : ndarray of shape (p, mz)
    S : ndarray of shape (p, mz, mz)
    PHt : ndarray of shape (p, d, mz)
        Cross-covariance of state and measurement.
    d2 : ndarray of shape (p,)
        Squared Mahalanobis distance.
    loglik : ndarray of shape (p,)
        Log of the Gaussian likelihood N(nu; 0, S) over the valid components.
    dof : ndarray of shape (p,), int
        Number of valid measurement components.
    tau : ndarray of shape (p,), optional
        Offset of each pair's measurement (its time minus the state's, s), for the
        horizons of the updated states (:class:`KalmanState` ``noise_s``). None: 0.
    """

    ti: np.ndarray
    mj: np.ndarray
    nu: np.ndarray
    S: np.ndarray
    PHt: np.ndarray
    d2: np.ndarray
    loglik: np.ndarray
    dof: np.ndarray
    tau: np.ndarray | None = None

    def take(self, sel) -> Innovations:
        """Pairs ``sel``."""
        return Innovations(*(getattr(self, f)[sel] for f in
                             ("ti", "mj", "nu", "S", "PHt", "d2", "loglik", "dof")),
                           _take_opt(self.tau, sel))


def _finish(ti, mj, nu, S, PHt, meas, valid=None):
    dof = (meas.valid[mj] if valid is None else valid).sum(1)
    d2, loglik = _k.innovation_stats(nu, S, dof)
    return Innovations(ti, mj, nu, S, PHt, d2, loglik, dof, _offsets(meas, mj))


def _offsets(meas: Measurements, mj) -> np.ndarray | None:
    # Offsets of rows mj, or None without offsets.
    return None if meas.offset_s is None else meas.offset_s[mj]


def _retro_tables(models, n: int):
    # The models' noises for the retrodiction: the sparse tables of _k.retro_tables and the
    # dense coefficients C (r, 5, d, d) (zeros for a model whose noise is no polynomial).
    d = models[0].dim
    C = np.zeros((len(models), 5, d, d))
    for j, mo in enumerate(models):
        c = mo.noise_coefficients()
        if c is not None:
            C[j] = c
    return (*_k.retro_tables(C, int(n)), C)


def _pair_horizon(noise_s: np.ndarray | None, ti, tau) -> np.ndarray:
    # Seconds of process noise each pair's retrodiction takes out: min(|tau|, horizon).
    ti = np.asarray(ti, np.int64)
    if noise_s is None or tau is None:
        return np.zeros(len(ti))
    return np.minimum(np.abs(tau), noise_s[ti])


def _retro_dense(C, qe, qscale, qs) -> np.ndarray:
    # Noise taken out of each pair's covariance, qscale Q_qe(qs), shape (p, d, d).
    pw = np.asarray(qs, float)[:, None] ** np.arange(1, 6)
    return np.einsum("pk,pkij->pij", pw * np.asarray(qscale, float)[:, None], C[qe])


def _sym(P):
    return 0.5 * (P + np.swapaxes(P, -1, -2))


def _polar_gate(x, P, mu, meas: Measurements, thr, g, ti, mj, retro, qscale, jq, hor):
    # Gated polar innovations of IMM-shaped states (see _kernels.polar_gate; retro: the
    # models' noise tables, qscale (m,) model jq's scales, hor (m,) the horizons): the kept pairs
    # ti, mj, their per-model rows as Innovations, least distances, mixture log-likelihoods
    # and valid components.
    r = x.shape[1]
    tau = meas.offset_s if meas.offset_s is not None else np.zeros(len(meas))
    if ti is None:
        ti = mj = np.zeros(0, np.int64)
    ti, mj, tir, mjr, nu, S, PHt, d2f, llf, dofr, d2, ll = _k.polar_gate(
        x, P, mu, np.asarray(ti, np.int64), np.asarray(mj, np.int64), meas.z, meas.R,
        meas.valid, meas.sensor_enu, tau, meas.pos, meas.pos_cov, thr, float(g), meas.ndim,
        *retro[:3], qscale, jq, hor)
    flat = Innovations(tir, mjr, nu, S, PHt, d2f, llf, dofr, _offsets(meas, mjr))
    return ti, mj, flat, d2, ll, dofr[::r]


def _polar_sequence(x, P, mu, base, ti, mj, rank, nu, S, PHt, loglik, meas: Measurements,
                    retro, qscale, jq, hor):
    # Ordered updates of IMM-shaped states by polar pairs (see _kernels.polar_sequence).
    tau = meas.offset_s if meas.offset_s is not None else np.zeros(len(meas))
    return _k.polar_sequence(x, P, mu, base, ti, mj, rank, nu, S, PHt, loglik, meas.z, meas.R,
                             meas.valid, meas.sensor_enu, tau, meas.ndim, *retro[:3], qscale,
                             jq, hor)


_NONE = np.zeros(0)


def _horizons(noise_s: np.ndarray | None, m: int) -> np.ndarray:
    return np.zeros(m) if noise_s is None else np.ascontiguousarray(noise_s, float)


def kalman_update(x, P, inn: Innovations):
    """Posterior mean and covariance for each pair of ``inn`` from its track's ``x``, ``P``.

    Parameters
    ----------
    x : ndarray of shape (p, d)
    P : ndarray of shape (p, d, d)
        The prior of each pair's track (already indexed by pair).
    inn : Innovations
        The p pairs' innovations ``nu`` (p, mz), covariances ``S`` (p, mz, mz) and
        cross-covariances ``PHt`` (p, d, mz), in the measurement's units.

    Returns
    -------
    x, P : ndarray of shape (p, d) and (p, d, d)
        Posterior of each pair (new arrays; the inputs are left as they are).
    """
    return _gain_update(x, P, inn.nu, inn.S, inn.PHt)


def _gain_update(x, P, nu, S, PHt):
    # Kalman update of pairs from their innovations nu, covariances S and cross-covariances PHt.
    xn, Pn = np.array(x, float), np.array(P, float)
    idx = np.arange(len(xn))
    _k.gain_update(xn, Pn, idx, nu, S, PHt, idx)
    return xn, Pn


def weighted_update(x, P, inn: Innovations, beta, beta0):
    """Probabilistic-data-association update of every track, as one Gaussian per track.

    Each track's posterior is the moment-matched mixture of its prior (weight ``beta0``) and the
    Kalman posteriors of its pairs (weights ``beta``).

    Parameters
    ----------
    x : ndarray of shape (m, d)
    P : ndarray of shape (m, d, d)
    inn : Innovations
        p pairs.
    beta : ndarray of shape (p,)
        Association probability of each pair.
    beta0 : ndarray of shape (m,)
        Probability that no measurement belongs to the track.

    Returns
    -------
    x, P : the posteriors, shapes (m, d) and (m, d, d)
    """
    K = np.swapaxes(np.linalg.solve(inn.S, np.swapaxes(inn.PHt, 1, 2)), 1, 2)
    dx = np.einsum("pij,pj->pi", K, inn.nu)
    Pp = P[inn.ti] - K @ inn.S @ np.swapaxes(K, 1, 2)
    mean_dx = np.zeros_like(x)
    np.add.at(mean_dx, inn.ti, beta[:, None] * dx)
    acc = beta0[:, None, None] * P
    np.add.at(acc, inn.ti, beta[:, None, None] * (Pp + dx[:, :, None] * dx[:, None, :]))
    Pn = acc - mean_dx[:, :, None] * mean_dx[:, None, :]
    return x + mean_dx, _sym(Pn)


class ExtendedKalmanFilter:
    """Extended Kalman filter (exact Kalman filter for a linear model and Cartesian data).

    Parameters
    ----------
    motion : MotionModel
    """

    def __init__(self, motion: MotionModel) -> None:
        self.motion = motion

    @property
    def dim(self) -> int:
        """State dimension."""
        return self.motion.dim

    @property
    def names(self) -> tuple[str, ...]:
        """Component names of the state."""
        return self.motion.names

    @property
    def ndim(self) -> int:
        """Spatial axes."""
        return self.motion.ndim

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance at birth of the components after positions and velocities."""
        return self.motion.prior()

    def initiate(self, x: np.ndarray, P: np.ndarray) -> KalmanState:
        """States of new tracks from means (k, d) and covariances (k, d, d)."""
        return KalmanState(np.asarray(x, float), np.asarray(P, float))

    def add_noise(self, state: KalmanState, dt) -> KalmanState:
        """The states with the motion model's process noise over ``dt`` added, ``P + Q(dt)``.

        What moving a state forward by ``dt`` adds to its spread (the mean is moved
        elsewhere, e.g. a new track at constant velocity to the tracker's time).

        Parameters
        ----------
        state : KalmanState
        dt : array_like of shape (m,)
            Interval of each track, s (>= 0).
        """
        dt = np.asarray(dt, float)
        if not dt.any():
            return state
        hor = np.broadcast_to(dt, (len(state),)) + (0.0 if state.noise_s is None
                                                     else state.noise_s)
        return KalmanState(state.x, state.P + process_noise(self.motion, state.x, dt), hor)

    def _retro(self):
        # The model's noise tables for the retrodiction (see _retro_tables), kept.
        got = self.__dict__.get("_retro_tab")
        if got is None:
            got = self._retro_tab = _retro_tables([self.motion], self.ndim)
        return got

    def update(self, state: KalmanState, inn: Innovations) -> KalmanState:
        """Kalman update of the tracks ``inn.ti`` (each at most once) with their pairs."""
        if len(inn.ti) == 0:
            return state
        x, P = state.x.copy(), state.P.copy()
        _k.gain_update(x, P, inn.ti, inn.nu, inn.S, inn.PHt, np.arange(len(inn.ti)))
        return KalmanState(x, P, _horizon_after(state.noise_s, inn.ti, inn.tau, len(x)))

    @property
    def fused_polar(self) -> bool:
        """Whether polar gating and updates use the fused kernels (the EKF itself, not the UKF)."""
        return type(self) is ExtendedKalmanFilter

    def gate_polar(self, state: KalmanState, meas: Measurements, thr, g: float, ti=None,
                   mj=None) -> Innovations:
        """Gated innovations of polar measurements in one compiled pass.

        Parameters
        ----------
        state : KalmanState
        meas : Measurements
            Polar.
        thr : ndarray of shape (5,)
            Chi-square threshold for 0..4 valid components (NaN for 0).
        g : float
            Coarse-gate factor (square root of the 4-component threshold; see
            :class:`~airdefense.tracking.gating.ChiSquareGate`); negative: the candidates are
            ``ti, mj``.
        ti, mj : ndarray of int, optional
            Candidate pairs.

        Returns
        -------
        Innovations
            The pairs with a distance within ``thr[dof]``.
        """
        m, d = state.x.shape
        return _polar_gate(state.x.reshape(m, 1, d), state.P.reshape(m, 1, d, d),
                           np.ones((m, 1)), meas, thr, g, ti, mj, self._retro(), _NONE,
                           -1, _horizons(state.noise_s, m))[2]

    def update_polar_sequence(self, state: KalmanState, inn: Innovations, sel, ti, mj, rank,
                              meas: Measurements) -> KalmanState:
        """Update tracks by several polar measurements each, in order.

        Pair q (``ti[q]``, ``mj[q]``) is pair ``sel[q]`` of ``inn`` where ``rank[q]`` is 0
        (its track's first); a later one is recomputed against the state its track's earlier
        pairs left, as :meth:`innovations` then :meth:`update` would.
        """
        m, d = state.x.shape
        x, P, _, hor = _polar_sequence(state.x.reshape(m, 1, d), state.P.reshape(m, 1, d, d),
                                       np.ones((m, 1)), np.asarray(sel, np.int64), ti, mj,
                                       rank, inn.nu, inn.S, inn.PHt, inn.loglik, meas,
                                       self._retro(), _NONE, -1,
                                       _horizons(state.noise_s, m))
        return KalmanState(x.reshape(m, d), P.reshape(m, d, d),
                           None if state.noise_s is None else hor)

    def update_weighted(self, state: KalmanState, inn: Innovations, beta, beta0) -> KalmanState:
        """PDA/JPDA update; see :func:`weighted_update`."""
        w = np.asarray(beta) > 0
        return KalmanState(*weighted_update(state.x, state.P, inn, beta, beta0),
                           _horizon_after(state.noise_s, inn.ti[w],
                                          None if inn.tau is None else inn.tau[w], len(state)))

    def predict(self, state: KalmanState, dt: float) -> KalmanState:
        """Predict every track by ``dt`` s."""
        if dt == 0 or len(state) == 0:
            return state
        x, F = self.motion.transition_jacobian(state.x, dt)
        P = np.empty_like(state.P)
        _k.propagate_cov(F if F.ndim == 3 else F[None], state.P,
                         self.motion.noise(state.x, dt), P[:, None], 0, np.empty(0))
        return KalmanState(x, P, np.full(len(x), float(dt)))

    def innovations(self, state: KalmanState, ti, meas: Measurements, mj) -> Innovations:
        """Innovations of the pairs (track ``ti[p]``, measurement ``mj[p]``).

        With ``meas.offset_s`` set, the measurement of a pair is taken at the track's state
        moved by its offset tau at constant velocity: ``h(p + tau v, v)``, whose Jacobian is
        ``H [[I, tau I], [0, I]]`` (positions and velocities; other components unchanged), and
        the covariance is retrodicted there: ``F(tau) (P - Q(s)) F(tau)'`` and the
        cross-covariance ``(P - Q(s)) F(tau)' H'``, ``Q(s)`` the model's process noise over
        ``s = min(|tau|, state.noise_s)`` (the step's noise after the row's time has not
        happened yet at that time; :meth:`~airdefense.tracking.models.MotionModel.
        noise_coefficients`). For one row and a linear model this is the Kalman filter
        predicted to the row's own time, then forward to the state's.
        """
        ti = np.asarray(ti, np.int64)
        mj = np.asarray(mj, np.int64)
        qs = _pair_horizon(state.noise_s, ti, _offsets(meas, mj))
        return self._innovations(state.x, state.P, ti, ti, meas, mj,
                                 (np.zeros(len(ti), np.int64), np.ones(len(ti)), qs))

    def _innovations(self, x, P, rows, ti, meas: Measurements, mj, retro=None,
                     tables=None) -> Innovations:
        # innovations() of the pairs whose states are rows ``rows`` of x (N, d), P (N, d, d);
        # retro: each pair's model, noise scale and seconds of noise taken out (None: none),
        # of the models of ``tables`` (_retro_tables; default this filter's model).
        n = meas.ndim
        tables = self._retro() if tables is None else tables
        rows = np.asarray(rows, np.int64)
        mj = np.asarray(mj, np.int64)
        if retro is None:
            retro = (np.zeros(len(rows), np.int64), np.ones(len(rows)), np.zeros(len(rows)))
        if meas.kind == "polar":
            tau = meas.offset_s if meas.offset_s is not None else np.zeros(len(meas))
            nu, S, PHt, d2, loglik, dof = _k.polar_innovations(
                x, P, rows, meas.z, meas.R, meas.valid, meas.sensor_enu, tau, mj, n,
                *tables[:3], *retro)
            return Innovations(ti, mj, nu, S, PHt, d2, loglik, dof, _offsets(meas, mj))
        x, P = x[rows], P[rows]
        if retro[2].any():
            P = P - _retro_dense(tables[3], *retro)
        tau = meas.pair_offsets(mj)
        if tau is None:
            nu = meas.z[mj] - x[:, :n]
            PHt = P[:, :, :n]
        else:
            nu = meas.z[mj] - (x[:, :n] + tau[:, None] * x[:, n:2 * n])
            PHt = P[:, :, :n] + tau[:, None, None] * P[:, :, n:2 * n]
        S = PHt[:, :n] + meas.R[mj] if tau is None else (
            PHt[:, :n] + tau[:, None, None] * PHt[:, n:2 * n] + meas.R[mj])
        return _finish(ti, mj, nu, _sym(S), PHt, meas)


class UnscentedKalmanFilter(ExtendedKalmanFilter):
    """Unscented Kalman filter with scaled sigma points, batched over tracks.

    Parameters
    ----------
    motion : MotionModel
    alpha, beta, kappa : float, default 1, 2, 0
        Sigma-point spread, prior-distribution and secondary scaling parameters.
    """

    def __init__(self, motion: MotionModel, alpha: float = 1.0, beta: float = 2.0,
                 kappa: float = 0.0) -> None:
        super().__init__(motion)
        n = motion.dim
        lam = alpha**2 * (n + kappa) - n
        self.c = n + lam
        self.wm = np.full(2 * n + 1, 0.5 / self.c)
        self.wc = self.wm.copy()
        self.wm[0] = lam / self.c
        self.wc[0] = lam / self.c + 1 - alpha**2 + beta

    def _sigma(self, x, P):
        L = np.linalg.cholesky(P + 1e-9 * np.eye(P.shape[-1]))
        off = np.sqrt(self.c) * np.swapaxes(L, 1, 2)  # rows are the columns of L
        return np.concatenate([x[:, None], x[:, None] + off, x[:, None] - off], axis=1)

    def predict(self, state: KalmanState, dt: float) -> KalmanState:
        """Predict every track by ``dt`` s through the sigma points."""
        if dt == 0 or len(state) == 0:
            return state
        m, d = state.x.shape
        X = self._sigma(state.x, state.P)
        Y = self.motion.transition(X.reshape(-1, d), dt).reshape(X.shape)
        x = np.einsum("s,msi->mi", self.wm, Y)
        dY = Y - x[:, None]
        P = np.einsum("s,msi,msj->mij", self.wc, dY, dY) + self.motion.noise(state.x, dt)
        return KalmanState(x, _sym(P), np.full(m, float(dt)))

    def innovations(self, state: KalmanState, ti, meas: Measurements, mj) -> Innovations:
        """Innovations of the pairs through the sigma points (exact for Cartesian data), drawn
        from the covariance retrodicted to each row's time (see
        :meth:`ExtendedKalmanFilter.innovations`)."""
        return super().innovations(state, ti, meas, mj)

    def _innovations(self, x, P, rows, ti, meas: Measurements, mj, retro=None,
                     tables=None) -> Innovations:
        if meas.kind == "cartesian":
            return super()._innovations(x, P, rows, ti, meas, mj, retro, tables)
        x, P = x[rows], P[rows]
        if retro is not None and retro[2].any():
            tables = self._retro() if tables is None else tables
            P = P - _retro_dense(tables[3], *retro)
        p, d = x.shape
        X = self._sigma(x, P)
        ns = X.shape[1]
        n = meas.ndim
        tau = meas.pair_offsets(mj)
        Xe = X
        if tau is not None:  # each sigma point moved by its pair's offset
            Xe = X.copy()
            Xe[:, :, :n] += tau[:, None, None] * X[:, :, n:2 * n]
        Z = polar_h(Xe.reshape(-1, d), np.repeat(meas.sensor_enu[mj], ns, axis=0), meas.ndim)
        Z = Z.reshape(p, ns, 4)
        dZ = Z - Z[:, :1]
        dZ[..., 1] = wrap_angle(dZ[..., 1])
        zhat = Z[:, 0] + np.einsum("s,psi->pi", self.wm, dZ)
        dZ = dZ - (zhat - Z[:, 0])[:, None]
        valid = meas.valid[mj]
        dZ = dZ * valid[:, None, :]
        dX = X - x[:, None]
        S = np.einsum("s,psi,psj->pij", self.wc, dZ, dZ) + meas.R[mj]
        PHt = np.einsum("s,psi,psj->pij", self.wc, dX, dZ)
        nu = _residual(meas.z[mj], zhat, "polar")
        nu[~valid] = 0.0
        return _finish(ti, mj, nu, _sym(S), PHt, meas)
