"""Truth-plus-noise tracking: the fast tracker for large campaigns.

A threat gets a track after ``confirm_hits`` detections within ``drop_after_s`` of each other;
its estimate is the truth plus Gaussian noise scaled by the detecting radar's cross-range
accuracy; the track is dropped after ``drop_after_s`` without a detection or when the threat
ends. A threat tracked again gets its track id back (this tracker knows the threats), so the
control unit's book of rounds fired and awaiting assessment per track holds across the gap.
"""

from __future__ import annotations

import numpy as np

from airdefense.sensors._kernels import generator_pointers
from airdefense.sensors.base import Detections
from airdefense.tracking import _kernels
from airdefense.tracking.base import Tracks

__all__ = ["TruthTracker"]


class TruthTracker:
    """Tracks built from ground truth plus noise (``tracking: truth``).

    The estimate error behaves like a filtered track's: it is a Gauss-Markov process (it
    wanders, it does not jump from one step to the next) whose standard deviation follows the
    best radar measuring each axis: horizontally ``max(sigma_range, range x sigma_azimuth)``,
    vertically ``max(sigma_range, range x sigma_elevation)``, divided by ``sqrt(hits)`` (at
    most ``sqrt(10)``) as a filter averages its measurements.

    Parameters
    ----------
    truth : ThreatSet
        Ground truth the estimates come from.
    rng : numpy.random.Generator
        Source of estimate noise.
    confirm_hits : int, default 2
        Detections needed before a track exists (those older than ``drop_after_s`` are
        forgotten while it does not).
    drop_after_s : float, default 10
        A track is dropped after this long without a detection, s.
    velocity_sigma_mps : float, default 5
        Standard deviation of the velocity error, m/s.
    correlation_time_s : float, default 10
        Correlation time of the estimate error, s.
    """

    def __init__(self, truth, rng: np.random.Generator, confirm_hits: int = 2,
                 drop_after_s: float = 10.0, velocity_sigma_mps: float = 5.0,
                 correlation_time_s: float = 10.0) -> None:
        self.truth = truth
        self.rng = rng
        n = len(truth)
        # The state in two arrays (one float, one integer: each array argument costs the
        # kernel call its unboxing); the attributes are views of them (see _bind).
        self._tf = np.empty(9 * n)
        self._ti = np.empty(4 * n + 6, np.int64)
        self._n = n
        self._bind()
        self.hits[:] = 0
        self.last_seen[:] = -np.inf
        self.sigma_m[:] = 50.0  # horizontal, vertical
        self.track_of[:] = -1
        # The id each threat's track had (-1: none yet): a threat tracked again gets it back,
        # so the control unit's book of rounds per track still counts the earlier ones.
        self._last_id[:] = -1
        self._ids[:] = 0  # the next free track id (the kernel advances it)
        self.confirm_hits = confirm_hits
        self.drop_after_s = drop_after_s
        self.vel_sigma = velocity_sigma_mps
        self.tau_s = correlation_time_s
        self.err[:] = rng.normal(size=(n, 6))  # unit-variance error state
        self.time_s: float | None = None
        self.new_tracks: list[tuple[int, int, float]] = []
        # (dt, tau_s, rho, sqrt(1 - rho^2)) of the last step: steps are mostly equal.
        self._decay = (None, None, 1.0, 0.0)
        # The generator whose pointers the kernel draws through (in _ti, see _bind).
        self._rng_link = None
        self._all_alive = np.ones(n, bool)  # alive when the caller gives no mask
        self._new_picture()

    # Views of _tf and _ti (see _bind), rebuilt after a copy.
    _VIEWS = ("err", "sigma_m", "last_seen", "hits", "track_of", "_last_id", "_fresh", "_ids",
              "_rng_ptrs")
    #: The picture's buffer holds this many steps of pictures of all n threats (at most
    #: _PICTURE_ROWS rows, at least n): see _picture. A new buffer ends the simulation's
    #: compiled stretch of quiet steps, so few a run (example 2: about one, was ~20 with 32
    #: steps); a buffer is at most 24 MB (45 doubles a row), touched as its rows are written.
    _PICTURE_STEPS = 1024
    _PICTURE_ROWS = 1 << 16

    def _bind(self) -> None:
        """The state's views: floats ``_tf`` = ``err`` (n, 6), ``sigma_m`` (n, 2),
        ``last_seen`` (n,); integers ``_ti`` = ``hits``, ``track_of``, ``_last_id``,
        ``_fresh`` (threats given a track in a step, kernel output), each (n,), ``_ids`` (1,)
        and the generator's pointers ``_rng_ptrs`` (5, uintp) (the layout
        :func:`~airdefense.tracking._kernels.truth_step` reads)."""
        n, f, i = self._n, self._tf, self._ti
        self.err = f[:6 * n].reshape(n, 6)
        self.sigma_m = f[6 * n:8 * n].reshape(n, 2)
        self.last_seen = f[8 * n:]
        self.hits, self.track_of, self._last_id, self._fresh = i[:4 * n].reshape(4, n)
        self._ids = i[4 * n:4 * n + 1]
        self._rng_ptrs = i[4 * n + 1:].view(np.uintp)

    @property
    def next_id(self) -> int:
        """Id the next new track gets."""
        return int(self._ids[0])

    @next_id.setter
    def next_id(self, value: int) -> None:
        self._ids[0] = value

    def __getstate__(self) -> dict:
        # The generator link holds raw pointers: rebuilt after unpickling.
        state = {k: v for k, v in self.__dict__.items() if k not in self._VIEWS}
        state["_ti"] = self._ti.copy()
        state["_ti"][4 * self._n + 1:] = 0
        state["_rng_link"] = None
        for k in ("_pic", "_pic_views", "_pic_off", "_pic_last"):  # a copy: its own
            state.pop(k, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind()
        self._new_picture()

    def _new_picture(self) -> None:
        """A fresh buffer for the next pictures (see :meth:`_picture`): ``_pic`` = (the
        buffer,), what the kernel writes (:func:`~airdefense.tracking._kernels.truth_picture`),
        and ``_pic_views`` its views ``x`` (r, 6), ``P`` (r, 6, 6), quality (r,), track ids
        (r,), threats (r,) and the confirmed flags (r,) (all true), for r rows."""
        n = self._n
        rows = max(n, min(self._PICTURE_STEPS * n, self._PICTURE_ROWS), 1)
        pic = np.empty(45 * rows)
        ids = pic[43 * rows:].view(np.int64).reshape(2, rows)
        self._pic = (pic,)
        self._pic_views = (pic[:6 * rows].reshape(rows, 6),
                           pic[6 * rows:42 * rows].reshape(rows, 6, 6),
                           pic[42 * rows:43 * rows], ids[0], ids[1], np.ones(rows, bool))
        self._pic_off = 0
        self._pic_last = rows - n  # the last row a picture of n rows may start at

    def step(self, time_s: float, detections: Detections, alive: np.ndarray | None = None
             ) -> Tracks:
        """Update with one step's detections and return the picture at ``time_s``.

        Parameters
        ----------
        time_s : float
            Time of the picture, s.
        detections : Detections
            Detections since the last call.
        alive : ndarray of shape (n,), bool, optional
            Threats still in flight; others lose their track.

        Notes
        -----
        The step draws 6 standard normals from ``rng`` for each threat in ``alive`` (all
        ``n`` without it: the numbers and generator state of ``rng.standard_normal((a, 6))``
        for ``a`` alive threats, rows in threat order), inside the compiled kernel, and moves
        only their errors. A threat not in flight keeps its error: it starts as a stationary
        draw (unit variance) and the process is stationary, so an error that resumes its
        steps later has the distribution it would have had (the numbers differ from the
        earlier form, in which every threat drew every step).
        """
        time_s = float(time_s)
        rho, c = self._begin(time_s)
        m, n_fresh = _kernels.truth_step(
            time_s, rho, c, self._tf, self._ti, detections.truth_id, detections.z,
            detections.R, detections.time_s, self.confirm_hits, self.drop_after_s,
            self._all_alive if alive is None else np.asarray(alive, bool),
            self.truth.states(time_s), self.vel_sigma, *self._pic, self._pic_off)
        # A filtered track averages its measurements and fuses its radars (each axis as well
        # as the best radar measures it this step): see the kernels.
        return self._picture(time_s, m, n_fresh)

    def _begin(self, time_s: float) -> tuple[float, float]:
        """Start a step at ``time_s`` (a float): clear ``new_tracks``, advance the clock, link
        the generator's pointers; return the error's decay ``(rho, sqrt(1 - rho^2))`` for
        :func:`~airdefense.tracking._kernels.truth_step`.

        :meth:`step` is ``_begin``, the kernel on the state arrays ``_tf`` and ``_ti`` and the
        picture's buffer ``_pic[0]`` from row ``_pic_off``, then :meth:`_picture`; a caller that
        runs the kernel inside a compiled call of its own (the simulation's truth-mode step,
        :mod:`airdefense.simulation._kernels`) does the same.
        """
        if self.new_tracks:
            self.new_tracks = []
        last = self.time_s
        self.time_s = time_s
        decay = self._decay
        # Most steps: the step and correlation time of the last one, the same generator.
        if (last is not None and time_s - last == decay[0] and self.tau_s == decay[1]
                and self.rng is self._rng_link):
            return decay[2], decay[3]
        dt = 0.0 if last is None else max(time_s - last, 0.0)
        if dt != decay[0] or self.tau_s != decay[1]:
            rho = np.exp(-dt / self.tau_s)
            decay = self._decay = (dt, self.tau_s, float(rho), float(np.sqrt(1.0 - rho * rho)))
        rng = self.rng
        if rng is not self._rng_link:  # a new generator: its pointers, once
            self._rng_ptrs[:] = generator_pointers(rng)
            self._rng_link = rng
        return decay[2], decay[3]

    def _picture_rows(self, o: int, m: int, time_s: float) -> Tracks:
        """The picture at ``time_s`` of the ``m`` rows from row ``o`` of the picture's buffer
        (views of those rows; an empty picture for ``m`` 0)."""
        if m == 0:
            return Tracks.empty(time_s)
        e = o + m
        x, P, q, tid, idx, ok = self._pic_views
        return Tracks(time_s, tid[o:e], x[o:e], P[o:e], q[o:e], ok[o:e], idx[o:e])

    def _picture(self, time_s: float, m: int, n_fresh: int) -> Tracks:
        """End a step from the kernel's counts: list the new tracks (``new_tracks``) and
        return the picture at ``time_s``, its ``m`` rows written from row ``_pic_off`` of the
        buffer ``_pic[0]``.

        The picture's arrays are views of these rows; the next step's picture takes the rows
        after them, and once fewer than ``n`` rows are left, a new buffer (each picture keeps
        its own rows: no later step writes them).
        """
        if n_fresh:
            self.new_tracks = [(int(self._last_id[k]), int(k), time_s)
                               for k in self._fresh[:n_fresh].tolist()]
        if m == 0:
            return Tracks.empty(time_s)
        o = self._pic_off
        e = o + m
        tracks = self._picture_rows(o, m, time_s)
        if e > self._pic_last:
            self._new_picture()
        else:
            self._pic_off = e
        return tracks
