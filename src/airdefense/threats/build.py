"""Turn a scenario's raid into a ThreatSet (ground truth), vectorised per raid group.

Random draws (launch-time spread, aim spread, impact scatter with the class's CEP, route jitter)
are made here, in one place, for every flight model. Each class then flies its own model:
:mod:`~airdefense.threats.ballistic` for ballistic missiles and the route models
(:mod:`~airdefense.threats.drone`, :mod:`~airdefense.threats.cruise`,
:mod:`~airdefense.threats.aircraft`) for the others. ``model="straight"`` flies the straight-leg
baseline of :mod:`~airdefense.threats.straight` instead.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from airdefense.geo import point_above_sphere, sphere_coords
from airdefense.threats._route import break_turn_radius_m, concat_routes
from airdefense.threats.aircraft import aircraft_profile
from airdefense.threats.ballistic import build_ballistic
from airdefense.threats.base import PiecewiseLinearTrajectory, ThreatSet
from airdefense.threats.cruise import cruise_profile
from airdefense.threats.drone import drone_profile
from airdefense.threats.flight import RouteGroup, fly_route_group, release_accel_mps2
from airdefense.threats.rcs import rcs_triplet
from airdefense.threats.sampled import CompositeTrajectory
from airdefense.threats.straight import egress_knots, speed_ramp_knots, straight_knots

__all__ = ["build_threats", "CEP_TO_SIGMA", "wind_vector"]

# For a circular normal distribution, CEP = sigma * sqrt(2 ln 2) = 1.1774 sigma.
CEP_TO_SIGMA = 1.0 / np.sqrt(2.0 * np.log(2.0))

_PROFILES = {"drone": drone_profile, "cruise": cruise_profile, "aircraft": aircraft_profile,
             "helicopter": aircraft_profile}


def _pad(knot_t: np.ndarray, knot_p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    extra = k - knot_t.shape[1]
    if extra <= 0:
        return knot_t, knot_p
    t = np.concatenate([knot_t, np.repeat(knot_t[:, -1:], extra, axis=1)], axis=1)
    p = np.concatenate([knot_p, np.repeat(knot_p[:, -1:], extra, axis=1)], axis=1)
    return t, p


def wind_vector(speed_mps: float, from_deg: float) -> np.ndarray:
    """Wind velocity (east, north), m/s, of a wind blowing from ``from_deg`` (clockwise from N)."""
    b = np.radians(from_deg)
    return -speed_mps * np.array([np.sin(b), np.cos(b)])


def _draws(g, radius: float, rng: np.random.Generator):
    """Launch times, aim points and jittered routes of one group."""
    p = g.preset
    n = g.count
    launch_t = g.launch_time_s + np.arange(n) * g.salvo_interval_s
    if g.launch_jitter_s > 0:
        launch_t = launch_t + rng.uniform(0.0, g.launch_jitter_s, n)
    aim = np.repeat(g.target_enu[None], n, axis=0)
    if g.aim_spread_m > 0:
        aim[:, :2] += rng.normal(0.0, g.aim_spread_m, (n, 2))
    # A platform that releases a weapon has no impact of its own: the weapon's CEP applies.
    cep = p.cep_m > 0 and p.impacts and p.weapon is None
    if cep:
        aim[:, :2] += rng.normal(0.0, p.cep_m * CEP_TO_SIGMA, (n, 2))
    if g.aim_spread_m > 0 or cep:
        # Keep scattered aim points at the target's height over the curved earth.
        arc = sphere_coords(aim, radius)
        h = sphere_coords(g.target_enu[None], radius)[0, 2]
        aim = point_above_sphere(arc[:, 0], arc[:, 1], np.full(n, h), radius)
    route = np.repeat(g.route_enu[None], n, axis=0)
    if g.route_jitter_m > 0 and route.shape[1]:
        route[..., :2] += rng.normal(0.0, g.route_jitter_m, route.shape[:2] + (2,))
    launch = np.repeat(g.launch_enu[None], n, axis=0)
    return launch_t, aim, route, launch


def _add_rows(cols: dict, n: int, gi: int, p, preset_name: str, launch_t, impact,
              target_asset: int, parent=None) -> None:
    """Append ``n`` threats of preset ``p`` (raid group ``gi``) to the column lists ``cols``
    (the RCS triplet only where ``cols`` holds it); ``parent`` (n,): their platforms'
    rows, default none (-1)."""
    full = {"group": gi, "kind": np.array(p.kind, dtype=object),
            "preset": np.array(preset_name, dtype=object), "target": target_asset,
            "rcs": p.rcs_m2, "cost": p.unit_cost, "lr": p.lethal_radius_m,
            "reusable": p.is_reusable, "weapon_cost": p.weapon_cost}
    if "front" in cols:
        full["front"], full["side"], full["tail"] = rcs_triplet(p)
    for key, v in full.items():
        cols[key].append(np.full(n, v, dtype=getattr(v, "dtype", None)))
    cols["launch"].append(launch_t)
    cols["impact"].append(impact if p.impacts else np.full((n, 3), np.nan))
    cols["parent"].append(np.full(n, -1, np.int64) if parent is None else parent)


def _wind(p, scen_wind) -> np.ndarray:
    """Steady wind (east, north), m/s, a flight of preset ``p`` flies in: the scenario's, or
    else the preset's own."""
    return (np.asarray(scen_wind, float)[:2] if scen_wind is not None
            else wind_vector(p.wind_speed_mps, p.wind_from_deg))


def _munition_aims(g, wp, target: np.ndarray, radius: float, rng: np.random.Generator):
    """The aim points of a group's munitions, ``weapon_count`` per platform: each platform's
    aim point ``target`` (n, 3) scattered by the munition preset ``wp``'s CEP."""
    aim = np.repeat(target, g.preset.weapon_count, axis=0)
    if wp.cep_m > 0 and wp.impacts:
        arc = sphere_coords(aim, radius)
        arc[:, :2] += rng.normal(0.0, wp.cep_m * CEP_TO_SIGMA, (aim.shape[0], 2))
        aim = point_above_sphere(arc[:, 0], arc[:, 1], arc[:, 2], radius)
    return aim


def _release_points(aim: np.ndarray, route: np.ndarray, launch: np.ndarray, range_m: float,
                    radius: float) -> np.ndarray:
    """Points ``range_m`` of ground distance short of ``aim`` (n, 3) along each last leg (from
    the last waypoint of ``route`` (n, r, 3), or ``launch`` (n, 3)), at the aim's height, ENU m.
    """
    start = route[:, -1] if route.shape[1] else launch
    a = sphere_coords(aim, radius)
    b = sphere_coords(start, radius)
    d = a[:, :2] - b[:, :2]
    leg = np.linalg.norm(d, axis=1)
    # A jittered leg shorter than the release range releases at its start (the load checks
    # the nominal leg).
    back = np.minimum(range_m, leg) / np.maximum(leg, 1e-9)
    xy = a[:, :2] - d * back[:, None]
    return point_above_sphere(xy[:, 0], xy[:, 1], a[:, 2], radius)


def _glide_preset(wp, release: np.ndarray, aim: np.ndarray, range_m: float, radius: float):
    """``wp`` itself, or for a ``glide`` preset a copy that flies the group's glide: cruise at
    the mean release height over the aim (the physical model holds each munition's own release
    height instead, so it does not climb or sink after its release), dive at the slope that
    reaches the aim from 90% of the release range (a short level run after the release, the
    kit's wings deploying), no terrain following."""
    if not wp.glide:
        return wp
    drop = float(np.mean(sphere_coords(release, radius)[:, 2] - sphere_coords(aim, radius)[:, 2]))
    drop = max(drop, 1.0)
    slope = float(np.degrees(np.arctan2(drop, 0.9 * max(range_m, 1.0))))
    return wp.model_copy(update={"cruise_altitude_m": drop, "dive_angle_deg": min(slope, 89.0),
                                 "terminal_dive": True, "terrain_following": False,
                                 "popup_height_m": None})


def _egresses(p) -> bool:
    """Whether a platform of preset ``p`` turns and flies home after its release: a reusable
    platform that releases a ``weapon``. One without a weapon stands for its own weapon's
    delivery (its impact is the threat's), so its flight ends at its aim as before."""
    return p.weapon is not None and p.is_reusable


def _munitions(g, wp, parent_rows: np.ndarray, traj, aim: np.ndarray, wind, wind_field,
               radius: float, terrain, frame_alt: float, rng: np.random.Generator):
    """The munitions a group's platforms release: ``weapon_count`` each, launched at the
    platform's release (its release point and time), at the platform's ground speed there
    (then changing to their own at :func:`release_accel_mps2`), and flown to the platform's
    aim point scattered by the munition's CEP. Returns (parent rows, launch times, aim
    points, trajectory)."""
    p = g.preset
    k = p.weapon_count
    n = parent_rows.size
    t_rel = traj.t_release
    ends = traj.states_many(t_rel)[np.arange(n), np.arange(n), :3]
    v0 = np.array([np.linalg.norm(traj.path(t, [i])[2][0]) for i, t in enumerate(t_rel)])
    wp = _glide_preset(wp, ends, aim, p.release_range_m, radius)
    launch = np.repeat(ends, k, axis=0)
    launch_t = np.repeat(t_rel, k)
    target = _munition_aims(g, wp, aim, radius, rng)
    m = n * k
    rg = RouteGroup(
        name=g.name, preset_name=p.weapon, preset=wp, launch=launch, aim=target,
        route=np.zeros((m, 0, 3)), nominal_route=np.zeros((0, 3)), nominal_aim=g.target_enu,
        launch_t=launch_t, leg_speed_mps=None, loiter_s=0.0, wind_enu_mps=wind,
        wind_field=wind_field, field=f"raid.{g.name}.preset",
        label=f"the {p.weapon} munitions released by raid group {g.name!r}",
        initial_speed_mps=np.repeat(v0, k), hold_launch_height=bool(wp.glide),
    )
    wtraj = fly_route_group(rg, _PROFILES[wp.kind](wp), radius, terrain, frame_alt)
    return np.repeat(parent_rows, k), launch_t, target, wtraj


def build_threats(
    scenario, rng: np.random.Generator, *, model: Literal["physical", "straight"] = "physical"
) -> ThreatSet:
    """Draw launch times, aim points and routes, and fly every threat of the raid.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario. Its ``terrain`` (if any) is used for terrain-following.
    rng : numpy.random.Generator
        Source of launch-time jitter, aim spread, impact scatter (CEP), route jitter and the
        ballistic terminal weave.
    model : {"physical", "straight"}, default "physical"
        The flight models of each class, or the straight-leg baseline.

    Returns
    -------
    ThreatSet

    Raises
    ------
    ScenarioError
        For a route that cannot be flown (turn limits, terrain, wind), or a ballistic target
        beyond the class's maximum range; the message names the raid group and the field.
    """
    radius = scenario.frame.radius_m
    if model == "straight":
        return _build_straight(scenario, rng)
    cols = {k: [] for k in ("group", "kind", "preset", "launch", "impact", "target", "rcs",
                            "cost", "lr", "front", "side", "tail", "parent", "reusable",
                            "weapon_cost")}
    ball, routes, carriers = [], [], []
    offset = 0
    terrain = getattr(scenario, "terrain", None)
    if terrain is not None and not hasattr(terrain, "elevation_m"):
        terrain = None
    frame_alt = float(getattr(scenario.frame, "alt_m", 0.0))
    scen_wind = getattr(scenario, "wind_enu_mps", None)
    for gi, g in enumerate(scenario.groups):
        p = g.preset
        n = g.count
        launch_t, aim, route, launch = _draws(g, radius, rng)
        rows = np.arange(offset, offset + n)
        offset += n
        if p.kind == "ballistic":
            ground = float(np.linalg.norm(
                sphere_coords(g.target_enu[None], radius)[0, :2]
                - sphere_coords(g.launch_enu[None], radius)[0, :2]))
            # The aim's scatter (sigma per axis, m) bounds the nominal solutions kept as the
            # shooting's first guess (see ballistic._warm_table).
            sigma = float(np.hypot(g.aim_spread_m, p.cep_m * CEP_TO_SIGMA
                                   if p.cep_m > 0 and p.impacts else 0.0))
            ball.append((rows, dict(name=g.name, preset_name=g.preset_name, preset=p,
                                    depressed=g.depressed, launch=launch, aim=aim,
                                    launch_t=launch_t, nominal_range_m=ground,
                                    nominal_launch=g.launch_enu, nominal_aim=g.target_enu,
                                    aim_sigma_m=sigma)))
        else:
            wind = _wind(p, scen_wind)
            loiter = getattr(g, "loiter_s", None)
            fly_to = aim
            if p.weapon is not None:  # the flight ends at the release point
                fly_to = _release_points(aim, route, launch, p.release_range_m, radius)
            rg = RouteGroup(
                name=g.name, preset_name=g.preset_name, preset=p, launch=launch, aim=fly_to,
                route=route, nominal_route=g.route_enu, nominal_aim=g.target_enu,
                launch_t=launch_t, leg_speed_mps=getattr(g, "leg_speed_mps", None),
                loiter_s=float(p.loiter_s if loiter is None else loiter), wind_enu_mps=wind,
                wind_field=None if scen_wind is None else "wind.speed_mps",
                egress=_egresses(p),
            )
            traj = fly_route_group(rg, _PROFILES[p.kind](p), radius, terrain, frame_alt)
            routes.append((rows, traj))
            if p.weapon is not None:
                carriers.append((g, gi, rows, traj, aim, rg.wind_field))
            if p.weapon is not None:
                aim = np.full((n, 3), np.nan)
        _add_rows(cols, n, gi, p, g.preset_name, launch_t, aim, g.target_asset)
    # Munitions released by platforms: threats of their own, after every raid group's rows
    # (their draws come after the groups', so a raid without them draws as before).
    for g, gi, rows, traj, aim, wind_field in carriers:
        wp = g.weapon_preset
        par, w_t, w_aim, w_traj = _munitions(g, wp, rows, traj, aim, _wind(wp, scen_wind),
                                             wind_field, radius, terrain, frame_alt, rng)
        m = par.size
        routes.append((np.arange(offset, offset + m), w_traj))
        offset += m
        _add_rows(cols, m, gi, wp, g.preset.weapon, w_t, w_aim, g.target_asset, par)
    n_all = offset
    end = np.zeros(n_all)
    release = np.zeros(n_all)
    egress = np.zeros(n_all, bool)
    for g, _, rows, _, _, _ in carriers:
        egress[rows] = _egresses(g.preset)
    impact = np.concatenate(cols["impact"])
    parts = []
    if ball:
        b_rows = np.concatenate([r for r, _ in ball])
        traj, b_end, b_imp = build_ballistic([d for _, d in ball], radius, rng)
        end[b_rows] = b_end
        release[b_rows] = b_end
        impact[b_rows] = b_imp
        parts.append((b_rows, traj))
    if routes:
        r_rows = np.concatenate([r for r, _ in routes])
        traj = concat_routes([t for _, t in routes])
        end[r_rows] = traj.t1
        release[r_rows] = traj.t_release
        parts.append((r_rows, traj))
    cat = {k: np.concatenate(v) for k, v in cols.items() if k != "impact"}
    trajectory = CompositeTrajectory(n_all, parts, cat["front"], cat["side"], cat["tail"])
    return ThreatSet(
        threat_id=np.arange(n_all), group=cat["group"], kind=cat["kind"], preset=cat["preset"],
        launch_time_s=cat["launch"], end_time_s=end, impact_enu=impact,
        target_asset=cat["target"], rcs_m2=cat["rcs"], unit_cost=cat["cost"],
        lethal_radius_m=cat["lr"], trajectory=trajectory, parent=cat["parent"],
        reusable=cat["reusable"].astype(bool), weapon_cost=cat["weapon_cost"].astype(float),
        release_time_s=release, egress=egress,
    )


def _build_straight(scenario, rng: np.random.Generator) -> ThreatSet:
    """The straight-leg baseline (constant speed between waypoints)."""
    radius = scenario.frame.radius_m
    ts, ps, cols = [], [], {k: [] for k in (
        "group", "kind", "preset", "launch", "impact", "target", "rcs", "cost", "lr",
        "reusable", "weapon_cost", "parent")}
    carriers, release_parts = [], []
    offset = 0
    for gi, g in enumerate(scenario.groups):
        p = g.preset
        n = g.count
        launch_t, aim, route, launch = _draws(g, radius, rng)
        if p.weapon is not None:  # level at the release point, then (reusable) home
            target = aim
            aim = _release_points(aim, route, launch, p.release_range_m, radius)
            kt, kp = straight_knots(launch, aim, route, launch_t, p.speed_mps,
                                    p.cruise_altitude_m, None, radius)
            rel_t, rel_p = kt[:, -1].copy(), kp[:, -1].copy()
            v0 = np.linalg.norm(kp[:, -1] - kp[:, -2], axis=1) / (kt[:, -1] - kt[:, -2])
            carriers.append((g, gi, np.arange(offset, offset + n), rel_t, rel_p, target, v0))
            if _egresses(p):
                kt, kp = egress_knots(kt, kp, route, launch, p.speed_mps, float(
                    break_turn_radius_m(p.speed_mps, p.max_g, p.bank_limit_deg)),
                    p.cruise_altitude_m, radius)
                release_parts.append((np.arange(offset, offset + n), rel_t))
            aim = np.full((n, 3), np.nan)
        elif p.kind == "ballistic":
            ground = np.linalg.norm(aim[:, :2] - launch[:, :2], axis=1).mean()
            apogee = p.apogee_m if p.apogee_m else 0.25 * ground
            if g.depressed:
                apogee = 0.5 * apogee
            kt, kp = straight_knots(launch, aim, route[:, :0], launch_t, p.speed_mps, 0.0, None,
                                    radius, apogee_m=apogee)
        else:
            dive = p.dive_angle_deg if (p.terminal_dive and p.impacts) else None
            if not p.terminal_dive and p.impacts:
                dive = 89.0  # weapon release over the aim point, abstracted as a vertical drop
            kt, kp = straight_knots(launch, aim, route, launch_t, p.speed_mps,
                                    p.cruise_altitude_m, dive, radius)
        ts.append(kt)
        ps.append(kp)
        _add_rows(cols, n, gi, p, g.preset_name, launch_t, aim, g.target_asset)
        offset += n
    for g, gi, rows, end_t, end_pos, target, v0 in carriers:  # munitions, as in the physical model
        wp = _glide_preset(g.weapon_preset, end_pos, target, g.preset.release_range_m, radius)
        k = g.preset.weapon_count
        m = rows.size * k
        aim = _munition_aims(g, wp, target, radius, rng)
        dive = wp.dive_angle_deg if (wp.terminal_dive and wp.impacts) else None
        w_t = np.repeat(end_t, k)
        kt, kp = straight_knots(np.repeat(end_pos, k, axis=0), aim, np.zeros((m, 0, 3)), w_t,
                                wp.speed_mps, wp.cruise_altitude_m, dive, radius)
        # From the platform's speed at the release to the munition's own.
        kt, kp = speed_ramp_knots(kt, kp, np.repeat(v0, k), release_accel_mps2(wp))
        ts.append(kt)
        ps.append(kp)
        _add_rows(cols, m, gi, wp, g.preset.weapon, w_t, aim, g.target_asset,
                  np.repeat(rows, k))
    k = max(t.shape[1] for t in ts)
    padded = [_pad(t, p, k) for t, p in zip(ts, ps, strict=True)]
    knot_t = np.concatenate([t for t, _ in padded])
    knot_p = np.concatenate([p for _, p in padded])
    n_all = knot_t.shape[0]
    end = knot_t[:, -1].copy()
    release = end.copy()
    egress = np.zeros(n_all, bool)
    for rows, rel_t in release_parts:
        release[rows] = rel_t
        egress[rows] = True
    return ThreatSet(
        threat_id=np.arange(n_all),
        group=np.concatenate(cols["group"]),
        kind=np.concatenate(cols["kind"]),
        preset=np.concatenate(cols["preset"]),
        launch_time_s=np.concatenate(cols["launch"]),
        end_time_s=end,
        impact_enu=np.concatenate(cols["impact"]),
        target_asset=np.concatenate(cols["target"]),
        rcs_m2=np.concatenate(cols["rcs"]),
        unit_cost=np.concatenate(cols["cost"]),
        lethal_radius_m=np.concatenate(cols["lr"]),
        trajectory=PiecewiseLinearTrajectory(knot_t, knot_p),
        reusable=np.concatenate(cols["reusable"]),
        weapon_cost=np.concatenate(cols["weapon_cost"]),
        parent=np.concatenate(cols["parent"]),
        release_time_s=release, egress=egress,
    )
