"""YAML aliases: the line map walks each node once, and a document whose aliases expand past
the limit (a 'billion laughs' document) is refused before anything expands it."""

from __future__ import annotations

import time

import pytest

from airdefense._yaml import MAX_EXPANDED_VALUES, load_yaml_text
from airdefense.errors import ScenarioError


def _bomb(depth: int) -> str:
    rows = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, depth + 1)]
    return "\n".join(rows) + "\n"


def test_an_alias_bomb_is_refused_with_its_expanded_size():
    """Depth 6: list a_k stands for S_k = 1 + 10 S_(k-1) values, S_0 = 11, so S_k = 11...1
    (k + 2 ones); the document is its mapping, 7 keys and a_0..a_6. Refused at once, not after
    minutes and gigabytes."""
    expected = 1 + 7 + sum((10 ** (k + 2) - 1) // 9 for k in range(7))
    t0 = time.process_time()
    with pytest.raises(ScenarioError, match=rf"bomb\.yaml: the YAML aliases \(\*name\) expand to "
                       rf"{expected:,} values, more than the limit of "
                       rf"{MAX_EXPANDED_VALUES:,}"):
        load_yaml_text(_bomb(6), "bomb.yaml")
    assert time.process_time() - t0 < 5.0


def test_aliases_keep_their_anchor_lines():
    """A node reached twice keeps the paths and lines of its first (anchor) occurrence."""
    text = "base: &b\n  speed_mps: 50\n  alt_m: 100\nuse: *b\n"
    data, lines = load_yaml_text(text, "s.yaml")
    assert data["use"] == {"speed_mps": 50, "alt_m": 100}
    assert lines[("base", "alt_m")] == 3 and lines[("use",)] == 4
