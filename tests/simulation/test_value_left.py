"""The control unit defends what an asset still holds, not its value before the raid."""

from __future__ import annotations

import numpy as np

from airdefense import load_scenario, simulate
from airdefense.simulation import loop
from tests.conftest import EXAMPLES


def _spy_cycles(monkeypatch, pick) -> list:
    """Record ``(decision time, pick(value, keywords))`` at each threat evaluation of the
    decision cycles of the runs that follow."""
    now, seen = [0.0], []
    orig_eval, orig_decide = loop.evaluate_threats, loop._Run.decide
    orig_screen = loop.screen_cycle

    def decide(self, t):
        now[0] = t
        return orig_decide(self, t)

    def spy(x, enu, value, alive, **kw):
        seen.append((now[0], pick(value, kw)))
        return orig_eval(x, enu, value, alive, **kw)

    def screen(*a, **k):  # the cycle's screen evaluates the threats with the same assets
        _, value, _, _, _, _, _, damaged = a[-1]
        seen.append((now[0], pick(value, {"asset_damaged": damaged})))
        return orig_screen(*a, **k)

    monkeypatch.setattr(loop, "evaluate_threats", spy)
    monkeypatch.setattr(loop, "screen_cycle", screen)
    monkeypatch.setattr(loop._Run, "decide", decide)
    return seen


def test_threat_evaluation_sees_the_value_left_after_damage(monkeypatch):
    """Each decision cycle values an area asset at its value minus the value its damage events
    so far took (recomputed from the event log); the assets table's loss is the same sum."""
    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    seen = _spy_cycles(monkeypatch, lambda value, kw: np.array(value, float))
    r = simulate(sc, seed=2)
    ev = r.events
    area = np.flatnonzero(np.asarray(sc.assets.radius_m) > 0)
    hurt = ev[ev.kind.isin(["asset_damaged", "asset_destroyed"]) & ev.asset_id.isin(area)]
    assert len(hurt) > 0  # the check below is not empty
    value = np.asarray(sc.assets.value, float)
    changed = 0
    for t, v in seen:
        done = hurt[hurt.time_s <= t + 1e-9]
        lost = np.zeros(len(value))
        np.add.at(lost, done.asset_id.to_numpy(int), done.value.to_numpy(float))
        np.testing.assert_allclose(v[area], np.maximum(value[area] - lost[area], 0.0),
                                   rtol=1e-12, atol=1e-3)
        changed += bool((v[area] < value[area]).any())
    assert changed > 0
    lost = np.zeros(len(value))
    np.add.at(lost, hurt.asset_id.to_numpy(int), hurt.value.to_numpy(float))
    np.testing.assert_allclose(r.assets.value_lost.to_numpy()[area], lost[area], rtol=1e-9)


def test_threat_evaluation_knows_the_damaged_point_assets(monkeypatch):
    """From its damage event on, a damaged point asset is evaluated as damaged (hit again, it
    is destroyed: c2.evaluate_threats' ``asset_damaged``), and no asset is before its event
    (area assets, whose damage is their lost share, included)."""
    sc = load_scenario(EXAMPLES / "03_battery_strike.yaml")
    seen = _spy_cycles(monkeypatch, lambda value, kw: np.array(kw["asset_damaged"], bool))
    ev = simulate(sc, seed=14).events
    point = np.flatnonzero(np.asarray(sc.assets.radius_m) == 0)
    hurt = ev[(ev.kind == "asset_damaged") & ev.asset_id.isin(point)]
    gone = ev[ev.kind == "asset_destroyed"]
    assert len(hurt) == 1  # seed 14 damages one point asset (a radar) and no more
    a, t_hurt = int(hurt.asset_id.iloc[0]), float(hurt.time_s.iloc[0])
    t_gone = gone.time_s[gone.asset_id == a].min() if (gone.asset_id == a).any() else np.inf
    after = [d for t, d in seen if t_hurt <= t < t_gone]
    assert after and all(d[a] for d in after)
    assert not any(d[a] for t, d in seen if t < t_hurt)
    others = np.setdiff1d(point, np.r_[a, gone.asset_id.to_numpy(int)])
    assert not any(d[others].any() for _, d in seen)
