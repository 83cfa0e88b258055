"""The worker pool: tasks of replications, and workers that leave quickly when stopped."""

from __future__ import annotations

import atexit
import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.campaign._pool import ONE_THREAD, QuickExitProcess
from airdefense.campaign.runner import chunks, new_pool


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 5000), unique=True, max_size=1500).map(sorted),
       st.integers(1, 8), st.one_of(st.none(), st.integers(1, 12)))
def test_chunks_split_every_replication_once_in_order(todo, workers, batch):
    """Tasks cover the replications once, in order; a given batch is kept; the default has
    at most 8 per task, about 4 tasks per worker per hundred, shrinking to single
    replications at the end (so that no worker waits long for another's last task)."""
    tasks = chunks(todo, workers, batch)
    assert [i for t in tasks for i in t] == todo and all(tasks)
    sizes = [len(t) for t in tasks]
    if batch is not None:
        assert all(s == batch for s in sizes[:-1]) and (not sizes or sizes[-1] <= batch)
        return
    if not todo:
        return
    top = max(1, min(8, math.ceil(len(todo) / (25 * workers))))
    assert sizes == sorted(sizes, reverse=True) and max(sizes) == top and sizes[-1] == 1
    left = len(todo)
    for s in sizes:  # a task is at most an eighth of what is left per worker
        assert s <= max(1, math.ceil(left / (8 * workers)))
        left -= s


def test_stopped_worker_exits_zero_and_an_error_is_raised_as_before(tmp_path):
    """Pool workers return their results and exit with code 0 once stopped, without the
    interpreter's teardown (an exit handler registered in the worker never runs, as it does
    in a plain spawn process); a target that raises is not cut short: its error goes up as in
    any process (exit code 1)."""
    marker = tmp_path / "teardown-ran"
    ex = new_pool(1)
    pid = ex.submit(os.getpid).result(timeout=120)
    ex.submit(atexit.register, marker.touch).result(timeout=120)
    procs = list(ex._processes.values())
    ex.shutdown(wait=True)
    assert pid != os.getpid() and [p.exitcode for p in procs] == [0]
    assert not marker.exists()

    def boom():
        raise RuntimeError("worker loop failed")

    with pytest.raises(RuntimeError, match="worker loop failed"):
        QuickExitProcess(target=boom).run()  # in this process: no os._exit reached


def _thread_env() -> dict:
    return {k: os.environ.get(k) for k in ONE_THREAD}


def test_workers_run_the_numerical_libraries_on_one_thread(monkeypatch):
    """A worker starts with one thread in OpenBLAS, OpenMP and MKL (the pool runs one worker
    per core) unless the user set a count, which it keeps; the parent's environment is left
    as it was."""
    for k in ONE_THREAD:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's choice
    before = dict(os.environ)
    ex = new_pool(1)
    try:
        seen = ex.submit(_thread_env).result(timeout=120)
    finally:
        ex.shutdown(wait=True)
    assert seen == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "3"}
    assert dict(os.environ) == before
