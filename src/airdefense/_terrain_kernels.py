"""Compiled kernels of the terrain line of sight (numba, no fastmath, no parallel).

:meth:`airdefense.terrain.Terrain.line_of_sight` keeps the public API; these kernels walk each
ray on its own. Ray ``i`` runs from ``a[i]`` to ``b[i]`` (ENU). Its ends' tangent-plane offsets
(surface arcs) and heights above the frame's sphere are :func:`airdefense.geo.sphere_coords`'s
formulas (with the C library's ``atan2``; NumPy's vectorised ``arctan2`` may differ in the last
bit, about 1e-10 m here); ``d`` is the ground length between the offsets. The ray is sampled at
``m = ceil(d / half_cell)`` points (at least 1, at most ``max_samples``), ``s = (j + 1/2) / m``
of its length, the ends left out; at ground distance ``x = d s`` its height is
``h_a + (h_b - h_a) s - x (d - x) / (2 k R)`` (straight over a ``k``-factor effective earth). A
sample blocks where this height is below the ground (the bilinear elevation less the frame's
``alt_m``); a NaN ground (outside the grid, or next to a missing sample) never blocks. For a
``local`` grid the arithmetic after the ends is the former NumPy form's, operation for operation
(no fused multiply-add without fastmath); a ``geographic`` grid's sample points go to longitude
and latitude by :func:`_grid_index`, the formulas of ``Terrain._indices`` (the C library's
transcendentals and the sums of a 3 x 3 product in a fixed order).

Two exact shortcuts use ``top``, the highest ground of the grid plus 1 mm (the rounding of a
bilinear value of at most 9 km is about 1e-12 m, so no ground reaches ``top``):

* a ray whose height is everywhere above ``top`` (its lowest height is at least
  ``min(h_a, h_b) - d**2 / (8 k R)``) is clear without a sample;
* a sample at or above ``top`` cannot block; the height is convex in ``x``, so once a sample
  past the lowest point of the ray is at or above ``top`` every later one is, and the walk stops.

A ray stops at its first blocking sample.

Kernels use ``error_model="numpy"`` (as the radar kernels do): a float division by zero gives
inf or NaN as in NumPy.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Margin of ``top`` above the highest ground, m (see the module docstring).
TOP_MARGIN_M = 1e-3


@numba.njit(cache=True, error_model="numpy")
def _sphere(p, i, r):
    """:func:`airdefense.geo.sphere_coords` of point ``p[i]``: east and north arcs, height, m."""
    x = p[i, 0]
    y = p[i, 1]
    zr = p[i, 2] + r
    horiz = math.hypot(x, y)
    scale = r * math.atan2(horiz, zr) / horiz if horiz > 0.0 else 1.0
    return x * scale, y * scale, math.sqrt(x * x + y * y + zr * zr) - r


@numba.njit(cache=True, error_model="numpy")
def _ray(a, b, i, r, half_cell, max_samples):
    """Ray ``i``'s ends (east, north, height; twice), ground length (m) and sample count."""
    ae, an, ah = _sphere(a, i, r)
    be, bn, bh = _sphere(b, i, r)
    d = math.hypot(be - ae, bn - an)
    q = math.ceil(d / half_cell)
    m = 1 if not q >= 1.0 else (max_samples if q >= max_samples else int(q))
    return ae, an, ah, be, bn, bh, d, m


@numba.njit(cache=True, error_model="numpy")
def _skip_ray(ha, hb, d, kr2, top):
    """Whether the ray's height stays above ``top`` along its whole length."""
    bulge = d * d / (4.0 * kr2)  # the most the earth's curve lowers a straight chord
    low = min(ha, hb) - bulge
    # 1e-9 of the magnitudes covers the rounding of the sample heights many times over.
    return low - 1e-9 * (abs(ha) + abs(hb) + bulge) > top


@numba.njit(cache=True, error_model="numpy")
def _vertex(ha, hb, d, kr2):
    """Ground distance of the ray's lowest point, m (past it the ray only rises)."""
    if d > 0.0:
        return 0.5 * d - 0.5 * (hb - ha) * kr2 / d
    return 0.0


@numba.njit(cache=True, error_model="numpy")
def _bilinear(grid, u, v):
    """Bilinear value of ``grid`` at fractional column ``u`` and row ``v``; NaN outside."""
    ny, nx = grid.shape
    if not (u >= 0.0 and u <= nx - 1 and v >= 0.0 and v <= ny - 1):
        return np.nan
    u0 = min(int(np.floor(u)), nx - 2)
    v0 = min(int(np.floor(v)), ny - 2)
    fu = u - u0
    fv = v - v0
    return (grid[v0, u0] * (1 - fu) + grid[v0, u0 + 1] * fu) * (1 - fv) + (
        grid[v0 + 1, u0] * (1 - fu) + grid[v0 + 1, u0 + 1] * fu) * fv


#: Entries of the georeference row ``geo``: grid origin and spacing (``Terrain.x0, y0, dx,
#: dy``), whether the grid is geographic, the frame's ENU-to-ECEF rotation (row-major, 9) and
#: its origin in ECEF (3).
GEO_X0, GEO_Y0, GEO_DX, GEO_DY, GEO_GEOGRAPHIC, GEO_ROT, GEO_ORIGIN, GEO_N = 0, 1, 2, 3, 4, 5, 14, 17
_A = 6378137.0  # WGS-84, as airdefense.geo
_F = 1.0 / 298.257223563
_E2 = _F * (2.0 - _F)
_B = _A * (1.0 - _F)
_EP2 = (_A * _A - _B * _B) / (_B * _B)
_DEG = 180.0 / math.pi


@numba.njit(cache=True, error_model="numpy")
def _grid_index(e, no, r, geo):
    """Fractional grid column and row of the ground point at tangent-plane offsets ``e, no``.

    ``local``: ``((e - x0) / dx, (no - y0) / dy)``. ``geographic``: the point on the frame's
    sphere (:meth:`airdefense.geo.Frame.surface_point` at height 0), to ECEF, to longitude and
    latitude by Bowring's formula (:func:`airdefense.geo.ecef_to_geodetic`), as
    ``Terrain._indices`` does in NumPy (equal to about 1e-15 of a degree).
    """
    if geo[GEO_GEOGRAPHIC] == 0.0:
        return (e - geo[GEO_X0]) / geo[GEO_DX], (no - geo[GEO_Y0]) / geo[GEO_DY]
    d = math.hypot(e, no)
    theta = d / r
    ue = e / d if d > 0.0 else 0.0
    un = no / d if d > 0.0 else 0.0
    horiz = r * math.sin(theta)
    p0 = horiz * ue
    p1 = horiz * un
    p2 = r * math.cos(theta) - r
    q = GEO_ROT
    x = p0 * geo[q] + p1 * geo[q + 3] + p2 * geo[q + 6] + geo[GEO_ORIGIN]
    y = p0 * geo[q + 1] + p1 * geo[q + 4] + p2 * geo[q + 7] + geo[GEO_ORIGIN + 1]
    z = p0 * geo[q + 2] + p1 * geo[q + 5] + p2 * geo[q + 8] + geo[GEO_ORIGIN + 2]
    rh = math.hypot(x, y)
    t = math.atan2(z * _A, rh * _B)
    st = math.sin(t)
    ct = math.cos(t)
    lat = math.atan2(z + _EP2 * _B * st * st * st, rh - _E2 * _A * ct * ct * ct)
    lon = math.atan2(y, x)
    return ((lon * _DEG - geo[GEO_X0]) / geo[GEO_DX], (lat * _DEG - geo[GEO_Y0]) / geo[GEO_DY])


@numba.njit(cache=True, error_model="numpy")
def line_of_sight(a, b, r, half_cell, max_samples, kr2, top, grid, geo, alt, out):
    """Line of sight of each ray; clears ``out[i]`` where ray ``i`` is blocked.

    Parameters
    ----------
    a, b : ndarray of shape (n, 3)
        Ray ends, ENU, m.
    r : float
        The frame's sphere radius, m.
    half_cell : float
        Half the grid spacing, m: ray ``i`` of ground length ``d`` takes ``ceil(d / half_cell)``
        samples, at least 1 and at most ``max_samples``.
    max_samples : int
        Cap on the samples of a ray.
    kr2 : float
        ``2 k R``, m.
    top : float
        Highest ground plus :data:`TOP_MARGIN_M`, m above the sphere.
    grid : ndarray of shape (ny, nx)
        Elevation, m (NaN: missing).
    geo : ndarray of shape (GEO_N,)
        The georeference row (``GEO_*``).
    alt : float
        The frame's ``alt_m``.
    out : ndarray of bool, shape (n,)
        Set to True by the caller; cleared where blocked.
    """
    for i in range(a.shape[0]):
        ae, an, ha, be, bn, hb, di, mi = _ray(a, b, i, r, half_cell, max_samples)
        if _skip_ray(ha, hb, di, kr2, top):
            continue
        xv = _vertex(ha, hb, di, kr2)
        for j in range(mi):
            s = (j + 0.5) / mi
            x = di * s
            h = ha + (hb - ha) * s - x * (di - x) / kr2
            if h >= top:
                if x >= xv:
                    break
                continue
            u, v = _grid_index(ae + (be - ae) * s, an + (bn - an) * s, r, geo)
            if h < _bilinear(grid, u, v) - alt:
                out[i] = False
                break
