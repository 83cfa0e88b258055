"""Plots of threat flights: ground tracks and height-versus-time profiles per class."""

from __future__ import annotations

import numpy as np

__all__ = ["sample_flights", "plot_threats"]

_COLOURS = {"drone": "tab:orange", "cruise": "tab:green", "ballistic": "tab:red",
            "aircraft": "tab:blue", "helicopter": "tab:purple"}


def sample_flights(threats, frame, rows: np.ndarray, n_times: int = 400):
    """Sample the flights of some threats on a common time grid.

    Parameters
    ----------
    threats : ThreatSet
    frame : airdefense.geo.Frame
    rows : ndarray of int, shape (k,)
        Which threats.
    n_times : int, default 400
        Instants from the first launch to the last end among ``rows``.

    Returns
    -------
    t : ndarray of shape (n_times,)
        Times, s.
    enu : ndarray of shape (k, n_times, 3)
        Positions, m; NaN outside each threat's flight.
    height : ndarray of shape (k, n_times)
        Height above the frame's sphere (the origin's level), m; NaN outside the flight.
    """
    t0 = threats.launch_time_s[rows]
    t1 = threats.end_time_s[rows]
    t = np.linspace(t0.min(), t1.max(), n_times)
    enu = np.stack([threats.states(float(x))[rows, :3] for x in t], axis=1)
    # Keep the end point itself: the last instant of each flight is drawn at its end state.
    out = (t[None, :] < t0[:, None]) | (t[None, :] > t1[:, None] + (t[1] - t[0]))
    enu[out] = np.nan
    height = frame.height_m(enu.reshape(-1, 3)).reshape(rows.size, n_times)
    return t, enu, height


def plot_threats(threats, frame, path, max_per_group: int = 12, assets=None) -> None:
    """Draw ground tracks and height-versus-time of each class of threat to an image file.

    Parameters
    ----------
    threats : ThreatSet
    frame : airdefense.geo.Frame
    path : str or Path
        Output image (PNG, SVG, PDF by suffix).
    max_per_group : int, default 12
        Threats drawn per raid group.
    assets : AssetTable, optional
        Defended assets to mark on the map.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = [k for k in _COLOURS if np.any(threats.kind == k)]
    fig = plt.figure(figsize=(13, 3.0 * max(len(kinds), 1) + 1))
    grid = fig.add_gridspec(max(len(kinds), 1), 2, width_ratios=[1.1, 1.4])
    ax_map = fig.add_subplot(grid[: min(len(kinds), 3), 0])
    for r, kind in enumerate(kinds):
        ax_h = fig.add_subplot(grid[r, 1])
        colour = _COLOURS[kind]
        rows = []
        # A group's released munitions share its group but not its kind: each panel its own.
        for gi in np.unique(threats.group[threats.kind == kind]):
            rows.extend(np.flatnonzero((threats.group == gi)
                                       & (threats.kind == kind))[:max_per_group])
        rows = np.asarray(rows, int)
        t, enu, h = sample_flights(threats, frame, rows)
        for i, row in enumerate(rows):
            ax_map.plot(enu[i, :, 0] / 1e3, enu[i, :, 1] / 1e3, color=colour, lw=0.7, alpha=0.7,
                        label=kind if i == 0 else None)
            p0 = threats.states(float(threats.launch_time_s[row]))[row]
            ax_map.plot(p0[0] / 1e3, p0[1] / 1e3, "^", color=colour, ms=4)
            ax_h.plot((t - threats.launch_time_s[row]) / 60.0, h[i] / 1e3, color=colour,
                      lw=0.8, alpha=0.7)
        ax_h.set_title(f"{kind}: height above the origin's level", fontsize=9)
        ax_h.set_ylabel("height, km")
        ax_h.grid(alpha=0.3)
        if r == len(kinds) - 1:
            ax_h.set_xlabel("time since launch, min")
    imp = threats.impact_enu[np.isfinite(threats.impact_enu[:, 0])]
    if imp.size:
        ax_map.plot(imp[:, 0] / 1e3, imp[:, 1] / 1e3, "kx", ms=3, label="impacts")
    if assets is not None and len(assets):
        ax_map.plot(assets.enu[:, 0] / 1e3, assets.enu[:, 1] / 1e3, "ks", mfc="none", ms=7,
                    label="assets")
    ax_map.set_aspect("equal", adjustable="box")
    ax_map.set_xlabel("east, km")
    ax_map.set_ylabel("north, km")
    ax_map.set_title("ground tracks (triangles: launch points)", fontsize=9)
    ax_map.grid(alpha=0.3)
    ax_map.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
