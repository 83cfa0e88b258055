"""Interceptor and launcher presets: declared, validated figures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from airdefense._model import StrictModel

__all__ = ["InterceptorPreset", "LauncherPreset", "THREAT_CLASSES"]

#: Threat classes of the kill-probability table, in column order.
THREAT_CLASSES = ("drone", "cruise", "ballistic", "aircraft", "helicopter")


class InterceptorPreset(StrictModel):
    """Notional figures for one interceptor (or gun burst) class, from public sources.

    The flyout is boost-coast (see :mod:`airdefense.engagement.flyout`): uniform acceleration to
    ``burnout_speed_mps`` over ``burn_time_s``, then a coast against drag calibrated so that the
    interceptor reaches ``max_range_m`` at the average speed ``speed_mps``. Without
    ``burnout_speed_mps`` it flies at the constant ``speed_mps``; a gun gives its muzzle
    velocity as ``burnout_speed_mps`` and no burn time.

    A gun also declares its burst (``rounds_per_burst``), aiming error and dispersion (mrad),
    the effective presented area of its targets (m^2) and optionally the velocity prediction
    error (m/s); its ``pk`` is the point-blank burst value (every round hits), and the burst's
    kill probability falls with range (:mod:`airdefense.engagement.guns`). Only a gun takes
    these fields.
    """

    guidance: Literal["command", "semi_active", "track_via_missile", "active", "gun"]
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = Field(ge=0, description="per missile, or per burst for guns")
    speed_mps: float = Field(gt=0, description="average flyout speed to max_range_m")
    burnout_speed_mps: float | None = Field(default=None, gt=0)
    burn_time_s: float | None = Field(default=None, gt=0)
    min_range_m: float = Field(default=0.0, ge=0)
    max_range_m: float = Field(gt=0)
    min_altitude_m: float = Field(default=0.0, ge=0)
    max_altitude_m: float = Field(gt=0)
    max_target_speed_mps: float = Field(gt=0)
    max_crossing_range_m: float | None = Field(default=None, gt=0)
    min_flight_time_s: float = Field(
        default=0.0, ge=0, description="dead zone: time after launch before guidance captures")
    max_elevation_deg: float = Field(
        default=90.0, gt=0, le=90, description="dead zone: no intercept above this elevation")
    max_g: float = Field(default=30.0, gt=0, description="manoeuvre limit, g")
    pk: dict[Literal["drone", "cruise", "ballistic", "aircraft", "helicopter"], float] = Field(
        description="single-shot (per-burst for guns) kill probability against each threat kind"
    )
    kill_assessment_delay_s: float = Field(default=2.0, ge=0)
    rounds_per_burst: int | None = Field(default=None, description="gun: rounds per burst")
    aim_error_mrad: float | None = Field(
        default=None, description="gun: aiming error shared by a burst, 1-sigma per axis, mrad")
    dispersion_mrad: float | None = Field(
        default=None, description="gun: round-to-round dispersion, 1-sigma per axis, mrad")
    presented_area_m2: float | None = Field(
        default=None, description="gun: effective presented area of the targets, m^2")
    velocity_error_mps: float | None = Field(
        default=None, description="gun: error of the predicted target velocity, m/s "
                                  "(none: 0)")

    @field_validator("rounds_per_burst")
    @classmethod
    def _rounds(cls, v: int | None) -> int | None:
        if v is not None and v < 1:
            raise ValueError("must be >= 1 round per burst")
        return v

    @field_validator("aim_error_mrad", "dispersion_mrad")
    @classmethod
    def _angle(cls, v: float | None) -> float | None:
        if v is not None and not v >= 0.0:
            raise ValueError("must be >= 0 mrad (an angular standard deviation)")
        return v

    @field_validator("presented_area_m2")
    @classmethod
    def _area(cls, v: float | None) -> float | None:
        if v is not None and not v > 0.0:
            raise ValueError("must be > 0 m^2 (an area)")
        return v

    @field_validator("velocity_error_mps")
    @classmethod
    def _vel(cls, v: float | None) -> float | None:
        if v is not None and not v >= 0.0:
            raise ValueError("must be >= 0 m/s (a standard deviation)")
        return v

    @model_validator(mode="after")
    def _check(self) -> InterceptorPreset:
        gun_fields = ("rounds_per_burst", "aim_error_mrad", "dispersion_mrad",
                      "presented_area_m2")
        if self.guidance == "gun":
            missing = [f for f in gun_fields if getattr(self, f) is None]
            if missing:
                raise ValueError(
                    f"a gun needs {', '.join(missing)} (rounds per burst; aiming error and "
                    f"dispersion, mrad; presented area, m^2)")
        else:
            given = [f for f in gun_fields + ("velocity_error_mps",)
                     if getattr(self, f) is not None]
            if given:
                raise ValueError(
                    f"only a gun takes {', '.join(given)} (guidance is {self.guidance!r})")
        for k, v in self.pk.items():
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"pk.{k} must be within [0, 1], got {v}")
        if self.min_range_m >= self.max_range_m:
            raise ValueError(
                f"min_range_m ({self.min_range_m} m) must be below max_range_m ({self.max_range_m} m)"
            )
        if self.min_altitude_m >= self.max_altitude_m:
            raise ValueError(
                f"min_altitude_m ({self.min_altitude_m} m) must be below max_altitude_m "
                f"({self.max_altitude_m} m)"
            )
        if self.burn_time_s is not None and self.burnout_speed_mps is None:
            raise ValueError("burn_time_s needs burnout_speed_mps (the speed at burnout, m/s)")
        if self.burnout_speed_mps is not None:
            vb, tb = self.burnout_speed_mps, self.burn_time_s or 0.0
            v0 = vb if tb == 0.0 else 0.0
            T = self.max_range_m / self.speed_mps
            reach = 0.5 * (v0 + vb) * min(tb, T) + vb * max(T - tb, 0.0)
            if reach < self.max_range_m:
                raise ValueError(
                    f"burnout_speed_mps ({vb} m/s) and burn_time_s ({tb} s) cannot reach "
                    f"max_range_m ({self.max_range_m} m) at the average speed_mps "
                    f"({self.speed_mps} m/s): even without drag the flyout covers only "
                    f"{reach:.0f} m in {T:.1f} s"
                )
        return self


class LauncherPreset(StrictModel):
    """Notional figures for one launcher (or gun mount) class."""

    interceptor: str = Field(min_length=1, description="interceptor preset it fires")
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = Field(ge=0)
    rounds: int = Field(ge=1, description="interceptors (gun: bursts) per launcher when loaded")
    reload_time_s: float = Field(ge=0)
    min_launch_interval_s: float = Field(default=1.0, ge=0)
