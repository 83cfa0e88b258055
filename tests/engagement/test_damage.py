"""Damage: the Gaussian damage function against its closed form, hardness, accumulation."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from airdefense.engagement.damage import (
    DAMAGED,
    DESTROYED,
    INTACT,
    apply_impacts,
    damage_probabilities,
)


def _assets(n, pos=(0.0, 0.0, 0.0), hardness=0.0, radius=np.nan):
    return SimpleNamespace(enu=np.tile(np.asarray(pos, float), (n, 1)),
                           hardness=np.full(n, hardness), lethal_radius_m=np.full(n, radius))


@pytest.mark.parametrize("d,R,hard", [(0.0, 50.0, 0.0), (50.0, 50.0, 0.0), (100.0, 50.0, 0.0),
                                      (30.0, 60.0, 0.5), (10.0, 20.0, 0.9)])
def test_closed_form(d, R, hard):
    """p_destroy = 2^-(d/R')^2 and p_damage = 2^-(d/2R')^2 with R' = R (1 - hardness)."""
    pdes, pdam = damage_probabilities(np.array([[d, 0.0, 0.0]]), np.array([R]),
                                      np.zeros((1, 3)), np.array([hard]), np.array([np.nan]))
    Rh = R * (1 - hard)
    assert pdes[0, 0] == pytest.approx(2.0 ** (-(d / Rh) ** 2))
    assert pdam[0, 0] == pytest.approx(2.0 ** (-(d / (2 * Rh)) ** 2))
    assert pdam[0, 0] >= pdes[0, 0]


def test_half_at_lethal_radius_and_explicit_radius():
    """Destroyed with probability 1/2 at the lethal radius; an asset's own radius overrides."""
    pdes, _ = damage_probabilities(np.array([[0.0, 40.0, 0.0]]), np.array([400.0]),
                                   np.zeros((2, 3)), np.array([0.0, 0.0]),
                                   np.array([np.nan, 40.0]))
    assert pdes[0, 1] == pytest.approx(0.5)
    assert pdes[0, 0] == pytest.approx(2.0 ** (-0.01))


def test_horizontal_miss_only():
    """Only the horizontal miss distance counts (impacts are on the ground)."""
    a, _ = damage_probabilities(np.array([[30.0, 0.0, 500.0]]), np.array([30.0]),
                                np.zeros((1, 3)), np.zeros(1), np.array([np.nan]))
    assert a[0, 0] == pytest.approx(0.5)


def test_draws_match_probabilities(rng):
    """Over 10,000 identical assets one impact destroys and damages at the closed-form rates."""
    n = 10_000
    assets = _assets(n)
    new = apply_impacts(np.full(n, INTACT), np.array([[50.0, 0.0, 0.0]]), np.array([50.0]),
                        assets, rng)
    destroyed = int((new == DESTROYED).sum())
    hurt = int((new != INTACT).sum())
    assert stats.binomtest(destroyed, n, 0.5).pvalue > 1e-3
    assert stats.binomtest(hurt, n, 2.0 ** -0.25).pvalue > 1e-3


def test_damage_accumulates(rng):
    """Two impacts: a damaged asset damaged again is destroyed (closed form of the chain)."""
    n = 10_000
    assets = _assets(n)
    imp = np.array([[60.0, 0.0, 0.0], [60.0, 0.0, 0.0]])
    new = apply_impacts(np.full(n, INTACT), imp, np.array([40.0, 40.0]), assets, rng)
    pD = 2.0 ** (-(60 / 40) ** 2)
    pd = 2.0 ** (-(60 / 80) ** 2)
    p_intact = (1 - pd) ** 2
    p_damaged = 2 * (1 - pd) * (pd - pD)
    want = 1 - p_intact - p_damaged
    assert stats.binomtest(int((new == DESTROYED).sum()), n, want).pvalue > 1e-3
    assert stats.binomtest(int((new == DAMAGED).sum()), n, p_damaged).pvalue > 1e-3


def test_destroyed_stays_destroyed(rng):
    """Nothing repairs a destroyed asset, and an empty batch changes nothing."""
    assets = _assets(3)
    st0 = np.array([DESTROYED, DAMAGED, INTACT])
    np.testing.assert_array_equal(apply_impacts(st0, np.zeros((0, 3)), np.zeros(0), assets, rng),
                                  st0)
    far = apply_impacts(st0, np.array([[1e6, 0.0, 0.0]]), np.array([50.0]), assets, rng)
    np.testing.assert_array_equal(far, st0)


@pytest.mark.parametrize("seed", range(4))
def test_a_batchs_probabilities_are_each_impacts_own_and_apply_impacts_takes_them(seed):
    """damage_probabilities of a batch of impacts gives each impact's own row bit for bit
    (what a run's table of every impact rests on); apply_impacts given those rows
    (``probabilities``) draws the same states as when it computes them, and takes what it is
    given (certain destruction destroys every point asset)."""
    rng = np.random.default_rng(seed)
    k, n = 25, 12
    assets = SimpleNamespace(
        enu=np.c_[rng.normal(0, 400, (n, 2)), np.zeros(n)], hardness=rng.uniform(0, 0.8, n),
        lethal_radius_m=np.where(rng.random(n) < 0.3, 60.0, np.nan), radius_m=np.zeros(n))
    imp = np.c_[rng.normal(0, 400, (k, 2)), np.zeros(k)]
    rad = rng.choice([20.0, 45.0, 150.0], k)
    pk, pd = damage_probabilities(imp, rad, assets.enu, assets.hardness, assets.lethal_radius_m)
    for r in range(k):
        one = damage_probabilities(imp[r:r + 1], rad[r:r + 1], assets.enu, assets.hardness,
                                   assets.lethal_radius_m)
        assert one[0].tobytes() == pk[r:r + 1].tobytes()
        assert one[1].tobytes() == pd[r:r + 1].tobytes()
    rows = rng.choice(k, 6, replace=False)
    st0 = rng.integers(0, 2, n)
    got = apply_impacts(st0, imp[rows], rad[rows], assets, np.random.default_rng(seed),
                        probabilities=(pk[rows], pd[rows]))
    want = apply_impacts(st0, imp[rows], rad[rows], assets, np.random.default_rng(seed))
    np.testing.assert_array_equal(got, want)
    sure = np.ones((1, n))
    assert (apply_impacts(st0, imp[:1], rad[:1], assets, rng, probabilities=(sure, sure))
            == DESTROYED).all()
