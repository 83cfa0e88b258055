"""The store writes replications sent as columns exactly as DuckDB reads the same pandas frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.results.store import (
    CampaignInfo,
    RepResult,
    ResultStore,
    columns_of,
    frame_of,
    n_rows,
    stack_columns,
)
from airdefense.simulation.events import EVENT_COLUMNS, EVENT_KINDS, EventLog

duckdb = pytest.importorskip("duckdb")


def _events(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """An event log of n random events (positions and values NaN for some)."""
    log = EventLog()
    for _ in range(n):
        pos = None if rng.random() < 0.4 else rng.normal(0, 1e4, 3)
        value = np.nan if rng.random() < 0.5 else float(rng.normal())
        log.add(float(rng.integers(0, 20)), str(rng.choice(EVENT_KINDS)),
                threat=int(rng.integers(-1, 5)), sensor=int(rng.integers(-1, 3)), pos=pos,
                value=value)
    ev = log.to_frame()
    ev.insert(0, "seq", np.arange(len(ev), dtype=np.int64))
    return ev


def _results(rng: np.random.Generator, as_columns: bool) -> list[RepResult]:
    out = []
    for rep, n in enumerate((5, 0, 12)):
        ev = _events(np.random.default_rng([int(rng.integers(1 << 30)), rep]), n)
        exp = pd.DataFrame({"type": ["pac3", "nasams"][: rep % 2 + 1],
                            "fired": np.arange(rep % 2 + 1, dtype=np.int64),
                            "hits": np.zeros(rep % 2 + 1, np.int64),
                            "cost": np.full(rep % 2 + 1, 4.1e6)})
        out_ = pd.DataFrame({"kind": ["drone"], "preset": ["shahed136"], "launched": [3],
                             "intercepted": [2], "leaked": [1], "other": [0]})
        summary = {"leaked": float(rep), "cost_exchange": np.inf, "value_lost": np.nan}
        if as_columns:
            ev, exp, out_ = ({"seq": ev["seq"].to_numpy(), **columns_of(ev)} if n else {},
                             columns_of(exp), columns_of(out_))
        out.append(RepResult(rep=rep, seed_key=f"3/{rep}", wall_s=0.5, summary=summary,
                             expenditure=exp, outcomes=out_, events=ev))
    return out


_EVENT_TYPES = [("campaign_id", "VARCHAR"), ("rep", "BIGINT"), ("seq", "BIGINT"),
                ("time_s", "DOUBLE"), ("kind", "VARCHAR")] + [
    (c, "BIGINT") for c in EVENT_COLUMNS[2:9]] + [(c, "DOUBLE") for c in EVENT_COLUMNS[9:]]


def _reference(path, cid: str, results: list[RepResult]) -> None:
    """The rows as DuckDB reads pandas frames (how the store wrote them before columns)."""
    with ResultStore(path) as st:
        con = st.con
        con.execute("CREATE TABLE events (" + ", ".join(f"{c} {t}" for c, t in _EVENT_TYPES)
                    + ")")
        for r in results:
            ev = r.events.assign(campaign_id=cid, rep=r.rep).astype({"kind": str})
            # Registered frames: the store's connection does not see this function's locals.
            if len(ev):
                con.register("ev", ev)
                con.execute("INSERT INTO events BY NAME SELECT * FROM ev")
            for table, df in (("expenditure", r.expenditure), ("outcomes", r.outcomes)):
                con.register("df", df.assign(campaign_id=cid, rep=r.rep))
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM df")
            con.register("summ", pd.DataFrame([(cid, r.rep, k, v) for k, v in r.summary.items()],
                                              columns=["campaign_id", "rep", "quantity",
                                                       "value"]))
            con.execute("INSERT INTO summaries BY NAME SELECT * FROM summ")


def test_columns_write_the_rows_duckdb_reads_from_pandas(tmp_path):
    """Replications sent as columns (and as frames) give the rows of DuckDB's own pandas
    reader: NaN as NULL, kinds as text, every column's type; an empty log writes nothing."""
    cols = _results(np.random.default_rng(7), True)
    frames = _results(np.random.default_rng(7), False)
    assert n_rows(cols[1].events) == 0 and n_rows(cols[2].events) == 12
    _reference(tmp_path / "ref.duckdb", "x", frames)
    with ResultStore(tmp_path / "r.duckdb") as st:
        for cid, rs in (("cols", cols), ("frames", frames)):
            st.begin(CampaignInfo(campaign_id=cid, scenario_name="s", scenario_hash="h",
                                  campaign_hash=cid, seed=3, runs=3), resume=False)
            st.write(cid, rs)
        con = st.con
        types = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = 'events' ORDER BY ordinal_position").fetchall()
        assert types == _EVENT_TYPES
        con.execute(f"ATTACH '{tmp_path / 'ref.duckdb'}' AS ref (READ_ONLY)")
        for t in ("events", "expenditure", "outcomes", "summaries"):
            n = con.execute(f"SELECT count(*) FROM ref.{t}").fetchone()[0]
            assert n > 0, t
            for cid in ("cols", "frames"):
                mine = f"SELECT * EXCLUDE (campaign_id) FROM {t} WHERE campaign_id = '{cid}'"
                ref = f"SELECT * EXCLUDE (campaign_id) FROM ref.{t}"
                for q in (f"{mine} EXCEPT ALL {ref}", f"{ref} EXCEPT ALL {mine}"):
                    assert con.execute(f"SELECT count(*) FROM ({q})").fetchone()[0] == 0, \
                        (t, cid, q)
        nulls = con.execute("SELECT count(*) FROM events WHERE value IS NULL "
                            "AND campaign_id = 'cols'").fetchone()[0]
        assert nulls == int(sum(r.events["value"].isna().sum() for r in frames)) > 0
        assert con.execute("SELECT count(*) FROM events WHERE isnan(value)").fetchone()[0] == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=1, max_size=5), st.integers(0, 2**31))
def test_stacked_columns_equal_concatenated_frames(sizes, seed):
    """stack_columns + frame_of give pd.concat of the frames with ``rep`` first and the
    categorical kinds as text."""
    rng = np.random.default_rng(seed)
    frames = [_events(rng, n) for n in sizes]
    reps = list(range(10, 10 + len(sizes)))
    got = frame_of(stack_columns(frames, reps))
    parts = [f.assign(rep=r).astype({"kind": str}) for f, r in zip(frames, reps, strict=True)]
    want = pd.concat(parts, ignore_index=True)
    want = want[["rep", *frames[0].columns]]
    pd.testing.assert_frame_equal(got, want, check_exact=True)
