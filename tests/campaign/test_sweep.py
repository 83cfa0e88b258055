"""Sweeps: value lists and ranges, the grid, bad paths, and one campaign per point."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from airdefense.campaign import run_campaign, run_sweep
from airdefense.campaign.sweep import grid, parse_values, parse_vary
from airdefense.cli import main
from airdefense.errors import AirDefenseError, ScenarioError
from airdefense.scenario.edit import set_path


@pytest.mark.parametrize("text, values", [
    ("2,4,8", [2, 4, 8]),
    ("50..400:50", [50, 100, 150, 200, 250, 300, 350, 400]),
    ("1..3", [1, 2, 3]),
    ("10..25:10", [10, 20]),
    ("0.5..1.5:0.5", [0.5, 1.0, 1.5]),
    ("0.1..0.3:0.1", [0.1, 0.2, 0.3]),
    ("-2..2:2", [-2, 0, 2]),
    ("greedy, exact", ["greedy", "exact"]),
    ("7", [7]),
])
def test_parse_values(text, values):
    """Lists are YAML scalars; ranges are inclusive, integer when every part is."""
    got = parse_values(text)
    assert got == pytest.approx(values) if isinstance(values[0], float) else got == values
    assert [type(v) for v in got] == [type(v) for v in values]


@pytest.mark.parametrize("text, match", [
    ("50..x:5", r"bad range '50\.\.x:5': expected START\.\.STOP or START\.\.STOP:STEP"),
    ("50..400:", r"bad range '50\.\.400:'"),
    ("5..1", r"bad range '5\.\.1': the end 1 is before the start 5"),
    ("1..5:0", r"bad range '1\.\.5:0': the step must be > 0, got 0"),
    ("1..5:-1", r"the step must be > 0, got -1"),
    ("1..1000000", r"1000000 values, more than 10000"),
    ("1,,2", r"bad value list '1,,2': an item is empty"),
    ("", r"no values given"),
])
def test_parse_values_rejects(text, match):
    """Malformed ranges and lists are clear errors."""
    with pytest.raises(AirDefenseError, match=match):
        parse_values(text)


def test_parse_vary_and_grid():
    """PATH=VALUES splits; the grid is the product, the first path slowest."""
    assert parse_vary("raid.drones.count=1..2") == ("raid.drones.count", [1, 2])
    with pytest.raises(AirDefenseError, match="bad --vary 'raid.drones.count': expected "
                                              "PATH=VALUES"):
        parse_vary("raid.drones.count")
    with pytest.raises(AirDefenseError, match=r"--vary a\.b: bad range '1\.\.'"):
        parse_vary("a.b=1..")
    pts = grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert pts[:4] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                       {"a": 2, "b": "x"}]
    assert len(pts) == 6


def test_bad_path_fails_before_running(tiny_dict):
    """A path that does not exist names the missing key and the keys there."""
    with pytest.raises(ScenarioError, match=r"raid\.drone\.count: no key 'drone' in raid; "
                                            r"keys there: drones"):
        run_sweep(tiny_dict, ["raid.drone.count=1,2"], runs=1)
    with pytest.raises(ScenarioError, match=r"raid\.drones\.count: must be >= 1, got 0 "
                                            r"\(sweep point raid\.drones\.count=0\)"):
        run_sweep(tiny_dict, ["raid.drones.count=0,1"], runs=1)


def test_sweep_points_equal_campaigns_of_edited_scenarios(tiny_dict, tmp_path):
    """Each point is the campaign of the edited scenario with the same seed; resume works."""
    db = tmp_path / "s.duckdb"
    res = run_sweep(tiny_dict, {"raid.drones.count": [1, 3]}, runs=2, seed=8, db=db,
                    events=False)
    assert res.points["raid.drones.count"].tolist() == [1, 3]
    edited = set_path(tiny_dict, "raid.drones.count", 3)
    one = run_campaign(edited, runs=2, seed=8, events=False)
    pd.testing.assert_frame_equal(res.campaigns[1].summaries, one.summaries)
    st = res.stats()
    launched = st[st.quantity == "threats_launched"].set_index("point")["mean"]
    assert launched.tolist() == [2.0, 4.0]  # the drones and the ballistic missile
    assert set(st.quantity) >= {"leaked", "p_zero_leakers"}
    s = res.summaries
    assert len(s) == 4 and s.columns[:3].tolist() == ["point", "raid.drones.count", "rep"]
    again = run_sweep(tiny_dict, {"raid.drones.count": [1, 3]}, runs=2, seed=8, db=db,
                      resume=True, events=False)
    assert again.sweep_id == res.sweep_id
    pd.testing.assert_frame_equal(again.summaries, s)


def test_sweep_point_equal_to_a_campaign_in_the_database_is_its_own(tiny_dict, tmp_path):
    """A point equal to a standalone campaign already in the database is a new campaign of the
    sweep (same summaries, another id), listed among the sweep's points; the standalone one is
    left as it was."""
    from airdefense.results.store import ResultStore

    db = tmp_path / "s.duckdb"
    alone = run_campaign(tiny_dict, runs=2, seed=4, db=db, events=False)
    count = tiny_dict["raid"]["drones"]["count"]
    sw = run_sweep(tiny_dict, {"raid.drones.count": [count]}, runs=2, seed=4, db=db,
                   events=False)
    assert sw.points.campaign_id.tolist() != [alone.campaign_id]
    pd.testing.assert_frame_equal(sw.campaigns[0].summaries, alone.summaries)
    with ResultStore(db) as st:
        pts = st.sweep_points(sw.sweep_id)
        assert pts.campaign_id.tolist() == sw.points.campaign_id.tolist()
        camps = st.campaigns().set_index("campaign_id")
        assert pd.isna(camps.loc[alone.campaign_id, "sweep_id"])
        assert camps.done.tolist() == [2, 2]


def test_resume_sweep_into_foreign_db(tiny_dict, tmp_path):
    """Resuming a sweep into a database of another campaign is a clear error."""
    db = tmp_path / "s.duckdb"
    run_campaign(tiny_dict, runs=1, seed=1, db=db, events=False)
    with pytest.raises(AirDefenseError, match="cannot resume sweep .* holds other campaigns"):
        run_sweep(tiny_dict, ["raid.drones.count=1,2"], runs=1, db=db, resume=True)


def test_cli_sweep(tiny_file, tmp_path):
    """`sweep` prints one row per point; a bad path or range exits 1 with one line."""
    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(main, ["sweep", str(tiny_file), "--vary", "raid.drones.count=1,2",
                                  "--runs", "1", "--workers", "1", "--db", str(db), "--quiet",
                                  "--no-events"])
    assert r.exit_code == 0, r.output
    assert "Sweep " in r.output and "raid.drones.count" in r.output
    for vary, msg in [("raid.drone.count=1,2", "no key 'drone' in raid; keys there: drones"),
                      ("raid.drones.count=5..1", "the end 1 is before the start 5")]:
        r = CliRunner().invoke(main, ["sweep", str(tiny_file), "--vary", vary, "--runs", "1",
                                      "--db", str(tmp_path / "x.duckdb"), "--quiet"])
        assert r.exit_code == 1
        assert r.output.startswith("airdefense: error: ") and msg in r.output
