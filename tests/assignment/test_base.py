"""WTAProblem validation, objective and WTASolution rows."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.assignment import WTAProblem, WTASolution
from airdefense.errors import AirDefenseError

GOOD = dict(values=[10.0, 5.0], p=[[0.5, 0.9], [0.2, 0.3]], copies=[1, 2])


@pytest.mark.parametrize("change, match", [
    (dict(values=[10.0]), r"values: must have one entry per target \(p has 2 columns\), got 1"),
    (dict(values=[10.0, -1.0]), r"values: must be >= 0, got -1 at index 1"),
    (dict(values=[[1.0, 2.0]]), r"values: must be 1-dimensional"),
    (dict(p=[[0.5, 1.2], [0.2, 0.3]]), r"p: must be a probability in \[0, 1\], got 1.2 at "
                                       r"index \(0, 1\)"),
    (dict(p=[[0.5, -0.1], [0.2, 0.3]]), r"p: must be a probability in \[0, 1\], got -0.1"),
    (dict(p=[[0.5, np.nan], [0.2, 0.3]]), r"p: must be finite, got nan at index \(0, 1\)"),
    (dict(p=[[0.5, "a"], [0.2, 0.3]]), r"p: must be an array of numbers"),
    (dict(copies=[1]), r"copies: must have shape \(2,\), got \(1,\)"),
    (dict(copies=[1, -2]), r"copies: must be >= 0 rounds, got -2 at index \(1,\)"),
    (dict(copies=[1, 1.5]), r"copies: must be whole numbers, got 1.5"),
    (dict(cost=[1.0, -3.0]), r"cost: must be >= 0, got -3 at index 1"),
    (dict(cost_weight=-1.0), r"cost_weight: must be a finite number >= 0, got -1"),
    (dict(allowed=[[True, False]]), r"allowed: must have shape \(2, 2\), got \(1, 2\)"),
    (dict(allowed=[[2, 0], [1, 1]]), r"allowed: must be boolean"),
    (dict(max_per_target=[1, -1]), r"max_per_target: must be >= 0 rounds, got -1"),
])
def test_invalid_fields_are_named(change, match):
    """Each broken rule raises AirDefenseError naming the field, the value and the rule."""
    with pytest.raises(AirDefenseError, match=match):
        WTAProblem(**{**GOOD, **change})


def test_objective_closed_form():
    """Objective = sum V prod (1-p)^x + lambda * cost, by hand."""
    prob = WTAProblem(**GOOD, cost=[3.0, 1.0], cost_weight=0.5)
    x = np.array([[1, 0], [1, 1]])
    surv = 10 * 0.5 * 0.8 + 5 * 0.7
    assert prob.objective(x) == pytest.approx(surv + 0.5 * (3 + 2))
    assert prob.surviving(x) == pytest.approx([4.0, 3.5])
    assert prob.round_cost(x) == pytest.approx(5.0)


def test_mask_zeroes_p_and_upper_bounds():
    """A disallowed pair counts as p = 0 and cannot receive rounds."""
    prob = WTAProblem(**GOOD, allowed=[[True, False], [True, True]], max_per_target=[1, 3])
    assert prob.p_eff[0, 1] == 0.0
    assert prob.upper_bounds().tolist() == [[1, 0], [1, 2]]
    assert prob.violations([[0, 1], [2, 0]]) == [
        "type 0 fires at target 1, not allowed", "target 0 gets 2 rounds, limit 1"]
    assert prob.violations([[1, 0], [2, 1]]) == ["type 1 fires 3 rounds, has 2",
                                                 "target 0 gets 3 rounds, limit 1"]
    assert prob.violations([[1, 0], [0, 2]]) == []


def test_sure_kill_gives_zero():
    """p = 1 kills for sure: the target's surviving value is exactly 0."""
    prob = WTAProblem(values=[7.0], p=[[1.0]], copies=[1])
    assert prob.objective([[1]]) == 0.0
    assert prob.objective([[0]]) == 7.0


def test_solution_rows_and_dict():
    """assignment lists the nonzero (type, target, copies); to_dict maps inf to None."""
    x = np.array([[0, 2, 0], [1, 0, 0]])
    sol = WTASolution(x=x, objective=1.0, bound=-np.inf, gap=np.inf, seconds=0.1,
                      status="heuristic", solver="greedy")
    assert sol.assignment.tolist() == [[0, 1, 2], [1, 0, 1]]
    d = sol.to_dict()
    assert d["bound"] is None and d["gap"] is None and d["assignment"] == [[0, 1, 2], [1, 0, 1]]
