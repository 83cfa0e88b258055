"""The engagement options of one decision cycle: which launcher may fire how much at which track.

Every assigner (greedy, heuristic, exact) works from the same options, so they differ only in
how they choose, never in which rules they obey. The rules, in order:

1. the track is confirmed, not assessed killed, and its earlier shots are assessed (the look of
   shoot-look-shoot and shoot-shoot-look; networked control waits for every battery's shots,
   an autonomous battery only for its own);
2. the predicted intercept point is inside the launcher's envelope, before the threat's time to
   go, and the launcher is ready (operational, loaded, past its minimum launch interval, its
   battery fighting and its fire-control radar working);
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
   layers as backup).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from airdefense.c2 import _kernels
from airdefense.c2.evaluation import KINDS
from airdefense.engagement.envelope import feasibility

__all__ = ["Options", "engagement_options", "cycle_options", "LAYER_RANK"]

#: Order of the layers, outermost first.
LAYER_RANK = {"outer": 0, "middle": 1, "inner": 2}
#: Slack on the time-to-go test (the threat's time to go is itself an estimate), s.
_TTG_SLACK_S = 5.0
_NO_WINDOWS = np.zeros((0, 0))  # the rules kernel searches the windows itself


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
        Most rounds launcher ``j`` may fire at track ``i`` this cycle (salvo, rounds left).
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
    return _doctrine_arrays(tuple((d.mode, d.salvo_size, d.max_rounds_per_threat,
                                   tuple(d.engage), d.hold_fire, d.reserve_ballistic_rounds,
                                   d.layer) for d in (bu.doctrine for bu in batteries)))


@lru_cache(maxsize=64)
def _doctrine_arrays(key: tuple) -> dict:
    B = len(key)
    mode, salvo, max_rounds, engage, hold, reserve, layer = (
        zip(*key, strict=True) if B else ((),) * 7)
    out = {
        "engage": np.array([[k in e for e in engage] for k in KINDS], bool).reshape(-1, B),
        "hold": np.array(hold, bool),
        "max_rounds": np.array(max_rounds, np.int64),
        # Shoot-look-shoot fires one round a look; shoot-shoot-look a salvo.
        "salvo": np.array([1 if md == "shoot_look_shoot" else sv
                           for md, sv in zip(mode, salvo, strict=True)], np.int64),
        "reserve": np.array(reserve, int),
        "rank": np.array([LAYER_RANK.get(ly, -1) if ly else -1 for ly in layer], np.int64),
        "layered": any(ly for ly in layer),
    }
    for a in out.values():
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    return out


def _zones_ok(pip: np.ndarray, batteries, launcher_battery: np.ndarray) -> np.ndarray:
    m, L = pip.shape[:2]
    ok = np.ones((m, L), bool)
    for b, bu in enumerate(batteries):
        if bu.zone_enu.shape[0] == 0:
            continue
        cols = np.flatnonzero(launcher_battery == b)
        if cols.size == 0:
            continue
        d = np.linalg.norm(pip[:, cols, None, :2] - bu.zone_enu[None, None, :, :2], axis=-1)
        inside = d <= bu.zone_radius_m[None, None, :]
        hold = (inside & bu.zone_hold[None, None, :]).any(axis=-1)
        free_zones = ~bu.zone_hold
        if free_zones.any():
            free = (inside & free_zones[None, None, :]).any(axis=-1)
            ok[:, cols] = ~hold & free
        else:
            ok[:, cols] = ~hold
    return ok


def _capacity(t, launchers, batteries, channels_free, battery_ok, decision_period_s):
    """Launchers ready (L,), their rounds this cycle (L,), batteries' non-reserve rounds (B,)."""
    lb = launchers.battery
    ready = launchers.ready(t) & battery_ok[lb]
    reserve = _doctrine_table(batteries)["reserve"]
    stock = np.bincount(lb, weights=launchers.rounds * launchers.operational,
                        minlength=len(batteries))
    nonballistic_cap = np.maximum(stock.astype(int) - reserve, 0)
    # Cycle capacity: rounds a launcher can ripple before the next decision.
    ripple = np.maximum(1, np.floor(decision_period_s / np.maximum(launchers.min_interval_s,
                                                                    1e-3))).astype(int)
    cap = np.where(ready, np.minimum(launchers.rounds, ripple), 0)
    chan = channels_free[launchers.fire_control]
    cap = np.where(chan >= 0, np.minimum(cap, np.maximum(chan, 0)), cap)
    return ready, cap, nonballistic_cap


def engagement_options(t: float, tracks, evaluation: dict, launchers, book, batteries,
                       channels_free: np.ndarray, battery_ok: np.ndarray, heights_fn, *,
                       networked: bool = True, cost_weight: float = 0.0,
                       decision_period_s: float = 2.0,
                       profitable_only: bool = False) -> Options:
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
        Drop the pairs that cannot pay their cost (rule 5); their geometry is not computed.
    """
    m, L, B = len(tracks), len(launchers), len(batteries)
    kind = evaluation["kind"]
    ttg = np.maximum(evaluation["time_to_go_s"], 0.0)
    value = np.asarray(evaluation["value"], float)
    kidx = evaluation.get("kind_code")
    if kidx is None:
        kidx = np.array([KINDS.index(k) if k in KINDS else 0 for k in kind], np.int64)
    lb = launchers.battery
    ballistic = kind == "ballistic"

    # 1. Track eligibility.
    killed, fired_b, pending_b = book.tables(tracks.track_id, B)
    elig = tracks.confirmed & ~killed & (value > 0)
    if networked:
        look = pending_b.sum(axis=1) == 0
        look = np.repeat(look[:, None], L, axis=1)
    else:
        look = pending_b[:, lb] == 0
    # The envelope is the costly part: only for tracks some launcher may engage.
    profitable = np.ones((m, L), bool)
    if profitable_only and cost_weight > 0:
        # The geometry only lowers the class kill probability (every Pk factor is <= 1).
        profitable = (value[:, None] * launchers.pk[:, kidx].T
                      > cost_weight * launchers.unit_cost[None, :])
    rows = np.flatnonzero(elig & (look & profitable).any(axis=1))
    ready, cap, nonballistic_cap = _capacity(t, launchers, batteries, channels_free, battery_ok,
                                             decision_period_s)
    full = {"allowed": np.zeros((m, L), bool), "pk": np.zeros((m, L)),
            "pair_cap": np.zeros((m, L), int), "tof": np.full((m, L), np.inf),
            "pip": np.zeros((m, L, 3))}
    if rows.size:
        # The other tracks get no geometry and no options: the rules run on these rows only
        # (every rule is row by row).
        sub = _rules(t, tracks.select(rows) if rows.size < m else tracks, kind[rows], ttg[rows],
                     value[rows], kidx[rows], ballistic[rows], fired_b[rows], look[rows],
                     profitable[rows], launchers, batteries, battery_ok, heights_fn, ready,
                     nonballistic_cap, cost_weight, profitable_only)
        for key, arr in full.items():
            arr[rows] = sub[key]
    allowed = full.pop("allowed")
    return Options(allowed=allowed & (cap > 0)[None, :], **full, cap=cap, value=value,
                   nonballistic_cap=nonballistic_cap, ballistic=ballistic)


def _rules(t, tracks, kind, ttg, value, kidx, ballistic, fired_b, look, profitable, launchers,
           batteries, battery_ok, heights_fn, ready, nonballistic_cap, cost_weight,
           profitable_only) -> dict:
    """Rules 2-6 for eligible tracks: ``allowed``, ``pk``, ``pair_cap``, ``tof`` (m, L) and
    ``pip`` (m, L, 3)."""
    lb = launchers.battery
    # The windows are searched by the rules kernel, for the pairs whose chance later matters.
    geo = feasibility(tracks.x, launchers, heights_fn, t,
                      quality=getattr(tracks, "quality", None),
                      kind=kidx, cov=getattr(tracks, "P", None),  # KINDS order: codes
                      windows="deferred")
    tof, pip, inside = geo["tof"], geo["pip"], geo["inside"]
    pk = np.asarray(geo["pk"], float)
    doc = _doctrine_table(batteries)
    need_future = bool(doc["layered"] or cost_weight > 0)
    allowed, pair_cap = _kernels.cycle_rules(
        float(t), tof, inside, pk, ttg.astype(float), value.astype(float),
        kidx.astype(np.int64), ballistic.astype(bool), fired_b.astype(np.int64),
        np.ascontiguousarray(look), np.ascontiguousarray(profitable),
        _zones_ok(pip, batteries, lb), _NO_WINDOWS, _NO_WINDOWS, lb.astype(np.int64),
        ready.astype(bool),
        launchers.operational.astype(bool),
        (launchers.rounds > 0) | np.isfinite(launchers.reload_s), battery_ok.astype(bool),
        launchers.unit_cost.astype(float), np.ascontiguousarray(launchers.pk, dtype=float),
        doc["engage"], doc["hold"], doc["max_rounds"], doc["salvo"],
        nonballistic_cap.astype(np.int64), doc["rank"][lb],
        float(cost_weight), bool(profitable_only), need_future, _TTG_SLACK_S, True,
        geo["window_search"])
    return {"allowed": allowed, "pk": pk, "pair_cap": pair_cap, "tof": tof, "pip": pip}


def cycle_options(assigner, t: float, tracks, evaluation: dict, launchers, book, batteries,
                  channels_free: np.ndarray, battery_ok: np.ndarray, heights_fn, *,
                  profitable_only: bool = False) -> Options | None:
    """The options of one cycle with an assigner's settings; None when no track or launcher.

    ``assigner`` gives ``networked``, ``cost_weight`` and ``decision_period_s``; the other
    arguments are those of :func:`engagement_options`.
    """
    if len(tracks) == 0 or len(launchers) == 0:
        return None
    return engagement_options(t, tracks, evaluation, launchers, book, batteries, channels_free,
                              battery_ok, heights_fn, networked=assigner.networked,
                              cost_weight=assigner.cost_weight,
                              decision_period_s=assigner.decision_period_s,
                              profitable_only=profitable_only)
