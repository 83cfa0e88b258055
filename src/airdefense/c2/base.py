"""Engagement orders and the control unit's engagement book."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airdefense.c2.evaluation import TrackClasses

__all__ = ["Orders", "EngagementBook"]

_NO_ORDERS = (np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), np.zeros(0, int),
              np.zeros(0, int), np.zeros(0), np.zeros((0, 3)))


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
        if not rows:  # arrays of no element: shared, as nothing can change in them
            return cls(*_NO_ORDERS)
        tr, tg, b, ln, r, ti, pip = zip(*rows, strict=True)
        return cls(np.array(tr, int), np.array(tg, int), np.array(b, int), np.array(ln, int),
                   np.array(r, int), np.array(ti, float), np.array(pip, float).reshape(-1, 3))


class EngagementBook:
    """What the control unit knows of its engagements, per track id and per battery.

    It learns the outcome of a shot only after the interceptor's kill-assessment delay.
    Networked control reads the totals over batteries; autonomous batteries read their own.
    It also holds the control unit's memory of each track's class (:attr:`classes`).
    """

    def __init__(self, radius_m: float | None = None) -> None:
        #: Each track's class, remembered from cycle to cycle (the decision cycle evaluates
        #: the tracks with it: ``evaluate_threats(..., kind_code=classes.update(...))``),
        #: heights read above a sphere of ``radius_m`` (default: the mean Earth's).
        self.classes = TrackClasses() if radius_m is None else TrackClasses(radius_m=radius_m)
        self.rounds: dict[tuple[int, int], int] = {}   # (track, battery) -> rounds fired
        self.pending: dict[tuple[int, int], int] = {}  # interceptors whose outcome is unknown
        self.killed: set[int] = set()
        self._batteries: dict[int, list[int]] = {}  # track -> batteries that fired at it
        # The same figures as arrays by (track id, battery >= 0), for :meth:`tables`, which
        # every decision cycle reads.
        self._rounds_a = np.zeros((0, 0), np.int64)
        self._pending_a = np.zeros((0, 0), np.int64)
        self._killed_a = np.zeros(0, bool)

    def _room(self, track_id: int, battery: int) -> None:
        """Grow the arrays to hold ``track_id`` and ``battery`` (both >= 0)."""
        n, B = self._rounds_a.shape
        if track_id < n and battery < B:
            return
        n2 = max(n, 2 * track_id + 16) if track_id >= n else n
        B2 = max(B, battery + 1)
        for name in ("_rounds_a", "_pending_a"):
            a = np.zeros((n2, B2), np.int64)
            a[:n, :B] = getattr(self, name)
            setattr(self, name, a)
        k = np.zeros(n2, bool)
        k[:n] = self._killed_a
        self._killed_a = k

    def fired(self, track_id: int, n: int, battery: int = -1) -> None:
        """Record ``n`` rounds fired at a track by a battery."""
        key = (int(track_id), int(battery))
        if key not in self.rounds:
            self._batteries.setdefault(key[0], []).append(key[1])
        self.rounds[key] = self.rounds.get(key, 0) + n
        self.pending[key] = self.pending.get(key, 0) + n
        if key[0] >= 0 and key[1] >= 0:
            self._room(*key)
            self._rounds_a[key] += n
            self._pending_a[key] += n

    def assessed(self, track_id: int, hit: bool, battery: int | None = None) -> None:
        """Record a kill assessment for one interceptor (of ``battery``, if known)."""
        track_id = int(track_id)
        keys = ([(track_id, int(battery))] if battery is not None else
                [k for k in self.pending if k[0] == track_id and self.pending[k] > 0])
        for key in keys:
            if self.pending.get(key, 0) > 0:
                self.pending[key] -= 1
                if key[0] >= 0 and key[1] >= 0:
                    self._pending_a[key] -= 1
                break
        if hit:
            self.killed.add(track_id)
            if track_id >= 0:
                self._room(track_id, 0)
                self._killed_a[track_id] = True

    def _per_battery(self, table: dict, track_ids: np.ndarray, n_batteries: int) -> np.ndarray:
        out = np.zeros((len(track_ids), n_batteries), int)
        if not table:
            return out
        # Only the tracks of the picture, through the batteries that fired at each.
        for i, t in enumerate(np.asarray(track_ids).tolist()):
            for b in self._batteries.get(t, ()):
                n = table.get((t, b), 0)
                if n and 0 <= b < n_batteries:
                    out[i, b] += n
        return out

    def tables(self, track_ids: np.ndarray, n_batteries: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`killed_mask`, :meth:`rounds_by_battery` and :meth:`pending_by_battery` of
        the same tracks in one pass: shapes (m,), (m, B) and (m, B)."""
        ids = np.asarray(track_ids, np.int64).reshape(-1)
        if ids.size == 0:
            return (np.zeros(0, bool), np.zeros((0, n_batteries), np.int64),
                    np.zeros((0, n_batteries), np.int64))
        self._room(max(int(ids.max()), 0), max(n_batteries - 1, 0))
        neg = np.flatnonzero(ids < 0)
        at = np.where(ids < 0, 0, ids) if neg.size else ids  # rows of the arrays
        out = (self._killed_a[at], self._rounds_a[at, :n_batteries],
               self._pending_a[at, :n_batteries])
        killed, rounds, pending = out
        for i in neg:  # negative ids (not in the arrays): from the dicts
            t = int(ids[i])
            killed[i] = t in self.killed
            rounds[i] = pending[i] = 0
            for b in self._batteries.get(t, ()):
                if 0 <= b < n_batteries:
                    rounds[i, b] += self.rounds.get((t, b), 0)
                    pending[i, b] += self.pending.get((t, b), 0)
        return out

    def arrays(self, track_ids: np.ndarray, n_batteries: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The book as arrays, for compiled code: each track's row (m,) and, by row, killed
        (n,), rounds fired and rounds awaiting assessment by battery (n, >= B).

        Row ``k`` of the tables of :meth:`tables` is that of ``rows[k]`` in these (the first
        ``n_batteries`` columns). The book's own arrays, for reading only: they change with it.
        """
        ids = np.asarray(track_ids, np.int64).reshape(-1)
        if ids.size and ids.min() < 0:  # not in the arrays: the tables, row by row
            k, r, p = self.tables(ids, n_batteries)
            return np.arange(ids.size), k, r, p
        self._room(max(int(ids.max(initial=0)), 0), max(n_batteries - 1, 0))
        return ids, self._killed_a, self._rounds_a, self._pending_a

    def rounds_by_battery(self, track_ids: np.ndarray, n_batteries: int) -> np.ndarray:
        """Rounds fired so far at each track by each battery, shape (m, B)."""
        return self._per_battery(self.rounds, track_ids, n_batteries)

    def pending_by_battery(self, track_ids: np.ndarray, n_batteries: int) -> np.ndarray:
        """Interceptors awaiting assessment at each track, by battery, shape (m, B)."""
        return self._per_battery(self.pending, track_ids, n_batteries)

    def rounds_at(self, track_ids: np.ndarray) -> np.ndarray:
        """Rounds fired so far at each track by all batteries, shape (m,)."""
        tot: dict[int, int] = {}
        for (t, _), n in self.rounds.items():
            tot[t] = tot.get(t, 0) + n
        return np.array([tot.get(int(t), 0) for t in track_ids], int)

    def pending_at(self, track_ids: np.ndarray) -> np.ndarray:
        """Interceptors awaiting assessment at each track, all batteries, shape (m,)."""
        tot: dict[int, int] = {}
        for (t, _), n in self.pending.items():
            tot[t] = tot.get(t, 0) + n
        return np.array([tot.get(int(t), 0) for t in track_ids], int)

    def killed_mask(self, track_ids: np.ndarray) -> np.ndarray:
        """Tracks assessed killed, shape (m,) bool."""
        killed = self.killed
        return np.array([t in killed for t in np.asarray(track_ids).tolist()], bool)
