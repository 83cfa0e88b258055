"""Reading measurement files and writing track files (the standalone ``airdefense track``).

Measurement CSV: a header, then one row per detection; rows of one scan share one time, and times
never decrease. Columns ``time,x,y`` or ``time,x,y,z`` (Cartesian, m), or
``time,range,azimuth[,elevation]`` (polar: m and degrees, azimuth clockwise from north, seen from
a radar position given separately). Times in s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from airdefense._yaml import not_utf8
from airdefense.errors import InputFileError
from airdefense.tracking.base import Tracks
from airdefense.tracking.kalman import Measurements

__all__ = ["MeasurementFile", "read_measurements", "TrackWriter", "LAYOUTS"]

LAYOUTS = {
    ("time", "x", "y"): ("cartesian", 2),
    ("time", "x", "y", "z"): ("cartesian", 3),
    ("time", "range", "azimuth"): ("polar", 2),
    ("time", "range", "azimuth", "elevation"): ("polar", 3),
}


@dataclass
class MeasurementFile:
    """A measurement file's contents.

    Attributes
    ----------
    kind : {"cartesian", "polar"}
    ndim : int
        2 or 3.
    time_s : ndarray of shape (k,)
    values : ndarray of shape (k, ndim)
        Cartesian positions (m), or range (m), azimuth and elevation (rad).
    """

    kind: str
    ndim: int
    time_s: np.ndarray
    values: np.ndarray

    def scans(self, sigma_m: float = 10.0, radar_position=None, sigma_range_m: float = 10.0,
              sigma_azimuth_deg: float = 0.1, sigma_elevation_deg: float = 0.1
              ) -> Iterator[tuple[float, Measurements]]:
        """Yield ``(time_s, Measurements)`` per scan (rows sharing one time).

        Parameters
        ----------
        sigma_m : float, default 10
            Cartesian noise per axis, m.
        radar_position : array_like of shape (3,), optional
            Radar position, m; needed for polar files.
        sigma_range_m, sigma_azimuth_deg, sigma_elevation_deg : float
            Polar noise.
        """
        bounds = np.flatnonzero(np.r_[True, np.diff(self.time_s) != 0, True])
        if self.kind == "polar":
            s = np.asarray(radar_position, float)
            var = np.array([sigma_range_m**2, np.radians(sigma_azimuth_deg) ** 2,
                            np.radians(sigma_elevation_deg) ** 2, np.nan])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            t = float(self.time_s[a])
            v = self.values[a:b]
            if self.kind == "cartesian":
                yield t, Measurements.cartesian(t, v, sigma_m)
            else:
                k = b - a
                z = np.full((k, 4), np.nan)
                z[:, :self.ndim] = v
                R = np.broadcast_to(np.diag(var), (k, 4, 4))
                yield t, Measurements.polar(t, z, R, s, ndim=self.ndim)


def read_measurements(path: str | Path) -> MeasurementFile:
    """Read and check a measurement CSV.

    Raises
    ------
    InputFileError
        Naming the line for an empty file, a missing or unknown column, a wrong number of
        fields, text or a non-finite value in a number, or a time before the previous row's.
    """
    src = str(path)
    try:
        # utf-8-sig: a byte-order mark (as spreadsheet programs write) is not part of 'time'.
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputFileError(src, f"cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        msg, line = not_utf8(exc)
        raise InputFileError(src, msg, line) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputFileError(src, "the file is empty: expected a header such as time,x,y", 1)
    header = tuple(h.strip().lower() for h in lines[0].split(","))
    layout = next((k for k in LAYOUTS if sorted(k) == sorted(header)), None)
    if layout is None:
        want = " or ".join(",".join(k) for k in LAYOUTS)
        missing = [c for c in ("time",) if c not in header]
        what = f"missing column {missing[0]!r}" if missing else f"columns {','.join(header)}"
        raise InputFileError(src, f"{what}: the header must be one of {want}", 1)
    kind, ndim = LAYOUTS[layout]
    order = [header.index(c) for c in layout]
    ncol = len(header)
    rows = []
    prev = -np.inf
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split(",")
        if len(parts) != ncol:
            raise InputFileError(src, f"expected {ncol} fields ({','.join(header)}), "
                                      f"got {len(parts)}", i)
        vals = []
        for name, p in zip(header, parts, strict=True):
            try:
                v = float(p)
            except ValueError:
                raise InputFileError(src, f"column {name!r}: not a number: {p.strip()!r}",
                                     i) from None
            if not np.isfinite(v):
                raise InputFileError(src, f"column {name!r}: must be finite, got {p.strip()}",
                                     i)
            vals.append(v)
        row = [vals[j] for j in order]
        if row[0] < prev:
            raise InputFileError(src, f"time goes backwards: {row[0]} s after {prev} s", i)
        if kind == "polar" and row[1] < 0:
            raise InputFileError(src, f"column 'range': must be >= 0 m, got {row[1]}", i)
        prev = row[0]
        rows.append(row)
    if not rows:
        raise InputFileError(src, "no measurements after the header", 2)
    a = np.array(rows, float)
    vals = a[:, 1:]
    if kind == "polar":
        vals[:, 1:] = np.radians(vals[:, 1:])
    return MeasurementFile(kind, ndim, a[:, 0], vals)


class TrackWriter:
    """Write confirmed tracks, one row per track per scan: ``time,track_id,x,y,vx,vy[,z,vz]``.

    Parameters
    ----------
    path : str or Path
    ndim : {2, 3}
    """

    def __init__(self, path: str | Path, ndim: int) -> None:
        self.ndim = ndim
        self.fh = open(path, "w")  # noqa: SIM115 - closed in close()
        cols = ["time", "track_id", "x", "y", "vx", "vy"] + (["z", "vz"] if ndim == 3 else [])
        self.fh.write(",".join(cols) + "\n")
        self.rows = 0

    def write(self, tracks: Tracks) -> None:
        """Append the confirmed tracks of one picture."""
        t = tracks.select(tracks.confirmed)
        if len(t) == 0:
            return
        idx = [0, 1, 3, 4] + ([2, 5] if self.ndim == 3 else [])
        body = np.column_stack([np.full(len(t), t.time_s), t.x[:, idx]])
        for tid, row in zip(t.track_id, body, strict=True):
            self.fh.write(f"{row[0]:.10g},{int(tid)}," + ",".join(f"{v:.6f}" for v in row[1:])
                          + "\n")
        self.rows += len(t)

    def close(self) -> None:
        """Close the file."""
        self.fh.close()

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
