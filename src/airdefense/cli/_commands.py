"""Registry of CLI commands: one line per command module."""

from airdefense.cli import main
from airdefense.cli.run import catalog, run, validate

for _cmd in (run, validate, catalog):
    main.add_command(_cmd)

# Add new commands below, one line each.
