"""Radar network: scanning, detection, measurement and false alarms, vectorised over radars.

:class:`RadarNetwork` holds every radar of a scenario. Each call of :meth:`RadarNetwork.scan`
advances the radars from their last call to ``t`` and returns the detections of the looks that
fell in that interval:

* **Rotating** radars sweep clockwise at ``2 pi / scan_period_s``. A target is looked at when the
  beam passes its azimuth; the look time is solved from the target's azimuth (refined once for
  its motion) and its position is moved back to that time along its velocity.
* **Electronically steered** radars search their sector once per frame (modelled as a sweep
  across the sector) and revisit held tracks every ``track_revisit_s``. Track dwells
  (``track_dwell_s`` each) take radar time, at most ``track_budget_fraction`` of it, and the search
  frame stretches by ``1 / (1 - track occupancy)``.
* Each radar holds at most ``max_tracks`` targets (electronic radars also as many as the time
  budget allows). A detected target enters a free slot; when none is free its detection is not
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
* Terrain masks the line of sight when the scenario has a terrain grid.

A radar that is not operational (:meth:`RadarNetwork.set_operational`) makes no looks and loses
its tracks.
"""

from __future__ import annotations

import numpy as np

from airdefense.sensors.base import Detections
from airdefense.sensors.coverage import Coverage
from airdefense.sensors.detection import (
    db_to_linear,
    draw_detector,
    linear_to_db,
    pd_swerling,
    snr_radar_equation,
    threshold_from_pfa,
)

__all__ = ["RadarNetwork", "reference_snr_db"]

_BOLTZMANN = 1.380649e-23
_TWO_PI = 2.0 * np.pi


def reference_snr_db(preset) -> float:
    """SNR (dB) of a ``ref_rcs_m2`` target at ``ref_range_m`` for a radar preset.

    ``ref_snr_db`` unless the preset gives ``power_aperture_wm2``; then the search radar
    equation ``SNR = P A t_frame rcs / (4 pi Omega k T_s L R^4)`` with ``Omega`` the solid angle
    of the sector and elevation span searched in ``scan_period_s``.
    """
    if preset.power_aperture_wm2 is None:
        return float(preset.ref_snr_db)
    omega = np.radians(preset.azimuth_sector_deg) * np.radians(
        preset.max_elevation_deg - preset.min_elevation_deg)
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
    operational : ndarray of shape (n_radars,), bool
        Radars that work; the simulation clears entries when a radar is destroyed or its
        battery is disabled (in place, or through :meth:`set_operational`).
    tracked : ndarray of shape (n_radars, n_targets), bool
        Targets each radar holds in track (after the first scan).
    stats : dict
        Running counts: ``looks``, ``detections``, ``false_alarms``, ``merged``,
        ``dropped_capacity``.

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
        self.capacity = np.where(self.electronic, np.minimum(cap, budget_tracks), cap)
        cov = self.coverage
        # The sweep covers the full circle (rotating) or the sector (electronic search).
        self.sweep_rad = np.where(self.electronic, cov.sector_rad, _TWO_PI)
        self.sweep_start = np.where(self.electronic, cov.boresight_rad - 0.5 * cov.sector_rad,
                                    cov.boresight_rad)
        self.operational = np.ones(n, bool)
        self.phase = np.zeros(n)  # fraction of the current sweep done, [0, 1)
        self.t_last = np.full(n, float(start_time_s))
        self.tracked = np.zeros((n, 0), bool)
        self.misses = np.zeros((n, 0), int)
        self.next_look_s = np.zeros((n, 0))
        self.stats = dict(looks=0, detections=0, false_alarms=0, merged=0, dropped_capacity=0)
        self._precompute()

    @classmethod
    def from_scenario(cls, scenario, *, start_time_s: float = 0.0) -> RadarNetwork:
        """Build the network of a loaded scenario (its radars, frame and terrain)."""
        return cls(scenario.sensors, scenario.frame, scenario.terrain, start_time_s=start_time_s)

    def __len__(self) -> int:
        return len(self.units)

    # ------------------------------------------------------------------ state
    def set_operational(self, mask) -> None:
        """Set which radars work, shape (n_radars,) bool; stopped radars lose their tracks."""
        m = np.asarray(mask, bool).reshape(len(self))
        self.operational[:] = m

    def _ensure_targets(self, n: int) -> None:
        if self.tracked.shape[1] != n:
            k = len(self)
            self.tracked = np.zeros((k, n), bool)
            self.misses = np.zeros((k, n), int)
            self.next_look_s = np.full((k, n), np.inf)

    def occupancy(self) -> np.ndarray:
        """Fraction of each electronic radar's time spent on track dwells, shape (n_radars,)."""
        n_tr = self.tracked.sum(axis=1) if self.tracked.size else np.zeros(len(self))
        occ = n_tr * self.dwell_s / self.revisit_s
        return np.where(self.electronic, np.minimum(occ, self.budget), 0.0)

    def sweep_rate(self) -> np.ndarray:
        """Sweeps per second of each radar now (electronic frames stretch with track load)."""
        return (1.0 - self.occupancy()) / self.period_s

    def false_alarm_cells(self) -> np.ndarray:
        """Resolution cells in one full sweep of each radar, shape (n_radars,)."""
        cov = self.coverage
        n_r = (cov.max_range_m - cov.min_range_m) / self.range_res_m
        n_el = np.maximum((cov.max_elevation_rad - cov.min_elevation_rad) / self.beam_rad, 1.0)
        n_az = self.sweep_rad / self.beam_rad
        return n_r * n_el * n_az

    def expected_false_alarms_per_scan(self) -> np.ndarray:
        """Mean false alarms in one full sweep (inside the sector), shape (n_radars,)."""
        frac = np.where(self.electronic, 1.0, self.coverage.sector_rad / _TWO_PI)
        return self.pfa * self.false_alarm_cells() * np.minimum(frac, 1.0)

    # ------------------------------------------------------------------ physics
    def mean_snr(self, radar: np.ndarray, range_m, rcs_m2) -> np.ndarray:
        """Mean (unfluctuated) SNR, linear, of pairs ``radar`` at ``range_m`` with ``rcs_m2``."""
        radar = np.asarray(radar, np.intp)
        r2 = np.maximum(np.asarray(range_m, float), 1e-3) ** 2
        return self._snr_const[radar] * np.asarray(rcs_m2, float) / (r2 * r2)

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
    def _precompute(self) -> None:
        """Per-radar constants of the scan, gathered per look or false alarm in one take each.

        Every constant is computed with the operations the scan used to do per element, so the
        detections keep their bits.
        """
        k = len(self)
        cov = self.coverage
        #: Mean false alarms per full sweep before the swept fraction, shape (n_radars,).
        self._pfa_cells = self.pfa * self.false_alarm_cells()
        self._radar_idx = np.arange(k)
        # Gamma shape and scale of the fluctuation draw (Swerling 0 draws too: it keeps the
        # draw order; its sample is then ignored).
        self._gamma_shape = np.where(self.swerling == 1, 1.0, 2.0)
        self._gamma_scale = 1.0 / self._gamma_shape
        self._steady = self.swerling == 0
        shapes = np.unique(self._gamma_shape)
        self._gamma_one = (float(shapes[0]), float(1.0 / shapes[0])) if shapes.size == 1 else None
        self._any_steady = bool(self._steady.any())
        self._ref_snr_lin = db_to_linear(self.ref_snr_db)
        # Covariance template per radar, flattened (4 x 4): NaN in the range-rate row and column
        # of a radar without Doppler, zeros elsewhere (the diagonal is written per detection).
        tmpl = np.zeros((k, 4, 4))
        no_rdot = np.isnan(self.sigma_ref[:, 3])
        tmpl[no_rdot, 3, :] = np.nan
        tmpl[no_rdot, :, 3] = np.nan
        self._r_template = tmpl.reshape(k, 16)
        half = np.where(cov.full_circle, np.inf, 0.5 * cov.sector_rad)
        # False-alarm limits, rows: sweep start, sweep width, boresight, half sector, min range,
        # range span, min elevation, elevation span, max range rate, threshold.
        self._fa_limits = np.stack([
            self.sweep_start, self.sweep_rad, cov.boresight_rad, half, cov.min_range_m,
            cov.max_range_m - cov.min_range_m, cov.min_elevation_rad,
            cov.max_elevation_rad - cov.min_elevation_rad, self.max_rdot, self.threshold,
        ]).reshape(10, k)
        self._any_sector = bool((~cov.full_circle).any())
        self._any_electronic = bool(self.electronic.any())
        # Resolution cells as one int64 key (radar, range gate, azimuth beam, elevation beam):
        # bounds of each index over covered looks, so the key orders cells lexicographically.
        self._cell_sizes = None
        if k:
            n_r = int(np.floor((cov.max_range_m / self.range_res_m).max())) + 2
            b = float(self.beam_rad.min())
            n_a = int(np.floor(_TWO_PI / b)) + 2
            n_e = int(np.floor(np.pi / b)) + 2
            if float(k) * n_r * n_a * n_e < 2.0**62:
                self._cell_sizes = (n_r, n_a, n_e)

    def pair_aspect_rcs_m2(self, states, radar, target, front_m2, side_m2, tail_m2):
        """Aspect RCS of radar-target pairs, m^2, shape (k,).

        :func:`airdefense.threats.rcs.aspect_rcs_m2` of ``states[target]`` seen from the antenna
        of ``radar``, with the same arithmetic operation for operation (so the same bits),
        without the per-call overhead of ``np.linalg.norm``.

        Parameters
        ----------
        states : ndarray of shape (n, 6)
            Truth states, ENU, m and m/s.
        radar, target : ndarray of int, shape (k,)
            The pairs.
        front_m2, side_m2, tail_m2 : ndarray of shape (n,)
            Nose-on, broadside and tail-on RCS of each target, m^2.
        """
        s = states[target]
        vel = s[:, 3:]
        los = self.enu[radar] - s[:, :3]
        vn = np.sqrt(np.add.reduce(vel * vel, axis=-1))
        ln = np.sqrt(np.add.reduce(los * los, axis=-1))
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.add.reduce(vel * los, axis=-1) / (vn * ln)
        c = np.where((vn > 0) & (ln > 0), c, 1.0)
        c2 = c * c
        axial = np.where(c >= 0, front_m2[target], tail_m2[target])
        return axial * c2 + side_m2[target] * (1.0 - c2)

    def _search_looks(self, t: float, allow: np.ndarray, states: np.ndarray, rate: np.ndarray,
                      phase_new: np.ndarray):
        """Pairs the search sweep passes in (t_last, t], with their look times.

        Every radar against every target in one (n_radars, n) pass, kept where ``allow``
        (active radar, alive target not held in track by an electronic radar); pairs come out
        radar by radar, targets in index order.
        """
        ant = self.enu
        d0 = states[:, 0] - ant[:, 0, None]
        d1 = states[:, 1] - ant[:, 1, None]
        x = np.arctan2(d0, d1) - self.sweep_start[:, None]
        x -= _TWO_PI * np.floor(x * (1.0 / _TWO_PI))
        f = x / self.sweep_rad[:, None]
        y = phase_new[:, None] - f
        y -= np.floor(y)
        # Look time: when the sweep passed the target's azimuth (its position at t; the target
        # moves a few milliradians at most while the beam crosses it).
        tau = t - y / rate[:, None]
        ok = (tau > self.t_last[:, None]) & (f <= 1.0)
        ok &= allow
        ri, ci = np.nonzero(ok)
        return ri, ci, tau[ok]

    def _track_looks(self, t: float, active: np.ndarray):
        """Track revisits of electronic radars falling due by t (tracked targets are alive)."""
        due = self.tracked & (self.next_look_s <= t)
        due &= (active & self.electronic)[:, None]
        ri, ci = np.nonzero(due)
        if ri.size:
            tau = np.minimum(np.maximum(self.next_look_s[ri, ci], self.t_last[ri]), t)
            self.next_look_s[ri, ci] = tau + self.revisit_s[ri]
            return ri, ci, tau
        return ri, ci, np.zeros(0)

    def _merge(self, ri, pol):
        """Group returns of one radar in one resolution cell; return group ids and sizes."""
        rbin = np.floor(pol[:, 0] / self.range_res_m[ri]).astype(np.int64)
        abin = np.floor(pol[:, 1] / self.beam_rad[ri]).astype(np.int64)
        ebin = np.floor((pol[:, 2] + np.pi / 2) / self.beam_rad[ri]).astype(np.int64)
        cols = [ri.astype(np.int64), rbin, abin, ebin]
        sizes = [int(v.max()) + 1 for v in cols]
        if np.prod(np.array(sizes, float)) < 2.0**62:
            key = np.ravel_multi_index(cols, sizes)  # one int64 per cell: one fast sort
        else:  # pragma: no cover - only for absurdly fine cells
            key = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)[1].ravel()
        order = np.argsort(key)
        ks = key[order]
        brk = np.r_[True, ks[1:] != ks[:-1]]
        inv = np.empty(key.size, np.intp)
        inv[order] = np.cumsum(brk) - 1
        counts = np.diff(np.r_[np.flatnonzero(brk), key.size])
        return inv, counts

    def _shares_cell(self, ri, r, az, el) -> bool:
        """Whether two covered returns of one radar fall in one resolution cell (cheap test)."""
        if ri.size < 2:
            return False
        if self._cell_sizes is None:  # pragma: no cover - only for absurdly fine cells
            return True
        n_r, n_a, n_e = self._cell_sizes
        beam = self.beam_rad[ri]
        key = ri * n_r + np.floor(r / self.range_res_m[ri]).astype(np.int64)
        key *= n_a
        key += np.floor(az / beam).astype(np.int64)
        key *= n_e
        key += np.floor((el + np.pi / 2) / beam).astype(np.int64)
        key.sort()
        return bool((key[1:] == key[:-1]).any())

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
        """
        states = np.asarray(states, float).reshape(-1, 6)
        n = states.shape[0]
        alive = np.asarray(alive, bool).reshape(n)
        rcs = np.asarray(rcs_m2, float)
        if rcs.ndim == 1:
            return self._scan(t, states, lambda ri, ci: rcs[ci], alive, rng)
        return self._scan(t, states, lambda ri, ci: rcs[ri, ci], alive, rng)

    def _scan(self, t: float, states: np.ndarray, rcs_pairs, alive: np.ndarray,
              rng: np.random.Generator, launch_s: np.ndarray | None = None) -> Detections:
        """:meth:`scan` with the RCS of looks ``rcs_pairs(radar, target)`` asked only for looks.

        All radars and all their looks of the call go through each stage in one batched pass.
        ``launch_s`` (shape (n,)), when given, drops detections of a target looked at before its
        launch from the output (they still count in the track tables, as before).
        """
        if len(self) == 0:
            return Detections.empty()
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._scan_body(t, states, rcs_pairs, alive, rng, launch_s)

    def _scan_body(self, t, states, rcs_pairs, alive, rng, launch_s) -> Detections:
        n = states.shape[0]
        self._ensure_targets(n)
        k = len(self)
        # Stopped radars lose their tracks; dead targets leave every track table.
        tracked = self.tracked
        tracked &= self.operational[:, None] & alive
        dt = np.maximum(t - self.t_last, 0.0)
        rate = self.sweep_rate()
        swept = rate * dt
        phase_new = np.mod(self.phase + swept, 1.0)
        active = self.operational & (dt > 0)

        if active.any() and alive.any():
            # Electronic radars revisit their held targets in track, not in search.
            allow = active[:, None] & alive
            if self._any_electronic:
                allow &= ~(tracked & self.electronic[:, None])
            ri, ci, tau = self._search_looks(t, allow, states, rate, phase_new)
            if self._any_electronic and tracked.any():
                k_r, k_c, k_t = self._track_looks(t, active)
                if k_r.size:
                    ri = np.concatenate([ri, k_r])
                    ci = np.concatenate([ci, k_c])
                    tau = np.concatenate([tau, k_t])
        else:
            ri = ci = np.zeros(0, np.intp)
            tau = np.zeros(0)
        m = ri.size
        self.stats["looks"] += int(m)
        if m:
            d_radar, d_tau, d_pol, d_rdot, d_snr, d_truth = self._detect(
                t, ri, ci, tau, states, rcs_pairs, rng)
        else:
            # No look: no draw (every draw of the looks has size 0).
            d_radar = d_truth = np.zeros(0, np.intp)
            d_tau = d_rdot = d_snr = np.zeros(0)
            d_pol = np.zeros((0, 3))
        nd = d_radar.size
        noise_d = rng.standard_normal((nd, 4)) if nd else None
        self.stats["detections"] += nd
        fa = self._false_alarm_draws(t, active, swept, rate, rng)

        # Advance the sweeps; stopped radars keep the clock but not the work.
        t_prev = float(self.t_last.min())  # every look of this call is later than t_prev
        self.phase = np.where(self.operational, phase_new, self.phase)
        self.t_last = np.full(k, float(t))

        if fa is None:
            if nd == 0:
                return Detections.empty()
            radar, tau_o, pol, rdot, snr, truth, noise = (d_radar, d_tau, d_pol, d_rdot, d_snr,
                                                           d_truth, noise_d)
        else:
            self.stats["false_alarms"] += fa[0].size
            if nd == 0:
                radar, tau_o, pol, rdot, snr, truth, noise = fa
            else:
                radar, tau_o, pol, rdot, snr, truth, noise = (
                    np.concatenate([a, b]) for a, b in zip(
                        (d_radar, d_tau, d_pol, d_rdot, d_snr, d_truth, noise_d), fa,
                        strict=True))
        order = np.argsort(tau_o, kind="stable")
        if launch_s is not None and nd and launch_s[d_truth].max() > t_prev:
            # A look earlier in the step than the target's launch cannot have seen it.
            tid = truth[order]
            keep = (tid < 0) | (tau_o[order] >= launch_s[np.maximum(tid, 0)])
            order = order[keep]
        return self._measure(radar[order], tau_o[order], pol[order], rdot[order], snr[order],
                             truth[order], noise[order])

    def _detect(self, t, ri, ci, tau, states, rcs_pairs, rng):
        """Looks to reported detections: SNR, fluctuation, merging, detector and track tables.

        Returns radar, time, ``[range, azimuth, elevation]``, range rate, SNR and truth index of
        each reported return (before measurement noise).
        """
        st = states[ci]
        vel = st[:, 3:6]
        pos = st[:, :3] - vel * (t - tau)[:, None]
        rows, _, cov = self.coverage._pairs(ri, pos)
        rng_m, rae = rows[2], rows[2:]
        r2 = np.maximum(rng_m, 1e-3) ** 2
        snr = np.where(cov, self._snr_const[ri] * rcs_pairs(ri, ci) / (r2 * r2), 0.0)
        if self._gamma_one is not None:  # one shape for all: the same draws, scalar path
            g = rng.gamma(self._gamma_one[0], self._gamma_one[1], size=snr.shape)
        else:
            g = rng.gamma(self._gamma_shape[ri], self._gamma_scale[ri], size=snr.shape)
        snr = np.where(self._steady[ri], snr, snr * g) if self._any_steady else snr * g

        # Merge unresolved returns (covered looks only) of one radar and cell.
        c = np.flatnonzero(cov)
        ric = ri[c]
        rae_c = rae[:, c]
        if self._shares_cell(ric, *rae_c):
            d = pos - self.enu[ri]
            rr = np.einsum("ij,ij->i", d, vel) / rng_m
            pol = rae_c.T
            lead, m_snr, m_pol, m_rr = self._merge_returns(c, ric, pol, snr, rr)
        else:
            lead, m_snr, m_pol, m_rr = c, snr[c], None, None

        # Detector decision, then terrain masking of what crossed the threshold.
        lr = ri[lead]
        z_det = draw_detector(m_snr, rng)
        hit = z_det > self.threshold[lr]
        if self.coverage.terrain is not None and hit.any():
            h = np.flatnonzero(hit)
            hit[h] = self.coverage.terrain_clear(lr[h], pos[lead[h]])

        # Track tables, through flat (radar, target) cell indices: looks at held targets succeed
        # or count a miss.
        n = states.shape[0]
        cell = ri * n + ci
        tracked = self.tracked.reshape(-1)
        misses = self.misses.reshape(-1)
        next_look = self.next_look_s.reshape(-1)
        held = tracked[cell]
        if held.any():
            success = np.zeros(ri.size, bool)
            success[lead[hit]] = True
            misses[cell[held & success]] = 0
            bad = held & ~success
            mc = cell[bad]
            mcount = misses[mc] + 1
            misses[mc] = mcount
            drop = mcount >= self.drop_misses[ri[bad]]
            if drop.any():
                tracked[mc[drop]] = False
                next_look[mc[drop]] = np.inf

        # New targets take free slots, strongest first; the rest go unreported.
        lcell = cell[lead]
        report = hit
        new = hit & ~tracked[lcell]
        if new.any():
            nidx = np.flatnonzero(new)
            free = self.capacity - self.tracked.sum(axis=1)
            nr = lr[nidx]
            if (np.bincount(nr, minlength=free.size) <= free).all():
                take = nidx  # room for all: no ranking needed
            else:
                o = nidx[np.lexsort((-m_snr[nidx], nr))]
                rs = lr[o]
                rank = np.arange(o.size) - np.searchsorted(rs, rs)  # rank within its radar
                acc = rank < free[rs]
                take, refuse = o[acc], o[~acc]
                report = hit.copy()
                report[refuse] = False
                self.stats["dropped_capacity"] += int(refuse.size)
            tc = lcell[take]
            tracked[tc] = True
            misses[tc] = 0
            next_look[tc] = tau[lead[take]] + self.revisit_s[lr[take]]

        sel = np.flatnonzero(report)
        ls = lead[sel]
        lrs = lr[sel]
        if m_pol is None:
            rae_s = rae[:, ls]
            pol = rae_s.T
            rr = np.einsum("ij,ij->i", pos[ls] - self.enu[lrs], vel[ls]) / rae_s[0]
        else:
            pol, rr = m_pol[sel], m_rr[sel]
        return lrs, tau[ls], pol, rr, m_snr[sel], ci[ls]

    def _merge_returns(self, c, ric, pol, snr, rr):
        """Merge covered returns ``c`` sharing a cell: power-weighted, strongest as truth."""
        lead, m_snr, m_pol, m_rr = c, snr[c], pol, rr[c]
        grp, counts = self._merge(ric, pol)
        multi = counts[grp] > 1
        if multi.any():
            single, mi = np.flatnonzero(~multi), np.flatnonzero(multi)
            _, gi = np.unique(grp[mi], return_inverse=True)
            ng = int(gi.max()) + 1
            w = snr[c[mi]]
            tot = np.bincount(gi, w, ng)
            order = np.lexsort((-w, gi))
            first = order[np.r_[0, np.flatnonzero(np.diff(gi[order])) + 1]]
            wn = w / np.where(tot[gi] > 0, tot[gi], 1.0)
            pm = pol[mi]
            # Azimuths are averaged relative to the strongest return (no wrap at north).
            daz = np.angle(np.exp(1j * (pm[:, 1] - pm[first[gi], 1])))
            pol_m = np.stack([
                np.bincount(gi, wn * pm[:, 0], ng),
                np.mod(pm[first, 1] + np.bincount(gi, wn * daz, ng), _TWO_PI),
                np.bincount(gi, wn * pm[:, 2], ng)], axis=1)
            lead = np.concatenate([c[single], c[mi[first]]])
            m_snr = np.concatenate([snr[c[single]], tot])
            m_pol = np.concatenate([pol[single], pol_m])
            m_rr = np.concatenate([rr[c[single]], np.bincount(gi, wn * rr[c[mi]], ng)])
            self.stats["merged"] += int(mi.size - ng)
        return lead, m_snr, m_pol, m_rr

    def _measure(self, radar, tau, pol, rdot, snr, truth, noise) -> Detections:
        """Noisy measurements and their covariances from unit normal draws ``noise`` (k, 4)."""
        k = radar.size
        if k == 0:
            return Detections.empty()
        scale = np.maximum(np.sqrt(self._ref_snr_lin[radar] / np.maximum(snr, 1e-12)),
                           self.noise_floor[radar])
        sig = self.sigma_ref[radar] * scale[:, None]
        # Only the range-rate sigma of a radar without Doppler is NaN: its noise and hence its
        # range rate come out NaN, as its row and column of R (the template's NaNs).
        z = np.empty((k, 4))
        z[:, :3] = pol
        z[:, 3] = rdot
        z += noise * sig
        z[:, 0] = np.abs(z[:, 0])
        z[:, 1] = np.mod(z[:, 1], _TWO_PI)
        R = self._r_template[radar]
        R[:, ::5] = sig * sig
        return Detections(time_s=tau, sensor=radar, z=z, R=R.reshape(k, 4, 4),
                          sensor_enu=self.enu[radar], snr_db=10.0 * np.log10(snr),
                          truth_id=truth)

    def _false_alarm_draws(self, t, active, swept, rate, rng):
        """Poisson false alarms over the cells swept since the last call, before noise.

        Returns None when there is none, else radar, time, ``[range, azimuth, elevation]``,
        range rate, detector output, truth index (-1) and the unit normal measurement draws.
        """
        frac = np.where(active, np.minimum(swept, 1.0), 0.0)
        # One scalar draw per radar, in radar order: the numbers of rng.poisson(lam_array)
        # without the per-call constraint checks of array parameters (several microseconds).
        counts = np.array([rng.poisson(x) for x in (self._pfa_cells * frac).tolist()], np.intp)
        total = int(counts.sum())
        if total == 0:
            return None
        radar = np.repeat(self._radar_idx, counts)
        u = rng.random((total, 4))
        lim = self._fa_limits[:, radar]
        fr = frac[radar]
        # Uniform over the swept part of the sweep, then kept inside the sector.
        pol = np.empty((total, 3))
        f = np.mod(self.phase[radar] + u[:, 0] * fr, 1.0)
        az = np.mod(lim[0] + f * lim[1], _TWO_PI, out=pol[:, 1])
        np.add(lim[4], u[:, 1] * lim[5], out=pol[:, 0])
        np.add(lim[6], u[:, 2] * lim[7], out=pol[:, 2])
        rdot = (2 * u[:, 3] - 1) * lim[8]
        tau = t - (1.0 - u[:, 0]) * fr / np.maximum(rate[radar], 1e-12)
        # A noise crossing: the excess over the threshold is exponential (memoryless).
        zt = lim[9] + rng.exponential(1.0, total)
        if self._any_sector:
            inside = np.abs(np.angle(np.exp(1j * (az - lim[2])))) <= lim[3]
            if not inside.all():
                keep = np.flatnonzero(inside)
                radar, tau, pol, rdot, zt = radar[keep], tau[keep], pol[keep], rdot[keep], zt[keep]
        noise = rng.standard_normal((radar.size, 4)) if radar.size else np.zeros((0, 4))
        return radar, tau, pol, rdot, zt, np.full(radar.size, -1), noise

    def step(self, t0: float, t1: float, truth, alive, rng: np.random.Generator) -> Detections:
        """Drop-in for the simulation loop: scan to ``t1`` with the truth at ``t1``.

        Parameters
        ----------
        t0, t1 : float
            The step, s (``t0`` is unused: each radar remembers its last call).
        truth : ThreatSet
            Ground truth; ``truth.states(t1)`` and ``truth.rcs_m2`` are used, or
            ``truth.trajectory.rcs_m2(t1, radar_enu)`` per radar when the trajectory has it.
        alive : callable
            ``alive(t) -> (n,) bool``.
        rng : numpy.random.Generator
        """
        del t0
        traj = getattr(truth, "trajectory", None)
        states = truth.states(t1)
        if len(self) and hasattr(traj, "rcs_front_m2"):
            # Aspect RCS of the looked-at pairs only, from the (memoised) truth states at t1.
            front, side, tail = traj.rcs_front_m2, traj.rcs_side_m2, traj.rcs_tail_m2

            def rcs_pairs(ri, ci):
                return self.pair_aspect_rcs_m2(states, ri, ci, front, side, tail)
        else:
            if len(self) and callable(getattr(traj, "rcs_m2", None)):
                rcs = np.stack([np.asarray(traj.rcs_m2(t1, e), float) for e in self.enu])
            else:
                rcs = np.broadcast_to(np.asarray(truth.rcs_m2, float), (max(len(self), 1),
                                                                        states.shape[0]))

            def rcs_pairs(ri, ci):
                return rcs[ri, ci]
        launch = getattr(truth, "launch_time_s", None)
        return self._scan(float(t1), states, rcs_pairs, np.asarray(alive(t1), bool), rng,
                          None if launch is None else np.asarray(launch, float))
