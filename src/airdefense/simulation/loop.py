"""The simulation loop: ties the kill-chain stages together; holds no physics of its own.

Each step ``[t, t + step_s]`` runs, in order: threat launches; interceptor flight and end games
(decided at the true closest approach, so intercepts do not depend on the step size; the
rounds steer on the track picture of the step's start); the radar scans due in the step (each
evaluated at its own scan time, so a threat killed earlier in the step is no longer seen); the
tracker; impacts and damage; kill assessments; and, on the decision cycle, the control unit's
fire orders. An impact inside the step that may take out a radar or launcher splits the
interceptor flight at its time, with the impacts up to it done between the parts
(:meth:`_Run.strikes_on_components`): the rounds that radar guides are lost from then on.

In truth mode most steps are quiet (nothing launched, ended, assessed or reloaded, no round
lost or ended, no order possible): a stretch of them runs in one compiled call
(:meth:`_Run._quiet`, :func:`airdefense.simulation._kernels.quiet_steps`), with the same
draws, events and state as the steps one by one (``_FUSED_STEPS = False``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from airdefense.c2 import _options, firing_capacity, make_assigner, screen_cycle
from airdefense.c2._options import _screen_fixed
from airdefense.c2.base import EngagementBook
from airdefense.c2.evaluation import evaluate_threats, min_threat_value
from airdefense.engagement import _kernels as _engagement_kernels
from airdefense.engagement.damage import (
    DAMAGED,
    DAMAGED_VALUE_FRACTION,
    DESTROYED,
    INTACT,
    AreaDamage,
    apply_impacts,
    area_loss_fractions,
    damage_probabilities,
)
from airdefense.engagement.interceptors import _NO_HELD
from airdefense.engagement.model import _NO_TRACK_ID, _NO_TRACK_X, Engagement
from airdefense.errors import ScenarioError
from airdefense.geo import sphere_radius_of
from airdefense.scenario import Scenario, load_scenario
from airdefense.scenario._flight import seed_flight_error
from airdefense.simulation import _kernels as _simulation_kernels
from airdefense.simulation._kernels import (
    QI_FRESH,
    QI_M,
    QI_NB,
    QI_NE,
    QI_SCREEN_N,
    QS_DUE,
    QS_FLOWN,
    QS_SCREENED,
    QS_SENSED,
)
from airdefense.simulation.events import EventLog
from airdefense.threats import build_threats

__all__ = ["simulate", "SimulationResult", "THREAT_STATES", "RNG_STREAMS"]

#: Terminal states; every threat ends in exactly one of them. ``completed``: a flight that
#: ended without an impact; ``returned``: a platform that flew home after its release
#: (``ThreatSet.egress``).
THREAT_STATES = ("intercepted", "impacted", "completed", "returned", "airborne", "not_launched")
_PENDING, _FLYING = -2, -1
_INTERCEPTED, _IMPACTED, _COMPLETED, _RETURNED, _AIRBORNE, _NOT_LAUNCHED = range(6)
#: Independent random streams, one per stage, spawned from the seed in this order.
RNG_STREAMS = ("threats", "sensors", "tracking", "engagement", "damage", "c2")
#: Steps whose truth states are evaluated together (ThreatSet.prefetch).
_PREFETCH = 128
#: Whether the loop runs its quiet steps in one compiled call each stretch (_Run._quiet; the
#: same results as step by step, which False restores).
_FUSED_STEPS = True
#: Least chance that an impact damages a working radar or launcher for the step to be split at
#: the impact (see _Run.strikes_on_components).
_STRIKE_P = 1e-12


#: A point asset's value fraction left by its state (INTACT, DAMAGED, DESTROYED).
_POINT_VALUE = np.empty(3)
_POINT_VALUE[[INTACT, DAMAGED, DESTROYED]] = 1.0, 1.0 - DAMAGED_VALUE_FRACTION, 0.0
_POINT_VALUE.flags.writeable = False


#: The empty table of refused fire orders, copied for each result (building it anew each time
#: costs ten times more).
_NO_REFUSALS = pd.DataFrame(
    {"time_s": pd.Series(dtype=float), "track_id": pd.Series(dtype=int),
     "launcher": pd.Series(dtype=int), "reason": pd.Series(dtype=str)})


@dataclass
class SimulationResult:
    """Result of one simulated raid.

    Attributes
    ----------
    scenario : str
        Scenario name.
    seed : int or str
        The seed, or ``"entropy/spawn.key"`` for a spawned SeedSequence.
    events : pandas.DataFrame
        The event log (columns in :data:`airdefense.simulation.events.EVENT_COLUMNS`).
    threats : pandas.DataFrame
        One row per threat: id, group, kind, preset, launch and end times, final state, cost.
    interceptors : pandas.DataFrame
        One row per interceptor fired: id, launcher, battery, type, target, outcome, cost.
    assets : pandas.DataFrame
        One row per asset: name, kind, role, value, final state, value lost.
    summary : dict
        Scalar figures (see :func:`airdefense.results.summary.summarize`).
    refused : pandas.DataFrame
        Fire orders the fire control turned down: ``time_s, track_id, launcher, reason``.
    solver_clock_stops : int
        Assignment solves stopped by their time limit (0 unless the exact solver's safety stop
        bound: the run then depends on the machine's speed).
    """

    scenario: str
    seed: int | str
    events: pd.DataFrame
    threats: pd.DataFrame
    interceptors: pd.DataFrame
    assets: pd.DataFrame
    summary: dict = field(default_factory=dict)
    refused: pd.DataFrame = field(default_factory=lambda: _NO_REFUSALS.copy())
    solver_clock_stops: int = 0

    def summary_table(self) -> str:
        """Return the summary as plain text tables."""
        from airdefense.results.summary import format_summary

        return format_summary(self)


def _make_sensors(sc: Scenario):
    from airdefense.sensors.radar import RadarNetwork

    return RadarNetwork.from_scenario(sc)


def _make_tracker(mode: str, truth, sc: Scenario, rng: np.random.Generator):
    if mode == "truth":
        from airdefense.tracking.truth import TruthTracker

        return TruthTracker(truth, rng)
    from airdefense.tracking import make_tracker

    return make_tracker(sc, rng)


def _make_assigner(name: str, sc: Scenario, rng: np.random.Generator):
    c2 = sc.config.c2
    return make_assigner(name, networked=c2.mode == "networked", cost_weight=c2.cost_weight,
                         decision_period_s=c2.decision_period_s,
                         time_limit_s=c2.solver_time_limit_s,
                         node_limit=c2.solver_node_limit, rng=rng,
                         min_threat_value=min_threat_value(c2.min_threat_value,
                                                           sc.assets.value))


#: Instants evaluated together by _launch_positions (bounds its block's memory).
_LAUNCH_CHUNK = 64


def _launch_positions(truth) -> np.ndarray | None:
    """Each threat's true position at its launch time, shape (n, 3), m: the rows of
    ``truth.states(launch_time_s[k])``, evaluated in batches of instants (the trajectory's
    ``states_many``: the same numbers as one instant at a time, as ``ThreatSet.prefetch``
    uses them); None for a trajectory without it."""
    many = getattr(truth.trajectory, "states_many", None)
    if many is None:
        return None
    launch = np.asarray(truth.launch_time_s, float)
    times, inv = np.unique(launch, return_inverse=True)
    inv = inv.ravel()
    out = np.empty((launch.size, 3))
    for c in range(0, times.size, _LAUNCH_CHUNK):
        block = many(np.ascontiguousarray(times[c:c + _LAUNCH_CHUNK]))
        rows = np.flatnonzero((inv >= c) & (inv < c + _LAUNCH_CHUNK))
        out[rows] = block[inv[rows] - c, rows, :3]
    return out


def _seed_label(ss: np.random.SeedSequence) -> str:
    key = ".".join(str(k) for k in ss.spawn_key)
    return f"{ss.entropy}" + (f"/{key}" if key else "")


class _Run:
    """State of one run; methods are the stages of a step, called in order by :meth:`run`."""

    def __init__(self, sc: Scenario, seed: int | np.random.SeedSequence, tracking: str | None,
                 solver: str | None) -> None:
        self.sc = sc
        if isinstance(seed, np.random.SeedSequence):
            # A copy of the sequence as its entropy and spawn key define it (what its label
            # names): spawning from the caller's object would depend on the children it has
            # spawned already, so the same object would give another run at each call.
            ss = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key,
                                        pool_size=seed.pool_size)
            self.seed = _seed_label(seed)
        else:
            ss = np.random.SeedSequence(seed)
            self.seed = seed
        streams = ss.spawn(len(RNG_STREAMS))
        self.rng = dict(zip(RNG_STREAMS, (np.random.default_rng(s) for s in streams), strict=True))
        try:
            self.truth = build_threats(sc, self.rng["threats"])
        except ScenarioError as exc:  # a draw of this seed's scatter the flight cannot fly
            raise seed_flight_error(sc, exc, self.seed) from None
        n = len(self.truth)
        self.n = n
        self.status = np.full(n, _PENDING)
        self.kill_t = np.full(n, np.inf)
        # The munitions each platform releases (threat rows by parent row; usually none).
        par = np.asarray(self.truth.parent)
        self._children = {int(p): np.flatnonzero(par == p) for p in np.unique(par[par >= 0])}
        self.sensors = _make_sensors(sc)
        self.tracker = _make_tracker(tracking or sc.config.tracking, self.truth, sc,
                                     self.rng["tracking"])
        # What the multi-target tracker counts as a scan of a track: which radars looked at it
        # in the step's scan, each at its own Pd (the truth tracker takes no such argument).
        from airdefense.tracking.tracker import MultiTargetTracker

        self._looks = (getattr(self.sensors, "looked_by", None)
                       if isinstance(self.tracker, MultiTargetTracker) else None)
        self.assigner = _make_assigner(solver or sc.config.c2.solver, sc, self.rng["c2"])
        radii: dict[str, float] = {}
        for g in sc.groups:  # what the control unit knows of each class's warhead
            # A platform's released munitions (glide bombs, missiles) are threats of their class.
            for p in (g.preset, getattr(g, "weapon_preset", None)):
                if p is not None:
                    radii[p.kind] = max(radii.get(p.kind, 0.0), p.lethal_radius_m)
        self.lethal_radius = radii
        # The control unit reads heights above the scenario's own sphere.
        self._radius_m = sphere_radius_of(sc.frame.height_m)
        self.book = EngagementBook(radius_m=self._radius_m)
        self.asset_state = np.full(len(sc.assets), INTACT)
        self.area_lost = np.zeros(len(sc.assets))  # value fraction lost by area assets
        self.area_damage = AreaDamage(sc.assets)  # their impacts so far (overlaps count once)
        # The impacts it took, in order, and the value fractions it returned (the summary's
        # expected loss of the impacts that came reads them: see results.summary).
        self._area_ids: list[np.ndarray] = []
        self._area_fracs: list[np.ndarray] = []
        self.value_left = np.asarray(sc.assets.value, float).copy()  # see _assets_changed
        self._asset_alive = np.ones(len(sc.assets), bool)  # not destroyed (_assets_changed)
        self._asset_damaged = np.zeros(len(sc.assets), bool)  # damaged (_assets_changed)
        self.battery_ok = np.ones(len(sc.batteries), bool)
        self.sensor_ok = np.ones(len(sc.sensors), bool)
        self.seen = np.zeros((n, max(len(sc.sensors), 1)), bool)
        self._first_reports = 0  # RadarNetwork.first_reports at the last check
        self.events = EventLog()
        self.engagement = Engagement(sc, self.events, self.rng["engagement"])
        self.tracks = None
        self.kinds = self.truth.kind_code
        # Earliest pending launch and earliest end of a flight: steps before them skip the
        # launch and impact stages.
        self._next_launch = float(self.truth.launch_time_s.min()) if n else np.inf
        self._next_end = float(self.truth.end_time_s.min()) if n else np.inf
        self._status_changed = True  # see _unresolved
        self._alive_stale, self._alive_from, self._alive_to = True, 0.0, 0.0  # _alive_step
        self._alive_mask = np.zeros(n, bool)
        self._launch_pos: np.ndarray | None = None  # see _launch_positions
        # Launch-time order of the threats, their times, and the first not yet launched
        # (_launch_in_order: a raid without munitions).
        self._launch_order: np.ndarray | None = None
        self._launch_sorted: list[float] = []
        self._launch_next = 0
        self._n_unresolved = n
        # Cued radars (e.g. a CW illuminator) look only at the targets of the rounds they guide:
        # cued each step from the engagement (see _cue_sensors); nothing to do without one.
        self._cued = bool(np.any(getattr(self.sensors, "cued", False)))
        self._cues = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # the last cues given
        # The decision screen's figures fixed for the run (c2.screen_cycle's cache).
        self._screen_memo: dict = {}
        role = np.asarray(sc.assets.role)
        # The assets that are the defence's radars and launchers (see _components_down).
        self._components = np.flatnonzero((role == "radar") | (role == "launcher"))

    # -- helpers -------------------------------------------------------------------------
    def _unresolved(self) -> int:
        """Threats still pending or flying (recounted only after a status may have changed)."""
        if self._status_changed:
            self._n_unresolved = int(np.count_nonzero(self.status < 0))
            self._status_changed = False
        return self._n_unresolved

    def alive(self, t: float) -> np.ndarray:
        return (self.truth.launch_time_s <= t) & (t < self.truth.end_time_s) & (t < self.kill_t)

    def _alive_step(self, t: float) -> np.ndarray:
        """:meth:`alive` at a step's end ``t`` (non-decreasing), shared until it can change.

        The mask holds from the time it was computed to the next launch or end of flight;
        a kill marks it stale. Callers only read it. (Both in one compiled call,
        :func:`airdefense.simulation._kernels.alive_until`.)
        """
        if self._alive_stale or not self._alive_from <= t < self._alive_to:
            from airdefense.simulation._kernels import alive_until

            tr = self.truth
            self._alive_mask, until = alive_until(float(t), tr.launch_time_s, tr.end_time_s,
                                                  self.kill_t)
            self._alive_from, self._alive_to = t, until
            self._alive_stale = False
        return self._alive_mask

    @property
    def heights(self):
        return self.sc.frame.height_m

    # -- stages --------------------------------------------------------------------------
    def launches(self, t0: float, t1: float, releases: bool = False) -> None:
        """Launch the threats due by ``t1``; munitions (threats with a parent platform) only
        with ``releases``, called after the step's end games, which may shoot their platform
        down before its release (:meth:`_kill` then cancels them)."""
        if t1 <= self._next_launch:  # no launch is due before t1 (most steps)
            return
        if not self._children:  # no munitions: the threats in launch-time order
            self._launch_in_order(t1)
            return
        due = (self.status == _PENDING) & (self.truth.launch_time_s < t1)
        if self._children and not releases:
            due &= self.truth.parent < 0
        new = np.flatnonzero(due)
        if self._launch_pos is None:
            self._launch_pos = _launch_positions(self.truth)
        pos = self._launch_pos
        for k in new[np.argsort(self.truth.launch_time_s[new], kind="stable")]:
            tl = self.truth.launch_time_s[k]
            self.status[k] = _FLYING
            self.events.add(tl, "launch", threat=k, asset=self.truth.target_asset[k],
                            pos=self.truth.states(tl)[k] if pos is None else pos[k])
        pending = self.status == _PENDING
        self._next_launch = (float(self.truth.launch_time_s[pending].min()) if pending.any()
                             else np.inf)

    def _launch_in_order(self, t1: float) -> None:
        """:meth:`launches` of a raid without munitions: the threats in launch-time order
        (ties by row, as :meth:`launches` takes them) from the first not yet passed, until
        one launches at ``t1`` or later."""
        if self._launch_order is None:
            lt = self.truth.launch_time_s
            self._launch_order = np.argsort(lt, kind="stable")
            self._launch_sorted = lt[self._launch_order].tolist()
            self._launch_pos = _launch_positions(self.truth)
        order, times, pos = self._launch_order, self._launch_sorted, self._launch_pos
        status, tr, add = self.status, self.truth, self.events.add
        p, n = self._launch_next, len(times)
        while p < n and times[p] < t1:
            k = order[p]
            p += 1
            if status[k] != _PENDING:
                continue
            tl = tr.launch_time_s[k]
            status[k] = _FLYING
            add(tl, "launch", threat=k, asset=tr.target_asset[k],
                pos=tr.states(tl)[k] if pos is None else pos[k])
        self._launch_next = p
        # Every threat from p on is pending (only a launch ends that, for a threat without a
        # platform): the earliest of them is the next launch.
        self._next_launch = times[p] if p < n else np.inf

    #: The engagement's ``round_changes`` at the last _cue_sensors (-1: none yet).
    _cue_changes = -1

    def _cue_sensors(self) -> None:
        """Cue each cued radar on the targets of the radar-guided rounds it guides (when the
        pairs changed since the last call)."""
        eng = self.engagement
        # Only the engagement's own launches, queue and end games change the rounds between
        # two calls (most steps: none), so the pairs are looked at only after some.
        changes = eng.round_changes
        if changes == self._cue_changes:
            return
        self._cue_changes = changes
        pairs = eng.guided_targets()
        if pairs is self._cues:  # the same arrays: no round started or left
            return
        (fc, tg), (last_fc, last_tg) = pairs, self._cues
        self._cues = pairs
        if fc.size == last_fc.size and (fc == last_fc).all() and (tg == last_tg).all():
            return
        self.sensors.set_cues(fc, tg, n_targets=self.n)

    #: Truth mode in one compiled call (None: not decided yet; see _sense_truth_setup).
    _fused: bool | None = None
    #: Its arguments fixed for the run, once bound (see sense_and_track).
    _sense_args: tuple | None = None
    #: The end of its last step and the truth states there (the next step's start).
    _t1: float | None = None
    _states_t1: np.ndarray | None = None

    def _sense_truth_setup(self) -> None:
        """Whether the truth-mode step can run in one compiled call (:meth:`_sense_truth`):
        the truth tracker of this run's truth and a radar network, each of its class exactly
        and with its own ``step`` (one replaced on the object, e.g. a test's spy, is called
        as it is); sets ``_fused`` and the buffers of the first reports (one row per (threat,
        radar) pair at most over the run). With the truth tracker the network is made
        ``noiseless`` (fused or not)."""
        from airdefense.sensors.radar import RadarNetwork
        from airdefense.tracking.truth import TruthTracker

        tr, net = self.tracker, self.sensors
        if type(tr) is TruthTracker and isinstance(net, RadarNetwork):
            # The truth tracker makes its own estimate error and skips false alarms: the scans
            # draw no measurement noise and no false alarms (RadarNetwork.noiseless).
            net.noiseless = True
        self._fused = (type(tr) is TruthTracker and tr.truth is self.truth
                       and type(net) is RadarNetwork
                       and "step" not in vars(tr) and "step" not in vars(net))
        if self._fused:
            from airdefense.simulation._kernels import sense_truth

            self._sense_kernel = sense_truth
            cap = self.seen.size
            # One buffer (sense_truth's first): times and positions, then threats and radars.
            self._first = np.empty(6 * cap)
            self._first_f = self._first[:4 * cap].reshape(cap, 4)
            self._first_i = self._first[4 * cap:].view(np.int64).reshape(cap, 2)

    def _sense_truth(self, t0: float, t1: float, alive: np.ndarray) -> None:
        """Scan, first reports and truth tracker in one call of
        :func:`airdefense.simulation._kernels.sense_truth` (its arguments fixed for the run
        bound in ``_sense_args``, see :meth:`sense_and_track`); the same draws, events and
        picture as the separate calls of :meth:`sense_and_track`."""
        tr = self.tracker
        rho, c = tr._begin(t1)
        states = self._states_at(t1)
        if t0 < t1:  # the truth at t0: the last step's end, or asked for
            states0 = self._states_t1 if t0 == self._t1 else self._states_at(t0)
        else:
            states0 = self._no_states
        self._t1, self._states_t1 = t1, states
        m, n_fresh, n_first = self._sense_kernel(
            t1, t0, states, states0, alive, rho, c, tr._pic_off, *self._sense_args, *tr._pic)
        if n_first:
            self._first_reports = self.sensors.first_reports
            sensors = self.sc.sensors
            add = self.events.add
            for (ts, px, py, pz), (k, si) in zip(self._first_f[:n_first].tolist(),
                                                self._first_i[:n_first].tolist(), strict=True):
                add(ts, "detection", threat=k, sensor=si, battery=sensors[si].battery,
                    pos=(px, py, pz))
        self.tracks = tr._picture(t1, m, n_fresh)
        if n_fresh:
            for tid, threat, ts in tr.new_tracks:
                self.events.add(ts, "track_start", track=tid, threat=threat)

    def sense_and_track(self, t0: float, t1: float) -> None:
        alive_t1 = self._alive_step(t1)  # nothing ends between the scans and the tracker
        if self._cued:
            self._cue_sensors()
        if self._sense_args is not None:  # truth mode, bound: one compiled call
            self._sense_truth(float(t0), float(t1), alive_t1)
            return
        if self._fused is None:
            self._sense_truth_setup()
        if self._fused:  # truth mode: one compiled call once the network's fast path holds
            args = self.sensors._step_args(float(t0), float(t1), self.truth, alive_t1,
                                           self.rng["sensors"])
            if args is not None:
                # The arguments fixed for the run (the run's own network, truth and
                # tracker; the network's tables are sized and its generator linked).
                # The truth's aspect RCS and launch times, one array: nothing changes them.
                tr = self.tracker
                self._states_at = self.truth.states
                self._no_states = self.sensors._no_states
                rows = np.vstack(args[7:10] + ((args[10],) if args[10].size else ()))
                self._sense_args = (rows, *args[11:], tr._tf, tr._ti, tr.confirm_hits,
                                    tr.drop_after_s, tr.vel_sigma, self.seen, self._first)
                self._sense_truth(args[1], args[0], alive_t1)
                return
        det = self.sensors.step(t0, t1, self.truth,
                                lambda t: alive_t1 if t == t1 else self.alive(t),
                                self.rng["sensors"])
        # Rows of threats not seen before by their radar (usually none after the first scans;
        # a false alarm's -1 reads the last row, then is masked out).
        n_first = self.sensors.first_reports  # changes only when a radar reports a new threat
        if n_first != self._first_reports:
            self._first_reports = n_first
            who = det.truth_id
            fresh = np.flatnonzero((who >= 0) & ~self.seen[who, det.sensor])
            # First detection of each threat by each radar (rows are in scan-time order).
            pair = det.truth_id[fresh] * self.seen.shape[1] + det.sensor[fresh]
            _, first = np.unique(pair, return_index=True)
            rows = fresh[first]
            self.seen[det.truth_id[rows], det.sensor[rows]] = True
            enu = det.enu
            for r in rows[np.argsort(det.time_s[rows], kind="stable")]:
                si = det.sensor[r]
                self.events.add(det.time_s[r], "detection", threat=det.truth_id[r], sensor=si,
                                battery=self.sc.sensors[si].battery, pos=enu[r])
        if hasattr(self.tracker, "new_tracks"):
            if self._looks is not None:  # full mode: a track counts the scans that looked at it
                self.tracks = self.tracker.step(t1, det, scanned=self._looks, alive=alive_t1)
            else:
                self.tracks = self.tracker.step(t1, det, alive=alive_t1)
            for tid, threat, ts in self.tracker.new_tracks:
                self.events.add(ts, "track_start", track=tid, threat=threat)
        else:
            self.tracks = self.tracker.step(t1, det)

    def fly_interceptors(self, t0: float, t1: float) -> None:
        self.engagement.fly(t0, t1, self.truth, self.tracks, self.sensor_ok, self._flying_at,
                            self._kill)

    def _flying_at(self, k: int, t: float) -> bool:
        """Whether threat ``k`` still flies at ``t`` (the end games' ``alive``)."""
        return bool(self.status[k] == _FLYING and t < self.truth.end_time_s[k]
                    and t < self.kill_t[k])

    def strikes_on_components(self, t0: float, t1: float) -> list[float]:
        """Times inside ``(t0, t1)`` of the impacts due that may damage a working radar or
        launcher (a chance of at least :data:`_STRIKE_P`), in increasing order.

        The step's interceptor flight is split at these times, and the impacts up to each are
        done between the parts: a round whose radar or launcher such an impact takes out is
        lost (or not launched) from the impact on, not only from the next step.
        """
        if t1 <= self._next_end or self._components.size == 0:
            return []
        tr = self.truth
        end = tr.end_time_s
        reach = self._strike_reach
        if reach is None:  # which impact may damage which radar or launcher (fixed per run)
            p_damage = self._damage_table()[1][:, self._components]
            reach = self._strike_reach = (p_damage >= _STRIKE_P) & np.isfinite(
                tr.impact_enu[:, :1])
        due = np.flatnonzero((self.status == _FLYING) & (end > t0) & (end < t1)
                             & (end < self.kill_t) & reach.any(axis=1))
        if due.size == 0:
            return []
        intact = self.asset_state[self._components] == INTACT
        return np.unique(end[due[reach[due][:, intact].any(axis=1)]]).tolist()

    #: Whether each threat's impact may damage each radar or launcher asset (a chance of
    #: at least _STRIKE_P), shape (n, c): strikes_on_components' table, made at its first call.
    _strike_reach: np.ndarray | None = None
    #: _damage_table's tables.
    _damage_p: tuple[np.ndarray, np.ndarray] | None = None

    def _damage_table(self) -> tuple[np.ndarray, np.ndarray]:
        """:func:`~airdefense.engagement.damage.damage_probabilities` of every threat's impact
        against every asset, ``(p_destroy, p_damage)`` each (n, a) (NaN rows for threats
        without an impact point), made at the first call: each row is that impact's own
        numbers (elementwise arithmetic), fixed for the run."""
        table = self._damage_p
        if table is None:
            tr, a = self.truth, self.sc.assets
            table = self._damage_p = damage_probabilities(tr.impact_enu, tr.lethal_radius_m,
                                                          a.enu, a.hardness, a.lethal_radius_m)
        return table

    def _kill(self, k: int, t: float) -> None:
        self.kill_t[k] = t
        self.status[k] = _INTERCEPTED
        self._status_changed = True
        self._alive_stale = True
        # A platform shot down before its release takes its munitions with it: they never
        # launch (never alive: their kill time is their launch time).
        for c in self._children.get(k, ()):
            if self.status[c] == _PENDING:
                self.status[c] = _NOT_LAUNCHED
                self.kill_t[c] = self.truth.launch_time_s[c]

    def impacts(self, t0: float, t1: float) -> None:
        if t1 < self._next_end:  # no threat's flight ends by t1 (most steps)
            return
        end = self.truth.end_time_s
        due = np.flatnonzero((self.status == _FLYING) & (end <= t1) & (end < self.kill_t))
        # Every threat still to end (pending or flying) ends after t1 once these are done;
        # kills only make this bound early, which costs one more look.
        later = self.status < 0
        later[due] = False
        self._next_end = float(end[later].min()) if later.any() else np.inf
        if due.size == 0:
            return
        self._status_changed = True
        due = due[np.argsort(end[due], kind="stable")]
        impacting = due[np.isfinite(self.truth.impact_enu[due, 0])]
        for k in due:
            if np.isfinite(self.truth.impact_enu[k, 0]):
                self.status[k] = _IMPACTED
                self.events.add(end[k], "impact", threat=k, asset=self.truth.target_asset[k],
                                pos=self.truth.impact_enu[k])
            else:
                self.status[k] = _RETURNED if self.truth.egress[k] else _COMPLETED
        if impacting.size == 0:
            return
        before = self.asset_state.copy()
        assets = self.sc.assets
        p_destroy, p_damage = self._damage_table()
        after = apply_impacts(before, self.truth.impact_enu[impacting],
                              self.truth.lethal_radius_m[impacting], assets, self.rng["damage"],
                              probabilities=(p_destroy[impacting], p_damage[impacting]))
        t_last = float(end[impacting].max())
        for a in np.flatnonzero(after != before):
            kind = "asset_destroyed" if after[a] == DESTROYED else "asset_damaged"
            self.events.add(t_last, kind, asset=a, battery=assets.battery[a],
                            pos=assets.enu[a], value=assets.value[a])
        # Area assets lose the share of their value inside each impact's lethal circle, what
        # earlier impacts took there taken once (AreaDamage).
        frac = self.area_damage.hit(self.truth.impact_enu[impacting],
                                    self.truth.lethal_radius_m[impacting],
                                    fractions=self._area_shares()[impacting])
        self._area_ids.append(impacting)
        self._area_fracs.append(frac)
        for r, k in enumerate(impacting):
            for a in np.flatnonzero(frac[r] > 1e-9):
                old = min(self.area_lost[a], 1.0)
                self.area_lost[a] += frac[r, a]
                new = min(self.area_lost[a], 1.0)
                if new > old:
                    gone = new >= 1.0 - 1e-12
                    after[a] = DESTROYED if gone else DAMAGED
                    self.events.add(end[k], "asset_destroyed" if gone else "asset_damaged",
                                    threat=k, asset=a, battery=assets.battery[a],
                                    pos=self.truth.impact_enu[k], value=(new - old) * assets.value[a])
        self.asset_state = after
        self._assets_changed()
        self._components_down(t_last)

    #: Each threat's impact's closed-form value shares of the area assets, shape (n, a)
    #: (zero where it has no impact point): see _area_shares.
    _area_table: np.ndarray | None = None

    def _area_shares(self) -> np.ndarray:
        """:func:`~airdefense.engagement.damage.area_loss_fractions` of every threat's impact
        (rows of threats without an impact point zero), made at the first impact: each row is
        the numbers of that impact alone (elementwise arithmetic), fixed for the run."""
        table = self._area_table
        if table is None:
            tr = self.truth
            table = np.zeros((self.n, len(self.sc.assets)))
            rows = np.flatnonzero(np.isfinite(tr.impact_enu[:, 0]))
            table[rows] = area_loss_fractions(tr.impact_enu[rows], tr.lethal_radius_m[rows],
                                              self.sc.assets)
            self._area_table = table
        return table

    def _assets_changed(self) -> None:
        """The value each asset still holds (``value_left``), which the control unit defends:
        an area asset has lost the share of its area already destroyed, a damaged point asset
        its damaged fraction, a destroyed one everything."""
        a = self.sc.assets
        point = _POINT_VALUE[self.asset_state]  # 1, 1 - DAMAGED_VALUE_FRACTION, 0 by state
        self.value_left = a.value * np.where(a.radius_m > 0,
                                             1.0 - np.minimum(self.area_lost, 1.0), point)
        self._asset_alive = self.asset_state != DESTROYED
        self._asset_damaged = self.asset_state == DAMAGED

    #: The assets that are radars and those that are launchers (indices; see
    #: _components_down), found at the first call.
    _component_roles: tuple[np.ndarray, np.ndarray] | None = None

    def _components_down(self, t: float) -> None:
        a = self.sc.assets
        roles = self._component_roles
        if roles is None:
            role = np.array(a.role)
            roles = self._component_roles = (np.flatnonzero(role == "radar"),
                                             np.flatnonzero(role == "launcher"))
        radars, launchers = roles
        state = self.asset_state  # a damaged radar or launcher stops working
        for idx in radars[state[radars] != INTACT]:
            self.sensor_ok[a.unit[idx]] = False
        operational = self.engagement.launchers.operational
        for idx in launchers[state[launchers] != INTACT]:
            operational[a.unit[idx]] = False
        if hasattr(self.sensors, "operational"):
            self.sensors.operational &= self.sensor_ok
        for b, bu in enumerate(self.sc.batteries):
            if not self.battery_ok[b]:  # disabled already: nothing more to do
                continue
            blind = not self.sensor_ok[bu.sensors].any()
            if blind or not operational[bu.launchers].any():
                self.battery_ok[b] = False
                self.events.add(t, "battery_disabled", battery=b, pos=bu.enu,
                                value=1.0 if blind else 2.0)
                # A disabled battery's radars stop too.
                self.sensor_ok[bu.sensors] = False
                if hasattr(self.sensors, "operational"):
                    self.sensors.operational[bu.sensors] = False

    def assess(self, t1: float) -> None:
        for track, hit, battery in self.engagement.assessments_due(t1, with_battery=True):
            self.book.assessed(track, hit, battery)

    def _decide_setup(self) -> tuple:
        """What :meth:`decide` reads that stays the same while the assigner and the assets'
        value, alive and damage arrays are the same objects (kept in ``_decide_memo``, made
        again where one is replaced, as :meth:`_assets_changed` does): those four, whether
        the assigner is screened (:func:`airdefense.c2.screen_cycle`: it fires within
        capacity, built on the shared options), the screen's asset arguments, the heights and
        the free channels' buffer the screen writes (S,) int64."""
        asg = self.assigner
        a = self.sc.assets
        screened = bool(getattr(asg, "fires_within_capacity", False)
                        and hasattr(asg, "no_pair_orders")
                        and hasattr(asg, "options_profitable_only"))
        assets = (a.enu, self.value_left, self._asset_alive, a.hardness, a.lethal_radius_m,
                  a.radius_m, self.lethal_radius, self._asset_damaged)
        memo = getattr(self, "_decide_memo", None)
        chan = np.zeros(len(self.sc.sensors), np.int64) if memo is None else memo[7]
        self._decide_memo = (asg, self.value_left, self._asset_alive, self._asset_damaged,
                             screened, assets, self.heights, chan)
        return self._decide_memo

    def decide(self, t: float) -> None:
        tr = self.tracks
        if tr is None or len(tr) == 0:
            return
        # The control unit's classes: each track's, remembered from cycle to cycle (every
        # cycle, so that what it learns does not depend on whether a launcher can fire).
        asg = self.assigner
        classes = self.book.classes
        memo = getattr(self, "_decide_memo", None)
        if (memo is None or memo[0] is not asg or memo[1] is not self.value_left
                or memo[2] is not self._asset_alive or memo[3] is not self._asset_damaged):
            memo = self._decide_setup()
        screened = memo[4]
        if not screened:
            kind = classes.update(tr.track_id, tr.x, t)
        eng = self.engagement
        L = eng.launchers
        # An assigner built on the shared options: one compiled call tells whether the cycle
        # can order anything. No launcher can fire before the next decision (reloading,
        # between launches, no channel): the cycle would change nothing. No pair allowed: the
        # assigner orders nothing (its threat evaluation and options are not built).
        # (The screen updates the classes and, no round queued, the free channels in its
        # compiled call.)
        n = -1
        if screened and not eng._queue:
            chan = memo[7]
            ic = eng.icpt
            n = screen_cycle(asg, t, tr, classes, L, self.book, self.sc.batteries, chan,
                             self.battery_ok, memo[6], self.sensor_ok, memo[5],
                             cache=self._screen_memo, rounds=(ic.n, ic.active, ic.fire_control))
            if n == -1 or n > 0:  # the cycle goes on with the channels: its own array
                chan = chan.copy()
        else:
            chan = eng.channels_free(self.sensor_ok)
            if screened:
                n = screen_cycle(asg, t, tr, classes, L, self.book, self.sc.batteries, chan,
                                 self.battery_ok, memo[6], self.sensor_ok, memo[5],
                                 cache=self._screen_memo)
        if screened:
            if n == -2:
                return
            if n == 0:
                # No order (as a rule): nothing to fire. (Fire with no order only hands the
                # engagement the book's class memory, which it reads for rounds in flight,
                # all fired with orders, each call handing it the same memory.)
                orders = asg.no_pair_orders(t)
                if len(orders):
                    self.engagement.fire(orders, t, self.kinds, self.book, tracks=tr,
                                         sensor_ok=self.sensor_ok)
                return
            kind = classes.last_codes()
        self._decide_rest(t, tr, memo, n, chan, kind)

    def _decide_rest(self, t: float, tr, memo: tuple, n: int, chan: np.ndarray,
                     kind: np.ndarray) -> None:
        """:meth:`decide` after its screen: the cycle in steps where some pair is allowed
        (``n > 0``), the cycle is not screened (``n == -1``) or the assigner not screened,
        from the picture ``tr``, the ``memo`` of :meth:`_decide_setup`, the free channels
        ``chan`` (S,) (the cycle's own array) and the tracks' classes ``kind`` (m,)."""
        asg = self.assigner
        eng = self.engagement
        L = eng.launchers
        a = self.sc.assets
        # The cycle in steps (some pair allowed, or not screened): a launcher whose
        # fire-control radar is down does not fire.
        saved = L.operational
        L.operational = saved & self.sensor_ok[L.fire_control]
        try:
            if n < 0 and getattr(asg, "fires_within_capacity", False) and not firing_capacity(
                    t, L, chan, self.battery_ok, self.sc.batteries,
                    asg.decision_period_s).any():
                return
            # Some pair allowed: the threat evaluation and the options in one compiled call,
            # where the assigner offers it (None: the cycle in steps).
            orders = (asg.decide_screened(t, tr, kind, L, self.book, self.sc.batteries, chan,
                                          self.battery_ok, self.heights, memo[5])
                      if n > 0 and hasattr(asg, "decide_screened") else None)
            # (its assigner leaves the radars' free channels as they are: the fire control's)
            fire_chan = chan if orders is not None else None
            if orders is None:
                ev = evaluate_threats(tr.x, a.enu, self.value_left, self._asset_alive,
                                      P=tr.P,
                                      asset_hardness=a.hardness, asset_radius_m=a.lethal_radius_m,
                                      asset_area_radius_m=a.radius_m,
                                      lethal_radius_m=self.lethal_radius, kind_code=kind,
                                      radius_m=self._radius_m, asset_damaged=self._asset_damaged)
                # Where the screen found some pair allowed, the assigner need not count them.
                orders = (asg.decide(t, tr, ev, L, self.book, self.sc.batteries, chan,
                                     self.battery_ok, self.heights, some_pair=True)
                          if n > 0 and getattr(asg, "decide_some_pair", False) else
                          asg.decide(t, tr, ev, L, self.book, self.sc.batteries, chan,
                                     self.battery_ok, self.heights))
        finally:
            L.operational = saved
        self.engagement.fire(orders, t, self.kinds, self.book, tracks=tr, sensor_ok=self.sensor_ok,
                             channels_free=fire_chan)

    #: The quiet steps' fixed arguments once set up (False: the run takes none; see _quiet).
    _qs: tuple | bool | None = None
    #: The prefetched truth block the quiet steps read, and the prefetch it came from.
    _q_pre: dict | None = None
    _q_block: np.ndarray | None = None

    def _quiet_setup(self) -> tuple | bool:
        """Whether this run's quiet steps can run compiled (:meth:`_quiet`): the truth mode
        bound in one call (``_sense_args``), a screened assigner whose no-pair cycle only
        forgets its solutions, the book's class memory, no munitions, the stages as this
        module defines them (a test's spy on one is called as it is); then the buffers of the
        kernel's state and events and the arguments fixed for the run."""
        from airdefense.c2.evaluation import TrackClasses
        from airdefense.c2.greedy import GreedyAssigner
        from airdefense.c2.wta import WTAAssigner
        from airdefense.simulation import _kernels as SK

        asg = self.assigner
        memo = self._decide_setup()
        nopair = getattr(type(asg), "no_pair_orders", None)
        ok = (_FUSED_STEPS and self._sense_args is not None and len(self._sense_args) == 14
              and not self._children and self._looks is None and memo[4]
              and nopair in (GreedyAssigner.no_pair_orders, WTAAssigner.no_pair_orders)
              and type(self.book.classes) is TrackClasses
              and getattr(self.truth.trajectory, "states_many", None) is not None
              and all(getattr(_Run, name) is f for name, f in _STAGES.items())
              and not any(name in vars(self) for name in _STAGES)
              and type(self.engagement).fly is Engagement.fly
              and "fly" not in vars(self.engagement)
              and self._sense_kernel is _KERNELS["sense_truth"]
              and screen_cycle is _KERNELS["screen_cycle"]
              and _options._kernels.cycle_screen is _KERNELS["cycle_screen"]
              and _engagement_kernels.fly_step is _KERNELS["fly_step"])
        if not ok:
            return False
        n = self.n
        cap = self.seen.size + n * (_PREFETCH + 1)  # first reports and new tracks of a call
        self._q_ev = (np.empty((cap, 4)), np.empty((cap, 3), np.int64))
        iv = np.zeros(SK.QI_SIZE, np.int64)
        fv = np.zeros(SK.QF_SIZE)
        cfg = self.sc.config
        fv[SK.QF_DT], fv[SK.QF_END], fv[SK.QF_STOP] = cfg.step_s, cfg.duration_s, \
            cfg.duration_s - 1e-9
        fv[SK.QF_PERIOD] = cfg.c2.decision_period_s
        from airdefense.engagement.interceptors import _SOLVE
        from airdefense.engagement.model import TERMINAL_S

        iv[SK.QI_GRID], iv[SK.QI_ITER], fv[SK.QF_TOL] = _SOLVE
        fv[SK.QF_TERMINAL] = TERMINAL_S
        fv[SK.QF_GRACE] = self.engagement.coverage_grace_s
        iv[SK.QI_N] = n
        tr = self.truth
        self._q_times = (tr.launch_time_s, tr.end_time_s, self.kill_t, np.empty(n, bool))
        return (SK, iv, fv, nopair is not GreedyAssigner.no_pair_orders)

    def _quiet(self, k: int, t: float, t1: float, next_decision: float, next_prefetch: int
               ) -> tuple | None:
        """Run the quiet steps from step ``k`` (``[t, t1]``) in one compiled call
        (:func:`airdefense.simulation._kernels.quiet_steps`): the steps with no launch, end of
        flight, assessment, reload or change of the threats alive due, no round queued, no
        round lost or ended, and a decision screen that finds no launcher able to fire or no
        pair allowed. Their draws, events, pictures, class memory and channels are those of
        the steps one by one; the state the stages leave is set as they leave it.

        The step's launches are made first (:meth:`run`, as in the step). A kill assessment
        or reload due in a step ends the call after its picture (they and the decision are
        made in :meth:`run`).

        Returns None where step ``k`` is not quiet at its start (nothing done), else ``(phase,
        k, t, t1, next_decision)``: where the call stopped (``QS_BEFORE``: before step ``k``,
        which :meth:`run` makes whole; otherwise inside step ``k``, which :meth:`run` ends from
        there, see :func:`~airdefense.simulation._kernels.quiet_steps`).
        """
        eng = self.engagement
        if (t1 > self._next_launch or self._alive_stale or eng._queue
                or not t1 < self._next_end):
            return None
        if self._cued and eng.round_changes != self._cue_changes:
            return None
        tr = self.tracker
        dec = tr._decay
        if (tr.time_s is None or t1 - tr.time_s != dec[0] or tr.tau_s != dec[1]
                or tr.rng is not tr._rng_link):
            return None
        qs = self._qs
        if qs is None:
            qs = self._qs = self._quiet_setup()
        if qs is False:
            return None
        SK, iv, fv, nopair_call = qs
        pre = self.truth._prefetched
        if pre is not self._q_pre:  # a new block: the array its rows are views of
            # (the truth at the block's start, then at its steps' ends: see run)
            self._q_pre = pre
            row = pre.get(t1)
            b = None if row is None else row.base
            self._q_block = (b if isinstance(b, np.ndarray) and b.ndim == 3
                             and b.shape[0] == _PREFETCH + 1 and b.shape[1:] == row.shape
                             and b[k + 1 + _PREFETCH - next_prefetch].ctypes.data
                             == row.ctypes.data
                             else None)
        block = self._q_block
        if block is None:
            return None
        asg = self.assigner
        memo = self._decide_memo
        if (memo is None or memo[0] is not asg or memo[1] is not self.value_left
                or memo[2] is not self._asset_alive or memo[3] is not self._asset_damaged):
            memo = self._decide_setup()
        classes = self.book.classes
        if eng._classes is not None and eng._classes is not classes:
            return None
        L = eng.launchers
        static, law = _screen_fixed(asg, L, self.sc.batteries, memo[6], classes, memo[5],
                                    self._screen_memo)
        if static is None or law[1] is None:
            return None
        tracks = self.tracks
        flies, bound, held, ok = eng._fly_quiet(self.truth, tracks, self.sensor_ok)
        if not flies:
            bound, held = (None, eng._rows(), 0.0), _NO_HELD
        pm = 0
        tid, tx = _NO_TRACK_ID, _NO_TRACK_X
        if tracks is not None:
            ids = np.asarray(tracks.track_id, np.int64)
            if ids.shape[0]:
                pm = ids.shape[0]
                tid, tx = ids, np.ascontiguousarray(tracks.x, dtype=float)
                fv[SK.QF_PREV_TIME] = tracks.time_s
        ic = eng.icpt
        f, i, b, out_i, out_f = ic._packed
        iv[SK.QI_K], iv[SK.QI_K_END], iv[SK.QI_FLY], iv[SK.QI_ROUNDS] = k, next_prefetch, \
            flies, ic.n
        iv[SK.QI_PIC_OFF], iv[SK.QI_PIC_LAST], iv[SK.QI_PM] = tr._pic_off, tr._pic_last, pm
        fv[SK.QF_T], fv[SK.QF_LAUNCH], fv[SK.QF_DECISION], fv[SK.QF_TRACKER] = \
            t, self._next_launch, next_decision, tr.time_s
        fv[SK.QF_LIMIT] = self._next_end
        fv[SK.QF_DUE] = min(eng._next_assessment_s, L._next_reload_s)
        fv[SK.QF_ALIVE_FROM], fv[SK.QF_ALIVE_TO] = self._alive_from, self._alive_to
        fv[SK.QF_DECAY_DT], fv[SK.QF_RHO], fv[SK.QF_C] = dec[0], dec[2], dec[3]
        fv[SK.QF_RADIUS] = bound[2]
        ev_f, ev_i = self._q_ev
        fs, ns, bs = static
        a = memo[5]
        SK.quiet_steps(
            iv, fv, block, next_prefetch - _PREFETCH - 1, self._alive_mask, self._q_times,
            (f, i, b, out_i, out_f, ok, bound[1], held, tid, tx), self._sense_args, tr._pic[0],
            (classes._buf, self.book._killed_a, self.book._rounds_a, self.book._pending_a,
             L.operational, self.sensor_ok, L.rounds, L.last_fire_s, L.reload_done_s, memo[7],
             self.battery_ok, a[1], a[2], fs, ns, bs, law[1], classes._mem_i, classes._mem_f,
             ic.active, ic.fire_control),
            ev_f, ev_i)
        # The state the stages leave, as they leave it (the outputs read as Python numbers
        # at once: one conversion each array, not one each number).
        io, fo = iv.tolist(), fv.tolist()
        phase = io[SK.QI_PHASE]
        if io[SK.QI_ALIVE]:  # the threats alive found again (a new array, as _alive_step)
            times = self._q_times
            self._alive_mask = times[3]
            self._q_times = times[:3] + (np.empty(self.n, bool),)
            self._alive_from, self._alive_to = fo[SK.QF_ALIVE_FROM], fo[SK.QF_ALIVE_TO]
        if io[SK.QI_EVENTS]:
            self._quiet_events(io[SK.QI_EVENTS])
        if io[SK.QI_FIRST]:
            self._first_reports = self.sensors.first_reports
        if io[SK.QI_SENSED]:
            t_s = fo[SK.QF_TRACKER]
            tr.time_s = t_s
            tr.new_tracks = []
            tr._pic_off = io[SK.QI_OFF]
            self._t1, self._states_t1 = t_s, self._states_at(t_s)
            if phase != SK.QS_SENSED:
                n_fresh = io[SK.QI_FRESH]
                if n_fresh:
                    tr.new_tracks = [(int(tr._last_id[j]), int(j), t_s)
                                     for j in tr._fresh[:n_fresh].tolist()]
                if io[SK.QI_POFF] >= 0:
                    self.tracks = tr._picture_rows(io[SK.QI_POFF], io[SK.QI_PM],
                                                   fo[SK.QF_PREV_TIME])
        foff = io[SK.QI_FOFF]
        if foff >= 0:  # the picture the last flight read
            eng._tracks = (self.tracks if foff == io[SK.QI_POFF] and phase != SK.QS_SENSED
                           else tr._picture_rows(foff, io[SK.QI_FM], fo[SK.QF_FTIME]))
        if io[SK.QI_SCREEN_M] >= 0:  # classes._codes_buffer of the last screen
            classes._last = None
            classes._n = io[SK.QI_SCREEN_M]
        if io[SK.QI_NO_PAIR] and nopair_call:
            asg.no_pair_orders(fo[SK.QF_SCREEN_T])
        return phase, io[SK.QI_K], fo[SK.QF_T], fo[SK.QF_T1], fo[SK.QF_DECISION]

    def _quiet_events(self, n: int) -> None:
        """The first reports and new tracks of the quiet steps, in their order."""
        ev_f, ev_i = self._q_ev
        sensors = self.sc.sensors
        add = self.events.add
        for (ts, px, py, pz), (kind, a, b) in zip(ev_f[:n].tolist(), ev_i[:n].tolist(),
                                                  strict=True):
            if kind == 0:
                add(ts, "detection", threat=a, sensor=b, battery=sensors[b].battery,
                    pos=(px, py, pz))
            else:
                add(ts, "track_start", track=a, threat=b)

    def run(self, tables: bool = True) -> SimulationResult | dict:
        """Run to the end; the result as :meth:`_result` gives it (``tables``)."""
        cfg = self.sc.config
        dt, end = cfg.step_s, cfg.duration_s
        period = cfg.c2.decision_period_s
        next_decision = 0.0
        t = 0.0
        k = 0
        eng = self.engagement
        launchers = eng.launchers
        strikes = self._components.size > 0
        releases = bool(self._children)  # munitions released by platforms
        sense = self.sense_and_track
        stop = end - 1e-9
        next_prefetch = 0
        # The block's start and its steps' ends, min(j dt, end) for j = k, k + 1, ..., k +
        # _PREFETCH: the same floats as Python's (small integers are exact doubles), made in
        # array operations. The start (the last block's end again) lets the block's first step
        # run quiet too (see _quiet).
        ahead = np.arange(0, _PREFETCH + 1, dtype=float)
        quiet = self._sense_args is not None or self._fused is None  # see _quiet
        phase = 0
        while t < stop:
            if k == next_prefetch:  # the truth at the next steps' start and ends, in one pass
                self.truth.prefetch(np.minimum((ahead + k) * dt, end))
                next_prefetch += _PREFETCH
            t1 = (k + 1) * dt
            if t1 > end:
                t1 = end
            # Quiet steps (most) in one compiled call; it stops before a step that is not
            # quiet (made here whole; one with launches due is tried again after them), or
            # inside one, ended here from where it stopped.
            if quiet and self._sense_args is not None:
                if t1 > self._next_launch and not releases:  # the step's launches first
                    self.launches(t, t1)
                got = self._quiet(k, t, t1, next_decision, next_prefetch)
                if got is None:
                    quiet = self._qs is not False
                    phase = 0
                else:
                    phase, k, t, t1, next_decision = got
                    if phase == 0:
                        if k == next_prefetch or not t < stop:
                            continue
                        t1 = (k + 1) * dt
                        if t1 > end:
                            t1 = end
                        if t1 > self._next_launch and not releases:
                            continue  # its launches first (above), then it may be quiet
            # Each stage's own "nothing due" test is made here first (most steps: no launch,
            # end of flight, assessment or reload due), sparing the calls.
            if phase == 0:
                if t1 > self._next_launch:
                    self.launches(t, t1)
                # End games first: a threat killed inside the step is gone for the scans after
                # its kill time (the rounds steer on the picture of the step's start). An
                # impact that may take out a radar or launcher splits the flight: impacts up
                # to it come first.
                t_fly = t
                if strikes and t1 > self._next_end:
                    for t_hit in self.strikes_on_components(t, t1):
                        self.fly_interceptors(t_fly, t_hit)
                        self.impacts(t_fly, t_hit)
                        t_fly = t_hit
                self.fly_interceptors(t_fly, t1)
            elif phase == QS_FLOWN:  # its kernel call made, rounds lost or ended
                eng._fly_outcomes(int(self._qs[1][QI_NB]), int(self._qs[1][QI_NE]), t,
                                  self.truth, self._flying_at, self._kill)
            if phase <= QS_FLOWN:
                if releases and t1 > self._next_launch:
                    self.launches(t, t1, releases=True)
                sense(t, t1)
            elif phase == QS_SENSED:  # its compiled call made: the picture takes a new buffer
                iv = self._qs[1]
                self.tracks = self.tracker._picture(t1, int(iv[QI_M]), int(iv[QI_FRESH]))
            if phase <= QS_DUE:
                if t1 >= self._next_end:
                    self.impacts(t, t1)
                if t1 >= eng.next_assessment_s:
                    self.assess(t1)
                if t1 >= launchers.next_reload_s:
                    eng.reloads(t1)
            if phase >= QS_SCREENED or t1 + 1e-9 >= next_decision:
                if phase == QS_SCREENED:  # its screen made: some pair allowed, or unscreened
                    memo = self._decide_memo
                    self._decide_rest(t1, self.tracks, memo, int(self._qs[1][QI_SCREEN_N]),
                                      memo[7].copy(), self.book.classes.last_codes())
                else:
                    self.decide(t1)
                late = math.floor((t1 + 1e-9 - next_decision) / period)  # cycles overrun
                next_decision += period * max(1, late + 1)
            phase = 0
            t = t1
            k += 1
            if ((self._status_changed or self._n_unresolved == 0) and self._unresolved() == 0
                    and eng.in_flight().size == 0):
                break
        self.status[self.status == _FLYING] = _AIRBORNE
        self.status[self.status == _PENDING] = _NOT_LAUNCHED
        self.engagement.finish()
        return self._result(tables)

    def _result(self, tables: bool = True) -> SimulationResult | dict:
        """The run's SimulationResult; without ``tables`` (a campaign's replication,
        :func:`airdefense.campaign._worker.run_replication`) only what that keeps, without the
        tables: ``{"summary": ..., "events": EventLog}``, the summary of
        :func:`~airdefense.results.summary._summary` without frames (the same numbers)."""
        from airdefense.results.summary import _summary, attack_costs

        tr = self.truth
        reusable, weapon_cost = tr.reusable, tr.weapon_cost
        state = np.array(THREAT_STATES, object)[self.status]
        kind, preset = tr.kind.astype(str), tr.preset.astype(str)
        icols = self.engagement._table_columns()
        a = self.sc.assets
        value_lost = a.value - self.value_left
        stops = int(getattr(self.assigner, "clock_stops", 0))
        # The summary of the arrays the tables are made of (summarize reads them back).
        th = {"state": state, "kind": kind, "preset": preset,
              "unit_cost": np.asarray(tr.unit_cost), "reusable": reusable,
              "weapon_cost": weapon_cost, "parent": tr.parent}
        area_rows = ((np.concatenate(self._area_ids), np.vstack(self._area_fracs))
                     if self._area_ids else None)
        summary = lambda frames: _summary(  # noqa: E731
            self.sc, tr, th, icols, value_lost, self.events.threat_ids("impact"),
            self.events.count("battery_disabled"), len(self.engagement.refused), stops,
            area_rows=area_rows, frames=frames, area_table=self._area_table)
        if not tables:
            return {"summary": summary(False), "events": self.events}
        groups = self.sc.groups
        threats = pd.DataFrame({
            "threat_id": tr.threat_id, "group": [groups[g].name for g in tr.group],
            "kind": kind, "preset": preset,
            "launch_time_s": tr.launch_time_s, "end_time_s": np.minimum(tr.end_time_s, self.kill_t),
            "state": state.tolist(), "unit_cost": tr.unit_cost, "reusable": reusable,
            "weapon_cost": weapon_cost, "parent": tr.parent, "release_time_s": tr.release_time_s,
            "attack_cost": attack_costs(state, tr.unit_cost, reusable, weapon_cost),
            "target_asset": tr.target_asset,
        })
        interceptors = pd.DataFrame(icols)
        states = np.array(["intact", "damaged", "destroyed"])[self.asset_state]
        assets = pd.DataFrame({"asset": a.name, "kind": a.kind, "role": a.role,
                               "value": a.value, "state": states, "value_lost": value_lost})
        res = SimulationResult(scenario=self.sc.name, seed=self.seed,
                               events=self.events.to_frame(), threats=threats,
                               interceptors=interceptors, assets=assets,
                               solver_clock_stops=stops)
        if self.engagement.refused:
            res.refused = pd.DataFrame(self.engagement.refused,
                                       columns=["time_s", "track_id", "launcher", "reason"])
        res.summary = summary(True)
        return res


def simulate(scenario: Scenario | str | Path | dict,
             seed: int | np.random.SeedSequence | None = None, *,
             tracking: str | None = None, solver: str | None = None) -> SimulationResult:
    """Simulate one raid end to end, from the first launch to the last impact or intercept.

    Parameters
    ----------
    scenario : Scenario, path or dict
        A loaded scenario, a scenario file, or a scenario mapping.
    seed : int or numpy.random.SeedSequence, optional
        Seed of this run; defaults to the scenario's ``seed``. Campaigns pass the replication's
        child of ``SeedSequence(seed).spawn(n)``. The same seed gives the same event log; a
        SeedSequence stands for its entropy and spawn key (the children it has spawned
        elsewhere do not count), so the same object gives the same run at every call.
    tracking : {"truth", "full"}, optional
        Overrides the scenario's tracking mode.
    solver : str, optional
        Overrides the scenario's assignment solver (``c2.solver``).

    Returns
    -------
    SimulationResult

    Raises
    ------
    AirDefenseError
        For a seed that is not an integer >= 0 (or a SeedSequence), or a tracking mode other
        than "truth" or "full".

    Examples
    --------
    >>> res = simulate("examples/01_drone_wave.yaml", seed=1)  # doctest: +SKIP
    >>> print(res.summary_table())  # doctest: +SKIP
    """
    return _simulate(scenario, seed, tracking, solver)


def _simulate(scenario: Scenario | str | Path | dict,
              seed: int | np.random.SeedSequence | None, tracking: str | None,
              solver: str | None, tables: bool = True) -> SimulationResult | dict:
    """:func:`simulate`; without ``tables``, only the run's summary (its tables as dicts of
    columns) and event log, ``{"summary": ..., "events": EventLog}``: what a campaign's
    replication keeps, the same numbers without building the result's DataFrames."""
    from airdefense.campaign.runner import _check_int, check_tracking

    check_tracking(tracking)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if seed is None:
        seed = sc.seed
    elif not isinstance(seed, np.random.SeedSequence):
        seed = _check_int("seed", seed, 0)
    return _Run(sc, seed, tracking, solver).run(tables)


#: The stages the quiet steps stand in for (_Run._quiet runs only where they are these).
_STAGES = {name: getattr(_Run, name) for name in (
    "sense_and_track", "_sense_truth", "fly_interceptors", "decide", "_decide_rest",
    "_alive_step", "_cue_sensors", "launches", "impacts", "assess")}
#: The kernels the quiet steps call compiled (a test's spy on one turns them off).
_KERNELS = {"sense_truth": _simulation_kernels.sense_truth, "screen_cycle": screen_cycle,
            "cycle_screen": _options._kernels.cycle_screen,
            "fly_step": _engagement_kernels.fly_step}
