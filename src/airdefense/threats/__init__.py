"""Threats: ground truth of the raid (trajectories, classes, signatures, costs)."""

from airdefense.threats.base import KIND_CODES, PiecewiseLinearTrajectory, ThreatSet, Trajectory
from airdefense.threats.build import build_threats
from airdefense.threats.presets import THREAT_KINDS, ThreatPreset

__all__ = [
    "KIND_CODES",
    "PiecewiseLinearTrajectory",
    "THREAT_KINDS",
    "ThreatPreset",
    "ThreatSet",
    "Trajectory",
    "build_threats",
]
