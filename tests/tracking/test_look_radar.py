"""Evidence-based deletion predicts each look's Pd for the radar that made it, not for the
track's last radar: two radars of different power, Pfa and place, by hand from the radar
equation and the Swerling-1 law ``Pd = Pfa^(1 / (1 + SNR))``."""

import math

import numpy as np
import pytest

from airdefense.tracking.kalman import Measurements
from airdefense.tracking.management import TrackManager
from airdefense.tracking.tracker import TrackerConfig, build_tracker

# Radar A: long range (SNR 20 dB for 1 m^2 at 100 km, no losses, Pfa 1e-6), at the origin.
# Radar B: short range (13 dB for 0.1 m^2 at 15 km, 3 dB losses, Pfa 1e-4), 50 km east.
A_ENU = np.array([0.0, 0.0, 0.0])
B_ENU = np.array([50_000.0, 0.0, 10.0])
PFA = np.array([1e-6, 1e-4])
RCS = 0.5  # the target's mean RCS, m^2


def snr_a(r):
    """Radar A's mean SNR of the target at range r, linear (radar equation by hand)."""
    return 10 ** (20 / 10) * (100e3 / r) ** 4 * (RCS / 1.0)


def snr_b(r):
    """Radar B's mean SNR of the target at range r, linear."""
    return 10 ** ((13 - 3) / 10) * (15e3 / r) ** 4 * (RCS / 0.1)


def const(ref_snr_db, ref_range_m, ref_rcs_m2, losses_db):
    """A radar's constant c of SNR = c rcs / R^4, by hand."""
    return 10 ** ((ref_snr_db - losses_db) / 10) * ref_range_m**4 / ref_rcs_m2


C = np.array([const(20, 100e3, 1.0, 0), const(13, 15e3, 0.1, 3)])


def pd_sw1(snr, pfa, cap):
    return min(pfa ** (1 / (1 + snr)), cap)


def held_by_a(r_a, pd=0.999, table=True):
    """A manager holding one track detected by radar A at range ``r_a`` (east), the detection
    reading the mean detected output T + 1 + S of a Swerling-1 target (unbiased to S)."""
    kw = dict(snr_const=C, sensor_enu=np.stack([A_ENU, B_ENU])) if table else {}
    mg = TrackManager(confirm=(1, 1), delete_llr=6.9, pd=pd, pfa=PFA, **kw)
    m = Measurements.polar(0.0, [[r_a, math.pi / 2, 0.0, np.nan]],
                           np.diag([100.0, 1e-6, 1e-6, np.nan])[None], A_ENU, sensor=[0])
    m.snr_db = np.array([10 * math.log10(-math.log(PFA[0]) + 1.0 + snr_a(r_a))])
    mg.add(1, np.array([0]), meas=m, rows=np.array([0]))
    return mg


def test_look_by_another_radar_takes_that_radars_snr_and_pfa():
    """Held by A at 60 km, the target 30 km east of A is 20 km from B: B's look has B's Pd,
    from B's radar equation and Pfa, not A's at 30 km."""
    mg = held_by_a(60e3)
    pos = np.array([[30e3, 0.0, 0.0]])
    r_b = np.linalg.norm(pos[0] - B_ENU)
    want_b = pd_sw1(snr_b(r_b), PFA[1], 0.999)
    want_a = pd_sw1(snr_a(30e3), PFA[0], 0.999)
    assert abs(want_a - want_b) > 0.3  # the two radars disagree: the test can tell them
    got = mg.look_pd(pos, np.array([[False, True]]))
    assert got[0] == pytest.approx(want_b, rel=1e-9)
    assert mg.look_pd(pos, np.array([[True, False]]))[0] == pytest.approx(want_a, rel=1e-9)
    assert mg.look_pd(pos)[0] == pytest.approx(want_a, rel=1e-9)  # no table: own radar
    # Both looked: the step counts as its best look (the radars' Pd share the track's RCS
    # estimate), 70 km east of A (20 km west of B), where neither is near the cap.
    pos = np.array([[70e3, 0.0, 0.0]])
    p_a = pd_sw1(snr_a(70e3), PFA[0], 1.0)
    p_b = pd_sw1(snr_b(np.linalg.norm(pos[0] - B_ENU)), PFA[1], 1.0)
    assert 0.5 < p_b < p_a < 0.99
    assert mg.look_pd(pos, np.array([[True, True]]))[0] == pytest.approx(p_a, rel=1e-9)
    pos = np.array([[50e3, 8e3, 0.0]])  # 8 km north of B: B's look is the best
    p_a = pd_sw1(snr_a(np.linalg.norm(pos[0] - A_ENU)), PFA[0], 1.0)
    p_b = pd_sw1(snr_b(np.linalg.norm(pos[0] - B_ENU)), PFA[1], 1.0)
    assert p_a < p_b < 0.999
    assert mg.look_pd(pos, np.array([[True, True]]))[0] == pytest.approx(p_b, rel=1e-9)


def test_the_design_pd_caps_the_step():
    """The cap (losses the SNR ignores: association, terrain, eclipsing, common to every
    radar's look at the track) bounds the step's Pd: two radars each above it still give
    ``pd``, so a well-seen target's double miss costs -ln(1 - pd), as one radar's."""
    mg = held_by_a(60e3, pd=0.9)
    pos = np.array([[30e3, 0.0, 0.0]])
    assert pd_sw1(snr_a(30e3), PFA[0], 1.0) > 0.9
    assert mg.look_pd(pos, np.array([[True, True]]))[0] == 0.9
    assert mg.look_pd(pos, np.array([[True, False]]))[0] == 0.9
    # Below the cap the best look: 95 km east of A, p_A 0.80 and p_B 0.003.
    pos = np.array([[95e3, 0.0, 0.0]])
    p_a = pd_sw1(snr_a(95e3), PFA[0], 1.0)
    assert mg.look_pd(pos, np.array([[False, True]]))[0] < 0.01
    assert mg.look_pd(pos, np.array([[True, True]]))[0] == pytest.approx(p_a, rel=1e-9)


def test_faint_for_one_radar_clear_for_the_other():
    """At 95 km from A and 45 km from B the target is faint for B, clear for A: a miss by B
    costs little, one by A much more."""
    mg = held_by_a(95e3, pd=0.9)
    pos = np.array([[95e3, 0.0, 0.0]])
    p_b = mg.look_pd(pos, np.array([[False, True]]))[0]
    r_b = np.linalg.norm(pos[0] - B_ENU)  # 45 km
    assert p_b == pytest.approx(pd_sw1(snr_b(r_b), PFA[1], 0.9), rel=1e-9)
    assert p_b < 0.2
    p_a = mg.look_pd(pos, np.array([[True, False]]))[0]
    assert p_a == pytest.approx(pd_sw1(snr_a(95e3), PFA[0], 0.9), rel=1e-9)
    assert p_a > 0.75


def test_without_a_radar_table_every_look_is_the_own_radars():
    """No constants: a look by B is predicted as one of A (the old rule), and a track without
    SNR takes the design Pd."""
    mg = held_by_a(60e3, table=False)
    pos = np.array([[42e3, 0.0, 0.0]])
    want_a = pd_sw1(snr_a(42e3), PFA[0], 0.999)
    assert mg.look_pd(pos, np.array([[False, True]]))[0] == pytest.approx(want_a, rel=1e-9)
    bare = TrackManager(delete_llr=6.9, pd=0.9)
    bare.add(1, np.array([0]))
    assert bare.look_pd(pos, np.array([[True, True]]))[0] == 0.9  # the step's cap
    assert bare.look_pd(pos, np.array([[False, False]]))[0] == 0.9


def test_tracker_charges_the_miss_of_the_radar_that_looked():
    """End to end: a track started and confirmed on radar A's detections, then a step with no
    detection whose ``scanned`` says radar B (alone) looked: its deletion score drops by
    -ln(1 - pB), pB from B's radar equation at the predicted position."""
    cfg = TrackerConfig(motion="cv", confirm="1/1", delete_llr=50.0, pd=0.999, q=1.0,
                        clutter_density=1e-12, confirm_llr=-np.inf, speed_sigma_mps=50.0)
    trk = build_tracker(cfg, ndim=3, pfa=PFA, snr_const=C,
                        sensor_enu=np.stack([A_ENU, B_ENU]))
    r_a = 30e3
    R = np.diag([25.0, 1e-8, 1e-8, np.nan])[None]
    for t in (0.0, 1.0):
        m = Measurements.polar(t, [[r_a, math.pi / 2, 0.0, np.nan]], R, A_ENU, sensor=[0])
        m.snr_db = np.array([10 * math.log10(-math.log(PFA[0]) + 1.0 + snr_a(r_a))])
        trk.step(t, m)
    assert len(trk) == 1 and trk.manager.confirmed[0]
    before = trk.manager.drop[0]
    seen = []

    def only_b(pos):
        seen.append(pos.copy())
        return np.tile([False, True], (len(pos), 1))

    empty = Measurements.polar(np.zeros(0), np.zeros((0, 4)), np.zeros((0, 4, 4)),
                               np.zeros((0, 3)))
    trk.step(2.0, empty, scanned=only_b)
    r_b = np.linalg.norm(seen[0][0] - B_ENU)
    p_b = pd_sw1(snr_b(r_b), PFA[1], 0.999)
    assert trk.manager.drop[0] - before == pytest.approx(-math.log1p(-p_b), rel=1e-6)
    p_a = pd_sw1(snr_a(np.linalg.norm(seen[0][0] - A_ENU)), PFA[0], 0.999)
    assert abs(math.log1p(-p_a) - math.log1p(-p_b)) > 0.5  # A's look would cost otherwise


def test_look_pd_shape_refused():
    mg = held_by_a(60e3)
    with pytest.raises(ValueError, match=r"looked must have shape \(1, s\) \(tracks, radars\), "
                                         r"got \(2,\)"):
        mg.look_pd(np.zeros((1, 3)), np.array([True, False]))


@pytest.mark.parametrize(("kw", "match"), [
    ({"snr_const": [1.0]}, "snr_const and sensor_enu must be given together"),
    ({"snr_const": [1.0, -2.0], "sensor_enu": np.zeros((2, 3))},
     r"snr_const must be a 1-D array of finite numbers > 0 .*got \[1.0, -2.0\]"),
    ({"snr_const": [1.0, 2.0], "sensor_enu": np.zeros((3, 3))},
     r"sensor_enu must be finite, of shape \(2, 3\) .*got shape \(3, 3\)"),
])
def test_radar_table_refused(kw, match):
    with pytest.raises(ValueError, match=match):
        TrackManager(**kw)


def test_radar_network_looked_by_is_looked_at_per_radar(rng):
    """``RadarNetwork.looked_by``: a whole turn of two radars 30 km apart (Tor-class, 12 km
    instrumented range here): points near one are looked at by it alone, points between
    both by none; ``any(axis=1)`` is ``looked_at``."""
    from airdefense.sensors.radar import RadarNetwork
    from tests.sensors.test_radar import FRAME, targets, unit

    units = [unit("tor_m2_radar", max_range_m=12e3, scan_period_s=1.0),
             unit("tor_m2_radar", east=30e3, max_range_m=12e3, scan_period_s=1.0)]
    net = RadarNetwork(units, FRAME)
    net.scan(2.0, np.zeros((0, 6)), np.zeros(0), np.zeros(0, bool), rng)  # two full turns
    east = np.array([3e3, 8e3, 15e3, 22e3, 27e3])
    pos = targets(east, rng.uniform(-2e3, 2e3, east.size), 1000.0)[:, :3]
    by = net.looked_by(pos)
    assert by.tolist() == [[True, False], [True, False], [False, False], [False, True],
                           [False, True]]
    np.testing.assert_array_equal(by.any(axis=1), net.looked_at(pos))
    with pytest.raises(ValueError, match="edge_beams must be finite and >= 0 beamwidths"):
        net.looked_by(pos, edge_beams=-1.0)
