"""Probe: where one replication's time goes, stage by stage (wall time around each stage).

Run: ``.venv/bin/python benchmarks/probe_stages.py [--tracking truth|full] [--seeds 2 3 4]``.
The stages of the simulation loop (and the control unit's parts) are wrapped in timers for
the run; a warm-up run first compiles or loads the kernels. Prints seconds per replication,
averaged over the seeds. cProfile inflates Python-heavy stages; these timers cost about a
microsecond a call, so the split is close to the unprofiled run's.
"""

from __future__ import annotations

import argparse
import collections
import functools
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "02_layered_city.yaml"

#: (label, owner path, attribute): the loop's stages, then what they call.
STAGES = [
    ("launches", "airdefense.simulation.loop._Run", "launches"),
    ("sense and track", "airdefense.simulation.loop._Run", "sense_and_track"),
    ("  radars", "airdefense.sensors.radar.RadarNetwork", "step"),
    ("  full tracker", "airdefense.tracking.tracker.MultiTargetTracker", "step"),
    ("  truth tracker", "airdefense.tracking.truth.TruthTracker", "step"),
    ("interceptors in flight", "airdefense.simulation.loop._Run", "fly_interceptors"),
    ("impacts", "airdefense.simulation.loop._Run", "impacts"),
    ("assessments", "airdefense.simulation.loop._Run", "assess"),
    ("decisions", "airdefense.simulation.loop._Run", "decide"),
    ("  threat evaluation", "airdefense.simulation.loop", "evaluate_threats"),
    ("  options (geometry, doctrine)", "airdefense.c2.wta", "_allowed_options"),
    ("  WTA solves", "airdefense.c2.wta.WTAAssigner", "_solve"),
    ("  fire control", "airdefense.engagement.model.Engagement", "fire"),
]


def _owner(path: str):
    import importlib

    mod, _, cls = path.rpartition(".")
    try:
        return getattr(importlib.import_module(mod), cls)
    except (ImportError, AttributeError):
        return importlib.import_module(path)


def stage_times(tracking: str, seeds=(2, 3, 4)) -> tuple[float, dict[str, float]]:
    """Mean seconds per replication of example 2, in total and per stage."""
    from airdefense import load_scenario, simulate

    totals: dict[str, float] = collections.defaultdict(float)

    def timed(label, f):
        @functools.wraps(f)
        def w(*a, **k):
            t0 = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                totals[label] += time.perf_counter() - t0
        return w

    saved = []
    for label, path, attr in STAGES:
        owner = _owner(path)
        saved.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, timed(label, getattr(owner, attr)))
    try:
        sc = load_scenario(EXAMPLE)
        simulate(sc, seed=1, tracking=tracking)
        totals.clear()
        t0 = time.perf_counter()
        for s in seeds:
            simulate(sc, seed=s, tracking=tracking)
        total = (time.perf_counter() - t0) / len(seeds)
    finally:
        for owner, attr, f in saved:
            setattr(owner, attr, f)
    return total, {label: totals[label] / len(seeds) for label, _, _ in STAGES}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracking", choices=["truth", "full"], default="truth")
    ap.add_argument("--seeds", type=int, nargs="+", default=[2, 3, 4])
    a = ap.parse_args()
    total, parts = stage_times(a.tracking, tuple(a.seeds))
    print(f"example 2, tracking={a.tracking}, seeds {a.seeds}: {total:.3f} s a replication")
    for label, s in parts.items():
        if s > 0:
            print(f"  {label:34s} {s:7.3f} s")


if __name__ == "__main__":
    main()
