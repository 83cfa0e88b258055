"""Static weapon-target assignment: the problem, the solution and the solver interface.

The problem (general form, used by the ``wta`` command and by the control unit)::

    minimise   sum_j V_j prod_i (1 - p_ij)^x_ij  +  lambda * sum_ij cost_i x_ij
    subject to sum_j x_ij <= copies_i              (inventory of weapon type i)
               sum_i x_ij <= max_per_target_j      (salvo limit per target, optional)
               x_ij <= max_per_pair_ij             (salvo limit per pair, optional)
               x_ij = 0 where not allowed_ij       (launch window / envelope, optional)
               x_ij integer >= 0

With ``cost_weight = 0`` the objective is the expected surviving target value of Andersen,
Pavlikov and Toffolo (2022).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from airdefense.assignment import _kernels as _k
from airdefense.errors import AirDefenseError

__all__ = ["WTAProblem", "WTASolution", "Solver", "STATUSES"]

#: The values of :attr:`WTASolution.status`.
STATUSES = ("optimal", "time_limit", "work_limit", "heuristic")
_NO_LIMIT = np.iinfo(np.int64).max // 4  # max_per_target when none is given
_NO_FIELD = np.zeros(0)


def _fail(name: str, message: str) -> AirDefenseError:
    return AirDefenseError(f"WTAProblem.{name}: {message}")


def _as_float(name: str, value, shape: tuple[int, ...] | None, ndim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise _fail(name, f"must be an array of numbers, got {value!r}") from exc
    if arr.ndim != ndim:
        raise _fail(name, f"must be {ndim}-dimensional, got shape {arr.shape}")
    if shape is not None and arr.shape != shape:
        raise _fail(name, f"must have shape {shape}, got {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(k) for k in np.argwhere(bad)[0])
        raise _fail(name, f"must be finite, got {arr[idx]} at index {idx}")
    return arr


def _as_count(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    arr = _as_float(name, value, shape, len(shape))
    frac = arr != np.round(arr)
    if frac.any():
        idx = tuple(int(k) for k in np.argwhere(frac)[0])
        raise _fail(name, f"must be whole numbers, got {arr[idx]} at index {idx}")
    neg = arr < 0
    if neg.any():
        idx = tuple(int(k) for k in np.argwhere(neg)[0])
        raise _fail(name, f"must be >= 0 rounds, got {arr[idx]:g} at index {idx}")
    return arr.astype(np.int64)


@dataclass(frozen=True, eq=False)
class WTAProblem:
    """One static weapon-target assignment problem.

    Parameters
    ----------
    values : array_like of shape (T,)
        Value ``V_j`` of each target (>= 0, any unit of value).
    p : array_like of shape (W, T)
        Kill probability of one round of weapon type ``i`` against target ``j``, in [0, 1].
    copies : array_like of shape (W,), int
        Rounds available of each weapon type (>= 0).
    cost : array_like of shape (W,), optional
        Cost of one round of each type (>= 0, same unit as ``values``). Default: zero.
    cost_weight : float, default 0
        Weight ``lambda >= 0`` of the round cost in the objective.
    allowed : array_like of shape (W, T), bool, optional
        Where type ``i`` may fire at target ``j`` (launch window, envelope). Default: everywhere.
        ``p`` counts as 0 where not allowed.
    max_per_target : array_like of shape (T,), int, optional
        Most rounds that may be assigned to each target (salvo limit). Default: no limit.
    max_per_pair : array_like of shape (W, T), int, optional
        Most rounds of type ``i`` that may be assigned to target ``j`` (the salvo limit of
        one launcher at one target, >= 0). Default (None): no limit but the others. Kept as
        given (None, or an int64 array in C order).

    Raises
    ------
    AirDefenseError
        If a field has the wrong shape or breaks its rule; the message names field and value.

    Examples
    --------
    >>> prob = WTAProblem(values=[10, 5], p=[[0.5, 0.9]], copies=[1])
    >>> prob.objective([[0, 1]])
    10.5
    """

    values: np.ndarray
    p: np.ndarray
    copies: np.ndarray
    cost: np.ndarray | None = None
    cost_weight: float = 0.0
    allowed: np.ndarray | None = None
    max_per_target: np.ndarray | None = None
    max_per_pair: np.ndarray | None = None
    _q: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        fields = self._fast_fields()
        values, p, copies, cost, lam, allowed, mpt, mpp = (self._checked_fields()
                                                           if fields is None else fields)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "copies", copies)
        object.__setattr__(self, "cost", cost)
        object.__setattr__(self, "cost_weight", lam)
        object.__setattr__(self, "allowed", allowed)
        object.__setattr__(self, "max_per_target", mpt)
        object.__setattr__(self, "max_per_pair", mpp)
        object.__setattr__(self, "_q", 1.0 - np.where(allowed, p, 0.0))
        for arr in (values, p, copies, cost, allowed, mpt, mpp, self._q):
            if arr is not None:
                arr.setflags(write=False)

    @classmethod
    def _of_fields(cls, values: np.ndarray, p: np.ndarray, copies: np.ndarray,
                   cost: np.ndarray, cost_weight: float, allowed: np.ndarray,
                   max_per_target: np.ndarray, max_per_pair: np.ndarray | None) -> WTAProblem:
        """A problem of fields already as :meth:`__post_init__` leaves them, their rules known
        to hold (a caller's own arrays): ``values`` (T,), ``p`` (W, T) and ``cost`` (W,)
        float64, ``copies`` (W,) and ``max_per_target`` (T,) int64, ``allowed`` (W, T) bool,
        ``max_per_pair`` (W, T) int64 in C order or None; ``cost_weight`` a float >= 0.

        Nothing is checked or copied: the problem holds these arrays, made read-only (give it
        arrays, or views of arrays, that nothing changes afterwards). The same problem as the
        constructor makes of them (the same values in the same layouts).
        """
        self = object.__new__(cls)
        q = 1.0 - np.where(allowed, p, 0.0)
        for name, arr in (("values", values), ("p", p), ("copies", copies), ("cost", cost),
                          ("allowed", allowed), ("max_per_target", max_per_target),
                          ("max_per_pair", max_per_pair), ("_q", q)):
            if arr is not None:
                arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "cost_weight", float(cost_weight))
        return self

    def _fast_fields(self) -> tuple | None:
        """The fields as :meth:`_checked_fields` converts them, if every rule holds (the
        numbers checked in one compiled pass); None if one may not (then the full checks say
        which and where)."""
        try:
            values = np.array(self.values, dtype=float)
            p = np.array(self.p, dtype=float)
            copies = np.array(self.copies, dtype=float)
            cost = None if self.cost is None else np.array(self.cost, dtype=float)
            mpt = (None if self.max_per_target is None
                   else np.array(self.max_per_target, dtype=float))
            mpp = (None if self.max_per_pair is None
                   else np.array(self.max_per_pair, dtype=float))
            lam = float(self.cost_weight)
        except (TypeError, ValueError):
            return None
        if p.ndim != 2:
            return None
        n_w, n_t = p.shape
        if (values.shape != (n_t,) or copies.shape != (n_w,)
                or (cost is not None and cost.shape != (n_w,))
                or (mpt is not None and mpt.shape != (n_t,))
                or (mpp is not None and mpp.shape != (n_w, n_t))
                or not (math.isfinite(lam) and lam >= 0)):
            return None
        if self.allowed is None:
            allowed = np.ones((n_w, n_t), bool)
        else:
            allowed = np.asarray(self.allowed)
            if allowed.shape != (n_w, n_t) or allowed.dtype != bool:
                return None
        cost = np.zeros(n_w) if cost is None else cost
        if not _k.fields_ok(values, p.ravel(order="K"), copies, cost,
                            _NO_FIELD if mpt is None else mpt,
                            _NO_FIELD if mpp is None else mpp.ravel(order="K")):
            return None
        mpt = (np.full(n_t, _NO_LIMIT, np.int64) if mpt is None else mpt.astype(np.int64))
        mpp = None if mpp is None else mpp.astype(np.int64, order="C")
        return values, p, copies.astype(np.int64), cost, lam, allowed, mpt, mpp

    def _checked_fields(self) -> tuple:
        """The fields converted, each rule checked in turn; raises at the first broken one."""
        values = _as_float("values", self.values, None, 1)
        p = _as_float("p", self.p, None, 2)
        n_w, n_t = p.shape
        if values.shape[0] != n_t:
            raise _fail("values", f"must have one entry per target (p has {n_t} columns), "
                                  f"got {values.shape[0]}")
        if (values < 0).any():
            j = int(np.argmax(values < 0))
            raise _fail("values", f"must be >= 0, got {values[j]:g} at index {j}")
        if ((p < 0) | (p > 1)).any():
            i, j = (int(k) for k in np.argwhere((p < 0) | (p > 1))[0])
            raise _fail("p", f"must be a probability in [0, 1], got {p[i, j]:g} at index "
                             f"({i}, {j})")
        copies = _as_count("copies", self.copies, (n_w,))
        cost = (np.zeros(n_w) if self.cost is None
                else _as_float("cost", self.cost, (n_w,), 1))
        if (cost < 0).any():
            i = int(np.argmax(cost < 0))
            raise _fail("cost", f"must be >= 0, got {cost[i]:g} at index {i}")
        try:
            lam = float(self.cost_weight)
        except (TypeError, ValueError) as exc:
            raise _fail("cost_weight", f"must be a number, got {self.cost_weight!r}") from exc
        if not (np.isfinite(lam) and lam >= 0):
            raise _fail("cost_weight", f"must be a finite number >= 0, got {lam:g}")
        if self.allowed is None:
            allowed = np.ones((n_w, n_t), bool)
        else:
            allowed = np.asarray(self.allowed)
            if allowed.shape != (n_w, n_t):
                raise _fail("allowed", f"must have shape {(n_w, n_t)}, got {allowed.shape}")
            if allowed.dtype != bool:
                if not np.isin(allowed, (0, 1)).all():
                    raise _fail("allowed", "must be boolean (or 0/1)")
                allowed = allowed.astype(bool)
        mpt = (np.full(n_t, _NO_LIMIT, np.int64) if self.max_per_target is None
               else _as_count("max_per_target", self.max_per_target, (n_t,)))
        mpp = (None if self.max_per_pair is None else np.ascontiguousarray(
            _as_count("max_per_pair", self.max_per_pair, (n_w, n_t))))
        return values, p, copies, cost, lam, allowed, mpt, mpp

    # ------------------------------------------------------------------ shape
    @property
    def n_types(self) -> int:
        """Number of weapon types ``W``."""
        return int(self.p.shape[0])

    @property
    def n_targets(self) -> int:
        """Number of targets ``T``."""
        return int(self.p.shape[1])

    @property
    def p_eff(self) -> np.ndarray:
        """Kill probability with 0 where not allowed, shape (W, T)."""
        return 1.0 - self._q

    def upper_bounds(self) -> np.ndarray:
        """Most rounds of type ``i`` that may go to target ``j``, shape (W, T), int.

        The least of the type's copies, the target's ``max_per_target`` and the pair's
        ``max_per_pair``; zero where not allowed, and where ``p`` is 0 (such a round never
        helps).
        """
        ub = np.minimum(self.copies[:, None], self.max_per_target[None, :])
        if self.max_per_pair is not None:
            ub = np.minimum(ub, self.max_per_pair)
        return np.where(self.allowed & (self.p > 0), ub, 0)

    # -------------------------------------------------------------- objective
    def surviving(self, x) -> np.ndarray:
        """Expected surviving value of each target, shape (T,), for assignment ``x`` (W, T)."""
        x = np.asarray(x)
        with np.errstate(divide="ignore"):   # (the ufuncs' reductions: np.prod, .sum)
            return self.values * np.multiply.reduce(self._q ** x, axis=0)

    def round_cost(self, x) -> float:
        """Total cost of the rounds in ``x`` (without the weight ``cost_weight``).

        Summed in one fixed order (:func:`airdefense.assignment._kernels.blas_dot`), not with
        NumPy's ``@``: BLAS sums a dot product in an order of its CPU's kernel (AMD's and
        Intel's differ from 11 types on), and the solvers' compiled objective must be this one
        to the bit on every machine.
        """
        used = np.ascontiguousarray(np.add.reduce(np.asarray(x), axis=1), dtype=float)
        return float(_k.blas_dot(np.ascontiguousarray(self.cost, dtype=float), used))

    def objective(self, x) -> float:
        """Objective of assignment ``x`` (W, T): surviving value + cost_weight * round cost."""
        x = np.asarray(x)
        return float(np.add.reduce(self.surviving(x), axis=None)
                     + self.cost_weight * self.round_cost(x))

    def _objective_of(self, x: np.ndarray) -> float:
        """:meth:`objective` of a solver's ``x`` (int64 >= 0 of shape (W, T)), the same float
        (NumPy's power, then the reductions in one compiled pass that sums as NumPy does)."""
        return float(_k.objective(self._q ** x, self.values, self.cost, x, self.cost_weight))

    def violations(self, x) -> list[str]:
        """Every constraint that assignment ``x`` breaks, as sentences (empty if feasible)."""
        x = np.asarray(x)
        out: list[str] = []
        if x.shape != self.p.shape:
            return [f"x must have shape {self.p.shape}, got {x.shape}"]
        if (x < 0).any() or (x != np.round(x)).any():
            out.append("x must hold whole numbers >= 0")
        used = x.sum(axis=1)
        for i in np.flatnonzero(used > self.copies):
            out.append(f"type {i} fires {used[i]} rounds, has {self.copies[i]}")
        for i, j in np.argwhere((x > 0) & ~self.allowed):
            out.append(f"type {i} fires at target {j}, not allowed")
        per = x.sum(axis=0)
        for j in np.flatnonzero(per > self.max_per_target):
            out.append(f"target {j} gets {per[j]} rounds, limit {self.max_per_target[j]}")
        if self.max_per_pair is not None:
            for i, j in np.argwhere(x > self.max_per_pair):
                out.append(f"type {i} fires {x[i, j]} rounds at target {j}, pair limit "
                           f"{self.max_per_pair[i, j]}")
        return out


@dataclass(frozen=True)
class WTASolution:
    """An assignment and what is known of its quality.

    Attributes
    ----------
    x : ndarray of shape (W, T), int
        Rounds of weapon type ``i`` assigned to target ``j``.
    objective : float
        Objective of ``x`` (:meth:`WTAProblem.objective`).
    bound : float
        A proven lower bound on the optimal objective (``-inf`` when the solver proves none,
        as heuristics do).
    gap : float
        ``(objective - bound) / objective`` (0 when both are 0; ``inf`` without a bound).
    seconds : float
        Wall time of the solve, s.
    status : str
        ``'optimal'`` (gap within the solver's tolerance), ``'time_limit'`` (stopped by the
        time limit, ``bound`` and ``gap`` as reached), ``'work_limit'`` (stopped by a node or
        solve count, which repeats on any machine) or ``'heuristic'`` (no proof sought).
    solver : str
        Name of the solver that produced it.
    """

    x: np.ndarray
    objective: float
    bound: float
    gap: float
    seconds: float
    status: str
    solver: str

    @property
    def assignment(self) -> np.ndarray:
        """Rows ``[weapon_type, target, copies]`` (0-based) of the nonzero entries, shape (k, 3)."""
        ij = np.argwhere(self.x > 0)
        return np.column_stack([ij, self.x[ij[:, 0], ij[:, 1]]]).astype(np.int64).reshape(-1, 3)

    def to_dict(self) -> dict:
        """JSON-ready dict: objective, bound, gap, seconds, status, solver, assignment."""
        def num(v: float):
            return float(v) if np.isfinite(v) else None
        return {"objective": float(self.objective), "bound": num(self.bound),
                "gap": num(self.gap), "seconds": float(self.seconds), "status": self.status,
                "solver": self.solver, "assignment": self.assignment.tolist()}


def relative_gap(objective: float, bound: float) -> float:
    """``(objective - bound) / |objective|``, 0 when they agree, ``inf`` without a bound."""
    if not np.isfinite(bound):
        return float("inf")
    diff = max(objective - bound, 0.0)
    if diff <= 1e-12 * max(1.0, abs(objective)):
        return 0.0
    return diff / abs(objective) if objective != 0 else float("inf")


@runtime_checkable
class Solver(Protocol):
    """What every assignment solver offers.

    Attributes
    ----------
    name : str
        Short name (``'exact'``, ``'heuristic'``, ``'greedy'``).
    """

    name: str

    def solve(self, problem: WTAProblem, time_limit_s: float | None = None,
              rng: np.random.Generator | None = None) -> WTASolution:
        """Solve ``problem`` within ``time_limit_s`` seconds (None: no limit)."""
        ...
