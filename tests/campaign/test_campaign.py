"""Campaigns: seeding, determinism across workers and backends, the database, the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import airdefense as ad
from airdefense.campaign import run_campaign
from airdefense.campaign._worker import replication_seed
from airdefense.cli import main
from airdefense.errors import AirDefenseError
from airdefense.results.store import ResultStore
from tests.campaign.conftest import REF_RUNS, REF_SEED


def test_replication_seed_is_spawned_child():
    """Replication i's seed equals SeedSequence(seed).spawn(runs)[i] for any runs > i."""
    for runs in (5, 50):
        kids = np.random.SeedSequence(42).spawn(runs)
        for i in (0, 3, runs - 1):
            a = replication_seed(42, i).generate_state(4)
            assert np.array_equal(a, kids[i].generate_state(4))


def test_replication_equals_simulate_with_spawned_seed(tiny_dict):
    """A campaign's replication i is simulate(scenario, seed=spawn(runs)[i])."""
    res = run_campaign(tiny_dict, runs=3, seed=9)
    one = ad.simulate(ad.load_scenario(tiny_dict), seed=np.random.SeedSequence(9).spawn(3)[2])
    row = res.summaries.set_index("rep").loc[2]
    for k in ("leaked", "interceptors_fired", "defence_cost", "value_lost"):
        assert row[k] == pytest.approx(one.summary[k])
    ev = res.events[res.events.rep == 2].reset_index(drop=True)
    assert len(ev) == len(one.events)
    assert ev.kind.tolist() == one.events.kind.astype(str).tolist()


def test_same_seed_same_summaries_1_and_2_workers_and_db(reference, tiny_dict, tmp_path):
    """Determinism: 1 worker and 2 worker processes writing to a DB agree exactly."""
    b = run_campaign(tiny_dict, runs=REF_RUNS, seed=REF_SEED, workers=2,
                     db=tmp_path / "r.duckdb")
    pd.testing.assert_frame_equal(reference.summaries, b.summaries, check_exact=True)
    pd.testing.assert_frame_equal(reference.expenditure, b.expenditure, check_dtype=False)
    pd.testing.assert_frame_equal(reference.outcomes, b.outcomes, check_dtype=False)
    pd.testing.assert_frame_equal(reference.events, b.events, check_dtype=False,
                                  check_exact=True)
    assert reference.campaign_id == b.campaign_id and len(b) == REF_RUNS
    s = reference.summaries
    assert s.leaked.nunique() > 1 or s.interceptors_fired.nunique() > 1, \
        "replications should differ from each other (independent seeds)"
    c = run_campaign(tiny_dict, runs=2, seed=REF_SEED + 1, workers=1, events=False)
    assert c.campaign_id != reference.campaign_id and c.events.empty


def test_bad_arguments(tiny_dict):
    """Bad runs, workers, seed, backend and resume-without-db are clear errors."""
    with pytest.raises(AirDefenseError, match="runs must be >= 1, got 0"):
        run_campaign(tiny_dict, runs=0)
    with pytest.raises(AirDefenseError, match="workers must be >= 1, got 0"):
        run_campaign(tiny_dict, runs=1, workers=0)
    with pytest.raises(AirDefenseError, match="seed must be >= 0, got -1"):
        run_campaign(tiny_dict, runs=1, seed=-1)
    with pytest.raises(AirDefenseError, match="backend must be one of local, ray, got 'dask'"):
        run_campaign(tiny_dict, runs=1, backend="dask")
    with pytest.raises(AirDefenseError, match="resume needs a results database"):
        run_campaign(tiny_dict, runs=1, resume=True)


def test_resume_in_process_extends_and_repeats_nothing(tiny_dict, tmp_path):
    """Resuming keeps finished replications, runs only the rest, and equals one full run."""
    db = tmp_path / "r.duckdb"
    ran: list[int] = []
    run_campaign(tiny_dict, runs=2, seed=1, db=db, _on_result=lambda r: ran.append(r.rep))
    with pytest.raises(AirDefenseError, match="already holds campaign .* \\(2 of 2 replications "
                                              "done\\); use --resume"):
        run_campaign(tiny_dict, runs=2, seed=1, db=db)
    res = run_campaign(tiny_dict, runs=4, seed=1, db=db, resume=True,
                       _on_result=lambda r: ran.append(r.rep))
    assert ran == [0, 1, 2, 3]
    full = run_campaign(tiny_dict, runs=4, seed=1)
    pd.testing.assert_frame_equal(res.summaries, full.summaries)
    with ResultStore(db) as st:
        assert st.campaigns().done.tolist() == [4]
        n = st.con.execute("SELECT count(*), count(DISTINCT rep) FROM replications").fetchone()
        assert n == (4, 4)


def test_campaign_stopped_before_its_first_run_starts_again(tiny_dict, tmp_path, monkeypatch):
    """A campaign that failed before any replication finished (no worker, no cluster) is in
    the database with nothing done: the same command starts it again without --resume."""
    import airdefense.campaign.runner as runner

    db = tmp_path / "r.duckdb"

    def no_cluster(*a, **k):
        raise AirDefenseError("cannot reach the cluster")

    with monkeypatch.context() as m:
        m.setattr(runner, "_iterate", no_cluster)
        with pytest.raises(AirDefenseError, match="cannot reach the cluster"):
            run_campaign(tiny_dict, runs=2, seed=1, db=db)
    with ResultStore(db) as st:
        assert st.campaigns().done.tolist() == [0]
    res = run_campaign(tiny_dict, runs=2, seed=1, db=db)
    assert len(res.summaries) == 2
    with ResultStore(db) as st:
        assert st.campaigns().done.tolist() == [2]


def test_not_duckdb_file_is_rejected(tiny_dict, tmp_path):
    """A file that is not DuckDB gets a clear error and is left alone."""
    f = tmp_path / "notes.duckdb"
    f.write_text("these are my notes\n")
    with pytest.raises(AirDefenseError, match="notes.duckdb: is not a DuckDB database"):
        run_campaign(tiny_dict, runs=1, db=f, resume=True)
    assert f.read_text() == "these are my notes\n"


def test_foreign_duckdb_is_rejected(tiny_dict, tmp_path):
    """A DuckDB file with other tables is not taken for a results database."""
    import duckdb

    f = tmp_path / "other.duckdb"
    con = duckdb.connect(str(f))
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    with pytest.raises(AirDefenseError, match="is a DuckDB database but not an airdefense "
                                              "results database \\(it has tables sales"):
        run_campaign(tiny_dict, runs=1, db=f)


def test_db_of_another_scenario_is_rejected_on_resume(tiny_dict, tmp_path):
    """Resuming into a DB written by another scenario (or seed) names what it holds."""
    db = tmp_path / "r.duckdb"
    run_campaign(tiny_dict, runs=1, seed=1, db=db, events=False)
    other = dict(tiny_dict, name="other")
    other["raid"] = {"drones": dict(tiny_dict["raid"]["drones"], count=2)}
    with pytest.raises(AirDefenseError, match="cannot resume: this database was written by "
                                              "another scenario. This is 'other'"):
        run_campaign(other, runs=1, seed=1, db=db, resume=True)
    with pytest.raises(AirDefenseError, match="holds scenario 'tiny' with seed 1, not seed 2"):
        run_campaign(tiny_dict, runs=1, seed=2, db=db, resume=True)
    # Layout and spelled-out defaults do not change the scenario's identity.
    same = dict(tiny_dict, description="same raid, new words")
    run_campaign(same, runs=2, seed=1, db=db, resume=True, events=False)


def test_resume_by_other_code_is_refused(tiny_dict, tmp_path, monkeypatch):
    """A campaign whose finished replications another code ran is not resumed (the two
    codes' results would mix); a database from before campaigns recorded their code resumes."""
    import airdefense.campaign._worker as worker
    import airdefense.campaign.runner as runner

    db = tmp_path / "r.duckdb"
    first = run_campaign(tiny_dict, runs=1, seed=1, db=db, events=False)
    with ResultStore(db) as st:
        assert st.campaigns().code_hash.tolist() == [worker.code_hash()]
    with monkeypatch.context() as m:
        m.setattr(runner, "code_hash", lambda: "f" * 64)
        with pytest.raises(AirDefenseError, match=(
                rf"cannot resume campaign {first.campaign_id}: its 1 replications were run by "
                r"other airdefense code \(code [0-9a-f]{12}, version .*\), this is code "
                r"ffffffffffff .*Choose another --db")):
            run_campaign(tiny_dict, runs=2, seed=1, db=db, resume=True, events=False)
    with ResultStore(db) as st:  # nothing was run or dropped
        assert st.campaigns().done.tolist() == [1]
        # As written by an older version: no code recorded, so nothing to compare.
        st.con.execute("ALTER TABLE campaigns DROP COLUMN code_hash")
    with ResultStore(db) as st:
        assert st.campaigns().code_hash.isna().all()
    res = run_campaign(tiny_dict, runs=2, seed=1, db=db, resume=True, events=False)
    assert len(res.summaries) == 2
    with ResultStore(db) as st:  # the code that resumed it is recorded from now on
        assert st.campaigns().code_hash.tolist() == [worker.code_hash()]


def test_a_campaign_started_again_records_the_code_that_runs_it(tiny_dict, tmp_path,
                                                                monkeypatch):
    """A campaign registered by one code with nothing done, started again by another, is
    the other's: its resume by that code is not refused."""
    import airdefense.campaign.runner as runner

    db = tmp_path / "r.duckdb"
    with monkeypatch.context() as m:
        m.setattr(runner, "code_hash", lambda: "a" * 64)
        m.setattr(runner, "_iterate", lambda *a, **k: iter(()))  # stopped before any run
        run_campaign(tiny_dict, runs=2, seed=1, db=db, events=False)
    with ResultStore(db) as st:
        assert st.campaigns()[["done", "code_hash"]].values.tolist() == [[0, "a" * 64]]
    with monkeypatch.context() as m:
        m.setattr(runner, "code_hash", lambda: "b" * 64)
        run_campaign(tiny_dict, runs=1, seed=1, db=db, events=False)
        res = run_campaign(tiny_dict, runs=2, seed=1, db=db, resume=True, events=False)
    assert len(res.summaries) == 2
    with ResultStore(db) as st:
        assert st.campaigns().code_hash.tolist() == ["b" * 64]


def test_code_hash_follows_the_model_sources(tmp_path, monkeypatch):
    """The code hash changes with a model's source and not with the CLI's or the reports'."""
    import shutil

    import airdefense
    import airdefense.campaign._worker as worker

    pkg = tmp_path / "airdefense"
    shutil.copytree(Path(airdefense.__file__).parent, pkg,
                    ignore=shutil.ignore_patterns("__pycache__"))
    fake = pkg / "campaign" / "_worker.py"

    def digest() -> str:
        worker.code_hash.cache_clear()
        monkeypatch.setattr(worker, "__file__", str(fake))
        return worker.code_hash()

    try:
        h0 = digest()
        assert h0 == digest()
        (pkg / "cli" / "run.py").write_text("# edited\n")
        (pkg / "reports" / "html.py").write_text("# edited\n")
        (pkg / "campaign" / "runner.py").write_text("# edited\n")
        assert digest() == h0
        with fake.open("a") as f:  # a replication's seed and what it keeps are decided here
            f.write("# edited\n")
        h1 = digest()
        assert h1 != h0
        monkeypatch.setattr(worker, "CODE_LIBRARIES", ("numpy", "no-such-library"))
        h2 = digest()
        assert h2 != h1  # the libraries' versions count
        with (pkg / "engagement" / "pk.py").open("a") as f:
            f.write("# edited\n")
        assert digest() != h2
    finally:
        worker.code_hash.cache_clear()


def test_cli_campaign_and_errors(tiny_file, tmp_path):
    """`campaign` prints the statistics and the campaign id; bad input exits 1, one line."""
    db = tmp_path / "r.duckdb"
    r = CliRunner().invoke(main, ["campaign", str(tiny_file), "--runs", "3", "--seed", "2",
                                  "--workers", "1", "--db", str(db), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "P(zero leakers)" in r.output and "leaked" in r.output
    assert "airdefense report" in r.output
    notdb = tmp_path / "x.duckdb"
    notdb.write_text("hello")
    r = CliRunner().invoke(main, ["campaign", str(tiny_file), "--runs", "2", "--db",
                                  str(notdb), "--resume", "--quiet"])
    assert r.exit_code == 1
    assert r.output.startswith("airdefense: error: ") and "is not a DuckDB database" in r.output
    assert "Traceback" not in r.output
    r = CliRunner().invoke(main, ["campaign", str(tiny_file), "--runs", "0"])
    assert r.exit_code == 2


def test_cli_resume_with_fewer_runs_says_what_it_shows(tiny_file, tmp_path):
    """`--resume --runs 2` on a campaign with 3 finished runs reruns nothing, shows the first
    2 and says that the database holds 3 (the report shows them all)."""
    db = tmp_path / "r.duckdb"
    args = ["campaign", str(tiny_file), "--seed", "2", "--workers", "1", "--db", str(db),
            "--quiet", "--no-events"]
    r = CliRunner().invoke(main, [*args, "--runs", "3"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, [*args, "--runs", "2", "--resume"])
    assert r.exit_code == 0, r.output
    assert ", seed 2, 2 replications" in r.output
    assert (f"note: {db} holds 3 finished replications of this campaign; these statistics use "
            "the first 2 (--runs 2), the report all 3") in r.output
    r = CliRunner().invoke(main, [*args, "--runs", "4", "--resume"])
    assert r.exit_code == 0, r.output
    assert ", seed 2, 4 replications" in r.output and "note:" not in r.output
