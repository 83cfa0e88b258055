"""The control unit: threat evaluation, weapon-target assignment and firing doctrine."""

from airdefense.c2._options import firing_capacity, screen_cycle
from airdefense.c2.base import EngagementBook, Orders
from airdefense.c2.evaluation import classify, evaluate_threats, expected_loss_fraction
from airdefense.c2.greedy import GreedyAssigner

__all__ = ["ASSIGNERS", "EngagementBook", "GreedyAssigner", "Orders", "WTAAssigner", "classify",
           "evaluate_threats", "expected_loss_fraction", "firing_capacity", "make_assigner",
           "screen_cycle"]

#: Names accepted by :func:`make_assigner` (the scenario's ``c2.solver``).
ASSIGNERS = ("greedy", "heuristic", "exact")


def __getattr__(name: str):
    if name == "WTAAssigner":
        from airdefense.c2.wta import WTAAssigner

        return WTAAssigner
    raise AttributeError(name)


def make_assigner(name: str, **options):
    """Build the control unit's assigner.

    Parameters
    ----------
    name : {"greedy", "heuristic", "exact"}
        ``greedy``: nearest feasible launcher, most urgent track first (baseline);
        ``heuristic`` / ``exact``: the weapon-target assignment problem each cycle.
    **options
        ``networked``, ``cost_weight``, ``decision_period_s``, ``min_threat_value``, and for
        the WTA assigners ``time_limit_s``, ``node_limit`` and ``rng``.

    Raises
    ------
    AirDefenseError
        For an unknown name.
    """
    from airdefense.errors import AirDefenseError

    if name == "greedy":
        for key in ("time_limit_s", "node_limit", "rng"):
            options.pop(key, None)
        return GreedyAssigner(**options)
    if name in ("heuristic", "exact"):
        from airdefense.c2.wta import WTAAssigner

        return WTAAssigner(name, **options)
    raise AirDefenseError(f"c2.solver: unknown assigner {name!r}; expected one of {ASSIGNERS}")
