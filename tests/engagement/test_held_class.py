"""The fire control's geometry and the path gravity read the class the control unit holds
(``book.classes``) where given, as the fire control and the rounds' re-aim do; without it, the
class the state shows (analysis use)."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense import load_scenario
from airdefense.c2.evaluation import KINDS, class_codes
from airdefense.engagement.envelope import track_gravity
from airdefense.engagement.flyout import GRAVITY_MPS2
from airdefense.engagement.model import Engagement
from airdefense.errors import AirDefenseError
from airdefense.simulation.events import EventLog
from airdefense.tracking.base import Tracks

from ..conftest import EXAMPLES

BALLISTIC = KINDS.index("ballistic")
#: A jet-speed track 8 km high, 20 km east, level westbound: its state shows an aircraft.
X = np.array([[20000.0, 1000.0, 8000.0, -250.0, 0.0, 0.0]])


def _tracks() -> Tracks:
    return Tracks(time_s=0.0, track_id=np.array([5]), x=X.copy(), P=np.eye(6)[None] * 25.0,
                  quality=np.ones(1), confirmed=np.ones(1, bool), truth_id=np.zeros(1, int))


def test_track_gravity_reads_the_held_class():
    """No class held (-1) or none given: the state's class (not ballistic: no gravity); a
    held ballistic class: gravity."""
    assert class_codes(X).tolist() == [KINDS.index("aircraft")]
    assert track_gravity(X).tolist() == [0.0]
    assert track_gravity(X, held=np.array([-1])).tolist() == [0.0]
    assert track_gravity(X, held=np.array([BALLISTIC])).tolist() == [GRAVITY_MPS2]
    # A class given wins over the held one.
    assert track_gravity(X, kind=["aircraft"], held=np.array([BALLISTIC])).tolist() == [0.0]


def test_geometry_predicts_the_held_class_path():
    """The PIP is on the held class's path: ``x + v tof - g tof^2 / 2`` (closed form of the
    gravity-only prediction, g = 9.80665 m/s^2 for a track held ballistic, 0 otherwise), with
    the time of flight the geometry found; a held array of the wrong length is refused."""
    sc = load_scenario(EXAMPLES / "03_battery_strike.yaml")
    eng = Engagement(sc, EventLog(), np.random.default_rng(0))
    tr = _tracks()
    j = 0  # a PAC-3
    for held, g in ((None, 0.0), (np.array([-1]), 0.0), (np.array([BALLISTIC]), GRAVITY_MPS2)):
        geo = eng.geometry(tr, 0.0, held=held)
        tof = float(geo["tof"][0, j])
        assert np.isfinite(tof)
        want = X[0, :3] + X[0, 3:] * tof - np.array([0.0, 0.0, 0.5 * g * tof * tof])
        np.testing.assert_allclose(geo["pip"][0, j], want, atol=0.05)
    with pytest.raises(AirDefenseError, match=r"held must hold one class code per track \(1\), "
                                              r"got shape \(2,\)"):
        eng.geometry(tr, 0.0, held=np.array([BALLISTIC, -1]))
