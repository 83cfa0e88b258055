"""The decision cycle's screen as a run calls it (:meth:`airdefense.simulation.loop._Run.decide`
through :func:`airdefense.c2.screen_cycle`): it screens every cycle of example 2, with the
free channels it writes those of the engagement."""

from __future__ import annotations

import collections

import numpy as np

from airdefense import load_scenario, simulate
from airdefense.simulation import loop
from tests.conftest import EXAMPLES


def test_every_cycle_is_screened_with_the_engagements_free_channels(monkeypatch):
    """Example 2, truth tracking: no cycle falls back to the cycle in steps (-1: the run's
    tracks are what the screen reads), and where the screen computes the free channels
    itself (no round queued) they are :meth:`Engagement.channels_free`'s, which change in
    the run as rounds fly (the check is not empty)."""
    run = [None]
    answers: collections.Counter = collections.Counter()
    written = []
    orig_screen, orig_decide = loop.screen_cycle, loop._Run.decide

    def decide(self, t):
        run[0] = self
        return orig_decide(self, t)

    def screen(*a, **k):
        n = orig_screen(*a, **k)
        answers[min(n, 1)] += 1
        if k.get("rounds") is not None:
            chan, sensor_ok = a[7], a[10]
            want = run[0].engagement.channels_free(sensor_ok)
            np.testing.assert_array_equal(chan, want)
            written.append(want.copy())
        return n

    monkeypatch.setattr(loop, "screen_cycle", screen)
    monkeypatch.setattr(loop._Run, "decide", decide)
    simulate(load_scenario(EXAMPLES / "02_layered_city.yaml"), seed=2, tracking="truth")
    assert answers[-1] == 0
    assert answers[0] > 100 and answers[1] > 0  # idle cycles and cycles that order
    free = np.array(written)
    assert len(free) > 100
    limited = free[0] > 0
    assert limited.any() and (free[:, limited] < free[0, limited]).any()  # rounds in flight
