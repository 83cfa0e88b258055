"""Guns: kill probability of a burst from aiming error and dispersion, and accumulated over the
time a target spends in gun range.

**Burst.** A burst is ``n`` rounds (``rounds_per_burst``) aimed at the predicted point. At slant
range ``R`` (m) and the round's time of flight ``tof`` (s) there, the miss of a round is the sum
of a bias that all rounds of the burst share (fire-control aiming error ``sigma_aim R`` and the
prediction error ``sigma_v tof`` of the target's motion over the flight) and the round's own
dispersion ``sigma_disp R``, each circular normal (angles in rad):

* ``sb^2 = (sigma_aim R)^2 + (sigma_v tof)^2`` (per axis, shared), ``sd^2 = (sigma_disp R)^2``;
* the target (effective presented area ``A``, m^2) is a Carleton footprint: a round passing
  ``d`` from its centre hits with ``exp(-d^2 / (2 s^2))``, ``2 pi s^2 = A``. One round then hits
  with ``P_h = A / (A + 2 pi (sb^2 + sd^2))``, the Carleton form (Ball 2003, ch. 5);
* a hit kills with ``P_k|h`` (per threat class). Without bias the rounds are independent:
  ``P_burst = 1 - (1 - P_k|h P_h)^n``. With the shared bias the burst integrates over it; with
  ``c = P_k|h s^2 / (s^2 + sd^2)`` and ``beta = (s^2 + sd^2) / sb^2`` it is the closed form
  ``1 - sum_k Binom(n, k; c) prod_{i<=k} i / (beta + i)`` (:func:`burst_kill_probability`):
  the terminating ``2F1(-n, beta; beta + 1; c)`` of the integral over the circular normal
  bias after Pfaff's transformation, every term positive.

At ``R = 0`` every round hits and ``P_burst = 1 - (1 - P_k|h)^n``: the catalog's ``pk`` of a
gun is this point-blank burst value (the table the control unit weighs), from which
``P_k|h = 1 - (1 - pk)^(1/n)``. The fire control's and the end game's Pk of a gun are
:func:`airdefense.engagement.pk.pk_one` of the burst value with no edge factor (the range law
replaces it): the same crossing, speed, manoeuvre and track factors as a missile's.

**Engagement.** A gun fires bursts one minimum launch interval apart while the target is in
range (pausing while it is inside the minimum range, the dead zone, and going on from its exit),
as long as it has bursts left (its ammunition is the launcher's ``rounds``, one per burst). With a
single-burst kill probability ``p`` and ``n`` bursts, the engagement kills with
``P = 1 - (1 - p)^n``; by default each burst has its own, the burst law at the target's range
when it is fired, and ``P = 1 - prod(1 - p_k)``.

The time in range is that of the track's straight-line path: the interval where its slant range
to the gun lies within ``[min_range, max_range]`` (the roots of a quadratic) and, where given,
its height within the gun's altitude band (a flat-earth height, ``z``: a gun's few kilometres of
range drop the surface by about a metre), starting now.
"""

from __future__ import annotations

import numpy as np

from airdefense.engagement.pk import _burst_rows, cumulative_kill_probability
from airdefense.geo import EARTH_RADIUS_M

__all__ = ["time_in_range", "gun_engagement", "burst_kill_probability", "hit_probability",
           "kill_given_hit", "gun_rows", "GUN_FIELDS"]

#: Gun figures of the launcher rows (:func:`gun_rows`), in column order: rounds per burst
#: (0: not a gun), aiming error (rad), dispersion (rad), effective presented area (m^2),
#: velocity prediction error (m/s).
GUN_FIELDS = ("rounds_per_burst", "aim_error_rad", "dispersion_rad", "presented_area_m2",
              "velocity_error_mps")


def burst_kill_probability(pk0, range_m, tof_s=0.0, *, rounds_per_burst, aim_error_mrad,
                           dispersion_mrad, presented_area_m2, velocity_error_mps=0.0
                           ) -> np.ndarray:
    """Kill probability of one gun burst at a range (arrays broadcast).

    Parameters
    ----------
    pk0 : array_like
        Point-blank burst kill probability (the catalog's ``pk`` of the gun for the class).
    range_m : array_like
        Slant range of the intercept point, m.
    tof_s : array_like, default 0
        The round's time of flight there, s.
    rounds_per_burst : array_like
        Rounds per burst, ``n >= 1``.
    aim_error_mrad, dispersion_mrad : array_like
        Aiming error (shared by the burst's rounds) and round dispersion, mrad (1-sigma per
        axis).
    presented_area_m2 : array_like
        Effective presented area of the target, m^2.
    velocity_error_mps : array_like, default 0
        Error of the predicted target velocity, m/s (a shared miss growing with ``tof_s``).

    Returns
    -------
    ndarray
        Burst kill probability in [0, 1], non-increasing in range and time of flight.

    Examples
    --------
    >>> p = burst_kill_probability(0.5, 0.0, rounds_per_burst=24, aim_error_mrad=1.0,
    ...                            dispersion_mrad=1.0, presented_area_m2=10.0)
    >>> round(float(p), 12)  # point blank: the table value
    0.5
    """
    args = np.broadcast_arrays(*(np.asarray(a, float) for a in (
        pk0, range_m, tof_s, rounds_per_burst, np.asarray(aim_error_mrad, float) * 1e-3,
        np.asarray(dispersion_mrad, float) * 1e-3, presented_area_m2, velocity_error_mps)))
    shape = args[0].shape
    return _burst_rows(np.stack([a.ravel() for a in args])).reshape(shape)


def hit_probability(sigma_m, presented_area_m2) -> np.ndarray:
    """Carleton hit probability of one round, ``A / (A + 2 pi sigma^2)`` (Ball 2003, ch. 5).

    Parameters
    ----------
    sigma_m : array_like
        Circular-normal miss standard deviation per axis, m.
    presented_area_m2 : array_like
        Presented area, m^2.
    """
    a = np.asarray(presented_area_m2, float)
    return a / (a + 2.0 * np.pi * np.asarray(sigma_m, float) ** 2)


def kill_given_hit(pk0, rounds_per_burst) -> np.ndarray:
    """Kill probability of one hit from the point-blank burst value: ``1 - (1 - pk0)^(1/n)``."""
    return 1.0 - (1.0 - np.asarray(pk0, float)) ** (1.0 / np.asarray(rounds_per_burst, float))


def gun_rows(presets) -> np.ndarray:
    """Gun columns of the launcher rows, shape (L, 5) (:data:`GUN_FIELDS`; zeros: not a gun).

    Parameters
    ----------
    presets : sequence of InterceptorPreset
        Each launcher's interceptor.
    """
    out = np.zeros((len(presets), len(GUN_FIELDS)))
    for j, p in enumerate(presets):
        if p.guidance == "gun":
            out[j] = (p.rounds_per_burst, p.aim_error_mrad * 1e-3, p.dispersion_mrad * 1e-3,
                      p.presented_area_m2, p.velocity_error_mps or 0.0)
    return out


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
    enter, leave, duration, _, _ = _in_range(tracks_x, gun_enu, min_range_m, max_range_m,
                                             horizon_s, min_alt_m, max_alt_m)
    return enter, leave, duration


def _in_range(tracks_x, gun_enu, min_range_m, max_range_m, horizon_s, min_alt_m, max_alt_m):
    """:func:`time_in_range`'s ``enter, leave, duration``, and the dead zone within
    ``[enter, leave]``: the times ``(lo, hi)`` (m, G) the target spends inside the minimum
    range, ``lo == hi`` where it does not."""
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
        # NaN (never in range, or never in the band) stays NaN: the target is never in both
        o1, o2 = np.maximum(o1, a1), np.minimum(o2, a2)
        gone = np.isnan(o1) | np.isnan(o2) | (o1 > o2)
        o1, o2 = np.where(gone, np.nan, o1), np.where(gone, np.nan, o2)
    enter = np.clip(o1, 0.0, horizon_s)
    leave = np.clip(o2, 0.0, horizon_s)
    outer = np.nan_to_num(np.maximum(leave - enter, 0.0), nan=0.0)
    lo = np.clip(np.maximum(i1, enter), 0.0, horizon_s)
    hi = np.clip(np.minimum(i2, leave), 0.0, horizon_s)
    inner = np.nan_to_num(np.maximum(hi - lo, 0.0), nan=0.0)  # NaN: never inside min range
    never = np.isnan(o1) | (o2 < 0) | (o1 > horizon_s)  # (or only after the horizon)
    enter = np.where(never, np.nan, enter)
    leave = np.where(never, np.nan, leave)
    duration = np.where(never, 0.0, np.maximum(outer - inner, 0.0))
    dead = (inner > 0.0) & ~never
    return enter, leave, duration, np.where(dead, lo, 0.0), np.where(dead, hi, 0.0)


def _burst_times(enter, leave, duration, lo, hi, interval, left):
    """Burst times ahead (m, G, K) of a gun that fires one burst per ``interval`` (G,) from
    ``enter`` while the target is in range, pausing inside the dead zone ``[lo, hi)`` (the
    minimum range; none where ``lo == hi``) and going on from its exit; at most ``left`` (G,)
    bursts, none without time in range (``duration``, as before 2026-11-26). Returns the times
    (NaN past the last) and the counts (m, G)."""
    ok = np.isfinite(enter) & np.isfinite(leave) & (duration > 0)
    e = np.where(ok, enter, 0.0)
    f = np.where(ok, leave, -1.0)
    dead = hi > lo
    a_end = np.where(dead, lo, f)  # the first stretch in range: [enter, a_end]
    # (a target inside the dead zone now, lo == enter, has no first stretch)
    n_a = np.where(ok & (a_end >= e) & ~(dead & (lo <= e)),
                   np.floor((a_end - e) / interval) + 1.0, 0.0)
    b0 = np.maximum(hi, e + n_a * interval)  # the next burst after the dead zone
    n_b = np.where(ok & dead & (f >= b0), np.floor((f - b0) / interval) + 1.0, 0.0)
    n = np.minimum(n_a + n_b, left).astype(int)
    k_max = int(n.max()) if n.size else 0
    k = np.arange(k_max)
    t = np.where(k < n_a[..., None], e[..., None] + interval[..., None] * k,
                 b0[..., None] + interval[..., None] * (k - n_a[..., None]))
    return np.where(k < n[..., None], t, np.nan), n


def gun_engagement(tracks_x: np.ndarray, launchers, p_burst=None, gun_idx=None,
                   horizon_s: float = np.inf, kind=None,
                   radius_m: float = EARTH_RADIUS_M) -> dict[str, np.ndarray]:
    """Bursts and accumulated kill probability of guns against tracks.

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
        Track states now.
    launchers : LauncherState
    p_burst : array_like broadcasting to (m, G), optional
        Kill probability of every burst (e.g. the ``pk`` of
        :func:`airdefense.engagement.envelope.feasibility` for those columns). Default: each
        burst's own, the burst law (:func:`burst_kill_probability`) at the target's range when
        the burst is fired (``enter_s`` plus one interval per burst), with the time of flight
        of the gun's flyout there and the table value of the track's class; then
        ``p_kill = 1 - prod(1 - p_k)``.
    gun_idx : ndarray of shape (G,), int, optional
        Launcher indices of the guns (default: every launcher whose guidance is ``gun``).
    horizon_s : float, default inf
        Latest time ahead considered, s.
    kind : sequence of str of shape (m,), optional
        Threat class of each track, for the table value of the default burst law (default:
        the class its state shows, :func:`airdefense.c2.evaluation.classify`).
    radius_m : float, default the mean Earth radius
        Sphere above which that class rule reads a state's height (inf: flat ground), m.

    Returns
    -------
    dict
        ``gun`` (G,) launcher indices; ``enter_s``, ``leave_s``, ``time_in_range_s`` (m, G);
        ``n_bursts`` (m, G) int: bursts one minimum launch interval apart while in range,
        at most the bursts left; ``p_kill`` (m, G): ``1 - (1 - p_burst)^n_bursts``, or with the
        default burst law ``1 - prod_k (1 - p_k)`` and ``p_burst`` (m, G, n_max) each burst's
        Pk (0 past ``n_bursts``).

    Examples
    --------
    >>> res = gun_engagement(x, launchers, p_burst=0.5)  # doctest: +SKIP
    """
    if gun_idx is None:
        gun_idx = np.flatnonzero(np.asarray(launchers.guidance) == "gun")
    gun_idx = np.asarray(gun_idx, int)
    enter, leave, dur, lo, hi = _in_range(tracks_x, launchers.enu[gun_idx],
                                          launchers.min_range[gun_idx],
                                          launchers.max_range[gun_idx], horizon_s,
                                          launchers.min_alt[gun_idx], launchers.max_alt[gun_idx])
    interval = np.broadcast_to(np.maximum(launchers.min_interval_s[gun_idx], 1e-3)[None, :],
                               enter.shape)
    left = launchers.rounds[gun_idx][None, :]
    u, n = _burst_times(enter, leave, dur, lo, hi, interval, left)
    out = {"gun": gun_idx, "enter_s": enter, "leave_s": leave, "time_in_range_s": dur,
           "n_bursts": n}
    if p_burst is not None:
        p = np.broadcast_to(np.asarray(p_burst, float), n.shape)
        out["p_kill"] = cumulative_kill_probability(p, n)
        return out
    from airdefense.engagement.presets import THREAT_CLASSES

    x = np.asarray(tracks_x, float).reshape(-1, 6)
    if kind is None:
        from airdefense.c2.evaluation import class_codes

        kc = class_codes(x, radius_m)
    else:
        kind = [str(k) for k in np.asarray(kind, object).reshape(-1)]
        bad = [k for k in kind if k not in THREAT_CLASSES]
        if len(kind) != x.shape[0] or bad:
            raise ValueError(
                f"kind must name one threat class per track ({x.shape[0]}) from "
                f"{', '.join(THREAT_CLASSES)}, got {len(kind)}" + (f" with {bad[0]!r}" if bad
                                                                    else ""))
        kc = np.array([THREAT_CLASSES.index(k) for k in kind], int)
    k_max = u.shape[-1]
    u = np.nan_to_num(u)  # (m, G, K); past a pair's last burst: masked below
    pos = x[:, None, None, :3] + x[:, None, None, 3:] * u[..., None]
    r = np.linalg.norm(pos - launchers.enu[gun_idx][None, :, None, :], axis=-1)
    r = np.maximum(r, launchers.min_range[gun_idx][None, :, None])
    fl = launchers.flyout.take(gun_idx)
    tof = type(fl)(fl.vb[:, None], fl.tb[:, None], fl.v0[:, None], fl.k[:, None]).time_to(r)
    rows = launchers.gun[gun_idx]
    pk0 = launchers.pk[gun_idx][:, kc].T  # (m, G)
    p = burst_kill_probability(
        pk0[..., None], r, tof, rounds_per_burst=rows[None, :, None, 0],
        aim_error_mrad=rows[None, :, None, 1] * 1e3, dispersion_mrad=rows[None, :, None, 2] * 1e3,
        presented_area_m2=rows[None, :, None, 3], velocity_error_mps=rows[None, :, None, 4])
    p = np.where(np.arange(k_max) < n[..., None], p, 0.0)
    out["p_burst"] = p
    out["p_kill"] = 1.0 - np.prod(1.0 - p, axis=-1)
    return out
