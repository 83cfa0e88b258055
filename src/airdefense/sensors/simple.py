"""Baseline sensor: detects every target within range, above the horizon and in the sector.

This is the foundation's range-and-horizon sensor (Pd = 1 inside coverage). The radar model
(:mod:`airdefense.sensors.radar`) replaces it in the simulation; it stays as a reference.
"""

from __future__ import annotations

import numpy as np

from airdefense.sensors.base import Detections, enu_to_polar
from airdefense.sensors.coverage import horizon_range_m

__all__ = ["RangeHorizonSensors", "horizon_range_m", "EFFECTIVE_EARTH_FACTOR"]

EFFECTIVE_EARTH_FACTOR = 4.0 / 3.0


class RangeHorizonSensors:
    """All radars of a scenario as range-and-horizon sensors, vectorised over radars x targets.

    Parameters
    ----------
    sensors : list of SensorUnit
        The scenario's radars.
    frame : Frame
        The scenario frame (for heights above the surface).
    """

    def __init__(self, sensors, frame) -> None:
        self.units = list(sensors)
        self.frame = frame
        k = len(self.units)
        p = [s.preset for s in self.units]
        self.enu = np.array([s.enu for s in self.units], float).reshape(k, 3)
        self.height_m = frame.height_m(self.enu) + np.array([q.antenna_height_m for q in p])
        self.period_s = np.array([q.scan_period_s for q in p])
        self.min_range = np.array([q.min_range_m for q in p])
        self.max_range = np.array([q.max_range_m for q in p])
        self.max_alt = np.array([q.max_altitude_m for q in p])
        self.min_el = np.radians([q.min_elevation_deg for q in p])
        self.max_el = np.radians([q.max_elevation_deg for q in p])
        self.half_sector = np.radians([q.azimuth_sector_deg for q in p]) / 2.0
        self.boresight = np.radians([q.boresight_deg for q in p])
        self.sig = np.array(
            [[q.range_sigma_m, np.radians(q.azimuth_sigma_deg), np.radians(q.elevation_sigma_deg),
              q.range_rate_sigma_mps if q.range_rate_sigma_mps else np.nan] for q in p]
        ).reshape(k, 4)
        self.next_scan_s = np.zeros(k)
        self.operational = np.ones(k, bool)

    def __len__(self) -> int:
        return len(self.units)

    def covered(self, idx: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coverage mask and polar coordinates for radars ``idx`` and targets ``pos`` (n, 3).

        Returns
        -------
        mask : ndarray of shape (len(idx), n), bool
        polar : ndarray of shape (len(idx), n, 3)
        """
        polar = enu_to_polar(pos[None, :, :], self.enu[idx][:, None, :])
        r, az, el = polar[..., 0], polar[..., 1], polar[..., 2]
        h_t = self.frame.height_m(pos)[None, :]
        horizon = horizon_range_m(self.height_m[idx][:, None], h_t, self.frame.radius_m)
        off = np.angle(np.exp(1j * (az - self.boresight[idx][:, None])))
        m = (
            (r >= self.min_range[idx][:, None])
            & (r <= self.max_range[idx][:, None])
            & (r <= horizon)
            & (h_t <= self.max_alt[idx][:, None])
            & (el >= self.min_el[idx][:, None])
            & (el <= self.max_el[idx][:, None])
            & (np.abs(off) <= self.half_sector[idx][:, None] + 1e-12)
        )
        return m, polar

    def scan(self, t0: float, t1: float, truth, alive: np.ndarray, rng: np.random.Generator
             ) -> Detections:
        """Detections of every scan falling due in ``(t0, t1]``.

        Parameters
        ----------
        t0, t1 : float
            The step, s.
        truth : ThreatSet
            Ground truth.
        alive : callable
            ``alive(t) -> (n,) bool``, which threats exist at time t.
        rng : numpy.random.Generator

        Returns
        -------
        Detections
        """
        parts = []
        while True:
            due = self.operational & (self.next_scan_s <= t1 + 1e-9)
            if not due.any():
                break
            ts = self.next_scan_s[due].min()
            idx = np.flatnonzero(due & (np.abs(self.next_scan_s - ts) < 1e-9))
            self.next_scan_s[idx] += self.period_s[idx]
            if ts <= t0 - 1e-9:
                continue
            st = truth.states(ts)
            live = alive(ts)
            cols = np.flatnonzero(live)
            if cols.size == 0:
                continue
            m, polar = self.covered(idx, st[cols, :3])
            ri, ci = np.nonzero(m)
            if ri.size == 0:
                continue
            s = idx[ri]
            tgt = cols[ci]
            sig = self.sig[s]
            z = np.empty((ri.size, 4))
            z[:, :3] = polar[ri, ci] + rng.normal(size=(ri.size, 3)) * sig[:, :3]
            rel = st[tgt, :3] - self.enu[s]
            rdot = np.sum(rel * st[tgt, 3:], axis=1) / np.maximum(polar[ri, ci, 0], 1e-9)
            z[:, 3] = rdot + rng.normal(size=ri.size) * np.nan_to_num(sig[:, 3])
            z[np.isnan(sig[:, 3]), 3] = np.nan
            z[:, 1] = np.mod(z[:, 1], 2 * np.pi)
            R = np.zeros((ri.size, 4, 4))
            R[:, np.arange(4), np.arange(4)] = sig**2
            parts.append(
                Detections(
                    time_s=np.full(ri.size, ts), sensor=s, z=z, R=R, sensor_enu=self.enu[s],
                    snr_db=np.full(ri.size, np.inf), truth_id=truth.threat_id[tgt],
                )
            )
        return Detections.concatenate(parts)
