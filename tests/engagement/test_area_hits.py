"""AreaDamage.hit's compiled loop gives, bit for bit, what the loop in Python it replaced gave.

The reference below is that loop as it was (one NumPy overlap window and one compiled
quadrature call per impact and asset): the same decisions (which earlier impacts reach an
impact, the grid or the polar rule, the node counts, the Gauss-Legendre tables) and the same
arithmetic, so the shares and the assets' losses must be equal to the last bit, over batches
of impacts (the state carried between calls), grid and polar cases, and assets of both kinds.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from airdefense.engagement import damage
from airdefense.engagement._kernels import area_overlap, area_overlap_polar
from airdefense.engagement.damage import (
    DAMAGED_VALUE_FRACTION,
    AreaDamage,
    area_loss_fractions,
    effective_lethal_radius,
)


def _overlap_ref(c, R, near, centre, A):
    half = 11.0 * R
    sigma = min(R, float(near[:, 2].min())) / np.sqrt(2.0 * np.log(2.0))
    step = (1.0 / 1.5) * sigma
    near = np.ascontiguousarray(near, dtype=float)
    rho = float(np.hypot(c[0] - centre[0], c[1] - centre[1]))
    reach = half * np.sqrt(2.0)
    if rho + reach + step <= A:
        n = min(int(np.ceil(2.0 * half / step)) + 1, 801)
        d = 2.0 * half / (n - 1)
        return area_overlap(float(c[0]), float(c[1]), float(R), near, float(centre[0]),
                            float(centre[1]), float(A), float(c[0] - half), d, n,
                            float(c[1] - half), d, n, DAMAGED_VALUE_FRACTION)
    r_lo, r_hi = max(rho - reach, 0.0), A
    if r_lo >= r_hi:
        return 0.0, 0.0
    if rho > reach:
        th0, dth = float(np.arctan2(c[1] - centre[1], c[0] - centre[0])), float(
            np.arcsin(reach / rho))
    else:
        th0, dth = 0.0, np.pi
    n_r = max(16, int(np.ceil(0.5 * np.pi * (r_hi - r_lo) / step)) + 4)
    n_th = max(16, int(np.ceil(2.0 * dth * r_hi / step)) + 4)
    u, wu = damage._legendre(min(n_r, 801))  # numpy.polynomial.legendre.leggauss, cached
    return area_overlap_polar(float(c[0]), float(c[1]), float(R), near, float(centre[0]),
                              float(centre[1]), float(A), r_lo, r_hi, u, wu, th0 - dth,
                              th0 + dth, min(n_th, 4 * 801), DAMAGED_VALUE_FRACTION)


class _Reference:
    """AreaDamage as it was, its loop in Python."""

    def __init__(self, assets) -> None:
        self.assets = assets
        self.lost = np.zeros(len(assets.radius_m))
        self._hits = [np.zeros((0, 3)) for _ in range(len(assets.radius_m))]

    def hit(self, impact_enu, warhead_radius_m) -> np.ndarray:
        a = self.assets
        impact_enu = np.asarray(impact_enu, float).reshape(-1, 3)
        frac = area_loss_fractions(impact_enu, warhead_radius_m, a)
        if not frac.any():
            return frac
        R = np.maximum(effective_lethal_radius(np.asarray(warhead_radius_m, float).reshape(-1),
                                               a.hardness, a.lethal_radius_m), 1e-9)
        for j in np.flatnonzero(frac.any(axis=0)):
            hits = self._hits[j]
            for i in np.flatnonzero(frac[:, j] > 0.0):
                c, r = impact_enu[i, :2], R[i, j]
                near = hits[np.hypot(hits[:, 0] - c[0], hits[:, 1] - c[1])
                            < 11.0 * np.hypot(r, hits[:, 2])]
                if near.shape[0]:
                    taken, left = _overlap_ref(c, r, near, a.enu[j, :2], float(a.radius_m[j]))
                    share = frac[i, j] - taken if taken <= left else left
                    frac[i, j] = min(max(share, 0.0), 1.0 - self.lost[j])
                hits = np.vstack([hits, [[c[0], c[1], r]]])
                self.lost[j] = min(self.lost[j] + frac[i, j], 1.0)
            self._hits[j] = hits
        return frac


def _assets():
    # A district, a small plant (polar rule: kernels reach its rim), a point asset, an airbase.
    return SimpleNamespace(
        enu=np.array([[0.0, 0.0, 0.0], [3000.0, 500.0, 0.0], [-2000.0, 0.0, 0.0],
                      [-6000.0, -1000.0, 0.0]]),
        radius_m=np.array([1500.0, 150.0, 0.0, 1200.0]),
        hardness=np.array([0.2, 0.3, 0.6, 0.4]),
        lethal_radius_m=np.array([np.nan, np.nan, np.nan, 90.0]))


@pytest.mark.parametrize("seed", range(6))
def test_hit_matches_the_python_loop_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    a = _assets()
    new, ref = AreaDamage(a), _Reference(a)
    for _ in range(4):  # batches: the hit lists and losses carried between calls
        k = int(rng.integers(1, 25))
        which = rng.integers(0, 5, k)  # 4: about a point on the district's rim
        spread = np.array([600.0, 120.0, 300.0, 500.0, 80.0])[which]
        about = np.vstack([a.enu, [[1000.0, 1050.0, 0.0]]])[which]
        pts = about + np.c_[rng.normal(0.0, 1.0, (k, 2)) * spread[:, None], np.zeros(k)]
        radius = rng.choice([20.0, 45.0, 150.0], k)
        got, want = new.hit(pts, radius), ref.hit(pts, radius)
        assert got.tobytes() == want.tobytes()
        assert new.lost.tobytes() == ref.lost.tobytes()
    # Some shares were corrected for overlaps, on the grid and by the polar rule.
    assert new.lost[0] > 0 and new.lost[1] > 0


def test_hit_grows_its_hit_lists_and_asks_for_each_legendre_table_once(monkeypatch):
    a = _assets()
    asked = []
    add = damage._add_legendre
    monkeypatch.setattr(damage, "_LEGENDRE", [np.full(802, -1, np.int64), np.zeros(0),
                                              np.zeros(0)])
    monkeypatch.setattr(damage, "_add_legendre", lambda n: (asked.append(n), add(n)))
    new, ref = AreaDamage(a), _Reference(a)
    pts = np.tile([[3000.0, 520.0, 0.0]], (40, 1))  # one spot on the plant, 40 times
    for _ in range(3):
        assert new.hit(pts, np.full(40, 45.0)).tobytes() == ref.hit(pts, np.full(40, 45.0)
                                                                    ).tobytes()
    assert new._hits.shape[1] >= 120 and new._n_hits[1] == 120
    assert asked and len(asked) == len(set(asked))
    assert new.lost.tobytes() == ref.lost.tobytes()


@pytest.mark.parametrize("seed", range(4))
def test_shares_of_a_batch_are_each_impacts_own_and_hit_takes_them(seed):
    """area_loss_fractions of a batch of impacts gives each impact's own row bit for bit
    (what a run's table of every impact's shares rests on), and hit given those rows
    (``fractions``) gives what it computes itself, leaving the rows it was given as they
    were; rows of another shape are refused."""
    from airdefense.errors import AirDefenseError

    rng = np.random.default_rng(seed)
    a = _assets()
    k = 30
    pts = np.c_[rng.normal(0.0, 3000.0, (k, 2)), np.zeros(k)]
    radius = rng.choice([20.0, 45.0, 150.0], k)
    table = area_loss_fractions(pts, radius, a)
    for r in range(k):
        assert table[r].tobytes() == area_loss_fractions(pts[r:r + 1], radius[r:r + 1],
                                                         a)[0].tobytes()
    given, computed = AreaDamage(a), AreaDamage(a)
    for lo, hi in ((0, 12), (12, 13), (13, 30)):
        rows = table[lo:hi].copy()
        got = given.hit(pts[lo:hi], radius[lo:hi], fractions=rows)
        assert got.tobytes() == computed.hit(pts[lo:hi], radius[lo:hi]).tobytes()
        assert rows.tobytes() == table[lo:hi].tobytes()
        assert given.lost.tobytes() == computed.lost.tobytes()
    assert given.lost.sum() > 0
    # The shares given are the ones taken: a first impact (nothing earlier to overlap) takes
    # its given share as it is.
    r = int(np.argmax(table.sum(axis=1)))
    half = table[r:r + 1] * 0.5
    assert half.any()
    assert (AreaDamage(a).hit(pts[r:r + 1], radius[r:r + 1], fractions=half).tobytes()
            == half.tobytes())
    with pytest.raises(AirDefenseError, match=r"fractions must be of shape \(k, a\) = \(2, 4\)"):
        given.hit(pts[:2], radius[:2], fractions=table[:3])
