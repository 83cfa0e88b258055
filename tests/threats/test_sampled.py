"""Hermite sampled trajectories and the composite of flight models."""

from __future__ import annotations

import numpy as np

from airdefense.threats.base import PiecewiseLinearTrajectory
from airdefense.threats.sampled import CompositeTrajectory, HermiteTrajectory


def _cubic(t):
    return np.stack([t**3 - 2 * t, 0.5 * t**2, 3 * t], -1), np.stack(
        [3 * t**2 - 2, t, np.full_like(t, 3.0)], -1)


def test_hermite_reproduces_cubics_and_holds_outside_flight():
    """Cubic motion is interpolated exactly; rows hold launch/end positions at rest outside."""
    grid = np.arange(0.0, 10.01, 0.5)
    p, v = _cubic(grid)
    tr = HermiteTrajectory(np.array([100.0]), np.array([0.5]), np.array([107.3]), p[None],
                           v[None])
    for t in (100.0, 101.7, 104.26, 107.3):
        want_p, want_v = _cubic(np.array(t - 100.0))
        x = tr.states(t)[0]
        assert np.allclose(x[:3], want_p) and np.allclose(x[3:], want_v)
    assert np.allclose(tr.states(50.0)[0], np.r_[p[0], 0, 0, 0])
    end_p, _ = _cubic(np.array(7.3))
    assert np.allclose(tr.states(1e6)[0], np.r_[end_p, 0, 0, 0])


def test_composite_scatters_rows():
    """Each part's rows land in their places in the composite states."""
    a = PiecewiseLinearTrajectory(np.array([[0.0, 10.0]]), np.array([[[0, 0, 0], [10, 0, 0.0]]]))
    b = PiecewiseLinearTrajectory(np.array([[0.0, 10.0], [0.0, 5.0]]),
                                  np.array([[[0, 0, 0], [0, 20, 0.0]], [[0, 0, 0], [0, 0, 5.0]]]))
    one = np.ones(3)
    comp = CompositeTrajectory(3, [(np.array([1]), a), (np.array([2, 0]), b)], one, one, one)
    x = comp.states(2.0)
    assert np.allclose(x[1], [2, 0, 0, 1, 0, 0])
    assert np.allclose(x[2], [0, 4, 0, 0, 2, 0])
    assert np.allclose(x[0], [0, 0, 2, 0, 0, 1])


def test_composite_rows_in_no_part_are_zero_in_every_batch():
    """A threat in no part has zero states, in states_many too, whatever the memory the batch
    is made in held before (the parts write only their own rows): batches after a large one
    of nonzero numbers was freed, and a composite whose parts cover every row alongside."""
    a = PiecewiseLinearTrajectory(np.array([[0.0, 10.0], [0.0, 4.0]]),
                                  np.array([[[0, 0, 0], [10, 0, 0.0]], [[1, 1, 1], [1, 5, 1.0]]]))
    one = np.ones(4)
    gap = CompositeTrajectory(4, [(np.array([3, 0]), a)], one, one, one)
    full = CompositeTrajectory(2, [(np.array([1, 0]), a)], one[:2], one[:2], one[:2])
    ts = np.linspace(0.0, 12.0, 200)
    for _ in range(5):
        junk = np.full((ts.size, 4, 6), 7.0)  # freed: its memory may serve the next batch
        del junk
        x = gap.states_many(ts)
        assert (x[:, [1, 2]] == 0.0).all()
        assert (x[:, [3, 0]] == full.states_many(ts)[:, [1, 0]]).all()
        np.testing.assert_array_equal(x[:, [3, 0]], a.states_many(ts))
