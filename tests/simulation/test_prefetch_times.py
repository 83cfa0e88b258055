"""The instants the loop prefetches: the block's start and its step ends, ``min(j step_s,
duration_s)`` for ``j`` from each block's first step ``k`` to ``k + _PREFETCH``
(``_Run.run``)."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense import load_scenario, simulate
from airdefense.simulation import loop
from airdefense.threats.base import ThreatSet

from ..conftest import EXAMPLES


@pytest.mark.parametrize(("step_s", "duration_s"), [(1.0, 300.0), (0.7, 234.5)])
def test_prefetched_instants_are_the_step_ends(monkeypatch, step_s, duration_s):
    """Each block is the Python floats ``min(j * step_s, duration_s)``, ``j`` from the block's
    first step on, bit for bit (the loop then finds each step's start and end in the block)."""
    sc = load_scenario(EXAMPLES / "01_drone_wave.yaml")
    sc.config.step_s, sc.config.duration_s = step_s, duration_s
    monkeypatch.setattr(loop, "_PREFETCH", 16)
    blocks = []
    orig = ThreatSet.prefetch

    def spy(self, times):
        blocks.append(np.asarray(times, float).tolist())
        return orig(self, times)

    monkeypatch.setattr(ThreatSet, "prefetch", spy)
    simulate(sc, seed=3)
    assert len(blocks) >= 2
    for b, got in enumerate(blocks):
        k = 16 * b
        assert got == [min(j * step_s, duration_s) for j in range(k, k + 17)]
