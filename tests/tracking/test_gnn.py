"""GNN: optimal against brute force; never one detection for two tracks (Hypothesis)."""

import itertools

import numpy as np
import pytest
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


def _polar_numpy(x, s):
    # Range, azimuth (clockwise from north), elevation, range rate of a 3-D CV state x (6,)
    # seen from s (3,), written out independently of the package.
    d, v = x[:3] - s, x[3:]
    r = np.linalg.norm(d)
    return np.array([r, np.arctan2(d[0], d[1]) % (2 * np.pi), np.arcsin(d[2] / r), d @ v / r])


@pytest.mark.parametrize("with_rate", [True, False])
def test_gain_is_the_likelihood_ratio_in_measurement_space(with_rate):
    """The gain of a polar detection is ``log(Pd N(nu; 0, S) / (lambda_z (1 - Pd Pg)))``
    with the false-alarm density ``lambda_z`` in the detection's own space: the Cartesian
    density times ``r^2 cos(el)`` (m^3 per m rad^2) and, with a range rate, over the Doppler
    span of the false alarms' range rates (uniform, per m/s). ``N`` and ``S = H P H' + R``
    (``H`` by central differences) are computed here with NumPy and SciPy. Without the span the
    4-D likelihood (per m rad^2 m/s) was compared with a 3-D density: the gain was
    ``log(span)`` = 8 nats short."""
    from scipy.stats import multivariate_normal

    site = np.array([1000.0, -2000.0, 15.0])
    x = np.array([20000.0, 30000.0, 4000.0, -150.0, 60.0, 5.0])
    P = np.diag([400.0, 400.0, 900.0, 100.0, 100.0, 25.0])
    P[0, 3] = P[3, 0] = 150.0
    sig = np.array([15.0, 2e-3, 3e-3, 2.0])
    z = _polar_numpy(x, site) + np.array([20.0, -1e-3, 4e-3, 3.0])
    R = np.diag(sig**2)
    if not with_rate:
        z[3] = np.nan
        R[3, :] = R[:, 3] = np.nan
    pd, lam, pg, span = 0.85, 1e-12, 0.999, 1700.0
    f = ExtendedKalmanFilter(ConstantVelocity(1.0, 3))
    meas = Measurements.polar(0.0, z[None], R[None], site, range_rate_span_mps=span)
    inn = f.innovations(KalmanState(x[None], P[None]), np.arange(1), meas, np.arange(1))
    got = association_gain(inn, meas, pd, lam, pg)[0]
    k = 4 if with_rate else 3
    H = np.empty((4, 6))
    for c in range(6):
        e = np.zeros(6)
        e[c] = 1e-3 * max(1.0, abs(x[c]))
        H[:, c] = (_polar_numpy(x + e, site) - _polar_numpy(x - e, site)) / (2 * e[c])
    H = H[:k]
    S = H @ P @ H.T + np.diag(sig[:k] ** 2)
    r, el = z[0], z[2]
    lam_z = lam * r**2 * np.cos(el) / (span if with_rate else 1.0)
    want = (np.log(pd) + multivariate_normal.logpdf(z[:k] - _polar_numpy(x, site)[:k], cov=S)
            - np.log(lam_z) - np.log1p(-pd * pg))
    assert np.isclose(got, want, rtol=0, atol=1e-4), (got, want)
