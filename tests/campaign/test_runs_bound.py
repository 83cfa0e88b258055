"""--runs is bounded: a huge count is refused with the limit before anything is registered."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from airdefense.campaign import run_campaign
from airdefense.campaign.runner import MAX_RUNS
from airdefense.cli import main
from airdefense.errors import AirDefenseError
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("runs", [MAX_RUNS + 1, 10 ** 9, 10 ** 20])
def test_too_many_runs_are_refused_with_the_limit(small_scenario, tmp_path, runs):
    db = tmp_path / "c.duckdb"
    with pytest.raises(AirDefenseError, match=rf"runs must be <= {MAX_RUNS:,}, got {runs:,}: "):
        run_campaign(small_scenario, runs, db=db)
    assert not db.exists()  # refused before the campaign is registered


def test_the_cli_refuses_too_many_runs_in_one_line(tmp_path):
    r = CliRunner().invoke(main, ["campaign", str(EXAMPLES / "01_drone_wave.yaml"), "--runs",
                                  "99999999999999999999", "--db", str(tmp_path / "c.duckdb")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"runs must be <= {MAX_RUNS:,}" in r.output and "Conversion Error" not in r.output


@pytest.mark.parametrize("kw, match", [
    ({"runs": MAX_RUNS + 1}, rf"runs must be <= {MAX_RUNS:,}, got {MAX_RUNS + 1:,}: "),
    ({"runs": 2, "workers": 0}, r"workers must be >= 1, got 0"),
    ({"runs": 2, "seed": -1}, r"seed must be >= 0, got -1"),
    ({"runs": 2, "backend": "dask"}, r"backend must be one of local, ray, got 'dask'"),
    ({"runs": 2, "address": "auto"}, r"address 'auto' is for the ray backend"),
    ({"runs": 2, "tracking": "psychic"}, r"tracking must be one of .*got 'psychic'"),
])
def test_a_sweep_refuses_bad_arguments_before_creating_the_database(tiny_dict, tmp_path, kw,
                                                                     match):
    """A sweep checks the campaign arguments before it registers anything: no file is made."""
    from airdefense.campaign import run_sweep

    db = tmp_path / "s.duckdb"
    with pytest.raises(AirDefenseError, match=match):
        run_sweep(tiny_dict, ["raid.drones.count=2,3"], db=db, events=False, **kw)
    assert not db.exists()


def test_the_sweep_cli_refuses_too_many_runs_and_creates_nothing(tiny_file, tmp_path):
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(main, ["sweep", str(tiny_file), "--vary", "raid.drones.count=2,3",
                                  "--runs", str(MAX_RUNS + 1), "--db", str(db), "--quiet"])
    assert r.exit_code == 1 and "Traceback" not in r.output, r.output
    assert f"runs must be <= {MAX_RUNS:,}" in r.output and "point 1/2" not in r.output
    assert not db.exists()
