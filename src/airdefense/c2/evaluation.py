"""Threat evaluation: class, threatened asset, time to go and threat value of every track.

The threatened asset is found from the predicted impact point (ballistic tracks, gravity-only
prediction) or from the closest approach of the straight predicted path (air-breathing tracks).
A track's threat value is the value it is expected to destroy if it is not intercepted: for
each asset, its value times the expected loss fraction of an impact aimed at the predicted
point, with the damage law of :mod:`airdefense.engagement.damage` averaged over the prediction
error (a circular Gaussian), and the largest over assets.
"""

from __future__ import annotations

import functools

import numpy as np

from airdefense.c2 import _kernels
from airdefense.engagement.damage import DAMAGED_VALUE_FRACTION, loss_law

__all__ = ["KINDS", "DEFAULT_LETHAL_RADIUS_M", "class_codes", "classify", "evaluate_threats",
           "expected_loss_fraction", "predict_states"]

#: Threat classes the control unit distinguishes, in the order of the launchers' pk tables.
KINDS = ("drone", "cruise", "ballistic", "aircraft", "helicopter")
_KIND_NAMES = np.array(KINDS, object)
_BALLISTIC = KINDS.index("ballistic")
_NO_COV = np.zeros((0, 6, 6))  # threat_values without covariances
#: Lethal radius assumed for a class when the scenario holds no threat of it, m.
DEFAULT_LETHAL_RADIUS_M = {"drone": 15.0, "cruise": 50.0, "ballistic": 80.0, "aircraft": 40.0,
                           "helicopter": 25.0}
_G = 9.80665


def classify(x: np.ndarray) -> np.ndarray:
    """Infer the threat kind of each track from its kinematics.

    Rules on speed v (m/s), height z (m) and vertical speed vz (m/s): v > 700 or |vz| > 300 is
    ballistic; 140 < v <= 700 is a cruise missile below 2,000 m and an aircraft above; 60 < v
    <= 140 is a helicopter; slower is a drone. The boundaries separate the catalog's classes
    (drones ~50 m/s, helicopters ~70 m/s, cruise missiles ~200 m/s low, aircraft fast and high,
    ballistic missiles above Mach 2).

    Parameters
    ----------
    x : ndarray of shape (m, 6)

    Returns
    -------
    ndarray of shape (m,), object
    """
    return _KIND_NAMES[class_codes(x)]


def class_codes(x: np.ndarray) -> np.ndarray:
    """:func:`classify` as class codes: each track's index in :data:`KINDS`, shape (m,), int."""
    return _kernels.classify_codes(np.ascontiguousarray(x, dtype=float).reshape(-1, 6))


def predict_states(x: np.ndarray, ballistic: np.ndarray, tau_s) -> np.ndarray:
    """Predict track states ahead: straight flight, or gravity-only flight for ballistic tracks.

    Parameters
    ----------
    x : ndarray of shape (m, 6)
        Track states, ENU m and m/s.
    ballistic : ndarray of shape (m,), bool
    tau_s : float or ndarray of shape (k,)
        Look-ahead times, s.

    Returns
    -------
    ndarray of shape (k, m, 6) (or (m, 6) for a scalar ``tau_s``)
    """
    tau = np.atleast_1d(np.asarray(tau_s, float))[:, None]
    out = np.repeat(x[None], tau.shape[0], axis=0)
    out[..., :3] += x[None, :, 3:] * tau[..., None]
    g = np.where(ballistic, _G, 0.0)[None, :]
    out[..., 2] -= 0.5 * g * tau**2
    out[..., 5] -= g * tau
    return out[0] if np.ndim(tau_s) == 0 else out


def expected_loss_fraction(miss_m, sigma_m, radius_m, area_radius_m=0.0) -> np.ndarray:
    """Expected fraction of an asset's value lost to one impact, under the damage law.

    An impact at distance ``d`` destroys a point asset with probability ``2^-(d/R)^2`` and
    damages it (losing :data:`DAMAGED_VALUE_FRACTION` of the value) with ``2^-(d/2R)^2``; an
    area asset loses its area share (:func:`airdefense.engagement.damage.loss_law`). ``d`` is
    drawn from a circular Gaussian of mean distance ``miss_m`` and standard deviation
    ``sigma_m`` per axis.

    Parameters
    ----------
    miss_m, sigma_m, radius_m : array_like, broadcastable
        Predicted miss distance, its standard deviation per axis and the lethal radius, m.
    area_radius_m : array_like, default 0
        Area radius of the asset (0: a point asset), m.

    Returns
    -------
    ndarray
        In [0, 1].

    Examples
    --------
    >>> float(expected_loss_fraction(0.0, 0.0, 10.0))
    1.0
    """
    mu2 = np.asarray(miss_m, float) ** 2
    s2 = np.asarray(sigma_m, float) ** 2
    args = np.broadcast_arrays(mu2, s2, *loss_law(radius_m, area_radius_m))
    out = _kernels.loss_fractions(*(np.ascontiguousarray(a).ravel() for a in args),
                                  DAMAGED_VALUE_FRACTION)
    return out.reshape(args[0].shape)


def evaluate_threats(x: np.ndarray, asset_enu: np.ndarray, asset_value: np.ndarray,
                     asset_alive: np.ndarray, *, P: np.ndarray | None = None,
                     asset_hardness: np.ndarray | None = None,
                     asset_radius_m: np.ndarray | None = None,
                     asset_area_radius_m: np.ndarray | None = None,
                     lethal_radius_m: dict | None = None,
                     route_uncertainty: float = 0.05) -> dict[str, np.ndarray]:
    """Evaluate tracks against the defended assets.

    Parameters
    ----------
    x : ndarray of shape (m, 6)
        Track states, ENU m and m/s.
    asset_enu : ndarray of shape (a, 3)
    asset_value : ndarray of shape (a,)
    asset_alive : ndarray of shape (a,), bool
        Destroyed assets are no longer defended.
    P : ndarray of shape (m, 6, 6), optional
        Track covariances; their position and velocity spread widens the predicted miss.
    asset_hardness : ndarray of shape (a,), optional
        Hardness in [0, 1) (default 0): the lethal radius shrinks by ``1 - hardness``.
    asset_radius_m : ndarray of shape (a,), optional
        Explicit lethal radius per asset (NaN where the warhead's applies).
    asset_area_radius_m : ndarray of shape (a,), optional
        Area radius per asset (0 or default: point assets), m.
    lethal_radius_m : dict, optional
        Lethal radius of each threat class, m (default :data:`DEFAULT_LETHAL_RADIUS_M`).
    route_uncertainty : float, default 0.05
        Standard deviation of an air-breathing threat's path, as a fraction of its distance to
        go (routes turn; the straight prediction is only a guess).

    Returns
    -------
    dict
        ``kind`` (m,) inferred class and ``kind_code`` (m,) int its index in :data:`KINDS`;
        ``asset`` (m,) int threatened asset (-1 if none);
        ``time_to_go_s`` (m,) to impact or closest approach; ``miss_m`` (m,) predicted miss
        distance to that asset; ``impact_enu`` (m, 3) predicted impact or closest-approach
        point; ``value`` (m,) expected value destroyed if not intercepted.
    """
    m = x.shape[0]
    x = np.ascontiguousarray(x, dtype=float)
    na = asset_enu.shape[0]
    if m == 0 or na == 0:
        code = class_codes(x) if m else np.zeros(0, np.int64)
        return {"kind": _KIND_NAMES[code], "kind_code": code, "asset": np.full(m, -1),
                "time_to_go_s": np.full(m, np.inf), "miss_m": np.full(m, np.inf),
                "value": np.zeros(m), "impact_enu": x[:, :3].copy() if m else np.zeros((0, 3))}
    P = _NO_COV if P is None else np.ascontiguousarray(P, dtype=float)
    if P is not _NO_COV and P.shape != (m, 6, 6):
        raise ValueError(f"P must have shape ({m}, 6, 6) for {m} tracks, got {P.shape}")
    radii = {**DEFAULT_LETHAL_RADIUS_M, **(lethal_radius_m or {})}
    hard = np.zeros(na) if asset_hardness is None else np.asarray(asset_hardness, float)
    ar = np.full(na, np.nan) if asset_radius_m is None else np.asarray(asset_radius_m, float)
    area = np.zeros(na) if asset_area_radius_m is None else np.asarray(asset_area_radius_m,
                                                                       float)
    law = _damage_law(tuple(float(radii.get(k, 50.0)) for k in KINDS), hard.tobytes(),
                      ar.tobytes(), area.tobytes())
    code, a, tgo, miss, value, impact = _kernels.threat_values(
        x, P, _BALLISTIC, law, np.ascontiguousarray(asset_enu, dtype=float),
        np.asarray(asset_value, float), np.asarray(asset_alive, bool), float(route_uncertainty),
        DAMAGED_VALUE_FRACTION, _G)
    return {"kind": _KIND_NAMES[code], "kind_code": code, "asset": a, "time_to_go_s": tgo, "miss_m": miss,
            "value": value, "impact_enu": impact}


@functools.lru_cache(maxsize=32)
def _damage_law(class_radius_m: tuple, hardness: bytes, asset_radius_m: bytes,
                area_radius_m: bytes) -> np.ndarray:
    """The damage law of each class's warhead against each asset, shape (classes, a, 4).

    The assets' figures come as the bytes of float arrays (a,): they are the cache key, as the
    law is the same at every decision of a run (callers only read the array).
    """
    hard = np.frombuffer(hardness)
    ar = np.frombuffer(asset_radius_m)
    area = np.frombuffer(area_radius_m)
    R = np.array(class_radius_m)[:, None] * (1.0 - hard)[None, :]
    R = np.where(np.isnan(ar)[None, :], R, ar[None, :])
    return np.ascontiguousarray(np.stack(np.broadcast_arrays(*loss_law(R, area[None, :])),
                                         axis=-1))
