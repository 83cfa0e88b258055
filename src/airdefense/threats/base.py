"""ThreatSet: the ground truth of a raid, as arrays, and the trajectory interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from airdefense.errors import AirDefenseError

__all__ = ["Trajectory", "BatchedTrajectory", "PiecewiseLinearTrajectory", "ThreatSet",
           "KIND_CODES"]

KIND_CODES = {"drone": 0, "cruise": 1, "ballistic": 2, "aircraft": 3, "helicopter": 4}


class Trajectory(Protocol):
    """Truth positions and velocities of n threats as a function of time."""

    n: int

    def states(self, t: float) -> np.ndarray:
        """Return the states at time ``t``, shape (n, 6), ``[x, y, z, vx, vy, vz]`` in m, m/s.

        Rows hold their first knot's state before it and their last knot's state after it.
        """
        ...


class BatchedTrajectory(Trajectory, Protocol):
    """A trajectory that also evaluates many instants in one call (see ``ThreatSet.prefetch``)."""

    def states_many(self, times: np.ndarray) -> np.ndarray:
        """Return the states at each of ``times`` (K,), shape (K, n, 6), m and m/s.

        Row ``k`` must equal ``states(times[k])`` bit for bit.
        """
        ...


class PiecewiseLinearTrajectory:
    """Straight legs between timed knots, vectorised over threats.

    Parameters
    ----------
    knot_t : ndarray of shape (n, k)
        Knot times, s, non-decreasing along each row. Rows with fewer knots repeat their last
        knot (time and position) as padding.
    knot_p : ndarray of shape (n, k, 3)
        Knot positions, ENU m.
    """

    def __init__(self, knot_t: np.ndarray, knot_p: np.ndarray) -> None:
        self.knot_t = np.asarray(knot_t, float)
        self.knot_p = np.asarray(knot_p, float)
        self.n = self.knot_t.shape[0]
        dt = np.diff(self.knot_t, axis=1)
        dp = np.diff(self.knot_p, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self._vel = np.where(dt[..., None] > 0, dp / np.where(dt > 0, dt, 1.0)[..., None], 0.0)

    def states(self, t: float) -> np.ndarray:
        """Return the states at time ``t``, shape (n, 6)."""
        return self.states_many(np.array([float(t)]))[0]

    def states_many(self, times: np.ndarray) -> np.ndarray:
        """Return the states at each of ``times``, shape (K, n, 6), m and m/s.

        Parameters
        ----------
        times : ndarray of shape (K,)
            Instants, s. Every operation is elementwise, so row ``k`` is the same bits
            whatever the other instants.
        """
        t = np.asarray(times, dtype=float).reshape(-1, 1)  # (K, 1) against rows (n,)
        n, k = self.knot_t.shape
        out = np.empty((t.shape[0], n, 6))
        if n == 0:
            return out
        if k == 1:
            out[..., :3] = self.knot_p[:, 0]
            out[..., 3:] = 0.0
            return out
        seg = np.sum(self.knot_t[None, :, 1:] <= t[..., None], axis=2)  # (K, n)
        seg = np.minimum(seg, k - 2)
        rows = np.arange(n)
        t0 = self.knot_t[rows, seg]
        t1 = self.knot_t[rows, seg + 1]
        v = self._vel[rows, seg]
        tau = np.clip(t, t0, t1) - t0
        out[..., :3] = self.knot_p[rows, seg] + v * tau[..., None]
        moving = (t >= self.knot_t[:, 0]) & (t <= self.knot_t[:, -1])
        out[..., 3:] = np.where(moving[..., None], v, 0.0)
        return out


@dataclass
class ThreatSet:
    """Ground truth of every threat of a raid.

    Attributes
    ----------
    threat_id : ndarray of shape (n,), int
    group : ndarray of shape (n,), int
        Raid group index.
    kind : ndarray of shape (n,), object
        ``drone``, ``cruise``, ``ballistic``, ``aircraft`` or ``helicopter``.
    preset : ndarray of shape (n,), object
        Catalog preset name.
    launch_time_s, end_time_s : ndarray of shape (n,)
        Launch and impact (or end of flight) times, s.
    impact_enu : ndarray of shape (n, 3)
        Impact point, m (NaN where the threat does not impact).
    target_asset : ndarray of shape (n,), int
        Aimed-at asset index, -1 for a point target.
    rcs_m2, unit_cost, lethal_radius_m : ndarray of shape (n,)
    trajectory : Trajectory
        Truth states as a function of time.
    parent : ndarray of shape (n,), int, optional
        The platform that releases the threat (a munition), -1 for none (default: all -1). A
        munition launches only if its platform is not shot down before its launch time.
    reusable : ndarray of shape (n,), bool, optional
        Platforms that fly home (the attacker loses them only when shot down); default none.
    weapon_cost : ndarray of shape (n,), optional
        Cost of the munitions a reusable platform releases but that are not flown as threats,
        US dollars; default 0.
    release_time_s : ndarray of shape (n,), optional
        When a platform releases its munitions (its children's launch time), s; default its
        end of flight (``end_time_s``).
    egress : ndarray of shape (n,), bool, optional
        Platforms that turn and fly home after their release (a reusable platform with a
        ``weapon``): their ``end_time_s`` is their return to their launch point, where they
        end ``returned``; default none.
    """

    threat_id: np.ndarray
    group: np.ndarray
    kind: np.ndarray
    preset: np.ndarray
    launch_time_s: np.ndarray
    end_time_s: np.ndarray
    impact_enu: np.ndarray
    target_asset: np.ndarray
    rcs_m2: np.ndarray
    unit_cost: np.ndarray
    lethal_radius_m: np.ndarray
    trajectory: Trajectory
    parent: np.ndarray | None = None
    reusable: np.ndarray | None = None
    weapon_cost: np.ndarray | None = None
    release_time_s: np.ndarray | None = None
    egress: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = int(self.threat_id.shape[0])
        if self.parent is None:
            self.parent = np.full(n, -1, np.int64)
        if self.reusable is None:
            self.reusable = np.zeros(n, bool)
        if self.weapon_cost is None:
            self.weapon_cost = np.zeros(n)
        if self.release_time_s is None:
            self.release_time_s = np.asarray(self.end_time_s, float).copy()
        if self.egress is None:
            self.egress = np.zeros(n, bool)

    def __len__(self) -> int:
        return int(self.threat_id.shape[0])

    @property
    def kind_code(self) -> np.ndarray:
        """Kind as integer codes (see ``KIND_CODES``), shape (n,)."""
        return np.array([KIND_CODES[k] for k in self.kind], int)

    # The prefetched block (instant -> row view) and the memo of other instants: instance
    # attributes set by :meth:`prefetch` and :meth:`states` (not dataclass fields).
    _prefetched = None  # (not annotated: no dataclass field, nor a ClassVar pseudo-field)
    _cache = None

    def states(self, t: float) -> np.ndarray:
        """Truth states of all threats at ``t``, shape (n, 6) (read-only array).

        ``[x, y, z, vx, vy, vz]`` in m and m/s, ENU. Instants given to the last
        :meth:`prefetch` are looked up; the loop also asks for the same instants several times
        per step (scans, tracker, end games), so the last few others are memoised.
        """
        pre = self._prefetched
        if pre:
            # Most calls: a float instant of the block. A number equal to a key hashes like it,
            # so this finds what ``float(t)`` would; anything else takes the path below.
            try:
                hit = pre.get(t)
            except TypeError:  # unhashable (a 0-d array)
                hit = None
            if hit is not None:
                return hit
            t = float(t)
            hit = pre.get(t)
            if hit is not None:
                return hit
        else:
            t = float(t)
        cache = self._cache
        if cache is None:
            cache = self._cache = {}
        hit = cache.get(t)
        if hit is not None:
            return hit
        out = self.trajectory.states(t)
        out.flags.writeable = False
        if len(cache) >= 8:
            cache.pop(next(iter(cache)))
        cache[t] = out
        return out

    def state_of(self, t: float, k: int) -> np.ndarray:
        """Truth state of threat ``k`` at ``t``, shape (6,): row ``k`` of :meth:`states`, the
        same numbers.

        An instant prefetched or memoised is looked up; another is computed for that threat
        only where the trajectory can (``state_of``, e.g. ``CompositeTrajectory``), without
        entering the memo (the loop's end games ask for one threat at each of their own
        times).
        """
        pre = self._prefetched
        t = float(t)
        if pre:
            hit = pre.get(t)
            if hit is not None:
                return hit[k]
        cache = self._cache
        if cache is not None:
            hit = cache.get(t)
            if hit is not None:
                return hit[k]
        one = getattr(self.trajectory, "state_of", None)
        if one is None:
            return self.states(t)[k]
        return one(t, int(k))

    def prefetch(self, times) -> None:
        """Evaluate the truth states at many instants at once, for the next ``states`` calls.

        The trajectory evaluates all the instants in one pass per flight-model part
        (``states_many``; a trajectory without it is evaluated one instant at a time). Until
        the next ``prefetch`` call replaces them, ``states(t)`` for any of these instants
        returns a read-only (n, 6) view of the block, equal bit for bit to what it would have
        computed alone; other instants go through the memo as before.

        Parameters
        ----------
        times : array_like of shape (K,)
            Instants, s (duplicates are fine; K = 0 only drops the previous block). The
            simulation loop passes its next step end times.

        Raises
        ------
        AirDefenseError
            If ``times`` is not one-dimensional.

        Examples
        --------
        >>> threats.prefetch([min((j + 1) * dt, end) for j in range(k, k + 128)])  # doctest: +SKIP
        """
        ts = np.asarray(times, dtype=float)
        if ts.ndim != 1:
            raise AirDefenseError(
                f"ThreatSet.prefetch: times must be one-dimensional (K,) in s, got shape "
                f"{ts.shape}")
        self._prefetched = None  # free the previous block first
        if ts.shape[0] == 0:
            return
        keys = ts.tolist()  # Python floats, the same values
        many = getattr(self.trajectory, "states_many", None)
        pre: dict[float, np.ndarray] = {}
        if many is not None:
            block = many(np.ascontiguousarray(ts))
            block.flags.writeable = False
            pre = dict(zip(keys, block, strict=True))  # a later duplicate: its own equal row
        else:  # no batched path: one instant at a time, the same bits as states(t)
            for t in keys:
                if t not in pre:
                    x = self.trajectory.states(t)
                    x.flags.writeable = False
                    pre[t] = x
        self._prefetched = pre

    def in_flight(self, t: float) -> np.ndarray:
        """Which threats are airborne at ``t`` (launched and not yet ended), shape (n,) bool."""
        return (self.launch_time_s <= t) & (t < self.end_time_s)
