"""``airdefense wta``: text and JSON output, errors as one line with the line number."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from airdefense.assignment import ahuja_instance, write_andersen
from airdefense.cli import main
from tests.assignment._brute import brute_force
from tests.assignment.test_instances import DATA, TINY, needs_data


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


@pytest.fixture
def small_instance(tmp_path):
    """A 3 x 4 Ahuja instance written in the published format, and the problem."""
    prob = ahuja_instance(3, 4, np.random.default_rng(5))
    return write_andersen(prob, tmp_path / "small.txt"), prob


def test_text_output(runner, small_instance):
    """The text output names objective, bound, gap and time; the exact objective is optimal."""
    path, prob = small_instance
    r = runner.invoke(main, ["wta", str(path)])
    assert r.exit_code == 0, r.output
    best, _ = brute_force(prob)
    lines = dict(line.split(None, 1) for line in r.output.splitlines())
    assert float(lines["objective"].split()[0]) == pytest.approx(best, abs=1e-6)
    assert float(lines["bound"]) <= best + 1e-6
    assert lines["status"] == "optimal" and lines["gap"].endswith("%")
    assert float(lines["seconds"]) >= 0


@pytest.mark.parametrize("solver", ["exact", "heuristic", "greedy"])
def test_json_output(runner, small_instance, solver):
    """--json prints one object whose assignment rebuilds x with the reported objective."""
    path, prob = small_instance
    r = runner.invoke(main, ["wta", str(path), "--solver", solver, "--time-limit", "2",
                             "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {"objective", "bound", "gap", "seconds", "assignment"} <= set(d)
    x = np.zeros(prob.p.shape, int)
    for i, j, k in d["assignment"]:
        x[i, j] += k
    assert prob.violations(x) == []
    assert d["objective"] == pytest.approx(prob.objective(x), rel=1e-6)
    if solver == "exact":
        assert d["bound"] <= d["objective"] + 1e-9 and d["gap"] >= 0
    else:
        assert d["bound"] is None and d["gap"] is None


@needs_data
def test_published_instance_json(runner):
    """The published 50x100x1 through the CLI: the paper's optimum, 50 rounds, 0-based rows."""
    r = runner.invoke(main, ["wta", str(DATA / "wta_50x100x1.txt"), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["objective"] == pytest.approx(1734.302278, rel=1e-4)
    rows = np.array(d["assignment"])
    assert rows[:, 2].sum() == 50 and rows[:, 0].min() >= 0 and rows[:, 0].max() <= 49


@pytest.mark.parametrize("text, match", [
    ("", r"bad.txt:1: empty file"),
    ("2 3 2\n10\n20\n", r"bad.txt:4: file ends after 2 target values"),
    (TINY.replace("0 1 0.25", "0 1 x"), r"bad.txt:6: kill probability p must be a number, "
                                        r"got 'x'"),
    (TINY.replace("0 1 0.25", "0 1 1.25"), r"bad.txt:6: kill probability p must be in \[0, 1\]"),
    (TINY + "1 1 0.5\n", r"bad.txt:11: unexpected extra line"),
])
def test_malformed_instance_is_one_line(runner, tmp_path, text, match):
    """A malformed instance: exit code 1, one 'airdefense: error:' line with the line number."""
    bad = tmp_path / "bad.txt"
    bad.write_text(text)
    r = runner.invoke(main, ["wta", str(bad)])
    assert r.exit_code == 1
    out = r.output.strip()
    assert out.startswith("airdefense: error: ") and "\n" not in out
    assert "Traceback" not in r.output
    assert re.search(match, out)


def test_bad_time_limit_is_usage_error(runner, small_instance):
    """A non-positive --time-limit is a usage error (exit code 2)."""
    r = runner.invoke(main, ["wta", str(small_instance[0]), "--time-limit", "0"])
    assert r.exit_code == 2 and "time-limit" in r.output


def test_help_says_zero_based(runner):
    """--help states that indices are 0-based."""
    r = runner.invoke(main, ["wta", "--help"])
    assert r.exit_code == 0 and "0-based" in r.output
