"""Greedy nearest-feasible weapon-target assignment (the baseline control unit)."""

from __future__ import annotations

import numpy as np

from airdefense.c2.base import EngagementBook, Orders
from airdefense.engagement.flyout import intercept_time

__all__ = ["feasibility", "GreedyAssigner"]


def feasibility(tracks_x: np.ndarray, launchers, heights_fn, t: float) -> dict[str, np.ndarray]:
    """Intercept geometry and envelope checks for every track x launcher pair.

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


class GreedyAssigner:
    """Most urgent track first, each to the feasible launcher that intercepts it soonest.

    Honors inventory, launch intervals, fire-control channels, the doctrine's engage list,
    hold-fire, salvo size and maximum rounds per threat, and shoot-look-shoot (a track is
    engaged again only once every earlier shot at it has been assessed).
    """

    name = "greedy"

    def decide(self, t: float, tracks, evaluation: dict, launchers, book: EngagementBook,
               doctrines: list, channels_free: np.ndarray, battery_ok: np.ndarray,
               heights_fn, truth_kind_of_track=None) -> Orders:
        """Return the fire orders of one decision cycle.

        Parameters
        ----------
        t : float
            Decision time, s.
        tracks : Tracks
            Current track picture.
        evaluation : dict
            Output of :func:`airdefense.c2.evaluation.evaluate_threats` for these tracks.
        launchers : LauncherState
        book : EngagementBook
        doctrines : list of Doctrine, one per battery
        channels_free : ndarray of shape (S,), int
            Free guidance channels per radar (-1: the radar guides no missiles, no limit).
        battery_ok : ndarray of shape (B,), bool
            Batteries able to fight (not disabled).
        heights_fn : callable
            Height above the surface of ENU points.
        """
        m = len(tracks)
        if m == 0 or len(launchers) == 0:
            return Orders.from_rows([])
        geo = feasibility(tracks.x, launchers, heights_fn, t)
        kinds = evaluation["kind"]
        ready = launchers.ready(t) & battery_ok[launchers.battery]
        fc = launchers.fire_control
        ok = geo["inside"] & ready[None, :]
        ok &= (geo["tof"] <= np.maximum(evaluation["time_to_go_s"], 0.0)[:, None] + 5.0)
        engage = np.array([[k in doctrines[b].engage and not doctrines[b].hold_fire
                            for b in launchers.battery] for k in kinds], bool).reshape(m, -1)
        ok &= engage
        fired = book.rounds_at(tracks.track_id)
        pending = book.pending_at(tracks.track_id)
        killed = book.killed_mask(tracks.track_id)
        eligible = tracks.confirmed & ~killed & (pending == 0)
        order = np.argsort(evaluation["time_to_go_s"], kind="stable")
        rounds = launchers.rounds.copy()
        chan = channels_free.copy()
        used = np.zeros(len(launchers), bool)
        rows = []
        for i in order:
            if not eligible[i]:
                continue
            cand = ok[i] & (rounds > 0) & ~used & (chan[fc] != 0)
            if not cand.any():
                continue
            j = int(np.flatnonzero(cand)[np.argmin(geo["tof"][i, cand])])
            d = doctrines[launchers.battery[j]]
            left = d.max_rounds_per_threat - fired[i]
            n = int(min(d.salvo_size, left, rounds[j]))
            if chan[fc[j]] > 0:
                n = min(n, int(chan[fc[j]]))
            if n <= 0:
                continue
            rounds[j] -= n
            used[j] = True
            if chan[fc[j]] > 0:
                chan[fc[j]] -= n
            rows.append((int(tracks.track_id[i]), int(tracks.truth_id[i]),
                         int(launchers.battery[j]), j, n, t + float(geo["tof"][i, j]),
                         geo["pip"][i, j]))
        return Orders.from_rows(rows)
