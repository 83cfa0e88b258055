"""Stand-off platforms in a run: shot down on their way home, returned, and the counts."""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airdefense import load_scenario, simulate
from tests.simulation.test_invariants import check_invariants

# A fighter ingresses over a Tor at 12 km (above its 10 km ceiling), releases 40 km from the
# city, and flies home over the Tor at its 5 km cruise height: the Tor covers the egress only.
EGRESS_ONLY = {
    "name": "egress-shot", "origin": {"lat_deg": 50.0, "lon_deg": 30.0, "alt_m": 100},
    "duration_s": 1600, "step_s": 1.0, "tracking": "truth",
    "assets": {"city": {"kind": "city_district", "position": {"bearing_deg": 0, "range_m": 0},
                        "value": 1e9, "radius_m": 1000}},
    "batteries": {"tor": {"position": {"bearing_deg": 90, "range_m": 105000},
                          "sensors": {"preset": "tor_m2_radar", "name": "radar"},
                          "launchers": {"preset": "tor_m2_tlar", "count": 1}}},
    "raid": {"jets": {"preset": "fighter", "count": 1,
                      "launch": {"bearing_deg": 90, "range_m": 150000},
                      "route": [{"bearing_deg": 90, "range_m": 100000, "alt_m": 12000}],
                      "target": {"asset": "city"},
                      "overrides": {"cruise_altitude_m": 5000, "release_range_m": 40000}}},
}


def test_a_platform_is_shot_down_on_its_way_home():
    """With a SAM that covers only the egress, the fighter releases both bombs, then is shot
    down after its release: it costs its unit cost, and its bombs were released, not
    cancelled."""
    sc = load_scenario(EGRESS_ONLY)
    res = simulate(sc, seed=0)
    check_invariants(res, sc)
    th = res.threats
    jet = th.iloc[0]
    assert jet.state == "intercepted" and jet.end_time_s > jet.release_time_s + 60.0
    fires = res.events[res.events.kind == "fire"]
    assert len(fires) and (fires.time_s > jet.release_time_s).all()
    assert (th.state[th.parent == 0] != "not_launched").all()
    s = res.summary
    assert (s["munitions_released"], s["munitions_cancelled"], s["platforms_returned"]) == (
        2, 0, 0)
    assert s["attack_cost"] == 50e6 + 2 * 30e3


def test_an_undefended_platform_returns_and_costs_only_its_release():
    """With no defence the fighter flies home and ends returned at its truth end of flight;
    the attacker spent only its two bombs."""
    d = copy.deepcopy(EGRESS_ONLY)
    d["batteries"] = {}
    sc = load_scenario(d)
    res = simulate(sc, seed=0)
    check_invariants(res, sc)
    th = res.threats
    assert th.state.tolist() == ["returned", "impacted", "impacted"]
    assert th.attack_cost.tolist() == [0.0, 30e3, 30e3]
    assert res.summary["attack_cost"] == 60e3 and res.summary["platforms_returned"] == 1
    assert "platforms returned home:      1" in res.summary_table()
    assert "munitions released:           2 (cancelled, platform shot down first: 0)" in (
        res.summary_table())


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(1, 3), weapons=st.integers(1, 3),
       release_km=st.floats(15.0, 60.0), hawk_km=st.floats(20.0, 70.0),
       seed=st.integers(0, 2**31))
def test_every_platform_and_munition_ends_once(count, weapons, release_km, hawk_km, seed):
    """Over release ranges, weapon counts and SAM positions, every threat ends in exactly one
    state; munitions released + cancelled = weapon_count for each platform that reached its
    release or was shot down before it, and exactly those of the platforms shot down before
    their release are cancelled."""
    d = copy.deepcopy(EGRESS_ONLY)
    d["duration_s"] = 1000
    d["batteries"] = {"hawk": {
        "position": {"bearing_deg": 90, "range_m": hawk_km * 1000},
        "sensors": [{"preset": "hawk_par", "name": "par"}, {"preset": "hawk_hpi", "name": "hpi"}],
        "launchers": {"preset": "hawk_m192", "count": 1, "fire_control": "hpi"}}}
    d["raid"]["jets"].update(count=count, salvo_interval_s=20, route=[],
                             launch={"bearing_deg": 90, "range_m": 100000},
                             overrides={"weapon_count": weapons, "cruise_altitude_m": 5000,
                                        "release_range_m": release_km * 1000})
    sc = load_scenario(d)
    res = simulate(sc, seed=seed)
    check_invariants(res, sc)
    th = res.threats
    jets = th[th.parent < 0]
    kids = th[th.parent >= 0]
    assert len(jets) == count and len(kids) == count * weapons
    early = (jets.state == "intercepted") & (jets.end_time_s <= jets.release_time_s)
    reached = ~early & (jets.release_time_s < sc.config.duration_s)
    s = res.summary
    assert s["munitions_released"] + s["munitions_cancelled"] == weapons * int(
        (early | reached).sum())
    assert s["munitions_cancelled"] == weapons * int(early.sum())
    cancelled = kids.parent.isin(jets.threat_id[early])
    assert (kids.state[cancelled] == "not_launched").all()
    assert np.isin(jets.state, ["intercepted", "returned", "airborne"]).all()


def test_the_control_unit_knows_the_warheads_of_released_munitions():
    """The class lethal radius the control unit values tracks with includes the platform's
    munitions (the fighter's glide bombs are the raid's only cruise-class threats)."""
    from airdefense.c2.evaluation import DEFAULT_LETHAL_RADIUS_M
    from airdefense.simulation.loop import _Run

    sc = load_scenario(EGRESS_ONLY)
    (g,) = sc.groups
    bomb = g.weapon_preset
    assert bomb.kind == "cruise" and bomb.lethal_radius_m != DEFAULT_LETHAL_RADIUS_M["cruise"]
    run = _Run(sc, 0, "truth", None)
    assert run.lethal_radius == {g.preset.kind: g.preset.lethal_radius_m,
                                 "cruise": bomb.lethal_radius_m}
