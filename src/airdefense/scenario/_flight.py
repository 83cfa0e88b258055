"""Load-time check that every raid group can fly its nominal geometry.

The flight models (route turns, wind, ballistic boosts) find some impossible inputs only when
they fly a group. :func:`check_flights` flies each group's nominal geometry once when the
scenario is loaded (one threat, no launch jitter, no aim spread, no CEP scatter, no route
jitter), and the whole group once with its scatter drawn from a throwaway generator, so ``validate``, ``run`` and ``campaign`` refuse such a
scenario at load with the file, the line and the field to blame. A group whose flight fails
only with one of its ``overrides`` (or its ``leg_speed_mps``) is blamed on that field, with its
value and unit; one that fails only with its scatter says so; a ballistic group whose boost reaches no aim point is blamed on its ``launch``
(the target is shared by other groups, the launch point is the group's own).
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
from pydantic import ValidationError

from airdefense._yaml import unit_of, with_line
from airdefense.errors import ScenarioError

__all__ = ["check_flights"]

def _nominal_preset(p):
    """``p`` without CEP scatter (None stays None)."""
    if p is None or not p.cep_m:
        return p
    return p.model_copy(update={"cep_m": 0.0})


def _fly(sc, g, nominal: bool = True) -> None:
    """Fly one threat of group ``g`` on its nominal geometry (or, with ``nominal=False``, the
    whole group with its scatter drawn from a throwaway generator); raise what the models
    raise."""
    from airdefense.threats import build_threats

    one = g if not nominal else dataclasses.replace(
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
    return ScenarioError(exc.path, f"{exc.message} (the nominal geometry flies; this is one of "
                         f"the group's threats scattered by {' and '.join(given)}: keep its "
                         f"geometry clear of the limit by more than the scatter)", sc.source)


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
