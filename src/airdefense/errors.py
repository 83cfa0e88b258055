"""Exceptions raised by airdefense.

Every library error subclasses :class:`AirDefenseError`, itself a :class:`ValueError`, so callers
may catch either. The CLI turns them into one ``airdefense: error: ...`` line and exit code 1.
"""

from __future__ import annotations

__all__ = ["AirDefenseError", "ScenarioError", "InputFileError"]


class AirDefenseError(ValueError):
    """Base class of every error that comes from bad input, not from a bug."""

    exit_code = 1


class ScenarioError(AirDefenseError):
    """A scenario (or catalog) that breaks a rule.

    Parameters
    ----------
    path : str
        Dotted path to the offending field, e.g. ``raid.groups[2].count``.
    message : str
        What is wrong, with the value and the rule, e.g. ``must be >= 1, got 0``.
    source : str, optional
        The file the scenario came from.
    """

    def __init__(self, path: str, message: str, source: str | None = None) -> None:
        self.path = path
        self.message = message
        self.source = source
        super().__init__(str(self))

    def __reduce__(self):
        # Rebuilt from its fields (and notes), so that a campaign worker's error reaches the
        # parent process intact (the default pickles only the text, which __init__ refuses).
        return type(self), (self.path, self.message, self.source), self.__dict__

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        field = f"{self.path}: " if self.path else ""
        return f"{head}{field}{self.message}"


class InputFileError(AirDefenseError):
    """A data file (measurements, WTA instance, terrain grid, database) that cannot be read.

    Parameters
    ----------
    source : str
        The file name.
    message : str
        What is wrong, with the value and the rule.
    line : int, optional
        1-based line number of the offending line.
    """

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __reduce__(self):
        return type(self), (self.source, self.message, self.line), self.__dict__

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else f"{self.source}"
        return f"{where}: {self.message}"
