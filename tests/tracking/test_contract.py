"""One contract, every tracker: the same checks on each configuration the package offers.

Every ``TrackerConfig`` choice (filter x motion x associator x initiation), the per-radar mode
of :class:`MultiTargetTracker`, the full-mode :func:`make_tracker` and the
:class:`TruthTracker` are fed the same radar detections of two well-separated
constant-velocity targets, and each picture they return is held to the ``Tracks`` contract
of :mod:`airdefense.tracking.base` and to what any tracker must do with such targets (the
full tracker a second time with range rates in the detections; every configuration a second
time as a 2-D tracker, on the horizontal position).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from airdefense.sensors.base import Detections, enu_to_polar
from airdefense.tracking.base import Tracks
from airdefense.tracking.tracker import TrackerConfig, build_tracker, make_tracker
from airdefense.tracking.truth import TruthTracker

# Two constant-velocity targets seen by one radar at the origin, one scan a second.
SENSOR = np.array([0.0, 0.0, 10.0])
P0 = np.array([[8000.0, 8000.0, 1000.0], [-6000.0, 9000.0, 2000.0]])
VEL = np.array([[-100.0, 50.0, 0.0], [80.0, 0.0, 0.0]])
FIRST = np.array([0, 6])  # first scan that detects each target, s
LAST = np.array([20, 34])  # last scan of each target (it ends after it), s
EMPTY = 12  # a step with no detection at all (the radar looked nowhere)
END = 34
SIG_R, SIG_ANG = 10.0, 1e-3  # range m, azimuth and elevation rad
SIG_RATE = 2.0  # range rate (the "full_doppler" tracker's detections), m/s
# Scans a tracker may take to drop the track of a target that ended: the build_tracker
# default deletes after 3 missed looks; make_tracker's evidence-based deletion needs its
# 12.8 nats (an hour of 1 s looks) at no more than -ln(1 - 0.9) = 2.3 nats a missed look:
# 6 looks.
DROP_WITHIN = 8


def _truth_positions(t: float) -> np.ndarray:
    """Both targets' positions at time t (extrapolated outside their lives), (2, 3) m."""
    return P0 + VEL * t


class _Truth:
    """Ground truth as the truth tracker reads it: ``len`` and ``states(t)``."""

    def __len__(self) -> int:
        return 2

    def states(self, t: float) -> np.ndarray:
        return np.hstack([_truth_positions(t), VEL])


def _alive(t: float) -> np.ndarray:
    return (t >= FIRST) & (t <= LAST)


def _scan(t: float, rng: np.random.Generator, rate: bool = False) -> Detections:
    """Detections of the live targets at t (Pd 1, no clutter), polar with known noise; with
    ``rate``, range rates too (sigma ``SIG_RATE``)."""
    who = np.flatnonzero(_alive(t)) if t != EMPTY else np.zeros(0, int)
    k = len(who)
    if not k:
        return Detections.empty()
    sig = np.array([SIG_R**2, SIG_ANG**2, SIG_ANG**2, SIG_RATE**2 if rate else np.nan])
    d = _truth_positions(t)[who] - SENSOR
    rr = np.einsum("ij,ij->i", d, VEL[who]) / np.linalg.norm(d, axis=1)
    z = np.column_stack([enu_to_polar(_truth_positions(t)[who], SENSOR),
                         rr if rate else np.full(k, np.nan)])
    z[:, :3] += rng.normal(size=(k, 3)) * np.sqrt(sig[:3])
    R = np.broadcast_to(np.diag(sig), (k, 4, 4)).copy()
    if rate:
        z[:, 3] += rng.normal(size=k) * SIG_RATE
    else:
        R[:, 3, :] = R[:, :, 3] = np.nan
    return Detections(time_s=np.full(k, float(t)), sensor=np.zeros(k, int), z=z, R=R,
                      sensor_enu=np.broadcast_to(SENSOR, (k, 3)).copy(),
                      snr_db=np.full(k, 20.0), truth_id=who.astype(int))


# 3-D clutter density suited to the targets (the 2.5e-6 per m^2 default is a 2-D figure),
# prior speed sigma that covers their 80-112 m/s.
_BASE = dict(clutter_density=1e-12, speed_sigma_mps=300.0)
_CHOICES = TrackerConfig._CHOICES
CONFIGS = [dict(zip(_CHOICES, combo, strict=True))
           for combo in itertools.product(*_CHOICES.values())]


def _build(name: str, rng: np.random.Generator):
    if name == "truth":
        return TruthTracker(_Truth(), rng)
    if name in ("full", "full_doppler"):
        return make_tracker()
    if name == "per_radar":
        trk = build_tracker(TrackerConfig(**_BASE), ndim=3)
        trk.onepass = False
        return trk
    if name.startswith("2d-"):  # the plane's default clutter density, per m^2
        return build_tracker(TrackerConfig(speed_sigma_mps=300.0, **CONFIGS[int(name[3:])]),
                             ndim=2)
    return build_tracker(TrackerConfig(**_BASE, **CONFIGS[int(name)]), ndim=3)


TRACKERS = (["truth", "full", "full_doppler", "per_radar"] + [str(i) for i in range(len(CONFIGS))]
            + [f"2d-{i}" for i in range(len(CONFIGS))])
IDS = (TRACKERS[:4] + ["-".join(c.values()) for c in CONFIGS]
       + ["2d-" + "-".join(c.values()) for c in CONFIGS])


def test_every_choice_is_covered():
    """The parametrisation holds every combination of every TrackerConfig choice."""
    sizes = [len(v) for v in _CHOICES.values()]
    assert len(CONFIGS) == int(np.prod(sizes)) == len({tuple(c.values()) for c in CONFIGS})
    assert set(_CHOICES) == {"filter", "motion", "associator", "initiation"}


def _check_contract(tr, t: float) -> None:
    """The shapes, dtypes and ranges documented in tracking/base.py."""
    assert isinstance(tr, Tracks)
    assert isinstance(tr.time_s, float) and tr.time_s == t
    m = len(tr)
    assert tr.track_id.shape == (m,) and np.issubdtype(tr.track_id.dtype, np.integer)
    assert tr.truth_id.shape == (m,) and np.issubdtype(tr.truth_id.dtype, np.integer)
    assert tr.confirmed.shape == (m,) and tr.confirmed.dtype == bool
    assert tr.quality.shape == (m,) and ((tr.quality >= 0) & (tr.quality <= 1)).all()
    assert tr.x.shape == (m, 6) and np.isfinite(tr.x).all()
    assert tr.P.shape == (m, 6, 6) and np.isfinite(tr.P).all()
    assert np.allclose(tr.P, tr.P.transpose(0, 2, 1), rtol=1e-9, atol=1e-9)
    if m:
        ev = np.linalg.eigvalsh(tr.P)
        assert (ev >= -1e-9 * np.abs(ev).max(axis=1, keepdims=True)).all()
    assert len(np.unique(tr.track_id)) == m


@pytest.mark.parametrize("name", TRACKERS, ids=IDS)
def test_tracker_contract(name, rng):
    """Each tracker: the Tracks contract at every step, one confirmed track a target with RMS
    position error within the measurement sigma, stable ids, no track before a target's first
    detection, and none left once it has ended.

    The RMS bound: each axis is measured with sigma at most ``max(sigma_r, r sigma_angle)``
    (10-14 m here). A constant-velocity Kalman filter on a constant-velocity target settles at
    a position variance of alpha sigma^2 with alpha = 0.36 for the tracking index
    ``lambda = sqrt(q) T^2 / sigma = 0.1`` (Kalata 1984); the truth tracker's error is sigma
    over sqrt(min(hits, 10)). Either way a settled track is no worse than one measurement:
    RMS of error / sigma over the axes and the settled steps <= 1 (the other motion models
    are not matched to the targets, hence the margin over sqrt(0.36) = 0.6).

    A 2-D tracker (``2d-``) is held to the same on the horizontal position (it tracks in the
    plane, reading a detection's slant range as horizontal range ``r cos el``; the horizontal
    error of a detection is within the same sigma).
    """
    trk = _build(name, rng)
    dims = 2 if name.startswith("2d-") else 3
    _check_contract(trk.step(-1.0, Detections.empty(), alive=np.zeros(2, bool)), -1.0)
    owner: dict[int, int] = {}  # track id -> the target it follows
    norm_err = []
    prev_ids: list[int] = []
    for k in range(END + 1):
        t = float(k)
        alive = _alive(t)
        tr = trk.step(t, _scan(t, rng, name == "full_doppler"), alive=alive)
        _check_contract(tr, t)
        truth = _truth_positions(t)
        dist = np.linalg.norm(tr.x[:, None, :dims] - truth[None, :, :dims], axis=2)  # (m, 2)
        near = dist.argmin(axis=1)
        for j in range(2):
            if t < FIRST[j]:  # nothing may track a target no radar has detected yet
                assert not (dist[:, j] < 2000.0).any(), (t, j)
                assert not (tr.truth_id == j).any(), (t, j)
            if t > LAST[j] + DROP_WITHIN:  # the track of an ended target is gone
                assert not ((near == j) & (dist[:, j] < 5000.0)).any(), (t, j)
            if FIRST[j] + 6 <= t <= LAST[j]:  # settled: exactly one confirmed track on it
                on = tr.confirmed & (near == j) & (dist[:, j] < 200.0)
                assert on.sum() == 1, (t, j, dist[:, j], tr.confirmed)
                r = np.linalg.norm(truth[j] - SENSOR)
                sigma = max(SIG_R, r * SIG_ANG)
                norm_err.append((tr.x[on, :dims] - truth[j, :dims]) / sigma)
        for tid, j, c in zip(tr.track_id.tolist(), near.tolist(), tr.confirmed.tolist(),
                             strict=True):
            if c:  # a confirmed track id follows one target for its whole life
                assert owner.setdefault(tid, j) == j, (t, tid)
        if t == EMPTY:  # a step without any detection keeps the picture
            assert set(tr.track_id.tolist()) == set(prev_ids)
        prev_ids = tr.track_id.tolist()
    assert len(set(owner.values())) == 2
    rms = float(np.sqrt(np.mean(np.concatenate(norm_err) ** 2)))
    assert rms <= 1.0, rms
