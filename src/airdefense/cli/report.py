"""``airdefense report``: a self-contained HTML report of a campaign in a results database."""

from __future__ import annotations

import click

__all__ = ["report"]


@click.command()
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--campaign", "campaign_id", default=None,
              help="Campaign id (or a unique prefix); optional if the database holds one.")
@click.option("--sweep", "sweep_id", default=None,
              help="Sweep for the saturation plot (default: the campaign's own, or the only one).")
@click.option("--out", type=click.Path(dir_okay=False), default="report.html", show_default=True,
              help="HTML file to write.")
def report(db: str, campaign_id: str | None, sweep_id: str | None, out: str) -> None:
    """Write the HTML report of a campaign stored in DB."""
    from airdefense.reports import write_report

    path = write_report(db, out, campaign_id=campaign_id, sweep_id=sweep_id)
    click.echo(f"wrote {path}")
