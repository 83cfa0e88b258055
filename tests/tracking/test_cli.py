"""``airdefense track`` through click's CliRunner."""

import numpy as np
from click.testing import CliRunner

from airdefense.cli import main
from tests.tracking.conftest import cv_truth


def _meas_file(path, rng, ndim=2):
    truth = cv_truth(rng, 3, 12, q=1.0, spacing=2000.0, speed_sigma=10.0)
    lines = ["time,x,y" + (",z" if ndim == 3 else "")]
    for k in range(12):
        for p in truth[k, :, :2] + rng.normal(0, 10, (3, 2)):
            lines.append(f"{k},{p[0]:.3f},{p[1]:.3f}" + (",1000.0" if ndim == 3 else ""))
    path.write_text("\n".join(lines) + "\n")
    return truth


def test_track_writes_confirmed_tracks(tmp_path, rng):
    """Three clean targets give three track ids and rows with the documented columns."""
    truth = _meas_file(tmp_path / "m.csv", rng)
    out = tmp_path / "t.csv"
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out", str(out),
                                  "--confirm", "2/3", "--clutter-density", "1e-7"])
    assert r.exit_code == 0, r.output
    assert "3 confirmed tracks" in r.output
    rows = out.read_text().splitlines()
    assert rows[0] == "time,track_id,x,y,vx,vy"
    last = np.array([[float(v) for v in row.split(",")] for row in rows[1:] if
                     row.startswith("11,")])
    err = np.min(np.linalg.norm(last[:, None, 2:4] - truth[11, None, :, :2], axis=2), axis=1)
    assert len(last) == 3 and (err < 40).all()


def test_track_3d_columns(tmp_path, rng):
    """A 3-D file gives the z and vz columns at the end."""
    _meas_file(tmp_path / "m.csv", rng, ndim=3)
    out = tmp_path / "t.csv"
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().splitlines()[0] == "time,track_id,x,y,vx,vy,z,vz"


def test_track_config_file_and_flag_override(tmp_path, rng):
    """tracker.yaml settings apply; an unknown key is a one-line error with exit 1."""
    _meas_file(tmp_path / "m.csv", rng)
    (tmp_path / "c.yaml").write_text("motion: imm\nassociator: jpda\nconfirm: 2/2\n")
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out",
                                  str(tmp_path / "t.csv"), "--config", str(tmp_path / "c.yaml"),
                                  "--q", "2.0"])
    assert r.exit_code == 0, r.output
    (tmp_path / "bad.yaml").write_text("colour: red\n")
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out",
                                  str(tmp_path / "t.csv"), "--config", str(tmp_path / "bad.yaml")])
    assert r.exit_code == 1
    assert "airdefense: error:" in r.output and "colour: unknown setting" in r.output


def test_track_malformed_file_is_one_line_error(tmp_path):
    """A bad number gives 'airdefense: error: FILE:LINE: ...' and exit code 1."""
    (tmp_path / "m.csv").write_text("time,x,y\n0,1,2\n1,x,2\n")
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out",
                                  str(tmp_path / "t.csv")])
    assert r.exit_code == 1
    assert r.output.strip().endswith("m.csv:3: column 'x': not a number: 'x'")
    assert "Traceback" not in r.output


def test_track_polar_needs_radar_position(tmp_path):
    """A polar file without --radar-position is a usage error (exit 2)."""
    (tmp_path / "m.csv").write_text("time,range,azimuth\n0,1000,10\n")
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out",
                                  str(tmp_path / "t.csv")])
    assert r.exit_code == 2 and "--radar-position" in r.output
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out",
                                  str(tmp_path / "t.csv"), "--radar-position", "0,0,0"])
    assert r.exit_code == 0, r.output


def test_track_bad_flags(tmp_path):
    """--confirm and --pd values that break their rules are refused with the value."""
    (tmp_path / "m.csv").write_text("time,x,y\n0,1,2\n")
    base = ["track", str(tmp_path / "m.csv"), "--out", str(tmp_path / "t.csv")]
    r = CliRunner().invoke(main, base + ["--confirm", "5/3"])
    assert r.exit_code == 2 and "5/3" in r.output
    r = CliRunner().invoke(main, base + ["--pd", "1.2"])
    assert r.exit_code == 1 and "pd: must be in (0, 1), got 1.2" in r.output


def test_track_config_delete_llr(tmp_path, rng):
    """tracker.yaml takes delete_llr; a bad value is one error line naming field, value, rule."""
    _meas_file(tmp_path / "m.csv", rng)
    (tmp_path / "c.yaml").write_text("delete_llr: 6.9\n")
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out",
                                  str(tmp_path / "t.csv"), "--config", str(tmp_path / "c.yaml")])
    assert r.exit_code == 0, r.output
    (tmp_path / "bad.yaml").write_text("delete_llr: -2\n")
    r = CliRunner().invoke(main, ["track", str(tmp_path / "m.csv"), "--out",
                                  str(tmp_path / "t.csv"), "--config", str(tmp_path / "bad.yaml")])
    assert r.exit_code == 1
    assert "delete_llr: must be > 0 nats (inf: off), got -2" in r.output
