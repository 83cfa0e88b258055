"""Sensors: radar presets, detections, and the radar model (detection, coverage, scanning)."""

from airdefense.sensors.base import Detections, enu_to_polar, polar_to_enu
from airdefense.sensors.coverage import Coverage, horizon_ground_range_m, horizon_range_m
from airdefense.sensors.detection import pd_swerling, required_snr_db, threshold_from_pfa
from airdefense.sensors.radar import RadarNetwork

__all__ = [
    "Coverage",
    "Detections",
    "RadarNetwork",
    "enu_to_polar",
    "horizon_ground_range_m",
    "horizon_range_m",
    "pd_swerling",
    "polar_to_enu",
    "required_snr_db",
    "threshold_from_pfa",
]
