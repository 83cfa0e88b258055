"""Rule 1's threat worth a round: a track whose value is at or below the control unit's
``min_threat_value`` (the scenario's ``c2.min_threat_value``; default 1e-6 of the largest
asset's value) is not engaged."""

from __future__ import annotations

import numpy as np
import pytest
from c2_pictures import Picture, make_tracks

from airdefense import load_scenario
from airdefense.c2 import ASSIGNERS, make_assigner
from airdefense.c2.evaluation import MIN_THREAT_FRACTION, min_threat_value
from airdefense.errors import AirDefenseError


def _floor(sc) -> float:
    return min_threat_value(sc.config.c2.min_threat_value, sc.assets.value)


def test_default_floor_is_a_fraction_of_the_largest_asset(layered):
    """Left out, the floor is 1e-6 of the largest asset's value (the city's $1bn here);
    given, it is the scenario's."""
    assert layered.config.c2.min_threat_value is None
    assert _floor(layered) == MIN_THREAT_FRACTION * 1e9 == pytest.approx(1000.0)
    assert min_threat_value(25.0, layered.assets.value) == 25.0
    assert min_threat_value(None, np.zeros(0)) == 0.0


@pytest.mark.parametrize("name", ASSIGNERS)
def test_a_drone_that_threatens_nothing_is_not_engaged(layered, name):
    """A drone whose straight path passes 7 km north of the city, its value a fraction of a
    dollar (the audit's field.py): before the floor, every assigner (cost-blind) ordered a
    $4M PAC-3 at it. The same drone aimed at the city is engaged."""
    pic = Picture(layered, make_tracks([[10000.0, 7000.0, 600.0]], [[-50.0, 0.0, 0.0]]))
    value = float(pic.evaluation["value"][0])
    assert 0.0 < value < 1.0  # it threatens nothing worth a round, yet its value is positive
    floor = _floor(layered)
    assert len(make_assigner(name, min_threat_value=floor).decide(*pic.args())) == 0
    # Under the old rule (any positive value) it drew a round.
    assert len(make_assigner(name, min_threat_value=0.0).decide(*pic.args())) > 0
    # The same drone 10 km east, flying at the city: worth tens of thousands, engaged.
    pic = Picture(layered, make_tracks([[10000.0, 0.0, 600.0]], [[-50.0, 0.0, 0.0]]))
    assert pic.evaluation["asset"][0] == 0
    assert pic.evaluation["value"][0] > 10 * floor
    assert len(make_assigner(name, min_threat_value=floor).decide(*pic.args())) > 0


def test_the_floor_is_strict(layered):
    """A track worth exactly the floor is not engaged; just below its value, it is."""
    pic = Picture(layered, make_tracks([[10000.0, 0.0, 600.0]], [[-50.0, 0.0, 0.0]]))
    v = float(pic.evaluation["value"][0])
    assert len(make_assigner("greedy", min_threat_value=v).decide(*pic.args())) == 0
    assert len(make_assigner("greedy", min_threat_value=0.999 * v).decide(*pic.args())) > 0


def test_the_simulation_passes_the_scenario_floor(layered_dict):
    """The run's control unit takes the scenario's floor, or the default one."""
    from airdefense.simulation.loop import _make_assigner

    rng = np.random.default_rng(0)
    sc = load_scenario(layered_dict)
    assert _make_assigner("greedy", sc, rng).min_threat_value == pytest.approx(1000.0)
    layered_dict["c2"] = {"min_threat_value": 5e4, "solver": "heuristic"}
    sc = load_scenario(layered_dict)
    assert _make_assigner("heuristic", sc, rng).min_threat_value == 5e4


def test_a_negative_floor_is_refused(layered_dict):
    layered_dict["c2"] = {"min_threat_value": -1.0}
    with pytest.raises(AirDefenseError, match=r"c2\.min_threat_value: must be >= 0, got -1"):
        load_scenario(layered_dict)
