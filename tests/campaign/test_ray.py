"""The Ray backend against a local Ray instance: identical to the local backend."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from airdefense.campaign import run_campaign
from airdefense.cli import main
from tests.campaign.conftest import REF_RUNS, REF_SEED

ray = pytest.importorskip("ray", reason="ray is in the dev extra; install it to test Ray")


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray instance with 2 CPUs for this module."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
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
