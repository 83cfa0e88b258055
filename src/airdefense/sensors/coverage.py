"""Radar coverage geometry: horizon, range/elevation/altitude limits, sector, terrain masking.

Heights are above the scenario frame's local sphere (the origin's level, :meth:`Frame.height_m`);
altitudes are those heights plus the origin's ``alt_m`` (mean sea level). The 4/3-earth horizon
counts heights above the ground's surface: the frame's sphere without terrain, mean sea level
with a terrain grid (whose line of sight does the blocking). Elevation limits are checked
against the radar's own local horizontal; measured azimuth and elevation are in the scenario ENU
axes (the convention of :class:`airdefense.sensors.Detections`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airdefense.geo import EARTH_RADIUS_M, Frame, sphere_coords
from airdefense.sensors import _kernels as K

__all__ = [
    "EFFECTIVE_EARTH_FACTOR",
    "horizon_range_m",
    "horizon_ground_range_m",
    "wrap_angle",
    "Coverage",
    "PairGeometry",
]

EFFECTIVE_EARTH_FACTOR = 4.0 / 3.0


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


def _index(idx, n: int, what: str) -> np.ndarray:
    """Flat int64 copy of indices into ``n`` entries (negative ones count from the end)."""
    idx = np.asarray(idx, np.int64).ravel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise IndexError(f"{what} index {bad} is out of range for {n} {what}s")
    return np.where(idx < 0, idx + n, idx)


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
        Sine of the beam's elevation above the radar's own local horizontal: the refracted
        ray's (straight in the k-earth picture), which the elevation limits bound.
    sector_offset_rad : ndarray
        Azimuth off boresight, in [-pi, pi).
    target_height_m : ndarray
        Target height above the frame's sphere, m.
    covered : ndarray of bool
        Inside every limit: range, altitude, elevation, sector and the 4/3-earth horizon over the
        horizon's floor (the frame's sphere without terrain, mean sea level with it; a target
        below the floor is never covered; terrain masking is separate:
        :meth:`Coverage.terrain_clear`).
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
        """The beam's (refracted) elevation above the radar's own local horizontal, rad."""
        return np.arcsin(np.clip(self.sin_local_elevation, -1.0, 1.0))


#: The preset fields a :class:`Coverage` reads (its tables depend on these, the sites, the
#: frame, the terrain and ``k`` only).
_PRESET_FIELDS = ("antenna_height_m", "min_range_m", "max_range_m", "min_altitude_m",
                  "max_altitude_m", "min_elevation_deg", "max_elevation_deg",
                  "azimuth_sector_deg", "boresight_deg")
#: Coverages made before, by the values of their inputs: ``key -> (frame, terrain, the
#: instance's attributes)`` (see :meth:`Coverage.__init__`). Each run of a scenario places the
#: same radars (and its launchers' fire-control radars) again.
_MADE: dict[tuple, tuple] = {}
_MADE_MAX = 64  # entries kept (all dropped when full)


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
        Elevation grid for line-of-sight masking. It also sets the horizon's floor: mean sea
        level with a grid, the frame's sphere without (``sphere_above_floor_m``).
    k : float, default 4/3
        Effective-earth factor.
    """

    @property
    def kernel_rows(self) -> np.ndarray:
        """The per-radar coverage rows of the compiled kernels, (n_r, ``_kernels.G_N``)
        (columns ``_kernels.G_*``; read-only)."""
        rows = self._geo.view()
        rows.flags.writeable = False
        return rows

    def __init__(self, presets, site_enu: np.ndarray, frame: Frame, terrain=None,
                 k: float = EFFECTIVE_EARTH_FACTOR) -> None:
        p = list(presets)
        n = len(p)
        self.frame = frame
        self.terrain = terrain
        self.k = float(k)
        r = frame.radius_m
        site = np.asarray(site_enu, float).reshape(n, 3)
        # The same inputs as a coverage made before (the frame and terrain the same objects):
        # its attributes, arrays copied (each instance owns its own), the same numbers.
        key = (self.k, id(frame), float(r), float(frame.alt_m), id(terrain), site.tobytes(),
               tuple(tuple(getattr(q, f) for f in _PRESET_FIELDS) for q in p))
        made = _MADE.get(key)
        if made is not None and made[0] is frame and made[1] is terrain:
            for name, v in made[2].items():
                setattr(self, name, v.copy() if isinstance(v, np.ndarray) else v)
            return
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
        # The horizon counts heights above its floor, the surface of the ground between radar
        # and target. Without terrain that is the frame's sphere (the scenario's ground:
        # threats launch on it and cruise heights are over it); with a terrain grid, mean sea
        # level, the grid's datum (the line of sight against the grid does the real blocking;
        # off the grid the ground is sea level), which lies alt_m below the frame's sphere.
        #: Height of the frame's sphere above the horizon's floor, m: the origin's ``alt_m``
        #: with a terrain grid (mean sea level), 0 without (the frame's sphere).
        self.sphere_above_floor_m = frame.alt_m if terrain is not None else 0.0
        # The antenna's share of the horizon angle on the effective sphere, rad.
        h1 = np.maximum(self.antenna_height_m + self.sphere_above_floor_m, 0.0)
        self._horizon_angle = np.arctan(np.sqrt(h1 * (2 * re + h1)) / re)
        # Per-radar limits, one row per radar (columns K.G_*, see airdefense.sensors._kernels):
        # antenna (3), up (3), lower bounds then upper bounds of (height, sin elevation, range),
        # boresight, horizon angle, half sector (inf for a full circle: its test always passes),
        # clear-horizon cosine, then the frame's radius, k factor and the height of its sphere
        # above the horizon's floor.
        half = np.where(self.full_circle, np.inf, 0.5 * self.sector_rad)
        # The horizon test is cos(nadir angle) >= cos(min(k (antenna's share + target's share),
        # pi)); the target's share is >= 0 (also once rounded), so a cosine above the bound of
        # a zero share passes it whatever the target's height. 1e-12 covers the last-bit
        # differences between NumPy's cosine and the kernel's by four orders of magnitude.
        clear_cos = np.cos(np.minimum(self.k * self._horizon_angle, np.pi)) + 1e-12
        self._geo = np.ascontiguousarray(np.concatenate([
            self.antenna_enu.T, self._up.T,
            (self.min_altitude_m - frame.alt_m)[None], self._sin_el.T[:1], self.min_range_m[None],
            (self.max_altitude_m - frame.alt_m)[None], self._sin_el.T[1:], self.max_range_m[None],
            self.boresight_rad[None], self._horizon_angle[None], half[None], clear_cos[None],
            np.full((3, n), [[frame.radius_m], [self.k], [self.sphere_above_floor_m]])]
        ).reshape(K.G_N, n).T)
        if len(_MADE) >= _MADE_MAX:
            _MADE.clear()
        _MADE[key] = (frame, terrain, {
            name: v.copy() if isinstance(v, np.ndarray) else v
            for name, v in vars(self).items() if name not in ("frame", "terrain")})

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

        Raises
        ------
        IndexError
            If a radar index is out of range.
        """
        radar = np.asarray(radar, np.intp)
        pos = np.asarray(pos, float)
        shape = np.broadcast_shapes(radar.shape, pos.shape[:-1])
        radar = _index(np.broadcast_to(radar, shape), len(self), "radar")
        pos = np.ascontiguousarray(np.broadcast_to(pos, shape + (3,)).reshape(-1, 3))
        v, off, cov = K.pairs(self._geo, radar, pos)
        return PairGeometry(range_m=v[2].reshape(shape), azimuth_rad=v[3].reshape(shape),
                            elevation_rad=v[4].reshape(shape),
                            sin_local_elevation=v[1].reshape(shape),
                            sector_offset_rad=off.reshape(shape),
                            target_height_m=v[0].reshape(shape), covered=cov.reshape(shape))

    def terrain_clear(self, radar: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Whether the terrain leaves the line of sight clear, shape (k,) (all true without terrain).

        The refracted ray from each pair's antenna to its point (:meth:`Terrain.line_of_sight
        <airdefense.terrain.Terrain.line_of_sight>` with this coverage's ``k``; compiled, each
        pair tested on its own: its answer does not depend on the other pairs of the call).

        Parameters
        ----------
        radar : ndarray of int, shape (k,)
            Radar index of each pair (or one index for all).
        pos : ndarray of shape (k, 3)
            Target positions, ENU, m.
        """
        radar = np.asarray(radar, np.intp)
        if self.terrain is None or radar.size == 0:
            return np.ones(radar.shape, bool)
        return self.terrain.line_of_sight(self.antenna_enu[radar], np.asarray(pos, float),
                                          k=self.k)
