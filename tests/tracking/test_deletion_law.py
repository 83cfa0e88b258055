"""Evidence-based deletion against independent references: the manager's predicted Pd is the
sensor's detection law (``RadarNetwork.detection_probability``: radar equation + Swerling 1)
on a grid of example 2's radars; each radar keeps its own SNR memory; the mean number of
looks before a calibrated track on a live target is deleted is the waiting time for a run of
``k`` misses in Bernoulli trials (Feller, vol. 1, XIII.7); ``deletion_llr`` bounds the chance
of a false deletion over a life."""

import math
from pathlib import Path

import numpy as np
import pytest

from airdefense.scenario import load_scenario
from airdefense.sensors.radar import RadarNetwork
from airdefense.tracking import _kernels as _k
from airdefense.tracking.kalman import Measurements
from airdefense.tracking.management import TrackManager, deletion_llr, looks_to_deletion
from airdefense.tracking.tracker import make_tracker

EXAMPLE_2 = Path(__file__).resolve().parents[2] / "examples" / "02_layered_city.yaml"
RCS = 0.3  # the target's mean RCS, m^2


@pytest.fixture(scope="module")
def example_2():
    sc = load_scenario(EXAMPLE_2)
    return RadarNetwork.from_scenario(sc), make_tracker(sc).manager


def _detection(net: RadarNetwork, j: int, pos: np.ndarray, snr: float) -> Measurements:
    """Radar j's detection at ``pos`` reading the mean detected output ``T + 1 + snr`` of a
    Swerling-1 target (unbiased to its mean SNR)."""
    d = pos - net.enu[j]
    r = float(np.linalg.norm(d))
    az = math.atan2(d[0], d[1]) % (2 * math.pi)
    el = math.asin(d[2] / r)
    m = Measurements.polar(0.0, [[r, az, el, np.nan]],
                           np.diag([100.0, 1e-6, 1e-6, np.nan])[None], net.enu[j], sensor=[j])
    m.snr_db = np.array([10 * math.log10(-math.log(net.pfa[j]) + 1.0 + snr)])
    return m


def _manager(mg0: TrackManager) -> TrackManager:
    """A manager with example 2's radar table, uncapped (Pd up to 1 - 1e-12)."""
    return TrackManager(confirm=(1, 1), delete_llr=10.0, pd=1 - 1e-12, pfa=mg0.pfa,
                        snr_const=mg0.snr_const, sensor_enu=mg0.sensor_enu)


def test_look_pd_is_the_sensor_detection_law_on_a_grid(example_2):
    """A track detected by the long-range radar (0) at 40 km: every radar's predicted Pd at
    points of a grid (ranges 5-100 km, three bearings, 1 km up) equals the sensor's Pd of a
    target of that RCS there, for the own radar and for the others (through the ratio of the
    radar-equation constants), wherever the sensor covers the point."""
    net, mg0 = example_2
    mg = _manager(mg0)
    p0 = net.enu[0] + np.array([40e3 * math.sin(math.radians(80)),
                                40e3 * math.cos(math.radians(80)), 1000.0])
    s0 = float(net.mean_snr(0, np.linalg.norm(p0 - net.enu[0]), RCS))
    mg.add(1, np.array([0]), meas=_detection(net, 0, p0, s0), rows=np.array([0]))
    rr, bb = np.meshgrid(np.linspace(5e3, 100e3, 20), np.radians([60.0, 90.0, 120.0]))
    pos = np.stack([rr.ravel() * np.sin(bb.ravel()), rr.ravel() * np.cos(bb.ravel()),
                    np.full(rr.size, 1000.0)], axis=1)
    want = net.detection_probability(pos, np.full(len(pos), RCS))  # (radars, points)
    checked = 0
    for j in range(len(net)):
        looked = np.zeros((1, len(net)), bool)
        looked[0, j] = True
        for p, w in zip(pos, want[j], strict=True):
            if w <= 0.0:  # outside the sensor's coverage
                continue
            got = mg.look_pd(p[None], looked)[0]
            assert got == pytest.approx(w, rel=1e-9, abs=1e-12)
            checked += 1
    assert checked > 100
    assert np.ptp(want[want > 0]) > 0.5  # the grid spans faint and clear looks


def test_each_radar_keeps_its_own_snr_memory(example_2):
    """Radar 0 sees the target at 0.3 m^2 (twice), radar 1 at another aspect, 1.2 m^2: a look
    by each is predicted from its own detections (the other radar's detection no longer
    restarts the estimate), a look by radar 3, which has not detected it, from the last
    detection's radar (1) through the constants."""
    net, mg0 = example_2
    mg = _manager(mg0)
    p = net.enu[0] + np.array([30e3, 20e3, 1500.0])
    snr = lambda j, rcs: float(net.mean_snr(j, np.linalg.norm(p - net.enu[j]), rcs))  # noqa: E731
    mg.add(1, np.array([0]), meas=_detection(net, 0, p, snr(0, RCS)), rows=np.array([0]))
    mg.detected(np.array([0]), _detection(net, 0, p, snr(0, RCS)), np.array([0]))
    mg.detected(np.array([0]), _detection(net, 1, p, snr(1, 1.2)), np.array([0]))
    q = p + np.array([-5e3, -8e3, 0.0])
    for j, rcs in ((0, RCS), (1, 1.2), (3, 1.2)):
        looked = np.zeros((1, len(net)), bool)
        looked[0, j] = True
        want = net.detection_probability(q[None], np.array([rcs]))[j, 0]
        assert 0.0 < want < 0.999
        assert mg.look_pd(q[None], looked)[0] == pytest.approx(want, rel=1e-9)
    assert mg.radar_n[0].tolist() == [2, 1, 0, 0]


def test_snr_memory_is_the_mean_of_the_first_detections_then_an_exponential_average():
    """The running mean of ``S R^4`` is the plain mean of the first ``SNR_MEMORY`` detections,
    then moves by a ``1 / SNR_MEMORY`` share of each new one (by hand)."""
    pfa = 1e-6
    t = -math.log(pfa)
    mg = TrackManager(confirm=(1, 1), delete_llr=10.0, pd=0.99, pfa=pfa,
                      snr_const=[1.0], sensor_enu=np.zeros((1, 3)))
    s = np.linspace(5.0, 60.0, _k.SNR_MEMORY + 3)  # estimates at 10 km
    for i, v in enumerate(s):
        m = Measurements.polar(0.0, [[10e3, math.pi / 2, 0.0, np.nan]],
                               np.diag([100.0, 1e-6, 1e-6, np.nan])[None], [0.0, 0.0, 0.0],
                               sensor=[0])
        m.snr_db = np.array([10 * math.log10(t + 1.0 + v)])
        if i == 0:
            mg.add(1, np.array([0]), meas=m, rows=np.array([0]))
        else:
            mg.detected(np.array([0]), m, np.array([0]))
        if i + 1 == _k.SNR_MEMORY:
            assert mg.radar_k[0, 0] / 1e16 == pytest.approx(s[:i + 1].mean(), rel=1e-9)
    want = s[:_k.SNR_MEMORY].mean()
    for v in s[_k.SNR_MEMORY:]:
        want += (v - want) / _k.SNR_MEMORY
    assert mg.radar_k[0, 0] / 1e16 == pytest.approx(want, rel=1e-9)
    assert mg.snr_ref[0] / 1e16 == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize(("pd", "h"), [(0.5, 3.0), (0.8, 4.0), (0.3, 2.0)])
def test_mean_looks_to_deletion_is_the_run_of_misses_law(rng, pd, h):
    """4,000 confirmed tracks on live targets seen at ``pd``, predicted at ``pd``: the mean
    number of looks until the score falls ``h`` below its peak matches
    ``((1 - pd)^-k - 1) / pd``, ``k = ceil(h / -ln(1 - pd))`` (Monte Carlo, within 5 standard
    errors; the waiting time's standard deviation is below its mean)."""
    n = 4000
    want = looks_to_deletion(pd, h)
    k = math.ceil(h / -math.log1p(-pd))
    assert want == pytest.approx(((1 - pd) ** -k - 1) / pd, rel=1e-12)
    mg = TrackManager(confirm=(1, 1), delete_llr=h, pd=0.9)
    mg.add(n, np.zeros(n, np.int64))
    assert mg.confirmed.all()
    when = np.zeros(n)
    alive = np.ones(n, bool)
    look = 0
    while alive.any() and look < 100 * want:
        look += 1
        hit = rng.random(n) < pd
        # A hit's gain (target against a false alarm) is tens of nats: it resets the drop.
        mg.record(hit, time_s=float(look), llr=np.where(hit, 30.0, 0.0), scanned=alive,
                  pd=np.full(n, pd))
        gone = alive & (mg.drop >= h)
        when[gone] = look
        alive &= ~gone
    assert not alive.any()
    assert when.mean() == pytest.approx(want, abs=5 * want / math.sqrt(n))


@pytest.mark.parametrize("looks", [100.0, 2400.0, 86400.0])
@pytest.mark.parametrize("alpha", [0.01, 0.1])
def test_deletion_llr_bounds_the_false_deletions_of_a_life(looks, alpha):
    """With ``deletion_llr(looks, alpha)`` a calibrated track is dropped by chance at most
    ``alpha`` over ``looks`` looks (expected deletions ``looks / mean looks to deletion``) at
    any Pd; ``ln(looks / alpha)`` by hand."""
    h = deletion_llr(looks, alpha)
    assert h == pytest.approx(math.log(looks / alpha), rel=1e-12)
    for pd in np.linspace(0.05, 0.95, 19):
        assert looks / looks_to_deletion(float(pd), h) <= alpha
    # A fixed 6.9 nats (3 misses at 0.9) does not: about once in 1,110 looks.
    assert looks_to_deletion(0.9, 6.9) == pytest.approx(1110.0, rel=1e-9)


def test_make_tracker_takes_the_scenario_life(example_2):
    """Example 2 (2,400 s at 1 s): ln(2400 / 0.01) nats."""
    _, mg = example_2
    assert mg.delete_llr == pytest.approx(math.log(2400 / 0.01), rel=1e-12)


@pytest.mark.parametrize(("args", "match"), [
    ((0.0, 5.0), r"pd must be in the open interval \(0, 1\), got 0.0"),
    ((1.0, 5.0), r"pd must be in the open interval \(0, 1\), got 1.0"),
    ((0.5, 0.0), "delete_llr must be finite and > 0 nats, got 0.0"),
    ((0.5, np.inf), "delete_llr must be finite and > 0 nats, got inf"),
])
def test_looks_to_deletion_refuses(args, match):
    with pytest.raises(ValueError, match=match):
        looks_to_deletion(*args)


@pytest.mark.parametrize(("args", "match"), [
    ((0.5,), "looks must be finite and >= 1, got 0.5"),
    ((np.inf,), "looks must be finite and >= 1, got inf"),
    ((100.0, 0.0), r"false_deletion must be in the open interval \(0, 1\), got 0.0"),
    ((100.0, 1.0), r"false_deletion must be in the open interval \(0, 1\), got 1.0"),
])
def test_deletion_llr_refuses(args, match):
    with pytest.raises(ValueError, match=match):
        deletion_llr(*args)
