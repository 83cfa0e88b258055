"""A campaign stopped by Ctrl-C keeps every replication it finished, once; a campaign killed with
SIGKILL leaves no worker process running on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from airdefense.campaign import run_campaign
from airdefense.campaign import runner as runner_mod
from airdefense.results.store import ResultStore
from tests.campaign.conftest import REF_SEED, tiny

#: Message of the stand-in interrupts: ``pytest.raises(..., match=STAND_IN)`` checks that the
#: interrupt that reaches the caller is the test's own, not another one.
STAND_IN = "stand-in Ctrl-C of the test"


def _once(exc_type):
    """A stand-in that raises ``exc_type(STAND_IN)`` at its first call and does nothing after."""
    calls = []

    def f(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise exc_type(STAND_IN)
    return f, calls


def _same_as_reference(res, reference, runs: int) -> None:
    pd.testing.assert_frame_equal(res.summaries.reset_index(drop=True),
                                  reference.summaries.iloc[:runs].reset_index(drop=True))


def test_ctrl_c_while_drawing_the_bar_writes_nothing_twice(tmp_path, monkeypatch, reference):
    db = tmp_path / "c.duckdb"
    raise_once, calls = _once(KeyboardInterrupt)
    monkeypatch.setattr(runner_mod.Progress, "update", lambda self, n: raise_once())
    with pytest.raises(KeyboardInterrupt, match=STAND_IN):
        run_campaign(tiny(), 4, seed=REF_SEED, db=db, commit_interval_s=0.0)
    assert calls  # the interruption happened after the first commit
    with ResultStore(db, create=False, read_only=True) as st:
        (cid,) = st.campaigns().campaign_id
        assert sorted(st.done_reps(cid)) == [0]
    monkeypatch.undo()
    res = run_campaign(tiny(), 4, seed=REF_SEED, db=db, resume=True)
    _same_as_reference(res, reference, 4)


def test_ctrl_c_inside_a_write_rolls_back_and_the_batch_is_written_once(tmp_path, monkeypatch,
                                                                        reference):
    db = tmp_path / "w.duckdb"
    raise_once, calls = _once(KeyboardInterrupt)
    real = ResultStore._write_events

    def events_then_interrupt(self, *args, **kwargs):
        raise_once()  # between the summaries' insert and the replications' row
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ResultStore, "_write_events", events_then_interrupt)
    with pytest.raises(KeyboardInterrupt, match=STAND_IN):
        run_campaign(tiny(), 4, seed=REF_SEED, db=db, commit_interval_s=0.0)
    assert len(calls) == 2  # interrupted, then written by the final commit
    with ResultStore(db, create=False, read_only=True) as st:
        (cid,) = st.campaigns().campaign_id
        assert sorted(st.done_reps(cid)) == [0]
        n = st.con.execute("SELECT count(*) FROM summaries WHERE campaign_id = ?",
                           [cid]).fetchone()[0]
        assert n == len(reference.summaries.columns) - 1  # one replication's scalars, once
    monkeypatch.undo()
    res = run_campaign(tiny(), 4, seed=REF_SEED, db=db, resume=True)
    _same_as_reference(res, reference, 4)


def _gone(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        text = status.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    state = next((ln for ln in text.splitlines() if ln.startswith("State:")), "")
    return "Z" in state.split(":", 1)[-1][:3]  # a zombie has ended


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_sigkilled_campaign_leaves_no_worker(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent("""
        import os, time
        from airdefense.campaign.runner import new_pool

        if __name__ == "__main__":
            ex = new_pool(1)
            print(ex.submit(os.getpid).result(), flush=True)
            time.sleep(120)
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        worker = int(proc.stdout.readline())
        assert not _gone(worker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        while not _gone(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _gone(worker), f"worker {worker} still runs after its campaign was killed"
    finally:
        proc.kill()


def test_ctrl_c_after_the_events_table_was_created_in_the_first_write(tmp_path, monkeypatch,
                                                                       reference):
    """The rollback of the first batch also drops the events table it created: the final
    commit creates it again, writes the batch once, and the interrupt is what goes up."""
    db = tmp_path / "f.duckdb"
    raise_once, calls = _once(KeyboardInterrupt)
    real = ResultStore._insert

    def interrupt_at_replications(self, table, *args, **kwargs):
        if table == "replications":
            raise_once()
        return real(self, table, *args, **kwargs)

    monkeypatch.setattr(ResultStore, "_insert", interrupt_at_replications)
    with pytest.raises(KeyboardInterrupt, match=STAND_IN):
        run_campaign(tiny(), 4, seed=REF_SEED, db=db, commit_interval_s=0.0)
    assert len(calls) == 2
    with ResultStore(db, create=False, read_only=True) as st:
        (cid,) = st.campaigns().campaign_id
        assert sorted(st.done_reps(cid)) == [0]
        ev = st.table("events", cid)
        assert len(ev) and (ev.rep == 0).all() and ev.seq.is_unique
    monkeypatch.undo()
    res = run_campaign(tiny(), 4, seed=REF_SEED, db=db, resume=True)
    _same_as_reference(res, reference, 4)


def test_a_failed_final_commit_is_noted_on_the_interrupt(tmp_path, monkeypatch):
    """When the commit after an interruption fails too, the interruption is raised with a note
    of what could not be written."""
    db = tmp_path / "n.duckdb"

    def fail_then_disk_full(self, *args, **kwargs):
        first = not getattr(fail_then_disk_full, "seen", False)
        fail_then_disk_full.seen = True
        raise KeyboardInterrupt(STAND_IN) if first else OSError("disk full")

    monkeypatch.setattr(ResultStore, "write", fail_then_disk_full)
    with pytest.raises(KeyboardInterrupt, match=STAND_IN) as err:
        run_campaign(tiny(), 2, seed=REF_SEED, db=db, commit_interval_s=0.0)
    assert any("could not be written (disk full); --resume runs them again" in n
               for n in getattr(err.value, "__notes__", []))
