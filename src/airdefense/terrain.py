"""Terrain elevation grids: loading, bilinear elevation and line-of-sight masking.

A grid is read from

* a GeoTIFF (``.tif``/``.tiff``, needs the optional ``tifffile`` package: ``pip install
  airdefense[terrain]``) in geographic coordinates (EPSG:4326-like longitude/latitude), or
* a plain ``.npy`` or ``.csv`` array with a georeference sidecar of the same stem
  (``.yaml``, ``.yml`` or ``.json``), or the sidecar itself with a ``file:`` key naming the array.

Sidecar keys (``local`` grids: tangent-plane offsets from the scenario origin, m)::

    crs: local            # or geographic
    east_m: -20000        # east offset of the centre of column 0, m
    north_m: 20000        # north offset of the centre of row 0, m
    dx_m: 100             # column spacing, m (> 0)
    dy_m: 100             # row spacing, m (> 0)
    rows: north_up        # row 0 is the northern edge (default); or south_up
    nodata: -9999         # optional: value that marks a missing sample

``geographic`` grids use ``lon_deg``, ``lat_deg`` (centre of the first sample), ``dlon_deg`` and
``dlat_deg`` instead. Elevations are in metres above mean sea level (the same datum as the
scenario origin's ``alt_m``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from airdefense import _terrain_kernels as TK
from airdefense.errors import InputFileError
from airdefense.geo import Frame, sphere_coords

__all__ = ["Terrain", "load_terrain", "EFFECTIVE_EARTH_FACTOR", "MIN_ELEVATION_M",
           "MAX_ELEVATION_M"]

EFFECTIVE_EARTH_FACTOR = 4.0 / 3.0
MIN_ELEVATION_M = -500.0
MAX_ELEVATION_M = 9000.0
_SIDECARS = (".yaml", ".yml", ".json")


@dataclass
class Terrain:
    """An elevation grid placed on a scenario frame.

    Attributes
    ----------
    grid : ndarray of shape (ny, nx)
        Elevation above mean sea level, m; NaN where missing.
    crs : {"local", "geographic"}
        ``local``: the axes are tangent-plane offsets (surface arcs) from the origin, m.
        ``geographic``: the axes are longitude and latitude, degrees.
    x0, y0 : float
        Column-0 east offset (m) or longitude (deg); row-0 north offset (m) or latitude (deg).
    dx, dy : float
        Signed spacing along columns and rows (``dy < 0`` for north-up grids), m or deg.
    frame : Frame
        The scenario frame.
    source : str
        File name, for messages.
    """

    grid: np.ndarray
    crs: str
    x0: float
    y0: float
    dx: float
    dy: float
    frame: Frame
    source: str = "<array>"
    _kernel_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        """Grid shape ``(ny, nx)``."""
        return self.grid.shape  # type: ignore[return-value]

    def extent_m(self) -> tuple[float, float, float, float]:
        """The grid's extent as tangent-plane offsets from the origin (surface arcs), m:
        ``(east_min, east_max, north_min, north_max)`` (for a geographic grid, of its corners
        and edge midpoints)."""
        ny, nx = self.grid.shape
        if self.crs == "local":
            xs = (self.x0, self.x0 + (nx - 1) * self.dx)
            ys = (self.y0, self.y0 + (ny - 1) * self.dy)
            return min(xs), max(xs), min(ys), max(ys)
        f = self.frame
        lon = self.x0 + np.array([0.0, 0.5, 1.0]) * (nx - 1) * self.dx
        lat = self.y0 + np.array([0.0, 0.5, 1.0]) * (ny - 1) * self.dy
        lon, lat = (a.ravel() for a in np.meshgrid(lon, lat))
        arc = sphere_coords(f.to_enu(lat, lon, np.full(lat.shape, f.alt_m)), f.radius_m)
        return (float(arc[:, 0].min()), float(arc[:, 0].max()), float(arc[:, 1].min()),
                float(arc[:, 1].max()))

    @property
    def cell_m(self) -> float:
        """Approximate grid spacing, m (the smaller of the two axes)."""
        if self.crs == "local":
            return float(min(abs(self.dx), abs(self.dy)))
        m_per_deg = np.pi * self.frame.radius_m / 180.0
        return float(min(abs(self.dy), abs(self.dx) * np.cos(np.radians(self.frame.lat_deg)))
                     * m_per_deg)

    def _indices(self, east_m, north_m) -> tuple[np.ndarray, np.ndarray]:
        e = np.asarray(east_m, float)
        n = np.asarray(north_m, float)
        if self.crs == "local":
            return (e - self.x0) / self.dx, (n - self.y0) / self.dy
        geo = self.frame.to_geodetic(self.frame.surface_point(e, n, np.zeros_like(e)))
        return (geo[..., 1] - self.x0) / self.dx, (geo[..., 0] - self.y0) / self.dy

    def elevation_m(self, east_m, north_m) -> np.ndarray:
        """Bilinear terrain elevation above mean sea level, m.

        Parameters
        ----------
        east_m, north_m : array_like, same shape
            Tangent-plane offsets (surface arcs) from the scenario origin, m.

        Returns
        -------
        ndarray
            Elevation, m; NaN outside the grid or next to a missing sample.
        """
        u, v = self._indices(east_m, north_m)
        ny, nx = self.grid.shape
        inside = (u >= 0) & (u <= nx - 1) & (v >= 0) & (v <= ny - 1)
        u0 = np.clip(np.floor(np.nan_to_num(u)), 0, nx - 2).astype(np.intp)
        v0 = np.clip(np.floor(np.nan_to_num(v)), 0, ny - 2).astype(np.intp)
        fu = u - u0
        fv = v - v0
        g = self.grid.ravel()
        i00 = v0 * nx + u0
        z = (g[i00] * (1 - fu) + g[i00 + 1] * fu) * (1 - fv) + (
            g[i00 + nx] * (1 - fu) + g[i00 + nx + 1] * fu) * fv
        return np.where(inside, z, np.nan)

    def ground_height_m(self, east_m, north_m) -> np.ndarray:
        """Terrain height above the frame's local sphere (the origin's level), m; NaN outside."""
        return self.elevation_m(east_m, north_m) - self.frame.alt_m

    def ground_height_at(self, enu: np.ndarray) -> np.ndarray:
        """Terrain height above the frame's sphere below ENU points, shape (n,), m; NaN outside."""
        sc = sphere_coords(np.asarray(enu, float), self.frame.radius_m)
        return self.ground_height_m(sc[..., 0], sc[..., 1])

    def _kernel_grid(self) -> tuple[np.ndarray, np.ndarray, float]:
        """The kernels' grid (contiguous floats), georeference row (``_terrain_kernels.GEO_*``)
        and highest ground above the frame's sphere plus their rounding margin, m; cached while
        ``grid``, the georeference and the frame stay the same."""
        f = self.frame
        key = (self.crs, self.x0, self.y0, self.dx, self.dy, f.alt_m, f.radius_m)
        cache = self._kernel_cache
        if cache is None or cache[0] is not self.grid or cache[1] is not f or cache[2] != key:
            g = np.ascontiguousarray(self.grid, float)
            finite = g[np.isfinite(g)]
            top = float(finite.max()) - f.alt_m if finite.size else -np.inf
            geo = np.concatenate([[self.x0, self.y0, self.dx, self.dy,
                                   float(self.crs == "geographic")],
                                  np.ravel(f.rotation), np.ravel(f.origin_ecef)]).astype(float)
            cache = self._kernel_cache = (self.grid, f, key, g, geo, top + TK.TOP_MARGIN_M)
        return cache[3], cache[4], cache[5]

    def line_of_sight(self, a_enu: np.ndarray, b_enu: np.ndarray, *,
                      k: float = EFFECTIVE_EARTH_FACTOR, max_samples: int = 2048,
                      chunk_points: int = 2_000_000) -> np.ndarray:
        """Whether the refracted ray between two points clears the terrain.

        The ray is straight over a ``k``-factor effective earth: at ground distance ``x`` of
        ``d`` its height above the sphere is ``h_a + (h_b - h_a) x / d - x (d - x) / (2 k R)``.
        Each ray is sampled by its own length, at least twice per grid cell
        (``ceil(d / (cell_m / 2))`` points, at least 1 and at most ``max_samples``, evenly
        spaced, endpoints excluded), and blocked where a sample passes below the terrain; the
        answer for a ray does not depend on the other rays of the call. Outside the grid, and
        next to a missing (NaN) sample, nothing blocks.

        Compiled (:mod:`airdefense._terrain_kernels`, the ``geographic`` grids' conversion of
        sample points to longitude and latitude included): a ray stops at its first blocking
        sample, and rays and samples above the grid's highest ground are skipped without
        changing an answer. The grid's highest value is cached: assign a new ``grid`` rather
        than editing it in place.

        Parameters
        ----------
        a_enu, b_enu : ndarray of shape (n, 3) or (3,)
            End points (e.g. antenna and target), ENU, m; broadcast against each other.
        k : float, default 4/3
            Effective-earth factor of standard refraction.
        max_samples : int, default 2048
            Cap on the samples per ray.
        chunk_points : int, default 2,000,000
            Unused (kept for compatibility: the compiled walk needs no buffer).

        Returns
        -------
        ndarray of shape (n,), bool
            True where the line of sight is clear.
        """
        a = np.atleast_2d(np.asarray(a_enu, float))
        b = np.atleast_2d(np.asarray(b_enu, float))
        a, b = np.broadcast_arrays(a, b)
        n = a.shape[0]
        out = np.ones(n, bool)
        if n == 0:
            return out
        r = self.frame.radius_m
        a = np.ascontiguousarray(a)
        b = np.ascontiguousarray(b)
        grid, geo, top = self._kernel_grid()
        TK.line_of_sight(a, b, r, 0.5 * self.cell_m, int(max_samples), 2.0 * k * r, top, grid,
                         geo, self.frame.alt_m, out)
        return out


def _fail(source: str, message: str) -> InputFileError:
    return InputFileError(source, message)


def _read_sidecar(path: Path) -> dict:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(str(path), f"cannot read the terrain georeference: {exc}") from None
    try:
        if path.suffix == ".json":
            meta = json.loads(text)
        else:
            import yaml

            meta = yaml.safe_load(text)
    except Exception as exc:  # yaml and json raise several types for malformed text
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _fail(str(path), f"malformed terrain georeference: {msg}") from None
    if not isinstance(meta, dict):
        raise _fail(str(path), "a terrain georeference must be a mapping of keys to values, "
                               f"got {type(meta).__name__}")
    return meta


def _number(meta: dict, key: str, unit: str, source: str, positive: bool = False) -> float:
    if key not in meta:
        raise _fail(source, f"{key}: missing; the georeference needs it ({unit})")
    v = meta[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        raise _fail(source, f"{key}: must be a finite number ({unit}), got {v!r}")
    if positive and v <= 0:
        raise _fail(source, f"{key}: must be > 0 {unit}, got {v}")
    return float(v)


_KEYS = {
    "local": ("east_m", "north_m", "dx_m", "dy_m", "m"),
    "geographic": ("lon_deg", "lat_deg", "dlon_deg", "dlat_deg", "deg"),
}


def _georef(meta: dict, source: str) -> tuple[str, float, float, float, float, float | None]:
    crs = meta.get("crs", "local")
    if crs not in _KEYS:
        raise _fail(source, f"crs: must be 'local' or 'geographic', got {crs!r}")
    kx0, ky0, kdx, kdy, unit = _KEYS[crs]
    allowed = {"crs", "rows", "nodata", "file", kx0, ky0, kdx, kdy}
    extra = sorted(set(meta) - allowed)
    if extra:
        raise _fail(source, f"{extra[0]}: unknown georeference key for crs {crs!r}; "
                            f"allowed: {', '.join(sorted(allowed))}")
    x0 = _number(meta, kx0, unit, source)
    y0 = _number(meta, ky0, unit, source)
    dx = _number(meta, kdx, unit, source, positive=True)
    dy = _number(meta, kdy, unit, source, positive=True)
    if crs == "geographic":
        for key, v, lim in ((kx0, x0, 180.0), (ky0, y0, 90.0)):
            if abs(v) > lim:
                raise _fail(source, f"{key}: must be in [-{lim:g}, {lim:g}] deg, got {v:g}")
    rows = meta.get("rows", "north_up")
    if rows not in ("north_up", "south_up"):
        raise _fail(source, f"rows: must be 'north_up' or 'south_up', got {rows!r}")
    nodata = meta.get("nodata")
    if nodata is not None and (isinstance(nodata, bool) or not isinstance(nodata, int | float)):
        raise _fail(source, f"nodata: must be a number (m), got {nodata!r}")
    return crs, x0, y0, dx, (-dy if rows == "north_up" else dy), nodata


def _check_grid(grid: np.ndarray, source: str, nodata: float | None) -> np.ndarray:
    if grid.ndim != 2:
        raise _fail(source, f"the elevation grid must be 2-D (rows x columns), got {grid.ndim}-D "
                            f"with shape {grid.shape}")
    if grid.shape[0] < 2 or grid.shape[1] < 2:
        raise _fail(source, f"the elevation grid must be at least 2 x 2 samples, got "
                            f"{grid.shape[0]} x {grid.shape[1]}")
    if not np.issubdtype(grid.dtype, np.number):
        raise _fail(source, f"the elevation grid must hold numbers, got dtype {grid.dtype}")
    if np.iscomplexobj(grid):
        raise _fail(source, f"the elevation grid must hold real numbers (m), got complex dtype "
                            f"{grid.dtype}")
    g = grid.astype(float)
    if nodata is not None:
        g[g == nodata] = np.nan
    finite = g[np.isfinite(g)]
    if finite.size == 0:
        raise _fail(source, "the elevation grid holds no valid sample (all missing or NaN)")
    if np.isinf(g).any():
        raise _fail(source, "elevation must be finite (m), got inf")
    bad = (finite < MIN_ELEVATION_M) | (finite > MAX_ELEVATION_M)
    if bad.any():
        idx = np.argwhere(np.isfinite(g) & ((g < MIN_ELEVATION_M) | (g > MAX_ELEVATION_M)))[0]
        raise _fail(source, f"elevation at row {idx[0]}, column {idx[1]} must be in "
                            f"[{MIN_ELEVATION_M:g}, {MAX_ELEVATION_M:g}] m, got "
                            f"{g[tuple(idx)]:g} m (use 'nodata' for missing samples)")
    return np.ascontiguousarray(g)


def _read_array(path: Path) -> np.ndarray:
    src = str(path)
    if not path.is_file():
        raise _fail(src, "terrain grid file not found")
    if path.suffix == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            # NumPy's advice to load pickled data is no advice for a terrain grid: a grid holds
            # numbers, and pickles can run code.
            why = ("no NumPy array header, or Python objects, which are never read"
                   if "pickle" in str(exc) else str(exc))
            raise _fail(src, f"not a readable .npy array ({why}): save the grid with "
                             f"numpy.save as a 2-D array of numbers") from None
    if path.suffix == ".csv":
        try:
            return np.loadtxt(path, delimiter=",", ndmin=2, comments="#")
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise _fail(src, f"not a numeric CSV grid (comma-separated metres): "
                             f"{str(exc).splitlines()[0]}") from None
    raise _fail(src, f"unsupported terrain grid type {path.suffix!r}; use .tif, .tiff, .npy "
                     "or .csv")


def _load_geotiff(path: Path, frame: Frame) -> Terrain:
    src = str(path)
    if not path.is_file():
        raise _fail(src, "terrain grid file not found")
    try:
        import tifffile
    except ImportError:
        raise _fail(src, "reading GeoTIFF terrain needs the tifffile package "
                         "(pip install 'airdefense[terrain]'), or give a .npy/.csv grid with a "
                         "georeference sidecar") from None
    # tifffile logs what it finds wrong in a damaged file besides raising: the error below says
    # it in one line, so its logger is quiet during the read.
    log = logging.getLogger("tifffile")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0] if len(tif.pages) else None
            if page is not None:
                grid = page.asarray()
                tags = {t.code: t.value for t in page.tags.values()}
    except Exception as exc:  # tifffile raises many types for damaged files
        raise _fail(src, f"not a readable TIFF: {exc}") from None
    finally:
        log.setLevel(level)
    if page is None:
        raise _fail(src, "not a readable TIFF: it holds no image")
    if 33550 not in tags or 33922 not in tags:
        raise _fail(src, "the TIFF has no GeoTIFF georeference (ModelPixelScaleTag and "
                         "ModelTiepointTag are required)")
    keys = np.asarray(tags.get(34735, ()), int)
    geokeys = {int(keys[i]): int(keys[i + 3]) for i in range(4, len(keys) - 3, 4)}
    model = geokeys.get(1024, 2)
    if model != 2:
        raise _fail(src, f"GTModelTypeGeoKey: only geographic (2) GeoTIFFs are supported, got "
                         f"{model}; reproject to EPSG:4326 or give a local .npy grid")
    sx, sy = float(tags[33550][0]), float(tags[33550][1])
    ti, tj, _, tx, ty, _ = (float(v) for v in tags[33922][:6])
    if sx <= 0 or sy <= 0:
        raise _fail(src, f"ModelPixelScaleTag: pixel sizes must be > 0 deg, got {sx}, {sy}")
    # PixelIsArea (the default) ties the pixel corner; we index pixel centres.
    half = 0.5 if geokeys.get(1025, 1) == 1 else 0.0
    lon0 = tx + (half - ti) * sx
    lat0 = ty - (half - tj) * sy
    nodata = None
    if 42113 in tags:
        try:
            nodata = float(str(tags[42113]).strip("\x00 "))
        except ValueError:
            raise _fail(src, f"GDAL_NODATA: must be a number, got {tags[42113]!r}") from None
    grid = np.squeeze(np.asarray(grid))
    g = _check_grid(grid, src, nodata)
    return Terrain(g, "geographic", lon0, lat0, sx, -sy, frame, src)


def load_terrain(path: str | Path, frame: Frame) -> Terrain:
    """Load a terrain elevation grid and place it on the scenario frame.

    Parameters
    ----------
    path : str or Path
        A GeoTIFF, a ``.npy``/``.csv`` grid with a sidecar of the same stem, or the sidecar
        (``.yaml``/``.yml``/``.json``) with a ``file:`` key.
    frame : Frame
        The scenario frame.

    Returns
    -------
    Terrain

    Raises
    ------
    InputFileError
        For a missing or corrupt file, a bad georeference or an implausible elevation; the
        message names the file, the field, the value, the rule and the unit.

    Examples
    --------
    The README's ridge (``hills.yaml`` and ``hills.csv``, *Terrain and wind*: 150 m, and
    250 m on its crest 20 km east):

    >>> from airdefense import load_scenario
    >>> frame = load_scenario("examples/01_drone_wave.yaml").frame  # doctest: +SKIP
    >>> t = load_terrain("hills.yaml", frame)  # doctest: +SKIP
    >>> t.elevation_m([0.0, 20000.0], [1000.0, 0.0])  # doctest: +SKIP
    array([150., 250.])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        return _load_geotiff(path, frame)
    if suffix in _SIDECARS:
        if not path.is_file():
            raise _fail(str(path), "terrain georeference file not found")
        meta = _read_sidecar(path)
        if "file" not in meta or not isinstance(meta["file"], str):
            raise _fail(str(path), f"file: must name the grid (.npy or .csv), got "
                                   f"{meta.get('file')!r}")
        grid_path = Path(meta["file"])
        grid_path = grid_path if grid_path.is_absolute() else path.parent / grid_path
        meta_src = str(path)
    else:
        grid_path = path
        side = [path.with_suffix(s) for s in _SIDECARS if path.with_suffix(s).is_file()]
        if not side:
            if not path.is_file():
                raise _fail(str(path), "terrain grid file not found")
            raise _fail(str(path), "no georeference sidecar found; expected one of "
                        + ", ".join(path.with_suffix(s).name for s in _SIDECARS))
        meta = _read_sidecar(side[0])
        meta_src = str(side[0])
    crs, x0, y0, dx, dy, nodata = _georef(meta, meta_src)
    grid = _check_grid(np.asarray(_read_array(grid_path)), str(grid_path), nodata)
    return Terrain(grid, crs, x0, y0, dx, dy, frame, str(grid_path))
