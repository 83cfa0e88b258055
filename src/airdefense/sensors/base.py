"""Detections: the output of a radar scan, as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airdefense.sensors._kernels import polar_rows_to_enu

__all__ = ["Detections", "polar_to_enu", "enu_to_polar"]


def enu_to_polar(enu: np.ndarray, sensor_enu: np.ndarray) -> np.ndarray:
    """Convert ENU points to range, azimuth and elevation seen from a sensor.

    Parameters
    ----------
    enu : ndarray of shape (k, 3)
        Target positions in m.
    sensor_enu : ndarray of shape (3,) or (k, 3)
        Sensor positions in m.

    Returns
    -------
    ndarray of shape (k, 3)
        ``[range_m, azimuth_rad, elevation_rad]``; azimuth is clockwise from north in [0, 2*pi).
    """
    d = np.asarray(enu, float) - np.asarray(sensor_enu, float)
    rng = np.linalg.norm(d, axis=-1)
    az = np.mod(np.arctan2(d[..., 0], d[..., 1]), 2 * np.pi)
    horiz = np.hypot(d[..., 0], d[..., 1])
    el = np.arctan2(d[..., 2], horiz)
    return np.stack([rng, az, el], axis=-1)


def polar_to_enu(polar: np.ndarray, sensor_enu: np.ndarray) -> np.ndarray:
    """Convert range, azimuth (clockwise from north) and elevation to ENU positions.

    Parameters
    ----------
    polar : ndarray of shape (k, >=3)
        ``[range_m, azimuth_rad, elevation_rad, ...]``; extra columns are ignored.
    sensor_enu : ndarray of shape (3,) or (k, 3)
        Sensor positions in m.

    Returns
    -------
    ndarray of shape (k, 3)
        Broadcast over leading axes as ``polar[..., :3] + sensor_enu`` would be.
    """
    p = np.asarray(polar, float)
    s = np.asarray(sensor_enu, float)
    if p.ndim == 2 and p.flags.c_contiguous and s.ndim == 2 and s.shape == (p.shape[0], 3) \
            and s.flags.c_contiguous:
        return polar_rows_to_enu(p, s)  # the common case: one sensor position per row
    shape = np.broadcast_shapes(p.shape[:-1], s.shape[:-1])
    p = np.broadcast_to(p[..., :3], shape + (3,)).reshape(-1, 3)
    s = np.broadcast_to(s, shape + (3,)).reshape(-1, 3)
    return polar_rows_to_enu(np.ascontiguousarray(p), np.ascontiguousarray(s)).reshape(
        shape + (3,))


@dataclass
class Detections:
    """Detections of one scan (or several scans merged), one row per detection.

    Attributes
    ----------
    time_s : ndarray of shape (k,)
        Time of each detection, s from scenario start.
    sensor : ndarray of shape (k,), int
        Index of the sensor in the scenario's sensor list.
    z : ndarray of shape (k, 4)
        ``[range_m, azimuth_rad, elevation_rad, range_rate_mps]``; azimuth clockwise from
        north; range rate is NaN where the radar does not measure it.
    R : ndarray of shape (k, 4, 4)
        Measurement noise covariance (diagonal; NaN in the range-rate row and column where
        there is no range rate).
    sensor_enu : ndarray of shape (k, 3)
        Sensor position in ENU, m.
    snr_db : ndarray of shape (k,)
        Signal-to-noise ratio of the detection, dB.
    truth_id : ndarray of shape (k,), int
        Threat id that caused the detection, -1 for a false alarm. Only metrics may read it.
    """

    time_s: np.ndarray
    sensor: np.ndarray
    z: np.ndarray
    R: np.ndarray
    sensor_enu: np.ndarray
    snr_db: np.ndarray
    truth_id: np.ndarray
    _enu: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def enu(self) -> np.ndarray:
        """Measured positions converted to ENU, shape (k, 3), m."""
        if self._enu is None:
            self._enu = polar_to_enu(self.z, self.sensor_enu)
        return self._enu

    @classmethod
    def empty(cls) -> Detections:
        """Return a container with no detections."""
        return cls(
            time_s=np.zeros(0),
            sensor=np.zeros(0, int),
            z=np.zeros((0, 4)),
            R=np.zeros((0, 4, 4)),
            sensor_enu=np.zeros((0, 3)),
            snr_db=np.zeros(0),
            truth_id=np.zeros(0, int),
        )

    @classmethod
    def concatenate(cls, parts: list[Detections]) -> Detections:
        """Join several detection sets into one (rows in the order given)."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(
            time_s=np.concatenate([p.time_s for p in parts]),
            sensor=np.concatenate([p.sensor for p in parts]),
            z=np.concatenate([p.z for p in parts]),
            R=np.concatenate([p.R for p in parts]),
            sensor_enu=np.concatenate([p.sensor_enu for p in parts]),
            snr_db=np.concatenate([p.snr_db for p in parts]),
            truth_id=np.concatenate([p.truth_id for p in parts]),
        )

    def select(self, mask: np.ndarray) -> Detections:
        """Return the rows where ``mask`` is true (boolean mask or index array)."""
        return Detections(
            time_s=self.time_s[mask],
            sensor=self.sensor[mask],
            z=self.z[mask],
            R=self.R[mask],
            sensor_enu=self.sensor_enu[mask],
            snr_db=self.snr_db[mask],
            truth_id=self.truth_id[mask],
        )
