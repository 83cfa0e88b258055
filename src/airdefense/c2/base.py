"""Engagement orders and the control unit's engagement book."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Orders", "EngagementBook"]


@dataclass
class Orders:
    """Fire orders of one decision cycle, one row per (track, launcher) salvo.

    Attributes
    ----------
    track_id, target : ndarray of shape (q,), int
        Track ordered engaged, and (for bookkeeping) the threat it follows.
    battery, launcher, rounds : ndarray of shape (q,), int
    intercept_time_s : ndarray of shape (q,)
        Predicted intercept time, s.
    intercept_enu : ndarray of shape (q, 3)
        Predicted intercept point, m.
    """

    track_id: np.ndarray
    target: np.ndarray
    battery: np.ndarray
    launcher: np.ndarray
    rounds: np.ndarray
    intercept_time_s: np.ndarray
    intercept_enu: np.ndarray

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @classmethod
    def from_rows(cls, rows: list[tuple]) -> Orders:
        """Build from ``(track_id, target, battery, launcher, rounds, t_int, pip(3,))`` rows."""
        if not rows:
            return cls(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), np.zeros(0, int),
                       np.zeros(0, int), np.zeros(0), np.zeros((0, 3)))
        tr, tg, b, ln, r, ti, pip = zip(*rows, strict=True)
        return cls(np.array(tr, int), np.array(tg, int), np.array(b, int), np.array(ln, int),
                   np.array(r, int), np.array(ti, float), np.array(pip, float).reshape(-1, 3))


class EngagementBook:
    """What the control unit knows of its engagements, per track id.

    It learns the outcome of a shot only after the interceptor's kill-assessment delay.
    """

    def __init__(self) -> None:
        self.rounds: dict[int, int] = {}
        self.pending: dict[int, int] = {}  # interceptors whose outcome is not yet known
        self.killed: set[int] = set()

    def fired(self, track_id: int, n: int) -> None:
        """Record ``n`` rounds fired at a track."""
        self.rounds[track_id] = self.rounds.get(track_id, 0) + n
        self.pending[track_id] = self.pending.get(track_id, 0) + n

    def assessed(self, track_id: int, hit: bool) -> None:
        """Record a kill assessment for one interceptor."""
        self.pending[track_id] = max(self.pending.get(track_id, 0) - 1, 0)
        if hit:
            self.killed.add(track_id)

    def rounds_at(self, track_ids: np.ndarray) -> np.ndarray:
        """Rounds fired so far at each track, shape (m,)."""
        return np.array([self.rounds.get(int(t), 0) for t in track_ids], int)

    def pending_at(self, track_ids: np.ndarray) -> np.ndarray:
        """Interceptors awaiting assessment at each track, shape (m,)."""
        return np.array([self.pending.get(int(t), 0) for t in track_ids], int)

    def killed_mask(self, track_ids: np.ndarray) -> np.ndarray:
        """Tracks assessed killed, shape (m,) bool."""
        return np.array([int(t) in self.killed for t in track_ids], bool)
