"""What runs in a worker: one replication from a picklable scenario spec.

Module-level functions only, so that ``spawn`` process pools and Ray can import them.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from airdefense.results.store import RepResult, columns_of, n_rows
from airdefense.scenario.loader import Scenario, scenario_from_dict

__all__ = ["ScenarioSpec", "spec_of", "scenario_hash", "code_hash", "replication_seed",
           "run_replication", "run_task", "init_worker"]

#: The package's parts whose code decides a replication's result (the CLI, the campaign
#: runner's scheduling, the reports and the viewer do not), relative to the package folder:
#: this module too (a replication's seed and what it keeps).
CODE_PARTS = ("assignment", "c2", "catalog", "data", "engagement", "scenario", "sensors",
              "simulation", "threats", "tracking", "results/summary.py", "geo.py",
              "terrain.py", "_model.py", "_yaml.py", "errors.py", "campaign/_worker.py")
#: Libraries whose version can change a replication's numbers (random streams, compiled
#: arithmetic, the exact solver).
CODE_LIBRARIES = ("numpy", "numba", "scipy", "highspy")


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario as written plus where it came from: enough to rebuild it in a worker.

    Attributes
    ----------
    raw : dict
        The scenario mapping as written (after any edits).
    source : str
        Name for error messages (the file, or ``<dict>``).
    base_dir : str or None
        Absolute folder that relative file names (catalogs, terrain) are resolved against.
    """

    raw: dict
    source: str
    base_dir: str | None = None

    def load(self) -> Scenario:
        """Validate and resolve the scenario."""
        base = Path(self.base_dir) if self.base_dir else None
        return scenario_from_dict(copy.deepcopy(self.raw), self.source, base_dir=base)


def spec_of(sc: Scenario, base_dir: str | Path | None = None) -> ScenarioSpec:
    """Return the spec of a loaded scenario (its folder is its source file's, if it has one)."""
    if base_dir is None and sc.source and Path(sc.source).is_file():
        base_dir = Path(sc.source).resolve().parent
    elif base_dir is None:
        base_dir = Path.cwd()
    return ScenarioSpec(sc.to_dict(), sc.source or "<dict>", str(Path(base_dir).resolve()))


def _catalog_dump(sc: Scenario) -> dict:
    out = {}
    for sec in ("threats", "sensors", "launchers", "interceptors"):
        try:
            items = sc.catalog.section(sec)
        except Exception:  # pragma: no cover - a section the catalog lacks
            continue
        out[sec] = {k: p.model_dump(mode="json") for k, p in sorted(items.items())}
    return out


def scenario_hash(sc: Scenario) -> tuple[str, str]:
    """SHA-256 of the canonical validated configuration and the presets; and that JSON.

    The configuration is dumped with every default filled in and keys sorted, so two files
    that differ only in layout, comments, description or spelled-out defaults hash the same.
    The seed is part of the configuration but not of this hash: campaigns hash it separately.
    A terrain grid's values and placement are hashed too (two files of one name differ).
    """
    cfg = sc.config.model_dump(mode="json")
    cfg.pop("seed", None)
    cfg.pop("description", None)  # prose only
    text = json.dumps(cfg, sort_keys=True, separators=(",", ":"), default=str)
    cat = json.dumps(_catalog_dump(sc), sort_keys=True, separators=(",", ":"), default=str)
    h = hashlib.sha256((text + "\n" + cat).encode())
    ter = getattr(sc, "terrain", None)
    if ter is not None:  # the grid's contents, not only its file name
        grid = np.ascontiguousarray(ter.grid, dtype=float)
        h.update(json.dumps([ter.crs, float(ter.x0), float(ter.y0), float(ter.dx),
                             float(ter.dy), list(grid.shape)]).encode())
        h.update(grid.tobytes())
    return h.hexdigest(), text


@functools.cache
def code_hash() -> str:
    """SHA-256 of the source that runs a replication (:data:`CODE_PARTS`) and of the versions
    of :data:`CODE_LIBRARIES`, hex.

    Two installations with the same sources and libraries give the same hash; any edit of a
    model's code or of the built-in catalog, or another numpy or numba, changes it, so a
    campaign is not resumed by other code.
    """
    from importlib import metadata

    root = Path(__file__).resolve().parents[1]
    files: list[Path] = []
    for part in CODE_PARTS:
        p = root / part
        files += ([p] if p.is_file() else
                  [f for f in p.rglob("*") if f.suffix in (".py", ".yaml")
                   and "__pycache__" not in f.parts])
    h = hashlib.sha256()
    for lib in CODE_LIBRARIES:
        try:
            version = metadata.version(lib)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{lib}=={version}\0".encode())
    for f in sorted(files):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def replication_seed(seed: int, rep: int) -> np.random.SeedSequence:
    """Seed of replication ``rep``: the same as ``SeedSequence(seed).spawn(runs)[rep]``."""
    return np.random.SeedSequence(seed, spawn_key=(rep,))


def run_replication(sc: Scenario, seed: int, rep: int, *, tracking: str | None = None,
                    solver: str | None = None, events: bool = True) -> RepResult:
    """Simulate replication ``rep`` of a campaign and return its compact result.

    Parameters
    ----------
    sc : Scenario
    seed : int
        The campaign's root seed.
    rep : int
        Replication index.
    tracking, solver : str, optional
        Overrides passed to :func:`airdefense.simulate`.
    events : bool, default True
        Keep the event log.

    Returns
    -------
    RepResult
    """
    from airdefense.simulation.loop import _simulate

    t0 = time.perf_counter()
    # simulate() without the result's tables: a replication keeps only the summary and the
    # event log's columns (the same numbers).
    res = _simulate(sc, replication_seed(seed, rep), tracking, solver, tables=False)
    wall = time.perf_counter() - t0
    s = res["summary"]
    scalars = {k: float(v) for k, v in s.items()
               if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)}
    ev = None
    if events:
        cols = res["events"].columns()
        ev = {"seq": np.arange(len(cols["time_s"]), dtype=np.int64),  # order within the log
              **cols}
        if "kind" in ev and not isinstance(ev["kind"], pd.Categorical):
            ev["kind"] = _strings(ev["kind"])
    return RepResult(rep=int(rep), seed_key=f"{seed}/{rep}", wall_s=wall, summary=scalars,
                     expenditure=_table(s.get("by_interceptor"), _EXP_COLS),
                     outcomes=_table(s.get("by_type"), _OUT_COLS, ("kind", "preset")),
                     events=ev)


_EXP_COLS = ("type", "fired", "hits", "cost")
_OUT_COLS = ("kind", "preset", "launched", "intercepted", "leaked", "other")


def _strings(v) -> np.ndarray:
    return np.asarray(v).astype(str).astype(object)


def _table(df: pd.DataFrame | dict | None, cols: tuple[str, ...], text: tuple[str, ...] = ()
           ) -> dict:
    """The columns ``cols`` of a summary table (a DataFrame or a dict of its columns),
    ``text`` ones as strings (empty: no rows)."""
    if df is None or not n_rows(df):
        return {}
    out = columns_of(df, cols)
    for c in text:
        out[c] = _strings(out[c])
    return out


_CACHE: dict[str, Scenario] = {}


def init_worker(spec: ScenarioSpec | None = None, parent_pid: int | None = None) -> None:
    """Process-pool initializer: load the scenario once per worker process.

    With ``parent_pid``, the worker ends itself once that process is gone (a campaign killed
    with SIGKILL leaves no orphan worker running on).
    """
    if parent_pid is not None:
        _watch_parent(parent_pid)
    if spec is not None:
        _scenario(spec)


def _watch_parent(parent_pid: int, period_s: float = 1.0) -> None:
    import os
    import threading

    def watch() -> None:
        while True:
            time.sleep(period_s)
            if os.getppid() != parent_pid:  # re-parented: the campaign process died
                os._exit(1)

    threading.Thread(target=watch, name="airdefense-parent-watch", daemon=True).start()


def _scenario(spec: ScenarioSpec) -> Scenario:
    key = hashlib.sha256(json.dumps([spec.raw, spec.source, spec.base_dir], sort_keys=True,
                                    default=str).encode()).hexdigest()
    sc = _CACHE.get(key)
    if sc is None:
        if len(_CACHE) > 16:  # a long sweep: keep memory bounded
            _CACHE.clear()
        sc = _CACHE[key] = spec.load()
    return sc


def run_task(spec: ScenarioSpec, seed: int, rep: int, tracking: str | None,
             solver: str | None, events: bool) -> RepResult:
    """Run one replication in a worker, loading (and caching) the scenario from its spec."""
    return run_replication(_scenario(spec), seed, rep, tracking=tracking, solver=solver,
                           events=events)


def run_tasks(spec: ScenarioSpec, seed: int, reps: list[int], tracking: str | None,
              solver: str | None, events: bool) -> list[RepResult]:
    """Run several replications in a worker (one task, less overhead for short runs)."""
    return [run_task(spec, seed, r, tracking, solver, events) for r in reps]
