"""numba's random-generator methods against NumPy's, for every draw the radar kernels make.

The scan kernels (:mod:`airdefense.sensors._kernels`) draw their random numbers inside, with
the caller's ``numpy.random.Generator`` (passed as ``generator_pointers(rng)``, rebuilt in the
kernel by the ``generator`` intrinsic; checked here as well as a Generator argument, numba's
own form). Runs stay bit-identical to the NumPy draws only while numba's methods give NumPy's
numbers and leave the generator in NumPy's state: these tests check it for each method and
argument form the kernels use, so that a numba (or NumPy) release that diverges is caught.
"""

from __future__ import annotations

import copy
import pickle

import numba
import numpy as np
import pytest

from airdefense.sensors import _kernels as K
from airdefense.sensors.radar import RadarNetwork
from tests.sensors.reference_radar import reference_network
from tests.sensors.test_kernels import assert_same_detections
from tests.sensors.test_radar import FRAME, targets, unit

#: Poisson means around the algorithm switch at 10 (inversion below, PTRS above) and 0.
LAMS = np.array([0.0, 1e-9, 0.37, 2.0, 9.999, 10.0, 10.5, 25.3, 400.0])


@numba.njit
def _draws(rng, shape, scale, n, lam):
    """Every draw of the scan kernels, in their argument forms."""
    g = np.empty(shape.size)
    for j in range(shape.size):  # scan_returns: one scalar gamma per look
        g[j] = rng.gamma(shape[j], scale[j])
    det = np.empty((2, n))  # detector: scalar draws, the first normal of every return first
    for a in range(2):
        for p in range(n):
            det[a, p] = rng.standard_normal()
    meas = rng.standard_normal((n, 4))  # measurement noise
    counts = np.empty(lam.size, np.int64)
    for i in range(lam.size):  # false-alarm counts, scalar
        counts[i] = rng.poisson(lam[i])
    u = rng.random((n, 4))
    expo = rng.standard_exponential(n)
    return g, det, meas, counts, u, expo


@numba.njit
def _draws_by_pointers(ptrs, shape, scale, n, lam):
    return _draws(K.generator(ptrs), shape, scale, n, lam)


def _numpy_draws(rng, shape, scale, n, lam):
    """The same draws in NumPy, as the scan made them before it drew inside its kernels."""
    return (rng.gamma(shape, scale, size=shape.size), rng.standard_normal((2, n)),
            rng.standard_normal((n, 4)), np.array([rng.poisson(x) for x in lam.tolist()]),
            rng.random((n, 4)), rng.standard_exponential(n))


def _same_state(a, b) -> bool:
    """Bit generators ``a`` and ``b`` in the same state (state dicts may hold arrays)."""
    def same(x, y):
        if isinstance(x, dict):
            return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
        return np.array_equal(x, y)
    return same(a.bit_generator.state, b.bit_generator.state)


def _shapes(seed, m):
    """Gamma shapes 1 or 2 per look (Swerling 1 and 0/3), scale 1 / shape."""
    shape = np.where(np.random.default_rng(1000 + seed).random(m) < 0.5, 1.0, 2.0)
    return shape, 1.0 / shape


@pytest.mark.parametrize("how", ["generator", "pointers"])
@pytest.mark.parametrize("bitgen", [np.random.PCG64, np.random.Philox, np.random.SFC64,
                                    np.random.MT19937])
def test_numba_draws_equal_numpy(how, bitgen):
    """Same numbers, bit for bit, and the same generator state after, over many seeds."""
    for seed in range(40):
        m, n = 1 + 7 * seed % 90, seed % 23
        shape, scale = _shapes(seed, m)
        a, b = np.random.Generator(bitgen(seed)), np.random.Generator(bitgen(seed))
        if how == "generator":
            got = _draws(a, shape, scale, n, LAMS)
        else:
            got = _draws_by_pointers(K.generator_pointers(a), shape, scale, n, LAMS)
        want = _numpy_draws(b, shape, scale, n, LAMS)
        for x, y in zip(got, want, strict=True):
            assert x.dtype == y.dtype and x.shape == y.shape
            assert x.tobytes() == y.tobytes(), (seed, how)
        assert _same_state(a, b)
        assert a.random() == b.random()


@numba.njit
def _direct_draws(ptrs, shape, scale, n):
    """The scan's and the truth tracker's scalar draws through the bit generator straight
    (``K.gamma``, ``K.standard_normal``): gammas per look, then ``n`` normals."""
    bits = K.generator(ptrs).bit_generator
    g = np.empty(shape.size)
    for j in range(shape.size):
        g[j] = K.gamma(bits, shape[j], scale[j])
    z = np.empty(n)
    for p in range(n):
        z[p] = K.standard_normal(bits)
    return g, z


@pytest.mark.parametrize("bitgen", [np.random.PCG64, np.random.Philox, np.random.SFC64,
                                    np.random.MT19937])
def test_direct_draws_equal_numpy(bitgen):
    """The draws the kernels make through the bit generator straight are NumPy's scalar
    ``gamma`` and ``standard_normal`` numbers and leave NumPy's state."""
    for seed in range(30):
        m, n = 1 + 7 * seed % 90, 3 * seed % 200
        shape, scale = _shapes(seed, m)
        a, b = np.random.Generator(bitgen(seed)), np.random.Generator(bitgen(seed))
        g, z = _direct_draws(K.generator_pointers(a), shape, scale, n)
        assert g.tobytes() == b.gamma(shape, scale, size=m).tobytes()
        assert z.tobytes() == b.standard_normal(n).tobytes()
        assert _same_state(a, b)
        assert a.random() == b.random()


def test_scalar_gamma_loop_equals_numpy_forms():
    """Per-look scalar gammas equal NumPy's one-shape forms the scan used: the standard
    exponential for Swerling 1 everywhere and ``gamma(2, 0.5, size=m)``."""
    for seed in range(30):
        for k in (1.0, 2.0):
            shape = np.full(50, k)
            a, b = np.random.default_rng(seed), np.random.default_rng(seed)
            got = _draws_by_pointers(K.generator_pointers(a), shape, 1.0 / shape, 0,
                                     np.zeros(0))[0]
            want = b.standard_exponential(50) if k == 1.0 else b.gamma(2.0, 0.5, size=50)
            assert got.tobytes() == want.tobytes()
            assert a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("bitgen", [np.random.PCG64, np.random.Philox, np.random.SFC64,
                                    np.random.MT19937])
def test_poisson_of_zero_draws_nothing(bitgen):
    """A Poisson count of mean 0 (a cued radar's false alarms, or an idle radar's) is 0 and
    leaves the generator as it was, in a kernel as in NumPy."""
    for seed in range(5):
        a, b = np.random.Generator(bitgen(seed)), np.random.Generator(bitgen(seed))
        counts = _draws_by_pointers(K.generator_pointers(a), np.ones(0), np.ones(0), 0,
                                    np.zeros(100))[3]
        assert counts.tolist() == [0] * 100
        assert _same_state(a, b)
        assert [b.poisson(0.0) for _ in range(10)] == [0] * 10
        assert _same_state(a, b)
        assert a.random() == b.random()


def test_generator_rejects_float_pointers():
    """generator() takes the uintp array of generator_pointers only."""
    with pytest.raises(numba.core.errors.TypingError, match="generator"):
        _draws_by_pointers(np.zeros(5), np.ones(1), np.ones(1), 0, np.zeros(0))


def _net():
    return RadarNetwork([unit("tor_m2_radar", pfa=1e-5),
                         unit("mpq65", east=3e3, boresight_deg=60.0, pfa=1e-5)], FRAME)


def _scan_all(net, rngs, x, rcs):
    """Scans at 0.5 s steps, each with the next generator of ``rngs``."""
    out = []
    for k, rng in enumerate(rngs, 1):
        moved = x.copy()
        moved[:, :3] += 0.5 * k * x[:, 3:]
        out.append(net.scan(0.5 * k, moved, rcs, np.ones(len(x), bool), rng))
    return out


def _raid():
    g = np.random.default_rng(4)
    x = targets(g.uniform(-2e4, 2e4, 30), g.uniform(-2e4, 2e4, 30), g.uniform(100, 5e3, 30))
    x[:, 3:] = g.normal(0, 200, (30, 3))
    return x, g.uniform(0.1, 2.0, 30)


def test_scan_draws_from_the_generator_it_is_given():
    """Switching generators between scans: each scan draws from the one it is given, as the
    NumPy reference does (same detections, same generator states)."""
    x, rcs = _raid()
    units = [unit("tor_m2_radar", pfa=1e-5), unit("mpq65", east=3e3, pfa=1e-5)]
    a = [np.random.default_rng(1), np.random.default_rng(2)]
    b = [np.random.default_rng(1), np.random.default_rng(2)]
    order = [0, 1, 0, 1, 1, 0, 0]
    got = _scan_all(RadarNetwork(units, FRAME), [a[i] for i in order], x, rcs)
    want = _scan_all(reference_network(units, FRAME), [b[i] for i in order], x, rcs)
    for d, e in zip(got, want, strict=True):
        assert_same_detections(d, e)
    assert sum(len(d) for d in got) > 20
    for g, h in zip(a, b, strict=True):
        assert g.bit_generator.state == h.bit_generator.state


@pytest.mark.parametrize("clone", ["pickle", "deepcopy"])
def test_copied_network_draws_from_the_copied_generator(clone):
    """A network copied together with its generator (pickle, deepcopy) continues as the
    original does, drawing from the copy, and leaves the original generator alone."""
    x, rcs = _raid()
    net, rng = _net(), np.random.default_rng(7)
    _scan_all(net, [rng] * 3, x, rcs)
    if clone == "pickle":
        net2, rng2 = pickle.loads(pickle.dumps((net, rng)))
    else:
        net2, rng2 = copy.deepcopy((net, rng))
    before = rng.bit_generator.state
    later = [net2.scan(0.5 * k, x, rcs, np.ones(len(x), bool), rng2) for k in (4, 5)]
    assert rng.bit_generator.state == before
    again = [net.scan(0.5 * k, x, rcs, np.ones(len(x), bool), rng) for k in (4, 5)]
    for d2, d in zip(later, again, strict=True):
        assert d2.z.tobytes() == d.z.tobytes() and len(d) > 0
    assert rng2.bit_generator.state == rng.bit_generator.state
