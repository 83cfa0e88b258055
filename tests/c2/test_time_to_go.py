"""Rule 2's time to go: no order plans an intercept after the threat's predicted arrival."""

from __future__ import annotations

import numpy as np
import pytest
from c2_pictures import Picture, drone_wave, make_tracks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airdefense.c2 import ASSIGNERS, make_assigner


def _late(orders, pic) -> list:
    """Orders whose intercept time is after their track's predicted arrival (decision time
    plus its time to go), as (track id, intercept time - arrival time)."""
    row = {int(t): i for i, t in enumerate(pic.tracks.track_id)}
    arrive = pic.tracks.time_s + pic.evaluation["time_to_go_s"]
    return [(int(t), float(s - arrive[row[int(t)]]))
            for t, s in zip(orders.track_id, orders.intercept_time_s, strict=True)
            if s > arrive[row[int(t)]]]


@pytest.mark.parametrize("name", ASSIGNERS)
def test_no_intercept_after_the_arrival(layered, name):
    """A drone 40 m short of its closest approach to the city (time to go 0.8 s): every
    launcher's intercept comes later (the Tor's in 2.7 s), so no launcher may fire. With the
    old 5-s slack the Tor was ordered to intercept 1.9 s after the arrival."""
    pic = Picture(layered, make_tracks([[40.0, 0.0, 600.0]], [[-50.0, 0.0, 0.0]]))
    ttg = float(pic.evaluation["time_to_go_s"][0])
    assert pic.evaluation["asset"][0] == 0 and ttg == pytest.approx(0.8)
    orders = make_assigner(name).decide(*pic.args())
    assert len(orders) == 0


@pytest.mark.parametrize("name", ASSIGNERS)
def test_the_same_drone_earlier_is_engaged(layered, name):
    """The same drone 3 km out (time to go 60 s) is engaged, the intercept before its arrival:
    the rule withdraws only the late intercepts."""
    pic = Picture(layered, make_tracks([[3000.0, 0.0, 600.0]], [[-50.0, 0.0, 0.0]]))
    orders = make_assigner(name).decide(*pic.args())
    assert len(orders) > 0
    assert _late(orders, pic) == []


@pytest.mark.parametrize("name", ASSIGNERS)
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31), m=st.integers(1, 12),
       near=st.floats(50.0, 4000.0))
def test_no_order_intercepts_after_the_arrival(layered, name, seed, m, near):
    """Random waves, some drones close to the city (time to go a few seconds): no order's
    intercept comes after its track's predicted arrival."""
    rng = np.random.default_rng(seed)
    tracks = drone_wave(m, rng)
    # Bring the first drones to within ``near`` m of the city along their path.
    k = max(1, m // 2)
    d = np.linalg.norm(tracks.x[:k, :2], axis=1)
    tracks.x[:k, :2] *= (near * rng.uniform(0.5, 1.5, k) / d)[:, None]
    pic = Picture(layered, tracks)
    orders = make_assigner(name).decide(*pic.args())
    assert _late(orders, pic) == []
