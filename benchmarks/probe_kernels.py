"""Probe: how much of a replication is compiled work, and which kernels it is.

Run: ``.venv/bin/python benchmarks/probe_kernels.py [--tracking truth|full] [--seeds N]``.
After two warm-up replications every numba kernel that the package calls from Python is
wrapped in a timer (about a microsecond a call), except the three that the loop's fused quiet
calls check by identity (``sense_truth``, ``cycle_screen``, ``fly_step``: wrapping them would
turn the fused path off); their calls outside the fused calls are then counted as Python.
Prints the wall time of a replication, the time inside the wrapped kernels (dispatch
included) and the kernels that take most, averaged over ``SeedSequence(2026).spawn(N)``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "02_layered_city.yaml"
#: Kernels the fused path checks by identity (left unwrapped).
FUSED = ("sense_truth", "cycle_screen", "fly_step")


def _wrap_kernels(acc: dict) -> None:
    """Replace every airdefense module's numba dispatchers by timers adding to ``acc``."""
    from numba.core.registry import CPUDispatcher

    done: dict[int, object] = {}

    def timed(d):
        if id(d) not in done:
            name = f"{d.py_func.__module__.removeprefix('airdefense.')}.{d.__name__}"
            clock = time.perf_counter

            def call(*a, **k):
                t = clock()
                try:
                    return d(*a, **k)
                finally:
                    e = acc.setdefault(name, [0.0, 0])
                    e[0] += clock() - t
                    e[1] += 1
            done[id(d)] = call
        return done[id(d)]

    for mname, m in list(sys.modules.items()):
        if not mname.startswith("airdefense") or m is None:
            continue
        for k, v in list(vars(m).items()):
            if isinstance(v, CPUDispatcher) and v.__name__ not in FUSED:
                setattr(m, k, timed(v))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracking", default="truth", choices=("truth", "full"))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()

    import airdefense as ad
    from airdefense.simulation.loop import _simulate

    sc = ad.load_scenario(EXAMPLE)
    for s in np.random.SeedSequence(99).spawn(2):
        _simulate(sc, s, a.tracking, None, tables=False)
    acc: dict[str, list] = {}
    _wrap_kernels(acc)
    wall = 0.0
    for s in np.random.SeedSequence(2026).spawn(a.seeds):
        t0 = time.perf_counter()
        _simulate(sc, s, a.tracking, None, tables=False)
        wall += time.perf_counter() - t0
    n = a.seeds
    ker = sum(v[0] for v in acc.values())
    calls = sum(v[1] for v in acc.values())
    print(f"example 2, tracking={a.tracking}: {wall / n * 1e3:.1f} ms a replication, wrapped "
          f"kernels {ker / n * 1e3:.1f} ms in {calls / n:.0f} calls, the rest "
          f"{(wall - ker) / n * 1e3:.1f} ms")
    for name, (t, c) in sorted(acc.items(), key=lambda kv: -kv[1][0])[:a.top]:
        print(f"  {name:40s} {t / n * 1e3:8.2f} ms {c / n:8.0f} calls")


if __name__ == "__main__":
    main()
