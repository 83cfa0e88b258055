"""Sweep arguments checked before anything runs: seeds, repeated paths and points, overrides,
schema fields left at their default, the forms of ``vary``; one Ray instance per sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from airdefense.campaign import run_campaign, run_sweep
from airdefense.cli import main
from airdefense.errors import AirDefenseError, ScenarioError
from airdefense.scenario.edit import load_edited


@pytest.mark.parametrize("vary, match", [
    (["seed=1,2,3"], r"--vary seed: the seed cannot be varied: every point of a sweep runs "
                     r"with the same root seed \(common random numbers\); choose it with "
                     r"--seed"),
    (["raid.drones.count=2,2"], r"sweep points 0 \(raid\.drones\.count=2\) and 1 "
                                r"\(raid\.drones\.count=2\) are the same scenario"),
    (["raid.drones.count=1e1,10"], r"sweep points 0 \(raid\.drones\.count=10\.0\) and 1 "
                                   r"\(raid\.drones\.count=10\) are the same scenario"),
    (["raid.drones.count=1,2", "raid.drones.count=3"],
     r"--vary raid\.drones\.count: the path is varied twice \(raid\.drones\.count and "
     r"raid\.drones\.count\)"),
    ({"raid.drones.count": [1], " raid.drones.count ": [2]},
     r"the path is varied twice \(raid\.drones\.count and raid\.drones\.count\)"),
    ({"raid.drones.count": 5}, r"--vary raid\.drones\.count: the values must be a list such "
                               r"as \[2, 4, 8\] .*got 5 \(int\)"),
    ([5], r"a variation must be a string PATH=VALUES .*got 5"),
])
def test_refused_before_running(tiny_dict, tmp_path, vary, match):
    """Varying the seed, a path twice, the same point twice or a scalar value is an error,
    and nothing is written."""
    db = tmp_path / "x.duckdb"
    with pytest.raises(AirDefenseError, match=match):
        run_sweep(tiny_dict, vary, runs=1, db=db, events=False)
    assert not db.exists()


@pytest.mark.parametrize("vary, kw, match", [
    ("tracking=truth,full", {"tracking": "truth"},
     r"--vary tracking conflicts with --tracking truth: the override would run every point "
     r"with tracking truth"),
    ("c2.solver=greedy,exact", {"solver": "exact"},
     r"--vary c2\.solver conflicts with --solver exact"),
])
def test_override_of_a_varied_field_is_refused(tiny_dict, vary, kw, match):
    """--tracking (--solver) would relabel every point of a tracking (solver) sweep."""
    with pytest.raises(AirDefenseError, match=match):
        run_sweep(tiny_dict, vary, runs=1, **kw)


def test_schema_field_left_at_default_can_be_swept(tiny_dict):
    """A field the file leaves out (c2.solver, c2.decision_period_s) is swept like --set sets
    it; an unknown one is reported as the missing key it is (or, under a valid section the
    file leaves out, as the schema's unknown key)."""
    assert "c2" not in tiny_dict
    res = run_sweep(tiny_dict, "c2.decision_period_s=1,4", runs=1, seed=5, events=False)
    assert res.points["c2.decision_period_s"].tolist() == [1, 4]
    one = run_campaign(load_edited(tiny_dict, ["c2.decision_period_s=4"]), runs=1, seed=5,
                       events=False)
    pd.testing.assert_frame_equal(res.campaigns[1].summaries, one.summaries)
    with pytest.raises(ScenarioError, match=r"c2\.solverr: unknown key"):
        run_sweep(tiny_dict, "c2.solverr=greedy", runs=1)
    with pytest.raises(ScenarioError, match=r"c3\.solver: no key 'c3' in the top level"):
        run_sweep(tiny_dict, "c3.solver=greedy", runs=1)
    with pytest.raises(ScenarioError, match=r"raid\.drones\.overrides\.sped_mps: unknown key"):
        run_sweep(tiny_dict, "raid.drones.overrides.sped_mps=40,50", runs=1)
    with pytest.raises(ScenarioError, match=r"raid\.dronez\.count: no key 'dronez' in raid; "
                                            r"keys there: drones, ballistic"):
        run_sweep(tiny_dict, "raid.dronez.count=1,2", runs=1)
    with pytest.raises(ScenarioError, match=r"tracking: .*bogus.*\(sweep point tracking=bogus\)"):
        run_sweep(tiny_dict, "tracking=full,bogus", runs=1)


def test_vary_forms_order_and_pooled_stats(tiny_dict):
    """One string, a mapping of strings and lists give the same grid in the given order; the
    summaries keep that order; stats hold the pooled cost exchange with its CI."""
    from airdefense.results.stats import ratio_ci

    res = run_sweep(tiny_dict, {"raid.drones.count": "1,2", "step_s": [1.0]}, runs=2, seed=3,
                    events=False)
    assert list(res.vary) == ["raid.drones.count", "step_s"]
    assert res.summaries.columns[:4].tolist() == ["point", "raid.drones.count", "step_s", "rep"]
    st = res.stats()
    pooled = st[st.quantity == "cost_exchange_pooled"].set_index("point")
    s = res.campaigns[1].summaries
    r, lo, hi, n = ratio_ci(s.attack_cost, s.defence_cost)
    assert pooled.loc[1, "mean"] == r and n == 2
    assert np.array_equal(pooled.loc[1, ["ci_low", "ci_high"]].to_numpy(float), [lo, hi],
                          equal_nan=True)
    ce = st[st.quantity == "cost_exchange"]
    assert (ce.n + ce.n_nonfinite == 2).all()
    one = run_sweep(tiny_dict, "raid.drones.count=1,2", runs=2, seed=3, events=False)
    assert one.points["raid.drones.count"].tolist() == [1, 2]


class _FakeRay:
    """Ray's calls used by the backend, run in this process; counts starts and stops."""

    def __init__(self):
        self.inits = self.shutdowns = 0
        self.on = False

    def is_initialized(self):
        return self.on

    def init(self, **kw):
        self.inits += 1
        self.on = True

    def shutdown(self):
        self.shutdowns += 1
        self.on = False

    def cluster_resources(self):
        return {"CPU": 1}

    def put(self, x):
        return x

    def remote(self, **kw):
        def wrap(f):
            return type("Task", (), {"remote": staticmethod(f)})
        return wrap

    def wait(self, pending, num_returns=1, timeout=None):
        return pending[:num_returns], pending[num_returns:]

    def get(self, ref):
        return ref


def test_ray_sweep_starts_ray_once(tiny_dict, monkeypatch):
    """A Ray sweep starts one Ray instance for all its points and shuts it down once; the
    results equal the local backend's."""
    import airdefense.campaign._ray as r

    fake = _FakeRay()
    monkeypatch.setattr(r, "import_ray", lambda: fake)
    res = run_sweep(tiny_dict, "raid.drones.count=1,2,3", runs=1, seed=2, backend="ray",
                    events=False)
    assert (fake.inits, fake.shutdowns) == (1, 1)
    loc = run_sweep(tiny_dict, "raid.drones.count=1,2,3", runs=1, seed=2, events=False)
    pd.testing.assert_frame_equal(res.summaries, loc.summaries)
    run_campaign(tiny_dict, runs=1, seed=2, backend="ray", events=False)
    assert (fake.inits, fake.shutdowns) == (2, 2)


def test_cli_sweep_refusals_and_pooled_column(tiny_file, tmp_path):
    """The CLI prints the pooled cost exchange with its CI; a varied seed exits 1."""
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(main, ["sweep", str(tiny_file), "--vary", "seed=1,2", "--runs", "1",
                                  "--db", str(db), "--quiet"])
    assert r.exit_code == 1 and "--vary seed: the seed cannot be varied" in r.output
    r = CliRunner().invoke(main, ["sweep", str(tiny_file), "--vary", "raid.drones.count=1,2",
                                  "--runs", "2", "--workers", "1", "--db", str(db), "--quiet",
                                  "--no-events"])
    assert r.exit_code == 0, r.output
    assert "cost_exchange_pooled" in r.output and "pooled_95%_CI" in r.output
