"""``airdefense campaign``: N seeded replications of a scenario into a results database."""

from __future__ import annotations

import sys

import click

__all__ = ["campaign", "interrupted", "INTERRUPTED_EXIT"]

#: Exit status of a campaign or sweep stopped by Ctrl-C (SIGINT): 128 + 2, as a shell reports a
#: program that SIGINT ended.
INTERRUPTED_EXIT = 130


def interrupted(db: str, campaign_id: str | None = None, runs: int | None = None) -> None:
    """Report a campaign (or sweep) stopped by Ctrl-C in one line and exit with status 130.

    The campaign has already committed what finished (:func:`run_campaign` does so when
    stopped); this says how much is saved in ``db`` and how to finish it.

    Parameters
    ----------
    db : str
        The results database.
    campaign_id : str, optional
        The campaign stopped (None for a sweep: its points are counted together).
    runs : int, optional
        Replications asked for.
    """
    from airdefense.errors import AirDefenseError
    from airdefense.results.store import ResultStore

    saved = "its finished replications are saved"
    try:
        with ResultStore(db, create=False, read_only=True) as st:
            camps = st.campaigns()
            if campaign_id is not None:
                row = camps[camps.campaign_id == campaign_id]
                if len(row):
                    done = int(row.done.iloc[0])
                    saved = (f"{done} of {runs} replications of campaign {campaign_id} are "
                             "saved")
            elif len(camps):
                saved = f"{int(camps.done.sum())} replications are saved"
    except (AirDefenseError, OSError):  # nothing registered yet, or the file is not readable
        saved = "nothing finished is lost"
    click.echo(f"airdefense: interrupted: {saved} in {db}; run the same command with --resume "
               "to run the rest", err=True)
    sys.exit(INTERRUPTED_EXIT)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--runs", type=click.IntRange(min=1), required=True, help="Replications to run.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Root seed (default: the scenario's); replication i uses "
                   "SeedSequence(seed).spawn(runs)[i].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the CPUs available).")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local",
              show_default=True, help="Process pool on this machine, or a Ray cluster.")
@click.option("--address", default=None,
              help="Ray cluster address ('auto': the running cluster); ray backend only.")
@click.option("--db", type=click.Path(dir_okay=False), default="results.duckdb",
              show_default=True, help="DuckDB results database, written as runs finish.")
@click.option("--resume", is_flag=True,
              help="Continue this campaign in --db: keep finished runs, run the rest.")
@click.option("--tracking", type=click.Choice(["truth", "full"]), default=None,
              help="Override the scenario's tracking mode.")
@click.option("--solver", type=click.Choice(["greedy", "heuristic", "exact"]), default=None,
              help="Override the scenario's assignment solver.")
@click.option("--no-events", is_flag=True, help="Do not keep the event logs.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE",
              help="Change one scenario field (repeatable).")
@click.option("--drop", "drops", multiple=True, metavar="PATH",
              help="Remove one scenario entry (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--commit-interval", "commit_s", type=click.FloatRange(min=0), default=2.0,
              show_default=True, hidden=True,
              help="Commit finished runs to --db at most this often (s); 0: every run.")
def campaign(scenario: str, runs: int, seed: int | None, workers: int | None, backend: str,
             address: str | None, db: str, resume: bool, tracking: str | None,
             solver: str | None, no_events: bool, sets: tuple[str, ...],
             drops: tuple[str, ...], quiet: bool, commit_s: float) -> None:
    """Run a Monte Carlo campaign of SCENARIO and print its statistics."""
    from airdefense.campaign.runner import default_workers, run_campaign
    from airdefense.scenario import load_scenario
    from airdefense.scenario.edit import load_edited

    sc = load_edited(scenario, sets, drops) if sets or drops else load_scenario(scenario)
    if address is not None and backend != "ray":
        raise click.UsageError("--address is for the ray backend; add --backend ray")
    try:
        res = run_campaign(sc, runs, seed, workers=workers or default_workers(),
                           backend=backend, address=address, db=db, resume=resume,
                           tracking=tracking, solver=solver, events=not no_events,
                           progress=not quiet, commit_interval_s=commit_s)
    except KeyboardInterrupt:
        from airdefense.campaign.runner import campaign_info

        info = campaign_info(sc, sc.seed if seed is None else seed, runs, tracking, solver)
        interrupted(db, info.campaign_id, runs)
    st = res.stats()
    click.echo(f"Campaign {res.campaign_id}: {res.scenario}, seed {res.seed}, "
               f"{len(res)} replications")
    if resume:
        from airdefense.results.store import ResultStore

        with ResultStore(db, create=False, read_only=True) as store:
            held = len(store.done_reps(res.campaign_id))
        if held > len(res):
            click.echo(f"note: {db} holds {held} finished replications of this campaign; "
                       f"these statistics use the first {runs} (--runs {runs}), the report "
                       f"all {held}")
    click.echo("")
    click.echo(st.to_text())
    click.echo("")
    click.echo(f"results in {db} (campaign {res.campaign_id}); report: airdefense report {db} "
               f"--campaign {res.campaign_id} --out report.html")
