"""The full tracker's clutter: each radar's own false-alarm density, uniform in its measurement
space, as the radars make their false alarms (sensors._kernels.false_alarms)."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest
from scipy import stats

from airdefense import load_scenario
from airdefense.errors import AirDefenseError
from airdefense.sensors.base import Detections
from airdefense.sensors.radar import RadarNetwork
from airdefense.tracking import TrackerConfig
from airdefense.tracking.gnn import association_gain
from airdefense.tracking.kalman import Measurements
from airdefense.tracking.tracker import build_tracker, make_tracker

EXAMPLE = "examples/02_layered_city.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLE)


def _one_radar(sc, name: str, pfa_scale: float = 1.0):
    """The scenario's radar ``name`` alone (its pfa scaled), and a scenario-like object for
    make_tracker with that radar only."""
    unit = next(u for u in sc.sensors if u.name == name)
    unit = dataclasses.replace(unit, preset=unit.preset.model_copy(
        update={"pfa": unit.preset.pfa * pfa_scale}))
    one = types.SimpleNamespace(sensors=[unit], frame=sc.frame, config=sc.config,
                                groups=sc.groups, terrain=None)
    return unit, one


def _rows(unit, enu, r, el, rdot=np.nan):
    """Detections of ``unit`` (sensor 0) at ranges ``r`` (k,), elevations ``el``, azimuth 1
    rad, with the preset's sigmas (no range-rate row without ``rdot``)."""
    p = unit.preset
    k = len(r)
    z = np.column_stack([r, np.full(k, 1.0), np.broadcast_to(el, (k,)),
                         np.broadcast_to(rdot, (k,))])
    R = np.zeros((k, 4, 4))
    rr = p.range_rate_sigma_mps
    R[:] = np.diag([p.range_sigma_m ** 2, np.radians(p.azimuth_sigma_deg) ** 2,
                    np.radians(p.elevation_sigma_deg) ** 2, (rr or 1.0) ** 2])
    if np.isnan(rdot) or rr is None:
        R[:, 3, :] = R[:, :, 3] = np.nan
        z[:, 3] = np.nan
    return Detections(time_s=np.zeros(k), sensor=np.zeros(k, int), z=z, R=R,
                      sensor_enu=np.broadcast_to(enu, (k, 3)).copy(),
                      snr_db=np.full(k, 20.0), truth_id=np.full(k, -1))


def _tracker_density(trk, det) -> np.ndarray:
    """The density the tracker compares each row with, per m rad^2 (per m/s too where the
    row has a range rate), through its own conversion of detections."""
    meas = Measurements.from_detections(det, 3, trk.range_rate_span_mps,
                                        trk.false_alarm_density)
    return meas.clutter(np.arange(len(meas)), trk.associator.clutter_density)


@pytest.mark.parametrize("name", ["short_range.radar", "medium.par"])
def test_density_is_what_the_radar_makes(scenario, name):
    """Many scans of one radar with no target: the false alarms' counts in range bins and in
    elevation bins match the tracker's density (evaluated at each bin's centre) times the
    bin's volume (chi-square, p > 1e-3); the total matches the preset's Pfa times its cells."""
    unit, one = _one_radar(scenario, name, pfa_scale=20.0)  # more alarms, a sharper test
    p = unit.preset
    net = RadarNetwork([unit], scenario.frame)
    trk = make_tracker(one)
    rng = np.random.default_rng(7)
    rs, els = [], []
    steps = 600
    for k in range(1, steps + 1):
        det = net.scan(float(k), np.zeros((0, 6)), np.zeros(0), np.zeros(0, bool), rng)
        rs.append(det.z[:, 0])
        els.append(det.z[:, 2])
    r, el = np.concatenate(rs), np.concatenate(els)
    scans = steps / p.scan_period_s  # full sweeps made (a rotating radar: no track load)
    sector = np.radians(p.azimuth_sector_deg)
    el0, el1 = np.radians(p.min_elevation_deg), np.radians(p.max_elevation_deg)
    # Bins inside the limits (the measurement noise blurs the edges).
    edges = np.linspace(p.min_range_m + 2e3, p.max_range_m - 2e3, 9)
    mid = 0.5 * (edges[1:] + edges[:-1])
    lam = _tracker_density(trk, _rows(unit, net.enu[0], mid, 0.5 * (el0 + el1)))
    expected = lam * np.diff(edges) * sector * (el1 - el0) * scans
    got = np.histogram(r, edges)[0]
    assert stats.chisquare(got, expected, sum_check=False).pvalue > 1e-3
    eedges = np.linspace(el0 + 0.05, el1 - 0.05, 7)
    emid = 0.5 * (eedges[1:] + eedges[:-1])
    lam = _tracker_density(trk, _rows(unit, net.enu[0], np.full(6, 0.5 * p.max_range_m), emid))
    expected = lam * (p.max_range_m - p.min_range_m) * sector * np.diff(eedges) * scans
    got = np.histogram(el, eedges)[0]
    assert stats.chisquare(got, expected, sum_check=False).pvalue > 1e-3
    # By hand: Pfa x cells (range gates x elevation beams x azimuth beams in the sector).
    beam = np.radians(p.beamwidth_deg)
    cells = ((p.max_range_m - p.min_range_m) / p.range_resolution_m
             * max((el1 - el0) / beam, 1.0) * sector / beam)
    assert 1e-3 < stats.poisson(p.pfa * cells * scans).cdf(len(r)) < 1 - 1e-3


def test_gain_of_a_detection_at_near_and_far_range(scenario):
    """The log-likelihood ratio of one detection at zero innovation, closed form: ``log Pd -
    log((2 pi)^2 |S|) / 2 - log(lambda) - log(1 - Pd Pg)``, ``lambda`` = Pfa x cells over
    (range span x sector x elevation span x Doppler span), the same at 2 km and at 30 km
    (the old Cartesian clutter, r^2 cos(el) in measurement space, gave 5.4 nats more near)."""
    unit, one = _one_radar(scenario, "short_range.radar")
    p = unit.preset
    trk = make_tracker(one)
    det = _rows(unit, np.zeros(3), np.array([2e3, 30e3]), 0.1, rdot=50.0)
    meas = Measurements.from_detections(det, 3, trk.range_rate_span_mps,
                                        trk.false_alarm_density)
    S = meas.R[0]
    loglik = -0.5 * np.log(np.linalg.det(2 * np.pi * S))
    inn = types.SimpleNamespace(mj=np.arange(2), loglik=np.full(2, loglik))
    a = trk.associator
    gain = association_gain(inn, meas, a.pd, a.clutter_density, a.pg)
    beam = np.radians(p.beamwidth_deg)
    span_r = p.max_range_m - p.min_range_m
    span_el = np.radians(p.max_elevation_deg - p.min_elevation_deg)
    sector = np.radians(p.azimuth_sector_deg)
    cells = span_r / p.range_resolution_m * max(span_el / beam, 1.0) * sector / beam
    lam = p.pfa * cells / (span_r * sector * span_el * 2 * p.max_range_rate_mps)
    ref = np.log(0.9) + loglik - np.log(lam) - np.log1p(-0.9 * 0.999)
    assert gain == pytest.approx([ref, ref], rel=1e-12)


def test_two_point_score_takes_the_density_per_m3_at_the_row(scenario):
    """The two-point score compares a Cartesian Gaussian with the false alarms per m^3 at the
    second row: the measurement-space density over the Jacobian ``r^2 cos(el)``."""
    unit, one = _one_radar(scenario, "short_range.radar")
    trk = make_tracker(one)
    r, el = np.array([2e3, 30e3]), 0.2
    meas = Measurements.from_detections(_rows(unit, np.zeros(3), r, el, rdot=10.0), 3,
                                        trk.range_rate_span_mps, trk.false_alarm_density)
    per_m3 = meas.cartesian_clutter(np.arange(2), 1.0)
    assert per_m3 == pytest.approx(trk.false_alarm_density[0] / (r ** 2 * np.cos(el)),
                                   rel=1e-12)


def test_make_tracker_densities_per_radar(scenario):
    """Every radar of example 2 gets Pfa x cells per scan over its volume; the cued
    illuminator (no search, no false alarms) one cell's worth, Pfa per scan; a Cartesian
    density asked for (scenario key or config) replaces them for every radar."""
    trk = make_tracker(scenario)
    net = RadarNetwork.from_scenario(scenario)
    for i, u in enumerate(scenario.sensors):
        p = u.preset
        span_r = p.max_range_m - p.min_range_m
        span_el = np.radians(p.max_elevation_deg - p.min_elevation_deg)
        sector = np.radians(p.azimuth_sector_deg)
        beam = np.radians(p.beamwidth_deg)
        cells = span_r / p.range_resolution_m * max(span_el / beam, 1.0) * sector / beam
        n = p.pfa if p.scan == "cued" else p.pfa * cells
        assert trk.false_alarm_density[i] == pytest.approx(n / (span_r * sector * span_el),
                                                           rel=1e-9), u.name
    assert net.expected_false_alarms_per_scan()[[u.preset.scan == "cued"
                                                 for u in scenario.sensors]].sum() == 0
    assert make_tracker(scenario, config={"clutter_density": 1e-12}).false_alarm_density is None
    assert make_tracker().false_alarm_density is None  # no scenario: no radars known


def test_unknown_rows_keep_the_cartesian_density():
    """NaN densities (unknown radar) and measurements without any fall back to the Cartesian
    density times the Jacobian (r^2 cos el, over the Doppler span)."""
    k = 3
    z = np.array([[1e4, 0.3, 0.1, 50.0], [2e4, 1.0, 0.2, np.nan], [3e4, 2.0, 0.05, -20.0]])
    R = np.broadcast_to(np.diag([25.0, 1e-6, 1e-6, 4.0]), (k, 4, 4)).copy()
    R[1, 3, :] = R[1, :, 3] = np.nan
    det = Detections(time_s=np.zeros(k), sensor=np.array([0, 1, 1]), z=z, R=R,
                     sensor_enu=np.zeros((k, 3)), snr_db=np.full(k, 20.0),
                     truth_id=np.full(k, -1))
    m = Measurements.from_detections(det, 3, 1000.0, [np.nan, 2e-6])
    jac = z[:, 0] ** 2 * np.cos(z[:, 2])
    assert m.clutter(np.arange(k), 1e-12) == pytest.approx(
        [1e-12 * jac[0] / 1000.0, 2e-6, 2e-6 / 1000.0], rel=1e-12)
    plain = Measurements.from_detections(det, 3, 1000.0)
    assert plain.false_alarm_density is None
    assert plain.clutter(np.arange(k), 1e-12) == pytest.approx(
        1e-12 * jac / np.array([1000.0, 1.0, 1000.0]), rel=1e-12)
    assert m.take(np.array([2])).false_alarm_density == pytest.approx([2e-6 / 1000.0])


@pytest.mark.parametrize("bad", [0.0, -1e-6, np.inf, [1e-6, 0.0], []])
def test_bad_densities_refused(bad):
    cfg = TrackerConfig(clutter_density=1e-12)
    with pytest.raises(AirDefenseError, match=r"false_alarm_density: must be finite and > 0 "
                                              r"per m rad\^2"):
        build_tracker(cfg, 3, false_alarm_density=bad)


def test_densities_need_a_3d_tracker():
    with pytest.raises(AirDefenseError, match="false_alarm_density: per m rad\\^2 of range, "
                                              "azimuth and elevation needs a 3-D tracker, got "
                                              "ndim 2"):
        build_tracker(TrackerConfig(), 2, false_alarm_density=1e-6)


@pytest.mark.parametrize("spans", [1000.0, [1000.0, 2500.0]])
@pytest.mark.parametrize("dens", [None, [np.nan, 2e-6, 3e-7]])
def test_one_call_rows_equal_the_composed_ones(rng, spans, dens):
    """from_detections' single kernel (spans and densities taken per row with polar_prepare)
    and clutter's single kernel give the bits of the NumPy composition they replace."""
    from airdefense.tracking import _kernels as _k
    from airdefense.tracking.kalman import _densities, _spans

    k = 40
    z = np.column_stack([rng.uniform(1e3, 9e4, k), rng.uniform(0, 2 * np.pi, k),
                         rng.uniform(0, 0.5, k), rng.normal(0, 300, k)])
    z[rng.random(k) < 0.3, 3] = np.nan  # rows without a range rate
    R = np.broadcast_to(np.diag([25.0, 1e-6, 1e-6, 4.0]), (k, 4, 4)).copy()
    sensor = rng.integers(0, 4, k)  # past the spans' and densities' ends too
    enu = rng.normal(0, 100, (k, 3))
    det = Detections(time_s=np.zeros(k), sensor=sensor, z=z, R=R, sensor_enu=enu,
                     snr_db=np.full(k, 20.0), truth_id=np.full(k, -1))
    m = Measurements.from_detections(det, 3, spans, dens)
    sp, de = _spans(spans, None, "radar"), _densities(dens, 3)
    span = sp[np.minimum(sensor, sp.size - 1)]
    want = _k.polar_prepare(z, R, enu, 3, span)
    got = (m.z, m.R, m.valid, m.pos, m.pos_cov, m.clutter_scale)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)
    if de is None:
        assert m.false_alarm_density is None
    else:
        d = de[np.minimum(sensor, de.size - 1)]
        np.testing.assert_array_equal(m.false_alarm_density,
                                      np.where(want[2][:, 3], d / span, d))
    mj = rng.integers(0, k, 25)
    fast = m.clutter(mj, 3e-13)  # int64 rows: the kernel
    slow = m.clutter(mj.astype(np.int32), 3e-13)  # the NumPy path
    np.testing.assert_array_equal(fast, slow)
    lam = 3e-13 * m.clutter_scale[mj]
    np.testing.assert_array_equal(slow, lam if de is None else np.where(
        np.isnan(m.false_alarm_density[mj]), lam, m.false_alarm_density[mj]))


def test_from_detections_needs_one_radar_index_per_row(rng):
    """A radar index array that does not have one entry per detection row is an error that
    names the shapes (the kernel would otherwise read past its end)."""
    k = 5
    z = np.column_stack([rng.uniform(1e3, 9e4, k), rng.uniform(0, 2 * np.pi, k),
                         rng.uniform(0, 0.5, k), rng.normal(0, 300, k)])
    R = np.broadcast_to(np.diag([25.0, 1e-6, 1e-6, 4.0]), (k, 4, 4)).copy()
    det = Detections(time_s=np.zeros(k), sensor=np.zeros(k - 1, int), z=z, R=R,
                     sensor_enu=np.zeros((k, 3)), snr_db=np.full(k, 20.0),
                     truth_id=np.full(k, -1))
    with pytest.raises(AirDefenseError, match=r"one radar index per row, got \(4,\) for 5 rows"):
        Measurements.from_detections(det, 3, 1000.0)
