"""Ctrl-C (SIGINT) stops ``airdefense campaign`` and ``sweep`` cleanly: one line that says how
many replications are saved and how to finish, exit status 130, no traceback; every replication
it reports is in the database, once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from airdefense.results.store import ResultStore
from tests.campaign.conftest import tiny

REPO = Path(__file__).resolve().parents[2]

#: More runs than finish before the interrupt: a tiny replication takes a few hundredths of a
#: second, and the interrupt is sent once the bar shows 5.
RUNS = 2000


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO / "src"), str(REPO), os.environ.get("PYTHONPATH", "")]))


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="sends SIGINT to a process group")
@pytest.mark.parametrize("command", [["campaign"],
                                     ["sweep", "--vary", "raid.drones.count=2,3"]])
def test_ctrl_c_keeps_what_finished_and_says_so_in_one_line(tmp_path, command):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(tiny(), sort_keys=False))
    db = tmp_path / "c.duckdb"
    cmd = [sys.executable, "-m", "airdefense", command[0], str(scenario), *command[1:],
           "--runs", str(RUNS), "--seed", "3", "--workers", "1", "--db", str(db),
           "--commit-interval" if command[0] == "campaign" else "--no-events",
           *(["0"] if command[0] == "campaign" else [])]
    # As a terminal's Ctrl-C: SIGINT to the whole process group, with its default handler
    # (a shell's background job would start with SIGINT ignored).
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(), start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in proc.stderr:
            m = re.search(rf"\] (\d+)/{RUNS}", line)
            if m and int(m.group(1)) >= 5:
                break
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Aborted!" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("airdefense:")]
    assert len(lines) == 1, err
    m = re.fullmatch(rf"airdefense: interrupted: (\d+) (?:of {RUNS} )?replications.* are saved "
                     rf"in {re.escape(str(db))}; run the same command with --resume to run the "
                     "rest", lines[0])
    assert m, lines[0]
    with ResultStore(db, create=False, read_only=True) as st:
        camps = st.campaigns()
        done = int(camps.done.sum())
        dup = st.con.execute("SELECT count(*) - count(DISTINCT (campaign_id, rep)) "
                             "FROM replications").fetchone()[0]
    assert 5 <= done == int(m.group(1)) < len(camps) * RUNS
    assert dup == 0
