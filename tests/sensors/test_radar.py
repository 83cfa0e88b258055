"""Tests of airdefense.sensors.radar: scanning, detection, measurement, false alarms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.catalog import load_catalog
from airdefense.geo import Frame
from airdefense.scenario.loader import SensorUnit
from airdefense.sensors.detection import pd_swerling
from airdefense.sensors.radar import RadarNetwork, reference_snr_db
from airdefense.terrain import Terrain
from tests.sensors.test_coverage import below_effective_horizon

FRAME = Frame(45.0, 10.0, 0.0)
CAT = load_catalog([])


def unit(name="tor_m2_radar", east=0.0, north=0.0, **upd) -> SensorUnit:
    """A radar of the built-in catalog at a ground point, with preset overrides."""
    p = CAT.sensors[name].model_copy(update=upd)
    enu = FRAME.surface_point(np.array([east]), np.array([north]), np.array([0.0]))[0]
    return SensorUnit(name=name, battery=0, preset_name=name, preset=p, enu=enu)


def targets(east, north, h, vel=(0.0, 0.0, 0.0)):
    """States (n, 6) at ground offsets and heights, with one velocity for all."""
    e, n, hh = np.broadcast_arrays(np.atleast_1d(east), np.atleast_1d(north), np.atleast_1d(h))
    st_ = np.zeros((e.size, 6))
    st_[:, :3] = FRAME.surface_point(e.astype(float), n.astype(float), hh.astype(float))
    st_[:, 3:] = vel
    return st_


def run(net, states, rcs, t_end, dt, rng, alive=None):
    """Scan at every step to t_end and join the detections."""
    alive = np.ones(len(states), bool) if alive is None else alive
    out = [net.scan(t, states, rcs, alive, rng) for t in np.arange(dt, t_end + 1e-9, dt)]
    from airdefense.sensors.base import Detections
    return Detections.concatenate(out)


@pytest.mark.parametrize(("name", "upd"), [
    ("tor_m2_radar", {}),
    ("mpq65", {"boresight_deg": 30.0}),
    ("hawk_par", {"azimuth_sector_deg": 90.0}),
])
def test_false_alarm_count_over_10000_scans(name, upd, rng):
    """False alarms over 10,000 scans match pfa x resolution cells (Poisson, 5 sigma)."""
    u = unit(name, pfa=1e-5, **upd)
    p = u.preset
    net = RadarNetwork([u], FRAME)
    cells = ((p.max_range_m - p.min_range_m) / p.range_resolution_m
             * max((p.max_elevation_deg - p.min_elevation_deg) / p.beamwidth_deg, 1.0)
             * p.azimuth_sector_deg / p.beamwidth_deg)
    lam = p.pfa * cells
    assert net.expected_false_alarms_per_scan()[0] == pytest.approx(lam, rel=1e-9)
    empty = np.zeros((0, 6))
    n_scans, total = 10_000, 0
    for k in range(1, n_scans + 1):
        d = net.scan(k * p.scan_period_s, empty, np.zeros(0), np.zeros(0, bool), rng)
        total += len(d)
        assert (d.truth_id == -1).all()
    mean = n_scans * lam
    assert abs(total - mean) < 5 * np.sqrt(mean)


def test_false_alarms_lie_in_the_sector_and_limits(rng):
    """False alarms fall inside the sector, range and elevation limits of their radar."""
    u = unit("mpq65", pfa=1e-4, boresight_deg=200.0)
    net = RadarNetwork([u], FRAME)
    d = run(net, np.zeros((0, 6)), np.zeros(0), 20.0, 0.5, rng)
    assert len(d) > 100
    p = u.preset
    off = np.degrees(np.angle(np.exp(1j * (d.z[:, 1] - np.radians(200.0)))))
    # Noise is added to the measurement, so allow 6 sigma of measured angle and range.
    assert (np.abs(off) <= 60 + 6 * p.azimuth_sigma_deg / p.noise_floor_fraction).all()
    assert (d.z[:, 0] <= p.max_range_m + 6 * p.range_sigma_m / p.noise_floor_fraction).all()


def test_rotating_look_time_is_beam_crossing(rng):
    """A rotating radar sees a target when its beam, turning from boresight, passes it."""
    u = unit("tor_m2_radar", scan_period_s=2.0, boresight_deg=0.0)
    net = RadarNetwork([u], FRAME)
    brg = np.radians([30.0, 100.0, 250.0])
    st_ = targets(8e3 * np.sin(brg), 8e3 * np.cos(brg), 1000.0)
    d = run(net, st_, np.full(3, 100.0), 2.0, 0.25, rng)
    d = d.select(d.truth_id >= 0)
    order = np.argsort(d.truth_id)
    az = np.arctan2(st_[:, 0] - net.enu[0, 0], st_[:, 1] - net.enu[0, 1]) % (2 * np.pi)
    assert d.truth_id[order].tolist() == [0, 1, 2]
    assert np.allclose(d.time_s[order], az / (2 * np.pi) * 2.0, atol=1e-9)


def test_rotating_revisit_once_per_period(rng):
    """Over 20 s, a strong target is detected once per 2 s revolution (10 looks)."""
    net = RadarNetwork([unit("tor_m2_radar", scan_period_s=2.0)], FRAME)
    st_ = targets(np.array([5e3, -7e3]), np.array([3e3, 2e3]), 500.0)
    d = run(net, st_, np.full(2, 100.0), 20.0, 0.3, rng)
    assert np.bincount(d.truth_id[d.truth_id >= 0]).tolist() == [10, 10]
    assert np.allclose(np.diff(np.sort(d.time_s[d.truth_id == 0])), 2.0)


def test_electronic_track_revisits_and_frame(rng):
    """An electronic radar finds a target in search, then revisits it every track_revisit_s."""
    u = unit("mpq65", track_revisit_s=0.25, scan_period_s=4.0, pfa=1e-9)
    net = RadarNetwork([u], FRAME)
    st_ = targets(0.0, 40e3, 3000.0)
    d = run(net, st_, np.ones(1) * 10.0, 12.0, 0.25, rng)
    t = np.sort(d.time_s[d.truth_id == 0])
    assert t[0] <= 4.0  # found within the first search frame
    assert np.allclose(np.diff(t), 0.25)
    assert net.tracked[0, 0]
    assert 0 < net.occupancy()[0] <= u.preset.track_budget_fraction


def test_track_capacity_limits_reported_targets(rng):
    """A radar holding 5 tracks reports no more than 5 distinct targets."""
    net = RadarNetwork([unit("tor_m2_radar", max_tracks=5, pfa=1e-9)], FRAME)
    brg = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    st_ = targets(6e3 * np.sin(brg), 6e3 * np.cos(brg), 800.0)
    d = run(net, st_, np.full(20, 50.0), 6.0, 0.25, rng)
    assert np.unique(d.truth_id[d.truth_id >= 0]).size == 5
    assert net.tracked.sum() == 5 and net.stats["dropped_capacity"] > 0


def test_electronic_capacity_from_time_budget():
    """An electronic radar holds at most budget x revisit / dwell tracks."""
    net = RadarNetwork([unit("mpq65", max_tracks=1000, track_revisit_s=1.0, track_dwell_s=0.01,
                             track_budget_fraction=0.4)], FRAME)
    assert net.capacity.tolist() == [40]


def test_unresolved_targets_merge(rng):
    """Two targets 2 m apart merge into one detection whose SNR is the sum of both: its
    detector output (steady target: ``|sqrt(S) + n|^2``, mean S + 1, variance 2 S + 1) lies
    within 5 sigma of the sum, not of the stronger one's (a third less: 11 sigma away)."""
    net = RadarNetwork([unit("tor_m2_radar", swerling=0, pfa=1e-9)], FRAME)
    st_ = targets(np.array([10e3, 10e3 + 2.0]), np.array([0.0, 0.0]), 1000.0)
    d = run(net, st_, np.array([2.0, 1.0]), 1.0, 1.0, rng)
    t = d.truth_id >= 0
    assert t.sum() == 1 and d.truth_id[t][0] == 0
    s = net.mean_snr(np.array([0]), np.array([np.linalg.norm(st_[0, :3] - net.enu[0])]), 3.0)[0]
    assert s / 3 > 10 * np.sqrt(2 * s + 1)
    assert abs(10 ** (d.snr_db[t][0] / 10) - s - 1) < 5 * np.sqrt(2 * s + 1)
    assert net.stats["merged"] == 1


def test_reported_snr_is_the_detector_output(rng):
    """Steady targets of known SNR S (no fluctuation, Pd about 1): the reported SNR is the
    square-law detector output ``|sqrt(S) + n|^2``, mean S + 1 and variance 2 S + 1 (noise
    included, not the signal power S alone), while the sigmas still scale with the signal's
    S (``sqrt(SNR_ref / S)``, at least the noise floor)."""
    net = RadarNetwork([unit("tor_m2_radar", swerling=0, max_tracks=10_000, pfa=1e-9,
                             range_resolution_m=0.01, beamwidth_deg=0.01)], FRAME)
    n = 3000
    brg = rng.uniform(0, 2 * np.pi, n)
    r = rng.uniform(15e3, 25e3, n)
    st_ = targets(r * np.sin(brg), r * np.cos(brg), 1000.0)
    d = net.scan(1.0, st_, np.full(n, 8.0), np.ones(n, bool), rng)
    d = d.select(d.truth_id >= 0)
    assert len(d) > 0.999 * n
    s = net.mean_snr(np.zeros(len(d), int),
                     np.linalg.norm(st_[d.truth_id, :3] - net.enu[0], axis=1), 8.0)
    assert s.min() > 2 * net.threshold[0]  # detected (almost) whatever the noise
    e = 10 ** (d.snr_db / 10) - s
    v = 2 * s + 1
    assert abs(e.mean() - 1.0) < 5 * np.sqrt(v.mean() / len(d))
    assert np.mean(e * e / v) == pytest.approx(1.0, abs=0.1)
    ref = 10 ** (net.ref_snr_db[0] / 10)
    want = net.sigma_ref[0, 0] * np.maximum(np.sqrt(ref / s), net.noise_floor[0])
    assert np.allclose(np.sqrt(d.R[:, 0, 0]), want, rtol=1e-9)


def test_false_alarms_report_threshold_plus_exponential_excess(rng):
    """A false alarm reports its detector output: the threshold plus an exponential excess of
    mean 1 (noise units)."""
    net = RadarNetwork([unit("tor_m2_radar", pfa=1e-4)], FRAME)
    d = run(net, np.zeros((0, 6)), np.zeros(0), 20.0, 1.0, rng)
    assert len(d) > 500 and (d.truth_id < 0).all()
    x = 10 ** (d.snr_db / 10) - net.threshold[0]
    assert x.min() > -1e-9
    assert x.mean() == pytest.approx(1.0, abs=5 / np.sqrt(len(d)))
    assert np.mean(x * x) == pytest.approx(2.0, abs=10 / np.sqrt(len(d)))


def test_empirical_pd_matches_swerling(rng):
    """The fraction of looks that detect equals pd_swerling at the look's mean SNR."""
    for sw in (0, 1, 3):
        # Fine resolution so that no two of the targets share a cell.
        net = RadarNetwork([unit("tor_m2_radar", swerling=sw, max_tracks=10_000, pfa=1e-12,
                                 range_resolution_m=0.01, beamwidth_deg=0.01)], FRAME)
        n = 4000
        brg = rng.uniform(0, 2 * np.pi, n)
        r = rng.uniform(10e3, 30e3, n)
        st_ = targets(r * np.sin(brg), r * np.cos(brg), 1000.0)
        rng_m = np.linalg.norm(st_[:, :3] - net.enu[0], axis=1)
        d = net.scan(1.0, st_, np.full(n, 1.0), np.ones(n, bool), rng)
        hits = np.zeros(n, bool)
        hits[d.truth_id[d.truth_id >= 0]] = True
        pd = pd_swerling(net.mean_snr(np.zeros(n, int), rng_m, 1.0), net.pfa[0], sw)
        assert 0.3 < pd.mean() < 0.9
        assert abs(hits.sum() - pd.sum()) < 5 * np.sqrt((pd * (1 - pd)).sum())


def test_measurement_noise_matches_covariance(rng):
    """Measured range/azimuth/elevation/range-rate scatter as the reported R, around the truth."""
    net = RadarNetwork([unit("tor_m2_radar", max_tracks=10_000, pfa=1e-15,
                             range_resolution_m=0.01, beamwidth_deg=0.01)], FRAME)
    n = 3000
    brg = rng.uniform(0, 2 * np.pi, n)
    r = rng.uniform(5e3, 25e3, n)
    st_ = targets(r * np.sin(brg), r * np.cos(brg), 2000.0, vel=(100.0, -50.0, 0.0))
    d = net.scan(1.0, st_, np.full(n, 0.5), np.ones(n, bool), rng)
    d = d.select(d.truth_id >= 0)
    pos = st_[d.truth_id, :3] - st_[d.truth_id, 3:] * (1.0 - d.time_s)[:, None]
    rel = pos - d.sensor_enu
    r = np.linalg.norm(rel, axis=1)
    truth = np.stack([r, np.arctan2(rel[:, 0], rel[:, 1]) % (2 * np.pi),
                      np.arctan2(rel[:, 2], np.hypot(rel[:, 0], rel[:, 1])),
                      rel @ np.array([100.0, -50.0, 0.0]) / r], axis=1)
    err = d.z - truth
    err[:, 1] = np.angle(np.exp(1j * err[:, 1]))
    sd = np.sqrt(np.diagonal(d.R, axis1=1, axis2=2))
    norm = err / sd
    assert np.all(np.abs(norm.mean(axis=0)) < 5 / np.sqrt(len(d)))
    assert np.allclose(norm.std(axis=0), 1.0, atol=0.06)
    # Stronger returns are measured more precisely.
    hi = d.snr_db > np.median(d.snr_db)
    assert sd[hi, 0].mean() < sd[~hi, 0].mean()


def test_no_range_rate_is_nan(rng):
    """A radar without Doppler reports NaN range rate and a NaN row/column in R."""
    net = RadarNetwork([unit("hawk_par", pfa=1e-12)], FRAME)
    d = run(net, targets(20e3, 0.0, 3000.0), np.full(1, 50.0), 3.0, 0.5, rng)
    assert len(d) >= 1
    assert np.isnan(d.z[:, 3]).all() and np.isnan(d.R[:, 3, :]).all()
    assert np.isfinite(d.R[:, :3, :3]).all()


def test_stopped_radar_is_silent_and_forgets(rng):
    """A radar set non-operational makes no detections and drops its tracks."""
    net = RadarNetwork([unit("tor_m2_radar"), unit("tor_m2_radar", east=1000.0)], FRAME)
    st_ = targets(5e3, 5e3, 1000.0)
    run(net, st_, np.full(1, 50.0), 2.0, 0.5, rng)
    assert net.tracked[:, 0].all()
    net.set_operational([False, True])
    d = run(net, st_, np.full(1, 50.0), 4.0, 0.5, rng)
    assert (d.sensor == 1).all() and len(d) > 0
    assert not net.tracked[0].any()
    net.operational &= np.array([True, False])
    d = net.scan(10.0, st_, np.full(1, 50.0), np.ones(1, bool), rng)
    assert len(d) == 0


def test_dead_targets_are_not_seen(rng):
    """Targets not alive are never detected."""
    net = RadarNetwork([unit("tor_m2_radar")], FRAME)
    st_ = targets(np.array([5e3, 6e3]), np.array([0.0, 0.0]), 1000.0)
    d = run(net, st_, np.full(2, 50.0), 5.0, 0.5, rng, alive=np.array([True, False]))
    assert set(d.truth_id[d.truth_id >= 0].tolist()) == {0}


def test_power_aperture_reference():
    """With a power-aperture product the search radar equation sets the reference SNR."""
    p = CAT.sensors["hawk_par"].model_copy(update={"power_aperture_wm2": 1e4})
    omega = np.radians(360.0) * (np.sin(np.radians(p.max_elevation_deg))
                                 - np.sin(np.radians(p.min_elevation_deg)))  # sr
    snr = 1e4 * p.scan_period_s * 1.0 / (4 * np.pi * omega * 1.380649e-23 * p.system_temp_k
                                         * p.ref_range_m**4)
    assert reference_snr_db(p) == pytest.approx(10 * np.log10(snr))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), bore=st.floats(0, 360), sector=st.floats(20, 180),
       ant_h=st.floats(1, 60))
def test_no_detection_outside_sector_or_below_horizon(seed, bore, sector, ant_h):
    """No target detection comes from outside the sector, below the horizon or out of range."""
    rng = np.random.default_rng(seed)
    u = unit("mpq65", boresight_deg=bore, azimuth_sector_deg=sector, antenna_height_m=ant_h,
             max_tracks=10_000, track_dwell_s=1e-5, min_elevation_deg=-2.0)
    net = RadarNetwork([u], FRAME)
    n = 400
    r = rng.uniform(1e3, 200e3, n)
    b = rng.uniform(0, 2 * np.pi, n)
    st_ = targets(r * np.sin(b), r * np.cos(b), rng.uniform(0, 3000, n))
    st_[:, 3:] = rng.normal(0, 250, (n, 3)) * [1.0, 1.0, 0.2]
    d = run(net, st_, np.full(n, 100.0), 4.0, 0.5, rng)
    d = d.select(d.truth_id >= 0)
    if len(d) == 0:
        return
    # Truth is linear in time; the scan at each step used the states of that step.
    step_t = np.ceil(d.time_s / 0.5 - 1e-9) * 0.5
    pos = st_[d.truth_id, :3] - st_[d.truth_id, 3:] * (step_t - d.time_s)[:, None]
    rel = pos - net.enu[0]
    az = np.degrees(np.arctan2(rel[:, 0], rel[:, 1]))
    off = (az - bore + 180) % 360 - 180
    assert (np.abs(off) <= sector / 2 + 1e-9).all()
    assert not below_effective_horizon(FRAME, net.enu[0], pos).any()
    rr = np.linalg.norm(rel, axis=1)
    assert ((rr >= u.preset.min_range_m) & (rr <= u.preset.max_range_m)).all()


def _ridge_terrain(height_m: float) -> Terrain:
    e = np.arange(-1000.0, 40_001.0, 100.0)
    grid = np.zeros((3, e.size))
    grid[:, np.abs(e - 10_000) < 150] = height_m
    return Terrain(grid, "local", -1000.0, 50_000.0, 100.0, -50_000.0, FRAME)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), wall=st.floats(100, 800))
def test_no_detection_behind_terrain(seed, wall):
    """Targets whose line of sight passes under a ridge's top are never detected."""
    rng = np.random.default_rng(seed)
    net = RadarNetwork([unit("tor_m2_radar", max_tracks=10_000, min_elevation_deg=-5.0)],
                       FRAME, _ridge_terrain(wall))
    n = 300
    x = rng.uniform(11_000, 30_000, n)
    h = rng.uniform(0, 3000, n)
    st_ = targets(x, rng.uniform(-500, 500, n), h)
    d = run(net, st_, np.full(n, 100.0), 2.0, 0.5, rng)
    seen = np.unique(d.truth_id[d.truth_id >= 0])
    h_a = net.coverage.antenna_height_m[0]
    kr = 4.0 / 3.0 * FRAME.radius_m
    xs = 10_000.0  # wall centre; its flat top spans +-50 m around it
    ray = h_a + (h - h_a) * xs / x - xs * (x - xs) / (2 * kr)
    hidden = ray < wall - 60.0 * (h + wall) / xs  # margin for the wall's width and offsets
    assert not np.isin(np.flatnonzero(hidden), seen).any()
    assert seen.size > 0 or hidden.all()


def test_pair_aspect_rcs_matches_threats_formula(rng):
    """The radar's pair RCS gives the bits of threats.rcs.aspect_rcs_m2 (zero speeds included)."""
    from airdefense.threats.rcs import aspect_rcs_m2

    net = RadarNetwork([unit("tor_m2_radar"), unit("mpq65", east=4e3), unit("hawk_par", north=3e3)],
                       FRAME)
    n = 300
    st_ = targets(rng.uniform(-40e3, 40e3, n), rng.uniform(-40e3, 40e3, n), rng.uniform(0, 9e3, n))
    st_[:, 3:] = rng.normal(0, 200, (n, 3))
    st_[:20, 3:] = 0.0
    front, side, tail = rng.uniform(0.01, 1, n), rng.uniform(0.5, 5, n), rng.uniform(0.05, 2, n)
    ri, ci = rng.integers(0, 3, 1000), rng.integers(0, n, 1000)
    got = net.pair_aspect_rcs_m2(st_, ri, ci, front, side, tail)
    grid = aspect_rcs_m2(st_[None, :, :3], st_[None, :, 3:], net.enu[:, None, :], front, side,
                         tail)
    assert got.tobytes() == grid[ri, ci].tobytes()


class _Truth:
    """A stand-in ThreatSet: straight flights with aspect RCS figures and launch times."""

    def __init__(self, st_, launch, rcs):
        self.st_, self.launch_time_s = st_, launch
        self.trajectory = type("T", (), {"rcs_front_m2": rcs[0], "rcs_side_m2": rcs[1],
                                         "rcs_tail_m2": rcs[2]})()

    def states(self, t):
        out = self.st_.copy()
        out[:, :3] += self.st_[:, 3:] * t
        return out


def test_step_equals_scan_with_aspect_rcs_and_launch_filter():
    """step() = scan() with the aspect RCS grid, minus looks earlier than the target's launch.

    Called without the step's start (``t0 = t1``), step() moves each look straight back along
    the velocity at ``t1``, as scan() does: the same bits. With the start, the looks of these
    straight flights lie on the same line (the Hermite curve of a straight flight), to rounding.
    """
    from airdefense.threats.rcs import aspect_rcs_m2

    units = [unit("tor_m2_radar", max_tracks=6), unit("mpq65", east=3e3, boresight_deg=60.0),
             unit("hawk_hpi", north=-2e3, max_tracks=2, scan="electronic")]
    g = np.random.default_rng(5)
    n = 120
    st_ = targets(g.uniform(-30e3, 30e3, n), g.uniform(-30e3, 30e3, n), g.uniform(50, 6e3, n))
    st_[:, 3:] = g.normal(0, 150, (n, 3))
    launch = g.uniform(0, 10, n)
    rcs = g.uniform(0.05, 3, (3, n))
    truth = _Truth(st_, launch, rcs)
    a, b = RadarNetwork(units, FRAME), RadarNetwork(units, FRAME)
    c = RadarNetwork(units, FRAME)
    ra, rb, rc = (np.random.default_rng(9) for _ in range(3))
    n_early = 0
    for k in range(1, 25):
        t0, t1 = 0.5 * (k - 1), 0.5 * k
        alive = launch <= t1
        da = a.step(t1, t1, truth, lambda t, al=alive: al, ra)
        dc = c.step(t0, t1, truth, lambda t, al=alive: al, rc)
        assert (dc.truth_id == da.truth_id).all() and (dc.time_s == da.time_s).all()
        np.testing.assert_allclose(dc.z, da.z, rtol=1e-9, atol=1e-9)
        x = truth.states(t1)
        grid = aspect_rcs_m2(x[None, :, :3], x[None, :, 3:], b.enu[:, None, :], *rcs)
        db = b.scan(t1, x, grid, alive, rb)
        early = (db.truth_id >= 0) & (db.time_s < launch[np.maximum(db.truth_id, 0)])
        n_early += int(early.sum())
        db = db.select(~early)
        for f in ("time_s", "sensor", "z", "R", "sensor_enu", "snr_db", "truth_id"):
            assert getattr(da, f).tobytes() == getattr(db, f).tobytes(), (k, f)
    assert n_early > 0 and a.stats == b.stats


def test_dead_targets_do_not_change_the_scan():
    """Adding dead targets (even with NaN states) leaves every detection and draw unchanged."""
    units = [unit("tor_m2_radar"), unit("mpq65", east=2e3, max_tracks=4)]
    g = np.random.default_rng(2)
    n = 60
    st_ = targets(g.uniform(-20e3, 20e3, n), g.uniform(-20e3, 20e3, n), g.uniform(50, 4e3, n))
    extra = np.full((25, 6), np.nan)
    extra[::2] = st_[:13]
    both = np.concatenate([st_, extra])
    rcs = g.uniform(0.1, 2, n)
    a, b = RadarNetwork(units, FRAME), RadarNetwork(units, FRAME)
    ra, rb = np.random.default_rng(4), np.random.default_rng(4)
    alive_b = np.r_[np.ones(n, bool), np.zeros(25, bool)]
    for k in range(1, 13):
        da = a.scan(0.5 * k, st_, rcs, np.ones(n, bool), ra)
        db = b.scan(0.5 * k, both, np.r_[rcs, np.ones(25)], alive_b, rb)
        assert len(da) > 0
        for f in ("time_s", "sensor", "z", "R", "snr_db", "truth_id"):
            assert getattr(da, f).tobytes() == getattr(db, f).tobytes(), (k, f)
    assert ra.bit_generator.state == rb.bit_generator.state


def test_mixed_swerling_network_pd_per_radar(rng):
    """Radars of different Swerling cases in one network each detect at their own Pd."""
    sws = (0, 1, 3)
    units = [unit("tor_m2_radar", swerling=sw, max_tracks=10_000, pfa=1e-12,
                  range_resolution_m=0.01, beamwidth_deg=0.01, east=0.01 * i)
             for i, sw in enumerate(sws)]
    net = RadarNetwork(units, FRAME)
    n = 3000
    brg = rng.uniform(0, 2 * np.pi, n)
    r = rng.uniform(10e3, 30e3, n)
    st_ = targets(r * np.sin(brg), r * np.cos(brg), 1000.0)
    d = net.scan(1.0, st_, np.full(n, 1.0), np.ones(n, bool), rng)
    for i, sw in enumerate(sws):
        hits = np.zeros(n, bool)
        hits[d.truth_id[(d.truth_id >= 0) & (d.sensor == i)]] = True
        rng_m = np.linalg.norm(st_[:, :3] - net.enu[i], axis=1)
        pd = pd_swerling(net.mean_snr(np.full(n, i), rng_m, 1.0), net.pfa[i], sw)
        assert 0.3 < pd.mean() < 0.9
        assert abs(hits.sum() - pd.sum()) < 5 * np.sqrt((pd * (1 - pd)).sum())


def test_exponential_draws_equal_numpy_gamma_and_exponential():
    """The scan's standard-exponential draws are NumPy's gamma(1, 1) and exponential(1) numbers.

    The scan draws Swerling 1 fluctuations and false-alarm excesses with
    ``standard_exponential`` (cheaper); the streams must stay those of ``gamma(1.0, 1.0)`` and
    ``exponential(1.0)``, draw for draw, and leave the generator in the same state.
    """
    for draw in (lambda g, n: g.gamma(1.0, 1.0, size=n), lambda g, n: g.exponential(1.0, n)):
        a, b = np.random.default_rng(11), np.random.default_rng(11)
        for n in (1, 7, 300, 5000):
            assert draw(a, n).tobytes() == b.standard_exponential(n).tobytes()
        assert a.bit_generator.state == b.bit_generator.state
