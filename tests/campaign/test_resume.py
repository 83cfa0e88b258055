"""Crash and resume: a campaign killed with SIGKILL part-way loses nothing and repeats nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from airdefense.campaign import run_campaign
from airdefense.results.store import ResultStore
from tests.campaign.conftest import REF_SEED, tiny

#: Enough runs that the campaign lasts well past its first progress lines: a tiny replication
#: takes a few hundredths of a second, and the bar is drawn at most every 0.2 s.
RUNS = 60


@pytest.fixture(scope="module")
def reference():
    """The same campaign uninterrupted: local backend, 1 worker, in this process."""
    return run_campaign(tiny(), runs=RUNS, seed=REF_SEED, workers=1)


def _start(tiny_file, db):
    cmd = [sys.executable, "-m", "airdefense", "campaign", str(tiny_file), "--runs", str(RUNS),
           "--seed", str(REF_SEED), "--workers", "2", "--db", str(db),
           "--commit-interval", "0"]  # commit each run, so the kill lands part-way
    # A new session: SIGKILL goes to the campaign and its worker processes alike, as when
    # the machine or the job is killed.
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def test_sigkill_then_resume_loses_and_repeats_nothing(reference, tiny_file, tmp_path):
    """Kill the CLI campaign once some runs are committed; resume; compare with a clean run."""
    db = tmp_path / "r.duckdb"
    proc = _start(tiny_file, db)
    printed = 0
    deadline = time.monotonic() + 60
    try:
        for line in proc.stderr:  # the progress bar, one line per finished run off a terminal
            m = re.search(r"\] (\d+)/(\d+)", line)
            if m and int(m.group(1)) >= 2:
                printed = int(m.group(1))
                break
            assert time.monotonic() < deadline, "campaign made no progress"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert 2 <= printed < RUNS, "killed too late to test resuming"

    with ResultStore(db) as st:
        cid = st.campaigns().campaign_id.item()
        before = st.done_reps(cid)
    assert len(before) >= printed  # the bar is drawn after the commit

    ran: list[int] = []
    res = run_campaign(tiny_file, runs=RUNS, seed=REF_SEED, workers=1, db=db, resume=True,
                       _on_result=lambda r: ran.append(r.rep))
    assert sorted(ran) == sorted(set(range(RUNS)) - before)  # nothing repeated
    assert res.summaries.rep.tolist() == list(range(RUNS))  # nothing lost
    with ResultStore(db) as st:
        for table in ("replications", "summaries", "expenditure", "outcomes", "events"):
            dup = st.con.execute(
                f"SELECT count(*) FROM (SELECT rep FROM {table} GROUP BY rep, "
                + {"replications": "campaign_id", "summaries": "quantity",
                   "expenditure": "type", "outcomes": "kind, preset",
                   "events": "seq"}[table]
                + " HAVING count(*) > 1)").fetchone()[0]
            assert dup == 0, f"duplicated rows in {table}"
    # Equal to an uninterrupted run of the same campaign.
    pd.testing.assert_frame_equal(res.summaries, reference.summaries)
    pd.testing.assert_frame_equal(res.events, reference.events, check_dtype=False)
