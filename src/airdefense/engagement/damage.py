"""Damage to defended assets from warhead impacts (lethal radius against hardness)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from airdefense.errors import AirDefenseError

__all__ = ["damage_probabilities", "apply_impacts", "area_loss_fractions", "AreaDamage",
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


def apply_impacts(state, impact_enu, warhead_radius_m, assets, rng: np.random.Generator,
                  probabilities: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
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
    probabilities : (ndarray, ndarray) of shape (k, a), optional
        These impacts' ``(p_destroy, p_damage)``, :func:`damage_probabilities` of the same
        arguments, where the caller has them (e.g. its rows of a table of every impact a run
        may take: each row is that impact's own numbers).

    Returns
    -------
    ndarray of shape (a,), int
    """
    new = np.asarray(state).copy()
    if len(impact_enu) == 0 or len(new) == 0:
        return new
    if probabilities is None:
        pk, pd = damage_probabilities(impact_enu, warhead_radius_m, assets.enu,
                                      assets.hardness, assets.lethal_radius_m)
    else:
        pk, pd = probabilities
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


#: Reach of the point law's kernels in lethal radii: ``2^-(11/2)^2 < 1e-9`` (damage term).
_REACH_R = 11.0
#: Grid step of the overlap integral over the narrowest destroy kernel's width
#: (``sigma = R / sqrt(2 ln 2)``): the trapezoid rule on Gaussians is then exact to ~1e-9.
_STEP_SIGMA = 1.0 / 1.5
_MAX_NODES = 801  # grid nodes per axis of one overlap integral, at most


class AreaDamage:
    """Value fractions the area assets have lost to a sequence of impacts, overlaps once.

    A piece of an area asset at ``x`` keeps ``prod_i (1 - l_i(x))`` of its value after the
    impacts ``i`` so far, ``l_i`` the point law's expected loss (:func:`loss_law`; uniform
    value density), so the asset has lost ``1 - mean_disc prod_i (1 - l_i)``: impacts whose
    lethal circles overlap do not take the same value twice (adding their shares did, and
    could pass the whole asset). Each impact's share is its closed-form disc mean
    (:func:`area_loss_fractions`) less the part of it on value earlier impacts took,
    ``mean_disc l_i (1 - prod_{j<i} (1 - l_j))`` (or, where that is most of it, the share
    itself, ``mean_disc l_i prod_{j<i} (1 - l_j)``), integrated on a square grid about the
    impact (trapezoid rule, step ``sigma / 1.5`` of the narrowest kernel involved) or, where
    the kernels reach the disc's rim, a polar product rule about its centre over the annulus
    sector that holds them (nodes as close), wherever an earlier impact's kernel reaches it,
    and zero elsewhere: an impact clear of the others takes exactly its closed-form share.

    Parameters
    ----------
    assets : AssetTable
        Its ``enu`` (a, 3), ``radius_m`` (a,) (0: a point asset, left alone), ``hardness`` and
        ``lethal_radius_m`` (a,).

    Attributes
    ----------
    lost : ndarray of shape (a,)
        Value fraction each asset has lost (0 for point assets), in ``[0, 1]``.
    """

    def __init__(self, assets) -> None:
        self.assets = assets
        area = np.asarray(assets.radius_m, float)
        self.lost = np.zeros(area.size)
        # The impacts on each area asset so far: the first _n_hits[j] rows of _hits[j]
        # (x, y, lethal radius), m.
        self._hits = np.zeros((area.size, 0, 3))
        self._n_hits = np.zeros(area.size, np.int64)
        self._centre = np.ascontiguousarray(np.asarray(assets.enu, float)[:, :2])
        self._area = np.ascontiguousarray(area)

    def hit(self, impact_enu, warhead_radius_m, fractions=None) -> np.ndarray:
        """Add impacts, in time order; return the value fraction each took, shape (k, a).

        Parameters
        ----------
        impact_enu : ndarray of shape (k, 3)
            Impact points, ENU m.
        warhead_radius_m : ndarray of shape (k,)
            Lethal radius of each warhead, m (the asset's hardness applies).
        fractions : ndarray of shape (k, a), optional
            These impacts' closed-form shares, :func:`area_loss_fractions` of the same
            arguments, where the caller has them (e.g. its rows of a table of every impact a
            run may take, whose rows are the same numbers); not modified.

        Raises
        ------
        AirDefenseError
            If ``fractions`` is not of shape (k, a).
        """
        # Imported here: the kernels import the C2 kernels, whose package imports this module.
        from airdefense.engagement._kernels import area_hits

        a = self.assets
        impact_enu = np.asarray(impact_enu, float).reshape(-1, 3)
        if fractions is None:
            frac = area_loss_fractions(impact_enu, warhead_radius_m, a)
        else:
            frac = np.array(fractions, dtype=float)  # a copy: the shares are corrected in it
            if frac.shape != (impact_enu.shape[0], self.lost.size):
                raise AirDefenseError(
                    f"AreaDamage.hit: fractions must be of shape (k, a) = "
                    f"({impact_enu.shape[0]}, {self.lost.size}) value fractions, got shape "
                    f"{frac.shape}")
        if not frac.any():
            return frac
        R = effective_lethal_radius(np.asarray(warhead_radius_m, float).reshape(-1),
                                    a.hardness, a.lethal_radius_m)
        R = np.maximum(R, 1e-9)
        k = frac.shape[0]
        need = int(self._n_hits.max(initial=0)) + k
        if self._hits.shape[1] < need:  # room for this batch's impacts
            grown = np.zeros((self._hits.shape[0], max(need, 2 * self._hits.shape[1]), 3))
            grown[:, :self._hits.shape[1]] = self._hits
            self._hits = grown
        xy = np.ascontiguousarray(impact_enu[:, :2])
        # Where an impact's window reaches the rim: its bearing from the centre and the arc
        # that holds the window (NumPy's functions, as the polar rule has always used).
        dx = xy[:, None, 0] - self._centre[None, :, 0]
        dy = xy[:, None, 1] - self._centre[None, :, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            th0 = np.arctan2(dy, dx)
            dth = np.arcsin(_REACH_R * R * np.sqrt(2.0) / np.hypot(dx, dy))
        near = np.empty((self._hits.shape[1], 3))
        j, i = 0, 0
        while True:
            order, j, i = area_hits(xy, R, frac, self.lost, self._hits, self._n_hits,
                                    self._centre, self._area, th0, dth, *_legendre_store(),
                                    j, i, near, _REACH_R, _SIGMA_DIV, _STEP_SIGMA, _MAX_NODES,
                                    DAMAGED_VALUE_FRACTION)
            if order == 0:
                return frac
            _add_legendre(order)


#: A lethal radius over its point law's destroy kernel's sigma, ``sqrt(2 ln 2)``.
_SIGMA_DIV = float(np.sqrt(2.0 * np.log(2.0)))


@lru_cache(maxsize=16)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [-1, 1], read-only."""
    u, w = np.polynomial.legendre.leggauss(n)
    u.flags.writeable = w.flags.writeable = False
    return u, w


#: The Gauss-Legendre tables the polar rule has used: where each order's nodes start in the
#: flat node and weight arrays (-1: not yet), and those arrays.
_LEGENDRE: list = [np.full(_MAX_NODES + 1, -1, np.int64), np.zeros(0), np.zeros(0)]


def _legendre_store() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _LEGENDRE[0], _LEGENDRE[1], _LEGENDRE[2]


def _add_legendre(n: int) -> None:
    """Add the order-``n`` table to :data:`_LEGENDRE` (:func:`_legendre`'s numbers)."""
    at, u, w = _LEGENDRE
    if at[n] >= 0:
        return
    un, wn = _legendre(n)
    at = at.copy()
    at[n] = u.size
    _LEGENDRE[:] = [at, np.concatenate([u, un]), np.concatenate([w, wn])]
