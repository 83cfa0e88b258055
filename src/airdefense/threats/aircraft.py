"""Aircraft and helicopters: waypoint legs with their own speed and height, optional loiter.

An aircraft climbs to its first waypoint's height and flies each leg at the waypoints' heights
(``cruise_altitude_m`` where a waypoint gives none) and at the leg's airspeed, through turns
limited by ``bank_limit_deg``; it may orbit its last waypoint for ``loiter_s`` (whole orbits)
and ends its flight over the aim point at its cruise height (the weapon release; its weapon's
impact is the threat's impact). Helicopters fly nap-of-the-earth: ``cruise_altitude_m`` above
the terrain envelope when the scenario has terrain.
"""

from __future__ import annotations

import numpy as np

from airdefense.threats.flight import Profile

__all__ = ["aircraft_profile"]


def aircraft_profile(preset) -> Profile:
    """Vertical profile of an aircraft or helicopter preset."""
    heli = preset.kind == "helicopter"
    follow = heli if preset.terrain_following is None else bool(preset.terrain_following)
    return Profile(
        climb_angle_rad=float(np.radians(preset.climb_angle_deg)),
        waypoint_heights=not follow,
        clearance_m=float(preset.cruise_altitude_m),
        dive_angle_rad=None,
        popup_m=None,
        terrain_following=follow,
        vertical_accel_g=max(preset.max_g - 1.0, 0.5),
    )
