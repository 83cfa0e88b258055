"""Geodesy: conversions against independent references and round trips."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airdefense.geo import (
    Frame,
    SphereHeight,
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
    """Heights above the osculating sphere match ellipsoidal heights within 0.1 % of the drop at 200 km."""
    f = Frame(lat, 10.0, 0.0)
    for brg in (0.0, 45.0, 90.0):
        e, n = 200e3 * np.sin(np.radians(brg)), 200e3 * np.cos(np.radians(brg))
        p = f.surface_point(e, n, 0.0)
        alt = f.altitude_m(p[None])[0]
        assert abs(alt) < 0.01 * (200e3**2 / (2 * f.radius_m))


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
