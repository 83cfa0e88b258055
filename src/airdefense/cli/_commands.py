"""Registry of CLI commands: one line per command module."""

from airdefense.cli import main

# Add new commands here, one line each (keep the list sorted by module name).
