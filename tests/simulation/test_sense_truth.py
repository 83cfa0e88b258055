"""The truth-mode step in one compiled call equals the separate calls, bit for bit.

In truth mode the loop runs the radar scan, the first-report check and the truth tracker in
one call of :func:`airdefense.simulation._kernels.sense_truth` once the network's one-call
scan applies. The reference is the same run through ``RadarNetwork.step`` and
``TruthTracker.step`` (the fused path switched off): the same events (detections in the same
order, with the same positions; track starts), outcomes and interceptors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import airdefense.simulation._kernels as fused_kernels
from airdefense import load_scenario
from airdefense.simulation import loop
from airdefense.tracking.truth import TruthTracker

EXAMPLE2 = Path(__file__).resolve().parents[2] / "examples" / "02_layered_city.yaml"


def _run(sc, seed, fused: bool, monkeypatch):
    calls = []
    kernel = fused_kernels.sense_truth

    def counted(*args):
        calls.append(args[0])
        return kernel(*args)

    with monkeypatch.context() as m:
        m.setattr(fused_kernels, "sense_truth", counted)
        if not fused:
            setup = loop._Run._sense_truth_setup

            def off(self):
                setup(self)
                self._fused = False
            m.setattr(loop._Run, "_sense_truth_setup", off)
        run = loop._Run(sc, seed, "truth", None)
        res = run.run()
    return res, calls, run


@pytest.mark.parametrize("seed", [2, 5])
def test_fused_truth_step_equals_separate_calls(seed, monkeypatch):
    sc = load_scenario(EXAMPLE2)
    fused, calls, run = _run(sc, seed, True, monkeypatch)
    ref, ref_calls, ref_run = _run(sc, seed, False, monkeypatch)
    assert not ref_calls
    # Every step but the first (which links the truth's arrays) took the fused call.
    assert len(calls) > 1000
    pd.testing.assert_frame_equal(fused.events, ref.events, check_exact=True)
    pd.testing.assert_frame_equal(fused.threats, ref.threats, check_exact=True)
    pd.testing.assert_frame_equal(fused.interceptors, ref.interceptors, check_exact=True)
    assert fused.summary.keys() == ref.summary.keys()
    for key, value in fused.summary.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, ref.summary[key], check_exact=True)
        else:
            assert repr(value) == repr(ref.summary[key]), key
    det = fused.events[fused.events.kind == "detection"]
    assert len(det) > 50 and (det.sensor_id >= 0).all()
    # The state the two paths leave: the same tables, counts and generators.
    assert run.seen.tolist() == ref_run.seen.tolist()
    assert run.sensors.stats == ref_run.sensors.stats
    assert run.sensors.reported.tolist() == ref_run.sensors.reported.tolist()
    assert run.tracker._tf.tobytes() == ref_run.tracker._tf.tobytes()
    for name in ("sensors", "tracking"):
        assert (run.rng[name].bit_generator.state == ref_run.rng[name].bit_generator.state)
    assert len(run.tracks) == len(ref_run.tracks)
    for f in ("track_id", "x", "P", "quality", "confirmed", "truth_id"):
        assert np.asarray(getattr(run.tracks, f)).tobytes() == \
            np.asarray(getattr(ref_run.tracks, f)).tobytes(), f


def test_replaced_step_is_called(monkeypatch):
    """A tracker whose ``step`` is replaced on the object keeps the separate calls."""
    sc = load_scenario(EXAMPLE2)
    seen = []
    orig = TruthTracker.step

    def setup(self):
        tr = self.tracker

        def spy(*a, **k):
            seen.append(a[0])
            return orig(tr, *a, **k)

        tr.step = spy
        setup.orig(self)

    setup.orig = loop._Run._sense_truth_setup
    monkeypatch.setattr(loop._Run, "_sense_truth_setup", setup)
    run = loop._Run(sc, 2, "truth", None)
    run.run()
    assert run._fused is False
    assert len(seen) >= 50


def _first_reports_numpy(time_s, sensor, truth_id, z, sensor_enu, seen):
    """The loop's NumPy form (``_Run.sense_and_track`` with a Detections object)."""
    from airdefense.sensors.base import polar_to_enu

    fresh = np.flatnonzero((truth_id >= 0) & ~seen[truth_id, sensor])
    pair = truth_id[fresh] * seen.shape[1] + sensor[fresh]
    _, first = np.unique(pair, return_index=True)
    rows = fresh[first]
    seen[truth_id[rows], sensor[rows]] = True
    rows = rows[np.argsort(time_s[rows], kind="stable")]
    enu = polar_to_enu(z, sensor_enu)
    return time_s[rows], enu[rows], truth_id[rows], sensor[rows]


@pytest.mark.parametrize("seed", range(40))
def test_first_reports_match_numpy_form(seed):
    """Random scans with repeated pairs, false alarms, marked pairs and equal times (ties
    are ordered by the pair's key, as the NumPy form's unique-then-stable-sort does)."""
    g = np.random.default_rng(seed)
    k, n, radars = int(g.integers(0, 40)), 7, 3
    time_s = np.sort(g.integers(0, 4, k).astype(float) + 10.0)  # many equal times
    sensor = g.integers(0, radars, k)
    truth_id = g.integers(-1, n, k)
    z = np.column_stack([g.uniform(1e3, 5e4, k), g.uniform(0, 2 * np.pi, k),
                         g.uniform(0, 1, k), g.normal(0, 100, k)])
    sensor_enu = g.normal(0, 1e3, (radars, 3))[sensor]
    seen = g.random((n, radars)) < 0.3
    ref_seen = seen.copy()
    ft, fenu, fk, fs = _first_reports_numpy(time_s, sensor, truth_id, z, sensor_enu, ref_seen)
    first_f = np.full((n * radars, 4), np.nan)
    first_i = np.full((n * radars, 2), -9, np.int64)
    m = fused_kernels.first_reports(time_s, sensor, truth_id, z, sensor_enu, seen, first_f,
                                    first_i)
    assert m == ft.size
    assert seen.tolist() == ref_seen.tolist()
    assert first_f[:m, 0].tobytes() == ft.tobytes()
    assert first_f[:m, 1:].tobytes() == np.ascontiguousarray(fenu).tobytes()
    assert first_i[:m, 0].tolist() == fk.tolist()
    assert first_i[:m, 1].tolist() == fs.tolist()


def _recorded_scans(seed, every=25):
    """Copies of the scan arguments of some fused calls of a truth-mode run (example 2)."""
    sc = load_scenario(EXAMPLE2)
    rec = []
    kernel = fused_kernels.sense_truth

    def spy(*args):
        if len(rec) < 10_000 and (args[0] // 1) % every == 0:
            # scan's arguments: (t, t0, aspect, states, states0, alive, rcs table, front,
            # side, tail, launch, rc, operational, tf, ti, tb, ci)
            rows = args[8]
            launch = rows[3] if rows.shape[0] > 3 else np.zeros(0)
            scan = (*args[:2], True, *args[2:5], np.zeros((1, 0)), *rows[:3], launch,
                    *args[9:15])
            rec.append(tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                             for a in scan))
        return kernel(*args)

    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(fused_kernels, "sense_truth", spy)
        loop._Run(sc, seed, "truth", None).run()
    finally:
        mp.undo()
    return rec


def _fresh(args, rng_ptrs):
    """A copy of recorded scan arguments drawing from ``rng_ptrs`` (the recorded run's
    generator is gone)."""
    from airdefense.sensors import _kernels as SK

    out = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    out[16][SK.CI_RNG:SK.CI_RNG + 5] = rng_ptrs.view(np.int64)
    return out


@pytest.mark.parametrize("seed", [3])
def test_scan_truth_equals_scan_columns(seed):
    """``scan_truth`` of a noiseless network: the columns of ``scan``'s output the truth
    tracker reads (time, radar, target, z[:, :3], R's first three diagonal entries), bit for
    bit, and the same tables, counts, sweep state and generator state afterwards."""
    from airdefense.sensors import _kernels as SK

    rec = _recorded_scans(seed)
    assert len(rec) > 30
    rows = ties = 0
    for args in rec:
        assert args[16][SK.CI_NOISELESS] == 1
        g1, g2 = np.random.default_rng(seed), np.random.default_rng(seed)
        a = _fresh(args, SK.generator_pointers(g1))
        b = _fresh(args, SK.generator_pointers(g2))
        time_s, sensor, z, R, _, _, truth_id = SK.scan(*a)
        fo, io = SK.scan_truth(*b)
        assert fo.shape == (time_s.size, SK.TD_N) and io.shape == (time_s.size, SK.TI_N)
        assert fo[:, SK.TD_TIME].tobytes() == time_s.tobytes()
        assert io[:, SK.TI_SENSOR].tolist() == sensor.tolist()
        assert io[:, SK.TI_TARGET].tolist() == truth_id.tolist()
        assert fo[:, SK.TD_Z:SK.TD_Z + 3].tobytes() == z[:, :3].tobytes()
        for q in range(3):
            assert fo[:, SK.TD_VAR + q].tobytes() == R[:, q, q].tobytes()
        # The tables, counts and sweep state; a look out of coverage leaves its azimuth and
        # elevation unset (what an uninitialised buffer held), compared as zeros, and
        # scan_truth computes no range rate (the looks' velocities, the returns' RF_RDOT).
        n_looks = a[16][SK.CI_COUNTS + SK.ST_LOOKS] - a[16][SK.CI_LOOKS0]
        kn = a[11].shape[0] * a[3].shape[0]
        for x in (a, b):
            wf = x[13][kn:].reshape(kn, SK.WF_N)
            wi = x[14][kn:].reshape(kn, SK.WI_N)
            out = np.flatnonzero(wi[:n_looks, SK.LI_COVERED] == 0)
            wf[out, SK.LF_RANGE + 1:SK.LF_RANGE + 3] = 0.0
            wf[:, SK.LF_VEL:SK.LF_VEL + 3] = 0.0
            wf[:, SK.RF_RDOT] = 0.0
        for x, y in zip(a[:16], b[:16], strict=True):
            if isinstance(x, np.ndarray):
                assert x.tobytes() == y.tobytes()
        skip = slice(SK.CI_RNG, SK.CI_RNG + 5)
        assert np.delete(a[16], skip).tolist() == np.delete(b[16], skip).tolist()
        assert g1.bit_generator.state == g2.bit_generator.state
        rows += time_s.size
        ties += time_s.size - np.unique(time_s).size
    assert rows > 300 and ties > 0  # equal look times too (the order of a stable sort)


def test_scan_truth_refuses_a_noisy_network():
    from airdefense.sensors import _kernels as SK

    args = _fresh(_recorded_scans(2, every=400)[0], np.zeros(5, np.uintp))
    args[16][SK.CI_NOISELESS] = 0
    with pytest.raises(ValueError, match="not noiseless"):
        SK.scan_truth(*args)


def test_measure_truth_orders_as_a_stable_sort():
    """Reports ordered by look time with ties in return order (measure's mergesort), those of
    targets looked at before their launch left out; the sweep state ends the call."""
    from airdefense.sensors import _kernels as SK

    g = np.random.default_rng(7)
    nr, n, k = 60, 9, 3
    wf = np.zeros((nr, SK.WF_N))
    wi = np.zeros((nr, SK.WI_N), np.int64)
    wi[:, SK.LI_RADAR] = g.integers(0, k, nr)
    wi[:, SK.LI_TARGET] = g.integers(0, n, nr)
    wi[:, SK.RI_LOOK] = g.permutation(nr)
    wi[:, SK.RI_REPORT] = g.random(nr) < 0.7
    wf[:, SK.LF_TAU] = g.integers(0, 5, nr) + 100.0  # many ties
    wf[:, SK.RF_SNR] = g.uniform(1.0, 100.0, nr)
    wf[:, SK.RF_RANGE:SK.RF_RANGE + 3] = g.uniform(-1.0, 7.0, (nr, 3)) * 1e3
    launch = g.uniform(99.0, 103.0, n)
    rc = g.uniform(0.5, 2.0, (k, SK.RC_N))
    nd = int(wi[:, SK.RI_REPORT].sum())
    fo, io = SK.measure_truth(200.0, nr, nd, wf, wi, launch, rc.copy(), np.ones(k, bool))
    ref = SK.measure(200.0, nr, wf, wi, np.zeros((nd, 4)), np.empty((0, SK.FA_N)),
                     np.empty((0, 4)), launch, rc.copy(), np.ones(k, bool))
    assert 0 < ref[0].size < nd
    assert fo[:, SK.TD_TIME].tobytes() == ref[0].tobytes()
    assert np.all(np.diff(fo[:, SK.TD_TIME]) >= 0)
    assert io[:, SK.TI_SENSOR].tolist() == ref[1].tolist()
    assert io[:, SK.TI_TARGET].tolist() == ref[6].tolist()
    assert fo[:, SK.TD_Z:SK.TD_Z + 3].tobytes() == ref[2][:, :3].tobytes()
    for q in range(3):
        assert fo[:, SK.TD_VAR + q].tobytes() == ref[3][:, q, q].tobytes()


@pytest.mark.parametrize("seed", range(30))
def test_alive_until_matches_numpy_form(seed):
    """The alive mask and the next launch or end after ``t`` (the loop's NumPy form), with
    equal times, times equal to ``t``, infinities and NaN."""
    g = np.random.default_rng(seed)
    n = int(g.integers(0, 12))
    pool = np.array([0.0, 1.0, 2.0, 2.5, np.inf, np.nan, -1.0])
    launch, end, kill = (pool[g.integers(0, pool.size, n)] + g.integers(0, 2, n)
                         for _ in range(3))
    for t in (-2.0, 0.0, 1.0, 2.0, 2.5, 3.0, 10.0):
        alive, until = fused_kernels.alive_until(t, launch, end, kill)
        ref = (launch <= t) & (t < end) & (t < kill)
        later = np.concatenate([launch[launch > t], end[end > t]])
        assert alive.dtype == bool and alive.tolist() == ref.tolist()
        assert until == (float(later.min()) if later.size else np.inf)
