"""``airdefense wta``: solve a static weapon-target assignment instance."""

from __future__ import annotations

import json

import click

from airdefense.cli import POSITIVE

__all__ = ["wta"]


def _fmt(v: float | None, digits: int = 6) -> str:
    return "none" if v is None else f"{v:.{digits}f}"


@click.command()
@click.argument("instance", type=click.Path(dir_okay=False))
@click.option("--solver", type=click.Choice(["exact", "heuristic", "greedy"]), default="exact",
              show_default=True, help="exact: proves optimality (or bound and gap at the time "
                                      "limit); heuristic: greedy + local search; greedy: MMR.")
@click.option("--time-limit", "time_limit", type=POSITIVE,
              default=60.0, show_default=True, help="Wall-time limit of the solve, s.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the heuristic's random kicks.")
@click.option("--json", "as_json", is_flag=True,
              help='Print one JSON object {"objective", "bound", "gap", "seconds", "status", '
                   '"solver", "assignment": [[weapon_type, target, copies], ...]}; indices are '
                   "0-based as in the file; bound and gap are null when no bound is proven.")
def wta(instance: str, solver: str, time_limit: float, seed: int, as_json: bool) -> None:
    """Solve the WTA INSTANCE (Andersen et al. 2022 text format: 'm n mu', n target values,
    m*n lines 'i j p').

    The objective is the minimised expected surviving target value, as in the paper. Prints
    the objective, the proven lower bound, the relative gap and the time. Weapon types and
    targets are numbered from 0.
    """
    import numpy as np

    from airdefense.assignment import make_solver, read_andersen

    prob = read_andersen(instance)
    sol = make_solver(solver).solve(prob, time_limit_s=time_limit,
                                    rng=np.random.default_rng(seed))
    d = sol.to_dict()
    if as_json:
        click.echo(json.dumps(d))
        return
    gap = "none" if d["gap"] is None else f"{100 * d['gap']:.4f}%"
    click.echo(f"instance   {instance} ({prob.n_types} weapon types x {prob.n_targets} targets, "
               f"{int(prob.copies.sum())} rounds)")
    click.echo(f"solver     {sol.solver}")
    click.echo(f"status     {sol.status}")
    click.echo(f"objective  {_fmt(d['objective'])}  (expected surviving value)")
    click.echo(f"bound      {_fmt(d['bound'])}")
    click.echo(f"gap        {gap}")
    click.echo(f"seconds    {sol.seconds:.3f}")
