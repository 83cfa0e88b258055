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
