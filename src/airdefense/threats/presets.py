"""Threat presets: declared, validated figures for one class of threat."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from airdefense._model import (
    DAY_S,
    EDGE_OF_SPACE_M,
    MAX_ACCEL_G,
    MAX_COST,
    MAX_HEIGHT_M,
    MAX_LETHAL_M,
    MAX_RANGE_M,
    MAX_RCS_M2,
    MAX_SPEED_MPS,
    MIN_RCS_M2,
    WHY_ACCEL,
    WHY_COST,
    WHY_DAY,
    WHY_HEIGHT,
    WHY_LETHAL,
    WHY_RANGE,
    WHY_RCS,
    WHY_SLOW,
    WHY_SMALL_RCS,
    WHY_SPACE,
    WHY_SPEED,
    StrictModel,
    bounded,
)

__all__ = ["ThreatPreset", "THREAT_KINDS"]

#: Upper bound of ``lift_to_drag`` and its reason.
MAX_LIFT_TO_DRAG = 6.0
WHY_LD = ("above any hypersonic vehicle's lift-to-drag ratio, dimensionless (slender bodies "
          "1-3, waveriders 4-6 at Mach 5-10)")
WHY_NO_AIR = "above 100 km there is no air to lift on"

THREAT_KINDS = ("drone", "cruise", "ballistic", "aircraft", "helicopter")


class ThreatPreset(StrictModel):
    """Notional figures for one threat class, from public sources.

    All speeds in m/s, distances and heights in m, costs in US dollars.
    """

    kind: Literal["drone", "cruise", "ballistic", "aircraft", "helicopter"]
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = bounded(ge=0, le=MAX_COST, why=WHY_COST)
    speed_mps: float = bounded(
        ge=1, le=MAX_SPEED_MPS, why=WHY_SPEED, why_low=WHY_SLOW, description="cruise airspeed; ballistic: the mean "
        "speed, used only by the straight-line baseline (the flight model solves its own)")
    cruise_altitude_m: float = bounded(
        ge=0, le=EDGE_OF_SPACE_M, why=WHY_SPACE, description="height above ground in cruise")
    max_range_m: float = bounded(gt=0, le=MAX_RANGE_M, why=WHY_RANGE)
    rcs_m2: float = bounded(
        ge=MIN_RCS_M2, le=MAX_RCS_M2, why=WHY_RCS, why_low=WHY_SMALL_RCS, description="frontal radar cross-section")
    rcs_side_m2: float | None = bounded(
        None, ge=MIN_RCS_M2, le=MAX_RCS_M2, why=WHY_RCS, why_low=WHY_SMALL_RCS)
    warhead_kg: float = bounded(
        ge=0, le=100_000, why="ten times the largest bomb",
        description="for reference only: damage follows lethal_radius_m and cep_m")
    lethal_radius_m: float = bounded(
        ge=0, le=MAX_LETHAL_M, why=WHY_LETHAL, description="radius within which soft assets are "
        "destroyed")
    cep_m: float = bounded(0.0, ge=0, le=MAX_LETHAL_M, why=WHY_LETHAL)
    max_g: float = bounded(
        2.0, gt=0, le=MAX_ACCEL_G, why=WHY_ACCEL, description="manoeuvre limit, g")
    bank_limit_deg: float = bounded(
        30.0, ge=1, lt=90, why="a 90 deg bank holds no height",
        why_low="a bank below 1 deg turns over hundreds of km", description="bank limit in turns")
    apogee_m: float | None = bounded(None, gt=0, le=MAX_HEIGHT_M, why=WHY_HEIGHT)
    burn_time_s: float | None = bounded(None, gt=0, le=DAY_S, why=WHY_DAY)
    terminal_speed_mps: float | None = bounded(
        None, gt=0, le=MAX_SPEED_MPS, why=WHY_SPEED, description="for reference only: the flight "
        "model gives the speed")
    terminal_dive: bool = True
    dive_angle_deg: float = bounded(
        45.0, gt=0, le=90, why="beyond 90 deg the dive would turn back",
        description="terminal dive angle below the horizontal of a route class, and of a "
        "ballistic class with lift_to_drag > 0")
    impacts: bool = Field(default=True, description="False for aircraft that release and return")
    # Flight-model figures (threat flight-model issue); the defaults keep older catalogs valid.
    rcs_tail_m2: float | None = bounded(
        None, ge=MIN_RCS_M2, le=MAX_RCS_M2, why=WHY_RCS, why_low=WHY_SMALL_RCS,
        description="tail-on RCS")
    ballistic_coeff_kg_m2: float = bounded(
        5000.0, gt=0, le=1e6, why="ten times a dense re-entry vehicle's",
        description="ballistic: m / (C_D A) for drag in free flight (with lift_to_drag > 0: "
        "the zero-lift C_D0)")
    # Quasi-ballistic (lifting) flight, threats.ballistic; lift_to_drag 0 is a ballistic flight.
    lift_to_drag: float = bounded(
        0.0, ge=0, le=MAX_LIFT_TO_DRAG, why=WHY_LD,
        why_low="the ratio is a magnitude: the guidance turns the lift up or down",
        description="ballistic: best lift-to-drag ratio L/D of the free flight below "
        "pullup_height_m (dimensionless): the lift available is L/D times the drag at that "
        "lift (parabolic polar: 2 L/D times the zero-lift drag), at most max_g; 0: no lift "
        "(a ballistic flight)")
    pullup_height_m: float | None = bounded(
        None, gt=0, le=EDGE_OF_SPACE_M, why=WHY_NO_AIR,
        description="ballistic with lift: on the descent, height below which lift pulls the "
        "flight up into the glide_angle_deg glide (at most the flight's apogee)")
    glide_angle_deg: float = bounded(
        2.0, ge=0.5, le=45, why="a descent steeper than 45 deg is a dive, not a glide",
        why_low="below 0.5 deg a glide loses 10 km of height over more than 1,000 km",
        description="ballistic with lift: descent angle of the glide below pullup_height_m, "
        "held where the lift suffices; below maneuver_height_m (or half the apogee) the "
        "missile dives at dive_angle_deg")
    depressed_apogee_factor: float = Field(
        default=0.5, gt=0, le=1, description="ballistic: apogee fraction of a depressed flight"
    )
    maneuver_height_m: float | None = bounded(
        None, gt=0, le=MAX_HEIGHT_M, why=WHY_HEIGHT, description="ballistic: terminal weave "
        "starts below this height")
    climb_angle_deg: float = bounded(
        10.0, ge=0.5, lt=90, why="a 90 deg climb is a rocket's, not a flight's",
        why_low="a climb below 0.5 deg takes hundreds of km to reach cruise",
        description="climb and descent angle to and from cruise")
    terrain_following: bool | None = Field(
        default=None, description="follow the terrain grid; default: cruise and helicopter"
    )
    popup_height_m: float | None = bounded(
        None, gt=0, le=EDGE_OF_SPACE_M, why=WHY_SPACE, description="cruise: pop-up height above "
        "the ground before the dive")
    loiter_s: float = bounded(
        0.0, ge=0, le=DAY_S, why=WHY_DAY, description="orbit at the last route waypoint, whole "
        "orbits")
    wind_speed_mps: float = bounded(
        0.0, ge=0, le=100, why="above any steady wind at flight height",
        description="steady wind speed")
    wind_from_deg: float = Field(default=0.0, ge=-360, le=360, description="wind direction")
    # What the attacker spends (results.summary.attack_costs): a missile or one-way drone is
    # spent when launched; a platform that flies home is lost only when shot down, and spends
    # the munitions it releases.
    reusable: bool | None = Field(
        default=None, description="a platform that returns: the attacker loses its unit_cost only "
        "when it is shot down; default: true for aircraft and helicopter, false otherwise")
    weapon_cost: float = bounded(
        0.0, ge=0, le=MAX_COST, why=WHY_COST, description="reusable platform: cost of the "
        "munitions it releases in one sortie, spent when it reaches its release (the end of its "
        "flight), US dollars")

    # Stand-off release (threats.build): the platform's flight ends at its release point, and
    # its munitions fly on to the aim point as threats of their own.
    weapon: str | None = Field(
        default=None, description="aircraft, helicopter: threat preset of the munition it "
        "releases (a drone or cruise preset, flown from the release point to the aim point); "
        "none: the release is over the aim point and the platform's impact stands for it")
    weapon_count: int = bounded(
        1, ge=1, le=100, why="more than any platform carries", description="munitions released per "
        "platform")
    glide: bool = Field(
        default=False, description="an unpowered munition: released, it glides down one slope "
        "to its aim point (its cruise height and dive angle come from the release geometry, "
        "not from cruise_altitude_m and dive_angle_deg); flies only as a released weapon")
    release_accel_g: float | None = bounded(
        None, ge=0.01, le=MAX_ACCEL_G, why=WHY_ACCEL,
        why_low="below 0.01 g a boost of a few hundred m/s lasts over an hour", description="a released munition: longitudinal "
        "acceleration from its platform's speed at the release to its own speed (a rocket motor's "
        "boost), g; default 0.3 g")
    release_range_m: float = bounded(
        0.0, ge=0, le=MAX_RANGE_M, why=WHY_RANGE, description="ground distance short of the aim "
        "point, along the last leg, where the platform releases its weapon")

    @property
    def is_reusable(self) -> bool:
        """``reusable``, or its default for the kind (aircraft and helicopters return)."""
        return self.kind in ("aircraft", "helicopter") if self.reusable is None else self.reusable

    @model_validator(mode="after")
    def _check_lift(self) -> ThreatPreset:
        if self.lift_to_drag > 0 or self.pullup_height_m is not None:
            if self.kind != "ballistic":
                raise ValueError(
                    f"lift_to_drag ({self.lift_to_drag:g}) and pullup_height_m "
                    f"({self.pullup_height_m} m) apply to ballistic presets only, not to a "
                    f"{self.kind} preset")
            if self.lift_to_drag > 0 and self.pullup_height_m is None:
                raise ValueError(
                    f"lift_to_drag ({self.lift_to_drag:g}) needs pullup_height_m, the height "
                    "(m) below which the lift pulls the descent up into a glide")
            if (self.lift_to_drag > 0 and self.maneuver_height_m is not None
                    and self.pullup_height_m <= self.maneuver_height_m):
                raise ValueError(
                    f"pullup_height_m ({self.pullup_height_m:g} m) must be above "
                    f"maneuver_height_m ({self.maneuver_height_m:g} m), where the glide ends "
                    "in the terminal dive")
            if self.lift_to_drag > 0 and self.glide_angle_deg >= self.dive_angle_deg:
                raise ValueError(
                    f"glide_angle_deg ({self.glide_angle_deg:g} deg) must be shallower than "
                    f"dive_angle_deg ({self.dive_angle_deg:g} deg), the terminal dive after it")
        return self

    @model_validator(mode="after")
    def _check_costs(self) -> ThreatPreset:
        if self.weapon_cost > 0 and not self.is_reusable:
            raise ValueError(
                f"weapon_cost ({self.weapon_cost} US dollars) applies to a reusable platform "
                f"only; a {self.kind} preset with reusable: false is spent whole (unit_cost)")
        if self.release_accel_g is not None and self.kind not in ("drone", "cruise"):
            raise ValueError(f"release_accel_g ({self.release_accel_g} g) applies to drone and "
                             f"cruise presets (a released weapon), not to a {self.kind} preset")
        if self.glide and self.kind not in ("drone", "cruise"):
            raise ValueError(f"glide applies to drone and cruise presets (a released weapon), "
                             f"not to a {self.kind} preset")
        if self.weapon is not None:
            if self.kind not in ("aircraft", "helicopter"):
                raise ValueError(f"weapon ({self.weapon!r}) applies to aircraft and helicopter "
                                 f"presets only, not to a {self.kind} preset")
            if self.weapon_cost > 0:
                raise ValueError(
                    f"give weapon ({self.weapon!r}, whose preset's unit_cost is what each "
                    f"release spends) or weapon_cost ({self.weapon_cost} US dollars), not both")
        else:
            if self.release_range_m > 0:
                raise ValueError(f"release_range_m ({self.release_range_m} m) needs a weapon "
                                 f"preset to release (weapon is not set)")
            if self.weapon_count != 1:
                raise ValueError(f"weapon_count ({self.weapon_count}) needs a weapon preset to "
                                 f"release (weapon is not set)")
        return self
