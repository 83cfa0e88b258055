"""Each radar look sees its target where it is at the look's time (sensors._kernels.look_state)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.sensors import _kernels as K
from airdefense.sensors import radar as R
from airdefense.simulation import loop
from tests.conftest import EXAMPLES

_f = st.floats(-1e3, 1e3, allow_nan=False)


def _cubic(t, c):
    """Position and velocity of the cubic ``c[0] + c[1] t + c[2] t^2 + c[3] t^3`` (4, 3)."""
    p = c[0] + c[1] * t + c[2] * t**2 + c[3] * t**3
    v = c[1] + 2 * c[2] * t + 3 * c[3] * t**2
    return np.r_[p, v]


@settings(max_examples=200, deadline=None)
@given(st.lists(_f, min_size=12, max_size=12), st.floats(0.01, 5.0), st.floats(0.0, 1.0))
def test_a_cubic_path_is_seen_exactly_inside_the_step(coef, h, s):
    """Hermite interpolation between the step's ends is exact for a cubic path (a constant
    jerk, so constant acceleration too: gravity, a steady pull)."""
    c = np.array(coef).reshape(4, 3)
    t0, t1 = 100.0, 100.0 + h
    states0 = _cubic(0.0, c)[None]
    states1 = _cubic(h, c)[None]
    out = np.empty(6)
    K.look_state(t1, states1, t0, states0, np.zeros(1), 0, t0 + s * h, out)
    np.testing.assert_allclose(out, _cubic(s * h, c), rtol=1e-9, atol=1e-6 * (1 + np.abs(c).max()))


@pytest.mark.parametrize("case", ["launched in the step", "no start state", "before the start"])
def test_otherwise_straight_back_along_the_velocity(case):
    """A target launched inside the step, a call without the start's truth, or a look before
    the start: straight back from the step's end (the only state known to hold)."""
    s1 = np.array([[1000.0, 2000.0, 3000.0, 100.0, -50.0, 20.0]])
    s0 = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    launch = np.array([10.5]) if case == "launched in the step" else np.zeros(1)
    states0 = np.zeros((0, 6)) if case == "no start state" else s0
    tau = 9.5 if case == "before the start" else 10.75
    out = np.empty(6)
    K.look_state(11.0, s1, 10.0, states0, launch, 0, tau, out)
    np.testing.assert_allclose(out, np.r_[s1[0, :3] - s1[0, 3:] * (11.0 - tau), s1[0, 3:]])


def test_ballistic_detections_agree_with_the_truth_at_their_time(monkeypatch):
    """Example 2: the normalised residuals of every radar's detections of the ballistic
    missiles against the truth at each detection's time (range, azimuth and range rate over
    their sigmas) have an rms near 1, as the drones' do. Moved straight back along the
    velocity at the step's end, a look at a missile under gravity, drag and lift was 5 sigma
    off in range, 6.5 in azimuth and 47 in range rate (the MPQ-65), 22 (the HPI)."""
    caught = []
    scan = R.RadarNetwork._scan

    def spy(self, *a, **k):
        det = scan(self, *a, **k)
        caught.append(det)
        return det

    monkeypatch.setattr(R.RadarNetwork, "_scan", spy)
    # Reports with their measurement noise (the loop makes a truth-mode network noiseless).
    monkeypatch.setattr(R.RadarNetwork, "noiseless",
                        property(lambda self: False, lambda self, value: None))
    sc = load_scenario(EXAMPLES / "02_layered_city.yaml")
    run = loop._Run(sc, np.random.SeedSequence(2026).spawn(8)[0], "truth", None)
    run.run()
    tr = run.truth
    res: dict = {}
    for d in caught:
        for q in np.flatnonzero(d.truth_id >= 0):
            k = int(d.truth_id[q])
            if tr.kind[k] != "ballistic":
                continue
            x = tr.states(float(d.time_s[q]))[k]
            r = x[:3] - d.sensor_enu[q]
            rng = np.linalg.norm(r)
            az = np.arctan2(r[0], r[1])
            sig = np.sqrt(np.diag(d.R[q]))
            z = d.z[q]
            res.setdefault(int(d.sensor[q]), []).append(
                [(z[0] - rng) / sig[0], np.angle(np.exp(1j * (z[1] - az))) / sig[1],
                 (z[3] - r @ x[3:] / rng) / sig[3] if np.isfinite(sig[3]) else 0.0])
    big = {s: np.array(v) for s, v in res.items() if len(v) >= 20}
    assert big  # the MPQ-65 and the HPI detect the missiles
    for s, v in big.items():
        rms = np.sqrt((v**2).mean(axis=0))
        used = rms[:2] if not v[:, 2].any() else rms
        # For n >= 20 unit normals the rms lies within 1 +/- 0.5 (about 3 sigma).
        assert (np.abs(used - 1.0) < 0.5).all(), (s, len(v), rms)
