"""Tests of airdefense.sensors._kernels: the compiled scan against the NumPy reference."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.sensors import _kernels as K
from airdefense.sensors.radar import RadarNetwork
from tests.sensors.reference_radar import reference_network
from tests.sensors.test_radar import FRAME, _ridge_terrain, _Truth, targets, unit

FIELDS = ("time_s", "sensor", "z", "R", "sensor_enu", "snr_db", "truth_id")


def assert_same_detections(a, b):
    """Same detections: identical radars, truths and order; values to the last bits of libm."""
    assert a.sensor.tolist() == b.sensor.tolist()
    assert a.truth_id.tolist() == b.truth_id.tolist()
    assert a.sensor_enu.tobytes() == b.sensor_enu.tobytes()
    assert np.allclose(a.time_s, b.time_s, rtol=0, atol=1e-9)
    daz = np.angle(np.exp(1j * (a.z[:, 1] - b.z[:, 1])))
    assert np.all(np.abs(daz) < 1e-9)
    for j in (0, 2, 3):
        assert np.allclose(a.z[:, j], b.z[:, j], rtol=1e-10, atol=1e-6, equal_nan=True), j
    assert np.allclose(a.R, b.R, rtol=1e-10, atol=0, equal_nan=True)
    assert np.allclose(a.snr_db, b.snr_db, rtol=0, atol=1e-9)


def assert_same_state(a, b):
    """Same track tables, sweep phases, clocks and counters."""
    assert a.tracked.tolist() == b.tracked.tolist()
    assert a.misses.tolist() == b.misses.tolist()
    assert np.allclose(a.next_look_s, b.next_look_s, rtol=0, atol=1e-9)
    assert np.allclose(a.phase, b.phase, rtol=0, atol=1e-12)
    assert a.t_last.tolist() == b.t_last.tolist()
    assert a.stats == b.stats


def _units(case):
    if case == "swerling":  # one gamma shape per radar: the per-look gamma path
        return [unit("tor_m2_radar", swerling=sw, max_tracks=40, pfa=1e-6, east=300.0 * i)
                for i, sw in enumerate((0, 1, 3))]
    units = [
        unit("tor_m2_radar", max_tracks=6, pfa=1e-5, range_resolution_m=400.0,
             beamwidth_deg=4.0),
        unit("mpq65", east=3e3, boresight_deg=60.0, track_revisit_s=0.5, pfa=1e-6),
        unit("hawk_par", north=2e3, azimuth_sector_deg=120.0, boresight_deg=200.0, pfa=1e-6),
        unit("hawk_hpi", north=-2e3, max_tracks=2, scan="electronic"),
    ]
    if case == "cued":  # two cued radars between the others (one in a sector, slower revisits)
        units[2:2] = [unit("hawk_hpi", east=-3e3, max_tracks=2, pfa=1e-4, scan="cued"),
                      unit("hawk_hpi", east=4e3, north=4e3, azimuth_sector_deg=120.0,
                           boresight_deg=30.0, track_revisit_s=1.0, swerling=3, scan="cued")]
    return units


def _cues(k, n):
    """(radar, target) cues of call ``k`` for the "cued" case: sets that change every few calls,
    with targets that die (see the alive pattern), a false track's -1 and one out of range."""
    a = [(k // 4) % n, (k // 4 + 17) % n, (k // 6 + 40) % n, -1, n + 3]
    b = [(k // 3 + 5) % n, 60 + (k % 2), (k // 5) % n]
    return np.array([2] * len(a) + [3] * len(b)), np.array(a + b)


def _raid(seed, n=90):
    """Targets in clusters (so that some share resolution cells) with random velocities."""
    g = np.random.default_rng(seed)
    c = g.uniform(-25e3, 25e3, (12, 2))
    k = g.integers(0, 12, n)
    st_ = targets(c[k, 0] + g.normal(0, 150, n), c[k, 1] + g.normal(0, 150, n),
                  g.uniform(50, 6e3, n))
    st_[:, 3:] = g.normal(0, 150, (n, 3))
    return st_


@pytest.mark.parametrize("case",
                         ["mixed", "swerling", "terrain", "table", "fine_cells", "cued"])
def test_scan_matches_numpy_reference(case):
    """Scans give the reference's detections, track tables and random-number streams (cued
    radars too, with cues that change between calls)."""
    units = _units(case)
    terrain = _ridge_terrain(400.0) if case == "terrain" else None
    net = RadarNetwork(units, FRAME, terrain)
    ref = reference_network(units, FRAME, terrain)
    if case == "fine_cells":  # cells ranked instead of keyed: the same grouping and order
        net._cell_sizes[:] = 0
    st_ = _raid(3)
    n = len(st_)
    g = np.random.default_rng(8)
    rcs = g.uniform(0.05, 3.0, (len(units), n)) if case == "table" else g.uniform(0.05, 3.0, n)
    ra, rb = np.random.default_rng(21), np.random.default_rng(21)
    n_det = 0
    cued_hits = []
    for k in range(1, 31):
        t = 0.5 * k
        alive = np.ones(n, bool)
        alive[(np.arange(n) + k) % 7 == 0] = False  # targets come and go
        if k == 12:
            net.operational[1] = ref.operational[1] = False
        if k == 20:
            net.operational[1] = ref.operational[1] = True
        x = st_.copy()
        x[:, :3] += st_[:, 3:] * t
        if case == "cued":
            cr, cc = _cues(k, n)
            net.set_cues(cr, cc, n_targets=n)
            ref.set_cues(cr, cc, n_targets=n)
            cued_now = net.cue.copy()
        da = net.scan(t, x, rcs, alive, ra)
        db = ref.scan(t, x, rcs, alive, rb)
        assert_same_detections(da, db)
        assert_same_state(net, ref)
        assert ra.bit_generator.state == rb.bit_generator.state
        n_det += int((da.truth_id >= 0).sum())
        if case == "cued":  # cued radars report only live targets they are cued on
            mine = np.flatnonzero(net.cued[da.sensor])
            assert (da.truth_id[mine] >= 0).all()
            assert cued_now[da.sensor[mine], da.truth_id[mine]].all()
            assert alive[da.truth_id[mine]].all()
            assert not (net.tracked & ~cued_now)[net.cued].any()
            cued_hits.append(mine.size)
    s = net.stats
    assert n_det > 100 and s["false_alarms"] > 0
    if case in ("mixed", "fine_cells", "cued"):
        assert s["merged"] > 0 and s["dropped_capacity"] > 0
    if case == "cued":
        assert sum(cued_hits) > 30


def test_step_with_aspect_rcs_matches_numpy_reference():
    """step() with aspect RCS and launch times gives the reference's detections."""
    units = _units("mixed")
    st_ = _raid(5, 120)
    g = np.random.default_rng(6)
    launch = g.uniform(0, 8, len(st_))
    truth = _Truth(st_, launch, g.uniform(0.05, 3, (3, len(st_))))
    net, ref = RadarNetwork(units, FRAME), reference_network(units, FRAME)
    ra, rb = np.random.default_rng(4), np.random.default_rng(4)
    for k in range(1, 25):
        t0, t1 = 0.5 * (k - 1), 0.5 * k
        alive = launch <= t1
        da = net.step(t0, t1, truth, lambda t, al=alive: al, ra)
        db = ref.step(t0, t1, truth, lambda t, al=alive: al, rb)
        assert_same_detections(da, db)
    assert_same_state(net, ref)
    assert ra.bit_generator.state == rb.bit_generator.state


def test_stale_work_space_does_not_leak():
    """Garbage in the scan's work arrays between calls changes no detection bit."""
    units = _units("mixed")
    st_ = _raid(7)
    n = len(st_)
    rcs = np.full(n, 0.8)
    a, b = RadarNetwork(units, FRAME), RadarNetwork(units, FRAME)
    ra, rb = np.random.default_rng(2), np.random.default_rng(2)
    for k in range(1, 16):
        x = st_.copy()
        x[:, :3] += st_[:, 3:] * 0.5 * k
        da = a.scan(0.5 * k, x, rcs, np.ones(n, bool), ra)
        b._ensure_targets(n)
        for w in (b._look_f, b._ret_f, b._sweep):
            w[:] = np.nan
        for w in (b._look_i, b._ret_i):
            w[:] = -7
        db = b.scan(0.5 * k, x, rcs, np.ones(n, bool), rb)
        for f in FIELDS:
            assert getattr(da, f).tobytes() == getattr(db, f).tobytes(), (k, f)


@numba.njit
def _mod(a, b):
    return a % b


@settings(max_examples=300, deadline=None)
@given(a=st.floats(-1e6, 1e6) | st.sampled_from([0.0, -0.0, -1.0, 2 * np.pi, -4 * np.pi]),
       b=st.sampled_from([1.0, 2 * np.pi]))
def test_float_mod_is_numpy_mod(a, b):
    """A float ``a % b`` in a kernel has the bits of ``np.mod(a, b)`` (sign of b, +0)."""
    assert np.float64(_mod(a, b)).tobytes() == np.mod(np.float64(a), b).tobytes()


@settings(max_examples=300, deadline=None)
@given(a=st.floats(-20.0, 20.0) | st.sampled_from([0.0, -0.0, 1.0, np.nextafter(1.0, 0.0),
                                                    2 * np.pi, np.nextafter(2 * np.pi, 0.0),
                                                    5e-324, np.inf, np.nan]),
       b=st.sampled_from([1.0, 2 * np.pi]))
def test_fmod_pos_is_numpy_mod(a, b):
    """fmod_pos(a, b), the scan's wrap with a shortcut for 0 < a < b, has np.mod's bits."""
    with np.errstate(invalid="ignore"):  # inf % b is NaN, as NumPy warns
        want = np.mod(np.float64(a), b)
    assert np.float64(K.fmod_pos(a, b)).tobytes() == want.tobytes()


@settings(max_examples=200, deadline=None)
@given(a=st.floats(-20.0, 20.0))
def test_wrapped_offset_is_the_angle_of_exp(a):
    """wrapped_offset(a) is ``angle(exp(1j a))``: a in (-pi, pi], congruent to a."""
    w = K.wrapped_offset(a)
    assert -np.pi <= w <= np.pi
    assert abs(w - np.angle(np.exp(1j * a))) < 1e-12
    assert abs(np.sin(w) - np.sin(a)) < 1e-12 and abs(np.cos(w) - np.cos(a)) < 1e-12


def test_scan_rejects_a_bad_rcs_shape(rng):
    """scan() takes rcs of shape (n,) or (n_radars, n) only."""
    net = RadarNetwork([unit("tor_m2_radar"), unit("mpq65")], FRAME)
    st_ = targets(np.array([5e3, 6e3, 7e3]), np.zeros(3), 500.0)
    with pytest.raises(ValueError, match=r"rcs_m2 must have shape \(3,\) or \(2, 3\) for 2 "
                                         r"radars and 3 targets, got \(3, 3\)"):
        net.scan(1.0, st_, np.ones((3, 3)), np.ones(3, bool), rng)


def test_pair_aspect_rcs_rejects_a_bad_index():
    """pair_aspect_rcs_m2 raises IndexError for a target index beyond the states."""
    net = RadarNetwork([unit("tor_m2_radar")], FRAME)
    st_ = targets(np.array([5e3, 6e3]), np.zeros(2), 500.0)
    one = np.ones(2)
    with pytest.raises(IndexError, match="target index 2 is out of range for 2 targets"):
        net.pair_aspect_rcs_m2(st_, np.array([0]), np.array([2]), one, one, one)
    with pytest.raises(IndexError, match="radar index 1 is out of range for 1 radars"):
        net.pair_aspect_rcs_m2(st_, np.array([1]), np.array([0]), one, one, one)


@pytest.mark.parametrize(("pshape", "sshape"), [((50, 4), (50, 3)), ((50, 3), (3,)),
                                                ((2, 50, 3), (2, 1, 3)), ((3,), (3,))])
def test_polar_to_enu_matches_closed_form(pshape, sshape, rng):
    """polar_to_enu is ``r [cos el sin az, cos el cos az, sin el] + sensor`` for any broadcast."""
    from airdefense.sensors.base import enu_to_polar, polar_to_enu

    p = rng.uniform([0.0, 0.0, -0.5, -9.0], [9e4, 2 * np.pi, 1.5, 9.0], pshape[:-1] + (4,))
    p = np.ascontiguousarray(p[..., :pshape[-1]])
    s = rng.normal(0, 1e3, sshape)
    r, az, el = p[..., 0], p[..., 1], p[..., 2]
    want = np.stack([r * np.cos(el) * np.sin(az), r * np.cos(el) * np.cos(az), r * np.sin(el)],
                    axis=-1) + s
    got = polar_to_enu(p, s)
    assert got.shape == want.shape
    assert got.tobytes() == want.tobytes()
    assert np.allclose(enu_to_polar(got, s), p[..., :3], rtol=1e-9, atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.integers(0, 2**62) | st.integers(0, 40), max_size=300))
def test_distinct_in_matches_a_set(keys):
    """The merge's duplicate test says what a set says (small and large keys, repeats)."""
    table = np.empty(K._table_size(len(keys)), np.int64)
    assert K._distinct_in(np.array(keys, np.int64), table) == (len(set(keys)) == len(keys))
