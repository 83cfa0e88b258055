"""Single-shot kill probability: a table per (interceptor type, threat class), degraded by geometry.

The base value comes from the catalog (``pk`` of each interceptor preset, one entry per threat
class). It is multiplied by factors in [0, 1], each 1 in the heart of the envelope:

* **edge** -- the intercept point's range or altitude beyond ``EDGE_START`` of the maximum:
  ``1 - EDGE_LOSS * smoothstep((e - EDGE_START) / (1 - EDGE_START))``, ``e = max(r/r_max, h/h_max)``;
* **crossing** -- ``1 - CROSSING_LOSS * min(c / c_max, 1)^2`` (offset of the target's path from
  the launcher against the type's maximum crossing range);
* **target speed** -- ``1 - SPEED_LOSS * min(v / v_max, 1)^2``;
* **manoeuvre** -- an interceptor needs about ``G_MARGIN`` times the target's acceleration:
  ``min(1, g_i / (G_MARGIN g_t))``;
* **track quality** -- the end game absorbs a position error up to its guidance's basket
  (``BASKET_M``): ``(1 - QUALITY_LOSS (1 - q)) / (1 + (sigma / basket)^2)`` with ``sigma`` the
  track's RMS position error and ``q`` its quality score.

Every factor is non-increasing in crossing range and in target speed, so the kill probability is.

A gun's table value is its point-blank burst Pk; its fire control and end game pass the burst
law of :mod:`airdefense.engagement.guns` (aiming error and dispersion growing with range) as
``pk_base`` with no edge factor (``range_frac = alt_frac = 0``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["kill_probability", "draw_hits", "draw_end_games", "draw_end_game",
           "cumulative_kill_probability", "position_sigma", "BASKET_M", "LETHAL_RADIUS_M",
           "CLASS_G", "EDGE_START", "EDGE_LOSS", "CROSSING_LOSS", "SPEED_LOSS",
           "G_MARGIN", "QUALITY_LOSS"]

EDGE_START = 0.8
EDGE_LOSS = 0.3
CROSSING_LOSS = 0.4
SPEED_LOSS = 0.3
G_MARGIN = 3.0
QUALITY_LOSS = 0.3

#: Position error (m, RMS) of the track at launch that the guidance absorbs (notional): a homing
#: seeker's acquisition basket (kilometres), or for command guidance the fire-control radar's
#: precision track, which refines a search track of about this error before the end game.
BASKET_M = {"command": 150.0, "semi_active": 1000.0, "track_via_missile": 1000.0,
            "active": 1500.0, "gun": 30.0}

#: Lethal radius of the warhead (m, notional) by guidance, the scale of the end game's miss
#: distance (:func:`draw_end_games`): hit-to-kill (PAC-3, active: body contact and its
#: lethality enhancer), blast-fragmentation with proximity fuzes (PAC-2 GEM 90 kg, HAWK 75 kg,
#: Tor 15 kg), and the 35 mm AHEAD cloud (~7 m across where it meets the target). Each is
#: inside its guidance's capture radius (``interceptors.CAPTURE_RADIUS_M``).
LETHAL_RADIUS_M = {"command": 7.0, "semi_active": 15.0, "track_via_missile": 20.0,
                   "active": 2.0, "gun": 3.5}

#: Typical manoeuvre limit of each threat class (g), used when the target's own is not known
#: (the catalog's threat presets: shahed136 2, kh101 4, iskander_m 20, fighter 7, helicopter 2.5).
CLASS_G = {"drone": 2.0, "cruise": 4.0, "ballistic": 20.0, "aircraft": 7.0, "helicopter": 2.5}


@njit(cache=True)
def pk_one(pk_base, range_frac, alt_frac, crossing_frac, speed_frac, g_ratio, sigma_m,
           basket_m, quality):
    """:func:`kill_probability` of one geometry (scalars): the law's single definition."""
    e = max(range_frac, alt_frac)
    xe = min(max((e - EDGE_START) / (1.0 - EDGE_START), 0.0), 1.0)
    f_edge = 1.0 - EDGE_LOSS * (xe * xe * (3.0 - 2.0 * xe))
    c = min(max(crossing_frac, 0.0), 1.0)
    f_cross = 1.0 - CROSSING_LOSS * c * c
    v = min(max(speed_frac, 0.0), 1.0)
    f_speed = 1.0 - SPEED_LOSS * v * v
    gr = max(g_ratio, 0.0)
    f_man = min(1.0, 1.0 / max(G_MARGIN * gr, 1e-300))
    s = sigma_m / basket_m
    q = min(max(quality, 0.0), 1.0)
    f_q = (1.0 - QUALITY_LOSS * (1.0 - q)) / (1.0 + s * s)
    return min(max(pk_base * f_edge * f_cross * f_speed * f_man * f_q, 0.0), 1.0)


@njit(cache=True)
def burst_pk_one(pk0, range_m, tof_s, n, aim_rad, disp_rad, area_m2, vel_mps):
    """Kill probability of one burst (scalars): the law's single definition.

    ``pk0`` the point-blank burst value (the catalog's table), ``range_m`` the slant range, m,
    ``tof_s`` the round's time of flight, s, ``n`` rounds per burst, ``aim_rad`` and
    ``disp_rad`` the aiming error (shared by the burst) and the dispersion (per round), rad,
    ``area_m2`` the effective presented area, m^2, ``vel_mps`` the velocity prediction error,
    m/s (shared). See :mod:`airdefense.engagement.guns`
    (kept here, with the other compiled Pk law, for the kernel cache).
    """
    p0 = min(max(pk0, 0.0), 1.0)
    nn = max(int(n + 0.5), 1)
    pkh = 1.0 - (1.0 - p0) ** (1.0 / nn)  # kill given hit, per round
    r = max(range_m, 0.0)
    t = tof_s if math.isfinite(tof_s) else 0.0
    t = max(t, 0.0)
    s2 = area_m2 / (2.0 * math.pi)
    sd2 = (disp_rad * r) ** 2
    sb2 = (aim_rad * r) ** 2 + (vel_mps * t) ** 2
    S2 = s2 + sd2
    c = pkh * s2 / S2 if S2 > 0.0 else pkh
    if sb2 <= 0.0 or c <= 0.0:  # independent rounds
        return 1.0 - (1.0 - c) ** nn
    beta = S2 / sb2
    if c >= 1.0:  # every round hits given the bias: only the bias decides
        w = 1.0
        for i in range(1, nn + 1):
            w *= i / (beta + i)
        return 1.0 - w
    lc, l1c = math.log(c), math.log1p(-c)
    lg = math.lgamma(nn + 1.0)
    q = 0.0
    w = 1.0  # prod_{i<=k} i / (beta + i)
    for k in range(nn + 1):
        if k > 0:
            w *= k / (beta + k)
        q += math.exp(lg - math.lgamma(k + 1.0) - math.lgamma(nn - k + 1.0) + k * lc
                      + (nn - k) * l1c) * w
    return min(max(1.0 - q, 0.0), 1.0)


@njit(cache=True)
def _burst_rows(args):
    out = np.empty(args.shape[1])
    for q in range(args.shape[1]):
        out[q] = burst_pk_one(args[0, q], args[1, q], args[2, q], args[3, q], args[4, q],
                              args[5, q], args[6, q], args[7, q])
    return out


@njit(cache=True)
def _pk_rows(args):
    out = np.empty(args.shape[1])
    for q in range(args.shape[1]):
        out[q] = pk_one(args[0, q], args[1, q], args[2, q], args[3, q], args[4, q], args[5, q],
                        args[6, q], args[7, q], args[8, q])
    return out


def kill_probability(pk_base, *, range_frac=0.0, alt_frac=0.0, crossing_frac=0.0,
                     speed_frac=0.0, g_ratio=0.0, sigma_m=0.0, basket_m=np.inf,
                     quality=1.0) -> np.ndarray:
    """Single-shot kill probability for an intercept geometry (arrays broadcast).

    Parameters
    ----------
    pk_base : array_like
        Table value for the (interceptor type, threat class) pair, in [0, 1].
    range_frac, alt_frac : array_like, default 0
        Intercept range over the type's maximum range; intercept height over its maximum altitude.
    crossing_frac : array_like, default 0
        Crossing (offset) range over the type's maximum crossing range (0 where it has none).
    speed_frac : array_like, default 0
        Target speed over the type's maximum target speed.
    g_ratio : array_like, default 0
        Target's manoeuvre limit over the interceptor's (both in g).
    sigma_m : array_like, default 0
        RMS position error of the track, m.
    basket_m : array_like, default inf
        Error the end game absorbs, m (see :data:`BASKET_M`).
    quality : array_like, default 1
        Track quality score in [0, 1].

    Returns
    -------
    ndarray
        Kill probability in [0, 1].

    Examples
    --------
    >>> float(kill_probability(0.8))
    0.8
    >>> float(kill_probability(0.8, crossing_frac=1.0))  # 0.8 * (1 - 0.4)
    0.48
    """
    args = np.broadcast_arrays(*(np.asarray(a, float) for a in (
        pk_base, range_frac, alt_frac, crossing_frac, speed_frac, g_ratio, sigma_m, basket_m,
        quality)))
    shape = args[0].shape
    return _pk_rows(np.stack([a.ravel() for a in args])).reshape(shape)


def position_sigma(P: np.ndarray) -> np.ndarray:
    """RMS position error of tracks, ``sqrt(trace(P_pos) / 3)``, shape (m,), m.

    Parameters
    ----------
    P : ndarray of shape (m, 6, 6)
        Track covariances.
    """
    P = np.asarray(P, float)
    return _position_sigmas(P if P.flags.c_contiguous else np.ascontiguousarray(P))


@njit(cache=True)
def _position_sigmas(P):
    m = P.shape[0]
    out = np.empty(m)
    for i in range(m):
        tr = P[i, 0, 0] + P[i, 1, 1] + P[i, 2, 2]  # the trace, summed in this order
        out[i] = math.sqrt(max(tr, 0.0) / 3.0)
    return out


def draw_hits(pk, rng: np.random.Generator) -> np.ndarray:
    """Draw end-game outcomes: True with probability ``pk`` each.

    Parameters
    ----------
    pk : array_like of shape (n,)
        Kill probabilities.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n,), bool
    """
    pk = np.asarray(pk, float)
    return rng.random(pk.shape) < pk


def draw_end_games(pk, lethal_radius_m, rng: np.random.Generator,
                   capture_radius_m=np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Draw end-game outcomes and the miss distances consistent with them.

    The end-game miss model the kill probability implies: a circular normal miss (the
    distance follows a Rayleigh law) against a cookie-cutter lethal radius ``r_L``, with
    ``sigma`` such that the miss falls inside the lethal radius with probability ``pk``,
    ``1 - exp(-r_L^2 / 2 sigma^2) = pk``. One uniform ``u`` per end game (the draw of
    :func:`draw_hits`: the same numbers, in the same order) gives both: a hit when
    ``u < pk``, and the miss ``d = sigma sqrt(-2 ln(1 - u)) = r_L sqrt(ln(1 - u) / ln(1 - pk))``
    (the law's quantile at ``u``). So a hit's miss is within the lethal radius and a miss's
    at or beyond it, and over many end games of one ``pk`` the misses follow the Rayleigh law.
    The Pk decides the outcome; the miss distance only reports it. An end game happens only
    inside the round's capture radius ``r_C``, so a miss's distance follows the law's tail
    truncated there: ``u`` in ``[pk, 1)`` is mapped linearly onto ``[pk, F(r_C))``, ``F`` the
    law's distribution function (the outcome, ``u < pk``, is unchanged).

    Parameters
    ----------
    pk : array_like of shape (n,)
        Kill probabilities.
    lethal_radius_m : array_like of shape (n,) or scalar
        Lethal radius of each round's warhead, m (:data:`LETHAL_RADIUS_M`).
    rng : numpy.random.Generator
    capture_radius_m : array_like of shape (n,) or scalar, default inf
        Capture radius of each round, m (the end game's bound; ``inf``: no bound).

    Returns
    -------
    hit : ndarray of shape (n,), bool
    miss_m : ndarray of shape (n,)
        Miss distances, m; NaN where ``pk <= 0`` (no miss law: an end game outside the
        envelope, whose miss the Pk does not tell); 0 where ``pk >= 1``.

    Examples
    --------
    >>> hit, miss = draw_end_games([0.8, 0.8], 2.0, np.random.default_rng(1))
    >>> bool(((miss <= 2.0) == hit).all())
    True
    """
    pk = np.asarray(pk, float)
    return _end_games_of(rng.random(pk.shape), pk, lethal_radius_m, capture_radius_m)


def _end_games_of(u, pk: np.ndarray, lethal_radius_m, capture_radius_m):
    """:func:`draw_end_games`'s outcomes and misses of the uniforms ``u`` (its draws)."""
    r_l = np.asarray(lethal_radius_m, float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lq = np.log1p(-np.minimum(pk, 1.0))  # ln(1 - pk) < 0
        # F(r_C) = 1 - (1 - pk)^((r_C / r_L)^2); at least pk (a capture radius inside the
        # lethal radius leaves a miss at the lethal radius).
        top = np.maximum(-np.expm1(lq * (np.asarray(capture_radius_m, float) / r_l) ** 2), pk)
        v = np.where(u < pk, u, pk + (u - pk) * (top - pk) / (1.0 - pk))
        ratio = np.log1p(-v) / lq
    miss = r_l * np.sqrt(np.abs(ratio))
    return u < pk, np.where(pk > 0.0, miss, np.nan)


def draw_end_game(pk: float, lethal_radius_m: float, rng: np.random.Generator,
                  capture_radius_m: float = np.inf) -> tuple[bool, float]:
    """:func:`draw_end_games` of one end game (scalars), the same draw and the same numbers.

    The simulation draws its end games one at a time (a hit may take the next round's target
    away): this spares the array machinery. The logarithms are NumPy's, as in
    :func:`draw_end_games` (the math module's may differ in the last bit); the rest is
    float arithmetic in the same order, correctly rounded either way.

    Parameters
    ----------
    pk : float
        Kill probability.
    lethal_radius_m : float
        Lethal radius of the round's warhead, m.
    rng : numpy.random.Generator
    capture_radius_m : float, default inf
        Capture radius of the round, m.

    Returns
    -------
    hit : bool
    miss_m : float
        Miss distance, m (NaN where ``pk <= 0``).
    """
    p, r_l, r_c = float(pk), float(lethal_radius_m), float(capture_radius_m)
    u = rng.random()  # one uniform, drawn as draw_end_games draws it (the same double)
    if 0.0 < p < 1.0 and 0.0 < r_l < math.inf and 0.0 <= r_c < math.inf:
        lq = float(_log1p(-p))
        # (a 0-d array's quotient is a NumPy float, whose power is libm's pow, as here)
        top = max(-float(_expm1(lq * (r_c / r_l) ** 2)), p)
        v = u if u < p else p + (u - p) * (top - p) / (1.0 - p)
        if v < 1.0:
            return u < p, r_l * math.sqrt(abs(float(_log1p(-v)) / lq))
    # The edges (pk 0 or 1, no capture radius, ...) take the array path with this draw.
    hit, miss = _end_games_of(np.float64(u), np.asarray(p), r_l, r_c)
    return bool(hit), float(miss)


_log1p, _expm1 = np.log1p, np.expm1


def cumulative_kill_probability(p, n) -> np.ndarray:
    """Probability that at least one of ``n`` independent shots kills: ``1 - (1 - p)^n``.

    Examples
    --------
    >>> float(cumulative_kill_probability(0.5, 3))
    0.875
    """
    return 1.0 - (1.0 - np.asarray(p, float)) ** np.maximum(np.asarray(n, float), 0.0)
