"""Load a scenario: parse, validate, resolve presets and convert geometry to ENU once."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from airdefense._yaml import pydantic_to_scenario_error, top_level_mapping, with_line
from airdefense.catalog import Catalog, load_catalog
from airdefense.engagement.presets import InterceptorPreset, LauncherPreset
from airdefense.errors import ScenarioError
from airdefense.geo import Frame, ground_distance_m
from airdefense.scenario._flight import check_flights, check_heights
from airdefense.scenario.model import (
    MAX_LAUNCHERS,
    MAX_RADARS,
    MAX_RAID_THREATS,
    Location,
    ScenarioConfig,
)
from airdefense.sensors.presets import RadarPreset
from airdefense.threats.presets import ThreatPreset

__all__ = [
    "Scenario",
    "AssetTable",
    "SensorUnit",
    "LauncherUnit",
    "BatteryUnit",
    "ThreatGroup",
    "load_scenario",
    "scenario_from_dict",
]


@dataclass
class AssetTable:
    """Every defended asset, the batteries' own radars and launchers included.

    Attributes
    ----------
    name, kind, role : list of str, length a
        ``role`` is ``asset``, ``radar`` or ``launcher``.
    enu : ndarray of shape (a, 3)
        Positions, m.
    value : ndarray of shape (a,)
        Value (US dollars).
    hardness : ndarray of shape (a,)
        Fraction by which a warhead's lethal radius shrinks against it, in [0, 1).
    lethal_radius_m : ndarray of shape (a,)
        Explicit lethal radius, NaN where the warhead's own radius applies.
    radius_m : ndarray of shape (a,)
        Area radius, m; 0 for point assets (the batteries' radars and launchers are points).
    battery : ndarray of shape (a,), int
        Owning battery, -1 for plain assets.
    unit : ndarray of shape (a,), int
        Index into the scenario's sensors (role radar) or launchers (role launcher), else -1.
    """

    name: list[str]
    kind: list[str]
    role: list[str]
    enu: np.ndarray
    value: np.ndarray
    hardness: np.ndarray
    lethal_radius_m: np.ndarray
    battery: np.ndarray
    unit: np.ndarray
    radius_m: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.radius_m is None:
            self.radius_m = np.zeros(len(self.name))

    def __len__(self) -> int:
        return len(self.name)

    def index(self, name: str) -> int:
        """Return the index of the asset called ``name``."""
        return self.name.index(name)


@dataclass
class SensorUnit:
    """One radar placed in the scenario, with its preset resolved (overrides applied)."""

    name: str
    battery: int
    preset_name: str
    preset: RadarPreset
    enu: np.ndarray
    asset: int = -1


@dataclass
class LauncherUnit:
    """One launcher placed in the scenario, with its presets resolved."""

    name: str
    battery: int
    preset_name: str
    preset: LauncherPreset
    interceptor_name: str
    interceptor: InterceptorPreset
    rounds: int
    reload_time_s: float
    fire_control: int
    enu: np.ndarray
    asset: int = -1
    #: Reloads it can still get (inf: unlimited).
    reloads: float = np.inf


@dataclass
class BatteryUnit:
    """A battery: its radars and launchers by index, and its doctrine."""

    name: str
    enu: np.ndarray
    doctrine: Any
    sensors: list[int] = field(default_factory=list)
    launchers: list[int] = field(default_factory=list)
    #: Fire-control zones: centres (k, 3) ENU m, radii (k,) m, and ``True`` where hold-fire.
    zone_enu: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    zone_radius_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    zone_hold: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))


@dataclass
class ThreatGroup:
    """A raid group with its preset resolved and its geometry in ENU."""

    name: str
    preset_name: str
    preset: ThreatPreset
    count: int
    launch_enu: np.ndarray
    target_enu: np.ndarray
    target_asset: int
    aim_spread_m: float
    launch_time_s: float
    salvo_interval_s: float
    launch_jitter_s: float
    route_enu: np.ndarray
    route_jitter_m: float
    depressed: bool
    leg_speed_mps: np.ndarray | None = None
    loiter_s: float | None = None
    #: The preset of the munition the platform releases (``preset.weapon``), resolved.
    weapon_preset: ThreatPreset | None = None


@dataclass
class Scenario:
    """A loaded scenario: the validated configuration plus everything resolved to ENU arrays."""

    config: ScenarioConfig
    source: str | None
    frame: Frame
    catalog: Catalog
    assets: AssetTable
    sensors: list[SensorUnit]
    launchers: list[LauncherUnit]
    batteries: list[BatteryUnit]
    groups: list[ThreatGroup]
    raw: dict = field(default_factory=dict, repr=False)
    terrain: Any = None
    wind_enu_mps: np.ndarray | None = None

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.config.name

    @property
    def seed(self) -> int:
        """The scenario's default seed."""
        return self.config.seed

    def to_dict(self) -> dict:
        """Return a deep copy of the scenario as written (before resolution)."""
        return copy.deepcopy(self.raw)


def _apply_overrides(
    preset: BaseModel, overrides: dict, path: str, source: str | None
) -> BaseModel:
    if not overrides:
        return preset
    data = preset.model_dump()
    data.update(overrides)
    try:
        return type(preset).model_validate(data)
    except ValidationError as exc:
        err = pydantic_to_scenario_error(exc, source, model=type(preset))
        # A rule across fields (model-level) has no field of its own: the overrides' path.
        raise ScenarioError(f"{path}.{err.path}" if err.path else path, err.message,
                            source) from None


def _weapon_preset(cat, tp: ThreatPreset, g, gpath: str, lenu, route, tenu, radius: float,
                   source: str | None) -> ThreatPreset:
    """Resolve and check the munition a platform releases (``weapon``, ``release_range_m``)."""
    where = (f"{gpath}.overrides.weapon" if "weapon" in (g.overrides or {})
             else f"{gpath}.preset")
    wp = cat.get("threats", tp.weapon, where, source)
    if wp.kind not in ("drone", "cruise") or wp.weapon is not None:
        rule = ("it releases a weapon of its own" if wp.weapon is not None
                else f"it is a {wp.kind} preset")
        raise ScenarioError(where, f"weapon {tp.weapon!r} cannot be released: {rule}; a "
                            f"released weapon is a drone or cruise preset (it flies a route "
                            f"from the release point)", source)
    rpath = (f"{gpath}.overrides.release_range_m" if "release_range_m" in (g.overrides or {})
             else f"{gpath}.preset")
    last = route[-1] if len(route) else lenu
    leg = float(ground_distance_m(last, tenu, radius))
    if not tp.release_range_m < leg:
        raise ScenarioError(
            rpath, f"release_range_m ({tp.release_range_m:.0f} m) must be shorter than the last "
            f"leg, {leg:.0f} m from the {'last waypoint' if len(route) else 'launch point'} to "
            f"the target", source)
    if tp.release_range_m > wp.max_range_m:
        raise ScenarioError(
            rpath, f"release_range_m ({tp.release_range_m:.0f} m) is beyond the max_range_m "
            f"({wp.max_range_m:.0f} m) of weapon {tp.weapon!r}", source)
    return wp


def _check_flight_fields(g, kind: str, gpath: str, source: str | None) -> None:
    """Refuse the raid-group fields a class of threat does not fly (they would be ignored)."""
    if kind == "ballistic":
        given = [(f, v) for f, v in (("route", g.route), ("route_jitter_m", g.route_jitter_m),
                                     ("leg_speed_mps", g.leg_speed_mps), ("loiter_s", g.loiter_s))
                 if v]
        if given:
            f, v = given[0]
            v = f"{len(v)} waypoint(s)" if f == "route" else repr(v)
            raise ScenarioError(
                f"{gpath}.{f}", f"a ballistic group flies no route (its path is the ballistic "
                f"arc from launch to target: route, route_jitter_m, leg_speed_mps and loiter_s "
                f"do not apply), got {v}", source)
    elif g.depressed:
        raise ScenarioError(f"{gpath}.depressed", f"only a ballistic group flies a depressed "
                            f"trajectory; this group's preset is a {kind} threat", source)


class _Resolver:
    def __init__(self, cfg: ScenarioConfig, catalog: Catalog, source: str | None) -> None:
        self.cfg = cfg
        self.cat = catalog
        self.source = source
        o = cfg.origin
        self.frame = Frame(o.lat_deg, o.lon_deg, o.alt_m)

    def point(self, loc: Location, default_alt_m: float = 0.0) -> np.ndarray:
        alt = loc.alt_m if loc.alt_m is not None else default_alt_m + self.cfg.origin.alt_m
        if loc.lat_deg is not None:
            return self.frame.to_enu(loc.lat_deg, loc.lon_deg, alt)
        # Bearing and ground range are measured on the frame's local sphere, the same surface
        # the flight models use, so a point "20 km east at 0 m" is exactly that for them.
        b = np.radians(loc.bearing_deg)
        return self.frame.surface_point(
            loc.range_m * np.sin(b), loc.range_m * np.cos(b), alt - self.cfg.origin.alt_m
        )

    def run(self) -> tuple:
        cfg, cat, src = self.cfg, self.cat, self.source
        names, kinds, roles, enus, values, hard, lrad, batt, unit, area = ([] for _ in range(10))

        def add_asset(name, kind, role, enu, value, hardness, lr, b, u, radius_m=0.0):
            if name in names:  # a plain asset named like a battery's radar or launcher
                raise ScenarioError(
                    f"assets.{name}", f"asset name {name!r} is also the name of a {role} of "
                    f"battery {name.split('.')[0]!r} (<battery>.<radar name> or "
                    f"<battery>.<launcher preset>.<k>); asset, radar and launcher names must "
                    f"be unique", src)
            area.append(float(radius_m))
            names.append(name)
            kinds.append(kind)
            roles.append(role)
            enus.append(np.asarray(enu, float))
            values.append(float(value))
            hard.append(float(hardness))
            lrad.append(np.nan if lr is None else float(lr))
            batt.append(b)
            unit.append(u)
            return len(names) - 1

        for aname, a in cfg.assets.items():
            add_asset(aname, a.kind, "asset", self.point(a.position), a.value, a.hardness,
                      a.lethal_radius_m, -1, -1, a.radius_m)

        sensors: list[SensorUnit] = []
        launchers: list[LauncherUnit] = []
        batteries: list[BatteryUnit] = []
        for bi, (bname, b) in enumerate(cfg.batteries.items()):
            bpath = f"batteries.{bname}"
            benu = self.point(b.position)
            zs = b.doctrine.zones
            bu = BatteryUnit(
                name=bname, enu=benu, doctrine=b.doctrine,
                zone_enu=np.array([self.point(z.position) for z in zs], float).reshape(-1, 3),
                zone_radius_m=np.array([z.radius_m for z in zs], float),
                zone_hold=np.array([z.rule == "hold_fire" for z in zs], bool),
            )
            sensor_names: dict[str, int] = {}
            for si, s in enumerate(b.sensors):
                spath = f"{bpath}.sensors[{si}]"
                preset = cat.get("sensors", s.preset, f"{spath}.preset", src)
                ov = dict(s.overrides)
                if s.boresight_deg is not None:
                    ov["boresight_deg"] = s.boresight_deg
                preset = _apply_overrides(preset, ov, f"{spath}.overrides", src)
                if (s.name or s.preset) in sensor_names:
                    k = sensor_names[s.name or s.preset] - bu.sensors[0]
                    raise ScenarioError(
                        f"{spath}.name" if s.name else f"{spath}.preset",
                        f"radar name {s.name or s.preset!r} is already that of sensors[{k}] of "
                        f"this battery (a radar without a name is named after its preset); "
                        f"give each radar its own name", src)
                name = f"{bname}.{s.name or s.preset}"
                enu = benu + np.array([s.offset_m[0], s.offset_m[1], 0.0])
                idx = len(sensors)
                su = SensorUnit(name=name, battery=bi, preset_name=s.preset, preset=preset, enu=enu)
                su.asset = add_asset(name, "radar", "radar", enu, preset.unit_cost, s.hardness,
                                     None, bi, idx)
                sensors.append(su)
                bu.sensors.append(idx)
                sensor_names[s.name or s.preset] = idx
            numbered: dict[str, int] = {}  # launchers of each preset named so far
            for li, spec in enumerate(b.launchers):
                lpath = f"{bpath}.launchers[{li}]"
                lp = cat.get("launchers", spec.preset, f"{lpath}.preset", src)
                lp = _apply_overrides(lp, spec.overrides, f"{lpath}.overrides", src)
                ip = cat.get("interceptors", lp.interceptor, f"{lpath}.preset", src)
                ip = _apply_overrides(ip, spec.interceptor_overrides,
                                      f"{lpath}.interceptor_overrides", src)
                if spec.fire_control is not None:
                    if spec.fire_control not in sensor_names:
                        raise ScenarioError(
                            f"{lpath}.fire_control",
                            f"names no radar of this battery: {spec.fire_control!r}; "
                            f"radars: {', '.join(sensor_names)}",
                            src,
                        )
                    fc = sensor_names[spec.fire_control]
                else:
                    fc = self._default_fire_control(bu, sensors)
                rounds = spec.interceptors_per_launcher
                rounds = lp.rounds if rounds is None else rounds
                reload = lp.reload_time_s if spec.reload_time_s is None else spec.reload_time_s
                for k in range(spec.count):
                    # Launchers stand on a ring about the battery centre, as emplaced.
                    ang = 2 * np.pi * (k + 0.5 * li) / max(spec.count, 1) + 0.3 * li
                    off = spec.spacing_m * np.array([np.sin(ang), np.cos(ang), 0.0])
                    enu = benu + off
                    # battery.preset.number, numbered on across groups of the same preset
                    number = numbered.get(spec.preset, 0)
                    numbered[spec.preset] = number + 1
                    name = f"{bname}.{spec.preset}.{number}"
                    idx = len(launchers)
                    lu = LauncherUnit(
                        name=name, battery=bi, preset_name=spec.preset, preset=lp,
                        interceptor_name=lp.interceptor, interceptor=ip, rounds=int(rounds),
                        reload_time_s=float(reload), fire_control=fc, enu=enu,
                        reloads=np.inf if spec.reloads is None else float(spec.reloads),
                    )
                    lu.asset = add_asset(name, "launcher", "launcher", enu, lp.unit_cost,
                                         spec.hardness, None, bi, idx)
                    launchers.append(lu)
                    bu.launchers.append(idx)
            batteries.append(bu)

        for what, units, most in (("launchers", launchers, MAX_LAUNCHERS),
                                  ("radars", sensors, MAX_RADARS)):
            if len(units) > most:
                raise ScenarioError(
                    "batteries", f"the batteries hold {len(units):,} {what}, more than the limit "
                    f"of {most:,} (more than any defence fields): memory and run time grow with "
                    f"them", src)
        assets = AssetTable(
            name=names, kind=kinds, role=roles,
            enu=np.array(enus, float).reshape(-1, 3), value=np.array(values, float),
            hardness=np.array(hard, float), lethal_radius_m=np.array(lrad, float),
            battery=np.array(batt, int), unit=np.array(unit, int),
            radius_m=np.array(area, float),
        )

        groups: list[ThreatGroup] = []
        for gname, g in cfg.raid.items():
            gpath = f"raid.{gname}"
            if g.launch_time_s >= cfg.duration_s:
                raise ScenarioError(
                    f"{gpath}.launch_time_s", f"launch_time_s = {g.launch_time_s:g} s is not "
                    f"before the end of the scenario (duration_s = {cfg.duration_s:g} s): the "
                    f"group would never launch", src)
            tp = cat.get("threats", g.preset, f"{gpath}.preset", src)
            tp = _apply_overrides(tp, g.overrides, f"{gpath}.overrides", src)
            if g.target.asset is not None:
                if g.target.asset not in names:
                    raise ScenarioError(
                        f"{gpath}.target.asset",
                        f"names no asset: {g.target.asset!r}; assets: {', '.join(names) or 'none'}",
                        src,
                    )
                tidx = names.index(g.target.asset)
                tenu = assets.enu[tidx]
            else:
                tidx = -1
                tenu = self.point(g.target.point)
            _check_flight_fields(g, tp.kind, gpath, src)
            if tp.glide:
                raise ScenarioError(
                    f"{gpath}.preset", f"{g.preset!r} glides (glide: true): it flies only as a "
                    f"weapon released by an aircraft or helicopter preset (weapon: "
                    f"{g.preset}), not as a raid group launched from the ground", src)
            lenu = self.point(g.launch)
            route = np.array([self.point(w, default_alt_m=tp.cruise_altitude_m) for w in g.route],
                             float).reshape(-1, 3)
            ground = float(ground_distance_m(tenu, lenu, self.frame.radius_m))
            if ground > tp.max_range_m:
                raise ScenarioError(
                    f"{gpath}.launch",
                    f"launch point is {ground / 1000:.1f} km from the target, beyond the "
                    f"{g.preset} preset's max_range_m of {tp.max_range_m / 1000:.1f} km",
                    src,
                )
            spread = 3.0 * g.target.aim_spread_m  # 99% of the aim points (Rayleigh: 98.9%)
            if spread and ground + spread > tp.max_range_m:
                raise ScenarioError(
                    f"{gpath}.target.aim_spread_m",
                    f"aim_spread_m = {g.target.aim_spread_m:g} m scatters aim points beyond "
                    f"the {g.preset} preset's max_range_m: the target is {ground / 1000:.1f} km "
                    f"from the launch point, plus 3 sigma ({spread / 1000:.1f} km) is more "
                    f"than {tp.max_range_m / 1000:.1f} km", src)
            if len(route):
                legs = np.concatenate([lenu[None], route, np.asarray(tenu, float)[None]])
                flown = float(ground_distance_m(legs[:-1], legs[1:], self.frame.radius_m).sum())
                if flown > tp.max_range_m:
                    raise ScenarioError(
                        f"{gpath}.route",
                        f"the route from launch through {len(route)} waypoint(s) to the target "
                        f"is {flown / 1000:.1f} km, beyond the {g.preset} preset's max_range_m "
                        f"of {tp.max_range_m / 1000:.1f} km", src)
            wp = None
            if tp.weapon is not None:
                wp = _weapon_preset(cat, tp, g, gpath, lenu, route, tenu, self.frame.radius_m,
                                    src)
            if ground < 1.0 and tp.kind != "helicopter":
                raise ScenarioError(f"{gpath}.launch", "launch point coincides with the target "
                                    "(ground range 0 m)", src)
            groups.append(
                ThreatGroup(
                    name=gname, preset_name=g.preset, preset=tp, count=g.count, launch_enu=lenu,
                    target_enu=np.asarray(tenu, float), target_asset=tidx,
                    aim_spread_m=g.target.aim_spread_m, launch_time_s=g.launch_time_s,
                    salvo_interval_s=g.salvo_interval_s, launch_jitter_s=g.launch_jitter_s,
                    route_enu=route, route_jitter_m=g.route_jitter_m, depressed=g.depressed,
                    leg_speed_mps=None if g.leg_speed_mps is None else np.array(g.leg_speed_mps),
                    loiter_s=g.loiter_s, weapon_preset=wp,
                )
            )
        total = sum(g.count * (1 + (g.preset.weapon_count if g.weapon_preset else 0))
                    for g in groups)
        if total > MAX_RAID_THREATS:
            sizes = ", ".join(f"{g.name}: {g.count:,}"
                              + (f" x (1 + {g.preset.weapon_count})" if g.weapon_preset else "")
                              for g in groups)
            raise ScenarioError(
                "raid", f"the raid holds {total:,} threats ({sizes}; a platform counts with the "
                f"munitions it releases), more than the limit of {MAX_RAID_THREATS:,}: memory "
                f"and run time grow with it", src)
        return assets, sensors, launchers, batteries, groups

    def _default_fire_control(self, bu: BatteryUnit, sensors: list[SensorUnit]) -> int:
        # Prefer a dedicated fire-control radar, then a multifunction radar with guidance channels.
        cand = [i for i in bu.sensors if sensors[i].preset.guidance_channels > 0]
        fc = [i for i in cand if sensors[i].preset.role == "fire_control"]
        if fc:
            return fc[0]
        if cand:
            return cand[0]
        return bu.sensors[0]


def scenario_from_dict(
    data: dict, source: str | None = None, lines: dict | None = None, base_dir: Path | None = None
) -> Scenario:
    """Validate and resolve a scenario given as a dict (e.g. parsed YAML).

    Parameters
    ----------
    data : dict
        The scenario, as in a scenario file.
    source : str, optional
        Name used in error messages.
    lines : dict, optional
        Line number (1-based) of each key path of the source file, ``{(key, ...): line}``
        (what :func:`airdefense.scenario.edit.read_raw` returns for a YAML file), so an
        error names its line. Default None: no line numbers.
    base_dir : Path, optional
        Directory that relative paths in the scenario (``catalog`` files, the ``terrain``
        grid) are taken from. Default None: the current directory.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        With the field path, the value and the rule.
    """
    from airdefense.scenario.edit import _SCENARIO_KEYS

    top_level_mapping(data, "scenario", source, _SCENARIO_KEYS)
    try:
        cfg = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        raise pydantic_to_scenario_error(exc, source, lines=lines,
                                         model=ScenarioConfig) from None
    base = base_dir or Path(".")
    extra = [p if Path(p).is_absolute() else str(base / p) for p in cfg.catalog]
    try:
        catalog = load_catalog(extra)
    except ScenarioError as exc:
        if exc.source is not None:  # an error inside a catalog file names that file
            raise
        # A missing catalog file: the scenario's field (catalog[i]) and its line.
        raise with_line(ScenarioError(exc.path, exc.message, source), lines) from None
    try:
        assets, sensors, launchers, batteries, groups = _Resolver(cfg, catalog, source).run()
    except ScenarioError as exc:
        raise with_line(exc, lines) from None
    frame = Frame(cfg.origin.lat_deg, cfg.origin.lon_deg, cfg.origin.alt_m)
    sc = Scenario(
        config=cfg, source=source, frame=frame, catalog=catalog, assets=assets, sensors=sensors,
        launchers=launchers, batteries=batteries, groups=groups, raw=copy.deepcopy(data),
    )
    if cfg.terrain is not None:
        try:
            sc.terrain = _load_terrain(cfg.terrain.file, base, frame, source)
            _check_terrain_overlap(sc)
        except ScenarioError as exc:
            raise with_line(exc, lines) from None
    if cfg.wind is not None:
        # Wind blowing FROM a bearing moves air toward the opposite bearing.
        b = np.radians(cfg.wind.from_deg)
        sc.wind_enu_mps = -cfg.wind.speed_mps * np.array([np.sin(b), np.cos(b)])
    # The flight models' checks (turns, wind, ballistic reach) run here once, on each group's
    # nominal geometry, so a scenario that cannot fly is refused at load with its line.
    check_heights(sc, lines)
    check_flights(sc, lines)
    return sc


def _check_terrain_overlap(sc: Scenario) -> None:
    """Refuse a terrain grid that covers none of the scenario's area (the box around its
    assets, batteries, launch points, waypoints and targets, origin included): a wrong
    georeference, which would otherwise leave the terrain silently without effect."""
    from airdefense.geo import sphere_coords

    pts = [np.zeros((1, 3)), sc.assets.enu]
    for g in sc.groups:
        pts += [g.launch_enu[None], g.target_enu[None], g.route_enu]
    arc = sphere_coords(np.concatenate(pts), sc.frame.radius_m)
    e0, e1 = float(arc[:, 0].min()), float(arc[:, 0].max())
    n0, n1 = float(arc[:, 1].min()), float(arc[:, 1].max())
    te0, te1, tn0, tn1 = sc.terrain.extent_m()
    if te1 < e0 or te0 > e1 or tn1 < n0 or tn0 > n1:
        raise ScenarioError(
            "terrain.file",
            f"the grid {sc.terrain.source} covers east {te0 / 1000:.1f} to {te1 / 1000:.1f} km "
            f"and north {tn0 / 1000:.1f} to {tn1 / 1000:.1f} km of the origin, but the "
            f"scenario's points lie within east {e0 / 1000:.1f} to {e1 / 1000:.1f} km and north "
            f"{n0 / 1000:.1f} to {n1 / 1000:.1f} km: no overlap, so the terrain would have no "
            f"effect (check the georeference: local offsets are from the scenario origin, m)",
            sc.source)


def _load_terrain(file: str, base: Path, frame: Frame, source: str | None):
    try:
        from airdefense.terrain import load_terrain
    except ImportError:  # pragma: no cover - terrain support arrives with the radar issue
        raise ScenarioError("terrain.file", "terrain grids are not supported by this build",
                            source) from None
    from airdefense.errors import InputFileError

    path = Path(file) if Path(file).is_absolute() else base / file
    try:
        return load_terrain(path, frame)
    except InputFileError as exc:
        if exc.message.endswith("not found"):  # the scenario's field is what to fix
            raise ScenarioError("terrain.file", f"{exc.message}: {exc.source!r}",
                                source) from None
        raise


def load_scenario(source: str | Path | dict, *, seed: int | None = None) -> Scenario:
    """Load a scenario from a YAML file or a dict.

    Parameters
    ----------
    source : path or dict
        A scenario file (YAML) or an already-parsed mapping.
    seed : int, optional
        Replaces the scenario's seed.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        For a malformed scenario; the message gives the file, the field path, the value and the
        rule (and the line for YAML files).

    Examples
    --------
    >>> sc = load_scenario("examples/02_layered_city.yaml")  # doctest: +SKIP
    """
    from airdefense.scenario.edit import read_raw

    if not isinstance(source, str | Path | dict):
        raise ScenarioError("", f"load_scenario needs a scenario file (str or Path) or a mapping "
                                f"(dict), got {type(source).__name__}")
    data, src, lines, base_dir = read_raw(source)
    if seed is not None:
        data["seed"] = seed
    return scenario_from_dict(data, src, lines, base_dir=base_dir)
