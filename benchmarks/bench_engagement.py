"""Benchmark: envelope feasibility (PIP, envelope, launch windows, Pk) for many tracks x launchers.

Run: ``.venv/bin/python -m pytest benchmarks/bench_engagement.py -m benchmark -s``
or ``.venv/bin/python benchmarks/bench_engagement.py``.

200 tracks (a third each drones, cruise missiles and ballistic missiles, random positions within
60 km) against 30 launchers (PAC-3, PAC-2, HAWK, Tor, 35 mm gun, six of each, spread over 10 km);
and a small picture typical of one decision cycle (20 tracks x 6 launchers).
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

from airdefense.catalog import load_catalog
from airdefense.engagement.envelope import feasibility
from airdefense.engagement.launchers import LauncherState
from airdefense.geo import SphereHeight

BASE_TARGET_MS = 20.0  # 200 x 30, without windows
FULL_TARGET_MS = 50.0  # 200 x 30, with windows


def launchers(n: int, rng: np.random.Generator) -> LauncherState:
    """``n`` launchers cycling through the catalog's interceptor types."""
    cat = load_catalog()
    names = ["pac3", "pac2_gem", "hawk_mim23", "tor_9m338", "gun_35mm"]
    units = []
    for i in range(n):
        name = names[i % len(names)]
        units.append(SimpleNamespace(
            interceptor=cat.interceptors[name], interceptor_name=name,
            enu=np.append(rng.uniform(-5000, 5000, 2), 0.0), battery=0, rounds=8,
            reload_time_s=600.0, fire_control=0,
            preset=SimpleNamespace(min_launch_interval_s=2.0)))
    return LauncherState(units, [SimpleNamespace(preset=SimpleNamespace(guidance_channels=0))])


def tracks(m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``m`` inbound tracks: drones, cruise and ballistic missiles."""
    kind = np.array(["drone", "cruise", "ballistic"])[np.arange(m) % 3]
    pos = np.column_stack([rng.uniform(-60000, 60000, (m, 2)), np.zeros(m)])
    speed = np.select([kind == "drone", kind == "cruise"], [50.0, 230.0], 1800.0)
    pos[:, 2] = np.select([kind == "drone", kind == "cruise"], [1000.0, 60.0], 30000.0)
    head = -pos[:, :2] / np.linalg.norm(pos[:, :2], axis=1)[:, None]
    vel = np.column_stack([head * speed[:, None] * np.where(kind == "ballistic", 0.6, 1.0)[:, None],
                           np.where(kind == "ballistic", -0.8 * speed, 0.0)])
    return np.hstack([pos, vel]), kind


def best_ms(fn, repeats: int = 7) -> float:
    """Best wall time of ``fn()`` over ``repeats`` calls, ms."""
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def measure() -> dict:
    rng = np.random.default_rng(1)
    L30 = launchers(30, rng)
    x, kind = tracks(200, rng)
    L6 = launchers(6, rng)
    xs, ks = tracks(20, rng)

    flat = SphereHeight(np.inf)

    out = {}
    out["base_ms"] = best_ms(lambda: feasibility(x, L30, flat, 0.0, kind=kind, windows=False))
    out["full_ms"] = best_ms(lambda: feasibility(x, L30, flat, 0.0, kind=kind))
    out["small_base_ms"] = best_ms(lambda: feasibility(xs, L6, flat, 0.0, kind=ks,
                                                        windows=False), 20)
    out["small_full_ms"] = best_ms(lambda: feasibility(xs, L6, flat, 0.0, kind=ks), 20)
    res = feasibility(x, L30, flat, 0.0, kind=kind)
    out["inside_frac"] = float(res["inside"].mean())
    out["window_frac"] = float(np.isfinite(res["window_open_s"]).mean())
    return out


@pytest.mark.benchmark
def test_bench_engagement():
    """200 tracks x 30 launchers: feasibility within its time targets."""
    m = measure()
    print(f"\nengagement: {m}")
    assert m["base_ms"] < BASE_TARGET_MS
    assert m["full_ms"] < FULL_TARGET_MS


if __name__ == "__main__":
    m = measure()
    print("feasibility, 200 tracks x 30 launchers (best of 7):")
    print(f"  PIP + envelope + Pk:          {m['base_ms']:.1f} ms (target < {BASE_TARGET_MS})")
    print(f"  ... + launch windows:         {m['full_ms']:.1f} ms (target < {FULL_TARGET_MS})")
    print("feasibility, 20 tracks x 6 launchers (best of 20):")
    print(f"  PIP + envelope + Pk:          {m['small_base_ms']:.2f} ms")
    print(f"  ... + launch windows:         {m['small_full_ms']:.2f} ms")
    print(f"pairs inside now: {m['inside_frac']:.2f}; with a window: {m['window_frac']:.2f}")
