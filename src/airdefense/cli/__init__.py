"""Command-line interface: a thin shell over the library.

Each command lives in its own module and only parses, calls library functions and prints.
Library errors (:class:`airdefense.errors.AirDefenseError`) become one
``airdefense: error: ...`` line with exit code 1; usage errors exit with 2.
"""

from __future__ import annotations

import os
import sys

import click

from airdefense.errors import AirDefenseError

__all__ = ["main", "FINITE", "POSITIVE", "image_path"]


class _Finite(click.ParamType):
    """A finite float (``inf`` and ``nan`` are refused as usage errors), > 0 if ``positive``."""

    name = "number"

    def __init__(self, positive: bool = False) -> None:
        self.positive = positive

    def convert(self, value, param, ctx):  # noqa: D102
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if x != x or x in (float("inf"), float("-inf")):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if self.positive and not x > 0:
            self.fail(f"{value!r} is not > 0", param, ctx)
        return x


#: Click types of a finite float option, and of a finite one > 0.
FINITE = _Finite()
POSITIVE = _Finite(positive=True)


def image_path(ctx, param, value):
    """Click callback: an image output path whose suffix matplotlib writes (png, svg, pdf)."""
    if value is not None and not str(value).lower().endswith((".png", ".svg", ".pdf")):
        raise click.BadParameter(f"{value!r}: the image must end in .png, .svg or .pdf")
    return value


class _Group(click.Group):
    """Click group that reports library errors as one line, with no traceback."""

    def invoke(self, ctx: click.Context):  # noqa: D102
        try:
            return super().invoke(ctx)
        except AirDefenseError as exc:
            click.echo(f"airdefense: error: {exc}", err=True)
            sys.exit(getattr(exc, "exit_code", 1))
        except BrokenPipeError:
            # The reader closed the pipe (``| head``): not an error to report. Quiet the
            # interpreter's final flush of stdout and exit as a tool killed by SIGPIPE does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except OSError as exc:  # an output that cannot be written (no folder, no permission)
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"airdefense: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="airdefense")
def main() -> None:
    """airdefense: simulate and analyse layered air and missile defence."""


def _register() -> None:
    # One import per command module; each module defines a click command named like the file.
    from airdefense.cli import _commands  # noqa: F401


_register()
