"""Launches of a raid without munitions walk the threats in launch-time order
(``_Run._launch_in_order``); reference: the general stage, which scans every pending threat
each time (forced here by a platform entry with no munitions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airdefense import load_scenario
from airdefense.simulation import loop

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(sc, seed, general: bool, monkeypatch, launch_t=None):
    with monkeypatch.context() as m:
        if general or launch_t is not None:
            init = loop._Run.__init__

            def patched(self, *a, **k):
                init(self, *a, **k)
                if launch_t is not None:  # ties and launches on step boundaries
                    self.truth.launch_time_s = launch_t(self.truth.launch_time_s)
                    self._next_launch = float(self.truth.launch_time_s.min())
                if general:
                    self._children = {-7: np.zeros(0, np.int64)}  # no threat's platform

            m.setattr(loop._Run, "__init__", patched)
        return loop._Run(sc, seed, "truth", None).run()


@pytest.mark.parametrize("rounding", [None, 1.0, 5.0])
def test_launches_in_order_are_the_general_stages(monkeypatch, rounding):
    """The same event log as the general stage, also with launch times rounded to whole
    steps and to 5 s (many ties, launches exactly at step ends)."""
    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    shift = None if rounding is None else (lambda t: np.round(t / rounding) * rounding)
    fast = _run(sc, 3, False, monkeypatch, shift)
    ref = _run(sc, 3, True, monkeypatch, shift)
    assert (fast.events["kind"] == "launch").sum() > 10
    pd.testing.assert_frame_equal(fast.events, ref.events, check_exact=True)
    pd.testing.assert_frame_equal(fast.threats, ref.threats, check_exact=True)
