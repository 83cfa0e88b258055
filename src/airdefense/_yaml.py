"""YAML reading with line numbers, and pydantic errors turned into one clear line."""

from __future__ import annotations

import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from airdefense._model import LAX_TYPE
from airdefense.errors import ScenarioError

__all__ = ["load_yaml_text", "pydantic_to_scenario_error", "format_path", "parse_path",
           "unit_of", "with_line", "not_utf8", "top_level_mapping"]

_UNITS = {
    "_m": "m",
    "_s": "s",
    "_deg": "deg",
    "_mps": "m/s",
    "_m2": "m^2",
    "_kg_m2": "kg/m^2",
    "_kg": "kg",
    "_db": "dB",
    "_m2ps3": "m^2/s^3",
    "_per_m3": "per m^3",
}


#: Units of fields whose suffix is not one of the unit suffixes above (messages only: an
#: unknown key is not matched against these).
_OTHER_UNITS = {"_g": "g", "_mrad": "mrad", "_k": "K", "_wm2": "W m^2", "_cost": "US dollars",
                "value": "US dollars"}


def unit_of(field: str) -> str | None:
    """Return the unit named by a field's suffix (``max_range_m`` -> ``m``, ``max_g`` -> ``g``,
    ``unit_cost`` -> ``US dollars``), or None."""
    for units in (_UNITS, _OTHER_UNITS):
        for suf, unit in sorted(units.items(), key=lambda kv: -len(kv[0])):
            if str(field).endswith(suf):
                return unit
    return None


def format_path(loc: tuple) -> str:
    """Format a location tuple as ``a.b[2].c``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_path(path: str) -> tuple:
    """The location tuple of a path written as ``a.b[2].c`` (inverse of :func:`format_path`)."""
    loc: list = []
    for part in str(path).split(".") if path else ():
        name, *idx = part.replace("]", "").split("[")
        if name:
            loc.append(name)
        loc.extend(int(i) for i in idx if i.lstrip("-").isdigit())
    return tuple(loc)


def with_line(exc: ScenarioError, lines: dict[tuple, int] | None) -> ScenarioError:
    """``exc`` with the line of its path (or of the nearest enclosing key) in the file, unless
    it already names one or there is no line map."""
    if not lines or "[line " in exc.message:
        return exc
    loc = parse_path(exc.path)
    for k in range(len(loc), 0, -1):
        if loc[:k] in lines:
            return ScenarioError(exc.path, f"{exc.message} [line {lines[loc[:k]]}]", exc.source)
    return exc


def not_utf8(exc: UnicodeDecodeError) -> tuple[str, int]:
    """What a UnicodeDecodeError means to a user, and the 1-based line of the bad byte."""
    raw = exc.object if isinstance(exc.object, bytes | bytearray) else b""
    line = raw[:exc.start].count(b"\n") + 1
    byte = raw[exc.start:exc.start + 1].hex() or "?"
    return (f"not UTF-8 text: byte 0x{byte} at line {line} cannot be decoded ({exc.reason}); "
            f"save the file as UTF-8 text", line)


_KINDS = {list: "a list (lines starting with '-')", str: "a single text value",
          int: "a single number", float: "a single number", bool: "a single true/false value"}


def top_level_mapping(data: Any, what: str, source: str | None, fields: str) -> dict:
    """``data`` if it is a mapping, else a ScenarioError saying what the file holds instead.

    Parameters
    ----------
    data : object
        The parsed document (None for an empty file or one of comments only).
    what : str
        What the file should hold, e.g. ``"scenario"``.
    source : str or None
        The file name, for the message.
    fields : str
        Examples of the top-level keys, e.g. ``"name, origin, duration_s and raid"``.

    Raises
    ------
    ScenarioError
        For an empty document or one whose top level is not a mapping.
    """
    if isinstance(data, dict):
        return data
    rule = (f"the top level of a {what} file must be a mapping of keys to values "
            f"('key: value' lines such as {fields})")
    if data is None:
        raise ScenarioError("", f"the {what} file is empty (or holds only comments): {rule}",
                            source)
    got = _KINDS.get(type(data), type(data).__name__)
    raise ScenarioError("", f"{rule}, got {got}", source)


def _line_map(node, path=(), out=None, seen=None) -> dict[tuple, int]:
    """Line of each key path; a node reached again through an alias is not walked again (its
    line is the alias's, its children keep the anchor's paths). A key repeated in one mapping
    is refused (ScenarioError without source: the caller adds it)."""
    out = {} if out is None else out
    seen = set() if seen is None else seen
    out[path] = node.start_mark.line + 1
    if id(node) in seen:
        return out
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):  # unhashable: the constructor refuses it
                continue
            key = k.value
            if key in first:
                raise ScenarioError(format_path(path + (key,)), f"key {key!r} appears twice in "
                                    f"this mapping, at lines {first[key]} and "
                                    f"{k.start_mark.line + 1}; YAML would keep only the last "
                                    f"(rename or merge one)")
            first[key] = k.start_mark.line + 1
            out[path + (key,)] = k.start_mark.line + 1
            _line_map(v, path + (key,), out, seen)
            out[path + (key,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_map(v, path + (i,), out, seen)
    return out


#: Most values a YAML document may expand to through its aliases (a scenario has a few
#: thousand; an "alias bomb" of a few lines expands to billions).
MAX_EXPANDED_VALUES = 1_000_000


def _expanded_size(node, memo: dict) -> int:
    """Number of values ``node`` stands for once every alias is expanded (memoised per node)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # a recursive alias counts once
    if isinstance(node, yaml.MappingNode):
        n = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        n = 1
    memo[id(node)] = n
    return n


#: libyaml's parser where PyYAML has it (about ten times faster: the built-in catalog takes
#: 0.3 s to parse in Python, in every process that loads a scenario); the Python one otherwise.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str, loader: type) -> tuple[Any, Any]:
    """A ``loader`` over ``text`` and the document's node (None for an empty document)."""
    ld = loader(text)
    try:
        return ld, ld.get_single_node()
    except BaseException:
        ld.dispose()
        raise


def load_yaml_text(text: str, source: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML text and return the data and a map from field path to line number."""
    ld = None
    try:
        try:
            try:
                ld, node = _compose(text, _FAST_LOADER)
            except yaml.YAMLError:
                # a broken document: PyYAML's own parser says where and what, in its words
                ld, node = _compose(text, yaml.SafeLoader)
            if node is not None:
                size = _expanded_size(node, {})
                if size > MAX_EXPANDED_VALUES:
                    raise ScenarioError(
                        "", f"the YAML aliases (*name) expand to {size:,} values, more than the "
                        f"limit of {MAX_EXPANDED_VALUES:,} (a scenario holds a few thousand): an "
                        f"alias nested in aliases (a 'billion laughs' document) or a mistake",
                        source)
            try:
                lines = _line_map(node) if node is not None else {}
            except ScenarioError as exc:
                raise ScenarioError(exc.path, exc.message, source) from None
            # after the line map: construction flattens merge keys (<<) into the node in place
            data = ld.construct_document(node) if node is not None else None
        finally:
            if ld is not None:
                ld.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        problem = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError("", f"YAML syntax error at {where}: {problem}", source) from None
    except yaml.YAMLError as exc:
        raise ScenarioError("", f"YAML syntax error: {exc}", source) from None
    return data, lines


def _num(x):
    if isinstance(x, int | float) and not isinstance(x, bool) and abs(x) >= 1e7:
        return f"{x:g}"  # 2e+07, not 20000000
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def _rule(err: dict) -> str:
    t = err["type"]
    ctx = {k: _num(v) for k, v in (err.get("ctx") or {}).items() if k not in ("item", "value")}
    simple = {
        "greater_than_equal": lambda: f"must be >= {ctx.get('ge')}",
        "greater_than": lambda: f"must be > {ctx.get('gt')}",
        "less_than_equal": lambda: f"must be <= {ctx.get('le')}",
        "less_than": lambda: f"must be < {ctx.get('lt')}",
        "missing": lambda: "is required but missing",
        "extra_forbidden": lambda: "unknown key (not allowed here)",
        "literal_error": lambda: f"must be one of {ctx.get('expected')}",
        "string_too_short": lambda: f"must have at least {ctx.get('min_length')} characters",
        "too_short": lambda: f"must have at least {ctx.get('min_length')} items",
    }
    if t in simple:
        return simple[t]()
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return msg[0].lower() + msg[1:] if msg else t


def _stem(field: str) -> str:
    """A field name without its unit suffix (``max_range_m`` -> ``max_range``)."""
    head, _, tail = str(field).rpartition("_")
    return head if head and tail.isalpha() else str(field)


def _wrong_unit(errors: list) -> tuple[dict, str] | None:
    """The first unknown key whose name, but for its unit suffix (or without one), is that of
    a missing field beside it, with that field's name; None if there is none."""
    missing = {(tuple(e["loc"][:-1]), _stem(e["loc"][-1])): e["loc"][-1] for e in errors
               if e["type"] == "missing" and e["loc"] and isinstance(e["loc"][-1], str)}
    for e in errors:
        if e["type"] == "extra_forbidden" and e["loc"] and isinstance(e["loc"][-1], str):
            meant = missing.get((tuple(e["loc"][:-1]), _stem(e["loc"][-1])))
            if meant is not None:
                return e, meant
    return None


def _models_in(tp) -> list:
    """The pydantic models an annotation admits (through Optional, unions and Annotated)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    if typing.get_origin(tp) in (typing.Union, types.UnionType, typing.Annotated):
        args = typing.get_args(tp)[:1] if typing.get_origin(tp) is typing.Annotated else \
            typing.get_args(tp)
        return [m for a in args for m in _models_in(a)]
    return []


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model of the mapping at ``loc`` inside ``model`` (None where it is not one model).

    Walks fields by name, dict values by key and list items by index; a union of models is
    resolved by the model name pydantic puts in the location, else where only one is a model.
    """
    tp: Any = model
    for part in loc:
        models = _models_in(tp)
        named = [m for m in models if m.__name__ == part]
        if named:  # pydantic's location names the union member it tried
            tp = named[0]
            continue
        if len(models) == 1:
            fields = models[0].model_fields
            if not (isinstance(part, str) and part in fields):
                return None
            tp = fields[part].annotation
            continue
        if models:
            return None
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is dict and len(args) == 2 and isinstance(part, str):
            tp = args[1]
        elif origin in (list, tuple) and args and isinstance(part, int):
            tp = args[0]
        else:
            return None
    models = _models_in(tp)
    return models[0] if len(models) == 1 else None


def _field_for(model: type[BaseModel] | None, loc: tuple) -> str | None:
    """The field with a unit that an unknown key at ``loc`` stands for: the same name but for
    the unit suffix (``step_ms``, ``step_min`` or ``step`` for ``step_s``); None if none."""
    if model is None or not loc or not isinstance(loc[-1], str):
        return None
    m = _model_at(model, loc[:-1])
    if m is None:
        return None
    key = loc[-1]
    for name in m.model_fields:
        unit = next((suf for suf in sorted(_UNITS, key=len, reverse=True)
                     if name.endswith(suf)), None)
        if unit is None or name == key:
            continue
        base = name[:-len(unit)]
        rest = key[len(base) + 1:] if key.startswith(base + "_") else None
        if key == base or (rest and "_" not in rest):
            return name
    return None


def _why(model: type[BaseModel], loc: tuple, kind: str) -> str | None:
    """The reason of the bound that a value at ``loc`` broke (:func:`airdefense._model.bounded`),
    or None."""
    key = {"less_than_equal": "why", "less_than": "why", "greater_than_equal": "why_low",
           "greater_than": "why_low"}.get(kind)
    at = max((i for i, p in enumerate(loc) if isinstance(p, str)), default=None)
    if key is None or at is None:
        return None
    m = _model_at(model, loc[:at])
    field = m.model_fields.get(loc[at]) if m is not None else None
    extra = field.json_schema_extra if field is not None else None
    return extra.get(key) if isinstance(extra, dict) else None


def pydantic_to_scenario_error(
    exc: ValidationError,
    source: str | None,
    prefix: tuple = (),
    lines: dict[tuple, int] | None = None,
    model: type[BaseModel] | None = None,
) -> ScenarioError:
    """Turn the first pydantic error into a ScenarioError with path, value, rule, unit, line.

    A key in the wrong unit or without one (``duration_min`` or ``duration`` where
    ``duration_s`` is missing) is reported as the unknown key with the field it stands for,
    rather than as the missing field. With the ``model`` that was validated, an unknown key
    also names such a field that is not missing (``step_ms`` where ``step_s`` has a default).
    """
    errors = exc.errors()
    err, meant = _wrong_unit(errors) or (errors[0], None)
    if meant is None and err["type"] == "extra_forbidden":
        meant = _field_for(model, tuple(err["loc"]))
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p and "]" in p))
    loc = prefix + loc
    value = err.get("input")
    if err["type"] == LAX_TYPE:  # an element inside the field: its own location and value
        loc += tuple((err.get("ctx") or {}).get("item", ()))
        value = (err.get("ctx") or {}).get("value")
    path = format_path(loc)
    rule = _rule(err)
    why = _why(model, loc[len(prefix):], err["type"]) if model is not None else None
    msg = f"{rule} ({why})" if why else rule
    if meant:
        msg += f"; did you mean {meant!r}" + (f" (unit: {unit_of(meant)})" if unit_of(meant)
                                             else "") + "?"
    if err["type"] not in ("missing", "extra_forbidden") and "input" in err:
        if not isinstance(value, dict | list | tuple):
            msg += f", got {value!r}"
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    unit = unit_of(field)
    if unit and err["type"] not in ("missing", "extra_forbidden"):
        msg += f" (unit: {unit})"
    if lines:
        for k in range(len(loc), -1, -1):
            if loc[:k] in lines:
                msg += f" [line {lines[loc[:k]]}]"
                break
    return ScenarioError(path, msg, source)
