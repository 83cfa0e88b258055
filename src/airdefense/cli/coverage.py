"""``airdefense plot-coverage``: each radar's Pd map at one altitude and RCS."""

from __future__ import annotations

import click

from airdefense.cli import FINITE, image_path

__all__ = ["plot_coverage_cmd"]


@click.command("plot-coverage")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--altitude-m", type=FINITE, required=True,
              help="Target height above the scenario origin's level, m.")
@click.option("--rcs-m2", type=FINITE, required=True, help="Target mean RCS, m^2 (> 0).")
@click.option("--out", type=click.Path(dir_okay=False), default="coverage.png",
              callback=image_path,
              show_default=True, help="Output PNG.")
@click.option("--grid", "n", type=click.IntRange(11, 1001), default=201, show_default=True,
              help="Grid points per side.")
def plot_coverage_cmd(scenario: str, altitude_m: float, rcs_m2: float, out: str, n: int) -> None:
    """Draw each radar's detection-probability map, with the defended assets marked."""
    from airdefense.scenario import load_scenario
    from airdefense.viz.coverage import plot_coverage

    if not rcs_m2 > 0:
        raise click.BadParameter(f"must be > 0 m^2, got {rcs_m2}", param_hint="--rcs-m2")
    if not -500 <= altitude_m <= 100_000:
        raise click.BadParameter(f"must be in [-500, 100000] m, got {altitude_m}",
                                 param_hint="--altitude-m")
    sc = load_scenario(scenario)
    path = plot_coverage(sc, altitude_m, rcs_m2, out, n=n)
    click.echo(f"wrote {path}")
