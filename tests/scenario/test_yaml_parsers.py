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
