"""The doctrine's ``min_pk``: a battery fires only at a launch kill probability of at least it."""

from __future__ import annotations

import numpy as np
import pytest
from c2_pictures import Picture, battery_alone, drone_wave

from airdefense import load_scenario
from airdefense.c2._options import engagement_options
from airdefense.errors import ScenarioError


def _tor_only(layered_dict, min_pk=None):
    return battery_alone(layered_dict, "inner", None if min_pk is None else {"min_pk": min_pk})


def test_pairs_below_the_least_pk_wait(layered_dict, rng):
    """With ``min_pk`` p the allowed pairs are exactly those allowed without it whose launch
    Pk is at least p (the Pk itself does not change)."""
    import copy

    tracks = drone_wave(30, rng)
    base = engagement_options(*Picture(_tor_only(copy.deepcopy(layered_dict)), tracks).args())
    pks = base.pk[base.allowed]
    assert pks.size >= 4 and np.ptp(pks) > 0  # a spread of chances to cut
    p = float(np.median(pks))
    opt = engagement_options(*Picture(_tor_only(layered_dict, p), tracks).args())
    np.testing.assert_array_equal(opt.pk, base.pk)
    np.testing.assert_array_equal(opt.allowed, base.allowed & (base.pk >= p))
    assert 0 < opt.allowed.sum() < base.allowed.sum()


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_min_pk_outside_0_1_is_refused(layered_dict, value):
    d = layered_dict
    d["batteries"]["inner"]["doctrine"] = {"min_pk": value}
    rule = "must be >= 0, got -0.1" if value < 0 else "must be <= 1, got 1.5"
    with pytest.raises(ScenarioError, match=r"batteries\.inner\.doctrine\.min_pk: " + rule):
        load_scenario(d)


def test_an_outer_layer_that_cannot_reach_its_least_pk_holds_no_one_back(layered_dict, rng):
    """An outer battery whose ``min_pk`` is above its class Pk (an upper bound of its launch
    Pk) will never fire: the inner layer engages as if the outer held fire; one whose
    ``min_pk`` is within reach still holds the inner layer back while its window is open."""
    import copy

    tracks = drone_wave(30, rng)

    def opts(outer_doctrine):
        d = copy.deepcopy(layered_dict)
        d["batteries"]["outer"]["doctrine"] = {"layer": "outer", **outer_doctrine}
        return engagement_options(*Picture(load_scenario(d), tracks).args())

    sc = load_scenario(copy.deepcopy(layered_dict))
    inner = np.array([sc.batteries[b].name == "inner" for b in
                      Picture(sc, tracks).launchers.battery])
    held = opts({"hold_fire": True})
    base = opts({})
    assert held.allowed[:, inner].sum() > base.allowed[:, inner].sum()  # layering binds here
    np.testing.assert_array_equal(opts({"min_pk": 0.99}).allowed, held.allowed)
    reach = opts({"min_pk": 0.5})
    assert reach.allowed[:, inner].sum() < held.allowed[:, inner].sum()
