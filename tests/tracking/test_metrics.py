"""Metrics against closed forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from airdefense.tracking.metrics import chi2_interval, gospa, id_switches, nees, nis, ospa


def test_gospa_parts_closed_form():
    """Two truths, two estimates (one near, one beyond c) and a false one: the parts add up."""
    truth = np.array([[0.0, 0.0], [1000.0, 0.0]])
    est = np.array([[3.0, 4.0], [1200.0, 0.0], [5000.0, 0.0]])
    r = gospa(truth, est, c=50.0, p=2.0, alpha=2.0)
    assert np.isclose(r.localisation, 25.0)
    assert np.isclose(r.missed, 2500.0 / 2 * 1)
    assert np.isclose(r.false, 2500.0 / 2 * 2)
    assert np.isclose(r.distance, np.sqrt(25.0 + 1250.0 + 2500.0))
    assert r.truth_index.tolist() == [0] and r.track_index.tolist() == [0]


def test_gospa_empty_sets():
    """No truths and m estimates gives sqrt(m c^p / 2); both empty gives 0."""
    assert np.isclose(gospa(np.zeros((0, 2)), np.zeros((3, 2))).distance, np.sqrt(3 * 1250.0))
    assert gospa(np.zeros((0, 2)), np.zeros((0, 2))).distance == 0.0


def test_gospa_alpha_checked():
    """Only alpha = 2 is accepted."""
    with pytest.raises(ValueError, match="alpha must be 2"):
        gospa(np.zeros((1, 2)), np.zeros((1, 2)), alpha=1.0)


def test_id_switches_counts_changes():
    """A truth followed by tracks 1, 1, 2, 1 has two switches; another truth none."""
    t = np.array([0, 1, 2, 3, 0, 1])
    tr = np.array([5, 5, 5, 5, 6, 6])
    tk = np.array([1, 1, 2, 1, 9, 9])
    assert id_switches(t, tr, tk) == 2


def test_nees_nis_mean_is_dimension(rng):
    """NEES of errors drawn from P averages to the dimension; NIS equals the quadratic form."""
    A = rng.normal(size=(4, 4))
    P = A @ A.T + np.eye(4)
    e = rng.multivariate_normal(np.zeros(4), P, 20000)
    assert abs(nees(e, np.zeros(4), np.broadcast_to(P, (20000, 4, 4))).mean() - 4) < 0.1
    assert np.isclose(nis(np.array([1.0, 2.0]), np.diag([1.0, 4.0])), 2.0)


def test_chi2_interval_matches_scipy():
    """The interval is chi2.ppf of the summed dof divided by n."""
    lo, hi = chi2_interval(4, 50)
    assert np.isclose(lo, chi2.ppf(0.025, 200) / 50) and np.isclose(hi, chi2.ppf(0.975, 200) / 50)


# OSPA (Schuhmacher, Vo and Vo 2008) against the definition written out by hand and by brute
# force over every assignment.


@pytest.mark.parametrize(("truth", "est", "c", "p", "want"), [
    # one pair at 5 m and one point left over: ((25 + 50^2) / 2)^(1/2)
    ([[0.0, 0.0]], [[3.0, 4.0], [100.0, 0.0]], 50.0, 2.0, np.sqrt((25.0 + 2500.0) / 2.0)),
    # the same sets the other way round: symmetric
    ([[3.0, 4.0], [100.0, 0.0]], [[0.0, 0.0]], 50.0, 2.0, np.sqrt((25.0 + 2500.0) / 2.0)),
    # p = 1: the mean cut distance, (5 + 10) / 2 over two pairs
    ([[0.0, 0.0], [50.0, 0.0]], [[0.0, 5.0], [60.0, 0.0]], 50.0, 1.0, 7.5),
    # a pair beyond the cut-off counts c: (100 + 20^2) / 2 with c = 20
    ([[0.0, 0.0], [0.0, 100.0]], [[0.0, 10.0], [0.0, 200.0]], 20.0, 2.0,
     np.sqrt((100.0 + 400.0) / 2.0)),
    ([], [], 50.0, 2.0, 0.0),
    ([], [[1.0, 2.0]], 50.0, 2.0, 50.0),
    ([[1.0, 2.0]], [], 30.0, 1.0, 30.0),
])
def test_ospa_hand_computed(truth, est, c, p, want):
    assert ospa(np.array(truth), np.array(est), c=c, p=p) == pytest.approx(want, rel=1e-12)


def _ospa_brute(x, y, c, p):
    import itertools

    if len(x) > len(y):
        x, y = y, x
    n, m = len(x), len(y)
    if m == 0:
        return 0.0
    best = min(sum(min(np.linalg.norm(x[i] - y[j]), c) ** p for i, j in enumerate(perm))
               for perm in itertools.permutations(range(m), n))
    return ((best + c**p * (m - n)) / m) ** (1.0 / p)


_points = st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), max_size=4)


@given(_points, _points, _points, st.sampled_from([1.0, 2.0, 3.0]), st.floats(1.0, 80.0))
@settings(max_examples=200, deadline=None)
def test_ospa_is_the_brute_force_metric(a, b, d, p, c):
    """Equal to the definition's minimum over every assignment, within [0, c], symmetric, zero
    on equal sets, and a metric (the triangle inequality holds)."""
    x, y, z = (np.array(v, float).reshape(-1, 2) for v in (a, b, d))
    xy = ospa(x, y, c=c, p=p)
    assert xy == pytest.approx(_ospa_brute(x, y, c, p), rel=1e-9, abs=1e-9)
    assert -1e-12 <= xy <= c + 1e-9
    assert ospa(y, x, c=c, p=p) == pytest.approx(xy, rel=1e-12, abs=1e-12)
    assert ospa(x, x, c=c, p=p) == pytest.approx(0.0, abs=1e-9)
    assert xy <= ospa(x, z, c=c, p=p) + ospa(z, y, c=c, p=p) + 1e-9


@pytest.mark.parametrize(("c", "p", "match"), [
    (0.0, 2.0, r"c must be a finite cut-off distance > 0 m, got 0.0"),
    (np.inf, 2.0, r"c must be a finite cut-off distance > 0 m, got inf"),
    (50.0, 0.5, r"p must be a finite order >= 1, got 0.5"),
])
def test_ospa_refuses_bad_parameters(c, p, match):
    with pytest.raises(ValueError, match=match):
        ospa(np.zeros((1, 2)), np.zeros((1, 2)), c=c, p=p)
