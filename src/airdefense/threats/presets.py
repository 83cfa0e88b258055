"""Threat presets: declared, validated figures for one class of threat."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from airdefense._model import StrictModel

__all__ = ["ThreatPreset", "THREAT_KINDS"]

THREAT_KINDS = ("drone", "cruise", "ballistic", "aircraft", "helicopter")


class ThreatPreset(StrictModel):
    """Notional figures for one threat class, from public sources.

    All speeds in m/s, distances and heights in m, costs in US dollars.
    """

    kind: Literal["drone", "cruise", "ballistic", "aircraft", "helicopter"]
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = Field(ge=0)
    speed_mps: float = Field(gt=0, description="cruise speed; for ballistic the mean speed")
    cruise_altitude_m: float = Field(ge=0, description="height above ground in cruise")
    max_range_m: float = Field(gt=0)
    rcs_m2: float = Field(gt=0, description="frontal radar cross-section")
    rcs_side_m2: float | None = Field(default=None, gt=0)
    warhead_kg: float = Field(ge=0)
    lethal_radius_m: float = Field(ge=0, description="radius within which soft assets are destroyed")
    cep_m: float = Field(default=0.0, ge=0)
    max_g: float = Field(default=2.0, gt=0, description="manoeuvre limit, g")
    bank_limit_deg: float = Field(default=30.0, gt=0, lt=90)
    apogee_m: float | None = Field(default=None, gt=0)
    burn_time_s: float | None = Field(default=None, gt=0)
    terminal_speed_mps: float | None = Field(default=None, gt=0)
    terminal_dive: bool = True
    dive_angle_deg: float = Field(default=45.0, gt=0, le=90)
    impacts: bool = Field(default=True, description="False for aircraft that release and return")
