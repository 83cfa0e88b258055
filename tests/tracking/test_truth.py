"""The truth-plus-noise tracker: error size per axis, correlation in time, track life."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.sensors.base import Detections
from airdefense.tracking.truth import TruthTracker


class _Still:
    """n threats at rest at the origin."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def states(self, t: float) -> np.ndarray:
        return np.zeros((self.n, 6))


def _detections(n: int, t: float, range_m: float, sig_az_rad: float, sig_el_rad: float,
                sensor: int = 0) -> Detections:
    R = np.zeros((n, 4, 4))
    R[:, 0, 0] = 10.0**2
    R[:, 1, 1] = sig_az_rad**2
    R[:, 2, 2] = sig_el_rad**2
    return Detections(time_s=np.full(n, t), sensor=np.full(n, sensor),
                      z=np.tile([range_m, 0.0, 0.0, np.nan], (n, 1)), R=R,
                      sensor_enu=np.zeros((n, 3)), snr_db=np.full(n, 20.0),
                      truth_id=np.arange(n))


def test_error_size_per_axis_and_fusion(rng):
    """Each axis errs as the best radar measures it, shrunk by sqrt(hits) up to sqrt(10)."""
    n = 20000
    trk = TruthTracker(_Still(n), rng, confirm_hits=1)
    for k in range(12):
        det = Detections.concatenate([
            _detections(n, float(k), 50000.0, 1e-3, 20e-3, sensor=0),  # a 2-D-like radar
            _detections(n, float(k), 50000.0, 4e-3, 2e-3, sensor=1),   # a fire-control radar
        ])
        tracks = trk.step(float(k), det)
    err = tracks.x[:, :3]
    # Best horizontal: 50 m (radar 0); best vertical: 100 m (radar 1); both / sqrt(10).
    assert err[:, 0].std() == pytest.approx(50.0 / np.sqrt(10), rel=0.03)
    assert err[:, 2].std() == pytest.approx(100.0 / np.sqrt(10), rel=0.03)
    assert np.allclose(np.sqrt(tracks.P[:, 2, 2]), 100.0 / np.sqrt(10))


def test_error_is_correlated_in_time(rng):
    """The estimate error is a Gauss-Markov process: lag-1 s correlation exp(-1/10)."""
    n = 20000
    trk = TruthTracker(_Still(n), rng, confirm_hits=1, correlation_time_s=10.0)
    a = b = None
    for k in range(3):
        tracks = trk.step(float(k), _detections(n, float(k), 1000.0, 1e-3, 1e-3))
        a, b = b, tracks.x[:, 0]
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(np.exp(-0.1), abs=0.02)


def test_tracks_start_after_hits_and_drop_when_unseen(rng):
    """A track exists after confirm_hits detections and is dropped after drop_after_s."""
    trk = TruthTracker(_Still(1), rng, confirm_hits=2, drop_after_s=5.0)
    assert len(trk.step(0.0, _detections(1, 0.0, 1000.0, 1e-3, 1e-3))) == 0
    t = trk.step(1.0, _detections(1, 1.0, 1000.0, 1e-3, 1e-3))
    assert len(t) == 1 and trk.new_tracks == [(0, 0, 1.0)]
    assert len(trk.step(5.0, Detections.empty())) == 1
    assert len(trk.step(7.0, Detections.empty())) == 0


def test_hits_that_confirm_a_track_are_recent(rng):
    """Detections older than drop_after_s are forgotten before a track exists: a threat seen
    once, then again after a long gap, needs confirm_hits fresh detections."""
    trk = TruthTracker(_Still(1), rng, confirm_hits=2, drop_after_s=5.0)
    assert len(trk.step(0.0, _detections(1, 0.0, 1000.0, 1e-3, 1e-3))) == 0
    for t in (1.0, 3.0, 6.0, 50.0):
        trk.step(t, Detections.empty())
    assert len(trk.step(100.0, _detections(1, 100.0, 1000.0, 1e-3, 1e-3))) == 0
    assert trk.new_tracks == []
    t = trk.step(103.0, _detections(1, 103.0, 1000.0, 1e-3, 1e-3))  # within 5 s: a track
    assert len(t) == 1 and trk.new_tracks == [(0, 0, 103.0)]


def test_a_threat_tracked_again_gets_its_track_id_back(rng):
    """The truth tracker knows the threats: a dropped threat's new track has its old id, so the
    control unit's book (rounds per track) still counts the rounds fired at it."""
    trk = TruthTracker(_Still(2), rng, confirm_hits=1, drop_after_s=5.0)
    trk.step(0.0, _detections(2, 0.0, 1000.0, 1e-3, 1e-3))
    assert trk.new_tracks == [(0, 0, 0.0), (1, 1, 0.0)]
    assert len(trk.step(10.0, Detections.empty())) == 0  # both dropped
    det = _detections(1, 12.0, 1000.0, 1e-3, 1e-3)
    det.truth_id[:] = [1]
    t = trk.step(12.0, det)
    assert trk.new_tracks == [(1, 1, 12.0)] and t.track_id.tolist() == [1]
    assert trk.next_id == 2


def test_false_alarms_ignored_ids_in_order_and_ended_threats_dropped(rng):
    """False alarms (no threat) start nothing; threats confirmed in the same step get
    consecutive ids in threat order; a threat no longer alive loses its track."""
    trk = TruthTracker(_Still(3), rng, confirm_hits=1)
    det = _detections(4, 0.0, 1000.0, 1e-3, 1e-3)
    det.truth_id[:] = [-1, 2, -1, 0]
    tracks = trk.step(0.0, det)
    assert trk.new_tracks == [(0, 0, 0.0), (1, 2, 0.0)]
    np.testing.assert_array_equal(tracks.truth_id, [0, 2])
    np.testing.assert_array_equal(tracks.track_id, [0, 1])
    tracks = trk.step(1.0, Detections.empty(), alive=np.array([True, True, False]))
    np.testing.assert_array_equal(tracks.truth_id, [0])
    assert trk.new_tracks == []
    det = _detections(2, 2.0, 1000.0, 1e-3, 1e-3)
    det.truth_id[:] = [2, 1]
    trk.step(2.0, det)
    assert trk.new_tracks == [(2, 1, 2.0), (1, 2, 2.0)]  # threat 2 gets its id back


class _Moving:
    """n threats in straight flight (a new state array per call, as a trajectory gives)."""

    def __init__(self, g: np.random.Generator, n: int) -> None:
        self.x0 = np.c_[g.uniform(-2e4, 2e4, (n, 3)), g.normal(0.0, 200.0, (n, 3))]

    def __len__(self) -> int:
        return self.x0.shape[0]

    def states(self, t: float) -> np.ndarray:
        out = self.x0.copy()
        out[:, :3] += out[:, 3:] * t
        return out


class _Reference:
    """The truth tracker's documented process in NumPy (an independent reference)."""

    def __init__(self, truth, rng, confirm_hits, drop_after_s, vel_sigma=5.0, tau_s=10.0):
        n = len(truth)
        self.truth, self.rng = truth, rng
        self.hits = np.zeros(n, int)
        self.last_seen = np.full(n, -np.inf)
        self.sigma = np.full((n, 2), 50.0)
        self.track_of = np.full(n, -1)
        self.last_id = np.full(n, -1)
        self.next_id = 0
        self.confirm, self.drop, self.vel, self.tau = confirm_hits, drop_after_s, vel_sigma, tau_s
        self.err = rng.normal(size=(n, 6))
        self.t = None

    def step(self, t, det, alive):
        dt = 0.0 if self.t is None else max(t - self.t, 0.0)
        self.t = t
        rho = np.exp(-dt / self.tau)
        # Only the threats in flight draw (rows in threat order); the others keep their error.
        fly = np.asarray(alive, bool)
        self.err[fly] = rho * self.err[fly] + np.sqrt(1.0 - rho * rho) * self.rng.standard_normal(
            (int(fly.sum()), 6))
        ok = det.truth_id >= 0
        tid, z, R = det.truth_id[ok], det.z[ok], det.R[ok]
        np.add.at(self.hits, tid, 1)
        shrink = np.sqrt(np.minimum(self.hits[tid], 10))
        sr = np.sqrt(R[:, 0, 0])
        best = np.full_like(self.sigma, np.inf)
        for a in (0, 1):
            np.minimum.at(best[:, a], tid, np.maximum(sr, z[:, 0] * np.sqrt(R[:, a + 1, a + 1]))
                          / shrink)
        np.maximum.at(self.last_seen, tid, det.time_s[ok])
        seen = np.unique(tid)
        self.sigma[seen] = best[seen]
        fresh = seen[(self.track_of[seen] < 0) & (self.hits[seen] >= self.confirm)]
        new = []
        for k in fresh:  # a threat tracked again gets its id back
            if self.last_id[k] < 0:
                self.last_id[k] = self.next_id
                self.next_id += 1
            self.track_of[k] = self.last_id[k]
            new.append((int(self.last_id[k]), int(k), t))
        drop = (self.track_of >= 0) & (((t - self.last_seen) > self.drop) | ~alive)
        self.track_of[drop] = -1
        self.hits[drop] = 0
        self.hits[(self.track_of < 0) & ((t - self.last_seen) > self.drop)] = 0
        idx = np.flatnonzero(self.track_of >= 0)
        s = np.c_[self.sigma[idx, 0], self.sigma[idx, 0], self.sigma[idx, 1],
                  np.full((idx.size, 3), self.vel)]
        x = self.truth.states(t)[idx] + self.err[idx] * s
        P = np.zeros((idx.size, 6, 6))
        P[:, np.arange(6), np.arange(6)] = s * s
        quality = np.clip(1.0 - self.sigma[idx, 0] / 1000.0, 0.0, 1.0)
        return new, self.track_of[idx], idx, x, P, quality


def _random_detections(g, n, t, k):
    """k detections of random threats (about a fifth false alarms) around time t."""
    R = np.zeros((k, 4, 4))
    R[:, 0, 0] = g.uniform(5.0, 50.0, k) ** 2
    R[:, 1, 1] = g.uniform(1e-4, 5e-3, k) ** 2
    R[:, 2, 2] = g.uniform(1e-4, 5e-3, k) ** 2
    tid = np.where(g.random(k) < 0.2, -1, g.integers(0, n, k))
    return Detections(time_s=t - g.uniform(0.0, 1.0, k), sensor=g.integers(0, 3, k),
                      z=np.c_[g.uniform(1e3, 8e4, k), np.zeros((k, 3))], R=R,
                      sensor_enu=np.zeros((k, 3)), snr_db=np.full(k, 20.0), truth_id=tid)


def _state(g):
    """A generator's state as nested tuples (comparable with ==)."""
    def flat(x):
        if isinstance(x, dict):
            return tuple((k, flat(v)) for k, v in sorted(x.items()))
        return tuple(np.ravel(x).tolist()) if isinstance(x, np.ndarray) else x
    return flat(g.bit_generator.state)


def _same(trk, ref, tracks, out):
    new, track_id, idx, x, P, quality = out
    assert trk.new_tracks == new
    np.testing.assert_array_equal(tracks.track_id, track_id)
    np.testing.assert_array_equal(tracks.truth_id, idx)
    assert tracks.x.tobytes() == x.tobytes() and tracks.P.tobytes() == P.tobytes()
    assert tracks.quality.tobytes() == quality.tobytes()
    assert tracks.confirmed.dtype == bool and tracks.confirmed.all()
    assert trk.next_id == ref.next_id
    assert _state(trk.rng) == _state(ref.rng)


@pytest.mark.parametrize("bitgen", [np.random.PCG64, np.random.Philox, np.random.MT19937])
def test_steps_equal_a_numpy_reference_bit_for_bit(bitgen, rng):
    """Estimates, ids, new tracks and the generator state after each step equal the NumPy
    reference's (the kernel draws its normals itself: the same numbers, the same state)."""
    n = 12
    truth = _Moving(rng, n)
    trk = TruthTracker(truth, np.random.Generator(bitgen(7)), confirm_hits=2, drop_after_s=2.5)
    ref = _Reference(truth, np.random.Generator(bitgen(7)), 2, 2.5)
    t, n_tracks = 0.0, 0
    for step in range(40):
        t += (1.0, 0.5, 0.0, 2.0)[step % 4]  # equal, shorter, repeated and longer steps
        det = _random_detections(rng, n, t, int(rng.integers(0, 9)))
        alive = rng.random(n) < 0.9
        tracks = trk.step(t, det, alive=alive)
        _same(trk, ref, tracks, ref.step(t, det, alive))
        n_tracks += len(tracks)
    assert n_tracks > 40  # tracks start, live and end


def test_a_copy_or_a_new_generator_draws_from_its_own(rng):
    """A pickled copy continues on its own generator (not the original's); a generator
    assigned to ``rng`` is used from the next step."""
    import pickle

    n = 6
    truth = _Moving(rng, n)
    trk = TruthTracker(truth, np.random.default_rng(3), confirm_hits=1)
    ref = _Reference(truth, np.random.default_rng(3), 1, 10.0)
    alive = np.ones(n, bool)
    for k in range(3):
        det = _random_detections(rng, n, float(k), 5)
        _same(trk, ref, trk.step(float(k), det, alive), ref.step(float(k), det, alive))
    twin = pickle.loads(pickle.dumps(trk))
    det = _random_detections(rng, n, 3.0, 5)
    out = ref.step(3.0, det, alive)
    _same(twin, ref, twin.step(3.0, det, alive), out)
    _same(trk, ref, trk.step(3.0, det, alive), out)  # the original's generator did not move
    trk.rng, ref.rng = np.random.default_rng(11), np.random.default_rng(11)
    det = _random_detections(rng, n, 4.0, 5)
    _same(trk, ref, trk.step(4.0, det, alive), ref.step(4.0, det, alive))


def test_state_attributes_follow_the_steps_after_a_copy(rng):
    """The per-threat state (``err``, ``sigma_m``, ``last_seen``, ``hits``, ``track_of``) is
    what the kernel updates, on the original and on a pickled or deep copy alike."""
    import copy
    import pickle

    n = 8
    truth = _Moving(rng, n)
    trk = TruthTracker(truth, np.random.default_rng(5), confirm_hits=2, drop_after_s=3.0)
    dets = [_random_detections(rng, n, float(k), 6) for k in range(12)]
    for k in range(4):
        trk.step(float(k), dets[k])
    twins = [pickle.loads(pickle.dumps(trk)), copy.deepcopy(trk)]
    for twin in twins:
        twin.rng = copy.deepcopy(trk.rng)
    for k in range(4, 12):
        out = trk.step(float(k), dets[k])
        for twin in twins:
            assert twin.step(float(k), dets[k]).x.tobytes() == out.x.tobytes()
            for name in ("err", "sigma_m", "last_seen", "hits", "track_of"):
                assert getattr(twin, name).tobytes() == getattr(trk, name).tobytes(), name
    assert trk.hits.any() and np.isfinite(trk.last_seen).any()


def test_error_stays_stationary_when_threats_pause(rng):
    """Threats drawn only while in flight: the error of each axis stays zero-mean with unit
    variance and keeps its one-step correlation ``rho`` whatever the pauses (the Gauss-Markov
    process is stationary, so a paused error resumes with the right distribution)."""
    n = 4000
    truth = _Moving(rng, n)
    trk = TruthTracker(truth, np.random.default_rng(11), correlation_time_s=5.0)
    for k in range(30):
        alive = rng.random(n) < 0.5  # about half the threats in flight at each step
        prev = trk.err.copy()
        trk.step(float(k), Detections.empty(), alive=alive)
    e = trk.err.ravel()
    tol = 5.0 / np.sqrt(e.size)
    assert abs(e.mean()) < tol and abs(e.var() - 1.0) < 5 * tol
    # The last step's movers: correlation exp(-1 / 5) with their previous error.
    moved = alive
    rho = np.exp(-1.0 / 5.0)
    r = np.corrcoef(prev[moved].ravel(), trk.err[moved].ravel())[0, 1]
    assert abs(r - rho) < 5.0 / np.sqrt(prev[moved].size)
    # The others kept theirs, bit for bit.
    assert trk.err[~moved].tobytes() == prev[~moved].tobytes()


def test_pictures_keep_their_values_after_later_steps(rng, monkeypatch):
    """Each step's picture is written into rows of the tracker's buffers that no later step
    writes (new buffers once they are used up): pictures kept over many steps, through
    several renewals, still equal the reference's output of their step, bit for bit, and
    are C-contiguous arrays of the dtypes of a fresh picture."""
    n = 3  # a few rows per buffer (32 steps of n): renewed every ~32 steps
    monkeypatch.setattr(TruthTracker, "_PICTURE_STEPS", 32)
    truth = _Moving(rng, n)
    trk = TruthTracker(truth, np.random.default_rng(9), confirm_hits=1, drop_after_s=2.0)
    ref = _Reference(truth, np.random.default_rng(9), 1, 2.0)
    kept, outs, buffers = [], [], set()
    for k in range(150):
        alive = rng.random(n) < 0.9
        det = _random_detections(rng, n, float(k), 4)
        buffers.add(id(trk._pic[0]))  # (the picture's buffer)
        kept.append(trk.step(float(k), det, alive))
        outs.append(ref.step(float(k), det, alive))
        _same(trk, ref, kept[-1], outs[-1])
    assert len(buffers) >= 4 and sum(len(p) for p in kept) > 200
    for tracks, out in zip(kept, outs, strict=True):
        _, track_id, idx, x, P, quality = out
        assert tracks.track_id.tolist() == track_id.tolist()
        assert tracks.truth_id.tolist() == idx.tolist()
        assert tracks.x.tobytes() == x.tobytes() and tracks.P.tobytes() == P.tobytes()
        assert tracks.quality.tobytes() == quality.tobytes() and tracks.confirmed.all()
        for a, dtype in ((tracks.track_id, np.int64), (tracks.truth_id, np.int64),
                         (tracks.x, np.float64), (tracks.P, np.float64),
                         (tracks.quality, np.float64), (tracks.confirmed, np.bool_)):
            assert a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable


def test_a_copy_writes_its_pictures_apart(rng):
    """A pickled copy gets buffers of its own: its pictures share no memory with the
    original's."""
    import pickle

    n = 5
    truth = _Moving(rng, n)
    trk = TruthTracker(truth, np.random.default_rng(2), confirm_hits=1)
    det = _random_detections(rng, n, 0.0, 8)
    first = trk.step(0.0, det)
    twin = pickle.loads(pickle.dumps(trk))
    twin.rng = np.random.default_rng(4)
    a = trk.step(1.0, det)
    b = twin.step(1.0, det)
    assert len(a) and len(b)
    for x in (a, first):
        for f in ("x", "P", "quality", "track_id", "truth_id"):
            assert not np.shares_memory(getattr(x, f), getattr(b, f)), f


def test_picture_kernel_refuses_rows_that_do_not_fit():
    from airdefense.tracking import _kernels as TK

    n, rows = 4, 6
    states = np.zeros((n, 6))
    err = np.zeros((n, 6))
    sigma = np.ones((n, 2))
    track_of = np.arange(n, dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    pic = np.empty(45 * rows)
    assert TK.truth_picture(states, idx, err, sigma, 5.0, track_of, pic, 2) == n
    assert pic[43 * rows:].view(np.int64)[rows + 2:rows + 2 + n].tolist() == idx.tolist()
    with pytest.raises(ValueError, match="do not fit"):
        TK.truth_picture(states, idx, err, sigma, 5.0, track_of, pic, 3)
    with pytest.raises(ValueError, match="do not fit"):
        TK.truth_picture(states, idx, err, sigma, 5.0, track_of, pic[:-1], 0)
