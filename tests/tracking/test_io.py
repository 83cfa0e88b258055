"""Measurement files: layouts, and a clear error with the line number for each defect."""

import numpy as np
import pytest

from airdefense.errors import InputFileError
from airdefense.tracking.io import read_measurements


def _write(tmp_path, text):
    p = tmp_path / "meas.csv"
    p.write_text(text)
    return p


def test_reads_cartesian_and_groups_scans(tmp_path):
    """A 2-D file reads as Cartesian with rows grouped by time."""
    f = read_measurements(_write(tmp_path, "time,x,y\n0,1,2\n0,3,4\n1,5,6\n"))
    assert f.kind == "cartesian" and f.ndim == 2
    scans = list(f.scans(sigma_m=5.0))
    assert [t for t, _ in scans] == [0.0, 1.0] and len(scans[0][1]) == 2
    assert np.allclose(scans[1][1].z, [[5, 6]]) and np.allclose(scans[1][1].R, 25 * np.eye(2))


def test_reads_polar_in_degrees_any_column_order(tmp_path):
    """Polar columns in any order; azimuth/elevation are degrees, converted to radians."""
    f = read_measurements(_write(tmp_path, "azimuth,time,range,elevation\n90,0,1000,0\n"))
    assert f.kind == "polar" and f.ndim == 3
    (t, m), = f.scans(radar_position=[0, 0, 0])
    assert np.allclose(m.pos, [[1000, 0, 0]], atol=1e-9)


@pytest.mark.parametrize(("text", "match"), [
    ("", r"meas.csv:1: the file is empty"),
    ("time,x\n0,1\n", r"meas.csv:1: missing column|meas.csv:1: columns time,x: the header"),
    ("x,y\n0,1\n", r"meas.csv:1: missing column 'time'"),
    ("time,x,y\n0,1,2\n1,abc,3\n", r"meas.csv:3: column 'x': not a number: 'abc'"),
    ("time,x,y\n0,1,2\n1,2\n", r"meas.csv:3: expected 3 fields \(time,x,y\), got 2"),
    ("time,x,y\n1,1,2\n0.5,1,2\n", r"meas.csv:3: time goes backwards: 0.5 s after 1.0 s"),
    ("time,x,y\n0,nan,2\n", r"meas.csv:2: column 'x': must be finite, got nan"),
    ("time,x,y\n", r"meas.csv:2: no measurements after the header"),
    ("time,range,azimuth\n0,-5,10\n", r"meas.csv:2: column 'range': must be >= 0 m, got -5.0"),
])
def test_malformed_files(tmp_path, text, match):
    """Each defect raises InputFileError naming the file and line."""
    with pytest.raises(InputFileError, match=match):
        read_measurements(_write(tmp_path, text))


def test_missing_file(tmp_path):
    """A file that does not exist is an InputFileError, not an OSError."""
    with pytest.raises(InputFileError, match="cannot read the file"):
        read_measurements(tmp_path / "nope.csv")
