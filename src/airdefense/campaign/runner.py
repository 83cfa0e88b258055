"""Monte Carlo campaigns: N seeded replications of one scenario, locally or on Ray.

Replication ``i`` of a campaign with root seed ``s`` simulates with
``np.random.SeedSequence(s).spawn(runs)[i]``, so its result depends only on ``(scenario, s, i)``:
the same seed gives the same per-replication summaries with any number of workers and with
either backend, and a resumed campaign equals an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from airdefense.campaign._progress import Progress
from airdefense.campaign._worker import (
    ScenarioSpec,
    code_hash,
    init_worker,
    run_replication,
    run_tasks,
    scenario_hash,
    spec_of,
)
from airdefense.errors import AirDefenseError
from airdefense.results.store import (
    CampaignInfo,
    RepResult,
    ResultStore,
    frame_of,
    n_rows,
    order_quantities,
    stack_columns,
)
from airdefense.scenario.loader import Scenario, load_scenario

__all__ = ["run_campaign", "CampaignResult", "BACKENDS", "campaign_info", "prepare",
           "check_tracking", "MAX_RUNS"]

BACKENDS = ("local", "ray")
#: Most replications one campaign may run.
MAX_RUNS = 1_000_000


@dataclass
class CampaignResult:
    """The result of a campaign, as tidy pandas tables.

    Attributes
    ----------
    campaign_id : str
        Id in the results database (first 12 hex digits of the campaign hash).
    scenario : str
        Scenario name.
    seed : int
        Root seed.
    runs : int
        Replications asked for.
    replications : DataFrame
        One row per finished replication: ``rep, seed_key, wall_s``.
    summaries : DataFrame
        One row per replication: ``rep`` and one column per scalar of the run summary
        (``leaked``, ``interceptors_fired``, ``cost_exchange``, ``value_lost``, ...).
    expenditure : DataFrame
        Interceptors by type per replication: ``rep, type, fired, hits, cost``.
    outcomes : DataFrame
        Threats by type per replication: ``rep, kind, preset, launched, intercepted, leaked,
        other``.
    db : str or None
        The results database, if any.
    info : CampaignInfo
    """

    campaign_id: str
    scenario: str
    seed: int
    runs: int
    replications: pd.DataFrame
    summaries: pd.DataFrame
    expenditure: pd.DataFrame
    outcomes: pd.DataFrame
    db: str | None = None
    info: CampaignInfo | None = None
    _events: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def events(self) -> pd.DataFrame:
        """Event logs of every replication (``rep`` plus the event columns).

        Read from the database on first use when the campaign has one; empty when the
        campaign was run with ``events=False``.
        """
        if self._events is None:
            if self.db is None:
                return pd.DataFrame()
            with ResultStore(self.db, create=False, read_only=True) as st:
                ev = st.table("events", self.campaign_id)
            self._events = ev[ev.rep < self.runs] if len(ev) else ev
        return self._events

    def stats(self, level: float = 0.95):
        """Statistics of the campaign: means with confidence intervals, distributions,
        P(zero leakers) and convergence (see :class:`airdefense.results.stats.CampaignStats`).
        """
        from airdefense.results.stats import campaign_stats

        return campaign_stats(self.summaries, self.expenditure, level=level)

    def __len__(self) -> int:
        return len(self.summaries)


def _to_scenario(scenario: Scenario | str | Path | dict) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def campaign_info(sc: Scenario, seed: int, runs: int, tracking: str | None = None,
                  solver: str | None = None, sweep_id: str | None = None,
                  point: dict | None = None, events: bool | None = None) -> CampaignInfo:
    """Identify a campaign: hash of the canonical scenario configuration and of the seed."""
    shash, cfg_json = scenario_hash(sc)
    import hashlib

    # A sweep's point is a campaign of its own, apart from an equal standalone campaign (or an
    # equal point of another sweep): each sweep finds its points again when resumed.
    fields = {"scenario": shash, "seed": int(seed), "tracking": tracking, "solver": solver}
    if sweep_id is not None:
        fields["sweep"] = sweep_id
    key = json.dumps(fields, sort_keys=True)
    chash = hashlib.sha256(key.encode()).hexdigest()
    return CampaignInfo(
        campaign_id=chash[:12], scenario_name=sc.name, scenario_hash=shash,
        campaign_hash=chash, seed=int(seed), runs=int(runs), tracking=tracking, solver=solver,
        source=sc.source, config_json=cfg_json, sweep_id=sweep_id,
        point_json=None if point is None else json.dumps(point, default=str),
        code_hash=code_hash(), events=events)


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int,)) and not (
            hasattr(value, "__index__")):
        raise AirDefenseError(f"{name} must be an integer >= {low}, got {value!r}")
    value = int(value)
    if value < low:
        raise AirDefenseError(f"{name} must be >= {low}, got {value}")
    return value


def check_tracking(tracking: str | None) -> None:
    """Refuse a tracking mode other than None (the scenario's) or one the scenario allows."""
    import typing

    from airdefense.scenario.model import ScenarioConfig

    allowed = typing.get_args(ScenarioConfig.model_fields["tracking"].annotation)
    if tracking is not None and tracking not in allowed:
        raise AirDefenseError(f"tracking must be one of {', '.join(map(repr, allowed))} (or None "
                              f"for the scenario's own), got {tracking!r}")


def prepare(runs: int, seed: int | None, workers: int, backend: str, sc: Scenario) -> tuple:
    """Check the campaign's arguments; return ``(runs, seed, workers)``."""
    runs = _check_int("runs", runs, 1)
    if runs > MAX_RUNS:
        raise AirDefenseError(f"runs must be <= {MAX_RUNS:,}, got {runs:,}: a campaign lists its "
                              "replications in memory and in the results database (a million "
                              "replications is already days of CPU); split it into campaigns "
                              "with different seeds")
    workers = _check_int("workers", workers, 1)
    seed = sc.seed if seed is None else _check_int("seed", seed, 0)
    if backend not in BACKENDS:
        raise AirDefenseError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    return runs, seed, workers


def run_campaign(scenario: Scenario | str | Path | dict, runs: int, seed: int | None = None, *,
                 workers: int = 1, backend: str = "local", address: str | None = None,
                 db: str | Path | None = None, resume: bool = False,
                 tracking: str | None = None, solver: str | None = None,
                 events: bool = True, progress: bool = False, batch: int | None = None,
                 commit_interval_s: float = 2.0,
                 _sweep: tuple[str, dict] | None = None,
                 _on_result: Callable[[RepResult], None] | None = None,
                 _executor: Any = None) -> CampaignResult:
    """Run ``runs`` seeded replications of a scenario and collect their results.

    Parameters
    ----------
    scenario : Scenario, path or dict
    runs : int
        Number of replications (>= 1).
    seed : int, optional
        Root seed (>= 0); defaults to the scenario's ``seed``. Replication ``i`` uses
        ``np.random.SeedSequence(seed).spawn(runs)[i]``.
    workers : int, default 1
        Worker processes (local backend; 1 runs in this process) or CPUs to start a local
        Ray instance with (ray backend, when no cluster is running).
    backend : {"local", "ray"}, default "local"
    address : str, optional
        Ray cluster address (``"auto"`` for the running cluster); ray backend only.
    db : path, optional
        DuckDB results database; replications are written to it as they finish.
    resume : bool, default False
        Continue the same campaign (same scenario, seed, tracking and solver) found in ``db``:
        finished replications are kept and not run again.
    tracking, solver : str, optional
        Overrides of the scenario's tracking mode and assignment solver.
    events : bool, default True
        Keep the event log of every replication.
    progress : bool, default False
        Draw a progress bar with an ETA on stderr.
    batch : int, optional
        Replications per task sent to a worker (default: about 25 tasks per worker, i.e. 4
        replications a task per hundred replications and worker, at most 8, fewer towards
        the end: :func:`chunks`).
    commit_interval_s : float, default 2
        Finished replications are committed to ``db`` together, at most this often (s); a
        replication that finishes after a commit waits at most this long for the next. A
        campaign killed in between loses only those uncommitted runs, which ``resume`` runs
        again; 0 commits every replication as it arrives. A commit costs about 20 ms of this
        process's time plus about 2 ms a replication, time taken from the workers on a machine
        with no spare core.

    Returns
    -------
    CampaignResult

    Raises
    ------
    AirDefenseError
        For bad arguments, a database that is not an airdefense results database, or one that
        holds another scenario's campaigns when resuming.

    Examples
    --------
    >>> res = run_campaign("examples/01_drone_wave.yaml", 20, seed=1)  # doctest: +SKIP
    >>> res.stats().table.loc["leaked"]  # doctest: +SKIP
    """
    check_tracking(tracking)
    sc = _to_scenario(scenario)
    runs, seed, workers = prepare(runs, seed, workers, backend, sc)
    if resume and db is None:
        raise AirDefenseError("resume needs a results database (db=... / --db FILE)")
    if address is not None and backend != "ray":
        raise AirDefenseError(f"address {address!r} is for the ray backend; "
                              "pass backend='ray' (--backend ray)")
    sweep_id, point = _sweep if _sweep else (None, None)
    info = campaign_info(sc, seed, runs, tracking, solver, sweep_id, point, bool(events))
    store = ResultStore(db) if db is not None else None
    collected: list[RepResult] = []
    try:
        done = store.begin(info, resume=resume) if store else set()
        todo = [i for i in range(runs) if i not in done]
        bar = Progress(runs, len([d for d in done if d < runs]),
                       label=f"campaign {info.campaign_id}", enabled=progress)
        pending: list[RepResult] = []
        last = [time.perf_counter() - commit_interval_s]

        def flush(again: bool = False) -> None:
            if again and store is not None and pending:
                # After an interruption inside the last write: what it committed is not
                # written twice.
                done_now = store.done_reps(info.campaign_id)
                pending[:] = [r for r in pending if r.rep not in done_now]
            if not pending:
                return
            if store is not None:
                store.write(info.campaign_id, pending)
            else:
                collected.extend(pending)
            n = len(pending)
            pending.clear()  # before drawing: a Ctrl-C in the bar must not write them again
            last[0] = time.perf_counter()
            bar.update(n)

        try:
            for chunk in _iterate(sc, seed, todo, workers, backend, address, tracking, solver,
                                  events, batch, _executor):
                pending.extend(chunk)
                if _on_result is not None:
                    for r in chunk:
                        _on_result(r)
                if time.perf_counter() - last[0] >= commit_interval_s:
                    flush()
        except BaseException as stop:
            # Commit what finished even when stopped by an error or Ctrl-C; the stop is what
            # is reported, with a note if that commit failed too.
            try:
                flush(again=True)
            except Exception as exc:
                stop.add_note(f"the last {len(pending)} finished replications could not be "
                              f"written ({exc}); --resume runs them again")
            raise
        else:
            flush(again=True)
        finally:
            bar.close()
        if store is not None:
            return _from_store(store, info, runs)
        return _from_memory(info, runs, collected, events)
    finally:
        if store is not None:
            store.close()


def _iterate(sc: Scenario, seed: int, todo: list[int], workers: int, backend: str,
             address: str | None, tracking: str | None, solver: str | None, events: bool,
             batch: int | None, executor: Any = None) -> Iterator[list[RepResult]]:
    if not todo:
        return iter(())
    if backend == "ray":
        from airdefense.campaign._ray import iterate_ray

        return iterate_ray(spec_of(sc), seed, todo, workers, address, tracking, solver, events,
                           batch)
    if workers == 1:
        return ([run_replication(sc, seed, i, tracking=tracking, solver=solver, events=events)]
                for i in todo)
    return _iterate_pool(spec_of(sc), seed, todo, workers, tracking, solver, events, batch,
                         executor)


def chunks(todo: list[int], workers: int, batch: int | None) -> list[list[int]]:
    """Split replication indices into tasks of ``batch`` replications, in order.

    The default is small, for a smooth bar: about 25 tasks per worker (4 replications a task
    per hundred replications and worker), at most 8 replications a task, and shrinking towards
    the end (at most an eighth of what is left per worker), so
    that the workers finish together rather than one waiting for the other's last long task.
    """
    if batch is not None:
        return [todo[i:i + batch] for i in range(0, len(todo), batch)]
    top = max(1, min(8, math.ceil(len(todo) / (25 * workers))))
    out: list[list[int]] = []
    i = 0
    while i < len(todo):
        size = max(1, min(top, math.ceil((len(todo) - i) / (8 * workers))))
        out.append(todo[i:i + size])
        i += size
    return out


def _iterate_pool(spec: ScenarioSpec, seed: int, todo: list[int], workers: int,
                  tracking: str | None, solver: str | None, events: bool,
                  batch: int | None, executor: Any = None) -> Iterator[list[RepResult]]:
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    tasks = chunks(todo, workers, batch)
    ex = executor or new_pool(min(workers, len(tasks)), spec)
    try:
        pending: set = set()
        nxt = 0
        while nxt < len(tasks) or pending:
            # Keep a few tasks queued per worker, no more: memory stays bounded and an
            # interrupted campaign has little work in flight.
            while nxt < len(tasks) and len(pending) < 2 * workers:
                pending.add(ex.submit(run_tasks, spec, seed, tasks[nxt], tracking, solver,
                                      events))
                nxt += 1
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            out: list[RepResult] = []
            for f in finished:
                try:
                    out.extend(f.result())
                except BrokenProcessPool:
                    raise AirDefenseError(
                        "a worker process died (out of memory, killed, or a script that starts "
                        "a campaign without `if __name__ == '__main__':`); finished "
                        "replications are kept in the database: rerun with --resume") from None
            yield out
    finally:
        if executor is None:
            ex.shutdown(wait=True, cancel_futures=True)
        else:
            for f in pending:
                f.cancel()


def new_pool(workers: int, spec: ScenarioSpec | None = None):
    """A process pool of ``workers`` clean ("spawn") worker processes.

    ``spawn`` is safe with threads in the parent and on every OS; each worker loads the
    scenario once (``spec``) and caches any other it is sent, and ends itself when this
    process dies (killed with SIGKILL, it cannot shut the pool down). A worker told to stop
    leaves without the interpreter's teardown (about 0.5 s of CPU each, which the pool's
    shutdown would wait for): see :mod:`airdefense.campaign._pool`.
    """
    from concurrent.futures import ProcessPoolExecutor

    from airdefense.campaign._pool import SpawnQuickExit

    return ProcessPoolExecutor(max_workers=workers, mp_context=SpawnQuickExit(),
                               initializer=init_worker, initargs=(spec, os.getpid()))


def _from_store(store: ResultStore, info: CampaignInfo, runs: int) -> CampaignResult:
    cid = info.campaign_id
    reps = store.replications(cid)
    reps = reps[reps.rep < runs].drop(columns=["finished_at"]).reset_index(drop=True)
    summ = store.summaries(cid)
    summ = summ[summ.rep < runs].reset_index(drop=True)
    exp = store.table("expenditure", cid)
    out = store.table("outcomes", cid)
    return CampaignResult(
        campaign_id=cid, scenario=info.scenario_name, seed=info.seed, runs=runs,
        replications=reps, summaries=summ,
        expenditure=exp[exp.rep < runs].reset_index(drop=True) if len(exp) else _empty_exp(),
        outcomes=out[out.rep < runs].reset_index(drop=True) if len(out) else out,
        db=store.path, info=info)


def _empty_exp() -> pd.DataFrame:
    return pd.DataFrame(columns=["rep", "type", "fired", "hits", "cost"])


def _from_memory(info: CampaignInfo, runs: int, results: list[RepResult],
                 events: bool) -> CampaignResult:
    results = sorted(results, key=lambda r: r.rep)
    reps = pd.DataFrame({"rep": [r.rep for r in results],
                         "seed_key": [r.seed_key for r in results],
                         "wall_s": [r.wall_s for r in results]})
    summ = pd.DataFrame([{"rep": r.rep, **r.summary} for r in results])
    if len(summ):
        summ = summ[["rep", *order_quantities(c for c in summ.columns if c != "rep")]]
    else:
        summ = pd.DataFrame(columns=["rep"])

    def stack(attr: str) -> pd.DataFrame:
        have = [r for r in results if n_rows(getattr(r, attr))]
        if not have:
            return pd.DataFrame()
        return frame_of(stack_columns([getattr(r, attr) for r in have], [r.rep for r in have]))

    exp = stack("expenditure")
    ev = stack("events") if events else pd.DataFrame()
    return CampaignResult(
        campaign_id=info.campaign_id, scenario=info.scenario_name, seed=info.seed, runs=runs,
        replications=reps, summaries=summ, expenditure=exp if len(exp) else _empty_exp(),
        outcomes=stack("outcomes"), db=None, info=info, _events=ev)


def default_workers() -> int:
    """Worker processes to use by default: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
