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
    """Area radii and widths of the expected-loss law of an asset.

    A point asset (area radius 0) at miss distance ``d`` is destroyed with ``2^-(d/R)^2`` and
    damaged with ``2^-(d/2R)^2``. An area asset of radius ``A`` is that point law applied to
    each piece of its area: it loses the mean of the point law over the disc (uniform value
    density), ``mean_{x in disc} 2^-(|x - impact|/w)^2`` for ``w = R`` (destroyed) and ``2R``
    (damaged), a Rice-law (Marcum Q) closed form
    (:func:`airdefense.engagement._kernels.disc_mean_exp2`). It reduces to the point law as
    ``A -> 0``; an impact deep inside a large area takes the point law's effective lethal
    area, ``pi R^2 / ln 2``, as its share, ``(R/A)^2 / ln 2``.

    Parameters
    ----------
    lethal_radius_m, area_radius_m : array_like, broadcastable
        Lethal radius against the asset (hardness applied) and the asset's area radius, m.

    Returns
    -------
    a_destroy, w_destroy, a_damage, w_damage : ndarray
        Area radius and kernel width (m) of the destroy and damage terms: the expected value
        fraction lost at an impact ``N(mu, s^2 I_2)`` is ``p_des + f (p_dam - p_des)``,
        ``p = disc_mean_exp2(|mu|^2, s^2, w, a)``, ``f = DAMAGED_VALUE_FRACTION``
        (:func:`airdefense.engagement._kernels.loss_fraction`).
    """
    R = np.maximum(np.asarray(lethal_radius_m, float), 1e-9)
    A = np.maximum(np.asarray(area_radius_m, float), 0.0)
    A, R = np.broadcast_arrays(A, R)
    return A.copy(), R.copy(), A.copy(), 2.0 * R


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

    The point damage law's mean over the asset's disc (:func:`loss_law`). Zero for point
    assets (``assets.radius_m == 0``), whose damage is drawn instead
    (:func:`apply_impacts`).
    """
    # Imported here: the kernels import the C2 kernels, whose package imports this module.
    from airdefense.engagement._kernels import loss_fractions

    impact_enu = np.asarray(impact_enu, float).reshape(-1, 3)
    area = np.asarray(assets.radius_m, float)
    out = np.zeros((impact_enu.shape[0], area.size))
    cols = np.flatnonzero(area > 0)
    if cols.size == 0 or out.size == 0:
        return out
    dx = impact_enu[:, None, :2] - assets.enu[None, cols, :2]
    mu2 = np.ascontiguousarray(dx[..., 0] ** 2 + dx[..., 1] ** 2)
    R = effective_lethal_radius(warhead_radius_m, assets.hardness[cols],
                                np.asarray(assets.lethal_radius_m, float)[cols])
    law = [np.ascontiguousarray(np.broadcast_to(v, mu2.shape)).ravel()
           for v in loss_law(R, area[None, cols])]
    out[:, cols] = loss_fractions(mu2.ravel(), np.zeros(mu2.size), *law,
                                  DAMAGED_VALUE_FRACTION).reshape(mu2.shape)
    return out
