"""Salvo doctrine: sizes per threat class, and the greedy unit's salvo rippled from one
launcher, or across the battery's launchers when one launcher cannot fire it all."""

from __future__ import annotations

import copy

import pytest
from c2_pictures import LAYERED, Picture, make_tracks
from pydantic import ValidationError

from airdefense import load_scenario
from airdefense.c2 import make_assigner
from airdefense.scenario.model import Doctrine

#: One Patriot-class battery (two PAC-3 launchers), no layers.
SALVO = copy.deepcopy(LAYERED)
del SALVO["batteries"]["inner"]
SALVO["batteries"]["outer"]["doctrine"] = {
    "mode": "shoot_shoot_look", "salvo_size": {"default": 1, "ballistic": 2},
    "max_rounds_per_threat": 2}

#: A quasi-ballistic missile coming down 25 km east of the battery, and a drone 15 km east.
BALLISTIC = ([22000.0, 0.0, 15000.0], [-1200.0, 0.0, -900.0])
DRONE = ([12000.0, 2000.0, 800.0], [-50.0, 0.0, 0.0])


def _orders(doctrine_salvo, period_s, which, rounds=None):
    d = copy.deepcopy(SALVO)
    d["batteries"]["outer"]["doctrine"]["salvo_size"] = doctrine_salvo
    pos, vel = zip(*[{"ballistic": BALLISTIC, "drone": DRONE}[w] for w in which], strict=True)
    pic = Picture(load_scenario(d), make_tracks(list(pos), list(vel)))
    if rounds is not None:
        pic.launchers.rounds[:] = rounds
    unit = make_assigner("greedy", decision_period_s=period_s, cost_weight=0.0)
    orders = unit.decide(*pic.args())
    per = {}
    for trk, j, n in zip(orders.track_id.tolist(), orders.launcher.tolist(),
                         orders.rounds.tolist(), strict=True):
        per.setdefault(which[trk - 100], []).append((j, n))
    return per


def test_salvo_by_class_fires_two_at_the_missile_one_at_the_drone():
    """{default: 1, ballistic: 2}: the missile gets a salvo of two, the drone one round (a
    6-s decision lets one launcher ripple both)."""
    per = _orders({"default": 1, "ballistic": 2}, 6.0, ["ballistic", "drone"])
    assert sum(n for _, n in per["ballistic"]) == 2
    assert sum(n for _, n in per["drone"]) == 1


def test_one_salvo_size_fires_two_at_every_class():
    per = _orders(2, 6.0, ["ballistic", "drone"])
    assert sum(n for _, n in per["ballistic"]) == 2
    assert sum(n for _, n in per["drone"]) == 2


def test_greedy_ripples_the_salvo_from_one_launcher_then_across_the_batterys_launchers():
    """With a 2-s decision a PAC-3 launcher (2-s launch interval) still ripples the salvo of
    two, the second round one interval after the first (a salvo is one decision; before, its
    cycle capacity of one round split it over both launchers, or made it one round and a look
    where the battery had one). A launcher with one round left gives one, the next soonest
    launcher the other."""
    per = _orders({"default": 1, "ballistic": 2}, 2.0, ["ballistic"])
    assert len(per["ballistic"]) == 1 and per["ballistic"][0][1] == 2
    j = per["ballistic"][0][0]
    rounds = [12, 12]
    rounds[j] = 1
    per = _orders({"default": 1, "ballistic": 2}, 2.0, ["ballistic"], rounds)
    assert sorted(per["ballistic"]) == [(0, 1), (1, 1)]


@pytest.mark.parametrize(("doctrine", "pattern"), [
    ({"mode": "shoot_shoot_look", "salvo_size": {"ballistic": 2}},
     r"salvo_size by class needs a 'default' for the classes not named, got \{'ballistic': 2\}"),
    ({"mode": "shoot_look_shoot", "salvo_size": {"default": 1, "ballistic": 2}},
     r"salvo_size must be 1 with mode shoot_look_shoot"),
    ({"mode": "shoot_shoot_look", "salvo_size": {"default": 1, "ballistic": 3},
      "max_rounds_per_threat": 2},
     r"salvo_size \(\{'default': 1, 'ballistic': 3\}\) must not exceed max_rounds_per_threat "
     r"\(2\)"),
    ({"mode": "shoot_shoot_look", "salvo_size": {"default": 1, "tank": 2}},
     r"unknown threat class 'tank'"),
    ({"mode": "shoot_shoot_look", "salvo_size": {"default": 0}},
     r"salvo_size.default must be a whole number of rounds from 1 to 8, got 0"),
])
def test_salvo_by_class_rules(doctrine, pattern):
    with pytest.raises(ValidationError, match=pattern):
        Doctrine(**doctrine)


def test_salvo_by_class_order():
    from airdefense.c2.evaluation import KINDS

    d = Doctrine(mode="shoot_shoot_look", salvo_size={"default": 1, "ballistic": 2,
                                                      "aircraft": 2})
    assert dict(zip(KINDS, d.salvo_by_class(), strict=True)) == {
        "drone": 1, "cruise": 1, "ballistic": 2, "aircraft": 2, "helicopter": 1}
    assert Doctrine(mode="shoot_shoot_look", salvo_size=2).salvo_by_class() == [2] * 5


@pytest.mark.parametrize(("value", "pattern"), [
    ("batteries.patriot.doctrine.salvo_size.ballistic=0",
     r"batteries\.patriot\.doctrine\.salvo_size: salvo_size\.ballistic must be a whole number "
     r"of rounds from 1 to 8, got 0 \[line \d+\]"),
    ("batteries.patriot.doctrine.salvo_size.bogus=2",
     r"salvo_size: unknown threat class 'bogus'; give one of default, drone, cruise"),
    ("batteries.patriot.doctrine.salvo_size=9",
     r"salvo_size: salvo_size must be a whole number of rounds from 1 to 8, got 9 \[line"),
    ("batteries.patriot.doctrine.salvo_size.ballistic=1.5",
     r"salvo_size\.ballistic must be a whole number of rounds from 1 to 8, got 1\.5"),
])
def test_bad_class_salvo_from_the_cli_is_one_line(value, pattern):
    """A bad per-class salvo names the class, the value and the rule (exit 1, one line)."""
    import re

    from click.testing import CliRunner

    from airdefense.cli import main
    from tests.conftest import EXAMPLES

    res = CliRunner().invoke(main, ["run", str(EXAMPLES / "03_battery_strike.yaml"),
                                    "--set", value])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert re.search(pattern, res.output), res.output
