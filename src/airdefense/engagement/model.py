"""The engagement stage: launchers, interceptors in flight, end games and kill assessment.

The simulation loop calls, each step: :meth:`Engagement.fly` (interceptor flight and end games),
:meth:`Engagement.reloads`, :meth:`Engagement.assessments_due`, and on the decision cycle
:meth:`Engagement.fire` with the control unit's orders.

:meth:`Engagement.fire` is the launchers' fire control: it refuses (skips, logging nothing) an
order whose launch time lies outside the launch window of its track (the predicted intercept
point is outside the fire decision's envelope: inside the maximum range by the far-edge margin,
above the minimum altitude by the low-edge margin, and for a round its radar guides, the radar
covering the target too), whose launcher is down, empty or inside its minimum launch
interval, or whose fire-control radar is down or has no free guidance channel. A cycle's rounds
for one launcher (one order's salvo, or the orders of several tracks) ripple: the k-th leaves
``k`` minimum launch intervals after the decision, each inside its pair's launch window. Rounds
after the first wait on the launcher (the launch queue) and leave in :meth:`Engagement.fly`;
one whose target is gone, or whose launcher or fire-control radar is down, when it is due is
cancelled (its round back on the launcher, the reason in :attr:`Engagement.refused`).

The end game (:meth:`Engagement.fly`) evaluates the fire decision's kill-probability model at
the actual end-game point and time of flight, 0 outside the launcher's envelope; the launch
Pk stays recorded next to it (:meth:`Engagement.table`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from airdefense.engagement import _kernels
from airdefense.engagement.envelope import (
    _CLASS_G,
    _codes,
    _fired_pairs,
    _launcher_rows,
    _order_pairs,
    _per_track,
    _solve,
    _track_inputs,
    feasibility,
    held_codes,
)
from airdefense.engagement.interceptors import (
    _NO_HELD,
    _SOLVE,
    CAPTURE_RADIUS_M,
    RADAR_GUIDED,
    InterceptorState,
)
from airdefense.engagement.launchers import LauncherState
from airdefense.engagement.pk import LETHAL_RADIUS_M, draw_end_game
from airdefense.geo import sphere_radius_of

__all__ = ["Engagement", "TERMINAL_S", "COVERAGE_GRACE_S", "LOST_RADAR", "LOST_LAUNCHER",
           "LOST_COVERAGE"]

#: Time to go (s) below which a guided round steers on the target itself (terminal homing).
TERMINAL_S = 3.0
#: How long (s) a radar-guided round (command, semi-active, track-via-missile) flies on while
#: its fire-control radar does not cover its target (range, sector, height and elevation
#: limits, horizon) before it is lost: about two revisits of the fire-control radars of the
#: catalog (1-2 s), the time a seeker's or the guidance computer's memory coasts through.
COVERAGE_GRACE_S = 2.0
#: ``value`` of an ``interceptor_lost`` event: why the round was lost. ``LOST_LAUNCHER`` (a
#: round still on its destroyed launcher) is no longer given: such a round is not launched
#: (its queued launch is cancelled, :meth:`Engagement.fire`); it stays for older results.
LOST_RADAR, LOST_LAUNCHER, LOST_COVERAGE = 0, 1, 2


class Engagement:
    """Launchers and interceptors of one run.

    Parameters
    ----------
    scenario : Scenario
    events : EventLog
        Where engagement events go.
    rng : numpy.random.Generator
        Source of end-game (kill) draws.
    coverage_grace_s : float, default :data:`COVERAGE_GRACE_S`
        How long a radar-guided round's fire-control radar may not cover its target before
        the round is lost, s (>= 0).
    """

    def __init__(self, scenario, events, rng: np.random.Generator, *,
                 coverage_grace_s: float = COVERAGE_GRACE_S) -> None:
        grace = float(coverage_grace_s)
        if not (grace >= 0.0 and np.isfinite(grace)):
            from airdefense.errors import AirDefenseError

            raise AirDefenseError(f"coverage_grace_s must be a finite number of seconds >= 0, "
                                  f"got {coverage_grace_s!r}")
        self.coverage_grace_s = grace
        self.sc = scenario
        self.events = events
        self.rng = rng
        self.launchers = LauncherState(scenario.launchers, scenario.sensors,
                                       getattr(scenario, "frame", None),
                                       getattr(scenario, "terrain", None))
        self.icpt = InterceptorState()
        self.icpt_type: dict[int, str] = {}
        self.icpt_outcome: dict[int, str] = {}
        # (time, interceptor (-1: a launch cancelled), track, hit, battery)
        self.assessments: list[tuple[float, int, int, bool, int]] = []
        self._next_assessment_s = np.inf  # the earliest time in ``assessments``
        self.refused: list[tuple[float, int, int, str]] = []  # (time, track, launcher, reason)
        # Rounds ordered and not yet launched (a ripple's later rounds), in launch-time order:
        # (launch time, launcher, threat, track, pip, pk, pk inputs). See fire and _release.
        self._queue: list[tuple] = []
        self._queue_gen = 0  # changes whenever the queue does (guided_targets' key)
        #: Changes whenever this engagement's own methods launch, queue, release, cancel,
        #: lose or end a round: while it stays the same, so does :meth:`guided_targets`
        #: (unless a caller changes the rounds' arrays itself; the simulation does not).
        self.round_changes = 0
        self._left_s = np.full(len(self.launchers), -np.inf)  # each launcher's last launch, s
        self._tracks = None
        self._truth = None
        self._classes = None  # the control unit's class memory (the book's, given to fire)
        self._sensor_ok = np.ones(len(scenario.sensors), bool)
        self._busy = False  # some round was active at the last look (see fly)
        self._guided: tuple = ((-1, -1), _NO_GUIDED)  # (key, pairs) of guided_targets
        self._group_g: np.ndarray | None = None  # manoeuvre limit of each raid group, g
        self._radius: float | None = None  # of the height sphere (end games), m
        self._lp: np.ndarray | None = None  # the launchers' kernel rows (flight steps)
        # What fly binds for the control unit's class memory it was given (see fire): that
        # memory, the launchers' kernel rows, and the sphere its classes are read above, m.
        self._fly_bound: tuple | None = None

    @property
    def heights(self):
        """Height of ENU points above the surface: ``(k, 3) -> (k,)``, m (the frame's)."""
        return self.sc.frame.height_m

    def in_flight(self) -> np.ndarray:
        """Ids of interceptors in flight, shape (f,)."""
        return self.icpt.in_flight()

    def guided_targets(self) -> tuple[np.ndarray, np.ndarray]:
        """Fire-control radar and target of each active radar-guided round with a target.

        The rounds that need their fire-control radar to the end (command, semi-active and
        track-via-missile guidance), flying, or ordered and waiting on their launcher (the
        launch queue, after the rounds in flight), and aimed at a threat (``target >= 0``: a
        round fired at a false track has none); in id order, then launch order. The
        simulation cues its cued radars on these pairs. A round starts only at launch (a new
        row) or in the queue, so while the rows, the number of active ones and the queue stay
        the same the answer is kept (the same arrays).

        Returns
        -------
        fire_control : ndarray of shape (g,), int64
            Sensor index of each round's fire-control radar.
        target : ndarray of shape (g,), int64
            Truth index of its target.
        """
        ic = self.icpt
        n = ic.n
        if ic._idle_n == n:  # (no round active: any_active found none since the last launch)
            key = (n, 0, self._queue_gen)
            if key == self._guided[0]:
                return self._guided[1]
        # The rows' pairs and active count in one compiled pass (most calls follow a launch
        # or an end game: the pairs are new then).
        active, fc, tg = _kernels.guided_rounds(n, ic._i, ic._b)
        key = (n, active, self._queue_gen)
        if key == self._guided[0]:
            return self._guided[1]
        L = self.launchers
        wait = [e for e in self._queue if e[2] >= 0 and L.guidance[e[1]] in RADAR_GUIDED]
        if wait:
            pairs = (np.concatenate([fc, np.array([L.fire_control[e[1]] for e in wait],
                                                  np.int64)]),
                     np.concatenate([tg, np.array([e[2] for e in wait], np.int64)]))
        else:
            pairs = (fc, tg) if fc.size else _NO_GUIDED
        self._guided = (key, pairs)
        return pairs

    def channels_free(self, sensor_ok: np.ndarray) -> np.ndarray:
        """Free guidance channels per radar, shape (S,); -1 where a radar has no channel limit.

        A round takes its channel from the order (a ripple's rounds waiting on their launcher
        hold theirs) until it ends or is lost."""
        ic = self.icpt
        # A round's fire_control is its launcher's (set at launch).
        out = _kernels.free_channels(ic.n, ic.active, ic.fire_control, self.launchers.channels,
                                     np.asarray(sensor_ok, bool))
        for e in self._queue:
            fc = self.launchers.fire_control[e[1]]
            if out[fc] > 0:
                out[fc] -= 1
        return out

    def target_g(self, threats: np.ndarray) -> np.ndarray | None:
        """Manoeuvre limits (g) of threats, from their presets; None before the truth is known."""
        if self._truth is None:
            return None
        if self._group_g is None:
            self._group_g = np.array([g.preset.max_g for g in self.sc.groups], float)
        return self._group_g[self._truth.group[np.asarray(threats, int)]]

    def geometry(self, tracks, t: float, kind_code=None, targets=None, *,
                 windows: bool | str = True, held=None) -> dict[str, np.ndarray]:
        """Envelope, window and kill probability of every track against every launcher at ``t``.

        The fire control's view: tracks are predicted with the model of the class the control
        unit holds (``held``, as :meth:`fire` reads it from the book), else of the class their
        state shows (ballistic or straight line); the kill probability uses the targets' true
        classes and manoeuvre limits when ``kind_code`` and ``targets`` are given, else the
        class held or shown.

        Parameters
        ----------
        tracks : Tracks
        t : float
            Launch time, s.
        kind_code : ndarray of shape (n,), int, optional
            True class of each threat.
        targets : ndarray of shape (m,), int, optional
            Threat each track follows.
        windows : bool or "deferred", default True
            As in :func:`airdefense.engagement.envelope.feasibility`.
        held : ndarray of shape (m,), int, optional
            The control unit's class code of each track (-1: none), e.g.
            ``book.classes.held(tracks.track_id)``. Default: none held (every track by the
            class its state shows, :func:`airdefense.c2.evaluation.class_codes`).

        Returns
        -------
        dict
            :func:`airdefense.engagement.envelope.feasibility`'s keys, each (m, L).
        """
        if held is not None:
            held = held_codes(held, len(tracks.x))
        return self._geometry(tracks.x, tracks.P, tracks.quality, tracks.time_s, t, kind_code,
                              targets, windows, held)

    def _geometry(self, x, cov, quality, time_s: float, t: float, kind_code, targets,
                  windows: bool | str, held: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """:meth:`geometry` of track states ``x`` (m, 6), covariances ``cov`` (m, 6, 6) and
        qualities ``quality`` (m,) of time ``time_s``."""
        k = self._inputs(x, cov, quality, time_s, t, kind_code, targets, held)
        if k is None:
            return feasibility(np.ascontiguousarray(x, dtype=float).reshape(-1, 6),
                               self.launchers, self.heights, t, windows=windows)
        return _solve(t, k, windows)

    def _inputs(self, x, cov, quality, time_s: float, t: float, kind_code, targets,
                held: np.ndarray | None = None) -> dict | None:
        """The compiled geometry's inputs (:func:`airdefense.engagement.envelope.
        kernel_inputs`) of the arguments of :meth:`_geometry`; None without a track or a
        launcher. ``held`` (m,): the control unit's class of each track (-1: none), which
        gives its predicted path where known. The class a state shows is read above the
        sphere of the control unit's class memory (the book's, given to :meth:`fire`), else
        of the scenario's frame."""
        _class_codes = _evaluation().class_codes
        x = np.ascontiguousarray(x, dtype=float).reshape(-1, 6)
        m = x.shape[0]
        if m == 0 or len(self.launchers) == 0:
            return None
        radius = self._class_radius()

        def class_codes(states):
            return _class_codes(states, radius)

        # The track's class gives the predicted path (its gravity): the control unit's where
        # it holds one (so that the fire control predicts the path the orders were made on),
        # else the class its state shows.
        if held is not None and (held >= 0).all():  # every track's class held
            path = held
        else:
            path = class_codes(x)
            if held is not None:
                path = np.where(held >= 0, held, path)
        g = _kernels.class_gravities(path)
        x = _propagate(x, g, t - time_s)
        tg = None
        if kind_code is not None and targets is not None:
            # The threat behind each track; a false track (target -1) has none: the class its
            # state shows, and that class's manoeuvre limit.
            tgt = np.asarray(targets, int)
            real = tgt >= 0
            if real.all():
                kind = np.asarray(kind_code)[tgt]
                tg = self.target_g(tgt)
            else:
                kind = np.where(real, np.asarray(kind_code)[np.where(real, tgt, 0)],
                                class_codes(x))
                tg = self.target_g(np.where(real, tgt, 0))
                if tg is not None:
                    tg = np.where(real, tg, _CLASS_G[kind])
        else:
            kind = class_codes(x) if held is None else np.where(held >= 0, held, class_codes(x))
        return _track_inputs(x, _codes(kind, m), g, self.launchers, self.heights, quality, cov,
                             tg, self._frame_radius())

    def _fired_figures(self, x, cov, quality, time_s: float, t: float, kind_code, targets,
                       held, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
        """:func:`airdefense.engagement.envelope._order_pairs` of :meth:`_inputs` of these
        arguments (``rows``, ``cols``: the pairs) in one compiled call, where every track's
        class is held (``held`` >= 0) and follows a threat (``targets`` >= 0) of a known
        class (``kind_code``); None otherwise (the caller takes the steps)."""
        if held is None or kind_code is None or targets is None:
            return None
        tgt = np.asarray(targets, int)
        m = tgt.shape[0]
        if (m == 0 or held.shape != (m,) or min(held.tolist()) < 0 or min(tgt.tolist()) < 0
                or cov is None or quality is None):
            return None
        x = np.ascontiguousarray(x, dtype=float).reshape(-1, 6)
        cov = np.ascontiguousarray(cov, dtype=float)
        if x.shape[0] != m or cov.shape != (m, 6, 6):
            return None
        kc, tg = self._threat_figures(kind_code, tgt, m)
        return _fired_pairs(t, x, cov, _per_track(quality, m), t - time_s,
                            np.ascontiguousarray(held, dtype=np.int64), kc, tg,
                            self._rows(), self._frame_radius(), self._pk_table(), rows, cols)

    #: The manoeuvre limit of every threat of a truth, g: ``(truth, limits (n,))``.
    _truth_g: tuple | None = None

    def _threat_figures(self, kind_code, tgt: np.ndarray, m: int) -> tuple:
        """The class codes (m,) int64 of the threats ``tgt`` (m,) (>= 0) in ``kind_code`` and
        their manoeuvre limits (m,) float, g (the groups' presets; without the truth, their
        classes'): :meth:`_fired_figures`' ``kc`` and ``tg``. The limits of every threat are
        read once for a truth (fixed for a run)."""
        truth = self._truth
        if (truth is not None and type(kind_code) is np.ndarray and kind_code.dtype == np.int64
                and kind_code.ndim == 1):
            table = self._truth_g
            if table is None or table[0] is not truth:
                table = self._truth_g = (truth, self.target_g(np.arange(truth.group.shape[0])))
            return kind_code[tgt], table[1][tgt]
        kc = _codes(np.asarray(kind_code)[tgt], m)
        tg = self.target_g(tgt)
        return kc, _per_track(_CLASS_G[kc] if tg is None else tg, m)

    #: The launchers' kill probability tables, C-contiguous floats (see _pk_table).
    _pk_c: tuple = (None, None)

    def _pk_table(self) -> np.ndarray:
        """``launchers.pk`` as C-contiguous floats (L, classes), made again only where the
        array is replaced."""
        pk = self.launchers.pk
        got = self._pk_c
        if got[0] is not pk:
            got = self._pk_c = (pk, np.ascontiguousarray(pk, dtype=float))
        return got[1]

    def fire(self, orders, t: float, kind_code: np.ndarray, book, *, tracks=None,
             sensor_ok: np.ndarray | None = None,
             channels_free: np.ndarray | None = None) -> np.ndarray:
        """Launch the interceptors of a set of orders at time ``t``.

        Orders the fire control cannot carry out are refused: nothing is fired or logged for
        them (they are listed in :attr:`refused`), among them a radar-guided round whose
        fire-control radar does not hold the threat's true position (the truth last given to
        :meth:`fly`): its illuminator or command link has no lock.

        The orders of one launcher ripple (the cycle's capacity the control unit planned
        with, :func:`airdefense.c2.firing_capacity`): its k-th round of the call, over its
        orders in their order, leaves at ``t + k * min_launch_interval_s``, each inside its
        own pair's launch window (the rounds past the window's close are cut; an order with
        none left is refused). A launcher still inside its minimum launch interval from an
        earlier call is refused. The first round leaves at ``t``; the others wait on the
        launcher (queued) and leave in :meth:`fly` at their launch times, unless their target
        is gone or their launcher or fire-control radar is down by then: the launch is then
        cancelled (listed in :attr:`refused` with the reason, the round back on the launcher
        and its kill assessment a miss at once, so that the book holds nothing pending). Each
        ordered round takes its inventory, its guidance channel and its launcher's time at the
        order, and is booked (``book.fired``) then; a reload starts when the last round that
        empties the launcher leaves. A ``fire`` event is logged when a round leaves, at its
        launch time.

        Parameters
        ----------
        orders : Orders
        t : float
            Decision (launch) time, s.
        kind_code : ndarray of shape (n,), int
            True kind of each threat (for the kill probability).
        book : EngagementBook
            Updated with the rounds fired; its class memory (``book.classes``) gives each
            ordered track's predicted path (gravity for a track it holds ballistic), at launch
            and at the rounds' mid-course updates in :meth:`fly`.
        tracks : Tracks, optional
            Track picture at ``t`` (default: the one last given to :meth:`fly`).
        sensor_ok : ndarray of shape (S,), bool, optional
            Radars working (default: as last given to :meth:`fly`).
        channels_free : ndarray of shape (S,), int, optional
            :meth:`channels_free` of these radars, where the caller has it from this cycle
            with nothing launched or queued since (read, not changed); default: computed.

        Returns
        -------
        ndarray of shape (q,), int
            Rounds launched or queued for each order (0 where refused).
        """
        L = self.launchers
        q = len(orders)
        fired = np.zeros(q, int)
        self._classes = getattr(book, "classes", None)
        if q == 0:
            return fired
        tracks = self._tracks if tracks is None else tracks
        ok_s = self._sensor_ok if sensor_ok is None else np.asarray(sensor_ok, bool)
        if tracks is None or len(tracks) == 0:
            for r in range(q):
                self._refuse(t, orders, r, "no track")
            return fired
        # Each order's row in the picture (the last with its id), -1 where its track is gone
        # (a few orders: one comparison each).
        ids = np.asarray(tracks.track_id).tolist()
        o_track = np.asarray(orders.track_id).tolist()
        o_launcher = np.asarray(orders.launcher).tolist()
        rows = [len(ids) - 1 - ids[::-1].index(v) if v in ids else -1 for v in o_track]
        # The rows ordered, in increasing order, and the first order naming each (a few orders:
        # Python's containers are cheaper here than NumPy's unique and searches).
        first: dict[int, int] = {}
        for o, r in enumerate(rows):
            if r >= 0 and r not in first:
                first[r] = o
        fig = None
        if first:
            lj = np.asarray(orders.launcher, np.int64)
            nl = len(L)
            # (compiled code would not check)
            if nl == 0 or max(o_launcher) >= nl or min(o_launcher) < -nl:
                raise IndexError(f"orders.launcher must index the {nl} launchers, got "
                                 f"{lj.tolist()}")
            if len(first) == 1:  # (the usual call) views of the track's rows
                (r0, o), = first.items()
                sub = slice(r0, r0 + 1)
                tgt = np.asarray(orders.target)[o:o + 1]
                prow = np.zeros(q, np.int64)  # every order's pair row: the one track's
            else:
                use = sorted(first)
                pos_in = {r: i for i, r in enumerate(use)}
                sub = np.array(use, dtype=np.intp)
                tgt = np.asarray(orders.target)[[first[r] for r in use]]
                prow = np.array([pos_in.get(r, 0) for r in rows], np.int64)
            xs, cov, qs = tracks.x[sub], tracks.P[sub], tracks.quality[sub]
            held = _held(book, tracks.track_id[sub])
            # The ordered pairs only (an order without a track: a stand-in pair, unread), their
            # envelope, intercept point, Pk and window's close: the others are not evaluated.
            fig = self._fired_figures(xs, cov, qs, tracks.time_s, t, kind_code, tgt, held, prow,
                                      lj)
            if fig is None:
                fig = _order_pairs(t, self._inputs(xs, cov, qs, tracks.time_s, t, kind_code,
                                                   tgt, held), prow, lj)
        chan = self.channels_free(ok_s) if channels_free is None else channels_free.copy()
        given: dict[int, int] = {}  # rounds each launcher was given in this call (its ripple)
        # The orders' columns and the launchers' figures read as Python numbers (a few orders).
        o_target = np.asarray(orders.target).tolist()
        o_rounds = np.asarray(orders.rounds).tolist()
        o_battery = np.asarray(orders.battery).tolist()
        events, queue = self.events, self._queue
        for r in range(q):
            j = int(o_launcher[r])
            k = int(o_target[r])
            trk = int(o_track[r])
            fc = int(L.fire_control[j])
            c = given.get(j, 0)
            reason = None
            if rows[r] < 0:
                reason = "no track"
            elif not (L.operational[j] and ok_s[fc]):
                reason = "launcher or fire-control radar down"
            elif L.rounds[j] <= 0:
                reason = "no rounds"
            elif c == 0 and t - L.last_fire_s[j] < L.min_interval_s[j] - 1e-9:
                reason = "minimum launch interval"
            elif chan[fc] == 0:
                reason = "no guidance channel"
            if reason is None:
                f_r = fig[r].tolist()  # (outside-window flag, pip (3), pk, close, pk inputs)
                if not f_r[0] > 0.0:
                    reason = "outside launch window"
                elif not self._locked(t, j, k):
                    reason = "fire-control radar has no lock on the target"
            if reason is not None:
                self._refuse(t, orders, r, reason)
                continue
            n = int(min(o_rounds[r], L.rounds[j]))
            ch = int(chan[fc])
            if ch > 0:
                n = min(n, ch)
            close = f_r[5]
            # The rounds' launch times (floats: the same numbers as NumPy's), after the
            # launcher's rounds of the earlier orders of this call, inside the window (without
            # a window edge, only a launch now).
            dt = float(L.min_interval_s[j])
            times = [t + dt * float(c + u) for u in range(n)]
            times = ([u for u in times if u <= close + 1e-9] if math.isfinite(close)
                     else times[:1] if c == 0 else [])
            n = len(times)
            if n == 0:
                self._refuse(t, orders, r, "outside launch window")
                continue
            if ch > 0:
                chan[fc] = ch - n
            pip = f_r[1:4]
            events.add(t, "assignment", track=trk, threat=k, battery=o_battery[r], launcher=j,
                       pos=pip)
            L.fire(j, n, times[-1])  # its reload starts when the last round leaves
            book.fired(trk, n, int(L.battery[j]))
            fired[r] = n
            given[j] = c + n
            # The Pk's inputs besides the geometry, for the end game's own evaluation.
            pk, pk_in = f_r[4], tuple(f_r[6:])
            for tl in times:
                launch = (float(tl), j, k, trk, pip, pk, pk_in)
                if tl <= t:
                    self._launch(launch)
                else:
                    queue.append(launch)
                    self._queue_gen += 1
                    self.round_changes += 1
        if len(given) > 1 or any(v > 1 for v in given.values()):
            self._queue.sort(key=lambda e: e[0])  # stable: ties in the order of the orders
        return fired

    def _launch(self, launch: tuple) -> None:
        """Launch one round (an entry of the launch queue, see :meth:`fire`) at its launch time:
        an interceptor row and its ``fire`` event."""
        tl, j, k, trk, pip, pk, pk_in = launch
        enu, speed, capture, tail, fc, bat, command, kind, cost = self._launcher_figures()[j]
        # InterceptorState.launch's row (its fields in column order), written in one go
        ii = self.icpt._add([*enu, *pip, np.nan, speed, pk, capture, tl, *tail, *pk_in, np.nan,
                             np.nan], (k, trk, fc, j, bat), command)
        self._left_s[j] = max(self._left_s[j], tl)
        self.icpt_type[ii] = kind
        self.round_changes += 1
        self.events.add(tl, "fire", interceptor=ii, threat=k, track=trk, battery=bat,
                        launcher=j, pos=enu, value=cost)

    #: _launcher_figures' rows and the launcher state they were read from.
    _launch_rows: tuple = (None, None)

    def _launcher_figures(self) -> list[tuple]:
        """What :meth:`_launch` reads of each launcher, as Python numbers (fixed for a run:
        read once per launcher state): its position (3,), mean speed, capture radius, the
        row's ``(max_tof, vb, tb, v0, k)``, its fire control and battery, whether
        its rounds need their fire-control radar, its interceptor's name and unit cost."""
        L = self.launchers
        got = self._launch_rows
        if got[0] is not L:
            fo = L.flyout
            rows = []
            for j in range(len(L)):
                guidance = L.guidance[j]
                rows.append((L.enu[j].tolist(), float(L.speed[j]), CAPTURE_RADIUS_M[guidance],
                             (float(L.max_tof[j]), float(fo.vb[j]), float(fo.tb[j]),
                              float(fo.v0[j]), float(fo.k[j])),
                             int(L.fire_control[j]), int(L.battery[j]),
                             guidance in RADAR_GUIDED, L.interceptor[j], float(L.unit_cost[j])))
            got = self._launch_rows = (L, rows)
        return got[1]

    def _release(self, t1: float, alive: Callable[[int, float], bool]) -> None:
        """Launch the queued rounds due before ``t1`` (in launch-time order), or cancel them:
        a round whose target is gone at its launch time (``alive`` false: killed, impacted,
        its flight ended), or whose launcher or fire-control radar is down."""
        L = self.launchers
        q = self._queue
        n = 0
        while n < len(q) and q[n][0] < t1:
            n += 1
        due, self._queue = q[:n], q[n:]
        self._queue_gen += 1
        self.round_changes += 1
        for r, e in enumerate(due):
            tl, j, k = e[0], e[1], e[2]
            # (a cancelled round's launcher stays busy until its later rounds of this release)
            if not (L.operational[j] and self._sensor_ok[L.fire_control[j]]):
                self._cancel(e, "launcher or fire-control radar down", due[r + 1:])
            elif k >= 0 and not alive(k, tl):
                self._cancel(e, "target gone", due[r + 1:])
            else:
                self._launch(e)

    def _cancel(self, launch: tuple, why: str, later: list = ()) -> None:
        """Cancel a queued launch: the round goes back on its launcher (which is busy only
        until its last launch made or still to come: queued, or ``later`` in the release
        under way), the launch is listed in :attr:`refused` (``cancelled before launch:
        <why>``) and the book gets a miss for it at once."""
        tl, j, trk = launch[0], launch[1], launch[3]
        busy = max([self._left_s[j]] + [e[0] for e in (*later, *self._queue) if e[1] == j])
        self.launchers.unfire(j, busy)
        self.refused.append((tl, trk, j, f"cancelled before launch: {why}"))
        self.assessments.append((tl, -1, trk, False, int(self.launchers.battery[j])))
        self._next_assessment_s = min(self._next_assessment_s, tl)

    def _locked(self, t: float, j: int, k: int) -> bool:
        """Whether launcher ``j``'s fire-control radar holds threat ``k`` itself at ``t``,
        where its rounds need it to (command, semi-active, track-via-missile, guns): the
        illuminator locks on before launch, and it sees the threat's true position or nothing
        (the track may put a threat near the horizon on its visible side). The same coverage
        rule as the rounds' flight (:func:`_kernels.fire_control_covers`). True before the
        truth is known, and for a round fired at a false track (``k < 0``: it flies to its
        aim point)."""
        lp = self._rows()
        if self._truth is None or k < 0 or not lp[j, _kernels.FC_NEEDS_TARGET] > 0.0:
            return True
        p = self._truth.states(t)[k]
        return bool(_kernels.fire_control_covers(float(p[0]), float(p[1]), float(p[2]), lp, j))

    def _refuse(self, t: float, orders, r: int, reason: str) -> None:
        self.refused.append((float(t), int(orders.track_id[r]), int(orders.launcher[r]), reason))

    def _class_radius(self) -> float:
        """Sphere radius (m) above which a state's height is read for its class: the control
        unit's class memory's (the book's, given to :meth:`fire`), else the scenario frame's."""
        radius = getattr(self._classes, "radius_m", None)
        return self._frame_radius() if radius is None else float(radius)

    def _frame_radius(self) -> float:
        """Radius of the scenario frame's height sphere, m (kept: the frame is fixed)."""
        if self._radius is None:
            self._radius = float(sphere_radius_of(self.heights))
        return self._radius

    def fly(self, t0: float, t1: float, truth, tracks, sensor_ok: np.ndarray,
            alive: Callable[[int, float], bool], kill: Callable[[int, float], None]) -> None:
        """Fly interceptors over ``[t0, t1]`` and resolve the end games that fall inside it.

        First the rounds queued on their launchers (:meth:`fire`) that leave before ``t1``
        leave, or are cancelled (their target gone at the launch time, their launcher or
        fire-control radar down).

        Parameters
        ----------
        t0, t1 : float
            Start and end of the step, s (``t1 > t0``).
        truth : ThreatSet
        tracks : Tracks or None
            The latest track picture (mid-course updates; also the fire control's picture for
            the next :meth:`fire`).
        sensor_ok : ndarray of shape (S,), bool
            Radars still working; command-guided rounds die with their radar.
        alive : callable
            ``alive(threat, t)``: whether the threat still exists at ``t``.
        kill : callable
            ``kill(threat, t)``: called for each hit.
        """
        self._tracks = tracks
        self._truth = truth
        # A copy: as given now (an array of bools: its own copy, the cheaper call).
        self._sensor_ok = ok = (sensor_ok.copy() if type(sensor_ok) is np.ndarray
                                and sensor_ok.dtype is _BOOL else np.array(sensor_ok, bool))
        queue = self._queue
        if queue and queue[0][0] < t1:
            self._release(t1, alive)
        flying = self._flying()
        if flying is None:
            return
        bound, held = flying
        ic = self.icpt
        tid, tx, age = _NO_TRACK_ID, _NO_TRACK_X, 0.0
        if tracks is not None:
            ids = np.asarray(tracks.track_id, np.int64)
            if ids.shape[0]:
                tid = ids
                tx = np.ascontiguousarray(tracks.x, dtype=float)
                age = float(t0 - tracks.time_s)
        # A round fired at a false track (no threat behind it) flies to its aim point and misses.
        # Terminal phase: the seeker (or, for command guidance, the fire-control radar's
        # precision track) steers on the target itself; the track's error is in the Pk.
        # The rounds are re-aimed on the path of the class their orders were made on.
        f, i, b, out_i, out_f = ic._packed
        nb, ne = _kernels.fly_step(ic.n, f, i, b, ok, tid, tx, age, truth.states(t0),
                                   truth.states(t1), float(t0), float(t1), TERMINAL_S, out_i,
                                   out_f, *_SOLVE, bound[1], float(self.coverage_grace_s), held,
                                   bound[2])
        if nb == 0 and ne == 0:  # most steps
            return
        self._fly_outcomes(nb, ne, t0, truth, alive, kill)

    def _fly_outcomes(self, nb: int, ne: int, t0: float, truth, alive, kill) -> None:
        """The end of :meth:`fly` after its kernel call (``nb`` rounds lost, ``ne`` ended, in
        the step from ``t0``): their events, kills and assessments. (A caller that made the
        kernel call itself, the simulation's quiet steps, ends the step here.)"""
        lost, ended, t_end, miss = self.icpt._outcomes(nb, ne)
        self._busy = False
        if nb:
            self._lose(t0, lost)
        if ne:
            self._end_games(truth, ended, t_end, miss, alive, kill)

    def _fly_quiet(self, truth, tracks, sensor_ok: np.ndarray) -> tuple:
        """What :meth:`fly` does before its kernel call, for a caller that makes that call
        itself, step after step, while nothing changes the rounds (the simulation's quiet
        steps; no round queued): sets the truth, the picture and the copy of ``sensor_ok``
        (S,) bool as :meth:`fly` does, and returns ``(flies, bound, held, sensor_ok)``:
        whether the rounds fly (some active), ``(classes, launcher rows, class sphere m)``,
        the held classes by track id and that copy (the kernel's arguments)."""
        self._truth = truth
        self._tracks = tracks
        self._sensor_ok = ok = sensor_ok.copy()
        flying = self._flying()
        if flying is None:
            return False, None, None, ok
        return True, flying[0], flying[1], ok

    def _flying(self) -> tuple | None:
        """None where no round is active, else the flight kernel's ``(bound, held)``:
        ``(classes, launcher rows, class sphere m)`` and the held classes by track id."""
        # Rounds become active only at launch and leave only in a flight (lost or ended), so
        # once some are found active the check waits until some leave. A stale True only
        # costs a kernel call that finds nothing to fly.
        ic = self.icpt
        if not self._busy:
            if ic.n == ic._idle_n or not ic.any_active():  # (no launch since none was found)
                return None
            self._busy = True
        classes = self._classes
        bound = self._fly_bound
        if bound is None or bound[0] is not classes:
            bound = self._fly_bound = (classes, self._rows(), self._class_radius())
        return bound, (_NO_HELD if classes is None else classes.codes)

    def _rows(self) -> np.ndarray:
        """The launchers' kernel rows (fixed for a run: built at the first use)."""
        if self._lp is None:
            self._lp = _launcher_rows(self.launchers)
        return self._lp

    def _lose(self, t0: float, lost: np.ndarray) -> None:
        """Retire rounds lost during the step from ``t0`` with their fire-control radar (the
        event names it).

        The event's ``value`` says why: :data:`LOST_RADAR` (the radar is down) or
        :data:`LOST_COVERAGE` (the radar works but has not covered the target for the grace).
        (:data:`LOST_LAUNCHER` is no longer given: a round still on a launcher that is down
        when it is due to leave is not launched, :meth:`fire`.)"""
        ic = self.icpt
        ok = self._sensor_ok
        self.round_changes += 1
        for i in lost:
            ic.active[i] = False
            self.icpt_outcome[int(i)] = "lost"
            t_lost = max(t0, float(ic.launch_t[i]))
            fc = int(ic.fire_control[i])
            why = (LOST_COVERAGE if ok is not None and 0 <= fc < ok.size and ok[fc]
                   else LOST_RADAR)
            self.events.add(t_lost, "interceptor_lost", interceptor=i,
                            threat=ic.target[i], track=ic.track[i], battery=ic.battery[i],
                            launcher=ic.launcher[i], sensor=fc, pos=ic.pos[i], value=why)
            # A lost round is known at once to have killed nothing: its assessment is a miss
            # then. Without it the control unit's book kept the round pending, and the look
            # rule (no round still pending at the track) held every battery off the track.
            self.assessments.append((t_lost, int(i), int(ic.track[i]), False,
                                     int(ic.battery[i])))
            self._next_assessment_s = min(self._next_assessment_s, t_lost)

    def _end_games(self, truth, ended, t_end, miss, alive, kill) -> None:
        """Kill draws, events and assessments of the rounds ``ended`` (in end-time order).

        The end-game point is the target's true state at the end time ``t_end``. Its kill
        probability ``pk_end`` is the fire decision's model
        (:func:`airdefense.engagement._kernels.point_pk`, the kernel :meth:`fire`'s geometry
        uses) evaluated there: the launcher's envelope and Pk factors at the actual range,
        height, target velocity and time of flight, with the table value, target manoeuvre
        limit and track error of the launch; 0 outside the envelope. A round whose target is
        alive and within its capture radius draws one uniform against it, which also gives
        the end game's miss distance (:func:`~airdefense.engagement.pk.draw_end_game`: the
        Pk's miss law, within the warhead's lethal radius for a hit, beyond it but within the
        capture radius for a miss;
        NaN at Pk 0); a round that ends outside its capture radius keeps its closest approach.
        """
        ic, L = self.icpt, self.launchers
        self.round_changes += 1
        ended = np.ascontiguousarray(ended, np.int64)
        t_end = np.ascontiguousarray(t_end, float)
        e = ended.shape[0]
        rows = ic._i[ended].tolist()  # (target, track, fire control, launcher, battery)
        te_l = t_end.tolist()
        states = np.zeros((e, 6))
        # Each target at its own end time: that threat's state only, where the truth can.
        one = getattr(truth, "state_of", None)
        for q in range(e):
            k = rows[q][0]
            if k >= 0:
                states[q] = truth.states(te_l[q])[k] if one is None else one(te_l[q], k)
        pk_end = np.empty(e)
        _kernels.end_game_rows(ended, t_end, states, ic._f, ic._i, self._rows(),
                               self._frame_radius(), pk_end)
        events, rng, assessments = self.events, self.rng, self.assessments
        # (Python numbers: the same values, read without NumPy's scalars)
        pk_l = pk_end.tolist()
        capture = ic.capture[ended].tolist()
        guidance, delay = L.guidance, L.assess_delay
        for q, (i, te, ms) in enumerate(zip(ended.tolist(), te_l, np.asarray(miss).tolist(),
                                            strict=True)):
            k, trk, _, j, bat = rows[q]
            ic.active[i] = False
            live = k >= 0 and alive(k, te)
            if live:
                ic.pk_end[i] = pk_l[q]
            hit = False
            cap = capture[q]
            if live and ms <= cap:  # one draw: the outcome and its miss distance
                hit, ms = draw_end_game(pk_l[q], LETHAL_RADIUS_M[guidance[j]], rng, cap)
            if hit:
                kill(k, te)
            self.icpt_outcome[i] = "hit" if hit else "miss"
            # A target already gone (killed, impacted, or its flight ended) has no miss
            # distance: the round flew to where it was last (NaN, not a phantom 0 m).
            events.add(te, "intercept_hit" if hit else "intercept_miss", interceptor=i,
                       threat=k, track=trk, battery=bat, launcher=j,
                       pos=states[q] if live else ic.pos[i], value=ms if live else np.nan)
            t_assess = te + float(delay[j])
            assessments.append((t_assess, i, trk, hit, bat))
            if t_assess < self._next_assessment_s:
                self._next_assessment_s = t_assess

    def reloads(self, t: float) -> None:
        """Complete the reloads due by ``t``."""
        for j in self.launchers.update(t):
            self.events.add(t, "reload", launcher=j, battery=self.launchers.battery[j],
                            value=float(self.launchers.capacity[j]))

    @property
    def next_assessment_s(self) -> float:
        """Time of the earliest kill assessment pending, s (inf: none):
        :meth:`assessments_due` returns nothing before it."""
        return self._next_assessment_s

    def assessments_due(self, t: float, with_battery: bool = False) -> list[tuple]:
        """Kill assessments the control unit receives by ``t``, in time order.

        Each interceptor's assessment arrives its type's ``kill_assessment_delay_s`` after its
        end game. Returns ``(track_id, hit)`` pairs, or ``(track_id, hit, battery)`` with
        ``with_battery``.
        """
        if t < self._next_assessment_s:  # most steps
            return []
        due = sorted(a for a in self.assessments if a[0] <= t)
        self.assessments = [a for a in self.assessments if a[0] > t]
        self._next_assessment_s = min((a[0] for a in self.assessments), default=np.inf)
        if with_battery:
            return [(trk, hit, b) for _, _, trk, hit, b in due]
        return [(trk, hit) for _, _, trk, hit, _ in due]

    def finish(self) -> None:
        """Mark interceptors still flying at the end of the run; cancel the launches still
        queued (``cancelled before launch: run ended``)."""
        for i in self.icpt.in_flight():
            self.icpt_outcome[int(i)] = "in_flight"
        while self._queue:
            self._cancel(self._queue.pop(), "run ended")
        self._queue_gen += 1
        self.round_changes += 1

    def table(self) -> pd.DataFrame:
        """One row per interceptor fired.

        Columns: ``interceptor_id``, ``launcher``, ``battery`` (name), ``type``, ``target``,
        ``launch_time_s``, ``outcome`` (hit, miss, lost, in_flight), ``unit_cost``,
        ``pk_launch`` (the fire decision's kill probability, at the predicted intercept point)
        and ``pk_end_game`` (at the actual end-game point, 0 outside the envelope; NaN for a
        round without an end game: lost, in flight, its target already gone or none).
        """
        return pd.DataFrame(self._table_columns())

    def _table_columns(self) -> dict:
        """:meth:`table`'s columns, as arrays and lists."""
        ic, L = self.icpt, self.launchers
        n = ic.n
        ids = np.arange(n)
        return {
            "interceptor_id": ids, "launcher": ic.launcher[:n],
            "battery": [self.sc.batteries[b].name for b in ic.battery[:n]],
            "type": [self.icpt_type[int(i)] for i in ids],
            "target": ic.target[:n], "launch_time_s": ic.launch_t[:n],
            "outcome": [self.icpt_outcome.get(int(i), "in_flight") for i in ids],
            "unit_cost": L.unit_cost[ic.launcher[:n]] if n else np.zeros(0),
            "pk_launch": ic.pk[:n].copy(), "pk_end_game": ic.pk_end[:n].copy(),
        }


#: The track arguments of a step without a track picture.
_BOOL = np.dtype(bool)
_NO_TRACK_ID = np.zeros(0, np.int64)
_NO_GUIDED = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # guided_targets of no round
for _a in _NO_GUIDED:
    _a.flags.writeable = False
_NO_TRACK_X = np.zeros((0, 6))


def _held(book, track_id) -> np.ndarray | None:
    """The control unit's class of each track (-1: none), from the book's memory; None for a
    book without one."""
    classes = getattr(book, "classes", None)
    if classes is None:
        return None
    ids = track_id
    if (type(classes) is _evaluation().TrackClasses and type(ids) is np.ndarray
            and ids.shape == (1,)):
        # (the usual order: one track) its code (TrackClasses.held: -1 past the memory)
        code = classes.codes
        i = int(ids[0])
        return np.array([code[i] if 0 <= i < code.shape[0] else -1], np.int64)
    return classes.held(track_id)


_EVALUATION: list = []


def _evaluation():
    """The module :mod:`airdefense.c2.evaluation` (imported at the first call: it imports the
    engagement's modules)."""
    if not _EVALUATION:
        from airdefense.c2 import evaluation

        _EVALUATION.append(evaluation)
    return _EVALUATION[0]


def _propagate(x: np.ndarray, g: np.ndarray, dt: float) -> np.ndarray:
    """Track states ``dt`` seconds later along their predicted paths, shape (m, 6)."""
    return _kernels.propagate_states(np.ascontiguousarray(x, dtype=float).reshape(-1, 6),
                                     np.ascontiguousarray(g, dtype=float), float(dt))

