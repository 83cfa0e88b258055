"""GNN: optimal against brute force; never one detection for two tracks (Hypothesis)."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.tracking.gating import ChiSquareGate
from airdefense.tracking.gnn import GlobalNearestNeighbour, association_gain
from airdefense.tracking.kalman import ExtendedKalmanFilter, KalmanState, Measurements
from airdefense.tracking.models import ConstantVelocity

F = ExtendedKalmanFilter(ConstantVelocity(1.0, 2))


def _setup(tracks, dets):
    t = np.array(tracks, float).reshape(-1, 2)
    d = np.array(dets, float).reshape(-1, 2)
    x = np.zeros((len(t), 4))
    x[:, :2] = t
    s = KalmanState(x, np.broadcast_to(np.eye(4) * 100.0, (len(t), 4, 4)).copy())
    meas = Measurements.cartesian(0.0, d, 10.0)
    return s, meas, ChiSquareGate(0.999)(F, s, meas)


coords = st.tuples(st.floats(0, 200), st.floats(0, 200))


@settings(max_examples=150, deadline=None)
@given(st.lists(coords, min_size=1, max_size=8), st.lists(coords, min_size=0, max_size=10),
       st.floats(1e-7, 1e-3))
def test_no_detection_assigned_to_two_tracks(tracks, dets, density):
    """In any configuration each detection goes to at most one track, and vice versa."""
    s, meas, inn = _setup(tracks, dets)
    gnn = GlobalNearestNeighbour(0.9, density)
    sel = gnn.assign(inn, meas, len(s))
    assert len(np.unique(inn.mj[sel])) == len(sel)
    assert len(np.unique(inn.ti[sel])) == len(sel)
    _, hit, used, mot, _ = gnn.associate(F, s, inn, meas)
    assigned = mot[mot >= 0]
    assert len(np.unique(assigned)) == len(assigned) == hit.sum()


@settings(max_examples=60, deadline=None)
@given(st.lists(coords, min_size=1, max_size=4), st.lists(coords, min_size=1, max_size=5))
def test_gnn_is_optimal(tracks, dets):
    """The chosen pairs maximise the total gain over all feasible assignments (brute force)."""
    s, meas, inn = _setup(tracks, dets)
    gnn = GlobalNearestNeighbour(0.9, 1e-5)
    g = association_gain(inn, meas, 0.9, 1e-5, 0.999)
    best = 0.0
    pairs = list(range(len(g)))
    for r in range(0, min(len(tracks), len(dets)) + 1):
        for combo in itertools.combinations(pairs, r):
            t = inn.ti[list(combo)]
            m = inn.mj[list(combo)]
            if len(set(t.tolist())) == r and len(set(m.tolist())) == r:
                best = max(best, float(g[list(combo)].sum()))
    sel = gnn.assign(inn, meas, len(s))
    assert np.isclose(g[sel].sum(), best)


def test_close_pair_resolved_by_assignment():
    """Two tracks and two detections in one cluster get the crossing-free pairing."""
    s, meas, inn = _setup([(0, 0), (30, 0)], [(28, 0), (3, 0)])
    sel = GlobalNearestNeighbour(0.9, 1e-6).assign(inn, meas, 2)
    got = dict(zip(inn.ti[sel].tolist(), inn.mj[sel].tolist(), strict=True))
    assert got == {0: 1, 1: 0}
