"""Launcher state: inventory, reloads, launch intervals and fire channels, as arrays."""

from __future__ import annotations

import numpy as np

from airdefense.engagement.flyout import Flyout
from airdefense.engagement.guns import gun_rows
from airdefense.engagement.pk import BASKET_M
from airdefense.engagement.presets import THREAT_CLASSES
from airdefense.sensors._kernels import G_N as _G_N

__all__ = ["LauncherState"]

_NONE = np.zeros(0, np.int64)  # no launcher reloaded (read-only, shared)
_NONE.flags.writeable = False

#: The fields of a launcher's envelope: those of the compiled rows
#: (:func:`airdefense.engagement.envelope._launcher_rows`; with ``flyout``) and ``pk``.
_ENVELOPE_FIELDS = ("enu", "min_range", "max_range", "min_alt", "max_alt", "max_tgt_speed",
                    "max_cross", "min_tof", "max_elev", "max_tof", "max_g", "basket", "pk", "gun",
                    "fc_site", "fc_bore", "fc_half", "fc_range", "fc_geo", "guidance")


class _Envelopes:
    """Envelope figures of a selection of launchers (one row per entry)."""

    def __init__(self, fields: dict[str, np.ndarray]) -> None:
        self.__dict__.update(fields)

    def __len__(self) -> int:
        return int(self.enu.shape[0])


class LauncherState:
    """Every launcher of a scenario, vectorised.

    Parameters
    ----------
    launchers : list of LauncherUnit
    sensors : list of SensorUnit
        For the fire-control radars' guidance channels.
    frame : Frame, optional
        The scenario's frame (:class:`airdefense.geo.Frame`), to place the fire-control
        radars' coverage (``fc_geo``). Default None: no coverage rows (NaN).
    terrain : Terrain, optional
        The scenario's terrain (:class:`airdefense.terrain.Terrain`) for that coverage (the
        antenna's height above the ground). Default None: none.

    Attributes
    ----------
    rounds : ndarray of shape (L,), int
        Ready rounds.
    fired : ndarray of shape (L,), int
        Rounds fired so far (never above the loads the launcher has had).
    flyout : Flyout
        Boost-coast figures of each launcher's interceptor, arrays of shape (L,).
    max_tof : ndarray of shape (L,)
        Longest flight, s: the time to fly 1.25 times the maximum range.
    """

    def __init__(self, launchers, sensors, frame=None, terrain=None) -> None:
        L = len(launchers)
        self.units = list(launchers)
        self.enu = np.array([u.enu for u in launchers], float).reshape(L, 3)
        self.battery = np.array([u.battery for u in launchers], int)
        self.capacity = np.array([u.rounds for u in launchers], int)
        self.rounds = self.capacity.copy()
        self.fired = np.zeros(L, int)
        self.loads = np.ones(L, int)  # loads received; fired <= loads * capacity
        self.reload_s = np.array([u.reload_time_s for u in launchers], float)
        #: Reloads each launcher can still get from its battery's stock (inf: unlimited).
        self.reloads_left = np.array([getattr(u, "reloads", np.inf) for u in launchers], float)
        self.reload_done_s = np.full(L, np.inf)
        self._next_reload_s = np.inf  # min(reload_done_s): kept by fire() and update()
        self.min_interval_s = np.array([u.preset.min_launch_interval_s for u in launchers], float)
        self.last_fire_s = np.full(L, -np.inf)
        self.fire_control = np.array([u.fire_control for u in launchers], int)
        self.operational = np.ones(L, bool)
        ip = [u.interceptor for u in launchers]
        self.interceptor = [u.interceptor_name for u in launchers]
        self.speed = np.array([p.speed_mps for p in ip], float)
        self.flyout = Flyout.stack([Flyout.from_preset(p) for p in ip])
        self.min_range = np.array([p.min_range_m for p in ip], float)
        self.max_range = np.array([p.max_range_m for p in ip], float)
        self.max_tof = self.flyout.time_to(1.25 * self.max_range) if L else np.zeros(0)
        self.min_alt = np.array([p.min_altitude_m for p in ip], float)
        self.max_alt = np.array([p.max_altitude_m for p in ip], float)
        self.max_tgt_speed = np.array([p.max_target_speed_mps for p in ip], float)
        self.max_cross = np.array([np.inf if p.max_crossing_range_m is None
                                   else p.max_crossing_range_m for p in ip], float)
        self.min_tof = np.array([p.min_flight_time_s for p in ip], float)
        self.max_elev = np.radians([p.max_elevation_deg for p in ip]).astype(float)
        self.max_g = np.array([p.max_g for p in ip], float)
        self.unit_cost = np.array([p.unit_cost for p in ip], float)
        self.guidance = np.array([p.guidance for p in ip], object)
        self.basket = np.array([BASKET_M[g] for g in self.guidance], float)
        self.gun = gun_rows(ip)  # the burst law's figures (guns.GUN_FIELDS; zeros: no gun)
        self.assess_delay = np.array([p.kill_assessment_delay_s for p in ip], float)
        self.pk = np.array([[p.pk.get(k, 0.0) for k in THREAT_CLASSES] for p in ip],
                           float).reshape(L, len(THREAT_CLASSES))
        self.channels = np.array([s.preset.guidance_channels for s in sensors], int)
        # The fire-control radar's coverage in azimuth and range (it must see an intercept
        # point): site (L, 3), boresight, half sector (inf: full circle), range (inf: no radar).
        self.fc_site = np.zeros((L, 3))
        self.fc_bore = np.zeros(L)
        self.fc_half = np.full(L, np.inf)
        self.fc_range = np.full(L, np.inf)
        for j, f in enumerate(self.fire_control.tolist()):
            s = sensors[f] if 0 <= f < len(sensors) else None
            p = getattr(s, "preset", None)
            if s is None or not hasattr(s, "enu") or not hasattr(p, "max_range_m"):
                continue
            self.fc_site[j] = s.enu
            self.fc_range[j] = p.max_range_m
            self.fc_bore[j] = np.radians(p.boresight_deg) % (2 * np.pi)
            sector = np.radians(p.azimuth_sector_deg)
            self.fc_half[j] = np.inf if sector >= 2 * np.pi - 1e-12 else 0.5 * sector
        # The fire-control radar's whole coverage (height, elevation and range limits, sector,
        # the 4/3-earth horizon) as the radar model computes it: its kernel row (columns
        # sensors._kernels.G_*; NaN: no radar, or no frame to place it on).
        self.fc_geo = np.full((L, _G_N), np.nan)
        with_fc = [j for j in range(L) if np.isfinite(self.fc_range[j])]
        if frame is not None and with_fc:
            from airdefense.sensors.coverage import Coverage

            fcs = [sensors[self.fire_control[j]] for j in with_fc]
            cov = Coverage([s.preset for s in fcs], np.array([s.enu for s in fcs], float),
                           frame, terrain)
            self.fc_geo[with_fc] = cov.kernel_rows

    def __len__(self) -> int:
        return len(self.units)

    def subset(self, idx: np.ndarray) -> _Envelopes:
        """Envelope figures of launchers ``idx`` (repeats allowed), for per-pair evaluation:
        what :func:`airdefense.engagement.envelope.envelope_margin` and
        :func:`~airdefense.engagement.envelope.feasibility` read of a launcher state."""
        idx = np.asarray(idx, int)
        fields = {n: getattr(self, n)[idx] for n in _ENVELOPE_FIELDS}
        fields["flyout"] = self.flyout.take(idx)
        return _Envelopes(fields)

    @property
    def next_reload_s(self) -> float:
        """Earliest reload completion, s (inf: none under way): :meth:`update` does nothing
        before it."""
        return self._next_reload_s

    def update(self, t: float) -> np.ndarray:
        """Complete reloads due by ``t``; return the launchers reloaded, shape (r,).

        A launcher destroyed (not ``operational``) before its reload is due gets none.
        """
        if t < self._next_reload_s:  # most steps
            return _NONE
        due = self.reload_done_s <= t
        done = due & self.operational
        self.rounds[done] = self.capacity[done]
        self.loads[done] += 1
        self.reloads_left[done] -= 1
        self.reload_done_s[due] = np.inf
        self._next_reload_s = float(self.reload_done_s.min()) if due.size else np.inf
        return np.flatnonzero(done)

    def ready(self, t: float) -> np.ndarray:
        """Which launchers may fire at ``t``, shape (L,) bool."""
        return (self.operational & (self.rounds > 0)
                & (t - self.last_fire_s >= self.min_interval_s - 1e-9))

    def fire(self, launcher: int, n: int, t: float) -> None:
        """Take ``n`` rounds from a launcher whose last one leaves at ``t``; start its reload
        when it is empty and its battery's stock holds one (``reloads_left``)."""
        if n > self.rounds[launcher]:
            raise RuntimeError(
                f"launcher {launcher} asked to fire {n} rounds with {self.rounds[launcher]} left"
            )
        self.rounds[launcher] -= n
        self.fired[launcher] += n
        self.last_fire_s[launcher] = t
        if (self.rounds[launcher] == 0 and np.isfinite(self.reload_s[launcher])
                and self.reloads_left[launcher] > 0):
            self.reload_done_s[launcher] = t + self.reload_s[launcher]
            self._next_reload_s = min(self._next_reload_s, float(self.reload_done_s[launcher]))

    def unfire(self, launcher: int, busy_until_s: float) -> None:
        """Put back on a launcher one round taken by :meth:`fire` that did not leave (a
        cancelled launch): the launcher is busy only until ``busy_until_s`` (its last launch
        made or still to come, s; ``-inf``: none), and a reload started because that round
        emptied it is called off (it is not empty)."""
        self.rounds[launcher] += 1
        self.fired[launcher] -= 1
        self.last_fire_s[launcher] = busy_until_s
        if np.isfinite(self.reload_done_s[launcher]):
            self.reload_done_s[launcher] = np.inf
            self._next_reload_s = float(self.reload_done_s.min()) if self.reload_done_s.size \
                else np.inf
