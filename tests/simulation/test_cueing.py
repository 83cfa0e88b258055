"""The loop cues cued radars (example 2's HAWK illuminator) on the targets of their rounds."""

from __future__ import annotations

import numpy as np

from airdefense import load_scenario
from airdefense.sensors.radar import RadarNetwork
from airdefense.simulation.loop import _Run
from tests.conftest import EXAMPLES
from tests.simulation.test_invariants import check_invariants

EXAMPLE2 = EXAMPLES / "02_layered_city.yaml"


def test_illuminator_sees_only_targets_of_its_battery_rounds_in_flight():
    """In example 2 (truth tracking, seed 2) the cued HAWK illuminator detects only threats
    that a HAWK round was flying to (or waiting on its launcher for) when the scan began,
    never a false alarm, and many of them; every threat still ends in exactly one state."""
    sc = load_scenario(EXAMPLE2)
    hpi = [i for i, s in enumerate(sc.sensors) if s.preset_name == "hawk_hpi"]
    assert len(hpi) == 1 and sc.sensors[hpi[0]].preset.scan == "cued"
    hpi = hpi[0]
    battery = sc.sensors[hpi].battery
    run = _Run(sc, 2, "truth", None)
    assert run._cued
    step = run.sensors.step
    seen = []

    def spy(t0, t1, truth, alive, rng):
        ic = run.engagement.icpt
        n = ic.n
        own = ic.active[:n] & (ic.battery[:n] == battery)
        flying = set(ic.target[:n][own].tolist())
        det = step(t0, t1, truth, alive, rng)
        seen.append((det.truth_id[det.sensor == hpi].tolist(), flying))
        return det

    run.sensors.step = spy
    res = run.run()
    check_invariants(res, sc)
    n_det, targets = 0, set()
    for ids, flying in seen:
        assert set(ids) <= flying  # no false alarm (-1) either
        n_det += len(ids)
        targets |= set(ids)
    hawk = res.interceptors[res.interceptors.type == "hawk_mim23"]
    assert n_det > 200
    assert len(targets) >= 0.9 * hawk.target[hawk.target >= 0].nunique()


def test_no_cued_radar_no_cueing(monkeypatch):
    """Without a cued radar (the illuminator made electronic) the loop never cues."""
    sc = load_scenario(EXAMPLE2)
    for s in sc.sensors:
        if s.preset.scan == "cued":
            s.preset = s.preset.model_copy(update={"scan": "electronic"})

    def refuse(*args, **kwargs):
        raise AssertionError("set_cues called")

    monkeypatch.setattr(RadarNetwork, "set_cues", refuse)
    run = _Run(sc, 2, "truth", None)
    assert not run._cued
    res = run.run()
    assert (res.interceptors.type == "hawk_mim23").sum() > 10
    assert np.isfinite(res.summary["value_lost"])
