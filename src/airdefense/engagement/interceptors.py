"""Interceptors in flight: boost-coast flyout, guidance toward the predicted intercept point, end game.

Each step an interceptor re-aims at the intercept point predicted from the latest track of its
target (mid-course updates: a collision course, which is what proportional navigation steers
to), flies straight toward it at its boost-coast speed, and the end game is decided at the
closest approach to the true target (found within each step; a round still closing inside its
capture radius at the step's end flies on into the next; no later than ``max_tof`` after
launch).
A hit is then drawn (:class:`airdefense.engagement.model.Engagement`) with the kill probability
of the actual end-game geometry; a closest approach outside the capture radius is a miss. Rounds of a salvo wait on
the launcher until their own launch time (the launcher's minimum launch interval).
"""

from __future__ import annotations

import numpy as np

from airdefense.engagement import _kernels
from airdefense.engagement.flyout import Flyout
from airdefense.geo import EARTH_RADIUS_M

__all__ = ["InterceptorState", "CAPTURE_RADIUS_M", "RADAR_GUIDED"]

# End-game divert: a homing interceptor corrects residual track errors within this radius.
CAPTURE_RADIUS_M = {"command": 30.0, "semi_active": 40.0, "track_via_missile": 50.0,
                    "active": 60.0, "gun": 25.0}
#: Guidance that needs its fire-control radar until the end game (lost with the radar).
RADAR_GUIDED = ("command", "semi_active", "track_via_missile")

#: What :meth:`InterceptorState.step` returns when no round is lost or ends (read-only).
_NONE = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
for _a in _NONE:
    _a.flags.writeable = False
_NO_ROWS = np.zeros((0, _kernels.N_LAUNCHER_COLS))  # no coverage check in flight
_NO_HELD = np.zeros(0, np.int64)  # no control unit's classes: the states' own
_NO_ROWS.flags.writeable = False
#: The re-aim's intercept solver settings (:func:`airdefense.engagement._kernels.reaim_round`):
#: grid points, iterations and tolerance, m.
_SOLVE = (16, 5, 0.01)

#: Per-interceptor fields, as views of three packed arrays (one kernel argument each):
#: name -> column(s) of the float, integer and boolean arrays.
_FLOAT = {"pos": slice(_kernels.F_POS, _kernels.F_POS + 3),
          "aim": slice(_kernels.F_AIM, _kernels.F_AIM + 3), "aim_t": _kernels.F_AIM_T,
          "speed": _kernels.F_SPEED, "pk": _kernels.F_PK, "capture": _kernels.F_CAPTURE,
          "launch_t": _kernels.F_LAUNCH_T, "max_tof": _kernels.F_MAX_TOF, "vb": _kernels.F_VB,
          "tb": _kernels.F_TB, "v0": _kernels.F_V0, "k": _kernels.F_K,
          "pk_base": _kernels.F_PK_BASE, "target_g": _kernels.F_TARGET_G,
          "sigma": _kernels.F_SIGMA, "quality": _kernels.F_QUALITY, "pk_end": _kernels.F_PK_END,
          "unseen_t": _kernels.F_UNSEEN_T}
_INT = {"target": _kernels.I_TARGET, "track": _kernels.I_TRACK,
        "fire_control": _kernels.I_FIRE_CONTROL, "launcher": _kernels.I_LAUNCHER, "battery": 4}
_BOOL = {"command": _kernels.B_COMMAND, "active": _kernels.B_ACTIVE}


class InterceptorState:
    """Interceptors fired so far, as growable arrays (one row per interceptor).

    Fields (arrays of shape (N,) or (N, 3), N the capacity, the first :attr:`n` rows used):
    ``pos``, ``aim`` (m), ``aim_t`` (time of the predicted intercept, s), ``speed`` (mean
    flyout speed, m/s, legacy: the flyout gives the speed), ``pk`` (the fire decision's, at
    the predicted intercept point), ``capture`` (m), ``launch_t``, ``max_tof`` (s), flyout
    figures ``vb``, ``tb``, ``v0``, ``k``; the inputs of the Pk besides the geometry,
    ``pk_base`` (table value), ``target_g`` (g), ``sigma`` (track RMS position error, m) and
    ``quality`` (track quality), from which the end game evaluates ``pk_end`` (NaN until the
    round's end game, and without one); ``unseen_t`` (since when a radar-guided round's
    fire-control radar has not covered its target, s; NaN while it does); ``target``,
    ``track``, ``fire_control``, ``launcher``, ``battery``; ``command`` (needs its
    fire-control radar to the end), ``active``. They are views of three packed arrays, so
    that a compiled step takes them in three arguments.
    """

    def __init__(self) -> None:
        self.n = 0
        cap = 64
        self._f = np.zeros((cap, _kernels.N_FLOAT))
        self._f[:, _kernels.F_AIM_T] = self._f[:, _kernels.F_PK_END] = np.nan
        self._f[:, _kernels.F_VB] = self._f[:, _kernels.F_V0] = 1.0
        self._i = np.zeros((cap, len(_INT)), np.int64)
        self._b = np.zeros((cap, len(_BOOL)), bool)
        self._idle_n = -1  # see any_active
        self._views()

    def _views(self) -> None:
        """The named fields as views of the packed arrays, and the step's output buffers."""
        for names, a in ((_FLOAT, self._f), (_INT, self._i), (_BOOL, self._b)):
            for name, col in names.items():
                setattr(self, name, a[:, col])
        cap = self._f.shape[0]
        self._out_i = np.zeros((2, cap), np.int64)  # lost, ended
        self._out_f = np.zeros((2, cap))  # t_end, miss
        # What fly_step takes of the rounds, bound until the arrays grow (see step).
        self._packed = (self._f, self._i, self._b, self._out_i, self._out_f)

    def __getstate__(self) -> dict:
        return {"n": self.n, "_f": self._f, "_i": self._i, "_b": self._b}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._idle_n = -1
        self._views()

    def _grow(self, need: int) -> None:
        cap = self._f.shape[0]
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name in ("_f", "_i", "_b"):
            a = getattr(self, name)
            b = np.zeros((new,) + a.shape[1:], a.dtype)
            b[:cap] = a
            setattr(self, name, b)
        self._f[cap:, _kernels.F_AIM_T] = self._f[cap:, _kernels.F_PK_END] = np.nan
        self._views()

    def flyout(self, ids: np.ndarray) -> Flyout:
        """Flyout figures of interceptors ``ids``, arrays of shape (f,)."""
        return Flyout(self.vb[ids], self.tb[ids], self.v0[ids], self.k[ids])

    def launch(self, *, pos, aim, speed, target, track, launcher, battery, fire_control, pk,
               guidance, t, max_tof, flyout: Flyout | None = None,
               pk_inputs: tuple[float, float, float, float] | None = None) -> int:
        """Add one interceptor (in flight from time ``t``) and return its id.

        ``flyout`` (one entry) gives its boost-coast figures; without it the interceptor flies
        at the constant ``speed``. ``pk_inputs`` are the fire decision's kill-probability
        inputs besides the geometry: ``(table value, target's manoeuvre limit g, track RMS
        position error m, track quality)``; without them, ``(pk, 0, 0, 1)`` (the end game then
        evaluates ``pk`` as a table value with a perfect track).
        """
        self._grow(self.n + 1)
        i = self.n
        self.pos[i], self.aim[i], self.speed[i] = pos, aim, speed
        self.aim_t[i] = np.nan
        self.target[i], self.track[i], self.launcher[i] = target, track, launcher
        self.battery[i], self.fire_control[i], self.pk[i] = battery, fire_control, pk
        self.pk_base[i], self.target_g[i], self.sigma[i], self.quality[i] = (
            (pk, 0.0, 0.0, 1.0) if pk_inputs is None else pk_inputs)
        self.pk_end[i] = self.unseen_t[i] = np.nan
        self.capture[i] = CAPTURE_RADIUS_M[guidance]
        self.command[i] = guidance in RADAR_GUIDED
        self.launch_t[i], self.max_tof[i] = t, max_tof
        if flyout is None:
            self.vb[i], self.tb[i], self.v0[i], self.k[i] = speed, 0.0, speed, 0.0
        else:
            self.vb[i], self.tb[i] = float(flyout.vb[0]), float(flyout.tb[0])
            self.v0[i], self.k[i] = float(flyout.v0[0]), float(flyout.k[0])
        self.active[i] = True
        self.n += 1
        return i

    def _add(self, f_row: list, i_row: tuple, command: bool) -> int:
        """:meth:`launch` of a round given as its packed rows: ``f_row`` every float field in
        column order (``_kernels.F_*``, all ``N_FLOAT`` of them), ``i_row`` the integer fields
        (target, track, fire control, launcher, battery) and whether it needs its
        fire-control radar to the end; the same row as :meth:`launch` writes."""
        self._grow(self.n + 1)
        i = self.n
        self._f[i] = f_row
        self._i[i] = i_row
        self._b[i] = (command, True)  # (B_COMMAND, B_ACTIVE)
        self.n += 1
        return i

    def any_active(self) -> bool:
        """Whether any interceptor is active (flying or waiting for its launch).

        A round becomes active only through :meth:`launch`, which adds a row: once no round is
        found active, none is until the next launch, and the answer is kept until then.
        """
        n = self.n
        if n == self._idle_n:
            return False
        if self.active[:n].any():
            return True
        self._idle_n = n
        return False

    def in_flight(self) -> np.ndarray:
        """Ids of interceptors still flying (or waiting for their launch), shape (f,)."""
        return np.flatnonzero(self.active[: self.n])

    def reaim(self, ids: np.ndarray, target_pos: np.ndarray, target_vel: np.ndarray,
              t: float | None = None, gravity: np.ndarray | None = None) -> None:
        """Re-aim interceptors ``ids`` at intercept points predicted from target estimates.

        Parameters
        ----------
        ids : ndarray of shape (f,)
        target_pos, target_vel : ndarray of shape (f, 3)
            Target estimates at time ``t``, m and m/s.
        t : float, optional
            Time of the estimates, s (default: each interceptor's launch time).
        gravity : ndarray of shape (f,), optional
            Downward acceleration of the predicted path (ballistic targets), m/s^2.
        """
        if ids.size == 0:
            return
        ids = np.asarray(ids, np.int64)
        tau0 = np.zeros(ids.size) if t is None else np.maximum(t - self.launch_t[ids], 0.0)
        t_ref = self.launch_t[ids] if t is None else np.full(ids.size, float(t))
        g = np.zeros(ids.size) if gravity is None else np.asarray(gravity, float)
        _kernels.reaim_rounds(ids, np.ascontiguousarray(np.hstack([target_pos, target_vel]),
                                                        dtype=float),
                              np.ascontiguousarray(np.broadcast_to(g, ids.shape)), t_ref, tau0,
                              self.pos, self.max_tof, self.vb, self.tb, self.v0, self.k,
                              self.aim, self.aim_t, 16, 5, 0.01)

    def fly(self, ids: np.ndarray, truth0: np.ndarray, truth1: np.ndarray, t: float, dt: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fly interceptors ``ids`` over ``[t, t + dt]`` against their targets' true motion.

        Rounds whose launch time falls after ``t`` fly only from their launch time on.

        Parameters
        ----------
        ids : ndarray of shape (f,)
        truth0, truth1 : ndarray of shape (f, 3)
            True target positions at ``t`` and ``t + dt``.
        t : float
            Start of the step, s.
        dt : float
            Length of the step, s (> 0).

        Returns
        -------
        ended : ndarray of shape (f,), bool
            Interceptors whose end game happened in this step.
        t_end : ndarray of shape (f,)
            Time of closest approach (for ended ones), s.
        miss : ndarray of shape (f,)
            Miss distance at closest approach, m.
        """
        return _kernels.fly_rounds(np.asarray(ids, np.int64), self.pos, self.aim, self.launch_t,
                                   self.max_tof, self.capture, self.vb, self.tb, self.v0, self.k,
                                   np.ascontiguousarray(truth0, dtype=float),
                                   np.ascontiguousarray(truth1, dtype=float), float(t),
                                   float(dt))


    def guide_and_fly(self, ids: np.ndarray, truth0: np.ndarray, truth1: np.ndarray, t0: float,
                      t1: float, terminal_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Terminal homing, then :meth:`fly`, over ``[t0, t1]``.

        Rounds launched by ``t0`` within ``terminal_s`` seconds of their target (distance to
        its true position over their speed) are first re-aimed (:meth:`reaim`) at the
        target's true motion over the step.

        Parameters
        ----------
        ids : ndarray of shape (f,)
        truth0, truth1 : ndarray of shape (f, 3)
            True target positions at ``t0`` and ``t1``, m.
        t0, t1 : float
            Start and end of the step, s (``t1 > t0``).
        terminal_s : float
            Time to go that starts the terminal phase, s.

        Returns
        -------
        ended, t_end, miss : ndarray of shape (f,)
            As :meth:`fly`.
        """
        return _kernels.guide_and_fly(
            np.asarray(ids, np.int64), np.ascontiguousarray(truth0, dtype=float),
            np.ascontiguousarray(truth1, dtype=float), float(t0), float(t1), float(terminal_s),
            self.pos, self.aim, self.aim_t, self.launch_t, self.max_tof, self.capture, self.vb,
            self.tb, self.v0, self.k, 16, 5, 0.01)

    def step(self, t0: float, t1: float, sensor_ok: np.ndarray, track_id: np.ndarray,
             track_x: np.ndarray, track_dt: float, truth0: np.ndarray, truth1: np.ndarray,
             terminal_s: float, launcher_rows: np.ndarray | None = None,
             grace_s: float = 0.0, held_by_id: np.ndarray | None = None,
             radius_m: float = EARTH_RADIUS_M
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One flight step of every active interceptor over ``[t0, t1]``, in one kernel call.

        Radar-guided rounds whose fire-control radar is down are lost (and do not fly), and
        so are those in flight whose radar has not covered their target's true position at a
        step start for ``grace_s`` seconds or more (with ``launcher_rows``; see
        :func:`airdefense.engagement._kernels.fly_step`). The
        others launched before ``t1`` are re-aimed (:meth:`reaim`) from their track (the first
        row naming it), propagated ``track_dt`` seconds on the path its class calls for (the
        control unit's, ``held_by_id``, else the class its state shows:
        :func:`airdefense.engagement.envelope.track_gravity`), then fly with terminal
        homing (:meth:`guide_and_fly`) against their targets' true positions; a round with no
        target (``target < 0``) flies against its aim point. Lost and ended rounds stay active:
        the caller retires them.

        Parameters
        ----------
        t0, t1 : float
            The step, s.
        sensor_ok : ndarray of shape (S,), bool
            Radars working.
        track_id : ndarray of shape (m,), int
            Track ids of the picture.
        track_x : ndarray of shape (m, 6)
            Track states, ENU m and m/s, at ``t0 - track_dt``.
        track_dt : float
            Age of the track states at ``t0``, s.
        truth0, truth1 : ndarray of shape (n, 6)
            True states of every threat at ``t0`` and ``t1``.
        terminal_s : float
            Time to go that starts the terminal phase, s.
        launcher_rows : ndarray of shape (L, cols), optional
            The launchers' kernel rows (:func:`airdefense.engagement.envelope._launcher_rows`):
            their fire-control radars' coverage. Default: no coverage check in flight.
        grace_s : float, default 0
            How long a radar-guided round's radar may not cover its target, s.
        held_by_id : ndarray of shape (n_ids,), int, optional
            The control unit's class code of each track id (-1: none; ids past its end hold
            none; :attr:`airdefense.c2.evaluation.TrackClasses.codes`).
        radius_m : float, default the mean Earth radius
            Sphere above which a state's height is read for its class (inf: flat ground), m.

        Returns
        -------
        lost : ndarray of shape (b,), int
            Rounds lost with their radar or their radar's view of the target, in id order.
        ended : ndarray of shape (e,), int
            Rounds whose end game came in the step, in order of end time (stable).
        t_end, miss : ndarray of shape (e,)
            Their end times (s) and miss distances (m), as :meth:`fly`.
        """
        f, i, b, out_i, out_f = self._packed
        nb, ne = _kernels.fly_step(
            self.n, f, i, b, sensor_ok, track_id, track_x, float(track_dt), truth0, truth1,
            float(t0), float(t1), float(terminal_s), out_i, out_f, *_SOLVE,
            _NO_ROWS if launcher_rows is None else launcher_rows, float(grace_s),
            _NO_HELD if held_by_id is None else held_by_id, float(radius_m))
        return self._outcomes(nb, ne)

    def _outcomes(self, nb: int, ne: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`step`'s return value from the counts of lost and ended rounds its kernel
        call returned (the rounds and figures it wrote into the output buffers)."""
        if nb == 0 and ne == 0:  # most steps: no arrays to make
            return _NONE
        o, f = self._out_i, self._out_f
        return o[0, :nb].copy(), o[1, :ne].copy(), f[0, :ne].copy(), f[1, :ne].copy()
