"""Compiled loop of :meth:`airdefense.engagement.damage.AreaDamage.hit`.

One call takes a batch of impacts on the area assets: for each asset and each impact with a
share, the earlier impacts whose kernels reach it, the overlap integral
(:func:`~airdefense.engagement._kernels.area_overlap` or
:func:`~airdefense.engagement._kernels.area_overlap_polar`) and the share's update, in the
order and with the arithmetic of the loop it replaces (the same bits). The polar rule's
Gauss-Legendre nodes come from NumPy's ``leggauss``: a call that needs a table the caller has
not given stops before the impact and says which (the caller adds it and resumes there).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from airdefense.engagement._kernels import area_overlap, area_overlap_polar

__all__ = ["area_hits"]


@njit(cache=True)
def area_hits(xy, R, frac, lost, hits, n_hits, centre, area, th0, dth, leg_at, leg_u, leg_w,
              j0, i0, near, reach_r, sigma_div, step_sigma, max_nodes, f_damaged):
    """Add impacts to the area assets' hit lists and correct their shares for overlaps.

    Parameters
    ----------
    xy : ndarray of shape (k, 2)
        Impact points (east, north), m, in time order.
    R : ndarray of shape (k, a)
        Lethal radius of each impact against each asset, m (> 0).
    frac : ndarray of shape (k, a)
        Closed-form value fractions of each impact; corrected in place where earlier
        impacts' kernels reach it (assets and impacts with ``frac > 0`` only).
    lost : ndarray of shape (a,)
        Value fraction each asset has lost; updated in place.
    hits : ndarray of shape (a, cap, 3)
        Each asset's impacts so far (x, y, lethal radius), ``n_hits`` (a,) of them (int64);
        appended to in place (``cap >= n_hits + k``).
    centre : ndarray of shape (a, 2)
        Asset centres, m.
    area : ndarray of shape (a,)
        Asset radii, m.
    th0, dth : ndarray of shape (k, a)
        Bearing (rad) of each impact from each asset's centre, and the half-angle of the arc
        that holds its window, ``arcsin(reach / rho)`` (NumPy's, read where ``rho > reach``).
    leg_at : ndarray of shape (max_nodes + 1,), int64
        Start in ``leg_u``, ``leg_w`` of the Gauss-Legendre table of each order (-1: none).
    j0, i0 : int
        Asset and impact to start at (0, 0; a resumed call: where the last one stopped).
    near : ndarray of shape (cap, 3)
        Scratch.
    reach_r, sigma_div, step_sigma : float
        The kernels' reach in lethal radii, ``sqrt(2 ln 2)`` (a lethal radius over its
        kernel's sigma) and the grid step in sigmas.
    max_nodes : int
        Nodes per axis, at most.
    f_damaged : float
        ``DAMAGED_VALUE_FRACTION``.

    Returns
    -------
    order, j, i : int
        0, -1, -1 when done; else the Gauss-Legendre order needed at asset ``j``, impact
        ``i`` (nothing of that impact done yet).
    """
    k, a = frac.shape
    sq2 = math.sqrt(2.0)
    for j in range(j0, a):
        cx, cy, A = centre[j, 0], centre[j, 1], area[j]
        for i in range(i0 if j == j0 else 0, k):
            if not frac[i, j] > 0.0:
                continue
            c0, c1, r = xy[i, 0], xy[i, 1], R[i, j]
            h = n_hits[j]
            m = 0
            for q in range(h):
                if (math.hypot(hits[j, q, 0] - c0, hits[j, q, 1] - c1)
                        < reach_r * math.hypot(r, hits[j, q, 2])):
                    near[m, 0], near[m, 1], near[m, 2] = hits[j, q, 0], hits[j, q, 1], \
                        hits[j, q, 2]
                    m += 1
            if m:
                nb = near[:m]
                half = reach_r * r
                low = nb[0, 2]
                for q in range(1, m):
                    if nb[q, 2] < low:
                        low = nb[q, 2]
                sigma = (low if low < r else r) / sigma_div
                step = step_sigma * sigma
                rho = math.hypot(c0 - cx, c1 - cy)
                reach = half * sq2
                if rho + reach + step <= A:  # inside: the grid
                    n = int(np.ceil(2.0 * half / step)) + 1
                    if n > max_nodes:
                        n = max_nodes
                    d = 2.0 * half / (n - 1)
                    taken, left = area_overlap(c0, c1, r, nb, cx, cy, A, c0 - half, d, n,
                                               c1 - half, d, n, f_damaged)
                else:
                    r_lo = rho - reach
                    if 0.0 > r_lo:
                        r_lo = 0.0
                    r_hi = A
                    if r_lo >= r_hi:
                        taken, left = 0.0, 0.0
                    else:
                        if rho > reach:
                            t0, dt = th0[i, j], dth[i, j]
                        else:
                            t0, dt = 0.0, np.pi
                        n_r = int(np.ceil(0.5 * np.pi * (r_hi - r_lo) / step)) + 4
                        n_r = max(16, n_r)
                        n_th = int(np.ceil(2.0 * dt * r_hi / step)) + 4
                        n_th = max(16, n_th)
                        nr = min(n_r, max_nodes)
                        s = leg_at[nr]
                        if s < 0:
                            return nr, j, i
                        taken, left = area_overlap_polar(
                            c0, c1, r, nb, cx, cy, A, r_lo, r_hi, leg_u[s:s + nr],
                            leg_w[s:s + nr], t0 - dt, t0 + dt, min(n_th, 4 * max_nodes),
                            f_damaged)
                share = frac[i, j] - taken if taken <= left else left
                if 0.0 > share:
                    share = 0.0
                cap = 1.0 - lost[j]
                frac[i, j] = cap if cap < share else share
            hits[j, h, 0], hits[j, h, 1], hits[j, h, 2] = c0, c1, r
            n_hits[j] = h + 1
            v = lost[j] + frac[i, j]
            lost[j] = 1.0 if 1.0 < v else v
    return 0, -1, -1
