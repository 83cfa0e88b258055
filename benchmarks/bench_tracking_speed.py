"""Tracker speed: ms per scan at 1,000 targets with 1,000 clutter points a scan, and growth.

Run: ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_tracking_speed.py``

Densities are those of the issue's scenario (2.5 clutter points per km^2 per scan, sigma 10 m,
Pd 0.9, q 1); the square grows with the number of targets so that the densities stay fixed:
1,000 targets and 1,000 clutter points per scan cover 400 km^2. The figure is the median step
time over scans 10..(scans-1), once the tentative tracks have reached their steady state;
best of ``--repeat`` runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking_scenario import generate  # noqa: E402

from airdefense.tracking.kalman import Measurements  # noqa: E402
from airdefense.tracking.tracker import TrackerConfig, build_tracker  # noqa: E402


def time_scenario(n: int, scans: int, seed: int, repeat: int, **cfg) -> tuple[float, int, int]:
    """Median ms per scan (best of ``repeat``), mean tracks, mean detections per scan."""
    side = np.sqrt(n / 2.5e-6 / 1000.0 * 1000.0)  # n clutter points at 2.5e-6 per m^2
    sc = generate(np.random.default_rng(seed), n_targets=n, n_scans=scans, side_m=side,
                  always_alive=True)
    best = np.inf
    for _ in range(repeat):
        trk = build_tracker(TrackerConfig(speed_sigma_mps=30.0, **cfg), ndim=2)
        times, sizes = [], []
        for t, z, ids in sc.scans:
            m = Measurements.cartesian(t, z, 10.0, truth_id=ids)
            t0 = time.perf_counter()
            trk.step(t, m)
            times.append(time.perf_counter() - t0)
            sizes.append(len(trk))
        best = min(best, float(np.median(times[10:])) * 1e3)
    dets = int(np.mean([len(s[1]) for s in sc.scans]))
    return best, int(np.mean(sizes[10:])), dets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,2000,5000,10000")
    ap.add_argument("--scans", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--associator", default="gnn")
    args = ap.parse_args()
    print(f"{'targets':>8} {'dets/scan':>10} {'tracks':>8} {'ms/scan':>9} {'us/target':>10}")
    for n in (int(s) for s in args.sizes.split(",")):
        ms, tracks, dets = time_scenario(n, args.scans, 1, args.repeat,
                                         associator=args.associator)
        print(f"{n:>8} {dets:>10} {tracks:>8} {ms:>9.2f} {1e3 * ms / n:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
