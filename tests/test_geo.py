"""Geodesy: conversions against independent references and round trips."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airdefense.geo import (
    EARTH_RADIUS_M,
    Frame,
    SphereHeight,
    destination,
    ecef_to_geodetic,
    geodetic_to_ecef,
    height_above_sphere,
    point_above_sphere,
    sphere_coords,
    sphere_radius_of,
)


def test_ecef_known_points():
    """The equator/prime meridian and the north pole map to the WGS-84 semi-axes."""
    np.testing.assert_allclose(geodetic_to_ecef(0, 0, 0), [6378137.0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(geodetic_to_ecef(90, 0, 0), [0, 0, 6356752.314245], atol=1e-3)


@given(st.floats(-89.9, 89.9), st.floats(-179.9, 179.9), st.floats(-400, 50_000))
def test_geodetic_round_trip(lat, lon, alt):
    """Geodetic -> ECEF -> geodetic is the identity to sub-millimetre."""
    back = ecef_to_geodetic(geodetic_to_ecef(lat, lon, alt))
    np.testing.assert_allclose(back[:2], [lat, lon], atol=1e-9)
    assert abs(back[2] - alt) < 1e-3


def test_enu_axes():
    """A point due north at the same height has positive north, near-zero east, negative up."""
    f = Frame(50.0, 30.0, 0.0)
    enu = f.to_enu(50.1, 30.0, 0.0)
    assert abs(enu[0]) < 1e-6
    assert 11_000 < enu[1] < 11_200  # 0.1 deg of latitude is about 11.1 km
    assert enu[2] < 0  # the earth curves away


@given(st.floats(-400e3, 400e3), st.floats(-400e3, 400e3), st.floats(0, 30e3))
def test_sphere_round_trip(e, n, h):
    """sphere_coords inverts point_above_sphere, and heights are preserved."""
    R = 6.37e6
    p = point_above_sphere(e, n, h, R)
    np.testing.assert_allclose(height_above_sphere(p, R), h, atol=1e-5)
    np.testing.assert_allclose(sphere_coords(p, R), [e, n, h], atol=1e-5)


@pytest.mark.parametrize("lat", [0.0, 45.0, 60.0])
def test_local_sphere_matches_ellipsoid(lat):
    """Heights above the frame's sphere (radius sqrt(M N), the Gaussian mean radius) differ
    from WGS-84 ellipsoidal heights 200 km out by the curvature mismatch of Euler's theorem:
    ``drop x (R / rho - 1)``, ``1/rho = cos^2(a)/M + sin^2(a)/N`` the ellipsoid's normal
    section in bearing ``a``. That is at most 0.34 % of the drop (at the equator, north or
    east); the terms of higher order at 200 km stay below 0.02 % of the drop."""
    f = Frame(lat, 10.0, 0.0)
    a, e2 = 6378137.0, 0.00669437999014  # WGS-84
    s2 = np.sin(np.radians(lat)) ** 2
    M = a * (1 - e2) / (1 - e2 * s2) ** 1.5  # meridian radius of curvature
    N = a / np.sqrt(1 - e2 * s2)  # prime-vertical radius of curvature
    drop = 200e3**2 / (2 * f.radius_m)
    for brg in (0.0, 45.0, 90.0):
        al = np.radians(brg)
        rho = 1.0 / (np.cos(al) ** 2 / M + np.sin(al) ** 2 / N)
        e, n = 200e3 * np.sin(al), 200e3 * np.cos(al)
        p = f.surface_point(e, n, 0.0)
        alt = f.altitude_m(p[None])[0]
        assert abs(alt) < 0.0035 * drop
        assert alt / drop == pytest.approx(f.radius_m / rho - 1.0, abs=2e-4)


def _haversine_m(lat1, lon1, lat2, lon2, radius):
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def _initial_bearing_deg(lat1, lon1, lat2, lon2):
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2 - lon1)
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(y, x)) % 360.0


def test_destination_closed_forms():
    """On a sphere of the mean earth radius R: north along a meridian the latitude grows by
    range / R; east along the equator the longitude does; a quarter circumference north from
    the equator is the pole; half of one is the antipode; longitudes wrap into [-180, 180)."""
    R = EARTH_RADIUS_M
    assert R == pytest.approx(6371008.8)  # IUGG mean radius R1
    deg = np.pi * R / 180.0  # metres per degree of arc
    np.testing.assert_allclose(destination([10.0], [20.0], [0.0], [5 * deg]), [[15.0, 20.0]],
                               atol=1e-9)
    np.testing.assert_allclose(destination([0.0], [20.0], [90.0], [30 * deg]), [[0.0, 50.0]],
                               atol=1e-9)
    np.testing.assert_allclose(destination([0.0], [20.0], [270.0], [30 * deg]),
                               [[0.0, -10.0]], atol=1e-9)
    assert destination([0.0], [20.0], [0.0], [90 * deg])[0, 0] == pytest.approx(90.0)
    np.testing.assert_allclose(destination([30.0], [20.0], [0.0], [180 * deg]),
                               [[-30.0, -160.0]], atol=1e-7)
    np.testing.assert_allclose(destination([0.0], [170.0], [90.0], [20 * deg]),
                               [[0.0, -170.0]], atol=1e-9)


@given(st.floats(-80, 80), st.floats(-180, 180), st.floats(0, 360), st.floats(1e3, 1.5e7))
def test_destination_is_at_its_range_and_bearing(lat, lon, brg, rng_m):
    """Property: the destination lies ``range`` from the start along the great circle
    (haversine distance) and the great circle to it leaves at ``bearing`` (forward azimuth)."""
    (lat2, lon2), = destination([lat], [lon], [brg], [rng_m])
    assert -90 <= lat2 <= 90 and -180 <= lon2 < 180
    got = _haversine_m(lat, lon, lat2, lon2, EARTH_RADIUS_M)
    assert got == pytest.approx(rng_m, rel=1e-9, abs=1e-3)
    off = (_initial_bearing_deg(lat, lon, lat2, lon2) - brg + 180.0) % 360.0 - 180.0
    assert abs(off) < 1e-6


@pytest.mark.parametrize("radius", [np.inf, 6.4e6])
def test_sphere_height_callable_and_its_radius(radius):
    """SphereHeight is the sphere formula (flat ground for an infinite radius) and names its
    radius; a Frame's height_m names the frame's."""
    p = np.array([[3000.0, -4000.0, 250.0]])
    h = SphereHeight(radius)
    want = 250.0 if np.isinf(radius) else np.hypot(5000.0, radius + 250.0) - radius
    assert float(h(p)[0]) == pytest.approx(want, rel=1e-12)
    assert sphere_radius_of(h) == radius
    frame = Frame(49.4, 32.1, 100.0)
    assert sphere_radius_of(frame.height_m) == frame.radius_m


def test_sphere_radius_of_an_unknown_callable_is_refused():
    with pytest.raises(TypeError, match="heights_fn must be a SphereHeight or a Frame's height_m"):
        sphere_radius_of(lambda p: p[:, 2])
