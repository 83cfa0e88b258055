"""A launcher's rounds of one decision cycle ripple: the k-th leaves k minimum launch intervals
after the decision, whichever tracks they go to (the capacity the control unit plans with),
and a shoot-shoot-look salvo ripples from one launcher; queued launches keep inventory,
channels and reloads, and are cancelled when their target is gone."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.c2 import ASSIGNERS, firing_capacity, make_assigner
from airdefense.c2.base import EngagementBook, Orders
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog

from ..c2.c2_pictures import LAYERED, Picture, drone_wave, make_tracks
from .test_model import _Truth

# Example 3 launchers: 4-5 Tor (command, 2-s interval) on radar 1 (4 channels).
TOR = 4


def _fly(eng: Engagement, truth: _Truth, tracks, t0: float, t1: float, dt: float = 1.0,
         alive=lambda k, t: True) -> None:
    """Fly ``eng`` over ``[t0, t1]`` in steps of ``dt`` (the picture held at ``tracks``)."""
    ok = np.ones(len(eng.sc.sensors), bool)
    for a in np.arange(t0, t1, dt):
        eng.fly(float(a), float(a + dt), truth, tracks, ok, alive=alive,
                kill=lambda k, t: None)


def _fire_times(eng: Engagement) -> list[tuple[float, int]]:
    """(time, track) of every ``fire`` event, in the order logged."""
    return [(r[0], r[4]) for r in eng.events._rows if r[1] == "fire"]


def _one_patriot(period_s: float) -> object:
    """The layered scenario's Patriot-class battery alone, one PAC-3 launcher, no doctrine."""
    d = copy.deepcopy(LAYERED)
    del d["batteries"]["inner"]
    d["batteries"]["outer"]["launchers"]["count"] = 1
    d["batteries"]["outer"]["doctrine"] = {}
    d["c2"] = {"decision_period_s": period_s}
    return load_scenario(d)


THREE_DRONES = ([[9000.0, -1500.0, 600.0], [9000.0, 0.0, 600.0], [9000.0, 1500.0, 600.0]],
                [[-50.0, 0.0, 0.0]] * 3)


@pytest.mark.parametrize("name", ASSIGNERS)
def test_a_launchers_rounds_at_three_tracks_ripple_one_interval_apart(name):
    """One launcher (2-s launch interval), 6-s decision period, three drones: every assigner
    plans floor(6 / 2) = 3 rounds for it, one per drone, and the fire control launches all
    three, at t, t + 2 and t + 4 (before, it launched the first and refused the others for the
    minimum launch interval)."""
    sc = _one_patriot(6.0)
    pic = Picture(sc, make_tracks(*THREE_DRONES))
    dt = float(pic.launchers.min_interval_s[0])
    assert dt == 2.0
    orders = make_assigner(name, decision_period_s=6.0).decide(*pic.args())
    assert orders.rounds.sum() == 3 and set(orders.launcher.tolist()) == {0}
    t = pic.tracks.time_s
    eng = pic.engagement
    fired = eng.fire(orders, t, np.zeros(3, int), pic.book, tracks=pic.tracks)
    assert fired.tolist() == orders.rounds.tolist() and eng.refused == []
    _fly(eng, _Truth(pic.tracks.x, t), pic.tracks, t, t + 6.0)
    times = _fire_times(eng)
    assert [u for u, _ in times] == [t, t + dt, t + 2 * dt]
    # In the order of the orders, one round per drone.
    assert [trk for _, trk in times] == orders.track_id.tolist()
    assert eng.table().launch_time_s.tolist() == [t, t + dt, t + 2 * dt]
    assert pic.launchers.rounds[0] == pic.launchers.capacity[0] - 3
    assert pic.launchers.last_fire_s[0] == t + 2 * dt


@pytest.mark.parametrize("name", ASSIGNERS)
@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=st.integers(1, 10), seed=st.integers(0, 2**31), period=st.sampled_from([4.0, 6.0, 9.0]),
       rounds0=st.integers(0, 4))
def test_the_fire_control_carries_out_every_planned_round(name, m, seed, period, rounds0):
    """Contract: whatever the assigner plans within the cycle capacity, the fire control
    launches it as planned: each launcher's k-th round of the cycle leaves at t + k times its
    launch interval, no order is refused, and no launcher gives more than it holds."""
    d = copy.deepcopy(LAYERED)
    d["c2"] = {"decision_period_s": period}
    for b in d["batteries"].values():
        b["doctrine"] = {}
    sc = load_scenario(d)
    rng = np.random.default_rng(seed)
    pic = Picture(sc, drone_wave(m, rng))
    L = pic.launchers
    L.rounds[0] = rounds0
    t = pic.tracks.time_s
    cap = firing_capacity(t, L, pic.channels, pic.battery_ok, sc.batteries, period)
    orders = make_assigner(name, decision_period_s=period).decide(*pic.args())
    per = np.bincount(orders.launcher, orders.rounds, minlength=len(L)).astype(int)
    assert (per <= cap).all()
    held = L.rounds.copy()
    fired = pic.engagement.fire(orders, t, np.zeros(m, int), pic.book, tracks=pic.tracks)
    assert fired.tolist() == orders.rounds.tolist(), pic.engagement.refused
    assert (L.rounds == held - per).all() and (L.rounds >= 0).all()
    _fly(pic.engagement, _Truth(pic.tracks.x, t), pic.tracks, t, t + period + 1.0)
    tab = pic.engagement.table()
    for j in range(len(L)):
        got = sorted(tab.launch_time_s[tab.launcher == j].tolist())
        assert got == [t + L.min_interval_s[j] * k for k in range(per[j])]


def _tor_alone(period_s: float, salvo: int = 2, mode: str = "shoot_shoot_look"):
    """The layered scenario's Tor-class battery alone with one launcher, shoot-shoot-look."""
    d = copy.deepcopy(LAYERED)
    del d["batteries"]["outer"]
    d["batteries"]["inner"]["launchers"]["count"] = 1
    d["batteries"]["inner"]["doctrine"] = {"mode": mode, "salvo_size": salvo,
                                           "max_rounds_per_threat": 2}
    d["c2"] = {"decision_period_s": period_s}
    return load_scenario(d)


@pytest.mark.parametrize("name", ASSIGNERS)
def test_a_shoot_shoot_look_salvo_ripples_from_one_launcher_at_a_2s_period(name):
    """Shoot-shoot-look, salvo 2, one Tor-class launcher (2-s interval), 2-s decisions: the
    salvo is two rounds one interval apart (the second is not a new decision), and the track
    is not engaged again until both are assessed. Before, the cycle capacity of one round made
    the salvo one round, a look, then another."""
    sc = _tor_alone(2.0)
    pic = Picture(sc, make_tracks([[8000.0, 0.0, 600.0]], [[-50.0, 0.0, 0.0]]))
    orders = make_assigner(name, decision_period_s=2.0).decide(*pic.args())
    assert orders.rounds.tolist() == [2]
    t = pic.tracks.time_s
    eng = pic.engagement
    assert eng.fire(orders, t, np.zeros(1, int), pic.book, tracks=pic.tracks).tolist() == [2]
    _fly(eng, _Truth(pic.tracks.x, t), pic.tracks, t, t + 3.0)
    dt = float(pic.launchers.min_interval_s[0])
    assert [u for u, _ in _fire_times(eng)] == [t, t + dt]
    # The look: while the salvo is pending, the next cycle plans nothing at the track.
    assert pic.book.pending_at(pic.tracks.track_id).tolist() == [2]
    pic.tracks.time_s = t + 2.0
    pic.launchers.last_fire_s[:] = -np.inf  # even with the launcher free
    again = make_assigner(name, decision_period_s=2.0).decide(*pic.args())
    assert len(again) == 0


def test_salvo_capacity_is_per_battery_salvo_and_never_below_the_ripple():
    """The cycle capacity of a ready launcher: max(floor(period / interval), the battery's
    largest salvo), capped by its rounds; shoot-look-shoot keeps the ripple."""
    for period, salvo, mode, want in [(2.0, 2, "shoot_shoot_look", 2),
                                      (6.0, 2, "shoot_shoot_look", 3),
                                      (2.0, 1, "shoot_look_shoot", 1),
                                      (4.0, 1, "shoot_look_shoot", 2)]:
        sc = _tor_alone(period, salvo, mode)
        pic = Picture(sc, make_tracks([[8000.0, 0.0, 600.0]], [[-50.0, 0.0, 0.0]]))
        cap = firing_capacity(100.0, pic.launchers, pic.channels, pic.battery_ok,
                              sc.batteries, period)
        assert cap.tolist() == [want], (period, salvo, mode)
        pic.launchers.rounds[0] = 1
        cap = firing_capacity(100.0, pic.launchers, pic.channels, pic.battery_ok,
                              sc.batteries, period)
        assert cap.tolist() == [1]


# --- the launch queue: inventory, channels, reloads, cancellation --------------------------

INBOUND = np.array([[9000.0, 0.0, 800.0, -50.0, 0.0, 0.0],
                    [9000.0, 1000.0, 900.0, -50.0, 0.0, 0.0],
                    [9000.0, -1000.0, 700.0, -50.0, 0.0, 0.0]])


@pytest.fixture(scope="module")
def example3():
    from ..conftest import EXAMPLES

    return load_scenario(EXAMPLES / "03_battery_strike.yaml")


def _tracks(truth: _Truth, t: float):
    from airdefense.tracking.base import Tracks

    n = len(truth.x0)
    return Tracks(time_s=t, track_id=np.arange(n), x=truth.states(t),
                  P=np.tile(np.eye(6) * 25.0, (n, 1, 1)), quality=np.ones(n),
                  confirmed=np.ones(n, bool), truth_id=np.arange(n))


def _orders(rows):
    """Rows of (track, launcher, rounds) at Tor launchers (battery 1)."""
    return Orders.from_rows([(trk, trk, 1, j, n, np.nan, np.zeros(3)) for trk, j, n in rows])


def test_a_queued_launch_is_cancelled_when_its_target_is_gone(example3, rng):
    """Two orders for one Tor launcher at t = 10 s: the second round waits for t = 12 s. Its
    target dies at 11 s: it never leaves. The launch is listed with the reason, the round is
    back on the launcher, which is busy only until its first round, no fire event or
    interceptor is made, and the book's pending round is resolved (a miss)."""
    eng = Engagement(example3, EventLog(), rng)
    L = eng.launchers
    truth = _Truth(INBOUND, 10.0)
    book = EngagementBook()
    fired = eng.fire(_orders([(0, TOR, 1), (1, TOR, 1)]), 10.0, np.zeros(3, int), book,
                     tracks=_tracks(truth, 10.0))
    assert fired.tolist() == [1, 1]
    assert L.rounds[TOR] == L.capacity[TOR] - 2 and L.last_fire_s[TOR] == 12.0
    assert eng.channels_free(np.ones(2, bool))[1] == 4 - 2  # the queued round holds a channel
    _fly(eng, truth, _tracks(truth, 10.0), 10.0, 14.0, alive=lambda k, t: k != 1 or t < 11.0)
    assert _fire_times(eng) == [(10.0, 0)]
    assert eng.refused == [(12.0, 1, TOR, "cancelled before launch: target gone")]
    assert L.rounds[TOR] == L.capacity[TOR] - 1 and L.fired[TOR] == 1
    assert L.last_fire_s[TOR] == 10.0
    assert len(eng.table()) == 1
    assert eng.channels_free(np.ones(2, bool))[1] == 4 - 1
    for track, hit, battery in eng.assessments_due(14.0, with_battery=True):
        book.assessed(track, hit, battery)
    assert book.pending_at(np.array([1])).tolist() == [0]


def test_a_cancelled_last_round_calls_off_the_reload(example3, rng):
    """A 2-round salvo that empties the launcher starts its reload when the second round
    leaves; if that round is cancelled the launcher is not empty and no reload starts."""
    eng = Engagement(example3, EventLog(), rng)
    L = eng.launchers
    L.rounds[TOR] = 2
    truth = _Truth(INBOUND, 10.0)
    eng.fire(_orders([(0, TOR, 2)]), 10.0, np.zeros(3, int), EngagementBook(),
             tracks=_tracks(truth, 10.0))
    assert L.rounds[TOR] == 0 and L.reload_done_s[TOR] == 12.0 + L.reload_s[TOR]
    _fly(eng, truth, _tracks(truth, 10.0), 10.0, 14.0, alive=lambda k, t: t < 11.0)
    assert L.rounds[TOR] == 1 and np.isinf(L.reload_done_s[TOR])
    eng.reloads(12.0 + L.reload_s[TOR] + 1.0)
    assert L.rounds[TOR] == 1


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_inventory_channels_and_intervals_hold_over_random_cycles(example3, data):
    """Random orders over a few decision cycles (several orders per launcher, salvos, targets
    dying): a launcher never gives more rounds than it holds, every round it gives leaves or
    is cancelled, its launches are at least one interval apart, and no radar guides more than
    its channels."""
    eng = Engagement(example3, EventLog(), np.random.default_rng(0))
    L = eng.launchers
    L.rounds[TOR] = data.draw(st.integers(0, 4))
    L.rounds[TOR + 1] = data.draw(st.integers(0, 4))
    truth = _Truth(INBOUND, 0.0)
    death = {k: data.draw(st.floats(0.0, 40.0)) for k in range(3)}
    book = EngagementBook()
    given_total = np.zeros(len(L), int)
    start = L.rounds.copy()
    for t in (0.0, 4.0, 8.0):
        rows = data.draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from([TOR, TOR + 1]),
                                            st.integers(1, 3)), max_size=4))
        orders = _orders(rows)
        fired = eng.fire(orders, t, np.zeros(3, int), book, tracks=_tracks(truth, t))
        np.add.at(given_total, np.asarray(orders.launcher, int), fired)
        assert (L.rounds >= 0).all()
        chan = eng.channels_free(np.ones(2, bool))
        assert chan[1] >= 0
        _fly(eng, truth, _tracks(truth, t), t, t + 4.0, alive=lambda k, tt: tt < death[k])
    eng.finish()
    tab = eng.table()
    cancelled = [r for r in eng.refused if r[3].startswith("cancelled before launch")]
    for j in (TOR, TOR + 1):
        left = tab.launch_time_s[tab.launcher == j].to_numpy()
        assert len(left) <= start[j]
        assert np.all(np.diff(np.sort(left)) >= L.min_interval_s[j] - 1e-9)
        assert given_total[j] == len(left) + sum(r[2] == j for r in cancelled)
        assert L.rounds[j] == start[j] - len(left)
    assert len(tab) == len(_fire_times(eng))
    # No queued round left after its target died (a round leaving at a decision time is
    # ordered on the picture, which here keeps every track).
    for _, r in tab.iterrows():
        if r.launch_time_s not in (0.0, 4.0, 8.0):
            assert r.launch_time_s < death[int(r.target)]


def test_a_cancelled_round_keeps_the_launcher_busy_until_its_later_rounds(example3, rng):
    """Three rounds queued on one Tor launcher (10, 12, 14 s); one step of 5 s releases the
    last two together. The 12-s round's target is gone, the 14-s one leaves: the launcher's
    last launch is 14 s, not the 10-s round before the cancelled one (which would let it
    fire again inside its minimum launch interval)."""
    eng = Engagement(example3, EventLog(), rng)
    L = eng.launchers
    truth = _Truth(INBOUND, 10.0)
    eng.fire(_orders([(0, TOR, 1), (1, TOR, 1), (2, TOR, 1)]), 10.0, np.zeros(3, int),
             EngagementBook(), tracks=_tracks(truth, 10.0))
    assert L.last_fire_s[TOR] == 14.0
    _fly(eng, truth, _tracks(truth, 10.0), 10.0, 15.0, dt=5.0,
         alive=lambda k, t: k != 1 or t < 11.0)
    assert _fire_times(eng) == [(10.0, 0), (14.0, 2)]
    assert [r[3] for r in eng.refused] == ["cancelled before launch: target gone"]
    assert L.last_fire_s[TOR] == 14.0
