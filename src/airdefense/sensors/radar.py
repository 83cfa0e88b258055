"""Radar network: scanning, detection, measurement and false alarms, vectorised over radars.

:class:`RadarNetwork` holds every radar of a scenario. Each call of :meth:`RadarNetwork.scan`
advances the radars from their last call to ``t`` and returns the detections of the looks that
fell in that interval:

* **Rotating** radars sweep clockwise at ``2 pi / scan_period_s``. A target is looked at when the
  beam passes its azimuth (its azimuth at the end of the call: a target moves a few milliradians
  at most while the beam crosses it); the look time is that crossing, and the target's position
  is moved back to it along its velocity.
* **Electronically steered** radars search their sector once per frame (modelled as a sweep
  across the sector) and revisit held tracks every ``track_revisit_s``. Track dwells
  (``track_dwell_s`` each) take radar time, at most ``track_budget_fraction`` of it, and the search
  frame stretches by ``1 / (1 - track occupancy)``.
* **Cued** radars (``scan: cued``; fire-control radars such as a CW illuminator) do not search:
  they look only at the targets they are cued on (:meth:`RadarNetwork.set_cues`; the simulation
  cues a fire-control radar on the targets of the radar-guided rounds it guides). A cued,
  alive target not yet held gets one acquisition look per call, at the call's time; once held
  it is revisited every ``track_revisit_s`` as by an electronic radar (same dwells, budget and
  capacity), and it is dropped when it is no longer cued. No search means no false alarms.
* Each radar holds at most ``max_tracks`` targets (electronic and cued radars also as many as
  the time budget allows). A detected target enters a free slot; when none is free its detection is not
  reported. A held target is dropped after ``track_drop_misses`` missed looks in a row or when it
  is no longer alive. Track slots follow the truth index: a stand-in for the radar's own
  association, never reported (``Detections.truth_id`` is for metrics only).
* Every look draws the target's RCS fluctuation afresh (Swerling 0/1/3 scan to scan) and a
  square-law detector sample against the threshold set by ``pfa``.
* Targets of one radar within one resolution cell (range gate ``range_resolution_m`` by beam
  ``beamwidth_deg`` in azimuth and elevation, on a fixed grid) merge into one return: powers add,
  the position is the power-weighted centroid, the strongest target is its truth.
* Measurements ``[range, azimuth, elevation, range rate]`` carry Gaussian noise whose sigmas are
  the preset's at the reference SNR, scaled by ``sqrt(SNR_ref / SNR)``.
* False alarms: Poisson with mean ``pfa x cells swept`` per call, uniform over the swept cells.
* A network set :attr:`RadarNetwork.noiseless` draws neither measurement noise nor false
  alarms (the truth tracker reads neither).
* Terrain masks the line of sight when the scenario has a terrain grid: a masked look (at the
  target's position at the look) makes no return, so it merges with no other look, cannot be
  detected and counts a miss of a held target.

A radar that is not operational (:meth:`RadarNetwork.set_operational`) makes no looks and loses
its tracks.

After a call, :meth:`RadarNetwork.looked_at` tells which points some radar looked at during it
(the multi-target tracker's scans of its tracks); a point the terrain masks from a radar was not
looked at by it.

A scan runs in compiled kernels (:mod:`airdefense.sensors._kernels`): without terrain one
kernel call, which draws the random numbers itself with the caller's generator (numba's
generator methods give NumPy's numbers; tested); with terrain three, with the line-of-sight test
of the covered looks after the first (before any return is formed or merged).
"""

from __future__ import annotations

import numpy as np

from airdefense.sensors import _kernels as K
from airdefense.sensors.base import Detections
from airdefense.sensors.coverage import Coverage, _index
from airdefense.sensors.detection import (
    db_to_linear,
    linear_to_db,
    pd_swerling,
    snr_radar_equation,
    threshold_from_pfa,
)

__all__ = ["RadarNetwork", "reference_snr_db"]

_BOLTZMANN = 1.380649e-23
#: Names of the running counts (``RadarNetwork.stats``), in the order of ``K.ST_*``.
_STATS = ("looks", "detections", "false_alarms", "merged", "dropped_capacity")
_TWO_PI = 2.0 * np.pi


def reference_snr_db(preset) -> float:
    """SNR (dB) of a ``ref_rcs_m2`` target at ``ref_range_m`` for a radar preset.

    ``ref_snr_db`` unless the preset gives ``power_aperture_wm2``; then the search radar
    equation ``SNR = P A t_frame rcs / (4 pi Omega k T_s L R^4)`` with ``Omega`` the solid angle
    of the sector and elevation span searched in ``scan_period_s``,
    ``Omega = dAz (sin el_max - sin el_min)`` sr.
    """
    if preset.power_aperture_wm2 is None:
        return float(preset.ref_snr_db)
    # The band's true solid angle: the small-angle dAz dEl overstates it (1.7 dB at 0-85 deg).
    omega = np.radians(preset.azimuth_sector_deg) * (
        np.sin(np.radians(preset.max_elevation_deg))
        - np.sin(np.radians(preset.min_elevation_deg)))
    snr = (preset.power_aperture_wm2 * preset.scan_period_s * preset.ref_rcs_m2) / (
        4 * np.pi * omega * _BOLTZMANN * preset.system_temp_k * preset.ref_range_m**4)
    return float(linear_to_db(snr))


class RadarNetwork:
    """All radars of a scenario, scanned together; arrays are (n_radars, n_targets).

    Parameters
    ----------
    units : list of SensorUnit
        The scenario's radars (``.preset``, ``.enu``); detections name them by list index.
    frame : Frame
        The scenario frame.
    terrain : Terrain, optional
        Elevation grid for terrain masking (``Scenario.terrain``).
    start_time_s : float, default 0
        Time at which the sweeps start (the first call covers ``(start_time_s, t]``).

    Attributes
    ----------
    electronic, cued : ndarray of shape (n_radars,), bool
        Radars with ``scan: electronic``, and those with ``scan: cued`` (see the module
        docstring).
    cue : ndarray of shape (n_radars, n_targets), bool
        Targets each radar is cued on (:meth:`set_cues`; read for cued radars only; sized and
        cleared with the track tables).
    operational : ndarray of shape (n_radars,), bool
        Radars that work; the simulation clears entries when a radar is destroyed or its
        battery is disabled (in place, or through :meth:`set_operational`).
    tracked : ndarray of shape (n_radars, n_targets), bool
        Targets each radar holds in track (after the first scan).
    reported : ndarray of shape (n_radars, n_targets), bool
        Targets each radar has reported at least once (a row of a scan's detections; cleared
        with the track tables when the number of targets changes).
    stats : dict
        Running counts: ``looks``, ``detections``, ``false_alarms``, ``merged``,
        ``dropped_capacity`` (a snapshot, read-only: a property).
    noiseless : bool
        Reports without measurement noise and false alarms (default False; a property).

    Examples
    --------
    >>> net = RadarNetwork.from_scenario(sc)  # doctest: +SKIP
    >>> det = net.scan(2.0, states, rcs_m2, alive, rng)  # doctest: +SKIP
    """

    def __init__(self, units, frame, terrain=None, *, start_time_s: float = 0.0) -> None:
        self.units = list(units)
        p = [u.preset for u in self.units]
        self.presets = p
        n = len(p)
        self.frame = frame
        site = np.array([u.enu for u in self.units], float).reshape(n, 3)
        self.coverage = Coverage(p, site, frame, terrain)
        self.enu = self.coverage.antenna_enu
        self.electronic = np.array([q.scan == "electronic" for q in p], bool)
        self.cued = np.array([q.scan == "cued" for q in p], bool)
        steered = self.electronic | self.cued  # track dwells, budget and revisits
        self.period_s = np.array([q.scan_period_s for q in p], float)
        self.ref_range_m = np.array([q.ref_range_m for q in p], float)
        self.ref_rcs_m2 = np.array([q.ref_rcs_m2 for q in p], float)
        self.ref_snr_db = np.array([reference_snr_db(q) for q in p], float)
        self.losses_db = np.array([q.losses_db for q in p], float)
        self.pfa = np.array([q.pfa for q in p], float)
        # snr_radar_equation folded into one constant per radar: SNR = c rcs / R^4.
        self._snr_const = snr_radar_equation(1.0, 1.0, self.ref_range_m, self.ref_rcs_m2,
                                             self.ref_snr_db, self.losses_db)
        self.threshold = threshold_from_pfa(self.pfa) if n else np.zeros(0)
        self.swerling = np.array([q.swerling for q in p], int)
        self.sigma_ref = np.array(
            [[q.range_sigma_m, np.radians(q.azimuth_sigma_deg), np.radians(q.elevation_sigma_deg),
              q.range_rate_sigma_mps if q.range_rate_sigma_mps else np.nan] for q in p],
            float).reshape(n, 4)
        self.noise_floor = np.array([q.noise_floor_fraction for q in p], float)
        self.range_res_m = np.array([q.range_resolution_m for q in p], float)
        self.beam_rad = np.radians([q.beamwidth_deg for q in p]).reshape(n)
        self.max_rdot = np.array([q.max_range_rate_mps for q in p], float)
        self.revisit_s = np.array([q.track_revisit_s for q in p], float)
        self.dwell_s = np.array([q.track_dwell_s for q in p], float)
        self.budget = np.array([q.track_budget_fraction for q in p], float)
        self.drop_misses = np.array([q.track_drop_misses for q in p], int)
        budget_tracks = np.floor(self.budget * self.revisit_s / self.dwell_s).astype(int)
        cap = np.array([q.max_tracks for q in p], int)
        #: Most targets each radar can hold in track, shape (n_radars,).
        self.capacity = np.where(steered, np.minimum(cap, budget_tracks), cap)
        cov = self.coverage
        # The sweep covers the full circle (rotating) or the sector (electronic search; a cued
        # radar makes none).
        self.sweep_rad = np.where(steered, cov.sector_rad, _TWO_PI)
        self.sweep_start = np.where(steered, cov.boresight_rad - 0.5 * cov.sector_rad,
                                    cov.boresight_rad)
        self.operational = np.ones(n, bool)
        # Running counts (see stats), cell sizes and the generator's pointers, one array
        # (K.CI_*; views _counts, _cell_sizes and _rng_ptrs).
        # (with the count of looks before the last scan call: see looked_at)
        self._ci = np.zeros(K.CI_N, np.int64)
        self._precompute(float(start_time_s))
        self._ensure_targets(0, force=True)

    @classmethod
    def from_scenario(cls, scenario, *, start_time_s: float = 0.0) -> RadarNetwork:
        """Build the network of a loaded scenario (its radars, frame and terrain)."""
        return cls(scenario.sensors, scenario.frame, scenario.terrain, start_time_s=start_time_s)

    def __len__(self) -> int:
        return len(self.units)

    # Views of the packed arrays (_rc, _ci and the track tables _tf, _ti, _tb): rebuilt by
    # _bind after a copy, which would make them arrays of their own.
    _VIEWS = ("phase", "t_last", "_sweep", "_counts", "_cell_sizes", "_rng_ptrs", "tracked",
              "cue", "reported", "misses", "next_look_s", "_wf", "_wi", "_look_f", "_ret_f",
              "_look_i", "_ret_i")

    def __getstate__(self) -> dict:
        # The generator link holds raw pointers: not carried over (nor the pointers).
        state = {k: v for k, v in self.__dict__.items() if k not in self._VIEWS}
        state["_ci"] = self._ci.copy()
        state["_ci"][K.CI_RNG:K.CI_RNG + 5] = 0
        state["_rng_link"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind()

    @property
    def stats(self) -> dict:
        """Running counts since construction, a new dict each time (see the class docstring)."""
        return dict(zip(_STATS, self._counts[:len(_STATS)].tolist(), strict=True))

    @property
    def noiseless(self) -> bool:
        """Whether the scans report without measurement noise and without false alarms.

        False by default. When set, a scan draws neither (the rest of its draws, hence its
        looks, detections and track tables, are unchanged): each detection's ``z`` is the
        return's true (merged) geometry and ``R`` the covariance it would have had. For a
        consumer that reads neither, such as the truth tracker (``tracking: truth``, which
        makes its own estimate error); the running count of false alarms then stays put.
        """
        return bool(self._ci[K.CI_NOISELESS])

    @noiseless.setter
    def noiseless(self, value: bool) -> None:
        self._ci[K.CI_NOISELESS] = bool(value)

    @property
    def first_reports(self) -> int:
        """Running count of (radar, target) pairs reported for the first time (see
        ``reported``): a scan that leaves it unchanged reported no target new to its radar."""
        return int(self._counts[K.ST_FIRST])

    # ------------------------------------------------------------------ state
    def set_operational(self, mask) -> None:
        """Set which radars work, shape (n_radars,) bool; stopped radars lose their tracks."""
        m = np.asarray(mask, bool).reshape(len(self))
        self.operational[:] = m

    def _ensure_targets(self, n: int, force: bool = False) -> None:
        """Track tables and scan work space for ``n`` targets (reset when ``n`` changes).

        Three arrays (see :func:`K.scan <airdefense.sensors._kernels.scan>`): floats ``_tf``
        (``next_look_s``, then the work space ``_wf``), integers ``_ti`` (``misses``, then
        ``_wi``) and booleans ``_tb`` (``tracked``, ``cue``, ``reported``); the attributes are
        views of them.
        """
        if force or self.tracked.shape[1] != n:
            kn = len(self) * n
            # At most one look (search or track revisit) per radar-target pair and call; looks
            # and returns side by side in one float and one integer array (see K.scan_looks).
            self._tf = np.empty(kn * (1 + K.WF_N))
            self._tf[:kn] = np.inf
            self._ti = np.empty(kn * (1 + K.WI_N), np.int64)
            self._ti[:kn] = 0
            self._tb = np.zeros(3 * kn, bool)
            self._n = n
            self._bind()

    def _bind(self) -> None:
        """The views (``_VIEWS``) of the packed arrays ``_rc``, ``_ci``, ``_tf``, ``_ti`` and
        ``_tb``."""
        k, n = len(self), self._n
        kn = k * n
        rc = self._rc
        #: Fraction of the current sweep done, [0, 1), shape (n_radars,) (view of ``_rc``).
        self.phase = rc[:, K.RC_PHASE]
        #: End of the previous call, s, shape (n_radars,) (view of ``_rc``).
        self.t_last = rc[:, K.RC_T_LAST]
        self._sweep = rc[:, K.SW_RATE:K.SW_LAM + 1]  # the current call's sweep (a view)
        ci = self._ci
        self._counts = ci[K.CI_COUNTS:K.CI_COUNTS + K.ST_N]
        self._cell_sizes = ci[K.CI_CELLS:K.CI_CELLS + 4]
        self._rng_ptrs = ci[K.CI_RNG:K.CI_RNG + 5].view(np.uintp)
        self.next_look_s = self._tf[:kn].reshape(k, n)
        self._wf = self._tf[kn:].reshape(kn, K.WF_N)
        self.misses = self._ti[:kn].reshape(k, n)
        self._wi = self._ti[kn:].reshape(kn, K.WI_N)
        self.tracked, self.cue, self.reported = self._tb.reshape(3, k, n)
        # Views of the look and return columns, for inspection.
        self._look_f, self._ret_f = self._wf[:, :K.LF_N], self._wf[:, K.LF_N:]
        self._look_i, self._ret_i = self._wi[:, :K.LI_N], self._wi[:, K.LI_N:]

    def set_cues(self, radar, target, *, n_targets: int | None = None) -> None:
        """Cue radars on targets: the pairs ``(radar[j], target[j])``, every other pair uncued.

        A cued radar (``cued``) looks only at the alive targets it is cued on (see the module
        docstring) and drops a held target once it is no longer cued; the other radars ignore
        their cues. The cues hold until the next call (or until the track tables are resized).

        Parameters
        ----------
        radar : array_like of int, shape (c,)
            Radar index of each pair, in ``[0, n_radars)``.
        target : array_like of int, shape (c,)
            Target index of each pair (rows of the scans' states). A negative target (e.g. the
            -1 of a round fired at a false track) or one beyond the track tables is ignored.
        n_targets : int, optional
            Number of targets of the coming scans: when the track tables hold another number
            (a scan would resize and clear them, cues included), they are resized first. By
            default they keep their size.

        Raises
        ------
        ValueError
            If ``radar`` and ``target`` differ in length.
        IndexError
            If a radar index is out of range.
        """
        r = np.asarray(radar, np.int64).reshape(-1)
        c = np.asarray(target, np.int64).reshape(-1)
        if r.size != c.size:
            raise ValueError(f"radar and target must have the same length, got {r.size} and "
                             f"{c.size}")
        k = len(self)
        if n_targets is not None and self._n != n_targets:  # (rare) check before resizing
            if r.size and (r.min() < 0 or r.max() >= k):
                bad = r[(r < 0) | (r >= k)][0]
                raise IndexError(f"radar index {bad} is out of range for {k} radars")
            self._ensure_targets(int(n_targets))
        j = K.set_cues(self.cue, r, c)
        if j >= 0:
            raise IndexError(f"radar index {r[j]} is out of range for {k} radars")

    def occupancy(self) -> np.ndarray:
        """Fraction of each electronic or cued radar's time spent on track dwells (0 for a
        rotating radar), shape (n_radars,)."""
        return K.occupancy(self._rc, self.tracked, False)

    def sweep_rate(self) -> np.ndarray:
        """Sweeps per second of each radar now (electronic frames stretch with track load; 0
        for a cued radar, which does not search), shape (n_radars,)."""
        return K.occupancy(self._rc, self.tracked, True)

    def false_alarm_cells(self) -> np.ndarray:
        """Resolution cells in one full sweep of each radar (0 for a cued radar, which makes no
        search), shape (n_radars,)."""
        cov = self.coverage
        n_r = (cov.max_range_m - cov.min_range_m) / self.range_res_m
        n_el = np.maximum((cov.max_elevation_rad - cov.min_elevation_rad) / self.beam_rad, 1.0)
        n_az = self.sweep_rad / self.beam_rad
        return np.where(self.cued, 0.0, n_r * n_el * n_az)

    def expected_false_alarms_per_scan(self) -> np.ndarray:
        """Mean false alarms in one full sweep (inside the sector; 0 for a cued radar), shape
        (n_radars,)."""
        frac = np.where(self.electronic, 1.0, self.coverage.sector_rad / _TWO_PI)
        return self.pfa * self.false_alarm_cells() * np.minimum(frac, 1.0)

    # ------------------------------------------------------------------ physics
    def mean_snr(self, radar: np.ndarray, range_m, rcs_m2) -> np.ndarray:
        """Mean (unfluctuated) SNR, linear, of pairs ``radar`` at ``range_m`` with ``rcs_m2``."""
        c = self._snr_const[np.asarray(radar, np.intp)]
        r, c, rcs = np.broadcast_arrays(np.asarray(range_m, float), c, np.asarray(rcs_m2, float))
        # (copies: the kernel's typing reads a broadcast view's write flag, which NumPy
        # deprecates reading as writeable)
        return K.mean_snr_pairs(*(np.array(a, float).ravel() for a in (c, rcs, r))
                                ).reshape(r.shape)

    def detection_probability(self, pos: np.ndarray, rcs_m2: float | np.ndarray = 1.0,
                              *, terrain: bool = True) -> np.ndarray:
        """Single-look detection probability of each radar at each point.

        Parameters
        ----------
        pos : ndarray of shape (n, 3)
            Points, ENU, m.
        rcs_m2 : float or ndarray of shape (n,), default 1
            Mean RCS, m^2.
        terrain : bool, default True
            Apply terrain masking (where the scenario has terrain).

        Returns
        -------
        ndarray of shape (n_radars, n)
            Pd, 0 outside coverage.
        """
        pos = np.asarray(pos, float).reshape(-1, 3)
        k = len(self)
        ridx = np.arange(k)[:, None]
        g = self.coverage.geometry(ridx, pos[None, :, :])
        snr = self.mean_snr(ridx, g.range_m, np.broadcast_to(rcs_m2, (pos.shape[0],))[None, :])
        pd = np.zeros((k, pos.shape[0]))
        for sw in np.unique(self.swerling):
            rows = self.swerling == sw
            pd[rows] = pd_swerling(snr[rows], self.pfa[rows, None], int(sw))
        pd = np.where(g.covered, pd, 0.0)
        if terrain and self.coverage.terrain is not None:
            ri, ci = np.nonzero(pd > 1e-4)
            clear = self.coverage.terrain_clear(ri, pos[ci])
            pd[ri[~clear], ci[~clear]] = 0.0
        return pd

    # ------------------------------------------------------------------ scan
    def _precompute(self, start_time_s: float) -> None:
        """Per-radar constants and sweep state of the scan kernels (one array, ``_rc``).

        See :mod:`airdefense.sensors._kernels`; ``phase`` and ``t_last`` are views of its
        sweep-state columns.
        """
        k = len(self)
        cov = self.coverage
        rc = np.empty((k, K.RC_N))
        rc[:, :K.G_N] = cov._geo
        rc[:, K.RC_ELECTRONIC] = self.electronic | self.cued
        rc[:, K.RC_CUED] = self.cued
        rc[:, K.RC_PERIOD] = self.period_s
        rc[:, K.RC_DWELL] = self.dwell_s
        rc[:, K.RC_REVISIT] = self.revisit_s
        rc[:, K.RC_BUDGET] = self.budget
        rc[:, K.RC_SWEEP_START] = self.sweep_start
        rc[:, K.RC_SWEEP] = self.sweep_rad
        rc[:, K.RC_SNR_CONST] = self._snr_const
        rc[:, K.RC_STEADY] = self.swerling == 0
        rc[:, K.RC_THRESHOLD] = self.threshold
        rc[:, K.RC_DROP_MISSES] = self.drop_misses
        rc[:, K.RC_CAPACITY] = self.capacity
        rc[:, K.RC_RANGE_RES] = self.range_res_m
        rc[:, K.RC_BEAM] = self.beam_rad
        #: Mean false alarms per full sweep before the swept fraction.
        rc[:, K.RC_PFA_CELLS] = self.pfa * self.false_alarm_cells()
        rc[:, K.RC_MIN_RANGE] = cov.min_range_m
        rc[:, K.RC_RANGE_SPAN] = cov.max_range_m - cov.min_range_m
        rc[:, K.RC_MIN_EL] = cov.min_elevation_rad
        rc[:, K.RC_EL_SPAN] = cov.max_elevation_rad - cov.min_elevation_rad
        rc[:, K.RC_MAX_RDOT] = self.max_rdot
        rc[:, K.RC_REF_SNR] = db_to_linear(self.ref_snr_db)
        rc[:, K.RC_NOISE_FLOOR] = self.noise_floor
        rc[:, K.RC_SIGMA:K.RC_SIGMA + 4] = self.sigma_ref
        # Gamma shape and scale of the fluctuation draw (Swerling 0 draws too: it keeps the
        # draw order; its sample is then ignored).
        rc[:, K.RC_GAMMA_SHAPE] = np.where(self.swerling == 1, 1.0, 2.0)
        rc[:, K.RC_GAMMA_SCALE] = 1.0 / rc[:, K.RC_GAMMA_SHAPE]
        rc[:, K.RC_PHASE] = 0.0
        rc[:, K.RC_T_LAST] = start_time_s
        rc[:, K.SW_RATE:K.SW_LAM + 1] = 0.0
        self._rc = rc  # (its views phase, t_last and _sweep: see _bind)
        # Resolution cells as one int64 key (radar, range gate, azimuth beam, elevation beam):
        # bounds of each index over covered looks, so the key orders cells lexicographically
        # (zeros: the key would overflow, cells are ranked instead).
        cells = self._ci[K.CI_CELLS:K.CI_CELLS + 4]
        cells[:] = 0
        if k:
            n_r = int(np.floor((cov.max_range_m / self.range_res_m).max())) + 2
            b = float(self.beam_rad.min())
            n_a = int(np.floor(_TWO_PI / b)) + 2
            n_e = int(np.floor(np.pi / b)) + 2
            if float(k) * n_r * n_a * n_e < 2.0**62:
                cells[:] = (k, n_r, n_a, n_e)
        # Radars and no terrain: step's shortcut to the one-call scan (when _scan is this
        # class's own, not overridden nor patched).
        self._fast = k > 0 and cov.terrain is None
        self._no_array = np.zeros(0)
        self._no_table = np.zeros((1, 0))
        self._no_states = np.zeros((0, 6))
        # The generator the kernels draw from (valid while it lives: the link holds it;
        # checked by identity each call); its K.generator_pointers are in _ci (_rng_ptrs).
        self._rng_link = None
        # step's per-run inputs of the truth it was last given (see _truth_inputs).
        self._truth_link = (None,) * 7

    def pair_aspect_rcs_m2(self, states, radar, target, front_m2, side_m2, tail_m2):
        """Aspect RCS of radar-target pairs, m^2, shape (k,).

        :func:`airdefense.threats.rcs.aspect_rcs_m2` of ``states[target]`` seen from the antenna
        of ``radar``, with the same arithmetic operation for operation (so the same bits), in
        one compiled loop over the pairs.

        Parameters
        ----------
        states : ndarray of shape (n, 6)
            Truth states, ENU, m and m/s.
        radar, target : ndarray of int, shape (k,)
            The pairs.
        front_m2, side_m2, tail_m2 : ndarray of shape (n,)
            Nose-on, broadside and tail-on RCS of each target, m^2.

        Raises
        ------
        IndexError
            If a radar or target index is out of range.
        """
        states = np.ascontiguousarray(states, float).reshape(-1, 6)
        n = states.shape[0]
        f, s, t = (np.ascontiguousarray(np.broadcast_to(np.asarray(a, float), (n,)))
                   for a in (front_m2, side_m2, tail_m2))
        return K.aspect_rcs_pairs(self.enu, states, _index(radar, len(self), "radar"),
                                  _index(target, n, "target"), f, s, t)

    def scan(self, t: float, states: np.ndarray, rcs_m2: np.ndarray, alive: np.ndarray,
             rng: np.random.Generator) -> Detections:
        """Advance every radar to time ``t`` and return the detections of the looks made.

        Parameters
        ----------
        t : float
            Time, s; later than the previous call.
        states : ndarray of shape (n, 6)
            Truth ``[x, y, z, vx, vy, vz]`` at ``t``, ENU, m and m/s (moved back along the
            velocity to each look's time).
        rcs_m2 : ndarray of shape (n,) or (n_radars, n)
            Mean RCS of each target (as each radar sees it), m^2.
        alive : ndarray of shape (n,), bool
            Targets that exist (launched, not yet destroyed or impacted).
        rng : numpy.random.Generator

        Returns
        -------
        Detections
            Target detections and false alarms, sorted by time.

        Notes
        -----
        Cued radars look only at the targets of ``cue`` (:meth:`set_cues`; cleared when the
        number of targets changes).
        """
        states = np.ascontiguousarray(states, float).reshape(-1, 6)
        n = states.shape[0]
        alive = np.ascontiguousarray(alive, bool).reshape(n)
        rcs = np.ascontiguousarray(rcs_m2, float)
        if rcs.shape not in ((n,), (len(self), n)):
            raise ValueError(f"rcs_m2 must have shape ({n},) or ({len(self)}, {n}) for "
                             f"{len(self)} radars and {n} targets, got {rcs.shape}")
        return self._scan(float(t), states, rcs.reshape(1, -1) if rcs.ndim < 2 else rcs, None,
                          alive, rng)

    def _scan(self, t: float, states: np.ndarray, rcs_table: np.ndarray, aspect,
              alive: np.ndarray, rng: np.random.Generator,
              launch_s: np.ndarray | None = None, t0: float = 0.0,
              states0: np.ndarray | None = None) -> Detections:
        """:meth:`scan` of C-contiguous float64 ``states`` (n, 6) and bool ``alive`` (n,).

        The mean RCS of a look is ``rcs_table[radar, target]`` (one row: the same for every
        radar), or, when ``aspect`` is ``(front, side, tail)`` (each (n,)), the aspect RCS of
        the target at ``t`` seen from the radar. ``launch_s`` (shape (n,)), when given, drops
        detections of a target looked at before its launch from the output (they still count
        in the track tables).

        The scan is compiled (:mod:`airdefense.sensors._kernels`) and draws its random numbers
        inside, with ``rng``, in this order: fluctuation (one gamma per look), detector (two
        normals per return), measurement noise of the detections (four normals each),
        false-alarm counts (one Poisson per radar), their positions (four uniforms each) and
        detector excesses (one exponential each), then the noise of the false alarms kept in the
        sector (four normals each). Without terrain it is one kernel call
        (:func:`~airdefense.sensors._kernels.scan`); with terrain, the looks come first
        (``scan_looks``, no draw), then the line-of-sight test of the covered looks runs here
        (a masked look becomes uncovered: no return, no merge, no detector draw; its
        fluctuation is still drawn, one per look as always), then ``scan_detect`` and
        ``scan_report`` make the rest of the scan with the draws in the order above.
        """
        if not self.units:
            return Detections.empty()
        n = states.shape[0]
        if self.tracked.shape[1] != n:
            self._ensure_targets(n)
        if aspect is None:
            front = side = tail = self._no_array
        else:
            front, side, tail = aspect
            rcs_table = self._no_table
        if launch_s is None:
            launch_s = self._no_array
        if states0 is None:
            states0 = self._no_states
        if rng is not self._rng_link:  # another generator: its pointers, once
            self._rng_ptrs[:] = K.generator_pointers(rng)
            self._rng_link = rng
        ci = self._ci
        if self.coverage.terrain is None:
            return Detections(*K.scan(
                t, t0, aspect is not None, states, states0, alive, rcs_table, front, side, tail,
                launch_s, self._rc, self.operational, self._tf, self._ti, self._tb, ci))
        ci[K.CI_LOOKS0] = ci[K.CI_COUNTS + K.ST_LOOKS]  # the call's looks: the count's growth
        rc, wf, wi, ptrs = self._rc, self._wf, self._wi, self._rng_ptrs
        m = K.scan_looks(t, states, alive, rcs_table, front, side, tail, aspect is not None, rc,
                         self.operational, self.tracked, self.next_look_s, self.cue, wf, wi, t0,
                         states0, launch_s)
        # Terrain masking of the covered looks, before they make returns and merge.
        cov = np.flatnonzero(wi[:m, K.LI_COVERED])
        if cov.size:
            wi[cov, K.LI_COVERED] = self.coverage.terrain_clear(
                wi[cov, K.LI_RADAR], wf[cov, K.LF_POS:K.LF_POS + 3])
        nr, merged, _ = K.scan_detect(m, states, rc, self._cell_sizes, wf, wi, ptrs)
        return Detections(*K.scan_report(
            t, m, nr, merged, launch_s, rc, self.operational, self.tracked, self.misses,
            self.next_look_s, wf, wi, self.reported, self._counts, ptrs,
            bool(ci[K.CI_NOISELESS])))

    def looked_at(self, pos: np.ndarray, *, edge_beams: float = 1.0) -> np.ndarray:
        """Whether some radar looked at each point during the last scan call.

        A radar looked at a point inside its coverage (range, altitude, elevation, sector and
        the 4/3-earth horizon) and not masked from it by the terrain (where the scenario has
        terrain: :meth:`Coverage.terrain_clear <airdefense.sensors.coverage.Coverage.
        terrain_clear>`, the test of the scan's looks) when, in that call, its search sweep
        passed the point's azimuth (a rotating radar's turn, an electronic radar's sweep of its
        sector; a call that swept a whole turn or frame passed every azimuth), or one of an
        electronic radar's looks (its track revisits) pointed within one beamwidth of the point.
        A radar that was stopped during the call looked nowhere. This is what the multi-target
        tracker counts as a scan of a track (its predicted position at the call's time).

        Parameters
        ----------
        pos : ndarray of shape (q, 3)
            Points, ENU, m.
        edge_beams : float, default 1
            Beamwidths at both edges of a partial sweep that count as not looked at: a point
            there, being an estimate, may have been looked at in the next or previous call.

        Returns
        -------
        ndarray of shape (q,), bool

        Raises
        ------
        ValueError
            If ``edge_beams`` is negative or not finite.
        """
        return self._looks(pos, edge_beams, False)

    def looked_by(self, pos: np.ndarray, *, edge_beams: float = 1.0) -> np.ndarray:
        """Which radars looked at each point during the last scan call: :meth:`looked_at` per
        radar, shape (q, n_radars) bool (columns by radar index, as ``Detections.sensor``).

        ``looked_by(pos).any(axis=1)`` is ``looked_at(pos)``. The multi-target tracker takes
        it as its ``scanned`` callable to predict each look's detection probability for the
        radars that made it (:meth:`~airdefense.tracking.management.TrackManager.look_pd`).

        Raises
        ------
        ValueError
            If ``edge_beams`` is negative or not finite.
        """
        return self._looks(pos, edge_beams, True)

    def _looks(self, pos: np.ndarray, edge_beams: float, per_radar: bool) -> np.ndarray:
        """:meth:`looked_by` (``per_radar``) or :meth:`looked_at` of the last scan call, after
        checking ``edge_beams``."""
        if not 0.0 <= edge_beams < np.inf:
            raise ValueError(f"edge_beams must be finite and >= 0 beamwidths, got {edge_beams}")
        pos = np.ascontiguousarray(pos, float).reshape(-1, 3)
        if not self.units:
            return np.zeros((pos.shape[0], 0) if per_radar else pos.shape[0], bool)
        ci = self._ci
        m = int(ci[K.CI_COUNTS + K.ST_LOOKS] - ci[K.CI_LOOKS0])
        if self.coverage.terrain is None:  # one kernel call (the tracker's, every step)
            kernel = K.looked_by if per_radar else K.looked_at
            return kernel(self._rc, pos, m, self._wf, self._wi, float(edge_beams))
        # With terrain, every radar's table (looked_at stops at the first radar), then the
        # line of sight of the pairs that passed the other tests.
        table = K.looked_by(self._rc, pos, m, self._wf, self._wi, float(edge_beams))
        p, i = np.nonzero(table)
        if p.size:
            table[p, i] = self.coverage.terrain_clear(i, pos[p])
        return table if per_radar else table.any(axis=1)

    def step(self, t0: float, t1: float, truth, alive, rng: np.random.Generator) -> Detections:
        """Drop-in for the simulation loop: scan to ``t1`` with the truth at ``t0`` and ``t1``.

        Parameters
        ----------
        t0, t1 : float
            The step, s (each radar remembers its last call, which is ``t0`` in the loop).
            The truth at ``t0`` and ``t1`` brackets the looks: each look sees its target on the
            cubic Hermite curve between them (``sensors._kernels.look_state``; a target
            launched within the step, or a step with ``t0 >= t1``, straight back along its
            velocity at ``t1``).
        truth : ThreatSet
            Ground truth; ``truth.states(t0)``, ``truth.states(t1)`` and ``truth.rcs_m2`` are
            used, or ``truth.trajectory.rcs_m2(t1, radar_enu)`` per radar when the trajectory
            has it.
        alive : callable
            ``alive(t) -> (n,) bool``.
        rng : numpy.random.Generator
        """
        t0, t1 = float(t0), float(t1)
        args = self._step_args(t0, t1, truth, alive(t1), rng)
        if args is not None:  # straight to the kernel
            return Detections(*K.scan(*args))
        states = np.ascontiguousarray(truth.states(t1), float)
        states0 = np.ascontiguousarray(truth.states(t0), float) if t0 < t1 else None
        n = states.shape[0]
        al = np.ascontiguousarray(alive(t1), bool).reshape(n)
        aspect, table, launch = self._truth_inputs(t1, truth, n)
        return self._scan(t1, states, table, aspect, al, rng, launch, t0, states0)

    def _step_args(self, t0: float, t1: float, truth, alive: np.ndarray,
                   rng: np.random.Generator) -> tuple | None:
        """The arguments of :func:`K.scan <airdefense.sensors._kernels.scan>` for
        :meth:`step`'s scan, or None where it takes the general path.

        The one-call scan applies when the network has radars and no terrain, ``_scan`` is
        this class's own, and ``truth``'s launch times and trajectory RCS arrays are the
        sources cached by an earlier call (``_truth_link``, see :meth:`_truth_inputs`; so the
        first call takes the general path). Resizes the track tables to the truth's targets
        and links ``rng``'s pointers: a caller may run the kernel inside a compiled call of
        its own (the simulation's truth-mode step, :mod:`airdefense.simulation._kernels`).

        Parameters
        ----------
        t0, t1 : float
            The step, s (Python floats).
        truth : ThreatSet
            As for :meth:`step`.
        alive : ndarray of shape (n,), bool
            Targets alive at ``t1``.
        rng : numpy.random.Generator
        """
        traj = getattr(truth, "trajectory", None)
        front = getattr(traj, "rcs_front_m2", None)
        link = self._truth_link
        if not (front is not None and front is link[2] and traj is link[1]
                and getattr(truth, "launch_time_s", None) is link[0]
                and traj.rcs_side_m2 is link[3] and traj.rcs_tail_m2 is link[4]
                and self._fast and type(self)._scan is _SCAN):
            return None
        states = np.ascontiguousarray(truth.states(t1), float)
        n = states.shape[0]
        al = np.ascontiguousarray(alive, bool)
        if al.shape != (n,):
            al = al.reshape(n)
        if self._n != n:
            self._ensure_targets(n)
        if rng is not self._rng_link:
            self._rng_ptrs[:] = K.generator_pointers(rng)
            self._rng_link = rng
        states0 = (np.ascontiguousarray(truth.states(t0), float) if t0 < t1
                   else self._no_states)
        aspect, launch = link[5], link[6]
        return (t1, t0, True, states, states0, al, self._no_table, aspect[0], aspect[1],
                aspect[2], self._no_array if launch is None else launch, self._rc,
                self.operational, self._tf, self._ti, self._tb, self._ci)

    def _truth_inputs(self, t1: float, truth, n: int):
        """(aspect, rcs table, launch times) of :meth:`step` for the kernels.

        ``aspect`` is the trajectory's ``(front, side, tail)`` RCS arrays when it has them
        (``table`` None), else ``table`` is the mean RCS of the targets at ``t1`` seen by each
        radar (one row: the same for all). When the aspect arrays and the launch times are
        contiguous float64 already (the kernels read them as they are, so a change of their
        values is seen too), they are cached in ``_truth_link`` with their sources: later calls
        reuse them while ``truth.trajectory``, its three RCS arrays and ``truth.launch_time_s``
        are the same objects.
        """
        traj = getattr(truth, "trajectory", None)
        aspect, table = None, None
        if len(self) and hasattr(traj, "rcs_front_m2"):
            # Aspect RCS of the looked-at pairs only, from the (memoised) truth states at t1.
            src = (traj.rcs_front_m2, traj.rcs_side_m2, traj.rcs_tail_m2)
            aspect = tuple(np.ascontiguousarray(a, float) for a in src)
        elif len(self) and callable(getattr(traj, "rcs_m2", None)):
            table = np.stack([np.asarray(traj.rcs_m2(t1, e), float) for e in self.enu])
        else:
            rcs = np.asarray(truth.rcs_m2, float)
            table = (np.broadcast_to(rcs, (n,)).reshape(1, n) if rcs.ndim < 2
                     else np.broadcast_to(rcs, (len(self), n)))
            table = np.ascontiguousarray(table)
        launch_src = getattr(truth, "launch_time_s", None)
        launch = None if launch_src is None else np.ascontiguousarray(launch_src, float)
        if aspect is not None and launch is launch_src and all(
                a is b for a, b in zip(aspect, src, strict=True)):
            self._truth_link = (launch_src, traj, *src, aspect, launch)
        return aspect, table, launch


_SCAN = RadarNetwork._scan  # what step's shortcut stands for (see _precompute)
