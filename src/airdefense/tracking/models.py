"""Motion models, vectorised over tracks.

A state row starts with the positions and then the velocities of ``ndim`` axes
(``[x, y, (z), vx, vy, (vz)]``); a model may append extra components (accelerations, turn rate,
drag coefficient). Each model has named components, so that an IMM can run several models on one
common state (see :func:`common_names` and :class:`Embedded`).

Every method takes ``x`` of shape (m, d) and returns arrays with a leading track axis, or one
(d, d) matrix that broadcasts over tracks when the model is linear.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod

import numpy as np

from airdefense.tracking import _kernels as _k

__all__ = [
    "MotionModel",
    "ConstantVelocity",
    "ConstantAcceleration",
    "CoordinatedTurn",
    "Ballistic",
    "Embedded",
    "process_noise",
    "common_names",
    "GRAVITY_MPS2",
    "RHO0_KGPM3",
    "SCALE_HEIGHT_M",
]

GRAVITY_MPS2 = _k.GRAVITY_MPS2
RHO0_KGPM3 = _k.RHO0_KGPM3
SCALE_HEIGHT_M = _k.SCALE_HEIGHT_M
_AXES = ("x", "y", "z")
_I3 = np.arange(3)


@functools.lru_cache(maxsize=8)
def _cv_slots(ndim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # Flat indices of a (2 ndim, 2 ndim) matrix: position-velocity (F's dt; Q's dt^2 / 2 on
    # both sides), position-position and velocity-velocity diagonals.
    n2, i = 2 * ndim, np.arange(ndim)
    return (i * n2 + i + ndim, np.r_[i * n2 + i + ndim, (i + ndim) * n2 + i], i * n2 + i,
            (i + ndim) * n2 + i + ndim)


@functools.lru_cache(maxsize=256)
def _cv_blocks_cached(ndim: int, dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    # Every new interval (a birth's offset) misses the cache: a few flat assignments of
    # Python scalars, not one fancy index per block.
    fpv, qpv, qpp, qvv = _cv_slots(ndim)
    n2 = 2 * ndim
    F = np.eye(n2)
    F.ravel()[fpv] = dt
    Q = np.zeros(n2 * n2)
    Q[qpp] = q * dt**3 / 3
    Q[qpv] = q * dt**2 / 2
    Q[qvv] = q * dt
    Q = Q.reshape(n2, n2)
    F.flags.writeable = False
    Q.flags.writeable = False
    return F, Q


def _cv_blocks(ndim: int, dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    # Scans repeat the same few time steps: cache the (read-only) matrices.
    return _cv_blocks_cached(int(ndim), float(dt), float(q))


class MotionModel(ABC):
    """Base class: a discrete-time motion model ``x' = f(x, dt) + w``, ``w ~ N(0, Q)``.

    Subclasses set ``ndim`` and ``names`` and implement :meth:`transition` and :meth:`noise`;
    :meth:`jacobian` defaults to central differences, done for all tracks in one batch.
    """

    ndim: int = 3
    names: tuple[str, ...] = ()
    linear: bool = False
    #: Whether :meth:`noise` is one (d, d) matrix that depends on ``dt`` only (it may be cached).
    constant_noise: bool = False

    @property
    def dim(self) -> int:
        """State dimension d."""
        return len(self.names)

    @abstractmethod
    def transition(self, x: np.ndarray, dt: float) -> np.ndarray:
        """Propagate states ``x`` (m, d) by ``dt`` s; returns (m, d)."""

    def jacobian(self, x: np.ndarray, dt: float) -> np.ndarray:
        """Jacobian of :meth:`transition` at ``x``, shape (m, d, d) or (d, d)."""
        m, d = x.shape
        h = 1e-5 * np.maximum(np.abs(x), 1.0)
        pert = np.einsum("mi,ij->mji", h, np.eye(d))
        xp = (x[:, None, :] + pert).reshape(m * d, d)
        xm = (x[:, None, :] - pert).reshape(m * d, d)
        diff = (self.transition(xp, dt) - self.transition(xm, dt)).reshape(m, d, d)
        # diff[m, j, :] is the derivative along component j: transpose to rows = outputs.
        return np.swapaxes(diff / (2 * h[:, :, None]), 1, 2)

    def transition_jacobian(self, x: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`transition` and :meth:`jacobian` at ``x`` together (models may share work)."""
        return self.transition(x, dt), self.jacobian(x, dt)

    @abstractmethod
    def noise(self, x: np.ndarray, dt: float) -> np.ndarray:
        """Process noise covariance over ``dt``, shape (m, d, d) or (d, d)."""

    def prior(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the extra components (after positions and velocities) at birth."""
        k = self.dim - 2 * self.ndim
        return np.zeros(k), np.ones(k)

    def noise_coefficients(self) -> np.ndarray | None:
        """The process noise as a polynomial in the interval, ``Q(dt) = sum_k C[k] dt^(k+1)``.

        Used to retrodict a predicted state to a measurement's time inside the step (the
        noise of the last ``|tau|`` seconds is taken out of the predicted covariance; see
        :meth:`~airdefense.tracking.kalman.ExtendedKalmanFilter.innovations`). Fitted once
        to :meth:`noise` at ``dt`` = 0.5, 1, 1.5, 2, 2.5 s and checked at 0.3 and 3.7 s: exact
        for the built-in models, whose noises are polynomials of degree 1 (turn rate, drag) to
        5 (jerk) in ``dt``.

        Returns
        -------
        ndarray of shape (5, d, d) or None
            ``C`` (coefficients below 1e-12 of an entry's largest set to 0), or None when the
            noise is not such a polynomial or depends on the state (not :attr:`constant_noise`):
            no retrodiction then.
        """
        got = self.__dict__.get("_noise_coef", False)
        if got is False:
            got = self._noise_coef = _fit_noise(self)
        return got


class ConstantVelocity(MotionModel):
    """Nearly constant velocity: white-noise acceleration of intensity ``q``.

    Parameters
    ----------
    q : float, default 1.0
        Acceleration noise intensity, m^2/s^3 (per axis).
    ndim : {2, 3}, default 3
        Number of spatial axes.
    """

    linear = True
    constant_noise = True

    def __init__(self, q: float = 1.0, ndim: int = 3) -> None:
        self.q = float(q)
        self.ndim = int(ndim)
        ax = _AXES[:ndim]
        self.names = ax + tuple("v" + a for a in ax)

    def transition(self, x, dt):
        F, _ = _cv_blocks(self.ndim, dt, self.q)
        return x @ F.T

    def jacobian(self, x, dt):
        return _cv_blocks(self.ndim, dt, self.q)[0]

    def noise(self, x, dt):
        return _cv_blocks(self.ndim, dt, self.q)[1]


class ConstantAcceleration(MotionModel):
    """Nearly constant acceleration: white-noise jerk of intensity ``q``.

    State ``[p, v, a]`` per axis group. ``q`` is in m^2/s^5.

    Parameters
    ----------
    q : float, default 1.0
        Jerk noise intensity, m^2/s^5.
    ndim : {2, 3}, default 3
    accel_sigma_mps2 : float, default 30
        Prior standard deviation of the acceleration at birth, m/s^2.
    """

    linear = True
    constant_noise = True

    def __init__(self, q: float = 1.0, ndim: int = 3, accel_sigma_mps2: float = 30.0) -> None:
        self.q = float(q)
        self.ndim = int(ndim)
        self.accel_sigma = float(accel_sigma_mps2)
        ax = _AXES[:ndim]
        self.names = ax + tuple("v" + a for a in ax) + tuple("a" + a for a in ax)

    def _mats(self, dt):
        n = self.ndim
        e = np.eye(n)
        z = np.zeros((n, n))
        F = np.block([[e, dt * e, dt**2 / 2 * e], [z, e, dt * e], [z, z, e]])
        c = np.array([[dt**5 / 20, dt**4 / 8, dt**3 / 6],
                      [dt**4 / 8, dt**3 / 3, dt**2 / 2],
                      [dt**3 / 6, dt**2 / 2, dt]])
        return F, self.q * np.kron(c, e)

    def transition(self, x, dt):
        return x @ self._mats(dt)[0].T

    def jacobian(self, x, dt):
        return self._mats(dt)[0]

    def noise(self, x, dt):
        return self._mats(dt)[1]

    def prior(self):
        return np.zeros(self.ndim), np.full(self.ndim, self.accel_sigma**2)


class CoordinatedTurn(MotionModel):
    """Coordinated turn in the horizontal plane with an unknown turn rate ``omega``.

    State ``[x, y, (z), vx, vy, (vz), omega]``; omega in rad/s, positive anticlockwise seen from
    above (from east towards north). The vertical axis, if any, is nearly constant velocity.

    Parameters
    ----------
    q : float, default 1.0
        Acceleration noise intensity, m^2/s^3.
    q_omega : float, default 1e-4
        Turn-rate noise intensity, rad^2/s^3.
    ndim : {2, 3}, default 3
    omega_sigma_radps : float, default 0.1
        Prior standard deviation of the turn rate at birth, rad/s.
    """

    constant_noise = True

    def __init__(self, q: float = 1.0, q_omega: float = 1e-4, ndim: int = 3,
                 omega_sigma_radps: float = 0.1) -> None:
        self.q = float(q)
        self.q_omega = float(q_omega)
        self.ndim = int(ndim)
        self.omega_sigma = float(omega_sigma_radps)
        ax = _AXES[:ndim]
        self.names = ax + tuple("v" + a for a in ax) + ("omega",)

    def transition(self, x, dt):
        return self._at(x, dt, None, False)[0]

    def jacobian(self, x, dt):
        return self._at(x, dt, None, True)[1]

    def transition_jacobian(self, x, dt, jac: bool = True):
        return self._at(x, dt, None, jac)

    def _at(self, x, dt, idx, jac):
        # The turn of components idx (default: all, in order) of x; see _kernels.ct_transition.
        x = np.ascontiguousarray(x, float)
        if idx is None:
            idx = np.arange(self.dim)
        out, J = _k.ct_transition(x, float(dt), self.ndim, idx, jac)
        return out, (J if jac else None)

    def noise(self, x, dt):
        d = self.dim
        Q = np.zeros((d, d))
        Q[:-1, :-1] = _cv_blocks(self.ndim, dt, self.q)[1]
        Q[-1, -1] = self.q_omega * dt
        return Q

    def prior(self):
        return np.zeros(1), np.array([self.omega_sigma**2])


#: Largest drag coefficient the ballistic model admits (beta = 50 kg/m^2), m^2/kg.
K_MAX_M2PKG = _k.K_MAX_M2PKG
#: Largest drag deceleration it admits (30 g), m/s^2: keeps the RK4 sub-steps stable.
MAX_DRAG_MPS2 = _k.MAX_DRAG_MPS2


class Ballistic(MotionModel):
    """Gravity plus drag, with the drag coefficient ``k = 1/beta`` estimated (3-D only).

    State ``[x, y, z, vx, vy, vz, k]`` with ``k`` in m^2/kg (beta is the ballistic coefficient,
    kg/m^2). Acceleration ``-g e_z - rho(z) k |v| v / 2`` with an exponential atmosphere
    ``rho = 1.225 exp(-z / 7200 m)`` kg/m^3 and ``z`` taken as the altitude (flat earth). Each step is
    integrated with RK4 in sub-steps of at most ``max_substep_s``.

    Parameters
    ----------
    q : float, default 1.0
        Acceleration noise intensity, m^2/s^3.
    q_k : float, default 1e-8
        Drag-coefficient noise intensity, (m^2/kg)^2/s.
    k_prior : float, default 1e-4
        Prior mean of ``k`` at birth (beta = 10,000 kg/m^2), m^2/kg.
    k_sigma : float, default 1e-3
        Prior standard deviation of ``k``, m^2/kg.
    max_substep_s : float, default 0.25
    """

    constant_noise = True

    def __init__(self, q: float = 1.0, q_k: float = 1e-8, k_prior: float = 1e-4,
                 k_sigma: float = 1e-3, max_substep_s: float = 0.25) -> None:
        self.q = float(q)
        self.q_k = float(q_k)
        self.k_prior = float(k_prior)
        self.k_sigma = float(k_sigma)
        self.max_substep = float(max_substep_s)
        self.ndim = 3
        self.names = ("x", "y", "z", "vx", "vy", "vz", "kdrag")

    def transition(self, x, dt):
        return self._at(x, dt, None, False)[0]

    def transition_jacobian(self, x, dt):
        """States after ``dt`` s and the Jacobian of that map, in one RK4 pass.

        The state-transition matrix comes from the variational equations
        ``dPhi/dt = A(x(t)) Phi`` integrated with the same RK4 sub-steps as the state, so it
        is the Jacobian of the flow to RK4 accuracy; shapes (m, 7) and (m, 7, 7).
        """
        return self._at(x, dt, None, True)

    def jacobian(self, x, dt):
        """State-transition matrix from the variational equations ``dPhi/dt = A(x(t)) Phi``.

        Integrated with the same RK4 sub-steps as the state, so it is the Jacobian of the
        flow to RK4 accuracy, shape (m, 7, 7).
        """
        return self._at(x, dt, None, True)[1]

    def _at(self, x, dt, idx, jac):
        # The flow of components idx (default: all) of x; see _kernels.ballistic_transition.
        x = np.ascontiguousarray(x, float)
        if idx is None:
            idx = np.arange(7)
        out, J = _k.ballistic_transition(x, float(dt), self.max_substep, idx, jac)
        return out, (J if jac else None)

    def noise(self, x, dt):
        Q = np.zeros((7, 7))
        Q[:6, :6] = _cv_blocks(3, dt, self.q)[1]
        Q[6, 6] = self.q_k * dt
        return Q

    def prior(self):
        return np.array([self.k_prior]), np.array([self.k_sigma**2])


def process_noise(model: MotionModel, x: np.ndarray, dt) -> np.ndarray:
    """Process noise ``Q`` of ``model`` over each state's own interval, shape (m, d, d).

    Parameters
    ----------
    model : MotionModel
    x : ndarray of shape (m, d)
        States (for models whose noise depends on the state).
    dt : array_like of shape (m,)
        Interval of each state, s (>= 0); 0 gives a zero ``Q``.

    Returns
    -------
    ndarray of shape (m, d, d)
        ``model.noise`` at each distinct interval (one call per distinct value).
    """
    x = np.asarray(x, float)
    m, d = x.shape
    dt = np.asarray(dt, float).reshape(m)
    Q = np.zeros((m, d, d))
    # The distinct positive intervals, as Python floats (np.unique costs tens of us on the few
    # rows of a birth, which is where this is called, each row with its own offset).
    ts = sorted({t for t in dt.tolist() if t > 0})
    if len(ts) == 1 and (m == 1 or bool((dt == ts[0]).all())):
        Q[:] = model.noise(x, ts[0])  # one interval for all (a single new track)
        return Q
    for t in ts:
        sel = dt == t
        Q[sel] = model.noise(x[sel], t)
    return Q


_FIT_DT = np.array([0.5, 1.0, 1.5, 2.0, 2.5])
_CHECK_DT = (0.3, 3.7)


def _fit_noise(model: MotionModel) -> np.ndarray | None:
    # Coefficients C (5, d, d) of Q(dt) = sum_k C[k] dt^(k+1) fitted to model.noise (see
    # MotionModel.noise_coefficients), or None.
    if not model.constant_noise:
        return None
    d = model.dim
    x = np.zeros((1, d))

    def at(dt: float) -> np.ndarray:
        Q = np.asarray(model.noise(x, dt), float)
        return Q.reshape(d, d) if Q.size == d * d else np.full((d, d), np.nan)

    V = _FIT_DT[:, None] ** np.arange(1, 6)
    C = np.linalg.solve(V, np.stack([at(t) for t in _FIT_DT]).reshape(5, d * d))
    big = np.abs(C).max(axis=0)
    C[np.abs(C) <= 1e-12 * big] = 0.0
    C = C.reshape(5, d, d)
    for t in _CHECK_DT:
        want = at(t)
        got = np.einsum("k,kij->ij", t ** np.arange(1, 6), C)
        if not np.allclose(got, want, rtol=1e-9, atol=1e-12 * max(np.abs(want).max(), 1e-300)):
            return None
    return C


def common_names(models) -> tuple[str, ...]:
    """Union of the models' component names, in order of first appearance."""
    out: list[str] = []
    for mdl in models:
        out.extend(n for n in mdl.names if n not in out)
    return tuple(out)


class Embedded(MotionModel):
    """Run ``model`` on a larger common state; components it lacks are held constant.

    Parameters
    ----------
    model : MotionModel
    names : tuple of str
        Component names of the common state; must contain all of ``model.names``.
    """

    def __init__(self, model: MotionModel, names: tuple[str, ...]) -> None:
        missing = [n for n in model.names if n not in names]
        if missing:
            raise ValueError(f"common state lacks the components {missing} of {model!r}")
        self.model = model
        self.ndim = model.ndim
        self.names = tuple(names)
        self.idx = np.array([names.index(n) for n in model.names])
        self.linear = model.linear
        self.constant_noise = model.constant_noise
        self._prefix = bool((self.idx == np.arange(len(self.idx))).all())
        self._flat = (self.idx[:, None] * len(names) + self.idx[None, :]).ravel()
        self._cache: dict = {}

    def transition(self, x, dt):
        if hasattr(self.model, "_at"):  # compiled models move their components in place
            return self.model._at(x, dt, self.idx, False)[0]
        out = x.copy()
        out[:, self.idx] = self.model.transition(x[:, self.idx], dt)
        return out

    def _scatter(self, block, m):
        # The model's block in the common state: identity (m is None) or zero elsewhere.
        D = self.dim
        if block.ndim == 2:
            full = np.eye(D) if m is None else np.zeros((D, D))
            full.ravel()[self._flat] = block.ravel()
            return full
        full = np.empty((block.shape[0], D, D))
        full[:] = np.eye(D) if m is None else 0.0
        if self._prefix:
            full[:, :len(self.idx), :len(self.idx)] = block
        else:
            full.reshape(len(full), D * D)[:, self._flat] = block.reshape(len(block), -1)
        return full

    def _cached(self, kind, dt, make):
        # Matrices that depend on dt only (linear Jacobians, constant noise), kept read-only;
        # a model that returns one matrix per track is not cached.
        key = (kind, float(dt))
        out = self._cache.get(key)
        if out is None:
            out = make()
            if out.ndim == 2:
                if len(self._cache) >= 256:
                    self._cache.clear()
                out.flags.writeable = False
                self._cache[key] = out
        return out

    def jacobian(self, x, dt):
        if self.linear:
            return self._cached("F", dt, lambda: self._scatter(
                np.asarray(self.model.jacobian(x[:, self.idx], dt)), None))
        if hasattr(self.model, "_at"):
            return self.model._at(x, dt, self.idx, True)[1]
        return self._scatter(self.model.jacobian(x[:, self.idx], dt), None)

    def transition_jacobian(self, x, dt):
        if self.linear:
            F = self.jacobian(x, dt)
            if F.ndim == 2:  # x @ F.T moves the model's components, keeps the others
                return x @ F.T, F
            return self.transition(x, dt), F
        if hasattr(self.model, "_at"):
            return self.model._at(x, dt, self.idx, True)
        y, J = self.model.transition_jacobian(x[:, self.idx], dt)
        out = x.copy()
        out[:, self.idx] = y
        return out, self._scatter(J, None)

    def noise(self, x, dt):
        if self.constant_noise:
            return self._cached("Q", dt, lambda: self._scatter(
                np.asarray(self.model.noise(x[:, self.idx], dt)), 0))
        return self._scatter(self.model.noise(x[:, self.idx], dt), 0)

    def prior(self):
        """Birth mean and variance of the common state's extra components: the model's own
        where it has them (:meth:`MotionModel.prior`), 0 and 1 for those it lacks (held
        constant), as the IMM's common prior does for its models."""
        n = 2 * self.ndim
        extra = list(self.names[n:])
        mean, var = np.zeros(len(extra)), np.ones(len(extra))
        mm, vv = self.model.prior()
        for name, a, b in zip(self.model.names[n:], mm, vv, strict=True):
            mean[extra.index(name)], var[extra.index(name)] = a, b
        return mean, var
