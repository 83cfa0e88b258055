"""The end game's miss distance: the Pk's miss law, drawn with the outcome.

Reference: a circular normal miss against a cookie-cutter lethal radius ``r_L`` (Driels,
*Weaponeering*, single-shot kill probability ``1 - exp(-r_L^2 / 2 sigma^2)``): the miss
distance follows the Rayleigh law of ``sigma = r_L / sqrt(-2 ln(1 - pk))`` (scipy's
``rayleigh``), a hit's miss is inside the lethal radius and a miss's outside it. Before, the
reported miss was the guidance's closest approach to the true target, millimetres for hits and
misses alike (medians 0.004-0.018 m in the four examples).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from airdefense import load_scenario, simulate
from airdefense.engagement.interceptors import CAPTURE_RADIUS_M
from airdefense.engagement.pk import LETHAL_RADIUS_M, draw_end_game, draw_end_games, draw_hits

from ..conftest import EXAMPLES


def _sigma(pk, r_lethal):
    return r_lethal / np.sqrt(-2.0 * np.log1p(-pk))


@pytest.mark.parametrize("pk,r_lethal", [(0.8, 2.0), (0.45, 20.0), (0.05, 7.0)])
def test_misses_follow_the_rayleigh_law_of_the_pk(pk, r_lethal):
    """20,000 end games of one Pk (fixed seed): every hit's miss is within the lethal radius
    and every miss's beyond it; the misses follow the Rayleigh law whose mass inside the
    lethal radius is the Pk (KS test), and so do the hits' misses, truncated to it."""
    n = 20_000
    hit, miss = draw_end_games(np.full(n, pk), r_lethal, np.random.default_rng(11))
    assert (miss[hit] <= r_lethal).all() and (miss[~hit] >= r_lethal).all()
    assert stats.binomtest(int(hit.sum()), n, pk).pvalue > 0.01
    law = stats.rayleigh(scale=_sigma(pk, r_lethal))
    assert law.cdf(r_lethal) == pytest.approx(pk, rel=1e-12)
    assert stats.kstest(miss, law.cdf).pvalue > 0.01
    assert stats.kstest(miss[hit], lambda d: law.cdf(d) / pk).pvalue > 0.01


def test_the_outcomes_are_draw_hits_own_draws():
    """The same uniforms, in the same number and order as :func:`draw_hits`: the outcomes
    are unchanged and the stream is left where it was."""
    pk = np.random.default_rng(0).random(500)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    hit, _ = draw_end_games(pk, 15.0, a)
    np.testing.assert_array_equal(hit, draw_hits(pk, b))
    assert a.random() == b.random()


def test_certain_and_impossible_kills():
    """Pk 1: every round hits at 0 m; Pk 0 (outside the envelope): never a hit, no miss law
    (NaN)."""
    hit, miss = draw_end_games(np.ones(50), 20.0, np.random.default_rng(1))
    assert hit.all() and (miss == 0.0).all()
    hit, miss = draw_end_games(np.zeros(50), 20.0, np.random.default_rng(1))
    assert not hit.any() and np.isnan(miss).all()


def test_lethal_radii_are_inside_the_capture_radii():
    """A hit's miss (inside the lethal radius) is one the capture radius admits."""
    assert LETHAL_RADIUS_M.keys() == CAPTURE_RADIUS_M.keys()
    assert all(0 < LETHAL_RADIUS_M[g] <= CAPTURE_RADIUS_M[g] for g in LETHAL_RADIUS_M)


def test_reported_misses_in_example_2_agree_with_the_outcomes():
    """Example 2 (seed 2, truth tracking): each hit's miss is within its round's lethal
    radius, each miss's (where the target was alive) at or beyond it; the misses are spread
    over metres, not millimetres."""
    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    res = simulate(sc, 2, tracking="truth")
    ev = res.events
    guidance = np.array([u.interceptor.guidance for u in sc.launchers])
    r_l = np.array([LETHAL_RADIUS_M[g] for g in guidance])
    hits = ev[ev["kind"] == "intercept_hit"]
    misses = ev[(ev["kind"] == "intercept_miss") & ev["value"].notna()]
    assert len(hits) > 20 and len(misses) > 5
    assert (hits["value"].to_numpy() <= r_l[hits["launcher_id"].to_numpy()]).all()
    assert (misses["value"].to_numpy() >= r_l[misses["launcher_id"].to_numpy()]).all()
    assert misses["value"].median() > 2.0 and hits["value"].median() > 0.1


@pytest.mark.parametrize("pk,r_lethal,r_capture", [(0.1, 20.0, 40.0), (0.45, 7.0, 30.0),
                                                   (0.05, 2.0, 30.0)])
def test_misses_stay_inside_the_capture_radius(pk, r_lethal, r_capture):
    """An end game happens only inside the capture radius: a miss's distance follows the
    Rayleigh tail truncated there, (F(d) - pk) / (F(r_C) - pk) on [r_L, r_C] (KS test); the
    hits and the outcomes are those of the untruncated draw (the same uniforms)."""
    n = 20_000
    hit, miss = draw_end_games(np.full(n, pk), r_lethal, np.random.default_rng(5), r_capture)
    hit0, miss0 = draw_end_games(np.full(n, pk), r_lethal, np.random.default_rng(5))
    assert (hit == hit0).all()
    np.testing.assert_array_equal(miss[hit], miss0[hit])
    assert (miss[~hit] >= r_lethal - 1e-9).all() and (miss[~hit] <= r_capture + 1e-9).all()
    law = stats.rayleigh(scale=_sigma(pk, r_lethal))
    top = law.cdf(r_capture)
    assert stats.kstest(miss[~hit], lambda d: (law.cdf(d) - pk) / (top - pk)).pvalue > 0.01


@settings(max_examples=300, deadline=None)
@given(pk=st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 1e-300, 1.0 - 1e-16, -0.2,
                                                          1.3, np.nan])),
       r_lethal=st.one_of(st.floats(0.1, 40.0), st.sampled_from([0.0, np.inf])),
       r_capture=st.one_of(st.floats(0.0, 80.0), st.just(np.inf)),
       seed=st.integers(0, 2**32 - 1))
def test_one_end_game_draws_the_numbers_of_the_array_draw(pk, r_lethal, r_capture, seed):
    """``draw_end_game`` (the simulation's, one end game with scalars) gives bit for bit what
    ``draw_end_games`` gives for that one entry as the simulation called it before (a NumPy
    scalar Pk and capture radius), and draws the same single uniform (the streams agree
    after it), the edges (Pk 0 or 1 and outside, no lethal or capture radius) included."""
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    with np.errstate(all="ignore"):  # (an infinite lethal radius: inf * 0 in both)
        hit0, miss0 = draw_end_games(np.float64(pk), r_lethal, a, np.float64(r_capture))
        hit1, miss1 = draw_end_game(np.float64(pk), r_lethal, b, np.float64(r_capture))
    assert isinstance(hit1, bool) and isinstance(miss1, float)
    assert hit1 == bool(hit0)
    assert np.float64(miss1).tobytes() == np.float64(miss0).tobytes()
    assert a.random() == b.random()


def test_one_end_game_matches_the_array_draw_densely():
    """The same on 20,000 random (Pk, lethal radius, capture radius) triples: a dense sample
    catches a last-bit difference that a few hundred cases may not (e.g. squaring the radius
    ratio as ``x * x`` where the array draw takes the power, or the math module's log1p)."""
    rs = np.random.default_rng(2026)
    pk, r_l, r_c = rs.random(20_000), rs.uniform(0.5, 30.0, 20_000), rs.uniform(0, 80, 20_000)
    for q in range(pk.size):
        a, b = np.random.default_rng(q), np.random.default_rng(q)
        hit0, miss0 = draw_end_games(np.float64(pk[q]), float(r_l[q]), a, np.float64(r_c[q]))
        hit1, miss1 = draw_end_game(np.float64(pk[q]), float(r_l[q]), b, np.float64(r_c[q]))
        assert (hit1, miss1) == (bool(hit0), float(miss0)), q
