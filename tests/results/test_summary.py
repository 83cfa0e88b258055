"""Summary tables per threat type and per interceptor type against pandas' groupby."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario, simulate
from airdefense.results.summary import summarize

EXAMPLE_1 = Path(__file__).resolve().parents[2] / "examples" / "01_drone_wave.yaml"
STATES = ["intercepted", "impacted", "completed", "returned", "airborne", "not_launched"]


@pytest.fixture(scope="module")
def run():
    sc = load_scenario(EXAMPLE_1)
    res = simulate(sc, seed=1, tracking="truth")
    from airdefense.threats import build_threats

    return sc, res, build_threats(sc, np.random.default_rng(0))


def _reference(threats, interceptors):
    """The tables as pandas groupby statements."""
    launched = threats[threats.state != "not_launched"]
    by_type = (
        launched.assign(intercepted=launched.state.eq("intercepted"),
                        leaked=launched.state.eq("impacted"),
                        other=~launched.state.isin(["intercepted", "impacted"]))
        .groupby(["kind", "preset"], observed=True)
        .agg(launched=("threat_id", "size"), intercepted=("intercepted", "sum"),
             leaked=("leaked", "sum"), other=("other", "sum"), unit_cost=("unit_cost", "first"))
        .reset_index())
    by_icpt = (
        interceptors.assign(hit=interceptors.outcome.eq("hit"))
        .groupby("type").agg(fired=("interceptor_id", "size"), hits=("hit", "sum"),
                             cost=("unit_cost", "sum"))
        .reset_index())
    return by_type, by_icpt


_rows = st.lists(st.tuples(st.sampled_from(["drone", "cruise", "ballistic"]),
                           st.sampled_from(["shahed136", "kh101", "a", "b"]),
                           st.sampled_from(STATES), st.sampled_from([35e3, 13e6, 3e6])),
                 min_size=0, max_size=40)
_shots = st.lists(st.tuples(st.sampled_from(["pac3", "tor_9m338", "hawk_mim23"]),
                            st.sampled_from(["hit", "miss", "in_flight", "lost"])),
                  min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(_rows, _shots)
def test_tables_match_pandas_groupby(run, rows, shots):
    """Counts per (kind, preset) in key order, the first unit cost of each group, and fired,
    hits and cost per interceptor type: as pandas computes them."""
    sc, res, truth = run
    res = copy.copy(res)
    kind, preset, state, cost = (list(c) for c in zip(*rows, strict=True)) if rows else (
        [], [], [], [])
    res.threats = pd.DataFrame({"threat_id": np.arange(len(rows)), "kind": kind,
                                "preset": preset, "state": state,
                                "unit_cost": np.array(cost, float)})
    icost = {"pac3": 4e6, "tor_9m338": 7.5e5, "hawk_mim23": 2.5e5}
    res.interceptors = pd.DataFrame({
        "interceptor_id": np.arange(len(shots)), "type": [s[0] for s in shots],
        "outcome": [s[1] for s in shots], "unit_cost": [icost[s[0]] for s in shots]})
    got = summarize(res, sc, truth)
    want_type, want_icpt = _reference(res.threats, res.interceptors)
    pd.testing.assert_frame_equal(got["by_type"], want_type, check_dtype=len(want_type) > 0,
                                  check_index_type=False)
    pd.testing.assert_frame_equal(got["by_interceptor"], want_icpt)
    assert got["threats_launched"] == int(want_type.launched.sum())


@settings(max_examples=40, deadline=None)
@given(_rows, _shots, st.lists(st.booleans(), min_size=40, max_size=40))
def test_scalar_figures_match_pandas(run, rows, shots, nan_at):
    """Counts and NaN-skipping cost sums as pandas' statements give them, to the bit."""
    sc, res, truth = run
    res = copy.copy(res)
    kind, preset, state, cost = (list(c) for c in zip(*rows, strict=True)) if rows else (
        [], [], [], [])
    cost = np.where(nan_at[:len(cost)], np.nan, np.array(cost, float) / 3.0)
    res.threats = pd.DataFrame({"threat_id": np.arange(len(rows)), "kind": kind,
                                "preset": preset, "state": state, "unit_cost": cost})
    res.interceptors = pd.DataFrame({
        "interceptor_id": np.arange(len(shots)), "type": [s[0] for s in shots],
        "outcome": [s[1] for s in shots],
        "unit_cost": np.linspace(0.1, 7e6, len(shots)) / 7.0})
    got = summarize(res, sc, truth)
    launched = res.threats[res.threats.state != "not_launched"]
    assert got["threats_launched"] == len(launched)
    assert got["intercepted"] == int((launched.state == "intercepted").sum())
    assert got["leaked"] == int((launched.state == "impacted").sum())
    assert got["attack_cost"] == float(launched.unit_cost.sum())
    assert got["defence_cost"] == float(res.interceptors.unit_cost.sum())
    assert got["value_lost"] == float(res.assets.value_lost.sum())
    assert got["batteries_disabled"] == int((res.events.kind == "battery_disabled").sum())


@pytest.mark.parametrize(("x", "text"), [
    (-314_660.0, "-$314.66k"), (2.5e9, "$2.50B"), (-12.0, "-$12"), (0.0, "$0"),
    (float("inf"), "inf"),
])
def test_money_format_puts_the_sign_first(x, text):
    """Money prints with the sign before the dollar (value saved can be negative)."""
    from airdefense.results.summary import _money

    assert _money(x) == text


@pytest.mark.parametrize(("state", "reusable", "want"), [
    # expendable: spent once launched, whatever happens next
    ("intercepted", False, 10.0), ("impacted", False, 10.0), ("completed", False, 10.0),
    ("airborne", False, 10.0), ("not_launched", False, 0.0),
    # reusable platform: lost when shot down; munitions spent at release; nothing otherwise
    ("intercepted", True, 10.0), ("impacted", True, 0.5), ("completed", True, 0.5),
    ("returned", True, 0.5), ("airborne", True, 0.0), ("not_launched", True, 0.0),
])
def test_attack_cost_by_terminal_state(state, reusable, want):
    """What a threat of unit cost 10 (weapon cost 0.5) costs the attacker in each end state."""
    from airdefense.results.summary import attack_costs

    got = attack_costs(np.array([state], object), [10.0], [reusable], [0.5])
    assert got.tolist() == [want]


@settings(max_examples=40, deadline=None)
@given(_rows, st.lists(st.booleans(), min_size=40, max_size=40),
       st.lists(st.sampled_from([0.0, 2.5e5, 1e6]), min_size=40, max_size=40))
def test_attack_cost_counts_platforms_lost_and_munitions_released(run, rows, reusable,
                                                                   weapon):
    """Summary attack cost = expendables launched + reusable platforms shot down + munitions
    of the reusable platforms that reached their release (a pandas statement)."""
    sc, res, truth = run
    res = copy.copy(res)
    n = len(rows)
    kind, preset, state, cost = (list(c) for c in zip(*rows, strict=True)) if rows else (
        [], [], [], [])
    th = pd.DataFrame({"threat_id": np.arange(n), "kind": kind, "preset": preset,
                       "state": state, "unit_cost": np.array(cost, float),
                       "reusable": np.array(reusable[:n], bool),
                       "weapon_cost": np.array(weapon[:n], float)})
    res.threats = th
    got = summarize(res, sc, truth)["attack_cost"]
    exp = th[~th.reusable & (th.state != "not_launched")].unit_cost.sum()
    lost = th[th.reusable & (th.state == "intercepted")].unit_cost.sum()
    rel = th[th.reusable & th.state.isin(["impacted", "completed", "returned"])].weapon_cost.sum()
    assert got == pytest.approx(exp + lost + rel, rel=1e-12, abs=0.0)


def test_aircraft_raid_attack_cost_in_a_run():
    """A run's threat table carries each threat's attack cost, and the summary sums it: a
    fighter is spent only if shot down, each glide bomb it releases when launched (a bomb
    whose fighter is shot down first never launches); the cost-exchange ratio follows."""
    sc = load_scenario({
        "name": "aircraft-cost", "origin": {"lat_deg": 49.4, "lon_deg": 32.1, "alt_m": 100},
        "duration_s": 1200, "step_s": 1.0,
        "assets": {"city": {"kind": "city_district", "position": {"bearing_deg": 0,
                                                                   "range_m": 0},
                            "value": 1e9, "radius_m": 1000}},
        # The HAWK stands under the fighters' release point, 50 km out.
        "batteries": {"hawk": {"position": {"bearing_deg": 90, "range_m": 50000},
                               "sensors": [{"preset": "hawk_par", "name": "par"},
                                           {"preset": "hawk_hpi", "name": "hpi"}],
                               "launchers": {"preset": "hawk_m192", "count": 1,
                                             "fire_control": "hpi"}}},
        "raid": {"jets": {"preset": "fighter", "count": 4, "launch_jitter_s": 60,
                          "launch": {"bearing_deg": 90, "range_m": 150000},
                          "target": {"asset": "city"}}},
    })
    res = simulate(sc, seed=3, tracking="truth")
    th = res.threats
    jets = th.kind == "aircraft"
    bombs = th.preset == "glide_bomb"
    assert jets.sum() == 4 and bombs.sum() == 8 and (jets | bombs).all()
    assert th.reusable.eq(jets).all() and (th.weapon_cost == 0).all()
    lost = th.state == "intercepted"
    launched = th.state != "not_launched"
    want = np.where(jets, np.where(lost, 5e7, 0.0), np.where(launched, 3e4, 0.0))
    assert np.array_equal(th.attack_cost, want)
    assert (jets & lost).any() and (bombs & launched).any()  # (seed 3: 2 jets shot down)
    # A bomb launches iff its jet was not shot down before the release, and leaves then; a
    # jet that released flies home (returned) unless shot down on the way.
    jet_of = np.repeat(np.arange(4), 2)  # rows 4-11: the bombs of jets 0-3, two each
    rel = th.release_time_s.to_numpy()[:4]
    early = (lost[jets].to_numpy() & (th.end_time_s.to_numpy()[:4] <= rel))
    assert np.array_equal(launched[bombs].to_numpy(), ~early[jet_of])
    assert th.state[jets & ~lost].eq("returned").all()
    ev = res.events[res.events.kind == "launch"].set_index("threat_id")
    assert set(ev.index) == set(np.flatnonzero(launched))
    went = np.flatnonzero((bombs & launched).to_numpy())
    assert np.allclose(ev.loc[went, "time_s"].to_numpy(), rel[jet_of[went - 4]])
    # The summary counts the bombs released and those cancelled with their jet.
    assert early.any() and not early.all()
    assert res.summary["munitions_cancelled"] == 2 * early.sum()
    assert res.summary["munitions_released"] == 2 * (4 - early.sum())
    assert res.summary["platforms_returned"] == (th.state[jets] == "returned").sum()
    assert res.summary["attack_cost"] == th.attack_cost.sum()
    assert res.summary["cost_exchange"] == pytest.approx(
        th.attack_cost.sum() / res.summary["defence_cost"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["intercepted", "returned", "airborne"]),
                          st.integers(0, 3)), min_size=0, max_size=6),
       st.data())
def test_munition_counts_against_a_reference(run, platforms, data):
    """Munitions released = munitions that launched; cancelled = not launched, with their
    platform intercepted (a platform still flying at the end cancels nothing); platforms
    returned = rows ``returned``."""
    sc, res, truth = run
    rows, kids = [], []
    for i, (state, k) in enumerate(platforms):
        rows.append((state, -1))
        for _ in range(k):
            kids.append((data.draw(st.sampled_from(["impacted", "intercepted", "airborne",
                                                    "not_launched"])), i))
    allrows = rows + kids
    n = len(allrows)
    th = pd.DataFrame({
        "threat_id": np.arange(n), "kind": ["aircraft"] * len(rows) + ["cruise"] * len(kids),
        "preset": ["fighter"] * len(rows) + ["glide_bomb"] * len(kids),
        "state": [r[0] for r in allrows], "unit_cost": [5e7] * len(rows) + [3e4] * len(kids),
        "parent": np.array([r[1] for r in allrows], np.int64)})
    fake = copy.copy(res)
    fake.threats = th
    s = summarize(fake, sc, truth)
    went = sum(st_ != "not_launched" for st_, _ in kids)
    gone = sum(st_ == "not_launched" and platforms[p][0] == "intercepted" for st_, p in kids)
    assert (s["munitions_released"], s["munitions_cancelled"]) == (went, gone)
    assert s["platforms_returned"] == sum(p[0] == "returned" for p in platforms)


def test_munition_counts_without_a_parent_column(run):
    """A threats table from before munitions (no ``parent``) counts none."""
    sc, res, truth = run
    fake = copy.copy(res)
    fake.threats = res.threats.drop(columns=["parent"])
    s = summarize(fake, sc, truth)
    assert (s["munitions_released"], s["munitions_cancelled"], s["platforms_returned"]) == (
        0, 0, 0)


@pytest.mark.parametrize("example,seed", [("02_layered_city.yaml", 3),
                                          ("04_standoff_strike.yaml", 2)])
def test_a_runs_summary_is_summarize_of_its_tables(example, seed):
    """The simulation summarizes the arrays it builds its tables of; ``summarize`` of the
    result's tables (read back from pandas) gives the same figures and tables exactly
    (munitions, refused orders, disabled batteries and impacts included where they occur)."""
    from airdefense.simulation.loop import _Run

    sc = load_scenario(EXAMPLE_1.parent / example)
    r = _Run(sc, seed, "truth", None)
    res = r.run()
    again = summarize(res, sc, r.truth)
    assert again.keys() == res.summary.keys()
    for key, value in again.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(res.summary[key], value, check_exact=True)
        else:
            assert repr(res.summary[key]) == repr(value), key
    assert res.summary["leaked"] > 0 and res.summary["interceptors_fired"] > 0
