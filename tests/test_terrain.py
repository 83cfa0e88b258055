"""Tests of airdefense.terrain: loading grids, bilinear elevation, line of sight."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.errors import InputFileError
from airdefense.geo import Frame, sphere_coords
from airdefense.terrain import Terrain, load_terrain

FRAME = Frame(47.0, 8.0, 400.0)


def _write(tmp_path, grid, meta, stem="dem", kind="npy"):
    if kind == "npy":
        np.save(tmp_path / f"{stem}.npy", np.asarray(grid))
    else:
        np.savetxt(tmp_path / f"{stem}.csv", np.asarray(grid), delimiter=",")
    (tmp_path / f"{stem}.json").write_text(json.dumps(meta))
    return tmp_path / f"{stem}.{kind}"


LOCAL = {"crs": "local", "east_m": 0.0, "north_m": 2000.0, "dx_m": 1000.0, "dy_m": 1000.0}


def test_bilinear_reproduces_plane(tmp_path):
    """A planar grid is interpolated exactly anywhere inside, north-up rows respected."""
    e = np.arange(4) * 1000.0
    n = 2000.0 - np.arange(3) * 1000.0
    grid = 500.0 + 0.01 * e[None, :] + 0.02 * n[:, None]
    t = load_terrain(_write(tmp_path, grid, LOCAL), FRAME)
    pe, pn = np.array([0.0, 1234.5, 3000.0, 2999.0]), np.array([0.0, 1500.0, 2000.0, 10.0])
    assert np.allclose(t.elevation_m(pe, pn), 500.0 + 0.01 * pe + 0.02 * pn)
    assert np.allclose(t.ground_height_m(pe, pn), 100.0 + 0.01 * pe + 0.02 * pn)


def test_bilinear_matches_formula_on_random_grid(tmp_path, rng):
    """Bilinear value at a cell interior point equals the textbook four-corner weighting."""
    grid = rng.uniform(0, 1000, (5, 6))
    meta = dict(LOCAL, rows="south_up", north_m=0.0)
    t = load_terrain(_write(tmp_path, grid, meta), FRAME)
    fu, fv = 0.3, 0.7
    ref = (grid[2, 3] * (1 - fu) * (1 - fv) + grid[2, 4] * fu * (1 - fv)
           + grid[3, 3] * (1 - fu) * fv + grid[3, 4] * fu * fv)
    assert float(t.elevation_m(3300.0, 2700.0)) == pytest.approx(ref)


def test_outside_grid_is_nan(tmp_path):
    """Points outside the grid have no elevation (NaN)."""
    t = load_terrain(_write(tmp_path, np.zeros((3, 4)), LOCAL), FRAME)
    assert np.isnan(t.elevation_m(np.array([-1.0, 3001.0]), np.array([0.0, 0.0]))).all()


def test_csv_and_sidecar_with_file_key(tmp_path):
    """A CSV grid loads through its sidecar, and a sidecar with file: loads the same grid."""
    grid = np.arange(12.0).reshape(3, 4) * 10
    p = _write(tmp_path, grid, LOCAL, kind="csv")
    a = load_terrain(p, FRAME)
    (tmp_path / "ref.yaml").write_text("file: dem.csv\ncrs: local\neast_m: 0\nnorth_m: 2000\n"
                                       "dx_m: 1000\ndy_m: 1000\n")
    b = load_terrain(tmp_path / "ref.yaml", FRAME)
    assert np.array_equal(a.grid, grid) and np.array_equal(b.grid, grid)


def test_nodata_becomes_nan(tmp_path):
    """Samples equal to nodata are missing."""
    grid = np.zeros((3, 3))
    grid[1, 1] = -9999
    t = load_terrain(_write(tmp_path, grid, dict(LOCAL, nodata=-9999)), FRAME)
    assert np.isnan(t.grid[1, 1]) and np.isnan(t.elevation_m(1000.0, 1000.0))


def test_geographic_sidecar(tmp_path):
    """A geographic grid is sampled at the longitude and latitude of the ENU point."""
    lon = 7.9 + np.arange(21) * 0.01
    lat = 47.1 - np.arange(21) * 0.01
    grid = 100.0 + 1000.0 * (lon[None, :] - 7.9) + 2000.0 * (lat[:, None] - 46.9)
    meta = {"crs": "geographic", "lon_deg": 7.9, "lat_deg": 47.1, "dlon_deg": 0.01,
            "dlat_deg": 0.01}
    t = load_terrain(_write(tmp_path, grid, meta), FRAME)
    pe, pn = np.array([1000.0, -3000.0]), np.array([2000.0, 5000.0])
    geo = FRAME.to_geodetic(FRAME.surface_point(pe, pn, np.zeros(2)))
    ref = 100.0 + 1000.0 * (geo[:, 1] - 7.9) + 2000.0 * (geo[:, 0] - 46.9)
    assert np.allclose(t.elevation_m(pe, pn), ref, atol=1e-6)


@pytest.mark.parametrize("damage, why", [
    (lambda b: b[:60] + b"\x00" * 40, r"not a readable TIFF: corrupted IFD structure"),
    (lambda b: b"II*\x00" + b"\xff" * 50, r"not a readable TIFF: it holds no image"),
])
def test_damaged_tiff_is_one_error_and_no_log(tmp_path, caplog, damage, why):
    """A damaged GeoTIFF is one error naming the file; tifffile logs nothing besides (it
    logged 'invalid offset to first page', a second line under the CLI's error)."""
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(tmp_path / "ok.tif", np.zeros((4, 4), np.float32))
    (tmp_path / "bad.tif").write_bytes(damage((tmp_path / "ok.tif").read_bytes()))
    with caplog.at_level("DEBUG"), pytest.raises(InputFileError, match=r"bad.tif: " + why):
        load_terrain(tmp_path / "bad.tif", FRAME)
    assert not [r for r in caplog.records if r.name.startswith("tifffile")]
    import logging

    assert logging.getLogger("tifffile").level == logging.NOTSET  # restored


def test_geotiff_round_trip(tmp_path):
    """A geographic GeoTIFF (pixel-is-area) loads with the right sample centres."""
    tifffile = pytest.importorskip("tifffile")
    grid = np.arange(20, dtype=np.float32).reshape(4, 5) * 10
    extratags = [
        (33550, "d", 3, (0.01, 0.01, 0.0), False),
        (33922, "d", 6, (0.0, 0.0, 0.0, 7.95, 47.02, 0.0), False),
        (34735, "H", 12, (1, 1, 0, 2, 1024, 0, 1, 2, 1025, 0, 1, 1), False),
    ]
    tifffile.imwrite(tmp_path / "dem.tif", grid, extratags=extratags)
    t = load_terrain(tmp_path / "dem.tif", FRAME)
    assert t.crs == "geographic" and t.x0 == pytest.approx(7.955) and t.y0 == pytest.approx(47.015)
    assert np.array_equal(t.grid, grid)


@pytest.mark.parametrize(("meta", "match"), [
    (dict(LOCAL, dx_m=-5), r"dx_m: must be > 0 m, got -5"),
    (dict(LOCAL, dy_m="big"), r"dy_m: must be a finite number \(m\), got 'big'"),
    ({k: v for k, v in LOCAL.items() if k != "east_m"}, r"east_m: missing"),
    (dict(LOCAL, crs="utm"), r"crs: must be 'local' or 'geographic', got 'utm'"),
    (dict(LOCAL, rows="up"), r"rows: must be 'north_up' or 'south_up', got 'up'"),
    (dict(LOCAL, scale=2), r"scale: unknown georeference key"),
])
def test_bad_georeference(tmp_path, meta, match):
    """A bad sidecar is refused naming the field, the value, the rule and the unit."""
    with pytest.raises(InputFileError, match=match):
        load_terrain(_write(tmp_path, np.zeros((3, 3)), meta), FRAME)


@pytest.mark.parametrize(("grid", "match"), [
    (np.zeros(5), r"must be 2-D \(rows x columns\), got 1-D"),
    (np.zeros((1, 5)), r"at least 2 x 2 samples, got 1 x 5"),
    (np.full((3, 3), 12000.0), r"row 0, column 0 must be in \[-500, 9000\] m, got 12000 m"),
    (np.full((3, 3), np.nan), r"holds no valid sample"),
])
def test_bad_grid_values(tmp_path, grid, match):
    """Grids of the wrong shape or implausible elevation are refused with the rule."""
    with pytest.raises(InputFileError, match=match):
        load_terrain(_write(tmp_path, grid, LOCAL), FRAME)


def test_corrupt_files(tmp_path):
    """Corrupt arrays, sidecars and TIFFs raise InputFileError naming the file."""
    (tmp_path / "a.npy").write_bytes(b"not numpy")
    (tmp_path / "a.json").write_text(json.dumps(LOCAL))
    with pytest.raises(InputFileError, match=r"a.npy: not a readable .npy array"):
        load_terrain(tmp_path / "a.npy", FRAME)
    (tmp_path / "b.csv").write_text("1,2,3\n4,x,6\n")
    (tmp_path / "b.yaml").write_text("crs: local\neast_m: 0\nnorth_m: 0\ndx_m: 1\ndy_m: 1\n")
    with pytest.raises(InputFileError, match=r"b.csv: not a numeric CSV grid"):
        load_terrain(tmp_path / "b.csv", FRAME)
    np.save(tmp_path / "c.npy", np.zeros((3, 3)))
    (tmp_path / "c.yaml").write_text("crs: [local\n")
    with pytest.raises(InputFileError, match=r"c.yaml: malformed terrain georeference"):
        load_terrain(tmp_path / "c.npy", FRAME)
    np.save(tmp_path / "d.npy", np.zeros((3, 3)))
    with pytest.raises(InputFileError, match=r"d.npy: no georeference sidecar found"):
        load_terrain(tmp_path / "d.npy", FRAME)
    with pytest.raises(InputFileError, match=r"missing.npy: terrain grid file not found"):
        load_terrain(tmp_path / "missing.npy", FRAME)
    (tmp_path / "e.tif").write_bytes(b"II*\x00garbage")
    pytest.importorskip("tifffile")
    with pytest.raises(InputFileError, match=r"e.tif: not a readable TIFF"):
        load_terrain(tmp_path / "e.tif", FRAME)
    with pytest.raises(InputFileError, match=r"unsupported terrain grid type '.txt'"):
        (tmp_path / "f.txt").write_text("1")
        (tmp_path / "f.json").write_text(json.dumps(LOCAL))
        load_terrain(tmp_path / "f.txt", FRAME)


def _ridge(height_m: float, east_m: float = 10_000.0) -> Terrain:
    """Flat ground at the origin's level with a one-cell-wide north-south wall at ``east_m``."""
    e = np.arange(0.0, 30_001.0, 100.0)
    grid = np.full((3, e.size), FRAME.alt_m)
    grid[:, np.abs(e - east_m) < 150] = FRAME.alt_m + height_m
    return Terrain(grid, "local", 0.0, 50_000.0, 100.0, -50_000.0, FRAME)


@settings(max_examples=60, deadline=None)
@given(h_a=st.floats(1, 200), h_b=st.floats(1, 3000), x_b=st.floats(12_000, 29_000),
       wall=st.floats(50, 1500))
def test_los_against_analytic_wall(h_a, h_b, x_b, wall):
    """The ray is blocked exactly when its 4/3-earth height at the wall is below the wall top."""
    t = _ridge(wall)
    a = FRAME.surface_point(0.0, 0.0, h_a)
    b = FRAME.surface_point(x_b, 0.0, h_b)
    kr = 4.0 / 3.0 * FRAME.radius_m
    # The wall's top is flat over east 9900..10100 m (bilinear ramps outside that).
    xs = np.array([9_900.0, 10_100.0])
    h_ray = h_a + (h_b - h_a) * xs / x_b - xs * (x_b - xs) / (2 * kr)
    clear = bool(t.line_of_sight(a, b)[0])
    if h_ray.min() < wall - 1.0:
        assert not clear
    if h_ray.min() > wall + 1.0 and (h_a > 0) and h_ray.max() > 0:
        # Above the top over the flat part, and the ramps are lower than the top.
        xr = np.linspace(1.0, x_b - 1.0, 4001)
        hr = h_a + (h_b - h_a) * xr / x_b - xr * (x_b - xr) / (2 * kr)
        if (hr > 0).all():
            assert clear


def test_los_clear_over_flat_ground_and_outside_grid():
    """Over flat ground the ray clears; points beyond the grid are never blocked there."""
    t = _ridge(0.0)
    a = FRAME.surface_point(np.zeros(3), np.zeros(3), np.full(3, 10.0))
    b = FRAME.surface_point(np.array([5000.0, 20_000.0, 60_000.0]), np.zeros(3),
                            np.array([50.0, 50.0, 500.0]))
    assert t.line_of_sight(a, b).all()


def _reference_los(t: Terrain, a, b, k=4.0 / 3.0, max_samples=2048):
    """The former NumPy line of sight, one ray per call (the reference for the kernels): every
    ray of a call was sampled as densely as its longest one needed."""
    a = np.atleast_2d(np.asarray(a, float))
    b = np.atleast_2d(np.asarray(b, float))
    r = t.frame.radius_m
    sa, sb = sphere_coords(a, r), sphere_coords(b, r)
    d = np.hypot(sb[:, 0] - sa[:, 0], sb[:, 1] - sa[:, 1])
    m = int(np.clip(np.ceil(d.max() / (0.5 * t.cell_m)), 1, max_samples))
    s = (np.arange(m) + 0.5) / m
    e = sa[:, 0, None] + (sb[:, 0, None] - sa[:, 0, None]) * s
    no = sa[:, 1, None] + (sb[:, 1, None] - sa[:, 1, None]) * s
    x = d[:, None] * s
    h_ray = sa[:, 2, None] + (sb[:, 2, None] - sa[:, 2, None]) * s - x * (d[:, None] - x) / (
        2.0 * k * r)
    return ~np.any(h_ray < t.ground_height_m(e, no), axis=1)


def _hilly(rng, crs: str) -> Terrain:
    """A random hilly grid (400 m cells or the like in degrees) with a few missing samples."""
    ny, nx = 60, 70
    v, u = np.mgrid[0:ny, 0:nx]
    z = np.full((ny, nx), FRAME.alt_m) + rng.uniform(0.0, 30.0, (ny, nx))
    for _ in range(12):
        cu, cv, w = rng.uniform(0, nx), rng.uniform(0, ny), rng.uniform(2.0, 6.0)
        z += rng.uniform(50.0, 500.0) * np.exp(-((u - cu) ** 2 + (v - cv) ** 2) / (2 * w * w))
    z[rng.integers(0, ny, 6), rng.integers(0, nx, 6)] = np.nan
    if crs == "local":
        return Terrain(z, "local", -14_000.0, 12_000.0, 400.0, -400.0, FRAME)
    return Terrain(z, "geographic", FRAME.lon_deg - 0.18, FRAME.lat_deg + 0.108, 0.0052,
                   -0.0036, FRAME)


def _random_rays(rng, n):
    """Antennas near the ground and targets low and high, some beyond the grid, some long."""
    a = FRAME.surface_point(rng.uniform(-16e3, 16e3, n), rng.uniform(-14e3, 14e3, n),
                            rng.uniform(0.0, 600.0, n))
    far = rng.random(n) < 0.2
    span = np.where(far, 60e3, 16e3)
    b = FRAME.surface_point(rng.uniform(-1, 1, n) * span, rng.uniform(-1, 1, n) * span,
                            np.where(rng.random(n) < 0.5, rng.uniform(0.0, 400.0, n),
                                     rng.uniform(0.0, 5000.0, n)))
    return a, b


@pytest.mark.parametrize("crs", ["local", "geographic"])
def test_los_equals_reference_ray_by_ray(crs, rng):
    """Each ray's answer is the former algorithm's on that ray alone, over both kinds of grid."""
    t = _hilly(rng, crs)
    a, b = _random_rays(rng, 3000)
    got = t.line_of_sight(a, b)
    ref = np.array([_reference_los(t, a[i], b[i])[0] for i in range(len(a))])
    assert 0.1 < got.mean() < 0.9  # both answers are common
    np.testing.assert_array_equal(got, ref)
    # Other factors, a lower sample cap and small chunks (geographic) give the same as well.
    got = t.line_of_sight(a[:500], b[:500], k=1.0, max_samples=64, chunk_points=1000)
    ref = np.array([_reference_los(t, a[i], b[i], 1.0, 64)[0] for i in range(500)])
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("crs", ["local", "geographic"])
def test_los_of_a_ray_ignores_the_other_rays(crs, rng):
    """A ray's answer is the same alone, in any order and next to a much longer ray."""
    t = _hilly(rng, crs)
    a, b = _random_rays(rng, 400)
    alone = np.array([t.line_of_sight(a[i], b[i])[0] for i in range(len(a))])
    np.testing.assert_array_equal(t.line_of_sight(a, b), alone)
    p = rng.permutation(len(a))
    np.testing.assert_array_equal(t.line_of_sight(a[p], b[p]), alone[p])
    long_a = np.vstack([a, FRAME.surface_point(-16e3, -14e3, 10.0)])
    long_b = np.vstack([b, FRAME.surface_point(200e3, 200e3, 10.0)])
    np.testing.assert_array_equal(t.line_of_sight(long_a, long_b)[:-1], alone)
    # The former algorithm sampled every ray as densely as the call's longest one, so some
    # answers changed with the company (this is what the per-ray sampling removes).
    assert (_reference_los(t, long_a, long_b)[:-1] != alone).any()


def test_los_shortcuts_keep_the_answer(rng):
    """Rays above the highest ground are clear; a NaN grid never blocks; broadcasting works."""
    t = _hilly(rng, "local")
    top = np.nanmax(t.grid) - FRAME.alt_m
    a = FRAME.surface_point(np.zeros(5), np.zeros(5), np.full(5, top + 0.01))
    b = FRAME.surface_point(np.linspace(-9e3, 9e3, 5), np.full(5, 3e3), np.full(5, top + 5.0))
    assert t.line_of_sight(a, b).all()
    # Below the top across the highest cell: blocked, as by the reference.
    iv, iu = np.unravel_index(np.nanargmax(t.grid), t.grid.shape)
    e, n = t.x0 + iu * t.dx, t.y0 + iv * t.dy
    a1 = FRAME.surface_point(e - 3000.0, n, top - 100.0)
    b1 = FRAME.surface_point(e + 3000.0, n, top - 100.0)
    assert not t.line_of_sight(a1, b1)[0] and not _reference_los(t, a1, b1)[0]
    assert t.line_of_sight(a1, np.vstack([b1, b1])).tolist() == [False, False]
    # A new grid, 2 km higher (integers): the rays that cleared the old top are blocked now.
    t.grid = np.round(np.nan_to_num(t.grid, nan=0.0) + 2000.0).astype(int)
    assert not t.line_of_sight(a, b).any()
    nan = Terrain(np.full((4, 4), np.nan), "local", -1e3, 1e3, 500.0, -500.0, FRAME)
    assert nan.line_of_sight(a1, b1).all()
    assert t.line_of_sight(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0,)


def test_meaningless_grids_are_refused(tmp_path):
    """Geographic origins off the globe, complex elevations and junk .npy files: one clear
    error each (no ComplexWarning, no advice to load pickles)."""
    geo = {"crs": "geographic", "lon_deg": 500.0, "lat_deg": 47.0, "dlon_deg": 0.01,
           "dlat_deg": 0.01}
    with pytest.raises(InputFileError, match=r"lon_deg: must be in \[-180, 180\] deg, got 500"):
        load_terrain(_write(tmp_path, np.zeros((3, 3)), geo, "g1"), FRAME)
    geo.update(lon_deg=8.0, lat_deg=100.0)
    with pytest.raises(InputFileError, match=r"lat_deg: must be in \[-90, 90\] deg, got 100"):
        load_terrain(_write(tmp_path, np.zeros((3, 3)), geo, "g2"), FRAME)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning
        with pytest.raises(InputFileError, match=r"must hold real numbers \(m\), got complex"):
            load_terrain(_write(tmp_path, np.full((3, 3), 100 + 1j), LOCAL, "c"), FRAME)
    junk = _write(tmp_path, np.zeros((2, 2)), LOCAL, "j")
    junk.write_text("junk")
    with pytest.raises(InputFileError, match=r"j\.npy: not a readable \.npy array") as info:
        load_terrain(junk, FRAME)
    assert "allow_pickle" not in str(info.value)


def test_a_grid_off_the_scenario_area_is_refused(tmp_path, small_scenario_dict):
    """A grid 5000 km away covers none of the scenario: refused on terrain.file (it would
    silently have no effect); the same grid at the origin loads."""
    from airdefense.errors import ScenarioError
    from airdefense.scenario import load_scenario

    far = dict(LOCAL, east_m=5.0e6, north_m=5.0e6)
    f = _write(tmp_path, np.full((3, 3), 100.0), far, "far")
    small_scenario_dict["terrain"] = {"file": str(f)}
    with pytest.raises(ScenarioError, match=r"terrain\.file: the grid .*far\.npy covers east "
                       r"5000\.0 to 5002\.0 km and north 4998\.0 to 5000\.0 km .* no overlap"):
        load_scenario(small_scenario_dict)
    near = _write(tmp_path, np.full((3, 3), 100.0), dict(LOCAL, east_m=-1000.0), "near")
    small_scenario_dict["terrain"] = {"file": str(near)}
    assert load_scenario(small_scenario_dict).terrain is not None


def test_a_missing_grid_names_the_scenario_field(small_scenario_dict):
    from airdefense.errors import ScenarioError
    from airdefense.scenario import load_scenario

    small_scenario_dict["terrain"] = {"file": "nothere.npy"}
    with pytest.raises(ScenarioError, match=r"terrain\.file: terrain grid file not found: "
                       r"'nothere\.npy'"):
        load_scenario(small_scenario_dict)
