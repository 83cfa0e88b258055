"""The control unit's options and the fire control apply the same low edge: a pair is allowed
(and a launch inside) only where the predicted intercept point is at least
``LOW_EDGE_MARGIN_M`` above the interceptor's minimum altitude (one kernel rule,
:func:`airdefense.engagement._kernels.envelope_at` with ``fire``)."""

from __future__ import annotations

import numpy as np
import pytest
from c2_pictures import Picture, battery_alone, make_tracks

import airdefense.engagement.envelope as env
from airdefense.c2._options import engagement_options


@pytest.fixture
def pac3_only(layered_dict):
    """The layered scenario without its Tor battery: a PAC-3 battery alone (floor 50 m)."""
    return battery_alone(layered_dict, "outer")


def test_options_and_fire_control_share_the_low_edge(pac3_only, monkeypatch):
    """A cruise missile 120 m high, 20 km out, inbound on the PAC-3: with the margin 1 m short
    of its intercept point's height above the 50 m floor, the options allow it and the fire
    control's launch is inside; 1 m past it, neither (the PIP's height from the frame: an
    independent reference of the kernel's)."""
    sc = pac3_only
    pic0 = Picture(sc, make_tracks(np.zeros((1, 3)), np.zeros((1, 3))))
    L = pic0.launchers
    assert L.min_alt[0] == 50.0
    p0 = L.enu[0] + np.array([20000.0, 500.0, 120.0])
    tracks = make_tracks(p0, np.array([-210.0, 0.0, 0.0]))
    monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", 0.0)
    pic = Picture(sc, tracks)
    opt = engagement_options(*pic.args())
    assert opt.allowed[0].any()
    j = int(np.flatnonzero(opt.allowed[0])[0])
    hp = float(sc.frame.height_m(opt.pip[0, j][None])[0])
    assert 60.0 < hp < 200.0
    for shift, ok in ((-1.0, True), (1.0, False)):
        monkeypatch.setattr(env, "LOW_EDGE_MARGIN_M", hp - 50.0 + shift)
        pic = Picture(sc, tracks)
        opt = engagement_options(*pic.args())
        geo = pic.engagement.geometry(tracks, tracks.time_s)
        assert bool(opt.allowed[0, j]) is ok
        assert bool(geo["inside"][0, j]) is ok and bool(geo["pk"][0, j] > 0) is ok
