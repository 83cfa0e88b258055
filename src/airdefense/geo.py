"""Geodesy: WGS-84 geodetic <-> ECEF <-> local ENU about the scenario origin.

Geodetic input is converted once, at scenario load; the core works in ENU metres.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "WGS84_A_M",
    "WGS84_F",
    "EARTH_RADIUS_M",
    "G0_MPS2",
    "geodetic_to_ecef",
    "ecef_to_geodetic",
    "Frame",
    "destination",
    "height_above_sphere",
    "SphereHeight",
    "sphere_radius_of",
    "point_above_sphere",
    "ground_distance_m",
    "sphere_coords",
]

WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
EARTH_RADIUS_M = 6371008.8  # mean radius, for spherical-earth models
G0_MPS2 = 9.80665


def geodetic_to_ecef(lat_deg, lon_deg, alt_m) -> np.ndarray:
    """Convert geodetic coordinates to ECEF.

    Parameters
    ----------
    lat_deg, lon_deg : array_like of shape (n,)
        Latitude and longitude, degrees.
    alt_m : array_like of shape (n,)
        Height above the WGS-84 ellipsoid, m.

    Returns
    -------
    ndarray of shape (n, 3)
        ECEF coordinates, m.
    """
    lat = np.radians(np.asarray(lat_deg, float))
    lon = np.radians(np.asarray(lon_deg, float))
    h = np.asarray(alt_m, float)
    s = np.sin(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * s * s)
    x = (n + h) * np.cos(lat) * np.cos(lon)
    y = (n + h) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * s
    return np.stack([x, y, z], axis=-1)


def ecef_to_geodetic(ecef: np.ndarray) -> np.ndarray:
    """Convert ECEF to geodetic coordinates (Bowring's method, sub-millimetre on earth).

    Parameters
    ----------
    ecef : ndarray of shape (n, 3)
        ECEF coordinates, m.

    Returns
    -------
    ndarray of shape (n, 3)
        ``[lat_deg, lon_deg, alt_m]``.
    """
    p = np.asarray(ecef, float)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    a = WGS84_A_M
    b = a * (1.0 - WGS84_F)
    ep2 = (a * a - b * b) / (b * b)
    r = np.hypot(x, y)
    theta = np.arctan2(z * a, r * b)
    lat = np.arctan2(z + ep2 * b * np.sin(theta) ** 3, r - WGS84_E2 * a * np.cos(theta) ** 3)
    lon = np.arctan2(y, x)
    s = np.sin(lat)
    n = a / np.sqrt(1.0 - WGS84_E2 * s * s)
    # Near the poles r/cos(lat) is ill-conditioned; use the z form there.
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(
            np.abs(np.cos(lat)) > 1e-6,
            r / np.cos(lat) - n,
            np.abs(z) / np.abs(s) - n * (1.0 - WGS84_E2),
        )
    return np.stack([np.degrees(lat), np.degrees(lon), h], axis=-1)


class Frame:
    """Local ENU frame about a geodetic origin.

    Parameters
    ----------
    lat_deg, lon_deg : float
        Origin latitude and longitude, degrees.
    alt_m : float, default 0
        Origin height above the ellipsoid, m.
    """

    def __init__(self, lat_deg: float, lon_deg: float, alt_m: float = 0.0) -> None:
        self.lat_deg = float(lat_deg)
        self.lon_deg = float(lon_deg)
        self.alt_m = float(alt_m)
        self.origin_ecef = geodetic_to_ecef(lat_deg, lon_deg, alt_m)
        lat, lon = np.radians(lat_deg), np.radians(lon_deg)
        sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
        # Rows are the E, N, U unit vectors in ECEF.
        self.rotation = np.array(
            [[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]]
        )
        # Osculating sphere at the origin (Gaussian mean radius): flight models and radar
        # horizons use this sphere, which matches the ellipsoid to tens of metres at 500 km.
        w = 1.0 - WGS84_E2 * sl * sl
        m_radius = WGS84_A_M * (1.0 - WGS84_E2) / w**1.5
        n_radius = WGS84_A_M / np.sqrt(w)
        self.radius_m = float(np.sqrt(m_radius * n_radius)) + self.alt_m

    def height_m(self, enu: np.ndarray) -> np.ndarray:
        """Height of ENU points above the frame's local sphere, shape (n,), m.

        The origin itself is at height 0 on this sphere (its ellipsoidal height is
        ``alt_m``), so heights here are relative to the origin's level.
        """
        return height_above_sphere(enu, self.radius_m)

    def surface_point(self, east_m, north_m, height_m) -> np.ndarray:
        """ENU point at a height above the local sphere over a tangent-plane offset, shape (n, 3)."""
        return point_above_sphere(east_m, north_m, height_m, self.radius_m)

    def to_enu(self, lat_deg, lon_deg, alt_m) -> np.ndarray:
        """Convert geodetic points to ENU, shape (n, 3), m."""
        ecef = geodetic_to_ecef(lat_deg, lon_deg, alt_m)
        return (ecef - self.origin_ecef) @ self.rotation.T

    def to_geodetic(self, enu: np.ndarray) -> np.ndarray:
        """Convert ENU points, shape (n, 3), to ``[lat_deg, lon_deg, alt_m]``."""
        ecef = np.asarray(enu, float) @ self.rotation + self.origin_ecef
        return ecef_to_geodetic(ecef)

    def altitude_m(self, enu: np.ndarray) -> np.ndarray:
        """Height above the ellipsoid of ENU points, shape (n,), m."""
        return self.to_geodetic(enu)[..., 2]

    def to_enu_velocity(self, v_ecef: np.ndarray) -> np.ndarray:
        """Rotate ECEF vectors into the ENU axes."""
        return np.asarray(v_ecef, float) @ self.rotation.T

    def up_at(self, enu: np.ndarray) -> np.ndarray:
        """Local geodetic up unit vector at ENU points, expressed in ENU, shape (n, 3)."""
        geo = self.to_geodetic(enu)
        lat, lon = np.radians(geo[..., 0]), np.radians(geo[..., 1])
        up_ecef = np.stack(
            [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1
        )
        return up_ecef @ self.rotation.T


def destination(lat_deg, lon_deg, bearing_deg, range_m) -> np.ndarray:
    """Point reached from a start point along a great circle (spherical earth).

    Parameters
    ----------
    lat_deg, lon_deg : array_like of shape (n,)
        Start point, degrees.
    bearing_deg : array_like of shape (n,)
        Initial bearing, degrees clockwise from north.
    range_m : array_like of shape (n,)
        Ground distance along the great circle, m.

    Returns
    -------
    ndarray of shape (n, 2)
        ``[lat_deg, lon_deg]`` of the destination.
    """
    lat1 = np.radians(np.asarray(lat_deg, float))
    lon1 = np.radians(np.asarray(lon_deg, float))
    b = np.radians(np.asarray(bearing_deg, float))
    d = np.asarray(range_m, float) / EARTH_RADIUS_M
    lat2 = np.arcsin(np.sin(lat1) * np.cos(d) + np.cos(lat1) * np.sin(d) * np.cos(b))
    lon2 = lon1 + np.arctan2(
        np.sin(b) * np.sin(d) * np.cos(lat1), np.cos(d) - np.sin(lat1) * np.sin(lat2)
    )
    lon2 = (lon2 + np.pi) % (2 * np.pi) - np.pi
    return np.stack([np.degrees(lat2), np.degrees(lon2)], axis=-1)


def height_above_sphere(enu: np.ndarray, radius_m: float) -> np.ndarray:
    """Height of ENU points above a sphere of ``radius_m`` tangent at the origin, shape (n,), m.

    An infinite radius is flat ground: the height is the up coordinate.
    """
    p = np.asarray(enu, float)
    if not np.isfinite(radius_m):
        return p[..., 2].copy()
    return np.sqrt(p[..., 0] ** 2 + p[..., 1] ** 2 + (p[..., 2] + radius_m) ** 2) - radius_m


class SphereHeight:
    """Height of ENU points above a sphere tangent at the origin, as a callable.

    The engagement geometry takes its heights from such a callable (or from a
    :meth:`Frame.height_m`): its compiled kernels need the radius, not just a function.

    Parameters
    ----------
    radius_m : float
        Sphere radius, m; ``inf`` is flat ground.

    Examples
    --------
    >>> flat = SphereHeight(float("inf"))
    >>> float(flat(np.array([[5.0, 0.0, 120.0]]))[0])
    120.0
    """

    def __init__(self, radius_m: float) -> None:
        self.radius_m = float(radius_m)

    def __call__(self, enu: np.ndarray) -> np.ndarray:
        """Heights of points ``enu`` (n, 3), shape (n,), m."""
        return height_above_sphere(enu, self.radius_m)


def sphere_radius_of(heights_fn) -> float:
    """Radius of the sphere behind a heights callable (:class:`SphereHeight` or ``Frame.height_m``).

    Raises
    ------
    TypeError
        For any other callable.
    """
    r = getattr(heights_fn, "radius_m", None)
    owner = getattr(heights_fn, "__self__", None)
    if r is None and isinstance(owner, Frame) and heights_fn.__func__ is Frame.height_m:
        r = owner.radius_m
    if r is None:
        raise TypeError(f"heights_fn must be a SphereHeight or a Frame's height_m, got "
                        f"{heights_fn!r}")
    return float(r)


def point_above_sphere(east_m, north_m, height_m, radius_m: float) -> np.ndarray:
    """ENU point at ``height_m`` above a sphere tangent at the origin.

    The ground distance ``hypot(east_m, north_m)`` is measured along the sphere's surface, in the
    direction of ``(east_m, north_m)``.

    Returns
    -------
    ndarray of shape (n, 3)
    """
    e = np.asarray(east_m, float)
    n = np.asarray(north_m, float)
    h = np.asarray(height_m, float)
    d = np.hypot(e, n)
    theta = d / radius_m
    # The unit direction where d > 0, else zero (written in place: these arrays hold a few
    # points a call, so the calls, not the arithmetic, are the cost).
    pos = d > 0
    ue = np.zeros(d.shape)
    un = np.zeros(d.shape)
    np.divide(e, d, out=ue, where=pos)
    np.divide(n, d, out=un, where=pos)
    rr = radius_m + h
    horiz = rr * np.sin(theta)
    out = np.empty(horiz.shape + (3,))  # of both d's and h's shape
    np.multiply(horiz, ue, out=out[..., 0])
    np.multiply(horiz, un, out=out[..., 1])
    np.subtract(rr * np.cos(theta), radius_m, out=out[..., 2])
    return out


def ground_distance_m(enu_a: np.ndarray, enu_b: np.ndarray, radius_m: float) -> np.ndarray:
    """Great-circle ground distance between the nadirs of two ENU points on the sphere, m."""
    a = np.asarray(enu_a, float) + np.array([0.0, 0.0, radius_m])
    b = np.asarray(enu_b, float) + np.array([0.0, 0.0, radius_m])
    cross = np.linalg.norm(np.cross(a, b), axis=-1)
    dot = np.sum(a * b, axis=-1)
    return radius_m * np.arctan2(cross, dot)


def sphere_coords(enu: np.ndarray, radius_m: float) -> np.ndarray:
    """Inverse of :func:`point_above_sphere`: ENU points to surface-arc offsets and height.

    Returns
    -------
    ndarray of shape (n, 3)
        ``[east_arc_m, north_arc_m, height_m]``.
    """
    p = np.asarray(enu, float)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    horiz = np.hypot(x, y)
    theta = np.arctan2(horiz, z + radius_m)
    arc = radius_m * theta
    # arc / horiz where horiz > 0, else 1; the columns written in place (a few points a call:
    # the calls, not the arithmetic, are the cost).
    scale = np.ones(horiz.shape)
    np.divide(arc, horiz, out=scale, where=horiz > 0)
    out = np.empty(horiz.shape + (3,))
    np.multiply(x, scale, out=out[..., 0])
    np.multiply(y, scale, out=out[..., 1])
    out[..., 2] = height_above_sphere(p, radius_m)
    return out
