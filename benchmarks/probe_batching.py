"""Probe: how the control unit's geometry costs scale when R replications share each call.

Run: ``.venv/bin/python benchmarks/probe_batching.py``. Evidence for the replication axis
(docs/architecture.md, Performance): the launch-now intercepts and the launch windows of R
decision cycles' worth of tracks (9 inbound tracks a cycle, as on example 2, against its 9
launchers) computed in one call, best of 7.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from bench_engagement import best_ms

from airdefense import load_scenario
from airdefense.engagement.envelope import feasibility, launch_window_delays
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "02_layered_city.yaml"


def inbound_tracks(m: int, rng: np.random.Generator) -> np.ndarray:
    """Track states (m, 6): 50-2,000 m high within 40 km, flying at the origin at 50-250 m/s."""
    pos = np.stack([rng.uniform(-40000, 40000, m), rng.uniform(-40000, 40000, m),
                    rng.uniform(50, 2000, m)], axis=1)
    d = -pos[:, :2] / np.linalg.norm(pos[:, :2], axis=1)[:, None]
    speed = rng.uniform(50, 250, m)
    return np.hstack([pos, np.stack([d[:, 0] * speed, d[:, 1] * speed, np.zeros(m)], axis=1)])


def main() -> None:
    sc = load_scenario(EXAMPLE)
    launchers = Engagement(sc, EventLog(), np.random.default_rng(0)).launchers
    heights = sc.frame.height_m
    rng = np.random.default_rng(0)
    for reps in (1, 10, 100, 1000):
        x = inbound_tracks(9 * reps, rng)
        kind = np.array(["drone"] * len(x))
        now = 1e-3 * best_ms(lambda x=x, kind=kind: feasibility(x, launchers, heights, 100.0, kind=kind,
                                                        windows=False))
        win = 1e-3 * best_ms(lambda x=x, kind=kind: launch_window_delays(x, launchers, heights,
                                                                 kind=kind))
        print(f"R={reps:5d} ({9 * reps:5d} tracks x {len(launchers)} launchers): launch-now "
              f"{now * 1e3:8.2f} ms = {now / reps * 1e6:7.1f} us a replication; windows "
              f"{win * 1e3:8.2f} ms = {win / reps * 1e6:7.1f} us a replication", flush=True)


if __name__ == "__main__":
    main()
