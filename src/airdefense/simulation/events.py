"""Event log of one simulated raid."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["EventLog", "EVENT_KINDS", "EVENT_COLUMNS"]

EVENT_KINDS = (
    "launch", "detection", "track_start", "assignment", "fire", "intercept_hit",
    "intercept_miss", "impact", "asset_damaged", "asset_destroyed", "battery_disabled",
    "interceptor_lost", "reload",
)
EVENT_COLUMNS = ("time_s", "kind", "threat_id", "interceptor_id", "track_id", "battery_id",
                 "launcher_id", "sensor_id", "asset_id", "x", "y", "z", "value")
_KIND_CODE = {k: i for i, k in enumerate(EVENT_KINDS)}
_KIND_DTYPE = pd.CategoricalDtype(list(EVENT_KINDS))


class EventLog:
    """Append-only event log; converts to a pandas DataFrame sorted by time (stable)."""

    def __init__(self) -> None:
        self._rows: list[tuple] = []

    def add(self, time_s: float, kind: str, *, threat: int = -1, interceptor: int = -1,
            track: int = -1, battery: int = -1, launcher: int = -1, sensor: int = -1,
            asset: int = -1, pos=None, value: float = np.nan) -> None:
        """Record one event (ids are -1 where they do not apply; ``pos`` is ENU m)."""
        if kind not in _KIND_CODE:
            raise ValueError(f"unknown event kind {kind!r}")
        if pos is None:
            x = y = z = np.nan
        else:
            x, y, z = float(pos[0]), float(pos[1]), float(pos[2])
        self._rows.append((float(time_s), kind, int(threat), int(interceptor), int(track),
                           int(battery), int(launcher), int(sensor), int(asset), x, y, z,
                           float(value)))

    def __len__(self) -> int:
        return len(self._rows)

    def count(self, kind: str) -> int:
        """Number of events of one kind."""
        return sum(1 for r in self._rows if r[1] == kind)

    def threat_ids(self, kind: str) -> np.ndarray:
        """``threat_id`` of the events of one kind, in the order of addition, shape (k,) int."""
        return np.array([r[2] for r in self._rows if r[1] == kind], np.int64)

    def to_frame(self) -> pd.DataFrame:
        """Return the events as a DataFrame with EVENT_COLUMNS, in time order (stable)."""
        if not self._rows:
            df = pd.DataFrame(self._rows, columns=list(EVENT_COLUMNS))
            df["kind"] = pd.Categorical(df["kind"], categories=list(EVENT_KINDS))
            return df
        return pd.DataFrame(self.columns())

    def columns(self) -> dict:
        """The columns of :meth:`to_frame`, without the DataFrame: EVENT_COLUMNS in order,
        ``kind`` a Categorical of EVENT_KINDS, the ids int64 and the rest float64 arrays,
        shape (n,), in time order (stable); the same arrays ``to_frame``'s columns hold
        (an empty log: the empty frame's columns, object arrays but ``kind``)."""
        if not self._rows:
            df = self.to_frame()
            return {c: (df[c].array if c == "kind" else df[c].to_numpy())
                    for c in EVENT_COLUMNS}
        cols = list(zip(*self._rows, strict=True))
        t = np.array(cols[0], float)
        order = np.argsort(t, kind="stable")  # ties keep the order of addition
        data = {"time_s": t[order],
                "kind": pd.Categorical.from_codes(
                    np.array([_KIND_CODE[k] for k in cols[1]], np.int8)[order],
                    dtype=_KIND_DTYPE)}
        for c in range(2, len(EVENT_COLUMNS)):
            data[EVENT_COLUMNS[c]] = np.array(cols[c], np.int64 if c < 9 else float)[order]
        return data
