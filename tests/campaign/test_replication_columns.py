"""A campaign's replication keeps what the simulation's result tables hold, without them.

``run_replication`` runs the simulation without building the result's DataFrames; the
reference is what it kept before: the summary, tables and event log of
``simulate(sc, seed=replication_seed(seed, rep))``, taken column by column from its frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airdefense import simulate
from airdefense.campaign._worker import replication_seed, run_replication
from airdefense.results.store import columns_of
from airdefense.scenario.loader import scenario_from_dict
from tests.campaign.conftest import tiny


def _reference(sc, seed: int, rep: int, tracking: str) -> dict:
    res = simulate(sc, seed=replication_seed(seed, rep), tracking=tracking)
    s = res.summary
    scalars = {k: float(v) for k, v in s.items()
               if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)}
    text = lambda v: np.asarray(v).astype(str).astype(object)  # noqa: E731

    def table(df, cols, strings=()):
        if not len(df):
            return {}
        out = columns_of(df, cols)
        return {c: text(v) if c in strings else v for c, v in out.items()}

    return {"summary": scalars,
            "expenditure": table(s["by_interceptor"], ("type", "fired", "hits", "cost")),
            "outcomes": table(s["by_type"], ("kind", "preset", "launched", "intercepted",
                                             "leaked", "other"), ("kind", "preset")),
            "events": {"seq": np.arange(len(res.events), dtype=np.int64),
                       **columns_of(res.events)}}


def _same(a, b) -> None:
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, pd.Categorical):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.codes, b.codes)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype == object:
            assert [repr(x) for x in a] == [repr(x) for x in b]
        else:
            assert a.tobytes() == b.tobytes()
    else:
        assert repr(a) == repr(b)


@pytest.mark.parametrize("tracking,rep", [("truth", 0), ("truth", 3), ("full", 1)])
def test_replication_keeps_the_tables_columns(tracking, rep):
    sc = scenario_from_dict(tiny(), "<tiny>")
    got = run_replication(sc, 11, rep, tracking=tracking)
    want = _reference(sc, 11, rep, tracking)
    assert got.summary["interceptors_fired"] > 0  # an expenditure table with rows
    for name in ("summary", "expenditure", "outcomes", "events"):
        _same(getattr(got, name), want[name])
    assert run_replication(sc, 11, rep, tracking=tracking, events=False).events is None


def test_replication_with_no_interceptor_fired_has_no_expenditure_rows():
    d = tiny()
    d["duration_s"] = 30.0  # the drones and the missile launched, none yet in reach
    d["raid"]["drones"]["launch"] = {"bearing_deg": 90, "range_m": 60000}
    sc = scenario_from_dict(d, "<tiny>")
    got = run_replication(sc, 5, 0, tracking="truth")
    assert got.expenditure == {} and got.summary["interceptors_fired"] == 0
    _same(got.outcomes, _reference(sc, 5, 0, "truth")["outcomes"])
