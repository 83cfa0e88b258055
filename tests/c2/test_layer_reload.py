"""Rule 6 with an empty outer launcher: it holds the inner layer back only while it can still
engage the track, that is with a round now, or with a reload that completes while its launch
window is open and within the threat's time to go."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from c2_pictures import LAYERED, Picture, make_tracks

from airdefense import load_scenario
from airdefense.c2 import ASSIGNERS, make_assigner
from airdefense.engagement.envelope import feasibility

PAC3, PAC2, TOR = 0, 1, 2  # launchers of the picture (the Tor battery's are 2 and 3)


@pytest.fixture(scope="module")
def mixed_outer():
    """The layered scenario, its outer battery one PAC-3 and one PAC-2 launcher (the audit's
    case: example 2's Patriot battery mixes them)."""
    d = copy.deepcopy(LAYERED)
    d["batteries"]["outer"]["launchers"] = [{"preset": "patriot_m903_pac3", "count": 1},
                                            {"preset": "patriot_m903_pac2", "count": 1}]
    return load_scenario(d)


def _picture(sc, reload_in_s: float) -> Picture:
    """A drone 6 km east of the city, 55 m above the ground (above the PAC-3's 50-m floor
    and the Tor's, below the PAC-2's 60 m), the PAC-3 launcher empty with its reload due in
    ``reload_in_s`` (inf: none coming)."""
    pos = np.array([[6000.0, 300.0, 0.0]])
    pos[0, 2] += 55.0 - sc.frame.height_m(pos)[0]
    pic = Picture(sc, make_tracks(pos, [[-50.0, 0.0, 0.0]]))
    L = pic.launchers
    t = pic.tracks.time_s
    L.rounds[PAC3] = 0
    L.last_fire_s[PAC3] = t - 10.0
    L.reload_done_s[PAC3] = t + reload_in_s
    return pic


@pytest.mark.parametrize("name", ASSIGNERS)
@pytest.mark.parametrize("reload_in_s", [10.0, 60.0, 119.0, 125.0, 3600.0, np.inf])
def test_inner_layer_waits_only_for_a_chance_with_a_round(mixed_outer, name, reload_in_s):
    """The inner Tor fires at once unless the empty PAC-3 gets its round while its window is
    still open and before the drone arrives; the PAC-2 cannot reach the drone. The expected
    answer comes from the envelope's launch windows and the threat's time to go (rule 6);
    before the fix the Tor waited for every reload, even one due in an hour (the audit: 116 s,
    until the PAC-3's window closed, its first shot 361 m from the city)."""
    pic = _picture(mixed_outer, reload_in_s)
    t = pic.tracks.time_s
    geo = feasibility(pic.tracks.x, pic.launchers, mixed_outer.frame.height_m, t)
    assert geo["inside"][0].tolist() == [True, False, True, True]  # the case is as intended
    assert not np.isfinite(geo["window_close_s"][0, PAC2])
    close = geo["window_close_s"][0, PAC3]
    arrive = t + pic.evaluation["time_to_go_s"][0]
    held = t + reload_in_s <= min(close, arrive)
    orders = make_assigner(name).decide(*pic.args())
    if held:
        assert len(orders) == 0
    else:
        assert len(orders) > 0
        assert set(orders.launcher.tolist()) <= {TOR, TOR + 1}


@pytest.mark.parametrize("name", ASSIGNERS)
def test_the_loaded_outer_launcher_fires_first(mixed_outer, name):
    """With its round, the PAC-3 engages the drone and the Tor does not."""
    pos = np.array([[6000.0, 300.0, 0.0]])
    pos[0, 2] += 55.0 - mixed_outer.frame.height_m(pos)[0]
    pic = Picture(mixed_outer, make_tracks(pos, [[-50.0, 0.0, 0.0]]))
    orders = make_assigner(name).decide(*pic.args())
    assert orders.launcher.tolist() == [PAC3]
