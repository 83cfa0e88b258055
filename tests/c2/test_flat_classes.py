"""The classification reads heights above the scenario's sphere (its radius given; inf: flat
ground, the height is ``z``), not always above the mean Earth sphere."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.c2 import _kernels
from airdefense.c2.evaluation import TrackClasses, class_codes, classify, evaluate_threats
from airdefense.engagement.envelope import feasibility
from airdefense.errors import AirDefenseError
from airdefense.geo import SphereHeight

#: 100 km east, 1,500 m up in ENU, 200 m/s west, level in ENU. Flat: 1,500 m high, a cruise
#: missile (jet speed below 2,000 m). Above the Earth's sphere: some 2,285 m high
#: (``100 km^2 / 2R``), an aircraft.
X = np.array([[100000.0, 0.0, 1500.0, -200.0, 0.0, 0.0]])


def test_flat_ground_reads_z_as_the_height():
    """Closed form: over flat ground h = z = 1,500 m < 2,000 m and v = 200 > 140 m/s: cruise;
    over the mean Earth sphere h = 2,285 m: aircraft (the default, unchanged); the memory,
    the threat evaluation and the memoryless rules agree."""
    h_sphere = np.hypot(X[0, 0], X[0, 2] + _kernels.R_EARTH_M) - _kernels.R_EARTH_M
    assert h_sphere > 2000.0 > X[0, 2]
    assert classify(X).tolist() == ["aircraft"]
    assert classify(X, np.inf).tolist() == ["cruise"]
    assert class_codes(X, _kernels.R_EARTH_M).tolist() == class_codes(X).tolist()
    assert TrackClasses(radius_m=np.inf).update(np.array([3]), X, 0.0).tolist() == [1]
    assert TrackClasses().update(np.array([3]), X, 0.0).tolist() == [3]
    ev = evaluate_threats(X, np.zeros((1, 3)), np.ones(1), np.ones(1, bool), radius_m=np.inf)
    assert ev["kind"].tolist() == ["cruise"]


def test_feasibility_infers_classes_above_its_own_sphere():
    """400 m/s at z = 24 km, 200 km east: over flat ground (``SphereHeight(inf)``) below the
    25 km ballistic rule, so predicted on a straight line (PIP ``x + v tof``); above the
    Earth's sphere (27 km) ballistic, so predicted falling."""
    from tests.engagement.conftest import make_launchers

    x = np.array([[200000.0, 0.0, 24000.0, -400.0, 0.0, 0.0]])
    assert classify(x, np.inf).tolist() == ["aircraft"] and classify(x).tolist() == ["ballistic"]
    L = make_launchers(["pac2_gem"], positions=[[180000.0, 0.0, 0.0]])
    for radius, g in ((np.inf, 0.0), (_kernels.R_EARTH_M, 9.80665)):
        res = feasibility(x, L, SphereHeight(radius), 0.0)
        tof = float(res["tof"][0, 0])
        assert np.isfinite(tof)
        want = x[0, :3] + x[0, 3:] * tof - np.array([0.0, 0.0, 0.5 * g * tof * tof])
        np.testing.assert_allclose(res["pip"][0, 0], want, atol=0.05)


@pytest.mark.parametrize("bad", [0.0, -6.4e6, np.nan])
def test_a_radius_not_above_zero_is_refused(bad):
    """The radius must be > 0 m (inf: flat); the error names it and the value."""
    for call in (lambda: class_codes(X, bad), lambda: TrackClasses(radius_m=bad),
                 lambda: evaluate_threats(X, np.zeros((1, 3)), np.ones(1), np.ones(1, bool),
                                          radius_m=bad)):
        with pytest.raises(AirDefenseError, match=rf"radius_m must be a sphere radius > 0 m "
                                                  rf"\(inf: flat ground\), got {bad!r}"):
            call()
