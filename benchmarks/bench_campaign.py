"""Benchmark: campaign throughput of example 2 on 2 cores, truth and full tracking.

Run: ``.venv/bin/python -m pytest benchmarks/bench_campaign.py -m benchmark -s``
or ``.venv/bin/python benchmarks/bench_campaign.py [--runs-truth N] [--runs-full N] [--profile]``.

Targets (issue 8): 1,000 replications of example 2 in truth mode in under 60 s on 2 cores
(at least 16.7 replications per second), and one replication with full tracking in under 2 s.

What is measured: ``run_campaign`` with the local backend, 2 worker processes, event logs
kept and written to a DuckDB file as they finish, as ``airdefense campaign`` does; the wall time
includes starting the workers. The single-replication time is ``simulate`` in this process,
best of ``repeats``. ``--profile`` prints the top functions of one replication (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "02_layered_city.yaml"
TRUTH_TARGET_S_PER_1000 = 60.0
FULL_TARGET_S = 2.0


def campaign_rate(tracking: str, runs: int, workers: int = 2, seed: int = 1) -> dict:
    """Replications per second of example 2 with ``workers`` processes (wall time)."""
    from airdefense.campaign import run_campaign

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = run_campaign(EXAMPLE, runs=runs, seed=seed, workers=workers, tracking=tracking,
                           db=Path(tmp) / "bench.duckdb")
        wall = time.perf_counter() - t0
    sim = float(res.replications.wall_s.mean())
    return {"tracking": tracking, "runs": runs, "workers": workers, "wall_s": wall,
            "rate": runs / wall, "sim_s_mean": sim,
            "s_per_1000": 1000 * wall / runs}


def single_replication(tracking: str, repeats: int = 3, seed: int = 1) -> float:
    """Best wall time of one replication of example 2 in this process (s)."""
    from airdefense import load_scenario, simulate

    sc = load_scenario(EXAMPLE)
    best = float("inf")
    for i in range(repeats):
        t0 = time.perf_counter()
        simulate(sc, seed=seed + i, tracking=tracking)
        best = min(best, time.perf_counter() - t0)
    return best


def profile(tracking: str, top: int = 15, seed: int = 1) -> str:
    """cProfile of one replication: the ``top`` functions by own time."""
    from airdefense import load_scenario, simulate

    sc = load_scenario(EXAMPLE)
    pr = cProfile.Profile()
    pr.enable()
    simulate(sc, seed=seed, tracking=tracking)
    pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def _report(r: dict) -> str:
    return (f"example 2, tracking={r['tracking']}: {r['runs']} replications on {r['workers']} "
            f"workers in {r['wall_s']:.1f} s = {r['rate']:.2f} rep/s "
            f"(mean {r['sim_s_mean']:.2f} s simulated per replication; "
            f"1,000 replications would take {r['s_per_1000']:.0f} s)")


@pytest.mark.benchmark
def test_bench_campaign_truth():
    """1,000 replications of example 2 in truth mode take under 60 s on 2 workers."""
    r = campaign_rate("truth", runs=int(os.environ.get("BENCH_RUNS_TRUTH", "40")))
    print("\n" + _report(r))
    assert r["s_per_1000"] < TRUTH_TARGET_S_PER_1000


@pytest.mark.benchmark
def test_bench_campaign_full():
    """One replication of example 2 with full tracking takes under 2 s."""
    one = single_replication("full", repeats=2)
    r = campaign_rate("full", runs=int(os.environ.get("BENCH_RUNS_FULL", "4")))
    print(f"\nexample 2, tracking=full: one replication {one:.2f} s (best of 2)\n" + _report(r))
    assert one < FULL_TARGET_S


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-truth", type=int, default=40)
    ap.add_argument("--runs-full", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    print(f"nproc={os.cpu_count()}, load average {os.getloadavg()}")
    for mode, runs in (("truth", a.runs_truth), ("full", a.runs_full)):
        one = single_replication(mode, repeats=2)
        print(f"example 2, tracking={mode}: one replication {one:.2f} s (best of 2)")
        if runs:
            print(_report(campaign_rate(mode, runs, a.workers)))
        if a.profile:
            print(profile(mode))


if __name__ == "__main__":
    main()
