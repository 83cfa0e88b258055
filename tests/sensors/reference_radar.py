"""Reference implementation of the radar scan in NumPy, for tests of the compiled kernels.

The NumPy form the scan had before it moved into :mod:`airdefense.sensors._kernels` (commit
f641d65), kept here as an independent reference: the same model, the same random draws, with
NumPy's vectorised arithmetic. Tests compare :class:`ReferenceRadarNetwork` scans with the
network's: the same looks, detections and random-number streams, the same values up to the
last bits of the transcendental functions.
"""

from __future__ import annotations

import numpy as np

from airdefense.sensors import _kernels as K
from airdefense.sensors.base import Detections
from airdefense.sensors.detection import db_to_linear

_TWO_PI = 2.0 * np.pi


def ref_limits(self) -> np.ndarray:
    """Per-radar coverage limits as rows (15, n_radars) of a Coverage."""
    n = len(self)
    half = np.where(self.full_circle, np.inf, 0.5 * self.sector_rad)
    alt = self.frame.alt_m
    return np.concatenate([
        self.antenna_enu.T, self._up.T,
        (self.min_altitude_m - alt)[None], self._sin_el.T[:1], self.min_range_m[None],
        (self.max_altitude_m - alt)[None], self._sin_el.T[1:], self.max_range_m[None],
        self.boresight_rad[None], self._horizon_angle[None], half[None]]).reshape(15, n)


def ref_pairs(self, radar: np.ndarray, pos: np.ndarray) -> tuple:
    """Geometry of flat pairs (call under errstate).

    Up to ``_BATCH_PAIRS`` pairs, one pass with the limits gathered per pair (a fixed number
    of NumPy calls, whatever the number of radars), with the arithmetic of :meth:`_segment`
    operation for operation, so both give the same bits; beyond, radar by radar.

    Parameters
    ----------
    radar : ndarray of int, shape (k,)
    pos : ndarray of shape (k, 3)
        Target positions, ENU, m.

    Returns
    -------
    rows : ndarray of shape (5, k)
        Target height (m), sin(local elevation), range (m), azimuth and elevation (rad);
        the last three rows are the polar position.
    sector_offset : ndarray of shape (k,)
        Azimuth off boresight, rad.
    covered : ndarray of shape (k,), bool
    """
    r = self.frame.radius_m
    k = radar.size
    lim = ref_limits(self)[:, radar]
    x, y, z = pos[:, 0], pos[:, 1], pos[:, 2]
    d = pos.T - lim[0:3]
    dx, dy, dz = d
    dd = d * d
    horiz2 = dd[0] + dd[1]
    # Height, sin(local elevation), range, azimuth and elevation as rows of one array: one
    # test of the limits (first three rows), one gather of the polar position (last three).
    v = np.empty((5, k))
    h_t, sin_le, rng, az, el = v
    np.sqrt(horiz2 + dd[2], out=rng)
    np.arctan2(dx, dy, out=az)
    az += (az < 0) * _TWO_PI  # the additions of _segment's np.where(az < 0, 2 pi, 0)
    np.arctan2(dz, np.sqrt(horiz2), out=el)
    du = d * lim[3:6]
    np.divide(du[0] + du[1] + du[2], rng, out=sin_le)
    if not rng.all():
        sin_le[rng == 0] = 1.0
    # The refracted beam's elevation: the chord's plus the k-earth ray's bend.
    k_f = self.k
    cos_le = np.sqrt(np.maximum(1.0 - sin_le * sin_le, 0.0))
    bend = rng * cos_le * (1.0 - 1.0 / k_f) / (2.0 * r)
    sin_le[:] = sin_le * np.cos(bend) + cos_le * np.sin(bend)
    q = np.empty((3, k))
    q[0] = x
    q[1] = y
    zc = q[2]
    np.add(z, r, out=zc)
    qq = q * q
    norm_t = np.sqrt(qq[0] + qq[1] + qq[2])
    np.subtract(norm_t, r, out=h_t)
    qu = q * lim[3:6]
    cos_g = (qu[0] + qu[1] + qu[2]) / norm_t
    off = az - lim[12]
    off -= _TWO_PI * np.floor((off + np.pi) * (1.0 / _TWO_PI))
    re = self.k * r
    # Heights above the horizon's floor: mean sea level with terrain, the frame's sphere without.
    h_msl = h_t + (self.frame.alt_m if self.terrain is not None else 0.0)
    h2 = np.maximum(h_msl, 0.0)
    ang = lim[13] + np.arctan(np.sqrt(h2 * (2 * re + h2)) / re)
    inside = (v[:3] >= lim[6:9]) & (v[:3] <= lim[9:12])
    cov = inside[0] & inside[1] & inside[2]
    if (~self.full_circle).any():
        cov &= np.abs(off) <= lim[14]
    cov &= (cos_g >= np.cos(np.minimum(self.k * ang, np.pi))) & (h_msl >= -1e-3)
    return v, off, cov


def ref_aspect_rcs(enu, states, radar, target, front_m2, side_m2, tail_m2):
    """Aspect RCS of radar-target pairs (airdefense.threats.rcs.aspect_rcs_m2 per pair)."""
    s = states[target]
    vel = s[:, 3:]
    los = enu[radar] - s[:, :3]
    vn = np.sqrt(np.add.reduce(vel * vel, axis=-1))
    ln = np.sqrt(np.add.reduce(los * los, axis=-1))
    c = np.add.reduce(vel * los, axis=-1) / (vn * ln)
    c = np.where((vn > 0) & (ln > 0), c, 1.0)
    c2 = c * c
    axial = np.where(c >= 0, front_m2[target], tail_m2[target])
    return axial * c2 + side_m2[target] * (1.0 - c2)


def _network_class():
    from airdefense.sensors.radar import RadarNetwork

    class ReferenceRadarNetwork(RadarNetwork):
        """A RadarNetwork whose scans run the NumPy reference."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._ref_precompute()

        def _ref_sweep_rate(self) -> np.ndarray:
            n_tr = self.tracked.sum(axis=1) if self.tracked.size else np.zeros(len(self))
            occ = n_tr * self.dwell_s / self.revisit_s
            occ = np.where(self._steered, np.minimum(occ, self.budget), 0.0)
            # A cued radar does not search: no sweep.
            return np.where(self.cued, 0.0, (1.0 - occ) / self.period_s)

        def _scan(self, t, states, rcs_table, aspect, alive, rng, launch_s=None, t0=0.0,
                  states0=None):
            if len(self) == 0:
                return Detections.empty()
            if aspect is None:
                rows = rcs_table.shape[0]

                def rcs_pairs(ri, ci, st):
                    return rcs_table[ri if rows > 1 else 0, ci]
            else:
                front, side, tail = aspect

                def rcs_pairs(ri, ci, st):  # the aspect at t, as the kernel's
                    return ref_aspect_rcs(self.enu, states, ri, ci, front, side, tail)
            with np.errstate(invalid="ignore", divide="ignore"):
                return self._ref_scan_body(t, states, rcs_pairs, alive, rng, launch_s, t0,
                                           states0)

        def _ref_precompute(self) -> None:
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
            self._gamma_one = ((float(shapes[0]), float(1.0 / shapes[0])) if shapes.size == 1
                               else None)
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
            # Electronic and cued radars revisit their held targets (track dwells and budget).
            self._steered = self.electronic | self.cued
            self._any_electronic = bool(self._steered.any())
            self._any_cued = bool(self.cued.any())
            # Resolution cells as one int64 key (radar, range gate, azimuth beam, elevation beam):
            # bounds of each index over covered looks, so the key orders cells lexicographically.
            self._ref_cells = None
            if k:
                n_r = int(np.floor((cov.max_range_m / self.range_res_m).max())) + 2
                b = float(self.beam_rad.min())
                n_a = int(np.floor(_TWO_PI / b)) + 2
                n_e = int(np.floor(np.pi / b)) + 2
                if float(k) * n_r * n_a * n_e < 2.0**62:
                    self._ref_cells = (n_r, n_a, n_e)

        def _search_looks(self, t: float, allow: np.ndarray, states: np.ndarray, rate: np.ndarray,
                          phase_new: np.ndarray, acquire: np.ndarray | None = None):
            """Pairs the search sweep passes in (t_last, t], with their look times.

            Every radar against every target in one (n_radars, n) pass, kept where ``allow``
            (active searching radar, alive target not held in track by an electronic radar);
            with the cued radars' acquisition looks at ``t`` where ``acquire`` (n_radars, n);
            pairs come out radar by radar, targets in index order.
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
            if acquire is not None:
                tau = np.where(acquire, t, tau)
                ok |= acquire
            ri, ci = np.nonzero(ok)
            return ri, ci, tau[ok]

        def _track_looks(self, t: float, active: np.ndarray):
            """Track revisits of electronic and cued radars falling due by t (tracked targets are
            alive, and cued)."""
            due = self.tracked & (self.next_look_s <= t)
            due &= (active & self._steered)[:, None]
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
            if self._ref_cells is None:  # pragma: no cover - only for absurdly fine cells
                return True
            n_r, n_a, n_e = self._ref_cells
            beam = self.beam_rad[ri]
            key = ri * n_r + np.floor(r / self.range_res_m[ri]).astype(np.int64)
            key *= n_a
            key += np.floor(az / beam).astype(np.int64)
            key *= n_e
            key += np.floor((el + np.pi / 2) / beam).astype(np.int64)
            key.sort()
            return bool((key[1:] == key[:-1]).any())


        def _ref_scan_body(self, t, states, rcs_pairs, alive, rng, launch_s, t0=0.0,
                           states0=None) -> Detections:
            n = states.shape[0]
            self._ensure_targets(n)
            k = len(self)
            # Stopped radars lose their tracks; dead targets leave every track table, and targets
            # no longer cued the tables of cued radars.
            tracked = self.tracked
            tracked &= self.operational[:, None] & alive
            if self._any_cued:
                tracked &= self.cue | ~self.cued[:, None]
            dt = np.maximum(t - self.t_last, 0.0)
            rate = self._ref_sweep_rate()
            swept = rate * dt
            phase_new = np.mod(self.phase + swept, 1.0)
            active = self.operational & (dt > 0)

            if active.any() and alive.any():
                # Electronic radars revisit their held targets in track, not in search.
                allow = active[:, None] & alive
                if self._any_electronic:
                    allow &= ~(tracked & self._steered[:, None])
                acquire = None
                if self._any_cued:  # cued radars: no search, a look at each new cue
                    acquire = allow & self.cued[:, None] & self.cue
                    allow &= ~self.cued[:, None]
                ri, ci, tau = self._search_looks(t, allow, states, rate, phase_new, acquire)
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
            self._counts[K.ST_LOOKS] += int(m)
            if m:
                d_radar, d_tau, d_pol, d_rdot, d_snr, d_out, d_truth = self._detect(
                    t, ri, ci, tau, states, rcs_pairs, rng, t0, states0, launch_s)
            else:
                # No look: no draw (every draw of the looks has size 0).
                d_radar = d_truth = np.zeros(0, np.intp)
                d_tau = d_rdot = d_snr = d_out = np.zeros(0)
                d_pol = np.zeros((0, 3))
            nd = d_radar.size
            noise_d = rng.standard_normal((nd, 4)) if nd else None
            self._counts[K.ST_DETECTIONS] += nd
            fa = self._false_alarm_draws(t, active, swept, rate, rng)

            # Advance the sweeps; stopped radars keep the clock but not the work.
            t_prev = float(self.t_last.min())  # every look of this call is later than t_prev
            self.phase = np.where(self.operational, phase_new, self.phase)
            self.t_last = np.full(k, float(t))

            if fa is None:
                if nd == 0:
                    return Detections.empty()
                radar, tau_o, pol, rdot, snr, out, truth, noise = (
                    d_radar, d_tau, d_pol, d_rdot, d_snr, d_out, d_truth, noise_d)
            else:
                self._counts[K.ST_FALSE_ALARMS] += fa[0].size
                if nd == 0:
                    radar, tau_o, pol, rdot, snr, out, truth, noise = fa
                else:
                    radar, tau_o, pol, rdot, snr, out, truth, noise = (
                        np.concatenate([a, b]) for a, b in zip(
                            (d_radar, d_tau, d_pol, d_rdot, d_snr, d_out, d_truth, noise_d), fa,
                            strict=True))
            order = np.argsort(tau_o, kind="stable")
            if launch_s is not None and nd and launch_s[d_truth].max() > t_prev:
                # A look earlier in the step than the target's launch cannot have seen it.
                tid = truth[order]
                keep = (tid < 0) | (tau_o[order] >= launch_s[np.maximum(tid, 0)])
                order = order[keep]
            return self._measure(radar[order], tau_o[order], pol[order], rdot[order], snr[order],
                                 out[order], truth[order], noise[order])

        def _detect(self, t, ri, ci, tau, states, rcs_pairs, rng, t0=0.0, states0=None,
                    launch_s=None):
            """Looks to reported detections: SNR, fluctuation, merging, detector and track tables.

            Returns radar, time, ``[range, azimuth, elevation]``, range rate, SNR (the fluctuated
            signal power), detector output and truth index of each reported return (before
            measurement noise). A look sees its target on the cubic Hermite curve between the
            truth at ``t0`` (``states0``) and at ``t``, where the target flew by ``t0`` and the
            look is between them; else straight back along the velocity at ``t``.
            """
            st = states[ci]
            vel = st[:, 3:6]
            pos = st[:, :3] - vel * (t - tau)[:, None]
            h = t - t0
            if states0 is not None and states0.shape[0] == states.shape[0] and h > 0.0:
                ok = (t0 <= tau) & (tau <= t)
                if launch_s is not None and launch_s.size:
                    ok &= launch_s[ci] <= t0
                s = (tau - t0) / h
                s2 = s * s
                s3 = s2 * s
                h00, h10 = 2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s
                h01, h11 = -2 * s3 + 3 * s2, s3 - s2
                d00, d10 = 6 * s2 - 6 * s, 3 * s2 - 4 * s + 1
                d01, d11 = -6 * s2 + 6 * s, 3 * s2 - 2 * s
                s0 = states0[ci]
                p0, v0, p1, v1 = s0[:, :3], s0[:, 3:], st[:, :3], st[:, 3:]
                hp = (h00[:, None] * p0 + h10[:, None] * h * v0 + h01[:, None] * p1
                      + h11[:, None] * h * v1)
                hv = (d00[:, None] * p0 + d01[:, None] * p1) / h + d10[:, None] * v0 + \
                    d11[:, None] * v1
                pos = np.where(ok[:, None], hp, pos)
                vel = np.where(ok[:, None], hv, vel)
            rows, _, cov = ref_pairs(self.coverage, ri, pos)
            if self.coverage.terrain is not None and cov.any():
                # Terrain masking of the covered looks: a masked look makes no return.
                cv = np.flatnonzero(cov)
                cov[cv] = self.coverage.terrain_clear(ri[cv], pos[cv])
            rng_m, rae = rows[2], rows[2:]
            r2 = np.maximum(rng_m, 1e-3) ** 2
            snr = np.where(cov, self._snr_const[ri] * rcs_pairs(ri, ci, np.c_[pos, vel])
                           / (r2 * r2), 0.0)
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

            # Detector decision.
            lr = ri[lead]
            a = np.sqrt(m_snr)
            nz = rng.standard_normal((2,) + a.shape) * np.sqrt(0.5)
            z_det = (a + nz[0]) ** 2 + nz[1] ** 2
            hit = z_det > self.threshold[lr]

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

            # New targets take free slots, largest detector output first; the rest go
            # unreported.
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
                    o = nidx[np.lexsort((-z_det[nidx], nr))]
                    rs = lr[o]
                    rank = np.arange(o.size) - np.searchsorted(rs, rs)  # rank within its radar
                    acc = rank < free[rs]
                    take, refuse = o[acc], o[~acc]
                    report = hit.copy()
                    report[refuse] = False
                    self._counts[K.ST_REFUSED] += int(refuse.size)
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
            return lrs, tau[ls], pol, rr, m_snr[sel], z_det[sel], ci[ls]

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
                self._counts[K.ST_MERGED] += int(mi.size - ng)
            return lead, m_snr, m_pol, m_rr

        def _measure(self, radar, tau, pol, rdot, snr, out, truth, noise) -> Detections:
            """Noisy measurements and their covariances from unit normal draws ``noise`` (k, 4).

            The sigmas scale with the signal SNR ``snr``; the reported SNR is the detector
            output ``out`` (signal plus noise over the noise power).
            """
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
                              sensor_enu=self.enu[radar], snr_db=10.0 * np.log10(out),
                              truth_id=truth)

        def _false_alarm_draws(self, t, active, swept, rate, rng):
            """Poisson false alarms over the cells swept since the last call, before noise.

            Returns None when there is none, else radar, time, ``[range, azimuth, elevation]``,
            range rate, detector output (twice: the SNR that scales the sigmas and the reported
            one), truth index (-1) and the unit normal measurement draws.
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
                    radar, tau, pol = radar[keep], tau[keep], pol[keep]
                    rdot, zt = rdot[keep], zt[keep]
            noise = rng.standard_normal((radar.size, 4)) if radar.size else np.zeros((0, 4))
            return radar, tau, pol, rdot, zt, zt, np.full(radar.size, -1), noise


    return ReferenceRadarNetwork


def reference_network(*args, **kwargs):
    """A :class:`RadarNetwork` (same arguments) whose scans run the NumPy reference."""
    return _network_class()(*args, **kwargs)
