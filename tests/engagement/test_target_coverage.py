"""A radar-guided round in flight needs its fire-control radar on its target: lost after the
grace (:data:`airdefense.engagement.model.COVERAGE_GRACE_S`), assessed a miss, its guidance
channel freed; and the fire decision's far edge keeps intercepts inside the maximum range."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense import load_scenario, simulate
from airdefense.engagement.envelope import FAR_EDGE_MARGIN
from airdefense.engagement.model import LOST_COVERAGE, Engagement
from airdefense.errors import AirDefenseError
from airdefense.simulation.events import EventLog
from tests.conftest import EXAMPLES

SC = load_scenario(EXAMPLES / "02_layered_city.yaml")


class _Truth:
    """One threat on a straight line from ``p0`` with velocity ``v``."""

    def __init__(self, p0, v):
        self.p0, self.v = np.asarray(p0, float), np.asarray(v, float)

    def states(self, t):
        return np.hstack([self.p0 + self.v * t, self.v])[None]


def _fly_tor_round(p0, v, grace, steps=12):
    """Launch one Tor round at t=0 at the threat and fly 1 s steps; returns the engagement
    and the step start at which it was lost (None: not lost)."""
    eng = Engagement(SC, EventLog(), np.random.default_rng(0), coverage_grace_s=grace)
    L = eng.launchers
    j = int(np.flatnonzero(np.array(L.interceptor) == "tor_9m338")[0])
    p0 = L.enu[j] + np.asarray(p0, float)
    truth = _Truth(p0, v)
    fc = int(L.fire_control[j])
    full = eng.channels_free(np.ones(len(SC.sensors), bool))[fc]
    eng.icpt.launch(pos=L.enu[j], aim=p0, speed=850.0, target=0, track=7, launcher=j,
                    battery=int(L.battery[j]), fire_control=fc, pk=0.8, guidance="command",
                    t=0.0, max_tof=60.0, flyout=L.flyout.take(slice(j, j + 1)))
    eng.icpt_type[0] = "tor_9m338"
    assert eng.channels_free(np.ones(len(SC.sensors), bool))[fc] == full - 1
    ok = np.ones(len(SC.sensors), bool)
    for k in range(steps):
        eng.fly(float(k), float(k + 1), truth, None, ok, lambda q, t: True, lambda q, t: None)
        if eng.icpt_outcome.get(0) == "lost":
            assert eng.channels_free(ok)[fc] == full  # the channel is free again
            return eng, k
    return eng, None


def test_round_whose_target_leaves_coverage_is_lost_after_the_grace():
    """A target climbing through the Tor radar's 10 km ceiling: the round is lost at the
    first 1 s step start at least ``grace`` after the first step start that finds the target
    above the ceiling (the frame's heights: an independent reference), assessed a miss."""
    eng0 = Engagement(SC, EventLog(), np.random.default_rng(0))
    L = eng0.launchers
    j = int(np.flatnonzero(np.array(L.interceptor) == "tor_9m338")[0])
    ceiling = SC.sensors[int(L.fire_control[j])].preset.max_altitude_m
    p0, v = np.array([14000.0, 0.0, 9000.0]), np.array([0.0, 0.0, 200.0])
    h = SC.frame.height_m(L.enu[j] + p0 + v * np.arange(20.0)[:, None])
    first = int(np.argmax(h > ceiling))
    assert first >= 2
    for grace in (0.0, 2.0, 3.5):
        eng, k = _fly_tor_round(p0, v, grace)
        assert k == first + int(np.ceil(grace)), (grace, k)
        assert eng.assessments_due(1e9) == [(7, False)]
        lost = [r for r in eng.events._rows if r[1] == "interceptor_lost"]
        assert len(lost) == 1 and lost[0][-1] == LOST_COVERAGE  # its radar still works


def test_round_inside_coverage_flies_to_its_end_game():
    """The same round at a target inside coverage all along is never lost."""
    eng, k = _fly_tor_round([9000.0, 0.0, 3000.0], [-100.0, 0.0, 0.0], 0.0, steps=20)
    assert k is None
    assert eng.icpt_outcome.get(0) in ("hit", "miss")


@pytest.mark.parametrize("grace", [-1.0, np.nan, np.inf])
def test_grace_must_be_finite_and_not_negative(grace):
    """A negative or non-finite grace is refused by name."""
    with pytest.raises(AirDefenseError, match="coverage_grace_s must be a finite number of "
                                              "seconds >= 0"):
        Engagement(SC, EventLog(), np.random.default_rng(0), coverage_grace_s=grace)


def test_no_round_ends_beyond_max_range_against_straight_flyers(layered_straight):
    """Drones flying straight at their target (truth tracking): every end game of every round
    lies inside its interceptor's maximum range (the far-edge margin absorbs the flight)."""
    sc = layered_straight
    for seed in (1, 2):
        res = simulate(sc, seed=seed, tracking="truth")
        ev, ic = res.events, res.interceptors
        assert len(ic) > 0
        fire = ev[ev.kind == "fire"].set_index("interceptor_id")
        end = ev[ev.kind.isin(["intercept_hit", "intercept_miss"])].set_index("interceptor_id")
        maxr = {n: p.max_range_m for n, p in
                ((u.interceptor_name, u.interceptor) for u in sc.launchers)}
        for i, row in end.iterrows():
            if not np.isfinite(row.x):
                continue
            f = fire.loc[i]
            d = np.linalg.norm([row.x - f.x, row.y - f.y, row.z - f.z])
            typ = ic.type[ic.interceptor_id == i].iloc[0]
            assert d <= maxr[typ], (i, typ, d)
        assert not ((ic.outcome == "miss") & (ic.pk_end_game == 0.0)).any()


def test_fire_range_is_the_max_range_less_the_margin(monkeypatch):
    """The launcher rows' fire range is the maximum range less the margin; the rows follow a
    new margin, and a margin outside [0, 1) is refused naming it."""
    import airdefense.engagement.envelope as env
    from airdefense.engagement import _kernels

    L = Engagement(SC, EventLog(), np.random.default_rng(0)).launchers
    rows = env._launcher_rows(L)
    np.testing.assert_allclose(rows[:, _kernels.R_FIRE], L.max_range * (1 - FAR_EDGE_MARGIN))
    monkeypatch.setattr(env, "FAR_EDGE_MARGIN", 0.1)
    np.testing.assert_allclose(env._launcher_rows(L)[:, _kernels.R_FIRE], L.max_range * 0.9)
    monkeypatch.setattr(env, "FAR_EDGE_MARGIN", 1.5)
    with pytest.raises(AirDefenseError, match=r"FAR_EDGE_MARGIN must be in \[0, 1\) \(a "
                                              r"fraction of the maximum range\), got 1.5"):
        env._launcher_rows(L)
