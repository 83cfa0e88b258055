"""Command-line interface: a thin shell over the library.

Each command lives in its own module and only parses, calls library functions and prints.
Library errors (:class:`airdefense.errors.AirDefenseError`) become one
``airdefense: error: ...`` line with exit code 1; usage errors exit with 2.
"""

from __future__ import annotations

import sys

import click

from airdefense.errors import AirDefenseError

__all__ = ["main"]


class _Group(click.Group):
    """Click group that reports library errors as one line, with no traceback."""

    def invoke(self, ctx: click.Context):  # noqa: D102
        try:
            return super().invoke(ctx)
        except AirDefenseError as exc:
            click.echo(f"airdefense: error: {exc}", err=True)
            sys.exit(getattr(exc, "exit_code", 1))


@click.group(cls=_Group)
@click.version_option(package_name="airdefense")
def main() -> None:
    """airdefense: simulate and analyse layered air and missile defence."""


def _register() -> None:
    # One import per command module; each module defines a click command named like the file.
    from airdefense.cli import _commands  # noqa: F401


_register()
