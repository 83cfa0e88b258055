"""Bad input files and arguments: one line naming the file (and line), exit code 1, no
traceback."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from airdefense.catalog import load_catalog
from airdefense.cli import main
from airdefense.errors import ScenarioError
from airdefense.scenario import load_scenario
from tests.conftest import SMALL_SCENARIO

MEAS = "time,x,y\n0,1000,2000\n1,1010,2000\n2,1020,2000\n"


def _fails(args, *patterns):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and isinstance(r.exception, SystemExit)
    for p in patterns:
        assert p in r.output, r.output
    return r.output


def test_non_utf8_measurements_and_config_name_the_file_and_line(tmp_path):
    """A Latin-1 byte (0xe9, 'é') on line 2 is reported as such, not as a UnicodeDecodeError."""
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"time,x,y\n0,1,2 \xe9\n")
    _fails(["track", str(bad), "--out", str(tmp_path / "t.csv")],
           "bad.csv:2: not UTF-8 text: byte 0xe9 at line 2")
    meas = tmp_path / "m.csv"
    meas.write_text(MEAS)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_bytes(b"q: 1\n# caf\xe9\n")
    _fails(["track", str(meas), "--out", str(tmp_path / "t.csv"), "--config", str(cfg)],
           "cfg.yaml:2: not UTF-8 text: byte 0xe9 at line 2")


def test_non_utf8_user_catalog_names_the_catalog(tmp_path):
    cat = tmp_path / "cat.yaml"
    cat.write_bytes(b"threats: {}\n\xff\xfe\n")
    d = dict(SMALL_SCENARIO, catalog=[str(cat)])
    with pytest.raises(ScenarioError, match=r"cat\.yaml: not UTF-8 text: byte 0xff at line 2"):
        load_scenario(d)


def test_a_missing_catalog_names_the_scenario_field_and_line(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(dict(SMALL_SCENARIO, catalog=["nothere.yaml"]), sort_keys=False))
    line = next(i for i, ln in enumerate(f.read_text().splitlines(), 1) if "nothere" in ln)
    with pytest.raises(ScenarioError, match=rf"s\.yaml: catalog\[0\]: catalog file not found: "
                       rf"'.*nothere\.yaml' \[line {line}\]"):
        load_scenario(f)


def test_load_catalog_takes_one_path_as_one_file(tmp_path):
    """A string is a file name, not a list of one-character names."""
    with pytest.raises(ScenarioError, match=r"catalog\[0\]: catalog file not found: "
                       r"'nothere\.yaml'"):
        load_catalog("nothere.yaml")
    cat = tmp_path / "c.yaml"
    cat.write_text("threats: {}\n")
    assert "shahed136" in load_catalog(str(cat)).threats


def test_a_csv_with_a_byte_order_mark_reads(tmp_path):
    """Spreadsheet programs start UTF-8 CSV files with a BOM; the header is still time,x,y."""
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbf" + MEAS.encode())
    r = CliRunner().invoke(main, ["track", str(f), "--out", str(tmp_path / "t.csv")])
    assert r.exit_code == 0, r.output
    assert "3 detections in 3 scans" in r.output


@pytest.mark.parametrize(("header", "pattern"), [
    ("1 1 1000000000", "header m * mu (rounds: 1 types x 1,000,000,000 copies) must be <= "
                       "100,000, got 1,000,000,000"),
    ("200000 1 1", "header m (weapon types) must be <= 100,000, got 200,000"),
])
def test_a_wta_header_beyond_the_size_limits_is_refused(tmp_path, header, pattern):
    """Refused at the header, before arrays of gigabytes are allocated."""
    f = tmp_path / "w.txt"
    f.write_text(f"{header}\n5\n0 0 0.5\n")
    _fails(["wta", str(f)], f"w.txt:1: {pattern}")


def test_track_refuses_to_overwrite_its_input(tmp_path):
    meas = tmp_path / "m.csv"
    meas.write_text(MEAS)
    _fails(["track", str(meas), "--out", str(meas)], "--out is an input of this command")
    assert meas.read_text() == MEAS


def test_run_checks_out_before_simulating(tmp_path):
    """--out under a regular file is refused before the run (no summary printed, nothing
    lost after minutes of simulation)."""
    (tmp_path / "afile").write_text("x")
    small = tmp_path / "s.yaml"
    small.write_text(yaml.safe_dump(SMALL_SCENARIO))
    out = _fails(["run", str(small), "--out", str(tmp_path / "afile" / "sub")],
                 "cannot make this folder: it, or a folder above it, is a file")
    assert "Threats by type" not in out


def test_plot_threats_makes_a_missing_folder(tmp_path):
    small = tmp_path / "s.yaml"
    small.write_text(yaml.safe_dump(SMALL_SCENARIO))
    out = tmp_path / "new" / "pt.png"
    r = CliRunner().invoke(main, ["plot-threats", str(small), "--out", str(out),
                                  "--per-group", "1"])
    assert r.exit_code == 0, r.output
    assert out.is_file()


# (line of examples/01_drone_wave.yaml to replace, its replacement, expected message)
BAD_LINES = [
    ("duration_s: 3600", "duration_s: 1.0e300",
     "duration_s: must be <= 86400 (a day: a longer raid is a campaign), got 1e+300 (unit: s)"),
    ("duration_s: 3600", "duration_s: .nan", "duration_s: input should be a finite number, "
                                              "got nan (unit: s)"),
    ("step_s: 0.5", "step_s: 0", "step_s: must be >= 0.01"),
    ("step_s: 0.5", "step_s: '0.5'", "step_s: must be a number, not text"),
    ("    count: 24", "    count: true", "raid.drones.count: must be an integer, not true/false"),
    ("    count: 24", "    count: 1000000000000", "raid.drones.count: must be <= 100000"),
    ("    launch_time_s: 300", "    launch_time_s: 1.0e300",
     "raid.decoy_strike.launch_time_s: must be <= 86400"),
    ("    route_jitter_m: 500", "    route_jitter_m: .inf",
     "raid.drones.route_jitter_m: input should be a finite number, got inf (unit: m)"),
    ("    preset: shahed136", "    preset: shahed136\n    overrides: {rcs_m2: 1.0e30}",
     "raid.drones.overrides.rcs_m2: must be <= 100000 (a large ship's radar cross-section), "
     "got 1e+30 (unit: m^2)"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD_LINES)
def test_run_refuses_a_bad_value_in_one_line(tmp_path, old, new, message):
    """`airdefense run BAD.yaml`: exit 1, one line naming the file, the path, the value, the rule
    and the unit (and the line), no traceback."""
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "01_drone_wave.yaml").read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1))
    out = _fails(["run", str(bad), "--out", str(tmp_path / "x")], "bad.yaml: " + message,
                 "[line ")
    assert len(out.strip().splitlines()) == 1, out


@pytest.mark.parametrize("text", ["", "# a comment\n"])
def test_run_refuses_an_empty_scenario_file(tmp_path, text):
    bad = tmp_path / "empty.yaml"
    bad.write_text(text)
    out = _fails(["run", str(bad)], "empty.yaml: the scenario file is empty (or holds only "
                                    "comments): the top level of a scenario file must be a "
                                    "mapping of keys to values")
    assert "NoneType" not in out and len(out.strip().splitlines()) == 1
