"""Radar coverage maps: each radar's single-look Pd at one altitude and RCS, assets marked."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from airdefense.errors import ScenarioError

__all__ = ["coverage_grid", "plot_coverage"]


def coverage_grid(scenario, altitude_m: float, rcs_m2: float, *, n: int = 201,
                  extent_m: float | None = None):
    """Pd of every radar on a square grid of ground points at one altitude.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (radars, frame, terrain).
    altitude_m : float
        Target height above the origin's level (the frame's sphere), m: the reference of the
        threat presets' cruise altitudes.
    rcs_m2 : float
        Target mean RCS, m^2.
    n : int, default 201
        Grid points per side.
    extent_m : float, optional
        Half-width of the map about the origin, m (default: the radars' reach plus 10 %).

    Returns
    -------
    east_m, north_m : ndarray of shape (n,)
        Grid axes, m (ground offsets from the origin).
    pd : ndarray of shape (n_radars, n, n)
        Pd, rows along north.

    Raises
    ------
    ScenarioError
        If the scenario has no radar.
    """
    from airdefense.sensors.radar import RadarNetwork

    if not scenario.sensors:
        raise ScenarioError("batteries", "the scenario has no radar to map (0 sensors)",
                            scenario.source)
    net = RadarNetwork.from_scenario(scenario)
    if extent_m is None:
        reach = np.hypot(net.enu[:, 0], net.enu[:, 1]) + net.coverage.max_range_m
        extent_m = 1.1 * float(reach.max())
    axis = np.linspace(-extent_m, extent_m, n)
    ee, nn = np.meshgrid(axis, axis)
    h = np.full(ee.size, float(altitude_m))
    pos = scenario.frame.surface_point(ee.ravel(), nn.ravel(), h)
    pd = net.detection_probability(pos, rcs_m2).reshape(len(net), n, n)
    return axis, axis, pd


def plot_coverage(scenario, altitude_m: float, rcs_m2: float, out: str | Path, *,
                  n: int = 201, extent_m: float | None = None) -> Path:
    """Draw each radar's Pd map at one altitude and RCS, with the defended assets marked.

    One panel per radar plus a panel of the best Pd over all radars. Writes a PNG.

    Parameters
    ----------
    scenario : Scenario
    altitude_m : float
        Target height above the origin's level, m.
    rcs_m2 : float
        Target mean RCS, m^2.
    out : str or Path
        Output image file.
    n : int, default 201
        Grid points per side.
    extent_m : float, optional
        Half-width of the map, m.

    Returns
    -------
    Path
        The file written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    east, north, pd = coverage_grid(scenario, altitude_m, rcs_m2, n=n, extent_m=extent_m)
    k = pd.shape[0]
    panels = k + 1 if k > 1 else 1
    cols = min(panels, 3)
    rows = int(np.ceil(panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.2 * rows), squeeze=False,
                             constrained_layout=True)
    km = 1e-3
    ext = [east[0] * km, east[-1] * km, north[0] * km, north[-1] * km]
    a = scenario.assets
    plain = np.array([r == "asset" for r in a.role], bool)
    mesh = None
    maps = [(pd[i], scenario.sensors[i].name, i) for i in range(k)]
    if k > 1:
        maps.append((pd.max(axis=0), "all radars (best Pd)", -1))
    for ax, (img, title, i) in zip(axes.ravel(), maps, strict=False):
        mesh = ax.imshow(np.ma.masked_less_equal(img, 0.0), origin="lower", extent=ext,
                         vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
        ax.contour(east * km, north * km, img, levels=[0.5, 0.9], colors=["w", "orange"],
                   linewidths=0.8)
        if plain.any():
            ax.scatter(a.enu[plain, 0] * km, a.enu[plain, 1] * km, marker="*", s=90, c="red",
                       edgecolors="k", linewidths=0.5, label="defended asset", zorder=3)
        sel = range(k) if i < 0 else [i]
        for j in sel:
            s = scenario.sensors[j]
            ax.plot(s.enu[0] * km, s.enu[1] * km, "^", ms=7, mfc="white", mec="k", zorder=4)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("east (km)")
        ax.set_ylabel("north (km)")
        ax.set_aspect("equal")
        ax.set_facecolor("#e8e8e8")
    for ax in axes.ravel()[len(maps):]:
        ax.axis("off")
    if plain.any():
        axes.ravel()[0].legend(loc="lower left", fontsize=8)
    fig.colorbar(mesh, ax=axes.ravel().tolist(), shrink=0.8,
                 label="single-look Pd (contours 0.5 white, 0.9 orange)")
    fig.suptitle(f"{scenario.name}: radar coverage at {altitude_m:g} m altitude, "
                 f"RCS {rcs_m2:g} m$^2$")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
