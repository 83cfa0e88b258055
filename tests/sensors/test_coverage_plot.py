"""Tests of the coverage map (airdefense.viz.coverage) and the plot-coverage command."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from airdefense.cli import main
from airdefense.viz.coverage import coverage_grid


def test_coverage_grid_inside_max_range(small_scenario):
    """Pd is zero beyond each radar's max range and near 1 close to it at a high RCS."""
    east, north, pd = coverage_grid(small_scenario, 300.0, 10.0, n=81)
    s = small_scenario.sensors[0]
    ee, nn = np.meshgrid(east, north)
    d = np.hypot(ee - s.enu[0], nn - s.enu[1])
    assert pd.shape == (1, 81, 81)
    assert (pd[0][d > s.preset.max_range_m * 1.01] == 0).all()
    assert pd[0][(d > 2000) & (d < 8000)].min() > 0.99


def test_plot_coverage_writes_png(tmp_path, small_scenario_dict):
    """plot-coverage writes a PNG image and says where."""
    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(small_scenario_dict))
    out = tmp_path / "cov.png"
    res = CliRunner().invoke(main, ["plot-coverage", str(scen), "--altitude-m", "200",
                                    "--rcs-m2", "0.1", "--out", str(out), "--grid", "41"])
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("args", "match"), [
    (["--altitude-m", "100", "--rcs-m2", "0"], r"--rcs-m2.*must be > 0 m\^2, got 0.0"),
    (["--altitude-m", "-900", "--rcs-m2", "1"],
     r"--altitude-m.*must be in \[-500, 100000\] m, got -900.0"),
])
def test_plot_coverage_bad_options(tmp_path, small_scenario_dict, args, match):
    """Bad option values are usage errors (exit 2) that name the option, value and rule."""
    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(small_scenario_dict))
    res = CliRunner().invoke(main, ["plot-coverage", str(scen), *args])
    assert res.exit_code == 2
    assert re.search(match, res.output.replace("\n", " "))


def test_plot_coverage_missing_scenario(tmp_path):
    """A missing scenario is one 'airdefense: error:' line and exit code 1."""
    res = CliRunner().invoke(main, ["plot-coverage", str(tmp_path / "nope.yaml"),
                                    "--altitude-m", "100", "--rcs-m2", "1"])
    assert res.exit_code == 1
    assert "airdefense: error:" in res.output and "scenario file not found" in res.output
