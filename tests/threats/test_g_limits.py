"""Every route flight keeps its class's g-limit: the acceleration of the truth path, taken by
central differences of its velocity on a fine time grid, never exceeds the preset's ``max_g``,
and its airspeed changes no faster than the model's longitudinal limit (0.3 g, or a released
munition's ``release_accel_g`` while it speeds up). Corners that have no room for their blend
are errors, not silently tighter turns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from airdefense import load_scenario
from airdefense.catalog import load_catalog
from airdefense.errors import ScenarioError
from airdefense.geo import G0_MPS2
from airdefense.threats import build_threats
from airdefense.threats._route import blend_knots, blend_overflow
from tests.threats.conftest import scenario

EXAMPLES = sorted(Path(__file__).resolve().parents[2].glob("examples/0*.yaml"))
_DT = 0.05  # s, time step of the differences
_EDGE = 0.3  # s kept clear of launches and releases (the path starts there)
_END = 2 * _DT  # s kept clear of impacts (a terminal push-over ends a few tenths before them)
_ROUTE = ("drone", "cruise", "aircraft", "helicopter")


def _limits(ts, catalog, rows_per_preset=3):
    """Largest |a| (g) and window-averaged |dV/dt| (g) per preset, over a few rows each."""
    out = {}
    for pre in np.unique(ts.preset):
        rows = np.flatnonzero((ts.preset == pre) & np.isin(ts.kind, _ROUTE))[:rows_per_preset]
        a_max = dv_max = 0.0
        for r in rows:
            t = np.arange(ts.launch_time_s[r] + _EDGE, ts.end_time_s[r] - _END, _DT)
            keep = np.abs(t - ts.release_time_s[r]) > _EDGE
            v = ts.trajectory.states_many(t)[:, r, 3:]
            a = np.linalg.norm(v[2:] - v[:-2], axis=1) / (2 * _DT)
            a_max = max(a_max, a[keep[1:-1]].max(initial=0.0))
            # Airspeed (no wind in these scenarios) averaged over 0.5 s windows: the speed
            # profile is piecewise linear, so single steps see its kinks.
            k = int(round(0.5 / _DT))
            sp = np.linalg.norm(v, axis=1)
            dv = np.abs(sp[k:] - sp[:-k]) / (k * _DT)
            dv_max = max(dv_max, dv[keep[k:] & keep[:-k]].max(initial=0.0))
        out[pre] = (a_max / G0_MPS2, dv_max / G0_MPS2)
    return out


def _check(ts, catalog):
    for pre, (a_g, dv_g) in _limits(ts, catalog).items():
        p = catalog.threats[pre]
        assert a_g <= p.max_g * 1.02, f"{pre}: |a| {a_g:.2f} g > max_g {p.max_g}"
        long_g = max(0.3, p.release_accel_g or 0.0)
        assert dv_g <= long_g * 1.1 + 0.05, f"{pre}: dV/dt {dv_g:.2f} g > {long_g} g"


def _catalog_groups():
    """One group of each route-flying catalog preset that is not a released munition (the
    munitions fly from their platforms' groups)."""
    cat = load_catalog()
    weapons = {p.weapon for p in cat.threats.values() if p.weapon}
    return [name for name, p in cat.threats.items()
            if p.kind in _ROUTE and name not in weapons]


@pytest.mark.parametrize("preset", _catalog_groups())
def test_catalog_presets_keep_their_g_limit(preset):
    """A group of each catalog preset (and the munitions it releases), launched 120 km out
    with one dog-leg waypoint, stays within every class's max_g and speed-change limit."""
    sc = scenario({"g": {"preset": preset, "count": 2, "target": {"asset": "city"},
                         "launch": {"bearing_deg": 90, "range_m": 120000},
                         "route": [{"bearing_deg": 70, "range_m": 90000}]}})
    ts = build_threats(sc, np.random.default_rng(3))
    _check(ts, sc.catalog)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_flights_keep_their_g_limit(path):
    """The examples' flights (Kh-101 pop-up 27 g and ATGM push-over 74 g before the fix)."""
    sc = load_scenario(path)
    _check(build_threats(sc, np.random.default_rng(2)), sc.catalog)


def test_popup_too_low_for_the_dive_is_an_error():
    """A 400 m pop-up cannot turn into a 60 deg dive at 3 g and 210 m/s (the blend needs
    about 2.4 km of height): the error names the field, the value needed and the rule."""
    # Refused at load (the scenario's flight check), naming the override that breaks it.
    with pytest.raises(ScenarioError, match=r"raid\.c\.overrides\.dive_angle_deg: .*pull-over "
                                            r".*3\.00 g \(max\(max_g - 1, 0\.5\)\).*needs a "
                                            r"popup_height_m of at least \d+ m"):
        scenario({"c": {"preset": "kh101", "count": 1, "target": {"asset": "city"},
                        "launch": {"bearing_deg": 90, "range_m": 100000},
                        "overrides": {"dive_angle_deg": 60}}})


def test_dive_from_too_low_is_an_error():
    """A drone diving at 40 deg from 20 m cannot round the corner at 1 g and 51 m/s."""
    with pytest.raises(ScenarioError, match=r"raid\.d\.overrides\.dive_angle_deg: .*terminal "
                                            r"dive.*a 40 deg dive needs a start at least \d+ m"):
        scenario({"d": {"preset": "shahed136", "count": 1, "target": {"asset": "city"},
                        "launch": {"bearing_deg": 90, "range_m": 40000},
                        "route": [{"bearing_deg": 90, "range_m": 20000, "alt_m": 20}]}})


def test_blends_that_do_not_fit_are_reported_not_shrunk():
    """blend_overflow flags the corners whose blends overlap or pass an end; with clip=False
    the blends keep the width the curvature limit asks for (|dm| / (2 curv))."""
    xs = np.array([[0.0, 100.0, 150.0, 1000.0]])
    ys = np.array([[0.0, 0.0, 50.0, 50.0]])  # slope 0 -> 1 -> 0: two corners 50 m apart
    curv = np.array([0.01])  # each blend's half-width 1 / (2 * 0.01) = 50 m
    b = blend_knots(xs, ys, curv, clip=False)[5]
    assert np.allclose(b, [[50.0, 50.0]])
    assert blend_overflow(xs, b).tolist() == [[True, True]]
    ok = blend_knots(xs * 3, ys * 3, curv, clip=False)[5]  # 150 m apart: room for both
    assert not blend_overflow(xs * 3, ok).any()
    clipped = blend_knots(xs, ys, curv)[5]  # clip: the shared piece is split between them
    assert np.allclose(clipped, [[25.0, 25.0]])


def test_a_knot_without_a_slope_change_does_not_block_a_blend():
    """A knot on a straight line (no slope change, no blend) may lie inside a neighbour's
    blend: only blended corners and the ends bound it."""
    xs = np.array([[0.0, 130.0, 150.0, 1000.0]])
    ys = np.array([[0.0, 0.0, 0.0, 850.0]])  # a corner at 150 m (b = 50 m); 130 m is straight
    b = blend_knots(xs, ys, np.array([0.01]), clip=False)[5]
    assert np.allclose(b, [[0.0, 50.0]])
    assert not blend_overflow(xs, b).any()
    assert blend_overflow(xs[:, [0, 2, 3]] * [[1, 0.3, 1]], b[:, 1:]).tolist() == [[True]]


def _overflow_reference(xs, b):
    """blend_overflow's rule, column by column in NumPy (its earlier form): each blend
    against the nearest blended knots (or ends) either side, with 1e-9 relative and 1e-6 m
    absolute slack."""
    n, J = b.shape
    over = np.zeros((n, J), bool)
    prev_x, prev_b = xs[:, 0].copy(), np.zeros(n)
    for j in range(J):
        x, bj = xs[:, j + 1], b[:, j]
        has = bj > 0
        bad = has & (prev_b + bj > (x - prev_x) * (1.0 + 1e-9) + 1e-6)
        over[:, j] |= bad
        over[:, :j] |= bad[:, None] & (xs[:, 1:j + 1] == prev_x[:, None]) & (b[:, :j] > 0)
        prev_x = np.where(has, x, prev_x)
        prev_b = np.where(has, bj, prev_b)
    over |= (b > 0) & (prev_b[:, None] > 0) & (xs[:, 1:-1] == prev_x[:, None]) & (
        (xs[:, -1] - prev_x) * (1.0 + 1e-9) + 1e-6 < prev_b)[:, None]
    return over


@pytest.mark.parametrize("seed", range(8))
def test_blend_overflow_matches_its_column_rule(seed):
    """The compiled blend_overflow flags the same corners as the column-by-column rule, on
    random polylines whose blends often collide: knots without a blend, blends at the slack's
    edge (the 1e-6 m allowance exactly), NaN widths, a blend past the end, rows of no knots."""
    rng = np.random.default_rng(seed)
    n, k = 50, 8
    xs = np.cumsum(rng.uniform(0.0, 100.0, (n, k)), axis=1)
    b = rng.uniform(0.0, 60.0, (n, k - 2)) * (rng.uniform(size=(n, k - 2)) < 0.7)
    b[0, 2] = np.nan
    b[1, :2] = [0.5 * (xs[1, 2] - xs[1, 1]) + 0.5e-6] * 2  # together: the gap plus 1e-6 m
    b[2, -1] = 2.0 * (xs[2, -1] - xs[2, -2])  # past the end
    want = _overflow_reference(xs, b)
    assert want.any() and not want.all()
    assert blend_overflow(xs, b).tolist() == want.tolist()
    assert blend_overflow(xs[:, :2], b[:, :0]).shape == (n, 0)
