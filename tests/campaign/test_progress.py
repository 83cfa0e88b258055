"""The progress bar: counts, rate, ETA, and one line per step off a terminal."""

from __future__ import annotations

import io

import pytest

from airdefense.campaign._progress import Progress, format_duration


@pytest.mark.parametrize("s, text", [(0, "0:00"), (59.4, "0:59"), (61, "1:01"),
                                     (3725, "1:02:05"), (float("inf"), "--:--"),
                                     (float("nan"), "--:--")])
def test_format_duration(s, text):
    """m:ss below an hour, h:mm:ss above, --:-- when unknown."""
    assert format_duration(s) == text


def test_progress_lines_off_terminal():
    """Off a terminal: a first line, one per finished run (small campaigns), a final line."""
    out = io.StringIO()
    bar = Progress(4, done=1, label="campaign x", stream=out, min_interval_s=0.0)
    bar.update(1)
    bar.update(2)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("campaign x [") and "1/4 (1 resumed)" in lines[0]
    assert "ETA --:--" in lines[0]
    assert "2/4" in lines[1] and "ETA " in lines[1]
    assert "4/4" in lines[-1]
    assert "done in" in lines[-1] and "#" * 30 in lines[-1]
    assert bar.rate() > 0 and bar.eta_s() == 0


def test_progress_disabled_writes_nothing():
    """A disabled bar writes nothing."""
    out = io.StringIO()
    bar = Progress(3, stream=out, enabled=False)
    bar.update(3)
    bar.close()
    assert out.getvalue() == ""
