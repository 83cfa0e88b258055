"""The CLI: a thin shell whose errors are one line, exit code 1, no traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from airdefense.cli import main
from tests.conftest import EXAMPLES, SMALL_SCENARIO


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


@pytest.fixture
def small_file(tmp_path):
    """The small scenario written to a YAML file."""
    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(SMALL_SCENARIO))
    return f


def test_run_prints_summary_and_writes_log(runner, small_file, tmp_path):
    """`run` prints the summary tables and writes the event log and summary."""
    out = tmp_path / "out"
    r = runner.invoke(main, ["run", str(small_file), "--seed", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Threats by type" in r.output and "Cost exchange" in r.output
    assert (out / "events.csv").is_file() and (out / "events.parquet").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["threats_launched"] == 8


def test_validate(runner, small_file):
    """`validate` reports what the scenario holds."""
    r = runner.invoke(main, ["validate", str(small_file)])
    assert r.exit_code == 0
    assert "OK" in r.output and "8 threats" in r.output


def test_catalog_lists_and_shows(runner):
    """`catalog` lists presets; `catalog NAME` shows figures and the source."""
    r = runner.invoke(main, ["catalog"])
    assert r.exit_code == 0 and "shahed136" in r.output and "mpq65" in r.output
    r = runner.invoke(main, ["catalog", "kh101"])
    assert r.exit_code == 0 and "source" in r.output and "unit_cost" in r.output


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda d: d["raid"]["drones"].update(count=-1), r"raid\.drones\.count: must be >= 1, got -1"),
        (lambda d: d["raid"]["drones"].update(preset="nope"), r"raid\.drones\.preset: unknown threat preset 'nope'"),
        (lambda d: d.update(windage=3), r"windage: unknown key"),
        (lambda d: d["origin"].update(lat_deg=123), r"origin\.lat_deg: must be <= 90, got 123 \(unit: deg\)"),
        (lambda d: d["raid"]["drones"]["target"].update(asset="nowhere"), r"raid\.drones\.target\.asset: names no asset: 'nowhere'"),
    ],
)
def test_bad_scenario_is_one_line_exit_1(runner, tmp_path, mutate, pattern):
    """A malformed scenario gives `airdefense: error: FILE: PATH: ...`, exit 1, no traceback."""
    import copy
    import re

    d = copy.deepcopy(SMALL_SCENARIO)
    mutate(d)
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(d))
    r = runner.invoke(main, ["run", str(f)])
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith(f"airdefense: error: {f}: ")
    assert re.search(pattern, lines[0])
    assert "Traceback" not in r.output


def test_yaml_error_through_real_process(tmp_path):
    """Run as a real process, a YAML syntax error exits 1 with one line and no traceback."""
    f = tmp_path / "broken.yaml"
    f.write_text("raid: [1, 2\n")
    p = subprocess.run([sys.executable, "-m", "airdefense", "validate", str(f)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr.strip().startswith("airdefense: error: ")
    assert "YAML syntax error at line" in p.stderr and "Traceback" not in p.stderr


def test_usage_error_exit_2(runner):
    """A usage error (unknown option) exits with 2."""
    r = runner.invoke(main, ["run", "--bogus"])
    assert r.exit_code == 2


def test_examples_validate(runner):
    """Every example validates."""
    for f in sorted(EXAMPLES.glob("*.yaml")):
        r = runner.invoke(main, ["validate", str(f)])
        assert r.exit_code == 0, (f, r.output)


@pytest.mark.parametrize(("args", "pattern"), [
    (["run", "{small}", "--seed", "-1"], r"Invalid value for '--seed': -1 is not in the range x>=0"),
    (["wta", "{wta}", "--solver", "heuristic", "--time-limit", "nan"],
     r"Invalid value for '--time-limit': 'nan' is not a finite number"),
    (["wta", "{wta}", "--seed", "-2"], r"Invalid value for '--seed': -2 is not in the range"),
    (["plot-coverage", "{small}", "--altitude-m", "100", "--rcs-m2", "inf"],
     r"Invalid value for '--rcs-m2': 'inf' is not a finite number"),
    (["plot-threats", "{small}", "--out", "t.xyz"],
     r"Invalid value for '--out': 't\.xyz': the image must end in \.png, \.svg or \.pdf"),
])
def test_bad_option_values_are_usage_errors(runner, small_file, args, pattern):
    """Negative seeds, non-finite numbers and image formats matplotlib cannot write are usage
    errors (exit 2) naming the option and the value, not tracebacks."""
    wta = small_file  # option values are checked before the file is read
    args = [a.format(small=small_file, wta=wta) for a in args]
    r = runner.invoke(main, args)
    assert r.exit_code == 2, r.output
    assert re.search(pattern, r.output), r.output


def test_unwritable_output_is_one_line_exit_1(runner, small_file, tmp_path):
    """An output in a folder that cannot be made is one error line naming the path, exit 1."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = runner.invoke(main, ["run", str(small_file), "--out", str(blocker / "out")])
    assert r.exit_code == 1
    assert re.search(r"airdefense: error: --out .*file/out: cannot make this folder: it, or a "
                     r"folder above it, is a file", r.output)
    assert "Traceback" not in r.output


def test_run_writes_strict_json_and_counts_only_threats_that_could_hit(runner, small_file,
                                                                      tmp_path):
    """With nothing launched the cost exchange is null in summary.json (strict JSON), and the
    value at risk is 0: a threat that never flew could not have hit."""
    out = tmp_path / "o"
    r = runner.invoke(main, ["run", str(small_file), "--set", "duration_s=1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = (out / "summary.json").read_text()
    assert "Infinity" not in text and "NaN" not in text
    s = json.loads(text)
    assert s["interceptors_fired"] == 0 and s["cost_exchange"] is None
    assert s["value_at_risk"] == 0.0 and s["value_saved"] == 0.0


def test_a_closed_pipe_is_not_reported_as_an_error():
    """`airdefense catalog | head` where the reader has gone: no 'airdefense: error: Broken
    pipe' on stderr (it printed one, exit 1), and the exit status of a tool killed by SIGPIPE
    (128 + 13)."""
    import os

    r, w = os.pipe()
    os.close(r)  # the reader is gone before the command writes
    try:
        p = subprocess.run([sys.executable, "-m", "airdefense", "catalog"], stdout=w,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(w)
    assert p.stderr == ""
    assert p.returncode == 141
