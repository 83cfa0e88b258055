"""A radar-guided round may be fired only where its fire-control radar covers the target now,
not only the predicted intercept point: the control unit's options and the fire control
agree (one kernel rule, :func:`airdefense.engagement._kernels.target_seen_at_launch`)."""

from __future__ import annotations

import numpy as np
import pytest
from c2_pictures import Picture, battery_alone, make_tracks

from airdefense.c2._options import engagement_options
from airdefense.engagement.envelope import envelope_margin


@pytest.fixture
def tor_only(layered_dict):
    """The layered scenario without its Patriot battery: a Tor battery alone."""
    return battery_alone(layered_dict, "inner")


def _diving_track(sc, launcher_enu, lead_s):
    """A target diving on the Tor from above its radar's 10 km ceiling, ``lead_s`` s along."""
    p0 = launcher_enu + np.array([11000.0, 0.0, 10400.0])
    v = np.array([-150.0, 0.0, -250.0])
    return make_tracks(p0 + v * lead_s, v)


@pytest.mark.parametrize("lead_s,covered", [(0.0, False), (3.0, True)])
def test_target_above_the_radar_ceiling_now_is_not_engaged(tor_only, lead_s, covered):
    """Target above the Tor radar's 10 km ceiling now, intercept point below it: no option
    and no fire-control launch; 3 s later (below the ceiling) both allow it."""
    sc = tor_only
    pic0 = Picture(sc, make_tracks(np.zeros((1, 3)), np.zeros((1, 3))))
    L = pic0.launchers
    j = 0
    radar = sc.sensors[int(L.fire_control[j])].preset
    assert radar.max_altitude_m == 10000.0
    tracks = _diving_track(sc, L.enu[j], lead_s)
    pic = Picture(sc, tracks)
    opt = engagement_options(*pic.args())
    geo = pic.engagement.geometry(tracks, tracks.time_s)
    # Independent reference: the intercept point is inside the envelope (plain margin, and
    # below the radar's ceiling), the target now is (or is not) above the radar's ceiling.
    pip = opt.pip[0, j]
    h = sc.frame.height_m
    n_l = len(L)
    margin, _ = envelope_margin(L, np.broadcast_to(pip, (1, n_l, 3)),
                                np.broadcast_to(tracks.x[0, 3:], (1, n_l, 3)),
                                np.full((1, n_l), opt.tof[0, j]), h(pip[None])[:, None])
    assert margin[0, j] >= 0.0 and h(pip[None])[0] < radar.max_altitude_m
    assert bool(h(tracks.x[:1, :3])[0] <= radar.max_altitude_m) is covered
    assert bool(opt.allowed[0, j]) is covered
    assert bool(geo["inside"][0, j]) is covered
    assert bool(opt.pk[0, j] > 0.0) is covered and bool(geo["pk"][0, j] > 0.0) is covered
