"""The launch events' positions: each threat's true state at its launch time, evaluated once
per run for all threats in batches of instants (``simulation.loop._launch_positions``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from airdefense import load_scenario
from airdefense.simulation import loop
from airdefense.threats import build_threats

from ..conftest import EXAMPLES


@pytest.mark.parametrize("example", ["02_layered_city.yaml", "04_standoff_strike.yaml"])
@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_launch_positions_are_the_states_at_each_launch(monkeypatch, example, chunk):
    """Bit for bit the rows of ``ThreatSet.states(launch_time_s[k])`` (munitions released by
    a platform included), whatever the batch of instants (one, a few, all at once)."""
    sc = load_scenario(EXAMPLES / example)
    truth = build_threats(sc, np.random.default_rng(7))
    monkeypatch.setattr(loop, "_LAUNCH_CHUNK", chunk)
    pos = loop._launch_positions(truth)
    ref = np.array([truth.states(float(t))[k, :3] for k, t in enumerate(truth.launch_time_s)])
    assert pos.shape == (len(truth), 3)
    assert pos.tobytes() == ref.tobytes()


def test_no_batch_without_states_many():
    """A trajectory without ``states_many``: None (the loop then asks ``states`` per launch)."""
    sc = load_scenario(EXAMPLES / "01_drone_wave.yaml")
    truth = build_threats(sc, np.random.default_rng(1))

    class OneAtATime:
        def __init__(self, traj):
            self.states = traj.states

    assert loop._launch_positions(
        dataclasses.replace(truth, trajectory=OneAtATime(truth.trajectory))) is None
