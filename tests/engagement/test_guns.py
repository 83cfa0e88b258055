"""Guns: time in range (closed form), bursts limited by ammunition, accumulated kill probability."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from airdefense.engagement.guns import burst_kill_probability, gun_engagement, time_in_range

from .conftest import make_launchers


def test_time_in_range_straight_pass():
    """A straight pass at 1 km offset: entry and exit where the slant range is 4 km."""
    x = np.array([[-5000.0, 1000.0, 0.0, 100.0, 0.0, 0.0]])
    enter, leave, dur = time_in_range(x, np.zeros((1, 3)), [200.0], [4000.0])
    half = np.sqrt(4000.0 ** 2 - 1000.0 ** 2)
    assert enter[0, 0] == pytest.approx((5000.0 - half) / 100.0)
    assert leave[0, 0] == pytest.approx((5000.0 + half) / 100.0)
    assert dur[0, 0] == pytest.approx(2 * half / 100.0)


def test_time_in_range_excludes_min_range_and_past():
    """Time inside the minimum range does not count, nor time already past."""
    x = np.array([[0.0, 100.0, 0.0, 100.0, 0.0, 0.0]])  # now overhead, leaving along +x
    enter, leave, dur = time_in_range(x, np.zeros((1, 3)), [200.0], [4000.0])
    outer = np.sqrt(4000.0 ** 2 - 100.0 ** 2) / 100.0
    inner = np.sqrt(200.0 ** 2 - 100.0 ** 2) / 100.0
    assert enter[0, 0] == 0.0
    assert dur[0, 0] == pytest.approx(outer - inner)


def test_never_in_range():
    """A target that never comes within range has NaN entry and zero time."""
    x = np.array([[-5000.0, 6000.0, 0.0, 100.0, 0.0, 0.0]])
    enter, leave, dur = time_in_range(x, np.zeros((1, 3)), [200.0], [4000.0])
    assert np.isnan(enter[0, 0]) and np.isnan(leave[0, 0]) and dur[0, 0] == 0.0


def test_bursts_limited_by_interval_and_ammunition():
    """Bursts are one launch interval apart while in range, at most the bursts left."""
    L = make_launchers(["gun_35mm"])  # 8 bursts, 2 s apart (test launcher)
    x = np.array([[-5000.0, 1000.0, 0.0, 100.0, 0.0, 0.0],
                  [-4010.0, 1000.0, 0.0, 100.0, 0.0, 0.0]])
    L.rounds[:] = 100
    res = gun_engagement(x, L, p_burst=0.3)
    dur = 2 * np.sqrt(4000.0 ** 2 - 1000.0 ** 2) / 100.0
    assert res["n_bursts"][0, 0] == int(np.floor(dur / 2.0)) + 1
    L.rounds[:] = 8
    res = gun_engagement(x, L, p_burst=0.3)
    assert (res["n_bursts"][:, 0] == 8).all()
    np.testing.assert_allclose(res["p_kill"][:, 0], 1 - 0.7 ** 8)


def test_accumulated_probability_matches_draws(rng):
    """The engagement's accumulated kill probability is what its bursts drawn one by one give.

    An inbound drone pass against the 35 mm gun with the default burst law (each burst's Pk
    at the range it is fired from, rising as the drone closes): each of 10,000 engagements
    draws every burst with the end game's draw (``draw_hits``) at that burst's Pk; the
    fraction killed matches ``p_kill`` (binomial test), as independent bursts must.
    """
    from airdefense.engagement.pk import draw_hits

    L = make_launchers(["gun_35mm"])
    L.rounds[:] = 6
    x = np.array([[-4500.0, 300.0, 200.0, 100.0, 0.0, 0.0]])
    res = gun_engagement(x, L, kind=["drone"])
    n = int(res["n_bursts"][0, 0])
    p = res["p_burst"][0, 0, :n]
    assert n >= 3 and np.ptp(p) > 0.05  # several bursts of different Pk
    trials = 10_000
    kills = int(draw_hits(np.broadcast_to(p, (trials, n)), rng).any(axis=1).sum())
    assert stats.binomtest(kills, trials, float(res["p_kill"][0, 0])).pvalue > 1e-3


@pytest.mark.parametrize(("z", "vz", "band", "want"), [
    # level at 500 m: all of the pass inside a 0-3000 m band, none inside 1000-3000 m
    (500.0, 0.0, (0.0, 3000.0), "all"), (500.0, 0.0, (1000.0, 3000.0), "none"),
    # climbing 10 m/s from 0 m: inside a 0-200 m band for the first 20 s of the pass only
    (0.0, 10.0, (0.0, 200.0), (0.0, 20.0)),
    # diving 20 m/s from 1000 m: inside 0-600 m from 20 s until it reaches the ground at 50 s
    (1000.0, -20.0, (0.0, 600.0), (20.0, 50.0)),
])
def test_time_in_range_keeps_to_the_altitude_band(z, vz, band, want):
    """The time in range counts only where the straight-line height is within the band."""
    x = np.array([[-3000.0, 0.0, z, 100.0, 0.0, vz]])
    enter, leave, dur = time_in_range(x, np.zeros((1, 3)), [0.0], [4000.0],
                                      min_alt_m=[band[0]], max_alt_m=[band[1]])
    # slant-range window of the pass alone, closed form (no altitude band)
    e0, l0, _ = time_in_range(x, np.zeros((1, 3)), [0.0], [4000.0])
    if want == "all":
        assert dur[0, 0] == pytest.approx(l0[0, 0] - e0[0, 0])
    elif want == "none":
        assert np.isnan(enter[0, 0]) and dur[0, 0] == 0.0
    else:
        lo, hi = max(want[0], e0[0, 0]), min(want[1], l0[0, 0])
        assert enter[0, 0] == pytest.approx(lo) and leave[0, 0] == pytest.approx(hi)
        assert dur[0, 0] == pytest.approx(hi - lo)


def test_gun_engagement_uses_the_guns_altitude_band():
    """A target above the gun's max altitude gets no burst whatever its slant range."""
    L = make_launchers(["gun_35mm"])
    top = float(L.max_alt[0])
    x = np.array([[-2000.0, 0.0, top + 100.0, 100.0, 0.0, 0.0],
                  [-2000.0, 0.0, top - 100.0, 100.0, 0.0, 0.0]])
    L.rounds[:] = 100
    res = gun_engagement(x, L, p_burst=0.3)
    assert res["n_bursts"][0, 0] == 0 and res["p_kill"][0, 0] == 0.0
    assert res["n_bursts"][1, 0] > 0


def _fired_bursts(x, gun, rmin, rmax, interval, left, dt=1e-3, t_end=80.0, band=None):
    """Bursts of a gun that fires whenever the target is within ``[rmin, rmax]`` of it (and
    its height ``z`` within ``band``) and one interval has passed since its last burst, on a
    time grid of step ``dt``: their times and slant ranges (the reference, written out without
    the closed forms)."""
    t = np.arange(0.0, t_end, dt)
    p = x[:3] + x[3:] * t[:, None]
    r = np.linalg.norm(p - gun, axis=1)
    ok = (rmin <= r) & (r <= rmax)
    if band is not None:
        ok &= (band[0] <= p[:, 2]) & (p[:, 2] <= band[1])
    can = np.flatnonzero(ok)
    times = []
    nxt = 0.0
    while len(times) < left:
        k = np.searchsorted(can, int(np.ceil(nxt / dt - 1e-6)))
        if k >= can.size:
            break
        times.append(t[can[k]])
        nxt = times[-1] + interval
    idx = np.round(np.array(times) / dt).astype(int)
    return np.array(times), r[idx]


@pytest.mark.parametrize("x0", [-1000.0, -1300.0, -2600.0])  # the last: all bursts before it
def test_no_burst_is_counted_inside_the_minimum_range(x0):
    """A drone flying straight over the gun (100 m up, 100 m/s) crosses its 200 m dead zone
    for 3.5 s: the bursts pause there and resume when it comes out, as a gun that fires at
    every chance (a time-stepped reference) does; none is counted inside the minimum range.
    Before 2026-11-26 the bursts went on one interval apart through the dead zone, the one
    overhead (100 m) counted with the burst Pk at 200 m."""
    L = make_launchers(["gun_35mm"])  # bursts 2 s apart (test launcher)
    L.rounds[:] = 10
    x = np.array([x0, 0.0, 100.0, 100.0, 0.0, 0.0])
    res = gun_engagement(x[None], L, kind=["drone"])
    n = int(res["n_bursts"][0, 0])
    times, ranges = _fired_bursts(x, np.zeros(3), float(L.min_range[0]),
                                  float(L.max_range[0]), float(L.min_interval_s[0]), 10)
    assert n == times.size
    # each burst's Pk is the burst law at the reference burst's range (to the time step)
    want = burst_kill_probability(
        float(L.pk[0, 0]), ranges, L.flyout.take([0]).time_to(ranges),
        rounds_per_burst=L.gun[0, 0], aim_error_mrad=L.gun[0, 1] * 1e3,
        dispersion_mrad=L.gun[0, 2] * 1e3, presented_area_m2=L.gun[0, 3],
        velocity_error_mps=L.gun[0, 4])
    np.testing.assert_allclose(res["p_burst"][0, 0, :n], want, atol=2e-3)
    np.testing.assert_allclose(res["p_kill"][0, 0], 1.0 - np.prod(1.0 - want), atol=5e-3)


def test_no_burst_beyond_the_horizon_or_for_a_grazing_pass():
    """A target that comes into range only after the horizon, or whose pass touches the
    maximum range without entering it, gets no burst."""
    L = make_launchers(["gun_35mm"])
    L.rounds[:] = 10
    x = np.array([[-9000.0, 0.0, 100.0, 100.0, 0.0, 0.0],  # enters at ~50 s
                  [-5000.0, 4000.0, 0.0, 100.0, 0.0, 0.0]])  # touches 4 km abeam
    res = gun_engagement(x, L, p_burst=0.3, horizon_s=30.0)
    assert (res["n_bursts"][:, 0] == 0).all() and (res["p_kill"][:, 0] == 0.0).all()
    enter, leave, dur = time_in_range(x[:1], np.zeros((1, 3)), [200.0], [4000.0], 30.0)
    assert np.isnan(enter[0, 0]) and np.isnan(leave[0, 0]) and dur[0, 0] == 0.0


@pytest.mark.parametrize("vz", [0.0, 5.0, -5.0])
def test_a_target_never_in_range_stays_out_inside_the_altitude_band(vz):
    """A pass 6 km abeam never comes within the gun's 4 km, whatever its height: no time in
    range and no burst with the altitude band given too. Before 2026-11-26 the band's times
    replaced the range's (NaN) ones: a level pass at 500 m was in range from now on for ever
    (1.8e308 s) and drew every burst the gun had."""
    x = np.array([[-5000.0, 6000.0, 500.0, 100.0, 0.0, vz]])
    enter, leave, dur = time_in_range(x, np.zeros((1, 3)), [200.0], [4000.0],
                                      min_alt_m=[0.0], max_alt_m=[3000.0])
    assert np.isnan(enter[0, 0]) and np.isnan(leave[0, 0]) and dur[0, 0] == 0.0
    L = make_launchers(["gun_35mm"])
    res = gun_engagement(x, L, p_burst=0.3)
    assert res["n_bursts"][0, 0] == 0 and res["p_kill"][0, 0] == 0.0


@settings(max_examples=40, deadline=None)
@given(st.floats(-6000.0, 6000.0), st.floats(-3000.0, 3000.0), st.floats(0.0, 3500.0),
       st.floats(0.0, 2 * np.pi), st.floats(20.0, 400.0), st.floats(-30.0, 30.0),
       st.integers(1, 12))
def test_bursts_follow_a_gun_stepped_in_time(x0, y0, z0, heading, speed, vz, left):
    """Over random straight paths (climbing, diving, over the gun or abeam, starting in or
    out of range): the bursts' count, their times and their Pk are those of a gun that fires
    at every chance in range and in its altitude band, one interval apart (time grid of
    1 ms), at most its bursts left."""
    L = make_launchers(["gun_35mm"])
    L.rounds[:] = left
    x = np.array([x0, y0, z0, speed * np.cos(heading), speed * np.sin(heading), vz])
    res = gun_engagement(x[None], L, kind=["drone"], horizon_s=60.0)
    times, ranges = _fired_bursts(x, np.zeros(3), float(L.min_range[0]), float(L.max_range[0]),
                                  float(L.min_interval_s[0]), left, t_end=60.0,
                                  band=(float(L.min_alt[0]), float(L.max_alt[0])))
    n = int(res["n_bursts"][0, 0])
    assert n == times.size
    want = burst_kill_probability(
        float(L.pk[0, 0]), ranges, L.flyout.take([0]).time_to(ranges),
        rounds_per_burst=L.gun[0, 0], aim_error_mrad=L.gun[0, 1] * 1e3,
        dispersion_mrad=L.gun[0, 2] * 1e3, presented_area_m2=L.gun[0, 3],
        velocity_error_mps=L.gun[0, 4])
    np.testing.assert_allclose(res["p_burst"][0, 0, :n], want, atol=2e-3)
    assert res["p_kill"][0, 0] == pytest.approx(1.0 - np.prod(1.0 - want), abs=5e-3)
