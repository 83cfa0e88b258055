"""Load-time check that every raid group can fly its nominal geometry.

The flight models (route turns, wind, ballistic boosts) find some impossible inputs only when
they fly a group. :func:`check_flights` flies each group's nominal geometry once when the
scenario is loaded (one threat, no launch jitter, no aim spread, no CEP scatter, no route
jitter), and the whole group once (at least :data:`SCATTER_SAMPLES` threats) with its scatter
drawn from a throwaway generator, so ``validate``, ``run`` and ``campaign`` refuse such a
scenario at load with the file, the line and the field to blame. A group whose flight fails only with one of its ``overrides`` (or its
``leg_speed_mps``) is blamed on that field, with its value and unit; one that fails only with
its scatter says so; a ballistic group whose boost reaches no aim point is blamed on its
``launch`` (the target is shared by other groups, the launch point is the group's own).
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
from pydantic import ValidationError

from airdefense._yaml import unit_of, with_line
from airdefense.errors import ScenarioError

__all__ = ["check_flights", "check_heights", "seed_flight_error", "CEILING_M", "SCATTER_SAMPLES"]

#: Highest height above the ground (m) a threat of each class may be placed at or cruise at: a
#: little above the highest-flying members of the class (RQ-4-class drones about 18 km,
#: supersonic cruise missiles such as the Kh-22 about 27 km, MiG-25/31-class aircraft about
#: 20-24 km, helicopters about 6-7 km in service, air-launched ballistic missiles released at
#: up to about 20 km). Anything above is a mistake (a height in feet, or in km written as m).
CEILING_M = {"drone": 20_000.0, "cruise": 30_000.0, "aircraft": 25_000.0,
             "helicopter": 9_000.0, "ballistic": 25_000.0}


def _nominal_preset(p):
    """``p`` without CEP scatter (None stays None)."""
    if p is None or not p.cep_m:
        return p
    return p.model_copy(update={"cep_m": 0.0})


#: Threats of a group flown at load with their scatter (route jitter, aim spread, CEP, launch
#: jitter) drawn from a throwaway generator, at least: a geometry that fails for one draw in
#: 100 is caught with probability 1 - 0.99**256 = 92% (so that a run fails for few seeds).
SCATTER_SAMPLES = 256


def _fly(sc, g, nominal: bool = True) -> None:
    """Fly one threat of group ``g`` on its nominal geometry (or, with ``nominal=False``, the
    group's count, at least :data:`SCATTER_SAMPLES`, with their scatter drawn from a throwaway
    generator); raise what the models raise."""
    from airdefense.threats import build_threats

    one = dataclasses.replace(g, count=max(g.count, SCATTER_SAMPLES)) if not nominal else \
        dataclasses.replace(
        g, count=1, aim_spread_m=0.0, route_jitter_m=0.0, launch_jitter_s=0.0,
        preset=_nominal_preset(g.preset), weapon_preset=_nominal_preset(g.weapon_preset))
    view = SimpleNamespace(frame=sc.frame, groups=[one], terrain=sc.terrain,
                           wind_enu_mps=sc.wind_enu_mps)
    build_threats(view, np.random.default_rng(0))


def _flies(sc, g) -> bool:
    try:
        _fly(sc, g)
    except ScenarioError:
        return False
    return True


def _blame(sc, g, exc: ScenarioError) -> ScenarioError:
    """The field of group ``g`` to blame for ``exc``: an override or ``leg_speed_mps`` without
    which the group flies, else ``exc`` itself (a ballistic 'no boost' on its launch point)."""
    from airdefense.scenario.loader import _apply_overrides

    gpath = f"raid.{g.name}"
    spec = sc.config.raid[g.name]
    overrides = dict(spec.overrides or {})
    base = sc.catalog.get("threats", g.preset_name, f"{gpath}.preset")
    for key, value in overrides.items():
        rest = {k: v for k, v in overrides.items() if k != key}
        try:
            tp = _apply_overrides(base, rest, f"{gpath}.overrides", sc.source)
        except (ScenarioError, ValidationError):
            continue
        if tp.kind != g.preset.kind or (tp.weapon is None) != (g.preset.weapon is None):
            continue
        if _flies(sc, dataclasses.replace(g, preset=tp)):
            if exc.path.endswith(f".{key}") or f"{key} = " in exc.message:
                return exc  # the models' message names the override already
            unit = unit_of(key)
            return ScenarioError(
                f"{gpath}.overrides.{key}",
                f"{key} = {value!r}{f' {unit}' if unit else ''} makes this group's flight "
                f"impossible (the {g.preset_name} preset's own "
                f"{getattr(base, key, '?')!r} flies): {exc.message}", sc.source)
    if g.leg_speed_mps is not None and _flies(sc, dataclasses.replace(g, leg_speed_mps=None)):
        return ScenarioError(
            f"{gpath}.leg_speed_mps",
            f"leg speeds {list(map(float, g.leg_speed_mps))} m/s make this group's flight "
            f"impossible (it flies at the preset's own speed): {exc.message}", sc.source)
    if g.preset.kind == "ballistic" and exc.path == f"{gpath}.target":
        return ScenarioError(f"{gpath}.launch", exc.message, sc.source)
    return exc


def _blame_scatter(sc, g, exc: ScenarioError) -> ScenarioError:
    """``exc`` with a note naming the scatter of group ``g`` its nominal geometry flies without."""
    given = [f"{k} = {getattr(g, k):g} m" for k in ("route_jitter_m", "aim_spread_m")
             if getattr(g, k)]
    if not given:
        return exc
    return ScenarioError(exc.path, f"{exc.message} (the nominal geometry flies, but not every "
                         f"threat of the group scattered by {' and '.join(given)}: a run would "
                         f"fail for some seeds; keep the geometry clear of the limit by more than "
                         f"the scatter)", sc.source)


def seed_flight_error(sc, exc: ScenarioError, seed) -> ScenarioError:
    """The error of a flight that failed in a run (``exc``, raised by the flight models for the
    draws of ``seed``) although the load's check flew the group: the scenario's file, and,
    where the group has a scatter, a note that this seed's draw of it is the cause."""
    g = next((g for g in sc.groups
              if exc.path == f"raid.{g.name}" or exc.path.startswith(f"raid.{g.name}.")), None)
    given = [] if g is None else [f"{k} = {getattr(g, k):g} m"
                                  for k in ("route_jitter_m", "aim_spread_m") if getattr(g, k)]
    note = "" if not given else (
        f" (seed {seed}: a threat of the group scattered by {' and '.join(given)} cannot fly; "
        f"the nominal geometry and {SCATTER_SAMPLES} scattered threats flew at load; keep the "
        f"geometry clear of the limit by more than the scatter)")
    return ScenarioError(exc.path, f"{exc.message}{note}", exc.source or sc.source)


def _ground_m(sc, enu: np.ndarray) -> np.ndarray:
    """Ground height above the frame's sphere under ENU points (n, 3), m: the terrain where the
    scenario's grid covers the point, else the origin's level (0)."""
    terrain = sc.terrain
    if terrain is None or not hasattr(terrain, "ground_height_at"):
        return np.zeros(len(enu))
    return np.nan_to_num(terrain.ground_height_at(enu), nan=0.0)


def check_heights(sc, lines: dict | None = None) -> None:
    """Refuse raid heights below the ground or above the class's ceiling.

    A launch point or waypoint with an explicit ``alt_m`` must lie at or above the ground under
    it (the terrain where the scenario's grid covers it, else the origin's ``alt_m``) and at
    most :data:`CEILING_M` of its class above it; the preset's ``cruise_altitude_m`` (a height
    above the ground) must be within the same ceiling.

    Raises
    ------
    ScenarioError
        With the field, the value, the ground and the rule, in m.
    """
    from airdefense.geo import sphere_coords

    radius = sc.frame.radius_m
    for g in sc.groups:
        spec = sc.config.raid[g.name]
        kind = g.preset.kind
        ceiling = CEILING_M.get(kind, max(CEILING_M.values()))
        gpath = f"raid.{g.name}"
        cpath = (f"{gpath}.overrides.cruise_altitude_m"
                 if "cruise_altitude_m" in (spec.overrides or {}) else f"{gpath}.preset")
        if kind != "ballistic" and g.preset.cruise_altitude_m > ceiling:
            err = ScenarioError(cpath, f"cruise_altitude_m = {g.preset.cruise_altitude_m:g} m "
                                f"is above the {ceiling / 1000:g} km ceiling of a {kind} (a "
                                f"height above the ground, m)", sc.source)
            raise with_line(err, lines)
        points = [(f"{gpath}.launch.alt_m", "launch point", spec.launch, g.launch_enu)]
        points += [(f"{gpath}.route[{i}].alt_m", f"waypoint route[{i}]", w, g.route_enu[i])
                   for i, w in enumerate(spec.route)]
        for path, what, loc, enu in points:
            if loc.alt_m is None:
                continue
            enu = np.asarray(enu, float)[None]
            ground = float(_ground_m(sc, enu)[0])
            height = float(sphere_coords(enu, radius)[0, 2]) - ground
            ground_alt = ground + sc.frame.alt_m
            if height < -0.5:
                rule = (f"is {-height:.0f} m below the ground under it ({ground_alt:.0f} m "
                        f"above sea level{', the terrain' if ground else ', the origin'}'s "
                        f"level); alt_m is a height above sea level, not above the ground")
            elif height > ceiling:
                rule = (f"is {height / 1000:.1f} km above the ground, above the "
                        f"{ceiling / 1000:g} km ceiling of a {kind}")
            else:
                continue
            raise with_line(ScenarioError(path, f"the {what}'s alt_m = {loc.alt_m:g} m {rule}",
                                          sc.source), lines)


def check_flights(sc, lines: dict | None = None) -> None:
    """Fly each raid group of a resolved scenario once on its nominal geometry.

    Parameters
    ----------
    sc : Scenario
        A resolved scenario (terrain and wind set).
    lines : dict, optional
        Line map of the source file (:func:`airdefense._yaml.load_yaml_text`).

    Raises
    ------
    ScenarioError
        For a group that cannot fly (turn limits, wind, terrain, ballistic reach), with the
        scenario's source, the field to blame and its line.
    """
    for g in sc.groups:
        try:
            _fly(sc, g, nominal=False)
        except ScenarioError as exc:
            try:
                _fly(sc, g)
            except ScenarioError as nominal_exc:
                err = _blame(sc, g, nominal_exc)
            else:
                err = _blame_scatter(sc, g, exc)
            raise with_line(ScenarioError(err.path, err.message, sc.source), lines) from None
