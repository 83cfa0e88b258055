"""Interceptors in flight: guidance toward the predicted intercept point and the end game.

Each step an interceptor re-aims at the intercept point predicted from the latest track of its
target (mid-course updates from its fire-control radar), flies straight at its average speed,
and the end game is decided by the closest approach to the true target within the step. A hit is
then drawn with the kill probability; a closest approach outside the capture radius is a miss.
"""

from __future__ import annotations

import numpy as np

from airdefense.engagement.flyout import closest_approach, intercept_time

__all__ = ["InterceptorState", "CAPTURE_RADIUS_M"]

# End-game divert: a homing interceptor corrects residual track errors within this radius.
CAPTURE_RADIUS_M = {"command": 30.0, "semi_active": 40.0, "track_via_missile": 50.0,
                    "active": 60.0, "gun": 25.0}


class InterceptorState:
    """Interceptors fired so far, as growable arrays (one row per interceptor)."""

    def __init__(self) -> None:
        self.n = 0
        cap = 64
        self.pos = np.zeros((cap, 3))
        self.aim = np.zeros((cap, 3))
        self.speed = np.zeros(cap)
        self.target = np.zeros(cap, int)
        self.track = np.zeros(cap, int)
        self.launcher = np.zeros(cap, int)
        self.battery = np.zeros(cap, int)
        self.fire_control = np.zeros(cap, int)
        self.pk = np.zeros(cap)
        self.capture = np.zeros(cap)
        self.launch_t = np.zeros(cap)
        self.max_tof = np.zeros(cap)
        self.command = np.zeros(cap, bool)  # needs its fire-control radar to the end
        self.active = np.zeros(cap, bool)

    def _grow(self, need: int) -> None:
        cap = self.pos.shape[0]
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name in ("pos", "aim", "speed", "target", "track", "launcher", "battery",
                     "fire_control", "pk", "capture", "launch_t", "max_tof", "command", "active"):
            a = getattr(self, name)
            b = np.zeros((new,) + a.shape[1:], a.dtype)
            b[:cap] = a
            setattr(self, name, b)

    def launch(self, *, pos, aim, speed, target, track, launcher, battery, fire_control, pk,
               guidance, t, max_tof) -> int:
        """Add one interceptor in flight and return its id."""
        self._grow(self.n + 1)
        i = self.n
        self.pos[i], self.aim[i], self.speed[i] = pos, aim, speed
        self.target[i], self.track[i], self.launcher[i] = target, track, launcher
        self.battery[i], self.fire_control[i], self.pk[i] = battery, fire_control, pk
        self.capture[i] = CAPTURE_RADIUS_M[guidance]
        self.command[i] = guidance in ("command", "semi_active", "track_via_missile")
        self.launch_t[i], self.max_tof[i] = t, max_tof
        self.active[i] = True
        self.n += 1
        return i

    def in_flight(self) -> np.ndarray:
        """Ids of interceptors still flying, shape (f,)."""
        return np.flatnonzero(self.active[: self.n])

    def reaim(self, ids: np.ndarray, target_pos: np.ndarray, target_vel: np.ndarray) -> None:
        """Re-aim interceptors ``ids`` at intercept points predicted from target estimates."""
        if ids.size == 0:
            return
        tau = intercept_time(self.pos[ids], self.speed[ids], target_pos, target_vel)
        ok = np.isfinite(tau)
        self.aim[ids[ok]] = target_pos[ok] + target_vel[ok] * tau[ok, None]

    def fly(self, ids: np.ndarray, truth0: np.ndarray, truth1: np.ndarray, t: float, dt: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fly interceptors ``ids`` over ``[t, t + dt]`` against their targets' true motion.

        Parameters
        ----------
        ids : ndarray of shape (f,)
        truth0, truth1 : ndarray of shape (f, 3)
            True target positions at ``t`` and ``t + dt``.

        Returns
        -------
        ended : ndarray of shape (f,), bool
            Interceptors whose end game happened in this step.
        t_end : ndarray of shape (f,)
            Time of closest approach (for ended ones), s.
        miss : ndarray of shape (f,)
            Miss distance at closest approach, m.
        """
        p0 = self.pos[ids]
        to_aim = self.aim[ids] - p0
        dist = np.linalg.norm(to_aim, axis=1)
        u = to_aim / np.maximum(dist, 1e-9)[:, None]
        v = u * self.speed[ids, None]
        w = (truth1 - truth0) / dt
        tau, miss = closest_approach(p0, v, truth0, w, dt)
        ended = miss <= self.capture[ids]
        # Passing the aim point without capture, or running out of fuel, is a miss.
        overshoot = dist <= self.speed[ids] * dt
        expired = (t + dt - self.launch_t[ids]) >= self.max_tof[ids]
        give_up = ~ended & (overshoot | expired)
        t_end = t + np.where(ended, tau, np.where(overshoot, dist / self.speed[ids], dt))
        self.pos[ids] = p0 + v * dt
        return ended | give_up, t_end, np.where(ended, miss, np.maximum(miss, self.capture[ids]))
