"""Threat evaluation: class, threatened asset, time to go and threat value of every track.

The class of a track comes from its kinematics (:func:`classify`, memoryless: one state), and
in the control unit from its memory of each track (:class:`TrackClasses`: the same rules with
hysteresis, so that a class established over several states does not flip on one state).
The threatened asset is found from the predicted impact point (ballistic tracks, gravity-only
prediction) or from the closest approach of the straight predicted path (air-breathing tracks).
A track's threat value is the value it is expected to destroy if it is not intercepted: for
each asset, its value times the expected loss fraction of an impact aimed at the predicted
point, with the damage law of :mod:`airdefense.engagement.damage` averaged over the prediction
error (a circular Gaussian), and the largest over assets.
"""

from __future__ import annotations

import functools

import numpy as np

from airdefense.c2 import _kernels
from airdefense.engagement.damage import DAMAGED_VALUE_FRACTION, loss_law
from airdefense.errors import AirDefenseError

__all__ = ["KINDS", "DEFAULT_LETHAL_RADIUS_M", "MIN_THREAT_FRACTION", "TrackClasses",
           "class_codes", "classify", "min_threat_value",
           "evaluate_threats", "expected_loss_fraction", "predict_states"]

#: Threat classes the control unit distinguishes, in the order of the launchers' pk tables.
KINDS = ("drone", "cruise", "ballistic", "aircraft", "helicopter")
_KIND_NAMES = np.array(KINDS, object)
_BALLISTIC = KINDS.index("ballistic")
_NO_COV = np.zeros((0, 6, 6))  # threat_values without covariances
#: Lethal radius assumed for a class when the scenario holds no threat of it, m.
DEFAULT_LETHAL_RADIUS_M = {"drone": 15.0, "cruise": 50.0, "ballistic": 80.0, "aircraft": 40.0,
                           "helicopter": 25.0}
_G = 9.80665
#: Default cross-track uncertainty of a non-ballistic track's route, a fraction of the distance
#: to go (:func:`evaluate_threats`' ``route_uncertainty``; the decision cycle's).
ROUTE_UNCERTAINTY = 0.05


#: Default least threat value worth a round, as a fraction of the largest asset's value
#: (``c2.min_threat_value`` left out): $2,000 for a $2bn city district. A drone aimed at a
#: district is worth tens of thousands of dollars; one whose path passes kilometres from every
#: asset, cents.
MIN_THREAT_FRACTION = 1e-6


def min_threat_value(setting: float | None, asset_value) -> float:
    """The least threat value for a track to be engaged (the scenario's
    ``c2.min_threat_value``), in the assets' value unit.

    Parameters
    ----------
    setting : float or None
        The scenario's value (>= 0); None: :data:`MIN_THREAT_FRACTION` of the largest of
        ``asset_value`` (0 without assets).
    asset_value : array_like of shape (a,)
        The defended assets' values.
    """
    if setting is not None:
        return float(setting)
    v = np.asarray(asset_value, float)
    return MIN_THREAT_FRACTION * float(v.max()) if v.size else 0.0


def classify(x: np.ndarray, radius_m: float = _kernels.R_EARTH_M) -> np.ndarray:
    """Infer the threat kind of each track from one state of its kinematics (memoryless).

    Features: speed ``v`` (m/s); height ``h`` above the sphere of radius ``radius_m`` (the
    scenario's, ``sphere_radius_of(frame.height_m)``; by default the mean Earth radius)
    tangent at the ENU origin (m); vertical speed ``vz`` along the local vertical (m/s) and
    flight-path angle ``gamma`` (``sin gamma = vz / v``). The rules, in order:

    1. ballistic: ``v > 1,200``, or ``v > 300`` above 25,000 m (above any aircraft's ceiling:
       a missile's mid-course, a quasi-ballistic glide), or steep and fast: ``|vz| > 300``
       with ``|gamma| > 35 deg`` (boost, terminal dive). A level Mach 2.2 jet is not;
    2. drone: ``v <= 60``;
    3. ``60 < v <= 140``: helicopter; a drone in a steep dive (``gamma < -20 deg``);
    4. ``v > 140``: cruise below 2,000 m; above, aircraft, or cruise where it glides down
       (``gamma < -4 deg``: a released munition, like the catalog's ``glide_bomb``, whose
       catalog kind is cruise; a jet that descends steeply is classed so too).

    The control unit remembers each track (:class:`TrackClasses`); these rules are what it
    applies to a track it has not seen before. The boundaries separate the catalog's classes
    (drones ~50 m/s, helicopters ~70 m/s, cruise missiles ~200 m/s low, aircraft and glide
    bombs high, ballistic missiles above Mach 4 or high and fast or steep).

    Parameters
    ----------
    x : ndarray of shape (m, 6)
        Track states, ENU m and m/s.
    radius_m : float, default 6,371,008.8
        Radius of the sphere the heights are above, m (inf: flat ground, ``h`` is ``z``).

    Returns
    -------
    ndarray of shape (m,), object
        Names from :data:`KINDS`.
    """
    return _KIND_NAMES[class_codes(x, radius_m)]


def class_codes(x: np.ndarray, radius_m: float = _kernels.R_EARTH_M) -> np.ndarray:
    """:func:`classify` as class codes: each track's index in :data:`KINDS`, shape (m,), int."""
    return _kernels.classify_codes(np.ascontiguousarray(x, dtype=float).reshape(-1, 6),
                                   _radius(radius_m))


def _radius(radius_m) -> float:
    """``radius_m`` as a float, refused unless > 0 (inf: flat ground)."""
    r = float(radius_m)
    if not r > 0.0:
        raise AirDefenseError(f"radius_m must be a sphere radius > 0 m (inf: flat ground), "
                              f"got {radius_m!r}")
    return r


def _need_table() -> np.ndarray:
    need = np.full((len(KINDS), len(KINDS)), 3, np.int64)
    need[:, _BALLISTIC] = 2
    need[_BALLISTIC, :] = 10
    need[KINDS.index("helicopter"), KINDS.index("drone")] = 6
    need.flags.writeable = False
    return need


class TrackClasses:
    """The control unit's memory of each track's class, by track id.

    A track's first states are classed by the memoryless rules of :func:`classify`. Once a
    class is established (held over :attr:`n_established` states, 3), each new state is
    classed by the same rules with the held class's band widened (hysteresis): a held
    helicopter stays one while it hovers (up to 30 m/s) and at 60-160 m/s out of a steep dive,
    a held drone up to 70 m/s, a held cruise missile or aircraft down to 120 m/s, a held cruise
    missile at jet speeds up to 3,500 m (terrain), a
    held aircraft down to 1,000 m (still cruise where it glides down), a held ballistic
    missile while faster than 300 m/s or above 15,000 m (its apogee). A state of another
    class starts a run of that challenger, which takes over only after :attr:`need`
    consecutive states (3; 2 to become ballistic, 10 to stop being ballistic, 6 for a
    helicopter to become a drone); before the class is established, one state suffices. So
    an established class does not flip on one contradicting state.

    A track seen again at the same time adds no evidence; one that jumps more than
    ``gate_m + gate_mps2 * dt^2 / 2`` from its last state's straight prediction is taken for
    another object under a reused id and starts afresh, as does a new id. Negative ids are
    classed by the memoryless rules only. Deterministic: the classes depend only on the
    states given, in their order.

    Parameters
    ----------
    n_established : int, default 3
        States a class needs before a challenger needs more than one.
    gate_m : float, default 2000
        Jump (m) past which an id is another object, plus ``gate_mps2`` m/s^2 (default 50:
        a 5 g manoeuvre) over the time since it was last seen.
    radius_m : float, default 6,371,008.8
        Radius of the sphere the heights are above, m (the scenario's; inf: flat ground).
    """

    #: Consecutive states a challenger class (column) needs to take over a held one (row).
    need = _need_table()

    def __init__(self, n_established: int = 3, gate_m: float = 2000.0,
                 gate_mps2: float = 50.0, radius_m: float = _kernels.R_EARTH_M) -> None:
        self.radius_m = _radius(radius_m)
        self.n_established = int(n_established)
        self.gate_m = float(gate_m)
        self.gate_mps2 = float(gate_mps2)
        self._mem_i = np.zeros((0, 4), np.int64)  # held class, age, challenger, run
        self._mem_f = np.zeros((0, 7))  # time and state last seen
        # The codes of the last update (last_codes): an array, or the first _n of _buf, where
        # a compiled caller wrote them (_codes_buffer).
        self._last: np.ndarray | None = np.zeros(0, np.int64)
        self._buf = np.zeros(0, np.int64)
        self._n = 0

    def _room(self, top: int) -> None:
        """Grow the memory to hold track id ``top``."""
        n = self._mem_i.shape[0]
        if top < n:
            return
        n2 = max(2 * n, top + 64)
        mi = np.zeros((n2, 4), np.int64)
        mi[:, 0] = -1
        mi[:n] = self._mem_i
        mf = np.zeros((n2, 7))
        mf[:n] = self._mem_f
        self._mem_i, self._mem_f = mi, mf

    def _args(self) -> tuple:
        return (self.need, self.n_established, self.gate_m, self.gate_mps2, self._mem_i,
                self._mem_f, self.radius_m)

    def update(self, track_id: np.ndarray, x: np.ndarray, time_s: float) -> np.ndarray:
        """Class codes (index in :data:`KINDS`) of the tracks at ``time_s``, remembering them.

        Parameters
        ----------
        track_id : ndarray of shape (m,), int
            Track ids (stable from state to state).
        x : ndarray of shape (m, 6)
            Their states, ENU m and m/s.
        time_s : float
            Time of the states, s.

        Returns
        -------
        ndarray of shape (m,), int
        """
        ids = np.ascontiguousarray(track_id, np.int64).reshape(-1)
        x = np.ascontiguousarray(x, dtype=float).reshape(-1, 6)
        if ids.shape[0] != x.shape[0]:
            raise ValueError(f"track_id has {ids.shape[0]} ids for {x.shape[0]} states")
        time_s = float(time_s)
        out = _kernels.track_classes(x, ids, time_s, *self._args())
        if out.shape[0] != ids.shape[0]:  # an id past the memory (rare): grow it, once
            self._room(int(ids.max()))
            out = _kernels.track_classes(x, ids, time_s, *self._args())
        self._last = out
        return out

    def last_codes(self) -> np.ndarray:
        """Class codes of the tracks of the last update, shape (m,) int (a copy): those
        :meth:`update` returned, or those a compiled caller made with this memory
        (:func:`airdefense.c2.screen_cycle` given it in place of classes)."""
        if self._last is None:
            return self._buf[:self._n].copy()
        return self._last.copy()

    def _codes_buffer(self, m: int) -> np.ndarray:
        """An int64 buffer of at least ``m`` entries for a compiled caller to write the
        codes of its update of ``m`` tracks into (:meth:`last_codes` then reads them)."""
        if self._buf.shape[0] < m:
            self._buf = np.zeros(max(2 * self._buf.shape[0], m, 64), np.int64)
        self._last = None
        self._n = m
        return self._buf

    @property
    def codes(self) -> np.ndarray:
        """Class code each track id holds now, indexed by id (-1: none; ids past the end hold
        none), shape (n_ids,) int: a view that later updates change."""
        return self._mem_i[:, 0]

    def held(self, track_id: np.ndarray) -> np.ndarray:
        """Class code each track holds now, -1 for one not remembered, shape (m,) int."""
        ids = np.asarray(track_id, np.int64).reshape(-1)
        code = self._mem_i[:, 0]
        ok = (ids >= 0) & (ids < code.shape[0])
        out = np.full(ids.shape, -1, np.int64)
        out[ok] = code[ids[ok]]
        return out


def predict_states(x: np.ndarray, ballistic: np.ndarray, tau_s) -> np.ndarray:
    """Predict track states ahead: straight flight, or gravity-only flight for ballistic tracks.

    Parameters
    ----------
    x : ndarray of shape (m, 6)
        Track states, ENU m and m/s.
    ballistic : ndarray of shape (m,), bool
    tau_s : float or ndarray of shape (k,)
        Look-ahead times, s.

    Returns
    -------
    ndarray of shape (k, m, 6) (or (m, 6) for a scalar ``tau_s``)
    """
    tau = np.atleast_1d(np.asarray(tau_s, float))[:, None]
    out = np.repeat(x[None], tau.shape[0], axis=0)
    out[..., :3] += x[None, :, 3:] * tau[..., None]
    g = np.where(ballistic, _G, 0.0)[None, :]
    out[..., 2] -= 0.5 * g * tau**2
    out[..., 5] -= g * tau
    return out[0] if np.ndim(tau_s) == 0 else out


def expected_loss_fraction(miss_m, sigma_m, radius_m, area_radius_m=0.0) -> np.ndarray:
    """Expected fraction of an asset's value lost to one impact, under the damage law.

    An impact at distance ``d`` destroys a point asset with probability ``2^-(d/R)^2`` and
    damages it (losing :data:`DAMAGED_VALUE_FRACTION` of the value) with ``2^-(d/2R)^2``; an
    area asset loses its area share (:func:`airdefense.engagement.damage.loss_law`). ``d`` is
    drawn from a circular Gaussian of mean distance ``miss_m`` and standard deviation
    ``sigma_m`` per axis.

    Parameters
    ----------
    miss_m, sigma_m, radius_m : array_like, broadcastable
        Predicted miss distance, its standard deviation per axis and the lethal radius, m.
    area_radius_m : array_like, default 0
        Area radius of the asset (0: a point asset), m.

    Returns
    -------
    ndarray
        In [0, 1].

    Examples
    --------
    >>> float(expected_loss_fraction(0.0, 0.0, 10.0))
    1.0
    """
    mu2 = np.asarray(miss_m, float) ** 2
    s2 = np.asarray(sigma_m, float) ** 2
    args = np.broadcast_arrays(mu2, s2, *loss_law(radius_m, area_radius_m))
    out = _kernels.loss_fractions(*(np.ascontiguousarray(a).ravel() for a in args),
                                  DAMAGED_VALUE_FRACTION)
    return out.reshape(args[0].shape)


def evaluate_threats(x: np.ndarray, asset_enu: np.ndarray, asset_value: np.ndarray,
                     asset_alive: np.ndarray, *, P: np.ndarray | None = None,
                     asset_hardness: np.ndarray | None = None,
                     asset_radius_m: np.ndarray | None = None,
                     asset_area_radius_m: np.ndarray | None = None,
                     lethal_radius_m: dict | None = None,
                     route_uncertainty: float = ROUTE_UNCERTAINTY,
                     kind_code: np.ndarray | None = None,
                     radius_m: float = _kernels.R_EARTH_M,
                     asset_damaged: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Evaluate tracks against the defended assets.

    Parameters
    ----------
    x : ndarray of shape (m, 6)
        Track states, ENU m and m/s.
    asset_enu : ndarray of shape (a, 3)
    asset_value : ndarray of shape (a,)
    asset_alive : ndarray of shape (a,), bool
        Destroyed assets are no longer defended.
    P : ndarray of shape (m, 6, 6), optional
        Track covariances; their position and velocity spread widens the predicted miss.
    asset_hardness : ndarray of shape (a,), optional
        Hardness in [0, 1) (default 0): the lethal radius shrinks by ``1 - hardness``.
    asset_radius_m : ndarray of shape (a,), optional
        Explicit lethal radius per asset (NaN where the warhead's applies).
    asset_area_radius_m : ndarray of shape (a,), optional
        Area radius per asset (0 or default: point assets), m.
    lethal_radius_m : dict, optional
        Lethal radius of each threat class, m (default :data:`DEFAULT_LETHAL_RADIUS_M`).
    route_uncertainty : float, default 0.05
        Standard deviation of an air-breathing threat's path, as a fraction of its distance to
        go (routes turn; the straight prediction is only a guess).
    kind_code : ndarray of shape (m,), int, optional
        The tracks' classes (index in :data:`KINDS`), e.g. the control unit's
        (:meth:`TrackClasses.update`); default those of :func:`classify`.
    radius_m : float, default 6,371,008.8
        Radius of :func:`classify`'s sphere, m (the scenario's; inf: flat ground).
    asset_damaged : ndarray of shape (a,), bool, optional
        Point assets already damaged (default none), whose ``asset_value`` is what they still
        hold: a damaged point asset damaged again is destroyed
        (:func:`airdefense.engagement.damage.apply_impacts`), so an impact takes all it holds
        with the damage probability ``2^-(d/2R)^2``, not the intact law's
        ``2^-(d/R)^2 + f (2^-(d/2R)^2 - 2^-(d/R)^2)``. Ignored for area assets.

    Returns
    -------
    dict
        ``kind`` (m,) inferred class and ``kind_code`` (m,) int its index in :data:`KINDS`;
        ``asset`` (m,) int threatened asset (-1 if none);
        ``time_to_go_s`` (m,) to impact or closest approach; ``miss_m`` (m,) predicted miss
        distance to that asset; ``impact_enu`` (m, 3) predicted impact or closest-approach
        point; ``value`` (m,) expected value destroyed if not intercepted.
    """
    m = x.shape[0]
    x = np.ascontiguousarray(x, dtype=float)
    na = asset_enu.shape[0]
    if m == 0 or na == 0:
        code = (np.zeros(0, np.int64) if not m else class_codes(x, radius_m) if kind_code is None
                else _codes(kind_code, m))
        return {"kind": _KIND_NAMES[code], "kind_code": code, "asset": np.full(m, -1),
                "time_to_go_s": np.full(m, np.inf), "miss_m": np.full(m, np.inf),
                "value": np.zeros(m), "impact_enu": x[:, :3].copy() if m else np.zeros((0, 3))}
    P = _NO_COV if P is None else np.ascontiguousarray(P, dtype=float)
    if P is not _NO_COV and P.shape != (m, 6, 6):
        raise ValueError(f"P must have shape ({m}, 6, 6) for {m} tracks, got {P.shape}")
    law, enu, value, alive = _asset_inputs(asset_enu, asset_value, asset_alive, asset_hardness,
                                           asset_radius_m, asset_area_radius_m,
                                           lethal_radius_m, asset_damaged)
    ints, floats, impact = _kernels.threat_values(
        x, P, _BALLISTIC, law, enu, value, alive, float(route_uncertainty),
        DAMAGED_VALUE_FRACTION, _G,
        _NO_CODES if kind_code is None else _codes(kind_code, m, check_range=False),
        _radius(radius_m))
    if impact.shape[0] != m:  # a code out of range (the kernel checks them)
        _refuse_codes(kind_code, m)
    code, tgo = ints[0], floats[0]
    return {"kind": _KIND_NAMES[code], "kind_code": code, "asset": ints[1], "time_to_go_s": tgo,
            "miss_m": floats[1], "value": floats[2], "impact_enu": impact}


_NO_CODES = np.zeros(0, np.int64)  # threat_values classifies the states itself


def _asset_inputs(asset_enu, asset_value, asset_alive, asset_hardness=None, asset_radius_m=None,
                  asset_area_radius_m=None, lethal_radius_m=None, asset_damaged=None) -> tuple:
    """The assets' arguments of :func:`_kernels.threat_values` from those of
    :func:`evaluate_threats` (a assets): the damage law (K, a, 4), ``asset_enu`` (a, 3),
    ``asset_value`` (a,) and ``asset_alive`` (a,) as the kernel takes them.

    Raises
    ------
    ValueError
        Where ``asset_damaged`` is not of shape (a,).
    """
    na = asset_enu.shape[0]
    hard = np.zeros(na) if asset_hardness is None else np.asarray(asset_hardness, float)
    ar = np.full(na, np.nan) if asset_radius_m is None else np.asarray(asset_radius_m, float)
    area = np.zeros(na) if asset_area_radius_m is None else np.asarray(asset_area_radius_m,
                                                                       float)
    dmg = np.zeros(na, bool) if asset_damaged is None else np.asarray(asset_damaged, bool)
    if dmg.shape != (na,):
        raise ValueError(f"asset_damaged must have shape ({na},) for {na} assets, got "
                         f"{dmg.shape}")
    return (_law_of(lethal_radius_m, hard, ar, area, dmg),
            np.ascontiguousarray(asset_enu, dtype=float), np.asarray(asset_value, float),
            np.asarray(asset_alive, bool))


def _codes(kind_code, m: int, check_range: bool = True) -> np.ndarray:
    """``kind_code`` as (m,) int64, its codes checked unless ``check_range`` is False (the
    caller's kernel checks them)."""
    code = np.ascontiguousarray(kind_code, dtype=np.int64).reshape(-1)
    if code.shape != (m,) or (check_range and m and (code.min() < 0
                                                     or code.max() >= len(KINDS))):
        _refuse_codes(kind_code, m)
    return code


def _refuse_codes(kind_code, m: int) -> None:
    raise ValueError(f"kind_code must hold {m} class codes in [0, {len(KINDS)}), got "
                     f"{np.asarray(kind_code)!r}")


#: The last damage law of :func:`_law_of`: its key (the figures it was built from) and law.
_LAST_LAW: list = [None, None]


def _law_of(lethal_radius_m: dict | None, hard: np.ndarray, ar: np.ndarray, area: np.ndarray,
            dmg: np.ndarray) -> np.ndarray:
    """:func:`_damage_law` of :func:`evaluate_threats`' figures (the classes' lethal radii
    and the assets' arrays (a,)), reused while they are equal to the last call's (the usual
    decision cycle: the same assets as the last)."""
    key = (tuple(lethal_radius_m.items()) if lethal_radius_m else (), hard.tobytes(),
           ar.tobytes(), area.tobytes(), dmg.tobytes())
    last = _LAST_LAW
    if last[0] == key:
        return last[1]
    radii = {**DEFAULT_LETHAL_RADIUS_M, **(lethal_radius_m or {})}
    law = _damage_law(tuple(float(radii.get(k, 50.0)) for k in KINDS), hard.tobytes(),
                      ar.tobytes(), area.tobytes(), (dmg & (area <= 0.0)).tobytes())
    last[:] = [key, law]
    return law


@functools.lru_cache(maxsize=32)
def _damage_law(class_radius_m: tuple, hardness: bytes, asset_radius_m: bytes,
                area_radius_m: bytes, damaged: bytes = b"") -> np.ndarray:
    """The damage law of each class's warhead against each asset, shape (classes, a, 4).

    The assets' figures come as the bytes of float arrays (a,) (``damaged``: bool, the point
    assets already damaged; empty: none): they are the cache key, as the law is the same
    from one decision of a run to the next while no asset changes (callers only read the
    array). A damaged point asset loses what it holds to any damage: its destroy term takes
    the damage term's width, so the loss fraction is the damage probability.
    """
    hard = np.frombuffer(hardness)
    ar = np.frombuffer(asset_radius_m)
    area = np.frombuffer(area_radius_m)
    R = np.array(class_radius_m)[:, None] * (1.0 - hard)[None, :]
    R = np.where(np.isnan(ar)[None, :], R, ar[None, :])
    law = np.stack(np.broadcast_arrays(*loss_law(R, area[None, :])), axis=-1)
    if damaged:
        dmg = np.frombuffer(damaged, bool)
        law[:, dmg, 1] = law[:, dmg, 3]  # destroyed whenever damaged
    return np.ascontiguousarray(law)
