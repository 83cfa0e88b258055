"""Aspect-dependent radar cross-section of threats.

A threat's RCS is modelled from three figures: nose-on, broadside and tail-on. Between them it
varies as ``sigma = sigma_axial cos^2(a) + sigma_side sin^2(a)``, where ``a`` is the aspect angle
between the threat's velocity (taken as its body axis) and the line of sight to the radar, and
``sigma_axial`` is the nose figure on the front hemisphere and the tail figure on the rear one.
This is the smooth average behaviour of the measured patterns of slender bodies; the lobes and
nulls of real patterns are left to the radar's fluctuation (Swerling) model.
"""

from __future__ import annotations

import numpy as np

__all__ = ["aspect_rcs_m2", "rcs_triplet"]


def aspect_rcs_m2(
    pos_enu: np.ndarray,
    vel_enu: np.ndarray,
    observer_enu: np.ndarray,
    front_m2: np.ndarray,
    side_m2: np.ndarray,
    tail_m2: np.ndarray,
) -> np.ndarray:
    """RCS of threats seen from an observer, shape (n,), m^2.

    Parameters
    ----------
    pos_enu, vel_enu : ndarray of shape (n, 3)
        Threat positions (m) and velocities (m/s). A threat at rest shows its nose figure.
    observer_enu : ndarray of shape (3,) or (n, 3)
        Radar position, m.
    front_m2, side_m2, tail_m2 : ndarray of shape (n,)
        Nose-on, broadside and tail-on RCS, m^2.

    Examples
    --------
    >>> import numpy as np
    >>> aspect_rcs_m2(np.zeros((1, 3)), np.array([[0, 1.0, 0]]), np.array([10.0, 0, 0]),
    ...               np.array([0.1]), np.array([1.0]), np.array([0.2]))
    array([1.])
    """
    los = np.asarray(observer_enu, float) - pos_enu
    vn = np.linalg.norm(vel_enu, axis=-1)
    ln = np.linalg.norm(los, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.sum(vel_enu * los, axis=-1) / (vn * ln)
    c = np.where((vn > 0) & (ln > 0), c, 1.0)
    c2 = c * c
    axial = np.where(c >= 0, front_m2, tail_m2)
    return axial * c2 + side_m2 * (1.0 - c2)


def rcs_triplet(preset) -> tuple[float, float, float]:
    """Nose, broadside and tail RCS of a preset, m^2 (missing figures default to the nose one)."""
    front = float(preset.rcs_m2)
    side = float(preset.rcs_side_m2) if preset.rcs_side_m2 is not None else front
    tail = getattr(preset, "rcs_tail_m2", None)
    tail = float(tail) if tail is not None else front
    return front, side, tail
