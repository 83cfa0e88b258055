"""``airdefense plot-threats``: ground tracks and height profiles of a scenario's threats."""

from __future__ import annotations

import click

from airdefense.cli import image_path

__all__ = ["plot_threats"]


@click.command("plot-threats")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--out", "out", type=click.Path(dir_okay=False), default="threats.png",
              callback=image_path,
              show_default=True, help="Image file to write (PNG, SVG or PDF).")
@click.option("--seed", type=int, default=None, help="Seed of the draw (default: the scenario's).")
@click.option("--per-group", type=click.IntRange(1, 1000), default=12, show_default=True,
              help="Threats drawn per raid group.")
@click.option("--model", type=click.Choice(["physical", "straight"]), default="physical",
              show_default=True, help="Flight models, or the straight-leg baseline.")
def plot_threats(scenario: str, out: str, seed: int | None, per_group: int, model: str) -> None:
    """Draw the ground tracks and height-versus-time profiles of each class of threat."""
    from pathlib import Path

    import numpy as np

    from airdefense.cli.run import _make_out_dir
    from airdefense.scenario import load_scenario
    from airdefense.threats import build_threats
    from airdefense.viz.threats import plot_threats as draw

    sc = load_scenario(scenario, seed=seed)
    _make_out_dir(Path(out).parent)  # made if missing, as plot-coverage does
    threats = build_threats(sc, np.random.default_rng(sc.seed), model=model)
    draw(threats, sc.frame, out, max_per_group=per_group, assets=sc.assets)
    click.echo(f"wrote {out} ({len(threats)} threats, {len(sc.groups)} raid groups)")
