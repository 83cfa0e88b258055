"""Static weapon-target assignment (WTA): problem, exact and heuristic solvers, instances.

One interface for every solver::

    from airdefense.assignment import WTAProblem, make_solver
    sol = make_solver("heuristic").solve(WTAProblem(values, p, copies), time_limit_s=0.05)
    sol.x, sol.objective, sol.bound, sol.gap, sol.status, sol.assignment

Solvers: ``"exact"`` (:class:`ExactSolver`, proves optimality or reports bound and gap at the
time limit), ``"heuristic"`` (:class:`HeuristicSolver`, greedy + local/large-neighbourhood
search) and ``"greedy"`` (:class:`GreedySolver`, maximum marginal return only).
"""

from __future__ import annotations

from airdefense.assignment.base import STATUSES, Solver, WTAProblem, WTASolution
from airdefense.assignment.exact import ExactSolver
from airdefense.assignment.heuristic import GreedySolver, HeuristicSolver, greedy_assignment
from airdefense.assignment.instances import (
    ahuja_instance,
    ahuja_instances,
    parse_andersen,
    read_andersen,
    write_andersen,
)
from airdefense.errors import AirDefenseError

__all__ = [
    "STATUSES",
    "SOLVERS",
    "ExactSolver",
    "GreedySolver",
    "HeuristicSolver",
    "Solver",
    "WTAProblem",
    "WTASolution",
    "ahuja_instance",
    "ahuja_instances",
    "greedy_assignment",
    "make_solver",
    "parse_andersen",
    "read_andersen",
    "write_andersen",
]

#: Solver names accepted by :func:`make_solver`.
SOLVERS = {"exact": ExactSolver, "heuristic": HeuristicSolver, "greedy": GreedySolver}


def make_solver(name: str, **options) -> Solver:
    """Build the solver called ``name`` (``'exact'``, ``'heuristic'`` or ``'greedy'``).

    Parameters
    ----------
    name : str
        Solver name.
    **options
        Keyword arguments of the solver's class (e.g. ``rel_gap`` for ``'exact'``).

    Raises
    ------
    AirDefenseError
        If ``name`` is not a known solver.

    Examples
    --------
    >>> make_solver("greedy").name
    'greedy'
    """
    try:
        cls = SOLVERS[name]
    except (KeyError, TypeError):
        raise AirDefenseError(f"WTA solver must be one of {sorted(SOLVERS)}, got {name!r}") \
            from None
    return cls(**options)
