"""Radar presets: declared, validated figures for one class of radar."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from airdefense._model import StrictModel

__all__ = ["RadarPreset"]


class RadarPreset(StrictModel):
    """Notional figures for one radar class, from public sources.

    The detection reference: a target of ``ref_rcs_m2`` at ``ref_range_m`` gives an SNR of
    ``ref_snr_db`` (radar equation, R^-4 scaling).
    """

    role: Literal["search", "fire_control", "multifunction"]
    scan: Literal["rotating", "electronic"]
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = Field(ge=0)
    ref_range_m: float = Field(gt=0)
    ref_rcs_m2: float = Field(default=1.0, gt=0)
    ref_snr_db: float = Field(default=13.0)
    pfa: float = Field(default=1e-6, gt=0, lt=1)
    swerling: Literal[0, 1, 3] = 1
    min_range_m: float = Field(default=0.0, ge=0)
    max_range_m: float = Field(gt=0)
    max_altitude_m: float = Field(default=30000.0, gt=0)
    min_elevation_deg: float = Field(default=0.0, ge=-10, le=90)
    max_elevation_deg: float = Field(default=85.0, gt=-10, le=90)
    azimuth_sector_deg: float = Field(default=360.0, gt=0, le=360)
    boresight_deg: float = Field(default=0.0, ge=-360, le=360)
    antenna_height_m: float = Field(default=5.0, ge=0)
    scan_period_s: float = Field(gt=0, description="revisit (rotating) or search frame time")
    max_tracks: int = Field(default=100, ge=1)
    guidance_channels: int = Field(default=0, ge=0, description="missiles guided at once")
    range_sigma_m: float = Field(default=15.0, gt=0)
    azimuth_sigma_deg: float = Field(default=0.2, gt=0)
    elevation_sigma_deg: float = Field(default=0.2, gt=0)
    range_rate_sigma_mps: float | None = Field(default=None, gt=0)
    range_resolution_m: float = Field(default=50.0, gt=0)
    beamwidth_deg: float = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _check_limits(self) -> RadarPreset:
        if self.min_range_m >= self.max_range_m:
            raise ValueError(
                f"min_range_m ({self.min_range_m} m) must be below max_range_m ({self.max_range_m} m)"
            )
        if self.min_elevation_deg >= self.max_elevation_deg:
            raise ValueError(
                f"min_elevation_deg ({self.min_elevation_deg} deg) must be below "
                f"max_elevation_deg ({self.max_elevation_deg} deg)"
            )
        return self
