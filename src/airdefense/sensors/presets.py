"""Radar presets: declared, validated figures for one class of radar."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from airdefense._model import StrictModel

__all__ = ["RadarPreset"]


class RadarPreset(StrictModel):
    """Notional figures for one radar class, from public sources.

    The detection reference: a target of ``ref_rcs_m2`` at ``ref_range_m`` gives an SNR of
    ``ref_snr_db`` (radar equation, R^-4 scaling), or, when ``power_aperture_wm2`` is given, the
    SNR the search radar equation gives there. The measurement sigmas hold at the reference SNR
    and scale as ``sqrt(SNR_ref / SNR)`` (never below ``noise_floor_fraction`` of themselves).

    ``scan``: ``rotating`` (a sweep every ``scan_period_s``), ``electronic`` (a search frame
    every ``scan_period_s`` plus track revisits) or ``cued`` (no search: a fire-control radar
    that looks only at the targets it is cued on, then revisits them as an electronic radar;
    see :mod:`airdefense.sensors.radar`).
    """

    role: Literal["search", "fire_control", "multifunction"]
    scan: Literal["rotating", "electronic", "cued"]
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
    scan_period_s: float = Field(
        gt=0, description="revisit (rotating) or search frame time (unused when cued)")
    max_tracks: int = Field(default=100, ge=1)
    guidance_channels: int = Field(
        default=0, ge=0, description="missiles in flight it guides at once; 0: no limit")
    range_sigma_m: float = Field(default=15.0, gt=0)
    azimuth_sigma_deg: float = Field(default=0.2, gt=0)
    elevation_sigma_deg: float = Field(default=0.2, gt=0)
    range_rate_sigma_mps: float | None = Field(default=None, gt=0)
    range_resolution_m: float = Field(default=50.0, gt=0)
    beamwidth_deg: float = Field(default=2.0, gt=0)
    # Radar model (airdefense.sensors.radar); the defaults keep older catalogs valid.
    losses_db: float = Field(default=0.0, ge=0, description="extra losses beyond the reference")
    power_aperture_wm2: float | None = Field(
        default=None, gt=0,
        description="average power x effective aperture, W m^2; when given, the search radar "
                    "equation sets the reference SNR at ref_range_m")
    system_temp_k: float = Field(default=500.0, gt=0, description="system noise temperature")
    min_altitude_m: float = Field(default=-500.0, description="lowest target altitude (MSL)")
    track_revisit_s: float = Field(default=0.5, gt=0,
                                   description="electronic or cued: track update")
    track_dwell_s: float = Field(default=0.002, gt=0,
                                 description="electronic or cued: time per track look")
    track_budget_fraction: float = Field(
        default=0.5, gt=0, lt=1,
        description="electronic or cued: most of the radar time spent on tracks")
    track_drop_misses: int = Field(default=3, ge=1, description="misses in a row that drop a track")
    noise_floor_fraction: float = Field(
        default=0.1, gt=0, le=1,
        description="measurement sigmas never fall below this fraction of the preset sigmas")
    max_range_rate_mps: float = Field(
        default=1500.0, gt=0,
        description="Doppler span of the false alarms' range rates (target returns are not "
                    "filtered on it)")

    @model_validator(mode="after")
    def _check_limits(self) -> RadarPreset:
        if self.min_range_m >= self.max_range_m:
            raise ValueError(
                f"min_range_m ({self.min_range_m} m) must be below max_range_m ({self.max_range_m} m)"
            )
        if self.min_altitude_m >= self.max_altitude_m:
            raise ValueError(
                f"min_altitude_m ({self.min_altitude_m} m) must be below max_altitude_m "
                f"({self.max_altitude_m} m)"
            )
        if self.min_elevation_deg >= self.max_elevation_deg:
            raise ValueError(
                f"min_elevation_deg ({self.min_elevation_deg} deg) must be below "
                f"max_elevation_deg ({self.max_elevation_deg} deg)"
            )
        return self
