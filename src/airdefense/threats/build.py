"""Turn a scenario's raid into a ThreatSet (ground truth), vectorised per raid group."""

from __future__ import annotations

import numpy as np

from airdefense.threats.base import PiecewiseLinearTrajectory, ThreatSet
from airdefense.threats.straight import straight_knots

__all__ = ["build_threats", "CEP_TO_SIGMA"]

# For a circular normal distribution, CEP = sigma * sqrt(2 ln 2) = 1.1774 sigma.
CEP_TO_SIGMA = 1.0 / np.sqrt(2.0 * np.log(2.0))


def _pad(knot_t: np.ndarray, knot_p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    extra = k - knot_t.shape[1]
    if extra <= 0:
        return knot_t, knot_p
    t = np.concatenate([knot_t, np.repeat(knot_t[:, -1:], extra, axis=1)], axis=1)
    p = np.concatenate([knot_p, np.repeat(knot_p[:, -1:], extra, axis=1)], axis=1)
    return t, p


def build_threats(scenario, rng: np.random.Generator) -> ThreatSet:
    """Draw launch times, aim points and routes, and fly every threat of the raid.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    rng : numpy.random.Generator
        Source of launch-time jitter, aim spread, impact scatter (CEP) and route jitter.

    Returns
    -------
    ThreatSet
    """
    radius = scenario.frame.radius_m
    ts, ps, cols = [], [], {k: [] for k in (
        "group", "kind", "preset", "launch", "impact", "target", "rcs", "cost", "lr", "impacts")}
    for gi, g in enumerate(scenario.groups):
        p = g.preset
        n = g.count
        launch_t = g.launch_time_s + np.arange(n) * g.salvo_interval_s
        if g.launch_jitter_s > 0:
            launch_t = launch_t + rng.uniform(0.0, g.launch_jitter_s, n)
        aim = np.repeat(g.target_enu[None], n, axis=0)
        if g.aim_spread_m > 0:
            aim[:, :2] += rng.normal(0.0, g.aim_spread_m, (n, 2))
        if p.cep_m > 0 and p.impacts:
            aim[:, :2] += rng.normal(0.0, p.cep_m * CEP_TO_SIGMA, (n, 2))
        route = np.repeat(g.route_enu[None], n, axis=0)
        if g.route_jitter_m > 0 and route.shape[1]:
            route[..., :2] += rng.normal(0.0, g.route_jitter_m, route.shape[:2] + (2,))
        launch = np.repeat(g.launch_enu[None], n, axis=0)
        if p.kind == "ballistic":
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
        cols["group"].append(np.full(n, gi))
        cols["kind"].append(np.full(n, p.kind, dtype=object))
        cols["preset"].append(np.full(n, g.preset_name, dtype=object))
        cols["launch"].append(launch_t)
        cols["impact"].append(aim if p.impacts else np.full((n, 3), np.nan))
        cols["target"].append(np.full(n, g.target_asset))
        cols["rcs"].append(np.full(n, p.rcs_m2))
        cols["cost"].append(np.full(n, p.unit_cost))
        cols["lr"].append(np.full(n, p.lethal_radius_m))
    k = max(t.shape[1] for t in ts)
    padded = [_pad(t, p, k) for t, p in zip(ts, ps, strict=True)]
    knot_t = np.concatenate([t for t, _ in padded])
    knot_p = np.concatenate([p for _, p in padded])
    n_all = knot_t.shape[0]
    return ThreatSet(
        threat_id=np.arange(n_all),
        group=np.concatenate(cols["group"]),
        kind=np.concatenate(cols["kind"]),
        preset=np.concatenate(cols["preset"]),
        launch_time_s=np.concatenate(cols["launch"]),
        end_time_s=knot_t[:, -1].copy(),
        impact_enu=np.concatenate(cols["impact"]),
        target_asset=np.concatenate(cols["target"]),
        rcs_m2=np.concatenate(cols["rcs"]),
        unit_cost=np.concatenate(cols["cost"]),
        lethal_radius_m=np.concatenate(cols["lr"]),
        trajectory=PiecewiseLinearTrajectory(knot_t, knot_p),
    )
