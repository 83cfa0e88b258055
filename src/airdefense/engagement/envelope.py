"""Engagement envelopes: predicted intercept points, launch windows and kill probability.

For every (track, launcher) pair, :func:`feasibility` solves the intercept of a boost-coast
interceptor launched now against the track's predicted path (straight line for air-breathing
tracks, gravity-only for ballistic ones), checks the envelope at the predicted intercept point
(PIP), and finds the launch window: the earliest and latest launch times whose intercept stays
inside the envelope.

The envelope of an interceptor type at a PIP at slant range ``r``, height ``h``, with target
speed ``v``, crossing range ``c`` (horizontal offset of the target's path from the launcher),
elevation ``e`` seen from the launcher, and time of flight ``tof``:

* ``min_range <= r <= max_range`` and ``min_altitude <= h <= max_altitude``;
* ``v <= max_target_speed`` and ``c <= max_crossing_range``;
* dead zone: inside ``min_range``, ``tof < min_flight_time`` (unguided boost) or
  ``e > max_elevation`` (overhead cone) -- no intercept.

Launch windows. An intercept ``u`` seconds ahead, at ``P(u)``, needs a launch at
``delta(u) = u - tof(|P(u) - L|)`` from now, where ``tof`` is the flyout's (closed-form) time to
that distance. The envelope holds at ``u`` or not whatever the launch time, so the window is
``[min delta, max delta]`` over the intercept times whose PIP is inside: a grid over ``u`` with
the envelope's edges located by bisection between grid points. The window is clipped to
start no earlier than now; launching now is in the window exactly when ``inside`` holds.
"""

from __future__ import annotations

import operator

import numpy as np

from airdefense.engagement import _kernels
from airdefense.engagement.flyout import GRAVITY_MPS2
from airdefense.engagement.interceptors import RADAR_GUIDED
from airdefense.engagement.pk import CLASS_G, position_sigma
from airdefense.engagement.presets import THREAT_CLASSES
from airdefense.geo import EARTH_RADIUS_M, sphere_radius_of

__all__ = ["feasibility", "launch_window_delays", "window_times", "envelope_margin",
           "track_gravity", "held_codes", "kind_codes", "kernel_inputs", "window_close",
           "WINDOW_SEARCH", "INTERCEPT_SEARCH", "FAR_EDGE_MARGIN", "LOW_EDGE_MARGIN_M", "LAUNCH_SEES_TARGET"]

#: Far-edge margin of the fire decision, a fraction of the maximum range: a round is fired
#: only at a predicted intercept point inside ``(1 - FAR_EDGE_MARGIN) * max_range`` (the
#: launch now and the launch windows; the end game is judged against the maximum range
#: itself). The target flies its true path, not the predicted one, while the round is in
#: flight (waypoint turns, weave, a ballistic path's drag): without it, a round fired at the
#: far edge meets its target beyond the maximum range, where its kill probability is 0.
FAR_EDGE_MARGIN = 0.03
#: Low-edge margin of the fire decision, m: a round is fired only at a predicted intercept
#: point at least ``min_altitude + LOW_EDGE_MARGIN_M`` above the surface (the launch now and
#: the launch windows; the end game is judged against the minimum altitude itself), for an
#: interceptor whose minimum altitude is above the surface (a floor at the surface, 0 m, is
#: the ground: no margin). The predicted height errs by the track's vertical error over the
#: time of flight (truth tracks: tens of metres either way); 0 m, as measured: in examples 2
#: and 3 no target flies below a floor that its predicted intercept point is above, and a
#: margin of 25-150 m only kept the defence off low targets (more leakers) without removing
#: the end games at the floor itself (those are rounding: ``_kernels.HEIGHT_TOL_M``; see
#: docs/architecture.md, "Engagement envelope and fire decision").
LOW_EDGE_MARGIN_M = 0.0
#: Guidance whose fire-control radar must cover the target itself (its track's position)
#: at launch, besides the predicted intercept point: the rounds it guides to the end
#: (:data:`airdefense.engagement.interceptors.RADAR_GUIDED`) and guns, laid from its track.
#: An active-homing round (``active``) flies inertially to the intercept point and its seeker
#: acquires the target there: only the intercept point must be covered.
LAUNCH_SEES_TARGET = RADAR_GUIDED + ("gun",)

_KIND_INDEX = {k: i for i, k in enumerate(THREAT_CLASSES)}
#: Launch windows by default: how far ahead (s), grid points over it, edge precision (s).
WINDOW_SEARCH = (600.0, 32, 0.1)
_CLASS_G = np.array([CLASS_G[k] for k in THREAT_CLASSES], float)
#: ``need`` of :func:`_kernels.pair_geometry` that evaluates every pair.
_EVERY_PAIR = np.zeros((0, 0), bool)


def kind_codes(kind) -> np.ndarray:
    """Threat-class codes (index into :data:`THREAT_CLASSES`) of class names or codes."""
    k = np.asarray(kind)
    if k.dtype.kind in "iu":
        return k.astype(int)
    return np.array([_KIND_INDEX.get(str(s), 0) for s in k.ravel()], int).reshape(k.shape)


def held_codes(held, m: int) -> np.ndarray:
    """The control unit's class codes of ``m`` tracks as int64 (m,), checked: one code per
    track, each -1 (none held) or a class code (:data:`airdefense.c2.evaluation.KINDS`)."""
    from airdefense.c2.evaluation import KINDS
    from airdefense.errors import AirDefenseError

    h = np.asarray(held)
    if h.dtype.kind not in "iu" or h.shape not in ((m,), (m, 1)):
        raise AirDefenseError(f"held must hold one integer class code per track ({m}), got "
                              f"shape {h.shape} of {h.dtype}")
    h = h.astype(np.int64).reshape(m)
    bad = h[(h < -1) | (h >= len(KINDS))]
    if bad.size:
        raise AirDefenseError(f"held class codes must be -1 (none) or 0..{len(KINDS) - 1} "
                              f"({', '.join(KINDS)}), got {int(bad[0])}")
    return h


def track_gravity(tracks_x: np.ndarray, kind=None, predict=None, held=None,
                  radius_m: float = EARTH_RADIUS_M) -> np.ndarray:
    """Downward acceleration used to predict each track, m/s^2, shape (m,).

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
    kind : array_like of shape (m,), optional
        Threat classes (names or codes); ballistic tracks fall under gravity. When None, the
        class ``held`` gives, else the one inferred from the kinematics
        (:func:`airdefense.c2.evaluation.classify`, memoryless).
    predict : {"linear", "ballistic"} or array_like of such, optional
        Overrides the model chosen from ``kind``.
    held : array_like of shape (m,), int, optional
        The control unit's class code of each track (``book.classes.held(track_id)``; -1:
        none, the class its state shows), read where ``kind`` is None. Default: none held.
    radius_m : float, default the mean Earth radius
        Sphere above which the class rule reads a state's height (inf: flat ground), m.
    """
    m = tracks_x.shape[0]
    if isinstance(predict, np.ndarray) and predict.dtype.kind == "U" and predict.shape == (m,):
        ballistic = predict == "ballistic"  # the usual form: no object array
        if (ballistic | (predict == "linear")).all():
            return np.where(ballistic, GRAVITY_MPS2, 0.0)
    if predict is not None:
        p = np.broadcast_to(np.asarray(predict, object), (m,))
        bad = [s for s in set(p.tolist()) if s not in ("linear", "ballistic")]
        if bad:
            from airdefense.errors import AirDefenseError

            raise AirDefenseError(
                f"predict must be 'linear' or 'ballistic' for each track, got {bad[0]!r}")
        return np.where(p == "ballistic", GRAVITY_MPS2, 0.0)
    if kind is None:
        from airdefense.c2.evaluation import class_codes

        kind = class_codes(tracks_x, radius_m) if m else np.zeros(0, int)
        if held is not None:
            h = held_codes(held, m)
            kind = np.where(h >= 0, h, kind)
    codes = kind_codes(kind)
    return _kernels.class_gravities(np.ascontiguousarray(codes, np.int64).ravel()).reshape(
        codes.shape)


def envelope_margin(launchers, pos, vel, tof, h, trailing: int = 0
                    ) -> tuple[np.ndarray, dict]:
    """Signed margin of intercept points inside each launcher's envelope.

    The margin is the smallest of the constraints' slacks, each normalised by the constraint's
    scale (so ``>= 0`` is inside). The launcher axis is followed by ``trailing`` axes.

    Parameters
    ----------
    launchers : LauncherState
    pos, vel : ndarray of shape (..., L, ..., 3)
        Intercept points (m) and target velocities there (m/s), broadcasting against the
        launcher axis.
    tof : ndarray of shape (..., L, ...)
        Time of flight to the point, s.
    h : ndarray broadcasting to the shape of ``tof``
        Height of the point above the surface, m.
    trailing : int, default 0
        Number of axes after the launcher axis.

    Returns
    -------
    margin : ndarray of shape (..., L, ...)
    parts : dict
        ``range_m``, ``crossing_m``, ``speed_mps`` of the points.
    """
    pos, vel = np.asarray(pos, float), np.asarray(vel, float)
    tof, h = np.asarray(tof, float), np.asarray(h, float)
    shape = np.broadcast_shapes(pos.shape[:-1], vel.shape[:-1], tof.shape, np.shape(h))
    jj = np.arange(len(launchers)).reshape((len(launchers),) + (1,) * trailing)
    out = _kernels.envelope_margins(
        np.broadcast_to(pos, shape + (3,)).reshape(-1, 3),
        np.broadcast_to(vel, shape + (3,)).reshape(-1, 3), np.broadcast_to(tof, shape).ravel(),
        np.broadcast_to(h, shape).ravel(), np.broadcast_to(jj, shape).ravel(),
        _launcher_rows(launchers))
    margin, r, cross, speed = (a.reshape(shape) for a in out)
    return margin, {"range_m": r, "crossing_m": cross, "speed_mps": speed}


def feasibility(tracks_x: np.ndarray, launchers, heights_fn, t: float, *, quality=None,
                kind=None, predict=None, cov=None, target_g=None,
                horizon_s: float = WINDOW_SEARCH[0], n_window: int = WINDOW_SEARCH[1],
                windows: bool | str = True, window_tol_s: float = WINDOW_SEARCH[2]
                ) -> dict:
    """Intercept geometry, envelope, launch window and kill probability for every pair.

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
        Track states at ``t``, ENU m and m/s.
    launchers : LauncherState
    heights_fn : callable
        ``heights_fn(enu (k, 3)) -> (k,)`` height above the surface, m.
    t : float
        Decision time (launch now), s.
    quality : ndarray of shape (m,), optional
        Track quality scores in [0, 1] (default 1).
    kind : array_like of shape (m,), optional
        Threat class of each track (names or codes) for the kill-probability table and the
        prediction; inferred from the kinematics when None (heights above ``heights_fn``'s
        sphere).
    predict : {"linear", "ballistic"} or array_like of shape (m,), optional
        Prediction model of each track (default: ballistic for ballistic tracks).
    cov : ndarray of shape (m, 6, 6), optional
        Track covariances: their position error lowers the kill probability.
    target_g : ndarray of shape (m,), optional
        Target manoeuvre limits, g (default: :data:`airdefense.engagement.pk.CLASS_G`).
    horizon_s : float, default 600
        How far ahead intercepts and windows are searched, s.
    n_window : int, default 32
        Grid points over the horizon for the launch windows.
    windows : bool or "deferred", default True
        Compute the launch windows (the costlier part). ``"deferred"``: do not search them,
        and return ``window_search`` instead, the arguments with which compiled code searches
        the windows it needs (:func:`airdefense.engagement._kernels.pair_window`).
    window_tol_s : float, default 0.1
        Intercept-time precision of the window edges, s.

    Returns
    -------
    dict
        ``tof`` (m, L) time of flight for a launch now, s (inf if none);
        ``pip`` (m, L, 3) predicted intercept point; ``intercept_time_s`` (m, L);
        ``inside`` (m, L) bool: the PIP is inside the envelope;
        ``margin`` (m, L) normalised envelope margin (>= 0 inside);
        ``window_open_s``, ``window_close_s`` (m, L): earliest and latest launch time (s, not
        before ``t``) whose intercept stays in the envelope, NaN where none within the horizon;
        ``pk`` (m, L) single-shot kill probability for that geometry (0 outside);
        ``crossing_m``, ``range_m`` (m, L). With ``windows="deferred"``, no window keys but
        ``window_search``: ``(x (m, 6), g (m,), horizon (m,), launcher rows (L, 19), sphere
        radius, grid points, bisections)``.

    Examples
    --------
    >>> res = feasibility(x, launchers, frame.height_m, t)  # doctest: +SKIP
    >>> ok = res["inside"] & (res["pk"] > 0.5)  # doctest: +SKIP
    """
    x = np.asarray(tracks_x, float).reshape(-1, 6)
    m, L = x.shape[0], len(launchers)
    if m == 0 or L == 0:
        z = np.zeros((m, L))
        nan = np.full((m, L), np.nan)
        return {"tof": np.full((m, L), np.inf), "pip": np.zeros((m, L, 3)),
                "intercept_time_s": np.full((m, L), np.inf), "inside": z.astype(bool),
                "margin": np.full((m, L), -np.inf), "window_open_s": nan,
                "window_close_s": nan.copy(), "pk": z, "crossing_m": nan.copy(),
                "range_m": nan.copy()}
    Ls = launchers
    if kind is None:
        from airdefense.c2.evaluation import class_codes

        kind = class_codes(x, sphere_radius_of(heights_fn))
    k = kernel_inputs(x, kind, Ls, heights_fn, quality=quality, cov=cov, predict=predict,
                      target_g=target_g)
    return _solve(t, k, windows, horizon_s, n_window, window_tol_s)


def _solve(t: float, k: dict, windows: bool | str, horizon_s: float = WINDOW_SEARCH[0],
           n_window: int = WINDOW_SEARCH[1], window_tol_s: float = WINDOW_SEARCH[2]) -> dict:
    """:func:`feasibility`'s result from :func:`kernel_inputs`' arrays ``k`` (m, L > 0)."""
    deferred = isinstance(windows, str)
    if deferred and windows != "deferred":
        raise ValueError(f"windows must be True, False or 'deferred', got {windows!r}")
    x, g = k["x"], k["g"]
    radius = k["radius"]
    tof, pip, _, (_, margin, rng_m, cross, _, pk), inside, w_open, w_close = (
        _kernels.pair_geometry(
            float(t), x, g, k["lp"], radius, float(horizon_s), k["pk_table"], k["kc"],
            k["target_g"], k["sigma"], k["quality"], bool(windows) and not deferred,
            int(n_window), float(window_tol_s), *INTERCEPT_SEARCH, _EVERY_PAIR))
    out = {"tof": tof, "pip": pip, "intercept_time_s": t + tof, "inside": inside,
           "margin": margin, "pk": pk, "crossing_m": cross, "range_m": rng_m}
    if deferred:
        U = _kernels.horizons(x, g, radius, float(horizon_s))
        out["window_search"] = (x, g, U, k["lp"], radius, int(n_window),
                                _kernels.refinements(U, int(n_window), float(window_tol_s)))
    elif windows:
        out.update(window_open_s=w_open, window_close_s=w_close)
    return out


#: Intercept search of the control unit's geometry: grid points, Newton steps, tolerance (m).
INTERCEPT_SEARCH = (16, 5, 0.01)


def _order_pairs(t: float, k: dict, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """What the fire control reads of chosen (track, launcher) pairs, in one compiled call:
    the figures of :func:`_solve` with deferred windows (``k``: :func:`kernel_inputs`' arrays,
    m tracks and L > 0 launchers) and :func:`window_close` of those pairs, to the same
    numbers, without evaluating the other pairs.

    ``rows``, ``cols`` (p,) int64 index the tracks and the launchers. Returns (p, 10): the
    launch-now envelope test (1.0 inside, else 0.0), the predicted intercept point (3, ENU
    m), the kill probability and the latest launch time (s, NaN: no window) of each pair,
    then the kill probability's inputs besides the geometry: the class table's value, the
    target's manoeuvre limit (g), the track's RMS position error (m) and its quality.
    """
    return _kernels.pair_figures(float(t), k["x"], k["g"], k["lp"], k["radius"],
                                 WINDOW_SEARCH[0], k["pk_table"], k["kc"], k["target_g"],
                                 k["sigma"], k["quality"], WINDOW_SEARCH[1], WINDOW_SEARCH[2],
                                 *INTERCEPT_SEARCH, rows, cols)


def _fired_pairs(t: float, x: np.ndarray, cov: np.ndarray, quality: np.ndarray, dt: float,
                 path: np.ndarray, kc: np.ndarray, target_g: np.ndarray, lp: np.ndarray,
                 radius: float, pk_table: np.ndarray, rows: np.ndarray,
                 cols: np.ndarray) -> np.ndarray:
    """:func:`_order_pairs` of track states ``x`` (m, 6) of ``dt`` seconds before ``t``, in
    one compiled call: the states moved ``dt`` along the paths of classes ``path`` (m,)
    int64 (:func:`_kernels.class_gravities`, :func:`_kernels.propagate_states`), covariances
    ``cov`` (m, 6, 6) (their RMS position errors), ``quality`` and ``target_g`` (m,) float,
    class codes ``kc`` (m,) int64, the launcher rows ``lp`` (:func:`_launcher_rows`), the
    height sphere's ``radius`` (m) and ``pk_table`` (L, classes); every array C-contiguous.
    The same numbers as :func:`_order_pairs` of :func:`_track_inputs` of the moved states."""
    return _kernels.fired_pair_figures(float(t), x, cov, quality, float(dt), path, kc,
                                       target_g, lp, float(radius), WINDOW_SEARCH[0], pk_table,
                                       WINDOW_SEARCH[1], WINDOW_SEARCH[2], *INTERCEPT_SEARCH,
                                       rows, cols)


def kernel_inputs(tracks_x: np.ndarray, kind, launchers, heights_fn, *, quality=None,
                  cov=None, predict=None, target_g=None) -> dict:
    """The arrays the compiled geometry takes for tracks and launchers (one place for all).

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
        Track states, ENU m and m/s.
    kind : array_like of shape (m,)
        Threat classes (names or codes, :data:`THREAT_CLASSES` order).
    launchers : LauncherState
    heights_fn : callable
        A :class:`airdefense.geo.SphereHeight` or a frame's ``height_m``.
    quality, cov, predict, target_g : optional
        As in :func:`feasibility`.

    Returns
    -------
    dict
        ``x`` (m, 6), ``kc`` (m,) int64 codes, ``g`` (m,) path gravity, m/s^2, ``target_g``
        (m,) g, ``sigma`` (m,) RMS position error, m, ``quality`` (m,); ``lp`` (L, 19)
        launcher rows, ``pk_table`` (L, classes), ``radius`` of the height sphere, m.
    """
    x = np.ascontiguousarray(np.asarray(tracks_x, float).reshape(-1, 6))
    m = x.shape[0]
    kc = _codes(kind, m)
    g = (_kernels.class_gravities(kc) if predict is None  # codes already: the kernel itself
         else np.ascontiguousarray(track_gravity(x, kc, predict), dtype=float))
    return _track_inputs(x, kc, g, launchers, heights_fn, quality, cov, target_g)


def _codes(kind, m: int) -> np.ndarray:
    """Class codes (m,) int64 of ``kind`` (names or codes, broadcast to ``m``)."""
    if isinstance(kind, np.ndarray) and kind.dtype == np.int64 and kind.shape == (m,):
        return kind
    return np.asarray(kind_codes(np.broadcast_to(np.asarray(kind), (m,))), np.int64)


def _track_inputs(x: np.ndarray, kc: np.ndarray, g: np.ndarray, launchers, heights_fn,
                  quality, cov, target_g, radius: float | None = None) -> dict:
    """:func:`kernel_inputs` of C-contiguous states ``x`` (m, 6), int64 codes ``kc`` (m,) and
    path gravities ``g`` (m,) float, m/s^2, already known (``radius``: the height sphere's
    of ``heights_fn``, m, where the caller knows it)."""
    m = x.shape[0]
    tg = _CLASS_G[kc] if target_g is None else _per_track(target_g, m)
    sigma = np.zeros(m) if cov is None else position_sigma(cov)
    return {"x": x, "kc": kc, "g": g, "target_g": tg, "sigma": sigma,
            "quality": np.ones(m) if quality is None else _per_track(quality, m),
            "lp": _launcher_rows(launchers),
            "radius": sphere_radius_of(heights_fn) if radius is None else radius,
            "pk_table": np.ascontiguousarray(launchers.pk, dtype=float)}


def _per_track(v, m: int) -> np.ndarray:
    """``v`` (a scalar or (m,)) as a C-contiguous float array (m,); ``v`` itself if it is one."""
    if isinstance(v, np.ndarray) and v.dtype == float and v.shape == (m,) and v.flags.c_contiguous:
        return v
    return np.ascontiguousarray(np.broadcast_to(np.asarray(v, float), (m,)))


def window_close(geometry: dict, t: float, i: int, j: int) -> float:
    """Latest launch time of one (track ``i``, launcher ``j``) pair, s (NaN: no window).

    ``geometry`` is :func:`feasibility`'s result at ``t``, with the windows searched
    (``window_close_s``) or deferred (``window_search``: only this pair is searched, to the
    same number).
    """
    if "window_close_s" in geometry:
        return float(geometry["window_close_s"][i, j])
    x, g, U, lp, radius, n, n_refine = geometry["window_search"]
    _, close = _kernels.pair_window_times(
        float(t), x, g, U, lp, radius, n, n_refine,
        np.array([geometry["inside"][i, j]], bool), np.array([i], np.int64),
        np.array([j], np.int64))
    return float(close[0])


def window_times(t: float, delay_open: np.ndarray, delay_close: np.ndarray,
                 inside: np.ndarray) -> dict[str, np.ndarray]:
    """Launch windows in absolute time from raw launch delays and the launch-now envelope test.

    Parameters
    ----------
    t : float
        Decision time, s.
    delay_open, delay_close : ndarray of shape (m, L)
        :func:`launch_window_delays` relative to ``t``, s (NaN: no window).
    inside : ndarray of shape (m, L), bool
        A launch now intercepts inside the envelope.

    Returns
    -------
    dict
        ``window_open_s``, ``window_close_s`` (m, L), s: not before ``t``; NaN where none.
    """
    w_open, w_close = _kernels.window_edges(
        float(t), np.asarray(delay_open, float), np.asarray(delay_close, float),
        np.broadcast_to(np.asarray(inside, bool), np.shape(delay_open)))
    return {"window_open_s": w_open, "window_close_s": w_close}


def launch_window_delays(tracks_x: np.ndarray, launchers, heights_fn, *, kind=None,
                         predict=None, horizon_s: float = WINDOW_SEARCH[0],
                         n_window: int = WINDOW_SEARCH[1], tol_s: float = WINDOW_SEARCH[2]
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest launch delays whose intercept stays inside the envelope.

    The delays are relative to the time of the track states and may be negative (the window
    opened in the past); :func:`window_times` turns them into the windows of a decision time.

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
        Track states, ENU m and m/s.
    launchers : LauncherState
    heights_fn : callable
        ``heights_fn(enu (k, 3)) -> (k,)`` height above the surface, m.
    kind, predict : optional
        As in :func:`feasibility`.
    horizon_s : float, default 600
        How far ahead intercepts are searched, s.
    n_window : int, default 32
        Grid points over the horizon.
    tol_s : float, default 0.1
        Intercept-time precision of the window edges, s.

    Returns
    -------
    delay_open, delay_close : ndarray of shape (m, L)
        Launch delays, s; NaN where no intercept inside the envelope within the horizon.
    """
    x = np.ascontiguousarray(np.asarray(tracks_x, float).reshape(-1, 6))
    m, L = x.shape[0], len(launchers)
    if m == 0 or L == 0:
        return np.full((m, L), np.nan), np.full((m, L), np.nan)
    if kind is None:
        from airdefense.c2.evaluation import class_codes

        kind = class_codes(x, sphere_radius_of(heights_fn))
    g = track_gravity(x, kind_codes(np.broadcast_to(np.asarray(kind), (m,))), predict)
    radius = sphere_radius_of(heights_fn)
    g = np.ascontiguousarray(g, dtype=float)
    U = _kernels.horizons(x, g, radius, float(horizon_s))
    # The envelope is sampled on a grid of intercept times; its first entry and last exit
    # are then located by bisection between grid points, to tol_s.
    return _kernels.launch_windows(x, g, U, _launcher_rows(launchers), radius, int(n_window),
                                   _kernels.refinements(U, int(n_window), float(tol_s)))


def _launcher_rows(Ls) -> np.ndarray:
    """The launcher figures of the compiled kernels, shape (L, ``_kernels.N_LAUNCHER_COLS``)
    (see :func:`_kernels.launch_windows`; then six columns of the fire-control radar's site,
    boresight, half sector and range, ``_kernels.FC_*``, its coverage row,
    ``_kernels.FC_GEO``: NaN where the launcher has no radar or no frame; then
    ``_kernels.FC_NEEDS_TARGET``, 1 where the guidance is in :data:`LAUNCH_SEES_TARGET`,
    ``_kernels.R_FIRE``, the maximum range less :data:`FAR_EDGE_MARGIN`,
    ``_kernels.H_FIRE``, the minimum altitude plus :data:`LOW_EDGE_MARGIN_M` where it is above
    0, and the gun columns, ``_kernels.GUN``).

    The table is kept on ``Ls`` and rebuilt when one of its arrays is replaced, or a
    margin (the figures are fixed for a run; arrays changed in place are not noticed).
    """
    src = _ROW_SOURCES(Ls)
    margin = float(FAR_EDGE_MARGIN)
    low = float(LOW_EDGE_MARGIN_M)
    memo = getattr(Ls, "_kernel_rows", None)
    if (memo is not None and memo[0] == (margin, low)
            and all(map(operator.is_, src, memo[2]))):  # the same arrays, the same margins
        return memo[1]
    if not 0.0 <= margin < 1.0:
        from airdefense.errors import AirDefenseError

        raise AirDefenseError(f"FAR_EDGE_MARGIN must be in [0, 1) (a fraction of the maximum "
                              f"range), got {margin!r}")
    if not 0.0 <= low < np.inf:
        from airdefense.errors import AirDefenseError

        raise AirDefenseError(f"LOW_EDGE_MARGIN_M must be a finite height >= 0 m (added to the "
                              f"minimum altitude), got {low!r}")
    emax = np.asarray(Ls.max_elev, float)
    tan_e = np.where(emax < 0.5 * np.pi - 1e-9, np.tan(np.minimum(emax, 1.5)), np.inf)
    needs = np.array([g in LAUNCH_SEES_TARGET for g in np.asarray(Ls.guidance).tolist()],
                     float).reshape(-1)
    r_fire = np.asarray(Ls.max_range, float) * (1.0 - margin)
    h_min = np.asarray(Ls.min_alt, float)
    h_fire = np.where(h_min > 0.0, h_min + low, h_min)
    rows = np.ascontiguousarray(np.column_stack(src[:14] + (tan_e,) + src[14:-2]
                                                + (needs, r_fire, h_fire, src[-1])).astype(float))
    Ls._kernel_rows = ((margin, low), rows, src)
    return rows


#: The launcher arrays of :func:`_launcher_rows`, in its columns' order.
_ROW_SOURCES = operator.attrgetter(
    "enu", "min_range", "max_range", "min_alt", "max_alt", "max_tgt_speed", "max_cross",
    "min_tof", "max_elev", "flyout.vb", "flyout.tb", "flyout.v0", "flyout.k", "max_tof", "max_g",
    "basket", "fc_site", "fc_bore", "fc_half", "fc_range", "fc_geo", "guidance", "gun")
