"""Threat evaluation against closed forms and Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.c2.evaluation import (
    KINDS,
    classify,
    evaluate_threats,
    expected_loss_fraction,
    predict_states,
)
from airdefense.engagement.damage import DAMAGED_VALUE_FRACTION


@pytest.mark.parametrize(
    ("v", "z", "vz", "kind"),
    [
        ((50, 0, 0), 500, 0, "drone"),
        ((0, 70, 0), 200, 0, "helicopter"),
        ((230, 0, 0), 60, 0, "cruise"),
        ((250, 0, 0), 9000, 0, "aircraft"),
        ((900, 0, -600), 30000, -600, "ballistic"),
        ((300, 0, -500), 8000, -500, "ballistic"),
    ],
)
def test_classify_table(v, z, vz, kind):
    """Each class of the catalog falls in its kinematic band."""
    x = np.array([[0.0, 0.0, z, v[0], v[1], vz]])
    assert classify(x)[0] == kind


def _features(x):
    """Speed, height above the sphere, local vertical speed, flight-path angle (deg)."""
    R = 6371008.8
    up = x[:, :3] + [0.0, 0.0, R]
    r = np.linalg.norm(up, axis=1)
    v = np.linalg.norm(x[:, 3:], axis=1)
    vz = np.einsum("ij,ij->i", up, x[:, 3:]) / r
    gamma = np.degrees(np.arcsin(np.clip(vz / np.where(v > 0, v, 1.0), -1, 1)))
    return v, r - R, vz, gamma


def _classify_reference(x):
    """The documented rules as masks, one class after the other (later rules first)."""
    v, h, vz, gamma = _features(x)
    kind = np.full(len(x), "drone", object)
    mid = (v > 60.0) & (v <= 140.0)
    kind[mid] = np.where(gamma[mid] < -20.0, "drone", "helicopter")
    fast = v > 140.0
    kind[fast] = np.where((h[fast] < 2000.0) | (gamma[fast] < -4.0), "cruise", "aircraft")
    kind[(v > 1200.0) | ((v > 300.0) & (h > 25000.0))
         | ((np.abs(vz) > 300.0) & (np.abs(gamma) > 35.0))] = "ballistic"
    return kind


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-3e5, 3e5), st.floats(0, 40000), st.floats(-1500, 1500),
                          st.floats(-1500, 1500), st.floats(-1500, 1500)),
                min_size=1, max_size=20))
def test_classify_follows_the_documented_rules(rows):
    """Every track falls in the band the docstring gives (away from the boundaries, where the
    reference's rounding may differ)."""
    x = np.array([[e, 0.0, z, vx, vy, vz] for e, z, vx, vy, vz in rows])
    ref, (v, h, vz, gamma) = _classify_reference(x), _features(x)
    near = np.zeros(len(x), bool)
    for f, edges in ((v, (60.0, 140.0, 300.0, 1200.0)), (h, (2000.0, 25000.0)),
                     (np.abs(vz), (300.0,)), (gamma, (-35.0, -20.0, -4.0, 35.0))):
        for e in edges:
            near |= np.abs(f - e) < 1e-6
    np.testing.assert_array_equal(classify(x)[~near], ref[~near])


@pytest.mark.parametrize(("mu", "sigma", "R", "A"), [
    (0.0, 0.0, 20.0, 0.0), (30.0, 0.0, 20.0, 0.0), (0.0, 50.0, 20.0, 0.0),
    (120.0, 80.0, 60.0, 0.0), (0.0, 0.0, 20.0, 1000.0), (700.0, 400.0, 20.0, 1000.0),
    (50.0, 10.0, 60.0, 40.0)])
def test_expected_loss_matches_monte_carlo(rng, mu, sigma, R, A):
    """The closed-form Gaussian average of the damage law equals a 200,000-sample average of
    the simulation's own damage (drawn for point assets, area fractions for area assets)."""
    from types import SimpleNamespace

    from airdefense.engagement.damage import area_loss_fractions, damage_probabilities

    n = 200_000
    d = np.array([mu, 0.0]) + sigma * rng.normal(size=(n, 2))
    impacts = np.hstack([d, np.zeros((n, 1))])
    if A == 0:
        p_des, p_dam = damage_probabilities(impacts, np.full(n, R), np.zeros((1, 3)),
                                            np.zeros(1), np.array([np.nan]))
        mc = np.mean(p_des + DAMAGED_VALUE_FRACTION * (p_dam - p_des))
    else:
        asset = SimpleNamespace(enu=np.zeros((1, 3)), hardness=np.zeros(1),
                                lethal_radius_m=np.array([np.nan]), radius_m=np.array([A]))
        mc = np.mean(area_loss_fractions(impacts, np.full(n, R), asset))
    exact = float(expected_loss_fraction(mu, sigma, R, A))
    assert exact == pytest.approx(mc, abs=4e-3 * max(mc, 1e-3) + 1e-6)
    if A > R and mu == 0 and sigma == 0:
        # At the centre of an area asset the point law's mean over the disc is
        # int_0^A 2^-(r/w)^2 2 pi r dr / (pi A^2) = (w/A)^2 (1 - 2^-(A/w)^2) / ln 2.
        des, dam = ((w / A) ** 2 * (1 - 2.0 ** -((A / w) ** 2)) / np.log(2) for w in (R, 2 * R))
        assert exact == pytest.approx(des + DAMAGED_VALUE_FRACTION * (dam - des), rel=1e-12)


def test_ballistic_impact_point_and_time_to_go():
    """A ballistic track falls under gravity: time and point of impact from the quadratic."""
    g = 9.80665
    z0, vz, vx = 20000.0, -800.0, 600.0
    x = np.array([[-30000.0, 0.0, z0, vx, 0.0, vz]])
    t_imp = (vz + np.sqrt(vz**2 + 2 * g * z0)) / g
    assets = np.array([[-30000.0 + vx * t_imp, 0.0, 0.0], [50000.0, 0.0, 0.0]])
    ev = evaluate_threats(x, assets, np.array([1e9, 1e9]), np.ones(2, bool))
    assert ev["kind"][0] == "ballistic"
    assert ev["asset"][0] == 0
    assert ev["time_to_go_s"][0] == pytest.approx(t_imp, rel=1e-9)
    assert ev["miss_m"][0] == pytest.approx(0.0, abs=1e-6)
    s = predict_states(x, np.array([True]), t_imp)
    assert s[0, 2] == pytest.approx(0.0, abs=1e-6)


def test_air_breathing_closest_approach_and_destroyed_assets():
    """A drone threatens the asset on its path; a destroyed asset is no longer defended."""
    x = np.array([[10000.0, 0.0, 300.0, -50.0, 0.0, 0.0]])
    assets = np.array([[0.0, 0.0, 0.0], [0.0, 3000.0, 0.0]])
    value = np.array([1e8, 1e8])
    ev = evaluate_threats(x, assets, value, np.ones(2, bool))
    assert ev["asset"][0] == 0
    assert ev["time_to_go_s"][0] == pytest.approx(200.0)
    ev2 = evaluate_threats(x, assets, value, np.array([False, True]))
    assert ev2["asset"][0] == 1
    assert ev2["value"][0] < ev["value"][0]
    ev3 = evaluate_threats(x, assets, value, np.zeros(2, bool))
    assert ev3["asset"][0] == -1 and ev3["value"][0] == 0


def test_value_falls_with_miss_and_rises_with_asset_value():
    """Threat value is monotone: nearer paths and dearer assets are worth more."""
    assets = np.array([[0.0, 0.0, 0.0]])
    xs = np.array([[10000.0, off, 300.0, -50.0, 0.0, 0.0] for off in (0.0, 200.0, 800.0)])
    v1 = evaluate_threats(xs, assets, np.array([1e8]), np.ones(1, bool))["value"]
    v2 = evaluate_threats(xs, assets, np.array([2e8]), np.ones(1, bool))["value"]
    assert np.all(np.diff(v1) < 0)
    assert np.allclose(v2, 2 * v1)


def test_control_unit_classes_are_the_catalog_classes_in_order():
    """Class codes pass from threat evaluation to the engagement tables unchanged."""
    from airdefense.c2.evaluation import KINDS
    from airdefense.engagement.presets import THREAT_CLASSES

    assert KINDS == THREAT_CLASSES


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 0.95), st.floats(0.0, 400.0), st.floats(0.0, 300.0))
def test_value_uses_the_assets_own_damage_law(hardness, area_m, miss_m):
    """The value of a track aimed near an asset is its value times the expected loss under
    that asset's law (hardness, area), however many other assets were evaluated before."""
    x = np.array([[10000.0, miss_m, 300.0, -50.0, 0.0, 0.0]])
    assets = np.array([[0.0, 0.0, 0.0]])
    for _ in range(2):  # the second call reads the law kept from the first
        ev = evaluate_threats(x, assets, np.array([1e8]), np.ones(1, bool), P=np.zeros((1, 6, 6)),
                              asset_hardness=np.array([hardness]),
                              asset_area_radius_m=np.array([area_m]), route_uncertainty=0.0)
        R = 15.0 * (1.0 - hardness)  # a drone's warhead (DEFAULT_LETHAL_RADIUS_M)
        expect = 1e8 * expected_loss_fraction(miss_m, 0.0, R, area_m)
        assert ev["value"][0] == pytest.approx(expect, rel=1e-9, abs=1e-6)
        assert ev["kind_code"][0] == 0 and ev["kind"][0] == "drone"


def test_covariance_widens_the_predicted_miss():
    """With covariances, a drone's value is the damage law at the miss spread by its position
    and velocity variances (per horizontal axis), and by the route uncertainty over its
    distance to go: the closed form of ``expected_loss_fraction``."""
    x = np.array([[10000.0, 150.0, 300.0, -50.0, 0.0, 0.0]])
    P = np.diag([400.0, 900.0, 100.0, 16.0, 4.0, 1.0])[None]
    assets = np.array([[0.0, 0.0, 0.0]])
    ev = evaluate_threats(x, assets, np.array([1e8]), np.ones(1, bool), P=P,
                          lethal_radius_m={"drone": 20.0})
    tgo, dist = 200.0, 10000.0
    sigma = np.sqrt(0.5 * (400 + 900) + 0.5 * (16 + 4) * tgo**2 + (0.05 * dist) ** 2)
    want = 1e8 * expected_loss_fraction(150.0, sigma, 20.0)
    assert ev["value"][0] == pytest.approx(float(want), rel=1e-12)
    bare = evaluate_threats(x, assets, np.array([1e8]), np.ones(1, bool),
                            lethal_radius_m={"drone": 20.0})
    assert bare["value"][0] > ev["value"][0]


def test_covariances_of_the_wrong_shape_are_refused():
    x = np.zeros((2, 6))
    with pytest.raises(ValueError, match=r"P must have shape \(2, 6, 6\) for 2 tracks"):
        evaluate_threats(x, np.zeros((1, 3)), np.ones(1), np.ones(1, bool), P=np.zeros((3, 6, 6)))


@settings(max_examples=80, deadline=None)
@given(st.floats(0.0, 6e4), st.floats(0.0, 2e3), st.floats(1.0, 300.0), st.floats(0.0, 3e3),
       st.floats(-1e8, 1e10))
def test_loss_bound_holds_for_every_spread(miss_m, sigma_m, R, area_m, value):
    """The bound the evaluation uses to pass over assets is above the expected loss whatever
    the spread of the miss, and reached without spread when the miss is 0."""
    from airdefense.c2._kernels import loss_bound
    from airdefense.engagement.damage import loss_law

    law = [float(v) for v in loss_law(R, area_m)]
    bound = loss_bound(miss_m**2, value, *law, DAMAGED_VALUE_FRACTION)
    loss = value * float(expected_loss_fraction(miss_m, sigma_m, R, area_m))
    assert loss <= bound * (1 + 1e-12) + 1e-300
    if value > 0:
        at_zero = value * float(expected_loss_fraction(0.0, 0.0, R, area_m))
        assert loss_bound(0.0, value, *law, DAMAGED_VALUE_FRACTION) == pytest.approx(at_zero)


def _value_reference(x, P, assets, value, alive, radius_m, area_m, ru=0.05):
    """Every (track, asset) pair's loss by the closed form, then the first largest (tracks on
    straight paths, one lethal radius)."""
    out = []
    for i in range(x.shape[0]):
        p, v = x[i, :2], x[i, 3:5]
        vv = max(v @ v, 1e-9)
        pos_var = 0.5 * (P[i, 0, 0] + P[i, 1, 1])
        vel_var = 0.5 * (P[i, 3, 3] + P[i, 4, 4])
        losses = []
        for a in range(assets.shape[0]):
            tgo = max((assets[a, :2] - p) @ v / vv, 0.0)
            miss = np.linalg.norm(assets[a, :2] - (p + v * tgo))
            sigma = np.sqrt(pos_var + vel_var * tgo**2 + (ru * np.sqrt(vv) * tgo) ** 2)
            frac = float(expected_loss_fraction(miss, sigma, radius_m, area_m[a]))
            losses.append(value[a] * frac if alive[a] else 0.0)
        best = int(np.argmax(losses))
        out.append((best if losses[best] > 0 else -1, losses[best]))
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 12))
def test_value_is_the_largest_loss_over_assets(seed, m, na):
    """The threatened asset and value are those of the first largest expected loss over every
    asset (the evaluation passes over assets that cannot reach it: same answer)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((m, 6))
    x[:, :2] = rng.uniform(-30e3, 30e3, (m, 2))
    x[:, 2] = rng.uniform(50, 1500, m)
    x[:, 3:5] = rng.uniform(-90, 90, (m, 2))  # slow: air-breathing, straight on
    P = np.zeros((m, 6, 6))
    spread = rng.uniform(0, 400, (m, 4)) ** 2 * (rng.random((m, 1)) < 0.7)
    P[:, [0, 1, 3, 4], [0, 1, 3, 4]] = spread
    assets = np.zeros((na, 3))
    assets[:, :2] = rng.uniform(-8e3, 8e3, (na, 2))
    if na > 2:
        assets[1] = assets[0]  # a tie: the first wins
    value = rng.choice([0.0, 1e6, 5e7, 1e9], na) * rng.uniform(0.5, 1.5, na)
    alive = rng.random(na) < 0.85
    area = np.where(rng.random(na) < 0.3, rng.uniform(100, 2000, na), 0.0)
    ev = evaluate_threats(x, assets, value, alive, P=P, asset_area_radius_m=area,
                          lethal_radius_m=dict.fromkeys(KINDS, 20.0))
    for i, (a, v) in enumerate(_value_reference(x, P, assets, value, alive, 20.0, area)):
        assert ev["asset"][i] == a
        assert ev["value"][i] == pytest.approx(v, rel=1e-9, abs=1e-300)
