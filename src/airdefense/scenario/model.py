"""Scenario configuration: declared and validated pydantic models.

Units are in field names. Positions are geodetic (``lat_deg``, ``lon_deg``, ``alt_m``) or
relative to the scenario origin (``bearing_deg``, ``range_m``); they are converted to local ENU
once, at load.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from airdefense._model import (
    DAY_S,
    MAX_LETHAL_M,
    MAX_RANGE_M,
    MAX_ROUNDS,
    MAX_SPEED_MPS,
    MAX_VALUE,
    WHY_DAY,
    WHY_LETHAL,
    WHY_RANGE,
    WHY_ROUNDS,
    WHY_SLOW,
    WHY_SPEED,
    WHY_VALUE,
    StrictModel,
    bounded,
)

#: Most threats of one raid group, and of the whole raid (released munitions included): memory
#: and run time grow with them.
MAX_GROUP_THREATS = 100_000
MAX_RAID_THREATS = 100_000
#: Most launchers, and radars, of all batteries together: more than any defence fields.
MAX_LAUNCHERS = 10_000
MAX_RADARS = 10_000
#: Farthest a battery's radar or launcher stands from its position, m.
MAX_OFFSET_M = 10_000.0

__all__ = [
    "GeoPoint",
    "Location",
    "Asset",
    "SensorSpec",
    "LauncherSpec",
    "Doctrine",
    "Zone",
    "Battery",
    "Target",
    "RaidGroup",
    "C2Config",
    "Wind",
    "TerrainSpec",
    "ScenarioConfig",
    "MAX_GROUP_THREATS",
    "MAX_RAID_THREATS",
    "MAX_LAUNCHERS",
    "MAX_RADARS",
]


class GeoPoint(StrictModel):
    """A geodetic point."""

    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    alt_m: float = Field(default=0.0, ge=-500, le=1_000_000)


class Location(StrictModel):
    """A point given either geodetically or as bearing and ground range from the origin."""

    lat_deg: float | None = Field(default=None, ge=-90, le=90)
    lon_deg: float | None = Field(default=None, ge=-180, le=180)
    bearing_deg: float | None = Field(default=None, ge=-360, le=360)
    range_m: float | None = Field(default=None, ge=0, le=20_000_000)
    alt_m: float | None = Field(default=None, ge=-500, le=1_000_000)

    @model_validator(mode="after")
    def _one_form(self) -> Location:
        geo = self.lat_deg is not None or self.lon_deg is not None
        polar = self.bearing_deg is not None or self.range_m is not None
        if geo and polar:
            raise ValueError("give either lat_deg/lon_deg or bearing_deg/range_m, not both")
        if geo and (self.lat_deg is None or self.lon_deg is None):
            raise ValueError("lat_deg and lon_deg must be given together")
        if polar and (self.bearing_deg is None or self.range_m is None):
            raise ValueError("bearing_deg and range_m must be given together")
        if not geo and not polar:
            raise ValueError("a position needs lat_deg/lon_deg or bearing_deg/range_m")
        return self


class Asset(StrictModel):
    """A defended asset: something the raid aims at and the defence protects."""

    kind: str = Field(min_length=1, description="city_district, airbase, power_plant, ...")
    position: Location
    value: float = bounded(
        ge=0, le=MAX_VALUE, why=WHY_VALUE, description="value, in the same units as costs (US "
        "dollars)")
    hardness: float = Field(
        default=0.0, ge=0, lt=1, description="fraction by which a warhead's lethal radius shrinks"
    )
    lethal_radius_m: float | None = bounded(
        None, gt=0, le=MAX_LETHAL_M, why=WHY_LETHAL, description="explicit radius within which "
        "any warhead destroys it")
    radius_m: float = Field(
        default=0.0, ge=0, le=50_000,
        description="area radius: 0 for a point asset; an area asset (a city district, an "
                    "airbase) loses the fraction of its area inside each impact's lethal radius",
    )


class SensorSpec(StrictModel):
    """One radar of a battery: a catalog preset plus overrides."""

    preset: str = Field(min_length=1)
    name: str | None = None
    offset_m: tuple[Annotated[float, Field(ge=-MAX_OFFSET_M, le=MAX_OFFSET_M)],
                    Annotated[float, Field(ge=-MAX_OFFSET_M, le=MAX_OFFSET_M)]] = bounded(
        (0.0, 0.0), why="a battery spreads over a few km at most",
        description="east and north offset of the radar from the battery's position, each "
        "within +-10 km")
    boresight_deg: float | None = Field(default=None, ge=-360, le=360)
    hardness: float = Field(default=0.0, ge=0, lt=1)
    overrides: dict[str, Any] = Field(default_factory=dict)


class LauncherSpec(StrictModel):
    """A group of identical launchers of a battery."""

    preset: str = Field(min_length=1)
    count: int = bounded(1, ge=1, le=1000, why="more launchers than any battery has")
    interceptors_per_launcher: int | None = bounded(None, ge=0, le=MAX_ROUNDS, why=WHY_ROUNDS)
    reload_time_s: float | None = bounded(None, ge=0, le=DAY_S, why=WHY_DAY)
    reloads: int | None = Field(
        default=None, ge=0, le=100_000,
        description="reloads each launcher can get from the battery's stock; unset: unlimited")
    fire_control: str | None = Field(
        default=None, description="name of the battery radar that guides its missiles"
    )
    spacing_m: float = bounded(
        150.0, ge=0, le=MAX_OFFSET_M, why="a battery spreads over a few km at most",
        description="distance of the launchers from the battery's position (on a ring)")
    hardness: float = Field(default=0.0, ge=0, lt=1)
    overrides: dict[str, Any] = Field(default_factory=dict)
    interceptor_overrides: dict[str, Any] = Field(default_factory=dict)


class Zone(StrictModel):
    """A fire-control zone: engagements whose intercept point lies inside follow its rule."""

    name: str = ""
    position: Location
    radius_m: float = bounded(gt=0, le=MAX_RANGE_M, why=WHY_RANGE)
    rule: Literal["hold_fire", "weapons_free"]


class Doctrine(StrictModel):
    """Firing doctrine of a battery."""

    mode: Literal["shoot_look_shoot", "shoot_shoot_look"] = "shoot_look_shoot"
    salvo_size: int | dict[str, int] = Field(
        default=1, description="rounds of a shoot-shoot-look salvo (1 to 8): one number, or "
        "one per threat class with a 'default' for the classes not named (e.g. {default: 1, "
        "ballistic: 2})")
    max_rounds_per_threat: int = Field(
        default=2, ge=1, le=16, description="most rounds this battery fires at one threat "
        "(track), counted per battery: with several batteries one threat may draw up to "
        "their sum (batteries x this number), there is no network-wide cap")
    engage: list[Literal["drone", "cruise", "ballistic", "aircraft", "helicopter"]] = Field(
        default_factory=lambda: ["drone", "cruise", "ballistic", "aircraft", "helicopter"]
    )
    hold_fire: bool = False
    zones: list[Zone] = Field(default_factory=list)
    reserve_ballistic_rounds: int = bounded(
        0, ge=0, le=1_000_000, why="more than any battery holds")
    layer: Literal["outer", "middle", "inner"] | None = None
    min_pk: float = Field(default=0.0, ge=0.0, le=1.0, description=(
        "least kill probability of a round at its predicted intercept (the C2's launch Pk) "
        "for the battery to fire: below it the battery waits for a better shot (e.g. a gun "
        "for a closer one); 0 fires at any chance"))

    @field_validator("salvo_size", mode="before")
    @classmethod
    def _salvo_values(cls, v):
        # Checked here, key by key, so that an error names the class, the value and the rule
        # (pydantic's own union errors name its internal branches instead).
        keys = ("default", "drone", "cruise", "ballistic", "aircraft", "helicopter")

        def rounds(n, where, got=True):
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 8:
                # (the error's own value is added to a scalar's message by the loader)
                raise ValueError(f"{where} must be a whole number of rounds from 1 to 8"
                                 + (f", got {n!r}" if got else ""))
            return n

        if isinstance(v, dict):
            for k, n in v.items():
                if k not in keys:
                    raise ValueError(f"salvo_size: unknown threat class {k!r}; give one of "
                                     f"{', '.join(keys)}")
                rounds(n, f"salvo_size.{k}")
            return dict(v)
        return rounds(v, "salvo_size", got=False)

    def salvo_by_class(self) -> list[int]:
        """Salvo size for each threat class, in the order of ``c2.evaluation.KINDS``."""
        from airdefense.c2.evaluation import KINDS

        s = self.salvo_size
        return [s if isinstance(s, int) else s.get(k, s["default"]) for k in KINDS]

    @model_validator(mode="after")
    def _salvo(self) -> Doctrine:
        s = self.salvo_size
        if isinstance(s, dict) and "default" not in s:
            raise ValueError(
                f"salvo_size by class needs a 'default' for the classes not named, got "
                f"{dict(s)} (e.g. {{default: 1, ballistic: 2}})")
        most = s if isinstance(s, int) else max(s.values())
        if self.mode == "shoot_look_shoot" and most != 1:
            raise ValueError(
                f"salvo_size must be 1 with mode shoot_look_shoot (one round, then look), got "
                f"{s}; use mode shoot_shoot_look for salvos"
            )
        if most > self.max_rounds_per_threat:
            raise ValueError(
                f"salvo_size ({s}) must not exceed max_rounds_per_threat "
                f"({self.max_rounds_per_threat})"
            )
        twice = sorted({k for k in self.engage if self.engage.count(k) > 1})
        if twice:
            raise ValueError(f"engage lists {', '.join(twice)} more than once")
        names = [z.name for z in self.zones if z.name]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"zone names must differ, got {', '.join(map(repr, twice))} twice")
        if any(z.position.alt_m is not None for z in self.zones):
            raise ValueError("a zone is a circle on the ground: its position takes no alt_m")
        return self


class Battery(StrictModel):
    """A fire unit: radars, launchers and a doctrine at one position."""

    position: Location
    sensors: list[SensorSpec] = Field(min_length=1)
    launchers: list[LauncherSpec] = Field(min_length=1)
    doctrine: Doctrine = Field(default_factory=Doctrine)

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: Any) -> Any:
        # A single sensor or launcher group may be written as a mapping; sweeps address it as
        # ``batteries.NAME.launchers.count``.
        if isinstance(data, dict):
            data = dict(data)
            for key in ("sensors", "launchers"):
                if isinstance(data.get(key), dict):
                    data[key] = [data[key]]
        return data


class Target(StrictModel):
    """What a raid group aims at: a named asset or a point."""

    asset: str | None = None
    point: Location | None = None
    aim_spread_m: float = bounded(
        0.0, ge=0, le=MAX_RANGE_M, why=WHY_RANGE, description="spread of aim points about it")

    @model_validator(mode="after")
    def _one(self) -> Target:
        if (self.asset is None) == (self.point is None):
            raise ValueError("give exactly one of asset or point")
        return self


class RaidGroup(StrictModel):
    """A group of identical threats launched from one place at one target."""

    preset: str = Field(min_length=1)
    count: int = bounded(
        ge=1, le=MAX_GROUP_THREATS, why="memory and run time grow with it; split a larger raid "
        "into groups", description=f"threats launched; the whole raid holds at most "
        f"{MAX_RAID_THREATS:,} threats, the munitions its platforms release included")
    launch: Location
    target: Target
    launch_time_s: float = bounded(0.0, ge=0, le=DAY_S, why=WHY_DAY)
    salvo_interval_s: float = bounded(0.0, ge=0, le=DAY_S, why=WHY_DAY)
    launch_jitter_s: float = bounded(0.0, ge=0, le=DAY_S, why=WHY_DAY)
    route: list[Location] = Field(default_factory=list)
    route_jitter_m: float = bounded(0.0, ge=0, le=MAX_RANGE_M, why=WHY_RANGE)
    leg_speed_mps: list[Annotated[float, Field(ge=1, le=MAX_SPEED_MPS)]] | None = bounded(
        None, why=WHY_SPEED, why_low=WHY_SLOW,
        description="speed of each leg, len(route) + 1 values, each >= 1 and <= 11,200 m/s")
    loiter_s: float | None = bounded(
        None, ge=0, le=DAY_S, why=WHY_DAY, description="orbit time at the last waypoint")
    depressed: bool = False
    overrides: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _legs(self) -> RaidGroup:
        if self.leg_speed_mps is not None:
            if len(self.leg_speed_mps) != len(self.route) + 1:
                raise ValueError(
                    f"leg_speed_mps needs len(route) + 1 = {len(self.route) + 1} values, "
                    f"got {len(self.leg_speed_mps)}"
                )
            # Each speed's bounds (>= 1 m/s, NaN refused) are its element's field's.
        if self.loiter_s and not self.route:
            raise ValueError(f"loiter_s ({self.loiter_s} s) needs at least one route waypoint")
        return self


class Wind(StrictModel):
    """A uniform wind."""

    speed_mps: float = Field(ge=0, le=100)
    from_deg: float = Field(ge=-360, le=360,
                            description="direction it blows from, clockwise from north")


class C2Config(StrictModel):
    """The control unit."""

    mode: Literal["networked", "autonomous"] = "networked"
    decision_period_s: float = Field(default=2.0, gt=0, le=60)
    cost_weight: float = bounded(
        0.0, ge=0, le=1000,
        why="a defence that wants 1,000 dollars saved per dollar spent never fires",
        description="dollars of value saved one dollar of interceptor must buy")
    solver: Literal["greedy", "heuristic", "exact"] = "greedy"
    min_threat_value: float | None = bounded(
        None, ge=0, le=MAX_VALUE, why=WHY_VALUE, allow_inf_nan=False,
        description="least threat value (expected value destroyed if not intercepted, in the "
        "assets' value unit, US dollars) for a track to be engaged: one at or below it "
        "threatens nothing worth a round; default (null): 1e-6 of the largest asset's value")
    solver_time_limit_s: float = Field(
        default=10.0, gt=0, le=60,
        description="safety stop of the exact solver per problem, s: a run in which it binds "
        "depends on the machine (counted in the summary's solver_clock_stops)")
    solver_node_limit: int = Field(
        default=2000, ge=1, le=10_000_000,
        description="branch-and-bound nodes of each MIP solve of the exact solver: its work "
        "limit, so that the same seed gives the same run on any machine")


class TrackerSettings(StrictModel):
    """Settings of the full tracker (``tracking: full``); unset ones keep its defaults."""

    initiation: Literal["single", "two_point"] | None = Field(
        default=None, description="single: a tentative track on every unused detection; "
        "two_point: only when a later detection falls within its velocity gate")
    max_speed_mps: float | None = Field(default=None, gt=0, le=20_000)
    candidate_age_s: float | None = Field(default=None, gt=0, le=120)
    confirm: str | None = Field(default=None, pattern=r"^[1-9][0-9]*/[1-9][0-9]*$",
                                description="M-of-N confirmation, as 'M/N'")
    delete_misses: int | None = Field(default=None, ge=1, le=100)
    delete_llr: float | None = Field(
        default=None, gt=0, allow_inf_nan=True,
        description="nats a confirmed track's score may fall below its peak; inf: delete_misses "
        "rule")
    # Constant acceleration ("ca", CLI only) reads q as a jerk intensity, m^2/s^5: not offered
    # under a field in m^2/s^3.
    motion: Literal["cv", "ct", "imm"] | None = Field(
        default=None, description="motion model: constant velocity, coordinated turn, or the "
        "IMM of constant velocity, turn and ballistic")
    filter: Literal["ekf", "ukf"] | None = None
    associator: Literal["gnn", "jpda"] | None = None
    process_noise_m2ps3: float | None = Field(
        default=None, gt=0, le=1e6, description="white-acceleration intensity q")
    detection_probability: float | None = Field(
        default=None, gt=0, lt=1, description="Pd the association and track scores assume")
    clutter_density_per_m3: float | None = Field(
        default=None, gt=0, le=1e-3, description="false alarms per m^3 per scan assumed")
    gate_probability: float | None = Field(default=None, gt=0, lt=1)
    confirm_llr: float | None = Field(
        default=None, allow_inf_nan=True,
        description="track score also needed to confirm; -inf: M-of-N only")
    speed_sigma_mps: float | None = Field(
        default=None, gt=0, le=20_000, description="prior speed sigma of a one-point track")
    max_position_sigma_m: float | None = bounded(
        None, gt=0, le=MAX_RANGE_M, why=WHY_RANGE, description="a track whose position sigma "
        "exceeds this is deleted")
    max_coast_s: float | None = bounded(
        None, gt=0, le=DAY_S, why=WHY_DAY, description="a track with no hit for this long is "
        "deleted")

    @field_validator("confirm")
    @classmethod
    def _m_of_n(cls, v: str | None) -> str | None:
        if v is not None:
            m, n = (int(x) for x in v.split("/"))
            if not m <= n <= 62:
                raise ValueError("must be M/N with M <= N <= 62 (scans)")
        return v

    @field_validator("confirm_llr")
    @classmethod
    def _finite_or_minus_inf(cls, v: float | None) -> float | None:
        if v is not None and (v != v or v == float("inf")):
            raise ValueError("must be a number of nats or -inf (M-of-N only); NaN means "
                             "nothing and +inf would confirm no track")
        return v

    def overrides(self) -> dict:
        """The settings given, as :class:`~airdefense.tracking.TrackerConfig` keys."""
        given = self.model_dump(exclude_none=True)
        return {_TRACKER_KEYS.get(k, k): v for k, v in given.items()}


#: Scenario names (units in the name) of TrackerConfig keys that differ.
_TRACKER_KEYS = {"process_noise_m2ps3": "q", "detection_probability": "pd",
                 "clutter_density_per_m3": "clutter_density", "gate_probability": "gate_prob",
                 "max_position_sigma_m": "max_pos_sigma_m"}


class TerrainSpec(StrictModel):
    """A terrain elevation grid named by the scenario."""

    file: str = Field(min_length=1)


class ScenarioConfig(StrictModel):
    """A whole scenario, as written in a scenario file."""

    name: str = "scenario"
    description: str = ""
    origin: GeoPoint
    duration_s: float = bounded(gt=0, le=DAY_S, why="a day: a longer raid is a campaign")
    step_s: float = bounded(
        0.5, ge=0.01, le=10, why="the models' coarsest step",
        why_low="100 steps a second: finer than any model needs (8.6 million steps a day)",
        description="time step; at most duration_s")
    seed: int = Field(default=0, ge=0)
    tracking: Literal["truth", "full"] = "truth"
    c2: C2Config = Field(default_factory=C2Config)
    tracker: TrackerSettings = Field(default_factory=TrackerSettings)
    catalog: list[str] = Field(default_factory=list)
    terrain: TerrainSpec | None = None
    wind: Wind | None = None
    assets: dict[str, Asset] = Field(default_factory=dict)
    batteries: dict[str, Battery] = Field(default_factory=dict)
    raid: dict[str, RaidGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _step(self) -> ScenarioConfig:
        if self.step_s > self.duration_s:
            raise ValueError(
                f"step_s ({self.step_s} s) must not exceed duration_s ({self.duration_s} s)"
            )
        # A period set below the step cannot be kept (the default adapts: once a step).
        if ("decision_period_s" in self.c2.model_fields_set
                and self.c2.decision_period_s < self.step_s - 1e-9):
            raise ValueError(
                f"c2.decision_period_s ({self.c2.decision_period_s} s) must not be below step_s "
                f"({self.step_s} s): the control unit decides at the ends of steps")
        return self
