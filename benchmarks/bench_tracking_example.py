"""Full tracker inside a simulation: example 2 (layered city) with ``tracking: full``.

Run: ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python
benchmarks/bench_tracking_example.py [--repeat 3] [--seed 7] [--initiation two_point] [--sequential]``

Prints, for the best of ``--repeat`` runs, the whole run's time and the time spent in
``MultiTargetTracker.step`` (wrapped with a timer), with the mean number of tracks and detections
per step. Issue 8 asks for one replication in under 2 s on the 2-core VM.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from airdefense import load_scenario, simulate  # noqa: E402
from airdefense.tracking import tracker as _tracker  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "02_layered_city.yaml"


def time_example(seed: int = 7, repeat: int = 3, initiation: str | None = None,
                 onepass: bool = True) -> dict:
    """Best-of-``repeat`` whole-run and tracker times (s) of example 2 in full tracking mode.

    ``initiation`` ("single" or "two_point") overrides the tracker's default; ``onepass``
    False processes each radar's detections in turn.
    """
    import airdefense.tracking as _pkg

    sc = load_scenario(str(EXAMPLE))
    make = _pkg.make_tracker
    def made(*a, **kw):
        trk = make(*a, **({"config": {"initiation": initiation}} if initiation else kw))
        trk.onepass = onepass
        return trk

    _pkg.make_tracker = made
    step = _tracker.MultiTargetTracker.step
    spent, tracks, dets = [0.0], [], []

    def timed(self, time_s, detections, *args, **kw):
        t = time.perf_counter()
        out = step(self, time_s, detections, *args, **kw)
        spent[0] += time.perf_counter() - t
        tracks.append(len(out))
        dets.append(len(detections))
        return out

    best = None
    _tracker.MultiTargetTracker.step = timed
    try:
        for _ in range(repeat):
            spent[0] = 0.0
            tracks.clear()
            dets.clear()
            t = time.perf_counter()
            simulate(sc, seed=seed, tracking="full")
            run = time.perf_counter() - t
            if best is None or run < best["run_s"]:
                best = {"run_s": run, "tracker_s": spent[0], "steps": len(tracks),
                        "tracks": float(np.mean(tracks)), "detections": float(np.mean(dets))}
    finally:
        _tracker.MultiTargetTracker.step = step
        _pkg.make_tracker = make
    return best


@pytest.mark.benchmark
def test_example_two_full_tracking_speed():
    """The tracker takes at most 2.5 ms a step on example 2 (about 0.75 ms on the 2-core VM
    with the compiled kernels, 2.5 ms before them)."""
    r = time_example(repeat=2)
    assert r["tracker_s"] / r["steps"] < 0.0025


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--initiation", default=None, help="single or two_point (default: the "
                    "tracker's)")
    ap.add_argument("--sequential", action="store_true",
                    help="one tracker pass per radar (onepass off)")
    args = ap.parse_args()
    r = time_example(args.seed, args.repeat, args.initiation, not args.sequential)
    print(f"example 2, seed {args.seed}, initiation {args.initiation or 'default'}, "
          f"{'per-radar passes' if args.sequential else 'one pass'}, best of "
          f"{args.repeat}: run {r['run_s']:.2f} s, "
          f"tracker.step {r['tracker_s']:.2f} s ({1e3 * r['tracker_s'] / r['steps']:.2f} ms a "
          f"step over {r['steps']} steps; {r['tracks']:.0f} tracks and {r['detections']:.0f} "
          f"detections a step)")


if __name__ == "__main__":
    main()
