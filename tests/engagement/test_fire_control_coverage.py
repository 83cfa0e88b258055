"""A launcher engages only where its fire-control radar can see: inside that radar's azimuth
sector and range (the envelope's fire-control constraint)."""

from __future__ import annotations

import numpy as np

from airdefense import load_scenario, simulate
from airdefense.engagement.envelope import envelope_margin
from airdefense.engagement.model import Engagement
from airdefense.simulation.events import EventLog
from tests.conftest import EXAMPLES

SC = load_scenario(EXAMPLES / "02_layered_city.yaml")


def _bearing_deg(frm, to):
    d = np.asarray(to, float)[..., :2] - np.asarray(frm, float)[:2]
    return np.degrees(np.arctan2(d[..., 0], d[..., 1])) % 360.0


def test_margin_is_negative_outside_the_radar_sector_and_range():
    """PAC-3 (MPQ-65 sector 80 +- 60 deg, 180 km): a point 20 km out on the boresight is
    inside, the same point behind the radar is outside; a Tor point beyond its radar's 32 km
    is outside."""
    L = Engagement(SC, EventLog(), np.random.default_rng(0)).launchers
    j = 0  # long_range.patriot_m903_pac3.0
    fc = SC.sensors[int(L.fire_control[j])]
    assert fc.preset.azimuth_sector_deg == 120 and fc.preset.boresight_deg == 80
    pts = []
    for brg in (80.0, 260.0, 135.0, 145.0):
        b = np.radians(brg)
        pts.append(L.enu[j] + [20000 * np.sin(b), 20000 * np.cos(b), 3000.0])
    pos = np.array(pts)
    vel = np.tile([-200.0, 0.0, 0.0], (len(pos), 1))
    d = np.linalg.norm(pos - L.enu[j], axis=1)
    tof = L.flyout.take(slice(j, j + 1)).time_to(d)
    n_l = len(L)
    margin, _ = envelope_margin(L, np.broadcast_to(pos[:, None], (len(pos), n_l, 3)),
                                vel[:, None], tof[:, None], np.full((len(pos), 1), 3000.0))
    m = margin[:, j]
    assert m[0] >= 0.0 and m[2] >= 0.0  # on the boresight, and 55 deg off it
    assert m[1] < 0.0 and m[3] < 0.0  # behind, and 65 deg off it
    # Tor: a point 34 km out is beyond its radar (32 km), whatever the missile could do.
    t = int(np.flatnonzero(np.array(L.interceptor) == "tor_9m338")[0])
    far = L.enu[t] + [34000.0, 0.0, 2000.0]
    mt, _ = envelope_margin(L, np.broadcast_to(far, (1, n_l, 3)), vel[:1, None],
                            np.full((1, 1), 20.0), np.full((1, 1), 2000.0))
    assert mt[0, t] < 0.0


def test_no_engagement_outside_the_fire_control_radar_sector():
    """In example 2 every Patriot intercept point lies inside the MPQ-65's 120 deg sector
    (before, PAC-3 rounds were fired at cruise missiles 130 deg off its boresight)."""
    L = Engagement(SC, EventLog(), np.random.default_rng(0)).launchers
    fc = SC.sensors[int(L.fire_control[0])]
    patriots = np.flatnonzero(L.fire_control == L.fire_control[0])
    for seed in (2, 3):
        ev = simulate(SC, seed=seed).events
        a = ev[(ev.kind == "assignment") & ev.launcher_id.isin(patriots)]
        assert len(a) > 0
        off = (_bearing_deg(fc.enu, a[["x", "y"]].to_numpy()) - 80.0 + 180.0) % 360.0 - 180.0
        assert np.all(np.abs(off) <= 60.0 + 1e-6), off[np.abs(off) > 60.0]
