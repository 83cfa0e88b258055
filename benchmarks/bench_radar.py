"""Benchmarks of the radar network.

* One scan of 10 radars over 10,000 targets (``RadarNetwork.scan``): target < 50 ms.
* The per-step cost in a simulation: ``RadarNetwork.step`` over the whole raid of
  ``examples/02_layered_city.yaml`` (4 radars, 64 threats, 1 s steps), fed as the simulation loop
  feeds it (truth, threats in flight), without intercepts. Timed with the truth states already
  evaluated ("radar only": the loop's other stages share that evaluation) and without.

Run: ``.venv/bin/python -m pytest benchmarks/bench_radar.py -m benchmark -s``
or ``.venv/bin/python benchmarks/bench_radar.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from airdefense.catalog import load_catalog
from airdefense.geo import Frame
from airdefense.scenario.loader import SensorUnit
from airdefense.sensors.radar import RadarNetwork

N_TARGETS = 10_000
N_RADARS = 10
TARGET_MS = 50.0
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "02_layered_city.yaml"
# Radar only, example 2: a guard that the compiled scan stays fast (NumPy scan 430-500 us a step,
# compiled kernels about 60 us, on the shared 2-core VM depending on its load).
TARGET_STEP_US = 150.0


def build(seed: int = 0):
    """Ten radars (the built-in presets, 360-degree and sector) and 10,000 targets within 100 km."""
    cat = load_catalog([])
    names = ["mpq65", "tor_m2_radar", "hawk_par", "hawk_hpi", "mpq65"] * 2
    rng = np.random.default_rng(seed)
    frame = Frame(48.0, 31.0, 100.0)
    units = []
    for i, name in enumerate(names):
        b = 2 * np.pi * i / N_RADARS
        upd = {"boresight_deg": float(np.degrees(b)), "max_tracks": 10_000}
        if name == "hawk_hpi":  # searching, as before it became cued: comparable figures
            upd["scan"] = "electronic"
        p = cat.sensors[name].model_copy(update=upd)
        enu = frame.surface_point(20e3 * np.sin(b), 20e3 * np.cos(b), 0.0)
        units.append(SensorUnit(name=f"r{i}", battery=i, preset_name=name, preset=p, enu=enu))
    r = rng.uniform(2e3, 100e3, N_TARGETS)
    brg = rng.uniform(0, 2 * np.pi, N_TARGETS)
    states = np.zeros((N_TARGETS, 6))
    states[:, :3] = frame.surface_point(r * np.sin(brg), r * np.cos(brg),
                                        rng.uniform(30, 12_000, N_TARGETS))
    states[:, 3:] = rng.normal(0, 200, (N_TARGETS, 3))
    rcs = rng.lognormal(np.log(0.5), 1.0, N_TARGETS)
    return units, frame, states, rcs


def time_scan(repeats: int = 7) -> tuple[float, int]:
    """Best wall time (ms) of one full-sweep scan, and the number of detections it made."""
    units, frame, states, rcs = build()
    alive = np.ones(N_TARGETS, bool)
    best, n_det = np.inf, 0
    for k in range(repeats):
        net = RadarNetwork(units, frame)
        rng = np.random.default_rng(k)
        # One call spanning the longest revisit period: every radar sweeps its whole coverage.
        t = float(net.period_s.max())
        t0 = time.perf_counter()
        det = net.scan(t, states, rcs, alive, rng)
        best = min(best, (time.perf_counter() - t0) * 1e3)
        n_det = len(det)
    return best, n_det


def time_example_steps(repeats: int = 5, seed: int = 7) -> dict:
    """Best total time of ``RadarNetwork.step`` over example 2's raid, per step (us).

    Returns ``radar_us`` (truth states evaluated beforehand), ``with_truth_us`` (the step
    evaluates them, as the first stage of the loop that asks), ``steps`` and ``detections``.
    """
    from airdefense import load_scenario
    from airdefense.threats import build_threats

    sc = load_scenario(EXAMPLE)
    step_s = sc.config.step_s
    out = {}
    for warm in (True, False):
        best = np.inf
        for _ in range(repeats):
            truth = build_threats(sc, np.random.default_rng(seed))
            t_end = float(truth.end_time_s.max())
            net = RadarNetwork.from_scenario(sc)
            rng = np.random.default_rng(seed)
            total, n_det, steps = 0.0, 0, 0
            t = 0.0
            while t < t_end:
                t1 = t + step_s
                if warm:
                    truth.states(t1)
                t0 = time.perf_counter()
                det = net.step(t, t1, truth, truth.in_flight, rng)
                total += time.perf_counter() - t0
                n_det += len(det)
                steps += 1
                t = t1
            best = min(best, total)
        out["radar_us" if warm else "with_truth_us"] = best / steps * 1e6
        out["steps"], out["detections"] = steps, n_det
    return out


@pytest.mark.benchmark
def test_bench_radar_example_step():
    """RadarNetwork.step on example 2 stays under 150 us per step (truth states evaluated)."""
    r = time_example_steps()
    print(f"\nradar step, example 2: {r['radar_us']:.0f} us/step radar only, "
          f"{r['with_truth_us']:.0f} us/step with the truth evaluation "
          f"({r['steps']} steps, {r['detections']} detections, best of 5)")
    assert r["detections"] > 0
    assert r["radar_us"] < TARGET_STEP_US


@pytest.mark.benchmark
def test_bench_radar_scan():
    """One scan of 10 radars x 10,000 targets stays under 50 ms."""
    ms, n_det = time_scan()
    print(f"\nradar scan: {N_RADARS} radars x {N_TARGETS} targets: {ms:.1f} ms "
          f"(best of 7), {n_det} detections")
    assert n_det > 0
    assert ms < TARGET_MS


if __name__ == "__main__":
    ms, n_det = time_scan()
    print(f"radar scan: {N_RADARS} radars x {N_TARGETS} targets: {ms:.1f} ms (best of 7), "
          f"{n_det} detections")
    r = time_example_steps()
    print(f"radar step, example 2: {r['radar_us']:.0f} us/step radar only, "
          f"{r['with_truth_us']:.0f} us/step with the truth evaluation ({r['steps']} steps, "
          f"{r['detections']} detections, best of 5)")
