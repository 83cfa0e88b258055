"""Scenario edits by dotted path: set, drop, assignments, and the `run --set/--drop` options."""

from __future__ import annotations

import copy

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from airdefense.cli import main
from airdefense.errors import ScenarioError
from airdefense.scenario.edit import (
    drop_path,
    get_path,
    load_edited,
    parse_assignment,
    parse_path,
    parse_scalar,
    set_path,
)
from tests.conftest import EXAMPLES, SMALL_SCENARIO

RAW = {
    "raid": {"drones": {"count": 4, "launch": {"range_m": 1000}}},
    "batteries": {
        "a": {"launchers": [{"preset": "p", "count": 2}, {"preset": "q", "count": 3}]},
        "cover": {"launchers": {"preset": "t", "count": 1}},
    },
}


@pytest.mark.parametrize("path, parts", [
    ("a", ["a"]),
    ("a.b.c", ["a", "b", "c"]),
    ("a.b[2].c", ["a", "b", 2, "c"]),
    ("a.b.2.c", ["a", "b", 2, "c"]),
    ("a[0][1]", ["a", 0, 1]),
])
def test_parse_path(path, parts):
    """Dots separate keys; [i] and .i are list indices."""
    assert parse_path(path) == parts


@pytest.mark.parametrize("path, match", [
    ("", "at least one key"),
    ("a..b", "malformed path part ''"),
    ("a.b[x]", r"malformed path part 'b\[x\]'"),
])
def test_parse_path_rejects(path, match):
    """Empty and malformed paths are rejected with the bad part."""
    with pytest.raises(ScenarioError, match=match):
        parse_path(path)


def test_set_nested_value():
    """set_path changes exactly the named value."""
    raw = copy.deepcopy(RAW)
    set_path(raw, "raid.drones.launch.range_m", 2500.0)
    expect = copy.deepcopy(RAW)
    expect["raid"]["drones"]["launch"]["range_m"] = 2500.0
    assert raw == expect


def test_set_fans_out_over_list_and_index_picks_one():
    """A key applied to a list sets every entry; an index sets one."""
    raw = copy.deepcopy(RAW)
    set_path(raw, "batteries.a.launchers.count", 8)
    assert [x["count"] for x in raw["batteries"]["a"]["launchers"]] == [8, 8]
    set_path(raw, "batteries.a.launchers[1].count", 5)
    assert get_path(raw, "batteries.a.launchers.count") == [8, 5]


def test_set_missing_key_names_path_key_and_existing_keys():
    """A path that does not exist names the path, the missing key and the keys there."""
    raw = copy.deepcopy(RAW)
    with pytest.raises(ScenarioError, match=r"raid\.drone\.count: no key 'drone' in raid; "
                                            r"keys there: drones"):
        set_path(raw, "raid.drone.count", 3)
    with pytest.raises(ScenarioError, match=r"no key 'cont' in raid\.drones; keys there: "
                                            r"count, launch"):
        set_path(raw, "raid.drones.cont", 3)
    with pytest.raises(ScenarioError, match=r"no item \[5\] in batteries\.a\.launchers: it is a "
                                            r"list of 2 item\(s\), indices 0\.\.1"):
        set_path(raw, "batteries.a.launchers[5].count", 1)
    with pytest.raises(ScenarioError, match=r"raid\.drones\.count is a value \(4\)"):
        set_path(raw, "raid.drones.count.x", 1)
    assert raw == RAW  # nothing changed by a failed edit


def test_set_create_adds_missing_keys():
    """With create=True missing keys are created; without it the raw mapping is unchanged."""
    raw = copy.deepcopy(RAW)
    set_path(raw, "raid.drones.loiter_s", 30, create=True)
    set_path(raw, "c2.solver", "exact", create=True)
    assert raw["raid"]["drones"]["loiter_s"] == 30 and raw["c2"] == {"solver": "exact"}
    with pytest.raises(ScenarioError, match="no key 'x' in raid"):
        set_path(raw, "raid.x.y", 1)


def test_drop_key_and_list_items():
    """drop_path removes a key, or list items (highest index first)."""
    raw = copy.deepcopy(RAW)
    drop_path(raw, "batteries.cover")
    assert list(raw["batteries"]) == ["a"]
    drop_path(raw, "batteries.a.launchers[0]")
    assert raw["batteries"]["a"]["launchers"] == [{"preset": "q", "count": 3}]
    with pytest.raises(ScenarioError, match="no key 'cover' in batteries; keys there: a"):
        drop_path(raw, "batteries.cover")


@pytest.mark.parametrize("text, value", [
    ("raid.drones.count=12", 12), ("a.b=2.5", 2.5), ("tracking=full", "full"),
    ("a=true", True), ("a=[1, 2]", [1, 2]), ("a=1e3", 1000.0), ("a=2.5E-1", 0.25), ("a=e3", "e3"),
    ("a=x=y", "x=y"), ("a=", ""),
])
def test_parse_assignment(text, value):
    """Values are YAML scalars (YAML 1.1 rules, as in scenario files)."""
    path, v = parse_assignment(text)
    assert path == text.split("=")[0] and v == value and type(v) is type(value)


def test_parse_assignment_rejects():
    """No '=' or a bad YAML value gives a clear error."""
    with pytest.raises(ScenarioError, match="expected PATH=VALUE"):
        parse_assignment("raid.drones.count")
    with pytest.raises(ScenarioError, match="not a valid YAML value"):
        parse_scalar("[1, 2")


@given(st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True),
                       st.integers(-10, 10), min_size=1, max_size=6), st.data())
def test_set_then_get_roundtrip(d, data):
    """Property: after set_path, get_path returns the value and other keys are unchanged."""
    raw = {"top": copy.deepcopy(d)}
    key = data.draw(st.sampled_from(sorted(d)))
    val = data.draw(st.integers())
    set_path(raw, f"top.{key}", val)
    assert get_path(raw, f"top.{key}") == [val]
    assert {k: v for k, v in raw["top"].items() if k != key} == \
        {k: v for k, v in d.items() if k != key}


def test_load_edited_applies_edits_and_names_file(tmp_path):
    """load_edited drops, then sets, then validates; errors name the file."""
    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(SMALL_SCENARIO))
    sc = load_edited(f, ["raid.drones.count=3", "c2.solver=exact"], [])
    assert sc.groups[0].count == 3 and sc.config.c2.solver == "exact"
    with pytest.raises(ScenarioError, match=r"small\.yaml: raid\.drones\.cont: no key 'cont'"):
        load_edited(f, ["raid.drones.cont=3"])
    with pytest.raises(ScenarioError, match=r"small\.yaml: raid\.drones\.count: must be >= 1"):
        load_edited(f, ["raid.drones.count=0"])
    with pytest.raises(ScenarioError, match=r"small\.yaml: c3\.solver: no key 'c3' in the top "
                                            r"level; keys there: assets, batteries"):
        load_edited(f, ["c3.solver=exact"])
    # A section the file leaves out is created; a bad value in it keeps the schema's rule.
    assert load_edited(f, ["tracker.initiation=single"]).config.tracker.initiation == "single"
    with pytest.raises(ScenarioError, match=r"small\.yaml: tracker\.max_speed_mps: must be > 0, "
                                            r"got -1 \(unit: m/s\)"):
        load_edited(f, ["tracker.max_speed_mps=-1"])
    # A mistyped group name: the missing key first, then what the new entry would lack.
    with pytest.raises(ScenarioError, match=r"small\.yaml: raid\.drone\.count: no key 'drone' "
                       r"in raid; keys there: drones.* \(as a new entry it fails: "
                       r"raid\.drone\.preset: is required but missing\)"):
        load_edited(f, ["raid.drone.count=2"])
    # A valid section left out (overrides) with a mistyped key inside: the schema names the key.
    with pytest.raises(ScenarioError, match=r"small\.yaml: raid\.drones\.overrides\.sped_mps: "
                       r"unknown key"):
        load_edited(f, ["raid.drones.overrides.sped_mps=40"])
    # A whole new group written by several assignments is fine.
    sc = load_edited(f, ["raid.more.preset=shahed136", "raid.more.count=2",
                         "raid.more.launch.bearing_deg=90", "raid.more.launch.range_m=20000",
                         "raid.more.target.asset=plant"])
    assert [g.count for g in sc.groups if g.name == "more"] == [2]


def test_run_drop_cover_battery():
    """`run --drop batteries.cover` runs example 3 without the cover battery."""
    r = CliRunner().invoke(main, ["run", str(EXAMPLES / "03_battery_strike.yaml"),
                                  "--drop", "batteries.cover", "--set", "raid.drones.count=2",
                                  "--set", "raid.cruise.count=1"])
    assert r.exit_code == 0, r.output
    assert "tor_9m338" not in r.output  # the cover battery's interceptors are gone
    bad = CliRunner().invoke(main, ["run", str(EXAMPLES / "03_battery_strike.yaml"),
                                    "--drop", "batteries.covr"])
    assert bad.exit_code == 1
    assert "airdefense: error:" in bad.output and "no key 'covr' in batteries; keys there: " \
        "patriot, cover" in bad.output
