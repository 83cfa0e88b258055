"""Parameter sweeps: one campaign per point of a grid of scenario edits.

A variation is ``PATH=VALUES``: a dotted scenario path (see :mod:`airdefense.scenario.edit`)
and a list ``2,4,8``, an inclusive range ``50..400:50`` (step 1 when left out) or strings
``greedy,exact``. The grid is the product of every variation, in the order given.
"""

from __future__ import annotations

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

from airdefense.campaign.runner import CampaignResult, new_pool, run_campaign
from airdefense.errors import AirDefenseError, ScenarioError
from airdefense.scenario.edit import get_path, parse_path, parse_scalar, read_raw, set_path
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
            for col in ["point", *self.vary]:
                s.insert(0 if col == "point" else 1, col, p[col])
            parts.append(s)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def stats(self, quantities: Iterable[str] = ("leaked", "interceptors_fired", "value_lost",
                                                 "cost_exchange", "threats_launched"),
              level: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval of some quantities at each point (tidy).

        Returns
        -------
        DataFrame
            ``point``, the varied paths, ``quantity, mean, ci_low, ci_high, n``; the quantity
            ``p_zero_leakers`` holds the fraction of runs with no leaker (Wilson interval).
        """
        from airdefense.results.stats import mean_ci, proportion_ci

        rows = []
        for (_, p), c in zip(self.points.iterrows(), self.campaigns, strict=False):
            base = {"point": p["point"], **{k: p[k] for k in self.vary}}
            for q in quantities:
                if q in c.summaries:
                    m, _, lo, hi, n = mean_ci(c.summaries[q], level)
                    rows.append({**base, "quantity": q, "mean": m, "ci_low": lo,
                                 "ci_high": hi, "n": n})
            if "leaked" in c.summaries:
                n = len(c.summaries)
                pz, lo, hi = proportion_ci(int((c.summaries.leaked == 0).sum()), n, level)
                rows.append({**base, "quantity": "p_zero_leakers", "mean": pz, "ci_low": lo,
                             "ci_high": hi, "n": n})
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
    points are not blurred by different random draws.

    Parameters
    ----------
    scenario : Scenario, path or dict
    vary : mapping of path to values, or iterable of ``"PATH=VALUES"`` strings
        E.g. ``{"raid.drones.count": [50, 100]}`` or ``["raid.drones.count=50..400:50"]``.
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
        If a varied path does not exist in the scenario (naming the missing key and the keys
        that exist), or a point's scenario is invalid; raised before anything runs.
    AirDefenseError
        For a malformed value list or range.

    Examples
    --------
    >>> res = run_sweep("examples/01_drone_wave.yaml",
    ...                 ["raid.drones.count=10..40:10"], runs=20)  # doctest: +SKIP
    >>> res.stats().query("quantity == 'leaked'")  # doctest: +SKIP
    """
    if isinstance(vary, Mapping):
        vary = {str(k): list(v) for k, v in vary.items()}
    else:
        vary = dict(parse_vary(v) for v in vary)
    for p, vals in vary.items():
        if not vals:
            raise AirDefenseError(f"--vary {p}: no values")
    raw, src, base = _raw_of(scenario)
    for p in vary:
        try:
            get_path(raw, p)
        except ScenarioError as exc:
            raise ScenarioError(exc.path, exc.message, src) from None
    pts = grid(vary)
    # Build and validate every point's scenario before running any.
    scens: list[Scenario] = []
    for pt in pts:
        r = json.loads(json.dumps(raw))  # deep copy of plain data
        for p, v in pt.items():
            set_path(r, p, v)
        try:
            scens.append(scenario_from_dict(r, src, base_dir=base))
        except ScenarioError as exc:
            where = ", ".join(f"{k}={v}" for k, v in pt.items())
            raise ScenarioError(exc.path, f"{exc.message} (sweep point {where})", src) from None
    if seed is None:
        seed = scens[0].seed
    from airdefense.campaign._worker import scenario_hash

    base_hash, _ = scenario_hash(scenario_from_dict(json.loads(json.dumps(raw)), src,
                                                    base_dir=base))
    sid = hashlib.sha256(json.dumps(
        {"scenario": base_hash, "vary": vary, "seed": seed, "tracking": tracking,
         "solver": solver}, sort_keys=True, default=str).encode()).hexdigest()[:12]
    if db is not None:
        _check_sweep_db(db, sid, base_hash, vary, resume)
    results = []
    # One process pool for the whole sweep: workers start once, not once per point.
    pool = new_pool(workers) if backend == "local" and workers > 1 else None
    try:
        for k, (pt, sc) in enumerate(zip(pts, scens, strict=False)):
            label = f"point {k + 1}/{len(pts)} " + " ".join(f"{p}={v}" for p, v in pt.items())
            if progress:
                import sys

                sys.stderr.write(f"sweep {sid}: {label}\n")
            results.append(run_campaign(sc, runs, seed, workers=workers, backend=backend,
                                        address=address, db=db, resume=resume,
                                        tracking=tracking, solver=solver, events=events,
                                        progress=progress, _sweep=(sid, pt), _executor=pool))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    points = pd.DataFrame([{"point": k, **pt, "campaign_id": c.campaign_id}
                           for k, (pt, c) in enumerate(zip(pts, results, strict=False))])
    return SweepResult(sweep_id=sid, vary=vary, points=points, campaigns=results)


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
