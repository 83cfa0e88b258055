"""A network's tables are views of the arrays its scan kernel reads, before and after a copy.

The scan kernel takes the network's track tables, counts and generator pointers packed in a
few arrays (sensors._kernels.scan); ``tracked``, ``cue``, ``reported``, ``misses``,
``next_look_s``, ``phase`` and ``t_last`` are views of them. So an edit in place reaches the
next scan, and a copy (pickle, deepcopy) keeps its attributes tied to its own arrays: after
more scans its tables are those of the original making the same scans.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from airdefense.sensors.radar import RadarNetwork
from tests.sensors.test_radar import FRAME, targets, unit

TABLES = ("tracked", "cue", "reported", "misses", "next_look_s", "phase", "t_last")


def _net():
    return RadarNetwork([unit("tor_m2_radar", pfa=1e-5, max_tracks=8),
                         unit("mpq65", east=3e3, boresight_deg=60.0, pfa=1e-5),
                         unit("hawk_hpi", north=-2e3, max_tracks=2, scan="electronic")], FRAME)


def _raid(n=30):
    g = np.random.default_rng(4)
    x = targets(g.uniform(-2e4, 2e4, n), g.uniform(-2e4, 2e4, n), g.uniform(100, 5e3, n))
    x[:, 3:] = g.normal(0, 200, (n, 3))
    return x, g.uniform(0.5, 3.0, n)


def _scan(net, rng, k, x, rcs):
    moved = x.copy()
    moved[:, :3] += 0.5 * k * x[:, 3:]
    return net.scan(0.5 * k, moved, rcs, np.ones(len(x), bool), rng)


@pytest.mark.parametrize("clone", ["pickle", "deepcopy"])
def test_a_copy_keeps_its_tables_tied_to_its_scans(clone):
    """After a copy, both networks scan on (each with its own copy of the generator): the
    copy's tables, sweep phases, clocks and counts follow its scans as the original's do."""
    x, rcs = _raid()
    net, rng = _net(), np.random.default_rng(7)
    for k in range(1, 5):
        _scan(net, rng, k, x, rcs)
    assert net.tracked.any()
    twin, rng2 = (pickle.loads(pickle.dumps((net, rng))) if clone == "pickle"
                  else copy.deepcopy((net, rng)))
    for k in range(5, 9):
        d, d2 = _scan(net, rng, k, x, rcs), _scan(twin, rng2, k, x, rcs)
        assert d.z.tobytes() == d2.z.tobytes()
        for name in TABLES:
            assert getattr(twin, name).tobytes() == getattr(net, name).tobytes(), (k, name)
        assert twin.stats == net.stats and twin.first_reports == net.first_reports
    assert net.t_last.tolist() == [4.0] * 3  # the clocks moved (the copy's did too)


def test_tables_edited_in_place_reach_the_next_scan():
    """Clearing a held target in ``tracked`` (in place) makes an electronic radar search for it
    again, as on a network whose table was never set; a new ``operational`` mask likewise."""
    x, rcs = _raid()
    a, b = _net(), _net()
    ra, rb = np.random.default_rng(3), np.random.default_rng(3)
    for k in range(1, 4):
        _scan(a, ra, k, x, rcs)
        _scan(b, rb, k, x, rcs)
    held = np.argwhere(a.tracked)
    assert held.size
    a.tracked[:] = False
    a.misses[:] = 0
    a.next_look_s[:] = np.inf
    b._ensure_targets(len(x) + 1)  # b: tables reset another way (resized, then back)
    b._ensure_targets(len(x))
    b.phase[:], b.t_last[:] = a.phase, a.t_last
    for k in range(4, 7):
        da, db = _scan(a, ra, k, x, rcs), _scan(b, rb, k, x, rcs)
        assert da.z.tobytes() == db.z.tobytes() and da.sensor.tolist() == db.sensor.tolist()
        assert a.tracked.tolist() == b.tracked.tolist()
    a.operational[1] = False
    assert not (_scan(a, ra, 7, x, rcs).sensor == 1).any()
