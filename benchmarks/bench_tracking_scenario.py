"""The issue's generated 2-D tracking scenario, shared by the tracking benchmarks.

Targets are born and die at random scans, move with nearly constant velocity (white-noise
acceleration q), are detected with probability Pd and measured with Gaussian noise sigma; uniform
clutter falls over the square surveillance region at a given density per m^2 per scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Scenario2D", "generate"]


@dataclass
class Scenario2D:
    """Truth and measurements of a 2-D scenario.

    Attributes
    ----------
    truth : ndarray of shape (scans, n, 4)
        True states [x, y, vx, vy], m and m/s (rows outside a target's life are NaN).
    alive : ndarray of shape (scans, n), bool
    scans : list of (time_s, z (k, 2), truth_id (k,))
    side_m, q, sigma_m, pd, clutter_density : float
    """

    truth: np.ndarray
    alive: np.ndarray
    scans: list
    side_m: float
    q: float
    sigma_m: float
    pd: float
    clutter_density: float


def generate(rng: np.random.Generator, n_targets: int = 100, n_scans: int = 100,
             side_m: float = 10000.0, q: float = 1.0, sigma_m: float = 10.0, pd: float = 0.9,
             clutter_density: float = 2.5e-6, speed_sigma_mps: float = 10.0,
             always_alive: bool = False) -> Scenario2D:
    """Generate the scenario (1 s scans).

    Births are uniform over the first 70% of the scans, lifetimes uniform in [20, n_scans]
    scans (cut at the end); start positions uniform in the central 80% of the square; velocity
    components N(0, speed_sigma^2). With ``always_alive`` every target lives the whole time.
    """
    dt = 1.0
    n = n_targets
    birth = np.zeros(n, int) if always_alive else rng.integers(0, int(0.7 * n_scans), n)
    life = np.full(n, n_scans) if always_alive else rng.integers(20, n_scans + 1, n)
    death = np.minimum(birth + life, n_scans)
    x = np.zeros((n, 4))
    x[:, :2] = rng.uniform(0.1 * side_m, 0.9 * side_m, (n, 2))
    x[:, 2:] = rng.normal(0.0, speed_sigma_mps, (n, 2))
    F = np.array([[1, 0, dt, 0], [0, 1, 0, dt], [0, 0, 1, 0], [0, 0, 0, 1]], float)
    Q1 = q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
    Q = np.zeros((4, 4))
    Q[np.ix_([0, 2], [0, 2])] = Q1
    Q[np.ix_([1, 3], [1, 3])] = Q1
    L = np.linalg.cholesky(Q)
    truth = np.full((n_scans, n, 4), np.nan)
    alive = np.zeros((n_scans, n), bool)
    scans = []
    n_clutter = clutter_density * side_m**2
    for k in range(n_scans):
        a = (birth <= k) & (k < death)
        alive[k] = a
        truth[k, a] = x[a]
        det = a & (rng.random(n) < pd)
        z = x[det, :2] + rng.normal(0.0, sigma_m, (int(det.sum()), 2))
        nc = rng.poisson(n_clutter)
        c = rng.uniform(0.0, side_m, (nc, 2))
        ids = np.concatenate([np.flatnonzero(det), np.full(nc, -1)])
        zz = np.concatenate([z, c])
        order = rng.permutation(len(zz))
        scans.append((float(k) * dt, zz[order], ids[order]))
        x = x @ F.T + rng.normal(size=(n, 4)) @ L.T
    return Scenario2D(truth, alive, scans, side_m, q, sigma_m, pd, clutter_density)
