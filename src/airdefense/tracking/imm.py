"""Interacting multiple model (IMM) filter, vectorised over tracks.

The models run on one common state (the union of their components, see
:func:`airdefense.tracking.models.common_names`); a model holds the components it lacks constant.
Each track carries one Gaussian per model and the model probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from airdefense.tracking.kalman import (
    ExtendedKalmanFilter,
    Innovations,
    KalmanState,
    Measurements,
    kalman_update,
    weighted_update,
)
from airdefense.tracking.models import Embedded, MotionModel, common_names

__all__ = ["IMMState", "IMMInnovations", "IMMFilter"]


@dataclass
class IMMState:
    """IMM states of m tracks with r models.

    Attributes
    ----------
    x : ndarray of shape (m, r, d)
    P : ndarray of shape (m, r, d, d)
    mu : ndarray of shape (m, r)
        Model probabilities (after :meth:`IMMFilter.predict`, the predicted ones).
    """

    x: np.ndarray
    P: np.ndarray
    mu: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, idx) -> IMMState:
        """Tracks ``idx``."""
        return IMMState(self.x[idx], self.P[idx], self.mu[idx])

    def concat(self, other: IMMState) -> IMMState:
        """This state followed by ``other``."""
        return IMMState(np.concatenate([self.x, other.x]), np.concatenate([self.P, other.P]),
                        np.concatenate([self.mu, other.mu]))

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Moment-matched mean (m, d) and covariance (m, d, d) of the model mixture."""
        x = np.einsum("mr,mrd->md", self.mu, self.x)
        dx = self.x - x[:, None]
        P = np.einsum("mr,mrde->mde", self.mu, self.P + dx[..., :, None] * dx[..., None, :])
        return x, P


@dataclass
class IMMInnovations:
    """Innovations of p pairs under every model, plus the mixture figures used to associate.

    ``d2`` is the smallest distance over the models (a pair is gated in if any model accepts it);
    ``loglik`` is the log of the mode-weighted mixture likelihood.
    """

    ti: np.ndarray
    mj: np.ndarray
    per_model: list[Innovations]
    d2: np.ndarray
    loglik: np.ndarray
    dof: np.ndarray

    def take(self, sel) -> IMMInnovations:
        """Pairs ``sel``."""
        return IMMInnovations(self.ti[sel], self.mj[sel], [i.take(sel) for i in self.per_model],
                              self.d2[sel], self.loglik[sel], self.dof[sel])


class IMMFilter:
    """IMM of several motion models, each run by an EKF or a UKF.

    Parameters
    ----------
    models : list of MotionModel
        Same ``ndim``; the first model's components come first in the common state.
    transition : array_like of shape (r, r)
        Markov matrix, ``transition[i, j]`` = P(model j at k | model i at k-1); rows sum to 1.
    filter_cls : type, default ExtendedKalmanFilter
        Filter for each model (``ExtendedKalmanFilter`` or ``UnscentedKalmanFilter``).
    mu0 : array_like of shape (r,), optional
        Model probabilities at birth (default uniform).

    Examples
    --------
    >>> from airdefense.tracking.models import ConstantVelocity, CoordinatedTurn
    >>> imm = IMMFilter([ConstantVelocity(1.0, 2), CoordinatedTurn(1.0, 1e-4, 2)],
    ...                 [[0.95, 0.05], [0.05, 0.95]])
    >>> imm.names
    ('x', 'y', 'vx', 'vy', 'omega')
    """

    def __init__(self, models: list[MotionModel], transition, filter_cls=ExtendedKalmanFilter,
                 mu0=None) -> None:
        self.models = list(models)
        r = len(self.models)
        self.Pi = np.asarray(transition, float)
        if self.Pi.shape != (r, r) or not np.allclose(self.Pi.sum(1), 1.0) or (self.Pi < 0).any():
            raise ValueError(
                f"transition must be a ({r}, {r}) matrix of probabilities with rows summing to 1, "
                f"got {self.Pi.tolist()}")
        self._names = common_names(self.models)
        self.filters = [filter_cls(Embedded(m, self._names)) for m in self.models]
        self.mu0 = np.full(r, 1.0 / r) if mu0 is None else np.asarray(mu0, float)

    @property
    def names(self) -> tuple[str, ...]:
        """Component names of the common state."""
        return self._names

    @property
    def dim(self) -> int:
        """Common state dimension."""
        return len(self._names)

    @property
    def ndim(self) -> int:
        """Spatial axes."""
        return self.models[0].ndim

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        """Birth mean and variance of the common extra components (first model that has one)."""
        n = 2 * self.ndim
        extra = self._names[n:]
        mean, var = np.zeros(len(extra)), np.ones(len(extra))
        done = set()
        for m in self.models:
            mm, vv = m.prior()
            for name, a, b in zip(m.names[n:], mm, vv, strict=True):
                if name not in done:
                    k = extra.index(name)
                    mean[k], var[k] = a, b
                    done.add(name)
        return mean, var

    def initiate(self, x: np.ndarray, P: np.ndarray) -> IMMState:
        """States of new tracks from common means (k, d) and covariances (k, d, d)."""
        r = len(self.models)
        return IMMState(np.repeat(x[:, None], r, 1), np.repeat(P[:, None], r, 1),
                        np.tile(self.mu0, (len(x), 1)))

    def predict(self, state: IMMState, dt: float) -> IMMState:
        """Mix, then predict every model of every track by ``dt`` s."""
        if dt == 0 or len(state) == 0:
            return state
        c = state.mu @ self.Pi
        c = np.maximum(c, 1e-300)
        w = state.mu[:, :, None] * self.Pi[None] / c[:, None, :]
        x0 = np.einsum("mij,mid->mjd", w, state.x)
        dx = state.x[:, :, None, :] - x0[:, None, :, :]
        P0 = (np.einsum("mij,mide->mjde", w, state.P)
              + np.einsum("mij,mijd,mije->mjde", w, dx, dx))
        xs, Ps = [], []
        for j, f in enumerate(self.filters):  # loop over models, each batched over tracks
            s = f.predict(KalmanState(x0[:, j], P0[:, j]), dt)
            xs.append(s.x)
            Ps.append(s.P)
        return IMMState(np.stack(xs, 1), np.stack(Ps, 1), c / c.sum(1, keepdims=True))

    def innovations(self, state: IMMState, ti, meas: Measurements, mj) -> IMMInnovations:
        """Innovations of the pairs under every model."""
        per = [f.innovations(KalmanState(state.x[:, j], state.P[:, j]), ti, meas, mj)
               for j, f in enumerate(self.filters)]
        ll = np.stack([i.loglik for i in per], 1)
        loglik = logsumexp(ll + np.log(np.maximum(state.mu[ti], 1e-300)), axis=1)
        d2 = np.min(np.stack([i.d2 for i in per], 1), axis=1)
        return IMMInnovations(np.asarray(ti), np.asarray(mj), per, d2, loglik, per[0].dof)

    def update(self, state: IMMState, inn: IMMInnovations) -> IMMState:
        """Update the tracks ``inn.ti`` (each at most once): every model, then the probabilities."""
        if len(inn.ti) == 0:
            return state
        x, P, mu = state.x.copy(), state.P.copy(), state.mu.copy()
        ti = inn.ti
        for j, i in enumerate(inn.per_model):
            x[ti, j], P[ti, j] = kalman_update(state.x[ti, j], state.P[ti, j], i)
        ll = np.stack([i.loglik for i in inn.per_model], 1) + np.log(np.maximum(mu[ti], 1e-300))
        mu[ti] = np.exp(ll - logsumexp(ll, axis=1, keepdims=True))
        return IMMState(x, P, mu)

    def update_weighted(self, state: IMMState, inn: IMMInnovations, beta, beta0) -> IMMState:
        """JPDA update of every model; model probabilities averaged over the association events."""
        x, P = state.x.copy(), state.P.copy()
        for j, i in enumerate(inn.per_model):
            x[:, j], P[:, j] = weighted_update(state.x[:, j], state.P[:, j], i, beta, beta0)
        ll = np.stack([i.loglik for i in inn.per_model], 1)
        # P(model j | pair) = c_j L_j / sum_i c_i L_i, averaged with the association weights.
        post = ll + np.log(np.maximum(state.mu[inn.ti], 1e-300))
        post = np.exp(post - logsumexp(post, axis=1, keepdims=True))
        mu = beta0[:, None] * state.mu
        np.add.at(mu, inn.ti, beta[:, None] * post)
        return IMMState(x, P, mu / mu.sum(1, keepdims=True))
