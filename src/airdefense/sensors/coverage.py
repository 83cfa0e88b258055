"""Radar coverage geometry: horizon, range/elevation/altitude limits, sector, terrain masking.

Heights are above the scenario frame's local sphere (the origin's level, :meth:`Frame.height_m`);
altitudes are those heights plus the origin's ``alt_m`` (mean sea level). Elevation limits are
checked against the radar's own local horizontal; measured azimuth and elevation are in the
scenario ENU axes (the convention of :class:`airdefense.sensors.Detections`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airdefense.geo import EARTH_RADIUS_M, Frame, sphere_coords

__all__ = [
    "EFFECTIVE_EARTH_FACTOR",
    "horizon_range_m",
    "horizon_ground_range_m",
    "wrap_angle",
    "Coverage",
    "PairGeometry",
]

EFFECTIVE_EARTH_FACTOR = 4.0 / 3.0
_TWO_PI = 2.0 * np.pi
# Up to this many pairs, the geometry is one gathered pass; beyond, radar by radar.
_BATCH_PAIRS = 4096


def horizon_range_m(h1_m, h2_m, radius_m: float = EARTH_RADIUS_M,
                    k: float = EFFECTIVE_EARTH_FACTOR):
    """Radar horizon (slant) range between two heights over a k-factor earth.

    The sum of the two tangent distances ``sqrt(2 k R h + h^2)``; for k = 4/3 and heights of a
    few km this is ``4.12 (sqrt(h1) + sqrt(h2))`` km with h in metres.

    Parameters
    ----------
    h1_m, h2_m : array_like
        Antenna and target heights above the surface, m (negative heights count as 0).
    radius_m : float, default mean earth radius
        Earth radius, m.
    k : float, default 4/3
        Effective-earth factor of standard refraction.

    Returns
    -------
    ndarray
        Horizon range, m.
    """
    re = k * radius_m
    h1 = np.maximum(np.asarray(h1_m, float), 0.0)
    h2 = np.maximum(np.asarray(h2_m, float), 0.0)
    return np.sqrt(h1 * (2.0 * re + h1)) + np.sqrt(h2 * (2.0 * re + h2))


def horizon_ground_range_m(h1_m, h2_m, radius_m: float = EARTH_RADIUS_M,
                           k: float = EFFECTIVE_EARTH_FACTOR):
    """Greatest ground distance at which two heights see each other over a k-factor earth.

    ``k R (acos(k R / (k R + h1)) + acos(k R / (k R + h2)))``: the exact tangency condition on the
    effective sphere, with ground distances measured along the surface.

    Parameters
    ----------
    h1_m, h2_m : array_like
        Heights above the surface, m (negative heights count as 0).
    radius_m : float, default mean earth radius
        Earth radius, m.
    k : float, default 4/3
        Effective-earth factor.

    Returns
    -------
    ndarray
        Ground range, m.
    """
    re = k * radius_m
    h1 = np.maximum(np.asarray(h1_m, float), 0.0)
    h2 = np.maximum(np.asarray(h2_m, float), 0.0)
    # acos near 1 loses precision; atan of the tangent-length ratio does not.
    return re * (np.arctan(np.sqrt(h1 * (2 * re + h1)) / re)
                 + np.arctan(np.sqrt(h2 * (2 * re + h2)) / re))


def wrap_angle(a):
    """Wrap angles to [-pi, pi), radians."""
    return np.mod(np.asarray(a, float) + np.pi, 2.0 * np.pi) - np.pi


@dataclass
class PairGeometry:
    """Geometry of radar-target pairs; every array has the pairs' shape.

    Attributes
    ----------
    range_m : ndarray
        Slant range from the antenna, m.
    azimuth_rad, elevation_rad : ndarray
        Direction in the scenario ENU axes (azimuth clockwise from north in [0, 2 pi)).
    sin_local_elevation : ndarray
        Sine of the elevation above the radar's own local horizontal.
    sector_offset_rad : ndarray
        Azimuth off boresight, in [-pi, pi).
    target_height_m : ndarray
        Target height above the frame's sphere, m.
    covered : ndarray of bool
        Inside every limit: range, altitude, elevation, sector and the 4/3-earth horizon (terrain
        masking is separate: :meth:`Coverage.terrain_clear`).
    """

    range_m: np.ndarray
    azimuth_rad: np.ndarray
    elevation_rad: np.ndarray
    sin_local_elevation: np.ndarray
    sector_offset_rad: np.ndarray
    target_height_m: np.ndarray
    covered: np.ndarray

    @property
    def local_elevation_rad(self) -> np.ndarray:
        """Elevation above the radar's own local horizontal, rad."""
        return np.arcsin(np.clip(self.sin_local_elevation, -1.0, 1.0))


class Coverage:
    """Coverage limits of a set of radars, vectorised over radars x targets.

    Parameters
    ----------
    presets : list of RadarPreset
        One per radar.
    site_enu : ndarray of shape (n_r, 3)
        Radar sites, ENU, m (the ground under the antenna; the antenna stands
        ``antenna_height_m`` above the site, or above the terrain where that is higher).
    frame : Frame
        The scenario frame.
    terrain : Terrain, optional
        Elevation grid for line-of-sight masking.
    k : float, default 4/3
        Effective-earth factor.
    """

    def __init__(self, presets, site_enu: np.ndarray, frame: Frame, terrain=None,
                 k: float = EFFECTIVE_EARTH_FACTOR) -> None:
        p = list(presets)
        n = len(p)
        self.frame = frame
        self.terrain = terrain
        self.k = float(k)
        r = frame.radius_m
        site = np.asarray(site_enu, float).reshape(n, 3)
        sc = sphere_coords(site, r)
        ground = sc[:, 2]
        if terrain is not None and n:
            t = terrain.ground_height_m(sc[:, 0], sc[:, 1])
            ground = np.where(np.isfinite(t), np.maximum(ground, t), ground)
        ant_h = np.array([q.antenna_height_m for q in p], float)
        #: Antenna height above the frame's sphere, m, shape (n_r,).
        self.antenna_height_m = ground + ant_h
        #: Antenna positions, ENU, m, shape (n_r, 3).
        self.antenna_enu = frame.surface_point(sc[:, 0], sc[:, 1], self.antenna_height_m
                                               ).reshape(n, 3)
        self._center = self.antenna_enu + np.array([0.0, 0.0, r])
        self._up = self._center / np.linalg.norm(self._center, axis=1, keepdims=True)
        self.min_range_m = np.array([q.min_range_m for q in p], float)
        self.max_range_m = np.array([q.max_range_m for q in p], float)
        self.min_altitude_m = np.array([q.min_altitude_m for q in p], float)
        self.max_altitude_m = np.array([q.max_altitude_m for q in p], float)
        self.min_elevation_rad = np.radians([q.min_elevation_deg for q in p]).reshape(n)
        self.max_elevation_rad = np.radians([q.max_elevation_deg for q in p]).reshape(n)
        self.sector_rad = np.radians([q.azimuth_sector_deg for q in p]).reshape(n)
        self.boresight_rad = np.mod(np.radians([q.boresight_deg for q in p]), 2 * np.pi
                                    ).reshape(n)
        self.full_circle = self.sector_rad >= 2 * np.pi - 1e-12
        self._sin_el = np.sin(np.stack([self.min_elevation_rad, self.max_elevation_rad],
                                       axis=1)).reshape(n, 2)
        re = self.k * frame.radius_m
        # Horizons count heights above mean sea level (the sphere through the origin lies
        # alt_m above it); the antenna's share of the horizon angle on the effective sphere, rad.
        h1 = np.maximum(self.antenna_height_m + frame.alt_m, 0.0)
        self._horizon_angle = np.arctan(np.sqrt(h1 * (2 * re + h1)) / re)
        # Per-radar limits as rows, gathered per pair in one take by _pairs: antenna (3), up (3),
        # lower bounds then upper bounds of (height, sin elevation, range), boresight, horizon
        # angle, half sector (inf for a full circle: its sector test always passes).
        half = np.where(self.full_circle, np.inf, 0.5 * self.sector_rad)
        self._limits = np.concatenate([
            self.antenna_enu.T, self._up.T,
            (self.min_altitude_m - frame.alt_m)[None], self._sin_el.T[:1], self.min_range_m[None],
            (self.max_altitude_m - frame.alt_m)[None], self._sin_el.T[1:], self.max_range_m[None],
            self.boresight_rad[None], self._horizon_angle[None], half[None]]).reshape(15, n)
        self._any_sector = bool((~self.full_circle).any())

    def __len__(self) -> int:
        return int(self.antenna_enu.shape[0])

    def geometry(self, radar: np.ndarray, pos: np.ndarray) -> PairGeometry:
        """Geometry and coverage mask of radar-target pairs.

        Parameters
        ----------
        radar : ndarray of int, shape S
            Radar index of each pair (e.g. ``(n_r, 1)`` against targets ``(1, n, 3)``).
        pos : ndarray of shape S + (3,)
            Target positions, ENU, m; broadcast against ``radar``.

        Returns
        -------
        PairGeometry
        """
        radar = np.asarray(radar, np.intp)
        pos = np.asarray(pos, float)
        shape = np.broadcast_shapes(radar.shape, pos.shape[:-1])
        radar = np.broadcast_to(radar, shape).ravel()
        pos = np.broadcast_to(pos, shape + (3,)).reshape(-1, 3)
        with np.errstate(invalid="ignore", divide="ignore"):
            v, off, cov = self._pairs(radar, pos)
        return PairGeometry(range_m=v[2].reshape(shape), azimuth_rad=v[3].reshape(shape),
                            elevation_rad=v[4].reshape(shape),
                            sin_local_elevation=v[1].reshape(shape),
                            sector_offset_rad=off.reshape(shape),
                            target_height_m=v[0].reshape(shape), covered=cov.reshape(shape))

    def _pairs_by_radar(self, radar: np.ndarray, pos: np.ndarray) -> tuple:
        """:meth:`_pairs` radar by radar (a loop over radars, not targets), for many pairs: the
        limits are then scalars, which is faster than gathering them per pair."""
        k = radar.size
        v = np.empty((5, k))
        off = np.empty(k)
        cov = np.empty(k, bool)
        out = dict(zip(("target_height_m", "sin_local_elevation", "range_m", "azimuth_rad",
                        "elevation_rad"), v, strict=True))
        out.update(sector_offset_rad=off, covered=cov)
        order = None
        if np.any(radar[1:] < radar[:-1]):
            order = np.argsort(radar, kind="stable")
        rs = radar if order is None else radar[order]
        cuts = np.flatnonzero(np.diff(rs)) + 1
        starts = np.r_[0, cuts]
        ends = np.r_[cuts, k]
        for a, b in zip(starts, ends, strict=True):
            idx = slice(a, b) if order is None else order[a:b]
            self._segment(int(rs[a]), pos[idx], out, idx)
        return v, off, cov

    def _pairs(self, radar: np.ndarray, pos: np.ndarray) -> tuple:
        """Geometry of flat pairs (call under errstate).

        Up to ``_BATCH_PAIRS`` pairs, one pass with the limits gathered per pair (a fixed number
        of NumPy calls, whatever the number of radars), with the arithmetic of :meth:`_segment`
        operation for operation, so both give the same bits; beyond, radar by radar.

        Parameters
        ----------
        radar : ndarray of int, shape (k,)
        pos : ndarray of shape (k, 3)
            Target positions, ENU, m.

        Returns
        -------
        rows : ndarray of shape (5, k)
            Target height (m), sin(local elevation), range (m), azimuth and elevation (rad);
            the last three rows are the polar position.
        sector_offset : ndarray of shape (k,)
            Azimuth off boresight, rad.
        covered : ndarray of shape (k,), bool
        """
        if radar.size > _BATCH_PAIRS:
            return self._pairs_by_radar(radar, pos)
        r = self.frame.radius_m
        k = radar.size
        lim = self._limits[:, radar]
        x, y, z = pos[:, 0], pos[:, 1], pos[:, 2]
        d = pos.T - lim[0:3]
        dx, dy, dz = d
        dd = d * d
        horiz2 = dd[0] + dd[1]
        # Height, sin(local elevation), range, azimuth and elevation as rows of one array: one
        # test of the limits (first three rows), one gather of the polar position (last three).
        v = np.empty((5, k))
        h_t, sin_le, rng, az, el = v
        np.sqrt(horiz2 + dd[2], out=rng)
        np.arctan2(dx, dy, out=az)
        az += (az < 0) * _TWO_PI  # the additions of _segment's np.where(az < 0, 2 pi, 0)
        np.arctan2(dz, np.sqrt(horiz2), out=el)
        du = d * lim[3:6]
        np.divide(du[0] + du[1] + du[2], rng, out=sin_le)
        if not rng.all():
            sin_le[rng == 0] = 1.0
        q = np.empty((3, k))
        q[0] = x
        q[1] = y
        zc = q[2]
        np.add(z, r, out=zc)
        qq = q * q
        norm_t = np.sqrt(qq[0] + qq[1] + qq[2])
        np.subtract(norm_t, r, out=h_t)
        qu = q * lim[3:6]
        cos_g = (qu[0] + qu[1] + qu[2]) / norm_t
        off = az - lim[12]
        off -= _TWO_PI * np.floor((off + np.pi) * (1.0 / _TWO_PI))
        re = self.k * r
        h_msl = h_t + self.frame.alt_m
        h2 = np.maximum(h_msl, 0.0)
        ang = lim[13] + np.arctan(np.sqrt(h2 * (2 * re + h2)) / re)
        inside = (v[:3] >= lim[6:9]) & (v[:3] <= lim[9:12])
        cov = inside[0] & inside[1] & inside[2]
        if self._any_sector:
            cov &= np.abs(off) <= lim[14]
        cov &= (cos_g >= np.cos(np.minimum(self.k * ang, np.pi))) & (h_msl >= -1e-3)
        return v, off, cov

    def _segment(self, i: int, pos: np.ndarray, out: dict, idx) -> None:
        r = self.frame.radius_m
        ant = self.antenna_enu[i]
        up = self._up[i]
        dx = pos[:, 0] - ant[0]
        dy = pos[:, 1] - ant[1]
        dz = pos[:, 2] - ant[2]
        horiz2 = dx * dx + dy * dy
        rng = np.sqrt(horiz2 + dz * dz)
        az = np.arctan2(dx, dy)
        az += np.where(az < 0, _TWO_PI, 0.0)
        el = np.arctan2(dz, np.sqrt(horiz2))
        with np.errstate(invalid="ignore", divide="ignore"):
            sin_le = (dx * up[0] + dy * up[1] + dz * up[2]) / rng
        sin_le[rng == 0] = 1.0
        zc = pos[:, 2] + r
        norm_t = np.sqrt(pos[:, 0] * pos[:, 0] + pos[:, 1] * pos[:, 1] + zc * zc)
        h_t = norm_t - r
        # Angle between the nadirs, compared through its cosine (no acos near 1).
        cos_g = (pos[:, 0] * up[0] + pos[:, 1] * up[1] + zc * up[2]) / norm_t
        off = az - self.boresight_rad[i]
        off -= _TWO_PI * np.floor((off + np.pi) * (1.0 / _TWO_PI))
        re = self.k * r
        h_msl = h_t + self.frame.alt_m
        h2 = np.maximum(h_msl, 0.0)
        ang = self._horizon_angle[i] + np.arctan(np.sqrt(h2 * (2 * re + h2)) / re)
        cov = (rng >= self.min_range_m[i]) & (rng <= self.max_range_m[i])
        cov &= (h_t >= self.min_altitude_m[i] - self.frame.alt_m)
        cov &= (h_t <= self.max_altitude_m[i] - self.frame.alt_m)
        cov &= (sin_le >= self._sin_el[i, 0]) & (sin_le <= self._sin_el[i, 1])
        if not self.full_circle[i]:
            cov &= np.abs(off) <= 0.5 * self.sector_rad[i]
        # Below the sea-level sphere a target is under the horizon (its chord enters the earth);
        # 1 mm of slack keeps points placed on the surface (rounding) above it.
        cov &= (cos_g >= np.cos(np.minimum(self.k * ang, np.pi))) & (h_msl >= -1e-3)
        for f, v in (("range_m", rng), ("azimuth_rad", az), ("elevation_rad", el),
                     ("sin_local_elevation", sin_le), ("sector_offset_rad", off),
                     ("target_height_m", h_t), ("covered", cov)):
            out[f][idx] = v

    def terrain_clear(self, radar: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Whether the terrain leaves the line of sight clear, shape (k,) (all true without terrain).

        Parameters
        ----------
        radar : ndarray of int, shape (k,)
        pos : ndarray of shape (k, 3)
            Target positions, ENU, m.
        """
        radar = np.asarray(radar, np.intp)
        if self.terrain is None or radar.size == 0:
            return np.ones(radar.shape, bool)
        return self.terrain.line_of_sight(self.antenna_enu[radar], np.asarray(pos, float),
                                          k=self.k)
