"""Compiled kernels of the radar scan (numba, no fastmath, no parallel).

A scan of example 2 covers a few radars against tens of targets: per-call overhead, not
arithmetic, set the cost of the NumPy form. :class:`airdefense.sensors.radar.RadarNetwork`
keeps the public API; without terrain a scan is one call of :func:`scan`; with terrain, three
(:func:`scan_looks`, then, after the line-of-sight test of the covered looks, :func:`scan_detect`
and :func:`scan_report`). They run the stage kernels below, each a loop over radars, looks or
returns in compiled code.

Random numbers are drawn inside, with the caller's Generator; numba's generator methods equal
NumPy's, tested. This departs from the project's rule (draws in NumPy, passed in as arrays): the
kernels make the same calls, in the same order and amounts, as the NumPy form did (see
:func:`scan`), and numba's ``gamma``, ``standard_normal``, ``poisson``, ``random`` and
``standard_exponential`` give NumPy's numbers and leave the generator in NumPy's state
(tests/sensors/test_rng_in_kernels.py checks each form used, over many seeds and bit
generators, so that a release that diverges is caught). The generator is passed as the raw
pointers of its bit generator (:func:`generator_pointers`, rebuilt by :func:`generator`):
numba's unboxing of a Generator argument costs about 10 us a call.

Results are repeatable across processes; the
transcendental functions are the C library's, so they may differ from NumPy's (vectorised) ones
in the last bit. A float ``a % b`` is ``np.mod(a, b)`` (the sign of ``b``, +0 for an exact
multiple).

Kernels use ``error_model="numpy"``: a float division by zero gives inf or NaN as in NumPy
(the scan relies on it, e.g. the sine of the elevation of a target on the antenna) instead of
raising.

Per-radar constants are rows of two arrays:

* ``geo`` (n_radars, ``G_N``), owned by :class:`~airdefense.sensors.coverage.Coverage`: antenna
  (``G_ANT``, 3), local up (``G_UP``, 3), lower bounds then upper bounds of (height above the
  frame's sphere, sine of the local elevation, range), boresight, the antenna's share of the
  horizon angle, the half sector (inf for a full circle), the clear-horizon cosine (a point
  whose nadir angle from the antenna has a larger cosine is inside the horizon whatever its
  height) and the frame's ``radius_m``, ``k_factor`` and the height of its sphere above the
  horizon's floor (``Coverage.sphere_above_floor_m``: the origin's ``alt_m`` with terrain, the
  floor being mean sea level; 0 without, the floor being the frame's sphere), the same in every
  row.
* ``rc`` (n_radars, ``RC_N``), owned by the network: the ``geo`` columns, then the radar's
  constants (columns ``RC_*`` below), then its sweep state (``RC_PHASE``, ``RC_T_LAST``, kept
  between calls) and the current call's sweep (``SW_*``, written by :func:`scan_looks`). One
  array for all of them: each array argument costs a kernel call its unboxing.

A scan's work space is two arrays of k x n rows: floats ``wf`` (look columns ``LF_*``, then
return columns ``RF_*``) and integers ``wi`` (``LI_*``, then ``RI_*``); row ``j`` holds look
``j`` and return ``j`` (returns are numbered on their own).
"""

from __future__ import annotations

import ctypes
import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic
from numba.np.random.distributions import random_gamma as _random_gamma
from numba.np.random.distributions import random_standard_normal as _random_standard_normal

_TWO_PI = 2.0 * math.pi
_INV_TWO_PI = 1.0 / _TWO_PI
_SQRT_HALF = math.sqrt(0.5)

# Coverage constants, columns of ``geo``.
G_ANT = 0
G_UP = 3
G_LO = 6  # height, sin(local elevation), range: lower bounds
G_HI = 9  # the same, upper bounds
G_BORESIGHT = 12
G_HORIZON = 13
G_HALF_SECTOR = 14
G_CLEAR_COS = 15
G_RADIUS = 16  # the frame's sphere radius, m
G_K = 17  # effective-earth factor
G_ALT = 18  # the frame's sphere over the horizon's floor, m (alt_m with terrain, else 0)
G_N = 19

# Radar constants, columns of ``rc`` after the ``geo`` columns.
RC_ELECTRONIC = G_N + 0  # 1.0 for an electronically steered radar (cued radars too)
RC_PERIOD = G_N + 1  # scan period, s
RC_DWELL = G_N + 2  # track dwell, s
RC_REVISIT = G_N + 3  # track revisit, s
RC_BUDGET = G_N + 4  # track budget fraction
RC_SWEEP_START = G_N + 5  # azimuth where the sweep starts, rad
RC_SWEEP = G_N + 6  # sweep width, rad
RC_SNR_CONST = G_N + 7  # SNR = c rcs / R^4
RC_STEADY = G_N + 8  # 1.0 for Swerling 0 (the fluctuation draw is ignored)
RC_THRESHOLD = G_N + 9  # detector threshold, noise powers
RC_DROP_MISSES = G_N + 10  # missed looks that drop a track
RC_CAPACITY = G_N + 11  # most targets held in track
RC_RANGE_RES = G_N + 12  # range gate, m
RC_BEAM = G_N + 13  # beamwidth, rad
RC_PFA_CELLS = G_N + 14  # pfa x resolution cells of a full sweep
RC_MIN_RANGE = G_N + 15  # m
RC_RANGE_SPAN = G_N + 16  # max - min range, m
RC_MIN_EL = G_N + 17  # rad
RC_EL_SPAN = G_N + 18  # max - min elevation, rad
RC_MAX_RDOT = G_N + 19  # largest range rate of a false alarm, m/s
RC_REF_SNR = G_N + 20  # reference SNR, linear
RC_NOISE_FLOOR = G_N + 21  # smallest sigma scale
RC_SIGMA = G_N + 22  # 4 columns: sigmas of range (m), azimuth, elevation (rad), range rate (m/s, NaN)
RC_GAMMA_SHAPE = G_N + 26  # gamma shape of the fluctuation draw (1: Swerling 1, else 2)
RC_GAMMA_SCALE = G_N + 27  # its scale, 1 / shape
RC_CUED = G_N + 28  # 1.0 for a cued radar (no search: looks only where cued; see scan_looks)
# The radar's sweep, columns of ``rc`` too.
RC_PHASE = G_N + 29  # fraction of the current sweep done, [0, 1)
RC_T_LAST = G_N + 30  # end of the previous call, s
SW_RATE = G_N + 31  # sweeps per second (this call's, written by scan_looks)
SW_FRAC = G_N + 32  # fraction of a sweep done in the call (0 if the radar made no look)
SW_PHASE = G_N + 33  # sweep phase at the end of the call
SW_LAM = G_N + 34  # mean number of false alarms in the call
RC_N = G_N + 35

# Looks, columns of ``wf`` and ``wi`` (written by scan_looks).
LF_TAU = 0  # look time, s
LF_POS = 1  # 3 columns: target position at the look, ENU, m
LF_RANGE = 4  # range, azimuth, elevation from the antenna (m, rad; the angles of looks in
# coverage, the others' are left undefined: see pair_geometry)
LF_SNR = 7  # mean SNR (fluctuated by merge_returns; 0 outside coverage)
LF_VEL = 8  # 3 columns: target velocity at the look, ENU, m/s (looks in coverage only)
LF_N = 11
LI_RADAR = 0
LI_TARGET = 1
LI_COVERED = 2  # inside coverage (with terrain: and the line of sight clear, set by the caller)
LI_N = 3

# Returns after merging (one per resolution cell), columns of ``wf`` and ``wi`` after the
# look columns.
RF_SNR = LF_N
RF_RANGE = LF_N + 1  # range, azimuth, elevation (power-weighted centroid of a merged cell)
RF_RDOT = LF_N + 4  # range rate, m/s
RF_DET = LF_N + 5  # detector output
WF_N = LF_N + 6
RI_LOOK = LI_N  # the look of the return (the strongest of a merged cell)
RI_HIT = LI_N + 1  # crossed the threshold
RI_REPORT = LI_N + 2  # reported (a hit that holds or takes a track slot)
WI_N = LI_N + 3

# False alarms, columns of the array false_alarms returns.
FA_RADAR = 0
FA_TAU = 1
FA_RANGE = 2  # range, azimuth, elevation
FA_RDOT = 5
FA_DET = 6
FA_N = 7

# Running counts of a network, entries of its ``counts`` array (int64): looks, reported
# detections, false alarms, looks merged away, detections refused a track slot, and
# (radar, target) pairs in a scan's output for the first time.
ST_LOOKS = 0
ST_DETECTIONS = 1
ST_FALSE_ALARMS = 2
ST_MERGED = 3
ST_REFUSED = 4
ST_FIRST = 5
ST_N = 6

# A network's small integer array ``ci``: its running counts (``ST_*``), its cell sizes (4,
# see :func:`merge_returns`), the :func:`generator_pointers` of the generator it draws from
# (5, stored as int64: the bits of the uintp pointers), the count of looks before the last
# call (:func:`scan` sets it: the call's looks are the count's growth) and 1 for a network
# whose reports carry no measurement noise and no false alarms (``RadarNetwork.noiseless``).
CI_COUNTS = 0
CI_CELLS = ST_N
CI_RNG = ST_N + 4
CI_LOOKS0 = ST_N + 9
CI_NOISELESS = ST_N + 10
CI_N = ST_N + 11

# A noiseless scan's reports as a truth tracker reads them (:func:`scan_truth`): floats
# (k, ``TD_N``): time (s), measured range (m), azimuth and elevation (rad), then the variances
# of range (m^2), azimuth and elevation (rad^2) (``measure``'s ``z[:, :3]`` and the first three
# diagonal entries of ``R``, the same bits); integers (k, ``TI_N``): radar and target.
TD_TIME = 0
TD_Z = 1  # 3 columns: range, azimuth, elevation
TD_VAR = 4  # 3 columns: their variances
TD_N = 7
TI_SENSOR = 0
TI_TARGET = 1
TI_N = 2

_jit = numba.njit(cache=True, error_model="numpy")
# Small helpers of the per-look and per-return loops, inlined into their callers (numba's own
# inlining: a call of a compiled function with array arguments costs their reference counts).
_jit_inline = numba.njit(cache=True, error_model="numpy", inline="always")


# --------------------------------------------------------------------------------------------
# The caller's random generator inside a kernel

# Entries of the pointer array of a bit generator (see generator_pointers).
_BG_FIELDS = ("state_address", "state", "fnptr_next_uint64", "fnptr_next_uint32",
              "fnptr_next_double")
_GENERATOR = types.NumPyRandomGeneratorType("NumPyRandomGeneratorType")
_BIT_GENERATOR = types.NumPyRandomBitGeneratorType("bit_generator")


def generator_pointers(rng: np.random.Generator) -> np.ndarray:
    """What numba's ``Generator`` holds of ``rng``'s bit generator, as uintp (5,).

    The state address, the state and the ``next_uint64``, ``next_uint32`` and ``next_double``
    functions of ``rng.bit_generator.ctypes``: the fields numba's unboxing of a Generator
    argument fills (with three ``ctypes.cast`` calls, about 10 us a call; this array is built
    once per generator and passed instead). Valid while ``rng`` lives.
    """
    ct = rng.bit_generator.ctypes
    cast, void_p = ctypes.cast, ctypes.c_void_p
    return np.array([ct.state_address, ct.state.value, cast(ct.next_uint64, void_p).value,
                     cast(ct.next_uint32, void_p).value, cast(ct.next_double, void_p).value],
                    np.uintp)


@intrinsic
def generator(typingctx, ptrs):
    """numba ``Generator`` of the bit generator whose :func:`generator_pointers` are ``ptrs``.

    Builds the struct numba's unboxing of a ``numpy.random.Generator`` argument builds, from
    the pointer array (no Python object: the caller keeps the generator alive); its methods
    draw from, and advance, the caller's generator.
    """
    if not (isinstance(ptrs, types.Array) and ptrs.dtype == types.uintp and ptrs.ndim == 1):
        return None
    sig = _GENERATOR(ptrs)

    def codegen(context, builder, sig, args):
        arr = context.make_array(sig.args[0])(context, builder, args[0])
        bits = cgutils.create_struct_proxy(_BIT_GENERATOR)(context, builder)
        for k, name in enumerate(_BG_FIELDS):
            setattr(bits, name, builder.load(builder.gep(arr.data, [ir.Constant(ir.IntType(64),
                                                                                  k)])))
        gen = cgutils.create_struct_proxy(_GENERATOR)(context, builder)  # zeroed: no parent
        gen.bit_generator = bits._getvalue()
        return gen._getvalue()

    return sig, codegen


@_jit_inline
def standard_normal(bits):
    """``rng.standard_normal()`` of the numba ``Generator`` whose ``bit_generator`` is
    ``bits``: the function numba's method calls, called straight (the method takes the
    Generator, whose reference counting costs each draw two calls)."""
    return _random_standard_normal(bits)


@_jit_inline
def gamma(bits, shape, scale):
    """``rng.gamma(shape, scale)`` (scalar) of the numba ``Generator`` whose
    ``bit_generator`` is ``bits``, as :func:`standard_normal`."""
    return _random_gamma(bits, shape, scale)


# --------------------------------------------------------------------------------------------
# Scalar helpers


@_jit_inline
def sigma_scale(rc, i, snr):
    """Scale of radar ``i``'s measurement sigmas at a return's ``snr`` (linear): the root of
    its reference SNR over ``snr``, at least its noise floor."""
    return max(math.sqrt(rc[i, RC_REF_SNR] / max(snr, 1e-12)), rc[i, RC_NOISE_FLOOR])


@_jit_inline
def end_call(rc, operational, t):
    """End a scan call at ``t``: operational radars take the sweep's new phase; every radar's
    clock goes to ``t``."""
    for i in range(rc.shape[0]):
        if operational[i]:
            rc[i, RC_PHASE] = rc[i, SW_PHASE]
        rc[i, RC_T_LAST] = t


@_jit_inline
def wrapped_offset(a):
    """Angle ``a`` wrapped to [-pi, pi] through its sine and cosine (``angle(exp(1j a))``)."""
    return math.atan2(math.sin(a), math.cos(a))


@_jit_inline
def fmod_pos(a, b):
    """``a % b`` (NumPy's ``np.mod``) for ``b > 0``, without the libm call when ``0 < a < b``
    (then it is ``a``; the same bits either way)."""
    if 0.0 < a < b:
        return a
    return a % b


@_jit_inline
def mean_snr(c, rcs, range_m):
    """Mean SNR ``c rcs / R^4`` with R at least 1 mm."""
    r = 1e-3 if range_m < 1e-3 else range_m  # np.maximum (NaN stays NaN)
    r2 = r * r
    return c * rcs / (r2 * r2)


@_jit_inline
def square_law(snr, n0, n1):
    """Square-law detector output ``|sqrt(snr) + n|^2`` of unit normal draws ``n0, n1``."""
    a = math.sqrt(snr)
    x = a + n0 * _SQRT_HALF
    y = n1 * _SQRT_HALF
    return x * x + y * y


@_jit_inline
def aspect_rcs(px, py, pz, vx, vy, vz, ox, oy, oz, front, side, tail):
    """RCS of a target at ``p`` moving at ``v`` seen from ``o``: front/tail by cos^2, side by sin^2.

    The arithmetic of :func:`airdefense.threats.rcs.aspect_rcs_m2`, operation for operation.
    """
    lx = ox - px
    ly = oy - py
    lz = oz - pz
    vn = math.sqrt(vx * vx + vy * vy + vz * vz)
    ln = math.sqrt(lx * lx + ly * ly + lz * lz)
    c = 1.0
    if vn > 0.0 and ln > 0.0:
        c = (vx * lx + vy * ly + vz * lz) / (vn * ln)
    c2 = c * c
    axial = front if c >= 0.0 else tail
    return axial * c2 + side * (1.0 - c2)


@_jit_inline
def pair_geometry(geo, i, x, y, z, out, full=True):
    """Geometry of radar ``i`` against the point ``(x, y, z)`` (ENU, m) and its coverage.

    ``out`` (5,) receives the target height above the frame's sphere (m), the sine of the
    local elevation (the refracted beam's, above the radar's own horizontal: the chord's
    elevation plus the k-earth ray's bend ``rho cos(el) (1 - 1/k) / (2 R)``), range (m),
    azimuth and elevation (rad, of the chord, ENU axes); returns ``(covered, offset)``
    with the azimuth off boresight in [-pi, pi). Unless ``full``, a point outside the
    height, elevation or range limits leaves azimuth, elevation and offset uncomputed
    (``out[3:]`` unchanged, offset NaN), and one outside the range limits its height and
    elevation sine too (``out[:2]`` unchanged: the range is tested first); every value
    computed has the same bits either way. (:func:`geometry_values` without ``out``.)
    """
    cov, off, h_t, sin_le, rng, az, el, done = geometry_values(geo, i, x, y, z, full)
    out[2] = rng
    if done >= 1:
        out[0] = h_t
        out[1] = sin_le
    if done == 2:
        out[3] = az
        out[4] = el
    return cov, off


@_jit_inline
def geometry_values(geo, i, x, y, z, full=True):
    """:func:`pair_geometry` as values: ``(covered, offset, height, sine of the local
    elevation, range, azimuth, elevation, done)``, ``done`` 0 when only the range was
    computed, 1 when the azimuth and elevation were not, 2 when all were (the values not
    computed are NaN)."""
    r = geo[i, G_RADIUS]
    dx, dy, dz, horiz2, rng = _offset(geo, i, x, y, z)
    if not (full or (rng >= geo[i, G_LO + 2] and rng <= geo[i, G_HI + 2])):
        return False, np.nan, np.nan, np.nan, rng, np.nan, np.nan, 0  # out of range
    sin_le, cos_le, bend = _elevation_terms(geo, i, dx, dy, dz, rng)
    sin_le = sin_le * math.cos(bend) + cos_le * math.sin(bend)
    zc = z + r
    norm_t = math.sqrt(x * x + y * y + zc * zc)
    h_t = norm_t - r
    cov = (h_t >= geo[i, G_LO] and h_t <= geo[i, G_HI]
           and sin_le >= geo[i, G_LO + 1] and sin_le <= geo[i, G_HI + 1]
           and rng >= geo[i, G_LO + 2] and rng <= geo[i, G_HI + 2])
    if not (cov or full):
        return False, np.nan, h_t, sin_le, rng, np.nan, np.nan, 1
    az = math.atan2(dx, dy)
    az = az + (_TWO_PI if az < 0.0 else 0.0)
    el = math.atan2(dz, math.sqrt(horiz2))
    off = az - geo[i, G_BORESIGHT]
    off -= _TWO_PI * math.floor((off + math.pi) * _INV_TWO_PI)
    cov = cov and abs(off) <= geo[i, G_HALF_SECTOR]
    if cov:  # the horizon, last
        cov = _above_horizon(geo, i, x, y, zc, norm_t, h_t)
    return cov, off, h_t, sin_le, rng, az, el, 2


@_jit_inline
def _offset(geo, i, x, y, z):
    """The point ``(x, y, z)`` (ENU, m) from radar ``i``'s antenna: ``(dx, dy, dz, dx^2 +
    dy^2, range)``, m and m^2."""
    dx = x - geo[i, G_ANT]
    dy = y - geo[i, G_ANT + 1]
    dz = z - geo[i, G_ANT + 2]
    horiz2 = dx * dx + dy * dy
    return dx, dy, dz, horiz2, math.sqrt(horiz2 + dz * dz)


@_jit_inline
def _elevation_terms(geo, i, dx, dy, dz, rng):
    """Radar ``i``'s local elevation of the offset ``(dx, dy, dz)`` (m) at range ``rng`` (m)
    and the ray's bend: ``(sin_le, cos_le, bend)``, bend in rad (the refracted elevation's sine
    is ``sin_le cos(bend) + cos_le sin(bend)``)."""
    sin_le = (dx * geo[i, G_UP] + dy * geo[i, G_UP + 1] + dz * geo[i, G_UP + 2]) / rng
    if rng == 0.0:
        sin_le = 1.0
    # The beam points along the refracted ray, which the k-earth picture draws straight: it
    # leaves the antenna above the chord by the ray's bend over half its length,
    # rho cos(el) (1 - 1/k) / (2 R) (0.04 deg at 35 km for k = 4/3).
    cos_le = math.sqrt(max(1.0 - sin_le * sin_le, 0.0))
    bend = rng * cos_le * (1.0 - 1.0 / geo[i, G_K]) / (2.0 * geo[i, G_RADIUS])
    return sin_le, cos_le, bend


@_jit_inline
def _above_horizon(geo, i, x, y, zc, norm_t, h_t):
    """Whether radar ``i`` sees the point ``(x, y, zc - R)`` (ENU, m; ``zc`` its height plus
    the frame's radius ``R``, ``norm_t`` its distance from the sphere's centre, ``h_t`` its
    height, m) above its horizon (the k-earth radio horizon; :func:`geometry_values`' last
    test)."""
    kf = geo[i, G_K]
    # Angle between the nadirs, compared through its cosine (no acos near 1).
    cos_g = (x * geo[i, G_UP] + y * geo[i, G_UP + 1] + zc * geo[i, G_UP + 2]) / norm_t
    # Height above the horizon's floor: the frame's sphere without terrain, mean sea
    # level with it.
    h_f = h_t + geo[i, G_ALT]
    # Below the floor a target is under the horizon (its chord enters the earth); 1 mm of
    # slack keeps points placed on the surface (rounding) above it.
    cov = h_f >= -1e-3
    if cov and not cos_g >= geo[i, G_CLEAR_COS]:  # not surely inside: two functions
        re = kf * geo[i, G_RADIUS]
        h2 = 0.0 if h_f < 0.0 else h_f
        u = math.sqrt(h2 * (2 * re + h2)) / re
        if not surely_inside_horizon(cos_g, kf, geo[i, G_HORIZON], u):
            ang = geo[i, G_HORIZON] + math.atan(u)
            cov = cos_g >= math.cos(min(kf * ang, math.pi))
    return cov


@_jit_inline
def look_geometry(geo, i, x, y, z):
    """:func:`geometry_values` with ``full`` off as a scan's look reads it: ``(covered, range,
    azimuth, elevation)``, the same bits (the angles NaN where it leaves them uncomputed).

    The refracted elevation's sine is only tested against the limits here: its bend's cosine
    and sine (:func:`elevation_in_limits`) are computed only when bounds of them cannot decide.
    """
    r = geo[i, G_RADIUS]
    dx, dy, dz, horiz2, rng = _offset(geo, i, x, y, z)
    if not (rng >= geo[i, G_LO + 2] and rng <= geo[i, G_HI + 2]):
        return False, rng, np.nan, np.nan  # out of range
    sin_le, cos_le, bend = _elevation_terms(geo, i, dx, dy, dz, rng)
    zc = z + r
    norm_t = math.sqrt(x * x + y * y + zc * zc)
    h_t = norm_t - r
    cov = (h_t >= geo[i, G_LO] and h_t <= geo[i, G_HI]
           and elevation_in_limits(sin_le, cos_le, bend, geo[i, G_LO + 1], geo[i, G_HI + 1]))
    if not cov:
        return False, rng, np.nan, np.nan
    az = math.atan2(dx, dy)
    az = az + (_TWO_PI if az < 0.0 else 0.0)
    el = math.atan2(dz, math.sqrt(horiz2))
    off = az - geo[i, G_BORESIGHT]
    off -= _TWO_PI * math.floor((off + math.pi) * _INV_TWO_PI)
    cov = abs(off) <= geo[i, G_HALF_SECTOR]
    if cov:  # the horizon, last (geometry_values' test)
        cov = _above_horizon(geo, i, x, y, zc, norm_t, h_t)
    return cov, rng, az, el


@_jit_inline
def elevation_in_limits(sin_le, cos_le, bend, lo, hi):
    """Whether ``lo <= sin_le cos(bend) + cos_le sin(bend) <= hi`` (the refracted elevation's
    sine of :func:`geometry_values`, computed as it does), deciding from bounds when it can.

    For ``0 <= bend < 0.01`` (rad): ``cos(bend)`` lies in ``[1 - bend^2/2, 1]`` and
    ``sin(bend)`` in ``[bend - bend^3/6, bend]``, so the sine in an interval (``cos_le >= 0``);
    one inside the limits, or outside them, by more than 1e-12 (far over the ulps of the C
    library's ``cos`` and ``sin`` and of the sums) decides; else (or another bend) the sine
    is computed as :func:`geometry_values` does.
    """
    if 0.0 <= bend < 0.01:
        b2 = bend * bend
        c_lo = 1.0 - 0.5 * b2
        if sin_le >= 0.0:
            a_lo = sin_le * c_lo
            a_hi = sin_le
        else:
            a_lo = sin_le
            a_hi = sin_le * c_lo
        s_lo = cos_le * (bend - b2 * bend / 6.0)
        s_hi = cos_le * bend
        v_lo = a_lo + s_lo - 1e-12
        v_hi = a_hi + s_hi + 1e-12
        if v_lo >= lo and v_hi <= hi:
            return True
        if v_hi < lo or v_lo > hi:
            return False
    v = sin_le * math.cos(bend) + cos_le * math.sin(bend)
    return v >= lo and v <= hi


@_jit_inline
def surely_inside_horizon(cos_g, kf, horizon, u):
    """Whether ``cos_g >= cos(min(kf (horizon + atan(u)), pi))`` surely holds, as
    :func:`geometry_values` computes it (the C library's ``atan`` and ``cos``, each within an
    ulp), decided without them: True only when a lower bound of the angle gives an upper bound
    of its cosine below ``cos_g`` by far more than the rounding; False when unsure (then the
    caller computes the test itself: the decision is always the exact test's).

    ``atan(u) >= u - u^3/3 + u^5/5 - u^7/7`` for ``0 <= u <= 1`` (an alternating series of
    decreasing terms, cut after a negative one), the angle's lower bound ``lo`` is shrunk by
    1e-9 of itself (far over the rounding of ``atan``, the sums and products); for
    ``0 <= lo < 1`` the angle ``min(kf (horizon + atan(u)), pi)`` lies in ``[lo, pi]``, where
    the cosine decreases, so its cosine is at most ``cos(lo) <= 1 - lo^2/2 + lo^4/24 -
    lo^6/720 + lo^8/40320`` (cut after a positive term); the test keeps 1e-12 for the ulps of
    ``cos`` and the bound.
    """
    if not (kf > 0.0 and 0.0 <= u < 0.5):
        return False
    u2 = u * u
    lo = kf * (horizon + u * (1.0 - u2 * (1.0 / 3.0 - u2 * (0.2 - u2 / 7.0)))) * (1.0 - 1e-9)
    if not (0.0 <= lo < 1.0):
        return False
    l2 = lo * lo
    up = 1.0 - l2 * (0.5 - l2 * (1.0 / 24.0 - l2 * (1.0 / 720.0 - l2 / 40320.0)))
    return cos_g >= up + 1e-12


@_jit_inline
def _occupancy(rc, i, n_tracked):
    """Fraction of radar ``i``'s time on track dwells (0 for a rotating radar)."""
    if rc[i, RC_ELECTRONIC] == 0.0:
        return 0.0
    return min(n_tracked * rc[i, RC_DWELL] / rc[i, RC_REVISIT], rc[i, RC_BUDGET])


@_jit_inline
def _sweep_rate(rc, i, n_tracked):
    """Sweeps per second of radar ``i`` (electronic frames stretch with the track load; 0 for a
    cued radar, which does not search)."""
    if rc[i, RC_CUED] != 0.0:
        return 0.0
    return (1.0 - _occupancy(rc, i, n_tracked)) / rc[i, RC_PERIOD]


# --------------------------------------------------------------------------------------------
# Vector kernels behind public functions


@_jit
def pairs(geo, radar, pos):
    """Geometry of flat radar-target pairs: rows (5, k) (see pair_geometry), offset, covered."""
    k = radar.size
    v = np.empty((5, k))
    off = np.empty(k)
    cov = np.empty(k, np.bool_)
    g = np.empty(5)
    for j in range(k):
        c, o = pair_geometry(geo, radar[j], pos[j, 0], pos[j, 1], pos[j, 2], g)
        for q in range(5):
            v[q, j] = g[q]
        off[j] = o
        cov[j] = c
    return v, off, cov


@_jit
def mean_snr_pairs(c, rcs, range_m):
    """:func:`mean_snr` of flat arrays."""
    out = np.empty(c.size)
    for j in range(c.size):
        out[j] = mean_snr(c[j], rcs[j], range_m[j])
    return out


@_jit
def square_law_samples(snr, noise):
    """:func:`square_law` of flat ``snr`` (k,) with the draws ``noise`` (2, k)."""
    out = np.empty(snr.size)
    for j in range(snr.size):
        out[j] = square_law(snr[j], noise[0, j], noise[1, j])
    return out


@_jit
def aspect_rcs_pairs(enu, states, radar, target, front, side, tail):
    """:func:`aspect_rcs` of ``states[target]`` seen from the antennas ``enu[radar]``."""
    out = np.empty(radar.size)
    for j in range(radar.size):
        r = radar[j]
        c = target[j]
        out[j] = aspect_rcs(states[c, 0], states[c, 1], states[c, 2], states[c, 3],
                            states[c, 4], states[c, 5], enu[r, 0], enu[r, 1], enu[r, 2],
                            front[c], side[c], tail[c])
    return out


@_jit
def polar_rows_to_enu(polar, sensor_enu):
    """ENU points of rows ``[range, azimuth, elevation, ...]`` (k, >=3) seen from ``sensor_enu``
    (k, 3) or (1, 3), m."""
    k = polar.shape[0]
    out = np.empty((k, 3))
    one = sensor_enu.shape[0] == 1
    for j in range(k):
        r = polar[j, 0]
        az = polar[j, 1]
        el = polar[j, 2]
        s = 0 if one else j
        ce = math.cos(el)
        out[j, 0] = r * ce * math.sin(az) + sensor_enu[s, 0]
        out[j, 1] = r * ce * math.cos(az) + sensor_enu[s, 1]
        out[j, 2] = r * math.sin(el) + sensor_enu[s, 2]
    return out


@_jit
def set_cues(cue, radar, target):
    """Cue table ``cue`` (k, n) bool set to the pairs ``(radar[j], target[j])`` (each (c,)
    int), every other pair cleared; targets outside ``[0, n)`` are ignored. Returns -1, or the
    position of the first radar index outside ``[0, k)`` (then ``cue`` is left as it was)."""
    k, n = cue.shape
    for j in range(radar.size):
        if radar[j] < 0 or radar[j] >= k:
            return j
    cue[:] = False
    for j in range(radar.size):
        c = target[j]
        if 0 <= c < n:
            cue[radar[j], c] = True
    return -1


@_jit
def occupancy(rc, tracked, rate):
    """Track occupancy of each radar (n_radars,), or its sweep rate when ``rate``."""
    k = rc.shape[0]
    out = np.zeros(k)
    for i in range(k):
        n_tr = tracked[i].sum()
        out[i] = _sweep_rate(rc, i, n_tr) if rate else _occupancy(rc, i, n_tr)
    return out


# --------------------------------------------------------------------------------------------
# The scan, stage by stage


@_jit
def look_state(t, states, t0, states0, launch, c, tau, out):
    """Target ``c``'s position and velocity at the look time ``tau`` into ``out`` (6,).

    Between the truth ``states0`` at ``t0`` and ``states`` at ``t`` (each (n, 6)), for a look in
    ``[t0, t]`` at a target launched by ``t0`` (``launch`` (n,) launch times, or empty): the
    cubic Hermite curve through both ends' positions and velocities, exact to second order, so
    a look at an accelerating target (a ballistic missile: gravity, drag, lift, weave) sees
    it where it is. Otherwise (no ``states0``: an empty array; a target launched within the
    call; a look before ``t0``) straight back along the velocity at ``t``.
    (:func:`look_position` then :func:`look_velocity`: the scan takes the velocity of the
    looks in coverage only.)
    """
    look_position(t, states, t0, states0, launch, c, tau, out)
    look_velocity(t, states, t0, states0, launch, c, tau, out)


@_jit_inline
def _on_curve(t, states, t0, states0, launch, c, tau):
    """Whether :func:`look_state` takes the Hermite curve (else straight back from ``t``)."""
    return (states0.shape[0] == states.shape[0] and t - t0 > 0.0 and t0 <= tau <= t
            and (launch.size == 0 or launch[c] <= t0))


@_jit_inline
def look_position(t, states, t0, states0, launch, c, tau, out):
    """The position half of :func:`look_state`: ``out[:3]``, the same bits."""
    out[0], out[1], out[2] = look_xyz(t, states, t0, states0, launch, c, tau)


@_jit_inline
def look_xyz(t, states, t0, states0, launch, c, tau):
    """:func:`look_position` as values ``(x, y, z)``."""
    if _on_curve(t, states, t0, states0, launch, c, tau):
        h = t - t0
        s = (tau - t0) / h
        s2 = s * s
        s3 = s2 * s
        h00, h10, h01, h11 = 2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2
        return (h00 * states0[c, 0] + h10 * h * states0[c, 3] + h01 * states[c, 0]
                + h11 * h * states[c, 3],
                h00 * states0[c, 1] + h10 * h * states0[c, 4] + h01 * states[c, 1]
                + h11 * h * states[c, 4],
                h00 * states0[c, 2] + h10 * h * states0[c, 5] + h01 * states[c, 2]
                + h11 * h * states[c, 5])
    back = t - tau
    return (states[c, 0] - states[c, 3] * back, states[c, 1] - states[c, 4] * back,
            states[c, 2] - states[c, 5] * back)


@_jit_inline
def look_velocity(t, states, t0, states0, launch, c, tau, out):
    """The velocity half of :func:`look_state`: ``out[3:6]``, the same bits."""
    if _on_curve(t, states, t0, states0, launch, c, tau):
        h = t - t0
        s = (tau - t0) / h
        s2 = s * s
        d00, d10, d01, d11 = 6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, -6 * s2 + 6 * s, 3 * s2 - 2 * s
        for q in range(3):
            p0, v0 = states0[c, q], states0[c, 3 + q]
            p1, v1 = states[c, q], states[c, 3 + q]
            out[3 + q] = (d00 * p0 + d01 * p1) / h + d10 * v0 + d11 * v1
        return
    for q in range(3):
        out[3 + q] = states[c, 3 + q]


#: Margin of :func:`outside_arc`, rad: far above the rounding of the look decision
#: (about 1e-12 rad at t = 1e4 s).
ARC_MARGIN = 1e-6


@_jit_inline
def search_look(rc, i, t, dx, dy):
    """Whether searching radar ``i``'s sweep of this call passed the azimuth of the horizontal
    offset ``(dx, dy)`` (m, east and north of the antenna), and when: ``(look, tau)``.

    The sweep fraction ``f`` of the azimuth lies less than the call's swept fraction behind
    the sweep's end phase ``SW_PHASE`` (``tau``, the crossing time, after the last call) and
    inside the sweep (``f <= 1``).
    """
    x = math.atan2(dx, dy) - rc[i, RC_SWEEP_START]
    x -= _TWO_PI * math.floor(x * _INV_TWO_PI)
    f = x / rc[i, RC_SWEEP]
    y = rc[i, SW_PHASE] - f
    y -= math.floor(y)
    tau = t - y / rc[i, SW_RATE]
    return tau > rc[i, RC_T_LAST] and f <= 1.0, tau


@_jit_inline
def search_arc(rc, i):
    """The azimuths a searching radar's sweep of this call passed, for :func:`outside_arc`:
    ``(sin, cos)`` of the middle of the arc and the cosine of its half width plus
    :data:`ARC_MARGIN`; ``(0, 0, -2)`` (nothing is outside) for a sweep of more than a turn
    less twice the margin. An electronic radar's arc is the part of its sector the call's
    frame swept, or its whole sector when that part wraps past the frame's start."""
    frac = rc[i, SW_FRAC]
    if rc[i, RC_ELECTRONIC] != 0.0:
        # A frame sweeps the sector [start, start + sweep] (sweep fraction f in [0, 1]): the
        # looks lie at f in (phase - frac, phase], an arc of the sector unless that wraps
        # past the frame's start (frac > phase), when the whole sector bounds them. (The
        # frame's end f = 1 is its start f = 0 to search_look's sweep phase: an arc that
        # starts within the margin of f = 0 takes the whole sector too.)
        sweep = rc[i, RC_SWEEP]
        lo = rc[i, SW_PHASE] - frac
        if not lo * sweep > ARC_MARGIN:
            half = 0.5 * sweep + ARC_MARGIN
            mid = rc[i, RC_SWEEP_START] + 0.5 * sweep
        else:
            half = 0.5 * frac * sweep + ARC_MARGIN
            mid = rc[i, RC_SWEEP_START] + sweep * (rc[i, SW_PHASE] - 0.5 * frac)
        if not half < math.pi - ARC_MARGIN:
            return 0.0, 0.0, -2.0
        return math.sin(mid), math.cos(mid), math.cos(half)
    half = math.pi * frac + ARC_MARGIN
    if not half < math.pi - ARC_MARGIN:
        return 0.0, 0.0, -2.0
    mid = rc[i, RC_SWEEP_START] + _TWO_PI * (rc[i, SW_PHASE] - 0.5 * frac)
    return math.sin(mid), math.cos(mid), math.cos(half)


@_jit_inline
def outside_arc(dx, dy, ms, mc, cl):
    """Whether the azimuth of ``(dx, dy)`` lies more than the arc's half width plus the margin
    from the middle of the arc of :func:`search_arc` ``(ms, mc, cl)``: then
    :func:`search_look` finds no look there (a cheap test before its ``atan2``)."""
    return dx * ms + dy * mc < cl * math.sqrt(dx * dx + dy * dy)


@_jit_inline
def search_end(rc, i):
    """``(sin, cos)`` of the azimuths where radar ``i``'s sweep of this call ended
    (``SW_PHASE``) and where its sweep starts (``RC_SWEEP_START``), for :func:`far_look`."""
    start = rc[i, RC_SWEEP_START]
    end = start + _TWO_PI * rc[i, SW_PHASE]
    return math.sin(end), math.cos(end), math.sin(start), math.cos(start)


#: Cosine of :data:`ARC_MARGIN`: a direction whose cosine with another is below it lies more
#: than the margin from it.
_COS_MARGIN = math.cos(ARC_MARGIN)


@_jit_inline
def far_look(t, states, t0, states0, rc, i, c, dx, dy, ends):
    """Whether rotating radar ``i``, having swept a whole turn in the call to ``t``
    (``SW_FRAC`` 1), surely looks at target ``c`` (at ``(dx, dy)`` from the antenna at ``t``)
    and surely finds it beyond its range at the look: then :func:`scan_looks` needs neither
    the look's time (:func:`search_look`'s ``atan2``) nor its geometry.

    The look is sure when the target's azimuth lies more than :data:`ARC_MARGIN` from the
    sweep's start (``RC_SWEEP_START``, where the sweep fraction wraps) and from its end
    (``ends``, :func:`search_end`'s: only there can a whole turn miss a target, by
    rounding). The look's position (:func:`look_xyz`, at a time in ``(RC_T_LAST, t]``) lies
    within ``B`` of the target's at ``t``: ``|v1| (t - t_last)`` straight back, and on the
    cubic Hermite curve (``s`` in [0, 1]: ``h00`` in [0, 1], ``|h10|, |h11| <= 4/27``)
    ``|p0 - p1| + 4/27 h (|v0| + |v1|)`` (norms bounded by the sums of the components'
    magnitudes); the target is surely beyond range when its distance at ``t`` exceeds the
    range limit plus ``B``, with 1e-9 of it and 1 m to spare for the rounding.
    """
    dz = states[c, 2] - rc[i, G_ANT + 2]
    d2 = dx * dx + dy * dy + dz * dz
    v1 = abs(states[c, 3]) + abs(states[c, 4]) + abs(states[c, 5])
    reach = v1 * (t - rc[i, RC_T_LAST])
    h = t - t0
    if states0.shape[0] == states.shape[0] and h > 0.0:
        v0 = abs(states0[c, 3]) + abs(states0[c, 4]) + abs(states0[c, 5])
        dp = (abs(states0[c, 0] - states[c, 0]) + abs(states0[c, 1] - states[c, 1])
              + abs(states0[c, 2] - states[c, 2]))
        reach = max(reach, dp + 4.0 / 27.0 * h * (v0 + v1))
    reach = (rc[i, G_HI + 2] + reach) * (1.0 + 1e-9) + 1.0
    if not d2 > reach * reach:
        return False
    hn = math.sqrt(dx * dx + dy * dy) * _COS_MARGIN
    return dx * ends[0] + dy * ends[1] < hn and dx * ends[2] + dy * ends[3] < hn


@_jit_inline
def _active(rc, operational, i, t):
    """Whether radar ``i`` works in the call to ``t``: operational, and time passed since its
    last call."""
    return operational[i] and max(t - rc[i, RC_T_LAST], 0.0) > 0.0


@_jit
def scan_looks(t, states, alive, rcs_table, front, side, tail, aspect, rc, operational, tracked,
               next_look, cue, wf, wi, t0, states0, launch, rates=True):
    """Looks of every radar in ``(t_last, t]``, with their geometry and mean SNR.

    Clears track-table entries of stopped radars, dead targets and (cued radars) targets no
    longer cued, sets the call's sweep (``SW_*`` columns of ``rc``: rate, swept fraction, new
    phase, mean false alarms; all but the phase 0 for a cued radar), writes the looks (radar by
    radar in target order: the search looks of a searching radar, the acquisition looks of a
    cued radar; then the track revisits of electronic and cued radars falling due, whose next
    revisit is booked) into the ``LF_*``/``LI_*`` columns of ``wf``/``wi`` and returns their
    number.

    A cued radar (``RC_CUED``) does not search: it looks once at ``t`` at each alive target
    it is cued on (``cue`` (n_radars, n) bool; read for cued radars only) and does not hold,
    and revisits the targets it holds like an electronic radar.

    The RCS of a look is the aspect RCS from ``front, side, tail`` (n,) when ``aspect``, else
    ``rcs_table[radar, target]`` (one row: the same for every radar). The target's position
    and velocity at each look (``LF_POS``, ``LF_VEL``) are :func:`look_state`'s, between the
    truth ``states0`` at ``t0`` (an empty array: none) and ``states`` at ``t``; the velocity
    (for the range rate of a return) only of the looks in coverage, and only with ``rates``
    (without, ``LF_VEL`` is left as it was: for a caller that reads no range rate). A look
    of a rotating radar that swept a whole turn at a target surely beyond its range
    (:func:`far_look`) is uncovered with its time, position, range and angles NaN (not
    computed: nothing reads them).
    """
    k = rc.shape[0]
    n = states.shape[0]
    any_alive = False
    for c in range(n):
        if alive[c]:
            any_alive = True
    for i in range(k):
        n_tr = 0
        cued = rc[i, RC_CUED] != 0.0
        for c in range(n):
            if tracked[i, c]:
                if operational[i] and alive[c] and (not cued or cue[i, c]):
                    n_tr += 1
                else:
                    tracked[i, c] = False
        rate = _sweep_rate(rc, i, n_tr)
        dt = max(t - rc[i, RC_T_LAST], 0.0)
        swept = rate * dt
        rc[i, SW_RATE] = rate
        rc[i, SW_PHASE] = (rc[i, RC_PHASE] + swept) % 1.0
        rc[i, SW_FRAC] = min(swept, 1.0) if _active(rc, operational, i, t) else 0.0
        rc[i, SW_LAM] = rc[i, RC_PFA_CELLS] * rc[i, SW_FRAC]

    m = 0
    if any_alive:
        # Search: the sweep passes the target's azimuth (at t; a target moves a few milliradians
        # at most while the beam crosses it). Electronic and cued radars revisit held targets
        # in track.
        for i in range(k):
            if not _active(rc, operational, i, t):
                continue
            if rc[i, RC_CUED] != 0.0:  # no search: an acquisition look at each new cue
                for c in range(n):
                    if alive[c] and cue[i, c] and not tracked[i, c]:
                        wf[m, LF_TAU] = t
                        wi[m, LI_RADAR] = i
                        wi[m, LI_TARGET] = c
                        wi[m, LI_COVERED] = 0
                        m += 1
                continue
            electronic = rc[i, RC_ELECTRONIC] != 0.0
            ax = rc[i, G_ANT]
            ay = rc[i, G_ANT + 1]
            ms, mc, cl = search_arc(rc, i)
            # A rotating radar that swept a whole turn looks at every target away from the
            # sweep's ends: one surely out of its range there is a look, uncovered, without
            # its time or geometry (see far_look).
            whole = not electronic and rc[i, SW_FRAC] >= 1.0
            ends = search_end(rc, i)
            for c in range(n):
                if not alive[c] or (electronic and tracked[i, c]):
                    continue
                dx = states[c, 0] - ax
                dy = states[c, 1] - ay
                if outside_arc(dx, dy, ms, mc, cl):  # surely not passed: no atan2
                    continue
                if whole and far_look(t, states, t0, states0, rc, i, c, dx, dy, ends):
                    wf[m, LF_TAU] = np.nan
                    wi[m, LI_RADAR] = i
                    wi[m, LI_TARGET] = c
                    wi[m, LI_COVERED] = -1  # (no geometry: see below)
                    m += 1
                    continue
                look, tau = search_look(rc, i, t, dx, dy)
                if look:
                    wf[m, LF_TAU] = tau
                    wi[m, LI_RADAR] = i
                    wi[m, LI_TARGET] = c
                    wi[m, LI_COVERED] = 0
                    m += 1
        for i in range(k):
            if not (_active(rc, operational, i, t) and rc[i, RC_ELECTRONIC] != 0.0):
                continue
            for c in range(n):
                if tracked[i, c] and next_look[i, c] <= t:
                    tau = min(max(next_look[i, c], rc[i, RC_T_LAST]), t)
                    next_look[i, c] = tau + rc[i, RC_REVISIT]
                    wf[m, LF_TAU] = tau
                    wi[m, LI_RADAR] = i
                    wi[m, LI_TARGET] = c
                    wi[m, LI_COVERED] = 0
                    m += 1

    for j in range(m):
        if wi[j, LI_COVERED] < 0:  # surely out of range: no position, range nor angles
            for a in range(LF_SNR):
                wf[j, a] = np.nan
            wf[j, LF_SNR] = 0.0
            wi[j, LI_COVERED] = 0
            continue
        i = wi[j, LI_RADAR]
        c = wi[j, LI_TARGET]
        tau = wf[j, LF_TAU]
        x, y, z = look_xyz(t, states, t0, states0, launch, c, tau)
        wf[j, LF_POS] = x
        wf[j, LF_POS + 1] = y
        wf[j, LF_POS + 2] = z
        cov, range_m, az, el = look_geometry(rc, i, x, y, z)
        wf[j, LF_RANGE] = range_m
        wf[j, LF_RANGE + 1] = az
        wf[j, LF_RANGE + 2] = el
        wi[j, LI_COVERED] = cov
        snr = 0.0
        if cov:
            if rates:
                # (look_velocity writes out[3:6]: the LF_VEL columns)
                look_velocity(t, states, t0, states0, launch, c, tau,
                              wf[j, LF_VEL - 3:LF_VEL + 3])
            if aspect:  # (at t: the aspect turns a few milliradians at most in a step)
                rcs = aspect_rcs(states[c, 0], states[c, 1], states[c, 2], states[c, 3],
                                 states[c, 4], states[c, 5], rc[i, G_ANT], rc[i, G_ANT + 1],
                                 rc[i, G_ANT + 2], front[c], side[c], tail[c])
            else:
                rcs = rcs_table[i if rcs_table.shape[0] > 1 else 0, c]
            snr = mean_snr(rc[i, RC_SNR_CONST], rcs, range_m)
        wf[j, LF_SNR] = snr
    return m


@_jit_inline
def _range_rate(states, rc, wf, wi, j):
    """Range rate of look ``j``: the target's velocity at the look along the line of sight,
    m/s (``states`` unused: the look holds the velocity)."""
    i = wi[j, LI_RADAR]
    s = 0.0
    for q in range(3):
        s += (wf[j, LF_POS + q] - rc[i, G_ANT + q]) * wf[j, LF_VEL + q]
    return s / wf[j, LF_RANGE]


@_jit_inline
def _look_cell(rc, i, wf, j):
    """Range gate, azimuth beam and elevation beam of look ``j`` of radar ``i``: the cell's
    last three indices (int64; the first is the radar)."""
    beam = rc[i, RC_BEAM]
    return (np.int64(math.floor(wf[j, LF_RANGE] / rc[i, RC_RANGE_RES])),
            np.int64(math.floor(wf[j, LF_RANGE + 1] / beam)),
            np.int64(math.floor((wf[j, LF_RANGE + 2] + math.pi / 2) / beam)))


@_jit_inline
def _own_return(states, rc, wf, wi, p, j, rates):
    """Return row ``p`` of :func:`merge_returns`: covered look ``j`` merged with none (its own
    SNR, range, azimuth and elevation; its range rate with ``rates``, else NaN)."""
    wi[p, RI_LOOK] = j
    wf[p, RF_SNR] = wf[j, LF_SNR]
    for a in range(3):
        wf[p, RF_RANGE + a] = wf[j, LF_RANGE + a]
    wf[p, RF_RDOT] = _range_rate(states, rc, wf, wi, j) if rates else np.nan


@_jit
def _cell_keys(cells, sizes):
    """One int64 key per row of ``cells`` (k, 4): equal for equal rows, ordered as the rows
    (lexicographic). Mixed radix with ``sizes`` (4,) when it fits (``sizes[0] > 0``), else the
    rank of the row among the distinct rows."""
    k = cells.shape[0]
    key = np.empty(k, np.int64)
    if sizes[0] > 0:
        for j in range(k):
            key[j] = _cell_key(cells[j, 0], cells[j, 1], cells[j, 2], cells[j, 3], sizes)
        return key
    order = np.arange(k)  # absurdly fine cells: rank the rows
    for q in range(3, -1, -1):
        order = order[np.argsort(cells[order, q], kind="mergesort")]
    rank = -1
    for p in range(k):
        if p == 0 or (cells[order[p]] != cells[order[p - 1]]).any():
            rank += 1
        key[order[p]] = rank
    return key


@_jit_inline
def _cell_key(c0, c1, c2, c3, sizes):
    """The mixed-radix key of cell ``(c0, c1, c2, c3)`` with ``sizes`` (4,) (see
    :func:`_cell_keys`)."""
    return ((c0 * sizes[1] + c1) * sizes[2] + c2) * sizes[3] + c3


@_jit_inline
def _table_size(k):
    """Slots of :func:`_distinct_in`'s hash table for ``k`` keys: a power of two, at least 16
    and at least ``2 k``."""
    size = 16
    while size < 2 * k:
        size *= 2
    return size


@_jit_inline
def _distinct_in(key, table):
    """True when the keys (k,) int64, >= 0, are all different, with the hash table ``table``
    (:func:`_table_size` of the keys' number, int64; overwritten; no sort)."""
    mask = table.size - 1
    table[:] = -1
    for v in key:
        h = (v ^ (v >> 7) ^ (v >> 17) ^ (v >> 31)) & mask
        while table[h] >= 0:
            if table[h] == v:
                return False
            h = (h + 1) & mask
        table[h] = v
    return True


@_jit
def merge_returns(m, states, rc, cell_sizes, wf, wi, rates=True):
    """Merge the unresolved returns of the ``m`` looks (their SNR ``LF_SNR`` fluctuated).

    Covered looks of one radar in one resolution cell (range gate by beam in azimuth and
    elevation, on a fixed grid) merge into one return: powers add, the position and range
    rate are the power-weighted centroids (azimuths relative to the strongest), the strongest
    look is its own. Writes the returns (unmerged ones in look order, then the merged ones in
    cell order) into the ``RF_*``/``RI_*`` columns of ``wf``/``wi``; returns their number and
    the number of looks merged away. ``cell_sizes`` (4,): bounds of (radar, range gate,
    azimuth beam, elevation beam) that make one int64 key per cell, or zeros when the key
    would overflow. Without ``rates``, the range rates (``RF_RDOT``) are NaN (not computed:
    the looks' velocities are not read).
    """
    nc = 0
    for j in range(m):
        if wi[j, LI_COVERED]:
            nc += 1
    # One work array: the covered looks, their cell keys, the hash table of _distinct_in.
    work = np.empty(2 * nc + _table_size(nc), np.int64)
    cov = work[:nc]
    key = work[nc:2 * nc]
    q = 0
    for j in range(m):
        if wi[j, LI_COVERED]:
            cov[q] = j
            q += 1
    if cell_sizes[0] > 0:
        for q in range(nc):
            j = cov[q]
            i = wi[j, LI_RADAR]
            c1, c2, c3 = _look_cell(rc, i, wf, j)
            key[q] = _cell_key(np.int64(i), c1, c2, c3, cell_sizes)
    else:
        cells = np.empty((nc, 4), np.int64)
        for q in range(nc):
            j = cov[q]
            i = wi[j, LI_RADAR]
            cells[q, 0] = i
            cells[q, 1], cells[q, 2], cells[q, 3] = _look_cell(rc, i, wf, j)
        key[:] = _cell_keys(cells, cell_sizes)
    if _distinct_in(key, work[2 * nc:]):  # (usually: every return its own, in look order)
        for p in range(nc):
            _own_return(states, rc, wf, wi, p, cov[p], rates)
        return nc, 0
    group = np.ones(nc, np.int64)  # run length of each look's cell
    order = np.argsort(key, kind="mergesort")  # looks in cell order
    n_multi = 0
    start = 0
    while start < nc:
        end = start + 1
        while end < nc and key[order[end]] == key[order[start]]:
            end += 1
        for p in range(start, end):
            group[order[p]] = end - start
        if end - start > 1:
            n_multi += end - start
        start = end

    nr = 0
    for p in range(nc):
        if group[p] == 1:
            _own_return(states, rc, wf, wi, nr, cov[p], rates)
            nr += 1
    n_groups = 0
    if n_multi:
        start = 0
        while start < nc:
            end = start + group[order[start]]
            if end - start > 1:
                members = np.sort(order[start:end])  # look order within the cell
                tot = 0.0
                lead = cov[members[0]]
                for p in members:
                    w = wf[cov[p], LF_SNR]
                    tot += w
                    if w > wf[lead, LF_SNR]:
                        lead = cov[p]
                norm = tot if tot > 0.0 else 1.0
                az0 = wf[lead, LF_RANGE + 1]
                r_m = 0.0
                daz = 0.0
                el_m = 0.0
                rr_m = 0.0
                for p in members:
                    j = cov[p]
                    wn = wf[j, LF_SNR] / norm
                    r_m += wn * wf[j, LF_RANGE]
                    daz += wn * wrapped_offset(wf[j, LF_RANGE + 1] - az0)
                    el_m += wn * wf[j, LF_RANGE + 2]
                    if rates:
                        rr_m += wn * _range_rate(states, rc, wf, wi, j)
                wi[nr, RI_LOOK] = lead
                wf[nr, RF_SNR] = tot
                wf[nr, RF_RANGE] = r_m
                wf[nr, RF_RANGE + 1] = (az0 + daz) % _TWO_PI
                wf[nr, RF_RANGE + 2] = el_m
                wf[nr, RF_RDOT] = rr_m if rates else np.nan
                nr += 1
                n_groups += 1
            start = end
    return nr, n_multi - n_groups


@_jit_inline
def detect(nr, rng, rc, wf, wi):
    """Detector output of each return (``RF_DET``) and the decision against the radar's
    threshold (``RI_HIT``); returns the number of hits.

    The unit normal draws of :func:`square_law` come from the numba ``Generator`` ``rng``
    (:func:`generator`), ``rng.standard_normal((2, nr))``'s numbers: the first normal of every
    return (kept in ``RF_DET`` until the second is drawn), then the second.
    """
    bits = rng.bit_generator
    for p in range(nr):
        wf[p, RF_DET] = standard_normal(bits)
    hits = 0
    for p in range(nr):
        i = wi[wi[p, RI_LOOK], LI_RADAR]
        z = square_law(wf[p, RF_SNR], wf[p, RF_DET], standard_normal(bits))
        wf[p, RF_DET] = z
        wi[p, RI_HIT] = z > rc[i, RC_THRESHOLD]
        hits += wi[p, RI_HIT]
    return hits


@_jit
def update_tracks(m, nr, rc, wf, wi, tracked, misses, next_look):
    """Track tables after the looks; marks the reported returns, returns (reported, refused).

    A look at a held target succeeds when its return is a hit, else counts a miss; a track is
    dropped after ``RC_DROP_MISSES`` misses in a row. New hits take free slots, largest
    detector output (``RF_DET``, what the radar's processor sees) first within each radar;
    those without a slot go unreported.
    """
    k = rc.shape[0]
    # One work array: success of each look (0/1), free slots and new hits of each radar.
    work = np.zeros(m + 2 * k, np.int64)
    success = work[:m]
    free = work[m:m + k]
    n_new = work[m + k:]
    for p in range(nr):
        if wi[p, RI_HIT]:
            success[wi[p, RI_LOOK]] = 1
    for j in range(m):
        i = wi[j, LI_RADAR]
        c = wi[j, LI_TARGET]
        if tracked[i, c]:
            if success[j]:
                misses[i, c] = 0
            else:
                misses[i, c] += 1
                if misses[i, c] >= rc[i, RC_DROP_MISSES]:
                    tracked[i, c] = False
                    next_look[i, c] = np.inf
    for i in range(k):
        free[i] = np.int64(rc[i, RC_CAPACITY]) - tracked[i].sum()
    for p in range(nr):
        wi[p, RI_REPORT] = wi[p, RI_HIT]
        j = wi[p, RI_LOOK]
        if wi[p, RI_HIT] and not tracked[wi[j, LI_RADAR], wi[j, LI_TARGET]]:
            n_new[wi[j, LI_RADAR]] += 1
    refused = 0
    slots = np.empty(0, np.int64)  # the new hits of a radar (made once, for the largest)
    for i in range(k):
        if n_new[i] == 0:
            continue
        if free[i] <= 0:  # a full table refuses them all: no ranking
            for p in range(nr):
                j = wi[p, RI_LOOK]
                if (wi[p, RI_HIT] and wi[j, LI_RADAR] == i
                        and not tracked[i, wi[j, LI_TARGET]]):
                    wi[p, RI_REPORT] = 0
            refused += n_new[i]
            continue
        if slots.size == 0:
            slots = np.empty(n_new.max(), np.int64)
        new = slots[:n_new[i]]
        q = 0
        for p in range(nr):
            j = wi[p, RI_LOOK]
            if (wi[p, RI_HIT] and wi[j, LI_RADAR] == i
                    and not tracked[i, wi[j, LI_TARGET]]):
                new[q] = p
                q += 1
        if n_new[i] > free[i]:  # largest detector output first (ties in return order)
            new = new[np.argsort(-wf[new, RF_DET], kind="mergesort")]
            take = max(free[i], 0)
            for p in new[take:]:
                wi[p, RI_REPORT] = 0
            refused += new.size - take
            new = new[:take]
        for p in new:
            j = wi[p, RI_LOOK]
            c = wi[j, LI_TARGET]
            tracked[i, c] = True
            misses[i, c] = 0
            next_look[i, c] = wf[j, LF_TAU] + rc[i, RC_REVISIT]
    reported = 0
    for p in range(nr):
        reported += wi[p, RI_REPORT]
    return reported, refused


@_jit
def false_alarms(t, counts, u, expo, rc, out):
    """False alarms of the call from uniform draws ``u`` (total, 4) and exponential ``expo``.

    Uniform over the swept part of each radar's sweep (``counts`` (n_radars,) alarms each, in
    radar order), kept inside the sector; the detector output is the threshold plus the
    exponential excess of a noise crossing. Writes the kept ones into the first rows of
    ``out`` (at least total rows, ``FA_N`` columns) and returns their number.
    """
    kept = 0
    row = 0
    for i in range(counts.size):
        fr = rc[i, SW_FRAC]
        for _ in range(counts[i]):
            f = fmod_pos(rc[i, RC_PHASE] + u[row, 0] * fr, 1.0)
            az = fmod_pos(rc[i, RC_SWEEP_START] + f * rc[i, RC_SWEEP], _TWO_PI)
            half = rc[i, G_HALF_SECTOR]  # inf for a full circle: kept, no test needed
            if half == np.inf or abs(wrapped_offset(az - rc[i, G_BORESIGHT])) <= half:
                out[kept, FA_RADAR] = i
                out[kept, FA_TAU] = t - (1.0 - u[row, 0]) * fr / max(rc[i, SW_RATE], 1e-12)
                out[kept, FA_RANGE] = rc[i, RC_MIN_RANGE] + u[row, 1] * rc[i, RC_RANGE_SPAN]
                out[kept, FA_RANGE + 1] = az
                out[kept, FA_RANGE + 2] = rc[i, RC_MIN_EL] + u[row, 2] * rc[i, RC_EL_SPAN]
                out[kept, FA_RDOT] = (2 * u[row, 3] - 1) * rc[i, RC_MAX_RDOT]
                out[kept, FA_DET] = rc[i, RC_THRESHOLD] + expo[row]
                kept += 1
            row += 1
    return kept


@_jit
def measure(t, nr, wf, wi, noise_det, fa, noise_fa, launch, rc, operational):
    """Reported returns and false alarms to noisy measurements, sorted by time; ends the call.

    Rows: reported returns (with ``noise_det`` (reported, 4)), then the false alarms (the
    first rows of ``fa``, one per row of ``noise_fa``); sorted by look time (stable); returns
    of a target looked at before its ``launch`` time are left out (``launch`` (n,), or empty
    for none). Sigmas are the radar's at the
    reference SNR scaled by ``sqrt(SNR_ref / SNR)`` (at least the noise floor), SNR the
    return's fluctuated signal power ``RF_SNR`` (a false alarm's: its detector output). The
    reported ``snr_db`` is the detector output of every row (``RF_DET`` of a return,
    ``FA_DET`` of a false alarm: signal plus noise over the noise power), as a radar reports
    it. Advances the sweep phases of operational radars and every radar's clock to ``t``.

    Returns time_s, sensor, z (k, 4), R (k, 4, 4), sensor_enu (k, 3), snr_db and truth_id.
    """
    nd = noise_det.shape[0]
    nf = noise_fa.shape[0]
    total = nd + nf
    # Row q: reported return src[q] (rows 0 .. nd-1) or false alarm -1 - src[q] (the rest).
    src = np.empty(total, np.int64)
    tau = np.empty(total)
    q = 0
    for p in range(nr):
        if wi[p, RI_REPORT]:
            src[q] = p
            tau[q] = wf[wi[p, RI_LOOK], LF_TAU]
            q += 1
    for p in range(nf):
        src[q] = -1 - p
        tau[q] = fa[p, FA_TAU]
        q += 1
    order = np.argsort(tau, kind="mergesort")
    if launch.size:
        keep = 0
        for p in order:
            if p >= nd or tau[p] >= launch[wi[wi[src[p], RI_LOOK], LI_TARGET]]:
                order[keep] = p
                keep += 1
        order = order[:keep]
    k = order.size
    time_s = np.empty(k)
    sensor = np.empty(k, np.int64)
    truth_id = np.empty(k, np.int64)
    z = np.empty((k, 4))
    R = np.zeros((k, 4, 4))
    enu = np.empty((k, 3))
    snr_db = np.empty(k)
    for o in range(k):
        p = order[o]
        if p < nd:  # a return: its look's radar and target, its values in wf
            r = src[p]
            j = wi[r, RI_LOOK]
            i = wi[j, LI_RADAR]
            truth_id[o] = wi[j, LI_TARGET]
            vals = wf[r, RF_RANGE:RF_RANGE + 4]
            snr = wf[r, RF_SNR]
            det = wf[r, RF_DET]
            nz = noise_det[p]
        else:  # a false alarm (its detector output as its SNR)
            f = -1 - src[p]
            i = np.int64(fa[f, FA_RADAR])
            truth_id[o] = -1
            vals = fa[f, FA_RANGE:FA_RANGE + 4]
            snr = fa[f, FA_DET]
            det = snr
            nz = noise_fa[p - nd]
        scale = sigma_scale(rc, i, snr)
        for a in range(4):
            sig = rc[i, RC_SIGMA + a] * scale
            z[o, a] = vals[a] + nz[a] * sig
            R[o, a, a] = sig * sig
        if np.isnan(rc[i, RC_SIGMA + 3]):  # no range rate: NaN row and column
            for a in range(4):
                R[o, 3, a] = np.nan
                R[o, a, 3] = np.nan
        z[o, 0] = abs(z[o, 0])
        z[o, 1] = fmod_pos(z[o, 1], _TWO_PI)
        time_s[o] = tau[p]
        sensor[o] = i
        for a in range(3):
            enu[o, a] = rc[i, G_ANT + a]
        snr_db[o] = 10.0 * math.log10(det)
    end_call(rc, operational, t)
    return time_s, sensor, z, R, enu, snr_db, truth_id


@_jit
def measure_truth(t, nr, nd, wf, wi, launch, rc, operational):
    """:func:`measure` of a noiseless call (no measurement noise, no false alarm), only the
    columns a truth tracker reads; ends the call.

    The ``nd`` reported returns (``RI_REPORT``) in look-time order (stable), those of a target
    looked at before its ``launch`` time left out (as :func:`measure` with ``noise_det`` zeros
    (nd, 4) and no false alarm): time, measured range, azimuth and elevation and their
    variances, each with the bits of :func:`measure`'s ``time_s``, ``z[:, :3]`` and
    ``R[:, a, a]``, into the ``TD_*`` columns of a float array (k, ``TD_N``), radar and
    target into the ``TI_*`` columns of an int64 array (k, ``TI_N``). Advances the sweep
    phases of operational radars and every radar's clock to ``t``.

    Returns the two arrays.
    """
    fo = np.empty((nd, TD_N))
    io = np.empty((nd, TI_N), np.int64)
    # The rows' returns and look times, sorted, in the columns they end in (TI_SENSOR then
    # holds the return until its row is written).
    src = io[:, TI_SENSOR]
    tau = fo[:, TD_TIME]
    q = 0
    for p in range(nr):
        if wi[p, RI_REPORT]:
            # Stable insertion by look time: the permutation of a stable sort (measure's
            # mergesort argsort).
            v = wf[wi[p, RI_LOOK], LF_TAU]
            b = q
            while b > 0 and tau[b - 1] > v:
                src[b] = src[b - 1]
                tau[b] = tau[b - 1]
                b -= 1
            src[b] = p
            tau[b] = v
            q += 1
    keep = q
    if launch.size:
        keep = 0
        for b in range(q):
            if tau[b] >= launch[wi[wi[src[b], RI_LOOK], LI_TARGET]]:
                src[keep] = src[b]
                tau[keep] = tau[b]
                keep += 1
    fo = fo[:keep]
    io = io[:keep]
    for o in range(keep):
        r = io[o, TI_SENSOR]
        j = wi[r, RI_LOOK]
        i = wi[j, LI_RADAR]
        snr = wf[r, RF_SNR]
        scale = sigma_scale(rc, i, snr)
        for a in range(3):
            sig = rc[i, RC_SIGMA + a] * scale
            fo[o, TD_Z + a] = wf[r, RF_RANGE + a] + 0.0 * sig  # (measure's noise of 0)
            fo[o, TD_VAR + a] = sig * sig
        fo[o, TD_Z] = abs(fo[o, TD_Z])
        fo[o, TD_Z + 1] = fmod_pos(fo[o, TD_Z + 1], _TWO_PI)
        io[o, TI_SENSOR] = i
        io[o, TI_TARGET] = wi[j, LI_TARGET]
    end_call(rc, operational, t)
    return fo, io


# --------------------------------------------------------------------------------------------
# The whole scan, random draws included (with the caller's generator)


@_jit
def scan_returns(t, states, alive, rcs_table, front, side, tail, aspect, rc, operational,
                 tracked, next_look, cue, cell_sizes, wf, wi, rng_ptrs, t0, states0, launch,
                 rates=True):
    """First half of a scan without terrain: :func:`scan_looks` then :func:`scan_detect`
    (``rates``: whether they compute the range rates, see :func:`merge_returns`).

    Returns (looks, returns, looks merged away, hits).
    """
    m = scan_looks(t, states, alive, rcs_table, front, side, tail, aspect, rc, operational,
                   tracked, next_look, cue, wf, wi, t0, states0, launch, rates)
    nr, merged, hits = scan_detect(m, states, rc, cell_sizes, wf, wi, rng_ptrs, rates)
    return m, nr, merged, hits


@_jit
def scan_detect(m, states, rc, cell_sizes, wf, wi, rng_ptrs, rates=True):
    """Fluctuation, merged returns and detector decisions of the ``m`` looks of a call.

    One fluctuation draw per look (``rng.gamma(shape, scale)`` with the radar's
    ``RC_GAMMA_SHAPE``/``RC_GAMMA_SCALE``, in look order, covered or not; NumPy's
    ``rng.gamma(shape_array, scale_array, size=m)`` draws the same numbers element by
    element) multiplies the look's SNR (``LF_SNR``) unless the radar is steady
    (``RC_STEADY``), then :func:`merge_returns` of the covered looks (``LI_COVERED``; with
    terrain the caller has cleared it for the looks the terrain masks, so that they make no
    return and merge with none), two standard normals per return (the numbers of
    ``rng.standard_normal((2, nr))``: the first of every return, then the second) and
    :func:`detect`. Draws nothing where there is nothing to draw (no look, no return).

    The random numbers are drawn here from the caller's generator, through its
    :func:`generator_pointers` ``rng_ptrs``: numba's generator methods give NumPy's numbers and
    leave the generator in NumPy's state (tests/sensors/test_rng_in_kernels.py checks every
    call used here).

    ``rates`` as for :func:`merge_returns`.

    Returns (returns, looks merged away, hits).
    """
    rng = generator(rng_ptrs)
    bits = rng.bit_generator
    nr = 0
    merged = 0
    hits = 0
    if m:
        for j in range(m):
            i = wi[j, LI_RADAR]
            g = gamma(bits, rc[i, RC_GAMMA_SHAPE], rc[i, RC_GAMMA_SCALE])
            if rc[i, RC_STEADY] == 0.0:
                wf[j, LF_SNR] = wf[j, LF_SNR] * g
        nr, merged = merge_returns(m, states, rc, cell_sizes, wf, wi, rates)
        if nr:
            hits = detect(nr, rng, rc, wf, wi)
    return nr, merged, hits


@_jit
def scan_report(t, m, nr, merged, launch, rc, operational, tracked, misses, next_look, wf, wi,
                reported, counts, rng_ptrs, noiseless=False):
    """Second half of a scan: track tables, false alarms and noisy measurements.

    :func:`update_tracks` (when there are looks), four standard normals per reported return
    (``(reported, 4)``), one Poisson count of false alarms per radar in radar order
    (``rng.poisson(lam)``, scalar; a mean of 0, as for a cued radar or one that made no look,
    draws no number, as in NumPy), four uniforms (``(total, 4)``) and one standard
    exponential per alarm, :func:`false_alarms`, four standard normals per alarm kept
    (``(kept, 4)``), then :func:`measure` (which ends the call). Random numbers as in
    :func:`scan_returns`. Adds the call's looks ``m``, reported returns, false alarms, looks
    ``merged`` away and returns refused a track slot to ``counts`` (``ST_*`` entries); marks
    the (radar, target) pairs of the output in ``reported`` (n_radars, n) and counts those
    marked for the first time (``ST_FIRST``).

    With ``noiseless``, none of the draws after :func:`update_tracks`: the reported returns
    are measured without noise (their sigmas and covariances as ever) and there are no false
    alarms.

    Returns measure's seven arrays.
    """
    rng = generator(rng_ptrs)
    nd = 0
    refused = 0
    if m:  # (a look at a held target that made no return counts a miss)
        nd, refused = update_tracks(m, nr, rc, wf, wi, tracked, misses, next_look)
    if noiseless:
        noise_det = np.zeros((nd, 4))
    else:
        noise_det = rng.standard_normal((nd, 4)) if nd else np.empty((0, 4))
    k = rc.shape[0]
    n_fa = np.zeros(k, np.int64)
    total = 0
    for i in range(k):
        if not noiseless:
            n_fa[i] = rng.poisson(rc[i, SW_LAM])
        total += n_fa[i]
    fa = np.empty((total, FA_N))
    nf = 0
    if total:
        u = rng.random((total, 4))
        expo = rng.standard_exponential(total)
        nf = false_alarms(t, n_fa, u, expo, rc, fa)
    noise_fa = rng.standard_normal((nf, 4)) if nf else np.empty((0, 4))
    counts[ST_LOOKS] += m
    counts[ST_DETECTIONS] += nd
    counts[ST_FALSE_ALARMS] += nf
    counts[ST_MERGED] += merged
    counts[ST_REFUSED] += refused
    out = measure(t, nr, wf, wi, noise_det, fa, noise_fa, launch, rc, operational)
    sensor, truth = out[1], out[6]
    for o in range(truth.size):
        c = truth[o]
        if c >= 0 and not reported[sensor[o], c]:
            reported[sensor[o], c] = True
            counts[ST_FIRST] += 1
    return out


@_jit
def scan(t, t0, aspect, states, states0, alive, rcs_table, front, side, tail, launch, rc,
         operational, tf, ti, tb, ci):
    """A whole scan without terrain in one call: :func:`scan_returns` then :func:`scan_report`.

    Draws its random numbers from the caller's generator (see :func:`scan_returns`), in this
    order: fluctuation, detector, measurement noise of the reported returns, false-alarm
    counts per radar, their positions and excesses, then their noise (the last four not
    when ``ci[CI_NOISELESS]``: see :func:`scan_report`). Adds the call's counts
    to the counts of ``ci`` and marks ``reported`` (see :func:`scan_report`). ``states0``
    (n, 6), the truth at ``t0`` (or an empty array), with ``states`` at ``t`` gives each look's
    target position and velocity (:func:`look_state`).

    The network's tables come packed, each array argument costing the call its unboxing:
    ``tf`` float64 (k n (1 + ``WF_N``),): ``next_look`` (k, n) then ``wf`` (k n, ``WF_N``);
    ``ti`` int64 (k n (1 + ``WI_N``),): ``misses`` (k, n) then ``wi`` (k n, ``WI_N``); ``tb``
    bool (3 k n,): ``tracked``, ``cue``, ``reported`` (each (k, n)); ``ci`` int64 (``CI_N``,):
    counts, cell sizes, the generator's pointers, the count of looks before the call, set
    here, and the noiseless flag (``CI_*``). ``k`` is ``rc``'s rows and ``n`` ``states``' rows.

    Returns measure's seven arrays.
    """
    (next_look, wf, misses, wi, tracked, cue, reported, counts, cell_sizes,
     rng_ptrs) = _scan_tables(rc, states, tf, ti, tb, ci)
    ci[CI_LOOKS0] = counts[ST_LOOKS]
    m, nr, merged, _ = scan_returns(t, states, alive, rcs_table, front, side, tail, aspect, rc,
                                    operational, tracked, next_look, cue, cell_sizes, wf, wi,
                                    rng_ptrs, t0, states0, launch)
    return scan_report(t, m, nr, merged, launch, rc, operational, tracked, misses, next_look,
                       wf, wi, reported, counts, rng_ptrs, ci[CI_NOISELESS] != 0)


@_jit_inline
def _scan_tables(rc, states, tf, ti, tb, ci):
    """The views of :func:`scan`'s packed tables: ``next_look``, ``wf``, ``misses``, ``wi``,
    ``tracked``, ``cue``, ``reported``, ``counts``, ``cell_sizes`` and ``rng_ptrs``."""
    k = rc.shape[0]
    n = states.shape[0]
    kn = k * n
    return (tf[:kn].reshape((k, n)), tf[kn:].reshape((kn, WF_N)), ti[:kn].reshape((k, n)),
            ti[kn:].reshape((kn, WI_N)), tb[:kn].reshape((k, n)),
            tb[kn:2 * kn].reshape((k, n)), tb[2 * kn:].reshape((k, n)),
            ci[CI_COUNTS:CI_COUNTS + ST_N], ci[CI_CELLS:CI_CELLS + 4],
            ci[CI_RNG:CI_RNG + 5].view(np.uintp))


@_jit
def scan_truth(t, t0, aspect, states, states0, alive, rcs_table, front, side, tail, launch,
               rc, operational, tf, ti, tb, ci):
    """:func:`scan` of a noiseless network (``ci[CI_NOISELESS]`` set) with only the columns a
    truth tracker reads: the same draws (fluctuation and detector only), tables, counts and
    marks of ``reported``; the reports as :func:`measure_truth`'s two arrays. No range rate
    is computed (``rates`` off: the looks' velocities are not written, the returns'
    ``RF_RDOT`` are NaN).

    Raises ``ValueError`` for a network that is not noiseless.
    """
    if ci[CI_NOISELESS] == 0:
        raise ValueError("scan_truth: the network is not noiseless (ci[CI_NOISELESS] is 0)")
    (next_look, wf, misses, wi, tracked, cue, reported, counts, cell_sizes,
     rng_ptrs) = _scan_tables(rc, states, tf, ti, tb, ci)
    ci[CI_LOOKS0] = counts[ST_LOOKS]
    m, nr, merged, _ = scan_returns(t, states, alive, rcs_table, front, side, tail, aspect, rc,
                                    operational, tracked, next_look, cue, cell_sizes, wf, wi,
                                    rng_ptrs, t0, states0, launch, False)
    nd = 0
    refused = 0
    if m:  # as scan_report, noiseless
        nd, refused = update_tracks(m, nr, rc, wf, wi, tracked, misses, next_look)
    counts[ST_LOOKS] += m
    counts[ST_DETECTIONS] += nd
    counts[ST_MERGED] += merged
    counts[ST_REFUSED] += refused
    fo, io = measure_truth(t, nr, nd, wf, wi, launch, rc, operational)
    for o in range(io.shape[0]):
        i = io[o, TI_SENSOR]
        c = io[o, TI_TARGET]
        if not reported[i, c]:
            reported[i, c] = True
            counts[ST_FIRST] += 1
    return fo, io


# --------------------------------------------------------------------------------------------
# Where the last call looked (for the tracker's scan bookkeeping)


@_jit
def looked_at(rc, pos, m, wf, wi, edge_beams):
    """Whether some radar looked at each point during the call just made, shape (q,) bool:
    :func:`looked_by` of any radar (the radars after the first that looked are not tried)."""
    return _look_table(rc, pos, m, wf, wi, edge_beams, False)[:, 0]


@_jit
def looked_by(rc, pos, m, wf, wi, edge_beams):
    """Whether each radar looked at each point during the call just made, (q, n_radars) bool.

    ``pos`` (q, 3) ENU, m. A radar looked at a point inside its coverage (:func:`pair_geometry`;
    terrain is not checked here: with terrain the network clears the pairs of this table whose
    line of sight it masks) when its sweep passed the point's azimuth in the call (the arithmetic of
    :func:`scan_looks`: the point's sweep fraction ``f`` lies less than ``SW_FRAC`` behind the
    sweep's end phase ``SW_PHASE``; a call that swept a whole turn or frame passed every
    azimuth), or, for an electronic or cued radar, when one of the call's looks
    ``wi[:m]``/``wf[:m]`` (its track revisits; a cued radar's acquisition looks) pointed within
    one beamwidth of the point. ``edge_beams`` beamwidths
    at both ends of a partial sweep count as not looked at (the point's azimuth is a track's
    estimate; a look there belongs to this call or the next). A radar that neither swept nor
    dwelt in the call (stopped, or no time elapsed) looked nowhere.
    """
    return _look_table(rc, pos, m, wf, wi, edge_beams, True)


@_jit
def _look_table(rc, pos, m, wf, wi, edge_beams, per_radar):
    # looked_by's table (q, n_radars); without per_radar one column, any radar (stops at the
    # first radar that looked).
    k = rc.shape[0]
    q = pos.shape[0]
    out = np.zeros((q, k if per_radar else 1), np.bool_)
    g = np.empty(5)
    # The electronic radars' looks grouped by radar (a counting sort), as unit lines of sight.
    start = np.zeros(k + 1, np.int64)
    for j in range(m):
        i = wi[j, LI_RADAR]
        if rc[i, RC_ELECTRONIC] != 0.0:
            start[i + 1] += 1
    for i in range(k):
        start[i + 1] += start[i]
    u = np.empty((start[k], 3))
    fill = start[:k].copy()
    for j in range(m):
        i = wi[j, LI_RADAR]
        if rc[i, RC_ELECTRONIC] == 0.0:
            continue
        r = fill[i]
        fill[i] += 1
        s = 0.0
        for a in range(3):
            u[r, a] = wf[j, LF_POS + a] - rc[i, G_ANT + a]
            s += u[r, a] * u[r, a]
        s = math.sqrt(s)
        for a in range(3):
            u[r, a] = u[r, a] / s if s > 0.0 else 0.0
    for p in range(q):
        x = pos[p, 0]
        y = pos[p, 1]
        z = pos[p, 2]
        for i in range(k):
            frac = rc[i, SW_FRAC]
            dwells = start[i + 1] > start[i]
            if not (frac > 0.0 or dwells):  # no sweep and no dwell (a cued radar sweeps none)
                continue
            dx = x - rc[i, G_ANT]
            dy = y - rc[i, G_ANT + 1]
            dz = z - rc[i, G_ANT + 2]
            d2 = dx * dx + dy * dy + dz * dz
            hi = rc[i, G_HI + 2]
            if d2 > hi * hi:  # beyond range (pair_geometry decides the rest)
                continue
            # A whole turn or frame passed every azimuth (the sector is pair_geometry's).
            swept = frac >= 1.0
            if not swept and frac > 0.0:
                a = math.atan2(dx, dy) - rc[i, RC_SWEEP_START]
                a -= _TWO_PI * math.floor(a * _INV_TWO_PI)
                f = a / rc[i, RC_SWEEP]
                if f <= 1.0:
                    behind = rc[i, SW_PHASE] - f
                    behind -= math.floor(behind)
                    e = edge_beams * rc[i, RC_BEAM] / rc[i, RC_SWEEP]
                    swept = e <= behind and behind < frac - e
            if not swept and dwells:  # a revisit (or a cued look) within a beamwidth
                c = math.cos(rc[i, RC_BEAM]) * math.sqrt(d2)
                for r in range(start[i], start[i + 1]):
                    if u[r, 0] * dx + u[r, 1] * dy + u[r, 2] * dz >= c:
                        swept = True
                        break
            if swept:
                cov, _ = pair_geometry(rc, i, x, y, z, g, False)
                if cov:
                    if not per_radar:
                        out[p, 0] = True
                        break
                    out[p, i] = True
    return out
