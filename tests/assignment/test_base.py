"""WTAProblem validation, objective and WTASolution rows."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.assignment import WTAProblem, WTASolution
from airdefense.errors import AirDefenseError
from tests.assignment._reference_dot import dot_spec

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
    (dict(max_per_pair=[1, 2]), r"max_per_pair: must be 2-dimensional, got shape \(2,\)"),
    (dict(max_per_pair=[[1, 2]]), r"max_per_pair: must have shape \(2, 2\), got \(1, 2\)"),
    (dict(max_per_pair=[[1, 2], [0, -1]]), r"max_per_pair: must be >= 0 rounds, got -1 at "
                                           r"index \(1, 1\)"),
    (dict(max_per_pair=[[1, 2.5], [0, 1]]), r"max_per_pair: must be whole numbers, got 2.5 at "
                                            r"index \(0, 1\)"),
    (dict(max_per_pair=[[1, np.inf], [0, 1]]), r"max_per_pair: must be finite, got inf"),
    (dict(max_per_pair=[[1, "x"], [0, 1]]), r"max_per_pair: must be an array of numbers"),
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


def test_pair_limits_in_upper_bounds_and_violations():
    """max_per_pair caps each pair's upper bound (with copies, salvo limit and mask) and a
    pair above it is reported; None keeps the other limits alone."""
    prob = WTAProblem(**GOOD, allowed=[[True, False], [True, True]], max_per_target=[3, 3],
                      max_per_pair=[[0, 5], [1, 2]])
    assert prob.upper_bounds().tolist() == [[0, 0], [1, 2]]
    assert prob.max_per_pair.dtype == np.int64 and not prob.max_per_pair.flags.writeable
    assert prob.violations([[1, 0], [2, 0]]) == [
        "type 0 fires 1 rounds at target 0, pair limit 0",
        "type 1 fires 2 rounds at target 0, pair limit 1"]
    assert prob.violations([[0, 0], [1, 1]]) == []
    free = WTAProblem(**GOOD, allowed=[[True, False], [True, True]], max_per_target=[3, 3])
    assert free.max_per_pair is None
    assert free.upper_bounds().tolist() == [[1, 0], [2, 2]]
    assert free.violations([[0, 0], [2, 0]]) == []


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


# ------------------------------------------------------------------ the fast checks
def _fields(seed: int, order: str) -> dict:
    """Random valid fields, as lists or arrays (float or int, C or Fortran order), with and
    without the optional ones."""
    g = np.random.default_rng(seed)
    W, T = int(g.integers(0, 5)), int(g.integers(0, 7))
    f = dict(values=g.uniform(0, 10, T), p=np.asarray(g.choice([0.0, 0.3, 1.0], (W, T)),
                                                      order=order),
             copies=g.integers(0, 4, W))
    if g.random() < 0.5:
        f["cost"] = g.uniform(0, 2, W)
        f["cost_weight"] = float(g.choice([0.0, 0.5]))
    if g.random() < 0.5:
        f["allowed"] = np.asarray(g.random((W, T)) < 0.6, order=order)
    if g.random() < 0.5:
        f["max_per_target"] = g.integers(0, 3, T).astype(float)
    if g.random() < 0.5:
        f["max_per_pair"] = np.asarray(g.integers(0, 3, (W, T)), order=order)
    if g.random() < 0.3 and W and T:
        f = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in f.items()}
    return f


@pytest.mark.parametrize("order", ["C", "F"])
def test_fast_checks_give_the_full_checks_fields(order):
    """Valid fields pass the compiled check and come out as the full checks make them:
    same values, dtypes and layouts."""
    for seed in range(200):
        prob = WTAProblem(**_fields(seed, order))
        fast, full = prob._fast_fields(), prob._checked_fields()
        assert fast is not None
        for a, b in zip(fast, full, strict=True):
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape
                assert a.tobytes(order="A") == b.tobytes(order="A")
                assert a.flags.c_contiguous == b.flags.c_contiguous
            else:
                assert a == b


@pytest.mark.parametrize("field, bad", [
    ("values", [10.0, np.inf]), ("values", [-0.5, 1.0]), ("values", [1.0, np.nan]),
    ("p", [[0.5, 1.0 + 1e-16 * 3], [0.2, 0.3]]), ("p", [[0.5, -1e-300], [0.2, 0.3]]),
    ("p", [[0.5, np.inf], [0.2, 0.3]]), ("copies", [1, 2.5]), ("copies", [np.inf, 1]),
    ("copies", [1, -1]), ("cost", [0.0, np.nan]), ("cost", [-1.0, 0.0]),
    ("max_per_target", [1, 0.5]), ("max_per_target", [-2, 1]), ("max_per_target", [1, np.inf]),
    ("max_per_pair", [[1, 0.5], [1, 1]]), ("max_per_pair", [[1, 1], [-1, 1]]),
    ("max_per_pair", [[np.nan, 1], [1, 1]]), ("max_per_pair", [[1, 1]]),
    ("cost_weight", np.inf), ("allowed", [[1, 0], [1, 1]]), ("copies", [[1, 2]]),
])
def test_fast_checks_leave_broken_rules_to_the_full_checks(field, bad):
    """Where a rule may be broken the compiled check declines, and the full checks decide
    (0/1 ``allowed`` is accepted by them, every other case here raises)."""
    kw = {**GOOD, field: bad}
    probe = object.__new__(WTAProblem)                 # the fields as given, unchecked
    for k, v in {**dict(cost=None, cost_weight=0.0, allowed=None, max_per_target=None,
                        max_per_pair=None),
                 **kw}.items():
        object.__setattr__(probe, k, v)
    assert probe._fast_fields() is None
    if field == "allowed":
        assert WTAProblem(**kw).allowed.dtype == bool
    else:
        with pytest.raises(AirDefenseError, match=f"WTAProblem.{field}: must"):
            WTAProblem(**kw)


def test_objective_is_the_numpy_statement(rng):
    """The objective, bit for bit, is ``(V * prod(q ** x, axis=0)).sum() + lambda * cost @
    x.sum(axis=1)`` in NumPy (the reductions are called directly, the same ones), the dot in
    OpenBLAS's AVX-512 order on any CPU (:func:`dot_spec`)."""
    for _ in range(100):
        W, T = rng.integers(1, 6, 2)
        prob = WTAProblem(values=rng.uniform(0, 100, T), p=rng.uniform(0, 1, (W, T)),
                          copies=rng.integers(0, 5, W), cost=rng.uniform(0, 3, W),
                          cost_weight=float(rng.uniform(0, 2)), allowed=rng.random((W, T)) < 0.7)
        x = rng.integers(0, 4, (W, T))
        want = float((prob.values * np.prod(prob._q ** x, axis=0)).sum()
                     + prob.cost_weight * dot_spec(prob.cost, x.sum(axis=1).astype(float)))
        assert prob.objective(x) == want
        assert prob.objective(x.astype(np.int32)) == want


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (3, 1), (2, 5), (4, 7), (17, 3), (2, 140)])
@pytest.mark.parametrize("fortran", [False, True])
def test_solution_objective_is_objective_to_the_bit(shape, fortran, rng):
    """The solvers' compiled objective is :meth:`WTAProblem.objective` to the bit (pairwise
    sums past 128 targets, OpenBLAS's blocks past 16 types, either layout of ``p``)."""
    W, T = shape
    for _ in range(5):
        p = rng.uniform(0, 1, shape)
        p[rng.uniform(size=shape) < 0.1] = 1.0
        prob = WTAProblem(values=rng.uniform(0, 100, T), p=np.asfortranarray(p) if fortran else p,
                          copies=rng.integers(0, 4, W), cost=rng.uniform(0, 3, W),
                          cost_weight=float(rng.uniform(0, 1)),
                          allowed=rng.uniform(size=shape) < 0.8)
        x = rng.integers(0, 4, shape)
        got = prob._objective_of(x)
        assert type(got) is float
        assert got == prob.objective(x)
