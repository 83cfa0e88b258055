"""Damage to defended assets from warhead impacts (lethal radius against hardness)."""

from __future__ import annotations

import numpy as np

__all__ = ["damage_probabilities", "apply_impacts", "INTACT", "DAMAGED", "DESTROYED",
           "DAMAGED_VALUE_FRACTION"]

INTACT, DAMAGED, DESTROYED = 0, 1, 2
DAMAGED_VALUE_FRACTION = 0.5


def damage_probabilities(impact_enu, warhead_radius_m, asset_enu, hardness, asset_radius_m
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities that each impact destroys / at least damages each asset.

    The lethal radius ``R`` is the asset's explicit radius, else the warhead's radius shrunk by
    the asset's hardness, ``R_w (1 - hardness)``. An asset at miss distance ``d`` is destroyed
    with probability ``2^-(d/R)^2`` (so 0.5 at ``R``) and damaged or worse with
    ``2^-(d/2R)^2``.

    Parameters
    ----------
    impact_enu : ndarray of shape (k, 3)
    warhead_radius_m : ndarray of shape (k,)
    asset_enu : ndarray of shape (a, 3)
    hardness : ndarray of shape (a,)
    asset_radius_m : ndarray of shape (a,)
        NaN where the warhead's radius applies.

    Returns
    -------
    p_destroy, p_damage : ndarray of shape (k, a)
    """
    d = np.linalg.norm(np.asarray(impact_enu)[:, None, :2] - np.asarray(asset_enu)[None, :, :2],
                       axis=-1)
    R = np.where(np.isnan(asset_radius_m)[None, :],
                 np.asarray(warhead_radius_m)[:, None] * (1.0 - np.asarray(hardness))[None, :],
                 np.asarray(asset_radius_m)[None, :])
    R = np.maximum(R, 1e-9)
    p_destroy = np.exp2(-((d / R) ** 2))
    p_damage = np.exp2(-((d / (2.0 * R)) ** 2))
    return p_destroy, p_damage


def apply_impacts(state, impact_enu, warhead_radius_m, assets, rng: np.random.Generator
                  ) -> np.ndarray:
    """Draw the damage of a batch of impacts and return the new asset states.

    A damaged asset that is damaged again is destroyed.

    Parameters
    ----------
    state : ndarray of shape (a,), int
        Current states (INTACT, DAMAGED, DESTROYED).
    impact_enu : ndarray of shape (k, 3)
    warhead_radius_m : ndarray of shape (k,)
    assets : AssetTable
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (a,), int
    """
    new = np.asarray(state).copy()
    if len(impact_enu) == 0 or len(new) == 0:
        return new
    pk, pd = damage_probabilities(impact_enu, warhead_radius_m, assets.enu, assets.hardness,
                                  assets.lethal_radius_m)
    u = rng.random(pk.shape)
    for row in range(pk.shape[0]):  # impacts in time order: damage accumulates
        hit = np.where(u[row] < pk[row], DESTROYED, np.where(u[row] < pd[row], DAMAGED, INTACT))
        worse = np.where((hit == DAMAGED) & (new == DAMAGED), DESTROYED, np.maximum(new, hit))
        new = worse
    return new
