"""The engagement stage: launchers, interceptors in flight, end games and kill assessment.

The simulation loop calls, each step: :meth:`Engagement.fly` (interceptor flight and end games),
:meth:`Engagement.reloads`, :meth:`Engagement.assessments_due`, and on the decision cycle
:meth:`Engagement.fire` with the control unit's orders.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from airdefense.engagement.interceptors import InterceptorState
from airdefense.engagement.launchers import LauncherState

__all__ = ["Engagement"]


class Engagement:
    """Launchers and interceptors of one run.

    Parameters
    ----------
    scenario : Scenario
    events : EventLog
        Where engagement events go.
    rng : numpy.random.Generator
        Source of end-game (kill) draws.
    """

    def __init__(self, scenario, events, rng: np.random.Generator) -> None:
        self.sc = scenario
        self.events = events
        self.rng = rng
        self.launchers = LauncherState(scenario.launchers, scenario.sensors)
        self.icpt = InterceptorState()
        self.icpt_type: dict[int, str] = {}
        self.icpt_outcome: dict[int, str] = {}
        self.assessments: list[tuple[float, int, int, bool]] = []  # (time, icpt, track, hit)

    def in_flight(self) -> np.ndarray:
        """Ids of interceptors in flight, shape (f,)."""
        return self.icpt.in_flight()

    def channels_free(self, sensor_ok: np.ndarray) -> np.ndarray:
        """Free guidance channels per radar, shape (S,); -1 where a radar has no channel limit."""
        L = self.launchers
        S = len(self.sc.sensors)
        flying = self.icpt.in_flight()
        busy = np.bincount(L.fire_control[self.icpt.launcher[flying]], minlength=S)
        chan = np.where(L.channels > 0, np.maximum(L.channels - busy, 0), -1)
        return np.where(sensor_ok, chan, 0)

    def fire(self, orders, t: float, kind_code: np.ndarray, book) -> None:
        """Launch the interceptors of a set of orders at time ``t``.

        Parameters
        ----------
        orders : Orders
        t : float
            Decision (launch) time, s.
        kind_code : ndarray of shape (n,), int
            True kind of each threat (for the kill probability).
        book : EngagementBook
            Updated with the rounds fired.
        """
        L = self.launchers
        for q in range(len(orders)):
            j = int(orders.launcher[q])
            k = int(orders.target[q])
            trk = int(orders.track_id[q])
            n = int(orders.rounds[q])
            self.events.add(t, "assignment", track=trk, threat=k, battery=orders.battery[q],
                            launcher=j, pos=orders.intercept_enu[q])
            L.fire(j, n, t)
            book.fired(trk, n)
            tof = orders.intercept_time_s[q] - t
            max_tof = max(1.5 * L.max_range[j] / L.speed[j] + 5.0, 1.5 * tof + 5.0)
            for _ in range(n):
                i = self.icpt.launch(
                    pos=L.enu[j], aim=orders.intercept_enu[q], speed=L.speed[j], target=k,
                    track=trk, launcher=j, battery=int(L.battery[j]),
                    fire_control=int(L.fire_control[j]), pk=L.pk[j, kind_code[k]],
                    guidance=L.guidance[j], t=t, max_tof=max_tof,
                )
                self.icpt_type[i] = L.interceptor[j]
                self.events.add(t, "fire", interceptor=i, threat=k, track=trk,
                                battery=L.battery[j], launcher=j, pos=L.enu[j],
                                value=L.unit_cost[j])

    def fly(self, t0: float, t1: float, truth, tracks, sensor_ok: np.ndarray,
            alive: Callable[[int, float], bool], kill: Callable[[int, float], None]) -> None:
        """Fly interceptors over ``[t0, t1]`` and resolve the end games that fall inside it.

        Parameters
        ----------
        truth : ThreatSet
        tracks : Tracks or None
            The latest track picture (mid-course updates).
        sensor_ok : ndarray of shape (S,), bool
            Radars still working; command-guided rounds die with their radar.
        alive : callable
            ``alive(threat, t)``: whether the threat still exists at ``t``.
        kill : callable
            ``kill(threat, t)``: called for each hit.
        """
        ic = self.icpt
        ids = ic.in_flight()
        if ids.size == 0:
            return
        blind = ic.command[ids] & ~sensor_ok[ic.fire_control[ids]]
        for i in ids[blind]:
            ic.active[i] = False
            self.icpt_outcome[int(i)] = "lost"
            self.events.add(t0, "interceptor_lost", interceptor=i, threat=ic.target[i],
                            track=ic.track[i], battery=ic.battery[i], launcher=ic.launcher[i],
                            sensor=ic.fire_control[i], pos=ic.pos[i])
        ids = ids[~blind]
        if ids.size == 0:
            return
        if tracks is not None and len(tracks):
            row = {int(t): r for r, t in enumerate(tracks.track_id)}
            have = np.array([int(ic.track[i]) in row for i in ids], bool)
            if have.any():
                rows = np.array([row[int(ic.track[i])] for i in ids[have]], int)
                x = tracks.x[rows]
                ic.reaim(ids[have], x[:, :3] + x[:, 3:] * (t0 - tracks.time_s), x[:, 3:])
        tgt = ic.target[ids]
        s0 = truth.states(t0)[tgt, :3]
        s1 = truth.states(t1)[tgt, :3]
        ended, t_end, miss = ic.fly(ids, s0, s1, t0, t1 - t0)
        order = np.argsort(t_end[ended], kind="stable")
        for i, te, ms in zip(ids[ended][order], t_end[ended][order], miss[ended][order],
                             strict=True):
            ic.active[i] = False
            k = int(ic.target[i])
            live = alive(k, te)
            hit = bool(live and ms <= ic.capture[i] and self.rng.random() < ic.pk[i])
            pos = truth.states(te)[k] if live else ic.pos[i]
            if hit:
                kill(k, te)
            self.icpt_outcome[int(i)] = "hit" if hit else "miss"
            self.events.add(te, "intercept_hit" if hit else "intercept_miss", interceptor=i,
                            threat=k, track=ic.track[i], battery=ic.battery[i],
                            launcher=ic.launcher[i], pos=pos, value=ms)
            delay = self.launchers.assess_delay[ic.launcher[i]]
            self.assessments.append((te + delay, int(i), int(ic.track[i]), hit))

    def reloads(self, t: float) -> None:
        """Complete the reloads due by ``t``."""
        for j in self.launchers.update(t):
            self.events.add(t, "reload", launcher=j, battery=self.launchers.battery[j],
                            value=float(self.launchers.capacity[j]))

    def assessments_due(self, t: float) -> list[tuple[int, bool]]:
        """Kill assessments the control unit receives by ``t``: ``(track_id, hit)`` in time order."""
        due = sorted(a for a in self.assessments if a[0] <= t)
        self.assessments = [a for a in self.assessments if a[0] > t]
        return [(trk, hit) for _, _, trk, hit in due]

    def finish(self) -> None:
        """Mark interceptors still flying at the end of the run."""
        for i in self.icpt.in_flight():
            self.icpt_outcome[int(i)] = "in_flight"

    def table(self) -> pd.DataFrame:
        """One row per interceptor fired."""
        ic, L = self.icpt, self.launchers
        n = ic.n
        ids = np.arange(n)
        return pd.DataFrame({
            "interceptor_id": ids, "launcher": ic.launcher[:n],
            "battery": [self.sc.batteries[b].name for b in ic.battery[:n]],
            "type": [self.icpt_type[int(i)] for i in ids],
            "target": ic.target[:n], "launch_time_s": ic.launch_t[:n],
            "outcome": [self.icpt_outcome.get(int(i), "in_flight") for i in ids],
            "unit_cost": L.unit_cost[ic.launcher[:n]] if n else np.zeros(0),
        })
