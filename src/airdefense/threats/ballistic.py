"""Quasi-ballistic missiles: boost, lifting free flight over a spherical earth, terminal weave.

Each missile flies in the plane through the earth's centre, its launch point and its aim point.

* **Boost.** A vertical launch and a pitch program down to the burnout flight-path angle
  ``gamma`` while the missile accelerates uniformly to the burnout speed ``V`` in
  ``burn_time_s`` (thrust carries the weight and turns the missile; see :func:`boost_states`).
* **Free flight.** Inverse-square gravity about the sphere's centre and drag in an exponential
  atmosphere, ``a_drag = -rho(h) |v| v / (2 beta)`` with ballistic coefficient ``beta`` (kg/m^2),
  integrated with a fixed-step RK4 for all missiles at once. A class with ``lift_to_drag > 0``
  also has lift in its flight plane (see :func:`guidance`): none above its pull-up height,
  then a pull-up into a shallow glide, then a push-over into the terminal dive, at most the
  lift of its best L/D (parabolic drag polar, with its induced drag) and within ``max_g``.
* **Aim.** ``(gamma, V)`` is solved by a damped Newton shooting method so that the missile
  reaches its aim point with an apogee that grows as the square root of range to the class's
  apogee at its maximum range (``depressed_apogee_factor`` of it for a depressed trajectory). The shooting is done for a few
  representative ranges per raid group and interpolated to each missile's own range (the
  solution is smooth in range), then every missile is flown with its own ``(gamma, V)``.
  Its first guess and Jacobian come from the solutions of the group's nominal geometry
  (no scatter), solved once per scenario and kept (:func:`_warm_table`); Broyden and
  secant updates then take few flights per replication.
* **Terminal manoeuvres.** Below ``maneuver_height_m`` (or half the apogee, if lower) on the
  descent the missile weaves across
  its plane: a random sum of two ``sin^2`` pulls (2 to 5 half-periods each) whose lateral
  acceleration is bounded by ``max_g`` and whose displacement and lateral velocity are zero at
  the start of the weave and at impact, so the flight has no velocity jump and the CEP is kept.

The trajectories are stored as samples (one per integration step) and evaluated by cubic Hermite
interpolation (:class:`BallisticTrajectory`).
"""

from __future__ import annotations

import math

import numpy as np

from airdefense.errors import ScenarioError
from airdefense.geo import G0_MPS2
from airdefense.threats import _kernels as _k
from airdefense.threats.sampled import HermiteTrajectory

__all__ = [
    "RHO0_KG_M3",
    "SCALE_HEIGHT_M",
    "BallisticTrajectory",
    "boost_states",
    "fly_planar",
    "find_impact",
    "guidance",
    "solve_burnout",
    "solve_speed",
    "build_ballistic",
]

RHO0_KG_M3 = 1.225  # sea-level density of the standard atmosphere
SCALE_HEIGHT_M = 7200.0  # density scale height that best fits the standard atmosphere to 50 km
_MAX_TIME_S = 3600.0  # longest free flight integrated (escaping flights are cut off)
_NODES = 6  # representative ranges per raid group (Chebyshev points)


def fly_planar(
    y0: np.ndarray,
    dt_s: np.ndarray,
    r_stop_m: np.ndarray,
    radius_m: float,
    beta_kg_m2: np.ndarray,
    mu_m3_s2: float | None = None,
    check_every: int = 16,
    guide: np.ndarray | None = None,
) -> np.ndarray:
    """Integrate planar free flights (RK4, fixed step) until every one has come down.

    Coordinates are in the flight plane with the origin at the earth's centre.

    Parameters
    ----------
    y0 : ndarray of shape (4, N)
        Initial ``[x, z, vx, vz]``, m and m/s.
    dt_s : ndarray of shape (N,)
        Step of each flight, s.
    r_stop_m : ndarray of shape (N,)
        Radius below which a descending flight has ended (its impact radius), m.
    radius_m : float
        Radius of the earth's sphere (where density is sea-level density), m.
    beta_kg_m2 : ndarray of shape (N,)
        Ballistic coefficient ``m / (C_D A)``, kg/m^2; ``inf`` for no drag.
    mu_m3_s2 : float, optional
        Gravitational parameter; default ``G0 * radius_m**2`` (surface gravity ``G0``).
    check_every : int, default 16
        Steps between the tests whether every flight has come down (>= 1); the result may
        hold up to this many steps past the last impact.
    guide : ndarray of shape (7, N), optional
        Lift guidance of each flight (:func:`guidance`); default none (no lift).

    Returns
    -------
    ndarray of shape (m, 4, N)
        The states at every step; the last one is past every flight's impact.
    """
    mu = G0_MPS2 * radius_m**2 if mu_m3_s2 is None else mu_m3_s2
    dt = np.ascontiguousarray(dt_s, dtype=float)
    kdrag = RHO0_KG_M3 / (2.0 * np.asarray(beta_kg_m2, float))
    y0 = np.ascontiguousarray(y0, dtype=float)
    if guide is None:
        guide = np.zeros((_k.GUIDE_ROWS, dt.size))
    return _k.fly_planar(y0, dt, _dense(r_stop_m, dt.shape), float(radius_m),
                         _dense(kdrag, dt.shape), float(mu), SCALE_HEIGHT_M,
                         math.ceil(_MAX_TIME_S / float(dt.min())), int(check_every),
                         _dense(guide, (_k.GUIDE_ROWS, dt.size)))


def _dense(a, shape: tuple) -> np.ndarray:
    """``a`` broadcast to ``shape`` as a contiguous float array (the kernels' arguments):
    ``a`` itself where it already is one (the kernels only read it), sparing the broadcast's
    cost (a few microseconds) in the shooting's many flights."""
    if (type(a) is np.ndarray and a.shape == shape and a.dtype == np.float64
            and a.flags.c_contiguous):
        return a
    return np.ascontiguousarray(np.broadcast_to(np.asarray(a, float), shape))


_PITCH_POWER = 3.0  # pitch program exponent: most of the turn early, as after a pitch kick
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_GL_X, _GL_W = 0.5 * (_GL_X + 1.0), 0.5 * _GL_W


def boost_states(t_s: np.ndarray, r_launch_m, gamma_rad, v_burnout_mps, burn_time_s) -> np.ndarray:
    """Planar states on the boost, shape (len(t), 4, N).

    The missile leaves the launcher vertically and accelerates uniformly to the burnout speed
    ``V`` in ``burn_time_s``, so it has flown the fraction ``u = (t / burn_time)^2`` of its boost
    path of length ``V burn_time / 2``. Its flight-path angle follows the pitch program
    ``theta(u) = gamma + (pi/2 - gamma) (1 - u)^3`` down to the burnout angle ``gamma``; thrust
    carries the weight and turns the missile. Positions are integrals of the path direction,
    done by 16-point Gauss-Legendre quadrature.

    Parameters
    ----------
    t_s : ndarray of shape (k, N) or (k, 1)
        Times since launch, s (clipped to the burn).
    r_launch_m, gamma_rad, v_burnout_mps, burn_time_s : ndarray of shape (N,)
    """
    # np.clip's numbers (but for a time of -0.0, which none is) without its Python layers: the
    # shooting calls this for every flight it flies.
    t = np.minimum(np.maximum(t_s, 0.0), burn_time_s)
    u = (t / burn_time_s) ** 2
    turn = 0.5 * np.pi - gamma_rad
    w = u[..., None] * _GL_X  # (k, N, 16) quadrature abscissae along [0, u]
    th = gamma_rad[..., None] + turn[..., None] * (1.0 - w) ** _PITCH_POWER
    length = 0.5 * v_burnout_mps * burn_time_s * u
    x = length * np.sum(_GL_W * np.cos(th), axis=-1)
    z = length * np.sum(_GL_W * np.sin(th), axis=-1)
    theta = gamma_rad + turn * (1.0 - u) ** _PITCH_POWER
    v = v_burnout_mps * t / burn_time_s
    z = r_launch_m + z  # of every argument's shape (x, theta and v: of all but r_launch_m)
    out = np.empty(z.shape[:1] + (4,) + z.shape[1:])  # np.stack's array, filled in place
    out[:, 0] = x
    out[:, 1] = z
    np.multiply(v, np.cos(theta), out=out[:, 2])
    np.multiply(v, np.sin(theta), out=out[:, 3])
    return out


def find_impact(samples: np.ndarray, dt_s: np.ndarray, r_stop_m: np.ndarray):
    """Locate where each flight first descends through its impact radius.

    Between the samples around the crossing, the flight is the cubic Hermite arc through
    their positions and velocities; four Newton steps on ``|p(s)| = r_stop`` place the impact
    on it. The apogee is the highest sample plus the rise left at its radial speed under the
    net radial deceleration (gravity less the centripetal term, at least 0.1 m/s^2), smooth
    in the flight's parameters. Compiled: :func:`airdefense.threats._kernels.find_impact`.

    Parameters
    ----------
    samples : ndarray of shape (m, 4, N)
        Output of :func:`fly_planar` (m >= 2).
    dt_s, r_stop_m : ndarray of shape (N,)

    Returns
    -------
    t_s : ndarray of shape (N,)
        Time of impact since the first sample, s (NaN if the flight never comes down).
    state : ndarray of shape (4, N)
        Planar state at impact.
    apogee_r_m : ndarray of shape (N,)
        Greatest radius reached, m.

    Raises
    ------
    IndexError
        If there are fewer than two samples.
    """
    smp = np.ascontiguousarray(samples, dtype=float)
    if smp.ndim != 3 or smp.shape[0] < 2 or smp.shape[1] != 4:
        raise IndexError(f"find_impact: samples must have shape (m >= 2, 4, N), got "
                         f"{smp.shape}")
    n = smp.shape[2]
    t, state, apogee = np.empty(n), np.empty((4, n)), np.empty(n)
    _k.find_impact(smp, _dense(dt_s, (n,)), _dense(r_stop_m, (n,)), G0_MPS2, 4, t, state,
                   apogee)
    return t, state, apogee


WEAVE_SHARE = 0.5  # the weave's lateral pull is at most this fraction of max_g (see below)


def guidance(preset, apogee_m: np.ndarray, range_angle_rad: np.ndarray,
             depressed: bool = False) -> np.ndarray:
    """Lift guidance of flights of one ballistic class (:func:`fly_planar`'s ``guide``).

    Below the pull-up height ``h_pull = min(pullup_height_m, apogee)`` on the descent the lift
    pulls the flight path up to ``-glide_angle_deg`` (and holds it there where it suffices);
    below the dive height ``h_dive = min(maneuver_height_m, apogee / 2)`` (``apogee / 2``
    without a weave) it pushes the path over to ``-dive_angle_deg``
    (:func:`airdefense.threats._kernels.lift_accel`). The lift is at most ``2 lift_to_drag``
    times the zero-lift drag (the lift at the best L/D of a parabolic polar) and at most
    ``max_g``, or ``sqrt(1 - 0.5^2) max_g`` for a class that weaves (the weave pulls sideways
    at up to half of ``max_g``), so lift and weave together stay within ``max_g``. A
    depressed flight is flown without lift: it gives up apogee for time, and a glide would
    give the time back.

    Parameters
    ----------
    preset : ThreatPreset
        A ballistic class; ``lift_to_drag`` 0 gives zeros (no lift).
    apogee_m, range_angle_rad : ndarray of shape (K,)
        Wanted apogee height (m) and central angle from launch to aim (rad) of each flight.
    depressed : bool, default False
        A depressed flight (zeros: no lift).

    Returns
    -------
    ndarray of shape (7, K)
        Rows ``_kernels.G_*``: L/D, lift limit (m/s^2), pull-up and dive heights (m), glide and
        dive flight-path angles (rad, negative: descending), range angle of the aim (rad).
    """
    apo = np.asarray(apogee_m, float)
    out = np.zeros((_k.GUIDE_ROWS, apo.size))
    ld = float(preset.lift_to_drag)
    if ld <= 0.0 or depressed:
        return out
    weave = preset.maneuver_height_m is not None
    out[_k.G_LD] = ld
    out[_k.G_AMAX] = preset.max_g * G0_MPS2 * (np.sqrt(1.0 - WEAVE_SHARE**2) if weave else 1.0)
    out[_k.G_HPULL] = np.minimum(float(preset.pullup_height_m), apo)
    out[_k.G_HDIVE] = np.minimum(float(preset.maneuver_height_m) if weave else np.inf, 0.5 * apo)
    out[_k.G_GLIDE] = -np.radians(preset.glide_angle_deg)
    out[_k.G_DIVE] = -np.radians(preset.dive_angle_deg)
    out[_k.G_PHI] = range_angle_rad
    return out


def _fly_from_launch(r_launch, gamma, v_bo, burn, dt, r_stop, radius, beta, guide=None):
    """Boost then free flight; returns burnout-relative samples and impact data."""
    y0 = boost_states(burn[None, :], r_launch, gamma, v_bo, burn)[0]
    smp = fly_planar(y0, dt, r_stop, radius, beta, guide=guide)
    t, state, apo = find_impact(smp, dt, r_stop)
    return smp, t, state, apo


#: The motor limits of :func:`_check_depressed`: the inputs' bytes -> (V (1,), miss (1,)).
_MOTOR_CAPS: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def _check_depressed(g: dict, d: dict, radius_m: float) -> None:
    """Raise if a depressed group needs a burnout speed beyond its class's motor: the speed
    of the class's own nominal flight (apogee ``apogee_m``) at its ``max_range_m``, the most
    the preset's figures give it (1% allowed). The flight is from the group's nominal launch
    point to its nominal aim's radius where ``g`` has them (solved once per scenario and kept),
    else from the mean radii of its missiles."""
    p = g["preset"]
    apo = float(p.apogee_m) if p.apogee_m else 0.25 * p.max_range_m
    one = lambda x: np.array([float(x)])  # noqa: E731
    phi_max = p.max_range_m / radius_m
    rl, ra = d["rl"].mean(), d["ra"].mean()
    if "nominal_launch" in g and "nominal_aim" in g:  # the nominal radii: kept per scenario
        up = np.array([0.0, 0.0, radius_m])
        rl, ra = (float(np.linalg.norm(np.asarray(g[k], float) + up))
                  for k in ("nominal_launch", "nominal_aim"))
    args = (one(rl), one(ra), one(phi_max), one(apo), one(d["burn"]), one(d["beta"]),
            one(d["dt"]))
    gd = guidance(p, one(apo), one(phi_max))
    key = b"".join([b"cap", np.float64(radius_m).tobytes(), gd.tobytes()]
                   + [a.tobytes() for a in args])
    if key not in _MOTOR_CAPS:
        if len(_MOTOR_CAPS) >= _WARM_MAX:
            del _MOTOR_CAPS[next(iter(_MOTOR_CAPS))]
        _MOTOR_CAPS[key] = solve_burnout(*args, radius_m, guide=gd)[1:]
    v_cap, miss = _MOTOR_CAPS[key]
    v_need = float(np.max(d["v"]))
    if abs(miss[0]) < 1.0 and v_need > 1.01 * v_cap[0]:
        i = int(np.argmax(d["v"]))
        raise ScenarioError(
            f"raid.{g['name']}.depressed",
            f"a depressed flight (apogee {p.depressed_apogee_factor:g} of the nominal) of "
            f"{d['phi'][i] * radius_m / 1000:.0f} km needs a burnout speed of {v_need:.0f} m/s, "
            f"beyond the {v_cap[0]:.0f} m/s the {g['preset_name']} preset reaches on its "
            f"nominal flight at its max_range_m of {p.max_range_m / 1000:.0f} km (its motor's "
            "limit); fly it nominal, or nearer",
        )


def _drag_free_start(apogee_m: np.ndarray, range_angle_rad: np.ndarray,
                     radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Drag-free flat-earth guess ``tan(gamma) = 4 h / d``, ``V^2 = g d / sin(2 gamma)``
    (5% more speed), each shape (K,)."""
    d = range_angle_rad * radius_m
    gamma = np.arctan(4.0 * apogee_m / d)
    return gamma, np.sqrt(G0_MPS2 * d / np.sin(2 * gamma)) * 1.05


def solve_burnout(
    r_launch_m: np.ndarray,
    r_aim_m: np.ndarray,
    range_angle_rad: np.ndarray,
    apogee_m: np.ndarray,
    burn_time_s: np.ndarray,
    beta_kg_m2: np.ndarray,
    dt_s: np.ndarray,
    radius_m: float,
    tol_m: float = 0.01,
    max_iter: int = 20,
    guide: np.ndarray | None = None,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    jac: np.ndarray | None = None,
    tol_apogee_m: float = np.inf,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve burnout flight-path angle and speed that reach a range with a given apogee.

    Vectorised damped Newton shooting: each iteration flies the flights not yet converged,
    then the two finite-difference neighbours of each (in one batch) for its Jacobian. A
    flight that has converged is not flown again.

    Parameters
    ----------
    r_launch_m, r_aim_m : ndarray of shape (K,)
        Radii of the launch and aim points, m.
    range_angle_rad : ndarray of shape (K,)
        Central angle from launch to aim.
    apogee_m : ndarray of shape (K,)
        Wanted apogee height above the sphere, m.
    burn_time_s, beta_kg_m2, dt_s : ndarray of shape (K,)
    radius_m : float
    tol_m : float, default 0.01
        Stop once every flight's range error is below this, m.
    max_iter : int, default 20
        Most Newton iterations (each flies at most 3 K flights); ``miss_m`` tells what was
        reached.
    guide : ndarray of shape (7, K), optional
        Lift guidance (:func:`guidance`); default none.
    start : tuple of two ndarrays of shape (K,), optional
        First guess ``(gamma_rad, v_mps)``; default the drag-free flat-earth guess.
    jac : ndarray of shape (4, K), optional
        A Jacobian near the solution: d(range error)/d(gamma) (m/rad), d(range error)/dV (s),
        d(apogee error)/d(gamma) (m/rad), d(apogee error)/dV (s). A flight steps with it,
        updated by Broyden's method after each step (:func:`_broyden`), and no neighbours
        are flown, while its error at least halves at each step; then (and where a column is
        not finite) with finite differences. Default: finite differences.
    tol_apogee_m : float, default inf
        Stop only once every flight's apogee error is below this too, m.

    Returns
    -------
    gamma_rad, v_mps : ndarray of shape (K,)
        Burnout flight-path angle (above the launch horizon) and speed.
    miss_m : ndarray of shape (K,)
        Remaining range error, m (NaN where the flight never came down).
    """
    return _shoot_burnout(r_launch_m, r_aim_m, range_angle_rad, apogee_m, burn_time_s,
                          beta_kg_m2, dt_s, radius_m, tol_m, max_iter, guide, start, jac,
                          tol_apogee_m)[:3]


def _shoot_burnout(r_launch_m, r_aim_m, range_angle_rad, apogee_m, burn_time_s, beta_kg_m2,
                   dt_s, radius_m, tol_m, max_iter, guide, start, jac, tol_apogee_m):
    """:func:`solve_burnout` (same arguments), also returning the last Jacobian (4, K)."""
    K = r_launch_m.shape[0]
    if start is None:
        gamma, v = _drag_free_start(apogee_m, range_angle_rad, radius_m)
    else:
        gamma, v = (np.array(a, float) for a in start)
    J = np.full((4, K), np.nan) if jac is None else np.array(jac, float)
    fd = ~np.all(np.isfinite(J), axis=0)
    dg, dv = 1e-5, 0.02

    def shots(i, g, vv):
        """Range and apogee errors of flights ``i`` (indices, possibly repeated)."""
        _, t, st, apo = _fly_from_launch(r_launch_m[i], g, vv, burn_time_s[i], dt_s[i],
                                         r_aim_m[i], radius_m, beta_kg_m2[i],
                                         None if guide is None else guide[:, i])
        e1 = (np.arctan2(st[0], st[1]) - range_angle_rad[i]) * radius_m
        return t, e1, apo - radius_m - apogee_m[i]

    miss = np.full(K, np.inf)
    prev = np.full(K, np.inf)
    last = np.full((4, K), np.nan)  # per flight: its last errors and the step that followed
    todo = np.arange(K)
    for _ in range(max_iter):
        t, f1, f2 = shots(todo, gamma[todo], v[todo])
        miss[todo] = np.where(np.isfinite(t), f1, np.nan)
        done = (np.abs(miss[todo]) < tol_m) & (np.abs(f2) < tol_apogee_m)
        size = np.hypot(f1, np.where(np.isfinite(f2), f2, np.inf))
        fd[todo[~(size <= 0.5 * prev[todo])]] = True  # the given Jacobian does not do
        prev[todo] = size
        _broyden(J, todo, f1, f2, last, fd)
        todo, f1, f2 = todo[~done], f1[~done], f2[~done]
        if not todo.size:
            break
        need = fd[todo]
        if need.any():
            i, m = todo[need], int(need.sum())
            _, e1, e2 = shots(np.concatenate([i, i]), np.concatenate([gamma[i] + dg, gamma[i]]),
                              np.concatenate([v[i], v[i] + dv]))
            a1, a2 = f1[need], f2[need]
            J[:, i] = [(e1[:m] - a1) / dg, (e1[m:] - a1) / dv, (e2[:m] - a2) / dg,
                       (e2[m:] - a2) / dv]
        j11, j12, j21, j22 = J[:, todo]
        det = j11 * j22 - j12 * j21
        with np.errstate(invalid="ignore", divide="ignore"):
            step_g = -(j22 * f1 - j12 * f2) / det
            step_v = -(-j21 * f1 + j11 * f2) / det
        bad = ~np.isfinite(step_g) | ~np.isfinite(step_v) | ~np.isfinite(f1)
        # A flight that never came down overshot: slow it.
        g, vv = gamma[todo], v[todo]
        step_g = np.where(bad, 0.0, np.clip(step_g, -0.1, 0.1))
        step_v = np.where(bad, -0.1 * vv, np.clip(step_v, -0.25 * vv, 0.25 * vv))
        gamma[todo] = np.clip(g + step_g, 0.01, 1.5)
        v[todo] = np.maximum(vv + step_v, 10.0)
        last[:, todo] = [f1, f2, gamma[todo] - g, v[todo] - vv]
    return gamma, v, miss, J


_SECANT_ITER = 6  # secant steps of solve_speed before finite differences
_BROYDEN_RAD_MPS = 1.0e4  # m/s of burnout speed weighed as 1 rad of burnout angle


def _broyden(J: np.ndarray, i: np.ndarray, f1: np.ndarray, f2: np.ndarray, last: np.ndarray,
             fd: np.ndarray) -> None:
    """Broyden's update of the Jacobians ``J[:, i]`` (4, K) of :func:`solve_burnout` from the
    errors ``f1``, ``f2`` (len(i),) after each flight's last step (``last[:, i]``: errors
    before it, step in gamma, step in V; NaN for none), for the flights not on finite
    differences (``fd``): the new Jacobian maps the step to the change of the errors, and is
    unchanged across it (weighted: :data:`_BROYDEN_RAD_MPS`)."""
    e1, e2, sg, sv = last[:, i]
    w = _BROYDEN_RAD_MPS**2 * sg
    den = w * sg + sv * sv
    ok = ~fd[i] & np.isfinite(f1) & np.isfinite(f2) & np.isfinite(den) & (den > 0.0)
    if not ok.any():
        return
    i, f1, f2, e1, e2, sg, sv, w, den = (a[ok] for a in (i, f1, f2, e1, e2, sg, sv, w, den))
    j = J[:, i]
    y1 = f1 - e1 - (j[0] * sg + j[1] * sv)
    y2 = f2 - e2 - (j[2] * sg + j[3] * sv)
    J[:, i] = j + np.stack([y1 * w, y1 * sv, y2 * w, y2 * sv]) / den


def solve_speed(
    r_launch_m: np.ndarray,
    r_aim_m: np.ndarray,
    range_angle_rad: np.ndarray,
    gamma_rad: np.ndarray,
    v0_mps: np.ndarray,
    burn_time_s: np.ndarray,
    beta_kg_m2: np.ndarray,
    dt_s: np.ndarray,
    radius_m: float,
    tol_m: float = 0.001,
    max_iter: int = 12,
    guide: np.ndarray | None = None,
    slope: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve the burnout speed that reaches a range at a fixed burnout angle (Newton).

    Parameters are as for :func:`solve_burnout`, with ``gamma_rad`` fixed and ``v0_mps`` the
    starting speeds, all shape (K,), and ``guide`` the lift guidance (7, K). ``slope`` (K,),
    optional, is a derivative of the range in the speed near the solution (s): a flight's
    first step takes it, each next one the secant through its last two speeds, while the
    secant keeps the slope's sign and for at most :data:`_SECANT_ITER` steps; then (and where
    it is not finite) a finite difference at each step (one more flight). Default: finite
    differences. A flight that has converged is not flown again. A flight the Newton steps
    leave above ``tol_m`` after ``max_iter`` (a lifting flight's range is not monotonic in
    the speed within a few m/s of the solution: its lift phases switch inside integration
    steps, so Newton can circle a bump) is solved by bracketing (:func:`_bracket_speed`) from
    the speeds it has flown. Returns the speeds and the remaining range errors (m).
    """
    K = r_launch_m.shape[0]
    dv = 0.02
    s = np.full(K, np.nan) if slope is None else np.array(slope, float)
    fd = ~np.isfinite(s)
    v = np.array(v0_mps, float)

    def shots(i, vv):
        """Range errors of flights ``i`` (indices, possibly repeated) at speeds ``vv``."""
        _, t, st, _ = _fly_from_launch(r_launch_m[i], gamma_rad[i], vv, burn_time_s[i],
                                       dt_s[i], r_aim_m[i], radius_m, beta_kg_m2[i],
                                       None if guide is None else guide[:, i])
        return t, (np.arctan2(st[0], st[1]) - range_angle_rad[i]) * radius_m

    miss = np.full(K, np.inf)
    last = np.full((2, K), np.nan)  # per flight: its last error and the step that followed
    todo = np.arange(K)
    flown = []  # (flights, speeds, range errors) of every shot, for _bracket_speed
    for it in range(max_iter):
        t, e = shots(todo, v[todo])
        miss[todo] = np.where(np.isfinite(t), e, np.nan)
        flown.append((todo, v[todo], miss[todo]))
        done = np.abs(miss[todo]) < tol_m
        # Secant update of the slope, where it keeps the slope's sign; else (and after
        # _SECANT_ITER steps) finite differences.
        with np.errstate(invalid="ignore", divide="ignore"):
            sec = (e - last[0, todo]) / last[1, todo]
        upd = np.isfinite(sec) & (sec * s[todo] > 0.0)
        fd[todo[~upd & np.isfinite(last[1, todo])]] = True
        if it >= _SECANT_ITER:
            fd[todo] = True
        upd &= ~fd[todo]
        s[todo[upd]] = sec[upd]
        todo, e = todo[~done], e[~done]
        if not todo.size:
            break
        need = fd[todo]
        if need.any():
            i = todo[need]
            t_up, e_up = shots(i, v[i] + dv)
            s[i] = (e_up - e[need]) / dv
            flown.append((i, v[i] + dv, np.where(np.isfinite(t_up), e_up, np.nan)))
        vv = v[todo]
        with np.errstate(invalid="ignore", divide="ignore"):
            step = -e / s[todo]
        step = np.where(np.isfinite(step), np.clip(step, -0.25 * vv, 0.25 * vv), -0.1 * vv)
        v[todo] = np.maximum(vv + step, 10.0)
        last[:, todo] = [e, v[todo] - vv]
    left = np.flatnonzero(~(np.abs(miss) < tol_m))
    if left.size:
        _bracket_speed(left, v, miss, flown, shots, tol_m)
    return v, miss


_BRACKET_ITER = 60  # regula falsi steps of _bracket_speed (the bracket at least halves in two)
_BRACKET_GROW = (0.005, 0.02, 0.05, 0.1, 0.25)  # relative speed offsets tried for a bracket
_BRACKET_EPS = 8 * np.finfo(float).eps  # relative width of a bracket that can shrink no more


def _bracket_speed(left, v, miss, flown, shots, tol_m) -> None:
    """Solve the speeds of flights ``left`` by bracketing (Illinois regula falsi), in place.

    The bracket of a flight is the closest pair of speeds it has flown (``flown``: tuples of
    flights, speeds and range errors) whose errors have opposite signs, so it holds a root of
    the (continuous) range error whatever its bumps; without one, speeds
    ``v (1 +- f)`` (:data:`_BRACKET_GROW`) are flown until the sign changes. A flight ends at
    the best speed found: ``miss`` tells what was reached (a flight with no bracket keeps its
    error).
    """
    fl = np.concatenate([f for f, _, _ in flown])
    vs = np.concatenate([a for _, a, _ in flown])
    es = np.concatenate([e for _, _, e in flown])
    n = left.size
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)  # speeds of negative, positive error
    elo, ehi = np.full(n, np.nan), np.full(n, np.nan)
    for q, k in enumerate(left):  # a handful of flights, each with a few dozen shots
        mine = fl == k
        a, b = vs[mine], es[mine]
        neg, pos = b < 0.0, b > 0.0
        if neg.any() and pos.any():
            gap = np.abs(a[neg][:, None] - a[pos][None, :])
            r, c = np.unravel_index(np.argmin(gap), gap.shape)
            lo[q], elo[q], hi[q], ehi[q] = a[neg][r], b[neg][r], a[pos][c], b[pos][c]
    for f in _BRACKET_GROW:  # no sign change among the shots: widen about the speed
        need = np.flatnonzero(np.isnan(lo) | np.isnan(hi))
        if not need.size:
            break
        k = left[need]
        t2, e2 = shots(np.concatenate([k, k]), np.concatenate([v[k] * (1 - f), v[k] * (1 + f)]))
        e2 = np.where(np.isfinite(t2), e2, np.nan)
        m = need.size
        for side, sl in ((0, slice(0, m)), (1, slice(m, 2 * m))):
            sv, se = v[k] * (1 - f if side == 0 else 1 + f), e2[sl]
            put_lo = np.isnan(lo[need]) & (se < 0.0)
            put_hi = np.isnan(hi[need]) & (se > 0.0)
            lo[need[put_lo]], elo[need[put_lo]] = sv[put_lo], se[put_lo]
            hi[need[put_hi]], ehi[need[put_hi]] = sv[put_hi], se[put_hi]
    q = np.flatnonzero(np.isfinite(lo) & np.isfinite(hi))
    side = np.zeros(n, np.int64)  # the end kept twice in a row (Illinois: halve its error)
    for _ in range(_BRACKET_ITER):
        if not q.size:
            break
        fin = np.isfinite(elo[q]) & np.isfinite(ehi[q])
        with np.errstate(invalid="ignore"):
            c = np.where(fin, (lo[q] * ehi[q] - hi[q] * elo[q]) / (ehi[q] - elo[q]),
                         0.5 * (lo[q] + hi[q]))  # an end that overshot: bisect
        k = left[q]
        t, e = shots(k, c)
        e = np.where(np.isfinite(t), e, np.inf)  # a flight that never came down overshot
        better = ~(np.abs(miss[k]) <= np.abs(e))
        v[k[better]], miss[k[better]] = c[better], e[better]
        neg = e < 0.0
        lo[q[neg]], elo[q[neg]] = c[neg], e[neg]
        hi[q[~neg]], ehi[q[~neg]] = c[~neg], e[~neg]
        # Illinois: an end kept for a second step has its error halved (no one-sided creep).
        keep_hi, keep_lo = neg & (side[q] == 1), ~neg & (side[q] == -1)
        ehi[q[keep_hi]] *= 0.5
        elo[q[keep_lo]] *= 0.5
        side[q] = np.where(neg, 1, -1)
        q = q[~((np.abs(e) < tol_m) | (np.abs(hi[q] - lo[q]) <= _BRACKET_EPS * np.abs(c)))]


class BallisticTrajectory(HermiteTrajectory):
    """Sampled ballistic flights plus an analytic terminal weave across the flight plane.

    Parameters
    ----------
    t0_s, dt_s, end_s, pos, vel, count
        As for :class:`~airdefense.threats.sampled.HermiteTrajectory`.
    weave_start_s : ndarray of shape (n,)
        Start of the weave, s (the weave ends at ``end_s``).
    weave_axis : ndarray of shape (n, 3)
        Unit vector of the weave (normal to the flight plane).
    weave_amp_m : ndarray of shape (n, 2)
        Amplitudes of the two sine components, m.
    weave_k : ndarray of shape (n, 2)
        Half-periods of each component over the weave (positive integers).
    """

    def __init__(self, t0_s, dt_s, end_s, pos, vel, count, weave_start_s, weave_axis,
                 weave_amp_m, weave_k) -> None:
        super().__init__(t0_s, dt_s, end_s, pos, vel, count)
        self.w0 = np.asarray(weave_start_s, float)
        self.axis = np.asarray(weave_axis, float)
        self.amp = np.asarray(weave_amp_m, float)
        self.k = np.asarray(weave_k, float)
        c = np.ascontiguousarray
        self._weave_args = (c(self.w0), c(self.axis), c(self.amp), c(self.k))

    def weave(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Lateral weave displacement (m) and its rate (m/s) at ``t``, each shape (n,)."""
        disp, rate = np.empty(self.n), np.empty(self.n)
        w0, _, amp, k = self._weave_args
        _k.weave(float(t), w0, self._args[2], amp, k, disp, rate)
        return disp, rate

    def _fill(self, t: float, out: np.ndarray, rows: np.ndarray) -> None:
        """Write the states at ``t`` into ``out[rows]``."""
        if self.n:
            _k.ballistic_states(float(t), *self._args, *self._weave_args, out, rows)

    def state_rows(self, t: float, rows: np.ndarray) -> np.ndarray:
        """The rows ``rows`` (m,) of :meth:`states` at ``t``, shape (m, 6), the same numbers
        (only those rows computed)."""
        out = np.empty((rows.shape[0], 6))
        _k.ballistic_states_rows(float(t), rows, *self._args, *self._weave_args, out)
        return out

    def _fill_many(self, ts: np.ndarray, out: np.ndarray, rows: np.ndarray) -> None:
        """Write the states at each of ``ts`` (K,) into ``out[k, rows]`` (``out`` (K, N, 6))."""
        if self.n:
            _k.ballistic_states_many(ts, *self._args, *self._weave_args, out, rows)


def _refine_speed(g: dict, d: dict, radius_m: float) -> None:
    """Solve each lifting missile's burnout speed for its own range, from the interpolated one.

    The lift's phases (heights and the dive's arming set by the apogee law, limits that bind
    or not) make the range a less smooth function of the missile's range than a ballistic
    flight's, and the interpolated speed misses by tens of metres; a few Newton steps per
    missile (:func:`solve_speed`, bracketing where the range's bumps stop them) bring it under
    a millimetre.
    """
    n = d["phi"].size
    full = lambda x: np.full(n, float(x))  # noqa: E731
    v, miss = solve_speed(d["rl"], d["ra"], d["phi"], d["gamma"], d["v"], full(d["burn"]),
                          full(d["beta"]), full(d["dt"]), radius_m, guide=d["gd"],
                          slope=d.get("slope"))
    bad = ~(np.abs(miss) < 1.0)
    if bad.any():
        raise ScenarioError(
            f"raid.{g['name']}.target",
            f"no boost of the {g['preset_name']} preset reaches the aim point "
            f"{d['phi'][bad][0] * radius_m / 1000:.1f} km away with its apogee profile",
        )
    d["v"] = v


def _interpolate(nodes: np.ndarray, values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Polynomial through ``(nodes, values)`` at ``x`` (barycentric form).

    ``values`` (k,) gives the shape of ``x``; (m, k), m polynomials at once, shape (m,) plus
    the shape of ``x``. The sums run over the few nodes in a fixed order with elementwise
    operations only (compiled: :func:`airdefense.threats._kernels.barycentric`), so the
    result does not depend on memory alignment: scipy's interpolator goes through BLAS, whose
    dot products round differently from one process to another.
    """
    vals = np.asarray(values, float)
    xs = np.asarray(x, float)
    out = np.empty((vals.size // vals.shape[-1], xs.size))
    _k.barycentric(np.ascontiguousarray(nodes, dtype=float),
                   np.ascontiguousarray(vals.reshape(-1, vals.shape[-1])),
                   np.ascontiguousarray(xs.ravel()), out)
    return out.reshape(vals.shape[:-1] + xs.shape)


def _cheb_nodes(lo: float, hi: float, k: int) -> np.ndarray:
    if hi - lo < 1e-12:  # radians: under 0.01 mm of range
        return np.array([lo])
    j = np.arange(k)
    return 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(np.pi * (2 * j + 1) / (2 * k))[::-1]


_COLS = ("rl", "ra", "phi", "apo", "bt", "be", "dt", "gd")  # inputs of a node's shooting
_TOL_APOGEE_M = 0.01  # apogee error a shooting solution is taken to (m)
_WARM_SIGMAS = 4.0  # half-width of a group's table of nominal solutions, in aim-scatter sigmas
_WARM_NODES = 6  # nominal solutions per table
_WARM_MAX = 64  # tables kept (the oldest are dropped)
#: Nominal solutions per group geometry: the inputs' bytes -> (phi (k,), values (6, k)) or None.
_WARM_TABLES: dict[bytes, tuple[np.ndarray, np.ndarray] | None] = {}


def _plane(cl: np.ndarray, ca: np.ndarray):
    """Flight planes of launch and aim points ``cl``, ``ca`` (n, 3) (m, from the earth's
    centre): radii ``rl``, ``ra`` (n,), unit vectors ``ez`` (up at launch) and ``ex`` (towards
    the aim) (n, 3), central angles ``phi`` (n,)."""
    rl = np.linalg.norm(cl, axis=1)
    ez = cl / rl[:, None]
    along = ca - np.sum(ca * ez, axis=1, keepdims=True) * ez
    ex = along / np.linalg.norm(along, axis=1, keepdims=True)
    ra = np.linalg.norm(ca, axis=1)
    phi = np.arctan2(np.sum(ca * ex, axis=1), np.sum(ca * ez, axis=1))
    return rl, ra, ez, ex, phi


def _class_figures(g: dict) -> tuple[float, float, float, float]:
    """Burn time (s), integration step (s), ballistic coefficient (kg/m^2) and apogee scale
    (m: the apogee at the class's maximum range) of a group's flights."""
    p = g["preset"]
    burn = float(p.burn_time_s or 20.0)
    dt = burn / np.ceil(burn / 1.0)  # boost ends on a sample
    apo_max = float(p.apogee_m) if p.apogee_m else 0.25 * p.max_range_m
    scale = apo_max * (p.depressed_apogee_factor if g["depressed"] else 1.0)
    return burn, dt, float(p.ballistic_coeff_kg_m2), scale


def _apogee_law(g: dict, radius_m: float, phi: np.ndarray) -> np.ndarray:
    """Wanted apogee (m) of a group's flights of central angles ``phi``: it grows as the square
    root of range, to the class's apogee at maximum range."""
    return _class_figures(g)[3] * np.sqrt(phi * radius_m / g["preset"].max_range_m)


def _node_inputs(g: dict, radius_m: float, rl: float, ra: float, nodes: np.ndarray) -> dict:
    """Shooting inputs (:data:`_COLS`, each (k,), ``gd`` (7, k)) of a group's flights from
    launch radius ``rl`` to aim radius ``ra`` (m) over central angles ``nodes`` (k,)."""
    burn, dt, beta, _ = _class_figures(g)
    k = nodes.size
    apo = _apogee_law(g, radius_m, nodes)
    return dict(rl=np.full(k, rl), ra=np.full(k, ra), phi=nodes, apo=apo, bt=np.full(k, burn),
                be=np.full(k, beta), dt=np.full(k, dt),
                gd=guidance(g["preset"], apo, nodes, g["depressed"]))


def _warm_table(g: dict, radius_m: float):
    """Shooting solutions of a group's nominal geometry, the first guess of every replication.

    The flights from the group's ``nominal_launch`` to ``nominal_aim`` (ENU m, keys of ``g``;
    None without them) over ``+-4`` aim-scatter sigmas (``aim_sigma_m``, default 0) of range,
    at :data:`_WARM_NODES` Chebyshev points: ``(phi (k,), values (6, k))``, values the
    solutions ``gamma``, ``V`` of :func:`solve_burnout` and the four rows of their Jacobian
    (:func:`_burnout_jacobian`); None if one misses by 1 m or more.
    Kept per the bytes of its inputs, so a table depends on the scenario's values alone, never
    on an earlier replication's draws: a replication gets the same bits, whatever ran before.
    """
    if "nominal_launch" not in g or "nominal_aim" not in g:
        return None
    up = np.array([0.0, 0.0, radius_m])
    rl, ra, _, _, phi = _plane(np.asarray(g["nominal_launch"], float)[None] + up,
                               np.asarray(g["nominal_aim"], float)[None] + up)
    w = _WARM_SIGMAS * float(g.get("aim_sigma_m", 0.0)) / radius_m
    nodes = _cheb_nodes(phi[0] - w, phi[0] + w, _WARM_NODES)
    cols = _node_inputs(g, radius_m, rl[0], ra[0], nodes)
    key = b"".join([np.float64(radius_m).tobytes()] + [cols[c].tobytes() for c in _COLS])
    if key not in _WARM_TABLES:
        if len(_WARM_TABLES) >= _WARM_MAX:
            del _WARM_TABLES[next(iter(_WARM_TABLES))]
        args = [cols[c] for c in ("rl", "ra", "phi", "apo", "bt", "be", "dt")]
        gam, vel, miss = solve_burnout(*args, radius_m, guide=cols["gd"],
                                       tol_apogee_m=_TOL_APOGEE_M)
        table = None
        if np.all(np.abs(miss) < 1.0):
            jac = _burnout_jacobian(*args, radius_m, cols["gd"], gam, vel)
            table = (nodes, np.concatenate([gam[None], vel[None], jac]))
        _WARM_TABLES[key] = table
    return _WARM_TABLES[key]


def _burnout_jacobian(rl, ra, phi, apo, bt, be, dt, radius_m, guide, gamma, v) -> np.ndarray:
    """Finite-difference Jacobian (4, K) of :func:`solve_burnout`'s range and apogee errors in
    ``(gamma, V)`` at ``(gamma, v)`` (K,), its steps and rows."""
    dg, dv = 1e-5, 0.02
    t3 = lambda a: np.concatenate([a, a, a])  # noqa: E731
    _, _, st, top = _fly_from_launch(t3(rl), np.concatenate([gamma, gamma + dg, gamma]),
                                     np.concatenate([v, v, v + dv]), t3(bt), t3(dt), t3(ra),
                                     radius_m, t3(be), np.concatenate([guide] * 3, axis=1))
    e1 = (np.arctan2(st[0], st[1]) - t3(phi)) * radius_m
    e2 = top - radius_m - t3(apo)
    K = phi.size
    return np.stack([(e1[K:2 * K] - e1[:K]) / dg, (e1[2 * K:] - e1[:K]) / dv,
                     (e2[K:2 * K] - e2[:K]) / dg, (e2[2 * K:] - e2[:K]) / dv])


def build_ballistic(groups: list[dict], radius_m: float, rng: np.random.Generator):
    """Fly every missile of the ballistic raid groups.

    Parameters
    ----------
    groups : list of dict
        One per group, with keys ``name`` (str), ``preset_name`` (str), ``preset``
        (ThreatPreset), ``depressed`` (bool), ``launch`` (n, 3), ``aim`` (n, 3) ENU m,
        ``launch_t`` (n,) s, ``nominal_range_m`` (float).
    radius_m : float
        Radius of the local sphere, m.
    rng : numpy.random.Generator
        Source of the terminal weave.

    Returns
    -------
    trajectory : BallisticTrajectory
        Over the missiles of all groups, in group order.
    end_s : ndarray of shape (N,)
        Impact times, s.
    impact_enu : ndarray of shape (N, 3)
        Impact points, m (the aim points, reached to within centimetres).

    Raises
    ------
    ScenarioError
        If a group's target lies beyond its class's maximum range, or no boost reaches it.
    """
    up = np.array([0.0, 0.0, radius_m])
    per, node_cols = [], []
    for g in groups:
        p, name = g["preset"], g["name"]
        if g["nominal_range_m"] > p.max_range_m:
            raise ScenarioError(
                f"raid.{name}.launch",
                f"ballistic range to the target is {g['nominal_range_m'] / 1000:.1f} km, beyond "
                f"the {g['preset_name']} preset's max_range_m of {p.max_range_m / 1000:.1f} km",
            )
        rl, ra, ez, ex, phi = _plane(g["launch"] + up, g["aim"] + up)
        burn, dt, beta, _ = _class_figures(g)
        nodes = _cheb_nodes(phi.min(), phi.max(), _NODES)
        cols = _node_inputs(g, radius_m, rl.mean(), ra.mean(), nodes)
        # A first guess and Jacobian from the group's nominal geometry (scenario values only).
        table = _warm_table(g, radius_m)
        if table is None:
            cols["g0"], cols["v0"] = _drag_free_start(cols["apo"], nodes, radius_m)
            cols["jac"] = np.full((4, nodes.size), np.nan)
        else:
            t_phi, t_val = table  # t_val rows: gamma, V, the Jacobian's four
            at = (np.repeat(t_val, nodes.size, axis=1) if t_phi.size == 1 else
                  _interpolate(t_phi, t_val, np.clip(nodes, t_phi.min(), t_phi.max())))
            cols["g0"], cols["v0"], cols["jac"] = at[0], at[1], at[2:]
        node_cols.append(cols)
        per.append(dict(rl=rl, ra=ra, ez=ez, ex=ex, phi=phi, burn=burn, dt=dt, beta=beta,
                        nodes=nodes, gd=guidance(p, _apogee_law(g, radius_m, phi), phi,
                                                 g["depressed"]), table=table))
    cols = {k: np.concatenate([c[k] for c in node_cols], axis=-1) for k in node_cols[0]}
    gam, vel, miss, jac = _shoot_burnout(
        cols["rl"], cols["ra"], cols["phi"], cols["apo"], cols["bt"], cols["be"], cols["dt"],
        radius_m, 0.01, 20, cols["gd"], (cols["g0"], cols["v0"]), cols["jac"], _TOL_APOGEE_M)
    # The apogee condition only shapes the flight; the range must be exact. So the burnout
    # angle is smoothed over each group's nodes (a low-degree fit in range) and the speed is
    # solved again for the range alone: (gamma, V) are then smooth in range and interpolate
    # to each missile's own range without missing it.
    off = 0
    for d in per:
        k = d["nodes"].size
        if k > 2:
            fit = np.polyfit(d["nodes"] - d["nodes"].mean(), gam[off:off + k], 2)
            gam[off:off + k] = np.polyval(fit, d["nodes"] - d["nodes"].mean())
        off += k
    # A lifting group of more than one node solves each missile's speed for its own range
    # (_refine_speed), from the interpolated speeds: its nodes' speeds need no solving again.
    ok = (np.abs(miss) < 1.0) & ~np.concatenate([
        np.full(d["nodes"].size, d["nodes"].size > 1 and bool(d["gd"][_k.G_LD].any()))
        for d in per])
    if ok.any():
        i = np.flatnonzero(ok)
        vel2, miss2 = solve_speed(cols["rl"][i], cols["ra"][i], cols["phi"][i], gam[i], vel[i],
                                  cols["bt"][i], cols["be"][i], cols["dt"][i], radius_m,
                                  guide=cols["gd"][:, i], slope=jac[1, i])
        vel[i], miss[i] = vel2, miss2
    off = 0
    for g, d in zip(groups, per, strict=True):
        k = d["nodes"].size
        bad = ~(np.abs(miss[off:off + k]) < 1.0)
        if bad.any():
            raise ScenarioError(
                f"raid.{g['name']}.target",
                f"no boost of the {g['preset_name']} preset reaches the aim point "
                f"{d['nodes'][bad][0] * radius_m / 1000:.1f} km away with its apogee profile",
            )
        if k == 1:
            d["gamma"] = np.full(d["phi"].size, gam[off])
            d["v"] = np.full(d["phi"].size, vel[off])
        else:
            d["gamma"], d["v"], d["slope"] = _interpolate(
                d["nodes"], np.stack([gam, vel, jac[1]])[:, off:off + k], d["phi"])
            if d["table"] is not None:  # the range's slope in speed, over the kinks of lift
                d["slope"] = np.full(d["phi"].size, np.median(d["table"][1][3]))
            if d["gd"][_k.G_LD].any():
                _refine_speed(g, d, radius_m)
        off += k
        if g["depressed"]:
            _check_depressed(g, d, radius_m)

    cat = lambda key: np.concatenate([d[key] for d in per])  # noqa: E731
    rl, ra, gamma, v = cat("rl"), cat("ra"), cat("gamma"), cat("v")
    burn = np.concatenate([np.full(d["phi"].size, d["burn"]) for d in per])
    dt = np.concatenate([np.full(d["phi"].size, d["dt"]) for d in per])
    beta = np.concatenate([np.full(d["phi"].size, d["beta"]) for d in per])
    ex, ez = cat("ex"), cat("ez")
    gd = np.concatenate([d["gd"] for d in per], axis=1)
    launch_t = np.concatenate([g["launch_t"] for g in groups])
    free = fly_planar(boost_states(burn[None, :], rl, gamma, v, burn)[0], dt, ra, radius_m, beta,
                      guide=gd)
    t_free, _, _ = find_impact(free, dt, ra)
    nb = np.rint(burn / dt).astype(int)  # boost samples before burnout
    kb = int(nb.max())
    tb = (np.arange(kb)[:, None] - (kb - nb)[None, :]) * dt  # right-aligned so burnout lines up
    boost = boost_states(tb, rl, gamma, v, burn)
    planar = np.concatenate([boost, free], axis=0)  # (m, 4, N); row kb is burnout
    first = kb - nb
    count = planar.shape[0] - first
    # Shift each column so that its launch is its first sample (pad the tail with the last).
    m = planar.shape[0]
    idx = np.minimum(np.arange(m)[:, None] + first[None, :], m - 1)
    planar = np.take_along_axis(planar, idx[:, None, :], axis=0)
    pos = (planar[:, 0].T[..., None] * ex[:, None] + planar[:, 1].T[..., None] * ez[:, None]
           - up)
    velo = planar[:, 2].T[..., None] * ex[:, None] + planar[:, 3].T[..., None] * ez[:, None]
    end = launch_t + burn + t_free
    # Terminal weave: from the descent through maneuver_height_m to impact.
    height = np.hypot(planar[:, 0], planar[:, 1]) - radius_m  # (m, N)
    k_apo = np.argmax(height, axis=0)
    hman = np.concatenate([np.full(d["phi"].size, g["preset"].maneuver_height_m or -1.0)
                           for g, d in zip(groups, per, strict=True)])
    mg = np.concatenate([np.full(d["phi"].size, g["preset"].max_g)
                         for g, d in zip(groups, per, strict=True)])
    steps = np.arange(m)[:, None]
    # Below half the apogee at most, so a low (depressed) flight does not weave for minutes.
    h_start = np.minimum(hman, 0.5 * height.max(axis=0))
    desc = (steps >= k_apo) & (height < np.maximum(h_start, 0.0))
    k_w = np.where(desc.any(axis=0), np.argmax(desc, axis=0), k_apo)
    w0 = launch_t + np.minimum(k_w * dt, end - launch_t)
    n = rl.size
    has = hman > 0
    # Two to five half-period pulls per component, each at up to half the g-limit: pulls of a
    # few hundred metres to a couple of kilometres over the last tens of seconds.
    kk = rng.integers(2, 6, (n, 2)).astype(float)
    frac = rng.uniform(0.1, 0.5, n)
    split = rng.uniform(0.0, 1.0, n)
    sign = rng.choice([-1.0, 1.0], (n, 2))
    span = np.maximum(end - w0, 1e-6)
    om2 = (np.pi * kk / span[:, None]) ** 2
    share = np.stack([split, 1.0 - split], axis=1)
    # Each component is amp sin^2(pi k tau) (see _kernels.weave): its peak acceleration is
    # 2 amp (pi k / span)^2, here frac * share of the g-limit.
    amp = np.where(has[:, None],
                   sign * frac[:, None] * share * mg[:, None] * G0_MPS2 / (2.0 * om2), 0.0)
    axis = np.cross(ex, ez)
    traj = BallisticTrajectory(launch_t, dt, end, pos, velo, count, w0, axis, amp, kk)
    # Evaluating at +inf clips every row to its own end time; the weave is zero there.
    impact = traj.states(np.inf)[:, :3]
    return traj, end, impact
