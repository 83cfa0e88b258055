"""ThreatSet.prefetch and the batched ``states_many``: the same bits as one instant at a time.

The reference is the per-instant path itself (``trajectory.states(t)``, checked against
independent references in ``test_kernels.py``); every comparison is on the raw bytes, so a sign
of zero or a last-bit difference fails.
"""

from __future__ import annotations

import functools
import gc
import weakref
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.errors import AirDefenseError
from airdefense.scenario.loader import load_scenario
from airdefense.threats import build_threats
from airdefense.threats.base import PiecewiseLinearTrajectory, ThreatSet
from airdefense.threats.sampled import CompositeTrajectory, HermiteTrajectory

from .conftest import Ridge

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MIXED = Path(__file__).parent / "data" / "mixed_raid.yaml"
RAIDS = [("01_drone_wave", "physical"), ("02_layered_city", "physical"),
         ("03_battery_strike", "physical"), ("mixed", "physical"), ("mixed_ridge", "physical"),
         ("mixed", "straight"), ("02_layered_city", "straight")]


@functools.cache
def _raid(name: str, model: str, seed: int) -> ThreatSet:
    """A built raid (cached: the tests only read it or reset its prefetch)."""
    if name.startswith("mixed"):
        sc = load_scenario(MIXED)
        if name == "mixed_ridge":  # cruise missiles and helicopters follow the terrain
            sc.terrain = Ridge(60000.0, 600.0, 4000.0)
    else:
        sc = load_scenario(EXAMPLES / f"{name}.yaml")
    return build_threats(sc, np.random.default_rng(seed), model=model)


def _knots(th: ThreatSet) -> np.ndarray:
    """Instants where a piece of some trajectory starts or ends: launches, ends, samples, knots."""
    tr = th.trajectory
    parts = [tr] if not isinstance(tr, CompositeTrajectory) else [p for _, p in tr.parts]
    out = [th.launch_time_s, th.end_time_s]
    for p in parts:
        if isinstance(p, PiecewiseLinearTrajectory):
            out.append(p.knot_t.ravel())
        elif isinstance(p, HermiteTrajectory):
            out.append((p.t0[:, None] + p.dt[:, None] * np.arange(6)).ravel())
            out.append(p.end)
            if hasattr(p, "w0"):
                out.append(p.w0)
        else:  # route flights: the pieces of the speed profile s(t - t0)
            brk = p._speed.breaks
            out.append((p.t0[:, None] + np.where(np.isfinite(brk), brk, 0.0)).ravel())
    t = np.concatenate(out)
    return np.unique(t[np.isfinite(t)])


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@st.composite
def _instants(draw, th: ThreatSet) -> list[float]:
    """Up to 24 instants: inside and outside the raid, on knots and a last bit either side."""
    knots = _knots(th)
    lo, hi = float(th.launch_time_s.min()), float(th.end_time_s.max())
    on_knot = st.sampled_from(knots).flatmap(lambda k: st.sampled_from(
        [float(k), float(np.nextafter(k, -np.inf)), float(np.nextafter(k, np.inf))]))
    anywhere = st.floats(lo - 600.0, hi + 600.0, allow_nan=False)
    special = st.sampled_from([np.inf, -np.inf, 0.0, -0.0, lo - 1e6, hi + 1e6])
    return draw(st.lists(st.one_of(on_knot, anywhere, special), min_size=1, max_size=24))


@pytest.mark.parametrize("name,model", RAIDS)
@settings(max_examples=25, deadline=None)
@given(data=st.data(), seed=st.sampled_from([1, 2]))
def test_prefetched_states_are_the_per_instant_bits(name, model, data, seed):
    """After prefetch, states(t) is a read-only dict hit with the per-instant bits."""
    th = _raid(name, model, seed)
    times = data.draw(_instants(th))
    th.prefetch(times)
    for t in times:
        got = th.states(t)
        assert not got.flags.writeable
        assert got.flags.c_contiguous
        want = th.trajectory.states(t)
        assert _same(got, want), f"t={t!r}"
    th.prefetch([])


@pytest.mark.parametrize("name,model", RAIDS)
def test_step_grid_of_a_whole_raid(name, model):
    """The loop's step end times, in chunks of 128: every one equals its per-instant states."""
    th = _raid(name, model, 3)
    dt = 1.0
    end = float(th.end_time_s.max()) + 5.0
    grid = [min((k + 1) * dt, end) for k in range(int(np.ceil(end / dt)))]
    calls = 0
    for i in range(0, len(grid), 128):
        th.prefetch(grid[i:i + 128])
        block = th.__dict__["_prefetched"]
        for t in grid[i:i + 128]:
            got = th.states(t)
            assert got is block[float(t)]
            calls += 1
            assert _same(got, th.trajectory.states(t))
    assert calls == len(grid)
    th.prefetch([])


def test_states_many_of_each_part_matches_per_instant():
    """Each trajectory class's states_many rows are its states(t) bits, knots included."""
    th = _raid("mixed_ridge", "physical", 1)
    times = np.concatenate([_knots(th)[::7], [-np.inf, np.inf, 1e9]])
    for _, part in th.trajectory.parts:
        many = part.states_many(times)
        assert many.shape == (times.size, part.n, 6)
        for k, t in enumerate(times):
            assert _same(many[k], part.states(float(t)))
    straight = _raid("mixed", "straight", 1).trajectory
    times = np.concatenate([straight.knot_t.ravel(), [-np.inf, np.inf]])
    many = straight.states_many(times)
    for k, t in enumerate(times):
        assert _same(many[k], straight.states(float(t)))


def test_hermite_states_many_with_padded_rows():
    """Rows with fewer valid samples (padding) interpolate the same batched and alone."""
    rng = np.random.default_rng(7)
    pos, vel = rng.normal(0, 100, (3, 9, 3)), rng.normal(0, 10, (3, 9, 3))
    tr = HermiteTrajectory(np.array([0.0, 5.0, -3.0]), np.array([0.5, 1.0, 0.25]),
                           np.array([4.0, 9.5, -1.5]), pos, vel, count=np.array([9, 6, 7]))
    times = np.r_[np.arange(-5.0, 15.0, 0.125), -np.inf, np.inf]
    many = tr.states_many(times)
    for k, t in enumerate(times):
        assert _same(many[k], tr.states(float(t)))


class _Counting:
    """A trajectory with no batched path that counts its evaluations."""

    def __init__(self, inner) -> None:
        self.inner, self.n, self.calls = inner, inner.n, 0

    def states(self, t: float) -> np.ndarray:
        self.calls += 1
        return self.inner.states(t)


def _with_trajectory(th: ThreatSet, traj) -> ThreatSet:
    fields = {k: getattr(th, k) for k in th.__dataclass_fields__}
    return ThreatSet(**{**fields, "trajectory": traj})


def test_trajectory_without_batched_path_falls_back():
    """prefetch evaluates a plain trajectory once per distinct instant, then serves hits."""
    th = _raid("mixed", "physical", 1)
    plain = _Counting(th.trajectory)
    ts = _with_trajectory(th, plain)
    times = [100.0, 200.0, 100.0, 3000.5]
    ts.prefetch(times)
    assert plain.calls == 3
    for t in times:
        got = ts.states(t)
        assert not got.flags.writeable and _same(got, th.trajectory.states(t))
    assert plain.calls == 3  # every states(t) above was a hit


def test_composite_parts_without_batched_path_fall_back():
    """A composite part with only states(t) is evaluated per instant inside states_many."""
    th = _raid("mixed_ridge", "physical", 2)
    comp = th.trajectory
    plain = [(rows, _Counting(p)) for rows, p in comp.parts]
    mixed = CompositeTrajectory(comp.n, [comp.parts[0], plain[1]], comp.rcs_front_m2,
                                comp.rcs_side_m2, comp.rcs_tail_m2)
    times = np.r_[_knots(th)[::5], np.inf]
    many = mixed.states_many(times)
    assert plain[1][1].calls == times.size
    for k, t in enumerate(times):
        assert _same(many[k], comp.states(float(t)))


def test_memo_serves_other_instants_and_prefetch_replaces_the_block():
    """Instants outside the block go through the memo; a new prefetch frees the old block."""
    th = _raid("02_layered_city", "physical", 1)
    th.prefetch([10.0, 11.0])
    base = weakref.ref(th.states(10.0).base)
    other = th.states(10.5)
    assert th.states(10.5) is other  # memoised
    assert _same(other, th.trajectory.states(10.5))
    th.prefetch([12.0])
    gc.collect()
    assert base() is None
    again = th.states(10.0)  # no longer prefetched: computed, same bits
    assert again.base is None and _same(again, th.trajectory.states(10.0))
    th.prefetch([])
    assert th.__dict__["_prefetched"] is None


def test_prefetch_rejects_two_dimensional_times():
    """Times must be a flat sequence of instants."""
    th = _raid("01_drone_wave", "physical", 1)
    with pytest.raises(AirDefenseError, match=r"times must be one-dimensional .* shape \(2, 2\)"):
        th.prefetch([[1.0, 2.0], [3.0, 4.0]])


def test_states_takes_any_number_equal_to_a_prefetched_instant():
    """Ints, NumPy scalars and 0-d arrays equal to a prefetched instant get its block row; the
    instant of a string is parsed as before; a non-number is still refused."""
    th = _raid("02_layered_city", "physical", 1)
    th.prefetch([10.0, 11.0, 11.0])
    row = th.states(11.0)
    for t in (11, np.float64(11.0), np.float32(11.0), np.int64(11), np.array(11.0), "11.0"):
        assert th.states(t) is row
    assert _same(row, th.trajectory.states(11.0))
    with pytest.raises(TypeError, match="float"):
        th.states([11.0])
    th.prefetch([])


@pytest.mark.parametrize("name,model", RAIDS)
def test_one_threats_state_is_its_row_of_the_states(name, model):
    """``ThreatSet.state_of(t, k)`` (one threat computed alone where its part can) is row
    ``k`` of ``states(t)``, byte for byte, at every knot, launch and end (and between, before
    and after the raid), for a prefetched instant, a memoised one and one neither holds."""
    th = _raid(name, model, 4)
    th.prefetch([])
    th._cache = None
    knots = _knots(th)
    step = max(1, knots.size // 60)
    between = (knots[:-1] + 0.37 * np.diff(knots))[::step]
    ts = np.concatenate([knots[::step], between, [-50.0, knots[-1] + 100.0]])
    for t in ts.tolist():
        fresh = th.trajectory.states(t)
        for k in range(len(th)):
            assert _same(th.state_of(t, k), fresh[k]), (t, k)
    t = float(ts[3])
    th.prefetch([t])
    assert th.state_of(t, 1) is not None and _same(th.state_of(t, 1), th.states(t)[1])
    th.prefetch([])
    memo = th.states(t)  # memoised now: the row is read from it
    assert np.shares_memory(th.state_of(t, 2), memo)


def test_one_threats_state_without_a_row_path():
    """A trajectory without ``state_of`` (straight legs) gives the row of its states."""
    th = _raid("02_layered_city", "straight", 4)
    th.prefetch([])
    th._cache = None
    assert not hasattr(th.trajectory, "state_of")
    for t in (10.0, 333.3, 1e6):
        assert _same(th.state_of(t, 5), th.trajectory.states(t)[5])
