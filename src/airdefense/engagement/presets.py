"""Interceptor and launcher presets: declared, validated figures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from airdefense._model import StrictModel

__all__ = ["InterceptorPreset", "LauncherPreset"]


class InterceptorPreset(StrictModel):
    """Notional figures for one interceptor (or gun burst) class, from public sources."""

    guidance: Literal["command", "semi_active", "track_via_missile", "active", "gun"]
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = Field(ge=0, description="per missile, or per burst for guns")
    speed_mps: float = Field(gt=0, description="average flyout speed")
    burnout_speed_mps: float | None = Field(default=None, gt=0)
    burn_time_s: float | None = Field(default=None, gt=0)
    min_range_m: float = Field(default=0.0, ge=0)
    max_range_m: float = Field(gt=0)
    min_altitude_m: float = Field(default=0.0, ge=0)
    max_altitude_m: float = Field(gt=0)
    max_target_speed_mps: float = Field(gt=0)
    max_crossing_range_m: float | None = Field(default=None, gt=0)
    pk: dict[Literal["drone", "cruise", "ballistic", "aircraft", "helicopter"], float] = Field(
        description="single-shot kill probability against each threat kind"
    )
    kill_assessment_delay_s: float = Field(default=2.0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> InterceptorPreset:
        for k, v in self.pk.items():
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"pk.{k} must be within [0, 1], got {v}")
        if self.min_range_m >= self.max_range_m:
            raise ValueError(
                f"min_range_m ({self.min_range_m} m) must be below max_range_m ({self.max_range_m} m)"
            )
        return self


class LauncherPreset(StrictModel):
    """Notional figures for one launcher (or gun mount) class."""

    interceptor: str = Field(min_length=1, description="interceptor preset it fires")
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = Field(ge=0)
    rounds: int = Field(ge=1, description="interceptors per launcher when loaded")
    reload_time_s: float = Field(ge=0)
    min_launch_interval_s: float = Field(default=1.0, ge=0)
