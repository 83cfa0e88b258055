"""Launcher reloads against a plain schedule of the same shots."""

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
