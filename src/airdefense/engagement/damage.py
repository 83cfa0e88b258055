"""Damage to defended assets from warhead impacts (lethal radius against hardness)."""

from __future__ import annotations

import numpy as np

__all__ = ["damage_probabilities", "apply_impacts", "area_loss_fractions",
           "effective_lethal_radius", "loss_law", "INTACT", "DAMAGED", "DESTROYED",
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

    A damaged asset that is damaged again is destroyed. Area assets are left alone here (see
    :func:`area_loss_fractions`).

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
    # Area assets lose value fractions (area_loss_fractions), not whole-asset draws.
    point = np.asarray(getattr(assets, "radius_m", np.zeros(len(new))), float) == 0
    for row in range(pk.shape[0]):  # impacts in time order: damage accumulates
        hit = np.where(u[row] < pk[row], DESTROYED, np.where(u[row] < pd[row], DAMAGED, INTACT))
        hit = np.where(point, hit, INTACT)
        worse = np.where((hit == DAMAGED) & (new == DAMAGED), DESTROYED, np.maximum(new, hit))
        new = worse
    return new


def loss_law(lethal_radius_m, area_radius_m) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                       np.ndarray]:
    """Amplitudes and widths of the expected-loss law ``sum_k a_k 2^-(d/w_k)^2``.

    A point asset (area radius 0) is destroyed with ``2^-(d/R)^2`` and damaged with
    ``2^-(d/2R)^2``. An area asset of radius ``A`` loses the share of its area inside the
    lethal circle, ``(R/A)^2``, spread over its area: ``(R/A')^2 2^-(d/A')^2`` with
    ``A' = max(A, R)``. Both reduce to the same law at ``A = 0``.

    Parameters
    ----------
    lethal_radius_m, area_radius_m : array_like, broadcastable
        Lethal radius against the asset (hardness applied) and the asset's area radius, m.

    Returns
    -------
    a_destroy, w_destroy, a_damage, w_damage : ndarray
        The expected value fraction lost at miss distance ``d`` is
        ``a_destroy 2^-(d/w_destroy)^2 + f (a_damage 2^-(d/w_damage)^2 - a_destroy
        2^-(d/w_destroy)^2)``, with ``f = DAMAGED_VALUE_FRACTION``.
    """
    R = np.maximum(np.asarray(lethal_radius_m, float), 1e-9)
    A = np.asarray(area_radius_m, float)
    w1 = np.maximum(A, R)
    w2 = np.maximum(A, 2.0 * R)
    return (R / w1) ** 2, w1, (2.0 * R / w2) ** 2, w2


def effective_lethal_radius(warhead_radius_m, hardness, asset_lethal_radius_m) -> np.ndarray:
    """Lethal radius of each warhead against each asset, shape (k, a), m.

    The asset's explicit radius where it has one (not NaN), else the warhead's radius shrunk by
    the asset's hardness.
    """
    alr = np.asarray(asset_lethal_radius_m, float)
    R = (np.asarray(warhead_radius_m, float)[:, None]
         * (1.0 - np.asarray(hardness, float))[None, :])
    return np.where(np.isnan(alr)[None, :], R, alr[None, :])


def area_loss_fractions(impact_enu, warhead_radius_m, assets) -> np.ndarray:
    """Fraction of each area asset's value each impact destroys, shape (k, a).

    Zero for point assets (``assets.radius_m == 0``), whose damage is drawn instead
    (:func:`apply_impacts`).
    """
    impact_enu = np.asarray(impact_enu, float).reshape(-1, 3)
    d = np.linalg.norm(impact_enu[:, None, :2] - assets.enu[None, :, :2], axis=-1)
    R = effective_lethal_radius(warhead_radius_m, assets.hardness, assets.lethal_radius_m)
    a1, w1, a2, w2 = loss_law(R, assets.radius_m[None, :])
    des = a1 * np.exp2(-((d / w1) ** 2))
    dam = a2 * np.exp2(-((d / w2) ** 2))
    frac = des + DAMAGED_VALUE_FRACTION * (dam - des)
    return np.where(assets.radius_m[None, :] > 0, frac, 0.0)
