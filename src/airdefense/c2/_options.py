"""The engagement options of one decision cycle: which launcher may fire how much at which track.

Every assigner (greedy, heuristic, exact) works from the same options, so they differ only in
how they choose, never in which rules they obey. The rules, in order:

1. the track is confirmed, not assessed killed, a threat worth a round (its value above the
   control unit's ``min_threat_value``), and its earlier shots are assessed (the look of
   shoot-look-shoot and shoot-shoot-look; networked control waits for every battery's shots,
   an autonomous battery only for its own);
2. the predicted intercept point is inside the launcher's envelope, at or before the threat's
   time to go (no slack: an intercept planned after the predicted arrival is useless), and the
   launcher is ready (operational, loaded, past its minimum launch interval, its battery
   fighting and its fire-control radar working);
3. the battery's doctrine: the class is on its engage list, it does not hold fire, the intercept
   point obeys its zones (none inside a hold-fire zone; inside a weapons-free zone where the
   battery has any), and rounds are left under its maximum per threat;
4. reserve: a battery keeps ``reserve_ballistic_rounds`` for ballistic tracks;
5. cost-aware deferral (``cost_weight > 0``): a launcher does not engage a track that a cheaper
   launcher can engage later with a positive expected return; with ``profitable_only`` (the WTA
   control units) a pair whose whole value saved, value x pk, cannot pay the round's weighted
   cost is not allowed either: it is in no optimal assignment, as a round's marginal saving is
   at most value x pk;
6. layered defence: a battery of an inner layer engages only a track that no outer layer can
   engage now or later, deferrals and unprofitable pairs aside (the outer layer first, the inner
   layers as backup); an outer launcher counts only with a round now, or with a reload that
   completes while its launch window is still open and within the threat's time to go.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from airdefense.c2 import _kernels
from airdefense.c2.evaluation import _G as _GRAVITY
from airdefense.c2.evaluation import KINDS, ROUTE_UNCERTAINTY, TrackClasses, _asset_inputs
from airdefense.engagement._kernels import free_channels as _free_channels
from airdefense.engagement.damage import DAMAGED_VALUE_FRACTION
from airdefense.engagement.envelope import (
    _CLASS_G,
    INTERCEPT_SEARCH,
    WINDOW_SEARCH,
    _launcher_rows,
    kind_codes,
)
from airdefense.geo import Frame, sphere_radius_of

_FRAME_HEIGHT = Frame.height_m

__all__ = ["Options", "engagement_options", "firing_capacity", "screen_cycle", "LAYER_RANK"]

#: Order of the layers, outermost first.
LAYER_RANK = {"outer": 0, "middle": 1, "inner": 2}
#: Slack on the time-to-go test (rule 2), s: none, so an intercept planned after the threat's
#: predicted arrival (impact, or closest approach to the asset it threatens) is never ordered.
#: (Until 2026-11-27 it was 5 s: an order could intercept up to 5 s after the arrival.)
_TTG_SLACK_S = 0.0
_BALLISTIC = KINDS.index("ballistic")
_NO_COV = np.zeros((0, 6, 6))  # tracks without covariances
#: The class memory's arguments of :func:`_kernels.cycle_screen` where the caller gives the
#: classes.
_NO_MEMORY = (np.zeros((0, 4), np.int64), np.zeros((0, 7)))
#: The rounds' arguments of :func:`_kernels.cycle_screen` where the caller gives the channels.
_NO_ROUNDS = (-1, np.zeros(0, bool), np.zeros(0, np.int64))


@dataclass
class Options:
    """Engagement options of one cycle.

    Attributes
    ----------
    allowed : ndarray of shape (m, L), bool
        Launcher ``j`` may fire at track ``i`` now.
    pk : ndarray of shape (m, L)
        Single-shot kill probability of each pair.
    pair_cap : ndarray of shape (m, L), int
        Most rounds launcher ``j`` may fire at track ``i`` this cycle (its battery's salvo and
        rounds left at the track): the same for every allowed launcher of a battery, and a
        bound on the battery's rounds at the track, all its launchers together.
    cap : ndarray of shape (L,), int
        Most rounds each launcher may fire this cycle.
    value : ndarray of shape (m,)
        Threat value (expected value destroyed if not intercepted).
    tof : ndarray of shape (m, L)
        Time of flight to the predicted intercept point, s.
    pip : ndarray of shape (m, L, 3)
        Predicted intercept points, ENU m.
    nonballistic_cap : ndarray of shape (B,), int
        Most rounds each battery may spend on non-ballistic tracks (its reserve kept).
    ballistic : ndarray of shape (m,), bool
    """

    allowed: np.ndarray
    pk: np.ndarray
    pair_cap: np.ndarray
    cap: np.ndarray
    value: np.ndarray
    tof: np.ndarray
    pip: np.ndarray
    nonballistic_cap: np.ndarray
    ballistic: np.ndarray


def _doctrine_table(batteries) -> dict:
    """The batteries' doctrines as arrays (B,) and (K, B), built once per set of doctrines.

    The key is every doctrine figure the rules read, so a doctrine changed between cycles is
    seen.
    """
    return _doctrine_arrays(tuple((d.mode, tuple(d.salvo_by_class()), d.max_rounds_per_threat,
                                   tuple(d.engage), d.hold_fire, d.reserve_ballistic_rounds,
                                   d.layer, float(getattr(d, "min_pk", 0.0)))
                                  for d in (bu.doctrine for bu in batteries)))


#: The last batteries' tables: (fingerprint, zone arrays kept alive, (doctrine, zones)).
_LAST: list = [None, None, None]
_PLAIN = (str, int, float, bool, type(None), list, dict)


def _battery_tables(batteries) -> tuple:
    """:func:`_doctrine_table` and :func:`_zone_table` of the batteries, with a cheaper check
    for the usual cycle, whose batteries are those of the last cycle.

    The last tables are reused while every doctrine's fields are equal to those they were built
    from (lists compared by value) and every battery still holds the same empty array of zone
    centres (an empty array cannot gain zones in place); otherwise, or with zones, the tables
    are looked up by their figures.
    """
    last = _LAST
    try:
        fp = [(bu.doctrine.__dict__, id(bu.zone_enu)) for bu in batteries]
        if fp == last[0]:
            return last[2]
    except (AttributeError, TypeError, ValueError):  # no fields to compare: look up
        fp = None
    tables = (_doctrine_table(batteries), _zone_table(batteries))
    if fp is not None and all(bu.zone_enu.shape[0] == 0 for bu in batteries) and all(
            type(v) in _PLAIN for d, _ in fp for v in d.values()):
        last[:] = [[({k: list(v) if type(v) is list else dict(v) if type(v) is dict else v
                      for k, v in d.items()}, z)
                    for d, z in fp], [bu.zone_enu for bu in batteries], tables]
    else:
        last[:] = [None, None, None]
    return tables


@lru_cache(maxsize=64)
def _doctrine_arrays(key: tuple) -> dict:
    B = len(key)
    mode, salvo, max_rounds, engage, hold, reserve, layer, min_pk = (
        zip(*key, strict=True) if B else ((),) * 8)
    out = {
        "engage": np.array([[k in e for e in engage] for k in KINDS], bool).reshape(-1, B),
        "hold": np.array(hold, bool),
        "max_rounds": np.array(max_rounds, np.int64),
        # Shoot-look-shoot fires one round a look; shoot-shoot-look a salvo (per class).
        "salvo": np.array([[1 if md == "shoot_look_shoot" else sv[k]
                            for md, sv in zip(mode, salvo, strict=True)]
                           for k in range(len(KINDS))], np.int64).reshape(-1, B),
        "reserve": np.array(reserve, int),
        "rank": np.array([LAYER_RANK.get(ly, -1) if ly else -1 for ly in layer], np.int64),
        "layered": any(ly for ly in layer),
        "min_pk": np.array(min_pk, float),
    }
    for a in out.values():
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    return out


def _zone_table(batteries) -> tuple:
    """Every battery's fire-control zones as flat arrays for :func:`_kernels.zones_ok`:
    centres (Z, 2), radii (Z,), hold-fire flags (Z,), batteries (Z,), and whether each battery
    has a weapons-free zone (B,). Built once per set of zones (keyed by their figures)."""
    if not any(bu.zone_enu.shape[0] for bu in batteries):
        return _zone_arrays(((b"", b"", b""),) * len(batteries))  # no zones (the usual case)
    key = tuple((bu.zone_enu.tobytes(), bu.zone_radius_m.tobytes(), bu.zone_hold.tobytes())
                for bu in batteries)
    return _zone_arrays(key)


@lru_cache(maxsize=64)
def _zone_arrays(key: tuple) -> tuple:
    cen, rad, hold, bat = [np.zeros((0, 2))], [np.zeros(0)], [np.zeros(0, bool)], [
        np.zeros(0, np.int64)]
    free = np.zeros(len(key), bool)
    for b, (e, r, h) in enumerate(key):
        e = np.frombuffer(e, float).reshape(-1, 3)
        h = np.frombuffer(h, bool)
        cen.append(e[:, :2])
        rad.append(np.frombuffer(r, float))
        hold.append(h)
        bat.append(np.full(h.size, b, np.int64))
        free[b] = (~h).any()
    return (np.ascontiguousarray(np.concatenate(cen)), np.concatenate(rad),
            np.concatenate(hold), np.concatenate(bat), free)


def firing_capacity(t: float, launchers, channels_free: np.ndarray, battery_ok: np.ndarray,
                    batteries, decision_period_s: float = 2.0) -> np.ndarray:
    """Most rounds each launcher may fire this cycle, shape (L,) int (:attr:`Options.cap`).

    Where it is zero for every launcher no fire order is possible this cycle, whatever the
    tracks: a control unit may skip the cycle.

    Parameters
    ----------
    t : float
        Decision time, s.
    launchers : LauncherState
        ``operational`` already false where the fire-control radar is down.
    channels_free : ndarray of shape (S,), int
        Free guidance channels per radar (-1: no limit).
    battery_ok : ndarray of shape (B,), bool
    batteries : list of BatteryUnit
        Their doctrines (salvo: a salvo ripples from one launcher; the ballistic reserve bounds
        the rounds spent on non-ballistic tracks, not these capacities).
    decision_period_s : float, default 2
        Time to the next decision, s.
    """
    Ls = launchers
    return _kernels.launcher_caps(
        float(t), Ls.battery, Ls.operational, Ls.rounds, Ls.last_fire_s, Ls.min_interval_s,
        np.asarray(channels_free), Ls.fire_control, np.asarray(battery_ok, bool),
        float(decision_period_s), _battery_tables(batteries)[0]["salvo"])


def engagement_options(t: float, tracks, evaluation: dict, launchers, book, batteries,
                       channels_free: np.ndarray, battery_ok: np.ndarray, heights_fn, *,
                       networked: bool = True, cost_weight: float = 0.0,
                       decision_period_s: float = 2.0,
                       profitable_only: bool = False,
                       min_threat_value: float = 0.0) -> Options:
    """Build the options of one decision cycle (see the module docstring for the rules).

    Parameters
    ----------
    t : float
        Decision time, s.
    tracks : Tracks
        Current picture (m tracks).
    evaluation : dict
        :func:`airdefense.c2.evaluation.evaluate_threats` of these tracks.
    launchers : LauncherState
        L launchers; ``operational`` already false where the fire-control radar is down.
    book : EngagementBook
    batteries : list of BatteryUnit
        B batteries (doctrine, zones).
    channels_free : ndarray of shape (S,), int
        Free guidance channels per radar (-1: no limit).
    battery_ok : ndarray of shape (B,), bool
    heights_fn : callable
        Height above the surface of ENU points, ``(k, 3) -> (k,)``.
    networked : bool, default True
        Networked control (one picture of every battery's engagements) or autonomous.
    cost_weight : float, default 0
        Dollars of value one dollar of interceptor must buy.
    decision_period_s : float, default 2
        Time to the next decision, s (bounds how many rounds a launcher can ripple).
    profitable_only : bool, default False
        Drop the pairs that cannot pay their cost (rule 5) even at the class kill
        probability. Their geometry is not computed (``pk`` 0, ``tof`` inf, ``pip`` 0), nor
        that of a track no launcher able to fire this cycle (``cap`` > 0) may pay to engage:
        such a track can have no allowed pair.
    min_threat_value : float, default 0
        Least threat value (the assets' value unit) of a track to engage (rule 1).
    """
    return Options(*_option_arrays(
        t, tracks, evaluation, launchers, book, batteries, channels_free, battery_ok, heights_fn,
        networked, cost_weight, decision_period_s, profitable_only,
        min_threat_value=min_threat_value)[:-1])


def _option_arrays(t, tracks, evaluation, launchers, book, batteries, channels_free, battery_ok,
                   heights_fn, networked, cost_weight, decision_period_s, profitable_only,
                   allowed_only=False, min_threat_value=0.0, count_first=True) -> tuple:
    """:func:`engagement_options` as the fields of :class:`Options`, in their order, and the
    number of allowed pairs. With ``allowed_only``, None where no pair is allowed (the
    geometry is computed only where the rules read it; with ``count_first`` the pairs are
    counted first, without their arrays)."""
    kidx = evaluation.get("kind_code")
    x = np.ascontiguousarray(np.asarray(tracks.x, float).reshape(-1, 6))
    m = x.shape[0]
    if kidx is None:
        kidx = np.array([KINDS.index(k) if k in KINDS else 0 for k in evaluation["kind"]],
                        np.int64)
    if not (isinstance(kidx, np.ndarray) and kidx.dtype == np.int64 and kidx.shape == (m,)):
        kidx = np.asarray(kind_codes(np.broadcast_to(np.asarray(kidx), (m,))), np.int64)
    value = np.asarray(evaluation["value"], float)
    q = tracks.quality
    q = np.ones(m) if q is None else np.asarray(q, float)
    if not (q.shape == (m,) and q.flags.c_contiguous):
        q = np.ascontiguousarray(np.broadcast_to(q, (m,)))
    P = tracks.P
    P = _NO_COV if P is None else np.ascontiguousarray(P, dtype=float)
    doc, zones = _battery_tables(batteries)
    Ls = launchers
    rows = np.asarray(tracks.track_id, np.int64).reshape(-1)
    book_arrays = (book._killed_a, book._rounds_a, book._pending_a)
    head = (float(t), x, P, q, kidx, _BALLISTIC, np.asarray(tracks.confirmed, bool),
            np.asarray(evaluation["time_to_go_s"], float), value)
    tail = (_launcher_rows(Ls), _radius_of(heights_fn),
            np.ascontiguousarray(Ls.pk, dtype=float), _CLASS_G, *WINDOW_SEARCH,
            *INTERCEPT_SEARCH, Ls.battery, Ls.operational, Ls.rounds, Ls.last_fire_s,
            Ls.min_interval_s, Ls.reload_done_s, np.asarray(channels_free),
            Ls.fire_control, np.asarray(battery_ok, bool), Ls.unit_cost, doc["engage"],
            doc["hold"], doc["max_rounds"], doc["salvo"], doc["reserve"], doc["rank"],
            doc["min_pk"], *zones, bool(networked), float(cost_weight), bool(profitable_only),
            bool(doc["layered"] or cost_weight > 0), float(decision_period_s), _TTG_SLACK_S,
            float(min_threat_value))
    while True:
        if allowed_only and count_first:  # most cycles allow no pair, and need no arrays
            n_allowed = _kernels.allowed_count(*head, rows, *book_arrays, *tail)
            if n_allowed == 0:
                return None
        if not (allowed_only and count_first) or n_allowed > 0:  # every field
            *out, n_allowed = _kernels.cycle_options(*head, rows, *book_arrays, *tail, False)
        if n_allowed == 0 and allowed_only:
            return None
        if n_allowed >= 0:
            break
        # Negative track ids are not in the book's arrays: its tables, row by row.
        rows, *book_arrays = book.arrays(rows, len(batteries))
    allowed, pk, pair_cap, tof, pip, cap, nonballistic_cap, ballistic = out
    return (allowed, pk, pair_cap, cap, value, tof, pip, nonballistic_cap, ballistic,
            n_allowed)


def _radius_of(heights_fn) -> float:
    """:func:`airdefense.geo.sphere_radius_of`, quicker for a frame's ``height_m``."""
    owner = getattr(heights_fn, "__self__", None)
    if type(owner) is Frame and heights_fn.__func__ is _FRAME_HEIGHT:
        return float(owner.radius_m)
    return sphere_radius_of(heights_fn)


def _allowed_options(assigner, t: float, tracks, evaluation: dict, launchers, book, batteries,
                     channels_free: np.ndarray, battery_ok: np.ndarray, heights_fn, *,
                     profitable_only: bool = False, some_pair: bool = False) -> Options | None:
    """The options of one cycle with an assigner's settings; None when no pair is allowed
    (no track, no launcher, or the rules leave none).

    ``assigner`` gives ``networked``, ``cost_weight``, ``decision_period_s`` and
    ``min_threat_value`` (0 where it has none); the other
    arguments are those of :func:`engagement_options`. The geometry is skipped where the rules
    that need none leave no pair. With ``some_pair`` the caller knows that some pair is
    allowed (:func:`screen_cycle` said so): the pairs are not counted first (the options
    are the same; None still where none is allowed).
    """
    if len(tracks) == 0 or len(launchers) == 0:
        return None
    out = _option_arrays(
        t, tracks, evaluation, launchers, book, batteries, channels_free, battery_ok, heights_fn,
        assigner.networked, assigner.cost_weight, assigner.decision_period_s, profitable_only,
        allowed_only=True, min_threat_value=getattr(assigner, "min_threat_value", 0.0),
        count_first=not some_pair)
    return None if out is None else Options(*out[:-1])


def _evaluated_options(assigner, t: float, tracks, kind_code, launchers, book, batteries,
                       channels_free: np.ndarray, battery_ok: np.ndarray, heights_fn,
                       assets: tuple, cache: dict) -> tuple[int, Options | None]:
    """The threat evaluation and options of a cycle whose screen (:func:`screen_cycle`) found
    some pair allowed, in one compiled call (:func:`_kernels.evaluated_options`): the options
    of :func:`airdefense.c2.evaluation.evaluate_threats` then :func:`_allowed_options`
    (``profitable_only`` the assigner's ``options_profitable_only``, ``some_pair``), to the
    same numbers, but ``value`` NaN for a track that rule 1 leaves out whatever its value
    (unconfirmed, assessed killed, or no launcher looks at it), whose value no rule reads,
    and ``tof``, ``pk`` and ``pip`` of a pair not allowed those of no intercept (inf, 0, 0)
    unless the rules read its geometry (an assigner reads them at the allowed pairs only).

    Parameters
    ----------
    assigner, t, tracks, launchers, book, batteries, channels_free, battery_ok, heights_fn
        As in :func:`_allowed_options`; ``launchers.operational`` already false where the
        fire-control radar is down.
    kind_code : ndarray of shape (m,), int
        The control unit's classes of the tracks.
    assets : tuple
        :func:`screen_cycle`'s ``assets``.
    cache : dict
        Kept by the caller from cycle to cycle of one run (empty at first), as
        :func:`screen_cycle`'s ``cache``: the figures fixed for a run are read again only for
        another assigner, launchers or batteries object, a launcher array the pack reads
        replaced or another ``heights_fn``, and the assets' damage law whenever one of the
        ``assets`` but the values and alive flags is replaced (changes in place of those
        figures are not seen).

    Returns
    -------
    n : int
        The number of allowed pairs (0: none, and ``opt`` None), or -1 where the cycle is to
        be built in steps (a track the book has no row for, a class out of range, no track,
        launcher or asset, covariances not (m, 6, 6), the kill probabilities' classes not the
        doctrines'); nothing is changed then.
    opt : Options or None
    """
    x = tracks.x
    m = x.shape[0] if x.ndim == 2 else 0
    if m == 0 or len(launchers) == 0 or assets[0].shape[0] == 0 or x.shape != (m, 6):
        return -1, None
    x = np.ascontiguousarray(x, dtype=float)
    P = tracks.P
    if P is None:
        P = _NO_COV
    else:
        P = np.ascontiguousarray(P, dtype=float)
        if P.shape != (m, 6, 6):
            return -1, None
    kidx = np.ascontiguousarray(kind_code, dtype=np.int64).reshape(-1)
    rows = _as(tracks.track_id, _INT).reshape(-1)
    if kidx.shape[0] != m or rows.shape[0] != m:
        return -1, None
    q = tracks.quality
    q = np.ones(m) if q is None else np.asarray(q, float)
    if not (q.shape == (m,) and q.flags.c_contiguous):
        q = np.ascontiguousarray(np.broadcast_to(q, (m,)))
    Ls = launchers
    own = cache.get("owners")
    if own is None or not (_same_run(own, assigner, Ls, batteries, None)
                           and own[10] == heights_fn):
        cache["static"] = _screen_pack(assigner, Ls, batteries, heights_fn)
        cache["owners"] = (assigner, Ls, batteries, None, Ls.pk, Ls.unit_cost,
                           Ls.min_interval_s, Ls.fire_control, Ls.battery,
                           getattr(Ls, "channels", None), heights_fn)
    static = cache["static"]
    if static is None:
        return -1, None
    law = cache.get("law")
    if law is None or not _same_assets(law[0], assets):
        law = cache["law"] = _screen_law(assets)
    out = _kernels.evaluated_options(
        float(t), x, P, q, kidx, np.asarray(tracks.confirmed, bool), rows, book._killed_a,
        book._rounds_a, book._pending_a, Ls.operational, Ls.rounds, Ls.last_fire_s,
        Ls.reload_done_s, np.asarray(channels_free), np.asarray(battery_ok, bool),
        np.asarray(assets[1], float), np.asarray(assets[2], bool), static[0], static[1],
        static[2], law[1])
    n = out[9]
    if n <= 0:
        return (0, None) if n == 0 else (-1, None)
    allowed, pk, pair_cap, tof, pip, cap, nonballistic_cap, ballistic, value = out[:9]
    return n, Options(allowed, pk, pair_cap, cap, value, tof, pip, nonballistic_cap, ballistic)


def screen_cycle(assigner, t: float, tracks, kind_code, launchers, book, batteries,
                 channels_free: np.ndarray, battery_ok: np.ndarray, heights_fn,
                 sensor_ok: np.ndarray, assets: tuple, *, cache: dict | None = None,
                 rounds: tuple | None = None) -> int:
    """Whether a decision cycle of an assigner built on the shared options can order anything,
    in one compiled call (:func:`_kernels.cycle_screen`): the launchers' capacity
    (:func:`firing_capacity`), the threat values (:func:`airdefense.c2.evaluation.
    evaluate_threats`) and whether :func:`_allowed_options` allows some pair.

    Parameters
    ----------
    assigner
        Gives ``options_profitable_only`` (its options' ``profitable_only``) and the settings
        :func:`_allowed_options` reads.
    t : float
        Decision time, s.
    tracks : Tracks
        Current picture (m > 0 tracks).
    kind_code : ndarray of shape (m,), int, or TrackClasses
        The control unit's classes of the tracks (:meth:`TrackClasses.update`), or its memory
        of them, then updated here with the tracks at ``t`` (every call, as
        :meth:`TrackClasses.update`, in the same compiled call): their classes are then
        its :meth:`TrackClasses.last_codes`.
    launchers : LauncherState
        ``operational`` as it is: a launcher whose fire-control radar is down
        (``sensor_ok`` (S,) False) is taken as not operational here.
    book, batteries, battery_ok, heights_fn
        As in :func:`engagement_options`.
    channels_free : ndarray of shape (S,), int
        As in :func:`engagement_options`; with ``rounds``, an int64 buffer the free channels
        are written into (every call, whatever the answer).
    sensor_ok : ndarray of shape (S,), bool
        Radars working.
    assets : tuple
        :func:`airdefense.c2.evaluation.evaluate_threats`' asset arguments, in its order:
        ``asset_enu``, ``asset_value``, ``asset_alive``, ``asset_hardness``,
        ``asset_radius_m``, ``asset_area_radius_m``, ``lethal_radius_m``, ``asset_damaged``
        (its defaults for the others: ``route_uncertainty`` 0.05, heights above the sphere of
        radius ``TrackClasses.radius_m``, unused with classes given).
    cache : dict, optional
        Kept by the caller from cycle to cycle of one run (empty at first), to build once
        what the screen reads of the figures fixed for a run: the assigner's settings, the
        launchers' figures (envelope, kill probabilities, costs, launch intervals, radars,
        batteries, the radars' guidance channels), the batteries' doctrines and zones, the
        heights' sphere and the class memory's figures (``need``, ``n_established``, the
        gates and its sphere), read again only for another assigner, launchers, batteries
        or class memory object or a launcher array replaced; and the assets' damage law,
        read again whenever one of the ``assets`` but the values and alive flags (which
        are read every cycle) is replaced (a run replaces ``asset_damaged`` as assets are
        damaged). Changes in place of those figures are not seen. Without it (the
        default) everything is read every call. What changes from cycle to cycle (tracks,
        classes, book, the launchers' rounds, readiness and reloads, channels, batteries
        and radars working, asset values and alive flags) is read every call either way.
    rounds : tuple, optional
        ``(n, active, fire_control)`` of the engagement's interceptor rows
        (:attr:`airdefense.engagement.model.Engagement.icpt`), where no round is queued: the
        free channels are then computed here, in the same compiled call, as
        :meth:`airdefense.engagement.model.Engagement.channels_free` gives them (the
        launchers' ``channels`` less the active rounds each radar guides, 0 where a radar is
        down, -1 where it has no limit), and written into ``channels_free``.

    Returns
    -------
    int
        -2: no launcher can fire this cycle (the cycle may be skipped); 0: no pair is allowed
        (the assigner orders nothing); above 0: some pair is allowed; -1: not screened (a track
        the book has no row for, a class out of range, no asset, the kill probabilities'
        classes not the doctrines'): the caller builds the cycle in steps.
    """
    classes = kind_code if isinstance(kind_code, TrackClasses) else None
    Ls = launchers
    if cache is None:
        cache = {}
    static, law = _screen_fixed(assigner, Ls, batteries, heights_fn, classes, assets, cache)
    x, P, ids, q = tracks.x, tracks.P, tracks.track_id, tracks.quality
    m = len(x)
    ids = _as(ids, _INT)
    if ids.ndim != 1:
        ids = ids.reshape(-1)
    if P is None:
        P = _NO_COV
    else:
        P = np.ascontiguousarray(P, dtype=float)
        if P.shape != (m, 6, 6):
            static = None
    if (static is None or law[1] is None or x.shape != (m, 6) or x.dtype != _FLOAT
            or ids.shape[0] != m):
        if classes is not None:  # not screened: the classes as every cycle
            classes.update(tracks.track_id, tracks.x, t)
        return _unscreened(rounds, channels_free, Ls, sensor_ok)
    x = np.ascontiguousarray(x)
    if q is None:
        q = np.ones(m)
    else:
        q = _as(q, _FLOAT)
        if not (q.shape == (m,) and q.flags.c_contiguous):
            q = np.ascontiguousarray(np.broadcast_to(q, (m,)))
    if classes is None:
        kidx = np.ascontiguousarray(kind_code, dtype=np.int64).reshape(-1)
        if kidx.shape[0] != m:
            return _unscreened(rounds, channels_free, Ls, sensor_ok)
        mem_i, mem_f = _NO_MEMORY
    else:
        kidx = classes._codes_buffer(m)
        mem_i, mem_f = classes._mem_i, classes._mem_f
    fs, ns, bs = static
    n_rounds, active, round_fc = _NO_ROUNDS if rounds is None else rounds
    n = _kernels.cycle_screen(
        float(t), x, P, q, kidx, _as(tracks.confirmed, _BOOL), ids, book._killed_a,
        book._rounds_a, book._pending_a, Ls.operational, _as(sensor_ok, _BOOL), Ls.rounds,
        Ls.last_fire_s, Ls.reload_done_s, _as(channels_free, _INT), _as(battery_ok, _BOOL),
        _as(assets[1], _FLOAT), _as(assets[2], _BOOL), fs, ns, bs, law[1], mem_i, mem_f,
        n_rounds, active, round_fc)
    if n == -3:  # a track id past the classes' memory (rare): grow it, once
        classes._room(int(ids.max()))
        return screen_cycle(assigner, t, tracks, classes, Ls, book, batteries, channels_free,
                            battery_ok, heights_fn, sensor_ok, assets, cache=cache,
                            rounds=rounds)
    return n


def _screen_fixed(assigner, Ls, batteries, heights_fn, classes, assets, cache: dict
                  ) -> tuple:
    """What :func:`screen_cycle` reads of the figures fixed for a run, kept in ``cache``:
    ``(static, law)``, the packed figures (None: not screened) and the assets' damage law
    ``(key, packed law or None, assets)`` (a caller that makes the screen's kernel call
    itself, the simulation's quiet steps, reads them here)."""
    # The figures fixed for a run (the assigner's, launchers', batteries', classes'), then the
    # assets' (their damage law): packed once, read again where an owner was replaced.
    run = cache.get("run")
    if run is None or not _same_run(run[0], assigner, Ls, batteries, classes):
        run = cache["run"] = ((assigner, Ls, batteries, classes, Ls.pk, Ls.unit_cost,
                               Ls.min_interval_s, Ls.fire_control, Ls.battery,
                               getattr(Ls, "channels", None)),
                              _screen_pack(assigner, Ls, batteries, heights_fn, classes))
    law = cache.get("law")
    if law is None or (law[2] is not assets and not _same_assets(law[0], assets)):
        law = cache["law"] = _screen_law(assets)
    return run[1], law


def _unscreened(rounds, channels_free, Ls, sensor_ok) -> int:
    """-1 (:func:`screen_cycle` does not screen the cycle), the free channels written into
    ``channels_free`` first where ``rounds`` asks for them."""
    if rounds is not None:
        channels_free[:] = _free_channels(rounds[0], rounds[1], rounds[2], Ls.channels,
                                          np.asarray(sensor_ok, bool))
    return -1


_BOOL, _INT, _FLOAT = np.dtype(bool), np.dtype(np.int64), np.dtype(float)


def _as(a, dtype: np.dtype) -> np.ndarray:
    """``np.asarray(a, dtype)``, sooner where ``a`` is an array of that dtype already (its
    dtype object may be another than ``dtype``: arrays made by compiled code carry their
    own)."""
    if type(a) is np.ndarray:
        d = a.dtype
        if d is dtype or d == dtype:
            return a
    return np.asarray(a, dtype)


def _same_assets(key: tuple, assets: tuple) -> bool:
    """Whether ``assets`` holds the arrays ``key`` (:func:`_screen_law`'s) was read from."""
    return (key[0] is assets[3] and key[1] is assets[4] and key[2] is assets[5]
            and key[3] is assets[6] and key[4] is assets[7] and key[5] is assets[0])


def _same_run(own: tuple, assigner, Ls, batteries, classes) -> bool:
    """Whether the figures packed with the owners ``own`` are those of these assigner,
    launchers, batteries and class memory (the same objects, the launchers' arrays the screen
    packs not replaced)."""
    return (own[0] is assigner and own[1] is Ls and own[2] is batteries and own[3] is classes
            and own[4] is Ls.pk and own[5] is Ls.unit_cost and own[6] is Ls.min_interval_s
            and own[7] is Ls.fire_control and own[8] is Ls.battery
            and own[9] is getattr(Ls, "channels", None))


def _screen_law(assets: tuple) -> tuple:
    """The assets' figures of :func:`_kernels.cycle_screen` that do not change from cycle to
    cycle: the arrays they were read from (``assets[3:]`` then ``assets[0]``), the packed
    floats (:func:`_kernels._screen_assets`' layout: the damage law (K, a, 4), its bounds
    (:func:`_kernels.screen_bounds`) and the positions (a, 3); None where there is no
    asset) and ``assets`` (the same tuple again: the same arrays)."""
    key = assets[3:] + assets[:1]
    if assets[0].shape[0] == 0:
        return key, None, assets
    law, enu, _, _ = _asset_inputs(*assets)
    K, na = law.shape[0], law.shape[1]
    return key, np.concatenate([np.array([K, na], float), law.ravel(),
                                _kernels.screen_bounds(law).ravel(), enu.ravel()]), assets


def _screen_pack(assigner, Ls, batteries, heights_fn, classes=None) -> tuple | None:
    """The figures of :func:`_kernels.cycle_screen` fixed for a run: the packed floats,
    integers and booleans (:func:`_kernels._screen_unpack`'s layout: the launcher rows and
    the class memory ``classes``' figures among them, where given); None where the kill
    probabilities' classes are not those of the doctrines' tables."""
    doc, (zone_xy, zone_r, zone_hold, zone_b, free_b) = _battery_tables(batteries)
    pk = np.asarray(Ls.pk, dtype=float)
    L = len(Ls.battery)
    B = len(batteries)
    K = len(KINDS)
    Z = zone_r.shape[0]
    if pk.shape != (L, K) or doc["engage"].shape != (K, B) or doc["salvo"].shape != (K, B):
        return None
    lp = _launcher_rows(Ls)
    if classes is None:
        need, n_est, gates = np.zeros((0, 0), np.int64), 0, [0.0, 0.0, 0.0]
    else:
        need, n_est = classes.need, classes.n_established
        gates = [classes.gate_m, classes.gate_mps2, classes.radius_m]
    cost_weight = float(assigner.cost_weight)
    head = [L, B, K, len(_CLASS_G), Z, _BALLISTIC, bool(assigner.networked),
            bool(assigner.options_profitable_only), bool(doc["layered"] or cost_weight > 0),
            WINDOW_SEARCH[1], INTERCEPT_SEARCH[0], INTERCEPT_SEARCH[1], lp.shape[1],
            need.shape[0], n_est, len(getattr(Ls, "channels", ()))]
    ns = np.concatenate([np.array(head, np.int64)] + [
        np.asarray(a).astype(np.int64).ravel() for a in (
            Ls.battery, Ls.fire_control, doc["max_rounds"], doc["salvo"], doc["reserve"],
            doc["rank"], zone_b, need, getattr(Ls, "channels", ()))])
    bs = np.concatenate([np.asarray(a, bool).ravel() for a in (
        doc["engage"], doc["hold"], zone_hold, free_b)])
    fhead = [_radius_of(heights_fn), WINDOW_SEARCH[0], WINDOW_SEARCH[2], INTERCEPT_SEARCH[2],
             cost_weight, float(assigner.decision_period_s), _TTG_SLACK_S,
             float(getattr(assigner, "min_threat_value", 0.0)), ROUTE_UNCERTAINTY,
             DAMAGED_VALUE_FRACTION, _GRAVITY, *gates]
    fs = np.concatenate([np.array(fhead, float)] + [np.asarray(a, float).ravel() for a in (
        pk, _CLASS_G, Ls.min_interval_s, Ls.unit_cost, doc["min_pk"], zone_xy, zone_r, lp)])
    return fs, ns, bs
