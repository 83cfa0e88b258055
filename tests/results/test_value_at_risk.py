"""Value at risk (``undefended_expected_loss``) against its closed form, worked out by hand.

The law (results/summary.py, engagement/damage.py): a point asset at miss distance ``d`` from
an impact is destroyed with ``2^-(d/R)^2`` and damaged or worse with ``2^-(d/2R)^2``
(``R`` its explicit lethal radius, else the warhead's radius times ``1 - hardness``); a damaged
asset loses half its value (``DAMAGED_VALUE_FRACTION``). An area asset of radius ``A`` loses
``1 - mean_disc prod_k (1 - l_k)``, ``l_k`` the point law's expected loss fraction of impact
``k`` (overlapping impacts take the same value once); for central impacts every term of the
product's expansion is a kernel ``2^-(c r^2)``, whose mean over the disc is
``(1 - 2^-(c A^2)) / (c A^2 ln 2)`` (the integral of ``2 pi r 2^-(c r^2)`` from 0 to ``A`` over
``pi A^2``); one impact's is the mean of ``l`` itself, with ``c = 1/R^2`` destroyed and
``c = 1/(2R)^2`` damaged or worse.
Only threats that impact (finite impact point) within the run's duration count.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from airdefense.engagement.damage import DAMAGED, DESTROYED, INTACT, apply_impacts
from airdefense.results.summary import undefended_expected_loss
from airdefense.scenario.loader import AssetTable

# Three assets 50 km apart: no impact aimed at one reaches another (2^-(d/w)^2 underflows to 0).
ENU = np.array([[0.0, 0.0, 0.0], [50000.0, 0.0, 0.0], [0.0, 50000.0, 0.0]])


def _assets() -> AssetTable:
    """0: point, value 100, hardness 0.5 (R = half the warhead's radius);
    1: point, value 40, explicit lethal radius 40 m;
    2: area of radius 300 m, value 1000, hardness 0.2."""
    return AssetTable(name=["plant", "bridge", "town"], kind=["a", "b", "c"],
                      role=["asset"] * 3, enu=ENU.copy(),
                      value=np.array([100.0, 40.0, 1000.0]),
                      hardness=np.array([0.5, 0.0, 0.2]),
                      lethal_radius_m=np.array([np.nan, 40.0, np.nan]),
                      battery=np.full(3, -1), unit=np.full(3, -1),
                      radius_m=np.array([0.0, 0.0, 300.0]))


def _scenario(duration_s: float = 600.0):
    return SimpleNamespace(assets=_assets(), config=SimpleNamespace(duration_s=duration_s))


def _truth(impacts, radius_m, end_s):
    return SimpleNamespace(impact_enu=np.asarray(impacts, float),
                           lethal_radius_m=np.asarray(radius_m, float),
                           end_time_s=np.asarray(end_s, float))


def _hit(asset: int, east: float = 0.0, north: float = 0.0) -> list[float]:
    return [ENU[asset, 0] + east, ENU[asset, 1] + north, 0.0]


def _disc_mean(w: float, a: float) -> float:
    """Mean of 2^-(r/w)^2 over a disc of radius a about the impact (closed form)."""
    return (w / a) ** 2 * (1.0 - 2.0 ** (-((a / w) ** 2))) / np.log(2.0)


def _central_survival(n: int, r: float, a: float) -> float:
    """``mean_disc (1 - l)^n`` of n central impacts of lethal radius r on a disc of radius a:
    the binomial expansions of ``(1 - l)^n`` and of ``l^k = ((1 - f) 2^-(x/r)^2 + f
    2^-(x/2r)^2)^k``, each term a kernel ``2^-(c x^2)`` of closed-form disc mean."""
    from math import comb

    f = 0.5

    def kernel_mean(c: float) -> float:
        return (1.0 - 2.0 ** (-c * a * a)) / (c * a * a * np.log(2.0)) if c > 0 else 1.0

    total = 0.0
    for k in range(n + 1):
        lk = sum(comb(k, m) * (1 - f) ** m * f ** (k - m)
                 * kernel_mean(m / r**2 + (k - m) / (2 * r) ** 2) for m in range(k + 1))
        total += comb(n, k) * (-1.0) ** k * lk
    return total


def _central_share(r: float, a: float) -> float:
    """Expected loss fraction of an area asset of radius a from one central impact (lethal
    radius r): destroyed share plus half the damaged-only share."""
    return _disc_mean(r, a) + 0.5 * (_disc_mean(2.0 * r, a) - _disc_mean(r, a))


def test_value_at_risk_of_hand_built_raid():
    """Point asset 0 hit at d = R, point asset 1 at d = 2R, the area asset twice at its centre.

    Asset 0: warhead 100 m, hardness 0.5: R = 50 m; impact 50 m away (30 east, 40 north):
    destroyed 2^-1 = 0.5, damaged or worse 2^-(1/4); loses 0.5 + 0.5 (2^-0.25 - 0.5).
    Asset 1: R = 40 m (explicit), impact 80 m away: destroyed 2^-4 = 1/16, damaged or worse
    2^-1 = 1/2; loses 1/16 + 0.5 (1/2 - 1/16) = 0.28125.
    Asset 2: warhead 100 m, hardness 0.2: R = 80 m < A = 300 m: one central impact destroys
    the disc mean f(80) and damages or worse f(160) of it, f(80) + 0.5 (f(160) - f(80)); the
    second, on the same point, takes ``1 - mean (1 - l)^2`` less that.
    """
    truth = _truth([_hit(0, 30.0, 40.0), _hit(1, 0.0, 80.0), _hit(2), _hit(2)],
                   [100.0, 250.0, 100.0, 100.0], [100.0, 200.0, 300.0, 400.0])
    a0 = 0.5 + 0.5 * (2.0**-0.25 - 0.5)
    a1 = 1.0 / 16.0 + 0.5 * (0.5 - 1.0 / 16.0)
    a2 = 1.0 - _central_survival(2, 80.0, 300.0)
    assert a2 < 2.0 * _central_share(80.0, 300.0) - 0.05  # the overlap is taken once
    np.testing.assert_allclose(1.0 - _central_survival(1, 80.0, 300.0),
                               _central_share(80.0, 300.0), rtol=1e-13)
    expected = 100.0 * a0 + 40.0 * a1 + 1000.0 * a2
    assert a1 == 0.28125
    assert undefended_expected_loss(_scenario(), truth) == pytest.approx(expected, rel=1e-5)


def test_overlapping_impacts_on_an_area_take_its_value_once():
    """Six central impacts would take 6 x 0.239 > 1 of the area asset added up: they take
    ``1 - mean (1 - l)^6`` of it (0.69), never more than all of it."""
    truth = _truth([_hit(2)] * 6, [100.0] * 6, [10.0] * 6)
    assert 6 * _central_share(80.0, 300.0) > 1.0
    expected = 1000.0 * (1.0 - _central_survival(6, 80.0, 300.0))
    assert 600.0 < expected < 800.0
    assert undefended_expected_loss(_scenario(), truth) == pytest.approx(expected, rel=1e-5)


def test_a_direct_hit_destroys_a_point_asset():
    """d = 0: destroyed with 2^0 = 1, whatever else hits it: the whole value."""
    truth = _truth([_hit(0), _hit(0, 50.0)], [100.0, 100.0], [10.0, 20.0])
    assert undefended_expected_loss(_scenario(), truth) == pytest.approx(100.0, rel=1e-12)


def test_only_threats_impacting_within_the_run_count():
    """A threat with no impact point, or one ending after duration_s, adds nothing; with none
    left the value at risk is 0."""
    base = _truth([_hit(1, 0.0, 80.0)], [250.0], [200.0])
    extra = _truth([_hit(1, 0.0, 80.0), _hit(0), [np.nan] * 3],
                   [250.0, 100.0, 100.0], [200.0, 600.5, 50.0])
    sc = _scenario(duration_s=600.0)
    assert undefended_expected_loss(sc, extra) == pytest.approx(40.0 * 0.28125, rel=1e-12)
    assert undefended_expected_loss(sc, base) == pytest.approx(40.0 * 0.28125, rel=1e-12)
    late = _truth([_hit(0)], [100.0], [700.0])
    assert undefended_expected_loss(sc, late) == 0.0


def test_value_at_risk_is_the_mean_loss_of_the_damage_draws(rng):
    """Each point asset hit once: the value at risk equals the mean value lost over the
    simulation's own damage draws (apply_impacts: destroyed loses all, damaged half), to
    within 4 standard errors."""
    impacts = np.array([_hit(0, 30.0, 40.0), _hit(1, 0.0, 60.0)])
    radius = np.array([100.0, 250.0])
    truth = _truth(impacts, radius, [10.0, 20.0])
    a = _assets()
    a.radius_m[:] = 0.0  # point assets only (area assets are not drawn)
    sc = SimpleNamespace(assets=a, config=SimpleNamespace(duration_s=600.0))
    n = 4000
    loss = np.empty(n)
    start = np.full(3, INTACT)
    share = {INTACT: 0.0, DAMAGED: 0.5, DESTROYED: 1.0}
    for r in range(n):
        st = apply_impacts(start, impacts, radius, a, rng)
        loss[r] = sum(a.value[k] * share[int(st[k])] for k in range(2))
    expected = undefended_expected_loss(sc, truth)
    assert abs(loss.mean() - expected) < 4.0 * loss.std(ddof=1) / np.sqrt(n)


def test_a_runs_table_of_closed_form_shares_gives_the_same_value_at_risk():
    """With a run's table of every threat's closed-form area shares (``area_loss_fractions``
    of each impact alone; rows of threats without an impact point zero), the overlap rule
    takes its rows instead of computing them: the same value at risk bit for bit, for
    overlapping impacts on the area asset whose end times are not in threat order (each row
    must go with its own impact), a threat ending after ``duration_s`` and one without an
    impact point. A table of zeros takes nothing of the area asset (the rows are used)."""
    from airdefense.engagement.damage import area_loss_fractions
    from airdefense.results.summary import _expected_loss

    impacts = [_hit(2, 40.0, -30.0), _hit(0, 30.0, 40.0), [np.nan] * 3, _hit(2, -60.0, 10.0),
               _hit(2), _hit(2, 90.0, 90.0), _hit(2, 10.0, 5.0)]
    radius = [100.0, 100.0, 100.0, 60.0, 150.0, 80.0, 120.0]
    end = [500.0, 100.0, 50.0, 50.0, 300.0, 650.0, 200.0]  # threat 5 ends after the run
    truth = _truth(impacts, radius, end)
    sc = _scenario(duration_s=600.0)
    table = np.zeros((7, 3))
    rows = np.isfinite(truth.impact_enu[:, 0])
    table[rows] = area_loss_fractions(truth.impact_enu[rows], truth.lethal_radius_m[rows],
                                      sc.assets)
    assert np.count_nonzero(table[:, 2] > 0.0) == 5
    want = undefended_expected_loss(sc, truth)
    assert _expected_loss(sc, truth, area_table=table) == want
    point_only = 100.0 * (0.5 + 0.5 * (2.0**-0.25 - 0.5))
    assert want > point_only + 100.0
    assert _expected_loss(sc, truth, area_table=np.zeros((7, 3))) == pytest.approx(
        point_only, rel=1e-12)
