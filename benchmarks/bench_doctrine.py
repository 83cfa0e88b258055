"""Benchmark: cost-aware against cost-blind doctrine on example 2 (issue 7).

Run: ``.venv/bin/python benchmarks/bench_doctrine.py [--runs N] [--workers K]`` or
``.venv/bin/python -m pytest benchmarks/bench_doctrine.py -m benchmark -s``.

Both arms run the same seeds (``SeedSequence(seed).spawn(runs)``), so the raids, radar draws
and end-game draws start from the same streams; only ``c2.cost_weight`` differs (0: every
positive expected return is taken; the example's 0.05: a round must save at least 5 cents of
defended value per dollar it costs). Reported: leakers by class, interceptors fired, defence
spend and value lost, as means with 95% confidence intervals.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "02_layered_city.yaml"


def _ci(x: np.ndarray) -> str:
    x = np.asarray(x, float)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else float("nan")
    return f"{x.mean():.2f} ± {half:.2f}"


def compare(runs: int = 20, workers: int = 2, seed: int = 7,
            weights: tuple[float, ...] = (0.0, 0.05), sets: tuple[str, ...] = (),
            drops: tuple[str, ...] = ()) -> pd.DataFrame:
    """Run example 2 under each cost weight; return one row per weight of mean ± 95% CI.

    ``sets`` are ``PATH=VALUE`` edits and ``drops`` paths removed in both arms (as
    ``airdefense run --set/--drop``).
    """
    from airdefense import run_campaign
    from airdefense.scenario.edit import drop_path, parse_assignment, set_path

    rows = []
    for w in weights:
        raw = yaml.safe_load(EXAMPLE.read_text())
        for text in sets:
            set_path(raw, *parse_assignment(text))
        for path in drops:
            drop_path(raw, path)
        set_path(raw, "c2.cost_weight", w)
        res = run_campaign(raw, runs=runs, seed=seed, workers=workers, events=False)
        s = res.summaries.sort_values("rep")
        out = res.outcomes.pivot_table(index="rep", columns="kind", values="leaked",
                                       aggfunc="sum").fillna(0)
        row = {"cost_weight": w, "runs": len(s), "leaked": _ci(s.leaked)}
        for k in out.columns:
            row[f"leaked {k}"] = _ci(out[k])
        row["fired"] = _ci(s.interceptors_fired)
        row["defence spend $M"] = _ci(s.defence_cost / 1e6)
        row["value lost $M"] = _ci(s.value_lost / 1e6)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.benchmark
def test_cost_aware_doctrine():
    """Print the comparison table (20 runs per arm)."""
    print()
    print(compare().to_string(index=False))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                    help="edit both arms' scenario, e.g. raid.drones.count=16")
    ap.add_argument("--drop", action="append", default=[], metavar="PATH",
                    help="remove from both arms' scenario, e.g. raid.ballistic")
    a = ap.parse_args()
    print(compare(a.runs, a.workers, a.seed, sets=tuple(a.set), drops=tuple(a.drop))
          .to_string(index=False))
