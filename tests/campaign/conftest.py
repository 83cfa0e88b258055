"""A tiny scenario for campaigns: 3 drones at 10 km and a ballistic missile against one short-range
battery."""

from __future__ import annotations

import copy

import pytest
import yaml

from tests.conftest import SMALL_SCENARIO


def tiny() -> dict:
    """The small scenario cut down to a fraction of a second per replication."""
    d = copy.deepcopy(SMALL_SCENARIO)
    d["name"] = "tiny"
    d["raid"]["drones"].update(count=3, launch={"bearing_deg": 90, "range_m": 10000},
                               salvo_interval_s=5.0)
    d["step_s"] = 1.0
    d["duration_s"] = 300.0
    d["batteries"]["srb"]["launchers"]["count"] = 1
    # One ballistic missile: its truth is built by the flight model whose bits once differed
    # from one process to another, so the determinism tests below cover it.
    d["raid"]["ballistic"] = {"preset": "iskander_m", "count": 1,
                              "launch": {"bearing_deg": 120, "range_m": 150000},
                              "target": {"asset": "plant"}, "launch_time_s": 20.0}
    return d


@pytest.fixture
def tiny_dict() -> dict:
    """The tiny scenario as a dict (a fresh copy)."""
    return tiny()


@pytest.fixture
def tiny_file(tmp_path):
    """The tiny scenario written to tiny.yaml."""
    f = tmp_path / "tiny.yaml"
    f.write_text(yaml.safe_dump(tiny(), sort_keys=False))
    return f


#: Runs and seed of the reference campaign that the determinism and resume tests compare with.
REF_RUNS, REF_SEED = 6, 12


@pytest.fixture(scope="session")
def reference():
    """The tiny scenario's reference campaign: local backend, 1 worker, in this process."""
    from airdefense.campaign import run_campaign

    return run_campaign(tiny(), runs=REF_RUNS, seed=REF_SEED, workers=1)
