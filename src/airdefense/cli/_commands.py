"""Registry of CLI commands: one line per command module."""

from airdefense.cli import main
from airdefense.cli.run import catalog, run, validate

for _cmd in (run, validate, catalog):
    main.add_command(_cmd)

# Add new commands below, one line each.
from airdefense.cli.plot_threats import plot_threats; main.add_command(plot_threats)  # noqa: E402, E702, I001
from airdefense.cli.track import track; main.add_command(track)  # noqa: E402, E702, I001
from airdefense.cli.coverage import plot_coverage_cmd; main.add_command(plot_coverage_cmd)  # noqa: E402, E702, I001
from airdefense.cli.campaign import campaign; main.add_command(campaign)  # noqa: E402, E702, I001
from airdefense.cli.wta import wta; main.add_command(wta)  # noqa: E402, E702, I001
from airdefense.cli.report import report; main.add_command(report)  # noqa: E402, E702, I001
from airdefense.cli.sweep import sweep; main.add_command(sweep)  # noqa: E402, E702, I001
