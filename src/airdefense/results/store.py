"""The results database: campaigns, replications, summaries and events in one DuckDB file.

Tables (every one keyed by ``campaign_id`` and, below campaigns, the replication index ``rep``):

============  ==========================================================================
table         rows
============  ==========================================================================
meta          ``key, value``: ``format = airdefense-results``, ``version``
campaigns     one per campaign: scenario name and hash, canonical config, seed, runs,
              tracking, solver, sweep id and grid point
replications  one per finished replication: seed key, wall time, finish time. A row here
              is written in the same transaction as the replication's other rows, so it
              marks the replication as complete.
summaries     tidy: ``rep, quantity, value`` for every scalar of the run summary
expenditure   ``rep, type, fired, hits, cost``: interceptors by type
outcomes      ``rep, kind, preset, launched, intercepted, leaked, other``: threats by type
events        the event log of each replication (``rep`` plus the event columns)
sweeps        one per sweep: its varied paths and values
============  ==========================================================================

Writes happen in the parent process only, one transaction per batch of finished replications;
a killed campaign therefore loses no committed replication and leaves no partial one.
DuckDB is an optional dependency (``pip install 'airdefense[db]'``), imported here lazily.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from airdefense.errors import AirDefenseError, InputFileError

__all__ = ["ResultStore", "CampaignInfo", "RepResult", "Columns", "FORMAT", "VERSION",
           "order_quantities", "columns_of", "n_rows", "stack_columns", "frame_of"]

FORMAT = "airdefense-results"
VERSION = "1"

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS campaigns (
        campaign_id VARCHAR PRIMARY KEY, scenario_name VARCHAR, scenario_hash VARCHAR,
        campaign_hash VARCHAR, seed VARCHAR, runs INTEGER, tracking VARCHAR, solver VARCHAR,
        source VARCHAR, config_json VARCHAR, sweep_id VARCHAR, point_json VARCHAR,
        created_at TIMESTAMP, version VARCHAR, code_hash VARCHAR, events BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS replications (
        campaign_id VARCHAR, rep INTEGER, seed_key VARCHAR, wall_s DOUBLE,
        finished_at TIMESTAMP, PRIMARY KEY (campaign_id, rep))""",
    """CREATE TABLE IF NOT EXISTS summaries (
        campaign_id VARCHAR, rep INTEGER, quantity VARCHAR, value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS expenditure (
        campaign_id VARCHAR, rep INTEGER, type VARCHAR, fired BIGINT, hits BIGINT,
        cost DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS outcomes (
        campaign_id VARCHAR, rep INTEGER, kind VARCHAR, preset VARCHAR, launched BIGINT,
        intercepted BIGINT, leaked BIGINT, other BIGINT)""",
    """CREATE TABLE IF NOT EXISTS sweeps (
        sweep_id VARCHAR PRIMARY KEY, scenario_hash VARCHAR, vary_json VARCHAR,
        created_at TIMESTAMP)""",
]
_EXP_COLS = ["type", "fired", "hits", "cost"]
_OUT_COLS = ["kind", "preset", "launched", "intercepted", "leaked", "other"]


@dataclass
class CampaignInfo:
    """What identifies a campaign and how it was run.

    Attributes
    ----------
    campaign_id : str
        Short id (the first 12 hex digits of ``campaign_hash``).
    scenario_name : str
    scenario_hash : str
        SHA-256 of the canonical validated scenario configuration and the presets it resolves.
    campaign_hash : str
        SHA-256 of ``scenario_hash``, the seed, the tracking mode and the solver.
    seed : int
        Root seed; replication ``i`` uses ``SeedSequence(seed).spawn(runs)[i]``.
    runs : int
    tracking, solver : str or None
        Overrides of the scenario's tracking mode and solver, if any.
    source : str or None
        The scenario file.
    config_json : str
        Canonical JSON of the validated configuration.
    sweep_id, point_json : str or None
        The sweep this campaign belongs to and its grid point (``{path: value}``) as JSON.
    code_hash : str or None
        SHA-256 of the code that runs a replication (``campaign._worker.code_hash``); a
        campaign is resumed only by the same code. None: not checked.
    events : bool or None
        Whether the replications keep their event logs; a campaign is resumed only the same
        way, so that its logs are all there or none. None: not checked.
    """

    campaign_id: str
    scenario_name: str
    scenario_hash: str
    campaign_hash: str
    seed: int
    runs: int
    tracking: str | None = None
    solver: str | None = None
    source: str | None = None
    config_json: str = "{}"
    sweep_id: str | None = None
    point_json: str | None = None
    code_hash: str | None = None
    events: bool | None = None


#: A table as columns: name -> 1-D array of one length (an ndarray, or a pandas
#: Categorical for a string column with few values). Workers send their tables so: they
#: pickle to a fraction of a DataFrame's size and time, and go to DuckDB without pandas.
Columns = dict


@dataclass
class RepResult:
    """What one replication sends back to the parent process.

    Attributes
    ----------
    rep : int
        Replication index, 0..runs-1.
    seed_key : str
        ``"entropy/i"`` of its SeedSequence.
    wall_s : float
        Seconds the simulation took.
    summary : dict of str to float
        The scalar figures of the run summary.
    expenditure : DataFrame or Columns
        ``type, fired, hits, cost``.
    outcomes : DataFrame or Columns
        ``kind, preset, launched, intercepted, leaked, other``.
    events : DataFrame or Columns or None
        The event log (``seq`` first), if kept.
    """

    rep: int
    seed_key: str
    wall_s: float
    summary: dict[str, float]
    expenditure: pd.DataFrame | Columns
    outcomes: pd.DataFrame | Columns
    events: pd.DataFrame | Columns | None = None


def columns_of(table: pd.DataFrame | Columns | None,
               names: Sequence[str] | None = None) -> Columns:
    """The columns ``names`` (default: all) of a DataFrame (categorical columns as
    Categorical, others as ndarray) or of a Columns."""
    if table is None:
        return {}
    if names is None:
        names = list(table.columns if isinstance(table, pd.DataFrame) else table)
    if not isinstance(table, pd.DataFrame):
        return {c: table[c] for c in names}
    out = {}
    for c in names:
        col = table[c]
        out[c] = col.array if isinstance(col.dtype, pd.CategoricalDtype) else col.to_numpy()
    return out


def n_rows(table: pd.DataFrame | Columns | None) -> int:
    """Rows of a DataFrame or of a Columns (0 for None)."""
    if table is None:
        return 0
    if isinstance(table, pd.DataFrame):
        return len(table)
    return len(next(iter(table.values()))) if table else 0


def _concat(parts: list) -> np.ndarray | pd.Categorical:
    """One column of several tables: a Categorical if all parts are Categoricals of the same
    categories, else an ndarray."""
    first = parts[0]
    if isinstance(first, pd.Categorical) and all(
            isinstance(p, pd.Categorical) and p.categories.equals(first.categories)
            for p in parts):
        return pd.Categorical.from_codes(np.concatenate([p.codes for p in parts]),
                                         dtype=first.dtype)
    return np.concatenate([np.asarray(p) for p in parts])


def stack_columns(tables: Sequence[pd.DataFrame | Columns], reps: Sequence[int],
                  names: Sequence[str] | None = None) -> Columns:
    """The rows of several replications' tables, one after the other, with a ``rep`` column
    (int64) first; ``names`` (default: the first table's columns) in that order."""
    cols = [columns_of(t) for t in tables]
    if names is None:
        names = list(cols[0]) if cols else []
    out: Columns = {"rep": np.repeat(np.asarray(reps, np.int64),
                                     [n_rows(t) for t in tables])}
    for c in names:
        out[c] = _concat([t[c] for t in cols])
    return out


def frame_of(cols: Columns) -> pd.DataFrame:
    """A Columns as the DataFrame the campaign has always given: strings as ``str``."""
    return pd.DataFrame({c: (pd.Series(v).astype(str) if isinstance(v, pd.Categorical)
                             else v) for c, v in cols.items()})


def _arrow(cols: Columns):
    """A Columns as an Arrow table for DuckDB: NaN as NULL (as DuckDB reads pandas' NaN),
    strings as VARCHAR."""
    import pyarrow as pa

    data = {}
    for c, v in cols.items():
        if isinstance(v, pd.Categorical):
            if (v.codes < 0).any():  # a missing value: as pandas converts it to text
                v = np.asarray(v.astype(str), object)
            else:
                cats = pa.array(np.asarray(v.categories, object), pa.string())
                data[c] = pa.DictionaryArray.from_arrays(
                    pa.array(v.codes), cats).cast(pa.string())
                continue
        v = np.asarray(v)
        if v.dtype.kind in "OUS":
            try:
                data[c] = pa.array(v, pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                data[c] = pa.array(v.astype(str), pa.string())
        elif v.dtype.kind == "f":
            data[c] = pa.array(v, from_pandas=True)
        else:
            data[c] = pa.array(v)
    return pa.table(data)


def _now() -> _dt.datetime:
    return _dt.datetime.now()


def _import_duckdb():
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is in the dev extra
        raise AirDefenseError(
            "the results database needs duckdb: pip install 'airdefense[db]'") from None
    return duckdb


class ResultStore:
    """A results database (DuckDB file) opened for reading and writing.

    Parameters
    ----------
    path : str or Path
        The database file; created if missing (unless ``create=False``).
    create : bool, default True
        Create a new database if the file does not exist.
    read_only : bool, default False

    Raises
    ------
    InputFileError
        If the file is not a DuckDB database, is an unrelated DuckDB database, is locked by
        another process, or was written by a newer version.

    Examples
    --------
    >>> with ResultStore("results.duckdb") as db:  # doctest: +SKIP
    ...     db.campaigns()
    """

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False) -> None:
        duckdb = _import_duckdb()
        self.path = str(path)
        self._event_cols: set[str] | None = None
        p = Path(path)
        if p.is_dir():
            raise InputFileError(self.path, "is a folder, not a results database file")
        exists = p.is_file() and p.stat().st_size > 0
        if not exists and not create:
            raise InputFileError(self.path, "no such results database (or an empty file)")
        if exists:
            _check_header(p, self.path)
        elif p.is_file() and not read_only:
            p.unlink()  # an empty file (e.g. from mktemp) counts as new: DuckDB cannot open it
        try:
            # No extension is loaded or fetched behind the user's back (DuckDB would try to
            # download one to read a foreign file).
            self.con = duckdb.connect(self.path, read_only=read_only and exists,
                                      config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})
        except duckdb.Error as exc:
            msg = str(exc)
            if "not a valid DuckDB database" in msg or "not a valid" in msg:
                raise InputFileError(
                    self.path, "is not a DuckDB database (not written by airdefense "
                    "campaign)") from None
            if "Could not set lock" in msg or "Conflicting lock" in msg:
                raise InputFileError(
                    self.path, "is in use by another process (a campaign still running?): "
                    f"{msg.splitlines()[0]}") from None
            raise InputFileError(self.path, f"cannot open the database: "
                                 f"{_db_error_text(exc)}") from None
        self.con = _Connection(self.con, self.path)
        self._check_or_init(exists, read_only)

    # -- schema ------------------------------------------------------------------------------
    def _tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    def _check_or_init(self, exists: bool, read_only: bool) -> None:
        tables = self._tables()
        if "meta" in tables:
            meta = dict(self.con.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") != FORMAT:
                self.close()
                raise InputFileError(
                    self.path, f"is a DuckDB database but not an airdefense results database "
                    f"(meta.format is {meta.get('format')!r}, expected {FORMAT!r})")
            version = str(meta.get("version", "0"))
            if not version.isdigit():
                self.close()
                raise InputFileError(
                    self.path, f"has results format version {version!r}, not a whole number: "
                    "not written by airdefense (or edited by hand)")
            if int(version) > int(VERSION):
                self.close()
                raise InputFileError(
                    self.path, f"was written by a newer airdefense (results format version "
                    f"{meta.get('version')}, this one reads up to {VERSION})")
            if not read_only and "campaigns" in tables:
                # Databases written before campaigns recorded their code.
                self.con.execute(
                    "ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS code_hash VARCHAR")
                self.con.execute("ALTER TABLE campaigns ADD COLUMN IF NOT EXISTS events BOOLEAN")
            return
        if tables:
            self.close()
            raise InputFileError(
                self.path, "is a DuckDB database but not an airdefense results database (it has "
                f"tables {', '.join(sorted(tables))} and no 'meta' table)")
        if read_only:
            return
        for stmt in _SCHEMA:
            self.con.execute(stmt)
        self.con.execute("INSERT INTO meta VALUES ('format', ?), ('version', ?)",
                         [FORMAT, VERSION])

    def close(self) -> None:
        """Close the connection."""
        if getattr(self, "con", None) is not None:
            self.con.close()
            self.con = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- campaigns ---------------------------------------------------------------------------
    def campaigns(self) -> pd.DataFrame:
        """Every campaign, with the number of finished replications (``done``)."""
        if "campaigns" not in self._tables():
            return pd.DataFrame(columns=["campaign_id", "scenario_name", "runs", "done"])
        return self.con.execute(
            """SELECT c.*, COALESCE(r.done, 0) AS done FROM campaigns c
               LEFT JOIN (SELECT campaign_id, count(*) AS done FROM replications
                          GROUP BY campaign_id) r USING (campaign_id)
               ORDER BY c.created_at, c.campaign_id""").df()

    def campaign(self, campaign_id: str) -> dict[str, Any]:
        """One campaign's row as a dict.

        Raises
        ------
        AirDefenseError
            If there is no such campaign; the message lists those there are.
        """
        df = self.campaigns()
        row = df[df.campaign_id == campaign_id]
        if row.empty:
            # Accept a unique prefix of an id.
            row = df[df.campaign_id.str.startswith(str(campaign_id))]
            if len(row) > 1:
                raise AirDefenseError(
                    f"{self.path}: campaign {campaign_id!r} is ambiguous: it begins "
                    f"{', '.join(row.campaign_id)}; give more of the id")
            if row.empty:
                have = ", ".join(df.campaign_id) or "none"
                raise AirDefenseError(
                    f"{self.path}: no campaign {campaign_id!r}; campaigns there: {have}")
        return row.iloc[0].to_dict()

    def done_reps(self, campaign_id: str) -> set[int]:
        """Indices of the finished replications of a campaign."""
        rows = self.con.execute("SELECT rep FROM replications WHERE campaign_id = ?",
                                [campaign_id]).fetchall()
        return {int(r[0]) for r in rows}

    def begin(self, info: CampaignInfo, *, resume: bool) -> set[int]:
        """Register a campaign (or find it, to resume) and return its finished replications.

        Parameters
        ----------
        info : CampaignInfo
        resume : bool
            Continue the campaign if the database holds it.

        Returns
        -------
        set of int
            Replications already finished (empty for a new campaign).

        Raises
        ------
        AirDefenseError
            Without ``resume``, if the campaign is already there with some replication done;
            with ``resume``, if the database holds campaigns but none of this scenario and seed,
            or if this campaign's finished replications were run by other code.
        """
        df = self.campaigns()
        mine = df[df.campaign_id == info.campaign_id]
        if not mine.empty:
            row = mine.iloc[0]
            if row.campaign_hash != info.campaign_hash:  # pragma: no cover - 48-bit collision
                raise AirDefenseError(f"{self.path}: campaign id {info.campaign_id} collides")
            # A campaign with nothing done (stopped before its first run: no worker, no
            # cluster) starts again without --resume.
            if not resume and int(row.done) > 0:
                raise AirDefenseError(
                    f"{self.path}: already holds campaign {info.campaign_id} of scenario "
                    f"{info.scenario_name!r} with seed {info.seed} ({int(row.done)} of "
                    f"{int(row.runs)} replications done); use --resume to continue it, or "
                    "choose another --db")
            old = row.get("code_hash")
            if (int(row.done) > 0 and info.code_hash is not None and isinstance(old, str)
                    and old != info.code_hash):
                raise AirDefenseError(
                    f"{self.path}: cannot resume campaign {info.campaign_id}: its "
                    f"{int(row.done)} replications were run by other airdefense code (code "
                    f"{old[:12]}, version {row.get('version')}), this is code "
                    f"{info.code_hash[:12]} (version {_version()}); results of two codes would "
                    "mix in one campaign. Choose another --db to run it again with this code")
            kept = row.get("events")
            kept = bool(kept) if isinstance(kept, (bool, np.bool_)) else None
            if int(row.done) > 0 and info.events is not None and kept not in (None,
                                                                               info.events):
                had, asked = ("with", "without") if kept else ("without", "with")
                how = ("without --no-events (events=True)" if kept
                       else "with --no-events (events=False)")
                raise AirDefenseError(
                    f"{self.path}: cannot resume campaign {info.campaign_id}: its "
                    f"{int(row.done)} replications were run {had} event logs, this run asks "
                    f"{asked}; resume it {how} as before, so that its logs are all there or "
                    "none")
            if info.events is not None and (int(row.done) == 0 or kept is None):
                self.con.execute("UPDATE campaigns SET events = ? WHERE campaign_id = ?",
                                 [info.events, info.campaign_id])
            self._drop_partial(info.campaign_id)
            if info.code_hash is not None and (int(row.done) == 0 or not isinstance(old, str)):
                # Nothing done yet, or done before campaigns recorded their code: the code
                # that runs from now on is the campaign's.
                self.con.execute("UPDATE campaigns SET code_hash = ?, version = ? "
                                 "WHERE campaign_id = ?",
                                 [info.code_hash, _version(), info.campaign_id])
            if info.runs > int(row.runs):
                self.con.execute("UPDATE campaigns SET runs = ? WHERE campaign_id = ?",
                                 [info.runs, info.campaign_id])
            return self.done_reps(info.campaign_id)
        if resume and not df.empty and info.sweep_id is None:
            same = df[df.scenario_hash == info.scenario_hash]
            if same.empty:
                have = "; ".join(f"{r.campaign_id} (scenario {r.scenario_name!r}, hash "
                                 f"{r.scenario_hash[:12]})" for r in df.itertuples())
                raise AirDefenseError(
                    f"{self.path}: cannot resume: this database was written by another "
                    f"scenario. This is {info.scenario_name!r} (hash "
                    f"{info.scenario_hash[:12]}); the database holds {have}. Choose the right "
                    "scenario or --db, or drop --resume to add a new campaign")
            alone = same[same.sweep_id.isna()]
            if alone.empty:
                raise AirDefenseError(
                    f"{self.path}: cannot resume: it holds scenario {info.scenario_name!r} only "
                    "as points of a sweep (resume those with `airdefense sweep ... --resume`); "
                    "drop --resume to add a new campaign")
            seeded = alone[alone.seed == str(info.seed)]
            if seeded.empty:
                seeds = ", ".join(sorted({str(s) for s in alone.seed}))
                raise AirDefenseError(
                    f"{self.path}: cannot resume: it holds scenario {info.scenario_name!r} with "
                    f"seed {seeds}, not seed {info.seed}; pass the same --seed, or drop --resume "
                    "to add a new campaign")

            def how(tracking, solver) -> str:
                return (f"tracking {tracking or 'as in the scenario'}, "
                        f"solver {solver or 'as in the scenario'}")

            have = "; ".join(sorted({how(None if pd.isna(r.tracking) else r.tracking,
                                         None if pd.isna(r.solver) else r.solver)
                                     for r in seeded.itertuples()}))
            raise AirDefenseError(
                f"{self.path}: cannot resume: it holds scenario {info.scenario_name!r} with seed "
                f"{info.seed} run with {have}, not with {how(info.tracking, info.solver)}; pass "
                "the same --tracking/--solver, or drop --resume to add a new campaign")
        self.con.execute(
            "INSERT INTO campaigns (campaign_id, scenario_name, scenario_hash, campaign_hash, "
            "seed, runs, tracking, solver, source, config_json, sweep_id, point_json, "
            "created_at, version, code_hash, events) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [info.campaign_id, info.scenario_name, info.scenario_hash, info.campaign_hash,
             str(info.seed), info.runs, info.tracking, info.solver, info.source,
             info.config_json, info.sweep_id, info.point_json, _now(), _version(),
             info.code_hash, info.events])
        return set()

    def _drop_partial(self, campaign_id: str) -> None:
        # Rows of a replication without its `replications` row cannot exist (one transaction
        # per batch), but remove any to be safe.
        done = "(SELECT rep FROM replications WHERE campaign_id = ?)"
        self.con.execute("BEGIN TRANSACTION")
        for t in ("summaries", "expenditure", "outcomes") + (
                ("events",) if "events" in self._tables() else ()):
            self.con.execute(f"DELETE FROM {t} WHERE campaign_id = ? AND rep NOT IN {done}",
                             [campaign_id, campaign_id])
        self.con.execute("COMMIT")

    def add_sweep(self, sweep_id: str, scenario_hash: str, vary: dict[str, list]) -> None:
        """Register a sweep (once; a resumed sweep keeps its row)."""
        if self.con.execute("SELECT 1 FROM sweeps WHERE sweep_id = ?", [sweep_id]).fetchone():
            return
        self.con.execute("INSERT INTO sweeps VALUES (?, ?, ?, ?)",
                         [sweep_id, scenario_hash, json.dumps(vary, default=str), _now()])

    # -- writing -----------------------------------------------------------------------------
    def write(self, campaign_id: str, results: Sequence[RepResult]) -> None:
        """Write finished replications in one transaction.

        Parameters
        ----------
        campaign_id : str
        results : sequence of RepResult
        """
        if not results:
            return
        # One Arrow table per table for the whole batch, the campaign id and the time as
        # constants of the INSERT: no pandas frame per replication.
        reps = [int(r.rep) for r in results]
        quantities = [list(r.summary) for r in results]
        summ = {"rep": np.repeat(np.asarray(reps, np.int32), [len(q) for q in quantities]),
                "quantity": np.array([k for q in quantities for k in q], object),
                "value": np.array([float(v) for r in results for v in r.summary.values()],
                                  float)}
        tables = [("summaries", summ)]
        for table, attr, cols in (("expenditure", "expenditure", _EXP_COLS),
                                  ("outcomes", "outcomes", _OUT_COLS)):
            have = [r for r in results if n_rows(getattr(r, attr))]
            if have:
                tables.append((table, stack_columns([getattr(r, attr) for r in have],
                                                    [r.rep for r in have], cols)))
        have = [r for r in results if n_rows(r.events)]
        tables.append(("replications", {
            "rep": np.asarray(reps, np.int32),
            "seed_key": np.array([r.seed_key for r in results], object),
            "wall_s": np.array([float(r.wall_s) for r in results], float)}))
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for table, cols in tables[:-1]:
                self._insert(table, cols, campaign_id)
            if have:
                self._write_events(stack_columns([r.events for r in have],
                                                 [r.rep for r in have]), campaign_id)
            self._insert(*tables[-1], campaign_id, finished_at=_now())
            con.execute("COMMIT")
        except BaseException:  # Ctrl-C between two inserts too: no half-written batch stays open
            # The rollback also undoes an events table created or widened in the batch.
            self._event_cols = None
            try:
                con.execute("ROLLBACK")
            except InputFileError:  # no transaction left to roll back (it had committed)
                pass
            raise

    def _insert(self, table: str, cols: Columns, campaign_id: str, **const: Any) -> None:
        if not n_rows(cols):
            return
        con = self.con
        con.register("_batch", _arrow(cols))
        extra = "".join(f", ? AS {k}" for k in const)
        con.execute(f"INSERT INTO {table} BY NAME SELECT ? AS campaign_id{extra}, * "
                    "FROM _batch", [campaign_id, *const.values()])
        con.unregister("_batch")

    def _write_events(self, ev: Columns, campaign_id: str) -> None:
        con = self.con
        con.register("_ev", _arrow(ev))
        if self._event_cols is None:
            if "events" not in self._tables():
                con.execute("CREATE TABLE events AS SELECT CAST(NULL AS VARCHAR) AS campaign_id, "
                            "* FROM _ev LIMIT 0")
            self._event_cols = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name='events'"
            ).fetchall()}
        for c in ev:
            if c not in self._event_cols:  # the event log gained a column: add it
                typ = con.execute(f'SELECT typeof("{c}") FROM _ev LIMIT 1').fetchone()[0]
                con.execute(f'ALTER TABLE events ADD COLUMN "{c}" {typ}')
                self._event_cols.add(c)
        con.execute("INSERT INTO events BY NAME SELECT ? AS campaign_id, * FROM _ev",
                    [campaign_id])
        con.unregister("_ev")

    # -- reading -----------------------------------------------------------------------------
    def replications(self, campaign_id: str) -> pd.DataFrame:
        """``rep, seed_key, wall_s, finished_at`` of the finished replications, by rep."""
        return _rep64(self.con.execute(
            "SELECT rep, seed_key, wall_s, finished_at FROM replications WHERE campaign_id = ? "
            "ORDER BY rep", [campaign_id]).df())

    def summaries(self, campaign_id: str) -> pd.DataFrame:
        """Wide table: one row per finished replication (``rep``), one column per quantity."""
        long = self.con.execute(
            "SELECT s.rep, s.quantity, s.value FROM summaries s JOIN replications r "
            "USING (campaign_id, rep) WHERE campaign_id = ?", [campaign_id]).df()
        return _wide(_rep64(long))

    def table(self, name: str, campaign_id: str, reps: Iterable[int] | None = None
              ) -> pd.DataFrame:
        """Rows of ``expenditure``, ``outcomes`` or ``events`` for one campaign, by rep."""
        if name not in ("expenditure", "outcomes", "events"):
            raise AirDefenseError(f"no table {name!r}: expected expenditure, outcomes or events")
        if name not in self._tables():
            return pd.DataFrame()
        q = f"SELECT * EXCLUDE (campaign_id) FROM {name} WHERE campaign_id = ?"
        args: list[Any] = [campaign_id]
        if reps is not None:
            reps = [int(r) for r in reps]
            q += f" AND rep IN ({', '.join('?' * len(reps))})" if reps else " AND FALSE"
            args += reps
        order = ", seq" if name == "events" else ""
        return _rep64(self.con.execute(q + f" ORDER BY rep{order}", args).df())

    def sweep_points(self, sweep_id: str) -> pd.DataFrame:
        """The campaigns of a sweep with their grid point (one column per varied path)."""
        df = self.campaigns()
        df = df[df.sweep_id == sweep_id]
        pts = pd.DataFrame([json.loads(p) for p in df.point_json], index=df.index)
        return pd.concat([df[["campaign_id", "runs", "done"]], pts], axis=1)

    def sweeps(self) -> pd.DataFrame:
        """Every sweep: id, scenario hash, varied paths (JSON) and creation time."""
        return self.con.execute("SELECT * FROM sweeps ORDER BY created_at").df()


#: Bytes 8-11 of every DuckDB database file.
_DUCKDB_MAGIC = b"DUCK"


def _check_header(p: Path, name: str) -> None:
    """Refuse a non-empty file that is not a DuckDB database before DuckDB opens it (DuckDB
    would take a SQLite file for one to attach through an extension)."""
    with open(p, "rb") as f:
        head = f.read(16)
    if head[8:12] == _DUCKDB_MAGIC:
        return
    what = " (it is a SQLite database)" if head.startswith(b"SQLite format 3") else ""
    raise InputFileError(name, f"is not a DuckDB database{what}: an airdefense results "
                         "database is a DuckDB file written by `airdefense campaign`")


def _db_error_text(exc: Exception) -> str:
    """The first line of a DuckDB error, with what to do about a damaged file."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "corrupt" in first.lower() or "checksum" in first.lower():
        first += " (the file is damaged: restore it, or run the campaign again into a new file)"
    return first


class _Connection:
    """A DuckDB connection whose errors name the file: a corrupt or unreadable database gives
    an :class:`~airdefense.errors.InputFileError`, not DuckDB's own exception."""

    def __init__(self, con, path: str) -> None:
        self._con = con
        self._path = path
        self._error = _import_duckdb().Error

    def _fail(self, exc: Exception) -> InputFileError:
        return InputFileError(self._path, f"database error: {_db_error_text(exc)}")

    def execute(self, *args, **kwargs) -> _Connection:
        try:
            self._con.execute(*args, **kwargs)
        except self._error as exc:
            raise self._fail(exc) from None
        return self

    def _fetch(self, name: str):
        try:
            return getattr(self._con, name)()
        except self._error as exc:
            raise self._fail(exc) from None

    def df(self) -> pd.DataFrame:
        return self._fetch("df")

    def fetchall(self) -> list:
        return self._fetch("fetchall")

    def fetchone(self):
        return self._fetch("fetchone")

    def register(self, name: str, df) -> None:
        self._con.register(name, df)

    def unregister(self, name: str) -> None:
        self._con.unregister(name)

    def close(self) -> None:
        self._con.close()


def _rep64(df: pd.DataFrame) -> pd.DataFrame:
    if "rep" in df:
        df["rep"] = df["rep"].astype("int64")
    return df


def _wide(long: pd.DataFrame) -> pd.DataFrame:
    if long.empty:
        return pd.DataFrame(columns=["rep"])
    wide = long.pivot(index="rep", columns="quantity", values="value").sort_index()
    wide.columns.name = None
    wide = wide.reset_index()
    return wide[["rep", *order_quantities(c for c in wide.columns if c != "rep")]]


#: The order of the summary's scalars (as in :func:`airdefense.results.summary.summarize`).
QUANTITY_ORDER = [
    "threats_launched", "intercepted", "leaked", "interceptors_fired", "defence_cost",
    "attack_cost", "value_lost", "value_at_risk", "value_saved", "cost_exchange",
    "batteries_disabled", "orders_refused", "solver_clock_stops", "munitions_released",
    "munitions_cancelled", "platforms_returned",
]


def order_quantities(names: Iterable[str]) -> list[str]:
    """Sort quantity names: the summary's own order first, then any others by name."""
    names = list(names)
    known = [q for q in QUANTITY_ORDER if q in names]
    return known + sorted(q for q in names if q not in QUANTITY_ORDER)


def _version() -> str:
    from airdefense import __version__

    return __version__
