"""``airdefense run``, ``validate`` and ``catalog``: the foundation commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

__all__ = ["run", "validate", "catalog"]


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed of the run (default: the scenario's).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for events.csv, events.parquet, threats.csv, interceptors.csv, "
                   "assets.csv and summary.json (made if missing).")
@click.option("--tracking", type=click.Choice(["truth", "full"]), default=None,
              help="Override the scenario's tracking mode.")
@click.option("--solver", type=click.Choice(["greedy", "heuristic", "exact"]), default=None,
              help="Override the scenario's assignment solver.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE",
              help="Change one scenario field, e.g. --set raid.drones.count=12 (repeatable).")
@click.option("--drop", "drops", multiple=True, metavar="PATH",
              help="Remove one scenario entry, e.g. --drop batteries.cover (repeatable).")
def run(scenario: str, seed: int | None, out_dir: str | None, tracking: str | None,
        solver: str | None, sets: tuple[str, ...] = (), drops: tuple[str, ...] = ()) -> None:
    """Simulate one raid and print its summary."""
    from airdefense.scenario import load_scenario
    from airdefense.scenario.edit import load_edited
    from airdefense.simulation import simulate

    sc = load_edited(scenario, sets, drops) if sets or drops else load_scenario(scenario)
    if out_dir:  # before simulating: a folder that cannot be made would lose the run
        _make_out_dir(Path(out_dir))
    res = simulate(sc, seed=seed, tracking=tracking, solver=solver)
    click.echo(res.summary_table())
    if out_dir:
        out = Path(out_dir)
        res.events.to_csv(out / "events.csv", index=False)
        res.events.assign(kind=res.events.kind.astype(str)).to_parquet(out / "events.parquet")
        res.threats.to_csv(out / "threats.csv", index=False)
        res.interceptors.to_csv(out / "interceptors.csv", index=False)
        res.assets.to_csv(out / "assets.csv", index=False)
        # Strict JSON: an infinite cost exchange (nothing fired) is written as null.
        scalars = {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                   for k, v in res.summary.items() if not hasattr(v, "to_dict")}
        (out / "summary.json").write_text(json.dumps(
            {"scenario": res.scenario, "seed": res.seed, **scalars}, indent=2, default=float,
            allow_nan=False))
        click.echo(f"\nwrote {out}/events.csv, events.parquet, threats.csv, interceptors.csv, "
                   "assets.csv, summary.json")


def _make_out_dir(out: Path) -> None:
    """Make the output folder ``out`` (and its parents), or refuse it in one line."""
    from airdefense.errors import AirDefenseError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise AirDefenseError(f"--out {out}: cannot make this folder: it, or a folder above "
                              "it, is a file") from None
    except OSError as exc:
        raise AirDefenseError(f"--out {out}: cannot make this folder: {exc.strerror}") from None


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
def validate(scenario: str) -> None:
    """Check a scenario file and print what it holds."""
    from airdefense.scenario import load_scenario

    sc = load_scenario(scenario)
    n_threats = sum(g.count for g in sc.groups)
    n_released = sum(g.count * g.preset.weapon_count for g in sc.groups if g.preset.weapon)
    released = f", releasing up to {n_released} munitions" if n_released else ""
    click.echo(
        f"{scenario}: OK: {sc.name}: {len(sc.assets)} assets ({len(sc.config.assets)} declared, "
        f"the rest radars and launchers), {len(sc.batteries)} "
        f"batteries ({len(sc.sensors)} radars, {len(sc.launchers)} launchers), "
        f"{len(sc.groups)} raid groups ({n_threats} threats{released})"
    )


@click.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
def catalog(name: str | None, as_json: bool) -> None:
    """List catalog presets, or show the figures and source of the ones matching NAME."""
    from airdefense.catalog import SECTIONS, load_catalog
    from airdefense.errors import AirDefenseError

    cat = load_catalog()
    if name is None:
        if as_json:
            click.echo(json.dumps({s: sorted(cat.section(s)) for s in SECTIONS}, indent=2))
            return
        for sec in SECTIONS:
            click.echo(f"{sec}:")
            for key, p in sorted(cat.section(sec).items()):
                desc = getattr(p, "description", "")
                click.echo(f"  {key:<20} {desc}")
        return
    hits = cat.find(name)
    if not hits:
        raise AirDefenseError(f"catalog: no preset matches {name!r}; run 'airdefense catalog'")
    if as_json:
        click.echo(json.dumps([{"section": s, "name": k, **p.model_dump()} for s, k, p in hits],
                              indent=2))
        return
    for sec, key, p in hits:
        click.echo(f"{sec}.{key}")
        for field, value in p.model_dump().items():
            click.echo(f"  {field:<24} {value}")
        click.echo("")
