"""The IMM's manoeuvre mode: its size from the threats' g-limit, and weaving targets kept."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.errors import AirDefenseError, InputFileError
from airdefense.sensors.base import Detections, enu_to_polar
from airdefense.tracking.models import ConstantVelocity
from airdefense.tracking.tracker import TrackerConfig, build_tracker, make_tracker, maneuver_q

G0 = 9.80665  # standard gravity, m/s^2 (independent of airdefense.geo)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.1, 50.0), st.floats(0.05, 10.0))
def test_maneuver_q_gives_the_velocity_change_of_the_g_limit(max_g, interval_s):
    """sqrt(q T), the mode's velocity change over one interval, is max_g g0 T."""
    q = maneuver_q(max_g, interval_s)
    assert np.sqrt(q * interval_s) == pytest.approx(max_g * G0 * interval_s, rel=1e-12)


@pytest.mark.parametrize("args,match", [
    ((0.0, 1.0), r"max_g: must be finite and > 0 g, got 0\.0"),
    ((-2.0, 1.0), r"max_g: must be finite and > 0 g, got -2\.0"),
    ((np.nan, 1.0), r"max_g: must be finite and > 0 g, got nan"),
    ((5.0, 0.0), r"interval_s: must be finite and > 0 s, got 0\.0"),
    ((5.0, np.inf), r"interval_s: must be finite and > 0 s, got inf"),
])
def test_maneuver_q_refuses_bad_figures(args, match):
    with pytest.raises(AirDefenseError, match=match):
        maneuver_q(*args)


@pytest.mark.parametrize("value", [-1.0, np.inf])
def test_config_refuses_a_bad_maneuver_q(value):
    with pytest.raises(InputFileError, match=r"maneuver_q: must be >= 0 m\^2/s\^3 and finite"):
        TrackerConfig.from_dict({"maneuver_q": value})


def test_build_tracker_adds_the_mode_only_when_asked():
    """maneuver_q > 0 appends a constant-velocity mode of that q; the transition matrix keeps
    0.95 on its diagonal and rows summing to 1."""
    base = build_tracker(TrackerConfig(motion="imm"), ndim=3).filter
    assert len(base.models) == 3
    f = build_tracker(TrackerConfig(motion="imm", maneuver_q=1234.0), ndim=3).filter
    assert len(f.models) == 4
    assert type(f.models[3]) is ConstantVelocity and f.models[3].q == 1234.0
    assert np.allclose(np.diag(f.Pi), 0.95) and np.allclose(f.Pi.sum(1), 1.0)
    assert f.names == base.names  # no new component: the mode is a CV on the common state
    assert len(build_tracker(TrackerConfig(motion="cv", maneuver_q=50.0), ndim=3)
               .filter.names) == 6  # only the IMM takes the mode


def test_make_tracker_sizes_the_mode_from_the_scenario_threats(small_scenario_dict):
    """Full mode: q = (largest max_g of the raid's classes x g0)^2 x step_s; without a
    scenario, the built-in catalog's threats (the Iskander-class 20 g) over 1 s."""
    from airdefense import load_scenario

    sc = load_scenario(small_scenario_dict)  # Shahed-136-class drones (2 g), 0.5 s steps
    assert make_tracker(sc).filter.models[-1].q == pytest.approx((2 * G0) ** 2 * 0.5)
    small_scenario_dict["raid"]["ballistic"] = {
        "preset": "iskander_m", "count": 1, "launch": {"bearing_deg": 90, "range_m": 200000},
        "target": {"asset": "plant"}}
    sc = load_scenario(small_scenario_dict)
    assert make_tracker(sc).filter.models[-1].q == pytest.approx((20 * G0) ** 2 * 0.5)
    assert make_tracker().filter.models[-1].q == pytest.approx((20 * G0) ** 2 * 1.0)
    assert len(make_tracker(config={"maneuver_q": 0.0}).filter.models) == 3


def _weave(t):
    """A Mach-5 dive at a radar with a sin^2 weave across it from t = 5 s: lateral offset
    amp sin^2(pi k tau), peak acceleration 2 amp (pi k / span)^2 = 10 g (half the Iskander-class
    g-limit, the most the threat model's weave pulls)."""
    span, k, a_peak = 30.0, 4, 10 * G0
    amp = a_peak / (2 * (np.pi * k / span) ** 2)
    tau = np.clip(t - 5.0, 0.0, span)
    y = amp * np.sin(np.pi * k * tau / span) ** 2
    vy = np.where((t > 5.0) & (t < 5.0 + span),
                  amp * np.pi * k / span * np.sin(2 * np.pi * k * tau / span), 0.0)
    pos = np.stack([60000.0 - 1700.0 * t, y, 15000.0 - 300.0 * t], -1)
    vel = np.stack([np.full_like(t, -1700.0), vy, np.full_like(t, -300.0)], -1)
    return pos, vel


def _confirmed_ids(trk, rng):
    ids = set()
    radar = np.array([0.0, 0.0, 10.0])
    sig = np.array([100.0, 1e-6, 1e-6, 4.0])  # 10 m, 1 mrad, 1 mrad, 2 m/s
    for k in range(36):
        t = np.array([float(k)])
        pos, vel = _weave(t)
        pol = enu_to_polar(pos, radar)
        rr = np.einsum("ki,ki->k", pos - radar, vel) / pol[:, 0]
        z = np.column_stack([pol, rr]) + rng.normal(size=(1, 4)) * np.sqrt(sig)
        det = Detections(time_s=t, sensor=np.zeros(1, int), z=z, R=np.diag(sig)[None],
                         sensor_enu=radar[None].copy(), snr_db=np.full(1, 20.0),
                         truth_id=np.zeros(1, int))
        tr = trk.step(float(k), det, scanned=True)
        ids |= set(tr.track_id[tr.confirmed].tolist())
    return ids


def test_weaving_missile_keeps_one_track_with_the_mode(rng):
    """A 10 g weave at Mach 5 seen every second: the full tracker (manoeuvre mode sized to the
    catalog's 20 g) holds one confirmed track all along; without the mode (every mode's
    q = 5 m^2/s^3) the detections leave its gate and the target gets several tracks."""
    assert len(_confirmed_ids(make_tracker(), rng)) == 1
    assert len(_confirmed_ids(make_tracker(config={"maneuver_q": 0.0}), rng)) > 1
