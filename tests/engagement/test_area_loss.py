"""Area assets: the point damage law's mean over the asset's disc.

References: the point law ``2^-(r/R)^2`` (destroyed) and ``2^-(r/2R)^2`` (damaged) integrated
over the disc numerically (``scipy.integrate.dblquad`` in polar coordinates about the impact),
scipy's Rice distribution, and the limits: a vanishing disc is a point; an impact deep inside a
large disc takes the point law's effective lethal area ``pi R^2 / ln 2`` as its share. Before,
the law was ``(R/A)^2 2^-(d/A)^2``: 0.70 of the point law's mean at the centre of a 1,500 m
district (R = 56 m), 0.51 at 1,000 m from it.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from airdefense.c2.evaluation import expected_loss_fraction
from airdefense.engagement import _kernels
from airdefense.engagement.damage import DAMAGED_VALUE_FRACTION, AreaDamage, area_loss_fractions

F = DAMAGED_VALUE_FRACTION


def _disc_mean(d, w, A):
    """Mean of ``2^-(r/w)^2`` (``r`` the distance to an impact ``d`` m from the centre) over
    a disc of radius ``A``: dblquad over the angle about the impact and the distance along it,
    out to where the disc ends (or the kernel is below 2^-64)."""
    def r_lim(th, sign):
        disc = A * A - (d * np.sin(th)) ** 2
        if disc <= 0.0:
            return 0.0
        r = -d * np.cos(th) + sign * np.sqrt(disc)
        return float(min(max(r, 0.0), 8.0 * w))
    val, _ = integrate.dblquad(lambda r, th: 2.0 ** -((r / w) ** 2) * r, 0.0, np.pi,
                               lambda th: r_lim(th, -1.0), lambda th: r_lim(th, 1.0),
                               epsabs=1e-13, epsrel=1e-11)
    return 2.0 * val / (np.pi * A * A)


def _law(d, R, A):
    """The damage model's loss fraction of a disc asset: destroyed plus f of damaged-only."""
    des, dam = _disc_mean(d, R, A), _disc_mean(d, 2 * R, A)
    return des + F * (dam - des)


def _asset(A, R=np.nan, hardness=0.0):
    return SimpleNamespace(enu=np.zeros((1, 3)), hardness=np.array([hardness]),
                           lethal_radius_m=np.array([R]), radius_m=np.array([A]))


def _loss(d, warhead_R, asset):
    return float(area_loss_fractions(np.array([[d, 0.0, 0.0]]), np.array([warhead_R]),
                                     asset)[0, 0])


@pytest.mark.parametrize("d,R,A", [
    (0.0, 56.0, 1500.0), (500.0, 56.0, 1500.0), (1000.0, 56.0, 1500.0),
    (1480.0, 56.0, 1500.0), (1560.0, 56.0, 1500.0), (0.0, 20.0, 10.0), (30.0, 20.0, 10.0),
    (50.0, 60.0, 40.0), (250.0, 10.0, 200.0), (400.0, 150.0, 300.0)])
def test_area_loss_is_the_point_law_integrated_over_the_disc(d, R, A):
    """Impact ``d`` m from the centre of a disc asset of radius ``A``, lethal radius ``R``:
    the loss fraction equals the point law integrated over the disc (1e-8 relative), and so
    does the control unit's expected loss without spread."""
    want = _law(d, R, A)
    asset = _asset(A)
    assert _loss(d, R, asset) == pytest.approx(want, rel=1e-8)
    assert float(expected_loss_fraction(d, 0.0, R, A)) == pytest.approx(want, rel=1e-8)


def test_hardness_shrinks_the_lethal_radius_of_an_area():
    """Hardness h: the law of the lethal radius ``R_w (1 - h)``; an asset's own radius wins."""
    assert _loss(300.0, 80.0, _asset(500.0, hardness=0.5)) == pytest.approx(
        _law(300.0, 40.0, 500.0), rel=1e-8)
    assert _loss(300.0, 80.0, _asset(500.0, R=25.0)) == pytest.approx(
        _law(300.0, 25.0, 500.0), rel=1e-8)


@pytest.mark.parametrize("d", [0.0, 15.0, 40.0, 90.0])
def test_a_vanishing_area_is_a_point(d):
    """An area of 1 mm (and one of 1e-200 m) loses what a point asset is expected to lose:
    ``2^-(d/R)^2 + f (2^-(d/2R)^2 - 2^-(d/R)^2)``."""
    R = 20.0
    des, dam = 2.0 ** -((d / R) ** 2), 2.0 ** -((d / (2 * R)) ** 2)
    point = des + F * (dam - des)
    for A in (1e-3, 1e-200):
        assert _loss(d, R, _asset(A)) == pytest.approx(point, rel=1e-6)


@pytest.mark.parametrize("d", [0.0, 100.0, 2000.0])
def test_deep_inside_a_large_area_the_share_is_the_effective_lethal_area(d):
    """R = 5 m on a 5 km disc, the impact well inside: the share is the point law's effective
    lethal area over the disc's, ``(pi R^2 / ln 2) / (pi A^2)`` destroyed and four times that
    damaged (not ``(R/A)^2``: the point law destroys beyond R too)."""
    R, A = 5.0, 5000.0
    share = (R / A) ** 2 / np.log(2.0)
    assert _loss(d, R, _asset(A)) == pytest.approx(share + F * (4 * share - share), rel=1e-12)


def test_rice_law_matches_scipy():
    """The kernel's Rice distribution function against scipy's, over centres and radii from
    the middle of the law to its tails (absolute 1e-12)."""
    for alpha in (0.0, 0.3, 2.0, 9.0, 40.0, 300.0):
        for beta in np.concatenate([np.linspace(max(alpha - 10, 0), alpha + 10, 41),
                                    [1e-3, 0.5, 5.0]]):
            want = (stats.rayleigh.cdf(beta) if alpha == 0 else stats.rice.cdf(beta, alpha))
            assert _kernels._rice_cdf(alpha, beta) == pytest.approx(want, abs=1e-12)


# --- Overlapping impacts (AreaDamage) ----------------------------------------------------------


def _disc(A, x=0.0, y=0.0, R=np.nan, hardness=0.0):
    return SimpleNamespace(enu=np.array([[x, y, 0.0]]), hardness=np.array([hardness]),
                           lethal_radius_m=np.array([R]), radius_m=np.array([A]))


def _survival_reference(impacts, radii, A):
    """``1 - mean_disc prod_j (1 - l_j)`` by a polar product rule about the disc's centre
    (Gauss-Legendre in r**2, uniform in angle): the whole loss, brute force."""
    u, wu = np.polynomial.legendre.leggauss(700)
    r = A * np.sqrt(0.5 * (u + 1.0))  # uniform in r^2: equal-area weights
    th = np.linspace(0.0, 2 * np.pi, 1400, endpoint=False)
    x = r[:, None] * np.cos(th)[None, :]
    y = r[:, None] * np.sin(th)[None, :]
    keep = np.ones(x.shape)
    for (px, py), R in zip(impacts, radii, strict=True):
        d2 = (x - px) ** 2 + (y - py) ** 2
        des = 2.0 ** (-d2 / R**2)
        keep *= 1.0 - (des + F * (2.0 ** (-d2 / (4 * R**2)) - des))
    return 1.0 - float(np.sum(0.5 * wu[:, None] * keep) / th.size)


def test_a_second_impact_on_the_first_takes_only_what_is_left():
    """Two impacts on one point deep inside a large district: the second takes
    ``(int l - int l^2) / (pi A^2)``, closed forms of Gaussian integrals
    (``int 2^-(k d^2) = pi / (k ln 2)``), not the first's share again."""
    A, R = 1500.0, 56.0
    dmg = AreaDamage(_disc(A))
    shares = dmg.hit(np.array([[10.0, -20.0, 0.0]] * 2), np.array([R, R]))[:, 0]
    c = np.pi * R * R / np.log(2.0)
    int_l = c * ((1 - F) + 4 * F)
    int_l2 = c * ((1 - F) ** 2 / 2 + 2 * F * (1 - F) * 4 / 5 + 2 * F * F)
    np.testing.assert_allclose(shares[0], int_l / (np.pi * A * A), rtol=1e-9)
    np.testing.assert_allclose(shares[1], (int_l - int_l2) / (np.pi * A * A), rtol=1e-6)
    np.testing.assert_allclose(dmg.lost[0], shares.sum(), rtol=1e-12)


def test_impacts_clear_of_each_other_take_their_closed_form_shares():
    """Impacts whose kernels do not reach each other take exactly area_loss_fractions'
    shares, and a point asset nothing."""
    assets = SimpleNamespace(enu=np.array([[0.0, 0.0, 0.0], [100.0, 0.0, 0.0]]),
                             hardness=np.array([0.2, 0.0]), lethal_radius_m=np.full(2, np.nan),
                             radius_m=np.array([2000.0, 0.0]))
    pts = np.array([[-1000.0, 0.0, 0.0], [0.0, 900.0, 0.0], [800.0, -300.0, 0.0]])
    radii = np.array([40.0, 60.0, 30.0])
    got = AreaDamage(assets).hit(pts, radii)
    np.testing.assert_array_equal(got, area_loss_fractions(pts, radii, assets))
    assert np.all(got[:, 1] == 0.0)


@settings(max_examples=15, deadline=None)
@given(A=st.floats(30.0, 400.0), k=st.integers(2, 4), seed=st.integers(0, 2**31))
def test_overlapping_impacts_lose_the_union_of_their_kernels(A, k, seed):
    """Impacts scattered over and around a disc, lethal radii of 5-40% of it: the total lost
    is ``1 - mean_disc prod (1 - l_j)`` by brute-force polar quadrature, whatever the order."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(-1.2 * A, 1.2 * A, (k, 2)) * rng.uniform(0.0, 1.0)
    radii = A * rng.uniform(0.05, 0.4, k)
    ref = _survival_reference(pts, radii, A)
    enu = np.column_stack([pts, np.zeros(k)])
    totals = []
    for order in (np.arange(k), np.arange(k)[::-1]):
        dmg = AreaDamage(_disc(A))
        totals.append(dmg.hit(enu[order], radii[order]).sum())
    np.testing.assert_allclose(totals, ref, rtol=2e-5, atol=1e-9)


def test_a_small_area_hit_again_and_again_never_loses_more_than_all():
    """Ten impacts on a 10 m pad (lethal radius 20 m): every share is non-negative, the
    total approaches 1 as ``1 - (1 - f)^10`` would not exceed (the shares added would: 9.2)."""
    dmg = AreaDamage(_disc(10.0))
    shares = np.concatenate([dmg.hit(np.array([[1.0, 2.0, 0.0]]), np.array([20.0]))[:, 0]
                             for _ in range(10)])
    assert np.all(shares >= 0.0)
    assert area_loss_fractions(np.array([[1.0, 2.0, 0.0]]), np.array([20.0]),
                               _disc(10.0))[0, 0] * 10 > 9.0
    assert dmg.lost[0] <= 1.0
    np.testing.assert_allclose(dmg.lost[0], _survival_reference(
        np.array([[1.0, 2.0]] * 10), np.full(10, 20.0), 10.0), rtol=1e-6)


@pytest.mark.parametrize("rim_m", [-150.0, 0.0, 120.0])
def test_overlaps_on_the_rim_of_a_large_district(rim_m):
    """Four 40 m warheads clustered about a point ``rim_m`` outside (negative: inside) the rim
    of a 2 km district (the grid rule, cells cut by the rim): the total lost is the
    brute-force polar reference's."""
    A = 2000.0
    pts = np.array([[A + rim_m, 0.0], [A + rim_m + 30.0, 25.0], [A + rim_m - 40.0, -10.0],
                    [A + rim_m, 60.0]])
    radii = np.array([40.0, 40.0, 30.0, 50.0])
    ref = _survival_reference(pts, radii, A)
    got = AreaDamage(_disc(A)).hit(np.column_stack([pts, np.zeros(4)]), radii).sum()
    np.testing.assert_allclose(got, ref, rtol=2e-5)


@pytest.mark.parametrize("half, step, nodes", [
    (100.0, 1.0, 201), (100.0, 0.3, 668), (100.0, 0.25, 801), (100.0, 0.2499, 801),
    (4.0, 1e-6, 801), (0.5, 10.0, 2)])
def test_grid_nodes_cover_the_window_at_the_step_and_are_capped(half, step, nodes):
    """The grid rule's nodes per axis: enough that no spacing exceeds the step
    (``ceil(2 half / step) + 1``), at most 801."""
    from airdefense.engagement._kernels import grid_nodes

    n = grid_nodes(half, step, 801)
    assert n == nodes
    assert n == 801 or 2.0 * half / (n - 1) <= step


def test_a_needle_warhead_beside_a_large_one_is_bounded_work():
    """A 1 mm warhead next to a 50 m one inside a 2 km district: the grid of the overlap is
    capped at 801 x 801 nodes (uncapped, the needle's width would ask for about 1.9 million a
    side, 3.6e12 nodes: hours), and the needle takes next to nothing from the large one's
    share."""
    from airdefense.engagement import damage
    from airdefense.engagement._kernels import grid_nodes

    half = damage._REACH_R * 50.0
    step = damage._STEP_SIGMA * 0.001 / damage._SIGMA_DIV
    assert 2.0 * half / step > 1e6 and grid_nodes(half, step, damage._MAX_NODES) == 801
    dmg = AreaDamage(_disc(2000.0))
    dmg.hit(np.array([[0.0, 0.0, 0.0]]), np.array([0.001]))
    shares = np.vstack([[0.0], dmg.hit(np.array([[5.0, 0.0, 0.0]]), np.array([50.0]))])
    big = area_loss_fractions(np.array([[5.0, 0.0, 0.0]]), np.array([50.0]), _disc(2000.0))
    np.testing.assert_allclose(shares[1, 0], big[0, 0], rtol=1e-6)
