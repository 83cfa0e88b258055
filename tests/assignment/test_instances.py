"""The Andersen et al. reader (published files, malformed input) and the Ahuja generator."""

from __future__ import annotations

import numpy as np
import pytest

from airdefense.assignment import (
    WTAProblem,
    ahuja_instance,
    ahuja_instances,
    parse_andersen,
    read_andersen,
    write_andersen,
)
from airdefense.errors import InputFileError
from tests.conftest import SHARED

DATA = SHARED / "data" / "wta-andersen2022"
needs_data = pytest.mark.skipif(not (DATA / "wta_50x100x1.txt").is_file(),
                                reason="shared Andersen instances not present")

TINY = "2 3 2\n10\n20\n30\n0 0 0.5\n0 1 0.25\n0 2 1\n1 0 0\n1 1 0.125\n1 2 0.75\n"


@needs_data
def test_reads_published_instance():
    """The published 50x100x1 file: header, first values and first/last probabilities."""
    prob = read_andersen(DATA / "wta_50x100x1.txt")
    assert prob.p.shape == (50, 100) and prob.copies.tolist() == [1] * 50
    assert prob.values[:3].tolist() == [13, 60, 71]
    assert prob.p[0, 0] == pytest.approx(0.409311426086)
    assert prob.p[49, 99] == pytest.approx(0.792880953021)


def test_parses_tiny_instance():
    """Values, probabilities (i-major) and copies from the text."""
    prob = parse_andersen(TINY)
    assert prob.values.tolist() == [10, 20, 30]
    assert prob.p.tolist() == [[0.5, 0.25, 1.0], [0.0, 0.125, 0.75]]
    assert prob.copies.tolist() == [2, 2]


def test_round_trip(tmp_path):
    """write_andersen then read_andersen gives the same problem."""
    prob = ahuja_instance(3, 4, np.random.default_rng(1))
    back = read_andersen(write_andersen(prob, tmp_path / "i.txt"))
    assert np.allclose(back.values, prob.values) and np.allclose(back.p, prob.p)
    assert back.copies.tolist() == prob.copies.tolist()


def test_pairs_in_any_order():
    """Probability lines may come in any order; blank lines and comments are skipped."""
    lines = TINY.splitlines()
    text = "\n".join(lines[:4] + ["", "# shuffled"] + lines[4:][::-1]) + "\n"
    assert parse_andersen(text).p.tolist() == parse_andersen(TINY).p.tolist()


def _with(line_no: int, new: str | None) -> str:
    """TINY with 1-based line ``line_no`` replaced (None: removed)."""
    lines = TINY.splitlines()
    if new is None:
        del lines[line_no - 1]
    else:
        lines[line_no - 1] = new
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, match", [
    ("", r"<string>:1: empty file: expected a header line 'm n mu'"),
    ("\n\n", r"<string>:1: empty file"),
    (_with(1, "2 3"), r"<string>:1: header must be 'm n mu' \(3 integers\), got 2 field"),
    (_with(1, "2 x 2"), r"<string>:1: header n \(targets\) must be an integer, got 'x'"),
    (_with(1, "0 3 2"), r"<string>:1: header m \(weapon types\) must be >= 1, got 0"),
    (_with(1, "2 3 -1"), r"<string>:1: header mu \(copies per type\) must be >= 0, got -1"),
    (_with(3, "abc"), r"<string>:3: target value V_1 must be a number, got 'abc'"),
    (_with(3, "-4"), r"<string>:3: target value V_1 must be >= 0, got -4"),
    (_with(3, "4 5"), r"<string>:3: target value 1 must be one number, got 2 fields"),
    (_with(6, "0 1 1.5"), r"<string>:6: kill probability p must be in \[0, 1\], got 1.5"),
    (_with(6, "0 1 -0.2"), r"<string>:6: kill probability p must be in \[0, 1\], got -0.2"),
    (_with(6, "0 1 nan"), r"<string>:6: kill probability p must be finite, got 'nan'"),
    (_with(6, "0 1 p"), r"<string>:6: kill probability p must be a number, got 'p'"),
    (_with(6, "0 1"), r"<string>:6: probability line must be 'i j p' \(3 fields\), got 2"),
    (_with(6, "2 1 0.5"), r"<string>:6: weapon type i must be in \[0, 1\], got 2"),
    (_with(6, "0 3 0.5"), r"<string>:6: target j must be in \[0, 2\], got 3"),
    (_with(6, "0 0 0.5"), r"<string>:6: duplicate probability for pair \(i=0, j=0\)"),
    (_with(10, None), r"<string>:10: file ends after 5 probability lines 'i j p'; the header "
                      r"promises m \* n = 6"),
    ("2 3 2\n10\n20\n", r"<string>:4: file ends after 2 target values; the header promises "
                        r"n = 3"),
    (TINY + "0 0 0.5\n", r"<string>:11: unexpected extra line '0 0 0.5'"),
])
def test_malformed_instance_names_the_line(text, match):
    """Each malformed instance raises InputFileError with the line number and the rule."""
    with pytest.raises(InputFileError, match=match):
        parse_andersen(text)


def test_missing_file(tmp_path):
    """A file that does not exist is an InputFileError naming it."""
    with pytest.raises(InputFileError, match=r"nope.txt: cannot read the WTA instance"):
        read_andersen(tmp_path / "nope.txt")


def test_write_needs_equal_copies(tmp_path):
    """The format has one mu: unequal copies cannot be written."""
    prob = WTAProblem(values=[1.0], p=[[0.5], [0.5]], copies=[1, 2])
    with pytest.raises(InputFileError, match=r"same copies for every type, got \[1, 2\]"):
        write_andersen(prob, tmp_path / "x.txt")


@pytest.mark.parametrize("kw, match", [
    ({"cost": [2.0, 1.0], "cost_weight": 0.5},
     r"no round costs, got cost_weight 0.5 with a cost of 2 a round"),
    ({"max_per_target": [4, 1]},
     r"no salvo limit, got max_per_target 1 rounds at target 1 \(fewer than the 4 rounds"),
    ({"max_per_pair": [[2, 2], [2, 1]]},
     r"no pair limit, got max_per_pair 1 rounds at \(1, 1\) \(fewer than the type's 2"),
])
def test_write_refuses_limits_it_cannot_hold(tmp_path, kw, match):
    """A cost in the objective or a binding limit would be dropped: refused, naming it."""
    prob = WTAProblem(values=[1.0, 2.0], p=[[0.5, 0.4], [0.3, 0.6]], copies=[2, 2], **kw)
    with pytest.raises(InputFileError, match=match):
        write_andersen(prob, tmp_path / "x.txt")
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.parametrize("kw", [{"cost": [2.0, 1.0]}, {"max_per_target": [4, 9]},
                                {"max_per_pair": [[2, 5], [3, 2]]}])
def test_write_accepts_limits_that_never_bind(tmp_path, kw):
    """Costs at weight 0 and limits at or above the rounds available change nothing."""
    prob = WTAProblem(values=[1.0, 2.0], p=[[0.5, 0.4], [0.3, 0.6]], copies=[2, 2], **kw)
    back = read_andersen(write_andersen(prob, tmp_path / "x.txt"))
    np.testing.assert_allclose(back.p, prob.p)
    np.testing.assert_array_equal(back.copies, prob.copies)


def test_ahuja_generator_ranges_and_seeds():
    """V in [25, 100], p in [0.6, 0.9], one copy; SeedSequence spawning repeats and differs."""
    a = ahuja_instances(30, count=3, seed=7)
    b = ahuja_instances(30, count=3, seed=7)
    assert all(np.array_equal(x.p, y.p) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].p, a[1].p)
    for prob in a:
        assert prob.p.shape == (30, 30) and prob.copies.tolist() == [1] * 30
        assert 25 <= prob.values.min() and prob.values.max() <= 100
        assert 0.6 <= prob.p.min() and prob.p.max() <= 0.9
    allp = np.concatenate([x.p.ravel() for x in a])
    assert allp.mean() == pytest.approx(0.75, abs=0.01)       # U[0.6, 0.9] mean, 2700 draws
