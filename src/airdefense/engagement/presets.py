"""Interceptor and launcher presets: declared, validated figures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from airdefense._model import (
    DAY_S,
    MAX_ACCEL_G,
    MAX_COST,
    MAX_HEIGHT_M,
    MAX_RANGE_M,
    MAX_RCS_M2,
    MAX_ROUNDS,
    MAX_SPEED_MPS,
    WHY_ACCEL,
    WHY_COST,
    WHY_DAY,
    WHY_HEIGHT,
    WHY_RANGE,
    WHY_RCS,
    WHY_ROUNDS,
    WHY_SPEED,
    StrictModel,
    bounded,
)

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
    unit_cost: float = bounded(
        ge=0, le=MAX_COST, why=WHY_COST, description="per missile, or per burst for guns")
    speed_mps: float = bounded(
        ge=10, le=MAX_SPEED_MPS, why=WHY_SPEED, why_low="slower than 10 m/s it catches nothing",
        description="average flyout speed to max_range_m")
    burnout_speed_mps: float | None = bounded(
        None, ge=10, le=MAX_SPEED_MPS, why=WHY_SPEED, why_low="slower than 10 m/s it catches "
        "nothing")
    burn_time_s: float | None = bounded(None, gt=0, le=DAY_S, why=WHY_DAY)
    min_range_m: float = bounded(0.0, ge=0, le=MAX_RANGE_M, why=WHY_RANGE)
    max_range_m: float = bounded(gt=0, le=MAX_RANGE_M, why=WHY_RANGE)
    min_altitude_m: float = bounded(0.0, ge=0, le=MAX_HEIGHT_M, why=WHY_HEIGHT)
    max_altitude_m: float = bounded(gt=0, le=MAX_HEIGHT_M, why=WHY_HEIGHT)
    max_target_speed_mps: float = bounded(gt=0, le=MAX_SPEED_MPS, why=WHY_SPEED)
    max_crossing_range_m: float | None = bounded(None, gt=0, le=MAX_RANGE_M, why=WHY_RANGE)
    min_flight_time_s: float = bounded(
        0.0, ge=0, le=DAY_S, why=WHY_DAY, description="dead zone: time after launch before "
        "guidance captures")
    max_elevation_deg: float = Field(
        default=90.0, gt=0, le=90, description="dead zone: no intercept above this elevation")
    max_g: float = bounded(
        30.0, gt=0, le=MAX_ACCEL_G, why=WHY_ACCEL, description="manoeuvre limit, g")
    pk: dict[Literal["drone", "cruise", "ballistic", "aircraft", "helicopter"], float] = Field(
        description="single-shot (per-burst for guns) kill probability against each threat kind"
    )
    kill_assessment_delay_s: float = bounded(2.0, ge=0, le=DAY_S, why=WHY_DAY)
    rounds_per_burst: int | None = bounded(
        None, le=MAX_ROUNDS, why=WHY_ROUNDS, description="gun: rounds per burst")
    aim_error_mrad: float | None = bounded(
        None, le=1000, why="a radian: a gun this wild hits nothing",
        description="gun: aiming error shared by a burst, 1-sigma per axis, mrad")
    dispersion_mrad: float | None = bounded(
        None, le=1000, why="a radian: a gun this wild hits nothing",
        description="gun: round-to-round dispersion, 1-sigma per axis, mrad")
    presented_area_m2: float | None = bounded(
        None, le=MAX_RCS_M2, why=WHY_RCS, description="gun: effective presented area of the "
        "targets, m^2")
    velocity_error_mps: float | None = bounded(
        None, le=MAX_SPEED_MPS, why=WHY_SPEED, description="gun: error of the predicted target "
        "velocity, m/s (none: 0)")

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
            # Drag-free distance at T: the uniform boost (v0 T + (vb - v0) T^2 / (2 tb) while
            # T < tb), then the coast at vb. Drag (calibrated) only shortens the coast.
            tt = min(tb, T)
            reach = (v0 * tt + (0.5 * (vb - v0) * tt * tt / tb if tb > 0.0 else 0.0)
                     + vb * max(T - tb, 0.0))
            if reach < self.max_range_m * (1.0 - 1e-12):
                raise ValueError(
                    f"burnout_speed_mps ({vb} m/s) and burn_time_s ({tb} s) cannot reach "
                    f"max_range_m ({self.max_range_m} m) at the average speed_mps "
                    f"({self.speed_mps} m/s): even without drag the flyout covers only "
                    f"{reach:.0f} m in {T:.1f} s"
                )
            # A range within the boost (0.5 (v0 + vb) tb) is reached at the root u of
            # v0 u + a u^2 = max_range; sooner than T, no drag (coast only) can slow it.
            a = 0.5 * (vb - v0) / tb if tb > 0.0 else 0.0
            u = (((-v0 + (v0 * v0 + 4.0 * a * self.max_range_m) ** 0.5) / (2.0 * a))
                 if a > 0.0 else float("inf"))
            if self.max_range_m <= 0.5 * (v0 + vb) * tb and u < T * (1.0 - 1e-9):
                raise ValueError(
                    f"burnout_speed_mps ({vb} m/s) and burn_time_s ({tb} s) reach "
                    f"max_range_m ({self.max_range_m} m) during the boost, in {u:.1f} s, not "
                    f"in {T:.1f} s at the average speed_mps ({self.speed_mps} m/s): drag acts "
                    f"only in the coast, so no drag constant gives that speed"
                )
        return self


class LauncherPreset(StrictModel):
    """Notional figures for one launcher (or gun mount) class."""

    interceptor: str = Field(min_length=1, description="interceptor preset it fires")
    description: str = ""
    source: str = Field(min_length=1)
    unit_cost: float = bounded(ge=0, le=MAX_COST, why=WHY_COST)
    rounds: int = bounded(
        ge=1, le=MAX_ROUNDS, why=WHY_ROUNDS, description="interceptors (gun: bursts) per launcher "
        "when loaded")
    reload_time_s: float = bounded(ge=0, le=DAY_S, why=WHY_DAY)
    min_launch_interval_s: float = bounded(1.0, ge=0, le=DAY_S, why=WHY_DAY)
