"""Tests of airdefense.sensors.coverage: horizon, limits, sector."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.catalog import load_catalog
from airdefense.geo import Frame
from airdefense.sensors.coverage import (
    Coverage,
    horizon_ground_range_m,
    horizon_range_m,
    wrap_angle,
)
from airdefense.terrain import Terrain

FRAME = Frame(45.0, 10.0, 0.0)
CAT = load_catalog([])


def below_effective_horizon(frame, ant, pos, k=4.0 / 3.0):
    """Independent check: does the chord between the points dip into a k-earth sphere?

    The points are placed in a plane on a sphere of radius kR at their heights, separated by the
    ground angle (ground distance / kR); the chord clears if its closest approach to the centre
    (or an end point, when the foot falls outside the chord) is at least kR (to 1 cm).
    """
    r = frame.radius_m
    a = ant + [0, 0, r]
    b = pos + [0, 0, r]
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    theta = np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))
    re = k * r
    ra, rb, phi = re + (na - r), re + (nb - r), theta * r / re
    p = np.stack([ra * np.ones_like(phi), np.zeros_like(phi)], -1)
    q = np.stack([rb * np.cos(phi), rb * np.sin(phi)], -1)
    d = q - p
    s = np.clip(-np.sum(p * d, -1) / np.sum(d * d, -1), 0, 1)
    closest = np.linalg.norm(p + s[..., None] * d, axis=-1)
    return closest < re - 0.01  # 1 cm: rounding of points lying on the surface


@pytest.mark.parametrize(("h1", "h2"), [(10, 100), (5, 5), (30, 3000), (1, 10_000), (100, 0)])
def test_horizon_matches_4_12_rule(h1, h2):
    """The 4/3-earth horizon is 4.12 (sqrt(h1) + sqrt(h2)) km with h in metres (within 0.3 %)."""
    ref = 4.12e3 * (np.sqrt(h1) + np.sqrt(h2))
    assert float(horizon_range_m(h1, h2, FRAME.radius_m)) == pytest.approx(ref, rel=3e-3)
    assert float(horizon_ground_range_m(h1, h2, FRAME.radius_m)) == pytest.approx(ref, rel=3e-3)


def test_horizon_negative_heights_count_as_zero():
    """A height below the surface adds nothing to the horizon."""
    assert float(horizon_range_m(-50.0, 100.0)) == pytest.approx(float(horizon_range_m(0, 100)))


def test_wrap_angle_range():
    """Wrapped angles lie in [-pi, pi) and differ from the input by whole turns."""
    a = np.linspace(-20, 20, 1001)
    w = wrap_angle(a)
    assert (w >= -np.pi).all() and (w < np.pi).all()
    assert np.allclose(np.mod(a - w, 2 * np.pi) * (np.mod(a - w, 2 * np.pi) < 1), 0, atol=1e-9)


def _coverage(name="mpq65", boresight=0.0, **upd):
    p = CAT.sensors[name].model_copy(update={"boresight_deg": boresight, **upd})
    return Coverage([p], np.zeros((1, 3)), FRAME)


@settings(max_examples=80, deadline=None)
@given(bore=st.floats(-360, 360), sector=st.floats(10, 360),
       e=st.floats(-250e3, 250e3), n=st.floats(-250e3, 250e3), h=st.floats(-100, 30e3),
       ant_h=st.floats(0, 100))
def test_covered_points_respect_every_limit(bore, sector, e, n, h, ant_h):
    """A covered point is in the sector, in range/altitude/elevation limits and above the horizon."""
    cov = _coverage(boresight=bore, azimuth_sector_deg=sector, antenna_height_m=ant_h,
                    max_range_m=240e3, min_elevation_deg=-1.0)
    pos = FRAME.surface_point(np.array([e]), np.array([n]), np.array([h]))
    g = cov.geometry(np.array([0]), pos)
    if not g.covered[0]:
        return
    d = pos[0] - cov.antenna_enu[0]
    az = np.degrees(np.arctan2(d[0], d[1]))
    off = (az - bore + 180) % 360 - 180
    assert abs(off) <= sector / 2 + 1e-9
    r = np.linalg.norm(d)
    assert 3000 - 1e-6 <= r <= 240e3 + 1e-6
    assert FRAME.height_m(pos)[0] <= 40_000 + 1e-6
    assert not below_effective_horizon(FRAME, cov.antenna_enu[0], pos[0])


@settings(max_examples=60, deadline=None)
@given(rng_m=st.floats(5e3, 200e3), h=st.floats(0, 5000))
def test_horizon_boundary_matches_independent_check(rng_m, h):
    """Away from the boundary (2 %), the horizon test agrees with the chord-clearance check."""
    cov = _coverage(name="tor_m2_radar", max_range_m=300e3, min_elevation_deg=-10.0,
                    max_altitude_m=50e3)
    pos = FRAME.surface_point(np.array([rng_m]), np.array([0.0]), np.array([h]))
    hidden = bool(below_effective_horizon(FRAME, cov.antenna_enu[0], pos[0]))
    ground = float(horizon_ground_range_m(cov.antenna_height_m[0], h, FRAME.radius_m))
    if abs(rng_m - ground) < 0.02 * ground:  # the 4/3-earth formula is an approximation
        return
    assert bool(cov.geometry(np.array([0]), pos).covered[0]) == (not hidden)


def test_sector_across_north():
    """A 120-degree sector on boresight 350 deg spans 290..50 deg across north, and no more."""
    cov = _coverage(boresight=350.0)
    brg = np.radians([285.0, 295.0, 350.0, 45.0, 55.0, 180.0])
    pos = FRAME.surface_point(50e3 * np.sin(brg), 50e3 * np.cos(brg), np.full(6, 3000.0))
    got = cov.geometry(np.zeros(6, int), pos).covered
    assert got.tolist() == [False, True, True, True, False, False]


def test_elevation_is_local_to_the_radar():
    """A radar far from the origin measures elevation from its own horizontal, not the origin's."""
    p = CAT.sensors["tor_m2_radar"].model_copy(update={"min_elevation_deg": 0.0,
                                                        "antenna_height_m": 0.0})
    site = FRAME.surface_point(np.array([200e3]), np.array([0.0]), np.array([0.0]))
    cov = Coverage([p], site, FRAME)
    # 10 km further east at 100 m: above the radar's horizontal, below the origin's tangent.
    pos = FRAME.surface_point(np.array([210e3]), np.array([0.0]), np.array([100.0]))
    g = cov.geometry(np.array([0]), pos)
    assert g.elevation_rad[0] < 0 < g.local_elevation_rad[0]
    assert g.covered[0]


def test_broadcast_grid_shape():
    """Radars (n_r, 1) against targets (1, n, 3) give (n_r, n) arrays."""
    cov = Coverage([CAT.sensors["mpq65"], CAT.sensors["tor_m2_radar"]], np.zeros((2, 3)), FRAME)
    pos = FRAME.surface_point(np.linspace(1e3, 50e3, 7), np.zeros(7), np.full(7, 500.0))
    g = cov.geometry(np.arange(2)[:, None], pos[None])
    assert g.covered.shape == (2, 7) and g.range_m.shape == (2, 7)


@pytest.mark.parametrize("n_pairs", [1, 500, 5000])
def test_geometry_matches_numpy_reference(n_pairs, rng):
    """The compiled pair geometry equals the NumPy reference (to the last bits of atan2)."""
    from tests.sensors.reference_radar import ref_pairs

    names = ["mpq65", "tor_m2_radar", "hawk_par", "hawk_hpi"]
    presets = [CAT.sensors[nm].model_copy(update={"boresight_deg": 90.0 * i})
               for i, nm in enumerate(names)]
    site = FRAME.surface_point(rng.uniform(-5e3, 5e3, 4), rng.uniform(-5e3, 5e3, 4),
                               np.zeros(4))
    cov = Coverage(presets, site, FRAME)
    radar = rng.integers(0, 4, n_pairs)
    r = rng.uniform(0.0, 150e3, n_pairs)
    b = rng.uniform(0, 2 * np.pi, n_pairs)
    pos = FRAME.surface_point(r * np.sin(b), r * np.cos(b), rng.uniform(-50, 20e3, n_pairs))
    pos[0] = cov.antenna_enu[radar[0]]  # a target on the antenna (range 0)
    got = cov.geometry(radar, pos)
    with np.errstate(invalid="ignore", divide="ignore"):
        v, off, covered = ref_pairs(cov, radar, pos)
    for f, ref in (("target_height_m", v[0]), ("sin_local_elevation", v[1]), ("range_m", v[2]),
                   ("azimuth_rad", v[3]), ("elevation_rad", v[4]), ("sector_offset_rad", off)):
        assert np.allclose(getattr(got, f), ref, rtol=1e-14, atol=1e-12), f
    assert got.sin_local_elevation[0] == 1.0 and got.range_m[0] == 0.0
    assert got.covered.tolist() == covered.tolist()
    if n_pairs > 100:
        assert got.covered.any() and not got.covered.all()


def test_horizon_shortcut_matches_numpy_reference(rng):
    """Near and beyond the clear-horizon distance the coverage equals the NumPy reference.

    Points whose nadir angle has a cosine above the radar's clear-horizon cosine skip the
    horizon's two functions; the decision must stay the full test's on both sides.
    """
    from airdefense.sensors import _kernels as K
    from tests.sensors.reference_radar import ref_pairs

    presets = [CAT.sensors["mpq65"], CAT.sensors["hawk_par"]]
    site = FRAME.surface_point(np.array([0.0, 3e3]), np.array([0.0, -2e3]),
                               np.array([300.0, 40.0]))  # one on a 300 m hill
    cov = Coverage(presets, site, FRAME)
    n = 4000
    radar = rng.integers(0, 2, n)
    clear_m = cov.k * cov._horizon_angle[radar] * FRAME.radius_m  # ground distance, roughly
    d = clear_m * rng.uniform(0.5, 2.5, n)
    b = rng.uniform(0, 2 * np.pi, n)
    ant = cov.antenna_enu[radar]
    pos = FRAME.surface_point(ant[:, 0] + d * np.sin(b), ant[:, 1] + d * np.cos(b),
                              rng.uniform(-50.0, 4e3, n) * rng.uniform(0, 1, n) ** 2)
    got = cov.geometry(radar, pos)
    with np.errstate(invalid="ignore", divide="ignore"):
        _, _, covered = ref_pairs(cov, radar, pos)
    assert got.covered.tolist() == covered.tolist()
    centre = pos + [0.0, 0.0, FRAME.radius_m]
    cos_g = np.sum(centre * cov._up[radar], axis=1) / np.linalg.norm(centre, axis=1)
    short = cos_g >= cov._geo[radar, K.G_CLEAR_COS]
    assert (covered & short).any() and (covered & ~short).any()  # both paths decide
    in_limits = ((got.range_m <= cov.max_range_m[radar]) & (got.range_m >= 1e3)
                 & (got.target_height_m > 0))
    assert (in_limits & ~covered & ~short).any()  # some points lie beyond the horizon


def test_geometry_rejects_a_bad_radar_index():
    """A radar index beyond the coverage's radars raises IndexError; negative ones wrap."""
    cov = Coverage([CAT.sensors["mpq65"], CAT.sensors["tor_m2_radar"]], np.zeros((2, 3)), FRAME)
    pos = FRAME.surface_point(np.array([5e3]), np.zeros(1), np.full(1, 500.0))
    with pytest.raises(IndexError, match="radar index 2 is out of range for 2 radars"):
        cov.geometry(np.array([2]), pos)
    assert cov.geometry(np.array([-1]), pos).range_m.tobytes() == \
        cov.geometry(np.array([1]), pos).range_m.tobytes()


def _effective_earth_elevation(frame, ant, pos, k=4.0 / 3.0):
    """Independent reference: the elevation of the straight line between the points drawn on
    a k-earth sphere (heights kept, ground angle divided by k), rad: the refracted beam's."""
    r = frame.radius_m
    a, b = ant + [0, 0, r], pos + [0, 0, r]
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    theta = np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))
    re = k * r
    ra, rb, phi = re + (na - r), re + (nb - r), theta * r / re
    dx, dy = rb * np.sin(phi), rb * np.cos(phi) - ra
    return np.arctan2(dy, dx)


@pytest.mark.parametrize("height_m", [30.0, 100.0, 1000.0])
@pytest.mark.parametrize("min_el_deg", [0.0, 0.5, -0.3])
def test_elevation_limit_bounds_the_refracted_beam(height_m, min_el_deg):
    """The minimum elevation bounds the beam's elevation over the 4/3 earth, not the chord's:
    a low target is covered out to where its k-earth elevation reaches the limit (a 100 m
    target: 40 km for a 6 m antenna at 0 deg, against 35 km for the chord)."""
    p = CAT.sensors["mpq65"].model_copy(update={
        "min_elevation_deg": min_el_deg, "antenna_height_m": 6.0, "azimuth_sector_deg": 360.0,
        "max_range_m": 400e3, "min_range_m": 100.0})
    cov = Coverage([p], np.zeros((1, 3)), FRAME)
    s = np.linspace(2e3, 200e3, 4000)
    pos = FRAME.surface_point(s, np.zeros_like(s), np.full_like(s, height_m))
    got = cov.geometry(np.zeros(s.size, int), pos)
    ref = _effective_earth_elevation(FRAME, cov.antenna_enu[0], pos)
    assert np.allclose(got.local_elevation_rad, ref, rtol=0, atol=np.radians(0.003))
    horizon = ~below_effective_horizon(FRAME, cov.antenna_enu[0], pos)
    margin = np.radians(0.005)
    sure = np.abs(ref - np.radians(min_el_deg)) > margin
    for dh in (-0.5, 0.5):  # and away from the horizon
        moved = FRAME.surface_point(s, np.zeros_like(s), np.full_like(s, height_m + dh))
        sure &= horizon == ~below_effective_horizon(FRAME, cov.antenna_enu[0], moved)
    want = (ref >= np.radians(min_el_deg)) & horizon
    assert got.covered[sure].tolist() == want[sure].tolist()
    if min_el_deg == 0.0 and height_m == 100.0:
        edge = s[got.covered].max()
        assert 39e3 < edge < 41e3  # sqrt(2 k R 94 m) = 40.0 km; the chord's 34.6 km


# The horizon's floor: the frame's sphere without terrain, mean sea level with a terrain grid.

K43 = 4.0 / 3.0


def _skolnik_m(h1, h2, radius_m):
    """Radar horizon over a 4/3 earth, ``sqrt(2 k R h1) + sqrt(2 k R h2)`` (Skolnik), m."""
    return np.sqrt(2 * K43 * radius_m * h1) + np.sqrt(2 * K43 * radius_m * h2)


def _horizon_edge_m(frame, h, terrain=None, ant_h=4.0):
    """Slant range of the farthest covered point at height ``h`` above the frame's sphere on a
    line of ground points 5 m apart from a radar at the origin (only the horizon limits it)."""
    p = CAT.sensors["hawk_par"].model_copy(update={
        "antenna_height_m": ant_h, "max_range_m": 400e3, "max_altitude_m": 40e3,
        "min_elevation_deg": -10.0, "max_elevation_deg": 89.0})
    cov = Coverage([p], np.zeros((1, 3)), frame, terrain)
    d = np.arange(1e3, 400e3, 5.0)
    pos = frame.surface_point(d, np.zeros_like(d), np.full(d.size, float(h)))
    g = cov.geometry(np.zeros(d.size, int), pos)
    assert g.covered[0] and not g.covered[-1]
    return float(g.range_m[g.covered].max())


@pytest.mark.parametrize("alt_m", [0.0, 100.0, 1000.0])
@pytest.mark.parametrize("h", [50.0, 300.0, 3000.0])
def test_horizon_without_terrain_counts_heights_over_the_frames_sphere(alt_m, h):
    """Without terrain the ground is the frame's sphere: a 4 m antenna sees a target ``h`` above
    that sphere to Skolnik's ``sqrt(2kR h1) + sqrt(2kR h2)`` (within 0.2 %), whatever the
    origin's ``alt_m`` (a 50 m flier: 37.4 km, not 92.5 km at alt_m 100)."""
    frame = Frame(49.4, 32.1, alt_m)
    ref = _skolnik_m(4.0, h, frame.radius_m)
    assert _horizon_edge_m(frame, h) == pytest.approx(ref, rel=2e-3)


@pytest.mark.parametrize("alt_m", [100.0, 1000.0])
def test_horizon_with_terrain_counts_heights_above_sea_level(alt_m):
    """With a terrain grid the horizon's floor is mean sea level (the grid's datum), alt_m below
    the frame's sphere: Skolnik's range with both heights raised by alt_m. The grid lies far
    from the line (it does not touch the site or the geometry)."""
    frame = Frame(49.4, 32.1, alt_m)
    terrain = Terrain(np.zeros((2, 2)), "local", -300e3, -300e3, 1000.0, 1000.0, frame)
    h = 50.0
    ref = _skolnik_m(4.0 + alt_m, h + alt_m, frame.radius_m)
    assert _horizon_edge_m(frame, h, terrain) == pytest.approx(ref, rel=2e-3)


@pytest.mark.parametrize("alt_m", [100.0, 1000.0])
def test_target_below_the_floor_is_never_covered(alt_m):
    """A target 50 m below the frame's sphere is underground without terrain (never covered),
    but above mean sea level with a terrain grid (covered by the geometry; the grid's line of
    sight decides the rest)."""
    frame = Frame(49.4, 32.1, alt_m)
    p = CAT.sensors["tor_m2_radar"].model_copy(update={
        "antenna_height_m": 30.0, "min_elevation_deg": -10.0})
    pos = frame.surface_point(np.array([5e3]), np.array([0.0]), np.array([-50.0]))
    bare = Coverage([p], np.zeros((1, 3)), frame)
    assert not bare.geometry(np.array([0]), pos).covered[0]
    above = frame.surface_point(np.array([5e3]), np.array([0.0]), np.array([1.0]))
    assert bare.geometry(np.array([0]), above).covered[0]
    terrain = Terrain(np.zeros((2, 2)), "local", -300e3, -300e3, 1000.0, 1000.0, frame)
    with_grid = Coverage([p], np.zeros((1, 3)), frame, terrain)
    assert with_grid.geometry(np.array([0]), pos).covered[0]


@settings(max_examples=60, deadline=None)
@given(rng_m=st.floats(5e3, 200e3), h=st.floats(0, 5000), alt_m=st.sampled_from([100.0, 1000.0]))
def test_horizon_boundary_without_terrain_ignores_alt(rng_m, h, alt_m):
    """At any origin altitude, without terrain, away from the boundary (2 %) the horizon test
    agrees with the chord clearance over the frame's (4/3-scaled) sphere."""
    frame = Frame(45.0, 10.0, alt_m)
    p = CAT.sensors["tor_m2_radar"].model_copy(update={
        "max_range_m": 300e3, "min_elevation_deg": -10.0, "max_altitude_m": 50e3})
    cov = Coverage([p], np.zeros((1, 3)), frame)
    pos = frame.surface_point(np.array([rng_m]), np.array([0.0]), np.array([h]))
    hidden = bool(below_effective_horizon(frame, cov.antenna_enu[0], pos[0]))
    ground = float(horizon_ground_range_m(cov.antenna_height_m[0], h, frame.radius_m))
    if abs(rng_m - ground) < 0.02 * ground:
        return
    assert bool(cov.geometry(np.array([0]), pos).covered[0]) == (not hidden)


@pytest.mark.parametrize("name", sorted(CAT.sensors))
@pytest.mark.parametrize("h", [30.0, 50.0, 100.0])
def test_no_elevation_floor_cuts_low_coverage_short_of_the_horizon(name, h):
    """Every catalog radar sees a low flier (``h`` above the frame's sphere, along its
    boresight) out to its 4/3-earth horizon from its own antenna height, Skolnik's
    ``sqrt(2kR h1) + sqrt(2kR h2)``, or its maximum range if shorter (within 0.3%): its
    minimum elevation lies below the horizon's dip. With a floor of 0 deg (the MPQ-65 and the
    HPI until 2026-11-26) a 50 m flier vanished where its elevation turned negative, at
    ``sqrt(2kR (h - h1))``, 27 km from a 6 m antenna instead of 38 km."""
    p = CAT.sensors[name]
    frame = Frame(49.4, 32.1, 0.0)
    cov = Coverage([p], np.zeros((1, 3)), frame)
    b = float(cov.boresight_rad[0])
    d = np.arange(max(p.min_range_m, 100.0) + 10.0, 300e3, 5.0)
    pos = frame.surface_point(d * np.sin(b), d * np.cos(b), np.full(d.size, h))
    g = cov.geometry(np.zeros(d.size, int), pos)
    if h > p.max_altitude_m:
        return
    edge = float(g.range_m[g.covered].max())
    want = min(_skolnik_m(p.antenna_height_m, h, frame.radius_m), p.max_range_m)
    assert edge == pytest.approx(want, rel=3e-3)


@pytest.mark.parametrize("field", ["antenna_height_m", "max_range_m", "min_elevation_deg",
                                   "azimuth_sector_deg", "boresight_deg"])
def test_a_coverage_made_again_is_the_one_of_its_own_inputs(field):
    """A coverage of inputs met before is the same as one made afresh (the same attributes,
    bit for bit) and owns its arrays; one preset field changed (a copy, or the same preset
    changed in place), another site or another frame gives the coverage of those: its range
    limit, antenna height, sector and horizon rows follow its own inputs."""
    import airdefense.sensors.coverage as cov_mod

    base = CAT.sensors["hawk_par"].model_copy(update={"azimuth_sector_deg": 90.0})
    site = np.array([[1000.0, -2000.0, 0.0], [0.0, 500.0, 0.0]])
    cov_mod._MADE.clear()
    fresh = Coverage([base, base], site, FRAME)
    again = Coverage([base, base], site, FRAME)
    for name, v in vars(fresh).items():
        w = vars(again)[name]
        if isinstance(v, np.ndarray):
            assert v.tobytes() == w.tobytes() and v is not w
        else:
            assert w is v or w == v
    again._geo[:] = np.nan  # its own arrays: the next one is not touched
    assert np.array_equal(Coverage([base, base], site, FRAME)._geo, fresh._geo)

    value = {"antenna_height_m": 25.0, "max_range_m": 0.5 * base.max_range_m,
             "min_elevation_deg": 2.0, "azimuth_sector_deg": 360.0, "boresight_deg": 45.0}
    other = base.model_copy(update={field: value[field]})
    changed = Coverage([base, other], site, FRAME)
    cov_mod._MADE.clear()
    want = Coverage([base, other], site, FRAME)
    assert not np.array_equal(changed._geo[1], fresh._geo[1])
    assert changed._geo.tobytes() == want._geo.tobytes()
    Coverage([base, base], site, FRAME)  # kept again, then its preset changed in place
    setattr(base, field, value[field])
    assert Coverage([base, base], site, FRAME)._geo[1].tobytes() == want._geo[1].tobytes()
    moved = Coverage([base, base], site + [0.0, 3000.0, 0.0], FRAME)
    assert moved.antenna_enu[:, 1] == pytest.approx(site[:, 1] + 3000.0, abs=1.0)
    far = Frame(45.0, 10.0, 1500.0)
    assert Coverage([base, base], site, far).sphere_above_floor_m == 0.0
    assert Coverage([base, base], site, far)._geo[:, -3].tolist() == [far.radius_m] * 2
