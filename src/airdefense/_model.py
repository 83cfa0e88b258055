"""Base class for declared, validated configuration (pydantic)."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError, PydanticUndefined

__all__ = ["StrictModel", "LAX_TYPE", "bounded", "DAY_S", "MAX_SPEED_MPS", "MAX_RANGE_M",
           "MAX_HEIGHT_M", "EDGE_OF_SPACE_M", "MAX_COST", "MAX_VALUE", "MAX_RCS_M2", "MIN_RCS_M2",
           "MAX_ACCEL_G", "MAX_LETHAL_M", "MAX_ROUNDS", "WHY_DAY", "WHY_SPEED", "WHY_RANGE",
           "WHY_HEIGHT", "WHY_SPACE", "WHY_COST", "WHY_VALUE", "WHY_RCS", "WHY_ACCEL",
           "WHY_LETHAL", "WHY_ROUNDS", "WHY_SMALL_RCS", "WHY_SLOW"]

#: Error type of a value of the wrong kind that pydantic's lax mode would convert (``true``
#: for a number, ``"3600"`` for a number, ``1`` for true/false). Its context holds ``item``,
#: the location of the offending element inside the field (``()`` for the field itself), and
#: ``value``, that element.
LAX_TYPE = "lax_type"

#: A number in exponent form without a decimal point (``1e6``): YAML 1.1 reads it as text.
_EXPONENT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def _scalars(tp: Any) -> set:
    """The scalar types an annotation admits (through Optional, unions, Annotated, Literal)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _scalars(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_scalars(a) for a in typing.get_args(tp)))
    if origin is typing.Literal:
        return {type(a) for a in typing.get_args(tp)}
    if tp is Any:
        return {object}
    return {tp} if isinstance(tp, type) and origin is None else set()


def _containers(tp: Any) -> list:
    """``[(kind, element annotation)]`` for the lists, tuples and dicts an annotation admits."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _containers(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [c for a in typing.get_args(tp) for c in _containers(a)]
    args = typing.get_args(tp)
    if origin in (list, tuple) and args:
        return [(origin, args[0])]
    if origin is dict and len(args) == 2:
        return [(dict, args[1])]
    return []


def _check(value: Any, tp: Any) -> tuple[str, Any] | None:
    """``(rule, value)`` if ``value`` is of a kind that ``tp`` admits only through a lax
    conversion, else None; ``value`` may come back converted (``"1e6"`` -> 1e6)."""
    kinds = _scalars(tp)
    if object in kinds or value is None:
        return None
    numeric = kinds & {int, float}
    what = "a number" if float in kinds else "an integer"
    if isinstance(value, bool):
        if bool not in kinds and numeric:
            return (f"must be {what}, not true/false (a boolean is not a count or a "
                    f"quantity)", None)
        return None
    if isinstance(value, str) and str not in kinds:
        if numeric:
            if _EXPONENT.match(value.strip()):  # YAML 1.1 reads 1e6 as text
                return None
            return f"must be {what}, not text (write a number without quotes)", None
        if bool in kinds:
            return "must be true or false, not text (write true or false without quotes)", None
    if isinstance(value, int | float) and bool in kinds and not numeric and str not in kinds:
        return "must be true or false, not a number", None
    return None


class StrictModel(BaseModel):
    """A pydantic model that rejects unknown keys and non-finite numbers (``.inf``, ``.nan``:
    a field that means "none" takes null), and re-validates on assignment.

    Values that pydantic's lax mode would convert are refused too (error type
    :data:`LAX_TYPE`): true/false where a number is expected (true is not 1 drone), text where a
    number is expected (``"3600"``; the exponent form ``1e6``, which YAML 1.1 reads as text, is
    taken as the number), and numbers or text where true/false is expected (``1``, ``"yes"``).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False,
                              allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_lax_conversion(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None:
            return value
        tp = field.annotation
        items: list[tuple[tuple, Any, Any]] = [((), value, tp)]
        for kind, elem in _containers(tp):
            if kind in (list, tuple) and isinstance(value, list | tuple):
                items += [((i,), v, elem) for i, v in enumerate(value)]
            elif kind is dict and isinstance(value, dict):
                items += [((k,), v, elem) for k, v in value.items()]
        for item, v, t in items:
            if item and isinstance(v, str) and _EXPONENT.match(v.strip()) \
                    and _scalars(t) & {int, float} and str not in _scalars(t):
                value = _converted(value, item[0], float(v))
                continue
            bad = _check(v, t)
            if bad is not None:
                raise PydanticCustomError(LAX_TYPE, bad[0], {"item": item, "value": v})
        if isinstance(value, str) and _EXPONENT.match(value.strip()) and \
                _scalars(tp) & {int, float} and str not in _scalars(tp):
            return float(value)
        return value


def _converted(container: Any, key: Any, new: Any) -> Any:
    """A copy of ``container`` with the element at ``key`` replaced by ``new``."""
    if isinstance(container, dict):
        return {**container, key: new}
    out = list(container)
    out[key] = new
    return type(container)(out) if isinstance(container, tuple) else out


# Bounds of the scenario and preset fields: beyond them a value is a mistake (a unit slip, a
# typo, a copied exponent) and would overflow, exhaust memory or never end. Each bound is far
# beyond anything real, so that no real scenario meets it.

#: A day, s: the longest scenario (``duration_s``); no time, period or delay exceeds it.
DAY_S = 86_400.0
#: Escape velocity, m/s: no threat, interceptor or wind flies faster.
MAX_SPEED_MPS = 11_200.0
#: Half the earth's circumference, m: no two points of a scenario lie farther apart.
MAX_RANGE_M = 20_000_000.0
#: m: above any ballistic apogee (about 1,300 km for an intercontinental missile).
MAX_HEIGHT_M = 5_000_000.0
#: The edge of space (Karman line), m: no aircraft, drone or cruise missile flies higher.
EDGE_OF_SPACE_M = 100_000.0
#: US dollars: above the cost of any single weapon, radar or launcher.
MAX_COST = 1e12
#: US dollars: ten times the world's yearly output (about 1e14 US dollars).
MAX_VALUE = 1e15
#: m^2: a large ship's radar cross-section (aircraft are below 100 m^2).
MAX_RCS_M2 = 1e5
#: m^2: below an insect's radar cross-section (about 1e-5 m^2): a smaller one is a unit slip
#: and would overflow the radar equation's ratios.
MIN_RCS_M2 = 1e-6
#: g: above any missile's manoeuvre or boost (about 100 g).
MAX_ACCEL_G = 1_000.0
#: m: beyond any conventional warhead's lethal radius or any missile's CEP.
MAX_LETHAL_M = 50_000.0
#: Rounds: more than any launcher, gun magazine or burst holds.
MAX_ROUNDS = 10_000

_OPS = (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))


def bounded(default: Any = PydanticUndefined, *, why: str, why_low: str | None = None,
            description: str = "", **kw: Any) -> Any:
    """A pydantic ``Field`` whose bounds come with their reason.

    The bounds and ``why`` are appended to the field's description, and kept in its
    ``json_schema_extra`` (``why``, ``why_low``), where
    :func:`airdefense._yaml.pydantic_to_scenario_error` finds them to give the reason of a
    value out of bounds.

    Parameters
    ----------
    default : object, optional
        The field's default (none: the field is required).
    why : str
        Why the upper bound (``le``, ``lt``): e.g. ``"escape velocity"``.
    why_low : str, optional
        Why the lower bound (``ge``, ``gt``), where it is not plain (a length is > 0).
    description : str, default ""
        What the field means.
    **kw
        Other ``Field`` arguments (``ge``, ``gt``, ``le``, ``lt``, ...).

    Examples
    --------
    >>> from airdefense._model import StrictModel, bounded
    >>> class M(StrictModel):
    ...     speed_mps: float = bounded(gt=0, le=11_200, why="escape velocity")
    >>> M.model_fields["speed_mps"].description
    'bounds: > 0, <= 11,200 (escape velocity)'
    """
    ops = ", ".join(f"{op} {kw[k]:,g}" for k, op in _OPS if kw.get(k) is not None)
    reasons = "; ".join(r for r in (why_low, why) if r)
    text = f"bounds: {ops} ({reasons})"
    extra = {"why": why, **({"why_low": why_low} if why_low else {})}
    return Field(default, description=f"{description}; {text}" if description else text,
                 json_schema_extra=extra, **kw)


#: Why each bound above (what a field's error and description say).
WHY_DAY = "a day, the longest duration_s"
WHY_SPEED = "escape velocity"
WHY_RANGE = "half the earth's circumference"
WHY_HEIGHT = "above any ballistic apogee"
WHY_SPACE = "the edge of space"
WHY_COST = "above any single system's cost"
WHY_VALUE = "ten times the world's yearly output"
WHY_RCS = "a large ship's radar cross-section"
WHY_ACCEL = "above any missile's manoeuvre or boost"
WHY_SMALL_RCS = "below an insect's radar cross-section"
WHY_SLOW = "slower than 1 m/s nothing flies a route"
WHY_LETHAL = "beyond any warhead's lethal radius"
WHY_ROUNDS = "more than any magazine holds"
