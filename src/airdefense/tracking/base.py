"""Tracks: the track picture the control unit fights with, as arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from airdefense.sensors.base import Detections

__all__ = ["Tracks", "Tracker"]


@dataclass
class Tracks:
    """Track picture at one time, one row per track.

    Attributes
    ----------
    time_s : float
        Time of the picture, s from scenario start.
    track_id : ndarray of shape (m,), int
        Stable track ids.
    x : ndarray of shape (m, 6)
        State estimates ``[x, y, z, vx, vy, vz]`` in m, m/s, ENU.
    P : ndarray of shape (m, 6, 6)
        Covariances.
    quality : ndarray of shape (m,)
        Track quality in [0, 1]; 1 is a perfect track.
    confirmed : ndarray of shape (m,), bool
        Whether the track is confirmed.
    truth_id : ndarray of shape (m,), int
        Best-matching threat id, for metrics and bookkeeping only (-1 if none).
    """

    time_s: float
    track_id: np.ndarray
    x: np.ndarray
    P: np.ndarray
    quality: np.ndarray
    confirmed: np.ndarray
    truth_id: np.ndarray

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    @classmethod
    def empty(cls, time_s: float = 0.0) -> Tracks:
        """Return a picture with no tracks."""
        return cls(
            time_s=float(time_s),
            track_id=np.zeros(0, int),
            x=np.zeros((0, 6)),
            P=np.zeros((0, 6, 6)),
            quality=np.zeros(0),
            confirmed=np.zeros(0, bool),
            truth_id=np.zeros(0, int),
        )

    def select(self, mask: np.ndarray) -> Tracks:
        """Return the tracks where ``mask`` is true (boolean mask or index array)."""
        return Tracks(
            time_s=self.time_s,
            track_id=self.track_id[mask],
            x=self.x[mask],
            P=self.P[mask],
            quality=self.quality[mask],
            confirmed=self.confirmed[mask],
            truth_id=self.truth_id[mask],
        )


class Tracker(Protocol):
    """Anything that turns detections into a track picture, one scan at a time."""

    def step(self, time_s: float, detections: Detections) -> Tracks:
        """Update the picture with the detections of one scan and return it."""
        ...
