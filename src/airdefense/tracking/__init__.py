"""Tracking: radar detections to the track picture (multi-target tracker, truth tracker)."""

from airdefense.tracking.base import Tracks
from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.gnn import GlobalNearestNeighbour
from airdefense.tracking.imm import IMMFilter
from airdefense.tracking.jpda import JPDA
from airdefense.tracking.kalman import ExtendedKalmanFilter, Measurements, UnscentedKalmanFilter
from airdefense.tracking.management import SinglePointInitiator, TrackManager, TwoPointInitiator
from airdefense.tracking.metrics import gospa, id_switches, nees, nis, ospa
from airdefense.tracking.models import (
    Ballistic,
    ConstantAcceleration,
    ConstantVelocity,
    CoordinatedTurn,
)
from airdefense.tracking.tracker import (
    MultiTargetTracker,
    TrackerConfig,
    build_tracker,
    make_tracker,
)

__all__ = [
    "Ballistic",
    "ChiSquareGate",
    "ConstantAcceleration",
    "ConstantVelocity",
    "CoordinatedTurn",
    "ExtendedKalmanFilter",
    "GlobalNearestNeighbour",
    "IMMFilter",
    "JPDA",
    "Measurements",
    "MultiTargetTracker",
    "SinglePointInitiator",
    "TrackManager",
    "TrackerConfig",
    "Tracks",
    "TwoPointInitiator",
    "UnscentedKalmanFilter",
    "build_tracker",
    "gospa",
    "id_switches",
    "make_tracker",
    "nees",
    "nis",
    "ospa",
]
