"""Evidence-based track deletion (``delete_llr``): score arithmetic, the Swerling-1 SNR
unbiasing, the predicted Pd of a look, errors, and a faint target that keeps its track."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from airdefense.errors import InputFileError
from airdefense.sensors._kernels import square_law_samples
from airdefense.tracking import _kernels as _k
from airdefense.tracking.kalman import Measurements
from airdefense.tracking.management import TrackManager
from airdefense.tracking.tracker import TrackerConfig, make_tracker

T6 = -math.log(1e-6)  # threshold of Pfa 1e-6, noise powers
P = np.zeros((1, 6, 6))


def _confirmed(delete_llr, pd=0.9):
    mg = TrackManager(confirm=(1, 1), delete_llr=delete_llr, pd=pd)
    mg.add(1, np.array([0]))
    return mg


def test_miss_costs_log_one_minus_pd_and_hit_gain():
    """A miss at predicted Pd p adds -ln(1 - p); a hit subtracts ln(Pd_design) + loglik -
    ln(lambda) - ln(pd) + ln(p), not below 0 (Page's CUSUM of the track score)."""
    mg = _confirmed(10.0)
    for k in range(1, 4):
        mg.record(np.array([False]), pd=np.array([0.2]))
        assert mg.drop[0] == pytest.approx(-k * math.log(0.8), rel=1e-12)
    before = mg.drop[0]
    llr = 0.5  # ln(0.9) + loglik - ln(lambda) as the associator reports it
    mg.record(np.array([True]), llr=np.array([llr]), pd=np.array([0.3]))
    gain = llr - math.log(0.9) + math.log(0.3)
    assert mg.drop[0] == pytest.approx(before - gain, rel=1e-12)
    mg.record(np.array([True]), llr=np.array([30.0]), pd=np.array([0.3]))
    assert mg.drop[0] == 0.0
    # Unscanned tracks keep their score; without pd every look is at the design Pd.
    mg.record(np.array([False]), scanned=np.array([False]), pd=np.array([0.5]))
    assert mg.drop[0] == 0.0
    mg.record(np.array([False]))
    assert mg.drop[0] == pytest.approx(-math.log(0.1), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0.01, 0.95), thr=st.floats(0.5, 20.0), k=st.integers(1, 60))
def test_survives_k_misses_iff_below_threshold(p, thr, k):
    """A confirmed track with predicted Pd p survives k misses iff -k ln(1 - p) < delete_llr."""
    cost = -k * math.log1p(-p)
    assume(abs(cost - thr) > 1e-9 * thr)
    mg = _confirmed(thr, pd=0.99)
    for _ in range(k):
        mg.record(np.array([False]), pd=np.array([p]))
    assert bool(mg.doomed(P, 3)[0]) == (cost >= thr)


def test_delete_llr_replaces_miss_count_and_keeps_it_at_design_pd():
    """With delete_llr set, delete_misses no longer applies to confirmed tracks; at the design
    Pd 0.9, delete_llr 6.9 deletes after 3 misses as delete_misses 3 does."""
    mg = TrackManager(confirm=(1, 1), delete_misses=1, delete_llr=100.0)
    mg.add(1, np.array([0]))
    mg.record(np.array([False]))
    assert not mg.doomed(P, 3)[0]
    for rule in ({"delete_llr": 6.9}, {"delete_misses": 3}):
        mg = TrackManager(confirm=(1, 1), **rule)
        mg.add(1, np.array([0]))
        out = []
        for _ in range(3):
            mg.record(np.array([False]))
            out.append(bool(mg.doomed(P, 3)[0]))
        assert out == [False, False, True]


@pytest.mark.parametrize("mean", [0.0, 0.3, 3.0, 10.0, 100.0, 1e4])
@pytest.mark.parametrize("pfa", [1e-4, 1e-6, 1e-9])
def test_swerling1_snr_inverts_the_detected_mean(mean, pfa):
    """Closed form: the detector output of a Swerling-1 look (exponential power |s|^2, mean
    S, plus unit complex noise) is exponential of mean 1 + S; detected ones (above T) read
    E[z | z > T] = integral_T^inf z e^(-z/(1+S)) dz / ((1+S) e^(-T/(1+S))) = T + 1 + S
    (integrated numerically here), which the estimate takes back to S."""
    t = -math.log(pfa)
    s1 = 1.0 + mean
    z = t + np.linspace(0.0, 60.0 * s1, 600_001)
    f = np.exp(-(z - t) / s1)
    m = np.sum((z * f)[1:] + (z * f)[:-1]) / np.sum(f[1:] + f[:-1])  # trapezoids
    got = _k.swerling1_snr(np.array([m]), np.array([t]))[0]
    assert got == pytest.approx(mean, rel=1e-6, abs=1e-6 * s1)


def test_swerling1_snr_against_monte_carlo(rng):
    """Simulated Swerling-1 looks through the radar's square-law detector
    (``sensors._kernels.square_law_samples``): the mean estimate of the detected ones gives
    back the mean SNR, where the signal power alone (the old report) reads far off."""
    for mean, pfa in ((3.0, 1e-6), (10.0, 1e-6), (40.0, 1e-4)):
        t = -math.log(pfa)
        s = rng.exponential(mean, 400_000)
        z = square_law_samples(s, rng.standard_normal((2, s.size)))
        det = z > t
        assert det.mean() == pytest.approx(pfa ** (1 / (1 + mean)), rel=0.05)
        est = _k.swerling1_snr(z[det], np.full(det.sum(), t))
        sem = est.std() / math.sqrt(det.sum())
        assert abs(est.mean() - mean) < 5 * sem
        assert abs(_k.swerling1_snr(s[det].mean(), t) - mean) > 1.0


def _detected_track(mean_snr, r_m, pd=0.99, pfa=1e-6):
    """A track detected once at (r_m, 0, 0) from a radar at the origin whose detection reads
    the mean detector output of a detected Swerling-1 target of mean ``mean_snr``,
    ``T + 1 + mean_snr``."""
    mg = TrackManager(confirm=(1, 1), delete_llr=6.9, pd=pd, pfa=pfa)
    m = Measurements.polar(0.0, [[r_m, math.pi / 2, 0.0, np.nan]],
                           np.diag([100.0, 1e-6, 1e-6, np.nan])[None], [0.0, 0.0, 0.0])
    m.snr_db = np.array([10 * math.log10(-math.log(pfa) + 1.0 + mean_snr)])
    mg.add(1, np.array([0]), meas=m, rows=np.array([0]))
    return mg


def test_look_pd_scales_snr_by_range_to_the_fourth():
    """Pd of a look at twice the range: Swerling 1 at a sixteenth of the mean SNR, capped at
    the design Pd; a track without SNR gets the design Pd."""
    mg = _detected_track(40.0, 10_000.0, pfa=1e-5)
    pos = np.array([[20_000.0, 0.0, 0.0]])
    want = 1e-5 ** (1 / (1 + 40.0 / 16))
    assert mg.look_pd(pos)[0] == pytest.approx(want, rel=1e-9)
    mg = _detected_track(40.0, 10_000.0, pd=0.5)
    assert mg.look_pd(np.array([[5_000.0, 0.0, 0.0]]))[0] == 0.5
    bare = TrackManager(delete_llr=6.9)
    bare.add(1, np.array([0]))
    assert bare.look_pd(pos)[0] == 0.9


def test_snr_reference_follows_the_range_of_a_closing_target():
    """Detections of a target closing from 20 to 14 km, each reading its mean detected output
    T + 1 + S_i with S_i R_i^4 constant: the track's SNR at the last range is S there exactly
    (the threshold and noise, T + 1, do not scale with R^-4; a mean of z R^4 would read S
    about 50 % high here)."""
    pfa = 1e-6
    t = -math.log(pfa)
    c = 40.0 * 14_000.0**4
    mg = TrackManager(confirm=(1, 1), delete_llr=6.9, pd=0.99, pfa=pfa)
    for k, r in enumerate((20_000.0, 18_000.0, 16_000.0, 14_000.0)):
        m = Measurements.polar(float(k), [[r, math.pi / 2, 0.0, np.nan]],
                               np.diag([100.0, 1e-6, 1e-6, np.nan])[None], [0.0, 0.0, 0.0])
        m.snr_db = np.array([10 * math.log10(t + 1.0 + c / r**4)])
        if k == 0:
            mg.add(1, np.array([0]), meas=m, rows=np.array([0]))
        else:
            mg.detected(np.array([0]), m, np.array([0]))
    assert mg.look_pd(np.array([[14_000.0, 0.0, 0.0]]))[0] == pytest.approx(
        pfa ** (1 / 41.0), rel=1e-9)
    assert mg.look_pd(np.array([[28_000.0, 0.0, 0.0]]))[0] == pytest.approx(
        pfa ** (1 / (1 + 40.0 / 16)), rel=1e-9)


def test_noise_like_detections_floor_the_snr():
    """Detections at the threshold (below T + 1: noise-like) give the SNR floor (0 dB), not
    a negative SNR: the look's Pd is Pfa^(1/2)."""
    mg = _detected_track(-0.9, 10_000.0)
    assert _k.SNR_FLOOR == 1.0
    assert mg.look_pd(np.array([[10_000.0, 0.0, 0.0]]))[0] == pytest.approx(1e-3, rel=1e-9)


@pytest.mark.parametrize(("kw", "match"), [
    ({"delete_llr": 0.0}, "delete_llr must be finite and > 0 nats, got 0.0"),
    ({"delete_llr": np.inf}, "delete_llr must be finite and > 0 nats, got inf"),
    ({"pd": 1.0}, r"pd must be in the open interval \(0, 1\), got 1.0"),
    ({"pfa": [1e-6, 0.0]}, r"pfa must be .* in the open interval \(0, 1\), got \[1e-06, 0.0\]"),
])
def test_manager_deletion_settings_refused(kw, match):
    with pytest.raises(ValueError, match=match):
        TrackManager(**kw)


def test_record_pd_shape_refused():
    mg = _confirmed(6.9)
    with pytest.raises(ValueError, match=r"pd must have the shape of hit \(1,\), got \(2,\)"):
        mg.record(np.array([False]), pd=np.array([0.2, 0.3]))


@pytest.mark.parametrize(("d", "match"), [
    ({"delete_llr": 0}, r"delete_llr: must be > 0 nats \(inf: off\), got 0"),
    ({"delete_llr": -1.5}, r"delete_llr: must be > 0 nats \(inf: off\), got -1.5"),
    ({"delete_llr": True}, "delete_llr: must be a number, got True"),
    ({"delete_llr": "many"}, "delete_llr: must be a float, got 'many'"),
    ({"pfa": 1}, r"pfa: must be in \(0, 1\), got 1"),
])
def test_config_deletion_settings_refused(d, match):
    with pytest.raises(InputFileError, match=match):
        TrackerConfig.from_dict(d)


def test_config_reads_delete_llr_from_text():
    assert TrackerConfig.from_dict({"delete_llr": "inf"}).delete_llr == np.inf
    assert TrackerConfig().delete_llr == np.inf  # off unless asked (make_tracker: below)
    # make_tracker: ln(looks / 0.01), an hour of 1 s looks without a scenario
    assert make_tracker().manager.delete_llr == pytest.approx(math.log(3600 / 0.01), rel=1e-12)
    assert make_tracker(config={"delete_llr": np.inf}).manager.delete_llr is None


def _faint_target_tracks(rng, delete_llr, steps=240, pd_look=0.3):
    """A target at 30 km crossing at 50 m/s, seen each 1 s look with Pd ``pd_look`` (Swerling
    1, Pfa 1e-6); returns the ids of the confirmed tracks on it over the run."""
    trk = make_tracker(config={"delete_llr": delete_llr, "max_coast_s": np.inf,
                               "max_pos_sigma_m": np.inf})
    mean = T6 / -math.log(pd_look) - 1.0
    R = np.diag([15.0**2, math.radians(0.25) ** 2, math.radians(0.25) ** 2, np.nan])
    ids = set()
    for k in range(steps):
        t = float(k)
        pos = np.array([-6000.0 + 50.0 * t, 30_000.0, 1000.0])
        r = np.linalg.norm(pos)
        s = rng.exponential(mean)
        n = rng.standard_normal(2) * math.sqrt(0.5)
        z_det = (math.sqrt(s) + n[0]) ** 2 + n[1] ** 2  # square-law detector output
        h = int(z_det > T6)
        z = np.array([[r, math.atan2(pos[0], pos[1]), math.asin(pos[2] / r), np.nan]])
        z[0, :3] += rng.standard_normal(3) * np.sqrt(np.diag(R)[:3])
        m = Measurements.polar(t, z[:h], np.repeat(R[None], h, 0), [0.0, 0.0, 0.0],
                               truth_id=np.zeros(h, int))
        m.snr_db = np.full(h, 10 * math.log10(z_det))
        tracks = trk.step(t, m, scanned=True)
        ids.update(tracks.track_id[tracks.confirmed & (tracks.truth_id == 0)].tolist())
    return ids


def test_faint_target_keeps_one_track(rng):
    """At Pd 0.3 three missed looks in a row are common: the miss-count rule breaks the track
    again and again; the evidence rule (a miss costs about 0.36 nats: 20 in a row delete)
    keeps one."""
    seed = int(rng.integers(2**31))
    old = _faint_target_tracks(np.random.default_rng(seed), np.inf)
    new = _faint_target_tracks(np.random.default_rng(seed), 6.9)
    assert len(old) >= 8
    assert len(new) == 1
