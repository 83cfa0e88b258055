"""Kill probability: configured hit rate, closed-form factors, monotonicity (property tests)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from airdefense.engagement import pk as pkm
from airdefense.engagement.envelope import feasibility
from airdefense.engagement.pk import (
    cumulative_kill_probability,
    draw_hits,
    kill_probability,
    position_sigma,
)

from .conftest import flat, make_launchers


@pytest.mark.parametrize("p", [0.05, 0.3, 0.8, 0.97])
def test_hit_rate_matches_configured_value(rng, p):
    """Over 10,000 draws the hit rate is within the binomial tolerance of the configured Pk."""
    n = 10_000
    hits = int(draw_hits(np.full(n, p), rng).sum())
    assert stats.binomtest(hits, n, p).pvalue > 1e-3
    assert abs(hits / n - p) < 4.0 * np.sqrt(p * (1 - p) / n)


def test_hit_rate_of_the_engagement_end_game(rng):
    """The end game of interceptors inside capture draws hits at their geometry's Pk.

    4,000 Tor rounds of example 3 end their flights at the same point inside the envelope
    (8 km north of the launcher, 800 m up), within capture, against a target that stays
    alive; the engagement's end game (``Engagement._end_games``, the simulation's own) draws
    each with the generator. The Pk it records is the law of docs/engagement.md at that point
    (tests/engagement/test_end_game.py's closed form), and the hits are Binomial(4,000, Pk).
    """
    from airdefense import load_scenario
    from airdefense.engagement.model import Engagement
    from airdefense.simulation.events import EventLog

    from ..conftest import EXAMPLES
    from .test_end_game import TOR, TOR_P, _pk_closed_form, _point, _Truth

    sc = load_scenario(EXAMPLES / "03_battery_strike.yaml")
    x = _point(sc, 8000.0, 800.0)
    inputs = (TOR_P.pk["cruise"], 12.0, 100.0, 0.8)
    want = _pk_closed_form(sc, x, *inputs)
    assert 0.3 < want < 0.9
    eng = Engagement(sc, EventLog(), rng)
    L = eng.launchers
    n = 4000
    for _ in range(n):
        eng.icpt.launch(pos=L.enu[TOR], aim=x[:3], speed=850.0, target=0, track=0,
                        launcher=TOR, battery=1, fire_control=1, pk=0.77, guidance="command",
                        t=0.0, max_tof=float(L.max_tof[TOR]),
                        flyout=L.flyout.take(slice(TOR, TOR + 1)), pk_inputs=inputs)
    kills = []
    eng._end_games(_Truth(x), np.arange(n), np.full(n, 17.0), np.zeros(n),
                   alive=lambda k, t: True, kill=lambda k, t: kills.append(k))
    np.testing.assert_allclose(eng.icpt.pk_end[:n], want, rtol=1e-12)
    assert stats.binomtest(len(kills), n, want).pvalue > 1e-3
    assert sum(v == "hit" for v in eng.icpt_outcome.values()) == len(kills)


def test_factors_closed_form():
    """Each degradation factor equals its formula at chosen points."""
    assert kill_probability(0.9) == pytest.approx(0.9)
    assert kill_probability(0.9, crossing_frac=0.5) == pytest.approx(0.9 * (1 - 0.4 * 0.25))
    assert kill_probability(0.9, speed_frac=1.0) == pytest.approx(0.9 * 0.7)
    assert kill_probability(0.9, range_frac=0.8) == pytest.approx(0.9)
    assert kill_probability(0.9, range_frac=1.0) == pytest.approx(0.9 * 0.7)
    assert kill_probability(0.9, alt_frac=0.9) == pytest.approx(0.9 * (1 - 0.3 * 0.5))
    assert kill_probability(0.9, g_ratio=20 / 30) == pytest.approx(0.9 * 30 / 60)
    assert kill_probability(0.9, g_ratio=0.2) == pytest.approx(0.9)
    assert kill_probability(0.9, sigma_m=30.0, basket_m=30.0) == pytest.approx(0.45)
    assert kill_probability(0.9, quality=0.0) == pytest.approx(0.9 * 0.7)


@settings(max_examples=200, deadline=None)
@given(base=st.floats(0, 1), c1=st.floats(0, 3), c2=st.floats(0, 3), v1=st.floats(0, 3),
       v2=st.floats(0, 3), r=st.floats(0, 1.2), a=st.floats(0, 1.2), g=st.floats(0, 2),
       s=st.floats(0, 500), q=st.floats(0, 1))
def test_pk_monotonic_in_crossing_and_speed(base, c1, c2, v1, v2, r, a, g, s, q):
    """Pk never rises with crossing range or with target speed, all else equal."""
    kw = dict(range_frac=r, alt_frac=a, g_ratio=g, sigma_m=s, basket_m=60.0, quality=q)
    lo_c, hi_c = sorted((c1, c2))
    lo_v, hi_v = sorted((v1, v2))
    assert (kill_probability(base, crossing_frac=hi_c, speed_frac=lo_v, **kw)
            <= kill_probability(base, crossing_frac=lo_c, speed_frac=lo_v, **kw) + 1e-12)
    assert (kill_probability(base, crossing_frac=lo_c, speed_frac=hi_v, **kw)
            <= kill_probability(base, crossing_frac=lo_c, speed_frac=lo_v, **kw) + 1e-12)
    p = kill_probability(base, crossing_frac=c1, speed_frac=v1, **kw)
    assert 0.0 <= p <= base + 1e-12


@settings(max_examples=40, deadline=None)
@given(off1=st.floats(0, 14000), off2=st.floats(0, 14000), sp1=st.floats(100, 900),
       sp2=st.floats(100, 900))
def test_envelope_pk_monotonic_in_crossing_and_speed(off1, off2, sp1, sp2):
    """Through the envelope: a larger offset or a faster target never raises the Pk."""
    L = make_launchers(["pac2_gem"])

    def pk(offset, speed):
        # Same intercept point (x = 0, offset, 5 km) reached 20 s ahead, flying along +x.
        x = np.array([[-speed * 20.0, offset, 5000.0, speed, 0.0, 0.0]])
        return feasibility(x, L, flat, 0.0, kind=["aircraft"], windows=False)["pk"][0, 0]

    lo, hi = sorted((off1, off2))
    s_lo, s_hi = sorted((sp1, sp2))
    assert pk(hi, s_lo) <= pk(lo, s_lo) + 1e-12
    assert pk(lo, s_hi) <= pk(lo, s_lo) + 1e-12


def test_poor_track_lowers_pk():
    """A track with a large covariance or a low quality score gets a lower Pk."""
    L = make_launchers(["tor_9m338"])
    x = np.array([[8000.0, 0.0, 500.0, -50.0, 0.0, 0.0]] * 3)
    P = np.stack([np.eye(6) * 1.0, np.eye(6) * 100.0 ** 2, np.eye(6) * 1.0])
    res = feasibility(x, L, flat, 0.0, kind=["drone"] * 3, cov=P, quality=[1.0, 1.0, 0.2])
    p = res["pk"][:, 0]
    assert p[1] < p[0] and p[2] < p[0]
    np.testing.assert_allclose(position_sigma(P), [1.0, 100.0, 1.0])


def test_manoeuvring_target_lowers_pk():
    """A target pulling more g relative to the interceptor gets a lower Pk."""
    L = make_launchers(["pac3"])
    x = np.array([[15000.0, 0.0, 8000.0, -1500.0, 0.0, -500.0]] * 2)
    res = feasibility(x, L, flat, 0.0, kind=["ballistic"] * 2, target_g=[5.0, 30.0])
    assert res["pk"][1, 0] < res["pk"][0, 0]


@pytest.mark.parametrize("p,n,want", [(0.5, 1, 0.5), (0.5, 3, 0.875), (0.2, 0, 0.0),
                                      (1.0, 2, 1.0)])
def test_cumulative(p, n, want):
    """1 - (1 - p)^n for n independent shots."""
    assert cumulative_kill_probability(p, n) == pytest.approx(want)


def test_constants_are_sane():
    """Every guidance has a basket and every class a default manoeuvre limit."""
    assert set(pkm.BASKET_M) == {"command", "semi_active", "track_via_missile", "active", "gun"}
    assert set(pkm.CLASS_G) == {"drone", "cruise", "ballistic", "aircraft", "helicopter"}


def test_position_sigma_is_the_rms_of_the_position_variances_bit_for_bit(rng):
    """sqrt(max(trace of the position block, 0) / 3), as the NumPy statement computes it, also
    for a non-contiguous stack and a (numerically) negative trace."""
    P = rng.normal(0, 300, (40, 6, 6)) ** 2
    P[3, :3, :3] = -1e-9
    for stack in (P, P[::2], np.swapaxes(np.swapaxes(P, 1, 2), 1, 2)[1::3]):
        want = np.sqrt(np.maximum(stack[:, 0, 0] + stack[:, 1, 1] + stack[:, 2, 2], 0.0) / 3.0)
        assert position_sigma(stack).tobytes() == want.tobytes()
