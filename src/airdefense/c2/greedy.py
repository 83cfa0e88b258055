"""Greedy nearest-feasible weapon-target assignment (the baseline control unit)."""

from __future__ import annotations

import numpy as np

from airdefense.assignment._kernels import trimmed_rounds
from airdefense.c2._options import Options, _allowed_options
from airdefense.c2.base import EngagementBook, Orders
from airdefense.engagement.flyout import intercept_time

__all__ = ["feasibility", "GreedyAssigner", "orders_from_rounds"]

#: What :meth:`GreedyAssigner.no_pair_orders` returns: orders of no row, shared (their arrays
#: have no element to change).
_NO_PAIR_ORDERS = Orders.from_rows([])


def feasibility(tracks_x: np.ndarray, launchers, heights_fn, t: float) -> dict[str, np.ndarray]:
    """Constant-speed intercept geometry and envelope checks for every track x launcher pair.

    Parameters
    ----------
    tracks_x : ndarray of shape (m, 6)
        Track states at ``t``.
    launchers : LauncherState
    heights_fn : callable
        ``heights_fn(enu (k, 3)) -> (k,)`` height above the surface, m.
    t : float
        Decision time, s.

    Returns
    -------
    dict
        ``tof`` (m, L) time of flight (inf if none), ``pip`` (m, L, 3), ``inside`` (m, L) bool:
        the predicted intercept point lies inside the launcher's envelope.
    """
    m, L = tracks_x.shape[0], len(launchers)
    if m == 0 or L == 0:
        return {"tof": np.full((m, L), np.inf), "pip": np.zeros((m, L, 3)),
                "inside": np.zeros((m, L), bool)}
    pos = tracks_x[:, None, :3]
    vel = tracks_x[:, None, 3:]
    tof = intercept_time(launchers.enu[None], launchers.speed[None], pos, vel)
    fin = np.isfinite(tof)
    pip = pos + vel * np.where(fin, tof, 0.0)[..., None]
    rng = np.linalg.norm(pip - launchers.enu[None], axis=-1)
    h = heights_fn(pip.reshape(-1, 3)).reshape(m, L)
    speed = np.linalg.norm(tracks_x[:, 3:], axis=1)[:, None]
    inside = (fin & (rng >= launchers.min_range[None]) & (rng <= launchers.max_range[None])
              & (h >= launchers.min_alt[None]) & (h <= launchers.max_alt[None])
              & (speed <= launchers.max_tgt_speed[None]))
    return {"tof": tof, "pip": pip, "inside": inside}


def orders_from_rounds(t: float, x: np.ndarray, opt: Options, tracks, launchers,
                       channels_free: np.ndarray) -> Orders:
    """Turn a rounds matrix into fire orders, trimmed to every cycle limit.

    Pairs are taken in decreasing expected return (value x pk); each is cut to its pair cap,
    what its battery may still fire at the track (the pair cap is the battery's salvo and
    rounds left at the track, shared by its launchers), the launcher's cycle capacity, the
    fire-control radar's free channels and the battery's rounds outside its ballistic reserve.

    Parameters
    ----------
    t : float
        Decision time, s.
    x : ndarray of shape (m, L), int
        Rounds proposed per track and launcher.
    opt : Options
    tracks : Tracks
    launchers : LauncherState
    channels_free : ndarray of shape (S,), int
    """
    x = np.asarray(x)
    if x.dtype.kind not in "iu":  # (whole rounds: a fraction orders nothing)
        x = x.astype(np.int64)
    lb = np.asarray(launchers.battery)
    ii, jj, n = trimmed_rounds(x, opt.allowed, opt.pair_cap, opt.value, opt.pk, opt.cap,
                               np.asarray(channels_free), opt.nonballistic_cap, opt.ballistic,
                               np.asarray(launchers.fire_control), lb)
    return _orders_of_rows(t, ii, jj, n, opt, tracks, lb)


def _orders_of_rows(t: float, ii: np.ndarray, jj: np.ndarray, n: np.ndarray, opt: Options,
                    tracks, lb: np.ndarray) -> Orders:
    """The orders of the track rows ``ii``, launchers ``jj`` and rounds ``n`` (k,) int64
    (:func:`~airdefense.assignment._kernels.trimmed_rounds`' rows) of the options ``opt`` at
    ``t``; ``lb`` (L,) the launchers' batteries."""
    if n.size == 0:
        return Orders.from_rows([])
    return Orders(np.asarray(tracks.track_id)[ii].astype(int, copy=False),
                  np.asarray(tracks.truth_id)[ii].astype(int, copy=False),
                  lb[jj].astype(int, copy=False), jj, n, t + opt.tof[ii, jj], opt.pip[ii, jj])


class GreedyAssigner:
    """Most urgent track first, each to the allowed launcher that intercepts it soonest.

    The battery's salvo at the track (its pair cap) comes from that launcher and, where it
    cannot ripple the whole salvo before the next decision, from the battery's next soonest
    launchers.

    The baseline: it obeys every rule of :mod:`airdefense.c2._options` but ignores values,
    kill probabilities and costs when it chooses.

    Parameters
    ----------
    networked : bool, default True
    cost_weight : float, default 0
        Only used by the shared rules (cost-aware deferral).
    decision_period_s : float, default 2
    min_threat_value : float, default 0
        Least threat value (the assets' value unit) of a track to engage: one at or below it
        threatens nothing worth a round (the scenario's ``c2.min_threat_value``).
    """

    name = "greedy"

    #: Its orders never exceed :func:`airdefense.c2.firing_capacity` (it obeys the shared
    #: options), so a cycle where no launcher can fire may be skipped.
    fires_within_capacity = True
    #: Its options' ``profitable_only`` (:func:`airdefense.c2._options.screen_cycle` screens a
    #: cycle with it: where no pair is allowed, :meth:`decide` is :meth:`no_pair_orders`).
    options_profitable_only = False
    #: Its :meth:`decide` takes ``some_pair=True`` where the caller knows that the cycle's
    #: options allow some pair (:func:`airdefense.c2._options.screen_cycle` said so).
    decide_some_pair = True

    def __init__(self, networked: bool = True, cost_weight: float = 0.0,
                 decision_period_s: float = 2.0, min_threat_value: float = 0.0) -> None:
        self.networked = networked
        self.cost_weight = cost_weight
        self.decision_period_s = decision_period_s
        self.min_threat_value = min_threat_value

    def no_pair_orders(self, t: float) -> Orders:
        """What :meth:`decide` does in a cycle whose options allow no pair: no order (the
        shared orders of no row)."""
        return _NO_PAIR_ORDERS

    def decide(self, t: float, tracks, evaluation: dict, launchers, book: EngagementBook,
               batteries: list, channels_free: np.ndarray, battery_ok: np.ndarray,
               heights_fn, *, some_pair: bool = False) -> Orders:
        """Return the fire orders of one decision cycle.

        Parameters
        ----------
        t : float
            Decision time, s.
        tracks : Tracks
            Current track picture (m tracks).
        evaluation : dict
            :func:`airdefense.c2.evaluation.evaluate_threats` of these tracks.
        launchers : LauncherState
        book : EngagementBook
        batteries : list of BatteryUnit
        channels_free : ndarray of shape (S,), int
            Free guidance channels per radar (-1: no limit).
        battery_ok : ndarray of shape (B,), bool
        heights_fn : callable
            Height above the surface of ENU points.
        some_pair : bool, default False
            The caller knows that the cycle's options allow some pair
            (:func:`airdefense.c2._options.screen_cycle` said so, :attr:`decide_some_pair`):
            they are built without counting the pairs first (the same orders).
        """
        m, L = len(tracks), len(launchers)
        opt = _allowed_options(self, t, tracks, evaluation, launchers, book, batteries,
                               channels_free, battery_ok, heights_fn, some_pair=some_pair)
        if opt is None:  # no track, no launcher, or no allowed pair: no order
            return Orders.from_rows([])
        x = np.zeros((m, L), int)
        cap = opt.cap.copy()
        tof = np.where(opt.allowed, opt.tof, np.inf)
        lb = launchers.battery
        for i in np.argsort(evaluation["time_to_go_s"], kind="stable"):
            cand = np.isfinite(tof[i]) & (cap > 0)
            if not cand.any():
                continue
            j = int(np.flatnonzero(cand)[np.argmin(tof[i, cand])])
            # The battery's salvo (its pair cap) from the soonest launcher, and what one
            # launcher cannot ripple before the next decision from the battery's next soonest.
            want = int(opt.pair_cap[i, j])
            mates = np.flatnonzero(cand & (lb == lb[j]))
            for jj in mates[np.argsort(tof[i, mates], kind="stable")]:
                n = int(min(want, cap[jj]))
                x[i, jj] = n
                cap[jj] -= n
                want -= n
                if want <= 0:
                    break
        return orders_from_rounds(t, x, opt, tracks, launchers, channels_free)
