"""Track management: birth from unused measurements, M-of-N confirmation, deletion, ids, quality.

All bookkeeping lives in arrays aligned with the rows of the filter state.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SinglePointInitiator", "TrackManager"]


class SinglePointInitiator:
    """Start a tentative track on each unused measurement.

    Position and its covariance come from the measurement; velocity is zero with standard
    deviation ``speed_sigma_mps`` per axis, except along the line of sight when the measurement
    carries a range rate, which then sets that component. Extra components (turn rate, drag, ...)
    take the filter's prior. A measurement with an offset (``Measurements.offset_s``, its time
    minus the tracker's) starts a track moved to the tracker's time at constant velocity.

    Parameters
    ----------
    speed_sigma_mps : float, default 100
        Prior standard deviation of each velocity component, m/s.
    """

    def __init__(self, speed_sigma_mps: float = 100.0) -> None:
        if not speed_sigma_mps > 0:
            raise ValueError(f"speed_sigma_mps must be > 0 m/s, got {speed_sigma_mps}")
        self.speed_sigma = float(speed_sigma_mps)

    def initiate(self, filt, meas):
        """Filter states of new tracks, one per row of ``meas``."""
        n = meas.ndim
        k = len(meas)
        D = filt.dim
        x = np.zeros((k, D))
        P = np.zeros((k, D, D))
        x[:, :n] = meas.pos
        P[:, :n, :n] = meas.pos_cov
        Pv = np.broadcast_to(np.eye(n) * self.speed_sigma**2, (k, n, n)).copy()
        if meas.kind == "polar":
            has_rr = meas.valid[:, 3]
            u = meas.pos - meas.sensor_enu[:, :n]
            u = u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-9)
            rr = meas.z[:, 3]
            x[:, n:2 * n] = np.where(has_rr[:, None], rr[:, None] * u, 0.0)
            uu = u[:, :, None] * u[:, None, :]
            Pv_rr = self.speed_sigma**2 * (np.eye(n) - uu) + meas.R[:, 3, 3][:, None, None] * uu
            Pv = np.where(has_rr[:, None, None], Pv_rr, Pv)
        P[:, n:2 * n, n:2 * n] = Pv
        mean, var = filt.prior()
        if D > 2 * n:
            x[:, 2 * n:] = mean
            idx = np.arange(2 * n, D)
            P[:, idx, idx] = var
        if meas.offset_s is not None and meas.offset_s.any():
            # x(t - tau) = F(-tau) x(t): positions minus tau times velocities; P = F P F'.
            t = -meas.offset_s[:, None]
            x[:, :n] += t * x[:, n:2 * n]
            t = t[:, :, None]
            P[:, :n, :] += t * P[:, n:2 * n, :]
            P[:, :, :n] += t * P[:, :, n:2 * n]
        return filt.initiate(x, P)


class TrackManager:
    """M-of-N confirmation, deletion, stable ids and a quality score.

    A tentative track is confirmed once it has at least M hits in its last N scans; it is deleted
    when it can no longer reach M hits within its first N scans. A confirmed track is deleted
    after ``delete_misses`` consecutive misses, or when the standard deviation of its position
    (square root of the largest eigenvalue bound, the trace) exceeds ``max_pos_sigma_m``. Quality
    is an exponential average of hits (``alpha`` per scan), in [0, 1].

    With ``confirm_llr`` set, confirmation also needs the track's log-likelihood-ratio score
    (target against false alarms, summed over its scans: Blackman's sequential track score)
    to reach that value, and a tentative track older than N scans survives while its last N
    scans hold M hits.

    Parameters
    ----------
    confirm : tuple of int, default (3, 3)
        (M, N) with 1 <= M <= N <= 62.
    delete_misses : int, default 3
    max_pos_sigma_m : float, default inf
    alpha : float, default 0.3
    confirm_llr : float, optional
        Score needed for confirmation, e.g. ``log((1 - beta) / alpha_false)``; off by default.
    """

    def __init__(self, confirm: tuple[int, int] = (3, 3), delete_misses: int = 3,
                 max_pos_sigma_m: float = np.inf, alpha: float = 0.3,
                 confirm_llr: float | None = None) -> None:
        M, N = (int(v) for v in confirm)
        if not 1 <= M <= N <= 62:
            raise ValueError(f"confirm M/N must have 1 <= M <= N <= 62, got {M}/{N}")
        if delete_misses < 1:
            raise ValueError(f"delete_misses must be >= 1, got {delete_misses}")
        self.M, self.N = M, N
        self.delete_misses = int(delete_misses)
        self.max_pos_sigma = float(max_pos_sigma_m)
        self.alpha = float(alpha)
        self.confirm_llr = confirm_llr
        self.next_id = 0
        self.score = np.zeros(0)
        self.track_id = np.zeros(0, np.int64)
        self.history = np.zeros(0, np.int64)  # bit i set = hit i scans ago
        self.scans = np.zeros(0, np.int64)
        self.misses = np.zeros(0, np.int64)
        self.confirmed = np.zeros(0, bool)
        self.quality = np.zeros(0)
        self.truth_id = np.zeros(0, np.int64)
        self.confirm_time = np.zeros(0)

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def add(self, k: int, truth_id: np.ndarray) -> np.ndarray:
        """Append ``k`` tentative tracks born with one hit; returns their new ids."""
        ids = np.arange(self.next_id, self.next_id + k)
        self.next_id += k
        self.track_id = np.concatenate([self.track_id, ids])
        self.history = np.concatenate([self.history, np.ones(k, np.int64)])
        self.scans = np.concatenate([self.scans, np.ones(k, np.int64)])
        self.misses = np.concatenate([self.misses, np.zeros(k, np.int64)])
        self.confirmed = np.concatenate([self.confirmed, np.full(k, self.M == 1)])
        self.quality = np.concatenate([self.quality, np.full(k, self.alpha)])
        self.truth_id = np.concatenate([self.truth_id, np.asarray(truth_id, np.int64)])
        self.confirm_time = np.concatenate([self.confirm_time, np.full(k, np.nan)])
        self.score = np.concatenate([self.score, np.zeros(k)])
        return ids

    def record(self, hit: np.ndarray, truth_id: np.ndarray | None = None,
               time_s: float = np.nan, llr: np.ndarray | None = None) -> np.ndarray:
        """Record one scan for the first ``len(hit)`` tracks; returns the newly confirmed mask.

        Parameters
        ----------
        hit : ndarray of shape (q,), bool
            Whether each of the first q tracks got a measurement this scan.
        truth_id : ndarray of shape (q,), int, optional
            Truth id of the measurement that hit (-1 if none/unknown); metrics only.
        time_s : float, optional
            Scan time, kept as the confirmation time.
        llr : ndarray of shape (q,), optional
            Log-likelihood-ratio increment of this scan for each track.
        """
        q = len(hit)
        h = hit.astype(np.int64)
        mask = (1 << self.N) - 1
        self.history[:q] = ((self.history[:q] << 1) | h) & mask
        self.scans[:q] += 1
        self.misses[:q] = np.where(hit, 0, self.misses[:q] + 1)
        self.quality[:q] = (1 - self.alpha) * self.quality[:q] + self.alpha * h
        if truth_id is not None:
            self.truth_id[:q] = np.where(hit, truth_id, self.truth_id[:q])
        if llr is not None:
            self.score[:q] += llr
        hits = _popcount(self.history[:q])
        new = ~self.confirmed[:q] & (hits >= self.M)
        if self.confirm_llr is not None:
            new &= self.score[:q] >= self.confirm_llr
        self.confirmed[:q] |= new
        self.confirm_time[:q][new] = time_s
        return new

    def doomed(self, P: np.ndarray, ndim: int) -> np.ndarray:
        """Tracks to delete now, shape (m,), given their covariances (m, d, d)."""
        hits = _popcount(self.history)
        left = np.maximum(self.N - self.scans, 0)
        # Past N scans, "left" is 0: a tentative track lives while its window holds M hits.
        tentative_dead = ~self.confirmed & (hits + left < self.M)
        lost = self.confirmed & (self.misses >= self.delete_misses)
        sig = np.sqrt(np.trace(P[:, :ndim, :ndim], axis1=1, axis2=2))
        return tentative_dead | lost | (sig > self.max_pos_sigma)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the tracks where ``mask`` is true."""
        for f in ("track_id", "history", "scans", "misses", "confirmed", "quality", "truth_id",
                  "confirm_time", "score"):
            setattr(self, f, getattr(self, f)[mask])


def _popcount(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.uint64)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(a).astype(np.int64)
    out = np.zeros(a.shape, np.int64)  # pragma: no cover - numpy < 2
    for i in range(63):
        out += ((a >> np.uint64(i)) & np.uint64(1)).astype(np.int64)
    return out
