"""The results database refuses what it cannot read, with the file named and no traceback: a
SQLite file, a corrupt file, a non-numeric format version; resume messages name what differs."""

from __future__ import annotations

import sqlite3

import duckdb
import numpy as np
import pytest
import yaml

from airdefense.campaign import run_campaign
from airdefense.campaign._worker import scenario_hash
from airdefense.errors import AirDefenseError, InputFileError
from airdefense.results.store import ResultStore
from airdefense.scenario import load_scenario
from tests.campaign.conftest import tiny


def _sqlite(db) -> None:
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()


def _version_by_hand(db) -> None:
    ResultStore(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '1.1' WHERE key = 'version'")
    con.close()


@pytest.mark.parametrize(("write", "match"), [
    # Refused by its header before DuckDB opens it (it would attach it through an extension).
    (_sqlite, r"x.db: is not a DuckDB database \(it is a SQLite database\)"),
    (_version_by_hand, r"x.db: has results format version '1.1', not a whole number"),
])
def test_foreign_or_edited_file_is_refused(tmp_path, write, match):
    db = tmp_path / "x.db"
    write(db)
    with pytest.raises(InputFileError, match=match):
        ResultStore(db)


def test_empty_file_counts_as_new_but_not_for_reading(tmp_path):
    db = tmp_path / "e.duckdb"
    db.write_bytes(b"")
    with pytest.raises(InputFileError, match=r"e.duckdb: no such results database"):
        ResultStore(db, create=False, read_only=True)
    with ResultStore(db) as st:  # a new database in its place
        assert st.campaigns().empty


def _filled(tmp_path):
    db = tmp_path / "c.duckdb"
    with ResultStore(db) as st:
        # Enough rows to fill data blocks past the header (DuckDB blocks are 256 KiB).
        n = 200_000
        st.con.execute("CREATE TABLE filler AS SELECT range AS a, range * 2.5 AS b "
                       f"FROM range({n})")
    return db


def test_corrupt_block_is_an_input_error_not_a_lock(tmp_path):
    db = _filled(tmp_path)
    size = db.stat().st_size
    assert size > 600_000
    raw = bytearray(db.read_bytes())
    rng = np.random.default_rng(3)
    # Overwrite every block after the file header (4 KiB x 3) with noise.
    raw[12_288:] = rng.integers(0, 256, size - 12_288, dtype=np.uint8).tobytes()
    db.write_bytes(bytes(raw))
    with pytest.raises(InputFileError, match=r"c.duckdb: (database error|cannot open the "
                       r"database)") as err:
        with ResultStore(db) as st:
            st.con.execute("SELECT sum(b) FROM filler").fetchall()
    assert "in use by another process" not in str(err.value)


def test_resume_names_the_tracking_that_differs(tmp_path):
    db = tmp_path / "r.duckdb"
    run_campaign(tiny(), 2, seed=11, db=db)
    with pytest.raises(AirDefenseError, match=r"holds scenario 'tiny' with seed 11 run with "
                       r"tracking as in the scenario, solver as in the scenario, not with "
                       r"tracking full, solver as in the scenario"):
        run_campaign(tiny(), 2, seed=11, db=db, resume=True, tracking="full")
    with pytest.raises(AirDefenseError, match=r"with seed 11, not seed 12; pass the same --seed"):
        run_campaign(tiny(), 2, seed=12, db=db, resume=True)


def test_resume_keeps_the_event_logs_all_or_none(tmp_path):
    db = tmp_path / "ev.duckdb"
    run_campaign(tiny(), 2, seed=5, db=db, events=False)
    with pytest.raises(AirDefenseError, match=r"its 2 replications were run without event "
                       r"logs, this run asks with; resume it with --no-events "
                       r"\(events=False\) as before"):
        run_campaign(tiny(), 3, seed=5, db=db, resume=True, events=True)
    res = run_campaign(tiny(), 3, seed=5, db=db, resume=True, events=False)
    assert len(res.summaries) == 3 and res.events.empty


def test_ambiguous_campaign_prefix(tmp_path):
    db = tmp_path / "a.duckdb"
    with ResultStore(db) as st:
        for cid in ("ab12", "ab34"):
            st.con.execute("INSERT INTO campaigns (campaign_id, scenario_name, runs) "
                           "VALUES (?, 's', 1)", [cid])
        with pytest.raises(AirDefenseError, match=r"campaign 'ab' is ambiguous: it begins "
                           r"ab12, ab34"):
            st.campaign("ab")
        with pytest.raises(AirDefenseError, match=r"no campaign 'zz'; campaigns there: ab12"):
            st.campaign("zz")
        assert st.campaign("ab3")["campaign_id"] == "ab34"


def _terrain_scenario(folder, height_m: float):
    folder.mkdir()
    np.save(folder / "terrain.npy", np.full((20, 20), height_m))
    (folder / "terrain.yaml").write_text(yaml.safe_dump(
        {"crs": "local", "east_m": -10000, "north_m": 10000, "dx_m": 1000, "dy_m": 1000}))
    d = tiny()
    d["terrain"] = {"file": "terrain.npy"}
    (folder / "sc.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    return load_scenario(folder / "sc.yaml")


def test_scenario_hash_covers_the_terrain_grid(tmp_path):
    a = _terrain_scenario(tmp_path / "a", 100.0)
    b = _terrain_scenario(tmp_path / "b", 600.0)  # below the drones' cruise: the load flies them
    c = _terrain_scenario(tmp_path / "c", 100.0)
    assert a.config == b.config  # the same text: only the grids differ
    assert scenario_hash(a)[0] != scenario_hash(b)[0]
    assert scenario_hash(a)[0] == scenario_hash(c)[0]
    assert scenario_hash(load_scenario(tiny()))[0] != scenario_hash(a)[0]
