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
