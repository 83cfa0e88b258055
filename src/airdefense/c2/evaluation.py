"""Threat evaluation: the asset each track threatens, its time to go and its threat value."""

from __future__ import annotations

import numpy as np

__all__ = ["evaluate_threats", "classify"]


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
    v = np.linalg.norm(x[:, 3:], axis=1)
    z = x[:, 2]
    vz = x[:, 5]
    kind = np.where(v > 700.0, "ballistic", "drone").astype(object)
    kind = np.where((v <= 700.0) & (np.abs(vz) > 300.0), "ballistic", kind)
    fast = (v > 140.0) & (v <= 700.0) & (np.abs(vz) <= 300.0)
    kind = np.where(fast & (z < 2000.0), "cruise", kind)
    kind = np.where(fast & (z >= 2000.0), "aircraft", kind)
    slow = v <= 140.0
    kind = np.where(slow & (v > 60.0), "helicopter", kind)
    return kind


def evaluate_threats(x: np.ndarray, asset_enu: np.ndarray, asset_value: np.ndarray,
                     asset_alive: np.ndarray) -> dict[str, np.ndarray]:
    """Evaluate tracks against the defended assets.

    The threatened asset is the one closest to the track's predicted straight path (closest
    approach ahead of the track); time to go is the time to that closest approach.

    Parameters
    ----------
    x : ndarray of shape (m, 6)
        Track states.
    asset_enu : ndarray of shape (a, 3)
    asset_value : ndarray of shape (a,)
    asset_alive : ndarray of shape (a,), bool
        Destroyed assets are no longer defended.

    Returns
    -------
    dict
        ``kind`` (m,), ``asset`` (m,) int (-1 if none), ``time_to_go_s`` (m,),
        ``miss_m`` (m,) predicted miss distance to that asset, ``value`` (m,) threat value.
    """
    m = x.shape[0]
    kind = classify(x) if m else np.zeros(0, object)
    if m == 0 or asset_enu.shape[0] == 0:
        return {"kind": kind, "asset": np.full(m, -1), "time_to_go_s": np.full(m, np.inf),
                "miss_m": np.full(m, np.inf), "value": np.zeros(m)}
    r = asset_enu[None, :, :2] - x[:, None, :2]  # horizontal geometry
    v = x[:, None, 3:5]
    vv = np.maximum(np.sum(v * v, axis=-1), 1e-9)
    tca = np.maximum(np.sum(r * v, axis=-1) / vv, 0.0)
    miss = np.linalg.norm(r - v * tca[..., None], axis=-1)
    # Ballistic tracks descend steeply: their horizontal speed still points at the target.
    score = np.where(asset_alive[None, :], miss, np.inf)
    a = np.argmin(score, axis=1)
    rows = np.arange(m)
    ttg = tca[rows, a]
    best_miss = miss[rows, a]
    value = np.where(np.isfinite(score[rows, a]), asset_value[a], 0.0)
    # Value at risk falls with the predicted miss distance (a track passing 10 km away threatens less).
    value = value * np.exp(-((best_miss / 5000.0) ** 2))
    return {"kind": kind, "asset": np.where(np.isfinite(score[rows, a]), a, -1),
            "time_to_go_s": ttg, "miss_m": best_miss, "value": value}
