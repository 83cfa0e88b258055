"""Radar presets: declared, validated figures for one class of radar."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from airdefense._model import (
    DAY_S,
    EDGE_OF_SPACE_M,
    MAX_COST,
    MAX_HEIGHT_M,
    MAX_RANGE_M,
    MAX_RCS_M2,
    MAX_SPEED_MPS,
    MIN_RCS_M2,
    WHY_COST,
    WHY_DAY,
    WHY_HEIGHT,
    WHY_RANGE,
    WHY_RCS,
    WHY_SMALL_RCS,
    WHY_SPACE,
    WHY_SPEED,
    StrictModel,
    bounded,
)

__all__ = ["RadarPreset"]


#: Why the measurement sigmas are bounded.
_COARSE = "a radar this coarse measures nothing"
_FINE = "finer than any radar measures: a zero sigma would make track covariances singular"


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
    unit_cost: float = bounded(ge=0, le=MAX_COST, why=WHY_COST)
    ref_range_m: float = bounded(gt=0, le=MAX_RANGE_M, why=WHY_RANGE)
    ref_rcs_m2: float = bounded(
        1.0, ge=MIN_RCS_M2, le=MAX_RCS_M2, why=WHY_RCS, why_low=WHY_SMALL_RCS)
    ref_snr_db: float = bounded(
        13.0, ge=-50, le=100, why="no radar's reference SNR lies outside -50 to 100 dB")
    pfa: float = Field(default=1e-6, gt=0, lt=1)
    swerling: Literal[0, 1, 3] = 1
    min_range_m: float = bounded(0.0, ge=0, le=MAX_RANGE_M, why=WHY_RANGE)
    max_range_m: float = bounded(gt=0, le=MAX_RANGE_M, why=WHY_RANGE)
    max_altitude_m: float = bounded(30000.0, gt=0, le=MAX_HEIGHT_M, why=WHY_HEIGHT)
    min_elevation_deg: float = Field(default=0.0, ge=-10, le=90)
    max_elevation_deg: float = Field(default=85.0, gt=-10, le=90)
    azimuth_sector_deg: float = Field(default=360.0, gt=0, le=360)
    boresight_deg: float = Field(default=0.0, ge=-360, le=360)
    antenna_height_m: float = bounded(5.0, ge=0, le=EDGE_OF_SPACE_M, why=WHY_SPACE)
    scan_period_s: float = bounded(
        ge=0.01, le=DAY_S, why=WHY_DAY, why_low="no radar scans 100 times a second",
        description="revisit (rotating) or search frame time (unused when cued)")
    max_tracks: int = bounded(100, ge=1, le=100_000, why="more than any radar tracks")
    guidance_channels: int = bounded(
        0, ge=0, le=100_000, why="more than any radar guides",
        description="missiles in flight it guides at once; 0: no limit")
    range_sigma_m: float = bounded(
        15.0, ge=0.01, le=100_000, why=_COARSE, why_low=_FINE)
    azimuth_sigma_deg: float = bounded(0.2, ge=1e-4, le=90, why=_COARSE, why_low=_FINE)
    elevation_sigma_deg: float = bounded(0.2, ge=1e-4, le=90, why=_COARSE, why_low=_FINE)
    range_rate_sigma_mps: float | None = bounded(
        None, ge=0.001, le=MAX_SPEED_MPS, why=WHY_SPEED, why_low=_FINE)
    range_resolution_m: float = bounded(
        50.0, ge=0.01, le=100_000, why="a radar this coarse resolves nothing", why_low=_FINE)
    beamwidth_deg: float = bounded(
        2.0, ge=0.01, le=180, why="half the horizon", why_low="narrower than any antenna's beam")
    # Radar model (airdefense.sensors.radar); the defaults keep older catalogs valid.
    losses_db: float = bounded(
        0.0, ge=0, le=100, why="a radar with 100 dB of losses sees nothing",
        description="extra losses beyond the reference")
    power_aperture_wm2: float | None = bounded(
        None, gt=0, le=1e12, why="a thousand times the largest radars'",
        description="average power x effective aperture, W m^2; when given, the search radar "
        "equation sets the reference SNR at ref_range_m")
    system_temp_k: float = bounded(
        500.0, ge=1, le=1e6, why="far above any receiver's",
        why_low="no receiver is colder than 1 K", description="system noise temperature")
    min_altitude_m: float = bounded(
        -500.0, ge=-11_000, le=MAX_HEIGHT_M, why=WHY_HEIGHT,
        why_low="the deepest ocean: lower is a sign slip",
        description="lowest target altitude (MSL)")
    track_revisit_s: float = bounded(
        0.5, ge=0.01, le=DAY_S, why=WHY_DAY,
        why_low="no radar revisits a track 100 times a second",
        description="electronic or cued: track update")
    track_dwell_s: float = bounded(
        0.002, ge=1e-6, le=60, why="a minute per look leaves no time for tracks",
        why_low="shorter than any pulse train", description="electronic or cued: time per track "
        "look")
    track_budget_fraction: float = Field(
        default=0.5, gt=0, lt=1,
        description="electronic or cued: most of the radar time spent on tracks")
    track_drop_misses: int = Field(default=3, ge=1, description="misses in a row that drop a track")
    noise_floor_fraction: float = Field(
        default=0.1, gt=0, le=1,
        description="measurement sigmas never fall below this fraction of the preset sigmas")
    max_range_rate_mps: float = bounded(
        1500.0, gt=0, le=MAX_SPEED_MPS, why=WHY_SPEED, description="Doppler span of the false "
        "alarms' range rates (target returns are not filtered on it)")

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
