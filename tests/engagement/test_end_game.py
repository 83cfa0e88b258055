"""The end game: kill probability at the actual end-game point, 0 outside the envelope.

References: the Pk law written out from docs/engagement.md (edge, crossing, speed, manoeuvre
and track factors) with the catalog's figures, and the envelope limits compared directly
(range, height, time of flight), not through the kernels under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario, simulate
from airdefense.engagement import _kernels
from airdefense.engagement.envelope import _launcher_rows
from airdefense.engagement.interceptors import CAPTURE_RADIUS_M, InterceptorState
from airdefense.engagement.model import Engagement
from airdefense.geo import sphere_radius_of
from airdefense.simulation.events import EventLog

from ..conftest import EXAMPLES
from .conftest import CATALOG, make_launchers

TOR = 4  # example 3: launchers 4-5 are Tor-class (command guidance), radar 1 all round, 32 km
TOR_P = CATALOG.interceptors["tor_9m338"]


class _Truth:
    """One threat whose true state is ``x`` at every instant (the end-game point)."""

    def __init__(self, x) -> None:
        self.x = np.asarray(x, float).reshape(1, 6)

    def states(self, t: float) -> np.ndarray:
        return self.x.copy()


class _Draw:
    """A stand-in generator whose uniforms are all ``u``; counts the draws."""

    def __init__(self, u: float) -> None:
        self.u = u
        self.calls = 0

    def random(self, shape=None):
        self.calls += 1
        return self.u if shape is None else np.full(shape, self.u)  # (as a Generator's)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLES / "03_battery_strike.yaml")


def _end_game(scenario, x_end, u, pk_inputs, tof=17.0, miss=0.0):
    """One Tor round launched at 0 whose end game comes at ``tof`` with the target at
    ``x_end`` (ENU state) and the draw ``u``; returns the engagement and the draw stand-in."""
    rng = _Draw(u)
    eng = Engagement(scenario, EventLog(), rng)
    L = eng.launchers
    eng.icpt.launch(pos=L.enu[TOR], aim=np.asarray(x_end[:3], float), speed=850.0, target=0,
                    track=0, launcher=TOR, battery=1, fire_control=1, pk=0.77,
                    guidance="command", t=0.0, max_tof=float(L.max_tof[TOR]),
                    flyout=L.flyout.take(slice(TOR, TOR + 1)), pk_inputs=pk_inputs)
    eng.icpt_type[0] = L.interceptor[TOR]
    dead = {}
    eng._end_games(_Truth(x_end), np.array([0]), np.array([tof]), np.array([miss]),
                   alive=lambda k, t: k not in dead, kill=lambda k, t: dead.setdefault(k, t))
    return eng, rng, dead


def _point(scenario, north_m, height_m, vel=(0.0, -200.0, 0.0)):
    """The state ``north_m`` north of the Tor launcher at ``height_m`` above the surface."""
    site = scenario.launchers[TOR].enu
    x, y = site[0], site[1] + north_m
    # Height above the sphere of the frame: solve for the ENU up coordinate.
    radius = sphere_radius_of(scenario.frame.height_m)
    z = math.sqrt((radius + height_m) ** 2 - x * x - y * y) - radius
    assert scenario.frame.height_m(np.array([[x, y, z]]))[0] == pytest.approx(height_m, abs=1e-6)
    return np.array([x, y, z, *vel])


def _pk_closed_form(scenario, x, pk_base, target_g, sigma, quality):
    """The Pk law of docs/engagement.md at end-game state ``x`` of the Tor launcher (radial
    path: crossing range 0)."""
    site = scenario.launchers[TOR].enu
    r = float(np.linalg.norm(x[:3] - site))
    h = float(scenario.frame.height_m(x[None, :3])[0])
    e = max(r / TOR_P.max_range_m, h / TOR_P.max_altitude_m)
    xe = min(max((e - 0.8) / 0.2, 0.0), 1.0)
    f_edge = 1.0 - 0.3 * (3 * xe ** 2 - 2 * xe ** 3)
    f_speed = 1.0 - 0.3 * min(np.linalg.norm(x[3:]) / TOR_P.max_target_speed_mps, 1.0) ** 2
    f_man = min(1.0, TOR_P.max_g / (3.0 * target_g))
    f_track = (1.0 - 0.3 * (1.0 - quality)) / (1.0 + (sigma / 150.0) ** 2)  # command: 150 m
    return pk_base * f_edge * f_speed * f_man * f_track


@pytest.mark.parametrize("north_m,height_m,tof", [
    (16300.0, 1000.0, 17.0),    # beyond the maximum range (16 km)
    (9000.0, 10200.0, 17.0),    # above the maximum altitude (10 km)
    (9000.0, 5.0, 17.0),        # below the minimum altitude (10 m)
    (600.0, 300.0, 1.0),        # inside the minimum range (1 km), before guidance captures
])
def test_end_game_outside_the_envelope_never_hits(scenario, north_m, height_m, tof):
    """An end game outside the launcher's envelope is a miss whatever the draw (a uniform of 0
    here, with a launch Pk of 0.77); its one draw is still taken; its Pk is 0."""
    x = _point(scenario, north_m, height_m)
    eng, rng, dead = _end_game(scenario, x, 0.0, (TOR_P.pk["cruise"], 2.0, 10.0, 1.0), tof=tof)
    assert rng.calls == 1 and dead == {}
    assert [r[1] for r in eng.events._rows] == ["intercept_miss"]
    row = eng.table().iloc[0]
    assert row["outcome"] == "miss" and row["pk_end_game"] == 0.0 and row["pk_launch"] == 0.77


@pytest.mark.parametrize("north_m,height_m", [(14400.0, 1000.0), (8000.0, 9500.0),
                                              (5000.0, 800.0)])
def test_end_game_pk_is_the_model_at_the_actual_point(scenario, north_m, height_m):
    """Inside the envelope the end game's Pk is the law evaluated at the end-game point (edge
    factor of its range and height, the target's true speed there) with the launch's table
    value, target g and track error; a draw just under it hits, just over it misses."""
    x = _point(scenario, north_m, height_m)
    inputs = (TOR_P.pk["cruise"], 12.0, 100.0, 0.8)
    want = _pk_closed_form(scenario, x, *inputs)
    assert 0.2 < want < TOR_P.pk["cruise"]
    for u, hit in ((want * (1 - 1e-9), True), (want * (1 + 1e-9), False)):
        eng, rng, dead = _end_game(scenario, x, u, inputs)
        assert eng.icpt.pk_end[0] == pytest.approx(want, rel=1e-12)
        assert rng.calls == 1 and (dead == {0: 17.0}) is hit
        row = eng.table().iloc[0]
        assert row["outcome"] == ("hit" if hit else "miss") and row["pk_launch"] == 0.77
        assert row["pk_end_game"] == eng.icpt.pk_end[0]


def test_no_draw_and_no_end_game_pk_outside_the_capture_radius_or_for_a_dead_target(scenario):
    """A miss outside the capture radius takes no draw (the draws are as before the end-game
    Pk); a round whose target is already dead has no end game: NaN Pk, no draw."""
    x = _point(scenario, 9000.0, 1000.0)
    eng, rng, _ = _end_game(scenario, x, 0.0, (0.8, 2.0, 10.0, 1.0),
                            miss=CAPTURE_RADIUS_M["command"] + 1.0)
    assert rng.calls == 0 and eng.icpt.pk_end[0] > 0.5
    rng = _Draw(0.0)
    eng = Engagement(scenario, EventLog(), rng)
    eng.icpt.launch(pos=np.zeros(3), aim=x[:3], speed=850.0, target=0, track=0, launcher=TOR,
                    battery=1, fire_control=1, pk=0.7, guidance="command", t=0.0,
                    max_tof=23.0)
    eng.icpt_type[0] = "tor_9m338"
    eng._end_games(_Truth(x), np.array([0]), np.array([17.0]), np.array([0.0]),
                   alive=lambda k, t: False, kill=lambda k, t: None)
    assert rng.calls == 0 and np.isnan(eng.table()["pk_end_game"].iloc[0])


def test_no_end_game_after_the_rounds_flight_time():
    """A round reaches its target only after its maximum time of flight (inside one step):
    no capture; one that lives long enough hits at the closest approach."""
    for max_tof, hit in ((1.9, False), (2.1, True)):
        ic = InterceptorState()
        ic.launch(pos=np.zeros(3), aim=np.array([1000.0, 0.0, 0.0]), speed=500.0, target=0,
                  track=0, launcher=0, battery=0, fire_control=0, pk=0.8, guidance="command",
                  t=0.0, max_tof=max_tof)
        target = np.array([[1000.0, 0.0, 0.0]])
        ended, t_end, miss = ic.fly(np.array([0]), target, target, 0.0, 2.5)
        assert ended[0]
        if hit:
            assert miss[0] == pytest.approx(0.0, abs=1e-9) and t_end[0] == pytest.approx(2.0)
        else:  # 1000 - 500 * 1.9 m short when it dies
            assert miss[0] == pytest.approx(50.0) and miss[0] > ic.capture[0]


_TYPES = ["pac3", "pac2_gem", "hawk_mim23", "tor_9m338", "gun_35mm"]
_LAUNCHERS = make_launchers(_TYPES, positions=[(0, 0, 0), (5e3, 0, 0), (0, 5e3, 20.0),
                                               (-3e3, -2e3, 0), (1e3, 1e3, 5.0)])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 40))
def test_end_game_pk_is_a_probability_and_zero_outside(seed, n):
    """Over random end-game points, velocities, flight times and Pk inputs (flat earth): the
    Pk is in [0, 1]; 0 wherever the margin is negative and wherever the point's range or
    height is outside the type's limits or the time of flight has no value; positive inside
    with a positive table value."""
    rng = np.random.default_rng(seed)
    L = _LAUNCHERS
    jj = rng.integers(0, len(_TYPES), n).astype(np.int64)
    st_ = np.empty((n, 6))
    st_[:, :2] = L.enu[jj, :2] + rng.uniform(-1.2, 1.2, (n, 2)) * L.max_range[jj, None]
    st_[:, 2] = rng.uniform(-100.0, 1.2 * L.max_alt[jj])
    st_[:, 3:] = rng.normal(0, 400, (n, 3))
    tof = rng.uniform(0.0, 60.0, n)
    tof[rng.random(n) < 0.1] = np.inf
    base = rng.choice([0.0, 0.3, 1.0], n)
    margin, pk = _kernels.end_game_pks(st_, tof, jj, _launcher_rows(L), np.inf, base,
                                       rng.uniform(0, 40, n), rng.uniform(0, 3000, n),
                                       rng.uniform(0, 1, n))
    assert ((pk >= 0.0) & (pk <= 1.0)).all()
    r = np.linalg.norm(st_[:, :3] - L.enu[jj], axis=1)
    h = st_[:, 2]
    outside = ((r > L.max_range[jj]) | (r < L.min_range[jj]) | (h > L.max_alt[jj])
               | (h < L.min_alt[jj]) | ~np.isfinite(tof))
    assert (margin[outside] < 0).all()
    assert (pk[(margin < 0) | outside] == 0.0).all()
    assert (pk[(margin >= 0) & (base > 0)] > 0.0).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 12), st.integers(0, 30))
def test_end_game_rows_reads_each_rounds_own_row(seed, e, extra):
    """The end game's Pk of rounds read from the packed interceptor arrays
    (``end_game_rows``) is :func:`end_game_pks` of those rounds' own fields, bit for bit:
    any rounds of a larger set, in any order (an off-by-one row, column or time of flight
    gives other numbers)."""
    from airdefense.engagement.interceptors import InterceptorState

    rng = np.random.default_rng(seed)
    L = _LAUNCHERS
    lp = _launcher_rows(L)
    n = e + extra
    ic = InterceptorState()
    for _ in range(n):
        j = int(rng.integers(0, len(_TYPES)))
        ic.launch(pos=L.enu[j], aim=np.zeros(3), speed=800.0, target=0, track=0, launcher=j,
                  battery=0, fire_control=0, pk=0.5, guidance="command",
                  t=float(rng.uniform(0, 50)), max_tof=60.0,
                  pk_inputs=(float(rng.choice([0.0, 0.4, 0.9])), float(rng.uniform(0, 40)),
                             float(rng.uniform(0, 3000)), float(rng.uniform(0, 1))))
    ended = rng.choice(n, e, replace=False).astype(np.int64)
    t_end = ic.launch_t[ended] + rng.uniform(0.5, 60.0, e)
    jj = ic.launcher[ended]
    states = np.empty((e, 6))
    states[:, :2] = L.enu[jj, :2] + rng.uniform(-1.2, 1.2, (e, 2)) * L.max_range[jj, None]
    states[:, 2] = rng.uniform(-100.0, 1.2 * L.max_alt[jj])
    states[:, 3:] = rng.normal(0, 400, (e, 3))
    radius = float(rng.choice([np.inf, 6.4e6]))
    _, want = _kernels.end_game_pks(states, t_end - ic.launch_t[ended], jj, lp, radius,
                                    ic.pk_base[ended], ic.target_g[ended], ic.sigma[ended],
                                    ic.quality[ended])
    got = np.full(e + 2, -1.0)
    _kernels.end_game_rows(ended, t_end, states, ic._f, ic._i, lp, radius, got)
    np.testing.assert_array_equal(got[:e], want)
    assert (got[e:] == -1.0).all()  # only its own rows written


@pytest.mark.parametrize("seed", [2, 3])
def test_no_hit_outside_the_envelope_in_example_2(seed):
    """Example 2 (truth tracking; seeds whose runs hit up to 1.4 % beyond the maximum range
    before the end game had its own Pk): every hit's point (the event's position, the target
    at the end time) is within its launcher's range and height limits and time of flight,
    with a positive end-game Pk; every round with an end game has one in [0, 1]."""
    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    res = simulate(sc, seed, tracking="truth")
    ev, ic = res.events, res.interceptors.set_index("interceptor_id")
    hits = ev[ev["kind"] == "intercept_hit"]
    assert len(hits) > 20
    for _, e in hits.iterrows():
        i = int(e["interceptor_id"])
        u = sc.launchers[int(e["launcher_id"])]
        p = u.interceptor
        pos = e[["x", "y", "z"]].to_numpy(float)
        r = float(np.linalg.norm(pos - u.enu))
        h = float(sc.frame.height_m(pos[None])[0])
        assert p.min_range_m <= r <= p.max_range_m, (i, r)
        assert p.min_altitude_m <= h <= p.max_altitude_m, (i, h)
        assert e["time_s"] - ic.loc[i, "launch_time_s"] >= p.min_flight_time_s
        assert 0.0 < ic.loc[i, "pk_end_game"] <= 1.0
    ended = ic[ic["outcome"].isin(["hit", "miss"])]
    pk = ended["pk_end_game"].dropna()
    assert len(pk) > 0.9 * len(ended) and pk.between(0.0, 1.0).all()
    assert ic["pk_launch"].between(0.0, 1.0).all() and (ic["pk_launch"] > 0).all()
