"""The event log's table against the plain pandas statement of the same rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airdefense.simulation.events import EVENT_COLUMNS, EVENT_KINDS, EventLog


def _reference(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    df["seq"] = np.arange(len(df))
    df = df.sort_values(["time_s", "seq"], kind="stable").drop(columns="seq")
    df["kind"] = pd.Categorical(df["kind"], categories=list(EVENT_KINDS))
    return df.reset_index(drop=True)


_event = st.tuples(st.integers(0, 6).map(float), st.sampled_from(EVENT_KINDS),
                   st.integers(-1, 4), st.integers(-1, 3),
                   st.one_of(st.none(), st.tuples(*[st.floats(-1e5, 1e5)] * 3)),
                   st.one_of(st.just(np.nan), st.floats(-1e9, 1e9)))


@settings(max_examples=80, deadline=None)
@given(st.lists(_event, max_size=40))
def test_event_table_is_the_rows_in_stable_time_order(events):
    """Columns, dtypes, categories and the stable time order (ties in order of addition)."""
    log = EventLog()
    for t, kind, threat, sensor, pos, value in events:
        log.add(t, kind, threat=threat, sensor=sensor, pos=pos, value=value)
    got = log.to_frame()
    want = _reference(log._rows)
    pd.testing.assert_frame_equal(got, want)
    assert got.equals(want)


def test_unknown_event_kind_is_refused():
    with pytest.raises(ValueError, match="unknown event kind 'explosion'"):
        EventLog().add(0.0, "explosion")


@settings(max_examples=60, deadline=None)
@given(st.lists(_event, max_size=40))
def test_event_columns_are_the_tables_columns(events):
    """``columns()``: the table's columns in order, each the same array (dtype and values;
    ``kind`` the same Categorical), for an empty log too."""
    log = EventLog()
    for t, kind, threat, sensor, pos, value in events:
        log.add(t, kind, threat=threat, sensor=sensor, pos=pos, value=value)
    df = _reference(log._rows)
    cols = log.columns()
    assert list(cols) == list(EVENT_COLUMNS)
    for c in EVENT_COLUMNS:
        if c == "kind":
            assert isinstance(cols[c], pd.Categorical)
            assert cols[c].dtype == df[c].dtype
            np.testing.assert_array_equal(cols[c].codes, df[c].array.codes)
        else:
            want = df[c].to_numpy()
            assert cols[c].dtype == want.dtype
            np.testing.assert_array_equal(cols[c], want)
