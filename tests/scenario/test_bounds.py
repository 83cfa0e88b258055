"""Physically absurd values, values of the wrong kind and non-finite numbers are refused at load,
naming the path, the value, the rule (with its reason) and the unit; no real scenario meets a
bound (the examples and the built-in catalog load)."""

from __future__ import annotations

import copy

import pytest
import yaml

from airdefense._model import StrictModel
from airdefense.catalog import SECTIONS, load_catalog
from airdefense.errors import ScenarioError
from airdefense.scenario import load_scenario
from airdefense.scenario.edit import set_path
from airdefense.scenario.model import ScenarioConfig
from tests.conftest import EXAMPLES

EX1 = yaml.safe_load((EXAMPLES / "01_drone_wave.yaml").read_text())
EX2 = yaml.safe_load((EXAMPLES / "02_layered_city.yaml").read_text())


def _edited(base: dict, *edits) -> dict:
    d = copy.deepcopy(base)
    for path, value in edits:
        set_path(d, path, value, create=True)
    return d


# (edits, expected message): each value is far beyond anything real.
ABSURD = [
    ([("duration_s", 1e300)], r"duration_s: must be <= 86400 \(a day: a longer raid is a "
     r"campaign\), got 1e\+300 \(unit: s\)$"),
    ([("raid.drones.launch_time_s", 1e300)], r"raid\.drones\.launch_time_s: must be <= 86400 "
     r"\(a day, the longest duration_s\), got 1e\+300 \(unit: s\)$"),
    ([("raid.drones.salvo_interval_s", 1e300)], r"raid\.drones\.salvo_interval_s: must be <= "
     r"86400 .*, got 1e\+300 \(unit: s\)$"),
    ([("raid.drones.launch_jitter_s", 1e9)], r"raid\.drones\.launch_jitter_s: must be <= 86400"),
    ([("raid.drones.count", 10**12)], r"raid\.drones\.count: must be <= 100000 \(memory and run "
     r"time grow with it; split a larger raid into groups\), got 1000000000000$"),
    ([("batteries.shorad.launchers.interceptors_per_launcher", 10**12)],
     r"batteries\.shorad\.launchers\[0\]\.interceptors_per_launcher: must be <= 10000 \(more "
     r"than any magazine holds\), got 1000000000000$"),
    ([("batteries.shorad.launchers.overrides", {"rounds": 10**20})],
     r"launchers\[0\]\.overrides\.rounds: must be <= 10000 .*got 100000000000000000000$"),
    ([("raid.drones.overrides", {"rcs_m2": 1e30})], r"raid\.drones\.overrides\.rcs_m2: must be "
     r"<= 100000 \(a large ship's radar cross-section\), got 1e\+30 \(unit: m\^2\)$"),
    ([("raid.drones.overrides", {"speed_mps": 12_000})], r"raid\.drones\.overrides\.speed_mps: "
     r"must be <= 11200 \(escape velocity\), got 12000 \(unit: m/s\)$"),
    ([("raid.drones.leg_speed_mps", [1e5, 50])], r"raid\.drones\.leg_speed_mps\[0\]: must be <= "
     r"11200 \(escape velocity\), got 100000\.0 \(unit: m/s\)$"),
    ([("raid.drones.overrides", {"cruise_altitude_m": 1e9})], r"raid\.drones\.overrides\."
     r"cruise_altitude_m: must be <= 100000 \(the edge of space\), got 1000000000\.0 "
     r"\(unit: m\)$"),
    ([("raid.drones.overrides", {"max_range_m": 1e300})], r"overrides\.max_range_m: must be <= "
     r"2e\+07 \(half the earth's circumference\), got 1e\+300 \(unit: m\)$"),
    ([("raid.drones.overrides", {"unit_cost": 1e300})], r"overrides\.unit_cost: must be <= "
     r"1e\+12 .*, got 1e\+300 \(unit: US dollars\)$"),
    ([("raid.drones.overrides", {"max_g": 1e300})], r"overrides\.max_g: must be <= 1000 .*"
     r"\(unit: g\)$"),
    ([("assets.power_plant.value", 1e300)], r"assets\.power_plant\.value: must be <= 1e\+15 "
     r"\(ten times the world's yearly output\), got 1e\+300 \(unit: US dollars\)$"),
    ([("batteries.shorad.sensors.overrides", {"scan_period_s": 1e300})],
     r"sensors\[0\]\.overrides\.scan_period_s: must be <= 86400 .*\(unit: s\)$"),
    ([("batteries.shorad.sensors.overrides", {"scan_period_s": 1e-300})],
     r"sensors\[0\]\.overrides\.scan_period_s: must be >= 0\.01 \(no radar scans 100 times a "
     r"second\), got 1e-300 \(unit: s\)$"),
    ([("batteries.shorad.sensors.overrides", {"ref_snr_db": 1e300})],
     r"overrides\.ref_snr_db: must be <= 100 .*\(unit: dB\)$"),
    ([("batteries.shorad.sensors.offset_m", [1e300, 0])], r"batteries\.shorad\.sensors\[0\]\."
     r"offset_m\[0\]: must be <= 10000 .*, got 1e\+300 \(unit: m\)$"),
    ([("batteries.shorad.doctrine.zones", [{"position": {"bearing_deg": 0, "range_m": 0},
                                            "radius_m": 1e300, "rule": "hold_fire"}])],
     r"doctrine\.zones\[0\]\.radius_m: must be <= 2e\+07"),
    ([("tracker", {"max_coast_s": 1e300})], r"tracker\.max_coast_s: must be <= 86400"),
    ([("c2.cost_weight", 1e300)], r"c2\.cost_weight: must be <= 1000"),
    # zero and near-zero divisors
    ([("step_s", 0)], r"step_s: must be >= 0\.01 \(100 steps a second: .*\), got 0 \(unit: s\)$"),
    ([("step_s", 1e-300)], r"step_s: must be >= 0\.01 .*got 1e-300 \(unit: s\)$"),
    ([("batteries.shorad.sensors.overrides", {"track_revisit_s": 0})],
     r"overrides\.track_revisit_s: must be >= 0\.01"),
    ([("raid.drones.overrides", {"speed_mps": 1e-300})], r"overrides\.speed_mps: must be >= 1 "
     r"\(slower than 1 m/s nothing flies a route\), got 1e-300 \(unit: m/s\)$"),
    ([("batteries.shorad.sensors.overrides", {"range_sigma_m": 1e-300})],
     r"overrides\.range_sigma_m: must be >= 0\.01 \(finer than any radar measures"),
    ([("raid.drones.overrides", {"rcs_m2": 1e-300})], r"overrides\.rcs_m2: must be >= 1e-06"),
    # A route leg's speed: each element's bound (the group's own > 0 check was dropped).
    ([("raid.drones.leg_speed_mps", [0.0, 50])], r"raid\.drones\.leg_speed_mps\[0\]: must be "
     r">= 1 \(slower than 1 m/s nothing flies a route\), got 0\.0 \(unit: m/s\)$"),
    ([("raid.drones.leg_speed_mps", [50, float("nan")])], r"raid\.drones\.leg_speed_mps\[1\]: "
     r"input should be a finite number, got nan \(unit: m/s\)$"),
    # rules across fields and totals
    ([("step_s", 10), ("duration_s", 5)], r"step_s \(10\.0 s\) must not exceed duration_s "
     r"\(5\.0 s\)"),
    ([("raid.decoy_strike.launch_time_s", 3600)], r"raid\.decoy_strike\.launch_time_s: "
     r"launch_time_s = 3600 s is not before the end of the scenario \(duration_s = 3600 s\): "
     r"the group would never launch"),
    ([("raid.drones.count", 60_000), ("raid.decoy_strike.count", 50_000)],
     r"raid: the raid holds 110,000 threats \(drones: 60,000, decoy_strike: 50,000; .*\), more "
     r"than the limit of 100,000"),
    ([("batteries.shorad.launchers", [{"preset": "tor_m2_tlar", "count": 1000}] * 11)],
     r"batteries: the batteries hold 11,002 launchers, more than the limit of 10,000"),
]


@pytest.mark.parametrize(("edits", "pattern"), ABSURD)
def test_an_absurd_value_is_refused_with_path_value_rule_and_unit(edits, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(_edited(EX1, *edits))


# Values pydantic's lax mode would convert: true for 1, "3600" for 3600, 1 or "yes" for true.
LAX = [
    ("duration_s", "3600", r"duration_s: must be a number, not text \(write a number without "
     r"quotes\), got '3600' \(unit: s\)$"),
    ("raid.drones.count", "24", r"raid\.drones\.count: must be an integer, not text"),
    ("seed", True, r"seed: must be an integer, not true/false"),
    ("raid.drones.leg_speed_mps", [True, 50.0], r"raid\.drones\.leg_speed_mps\[0\]: must be a "
     r"number, not true/false \(a boolean is not a count or a quantity\), got True "
     r"\(unit: m/s\)$"),
    ("raid.drones.overrides", {"rcs_m2": True}, r"raid\.drones\.overrides\.rcs_m2: must be a "
     r"number, not true/false .*, got True \(unit: m\^2\)$"),
    ("batteries.shorad.sensors.overrides", {"max_tracks": True},
     r"sensors\[0\]\.overrides\.max_tracks: must be an integer, not true/false"),
    ("batteries.shorad.launchers.interceptor_overrides", {"pk": {"drone": True}},
     r"launchers\[0\]\.interceptor_overrides\.pk\.drone: must be a number, not true/false"),
    ("batteries.shorad.sensors.offset_m", ["10", 0], r"sensors\[0\]\.offset_m\[0\]: must be a "
     r"number, not text"),
    ("batteries.shorad.doctrine.hold_fire", 1, r"doctrine\.hold_fire: must be true or false, "
     r"not a number, got 1$"),
    ("raid.drones.depressed", "yes", r"raid\.drones\.depressed: must be true or false, not text"),
    ("step_s", float("nan"), r"step_s: input should be a finite number, got nan \(unit: s\)$"),
    ("raid.drones.overrides", {"rcs_m2": float("inf")}, r"overrides\.rcs_m2: input should be a "
     r"finite number, got inf \(unit: m\^2\)$"),
]


@pytest.mark.parametrize(("path", "value", "pattern"), LAX)
def test_a_value_of_the_wrong_kind_is_refused(path, value, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(_edited(EX1, (path, value)))


@pytest.mark.parametrize(("text", "pattern"), [
    ("duration_s: .nan", r"duration_s: input should be a finite number, got nan \(unit: s\) "
                         r"\[line \d+\]$"),
    ("duration_s: .inf", r"duration_s: input should be a finite number, got inf"),
    ("duration_s: '3600'", r"duration_s: must be a number, not text"),
    ("duration_s: true", r"duration_s: must be a number, not true/false"),
])
def test_yaml_specials_in_a_file_are_refused_with_the_line(tmp_path, text, pattern):
    lines = (EXAMPLES / "01_drone_wave.yaml").read_text().splitlines()
    f = tmp_path / "s.yaml"
    f.write_text("\n".join(text if ln.startswith("duration_s:") else ln for ln in lines))
    with pytest.raises(ScenarioError, match=rf"s\.yaml: {pattern}"):
        load_scenario(f)


def test_an_exponent_without_a_point_is_a_number(tmp_path):
    """YAML 1.1 reads 3e3 (no decimal point) as text; a number is meant."""
    text = (EXAMPLES / "01_drone_wave.yaml").read_text().replace("duration_s: 3600",
                                                                 "duration_s: 3e3")
    f = tmp_path / "s.yaml"
    f.write_text(text)
    assert load_scenario(f).config.duration_s == 3000.0


@pytest.mark.parametrize(("text", "pattern"), [
    ("", r"the scenario file is empty \(or holds only comments\): the top level of a scenario "
         r"file must be a mapping"),
    ("# nothing yet\n", r"the scenario file is empty"),
    ("- 1\n- 2\n", r"the top level of a scenario file must be a mapping of keys to values "
                   r"\('key: value' lines such as name, origin, duration_s and raid\), got a "
                   r"list"),
    ("drones\n", r"the top level of a scenario file must be a mapping .*, got a single text "
                  r"value"),
])
def test_an_empty_or_flat_scenario_file_says_so(tmp_path, text, pattern):
    f = tmp_path / "e.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError, match=rf"e\.yaml: {pattern}"):
        load_scenario(f)


def test_an_empty_catalog_file_says_so(tmp_path):
    cat = tmp_path / "cat.yaml"
    cat.write_text("# to do\n")
    with pytest.raises(ScenarioError, match=r"cat\.yaml: the catalog file is empty .*\('key: "
                       r"value' lines such as threats, sensors, interceptors, launchers\)"):
        load_scenario(_edited(EX1, ("catalog", [str(cat)])))


def test_a_catalog_preset_out_of_bounds_names_the_file_and_line(tmp_path):
    cat = tmp_path / "cat.yaml"
    cat.write_text("threats:\n  fast:\n    kind: drone\n    source: notional\n    unit_cost: 1\n"
                   "    speed_mps: 50000\n    cruise_altitude_m: 100\n    max_range_m: 1000\n"
                   "    rcs_m2: 0.1\n    warhead_kg: 1\n    lethal_radius_m: 5\n")
    with pytest.raises(ScenarioError, match=r"cat\.yaml: threats\.fast\.speed_mps: must be <= "
                       r"11200 \(escape velocity\), got 50000 \(unit: m/s\) \[line 6\]$"):
        load_catalog([cat])


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_no_example_meets_a_bound(example):
    load_scenario(example)


def _models():
    seen, todo = [], [ScenarioConfig, *SECTIONS.values()]
    from airdefense._yaml import _models_in

    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.append(m)
        for f in m.model_fields.values():
            import typing

            args = typing.get_args(f.annotation) or (f.annotation,)
            for a in args:
                inner = typing.get_args(a) or (a,)
                todo += [x for b in inner for x in _models_in(b)]
    return seen


def test_every_bound_is_documented_with_its_reason():
    """A field with a reason (``bounded``) gives its bounds and the reason in its description."""
    n = 0
    for m in _models():
        assert issubclass(m, StrictModel)
        for name, f in m.model_fields.items():
            extra = f.json_schema_extra
            if not isinstance(extra, dict) or "why" not in extra:
                continue
            n += 1
            assert "bounds: " in f.description and extra["why"] in f.description, (m, name)
            for key, op in (("le", "<="), ("lt", "<")):
                bound = next((getattr(c, key) for c in f.metadata if hasattr(c, key)), None)
                if bound is not None:
                    assert f"{op} {bound:,g}" in f.description, (m, name)
    assert n > 60
