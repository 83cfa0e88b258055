"""Terrain masking of the radar network: the looks it masks make no return (so they merge with no
visible return) and count as not looked at (``looked_at``/``looked_by``).

The references are the geometry by hand: a straight north-south ridge (``_ridge_terrain``: 0 m
up to 9,800 m east, a ramp to the top from 9,800 to 9,900 m, the flat top to 10,100 m, a ramp
down to 10,200 m) and the refracted ray, straight over the 4/3 earth: at ground distance ``x``
of ``d`` its height is ``h_a + (h_b - h_a) x / d - x (d - x) / (2 k R)``.
"""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.sensors.radar import RadarNetwork
from tests.sensors.test_radar import FRAME, _ridge_terrain, run, targets, unit

EMPTY = (np.zeros((0, 6)), np.zeros(0), np.zeros(0, bool))
KR = 4.0 / 3.0 * FRAME.radius_m


def ridge_m(east_m, top_m):
    """The ridge's height by hand (see the module docstring), m."""
    d = np.abs(np.asarray(east_m, float) - 10_000.0)
    return top_m * np.clip((200.0 - d) / 100.0, 0.0, 1.0)


def ray_margin_m(radar_east_m, ant_h_m, east_m, north_m, h_m, top_m):
    """Least height of the ray from an antenna at ``(radar_east_m, 0)`` to each point above the
    ground below it, m (negative: the terrain masks the point), over 4,000 points of the ray
    (the ends left out; next to the antenna it is about the antenna's height)."""
    s = (np.arange(4_000) + 0.5) / 4_000
    e = np.asarray(east_m, float)[:, None]
    n = np.asarray(north_m, float)[:, None]
    h = np.asarray(h_m, float)[:, None]
    d = np.hypot(e - radar_east_m, n)
    x = s * d
    ray = ant_h_m + (h - ant_h_m) * s - x * (d - x) / (2.0 * KR)
    return (ray - ridge_m(radar_east_m + (e - radar_east_m) * s, top_m)).min(axis=1)


def cell_by_hand(ant, pos, range_res_m, beam_rad):
    """(range gate, azimuth beam, elevation beam) of a point, the resolution cell grid."""
    d = pos - ant
    r = np.linalg.norm(d)
    az = np.arctan2(d[0], d[1]) % (2 * np.pi)
    el = np.arctan2(d[2], np.hypot(d[0], d[1]))
    return (int(r // range_res_m), int(az // beam_rad), int((el + np.pi / 2) // beam_rad))


@pytest.mark.parametrize("hidden_rcs", [10.0, 0.5])
def test_masked_target_does_not_merge_with_a_visible_one_in_its_cell(hidden_rcs, rng):
    """A target behind the ridge in the resolution cell of a visible one neither suppresses nor
    shifts the visible one's return (before, the two merged, then the merged return was masked
    when the stronger hidden target led it (10 m^2), or its centroid was pulled towards the
    weaker hidden one (0.5 m^2))."""
    top = 200.0
    u = unit("tor_m2_radar", swerling=0, scan_period_s=1.0)
    net = RadarNetwork([u], FRAME, _ridge_terrain(top))
    east = np.array([20_000.0, 19_980.0])  # at bearing 89 deg: mid azimuth beam
    north = east * np.tan(np.radians(1.0))
    h = np.array([460.0, 350.0])
    st_ = targets(east, north, h)
    ant = net.enu[0]
    p = u.preset
    # The set-up by hand: one cell, the first target clear of the ridge, the second masked.
    cells = [cell_by_hand(ant, st_[c, :3], p.range_resolution_m, np.radians(p.beamwidth_deg))
             for c in (0, 1)]
    assert cells[0] == cells[1]
    margin = ray_margin_m(0.0, p.antenna_height_m, east, north, h, top)
    assert margin[0] > 2.0 and margin[1] < -15.0
    n_scans = 20
    d = run(net, st_, np.array([1.0, hidden_rcs]), float(n_scans), 1.0, rng)
    d = d.select(d.truth_id >= 0)
    # Swerling 0 at 16.9 dB against a 1e-6 threshold: a miss in 20 looks has odds ~4e-4.
    assert (d.truth_id == 0).sum() == n_scans
    assert net.stats["merged"] == 0
    # The measurements are the visible target's own, unbiased: means within 4.5 sigma.
    rel = st_[0, :3] - ant
    truth = [np.linalg.norm(rel), np.arctan2(rel[2], np.hypot(rel[0], rel[1]))]
    for a, (col, want) in enumerate(zip((0, 2), truth, strict=True)):
        sig = np.sqrt(d.R[:, col, col])
        assert abs(d.z[:, col].mean() - want) < 4.5 * sig.mean() / np.sqrt(len(d)), a


def test_masked_looks_make_no_return_and_count_misses(rng):
    """A held target that goes behind the ridge is no longer detected and its track drops
    after ``track_drop_misses`` masked looks (each a miss, though the call has no return)."""
    top = 200.0
    u = unit("tor_m2_radar", swerling=0, scan_period_s=1.0)
    net = RadarNetwork([u], FRAME, _ridge_terrain(top))
    east, north = np.array([20_000.0]), np.array([349.0])
    seen, hidden = targets(east, north, 460.0), targets(east, north, 350.0)
    h_a = u.preset.antenna_height_m
    assert ray_margin_m(0.0, h_a, east, north, [460.0], top)[0] > 2.0
    assert ray_margin_m(0.0, h_a, east, north, [350.0], top)[0] < -15.0
    rcs, alive = np.ones(1), np.ones(1, bool)
    d = net.scan(1.0, seen, rcs, alive, rng)
    assert d.truth_id.tolist().count(0) == 1 and net.tracked[0, 0]
    looks0 = net.stats["looks"]
    for k in range(2, 40):
        d = net.scan(0.5 * k + 0.5, hidden, rcs, alive, rng)
        assert 0 not in d.truth_id
        if not net.tracked[0, 0]:
            break
    assert not net.tracked[0, 0]
    assert net.stats["looks"] - looks0 == u.preset.track_drop_misses


@pytest.mark.parametrize("name", ["tor_m2_radar", "mpq65"])
def test_looked_by_leaves_out_points_the_terrain_masks(name, rng):
    """looked_by with terrain is looked_by without it and with the line of sight clear, radar
    by radar (the ray by hand); looked_at is its any over radars."""
    top = 300.0
    units = [unit(name, boresight_deg=90.0, scan_period_s=1.0),
             unit(name, east=20_000.0, boresight_deg=270.0, scan_period_s=1.0)]
    net = RadarNetwork(units, FRAME, _ridge_terrain(top))
    bare = RadarNetwork(units, FRAME)
    n = 1000
    east = rng.uniform(2_000.0, 30_000.0, n)
    east = east[np.abs(east - 10_000.0) > 300.0]
    n = east.size
    north = rng.uniform(-4_000.0, 4_000.0, n)
    h = rng.uniform(0.0, 2_500.0, n)
    pos = targets(east, north, h)[:, :3]
    margin = np.stack([ray_margin_m(e, u.preset.antenna_height_m, east, north, h, top)
                       for e, u in zip((0.0, 20_000.0), units, strict=True)], axis=1)
    sure = (np.abs(margin) > 2.0).all(axis=1)
    ra, rb = np.random.default_rng(5), np.random.default_rng(5)
    t = 0.0
    masked = seen = 0
    for dt in (0.3, 1.0, 0.45, 2.0):  # partial sweeps and whole ones
        t += dt
        net.scan(t, *EMPTY, ra)
        bare.scan(t, *EMPTY, rb)
        got = net.looked_by(pos)
        want = bare.looked_by(pos) & (margin > 0.0)
        np.testing.assert_array_equal(got[sure], want[sure])
        np.testing.assert_array_equal(net.looked_at(pos), got.any(axis=1))
        masked += int((bare.looked_by(pos) & (margin < -2.0))[sure].sum())
        seen += int(want[sure].sum())
    # Points the radars would have looked at without the ridge, masked by it; and seen ones.
    assert masked > 50 and seen > 50
