"""The engagement stage: fire-control guard, salvos, channels, radar loss, end game, assessment."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.c2.base import EngagementBook, Orders
from airdefense.engagement import _kernels
from airdefense.engagement.model import LOST_RADAR, Engagement
from airdefense.engagement.pk import LETHAL_RADIUS_M
from airdefense.simulation.events import EventLog
from airdefense.tracking.base import Tracks

from ..conftest import EXAMPLES

# Example 3 launchers: 0-1 PAC-3 (active), 2-3 PAC-2 (track-via-missile) on radar 0 (9 channels);
# 4-5 Tor (command) on radar 1 (4 channels).
PAC3, PAC2, TOR = 0, 2, 4


class _Truth:
    """Threats in straight-line flight: ``states(t)`` and ``group``, like a ThreatSet."""

    def __init__(self, x0: np.ndarray, t0: float = 0.0) -> None:
        self.x0 = np.asarray(x0, float).copy()
        self.t0 = t0
        self.group = np.zeros(len(self.x0), int)

    def states(self, t: float) -> np.ndarray:
        out = self.x0.copy()
        out[:, :3] += self.x0[:, 3:] * (t - self.t0)
        return out


def _tracks(truth: _Truth, t: float, sigma: float = 5.0) -> Tracks:
    n = len(truth.x0)
    return Tracks(time_s=t, track_id=np.arange(n), x=truth.states(t),
                  P=np.tile(np.eye(6) * sigma ** 2, (n, 1, 1)), quality=np.ones(n),
                  confirmed=np.ones(n, bool), truth_id=np.arange(n))


def _orders(rows):
    """Rows of (track, launcher, rounds); battery from the launcher."""
    return Orders.from_rows([(trk, trk, 0 if j < TOR else 1, j, n, np.nan, np.zeros(3))
                             for trk, j, n in rows])


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLES / "03_battery_strike.yaml")


@pytest.fixture
def eng(scenario, rng):
    return Engagement(scenario, EventLog(), rng)


KIND = np.zeros(8, int)  # every threat a drone (class code 0)
INBOUND = np.array([[9000.0, 0.0, 800.0, -50.0, 0.0, 0.0],
                    [9000.0, 1000.0, 900.0, -50.0, 0.0, 0.0],
                    [25000.0, 0.0, 3000.0, -200.0, 0.0, 0.0],
                    [60000.0, 0.0, 800.0, -50.0, 0.0, 0.0]])


def _kinds(events: EventLog) -> list[str]:
    return [r[1] for r in events._rows]


def test_fire_refuses_outside_window(eng):
    """An order whose intercept lies outside the envelope fires and logs nothing."""
    truth = _Truth(INBOUND)
    book = EngagementBook()
    before = eng.launchers.rounds.copy()
    fired = eng.fire(_orders([(3, TOR, 1)]), 0.0, KIND, book, tracks=_tracks(truth, 0.0))
    assert fired.tolist() == [0]
    assert len(eng.events) == 0 and book.rounds == {}
    np.testing.assert_array_equal(eng.launchers.rounds, before)
    assert eng.refused[-1][3] == "outside launch window"


def test_salvo_ripples_at_the_launch_interval(eng):
    """A 2-round salvo leaves one minimum launch interval apart; both rounds are booked at
    the order, the second is logged when it leaves."""
    truth = _Truth(INBOUND)
    book = EngagementBook()
    fired = eng.fire(_orders([(0, TOR, 2)]), 10.0, KIND, book, tracks=_tracks(truth, 10.0))
    assert fired.tolist() == [2]
    assert _kinds(eng.events) == ["assignment", "fire"]
    for t0 in (10.0, 11.0, 12.0):
        eng.fly(t0, t0 + 1.0, truth, _tracks(truth, t0 + 1.0), np.ones(2, bool),
                alive=lambda k, t: True, kill=lambda k, t: None)
    fires = [r for r in eng.events._rows if r[1] == "fire"]
    assert [r[0] for r in fires] == [10.0, 12.0]
    assert _kinds(eng.events) == ["assignment", "fire", "fire"]
    assert eng.table().launch_time_s.tolist() == [10.0, 12.0]
    assert eng.launchers.rounds[TOR] == eng.launchers.capacity[TOR] - 2
    assert eng.launchers.last_fire_s[TOR] == 12.0
    assert book.rounds_at(np.array([0]))[0] == 2
    # The launcher is busy until then: the next order inside the interval is refused.
    again = eng.fire(_orders([(1, TOR, 1)]), 11.0, KIND, book, tracks=_tracks(truth, 11.0))
    assert again.tolist() == [0] and eng.refused[-1][3] == "minimum launch interval"


def test_reload_starts_when_the_last_round_of_the_salvo_leaves(eng):
    """A salvo that empties a launcher starts its reload at its last launch, not at the order."""
    L = eng.launchers
    L.rounds[TOR] = 2
    truth = _Truth(INBOUND)
    fired = eng.fire(_orders([(0, TOR, 2)]), 10.0, KIND, EngagementBook(),
                     tracks=_tracks(truth, 10.0))
    assert fired.tolist() == [2] and L.rounds[TOR] == 0
    assert L.reload_done_s[TOR] == 12.0 + L.reload_s[TOR]


def test_guidance_channels_limit_rounds(eng):
    """A Tor-class radar guides 4 rounds at once: 3 + 3 ordered, 3 + 1 fired."""
    truth = _Truth(INBOUND)
    fired = eng.fire(_orders([(0, TOR, 3), (1, TOR + 1, 3)]), 0.0, KIND, EngagementBook(),
                     tracks=_tracks(truth, 0.0))
    assert fired.tolist() == [3, 1]
    assert eng.channels_free(np.ones(2, bool))[1] == 0


def test_fire_reads_the_channels_given_and_leaves_them(eng):
    """The free channels given (the cycle's own, as ``channels_free`` gives them) limit the
    rounds as the channels fire computes, and the array given is left as it was."""
    truth = _Truth(INBOUND)
    ok = np.ones(2, bool)
    given = eng.channels_free(ok)
    given[1] = 2  # two Tor channels (of 4) taken by rounds elsewhere
    before = given.copy()
    fired = eng.fire(_orders([(0, TOR, 3), (1, TOR + 1, 3)]), 0.0, KIND, EngagementBook(),
                     tracks=_tracks(truth, 0.0), sensor_ok=ok, channels_free=given)
    assert fired.tolist() == [2, 0]
    assert given.tolist() == before.tolist()
    assert eng.refused[-1][3] == "no guidance channel"


def test_fire_refused_when_fire_control_radar_down(eng):
    """Launchers whose fire-control radar is down are refused."""
    truth = _Truth(INBOUND)
    fired = eng.fire(_orders([(0, TOR, 1), (2, PAC3, 1)]), 0.0, KIND, EngagementBook(),
                     tracks=_tracks(truth, 0.0), sensor_ok=np.array([True, False]))
    assert fired.tolist() == [0, 1]
    assert eng.refused[-1][3] == "launcher or fire-control radar down"


def test_radar_guided_rounds_lost_with_their_radar(eng):
    """Command and track-via-missile rounds are lost when their radar dies; active ones fly on."""
    truth = _Truth(INBOUND)
    tr = _tracks(truth, 0.0)
    fired = eng.fire(_orders([(0, TOR, 1), (2, PAC2, 1), (1, PAC3, 1)]), 0.0, KIND,
                     EngagementBook(), tracks=tr)
    assert fired.tolist() == [1, 1, 1]
    eng.fly(0.0, 1.0, truth, _tracks(truth, 1.0), np.array([False, False]),
            alive=lambda k, t: True, kill=lambda k, t: None)
    lost = [r for r in eng.events._rows if r[1] == "interceptor_lost"]
    assert sorted(r[3] for r in lost) == [0, 1]  # interceptor ids of the Tor and PAC-2 rounds
    assert sorted(r[7] for r in lost) == [0, 1]  # their fire-control radars
    assert [r[-1] for r in lost] == [LOST_RADAR, LOST_RADAR]  # the event says why
    assert eng.icpt_outcome == {0: "lost", 1: "lost"}
    assert eng.in_flight().tolist() == [2]


def test_rounds_still_on_a_destroyed_launcher_are_not_launched(eng):
    """A ripple's round not yet launched when its launcher is destroyed never leaves: its
    launch is cancelled (listed with the reason, no fire event, no interceptor), and the book
    gets a miss for it; the round already in the air flies on. (Before, it was logged fired
    and then lost, ``LOST_LAUNCHER``.)"""
    truth = _Truth(INBOUND)
    book = EngagementBook()
    fired = eng.fire(_orders([(0, TOR, 2)]), 10.0, KIND, book, tracks=_tracks(truth, 10.0))
    assert fired.tolist() == [2]  # launches at 10 s and 12 s
    for t0 in (10.0, 11.0, 12.0):
        if t0 == 11.0:
            eng.launchers.operational[TOR] = False
        eng.fly(t0, t0 + 1.0, truth, _tracks(truth, t0 + 1.0), np.array([True, True]),
                alive=lambda k, t: True, kill=lambda k, t: None)
    assert not [r for r in eng.events._rows if r[1] == "interceptor_lost"]
    assert [r[0] for r in eng.events._rows if r[1] == "fire"] == [10.0]
    assert eng.refused[-1] == (12.0, 0, TOR, "cancelled before launch: launcher or "
                                             "fire-control radar down")
    assert len(eng.table()) == 1 and eng.in_flight().tolist() == [0]
    for track, hit, battery in eng.assessments_due(12.0, with_battery=True):
        book.assessed(track, hit, battery)
    assert book.pending_at(np.array([0])).tolist() == [1]  # the round in the air


def test_a_lost_round_is_assessed_a_miss_at_once(eng):
    """A round lost with its radar reaches the control unit's book as a miss when it is lost,
    so no round stays pending at the track and the look rule lets a battery engage it again
    (before, the book waited for an assessment that never came)."""
    truth = _Truth(INBOUND)
    book = EngagementBook()
    orders = _orders([(0, TOR, 1), (2, PAC2, 1)])
    fired = eng.fire(orders, 0.0, KIND, book, tracks=_tracks(truth, 0.0))
    assert fired.tolist() == [1, 1]
    assert book.pending_at(np.array([0, 2])).tolist() == [1, 1]
    eng.fly(0.0, 1.0, truth, _tracks(truth, 1.0), np.array([False, False]),
            alive=lambda k, t: True, kill=lambda k, t: None)
    due = eng.assessments_due(0.0, with_battery=True)
    assert sorted(due) == [(0, False, 1), (2, False, 0)]
    for track, hit, battery in due:
        book.assessed(track, hit, battery)
    assert book.pending_at(np.array([0, 2])).tolist() == [0, 0]


@pytest.mark.parametrize("j,delay", [(PAC3, 3.0), (TOR, 2.0)])
def test_end_game_at_predicted_time_and_assessment_delay(scenario, j, delay):
    """A round meets its target at the predicted time, its miss distance on the side of its
    warhead's lethal radius its outcome says; the assessment comes after its delay."""
    eng = Engagement(scenario, EventLog(), np.random.default_rng(0))
    truth = _Truth(INBOUND)
    row = 0 if j == TOR else 2
    tr = _tracks(truth, 0.0)
    geo = eng.geometry(tr, 0.0)
    t_pred = geo["intercept_time_s"][row, j]
    eng.fire(_orders([(row, j, 1)]), 0.0, KIND, EngagementBook(), tracks=tr)
    dead = {}
    t = 0.0
    while eng.in_flight().size and t < 60.0:
        eng.fly(t, t + 0.5, truth, _tracks(truth, t + 0.5), np.ones(2, bool),
                alive=lambda k, tt: k not in dead, kill=lambda k, tt: dead.setdefault(k, tt))
        t += 0.5
    end = [r for r in eng.events._rows if r[1] in ("intercept_hit", "intercept_miss")]
    assert len(end) == 1
    te, miss = end[0][0], end[0][-1]
    assert te == pytest.approx(t_pred, abs=0.05)
    r_lethal = LETHAL_RADIUS_M[eng.launchers.guidance[j]]
    assert (miss <= r_lethal) if end[0][1] == "intercept_hit" else (miss >= r_lethal)
    assert eng.assessments_due(te + delay - 0.01) == []
    assert eng.assessments_due(te + delay) == [(row, end[0][1] == "intercept_hit")]


def test_no_launch_outside_window_in_simulation(small_scenario_dict, monkeypatch):
    """In a full run every fire event lies inside the window recomputed for its track."""
    from airdefense.simulation.loop import simulate

    checked = []
    orig = Engagement.fire

    def fire(self, orders, t, kind_code, book, **kw):
        n0 = len(self.events)
        tracks = kw.get("tracks", self._tracks)  # the picture the fire control was given
        out = orig(self, orders, t, kind_code, book, **kw)
        rows = [r for r in self.events._rows[n0:] if r[1] == "fire"]
        if rows:
            geo = self.geometry(tracks, t)
            pos = {int(tid): i for i, tid in enumerate(tracks.track_id)}
            for r in rows:
                i, j = pos[r[4]], r[6]
                lo, hi = geo["window_open_s"][i, j], geo["window_close_s"][i, j]
                checked.append((r[0], lo, hi))
        return out

    monkeypatch.setattr(Engagement, "fire", fire)
    small_scenario_dict["duration_s"] = 700.0
    simulate(small_scenario_dict, seed=2)
    assert len(checked) >= 4
    for tf, lo, hi in checked:
        assert lo - 1e-9 <= tf <= hi + 1e-9


def test_fire_needs_the_radar_on_the_true_target(scenario, rng):
    """A Tor order on a track below the radar's 10 km ceiling is refused when the threat
    itself flies above it (no lock: the track is wrong), and fired when the threat is where
    the track says; the fire control learns the truth from its last flight step."""
    ceiling = scenario.sensors[1].preset.max_altitude_m
    track_x = INBOUND[:1].copy()
    track_x[0, 2] = 2000.0
    for true_z, want in ((ceiling + 1500.0, 0), (2000.0, 1)):
        eng = Engagement(scenario, EventLog(), np.random.default_rng(0))
        true_x = track_x.copy()
        true_x[0, 2] = true_z
        truth = _Truth(true_x)
        eng.fly(0.0, 0.0, truth, None, np.ones(2, bool), lambda k, t: True, lambda k, t: None)
        pic = Tracks(time_s=0.0, track_id=np.arange(1), x=track_x, P=np.eye(6)[None] * 25.0,
                     quality=np.ones(1), confirmed=np.ones(1, bool), truth_id=np.arange(1))
        fired = eng.fire(_orders([(0, TOR, 1)]), 0.0, KIND, EngagementBook(), tracks=pic)
        assert fired.tolist() == [want]
        if not want:
            assert eng.refused[-1][3] == "fire-control radar has no lock on the target"


def test_assessment_names_the_battery(scenario):
    """With ``with_battery`` each assessment also names the firing battery."""
    eng = Engagement(scenario, EventLog(), np.random.default_rng(0))
    truth = _Truth(INBOUND)
    eng.fire(_orders([(0, TOR, 1)]), 0.0, KIND, EngagementBook(), tracks=_tracks(truth, 0.0))
    t = 0.0
    while eng.in_flight().size and t < 60.0:
        eng.fly(t, t + 0.5, truth, _tracks(truth, t + 0.5), np.ones(2, bool),
                alive=lambda k, tt: True, kill=lambda k, tt: None)
        t += 0.5
    due = eng.assessments_due(t + 10.0, with_battery=True)
    assert len(due) == 1 and due[0][0] == 0 and due[0][2] == 1


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40), st.integers(1, 5))
def test_free_channels_are_the_limit_less_the_rounds_guided(seed, n, S):
    """Free channels per radar: its limit less its active rounds (never below 0), -1 without a
    limit, 0 where it is down; against the NumPy statement of the same rule."""
    from airdefense.engagement._kernels import free_channels

    rng = np.random.default_rng(seed)
    cap = n + int(rng.integers(0, 5))
    active = rng.random(cap) < 0.6
    fc = rng.integers(0, S, cap)
    channels = rng.integers(-1, 4, S)
    ok = rng.random(S) < 0.8
    busy = np.bincount(fc[:n][active[:n]], minlength=S)
    want = np.where(ok, np.where(channels > 0, np.maximum(channels - busy, 0), -1), 0)
    np.testing.assert_array_equal(free_channels(n, active, fc, channels, ok), want)


def test_orders_on_shared_and_missing_tracks_aim_at_their_own_track(scenario, rng):
    """Orders naming tracks out of order, twice, or not at all: each fired order aims at the
    intercept point of its own track (the last picture row with its id), as the geometry of
    that track alone gives it; the order without a track is refused."""
    truth = _Truth(INBOUND)
    tracks = _tracks(truth, 0.0)
    # Track 1 appears twice (the second row 300 m off the first): the last row counts.
    tracks = Tracks(0.0, np.array([0, 1, 2, 1]),
                    np.vstack([tracks.x[:3], tracks.x[1] + [0.0, 300.0, 0.0, 0.0, 0.0, 0.0]]),
                    tracks.P, np.ones(4), np.ones(4, bool), np.array([0, 1, 2, 1]))
    eng = Engagement(scenario, EventLog(), rng)
    orders = _orders([(1, PAC3, 1), (0, TOR, 1), (7, PAC2, 1), (1, PAC2, 1)])
    fired = eng.fire(orders, 0.0, KIND, EngagementBook(), tracks=tracks)
    assert fired.tolist() == [1, 1, 0, 1]
    assert eng.refused == [(0.0, 7, PAC2, "no track")]
    aims = [(r[4], r[6], np.array(r[9:12])) for r in eng.events._rows if r[1] == "assignment"]
    last_row = {0: 0, 1: 3}
    for trk, j, pip in aims:
        row = last_row[trk]
        geo = eng.geometry(tracks.select(np.array([row])), 0.0, KIND, np.array([trk]),
                           windows="deferred")
        np.testing.assert_array_equal(pip, geo["pip"][0, j])
    assert [(a[0], a[1]) for a in aims] == [(1, PAC3), (0, TOR), (1, PAC2)]


def test_target_g_is_each_threats_group_preset_limit(scenario, rng):
    """Manoeuvre limits of threats are their raid groups' preset max_g (None before a truth)."""
    eng = Engagement(scenario, EventLog(), rng)
    assert eng.target_g(np.array([0])) is None
    truth = _Truth(INBOUND)
    truth.group = np.arange(len(INBOUND)) % len(scenario.groups)
    eng.fly(0.0, 1.0, truth, None, np.ones(len(scenario.sensors), bool), alive=lambda k, t: True,
            kill=lambda k, t: None)
    threats = np.array([3, 0, 2, 2, 1])
    want = [scenario.groups[truth.group[k]].preset.max_g for k in threats]
    got = eng.target_g(threats)
    assert got.dtype == float and got.tolist() == want
    assert eng.target_g(np.zeros(0, int)).shape == (0,)


@pytest.mark.parametrize("given_kinds", [False, True])
def test_geometry_predicts_each_track_by_its_inferred_class(scenario, rng, given_kinds):
    """The fire control's geometry at ``t`` of a picture of an earlier time: each track moved on
    its class's path (gravity-only for ballistic kinematics, a straight line otherwise), then
    :func:`feasibility` with that prediction, the true classes and manoeuvre limits; against
    the closed-form paths of :func:`predict_states` and the public call."""
    from airdefense.c2.evaluation import classify, predict_states
    from airdefense.engagement.envelope import feasibility

    eng = Engagement(scenario, EventLog(), rng)
    x = np.vstack([INBOUND, [[30000.0, 2000.0, 40000.0, -600.0, 0.0, -900.0],
                             [12000.0, -500.0, 15000.0, -300.0, 50.0, -500.0]]])
    m = len(x)
    truth = _Truth(x)
    truth.group = np.arange(m) % len(scenario.groups)
    eng.fly(0.0, 0.0, truth, None, np.ones(len(scenario.sensors), bool),
            alive=lambda k, t: True, kill=lambda k, t: None)
    P = np.einsum("i,jk->ijk", 1.0 + rng.random(m) * 400.0, np.eye(6))
    tr = Tracks(time_s=0.0, track_id=np.arange(m), x=x, P=P, quality=rng.random(m),
                confirmed=np.ones(m, bool), truth_id=np.arange(m))
    ballistic = classify(x) == "ballistic"
    assert ballistic.sum() == 2
    t = 4.0
    xp = predict_states(x, ballistic, t)
    kind_code = np.array([0, 1, 2, 3, 2, 1, 0, 1])
    targets = np.array([5, 0, 2, 1, 4, 3])
    args = (kind_code, targets) if given_kinds else ()
    for windows in (True, "deferred"):
        got = eng.geometry(tr, t, *args, windows=windows)
        want = feasibility(
            xp, eng.launchers, scenario.frame.height_m, t, quality=tr.quality,
            kind=kind_code[targets] if given_kinds else None,
            predict=np.where(ballistic, "ballistic", "linear"), cov=P,
            target_g=eng.target_g(targets) if given_kinds else None, windows=windows)
        assert got.keys() == want.keys()
        np.testing.assert_array_equal(got["inside"], want["inside"])
        for key in ("tof", "pip", "pk", "margin", "range_m", "window_close_s"):
            if key in want:
                np.testing.assert_allclose(got[key], want[key], rtol=1e-9, atol=1e-6)
        assert (got["pk"] > 0).any() and got["inside"].any()


def test_guided_targets_are_the_active_radar_guided_rounds_with_a_threat(eng):
    """guided_targets lists (fire-control radar, target) of the active command, semi-active
    and track-via-missile rounds aimed at a threat, in id order; nothing once none is active."""
    assert [a.tolist() for a in eng.guided_targets()] == [[], []]
    rounds = [("command", 1, 3), ("active", 0, 4), ("semi_active", 0, 5),
              ("track_via_missile", 0, -1), ("track_via_missile", 0, 6), ("command", 1, 7)]
    for guidance, fc, target in rounds:
        eng.icpt.launch(pos=np.zeros(3), aim=np.ones(3), speed=500.0, target=target, track=0,
                        launcher=0, battery=0, fire_control=fc, pk=0.8, guidance=guidance,
                        t=0.0, max_tof=60.0)
    eng.icpt.active[5] = False  # ended
    fc, tg = eng.guided_targets()
    assert fc.tolist() == [1, 0, 0] and tg.tolist() == [3, 5, 6]
    eng.icpt.active[:6] = False
    assert [a.tolist() for a in eng.guided_targets()] == [[], []]


def test_fire_control_predicts_the_path_of_the_control_units_class(scenario):
    """The fire control predicts a track's path under gravity where the control unit's memory
    holds it ballistic (the orders were made on that path), though its state looks like an
    aircraft's; a track the memory does not hold keeps the class its state shows."""
    from airdefense.c2.evaluation import KINDS, TrackClasses, classify
    from airdefense.engagement.model import _held

    eng = Engagement(scenario, EventLog(), np.random.default_rng(0))
    x = np.array([[30000.0, 0.0, 12000.0, -600.0, 0.0, 0.0],
                  [20000.0, 0.0, 12000.0, -600.0, 0.0, 0.0]])  # level, 600 m/s, 12 km
    assert classify(x).tolist() == ["aircraft", "aircraft"]
    book = EngagementBook()
    book.classes = TrackClasses()
    book.classes._room(1)
    book.classes._mem_i[0] = [KINDS.index("ballistic"), 5, -1, 0]  # held ballistic
    held = _held(book, np.array([0, 1]))
    assert held.tolist() == [KINDS.index("ballistic"), -1]
    P = np.tile(np.eye(6) * 25.0, (2, 1, 1))
    k = eng._inputs(x, P, np.ones(2), 0.0, 0.0, np.zeros(2, int), np.arange(2), held)
    np.testing.assert_allclose(k["g"], [9.80665, 0.0])
    k0 = eng._inputs(x, P, np.ones(2), 0.0, 0.0, np.zeros(2, int), np.arange(2))
    np.testing.assert_allclose(k0["g"], [0.0, 0.0])


def test_fire_and_mid_course_use_the_control_units_class(scenario, monkeypatch):
    """With the book holding a track ballistic (its state a drone's), the fire control and the
    rounds' mid-course updates predict its path under gravity: the book's class reaches both,
    and the round's aim point after a flight step is lower than with no class held."""
    from airdefense.c2.evaluation import KINDS, TrackClasses

    ball = KINDS.index("ballistic")
    aims, seen = [], {}
    step = _kernels.fly_step  # the flight step's kernel call (Engagement.fly makes it)
    for hold in (True, False):
        eng = Engagement(scenario, EventLog(), np.random.default_rng(0))
        truth = _Truth(INBOUND)
        book = EngagementBook()
        book.classes = TrackClasses()
        if hold:
            book.classes._room(0)
            book.classes._mem_i[0] = [ball, 5, -1, 0]
        def spy(*a, _step=step, _hold=hold, **k):
            args = inspect.signature(_step.py_func).bind(*a, **k).arguments
            seen[_hold] = np.asarray(args["held_by_id"]).tolist()
            return _step(*a, **k)

        monkeypatch.setattr(_kernels, "fly_step", spy)
        fired = eng.fire(_orders([(0, TOR, 1)]), 0.0, KIND, book, tracks=_tracks(truth, 0.0))
        assert fired.tolist() == [1]
        eng.fly(0.0, 1.0, truth, _tracks(truth, 1.0), np.ones(2, bool),
                lambda k, t: True, lambda k, t: None)
        aims.append(eng.icpt.aim[0].copy())
    assert seen[True][0] == ball  # track 0 is held ballistic
    assert all(c == -1 for c in seen[False])  # nothing held (an empty memory)
    assert aims[0][2] < aims[1][2] - 1.0  # gravity pulls the predicted intercept down


def test_a_false_track_is_evaluated_on_the_class_its_state_shows(scenario):
    """A track with no threat behind it (target -1) takes the class its state shows and that
    class's manoeuvre limit, not the last threat's (index -1)."""
    from airdefense.c2.evaluation import class_codes
    from airdefense.engagement.envelope import _CLASS_G

    eng = Engagement(scenario, EventLog(), np.random.default_rng(0))
    truth = _Truth(INBOUND)
    truth.group = np.arange(len(INBOUND)) % len(scenario.groups)
    eng.fly(0.0, 0.0, truth, None, np.ones(2, bool), lambda k, t: True, lambda k, t: None)
    x = INBOUND[:2].copy()
    P = np.tile(np.eye(6) * 25.0, (2, 1, 1))
    kind_code = np.array([2, 2, 2, 1])  # every threat ballistic but the last (cruise)
    k = eng._inputs(x, P, np.ones(2), 0.0, 0.0, kind_code, np.array([0, -1]))
    state = class_codes(x)
    assert k["kc"].tolist() == [2, int(state[1])]
    assert k["target_g"][1] == _CLASS_G[state[1]]
    assert k["target_g"][0] == eng.target_g(np.array([0]))[0]


def test_orders_of_a_gone_track_among_others(eng):
    """Orders of several tracks, one gone from the picture between them: the gone track's is
    refused ("no track"), the others fire as they would alone (their ordered pairs' figures
    read in one compiled call, a stand-in pair for the gone track)."""
    truth = _Truth(INBOUND)
    alone = Engagement(eng.sc, EventLog(), np.random.default_rng(0))
    want = [int(alone.fire(_orders([(0, TOR, 1)]), 0.0, KIND, EngagementBook(),
                           tracks=_tracks(truth, 0.0))[0])]
    alone = Engagement(eng.sc, EventLog(), np.random.default_rng(0))
    want.append(int(alone.fire(_orders([(1, TOR + 1, 1)]), 0.0, KIND, EngagementBook(),
                               tracks=_tracks(truth, 0.0))[0]))
    assert want == [1, 1]
    fired = eng.fire(_orders([(0, TOR, 1), (7, PAC3, 1), (1, TOR + 1, 1)]), 0.0, KIND,
                     EngagementBook(), tracks=_tracks(truth, 0.0))
    assert fired.tolist() == [1, 0, 1]
    assert [r[1:] for r in eng.refused] == [(7, PAC3, "no track")]


def test_an_order_of_no_launcher_is_refused_by_name(eng):
    """An order naming a launcher the engagement does not have raises, naming the field."""
    truth = _Truth(INBOUND)
    with pytest.raises(IndexError, match="orders.launcher must index the 6 launchers"):
        eng.fire(_orders([(0, 6, 1)]), 0.0, KIND, EngagementBook(), tracks=_tracks(truth, 0.0))


def test_guided_targets_after_every_round_ended_and_a_new_launch(eng):
    """Once the flight step found no round active (``any_active``), guided_targets lists
    none without counting; a later launch's round is listed again."""
    ic = eng.icpt
    ic.launch(pos=np.zeros(3), aim=np.ones(3), speed=500.0, target=4, track=0, launcher=0,
              battery=0, fire_control=1, pk=0.8, guidance="command", t=0.0, max_tof=60.0)
    assert [a.tolist() for a in eng.guided_targets()] == [[1], [4]]
    ic.active[0] = False  # its end game
    assert not ic.any_active()
    assert [a.tolist() for a in eng.guided_targets()] == [[], []]
    ic.launch(pos=np.zeros(3), aim=np.ones(3), speed=500.0, target=7, track=1, launcher=0,
              battery=0, fire_control=2, pk=0.8, guidance="semi_active", t=1.0, max_tof=60.0)
    assert [a.tolist() for a in eng.guided_targets()] == [[2], [7]]


def test_round_changes_count_the_engagements_own_changes_of_the_rounds(eng):
    """``round_changes`` moves with every launch, queued round, release, loss and end game,
    and stays while the rounds only fly: while it stays, guided_targets gives the same pairs
    (the loop cues its radars only after it moved)."""
    truth = _Truth(INBOUND)
    book = EngagementBook()
    alive, kill = (lambda k, t: True), (lambda k, t: None)
    c0 = eng.round_changes
    eng.fly(0.0, 1.0, truth, _tracks(truth, 1.0), np.ones(2, bool), alive, kill)  # nothing
    assert eng.round_changes == c0
    eng.fire(_orders([(0, TOR, 2)]), 10.0, KIND, book, tracks=_tracks(truth, 10.0))
    c1 = eng.round_changes
    assert c1 >= c0 + 2  # the first round launched, the second queued
    pairs = eng.guided_targets()
    assert [a.tolist() for a in pairs] == [[1, 1], [0, 0]]  # Tor: command, radar 1
    eng.fly(10.0, 11.0, truth, _tracks(truth, 11.0), np.ones(2, bool), alive, kill)
    assert eng.round_changes == c1 and eng.guided_targets() is pairs  # flying only
    eng.fly(11.0, 12.5, truth, _tracks(truth, 12.5), np.ones(2, bool), alive, kill)
    assert eng.round_changes > c1  # the second round released
    c2 = eng.round_changes
    eng.fly(12.5, 13.5, truth, _tracks(truth, 13.5), np.array([True, False]), alive, kill)
    assert eng.in_flight().size == 0 and eng.round_changes > c2  # lost with their radar
    assert [a.tolist() for a in eng.guided_targets()] == [[], []]


def test_round_changes_move_at_an_end_game(scenario):
    """A round's end game moves ``round_changes`` (its target's cue ends with it)."""
    eng = Engagement(scenario, EventLog(), np.random.default_rng(0))
    truth = _Truth(INBOUND)
    eng.fire(_orders([(0, TOR, 1)]), 0.0, KIND, EngagementBook(), tracks=_tracks(truth, 0.0))
    t, seen = 0.0, []
    while eng.in_flight().size and t < 60.0:
        c = eng.round_changes
        eng.fly(t, t + 0.5, truth, _tracks(truth, t + 0.5), np.ones(2, bool),
                alive=lambda k, tt: True, kill=lambda k, tt: None)
        seen.append((eng.round_changes != c, eng.in_flight().size))
        t += 0.5
    assert seen[-1] == (True, 0)  # the step of the end game moved it
    assert all(not moved for moved, n in seen[:-1])  # the steps before only flew


def test_simulation_cues_match_the_rounds_at_every_scan():
    """In example 2 (truth tracking, seed 2, a cued HAWK illuminator) the cues the loop last
    gave the radars are at every scan the pairs of the rounds then active (computed afresh),
    though the loop looks at them only after the engagement's own changes."""
    from airdefense.simulation.loop import _Run

    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    run = _Run(sc, 2, "truth", None)
    assert run._cued
    net, eng = run.sensors, run.engagement
    given = [([], [])]
    set_cues, step = net.set_cues, net.step
    checked = []

    def spy_cues(fc, tg, n_targets):
        given.append((fc.tolist(), tg.tolist()))
        return set_cues(fc, tg, n_targets=n_targets)

    def spy_step(*args):
        eng._guided = ((-2, -2), None)  # forget the kept answer: the pairs now, afresh
        fresh = [a.tolist() for a in eng.guided_targets()]
        checked.append(len(fresh[0]))
        assert list(given[-1]) == fresh
        return step(*args)

    net.set_cues, net.step = spy_cues, spy_step
    run._sense_args = None  # (no fused step: the network's step each scan)
    run._fused = False
    run.run()
    assert sum(n > 0 for n in checked) > 100 and len(given) > 20
