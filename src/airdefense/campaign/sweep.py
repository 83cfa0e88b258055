"""Parameter sweeps: one campaign per point of a grid of scenario edits.

A variation is ``PATH=VALUES``: a dotted scenario path (see :mod:`airdefense.scenario.edit`)
and a list ``2,4,8``, an inclusive range ``50..400:50`` (step 1 when left out) or strings
``greedy,exact``. The grid is the product of every variation, in the order given.

A path may name a field that the file leaves at its default (``tracking``, ``c2.solver``,
``step_s``): paths are checked against the scenario schema, as ``--set`` does. Every point runs
with the same root seed (common random numbers: the differences between points are not blurred
by different random draws), so ``seed`` cannot be varied; a path may be varied once, and two
points that make the same scenario are refused, all before anything runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from airdefense.campaign.runner import (
    CampaignResult,
    check_tracking,
    new_pool,
    prepare,
    run_campaign,
)
from airdefense.errors import AirDefenseError, ScenarioError
from airdefense.scenario.edit import (
    created_key_error,
    dotted,
    first_missing_prefix,
    get_path,
    parse_path,
    parse_scalar,
    read_raw,
    set_path,
)
from airdefense.scenario.loader import Scenario, scenario_from_dict

__all__ = ["parse_values", "parse_vary", "grid", "run_sweep", "SweepResult", "MAX_POINTS"]

#: Most values one range may expand to, and most grid points of a sweep.
MAX_POINTS = 10_000

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*(?::\s*({_NUM})\s*)?$")


def _number(text: str) -> int | float:
    v = float(text)
    return int(v) if re.fullmatch(r"[-+]?\d+", text.strip()) else v


def parse_values(text: str) -> list[Any]:
    """Expand the values of a variation.

    Parameters
    ----------
    text : str
        ``2,4,8`` (a list of YAML scalars), ``50..400:50`` (inclusive range, step 50),
        ``1..5`` (step 1) or ``0.5..2:0.25`` (floats).

    Returns
    -------
    list

    Raises
    ------
    AirDefenseError
        For a malformed range, a step that is not > 0, an end before the start, an empty item,
        or more than :data:`MAX_POINTS` values.

    Examples
    --------
    >>> parse_values("50..200:50")
    [50, 100, 150, 200]
    >>> parse_values("greedy,exact")
    ['greedy', 'exact']
    """
    text = str(text).strip()
    if not text:
        raise AirDefenseError("no values given: expected a list like 2,4,8 or a range like "
                              "50..400:50")
    if ".." in text:
        m = _RANGE.match(text)
        if not m:
            raise AirDefenseError(
                f"bad range {text!r}: expected START..STOP or START..STOP:STEP with numbers, "
                "e.g. 50..400:50")
        a, b = _number(m.group(1)), _number(m.group(2))
        step = _number(m.group(3)) if m.group(3) is not None else 1
        if not step > 0:
            raise AirDefenseError(f"bad range {text!r}: the step must be > 0, got {step}")
        if b < a:
            raise AirDefenseError(f"bad range {text!r}: the end {b} is before the start {a}")
        n = int(math.floor((b - a) / step + 1e-9)) + 1
        if n > MAX_POINTS:
            raise AirDefenseError(f"bad range {text!r}: {n} values, more than {MAX_POINTS}")
        if all(isinstance(x, int) for x in (a, b, step)):
            return [a + i * step for i in range(n)]
        return [float(np.round(a + i * step, 12)) for i in range(n)]
    items = [t.strip() for t in text.split(",")]
    if any(not t for t in items):
        raise AirDefenseError(f"bad value list {text!r}: an item is empty (expected e.g. 2,4,8)")
    return [parse_scalar(t) for t in items]


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """Split ``PATH=VALUES`` into the path and its expanded values.

    Raises
    ------
    AirDefenseError
        If there is no ``=``, or the path or the values are malformed.
    """
    if "=" not in text:
        raise AirDefenseError(f"bad --vary {text!r}: expected PATH=VALUES, e.g. "
                              "raid.drones.count=50..400:50")
    path, _, values = text.partition("=")
    path = path.strip()
    parse_path(path)
    try:
        return path, parse_values(values)
    except AirDefenseError as exc:
        raise AirDefenseError(f"--vary {path}: {exc}") from None


def grid(vary: Mapping[str, list]) -> list[dict[str, Any]]:
    """All points of the grid (product of the values), the first path varying slowest."""
    if not vary:
        raise AirDefenseError("a sweep needs at least one variation (--vary PATH=VALUES)")
    paths = list(vary)
    combos = itertools.product(*(vary[p] for p in paths))
    pts = [dict(zip(paths, combo, strict=True)) for combo in combos]
    if len(pts) > MAX_POINTS:
        raise AirDefenseError(f"the grid has {len(pts)} points, more than {MAX_POINTS}")
    return pts


@dataclass
class SweepResult:
    """The campaigns of a sweep.

    Attributes
    ----------
    sweep_id : str
    vary : dict of str to list
        The varied paths and their values.
    points : DataFrame
        One row per grid point: ``point``, one column per varied path, ``campaign_id``.
    campaigns : list of CampaignResult
        In grid order.
    """

    sweep_id: str
    vary: dict[str, list]
    points: pd.DataFrame
    campaigns: list[CampaignResult] = field(default_factory=list)

    @property
    def summaries(self) -> pd.DataFrame:
        """Per-replication summaries of every point, with the point's values as columns."""
        parts = []
        for (_, p), c in zip(self.points.iterrows(), self.campaigns, strict=False):
            s = c.summaries.copy()
            for i, col in enumerate(["point", *self.vary]):
                s.insert(i, col, p[col])
            parts.append(s)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def stats(self, quantities: Iterable[str] = ("leaked", "interceptors_fired", "value_lost",
                                                 "cost_exchange", "threats_launched"),
              level: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval of some quantities at each point (tidy).

        Returns
        -------
        DataFrame
            ``point``, the varied paths, ``quantity, mean, ci_low, ci_high, n, n_nonfinite``
            (``n_nonfinite``: runs left out of the mean, e.g. a cost exchange of a run that
            fired no interceptor). The quantity ``p_zero_leakers`` holds the fraction of runs
            with no leaker (exact Clopper-Pearson interval); ``cost_exchange_pooled`` the total
            attack cost over the total defence cost (``inf`` when no interceptor fired) with its
            delta-method interval (:func:`airdefense.results.stats.ratio_ci`).
        """
        from airdefense.results.stats import mean_ci, proportion_ci, ratio_ci

        rows = []
        for (_, p), c in zip(self.points.iterrows(), self.campaigns, strict=False):
            base = {"point": p["point"], **{k: p[k] for k in self.vary}}
            s = c.summaries
            for q in quantities:
                if q in s:
                    m, _, lo, hi, n = mean_ci(s[q], level)
                    rows.append({**base, "quantity": q, "mean": m, "ci_low": lo,
                                 "ci_high": hi, "n": n, "n_nonfinite": len(s) - n})
            if "leaked" in s:
                n = len(s)
                pz, lo, hi = proportion_ci(int((s.leaked == 0).sum()), n, level)
                rows.append({**base, "quantity": "p_zero_leakers", "mean": pz, "ci_low": lo,
                             "ci_high": hi, "n": n, "n_nonfinite": 0})
            if {"attack_cost", "defence_cost"} <= set(s.columns) and len(s):
                r, lo, hi, n = ratio_ci(s.attack_cost, s.defence_cost, level)
                rows.append({**base, "quantity": "cost_exchange_pooled", "mean": r,
                             "ci_low": lo, "ci_high": hi, "n": n, "n_nonfinite": len(s) - n})
        return pd.DataFrame(rows)


def _raw_of(scenario: Scenario | str | Path | dict) -> tuple[dict, str, Path | None]:
    if isinstance(scenario, Scenario):
        src = scenario.source or "<dict>"
        base = Path(src).resolve().parent if Path(src).is_file() else None
        return scenario.to_dict(), src, base
    raw, src, _, base = read_raw(scenario)
    return raw, src, base


def run_sweep(scenario: Scenario | str | Path | dict,
              vary: Mapping[str, Iterable] | Iterable[str], runs: int = 20,
              seed: int | None = None, *, workers: int = 1, backend: str = "local",
              address: str | None = None, db: str | Path | None = None, resume: bool = False,
              tracking: str | None = None, solver: str | None = None, events: bool = True,
              progress: bool = False) -> SweepResult:
    """Run one campaign per point of a grid of scenario variations.

    Every point uses the same root seed (common random numbers), so differences between
    points are not blurred by different random draws; ``seed`` therefore cannot be varied.
    With ``backend="ray"`` one Ray instance serves every point.

    Parameters
    ----------
    scenario : Scenario, path or dict
    vary : mapping of path to values, iterable of ``"PATH=VALUES"`` strings, or one string
        E.g. ``{"raid.drones.count": [50, 100]}``, ``{"raid.drones.count": "50..400:50"}``,
        ``["raid.drones.count=50..400:50", "c2.solver=greedy,exact"]`` or
        ``"raid.drones.count=2,4"``. The grid keeps the order given (first path slowest).
    runs : int, default 20
        Replications per point.
    seed, workers, backend, address, db, resume, tracking, solver, events, progress
        As for :func:`airdefense.campaign.run_campaign`.

    Returns
    -------
    SweepResult

    Raises
    ------
    ScenarioError
        If a varied path is neither in the scenario nor a field of the scenario schema (naming
        the missing key and the keys that exist), or a point's scenario is invalid.
    AirDefenseError
        For a malformed value list or range, a value that is not a list, a path varied twice,
        ``seed`` varied, ``tracking`` (``c2.solver``) varied together with the ``tracking``
        (``solver``) override, two points that make the same scenario, or a bad ``runs``,
        ``seed``, ``workers``, ``backend``, ``address`` or ``tracking`` (as
        :func:`~airdefense.campaign.run_campaign`). Every error is raised before anything
        runs, and before ``db`` is created.

    Examples
    --------
    >>> res = run_sweep("examples/01_drone_wave.yaml",
    ...                 ["raid.drones.count=10..40:10"], runs=20)  # doctest: +SKIP
    >>> res.stats().query("quantity == 'leaked'")  # doctest: +SKIP
    """
    check_tracking(tracking)
    if address is not None and backend != "ray":
        raise AirDefenseError(f"address {address!r} is for the ray backend; "
                              "pass backend='ray' (--backend ray)")
    vary = _variations(vary)
    for p in vary:
        if parse_path(p) == ["tracking"] and tracking is not None:
            raise AirDefenseError(
                f"--vary {p} conflicts with --tracking {tracking}: the override would run "
                f"every point with tracking {tracking}; drop --tracking (or the variation)")
        if parse_path(p) == ["c2", "solver"] and solver is not None:
            raise AirDefenseError(
                f"--vary {p} conflicts with --solver {solver}: the override would run every "
                f"point with solver {solver}; drop --solver (or the variation)")
    raw, src, base = _raw_of(scenario)
    # A path the file leaves out may name a schema field left at its default (as --set):
    # it is created at each point, and reported as missing if the schema does not know it.
    missing: dict[str, tuple[str, ScenarioError]] = {}
    for p in vary:
        try:
            get_path(raw, p)
        except ScenarioError as exc:
            missing[p] = (first_missing_prefix(raw, p),
                          ScenarioError(exc.path, exc.message, src))
    pts = grid(vary)
    # Build and validate every point's scenario before running any.
    scens: list[Scenario] = []
    for pt in pts:
        r = json.loads(json.dumps(raw))  # deep copy of plain data
        for p, v in pt.items():
            set_path(r, p, v, create=p in missing)
        try:
            scens.append(scenario_from_dict(r, src, base_dir=base))
        except ScenarioError as exc:
            for p, (prefix, miss) in missing.items():
                err = created_key_error(exc, dotted(p), prefix, miss)
                if err is not None:
                    raise ScenarioError(err.path, err.message, src) from None
            where = ", ".join(f"{k}={v}" for k, v in pt.items())
            raise ScenarioError(exc.path, f"{exc.message} (sweep point {where})", src) from None
    from airdefense.campaign._worker import scenario_hash

    seen: dict[str, int] = {}
    for k, sc in enumerate(scens):
        h = scenario_hash(sc)[0]
        if h in seen:
            j = seen[h]
            raise AirDefenseError(
                f"sweep points {j} ({_label(pts[j])}) and {k} ({_label(pts[k])}) are the same "
                "scenario: each point must differ; remove the repeated value")
        seen[h] = k
    # The campaign's own checks (runs, seed, workers, backend), before the database is
    # created or a worker started: a refused sweep leaves nothing behind.
    runs, seed, workers = prepare(runs, seed, workers, backend, scens[0])
    base_hash, _ = scenario_hash(scenario_from_dict(json.loads(json.dumps(raw)), src,
                                                    base_dir=base))
    sid = hashlib.sha256(json.dumps(
        {"scenario": base_hash, "vary": vary, "seed": seed, "tracking": tracking,
         "solver": solver}, sort_keys=True, default=str).encode()).hexdigest()[:12]
    if db is not None:
        _check_sweep_db(db, sid, base_hash, vary, resume)
    results = []
    # One process pool (or one Ray instance) for the whole sweep: workers start once, not once
    # per point.
    with contextlib.ExitStack() as stack:
        pool = None
        if backend == "local" and workers > 1:
            pool = new_pool(workers)
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        elif backend == "ray":
            from airdefense.campaign._ray import ray_session

            stack.enter_context(ray_session(workers, address))
        for k, (pt, sc) in enumerate(zip(pts, scens, strict=False)):
            label = f"point {k + 1}/{len(pts)} " + _label(pt, " ")
            if progress:
                import sys

                sys.stderr.write(f"sweep {sid}: {label}\n")
            results.append(run_campaign(sc, runs, seed, workers=workers, backend=backend,
                                        address=address, db=db, resume=resume,
                                        tracking=tracking, solver=solver, events=events,
                                        progress=progress, _sweep=(sid, pt), _executor=pool))
    points = pd.DataFrame([{"point": k, **pt, "campaign_id": c.campaign_id}
                           for k, (pt, c) in enumerate(zip(pts, results, strict=False))])
    return SweepResult(sweep_id=sid, vary=vary, points=points, campaigns=results)


def _label(pt: dict, sep: str = ", ") -> str:
    return sep.join(f"{p}={v}" for p, v in pt.items())


def _variations(vary: Mapping[str, Any] | Iterable[str] | str) -> dict[str, list]:
    """The variations as ``{path: values}`` in the given order; see :func:`run_sweep`."""
    if isinstance(vary, str):
        vary = [vary]
    items: list[tuple[str, list]] = []
    if isinstance(vary, Mapping):
        for k, v in vary.items():
            path = str(k).strip()
            parse_path(path)
            if isinstance(v, str):
                try:
                    vals = parse_values(v)
                except AirDefenseError as exc:
                    raise AirDefenseError(f"--vary {path}: {exc}") from None
            elif isinstance(v, Iterable) and not isinstance(v, (bytes, Mapping)):
                vals = list(v)
            else:
                raise AirDefenseError(
                    f"--vary {path}: the values must be a list such as [2, 4, 8] (or a string "
                    f"'2,4,8' or '50..400:50'), got {v!r} ({type(v).__name__})")
            items.append((path, vals))
    elif isinstance(vary, Iterable):
        for v in vary:
            if not isinstance(v, str):
                raise AirDefenseError(f"a variation must be a string PATH=VALUES (e.g. "
                                      f"'raid.drones.count=2,4'), got {v!r}")
            items.append(parse_vary(v))
    else:
        raise AirDefenseError(f"vary must be a mapping of path to values or PATH=VALUES "
                              f"strings, got {vary!r}")
    seen: dict[tuple, str] = {}
    for path, vals in items:
        key = tuple(parse_path(path))
        if key in seen:
            raise AirDefenseError(
                f"--vary {path}: the path is varied twice ({seen[key]} and {path}); give all "
                "its values in one variation, e.g. --vary PATH=1,2,3")
        seen[key] = path
        if key == ("seed",):
            raise AirDefenseError(
                "--vary seed: the seed cannot be varied: every point of a sweep runs with the "
                "same root seed (common random numbers); choose it with --seed, and run more "
                "--runs (or one campaign per seed) for other draws")
        if not vals:
            raise AirDefenseError(f"--vary {path}: no values")
    return dict(items)


def _check_sweep_db(db: str | Path, sid: str, base_hash: str, vary: dict, resume: bool) -> None:
    from airdefense.results.store import ResultStore

    with ResultStore(db) as st:
        sweeps = st.sweeps()
        camps = st.campaigns()
        if resume and len(camps) and sid not in set(sweeps.sweep_id):
            have = ", ".join(sweeps.sweep_id) or "none"
            raise AirDefenseError(
                f"{db}: cannot resume sweep {sid}: the database holds other campaigns "
                f"(sweeps: {have}; scenarios: {', '.join(sorted(set(camps.scenario_name)))}) "
                "but not this sweep of this scenario; drop --resume or choose the right --db")
        st.add_sweep(sid, base_hash, vary)
