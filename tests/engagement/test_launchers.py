"""Launcher reloads against a plain schedule of the same shots; reload stock and losses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog

EXAMPLE_2 = Path(__file__).resolve().parents[2] / "examples" / "02_layered_city.yaml"
_SC = load_scenario(EXAMPLE_2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(1, 4), st.floats(0.0, 900.0)),
                max_size=40))
def test_reloads_follow_the_schedule(shots):
    """A launcher emptied at t reloads at t + its reload time, on the first update at or after
    it, and never before; the updates between report nothing (example 2's launchers)."""
    L = Engagement(_SC, EventLog(), np.random.default_rng(0)).launchers
    rounds = L.capacity.copy()
    due = np.full(len(L), np.inf)
    t = 0.0
    for j, n, dt in shots:
        t += dt
        got = L.update(t)
        want = np.flatnonzero(due <= t)
        np.testing.assert_array_equal(got, want)
        rounds[want] = L.capacity[want]
        due[want] = np.inf
        n = min(n, int(rounds[j]))
        if n == 0:
            continue
        L.fire(j, n, t)
        rounds[j] -= n
        if rounds[j] == 0:
            due[j] = t + L.reload_s[j]
        np.testing.assert_array_equal(L.rounds, rounds)


def test_reload_stock_runs_out_and_a_destroyed_launcher_gets_none():
    """A launcher reloads as often as its stock allows (``reloads``), and one destroyed before
    its reload is due gets nothing."""
    import copy

    sc = copy.deepcopy(_SC)
    for u in sc.launchers:
        u.reloads = 1.0
    L = Engagement(sc, EventLog(), np.random.default_rng(0)).launchers
    j, k = 0, 1
    for t in (0.0, 1000.0):
        L.fire(j, int(L.rounds[j]), t)
        assert L.rounds[j] == 0
        L.update(t + L.reload_s[j])
    assert L.rounds[j] == 0 and L.reloads_left[j] == 0 and L.loads[j] == 2  # one reload only
    L.fire(k, int(L.rounds[k]), 0.0)
    L.operational[k] = False
    assert L.update(L.reload_s[k]).tolist() == []
    assert L.rounds[k] == 0 and L.reloads_left[k] == 1


def test_reloads_key_reaches_the_launchers(small_scenario_dict):
    """The scenario's launchers.reloads sets each launcher's stock; unset is unlimited."""
    from airdefense.errors import ScenarioError

    assert all(np.isinf(u.reloads) for u in load_scenario(small_scenario_dict).launchers)
    small_scenario_dict["batteries"]["srb"]["launchers"]["reloads"] = 2
    assert [u.reloads for u in load_scenario(small_scenario_dict).launchers] == [2.0, 2.0]
    small_scenario_dict["batteries"]["srb"]["launchers"]["reloads"] = -1
    import pytest

    with pytest.raises(ScenarioError, match=r"launchers\[0\]\.reloads: must be >= 0, got -1"):
        load_scenario(small_scenario_dict)


def test_a_subset_is_evaluated_as_its_launchers():
    """``LauncherState.subset`` (repeats allowed) has the envelope of the launchers it names:
    its margins and its feasibility are those columns of the whole state's. Before
    2026-11-26 it lacked the flyout and the fire-control fields the envelope reads (an
    AttributeError)."""
    from airdefense.engagement.envelope import envelope_margin, feasibility

    from .conftest import flat, make_launchers

    L = make_launchers(["pac3", "tor_9m338", "hawk_mim23"],
                       positions=[[0, 0, 0], [1000, 0, 0], [0, 2000, 0]])
    idx = np.array([2, 0, 2, 1])
    S = L.subset(idx)
    assert len(S) == idx.size
    rng = np.random.default_rng(3)
    pos = rng.uniform(-20000, 20000, (5, 1, 3)) * [1, 1, 0.2] + [0, 0, 3000]
    vel = rng.normal(0, 200, (5, 1, 3))
    tof = rng.uniform(2, 40, (5, 1))
    h = pos[..., 2]

    def margin(ls):
        n = len(ls)
        return envelope_margin(ls, np.broadcast_to(pos, (5, n, 3)),
                               np.broadcast_to(vel, (5, n, 3)), np.broadcast_to(tof, (5, n)),
                               np.broadcast_to(h, (5, n)))[0]

    full, sub = margin(L), margin(S)
    np.testing.assert_array_equal(sub, full[:, idx])
    x = np.hstack([pos[:, 0], vel[:, 0]])
    a = feasibility(x, L, flat, 0.0, kind=["aircraft"] * 5)
    b = feasibility(x, S, flat, 0.0, kind=["aircraft"] * 5)
    for key in ("tof", "inside", "pk", "window_open_s", "window_close_s"):
        np.testing.assert_array_equal(b[key], a[key][:, idx])
