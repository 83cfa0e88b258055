"""Metrics against closed forms."""

import numpy as np
import pytest
from scipy.stats import chi2

from airdefense.tracking.metrics import chi2_interval, gospa, id_switches, nees, nis


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
