"""Interacting multiple model (IMM) filter, vectorised over tracks.

The models run on one common state (the union of their components, see
:func:`airdefense.tracking.models.common_names`); a model holds the components it lacks constant.
Each track carries one Gaussian per model and the model probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airdefense.tracking import _kernels as _k
from airdefense.tracking.kalman import (
    _NONE,
    ExtendedKalmanFilter,
    Innovations,
    KalmanState,
    Measurements,
    _concat_opt,
    _horizon_after,
    _horizons,
    _offsets,
    _pair_horizon,
    _polar_gate,
    _polar_sequence,
    _retro_tables,
    _take_opt,
    weighted_update,
)
from airdefense.tracking.models import Embedded, MotionModel, common_names, process_noise

__all__ = ["IMMState", "IMMInnovations", "IMMFilter", "ManeuverLimit"]


@dataclass(frozen=True)
class ManeuverLimit:
    """Per-track process noise of an IMM manoeuvre mode, from what each track could be.

    A manoeuvre mode (a constant-velocity model of large ``q``) sized for the raid's most agile
    class gives every track that class's gate. But a target's lateral acceleration is its speed
    times its turn rate, ``a = v omega``, and the turn rates of the threat classes are bounded
    (``max_g g0 / speed``: a 51 m/s drone pulling 2 g turns at 0.38 rad/s, a 1700 m/s
    ballistic missile pulling 20 g at 0.12 rad/s). So a track whose speed is at most ``v``
    pulls at most ``a = min(a_nom, max(min_accel, turn_rate v))``, ``a_nom = sqrt(q / dt)``
    the mode's own acceleration over the step ``dt`` (``q = a_nom^2 T``,
    :func:`~airdefense.tracking.tracker.maneuver_q`), and its mode's intensity is
    ``q_i = min(q, a^2 dt)``: ``Q`` scaled by ``a^2 dt / q``. ``v`` is the track's speed
    (mixture mean) plus ``speed_sigmas`` times the square root of the trace of its velocity
    covariance, so that a new track, whose speed is poorly known, keeps the wide gate until
    its speed is.

    Attributes
    ----------
    model : int
        Index of the manoeuvre model (a :class:`~airdefense.tracking.models.ConstantVelocity`)
        among the IMM's models.
    turn_rate_radps : float
        Largest turn rate of any target, rad/s (> 0; ``inf``: no limit).
    min_accel_mps2 : float, default 9.80665
        Least acceleration allowed any track, m/s^2 (>= 0): a slow target can still
        accelerate along its path (1 g).
    speed_sigmas : float, default 2
        Standard deviations (square root of the velocity covariance's trace) added to the
        speed, >= 0.
    """

    model: int
    turn_rate_radps: float
    min_accel_mps2: float = 9.80665
    speed_sigmas: float = 2.0

    def __post_init__(self) -> None:
        for name, v, ok in (("turn_rate_radps", self.turn_rate_radps, self.turn_rate_radps > 0),
                            ("min_accel_mps2", self.min_accel_mps2,
                             0 <= self.min_accel_mps2 < np.inf),
                            ("speed_sigmas", self.speed_sigmas,
                             0 <= self.speed_sigmas < np.inf)):
            if not ok:
                rule = "> 0 rad/s" if name == "turn_rate_radps" else ">= 0 and finite"
                raise ValueError(f"{name} must be {rule}, got {v}")

    def scale(self, state: IMMState, q: float, dt: float, ndim: int) -> np.ndarray:
        """Each track's scale of the mode's ``Q`` for a step of ``dt`` s, shape (m,), in
        (0, 1]: ``min(1, a^2 dt / q)`` (see the class docstring)."""
        _, vel, _, trv = state.spread(ndim)
        v = np.sqrt(np.einsum("ij,ij->i", vel, vel)) + self.speed_sigmas * np.sqrt(trv)
        a = np.maximum(self.turn_rate_radps * v, self.min_accel_mps2)
        return np.minimum(a * a * (dt / q), 1.0)


@dataclass
class IMMState:
    """IMM states of m tracks with r models.

    Attributes
    ----------
    x : ndarray of shape (m, r, d)
    P : ndarray of shape (m, r, d, d)
    mu : ndarray of shape (m, r)
        Model probabilities (after :meth:`IMMFilter.predict`, the predicted ones).
    noise_s : ndarray of shape (m,), optional
        How far back, s, every model's covariance holds its own process noise untouched by a
        measurement (see :class:`~airdefense.tracking.kalman.KalmanState`); None: 0.
    qscale : ndarray of shape (m,), optional
        The scale of the manoeuvre model's noise in that covariance (its
        :class:`ManeuverLimit` at the last predict or move); None: 1.
    """

    x: np.ndarray
    P: np.ndarray
    mu: np.ndarray
    noise_s: np.ndarray | None = None
    qscale: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, idx) -> IMMState:
        """Tracks ``idx``."""
        return IMMState(self.x[idx], self.P[idx], self.mu[idx], _take_opt(self.noise_s, idx),
                        _take_opt(self.qscale, idx))

    def concat(self, other: IMMState) -> IMMState:
        """This state followed by ``other``."""
        a, b = len(self), len(other)
        return IMMState(np.concatenate([self.x, other.x]), np.concatenate([self.P, other.P]),
                        np.concatenate([self.mu, other.mu]),
                        _concat_opt(self.noise_s, other.noise_s, a, b, 0.0),
                        _concat_opt(self.qscale, other.qscale, a, b, 1.0))

    def spread(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mixture means of positions and velocities (m, n) and the traces of their covariances.

        Parameters
        ----------
        n : int
            Spatial axes: positions are components ``:n``, velocities ``n:2n``.
        """
        return _k.imm_spread(self.x, self.P, self.mu, n)

    def mean(self) -> np.ndarray:
        """Mean (m, d) of the model mixture (the mean of :meth:`moments`, without ``P``)."""
        return _k.imm_mean(self.x, self.mu)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Moment-matched mean (m, d) and covariance (m, d, d) of the model mixture."""
        return _k.imm_moments(self.x, self.P, self.mu)


@dataclass
class IMMInnovations:
    """Innovations of p pairs under every model, plus the mixture figures used to associate.

    ``flat`` holds pair-model rows, pair-major (row ``i * r + j`` is pair i under model j);
    ``pairs`` says which of its pairs these are (None: all, in order), so that taking pairs
    does not copy the per-model arrays until an update needs them. ``d2`` is the smallest
    distance over the models (a pair is gated in if any model accepts it); ``loglik`` is the
    log of the mode-weighted mixture likelihood.
    """

    ti: np.ndarray
    mj: np.ndarray
    flat: Innovations
    d2: np.ndarray
    loglik: np.ndarray
    dof: np.ndarray
    r: int
    pairs: np.ndarray | None = None

    def rows(self) -> np.ndarray | slice:
        """Rows of ``flat`` that belong to these pairs, pair-major."""
        if self.pairs is None:
            return slice(None)
        return (self.pairs[:, None] * self.r + np.arange(self.r)).ravel()

    @property
    def tau(self) -> np.ndarray | None:
        """Offset of each pair's measurement, s (p,), or None (0)."""
        if self.flat.tau is None:
            return None
        return self.flat.tau[self.rows()][::self.r]

    @property
    def model_loglik(self) -> np.ndarray:
        """Log-likelihood of each pair under each model, shape (p, r)."""
        return self.flat.loglik[self.rows()].reshape(len(self.ti), self.r)

    @property
    def per_model(self) -> list[Innovations]:
        """The pairs' innovations under each model, one :class:`Innovations` per model."""
        r = self.r
        flat = self.flat if self.pairs is None else self.flat.take(self.rows())
        return [flat.take(slice(j, None, r)) for j in range(r)]

    def take(self, sel) -> IMMInnovations:
        """Pairs ``sel`` (index array or boolean mask)."""
        idx = np.flatnonzero(sel) if np.asarray(sel).dtype == bool else np.asarray(sel, int)
        return IMMInnovations(self.ti[idx], self.mj[idx], self.flat, self.d2[idx],
                              self.loglik[idx], self.dof[idx], self.r,
                              idx if self.pairs is None else self.pairs[idx])


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
    maneuver : ManeuverLimit, optional
        Size one model's process noise per track from the track's speed (the manoeuvre
        mode: a :class:`~airdefense.tracking.models.ConstantVelocity` of ``q`` > 0); default
        every track gets every model's ``q``.

    Examples
    --------
    >>> from airdefense.tracking.models import ConstantVelocity, CoordinatedTurn
    >>> imm = IMMFilter([ConstantVelocity(1.0, 2), CoordinatedTurn(1.0, 1e-4, 2)],
    ...                 [[0.95, 0.05], [0.05, 0.95]])
    >>> imm.names
    ('x', 'y', 'vx', 'vy', 'omega')
    """

    def __init__(self, models: list[MotionModel], transition, filter_cls=ExtendedKalmanFilter,
                 mu0=None, maneuver: ManeuverLimit | None = None) -> None:
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
        if maneuver is not None:
            from airdefense.tracking.models import ConstantVelocity

            j = maneuver.model
            if not (0 <= j < r and type(self.models[j]) is ConstantVelocity
                    and self.models[j].q > 0):
                raise ValueError(f"maneuver.model must be the index of a ConstantVelocity "
                                 f"model of q > 0 among the {r} models, got {j}")
        self.maneuver = maneuver

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
        if getattr(self, "_prior", None) is None:
            self._prior = self._common_prior()
        return self._prior[0].copy(), self._prior[1].copy()

    def _common_prior(self) -> tuple[np.ndarray, np.ndarray]:
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

    def add_noise(self, state: IMMState, dt) -> IMMState:
        """The states with each model's process noise over ``dt`` added to that model's
        covariance, ``P_j + Q_j(dt)`` (the manoeuvre mode's scaled per track by its
        :class:`ManeuverLimit` at ``dt``, as :meth:`predict` does): what moving a state
        forward by ``dt`` adds to its spread (the means are moved elsewhere).

        Parameters
        ----------
        state : IMMState
        dt : array_like of shape (m,)
            Interval of each track, s (>= 0).
        """
        dt = np.asarray(dt, float)
        if not dt.any():
            return state
        P = state.P.copy()
        lim = self.maneuver
        qscale = state.qscale
        for j, f in enumerate(self.filters):
            Q = process_noise(f.motion, state.x[:, j], dt)
            if lim is not None and j == lim.model:
                qscale = lim.scale(state, self.models[j].q, dt, self.ndim)
                Q *= qscale[:, None, None]
            P[:, j] += Q
        hor = np.broadcast_to(dt, (len(state),)) + (0.0 if state.noise_s is None
                                                     else state.noise_s)
        return IMMState(state.x, P, state.mu, hor, qscale)

    def predict(self, state: IMMState, dt: float) -> IMMState:
        """Mix, then predict every model of every track by ``dt`` s."""
        if dt == 0 or len(state) == 0:
            return state
        m, r, d = state.x.shape
        lim = self.maneuver
        spec = self._fused_spec(dt)
        hor = np.empty(m)
        hor.fill(dt)
        if spec is not None:  # EKF models: scale, mixing, flows and F P F' + Q in one call
            jq, qs, la = -1, _NONE, _NONE
            if lim is not None:  # the kernel computes the scales from la (else passed in)
                jq, la = lim.model, self._limit_args(dt)
                if len(la) == 0:
                    qs = lim.scale(state, self.models[jq].q, float(dt), self.ndim)
            x, P, mu, qs = _k.imm_predict(state.x, state.P, state.mu, self.Pi, float(dt),
                                          *spec, qs, jq, la)
            return IMMState(x, P, mu, hor, None if lim is None else qs)
        jq, qs = -1, np.empty(0)
        if lim is not None:  # the manoeuvre mode's Q per track
            jq = lim.model
            qs = lim.scale(state, self.models[jq].q, float(dt), self.ndim)
        qscale = qs if lim is not None else None
        x0, P0, mu = _k.imm_mix(state.x, state.P, state.mu, self.Pi)  # (r, m, ...)
        xs = np.empty((m, r, d))
        Ps = np.empty((m, r, d, d))
        for j, f in enumerate(self.filters):  # loop over models, each batched over tracks
            if type(f) is ExtendedKalmanFilter:  # F P F' + Q straight into the output
                xs[:, j], F = f.motion.transition_jacobian(x0[j], dt)
                _k.propagate_cov(F if F.ndim == 3 else F[None], P0[j],
                                 f.motion.noise(x0[j], dt), Ps, j,
                                 qs if j == jq else np.empty(0))
            else:
                s = f.predict(KalmanState(x0[j], P0[j]), dt)
                xs[:, j] = s.x
                Ps[:, j] = s.P
                if j == jq:  # Q scaled: the filter added it once
                    Ps[:, j] += (qs - 1.0)[:, None, None] * f.motion.noise(x0[j], dt)
        return IMMState(xs, Ps, mu, hor, qscale)

    def _retro(self):
        # Every model's noise tables for the retrodiction (kalman._retro_tables), kept.
        got = self.__dict__.get("_retro_tab")
        if got is None:
            got = self._retro_tab = _retro_tables([f.motion for f in self.filters], self.ndim)
        return got

    def _qscales(self, state: IMMState) -> np.ndarray:
        # Scale of every model's noise per track (m, r): 1, the manoeuvre model's its qscale.
        out = np.ones((len(state), len(self.filters)))
        if self.maneuver is not None and state.qscale is not None:
            out[:, self.maneuver.model] = state.qscale
        return out

    def _qscale_args(self, state: IMMState) -> tuple[np.ndarray, int]:
        # The kernels' (qscale (m,), jq): the manoeuvre model's scales, or none (-1).
        if self.maneuver is None or state.qscale is None:
            return _NONE, -1
        return np.ascontiguousarray(state.qscale, float), int(self.maneuver.model)

    def _limit_args(self, dt: float) -> np.ndarray:
        # The kernels' manoeuvre limit for a step of dt s (see _k.maneuver_scale): turn rate,
        # least acceleration, speed sigmas, dt / q; empty (the scale computed by
        # ManeuverLimit.scale, passed in) beyond 4 axes. Kept per dt.
        cache = self.__dict__.setdefault("_lim", {})
        dt = float(dt)
        got = cache.get(dt)
        if got is None:
            lim = self.maneuver
            got = _NONE if self.ndim > 4 else np.array(
                [lim.turn_rate_radps, lim.min_accel_mps2, lim.speed_sigmas,
                 dt / self.models[lim.model].q])
            if len(cache) >= 256:
                cache.clear()
            cache[dt] = got
        return got

    def _fused_spec(self, dt: float):
        # Arguments of _k.imm_predict for a step of dt s (kinds, transition matrices, noises,
        # component indices, sub-steps, axes), or None unless every model is an EKF of a
        # linear, coordinated-turn or ballistic model with constant noise. Kept per dt.
        cache = self.__dict__.setdefault("_spec", {})
        key = float(dt)
        if key in cache:
            return cache[key]
        from airdefense.tracking.models import Ballistic, CoordinatedTurn

        r, d = len(self.filters), self.dim
        kind = np.zeros(r, np.int64)
        F = np.zeros((r, d, d))
        Q = np.zeros((r, d, d))
        idx = np.zeros((r, d), np.int64)
        sub = np.zeros(r)
        x = np.zeros((1, d))
        spec = (kind, F, Q, idx, sub, self.ndim)
        for j, f in enumerate(self.filters):
            mo = f.motion
            if (type(f) is not ExtendedKalmanFilter or not isinstance(mo, Embedded)
                    or not mo.constant_noise):
                spec = None
                break
            if mo.linear:
                Fj = np.asarray(mo.jacobian(x, key))
                if Fj.ndim != 2:
                    spec = None
                    break
                F[j] = Fj
            elif type(mo.model) is CoordinatedTurn:
                kind[j] = 1
            elif type(mo.model) is Ballistic:
                kind[j], sub[j] = 2, mo.model.max_substep
            else:
                spec = None
                break
            idx[j, :len(mo.idx)] = mo.idx
            Q[j] = mo.noise(x, key)
        if len(cache) >= 256:
            cache.clear()
        cache[key] = spec
        return spec

    def innovations(self, state: IMMState, ti, meas: Measurements, mj) -> IMMInnovations:
        """Innovations of the pairs under every model.

        The models share the measurement model and the common state, so one call of the first
        model's filter handles every pair under every model (p * r rows). Each model's state
        is retrodicted to the row's time with its own process noise (see
        :meth:`~airdefense.tracking.kalman.ExtendedKalmanFilter.innovations`).
        """
        ti = np.asarray(ti, int)
        mj = np.asarray(mj, int)
        p = len(ti)
        m, r, d = state.x.shape
        f0 = self.filters[0]
        x = state.x.reshape(m * r, d)
        P = state.P.reshape(m * r, d, d)
        rows = (ti[:, None] * r + np.arange(r)).ravel()
        tir, mjr = np.repeat(ti, r), np.repeat(mj, r)
        qs = np.repeat(_pair_horizon(state.noise_s, ti, _offsets(meas, mj)), r)
        retro = (np.tile(np.arange(r), p), self._qscales(state)[ti].ravel(), qs)
        flat = f0._innovations(x, P, rows, tir, meas, mjr, retro, self._retro())
        loglik, d2 = _k.imm_pair_mixture(flat.loglik.reshape(p, r), flat.d2.reshape(p, r),
                                         state.mu, ti)
        return IMMInnovations(ti, mj, flat, d2, loglik, flat.dof[::r], r)

    @property
    def fused_polar(self) -> bool:
        """Whether every model runs an EKF (polar gating and updates then use fused kernels)."""
        got = self.__dict__.get("_fused_polar")
        if got is None:  # the filters are fixed at construction
            got = self._fused_polar = all(type(f) is ExtendedKalmanFilter for f in self.filters)
        return got

    def gate_polar(self, state: IMMState, meas: Measurements, thr, g: float, ti=None,
                   mj=None) -> IMMInnovations:
        """Gated innovations of polar measurements in one compiled pass (EKF models only).

        Parameters
        ----------
        state : IMMState
        meas : Measurements
            Polar.
        thr : ndarray of shape (5,)
            Chi-square threshold for 0..4 valid components (NaN for 0).
        g : float
            Coarse-gate factor (square root of the 4-component threshold); negative: the
            candidates are ``ti, mj``.
        ti, mj : ndarray of int, optional
            Candidate pairs.

        Returns
        -------
        IMMInnovations
            The pairs with a least distance over the models within ``thr[dof]``.
        """
        return IMMInnovations(*_polar_gate(state.x, state.P, state.mu, meas, thr, g, ti, mj,
                                           self._retro(), *self._qscale_args(state),
                                           _horizons(state.noise_s, len(state))),
                              len(self.filters))

    def update_polar_sequence(self, state: IMMState, inn: IMMInnovations, sel, ti, mj, rank,
                              meas: Measurements) -> IMMState:
        """Update tracks by several polar measurements each, in order (EKF models only).

        Pair q (``ti[q]``, ``mj[q]``) is pair ``sel[q]`` of ``inn`` where ``rank[q]`` is 0
        (its track's first); a later one is recomputed against the state its track's
        earlier pairs left, as :meth:`innovations` then :meth:`update` would.
        """
        base = (np.asarray(sel, np.int64) if inn.pairs is None else inn.pairs[sel]) * inn.r
        f = inn.flat
        x, P, mu, hor = _polar_sequence(state.x, state.P, state.mu, base, ti, mj, rank, f.nu,
                                        f.S, f.PHt, f.loglik, meas, self._retro(),
                                        *self._qscale_args(state),
                                        _horizons(state.noise_s, len(state)))
        return IMMState(x, P, mu, None if state.noise_s is None else hor, state.qscale)

    def update(self, state: IMMState, inn: IMMInnovations) -> IMMState:
        """Update the tracks ``inn.ti`` (each at most once): every model, then the probabilities."""
        if len(inn.ti) == 0:
            return state
        r = state.x.shape[1]
        sel = np.arange(len(inn.ti) * r) if inn.pairs is None else inn.rows()
        f = inn.flat
        return IMMState(*_k.imm_update(state.x, state.P, state.mu,
                                       np.asarray(inn.ti, np.int64), f.nu, f.S, f.PHt,
                                       f.loglik, sel),
                        _horizon_after(state.noise_s, inn.ti, inn.tau, len(state)),
                        state.qscale)

    def update_weighted(self, state: IMMState, inn: IMMInnovations, beta, beta0) -> IMMState:
        """JPDA update, every model with its own association probabilities (the IMM-PDAF of
        Houles & Bar-Shalom 1989, track by track within the JPDA's joint events).

        With ``c_j`` the predicted model probabilities, ``L_ij`` the likelihood of pair i under
        model j and ``post_ij = c_j L_ij / sum_k c_k L_ik``, the model probabilities are
        ``mu_j = beta0 c_j + sum_i beta_i post_ij`` and model j's association probabilities
        ``beta_i post_ij / mu_j`` (measurement i), ``beta0 c_j / mu_j`` (none), which sum to 1:
        model j takes a measurement by how well model j explains it, not by how well the
        mixture does.

        Parameters
        ----------
        state : IMMState
        inn : IMMInnovations
            p pairs.
        beta : ndarray of shape (p,)
            Association probability of each pair (from the mixture likelihoods).
        beta0 : ndarray of shape (m,)
            Probability that no measurement belongs to each track.
        """
        x, P = state.x.copy(), state.P.copy()
        ll = inn.model_loglik
        mu0 = state.mu
        # P(model j | pair) = c_j L_j / sum_i c_i L_i, averaged with the association weights.
        post = ll + np.log(np.maximum(mu0[inn.ti], 1e-300))
        post = np.exp(post - _k.logsumexp_rows(post)[:, None])
        mu = beta0[:, None] * mu0
        np.add.at(mu, inn.ti, beta[:, None] * post)
        ok = mu > 1e-300  # else (a model of no weight) the mixture's weights, as a fallback
        den = np.where(ok, mu, 1.0)
        for j, i in enumerate(inn.per_model):
            bj = np.where(ok[inn.ti, j], beta * post[:, j] / den[inn.ti, j], beta)
            b0j = np.where(ok[:, j], beta0 * mu0[:, j] / den[:, j], beta0)
            x[:, j], P[:, j] = weighted_update(state.x[:, j], state.P[:, j], i, bj, b0j)
        w = np.asarray(beta) > 0
        tau = inn.tau
        hor = _horizon_after(state.noise_s, inn.ti[w], None if tau is None else tau[w],
                             len(state))
        return IMMState(x, P, mu / mu.sum(1, keepdims=True), hor, state.qscale)
