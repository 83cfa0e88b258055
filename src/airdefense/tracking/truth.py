"""Truth-plus-noise tracking: the fast tracker for large campaigns.

A threat gets a track after ``confirm_hits`` detections; its estimate is the truth plus Gaussian
noise scaled by the detecting radar's cross-range accuracy; the track is dropped after
``drop_after_s`` without a detection or when the threat ends.
"""

from __future__ import annotations

import numpy as np

from airdefense.sensors.base import Detections
from airdefense.tracking import _kernels
from airdefense.tracking.base import Tracks

__all__ = ["TruthTracker"]


class TruthTracker:
    """Tracks built from ground truth plus noise (``tracking: truth``).

    The estimate error behaves like a filtered track's: it is a Gauss-Markov process (it
    wanders, it does not jump from one step to the next) whose standard deviation follows the
    best radar measuring each axis: horizontally ``max(sigma_range, range x sigma_azimuth)``,
    vertically ``max(sigma_range, range x sigma_elevation)``, divided by ``sqrt(hits)`` (at
    most ``sqrt(10)``) as a filter averages its measurements.

    Parameters
    ----------
    truth : ThreatSet
        Ground truth the estimates come from.
    rng : numpy.random.Generator
        Source of estimate noise.
    confirm_hits : int, default 2
        Detections needed before a track exists.
    drop_after_s : float, default 10
        A track is dropped after this long without a detection, s.
    velocity_sigma_mps : float, default 5
        Standard deviation of the velocity error, m/s.
    correlation_time_s : float, default 10
        Correlation time of the estimate error, s.
    """

    def __init__(self, truth, rng: np.random.Generator, confirm_hits: int = 2,
                 drop_after_s: float = 10.0, velocity_sigma_mps: float = 5.0,
                 correlation_time_s: float = 10.0) -> None:
        self.truth = truth
        self.rng = rng
        n = len(truth)
        self.hits = np.zeros(n, int)
        self.last_seen = np.full(n, -np.inf)
        self.sigma_m = np.full((n, 2), 50.0)  # horizontal, vertical
        self.track_of = np.full(n, -1)
        self.next_id = 0
        self.confirm_hits = confirm_hits
        self.drop_after_s = drop_after_s
        self.vel_sigma = velocity_sigma_mps
        self.tau_s = correlation_time_s
        self.err = rng.normal(size=(n, 6))  # unit-variance error state
        self.time_s: float | None = None
        self.new_tracks: list[tuple[int, int, float]] = []

    def step(self, time_s: float, detections: Detections, alive: np.ndarray | None = None
             ) -> Tracks:
        """Update with one step's detections and return the picture at ``time_s``.

        Parameters
        ----------
        time_s : float
            Time of the picture, s.
        detections : Detections
            Detections since the last call.
        alive : ndarray of shape (n,), bool, optional
            Threats still in flight; others lose their track.
        """
        self.new_tracks = []
        dt = 0.0 if self.time_s is None else max(time_s - self.time_s, 0.0)
        self.time_s = time_s
        rho = np.exp(-dt / self.tau_s)
        n = len(self.track_of)
        fresh, idx, x, P, quality, self.next_id = _kernels.truth_step(
            float(time_s), float(rho), float(np.sqrt(1.0 - rho * rho)), self.err,
            # standard_normal: the numbers of normal(0, 1), without its parameter handling.
            self.rng.standard_normal(self.err.shape), detections.truth_id, detections.z,
            detections.R, detections.time_s, self.hits, self.sigma_m, self.last_seen,
            self.track_of, self.next_id, self.confirm_hits, self.drop_after_s,
            np.ones(n, bool) if alive is None else np.asarray(alive, bool),
            self.truth.states(time_s), self.vel_sigma)
        # A filtered track averages its measurements and fuses its radars (each axis as well
        # as the best radar measures it this step): see the kernels.
        if fresh.size:
            first = self.next_id - fresh.size
            self.new_tracks = [(first + r, int(k), float(time_s)) for r, k in enumerate(fresh)]
        if idx.size == 0:
            return Tracks.empty(time_s)
        return Tracks(time_s=float(time_s), track_id=self.track_of[idx], x=x, P=P,
                      quality=quality, confirmed=np.ones(idx.size, bool), truth_id=idx)
