"""Cruise missiles (Kh-101-class): low-level subsonic cruise, terrain-following, pop-up, dive.

A cruise missile descends (air launch) or climbs to ``cruise_altitude_m`` above the ground and
holds it: over the scenario's terrain grid it flies above the slope-limited envelope of the
terrain under its path (it climbs at ``climb_angle_deg`` before each ridge), otherwise above the
frame's sphere. Its waypoint turns are limited by ``bank_limit_deg``. Near the target it may
pop up to ``popup_height_m`` and then dives onto the aim point at ``dive_angle_deg``.
"""

from __future__ import annotations

import numpy as np

from airdefense.threats.flight import Profile

__all__ = ["cruise_profile"]


def cruise_profile(preset) -> Profile:
    """Vertical profile of a cruise-missile preset."""
    follow = True if preset.terrain_following is None else bool(preset.terrain_following)
    return Profile(
        climb_angle_rad=float(np.radians(preset.climb_angle_deg)),
        waypoint_heights=False,
        clearance_m=float(preset.cruise_altitude_m),
        dive_angle_rad=float(np.radians(preset.dive_angle_deg)) if preset.terminal_dive else None,
        popup_m=preset.popup_height_m,
        terrain_following=follow,
        vertical_accel_g=max(preset.max_g - 1.0, 0.5),
    )
