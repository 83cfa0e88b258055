"""Guns: kill probability per burst, accumulated over the time a target spends in gun range.

A gun fires bursts one minimum launch interval apart while the target is in range, as long as it
has bursts left (its ammunition is the launcher's ``rounds``, one per burst). With a
single-burst kill probability ``p`` and ``n`` bursts, the engagement kills with
``P = 1 - (1 - p)^n``.

The time in range is that of the track's straight-line path: the interval where its slant range
to the gun lies within ``[min_range, max_range]`` (the roots of a quadratic) and, where given,
its height within the gun's altitude band (a flat-earth height, ``z``: a gun's few kilometres of
range drop the surface by about a metre), starting now.
"""

from __future__ import annotations

import numpy as np

from airdefense.engagement.pk import cumulative_kill_probability

__all__ = ["time_in_range", "gun_engagement"]


def _roots(d, v, R):
    """Times when ``|d + v u| = R``: (u1, u2) with u1 <= u2, NaN where never."""
    a = np.sum(v * v, axis=-1)
    b = 2.0 * np.sum(d * v, axis=-1)
    c = np.sum(d * d, axis=-1) - R * R
    disc = b * b - 4.0 * a * c
    with np.errstate(divide="ignore", invalid="ignore"):
        sq = np.sqrt(np.where(disc >= 0, disc, np.nan))
        u1 = (-b - sq) / (2.0 * a)
        u2 = (-b + sq) / (2.0 * a)
    still = a <= 1e-12  # a target at rest: always or never in range
    inside = c <= 0
    u1 = np.where(still, np.where(inside, -np.inf, np.nan), u1)
    u2 = np.where(still, np.where(inside, np.inf, np.nan), u2)
    return u1, u2


def _band(z, vz, lo, hi):
    """Times when ``lo <= z + vz u <= hi``: (u1, u2), NaN where never."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (lo - z) / vz
        b = (hi - z) / vz
    u1, u2 = np.minimum(a, b), np.maximum(a, b)
    level = np.abs(vz) <= 1e-12  # level flight: always or never inside the band
    inside = (z >= lo) & (z <= hi)
    u1 = np.where(level, np.where(inside, -np.inf, np.nan), u1)
    u2 = np.where(level, np.where(inside, np.inf, np.nan), u2)
    return u1, u2


def time_in_range(tracks_x: np.ndarray, gun_enu: np.ndarray, min_range_m, max_range_m,
                  horizon_s: float = np.inf, min_alt_m=None, max_alt_m=None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """When each track is within each gun's range (and altitude band) along its straight-line
    path.

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
        Track states now, ENU m and m/s.
    gun_enu : ndarray of shape (G, 3)
        Gun positions, m.
    min_range_m, max_range_m : array_like of shape (G,)
        Gun range limits (slant), m.
    horizon_s : float, default inf
        Latest time ahead considered, s.
    min_alt_m, max_alt_m : array_like of shape (G,), optional
        Altitude band of each gun (target ``z``), m; default none.

    Returns
    -------
    enter, leave : ndarray of shape (m, G)
        Times ahead (s, from 0) when the target enters and leaves the outer range inside the
        altitude band; NaN where it never does.
    duration : ndarray of shape (m, G)
        Time in range from now on, excluding the time inside the minimum range, s.
    """
    x = np.asarray(tracks_x, float).reshape(-1, 6)
    G = np.asarray(gun_enu, float).reshape(-1, 3)
    d = x[:, None, :3] - G[None, :, :]
    v = np.broadcast_to(x[:, None, 3:], d.shape)
    rmax = np.broadcast_to(np.asarray(max_range_m, float), (G.shape[0],))
    rmin = np.broadcast_to(np.asarray(min_range_m, float), (G.shape[0],))
    o1, o2 = _roots(d, v, rmax[None, :])
    i1, i2 = _roots(d, v, rmin[None, :])
    if min_alt_m is not None or max_alt_m is not None:
        g = G.shape[0]
        lo_a = np.broadcast_to(np.asarray(-np.inf if min_alt_m is None else min_alt_m, float),
                               (g,))
        hi_a = np.broadcast_to(np.asarray(np.inf if max_alt_m is None else max_alt_m, float),
                               (g,))
        a1, a2 = _band(x[:, None, 2], x[:, None, 5], lo_a[None, :], hi_a[None, :])
        o1, o2 = np.fmax(o1, a1), np.fmin(o2, a2)  # fmax/fmin: NaN only where both are
        gone = np.isnan(a1) | np.isnan(o1) | np.isnan(o2) | (o1 > o2)
        o1, o2 = np.where(gone, np.nan, o1), np.where(gone, np.nan, o2)
    enter = np.clip(o1, 0.0, horizon_s)
    leave = np.clip(o2, 0.0, horizon_s)
    outer = np.nan_to_num(np.maximum(leave - enter, 0.0), nan=0.0)
    lo = np.clip(np.maximum(i1, enter), 0.0, horizon_s)
    hi = np.clip(np.minimum(i2, leave), 0.0, horizon_s)
    inner = np.nan_to_num(np.maximum(hi - lo, 0.0), nan=0.0)  # NaN: never inside min range
    never = np.isnan(o1) | (o2 < 0)
    enter = np.where(never, np.nan, enter)
    leave = np.where(never, np.nan, leave)
    duration = np.where(never, 0.0, np.maximum(outer - inner, 0.0))
    return enter, leave, duration


def gun_engagement(tracks_x: np.ndarray, launchers, p_burst, gun_idx=None,
                   horizon_s: float = np.inf) -> dict[str, np.ndarray]:
    """Bursts and accumulated kill probability of guns against tracks.

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
        Track states now.
    launchers : LauncherState
    p_burst : array_like broadcasting to (m, G)
        Kill probability of one burst (e.g. the ``pk`` of
        :func:`airdefense.engagement.envelope.feasibility` for those columns).
    gun_idx : ndarray of shape (G,), int, optional
        Launcher indices of the guns (default: every launcher whose guidance is ``gun``).
    horizon_s : float, default inf
        Latest time ahead considered, s.

    Returns
    -------
    dict
        ``gun`` (G,) launcher indices; ``enter_s``, ``leave_s``, ``time_in_range_s`` (m, G);
        ``n_bursts`` (m, G) int: bursts one minimum launch interval apart while in range,
        at most the bursts left; ``p_kill`` (m, G): ``1 - (1 - p_burst)^n_bursts``.

    Examples
    --------
    >>> res = gun_engagement(x, launchers, p_burst=0.5)  # doctest: +SKIP
    """
    if gun_idx is None:
        gun_idx = np.flatnonzero(np.asarray(launchers.guidance) == "gun")
    gun_idx = np.asarray(gun_idx, int)
    enter, leave, dur = time_in_range(tracks_x, launchers.enu[gun_idx],
                                      launchers.min_range[gun_idx],
                                      launchers.max_range[gun_idx], horizon_s,
                                      launchers.min_alt[gun_idx], launchers.max_alt[gun_idx])
    interval = np.maximum(launchers.min_interval_s[gun_idx], 1e-3)[None, :]
    left = launchers.rounds[gun_idx][None, :]
    n = np.where(dur > 0, np.floor(dur / interval) + 1, 0).astype(int)
    n = np.minimum(n, left)
    p = np.broadcast_to(np.asarray(p_burst, float), n.shape)
    return {"gun": gun_idx, "enter_s": enter, "leave_s": leave, "time_in_range_s": dur,
            "n_bursts": n, "p_kill": cumulative_kill_probability(p, n)}
