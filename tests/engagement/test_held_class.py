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
    with pytest.raises(AirDefenseError, match=r"held must hold one integer class code per "
                                              r"track \(1\), got shape \(2,\)"):
        eng.geometry(tr, 0.0, held=np.array([BALLISTIC, -1]))
    with pytest.raises(AirDefenseError, match=r"held class codes must be -1 \(none\) or 0\.\.4 "
                                              r"\(drone, cruise, ballistic, aircraft, "
                                              r"helicopter\), got 5"):
        eng.geometry(tr, 0.0, held=np.array([5]))


@pytest.mark.parametrize(("held", "match"), [
    (np.array([7]), r"held class codes must be -1 \(none\) or 0\.\.4 .*got 7"),
    (np.array([-2]), r"got -2"),
    (np.array([1, 2]), r"one integer class code per track \(1\), got shape \(2,\)"),
    (np.array([0.5]), r"got shape \(1,\) of float64"),
])
def test_track_gravity_refuses_bad_held_codes(held, match):
    with pytest.raises(AirDefenseError, match=match):
        track_gravity(X, held=held)


def test_track_gravity_reads_heights_above_the_given_sphere():
    """A 400 m/s track 200 km out, 24 km up in ENU: its height above the mean Earth's sphere
    (3.1 km more, the curvature) and above flat ground put it in two classes; track_gravity
    follows class_codes with the same radius in both."""
    x = np.array([[2e5, 0.0, 24e3, -400.0, 0.0, 0.0]])
    for radius in (6_371_008.8, np.inf):
        g = GRAVITY_MPS2 if class_codes(x, radius)[0] == BALLISTIC else 0.0
        assert track_gravity(x, radius_m=radius).tolist() == [g]
    assert class_codes(x, 6_371_008.8)[0] != class_codes(x, np.inf)[0]


@pytest.mark.parametrize("seed", range(6))
def test_fired_figures_are_the_steps_figures(seed):
    """The fire control's figures of ordered pairs in one compiled call (every track's class
    held, every target a threat) are those of its steps (:meth:`Engagement._inputs`, then
    ``_order_pairs``), bit for bit, with the truth's manoeuvre limits or the classes' (no
    truth yet); a class not held, or a false track, is left to the steps (None)."""
    from airdefense.engagement.envelope import _order_pairs

    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    eng = Engagement(sc, EventLog(), np.random.default_rng(0))
    rng = np.random.default_rng(seed)
    m, L = int(rng.integers(1, 5)), len(eng.launchers)
    r = rng.uniform(5e3, 6e4, m)
    az = rng.uniform(0, 2 * np.pi, m)
    speed = rng.uniform(40, 900, m)
    x = np.column_stack([r * np.cos(az), r * np.sin(az), rng.uniform(100, 2e4, m),
                         -speed * np.cos(az), -speed * np.sin(az), rng.uniform(-300, 0, m)])
    P = np.repeat(np.diag(rng.uniform(10, 500, 6))[None], m, axis=0)
    q = rng.uniform(0.5, 1.0, m)
    held = rng.integers(0, len(KINDS), m)
    kinds = rng.integers(0, len(KINDS), 10)
    tgt = rng.integers(0, 10, m)
    rows = rng.integers(0, m, 5).astype(np.int64)
    cols = rng.integers(0, L, 5).astype(np.int64)
    t, t0 = 101.0, 100.5
    for truth in (None, True):
        if truth:  # manoeuvre limits of the threats' groups
            eng._group_g = rng.uniform(1.0, 30.0, len(sc.groups))
            eng._truth = type("T", (), {"group": rng.integers(0, len(sc.groups), 10)})()
        fast = eng._fired_figures(x, P, q, t0, t, kinds, tgt, held, rows, cols)
        steps = _order_pairs(t, eng._inputs(x, P, q, t0, t, kinds, tgt, held), rows, cols)
        assert fast.dtype == steps.dtype and fast.shape == steps.shape == (5, 10)
        assert fast.tobytes() == steps.tobytes()
        assert np.isfinite(fast[:, 0]).all()
    not_held = held.copy()
    not_held[0] = -1
    assert eng._fired_figures(x, P, q, t0, t, kinds, tgt, not_held, rows, cols) is None
    false_track = tgt.copy()
    false_track[-1] = -1
    assert eng._fired_figures(x, P, q, t0, t, kinds, false_track, held, rows, cols) is None
