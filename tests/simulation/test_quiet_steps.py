"""The loop's quiet steps in one compiled call (:meth:`airdefense.simulation.loop._Run._quiet`,
:func:`airdefense.simulation._kernels.quiet_steps`) give the run of the steps one by one
(``loop._FUSED_STEPS = False``): the same events, tables and summary, and the same state left
behind (every generator's state, the tracker's, the class memory, the radars' first reports,
the rounds'), whatever ends a stretch of quiet steps."""

from __future__ import annotations

import collections

import numpy as np
import pandas as pd
import pytest

from airdefense import load_scenario
from airdefense.simulation import _kernels as SK
from airdefense.simulation import loop
from airdefense.tracking.truth import TruthTracker
from tests.conftest import EXAMPLES

EXAMPLE2 = EXAMPLES / "02_layered_city.yaml"


def _run(sc, seed, fused: bool, monkeypatch) -> tuple:
    """One truth-mode run with the quiet steps on or off: its result and final state."""
    with monkeypatch.context() as m:
        m.setattr(loop, "_FUSED_STEPS", fused)
        run = loop._Run(sc, seed, "truth", None)
        res = run.run()
    return res, run


def _state(run) -> dict:
    """What the run's stages leave behind, as plain arrays and numbers."""
    tr, eng, cls = run.tracker, run.engagement, run.book.classes
    ic = eng.icpt
    out = {f"rng_{k}": repr(g.bit_generator.state) for k, g in run.rng.items()}
    n = run.n  # (the tracker's integers but its scratch rows of new tracks and generator link)
    out.update(tr_f=tr._tf, tr_i=np.r_[tr._ti[:3 * n], tr._ti[4 * n:4 * n + 1]],
               tr_time=tr.time_s, new_tracks=tr.new_tracks,
               mem_i=cls._mem_i, mem_f=cls._mem_f, last_codes=cls.last_codes(),
               seen=run.seen, first_reports=run._first_reports,
               net_first=run.sensors.first_reports, ic_f=ic._f[:ic.n], ic_i=ic._i[:ic.n],
               ic_b=ic._b[:ic.n], kill_t=run.kill_t, status=run.status,
               chan=run._decide_memo[7], alive=run._alive_mask,
               tracks_x=run.tracks.x, tracks_id=run.tracks.track_id,
               solutions=len(getattr(run.assigner, "last_solutions", ())))
    return out


def _assert_same(a, b, ra, rb) -> None:
    for name in ("events", "threats", "interceptors", "assets", "refused"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert repr(a.summary) == repr(b.summary)
    sa, sb = _state(ra), _state(rb)
    for k in sa:
        if isinstance(sa[k], np.ndarray):
            np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)
        else:
            assert sa[k] == sb[k], k


class _Spy:
    """Counts the quiet steps' calls, the steps they made and where they stopped (a stop
    before a step by what was due in it)."""

    def __init__(self, monkeypatch):
        self.stops: collections.Counter = collections.Counter()
        self.steps = 0
        self.declined_cues = 0
        self.launch_stop = -1  # the step the last stop for a launch came before
        kernel = SK.quiet_steps
        quiet = loop._Run._quiet

        def spy_kernel(iv, fv, *args):
            k0 = int(iv[SK.QI_K])
            out = kernel(iv, fv, *args)
            self.steps += int(iv[SK.QI_K]) - k0
            if int(iv[SK.QI_SENSED]) and k0 == iv[SK.QI_K_END] - loop._PREFETCH:
                self.stops["block start"] += 1  # (a start, not a stop)
            if int(iv[SK.QI_SENSED]) and k0 == self.launch_stop:
                self.stops["after launch"] += 1  # (the step it stopped before, launched)
            phase = int(iv[SK.QI_PHASE])
            if phase == SK.QS_DUE:
                eng = self.run.engagement
                t1 = fv[SK.QF_T1]
                for why, due in (("assessment", eng.next_assessment_s),
                                 ("reload", eng.launchers.next_reload_s)):
                    if t1 >= due:
                        self.stops[why] += 1
            if phase != SK.QS_BEFORE:
                self.stops[("inside", phase)] += 1
                return out
            k = int(iv[SK.QI_K])
            t1 = min((k + 1) * fv[SK.QF_DT], fv[SK.QF_END])
            if k >= iv[SK.QI_K_END]:
                self.stops["prefetch"] += 1
            elif t1 > fv[SK.QF_LAUNCH]:
                self.stops["launch"] += 1
                self.launch_stop = k
            elif t1 >= fv[SK.QF_LIMIT]:
                self.stops["end"] += 1
            return out

        def spy_quiet(run, k, t, t1, *args):
            self.run = run
            eng = run.engagement
            if run._cued and eng.round_changes != run._cue_changes and not eng._queue:
                self.declined_cues += 1
            return quiet(run, k, t, t1, *args)

        monkeypatch.setattr(SK, "quiet_steps", spy_kernel)
        monkeypatch.setattr(loop._Run, "_quiet", spy_quiet)


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_quiet_steps_give_the_steps_one_by_one_example2(seed, monkeypatch):
    """Example 2 (truth tracking, several seeds): the same results and final state with the
    quiet steps compiled as step by step; most steps are made in the compiled calls."""
    sc = load_scenario(EXAMPLE2)
    res0, run0 = _run(sc, seed, False, monkeypatch)
    spy = _Spy(monkeypatch)
    res1, run1 = _run(sc, seed, True, monkeypatch)
    _assert_same(res0, res1, run0, run1)
    n_steps = int(np.ceil(run1.tracker.time_s / sc.config.step_s))
    assert spy.steps > 0.5 * n_steps


def test_stretches_end_for_every_reason_and_results_hold(monkeypatch):
    """Over example 2's seeds 2 to 5 the quiet stretches end for each reason (a launch, an
    end of flight, an assessment or reload due, the prefetch boundary, rounds lost or
    ended, a picture taking a new buffer (the tracker's buffer made small enough to fill),
    a screen allowing some pair, cues to update; an assessment or reload due ends it after
    the step's picture), some start at a prefetched block's first step or at the step a
    launch stopped one before (its launches made first), and every run equals the steps one
    by one."""
    sc = load_scenario(EXAMPLE2)
    monkeypatch.setattr(TruthTracker, "_PICTURE_STEPS", 32)
    spies = collections.Counter()
    for seed in (2, 3, 4, 5):
        res0, run0 = _run(sc, seed, False, monkeypatch)
        with monkeypatch.context() as m:
            spy = _Spy(m)
            res1, run1 = _run(sc, seed, True, m)
        _assert_same(res0, res1, run0, run1)
        spies.update(spy.stops)
        spies["cues"] += spy.declined_cues
    for why in ("launch", "end", "assessment", "reload", "prefetch", "block start",
                "after launch", "cues",
                ("inside", SK.QS_FLOWN), ("inside", SK.QS_SENSED), ("inside", SK.QS_DUE),
                ("inside", SK.QS_SCREENED)):
        assert spies[why] > 0, why


def test_short_blocks_and_small_picture_buffers(monkeypatch):
    """Prefetched blocks of 16 steps and picture buffers of 2 steps (many stretches end at a
    block's end or a new buffer, most blocks' first steps start one): the same results and
    state as the steps one by one."""
    sc = load_scenario(EXAMPLE2)
    monkeypatch.setattr(loop, "_PREFETCH", 16)
    monkeypatch.setattr(TruthTracker, "_PICTURE_STEPS", 2)
    res0, run0 = _run(sc, 2, False, monkeypatch)
    with monkeypatch.context() as m:
        spy = _Spy(m)
        res1, run1 = _run(sc, 2, True, m)
    _assert_same(res0, res1, run0, run1)
    blocks = int(np.ceil(run1.tracker.time_s / sc.config.step_s)) // 16
    assert spy.stops["block start"] > 0.5 * blocks
    assert spy.stops["prefetch"] > 0.25 * blocks
    assert spy.stops[("inside", SK.QS_SENSED)] > 0


@pytest.mark.parametrize("example", ["01_drone_wave.yaml", "03_battery_strike.yaml",
                                     "04_standoff_strike.yaml"])
def test_quiet_steps_other_examples(example, monkeypatch):
    """The other examples (truth tracking): the same results and state, quiet steps on or
    off (a run the quiet steps do not take stays as it is)."""
    sc = load_scenario(EXAMPLES / example)
    res0, run0 = _run(sc, 1, False, monkeypatch)
    res1, run1 = _run(sc, 1, True, monkeypatch)
    _assert_same(res0, res1, run0, run1)


def test_the_comparison_sees_a_cycle_screened_off_time_or_a_draw_skipped(monkeypatch):
    """The check above is not blind: a run whose decision screen is made once more, half a
    step after a cycle (its class memory sees the tracks once more), or whose tracker's
    generator gives one draw more, is told apart from the steps one by one."""
    sc = load_scenario(EXAMPLE2)
    res0, run0 = _run(sc, 3, False, monkeypatch)
    screen = loop.screen_cycle
    extra = []

    def again(assigner, t, *a, **k):
        n = screen(assigner, t, *a, **k)
        if not extra and t > 100.0 and n in (-2, 0):
            extra.append(t)
            screen(assigner, t + 0.5 * sc.config.step_s, *a, **k)
        return n

    with monkeypatch.context() as m:
        m.setattr(loop, "screen_cycle", again)
        res1, run1 = _run(sc, 3, False, m)
    assert extra
    with pytest.raises(AssertionError):
        _assert_same(res0, res1, run0, run1)
    begin = loop._Run._sense_truth
    skipped = []

    def skip_one(self, t0, t1, alive):
        if not skipped and t1 > 100.0:
            skipped.append(self.tracker.rng.standard_normal())
        return begin(self, t0, t1, alive)

    with monkeypatch.context() as m:
        m.setattr(loop._Run, "_sense_truth", skip_one)
        res2, run2 = _run(sc, 3, False, m)
    with pytest.raises(AssertionError):
        _assert_same(res0, res2, run0, run2)
