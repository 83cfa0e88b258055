"""Fixtures and generators shared by the tracking tests."""

from __future__ import annotations

import numpy as np

from airdefense.tracking.kalman import Measurements
from airdefense.tracking.models import ConstantVelocity, CoordinatedTurn


def cv_truth(rng: np.random.Generator, n: int, steps: int, q: float, spacing: float = 20000.0,
             speed_sigma: float = 30.0, dt: float = 1.0) -> np.ndarray:
    """True 2-D NCV states of n well-separated targets, shape (steps, n, 4)."""
    model = ConstantVelocity(q, ndim=2)
    x = np.zeros((n, 4))
    x[:, 0] = spacing * np.arange(n)
    x[:, 2:] = rng.normal(0.0, speed_sigma, (n, 2))
    Q = model.noise(x, dt)
    L = np.linalg.cholesky(Q)
    out = np.empty((steps, n, 4))
    for k in range(steps):
        out[k] = x
        x = model.transition(x, dt) + rng.normal(size=(n, 4)) @ L.T
    return out


def ct_truth(rng: np.random.Generator, n: int, steps: int, q: float, omega_sigma: float = 0.05,
             spacing: float = 20000.0, speed: float = 50.0, dt: float = 1.0,
             switch: np.ndarray | None = None) -> np.ndarray:
    """True 2-D states [x, y, vx, vy, omega], shape (steps, n, 5).

    Without ``switch`` every target turns all the time. With a Markov matrix ``switch`` (2, 2),
    each target jumps between flying straight (mode 0: constant velocity, omega kept for later)
    and turning at its omega (mode 1), as the CV/CT IMM assumes.
    """
    model = CoordinatedTurn(q, q_omega=1e-6, ndim=2)
    straight = ConstantVelocity(q, ndim=2)
    mode = np.ones(n, int) if switch is None else rng.integers(0, 2, n)
    x = np.zeros((n, 5))
    x[:, 0] = spacing * np.arange(n)
    h = rng.uniform(0, 2 * np.pi, n)
    x[:, 2], x[:, 3] = speed * np.cos(h), speed * np.sin(h)
    x[:, 4] = rng.normal(0.0, omega_sigma, n)
    L = np.linalg.cholesky(model.noise(x, dt) + 1e-12 * np.eye(5))
    out = np.empty((steps, n, 5))
    for k in range(steps):
        out[k] = x
        turned = model.transition(x, dt)
        if switch is not None:
            cv = x.copy()
            cv[:, :4] = straight.transition(x[:, :4], dt)
            turned = np.where(mode[:, None] == 1, turned, cv)
            mode = np.where(rng.random(n) < np.asarray(switch)[mode, 1], 1, 0)
        x = turned + rng.normal(size=(n, 5)) @ L.T
    return out


def cartesian_scan(rng, t, pos, sigma, ids=None):
    """Cartesian measurements of positions ``pos`` (k, n) with noise sigma."""
    z = pos + rng.normal(0.0, sigma, pos.shape)
    return Measurements.cartesian(t, z, sigma, truth_id=ids)
