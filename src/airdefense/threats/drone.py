"""Drones and loitering munitions (Shahed-136-class): slow waypoint flight, terminal dive.

A drone climbs from its launcher at ``climb_angle_deg`` to its first waypoint's height, flies
each leg at its waypoints' heights (the preset's ``cruise_altitude_m`` where a waypoint gives
none) through turns limited by ``bank_limit_deg``, drifts with the wind (its ground speed is the
airspeed plus wind along each leg), may loiter at its last waypoint, and dives onto its aim point
at ``dive_angle_deg``. It holds its heights above the frame's sphere and does not follow the
terrain unless the preset says ``terrain_following: true``.
"""

from __future__ import annotations

import numpy as np

from airdefense.threats.flight import Profile

__all__ = ["drone_profile"]


def drone_profile(preset) -> Profile:
    """Vertical profile of a drone preset."""
    follow = bool(preset.terrain_following) if preset.terrain_following is not None else False
    return Profile(
        climb_angle_rad=float(np.radians(preset.climb_angle_deg)),
        waypoint_heights=True,
        clearance_m=float(preset.cruise_altitude_m),
        dive_angle_rad=float(np.radians(preset.dive_angle_deg)) if preset.terminal_dive else None,
        popup_m=preset.popup_height_m,
        terrain_following=follow,
        vertical_accel_g=max(preset.max_g - 1.0, 0.5),
    )
