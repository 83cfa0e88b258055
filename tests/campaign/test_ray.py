"""The Ray backend against a local Ray instance: identical to the local backend."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from airdefense.campaign import run_campaign
from airdefense.cli import main
from airdefense.results.store import ResultStore
from tests.campaign.conftest import REF_RUNS, REF_SEED

ray = pytest.importorskip("ray", reason="ray is in the dev extra; install it to test Ray")


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance with 2 CPUs for this module."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    yield
    ray.shutdown()


def test_same_seed_same_summaries_local_and_ray(local_ray, reference, tiny_dict, tmp_path):
    """Determinism: Ray gives the replications of the local backend (1 worker; the 2-worker
    pool is checked against the same reference in test_campaign.py)."""
    c = run_campaign(tiny_dict, runs=REF_RUNS, seed=REF_SEED, backend="ray",
                     db=tmp_path / "r.duckdb")
    pd.testing.assert_frame_equal(reference.summaries, c.summaries, check_exact=True)
    pd.testing.assert_frame_equal(reference.expenditure, c.expenditure, check_dtype=False)
    pd.testing.assert_frame_equal(reference.events, c.events, check_dtype=False,
                                  check_exact=True)


def test_cli_ray_backend(local_ray, tiny_file, tmp_path):
    """`campaign --backend ray` runs on the running Ray instance; --address needs ray."""
    db = tmp_path / "r.duckdb"
    r = CliRunner().invoke(main, ["campaign", str(tiny_file), "--runs", "2", "--backend", "ray",
                                  "--db", str(db), "--quiet", "--no-events"])
    assert r.exit_code == 0, r.output
    assert "P(zero leakers)" in r.output
    r = CliRunner().invoke(main, ["campaign", str(tiny_file), "--runs", "2", "--address",
                                  "auto", "--db", str(db), "--quiet"])
    assert r.exit_code == 2 and "--address is for the ray backend" in r.output


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """A Ray cluster of its own (``ray start --head``, 1 CPU), as `--address auto` finds one:
    through ``RAY_ADDRESS``. Token authentication is off on both sides (Ray >= 2.5x turns it
    on for ``ray start`` but not for a client that is not told)."""
    import os
    import shutil
    import signal
    import subprocess
    import time

    beside = Path(sys.executable).with_name("ray")  # the ray of this environment
    ray_cli = str(beside) if beside.exists() else shutil.which("ray")
    port = _free_port()
    env = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
    log = tmp_path_factory.mktemp("ray") / "head.log"
    with open(log, "w") as out:
        head = subprocess.Popen([ray_cli, "start", "--head", "--block", "--num-cpus", "1",
                                 "--port", str(port), "--include-dashboard", "false",
                                 "--disable-usage-stats"], stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in log.read_text():
            assert head.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "ray start did not finish"
            time.sleep(0.5)
        yield dict(env, RAY_ADDRESS=f"127.0.0.1:{port}")
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops its processes
        try:
            head.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait(10)
        # `ray start` names its cluster in /tmp/ray/ray_current_cluster and leaves the file when
        # stopped: a plain ray.init() elsewhere on this machine would try to connect there.
        import tempfile

        for f in {Path(tempfile.gettempdir()) / "ray" / "ray_current_cluster",
                  Path("/tmp/ray/ray_current_cluster")}:
            try:
                if f.read_text().strip().endswith(f":{port}"):
                    f.unlink()
            except OSError:
                pass


def test_cli_address_auto_runs_on_a_running_cluster(ray_cluster, reference, tiny_file,
                                                    tmp_path):
    """`campaign --backend ray --address auto` in a process of its own runs on the cluster that
    ray start made, and gives the local backend's replications."""
    import os
    import subprocess

    db = tmp_path / "c.duckdb"
    env = dict(ray_cluster, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "airdefense", "campaign", str(tiny_file),
                        "--runs", str(REF_RUNS), "--seed", str(REF_SEED), "--backend", "ray",
                        "--address", "auto", "--db", str(db), "--quiet"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    with ResultStore(db, create=False, read_only=True) as st:
        cid = st.campaigns().campaign_id.item()
        summ = st.summaries(cid)
        events = st.table("events", cid)
    pd.testing.assert_frame_equal(reference.summaries, summ, check_exact=True)
    pd.testing.assert_frame_equal(reference.events, events, check_dtype=False, check_exact=True)


def test_cli_without_address_starts_its_own_instance_whatever_ray_address_says(reference,
                                                                               tiny_file,
                                                                               tmp_path):
    """With no --address the ray backend starts a local instance, as documented, even where
    RAY_ADDRESS (or the file a `ray start` leaves in /tmp/ray) names a cluster, here one that
    is gone: ray.init() would connect there and refuse num_cpus."""
    import os
    import subprocess

    db = tmp_path / "c.duckdb"
    env = dict(os.environ, RAY_ADDRESS=f"127.0.0.1:{_free_port()}", PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")]))
    env.pop("RAY_AUTH_MODE", None)  # Ray's default: token authentication, and its notice
    p = subprocess.run([sys.executable, "-m", "airdefense", "campaign", str(tiny_file),
                        "--runs", "2", "--seed", str(REF_SEED), "--backend", "ray",
                        "--workers", "1", "--db", str(db), "--quiet", "--no-events"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    # Ray's notice of its default (token authentication) stays out of the output.
    assert "Token authentication" not in p.stderr + p.stdout, p.stderr[-3000:]
    with ResultStore(db, create=False, read_only=True) as st:
        summ = st.summaries(st.campaigns().campaign_id.item())
    pd.testing.assert_frame_equal(reference.summaries.iloc[:2], summ, check_exact=True)
