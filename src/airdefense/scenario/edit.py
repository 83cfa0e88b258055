"""Edit a scenario mapping by dotted path: ``--set``, ``--drop`` and sweep variations.

A path names mapping keys separated by dots, with list items as ``name[2]`` or ``name.2``::

    raid.drones.count
    batteries.long_range.launchers[0].count
    batteries.long_range.launchers.count      # every entry of the launcher list

A key applied to a list (not an index) applies to every entry of the list, so
``batteries.long_range.launchers.count=4`` sets the count of each launcher entry.
A path that does not exist gives a :class:`~airdefense.errors.ScenarioError` naming the path,
the missing key and the keys that exist there.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from airdefense._yaml import load_yaml_text, not_utf8, top_level_mapping
from airdefense.errors import ScenarioError

__all__ = [
    "parse_path",
    "get_path",
    "set_path",
    "drop_path",
    "parse_assignment",
    "parse_scalar",
    "read_raw",
    "dotted",
    "first_missing_prefix",
    "created_key_error",
    "load_edited",
]

#: Top-level keys a scenario file starts with, for the message about a file that holds none.
_SCENARIO_KEYS = "name, origin, duration_s and raid"
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
_PART = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")


def parse_path(path: str) -> list[str | int]:
    """Split a dotted path into keys (str) and list indices (int).

    Parameters
    ----------
    path : str
        E.g. ``batteries.long_range.launchers[0].count``.

    Returns
    -------
    list of str or int

    Raises
    ------
    ScenarioError
        For an empty path or an empty or malformed part.

    Examples
    --------
    >>> parse_path("a.b[2].c")
    ['a', 'b', 2, 'c']
    """
    if not isinstance(path, str) or not path.strip():
        raise ScenarioError(str(path), "a path must name at least one key, e.g. raid.drones.count")
    out: list[str | int] = []
    for part in path.strip().split("."):
        m = _PART.match(part)
        if not m:
            raise ScenarioError(path, f"malformed path part {part!r}: expected key or key[index]")
        key, idx = m.group(1), m.group(2)
        out.append(int(key) if key.isdigit() else key)
        out.extend(int(i) for i in re.findall(r"\[(\d+)\]", idx))
    return out


def _fmt(parts: list[str | int]) -> str:
    s = ""
    for p in parts:
        s += f"[{p}]" if isinstance(p, int) else ("." if s else "") + p
    return s


def _missing(path: str, at: list, key: Any, node: Any) -> ScenarioError:
    where = _fmt(at) or "the top level"
    if isinstance(node, dict):
        keys = ", ".join(map(str, node)) or "none"
        return ScenarioError(path, f"no key {key!r} in {where}; keys there: {keys}")
    if isinstance(node, list):
        return ScenarioError(
            path, f"no item [{key}] in {where}: it is a list of {len(node)} item(s), "
            f"indices 0..{len(node) - 1}")
    return ScenarioError(path, f"{where} is a value ({node!r}), not a mapping or list; "
                         f"cannot look up {key!r} in it")


def _targets(raw: Any, parts: list[str | int], path: str,
             create: bool = False) -> list[tuple[Any, Any, list]]:
    """Return every ``(container, key, location)`` that the path's last part names."""
    if not parts:
        raise ScenarioError(path, "a path must name at least one key")
    found: list[tuple[Any, Any, list]] = []

    def walk(node: Any, i: int, at: list) -> None:
        key = parts[i]
        last = i == len(parts) - 1
        if isinstance(node, list) and isinstance(key, str):
            # A key applied to a list applies to each of its entries.
            if not node:
                raise ScenarioError(path, f"{_fmt(at)} is an empty list; nothing has {key!r}")
            for j, item in enumerate(node):
                walk(item, i, at + [j])
            return
        if isinstance(node, dict):
            if key not in node and isinstance(key, int) and str(key) in node:
                key = str(key)
            if key not in node:
                if last:
                    found.append((node, key, at + [key]))  # may be created by set_path
                    return
                if not create or isinstance(key, int):
                    raise _missing(path, at, key, node)
                node[key] = {}
        elif isinstance(node, list):
            if not 0 <= key < len(node):
                raise _missing(path, at, key, node)
        else:
            raise _missing(path, at, key, node)
        if last:
            found.append((node, key, at + [key]))
        else:
            walk(node[key], i + 1, at + [key])

    walk(raw, 0, [])
    return found


def get_path(raw: dict, path: str) -> list[Any]:
    """Return the value(s) a path names: one per list entry when it fans out over a list.

    Raises
    ------
    ScenarioError
        If the path does not exist.
    """
    out = []
    for node, key, at in _targets(raw, parse_path(path), path):
        if isinstance(node, dict) and key not in node:
            raise _missing(path, at[:-1], key, node)
        out.append(node[key])
    return out


def set_path(raw: dict, path: str, value: Any, *, create: bool = False) -> dict:
    """Set the value at a dotted path, in place.

    Parameters
    ----------
    raw : dict
        A scenario mapping (as written in the file, before validation); changed in place.
    path : str
        Dotted path (see the module docstring). A key applied to a list sets it in every entry.
    value : object
        The new value (already parsed; see :func:`parse_scalar`).
    create : bool, default False
        Create missing keys (mappings in the middle, the value at the end). Otherwise every key
        must exist.

    Returns
    -------
    dict
        ``raw``, for chaining.

    Raises
    ------
    ScenarioError
        Naming the path, the missing key and the keys that exist there.

    Examples
    --------
    >>> set_path({"raid": {"drones": {"count": 4}}}, "raid.drones.count", 8)
    {'raid': {'drones': {'count': 8}}}
    """
    parts = parse_path(path)
    for node, key, at in _targets(raw, parts, path, create):
        if isinstance(node, dict) and key not in node and not create:
            raise _missing(path, at[:-1], key, node)
        node[key] = value
    return raw


def drop_path(raw: dict, path: str) -> dict:
    """Remove the key (or list item) at a dotted path, in place.

    Raises
    ------
    ScenarioError
        If the path does not exist.

    Examples
    --------
    >>> drop_path({"batteries": {"a": {}, "cover": {}}}, "batteries.cover")
    {'batteries': {'a': {}}}
    """
    targets = _targets(raw, parse_path(path), path)
    for node, key, at in targets:
        if isinstance(node, dict) and key not in node:
            raise _missing(path, at[:-1], key, node)
    # Delete list items from the highest index down so earlier deletions do not shift them.
    for node, key, _ in sorted(targets, key=lambda t: -t[1] if isinstance(t[1], int) else 0):
        del node[key]
    return raw


def parse_scalar(text: str) -> Any:
    """Parse a value as a YAML scalar (``4`` -> 4, ``2.5`` -> 2.5, ``full`` -> 'full', ``true``).

    Flow collections (``[1, 2]``, ``{a: 1}``) are accepted too.

    Raises
    ------
    ScenarioError
        If the text is not valid YAML.
    """
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError("", f"value {text!r} is not a valid YAML value: {problem}") from None
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        # YAML 1.1 reads 1e6 as a string; a number is meant.
        value = float(value)
    return value


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE`` into the path and the value parsed as a YAML scalar.

    Raises
    ------
    ScenarioError
        If there is no ``=`` or the path is empty.

    Examples
    --------
    >>> parse_assignment("raid.drones.count=12")
    ('raid.drones.count', 12)
    """
    if "=" not in text:
        raise ScenarioError(text, "expected PATH=VALUE, e.g. raid.drones.count=12 (no '=' found)")
    path, _, value = text.partition("=")
    path = path.strip()
    parse_path(path)
    try:
        return path, parse_scalar(value)
    except ScenarioError as exc:  # name the path the value was for
        raise ScenarioError(path, exc.message, exc.source) from None


def read_raw(source: str | Path | dict) -> tuple[dict, str, dict | None, Path | None]:
    """Read a scenario as written: ``(raw mapping, source name, line map, base folder)``.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable or not YAML.
    """
    if isinstance(source, dict):
        return copy.deepcopy(source), "<dict>", None, None
    path = Path(source)
    if not path.is_file():
        raise ScenarioError("", f"scenario file not found: {str(path)!r}", str(path))
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError("", f"cannot read the scenario file: {exc}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError("", not_utf8(exc)[0], str(path)) from None
    data, lines = load_yaml_text(text, str(path))
    data = top_level_mapping(data, "scenario", str(path), _SCENARIO_KEYS)
    return data, str(path), lines, path.parent


def load_edited(source: str | Path | dict, sets: Iterable[str | tuple[str, Any]] = (),
                drops: Iterable[str] = (), *, create: bool = True):
    """Load a scenario after applying ``--drop PATH`` and ``--set PATH=VALUE`` edits.

    Parameters
    ----------
    source : path or dict
        Scenario file or mapping.
    sets : iterable of str or (path, value)
        Assignments ``PATH=VALUE`` (values parsed as YAML scalars), applied after the drops.
    drops : iterable of str
        Paths to remove.
    create : bool, default True
        Let an assignment add a last key that the file leaves at its default.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        For a path that does not exist, naming the file, or an invalid edited scenario.
    """
    from airdefense.scenario.loader import scenario_from_dict

    raw, name, lines, base = read_raw(source)
    created: dict[str, ScenarioError] = {}
    try:
        for p in drops:
            drop_path(raw, p)
        for a in sets:
            p, v = parse_assignment(a) if isinstance(a, str) else a
            try:
                set_path(raw, p, v, create=False)
            except ScenarioError as exc:
                if not create:
                    raise
                # A new last key is fine if the schema knows it (a field left at its default).
                prefix = first_missing_prefix(raw, p)
                set_path(raw, p, v, create=True)
                created[dotted(p)] = (exc, prefix)
    except ScenarioError as exc:
        raise ScenarioError(exc.path, exc.message, name) from None
    try:
        return scenario_from_dict(raw, name, None if created else lines, base_dir=base)
    except ScenarioError as exc:
        # A created key the schema does not know is reported as the missing key it was; a known
        # one with a bad value keeps the schema's rule.
        for cpath, (miss, prefix) in created.items():
            err = created_key_error(exc, cpath, prefix, miss)
            if err is not None:
                raise ScenarioError(err.path, err.message, name) from None
        raise


def dotted(path: str) -> str:
    """A path written the way scenario errors name fields: ``a.b[0].c``."""
    return _fmt(parse_path(path))


def first_missing_prefix(raw: dict, path: str) -> str:
    """The shortest prefix of ``path`` that ``raw`` does not hold, dotted (:func:`dotted`):
    the first key an assignment with ``create`` adds."""
    parts = parse_path(path)
    for i in range(1, len(parts) + 1):
        try:
            get_path(raw, _fmt(parts[:i]))
        except ScenarioError:
            return _fmt(parts[:i])
    return _fmt(parts)


def created_key_error(exc: ScenarioError, path: str, prefix: str,
                      missing: ScenarioError) -> ScenarioError | None:
    """Which error to report when a scenario edited by creating keys fails validation.

    An assignment to ``path`` (dotted) created the keys from ``prefix`` on
    (:func:`first_missing_prefix`); ``missing`` is the missing-key error the path gave before
    they were created; ``exc`` the schema's error of the edited scenario. Returns ``missing``
    where the first created key is itself unknown (a typo: the keys that exist help most),
    ``missing`` with the schema's complaint where an entry created on the way (a mistyped
    group name) fails on another field, and None where the schema's error is the one to
    report (a value breaking a rule, or an unknown key deeper than a valid created one).
    """
    p = exc.path
    if not p or not (p == prefix or p.startswith(prefix + ".") or p.startswith(prefix + "[")):
        return None
    if "unknown key" in exc.message:
        return missing if p == prefix else None
    if p != path and prefix != path:
        return ScenarioError(missing.path, f"{missing.message} (as a new entry it fails: "
                             f"{p}: {exc.message})")
    return None
