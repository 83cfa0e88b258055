"""Aspect-dependent radar cross-section."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.threats.rcs import aspect_rcs_m2


@pytest.mark.parametrize("obs, want", [((10, 0, 0), 0.1), ((0, 10, 0), 2.0), ((-10, 0, 0), 0.5),
                                       ((10, 10, 0), 0.5 * (0.1 + 2.0)),
                                       ((-10, 0, 10), 0.5 * (0.5 + 2.0))])
def test_nose_side_tail(obs, want):
    """Nose-on, broadside, tail-on and 45 deg aspects give the blended figures."""
    got = aspect_rcs_m2(np.zeros((1, 3)), np.array([[250.0, 0, 0]]), np.array(obs, float),
                        np.array([0.1]), np.array([2.0]), np.array([0.5]))
    assert got[0] == pytest.approx(want)


def test_rest_shows_nose_and_bounds_hold():
    """A threat at rest shows its nose figure; every aspect lies between the extremes."""
    rng = np.random.default_rng(0)
    pos = rng.normal(0, 1e4, (500, 3))
    vel = rng.normal(0, 200, (500, 3))
    vel[:10] = 0
    f, s, t = np.full(500, 0.1), np.full(500, 3.0), np.full(500, 0.7)
    got = aspect_rcs_m2(pos, vel, np.zeros(3), f, s, t)
    assert np.allclose(got[:10], 0.1)
    assert np.all((got >= 0.1 - 1e-12) & (got <= 3.0 + 1e-12))
