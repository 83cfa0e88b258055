"""Full tracking in the simulation: a track counts only the scans of radars that looked at it."""

from __future__ import annotations

import numpy as np

from airdefense import load_scenario, simulate
from airdefense.simulation import THREAT_STATES
from tests.conftest import EXAMPLES


def test_drone_wave_full_mode_keeps_its_tracks():
    """Example 1, seed 2, full tracking: track starts per threat drop from about 13 (every step
    counted as a scan of every track) to under 9, and every threat ends in one state."""
    sc = load_scenario(EXAMPLES / "01_drone_wave.yaml")
    res = simulate(sc, seed=2, tracking="full")
    th = res.threats
    starts = int(np.count_nonzero(res.events.kind == "track_start"))
    assert starts < 9 * len(th)  # 224 for 30 threats here; 398 before
    assert th.threat_id.is_unique and th.state.isin(THREAT_STATES).all()
    assert len(th) == 30


def test_full_mode_records_scans_from_the_radars_looks(monkeypatch):
    """The loop hands the network's looked_by (which radars looked at each track) to the full
    tracker, once per step."""
    from airdefense.sensors.radar import RadarNetwork

    calls = []
    orig = RadarNetwork.looked_by

    def spy(self, pos, **kw):
        out = orig(self, pos, **kw)
        calls.append(out.shape)
        return out

    monkeypatch.setattr(RadarNetwork, "looked_by", spy)
    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    sc.config.duration_s = 120.0
    simulate(sc, seed=2, tracking="truth")
    assert calls == []  # the truth tracker takes no scan mask
    simulate(sc, seed=2, tracking="full")
    assert len(calls) > 0 and max(q for q, _ in calls) > 0
    assert {k for _, k in calls} == {len(sc.sensors)}  # a column per radar
