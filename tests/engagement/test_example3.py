"""Example 3: the strike on the long-range battery blinds it, idles its launchers, loses its rounds."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from airdefense._yaml import load_yaml_text
from airdefense.simulation.loop import simulate

from ..conftest import EXAMPLES


@pytest.fixture(scope="module")
def example3() -> dict:
    data, _ = load_yaml_text((EXAMPLES / "03_battery_strike.yaml").read_text(), "ex3")
    return data


def _radar_death(res):
    """When the Patriot radar stops working: its first damage or destruction, s (None: never)."""
    ev = res.events
    asset = int(np.flatnonzero(res.assets["asset"] == "patriot.radar")[0])
    dead = ev[ev["kind"].isin(["asset_damaged", "asset_destroyed"]) & (ev["asset_id"] == asset)]
    return float(dead["time_s"].iloc[0]) if len(dead) else None


def test_battery_blinded_and_idle(example3):
    """The radar's damage or destruction disables the battery; its launchers never fire
    again."""
    # (The strike does not always get through: the first seed in 0..9 where it does.)
    for seed in range(10):
        res = simulate(copy.deepcopy(example3), seed=seed)
        t_dead = _radar_death(res)
        if t_dead is not None:
            break
    else:
        pytest.fail("the Patriot radar survived seeds 0..9")
    ev = res.events
    dis = ev[(ev["kind"] == "battery_disabled") & (ev["battery_id"] == 0)]
    assert len(dis) == 1 and float(dis["time_s"].iloc[0]) == pytest.approx(t_dead)
    assert float(dis["value"].iloc[0]) == 1.0  # blind, not unarmed
    own = ev[(ev["battery_id"] == 0) & ev["kind"].isin(["fire", "assignment"])]
    assert len(own) > 0 and (own["time_s"] <= t_dead).all()


def test_radar_guided_rounds_in_flight_are_lost(example3):
    """PAC-2 (track-via-missile) rounds in flight when the radar dies are lost, none later fire."""
    d = copy.deepcopy(example3)
    # Four launchers: with two, salvos of two spent the PAC-2s early and a round was in
    # flight at the radar's death for few seeds (none in 1..30 once the MPQ-65 searched
    # below the horizontal); with four, for every seed in 1..10.
    d["batteries"]["patriot"]["launchers"] = [{"preset": "patriot_m903_pac2", "count": 4,
                                               "spacing_m": 300}]
    d["duration_s"] = 600
    del d["raid"]["drones"], d["raid"]["cruise"]
    d["raid"]["ballistic_radar"].update(launch_time_s=0, count=4, salvo_interval_s=12)
    d["raid"]["ballistic_launchers"].update(launch_time_s=5,
                                            target={"asset": "patriot.patriot_m903_pac2.0"})
    for seed in range(1, 31):
        res = simulate(d, seed=seed)
        if (res.events["kind"] == "interceptor_lost").any():
            break
    else:
        pytest.fail("no seed in 1..30 had a round in flight when the radar died")
    ev = res.events
    t_dead = _radar_death(res)
    lost = ev[ev["kind"] == "interceptor_lost"]
    assert (lost["time_s"] >= t_dead).all() and (lost["battery_id"] == 0).all()
    icpt = res.interceptors.set_index("interceptor_id")
    assert (icpt.loc[lost["interceptor_id"], "type"] == "pac2_gem").all()
    # Every PAC-2 launched before the radar died and not yet ended was lost.
    ended = ev[ev["kind"].isin(["intercept_hit", "intercept_miss"])]
    ended_before = set(ended.loc[ended["time_s"] <= t_dead, "interceptor_id"])
    flying = [i for i in icpt.index[icpt["launch_time_s"] <= t_dead] if i not in ended_before]
    assert sorted(flying) == sorted(lost["interceptor_id"])
    assert (icpt.loc[flying, "outcome"] == "lost").all()
    fires = ev[(ev["kind"] == "fire") & (ev["battery_id"] == 0)]
    assert (fires["time_s"] <= t_dead).all()
