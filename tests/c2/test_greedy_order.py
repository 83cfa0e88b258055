"""The greedy control unit's two choices, against its documented rule (docs/c2.md):
"the most urgent track first, each to the allowed launcher that intercepts it soonest".

The right answers follow from hand-built geometry: drones flying straight at the city (at the
ENU origin) at one speed, so the nearer drone is the more urgent (time to go = range /
speed); and two batteries of the same interceptor, so the nearer one intercepts sooner
(closed-form constant-speed intercept, Zarchan 2012, ch. 2).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from c2_pictures import LAYERED, Picture, battery_alone, make_tracks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.c2 import make_assigner
from airdefense.c2._options import engagement_options

SPEED = 50.0  # m/s, every drone
ALT = 300.0  # m


def _inbound(ranges_m, bearings_deg) -> tuple[np.ndarray, np.ndarray]:
    """Drones at ``ranges_m`` from the city on ``bearings_deg`` (clockwise from north), flying
    straight at it at SPEED: positions and velocities (m, 3)."""
    r = np.asarray(ranges_m, float)
    b = np.radians(np.asarray(bearings_deg, float))
    u = np.column_stack([np.sin(b), np.cos(b), np.zeros_like(b)])  # east, north, up
    pos = u * r[:, None] + [0.0, 0.0, ALT]
    return pos, -SPEED * u


def _fired_at(orders, tracks) -> np.ndarray:
    """Rounds ordered at each track (m,)."""
    row = {int(t): i for i, t in enumerate(tracks.track_id)}
    n = np.zeros(len(tracks), int)
    for tid, k in zip(orders.track_id.tolist(), orders.rounds.tolist(), strict=True):
        n[row[tid]] += k
    return n


@pytest.fixture(scope="module")
def inner_alone():
    """The inner (Tor) battery alone, default doctrine: two launchers near (1 km, 0)."""
    return battery_alone(LAYERED, "inner")


@pytest.mark.parametrize("ranges", [
    [6000.0, 9000.0, 7500.0],  # the most urgent first in the list
    [9000.0, 7500.0, 6000.0],  # ... last
    [7500.0, 9000.0, 6000.0, 8200.0],
])
def test_scarce_rounds_go_to_the_most_urgent_tracks(inner_alone, ranges):
    """With k rounds this cycle (one per launcher, one left each), the k nearest drones get them.

    Every drone flies at the city at the same speed, so urgency (time to go) is range / speed:
    the nearest are served first whatever their order in the picture.
    """
    pos, vel = _inbound(ranges, np.linspace(80.0, 100.0, len(ranges)))
    tracks = make_tracks(pos, vel)
    pic = Picture(inner_alone, tracks)
    pic.launchers.rounds[:] = 1  # one round left on each launcher
    opt = engagement_options(*pic.args())
    assert opt.allowed.all() and (opt.pair_cap == 1).all()  # every drone could be served
    k = int(opt.cap.sum())
    assert 1 <= k < len(ranges)  # rounds are scarce
    ttg = np.asarray(ranges) / SPEED  # hand reference; the evaluation must agree on the order
    assert (np.argsort(pic.evaluation["time_to_go_s"]) == np.argsort(ttg)).all()
    fired = _fired_at(make_assigner("greedy").decide(*pic.args()), tracks)
    expected = np.zeros(len(ranges), int)
    expected[np.argsort(ttg)[:k]] = 1
    np.testing.assert_array_equal(fired, expected)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ranges=st.lists(st.sampled_from(np.arange(6000.0, 9001.0, 250.0).tolist()),
                       min_size=2, max_size=6, unique=True),
       left=st.integers(0, 1))
def test_served_tracks_are_the_most_urgent_ones(inner_alone, ranges, left):
    """Property: whatever the picture's order, the tracks fired at are the most urgent ones
    (a prefix of the range / speed order), and no more of them than rounds can be fired."""
    pos, vel = _inbound(ranges, np.linspace(85.0, 95.0, len(ranges)))
    tracks = make_tracks(pos, vel)
    pic = Picture(inner_alone, tracks)
    pic.launchers.rounds[:] = [1, left]
    opt = engagement_options(*pic.args())
    assert opt.allowed[:, 0].all()
    fired = _fired_at(make_assigner("greedy").decide(*pic.args()), tracks)
    by_urgency = fired[np.argsort(np.asarray(ranges))]
    served = int((by_urgency > 0).sum())
    assert served == min(int(opt.cap.sum()), len(ranges))
    assert (by_urgency[:served] > 0).all() and (by_urgency[served:] == 0).all()


def _two_tor_batteries(near_east_m: float, far_west_m: float):
    """Two Tor batteries, default doctrine: 'far' west of the city listed first, 'near' east
    of it second (so the soonest launchers are not the first ones)."""
    d = copy.deepcopy(LAYERED)
    tor = d["batteries"]["inner"]
    far, near = copy.deepcopy(tor), copy.deepcopy(tor)
    far["position"] = {"bearing_deg": 270, "range_m": far_west_m}
    near["position"] = {"bearing_deg": 90, "range_m": near_east_m}
    far["doctrine"] = near["doctrine"] = {}
    d["batteries"] = {"far": far, "near": near}
    return load_scenario(d)


def _constant_speed_tof(shooter, u, p, v) -> float:
    """Smallest positive root of |p + v t - s| = u t (written out here, not the package's)."""
    d = np.asarray(p, float) - np.asarray(shooter, float)
    a = v @ v - u * u
    b = 2.0 * d @ v
    c = d @ d
    roots = np.roots([a, b, c])
    roots = roots[np.isreal(roots)].real
    return float(roots[roots > 0].min())


@pytest.mark.parametrize("track_east_m", [6000.0, 7000.0])
def test_the_launcher_that_intercepts_soonest_fires(track_east_m):
    """One drone east of the city; Tor batteries 3 km east and 3 km west of it. The east
    battery's launcher meets it sooner (same interceptor, less than half the distance), so
    networked greedy orders its salvo there and nothing from the west battery."""
    sc = _two_tor_batteries(3000.0, 3000.0)
    pos, vel = _inbound([track_east_m], [90.0])
    tracks = make_tracks(pos, vel)
    pic = Picture(sc, tracks)
    L = pic.launchers
    near_battery = [b.name for b in sc.batteries].index("near")
    opt = engagement_options(*pic.args())
    assert opt.allowed.all()  # both batteries could fire: the choice is greedy's
    tof = np.array([_constant_speed_tof(L.enu[j], float(L.speed[j]), pos[0], vel[0])
                    for j in range(len(L))])
    soonest = int(np.argmin(tof))
    assert L.battery[soonest] == near_battery
    assert tof[L.battery != near_battery].min() > 1.5 * tof[soonest]  # a wide margin
    orders = make_assigner("greedy").decide(*pic.args())
    assert len(orders) >= 1
    assert set(orders.battery.tolist()) == {near_battery}
    assert soonest in orders.launcher.tolist()
