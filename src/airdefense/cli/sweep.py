"""``airdefense sweep``: one campaign per point of a grid of scenario variations."""

from __future__ import annotations

import click

__all__ = ["sweep"]


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--vary", "vary", multiple=True, required=True, metavar="PATH=VALUES",
              help="A scenario path and its values: 2,4,8 or 50..400:50 (repeatable; the grid "
                   "is the product).")
@click.option("--runs", type=click.IntRange(min=1), default=20, show_default=True,
              help="Replications per grid point.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Root seed, the same at every point (default: the scenario's).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the CPUs available).")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local",
              show_default=True)
@click.option("--address", default=None, help="Ray cluster address ('auto'); ray backend only.")
@click.option("--db", type=click.Path(dir_okay=False), default="results.duckdb",
              show_default=True, help="DuckDB results database.")
@click.option("--resume", is_flag=True, help="Continue this sweep in --db.")
@click.option("--tracking", type=click.Choice(["truth", "full"]), default=None)
@click.option("--solver", type=click.Choice(["greedy", "heuristic", "exact"]), default=None)
@click.option("--no-events", is_flag=True, help="Do not keep the event logs.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sweep(scenario: str, vary: tuple[str, ...], runs: int, seed: int | None,
          workers: int | None, backend: str, address: str | None, db: str, resume: bool,
          tracking: str | None, solver: str | None, no_events: bool, quiet: bool) -> None:
    """Run SCENARIO over a grid of variations, one campaign per point."""
    from airdefense.campaign.runner import default_workers
    from airdefense.campaign.sweep import run_sweep

    if address is not None and backend != "ray":
        raise click.UsageError("--address is for the ray backend; add --backend ray")
    try:
        res = run_sweep(scenario, list(vary), runs, seed, workers=workers or default_workers(),
                        backend=backend, address=address, db=db, resume=resume,
                        tracking=tracking, solver=solver, events=not no_events,
                        progress=not quiet)
    except KeyboardInterrupt:
        from airdefense.cli.campaign import interrupted

        interrupted(db)
    st = res.stats()
    wide = st.pivot_table(index=["point", *res.vary], columns="quantity", values="mean",
                          sort=False).reset_index()
    cols = [c for c in ["point", *res.vary, "threats_launched", "leaked", "p_zero_leakers",
                        "interceptors_fired", "cost_exchange", "cost_exchange_pooled"]
            if c in wide.columns]
    wide = wide[cols]
    pooled = st[st.quantity == "cost_exchange_pooled"].set_index("point")
    if len(pooled):
        wide.insert(len(wide.columns), "pooled_95%_CI", [
            f"[{pooled.ci_low[p]:.3f}, {pooled.ci_high[p]:.3f}]" if p in pooled.index else ""
            for p in wide.point])
    wide = wide.merge(res.points[["point", "campaign_id"]], on="point")
    click.echo(f"Sweep {res.sweep_id}: {len(res.points)} points x {runs} runs (means per run; "
               "cost_exchange_pooled: total attack / total defence cost, delta-method CI)")
    click.echo(wide.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    ce = st[(st.quantity == "cost_exchange") & (st.n_nonfinite > 0)]
    for r in ce.itertuples():
        what = ("no interceptor fired in any run" if r.n == 0 else
                f"{r.n_nonfinite} of {r.n + r.n_nonfinite} runs fired no interceptor and are "
                "left out of the cost_exchange mean")
        click.echo(f"point {r.point}: {what}")
    first = res.points.campaign_id.iloc[0]
    click.echo(f"\nresults in {db}; report: airdefense report {db} --campaign {first} "
               f"--sweep {res.sweep_id} --out report.html")
