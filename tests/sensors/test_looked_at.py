"""Tests of RadarNetwork.looked_at: where the last scan call looked (the tracker's scans)."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.sensors.radar import RadarNetwork
from tests.sensors.test_coverage import below_effective_horizon
from tests.sensors.test_radar import FRAME, targets, unit

EMPTY = (np.zeros((0, 6)), np.zeros(0), np.zeros(0, bool))


def points(az_deg, ground_m, h_m):
    """ENU points (k, 3) at ground bearings (deg) and distances from the origin, heights."""
    b = np.radians(np.asarray(az_deg, float))
    return targets(ground_m * np.sin(b), ground_m * np.cos(b), h_m)[:, :3]


def swept_ref(az_deg, start_deg, width_deg, edge_deg):
    """Reference: the azimuths a clockwise sweep from ``start_deg`` over ``width_deg`` passed,
    ``edge_deg`` at both ends left out (a full turn passes everything)."""
    if width_deg >= 360.0:
        return np.ones(np.shape(az_deg), bool)
    d = (np.asarray(az_deg) - start_deg) % 360.0
    return (d > edge_deg) & (d < width_deg - edge_deg)


@pytest.mark.parametrize("edge", [0.0, 1.0])
def test_rotating_radar_looks_in_the_arc_swept_by_the_call(edge, rng):
    """A rotating radar looked at the covered points whose azimuth its beam swept in the call."""
    period = 4.0
    u = unit("tor_m2_radar", scan_period_s=period, boresight_deg=0.0, pfa=1e-9)
    net = RadarNetwork([u], FRAME)
    beam = u.preset.beamwidth_deg
    az = rng.uniform(0.0, 360.0, 400)
    pos = points(az, rng.uniform(3e3, 20e3, az.size), 1000.0)
    t_prev = 0.0
    for dt in (1.0, 0.3, 1.7, 0.5, 2.5, 4.0, 5.0):
        t = t_prev + dt
        net.scan(t, *EMPTY, rng)
        start = (360.0 * t_prev / period) % 360.0  # the beam starts at boresight (north)
        want = swept_ref(az, start, 360.0 * dt / period, edge * beam)
        # Azimuths within 1e-6 deg of an edge are left out (rounding).
        d = (az - start) % 360.0
        clear = np.minimum(np.abs(d - edge * beam),
                           np.abs(d - 360.0 * dt / period + edge * beam)) > 1e-6
        got = net.looked_at(pos, edge_beams=edge)
        assert want[clear].any() and (~want[clear]).any() or dt >= period
        np.testing.assert_array_equal(got[clear], want[clear])
        t_prev = t


def test_rotating_radar_arc_edges_just_inside_and_outside(rng):
    """Points just inside the swept arc are looked at, those just outside are not."""
    u = unit("tor_m2_radar", scan_period_s=4.0, boresight_deg=0.0, pfa=1e-9)
    net = RadarNetwork([u], FRAME)
    net.scan(1.0, *EMPTY, rng)  # the beam turned from north to east (0 to 90 deg)
    b = u.preset.beamwidth_deg
    az = np.array([0.01, 89.99, -0.01, 90.01, 1.01 * b, 90 - 1.01 * b, 0.99 * b, 90 - 0.99 * b])
    pos = points(az, 10e3, 1000.0)
    assert net.looked_at(pos, edge_beams=0.0).tolist() == [True, True, False, False,
                                                           True, True, True, True]
    assert net.looked_at(pos).tolist() == [False, False, False, False,
                                           True, True, False, False]


def test_rotating_radar_does_not_look_outside_coverage(rng):
    """In the swept arc: out of range, outside the sector or below the horizon is not looked at."""
    u = unit("hawk_par", scan_period_s=1.0, boresight_deg=0.0, azimuth_sector_deg=90.0)
    net = RadarNetwork([u], FRAME)
    net.scan(1.0, *EMPTY, rng)  # a whole turn
    p = u.preset
    pos = np.vstack([
        points([10.0, 40.0], 50e3, 3000.0),  # inside
        points([10.0], p.max_range_m + 5e3, 3000.0),  # beyond range
        points([90.0, 200.0], 50e3, 3000.0),  # outside the 90 deg sector
        points([0.0], 80e3, 10.0),  # below the horizon
    ])
    assert below_effective_horizon(FRAME, net.enu[0], pos[-1:]).all()
    assert not below_effective_horizon(FRAME, net.enu[0], pos[:2]).any()
    assert net.looked_at(pos).tolist() == [True, True, False, False, False, False]


def test_electronic_radar_sweeps_its_sector(rng):
    """An electronic radar's search sweep covers its sector from one edge, frame by frame."""
    u = unit("mpq65", scan_period_s=4.0, boresight_deg=0.0, pfa=1e-12)
    net = RadarNetwork([u], FRAME)
    net.scan(1.0, *EMPTY, rng)  # a quarter frame: -60 to -30 deg
    az = np.array([-55.0, -35.0, -25.0, 0.0, 55.0, 90.0, 180.0])
    pos = points(az, 40e3, 3000.0)
    assert net.looked_at(pos).tolist() == [True, True, False, False, False, False, False]
    net.scan(4.0, *EMPTY, rng)  # the rest of the frame: -30 to 60 deg
    assert net.looked_at(pos).tolist() == [False, False, True, True, True, False, False]
    net.scan(9.0, *EMPTY, rng)  # more than a frame: the whole sector
    assert net.looked_at(pos).tolist() == [True] * 5 + [False, False]


def test_electronic_radar_revisit_dwells_look_within_a_beam(rng):
    """Track revisits of an electronic radar look within one beamwidth of the held target."""
    u = unit("mpq65", scan_period_s=40.0, boresight_deg=0.0, pfa=1e-12, track_revisit_s=0.25)
    net = RadarNetwork([u], FRAME)
    st_ = targets(40e3 * np.sin(np.radians(30.0)), 40e3 * np.cos(np.radians(30.0)), 3000.0)
    t = 0.0
    while not (net.tracked.size and net.tracked[0, 0]):  # the sweep reaches 30 deg after about 30 s
        t += 0.25
        net.scan(t, st_, np.full(1, 100.0), np.ones(1, bool), rng)
        assert t < 45.0
    t = float(np.ceil(t)) + 2.0
    net.scan(t - 0.25, st_, np.full(1, 100.0), np.ones(1, bool), rng)
    net.scan(t, st_, np.full(1, 100.0), np.ones(1, bool), rng)  # a revisit falls due
    b = u.preset.beamwidth_deg
    # The sweep is now past 30 deg; these bearings from the radar were swept before.
    rel = np.array([30.0 - 0.5 * b, 30.0 - 3 * b, 30.0 - 0.5 * b])
    rng_m = np.array([40e3, 40e3, u.preset.max_range_m + 10e3])
    ant = net.enu[0]
    # Points at the target's height, at the given bearings and distances from the antenna.
    pos = targets(ant[0] + rng_m * np.sin(np.radians(rel)),
                  ant[1] + rng_m * np.cos(np.radians(rel)), 3000.0)[:, :3]
    assert net.looked_at(pos).tolist() == [True, False, False]
    # Without the revisit (a stopped radar keeps nothing) nothing is looked at.
    net.set_operational([False])
    net.scan(t + 0.25, st_, np.full(1, 100.0), np.ones(1, bool), rng)
    assert not net.looked_at(pos).any()


def test_stopped_or_unscanned_radar_looks_nowhere(rng):
    """Before any scan, and after a call in which it was stopped, a radar looked nowhere."""
    net = RadarNetwork([unit("tor_m2_radar", scan_period_s=1.0)], FRAME)
    az = np.linspace(0.0, 359.0, 60)
    pos = points(az, 8e3, 1000.0)
    assert not net.looked_at(pos).any()
    net.scan(2.0, *EMPTY, rng)
    assert net.looked_at(pos).all()
    net.set_operational([False])
    net.scan(4.0, *EMPTY, rng)
    assert not net.looked_at(pos).any()
    assert net.looked_at(np.zeros((0, 3))).shape == (0,)


def test_looked_at_rejects_a_negative_edge():
    """A negative edge is refused with a message naming it."""
    net = RadarNetwork([unit("tor_m2_radar")], FRAME)
    with pytest.raises(ValueError, match="edge_beams must be finite and >= 0"):
        net.looked_at(np.zeros((1, 3)), edge_beams=-1.0)


def test_cued_radar_looks_only_at_its_cued_target(rng):
    """A cued radar sweeps nothing, but its acquisition look and revisits at a cued target look
    there (within a beam); an uncued radar call looks nowhere."""
    u = unit("hawk_hpi", pfa=1e-12)
    assert u.preset.scan == "cued"
    net = RadarNetwork([u], FRAME)
    st_ = targets(30e3 * np.sin(np.radians(60.0)), 30e3 * np.cos(np.radians(60.0)), 3000.0)
    far = targets(30e3 * np.sin(np.radians(200.0)), 30e3 * np.cos(np.radians(200.0)), 3000.0)
    pos = np.concatenate([st_[:, :3], far[:, :3]])
    net.scan(0.5, st_, np.full(1, 100.0), np.ones(1, bool), rng)  # not cued: no look
    assert not net.looked_at(pos).any()
    net.set_cues([0], [0])
    net.scan(1.0, st_, np.full(1, 100.0), np.ones(1, bool), rng)  # the acquisition look
    assert net.looked_at(pos).tolist() == [True, False]
