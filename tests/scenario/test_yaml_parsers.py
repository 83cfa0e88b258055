"""The scenario reader parses with libyaml where PyYAML has it: the same data and line map as
PyYAML's own parser, and a broken document still gets PyYAML's message."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from airdefense import _yaml
from airdefense._yaml import load_yaml_text
from airdefense.errors import ScenarioError

_ROOT = Path(__file__).resolve().parents[2]
_DOCS = sorted((_ROOT / "examples").glob("*.yaml"))


def _catalog_text() -> str:
    return resources.files("airdefense").joinpath("data/catalog.yaml").read_text()


@pytest.mark.parametrize("name", [p.name for p in _DOCS] + ["catalog.yaml"])
def test_libyaml_gives_the_data_and_lines_of_pyyaml(name, monkeypatch):
    text = _catalog_text() if name == "catalog.yaml" else (_ROOT / "examples" / name).read_text()
    fast = load_yaml_text(text, name)
    monkeypatch.setattr(_yaml, "_FAST_LOADER", yaml.SafeLoader)
    slow = load_yaml_text(text, name)
    assert fast == slow
    assert fast[0] == yaml.safe_load(text)  # PyYAML's own reading, parsed apart
    assert len(fast[1]) > 10


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_the_fast_parser_is_libyaml():
    assert _yaml._FAST_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("text", ["a: [1, 2\nb: 3\n", "a: 1\n b: 2\n", "a: 'open\n",
                                  "a:\n\t- 1\n"])
def test_a_broken_document_gets_pyyamls_message(text):
    """The line, column and words of PyYAML's pure-Python parser (libyaml words some problems
    otherwise)."""
    with pytest.raises(yaml.MarkedYAMLError) as ref:
        yaml.load(text, Loader=yaml.SafeLoader)
    mark = ref.value.problem_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: {ref.value.problem}"
    with pytest.raises(ScenarioError, match=re.escape(f"s.yaml: YAML syntax error at {where}")
                       + "$"):
        load_yaml_text(text, "s.yaml")


@pytest.mark.parametrize("fast", [True, False])
def test_merge_keys_keep_their_lines_and_overrides(fast, monkeypatch):
    """A mapping merged in with ``<<`` and a key of it overridden: PyYAML's data, and the line
    map of the document as written (the constructor flattens merges into the node in place;
    the line map is made before, so the override is not taken for a repeated key)."""
    if not fast:
        monkeypatch.setattr(_yaml, "_FAST_LOADER", yaml.SafeLoader)
    text = "base: &b\n  speed_mps: 50\n  alt_m: 100\nuse:\n  <<: *b\n  alt_m: 200\n"
    data, lines = load_yaml_text(text, "s.yaml")
    assert data == yaml.safe_load(text) == {"base": {"speed_mps": 50, "alt_m": 100},
                                            "use": {"speed_mps": 50, "alt_m": 200}}
    assert lines[("use", "<<")] == 5 and lines[("use", "alt_m")] == 6


def test_a_constructor_error_is_a_yaml_error_with_its_line():
    """An error found while building the data (here an unhashable key) is reported like a
    parse error, with its line."""
    with pytest.raises(ScenarioError, match=r"s\.yaml: YAML syntax error at line 2, column 5: "
                       r"found unhashable key"):
        load_yaml_text("a:\n  ? [1, 2]\n  : 3\n", "s.yaml")
