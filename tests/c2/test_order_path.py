"""The ordering cycle's shortcuts change no result: options built without counting the pairs
first (``some_pair``, where the cycle's screen found some pair allowed), and the cycle's WTA
problem built from the options kernel's fields without checks or copies."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from c2_pictures import LAYERED, Picture, drone_wave
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense import load_scenario
from airdefense.assignment import WTAProblem, make_solver
from airdefense.c2 import make_assigner
from airdefense.c2._kernels import wta_problem
from airdefense.c2._options import _allowed_options, _evaluated_options
from airdefense.c2.evaluation import KINDS, evaluate_threats


@pytest.fixture(scope="module")
def scene():
    return load_scenario(LAYERED)


def _orders(o) -> tuple:
    return tuple(np.asarray(getattr(o, f)).tobytes() for f in (
        "track_id", "target", "battery", "launcher", "rounds", "intercept_time_s",
        "intercept_enu"))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 10),
       st.sampled_from(["greedy", "heuristic", "exact"]), st.sampled_from([0.0, 0.05]),
       st.booleans())
def test_some_pair_gives_the_options_and_orders_of_the_count(scene, seed, m, name,
                                                             cost_weight, networked):
    """Options and orders are the same, bit for bit, whether the pairs are counted first
    or not; where no pair is allowed (no rounds left) both give no options and no order."""
    pic = Picture(scene, drone_wave(m, np.random.default_rng(seed)))
    asg = make_assigner(name, cost_weight=cost_weight, networked=networked)
    assert asg.decide_some_pair
    prof = bool(asg.options_profitable_only)
    for empty in (False, True):
        if empty:
            pic.launchers.rounds[:] = 0
        a = _allowed_options(asg, *pic.args(), profitable_only=prof)
        b = _allowed_options(asg, *pic.args(), profitable_only=prof, some_pair=True)
        assert (a is None) == (b is None)
        if empty:
            assert a is None
        if a is not None:
            for f in a.__dataclass_fields__:
                x, y = getattr(a, f), getattr(b, f)
                assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), f
        u, v = copy.deepcopy(asg), copy.deepcopy(asg)
        o1 = u.decide(*pic.args())
        o2 = v.decide(*pic.args(), some_pair=True)
        assert _orders(o1) == _orders(o2)
        if empty:
            assert len(o2) == 0


def test_some_pair_picture_orders_something(scene):
    """The pictures above do give orders (the comparison is not only of empty orders)."""
    pic = Picture(scene, drone_wave(6, np.random.default_rng(1)))
    asg = make_assigner("heuristic")
    assert len(asg.decide(*pic.args(), some_pair=True)) > 0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 5), st.booleans())
def test_problem_of_the_kernel_fields_is_the_constructed_one(seed, m, n_l, mixed_caps):
    """The cycle's problem from the kernel's fields (transposed views, no checks or copies)
    holds the constructor's fields (values, dtypes, layouts, ``_q``), read-only, and the
    heuristic solves both to the same assignment, objective and generator state."""
    rng = np.random.default_rng(seed)
    allowed = rng.random((m, n_l)) < 0.6
    allowed[0, 0] = True
    pk = rng.uniform(0.0, 1.0, (m, n_l))
    value = rng.uniform(0.0, 1e6, m)
    cap = rng.integers(0, 4, n_l)
    pair_cap = (rng.integers(1, 4, (m, n_l)) if mixed_caps
                else np.repeat(rng.integers(1, 4, (m, 1)), n_l, axis=1))
    cost = rng.uniform(0.0, 1e5, n_l)
    tg, w, values, p_t, copies, cost_w, a_t, mpt, pc_t = wta_problem(
        allowed, pk, value, cap, pair_cap, cost, np.arange(n_l))
    lam = float(rng.choice([0.0, 1e-3]))
    built = WTAProblem(values=values, p=p_t.T, copies=copies, cost=cost_w, cost_weight=lam,
                       allowed=a_t.T, max_per_target=mpt, max_per_pair=pc_t.T)
    fast = WTAProblem._of_fields(values.copy(), p_t.T, copies[:], cost_w.copy(), lam, a_t.T,
                                 mpt.copy(), np.ascontiguousarray(pc_t.T))
    for f in ("values", "p", "copies", "cost", "allowed", "max_per_target", "max_per_pair",
              "_q"):
        a, b = getattr(built, f), getattr(fast, f)
        assert a.dtype == b.dtype and a.shape == b.shape, f
        assert a.flags.c_contiguous == b.flags.c_contiguous, f
        assert a.flags.f_contiguous == b.flags.f_contiguous, f
        assert a.tobytes(order="A") == b.tobytes(order="A"), f
        assert not b.flags.writeable, f
    assert fast.cost_weight == built.cost_weight
    # The caller's arrays behind the views stay writable (the cycle's cuts change them).
    assert p_t.flags.writeable and a_t.flags.writeable and copies.flags.writeable
    solver = make_solver("heuristic", max_kicks=2)
    r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
    s1 = solver.solve(built, time_limit_s=60.0, rng=r1)
    s2 = solver.solve(fast, time_limit_s=60.0, rng=r2)
    assert s1.x.tobytes() == s2.x.tobytes() and s1.objective == s2.objective
    assert r1.bit_generator.state == r2.bit_generator.state


def _reference_orders(t, x, opt, tracks, launchers, channels_free):
    """``orders_from_rounds`` as it was written in Python (until 2026-11-27): the reference."""
    from airdefense.c2.base import Orders

    x = np.where(opt.allowed, np.minimum(x, opt.pair_cap), 0)
    ii, jj = np.nonzero(x)
    if ii.size == 0:
        return Orders.from_rows([])
    if ii.size > 1:
        gain = opt.value[ii] * opt.pk[ii, jj]
        order = np.argsort(-gain, kind="stable")
        ii, jj = ii[order], jj[order]
    cap = opt.cap.copy()
    chan = channels_free.copy()
    nb = opt.nonballistic_cap.copy()
    fc = launchers.fire_control
    lb = launchers.battery
    at_track: dict = {}
    rows = []
    for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
        key = (i, int(lb[j]))
        n = int(min(x[i, j], cap[j], opt.pair_cap[i, j] - at_track.get(key, 0)))
        if chan[fc[j]] >= 0:
            n = min(n, int(chan[fc[j]]))
        if not opt.ballistic[i]:
            n = min(n, int(nb[lb[j]]))
        if n <= 0:
            continue
        at_track[key] = at_track.get(key, 0) + n
        cap[j] -= n
        if chan[fc[j]] >= 0:
            chan[fc[j]] -= n
        if not opt.ballistic[i]:
            nb[lb[j]] -= n
        rows.append((int(tracks.track_id[i]), int(tracks.truth_id[i]), int(lb[j]), j, n,
                     t + float(opt.tof[i, j]), opt.pip[i, j]))
    return Orders.from_rows(rows)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 7), st.integers(1, 6), st.booleans())
def test_orders_from_rounds_equal_the_reference(seed, m, n_l, ties):
    """Random rounds, options and limits (channels, reserve, shared pair caps, equal gains):
    the same orders, in the same order, with the same dtypes as the reference."""
    from types import SimpleNamespace

    from airdefense.c2._options import Options
    from airdefense.c2.greedy import orders_from_rounds

    rng = np.random.default_rng(seed)
    B, S = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    value = rng.choice([1.0, 2.0], m) if ties else rng.uniform(0, 10, m)
    pk = rng.choice([0.5, 1.0], (m, n_l)) if ties else rng.uniform(0, 1, (m, n_l))
    opt = Options(allowed=rng.random((m, n_l)) < 0.7, pk=pk,
                  pair_cap=rng.integers(0, 4, (m, n_l)), cap=rng.integers(0, 4, n_l),
                  value=value, tof=rng.uniform(1, 60, (m, n_l)),
                  pip=rng.uniform(-1e4, 1e4, (m, n_l, 3)),
                  nonballistic_cap=rng.integers(0, 5, B), ballistic=rng.random(m) < 0.3)
    tracks = SimpleNamespace(track_id=rng.permutation(100)[:m],
                             truth_id=rng.integers(-1, 50, m))
    launchers = SimpleNamespace(battery=rng.integers(0, B, n_l),
                                fire_control=rng.integers(0, S, n_l))
    chan = rng.integers(-1, 4, S)
    x = rng.integers(0, 4, (m, n_l))
    t = float(rng.uniform(0, 100))
    before = (chan.copy(), opt.cap.copy(), opt.nonballistic_cap.copy())
    got = orders_from_rounds(t, x, opt, tracks, launchers, chan)
    after = (chan, opt.cap, opt.nonballistic_cap)
    want = _reference_orders(t, x, opt, tracks, launchers, chan)
    for f in ("track_id", "target", "battery", "launcher", "rounds", "intercept_time_s",
              "intercept_enu"):
        a, b = getattr(got, f), getattr(want, f)
        assert a.dtype == b.dtype and a.shape == b.shape, f
        assert a.tobytes() == b.tobytes(), f
    for a, b in zip(before, after, strict=True):  # the caller's arrays are left alone
        assert (a == b).all()


def _screen_assets(sc, damaged=None) -> tuple:
    a = sc.assets
    return (a.enu, np.asarray(a.value, float).copy(), np.ones(len(a), bool), a.hardness,
            a.lethal_radius_m, a.radius_m, None, damaged)


def _evaluated(pic, kind, assets) -> dict:
    enu, value, alive, hard, radius, area, lethal, damaged = assets
    return evaluate_threats(pic.tracks.x, enu, value, alive, P=pic.tracks.P,
                            asset_hardness=hard, asset_radius_m=radius,
                            asset_area_radius_m=area, lethal_radius_m=lethal, kind_code=kind,
                            asset_damaged=damaged)


def _same_options(a, b) -> None:
    """``a`` (the compiled call's) holds ``b``'s options, bit for bit, but for the value of
    a track no launcher may engage whatever its value (NaN in ``a``: not computed) and the
    geometry of the pairs not allowed (in ``a``: that of no intercept, or ``b``'s)."""
    assert (a is None) == (b is None)
    if a is not None:
        for f in a.__dataclass_fields__:
            x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
            if f == "value":
                skipped = np.isnan(x)
                assert not (b.allowed[skipped].any() or b.pair_cap[skipped].any())
                x, y = x[~skipped], y[~skipped]
            elif f in ("tof", "pk", "pip"):
                off = ~b.allowed
                none = {"tof": np.inf, "pk": 0.0, "pip": 0.0}[f]
                assert ((x[off] == none) | (x[off] == y[off])).all(), f
                x, y = x[b.allowed], y[b.allowed]
            assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), f


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 10), st.sampled_from(["heuristic", "exact"]),
       st.sampled_from([0.0, 0.05]), st.booleans(), st.booleans())
def test_decide_screened_is_evaluate_then_decide(scene, seed, m, name, cost_weight, networked,
                                                 booked):
    """The threat evaluation and the options in one compiled call give the options and
    orders of ``evaluate_threats`` then ``decide(..., some_pair=True)``, bit for bit (the
    tracks' classes the control unit's, shots booked or none), and the same generator
    state."""
    rng = np.random.default_rng(seed)
    pic = Picture(scene, drone_wave(m, rng))
    if booked:
        for i in pic.tracks.track_id.tolist()[::2]:
            pic.book.fired(i, 1, int(rng.integers(0, len(scene.batteries))))
    kind = rng.integers(0, len(KINDS), m)
    assets = _screen_assets(scene)
    ev = _evaluated(pic, kind, assets)
    asg = make_assigner(name, cost_weight=cost_weight, networked=networked)
    args = list(pic.args())
    n, opt = _evaluated_options(asg, *args[:2], kind, *args[3:], assets, {})
    ref = _allowed_options(asg, *args[:2], ev, *args[3:], profitable_only=True)
    assert n >= 0 and (n > 0) == (ref is not None)
    _same_options(opt, ref)
    u, v = copy.deepcopy(asg), copy.deepcopy(asg)
    o1 = u.decide(*args[:2], ev, *args[3:], some_pair=True)
    o2 = v.decide_screened(*args[:2], kind, *args[3:], assets)
    assert _orders(o1) == _orders(o2)
    assert u.rng.bit_generator.state == v.rng.bit_generator.state


def test_decide_screened_orders_something(scene):
    """The pictures above do give orders through the compiled call."""
    pic = Picture(scene, drone_wave(6, np.random.default_rng(1)))
    args = list(pic.args())
    kind = pic.evaluation["kind_code"]
    o = make_assigner("heuristic").decide_screened(*args[:2], kind, *args[3:],
                                                   _screen_assets(scene))
    assert o is not None and len(o) > 0


def test_decide_screened_memo_sees_what_a_run_replaces(scene):
    """The figures kept from cycle to cycle are read again where a run replaces them: the
    assets' damage figures (damage flags, hardness), another launchers object (the kill
    probabilities changed), and each cycle's asset values."""
    pic = Picture(scene, drone_wave(6, np.random.default_rng(3)))
    asg = make_assigner("heuristic")
    memo: dict = {}
    args = list(pic.args())
    kind = pic.evaluation["kind_code"]
    na = len(scene.assets)

    def check(assets) -> None:
        n, opt = _evaluated_options(asg, *args[:2], kind, *args[3:], assets, memo)
        ref = _allowed_options(asg, *args[:2], _evaluated(pic, kind, assets), *args[3:],
                               profitable_only=True)
        assert n > 0
        _same_options(opt, ref)

    base = _screen_assets(scene, np.zeros(na, bool))
    check(base)
    damaged = base[:7] + (np.ones(na, bool),)  # replaced, as the run replaces it
    check(damaged)
    softer = damaged[:3] + (np.zeros(na),) + damaged[4:]  # another damage law
    check(softer)
    halved = (softer[0], softer[1] * 0.5) + softer[2:]  # the values of this cycle
    check(halved)
    other = copy.deepcopy(pic.launchers)
    other.pk = other.pk * 0.5
    args[3] = other
    check(halved)


def test_decide_screened_leaves_unknown_tracks_to_the_steps(scene):
    """A track the book has no row for (negative id): None, the cycle built in steps."""
    pic = Picture(scene, drone_wave(3, np.random.default_rng(2)))
    pic.tracks.track_id[0] = -5
    args = list(pic.args())
    asg = make_assigner("heuristic")
    assert asg.decide_screened(*args[:2], pic.evaluation["kind_code"], *args[3:],
                               _screen_assets(scene)) is None
